"""Export: torch and ONNX Runtime agree for both generators at every preset, chained too."""

from __future__ import annotations

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("onnxscript")

from livedual.card import DANCE_TO_MUSIC, MUSIC_TO_DANCE, ModelCard, card_path_for  # noqa: E402
from livedual.chords import best_chord  # noqa: E402
from livedual.const import MUSIC_OUT_CHROMA, WINDOW_FRAMES  # noqa: E402
from livedual.errors import ModelError  # noqa: E402
from livedual.export.onnx_export import ExportedGenerator, export_generator  # noqa: E402
from livedual.inference import Generator  # noqa: E402
from livedual.train.model import build_generator, preset  # noqa: E402

CHAINED_WINDOWS = 10
TOLERANCE = 1e-4


def trained_like(name: str, task: str) -> torch.nn.Module:
    """A generator with random weights and non-trivial normalisation statistics."""
    torch.manual_seed(0)
    generator = build_generator(preset(name, task)).eval()
    g = torch.Generator().manual_seed(1)
    generator.in_norm.set(
        torch.randn(generator.args.in_dim, generator=g),
        torch.rand(generator.args.in_dim, generator=g) + 0.5,
    )
    return generator


def torch_chain(
    module: ExportedGenerator,
    sequence: np.ndarray,
    start: np.ndarray | int,
    seed: int,
    seed_dim: int,
) -> np.ndarray:
    """The chaining of Generator.generate_long, written again in torch."""
    outputs, token = [], start
    for k in range(len(sequence) // WINDOW_FRAMES):
        window = torch.from_numpy(
            sequence[k * WINDOW_FRAMES : (k + 1) * WINDOW_FRAMES][None]
        )
        seed_vector = (
            np.random.default_rng(seed + k)
            .standard_normal((1, seed_dim))
            .astype(np.float32)
        )
        start_tensor = (
            torch.tensor([token])
            if isinstance(token, int)
            else torch.from_numpy(token[None])
        )
        with torch.no_grad():
            out = module(window, start_tensor, torch.from_numpy(seed_vector))[0].numpy()
        outputs.append(out)
        token = (
            out[-1]
            if module.generator.args.task == MUSIC_TO_DANCE
            else int(best_chord(out[-1, MUSIC_OUT_CHROMA]))
        )
    return np.concatenate(outputs)


@pytest.mark.parametrize("name", ["tiny", "small", "paper"])
@pytest.mark.parametrize("task", [MUSIC_TO_DANCE, DANCE_TO_MUSIC])
def test_onnx_equals_torch_over_ten_chained_windows(tmp_path, name, task):
    generator = trained_like(name, task)
    result = export_generator(generator, tmp_path / f"{name}_{task}", preset=name)
    assert result.max_abs_error <= TOLERANCE
    onnx_model = Generator.load(result.onnx_path)
    rng = np.random.default_rng(2)
    norm = generator.in_norm
    sequence = (
        norm.mean.numpy()
        + norm.std.numpy()
        * rng.standard_normal((CHAINED_WINDOWS * WINDOW_FRAMES, generator.args.in_dim))
    ).astype(np.float32)
    start = onnx_model.start_pose(rng) if task == MUSIC_TO_DANCE else 3
    got = onnx_model.generate_long(sequence, start=start, seed=5)
    expected = torch_chain(
        ExportedGenerator(generator), sequence, start, 5, generator.args.seed_dim
    )
    assert np.abs(got - expected).max() <= TOLERANCE


def test_batch_dimension_stays_dynamic(tmp_path):
    result = export_generator(trained_like("tiny", MUSIC_TO_DANCE), tmp_path / "m")
    card = ModelCard.load(card_path_for(result.onnx_path))
    assert card.inputs[0].shape[0] == "batch"
    model = Generator.load(result.onnx_path)
    for batch in (1, 2, 5):
        windows = np.zeros((batch, WINDOW_FRAMES, 53), dtype=np.float32)
        assert model.generate(
            windows, start=np.zeros((batch, 147), np.float32)
        ).shape == (batch, WINDOW_FRAMES, 147)


def test_dance_output_has_valid_rotations(tmp_path):
    from livedual.pose import unpack_pose

    model = Generator.load(
        export_generator(trained_like("tiny", MUSIC_TO_DANCE), tmp_path / "m").onnx_path
    )
    _, rotations = unpack_pose(
        model.generate(np.zeros((WINDOW_FRAMES, 53), np.float32), seed=1)
    )
    eye = np.broadcast_to(np.eye(3), rotations.shape)
    assert np.abs(rotations.transpose(0, 1, 3, 2) @ rotations - eye).max() < 1e-4


def test_checkpoint_round_trip_and_bad_checkpoint(tmp_path):
    from livedual.export.checkpoint_export import export_checkpoint, model_prefix

    bad = tmp_path / "broken.pt"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(ModelError, match="broken.pt"):
        export_checkpoint(bad, tmp_path / "x")
    assert (
        not model_prefix(tmp_path / "x", MUSIC_TO_DANCE).with_suffix(".onnx").exists()
    )


def test_card_records_training_and_hash(tmp_path):
    result = export_generator(
        trained_like("tiny", DANCE_TO_MUSIC),
        tmp_path / "d",
        preset="tiny",
        training={"data": "synthetic", "step": 3},
    )
    card = json.loads(result.card_path.read_text())
    assert (
        card["task"] == DANCE_TO_MUSIC
        and card["training"]["step"] == 3
        and len(card["onnx_sha256"]) == 64
    )
