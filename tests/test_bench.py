"""The benchmark harness: structure of its results, not speed."""

from __future__ import annotations

import json
import sys
import types

import pytest

from livedual.__main__ import main
from livedual.benchmarks import cases as bench_cases
from livedual.benchmarks.harness import (
    Case,
    Prepared,
    Ratio,
    Target,
    format_table,
    run_cases,
)
from livedual.benchmarks.machine import describe_machine, peak_gflops
from livedual.errors import ParameterError

REPEAT = 4


def _spin(n: int) -> None:
    sum(i * i for i in range(n))


def _trivial(n: int, **extra: float) -> Case:
    return Case(
        f"trivial.{n}",
        lambda ctx: Prepared(lambda: _spin(n), **extra),
        "trivial",
        target=Target("median_ms", "<=", 1e6),
    )


def _broken(ctx: object) -> Prepared:
    raise RuntimeError("broken on purpose")


def test_trivial_cases_give_medians_spreads_ratios_and_json(tmp_path):
    small, large = _trivial(2_000, flop=1e6, audio_s=1.0), _trivial(20_000)
    ratio = Ratio(
        "large / small", large.name, small.name, target=Target("ratio", ">=", 0.0)
    )
    report = run_cases(
        [small, large], [ratio], repeat=REPEAT, settle_s=0.0, workdir=tmp_path
    )

    for result in report.results:
        s = result.stats
        assert (
            result.status == "ok"
            and s is not None
            and s.n == REPEAT == len(result.cpu_s)
        )
        assert s.min <= s.p10 <= s.p25 <= s.median <= s.p75 <= s.p90 <= s.max
        assert result.met is True
    rate = report.result(small.name).derived
    assert rate["gflops"] == pytest.approx(
        1e6 / report.result(small.name).stats.median / 1e9
    )
    assert rate["realtime"] == pytest.approx(
        1.0 / report.result(small.name).stats.median
    )
    assert "gflops" not in report.result(large.name).derived

    (q,) = report.ratios
    assert q.value == pytest.approx(
        report.result(large.name).stats.median / report.result(small.name).stats.median
    )
    assert q.paired is not None and q.paired.n == REPEAT and q.met is True
    assert report.load["start"] is not None and "end" in report.load

    decoded = json.loads(json.dumps(report.to_dict()))  # plain JSON types only
    assert decoded["results"][0]["wall_s"] == report.results[0].wall_s
    assert decoded["machine"]["cpu"] == report.machine["cpu"]
    table = format_table(report)
    assert small.name in table and "large / small" in table and "load average" in table


def test_a_broken_or_unavailable_case_does_not_stop_the_others(tmp_path):
    missing = Case(
        "needs.nothing_real",
        lambda ctx: Prepared(lambda: None),
        "g",
        requires=("no_such_module_x",),
    )
    cases = [Case("broken", _broken, "g"), missing, _trivial(100)]
    report = run_cases(
        cases,
        [Ratio("r", "broken", "trivial.100")],
        repeat=2,
        settle_s=0.0,
        workdir=tmp_path,
    )
    assert [r.status for r in report.results] == ["failed", "skipped", "ok"]
    assert "broken on purpose" in report.results[0].reason
    assert "no_such_module_x" in report.results[1].reason
    assert report.ratios[0].value is None and report.ratios[0].met is None


def test_invalid_settings_are_refused(tmp_path):
    with pytest.raises(ParameterError):
        run_cases([_trivial(10)], repeat=0, workdir=tmp_path)
    with pytest.raises(ParameterError):
        Target("median_ms", "<", 1.0)


def test_selecting_cases_by_group_name_or_wildcard():
    cases, _ = bench_cases.all_cases()
    names = {c.name for c in cases}
    assert {
        "features.window",
        "m2d.torch",
        "m2d.ort",
        "offline.dance",
        "train.step",
    } <= names
    assert [c.name for c in bench_cases.select(cases, ["features"])] == [
        "features.window",
        "features.stream_hop",
    ]
    assert {c.name for c in bench_cases.select(cases, ["m2d.ort[*"])} == {
        n for n in names if n.startswith("m2d.ort[")
    }
    assert [c.name for c in bench_cases.select(cases, ["m2d.ort[opt=all]"])] == [
        "m2d.ort[opt=all]"
    ]
    with pytest.raises(ParameterError):
        bench_cases.select(cases, ["no_such_case"])


def test_live_latency_cases_join_when_their_module_exists(monkeypatch):
    live = Case("live.latency", lambda ctx: Prepared(lambda: None), "live")
    module = types.ModuleType("livedual.benchmarks.live_latency")
    module.cases = lambda: ([live], [])  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, module.__name__, module)
    cases, _ = bench_cases.all_cases()
    assert cases[-1] is live


def test_peak_estimate_follows_the_stated_assumption():
    peak, text = peak_gflops(
        flags={"avx2", "fma", "avx512f"}, vendor="AuthenticAMD", cores=2, ghz=2.5
    )
    assert peak == pytest.approx(2 * 8 * 2 * 2 * 2.5) and "AVX2" in text
    intel, _ = peak_gflops(
        flags={"avx2", "fma", "avx512f"}, vendor="GenuineIntel", cores=2, ghz=2.5
    )
    assert intel == pytest.approx(2 * peak)
    machine = describe_machine()
    assert machine["logical_cpus"] >= 1 and "onnxruntime" in machine["versions"]


def test_analytic_flops_match_torch_counting_the_matrix_products():
    torch = pytest.importorskip("torch")
    from torch.utils.flop_counter import FlopCounterMode

    from livedual.benchmarks.generator_cases import flops_of
    from livedual.train.model import build_generator, preset

    for task in ("music2dance", "dance2music"):
        model = build_generator(preset("tiny", task)).eval()
        args = model.args
        start = (
            torch.zeros(1, 147)
            if task == "music2dance"
            else torch.zeros(1, dtype=torch.long)
        )
        with torch.no_grad(), FlopCounterMode(display=False) as counter:
            model(
                torch.zeros(1, args.window, args.in_dim),
                start,
                torch.zeros(1, args.seed_dim),
            )
        # torch counts no FLOPs for the CPU attention kernel: compare without the attention products
        assert flops_of(args, attention=False) == counter.get_total_flops()
        assert flops_of(args) > flops_of(args, attention=False)


def test_livedual_bench_quick_runs_a_real_case(tmp_path, capsys):
    out = tmp_path / "bench.json"
    with pytest.raises(SystemExit) as done:
        main(
            [
                "bench",
                "--quick",
                "--cases",
                "features.window",
                "--repeat",
                "2",
                "--settle",
                "0",
                "--json",
                str(out),
                "--workdir",
                str(tmp_path / "work"),
            ]
        )
    assert done.value.code == 0
    report = json.loads(out.read_text())
    (result,) = report["results"]
    assert result["name"] == "features.window" and result["status"] == "ok"
    assert len(result["wall_s"]) == 2 and result["stats"]["median"] > 0
    assert result["derived"]["realtime"] > 0 and isinstance(result["met"], bool)
    assert (
        report["settings"]["quick"] is True and report["machine"]["physical_cores"] >= 1
    )
    assert "features.window" in capsys.readouterr().out
