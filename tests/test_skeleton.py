"""The SMPL skeleton and forward kinematics, on made-up poses and real AIST++ data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from livedual.const import N_JOINTS, POSE_DIM
from livedual.data.aistpp import read_aist_motion
from livedual.errors import DataError, ParameterError
from livedual.pose import axis_angle_to_matrix, pose_from_axis_angle, unpack_pose
from livedual.skeleton import (
    ANKLE_JOINTS,
    FOOT_JOINTS,
    HEAD,
    JOINT_INDEX,
    MIRROR_JOINTS,
    NECK,
    PELVIS,
    SMPL_SKELETON,
    Skeleton,
    forward_kinematics,
    global_rotations,
    load_skeleton,
    pose_to_joints,
)

LEGS = (
    (JOINT_INDEX["left_hip"], JOINT_INDEX["left_knee"], JOINT_INDEX["left_ankle"]),
    (JOINT_INDEX["right_hip"], JOINT_INDEX["right_knee"], JOINT_INDEX["right_ankle"]),
)
FORWARD = np.array([0.0, 0.0, 1.0])  # SMPL's rest pose faces +z (toes point +z)
UP = np.array([0.0, 1.0, 0.0])


def homogeneous_fk(rotations: np.ndarray, transl: np.ndarray) -> np.ndarray:
    """Reference FK of one frame: 4x4 transforms chained joint by joint (as SMPL)."""
    rest = np.zeros((N_JOINTS, 3))
    rest[0] = SMPL_SKELETON.root_rest
    for j, p in enumerate(SMPL_SKELETON.parents[1:], 1):
        rest[j] = rest[p] + SMPL_SKELETON.offsets[j]
    chain = []
    for j, p in enumerate(SMPL_SKELETON.parents):
        local = np.eye(4)
        local[:3, :3] = rotations[j]
        local[:3, 3] = rest[j] - (rest[p] if p >= 0 else 0.0)
        chain.append(local if p < 0 else chain[p] @ local)
    return np.array([g[:3, 3] for g in chain]) + transl


def test_skeleton_asset() -> None:
    sk = SMPL_SKELETON
    assert (
        sk.n_joints == N_JOINTS
        and sk.names[HEAD] == "head"
        and sk.names[PELVIS] == "pelvis"
    )
    assert [sk.names[i] for i in FOOT_JOINTS] == [
        "left_ankle",
        "right_ankle",
        "left_foot",
        "right_foot",
    ]
    assert all(
        sk.names[m].replace("right", "left") == n.replace("right", "left")
        for n, m in zip(sk.names, MIRROR_JOINTS, strict=True)
    )
    with pytest.raises(ValueError):
        sk.offsets[0, 0] = 1.0  # read-only


def test_rest_pose_is_an_upright_person() -> None:
    joints = SMPL_SKELETON.rest_joints()
    np.testing.assert_allclose(joints[PELVIS], SMPL_SKELETON.root_rest)
    height = joints[HEAD, 1] - joints[list(ANKLE_JOINTS), 1].min()
    assert 1.4 < height < 1.7
    # Left joints on +x, toes forward of ankles.
    assert (
        joints[JOINT_INDEX["left_wrist"], 0]
        > 0.5
        > -0.5
        > joints[JOINT_INDEX["right_wrist"], 0]
    )
    assert joints[JOINT_INDEX["left_foot"], 2] > joints[JOINT_INDEX["left_ankle"], 2]


def test_fk_matches_homogeneous_transforms() -> None:
    rng = np.random.default_rng(0)
    aa = rng.normal(scale=0.8, size=(5, N_JOINTS, 3))
    transl = rng.normal(size=(5, 3))
    rotations = axis_angle_to_matrix(aa)
    joints = forward_kinematics(rotations=rotations, transl=transl)
    for frame in range(5):
        np.testing.assert_allclose(
            joints[frame], homogeneous_fk(rotations[frame], transl[frame]), atol=1e-12
        )
    # Bone lengths never change.
    rest = SMPL_SKELETON.rest_joints()
    parents = np.array(SMPL_SKELETON.parents[1:])
    bones = np.linalg.norm(joints[:, 1:] - joints[:, parents], axis=-1)
    np.testing.assert_allclose(
        bones,
        np.broadcast_to(np.linalg.norm(rest[1:] - rest[parents], axis=-1), bones.shape),
        atol=1e-12,
    )


def test_root_rotation_turns_the_whole_body_about_the_pelvis() -> None:
    rotations = np.broadcast_to(np.eye(3), (N_JOINTS, 3, 3)).copy()
    rotations[0] = axis_angle_to_matrix(np.array([0.0, np.pi / 2, 0.0]))
    joints = forward_kinematics(rotations=rotations, transl=np.zeros(3))
    rest = SMPL_SKELETON.rest_joints()
    pelvis = rest[PELVIS]
    np.testing.assert_allclose(
        joints - pelvis, (rest - pelvis) @ rotations[0].T, atol=1e-12
    )
    np.testing.assert_allclose(
        global_rotations(rotations),
        np.broadcast_to(rotations[0], (N_JOINTS, 3, 3)),
        atol=1e-12,
    )


def test_positive_knee_flexion_moves_the_ankle_back() -> None:
    aa = np.zeros((N_JOINTS, 3))
    aa[JOINT_INDEX["left_knee"]] = [np.pi / 2, 0.0, 0.0]
    pose = pose_from_axis_angle(transl=np.zeros(3), axis_angle=aa)
    joints = pose_to_joints(pose)
    knee, ankle = joints[JOINT_INDEX["left_knee"]], joints[JOINT_INDEX["left_ankle"]]
    assert ankle[2] - knee[2] < -0.4  # the shank points backwards
    assert abs(ankle[1] - knee[1]) < 0.05


def test_batch_shapes_and_dtype() -> None:
    pose = np.zeros((2, 3, POSE_DIM), dtype=np.float32)
    pose[..., 3:] = np.tile([1, 0, 0, 0, 1, 0], N_JOINTS)  # identity rotations
    joints = pose_to_joints(pose)
    assert joints.shape == (2, 3, N_JOINTS, 3) and joints.dtype == np.float32
    np.testing.assert_allclose(joints[1, 2], SMPL_SKELETON.rest_joints(), atol=1e-6)


@pytest.mark.parametrize(
    "call",
    [
        lambda: forward_kinematics(
            rotations=np.zeros((4, 23, 3, 3)), transl=np.zeros((4, 3))
        ),
        lambda: forward_kinematics(
            rotations=np.zeros((4, N_JOINTS, 3, 3)), transl=np.zeros((5, 3))
        ),
        lambda: pose_to_joints(np.zeros((4, 72))),
        lambda: SMPL_SKELETON.index("tail"),
    ],
)
def test_bad_inputs_raise(call) -> None:
    with pytest.raises(ParameterError):
        call()


def test_invalid_skeletons_are_refused(tmp_path: Path) -> None:
    with pytest.raises(DataError):
        Skeleton(
            names=("a", "b"),
            parents=(-1, 1),
            offsets=np.zeros((2, 3)),
            root_rest=np.zeros(3),
        )
    bad = tmp_path / "sk.json"
    bad.write_text('{"joint_names": ["a"], "parents": [-1]}')
    with pytest.raises(DataError, match="offsets"):
        load_skeleton(bad)


# --- real AIST++ motions --------------------------------------------------------------
# Measured on the four shared motions at 25 fps: per-frame lowest foot-joint height,
# interquartile range 3.5-6.4 cm and 5th-95th percentile spread 11.5-16.0 cm (the fits
# bob and the feet rarely rest; with transposed joint rotations the break motion spreads
# over 50 cm); head-to-ankle height in upright frames 1.45-1.53 m; bent knees point
# forward in 90-100 % of frames (0-18 % with transposed joint rotations).

FLOOR_IQR_MAX = 0.08  # metres
FLOOR_SPREAD_MAX = 0.20  # metres, 5th to 95th percentile
UPRIGHT_TILT_DEG = 15.0  # trunk and legs this close to vertical
STRAIGHT_LEG = 0.97  # hip-to-ankle distance over its rest length
MIN_UPRIGHT_FRAMES = 10
BENT_KNEE_DEG = 30.0
MIN_BENT_FRAMES = 50


@pytest.fixture(scope="module")
def aist_joints(aist_motions: list[Path]) -> dict[str, np.ndarray]:
    return {
        p.stem: pose_to_joints(read_aist_motion(p).pose).astype(np.float64)
        for p in aist_motions
    }


def _angle_to(v: np.ndarray, direction: np.ndarray) -> np.ndarray:
    cos = v @ direction / np.linalg.norm(v, axis=-1)
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def test_lowest_foot_stays_near_one_floor(aist_joints: dict[str, np.ndarray]) -> None:
    for name, joints in aist_joints.items():
        lowest = joints[:, FOOT_JOINTS, 1].min(axis=1)
        p5, p25, p75, p95 = np.percentile(lowest, [5, 25, 75, 95])
        assert p75 - p25 < FLOOR_IQR_MAX, f"{name}: lowest-foot IQR {p75 - p25:.3f} m"
        assert p95 - p5 < FLOOR_SPREAD_MAX, (
            f"{name}: lowest-foot 5-95 % spread {p95 - p5:.3f} m"
        )


def _upright(joints: np.ndarray) -> np.ndarray:
    rest = SMPL_SKELETON.rest_joints()
    ok = _angle_to(joints[:, NECK] - joints[:, PELVIS], UP) < UPRIGHT_TILT_DEG
    for hip, _, ankle in LEGS:
        leg = joints[:, ankle] - joints[:, hip]
        ok &= _angle_to(leg, -UP) < UPRIGHT_TILT_DEG
        ok &= np.linalg.norm(leg, axis=-1) > STRAIGHT_LEG * np.linalg.norm(
            rest[ankle] - rest[hip]
        )
    return ok


def test_head_to_ankle_height_when_upright(aist_joints: dict[str, np.ndarray]) -> None:
    checked = 0
    for name, joints in aist_joints.items():
        upright = _upright(joints)
        if upright.sum() < MIN_UPRIGHT_FRAMES:
            continue  # e.g. floor work in break dance
        height = joints[upright, HEAD, 1] - joints[upright][:, ANKLE_JOINTS, 1].min(
            axis=1
        )
        assert 1.4 <= height.min() and height.max() <= 1.7, (
            f"{name}: {height.min():.3f}-{height.max():.3f} m"
        )
        checked += 1
    assert checked >= min(2, len(aist_joints)), "too few motions with upright frames"


def test_bent_knees_point_forward(
    aist_joints: dict[str, np.ndarray], aist_motions: list[Path]
) -> None:
    for path in aist_motions:
        joints = aist_joints[path.stem]
        world = global_rotations(unpack_pose(read_aist_motion(path).pose)[1])
        for hip, knee, ankle in LEGS:
            thigh, shank = (
                joints[:, knee] - joints[:, hip],
                joints[:, ankle] - joints[:, knee],
            )
            cos = (
                np.sum(thigh * shank, -1)
                / np.linalg.norm(thigh, axis=-1)
                / np.linalg.norm(shank, axis=-1)
            )
            bent = np.degrees(np.arccos(np.clip(cos, -1, 1))) > BENT_KNEE_DEG
            if bent.sum() < MIN_BENT_FRAMES:
                continue
            line = joints[:, ankle] - joints[:, hip]
            line /= np.linalg.norm(line, axis=-1, keepdims=True)
            off_line = thigh - np.sum(thigh * line, -1, keepdims=True) * line
            forward = world[:, hip] @ FORWARD
            share = np.mean(np.sum(off_line * forward, -1)[bent] > 0)
            assert share > 0.85, (
                f"{path.stem}: only {share:.0%} of bent-knee frames point forward"
            )
