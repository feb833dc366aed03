"""``livedual demo``: the whole tool on a synthetic song and dance, in one command."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from ..demo import run_demo
from . import add_common, formatter
from .models import add_runtime_options, runtime_options

_LOGGER = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="dance to a synthetic song, compose for a synthetic dance, play live",
        formatter_class=formatter,
        description="Make a synthetic song and dance to it (npz, pkl, bvh, mp4), compose music "
        "for a synthetic dance (mid, wav, png), play the live pipeline file-as-live to "
        "OSC on localhost, and write summary.md with the measured speed. No data, devices or "
        "network needed.",
    )
    parser.add_argument(
        "--out", type=Path, default=Path("demo_out"), help="output folder"
    )
    parser.add_argument(
        "--live-seconds",
        "--live_seconds",
        type=float,
        default=4.0,
        help="seconds of the live run (0: skip)",
    )
    parser.add_argument(
        "--osc-port",
        "--osc_port",
        type=int,
        default=9000,
        help="localhost port the live run sends to",
    )
    parser.add_argument(
        "--no-video", "--no_video", action="store_true", help="skip the videos"
    )
    add_runtime_options(parser)
    add_common(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    summary = run_demo(
        args.out,
        options=runtime_options(args),
        live_seconds=args.live_seconds,
        osc_port=args.osc_port,
        video=not args.no_video,
    )
    for path in summary.files:
        _LOGGER.info("wrote %s", path)
    for key, value in summary.numbers.items():
        _LOGGER.info(
            "%-42s %s", key, f"{value:.4g}" if isinstance(value, float) else value
        )
    return 0
