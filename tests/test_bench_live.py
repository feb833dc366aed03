"""The live-latency benchmark as a ``livedual bench`` case, and measured metrics as rates."""

from __future__ import annotations

import pytest

from livedual.benchmarks import cases as bench_cases
from livedual.benchmarks import live_latency
from livedual.benchmarks.harness import (
    Case,
    Prepared,
    Target,
    format_table,
    run_cases,
)


def test_metrics_a_call_measures_join_the_rates_and_meet_targets(tmp_path):
    measured = {"late_p99_ms": 2.5, "delay_ms": 480.0}
    cases = [
        Case(
            f"metric.{name}",
            lambda ctx: Prepared(lambda: None, metrics=lambda: dict(measured)),
            "metric",
            target=Target("late_p99_ms", "<=", limit),
        )
        for name, limit in (("met", 4.0), ("missed", 2.0))
    ]
    report = run_cases(cases, repeat=2, settle_s=0.0, workdir=tmp_path)
    met, missed = report.results
    assert met.derived["late_p99_ms"] == 2.5 and met.derived["delay_ms"] == 480.0
    assert met.met is True and missed.met is False
    table = format_table(report)
    assert "late_p99_ms 2.5" in table and "<= 4 ms (late_p99_ms): met" in table


def test_the_live_case_joins_the_bench_with_its_jitter_target():
    cases, _ = bench_cases.all_cases()
    (live,) = bench_cases.select(cases, ["live"])
    assert live is cases[-1] and live.target is not None
    assert (live.target.metric, live.target.value) == (
        "late_p99_ms",
        live_latency.JITTER_TARGET_MS,
    )
    assert live_latency.CASE_ONSET < live_latency.CASE_SECONDS


def test_the_live_case_runs_in_real_time_and_reports_its_latencies(tmp_path):
    pytest.importorskip("onnxruntime")
    (case,), _ = live_latency.cases()
    report = run_cases([case], repeat=1, settle_s=0.0, workdir=tmp_path)
    (result,) = report.results
    assert result.status == "ok", result.reason
    derived = result.derived
    assert 0.0 <= derived["late_p50_ms"] <= derived["late_p99_ms"]
    assert 0.0 < derived["cpu_percent"] < 200.0
    # The hit is answered after it happens, within the configured delay plus a hop.
    latency_ms = result.info["latency_ms"]
    assert 0.0 < derived["delay_ms"] < latency_ms + 1000.0
    # One call plays the input in real time after the output latency.
    assert result.stats is not None
    assert result.stats.median > live_latency.CASE_SECONDS + latency_ms / 1e3
