"""``livedual export``: a training checkpoint to two ONNX models with their cards."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from ..errors import MissingExtraError
from . import add_common, formatter

_LOGGER = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "export",
        help="export a checkpoint to ONNX",
        formatter_class=formatter,
        description="Write PREFIX_music2dance.onnx and PREFIX_dance2music.onnx, each with its "
        "card (.onnx.json), and check ONNX Runtime against torch on the written files.",
    )
    parser.add_argument(
        "checkpoint",
        type=Path,
        help="a checkpoint of 'livedual train' (e.g. RUN/best.pt)",
    )
    parser.add_argument(
        "--out", type=Path, required=True, help="PREFIX of the model files"
    )
    parser.add_argument(
        "--int8",
        action="store_true",
        help="also write dynamic int8 copies and report their cost",
    )
    add_common(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        from ..export.checkpoint_export import export_checkpoint, quantise
    except ImportError as exc:
        raise MissingExtraError(exc.name or "torch", "export") from None
    for result in export_checkpoint(args.checkpoint, args.out):
        _LOGGER.info(
            "%s: %s parameters, ONNX Runtime = torch within %.1e (parity check passed)",
            result.onnx_path,
            f"{result.parameters:,}",
            result.max_abs_error,
        )
        if args.int8:
            quantised = quantise(result)
            _LOGGER.info(
                "%s: int8 costs %.2g %s",
                quantised.onnx_path,
                quantised.cost,
                quantised.unit,
            )
    return 0
