"""Inverse kinematics from Dance-with-Melody positions to SMPL rotations.

Synthetic round trips (SMPL pose -> the dataset's 23 points -> fit -> the same joint
positions) and the real sequences of the dataset (fit error, left and right, smoothness).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from livedual.errors import ParameterError
from livedual.ik import (
    DWM_ARMS,
    DWM_HEAD_POINTS,
    DWM_LEGS,
    FITTED_JOINTS,
    IkFit,
    fit_dwm,
    repair_foot_labels,
    smooth_rotations,
    smpl_to_dwm,
)
from livedual.pose import axis_angle_to_matrix, geodesic_distance
from livedual.skeleton import JOINT_INDEX, forward_kinematics, global_rotations

FPS = 25
UP = np.array([0.0, 1.0, 0.0])
LEFT_HIP, RIGHT_HIP = JOINT_INDEX["left_hip"], JOINT_INDEX["right_hip"]
# Real sequences fitted in these tests: one per genre, and the two with tracking faults
# (C_4: toe and heel labels swapped for 31 frames; R_4: a wrist dropout bridged by
# straight lines); the report measures all 24.
REAL_SUBSET = ("DANCE_C_4", "DANCE_R_4", "DANCE_W_10")
MAX_MEAN_ERROR_M = 0.03  # over a sequence
MAX_FRAME_ERROR_M = 0.10  # any single frame
MAX_STEP_RAD = np.pi / 2  # no rotation may jump this far between frames (a flip would)
STEP_P999_RAD = np.radians(45.0)  # fast dance turns stay below this almost always


# --- synthetic motions ------------------------------------------------------------------


def synthetic_motion(n_frames: int = 150, *, amplitude: float = 0.35, seed: int = 0):
    """Plausible SMPL motion: every joint swings smoothly, knees and elbows bend as hinges,
    the body walks a circle while turning round (local rotations, translation in metres)."""
    rng = np.random.default_rng(seed)
    t = np.arange(n_frames) / FPS
    aa = np.zeros((n_frames, 24, 3))
    for j in range(24):
        for k in range(3):
            freq, phase = rng.uniform(0.2, 1.0), rng.uniform(0, 2 * np.pi)
            aa[:, j, k] = rng.uniform(0, amplitude) * np.sin(
                2 * np.pi * freq * t + phase
            )
    # Hinges: knees flex about +x (shin backward); elbows about y (forearm forward).
    for name, axis, sign in (
        ("left_knee", 0, 1.0),
        ("right_knee", 0, 1.0),
        ("left_elbow", 1, -1.0),
        ("right_elbow", 1, 1.0),
    ):
        j = JOINT_INDEX[name]
        aa[:, j] = 0.0
        aa[:, j, axis] = sign * (0.3 + 0.6 * (1 + np.sin(2 * np.pi * 0.5 * t + j)))
    aa[:, 0, 1] = np.linspace(0.0, 4.0, n_frames)  # turning round
    rotations = axis_angle_to_matrix(aa)
    transl = np.stack([np.sin(t), 0.05 * np.sin(3 * t), np.cos(t)], axis=-1)
    return rotations, transl


def fitted_positions_error(fit: IkFit, joints: np.ndarray) -> np.ndarray:
    """Distance (T, J) between the fit's FK and ``joints`` on the corresponding joints."""
    idx = list(FITTED_JOINTS)
    return np.linalg.norm(fit.joints[:, idx] - joints[:, idx], axis=-1)


def swap_sides(points: np.ndarray) -> np.ndarray:
    """The same point cloud with the file's side A and side B labels exchanged."""
    out = points.copy()
    pairs = list(zip(DWM_LEGS[0], DWM_LEGS[1])) + list(zip(DWM_ARMS[0], DWM_ARMS[1]))
    pairs.append(DWM_HEAD_POINTS)
    for a, b in pairs:
        out[:, [a, b]] = points[:, [b, a]]
    return out


def test_round_trip_reproduces_positions() -> None:
    rotations, transl = synthetic_motion()
    truth = forward_kinematics(rotations=rotations, transl=transl)
    joints, center = smpl_to_dwm(rotations=rotations, transl=transl)
    fit = fit_dwm(joints=joints, center=center)
    error = fitted_positions_error(fit, truth)
    assert error.mean() < 0.005 and error.max() < 0.015
    # Root translation follows the FK convention: pelvis = transl + root_rest.
    assert np.allclose(fit.joints[:, 0], truth[:, 0], atol=0.005)
    assert fit.pose.shape == (len(truth), 147) and fit.pose.dtype == np.float32


def test_round_trip_left_right_comes_from_the_data() -> None:
    rotations, transl = synthetic_motion(seed=1)
    truth = forward_kinematics(rotations=rotations, transl=transl)
    joints, center = smpl_to_dwm(rotations=rotations, transl=transl)
    # smpl_to_dwm writes the left side as the file's side B, as in the released data.
    assert (
        fit_dwm(joints=joints, center=center).layout.legs["left"][0] == DWM_LEGS[1][0]
    )
    # Relabel the sides: the fit must notice, and still reproduce the same body.
    fit = fit_dwm(joints=swap_sides(joints), center=center)
    assert fit.layout.legs["left"][0] == DWM_LEGS[0][0]
    assert fit.layout.arms["left"][0] == DWM_ARMS[0][0]
    assert fitted_positions_error(fit, truth).max() < 0.015


def test_twist_of_a_straight_arm_does_not_follow_noise() -> None:
    # The left arm held out nearly straight (3 degrees of elbow bend) while its bend
    # direction jumps at random every frame: the bend plane is noise, the upper arm's
    # twist must not follow it.
    n = 100
    rng = np.random.default_rng(2)
    aa = np.zeros((n, 24, 3))
    aa[:, JOINT_INDEX["left_shoulder"], 2] = np.linspace(-0.3, 0.3, n)  # slow raise
    bend_axis = rng.normal(size=(n, 3)) * np.array(
        [0.0, 1.0, 1.0]
    )  # perpendicular to the arm
    bend_axis /= np.linalg.norm(bend_axis, axis=-1, keepdims=True)
    aa[:, JOINT_INDEX["left_elbow"]] = np.radians(3.0) * bend_axis
    aa[:, JOINT_INDEX["left_knee"], 0] = 0.3  # bent knees give the legs a twist cue
    aa[:, JOINT_INDEX["right_knee"], 0] = 0.3
    rotations = axis_angle_to_matrix(aa)
    transl = np.zeros((n, 3))
    joints, center = smpl_to_dwm(rotations=rotations, transl=transl)
    fit = fit_dwm(joints=joints, center=center)
    world = global_rotations(fit.rotations)[:, JOINT_INDEX["left_shoulder"]]
    assert np.degrees(geodesic_distance(world[1:], world[:-1]).max()) < 5.0


def test_repair_foot_labels_undoes_a_swapped_stretch() -> None:
    rotations, transl = synthetic_motion(n_frames=60, seed=3)
    joints, _center = smpl_to_dwm(rotations=rotations, transl=transl)
    broken = joints.copy()
    _hip, _knee, _ankle, first, second = DWM_LEGS[0]
    broken[10:21, [first, second]] = joints[10:21, [second, first]]
    repaired, count = repair_foot_labels(broken)
    assert count == 11
    assert np.array_equal(repaired, joints)
    assert repair_foot_labels(joints)[1] == 0


def test_smooth_rotations() -> None:
    rng = np.random.default_rng(4)
    truth = axis_angle_to_matrix(
        np.array([0.0, 3.0, 0.0])
    )  # near a half turn: q and -q
    noisy = truth @ axis_angle_to_matrix(rng.normal(scale=0.05, size=(200, 3)))
    smoothed = smooth_rotations(noisy, sigma=2.0)
    assert (
        geodesic_distance(smoothed, truth).mean()
        < 0.6 * geodesic_distance(noisy, truth).mean()
    )
    constant = np.broadcast_to(truth, (10, 3, 3))
    assert np.allclose(smooth_rotations(constant, sigma=1.0), constant, atol=1e-12)
    assert np.array_equal(smooth_rotations(noisy, sigma=0.0), noisy)
    with pytest.raises(ParameterError):
        smooth_rotations(noisy, sigma=-1.0)


@pytest.mark.parametrize(
    "joints, center",
    [
        (np.zeros((5, 22, 3)), np.zeros((5, 3))),
        (np.zeros((5, 23, 3)), np.zeros((4, 3))),
        (np.full((5, 23, 3), np.nan), np.zeros((5, 3))),
        (np.zeros((0, 23, 3)), np.zeros((0, 3))),
    ],
)
def test_fit_rejects_bad_arrays(joints: np.ndarray, center: np.ndarray) -> None:
    with pytest.raises(ParameterError):
        fit_dwm(joints=joints, center=center)


# --- real sequences -------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_fits(dwm_root: Path) -> dict[str, tuple[np.ndarray, IkFit]]:
    """Fits of REAL_SUBSET, with the absolute data positions (metres) they were fitted to."""
    out = {}
    for name in REAL_SUBSET:
        data = json.loads((dwm_root / name / "skeletons.json").read_text())
        joints, center = np.asarray(data["skeletons"]), np.asarray(data["center"])
        points = (joints + center[:, None]) * 0.01
        out[name] = (points, fit_dwm(joints=joints, center=center))
    return out


@pytest.mark.data
@pytest.mark.parametrize("name", REAL_SUBSET)
def test_real_fit_error(real_fits: dict, name: str) -> None:
    _points, fit = real_fits[name]
    errors = fit.frame_errors()
    assert len(errors) == len(fit.transl) and np.isfinite(errors).all()
    assert errors.mean() <= MAX_MEAN_ERROR_M
    assert errors.max() <= MAX_FRAME_ERROR_M


@pytest.mark.data
@pytest.mark.parametrize("name", REAL_SUBSET)
def test_real_left_right_matches_the_facing_direction(
    real_fits: dict, name: str
) -> None:
    points, fit = real_fits[name]
    # The data's own facing direction, worked out here independently of the fit: the
    # toes are the foot point farther from the ankle, and the feet point forward.
    forward = np.zeros((len(points), 3))
    for _hip, _knee, ankle, a, b in DWM_LEGS:
        dist_a = np.median(np.linalg.norm(points[:, a] - points[:, ankle], axis=-1))
        dist_b = np.median(np.linalg.norm(points[:, b] - points[:, ankle], axis=-1))
        toe, heel = (a, b) if dist_a > dist_b else (b, a)
        forward += points[:, toe] - points[:, heel]
    forward[:, 1] = 0.0
    left = np.cross(UP, forward)
    fitted_hips = fit.joints[:, LEFT_HIP] - fit.joints[:, RIGHT_HIP]
    assert np.mean(np.sum(fitted_hips * left, axis=-1) > 0) > 0.95
    # The fitted body faces where the feet point (SMPL faces +z at rest).
    body_forward = global_rotations(fit.rotations)[:, 0] @ np.array([0.0, 0.0, 1.0])
    assert np.mean(np.sum(body_forward * forward, axis=-1) > 0) > 0.95


@pytest.mark.data
@pytest.mark.parametrize("name", REAL_SUBSET)
def test_real_rotations_are_smooth(real_fits: dict, name: str) -> None:
    _points, fit = real_fits[name]
    step = geodesic_distance(fit.rotations[1:], fit.rotations[:-1])  # (T - 1, 24)
    assert step.max() < MAX_STEP_RAD
    assert np.percentile(step, 99.9) < STEP_P999_RAD
    # The root travels like a dancer: under 5 m/s between frames.
    assert np.linalg.norm(np.diff(fit.transl, axis=0), axis=-1).max() * FPS < 5.0
