"""The shipped starter music -> dance model dances in time to synthetic songs it never saw."""

from __future__ import annotations

import numpy as np
import pytest

from livedual.card import MUSIC_TO_DANCE
from livedual.const import FPS, WINDOW_FRAMES
from livedual.data.synth import STYLES, make_song
from livedual.features import music_features
from livedual.metrics.rhythm_sync import beat_locking_index
from livedual.offline import DANCE_OVERLAP, load_model
from livedual.skeleton import pose_to_joints

SONG_SEED = 20_000  # the training corpus draws 31-bit seeds: these songs are unseen


@pytest.fixture(scope="module")
def songs() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per style: the music features of a 30 s song and its beats (frame indices)."""
    out = {}
    for i, style in enumerate(STYLES):
        song = make_song(SONG_SEED + i, duration_s=30, style=style)
        features = music_features(song.audio, sr=song.sr)
        beats = np.round(song.truth.beat_times * FPS - 0.5).astype(int)
        out[style] = features, beats[(beats >= 0) & (beats < len(features))]
    return out


@pytest.fixture(scope="module")
def starter():
    return load_model(MUSIC_TO_DANCE, None)


def _joints(starter, features: np.ndarray, overlap: int) -> np.ndarray:
    return pose_to_joints(starter.generate_long(features, seed=1, overlap=overlap))


def _join_acceleration(joints: np.ndarray, overlap: int) -> float:
    """Mean joint acceleration where a window takes over, over the mean elsewhere."""
    acceleration = np.linalg.norm(np.diff(joints, 2, axis=0), axis=-1).mean(-1)
    hop = WINDOW_FRAMES - overlap
    near = np.zeros(len(acceleration), dtype=bool)
    for first in range(hop, len(joints) - 1, hop):
        near[first - 2 : first + 1] = True  # second differences around frame first - 1
    return float(acceleration[near].mean() / acceleration[~near].mean())


@pytest.mark.parametrize("style", STYLES)
def test_starter_dance_locks_to_the_beat(songs, starter, style):
    features, beats = songs[style]
    index = beat_locking_index(
        _joints(starter, features, DANCE_OVERLAP), beats, fps=FPS
    )
    # The true dances score about 0.8, a random walk with their speeds 0.01.
    assert index > 0.3


@pytest.mark.parametrize("style", STYLES)
def test_overlapping_windows_keep_the_motion_smooth_where_they_meet(
    songs, starter, style
):
    features, _ = songs[style]
    # Back to back, a window restarts from a pose without its velocity: a jolt.
    assert _join_acceleration(_joints(starter, features, 0), 0) > 2.0
    assert (
        _join_acceleration(_joints(starter, features, DANCE_OVERLAP), DANCE_OVERLAP)
        < 1.5
    )
