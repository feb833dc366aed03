"""The live runner's compute child: same windows as in-process, and survives its death."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from livedual.const import POSE_DIM, SAMPLE_RATE, WINDOW_FRAMES
from livedual.inference import Generator
from livedual.live.engine import compute_window
from livedual.live.runner import ComputeProcess

MODEL = Path(__file__).parent / "fixtures" / "tiny_music2dance.onnx"
WINDOW_SAMPLES = 3 * SAMPLE_RATE


@pytest.fixture(scope="module")
def generator() -> Generator:
    return Generator.load(MODEL)


def _window(seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    t = np.arange(WINDOW_SAMPLES) / SAMPLE_RATE
    audio = 0.3 * np.sin(2 * np.pi * 220 * t) * (1 + np.sin(2 * np.pi * 2 * t))
    audio += 0.05 * rng.standard_normal(WINDOW_SAMPLES)
    token = np.zeros(POSE_DIM, dtype=np.float32)
    token[3:] = np.tile([1, 0, 0, 0, 1, 0], 24)  # identity rotations
    return audio.astype(np.float32), token


def test_the_child_computes_what_this_process_computes(generator):
    audio, token = _window(0)
    compute = ComputeProcess(generator)
    try:
        compute.wait_ready()
        analysis, poses = compute(audio, token, 3)
    finally:
        compute.close()
    expected_analysis, expected = compute_window(generator, audio, token, 3)
    assert poses.shape == (WINDOW_FRAMES, POSE_DIM)
    np.testing.assert_allclose(poses, expected, atol=1e-5)
    np.testing.assert_array_equal(analysis.features, expected_analysis.features)


def test_a_dead_child_falls_back_to_this_process(generator, caplog):
    audio, token = _window(1)
    compute = ComputeProcess(generator)
    try:
        compute.wait_ready()
        compute._process.kill()  # the child dies mid-run (killed by the OS, say)
        compute._process.join(10)
        with caplog.at_level(logging.ERROR, logger="livedual.live.runner"):
            _, first = compute(audio, token, 5)
            _, second = compute(audio, token, 5)
    finally:
        compute.close()
    _, expected = compute_window(generator, audio, token, 5)
    np.testing.assert_allclose(first, expected, atol=1e-6)
    np.testing.assert_allclose(second, expected, atol=1e-6)
    errors = [r for r in caplog.records if "compute process stopped" in r.getMessage()]
    assert len(errors) == 1  # said once, not per window
