"""runbase.Audio and runbase.Video end to end (SQLite and PostgreSQL): a script logs clips from arrays and
files, single and in lists; the Public API reads W&B's descriptors, and the downloaded WAV holds the logged
samples, the GIF the logged frame count and size. The reference's Video example runs as written."""

from __future__ import annotations

import uuid
import wave
from pathlib import Path
from typing import Any

import pytest

np = pytest.importorskip("numpy")
PILImage = pytest.importorskip("PIL.Image")

from conftest import Server, run_script, sdk_environment
from test_media_images import Logged, api_for, log_script

PROJECT = "media-audio-video"

SCRIPT = """
import numpy as np
import runbase as wandb

rng = np.random.default_rng(21)
arrays = {"mono": rng.uniform(-1, 1, 4000).astype(np.float32),
          "stereo": rng.integers(-32768, 32768, (1000, 2)).astype(np.int16),
          "frames": rng.integers(0, 256, (6, 3, 12, 20), dtype=np.uint8),
          "batch": rng.integers(0, 256, (2, 4, 3, 8, 8), dtype=np.uint8)}
np.savez("expected.npz", **arrays)
open("take.mp3", "wb").write(b"ID3 some mp3 bytes")
with wandb.init(project="PROJECT", id="RUN_ID") as run:
    run.log({"voice": wandb.Audio(arrays["mono"], sample_rate=8000, caption="noise"),
             "clip": wandb.Video(arrays["frames"], fps=5, format="gif", caption="frames")})
    run.log({"voices": [wandb.Audio(arrays["stereo"], sample_rate=4000), wandb.Audio("take.mp3", caption="take")],
             "clips": [wandb.Video(arrays["batch"], format="gif"), wandb.Video(arrays["frames"], format="gif")]})
"""


@pytest.fixture(scope="module")
def logged(server: Server, tmp_path_factory: pytest.TempPathFactory) -> Logged:
    return log_script(server, tmp_path_factory.mktemp("media-audio-video"), PROJECT, SCRIPT)


def wav(path: Path) -> tuple[int, Any]:
    with wave.open(str(path)) as clip:
        assert clip.getsampwidth() == 2
        samples = np.frombuffer(clip.readframes(clip.getnframes()), dtype="<i2")
        return clip.getframerate(), samples.reshape(-1, clip.getnchannels())


def gif(path: Path) -> tuple[int, tuple[int, int], int]:
    with PILImage.open(path) as clip:
        assert clip.format == "GIF"
        return clip.n_frames, clip.size, clip.info["duration"]


def test_audio_round_trips_its_samples(logged: Logged) -> None:
    voice = logged.rows[0]["voice"]
    assert list(voice) == ["caption", "_type", "sha256", "size", "path"] and voice["caption"] == "noise"
    assert voice["_type"] == "audio-file"
    assert voice["path"] == f"media/audio/voice_0_{voice['sha256'][:20]}.wav"
    rate, samples = wav(logged.file(voice))
    # 16-bit PCM: float samples in [-1, 1] scaled by 32767 and rounded, as soundfile writes them for W&B.
    assert rate == 8000 and np.array_equal(samples[:, 0], np.rint(logged.expected["mono"].astype(float) * 32767))
    assert logged.run.summary["voice"] == voice


def test_a_list_of_audio_is_one_audio_descriptor(logged: Logged) -> None:
    voices = logged.rows[1]["voices"]
    assert {k: voices[k] for k in ("_type", "count", "sampleRates", "durations", "captions")} == {
        "_type": "audio", "count": 2, "sampleRates": [4000, None], "durations": [0.25, None],
        "captions": ["", "take"]}
    stereo, take = voices["audio"]
    assert stereo["_type"] == take["_type"] == "audio-file" and take["caption"] == "take"
    rate, samples = wav(logged.file(stereo))
    assert rate == 4000 and np.array_equal(samples, logged.expected["stereo"])
    assert take["path"] == f"media/audio/voices_1_{take['sha256'][:20]}.mp3"  # a file keeps its own type
    assert logged.file(take).read_bytes() == b"ID3 some mp3 bytes"


def test_video_gif_keeps_frames_and_size(logged: Logged) -> None:
    clip = logged.rows[0]["clip"]
    assert {k: clip[k] for k in ("caption", "_type", "width", "height")} == {
        "caption": "frames", "_type": "video-file", "width": 20, "height": 12}
    assert clip["path"] == f"media/videos/clip_0_{clip['sha256'][:20]}.gif" and "format" not in clip
    assert gif(logged.file(clip)) == (6, (20, 12), 200)  # 6 frames at 5 fps


def test_a_list_of_videos_and_a_tiled_batch(logged: Logged) -> None:
    clips = logged.rows[1]["clips"]
    assert clips["_type"] == "videos" and clips["count"] == 2 and clips["captions"] is False
    batch, frames = clips["videos"]
    assert (batch["width"], batch["height"]) == (16, 8)  # two 8x8 clips side by side, as W&B tiles them
    assert gif(logged.file(batch)) == (4, (16, 8), 250)  # the default 4 fps
    assert gif(logged.file(frames))[:2] == (6, (20, 12))


REFERENCE_EXAMPLE = '''
import numpy as np
import runbase as wandb

with wandb.init() as run:
    # axes are (number of frames, channel, height, width)
    frames = np.random.randint(
        low=0, high=256, size=(10, 3, 100, 100), dtype=np.uint8
    )
    run.log({"video": wandb.Video(frames, format="mp4", fps=4)})
'''


def test_the_reference_video_example_runs_as_written(server: Server, tmp_path: Path) -> None:
    imageio_ffmpeg = pytest.importorskip("imageio_ffmpeg")
    project = f"reference-video-{uuid.uuid4().hex[:6]}"
    run_script(REFERENCE_EXAMPLE, {**sdk_environment(server, tmp_path), "RUNBASE_PROJECT": project}, cwd=tmp_path)
    (run,) = api_for(server).runs(f"admin/{project}")
    video = run.summary["video"]
    assert video["_type"] == "video-file" and video["path"].endswith(".mp4")
    assert (video["width"], video["height"]) == (100, 100)
    run.file(video["path"]).download(root=tmp_path)
    reader = imageio_ffmpeg.read_frames(str(tmp_path / video["path"]))
    meta = next(reader)
    assert meta["size"] == (100, 100) and meta["fps"] == 4 and sum(1 for _ in reader) == 10
