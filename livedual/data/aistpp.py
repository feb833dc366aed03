"""AIST++: the official SMPL annotation pickles and the AIST Dance DB music.

Layout of the official download (``aist_plusplus_final/``) that this module reads::

    <root>/motions/<motion>.pkl         smpl_poses, smpl_trans, smpl_scaling
    <root>/splits/crossmodal_train.txt  motion names, one per line (also _val, _test)
    <root>/ignore_list.txt              motions with bad fits, left out everywhere
    <music_dir>/<music>.wav             AIST Dance DB music, e.g. mBR2.wav

Motion names read
``g{genre}_s{situation}_c{camera}_d{dancer}_m{music}_ch{choreography}``, for example
``gBR_sBM_cAll_d04_mBR2_ch08``: Break, basic dance, all cameras, dancer 4, music mBR2,
choreography 8. Motions are captured at 60 fps and resampled to 25 fps
here with :func:`livedual.pose.resample_pose`; music frame ``i`` and pose frame ``i``
start at the same instant (both recordings start together).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..const import AIST_FPS, FPS, MUSIC_DIM, N_JOINTS
from ..errors import DataError, ParameterError
from ..pose import pose_from_axis_angle, resample_pose
from .safe_pickle import load_safe_pickle

_LOGGER = logging.getLogger(__name__)

AIST_GENRES: dict[str, str] = {
    "gBR": "Break",
    "gPO": "Pop",
    "gLO": "Lock",
    "gMH": "Middle Hip-hop",
    "gLH": "LA-style Hip-hop",
    "gHO": "House",
    "gWA": "Waack",
    "gKR": "Krump",
    "gJS": "Street Jazz",
    "gJB": "Ballet Jazz",
}
# AIST Dance DB: music track k (0..5) of a genre runs at 80 + 10 k BPM, except House at
# 110 + 5 k BPM.
_TEMPO_BASE_BPM = 80.0
_TEMPO_STEP_BPM = 10.0
_TEMPO_EXCEPTIONS: dict[str, tuple[float, float]] = {"HO": (110.0, 5.0)}

_MOTION_NAME = re.compile(
    r"^(?P<genre>g[A-Z]{2})_(?P<situation>s[A-Z]{2})_(?P<camera>c(?:All|\d{2}))_"
    r"(?P<dancer>d\d{2})_(?P<music>m[A-Z]{2}\d)_(?P<choreography>ch\d{2})$"
)
_CAMERA_FIELD = 2
_ALL_CAMERAS = "cAll"
SPLITS = ("train", "val", "test")
_SPLIT_FILE = "crossmodal_{split}.txt"
_IGNORE_FILE = "ignore_list.txt"
_MOTIONS_DIR = "motions"
_SPLITS_DIR = "splits"
MUSIC_SUFFIX = ".wav"
_POSE_KEYS = ("smpl_poses", "smpl_trans", "smpl_scaling")


# --- names ----------------------------------------------------------------------------


def parse_motion_name(name: str) -> dict[str, str]:
    """Fields of an AIST++ motion name (a file name or path is accepted).

    Returns
    -------
    fields : dict
        Keys ``genre`` ('gBR'), ``situation`` ('sBM'), ``camera`` ('cAll'), ``dancer``
        ('d04'), ``music`` ('mBR2'), ``choreography`` ('ch08').
    """
    stem = Path(name).stem
    match = _MOTION_NAME.match(stem)
    if match is None:
        raise ParameterError(
            f"{name!r} is not an AIST++ motion name such as "
            "'gBR_sBM_cAll_d04_mBR2_ch08'."
        )
    return match.groupdict()


def music_name_from_motion(name: str) -> str:
    """The music of a motion: ``'gBR_sBM_cAll_d04_mBR2_ch08'`` -> ``'mBR2'``."""
    return parse_motion_name(name)["music"]


def genre_from_motion(name: str) -> str:
    """The genre code of a motion: ``'gBR_sBM_cAll_d04_mBR2_ch08'`` -> ``'gBR'``.

    :data:`AIST_GENRES` maps codes to genre names.
    """
    return parse_motion_name(name)["genre"]


def music_tempo_bpm(music: str) -> float:
    """Nominal tempo of an AIST Dance DB track, ``'mBR2'`` -> 100.0 BPM."""
    match = re.fullmatch(r"m([A-Z]{2})(\d)", music)
    if match is None:
        raise ParameterError(f"{music!r} is not an AIST music name such as 'mBR2'.")
    base, step = _TEMPO_EXCEPTIONS.get(
        match.group(1), (_TEMPO_BASE_BPM, _TEMPO_STEP_BPM)
    )
    return base + step * int(match.group(2))


def _all_cameras(name: str) -> str:
    """The motion name with camera field 'cAll' (ignore lists name videos)."""
    parts = name.split("_")
    if len(parts) > _CAMERA_FIELD and parts[_CAMERA_FIELD].startswith("c"):
        parts[_CAMERA_FIELD] = _ALL_CAMERAS
    return "_".join(parts)


# --- motions --------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class AistMotion:
    """One AIST++ motion as pose vectors.

    Attributes
    ----------
    name : str
        Motion name, e.g. ``'gBR_sBM_cAll_d04_mBR2_ch08'``.
    pose : np.ndarray [shape=(T, 147), float32]
        Root translation (metres, ``smpl_trans / smpl_scaling``) and 24 joint rotations
        in 6D, at ``fps``.
    fps : float
        Frame rate of ``pose``.
    scaling : float
        The file's ``smpl_scaling`` (world units per SMPL metre).
    source_frames : int
        Frames in the file, at :data:`livedual.const.AIST_FPS`.
    """

    name: str
    pose: np.ndarray
    fps: float
    scaling: float
    source_frames: int

    @property
    def music(self) -> str:
        """Name of the music the motion was danced to, e.g. ``'mBR2'``."""
        return music_name_from_motion(self.name)

    @property
    def genre(self) -> str:
        """Genre code, e.g. ``'gBR'``."""
        return genre_from_motion(self.name)


def _motion_arrays(data: Any, path: Path) -> tuple[np.ndarray, np.ndarray, float]:
    """(axis-angle (N, 24, 3), translation (N, 3) in metres, scaling) of a pickle."""
    if not isinstance(data, dict) or any(k not in data for k in _POSE_KEYS):
        keys = sorted(data) if isinstance(data, dict) else type(data).__name__
        raise DataError(
            f"{path} is not an AIST++ motion: expected keys {list(_POSE_KEYS)}, "
            f"found {keys}."
        )
    poses = np.asarray(data["smpl_poses"], dtype=np.float64)
    trans = np.asarray(data["smpl_trans"], dtype=np.float64)
    scaling = np.asarray(data["smpl_scaling"], dtype=np.float64).reshape(-1)
    n = len(poses)
    if poses.shape != (n, N_JOINTS * 3) or trans.shape != (n, 3) or n == 0:
        raise DataError(
            f"{path} has smpl_poses {poses.shape} and smpl_trans {trans.shape}; "
            f"expected (N, {N_JOINTS * 3}) and (N, 3) with N > 0."
        )
    if scaling.shape != (1,) or not scaling[0] > 0:
        raise DataError(
            f"{path} has smpl_scaling {scaling}; expected one positive number."
        )
    if not (np.isfinite(poses).all() and np.isfinite(trans).all()):
        raise DataError(
            f"{path} holds NaN or infinite values in smpl_poses or smpl_trans."
        )
    return poses.reshape(n, N_JOINTS, 3), trans / scaling[0], float(scaling[0])


def read_aist_motion(path: str | Path, *, fps: float = FPS) -> AistMotion:
    """Read an AIST++ motion pickle as pose vectors.

    Parameters
    ----------
    path : str or Path
        An official annotation file ``<motion>.pkl``, loaded with the restricted
        unpickler.
    fps : float
        Frame rate of the returned poses; the 60 fps capture is resampled (slerp) unless
        ``fps`` equals :data:`livedual.const.AIST_FPS`.

    Returns
    -------
    motion : AistMotion
        ``motion.pose`` [shape=(T, 147), float32] with
        ``T = floor((N - 1) * fps / 60) + 1`` for a file of ``N`` frames.
    """
    if not fps > 0:
        raise ParameterError(f"fps must be positive, got {fps}.")
    path = Path(path)
    aa, transl, scaling = _motion_arrays(load_safe_pickle(path), path)
    pose = pose_from_axis_angle(transl=transl, axis_angle=aa)
    if fps != AIST_FPS:
        pose = resample_pose(pose, src_fps=AIST_FPS, dst_fps=fps)
    _LOGGER.debug(
        "read %s: %d frames at %s fps -> %d at %s fps",
        path,
        len(aa),
        AIST_FPS,
        len(pose),
        fps,
    )
    return AistMotion(
        name=path.stem,
        pose=pose.astype(np.float32),
        fps=float(fps),
        scaling=scaling,
        source_frames=len(aa),
    )


# --- listing and splits ---------------------------------------------------------------


def _motions_dir(root: Path) -> Path:
    """``root/motions`` when it exists, else ``root`` itself."""
    sub = root / _MOTIONS_DIR
    return sub if sub.is_dir() else root


def _find_list_file(root: Path, file_name: str) -> Path | None:
    """``root/splits/<file>`` or ``root/<file>``, whichever exists first."""
    for candidate in (root / _SPLITS_DIR / file_name, root / file_name):
        if candidate.is_file():
            return candidate
    return None


def read_name_list(path: str | Path) -> list[str]:
    """Motion names of a split or ignore list (one a line, ``#`` comments)."""
    path = Path(path)
    try:
        lines = path.read_text("utf-8").splitlines()
    except OSError as exc:
        raise DataError(f"cannot read the name list {path}: {exc}") from None
    return [s for s in (line.strip() for line in lines) if s and not s.startswith("#")]


def list_aist_motions(
    root: str | Path, *, split: str | Path | None = None
) -> list[Path]:
    """Motion pickles of an AIST++ folder, optionally restricted to an official split.

    Parameters
    ----------
    root : str or Path
        The AIST++ annotation folder (holding ``motions/``, ``splits/`` and
        ``ignore_list.txt``), or the motions folder itself.
    split : {'train', 'val', 'test'}, Path or None
        ``None`` lists every motion; a split name reads
        ``splits/crossmodal_<split>.txt``; a path reads that list file. Motions of
        ``ignore_list.txt`` (when present) are left out in every case.

    Returns
    -------
    paths : list of Path
        Sorted by name. Names of the split that have no pickle are logged and skipped.
    """
    root = Path(root)
    motions_dir = _motions_dir(root)
    if not motions_dir.is_dir():
        raise DataError(f"the AIST++ folder {root} does not exist.")
    available = {p.stem: p for p in motions_dir.glob("*.pkl")}
    if split is None:
        wanted = sorted(available)
    else:
        wanted = read_name_list(_split_file(root, split))
    ignore_file = _find_list_file(root, _IGNORE_FILE)
    ignored = (
        {_all_cameras(n) for n in read_name_list(ignore_file)} if ignore_file else set()
    )
    chosen = [n for n in wanted if _all_cameras(n) not in ignored]
    missing = [n for n in chosen if n not in available]
    if missing:
        _LOGGER.warning(
            "%d motions of split %s have no pickle in %s (first: %s)",
            len(missing),
            split,
            motions_dir,
            missing[0],
        )
    return sorted(available[n] for n in chosen if n in available)


def _split_file(root: Path, split: str | Path) -> Path:
    """The list file of ``split`` under ``root`` (DataError names the expected file)."""
    if isinstance(split, Path):
        if not split.is_file():
            raise DataError(f"the split list {split} does not exist.")
        return split
    if split not in SPLITS:
        raise ParameterError(
            f"split must be one of {SPLITS}, a list file or None, got {split!r}."
        )
    file_name = _SPLIT_FILE.format(split=split)
    found = _find_list_file(root, file_name)
    if found is None:
        raise DataError(
            f"no split list for {split!r}: expected {root / _SPLITS_DIR / file_name} "
            "(from the official AIST++ annotations)."
        )
    return found


# --- music pairing --------------------------------------------------------------------


def music_path(motion: str | Path, *, music_dir: str | Path) -> Path:
    """The music file of a motion, ``<music_dir>/<music>.wav`` (need not exist)."""
    return Path(music_dir) / f"{music_name_from_motion(str(motion))}{MUSIC_SUFFIX}"


def _music_features(path: Path) -> np.ndarray:
    """The 53 music features of an audio file (imported late: it needs librosa)."""
    from ..features import music_features

    return music_features(path)


def load_aist_pair(
    motion_path: str | Path,
    *,
    music_dir: str | Path,
    feature_cache: dict[str, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Music features and poses of one AIST++ motion, frame-aligned at 25 fps.

    Parameters
    ----------
    motion_path : str or Path
        The motion pickle.
    music_dir : str or Path
        Folder of the AIST Dance DB music (``mBR2.wav`` ...).
    feature_cache : dict, optional
        Features by music name; filled and reused, since many motions share a track.

    Returns
    -------
    music : np.ndarray [shape=(T, 53), float32]
        Music features of :func:`livedual.features.music_features`.
    pose : np.ndarray [shape=(T, 147), float32]
        Poses at 25 fps. Both are cut to the shorter of the two.
    """
    motion_path = Path(motion_path)
    wav = music_path(motion_path, music_dir=music_dir)
    if not wav.is_file():
        raise DataError(
            f"the music of {motion_path.name} is missing: expected {wav}. Put the AIST "
            "Dance DB music (one wav per track) in that folder."
        )
    motion = read_aist_motion(motion_path, fps=FPS)
    key = wav.stem
    if feature_cache is not None and key in feature_cache:
        music = feature_cache[key]
    else:
        music = np.asarray(_music_features(wav), dtype=np.float32)
        if music.ndim != 2 or music.shape[1] != MUSIC_DIM:
            raise DataError(
                f"music features of {wav} have shape {music.shape}, "
                f"expected (T, {MUSIC_DIM})."
            )
        if feature_cache is not None:
            feature_cache[key] = music
    n = min(len(music), len(motion.pose))
    _LOGGER.debug(
        "pair %s: music %d frames, pose %d frames -> %d",
        motion.name,
        len(music),
        len(motion.pose),
        n,
    )
    return music[:n], motion.pose[:n]
