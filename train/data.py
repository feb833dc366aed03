"""Training data: window sets from the synthetic corpus or a prepared folder, split and batched.

The trainer sees tensors only: music features (N, 75, 53), poses (N, 75, 147), the start
pose (N, 147) and the start chord (N,) of each window, built once from a
:class:`~livedual.data.windows.WindowSet`.

The start pose of a window is the frame just before it, as when windows are chained
(:meth:`livedual.inference.Generator.generate_long` and the live engines start a window
from the frame emitted before it). Trained on the window's own first frame instead, a
model wrote that frame again at the start of every chained window: the dance stalled
for a frame and then jumped to catch up, every 3 s.
Batches follow a :class:`torch.utils.data.distributed.DistributedSampler` (one process or
many), so the order is a function of the seed and the epoch and a resumed run can skip to
where it stopped.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch.utils.data.distributed import DistributedSampler

from livedual.chords import best_chord
from livedual.const import CHROMA, FPS
from livedual.data.windows import WindowSet
from livedual.errors import DataError

from .config import SYNTHETIC, TrainConfig

_LOGGER = logging.getLogger(__name__)

CHORD_FRAMES = FPS  # the start chord of a window is that of its first second
STD_FLOOR = 1e-2  # smallest std used to normalise a feature (constant ones stay finite)


def load_windows(cfg: TrainConfig) -> WindowSet:
    """All windows of ``cfg.data``: the synthetic corpus, or every ``*.npz`` in a folder."""
    if cfg.data == SYNTHETIC:
        from livedual.data.synth import synthetic_windows

        return synthetic_windows(
            n_songs=cfg.synthetic_songs,
            seed=cfg.seed,
            duration_s=cfg.synthetic_seconds,
            stride=cfg.synthetic_stride,
        )
    folder = Path(cfg.data)
    if not folder.is_dir():
        raise DataError(
            f"{folder}: no such folder; give 'synthetic' or a folder written by 'livedual prepare'."
        )
    files = sorted(folder.glob("*.npz"))
    if not files:
        raise DataError(
            f"{folder} holds no window files (*.npz); run 'livedual prepare' first."
        )
    return WindowSet.concatenate([WindowSet.load(path) for path in files])


def split_by_sequence(
    windows: WindowSet, *, val_fraction: float, seed: int
) -> tuple[WindowSet, WindowSet | None]:
    """Train and validation windows, with whole sequences on one side only.

    Sequences are shuffled with ``seed``; the first ``round(val_fraction * n)`` (at least
    one) go to validation. ``val_fraction = 0`` gives no validation set.
    """
    if val_fraction == 0:
        return windows, None
    sequences = np.unique(windows.sequence)
    if len(sequences) < 2:
        raise DataError(
            f"a validation split needs at least 2 sequences, the data has {len(sequences)}; set val_fraction=0."
        )
    order = np.random.default_rng(seed).permutation(len(sequences))
    n_val = min(max(1, round(val_fraction * len(sequences))), len(sequences) - 1)
    is_val = np.isin(windows.sequence, sequences[order[:n_val]])
    return windows.subset(~is_val), windows.subset(is_val)


def start_chords(music: np.ndarray) -> np.ndarray:
    """Chord ids [shape=(N,)] in 0..23 of each window's first second, from raw features [shape=(N, T, 53)]."""
    return best_chord(music[:, :CHORD_FRAMES, CHROMA].mean(axis=1)).astype(np.int64)


def start_poses(windows: WindowSet) -> np.ndarray:
    """The pose of the frame just before each window [shape=(N, 147)]: its start token.

    The windows of a sequence are cut in order every ``stride`` frames
    (:func:`livedual.data.windows.cut_windows`), so when window ``i - 1`` of the same
    sequence overlaps window ``i`` by ``75 - stride`` frames, its frame ``stride - 1``
    is the one before. The stride is read from the overlap itself. The first window of a
    sequence, and a window whose predecessor does not overlap it, start from their own
    first frame.
    """
    pose = windows.pose
    start = pose[:, 0].copy()
    follows = np.flatnonzero(windows.sequence[1:] == windows.sequence[:-1]) + 1
    for i in follows:
        stride = _overlap_stride(pose[i - 1], pose[i])
        if stride is not None:
            start[i] = pose[i - 1, stride - 1]
    return start


def _overlap_stride(before: np.ndarray, after: np.ndarray) -> int | None:
    """The offset ``d`` in 1..T-1 with ``before[d:] == after[:T - d]``, the smallest, if any."""
    frames = len(before)
    for d in np.flatnonzero((before[1:] == after[0]).all(axis=-1)) + 1:
        if np.array_equal(before[d:], after[: frames - d]):
            return int(d)
    return None


def _mean_std(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    flat = values.reshape(-1, values.shape[-1]).astype(np.float64)
    return flat.mean(0).astype(np.float32), np.maximum(flat.std(0), STD_FLOOR).astype(
        np.float32
    )


def data_stats(windows: WindowSet) -> dict[str, np.ndarray]:
    """Per-feature mean and std of music [shape=(53,)] and poses [shape=(147,)]; std ≥ STD_FLOOR."""
    music_mean, music_std = _mean_std(windows.music)
    pose_mean, pose_std = _mean_std(windows.pose)
    return {
        "music_mean": music_mean,
        "music_std": music_std,
        "pose_mean": pose_mean,
        "pose_std": pose_std,
    }


@dataclass
class Batch:
    """One batch of paired windows (raw units) and their start tokens."""

    music: torch.Tensor  # (B, 75, 53)
    pose: torch.Tensor  # (B, 75, 147)
    start: torch.Tensor  # (B, 147) the pose just before each window
    chord: torch.Tensor  # (B,) int64

    def to(self, device: torch.device) -> Batch:
        return Batch(
            self.music.to(device),
            self.pose.to(device),
            self.start.to(device),
            self.chord.to(device),
        )

    def __len__(self) -> int:
        return len(self.music)


@dataclass
class WindowTensors:
    """A window set as tensors, indexable into :class:`Batch` objects."""

    music: torch.Tensor
    pose: torch.Tensor
    start: torch.Tensor
    chord: torch.Tensor

    @classmethod
    def from_windows(cls, windows: WindowSet) -> WindowTensors:
        return cls(
            torch.from_numpy(windows.music),
            torch.from_numpy(windows.pose),
            torch.from_numpy(start_poses(windows)),
            torch.from_numpy(start_chords(windows.music)),
        )

    def __len__(self) -> int:
        return len(self.music)

    def batch(self, index: list[int] | torch.Tensor) -> Batch:
        index = torch.as_tensor(index, dtype=torch.long)
        return Batch(
            self.music[index], self.pose[index], self.start[index], self.chord[index]
        )

    def start_pool(self) -> torch.Tensor:
        """First poses of every window [shape=(N, 147)]: start tokens to draw from at inference."""
        return self.pose[:, 0]


def make_sampler(
    data: WindowTensors, *, world_size: int, rank: int, seed: int
) -> DistributedSampler:
    """Shuffling sampler giving this process its share of every epoch (drops the ragged end)."""
    return DistributedSampler(
        data,
        num_replicas=world_size,
        rank=rank,
        shuffle=True,
        seed=seed,
        drop_last=True,
    )


def steps_per_epoch(sampler: DistributedSampler, batch_size: int) -> int:
    """Whole batches per epoch for one process."""
    return sampler.num_samples // batch_size


def train_batches(
    data: WindowTensors,
    sampler: DistributedSampler,
    *,
    batch_size: int,
    start_step: int,
) -> Iterator[Batch]:
    """Endless batches from step ``start_step`` on: epoch ``step // steps_per_epoch``, then its position."""
    per_epoch = steps_per_epoch(sampler, batch_size)
    if per_epoch == 0:
        raise DataError(
            f"{sampler.num_samples} windows per process cannot fill a batch of {batch_size}."
        )
    epoch, skip = divmod(start_step, per_epoch)
    while True:
        sampler.set_epoch(epoch)
        order = list(iter(sampler))
        for b in range(skip, per_epoch):
            yield data.batch(order[b * batch_size : (b + 1) * batch_size])
        epoch, skip = epoch + 1, 0


def val_batches(
    data: WindowTensors, *, batch_size: int, max_windows: int
) -> list[Batch]:
    """Fixed validation batches: at most ``max_windows`` windows spread evenly over the set.

    A ragged last batch is dropped unless it is the only one.
    """
    chosen = np.unique(
        np.linspace(0, len(data) - 1, min(len(data), max_windows))
        .round()
        .astype(np.int64)
    )
    if len(chosen) < batch_size:
        return [data.batch(chosen.tolist())]
    return [
        data.batch(chosen[s : s + batch_size].tolist())
        for s in range(0, len(chosen) - batch_size + 1, batch_size)
    ]
