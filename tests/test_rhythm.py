"""Joint speed, kinematic beats and the beat alignment ratio on constructed motions."""

from __future__ import annotations

import numpy as np
import pytest

from livedual.errors import ParameterError
from livedual.rhythm import (
    beat_alignment_ratio,
    beat_frames_from_flags,
    gaussian_smooth,
    joint_speed,
    kinematic_beats,
    local_minima,
    mean_joint_speed,
)

FPS = 25.0


def stop_and_go(n_frames: int, period: int, *, n_joints: int = 3) -> np.ndarray:
    """Joints moving forward along x, stopping dead at every multiple of ``period`` frames.

    x(t) = t - period / (2 pi) sin(2 pi t / period): the velocity 1 - cos(2 pi t / period)
    is zero at t = k * period and positive everywhere else.
    """
    t = np.arange(n_frames, dtype=np.float64)
    x = (t - period / (2 * np.pi) * np.sin(2 * np.pi * t / period)) * 0.01
    joints = np.zeros((n_frames, n_joints, 3))
    joints[:, :, 0] = x[:, None] * np.arange(1, n_joints + 1)[None, :]
    return joints


def test_joint_speed_of_a_uniform_motion_is_its_velocity():
    t = np.arange(10)[:, None, None]
    joints = t * np.array([0.03, 0.04, 0.0]) * np.ones((1, 2, 1))  # 5 cm per frame
    speed = joint_speed(joints, fps=FPS)
    assert speed.shape == (10, 2)
    np.testing.assert_allclose(speed, 0.05 * FPS)
    np.testing.assert_allclose(mean_joint_speed(joints, fps=FPS), 0.05 * FPS)


def test_speed_is_centred_on_the_frame_where_motion_turns():
    x = np.abs(np.arange(-5, 6, dtype=np.float64))  # moves, turns back at frame 5
    joints = np.stack([x, 0 * x, 0 * x], axis=-1)[:, None, :]
    speed = mean_joint_speed(joints, fps=FPS)
    assert np.argmin(speed) == 5 and speed[5] == 0.0


def test_local_minima_counts_plateaus_once_and_skips_the_edges():
    signal = np.array([0.0, 1.0, 0.5, 2.0, 1.0, 1.0, 1.0, 3.0, 2.0, 2.0])
    np.testing.assert_array_equal(local_minima(signal), [2, 5])
    assert len(local_minima(np.ones(5))) == 0
    assert len(local_minima(np.array([1.0, 0.0]))) == 0


def test_kinematic_beats_are_the_stops():
    joints = stop_and_go(200, period=20)
    np.testing.assert_array_equal(
        kinematic_beats(joints, fps=FPS), np.arange(20, 200, 20)
    )


def test_alignment_is_perfect_when_speed_minima_sit_on_the_beats():
    joints = stop_and_go(250, period=25)
    beats = np.arange(0, 250, 25)
    assert beat_alignment_ratio(kinematic_beats(joints, fps=FPS), beats) == 1.0


def test_alignment_drops_when_the_music_is_shifted_by_ten_frames():
    joints = stop_and_go(250, period=25)
    kinematic = kinematic_beats(joints, fps=FPS)
    beats = np.arange(0, 250, 25)
    assert beat_alignment_ratio(kinematic, beats + 10) == 0.0
    assert (
        beat_alignment_ratio(kinematic, beats + 5) == 1.0
    )  # the tolerance is inclusive
    assert beat_alignment_ratio(kinematic, beats + 6) == 0.0
    assert beat_alignment_ratio(kinematic, beats + 10, tolerance_frames=10) == 1.0


def test_alignment_counts_the_share_of_kinematic_beats():
    kinematic = np.array([10, 20, 30, 40])
    assert beat_alignment_ratio(kinematic, np.array([11, 38])) == 0.5
    assert beat_alignment_ratio(kinematic, np.array([], dtype=int)) == 0.0
    assert beat_alignment_ratio(np.array([], dtype=int), np.array([3])) == 0.0
    with pytest.raises(ParameterError):
        beat_alignment_ratio(kinematic, kinematic, tolerance_frames=-1)


def test_smoothing_removes_jitter_minima():
    rng = np.random.default_rng(0)
    joints = stop_and_go(300, period=25)
    joints += rng.normal(scale=5e-4, size=joints.shape)
    plain = kinematic_beats(joints, fps=FPS)
    smoothed = kinematic_beats(joints, fps=FPS, smoothing_frames=2.0)
    assert len(plain) > len(smoothed)
    beats = np.arange(0, 300, 25)
    assert beat_alignment_ratio(smoothed, beats, tolerance_frames=2) == 1.0
    assert len(smoothed) == len(beats) - 1  # every interior stop, nothing else


def test_gaussian_smooth_keeps_constants_and_spreads_spikes():
    np.testing.assert_allclose(gaussian_smooth(np.full(20, 3.0), sigma=2.0), 3.0)
    spike = np.zeros(41)
    spike[20] = 1.0
    out = gaussian_smooth(spike, sigma=3.0)
    assert out.argmax() == 20 and out.max() < 0.2 and out.sum() == pytest.approx(1.0)


def test_beat_frames_from_flags():
    flags = np.array([0.0, 1.0, 0.2, 0.9, 0.0])
    np.testing.assert_array_equal(beat_frames_from_flags(flags), [1, 3])


@pytest.mark.parametrize(
    "call",
    [
        lambda: joint_speed(np.zeros((1, 24, 3)), fps=FPS),
        lambda: joint_speed(np.zeros((10, 24)), fps=FPS),
        lambda: joint_speed(np.zeros((10, 24, 3)), fps=0),
        lambda: kinematic_beats(np.zeros((10, 24, 3)), fps=FPS, smoothing_frames=-1),
        lambda: local_minima(np.zeros((3, 3))),
        lambda: beat_frames_from_flags(np.zeros((3, 3))),
    ],
)
def test_bad_input_is_refused(call):
    with pytest.raises(ParameterError):
        call()
