"""The ``livedual`` command line: ``livedual SUBCOMMAND [options]``."""

from __future__ import annotations

import argparse
import logging
import sys

from . import __version__
from .cli import add_common, formatter, register_all
from .errors import LiveDualError

_LOGGER = logging.getLogger("livedual")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="livedual",
        description="Music to dance and dance to music, live.",
        formatter_class=formatter,
    )
    parser.add_argument(
        "--version", action="version", version=f"livedual {__version__}"
    )
    add_common(parser, top_level=True)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    register_all(subparsers)
    return parser


def main(argv: list[str] | None = None) -> None:
    parser = build_parser()
    args = parser.parse_args(argv)
    # Other libraries speak only when something is wrong; livedual says what it does.
    logging.basicConfig(
        level=logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s" if args.debug else "%(message)s",
    )
    _LOGGER.setLevel(logging.DEBUG if args.debug else logging.INFO)
    _LOGGER.debug(args)
    if args.command is None:
        parser.print_help()
        sys.exit(2)
    try:
        code = args.func(args)
    except LiveDualError as exc:
        _LOGGER.error("error: %s", exc)
        sys.exit(2)
    except KeyboardInterrupt:
        _LOGGER.error("interrupted")
        sys.exit(130)
    sys.exit(code or 0)


if __name__ == "__main__":
    main()
