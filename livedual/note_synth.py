"""A small built-in synthesiser: notes to audio, so composed music can be heard anywhere.

Each note is a few decaying harmonics with a short attack and release; a General MIDI
soundfont through fluidsynth sounds better and is used by ``compose`` when it is present.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from .const import SAMPLE_RATE
from .io.notes import Note

ATTACK_S = 0.01  # onset ramp: long enough to avoid clicks
RELEASE_S = 0.12  # tail after the note's end
HARMONICS = (1.0, 0.5, 0.25, 0.12)  # amplitudes of partials 1..4
DECAY_PER_S = 2.5  # exponential decay rate of a held note (piano-like)
PEAK = 0.8  # the mix is scaled so its loudest sample is this


def midi_to_hz(pitch: np.ndarray | int) -> np.ndarray:
    """Frequency in Hz of MIDI note numbers (A4 = 69 = 440 Hz)."""
    return 440.0 * 2.0 ** ((np.asarray(pitch, dtype=np.float64) - 69.0) / 12.0)


def render_notes(
    notes: Iterable[Note], *, sr: int = SAMPLE_RATE, duration_s: float | None = None
) -> np.ndarray:
    """Mono audio of ``notes``.

    Parameters
    ----------
    notes : iterable of Note
    sr : int
        Sample rate in Hz.
    duration_s : float, optional
        Length of the result; default the end of the last note plus its release.

    Returns
    -------
    audio : np.ndarray [shape=(n,), float32]
        Peak-normalised to 0.8 (silence when there are no notes).
    """
    notes = list(notes)
    end = max((n.end_s for n in notes), default=0.0) + RELEASE_S
    total = int(round((duration_s if duration_s is not None else end) * sr))
    mix = np.zeros(max(total, 1), dtype=np.float64)
    for note in notes:
        _add_note(mix, note, sr)
    peak = np.abs(mix).max()
    return (mix * (PEAK / peak) if peak > 0 else mix).astype(np.float32)


def _add_note(mix: np.ndarray, note: Note, sr: int) -> None:
    start = int(note.start_s * sr)
    length = int((note.end_s - note.start_s + RELEASE_S) * sr)
    length = min(length, len(mix) - start)
    if length <= 0:
        return
    t = np.arange(length) / sr
    held = note.end_s - note.start_s
    envelope = np.minimum(t / ATTACK_S, 1.0) * np.exp(-DECAY_PER_S * t)
    envelope *= np.clip((held + RELEASE_S - t) / RELEASE_S, 0.0, 1.0)  # release ramp
    f0 = float(midi_to_hz(note.pitch))
    tone = sum(
        a * np.sin(2 * np.pi * f0 * (k + 1) * t)
        for k, a in enumerate(HARMONICS)
        if f0 * (k + 1) < sr / 2
    )
    mix[start : start + length] += (note.velocity / 127.0) * envelope * tone
