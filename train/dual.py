"""Both generators and the paper's objective for one batch, as one module (what DDP wraps).

Per batch of paired windows (music x, dance y):

- rec_dance = L_Y(G_M→D(x), y) and rec_music = L_X(G_D→M(y), chroma and beat of x);
- gw = entropic GW between G_M→D's music embeddings and G_D→M's dance embeddings;
- cyc_music = L_X(G_D→M(G_M→D(x)), x) (M→D→M) and cyc_dance = L_Y(G_M→D(G_D→M(y)), y)
  (D→M→D), reusing the reconstructions as the first leg.

The paper's update rule: G_M→D minimises rec_dance + gw + cyc_dance, G_D→M minimises
rec_music + cyc_music. Each loss reaches only its own generator: the first leg of each
cycle and the dance embeddings in GW are detached, so one backward pass of the sum
gives each optimizer exactly its own gradients.

G_M→D reads 53 music features but G_D→M writes 13 (chroma, beat). For D→M→D the
generated chroma and beat go into their slots and the 40 MFCC values are the training
mean (``cycle_mfcc="mean"``: neutral timbre, nothing about the true music leaks in) or
the true MFCCs (``"real"``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import nn

from livedual.const import BEAT, CHROMA, MUSIC_OUT_BEAT, MUSIC_OUT_CHROMA

from .config import TrainConfig
from .gw import MIN_BATCH, GWOptions, gw_embedding_loss
from .losses import dance_loss_parts, music_loss_parts, music_targets
from .model import DanceToMusic, ModelArgs, MusicToDance, preset
from .rotation import normalise_pose


@dataclass(frozen=True)
class LossOptions:
    """Which terms of the objective are on, and their weights."""

    gw: bool = True
    cycle: bool = True
    gw_weight: float = 1.0
    cycle_weight: float = 1.0
    cycle_mfcc: str = "mean"
    beat_loss: str = "balanced"
    gw_options: GWOptions = field(default_factory=GWOptions)

    @classmethod
    def from_config(cls, cfg: TrainConfig) -> LossOptions:
        gw_options = GWOptions(
            epsilon=cfg.gw_epsilon,
            outer_iters=cfg.gw_outer_iters,
            sinkhorn_iters=cfg.gw_sinkhorn_iters,
            cost_scale=cfg.gw_cost_scale,
            metric=cfg.gw_metric,
            warm_start=cfg.gw_warm_start,
        )
        return cls(
            cfg.gw,
            cfg.cycle,
            cfg.gw_weight,
            cfg.cycle_weight,
            cfg.cycle_mfcc,
            cfg.beat_loss,
            gw_options,
        )


class DualModel(nn.Module):
    """G_M→D and G_D→M with the dual-learning objective; ``forward`` returns the losses."""

    def __init__(
        self,
        music2dance: ModelArgs,
        dance2music: ModelArgs,
        options: LossOptions = LossOptions(),
    ) -> None:
        super().__init__()
        self.music2dance = MusicToDance(music2dance)
        self.dance2music = DanceToMusic(dance2music)
        self.options = options

    @classmethod
    def from_preset(cls, name: str, options: LossOptions = LossOptions()) -> DualModel:
        return cls(preset(name, "music2dance"), preset(name, "dance2music"), options)

    def set_stats(self, stats: dict) -> None:
        """Set both generators' normalisation statistics (see :func:`livedual.train.data.data_stats`)."""
        self.music2dance.set_stats(**stats)
        self.dance2music.set_stats(**stats)

    def generated_music_features(
        self, music_out: torch.Tensor, music: torch.Tensor
    ) -> torch.Tensor:
        """53 features [shape=(B, T, 53)] for G_M→D from G_D→M's output [shape=(B, T, 13)]."""
        if self.options.cycle_mfcc == "real":
            features = music.clone()
        else:
            features = self.music2dance.in_norm.mean.expand_as(music).clone()
        features[..., CHROMA] = music_out[..., MUSIC_OUT_CHROMA]
        features[..., BEAT] = music_out[..., MUSIC_OUT_BEAT]
        return features

    def forward(
        self,
        music: torch.Tensor,
        pose: torch.Tensor,
        start: torch.Tensor,
        chord: torch.Tensor,
        *,
        all_terms: bool = False,
        generator: torch.Generator | None = None,
    ) -> dict[str, torch.Tensor]:
        """Losses of one batch.

        Parameters
        ----------
        music : torch.Tensor [shape=(B, 75, 53)]
            Raw music features.
        pose : torch.Tensor [shape=(B, 75, 147)]
            Poses.
        start : torch.Tensor [shape=(B, 147)]
            G_M→D's start tokens: the pose just before each window
            (:func:`livedual.train.data.start_poses`).
        chord : torch.Tensor [shape=(B,)]
            Start chord ids of G_D→M.
        all_terms : bool
            Compute switched-off terms too (for validation); they stay out of the totals.
        generator : torch.Generator, optional
            Source of the diversity vectors (fixed for validation).

        Returns
        -------
        losses : dict of str to scalar torch.Tensor
            ``"music2dance"`` and ``"dance2music"`` (each generator's objective) and
            the terms: rec_dance (+ _transl, _rotation), rec_music (+ _chroma, _beat),
            gw, cyc_dance, cyc_music.
        """
        outputs = self._generate(
            music,
            pose,
            start,
            chord,
            cycle=self.options.cycle or all_terms,
            generator=generator,
        )
        # The losses (Gram-Schmidt, geodesics, GW) run in float32 even under autocast.
        with torch.autocast(device_type=music.device.type, enabled=False):
            terms = self._terms(outputs, music, pose, gw=self.options.gw or all_terms)
        return terms | self._objectives(terms)

    def _generate(
        self,
        music: torch.Tensor,
        pose: torch.Tensor,
        start_pose: torch.Tensor,
        chord: torch.Tensor,
        *,
        cycle: bool,
        generator: torch.Generator | None,
    ) -> dict[str, torch.Tensor]:
        """Every generator pass of the step: reconstructions, embeddings and cycles."""
        m2d, d2m = self.music2dance, self.dance2music
        batch = len(music)
        dance_hat, music_emb = m2d.forward_with_embedding(
            music, start_pose, m2d.sample_seed(batch, generator=generator)
        )
        music_hat, dance_emb = d2m.forward_with_embedding(
            pose, chord, d2m.sample_seed(batch, generator=generator)
        )
        out = {
            "dance": dance_hat,
            "music": music_hat,
            "music_emb": music_emb,
            "dance_emb": dance_emb,
        }
        if cycle:
            # M->D->M: G_D->M reads the generated dance (made valid rotations).
            dance_in = normalise_pose(dance_hat.detach().float())
            out["music_cycle"] = d2m(
                dance_in, chord, d2m.sample_seed(batch, generator=generator)
            )
            # D->M->D: G_M->D reads the generated chroma and beat.
            music_in = self.generated_music_features(music_hat.detach().float(), music)
            out["dance_cycle"] = m2d(
                music_in, start_pose, m2d.sample_seed(batch, generator=generator)
            )
        return out

    def _terms(
        self,
        out: dict[str, torch.Tensor],
        music: torch.Tensor,
        pose: torch.Tensor,
        *,
        gw: bool,
    ) -> dict[str, torch.Tensor]:
        """Loss terms of the generated outputs, in float32."""
        target = music_targets(music)  # (B, T, 13)
        beat = self.options.beat_loss
        terms = _prefixed("rec_dance", dance_loss_parts(out["dance"].float(), pose))
        terms |= _prefixed(
            "rec_music", music_loss_parts(out["music"].float(), target, beat=beat)
        )
        if gw and len(music) >= MIN_BATCH:
            terms["gw"] = gw_embedding_loss(
                out["music_emb"],
                out["dance_emb"].detach(),
                options=self.options.gw_options,
            )
        if "music_cycle" in out:
            terms["cyc_music"] = _total(
                music_loss_parts(out["music_cycle"].float(), target, beat=beat)
            )
            terms["cyc_dance"] = _total(
                dance_loss_parts(out["dance_cycle"].float(), pose)
            )
        return terms

    def _objectives(self, terms: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """The update rule: what each generator minimises."""
        opt = self.options
        to_dance, to_music = terms["rec_dance"], terms["rec_music"]
        if opt.gw and "gw" in terms:
            to_dance = to_dance + opt.gw_weight * terms["gw"]
        if opt.cycle:
            to_dance = to_dance + opt.cycle_weight * terms["cyc_dance"]
            to_music = to_music + opt.cycle_weight * terms["cyc_music"]
        return {"music2dance": to_dance, "dance2music": to_music}


def _total(parts: dict[str, torch.Tensor]) -> torch.Tensor:
    return torch.stack(list(parts.values())).sum()


def _prefixed(name: str, parts: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """``{name: sum, name_part: part, ...}``."""
    return {name: _total(parts)} | {f"{name}_{k}": v for k, v in parts.items()}
