"""Training windows: paired 3 s music-feature and pose windows, saved as one ``.npz``.

Every data source (AIST++, Dance with Melody, the synthetic corpus) ends up as a
:class:`WindowSet`; the trainer reads nothing else.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..atomic import atomic_write
from ..const import MUSIC_DIM, POSE_DIM, WINDOW_FRAMES
from ..errors import DataError


@dataclass
class WindowSet:
    """Paired windows of music features and poses.

    Attributes
    ----------
    music : np.ndarray [shape=(N, 75, 53), float32]
        Raw (unnormalised) music features.
    pose : np.ndarray [shape=(N, 75, 147), float32]
        Poses: root translation (metres) and 24 joint rotations in 6D.
    genre : np.ndarray [shape=(N,), str]
        Genre or style label of each window.
    sequence : np.ndarray [shape=(N,), str]
        Identifier of the sequence each window was cut from (for splits by sequence).
    """

    music: np.ndarray
    pose: np.ndarray
    genre: np.ndarray
    sequence: np.ndarray

    def __post_init__(self) -> None:
        n = len(self.music)
        if self.music.shape[1:] != (WINDOW_FRAMES, MUSIC_DIM):
            raise DataError(
                f"music windows have shape {self.music.shape}, expected (N, {WINDOW_FRAMES}, {MUSIC_DIM})."
            )
        if self.pose.shape != (n, WINDOW_FRAMES, POSE_DIM):
            raise DataError(
                f"pose windows have shape {self.pose.shape}, expected ({n}, {WINDOW_FRAMES}, {POSE_DIM})."
            )
        if len(self.genre) != n or len(self.sequence) != n:
            raise DataError("genre and sequence labels must have one entry per window.")
        self.music = np.asarray(self.music, dtype=np.float32)
        self.pose = np.asarray(self.pose, dtype=np.float32)
        self.genre = np.asarray(self.genre, dtype=str)
        self.sequence = np.asarray(self.sequence, dtype=str)

    def __len__(self) -> int:
        return len(self.music)

    @classmethod
    def concatenate(cls, parts: list[WindowSet]) -> WindowSet:
        """Join several window sets into one."""
        if not parts:
            raise DataError("there are no windows to join.")
        return cls(
            music=np.concatenate([p.music for p in parts]),
            pose=np.concatenate([p.pose for p in parts]),
            genre=np.concatenate([p.genre for p in parts]),
            sequence=np.concatenate([p.sequence for p in parts]),
        )

    def subset(self, index: np.ndarray) -> WindowSet:
        """The windows at ``index`` (an integer or boolean array)."""
        return WindowSet(
            self.music[index], self.pose[index], self.genre[index], self.sequence[index]
        )

    def music_stats(self) -> tuple[np.ndarray, np.ndarray]:
        """Per-feature mean and standard deviation, each [shape=(53,)]; std is at least 1e-6."""
        flat = self.music.reshape(-1, MUSIC_DIM).astype(np.float64)
        return flat.mean(0).astype(np.float32), np.maximum(flat.std(0), 1e-6).astype(
            np.float32
        )

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write an uncompressed ``.npz`` atomically."""
        with atomic_write(path) as handle:
            np.savez(
                handle,
                music=self.music,
                pose=self.pose,
                genre=self.genre,
                sequence=self.sequence,
            )

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> WindowSet:
        """Read a file written by :meth:`save`."""
        path = Path(path)
        try:
            with np.load(path, allow_pickle=False) as data:
                return cls(data["music"], data["pose"], data["genre"], data["sequence"])
        except FileNotFoundError:
            raise DataError(f"{path}: no such window file.") from None
        except (KeyError, ValueError, OSError) as exc:
            raise DataError(f"{path}: not a livedual window file ({exc}).") from None


def cut_windows(length: int, *, stride: int, window: int = WINDOW_FRAMES) -> np.ndarray:
    """Start frames of the windows that fit in a sequence of ``length`` frames.

    Returns
    -------
    starts : np.ndarray [shape=(K,), int]
        ``0, stride, 2 * stride, ...`` while ``start + window <= length``.
    """
    if stride <= 0:
        raise DataError(f"stride must be a positive number of frames, not {stride}.")
    if length < window:
        return np.zeros(0, dtype=np.int64)
    return np.arange(0, length - window + 1, stride, dtype=np.int64)
