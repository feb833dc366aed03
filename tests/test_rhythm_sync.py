"""Rhythm measures, chance baselines and separation statistics (livedual.metrics.rhythm_sync)."""

from __future__ import annotations

import numpy as np
import pytest

from livedual.errors import ParameterError
from livedual.metrics import rhythm_sync as rs
from livedual.rhythm import kinematic_beats
from livedual.skeleton import SMPL_SKELETON

FPS = 25.0
REST = SMPL_SKELETON.rest_joints()


def _music_beats(n_frames: int, *, seed: int = 0) -> np.ndarray:
    """Beats of a song whose tempo wanders around 0.5 s per beat (float frames)."""
    rng = np.random.default_rng(seed)
    periods = 12.5 * (1 + 0.1 * np.sin(np.arange(400) / 15)) + rng.normal(0, 0.3, 400)
    beats = np.cumsum(periods)
    return beats[beats < n_frames]


def _dance_on(
    beats: np.ndarray, n_frames: int, *, cycle: int = 1, lag: float = 0.0
) -> np.ndarray:
    """Joints whose speed oscillates once per ``cycle`` beats, ``lag`` frames late."""
    clock = np.interp(np.arange(n_frames) - lag, beats, np.arange(len(beats)))
    speed = 1.2 + np.cos(2 * np.pi * clock / cycle)  # m/s, > 0
    x = np.cumsum(speed) / FPS
    joints = np.repeat(REST[None], n_frames, axis=0)
    joints[..., 0] += x[:, None]
    return joints


def test_beat_clock_interpolates_between_beats() -> None:
    clock = rs.beat_clock(np.array([10, 20, 40]), n_frames=50)
    assert (
        clock[10] == 0.0 and clock[15] == 0.5 and clock[30] == 1.5 and clock[40] == 2.0
    )
    assert np.isnan(clock[5]) and np.isnan(clock[45])


def test_locking_index_is_high_for_a_dance_on_the_beat_and_ignores_a_constant_lag() -> (
    None
):
    n = 1500
    beats = _music_beats(n)
    on_beat = rs.beat_locking_index(_dance_on(beats, n), beats, fps=FPS)
    assert on_beat > 0.8
    late = rs.beat_locking_index(_dance_on(beats, n, lag=4.0), beats, fps=FPS)
    assert late == pytest.approx(on_beat, abs=0.05)


def test_locking_index_finds_the_bar_cycle() -> None:
    n = 1500
    beats = _music_beats(n)
    waltz = _dance_on(beats, n, cycle=3)
    spectrum = rs.locking_spectrum(
        np.linalg.norm(np.gradient(waltz[:, 0], axis=0), axis=-1) * FPS,
        beats,
        cycles=(1, 2, 3, 4),
        detrend_frames=FPS,
    )
    assert np.argmax(spectrum) == 2 and spectrum[2] > 0.8


def test_locking_index_is_at_chance_for_a_random_walk_and_other_music() -> None:
    n = 1500
    beats = _music_beats(n)
    rng = np.random.default_rng(1)
    dance = _dance_on(beats, n)
    walk = rs.random_walk_like(dance, rng=rng)
    assert rs.beat_locking_index(walk, beats, fps=FPS) < 0.05
    other_song = _music_beats(n, seed=7) * 1.04  # another song, 4 % slower
    assert rs.beat_locking_index(dance, other_song, fps=FPS) < 0.1


def test_windowed_locking_tolerates_drift() -> None:
    n = 1500
    beats = _music_beats(n)
    drifting = _dance_on(beats * 1.02, n)  # the dance runs 2 % slow against the music
    whole = rs.beat_locking_index(drifting, beats, fps=FPS)
    windowed = rs.beat_locking_index(drifting, beats, fps=FPS, window_seconds=8.0)
    assert whole < 0.3 < windowed


def test_phase_consistency_of_kinematic_beats() -> None:
    beats = np.arange(10.0, 500.0, 12.0)
    r, phase = rs.beat_phase_consistency(beats[2:-2], beats)
    assert r == pytest.approx(1.0) and phase == pytest.approx(0.0)
    r, phase = rs.beat_phase_consistency(
        beats[2:-2] + 3.0, beats
    )  # a quarter beat late
    assert r == pytest.approx(1.0) and phase == pytest.approx(0.25)
    scattered = np.random.default_rng(2).uniform(10, 490, size=400)
    assert rs.beat_phase_consistency(scattered, beats)[0] < 0.15
    assert rs.beat_phase_consistency(np.array([1.0]), beats) == (
        0.0,
        pytest.approx(np.nan, nan_ok=True),
    )


def test_phase_consistency_of_a_dance_built_on_the_beats() -> None:
    n = 1500
    beats = _music_beats(n)
    kinematic = kinematic_beats(
        _dance_on(beats, n, lag=6.25), fps=FPS
    )  # speed min mid-beat
    r, _ = rs.beat_phase_consistency(kinematic, beats)
    assert r > 0.9


def test_random_walk_keeps_the_speeds_and_drops_the_timing() -> None:
    n = 300
    beats = _music_beats(n)
    dance = _dance_on(beats, n)
    walk = rs.random_walk_like(dance, rng=np.random.default_rng(3))
    assert walk.shape == dance.shape
    np.testing.assert_allclose(walk[0], dance[0])

    def steps(j):
        return np.sort(np.linalg.norm(np.diff(j, axis=0), axis=-1), axis=0)

    np.testing.assert_allclose(steps(walk), steps(dance), rtol=1e-9)


def test_shift_beats_wraps_around() -> None:
    shifted = rs.shift_beats(np.array([1, 5, 9]), shift_frames=3, n_frames=10)
    np.testing.assert_array_equal(shifted, [2, 4, 8])


def test_auc_cohens_d_and_permutation_p_value() -> None:
    assert rs.auc(np.array([3.0, 4.0]), np.array([1.0, 2.0])) == 1.0
    assert rs.auc(np.array([1.0, 2.0]), np.array([1.0, 2.0])) == 0.5
    assert rs.cohens_d(np.array([2.0, 4.0]), np.array([0.0, 2.0])) == pytest.approx(
        2 / np.sqrt(2)
    )
    rng = np.random.default_rng(4)
    scores = rng.normal(size=(12, 12)) + 3 * np.eye(12)
    assert rs.permutation_p_value(scores, n_permutations=2000, rng=rng) < 0.01
    assert rs.permutation_p_value(np.ones((12, 12)), n_permutations=200, rng=rng) == 1.0


def test_offset_scan_peaks_at_the_true_offset() -> None:
    kinematic = np.arange(20, 600, 25)
    music = kinematic - 7

    def hits(beats: np.ndarray) -> float:
        return float(np.isin(kinematic, np.round(beats)).mean())

    offsets = np.arange(-12, 13)
    scores = rs.offset_scan(hits, music, offsets=offsets)
    assert offsets[np.argmax(scores)] == 7 and scores.max() == 1.0


def test_bad_arguments_raise() -> None:
    with pytest.raises(ParameterError):
        rs.beat_clock(np.array([3]), n_frames=10)
    with pytest.raises(ParameterError):
        rs.beat_locking_index(
            np.zeros((10, 24, 3)), np.array([1, 5]), fps=FPS, cycles=(0,)
        )
    with pytest.raises(ParameterError):
        rs.permutation_p_value(np.ones((3, 4)), rng=np.random.default_rng(0))


def test_locking_index_finds_the_tempo_of_real_aist_dances(aist_motions: list) -> None:
    from livedual.data.formats import read_aist_pickle
    from livedual.skeleton import pose_to_joints

    break_dances = [
        p for p in aist_motions if "_mBR2_" in p.name
    ]  # AIST music mBR2: 100 BPM
    if not break_dances:
        pytest.skip("no AIST++ motion on the music mBR2")
    for path in break_dances:
        pose, fps = read_aist_pickle(path)
        joints = pose_to_joints(pose)
        index = {
            bpm: rs.beat_locking_index(
                joints,
                np.arange(0, len(joints), fps * 60 / bpm),
                fps=fps,
                cycles=(1, 2, 4),
            )
            for bpm in (80, 90, 100, 110, 120, 130)
        }
        assert max(index, key=index.get) == 100
