"""The SMPL kinematic tree and forward kinematics, without the licensed SMPL files.

The skeleton (joint names, parents, rest offsets, pelvis rest position) is the
mean-shape male SMPL skeleton shipped as ``livedual/assets/smpl_skeleton.json``. Like
SMPL and AIST++, the pelvis sits at ``transl + root_rest`` and every other joint at its
parent's position plus the parent's global rotation applied to its rest offset.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from .const import N_JOINTS, POSE_DIM, TRANSL_DIM
from .errors import DataError, ParameterError
from .pose import unpack_pose

SKELETON_ASSET = "smpl_skeleton.json"


@dataclass(frozen=True, eq=False)
class Skeleton:
    """A kinematic tree in which every joint comes after its parent.

    Attributes
    ----------
    names : tuple of str
        Joint names, in joint order.
    parents : tuple of int
        Parent index of each joint; ``-1`` for the root (joint 0).
    offsets : np.ndarray [shape=(J, 3), float64, read-only]
        Rest-pose vector from each joint's parent to the joint, metres (row 0 unused).
    root_rest : np.ndarray [shape=(3,), float64, read-only]
        Rest position of the root joint relative to the translation origin, metres.
    """

    names: tuple[str, ...]
    parents: tuple[int, ...]
    offsets: np.ndarray
    root_rest: np.ndarray

    def __post_init__(self) -> None:
        n = len(self.names)
        if len(self.parents) != n or np.shape(self.offsets) != (n, 3):
            raise DataError(
                f"skeleton has {n} names, {len(self.parents)} parents and offsets of "
                f"shape {np.shape(self.offsets)}; they must describe the same joints."
            )
        if np.shape(self.root_rest) != (3,):
            raise DataError(
                "skeleton root_rest must have 3 values, got shape "
                f"{np.shape(self.root_rest)}."
            )
        if self.parents[0] != -1 or any(
            not 0 <= p < i for i, p in enumerate(self.parents[1:], 1)
        ):
            raise DataError(
                "skeleton parents must be -1 for joint 0 and an earlier joint for "
                f"every other joint, got {list(self.parents)}."
            )
        for field, value in (("offsets", self.offsets), ("root_rest", self.root_rest)):
            arr = np.array(value, dtype=np.float64)
            arr.setflags(write=False)
            object.__setattr__(self, field, arr)

    @property
    def n_joints(self) -> int:
        """Number of joints."""
        return len(self.names)

    def index(self, name: str) -> int:
        """Index of the joint called ``name``."""
        try:
            return self.names.index(name)
        except ValueError:
            raise ParameterError(
                f"no joint named {name!r}; joints are {list(self.names)}."
            ) from None

    def rest_joints(self) -> np.ndarray:
        """Rest-pose joint positions at zero translation [shape=(J, 3), metres]."""
        rest = np.eye(3)[None].repeat(self.n_joints, axis=0)
        return forward_kinematics(rotations=rest, transl=np.zeros(3), skeleton=self)


def skeleton_from_dict(data: dict[str, Any], *, source: str = "skeleton") -> Skeleton:
    """A :class:`Skeleton` from the JSON layout of ``smpl_skeleton.json``."""
    try:
        return Skeleton(
            names=tuple(str(n) for n in data["joint_names"]),
            parents=tuple(int(p) for p in data["parents"]),
            offsets=np.asarray(data["offsets"], dtype=np.float64),
            root_rest=np.asarray(data["root_rest"], dtype=np.float64),
        )
    except KeyError as exc:
        raise DataError(f"{source} lacks the key {exc}.") from None


def load_skeleton(path: str | Path | None = None) -> Skeleton:
    """Read a skeleton JSON file; without ``path``, the packaged SMPL skeleton."""
    if path is None:
        text = (
            resources.files("livedual")
            .joinpath("assets", SKELETON_ASSET)
            .read_text("utf-8")
        )
        source = f"livedual/assets/{SKELETON_ASSET}"
    else:
        try:
            text = Path(path).read_text("utf-8")
        except OSError as exc:
            raise DataError(f"cannot read the skeleton file {path}: {exc}") from None
        source = str(path)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(f"{source} is not valid JSON: {exc}") from None
    return skeleton_from_dict(data, source=source)


SMPL_SKELETON = load_skeleton()
if SMPL_SKELETON.n_joints != N_JOINTS:
    raise DataError(
        f"{SKELETON_ASSET} has {SMPL_SKELETON.n_joints} joints, expected {N_JOINTS}."
    )

JOINT_INDEX: dict[str, int] = {name: i for i, name in enumerate(SMPL_SKELETON.names)}
PELVIS = JOINT_INDEX["pelvis"]
HEAD = JOINT_INDEX["head"]
NECK = JOINT_INDEX["neck"]
LEFT_ANKLE = JOINT_INDEX["left_ankle"]
RIGHT_ANKLE = JOINT_INDEX["right_ankle"]
LEFT_FOOT = JOINT_INDEX["left_foot"]  # SMPL's "foot" joint is the ball of the foot
RIGHT_FOOT = JOINT_INDEX["right_foot"]
ANKLE_JOINTS = (LEFT_ANKLE, RIGHT_ANKLE)
FOOT_JOINTS = (LEFT_ANKLE, RIGHT_ANKLE, LEFT_FOOT, RIGHT_FOOT)
LEFT_WRIST = JOINT_INDEX["left_wrist"]
RIGHT_WRIST = JOINT_INDEX["right_wrist"]
# Each joint's mirror image across the body's sagittal plane (itself on the midline).
MIRROR_JOINTS: tuple[int, ...] = tuple(
    JOINT_INDEX[
        n.replace("left_", "@").replace("right_", "left_").replace("@", "right_")
    ]
    for n in SMPL_SKELETON.names
)


def _check_rotations(rotations: np.ndarray, skeleton: Skeleton) -> np.ndarray:
    """``rotations`` as an array of shape (..., J, 3, 3), or ParameterError."""
    rotations = np.asarray(rotations)
    if rotations.shape[-3:] != (skeleton.n_joints, 3, 3):
        raise ParameterError(
            f"rotations must have shape (..., {skeleton.n_joints}, 3, 3), "
            f"got {rotations.shape}."
        )
    return rotations


def global_rotations(
    rotations: np.ndarray, *, skeleton: Skeleton = SMPL_SKELETON
) -> np.ndarray:
    """World rotations of every joint from local (parent-relative) rotations.

    Parameters
    ----------
    rotations : np.ndarray [shape=(..., 24, 3, 3)]
        Local joint rotations.
    skeleton : Skeleton
        The kinematic tree (SMPL by default).

    Returns
    -------
    world : np.ndarray [shape=(..., 24, 3, 3)]
        ``world[j] = world[parent[j]] @ rotations[j]``.
    """
    rotations = _check_rotations(rotations, skeleton)
    local = rotations.astype(np.float64)
    world = np.empty_like(local)
    for j, p in enumerate(skeleton.parents):
        world[..., j, :, :] = (
            local[..., j, :, :] if p < 0 else world[..., p, :, :] @ local[..., j, :, :]
        )
    return world.astype(
        rotations.dtype if rotations.dtype == np.float32 else np.float64
    )


def forward_kinematics(
    *, rotations: np.ndarray, transl: np.ndarray, skeleton: Skeleton = SMPL_SKELETON
) -> np.ndarray:
    """Joint positions from local joint rotations and the root translation.

    Parameters
    ----------
    rotations : np.ndarray [shape=(..., 24, 3, 3)]
        Local joint rotations.
    transl : np.ndarray [shape=(..., 3)]
        Root translation, metres; the pelvis lies at ``transl + skeleton.root_rest``.
    skeleton : Skeleton
        The kinematic tree (SMPL by default).

    Returns
    -------
    joints : np.ndarray [shape=(..., 24, 3)]
        World joint positions, metres, y up; float32 when both inputs are float32.
    """
    rotations = _check_rotations(rotations, skeleton)
    transl = np.asarray(transl)
    if transl.shape != rotations.shape[:-3] + (TRANSL_DIM,):
        raise ParameterError(
            f"transl must have shape {rotations.shape[:-3] + (TRANSL_DIM,)} to match "
            f"rotations {rotations.shape}, got {transl.shape}."
        )
    world = global_rotations(rotations.astype(np.float64), skeleton=skeleton)
    joints = np.empty(rotations.shape[:-2] + (3,), dtype=np.float64)
    joints[..., 0, :] = transl + skeleton.root_rest
    for j, p in enumerate(skeleton.parents[1:], 1):
        joints[..., j, :] = (
            joints[..., p, :] + world[..., p, :, :] @ skeleton.offsets[j]
        )
    both32 = rotations.dtype == np.float32 and transl.dtype == np.float32
    return joints.astype(np.float32 if both32 else np.float64)


def pose_to_joints(
    pose: np.ndarray, *, skeleton: Skeleton = SMPL_SKELETON
) -> np.ndarray:
    """Joint positions of pose vectors.

    Parameters
    ----------
    pose : np.ndarray [shape=(..., 147)]
        Root translation (metres) and 24 local joint rotations in 6D.
    skeleton : Skeleton
        The kinematic tree (SMPL by default).

    Returns
    -------
    joints : np.ndarray [shape=(..., 24, 3)]
        Metres, y up.
    """
    pose = np.asarray(pose)
    if pose.shape[-1:] != (POSE_DIM,):
        raise ParameterError(
            f"pose must have shape (..., {POSE_DIM}), got {pose.shape}."
        )
    transl, rotations = unpack_pose(pose)
    return forward_kinematics(rotations=rotations, transl=transl, skeleton=skeleton)
