"""The generation side of the live loop: input windows to plans on the frame timeline.

Both engines cut their input into 3 s windows (:class:`~livedual.live.windowing.Windower`),
run the generator on each and merge the result, a *plan*, into a
:class:`~livedual.live.clock.FrameTimeline` whose frame ``i`` belongs to input frame ``i``
(25 fps). The output clock plays timeline frame ``i`` a constant latency after input
frame ``i`` was captured: the runner schedules it, the engines only say how much latency
they need (:attr:`LiveOptions.lag_frames` plus a compute margin).

Two modes:

``sync`` (the paper's window-synchronous chaining)
    Windows of 75 frames every ``hop`` frames (75: back to back). The plan of the window
    covering input frames ``[s, s + 75)`` sets timeline frames from ``s`` on; its start
    token is timeline frame ``s - 1``, the frame emitted just before it (with hop 75: the
    last frame of the previous window, exactly as offline chaining). Window ``k`` uses
    seed ``seed + k``, like :meth:`~livedual.inference.Generator.generate_long`. Latency:
    one window (3 s) plus the compute margin; frames are aligned exactly with the music.
    With ``hop < 75`` a ``crossfade`` of up to ``75 - hop`` frames fades each plan in
    over frames the previous one also covers: ``hop 65, crossfade 10`` is the overlap of
    ``livedual dance`` (a start token has no velocity, so back-to-back windows jolt where
    they meet).

``lowlatency``
    A window of the latest 3 s every ``hop`` frames (the stream starts with silence so the
    first window comes after one hop). The plan of the window ending at input frame ``E``
    takes over from timeline frame ``E - hop - crossfade``: its first ``crossfade`` frames
    fade from the previous plan (slerp for rotations, linear for translation), then it
    alone plays up to ``E``. Latency: ``hop + crossfade`` frames plus the compute margin
    plus the beat shift. The start token is again the emitted frame just before the
    window, and the seed stays the same, so overlapping plans agree where they overlap.

    Beat phase (causal): each window's beats are tracked on its own 3 s of audio
    (:func:`livedual.features.analyse_music`); the beat period is the median interval of
    those beats. The plan's kinematic beats (minima of mean joint speed) are where a
    dancer hits the beat. The plan is delayed by a shift ``0 <= s < min(period, 0.5 s)``
    chosen so that its kinematic beats, played ``latency + s`` after the music, land
    nearest to the continuation of the tracked beat grid (the beats the audience hears
    then), with a small penalty for moving away from the previous shift so that the phase
    changes only when the music does.

Delay from a musical event to the pose response. A frame of the music reaches the pose
of the same moment ``latency`` later (3.2 s in sync mode; 0.84 s in low-latency mode with
the defaults, plus the beat shift). A model that attends to its whole window (the
paper's transformer) already changes the frames before the event once the event is in
its window: the first visible response then comes when the plan of the first window
holding the event starts to play, ``margin`` to ``margin + hop`` after the event in
low-latency mode (the first crossfade frames move least). Measured with
``benchmarks/live_latency.py`` (a loud chord and kick after quiet, starter model, 60 fps,
a joint 1 cm away from the run without the hit, on a loaded 2-core machine): 0.59 s with
the 0.48 s hop, 0.25 s with a 0.24 s hop, 1.19 s in sync mode (where the window holding
a hit at 5 s starts playing at 6.2 s).

Dance -> music uses the same windows and modes (no crossfade and no beat shift: notes
are events, not poses) and turns the new music frames into MIDI messages with
:class:`LiveNoteDecoder`.
"""

from __future__ import annotations

import functools
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import mido
import numpy as np

from ..card import DANCE_TO_MUSIC, MUSIC_TO_DANCE
from ..const import (
    BEAT,
    FPS,
    HOP_LENGTH,
    MUSIC_OUT_BEAT,
    MUSIC_OUT_DIM,
    POSE_DIM,
    SAMPLE_RATE,
    WINDOW_FRAMES,
    WINDOW_SAMPLES,
)
from ..errors import ModelError, ParameterError
from ..features import MusicAnalysis, analyse_music
from ..inference import Generator
from ..io.notes import NoteDecoderOptions, decode_notes, motion_energy
from ..rhythm import kinematic_beats
from ..skeleton import pose_to_joints
from .clock import FrameTimeline
from .windowing import Windower

_LOGGER = logging.getLogger(__name__)

MODES = ("sync", "lowlatency")
SYNC_HOP_FRAMES = WINDOW_FRAMES  # the paper: windows back to back
LOWLATENCY_HOP_FRAMES = 12  # 0.48 s between windows
CROSSFADE_FRAMES = 4  # 0.16 s from the previous plan to the next
# Time allowed from the end of a window's audio to its plan in the timeline: one device
# block (46 ms), features (25 ms here) and generation (up to 90 ms for the paper-size
# model on 2 CPU cores) with room to spare.
COMPUTE_MARGIN_S = 0.2
MAX_BEAT_SHIFT_S = 0.5  # the beat alignment delays a plan by less than this
BEAT_SHIFT_STEP = 0.5  # frames between candidate shifts
SHIFT_CHANGE_COST = 0.1  # cost per frame of moving away from the previous shift
KINEMATIC_SMOOTHING = 1.0  # frames of Gaussian smoothing before the speed minima
MIN_BPM, MAX_BPM = 40.0, 240.0  # tempi outside this range are not trusted
NOTE_CONTEXT_FRAMES = 2  # music frames kept for the onset test (previous, current)


# --- options ----------------------------------------------------------------------------


@dataclass(frozen=True)
class LiveOptions:
    """How the live engines cut windows and chain plans. ``None`` fields follow the mode."""

    mode: str = "sync"
    """``sync`` (the paper's chaining, one window of delay) or ``lowlatency``."""
    hop: int | None = None
    """Frames between windows: 75 in sync mode, 12 (0.48 s) in low-latency mode."""
    crossfade: int | None = None
    """Frames of crossfade between plans: 0 in sync mode (at most 75 - hop), 4 in
    low-latency mode."""
    margin_s: float = COMPUTE_MARGIN_S
    """Seconds allowed for features and generation before a plan's first frame is due."""
    beat_align: bool = True
    """Low-latency music -> dance: shift plans so kinematic beats fall on coming beats."""
    seed: int = 0
    """Random seed of the generator's seed vector and first start token."""
    notes: NoteDecoderOptions = field(default_factory=NoteDecoderOptions)
    """How dance -> music frames become notes."""

    def resolved(self) -> LiveOptions:
        """These options with every ``None`` filled in and every value checked."""
        if self.mode not in MODES:
            raise ParameterError(
                f"unknown live mode {self.mode!r}; choose one of {', '.join(MODES)}."
            )
        sync = self.mode == "sync"
        hop = (
            self.hop
            if self.hop is not None
            else (SYNC_HOP_FRAMES if sync else LOWLATENCY_HOP_FRAMES)
        )
        crossfade = (
            self.crossfade
            if self.crossfade is not None
            else (0 if sync else CROSSFADE_FRAMES)
        )
        if not 1 <= hop <= WINDOW_FRAMES:
            raise ParameterError(
                f"the hop must be 1..{WINDOW_FRAMES} frames (of 40 ms), got {hop}."
            )
        if sync and hop + crossfade > WINDOW_FRAMES:
            raise ParameterError(
                f"in sync mode a plan fades in over frames the previous window also "
                f"covers: hop + crossfade at most {WINDOW_FRAMES} frames (3 s), got "
                f"crossfade {crossfade} with hop {hop}."
            )
        if crossfade < 0 or (not sync and hop + crossfade > WINDOW_FRAMES // 2):
            raise ParameterError(
                f"in low-latency mode the crossfade must be 0 or more frames and hop + "
                f"crossfade at most {WINDOW_FRAMES // 2}, got crossfade {crossfade} with "
                f"hop {hop}."
            )
        if not 0 <= self.margin_s <= WINDOW_FRAMES / FPS:
            raise ParameterError(
                f"the compute margin must be 0..3 s, got {self.margin_s} s."
            )
        return replace(self, hop=hop, crossfade=crossfade)

    @property
    def lag_frames(self) -> int:
        """Frames from the end of a window's input to the first frame its plan sets."""
        opts = self.resolved()
        if self.mode == "sync":
            return WINDOW_FRAMES
        return int(opts.hop or 0) + int(opts.crossfade or 0)

    @property
    def latency_s(self) -> float:
        """Seconds from capturing an input frame to playing its timeline frame (no shift)."""
        return self.lag_frames / FPS + self.margin_s


# --- plans ------------------------------------------------------------------------------


TimedMessage = tuple[float, mido.Message]  # (timeline frame, message)


@dataclass
class Plan:
    """One generated window and where it went in the timeline."""

    index: int
    """Window number (0 = first)."""
    first: float
    """Timeline position of the plan's frame 0 (whole unless beat-shifted)."""
    apply_from: int
    """First timeline frame the plan may set."""
    frames: np.ndarray
    """[shape=(75, 147) or (75, 13)] generated poses or music frames."""
    written: range
    """Timeline frames the plan set (later plans may replace provisional ones)."""
    compute_s: float
    """Seconds spent on features and generation."""
    features: np.ndarray | None = None
    """[shape=(75, 53)] music features of the window (music -> dance)."""
    tempo: float = 0.0
    """Beats per minute tracked in the window (0 when unknown)."""
    shift: float = 0.0
    """Beat-alignment delay, frames."""
    messages: list[TimedMessage] = field(default_factory=list)
    """MIDI messages at timeline frames (dance -> music)."""


# Features and generation of one music window: (audio, start token, seed) -> (analysis,
# poses). The runner may run it in another process (see livedual.live.runner).
WindowCompute = Callable[
    [np.ndarray, np.ndarray, int], tuple[MusicAnalysis, np.ndarray]
]


def compute_window(
    generator: Generator, audio: np.ndarray, token: np.ndarray, seed: int
) -> tuple[MusicAnalysis, np.ndarray]:
    """Features [shape=(75, 53)] and poses [shape=(75, 147)] of one window of audio [shape=(66150,)]."""
    analysis = analyse_music(audio, sr=SAMPLE_RATE)
    return analysis, generator.generate(analysis.features, start=token, seed=seed)


def _check_task(generator: Generator, task: str) -> None:
    if generator.task != task:
        raise ModelError(
            f"{generator.path.name} is a {generator.task} model; this needs a {task} model."
        )


# --- music -> dance ---------------------------------------------------------------------


class MusicToDanceEngine:
    """Audio in, pose plans out (G_M->D).

    Parameters
    ----------
    generator : Generator
        A music2dance model.
    options : LiveOptions
    timeline : FrameTimeline or None
        Where plans go; a new pose timeline by default.

    ``push(audio)`` takes mono float32 samples at 22.05 kHz in chunks of any size.
    ``compute`` (:data:`WindowCompute`) does the features and generation of a window; the
    runner may replace it with one that runs in a separate process.
    """

    def __init__(
        self,
        generator: Generator,
        *,
        options: LiveOptions = LiveOptions(),
        timeline: FrameTimeline | None = None,
    ) -> None:
        _check_task(generator, MUSIC_TO_DANCE)
        self.generator = generator
        self.compute: WindowCompute = functools.partial(compute_window, generator)
        self.options = options.resolved()
        self.hop = int(self.options.hop or SYNC_HOP_FRAMES)
        self.crossfade = int(self.options.crossfade or 0)
        self.timeline = (
            timeline if timeline is not None else FrameTimeline(dim=POSE_DIM)
        )
        self.windower = Windower(
            window=WINDOW_SAMPLES,
            hop=self.hop * HOP_LENGTH,
            prefill=self.options.mode == "lowlatency",
            pad="zeros",
        )
        self._initial_pose = generator.start_pose(
            np.random.default_rng(self.options.seed)
        )
        self._shift = 0.0
        self.skipped_windows = 0

    @property
    def lowlatency(self) -> bool:
        return self.options.mode == "lowlatency"

    @property
    def input_frames(self) -> int:
        """25 fps frames of audio received so far (a partial frame counts)."""
        return math.ceil(self.windower.received / HOP_LENGTH)

    def push(self, audio: np.ndarray, *, latest_only: bool = False) -> list[Plan]:
        """Take audio samples [shape=(n,)]; plan every window they complete.

        ``latest_only`` (low-latency mode, a worker that fell behind): plan only the
        newest of the completed windows and count the others as skipped.
        """
        first = self.windower.windows_emitted
        windows = self.windower.push(np.asarray(audio, dtype=np.float32).reshape(-1))
        numbered = list(enumerate(windows, start=first))
        if latest_only and self.lowlatency and len(numbered) > 1:
            self.skipped_windows += len(numbered) - 1
            numbered = numbered[-1:]
        return [self._plan(k, window) for k, window in numbered]

    def finish(self) -> list[Plan]:
        """At the end of the input: plan the last window, padded with silence."""
        first = self.windower.windows_emitted
        windows = self.windower.flush()
        return [self._plan(k, w) for k, w in enumerate(windows, start=first)]

    def _plan(self, k: int, audio: np.ndarray) -> Plan:
        """Features, generation and merge of window ``k``."""
        t = time.perf_counter()
        end = self.windower.end(k) // HOP_LENGTH  # input frame just past the window
        start = end - WINDOW_FRAMES
        token = self._start_token(start + self._shift)
        seed = self.options.seed + k if not self.lowlatency else self.options.seed
        analysis, poses = self.compute(audio, token, seed)
        apply_from = start
        if (
            self.lowlatency
        ):  # after skipped windows, fill the gap from the last frame on
            apply_from = min(
                end - self.hop - self.crossfade, self.timeline.last_index + 1
            )
        if self.lowlatency and self.options.beat_align:
            self._shift = self._beat_shift(
                poses, analysis.beat_times, start=start, apply_from=apply_from
            )
        written = self.timeline.merge(
            poses,
            first=start + self._shift,
            apply_from=apply_from,
            crossfade=self.crossfade,
            beats=analysis.features[:, BEAT],
        )
        return Plan(
            index=k,
            first=start + self._shift,
            apply_from=apply_from,
            frames=poses,
            written=written,
            compute_s=time.perf_counter() - t,
            features=analysis.features,
            tempo=analysis.tempo,
            shift=self._shift,
        )

    def _start_token(self, window_start: float) -> np.ndarray:
        """The timeline frame just before the window, else the seeded start pose."""
        frame = self.timeline.latest(math.ceil(window_start - 1e-6) - 1)
        return self._initial_pose if frame is None else frame

    def _beat_shift(
        self, poses: np.ndarray, beat_times: np.ndarray, *, start: int, apply_from: int
    ) -> float:
        """Delay (frames) putting the plan's kinematic beats on the predicted beats."""
        beats = start + np.asarray(beat_times) * FPS  # input frames
        period = beat_period(beats)
        if period is None:
            return self._shift
        kinematic = kinematic_beats(
            pose_to_joints(poses), fps=FPS, smoothing_frames=KINEMATIC_SMOOTHING
        )
        # Only the part of the plan that can still play matters.
        kinematic = start + kinematic[start + kinematic >= apply_from - period]
        if len(kinematic) == 0:
            return self._shift
        return best_shift(
            kinematic,
            grid_origin=float(beats[-1]),
            period=period,
            latency_frames=self.options.latency_s * FPS,
            max_shift=min(period, MAX_BEAT_SHIFT_S * FPS),
            previous=self._shift,
        )


def beat_period(beats: np.ndarray) -> float | None:
    """Median interval of tracked beats (frames), or None when no tempo can be trusted."""
    if len(beats) < 2:
        return None
    period = float(np.median(np.diff(beats)))
    bpm = 60.0 * FPS / period if period > 0 else 0.0
    return period if MIN_BPM <= bpm <= MAX_BPM else None


def best_shift(
    kinematic: np.ndarray,
    *,
    grid_origin: float,
    period: float,
    latency_frames: float,
    max_shift: float,
    previous: float,
) -> float:
    """The plan delay that puts its kinematic beats nearest to the predicted beat grid.

    Parameters
    ----------
    kinematic : np.ndarray [shape=(K,)]
        Kinematic beats, timeline frames before the shift.
    grid_origin : float
        A tracked beat (input frames); the grid continues it every ``period`` frames.
    period : float
        Beat period, frames.
    latency_frames : float
        Frames from capturing input frame ``i`` to playing timeline frame ``i``: a beat
        at timeline frame ``i`` is seen while the audience hears input frame
        ``i + latency_frames``.
    max_shift : float
        Candidate shifts are ``0, 0.5, ...`` frames below this.
    previous : float
        The previous shift; moving away from it costs :data:`SHIFT_CHANGE_COST` per frame.

    Returns
    -------
    shift : float
        Frames, ``0 <= shift < max_shift``.
    """
    candidates = np.arange(0.0, max(max_shift, BEAT_SHIFT_STEP), BEAT_SHIFT_STEP)
    heard = kinematic[None, :] + candidates[:, None] + latency_frames - grid_origin
    phase = np.mod(heard, period)
    distance = np.minimum(phase, period - phase).mean(axis=1)  # (candidates,)
    cost = distance + SHIFT_CHANGE_COST * np.abs(candidates - previous)
    return float(candidates[int(np.argmin(cost))])


# --- dance -> music ---------------------------------------------------------------------


class LiveNoteDecoder:
    """Music frames to MIDI messages as they come: the rules of :mod:`livedual.io.notes`.

    An onset is a frame whose beat strength is above the threshold, above the frame
    before and not below the frame after (so it is decided one frame late), at least
    ``min_onset_gap_s`` after the previous onset. At an onset the sounding notes are
    released and the chord of the music from the onset to the newest frame, with the
    velocity of the motion energy over the same frames (:func:`decode_notes` on them),
    starts. Messages carry timeline frames.
    """

    def __init__(self, options: NoteDecoderOptions | None = None) -> None:
        self.options = options if options is not None else NoteDecoderOptions()
        self._min_gap = max(1, round(self.options.min_onset_gap_s * FPS))
        self._music = np.zeros((0, MUSIC_OUT_DIM))
        self._energy = np.zeros(0)
        self._base = 0  # timeline index of self._music[0]
        self._next = 0  # first frame whose onset test is pending
        self._last_onset: int | None = None
        self.sounding: list[tuple[int, int]] = []  # (channel, pitch)

    def push(
        self, music: np.ndarray, energy: np.ndarray, *, first: int
    ) -> list[TimedMessage]:
        """Take the final music frames ``first ..`` [shape=(n, 13)] and motion energy (n,).

        Frames must follow the previous ones without a gap.
        """
        if len(self._music) and first != self._base + len(self._music):
            raise ParameterError(
                f"music frames must follow on: expected frame "
                f"{self._base + len(self._music)}, got {first}."
            )
        if not len(self._music):
            self._base = self._next = first
        self._music = np.concatenate([self._music, np.asarray(music, np.float64)])
        self._energy = np.concatenate([self._energy, np.asarray(energy, np.float64)])
        messages: list[TimedMessage] = []
        end = self._base + len(self._music)
        for frame in range(
            max(self._next, self._base), end - 1
        ):  # needs the next frame
            if self._is_onset(frame):
                messages += self._onset(frame)
        self._next = max(self._next, end - 1)
        self._trim()
        return messages

    def _is_onset(self, frame: int) -> bool:
        beat = self._music[:, MUSIC_OUT_BEAT]
        i = frame - self._base
        before = beat[i - 1] if i > 0 else -np.inf
        after = beat[i + 1] if i + 1 < len(beat) else -np.inf  # the stream's last frame
        if not (beat[i] > self.options.beat_threshold and beat[i] > before):
            return False
        if beat[i] < after:
            return False
        return self._last_onset is None or frame - self._last_onset >= self._min_gap

    def _onset(self, frame: int) -> list[TimedMessage]:
        """Release what sounds, start the chord of the frames from ``frame`` on."""
        i = frame - self._base
        notes = decode_notes(
            music=self._music[i:],
            motion_energy=self._energy[i:],
            fps=FPS,
            options=self.options,
        )
        at_onset = [n for n in notes if n.start_s == 0.0]
        messages = self.release(at=frame)
        for n in at_onset:
            msg = mido.Message(
                "note_on", note=n.pitch, velocity=n.velocity, channel=n.channel
            )
            messages.append((float(frame), msg))
            self.sounding.append((n.channel, n.pitch))
        self._last_onset = frame
        return messages

    def release(self, *, at: float) -> list[TimedMessage]:
        """Note-offs for every sounding note at timeline frame ``at``."""
        messages = [
            (float(at), mido.Message("note_off", note=pitch, channel=channel))
            for channel, pitch in self.sounding
        ]
        self.sounding = []
        return messages

    def finish(self) -> list[TimedMessage]:
        """At the end of the stream: the last frame's onset test, then release everything."""
        end = self._base + len(self._music)
        messages = []
        if len(self._music) and self._next == end - 1 and self._is_onset(end - 1):
            messages = self._onset(end - 1)
        self._next = end
        return messages + self.release(at=end)

    def _trim(self) -> None:
        """Keep only the frames the next onset test needs."""
        keep = min(NOTE_CONTEXT_FRAMES, len(self._music))
        drop = len(self._music) - keep
        if drop > 0:
            self._music = self._music[drop:]
            self._energy = self._energy[drop:]
            self._base += drop


class DanceToMusicEngine:
    """25 fps pose frames in, music plans and MIDI messages out (G_D->M).

    Parameters
    ----------
    generator : Generator
        A dance2music model.
    options : LiveOptions
        Crossfade and beat alignment do not apply.
    timeline : FrameTimeline or None
        Where music frames go; a new 13-value timeline by default.
    """

    def __init__(
        self,
        generator: Generator,
        *,
        options: LiveOptions = LiveOptions(),
        timeline: FrameTimeline | None = None,
    ) -> None:
        _check_task(generator, DANCE_TO_MUSIC)
        self.generator = generator
        self.options = replace(options.resolved(), crossfade=0, beat_align=False)
        self.hop = int(self.options.hop or SYNC_HOP_FRAMES)
        self.timeline = (
            timeline if timeline is not None else FrameTimeline(dim=MUSIC_OUT_DIM)
        )
        self.windower = Windower(
            window=WINDOW_FRAMES,
            hop=self.hop,
            prefill=self.options.mode == "lowlatency",
            pad="edge",
        )
        self.notes = LiveNoteDecoder(self.options.notes)
        self._energy: dict[int, float] = {}
        self._previous_pose: np.ndarray | None = None
        self._final = 0  # timeline frames before this one are final
        self.skipped_windows = 0

    @property
    def lowlatency(self) -> bool:
        return self.options.mode == "lowlatency"

    @property
    def input_frames(self) -> int:
        return self.windower.received

    def push(self, poses: np.ndarray, *, latest_only: bool = False) -> list[Plan]:
        """Take 25 fps pose frames [shape=(n, 147)]; plan every window they complete."""
        poses = np.asarray(poses, dtype=np.float32).reshape(-1, POSE_DIM)
        self._add_energy(poses)
        first = self.windower.windows_emitted
        numbered = list(enumerate(self.windower.push(poses), start=first))
        if latest_only and self.lowlatency and len(numbered) > 1:
            self.skipped_windows += len(numbered) - 1
            numbered = numbered[-1:]
        return [self._plan(k, window) for k, window in numbered]

    def finish(self) -> list[Plan]:
        """At the end of the input: the last window and the release of every note."""
        first = self.windower.windows_emitted
        plans = [
            self._plan(k, w) for k, w in enumerate(self.windower.flush(), start=first)
        ]
        closing = self._finalise(self.input_frames) + self.notes.finish()
        if plans:
            plans[-1].messages += closing
        elif closing:
            plans.append(self._message_plan(closing))
        return plans

    def release(self) -> list[TimedMessage]:
        """Note-offs for everything sounding, at the newest final frame (input lost)."""
        return self.notes.release(at=self._final)

    def _add_energy(self, poses: np.ndarray) -> None:
        """Motion energy of each new frame, continuing from the previous push."""
        if not len(poses):
            return
        context = (
            poses
            if self._previous_pose is None
            else np.vstack([self._previous_pose, poses])
        )
        energy = motion_energy(pose=context, fps=FPS)[-len(poses) :]
        start = self.windower.received
        self._energy.update({start + i: float(e) for i, e in enumerate(energy)})
        self._previous_pose = poses[-1:]

    def _plan(self, k: int, poses: np.ndarray) -> Plan:
        t = time.perf_counter()
        end = self.windower.end(k)
        start = end - WINDOW_FRAMES
        token = self._start_token(start)
        seed = self.options.seed + k if not self.lowlatency else self.options.seed
        music = self.generator.generate(poses, start=token, seed=seed)
        apply_from = start
        if self.lowlatency:
            apply_from = min(end - self.hop, self.timeline.last_index + 1)
        written = self.timeline.merge(music, first=start, apply_from=apply_from)
        # Frames before the next plan's first frame will not change any more.
        messages = self._finalise(min(apply_from + self.hop, self.input_frames))
        return Plan(
            index=k,
            first=float(start),
            apply_from=apply_from,
            frames=music,
            written=written,
            compute_s=time.perf_counter() - t,
            messages=messages,
        )

    def _start_token(self, window_start: int) -> int | None:
        """Chord of the music frame just before the window; None draws one from the seed."""
        frame = self.timeline.latest(window_start - 1)
        return None if frame is None else int(self.generator.next_start(frame[None]))

    def _finalise(self, until: int) -> list[TimedMessage]:
        """Decode notes over the timeline frames that became final, up to ``until``."""
        start = self._final
        if until <= start:
            return []
        silent = np.zeros(MUSIC_OUT_DIM, dtype=np.float32)  # a frame no plan set
        frames = [self.timeline.frame(i) for i in range(start, until)]
        music = np.stack([silent if f is None else f for f in frames])
        energy = np.array([self._energy.pop(i, 0.0) for i in range(start, until)])
        self._final = until
        return self.notes.push(music, energy, first=start)

    def _message_plan(self, messages: list[TimedMessage]) -> Plan:
        """A plan carrying only messages (the release at the end)."""
        return Plan(
            index=-1,
            first=float(self._final),
            apply_from=self._final,
            frames=np.zeros((0, MUSIC_OUT_DIM), np.float32),
            written=range(0),
            compute_s=0.0,
            messages=messages,
        )
