"""Inverse kinematics: Dance-with-Melody joint positions to SMPL joint rotations.

The Dance-with-Melody dataset (Tang et al. 2018) stores 23 joint positions per frame
(25 fps, y up, centimetres, relative to a per-frame ``center``). What the 23 points are,
measured on the 24 released sequences (median distances, their spread over a dance):

- 0, 1: two head points 10-11 cm apart side by side; 2: the waist, 12 cm above the hip
  line. 0, 1, 2 and the hips 7, 16 move as one rigid block (spread about 1 cm).
- 3, 12: the shoulders (26-32 cm apart). Arm chains 3-4-5-6 and 12-13-14-15: the elbow
  (4, 13; 28-33 cm from the shoulder, its angle ranges over 50-175 degrees), a forearm
  point (5, 14) and the wrist (6, 15; 22-26 cm from the elbow).
- 7, 16: the hips; 8, 17: knees; 9, 18: ankles; 10, 11 and 19, 20: two foot points, one
  10-11 cm from the ankle (the heel) and one 17-18 cm away (the toes).
- 21, 22: extra hand points (22 sits 5 cm from wrist 6; 21 is rigid with elbow 13). They
  carry no hand orientation the fit could use, so they are ignored.

Which chain is the left one is not assumed: the toes are the foot point farther from the
ankle, the feet point forward, and ``left = up x forward`` (right-handed, y up, as SMPL:
the SMPL body faces +z with its left side on +x). The shoulders and head points take
their side from the hips.

Some sequences swap the two foot points' labels for a stretch of frames, and the head
points of the waltz sequences collapse or turn front to back now and then; the fit
repairs the first (:func:`repair_foot_labels`) and reads only a bounded head turn from
the head points.

The fit first retargets the data to SMPL proportions (:func:`retarget`: every
corresponding bone keeps the data's direction and takes the SMPL length), then solves the
world rotation of each body segment in tree order: the pelvis by a rigid fit of hips and
waist; the spine by one rotation shared by its three joints, fitted to shoulders and
head and refined by a few damped Gauss-Newton steps with the collars and neck; each limb
segment by aiming its bone exactly at the next target, with the twist about the bone
from a second direction (the knee and elbow bend plane, the foot). The twist angles of a
limb are solved over the whole sequence at once with a smoothness penalty, so where the
limb is nearly straight and its bend plane is noise, the twist carries over smoothly and
never flips; knees and elbows turn as hinges. Joints without data (wrists, hands, toes,
head) keep their rest rotation relative to their parent. ``local = parent_world^T @
world`` gives the SMPL local rotations; the pelvis lies at ``transl + root_rest``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np

from .errors import DataError, ParameterError
from .pose import (
    axis_angle_to_matrix,
    matrix_to_axis_angle,
    matrix_to_quaternion,
    pack_pose,
    quaternion_to_matrix,
)
from .skeleton import JOINT_INDEX, SMPL_SKELETON, forward_kinematics, global_rotations

_LOGGER = logging.getLogger(__name__)

# --- the Dance-with-Melody layout -------------------------------------------------------
DWM_N_JOINTS = 23
DWM_UNIT_M = 0.01  # the dataset's positions are (roughly) centimetres
DWM_HEAD_POINTS = (0, 1)
DWM_WAIST = 2
# The two sides as they appear in the file; which one is left is decided from the data.
# Leg: hip, knee, ankle, foot point, foot point. Arm: shoulder, elbow, forearm, wrist.
DWM_LEGS = ((7, 8, 9, 10, 11), (16, 17, 18, 19, 20))
DWM_ARMS = ((3, 4, 5, 6), (12, 13, 14, 15))
DWM_HAND_POINTS = (21, 22)

# --- decisions and weights of the fit ------------------------------------------------------
UP = np.array([0.0, 1.0, 0.0])  # both the dataset and SMPL are y up
REST_FORWARD = np.array([0.0, 0.0, 1.0])  # SMPL rest pose faces +z ...
REST_LEFT = np.array([1.0, 0.0, 0.0])  # ... with its left side on +x
MIN_SIDE_AGREEMENT = 0.6  # share of frames that must agree with a left/right decision
MIN_TOE_HEEL_GAP_M = (
    0.02  # toe and heel must differ this much in distance from the ankle
)
SPINE_JOINTS = 3  # spine1, spine2, spine3 share the chest rotation equally
SPINE_ITERATIONS = 3  # refits of the shared spine rotation (each removes most residual)
REFINE_ITERATIONS = 10  # Levenberg-Marquardt steps on the upper body after the start
REFINE_DAMPING = 1e-3  # m^2: initial damping; keeps under-determined steps spread out
REFINE_DAMPING_FACTOR = (
    3.0  # damping shrinks by this after a good step, grows after a bad one
)
REFINE_PRIOR = 2e-4  # m^2 per rad^2: price of turning a spine joint away from the start
# Twist of a limb: the bend direction counts with weight sin^2(bend angle) (small bends
# are mostly noise), and the twist angle pays this much per squared radian of change
# between frames; a 90-degree bend then settles within about a frame, a straight limb
# keeps its twist.
TWIST_STIFFNESS = 1.0
TWIST_WEIGHT_FLOOR = 1e-4  # keeps the angle system well posed where no cue exists
TWIST_ITERATIONS = 3
FOOT_TWIST_WEIGHT = 0.5  # the foot's forward direction also sets the thigh's twist
SMOOTHING_SIGMA = 0.0  # frames; the default fit is smooth without it (see fit_dwm)
SMOOTHING_RADIUS_SIGMAS = (
    3.0  # the smoothing kernel is cut at three standard deviations
)
SHIN_ROLL_WEIGHT = 0.2  # the shin's left direction steadies the foot's roll
_EPS = 1e-9
# Points that SMPL lacks, for :func:`smpl_to_dwm` (rough human sizes).
SYNTH_HEAD_HALF_WIDTH_M = 0.055
SYNTH_HEEL_M = np.array([0.0, -0.05, -0.06])  # ankle to heel in the ankle's rest frame

# --- the SMPL side ------------------------------------------------------------------------
_J = JOINT_INDEX
LEFT_HIP, RIGHT_HIP = _J["left_hip"], _J["right_hip"]
SPINE1, SPINE2, SPINE3 = _J["spine1"], _J["spine2"], _J["spine3"]
NECK, HEAD = _J["neck"], _J["head"]
LEFT_COLLAR, RIGHT_COLLAR = _J["left_collar"], _J["right_collar"]
# The upper body's joints that the refinement moves, and the targets it moves them to.
_UPPER_JOINTS = (SPINE1, SPINE2, SPINE3, LEFT_COLLAR, RIGHT_COLLAR, NECK)
_UPPER_ENDS = (_J["left_shoulder"], _J["right_shoulder"], HEAD)
# Relative prices of turning each upper joint: the collars, with their short levers,
# would otherwise soak up every jitter of the shoulder points.
_PRIOR_WEIGHTS = {
    SPINE1: 1.0,
    SPINE2: 1.0,
    SPINE3: 1.0,
    LEFT_COLLAR: 4.0,
    RIGHT_COLLAR: 4.0,
    NECK: 1.0,
}
# Corresponding joints: the SMPL joints that get a target from the data; the fit error is
# measured on these.
FITTED_JOINTS = tuple(
    _J[n]
    for n in (
        "left_hip",
        "right_hip",
        "spine1",
        "left_knee",
        "right_knee",
        "left_ankle",
        "right_ankle",
        "left_foot",
        "right_foot",
        "head",
        "left_shoulder",
        "right_shoulder",
        "left_elbow",
        "right_elbow",
        "left_wrist",
        "right_wrist",
    )
)
_LEG_JOINTS = {
    "left": ("left_hip", "left_knee", "left_ankle", "left_foot"),
    "right": ("right_hip", "right_knee", "right_ankle", "right_foot"),
}
_ARM_JOINTS = {
    "left": ("left_shoulder", "left_elbow", "left_wrist"),
    "right": ("right_shoulder", "right_elbow", "right_wrist"),
}


@dataclass(frozen=True)
class DwmLayout:
    """Which Dance-with-Melody points are which body part, decided from one sequence.

    Attributes
    ----------
    legs : dict
        ``{"left": (hip, knee, ankle, toe, heel), "right": (...)}``, dataset indices.
    arms : dict
        ``{"left": (shoulder, elbow, wrist), "right": (...)}``, dataset indices.
    head : tuple of int
        ``(left head point, right head point)``.
    side_agreement : float
        Share of frames whose facing direction agrees with the left/right decision.
    """

    legs: dict[str, tuple[int, int, int, int, int]]
    arms: dict[str, tuple[int, int, int]]
    head: tuple[int, int]
    side_agreement: float


@dataclass
class IkFit:
    """SMPL pose fitted to one Dance-with-Melody sequence, with what it was fitted to.

    Attributes
    ----------
    transl : np.ndarray [shape=(T, 3)]
        SMPL root translation, metres; the pelvis lies at ``transl + root_rest``.
    rotations : np.ndarray [shape=(T, 24, 3, 3)]
        Local joint rotations, SMPL order.
    targets : np.ndarray [shape=(T, 24, 3)]
        Retargeted target positions, metres (NaN for joints without a target).
    layout : DwmLayout
        The left/right decision the fit used.
    """

    transl: np.ndarray
    rotations: np.ndarray
    targets: np.ndarray
    layout: DwmLayout
    _joints: np.ndarray | None = field(default=None, init=False, repr=False)

    @property
    def pose(self) -> np.ndarray:
        """Pose vectors [shape=(T, 147), float32]."""
        return pack_pose(transl=self.transl, rotations=self.rotations).astype(
            np.float32
        )

    @property
    def joints(self) -> np.ndarray:
        """Forward-kinematics joint positions of the fit [shape=(T, 24, 3), metres]."""
        if self._joints is None:
            self._joints = forward_kinematics(
                rotations=self.rotations, transl=self.transl
            )
        return self._joints

    def frame_errors(self) -> np.ndarray:
        """Mean distance of fitted to target joints per frame [shape=(T,), metres]."""
        idx = list(FITTED_JOINTS)
        return np.linalg.norm(self.joints[:, idx] - self.targets[:, idx], axis=-1).mean(
            axis=-1
        )


# --- small rotation helpers -----------------------------------------------------------


def _unit(v: np.ndarray) -> np.ndarray:
    """Unit vectors along the last axis."""
    return v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), _EPS)


def _perp(v: np.ndarray, axis: np.ndarray) -> np.ndarray:
    """The part of ``v`` perpendicular to the unit vectors ``axis``."""
    return v - np.sum(v * axis, axis=-1, keepdims=True) * axis


def _frame(primary: np.ndarray, secondary: np.ndarray) -> np.ndarray:
    """Orthonormal frames (..., 3, 3): primary, secondary made perpendicular, their cross."""
    e1 = _unit(primary)
    e2 = _unit(_perp(secondary, e1))
    return np.stack([e1, e2, np.cross(e1, e2)], axis=-1)


def _aim(
    rest_primary: np.ndarray,
    rest_secondary: np.ndarray,
    primary: np.ndarray,
    secondary: np.ndarray,
) -> np.ndarray:
    """Rotations taking ``rest_primary`` exactly onto ``primary`` and ``rest_secondary``
    as close as possible onto ``secondary``."""
    return _frame(primary, secondary) @ np.swapaxes(
        _frame(rest_primary, rest_secondary), -1, -2
    )


def _kabsch(rest: np.ndarray, target: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Rotations R (T, 3, 3) minimising sum_k w_k |R rest_k - target_k|^2.

    ``rest`` is (K, 3) or (T, K, 3), ``target`` (T, K, 3), ``weights`` (K,).
    """
    rest = np.broadcast_to(rest, target.shape)
    cov = np.einsum("k,tki,tkj->tij", weights, rest, target)  # (T, 3, 3) = sum w r t^T
    u, _, vt = np.linalg.svd(cov)
    v = np.swapaxes(vt, -1, -2)
    d = np.sign(np.linalg.det(v @ np.swapaxes(u, -1, -2)))
    fix = np.ones(u.shape[:-1])
    fix[..., -1] = d
    return (v * fix[..., None, :]) @ np.swapaxes(u, -1, -2)


def _fraction(rot: np.ndarray, share: float) -> np.ndarray:
    """The rotation by ``share`` of each rotation's angle about the same axis."""
    return axis_angle_to_matrix(matrix_to_axis_angle(rot) * share)


# --- left and right -------------------------------------------------------------------


def _median_distance(points: np.ndarray, a: int, b: int) -> float:
    return float(np.median(np.linalg.norm(points[:, a] - points[:, b], axis=-1)))


def _toe_heel(points: np.ndarray, leg: tuple[int, ...]) -> tuple[int, int]:
    """(toe, heel): the foot point farther from the ankle is the toe."""
    ankle, first, second = leg[2], leg[3], leg[4]
    d_first = _median_distance(points, ankle, first)
    d_second = _median_distance(points, ankle, second)
    if abs(d_first - d_second) < MIN_TOE_HEEL_GAP_M:
        raise DataError(
            f"cannot tell toe from heel: foot points {first} and {second} lie "
            f"{d_first * 100:.1f} and {d_second * 100:.1f} cm from ankle {ankle}."
        )
    return (first, second) if d_first > d_second else (second, first)


def _continuity_segments(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Segment id per frame (T,): a new one starts where two points swap labels."""
    same = np.linalg.norm(first[1:] - first[:-1], axis=-1) + np.linalg.norm(
        second[1:] - second[:-1], axis=-1
    )
    swapped = np.linalg.norm(first[1:] - second[:-1], axis=-1) + np.linalg.norm(
        second[1:] - first[:-1], axis=-1
    )
    return np.concatenate([[0], np.cumsum(swapped < same)])


def repair_foot_labels(points: np.ndarray) -> tuple[np.ndarray, int]:
    """Undo swapped foot-point labels (toe and heel trading places for some frames).

    A label swap shows as both points jumping onto each other's place between two
    frames. Between such swaps, the stretch whose toe (the point farther from the ankle)
    disagrees with the rest of the sequence gets its two labels swapped back.

    Parameters
    ----------
    points : np.ndarray [shape=(T, 23, 3)]
        Joint positions, any unit.

    Returns
    -------
    repaired : np.ndarray [shape=(T, 23, 3)]
        A copy with consistent foot labels.
    swapped : int
        Number of (frame, foot) pairs whose labels were swapped back.
    """
    out = points.copy()
    count = 0
    for _hip, _knee, ankle, first, second in DWM_LEGS:
        segment = _continuity_segments(points[:, first], points[:, second])
        gap = np.linalg.norm(
            points[:, first] - points[:, ankle], axis=-1
        ) - np.linalg.norm(points[:, second] - points[:, ankle], axis=-1)
        first_is_toe = np.median(gap) > 0
        for seg in np.unique(segment):
            frames = segment == seg
            if (np.median(gap[frames]) > 0) != first_is_toe:
                out[frames, first], out[frames, second] = (
                    points[frames, second],
                    points[frames, first],
                )
                count += int(frames.sum())
    return out, count


def _side_sign(values: np.ndarray) -> tuple[bool, float]:
    """Whether the median of ``values`` is positive, and the share of frames agreeing."""
    positive = bool(np.median(values) > 0)
    agreement = float(np.mean((values > 0) == positive))
    return positive, agreement


def resolve_layout(points: np.ndarray) -> DwmLayout:
    """Decide which Dance-with-Melody chains are left and which are right.

    The toes are the foot point farther from the ankle; the facing direction is the
    horizontal toe-minus-heel direction of both feet; ``left = up x forward``. The hip
    on the left side takes the left leg, and the shoulder and head point nearer to it
    are the left ones.

    Parameters
    ----------
    points : np.ndarray [shape=(T, 23, 3)]
        Joint positions, metres, y up (any origin).

    Returns
    -------
    layout : DwmLayout

    Raises
    ------
    DataError
        When toe and heel cannot be told apart or the sides are ambiguous.
    """
    feet = [_toe_heel(points, leg) for leg in DWM_LEGS]
    forward = sum(points[:, toe] - points[:, heel] for toe, heel in feet)
    forward = _unit(forward * np.array([1.0, 0.0, 1.0]))  # horizontal
    left = np.cross(UP, forward)  # (T, 3)
    hip_a, hip_b = DWM_LEGS[0][0], DWM_LEGS[1][0]
    b_is_left, agreement = _side_sign(
        np.sum((points[:, hip_b] - points[:, hip_a]) * left, axis=-1)
    )
    if agreement < MIN_SIDE_AGREEMENT:
        raise DataError(
            f"left and right are ambiguous: only {agreement:.0%} of the frames agree on which "
            "hip is on the left of the facing direction given by the feet."
        )
    left_leg, right_leg = (1, 0) if b_is_left else (0, 1)
    hip_axis = points[:, DWM_LEGS[left_leg][0]] - points[:, DWM_LEGS[right_leg][0]]
    arm_b_left, _ = _side_sign(
        np.sum((points[:, DWM_ARMS[1][0]] - points[:, DWM_ARMS[0][0]]) * hip_axis, -1)
    )
    head_b_left, _ = _side_sign(
        np.sum(
            (points[:, DWM_HEAD_POINTS[1]] - points[:, DWM_HEAD_POINTS[0]]) * hip_axis,
            -1,
        )
    )
    left_arm, right_arm = (1, 0) if arm_b_left else (0, 1)

    def leg(i: int) -> tuple[int, int, int, int, int]:
        hip, knee, ankle = DWM_LEGS[i][:3]
        return (hip, knee, ankle, *feet[i])

    def arm(i: int) -> tuple[int, int, int]:
        shoulder, elbow, _forearm, wrist = DWM_ARMS[i]
        return (shoulder, elbow, wrist)

    head = DWM_HEAD_POINTS[::-1] if head_b_left else DWM_HEAD_POINTS
    return DwmLayout(
        legs={"left": leg(left_leg), "right": leg(right_leg)},
        arms={"left": arm(left_arm), "right": arm(right_arm)},
        head=(int(head[0]), int(head[1])),
        side_agreement=agreement,
    )


# --- retargeting ----------------------------------------------------------------------


_REST = SMPL_SKELETON.rest_joints()  # (24, 3), metres
_REST_HIP_MID = 0.5 * (_REST[LEFT_HIP] + _REST[RIGHT_HIP])


def _rest_length(a: int | np.ndarray, b: int) -> float:
    start = _REST[a] if isinstance(a, int) else a
    return float(np.linalg.norm(_REST[b] - start))


def retarget(points: np.ndarray, layout: DwmLayout) -> np.ndarray:
    """Target SMPL joint positions: the data's motion on SMPL proportions.

    The hip midpoint stays where the data has it. Rigid bones (hip midpoint to hips and
    to the waist, which SMPL's pelvis carries, and the limbs hip-knee-ankle-toe,
    shoulder-elbow-wrist) take the data's direction and the SMPL rest length. The links
    that bend with the spine (waist to shoulders, shoulder midpoint to head) keep the
    data's vectors scaled by one factor each: SMPL rest length over the link's median
    length in the sequence. Finally the whole body is
    shifted vertically so that the feet meet the data's floor (median over frames of the
    lowest ankle or toe).

    Parameters
    ----------
    points : np.ndarray [shape=(T, 23, 3)]
        Absolute joint positions, metres, y up.
    layout : DwmLayout

    Returns
    -------
    targets : np.ndarray [shape=(T, 24, 3)]
        Metres; NaN for SMPL joints without a data counterpart (see ``FITTED_JOINTS``).
    """
    out = np.full((len(points), len(_REST), 3), np.nan)
    legs, arms = layout.legs, layout.arms
    hip_mid = 0.5 * (points[:, legs["left"][0]] + points[:, legs["right"][0]])
    waist = points[:, DWM_WAIST]
    head_mid = 0.5 * (points[:, layout.head[0]] + points[:, layout.head[1]])
    for side in ("left", "right"):
        hip = _J[f"{side}_hip"]
        out[:, hip] = _bone(
            hip_mid,
            points[:, legs[side][0]] - hip_mid,
            _rest_length(_REST_HIP_MID, hip),
        )
    out[:, SPINE1] = _bone(
        hip_mid, waist - hip_mid, _rest_length(_REST_HIP_MID, SPINE1)
    )
    for side in ("left", "right"):
        hip, knee, ankle, toe, _heel = legs[side]
        _chain(out, points, [hip, knee, ankle, toe], [_J[n] for n in _LEG_JOINTS[side]])
        shoulder, elbow, wrist = arms[side]
        joints = [_J[n] for n in _ARM_JOINTS[side]]
        out[:, joints[0]] = _link(
            out[:, SPINE1], points[:, shoulder] - waist, _rest_length(SPINE1, joints[0])
        )
        _chain(out, points, [shoulder, elbow, wrist], joints)
    shoulders = [_J["left_shoulder"], _J["right_shoulder"]]
    data_shoulder_mid = 0.5 * (points[:, arms["left"][0]] + points[:, arms["right"][0]])
    rest_shoulder_mid = _REST[shoulders].mean(axis=0)
    out[:, HEAD] = _link(
        out[:, shoulders].mean(axis=1),
        head_mid - data_shoulder_mid,
        _rest_length(rest_shoulder_mid, HEAD),
    )
    out[:, :, 1] += _floor_shift(points, out, layout)
    return out


def _link(start: np.ndarray, vector: np.ndarray, rest_length: float) -> np.ndarray:
    """``start`` plus ``vector`` (T, 3) scaled so its median length is ``rest_length``."""
    median = float(np.median(np.linalg.norm(vector, axis=-1)))
    return start + vector * (rest_length / max(median, _EPS))


def _bone(start: np.ndarray, vector: np.ndarray, rest_length: float) -> np.ndarray:
    """``start`` plus ``rest_length`` along each ``vector`` (T, 3): a rigid bone."""
    return start + rest_length * _unit(vector)


def _chain(
    out: np.ndarray, points: np.ndarray, data_chain: list[int], smpl_chain: list[int]
) -> None:
    """Fill ``out`` down a limb from its placed first joint: data directions, SMPL lengths."""
    for (a, b), (ja, jb) in zip(pairwise(data_chain), pairwise(smpl_chain)):
        out[:, jb] = _bone(
            out[:, ja], points[:, b] - points[:, a], _rest_length(ja, jb)
        )


def _floor_shift(points: np.ndarray, targets: np.ndarray, layout: DwmLayout) -> float:
    """Vertical shift (metres) that puts the retargeted feet on the data's floor."""
    data_feet = [
        i
        for side in ("left", "right")
        for i in (layout.legs[side][2], layout.legs[side][3])
    ]
    smpl_feet = [
        _J[n] for side in ("left", "right") for n in (f"{side}_ankle", f"{side}_foot")
    ]
    data_low = points[:, data_feet, 1].min(axis=1)
    smpl_low = targets[:, smpl_feet, 1].min(axis=1)
    return float(np.median(data_low - smpl_low))


# --- the fit --------------------------------------------------------------------------


class _Body:
    """World rotations and positions of the SMPL joints, filled in tree order."""

    def __init__(self, n_frames: int) -> None:
        self.world = np.tile(np.eye(3), (n_frames, len(_REST), 1, 1))
        self.pos = np.zeros((n_frames, len(_REST), 3))

    def place(self, *joints: int) -> None:
        """Positions of ``joints`` from their parents' positions and world rotations."""
        for j in joints:
            p = SMPL_SKELETON.parents[j]
            self.pos[:, j] = (
                self.pos[:, p] + self.world[:, p] @ SMPL_SKELETON.offsets[j]
            )

    def inherit(self, *joints: int) -> None:
        """Give ``joints`` their parent's world rotation (rest local rotation)."""
        for j in joints:
            self.world[:, j] = self.world[:, SMPL_SKELETON.parents[j]]

    def local(self) -> np.ndarray:
        """Local rotations (T, 24, 3, 3)."""
        out = self.world.copy()
        for j, p in enumerate(SMPL_SKELETON.parents):
            if p >= 0:
                out[:, j] = np.swapaxes(self.world[:, p], -1, -2) @ self.world[:, j]
        return out


def _fit_pelvis(body: _Body, targets: np.ndarray) -> None:
    """Pelvis world rotation and position: rigid fit of hips and spine1."""
    joints = [LEFT_HIP, RIGHT_HIP, SPINE1]
    rest = _REST[joints] - _REST[0]  # (3, 3)
    tgt = targets[:, joints]
    rest_c = rest - rest.mean(axis=0)
    tgt_c = tgt - tgt.mean(axis=1, keepdims=True)
    rot = _kabsch(rest_c, tgt_c, np.ones(len(joints)))
    body.world[:, 0] = rot
    body.pos[:, 0] = tgt.mean(axis=1) - rot @ rest.mean(axis=0)
    body.place(LEFT_HIP, RIGHT_HIP, SPINE1)


def _fit_spine(body: _Body, targets: np.ndarray) -> None:
    """Spine1-3 share one chest rotation fitted to the shoulders and the head."""
    joints = [_J["left_shoulder"], _J["right_shoulder"], HEAD]
    chain = (SPINE1, SPINE2, SPINE3)
    share = np.tile(
        np.eye(3), (len(targets), 1, 1)
    )  # each spine joint's local rotation
    for _ in range(SPINE_ITERATIONS):
        for j in chain:
            body.world[:, j] = body.world[:, SMPL_SKELETON.parents[j]] @ share
        body.place(SPINE2, SPINE3, NECK, LEFT_COLLAR, RIGHT_COLLAR)
        body.inherit(NECK, LEFT_COLLAR, RIGHT_COLLAR)
        body.place(*joints)
        current = body.pos[:, joints] - body.pos[:, [SPINE1]]
        wanted = targets[:, joints] - body.pos[:, [SPINE1]]
        fix = _kabsch(
            current, wanted, np.ones(len(joints))
        )  # residual turn about spine1
        chest = np.swapaxes(body.world[:, 0], -1, -2) @ fix @ body.world[:, SPINE3]
        share = _fraction(chest, 1.0 / SPINE_JOINTS)
    for j in chain:
        body.world[:, j] = body.world[:, SMPL_SKELETON.parents[j]] @ share
    body.place(SPINE2, SPINE3, NECK, LEFT_COLLAR, RIGHT_COLLAR)


def _fit_neck(
    body: _Body, targets: np.ndarray, points: np.ndarray, layout: DwmLayout
) -> None:
    """Collars at rest; the neck aims the head at its target, turned by the head points."""
    body.inherit(LEFT_COLLAR, RIGHT_COLLAR)
    body.place(_J["left_shoulder"], _J["right_shoulder"])
    body.world[:, NECK] = _aim(
        SMPL_SKELETON.offsets[HEAD],
        REST_LEFT,
        targets[:, HEAD] - body.pos[:, NECK],
        _head_left(points, layout, body.world[:, SPINE3]),
    )
    body.place(HEAD)
    body.inherit(HEAD)


def _cross_matrix(v: np.ndarray) -> np.ndarray:
    """Matrices (..., 3, 3) with ``_cross_matrix(v) @ u == cross(v, u)``."""
    out = np.zeros(v.shape[:-1] + (3, 3))
    out[..., 0, 1], out[..., 0, 2], out[..., 1, 2] = -v[..., 2], v[..., 1], -v[..., 0]
    return out - np.swapaxes(out, -1, -2)


def _is_ancestor(joint: int, of: int) -> bool:
    """Whether ``joint`` lies on the chain from the root to ``of`` (``of`` excluded)."""
    while of >= 0:
        of = SMPL_SKELETON.parents[of]
        if of == joint:
            return True
    return False


def _upper_residual(body: _Body, targets: np.ndarray) -> np.ndarray:
    """Shoulder and head misfit (T, 9), metres."""
    return (targets[:, _UPPER_ENDS] - body.pos[:, _UPPER_ENDS]).reshape(
        len(targets), -1
    )


def _upper_jacobian(body: _Body) -> np.ndarray:
    """d(shoulders, head) / d(small world turns of the upper joints), shape (T, 9, 18)."""
    jac = np.zeros((len(body.pos), 3 * len(_UPPER_ENDS), 3 * len(_UPPER_JOINTS)))
    for ei, end in enumerate(_UPPER_ENDS):
        for ji, joint in enumerate(_UPPER_JOINTS):
            if _is_ancestor(joint, end):
                # Turning the subtree of ``joint`` by a small world vector w moves ``end``
                # by w x (end - joint).
                lever = body.pos[:, end] - body.pos[:, joint]
                jac[:, 3 * ei : 3 * ei + 3, 3 * ji : 3 * ji + 3] = -_cross_matrix(lever)
    return jac


def _turn_upper(body: _Body, turns: np.ndarray) -> None:
    """Turn each upper joint's subtree by a world rotation (T, 6, 3, 3) about the joint."""
    local = []
    for ji, j in enumerate(_UPPER_JOINTS):
        parent = body.world[:, SMPL_SKELETON.parents[j]]
        parent_t = np.swapaxes(parent, -1, -2)
        local.append(parent_t @ turns[:, ji] @ parent @ (parent_t @ body.world[:, j]))
    for j, rot in zip(_UPPER_JOINTS, local):  # parents come before children
        body.world[:, j] = body.world[:, SMPL_SKELETON.parents[j]] @ rot
    body.place(SPINE2, SPINE3, NECK, LEFT_COLLAR, RIGHT_COLLAR, *_UPPER_ENDS)
    body.inherit(HEAD)


def _refine_upper_body(body: _Body, targets: np.ndarray) -> None:
    """Levenberg-Marquardt steps on spine, collars and neck towards shoulders and head.

    The cost adds a price on how far each joint has turned from the closed-form start
    (collars dearer than the spine), so the steps cannot drift through the directions
    the three targets do not see, which would make those joints jitter between frames.
    """
    n = len(targets)
    prior = (
        np.repeat([_PRIOR_WEIGHTS[j] for j in _UPPER_JOINTS], 3) * REFINE_PRIOR
    )  # (18,)
    turned = np.zeros((n, prior.size))  # accumulated turn of each joint from the start
    damping = np.full(n, REFINE_DAMPING)
    residual = _upper_residual(body, targets)
    cost = np.sum(residual**2, axis=-1)
    for _ in range(REFINE_ITERATIONS):
        jac = _upper_jacobian(body)
        jt = np.swapaxes(jac, -1, -2)
        normal = jt @ jac + np.diag(prior) + damping[:, None, None] * np.eye(prior.size)
        rhs = (jt @ residual[..., None])[..., 0] - prior * turned
        step = np.linalg.solve(normal, rhs[..., None])[..., 0]
        saved_world, saved_pos = body.world.copy(), body.pos.copy()
        _turn_upper(body, axis_angle_to_matrix(step.reshape(n, -1, 3)))
        new_residual = _upper_residual(body, targets)
        new_cost = np.sum(new_residual**2, axis=-1) + np.sum(
            prior * (turned + step) ** 2, axis=-1
        )
        better = new_cost < cost + np.sum(prior * turned**2, axis=-1)
        # Keep the step where it helped; elsewhere undo it and damp harder.
        body.world[~better], body.pos[~better] = (
            saved_world[~better],
            saved_pos[~better],
        )
        residual[better] = new_residual[better]
        cost[better] = np.sum(new_residual[better] ** 2, axis=-1)
        turned[better] += step[better]
        damping = np.where(
            better, damping / REFINE_DAMPING_FACTOR, damping * REFINE_DAMPING_FACTOR
        )


def _head_left(points: np.ndarray, layout: DwmLayout, chest: np.ndarray) -> np.ndarray:
    """The head's left direction (T, 3): the chest's, turned by a bounded yaw.

    The yaw is read from the axis between the two head points.
    """
    axis = points[:, layout.head[0]] - points[:, layout.head[1]]
    axis = axis / max(float(np.median(np.linalg.norm(axis, axis=-1))), _EPS)
    left, forward = chest @ REST_LEFT, chest @ REST_FORWARD
    # tan(yaw) = (a.left)(a.forward): about the axis' own angle for small turns, at most
    # 27 degrees, the same for swapped labels, and small when the points collapse or lie
    # front to back, which the head points of some sequences do.
    turn = np.sum(axis * left, axis=-1, keepdims=True) * np.sum(
        axis * forward, axis=-1, keepdims=True
    )
    return left + turn * forward


def _transported_reference(axis: np.ndarray) -> np.ndarray:
    """Unit vectors (T, 3) perpendicular to ``axis``, turning as little as possible."""
    out = np.empty_like(axis)
    ref = _any_perpendicular(axis[0])
    for t in range(len(axis)):
        ref = ref - np.dot(ref, axis[t]) * axis[t]
        norm = np.linalg.norm(ref)
        ref = ref / norm if norm > _EPS else _any_perpendicular(axis[t])
        out[t] = ref
    return out


def _any_perpendicular(u: np.ndarray) -> np.ndarray:
    """A unit vector perpendicular to the unit vector ``u``."""
    return _unit(np.cross(u, np.eye(3)[np.argmin(np.abs(u))]))


def _smooth_angles(
    target: np.ndarray, weight: np.ndarray, stiffness: float
) -> np.ndarray:
    """Angles phi (T,) minimising sum w (phi - target)^2 + stiffness * sum dphi^2.

    ``dphi`` is the change between consecutive frames; the system is tridiagonal.
    """
    n = len(target)
    lower = np.full(n, -stiffness)
    diag = (
        weight + stiffness * np.r_[1.0, np.full(n - 2, 2.0), 1.0]
        if n > 1
        else weight.copy()
    )
    rhs = weight * target
    # Thomas algorithm: the system is diagonally dominant, so no pivoting is needed.
    c_prime, d_prime = np.empty(n), np.empty(n)
    c_prime[0], d_prime[0] = lower[0] / diag[0], rhs[0] / diag[0]
    for t in range(1, n):
        m = diag[t] - lower[t] * c_prime[t - 1]
        c_prime[t] = lower[t] / m
        d_prime[t] = (rhs[t] - lower[t] * d_prime[t - 1]) / m
    out = np.empty(n)
    out[-1] = d_prime[-1]
    for t in range(n - 2, -1, -1):
        out[t] = d_prime[t] - c_prime[t] * out[t + 1]
    return out


def _wrap(angle: np.ndarray) -> np.ndarray:
    """Angles wrapped to [-pi, pi)."""
    return (angle + np.pi) % (2 * np.pi) - np.pi


def _twist_directions(primary: np.ndarray, cue: np.ndarray) -> np.ndarray:
    """Unit twist directions (T, 3) perpendicular to ``primary``, following a long ``cue``.

    The twist is an angle about the primary axis, measured from a reference carried along
    with the least turning. Each frame's cue gives a wanted angle with weight |cue|; the
    angles are solved for all frames at once with a smoothness penalty, so a limb that is
    nearly straight for a while (no usable cue) turns smoothly from the twist it had
    before to the twist it has after.
    """
    axis = _unit(primary)
    ref = _transported_reference(axis)
    side = np.cross(axis, ref)
    cue = _perp(cue, axis)
    weight = np.linalg.norm(cue, axis=-1) + TWIST_WEIGHT_FLOOR
    wanted = np.arctan2(np.sum(cue * side, -1), np.sum(cue * ref, -1))
    # Start from the wanted angles unwrapped along time, then refit: each refit picks the
    # turn of each wanted angle nearest the current solution.
    phi = np.unwrap(wanted)
    for _ in range(TWIST_ITERATIONS):
        phi = _smooth_angles(phi + _wrap(wanted - phi), weight, TWIST_STIFFNESS)
    return np.cos(phi)[:, None] * ref + np.sin(phi)[:, None] * side


def _fit_leg(
    body: _Body, targets: np.ndarray, points: np.ndarray, side: str, layout: DwmLayout
) -> None:
    """Hip, knee and ankle rotations of one leg."""
    hip, knee, ankle, foot = (_J[n] for n in _LEG_JOINTS[side])
    _d_hip, d_knee, d_ankle, d_toe, d_heel = layout.legs[side]
    thigh = targets[:, knee] - body.pos[:, hip]
    shin_dir = _unit(points[:, d_ankle] - points[:, d_knee])
    foot_fwd = points[:, d_toe] - points[:, d_heel]
    # A bent knee points forward, away from where the shin goes.
    bend = _perp(-shin_dir, _unit(thigh))
    cue = bend * np.linalg.norm(
        bend, axis=-1, keepdims=True
    ) + FOOT_TWIST_WEIGHT * _unit(_perp(foot_fwd, _unit(thigh)))
    twist = _twist_directions(thigh, cue)
    body.world[:, hip] = _aim(SMPL_SKELETON.offsets[knee], REST_FORWARD, thigh, twist)
    body.place(knee)
    # The knee is a hinge about the thigh's left-right axis, which the twist above has
    # turned square to the bend; keeping it makes even a fully bent knee well defined.
    body.world[:, knee] = _aim(
        SMPL_SKELETON.offsets[ankle],
        REST_LEFT,
        targets[:, ankle] - body.pos[:, knee],
        body.world[:, hip] @ REST_LEFT,
    )
    body.place(ankle)
    # The toe-ankle-heel plane's normal points to the body's left for either foot.
    lateral = _unit(
        np.cross(
            points[:, d_toe] - points[:, d_ankle],
            points[:, d_heel] - points[:, d_ankle],
        )
    )
    shin_left = body.world[:, knee] @ REST_LEFT
    # A foot cannot roll half a turn against its shin: a contrary foot plane (tracking
    # noise) is ignored and the shin's left direction used instead.
    trust = np.clip(np.sum(lateral * shin_left, axis=-1, keepdims=True), 0.0, 1.0)
    roll = trust * lateral + SHIN_ROLL_WEIGHT * shin_left
    body.world[:, ankle] = _aim(
        SMPL_SKELETON.offsets[foot],
        REST_LEFT,
        targets[:, foot] - body.pos[:, ankle],
        roll,
    )
    body.place(foot)
    body.inherit(foot)


def _fit_arm(
    body: _Body, targets: np.ndarray, points: np.ndarray, side: str, layout: DwmLayout
) -> None:
    """Shoulder and elbow rotations of one arm; wrist and hand keep their rest pose."""
    shoulder, elbow, wrist = (_J[n] for n in _ARM_JOINTS[side])
    _d_shoulder, d_elbow, d_wrist = layout.arms[side]
    upper = targets[:, elbow] - body.pos[:, shoulder]
    forearm_dir = _unit(points[:, d_wrist] - points[:, d_elbow])
    # In the rest (T) pose a bending elbow swings the forearm forward (+z).
    bend = _perp(forearm_dir, _unit(upper))
    twist = _twist_directions(
        upper, bend * np.linalg.norm(bend, axis=-1, keepdims=True)
    )
    body.world[:, shoulder] = _aim(
        SMPL_SKELETON.offsets[elbow], REST_FORWARD, upper, twist
    )
    body.place(elbow)
    # The elbow is a hinge about the upper arm's up axis (square to the T-pose bend).
    body.world[:, elbow] = _aim(
        SMPL_SKELETON.offsets[wrist],
        UP,
        targets[:, wrist] - body.pos[:, elbow],
        body.world[:, shoulder] @ UP,
    )
    body.place(wrist)
    hand = _J[f"{side}_hand"]
    body.inherit(wrist, hand)
    body.place(hand)


def smpl_to_dwm(
    *, rotations: np.ndarray, transl: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The Dance-with-Melody points of an SMPL pose: the inverse of the fit's joint mapping.

    Side A of the file layout (points 3-6, 7-11, head point 0) is the right side, as in
    the released data. The waist is SMPL's spine1, the head points sit
    ``SYNTH_HEAD_HALF_WIDTH_M`` left and right of the head joint, the heel
    ``SYNTH_HEEL_M`` from the ankle in the ankle's frame, the forearm point halfway
    along the forearm and the hand points at the SMPL hands.

    Parameters
    ----------
    rotations : np.ndarray [shape=(T, 24, 3, 3)]
        Local joint rotations.
    transl : np.ndarray [shape=(T, 3)]
        Root translation, metres.

    Returns
    -------
    joints : np.ndarray [shape=(T, 23, 3)]
        Centimetres, relative to ``center``.
    center : np.ndarray [shape=(T, 3)]
        The pelvis, centimetres.
    """
    world = global_rotations(rotations)
    pos = forward_kinematics(rotations=rotations, transl=transl).astype(np.float64)
    out = np.empty((len(pos), DWM_N_JOINTS, 3))
    head_side = world[:, HEAD] @ (SYNTH_HEAD_HALF_WIDTH_M * REST_LEFT)
    out[:, DWM_HEAD_POINTS[0]] = pos[:, HEAD] - head_side
    out[:, DWM_HEAD_POINTS[1]] = pos[:, HEAD] + head_side
    out[:, DWM_WAIST] = pos[:, SPINE1]
    for side, leg, arm in (
        ("right", DWM_LEGS[0], DWM_ARMS[0]),
        ("left", DWM_LEGS[1], DWM_ARMS[1]),
    ):
        hip, knee, ankle, foot = (_J[n] for n in _LEG_JOINTS[side])
        out[:, list(leg[:3])] = pos[:, [hip, knee, ankle]]
        out[:, leg[3]] = world[:, ankle] @ SYNTH_HEEL_M + pos[:, ankle]
        out[:, leg[4]] = pos[:, foot]
        shoulder, elbow, wrist = (_J[n] for n in _ARM_JOINTS[side])
        out[:, [arm[0], arm[1], arm[3]]] = pos[:, [shoulder, elbow, wrist]]
        out[:, arm[2]] = 0.5 * (pos[:, elbow] + pos[:, wrist])
    out[:, DWM_HAND_POINTS[0]] = pos[:, _J["left_hand"]]
    out[:, DWM_HAND_POINTS[1]] = pos[:, _J["right_hand"]]
    center = pos[:, 0]
    return (out - center[:, None]) / DWM_UNIT_M, center / DWM_UNIT_M


def smooth_rotations(rotations: np.ndarray, *, sigma: float) -> np.ndarray:
    """Gaussian smoothing of rotations along time, joint by joint.

    Quaternions are made continuous in time (no sign flips), averaged with Gaussian
    weights and renormalised; near the ends the kernel is cut and renormalised.

    Parameters
    ----------
    rotations : np.ndarray [shape=(T, ..., 3, 3)]
    sigma : float
        Standard deviation in frames; 0 returns a copy.

    Returns
    -------
    smoothed : np.ndarray [shape=(T, ..., 3, 3)]
    """
    if sigma < 0:
        raise ParameterError(f"sigma must be >= 0 frames, got {sigma}.")
    if sigma == 0 or len(rotations) < 2:
        return np.array(rotations, dtype=np.float64)
    q = matrix_to_quaternion(np.asarray(rotations, dtype=np.float64))
    dots = np.sum(q[1:] * q[:-1], axis=-1)
    signs = np.cumprod(
        np.concatenate([np.ones_like(dots[:1]), np.where(dots < 0, -1.0, 1.0)]), axis=0
    )
    q = q * signs[..., None]
    radius = int(np.ceil(SMOOTHING_RADIUS_SIGMAS * sigma))
    total = np.zeros_like(q)
    for shift in range(-radius, radius + 1):
        weight = np.exp(-0.5 * (shift / sigma) ** 2)
        lo, hi = max(0, -shift), min(len(q), len(q) - shift)
        total[lo:hi] += weight * q[lo + shift : hi + shift]
    return quaternion_to_matrix(total)


def fit_dwm(
    *, joints: np.ndarray, center: np.ndarray, smoothing: float = SMOOTHING_SIGMA
) -> IkFit:
    """Fit SMPL joint rotations and root translation to Dance-with-Melody positions.

    Parameters
    ----------
    joints : np.ndarray [shape=(T, 23, 3)]
        The dataset's ``skeletons``: centimetres, y up, relative to ``center``.
    center : np.ndarray [shape=(T, 3)]
        The dataset's ``center``: the absolute root position, centimetres.
    smoothing : float
        Standard deviation in frames of the Gaussian smoothing of the fitted rotations
        (see :func:`smooth_rotations`); 0 for none.

    Returns
    -------
    fit : IkFit
        Rotations, translation (metres), the retargeted targets and the left/right layout.

    Raises
    ------
    ParameterError
        When the arrays have the wrong shape or hold NaN or infinite values.
    DataError
        When left and right cannot be decided from the data.
    """
    joints = np.asarray(joints, dtype=np.float64)
    center = np.asarray(center, dtype=np.float64)
    if joints.ndim != 3 or joints.shape[1:] != (DWM_N_JOINTS, 3) or len(joints) == 0:
        raise ParameterError(
            f"joints must have shape (T, {DWM_N_JOINTS}, 3) with T >= 1, got {joints.shape}."
        )
    if center.shape != (len(joints), 3):
        raise ParameterError(
            f"center must have shape ({len(joints)}, 3), got {center.shape}."
        )
    if not (np.isfinite(joints).all() and np.isfinite(center).all()):
        raise ParameterError(
            "joints and center must hold finite numbers only (no NaN or inf)."
        )
    points = (joints + center[:, None, :]) * DWM_UNIT_M
    points, swapped = repair_foot_labels(points)
    if swapped:
        _LOGGER.debug("IK: toe and heel labels swapped back in %d frames", swapped)
    layout = resolve_layout(points)
    targets = retarget(points, layout)
    body = _Body(len(points))
    _fit_pelvis(body, targets)
    _fit_spine(body, targets)
    _fit_neck(body, targets, points, layout)
    _refine_upper_body(body, targets)
    for side in ("left", "right"):
        _fit_leg(body, targets, points, side, layout)
        _fit_arm(body, targets, points, side, layout)
    transl = body.pos[:, 0] - SMPL_SKELETON.root_rest
    rotations = smooth_rotations(body.local(), sigma=smoothing)
    fit = IkFit(transl=transl, rotations=rotations, targets=targets, layout=layout)
    _LOGGER.debug(
        "IK fit: %d frames, mean error %.2f cm",
        len(points),
        100 * fit.frame_errors().mean(),
    )
    return fit
