"""Skeleton videos (MP4 and GIF), music pictures, and ``livedual render``."""

from __future__ import annotations

import argparse
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from livedual import render as render_module
from livedual.const import FPS, MUSIC_DIM, MUSIC_OUT_DIM
from livedual.data.formats import write_motion
from livedual.errors import AudioError, ParameterError
from livedual.pose import pose_from_axis_angle
from livedual.render import (
    BACKGROUND,
    LEFT_COLOUR,
    RIGHT_COLOUR,
    SkeletonRenderer,
    ffmpeg_executable,
    fit_camera,
    render_motion_video,
    render_side_by_side,
)
from livedual.render_music import render_music_picture, render_piano_roll
from livedual.skeleton import HEAD, LEFT_FOOT, RIGHT_FOOT, pose_to_joints

SMALL = (160, 120)

needs_ffmpeg = pytest.mark.skipif(
    ffmpeg_executable() is None, reason="no ffmpeg binary (imageio-ffmpeg)"
)


def standing_pose(n_frames: int, *, turn: float = 0.0, walk: float = 0.0) -> np.ndarray:
    """A person standing upright, arms lowered, turned by ``turn`` radians about y."""
    t = np.arange(n_frames) / FPS
    axis_angle = np.zeros((n_frames, 24, 3))
    axis_angle[:, 0, 1] = turn
    axis_angle[:, 16, 2] = -1.2 + 0.3 * np.sin(2 * t)  # left shoulder down, swinging
    axis_angle[:, 17, 2] = 1.2 - 0.3 * np.sin(2 * t)
    transl = np.stack([walk * t, np.full(n_frames, 0.95), np.zeros(n_frames)], axis=1)
    return pose_from_axis_angle(transl=transl, axis_angle=axis_angle).astype(np.float32)


def probe(path: Path) -> dict:
    """Frames, seconds, size and streams of a video, from the ffmpeg binary."""
    exe = ffmpeg_executable()
    decoded = subprocess.run(
        [
            exe,
            "-hide_banner",
            "-nostdin",
            "-i",
            str(path),
            "-map",
            "0:v:0",
            "-f",
            "null",
            "-",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stderr
    frames = int(re.findall(r"frame=\s*(\d+)", decoded)[-1])
    duration = re.search(r"Duration: (\d+):(\d+):([\d.]+)", decoded)
    assert duration is not None
    h, m, s = (float(g) for g in duration.groups())
    size = re.search(r"Video: h264.*?, (\d+)x(\d+)", decoded)
    return {
        "frames": frames,
        "seconds": 3600 * h + 60 * m + s,
        "size": (int(size.group(1)), int(size.group(2))) if size else None,
        "audio": bool(re.search(r"Stream #\d+:\d+.*Audio:", decoded)),
    }


def colour_pixels(
    frame: np.ndarray, colour: tuple[int, int, int], tolerance: int = 40
) -> np.ndarray:
    """(row, column) of pixels close to ``colour`` (any brightness from the depth shading)."""
    target = np.asarray(colour, float) / np.linalg.norm(colour)
    rgb = frame.astype(float)
    norm = np.linalg.norm(rgb, axis=-1) + 1e-9
    similar = (rgb @ target) / norm > 0.995
    bright = norm > tolerance * 3
    return np.argwhere(similar & bright)


# --- what the frames show -------------------------------------------------------------------


def test_standing_figure_is_upright_on_the_floor_and_faces_the_camera() -> None:
    renderer = SkeletonRenderer(standing_pose(10), size=(320, 240))
    xy, _ = renderer.camera.project(renderer.joints[0])
    assert xy[HEAD, 1] < xy[LEFT_FOOT, 1] - 100  # head well above the feet on screen
    assert renderer.floor == pytest.approx(
        renderer.joints[0, [LEFT_FOOT, RIGHT_FOOT], 1].min(), abs=0.01
    )
    frame = renderer.frame(0)
    left, right = colour_pixels(frame, LEFT_COLOUR), colour_pixels(frame, RIGHT_COLOUR)
    assert len(left) > 50 and len(right) > 50
    # Seen from the front, the dancer's left side is on the right of the picture.
    assert left[:, 1].mean() > right[:, 1].mean()


@pytest.mark.parametrize("turn", [0.0, np.pi / 2, np.pi])
def test_camera_follows_the_facing_direction(turn: float) -> None:
    """Whichever way the dancer faces, the camera stands in front of them."""
    renderer = SkeletonRenderer(standing_pose(5, turn=turn), size=(320, 240))
    frame = renderer.frame(0)
    left, right = colour_pixels(frame, LEFT_COLOUR), colour_pixels(frame, RIGHT_COLOUR)
    assert left[:, 1].mean() > right[:, 1].mean()
    assert renderer.camera.eye[1] > renderer.joints[0, 0, 1]  # looking down a little


def test_camera_frames_the_whole_motion() -> None:
    pose = standing_pose(100, walk=0.8)  # walks 3.2 m sideways
    camera = fit_camera(pose_to_joints(pose).astype(float), size=SMALL)
    xy, depth = camera.project(pose_to_joints(pose).reshape(-1, 3))
    assert np.all(depth > 0)
    assert np.all((xy >= 0) & (xy <= np.array(SMALL)))


def test_camera_is_fixed_over_the_clip() -> None:
    renderer = SkeletonRenderer(standing_pose(30, walk=0.5), size=SMALL)
    first, last = renderer.frame(0), renderer.frame(29)
    # The floor grid (the background) is the same; only the figure moved.
    assert first.shape == (SMALL[1], SMALL[0], 3)
    assert np.mean(np.all(first == last, axis=-1)) > 0.8
    assert not np.array_equal(first, last)


def test_renderer_accepts_joints_and_refuses_bad_shapes() -> None:
    joints = pose_to_joints(standing_pose(4))
    frame = SkeletonRenderer(joints, size=SMALL).frame(3)
    assert frame.shape == (SMALL[1], SMALL[0], 3) and np.any(frame != BACKGROUND)
    with pytest.raises(ParameterError):
        SkeletonRenderer(np.zeros((4, 23, 3)))
    with pytest.raises(ParameterError):
        SkeletonRenderer(standing_pose(4), size=(161, 120))


# --- video files ----------------------------------------------------------------------------


@needs_ffmpeg
def test_mp4_has_every_frame(tmp_path: Path) -> None:
    out = render_motion_video(
        standing_pose(50), tmp_path / "clip.mp4", title="test", size=SMALL
    )
    info = probe(out)
    assert info["frames"] == 50
    assert info["seconds"] == pytest.approx(2.0, abs=0.05)
    assert info["size"] == SMALL and not info["audio"]


@needs_ffmpeg
def test_mp4_with_music_has_an_audio_stream_cut_to_the_motion(
    tmp_path: Path, kick_mp3: Path
) -> None:
    out = render_motion_video(
        standing_pose(75), tmp_path / "music.mp4", audio=kick_mp3, size=SMALL
    )
    info = probe(out)
    assert info["audio"]
    assert info["frames"] == 75
    assert info["seconds"] == pytest.approx(3.0, abs=0.1)  # the 10 s song is cut


@needs_ffmpeg
def test_mp4_with_generated_wav_has_audio(tmp_path: Path) -> None:
    soundfile = pytest.importorskip("soundfile")
    sr = 22050
    song = 0.2 * np.sin(2 * np.pi * 440 * np.arange(sr) / sr)
    soundfile.write(tmp_path / "tone.wav", song, sr)
    out = render_motion_video(
        standing_pose(50),
        tmp_path / "tone.mp4",
        audio=tmp_path / "tone.wav",
        size=SMALL,
    )
    info = probe(out)
    assert info["audio"] and info["frames"] == 50


def test_missing_music_file_is_an_audio_error(tmp_path: Path) -> None:
    if ffmpeg_executable() is None:
        pytest.skip("no ffmpeg binary")
    with pytest.raises(AudioError, match="absent.wav"):
        render_motion_video(
            standing_pose(5),
            tmp_path / "x.mp4",
            audio=tmp_path / "absent.wav",
            size=SMALL,
        )
    assert not (tmp_path / "x.mp4").exists()


def test_gif_has_every_frame_at_the_frame_rate(tmp_path: Path) -> None:
    out = render_motion_video(standing_pose(20), tmp_path / "clip.gif", size=SMALL)
    with Image.open(out) as gif:
        assert gif.format == "GIF" and gif.size == SMALL
        assert gif.n_frames == 20
        assert gif.info["duration"] == 1000 / FPS


def test_without_ffmpeg_an_mp4_path_becomes_a_gif(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(render_module, "ffmpeg_executable", lambda: None)
    out = render_motion_video(standing_pose(6), tmp_path / "clip.mp4", size=SMALL)
    assert out == tmp_path / "clip.gif" and out.is_file()
    assert not (tmp_path / "clip.mp4").exists()


def test_side_by_side_lasts_as_long_as_the_longer_motion(tmp_path: Path) -> None:
    out = render_side_by_side(
        standing_pose(8),
        standing_pose(12, turn=1.0),
        tmp_path / "pair.gif",
        size=(320, 120),
    )
    with Image.open(out) as gif:
        assert gif.size == (320, 120) and gif.n_frames == 12


# --- music pictures -------------------------------------------------------------------------


@pytest.mark.parametrize("dim", [MUSIC_DIM, MUSIC_OUT_DIM])
def test_music_picture_marks_the_beats(tmp_path: Path, dim: int) -> None:
    rng = np.random.default_rng(0)
    features = rng.random((100, dim))
    beat_column = 52 if dim == MUSIC_DIM else 12
    features[:, beat_column] = 0.0
    features[::25, beat_column] = 1.0  # one beat per second, at frames 0, 25, 50, 75
    out = render_music_picture(
        features, tmp_path / "music.png", title="t", size=(500, 200)
    )
    picture = np.asarray(Image.open(out).convert("RGB"))
    assert picture.shape == (200, 500, 3)
    from livedual.render_music import BEAT_STRIP, MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP

    strip_row = picture[MARGIN_TOP + BEAT_STRIP // 2, MARGIN_LEFT : 500 - MARGIN_RIGHT]
    marked = np.flatnonzero(np.all(strip_row == LEFT_COLOUR, axis=-1))
    frame_of_pixel = (marked * 100) // (500 - MARGIN_LEFT - MARGIN_RIGHT)
    assert set(frame_of_pixel) == {0, 25, 50, 75}


def test_music_picture_refuses_other_shapes(tmp_path: Path) -> None:
    with pytest.raises(ParameterError):
        render_music_picture(np.zeros((10, 12)), tmp_path / "x.png")


def test_piano_roll_draws_notes_where_they_play(tmp_path: Path) -> None:
    notes = [(60, 0.0, 1.0, 127), (67, 1.0, 2.0, 127), (64, 2.0, 4.0, 10)]
    out = render_piano_roll(notes, tmp_path / "roll.png", size=(440, 200))
    picture = np.asarray(Image.open(out).convert("RGB"))
    assert picture.shape == (200, 440, 3)
    loud = colour_pixels(picture, LEFT_COLOUR)
    assert len(loud) > 100
    # The G (second note) is drawn higher and later than the C (first note).
    from livedual.render_music import MARGIN_LEFT, MARGIN_RIGHT

    middle = MARGIN_LEFT + (440 - MARGIN_LEFT - MARGIN_RIGHT) / 4  # t = 1 s of 4 s
    first, second = loud[loud[:, 1] < middle - 2], loud[loud[:, 1] > middle + 2]
    assert first[:, 0].mean() > second[:, 0].mean()
    with pytest.raises(ParameterError):
        render_piano_roll([(60, 2.0, 1.0, 100)], tmp_path / "bad.png")


# --- command line ---------------------------------------------------------------------------


def run_cli(argv: list[str]) -> int:
    from livedual.cli import render as render_cli

    parser = argparse.ArgumentParser()
    render_cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return args.func(args)


@pytest.mark.parametrize("suffix", [".npz", ".bvh", ".pkl"])
def test_cli_renders_every_motion_format(tmp_path: Path, suffix: str) -> None:
    motion = write_motion(tmp_path / f"dance{suffix}", standing_pose(10), fps=FPS)
    out = tmp_path / "dance.gif"
    assert run_cli(["render", str(motion), "-o", str(out), "--size", "160x120"]) == 0
    with Image.open(out) as gif:
        assert gif.size == SMALL and abs(gif.n_frames - 10) <= 1


@needs_ffmpeg
def test_cli_muxes_music(tmp_path: Path, kick_mp3: Path) -> None:
    motion = write_motion(tmp_path / "dance.npz", standing_pose(25), fps=FPS)
    out = tmp_path / "dance.mp4"
    assert (
        run_cli(
            [
                "render",
                str(motion),
                "-o",
                str(out),
                "--music",
                str(kick_mp3),
                "--size",
                "160x120",
            ]
        )
        == 0
    )
    info = probe(out)
    assert info["audio"] and info["frames"] == 25
