"""Rotation conversions and the 147-value pose vector, in numpy.

Conventions shared by the whole project:

- Rotations act on column vectors, ``v_world = R @ v_local``.
- 6D rotation = the first two columns of the matrix,
  ``concatenate(R[..., :, 0], R[..., :, 1])``; back to a matrix by Gram-Schmidt
  (Zhou et al. 2019).
- Quaternions are ``(w, x, y, z)``; conversions return the canonical sign ``w >= 0``.
- Axis-angle is a 3-vector whose direction is the axis and whose norm is the angle
  (radians), in ``[0, pi]`` when produced here.
- Pose vector ``(T, 147)``: root translation (3, metres, y up) followed by 24 SMPL
  joints x 6D (local rotations, relative to the parent joint).

Every function accepts any number of leading dimensions. Work is done in float64; the
result is float32 when every input is float32 and float64 otherwise.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .const import N_JOINTS, POSE_DIM, ROT6D_DIM, ROTATIONS, TRANSL, TRANSL_DIM
from .errors import ParameterError

# Below this norm a vector counts as zero (Gram-Schmidt fallbacks, tiny angles).
_EPS = 1e-12
# Below this angle (radians) the Taylor series replace sin(x)/x and its friends; at 1e-4
# the first omitted term is ~1e-17, below float64 resolution.
_SMALL_ANGLE = 1e-4
# Above this quaternion dot product slerp falls back to normalised linear interpolation.
_SLERP_LINEAR_DOT = 1.0 - 1e-10


# --- helpers --------------------------------------------------------------------------


def _out_dtype(*arrays: np.ndarray) -> type:
    """float32 when every input is float32, float64 otherwise."""
    return np.float32 if all(a.dtype == np.float32 for a in arrays) else np.float64


def _as_array(x: np.ndarray, name: str, last: tuple[int, ...]) -> np.ndarray:
    """``x`` as a float array whose trailing shape must be ``last``."""
    arr = np.asarray(x)
    if not (
        np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)
    ):
        raise ParameterError(f"{name} must be a numeric array, got dtype {arr.dtype}.")
    if arr.ndim < len(last) or arr.shape[arr.ndim - len(last) :] != last:
        want = ", ".join(["..."] + [str(n) for n in last])
        raise ParameterError(f"{name} must have shape ({want}), got {arr.shape}.")
    return arr


def _normalize(v: np.ndarray) -> np.ndarray:
    """Unit vectors along the last axis (zero vectors stay zero)."""
    norm = np.linalg.norm(v, axis=-1, keepdims=True)
    return v / np.maximum(norm, _EPS)


def _skew(v: np.ndarray) -> np.ndarray:
    """Cross-product matrices ``[v]x`` of shape (..., 3, 3)."""
    x, y, z = v[..., 0], v[..., 1], v[..., 2]
    zero = np.zeros_like(x)
    return np.stack(
        [
            np.stack([zero, -z, y], axis=-1),
            np.stack([z, zero, -x], axis=-1),
            np.stack([-y, x, zero], axis=-1),
        ],
        axis=-2,
    )


def _any_perpendicular(u: np.ndarray) -> np.ndarray:
    """A unit vector perpendicular to each unit vector ``u`` (..., 3)."""
    # Crossing with the basis axis least aligned with u is always well conditioned.
    basis = np.eye(3)[np.argmin(np.abs(u), axis=-1)]
    return _normalize(np.cross(u, basis))


# --- 6D -------------------------------------------------------------------------------


def rot6d_to_matrix(r6: np.ndarray) -> np.ndarray:
    """Rotation matrices from 6D vectors by Gram-Schmidt.

    Parameters
    ----------
    r6 : np.ndarray [shape=(..., 6)]
        First matrix column (0..2) then second column (3..5); need not be orthonormal.

    Returns
    -------
    R : np.ndarray [shape=(..., 3, 3)]
        Proper rotation matrices (orthonormal, det +1). A zero first column is read as
        the x axis, and a second column parallel to the first is replaced by some
        perpendicular, so that even degenerate network outputs give a valid rotation.
    """
    r6 = _as_array(r6, "r6", (ROT6D_DIM,))
    a = r6.astype(np.float64)
    a1, a2 = a[..., 0:3], a[..., 3:6]
    n1 = np.linalg.norm(a1, axis=-1, keepdims=True)
    b1 = np.where(n1 > _EPS, a1 / np.maximum(n1, _EPS), np.array([1.0, 0.0, 0.0]))
    u2 = a2 - np.sum(b1 * a2, axis=-1, keepdims=True) * b1
    n2 = np.linalg.norm(u2, axis=-1, keepdims=True)
    b2 = np.where(n2 > _EPS, u2 / np.maximum(n2, _EPS), _any_perpendicular(b1))
    b3 = np.cross(b1, b2)
    return np.stack([b1, b2, b3], axis=-1).astype(_out_dtype(r6))


def matrix_to_rot6d(R: np.ndarray) -> np.ndarray:
    """6D vectors (first two columns) of rotation matrices.

    Parameters
    ----------
    R : np.ndarray [shape=(..., 3, 3)]

    Returns
    -------
    r6 : np.ndarray [shape=(..., 6)]
        ``concatenate(R[..., :, 0], R[..., :, 1])``.
    """
    R = _as_array(R, "R", (3, 3))
    return np.concatenate([R[..., :, 0], R[..., :, 1]], axis=-1).astype(_out_dtype(R))


# --- axis-angle -----------------------------------------------------------------------


def axis_angle_to_matrix(aa: np.ndarray) -> np.ndarray:
    """Rotation matrices from axis-angle vectors (Rodrigues' formula).

    Parameters
    ----------
    aa : np.ndarray [shape=(..., 3)]
        Axis times angle in radians.

    Returns
    -------
    R : np.ndarray [shape=(..., 3, 3)]
    """
    aa = _as_array(aa, "aa", (3,))
    v = aa.astype(np.float64)
    theta2 = np.sum(v * v, axis=-1)
    theta = np.sqrt(theta2)
    small = theta < _SMALL_ANGLE
    safe = np.where(small, 1.0, theta)
    # R = I + A [v]x + B [v]x^2, A = sin(t)/t, B = (1 - cos(t))/t^2 (v not normalised).
    a = np.where(small, 1.0 - theta2 / 6.0, np.sin(safe) / safe)
    b = np.where(small, 0.5 - theta2 / 24.0, (1.0 - np.cos(safe)) / (safe * safe))
    k = _skew(v)
    R = np.eye(3) + a[..., None, None] * k + b[..., None, None] * (k @ k)
    return R.astype(_out_dtype(aa))


def matrix_to_axis_angle(R: np.ndarray) -> np.ndarray:
    """Axis-angle vectors of rotation matrices, accurate near angle 0 and near pi.

    Parameters
    ----------
    R : np.ndarray [shape=(..., 3, 3)]

    Returns
    -------
    aa : np.ndarray [shape=(..., 3)]
        Angle (norm) in ``[0, pi]``.
    """
    R = _as_array(R, "R", (3, 3))
    return quaternion_to_axis_angle(matrix_to_quaternion(R))


# --- quaternions ----------------------------------------------------------------------


def quaternion_to_matrix(q: np.ndarray) -> np.ndarray:
    """Rotation matrices from quaternions.

    Parameters
    ----------
    q : np.ndarray [shape=(..., 4)]
        ``(w, x, y, z)``; normalised here, so any non-zero scale is accepted.

    Returns
    -------
    R : np.ndarray [shape=(..., 3, 3)]
    """
    q = _as_array(q, "q", (4,))
    w, x, y, z = np.moveaxis(_normalize(q.astype(np.float64)), -1, 0)
    R = np.stack(
        [
            np.stack(
                [1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)], -1
            ),
            np.stack(
                [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)], -1
            ),
            np.stack(
                [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)], -1
            ),
        ],
        axis=-2,
    )
    return R.astype(_out_dtype(q))


def matrix_to_quaternion(R: np.ndarray) -> np.ndarray:
    """Quaternions of rotation matrices (Shepperd's method), canonical sign ``w >= 0``.

    Parameters
    ----------
    R : np.ndarray [shape=(..., 3, 3)]

    Returns
    -------
    q : np.ndarray [shape=(..., 4)]
        Unit quaternions ``(w, x, y, z)``.
    """
    R = _as_array(R, "R", (3, 3))
    m = R.astype(np.float64)
    r00, r01, r02 = m[..., 0, 0], m[..., 0, 1], m[..., 0, 2]
    r10, r11, r12 = m[..., 1, 0], m[..., 1, 1], m[..., 1, 2]
    r20, r21, r22 = m[..., 2, 0], m[..., 2, 1], m[..., 2, 2]
    # 4w^2, 4x^2, 4y^2, 4z^2: dividing by the largest avoids cancellation at any angle.
    t = np.stack(
        [
            1 + r00 + r11 + r22,
            1 + r00 - r11 - r22,
            1 - r00 + r11 - r22,
            1 - r00 - r11 + r22,
        ],
        axis=-1,
    )
    wx, wy, wz = r21 - r12, r02 - r20, r10 - r01
    xy, xz, yz = r01 + r10, r02 + r20, r12 + r21
    candidates = np.stack(
        [
            np.stack([t[..., 0], wx, wy, wz], axis=-1),
            np.stack([wx, t[..., 1], xy, xz], axis=-1),
            np.stack([wy, xy, t[..., 2], yz], axis=-1),
            np.stack([wz, xz, yz, t[..., 3]], axis=-1),
        ],
        axis=-2,
    )  # (..., 4 candidates, 4)
    best = np.argmax(t, axis=-1)[..., None, None]
    q = np.take_along_axis(candidates, best, axis=-2)[..., 0, :]
    q = _normalize(q)
    q = np.where(q[..., :1] < 0, -q, q)
    return q.astype(_out_dtype(R))


def axis_angle_to_quaternion(aa: np.ndarray) -> np.ndarray:
    """Quaternions ``(w, x, y, z)`` of axis-angle vectors [shape=(..., 3) -> (..., 4)].

    The result has ``w >= 0`` (angles beyond pi are folded back).
    """
    aa = _as_array(aa, "aa", (3,))
    v = aa.astype(np.float64)
    theta2 = np.sum(v * v, axis=-1)
    theta = np.sqrt(theta2)
    small = theta < _SMALL_ANGLE
    safe = np.where(small, 1.0, theta)
    # sin(t/2)/t, with its Taylor series near zero.
    s = np.where(small, 0.5 - theta2 / 48.0, np.sin(safe / 2) / safe)
    q = np.concatenate([np.cos(theta / 2)[..., None], s[..., None] * v], axis=-1)
    q = np.where(q[..., :1] < 0, -q, q)
    return q.astype(_out_dtype(aa))


def quaternion_to_axis_angle(q: np.ndarray) -> np.ndarray:
    """Axis-angle vectors of quaternions [shape=(..., 4) -> (..., 3)], angle <= pi."""
    q = _as_array(q, "q", (4,))
    u = _normalize(q.astype(np.float64))
    u = np.where(u[..., :1] < 0, -u, u)
    w, v = u[..., 0], u[..., 1:]
    s = np.linalg.norm(v, axis=-1)
    # angle / s = 2 atan2(s, w) / s; its series near s = 0 (then w is ~1).
    small = s < _SMALL_ANGLE
    safe_s = np.where(small, 1.0, s)
    scale = np.where(
        small,
        2.0 / np.maximum(w, _EPS) * (1.0 - s * s / (3.0 * np.maximum(w, _EPS) ** 2)),
        2.0 * np.arctan2(s, w) / safe_s,
    )
    return (scale[..., None] * v).astype(_out_dtype(q))


def quaternion_slerp(
    q0: np.ndarray, q1: np.ndarray, t: np.ndarray | float
) -> np.ndarray:
    """Spherical linear interpolation along the shorter arc.

    Parameters
    ----------
    q0, q1 : np.ndarray [shape=(..., 4)]
        Quaternions ``(w, x, y, z)`` (normalised here); broadcast against each other.
    t : float or np.ndarray [shape=(...)]
        Interpolation parameter, 0 gives ``q0`` and 1 gives ``q1`` (or ``-q1``).

    Returns
    -------
    q : np.ndarray [shape=(..., 4)]
        Unit quaternions (sign not canonicalised, so sequences stay continuous).
    """
    q0 = _as_array(q0, "q0", (4,))
    q1 = _as_array(q1, "q1", (4,))
    a = _normalize(q0.astype(np.float64))
    b = _normalize(q1.astype(np.float64))
    tt = np.asarray(t, dtype=np.float64)[..., None]
    dot = np.sum(a * b, axis=-1, keepdims=True)
    b = np.where(dot < 0, -b, b)  # shortest path
    dot = np.abs(dot)
    linear = dot > _SLERP_LINEAR_DOT
    omega = np.arccos(np.clip(dot, -1.0, 1.0))
    sin_omega = np.where(linear, 1.0, np.sin(omega))
    w0 = np.where(linear, 1.0 - tt, np.sin((1.0 - tt) * omega) / sin_omega)
    w1 = np.where(linear, tt, np.sin(tt * omega) / sin_omega)
    return _normalize(w0 * a + w1 * b).astype(_out_dtype(q0, q1))


# --- distances ------------------------------------------------------------------------


def geodesic_distance(R1: np.ndarray, R2: np.ndarray) -> np.ndarray:
    """Angle of the relative rotation ``R1^T R2``.

    Parameters
    ----------
    R1, R2 : np.ndarray [shape=(..., 3, 3)]
        Broadcast against each other.

    Returns
    -------
    angle : np.ndarray [shape=(...)]
        Radians in ``[0, pi]``; computed with ``atan2(sin, cos)``, so it stays accurate
        near 0 and near pi where ``arccos`` of the trace loses precision.
    """
    R1 = _as_array(R1, "R1", (3, 3))
    R2 = _as_array(R2, "R2", (3, 3))
    rel = np.swapaxes(R1.astype(np.float64), -1, -2) @ R2.astype(np.float64)
    cos2 = np.trace(rel, axis1=-2, axis2=-1) - 1.0  # 2 cos(angle)
    vee = np.stack(
        [
            rel[..., 2, 1] - rel[..., 1, 2],
            rel[..., 0, 2] - rel[..., 2, 0],
            rel[..., 1, 0] - rel[..., 0, 1],
        ],
        axis=-1,
    )
    sin2 = np.linalg.norm(vee, axis=-1)  # 2 sin(angle)
    return np.arctan2(sin2, cos2).astype(_out_dtype(R1, R2))


# --- the 147-value pose vector --------------------------------------------------------


def pack_pose(*, transl: np.ndarray, rotations: np.ndarray) -> np.ndarray:
    """Pose vectors from root translations and joint rotation matrices.

    Parameters
    ----------
    transl : np.ndarray [shape=(..., 3)]
        SMPL root translation, metres, y up.
    rotations : np.ndarray [shape=(..., 24, 3, 3)]
        Local joint rotations in SMPL order.

    Returns
    -------
    pose : np.ndarray [shape=(..., 147)]
    """
    transl = _as_array(transl, "transl", (TRANSL_DIM,))
    rotations = _as_array(rotations, "rotations", (N_JOINTS, 3, 3))
    if transl.shape[:-1] != rotations.shape[:-3]:
        raise ParameterError(
            f"transl {transl.shape} and rotations {rotations.shape} must share their "
            "leading (frame) dimensions."
        )
    r6 = matrix_to_rot6d(rotations).reshape(*rotations.shape[:-3], N_JOINTS * ROT6D_DIM)
    dtype = _out_dtype(transl, rotations)
    return np.concatenate([transl.astype(dtype), r6.astype(dtype)], axis=-1)


def unpack_pose(pose: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Root translations and joint rotation matrices of pose vectors.

    Parameters
    ----------
    pose : np.ndarray [shape=(..., 147)]

    Returns
    -------
    transl : np.ndarray [shape=(..., 3)]
        Metres.
    rotations : np.ndarray [shape=(..., 24, 3, 3)]
        Orthonormalised local joint rotations.
    """
    pose = _as_array(pose, "pose", (POSE_DIM,))
    r6 = pose[..., ROTATIONS].reshape(*pose.shape[:-1], N_JOINTS, ROT6D_DIM)
    return pose[..., TRANSL].astype(_out_dtype(pose)), rot6d_to_matrix(r6)


def pose_from_axis_angle(*, transl: np.ndarray, axis_angle: np.ndarray) -> np.ndarray:
    """Pose vectors from root translations and SMPL axis-angle joint rotations.

    Parameters
    ----------
    transl : np.ndarray [shape=(..., 3)]
        Metres.
    axis_angle : np.ndarray [shape=(..., 24, 3) or (..., 72)]
        Radians, SMPL order (the ``poses`` array of SMPL and AIST++ files).

    Returns
    -------
    pose : np.ndarray [shape=(..., 147)]
    """
    aa = np.asarray(axis_angle)
    if aa.ndim >= 1 and aa.shape[-1] == N_JOINTS * 3:
        aa = aa.reshape(*aa.shape[:-1], N_JOINTS, 3)
    aa = _as_array(aa, "axis_angle", (N_JOINTS, 3))
    return pack_pose(transl=transl, rotations=axis_angle_to_matrix(aa))


def pose_to_axis_angle(pose: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Root translations and axis-angle joint rotations of pose vectors.

    Parameters
    ----------
    pose : np.ndarray [shape=(..., 147)]

    Returns
    -------
    transl : np.ndarray [shape=(..., 3)]
        Metres.
    axis_angle : np.ndarray [shape=(..., 24, 3)]
        Radians, angles in ``[0, pi]``.
    """
    transl, rotations = unpack_pose(pose)
    return transl, matrix_to_axis_angle(rotations)


# --- resampling -----------------------------------------------------------------------


def resampled_length(n_frames: int, *, src_fps: float, dst_fps: float) -> int:
    """Frames of an ``n_frames`` sequence resampled from ``src_fps`` to ``dst_fps``.

    ``floor((n_frames - 1) * dst_fps / src_fps) + 1``: the first frame is kept and the
    last output frame lies at or before the last input frame, less than one output
    frame period before it, so the duration is kept to within one frame.
    """
    if n_frames < 1:
        raise ParameterError(f"cannot resample an empty sequence ({n_frames} frames).")
    if not (src_fps > 0 and dst_fps > 0):
        raise ParameterError(
            f"frame rates must be positive, got {src_fps} and {dst_fps}."
        )
    # The tolerance keeps exact multiples (60 -> 25 fps, 13 frames) from flooring down.
    return int(np.floor((n_frames - 1) * dst_fps / src_fps + 1e-9)) + 1


def _continuous_hemisphere(q: np.ndarray) -> np.ndarray:
    """Flip quaternions (T, ..., 4) along time so consecutive ones have dot >= 0."""
    dots = np.sum(q[1:] * q[:-1], axis=-1)
    flips = np.concatenate([np.ones_like(dots[:1]), np.where(dots < 0, -1.0, 1.0)])
    return q * np.cumprod(flips, axis=0)[..., None]


def resampled_quaternions(
    pose: np.ndarray, *, src_fps: float, dst_fps: float
) -> tuple[np.ndarray, np.ndarray]:
    """The resampling of :func:`resample_pose`, stopped at translations and quaternions.

    For writers that want another rotation format at the new rate (axis-angle for the
    AIST++ pickle) without a round trip through 6D vectors and matrices.

    Parameters
    ----------
    pose : np.ndarray [shape=(T, 147)]
        ``T >= 1``.
    src_fps, dst_fps : float
        Frame rates in Hz of the input and of the output.

    Returns
    -------
    transl : np.ndarray [shape=(T', 3), float64]
    quaternions : np.ndarray [shape=(T', 24, 4), float64]
        ``(w, x, y, z)``; ``T'`` as in :func:`resample_pose`.
    """
    n_out = resampled_length(len(pose), src_fps=src_fps, dst_fps=dst_fps)
    transl, rotations = unpack_pose(np.asarray(pose, dtype=np.float64))
    q = _continuous_hemisphere(matrix_to_quaternion(rotations))  # (T, 24, 4)
    if len(pose) == 1:
        return transl, q
    position = np.arange(n_out) * (src_fps / dst_fps)  # in input frames
    lo = np.clip(np.floor(position).astype(np.int64), 0, len(pose) - 2)
    frac = np.clip(position - lo, 0.0, 1.0)
    transl_out = transl[lo] * (1.0 - frac[:, None]) + transl[lo + 1] * frac[:, None]
    return transl_out, quaternion_slerp(q[lo], q[lo + 1], frac[:, None])


def resample_pose(pose: np.ndarray, *, src_fps: float, dst_fps: float) -> np.ndarray:
    """Resample a pose sequence in time: translation linearly, rotations by slerp.

    Output frame ``k`` lies at time ``k / dst_fps``; the first frame is kept and the
    output has :func:`resampled_length` frames, so the duration is kept to within one
    output frame. Each joint's quaternions are first made continuous along time
    (consecutive frames in the same hemisphere), then slerped between the two input
    frames around each output time.

    Parameters
    ----------
    pose : np.ndarray [shape=(T, 147)]
    src_fps, dst_fps : float
        Frame rates in Hz of the input and of the output.

    Returns
    -------
    resampled : np.ndarray [shape=(T', 147)]
        ``T' = floor((T - 1) * dst_fps / src_fps) + 1``; same dtype as ``pose``.
    """
    pose = _as_array(pose, "pose", (POSE_DIM,))
    if pose.ndim != 2:
        raise ParameterError(f"pose must have shape (T, {POSE_DIM}), got {pose.shape}.")
    if len(pose) == 1:
        return pose.copy()
    transl_out, q_out = resampled_quaternions(pose, src_fps=src_fps, dst_fps=dst_fps)
    out = pack_pose(transl=transl_out, rotations=quaternion_to_matrix(q_out))
    return out.astype(_out_dtype(pose))


# --- interpolation between two sets of poses ----------------------------------------------

Interpolator = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]


def interpolate_poses(
    pose0: np.ndarray, pose1: np.ndarray, alpha: np.ndarray
) -> np.ndarray:
    """Poses between two sets of poses: translation linearly, each rotation by slerp.

    Parameters
    ----------
    pose0, pose1 : np.ndarray [shape=(N, 147)]
    alpha : np.ndarray [shape=(N,)]
        0 gives ``pose0``, 1 gives ``pose1`` (rotations orthonormalised).

    Returns
    -------
    poses : np.ndarray [shape=(N, 147), float32]
    """
    alpha = np.asarray(alpha, dtype=np.float64)
    transl0, rot0 = unpack_pose(np.asarray(pose0, dtype=np.float64))
    transl1, rot1 = unpack_pose(np.asarray(pose1, dtype=np.float64))
    transl = transl0 + (transl1 - transl0) * alpha[:, None]
    q = quaternion_slerp(
        matrix_to_quaternion(rot0), matrix_to_quaternion(rot1), alpha[:, None]
    )
    poses = pack_pose(transl=transl, rotations=quaternion_to_matrix(q))
    return poses.astype(np.float32)


def interpolate_linear(
    frames0: np.ndarray, frames1: np.ndarray, alpha: np.ndarray
) -> np.ndarray:
    """Frames between two sets of frames [shape=(N, D)], value by value."""
    alpha = np.asarray(alpha, dtype=np.float64)[:, None]
    return ((1.0 - alpha) * frames0 + alpha * frames1).astype(np.float32)


def interpolator_for(dim: int) -> Interpolator:
    """Slerp for pose frames (147 values), linear for anything else."""
    return interpolate_poses if dim == POSE_DIM else interpolate_linear
