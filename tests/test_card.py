"""The model card: round trip, forward compatibility, and clear errors."""

from __future__ import annotations

import json

import pytest

from livedual.card import (
    DANCE_TO_MUSIC,
    MUSIC_TO_DANCE,
    ModelCard,
    TensorSpec,
    card_path_for,
    file_sha256,
)
from livedual.const import MUSIC_DIM, MUSIC_OUT_DIM, POSE_DIM, WINDOW_FRAMES
from livedual.errors import LiveDualError, ModelCardError


def make_card(task: str = MUSIC_TO_DANCE) -> ModelCard:
    in_dim, out_dim = (
        (MUSIC_DIM, POSE_DIM) if task == MUSIC_TO_DANCE else (POSE_DIM, MUSIC_OUT_DIM)
    )
    return ModelCard(
        task=task,
        inputs=[
            TensorSpec("window", ["batch", WINDOW_FRAMES, in_dim]),
            TensorSpec("start", ["batch", 8]),
        ],
        outputs=[TensorSpec("generated", ["batch", WINDOW_FRAMES, out_dim])],
        seed_dim=8,
        input_mean=[0.0] * in_dim,
        input_std=[1.0] * in_dim,
        preset="tiny",
    )


@pytest.mark.parametrize("task", [MUSIC_TO_DANCE, DANCE_TO_MUSIC])
def test_round_trip_through_json(tmp_path, task):
    card = make_card(task)
    path = tmp_path / "m.onnx.json"
    card.save(path)
    assert ModelCard.load(path) == card


def test_unknown_keys_are_ignored():
    data = make_card().to_dict()
    data["added_in_a_later_version"] = {"anything": 1}
    assert ModelCard.from_dict(data) == make_card()


def test_newer_format_is_refused_with_upgrade_hint():
    data = make_card().to_dict()
    data["format_version"] = 99
    with pytest.raises(ModelCardError, match="upgrade livedual"):
        ModelCard.from_dict(data)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"task": "dance2poetry"}, "unknown task"),
        ({"fps": 30}, "25 fps"),
        ({"input_mean": [0.0] * 3}, "normalisation values"),
        ({"outputs": [{"name": "y", "shape": ["batch", 75, 12]}]}, "shape"),
    ],
)
def test_inconsistent_cards_are_refused(change, message):
    data = make_card().to_dict()
    data.update(change)
    with pytest.raises(ModelCardError, match=message):
        ModelCard.from_dict(data)


def test_missing_keys_are_named():
    data = make_card().to_dict()
    del data["task"], data["seed_dim"]
    with pytest.raises(ModelCardError, match="task, seed_dim"):
        ModelCard.from_dict(data)


def test_bad_files_name_the_path(tmp_path):
    missing = tmp_path / "absent.onnx.json"
    with pytest.raises(ModelCardError, match="absent.onnx.json"):
        ModelCard.load(missing)
    broken = tmp_path / "broken.onnx.json"
    broken.write_text('{"task": ')
    with pytest.raises(LiveDualError, match="broken.onnx.json.*not valid JSON"):
        ModelCard.load(broken)
    broken.write_text(json.dumps([1, 2]))
    with pytest.raises(ModelCardError, match="JSON object"):
        ModelCard.load(broken)


def test_card_sits_beside_the_model_and_hashes_it(tmp_path):
    model = tmp_path / "voice.onnx"
    model.write_bytes(b"abc")
    assert card_path_for(model).name == "voice.onnx.json"
    assert (
        file_sha256(model)
        == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )
