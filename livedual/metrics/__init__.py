"""Evaluation metrics of livedual (DESIGN §5), numpy only.

- :mod:`.dance` — the paper's FD (mean joint distance, cm), diversity and beat alignment
  ratio; physical sanity (foot skating, ground penetration, joint-speed statistics).
- :mod:`.aist` — the AIST++ / Bailando protocol: kinetic and geometric features, FID_k,
  FID_g, Div_k, Div_g and the beat align score.
- :mod:`.music` — Krumhansl-Schmuckler key estimation and the paper's notes accuracy.
- :mod:`.rhythm_sync` — a phase-sensitive rhythm measure (beat-locking index), chance
  baselines and separation statistics.
"""

from __future__ import annotations

from .aist import (
    AistMetrics,
    aist_metrics,
    beat_align_score,
    feature_diversity,
    frechet_distance,
    geometric_features,
    kinetic_features,
    normalize_features,
)
from .dance import (
    FootSkating,
    GroundPenetration,
    SpeedStats,
    estimate_floor,
    foot_skating,
    generation_diversity,
    ground_penetration,
    joint_speed_stats,
    mean_joint_distance,
    paper_beat_alignment,
)
from .music import estimate_key, notes_accuracy, transpose_to_c
from .rhythm_sync import (
    auc,
    beat_locking_index,
    beat_phase_consistency,
    cohens_d,
    permutation_p_value,
    random_walk_like,
    shift_beats,
)

__all__ = [
    "AistMetrics",
    "FootSkating",
    "GroundPenetration",
    "SpeedStats",
    "aist_metrics",
    "auc",
    "beat_align_score",
    "beat_locking_index",
    "beat_phase_consistency",
    "cohens_d",
    "estimate_floor",
    "estimate_key",
    "feature_diversity",
    "foot_skating",
    "frechet_distance",
    "generation_diversity",
    "geometric_features",
    "ground_penetration",
    "joint_speed_stats",
    "kinetic_features",
    "mean_joint_distance",
    "normalize_features",
    "notes_accuracy",
    "paper_beat_alignment",
    "permutation_p_value",
    "random_walk_like",
    "shift_beats",
    "transpose_to_c",
]
