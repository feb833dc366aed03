"""AIST++ loading: the restricted unpickler, motion files, splits and music pairing."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import numpy as np
import pytest

from livedual.const import AIST_FPS, FPS, MUSIC_DIM, N_JOINTS, POSE_DIM
from livedual.data import aistpp
from livedual.data.aistpp import (
    genre_from_motion,
    list_aist_motions,
    load_aist_pair,
    music_name_from_motion,
    music_tempo_bpm,
    parse_motion_name,
    read_aist_motion,
)
from livedual.data.safe_pickle import load_safe_pickle
from livedual.errors import DataError, ParameterError
from livedual.pose import axis_angle_to_matrix, geodesic_distance, unpack_pose

NAME = "gBR_sBM_cAll_d04_mBR2_ch08"


# --- restricted unpickler -------------------------------------------------------------


class _RunsCommand:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_malicious_pickle_is_refused(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    bad = tmp_path / "bad.pkl"
    bad.write_bytes(pickle.dumps({"smpl_poses": _RunsCommand(marker)}))
    with pytest.raises(DataError) as info:
        load_safe_pickle(bad)
    assert str(bad) in str(info.value) and "system" in str(info.value)
    assert not marker.exists()
    # Sanity: plain pickle would have run it.
    pickle.loads(bad.read_bytes())
    assert marker.exists()


@pytest.mark.parametrize("payload", [eval, getattr, np.load, Path])
def test_other_globals_are_refused(tmp_path: Path, payload) -> None:
    bad = tmp_path / "bad.pkl"
    bad.write_bytes(pickle.dumps([payload]))
    with pytest.raises(DataError, match="not allowed"):
        load_safe_pickle(bad)


@pytest.mark.parametrize("protocol", [2, 4, 5])
def test_arrays_and_containers_load(tmp_path: Path, protocol: int) -> None:
    data = {
        "a": np.arange(12, dtype=np.float32).reshape(3, 4),
        "b": [np.float64(2.5), np.int64(3), (1, "x", None)],
        "c": {"nested": np.zeros(2, dtype=bool)},
        "loss": 1.5,
    }
    path = tmp_path / "ok.pkl"
    path.write_bytes(pickle.dumps(data, protocol=protocol))
    back = load_safe_pickle(path)
    np.testing.assert_array_equal(back["a"], data["a"])
    assert (
        back["a"].dtype == np.float32
        and back["b"][0] == 2.5
        and back["b"][2] == (1, "x", None)
    )
    np.testing.assert_array_equal(back["c"]["nested"], data["c"]["nested"])


def test_unreadable_pickles(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="does not exist"):
        load_safe_pickle(tmp_path / "missing.pkl")
    junk = tmp_path / "junk.pkl"
    junk.write_bytes(b"not a pickle at all")
    with pytest.raises(DataError, match="junk.pkl"):
        load_safe_pickle(junk)


def test_real_motion_pickles_load(aist_motions: list[Path]) -> None:
    for path in aist_motions:
        data = load_safe_pickle(path)
        assert data["smpl_poses"].shape[1] == N_JOINTS * 3
        assert data["smpl_trans"].shape == (len(data["smpl_poses"]), 3)


# --- names ----------------------------------------------------------------------------


def test_motion_names() -> None:
    assert music_name_from_motion(NAME) == "mBR2"
    assert music_name_from_motion(f"/some/dir/{NAME}.pkl") == "mBR2"
    assert genre_from_motion("gJS_sFM_cAll_d02_mJS4_ch09") == "gJS"
    assert parse_motion_name("gHO_sBM_c01_d19_mHO5_ch02")["camera"] == "c01"
    assert music_tempo_bpm("mBR2") == 100.0 and music_tempo_bpm("mJS4") == 120.0
    assert music_tempo_bpm("mHO5") == 135.0
    for bad in ("gBR_sBM_cAll_d04_mBR2", "motion", "gBR_sBM_cAll_d04_BR2_ch08"):
        with pytest.raises(ParameterError):
            music_name_from_motion(bad)


# --- motions --------------------------------------------------------------------------


def write_motion(path: Path, n: int, *, seed: int = 0, scaling: float = 90.0) -> dict:
    rng = np.random.default_rng(seed)
    data = {
        "smpl_poses": rng.normal(scale=0.3, size=(n, N_JOINTS * 3)).astype(np.float32),
        "smpl_trans": (rng.normal(size=(n, 3)) * scaling).astype(np.float32),
        "smpl_scaling": np.array([scaling], dtype=np.float32),
        "smpl_loss": 1.0,
    }
    path.write_bytes(pickle.dumps(data))
    return data


def test_read_motion_converts_and_resamples(tmp_path: Path) -> None:
    path = tmp_path / f"{NAME}.pkl"
    data = write_motion(path, 121)
    raw = read_aist_motion(path, fps=AIST_FPS)
    assert raw.pose.shape == (121, POSE_DIM) and raw.pose.dtype == np.float32
    transl, rotations = unpack_pose(raw.pose)
    np.testing.assert_allclose(
        transl, data["smpl_trans"] / data["smpl_scaling"], rtol=1e-5, atol=1e-6
    )
    expected = axis_angle_to_matrix(
        data["smpl_poses"].reshape(-1, N_JOINTS, 3).astype(np.float64)
    )
    assert geodesic_distance(rotations, expected).max() < 1e-5

    motion = read_aist_motion(path)
    assert (
        motion.fps == FPS
        and motion.source_frames == 121
        and motion.music == "mBR2"
        and motion.genre == "gBR"
    )
    assert len(motion.pose) == 51  # 2 s at 60 fps -> 2 s at 25 fps
    # Every fifth 25 fps frame falls exactly on a 60 fps frame (k / 25 s = 12 k / 60 s).
    np.testing.assert_allclose(motion.pose[::5], raw.pose[::12], atol=1e-5)


@pytest.mark.parametrize(
    "data, match",
    [
        ({"smpl_poses": np.zeros((4, 72))}, "expected keys"),
        (
            {
                "smpl_poses": np.zeros((4, 69)),
                "smpl_trans": np.zeros((4, 3)),
                "smpl_scaling": np.ones(1),
            },
            "smpl_poses",
        ),
        (
            {
                "smpl_poses": np.zeros((4, 72)),
                "smpl_trans": np.zeros((4, 3)),
                "smpl_scaling": np.zeros(1),
            },
            "smpl_scaling",
        ),
        (
            {
                "smpl_poses": np.full((4, 72), np.nan),
                "smpl_trans": np.zeros((4, 3)),
                "smpl_scaling": np.ones(1),
            },
            "NaN",
        ),
        ([1, 2, 3], "expected keys"),
    ],
)
def test_malformed_motions(tmp_path: Path, data, match: str) -> None:
    path = tmp_path / f"{NAME}.pkl"
    path.write_bytes(pickle.dumps(data))
    with pytest.raises(DataError, match=match):
        read_aist_motion(path)


def test_real_motions_resample_60_to_25(aist_motions: list[Path]) -> None:
    for path in aist_motions:
        raw = read_aist_motion(path, fps=AIST_FPS)
        motion = read_aist_motion(path)
        n_src = len(raw.pose)
        assert 0 <= (n_src - 1) / AIST_FPS - (len(motion.pose) - 1) / FPS < 1 / FPS
        np.testing.assert_allclose(
            motion.pose[::5], raw.pose[::12][: len(motion.pose[::5])], atol=1e-5
        )
        # Frame 5k+1 lies at 60 fps frame 12k + 2.4: 40 % of the way along the arc.
        _, r25 = unpack_pose(motion.pose[1 : len(motion.pose) - 1 : 5])
        _, r60 = unpack_pose(raw.pose)
        idx = np.arange(len(r25)) * 12 + 2
        step = geodesic_distance(r60[idx], r60[idx + 1])
        np.testing.assert_allclose(
            geodesic_distance(r60[idx], r25), 0.4 * step, atol=2e-4
        )
        np.testing.assert_allclose(
            geodesic_distance(r25, r60[idx + 1]), 0.6 * step, atol=2e-4
        )


# --- listing and splits ---------------------------------------------------------------


def make_tree(tmp_path: Path, names: list[str]) -> Path:
    root = tmp_path / "aist_plusplus_final"
    (root / "motions").mkdir(parents=True)
    (root / "splits").mkdir()
    for i, name in enumerate(names):
        write_motion(root / "motions" / f"{name}.pkl", 30, seed=i)
    return root


NAMES = [
    "gBR_sBM_cAll_d04_mBR0_ch01",
    "gBR_sBM_cAll_d04_mBR1_ch02",
    "gJS_sFM_cAll_d02_mJS4_ch09",
    "gHO_sBM_cAll_d19_mHO5_ch02",
]


def test_list_with_splits_and_ignore_list(tmp_path: Path, caplog) -> None:
    root = make_tree(tmp_path, NAMES)
    assert [p.stem for p in list_aist_motions(root)] == sorted(NAMES)
    assert [p.stem for p in list_aist_motions(root / "motions")] == sorted(NAMES)
    (root / "splits" / "crossmodal_train.txt").write_text(
        "\n".join(NAMES[:3] + ["gPO_sBM_cAll_d10_mPO1_ch01", ""]) + "\n"
    )
    (root / "splits" / "crossmodal_test.txt").write_text(NAMES[3] + "\n")
    # Ignore lists name videos of single cameras; they apply to the cAll motion.
    (root / "ignore_list.txt").write_text("gBR_sBM_c06_d04_mBR1_ch02\n")
    train = list_aist_motions(root, split="train")
    assert [p.stem for p in train] == sorted([NAMES[0], NAMES[2]])
    assert "no pickle" in caplog.text  # the gPO name of the list is absent
    assert [p.stem for p in list_aist_motions(root, split="test")] == [NAMES[3]]
    assert NAMES[1] not in [p.stem for p in list_aist_motions(root)]
    with pytest.raises(DataError, match="crossmodal_val.txt"):
        list_aist_motions(root, split="val")
    with pytest.raises(ParameterError):
        list_aist_motions(root, split="training")


def test_list_real_folder(data_dir: Path, aist_motions: list[Path]) -> None:
    assert list_aist_motions(data_dir / "aistpp") == aist_motions


# --- music pairing --------------------------------------------------------------------


def test_missing_music_names_the_expected_file(tmp_path: Path) -> None:
    root = make_tree(tmp_path, NAMES[:1])
    with pytest.raises(DataError, match="mBR0.wav"):
        load_aist_pair(
            root / "motions" / f"{NAMES[0]}.pkl", music_dir=tmp_path / "music"
        )


def test_pair_is_trimmed_to_the_shorter(tmp_path: Path, monkeypatch) -> None:
    root = make_tree(tmp_path, NAMES[:2])  # 30 frames at 60 fps -> 13 at 25 fps
    music_dir = tmp_path / "music"
    music_dir.mkdir()
    for m in ("mBR0", "mBR1"):
        (music_dir / f"{m}.wav").write_bytes(b"")
    lengths = {"mBR0": 400, "mBR1": 7}
    calls: list[str] = []

    def fake_features(path: Path) -> np.ndarray:
        calls.append(path.stem)
        return np.full((lengths[path.stem], MUSIC_DIM), 0.5)

    monkeypatch.setattr(aistpp, "_music_features", fake_features)
    cache: dict[str, np.ndarray] = {}
    music, pose = load_aist_pair(
        root / "motions" / f"{NAMES[0]}.pkl", music_dir=music_dir, feature_cache=cache
    )
    assert music.shape == (13, MUSIC_DIM) and pose.shape == (13, POSE_DIM)
    assert music.dtype == np.float32 and pose.dtype == np.float32
    music, pose = load_aist_pair(
        root / "motions" / f"{NAMES[1]}.pkl", music_dir=music_dir, feature_cache=cache
    )
    assert music.shape == (7, MUSIC_DIM) and pose.shape == (7, POSE_DIM)
    load_aist_pair(
        root / "motions" / f"{NAMES[0]}.pkl", music_dir=music_dir, feature_cache=cache
    )
    assert calls == ["mBR0", "mBR1"]  # the cache served the third call


def test_pair_with_real_features(tmp_path: Path, aist_motions: list[Path]) -> None:
    sf = pytest.importorskip("soundfile")
    from livedual.const import SAMPLE_RATE

    motion = aist_motions[0]
    # A 4 s click track stands in for the AIST music: shorter than the dance.
    seconds = 4
    y = np.zeros(seconds * SAMPLE_RATE, dtype=np.float32)
    y[:: SAMPLE_RATE // 2] = 0.8
    sf.write(tmp_path / f"{music_name_from_motion(motion.name)}.wav", y, SAMPLE_RATE)
    music, pose = load_aist_pair(motion, music_dir=tmp_path)
    assert music.shape[1] == MUSIC_DIM and pose.shape[1] == POSE_DIM
    assert len(music) == len(pose)
    assert abs(len(music) - seconds * FPS) <= 1
    np.testing.assert_allclose(pose, read_aist_motion(motion).pose[: len(pose)])
