"""The VMC protocol's view of an SMPL pose: Unity bone names and Unity's coordinate frame.

VMC receivers (EVMC4U, VSeeFace, Warudo, VMC4UE, VMC4B) drive a humanoid avatar from
``/VMC/Ext/Bone/Pos`` messages that carry each bone's LOCAL position and rotation, named
after Unity's ``HumanBodyBones`` enum, in Unity's left-handed, Y-up frame.

Coordinate change. SMPL is right-handed with y up and the character facing +z, so its
left side is +x. Unity is left-handed with y up, and a humanoid faces +z with its left
side at -x. The mirror ``x -> -x`` (matrix ``S = diag(-1, 1, 1)``) maps one frame onto the
other, keeping up, forward and the body's left side:

- positions: ``p_unity = S @ p_smpl`` (negate x);
- rotations: ``R_unity = S @ R_smpl @ S``, which for a quaternion ``(w, x, y, z)``
  negates ``y`` and ``z``.

Both maps are their own inverse. Local rotations stay local: both skeletons are at rest
with every joint frame aligned to the world axes (SMPL's zero pose and a normalised VRM
T-pose), so a local rotation relative to the rest pose means the same in both.
"""

from __future__ import annotations

import numpy as np

from ..skeleton import SMPL_SKELETON

# Unity HumanBodyBones names of the SMPL joints, in SMPL joint order. SMPL's "hand" joints
# sit at the knuckles and bend all four fingers; the middle finger's proximal bone is the
# closest single humanoid bone.
SMPL_TO_HUMANOID: tuple[str, ...] = (
    "Hips",  # pelvis
    "LeftUpperLeg",  # left_hip
    "RightUpperLeg",  # right_hip
    "Spine",  # spine1
    "LeftLowerLeg",  # left_knee
    "RightLowerLeg",  # right_knee
    "Chest",  # spine2
    "LeftFoot",  # left_ankle
    "RightFoot",  # right_ankle
    "UpperChest",  # spine3
    "LeftToes",  # left_foot
    "RightToes",  # right_foot
    "Neck",  # neck
    "LeftShoulder",  # left_collar
    "RightShoulder",  # right_collar
    "Head",  # head
    "LeftUpperArm",  # left_shoulder
    "RightUpperArm",  # right_shoulder
    "LeftLowerArm",  # left_elbow
    "RightLowerArm",  # right_elbow
    "LeftHand",  # left_wrist
    "RightHand",  # right_wrist
    "LeftMiddleProximal",  # left_hand
    "RightMiddleProximal",  # right_hand
)
HUMANOID_TO_SMPL: dict[str, int] = {name: i for i, name in enumerate(SMPL_TO_HUMANOID)}

# The other HumanBodyBones a VMC performer may send; received, they are ignored.
OTHER_HUMANOID_BONES: frozenset[str] = frozenset(
    ["LeftEye", "RightEye", "Jaw", "LastBone"]
    + [
        f"{side}{finger}{segment}"
        for side in ("Left", "Right")
        for finger in ("Thumb", "Index", "Middle", "Ring", "Little")
        for segment in ("Proximal", "Intermediate", "Distal")
    ]
) - frozenset(SMPL_TO_HUMANOID)

ROOT_NAME = "root"  # the name /VMC/Ext/Root/Pos always carries
_MIRROR = np.array([-1.0, 1.0, 1.0])  # diag(S) on positions
_QUAT_MIRROR = np.array([1.0, 1.0, -1.0, -1.0])  # S R S on (w, x, y, z)


def mirror_positions(p: np.ndarray) -> np.ndarray:
    """Positions from SMPL's frame to Unity's or back [shape=(..., 3)], x negated."""
    return np.asarray(p, dtype=np.float64) * _MIRROR


def mirror_quaternions(q: np.ndarray) -> np.ndarray:
    """Quaternions ``(w, x, y, z)`` from SMPL's frame to Unity's or back, y and z negated."""
    return np.asarray(q, dtype=np.float64) * _QUAT_MIRROR


def rest_local_positions() -> np.ndarray:
    """Each bone's rest position relative to its parent, in Unity's frame.

    Returns
    -------
    positions : np.ndarray [shape=(24, 3)]
        Metres. Row 0 (Hips) is SMPL's pelvis rest position ``root_rest`` relative to the
        root object; the others are the skeleton's rest offsets.
    """
    offsets = np.array(SMPL_SKELETON.offsets, dtype=np.float64)
    offsets[0] = SMPL_SKELETON.root_rest
    return mirror_positions(offsets)


def wxyz_to_xyzw(q: np.ndarray) -> np.ndarray:
    """Quaternion component order of livedual ``(w, x, y, z)`` to VMC/Unity ``(x, y, z, w)``."""
    return np.roll(np.asarray(q), -1, axis=-1)


def xyzw_to_wxyz(q: np.ndarray) -> np.ndarray:
    """Quaternion component order of VMC/Unity ``(x, y, z, w)`` to livedual ``(w, x, y, z)``."""
    return np.roll(np.asarray(q), 1, axis=-1)
