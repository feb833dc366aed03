"""Rotation conversions, the pose vector and resampling."""

from __future__ import annotations

import numpy as np
import pytest

from livedual.const import AIST_FPS, FPS, N_JOINTS, POSE_DIM
from livedual.errors import ParameterError
from livedual.pose import (
    axis_angle_to_matrix,
    axis_angle_to_quaternion,
    geodesic_distance,
    matrix_to_axis_angle,
    matrix_to_quaternion,
    matrix_to_rot6d,
    pack_pose,
    pose_from_axis_angle,
    pose_to_axis_angle,
    quaternion_slerp,
    quaternion_to_axis_angle,
    quaternion_to_matrix,
    resample_pose,
    resampled_length,
    rot6d_to_matrix,
    unpack_pose,
)

TOL = 1e-5


def random_axes(rng: np.random.Generator, n: int) -> np.ndarray:
    v = rng.normal(size=(n, 3))
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def hard_axis_angles(rng: np.random.Generator) -> np.ndarray:
    """Random rotations plus angles within 1e-6 of 0 and of pi, and exactly 0."""
    n = 200
    angles = np.concatenate(
        [
            rng.uniform(0, np.pi, n),
            rng.uniform(0, 1e-6, n),
            np.pi - rng.uniform(0, 1e-6, n),
            [0.0, np.pi - 1e-12, 1e-12],
        ]
    )
    return random_axes(rng, len(angles)) * angles[:, None]


def assert_rotation(R: np.ndarray, tol: float = TOL) -> None:
    eye = np.broadcast_to(np.eye(3), R.shape)
    np.testing.assert_allclose(np.swapaxes(R, -1, -2) @ R, eye, atol=tol)
    np.testing.assert_allclose(np.linalg.det(R), 1.0, atol=tol)


def test_rodrigues_matches_series_definition() -> None:
    # exp([v]x) by its power series, independent of the closed form.
    rng = np.random.default_rng(0)
    aa = random_axes(rng, 20) * rng.uniform(0, np.pi, (20, 1))
    for v, R in zip(aa, axis_angle_to_matrix(aa), strict=True):
        x, y, z = v
        k = np.array([[0, -z, y], [z, 0, -x], [-y, x, 0]])  # [v]x
        term, series = np.eye(3), np.eye(3)
        for i in range(1, 40):
            term = term @ k / i
            series = series + term
        np.testing.assert_allclose(R, series, atol=1e-12)


def test_6d_matrix_axis_angle_round_trip() -> None:
    aa = hard_axis_angles(np.random.default_rng(1))
    R = axis_angle_to_matrix(aa)
    R_back = rot6d_to_matrix(matrix_to_rot6d(R))
    np.testing.assert_allclose(R_back, R, atol=TOL)
    aa_back = matrix_to_axis_angle(R_back)
    np.testing.assert_allclose(axis_angle_to_matrix(aa_back), R, atol=TOL)
    # Away from pi (where axis and -axis coincide) the vector itself comes back.
    away = np.linalg.norm(aa, axis=1) < np.pi - 1e-3
    np.testing.assert_allclose(aa_back[away], aa[away], atol=TOL)
    # Near pi the angle is still exact and the axis is +-the original.
    near = ~away
    np.testing.assert_allclose(
        np.linalg.norm(aa_back[near], axis=1),
        np.linalg.norm(aa[near], axis=1),
        atol=TOL,
    )
    cos = np.abs(np.sum(aa_back[near] * aa[near], axis=1)) / (
        np.linalg.norm(aa_back[near], axis=1) * np.linalg.norm(aa[near], axis=1)
    )
    np.testing.assert_allclose(cos, 1.0, atol=TOL)


def test_quaternion_round_trips() -> None:
    aa = hard_axis_angles(np.random.default_rng(2))
    R = axis_angle_to_matrix(aa)
    q = matrix_to_quaternion(R)
    np.testing.assert_allclose(np.linalg.norm(q, axis=1), 1.0, atol=1e-12)
    assert (q[:, 0] >= 0).all()
    np.testing.assert_allclose(quaternion_to_matrix(q), R, atol=TOL)
    q2 = axis_angle_to_quaternion(aa)
    # Same rotation, same canonical sign (w = cos(angle/2) >= 0 for angles <= pi).
    np.testing.assert_allclose(q2, q, atol=TOL)
    np.testing.assert_allclose(
        axis_angle_to_matrix(quaternion_to_axis_angle(q)), R, atol=TOL
    )
    # q and -q are the same rotation.
    np.testing.assert_allclose(quaternion_to_matrix(-q), R, atol=1e-12)


def test_known_quaternion_and_matrix() -> None:
    # 90 degrees about z maps x to y.
    q = np.array([np.cos(np.pi / 4), 0.0, 0.0, np.sin(np.pi / 4)])
    R = quaternion_to_matrix(q)
    np.testing.assert_allclose(R @ [1.0, 0.0, 0.0], [0.0, 1.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(
        axis_angle_to_matrix(np.array([0, 0, np.pi / 2])), R, atol=1e-12
    )


def test_gram_schmidt_of_noisy_6d_is_a_rotation() -> None:
    rng = np.random.default_rng(3)
    r6 = matrix_to_rot6d(axis_angle_to_matrix(hard_axis_angles(rng)))
    noisy = r6 + rng.normal(scale=0.3, size=r6.shape)
    assert_rotation(rot6d_to_matrix(noisy), tol=1e-10)
    # Arbitrary vectors and degenerate ones (zero, parallel columns) too.
    wild = np.concatenate(
        [rng.normal(size=(100, 6)), np.zeros((1, 6)), np.tile([1.0, 2, 3], (1, 2))]
    )
    assert_rotation(rot6d_to_matrix(wild), tol=1e-10)


def test_gram_schmidt_keeps_the_first_column_direction() -> None:
    r6 = np.array([2.0, 0.0, 0.0, 1.0, 1.0, 0.0])
    np.testing.assert_allclose(rot6d_to_matrix(r6), np.eye(3), atol=1e-12)


def test_dtype_follows_input() -> None:
    aa = np.zeros((2, 3), dtype=np.float32)
    assert axis_angle_to_matrix(aa).dtype == np.float32
    assert axis_angle_to_matrix(aa.astype(np.float64)).dtype == np.float64


def test_geodesic_distance() -> None:
    rng = np.random.default_rng(4)
    R = axis_angle_to_matrix(hard_axis_angles(rng))
    np.testing.assert_allclose(geodesic_distance(R, R), 0.0, atol=1e-7)
    # A rotation about any axis by a known angle, composed on the right.
    angles = np.concatenate([rng.uniform(0, np.pi, 50), [1e-7, np.pi - 1e-7]])
    delta = axis_angle_to_matrix(random_axes(rng, len(angles)) * angles[:, None])
    np.testing.assert_allclose(
        geodesic_distance(R[: len(angles)], R[: len(angles)] @ delta), angles, atol=1e-7
    )
    # Symmetric.
    np.testing.assert_allclose(
        geodesic_distance(R[1:], R[:-1]), geodesic_distance(R[:-1], R[1:]), atol=1e-9
    )


def test_slerp_midpoint_and_shortest_path() -> None:
    q0 = np.array([1.0, 0.0, 0.0, 0.0])
    q1 = axis_angle_to_quaternion(np.array([0.0, 1.2, 0.0]))
    mid = quaternion_slerp(q0, q1, 0.5)
    np.testing.assert_allclose(
        quaternion_to_axis_angle(mid), [0.0, 0.6, 0.0], atol=1e-12
    )
    # -q1 is the same rotation: slerp must still take the 0.6 rad path.
    np.testing.assert_allclose(
        quaternion_to_matrix(quaternion_slerp(q0, -q1, 0.5)),
        quaternion_to_matrix(mid),
        atol=1e-12,
    )
    ends = quaternion_slerp(q0, q1, np.array([0.0, 1.0]))
    np.testing.assert_allclose(ends, [q0, q1], atol=1e-12)
    # Constant angular speed along the arc.
    t = np.linspace(0, 1, 7)
    path = quaternion_slerp(q0, q1, t)
    np.testing.assert_allclose(
        np.linalg.norm(quaternion_to_axis_angle(path), axis=1), 1.2 * t, atol=1e-12
    )


def random_pose(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    transl = rng.normal(size=(n, 3))
    aa = random_axes(rng, n * N_JOINTS).reshape(n, N_JOINTS, 3) * rng.uniform(
        0, 3, (n, N_JOINTS, 1)
    )
    return transl, aa


def test_pose_pack_unpack() -> None:
    transl, aa = random_pose(np.random.default_rng(5), 10)
    pose = pose_from_axis_angle(transl=transl, axis_angle=aa.reshape(10, -1))
    assert pose.shape == (10, POSE_DIM)
    t_back, R_back = unpack_pose(pose)
    np.testing.assert_allclose(t_back, transl)
    np.testing.assert_allclose(R_back, axis_angle_to_matrix(aa), atol=1e-12)
    np.testing.assert_allclose(
        pack_pose(transl=t_back, rotations=R_back), pose, atol=1e-12
    )
    _, aa_back = pose_to_axis_angle(pose)
    np.testing.assert_allclose(aa_back, aa, atol=1e-9)
    # Leading dimensions are free.
    assert unpack_pose(pose.reshape(2, 5, POSE_DIM))[1].shape == (2, 5, N_JOINTS, 3, 3)


@pytest.mark.parametrize(
    "call",
    [
        lambda: unpack_pose(np.zeros((4, 146))),
        lambda: pack_pose(
            transl=np.zeros((4, 3)), rotations=np.zeros((5, N_JOINTS, 3, 3))
        ),
        lambda: pose_from_axis_angle(
            transl=np.zeros((4, 3)), axis_angle=np.zeros((4, 23, 3))
        ),
        lambda: rot6d_to_matrix(np.zeros((4, 5))),
        lambda: resample_pose(np.zeros((0, POSE_DIM)), src_fps=60, dst_fps=25),
        lambda: resample_pose(np.zeros((5, POSE_DIM)), src_fps=0, dst_fps=25),
        lambda: resample_pose(np.zeros((2, 5, POSE_DIM)), src_fps=60, dst_fps=25),
    ],
)
def test_bad_shapes_raise(call) -> None:
    with pytest.raises(ParameterError):
        call()


def smooth_motion(n: int, fps: float) -> tuple[np.ndarray, np.ndarray]:
    """A pose sequence whose joints turn at constant angular speed about fixed axes."""
    rng = np.random.default_rng(6)
    axes = random_axes(rng, N_JOINTS)
    speed = rng.uniform(0.5, 3.0, N_JOINTS)  # rad/s
    t = np.arange(n) / fps
    aa = axes[None] * (speed[None] * t[:, None] % (2 * np.pi))[..., None]
    transl = np.stack([np.sin(t), 0.1 * t, np.cos(2 * t)], axis=1)
    return pose_from_axis_angle(transl=transl, axis_angle=aa), t


@pytest.mark.parametrize("n", [1, 2, 13, 576, 1919])
def test_resample_60_to_25_keeps_duration(n: int) -> None:
    pose, _ = smooth_motion(n, AIST_FPS)
    out = resample_pose(pose, src_fps=AIST_FPS, dst_fps=FPS)
    assert out.shape == (resampled_length(n, src_fps=AIST_FPS, dst_fps=FPS), POSE_DIM)
    src_duration = (n - 1) / AIST_FPS
    dst_duration = (len(out) - 1) / FPS
    assert 0 <= src_duration - dst_duration < 1 / FPS


def test_resample_interpolates_rotations_and_translation() -> None:
    pose, _ = smooth_motion(600, AIST_FPS)
    out = resample_pose(pose.astype(np.float32), src_fps=AIST_FPS, dst_fps=FPS)
    assert out.dtype == np.float32
    # Ground truth: the same motion sampled directly at 25 fps.
    expected, _ = smooth_motion(len(out), FPS)
    t_out, R_out = unpack_pose(out)
    t_exp, R_exp = unpack_pose(expected)
    # Linear interpolation of a smooth path is off by at most ~h^2/8 * max|x''|.
    np.testing.assert_allclose(t_out, t_exp, atol=2e-4)
    # Slerp between samples of a constant-speed rotation is exact (up to float32).
    assert geodesic_distance(R_out, R_exp).max() < 1e-3


def test_resample_takes_short_way_across_sign_flips() -> None:
    # Quaternions of consecutive frames may come with opposite signs (each conversion
    # canonicalises w >= 0); a rotation about z through pi must still advance smoothly.
    angles = np.linspace(np.pi - 0.3, np.pi + 0.3, 61)
    aa = np.zeros((61, N_JOINTS, 3))
    aa[:, 0, 2] = angles
    pose = pose_from_axis_angle(transl=np.zeros((61, 3)), axis_angle=aa)
    out = resample_pose(pose, src_fps=60, dst_fps=25)
    _, R = unpack_pose(out)
    steps = geodesic_distance(R[1:, 0], R[:-1, 0])
    np.testing.assert_allclose(steps, 0.6 / 60 * 60 / 25, atol=1e-6)


def test_upsampling_keeps_source_frames() -> None:
    pose, _ = smooth_motion(26, FPS)
    out = resample_pose(pose, src_fps=FPS, dst_fps=2 * FPS)
    assert len(out) == 51
    np.testing.assert_allclose(out[::2], pose, atol=1e-9)
