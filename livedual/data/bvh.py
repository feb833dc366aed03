"""BVH files of SMPL-skeleton pose sequences, written for Blender, MotionBuilder and friends.

What this module writes:

- The HIERARCHY is the 24-joint SMPL tree of ``livedual/assets/smpl_skeleton.json``, joint
  names as there, children in SMPL index order, depth first. Every leaf joint (feet, head,
  hands) closes with an ``End Site`` half as long as its own bone, pointing the same way.
- Lengths are in **centimetres** (:data:`BVH_UNITS_PER_METRE`), y up, the usual unit of
  BVH files. In Blender, import with *Scale* 0.01 to get metres.
- The root ``pelvis`` has OFFSET 0 and six channels (``Xposition Yposition Zposition``
  then rotations); its position channels hold the pelvis world position (``transl`` plus
  the SMPL pelvis rest position). Every other joint has three rotation channels.
- Rotations are Euler angles in degrees, channel order ``Zrotation Xrotation Yrotation``:
  the local rotation is ``R = Rz @ Rx @ Ry`` acting on column vectors, the BVH convention.
  A joint with all angles 0 is in the SMPL rest pose, so the BVH rotation of a joint is
  exactly its SMPL local rotation.

What this module reads: any BVH whose hierarchy holds the 24 SMPL joint names with SMPL
parents (extra joints are ignored), with any rotation channel order. The root position
channels are taken as the absolute pelvis position (as Blender does). The length unit is
found from the file's bone offsets: their least-squares ratio to the SMPL offsets (100 for
centimetres, 1 for metres); joint positions are always recomputed with the SMPL skeleton.
"""

from __future__ import annotations

import io
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..atomic import atomic_write
from ..const import FPS, N_JOINTS
from ..errors import DataError, ParameterError
from ..pose import pack_pose, unpack_pose
from ..skeleton import SMPL_SKELETON

_LOGGER = logging.getLogger(__name__)

BVH_UNITS_PER_METRE = 100.0  # BVH lengths are written in centimetres
BVH_EULER_ORDER = "ZXY"  # rotation channel order written: R = Rz @ Rx @ Ry
END_SITE_FRACTION = 0.5  # End Site length as a fraction of the leaf joint's own bone
DECIMALS = 6  # digits after the point in the MOTION block (1e-6 deg, 1e-6 cm)
GIMBAL_EPS = 1e-6  # |cos(x)| below this: the Z and Y axes line up, Y is set to 0
SHAPE_TOLERANCE = 0.05  # relative offset mismatch above which a skeleton is "not SMPL"

_AXES = {"X": 0, "Y": 1, "Z": 2}
_INDENT = "\t"


# --- Euler angles --------------------------------------------------------------------------


def _axis_rotation(axis: str, radians: np.ndarray) -> np.ndarray:
    """Rotation matrices about one principal axis, (...,) -> (..., 3, 3)."""
    c, s = np.cos(radians), np.sin(radians)
    one, zero = np.ones_like(c), np.zeros_like(c)
    rows = {
        "X": ((one, zero, zero), (zero, c, -s), (zero, s, c)),
        "Y": ((c, zero, s), (zero, one, zero), (-s, zero, c)),
        "Z": ((c, -s, zero), (s, c, zero), (zero, zero, one)),
    }[axis]
    return np.stack([np.stack(row, axis=-1) for row in rows], axis=-2)


def euler_to_matrix(degrees: np.ndarray, *, order: str) -> np.ndarray:
    """Rotation matrices from BVH Euler angles.

    Parameters
    ----------
    degrees : np.ndarray [shape=(..., 3)]
        Angles in degrees, in the order of ``order`` (the file's channel order).
    order : str
        One axis letter per angle, e.g. ``"ZXY"``: the matrix is ``Rz @ Rx @ Ry``.

    Returns
    -------
    matrices : np.ndarray [shape=(..., 3, 3)]
    """
    radians = np.deg2rad(np.asarray(degrees, dtype=np.float64))
    result = np.broadcast_to(np.eye(3), radians.shape[:-1] + (3, 3))
    for k, axis in enumerate(order):
        result = result @ _axis_rotation(axis, radians[..., k])
    return result


def matrix_to_euler_zxy(matrices: np.ndarray) -> np.ndarray:
    """BVH Euler angles in ``ZXY`` channel order from rotation matrices.

    Parameters
    ----------
    matrices : np.ndarray [shape=(..., 3, 3)]
        Rotation matrices (column-vector convention).

    Returns
    -------
    degrees : np.ndarray [shape=(..., 3)]
        ``(z, x, y)`` in degrees with ``R = Rz(z) @ Rx(x) @ Ry(y)``, x in [-90, 90].
    """
    r = np.asarray(matrices, dtype=np.float64)
    # R = Rz Rx Ry has R[2,1] = sin x, R[0,1] = -sin z cos x, R[1,1] = cos z cos x,
    # R[2,0] = -cos x sin y, R[2,2] = cos x cos y.
    x = np.arcsin(np.clip(r[..., 2, 1], -1.0, 1.0))
    z = np.arctan2(-r[..., 0, 1], r[..., 1, 1])
    y = np.arctan2(-r[..., 2, 0], r[..., 2, 2])
    locked = np.abs(np.cos(x)) < GIMBAL_EPS
    if np.any(locked):  # y folds into z: take y = 0, z from the first column
        z = np.where(locked, np.arctan2(r[..., 1, 0], r[..., 0, 0]), z)
        y = np.where(locked, 0.0, y)
    return np.rad2deg(np.stack([z, x, y], axis=-1))


# --- writing -------------------------------------------------------------------------------


def _children() -> list[list[int]]:
    """Children of every SMPL joint, in index order."""
    kids: list[list[int]] = [[] for _ in range(N_JOINTS)]
    for joint, parent in enumerate(SMPL_SKELETON.parents):
        if parent >= 0:
            kids[int(parent)].append(joint)
    return kids


def _vector(values: np.ndarray) -> str:
    return " ".join(f"{v:.{DECIMALS}f}" for v in values)


def _hierarchy_lines(
    joint: int, depth: int, kids: list[list[int]], order: list[int]
) -> list[str]:
    """HIERARCHY lines of ``joint`` and its subtree; appends joints to ``order`` as written."""
    pad = _INDENT * depth
    name = SMPL_SKELETON.names[joint]
    axes = " ".join(f"{axis}rotation" for axis in BVH_EULER_ORDER)
    order.append(joint)
    if joint == 0:
        head = f"{pad}ROOT {name}"
        offset = np.zeros(3)
        channels = f"CHANNELS 6 Xposition Yposition Zposition {axes}"
    else:
        head = f"{pad}JOINT {name}"
        offset = np.asarray(SMPL_SKELETON.offsets[joint]) * BVH_UNITS_PER_METRE
        channels = f"CHANNELS 3 {axes}"
    lines = [
        head,
        f"{pad}{{",
        f"{pad}{_INDENT}OFFSET {_vector(offset)}",
        f"{pad}{_INDENT}{channels}",
    ]
    for child in kids[joint]:
        lines += _hierarchy_lines(child, depth + 1, kids, order)
    if not kids[joint]:
        tip = (
            np.asarray(SMPL_SKELETON.offsets[joint])
            * BVH_UNITS_PER_METRE
            * END_SITE_FRACTION
        )
        inner = pad + _INDENT
        lines += [
            f"{inner}End Site",
            f"{inner}{{",
            f"{inner}{_INDENT}OFFSET {_vector(tip)}",
            f"{inner}}}",
        ]
    lines.append(f"{pad}}}")
    return lines


def format_bvh(pose: np.ndarray, *, fps: float = FPS) -> str:
    """The text of a BVH file holding a pose sequence (see the module docstring).

    Parameters
    ----------
    pose : np.ndarray [shape=(T, 147)]
        Root translation (metres) and 24 joint rotations in 6D.
    fps : float
        Frame rate of ``pose``; the file's Frame Time is ``1 / fps`` seconds.

    Returns
    -------
    text : str
    """
    pose = _check_pose(pose)
    if not fps > 0:
        raise ParameterError(f"fps must be positive, got {fps}")
    order: list[int] = []
    lines = ["HIERARCHY", *_hierarchy_lines(0, 0, _children(), order)]
    transl, rotations = unpack_pose(pose)
    root = (
        np.asarray(transl, np.float64) + SMPL_SKELETON.root_rest
    ) * BVH_UNITS_PER_METRE
    euler = matrix_to_euler_zxy(rotations)[:, order]  # (T, 24, 3) in file order
    values = np.concatenate([root, euler.reshape(len(pose), -1)], axis=1)  # (T, 75)
    lines += ["MOTION", f"Frames: {len(pose)}", f"Frame Time: {1.0 / fps:.8f}"]
    buffer = io.StringIO()
    np.savetxt(buffer, values, fmt=f"%.{DECIMALS}f", delimiter=" ")
    return "\n".join(lines) + "\n" + buffer.getvalue()


def write_bvh(
    path: str | os.PathLike[str], pose: np.ndarray, *, fps: float = FPS
) -> Path:
    """Write a pose sequence as a BVH file (atomically).

    Parameters
    ----------
    path : str or os.PathLike
        The ``.bvh`` file to write; its folder is created if needed.
    pose : np.ndarray [shape=(T, 147)]
        Root translation (metres) and 24 joint rotations in 6D.
    fps : float
        Frame rate of ``pose``.

    Returns
    -------
    path : Path
    """
    text = format_bvh(pose, fps=fps)
    with atomic_write(path, "w") as handle:
        handle.write(text)
    return Path(path)


def _check_pose(pose: np.ndarray) -> np.ndarray:
    """``pose`` as a finite float array of shape (T, 147) with T >= 1, else ParameterError."""
    array = np.asarray(pose)
    if array.ndim != 2 or array.shape[1] != 3 + 6 * N_JOINTS or len(array) == 0:
        raise ParameterError(
            f"pose must have shape (T, {3 + 6 * N_JOINTS}), got {array.shape}"
        )
    if not np.all(np.isfinite(array)):
        raise ParameterError("pose holds NaN or infinite values")
    return array


# --- reading -------------------------------------------------------------------------------


@dataclass
class _Joint:
    name: str
    parent: int
    offset: np.ndarray
    channels: list[str] = field(default_factory=list)
    first_channel: int = 0


class _Parser:
    """Recursive-descent reader of the HIERARCHY block, over whitespace tokens."""

    def __init__(self, tokens: list[str], source: str) -> None:
        self.tokens = tokens
        self.pos = 0
        self.source = source
        self.joints: list[_Joint] = []
        self.n_channels = 0

    def fail(self, what: str) -> DataError:
        return DataError(f"{self.source} is not a valid BVH file: {what}.")

    def next(self) -> str:
        if self.pos >= len(self.tokens):
            raise self.fail("it ends inside the HIERARCHY block")
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def expect(self, word: str) -> None:
        token = self.next()
        if token != word:
            raise self.fail(f"expected '{word}' but found '{token}'")

    def numbers(self, count: int) -> np.ndarray:
        words = [self.next() for _ in range(count)]
        try:
            return np.array([float(w) for w in words])
        except ValueError:
            raise self.fail(
                f"expected {count} numbers but found {' '.join(words)}"
            ) from None

    def joint(self, parent: int) -> None:
        name = self.next()
        index = len(self.joints)
        self.expect("{")
        self.expect("OFFSET")
        joint = _Joint(name=name, parent=parent, offset=self.numbers(3))
        self.joints.append(joint)
        while True:
            token = self.next()
            if token == "}":
                return
            if token == "CHANNELS":
                self.channels(joint)
            elif token == "JOINT":
                self.joint(index)
            elif token == "End":
                self.expect("Site")
                self.expect("{")
                self.expect("OFFSET")
                self.numbers(3)
                self.expect("}")
            else:
                raise self.fail(f"unexpected '{token}' in joint '{name}'")

    def channels(self, joint: _Joint) -> None:
        try:
            count = int(self.next())
        except ValueError:
            raise self.fail(
                f"the CHANNELS count of joint '{joint.name}' is not a number"
            ) from None
        joint.channels = [self.next() for _ in range(count)]
        known = {f"{a}{kind}" for a in _AXES for kind in ("position", "rotation")}
        unknown = [c for c in joint.channels if c not in known]
        if unknown:
            raise self.fail(f"joint '{joint.name}' has unknown channels {unknown}")
        joint.first_channel = self.n_channels
        self.n_channels += count


def _split_sections(text: str, source: str) -> tuple[list[str], list[str]]:
    """Tokens of the HIERARCHY block and lines of the MOTION block."""
    head, sep, motion = text.partition("MOTION")
    if not sep:
        raise DataError(f"{source} is not a valid BVH file: it has no MOTION section.")
    return head.split(), motion.strip().splitlines()


def _motion_values(
    lines: list[str], n_channels: int, source: str
) -> tuple[np.ndarray, float]:
    """The (frames, channels) MOTION table and the frame time in seconds."""
    if (
        len(lines) < 2
        or not lines[0].startswith("Frames:")
        or not lines[1].startswith("Frame Time:")
    ):
        raise DataError(
            f"{source} is not a valid BVH file: MOTION must start with 'Frames:' and 'Frame Time:'."
        )
    try:
        frames = int(lines[0].split(":", 1)[1])
        frame_time = float(lines[1].split(":", 1)[1])
        values = np.array(" ".join(lines[2:]).split(), dtype=np.float64)
    except ValueError as exc:
        raise DataError(
            f"{source} is not a valid BVH file: bad number in MOTION ({exc})."
        ) from None
    if frames < 1 or not frame_time > 0:
        raise DataError(
            f"{source} has {frames} frames and frame time {frame_time}: nothing to read."
        )
    if values.size != frames * n_channels:
        raise DataError(
            f"{source} is truncated or malformed: {frames} frames x {n_channels} channels "
            f"need {frames * n_channels} numbers, the MOTION block has {values.size}."
        )
    if not np.all(np.isfinite(values)):
        raise DataError(f"{source} holds NaN or infinite values in its MOTION block.")
    return values.reshape(frames, n_channels), frame_time


def _smpl_joints(joints: list[_Joint], source: str) -> list[_Joint]:
    """The file's joints in SMPL order, after checking names and parents."""
    by_name = {joint.name: joint for joint in joints}
    missing = [name for name in SMPL_SKELETON.names if name not in by_name]
    if missing:
        raise DataError(
            f"{source} does not hold the SMPL skeleton: joints {missing} are missing. "
            "livedual reads BVH files with the 24 SMPL joint names (as it writes them)."
        )
    if joints[0].name != SMPL_SKELETON.names[0]:
        raise DataError(
            f"{source}: its root joint is '{joints[0].name}'; "
            f"the SMPL skeleton's root is '{SMPL_SKELETON.names[0]}'."
        )
    ordered = [by_name[name] for name in SMPL_SKELETON.names]
    for joint, parent in zip(ordered[1:], SMPL_SKELETON.parents[1:]):
        found = joints[joint.parent].name if joint.parent >= 0 else None
        if found != SMPL_SKELETON.names[parent]:
            raise DataError(
                f"{source}: joint '{joint.name}' hangs from '{found}', "
                f"the SMPL skeleton has it under '{SMPL_SKELETON.names[parent]}'."
            )
    return ordered


def _units_per_metre(joints: list[_Joint], source: str) -> float:
    """File length units per metre, from the bone offsets (least squares against SMPL)."""
    file_offsets = np.stack([j.offset for j in joints[1:]])
    smpl_offsets = np.asarray(SMPL_SKELETON.offsets, np.float64)[1:]
    scale = float(np.sum(file_offsets * smpl_offsets) / np.sum(smpl_offsets**2))
    if not scale > 0:
        raise DataError(
            f"{source}: its bone offsets do not match the SMPL skeleton at any scale."
        )
    mismatch = np.linalg.norm(file_offsets - scale * smpl_offsets) / np.linalg.norm(
        scale * smpl_offsets
    )
    if mismatch > SHAPE_TOLERANCE:
        _LOGGER.warning(
            "%s: bone offsets differ from the SMPL mean shape by %.0f%%; "
            "joint positions are recomputed with the SMPL skeleton",
            source,
            100 * mismatch,
        )
    return scale


def _rotations(joint: _Joint, values: np.ndarray) -> np.ndarray:
    """(T, 3, 3) local rotations of one joint from its rotation channels (identity if none)."""
    picks = [(k, c[0]) for k, c in enumerate(joint.channels) if c.endswith("rotation")]
    if not picks:
        return np.broadcast_to(np.eye(3), (len(values), 3, 3)).copy()
    columns = [joint.first_channel + k for k, _ in picks]
    order = "".join(axis for _, axis in picks)
    return euler_to_matrix(values[:, columns], order=order)


def _root_position(root: _Joint, values: np.ndarray) -> np.ndarray:
    """(T, 3) root position in file units: absolute position channels, else the OFFSET."""
    position = np.broadcast_to(root.offset, (len(values), 3)).copy()
    for k, channel in enumerate(root.channels):
        if channel.endswith("position"):
            position[:, _AXES[channel[0]]] = values[:, root.first_channel + k]
    return position


def read_bvh(path: str | os.PathLike[str]) -> tuple[np.ndarray, float]:
    """Read a BVH file of an SMPL-skeleton motion (see the module docstring).

    Parameters
    ----------
    path : str or os.PathLike
        A ``.bvh`` file, e.g. one written by :func:`write_bvh`.

    Returns
    -------
    pose : np.ndarray [shape=(T, 147), dtype=float32]
        Root translation (metres) and 24 joint rotations in 6D, at the file's frame rate.
    fps : float
        The file's frame rate, ``1 / Frame Time``.

    Raises
    ------
    DataError
        The file is missing, not BVH, truncated, or its skeleton is not SMPL.
    """
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise DataError(f"Cannot read the BVH file {source}: {exc.strerror}.") from None
    tokens, motion_lines = _split_sections(text, source)
    parser = _Parser(tokens, source)
    parser.expect("HIERARCHY")
    parser.expect("ROOT")
    parser.joint(-1)
    if parser.pos != len(tokens):
        raise parser.fail(f"unexpected '{tokens[parser.pos]}' after the root joint")
    values, frame_time = _motion_values(motion_lines, parser.n_channels, source)
    joints = _smpl_joints(parser.joints, source)
    scale = _units_per_metre(joints, source)
    rotations = np.stack(
        [_rotations(joint, values) for joint in joints], axis=1
    )  # (T, 24, 3, 3)
    transl = _root_position(joints[0], values) / scale - SMPL_SKELETON.root_rest
    pose = pack_pose(transl=transl, rotations=rotations)
    return np.asarray(pose, dtype=np.float32), 1.0 / frame_time
