"""Reconstruction losses of the paper: dance L_Y and music L_X (also used for the cycles).

- Dance: L1 on the root translation (metres, summed over x, y, z) plus the squared
  geodesic angle (radians²) of each joint rotation, averaged over the 24 joints; both
  averaged over frames and windows. Predicted 6D is made a rotation by Gram-Schmidt first.
- Music: L1 on the 12 chroma (averaged over bins) plus L1 on the beat. The prediction is
  G_D→M's output (probabilities); the target is the chroma and beat flag of the 53 raw
  music features.

The beat term comes in two forms (``beat_loss``):

- ``"l1"``: the paper's plain L1 averaged over all frames. Beat flags are sparse (one
  frame in 12 at 120 BPM), so predicting "no beat" everywhere already scores 0.08 and the
  generator learns exactly that: its beat output collapses to zero.
- ``"balanced"`` (default): half the mean L1 over the beat frames plus half the mean L1
  over the other frames, so missing every beat costs 0.5 whatever the tempo. A frame is
  then worth predicting as a beat once its beat probability exceeds the base rate, which
  gives peaks on (and around) the beats for the onset picker to find.
"""

from __future__ import annotations

import torch

from livedual.const import BEAT, CHROMA, MUSIC_OUT_BEAT, MUSIC_OUT_CHROMA

from .config import BEAT_LOSSES
from .rotation import geodesic_sq, rot6d_to_matrix, split_pose


def dance_loss_parts(
    pred: torch.Tensor, target: torch.Tensor
) -> dict[str, torch.Tensor]:
    """Translation and rotation terms of L_Y for poses [shape=(B, T, 147)], each a scalar."""
    pred_transl, pred_rot = split_pose(pred)
    true_transl, true_rot = split_pose(target)
    transl = (pred_transl - true_transl).abs().sum(-1).mean()
    rotation = geodesic_sq(rot6d_to_matrix(pred_rot), rot6d_to_matrix(true_rot)).mean()
    return {"transl": transl, "rotation": rotation}


def dance_loss(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """L_Y: translation L1 (m) + mean squared joint geodesic (rad²) for poses [shape=(B, T, 147)]."""
    parts = dance_loss_parts(pred, target)
    return parts["transl"] + parts["rotation"]


def music_targets(music: torch.Tensor) -> torch.Tensor:
    """The (chroma, beat) a G_D→M should produce [shape=(B, T, 13)] from raw features [shape=(B, T, 53)]."""
    return torch.cat(
        [music[..., CHROMA], music[..., BEAT : BEAT + 1]], dim=-1
    )  # (B, T, 12 + 1)


def beat_loss(
    pred: torch.Tensor, target: torch.Tensor, kind: str = "balanced"
) -> torch.Tensor:
    """Beat term of L_X for beat strengths and 0/1 flags of the same shape (see the module docstring)."""
    error = (pred - target).abs()
    if kind == "l1":
        return error.mean()
    if kind != "balanced":
        raise ValueError(f"unknown beat loss {kind!r}; choose one of {BEAT_LOSSES}")
    is_beat = target > 0.5
    on_beats = error[is_beat].mean() if is_beat.any() else error.new_zeros(())
    off_beats = error[~is_beat].mean() if (~is_beat).any() else error.new_zeros(())
    return 0.5 * (on_beats + off_beats)


def music_loss_parts(
    pred: torch.Tensor, target: torch.Tensor, *, beat: str = "balanced"
) -> dict[str, torch.Tensor]:
    """Chroma and beat terms of L_X for outputs and targets [shape=(B, T, 13)], each a scalar."""
    chroma = (pred[..., MUSIC_OUT_CHROMA] - target[..., MUSIC_OUT_CHROMA]).abs().mean()
    beat_term = beat_loss(pred[..., MUSIC_OUT_BEAT], target[..., MUSIC_OUT_BEAT], beat)
    return {"chroma": chroma, "beat": beat_term}


def music_loss(
    pred: torch.Tensor, target: torch.Tensor, *, beat: str = "balanced"
) -> torch.Tensor:
    """L_X: chroma L1 + beat term for outputs and targets [shape=(B, T, 13)]."""
    parts = music_loss_parts(pred, target, beat=beat)
    return parts["chroma"] + parts["beat"]
