"""Music frames to notes: the deterministic decoder behind MIDI output of dance -> music.

G_D->M writes 13 values per 25 fps frame: 12 chroma and a beat strength. The decoder turns
them into notes in four steps, every one a plain rule so the same frames always give the
same notes:

1. Onsets. A frame is an onset when its beat strength exceeds ``beat_threshold`` and is a
   local peak (strictly above the frame before, at least the frame after, so a plateau
   counts once, at its first frame). Scanning forward, an onset closer than
   ``min_onset_gap_s`` to the previous kept onset is dropped. When the beat strength never
   reaches the threshold (a model that has not learnt beats) and the dance's own
   kinematic beats are given, those are the onsets instead, filtered the same way.
2. Chords. Each onset opens a segment that lasts until the next onset (the last one until
   the end of the frames). The segment's mean chroma is matched to the 24 major/minor
   triad templates by cosine similarity (:func:`livedual.chords.best_chord`); a segment
   with no chroma energy is silent.
3. Notes. Each segment plays the chord's root as a bass note (``bass_base`` + root, on
   ``bass_channel``) and the triad in close position above ``chord_base`` (root, third,
   fifth, on ``chord_channel``), from the onset to the end of the segment.
4. Velocity. The segment's mean motion energy (mean joint speed, m/s, see
   :func:`motion_energy`) maps linearly onto ``velocity_min .. velocity_max``, reaching the
   top at ``energy_ref``; without motion energy every note has ``velocity_default``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from ..chords import best_chord
from ..const import FPS, MUSIC_OUT_BEAT, MUSIC_OUT_CHROMA, MUSIC_OUT_DIM, N_CHROMA
from ..errors import ParameterError
from ..skeleton import pose_to_joints

MIDI_MAX = 127
MIDI_CHANNELS = 16
# Triad intervals above the root, in semitones, by quality (chord index // 12).
TRIAD_INTERVALS = ((0, 4, 7), (0, 3, 7))  # major, minor
_SILENT_CHROMA = 1e-8  # below this summed chroma a segment has no chord


@dataclass(frozen=True)
class Note:
    """One note.

    Attributes
    ----------
    pitch : int
        MIDI note number 0..127 (60 = middle C).
    start_s, end_s : float
        Onset and release, seconds from the start of the decoded frames.
    velocity : int
        1..127.
    channel : int
        MIDI channel 0..15 (shown as 1..16 by most synths).
    """

    pitch: int
    start_s: float
    end_s: float
    velocity: int
    channel: int = 0

    def __post_init__(self) -> None:
        for name, low, high in (
            ("pitch", 0, MIDI_MAX),
            ("velocity", 1, MIDI_MAX),
            ("channel", 0, MIDI_CHANNELS - 1),
        ):
            value = getattr(self, name)
            if not low <= value <= high:
                raise ParameterError(
                    f"note {name} must be in range {low}..{high}, got {value}."
                )
        if not 0.0 <= self.start_s < self.end_s:
            raise ParameterError(
                f"a note must start at or after 0 s and end after it starts, got "
                f"{self.start_s} .. {self.end_s} s."
            )


@dataclass(frozen=True)
class NoteDecoderOptions:
    """Settings of :func:`decode_notes`."""

    beat_threshold: float = 0.5
    """Beat strength above which a peak is an onset."""
    min_onset_gap_s: float = 0.2
    """Shortest time between onsets (0.2 s: at most 300 onsets a minute)."""
    chord_base: int = 60
    """MIDI note of C in the chord octave (60 = C4)."""
    bass_base: int = 36
    """MIDI note of C in the bass octave (36 = C2)."""
    chord_channel: int = 0
    bass_channel: int = 1
    velocity_min: int = 40
    velocity_max: int = 120
    velocity_default: int = 80
    """Velocity when no motion energy is given."""
    energy_ref: float = 2.5
    """Mean joint speed (m/s) that gives ``velocity_max``: about the 90th percentile of
    energetic AIST++ dances."""


def motion_energy(*, pose: np.ndarray, fps: float = FPS) -> np.ndarray:
    """Mean joint speed of each frame.

    Parameters
    ----------
    pose : np.ndarray [shape=(T, 147)]
    fps : float
        Frame rate, Hz.

    Returns
    -------
    energy : np.ndarray [shape=(T,)]
        Mean over the 24 joints of the speed since the previous frame, m/s; frame 0
        repeats frame 1 (0 for a single frame).
    """
    pose = np.asarray(pose, dtype=np.float64)
    if pose.ndim != 2:
        raise ParameterError(f"pose must have shape (T, 147), got {pose.shape}.")
    joints = pose_to_joints(pose)  # (T, 24, 3)
    step = np.linalg.norm(np.diff(joints, axis=0), axis=-1)  # (T-1, 24) metres
    speed = step.mean(axis=-1) * fps  # (T-1,)
    if len(speed) == 0:
        return np.zeros(len(pose))
    return np.concatenate([speed[:1], speed])


def pick_onsets(
    *, beat: np.ndarray, threshold: float, min_gap_frames: int
) -> np.ndarray:
    """Onset frames of a beat-strength track (step 1 of the module docstring).

    Parameters
    ----------
    beat : np.ndarray [shape=(T,)]
    threshold : float
    min_gap_frames : int

    Returns
    -------
    onsets : np.ndarray [shape=(K,), int]
        Increasing frame indices.
    """
    beat = np.asarray(beat, dtype=np.float64)
    padded = np.concatenate([[-np.inf], beat, [-np.inf]])
    peaks = (beat > threshold) & (beat > padded[:-2]) & (beat >= padded[2:])
    kept: list[int] = []
    for frame in np.flatnonzero(peaks):
        if not kept or frame - kept[-1] >= min_gap_frames:
            kept.append(int(frame))
    return np.array(kept, dtype=np.int64)


def _velocity(energy: float | None, options: NoteDecoderOptions) -> int:
    if energy is None:
        return options.velocity_default
    share = float(np.clip(energy / options.energy_ref, 0.0, 1.0))
    return round(
        options.velocity_min + share * (options.velocity_max - options.velocity_min)
    )


def decode_notes(
    *,
    music: np.ndarray,
    motion_energy: np.ndarray | None = None,
    motion_beats: np.ndarray | None = None,
    fps: float = FPS,
    options: NoteDecoderOptions = NoteDecoderOptions(),
) -> list[Note]:
    """Notes of a sequence of music frames (the rules of the module docstring).

    Parameters
    ----------
    music : np.ndarray [shape=(T, 13)]
        12 chroma (C..B, non-negative) and a beat strength 0..1 per frame.
    motion_energy : np.ndarray [shape=(T,)] or None
        Mean joint speed, m/s (:func:`motion_energy`), for velocities.
    motion_beats : np.ndarray [shape=(K,), int] or None
        Frames of the dance's kinematic beats (:func:`livedual.rhythm.kinematic_beats`),
        the onsets when the music's beat strength never reaches the threshold.
    fps : float
        Frame rate of ``music``, Hz.
    options : NoteDecoderOptions

    Returns
    -------
    notes : list of Note
        Sorted by start time, then channel, then pitch. Times are seconds from frame 0.
    """
    music = np.asarray(music, dtype=np.float64)
    if music.ndim != 2 or music.shape[1] != MUSIC_OUT_DIM:
        raise ParameterError(
            f"music must have shape (T, {MUSIC_OUT_DIM}), got {music.shape}."
        )
    if motion_energy is not None:
        motion_energy = np.asarray(motion_energy, dtype=np.float64)
        if motion_energy.shape != (len(music),):
            raise ParameterError(
                f"motion_energy must have shape ({len(music)},), got {motion_energy.shape}."
            )
    min_gap = max(1, round(options.min_onset_gap_s * fps))
    beat, threshold = music[:, MUSIC_OUT_BEAT], options.beat_threshold
    if motion_beats is not None and not (beat > threshold).any():
        beat, threshold = np.zeros(len(music)), 0.5
        beat[np.asarray(motion_beats, dtype=np.int64)] = 1.0
    onsets = pick_onsets(beat=beat, threshold=threshold, min_gap_frames=min_gap)
    bounds = np.append(onsets, len(music))
    notes: list[Note] = []
    for start, end in itertools.pairwise(bounds):
        chroma = np.clip(music[start:end, MUSIC_OUT_CHROMA], 0.0, None).mean(axis=0)
        if chroma.sum() < _SILENT_CHROMA:
            continue
        energy = (
            None if motion_energy is None else float(motion_energy[start:end].mean())
        )
        notes += _segment_notes(
            chord=int(best_chord(chroma)),
            start_s=float(start / fps),
            end_s=float(end / fps),
            velocity=_velocity(energy, options),
            options=options,
        )
    return sorted(notes, key=lambda n: (n.start_s, n.channel, n.pitch))


def _segment_notes(
    *,
    chord: int,
    start_s: float,
    end_s: float,
    velocity: int,
    options: NoteDecoderOptions,
) -> list[Note]:
    """Bass note and triad of one chord segment."""
    root, quality = chord % N_CHROMA, chord // N_CHROMA
    pitches = [(options.bass_base + root, options.bass_channel)]
    pitches += [
        (options.chord_base + root + interval, options.chord_channel)
        for interval in TRIAD_INTERVALS[quality]
    ]
    return [
        Note(pitch=p, start_s=start_s, end_s=end_s, velocity=velocity, channel=c)
        for p, c in pitches
    ]
