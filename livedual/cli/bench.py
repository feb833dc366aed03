"""``livedual bench``: how fast livedual runs here, measured side by side in one run.

Cases of one group run interleaved round by round, so load from other processes falls on
all of them alike; the table gives medians, spreads (p10, p90, IQR), ratios, the targets
met or not, the machine and the load average. Cases that need torch (the export, the
torch and training cases) are skipped with a reason when it is missing.
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

from ..atomic import atomic_write
from ..errors import LiveDualError, MissingExtraError, ParameterError
from . import add_common, formatter

_LOGGER = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``bench`` subcommand."""
    parser = subparsers.add_parser(
        "bench",
        help="measure speed: features, generators, offline dance, training",
        formatter_class=formatter,
        description="Time livedual's work (music features, G_M->D in torch and ONNX Runtime, offline "
        "dance, a training step, ...) and print medians, spreads and ratios; --json writes it all.",
    )
    parser.add_argument(
        "--cases",
        nargs="+",
        default=[],
        metavar="PATTERN",
        help="case names or groups to run (shell wildcards allowed); default: all",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=None,
        help="timed calls of every case (default: each case's own count)",
    )
    parser.add_argument(
        "--settle",
        type=float,
        default=None,
        metavar="SECONDS",
        help="pause before each timed call, so thread pools stop spinning "
        "(default: DEFAULT_SETTLE_S of livedual.benchmarks.harness)",
    )
    parser.add_argument(
        "--json",
        "--output-file",
        "--output_file",
        dest="json",
        type=Path,
        default=None,
        help="write the full report (every sample, the machine) to this JSON file",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="tiny models and short songs: checks that the cases run, not their speed",
    )
    parser.add_argument(
        "--torch-threads",
        "--torch_threads",
        dest="torch_threads",
        type=int,
        default=None,
        metavar="N",
        help="torch intra-op threads for the torch and training cases (default: torch's)",
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        default=None,
        help="folder for exported models, songs and outputs (default: a temporary one)",
    )
    parser.add_argument("--list", action="store_true", help="list the cases and exit")
    add_common(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the chosen cases, print the table and write the JSON report."""
    try:
        from ..benchmarks.cases import all_cases, select
        from ..benchmarks.harness import format_table, run_cases
    except ModuleNotFoundError as exc:
        if exc.name != "livedual.benchmarks":
            raise
        raise LiveDualError(
            "livedual.benchmarks is not installed: reinstall livedual from its repository "
            "(pip install -e .) so that benchmarks/ installs with it."
        ) from None

    cases, ratios = all_cases()
    chosen = select(cases, args.cases)
    if args.list:
        for case in chosen:
            print(f"{case.name:<28} {case.group:<10} {case.description}")
        return 0
    if args.torch_threads is not None:
        _set_torch_threads(args.torch_threads)
    _LOGGER.info(
        "running %d benchmark cases%s", len(chosen), " (quick)" if args.quick else ""
    )
    settle = {} if args.settle is None else {"settle_s": args.settle}
    report = run_cases(
        chosen,
        ratios,
        repeat=args.repeat,
        quick=args.quick,
        workdir=args.workdir,
        **settle,
    )
    print(format_table(report))
    if args.json is not None:
        with atomic_write(args.json, "w") as handle:
            json.dump(report.to_dict(), handle, indent=1)
        _LOGGER.info("wrote %s", args.json)
    return 1 if any(r.status == "failed" for r in report.results) else 0


def _set_torch_threads(count: int) -> None:
    if count < 1:
        raise ParameterError(f"--torch-threads must be at least 1, not {count}.")
    try:
        import torch
    except ImportError:
        raise MissingExtraError("torch", "train") from None
    torch.set_num_threads(count)
