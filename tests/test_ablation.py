"""``livedual ablate``: four variants trained with their flags, one table, and resuming."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("onnxscript")

from livedual.__main__ import main  # noqa: E402
from livedual.card import ModelCard, card_path_for  # noqa: E402
from livedual.errors import ParameterError  # noqa: E402
from livedual.train import ablation  # noqa: E402
from livedual.train.ablation import (  # noqa: E402
    LSTM_BASELINE,
    VARIANTS,
    ablation_rows,
    prepare_variant,
    variant_prefix,
    variants,
)
from livedual.train.checkpoint import LAST, TASKS, load_checkpoint  # noqa: E402
from livedual.train.config import preset_config  # noqa: E402

STEPS = 2
TRAIN_OPTIONS = [
    "--max-steps",
    str(STEPS),
    "--batch-size",
    "3",
    "--val-fraction",
    "0.34",
    "--no-progress",
    "--no-tensorboard",
]


pytestmark = pytest.mark.usefixtures("torch_one_thread")


def _main(argv: list[str]) -> int:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    return exit_info.value.code


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    """Three short synthetic songs, prepared like real data (12 windows)."""
    out = tmp_path_factory.mktemp("data")
    argv = ["prepare", "synthetic", "--songs", "3", "--seed", "1", "--duration", "6"]
    assert _main(argv + ["--jobs", "1", "--out", str(out)]) == 0
    return out


def _ablate(data: Path, out: Path) -> int:
    return _main(
        ["ablate", "--data", str(data), "--eval-data", "split", "--out", str(out)]
        + ["--generations", "2", "--threads", "1", *TRAIN_OPTIONS]
    )


@pytest.fixture(scope="module")
def ablated(data: Path, tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("ablation")
    assert _ablate(data, out) == 0
    return out, json.loads((out / "results.json").read_text(encoding="utf-8"))


def test_every_variant_trains_with_its_flags_and_nothing_else_differs(ablated):
    out, _ = ablated
    assert sorted(p.name for p in (out / "runs").iterdir()) == sorted(
        v.key for v in VARIANTS
    )
    configs = []
    for variant in VARIANTS:
        checkpoint = load_checkpoint(out / "runs" / variant.key / LAST)
        config = checkpoint["config"]
        assert checkpoint["step"] == STEPS
        assert (config["gw"], config["cycle"], config["arch"]) == (
            variant.gw,
            variant.cycle,
            "transformer",
        )
        for task in TASKS:  # the exported cards say what they were trained with
            onnx = Path(f"{variant_prefix(out, variant)}_{task}.onnx")
            trained = ModelCard.load(card_path_for(onnx)).training["config"]
            assert (trained["gw"], trained["cycle"]) == (variant.gw, variant.cycle)
        configs.append(
            {k: v for k, v in config.items() if k not in ("gw", "cycle", "out")}
        )
    assert all(config == configs[0] for config in configs)  # same seed, data, budget


def test_the_table_has_four_rows_with_notes_accuracy(ablated):
    out, results = ablated
    rows = results["ablation"]["rows"]
    assert [row["name"] for row in rows] == [v.name for v in VARIANTS]
    assert {(row["gw"], row["cycle"]) for row in rows} == {
        (True, True),
        (True, False),
        (False, True),
        (False, False),
    }
    for row in rows:
        assert 0.0 <= row["notes_accuracy"] <= 1.0
        assert row["fd"] > 0.0
    model_rows = [row["name"] for row in results["dance"] if row["kind"] == "model"]
    assert model_rows == [v.name for v in VARIANTS]
    # Evaluated on the sequence the runs held out, not on what they trained on.
    held_out = load_checkpoint(out / "runs" / "gw" / LAST)["data"]["val_sequences"]
    assert results["config"]["sequences"] == held_out
    markdown = (out / "results.md").read_text(encoding="utf-8")
    table = markdown.split("## Ablation")[1]
    assert table.count("| ✓ | ✓ |") == table.count("| ✗ | ✗ |") == 1
    assert f"{STEPS} steps of batch 3" in table


def test_a_second_run_trains_and_exports_nothing(ablated, data, caplog):
    out, _ = ablated
    files = sorted((out / "models").glob("*.onnx")) + sorted(
        (out / "runs").glob(f"*/{LAST}")
    )
    before = {path: path.stat().st_mtime_ns for path in files}
    results = (out / "results.json").read_bytes()
    assert _ablate(data, out) == 0
    assert {path: path.stat().st_mtime_ns for path in files} == before
    assert caplog.text.count("exported already; kept") == len(VARIANTS)
    assert (out / "results.json").read_bytes() == results  # same seeds, same numbers


def test_lstm_is_a_table_2_row_only():
    chosen = variants(with_lstm=True)
    assert chosen[:4] == VARIANTS and chosen[-1] == LSTM_BASELINE
    assert LSTM_BASELINE.arch == "lstm" and LSTM_BASELINE.gw and LSTM_BASELINE.cycle
    results = {
        "dance": [{"name": v.name, "fd": 1.0} for v in chosen],
        "music": [{"name": v.name, "notes_accuracy": 0.5} for v in chosen],
    }
    assert [row["key"] for row in ablation_rows(results, chosen)] == [
        v.key for v in VARIANTS
    ]


def _fake_export(checkpoint: Path, prefix: Path) -> None:
    """Stands in for the ONNX export: the files only, with the step exported."""
    step = load_checkpoint(checkpoint)["step"]
    for task in TASKS:
        onnx = Path(f"{prefix}_{task}.onnx")
        onnx.parent.mkdir(parents=True, exist_ok=True)
        onnx.write_text(str(step))
        card_path_for(onnx).write_text("{}")


def test_an_unfinished_run_resumes_and_a_different_one_is_refused(
    data, tmp_path, monkeypatch
):
    monkeypatch.setattr(ablation, "export_checkpoint", _fake_export)
    base = preset_config(
        "tiny",
        data=str(data),
        batch_size=3,
        val_fraction=0.34,
        max_steps=1,
        progress=False,
        tensorboard=False,
    )
    variant = VARIANTS[1]
    onnx = Path(f"{variant_prefix(tmp_path, variant)}_{TASKS[0]}.onnx")
    assert prepare_variant(variant, base=base, out=tmp_path) == "trained"
    longer = dataclasses.replace(base, max_steps=2)
    assert prepare_variant(variant, base=longer, out=tmp_path) == "trained"
    assert onnx.read_text() == "2"  # resumed to the new budget and exported again
    assert prepare_variant(variant, base=longer, out=tmp_path) == "kept"
    onnx.unlink()
    assert prepare_variant(variant, base=longer, out=tmp_path) == "exported"
    with pytest.raises(ParameterError, match="seed"):
        prepare_variant(variant, base=dataclasses.replace(longer, seed=1), out=tmp_path)


def test_refusals(data, tmp_path, caplog):
    assert _main(["ablate", "--out", str(tmp_path), "--no-gw"]) == 2
    assert "the ablation sets these" in caplog.text
    assert _main(["ablate", "--out", str(tmp_path), "--eval-data", "split"]) == 2
    assert "needs --data to be a prepared folder" in caplog.text
    assert not any(tmp_path.iterdir())
