"""Chord templates: the 24 major and minor triads as 12-bin pitch-class profiles.

Chord index ``k`` is root ``k % 12`` (0 = C) and quality ``k // 12`` (0 = major,
1 = minor): the start tokens of G_D->M and the chords of the note decoder.
"""

from __future__ import annotations

import numpy as np

from .const import N_CHORDS, N_CHROMA

PITCH_CLASSES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
QUALITIES = ("major", "minor")
_INTERVALS = {"major": (0, 4, 7), "minor": (0, 3, 7)}


def chord_templates() -> np.ndarray:
    """Unit-norm triad profiles.

    Returns
    -------
    templates : np.ndarray [shape=(24, 12)]
        Row ``k`` is the triad of chord index ``k``.
    """
    templates = np.zeros((N_CHORDS, N_CHROMA))
    for quality_index, quality in enumerate(QUALITIES):
        for root in range(N_CHROMA):
            for interval in _INTERVALS[quality]:
                templates[
                    quality_index * N_CHROMA + root, (root + interval) % N_CHROMA
                ] = 1.0
    return templates / np.linalg.norm(templates, axis=1, keepdims=True)


_TEMPLATES = chord_templates()


def best_chord(chroma: np.ndarray) -> np.ndarray:
    """Chord index whose triad best matches each chroma vector (cosine similarity).

    Parameters
    ----------
    chroma : np.ndarray [shape=(..., 12)]
        Non-negative pitch-class energies.

    Returns
    -------
    chord : np.ndarray [shape=(...), int]
        Indices in 0..23.
    """
    chroma = np.asarray(chroma, dtype=np.float64)
    norm = np.linalg.norm(chroma, axis=-1, keepdims=True)
    return np.argmax((chroma / np.maximum(norm, 1e-12)) @ _TEMPLATES.T, axis=-1)


def chord_name(index: int) -> str:
    """Readable name of a chord index, e.g. ``'A minor'``."""
    return f"{PITCH_CLASSES[index % N_CHROMA]} {QUALITIES[index // N_CHROMA]}"
