"""The Dance-with-Melody loader: real sequences, and small made-up folders for bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from livedual.const import MFCC, MUSIC_DIM, POSE_DIM
from livedual.data.dwm import (
    AUDIO_FILE,
    CONFIG_FILE,
    SKELETONS_FILE,
    check_dwm_audio,
    list_dwm_sequences,
    load_dwm_sequence,
    parse_dwm_name,
    read_dwm_motion,
)
from livedual.errors import DataError
from livedual.ik import smpl_to_dwm
from livedual.pose import axis_angle_to_matrix
from livedual.skeleton import JOINT_INDEX, pose_to_joints

FPS = 25
SR = 22050
REAL_COUNT = 24
QUIET, LOUD = 0.01, 0.5  # noise amplitudes of the made-up songs


# --- made-up sequences ----------------------------------------------------------------


def write_sequence(
    root: Path,
    name: str = "DANCE_W_1",
    *,
    frames: int = 100,
    start: int = 20,
    end: int | None = None,
    audio_frames: int | None = None,
    loud_frames: int = 40,
) -> Path:
    """A DANCE_* folder: a made-up dance of ``frames`` frames starting at ``start`` in a
    noise song that is loud for ``loud_frames`` frames from the dance's start."""
    folder = root / name
    folder.mkdir(parents=True)
    t = np.arange(frames) / FPS
    aa = np.zeros((frames, 24, 3))
    aa[:, 0, 1] = 0.5 * t  # turning slowly
    for knee in ("left_knee", "right_knee"):
        aa[:, JOINT_INDEX[knee], 0] = 0.4 + 0.2 * np.sin(2 * np.pi * t)
    transl = np.stack([0.2 * t, np.zeros_like(t), np.zeros_like(t)], axis=-1)
    joints, center = smpl_to_dwm(rotations=axis_angle_to_matrix(aa), transl=transl)
    skeletons = {
        "length": frames,
        "center": center.tolist(),
        "skeletons": joints.tolist(),
    }
    (folder / SKELETONS_FILE).write_text(json.dumps(skeletons))
    config = {
        "start_position": start,
        "end_position": start + frames if end is None else end,
    }
    (folder / CONFIG_FILE).write_text(json.dumps(config))
    n_audio = (
        (start + frames + 2 * FPS if audio_frames is None else audio_frames) * SR // FPS
    )
    noise = np.random.default_rng(0).uniform(-1.0, 1.0, n_audio).astype(np.float32)
    gain = np.full(n_audio, QUIET, dtype=np.float32)
    gain[start * SR // FPS : (start + loud_frames) * SR // FPS] = LOUD
    sf.write(
        folder / AUDIO_FILE, noise * gain, SR, format="MP3", subtype="MPEG_LAYER_III"
    )
    return folder


def test_made_up_sequence_loads_aligned(tmp_path: Path) -> None:
    folder = write_sequence(tmp_path, start=20, frames=100, loud_frames=40)
    seq = load_dwm_sequence(folder)
    assert seq.name == "DANCE_W_1" and seq.genre == "waltz"
    assert seq.music.shape == (100, MUSIC_DIM) and seq.pose.shape == (100, POSE_DIM)
    assert seq.music.dtype == np.float32 and seq.pose.dtype == np.float32
    # The loud stretch starts exactly at the dance's start (frame 20 of the song) and lasts
    # 40 frames: music row i is dance frame i. Two frames of slack for the MP3 codec.
    energy = seq.music[:, MFCC.start]
    threshold = 0.5 * (np.median(energy[:40]) + np.median(energy[40:]))
    assert (energy[2:38] > threshold).all()
    assert (energy[42:] < threshold).all()
    # The pose is the made-up dance: pelvis height and walk speed (0.2 m/s) come back.
    pelvis = pose_to_joints(seq.pose)[:, 0]
    assert np.allclose(np.diff(pelvis[:, 0]) * FPS, 0.2, atol=0.02)


def test_music_shorter_by_a_frame_is_trimmed(tmp_path: Path) -> None:
    folder = write_sequence(tmp_path, start=10, frames=60, audio_frames=69)
    seq = load_dwm_sequence(folder)
    assert len(seq.music) == len(seq.pose) == 59


def test_audio_shorter_than_the_dance(tmp_path: Path) -> None:
    folder = write_sequence(tmp_path, start=10, frames=60, audio_frames=50)
    with pytest.raises(DataError, match=AUDIO_FILE) as info:
        load_dwm_sequence(folder)
    assert "shorter than the dance" in str(info.value)


@pytest.mark.parametrize("file_name", [CONFIG_FILE, SKELETONS_FILE])
def test_truncated_json(tmp_path: Path, file_name: str) -> None:
    folder = write_sequence(tmp_path)
    path = folder / file_name
    text = path.read_text()
    path.write_text(text[: len(text) // 2])
    with pytest.raises(DataError, match=file_name):
        load_dwm_sequence(folder)


def test_mismatched_lengths(tmp_path: Path) -> None:
    folder = write_sequence(tmp_path, start=20, frames=100, end=20 + 150)
    with pytest.raises(DataError, match=SKELETONS_FILE) as info:
        read_dwm_motion(folder)
    assert "do not belong together" in str(info.value)


def test_lengths_within_tolerance_are_accepted(tmp_path: Path) -> None:
    # The released data has up to 1.7 % fewer skeleton frames than its config says.
    folder = write_sequence(tmp_path, start=20, frames=100, end=20 + 102)
    assert read_dwm_motion(folder).n_frames == 100


@pytest.mark.parametrize("file_name", [CONFIG_FILE, SKELETONS_FILE, AUDIO_FILE])
def test_missing_file(tmp_path: Path, file_name: str) -> None:
    folder = write_sequence(tmp_path)
    (folder / file_name).unlink()
    with pytest.raises(DataError, match=file_name):
        load_dwm_sequence(folder)


def test_malformed_skeletons(tmp_path: Path) -> None:
    folder = write_sequence(tmp_path)
    path = folder / SKELETONS_FILE
    data = json.loads(path.read_text())
    data["skeletons"] = [frame[:22] for frame in data["skeletons"]]  # a joint missing
    path.write_text(json.dumps(data))
    with pytest.raises(DataError, match=SKELETONS_FILE):
        read_dwm_motion(folder)


def test_not_audio(tmp_path: Path) -> None:
    folder = write_sequence(tmp_path)
    (folder / AUDIO_FILE).write_bytes(b"not an mp3 at all" * 100)
    with pytest.raises(DataError, match=AUDIO_FILE):
        load_dwm_sequence(folder)


def test_names_and_listing(tmp_path: Path) -> None:
    assert parse_dwm_name("/x/DANCE_C_2") == ("cha-cha", 2)
    assert parse_dwm_name("DANCE_T_11") == ("tango", 11)
    with pytest.raises(DataError):
        parse_dwm_name("DANCE_X_1")
    with pytest.raises(DataError):
        parse_dwm_name("dance_w_1")
    for name in ("DANCE_W_10", "DANCE_W_3", "DANCE_C_2", "notes"):
        (tmp_path / name).mkdir()
    (tmp_path / "DANCE_R_1").write_text("a file, not a folder")
    assert [Path(p).name for p in list_dwm_sequences(tmp_path)] == [
        "DANCE_C_2",
        "DANCE_W_3",
        "DANCE_W_10",
    ]
    with pytest.raises(DataError):
        list_dwm_sequences(tmp_path / "notes")
    with pytest.raises(DataError):
        list_dwm_sequences(tmp_path / "absent")


# --- the real data --------------------------------------------------------------------


@pytest.mark.data
def test_real_sequences_read_and_cross_check(dwm_root: Path) -> None:
    folders = list_dwm_sequences(dwm_root)
    assert len(folders) == REAL_COUNT
    for folder in folders:
        motion = read_dwm_motion(folder)
        assert motion.joints.shape == (motion.n_frames, 23, 3)
        assert motion.center.shape == (motion.n_frames, 3)
        assert motion.genre in ("cha-cha", "rumba", "waltz")
        duration = check_dwm_audio(folder, motion)
        assert duration * FPS >= motion.start_position + motion.n_frames


@pytest.mark.data
def test_real_pair_loads(dwm_root: Path) -> None:
    # The full loader (mp3 decoding, features of the whole song, the fit) on the
    # shortest song; the report times it on all 24.
    folders = list_dwm_sequences(dwm_root)
    folder = min(folders, key=lambda f: sf.info(str(Path(f) / AUDIO_FILE)).duration)
    motion = read_dwm_motion(folder)
    seq = load_dwm_sequence(folder)
    assert seq.music.shape == (motion.n_frames, MUSIC_DIM)
    assert seq.pose.shape == (motion.n_frames, POSE_DIM)
    assert np.isfinite(seq.music).all() and np.isfinite(seq.pose).all()
    assert (
        0 < seq.music[:, -1].sum() < motion.n_frames
    )  # some frames, not all, are beats
    pelvis = pose_to_joints(seq.pose)[:, 0]
    assert 0.6 < np.median(pelvis[:, 1]) < 1.3  # metres above the floor
