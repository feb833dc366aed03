"""``livedual dance``: a song to a dance (npz, AIST++ pkl, BVH and a video)."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from ..card import MUSIC_TO_DANCE
from ..offline import DANCE_OVERLAP, dance_song, load_model
from . import add_common, formatter
from .models import add_model_options, runtime_options

_LOGGER = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "dance",
        help="dance to a song",
        formatter_class=formatter,
        description="Generate a dance for an audio file and write it as NAME.npz, NAME.pkl "
        "(AIST++ layout), NAME.bvh and NAME.mp4 (skeleton video with the song).",
    )
    parser.add_argument("song", type=Path, help="audio file (wav, mp3, flac, ...)")
    parser.add_argument(
        "--out", type=Path, default=Path("dance_out"), help="output folder"
    )
    parser.add_argument(
        "--no-video", "--no_video", action="store_true", help="skip the MP4"
    )
    parser.add_argument(
        "--overlap",
        type=int,
        default=DANCE_OVERLAP,
        metavar="FRAMES",
        help="frames each 3 s window shares with the one before, faded across so that "
        "the motion keeps its speed where windows meet (0: the paper's chaining, "
        "windows back to back)",
    )
    add_model_options(parser, what="music2dance")
    add_common(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    generator = load_model(MUSIC_TO_DANCE, args.model, options=runtime_options(args))
    result = dance_song(
        args.song,
        out_dir=args.out,
        generator=generator,
        seed=args.seed,
        video=not args.no_video,
        overlap=args.overlap,
    )
    for path in result.files:
        _LOGGER.info("wrote %s", path)
    steps = ", ".join(f"{k} {v:.2f} s" for k, v in result.timings.steps.items())
    _LOGGER.info(
        "%.1f s of music in %.2f s (%.0fx real time: %s)",
        result.duration_s,
        result.timings.total,
        result.realtime_factor,
        steps,
    )
    return 0
