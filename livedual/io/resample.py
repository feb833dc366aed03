"""Irregularly timed pose frames (mocap over the network) onto a steady frame clock.

Translation is interpolated linearly and every joint rotation by slerp between the two
received frames around each output time.
"""

from __future__ import annotations

import numpy as np

from ..const import FPS, POSE_DIM
from ..errors import ParameterError
from ..pose import (
    matrix_to_quaternion,
    pack_pose,
    quaternion_slerp,
    quaternion_to_matrix,
    unpack_pose,
)

# A gap longer than this between received frames restarts the output clock instead of
# filling the gap with interpolated frames (a dropped connection is not a slow movement).
MAX_GAP_S = 0.5


def _interpolate(pose0: np.ndarray, pose1: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Poses between ``pose0`` and ``pose1`` (each (N, 147)) at fractions ``alpha`` (N,)."""
    transl0, rot0 = unpack_pose(pose0)
    transl1, rot1 = unpack_pose(pose1)
    transl = transl0 + (transl1 - transl0) * alpha[:, None]
    q = quaternion_slerp(
        matrix_to_quaternion(rot0), matrix_to_quaternion(rot1), alpha[:, None]
    )
    return pack_pose(transl=transl, rotations=quaternion_to_matrix(q))


def resample_frames(
    *,
    times: np.ndarray,
    poses: np.ndarray,
    fps: float = FPS,
    start_s: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Resample pose frames received at irregular times onto ``start_s + k / fps``.

    Parameters
    ----------
    times : np.ndarray [shape=(N,)]
        Strictly increasing receive times, seconds.
    poses : np.ndarray [shape=(N, 147)]
    fps : float
        Output frame rate, Hz.
    start_s : float or None
        Time of output frame 0; the first received time by default.

    Returns
    -------
    out_times : np.ndarray [shape=(M,)]
        Output times, within ``[times[0], times[-1]]``.
    out_poses : np.ndarray [shape=(M, 147)], float32
    """
    times = np.asarray(times, dtype=np.float64)
    poses = np.asarray(poses, dtype=np.float64)
    if poses.ndim != 2 or poses.shape[1] != POSE_DIM or times.shape != (len(poses),):
        raise ParameterError(
            f"times (N,) and poses (N, {POSE_DIM}) must match, got {times.shape} and {poses.shape}."
        )
    if len(times) == 0 or np.any(np.diff(times) <= 0):
        raise ParameterError("times must be non-empty and strictly increasing.")
    start = times[0] if start_s is None else float(start_s)
    first = max(0, int(np.ceil((times[0] - start) * fps - 1e-9)))
    last = int(np.floor((times[-1] - start) * fps + 1e-9))
    out_times = start + np.arange(first, last + 1) / fps
    if len(times) == 1:
        return out_times, np.repeat(poses.astype(np.float32), len(out_times), axis=0)
    hi = np.clip(np.searchsorted(times, out_times, side="right"), 1, len(times) - 1)
    lo = hi - 1
    alpha = np.clip((out_times - times[lo]) / (times[hi] - times[lo]), 0.0, 1.0)
    return out_times, _interpolate(poses[lo], poses[hi], alpha).astype(np.float32)


class StreamResampler:
    """Online :func:`resample_frames`: push frames as they arrive, get steady frames out.

    Output frame ``k`` is at ``t0 + k / fps`` (``t0`` = first received time) and comes out
    as soon as a frame at or after it has arrived. Frames that are not newer than the last
    one are ignored; after a gap longer than :data:`MAX_GAP_S` the clock restarts at the
    new frame.
    """

    def __init__(self, *, fps: float = FPS, max_gap_s: float = MAX_GAP_S) -> None:
        if not fps > 0:
            raise ParameterError(f"fps must be positive, got {fps}.")
        self.fps = fps
        self.max_gap_s = max_gap_s
        self._last_time: float | None = None
        self._last_pose: np.ndarray | None = None
        self._t0 = 0.0  # time of output frame 0 of the current run
        self._k = 0  # index of the next output frame

    def push(self, time_s: float, pose: np.ndarray) -> list[tuple[float, np.ndarray]]:
        """Take one received frame; return the output frames ``(time, pose (147,))`` now due."""
        pose = np.asarray(pose, dtype=np.float64).reshape(POSE_DIM)
        last_time, last_pose = self._last_time, self._last_pose
        if last_time is not None and time_s <= last_time:
            return []
        self._last_time, self._last_pose = time_s, pose
        if (
            last_time is None
            or last_pose is None
            or time_s - last_time > self.max_gap_s
        ):
            self._t0, self._k = time_s, 1
            return [(time_s, pose.astype(np.float32))]
        due = []
        while self._t0 + self._k / self.fps <= time_s + 1e-9:
            due.append(self._t0 + self._k / self.fps)
            self._k += 1
        if not due:
            return []
        alpha = (np.array(due) - last_time) / (time_s - last_time)
        n = len(due)
        poses = _interpolate(np.tile(last_pose, (n, 1)), np.tile(pose, (n, 1)), alpha)
        return [(t, p.astype(np.float32)) for t, p in zip(due, poses)]
