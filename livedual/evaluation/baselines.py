"""Baseline dances that every model must beat: a mean pose held still, and retrieval.

- :func:`static_mean_pose`: the mean training pose, held for the whole song. It scores
  the FD of "no dance at all" and a diversity of 0.
- :class:`RetrievalBaseline`: for every 3 s window of the music, the dance of the
  training window whose music is nearest (L2 between the time-averaged, normalised music
  features), the windows laid end to end. It dances real moves chosen by the music, with
  no generation.

Both skip training windows of the sequence being evaluated (``exclude``), so a prepared
folder can serve as its own training set, one sequence left out at a time. The paper's
LSTM baseline is not here: it needs a model trained with the project's trainer.
"""

from __future__ import annotations

import numpy as np

from ..const import POSE_DIM, WINDOW_FRAMES
from ..data.windows import WindowSet
from ..errors import DataError, ParameterError


def static_mean_pose(
    train: WindowSet, *, frames: int, exclude: str | None = None
) -> np.ndarray:
    """The mean training pose held still.

    Parameters
    ----------
    train : WindowSet
        Training windows.
    frames : int > 0
        Length of the dance in frames.
    exclude : str or None
        Sequence label whose windows are left out.

    Returns
    -------
    dance : np.ndarray [shape=(frames, 147), float32]
        The same pose in every frame (the mean 6D values; forward kinematics
        re-orthonormalises them).
    """
    if frames < 1:
        raise ParameterError(f"frames must be positive, not {frames}.")
    pose = (
        _usable(train, exclude)
        .pose.reshape(-1, POSE_DIM)
        .mean(axis=0, dtype=np.float64)
    )
    return np.repeat(pose[None].astype(np.float32), frames, axis=0)


class RetrievalBaseline:
    """Nearest training window by music features, window by window.

    Parameters
    ----------
    train : WindowSet
        Training windows; their music statistics normalise the features.
    """

    def __init__(self, train: WindowSet) -> None:
        _usable(train, None)
        self.train = train
        self.mean, self.std = train.music_stats()
        self.keys = self._key(train.music)  # (N, 53)

    def _key(self, music: np.ndarray) -> np.ndarray:
        """Time-averaged normalised features of (..., T, 53) music."""
        return ((music - self.mean) / self.std).mean(axis=-2)

    def dance(self, music: np.ndarray, *, exclude: str | None = None) -> np.ndarray:
        """A dance for ``music`` made of retrieved training windows.

        Parameters
        ----------
        music : np.ndarray [shape=(T, 53)]
            Raw music features; cut into 75-frame windows (the last one shorter).
        exclude : str or None
            Sequence label whose training windows may not be retrieved.

        Returns
        -------
        dance : np.ndarray [shape=(T, 147), float32]
        """
        music = np.asarray(music, dtype=np.float32)
        allowed = np.flatnonzero(self.train.sequence != exclude)
        if len(allowed) == 0:
            raise DataError(
                f"no training windows are left once {exclude!r} is left out."
            )
        pieces = []
        for start in range(0, len(music), WINDOW_FRAMES):
            chunk = music[start : start + WINDOW_FRAMES]
            distance = np.linalg.norm(self.keys[allowed] - self._key(chunk), axis=-1)
            nearest = allowed[int(np.argmin(distance))]
            pieces.append(self.train.pose[nearest, : len(chunk)])
        return np.concatenate(pieces).astype(np.float32)


def _usable(train: WindowSet, exclude: str | None) -> WindowSet:
    """The training windows not of ``exclude``; at least one."""
    kept = train.subset(train.sequence != exclude) if exclude is not None else train
    if len(kept) == 0:
        raise DataError("the baselines have no training windows to draw from.")
    return kept
