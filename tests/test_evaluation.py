"""``livedual eval``: rows, columns, baselines, reproducibility and errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from livedual.__main__ import main
from livedual.const import MUSIC_DIM, POSE_DIM, WINDOW_FRAMES
from livedual.data.prepare import MANIFEST
from livedual.data.windows import WindowSet
from livedual.errors import DataError, ModelError
from livedual.evaluation import RetrievalBaseline, load_model_pair, prepared_corpus
from livedual.evaluation.tables import DANCE_COLUMNS, MUSIC_COLUMNS

TINY = str(Path(__file__).parent / "fixtures" / "tiny")
NAMES = ("full", "no-gw")
BASELINES = ("ground truth", "static mean pose", "retrieval")


def _eval(out: Path) -> None:
    argv = [
        "eval",
        "--data",
        "synthetic",
        "--songs",
        "2",
        "--duration",
        "6",
        "--train-songs",
        "2",
        "--generations",
        "2",
        "--seed",
        "3",
        "--no-progress",
        "--out",
        str(out),
    ]
    for (
        name
    ) in NAMES:  # the same model twice under two names, as an ablation table would
        argv += ["--models", TINY, "--name", name]
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 0


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("eval")
    _eval(out)
    return out, json.loads((out / "results.json").read_text(encoding="utf-8"))


def _row(results: dict, name: str) -> dict:
    return next(row for row in results["dance"] if row["name"] == name)


def test_writes_every_row_and_column(results):
    out, data = results
    assert [row["name"] for row in data["dance"]] == [*BASELINES, *NAMES]
    assert [row["name"] for row in data["music"]][1:] == list(NAMES)
    for row in data["dance"]:
        assert {key for key, _, _ in DANCE_COLUMNS} <= set(row)
    markdown = (out / "results.md").read_text(encoding="utf-8")
    for _, header, _ in DANCE_COLUMNS + MUSIC_COLUMNS:
        assert header in markdown
    for name in (*BASELINES, *NAMES):
        assert f"| {name} |" in markdown


def test_ground_truth_row_is_the_reference(results):
    truth = _row(results[1], "ground truth")
    assert truth["fd"] == 0.0 and truth["fd_body"] == 0.0
    assert truth["beat_alignment"] >= 0.8  # synthetic dances hit their true beats
    assert truth["diversity"] is None
    assert truth["fid_k"] == pytest.approx(0.0, abs=1e-6)


def test_baselines_and_models_differ_as_they_should(results):
    data = results[1]
    static = _row(data, "static mean pose")
    assert static["diversity"] == 0.0 and static["fd"] > 0
    assert 0 < static["fd_body"] < static["fd"]  # the travel is left out
    assert static["foot_skating"] == 0.0  # a pose held still does not slide
    assert _row(data, "retrieval")["fd"] > 0
    full, ablation = _row(data, NAMES[0]), _row(data, NAMES[1])
    assert full["diversity"] > 0  # different start poses, different dances
    assert {k: v for k, v in full.items() if k != "name"} == {
        k: v for k, v in ablation.items() if k != "name"
    }
    for row in data["music"]:
        assert 0.0 <= row["notes_accuracy"] <= 1.0


def test_the_same_command_gives_the_same_numbers(results, tmp_path):
    out, _ = results
    _eval(tmp_path)
    assert (tmp_path / "results.json").read_bytes() == (
        out / "results.json"
    ).read_bytes()
    assert (tmp_path / "results.md").read_bytes() == (out / "results.md").read_bytes()


def test_a_bad_model_prefix_is_a_clear_error(tmp_path, caplog):
    with pytest.raises(ModelError, match="found neither .*nowhere_music2dance.onnx"):
        load_model_pair(str(tmp_path / "nowhere"))
    with pytest.raises(SystemExit) as exit_info:
        main(["eval", "--models", str(tmp_path / "nowhere"), "--out", str(tmp_path)])
    assert exit_info.value.code == 2
    assert "found neither" in caplog.text
    assert not (tmp_path / "results.json").exists()


def _random_windows(rng: np.random.Generator, name: str, frames: int, stride: int):
    music = rng.standard_normal((frames, MUSIC_DIM)).astype(np.float32)
    pose = rng.standard_normal((frames, POSE_DIM)).astype(np.float32)
    starts = np.arange(0, frames - WINDOW_FRAMES + 1, stride)
    index = starts[:, None] + np.arange(WINDOW_FRAMES)
    count = len(starts)
    windows = WindowSet(
        music[index], pose[index], np.full(count, "g"), np.full(count, name)
    )
    return music, pose, windows


def test_a_prepared_folder_is_put_back_into_whole_sequences(tmp_path):
    rng = np.random.default_rng(0)
    stride = 25
    originals = {}
    for name in ("a", "b"):
        music, pose, windows = _random_windows(
            rng, name, WINDOW_FRAMES + 4 * stride, stride
        )
        windows.save(tmp_path / f"{name}.npz")
        originals[name] = (music, pose)
    (tmp_path / MANIFEST).write_text(json.dumps({"stride": stride}))
    corpus = prepared_corpus(tmp_path)
    assert [seq.name for seq in corpus.sequences] == ["a", "b"]
    for seq in corpus.sequences:
        np.testing.assert_array_equal(seq.music, originals[seq.name][0])
        np.testing.assert_array_equal(seq.pose, originals[seq.name][1])
    assert len(corpus.train) == 2 * 5
    held_out = prepared_corpus(tmp_path, sequences=["b"])
    assert [seq.name for seq in held_out.sequences] == ["b"]
    assert len(held_out.train) == 2 * 5  # the baselines still see every other sequence
    with pytest.raises(DataError, match="no sequence named c"):
        prepared_corpus(tmp_path, sequences=["c"])
    with pytest.raises(DataError, match="prepared folder"):
        prepared_corpus(tmp_path / "empty")


def test_retrieval_finds_the_matching_window_unless_its_sequence_is_excluded():
    rng = np.random.default_rng(1)
    music, pose, own = _random_windows(rng, "own", 2 * WINDOW_FRAMES, WINDOW_FRAMES)
    _, _, other = _random_windows(rng, "other", 2 * WINDOW_FRAMES, WINDOW_FRAMES)
    retrieval = RetrievalBaseline(WindowSet.concatenate([own, other]))
    np.testing.assert_array_equal(retrieval.dance(music), pose)
    excluded = retrieval.dance(music, exclude="own")
    assert excluded.shape == pose.shape
    assert all(
        any(np.array_equal(piece, w) for w in other.pose)
        for piece in excluded.reshape(2, WINDOW_FRAMES, POSE_DIM)
    )
