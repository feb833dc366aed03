"""Motion files: BVH, npz and AIST++ pickle round trips, and malformed files."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest

from livedual.const import AIST_FPS, FPS, POSE_DIM
from livedual.data import bvh as bvh_module
from livedual.data.bvh import euler_to_matrix, matrix_to_euler_zxy, read_bvh, write_bvh
from livedual.data.formats import (
    read_aist_pickle,
    read_motion,
    read_npz,
    write_aist_pickle,
    write_motion,
    write_npz,
)
from livedual.data.safe_pickle import load_safe_pickle
from livedual.errors import DataError, ParameterError
from livedual.pose import axis_angle_to_matrix, pose_from_axis_angle, resampled_length
from livedual.skeleton import SMPL_SKELETON, pose_to_joints

MM = 1e-3  # metres


def random_pose(n_frames: int, *, seed: int = 0) -> np.ndarray:
    """Poses with large random joint rotations and a wandering root."""
    rng = np.random.default_rng(seed)
    axis_angle = rng.normal(scale=0.8, size=(n_frames, 24, 3))
    transl = np.cumsum(rng.normal(scale=0.05, size=(n_frames, 3)), axis=0) + [
        0.0,
        0.9,
        0.0,
    ]
    return pose_from_axis_angle(transl=transl, axis_angle=axis_angle).astype(np.float32)


def smooth_pose(n_frames: int, *, fps: float) -> np.ndarray:
    """A slow, smooth motion (sway and arm swing), sampled at ``fps``."""
    t = np.arange(n_frames) / fps
    axis_angle = np.zeros((n_frames, 24, 3))
    axis_angle[:, 0, 1] = 0.5 * np.sin(0.7 * t)  # turning
    axis_angle[:, 16, 2] = -1.0 + 0.4 * np.sin(2.0 * t)  # left shoulder
    axis_angle[:, 17, 2] = 1.0 - 0.4 * np.sin(2.0 * t)
    axis_angle[:, 4, 0] = 0.3 + 0.3 * np.sin(1.5 * t)  # left knee
    transl = np.stack(
        [0.3 * np.sin(0.5 * t), 0.9 + 0.02 * np.sin(3 * t), 0.1 * t], axis=1
    )
    return pose_from_axis_angle(transl=transl, axis_angle=axis_angle).astype(np.float32)


def joint_error(a: np.ndarray, b: np.ndarray) -> float:
    """Largest joint position difference between two pose sequences, metres."""
    return float(np.abs(pose_to_joints(a).astype(np.float64) - pose_to_joints(b)).max())


def aist_pose(path: Path) -> np.ndarray:
    """An AIST++ motion at 60 fps, read straight from the pickle (not through formats)."""
    data = load_safe_pickle(path)
    transl = data["smpl_trans"] / data["smpl_scaling"]
    axis_angle = data["smpl_poses"].reshape(-1, 24, 3)
    return pose_from_axis_angle(transl=transl, axis_angle=axis_angle).astype(np.float32)


# --- Euler angles ------------------------------------------------------------------------


def test_euler_zxy_round_trip_including_gimbal_lock() -> None:
    rng = np.random.default_rng(1)
    axis_angle = rng.normal(size=(500, 3))
    axis_angle[:2] = [[np.pi / 2, 0, 0], [-np.pi / 2, 0, 0]]  # x = +-90 degrees
    matrices = axis_angle_to_matrix(axis_angle)
    degrees = matrix_to_euler_zxy(matrices)
    np.testing.assert_allclose(
        euler_to_matrix(degrees, order="ZXY"), matrices, atol=1e-9
    )
    assert np.all(np.abs(degrees[:, 1]) <= 90.0 + 1e-9)


def test_euler_order_is_the_bvh_convention() -> None:
    """ZXY channels mean R = Rz @ Rx @ Ry: intrinsic rotations in channel order."""
    spatial = pytest.importorskip("scipy.spatial.transform")
    angles = np.array([[30.0, -50.0, 70.0], [-120.0, 10.0, 5.0]])
    expected = spatial.Rotation.from_euler("ZXY", angles, degrees=True).as_matrix()
    np.testing.assert_allclose(
        euler_to_matrix(angles, order="ZXY"), expected, atol=1e-12
    )


# --- BVH -----------------------------------------------------------------------------------


def test_bvh_round_trip_reproduces_joints(tmp_path: Path) -> None:
    pose = random_pose(40)
    path = write_bvh(tmp_path / "random.bvh", pose, fps=FPS)
    back, fps = read_bvh(path)
    assert back.shape == pose.shape and back.dtype == np.float32
    assert fps == pytest.approx(FPS)
    assert joint_error(back, pose) < 1 * MM


def test_bvh_round_trip_of_real_aist_motion(
    tmp_path: Path, aist_motions: list[Path]
) -> None:
    pose = aist_pose(aist_motions[0])
    path = write_bvh(tmp_path / "aist.bvh", pose, fps=AIST_FPS)
    back, fps = read_bvh(path)
    assert fps == pytest.approx(AIST_FPS)
    assert len(back) == len(pose)
    assert joint_error(back, pose) < 1 * MM


def test_bvh_text_follows_the_grammar(tmp_path: Path) -> None:
    path = write_bvh(tmp_path / "g.bvh", random_pose(3), fps=30)
    lines = path.read_text().splitlines()
    assert lines[0] == "HIERARCHY" and lines[1] == "ROOT pelvis"
    assert sum(line.strip().startswith("JOINT ") for line in lines) == 23
    leaves = [j for j in range(24) if j not in SMPL_SKELETON.parents]
    assert sum(line.strip() == "End Site" for line in lines) == len(leaves)
    assert lines[3].strip() == "OFFSET 0.000000 0.000000 0.000000"
    assert (
        lines[4].strip()
        == "CHANNELS 6 Xposition Yposition Zposition Zrotation Xrotation Yrotation"
    )
    motion = lines.index("MOTION")
    assert lines[motion + 1] == "Frames: 3"
    assert float(lines[motion + 2].split(":")[1]) == pytest.approx(1 / 30)
    assert all(len(row.split()) == 6 + 23 * 3 for row in lines[motion + 3 :])
    braces = sum(line.count("{") for line in lines[:motion]) - sum(
        line.count("}") for line in lines[:motion]
    )
    assert braces == 0
    assert all(
        line.startswith("\t") or not line.startswith(" ") for line in lines
    )  # tabs only


def test_bvh_offsets_are_centimetres(tmp_path: Path) -> None:
    text = write_bvh(tmp_path / "c.bvh", random_pose(2)).read_text().splitlines()
    knee = text.index("\t\tJOINT left_knee")
    offset = np.array(text[knee + 2].split()[1:], dtype=float)
    np.testing.assert_allclose(
        offset, SMPL_SKELETON.offsets[SMPL_SKELETON.index("left_knee")] * 100, atol=1e-5
    )


def test_bvh_in_metres_reads_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pose = random_pose(10, seed=3)
    monkeypatch.setattr(bvh_module, "BVH_UNITS_PER_METRE", 1.0)
    path = write_bvh(tmp_path / "m.bvh", pose)
    monkeypatch.undo()
    back, _ = read_bvh(path)
    assert joint_error(back, pose) < 1 * MM


def test_bvh_opens_in_an_independent_reader(tmp_path: Path) -> None:
    """The `bvh` package parses the file; FK from its numbers matches livedual's joints."""
    bvh = pytest.importorskip("bvh")
    spatial = pytest.importorskip("scipy.spatial.transform")
    pose = random_pose(5, seed=4)
    path = write_bvh(tmp_path / "x.bvh", pose, fps=FPS)
    mocap = bvh.Bvh(path.read_text())
    assert mocap.nframes == 5 and mocap.frame_time == pytest.approx(1 / FPS)
    assert sorted(mocap.get_joints_names()) == sorted(SMPL_SKELETON.names)
    expected = pose_to_joints(pose)
    for frame in range(5):
        world: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for name in mocap.get_joints_names():  # depth first: parents come first
            channels = mocap.joint_channels(name)
            rotation_names = [c for c in channels if c.endswith("rotation")]
            angles = mocap.frame_joint_channels(frame, name, rotation_names)
            order = "".join(c[0] for c in rotation_names)
            local = spatial.Rotation.from_euler(order, angles, degrees=True).as_matrix()
            if "Xposition" in channels:
                position = np.array(
                    mocap.frame_joint_channels(
                        frame, name, ["Xposition", "Yposition", "Zposition"]
                    )
                )
                world[name] = (local, position / 100)
            else:
                parent_rot, parent_pos = world[mocap.joint_parent(name).name]
                offset = np.array(mocap.joint_offset(name)) / 100
                world[name] = (parent_rot @ local, parent_pos + parent_rot @ offset)
        got = np.stack([world[name][1] for name in SMPL_SKELETON.names])
        assert np.abs(got - expected[frame]).max() < 1 * MM


@pytest.mark.parametrize(
    "mangle, fragment",
    [
        (lambda t: t.replace("MOTION", "MOTON"), "MOTION"),
        (lambda t: t[: len(t) - 200], "truncated"),
        (lambda t: t.replace("JOINT left_knee", "JOINT knee_l"), "missing"),
        (lambda t: t.replace("OFFSET", "OFSET", 1), "expected 'OFFSET'"),
        (
            lambda t: t.replace("Frame Time: 0.04000000", "Frame Time: abc"),
            "bad number",
        ),
        (lambda t: "garbage\n" + t, "expected 'HIERARCHY'"),
        (
            lambda t: t.replace("CHANNELS 3 Zrotation", "CHANNELS 3 Wrotation", 1),
            "unknown channels",
        ),
    ],
)
def test_malformed_bvh_raises_data_error(tmp_path: Path, mangle, fragment: str) -> None:
    good = write_bvh(tmp_path / "good.bvh", random_pose(4)).read_text()
    bad = tmp_path / "bad.bvh"
    bad.write_text(mangle(good))
    with pytest.raises(DataError, match=fragment) as info:
        read_bvh(bad)
    assert str(bad) in str(info.value)


def test_bvh_with_other_parents_is_refused(tmp_path: Path) -> None:
    good = write_bvh(tmp_path / "good.bvh", random_pose(2)).read_text()
    swapped = (
        good.replace("JOINT left_knee", "JOINT @")
        .replace("JOINT right_knee", "JOINT left_knee")
        .replace("JOINT @", "JOINT right_knee")
    )
    (tmp_path / "bad.bvh").write_text(swapped)
    with pytest.raises(DataError, match="hangs from 'right_hip'"):
        read_bvh(tmp_path / "bad.bvh")


def test_write_bvh_refuses_bad_pose(tmp_path: Path) -> None:
    with pytest.raises(ParameterError):
        write_bvh(tmp_path / "x.bvh", np.zeros((3, 146)))
    nan = random_pose(2)
    nan[0, 5] = np.nan
    with pytest.raises(ParameterError):
        write_bvh(tmp_path / "x.bvh", nan)
    assert not (tmp_path / "x.bvh").exists()


# --- npz -----------------------------------------------------------------------------------


def test_npz_round_trip_is_exact_and_stores_joints(tmp_path: Path) -> None:
    pose = random_pose(20, seed=5)
    path = write_npz(tmp_path / "m.npz", pose, fps=30.0)
    back, fps = read_npz(path)
    np.testing.assert_array_equal(back, pose)
    assert fps == 30.0
    with np.load(path) as data:
        np.testing.assert_allclose(data["joints"], pose_to_joints(pose), atol=1e-5)


@pytest.mark.parametrize(
    "arrays",
    [
        {"fps": np.float64(25)},
        {"pose": np.zeros((5, POSE_DIM), np.float32)},
        {"pose": np.zeros((5, 100), np.float32), "fps": np.float64(25)},
        {"pose": np.zeros((5, POSE_DIM), np.float32), "fps": np.float64(-1)},
        {"pose": np.full((5, POSE_DIM), np.nan, np.float32), "fps": np.float64(25)},
    ],
)
def test_malformed_npz_raises_data_error(tmp_path: Path, arrays: dict) -> None:
    path = tmp_path / "bad.npz"
    np.savez(path, **arrays)
    with pytest.raises(DataError, match="bad.npz"):
        read_npz(path)


def test_npz_that_is_not_a_zip_raises_data_error(tmp_path: Path) -> None:
    path = tmp_path / "junk.npz"
    path.write_bytes(b"not a zip file at all")
    with pytest.raises(DataError, match="junk.npz"):
        read_motion(path)


def test_npz_with_pickled_objects_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "obj.npz"
    np.savez(path, pose=np.array([{"a": 1}], dtype=object), fps=np.float64(25))
    with pytest.raises(DataError, match="obj.npz"):
        read_npz(path)


# --- AIST++ pickle --------------------------------------------------------------------------


def test_pickle_layout_is_aist_and_plain(tmp_path: Path) -> None:
    pose = random_pose(12, seed=6)
    path = write_aist_pickle(tmp_path / "m.pkl", pose, fps=AIST_FPS)
    data = load_safe_pickle(path)
    assert set(data) == {"smpl_poses", "smpl_trans", "smpl_scaling", "smpl_loss"}
    assert (
        data["smpl_poses"].shape == (12, 72) and data["smpl_poses"].dtype == np.float32
    )
    assert (
        data["smpl_trans"].shape == (12, 3) and data["smpl_trans"].dtype == np.float32
    )
    assert (
        data["smpl_scaling"].shape == (1,) and data["smpl_scaling"].dtype == np.float32
    )
    assert isinstance(data["smpl_loss"], float)


def test_pickle_round_trip_at_60_fps(tmp_path: Path) -> None:
    pose = random_pose(30, seed=7)
    back, fps = read_aist_pickle(
        write_aist_pickle(tmp_path / "m.pkl", pose, fps=AIST_FPS)
    )
    assert fps == AIST_FPS and back.shape == pose.shape
    assert joint_error(back, pose) < 1 * MM


def test_pickle_round_trip_from_25_fps_goes_through_60(tmp_path: Path) -> None:
    pose = smooth_pose(100, fps=FPS)
    path = write_motion(tmp_path / "m.pkl", pose, fps=FPS)
    assert len(load_safe_pickle(path)["smpl_poses"]) == resampled_length(
        100, src_fps=FPS, dst_fps=AIST_FPS
    )
    back, fps = read_motion(path)
    assert fps == FPS
    assert abs(len(back) - len(pose)) <= 1
    n = min(len(back), len(pose))
    assert joint_error(back[:n], pose[:n]) < 5 * MM


def test_real_aist_pickle_reads_at_25_fps(aist_motions: list[Path]) -> None:
    pose, fps = read_motion(aist_motions[0])
    reference = aist_pose(aist_motions[0])
    assert fps == FPS
    assert len(pose) == resampled_length(len(reference), src_fps=AIST_FPS, dst_fps=FPS)
    # Every 12th AIST++ frame (0.2 s) falls exactly on every 5th 25 fps frame.
    assert joint_error(pose[::5], reference[::12][: len(pose[::5])]) < 1 * MM
    native, native_fps = read_motion(aist_motions[0], fps=None)
    assert native_fps == AIST_FPS and len(native) == len(reference)


class _Exploit:
    def __reduce__(self):
        return (print, ("this must never run",))


@pytest.mark.parametrize(
    "payload",
    [
        b"not a pickle",
        pickle.dumps([1, 2, 3]),
        pickle.dumps({"smpl_poses": np.zeros((4, 72), np.float32)}),
        pickle.dumps(
            {
                "smpl_poses": np.zeros((4, 70)),
                "smpl_trans": np.zeros((4, 3)),
                "smpl_scaling": np.ones(1),
            }
        ),
        pickle.dumps(
            {
                "smpl_poses": np.zeros((4, 72)),
                "smpl_trans": np.zeros((4, 3)),
                "smpl_scaling": np.zeros(1),
            }
        ),
        pickle.dumps(
            {
                "smpl_poses": _Exploit(),
                "smpl_trans": np.zeros((1, 3)),
                "smpl_scaling": np.ones(1),
            }
        ),
    ],
)
def test_malformed_pickle_raises_data_error(tmp_path: Path, payload: bytes) -> None:
    path = tmp_path / "bad.pkl"
    path.write_bytes(payload)
    with pytest.raises(DataError, match="bad.pkl"):
        read_motion(path)


# --- dispatch -------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".bvh", ".npz", ".pkl"])
def test_write_then_read_motion_any_format(tmp_path: Path, suffix: str) -> None:
    pose = smooth_pose(50, fps=FPS)
    path = write_motion(tmp_path / f"m{suffix}", pose, fps=FPS)
    back, fps = read_motion(path)
    assert fps == FPS
    n = min(len(back), len(pose))
    assert abs(len(back) - len(pose)) <= 1 and joint_error(back[:n], pose[:n]) < 5 * MM


def test_read_motion_resamples_other_rates(tmp_path: Path) -> None:
    pose = smooth_pose(121, fps=60)
    write_motion(tmp_path / "m.bvh", pose, fps=60)
    back, fps = read_motion(tmp_path / "m.bvh")
    assert fps == FPS and len(back) == resampled_length(121, src_fps=60, dst_fps=FPS)
    assert joint_error(back[::5], pose[::12]) < 1 * MM


def test_unknown_extension_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ParameterError, match=".txt"):
        read_motion(tmp_path / "m.txt")
    with pytest.raises(ParameterError):
        write_motion(tmp_path / "m.fbx", random_pose(2), fps=FPS)
    with pytest.raises(DataError, match="not found"):
        read_motion(tmp_path / "absent.bvh")
