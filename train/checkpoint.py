"""Self-describing checkpoints: plain dicts of tensors and values, written atomically.

A checkpoint holds everything to rebuild, export or resume a run, and no pickled
objects, so it loads with ``torch.load(path, weights_only=True)``::

    {
        "format": "livedual-dual", "format_version": 1, "livedual_version": "0.1.0",
        "step": int, "best_val": float,
        "config": TrainConfig.to_dict(),
        "model_args": {"music2dance": {...}, "dance2music": {...}},   # ModelArgs fields
        "models": {"music2dance": state_dict, "dance2music": state_dict},
        "optimizers": {"music2dance": state_dict, "dance2music": state_dict},
        "scaler": state_dict or None,                                  # fp16 only
        "stats": {"music_mean": (53,), "music_std": (53,), "pose_mean": (147,), "pose_std": (147,)},
        "start_poses": (K, 147),           # start tokens of G_M->D to draw from at inference
        "rng": {"torch": [per-rank CPU states], "cuda": [per-rank CUDA states or None]},
        "data": {"source": str, "train_windows": int, "val_windows": int, "val_sequences": [str]},
        "val": {term: float},              # last validation
    }

Each generator's state dict includes its normalisation buffers, so
``build_generator(ckpt["model_args"][task]).load_state_dict(ckpt["models"][task])`` gives
a model that takes raw features (see :func:`load_generator`).
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

import torch

from livedual import __version__
from livedual.atomic import atomic_write
from livedual.errors import ModelError, ParameterError

from .config import MODEL_SWITCHES, TrainConfig
from .model import EncoderDecoder, ModelArgs, build_generator

CHECKPOINT_FORMAT = "livedual-dual"
FORMAT_VERSION = 1
LAST = "last.pt"  # file names inside a run folder
BEST = "best.pt"
TASKS = ("music2dance", "dance2music")


def save_checkpoint(path: str | os.PathLike[str], checkpoint: dict[str, Any]) -> None:
    """Write ``checkpoint`` to a temporary file beside ``path``, then rename it over ``path``."""
    with atomic_write(path) as handle:
        torch.save(checkpoint, handle)


def load_checkpoint(
    path: str | os.PathLike[str], *, map_location: str | torch.device = "cpu"
) -> dict[str, Any]:
    """Read a checkpoint written by the trainer (tensors and plain values only)."""
    path = Path(path)
    if not path.is_file():
        raise ModelError(f"{path}: no such checkpoint.")
    try:
        checkpoint = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as exc:  # noqa: BLE001 - torch raises many types for a damaged file
        raise ModelError(f"{path}: not a readable checkpoint ({exc}).") from None
    if (
        not isinstance(checkpoint, dict)
        or checkpoint.get("format") != CHECKPOINT_FORMAT
    ):
        raise ModelError(f"{path}: not a livedual training checkpoint.")
    if checkpoint.get("format_version", 0) > FORMAT_VERSION:
        raise ModelError(
            f"{path}: checkpoint format {checkpoint['format_version']} is newer than this livedual."
        )
    return checkpoint


def load_generator(path: str | os.PathLike[str], task: str) -> EncoderDecoder:
    """One generator of a checkpoint, with its weights and statistics, in eval mode."""
    if task not in TASKS:
        raise ModelError(f"task must be one of {TASKS}, not {task!r}.")
    checkpoint = load_checkpoint(path)
    generator = build_generator(checkpoint["model_args"][task])
    generator.load_state_dict(checkpoint["models"][task])
    return generator.eval()


def resume_config(run_dir: str | os.PathLike[str], **overrides: Any) -> TrainConfig:
    """The configuration of the run in ``run_dir`` with some fields replaced (e.g. max_steps).

    The generators' switches come from the saved model arguments (a run may predate them
    in its configuration); a resumed run cannot change them.
    """
    checkpoint = load_checkpoint(Path(run_dir) / LAST)
    built = ModelArgs.from_dict(checkpoint["model_args"]["music2dance"])
    switches = {name: getattr(built, name) for name in MODEL_SWITCHES}
    for name, value in overrides.items():
        if name in switches and value != switches[name]:
            raise ParameterError(
                f"{run_dir} was trained with {name} {switches[name]}; "
                "a resumed run keeps its generators."
            )
    saved = TrainConfig.from_dict(checkpoint["config"])
    return dataclasses.replace(saved, **(switches | overrides))


def rng_state(device: torch.device) -> dict[str, torch.Tensor | None]:
    """This process's random generator states."""
    cuda = torch.cuda.get_rng_state(device) if device.type == "cuda" else None
    return {"torch": torch.get_rng_state(), "cuda": cuda}


def set_rng_state(state: dict[str, torch.Tensor | None], device: torch.device) -> None:
    """Restore what :func:`rng_state` returned."""
    torch.set_rng_state(state["torch"].cpu())
    if device.type == "cuda" and state.get("cuda") is not None:
        torch.cuda.set_rng_state(state["cuda"].cpu(), device)


def header() -> dict[str, Any]:
    """The identifying keys every checkpoint starts with."""
    return {
        "format": CHECKPOINT_FORMAT,
        "format_version": FORMAT_VERSION,
        "livedual_version": __version__,
    }
