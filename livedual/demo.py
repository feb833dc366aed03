"""The one-command demo: everything livedual does, on material it makes itself.

A synthetic song is danced to, a synthetic dance is set to music, and the live pipeline
plays the song file-as-live to a localhost OSC port. Needs no data, devices or network.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .atomic import atomic_write
from .audio import write_wav
from .card import DANCE_TO_MUSIC, MUSIC_TO_DANCE
from .const import FPS
from .inference import Generator, RuntimeOptions
from .offline import compose_dance, dance_song, load_model

_LOGGER = logging.getLogger(__name__)

SONG_SEED = 7  # the demo's song and dance: fixed, so every run shows the same material
DANCE_SEED = 11
DANCE_STYLE = "bounce"
SONG_SECONDS = 20.0
LATENCY_REPEATS = 20


@dataclass
class DemoSummary:
    """What the demo made and how fast."""

    out_dir: str
    files: list[str] = field(default_factory=list)
    numbers: dict[str, float | int | str] = field(default_factory=dict)

    def markdown(self) -> str:
        rows = "\n".join(
            f"| {k} | {v:.4g} |" if isinstance(v, float) else f"| {k} | {v} |"
            for k, v in self.numbers.items()
        )
        files = "\n".join(f"- `{f}`" for f in self.files)
        return f"# livedual demo\n\n| measure | value |\n|---|---|\n{rows}\n\nFiles:\n\n{files}\n"


def window_latency_ms(generator: Generator, *, repeats: int = LATENCY_REPEATS) -> float:
    """Median milliseconds to generate one 75-frame window (after one warm-up run)."""
    window = generator.sample_windows(1)[0]
    generator.generate(window, seed=0)
    times = []
    for k in range(repeats):
        start = time.perf_counter()
        generator.generate(window, seed=k)
        times.append(time.perf_counter() - start)
    return float(np.median(times) * 1000.0)


def run_demo(
    out_dir: str | Path,
    *,
    options: RuntimeOptions = RuntimeOptions(),
    live_seconds: float = 4.0,
    osc_port: int = 9000,
    video: bool = True,
) -> DemoSummary:
    """Make the demo's files in ``out_dir`` and return its summary (also written there)."""
    from .data.formats import write_motion
    from .data.synth import make_song

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    summary = DemoSummary(str(out))
    music2dance = load_model(MUSIC_TO_DANCE, options=options)
    dance2music = load_model(DANCE_TO_MUSIC, options=options)

    song = make_song(SONG_SEED, duration_s=SONG_SECONDS)
    song_path = write_wav(out / "song.wav", song.audio, sr=song.sr)
    danced = dance_song(
        song_path, out_dir=out, generator=music2dance, seed=0, video=video, name="dance"
    )
    summary.files += [str(song_path)] + [str(p) for p in danced.files]
    summary.numbers.update(
        {
            "song seconds": danced.duration_s,
            "dance: seconds of work": danced.timings.total,
            "dance: x real time (incl. video)"
            if video
            else "dance: x real time": danced.realtime_factor,
        }
    )

    moves = make_song(DANCE_SEED, duration_s=SONG_SECONDS, style=DANCE_STYLE)
    summary.files.append(
        str(write_motion(out / "input_dance.npz", moves.pose, fps=FPS))
    )
    composed = compose_dance(
        moves.pose, out_midi=out / "composed.mid", generator=dance2music, seed=0
    )
    summary.files += [str(p) for p in composed.files]
    summary.numbers["composed notes"] = len(composed.notes)
    if video:
        from .render import render_motion_video

        summary.files.append(
            str(
                render_motion_video(
                    moves.pose,
                    out / "input_dance.mp4",
                    fps=FPS,
                    audio=out / "composed.wav",
                    title="input dance + composed music",
                )
            )
        )

    summary.numbers["music2dance ms per 3 s window"] = window_latency_ms(music2dance)
    summary.numbers["dance2music ms per 3 s window"] = window_latency_ms(dance2music)
    summary.numbers["provider"] = music2dance.provider
    if live_seconds > 0:
        summary.numbers.update(
            _live_demo(
                song_path, seconds=live_seconds, port=osc_port, model=music2dance
            )
        )
    _write_summary(out, summary)
    return summary


def _live_demo(
    song: Path, *, seconds: float, port: int, model: Generator
) -> dict[str, float | int | str]:
    """Play the song file-as-live, in real time, to OSC on localhost, and count what arrives.

    The same path as ``livedual live --source song.wav --sink osc://127.0.0.1:PORT``, in
    low-latency mode; a UDP socket stands in for TouchDesigner or Unity.
    """
    from .io import FileSource, OscPoseSink
    from .live.engine import LiveOptions
    from .live.runner import LiveRunner

    with (
        _UdpCounter(port) as receiver,
        OscPoseSink("127.0.0.1", port, "native") as sink,
    ):
        runner = LiveRunner(
            source=FileSource(song, realtime=True),
            generator=model,
            options=LiveOptions(mode="lowlatency"),
            pose_sinks=[sink],
            seconds=seconds,
        )
        report = runner.run()
    return {
        "live: seconds played": round(report.wall_s, 2),
        "live: pose frames sent": report.frames_out,
        "live: OSC datagrams received on localhost": receiver.count,
        "live: configured delay ms": round(report.latency_s * 1000.0),
        "live: frame lateness p99 ms": round(
            report.jitter.get("late_p99_ms", float("nan")), 1
        ),
    }


class _UdpCounter:
    """Counts datagrams arriving on a localhost UDP port, in a background thread."""

    def __init__(self, port: int) -> None:
        import socket

        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", port))
        self.sock.settimeout(0.1)
        self.count = 0
        self._done = False

    def __enter__(self) -> _UdpCounter:
        import threading

        self._thread = threading.Thread(target=self._receive, daemon=True)
        self._thread.start()
        return self

    def _receive(self) -> None:
        while not self._done:
            try:
                self.sock.recv(65536)
                self.count += 1
            except OSError:
                continue

    def __exit__(self, *exc: object) -> None:
        time.sleep(0.2)  # let the last datagrams land
        self._done = True
        self._thread.join()
        self.sock.close()


def _write_summary(out: Path, summary: DemoSummary) -> None:
    with atomic_write(out / "summary.json", "w") as handle:
        json.dump(
            {"files": summary.files, "numbers": summary.numbers}, handle, indent=2
        )
    with atomic_write(out / "summary.md", "w") as handle:
        handle.write(summary.markdown())
    summary.files += [str(out / "summary.json"), str(out / "summary.md")]
