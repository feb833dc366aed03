"""Metrics on constructed cases whose answers are known (livedual.metrics)."""

from __future__ import annotations

import numpy as np
import pytest

from livedual.errors import ParameterError
from livedual.metrics import aist, dance, music
from livedual.skeleton import FOOT_JOINTS, JOINT_INDEX, SMPL_SKELETON

FPS = 25.0
REST = SMPL_SKELETON.rest_joints()  # (24, 3) metres, feet near y = -0.95


def _still(n_frames: int) -> np.ndarray:
    """The rest pose held for ``n_frames`` frames."""
    return np.repeat(REST[None], n_frames, axis=0)


def _beat_motion(n_frames: int, period: float, *, phase: float = 0.0) -> np.ndarray:
    """Joints all moving along x; the speed is 0 exactly at frames phase + k * period."""
    t = np.arange(n_frames, dtype=np.float64) - phase
    x = t / period - np.sin(2 * np.pi * t / period) / (
        2 * np.pi
    )  # speed 1 - cos, min 0
    joints = _still(n_frames)
    joints[..., 0] += 0.5 * x[:, None]
    return joints


# --- the paper's metrics -----------------------------------------------------------------


def test_fd_is_zero_for_identical_and_the_offset_for_a_rigid_shift() -> None:
    rng = np.random.default_rng(0)
    motion = rng.normal(size=(30, 24, 3))
    assert dance.mean_joint_distance(motion, motion) == 0.0
    shifted = motion + np.array([0.03, 0.04, 0.0])  # 5 cm
    assert dance.mean_joint_distance(shifted, motion) == pytest.approx(5.0)
    assert dance.mean_joint_distance(shifted, motion, scale=1000.0) == pytest.approx(
        50.0
    )


def test_fd_rejects_mismatched_shapes() -> None:
    with pytest.raises(ParameterError):
        dance.mean_joint_distance(np.zeros((10, 24, 3)), np.zeros((11, 24, 3)))


def test_diversity_is_zero_for_identical_generations_and_the_mean_pair_distance() -> (
    None
):
    base = _beat_motion(40, 12)
    assert dance.generation_diversity(np.stack([base] * 5)) == 0.0
    step = np.array([0.0, 0.0, 0.1])  # 10 cm
    three = np.stack([base, base + step, base + 2 * step])
    # pairs: 10, 20, 10 cm
    assert dance.generation_diversity(three) == pytest.approx(40.0 / 3)
    trials = np.stack([three, np.stack([base] * 3)])  # second trial: no spread
    assert dance.generation_diversity(trials) == pytest.approx(20.0 / 3)


def test_diversity_needs_two_generations() -> None:
    with pytest.raises(ParameterError):
        dance.generation_diversity(np.zeros((1, 10, 24, 3)))


def test_beat_alignment_is_full_on_the_beats_and_drops_when_shifted() -> None:
    period = 24
    joints = _beat_motion(20 * period, period)
    beats = np.arange(period, 19 * period + 1, period)
    assert dance.paper_beat_alignment(joints, beats, fps=FPS) == 1.0
    assert dance.paper_beat_alignment(joints, beats + 10, fps=FPS) == 0.0


# --- physical sanity -----------------------------------------------------------------


def test_foot_skating_is_zero_standing_still_and_the_speed_when_sliding() -> None:
    still = dance.foot_skating(_still(50), fps=FPS)
    assert still.speed == 0.0
    assert still.contact_ratio > 0.0
    sliding = _still(50)
    sliding[..., 2] += (
        np.arange(50)[:, None] * 0.5 / FPS
    )  # whole body glides at 0.5 m/s
    result = dance.foot_skating(sliding, fps=FPS)
    assert result.speed == pytest.approx(0.5)
    assert result.contact_ratio == still.contact_ratio


def test_foot_skating_ignores_feet_in_the_air() -> None:
    joints = _still(50)
    floor = dance.estimate_floor(joints)
    joints[:, FOOT_JOINTS, 2] += np.arange(50)[:, None] * 0.02  # feet move...
    joints[:, FOOT_JOINTS, 1] += 0.5  # ...half a metre up
    result = dance.foot_skating(joints, fps=FPS, floor=floor)
    assert result.speed == 0.0 and result.contact_ratio == 0.0


def test_ground_penetration_finds_a_foot_below_the_floor() -> None:
    joints = _still(20)
    floor = dance.estimate_floor(joints)
    assert dance.ground_penetration(joints, floor=floor).max_depth == 0.0
    joints[5:10, JOINT_INDEX["left_foot"], 1] = floor - 0.03
    found = dance.ground_penetration(joints, floor=floor)
    assert found.max_depth == pytest.approx(0.03)
    assert found.frame_ratio == pytest.approx(5 / 20)
    assert found.mean_depth == pytest.approx(0.03 * 5 / 20)
    assert (
        dance.ground_penetration(joints, floor=floor, tolerance=0.05).max_depth == 0.0
    )


def test_joint_speed_stats_of_a_constant_velocity() -> None:
    joints = _still(30)
    joints[..., 0] += np.arange(30)[:, None] * 2.0 / FPS  # 2 m/s
    stats = dance.joint_speed_stats(joints, fps=FPS)
    assert stats.mean == pytest.approx(2.0)
    assert stats.max == pytest.approx(2.0)
    assert stats.p95 == pytest.approx(2.0)
    assert stats.mean_acceleration == pytest.approx(0.0, abs=1e-9)


# --- AIST++ / Bailando protocol ---------------------------------------------------------


def _kinetic_by_definition(joints: np.ndarray, fps: float) -> np.ndarray:
    """Kinetic features straight from their definition, frame by frame."""
    n, n_joints, _ = joints.shape
    out = np.zeros((n_joints, 3))
    for j in range(n_joints):
        p = joints[:, j]
        for i in range(1, n):
            vel = [p[m] - p[m - 1] for m in range(i - 2, i + 3) if 1 <= m <= n - 1]
            v = np.sum(vel, axis=0) / len(vel) * fps
            acc = [
                p[m + 1] - 2 * p[m] + p[m - 1]
                for m in range(i - 2, i + 3)
                if 1 <= m <= n - 2
            ]
            a = np.sum(acc, axis=0) / len(acc) * fps**2
            out[j] += [v[0] ** 2 + v[2] ** 2, v[1] ** 2, np.linalg.norm(a)]
    return (out / (n - 1)).reshape(-1)


def test_kinetic_features_match_their_definition() -> None:
    rng = np.random.default_rng(1)
    joints = REST + np.cumsum(rng.normal(scale=0.01, size=(15, 24, 3)), axis=0)
    np.testing.assert_allclose(
        aist.kinetic_features(joints, fps=60.0),
        _kinetic_by_definition(joints, 60.0),
        rtol=1e-10,
    )


def test_kinetic_features_of_a_glide() -> None:
    assert np.all(aist.kinetic_features(_still(20)) == 0.0)
    glide = _still(20)
    glide[..., 0] += np.arange(20)[:, None] * 1.5 / 60  # 1.5 m/s along x at 60 fps
    features = aist.kinetic_features(glide, fps=60.0).reshape(24, 3)
    np.testing.assert_allclose(features[:, 0], 1.5**2 * 19 / 19)
    np.testing.assert_allclose(features[:, 1:], 0.0, atol=1e-9)


def test_geometric_features_of_standing_and_lying() -> None:
    standing = aist.geometric_features(_still(10))
    assert standing.shape == (32,)
    assert np.all((standing >= 0) & (standing <= 1))
    upright = 28  # angle between neck->pelvis and the up axis inside (70, 110) degrees
    assert standing[upright] == 0.0
    lying_rotation = np.array(
        [[1.0, 0, 0], [0, 0, -1], [0, 1, 0]]
    )  # 90 degrees about x
    lying = aist.geometric_features(_still(10) @ lying_rotation.T)
    assert lying[upright] == 1.0


def test_geometric_fast_wrist_feature_fires_only_when_the_wrist_moves_fast() -> None:
    fast_right_wrist = 12
    joints = _still(10)
    assert aist.geometric_features(joints, fps=60.0)[fast_right_wrist] == 0.0
    joints[:, JOINT_INDEX["right_wrist"], 1] += np.arange(10) * 0.05  # 3 m/s at 60 fps
    assert aist.geometric_features(joints, fps=60.0)[fast_right_wrist] == 1.0


def test_fid_is_zero_for_identical_sets_and_grows_with_a_mean_shift() -> None:
    rng = np.random.default_rng(2)
    features = rng.normal(size=(200, 6)) @ rng.normal(size=(6, 6))
    assert aist.frechet_distance(features, features) == pytest.approx(0.0, abs=1e-7)
    values = []
    for shift in (0.5, 1.0, 2.0):
        moved = features + np.array([shift, 0, 0, 0, 0, 0])
        values.append(aist.frechet_distance(features, moved))
        assert values[-1] == pytest.approx(shift**2, rel=1e-6)
    assert values == sorted(values)


def test_fid_matches_the_closed_form_of_two_gaussians() -> None:
    # Equal means, covariances diag(a) and diag(b): FID = sum (sqrt(a) - sqrt(b))^2.
    rng = np.random.default_rng(3)
    white = rng.normal(size=(5000, 3))
    white = (white - white.mean(0)) @ np.linalg.inv(
        np.linalg.cholesky(np.cov(white.T))
    ).T
    a, b = np.array([1.0, 4.0, 9.0]), np.array([4.0, 1.0, 1.0])
    expected = np.sum((np.sqrt(a) - np.sqrt(b)) ** 2)
    got = aist.frechet_distance(white * np.sqrt(a), white * np.sqrt(b))
    assert got == pytest.approx(expected, rel=1e-6)


def test_feature_diversity_and_normalisation() -> None:
    assert aist.feature_diversity(np.ones((4, 3))) == 0.0
    assert aist.feature_diversity(np.array([[0.0, 0.0], [3.0, 4.0]])) == pytest.approx(
        5.0
    )
    rng = np.random.default_rng(4)
    reference = rng.normal(3.0, 2.0, size=(100, 5))
    ref_n, gen_n = aist.normalize_features(reference, reference + 2.0)
    np.testing.assert_allclose(ref_n.mean(0), 0.0, atol=1e-12)
    np.testing.assert_allclose(ref_n.std(0), 1.0, rtol=1e-8)
    np.testing.assert_allclose(
        gen_n - ref_n, np.broadcast_to(2.0 / reference.std(0), ref_n.shape), rtol=1e-8
    )


def test_bailando_smoothing_matches_scipy() -> None:
    ndimage = pytest.importorskip("scipy.ndimage")
    signal = np.random.default_rng(5).normal(size=200)
    for sigma in (5.0, 2.08):
        np.testing.assert_allclose(
            aist._gaussian_reflect(signal, sigma=sigma),
            ndimage.gaussian_filter1d(signal, sigma),
            atol=1e-12,
        )


def test_beat_align_score_is_one_on_the_beats_and_drops_when_shifted() -> None:
    period = 30
    # Bailando's speed at frame i is the step i -> i+1: put the speed minimum half a frame
    # after each beat so that the beat frame holds the unique minimum.
    joints = _beat_motion(12 * period, period, phase=0.5)
    beats = np.arange(period, 11 * period + 1, period)
    np.testing.assert_array_equal(aist.motion_beats_bailando(joints, fps=60.0), beats)
    assert aist.beat_align_score(joints, beats, fps=60.0) == pytest.approx(1.0)
    shifted = aist.beat_align_score(joints, beats + 10, fps=60.0)
    assert shifted == pytest.approx(np.exp(-(10**2) / (2 * 3**2)))


def test_aist_metrics_of_a_set_against_itself() -> None:
    rng = np.random.default_rng(6)
    dances = [
        REST + np.cumsum(rng.normal(scale=0.01, size=(40, 24, 3)), axis=0)
        for _ in range(6)
    ]
    result = aist.aist_metrics(dances, dances, fps=60.0)
    assert result.fid_k == pytest.approx(0.0, abs=1e-6)
    assert result.div_k == pytest.approx(result.div_k_real)
    assert result.div_k > 0


def test_std_floor_keeps_a_feature_constant_in_the_reference_finite() -> None:
    reference = np.array([[0.0, 1.0], [0.0, 2.0], [0.0, 3.0]])
    generated = np.array([[0.05, 2.0]])
    _, exact = aist.normalize_features(reference, generated)
    assert exact[0, 0] > 1e8  # the protocol: 0.05 / 1e-10
    _, floored = aist.normalize_features(reference, generated, std_floor=0.01)
    assert floored[0, 0] == pytest.approx(5.0)
    assert floored[0, 1] == pytest.approx(exact[0, 1])  # a varying feature is untouched
    with pytest.raises(ParameterError):
        aist.normalize_features(reference, generated, std_floor=-1.0)


# --- music -----------------------------------------------------------------------------


def _piece_in_c(n_frames: int, rng: np.random.Generator) -> np.ndarray:
    """A chroma sequence over C major's I-IV-V-I with some noise."""
    chords = [(0, 4, 7), (5, 9, 0), (7, 11, 2), (0, 4, 7)]
    chroma = rng.uniform(0, 0.2, size=(n_frames, 12))
    for t in range(n_frames):
        root, third, fifth = chords[(t // 10) % 4]
        chroma[t, [root, third, fifth]] += [1.0, 0.6, 0.8]
    return chroma


def test_key_estimation_finds_c_major_and_follows_transposition() -> None:
    piece = _piece_in_c(80, np.random.default_rng(7))
    assert music.estimate_key(piece) == 0
    for semitones in (2, 7, 11):
        assert music.estimate_key(np.roll(piece, semitones, axis=-1)) == semitones
    minor = np.roll(music.KK_MINOR, 9)  # A minor's own profile
    assert music.estimate_key(minor) == 12 + 9


def test_transpose_to_c_moves_the_tonic() -> None:
    d_major = np.zeros(12)
    d_major[2] = 1.0
    assert np.argmax(music.transpose_to_c(d_major, key=2)) == 0
    e_minor = np.zeros(12)
    e_minor[4] = 1.0
    assert np.argmax(music.transpose_to_c(e_minor, key=12 + 4)) == 9


def test_notes_accuracy_of_a_piece_against_itself_transposed_is_full() -> None:
    piece = _piece_in_c(80, np.random.default_rng(8))
    for level in music.LEVELS:
        assert (
            music.notes_accuracy(np.roll(piece, 5, axis=-1), piece, level=level) == 1.0
        )
    other = np.random.default_rng(9).uniform(size=(80, 12))
    assert music.notes_accuracy(other, piece) < 0.5


def test_music_metrics_reject_bad_chroma() -> None:
    with pytest.raises(ParameterError):
        music.estimate_key(np.zeros((5, 11)))
    with pytest.raises(ParameterError):
        music.notes_accuracy(-np.ones((5, 12)), np.ones((5, 12)))
    with pytest.raises(ParameterError):
        music.notes_accuracy(np.ones((5, 12)), np.ones((5, 12)), level="melody")
