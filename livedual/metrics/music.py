"""Music metrics: key estimation and the paper's notes accuracy, on chroma.

The paper (Wu et al., ACM MM 2021) scores generated music by its *notes accuracy*
(paper: 72 %) after transposing generated and real music to C major / A minor, so that a
composition in another key is not punished for its key. livedual makes that precise:

1. each piece's key is estimated with the Krumhansl-Schmuckler algorithm
   (:func:`estimate_key`: Pearson correlation of the summed chroma with the 24 rotations
   of the Krumhansl-Kessler major and minor key profiles; Krumhansl, "Cognitive
   Foundations of Musical Pitch", 1990);
2. each piece is transposed so that its key becomes C major or A minor
   (:func:`transpose_to_c`);
3. the frames are compared: the share of frames whose dominant pitch class (or best
   major/minor triad, :func:`livedual.chords.best_chord`) agrees (:func:`notes_accuracy`).

Chroma is ``(T, 12)`` non-negative pitch-class energy, C first, one row per 25 fps frame
(the music features' chroma or G_D->M's chroma output).
"""

from __future__ import annotations

import numpy as np

from ..chords import best_chord
from ..const import N_CHROMA
from ..errors import ParameterError

# Krumhansl & Kessler (1982) probe-tone ratings, tonic first.
KK_MAJOR = np.array(
    [6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88]
)
KK_MINOR = np.array(
    [6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17]
)
C_TONIC = 0  # target tonic of major keys
A_TONIC = 9  # target tonic of minor keys: A minor shares C major's notes
LEVELS = ("pitch_class", "chord")
SILENT_ENERGY = 1e-8  # a chroma frame with less total energy than this holds no note


def key_profiles() -> np.ndarray:
    """The 24 key profiles, in livedual's chord order (0..11 major, 12..23 minor).

    Returns
    -------
    profiles : np.ndarray [shape=(24, 12)]
        Row ``k`` is the major (``k < 12``) or minor profile rotated to tonic ``k % 12``.
    """
    return np.stack(
        [np.roll(KK_MAJOR, tonic) for tonic in range(N_CHROMA)]
        + [np.roll(KK_MINOR, tonic) for tonic in range(N_CHROMA)]
    )


_PROFILES = key_profiles()


def estimate_key(chroma: np.ndarray) -> int:
    """Key of a piece by the Krumhansl-Schmuckler algorithm.

    The chroma summed over time is correlated (Pearson) with each of the 24 key
    profiles; the best one is the key. Transposing the piece by ``s`` semitones moves the
    estimate by ``s`` semitones (same mode).

    Parameters
    ----------
    chroma : np.ndarray [shape=(T, 12) or (12,)]
        Non-negative pitch-class energy, C first.

    Returns
    -------
    key : int
        In 0..23: tonic ``key % 12`` (0 = C), mode ``key // 12`` (0 major, 1 minor), the
        numbering of :mod:`livedual.chords`.
    """
    total = _check_chroma(chroma).reshape(-1, N_CHROMA).sum(axis=0)
    if total.std() == 0:
        raise ParameterError(
            "cannot estimate the key of a chroma with no pitch contrast."
        )
    centred = total - total.mean()
    profiles = _PROFILES - _PROFILES.mean(axis=1, keepdims=True)
    correlation = (
        profiles
        @ centred
        / (np.linalg.norm(profiles, axis=1) * np.linalg.norm(centred))
    )
    return int(np.argmax(correlation))


def transpose_to_c(chroma: np.ndarray, *, key: int) -> np.ndarray:
    """Transpose a chroma sequence so that its key becomes C major or A minor.

    Parameters
    ----------
    chroma : np.ndarray [shape=(..., 12)]
        Pitch-class energy, C first.
    key : int
        The piece's key, 0..23 (see :func:`estimate_key`).

    Returns
    -------
    transposed : np.ndarray [shape=(..., 12)]
        Rolled along the last axis: a major key's tonic moves to C, a minor key's to A.
    """
    chroma = _check_chroma(chroma)
    if not 0 <= key < 2 * N_CHROMA:
        raise ParameterError(f"key must lie in 0..{2 * N_CHROMA - 1}, not {key}.")
    target = C_TONIC if key < N_CHROMA else A_TONIC
    return np.roll(chroma, target - key % N_CHROMA, axis=-1)


def notes_accuracy(
    generated: np.ndarray, reference: np.ndarray, *, level: str = "pitch_class"
) -> float:
    """The paper's notes accuracy: frame-wise agreement after transposing both to C.

    Both pieces are transposed by their own estimated key (:func:`estimate_key`,
    :func:`transpose_to_c`); then each frame is reduced to its dominant pitch class
    (``level="pitch_class"``) or its best-matching major/minor triad (``level="chord"``),
    and the accuracy is the share of frames where generated and reference agree, over the
    frames where both sound (total chroma energy above 1e-8). A piece against any
    transposition of itself scores 1.

    Parameters
    ----------
    generated, reference : np.ndarray [shape=(T, 12)]
        Chroma sequences of the same length.
    level : {"pitch_class", "chord"}
        What is compared per frame.

    Returns
    -------
    accuracy : float
        In [0, 1]; 0.0 when no frame sounds in both.
    """
    generated, reference = _check_chroma(generated), _check_chroma(reference)
    if generated.ndim != 2 or generated.shape != reference.shape:
        raise ParameterError(
            "generated and reference chroma must have the same shape (T, 12), got "
            f"{generated.shape} and {reference.shape}."
        )
    if level not in LEVELS:
        raise ParameterError(f"level must be one of {LEVELS}, not {level!r}.")
    labels = [
        _frame_labels(transpose_to_c(c, key=estimate_key(c)), level)
        for c in (generated, reference)
    ]
    sounding = (generated.sum(axis=1) > SILENT_ENERGY) & (
        reference.sum(axis=1) > SILENT_ENERGY
    )
    if not sounding.any():
        return 0.0
    return float(np.mean(labels[0][sounding] == labels[1][sounding]))


def _frame_labels(chroma: np.ndarray, level: str) -> np.ndarray:
    """Dominant pitch class or best triad of each frame."""
    return np.argmax(chroma, axis=-1) if level == "pitch_class" else best_chord(chroma)


def _check_chroma(chroma: np.ndarray) -> np.ndarray:
    """Finite, non-negative float chroma with 12 bins on the last axis."""
    chroma = np.asarray(chroma, dtype=np.float64)
    if chroma.ndim < 1 or chroma.shape[-1] != N_CHROMA or chroma.size == 0:
        raise ParameterError(
            f"chroma must have shape (..., {N_CHROMA}), got {chroma.shape}."
        )
    if not np.all(np.isfinite(chroma)) or np.any(chroma < 0):
        raise ParameterError("chroma must hold finite, non-negative values.")
    return chroma
