"""The training loop: data, two Adam optimizers, validation, checkpoints, logs; DDP-ready.

Run it with ``livedual train`` (one process) or under ``torchrun`` (one process per
device: gloo on CPU, NCCL on GPU). Every process builds the same data and model; a
:class:`~torch.utils.data.distributed.DistributedSampler` gives each its share of every
epoch and DDP averages the gradients. Process 0 validates, logs and writes checkpoints.

Resuming is exact: weights, optimizer states, step, the data position (epoch and batch
follow from the step) and every process's random state come back from ``last.pt``, so
``N`` steps, a restart and ``N`` more give the same numbers as ``2N`` steps at once.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from tqdm import tqdm

from livedual.atomic import atomic_write
from livedual.errors import ModelError, ParameterError

from . import checkpoint as ckpt_io
from .config import MODEL_SWITCHES, TrainConfig
from .data import (
    Batch,
    WindowTensors,
    data_stats,
    load_windows,
    make_sampler,
    split_by_sequence,
    train_batches,
    val_batches,
)
from .distributed import DistInfo, gather, init_distributed, shutdown
from .dual import DualModel, LossOptions
from .model import ModelArgs, preset

_LOGGER = logging.getLogger(__name__)

START_POOL_SIZE = 256  # start poses kept in a checkpoint for inference
RANK_SEED_STRIDE = 1_000_003  # separates the random streams of the processes


@dataclass
class TrainState:
    """Everything that changes while training (what a checkpoint saves and restores)."""

    cfg: TrainConfig
    info: DistInfo
    dual: DualModel  # the plain module (for validation and checkpoints)
    engine: nn.Module  # what the step calls: ``dual``, or ``dual`` wrapped in DDP
    optimizers: dict[str, torch.optim.Optimizer]
    scaler: torch.amp.GradScaler | None
    stats: dict[str, np.ndarray]
    start_poses: torch.Tensor
    data_info: dict[str, Any]
    step: int = 0
    best_val: float = math.inf
    last_val: dict[str, float] = field(default_factory=dict)
    # Loss terms seen by this process: one dict per training step, (step, dict) per validation.
    history: list[dict[str, float]] = field(default_factory=list)
    val_history: list[tuple[int, dict[str, float]]] = field(default_factory=list)


# --- set-up ---------------------------------------------------------------------------------


def lr_at(step: int, cfg: TrainConfig) -> float:
    """The step schedule: ``lr``, then ``lr_values[i]`` from ``lr_milestones[i]`` on."""
    rate = cfg.lr
    for milestone, value in zip(cfg.lr_milestones, cfg.lr_values):
        if step >= milestone:
            rate = value
    return rate


def _amp_dtype(cfg: TrainConfig, device: torch.device) -> torch.dtype | None:
    """Autocast dtype: bf16 or fp16 on CUDA only, never on CPU."""
    if device.type != "cuda" or cfg.amp == "off":
        return None
    if cfg.amp == "fp16" or (cfg.amp == "auto" and not torch.cuda.is_bf16_supported()):
        return torch.float16
    return torch.bfloat16


def _autocast(state: TrainState) -> contextlib.AbstractContextManager:
    dtype = _amp_dtype(state.cfg, state.info.device)
    return (
        torch.autocast("cuda", dtype=dtype)
        if dtype is not None
        else contextlib.nullcontext()
    )


def _model_args(
    cfg: TrainConfig, checkpoint: dict | None
) -> tuple[ModelArgs, ModelArgs]:
    """The preset's sizes in ``cfg.arch`` with the configured switches, or the resumed
    checkpoint's (of the same arch)."""
    if checkpoint is None:
        switches = {name: getattr(cfg, name) for name in MODEL_SWITCHES}
        return (
            replace(preset(cfg.preset, "music2dance", arch=cfg.arch), **switches),
            replace(preset(cfg.preset, "dance2music", arch=cfg.arch), **switches),
        )
    saved = checkpoint["model_args"]
    to_dance = ModelArgs.from_dict(saved["music2dance"])
    if to_dance.arch != cfg.arch:
        raise ParameterError(
            f"{cfg.out} holds {to_dance.arch} generators; a resumed run cannot switch "
            f"to arch {cfg.arch!r}."
        )
    return to_dance, ModelArgs.from_dict(saved["dance2music"])


def build_state(
    cfg: TrainConfig,
    info: DistInfo,
    windows: WindowTensors,
    stats: dict,
    checkpoint: dict | None,
) -> TrainState:
    """Models (seeded), optimizers and the mixed-precision scaler, on this process's device."""
    torch.manual_seed(cfg.seed)  # identical initial weights on every process
    dual = DualModel(
        *_model_args(cfg, checkpoint), options=LossOptions.from_config(cfg)
    )
    dual.set_stats(stats)
    dual.to(info.device)
    engine: nn.Module = dual
    if info.distributed:
        device_ids = [info.device.index] if info.device.type == "cuda" else None
        engine = DistributedDataParallel(dual, device_ids=device_ids)
    optimizers = {
        "music2dance": torch.optim.Adam(dual.music2dance.parameters(), lr=cfg.lr),
        "dance2music": torch.optim.Adam(dual.dance2music.parameters(), lr=cfg.lr),
    }
    use_scaler = _amp_dtype(cfg, info.device) == torch.float16
    scaler = torch.amp.GradScaler("cuda") if use_scaler else None
    state = TrainState(
        cfg, info, dual, engine, optimizers, scaler, stats, _start_pool(windows), {}
    )
    # From here on every process draws its own dropout masks and diversity vectors.
    torch.manual_seed(cfg.seed + RANK_SEED_STRIDE * (info.rank + 1))
    return state


def _start_pool(windows: WindowTensors) -> torch.Tensor:
    """Up to START_POOL_SIZE first poses [shape=(K, 147)], spread evenly over the data."""
    count = min(START_POOL_SIZE, len(windows))
    chosen = np.linspace(0, len(windows) - 1, count).round().astype(np.int64)
    return windows.start_pool()[torch.from_numpy(chosen)].clone()


def restore(state: TrainState, checkpoint: dict) -> None:
    """Load weights, optimizer states, step and random state from a checkpoint."""
    for task, module in (
        ("music2dance", state.dual.music2dance),
        ("dance2music", state.dual.dance2music),
    ):
        module.load_state_dict(checkpoint["models"][task])
        state.optimizers[task].load_state_dict(checkpoint["optimizers"][task])
    if state.scaler is not None and checkpoint.get("scaler"):
        state.scaler.load_state_dict(checkpoint["scaler"])
    state.step = int(checkpoint["step"])
    state.best_val = float(checkpoint.get("best_val", math.inf))
    rng, rank = checkpoint["rng"], state.info.rank
    if len(rng["torch"]) == state.info.world_size:
        mine = {"torch": rng["torch"][rank], "cuda": rng["cuda"][rank]}
        ckpt_io.set_rng_state(mine, state.info.device)
    else:
        _LOGGER.warning(
            "the checkpoint was written by %d processes, not %d: random streams restart",
            len(rng["torch"]),
            state.info.world_size,
        )


# --- one step -------------------------------------------------------------------------------


def _optimizer_step(state: TrainState, task: str, module: nn.Module) -> None:
    """Unscale, clip and apply one generator's gradients."""
    optimizer, scaler = state.optimizers[task], state.scaler
    if scaler is not None:
        scaler.unscale_(optimizer)
    if state.cfg.grad_clip > 0:
        torch.nn.utils.clip_grad_norm_(module.parameters(), state.cfg.grad_clip)
    if scaler is not None:
        scaler.step(optimizer)
    else:
        optimizer.step()


def train_step(state: TrainState, batch: Batch) -> dict[str, float]:
    """One update of both generators by the paper's rule; returns the loss terms."""
    rate = lr_at(state.step, state.cfg)
    for optimizer in state.optimizers.values():
        for group in optimizer.param_groups:
            group["lr"] = rate
        optimizer.zero_grad(set_to_none=True)
    batch = batch.to(state.info.device)
    with _autocast(state):
        terms = state.engine(batch.music, batch.pose, batch.start, batch.chord)
    # Each term reaches only its own generator (see DualModel): one backward serves both.
    total = terms["music2dance"] + terms["dance2music"]
    (state.scaler.scale(total) if state.scaler is not None else total).backward()
    _optimizer_step(state, "music2dance", state.dual.music2dance)
    _optimizer_step(state, "dance2music", state.dual.dance2music)
    if state.scaler is not None:
        state.scaler.update()
    state.step += 1
    return {name: float(value.detach()) for name, value in terms.items()}


@torch.no_grad()
def evaluate(state: TrainState, batches: list[Batch]) -> dict[str, float]:
    """Mean of every loss term over fixed validation batches, with fixed diversity vectors."""
    dual, device = state.dual, state.info.device
    generator = torch.Generator(device=device).manual_seed(state.cfg.seed)
    sums: dict[str, float] = {}
    dual.eval()
    for batch in batches:
        batch = batch.to(device)
        with _autocast(state):
            terms = dual(
                batch.music,
                batch.pose,
                batch.start,
                batch.chord,
                all_terms=True,
                generator=generator,
            )
        for name, value in terms.items():
            sums[name] = sums.get(name, 0.0) + float(value)
    dual.train()
    return {name: value / len(batches) for name, value in sums.items()}


# --- checkpoints and logs -------------------------------------------------------------------


def checkpoint_dict(state: TrainState, rng: list[dict]) -> dict[str, Any]:
    """The checkpoint of the current state (see :mod:`livedual.train.checkpoint`)."""
    dual = state.dual
    return ckpt_io.header() | {
        "step": state.step,
        "best_val": state.best_val,
        "config": state.cfg.to_dict(),
        "model_args": {
            "music2dance": vars(dual.music2dance.args).copy(),
            "dance2music": vars(dual.dance2music.args).copy(),
        },
        "models": {
            "music2dance": dual.music2dance.state_dict(),
            "dance2music": dual.dance2music.state_dict(),
        },
        "optimizers": {
            task: optimizer.state_dict() for task, optimizer in state.optimizers.items()
        },
        "scaler": state.scaler.state_dict() if state.scaler is not None else None,
        "stats": {name: torch.from_numpy(value) for name, value in state.stats.items()},
        "start_poses": state.start_poses,
        "rng": {"torch": [r["torch"] for r in rng], "cuda": [r["cuda"] for r in rng]},
        "data": state.data_info,
        "val": state.last_val,
    }


def _log_scalars(writer: Any, prefix: str, values: dict[str, float], step: int) -> None:
    if writer is not None:
        for name, value in values.items():
            writer.add_scalar(f"{prefix}/{name}", value, step)


def _val_score(values: dict[str, float]) -> float:
    """What 'best' means: the sum of both generators' reconstruction losses.

    The objectives also hold the Gromov-Wasserstein term, which measures agreement between
    two moving encoders rather than the quality of what is generated, and swings by a
    factor of two from one validation to the next.
    """
    return values["rec_dance"] + values["rec_music"]


def _validate(state: TrainState, batches: list[Batch], writer: Any) -> bool:
    """Validate (process 0), log, and say whether this is the best validation so far."""
    values = evaluate(state, batches)
    state.last_val = values
    state.val_history.append((state.step, values))
    _log_scalars(writer, "val", values, state.step)
    _LOGGER.info(
        "step %d validation: %s",
        state.step,
        ", ".join(f"{k} {v:.4f}" for k, v in sorted(values.items())),
    )
    improved = _val_score(values) < state.best_val
    if improved:
        state.best_val = _val_score(values)
    return improved


def _checkpoint_due(state: TrainState, val: list[Batch] | None) -> tuple[bool, bool]:
    """(validation due, checkpoint due) after the current step."""
    cfg, step = state.cfg, state.step
    final = step == cfg.max_steps
    due_val = bool(val) and (step % cfg.val_every == 0 or final)
    return due_val, step % cfg.ckpt_every == 0 or final


def _validate_and_save(state: TrainState, val: list[Batch] | None, writer: Any) -> None:
    """Validation and checkpoints when due (every process must call this every step)."""
    due_val, due_ckpt = _checkpoint_due(state, val)
    if not (due_val or due_ckpt):
        return
    # A collective call: every process hands its random state to process 0.
    rng = gather(ckpt_io.rng_state(state.info.device), state.info)
    if not state.info.is_main:
        return
    improved = _validate(state, val, writer) if due_val else False
    if due_ckpt or improved:
        checkpoint = checkpoint_dict(state, rng)
        run_dir = Path(state.cfg.out)
        if due_ckpt:
            ckpt_io.save_checkpoint(run_dir / ckpt_io.LAST, checkpoint)
        if improved:
            ckpt_io.save_checkpoint(run_dir / ckpt_io.BEST, checkpoint)


def _open_writer(state: TrainState, resumed: bool) -> Any:
    """A TensorBoard writer on process 0 (None elsewhere or when switched off)."""
    if not (state.info.is_main and state.cfg.tensorboard):
        return None
    from torch.utils.tensorboard import SummaryWriter

    return SummaryWriter(
        str(Path(state.cfg.out) / "tb"), purge_step=state.step if resumed else None
    )


def _write_config(cfg: TrainConfig) -> None:
    with atomic_write(Path(cfg.out) / "config.json", "w") as handle:
        json.dump(cfg.to_dict(), handle, indent=2)


# --- the loop -------------------------------------------------------------------------------


def _prepare_data(
    cfg: TrainConfig, checkpoint: dict | None
) -> tuple[WindowTensors, list[Batch] | None, dict, dict]:
    """Training tensors, validation batches, statistics and a description of the data."""
    windows = load_windows(cfg)
    train_set, val_set = split_by_sequence(
        windows, val_fraction=cfg.val_fraction, seed=cfg.seed
    )
    stats = (
        {name: value.numpy() for name, value in checkpoint["stats"].items()}
        if checkpoint
        else data_stats(train_set)
    )
    val = (
        val_batches(
            WindowTensors.from_windows(val_set),
            batch_size=cfg.batch_size,
            max_windows=cfg.val_max_windows,
        )
        if val_set
        else None
    )
    data_info = {
        "source": cfg.data,
        "train_windows": len(train_set),
        "val_windows": len(val_set) if val_set else 0,
        "val_sequences": sorted(set(val_set.sequence.tolist())) if val_set else [],
    }
    return WindowTensors.from_windows(train_set), val, stats, data_info


def _steps(state: TrainState, data: WindowTensors) -> Iterator[Batch]:
    sampler = make_sampler(
        data,
        world_size=state.info.world_size,
        rank=state.info.rank,
        seed=state.cfg.seed,
    )
    return train_batches(
        data, sampler, batch_size=state.cfg.batch_size, start_step=state.step
    )


def _loop(
    state: TrainState, data: WindowTensors, val: list[Batch] | None, writer: Any
) -> None:
    cfg = state.cfg
    bar = tqdm(
        total=cfg.max_steps,
        initial=state.step,
        disable=not (state.info.is_main and cfg.progress),
        dynamic_ncols=True,
    )
    batches = _steps(state, data)
    while state.step < cfg.max_steps:
        terms = train_step(state, next(batches))
        state.history.append(terms)
        if state.step % cfg.log_every == 0:
            _log_scalars(
                writer, "train", terms | {"lr": lr_at(state.step - 1, cfg)}, state.step
            )
        bar.update(1)
        bar.set_postfix(
            dance=f"{terms['rec_dance']:.3f}",
            music=f"{terms['rec_music']:.3f}",
            refresh=False,
        )
        _validate_and_save(state, val, writer)
    bar.close()


def _run(cfg: TrainConfig, info: DistInfo, resume: bool) -> TrainState:
    run_dir = Path(cfg.out)
    checkpoint = (
        ckpt_io.load_checkpoint(run_dir / ckpt_io.LAST, map_location="cpu")
        if resume
        else None
    )
    data, val, stats, data_info = _prepare_data(cfg, checkpoint)
    state = build_state(cfg, info, data, stats, checkpoint)
    state.data_info = data_info
    if checkpoint is not None:
        restore(state, checkpoint)
    if info.is_main:
        _write_config(cfg)
        _LOGGER.info(
            "training %s %s: %d + %d parameters, %d training windows, %s from step %d to %d on %s x%d",
            cfg.preset,
            cfg.arch,
            state.dual.music2dance.num_params(),
            state.dual.dance2music.num_params(),
            len(data),
            "resuming" if resume else "starting",
            state.step,
            cfg.max_steps,
            info.device,
            info.world_size,
        )
    writer = _open_writer(state, resume)
    try:
        if info.is_main and val and not resume:
            _validate(state, val, writer)  # the starting point of the validation curves
        _loop(state, data, val, writer)
    finally:
        if writer is not None:
            writer.close()
    return state


def train(cfg: TrainConfig, *, resume: bool = False) -> TrainState:
    """Train (or resume, from ``cfg.out/last.pt``) the two generators.

    Parameters
    ----------
    cfg : TrainConfig
        The run's configuration; ``cfg.out`` receives ``last.pt``, ``best.pt``,
        ``config.json`` and ``tb/``.
    resume : bool
        Continue the run in ``cfg.out`` exactly where its last checkpoint stopped (to go
        further, raise ``max_steps``).

    Returns
    -------
    state : TrainState
        The final models, optimizers and the losses seen by this process.
    """
    if resume and not (Path(cfg.out) / ckpt_io.LAST).is_file():
        raise ModelError(
            f"{Path(cfg.out) / ckpt_io.LAST}: nothing to resume; train without --resume first."
        )
    info = init_distributed(cfg.device)
    try:
        return _run(cfg, info, resume)
    finally:
        shutdown(info)
