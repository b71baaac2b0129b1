"""runbase.Audio: a clip stored as `media/audio/KEY_STEP_SHA20.wav` (or the user's file with its own
extension), W&B's `audio-file`; a list of clips is one `audio` descriptor with their sample rates and durations.

Arrays are written as 16-bit PCM WAV with Python's own `wave` module, as W&B's soundfile writes them (floats
in [-1, 1] scaled by 32767, int16 as they are, int32 scaled down to 16 bits), so no extra package is needed."""

from __future__ import annotations

import numbers
import os
import wave
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..optional import require
from .encoding import as_array
from .image import caption_of
from .media import Media, MediaStore, tmp_path

AUDIO_EXTENSIONS = (".wav", ".mp3", ".ogg", ".oga", ".opus", ".flac", ".aac", ".m4a", ".aif", ".aiff", ".webm")
MAX_CHANNELS = 1024  # libsndfile's limit, which W&B's writer has
MAX_SAMPLE_RATE = 2**32 - 1  # a WAV header's field
PCM16_SCALE = 32767


def _sample_rate(sample_rate: Any) -> int:
    if not isinstance(sample_rate, numbers.Integral) or isinstance(sample_rate, bool) \
            or not 0 < int(sample_rate) <= MAX_SAMPLE_RATE:
        raise ValueError(f"Audio sample_rate must be a positive integer (samples per second), not {sample_rate!r}")
    return int(sample_rate)


def _pcm16(data: Any) -> Any:
    """Samples as (frames, channels) int16, converted the way soundfile writes PCM_16, or a clear error."""
    np = require("numpy", what="runbase.Audio")
    samples = np.asarray(as_array(data))
    if samples.ndim == 1:
        samples = samples[:, None]
    if samples.ndim != 2 or not 0 < samples.shape[1] <= MAX_CHANNELS:
        raise ValueError(f"Audio data must be 1-D (mono samples) or 2-D (frames, channels) with 1 to {MAX_CHANNELS} "
                         f"channels, not shape {np.shape(data)}")
    if samples.dtype.kind == "f":
        if not np.all(np.isfinite(samples)):
            raise ValueError("Audio data holds NaN or infinite samples")
        if samples.size and (samples.min() < -1 or samples.max() > 1):
            raise ValueError(f"Audio float samples must lie in [-1, 1], not [{samples.min()}, {samples.max()}]: "
                             "scale them, or pass int16 samples")
        return np.rint(samples.astype(np.float64) * PCM16_SCALE).astype("<i2")
    if samples.dtype == np.int16:
        return samples.astype("<i2")
    if samples.dtype == np.int32:
        return (samples >> 16).astype("<i2")
    raise TypeError(f"Audio data must be float samples in [-1, 1], int16 or int32, not {samples.dtype}")


class Audio(Media):
    """A sound clip: the path of an audio file (stored as it is), or an array of samples (1-D mono, or 2-D
    frames x channels) with its `sample_rate`, written as a WAV file."""

    log_type = "audio-file"
    subdir = "audio"

    def __init__(self, data_or_path: str | os.PathLike[str] | Sequence[Any] | Any, sample_rate: int | None = None,
                 caption: str | None = None) -> None:
        self._caption = caption_of(caption)
        self._sample_rate = None if sample_rate is None else _sample_rate(sample_rate)
        self._duration: float | None = None
        if isinstance(data_or_path, (str, os.PathLike)):
            path = Path(data_or_path)
            if path.suffix.lower() not in AUDIO_EXTENSIONS:
                raise ValueError(f"Audio file {os.fspath(data_or_path)!r} is not one of the audio types "
                                 f"{', '.join(AUDIO_EXTENSIONS)}")
            if not path.is_file():
                raise FileNotFoundError(f"Audio data_or_path names no file: {os.fspath(data_or_path)!r}")
            self._set_file(path, is_tmp=False)
            return
        if self._sample_rate is None:
            raise ValueError("Audio sample_rate is required for an array of samples")
        samples = _pcm16(data_or_path)
        path = tmp_path(".wav")
        with wave.open(os.fspath(path), "wb") as out:
            out.setnchannels(samples.shape[1])
            out.setsampwidth(2)
            out.setframerate(self._sample_rate)
            out.writeframes(samples.tobytes())
        self._duration = samples.shape[0] / self._sample_rate
        self._set_file(path, is_tmp=True, extension=".wav")

    @classmethod
    def durations(cls, audio_list: Sequence[Audio]) -> list[float | None]:
        """Each clip's length in seconds (None for clips logged from files)."""
        return [audio._duration for audio in audio_list]

    @classmethod
    def sample_rates(cls, audio_list: Sequence[Audio]) -> list[int | None]:
        return [audio._sample_rate for audio in audio_list]

    @classmethod
    def seq_to_json(cls, items: list[Media], store: MediaStore) -> dict[str, Any]:
        """W&B's `audio` descriptor: each clip's descriptor, sample rate and duration, and the captions (empty
        strings where missing) if any clip has one."""
        if not items or not all(isinstance(item, Audio) for item in items):
            raise ValueError("Audio.seq_to_json needs a non-empty list of Audio")
        clips: list[Audio] = items  # type: ignore[assignment]
        meta: dict[str, Any] = {"_type": "audio", "count": len(clips), "audio": [clip.to_json(store) for clip in clips],
                                "sampleRates": cls.sample_rates(clips), "durations": cls.durations(clips)}
        if any(clip._caption is not None for clip in clips):
            meta["captions"] = [clip._caption or "" for clip in clips]
        return meta

    def __repr__(self) -> str:
        length = "" if self._duration is None else f", {self._duration:g} s"
        return f"Audio({self._file.extension if self._file else ''}{length})"
