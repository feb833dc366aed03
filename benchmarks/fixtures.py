"""What several cases share, made once per run: a synthetic song, its paired windows and
their statistics, untrained generators and their ONNX exports.

Untrained generators get the normalisation statistics of real (synthetic) windows, as
training would give them: their raw 6D output then lies near valid rotations, as a
trained model's does. With the default statistics (mean 0, std 1) the 6D vectors are
near zero and the Gram-Schmidt step of the exported graph amplifies rounding, which can
fail the exporter's torch-vs-ONNX parity check.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from livedual.const import FPS

from .harness import Context

SONG_SECONDS = 30.0  # 28 windows at one window start per second
SONG_SEED = 11
EXPORT_LOGGERS = (
    "torch.onnx",
    "onnxscript",
    "onnx_ir",
)  # log every pass they run at INFO


def song(ctx: Context) -> Any:
    """A 30 s synthetic song and dance (:class:`livedual.data.synth.SynthSong`)."""

    def make() -> Any:
        from livedual.data.synth import make_song

        return make_song(SONG_SEED, duration_s=SONG_SECONDS)

    return ctx.cached("song", make)


def song_audio(ctx: Context) -> np.ndarray:
    """The song's audio [shape=(n,)] at 22.05 kHz."""
    return song(ctx).audio


def windows(ctx: Context) -> Any:
    """The song's paired windows (:class:`livedual.data.windows.WindowSet`), one per second."""

    def make() -> Any:
        from livedual.data.synth import song_windows

        return song_windows(song(ctx), stride=FPS)

    return ctx.cached("windows", make)


def stats(ctx: Context) -> dict[str, np.ndarray]:
    """Mean and std of the windows' music and poses, as training computes them."""

    def make() -> dict[str, np.ndarray]:
        from livedual.train.data import data_stats

        return data_stats(windows(ctx))

    return ctx.cached("stats", make)


def torch_generator(ctx: Context, preset_name: str) -> Any:
    """An untrained G_M→D of ``preset_name`` with real statistics, in eval mode (seeded)."""

    def build() -> Any:
        import torch

        from livedual.train.model import build_generator, preset

        torch.manual_seed(0)
        model = build_generator(preset(preset_name, "music2dance"))
        model.set_stats(**stats(ctx))
        return model.eval()

    return ctx.cached(f"torch:{preset_name}", build)


@contextlib.contextmanager
def _quiet_export() -> Iterator[None]:
    """Keep the exporter's per-pass INFO messages out of the benchmark's output."""
    loggers = [logging.getLogger(name) for name in EXPORT_LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)


def onnx_model(ctx: Context, preset_name: str) -> Path:
    """``torch_generator(ctx, preset_name)`` exported to the scratch folder (model and card)."""

    def export() -> Path:
        from livedual.export.onnx_export import export_generator

        with _quiet_export():
            result = export_generator(
                torch_generator(ctx, preset_name),
                ctx.workdir / f"m2d_{preset_name}",
                preset=preset_name,
            )
        return result.onnx_path

    return ctx.cached(f"onnx:{preset_name}", export)
