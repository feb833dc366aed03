"""Export a trained generator to ONNX with its model card, and prove they agree.

One call writes ``PREFIX.onnx`` and ``PREFIX.onnx.json``: the graph (batch dimension
dynamic; normalisation statistics and, for dance, the Gram-Schmidt projection of the 6D
rotations baked in), the card that describes it, and the result of a torch-vs-ONNX
Runtime parity check on the written file.
"""

from __future__ import annotations

import logging
import os
import tempfile
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn as nn

from livedual.card import (
    DANCE_TO_MUSIC,
    MUSIC_TO_DANCE,
    ModelCard,
    TensorSpec,
    card_path_for,
    file_sha256,
)
from livedual.const import N_CHORDS, POSE_DIM, WINDOW_FRAMES
from livedual.errors import ModelError
from livedual.inference import OUTPUT, SEED_INPUT, START_INPUT, WINDOW_INPUT

from ..train.model import EncoderDecoder
from ..train.rotation import normalise_pose

_LOGGER = logging.getLogger(__name__)

OPSET = 18
EXPORT_BATCH = (
    2  # export with batch >= 2: a batch-1 example can freeze the batch dimension
)
PARITY_BATCH = 3  # check at a batch size the export never saw
PARITY_TOLERANCE = 1e-4  # max |torch - onnxruntime| in fp32
LAYOUTS = {
    MUSIC_TO_DANCE: ("music53", "pose147"),
    DANCE_TO_MUSIC: ("pose147", "chroma12+beat1"),
}


class ExportedGenerator(nn.Module):
    """What the ONNX graph computes: the generator, with valid rotations for dance."""

    def __init__(self, generator: EncoderDecoder) -> None:
        super().__init__()
        self.generator = generator

    def forward(
        self, window: torch.Tensor, start: torch.Tensor, seed: torch.Tensor
    ) -> torch.Tensor:
        out = self.generator(window, start, seed)  # (B, 75, O)
        if self.generator.args.task == MUSIC_TO_DANCE:
            out = normalise_pose(out)  # (B, 75, 147): each joint's 6D a true rotation
        return out


@dataclass(frozen=True)
class ExportResult:
    """Where the model went and how closely ONNX Runtime reproduces torch."""

    onnx_path: Path
    card_path: Path
    max_abs_error: float
    parameters: int


def example_inputs(
    generator: EncoderDecoder, batch: int, *, seed: int = 0
) -> tuple[torch.Tensor, ...]:
    """Plausible raw inputs of ``batch`` windows: the training statistics plus noise."""
    g = torch.Generator().manual_seed(seed)
    norm = generator.in_norm
    window = norm.mean + norm.std * torch.randn(
        batch, WINDOW_FRAMES, generator.args.in_dim, generator=g
    )
    if generator.args.task == MUSIC_TO_DANCE:
        pose_norm = generator.pose_norm  # type: ignore[attr-defined]
        start = pose_norm.mean + pose_norm.std * torch.randn(
            batch, POSE_DIM, generator=g
        )
    else:
        start = torch.randint(N_CHORDS, (batch,), generator=g)
    seed_vector = torch.randn(batch, generator.args.seed_dim, generator=g)
    return window, start, seed_vector


def build_card(
    generator: EncoderDecoder,
    onnx_path: Path,
    *,
    preset: str,
    training: dict[str, Any],
    start_pool: np.ndarray | None,
) -> ModelCard:
    """The card of an exported generator."""
    args = generator.args
    task = args.task
    start = (
        TensorSpec(START_INPUT, ["batch", POSE_DIM])
        if task == MUSIC_TO_DANCE
        else TensorSpec(START_INPUT, ["batch"], "int64")
    )
    in_layout, out_layout = LAYOUTS[task]
    return ModelCard(
        task=task,
        inputs=[
            TensorSpec(WINDOW_INPUT, ["batch", WINDOW_FRAMES, args.in_dim]),
            start,
            TensorSpec(SEED_INPUT, ["batch", args.seed_dim]),
        ],
        outputs=[TensorSpec(OUTPUT, ["batch", WINDOW_FRAMES, args.out_dim])],
        seed_dim=args.seed_dim,
        input_mean=generator.in_norm.mean.tolist(),
        input_std=generator.in_norm.std.tolist(),
        input_layout=in_layout,
        output_layout=out_layout,
        preset=preset,
        model_args=asdict(args),
        training=training,
        start_pool=[]
        if start_pool is None
        else np.asarray(start_pool, dtype=np.float32).tolist(),
        onnx_sha256=file_sha256(onnx_path),
    )


def export_generator(
    generator: EncoderDecoder,
    prefix: str | os.PathLike[str],
    *,
    preset: str = "",
    training: dict[str, Any] | None = None,
    start_pool: np.ndarray | None = None,
) -> ExportResult:
    """Write ``PREFIX.onnx`` and ``PREFIX.onnx.json`` and check ONNX Runtime against torch.

    Raises
    ------
    ModelError
        The export failed, or ONNX Runtime differs from torch by more than 1e-4.
    """
    onnx_path = Path(f"{os.fspath(prefix)}.onnx")
    onnx_path.parent.mkdir(parents=True, exist_ok=True)
    module = ExportedGenerator(generator.cpu().eval())
    fd, tmp_name = tempfile.mkstemp(
        prefix=f".{onnx_path.name}.", suffix=".tmp.onnx", dir=onnx_path.parent
    )
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        _export_graph(module, tmp)
        error = parity_error(module, tmp)
        if not error <= PARITY_TOLERANCE:
            raise ModelError(
                f"ONNX Runtime differs from torch by {error:.2e} (> {PARITY_TOLERANCE:g}) for "
                f"{onnx_path.name}; the export is not trustworthy."
            )
        os.chmod(tmp, 0o644)  # mkstemp made it private
        os.replace(tmp, onnx_path)
    finally:
        tmp.unlink(missing_ok=True)
    card = build_card(
        generator,
        onnx_path,
        preset=preset,
        training=training or {},
        start_pool=start_pool,
    )
    card.save(card_path_for(onnx_path))
    _LOGGER.info(
        "exported %s (%s): parity with torch %.1e", onnx_path, card.task, error
    )
    return ExportResult(
        onnx_path, card_path_for(onnx_path), error, generator.num_params()
    )


def _export_graph(module: ExportedGenerator, path: Path) -> None:
    batch = torch.export.Dim("batch", min=1, max=4096)
    dims = {"window": {0: batch}, "start": {0: batch}, "seed": {0: batch}}
    inputs = example_inputs(module.generator, EXPORT_BATCH)
    quiet = logging.getLogger("torch.onnx")
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # the exporter logs every op it skips
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # the exporter's deprecation chatter
        try:
            torch.onnx.export(
                module,
                inputs,
                str(path),
                input_names=[WINDOW_INPUT, START_INPUT, SEED_INPUT],
                output_names=[OUTPUT],
                dynamic_shapes=dims,
                dynamo=True,
                opset_version=OPSET,
                external_data=False,
                verbose=False,
            )
        except Exception as exc:  # noqa: BLE001 - the exporter raises many types
            raise ModelError(
                f"the ONNX export failed: {type(exc).__name__}: {exc}"
            ) from exc
        finally:
            quiet.setLevel(level)


def parity_error(
    module: ExportedGenerator, path: Path, *, batch: int = PARITY_BATCH
) -> float:
    """Largest absolute difference between torch and ONNX Runtime on the same inputs."""
    import onnxruntime as ort

    inputs = example_inputs(module.generator, batch, seed=1)
    with torch.no_grad():
        expected = module(*inputs).numpy()
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    feeds = dict(
        zip((WINDOW_INPUT, START_INPUT, SEED_INPUT), (t.numpy() for t in inputs))
    )
    got = session.run([OUTPUT], feeds)[0]
    return float(np.abs(got - expected).max())
