"""Build the tiny ONNX fixtures of the runtime tests (a few kB, committed).

They have the real input and output names, shapes and types of exported generators but
trivial arithmetic, so runtime tests need neither torch nor a trained model. Regenerate
with ``python tests/make_tiny_models.py`` after changing the tensor contract.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from livedual.card import (
    DANCE_TO_MUSIC,
    MUSIC_TO_DANCE,
    ModelCard,
    TensorSpec,
    card_path_for,
    file_sha256,
)
from livedual.const import MUSIC_DIM, MUSIC_OUT_DIM, N_CHORDS, POSE_DIM, WINDOW_FRAMES
from livedual.inference import OUTPUT, SEED_INPUT, START_INPUT, WINDOW_INPUT

FIXTURES = Path(__file__).parent / "fixtures"
SEED_DIM = 4
OPSET = 17


def _init(name: str, array: np.ndarray) -> onnx.TensorProto:
    return numpy_helper.from_array(array.astype(np.float32), name)


def music_to_dance_graph(rng: np.random.Generator) -> onnx.ModelProto:
    """generated = start + (window @ a) @ b + (seed @ c), broadcast over the 75 frames."""
    nodes = [
        helper.make_node("MatMul", [WINDOW_INPUT, "a"], ["wa"]),  # (B, 75, 1)
        helper.make_node("MatMul", ["wa", "b"], ["wab"]),  # (B, 75, 147)
        helper.make_node("MatMul", [SEED_INPUT, "c"], ["sc"]),  # (B, 147)
        helper.make_node("Add", [START_INPUT, "sc"], ["offset"]),  # (B, 147)
        helper.make_node("Unsqueeze", ["offset", "axis1"], ["offset3"]),  # (B, 1, 147)
        helper.make_node("Add", ["wab", "offset3"], [OUTPUT]),  # (B, 75, 147)
    ]
    inits = [
        _init("a", rng.normal(0, 0.1, (MUSIC_DIM, 1))),
        _init("b", rng.normal(0, 0.1, (1, POSE_DIM))),
        _init("c", rng.normal(0, 0.01, (SEED_DIM, POSE_DIM))),
        numpy_helper.from_array(np.array([1], dtype=np.int64), "axis1"),
    ]
    inputs = [
        helper.make_tensor_value_info(
            WINDOW_INPUT, TensorProto.FLOAT, ["batch", WINDOW_FRAMES, MUSIC_DIM]
        ),
        helper.make_tensor_value_info(
            START_INPUT, TensorProto.FLOAT, ["batch", POSE_DIM]
        ),
        helper.make_tensor_value_info(
            SEED_INPUT, TensorProto.FLOAT, ["batch", SEED_DIM]
        ),
    ]
    output = helper.make_tensor_value_info(
        OUTPUT, TensorProto.FLOAT, ["batch", WINDOW_FRAMES, POSE_DIM]
    )
    graph = helper.make_graph(nodes, "tiny_music2dance", inputs, [output], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])


def dance_to_music_graph(rng: np.random.Generator) -> onnx.ModelProto:
    """generated = sigmoid((window @ a) @ b + chord_embedding[start] + seed @ c + beat clock)."""
    nodes = [
        helper.make_node("MatMul", [WINDOW_INPUT, "a"], ["wa"]),  # (B, 75, 1)
        helper.make_node("MatMul", ["wa", "b"], ["wab"]),  # (B, 75, 13)
        helper.make_node("Gather", ["chords", START_INPUT], ["emb"], axis=0),  # (B, 13)
        helper.make_node("MatMul", [SEED_INPUT, "c"], ["sc"]),  # (B, 13)
        helper.make_node("Add", ["emb", "sc"], ["offset"]),
        helper.make_node("Unsqueeze", ["offset", "axis1"], ["offset3"]),  # (B, 1, 13)
        helper.make_node("Add", ["wab", "offset3"], ["partial"]),
        helper.make_node("Add", ["partial", "beat_clock"], ["logits"]),  # (B, 75, 13)
        helper.make_node("Sigmoid", ["logits"], [OUTPUT]),  # (B, 75, 13)
    ]
    chords = np.full((N_CHORDS, MUSIC_OUT_DIM), -2.0)
    chords[:, -1] = 0.0
    # A fixed beat every 12.5 frames (120 BPM) so that decoded notes have onsets.
    beat_clock = np.zeros((WINDOW_FRAMES, MUSIC_OUT_DIM))
    beat_clock[:, -1] = 8.0 * np.cos(2 * np.pi * np.arange(WINDOW_FRAMES) / 12.5) - 4.0
    for k in range(N_CHORDS):  # each chord token lights its triad
        root, minor = k % 12, k // 12
        chords[k, [root, (root + 3 + (1 - minor)) % 12, (root + 7) % 12]] = 2.0
    inits = [
        _init("a", rng.normal(0, 0.1, (POSE_DIM, 1))),
        _init("b", rng.normal(0, 0.1, (1, MUSIC_OUT_DIM))),
        _init("beat_clock", beat_clock),
        _init("c", rng.normal(0, 0.01, (SEED_DIM, MUSIC_OUT_DIM))),
        _init("chords", chords),
        numpy_helper.from_array(np.array([1], dtype=np.int64), "axis1"),
    ]
    inputs = [
        helper.make_tensor_value_info(
            WINDOW_INPUT, TensorProto.FLOAT, ["batch", WINDOW_FRAMES, POSE_DIM]
        ),
        helper.make_tensor_value_info(START_INPUT, TensorProto.INT64, ["batch"]),
        helper.make_tensor_value_info(
            SEED_INPUT, TensorProto.FLOAT, ["batch", SEED_DIM]
        ),
    ]
    output = helper.make_tensor_value_info(
        OUTPUT, TensorProto.FLOAT, ["batch", WINDOW_FRAMES, MUSIC_OUT_DIM]
    )
    graph = helper.make_graph(nodes, "tiny_dance2music", inputs, [output], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])


def card_for(task: str, model_path: Path) -> ModelCard:
    in_dim, out_dim = (
        (MUSIC_DIM, POSE_DIM) if task == MUSIC_TO_DANCE else (POSE_DIM, MUSIC_OUT_DIM)
    )
    start = (
        TensorSpec(START_INPUT, ["batch", POSE_DIM])
        if task == MUSIC_TO_DANCE
        else TensorSpec(START_INPUT, ["batch"], "int64")
    )
    return ModelCard(
        task=task,
        inputs=[
            TensorSpec(WINDOW_INPUT, ["batch", WINDOW_FRAMES, in_dim]),
            start,
            TensorSpec(SEED_INPUT, ["batch", SEED_DIM]),
        ],
        outputs=[TensorSpec(OUTPUT, ["batch", WINDOW_FRAMES, out_dim])],
        seed_dim=SEED_DIM,
        input_mean=[0.0] * in_dim,
        input_std=[1.0] * in_dim,
        input_layout="music53" if task == MUSIC_TO_DANCE else "pose147",
        output_layout="pose147" if task == MUSIC_TO_DANCE else "chroma12+beat1",
        preset="fixture",
        training={"data": "none (test fixture with trivial arithmetic)"},
        onnx_sha256=file_sha256(model_path),
    )


def main() -> None:
    rng = np.random.default_rng(0)
    FIXTURES.mkdir(exist_ok=True)
    for task, build in (
        (MUSIC_TO_DANCE, music_to_dance_graph),
        (DANCE_TO_MUSIC, dance_to_music_graph),
    ):
        model = build(rng)
        onnx.checker.check_model(model)
        path = FIXTURES / f"tiny_{task}.onnx"
        onnx.save(model, path)
        card_for(task, path).save(card_path_for(path))


if __name__ == "__main__":
    main()
