"""Every benchmark case of livedual, in the order they run, and how to pick some.

The live-latency cases come from :mod:`livedual.benchmarks.live_latency` when that module
exists and defines ``cases() -> (list[Case], list[Ratio])`` like the modules here; its
cases run last (group names of its own). Without ``cases()`` it is a script of its own.
"""

from __future__ import annotations

import fnmatch
import importlib
import logging
from collections.abc import Sequence

from livedual.errors import ParameterError

from . import features_cases, generator_cases, offline_cases, training_cases
from .harness import Case, Ratio

_LOGGER = logging.getLogger(__name__)

LIVE_MODULE = "live_latency"


def _live_cases() -> tuple[list[Case], list[Ratio]]:
    """The live-latency module's cases, or none when it is not there."""
    name = f"{__package__}.{LIVE_MODULE}"
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name != name:  # the module is there but something it imports is not
            raise
        return [], []
    if not hasattr(module, "cases"):
        _LOGGER.debug("%s defines no cases(): run it on its own", name)
        return [], []
    return module.cases()


def all_cases() -> tuple[list[Case], list[Ratio]]:
    """Every case and ratio: features, generators, decoding, offline, training, live."""
    model_cases, model_ratios = generator_cases.cases()
    train_cases, train_ratios = training_cases.cases()
    live_cases, live_ratios = _live_cases()
    found = (
        features_cases.cases()
        + model_cases
        + offline_cases.cases()
        + train_cases
        + live_cases
    )
    return found, model_ratios + train_ratios + live_ratios


def select(cases: Sequence[Case], patterns: Sequence[str]) -> list[Case]:
    """The cases whose name or group matches one of ``patterns`` (shell wildcards; a bare
    word also matches as a prefix: ``m2d`` selects ``m2d.torch`` and ``m2d.ort``).

    Raises
    ------
    ParameterError
        A pattern matches no case.
    """
    if not patterns:
        return list(cases)
    chosen = []
    for pattern in patterns:
        hits = [c for c in cases if _matches(c, pattern)]
        if not hits:
            names = ", ".join(sorted({c.group for c in cases}))
            raise ParameterError(
                f"no benchmark case matches {pattern!r}; groups are: {names}."
            )
        chosen += [c for c in hits if c not in chosen]
    return [c for c in cases if c in chosen]  # keep the run order


def _matches(case: Case, pattern: str) -> bool:
    if pattern in (case.name, case.group) or case.name.startswith(f"{pattern}."):
        return True
    return fnmatch.fnmatchcase(case.name, pattern) or fnmatch.fnmatchcase(
        case.group, pattern
    )
