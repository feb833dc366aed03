"""One training step of both generators on the CPU, and the share of it spent in the
Gromov-Wasserstein loss.

The step is the trainer's own (:func:`livedual.train.trainer.train_step`: both
generators forward, reconstructions, cycles, GW, one backward pass, clipping, two Adam
updates) on paired windows of a synthetic song. The GW case times what GW adds to it:
the plan (20 projections of 30 log-domain Sinkhorn iterations, no gradient) and the GW
objective's forward and backward pass down to the embeddings, on embeddings of the
generators' widths. A step with GW switched off is timed beside them as a cross-check.
"""

from __future__ import annotations

from typing import Any

from . import fixtures
from .harness import Case, Context, Prepared, Ratio, Target

TRAIN = ("torch",)
BATCH = 16  # the paper's batch
QUICK_BATCH = 4  # GW needs at least 3
GW_SHARE_TARGET = 0.10  # at most this share of a step in the GW loss
REPEAT = 3  # a paper-size step takes tens of seconds on a 2-core CPU


def _preset(ctx: Context) -> str:
    return "tiny" if ctx.quick else "paper"


def _batch_size(ctx: Context) -> int:
    return QUICK_BATCH if ctx.quick else BATCH


def _config(ctx: Context, *, gw: bool) -> Any:
    from livedual.train.config import preset_config

    return preset_config(
        _preset(ctx),
        out=str(ctx.workdir / "train"),
        device="cpu",
        batch_size=_batch_size(ctx),
        gw=gw,
        progress=False,
        tensorboard=False,
    )


def _step_setup(*, gw: bool) -> Any:
    def setup(ctx: Context) -> Prepared:
        import torch

        from livedual.train.data import WindowTensors
        from livedual.train.distributed import DistInfo
        from livedual.train.trainer import build_state, train_step

        data = WindowTensors.from_windows(fixtures.windows(ctx))
        cfg = _config(ctx, gw=gw)
        info = DistInfo(rank=0, world_size=1, local_rank=0, device=torch.device("cpu"))
        state = build_state(cfg, info, data, fixtures.stats(ctx), None)
        batch = data.batch(list(range(cfg.batch_size)))
        params = (
            state.dual.music2dance.num_params() + state.dual.dance2music.num_params()
        )
        details = {
            "preset": cfg.preset,
            "batch": cfg.batch_size,
            "gw": gw,
            "parameters": params,
            "threads": torch.get_num_threads(),
        }
        return Prepared(lambda: train_step(state, batch), info=details)

    return setup


def _gw_setup(ctx: Context) -> Prepared:
    import torch

    from livedual.train.dual import LossOptions
    from livedual.train.gw import gw_embedding_loss
    from livedual.train.model import preset

    cfg = _config(ctx, gw=True)
    options = LossOptions.from_config(cfg).gw_options
    widths = (
        preset(cfg.preset, "music2dance").width,
        preset(cfg.preset, "dance2music").width,
    )
    generator = torch.Generator().manual_seed(0)
    music = torch.randn(
        cfg.batch_size, widths[0], generator=generator, requires_grad=True
    )
    dance = torch.randn(cfg.batch_size, widths[1], generator=generator)

    def run() -> object:
        music.grad = None
        loss = gw_embedding_loss(music, dance, options=options)
        loss.backward()
        return loss

    details = {
        "batch": cfg.batch_size,
        "widths": list(widths),
        "outer_iters": options.outer_iters,
        "sinkhorn_iters": options.sinkhorn_iters,
    }
    return Prepared(run, info=details)


def cases() -> tuple[list[Case], list[Ratio]]:
    """The training cases and the GW share."""
    size = f"paper size, batch {BATCH} (tiny, batch {QUICK_BATCH} with --quick)"
    found = [
        Case(
            "train.step",
            _step_setup(gw=True),
            "train",
            f"one training step of both generators, {size}",
            repeat=REPEAT,
            warmup=1,
            requires=TRAIN,
        ),
        Case(
            "train.step_no_gw",
            _step_setup(gw=False),
            "train",
            f"the same step with GW switched off, {size}",
            repeat=REPEAT,
            warmup=1,
            requires=TRAIN,
        ),
        Case(
            "train.gw_loss",
            _gw_setup,
            "train",
            "the GW loss alone: plan, value and its backward pass",
            requires=TRAIN,
        ),
    ]
    ratios = [
        Ratio(
            "GW loss / training step",
            "train.gw_loss",
            "train.step",
            "share of a step spent in GW",
            Target("ratio", "<=", GW_SHARE_TARGET),
        ),
        Ratio(
            "step / step without GW",
            "train.step",
            "train.step_no_gw",
            "cross-check: 1 - 1/ratio is GW's share",
        ),
    ]
    return found, ratios
