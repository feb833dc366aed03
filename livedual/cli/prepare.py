"""``livedual prepare``: cache a dataset as training windows."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from ..const import FPS
from ..data.prepare import default_jobs, prepare
from ..data.sources import DATASETS, dataset_items
from . import add_common, formatter

_LOGGER = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "prepare",
        help="cache a dataset as training windows",
        formatter_class=formatter,
        description="Cut a dataset into 3 s windows of music features and poses, one .npz per "
        "sequence plus prepare.json (genres, normalisation statistics, failures). Sequences "
        "already written are skipped, so an interrupted run resumes.",
    )
    parser.add_argument("dataset", choices=DATASETS)
    parser.add_argument("--root", type=Path, help="dataset folder (aistpp, dwm)")
    parser.add_argument(
        "--music-dir",
        "--music_dir",
        type=Path,
        help="AIST music folder (default ROOT/music)",
    )
    parser.add_argument("--split", help="AIST++ split: train, val, test or a list file")
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument(
        "--stride", type=int, default=FPS, help="frames between window starts"
    )
    parser.add_argument(
        "--jobs", type=int, default=default_jobs(), help="worker processes"
    )
    parser.add_argument(
        "--songs", type=int, default=64, help="synthetic: number of songs"
    )
    parser.add_argument("--seed", type=int, default=0, help="synthetic: corpus seed")
    parser.add_argument(
        "--duration", type=float, default=30.0, help="synthetic: seconds per song"
    )
    add_common(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    items, loader = dataset_items(
        args.dataset,
        root=args.root,
        music_dir=args.music_dir,
        split=args.split,
        songs=args.songs,
        seed=args.seed,
        duration_s=args.duration,
    )
    report = prepare(
        items, loader=loader, out_dir=args.out, stride=args.stride, jobs=args.jobs
    )
    _LOGGER.info(
        "%d sequences written (%d windows), %d already there, %d failed -> %s",
        len(report.written),
        report.windows,
        len(report.skipped),
        len(report.failed),
        args.out,
    )
    return 1 if report.failed and not report.written and not report.skipped else 0
