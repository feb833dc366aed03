"""Dance metrics of the paper and physical sanity checks, on joint positions.

The paper (Wu, Liu, Lu, Cheng, "Dual Learning Music Composition and Dance Choreography",
ACM MM 2021) scores generated dances with

- a "Fréchet distance" (FD) that is the mean 3D distance of the generated joints to the
  ground-truth joints (:func:`mean_joint_distance`; paper: 140.5),
- a diversity: how far apart generations from different start poses lie
  (:func:`generation_diversity`),
- the beat alignment ratio (:func:`paper_beat_alignment`, from :mod:`livedual.rhythm`;
  paper: 64.5 %, ground truth 68.7 %).

The paper does not state the unit of its distances. Its dance data (Dance with Melody)
is in centimetres, so livedual reports FD and diversity in **centimetres** (inputs are
metres, scaled by :data:`CM_PER_METRE`); pass ``scale=1000.0`` for millimetres.

Physical sanity (:func:`foot_skating`, :func:`ground_penetration` with
:func:`estimate_floor`, :func:`joint_speed_stats`) follows the usual checks of the motion-synthesis literature
(e.g. foot sliding during contact, feet below the floor): a dance can score well on the
above and still slide or sink.

All joints are world positions in metres, y up, ``(T, J, 3)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np

from ..errors import ParameterError
from ..rhythm import (
    BEAT_TOLERANCE_FRAMES,
    beat_alignment_ratio,
    joint_speed,
    kinematic_beats,
)
from ..skeleton import FOOT_JOINTS

CM_PER_METRE = 100.0  # the paper's unit for distances (its data is in centimetres)
UP_AXIS = 1  # y up, as in SMPL, AIST++ and livedual's pose vector
CONTACT_HEIGHT = 0.05  # m: a foot joint this close to the floor touches it
FLOOR_PERCENTILE = 1.0  # estimated floor: this percentile of the foot joints' heights
SPEED_PERCENTILE = 95.0  # the "high" speed reported besides mean and maximum


def mean_joint_distance(
    generated: np.ndarray, reference: np.ndarray, *, scale: float = CM_PER_METRE
) -> float:
    """The paper's "Fréchet distance": mean Euclidean joint distance to the ground truth.

    ``FD = mean over frames t and joints j of || generated[t, j] - reference[t, j] ||``,
    times ``scale`` (Wu et al. 2021, Sec. 5; paper value 140.5). Identical sequences give
    0; a sequence moved rigidly by a vector ``v`` gives ``|v|``.

    Parameters
    ----------
    generated, reference : np.ndarray [shape=(..., T, J, 3)]
        Joint positions in metres, same shape (leading dimensions average too).
    scale : float > 0
        Unit factor of the result: 100 for centimetres (default), 1000 for millimetres.

    Returns
    -------
    distance : float
        In ``scale`` units of a metre (centimetres by default).
    """
    generated, reference = _check_pair(generated, reference)
    _check_scale(scale)
    return float(np.linalg.norm(generated - reference, axis=-1).mean() * scale)


def generation_diversity(
    generations: np.ndarray, *, scale: float = CM_PER_METRE
) -> float:
    """Spread of several generations for the same music: mean pairwise joint distance.

    For generations ``g_1 .. g_G`` (the paper: 5, from different start poses) the
    diversity of one trial is the mean over the ``G (G - 1) / 2`` pairs of
    :func:`mean_joint_distance` between them; with leading trial dimensions the trials are
    averaged (Wu et al. 2021, Sec. 5). Identical generations give 0.

    Parameters
    ----------
    generations : np.ndarray [shape=(..., G, T, J, 3)]
        ``G >= 2`` generations per trial, joint positions in metres.
    scale : float > 0
        Unit factor of the result (centimetres by default).

    Returns
    -------
    diversity : float
        In ``scale`` units of a metre.
    """
    generations = np.asarray(generations, dtype=np.float64)
    if generations.ndim < 4 or generations.shape[-1] != 3 or generations.shape[-4] < 2:
        raise ParameterError(
            "generations must have shape (..., G >= 2, T, J, 3), got "
            f"{generations.shape}."
        )
    _check_scale(scale)
    pairs = list(combinations(range(generations.shape[-4]), 2))
    distances = [
        np.linalg.norm(
            generations[..., a, :, :, :] - generations[..., b, :, :, :], axis=-1
        ).mean()
        for a, b in pairs
    ]
    return float(np.mean(distances) * scale)


def paper_beat_alignment(
    joints: np.ndarray,
    music_beats: np.ndarray,
    *,
    fps: float,
    tolerance_frames: int = BEAT_TOLERANCE_FRAMES,
) -> float:
    """The paper's beat alignment ratio of a dance: kinematic beats near a music beat.

    Kinematic beats are the local minima of the mean joint speed
    (:func:`livedual.rhythm.kinematic_beats`); the ratio is the share of them within
    ``tolerance_frames`` (5 at 25 fps) of a music beat (Wu et al. 2021; paper 64.5 %,
    ground truth 68.7 %). See :mod:`livedual.metrics.rhythm_sync` for what it can and
    cannot tell.

    Parameters
    ----------
    joints : np.ndarray [shape=(T, J, 3)]
        World joint positions in metres (root motion included).
    music_beats : np.ndarray [shape=(B,), int]
        Music beat frames at the same rate.
    fps : float
        Frame rate in Hz.
    tolerance_frames : int
        Window around a music beat, in frames.

    Returns
    -------
    ratio : float
        In [0, 1].
    """
    return beat_alignment_ratio(
        kinematic_beats(joints, fps=fps), music_beats, tolerance_frames=tolerance_frames
    )


# --- physical sanity ---------------------------------------------------------------------


def estimate_floor(joints: np.ndarray, *, feet: tuple[int, ...] = FOOT_JOINTS) -> float:
    """Floor height of a dance: the 1st percentile of its foot joints' heights.

    Coordinates differ between datasets (AIST++'s floor lies near y = 0.6 m with SMPL's
    rest skeleton), so the floor is measured on real dances and passed on to the checks
    of generated ones. The percentile ignores a few stray frames.

    Parameters
    ----------
    joints : np.ndarray [shape=(T, J, 3)]
        World joint positions in metres, y up.
    feet : tuple of int
        Joint indices of the feet (SMPL ankles and balls of the feet by default).

    Returns
    -------
    floor : float
        Metres; the foot joints' own height above the sole is not subtracted.
    """
    joints = _check_joints(joints, min_frames=1)
    height = joints[:, _check_indices(feet, joints.shape[1]), UP_AXIS]
    return float(np.percentile(height, FLOOR_PERCENTILE))


@dataclass(frozen=True)
class FootSkating:
    """Horizontal foot speed while the foot touches the floor.

    Attributes
    ----------
    speed : float
        Mean horizontal speed of the foot joints over the frames where they touch the
        floor, m/s (0.0 when they never touch it).
    contact_ratio : float
        Share of (frame, foot joint) samples in contact, in [0, 1].
    """

    speed: float
    contact_ratio: float


def foot_skating(
    joints: np.ndarray,
    *,
    fps: float,
    feet: tuple[int, ...] = FOOT_JOINTS,
    floor: float | None = None,
    contact_height: float = CONTACT_HEIGHT,
) -> FootSkating:
    """Foot skating: how fast the feet slide while they are on the floor.

    A foot joint (SMPL ankles and balls of the feet by default) is in contact at a frame
    when its height is at most ``contact_height`` above the floor; skating is the mean
    horizontal (x, z) speed of the joints over their contact frames, by central
    differences. A planted foot scores 0; a foot gliding on the floor at ``v`` m/s scores
    ``v``.

    Parameters
    ----------
    joints : np.ndarray [shape=(T, J, 3)]
        World joint positions in metres, y up, ``T >= 2``.
    fps : float
        Frame rate in Hz.
    feet : tuple of int
        Joint indices of the feet.
    floor : float or None
        Floor height in metres; None estimates it from these joints
        (:func:`estimate_floor`).
    contact_height : float >= 0
        Contact threshold above the floor, metres.

    Returns
    -------
    skating : FootSkating
    """
    joints = _check_joints(joints)
    if fps <= 0 or contact_height < 0:
        raise ParameterError(
            f"fps must be positive and contact_height 0 or more, got {fps} and "
            f"{contact_height}."
        )
    foot = joints[:, _check_indices(feet, joints.shape[1]), :]  # (T, F, 3)
    if floor is None:
        floor = estimate_floor(joints, feet=feet)
    contact = foot[..., UP_AXIS] - floor <= contact_height
    horizontal = np.delete(np.gradient(foot, axis=0) * fps, UP_AXIS, axis=-1)
    speed = np.linalg.norm(horizontal, axis=-1)  # (T, F)
    mean_speed = float(speed[contact].mean()) if contact.any() else 0.0
    return FootSkating(speed=mean_speed, contact_ratio=float(contact.mean()))


@dataclass(frozen=True)
class GroundPenetration:
    """How far the body goes below the floor.

    Attributes
    ----------
    mean_depth : float
        Mean over frames of the depth of the lowest joint below the floor (0 for frames
        above it), metres.
    max_depth : float
        Largest such depth, metres.
    frame_ratio : float
        Share of frames with some joint below the floor, in [0, 1].
    """

    mean_depth: float
    max_depth: float
    frame_ratio: float


def ground_penetration(
    joints: np.ndarray, *, floor: float, tolerance: float = 0.0
) -> GroundPenetration:
    """Ground penetration: depth of the lowest joint below the floor, frame by frame.

    ``depth[t] = max(0, floor - tolerance - min_j y[t, j])``. Joints are skeleton joints,
    not the skin: a foot joint sits a few centimetres above the sole, so with the floor
    at the foot joints' level (:func:`estimate_floor` of real dances) a small
    ``tolerance`` (a few centimetres) separates noise from sinking.

    Parameters
    ----------
    joints : np.ndarray [shape=(T, J, 3)]
        World joint positions in metres, y up.
    floor : float
        Floor height in metres, e.g. :func:`estimate_floor` of the real dances.
    tolerance : float >= 0
        Depth in metres below which nothing counts.

    Returns
    -------
    penetration : GroundPenetration
    """
    joints = _check_joints(joints, min_frames=1)
    if tolerance < 0:
        raise ParameterError(f"tolerance must be 0 or more, not {tolerance}.")
    depth = np.maximum(0.0, floor - tolerance - joints[..., UP_AXIS].min(axis=1))
    return GroundPenetration(
        mean_depth=float(depth.mean()),
        max_depth=float(depth.max()),
        frame_ratio=float((depth > 0).mean()),
    )


@dataclass(frozen=True)
class SpeedStats:
    """Statistics of the joint speeds of a dance, all in m/s.

    Attributes
    ----------
    mean, median, p95, max : float
        Over every (frame, joint) speed.
    mean_acceleration : float
        Mean norm of the joint accelerations, m/s^2 (jitter shows here first).
    """

    mean: float
    median: float
    p95: float
    max: float
    mean_acceleration: float


def joint_speed_stats(joints: np.ndarray, *, fps: float) -> SpeedStats:
    """Joint-speed statistics: frozen dances are slow, jittery ones accelerate wildly.

    Speeds by central differences (:func:`livedual.rhythm.joint_speed`), accelerations by
    second differences of the positions.

    Parameters
    ----------
    joints : np.ndarray [shape=(T, J, 3)]
        World joint positions in metres, ``T >= 3``.
    fps : float
        Frame rate in Hz.

    Returns
    -------
    stats : SpeedStats
    """
    joints = _check_joints(joints, min_frames=3)
    speed = joint_speed(joints, fps=fps)
    acceleration = np.linalg.norm(np.diff(joints, n=2, axis=0), axis=-1) * fps**2
    return SpeedStats(
        mean=float(speed.mean()),
        median=float(np.median(speed)),
        p95=float(np.percentile(speed, SPEED_PERCENTILE)),
        max=float(speed.max()),
        mean_acceleration=float(acceleration.mean()),
    )


# --- helpers -------------------------------------------------------------------------


def _check_joints(joints: np.ndarray, *, min_frames: int = 2) -> np.ndarray:
    """Joint positions as float64 (T, J, 3) with enough frames."""
    joints = np.asarray(joints, dtype=np.float64)
    if joints.ndim != 3 or joints.shape[-1] != 3 or joints.shape[0] < min_frames:
        raise ParameterError(
            f"joints must have shape (T >= {min_frames}, J, 3), got {joints.shape}."
        )
    return joints


def _check_pair(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two joint arrays of the same shape (..., T, J, 3)."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape or a.ndim < 3 or a.shape[-1] != 3 or a.size == 0:
        raise ParameterError(
            "generated and reference joints must have the same shape (..., T, J, 3), got "
            f"{a.shape} and {b.shape}."
        )
    return a, b


def _check_scale(scale: float) -> None:
    """A positive unit factor."""
    if scale <= 0:
        raise ParameterError(f"scale must be positive, not {scale}.")


def _check_indices(indices: tuple[int, ...], n_joints: int) -> list[int]:
    """Joint indices within range."""
    checked = [int(i) for i in indices]
    if not checked or any(not 0 <= i < n_joints for i in checked):
        raise ParameterError(
            f"joint indices must lie in 0..{n_joints - 1}, got {indices}."
        )
    return checked
