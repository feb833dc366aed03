"""``livedual live`` wired up: a source, an engine, the steady output clock and the sinks.

Music -> dance (a microphone or an audio file)::

    source ─▶ worker thread: chunks ─▶ MusicToDanceEngine ─▶ FrameTimeline
                                         output clock (main thread) ─▶ pose sinks

Dance -> music (motion capture over OSC)::

    source ─▶ worker thread: frames ─▶ StreamResampler (25 fps) ─▶ DanceToMusicEngine
              ─▶ FrameTimeline + timed MIDI messages ─▶ output clock ─▶ MIDI sinks

The output clock sends timeline frame ``i`` at ``t0 + latency + i / 25`` (``t0`` when the
input started; up-sampled to ``rate`` for poses) and MIDI messages at the time of their
frame plus the same latency. A file played ``--fast`` runs on a virtual clock in one
thread: the same frames, the same stream times, as fast as the machine allows.

Robustness: queues are bounded (the audio ring buffer, the OSC frame queue, the timeline's
history); the worker never stops on bad input (NaN audio is zeroed and counted, a failing
window is logged and skipped); a lost microphone is reopened every second, the gap
filled with silence; a frame not ready when due repeats the previous one (an underrun);
a frame more than 0.25 s late is skipped; Ctrl-C stops at once, sends MIDI panic and
closes every sink. A status line is logged once a second.
"""

from __future__ import annotations

import functools
import heapq
import itertools
import logging
import math
import multiprocessing
import signal
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import mido
import numpy as np

from ..card import DANCE_TO_MUSIC, MUSIC_TO_DANCE
from ..const import (
    FPS,
    MUSIC_DIM,
    MUSIC_OUT_DIM,
    N_JOINTS,
    SAMPLE_RATE,
    WINDOW_FRAMES,
    WINDOW_SAMPLES,
)
from ..errors import DeviceError, LiveDualError, ParameterError
from ..features import MusicAnalysis
from ..inference import Generator, RuntimeOptions
from ..io.audio_source import AudioSource, FileSource, MicSource, find_input_device
from ..io.base import PoseSink
from ..io.midi import DEFAULT_PORT_NAME, MidiFileSink, MidiSink, PortMidiSink
from ..io.notes import decode_notes, motion_energy
from ..io.osc_formats import encode_frame
from ..io.osc_sink import OscPoseSink
from ..io.osc_source import OscMocapSource
from ..io.resample import StreamResampler
from ..pose import interpolate_poses, pack_pose
from .clock import (
    FrameTimeline,
    JitterStats,
    OutputSchedule,
    RealClock,
    VirtualClock,
)
from .engine import (
    DanceToMusicEngine,
    LiveOptions,
    MusicToDanceEngine,
    Plan,
    TimedMessage,
    compute_window,
)
from .uri import FILE, MIC, MIDI, OSC, RECORD, SinkSpec, SourceSpec, check_combination

_LOGGER = logging.getLogger(__name__)

STATUS_INTERVAL_S = 1.0
READ_TIMEOUT_S = 0.05  # the worker checks for a stop at least this often
MAX_LATE_S = 0.25  # an output frame later than this is skipped rather than sent late
RETRY_S = 1.0  # a lost microphone is reopened this often
RELEASE_AFTER_S = 1.0  # motion capture silent this long releases the sounding notes
JOIN_TIMEOUT_S = 5.0
LOG_EVERY_ERRORS = 100  # a repeating failure is logged at the first and every 100th
WARMUP_NOISE = 0.05  # amplitude of the noise the feature kernels are compiled on
_ERRORS_TO_SURVIVE = (LiveDualError, OSError, RuntimeError, ValueError)
COMPUTE_START_TIMEOUT_S = 120.0  # the compute process imports, loads and compiles first


# --- a sink that records poses --------------------------------------------------------


class PoseRecorder(PoseSink):
    """Keeps every pose sent and writes them as a livedual ``.npz`` on close.

    Parameters
    ----------
    path : str or path-like
        The ``.npz`` to write (atomically); nothing is written if no frame was sent.
    fps : float
        Frame rate of the frames sent (the output rate).
    """

    def __init__(self, path: str | Path, *, fps: float = FPS) -> None:
        super().__init__()
        self.path = Path(path)
        self.fps = fps
        self.poses: list[np.ndarray] = []

    def _send(
        self, frame_index: int, time_s: float, pose: np.ndarray, *, beat: float | None
    ) -> None:
        self.poses.append(np.array(pose, dtype=np.float32))

    def _close(self) -> None:
        if not self.poses:
            return
        from ..data.formats import write_npz

        write_npz(self.path, np.stack(self.poses), fps=self.fps)
        _LOGGER.info(
            "recorded %d poses at %g fps to %s", len(self.poses), self.fps, self.path
        )


# --- features and generation in a process of their own ----------------------------------


class ComputeProcess:
    """Features and generation of music windows (:func:`compute_window`) in a child process.

    Feature extraction holds the interpreter lock for most of its ~10 ms per window. In
    the runner's process, when a busy machine preempts the worker thread while it holds
    the lock, the output clock waits for it a whole time slice. In a child process it
    cannot: the worker thread waits on a pipe without the lock. Measured with
    ``benchmarks/live_latency.py`` on 2 cores at load 3.5: frame lateness p99 9.8 ms
    against 12.5 ms in one process, max 11 against 19 ms; on a lightly loaded machine
    both give about 4-5 ms (the operating system's wake-up latency).

    The child is spawned (a script that starts a real-time run needs the
    ``if __name__ == "__main__":`` guard), loads the same model file and ignores Ctrl-C
    (the runner stops it). If it cannot start or dies, the windows are computed in this
    process, and the error is logged once.

    Parameters
    ----------
    generator : Generator
        The music2dance model; the child loads ``generator.path`` on the same device
        with the same number of threads.
    """

    def __init__(self, generator: Generator) -> None:
        context = multiprocessing.get_context("spawn")  # no fork of threads or sessions
        self._conn, child = context.Pipe()
        options = RuntimeOptions(
            device=generator.provider,
            threads=generator.session.get_session_options().intra_op_num_threads,  # type: ignore[attr-defined]
        )
        self._process = context.Process(
            target=_serve_windows,
            args=(child, str(generator.path), options),
            name="livedual-live-compute",
            daemon=True,
        )
        self._process.start()
        child.close()
        self._fallback = functools.partial(compute_window, generator)
        self._failed = False
        self.cpu_s = 0.0
        """CPU seconds the child spent after its warm-up (known once closed)."""

    def wait_ready(self, timeout: float = COMPUTE_START_TIMEOUT_S) -> dict[str, float]:
        """Wait for the child's warm-up; its timings (seconds per step).

        Raises
        ------
        DeviceError
            The child failed or did not start within ``timeout`` seconds.
        """
        if not self._conn.poll(timeout):
            raise DeviceError(
                f"the compute process did not start within {timeout:.0f} s."
            )
        try:
            reply = self._conn.recv()
        except (EOFError, OSError) as exc:
            raise DeviceError(f"the compute process failed to start: {exc}") from None
        if isinstance(reply, BaseException):
            raise DeviceError(f"the compute process failed to start: {reply}")
        return reply

    def __call__(
        self, audio: np.ndarray, token: np.ndarray, seed: int
    ) -> tuple[MusicAnalysis, np.ndarray]:
        if self._failed:
            return self._fallback(audio, token, seed)
        try:
            self._conn.send((audio, token, seed))
            reply = self._conn.recv()
        except (EOFError, OSError) as exc:
            self._failed = True
            _LOGGER.error(
                "the compute process stopped (%s); computing in this process", exc
            )
            return self._fallback(audio, token, seed)
        if isinstance(reply, BaseException):
            raise reply
        return reply

    def close(self) -> None:
        """Stop the child (at once if it does not stop within JOIN_TIMEOUT_S)."""
        try:
            self._conn.send(None)
            if self._conn.poll(JOIN_TIMEOUT_S):
                self.cpu_s = float(self._conn.recv())
        except (EOFError, OSError):
            pass  # already gone
        self._process.join(JOIN_TIMEOUT_S)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(JOIN_TIMEOUT_S)
        self._conn.close()


def _serve_windows(conn: object, model_path: str, options: RuntimeOptions) -> None:
    """The child of :class:`ComputeProcess`: warm up, then answer requests until None."""
    from multiprocessing.connection import Connection

    from ..features import analyse_music

    assert isinstance(conn, Connection)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    try:
        generator = Generator.load(model_path, options=options)
        window = _warmup_audio()
        timings = {
            "compute process features": _timed(
                lambda: analyse_music(window, sr=SAMPLE_RATE)
            ),
            "compute process window": _timed(
                lambda: compute_window(generator, window, _rest_pose(), 0)
            ),
        }
    except _ERRORS_TO_SURVIVE as exc:
        conn.send(exc)
        return
    conn.send(timings)
    cpu0 = time.process_time()
    while True:
        try:
            request = conn.recv()
        except EOFError:  # the parent is gone
            return
        if request is None:
            conn.send(time.process_time() - cpu0)
            return
        try:
            conn.send(compute_window(generator, *request))
        except _ERRORS_TO_SURVIVE as exc:
            conn.send(exc)  # the parent counts the window as failed


# --- report -----------------------------------------------------------------------------


@dataclass
class LiveReport:
    """What a live run did."""

    task: str
    mode: str
    rate: float
    latency_s: float
    """Configured delay from input to output (without the beat shift)."""
    frames_out: int = 0
    """Output frames sent (poses) or music frames played (notes)."""
    messages_out: int = 0
    underruns: int = 0
    """Frames due before their plan was ready (the previous frame was repeated)."""
    skipped_frames: int = 0
    """Frames more than 0.25 s late, not sent."""
    plans: int = 0
    late_plans: int = 0
    skipped_windows: int = 0
    input_errors: int = 0
    """Bad samples, failed windows."""
    sink_errors: int = 0
    drops: dict[str, int] = field(default_factory=dict)
    overflows: int = 0
    compute_ms: dict[str, float] = field(default_factory=dict)
    jitter: dict[str, float] = field(default_factory=dict)
    warmup_s: dict[str, float] = field(default_factory=dict)
    wall_s: float = 0.0
    cpu_s: float = 0.0
    compute_process_cpu_s: float = 0.0
    """CPU seconds of the compute process after its warm-up (not in ``cpu_s``)."""
    interrupted: bool = False


# --- the runner -------------------------------------------------------------------------


class LiveRunner:
    """One live session: source -> engine -> clock -> sinks. ``run()`` blocks until done.

    Parameters
    ----------
    source : AudioSource or OscMocapSource
        Music in (music -> dance) or motion capture in (dance -> music). The runner
        starts and closes it.
    generator : Generator
        The model of the task the source implies.
    options : LiveOptions
    pose_sinks, midi_sinks : sequence
        Where poses or notes go (closed by the runner).
    rate : float
        Pose output rate, fps (slerp up-sampling above 25).
    seconds : float or None
        Stop reading input after this many seconds (of audio, or of wall time for
        motion capture) and play out what was generated.
    virtual : bool or None
        Run on a virtual clock; by default for a file source that is not real-time.
    source_factory : callable or None
        Opens a fresh audio source after the device was lost (microphone retry).
    compute_process : bool or None
        Music -> dance: compute features and generation in a child process
        (:class:`ComputeProcess`), so they never hold up the output clock; by default
        on a real-time clock.
    """

    def __init__(
        self,
        *,
        source: AudioSource | OscMocapSource,
        generator: Generator,
        options: LiveOptions | None = None,
        pose_sinks: Sequence[PoseSink] = (),
        midi_sinks: Sequence[MidiSink] = (),
        rate: float = FPS,
        seconds: float | None = None,
        virtual: bool | None = None,
        source_factory: Callable[[], AudioSource] | None = None,
        status_interval_s: float = STATUS_INTERVAL_S,
        compute_process: bool | None = None,
    ) -> None:
        self.source = source
        self.task = (
            DANCE_TO_MUSIC if isinstance(source, OscMocapSource) else MUSIC_TO_DANCE
        )
        if self.task == MUSIC_TO_DANCE and not isinstance(source, AudioSource):
            raise ParameterError(f"{source!r} is neither an audio nor a mocap source.")
        if self.task == MUSIC_TO_DANCE and midi_sinks:
            raise ParameterError(
                "MIDI sinks need a motion-capture source (dance -> music)."
            )
        if self.task == DANCE_TO_MUSIC and pose_sinks:
            raise ParameterError("pose sinks need a music source (music -> dance).")
        if seconds is not None and not seconds > 0:
            raise ParameterError(f"seconds must be positive, got {seconds}.")
        self.generator = generator
        self.pose_sinks = list(pose_sinks)
        self.midi_sinks = list(midi_sinks)
        self.seconds = seconds
        if virtual is None:
            virtual = isinstance(source, FileSource) and not source.realtime
        if virtual and self.task == DANCE_TO_MUSIC:
            raise ParameterError("motion capture over OSC runs in real time only.")
        self.clock: RealClock | VirtualClock = (
            VirtualClock() if virtual else RealClock()
        )
        options = options if options is not None else LiveOptions()
        if self.task == MUSIC_TO_DANCE:
            self.engine: MusicToDanceEngine | DanceToMusicEngine = MusicToDanceEngine(
                generator, options=options
            )
        else:
            self.engine = DanceToMusicEngine(generator, options=options)
        self.options = self.engine.options
        self.timeline: FrameTimeline = self.engine.timeline
        self.schedule = OutputSchedule(
            rate=rate if self.task == MUSIC_TO_DANCE else FPS,
            t0=0.0,
            latency=self.options.latency_s,
        )
        self.source_factory = source_factory
        self.status_interval_s = status_interval_s
        self.use_compute_process = self.task == MUSIC_TO_DANCE and (
            not virtual if compute_process is None else compute_process
        )
        self._compute_process: ComputeProcess | None = None
        self.jitter = JitterStats()
        self.report = LiveReport(
            task=self.task,
            mode=self.options.mode,
            rate=self.schedule.rate,
            latency_s=self.options.latency_s,
        )
        self.load_s: float | None = None  # set by from_specs
        self.plans: list[Plan] = []  # the most recent plans (for status and tests)
        self._compute: list[float] = []
        self._stop = threading.Event()
        self._input_done = threading.Event()
        self._cond = threading.Condition()
        self._worker: threading.Thread | None = None
        self._worker_error: BaseException | None = None
        self._next_out = 0
        self._last_pose: np.ndarray | None = None
        self._samples_in = 0
        self._dropped_seen = 0
        self._end_frame: int | None = None
        self._frame_times: dict[int, float] = {}
        self._messages: list[tuple[float, int, mido.Message]] = []
        self._sequence = itertools.count()
        self._next_status = 0.0
        self._status_frames = 0
        self._logged: dict[str, int] = {}

    # --- building from the command line -------------------------------------------------

    @classmethod
    def from_specs(
        cls,
        *,
        source: SourceSpec,
        sinks: Sequence[SinkSpec],
        model: str | Path | None = None,
        options: LiveOptions | None = None,
        runtime: RuntimeOptions | None = None,
        rate: float = FPS,
        seconds: float | None = None,
        realtime: bool | None = None,
        allow: Sequence[str] | None = None,
    ) -> LiveRunner:
        """A runner for parsed ``--source`` and ``--sink`` URIs (see :mod:`.uri`).

        ``realtime`` (None: True) applies to file sources, ``allow`` (sender IPs) to OSC
        sources; giving them for another source is a ParameterError, as is a source and
        sinks of different tasks.
        """
        from ..offline import load_model

        task = check_combination(source, list(sinks))
        if realtime is not None and source.kind != FILE:
            raise ParameterError("--realtime and --fast apply to a file source only.")
        if allow and source.kind != OSC:
            raise ParameterError("--allow applies to an osc:// source only.")
        if task == DANCE_TO_MUSIC and rate != FPS:
            _LOGGER.warning("--rate applies to poses; notes follow the 25 fps frames.")
        t = time.perf_counter()
        generator = load_model(task, model, options=runtime or RuntimeOptions())
        load_s = time.perf_counter() - t
        virtual = source.kind == FILE and realtime is False
        if source.kind == MIC:  # a missing device fails now, not after the warm-up
            find_input_device(source.device)
        built: list[PoseSink | MidiSink] = []
        try:
            for spec in sinks:
                built.append(_open_sink(spec, rate=rate))
            audio_factory = _source_factory(source, realtime=realtime is not False)
            opened = (
                OscMocapSource(source.host, source.port, allowed_senders=allow or None)
                if source.kind == OSC
                else audio_factory()
            )
            runner = cls(
                source=opened,
                generator=generator,
                options=options,
                pose_sinks=[s for s in built if isinstance(s, PoseSink)],
                midi_sinks=[s for s in built if isinstance(s, MidiSink)],
                rate=rate,
                seconds=seconds,
                virtual=virtual,
                source_factory=audio_factory if source.kind == MIC else None,
            )
        except BaseException:
            for sink in built:
                sink.close()
            raise
        runner.load_s = load_s
        return runner

    # --- running ----------------------------------------------------------------------

    def stop(self) -> None:
        """Ask the run to stop now (from another thread); like Ctrl-C."""
        self.report.interrupted = True
        self._stop.set()
        with self._cond:
            self._cond.notify_all()

    def run(self) -> LiveReport:
        """Warm up, run until the input ends, ``seconds`` pass, stop() or Ctrl-C.

        Returns
        -------
        report : LiveReport
        """
        wall0, cpu0 = time.perf_counter(), time.process_time()
        failed = False
        try:
            self.report.warmup_s = self.warm_up()
            if self.task == MUSIC_TO_DANCE:
                self._run_music()
            else:
                self._run_mocap()
            if self._worker_error is not None:
                raise self._worker_error
        except KeyboardInterrupt:
            self.report.interrupted = True
            _LOGGER.warning("interrupted: stopping")
        except BaseException:
            failed = True
            raise
        finally:
            self._shutdown(panic=failed or self.report.interrupted)
            self.report.wall_s = time.perf_counter() - wall0
            self.report.cpu_s = time.process_time() - cpu0
            self._finish_report()
        return self.report

    # --- warm-up ------------------------------------------------------------------------

    def warm_up(self) -> dict[str, float]:
        """Run once everything that compiles or caches on first use; seconds per step."""
        timings: dict[str, float] = {}
        if self.load_s is not None:
            timings["model load"] = self.load_s
        if self.use_compute_process:  # the child warms up while this process does
            self._compute_process = ComputeProcess(self.generator)
        window = self._dummy_window()
        if self.task == MUSIC_TO_DANCE:
            from ..features import analyse_music

            timings["features"] = _timed(lambda: analyse_music(window, sr=SAMPLE_RATE))
            silence = np.zeros((WINDOW_FRAMES, MUSIC_DIM), np.float32)
            timings["generate"] = _timed(
                lambda: self.generator.generate(silence, seed=0)
            )
        else:
            timings["generate"] = _timed(
                lambda: self.generator.generate(window, seed=0)
            )
        timings["output"] = _timed(self._warm_output)
        if self._compute_process is not None:
            timings.update(self._attach_compute_process(self._compute_process))
        plan_s = _timed(lambda: self._warm_plan(window))
        _LOGGER.info(
            "warm-up took %.2f s (%s); a plan takes %.0f ms",
            sum(timings.values()),
            ", ".join(f"{k} {v:.2f} s" for k, v in timings.items()),
            plan_s * 1e3,
        )
        if plan_s > self.options.margin_s:
            _LOGGER.warning(
                "a plan takes %.0f ms, more than the compute margin of %.0f ms: frames "
                "will be late; raise --margin or use a smaller model.",
                plan_s * 1e3,
                self.options.margin_s * 1e3,
            )
        timings["one plan"] = plan_s
        return timings

    def _attach_compute_process(self, process: ComputeProcess) -> dict[str, float]:
        """Plan through ``process`` once it is ready (else in this process); its timings."""
        assert isinstance(self.engine, MusicToDanceEngine)
        try:
            timings = process.wait_ready()
        except DeviceError as exc:
            _LOGGER.warning("%s Computing in this process instead.", exc)
            self._compute_process = None
            process.close()
            return {}
        self.engine.compute = process
        return timings

    def _dummy_window(self) -> np.ndarray:
        """Quiet noise (music -> dance) or a still pose (dance -> music), one window."""
        if self.task == MUSIC_TO_DANCE:
            return _warmup_audio()
        return np.tile(_rest_pose(), (WINDOW_FRAMES, 1))

    def _warm_output(self) -> None:
        """Interpolation, encoders and note decoding on still frames."""
        poses = np.tile(_rest_pose(), (2, 1))
        interpolate_poses(poses, poses, np.array([0.0, 0.5]))
        for sink in self.pose_sinks:
            if isinstance(sink, OscPoseSink):
                encode_frame(
                    format=sink.format, frame_index=0, time_s=0.0, pose=poses[0]
                )
        if self.task == DANCE_TO_MUSIC:
            still = np.tile(_rest_pose(), (WINDOW_FRAMES, 1))
            music = np.zeros((WINDOW_FRAMES, MUSIC_OUT_DIM))
            decode_notes(music=music, motion_energy=motion_energy(pose=still))

    def _warm_plan(self, window: np.ndarray) -> None:
        """Features and generation of one window, as a plan does them."""
        if isinstance(self.engine, MusicToDanceEngine):
            self.engine.compute(window, _rest_pose(), 0)
        else:
            self.generator.generate(window, seed=0)

    # --- music -> dance -----------------------------------------------------------------

    def _run_music(self) -> None:
        self.source.start()
        self.schedule.t0 = self.clock.now()
        if isinstance(self.clock, VirtualClock):
            self._music_virtual()
            return
        self._start_worker(self._music_worker)
        self._play_poses()

    def _music_virtual(self) -> None:
        """One thread: read, plan, emit what is due at the input's time."""
        assert isinstance(self.clock, VirtualClock)
        while not self._stop.is_set():
            chunk = self._read_audio()
            if chunk is None:
                break
            self._push_audio(chunk, latest_only=False)
            self.clock.time = self.schedule.t0 + self._samples_in / SAMPLE_RATE
            self._emit_poses(until=self.clock.now())
            if self._input_over():
                break
        if self._stop.is_set():
            return
        self._finish_music()
        self._emit_poses(until=math.inf)

    def _music_worker(self) -> None:
        while not self._stop.is_set():
            chunk = self._read_audio()
            if chunk is None:
                break
            self._push_audio(chunk, latest_only=True)
            if self._input_over():
                break
        if not self._stop.is_set():
            self._finish_music()

    def _read_audio(self) -> np.ndarray | None:
        """The next chunk (silence for lost samples), or None at the end of the input."""
        assert isinstance(self.source, AudioSource)
        try:
            chunk = self.source.read(timeout=READ_TIMEOUT_S)
        except DeviceError as exc:
            return self._reopen_audio(exc)
        if len(chunk) == 0 and self.source.exhausted:
            return None
        lost = self.source.ring.dropped_samples - self._dropped_seen
        if lost:  # keep the audio aligned with the clock: lost samples become silence
            self._dropped_seen += lost
            chunk = np.concatenate([np.zeros(lost, np.float32), chunk])
        bad = ~np.isfinite(chunk)
        if bad.any():
            self._count_error(
                "input", f"{int(bad.sum())} NaN or infinite samples zeroed"
            )
            chunk = np.where(bad, 0.0, chunk).astype(np.float32)
        return chunk

    def _reopen_audio(self, exc: DeviceError) -> np.ndarray | None:
        """Report a lost device and reopen it every second; silence fills the gap."""
        _LOGGER.error("audio input lost: %s", exc)
        if self.source_factory is None:
            return None
        self.source.close()
        while not self._stop.wait(RETRY_S):
            try:
                source = self.source_factory()
                source.start()
            except LiveDualError as retry_exc:
                _LOGGER.warning("audio input still unavailable: %s", retry_exc)
                continue
            self.source = source
            self._dropped_seen = 0
            gap = (
                int((self.clock.now() - self.schedule.t0) * SAMPLE_RATE)
                - self._samples_in
            )
            _LOGGER.info("audio input back after a %.1f s gap", gap / SAMPLE_RATE)
            return np.zeros(max(gap, 0), np.float32)
        return None

    def _push_audio(self, chunk: np.ndarray, *, latest_only: bool) -> None:
        if self.seconds is not None:  # exactly ``seconds`` of audio
            chunk = chunk[
                : max(round(self.seconds * SAMPLE_RATE) - self._samples_in, 0)
            ]
        self._samples_in += len(chunk)
        try:
            plans = self.engine.push(chunk, latest_only=latest_only)
        except _ERRORS_TO_SURVIVE as exc:
            self._count_error("input", f"a window failed: {exc}")
            return
        self._note_plans(plans)

    def _finish_music(self) -> None:
        try:
            self._note_plans(self.engine.finish())
        except _ERRORS_TO_SURVIVE as exc:
            self._count_error("input", f"the last window failed: {exc}")
        self._end_frame = self.engine.input_frames
        self._input_done.set()

    def _input_over(self) -> bool:
        """Whether ``seconds`` of input have been read."""
        if self.seconds is None:
            return False
        if self.task == MUSIC_TO_DANCE:
            return self._samples_in >= self.seconds * SAMPLE_RATE
        return self.clock.now() - self.schedule.t0 >= self.seconds

    def _play_poses(self) -> None:
        """The steady output clock (real time)."""
        while not self._stop.is_set():
            if self._all_out():
                break
            due = self.schedule.due(self._next_out)
            if not self.clock.wait_until(due, self._stop):
                break
            self._emit_frame(due)
            self._status()

    def _emit_poses(self, *, until: float) -> None:
        """Every output frame due by ``until`` (virtual clock)."""
        while not self._all_out() and self.schedule.due(self._next_out) <= until:
            self._emit_frame(self.schedule.due(self._next_out))
            self._status()

    def _all_out(self) -> bool:
        """Whether the input has ended and every frame it makes has been sent."""
        if self._end_frame is None:
            return False
        return self._next_out >= self.schedule.frames_until(self._end_frame)

    def _emit_frame(self, due: float) -> None:
        """Send output frame ``_next_out`` (or count it skipped or underrun)."""
        n = self._next_out
        self._next_out += 1
        position = self.schedule.position(n)
        if self._now_for(due) - due > MAX_LATE_S:
            self.report.skipped_frames += 1
            self.timeline.commit(math.ceil(position))
            return
        sample = self.timeline.sample(position, rate=self.schedule.rate)
        if sample is None:
            self.report.underruns += 1
            self.timeline.commit(math.ceil(position))
            if self._last_pose is None:
                return
            pose, beat = self._last_pose, 0.0
        else:
            pose, beat = sample.frame, sample.beat
        for sink in self.pose_sinks:
            try:
                sink.send(n, self.schedule.time(n), pose, beat=beat)
            except _ERRORS_TO_SURVIVE as exc:
                self.report.sink_errors += 1
                self._count_error("sink", f"{sink!r}: {exc}")
        self.jitter.record(due=due, sent=self._now_for(due))
        self.report.frames_out += 1
        self._last_pose = pose

    def _now_for(self, due: float) -> float:
        """The clock now; on a virtual clock a frame is always sent when due."""
        return due if isinstance(self.clock, VirtualClock) else self.clock.now()

    # --- dance -> music -----------------------------------------------------------------

    def _run_mocap(self) -> None:
        self.source.start()
        self.schedule.t0 = self.clock.now()
        self._start_worker(self._mocap_worker)
        self._play_music()

    def _mocap_worker(self) -> None:
        assert isinstance(self.source, OscMocapSource)
        assert isinstance(self.engine, DanceToMusicEngine)
        resampler = StreamResampler(fps=FPS)
        last_input = self.clock.now()
        while not self._stop.is_set() and not self._input_over():
            first = self.source.read(timeout=READ_TIMEOUT_S)
            frames = ([first] if first is not None else []) + self.source.read_all()
            poses: list[np.ndarray] = []
            times: dict[int, float] = {}
            for frame in frames:
                received = frame.received_s
                for t, pose in resampler.push(received or self.clock.now(), frame.pose):
                    times[self.engine.input_frames + len(poses)] = t
                    poses.append(pose)
            if poses:
                last_input = self.clock.now()
                with self._cond:
                    self._frame_times.update(times)
                self._plan_mocap(np.stack(poses))
            elif (
                self.engine.notes.sounding
                and self.clock.now() - last_input > RELEASE_AFTER_S
            ):
                self._schedule(self.engine.release())
        if not self._stop.is_set():
            try:
                plans = self.engine.finish()
            except _ERRORS_TO_SURVIVE as exc:
                self._count_error("input", f"the last window failed: {exc}")
                plans = []
            self._note_plans(plans)
            self._end_frame = self.engine.input_frames
            for plan in plans:
                self._schedule(plan.messages)
        self._input_done.set()
        with self._cond:
            self._cond.notify_all()

    def _plan_mocap(self, poses: np.ndarray) -> None:
        try:
            plans = self.engine.push(poses, latest_only=True)
        except _ERRORS_TO_SURVIVE as exc:
            self._count_error("input", f"a window failed: {exc}")
            return
        self._note_plans(plans)
        for plan in plans:
            self._schedule(plan.messages)
        with self._cond:
            self._cond.notify_all()

    def _frame_time(self, position: float) -> float | None:
        """Capture time of a (fractional) timeline frame; extrapolated past the input."""
        index = math.floor(position)
        times = self._frame_times
        if index in times:
            return times[index] + (position - index) / FPS
        known = [i for i in times if i <= index]
        if not known:
            return None
        nearest = max(known)
        return times[nearest] + (position - nearest) / FPS

    def _schedule(self, messages: list[TimedMessage]) -> None:
        """Queue MIDI messages at their frame's capture time plus the latency."""
        with self._cond:
            for frame, msg in messages:
                t = self._frame_time(frame)
                due = (t if t is not None else self.clock.now()) + self.schedule.latency
                heapq.heappush(self._messages, (due, next(self._sequence), msg))
            self._cond.notify_all()

    def _play_music(self) -> None:
        """Send MIDI messages when due and play the music frames on their clock."""
        while not self._stop.is_set():
            with self._cond:
                frame_due = self._music_frame_due()
                message_due = self._messages[0][0] if self._messages else None
                if frame_due is None and message_due is None:
                    if self._input_done.is_set():
                        return
                    self._cond.wait(READ_TIMEOUT_S)
                    continue
                wake = min(t for t in (frame_due, message_due) if t is not None)
                delay = wake - self.clock.now()
                if delay > 0:
                    self._cond.wait(min(delay, READ_TIMEOUT_S))
                    continue
                due_messages = []
                while self._messages and self._messages[0][0] <= self.clock.now():
                    due_messages.append(heapq.heappop(self._messages)[2])
            for msg in due_messages:
                self._send_midi(msg)
            if frame_due is not None and frame_due <= self.clock.now():
                self._emit_music_frame(frame_due)
            self._status()

    def _music_frame_due(self) -> float | None:
        """When the next music frame is due, or None (its input has not come yet)."""
        if self._end_frame is not None and self._next_out >= self._end_frame:
            return None
        t = self._frame_times.get(self._next_out)
        return None if t is None else t + self.schedule.latency

    def _emit_music_frame(self, due: float) -> None:
        n = self._next_out
        self._next_out += 1
        if self.timeline.sample(float(n)) is None:
            self.report.underruns += 1
            self.timeline.commit(n)
        self.jitter.record(due=due, sent=self.clock.now())
        self.report.frames_out += 1
        with self._cond:
            for old in [i for i in self._frame_times if i < n - 2 * WINDOW_FRAMES]:
                del self._frame_times[old]

    def _send_midi(self, msg: mido.Message) -> None:
        for sink in self.midi_sinks:
            try:
                sink.send(msg)
            except _ERRORS_TO_SURVIVE as exc:
                self.report.sink_errors += 1
                self._count_error("sink", f"{sink!r}: {exc}")
        self.report.messages_out += 1

    # --- shared -----------------------------------------------------------------------

    def _start_worker(self, target: Callable[[], None]) -> None:
        def guarded() -> None:
            try:
                target()
            except BaseException as exc:  # noqa: BLE001 - the main thread re-raises it
                self._worker_error = exc
                self._stop.set()
            finally:
                self._input_done.set()
                with self._cond:
                    self._cond.notify_all()

        self._worker = threading.Thread(
            target=guarded, name="livedual-live-worker", daemon=True
        )
        self._worker.start()

    def _note_plans(self, plans: list[Plan]) -> None:
        for plan in plans:
            self._compute.append(plan.compute_s)
            self.plans.append(plan)
        del self.plans[:-WINDOW_FRAMES]
        del self._compute[:-10_000]
        self.report.plans += len(plans)

    def _count_error(self, kind: str, message: str) -> None:
        self._logged[kind] = self._logged.get(kind, 0) + 1
        if kind == "input":
            self.report.input_errors += 1
        if self._logged[kind] % LOG_EVERY_ERRORS == 1:
            _LOGGER.warning(
                "%s (%d %s errors so far)", message, self._logged[kind], kind
            )

    def _drops(self) -> dict[str, int]:
        return (
            dict(self.source.drops) if isinstance(self.source, OscMocapSource) else {}
        )

    def _overflows(self) -> int:
        return self.source.overflows if isinstance(self.source, AudioSource) else 0

    def _status(self) -> None:
        """Log the status line once a second (wall clock)."""
        now = time.monotonic()
        if now < self._next_status:
            return
        if self._next_status:
            elapsed = self.status_interval_s + (now - self._next_status)
            fps = (self.report.frames_out - self._status_frames) / elapsed
            shift = self.plans[-1].shift / FPS if self.plans else 0.0
            compute = self.plans[-1].compute_s * 1e3 if self.plans else float("nan")
            _LOGGER.info(
                "live: %d frames out (%.1f fps), latency %.2f s%s, plan %.0f ms, "
                "underruns %d, late plans %d, drops %d, overflows %d",
                self.report.frames_out,
                fps,
                self.options.latency_s,
                f" + {shift:.2f} s beat shift" if shift else "",
                compute,
                self.report.underruns,
                self.timeline.late_merges,
                sum(self._drops().values()),
                self._overflows(),
            )
        self._status_frames = self.report.frames_out
        self._next_status = now + self.status_interval_s

    def _shutdown(self, *, panic: bool) -> None:
        """Stop the worker, close the source, release every note, close every sink."""
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        if self._worker is not None:
            self._worker.join(JOIN_TIMEOUT_S)
            if self._worker.is_alive():
                _LOGGER.error(
                    "the live worker did not stop within %.0f s", JOIN_TIMEOUT_S
                )
        _close_quietly(self.source.close, "the source")
        if self._compute_process is not None:
            _close_quietly(self._compute_process.close, "the compute process")
            self.report.compute_process_cpu_s = self._compute_process.cpu_s
        for midi_sink in self.midi_sinks:
            if panic:
                _close_quietly(midi_sink.panic, f"MIDI panic on {midi_sink!r}")
            _close_quietly(midi_sink.close, repr(midi_sink))
        for pose_sink in self.pose_sinks:
            _close_quietly(pose_sink.close, repr(pose_sink))

    def _finish_report(self) -> None:
        report = self.report
        report.late_plans = self.timeline.late_merges
        report.skipped_windows = self.engine.skipped_windows
        report.drops = self._drops()
        report.overflows = self._overflows()
        report.jitter = self.jitter.summary()
        if self._compute:
            compute = np.array(self._compute) * 1e3
            report.compute_ms = {
                "p50": float(np.median(compute)),
                "max": float(compute.max()),
            }
        _LOGGER.info(
            "live: %s, %d frames out, %d underruns, %d skipped, %d plans (%d late), "
            "jitter p99 %.1f ms, %.1f s wall, %.0f %% CPU",
            "interrupted" if report.interrupted else "done",
            report.frames_out,
            report.underruns,
            report.skipped_frames,
            report.plans,
            report.late_plans,
            report.jitter.get("late_p99_ms", float("nan")),
            report.wall_s,
            100.0
            * (report.cpu_s + report.compute_process_cpu_s)
            / max(report.wall_s, 1e-9),
        )


# --- helpers ----------------------------------------------------------------------------


def _warmup_audio() -> np.ndarray:
    """One window of quiet noise [shape=(66150,), float32] to compile the feature kernels on."""
    rng = np.random.default_rng(0)
    return (WARMUP_NOISE * rng.standard_normal(WINDOW_SAMPLES)).astype(np.float32)


def _timed(work: Callable[[], object]) -> float:
    t = time.perf_counter()
    work()
    return time.perf_counter() - t


def _close_quietly(close: Callable[[], None], what: str) -> None:
    """Call ``close``; log (never raise) a failure, so the other sinks still close."""
    try:
        close()
    except _ERRORS_TO_SURVIVE as exc:
        _LOGGER.error("closing %s failed: %s", what, exc)


def _open_sink(spec: SinkSpec, *, rate: float) -> PoseSink | MidiSink:
    """The sink a parsed ``--sink`` names."""
    if spec.kind == OSC:
        return OscPoseSink(spec.host, spec.port, spec.format)
    if spec.kind == MIDI:
        return PortMidiSink(spec.midi_port or DEFAULT_PORT_NAME)
    if spec.kind == RECORD and spec.path is not None:
        if spec.task == MUSIC_TO_DANCE:
            return PoseRecorder(spec.path, fps=rate)
        return MidiFileSink(spec.path)
    raise ParameterError(f"cannot open the sink {spec}.")


def _source_factory(spec: SourceSpec, *, realtime: bool) -> Callable[[], AudioSource]:
    """A function opening the audio source a parsed ``--source`` names."""
    if spec.kind == MIC:
        return lambda: MicSource(spec.device)
    if spec.kind == FILE and spec.path is not None:
        path = spec.path
        return lambda: FileSource(path, realtime=realtime)
    return lambda: _no_audio(spec)


def _no_audio(spec: SourceSpec) -> AudioSource:
    raise ParameterError(f"{spec} is not an audio source.")


def _rest_pose() -> np.ndarray:
    """The SMPL rest pose at the origin [shape=(147,)]."""
    rotations = np.tile(np.eye(3), (N_JOINTS, 1, 1))
    return pack_pose(transl=np.zeros(3), rotations=rotations).astype(np.float32)
