"""``livedual train``: train the two generators (needs ``livedual[train]``).

Any field of :class:`livedual.train.config.TrainConfig` can be overridden as an option of
its own (``--lr 1e-4``, ``--max-steps 1000``, ``--no-gw``, ``--lr-milestones 20000 40000``);
the rest comes from the preset, or from the checkpoint when resuming. For several
processes (GPUs, or CPU processes with gloo) start it under torchrun:
``torchrun --nproc_per_node 2 -m livedual train ...``.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from livedual.train.config import (
    PRESET_NAMES,
    SYNTHETIC,
    TrainConfig,
    add_config_arguments,
    overrides_from_args,
    preset_config,
)

from ..errors import MissingExtraError, ParameterError
from . import add_common, formatter

_LOGGER = logging.getLogger(__name__)

DEFAULT_PRESET = "small"
SUMMARY_TERMS = ("rec_dance", "rec_music", "cyc_dance", "cyc_music", "gw")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``train`` subcommand."""
    parser = subparsers.add_parser(
        "train",
        help="train the music-to-dance and dance-to-music generators",
        description=(
            "Train G_M->D and G_D->M by dual learning (reconstruction, cycle consistency and "
            "Gromov-Wasserstein losses). Writes OUT/last.pt and OUT/best.pt (self-describing "
            "checkpoints), OUT/config.json and TensorBoard logs in OUT/tb."
        ),
        formatter_class=formatter,
    )
    # No defaults here: a resumed run keeps its own preset and data unless given.
    parser.add_argument(
        "--preset",
        choices=PRESET_NAMES,
        default=argparse.SUPPRESS,
        help=f"model and schedule sizes [{DEFAULT_PRESET}]",
    )
    parser.add_argument(
        "--data",
        default=argparse.SUPPRESS,
        help=f"'{SYNTHETIC}' or a folder of window .npz files from 'livedual prepare' "
        f"[{SYNTHETIC}]",
    )
    parser.add_argument(
        "--out",
        "--output-dir",
        "--output_dir",
        dest="out",
        type=Path,
        required=True,
        default=argparse.SUPPRESS,
        help="run folder",
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="continue the run in OUT from its last checkpoint",
    )
    add_config_arguments(parser)
    add_common(parser)
    parser.set_defaults(func=run)


def _config(args: argparse.Namespace) -> TrainConfig:
    """The run's configuration: preset (or resumed run) plus the options given."""
    from livedual.train.checkpoint import resume_config

    overrides = overrides_from_args(args)
    if getattr(args, "data", None) is not None:
        overrides["data"] = args.data
    preset = getattr(args, "preset", None)
    if not args.resume:
        return preset_config(preset or DEFAULT_PRESET, out=str(args.out), **overrides)
    cfg = resume_config(args.out, out=str(args.out), **overrides)
    if preset is not None and preset != cfg.preset:
        raise ParameterError(
            f"{args.out} was trained with preset {cfg.preset!r}; "
            "a resumed run cannot change it."
        )
    return cfg


def run(args: argparse.Namespace) -> int:
    try:
        import torch  # noqa: F401
    except ImportError:
        raise MissingExtraError("torch", "train") from None
    from livedual.train.trainer import train

    cfg = _config(args)
    state = train(cfg, resume=args.resume)
    if state.info.is_main:
        shown = {k: v for k, v in state.last_val.items() if k in SUMMARY_TERMS}
        _LOGGER.info(
            "done at step %d, checkpoints in %s; validation: %s",
            state.step,
            cfg.out,
            ", ".join(f"{k} {v:.4f}" for k, v in shown.items()) or "none",
        )
    return 0
