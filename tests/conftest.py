"""Shared fixtures: the real-data folder (skipped with a reason when absent), helpers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from livedual.paths import DATA_ENV, data_root


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The real-data folder of ``$LIVEDUAL_DATA`` (or ``../shared/data``)."""
    root = data_root()
    if root is None:
        pytest.skip(
            f"real data not available: set {DATA_ENV} to the shared data folder"
        )
    return root


@pytest.fixture(scope="session")
def aist_motions(data_dir: Path) -> list[Path]:
    paths = sorted((data_dir / "aistpp" / "motions").glob("*.pkl"))
    if not paths:
        pytest.skip(f"no AIST++ motions under {data_dir / 'aistpp' / 'motions'}")
    return paths


@pytest.fixture(scope="session")
def dwm_root(data_dir: Path) -> Path:
    root = data_dir / "dance_with_melody"
    if not any(root.glob("DANCE_*")):
        pytest.skip(f"no Dance-with-Melody sequences under {root}")
    return root


@pytest.fixture(scope="session")
def kick_mp3(data_dir: Path) -> Path:
    path = data_dir / "audio" / "808kick120bpm.mp3"
    if not path.is_file():
        pytest.skip(f"missing {path}")
    return path


@pytest.fixture(scope="module")
def torch_one_thread():
    """Torch on one thread for a module: tiny models gain nothing from threads, and on a
    busy machine idle threads spin. Use with ``pytestmark = pytest.mark.usefixtures(...)``."""
    torch = pytest.importorskip("torch")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def median_filter():
    """livedual's running median as scipy's ``median_filter(x, size=(1, width),
    mode="reflect")``: along the last axis, edges mirrored."""
    from livedual import features

    def along_rows(x: np.ndarray, *, width: int) -> np.ndarray:
        half = width // 2
        padded = np.pad(x, ((0, 0), (half, half)), mode="symmetric")
        return features._running_median(padded.T, width=width).T

    return along_rows
