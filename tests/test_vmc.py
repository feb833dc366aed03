"""VMC protocol: bone mapping, SMPL -> Unity coordinate change, round trips."""

from __future__ import annotations

import numpy as np
import pytest

from livedual.io import vmc
from livedual.io.osc_decoders import VmcDecoder, decode_datagrams
from livedual.io.osc_formats import (
    VMC_BONE,
    VMC_OK,
    VMC_ROOT,
    VMC_TIME,
    encode_vmc,
    pack_bundles,
)
from livedual.pose import (
    axis_angle_to_matrix,
    matrix_to_quaternion,
    pack_pose,
    quaternion_to_matrix,
    unpack_pose,
)
from livedual.skeleton import SMPL_SKELETON, forward_kinematics

# Every HumanBodyBones name of Unity's humanoid body (fingers aside).
UNITY_BODY_BONES = {
    "Hips", "LeftUpperLeg", "RightUpperLeg", "LeftLowerLeg", "RightLowerLeg", "LeftFoot",
    "RightFoot", "Spine", "Chest", "UpperChest", "Neck", "Head", "LeftShoulder",
    "RightShoulder", "LeftUpperArm", "RightUpperArm", "LeftLowerArm", "RightLowerArm",
    "LeftHand", "RightHand", "LeftToes", "RightToes",
}  # fmt: skip


def random_pose(seed: int, scale: float = 0.7) -> np.ndarray:
    rng = np.random.default_rng(seed)
    rotations = axis_angle_to_matrix(rng.normal(size=(24, 3)) * scale)
    return pack_pose(transl=rng.normal(size=3) * 0.5 + [0, 1.2, 0], rotations=rotations)


def unity_fk(messages: list) -> dict[str, np.ndarray]:
    """World positions of the bones described by VMC messages, computed in Unity's frame."""
    bones = {
        args[0]: np.array(args[1:], dtype=np.float64)
        for addr, args in messages
        if addr == VMC_BONE
    }
    (root,) = [
        np.array(args[1:], dtype=np.float64)
        for addr, args in messages
        if addr == VMC_ROOT
    ]
    world_rot = {"root": quaternion_to_matrix(vmc.xyzw_to_wxyz(root[3:7]))}
    world_pos = {"root": root[:3]}
    for joint, name in enumerate(vmc.SMPL_TO_HUMANOID):
        parent_index = SMPL_SKELETON.parents[joint]
        parent = "root" if parent_index < 0 else vmc.SMPL_TO_HUMANOID[parent_index]
        local_rot = quaternion_to_matrix(vmc.xyzw_to_wxyz(bones[name][3:7]))
        world_pos[name] = world_pos[parent] + world_rot[parent] @ bones[name][:3]
        world_rot[name] = world_rot[parent] @ local_rot
    return world_pos


def test_every_smpl_joint_has_its_own_humanoid_bone():
    assert len(vmc.SMPL_TO_HUMANOID) == 24 == len(set(vmc.SMPL_TO_HUMANOID))
    body = set(vmc.SMPL_TO_HUMANOID) - {"LeftMiddleProximal", "RightMiddleProximal"}
    assert body == UNITY_BODY_BONES
    for smpl_name, bone in zip(SMPL_SKELETON.names, vmc.SMPL_TO_HUMANOID):
        if smpl_name.startswith("left_"):
            assert bone.startswith("Left"), (smpl_name, bone)
        if smpl_name.startswith("right_"):
            assert bone.startswith("Right"), (smpl_name, bone)
    assert not set(vmc.SMPL_TO_HUMANOID) & vmc.OTHER_HUMANOID_BONES


def test_mirror_is_its_own_inverse_and_matches_the_matrix_form():
    rng = np.random.default_rng(1)
    q = matrix_to_quaternion(axis_angle_to_matrix(rng.normal(size=(50, 3))))
    np.testing.assert_allclose(vmc.mirror_quaternions(vmc.mirror_quaternions(q)), q)
    mirror = np.diag([-1.0, 1.0, 1.0])
    expected = mirror @ quaternion_to_matrix(q) @ mirror
    np.testing.assert_allclose(
        quaternion_to_matrix(vmc.mirror_quaternions(q)), expected, atol=1e-12
    )
    # A mirror keeps rotations proper (det +1): S R S is a rotation of Unity's frame.
    np.testing.assert_allclose(np.linalg.det(expected), 1.0, atol=1e-12)


def test_rest_positions_are_the_mirrored_offsets_not_zeros():
    rest = vmc.rest_local_positions()
    assert np.all(np.linalg.norm(rest[1:], axis=1) > 0.01)
    np.testing.assert_allclose(rest[0], SMPL_SKELETON.root_rest * [-1, 1, 1])
    np.testing.assert_allclose(
        rest[1:], np.asarray(SMPL_SKELETON.offsets)[1:] * [-1, 1, 1]
    )
    # In Unity a humanoid faces +z with its left side at -x.
    for bone in ("UpperLeg", "Shoulder", "UpperArm", "LowerArm"):
        assert (
            rest[vmc.HUMANOID_TO_SMPL[f"Left{bone}"]][0]
            < 0
            < rest[vmc.HUMANOID_TO_SMPL[f"Right{bone}"]][0]
        )


def test_vmc_messages_describe_the_same_body_mirrored_into_unity():
    pose = random_pose(2)
    messages = encode_vmc(frame_index=0, time_s=0.0, pose=pose)
    positions = unity_fk(messages)
    transl, rotations = unpack_pose(pose)
    smpl_joints = forward_kinematics(rotations=rotations, transl=transl)
    unity_joints = np.array([positions[name] for name in vmc.SMPL_TO_HUMANOID])
    np.testing.assert_allclose(unity_joints, smpl_joints * [-1, 1, 1], atol=1e-5)


def test_message_layout_follows_the_vmc_specification():
    messages = encode_vmc(frame_index=7, time_s=1.5, pose=random_pose(3))
    addresses = [a for a, _ in messages]
    assert addresses[0] == VMC_ROOT and addresses[-2:] == [VMC_TIME, VMC_OK]
    root_args = messages[0][1]
    assert root_args[0] == "root" and len(root_args) == 8
    assert root_args[4:] == (0.0, 0.0, 0.0, 1.0)  # x, y, z, w: identity
    for address, args in messages[1:-2]:
        assert address == VMC_BONE and isinstance(args[0], str) and len(args) == 8
        assert all(isinstance(v, float) for v in args[1:])
        assert abs(np.linalg.norm(args[4:]) - 1.0) < 1e-9
    assert messages[-2][1] == (1.5,) and messages[-1][1] == (1,)


@pytest.mark.parametrize("seed", [4, 5, 6])
def test_vmc_round_trip_gives_back_rotations_to_1e_4(seed):
    pose = random_pose(seed, scale=1.5)
    datagrams = pack_bundles(
        encode_vmc(frame_index=0, time_s=0.25, pose=pose), timetag=None
    )
    (frame,) = decode_datagrams(datagrams, format="vmc")
    transl, rotations = unpack_pose(pose)
    got_transl, got_rotations = unpack_pose(frame.pose)
    assert np.abs(got_rotations - rotations).max() < 1e-4
    assert np.abs(got_transl - transl).max() < 1e-4
    assert frame.time_s == pytest.approx(0.25)


def test_a_foreign_root_transform_is_folded_into_the_pelvis():
    """A performer whose root object is turned and whose hips sit at avatar height."""
    decoder = VmcDecoder()
    # (x, y, z, w): 90 degrees about y
    turn = np.array([0.0, np.sin(np.pi / 4), 0.0, np.cos(np.pi / 4)])
    root_pos = np.array([1.0, 0.0, 2.0])
    hips_pos = np.array([0.0, 0.95, 0.1])
    assert decoder.feed(VMC_ROOT, ["root", *root_pos, *turn]) is None
    assert decoder.feed(VMC_BONE, ["Hips", *hips_pos, 0.0, 0.0, 0.0, 1.0]) is None
    frame = decoder.feed(VMC_OK, [1])
    assert frame is not None
    transl, rotations = unpack_pose(frame.pose)
    turn_matrix = quaternion_to_matrix(vmc.xyzw_to_wxyz(turn))
    pelvis_unity = root_pos + turn_matrix @ hips_pos
    np.testing.assert_allclose(
        transl + SMPL_SKELETON.root_rest, pelvis_unity * [-1, 1, 1], atol=1e-6
    )
    mirror = np.diag([-1.0, 1.0, 1.0])
    np.testing.assert_allclose(rotations[0], mirror @ turn_matrix @ mirror, atol=1e-6)
    # Finger, eye and blend-shape messages of real performers are ignored, not errors.
    assert (
        decoder.feed(VMC_BONE, ["LeftIndexProximal", 0, 0, 0, 0.0, 0.0, 0.0, 1.0])
        is None
    )
    assert decoder.feed("/VMC/Ext/Blend/Val", ["A", 0.5]) is None
    assert decoder.feed(VMC_TIME, [3.0]) is None  # nothing new since the last frame
