"""``livedual eval``: score models against the ground truth and the baselines."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from ..errors import ParameterError
from ..evaluation.run import DEFAULT_GENERATIONS
from . import add_common, formatter
from .models import add_runtime_options, runtime_options

_LOGGER = logging.getLogger(__name__)

SYNTHETIC = "synthetic"
DEFAULT_SONGS = 4
DEFAULT_TRAIN_SONGS = 16
DEFAULT_DURATION_S = 30.0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``eval`` subcommand."""
    parser = subparsers.add_parser(
        "eval",
        help="measure models: FD, diversity, beat alignment, FID, notes accuracy",
        formatter_class=formatter,
        description="Generate dances (and music) for held-out data with each model, measure "
        "them with the ground truth and the baselines (static mean pose, retrieval), and "
        "write OUT/results.json and OUT/results.md (tables laid out like the paper's).",
    )
    parser.add_argument(
        "--models",
        action="append",
        required=True,
        metavar="PREFIX",
        help="model pair PREFIX_music2dance.onnx / PREFIX_dance2music.onnx (either may be "
        "missing); repeat for several models",
    )
    parser.add_argument(
        "--name",
        action="append",
        default=None,
        metavar="NAME",
        help="table name of each --models, in the same order (default: the prefix's name)",
    )
    parser.add_argument(
        "--data",
        default=SYNTHETIC,
        help="'synthetic' (held-out synthetic songs) or a folder made by 'livedual prepare'",
    )
    parser.add_argument(
        "--songs",
        type=int,
        default=None,
        help=f"sequences to evaluate (synthetic default {DEFAULT_SONGS}; a folder: all)",
    )
    parser.add_argument(
        "--sequence",
        action="append",
        default=None,
        metavar="NAME",
        help="with a prepared folder: evaluate only this sequence (repeat for several), "
        "e.g. a training run's held-out ones",
    )
    parser.add_argument(
        "--train-songs",
        "--train_songs",
        dest="train_songs",
        type=int,
        default=DEFAULT_TRAIN_SONGS,
        help="synthetic songs the baselines draw from",
    )
    parser.add_argument(
        "--duration",
        type=float,
        default=DEFAULT_DURATION_S,
        help="seconds per synthetic song",
    )
    parser.add_argument(
        "--generations",
        type=int,
        default=DEFAULT_GENERATIONS,
        help="dances per sequence and row (different start poses)",
    )
    parser.add_argument("--seed", type=int, default=0, help="same seed, same numbers")
    parser.add_argument(
        "--out", type=Path, default=Path("eval_out"), help="output folder"
    )
    add_runtime_options(parser)
    parser.add_argument(
        "--no-progress", "--no_progress", action="store_true", help="no progress bar"
    )
    add_common(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Load the models and the data, evaluate, write the results."""
    from ..evaluation import (
        evaluate,
        load_model_pair,
        prepared_corpus,
        synthetic_corpus,
        write_results,
    )

    names = args.name or []
    if len(names) > len(args.models):
        raise ParameterError(
            f"{len(names)} --name given for {len(args.models)} --models; give at most one "
            "name per model, in the same order."
        )
    options = runtime_options(args)
    models = [
        load_model_pair(
            prefix, name=names[k] if k < len(names) else None, options=options
        )
        for k, prefix in enumerate(args.models)
    ]
    progress = not args.no_progress
    if args.data == SYNTHETIC:
        corpus = synthetic_corpus(
            songs=DEFAULT_SONGS if args.songs is None else args.songs,
            duration_s=args.duration,
            train_songs=args.train_songs,
            progress=progress,
        )
    else:
        corpus = prepared_corpus(args.data, songs=args.songs, sequences=args.sequence)
    results = evaluate(
        corpus,
        models=models,
        seed=args.seed,
        generations=args.generations,
        progress=progress,
    )
    for path in write_results(results, args.out):
        _LOGGER.info("wrote %s", path)
    return 0
