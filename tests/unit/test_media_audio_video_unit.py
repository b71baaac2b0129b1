"""runbase.Audio and runbase.Video in-process: WAV samples, GIF/MP4/WebM/Ogg frames, W&B's batch tiling,
list descriptors, and bad input."""

from __future__ import annotations

import io
import re
import wave
from pathlib import Path
from typing import Any

import pytest

np = pytest.importorskip("numpy")
PILImage = pytest.importorskip("PIL.Image")

from runbase.data_types.audio import Audio
from runbase.data_types.media import DirectorySource, RunMediaStore
from runbase.data_types.video import Video, _frames


@pytest.fixture
def store(tmp_path: Path) -> RunMediaStore:
    return RunMediaStore(tmp_path, "clip", 2, lambda name: None)


def wav_samples(path: Path) -> tuple[int, int, Any]:
    with wave.open(str(path)) as wav:
        assert wav.getsampwidth() == 2
        frames = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
        return wav.getframerate(), wav.getnchannels(), frames.reshape(-1, wav.getnchannels())


def test_float_audio_is_16_bit_pcm(store: RunMediaStore) -> None:
    samples = np.sin(np.linspace(0, 40, 8000)).astype(np.float32)
    audio = Audio(samples, sample_rate=8000, caption="sine")
    described = audio.to_json(store)
    assert list(described) == ["caption", "_type", "sha256", "size", "path"]  # no rate or duration, as in W&B
    assert described["_type"] == "audio-file"
    assert re.fullmatch(r"media/audio/clip_2_[0-9a-f]{20}\.wav", described["path"])
    rate, channels, stored = wav_samples(store.root / described["path"])
    assert (rate, channels) == (8000, 1)
    assert np.array_equal(stored[:, 0], np.rint(samples.astype(np.float64) * 32767).astype(np.int16))


def test_integer_and_stereo_audio(store: RunMediaStore) -> None:
    stereo = np.random.default_rng(1).integers(-32768, 32768, (300, 2)).astype(np.int16)
    _, channels, stored = wav_samples(store.root / Audio(stereo, sample_rate=44100).to_json(store)["path"])
    assert channels == 2 and np.array_equal(stored, stereo)
    wide = np.array([65536 * 7, -65536 * 3, 2**31 - 1], dtype=np.int32)
    _, _, stored = wav_samples(store.root / Audio(wide, sample_rate=10).to_json(store)["path"])
    assert stored[:, 0].tolist() == [7, -3, 32767]  # scaled to 16 bits, as soundfile writes int32


def test_durations_rates_list_and_files(store: RunMediaStore, tmp_path: Path) -> None:
    song = tmp_path / "song.MP3"
    song.write_bytes(b"ID3 not really an mp3")
    clips = [Audio(np.zeros(4000), sample_rate=8000, caption="half"), Audio(song), Audio(np.zeros((10, 2)),
                                                                                          sample_rate=20)]
    assert Audio.durations(clips) == [0.5, None, 0.5]
    assert Audio.sample_rates(clips) == [8000, None, 20]
    meta = Audio.seq_to_json(clips, store)  # type: ignore[arg-type]
    assert list(meta) == ["_type", "count", "audio", "sampleRates", "durations", "captions"]
    assert meta["_type"] == "audio" and meta["count"] == 3 and meta["captions"] == ["half", "", ""]
    assert meta["audio"][1]["path"].endswith(".mp3") and (store.root / meta["audio"][1]["path"]).read_bytes() \
        == song.read_bytes()
    assert "captions" not in Audio.seq_to_json([Audio(song)], store)
    back = Audio.from_json(meta["audio"][0], DirectorySource(store.root))
    assert back == clips[0] and back._caption == "half"


@pytest.mark.parametrize(("data", "kwargs", "error", "message"), [
    (np.zeros(10), {}, ValueError, "sample_rate is required"),
    (np.zeros(10), {"sample_rate": 0}, ValueError, "sample_rate must be a positive integer"),
    (np.zeros(10), {"sample_rate": 44100.0}, ValueError, "sample_rate must be a positive integer"),
    (np.zeros(10), {"sample_rate": True}, ValueError, "sample_rate must be a positive integer"),
    (np.zeros((2, 3, 4)), {"sample_rate": 8}, ValueError, r"1-D \(mono samples\) or 2-D \(frames, channels\)"),
    (np.zeros((2, 5000)), {"sample_rate": 8}, ValueError, "1 to 1024 channels"),
    (np.array([0.1, np.nan]), {"sample_rate": 8}, ValueError, "NaN or infinite"),
    (np.array([0.1, 1.5]), {"sample_rate": 8}, ValueError, r"must lie in \[-1, 1\]"),
    (np.array([1, 2, 3]), {"sample_rate": 8}, TypeError, "float samples in .* int16 or int32, not int64"),
    ("voice.txt", {}, ValueError, "not one of the audio types"),
    ("missing.wav", {}, FileNotFoundError, "names no file"),
])
def test_bad_audio(data: Any, kwargs: dict[str, Any], error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        Audio(data, **kwargs)


def random_video(*shape: int) -> Any:
    return np.random.default_rng(sum(shape)).integers(0, 256, shape, dtype=np.uint8)


def test_gif_descriptor_frames_and_timing(store: RunMediaStore) -> None:
    video = Video(random_video(5, 3, 9, 11), caption="v", fps=5, format="gif")
    described = video.to_json(store)
    assert list(described) == ["caption", "_type", "sha256", "size", "path", "width", "height"]
    assert described["_type"] == "video-file" and (described["width"], described["height"]) == (11, 9)
    assert re.fullmatch(r"media/videos/clip_2_[0-9a-f]{20}\.gif", described["path"])
    with PILImage.open(store.root / described["path"]) as gif:
        assert (gif.n_frames, gif.size, gif.info["duration"], gif.info["loop"]) == (5, (11, 9), 200, 0)


def test_batches_are_tiled_as_wandb_tiles_them() -> None:
    clips = random_video(3, 2, 3, 4, 5)  # three clips: padded to four, laid out in one row
    frames = _frames(clips)
    assert frames.shape == (2, 4, 20, 3)
    for index in range(3):
        assert np.array_equal(frames[:, :, index * 5:(index + 1) * 5], clips[index].transpose(0, 2, 3, 1))
    assert not frames[:, :, 15:].any()  # the padding clip is black
    assert _frames(random_video(4, 1, 3, 4, 5)).shape == (1, 8, 10, 3)  # four: two rows of two
    assert _frames(random_video(2, 1, 3, 8, 8)).shape == (1, 8, 16, 3)  # W&B's verified 16x8
    gray = random_video(2, 1, 3, 3)
    assert np.array_equal(_frames(gray), np.repeat(gray.transpose(0, 2, 3, 1), 3, axis=3))


@pytest.mark.parametrize("video_format", ["mp4", "webm", "ogg"])
def test_ffmpeg_formats(store: RunMediaStore, video_format: str) -> None:
    imageio_ffmpeg = pytest.importorskip("imageio_ffmpeg")
    described = Video(random_video(6, 3, 9, 11), format=video_format, fps=5).to_json(store)
    assert described["path"].endswith(f".{video_format}") and (described["width"], described["height"]) == (11, 9)
    reader = imageio_ffmpeg.read_frames(str(store.root / described["path"]))
    meta = next(reader)
    assert sum(1 for _ in reader) == 6 and meta["size"][1] == 10  # padded to even sides (and ogg to 18 wide)


def test_files_streams_and_list(store: RunMediaStore, tmp_path: Path) -> None:
    clip = tmp_path / "clip.GIF"
    Video(random_video(2, 3, 4, 4), format="gif")._file.path.replace(clip)  # type: ignore[union-attr]
    with pytest.warns(UserWarning, match="fps does not change the frame rate"):
        from_file = Video(clip, fps=10)
    from_stream = Video(io.BytesIO(clip.read_bytes()), format="gif", caption="s")
    assert from_file == Video(clip) and from_stream.sha256 == from_file.sha256
    meta = Video.seq_to_json([from_file, from_stream], store)
    assert meta["_type"] == "videos" and meta["count"] == 2 and meta["captions"] is False  # the first has none
    assert [v["path"].endswith(".gif") for v in meta["videos"]] == [True, True] and "width" not in meta["videos"][0]
    assert Video.seq_to_json([from_stream], store)["captions"] == ["s"]
    back = Video.from_json(meta["videos"][1], DirectorySource(store.root))
    assert back.sha256 == from_file.sha256


def test_format_warning_and_uint8_cast(store: RunMediaStore) -> None:
    with pytest.warns(UserWarning, match="`format` argument was not provided, defaulting to `gif`"):
        video = Video(random_video(2, 3, 4, 4))
    assert video.format == "gif"
    with pytest.warns(UserWarning, match="Converting video data to uint8"):
        cast = Video(np.full((2, 3, 4, 4), 7.9), format="gif")
    with PILImage.open(cast._file.path) as gif:  # type: ignore[union-attr]
        assert gif.convert("RGB").getpixel((0, 0)) == (7, 7, 7)


@pytest.mark.parametrize(("data", "kwargs", "error", "message"), [
    (np.zeros((3, 4, 4), dtype=np.uint8), {"format": "gif"}, ValueError, "must be 4-D .* or 5-D"),
    (np.zeros((2, 2, 4, 4), dtype=np.uint8), {"format": "gif"}, ValueError, "has 2 channels"),
    (np.zeros((0, 3, 4, 4), dtype=np.uint8), {"format": "gif"}, ValueError, "holds no pixels"),
    (np.full((1, 3, 2, 2), np.nan), {"format": "gif"}, ValueError, "finite values from 0 to 255"),
    (np.full((1, 3, 2, 2), 300), {"format": "gif"}, ValueError, "finite values from 0 to 255"),
    (np.zeros((1, 3, 2, 2), dtype=np.uint8), {"format": "avi"}, ValueError, "format must be one of gif, mp4"),
    (np.zeros((1, 3, 2, 2), dtype=np.uint8), {"format": "gif", "fps": 0}, ValueError, "fps must be a positive"),
    (io.BytesIO(b"GIF89a"), {}, ValueError, "format .* is required for a stream"),
    (io.StringIO("text"), {"format": "gif"}, TypeError, "must be a binary stream"),
    ("movie.avi", {}, ValueError, "must be one of gif, mp4, webm, ogg"),
    ("missing.mp4", {}, FileNotFoundError, "names no file"),
])
def test_bad_video(data: Any, kwargs: dict[str, Any], error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        Video(data, **kwargs)
