"""Synthetic music for the synthetic corpus: a seeded song spec rendered to audio, with truth.

A seed draws a :class:`SongSpec` (genre, tempo, key, a chord progression per section,
section loudness); :func:`render_song` turns it into mono audio at ``SAMPLE_RATE`` with
additive synthesis (chord pads, a plucked bass on every beat, the genre's drum pattern) and
returns the ground truth the audio was made from (:class:`SongTruth`): beat and downbeat
times, the chord of every beat, the sections and the loudness envelope at 25 fps.

Each genre (:data:`GENRES`) is the music of one dance style of the corpus, as each dance
genre of AIST++ has its own music: the genres' tempo ranges do not overlap and their drum
patterns differ, so the music alone says which style to dance.

Everything is license-free, deterministic for a seed, and fast (vectorised numpy: a 30 s song
renders in a few tens of milliseconds). Music is in 4/4 with one chord per bar.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from ..chords import QUALITIES
from ..const import FPS, HOP_LENGTH, N_CHROMA, SAMPLE_RATE
from ..errors import ParameterError

_LOGGER = logging.getLogger(__name__)

# --- song structure --------------------------------------------------------------------
SECONDS_PER_MINUTE = 60.0
BEATS_PER_BAR = 4
BARS_PER_SECTION = 4
MIN_LEAD_IN_S = 0.2  # silence before the first downbeat, so no song starts on sample 0
MAX_LEAD_IN_S = 0.5
MAJOR = QUALITIES.index("major")  # chord and key quality codes, as in livedual.chords
MINOR = QUALITIES.index("minor")

# The form repeats until the song ends; each label keeps its progression and loudness.
FORM = ("verse", "chorus", "verse", "chorus", "bridge", "chorus")
SECTION_LABELS = ("verse", "chorus", "bridge")
# Gain range of each section label (0..1 of full scale): the chorus is loudest.
SECTION_GAIN = {"verse": (0.5, 0.7), "chorus": (0.85, 1.0), "bridge": (0.3, 0.5)}
GAIN_RAMP_S = 0.25  # the level moves to the next section's over this time before it

# Progressions as (semitones above the key's root, chord quality), one chord per bar.
MAJOR_PROGRESSIONS = (
    ((0, MAJOR), (7, MAJOR), (9, MINOR), (5, MAJOR)),  # I-V-vi-IV
    ((0, MAJOR), (9, MINOR), (5, MAJOR), (7, MAJOR)),  # I-vi-IV-V
    ((9, MINOR), (5, MAJOR), (0, MAJOR), (7, MAJOR)),  # vi-IV-I-V
    ((0, MAJOR), (5, MAJOR), (7, MAJOR), (5, MAJOR)),  # I-IV-V-IV
    ((2, MINOR), (7, MAJOR), (0, MAJOR), (0, MAJOR)),  # ii-V-I-I
)
MINOR_PROGRESSIONS = (
    ((0, MINOR), (8, MAJOR), (3, MAJOR), (10, MAJOR)),  # i-VI-III-VII
    ((0, MINOR), (5, MINOR), (7, MINOR), (0, MINOR)),  # i-iv-v-i
    ((0, MINOR), (10, MAJOR), (8, MAJOR), (10, MAJOR)),  # i-VII-VI-VII
    ((0, MINOR), (5, MINOR), (10, MAJOR), (3, MAJOR)),  # i-iv-VII-III
)

# --- instruments ----------------------------------------------------------------------
A4_HZ = 440.0
A4_MIDI = 69
SEMITONES_PER_OCTAVE = 12
PAD_ROOT_MIDI = 48  # chord roots are voiced from C3 up
BASS_ROOT_MIDI = 36  # bass roots from C2 up
THIRD_SEMITONES = {MAJOR: 4, MINOR: 3}
FIFTH_SEMITONES = 7
PAD_HARMONICS = 4
PAD_ROLLOFF = {
    "verse": 1.6,
    "chorus": 1.1,
    "bridge": 2.0,
}  # harmonic k has 1/k**rolloff
PAD_ATTACK_S = 0.04
PAD_RELEASE_S = 0.08
PAD_DECAY_PER_S = 0.35  # slow decay of the held chord
BASS_HARMONICS = 3
BASS_DECAY_S = 0.18
KICK_LENGTH_S = 0.3
KICK_START_HZ = 150.0
KICK_END_HZ = 48.0
KICK_SWEEP_S = 0.03
KICK_DECAY_S = 0.11
SNARE_LENGTH_S = 0.2
SNARE_TONE_HZ = 190.0
SNARE_DECAY_S = 0.05
HAT_LENGTH_S = 0.05
HAT_DECAY_S = 0.012
LEVEL = {"pad": 0.22, "bass": 0.3, "kick": 0.75, "snare": 0.25, "hat": 0.08}
LIMITER_DRIVE = 1.2  # tanh soft limiter drive
OUTPUT_PEAK = 0.9  # the limiter never exceeds this
WAVETABLE_SIZE = 4096  # samples per period of a tabulated waveform
HAT_ACCENT = 0.6  # level of a hi-hat off the beat relative to one on it


@dataclass(frozen=True)
class Genre:
    """A kind of song: its tempo range and drum pattern.

    Drum positions are in beats: kicks and snares from the start of the bar (0 = downbeat),
    hi-hats from the start of each beat.
    """

    tempo_bpm: tuple[float, float]
    kick: tuple[float, ...]
    snare: tuple[float, ...]
    hats: tuple[float, ...]
    """Hi-hats in the verse and the bridge."""
    chorus_hats: tuple[float, ...]


# One genre per dance style of livedual.data.synth_dance, under the same name.
GENRES = {
    "bounce": Genre(  # hip-hop: a pushed kick after beat 3, snare backbeat
        tempo_bpm=(85.0, 105.0),
        kick=(0.0, 1.0, 2.0, 2.5, 3.0),
        snare=(1.0, 3.0),
        hats=(0.0, 0.5),
        chorus_hats=(0.0, 0.5, 0.75),
    ),
    "sway": Genre(  # slow and sparse: no hi-hats but in the chorus
        tempo_bpm=(70.0, 85.0),
        kick=(0.0, 1.0, 2.0, 3.0),
        snare=(1.0, 3.0),
        hats=(),
        chorus_hats=(0.0, 0.5),
    ),
    "robot": Genre(  # electro: four on the floor, claps, sixteenth hi-hats throughout
        tempo_bpm=(105.0, 125.0),
        kick=(0.0, 1.0, 2.0, 3.0),
        snare=(1.0, 3.0),
        hats=(0.0, 0.25, 0.5, 0.75),
        chorus_hats=(0.0, 0.25, 0.5, 0.75),
    ),
    "jump": Genre(  # aerobic: four on the floor, eighth hi-hats, triplets in the chorus
        tempo_bpm=(125.0, 150.0),
        kick=(0.0, 1.0, 2.0, 3.0),
        snare=(1.0, 3.0),
        hats=(0.0, 0.5),
        chorus_hats=(0.0, 1 / 3, 2 / 3),
    ),
}
MIN_TEMPO_BPM = min(genre.tempo_bpm[0] for genre in GENRES.values())
MAX_TEMPO_BPM = max(genre.tempo_bpm[1] for genre in GENRES.values())


@dataclass(frozen=True)
class SongSpec:
    """What a song is made of, drawn from a seed by :func:`draw_song_spec`."""

    seed: int
    duration_s: float
    genre: str
    """A key of :data:`GENRES`."""
    tempo_bpm: float
    key_root: int
    """Pitch class of the key, 0 = C."""
    key_mode: int
    """``MAJOR`` (0) or ``MINOR`` (1)."""
    lead_in_s: float
    """Time of the first downbeat in seconds."""
    progressions: dict[str, tuple[tuple[int, int], ...]]
    """Section label -> chords as (semitones above the key root, quality), one per bar."""
    gains: dict[str, float]
    """Section label -> mix gain in [0, 1]."""

    @property
    def beat_s(self) -> float:
        """Seconds per beat."""
        return SECONDS_PER_MINUTE / self.tempo_bpm

    @property
    def n_frames(self) -> int:
        """Length of the song in 25 fps frames (the audio is exactly this many hops)."""
        return round(self.duration_s * FPS)


@dataclass
class SongTruth:
    """Ground truth of a rendered song.

    Per-beat arrays have one entry per beat (B,); per-frame arrays one entry per 25 fps frame
    (T,). Frame ``i`` is the 40 ms ``[i / 25, (i + 1) / 25)`` s, as for the music features,
    and is sampled at its centre ``(i + 0.5) / 25`` s; a beat lies in frame ``floor(t * 25)``.
    """

    tempo_bpm: float
    key_root: int
    key_mode: int
    beat_times: np.ndarray
    """[shape=(B,)] seconds."""
    beat_in_bar: np.ndarray
    """[shape=(B,), int] 0 on the downbeat, then 1, 2, 3."""
    beat_chord_root: np.ndarray
    """[shape=(B,), int] pitch class of the chord sounding on each beat."""
    beat_chord_quality: np.ndarray
    """[shape=(B,), int] ``MAJOR`` or ``MINOR``."""
    beat_section: np.ndarray
    """[shape=(B,), int] index into ``section_labels``."""
    section_labels: tuple[str, ...]
    """Label of each section in order (``verse``, ``chorus``, ``bridge``)."""
    section_starts: np.ndarray
    """[shape=(S,)] seconds."""
    loudness: np.ndarray
    """[shape=(T,)] mix gain in [0, 1] at each frame."""

    @property
    def n_frames(self) -> int:
        """Length of the song in 25 fps frames."""
        return len(self.loudness)

    @property
    def downbeat_times(self) -> np.ndarray:
        """[shape=(bars,)] seconds."""
        return self.beat_times[self.beat_in_bar == 0]

    @property
    def beat_frames(self) -> np.ndarray:
        """[shape=(B,), int] the 25 fps frame each beat lies in."""
        return np.floor(self.beat_times * FPS).astype(np.int64)

    @property
    def beat_chord_index(self) -> np.ndarray:
        """[shape=(B,), int] chord of each beat as a :mod:`livedual.chords` index (0..23)."""
        return self.beat_chord_root + N_CHROMA * self.beat_chord_quality

    def frame_index(self) -> np.ndarray:
        """[shape=(T,), int] index of the last beat lying in this frame or an earlier one, -1
        before the first beat's frame."""
        return (
            np.searchsorted(self.beat_frames, np.arange(self.n_frames), side="right")
            - 1
        )

    def frame_chords(self) -> tuple[np.ndarray, np.ndarray]:
        """Chord root and quality at each frame [shape=(T,), int] (the first chord before it starts)."""
        index = np.maximum(self.frame_index(), 0)
        return self.beat_chord_root[index], self.beat_chord_quality[index]

    def frame_sections(self) -> np.ndarray:
        """[shape=(T,), int] section index at each frame."""
        return self.beat_section[np.maximum(self.frame_index(), 0)]


def draw_genre(seed: int) -> str:
    """The genre a seed draws when none is asked for (uniform over :data:`GENRES`)."""
    names = tuple(GENRES)
    return names[int(np.random.default_rng([seed, 3]).integers(len(names)))]


def draw_song_spec(
    seed: int, *, duration_s: float, genre: str | None = None
) -> SongSpec:
    """Draw a song from a seed.

    Parameters
    ----------
    seed : int
        Any non-negative integer; the same seed always gives the same song.
    duration_s : float
        Length in seconds (at least one bar at the slowest tempo, 3.5 s).
    genre : str or None
        A key of :data:`GENRES`; None draws one from the seed (:func:`draw_genre`).

    Returns
    -------
    spec : SongSpec
    """
    if seed < 0:
        raise ParameterError(f"seed must be a non-negative integer, not {seed}.")
    min_duration = MAX_LEAD_IN_S + BEATS_PER_BAR * SECONDS_PER_MINUTE / MIN_TEMPO_BPM
    if not duration_s >= min_duration:
        raise ParameterError(
            f"duration_s must be at least {min_duration:.1f} s, not {duration_s}."
        )
    if genre is None:
        genre = draw_genre(seed)
    elif genre not in GENRES:
        raise ParameterError(
            f"unknown genre {genre!r}; choose one of {', '.join(GENRES)}."
        )
    rng = np.random.default_rng([seed, 0])
    key_mode = int(rng.integers(2))
    table = MAJOR_PROGRESSIONS if key_mode == MAJOR else MINOR_PROGRESSIONS
    chosen = rng.choice(len(table), size=len(SECTION_LABELS), replace=False)
    return SongSpec(
        seed=seed,
        duration_s=float(duration_s),
        genre=genre,
        tempo_bpm=float(rng.uniform(*GENRES[genre].tempo_bpm)),
        key_root=int(rng.integers(N_CHROMA)),
        key_mode=key_mode,
        lead_in_s=float(rng.uniform(MIN_LEAD_IN_S, MAX_LEAD_IN_S)),
        progressions={label: table[i] for label, i in zip(SECTION_LABELS, chosen)},
        gains={
            label: float(rng.uniform(*SECTION_GAIN[label])) for label in SECTION_LABELS
        },
    )


def song_truth(spec: SongSpec) -> SongTruth:
    """The beats, chords, sections and loudness of a spec, without rendering audio."""
    n_beats = int(np.ceil((spec.duration_s - spec.lead_in_s) / spec.beat_s))
    beat_times = spec.lead_in_s + np.arange(n_beats) * spec.beat_s
    beat_times = beat_times[beat_times < spec.duration_s]
    beat = np.arange(len(beat_times))
    bar = beat // BEATS_PER_BAR
    section = bar // BARS_PER_SECTION
    n_sections = int(section[-1]) + 1
    labels = tuple(FORM[i % len(FORM)] for i in range(n_sections))
    roots = np.empty(len(beat), dtype=np.int64)
    qualities = np.empty(len(beat), dtype=np.int64)
    for i in beat:
        chords = spec.progressions[labels[section[i]]]
        offset, quality = chords[bar[i] % BARS_PER_SECTION % len(chords)]
        roots[i], qualities[i] = (spec.key_root + offset) % N_CHROMA, quality
    section_starts = beat_times[:: BEATS_PER_BAR * BARS_PER_SECTION]
    return SongTruth(
        tempo_bpm=spec.tempo_bpm,
        key_root=spec.key_root,
        key_mode=spec.key_mode,
        beat_times=beat_times,
        beat_in_bar=beat % BEATS_PER_BAR,
        beat_chord_root=roots,
        beat_chord_quality=qualities,
        beat_section=section,
        section_labels=labels,
        section_starts=section_starts,
        loudness=_loudness(spec, labels, section_starts),
    )


def render_song(spec: SongSpec) -> tuple[np.ndarray, SongTruth]:
    """Render a song spec to audio.

    Parameters
    ----------
    spec : SongSpec

    Returns
    -------
    audio : np.ndarray [shape=(T * HOP_LENGTH,), float32]
        Mono audio at ``SAMPLE_RATE`` Hz, peaks below 1.
    truth : SongTruth
        What the audio was made from; ``truth.n_frames == T``.
    """
    truth = song_truth(spec)
    n_samples = spec.n_frames * HOP_LENGTH
    rng = np.random.default_rng([spec.seed, 1])
    mix = np.zeros(n_samples)
    _add_pads(mix, spec, truth)
    _add_bass(mix, spec, truth)
    _add_drums(mix, spec, truth, rng)
    gain = np.interp(
        np.arange(n_samples) / SAMPLE_RATE, frame_times(spec.n_frames), truth.loudness
    )
    audio = OUTPUT_PEAK * np.tanh(LIMITER_DRIVE * mix * gain)
    _LOGGER.debug(
        "rendered song %s: %.1f BPM, %d beats",
        spec.seed,
        spec.tempo_bpm,
        len(truth.beat_times),
    )
    return audio.astype(np.float32), truth


def frame_times(n_frames: int) -> np.ndarray:
    """Centre of each 25 fps frame in seconds [shape=(n_frames,)]."""
    return (np.arange(n_frames) + 0.5) / FPS


def _loudness(
    spec: SongSpec, labels: tuple[str, ...], section_starts: np.ndarray
) -> np.ndarray:
    """Per-frame mix gain: each section's gain, ramped over GAIN_RAMP_S at the boundaries."""
    start_frames = np.floor(
        section_starts * FPS
    )  # a section starts in its first beat's frame
    section = np.clip(
        np.searchsorted(start_frames, np.arange(spec.n_frames), side="right") - 1,
        0,
        len(labels) - 1,
    )
    gains = np.array([spec.gains[label] for label in labels])
    stepped = gains[section]
    ramp = max(1, round(GAIN_RAMP_S * FPS))
    kernel = np.ones(ramp) / ramp
    # Each frame averages itself and the frames after it: the ramp ends on the new
    # section's first downbeat, which already sounds at the new level.
    return np.convolve(
        np.pad(stepped, (0, ramp - 1), mode="edge"), kernel, mode="valid"
    )


def _hz(midi: np.ndarray | float) -> np.ndarray:
    """Frequency in Hz of MIDI note numbers."""
    return A4_HZ * 2.0 ** (
        (np.asarray(midi, dtype=np.float64) - A4_MIDI) / SEMITONES_PER_OCTAVE
    )


def _add_pads(mix: np.ndarray, spec: SongSpec, truth: SongTruth) -> None:
    """Sustained chords (root, third, fifth, octave), one per bar, from cached wavetables."""
    length = BEATS_PER_BAR * spec.beat_s
    t = np.arange(int(np.ceil((length + PAD_RELEASE_S) * SAMPLE_RATE))) / SAMPLE_RATE
    envelope = np.minimum(1.0, t / PAD_ATTACK_S) * np.exp(-PAD_DECAY_PER_S * t)
    envelope *= np.clip((length + PAD_RELEASE_S - t) / PAD_RELEASE_S, 0.0, 1.0)
    tones: dict[tuple[int, int, str], np.ndarray] = {}
    for i in np.flatnonzero(truth.beat_in_bar == 0):
        key = (
            int(truth.beat_chord_root[i]),
            int(truth.beat_chord_quality[i]),
            truth.section_labels[truth.beat_section[i]],
        )
        if key not in tones:
            root, quality, label = key
            notes = (
                PAD_ROOT_MIDI
                + root
                + np.array(
                    [0, THIRD_SEMITONES[quality], FIFTH_SEMITONES, SEMITONES_PER_OCTAVE]
                )
            )
            tones[key] = (
                LEVEL["pad"]
                * envelope
                * _additive(_hz(notes), t, rolloff=PAD_ROLLOFF[label])
            )
        _place(mix, tones[key], truth.beat_times[i])


def _add_bass(mix: np.ndarray, spec: SongSpec, truth: SongTruth) -> None:
    """A plucked bass note on the chord root at every beat."""
    t = np.arange(int(spec.beat_s * SAMPLE_RATE)) / SAMPLE_RATE
    envelope = LEVEL["bass"] * np.exp(-t / BASS_DECAY_S)
    notes: dict[int, np.ndarray] = {}
    for time, root in zip(truth.beat_times, truth.beat_chord_root):
        if root not in notes:
            notes[root] = envelope * _additive(
                _hz(np.array([BASS_ROOT_MIDI + root])),
                t,
                rolloff=1.0,
                harmonics=BASS_HARMONICS,
            )
        _place(mix, notes[root], time)


def _additive(
    freqs: np.ndarray, t: np.ndarray, *, rolloff: float, harmonics: int = PAD_HARMONICS
) -> np.ndarray:
    """Sum of notes, each with ``harmonics`` partials of amplitude 1/k**rolloff, peak about 1.

    One period of the harmonic series is tabulated once and read at each note's phase, which
    is much cheaper than a sine per partial and sample.
    """
    k = np.arange(1, harmonics + 1)
    weights = 1.0 / k**rolloff
    table_phase = np.arange(WAVETABLE_SIZE) / WAVETABLE_SIZE
    table = np.sin(2 * np.pi * table_phase[:, None] * k[None, :]) @ (
        weights / weights.sum()
    )
    out = np.zeros(len(t))
    for freq in freqs:
        index = (np.floor(t * freq * WAVETABLE_SIZE) % WAVETABLE_SIZE).astype(np.int64)
        out += table[index]
    return out / np.sqrt(len(freqs))


def _add_drums(
    mix: np.ndarray, spec: SongSpec, truth: SongTruth, rng: np.random.Generator
) -> None:
    """The genre's kick, snare and hi-hat pattern, bar by bar."""
    genre = GENRES[spec.genre]
    kick, snare, hat = _drum_samples(rng)
    for i in np.flatnonzero(truth.beat_in_bar == 0):
        bar = truth.beat_times[i]
        for step in genre.kick:
            _place(mix, LEVEL["kick"] * kick, bar + step * spec.beat_s)
        for step in genre.snare:
            _place(mix, LEVEL["snare"] * snare, bar + step * spec.beat_s)
        chorus = truth.section_labels[truth.beat_section[i]] == "chorus"
        for beat in range(BEATS_PER_BAR):
            for step in genre.chorus_hats if chorus else genre.hats:
                accent = 1.0 if step == 0 else HAT_ACCENT
                time = bar + (beat + step) * spec.beat_s
                _place(mix, LEVEL["hat"] * accent * hat, time)


def _drum_samples(
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One-shot kick, snare and hi-hat samples."""
    t = np.arange(int(KICK_LENGTH_S * SAMPLE_RATE)) / SAMPLE_RATE
    freq = KICK_END_HZ + (KICK_START_HZ - KICK_END_HZ) * np.exp(-t / KICK_SWEEP_S)
    kick = np.sin(2 * np.pi * np.cumsum(freq) / SAMPLE_RATE) * np.exp(-t / KICK_DECAY_S)
    t = np.arange(int(SNARE_LENGTH_S * SAMPLE_RATE)) / SAMPLE_RATE
    body = 0.5 * np.sin(2 * np.pi * SNARE_TONE_HZ * t)
    snare = (rng.uniform(-1, 1, len(t)) + body) * np.exp(-t / SNARE_DECAY_S)
    t = np.arange(int(HAT_LENGTH_S * SAMPLE_RATE)) / SAMPLE_RATE
    hat = np.diff(rng.uniform(-1, 1, len(t) + 1)) * np.exp(
        -t / HAT_DECAY_S
    )  # high-passed noise
    return kick, snare, hat


def _place(mix: np.ndarray, sample: np.ndarray, time_s: float) -> None:
    """Add a one-shot sample starting at ``time_s``, cut at the end of the song."""
    start = round(float(time_s) * SAMPLE_RATE)
    stop = min(start + len(sample), len(mix))
    if start < stop:
        mix[start:stop] += sample[: stop - start]
