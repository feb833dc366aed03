"""The ``livedual`` command's subcommands, one module each.

Each module listed in :data:`COMMANDS` defines ``register(subparsers)``, which adds its
parser and sets ``func`` (a callable taking the parsed arguments and returning an exit
code). Only commands that work are listed.
"""

from __future__ import annotations

import argparse
import importlib

COMMANDS: tuple[str, ...] = (
    "demo",
    "dance",
    "compose",
    "export",
    "features",
    "prepare",
    "render",
    "live",
    "train",
    "bench",
    "eval",
    "ablate",
)


def formatter(prog: str) -> argparse.HelpFormatter:
    """Help formatter shared by every subcommand (shows defaults)."""
    return argparse.ArgumentDefaultsHelpFormatter(prog, max_help_position=32)


def add_common(parser: argparse.ArgumentParser, *, top_level: bool = False) -> None:
    """Options every subcommand accepts (also before the subcommand, on the top level)."""
    # A subcommand's default must not reset a --debug given before the subcommand.
    default = False if top_level else argparse.SUPPRESS
    parser.add_argument(
        "--debug", action="store_true", default=default, help="log debug messages"
    )


def register_all(subparsers: argparse._SubParsersAction) -> None:
    """Add every subcommand of :data:`COMMANDS` to ``subparsers``."""
    for name in COMMANDS:
        importlib.import_module(f"{__name__}.{name}").register(subparsers)
