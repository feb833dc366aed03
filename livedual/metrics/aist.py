"""The field's dance metrics: the AIST++ / Bailando protocol, in numpy.

Peers on AIST++ (Li et al., "AI Choreographer", ICCV 2021; Siyao et al., "Bailando",
CVPR 2022; Tseng et al., "EDGE", CVPR 2023) report

- **FID_k / FID_g**: the Fréchet distance between Gaussian fits of per-sequence
  *kinetic* and *geometric* feature vectors of generated and of real dances
  (:func:`frechet_distance` on :func:`kinetic_features` / :func:`geometric_features`,
  normalised by the real features' statistics, :func:`normalize_features`);
- **Div_k / Div_g**: the mean pairwise Euclidean distance between the (normalised)
  feature vectors of the generated dances (:func:`feature_diversity`);
- **BAS**: the beat align score (:func:`beat_align_score`).

The definitions follow the public code of the AIST++ API (``aist_plusplus/features/
kinetic.py``, ``manual.py``, ``utils.py``; the kinetic features after Onuma et al.,
"FMDistance", Eurographics 2008, the geometric ones after Müller et al., "Efficient
content-based retrieval of motion capture data", SIGGRAPH 2005) and of Bailando
(``utils/metrics_new.py``, ``utils/beat_align_score.py``), re-implemented here without
their loops. Their quirks are kept on purpose, so numbers stay comparable, and are named
where they occur. Published anchors (Bailando's table): AIST++ ground truth BAS 0.2374,
Bailando 0.2332, EDGE 0.2334.

The protocol works on 24 SMPL joint positions in metres, y up, at **60 fps**: resample a
25 fps dance first (:func:`livedual.pose.resample_pose`) before comparing numbers with
published ones; the frame rate is a parameter everywhere here, and the beat align score
scales its frame constants with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..const import AIST_FPS, N_JOINTS
from ..errors import ParameterError
from ..skeleton import JOINT_INDEX, SMPL_SKELETON

# --- kinetic features (AIST++ kinetic.py) ----------------------------------------------
KINETIC_WINDOW = 2  # frames on each side of the sliding velocity/acceleration average
KINETIC_PER_JOINT = (
    3  # horizontal kinetic energy, vertical kinetic energy, energy expenditure
)
KINETIC_DIM = N_JOINTS * KINETIC_PER_JOINT  # 72
UP_AXIS = 1  # y up
HORIZONTAL_AXES = (0, 2)

# --- geometric features (AIST++ manual.py) ----------------------------------------------
GEOMETRIC_DIM = 32
# The protocol divides a frame-to-frame displacement by a fixed 1/120 s whatever the
# frame rate; at its 60 fps that is twice the true speed. Scaling displacement * fps by
# this factor keeps the thresholds meaning the same at any frame rate.
GEOMETRIC_SPEED_FACTOR = 2.0

# --- normalisation and FID (Bailando metrics_new.py) ------------------------------------
NORMALIZE_EPS = 1e-10  # added to the reference standard deviation
# --- beat align score (Bailando beat_align_score.py), in seconds so any fps works --------
BAS_SMOOTH_SECONDS = (
    5 / AIST_FPS
)  # Gaussian smoothing of the joint speed: 5 frames at 60 fps
BAS_SIGMA_SECONDS = 3 / AIST_FPS  # width of the beat match: sigma = 3 frames at 60 fps
_GAUSSIAN_TRUNCATE = (
    4.0  # scipy.ndimage.gaussian_filter1d's default kernel radius, in sigmas
)


def kinetic_features(joints: np.ndarray, *, fps: float = AIST_FPS) -> np.ndarray:
    """AIST++ kinetic features of one dance: three energies per joint.

    For every joint and every frame ``i = 1 .. T-1`` the protocol averages the
    frame-to-frame velocity over a sliding window of +-2 frames (truncated at the ends)
    and the acceleration likewise; over the frames it then takes

    - the mean squared horizontal (x, z) average velocity (kinetic energy, horizontal),
    - the mean squared vertical (y) average velocity (kinetic energy, vertical),
    - the mean norm of the average acceleration (energy expenditure),

    each sum divided by ``T - 1`` (AIST++ ``extract_kinetic_features``, after Onuma et al.
    2008). Units: m^2/s^2, m^2/s^2, m/s^2.

    Parameters
    ----------
    joints : np.ndarray [shape=(T, 24, 3)]
        SMPL joint positions in metres, y up, ``T >= 4``.
    fps : float
        Frame rate in Hz (the protocol: 60).

    Returns
    -------
    features : np.ndarray [shape=(72,), float64]
        Joint-major: ``[h_0, v_0, e_0, h_1, v_1, e_1, ...]``.
    """
    joints = _check_smpl_joints(joints, min_frames=4)
    _check_fps(fps)
    n = len(joints)
    frames = np.arange(1, n)
    # Velocity window of frame i: displacements d[m] = p[m] - p[m-1], m in [i-2, i+2]
    # within [1, T-1]; their sum telescopes to p[hi] - p[lo - 1].
    lo = np.maximum(frames - KINETIC_WINDOW, 1)
    hi = np.minimum(frames + KINETIC_WINDOW, n - 1)
    velocity = (joints[hi] - joints[lo - 1]) / (hi - lo + 1)[:, None, None] * fps
    horizontal = np.sum(velocity[..., HORIZONTAL_AXES] ** 2, axis=-1).sum(0) / (n - 1)
    vertical = (velocity[..., UP_AXIS] ** 2).sum(0) / (n - 1)
    # Acceleration window: second differences a[m] = d[m+1] - d[m], m in [i-2, i+2]
    # within [1, T-2]; the sum telescopes to d[hi+1] - d[lo].
    lo_a = np.maximum(frames - KINETIC_WINDOW, 1)
    hi_a = np.minimum(frames + KINETIC_WINDOW, n - 2)
    displacement = np.diff(joints, axis=0, prepend=joints[:1])  # d[m] at index m
    summed = displacement[hi_a + 1] - displacement[lo_a]
    count = (hi_a - lo_a + 1)[:, None, None]
    acceleration = np.linalg.norm(summed / count, axis=-1) * fps**2
    expenditure = acceleration.sum(0) / (n - 1)
    return np.stack([horizontal, vertical, expenditure], axis=-1).reshape(-1)


# Geometric (boolean) features, in the protocol's order. Kinds (points in order):
#   move   (a, b, p)        velocity of p relative to a, along a->b, above the threshold
#   nmove  (a, b, c, p)     velocity of p relative to a, along the normal of (a, b, c)
#   plane  (a, b, c, p)     signed distance of p from the plane (a, b, c) above threshold
#   nplane (n1, n2, a, p)   distance of p from the plane through a with normal n1->n2
#   angle  (a, b, c, d)     angle between a->b and c->d strictly inside (low, high) degrees
#   fast   (p,)             speed of p above the threshold
# Thresholds are multiples of the humerus length "hl", shoulder width "sw" or hip width
# "hw" of the rest skeleton. Protocol quirk kept: its ``f_move`` measures the velocity of
# its third joint and ignores the fourth, so the two "move belly chest ..." features are
# identical and "move ... rwrist, lwrist" measure the third joint.


@dataclass(frozen=True)
class _Relation:
    """One geometric feature: its kind, its points and its threshold."""

    kind: str
    points: tuple[str, ...]
    # (factor, body length name) for distances and speeds; (low, high) degrees for angles
    threshold: tuple[float, str] | tuple[float, float]


_GEOMETRIC_TABLE: tuple[_Relation, ...] = (
    _Relation("nmove", ("neck", "right_hip", "left_hip", "right_wrist"), (1.8, "hl")),
    _Relation("nmove", ("neck", "left_hip", "right_hip", "left_wrist"), (1.8, "hl")),
    _Relation("nplane", ("spine3", "neck", "neck", "right_wrist"), (0.2, "hl")),
    _Relation("nplane", ("spine3", "neck", "neck", "left_wrist"), (0.2, "hl")),
    _Relation("move", ("spine1", "spine3", "spine3"), (1.8, "hl")),
    _Relation("move", ("spine1", "spine3", "spine3"), (1.8, "hl")),
    _Relation(
        "angle",
        ("right_elbow", "right_shoulder", "right_elbow", "right_wrist"),
        (0, 110),
    ),
    _Relation(
        "angle", ("left_elbow", "left_shoulder", "left_elbow", "left_wrist"), (0, 110)
    ),
    _Relation(
        "nplane",
        ("left_shoulder", "right_shoulder", "left_wrist", "right_wrist"),
        (2.5, "sw"),
    ),
    _Relation("move", ("left_wrist", "right_wrist", "right_wrist"), (1.4, "hl")),
    _Relation("move", ("right_wrist", "pelvis", "left_wrist"), (1.4, "hl")),
    _Relation("move", ("left_wrist", "pelvis", "right_wrist"), (1.4, "hl")),
    _Relation("fast", ("right_wrist",), (2.5, "hl")),
    _Relation("fast", ("left_wrist",), (2.5, "hl")),
    _Relation(
        "plane", ("pelvis", "left_hip", "left_foot", "right_ankle"), (0.38, "hl")
    ),
    _Relation(
        "plane", ("pelvis", "right_hip", "right_foot", "left_ankle"), (0.38, "hl")
    ),
    _Relation("nplane", ("@zero", "@up", "@ymin", "right_ankle"), (1.2, "hl")),
    _Relation("nplane", ("@zero", "@up", "@ymin", "left_ankle"), (1.2, "hl")),
    _Relation(
        "nplane", ("left_hip", "right_hip", "left_ankle", "right_ankle"), (2.1, "hw")
    ),
    _Relation(
        "angle", ("right_knee", "right_hip", "right_knee", "right_ankle"), (0, 110)
    ),
    _Relation("angle", ("left_knee", "left_hip", "left_knee", "left_ankle"), (0, 110)),
    _Relation("fast", ("right_ankle",), (2.5, "hl")),
    _Relation("fast", ("left_ankle",), (2.5, "hl")),
    _Relation("angle", ("neck", "pelvis", "right_shoulder", "right_elbow"), (25, 180)),
    _Relation("angle", ("neck", "pelvis", "left_shoulder", "left_elbow"), (25, 180)),
    _Relation("angle", ("neck", "pelvis", "right_hip", "right_knee"), (50, 180)),
    _Relation("angle", ("neck", "pelvis", "left_hip", "left_knee"), (50, 180)),
    _Relation("plane", ("right_ankle", "neck", "left_ankle", "pelvis"), (0.5, "hl")),
    _Relation("angle", ("neck", "pelvis", "@zero", "@up"), (70, 110)),
    _Relation("nplane", ("@zero", "@down", "@ymin", "right_wrist"), (-1.2, "hl")),
    _Relation("nplane", ("@zero", "@down", "@ymin", "left_wrist"), (-1.2, "hl")),
    _Relation("fast", ("pelvis",), (2.3, "hl")),
)


def _body_lengths() -> dict[str, float]:
    """Humerus length, shoulder width and hip width of the rest skeleton, metres."""
    rest = SMPL_SKELETON.rest_joints()

    def dist(a: str, b: str) -> float:
        return float(np.linalg.norm(rest[JOINT_INDEX[a]] - rest[JOINT_INDEX[b]]))

    return {
        "hl": dist("left_shoulder", "left_elbow"),
        "sw": dist("left_shoulder", "right_shoulder"),
        "hw": dist("left_hip", "right_hip"),
    }


_BODY = _body_lengths()


def geometric_features(joints: np.ndarray, *, fps: float = AIST_FPS) -> np.ndarray:
    """AIST++ geometric ("manual") features of one dance: 32 boolean relations, averaged.

    Each of the 32 relational features of Müller et al. 2005 (a hand in front of the
    body, a knee bent, a foot raised, a wrist moving fast...; the table
    ``_GEOMETRIC_TABLE`` lists them in the protocol's order) is evaluated at every frame
    ``1 .. T-1`` (velocities from the previous frame) and averaged over frames, as AIST++
    ``extract_manual_features`` does. Thresholds scale with the rest skeleton's humerus
    length (0.257 m), shoulder width (0.391 m) and hip width (0.119 m). Speeds are
    ``GEOMETRIC_SPEED_FACTOR`` x the true speed, as in the protocol at 60 fps.

    Parameters
    ----------
    joints : np.ndarray [shape=(T, 24, 3)]
        SMPL joint positions in metres, y up, ``T >= 2``.
    fps : float
        Frame rate in Hz (the protocol: 60).

    Returns
    -------
    features : np.ndarray [shape=(32,), float64]
        Share of frames where each relation holds, in [0, 1].
    """
    joints = _check_smpl_joints(joints, min_frames=2)
    _check_fps(fps)
    current, previous = (
        _with_virtual_points(joints[1:]),
        _with_virtual_points(joints[:-1]),
    )
    speed_scale = fps * GEOMETRIC_SPEED_FACTOR
    columns = [
        _geometric_relation(row, current, previous, speed_scale)
        for row in _GEOMETRIC_TABLE
    ]
    return np.stack(columns, axis=-1).astype(np.float64).mean(axis=0)


def normalize_features(
    reference: np.ndarray, generated: np.ndarray, *, std_floor: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """Standardise both feature sets with the reference set's mean and standard deviation.

    As Bailando's ``normalize``: ``(x - mean_ref) / (std_ref + 1e-10)``, population
    standard deviation, per feature. With few real dances a feature can be (nearly)
    constant over them, and any generated dance that differs then lands at 1e10
    standard deviations; ``std_floor`` bounds the divisor from below for such cases.

    Parameters
    ----------
    reference : np.ndarray [shape=(N, D)]
        Features of the real dances.
    generated : np.ndarray [shape=(M, D)]
        Features of the generated dances.
    std_floor : float
        Smallest standard deviation used, in the features' units (0: the protocol).

    Returns
    -------
    reference_normalized, generated_normalized : np.ndarray
        Same shapes, float64.
    """
    reference = _check_feature_set(reference, "reference", min_rows=1)
    generated = _check_feature_set(generated, "generated", min_rows=1)
    if reference.shape[1] != generated.shape[1]:
        raise ParameterError(
            f"feature sets differ in width: {reference.shape[1]} and {generated.shape[1]}."
        )
    if std_floor < 0:
        raise ParameterError(f"std_floor must be >= 0, got {std_floor}.")
    mean = reference.mean(axis=0)
    std = np.maximum(reference.std(axis=0), std_floor) + NORMALIZE_EPS
    return (reference - mean) / std, (generated - mean) / std


def frechet_distance(features_a: np.ndarray, features_b: np.ndarray) -> float:
    """Fréchet distance between Gaussian fits of two feature sets (FID).

    ``|mu_a - mu_b|^2 + tr(S_a) + tr(S_b) - 2 tr((S_a S_b)^(1/2))`` with sample means and
    unbiased covariances (Heusel et al. 2017; Bailando's ``calc_fid``). The trace of the
    matrix square root is computed as the sum of the square roots of the eigenvalues of
    ``S_a^(1/2) S_b S_a^(1/2)`` (symmetric, positive semi-definite), by eigen-
    decompositions, so it needs no ``sqrtm`` and has no imaginary residue.

    Parameters
    ----------
    features_a : np.ndarray [shape=(N, D)], N >= 2
    features_b : np.ndarray [shape=(M, D)], M >= 2

    Returns
    -------
    fid : float
        >= 0 (tiny negative rounding clipped); 0 for identical sets.
    """
    a = _check_feature_set(features_a, "features_a", min_rows=2)
    b = _check_feature_set(features_b, "features_b", min_rows=2)
    if a.shape[1] != b.shape[1]:
        raise ParameterError(
            f"feature sets differ in width: {a.shape[1]} and {b.shape[1]}."
        )
    mean_a, mean_b = a.mean(axis=0), b.mean(axis=0)
    cov_a, cov_b = (
        np.atleast_2d(np.cov(a, rowvar=False)),
        np.atleast_2d(np.cov(b, rowvar=False)),
    )
    root_a = _psd_sqrt(cov_a)
    cross = np.linalg.eigvalsh(root_a @ cov_b @ root_a)
    trace_root = np.sqrt(np.clip(cross, 0.0, None)).sum()
    value = (
        np.sum((mean_a - mean_b) ** 2)
        + np.trace(cov_a)
        + np.trace(cov_b)
        - 2 * trace_root
    )
    return float(max(value, 0.0))


def feature_diversity(features: np.ndarray) -> float:
    """Mean pairwise Euclidean distance between feature vectors (Div_k, Div_g).

    Over all ``N (N - 1) / 2`` unordered pairs, as Bailando's ``calculate_avg_distance``;
    pass normalised features (:func:`normalize_features`) as the protocol does.

    Parameters
    ----------
    features : np.ndarray [shape=(N, D)], N >= 2

    Returns
    -------
    diversity : float
        0 for identical vectors.
    """
    x = _check_feature_set(features, "features", min_rows=2)
    squared = np.sum(x**2, axis=1)
    d2 = np.maximum(squared[:, None] + squared[None, :] - 2 * x @ x.T, 0.0)
    upper = np.triu_indices(len(x), k=1)
    return float(np.sqrt(d2[upper]).mean())


def motion_beats_bailando(joints: np.ndarray, *, fps: float = AIST_FPS) -> np.ndarray:
    """Kinematic beats as Bailando finds them: minima of the smoothed joint speed.

    Mean over joints of the frame-to-frame displacement (``T - 1`` values, frame ``i``
    holding the step from ``i`` to ``i + 1``), Gaussian-smoothed with sigma = 5 frames at
    60 fps (``scipy.ndimage.gaussian_filter`` defaults: mirror-reflected ends, kernel cut
    at 4 sigma), then every strict local minimum.

    Parameters
    ----------
    joints : np.ndarray [shape=(T, J, 3)]
        Joint positions, ``T >= 2``.
    fps : float
        Frame rate in Hz.

    Returns
    -------
    frames : np.ndarray [shape=(K,), int]
    """
    joints = np.asarray(joints, dtype=np.float64)
    if joints.ndim != 3 or joints.shape[-1] != 3 or len(joints) < 2:
        raise ParameterError(
            f"joints must have shape (T >= 2, J, 3), got {joints.shape}."
        )
    _check_fps(fps)
    speed = np.linalg.norm(np.diff(joints, axis=0), axis=-1).mean(axis=1)
    smooth = _gaussian_reflect(speed, sigma=BAS_SMOOTH_SECONDS * fps)
    inner = np.arange(1, len(smooth) - 1)
    is_min = (smooth[inner] < smooth[inner - 1]) & (smooth[inner] < smooth[inner + 1])
    return inner[is_min]


def beat_align_score(
    joints: np.ndarray, music_beats: np.ndarray, *, fps: float = AIST_FPS
) -> float:
    """Bailando's beat align score (BAS): how close each music beat is to a motion beat.

    ``BAS = mean over music beats b of exp(-min_k (m_k - b)^2 / (2 sigma^2))`` with ``m_k``
    the motion beats of :func:`motion_beats_bailando` and sigma = 3 frames at 60 fps
    (Siyao et al. 2022, ``utils/beat_align_score.py``). Unlike the paper's ratio it runs
    over *music* beats. Anchors: AIST++ ground truth 0.2374, Bailando 0.2332, EDGE 0.2334.

    Parameters
    ----------
    joints : np.ndarray [shape=(T, J, 3)]
        Joint positions (metres; the scale does not matter).
    music_beats : np.ndarray [shape=(B,)]
        Music beat frames at ``fps`` (the protocol: the beats of the music features,
        cut to the dance's length).
    fps : float
        Frame rate in Hz.

    Returns
    -------
    score : float
        In [0, 1]; 0.0 with no music beat or no motion beat.
    """
    motion = motion_beats_bailando(joints, fps=fps).astype(np.float64)
    music = np.asarray(music_beats, dtype=np.float64).ravel()
    if len(music) == 0 or len(motion) == 0:
        return 0.0
    nearest = np.min(np.abs(music[:, None] - motion[None, :]), axis=1)
    sigma = BAS_SIGMA_SECONDS * fps
    return float(np.mean(np.exp(-(nearest**2) / (2 * sigma**2))))


@dataclass(frozen=True)
class AistMetrics:
    """The AIST++ protocol numbers of a set of generated dances against real ones.

    Attributes
    ----------
    fid_k, fid_g : float
        Fréchet distances of the normalised kinetic / geometric features.
    div_k, div_g : float
        Diversities of the generated dances' normalised features.
    div_k_real, div_g_real : float
        The same diversities for the real dances (the ceiling to compare with).
    """

    fid_k: float
    fid_g: float
    div_k: float
    div_g: float
    div_k_real: float
    div_g_real: float


def aist_metrics(
    generated: Sequence[np.ndarray],
    real: Sequence[np.ndarray],
    *,
    fps: float = AIST_FPS,
    geometric_std_floor: float = 0.0,
) -> AistMetrics:
    """FID_k, FID_g, Div_k, Div_g of generated dances against real dances.

    Features per dance (:func:`kinetic_features`, :func:`geometric_features`), both sets
    normalised by the real set's statistics (:func:`normalize_features`), then
    :func:`frechet_distance` and :func:`feature_diversity`, as Bailando's
    ``quantized_metrics``.

    Parameters
    ----------
    generated, real : sequence of np.ndarray [shape=(T_i, 24, 3)]
        At least two dances each, SMPL joint positions in metres.
    fps : float
        Frame rate in Hz (60 to compare with published numbers).
    geometric_std_floor : float
        Floor of the geometric features' standard deviation (a share of frames), see
        :func:`normalize_features`; 0 reproduces the protocol exactly.

    Returns
    -------
    metrics : AistMetrics
    """
    if len(generated) < 2 or len(real) < 2:
        raise ParameterError(
            f"need at least two generated and two real dances, got {len(generated)} and "
            f"{len(real)}."
        )
    gen_k = np.stack([kinetic_features(j, fps=fps) for j in generated])
    gen_g = np.stack([geometric_features(j, fps=fps) for j in generated])
    real_k = np.stack([kinetic_features(j, fps=fps) for j in real])
    real_g = np.stack([geometric_features(j, fps=fps) for j in real])
    real_k, gen_k = normalize_features(real_k, gen_k)
    real_g, gen_g = normalize_features(real_g, gen_g, std_floor=geometric_std_floor)
    return AistMetrics(
        fid_k=frechet_distance(gen_k, real_k),
        fid_g=frechet_distance(gen_g, real_g),
        div_k=feature_diversity(gen_k),
        div_g=feature_diversity(gen_g),
        div_k_real=feature_diversity(real_k),
        div_g_real=feature_diversity(real_g),
    )


# --- helpers -------------------------------------------------------------------------

_VIRTUAL = ("@zero", "@up", "@down", "@ymin")  # appended after the 24 joints


def _with_virtual_points(joints: np.ndarray) -> np.ndarray:
    """(F, 24, 3) joints plus the origin, +y, -y and (0, lowest joint height, 0)."""
    n = len(joints)
    extra = np.zeros((n, len(_VIRTUAL), 3))
    extra[:, 1, UP_AXIS] = 1.0
    extra[:, 2, UP_AXIS] = -1.0
    extra[:, 3, UP_AXIS] = joints[..., UP_AXIS].min(axis=1)
    return np.concatenate([joints, extra], axis=1)


def _point(name: str) -> int:
    """Column of a joint or virtual point in :func:`_with_virtual_points`' output."""
    if name.startswith("@"):
        return N_JOINTS + _VIRTUAL.index(name)
    return JOINT_INDEX[name]


def _unit_dot(vector: np.ndarray, direction: np.ndarray) -> np.ndarray:
    """Component of ``vector`` along ``direction`` (per frame)."""
    return np.sum(vector * direction, axis=-1) / np.linalg.norm(direction, axis=-1)


def _geometric_relation(
    relation: _Relation, current: np.ndarray, previous: np.ndarray, speed_scale: float
) -> np.ndarray:
    """One boolean relation of the table, per frame."""
    kind = relation.kind
    now = [current[:, _point(n)] for n in relation.points]
    before = [previous[:, _point(n)] for n in relation.points]
    if kind == "angle":
        low, high = (float(v) for v in relation.threshold)
        a, b, c, d = now
        cosine = _unit_dot(b - a, d - c) / np.linalg.norm(b - a, axis=-1)
        degrees = np.degrees(np.arccos(np.clip(cosine, -1.0, 1.0)))
        return (degrees > low) & (degrees < high)
    factor, length = relation.threshold
    threshold = float(factor) * _BODY[str(length)]
    if kind == "fast":
        step = np.linalg.norm(now[0] - before[0], axis=-1)
        return step * speed_scale > threshold
    if kind == "plane":
        a, b, c, p = now
        return _unit_dot(p - a, np.cross(c - a, b - a)) > threshold
    if kind == "nplane":
        n1, n2, a, p = now
        return _unit_dot(p - a, n2 - n1) > threshold
    # velocity of the last point relative to the first, between two frames
    relative = (now[-1] - now[0]) - (before[-1] - before[0])
    if kind == "move":
        a, b, _ = now
        return _unit_dot(relative, b - a) * speed_scale > threshold
    if kind == "nmove":
        a, b, c, _ = now
        return _unit_dot(relative, np.cross(c - a, b - a)) * speed_scale > threshold
    raise ParameterError(f"unknown geometric feature kind {kind!r}.")


def _psd_sqrt(matrix: np.ndarray) -> np.ndarray:
    """Square root of a symmetric positive semi-definite matrix (negatives clipped)."""
    values, vectors = np.linalg.eigh((matrix + matrix.T) / 2)
    return (vectors * np.sqrt(np.clip(values, 0.0, None))) @ vectors.T


def _gaussian_reflect(signal: np.ndarray, *, sigma: float) -> np.ndarray:
    """Gaussian smoothing with mirror-reflected ends and a 4-sigma kernel (scipy's)."""
    radius = int(_GAUSSIAN_TRUNCATE * sigma + 0.5)
    if radius < 1:
        return signal.copy()
    offsets = np.arange(-radius, radius + 1)
    kernel = np.exp(-0.5 * (offsets / sigma) ** 2)
    padded = np.pad(signal, radius, mode="symmetric")
    return np.convolve(padded, kernel / kernel.sum(), mode="valid")


def _check_smpl_joints(joints: np.ndarray, *, min_frames: int) -> np.ndarray:
    """SMPL joints as float64 (T, 24, 3)."""
    joints = np.asarray(joints, dtype=np.float64)
    if (
        joints.ndim != 3
        or joints.shape[1:] != (N_JOINTS, 3)
        or len(joints) < min_frames
    ):
        raise ParameterError(
            f"joints must have shape (T >= {min_frames}, {N_JOINTS}, 3), got {joints.shape}."
        )
    return joints


def _check_fps(fps: float) -> None:
    """A positive frame rate."""
    if fps <= 0:
        raise ParameterError(f"fps must be positive, not {fps}.")


def _check_feature_set(features: np.ndarray, name: str, *, min_rows: int) -> np.ndarray:
    """A 2-D float feature matrix with enough rows and finite values."""
    x = np.asarray(features, dtype=np.float64)
    if x.ndim != 2 or len(x) < min_rows or x.shape[1] < 1:
        raise ParameterError(
            f"{name} must have shape (N >= {min_rows}, D), got {x.shape}."
        )
    if not np.all(np.isfinite(x)):
        raise ParameterError(f"{name} holds NaN or infinite values.")
    return x
