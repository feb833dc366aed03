"""Does a dance move with *its* music? Rhythm measures, chance baselines and their tests.

The paper's beat alignment ratio (:func:`livedual.rhythm.beat_alignment_ratio`) and the
beat align score of Bailando (:func:`livedual.metrics.aist.beat_align_score`) count how
close kinematic beats lie to music beats. Both mostly measure how *dense* the beats are:
with a 5-frame tolerance and a music beat every 12 frames, almost any motion scores high,
and on Dance-with-Melody a real dance scores about the same against another song's beats
as against its own (``benchmarks/rhythm_study.py``). This module adds measures that ask
for a *consistent phase* between motion and music, and the baselines to judge any rhythm
measure against:

- :func:`beat_locking_index` (continuous): the share of the motion-speed variance that
  oscillates with the music's k-beat cycle in a fixed phase. Music beats define a
  beat clock ``b(t)`` (beats elapsed, interpolated between beats, so tempo changes are
  followed); the detrended mean joint speed ``x(t)`` is projected on ``exp(2 pi i b(t) / k)``.
  A dance whose speed rises and falls once per bar (k = 3 in a waltz) in the same place of
  the bar every time scores near 1; a motion unrelated to the music scores about ``2 / n``
  (n frames). The constant phase need not be known: a constant time offset between motion
  and music does not change the index.
- :func:`beat_phase_consistency` (discrete): the circular mean resultant length of the
  phases of the kinematic beats in the k-beat cycle, and their mean phase.
- Chance baselines: :func:`random_walk_like` (a random walk with the same speeds in random
  order and random directions), :func:`shift_beats` (music beats circularly shifted) and
  any other song's beats (done by the caller).
- Statistics of separation: :func:`auc`, :func:`cohens_d`, :func:`permutation_p_value`.
- :func:`offset_scan`: a score as a function of a constant time offset between motion and
  music, to find sequences that are out of sync.

Measured on the 24 Dance-with-Melody pairs (``benchmarks/rhythm_study.py``): the
beat-locking index puts a random walk (0.009) far below real dances (0.10), but tells a
dance on its own song (0.100) from a dance on another song (0.066) only weakly (AUC
0.60, permutation p about 0.01): a handful of waltzes lock to their own song, most
sequences drift against it. The beat alignment ratio does not separate them at all.

Everything is in frames of the motion's own rate; beats are frame indices (float allowed).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ..errors import ParameterError
from ..rhythm import gaussian_smooth, mean_joint_speed

DEFAULT_CYCLES = (1, 2, 3, 4)  # beat, half bar / two beats, waltz bar, common-time bar
DETREND_SECONDS = 1.0  # speed changes slower than this are posture, not rhythm
MIN_BEATS = 2  # a beat clock needs two beats
MIN_CLOCKED_FRAMES = 8  # fewer frames under the beat clock give no meaningful index
_TINY = 1e-12  # below this motion variance a signal counts as still


def beat_clock(music_beats: np.ndarray, *, n_frames: int) -> np.ndarray:
    """Beats elapsed at every frame: the music's clock, interpolated between beats.

    Parameters
    ----------
    music_beats : np.ndarray [shape=(B,)]
        Music beat positions in frames (ints or floats), ``B >= 2``; sorted here.
    n_frames : int
        Number of frames of the motion.

    Returns
    -------
    clock : np.ndarray [shape=(n_frames,), float64]
        ``clock[t] = k + (t - beat_k) / (beat_{k+1} - beat_k)`` between the first and the
        last beat; NaN before the first and after the last beat.
    """
    beats = _check_beats(music_beats)
    if n_frames < 1:
        raise ParameterError(f"n_frames must be positive, not {n_frames}.")
    frames = np.arange(n_frames, dtype=np.float64)
    clock = np.interp(frames, beats, np.arange(len(beats), dtype=np.float64))
    clock[(frames < beats[0]) | (frames > beats[-1])] = np.nan
    return clock


def locking_spectrum(
    signal: np.ndarray,
    music_beats: np.ndarray,
    *,
    cycles: Sequence[int] = DEFAULT_CYCLES,
    detrend_frames: float,
    window_frames: int | None = None,
) -> np.ndarray:
    """Beat-locking index of a 1-D motion signal for each k-beat cycle.

    Parameters
    ----------
    signal : np.ndarray [shape=(T,)]
        A motion signal, one value per frame (for a dance, its mean joint speed).
    music_beats : np.ndarray [shape=(B,)]
        Music beat positions in frames, ``B >= 2``.
    cycles : sequence of int > 0
        Lengths ``k`` of the cycles, in beats.
    detrend_frames : float > 0
        Standard deviation (frames) of the Gaussian trend subtracted from the signal.
    window_frames : int or None
        None: one index over all frames under the beat clock. Otherwise the mean of the
        indices of windows of this many frames (hop half a window), which tolerates a
        slow drift between motion and music but no longer tells apart songs of the same
        tempo.

    Returns
    -------
    index : np.ndarray [shape=(len(cycles),), float64]
        In [0, 1]: ``2 |sum x_t exp(2 pi i b_t / k)|^2 / (n sum x_t^2)`` over the frames
        of a window, ``x`` the detrended signal and ``b`` the :func:`beat_clock`; 0 when
        the motion does not move or fewer than 8 frames lie under the clock.
    """
    signal = np.asarray(signal, dtype=np.float64)
    if signal.ndim != 1:
        raise ParameterError(f"signal must be 1-D, got shape {signal.shape}.")
    cycles = _check_cycles(cycles)
    if window_frames is not None and window_frames < MIN_CLOCKED_FRAMES:
        raise ParameterError(
            f"window_frames must be at least {MIN_CLOCKED_FRAMES}, not {window_frames}."
        )
    clock = beat_clock(music_beats, n_frames=len(signal))
    detrended = signal - gaussian_smooth(signal, sigma=detrend_frames)
    inside = np.flatnonzero(np.isfinite(clock))
    if len(inside) < MIN_CLOCKED_FRAMES:
        return np.zeros(len(cycles))
    windows = _windows(inside, window_frames)
    phases = 2 * np.pi * clock[inside][None, :] / np.asarray(cycles, float)[:, None]
    carriers = np.exp(1j * phases)  # (K, n)
    x = detrended[inside]
    index = np.zeros(len(cycles))
    for window in windows:
        power = np.sum(x[window] ** 2)
        if power <= _TINY:
            continue
        coefficient = carriers[:, window] @ x[window]  # (K,)
        index += 2 * np.abs(coefficient) ** 2 / (len(window) * power)
    return np.minimum(index / len(windows), 1.0)


def beat_locking_index(
    joints: np.ndarray,
    music_beats: np.ndarray,
    *,
    fps: float,
    cycles: Sequence[int] = DEFAULT_CYCLES,
    window_seconds: float | None = None,
) -> float:
    """How strongly a dance's speed oscillates in a fixed phase with the music's beats.

    The mean joint speed of the whole body (root motion included: pass world positions)
    is detrended (Gaussian, 1 s) and projected on the music's k-beat cycles; the result is
    the largest share of its variance that one cycle explains (see
    :func:`locking_spectrum`). A constant time offset between motion and music leaves it
    unchanged; a drift of the motion against the music lowers it.

    Parameters
    ----------
    joints : np.ndarray [shape=(T, J, 3)]
        World joint positions, metres.
    music_beats : np.ndarray [shape=(B,)]
        Music beat positions in frames of ``joints`` (``B >= 2``).
    fps : float
        Frame rate of ``joints`` in Hz.
    cycles : sequence of int > 0
        Cycle lengths in beats to try (1, 2, 3, 4: beat, two beats, 3/4 bar, 4/4 bar).
    window_seconds : float or None
        None for one index over the whole sequence; else the mean over windows of this
        length (see :func:`locking_spectrum`).

    Returns
    -------
    index : float
        In [0, 1]; 1 for a speed that is a pure sinusoid locked to the beat clock.
    """
    speed = mean_joint_speed(joints, fps=fps)
    window = None if window_seconds is None else round(window_seconds * fps)
    spectrum = locking_spectrum(
        speed,
        music_beats,
        cycles=cycles,
        detrend_frames=DETREND_SECONDS * fps,
        window_frames=window,
    )
    return float(spectrum.max())


def beat_phase_consistency(
    kinematic_beats: np.ndarray, music_beats: np.ndarray, *, cycle: int = 1
) -> tuple[float, float]:
    """Circular consistency of the kinematic beats' phases in the music's k-beat cycle.

    Each kinematic beat between the first and the last music beat gets the phase
    ``2 pi b / k`` of the :func:`beat_clock` ``b``; the result is the length of their mean
    unit vector (1: every kinematic beat in the same place of the cycle; about
    ``sqrt(pi / 4K)`` for K beats at random) and its angle.

    Parameters
    ----------
    kinematic_beats : np.ndarray [shape=(K,)]
        Frames of the kinematic beats.
    music_beats : np.ndarray [shape=(B,)]
        Music beat positions in the same frames, ``B >= 2``.
    cycle : int > 0
        Cycle length ``k`` in beats.

    Returns
    -------
    resultant : float
        Mean resultant length in [0, 1]; 0.0 when no kinematic beat lies under the clock.
    mean_phase : float
        Mean position in the cycle, in beats, in ``[-k/2, k/2)``; NaN with no beat.
    """
    (cycle,) = _check_cycles((cycle,))
    beats = _check_beats(music_beats)
    kinematic = np.asarray(kinematic_beats, dtype=np.float64).ravel()
    kinematic = kinematic[(kinematic >= beats[0]) & (kinematic <= beats[-1])]
    if len(kinematic) == 0:
        return 0.0, float("nan")
    clock = np.interp(kinematic, beats, np.arange(len(beats), dtype=np.float64))
    mean = np.mean(np.exp(2j * np.pi * clock / cycle))
    phase = np.angle(mean) / (2 * np.pi) * cycle
    return float(np.abs(mean)), float((phase + cycle / 2) % cycle - cycle / 2)


# --- chance baselines ------------------------------------------------------------------


def random_walk_like(joints: np.ndarray, *, rng: np.random.Generator) -> np.ndarray:
    """A random walk with the same joint speeds as ``joints``, in random order.

    Every joint starts where it starts in ``joints`` and takes, frame after frame, a step
    whose length is the real frame-to-frame displacement of that joint at a randomly
    permuted frame (one permutation for all joints, so the body's speed profile is
    shuffled as a whole) and whose direction is uniform on the sphere. The distribution of
    speeds, per joint and of the body, is exactly the real one; any timing is destroyed.

    Parameters
    ----------
    joints : np.ndarray [shape=(T, J, 3)]
        World joint positions.
    rng : np.random.Generator
        Source of randomness.

    Returns
    -------
    walk : np.ndarray [shape=(T, J, 3), float64]
    """
    joints = _check_joints(joints)
    steps = np.linalg.norm(np.diff(joints, axis=0), axis=-1)  # (T-1, J)
    steps = steps[rng.permutation(len(steps))]
    directions = rng.standard_normal(steps.shape + (3,))
    directions /= np.maximum(np.linalg.norm(directions, axis=-1, keepdims=True), _TINY)
    walk = np.empty_like(joints)
    walk[0] = joints[0]
    walk[1:] = joints[0] + np.cumsum(steps[..., None] * directions, axis=0)
    return walk


def shift_beats(
    music_beats: np.ndarray, *, shift_frames: float, n_frames: int
) -> np.ndarray:
    """Music beats moved circularly by ``shift_frames`` within ``[0, n_frames)``.

    Parameters
    ----------
    music_beats : np.ndarray [shape=(B,)]
        Beat positions in frames.
    shift_frames : float
        Shift in frames (any sign).
    n_frames : int
        Length of the sequence; beats leaving at the end re-enter at the start.

    Returns
    -------
    shifted : np.ndarray [shape=(B,)]
        Sorted; integer beats with an integer shift stay integers.
    """
    if n_frames < 1:
        raise ParameterError(f"n_frames must be positive, not {n_frames}.")
    beats = np.asarray(music_beats).ravel()
    return np.sort(np.mod(beats + shift_frames, n_frames))


# --- separation statistics --------------------------------------------------------------


def auc(positive: np.ndarray, negative: np.ndarray) -> float:
    """Probability that a positive score beats a negative one (ties count half).

    The area under the ROC curve, i.e. the Mann-Whitney U statistic divided by the number
    of pairs: 0.5 means the score does not tell the two groups apart.

    Parameters
    ----------
    positive : np.ndarray [shape=(P,)]
    negative : np.ndarray [shape=(N,)]

    Returns
    -------
    auc : float
        In [0, 1].
    """
    positive = np.asarray(positive, dtype=np.float64).ravel()
    negative = np.asarray(negative, dtype=np.float64).ravel()
    if len(positive) == 0 or len(negative) == 0:
        raise ParameterError("auc needs at least one positive and one negative score.")
    greater = (positive[:, None] > negative[None, :]).mean()
    ties = (positive[:, None] == negative[None, :]).mean()
    return float(greater + 0.5 * ties)


def cohens_d(positive: np.ndarray, negative: np.ndarray) -> float:
    """Cohen's d: difference of the means over the pooled standard deviation.

    Parameters
    ----------
    positive : np.ndarray [shape=(P,)], P >= 2
    negative : np.ndarray [shape=(N,)], N >= 2

    Returns
    -------
    d : float
        ``(mean_p - mean_n) / s`` with ``s^2`` the degrees-of-freedom weighted mean of the
        two sample variances; 0.0 when both groups are constant and equal.
    """
    positive = np.asarray(positive, dtype=np.float64).ravel()
    negative = np.asarray(negative, dtype=np.float64).ravel()
    if len(positive) < 2 or len(negative) < 2:
        raise ParameterError("cohens_d needs at least two scores in each group.")
    pooled = (
        (len(positive) - 1) * positive.var(ddof=1)
        + (len(negative) - 1) * negative.var(ddof=1)
    ) / (len(positive) + len(negative) - 2)
    difference = positive.mean() - negative.mean()
    if pooled <= 0:
        return 0.0 if difference == 0 else float(np.sign(difference) * np.inf)
    return float(difference / np.sqrt(pooled))


def permutation_p_value(
    scores: np.ndarray, *, n_permutations: int = 10_000, rng: np.random.Generator
) -> float:
    """One-sided p-value of the matched pairs scoring higher than random pairings.

    ``scores[i, j]`` is the score of dance ``i`` against music ``j``; the statistic is the
    mean of the diagonal (every dance with its own music). The null distribution is the
    same mean for random assignments of the music to the dances.

    Parameters
    ----------
    scores : np.ndarray [shape=(N, N)]
    n_permutations : int > 0
    rng : np.random.Generator

    Returns
    -------
    p : float
        ``(1 + #{null >= observed}) / (1 + n_permutations)``.
    """
    scores = np.asarray(scores, dtype=np.float64)
    if scores.ndim != 2 or scores.shape[0] != scores.shape[1] or len(scores) < 2:
        raise ParameterError(
            f"scores must be a square matrix (N >= 2), got {scores.shape}."
        )
    if n_permutations < 1:
        raise ParameterError(f"n_permutations must be positive, not {n_permutations}.")
    n = len(scores)
    observed = np.trace(scores) / n
    rows = np.arange(n)
    null = np.array(
        [scores[rows, rng.permutation(n)].mean() for _ in range(n_permutations)]
    )
    return float((1 + np.sum(null >= observed - 1e-12)) / (1 + n_permutations))


def offset_scan(
    score: Callable[[np.ndarray], float],
    music_beats: np.ndarray,
    *,
    offsets: np.ndarray,
) -> np.ndarray:
    """A rhythm score for the music beats moved by each of several constant offsets.

    A positive offset moves the music later against the motion (the motion is early).

    Parameters
    ----------
    score : callable
        Maps music beat frames to a score (e.g. a closure over the kinematic beats).
    music_beats : np.ndarray [shape=(B,)]
        Beat positions in frames.
    offsets : np.ndarray [shape=(K,)]
        Offsets in frames.

    Returns
    -------
    scores : np.ndarray [shape=(K,), float64]
        ``score(music_beats + offsets[k])``.
    """
    beats = np.asarray(music_beats).ravel()
    return np.array(
        [score(beats + offset) for offset in np.asarray(offsets).ravel()], float
    )


# --- helpers -------------------------------------------------------------------------


def _windows(inside: np.ndarray, window_frames: int | None) -> list[np.ndarray]:
    """Positions (into ``inside``) of each analysis window; one window without a length."""
    if window_frames is None or window_frames >= len(inside):
        return [np.arange(len(inside))]
    hop = max(1, window_frames // 2)
    starts = range(0, len(inside) - window_frames + 1, hop)
    return [np.arange(s, s + window_frames) for s in starts]


def _check_beats(music_beats: np.ndarray) -> np.ndarray:
    """Sorted float beats, at least two of them, strictly increasing."""
    beats = np.sort(np.asarray(music_beats, dtype=np.float64).ravel())
    if len(beats) < MIN_BEATS:
        raise ParameterError(
            f"the music needs at least {MIN_BEATS} beats to define a beat clock, got "
            f"{len(beats)}."
        )
    if np.any(np.diff(beats) <= 0):
        raise ParameterError("music beats must be distinct frames.")
    return beats


def _check_cycles(cycles: Sequence[int]) -> tuple[int, ...]:
    """Cycle lengths as positive ints."""
    checked = tuple(int(k) for k in cycles)
    if not checked or any(k < 1 for k in checked):
        raise ParameterError(
            f"cycles must be positive beat counts, got {list(cycles)}."
        )
    return checked


def _check_joints(joints: np.ndarray) -> np.ndarray:
    """Joint positions as float64 (T >= 2, J, 3)."""
    joints = np.asarray(joints, dtype=np.float64)
    if joints.ndim != 3 or joints.shape[-1] != 3 or joints.shape[0] < 2:
        raise ParameterError(
            f"joints must have shape (T >= 2, J, 3), got {joints.shape}."
        )
    return joints
