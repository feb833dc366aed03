"""The sequences an evaluation runs on, and the training windows its baselines draw from.

Two sources:

- the synthetic corpus: held-out songs rendered by :func:`livedual.data.synth.make_song`
  with seeds from :data:`EVAL_SEED_BASE` on (training corpora draw 31-bit hashed seeds,
  see :func:`livedual.data.synth.song_seed`), scored against their true beats; the
  baselines' training windows are a small synthetic training corpus;
- a prepared folder (``livedual prepare``: ``*.npz`` window files and ``prepare.json``):
  each file's windows are put back together into its full sequence (the windows were cut
  every ``stride`` frames), the music beats are the feature track's beat flags, and the
  baselines draw from the windows of the *other* sequences (leave one sequence out).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from ..const import BEAT, WINDOW_FRAMES
from ..data.prepare import MANIFEST
from ..data.windows import WindowSet
from ..errors import DataError, ParameterError
from ..rhythm import beat_frames_from_flags

_LOGGER = logging.getLogger(__name__)

EVAL_SEED_BASE = 10_000  # held-out synthetic songs: make_song(EVAL_SEED_BASE + i)
TRAIN_CORPUS_SEED = 0  # seed of the synthetic training corpus the baselines draw from


@dataclass(frozen=True)
class EvalSequence:
    """One held-out sequence: music, the real dance to it and the music's beats.

    Attributes
    ----------
    name : str
        Identifier: the ``sequence`` label of its windows (the baselines skip windows
        with this label).
    music : np.ndarray [shape=(T, 53), float32]
        Raw music features at 25 fps.
    pose : np.ndarray [shape=(T, 147), float32]
        The ground-truth dance.
    beats : np.ndarray [shape=(B,), int]
        Music beat frames.
    """

    name: str
    music: np.ndarray
    pose: np.ndarray
    beats: np.ndarray


@dataclass(frozen=True)
class EvalCorpus:
    """Held-out sequences plus the training windows of the baselines.

    Attributes
    ----------
    source : str
        ``"synthetic"`` or the prepared folder's path.
    sequences : list of EvalSequence
    train : WindowSet
        Windows the baselines may use (never from the held-out sequences).
    beat_source : str
        Where the music beats come from (``"truth"`` or ``"features"``).
    """

    source: str
    sequences: list[EvalSequence]
    train: WindowSet
    beat_source: str


def synthetic_corpus(
    *, songs: int, duration_s: float, train_songs: int, progress: bool = False
) -> EvalCorpus:
    """Held-out synthetic songs and a synthetic training corpus for the baselines.

    Parameters
    ----------
    songs : int > 0
        Number of held-out songs; song ``i`` has seed ``EVAL_SEED_BASE + i`` and cycles
        through the dance styles.
    duration_s : float
        Length of every song (held-out and training), seconds, at least one window.
    train_songs : int > 0
        Songs of the training corpus (seed :data:`TRAIN_CORPUS_SEED`).
    progress : bool
        Show a progress bar.

    Returns
    -------
    corpus : EvalCorpus
        Beats are the songs' true beat frames.
    """
    from ..data.synth import STYLES, make_song, synthetic_windows
    from ..features import music_features

    if songs < 1 or train_songs < 1:
        raise ParameterError(
            f"--songs and --train-songs must be positive, not {songs} and {train_songs}."
        )
    sequences = []
    for i in tqdm(range(songs), desc="songs", unit="song", disable=not progress):
        song = make_song(
            EVAL_SEED_BASE + i, duration_s=duration_s, style=STYLES[i % len(STYLES)]
        )
        music = music_features(song.audio, sr=song.sr)
        frames = min(len(music), len(song.pose))
        beats = song.truth.beat_frames
        sequences.append(
            EvalSequence(
                song.song_id, music[:frames], song.pose[:frames], beats[beats < frames]
            )
        )
    train = synthetic_windows(
        n_songs=train_songs, seed=TRAIN_CORPUS_SEED, duration_s=duration_s
    )
    return EvalCorpus("synthetic", sequences, train, "truth")


def prepared_corpus(
    folder: str | Path,
    *,
    songs: int | None = None,
    sequences: Sequence[str] | None = None,
) -> EvalCorpus:
    """Full sequences put back together from a prepared window folder.

    Parameters
    ----------
    folder : path
        Output of ``livedual prepare``: ``*.npz`` window files and ``prepare.json``
        (whose ``stride`` says how the windows overlap).
    songs : int or None
        Evaluate the first ``songs`` files in name order (None: all). The baselines draw
        from the windows of every file except the one evaluated.
    sequences : sequence of str or None
        Evaluate only these sequences (e.g. a training run's held-out ones, listed in its
        checkpoint); applied before ``songs``.

    Returns
    -------
    corpus : EvalCorpus
        Beats are the music features' beat flags.
    """
    folder = Path(folder)
    files = sorted(folder.glob("*.npz"))
    if not folder.is_dir() or not files:
        raise DataError(
            f"{folder}: not a prepared folder (no *.npz window files); make one with "
            "'livedual prepare', or pass --data synthetic."
        )
    stride = _manifest_stride(folder)
    parts = [part for part in map(WindowSet.load, files) if len(part)]
    chosen = parts if sequences is None else _select(parts, sequences, folder)
    chosen = chosen if songs is None else chosen[:songs]
    if len(parts) < 2:
        raise DataError(
            f"{folder}: the baselines need at least two sequences, found one."
        )
    whole = [_reassemble(part, stride) for part in chosen]
    return EvalCorpus(str(folder), whole, WindowSet.concatenate(parts), "features")


def _select(
    parts: list[WindowSet], names: Sequence[str], folder: Path
) -> list[WindowSet]:
    """The window sets of the named sequences, in folder order."""
    found = {str(part.sequence[0]): part for part in parts}
    missing = [name for name in names if name not in found]
    if missing:
        raise DataError(
            f"{folder}: no sequence named {', '.join(missing)}; it holds "
            f"{', '.join(sorted(found))}."
        )
    return [part for name, part in found.items() if name in set(names)]


def _manifest_stride(folder: Path) -> int:
    """The window stride of a prepared folder (its prepare.json)."""
    try:
        stride = int(json.loads((folder / MANIFEST).read_text())["stride"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DataError(
            f"{folder / MANIFEST}: missing or unreadable ({exc})."
        ) from None
    if not 0 < stride <= WINDOW_FRAMES:
        raise DataError(
            f"{folder / MANIFEST}: stride {stride} leaves gaps between windows; "
            f"re-prepare with a stride of at most {WINDOW_FRAMES} frames."
        )
    return stride


def _reassemble(windows: WindowSet, stride: int) -> EvalSequence:
    """The sequence the windows were cut from (starts 0, stride, 2 stride, ...)."""
    name = str(windows.sequence[0])
    music = np.concatenate(
        [windows.music[0]] + [w[-stride:] for w in windows.music[1:]]
    )
    pose = np.concatenate([windows.pose[0]] + [w[-stride:] for w in windows.pose[1:]])
    return EvalSequence(name, music, pose, beat_frames_from_flags(music[:, BEAT]))
