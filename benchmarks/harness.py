"""Measure cases side by side: warm-up, repetitions, medians, spreads, ratios, the machine.

A :class:`Case` names a piece of work and how to prepare it (untimed); the cases of one
group are measured *interleaved*, round by round (each round times every case of the
group once, the order rotated), so a burst of load from other processes hits all of them
alike and their ratios stay meaningful on a busy machine. Every case reports its median
and spread (p10, p90, quartiles) of wall-clock time, the CPU time it used per call, and,
when it says how much work a call does, GFLOP/s and the share of the CPU's estimated
peak, or how many times faster than real time it runs. A :class:`Ratio` compares two
cases; when both ran in the same rounds it is also computed round by round (paired).

The load average is read before the run, after every group and at the end: numbers taken
under load are noisy, and the report says so rather than hiding it.
"""

from __future__ import annotations

import contextlib
import datetime
import importlib.util
import logging
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from livedual.errors import ParameterError

from .machine import describe_machine, load_average

_LOGGER = logging.getLogger(__name__)

DEFAULT_REPEAT = 10  # timed calls per case
DEFAULT_WARMUP = 2  # untimed calls per case first (JIT, caches, thread pools)
# Pause before each timed call, so the thread pools of the call before (torch's OpenMP
# threads, ONNX Runtime's) have stopped spin-waiting and do not compete with this one.
DEFAULT_SETTLE_S = 0.05
PERCENTILES = (10, 25, 50, 75, 90)


# --- what to measure -------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """A goal for one measured value: ``value_of(metric) op value``."""

    metric: str  # "median_ms", "realtime" (x real time), "gflops", "ratio" or a metric
    op: str  # "<=" or ">="
    value: float

    def __post_init__(self) -> None:
        if self.op not in ("<=", ">="):
            raise ParameterError(f"a target's op is '<=' or '>=', not {self.op!r}.")

    def met(self, measured: float | None) -> bool | None:
        """Whether ``measured`` meets the target (None when nothing was measured)."""
        if measured is None or not np.isfinite(measured):
            return None
        return bool(
            measured <= self.value if self.op == "<=" else measured >= self.value
        )

    def __str__(self) -> str:
        units = {
            "median_ms": " ms",
            "realtime": "x RT",
            "gflops": " GFLOP/s",
            "ratio": "x",
        }
        if self.metric.endswith("_ms") and self.metric not in units:
            units[self.metric] = f" ms ({self.metric})"
        return f"{self.op} {self.value:g}{units.get(self.metric, '')}"


@dataclass
class Prepared:
    """A prepared case: the call to time and what one call amounts to."""

    run: Callable[[], object]
    flop: float | None = None  # floating-point operations per call -> GFLOP/s
    audio_s: float | None = None  # seconds of music one call handles -> x real time
    info: dict[str, Any] = field(
        default_factory=dict
    )  # shown in the JSON (sizes, options)
    summarise: Callable[[], dict[str, Any]] | None = (
        None  # more info after the timed calls
    )
    # Values the calls measured themselves (a latency, a CPU share), after the timed
    # calls: they join the derived rates, where a Target can name them.
    metrics: Callable[[], dict[str, float]] | None = None
    teardown: Callable[[], None] | None = None


@dataclass(frozen=True)
class Case:
    """One piece of work to time. ``setup`` runs untimed and returns a :class:`Prepared`."""

    name: str
    setup: Callable[[Context], Prepared]
    group: str
    description: str = ""
    target: Target | None = None
    repeat: int | None = None  # None: the run's repeat; expensive cases ask for fewer
    warmup: int = DEFAULT_WARMUP
    requires: tuple[
        str, ...
    ] = ()  # importable modules; the case is skipped without them


@dataclass(frozen=True)
class Ratio:
    """``numerator`` time over ``denominator`` time, two cases by name."""

    name: str
    numerator: str
    denominator: str
    description: str = ""
    target: Target | None = None


class Context:
    """What setups share in one run: the quick flag, a scratch folder and a cache."""

    def __init__(self, *, quick: bool, workdir: Path) -> None:
        self.quick = quick
        self.workdir = workdir
        self._cache: dict[str, Any] = {}

    def cached(self, key: str, factory: Callable[[], Any]) -> Any:
        """``factory()`` once per run (an exported model, a long song), then the same object."""
        if key not in self._cache:
            self._cache[key] = factory()
        return self._cache[key]


# --- results ---------------------------------------------------------------------------


@dataclass
class Stats:
    """Summary of repeated measurements, in the samples' unit (seconds for times)."""

    n: int
    median: float
    p10: float
    p25: float
    p75: float
    p90: float
    min: float
    max: float
    mean: float

    @classmethod
    def of(cls, samples: Sequence[float]) -> Stats:
        values = np.asarray(samples, dtype=np.float64)
        p10, p25, p50, p75, p90 = (float(v) for v in np.percentile(values, PERCENTILES))
        return cls(
            len(values),
            p50,
            p10,
            p25,
            p75,
            p90,
            float(values.min()),
            float(values.max()),
            float(values.mean()),
        )

    @property
    def iqr(self) -> float:
        return self.p75 - self.p25


@dataclass
class CaseResult:
    """What one case measured (``status`` is "ok", "skipped" or "failed")."""

    name: str
    group: str
    description: str
    status: str
    reason: str = ""
    wall_s: list[float] = field(default_factory=list)
    cpu_s: list[float] = field(default_factory=list)
    stats: Stats | None = None  # of wall-clock seconds
    cpu_stats: Stats | None = None  # of process CPU seconds (all threads)
    derived: dict[str, float] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)
    target: str = ""
    met: bool | None = None


@dataclass
class RatioResult:
    """A ratio of two cases' median times, and its paired spread when it has one."""

    name: str
    numerator: str
    denominator: str
    description: str
    value: float | None
    paired: Stats | None = None
    target: str = ""
    met: bool | None = None


@dataclass
class Report:
    """Everything one run measured, and where."""

    machine: dict[str, Any]
    settings: dict[str, Any]
    load: dict[str, list[float]]
    results: list[CaseResult]
    ratios: list[RatioResult]
    started: str
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def result(self, name: str) -> CaseResult:
        """The result of the case ``name``."""
        for result in self.results:
            if result.name == name:
                return result
        raise KeyError(name)


# --- running ---------------------------------------------------------------------------


def _missing(case: Case) -> list[str]:
    return [name for name in case.requires if importlib.util.find_spec(name) is None]


def _time_once(run: Callable[[], object]) -> tuple[float, float]:
    """Wall-clock and process CPU seconds of one call."""
    cpu, wall = time.process_time(), time.perf_counter()
    run()
    return time.perf_counter() - wall, time.process_time() - cpu


def _prepare(case: Case, ctx: Context) -> tuple[Prepared | None, CaseResult]:
    result = CaseResult(
        case.name, case.group, case.description, "ok", target=str(case.target or "")
    )
    missing = _missing(case)
    if missing:
        result.status, result.reason = "skipped", f"needs {', '.join(missing)}"
        return None, result
    try:
        prepared = case.setup(ctx)
        for _ in range(case.warmup):
            prepared.run()
    except Exception as exc:  # noqa: BLE001 - one broken case must not lose the others
        _LOGGER.exception("case %s failed in its set-up", case.name)
        result.status, result.reason = "failed", f"{type(exc).__name__}: {exc}"
        return None, result
    result.info.update(prepared.info)
    return prepared, result


def _count(case: Case, repeat: int | None) -> int:
    """Timed calls of ``case``: ``repeat`` when given, else the case's own or the default."""
    return repeat or case.repeat or DEFAULT_REPEAT


def _measure_group(
    cases: Sequence[Case], ctx: Context, *, repeat: int | None, settle_s: float
) -> list[CaseResult]:
    """Prepare every case of a group, then time them round by round, rotating the order."""
    prepared: list[tuple[Case, Prepared, CaseResult]] = []
    results = []
    for case in cases:
        _LOGGER.info("  preparing %s", case.name)
        ready, result = _prepare(case, ctx)
        results.append(result)
        if ready is not None:
            prepared.append((case, ready, result))
    rounds = max((_count(case, repeat) for case, _, _ in prepared), default=0)
    for r in range(rounds):
        shift = r % max(len(prepared), 1)
        for case, ready, result in prepared[shift:] + prepared[:shift]:
            if r >= _count(case, repeat) or result.status != "ok":
                continue
            time.sleep(settle_s)
            try:
                wall, cpu = _time_once(ready.run)
            except Exception as exc:  # noqa: BLE001 - one broken case must not lose the others
                _LOGGER.exception("case %s failed", case.name)
                result.status, result.reason = "failed", f"{type(exc).__name__}: {exc}"
                continue
            result.wall_s.append(wall)
            result.cpu_s.append(cpu)
    for case, ready, result in prepared:
        _finish(case, ready, result, ctx)
    return results


def _finish(case: Case, ready: Prepared, result: CaseResult, ctx: Context) -> None:
    """Statistics, derived rates and the target of one measured case; then its teardown."""
    if ready.summarise is not None and result.wall_s:
        result.info.update(ready.summarise())
    if ready.teardown is not None:
        ready.teardown()
    if result.status != "ok" or not result.wall_s:
        return
    stats = result.stats = Stats.of(result.wall_s)
    result.cpu_stats = Stats.of(result.cpu_s)
    result.derived["cpu_per_wall"] = float(
        np.median(np.asarray(result.cpu_s) / np.asarray(result.wall_s))
    )
    if ready.flop:
        result.derived["gflops"] = ready.flop / stats.median / 1e9
        peak = ctx.cached("machine", describe_machine)["peak_gflops"]
        if peak:
            result.derived["peak_share"] = result.derived["gflops"] / peak
    if ready.audio_s:
        result.derived["realtime"] = ready.audio_s / stats.median
    if ready.metrics is not None:
        result.derived.update(ready.metrics())
    if case.target is not None:
        value = {"median_ms": stats.median * 1e3}.get(
            case.target.metric, result.derived.get(case.target.metric)
        )
        result.met = case.target.met(value)


def _ratio(
    ratio: Ratio, results: dict[str, CaseResult], rounds_paired: bool
) -> RatioResult:
    out = RatioResult(
        ratio.name,
        ratio.numerator,
        ratio.denominator,
        ratio.description,
        None,
        target=str(ratio.target or ""),
    )
    num, den = results.get(ratio.numerator), results.get(ratio.denominator)
    if num is None or den is None or num.stats is None or den.stats is None:
        return out
    out.value = num.stats.median / den.stats.median
    if rounds_paired:  # sample k of each case was timed in round k
        k = min(len(num.wall_s), len(den.wall_s))
        out.paired = Stats.of(np.asarray(num.wall_s[:k]) / np.asarray(den.wall_s[:k]))
    if ratio.target is not None:
        out.met = ratio.target.met(out.value)
    return out


@contextlib.contextmanager
def _workdir(path: Path | None) -> Iterator[Path]:
    if path is not None:
        path.mkdir(parents=True, exist_ok=True)
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="livedual-bench-") as tmp:
        yield Path(tmp)


def run_cases(
    cases: Sequence[Case],
    ratios: Sequence[Ratio] = (),
    *,
    repeat: int | None = None,
    quick: bool = False,
    settle_s: float = DEFAULT_SETTLE_S,
    workdir: Path | None = None,
) -> Report:
    """Measure ``cases`` group by group (interleaved within a group) and compute ``ratios``.

    Parameters
    ----------
    cases : sequence of Case
        Run in the order of their groups' first appearance.
    ratios : sequence of Ratio
        Those whose two cases are among ``cases`` are computed (``value`` None when one of
        them was skipped or failed); the others are left out.
    repeat : int > 0 or None
        Timed calls of every case; None: each case's own count (``Case.repeat``, else DEFAULT_REPEAT).
    quick : bool
        Passed to the setups (smaller models and songs: checks the harness, not speed).
    settle_s : float >= 0
        Seconds of pause before each timed call (not timed).
    workdir : Path or None
        Scratch folder (exported models, songs, outputs); a temporary one by default.

    Returns
    -------
    report : Report
    """
    if repeat is not None and repeat < 1:
        raise ParameterError(f"repeat must be at least 1, not {repeat}.")
    if settle_s < 0:
        raise ParameterError(f"settle_s must not be negative, not {settle_s}.")
    started, clock = (
        datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        time.perf_counter(),
    )
    groups: dict[str, list[Case]] = {}
    for case in cases:
        groups.setdefault(case.group, []).append(case)
    load = {"start": load_average()}
    results: list[CaseResult] = []
    with _workdir(workdir) as scratch:
        ctx = Context(quick=quick, workdir=scratch)
        machine = ctx.cached("machine", describe_machine)
        for group, members in groups.items():
            _LOGGER.info("group %s (load %s)", group, load_average())
            results += _measure_group(members, ctx, repeat=repeat, settle_s=settle_s)
            load[f"after {group}"] = load_average()
    load["end"] = load_average()
    by_name = {result.name: result for result in results}
    ratio_results = [  # the ratios of cases that ran (or were skipped) in this run
        _ratio(r, by_name, by_name[r.numerator].group == by_name[r.denominator].group)
        for r in ratios
        if r.numerator in by_name and r.denominator in by_name
    ]
    settings = {
        "repeat": repeat or "per case",
        "quick": quick,
        "settle_s": settle_s,
        "torch_threads": _torch_threads(),
    }
    return Report(
        machine,
        settings,
        load,
        results,
        ratio_results,
        started,
        time.perf_counter() - clock,
    )


def _torch_threads() -> int | None:
    torch = sys.modules.get("torch")
    return torch.get_num_threads() if torch is not None else None


# --- output ----------------------------------------------------------------------------


def _ms(seconds: float) -> str:
    value = seconds * 1e3
    return f"{value:.3g}" if value < 100 else f"{value:.0f}"


_RATES = (
    "gflops",
    "peak_share",
    "realtime",
    "cpu_per_wall",
)  # shown in their own words


def _derived_text(result: CaseResult) -> str:
    d = result.derived
    parts = []
    if "gflops" in d:
        parts.append(
            f"{d['gflops']:.1f} GFLOP/s"
            + (f" ({d['peak_share']:.0%} peak)" if "peak_share" in d else "")
        )
    if "realtime" in d:
        parts.append(f"{d['realtime']:.1f}x RT")
    parts += [
        f"{name} {value:.4g}"
        for name, value in d.items()
        if name not in _RATES and np.isfinite(value)
    ]
    return ", ".join(parts)


def _met_text(met: bool | None, target: str) -> str:
    if not target:
        return ""
    return f"{target}: " + {True: "met", False: "NOT met", None: "n/a"}[met]


def format_table(report: Report) -> str:
    """The report as plain-text tables: cases (ms), then ratios, then machine and load."""
    head = (
        f"{'case':<28} {'median':>7} {'p10':>7} {'p90':>7} {'IQR':>7} {'cpu':>7} {'n':>3}  "
        f"{'rate (from the median)':<30} target"
    )
    lines = [
        "wall-clock ms per call; cpu: median CPU ms per call, all threads (on a loaded machine a",
        "single-threaded case's cpu is the better guess of its unloaded time)",
        head,
        "-" * len(head),
    ]
    for r in report.results:
        if r.stats is None or r.cpu_stats is None:
            lines.append(f"{r.name:<28} {r.status}: {r.reason}")
            continue
        s = r.stats
        lines.append(
            f"{r.name:<28} {_ms(s.median):>7} {_ms(s.p10):>7} {_ms(s.p90):>7} {_ms(s.iqr):>7} "
            f"{_ms(r.cpu_stats.median):>7} {s.n:>3}  {_derived_text(r):<30} {_met_text(r.met, r.target)}"
        )
    if report.ratios:
        lines += [
            "",
            f"{'ratio':<44} {'value':>7} {'paired p10-p90':>16}  target",
            "-" * 80,
        ]
        for q in report.ratios:
            value = "n/a" if q.value is None else f"{q.value:.3g}"
            spread = f"{q.paired.p10:.3g}-{q.paired.p90:.3g}" if q.paired else ""
            lines.append(
                f"{q.name:<44} {value:>7} {spread:>16}  {_met_text(q.met, q.target)}"
            )
    m = report.machine
    lines += [
        "",
        f"machine: {m['cpu']}, {m['physical_cores']} cores ({m['logical_cpus']} logical), {m['mhz']:.0f} MHz, "
        f"flags {' '.join(m['flags'])}; GPU: {m['gpu'] or 'none'}",
        f"peak estimate: {m['peak_assumption']}",
        "versions: " + ", ".join(f"{k} {v}" for k, v in m["versions"].items() if v),
        "load average (1/5/15 min): "
        + "; ".join(f"{k} {v}" for k, v in report.load.items()),
        f"settings: {report.settings}; {report.seconds:.0f} s in all",
    ]
    return "\n".join(lines)
