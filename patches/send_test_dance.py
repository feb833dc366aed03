"""Send a test dance over OSC, to check a receiver patch without a model or a microphone.

The dance is a synthetic one (``livedual.data.synth.make_song``: a procedural dance that
follows its song's beats) or a BVH file written by livedual; it goes out in real time at
25 fps through :class:`livedual.io.OscPoseSink`, in the native, flat or VMC format of
``patches/README.md``, with a beat strength of 1 on the song's beat frames.

Examples::

    python patches/send_test_dance.py                                  # native -> 127.0.0.1:9000
    python patches/send_test_dance.py --format flat                    # TouchDesigner
    python patches/send_test_dance.py --format vmc                     # VSeeFace, Warudo: 39539
    python patches/send_test_dance.py --bvh dance_out/song.bvh --loop  # replay a livedual BVH
    python patches/send_test_dance.py --no-bundles                     # one message per datagram
"""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

import numpy as np

from livedual.const import FPS
from livedual.data.bvh import read_bvh
from livedual.data.synth import STYLES, make_song
from livedual.io import FORMATS, OscPoseSink, resample_frames

_LOGGER = logging.getLogger("send_test_dance")

DEFAULT_SECONDS = 20.0
DEFAULT_SEED = 7


def synthetic_dance(
    *, seconds: float, seed: int, style: str | None
) -> tuple[np.ndarray, np.ndarray]:
    """A synthetic dance (T, 147) at 25 fps and its per-frame beat strength (T,)."""
    song = make_song(seed, duration_s=seconds, style=style)
    beats = np.zeros(len(song.pose))
    frames = np.floor(song.truth.beat_times * FPS).astype(int)
    beats[frames[frames < len(beats)]] = 1.0
    _LOGGER.info(
        "synthetic %s dance, %.0f bpm, %d frames",
        song.style,
        song.truth.tempo_bpm,
        len(beats),
    )
    return song.pose, beats


def bvh_dance(path: Path) -> tuple[np.ndarray, None]:
    """A BVH file's dance resampled to 25 fps (no beats)."""
    pose, fps = read_bvh(path)
    if abs(fps - FPS) > 1e-6:
        times = np.arange(len(pose)) / fps
        _, pose = resample_frames(times=times, poses=pose, fps=FPS)
    _LOGGER.info("%s: %d frames", path, len(pose))
    return pose, None


def send(
    sink: OscPoseSink, pose: np.ndarray, beats: np.ndarray | None, *, loop: bool
) -> int:
    """Send every frame on a steady 25 fps clock; returns the number of frames sent."""
    start = time.monotonic()
    sent = 0
    while True:
        for frame in range(len(pose)):
            stream_time = sent / FPS
            delay = start + stream_time - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            beat = None if beats is None else float(beats[frame])
            sink.send(sent, stream_time, pose[frame], beat=beat)
            sent += 1
        if not loop:
            return sent


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    add = parser.add_argument
    add("--host", default="127.0.0.1", help="receiver address")
    add("--port", type=int, default=None, help="receiver port (VMC: 39539, else 9000)")
    add("--format", choices=FORMATS, default="native", help="wire format")
    add(
        "--no-bundles",
        "--no_bundles",
        action="store_true",
        help="send every message as its own datagram (no bundles)",
    )
    add("--bvh", type=Path, default=None, help="replay this BVH, not a synthetic dance")
    add("--seconds", type=float, default=DEFAULT_SECONDS, help="synthetic dance length")
    add("--seed", type=int, default=DEFAULT_SEED, help="seed of the synthetic dance")
    add("--style", choices=STYLES, default=None, help="style of the synthetic dance")
    add("--loop", action="store_true", help="start again at the end (Ctrl-C stops)")
    add("--debug", action="store_true", help="log more")
    return parser


def main() -> None:
    args = _parser().parse_args()
    level = logging.DEBUG if args.debug else logging.INFO
    logging.basicConfig(level=level, format="%(message)s")
    _LOGGER.debug(args)
    if args.bvh is not None:
        pose, beats = bvh_dance(args.bvh)
    else:
        pose, beats = synthetic_dance(
            seconds=args.seconds, seed=args.seed, style=args.style
        )
    bundles = not args.no_bundles
    with OscPoseSink(args.host, args.port, args.format, bundles=bundles) as sink:
        _LOGGER.info("sending %s frames to %s:%s", args.format, sink.host, sink.port)
        try:
            frames = send(sink, pose, beats, loop=args.loop)
        except KeyboardInterrupt:
            frames = -1  # stopped by hand
        _LOGGER.info(
            "done: %s frames, %d datagrams, %d bytes, %d send errors",
            "(stopped)" if frames < 0 else frames,
            sink.packets_sent,
            sink.bytes_sent,
            sink.send_errors,
        )


if __name__ == "__main__":
    main()
