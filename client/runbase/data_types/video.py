"""runbase.Video: a clip stored as `media/videos/KEY_STEP_SHA20.gif` (or .mp4, .webm, .ogg), W&B's
`video-file`; a list of clips is one `videos` descriptor.

Arrays are frames (T, C, H, W), or a batch (B, T, C, H, W) tiled into one grid of clips as W&B tiles it.
GIF is written with Pillow; MP4 (H.264), WebM (VP8) and Ogg (Theora) with the ffmpeg that imageio-ffmpeg
ships. Both are imported only when a clip is encoded."""

from __future__ import annotations

import math
import numbers
import os
import warnings
from pathlib import Path
from typing import IO, Any

from ..optional import require
from .encoding import as_array
from .html import read_stream
from .image import caption_of, first_captions
from .media import Media, MediaStore, tmp_path

FORMATS = ("gif", "mp4", "webm", "ogg")
FFMPEG_CODECS = {"mp4": "libx264", "webm": "libvpx", "ogg": "libtheora"}
# Frames are padded (black) to even sides, as 4:2:0 video needs, and Theora frames to 18 pixels wide at
# least: ffmpeg refuses to decode narrower ones.
MIN_WIDTHS = {"ogg": 18}
DEFAULT_FPS = 4


def _frames(data: Any) -> Any:
    """Frames as (T, height, width, 3) uint8: a batch tiled into a grid as W&B does (padded with black clips
    to a power of two, 2**((B.bit_length()-1)//2) rows), gray made RGB, alpha dropped."""
    np = require("numpy", what="runbase.Video")
    video = np.asarray(as_array(data))
    if video.ndim not in (4, 5):
        raise ValueError("Video data must be 4-D (frames, channels, height, width) or 5-D (batch, frames, channels, "
                         f"height, width), not shape {np.shape(data)}")
    if video.shape[-3] not in (1, 3, 4):
        raise ValueError(f"Video data of shape {video.shape} has {video.shape[-3]} channels (axis -3); expected 1, "
                         "3 or 4: the frames are (channels, height, width)")
    if video.size == 0:
        raise ValueError(f"Video data of shape {video.shape} holds no pixels")
    if video.dtype.kind not in "biuf":
        raise TypeError(f"Video data must be numbers, not {video.dtype}")
    if video.dtype != np.uint8:
        if not np.all(np.isfinite(video)) or video.min() < 0 or video.max() > 255:
            raise ValueError("Video data must hold finite values from 0 to 255 (it is cast to uint8, not rescaled)")
        warnings.warn("Converting video data to uint8", stacklevel=4)
        video = video.astype(np.uint8)
    if video.ndim == 4:
        video = video[None]
    batch, length, channels, height, width = video.shape
    padded = batch if (batch & (batch - 1)) == 0 else 1 << batch.bit_length()
    if padded > batch:
        video = np.concatenate([video, np.zeros((padded - batch, *video.shape[1:]), dtype=np.uint8)])
    rows = 2 ** ((batch.bit_length() - 1) // 2)
    grid = video.reshape(rows, padded // rows, length, channels, height, width).transpose(2, 0, 4, 1, 5, 3)
    frames = grid.reshape(length, rows * height, (padded // rows) * width, channels)
    return np.repeat(frames, 3, axis=3) if channels == 1 else frames[..., :3]


def _write_gif(frames: Any, path: Path, fps: float) -> None:
    pil = require("PIL.Image", what="runbase.Video (gif)", package="Pillow")
    images = [pil.fromarray(frame) for frame in frames]
    images[0].save(path, format="GIF", save_all=True, append_images=images[1:], duration=1000 / fps, loop=0)


def _write_ffmpeg(frames: Any, path: Path, fps: float, video_format: str) -> None:
    """Through the ffmpeg that imageio-ffmpeg ships, padded as MIN_WIDTHS says."""
    np = require("numpy", what="runbase.Video")
    ffmpeg = require("imageio_ffmpeg", what=f"runbase.Video ({video_format})", package="imageio-ffmpeg")
    _, height, width, _ = frames.shape
    padded_width = max(width + width % 2, MIN_WIDTHS.get(video_format, 0))
    frames = np.pad(frames, ((0, 0), (0, height % 2), (0, padded_width - width), (0, 0)))
    writer = ffmpeg.write_frames(os.fspath(path), (frames.shape[2], frames.shape[1]), fps=fps,
                                 codec=FFMPEG_CODECS[video_format], macro_block_size=1, ffmpeg_log_level="error")
    writer.send(None)
    try:
        for frame in frames:
            writer.send(np.ascontiguousarray(frame))
    finally:
        writer.close()


class Video(Media):
    """A clip to play in the UI: the path of a gif/mp4/webm/ogg file or an open binary stream (stored as they
    are; a stream needs `format`), or an array of frames encoded at `fps` (default 4) as `format` (gif unless
    given, with a warning as in W&B). Array values are cast to uint8 as they are, not rescaled."""

    EXTS = FORMATS
    log_type = "video-file"
    subdir = "videos"

    def __init__(self, data_or_path: str | os.PathLike[str] | IO[bytes] | Any, caption: str | None = None,
                 fps: int | None = None, format: str | None = None) -> None:
        if format is not None and format not in FORMATS:
            raise ValueError(f"Video format must be one of {', '.join(FORMATS)}, not {format!r}")
        if fps is not None and (not isinstance(fps, numbers.Real) or isinstance(fps, bool) or not 0 < fps < math.inf):
            raise ValueError(f"Video fps must be a positive number of frames per second, not {fps!r}")
        self._caption = caption_of(caption)
        self._width: int | None = None
        self._height: int | None = None
        if fps is not None and (isinstance(data_or_path, (str, os.PathLike)) or hasattr(data_or_path, "read")):
            warnings.warn("Video fps does not change the frame rate of a video given as a file or stream",
                          stacklevel=2)
        if isinstance(data_or_path, (str, os.PathLike)):
            self._from_path(data_or_path)
        elif hasattr(data_or_path, "read"):
            if format is None:
                raise ValueError(f"Video format ({', '.join(FORMATS)}) is required for a stream")
            content = read_stream(data_or_path, "Video data_or_path")
            if not isinstance(content, bytes):
                raise TypeError("Video data_or_path must be a binary stream (open the file with 'rb')")
            self._store(content, format)
        else:
            if format is None:
                warnings.warn("`format` argument was not provided, defaulting to `gif`", stacklevel=2)
            frames = _frames(data_or_path)
            self._height, self._width = int(frames.shape[1]), int(frames.shape[2])
            self._store(frames, format or "gif", fps or DEFAULT_FPS)

    def _from_path(self, data_or_path: str | os.PathLike[str]) -> None:
        path = Path(data_or_path)
        self.format = path.suffix[1:].lower()
        if self.format not in FORMATS:
            raise ValueError(f"Video file {os.fspath(data_or_path)!r} must be one of {', '.join(FORMATS)}")
        if not path.is_file():
            raise FileNotFoundError(f"Video data_or_path names no file: {os.fspath(data_or_path)!r}")
        self._set_file(path, is_tmp=False)

    def _store(self, content: bytes | Any, video_format: str, fps: float = DEFAULT_FPS) -> None:
        path = tmp_path(f".{video_format}")
        if isinstance(content, bytes):
            path.write_bytes(content)
        elif video_format == "gif":
            _write_gif(content, path, fps)
        else:
            _write_ffmpeg(content, path, fps, video_format)
        self.format = video_format
        self._set_file(path, is_tmp=True, extension=f".{video_format}")

    def _fields(self, store: MediaStore) -> dict[str, Any]:
        return {} if self._width is None else {"width": self._width, "height": self._height}

    @classmethod
    def seq_to_json(cls, items: list[Media], store: MediaStore) -> dict[str, Any]:
        """W&B's `videos` descriptor: each clip's descriptor, and the captions (or false)."""
        if not items or not all(isinstance(item, Video) for item in items):
            raise ValueError("Video.seq_to_json needs a non-empty list of Videos")
        return {"_type": "videos", "count": len(items), "videos": [item.to_json(store) for item in items],
                "captions": first_captions(items)}

    def __repr__(self) -> str:
        size = "" if self._width is None else f" {self._width}x{self._height}"
        return f"Video({self.format}{size})"
