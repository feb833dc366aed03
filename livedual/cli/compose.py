"""``livedual compose``: a dance to music (MIDI, WAV and a piano roll)."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from ..card import DANCE_TO_MUSIC
from ..offline import compose_dance, load_model, read_dance
from . import add_common, formatter
from .models import add_model_options, runtime_options

_LOGGER = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "compose",
        help="compose music for a dance",
        formatter_class=formatter,
        description="Generate music for a dance (AIST++ .pkl, .bvh, .npz or a Dance-with-Melody "
        "folder) and write FILE.mid, FILE.wav (built-in synth) and FILE.png (piano roll).",
    )
    parser.add_argument(
        "motion", type=Path, help="motion file or Dance-with-Melody folder"
    )
    parser.add_argument(
        "--out", type=Path, default=Path("composed.mid"), help="MIDI file to write"
    )
    add_model_options(parser, what="dance2music")
    add_common(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    generator = load_model(DANCE_TO_MUSIC, args.model, options=runtime_options(args))
    pose = read_dance(args.motion)
    result = compose_dance(pose, out_midi=args.out, generator=generator, seed=args.seed)
    for path in result.files:
        _LOGGER.info("wrote %s", path)
    return 0
