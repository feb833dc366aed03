"""The ONNX Runtime engine on the tiny fixtures: windows, chaining, and load-time checks."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from livedual.card import card_path_for
from livedual.const import MUSIC_DIM, MUSIC_OUT_DIM, POSE_DIM, WINDOW_FRAMES
from livedual.errors import ModelCardError, ModelError, ParameterError
from livedual.inference import Generator
from livedual.pose import interpolate_poses

FIXTURES = Path(__file__).parent / "fixtures"
M2D = FIXTURES / "tiny_music2dance.onnx"
D2M = FIXTURES / "tiny_dance2music.onnx"


@pytest.fixture()
def music2dance() -> Generator:
    return Generator.load(M2D)


@pytest.fixture()
def dance2music() -> Generator:
    return Generator.load(D2M)


def copy_model(tmp_path: Path, source: Path = M2D) -> Path:
    target = tmp_path / source.name
    shutil.copy(source, target)
    shutil.copy(card_path_for(source), card_path_for(target))
    return target


def test_window_shapes_and_cpu_provider(music2dance, dance2music):
    rng = np.random.default_rng(0)
    pose = music2dance.generate(rng.normal(size=(WINDOW_FRAMES, MUSIC_DIM)), seed=1)
    assert pose.shape == (WINDOW_FRAMES, POSE_DIM) and pose.dtype == np.float32
    music = dance2music.generate(
        rng.normal(size=(3, WINDOW_FRAMES, POSE_DIM)), start=[0, 5, 23]
    )
    assert music.shape == (3, WINDOW_FRAMES, MUSIC_OUT_DIM)
    assert music2dance.provider == "cpu"


def test_same_seed_same_output_and_start_token_is_used(music2dance):
    window = np.random.default_rng(1).normal(size=(WINDOW_FRAMES, MUSIC_DIM))
    first = music2dance.generate(window, seed=3)
    assert np.array_equal(first, music2dance.generate(window, seed=3))
    assert not np.allclose(first, music2dance.generate(window, seed=4))
    start = np.full(POSE_DIM, 2.0, dtype=np.float32)
    moved = music2dance.generate(window, start=start, seed=3)
    assert np.allclose(
        moved - music2dance.generate(window, start=start - 1, seed=3), 1.0, atol=1e-5
    )


def test_chaining_feeds_the_last_frame_as_next_start(music2dance):
    sequence = (
        np.random.default_rng(2)
        .normal(size=(2 * WINDOW_FRAMES + 10, MUSIC_DIM))
        .astype(np.float32)
    )
    out = music2dance.generate_long(sequence, seed=7)
    assert out.shape == (len(sequence), POSE_DIM)
    second = music2dance.generate(
        sequence[WINDOW_FRAMES : 2 * WINDOW_FRAMES],
        start=out[WINDOW_FRAMES - 1],
        seed=8,
    )
    assert np.allclose(out[WINDOW_FRAMES : 2 * WINDOW_FRAMES], second, atol=1e-6)


def test_overlapping_windows_start_from_the_frame_before_and_fade_in(music2dance):
    sequence = (
        np.random.default_rng(3)
        .normal(size=(2 * WINDOW_FRAMES + 10, MUSIC_DIM))
        .astype(np.float32)
    )
    overlap, hop = 10, WINDOW_FRAMES - 10
    out = music2dance.generate_long(sequence, seed=7, overlap=overlap)
    assert out.shape == (len(sequence), POSE_DIM)
    first = music2dance.generate(sequence[:WINDOW_FRAMES], seed=7)
    second = music2dance.generate(
        sequence[hop : hop + WINDOW_FRAMES], start=out[hop - 1], seed=8
    )
    assert np.allclose(out[:hop], first[:hop], atol=1e-6)
    assert np.allclose(
        out[WINDOW_FRAMES : hop + WINDOW_FRAMES - overlap],
        second[overlap:-overlap],
        atol=1e-6,
    )
    weight = np.arange(1, overlap + 1) / (overlap + 1)
    faded = interpolate_poses(first[hop:], second[:overlap], weight)
    assert np.allclose(out[hop:WINDOW_FRAMES], faded, atol=1e-5)


def test_overlap_must_fit_in_a_window(music2dance):
    sequence = np.zeros((2 * WINDOW_FRAMES, MUSIC_DIM), dtype=np.float32)
    for overlap in (-1, WINDOW_FRAMES):
        with pytest.raises(ParameterError, match="overlap must be 0 to 74"):
            music2dance.generate_long(sequence, overlap=overlap)


def test_dance_to_music_chains_on_the_generated_chord(dance2music):
    dance = np.zeros((2 * WINDOW_FRAMES, POSE_DIM), dtype=np.float32)
    out = dance2music.generate_long(dance, start=9, seed=0)  # A major
    # The fixture lights the start chord's triad, so the chain stays on A major: A, C#, E.
    assert set(np.argsort(out[-1, :12])[-3:]) == {9, 1, 4}


def test_wrong_input_shape_is_a_parameter_error(music2dance, dance2music):
    with pytest.raises(ParameterError, match=r"\(75, 53\)"):
        music2dance.generate(np.zeros((75, 52)))
    with pytest.raises(ParameterError, match="0..23"):
        dance2music.generate(np.zeros((75, POSE_DIM)), start=24)


def test_corrupt_onnx_is_refused(tmp_path):
    model = copy_model(tmp_path)
    model.write_bytes(b"this is not a protobuf")
    card = json.loads(card_path_for(model).read_text())
    card["onnx_sha256"] = ""  # leave only the graph check to fail
    card_path_for(model).write_text(json.dumps(card))
    with pytest.raises(ModelError, match="not a valid ONNX model"):
        Generator.load(model)


def test_sha256_mismatch_is_refused(tmp_path):
    model = copy_model(tmp_path)
    model.write_bytes(model.read_bytes() + b"\0")
    with pytest.raises(ModelCardError, match="sha256"):
        Generator.load(model)


def test_card_of_another_task_or_version_is_refused(tmp_path):
    model = copy_model(tmp_path)
    other = json.loads(card_path_for(D2M).read_text())
    other["onnx_sha256"] = json.loads(card_path_for(model).read_text())["onnx_sha256"]
    card_path_for(model).write_text(json.dumps(other))
    with pytest.raises(ModelCardError, match="graph"):
        Generator.load(model)
    newer = json.loads(card_path_for(M2D).read_text())
    newer["format_version"] = 2
    card_path_for(model).write_text(json.dumps(newer))
    with pytest.raises(ModelCardError, match="upgrade livedual"):
        Generator.load(model)


def test_missing_model_or_card(tmp_path):
    with pytest.raises(ModelError, match="no such model file"):
        Generator.load(tmp_path / "absent.onnx")
    model = copy_model(tmp_path)
    card_path_for(model).unlink()
    with pytest.raises(ModelCardError, match="travel together"):
        Generator.load(model)
