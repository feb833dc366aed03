"""How late does the live runtime answer a musical event, and how steady is its clock?

For each latency mode, a synthetic input (a soft chord with a little noise, then at
``--onset`` seconds a sudden loud chord and drum hit, then the soft chord again) is played
as live input in real time (``FileSource``, device-sized blocks on the clock, exactly as
a microphone) through :class:`livedual.live.runner.LiveRunner`, with poses sent at 60 fps
over OSC to a local port and to an in-memory sink that notes the wall-clock time of every
frame. Measured:

- **onset -> pose delay**: from the moment the hit is "captured" (the runner's start time
  plus the onset time: audio blocks arrive when they would have been recorded, so block
  buffering is included) to the wall-clock send time of the first output frame whose
  motion differs from the same run without the hit by more than ``--threshold`` metres
  (any joint). The run without the hit is computed on the virtual clock (same frames,
  deterministic); the real-time run with the hit is checked to produce the same frames
  as its virtual twin, so the frame index of the response is exact.
- **jitter**: lateness of every frame against its due time on the 60 fps clock
  (p50/p99/max) and the p99 of the interval between frames.
- **CPU**: process CPU time over wall time during the real-time run (warm-up excluded;
  2 cores here means 200 % is the whole machine).

    python benchmarks/live_latency.py [--model M.onnx] [--onset 5.0] [--seconds 9.0]

The default model is the shipped starter music2dance model if present, else the tiny
test fixture.

``livedual bench --cases live`` runs a short variant (the default low-latency mode, a
4 s input with the hit at 2.5 s, twice): its table rows give the frame lateness, the
onset -> pose delay and the CPU share as rates, the wall time per call is the whole
real-time run (warm-up, latency and input).
"""

from __future__ import annotations

import argparse
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from livedual.benchmarks.harness import Case, Context, Prepared, Ratio, Target
from livedual.card import MUSIC_TO_DANCE
from livedual.const import FPS, SAMPLE_RATE
from livedual.inference import Generator
from livedual.io.audio_source import FileSource
from livedual.io.base import PoseSink
from livedual.io.osc_sink import OscPoseSink
from livedual.live.engine import LiveOptions
from livedual.live.runner import LiveReport, LiveRunner
from livedual.offline import STARTER_MODELS
from livedual.skeleton import pose_to_joints

FIXTURE = (
    Path(__file__).resolve().parent.parent
    / "tests"
    / "fixtures"
    / "tiny_music2dance.onnx"
)
RATE = 60.0  # output frames per second
SOFT_GAIN = 0.03  # the quiet chord (about -30 dBFS)
HIT_GAIN = 0.9  # the hit (about -1 dBFS)
HIT_DECAY_S = 0.25
NOISE_GAIN = 0.003
CHORD_HZ = (220.0, 277.18, 329.63)  # A major
KICK_HZ = 60.0
DEFAULT_THRESHOLD_M = (
    0.01  # a response: some joint 1 cm away from the run without the hit
)
DISCARD_PORT = 9  # the "discard" port: frames are encoded and sent, nobody listens
JITTER_TARGET_MS = 4.0  # frame lateness p99 at 60 fps
CASE_SECONDS = 4.0  # input of the bench's short variant
CASE_ONSET = 2.5  # its hit: early enough for the 0.48 s hop to answer within the input
CASE_REPEAT = 2  # real-time runs per bench case (about 10 s each with the warm-up)
CONFIGS = (  # (label, options)
    ("lowlatency hop 0.48 s", LiveOptions(mode="lowlatency", hop=12)),
    ("lowlatency hop 0.24 s", LiveOptions(mode="lowlatency", hop=6, crossfade=3)),
    (
        "lowlatency hop 0.12 s, margin 0.12 s, no beat shift",
        LiveOptions(
            mode="lowlatency", hop=3, crossfade=2, margin_s=0.12, beat_align=False
        ),
    ),
    ("sync (paper)", LiveOptions(mode="sync")),
)


class TimedSink(PoseSink):
    """Keeps each pose with the wall-clock and CPU time it was sent at."""

    def __init__(self) -> None:
        super().__init__()
        self.poses: list[np.ndarray] = []
        self.sent: list[float] = []
        self.cpu: list[float] = []

    def _send(
        self, frame_index: int, time_s: float, pose: np.ndarray, *, beat: float | None
    ) -> None:
        self.poses.append(np.array(pose))
        self.sent.append(time.monotonic())
        self.cpu.append(time.process_time())


def make_input(*, seconds: float, onset: float | None, seed: int = 0) -> np.ndarray:
    """A soft chord with noise; a loud chord and kick from ``onset`` on (None: no hit)."""
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    chord = sum(np.sin(2 * np.pi * f * t) for f in CHORD_HZ) / len(CHORD_HZ)
    noise = np.random.default_rng(seed).standard_normal(len(t))
    y = SOFT_GAIN * chord + NOISE_GAIN * noise
    if onset is not None:
        after = np.clip(t - onset, 0.0, None)
        envelope = np.where(t >= onset, np.exp(-after / HIT_DECAY_S), 0.0)
        kick = np.sin(2 * np.pi * KICK_HZ * after * (1 + 2 * np.exp(-after / 0.03)))
        y = y + HIT_GAIN * envelope * (0.6 * chord + 0.4 * kick)
    return np.clip(y, -1.0, 1.0).astype(np.float32)


@dataclass
class Result:
    label: str
    report: LiveReport
    delay_s: float | None
    response_frame: int | None
    same_frames: bool
    cpu_percent: float
    interval_p99_ms: float


def run(
    generator: Generator, options: LiveOptions, audio: np.ndarray, *, realtime: bool
) -> tuple[LiveRunner, TimedSink]:
    sink = TimedSink()
    sinks: list[PoseSink] = [sink, OscPoseSink("127.0.0.1", DISCARD_PORT, "native")]
    runner = LiveRunner(
        source=FileSource.from_samples(audio, realtime=realtime),
        generator=generator,
        options=options,
        pose_sinks=sinks,
        rate=RATE,
    )
    runner.run()
    return runner, sink


def first_response(
    with_hit: np.ndarray, without: np.ndarray, threshold: float
) -> int | None:
    """First frame where some joint moved more than ``threshold`` metres away."""
    n = min(len(with_hit), len(without))
    distance = np.linalg.norm(
        pose_to_joints(with_hit[:n]) - pose_to_joints(without[:n]), axis=-1
    )
    moved = np.flatnonzero(distance.max(axis=1) > threshold)
    return int(moved[0]) if len(moved) else None


def references(
    generator: Generator,
    options: LiveOptions,
    *,
    seconds: float,
    onset: float,
    threshold: float,
) -> tuple[np.ndarray, int | None]:
    """The virtual-clock poses with the hit, and the frame where they first answer it."""
    _, quiet = run(
        generator, options, make_input(seconds=seconds, onset=None), realtime=False
    )
    _, virtual_hit = run(
        generator, options, make_input(seconds=seconds, onset=onset), realtime=False
    )
    reference = np.stack(virtual_hit.poses)
    return reference, first_response(reference, np.stack(quiet.poses), threshold)


def measure(
    label: str,
    generator: Generator,
    options: LiveOptions,
    *,
    seconds: float,
    onset: float,
    threshold: float,
) -> Result:
    reference, frame = references(
        generator, options, seconds=seconds, onset=onset, threshold=threshold
    )
    return measure_realtime(
        label, generator, options, reference, frame, seconds=seconds, onset=onset
    )


def measure_realtime(
    label: str,
    generator: Generator,
    options: LiveOptions,
    reference: np.ndarray,
    frame: int | None,
    *,
    seconds: float,
    onset: float,
) -> Result:
    """One real-time run with the hit, against its virtual twin ``reference``."""
    runner, live = run(
        generator, options, make_input(seconds=seconds, onset=onset), realtime=True
    )
    got = np.stack(live.poses)
    same = got.shape == reference.shape and bool(np.allclose(got, reference, atol=1e-6))
    # The response frame of the virtual twin; its send time in the real-time run (a
    # late plan changes what a frame shows, not when it is sent).
    delay = None
    if frame is not None and frame < len(live.sent):
        delay = live.sent[frame] - (runner.schedule.t0 + onset)
    # This process from the first frame sent to the last, plus the compute process.
    cpu_s = live.cpu[-1] - live.cpu[0] + runner.report.compute_process_cpu_s
    cpu = 100.0 * cpu_s / max(live.sent[-1] - live.sent[0], 1e-9)
    intervals = np.diff(live.sent) * 1e3
    return Result(
        label,
        runner.report,
        delay,
        frame,
        same,
        cpu,
        float(np.percentile(intervals, 99)),
    )


def default_model() -> Path:
    """The starter music2dance model if shipped, else the tiny test fixture."""
    starter = STARTER_MODELS[MUSIC_TO_DANCE]
    return starter if starter.is_file() else FIXTURE


# --- the bench's short variant ------------------------------------------------------------


def _case_setup(options: LiveOptions) -> Callable[[Context], Prepared]:
    def setup(ctx: Context) -> Prepared:
        generator = Generator.load(default_model())
        reference, frame = references(
            generator,
            options,
            seconds=CASE_SECONDS,
            onset=CASE_ONSET,
            threshold=DEFAULT_THRESHOLD_M,
        )
        results: list[Result] = []

        def run_once() -> None:
            results.append(
                measure_realtime(
                    "bench",
                    generator,
                    options,
                    reference,
                    frame,
                    seconds=CASE_SECONDS,
                    onset=CASE_ONSET,
                )
            )

        def metrics() -> dict[str, float]:
            return _median_metrics(results)

        info = {
            "model": generator.path.name,
            "input_s": CASE_SECONDS,
            "onset_s": CASE_ONSET,
            "rate_fps": RATE,
            "latency_ms": options.latency_s * 1e3,
            "note": "wall ms = one real-time run (warm-up, latency, input)",
        }
        return Prepared(run_once, info=info, metrics=metrics)

    return setup


def _median_metrics(results: list[Result]) -> dict[str, float]:
    """Medians over the runs: lateness p50/p99 (ms), onset -> pose delay (ms), CPU (%)."""
    if not results:
        return {}
    columns = {
        "late_p50_ms": [r.report.jitter["late_p50_ms"] for r in results],
        "late_p99_ms": [r.report.jitter["late_p99_ms"] for r in results],
        "cpu_percent": [r.cpu_percent for r in results],
    }
    delays = [r.delay_s * 1e3 for r in results if r.delay_s is not None]
    if delays:
        columns["delay_ms"] = delays
    return {name: float(np.median(values)) for name, values in columns.items()}


def cases() -> tuple[list[Case], list[Ratio]]:
    """The live case for ``livedual bench``: the default low-latency mode, short input."""
    label, options = CONFIGS[0]
    case = Case(
        "live.lowlatency",
        _case_setup(options),
        "live",
        f"live {label} at {RATE:g} fps, {CASE_SECONDS:g} s input in real time",
        Target("late_p99_ms", "<=", JITTER_TARGET_MS),
        repeat=CASE_REPEAT,
        warmup=0,
        requires=("onnxruntime",),
    )
    return [case], []


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--model", type=Path, default=None, help="music2dance model")
    parser.add_argument("--onset", type=float, default=5.0, help="time of the hit, s")
    parser.add_argument("--seconds", type=float, default=9.0, help="input length, s")
    parser.add_argument(
        "--threshold",
        type=float,
        default=DEFAULT_THRESHOLD_M,
        help="joint distance that counts as a response, m",
    )
    parser.add_argument("--debug", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(
        level=logging.INFO if args.debug else logging.WARNING, format="%(message)s"
    )
    model = args.model or default_model()
    generator = Generator.load(model)
    print(
        f"model {model.name} ({generator.card.preset}), output {RATE:g} fps, hit at {args.onset:g} s, "
        f"response = a joint {args.threshold * 100:g} cm from the run without the hit; "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the start"
    )
    results = [
        measure(
            label,
            generator,
            options,
            seconds=args.seconds,
            onset=args.onset,
            threshold=args.threshold,
        )
        for label, options in CONFIGS
    ]
    print()
    print(
        "| mode | latency setting | onset -> pose delay | frame late p50 / p99 / max | "
        "interval p99 | CPU | plan p50 / max | underruns / skipped / late plans |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        j, c = r.report.jitter, r.report.compute_ms
        delay = "no response" if r.delay_s is None else f"{r.delay_s * 1e3:.0f} ms"
        if not r.same_frames:
            delay += " (a late plan changed frames)"
        print(
            f"| {r.label} | {r.report.latency_s * 1e3:.0f} ms | {delay} | "
            f"{j['late_p50_ms']:.1f} / {j['late_p99_ms']:.1f} / {j['late_max_ms']:.1f} ms | "
            f"{r.interval_p99_ms:.1f} ms | {r.cpu_percent:.0f} % | "
            f"{c.get('p50', float('nan')):.0f} / {c.get('max', float('nan')):.0f} ms | "
            f"{r.report.underruns} / {r.report.skipped_frames} / {r.report.late_plans} |"
        )
    print(
        f"\n(frame interval at {RATE:g} fps: {1e3 / RATE:.1f} ms; {FPS} fps model frames)"
    )


if __name__ == "__main__":
    main()
