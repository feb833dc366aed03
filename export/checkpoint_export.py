"""Export both generators of a training checkpoint, optionally with int8 copies."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from livedual.card import MUSIC_TO_DANCE, ModelCard, card_path_for, file_sha256

from ..train.checkpoint import TASKS, load_checkpoint
from ..train.model import build_generator
from .onnx_export import ExportResult, export_generator

_LOGGER = logging.getLogger(__name__)

START_POOL_SIZE = 32  # start poses kept in the card: enough variety, a small card


def model_prefix(prefix: str | os.PathLike[str], task: str) -> Path:
    """``PREFIX_music2dance`` / ``PREFIX_dance2music``."""
    return Path(f"{os.fspath(prefix)}_{task}")


def export_checkpoint(
    checkpoint_path: str | os.PathLike[str], prefix: str | os.PathLike[str]
) -> list[ExportResult]:
    """Write ``PREFIX_<task>.onnx`` and its card for both generators of a checkpoint."""
    checkpoint = load_checkpoint(checkpoint_path)
    config = checkpoint["config"]
    training = {
        "checkpoint": Path(checkpoint_path).name,
        "step": int(checkpoint["step"]),
        "data": _without_folders(checkpoint.get("data", {}), ("source",)),
        "validation": checkpoint.get("val", {}),
        "config": _without_folders(config, ("data", "out")),
    }
    pool = checkpoint.get("start_poses")
    pool = None if pool is None else np.asarray(pool)[:START_POOL_SIZE]
    results = []
    for task in TASKS:
        generator = build_generator(checkpoint["model_args"][task])
        generator.load_state_dict(checkpoint["models"][task])
        results.append(
            export_generator(
                generator.eval(),
                model_prefix(prefix, task),
                preset=str(config.get("preset", "")),
                training=training,
                start_pool=pool if task == MUSIC_TO_DANCE else None,
            )
        )
    return results


def _without_folders(record: dict, keys: tuple[str, ...]) -> dict:
    """``record`` with the paths under ``keys`` cut to their last part: a card travels to
    other machines, where the training machine's folders mean nothing."""
    return record | {k: Path(record[k]).name for k in keys if k in record}


@dataclass(frozen=True)
class QuantisedResult:
    """An int8 copy and what it costs in accuracy against the fp32 model."""

    onnx_path: Path
    cost: float
    """Mean joint-position error in cm (dance) or mean |chroma + beat| error (music)."""
    unit: str


def quantise(result: ExportResult) -> QuantisedResult:
    """Dynamic int8 copy ``NAME.int8.onnx`` with its card, and its accuracy cost.

    Uses ``reduce_range=True``: on AVX2 CPUs without VNNI the default full-range int8
    gave 13-45 % relative error, the reduced range about 2 %.
    """
    from onnxruntime.quantization import QuantType, quantize_dynamic

    fp32 = result.onnx_path
    int8 = fp32.with_suffix(".int8.onnx")
    quantize_dynamic(
        str(fp32), str(int8), weight_type=QuantType.QInt8, reduce_range=True
    )
    card = ModelCard.load(card_path_for(fp32))
    card.onnx_sha256 = file_sha256(int8)
    card.training = {**card.training, "quantised": "dynamic int8, reduce_range"}
    card.save(card_path_for(int8))
    cost, unit = _accuracy_cost(fp32, int8, card.task)
    return QuantisedResult(int8, cost, unit)


def _accuracy_cost(fp32: Path, int8: Path, task: str) -> tuple[float, str]:
    from livedual.inference import Generator
    from livedual.skeleton import pose_to_joints

    reference, quantised = Generator.load(fp32), Generator.load(int8)
    inputs = reference.sample_windows(8)
    a = reference.generate(inputs, seed=0)
    b = quantised.generate(inputs, seed=0)
    if task == MUSIC_TO_DANCE:
        error = (
            np.linalg.norm(pose_to_joints(a) - pose_to_joints(b), axis=-1).mean()
            * 100.0
        )
        return float(error), "cm mean joint error"
    return float(np.abs(a - b).mean()), "mean |chroma, beat| error"
