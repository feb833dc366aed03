"""The output side of the live loop: a timeline of 25 fps frames and a steady clock.

Generated windows ("plans") are merged into a :class:`FrameTimeline`, a run of 25 fps
frames numbered like the input frames. Frames the output clock has sent are committed and
never change; later ones are provisional and a newer plan may replace them, crossfading
from the old frames to the new ones. The output clock reads the timeline at any rate:
frame ``n`` of an output at ``rate`` fps shows the timeline at position ``n * 25 / rate``,
interpolated between the two 25 fps frames around it (linear for translation, slerp for
joint rotations: :func:`livedual.pose.interpolate_poses`).

Clocks: :class:`RealClock` waits on the monotonic clock; :class:`VirtualClock` jumps, so a
file runs as fast as the machine allows with the same frames and the same stream times.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from dataclasses import dataclass

import numpy as np

from ..const import FPS
from ..errors import ParameterError
from ..pose import Interpolator, interpolator_for

HISTORY_FRAMES = 4 * 75  # committed frames kept: start tokens look back one window
_EXACT = 1e-6  # a position this close to a whole frame shows that frame as generated
JITTER_SAMPLES = 36_000  # jitter statistics cover the last 10 min at 60 fps


# --- interpolation ----------------------------------------------------------------------


def sample_frames(
    frames: np.ndarray, positions: np.ndarray, *, interpolate: Interpolator
) -> np.ndarray:
    """Frames at fractional positions of a sequence (clamped to its ends).

    Parameters
    ----------
    frames : np.ndarray [shape=(T, D)]
    positions : np.ndarray [shape=(N,)]
        In frames of ``frames``; whole positions return the frames unchanged.
    interpolate : callable
        :func:`interpolate_poses` or :func:`interpolate_linear`.

    Returns
    -------
    sampled : np.ndarray [shape=(N, D), float32]
    """
    positions = np.clip(np.asarray(positions, dtype=np.float64), 0, len(frames) - 1)
    lo = np.floor(positions + _EXACT).astype(np.int64)
    lo = np.minimum(lo, len(frames) - 1)
    frac = positions - lo
    out = np.asarray(frames, dtype=np.float32)[lo].copy()
    between = frac > _EXACT
    if np.any(between):
        hi = np.minimum(lo[between] + 1, len(frames) - 1)
        out[between] = interpolate(frames[lo[between]], frames[hi], frac[between])
    return out


# --- timeline ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    """What the output shows at one output frame."""

    frame: np.ndarray
    """[shape=(D,), float32] the interpolated frame."""
    beat: float
    """1.0 when this output frame is the one nearest a beat frame, else 0.0."""


class FrameTimeline:
    """25 fps frames by index: committed (sent, fixed) and provisional (replaceable).

    Parameters
    ----------
    dim : int
        Values per frame (147 poses, 13 music frames).
    history : int
        Committed frames kept for look-ups (start tokens).

    Thread-safe: a worker merges plans while the output clock samples.
    """

    def __init__(self, *, dim: int, history: int = HISTORY_FRAMES) -> None:
        self.dim = dim
        self.history = history
        self.interpolate = interpolator_for(dim)
        self._frames: dict[int, np.ndarray] = {}
        self._beats: dict[int, float] = {}
        self._lock = threading.RLock()
        self.committed = -1  # highest index the output has used
        self.last_index = -1  # highest index with a frame
        self.late_merges = 0  # plans that arrived after their first frame was due

    def frame(self, index: int) -> np.ndarray | None:
        """Frame ``index`` as stored, or None."""
        with self._lock:
            return self._frames.get(index)

    def merge(
        self,
        frames: np.ndarray,
        *,
        first: float,
        apply_from: int,
        crossfade: int = 0,
        beats: np.ndarray | None = None,
    ) -> range:
        """Write a plan into the timeline.

        Parameters
        ----------
        frames : np.ndarray [shape=(N, D)]
            The plan; its frame ``j`` belongs at timeline position ``first + j``.
        first : float
            Timeline position of the plan's frame 0 (fractional after a beat shift).
        apply_from : int
            First timeline index the plan may set; committed indices are never changed
            (a plan whose ``apply_from`` is already committed counts as late).
        crossfade : int
            Frames over which provisional frames already there fade into the plan.
        beats : np.ndarray [shape=(N,)] or None
            Beat flags of the plan's frames.

        Returns
        -------
        written : range
            Timeline indices set.
        """
        with self._lock:
            if max(apply_from, 0) <= self.committed:
                self.late_merges += 1
            start = max(apply_from, self.committed + 1, math.ceil(first - _EXACT))
            stop = math.floor(first + len(frames) - 1 + _EXACT) + 1
            if stop <= start:
                return range(start, start)
            indices = np.arange(start, stop)
            new = sample_frames(frames, indices - first, interpolate=self.interpolate)
            new = self._crossfade(indices, new, crossfade)
            for index in [i for i in self._frames if i >= start]:
                del self._frames[index]
                self._beats.pop(index, None)
            for index, frame in zip(indices.tolist(), new):
                self._frames[index] = frame
            if beats is not None:
                self._set_beats(np.asarray(beats), first, start, stop)
            self.last_index = stop - 1
            self._forget()
            return range(start, stop)

    def _crossfade(self, indices: np.ndarray, new: np.ndarray, n: int) -> np.ndarray:
        """The first ``n`` new frames blended from the frames they replace (lock held)."""
        old_rows = [
            k for k in range(min(n, len(indices))) if int(indices[k]) in self._frames
        ]
        if not old_rows:
            return new
        rows = np.array(old_rows)
        old = np.stack([self._frames[int(indices[k])] for k in old_rows])
        weight = (rows + 1.0) / (n + 1.0)  # reaches the new plan after n frames
        new = new.copy()
        new[rows] = self.interpolate(old, new[rows], weight)
        return new

    def _set_beats(
        self, beats: np.ndarray, first: float, start: int, stop: int
    ) -> None:
        """Beat flags at the nearest timeline index of each plan frame (lock held)."""
        for j in np.flatnonzero(beats > 0.5):
            index = round(first + j)
            if start <= index < stop:
                self._beats[index] = 1.0

    def _forget(self) -> None:
        """Drop committed frames older than the history (lock held)."""
        oldest = self.committed - self.history
        for index in [i for i in self._frames if i < oldest]:
            del self._frames[index]
            self._beats.pop(index, None)

    def sample(self, position: float, *, rate: float = FPS) -> Sample | None:
        """The frame at a fractional timeline position, committing what it uses.

        Parameters
        ----------
        position : float
            Timeline frames (25 fps) since frame 0.
        rate : float
            Output rate; decides which output frame carries a beat flag.

        Returns
        -------
        sample : Sample or None
            None when the frames around ``position`` are not there (an underrun).
        """
        with self._lock:
            lo = math.floor(position + _EXACT)
            frac = position - lo
            f0 = self._frames.get(lo)
            if f0 is None:
                return None
            if frac <= _EXACT:
                frame = f0
                self.committed = max(self.committed, lo)
            else:
                f1 = self._frames.get(lo + 1)
                if f1 is None:
                    return None
                frame = self.interpolate(f0[None], f1[None], np.array([frac]))[0]
                self.committed = max(self.committed, lo + 1)
            nearest = round(position)
            on_beat = (
                nearest in self._beats and abs(position - nearest) * rate / FPS < 0.5
            )
            return Sample(frame=np.array(frame, dtype=np.float32), beat=float(on_beat))

    def commit(self, index: int) -> None:
        """Mark frames up to ``index`` as used (an output that skipped or held them)."""
        with self._lock:
            self.committed = max(self.committed, index)

    def latest(self, at_or_before: int) -> np.ndarray | None:
        """The stored frame with the highest index not above ``at_or_before``."""
        with self._lock:
            candidates = [i for i in self._frames if i <= at_or_before]
            return None if not candidates else self._frames[max(candidates)]


# --- clocks -----------------------------------------------------------------------------


class RealClock:
    """The monotonic clock; waits can be cut short by a stop event."""

    virtual = False

    def now(self) -> float:
        return time.monotonic()

    def wait_until(self, t: float, stop: threading.Event) -> bool:
        """Sleep until ``t``; False when ``stop`` was set first."""
        delay = t - time.monotonic()
        if delay > 0:
            return not stop.wait(delay)
        return not stop.is_set()


class VirtualClock:
    """A clock that jumps to whatever time is waited for (runs as fast as possible)."""

    virtual = True

    def __init__(self, start: float = 0.0) -> None:
        self.time = start

    def now(self) -> float:
        return self.time

    def wait_until(self, t: float, stop: threading.Event) -> bool:
        self.time = max(self.time, t)
        return not stop.is_set()


Clock = RealClock | VirtualClock


# --- steady output ----------------------------------------------------------------------


class OutputSchedule:
    """When each output frame is due and what stream time it shows.

    Frame ``n`` shows stream time ``n / rate`` (timeline position ``n * 25 / rate``) and
    is due on the clock at ``t0 + latency + n / rate``.
    """

    def __init__(self, *, rate: float, t0: float, latency: float) -> None:
        if not 0 < rate <= 1000:
            raise ParameterError(
                f"the output rate must be in (0, 1000] fps, got {rate}."
            )
        self.rate = float(rate)
        self.t0 = t0
        self.latency = latency

    def time(self, n: int) -> float:
        """Stream time of output frame ``n``, seconds."""
        return n / self.rate

    def position(self, n: int) -> float:
        """Timeline position (25 fps frames) of output frame ``n``."""
        return n * FPS / self.rate

    def due(self, n: int) -> float:
        """Clock time at which output frame ``n`` is sent."""
        return self.t0 + self.latency + n / self.rate

    def frames_until(self, timeline_frames: int) -> int:
        """Output frames that show timeline frames ``0 .. timeline_frames - 1``."""
        if timeline_frames <= 0:
            return 0
        return math.floor((timeline_frames - 1) * self.rate / FPS + _EXACT) + 1


class JitterStats:
    """Lateness of sent frames against their due times, and the spacing between them."""

    def __init__(self, *, keep: int = JITTER_SAMPLES) -> None:
        self._late: deque[float] = deque(maxlen=keep)
        self._intervals: deque[float] = deque(maxlen=keep)
        self._last: float | None = None
        self.count = 0

    def record(self, *, due: float, sent: float) -> None:
        """One frame due at ``due`` went out at ``sent`` (clock seconds)."""
        self._late.append(sent - due)
        if self._last is not None:
            self._intervals.append(sent - self._last)
        self._last = sent
        self.count += 1

    def summary(self) -> dict[str, float]:
        """Lateness p50/p99/max and interval p1/p99, milliseconds (NaN before data)."""
        late = np.array(self._late) * 1e3
        gaps = np.array(self._intervals) * 1e3
        nan = float("nan")
        return {
            "late_p50_ms": float(np.percentile(late, 50)) if len(late) else nan,
            "late_p99_ms": float(np.percentile(late, 99)) if len(late) else nan,
            "late_max_ms": float(late.max()) if len(late) else nan,
            "interval_p1_ms": float(np.percentile(gaps, 1)) if len(gaps) else nan,
            "interval_p99_ms": float(np.percentile(gaps, 99)) if len(gaps) else nan,
        }
