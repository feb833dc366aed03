"""Rhythm of motion: joint speed, kinematic beats and the paper's beat alignment ratio.

Definitions (DESIGN §5, after Wu et al. 2021 and the dance literature it follows):

- **joint speed** at frame ``t``: the length of the central difference
  ``(x[t+1] - x[t-1]) / 2`` of each joint's position, times the frame rate (one-sided
  differences at the two ends), in metres per second. Central differences keep the speed on
  the frame grid, so a motion that stops at frame ``t`` has its lowest speed at ``t``, not
  half a frame later.
- **mean joint speed**: the mean of the joint speeds over the joints.
- **kinematic beats**: the frames where the mean joint speed has a local minimum (the body
  slows down to hit a pose). The paper uses plain local minima; ``smoothing_frames`` adds an
  optional Gaussian smoothing first (0, the default, is none). A flat run of equal values
  lower than both of its neighbours counts once, at its middle frame; the first and last
  frames never count.
- **beat alignment ratio**: the share of kinematic beats that lie within
  ``tolerance_frames`` (5 in the paper, 0.2 s at 25 fps) of a music beat.

Pure numpy; shapes are in frames of the motion's own rate.
"""

from __future__ import annotations

import numpy as np

from .errors import ParameterError

BEAT_TOLERANCE_FRAMES = 5  # the paper's window around a music beat (0.2 s at 25 fps)
BEAT_FLAG_THRESHOLD = 0.5  # a beat-flag value above this marks a beat frame
GAUSSIAN_RADIUS_SIGMAS = 3.0  # the smoothing kernel is cut at three standard deviations


def joint_speed(joints: np.ndarray, *, fps: float) -> np.ndarray:
    """Speed of every joint at every frame, by central differences.

    Parameters
    ----------
    joints : np.ndarray [shape=(T, J, 3)]
        Joint positions in metres, ``T >= 2``.
    fps : float
        Frame rate of ``joints`` in frames per second.

    Returns
    -------
    speed : np.ndarray [shape=(T, J)]
        Metres per second; one-sided differences at the first and last frames.
    """
    joints = _check_joints(joints)
    if fps <= 0:
        raise ParameterError(f"fps must be positive, not {fps}.")
    velocity = np.gradient(joints, axis=0) * fps  # (T, J, 3)
    return np.linalg.norm(velocity, axis=-1)


def mean_joint_speed(joints: np.ndarray, *, fps: float) -> np.ndarray:
    """Mean over the joints of :func:`joint_speed`.

    Parameters
    ----------
    joints : np.ndarray [shape=(T, J, 3)]
        Joint positions in metres.
    fps : float
        Frame rate in frames per second.

    Returns
    -------
    speed : np.ndarray [shape=(T,)]
        Metres per second.
    """
    return joint_speed(joints, fps=fps).mean(axis=1)


def local_minima(signal: np.ndarray) -> np.ndarray:
    """Frames where a 1-D signal has a local minimum.

    A run of equal values counts when both of its neighbours are higher, once, at the run's
    middle frame; runs touching the first or last frame never count.

    Parameters
    ----------
    signal : np.ndarray [shape=(T,)]

    Returns
    -------
    frames : np.ndarray [shape=(K,), int]
        Increasing frame indices.
    """
    signal = np.asarray(signal, dtype=np.float64)
    if signal.ndim != 1:
        raise ParameterError(f"expected a 1-D signal, got shape {signal.shape}.")
    if len(signal) < 3:
        return np.zeros(0, dtype=np.int64)
    # Collapse runs of equal values so that plateaus are judged by their neighbours.
    starts = np.flatnonzero(np.r_[True, np.diff(signal) != 0])
    ends = np.r_[starts[1:], len(signal)] - 1
    values = signal[starts]
    inner = np.arange(1, len(values) - 1)
    is_min = (values[inner] < values[inner - 1]) & (values[inner] < values[inner + 1])
    runs = inner[is_min]
    return ((starts[runs] + ends[runs]) // 2).astype(np.int64)


def kinematic_beats(
    joints: np.ndarray, *, fps: float, smoothing_frames: float = 0.0
) -> np.ndarray:
    """Kinematic beats: local minima of the mean joint speed.

    Parameters
    ----------
    joints : np.ndarray [shape=(T, J, 3)]
        Joint positions in metres.
    fps : float
        Frame rate in frames per second.
    smoothing_frames : float
        Standard deviation, in frames, of a Gaussian applied to the mean joint speed before
        looking for minima; 0 (the paper's plain minima) smooths nothing.

    Returns
    -------
    frames : np.ndarray [shape=(K,), int]
        Frame indices of the kinematic beats, increasing.
    """
    speed = mean_joint_speed(joints, fps=fps)
    if smoothing_frames < 0:
        raise ParameterError(
            f"smoothing_frames must be 0 or more, not {smoothing_frames}."
        )
    if smoothing_frames > 0:
        speed = gaussian_smooth(speed, sigma=smoothing_frames)
    return local_minima(speed)


def gaussian_smooth(signal: np.ndarray, *, sigma: float) -> np.ndarray:
    """Gaussian smoothing of a 1-D signal, edges extended by their end values.

    Parameters
    ----------
    signal : np.ndarray [shape=(T,)]
    sigma : float
        Standard deviation of the kernel in samples (> 0).

    Returns
    -------
    smoothed : np.ndarray [shape=(T,)]
    """
    if sigma <= 0:
        raise ParameterError(f"sigma must be positive, not {sigma}.")
    radius = max(1, int(np.ceil(GAUSSIAN_RADIUS_SIGMAS * sigma)))
    offsets = np.arange(-radius, radius + 1)
    kernel = np.exp(-0.5 * (offsets / sigma) ** 2)
    padded = np.pad(np.asarray(signal, dtype=np.float64), radius, mode="edge")
    return np.convolve(padded, kernel / kernel.sum(), mode="valid")


def beat_frames_from_flags(
    flags: np.ndarray, *, threshold: float = BEAT_FLAG_THRESHOLD
) -> np.ndarray:
    """Frames of a beat-flag track (the music feature or G_D->M's beat output) that are beats.

    Parameters
    ----------
    flags : np.ndarray [shape=(T,)]
        One value per frame, a beat where it exceeds ``threshold``.
    threshold : float

    Returns
    -------
    frames : np.ndarray [shape=(K,), int]
    """
    flags = np.asarray(flags)
    if flags.ndim != 1:
        raise ParameterError(
            f"beat flags must be one value per frame, got shape {flags.shape}."
        )
    return np.flatnonzero(flags > threshold).astype(np.int64)


def beat_alignment_ratio(
    kinematic_beats: np.ndarray,
    music_beats: np.ndarray,
    *,
    tolerance_frames: int = BEAT_TOLERANCE_FRAMES,
) -> float:
    """The paper's beat alignment ratio: share of kinematic beats near a music beat.

    Parameters
    ----------
    kinematic_beats : np.ndarray [shape=(K,), int]
        Frames of the kinematic beats (see :func:`kinematic_beats`).
    music_beats : np.ndarray [shape=(B,), int]
        Frames of the music beats, at the same frame rate.
    tolerance_frames : int
        A kinematic beat is aligned when some music beat is at most this many frames away.

    Returns
    -------
    ratio : float
        In [0, 1]; 0.0 when there is no kinematic beat or no music beat.
    """
    if tolerance_frames < 0:
        raise ParameterError(
            f"tolerance_frames must be 0 or more, not {tolerance_frames}."
        )
    kinematic = np.asarray(kinematic_beats, dtype=np.int64).ravel()
    music = np.sort(np.asarray(music_beats, dtype=np.int64).ravel())
    if len(kinematic) == 0 or len(music) == 0:
        return 0.0
    return float(np.mean(_distance_to_nearest(kinematic, music) <= tolerance_frames))


def _distance_to_nearest(frames: np.ndarray, sorted_targets: np.ndarray) -> np.ndarray:
    """Distance from each frame to the nearest of ``sorted_targets`` (non-empty)."""
    right = np.clip(np.searchsorted(sorted_targets, frames), 0, len(sorted_targets) - 1)
    left = np.clip(right - 1, 0, len(sorted_targets) - 1)
    return np.minimum(
        np.abs(frames - sorted_targets[left]), np.abs(frames - sorted_targets[right])
    )


def _check_joints(joints: np.ndarray) -> np.ndarray:
    """Joint positions as float64 (T, J, 3), T >= 2."""
    joints = np.asarray(joints, dtype=np.float64)
    if joints.ndim != 3 or joints.shape[-1] != 3 or joints.shape[0] < 2:
        raise ParameterError(
            f"joints must have shape (T >= 2, J, 3), got {joints.shape}."
        )
    return joints
