"""``livedual ablate``: the GW × cycle ablation (paper Table 4), trained, exported and scored.

Trains the four variants (GW + cycle, GW only, cycle only, neither; ``--with-lstm`` adds
the LSTM baseline) with one configuration, exports each pair and evaluates them side by
side like ``livedual eval``. Any training option of ``livedual train`` applies to every
variant (``--max-steps``, ``--seed``, ``--batch-size``, ...); ``--gw``, ``--cycle`` and
``--arch`` are what the ablation varies. Run it again to resume.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from livedual.train.config import (
    ABLATION_CHECKPOINTS,
    ABLATION_VARIED,
    PRESET_NAMES,
    SYNTHETIC,
    TrainConfig,
    add_config_arguments,
    overrides_from_args,
    preset_config,
)

from ..errors import MissingExtraError, ParameterError
from ..evaluation import EvalCorpus, prepared_corpus, synthetic_corpus
from ..evaluation.run import DEFAULT_GENERATIONS
from ..inference import RuntimeOptions
from . import add_common, formatter
from .eval import DEFAULT_DURATION_S, DEFAULT_SONGS, DEFAULT_TRAIN_SONGS
from .models import add_threads_option

_LOGGER = logging.getLogger(__name__)

DEFAULT_PRESET = "tiny"
SPLIT = "split"  # --eval-data: the sequences the runs held out of --data


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``ablate`` subcommand."""
    parser = subparsers.add_parser(
        "ablate",
        help="train and score the GW x cycle ablation (paper Table 4)",
        formatter_class=formatter,
        description="Train the four GW x cycle variants (and with --with-lstm the LSTM "
        "baseline) with the same data, seed and step budget into OUT/runs, export them to "
        "OUT/models, evaluate them on held-out data and write OUT/results.json and "
        "OUT/results.md. Finished variants are not trained again; unfinished ones resume.",
    )
    parser.add_argument(
        "--data",
        default=SYNTHETIC,
        help=f"training data: '{SYNTHETIC}' or a prepared folder",
    )
    parser.add_argument("--out", type=Path, required=True, help="ablation folder")
    parser.add_argument(
        "--preset",
        choices=PRESET_NAMES,
        default=DEFAULT_PRESET,
        help="model and schedule sizes",
    )
    parser.add_argument(
        "--with-lstm",
        "--with_lstm",
        dest="with_lstm",
        action="store_true",
        help="also train the LSTM baseline (both losses, same budget) as a Table 2 row",
    )
    parser.add_argument(
        "--checkpoint",
        choices=ABLATION_CHECKPOINTS,
        default="last",
        help="export each run's last step (the same budget for all) or best validation",
    )
    _add_eval_arguments(parser)
    add_config_arguments(parser)
    for action in parser._actions:  # accepted only to be refused with a clear message
        if action.dest in ABLATION_VARIED:
            action.help = argparse.SUPPRESS
    add_common(parser)
    parser.set_defaults(func=run)


def _add_eval_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("evaluation")
    group.add_argument(
        "--eval-data",
        "--eval_data",
        dest="eval_data",
        default=SYNTHETIC,
        help=f"held-out data: '{SYNTHETIC}' (songs never trained on), '{SPLIT}' (the "
        "validation sequences of the prepared --data folder) or a prepared folder",
    )
    group.add_argument(
        "--eval-songs",
        "--eval_songs",
        dest="eval_songs",
        type=int,
        default=None,
        help=f"sequences to evaluate (synthetic default {DEFAULT_SONGS}; a folder: all)",
    )
    group.add_argument(
        "--eval-duration",
        "--eval_duration",
        dest="eval_duration",
        type=float,
        default=DEFAULT_DURATION_S,
        help="seconds per held-out synthetic song",
    )
    group.add_argument(
        "--generations",
        type=int,
        default=DEFAULT_GENERATIONS,
        help="dances per sequence and row",
    )
    group.add_argument(
        "--eval-seed",
        "--eval_seed",
        dest="eval_seed",
        type=int,
        default=0,
        help="seed of the evaluation's draws",
    )
    add_threads_option(group)


def _base_config(args: argparse.Namespace) -> TrainConfig:
    """What every variant shares: the preset, the data and the options given."""
    overrides = overrides_from_args(args)
    varied = sorted(set(ABLATION_VARIED) & set(overrides))
    if varied:
        raise ParameterError(
            f"--{', --'.join(varied)}: the ablation sets these for each variant itself."
        )
    return preset_config(args.preset, data=args.data, out=str(args.out), **overrides)


def _corpus(args: argparse.Namespace, progress: bool) -> EvalCorpus | None:
    """The held-out sequences (synthetic songs or a prepared folder); None: the split."""
    if args.eval_data == SPLIT:
        if args.data == SYNTHETIC:
            raise ParameterError(
                f"--eval-data {SPLIT} needs --data to be a prepared folder."
            )
        return None
    if args.eval_data == SYNTHETIC:
        return synthetic_corpus(
            songs=DEFAULT_SONGS if args.eval_songs is None else args.eval_songs,
            duration_s=args.eval_duration,
            train_songs=DEFAULT_TRAIN_SONGS,
            progress=progress,
        )
    return prepared_corpus(args.eval_data, songs=args.eval_songs)


def run(args: argparse.Namespace) -> int:
    """Train, export and evaluate the variants."""
    base = _base_config(args)
    try:
        from livedual.train.ablation import run_ablation
    except ImportError as exc:
        raise MissingExtraError(exc.name or "torch", "train") from None
    corpus = _corpus(args, base.progress)
    results = run_ablation(
        base,
        out=args.out,
        corpus=corpus,
        with_lstm=args.with_lstm,
        checkpoint=args.checkpoint,
        eval_seed=args.eval_seed,
        generations=args.generations,
        options=RuntimeOptions(device=base.device, threads=args.threads),
    )
    for row in results["ablation"]["rows"]:
        _LOGGER.info(
            "%s: notes accuracy %s",
            row["name"],
            "—" if row["notes_accuracy"] is None else f"{row['notes_accuracy']:.1%}",
        )
    return 0
