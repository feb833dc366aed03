"""Motion files: read and write pose sequences as BVH, npz or AIST++ pickles.

:func:`read_motion` and :func:`write_motion` pick the format from the file extension:

- ``.bvh`` — SMPL-skeleton BVH in centimetres, ZXY Euler channels (:mod:`livedual.data.bvh`).
- ``.npz`` — livedual's own: ``pose`` float32 (T, 147), ``fps`` (scalar) and, unless
  left out, ``joints`` float32 (T, 24, 3), the forward-kinematics joint positions in
  metres (handy for tools without FK; ignored when reading).
- ``.pkl`` — the AIST++ annotation layout: ``smpl_poses`` float32 (N, 72) axis-angle,
  ``smpl_trans`` float32 (N, 3), ``smpl_scaling`` float32 (1,), ``smpl_loss`` float.
  AIST++ motions are 60 fps by definition, so the writer resamples to
  :data:`~livedual.const.AIST_FPS` and stores ``smpl_scaling = 1`` (``smpl_trans`` is
  then the translation in metres) and ``smpl_loss = 0`` (no fit was made). The file holds
  only numpy arrays, floats and a dict, and is read back through the restricted unpickler.

Every write is atomic; every malformed file raises :class:`~livedual.errors.DataError`
naming the file.
"""

from __future__ import annotations

import logging
import os
import pickle
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from ..atomic import atomic_write
from ..const import AIST_FPS, FPS, N_JOINTS, POSE_DIM
from ..errors import DataError, ParameterError
from ..pose import (
    pose_to_axis_angle,
    quaternion_to_axis_angle,
    resample_pose,
    resampled_quaternions,
)
from ..skeleton import pose_to_joints
from .aistpp import read_aist_motion
from .bvh import read_bvh, write_bvh

_LOGGER = logging.getLogger(__name__)

MOTION_SUFFIXES = (".bvh", ".npz", ".pkl")
AXIS_ANGLE_DIM = 3 * N_JOINTS  # 72: SMPL pose parameters of AIST++
PICKLE_PROTOCOL = 4  # readable by every Python 3 the AIST++ tools run on


def _suffix(path: str | os.PathLike[str]) -> str:
    """The motion format of ``path`` from its extension, or ParameterError."""
    suffix = Path(path).suffix.lower()
    if suffix not in MOTION_SUFFIXES:
        raise ParameterError(
            f"{path}: unknown motion file type '{suffix}'; use one of {', '.join(MOTION_SUFFIXES)}."
        )
    return suffix


def _check_pose(pose: np.ndarray, fps: float) -> np.ndarray:
    """``pose`` as float32 (T, 147), T >= 1, finite; ``fps`` positive; else ParameterError."""
    array = np.asarray(pose)
    if array.ndim != 2 or array.shape[1] != POSE_DIM or len(array) == 0:
        raise ParameterError(
            f"pose must have shape (T, {POSE_DIM}) with T >= 1, got {array.shape}."
        )
    if not np.all(np.isfinite(array)):
        raise ParameterError("pose holds NaN or infinite values.")
    if not fps > 0:
        raise ParameterError(f"fps must be positive, got {fps}.")
    return array.astype(np.float32)


def _check_loaded_pose(pose: np.ndarray, source: str) -> np.ndarray:
    """A pose array read from a file as float32 (T, 147), or DataError naming the file."""
    if pose.ndim != 2 or pose.shape[1] != POSE_DIM or len(pose) == 0:
        raise DataError(
            f"{source}: 'pose' must have shape (T, {POSE_DIM}) with T >= 1, got {pose.shape}."
        )
    if not np.all(np.isfinite(pose)):
        raise DataError(f"{source}: 'pose' holds NaN or infinite values.")
    return pose.astype(np.float32)


# --- npz --------------------------------------------------------------------------------------


def write_npz(
    path: str | os.PathLike[str],
    pose: np.ndarray,
    *,
    fps: float = FPS,
    joints: bool = True,
) -> Path:
    """Write a pose sequence as livedual's npz (atomically).

    Parameters
    ----------
    path : str or os.PathLike
        The ``.npz`` file to write.
    pose : np.ndarray [shape=(T, 147)]
        Root translation (metres) and 24 joint rotations in 6D.
    fps : float
        Frame rate of ``pose``.
    joints : bool
        Also store the joint positions ``joints`` [shape=(T, 24, 3), metres].

    Returns
    -------
    path : Path
    """
    pose = _check_pose(pose, fps)
    arrays: dict[str, np.ndarray] = {"pose": pose, "fps": np.float64(fps)}
    if joints:
        arrays["joints"] = pose_to_joints(pose).astype(np.float32)
    with atomic_write(path, "wb") as handle:
        # Uncompressed: float poses shrink only ~13 % and compressing a 10-minute dance
        # took a third of `livedual dance`'s writing time.
        np.savez(handle, **arrays)
    return Path(path)


def read_npz(path: str | os.PathLike[str]) -> tuple[np.ndarray, float]:
    """Read livedual's npz motion file.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    pose : np.ndarray [shape=(T, 147), dtype=float32]
    fps : float
        The file's frame rate.
    """
    source = str(path)
    try:
        with np.load(path, allow_pickle=False) as data:
            if "pose" not in data.files or "fps" not in data.files:
                raise DataError(
                    f"{source} is not a livedual motion file: it needs 'pose' and 'fps', it has {data.files}."
                )
            pose, fps_array = data["pose"], data["fps"]
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise DataError(f"Cannot read the motion file {source}: {exc}") from None
    numeric = np.issubdtype(fps_array.dtype, np.number) and fps_array.size == 1
    fps = float(fps_array.reshape(-1)[0]) if numeric else float("nan")
    if not fps > 0:
        raise DataError(
            f"{source}: 'fps' must be one positive number, got {fps_array!r}."
        )
    return _check_loaded_pose(pose, source), fps


# --- AIST++ pickle ------------------------------------------------------------------------


def aist_dict(pose: np.ndarray, *, fps: float = FPS) -> dict[str, Any]:
    """The AIST++ annotation dict of a pose sequence, resampled to 60 fps.

    Parameters
    ----------
    pose : np.ndarray [shape=(T, 147)]
    fps : float
        Frame rate of ``pose``.

    Returns
    -------
    data : dict
        ``smpl_poses`` float32 (N, 72), ``smpl_trans`` float32 (N, 3) in metres,
        ``smpl_scaling`` float32 (1,) = 1, ``smpl_loss`` = 0.0; N frames at 60 fps.
    """
    pose = _check_pose(pose, fps)
    if fps == AIST_FPS:
        transl, axis_angle = pose_to_axis_angle(pose)
    else:
        # Slerped quaternions straight to axis-angle: no round trip through 6D at 60 fps.
        transl, quaternions = resampled_quaternions(pose, src_fps=fps, dst_fps=AIST_FPS)
        axis_angle = quaternion_to_axis_angle(quaternions)
    return {
        "smpl_loss": 0.0,
        "smpl_poses": np.asarray(axis_angle, np.float32).reshape(
            len(transl), AXIS_ANGLE_DIM
        ),
        "smpl_scaling": np.ones(1, np.float32),
        "smpl_trans": np.asarray(transl, np.float32),
    }


def write_aist_pickle(
    path: str | os.PathLike[str], pose: np.ndarray, *, fps: float = FPS
) -> Path:
    """Write a pose sequence as an AIST++ annotation pickle at 60 fps (atomically).

    Parameters
    ----------
    path : str or os.PathLike
        The ``.pkl`` file to write.
    pose : np.ndarray [shape=(T, 147)]
    fps : float
        Frame rate of ``pose``; the file is resampled to 60 fps.

    Returns
    -------
    path : Path
    """
    data = aist_dict(pose, fps=fps)
    with atomic_write(path, "wb") as handle:
        pickle.dump(data, handle, protocol=PICKLE_PROTOCOL)
    return Path(path)


def read_aist_pickle(path: str | os.PathLike[str]) -> tuple[np.ndarray, float]:
    """Read an AIST++ annotation pickle through the restricted unpickler.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    pose : np.ndarray [shape=(N, 147), dtype=float32]
    fps : float
        60, the AIST++ rate.
    """
    return read_aist_motion(path, fps=AIST_FPS).pose, float(AIST_FPS)


# --- any format --------------------------------------------------------------------------


_READERS = {".bvh": read_bvh, ".npz": read_npz, ".pkl": read_aist_pickle}
_WRITERS = {".bvh": write_bvh, ".npz": write_npz, ".pkl": write_aist_pickle}


def read_motion(
    path: str | os.PathLike[str], *, fps: float | None = FPS
) -> tuple[np.ndarray, float]:
    """Read a motion file of any supported format (chosen by extension).

    Parameters
    ----------
    path : str or os.PathLike
        A ``.bvh``, ``.npz`` or ``.pkl`` (AIST++) file.
    fps : float or None
        Frame rate to return; a file at another rate is resampled (translation linearly,
        rotations by slerp). ``None`` keeps the file's rate.

    Returns
    -------
    pose : np.ndarray [shape=(T, 147), dtype=float32]
        Root translation (metres) and 24 joint rotations in 6D.
    fps : float
        Frame rate of ``pose``.

    Raises
    ------
    ParameterError
        Unknown extension.
    DataError
        The file is missing or malformed.
    """
    suffix = _suffix(path)
    if not Path(path).is_file():
        raise DataError(f"Motion file {path} not found.")
    pose, file_fps = _READERS[suffix](path)
    if fps is None or np.isclose(file_fps, fps):
        return pose, float(file_fps)
    _LOGGER.debug("%s: resampling %.3f fps to %.3f fps", path, file_fps, fps)
    return resample_pose(pose, src_fps=file_fps, dst_fps=fps).astype(np.float32), float(
        fps
    )


def write_motion(
    path: str | os.PathLike[str], pose: np.ndarray, *, fps: float = FPS
) -> Path:
    """Write a pose sequence in the format of the extension (atomically).

    Parameters
    ----------
    path : str or os.PathLike
        A ``.bvh``, ``.npz`` or ``.pkl`` (AIST++ layout, 60 fps) file.
    pose : np.ndarray [shape=(T, 147)]
        Root translation (metres) and 24 joint rotations in 6D.
    fps : float
        Frame rate of ``pose``.

    Returns
    -------
    path : Path
    """
    suffix = _suffix(path)
    _check_pose(pose, fps)
    return _WRITERS[suffix](path, pose, fps=fps)
