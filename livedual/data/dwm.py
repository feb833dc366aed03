"""Dance with Melody (Tang et al., ACM MM 2018): song and 23-joint dance, paired at 25 fps.

Each sequence is a folder ``DANCE_<genre>_<n>/`` holding the dataset's own three files::

    config.json      {"start_position": s, "end_position": e}: where the dance lies in
                     the song, in 25 fps frames (audio time = position / 25 s)
    skeletons.json   {"length": N, "center": (N, 3), "skeletons": (N, 23, 3)}: 25 fps,
                     y up, centimetres, joints relative to ``center``
    audio.mp3        the song

``N`` matches ``e - s`` only roughly (the released sequences differ by up to 1.7 %,
always with fewer dance frames), so the dance is taken to start at ``s`` and run for its
own ``N`` frames. The joint positions become SMPL rotations through the inverse
kinematics of :mod:`livedual.ik`. Genres: C cha-cha, R rumba, W waltz, T tango.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

from ..const import FPS, MUSIC_DIM, SAMPLE_RATE
from ..errors import AudioError, DataError
from ..ik import DWM_N_JOINTS, fit_dwm
from .prepare import PairedSequence

_LOGGER = logging.getLogger(__name__)

DWM_GENRES: dict[str, str] = {"C": "cha-cha", "R": "rumba", "W": "waltz", "T": "tango"}
CONFIG_FILE = "config.json"
SKELETONS_FILE = "skeletons.json"
AUDIO_FILE = "audio.mp3"
_FOLDER_NAME = re.compile(r"^DANCE_(?P<genre>[A-Z])_(?P<number>\d+)$")
# len(skeletons) may differ from end_position - start_position by this share of the
# latter (1.7 % is the largest difference in the released data; a skeleton file of
# another song would be far off).
LENGTH_TOLERANCE = 0.03
# The song may end this many frames before the dance's last frame (decoder padding and
# rounding); the pair is then cut to the music.
AUDIO_SLACK_FRAMES = 1

MusicFeatures = Callable[..., np.ndarray]


@dataclass(frozen=True, eq=False)
class DwmMotion:
    """The motion files of one sequence, checked against each other.

    Attributes
    ----------
    name : str
        Folder name, e.g. ``'DANCE_W_3'``.
    genre : str
        ``'cha-cha'``, ``'rumba'``, ``'waltz'`` or ``'tango'``.
    start_position, end_position : int
        Where the dance lies in the song, 25 fps frames.
    joints : np.ndarray [shape=(N, 23, 3), float64]
        Centimetres, y up, relative to ``center``.
    center : np.ndarray [shape=(N, 3), float64]
        Absolute root position, centimetres.
    """

    name: str
    genre: str
    start_position: int
    end_position: int
    joints: np.ndarray
    center: np.ndarray

    @property
    def n_frames(self) -> int:
        """Dance frames in the file."""
        return len(self.joints)


def parse_dwm_name(folder: str | Path) -> tuple[str, int]:
    """Genre and number of a sequence folder: ``'DANCE_W_3'`` -> ``('waltz', 3)``."""
    name = Path(folder).name
    match = _FOLDER_NAME.match(name)
    if match is None:
        raise DataError(
            f"{folder}: not a Dance-with-Melody folder name such as 'DANCE_W_3'."
        )
    letter = match.group("genre")
    if letter not in DWM_GENRES:
        known = ", ".join(f"{k} ({v})" for k, v in DWM_GENRES.items())
        raise DataError(
            f"{folder}: unknown genre letter {letter!r}; known letters are {known}."
        )
    return DWM_GENRES[letter], int(match.group("number"))


def list_dwm_sequences(root: str | Path) -> list[str]:
    """Sequence folders ``DANCE_<genre>_<n>`` under a Dance-with-Melody root.

    Parameters
    ----------
    root : str or Path
        The folder that holds the ``DANCE_*`` folders.

    Returns
    -------
    folders : list of str
        Paths, sorted by genre letter then number (``DANCE_W_3`` before ``DANCE_W_10``).
        Folders are listed even when files are missing; loading reports those.
    """
    root = Path(root)
    if not root.is_dir():
        raise DataError(f"the Dance-with-Melody folder {root} does not exist.")
    found = []
    for path in root.iterdir():
        match = _FOLDER_NAME.match(path.name)
        if match is not None and path.is_dir():
            found.append(
                ((match.group("genre"), int(match.group("number"))), str(path))
            )
    if not found:
        raise DataError(
            f"no DANCE_<genre>_<n> folders in {root}; is it the Dance-with-Melody root?"
        )
    return [path for _key, path in sorted(found)]


def _read_json(path: Path) -> Any:
    """The JSON content of ``path``, or DataError naming it."""
    if not path.is_file():
        raise DataError(
            f"{path} is missing; every DANCE_* folder needs {CONFIG_FILE}, {SKELETONS_FILE} and {AUDIO_FILE}."
        )
    try:
        return json.loads(path.read_text("utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DataError(
            f"{path} is not valid JSON (truncated or corrupt?): {exc}"
        ) from None
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc}") from None


def _read_config(path: Path) -> tuple[int, int]:
    """(start_position, end_position) of a config.json."""
    data = _read_json(path)
    try:
        start, end = data["start_position"], data["end_position"]
    except (KeyError, TypeError):
        raise DataError(
            f"{path} must hold an object with 'start_position' and 'end_position'."
        ) from None
    if (
        not all(isinstance(v, int) and not isinstance(v, bool) for v in (start, end))
        or not 0 <= start < end
    ):
        raise DataError(
            f"{path} has start_position {start!r} and end_position {end!r}; expected whole "
            "frame numbers with 0 <= start < end."
        )
    return start, end


def _read_skeletons(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """(joints (N, 23, 3), center (N, 3)) of a skeletons.json, in centimetres."""
    data = _read_json(path)
    if not isinstance(data, dict) or "skeletons" not in data or "center" not in data:
        raise DataError(f"{path} must hold an object with 'skeletons' and 'center'.")
    try:
        joints = np.asarray(data["skeletons"], dtype=np.float64)
        center = np.asarray(data["center"], dtype=np.float64)
    except (TypeError, ValueError):
        raise DataError(
            f"{path}: 'skeletons' and 'center' must be rectangular arrays of numbers."
        ) from None
    n = len(joints)
    if joints.shape != (n, DWM_N_JOINTS, 3) or n == 0:
        raise DataError(
            f"{path}: 'skeletons' has shape {joints.shape}; expected (N, {DWM_N_JOINTS}, 3) with N > 0."
        )
    if center.shape != (n, 3):
        raise DataError(
            f"{path}: 'center' has shape {center.shape}; expected ({n}, 3), one row per skeleton."
        )
    length = data.get("length", n)
    if length != n:
        raise DataError(
            f"{path}: 'length' says {length} frames but 'skeletons' holds {n}."
        )
    if not (np.isfinite(joints).all() and np.isfinite(center).all()):
        raise DataError(f"{path} holds NaN or infinite positions.")
    return joints, center


def read_dwm_motion(folder: str | Path) -> DwmMotion:
    """Read and cross-check the motion files of one sequence (not the audio).

    Parameters
    ----------
    folder : str or Path
        A ``DANCE_<genre>_<n>`` folder.

    Returns
    -------
    motion : DwmMotion

    Raises
    ------
    DataError
        A file is missing or malformed, or ``len(skeletons)`` differs from
        ``end_position - start_position`` by more than :data:`LENGTH_TOLERANCE`.
    """
    folder = Path(folder)
    genre, _number = parse_dwm_name(folder)
    start, end = _read_config(folder / CONFIG_FILE)
    skeletons = folder / SKELETONS_FILE
    joints, center = _read_skeletons(skeletons)
    expected = end - start
    if abs(len(joints) - expected) > LENGTH_TOLERANCE * expected:
        raise DataError(
            f"{skeletons} holds {len(joints)} frames but {folder / CONFIG_FILE} places a dance of "
            f"{expected} frames ({start} to {end}); they differ by more than "
            f"{LENGTH_TOLERANCE:.0%}, so the files do not belong together."
        )
    return DwmMotion(folder.name, genre, start, end, joints, center)


def check_dwm_audio(folder: str | Path, motion: DwmMotion) -> float:
    """Check from its header that the song lasts at least until the dance ends.

    Returns
    -------
    duration : float
        Seconds of audio.

    Raises
    ------
    DataError
        The mp3 is missing, unreadable or shorter than the dance.
    """
    path = Path(folder) / AUDIO_FILE
    if not path.is_file():
        raise DataError(
            f"{path} is missing; every DANCE_* folder needs {CONFIG_FILE}, {SKELETONS_FILE} and {AUDIO_FILE}."
        )
    try:
        duration = float(sf.info(str(path)).duration)
    except (sf.LibsndfileError, RuntimeError) as exc:
        raise DataError(f"cannot read {path} as audio: {exc}") from None
    _check_covers(path, available_frames=math.ceil(duration * FPS), motion=motion)
    return duration


def _check_covers(path: Path, *, available_frames: int, motion: DwmMotion) -> None:
    """DataError unless ``available_frames`` of music reach the dance's last frame."""
    needed = motion.start_position + motion.n_frames
    if available_frames < needed - AUDIO_SLACK_FRAMES:
        raise DataError(
            f"{path} lasts {available_frames / FPS:.2f} s but the dance runs until "
            f"{needed / FPS:.2f} s (frames {motion.start_position} to {needed}); the song is "
            "shorter than the dance."
        )


def _default_features(audio: np.ndarray, *, sr: int) -> np.ndarray:
    """The project's music features (imported late: librosa is slow to import)."""
    from ..features import music_features

    return music_features(audio, sr=sr)


def dwm_music(
    folder: str | Path, motion: DwmMotion, *, features: MusicFeatures | None = None
) -> np.ndarray:
    """Music features of a sequence's song, from the dance's first frame on.

    The whole song is analysed (beat tracking needs context) and its rows from
    ``start_position`` on are kept, so music row ``i`` and dance frame ``i`` describe the
    same 40 ms.

    Parameters
    ----------
    folder : str or Path
        A ``DANCE_<genre>_<n>`` folder.
    motion : DwmMotion
        Its motion, from :func:`read_dwm_motion`.
    features : callable, optional
        ``features(audio, sr=...) -> (T, 53)``; default
        :func:`livedual.features.music_features`.

    Returns
    -------
    music : np.ndarray [shape=(M, 53), float32]
        ``M <= motion.n_frames`` (fewer only by the slack of :data:`AUDIO_SLACK_FRAMES`).
    """
    from ..audio import load_audio

    path = Path(folder) / AUDIO_FILE
    check_dwm_audio(folder, motion)
    try:
        audio = load_audio(path, sr=SAMPLE_RATE)
    except AudioError as exc:
        raise DataError(str(exc)) from None
    music = np.asarray(
        (features or _default_features)(audio, sr=SAMPLE_RATE), dtype=np.float32
    )
    if music.ndim != 2 or music.shape[1] != MUSIC_DIM:
        raise DataError(
            f"music features of {path} have shape {music.shape}, expected (T, {MUSIC_DIM})."
        )
    _check_covers(path, available_frames=len(music), motion=motion)
    return music[motion.start_position : motion.start_position + motion.n_frames]


def load_dwm_sequence(
    folder: str | Path,
    *,
    features: MusicFeatures | None = None,
    smoothing: float | None = None,
) -> PairedSequence:
    """Music features and SMPL poses of one Dance-with-Melody sequence, frame-aligned.

    Parameters
    ----------
    folder : str or Path
        A ``DANCE_<genre>_<n>`` folder.
    features : callable, optional
        Music feature function (see :func:`dwm_music`).
    smoothing : float, optional
        Rotation smoothing of the fit in frames (see :func:`livedual.ik.fit_dwm`);
        default that of ``fit_dwm``.

    Returns
    -------
    sequence : PairedSequence
        ``music`` [shape=(T, 53), float32] and ``pose`` [shape=(T, 147), float32] at
        25 fps, both cut to the shorter; ``name`` is the folder name, ``genre`` from it.

    Raises
    ------
    DataError
        Naming the file at fault: missing, malformed or truncated JSON, mismatched
        lengths, an mp3 shorter than the dance, or joints that left and right cannot be
        told apart in.
    """
    folder = Path(folder)
    motion = read_dwm_motion(folder)
    check_dwm_audio(folder, motion)  # fail fast, before the fit and the decoding
    kwargs = {} if smoothing is None else {"smoothing": smoothing}
    try:
        fit = fit_dwm(joints=motion.joints, center=motion.center, **kwargs)
    except DataError as exc:
        raise DataError(f"{folder / SKELETONS_FILE}: {exc}") from None
    music = dwm_music(folder, motion, features=features)
    n = min(len(music), motion.n_frames)
    errors = fit.frame_errors()
    _LOGGER.info(
        "%s: %d frames, IK error mean %.2f cm, max %.2f cm",
        motion.name,
        n,
        100 * errors.mean(),
        100 * errors.max(),
    )
    return PairedSequence(
        name=motion.name, genre=motion.genre, music=music[:n], pose=fit.pose[:n]
    )
