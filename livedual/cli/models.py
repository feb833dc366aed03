"""Options shared by the subcommands that run a model."""

from __future__ import annotations

import argparse

from ..inference import DEVICES, RuntimeOptions


def add_runtime_options(parser: argparse.ArgumentParser) -> None:
    """``--device`` and ``--threads`` of ONNX Runtime."""
    parser.add_argument(
        "--device", choices=DEVICES, default="auto", help="where ONNX Runtime runs"
    )
    add_threads_option(parser)


def add_threads_option(
    parser: argparse.ArgumentParser | argparse._ArgumentGroup,
) -> None:
    """``--threads`` of ONNX Runtime."""
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="ONNX Runtime threads (default: 1, fastest on a busy machine; 0: ONNX Runtime decides)",
    )


def add_model_options(parser: argparse.ArgumentParser, *, what: str) -> None:
    """``--model``, ``--seed``, ``--device`` and ``--threads``."""
    parser.add_argument(
        "--model",
        help=f"{what} model (NAME.onnx beside NAME.onnx.json); default: the starter model",
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="random seed: same seed, same result"
    )
    add_runtime_options(parser)


def runtime_options(args: argparse.Namespace) -> RuntimeOptions:
    return RuntimeOptions(device=args.device, threads=args.threads)
