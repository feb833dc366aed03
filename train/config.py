"""Training configuration: one dataclass, named presets, and ``--field value`` overrides.

This module imports no torch, so the ``livedual train`` command can build its options (one
``--field`` per field, with dashes or underscores) without loading it. Model sizes live in
:data:`livedual.train.model.PRESETS` under the same names.
"""

from __future__ import annotations

import argparse
import dataclasses
import typing
from dataclasses import dataclass, field
from typing import Any

from livedual.errors import ParameterError

PRESET_NAMES = ("paper", "small", "tiny")
ARCHS = ("transformer", "lstm")  # see livedual.train.model and livedual.train.lstm
AMP_MODES = ("auto", "bf16", "fp16", "off")
CYCLE_MFCC_MODES = ("mean", "real")
GW_COST_SCALES = ("std", "mean", "max", "none")  # see livedual.train.gw
GW_METRICS = ("l1", "l2")
BEAT_LOSSES = ("balanced", "l1")  # see livedual.train.losses
DEVICES = ("auto", "cpu", "cuda")
# livedual ablate (see livedual.train.ablation): what each variant sets in the base
# configuration, and which checkpoint of a run is exported.
ABLATION_VARIED = ("gw", "cycle", "arch")
ABLATION_CHECKPOINTS = ("last", "best")
# Fields the generators are built with (ModelArgs in livedual.train.model): a resumed run
# takes them from its checkpoint.
MODEL_SWITCHES = ("aligned_queries", "start_residual", "conv_layers", "smooth_basis")
SYNTHETIC = "synthetic"  # value of ``data`` that selects the synthetic corpus


def _f(default: Any, help: str, choices: tuple[str, ...] | None = None) -> Any:
    """A dataclass field with its help text and allowed values (``livedual train --help``)."""
    return field(default=default, metadata={"help": help, "choices": choices})


@dataclass
class TrainConfig:
    """Everything a training run depends on; saved in every checkpoint as a dict."""

    preset: str = _f("small", "model and schedule sizes", PRESET_NAMES)
    arch: str = _f(
        "transformer",
        "generators: the paper's transformers, or the LSTM sequence-to-sequence baseline",
        ARCHS,
    )
    aligned_queries: bool = _f(
        True, "decoder queries also get their own frame's encoding (the paper: no)"
    )
    start_residual: bool = _f(
        True, "G_M->D writes each frame as a change from its start pose (the paper: no)"
    )
    conv_layers: int = _f(
        4,
        "dilated convolutions over the input frames before the encoder (the paper: 0)",
    )
    smooth_basis: int = _f(
        20, "G_M->D output projected onto this many cosines, a low-pass (the paper: 0)"
    )
    data: str = _f(
        SYNTHETIC, "'synthetic' or a folder of window .npz files (livedual prepare)"
    )
    out: str = _f(
        "runs/livedual", "run folder: checkpoints, config.json, TensorBoard logs"
    )
    seed: int = _f(
        0, "seed of data order, initialisation, dropout and diversity vectors"
    )
    batch_size: int = _f(16, "windows per step and per process")
    max_steps: int = _f(50_000, "optimizer steps to train for")
    lr: float = _f(1e-4, "Adam learning rate before the first milestone")
    lr_milestones: tuple[int, ...] = _f(
        (20_000, 40_000), "steps at which the rate drops"
    )
    lr_values: tuple[float, ...] = _f(
        (1e-5, 5e-6), "learning rate from each milestone on"
    )
    grad_clip: float = _f(1.0, "clip each generator's gradient norm to this (0: off)")
    gw: bool = _f(True, "Gromov-Wasserstein loss between music and dance embeddings")
    cycle: bool = _f(True, "cycle-consistency losses M->D->M and D->M->D")
    gw_weight: float = _f(1.0, "weight of the GW loss in G_M->D's objective")
    cycle_weight: float = _f(1.0, "weight of each cycle loss")
    gw_epsilon: float = _f(
        0.2, "entropic regularisation of GW (relative to the scaled costs)"
    )
    gw_outer_iters: int = _f(20, "GW projection iterations")
    gw_sinkhorn_iters: int = _f(30, "Sinkhorn iterations per GW projection")
    gw_cost_scale: str = _f(
        "std", "what GW costs are divided by (see livedual.train.gw)", GW_COST_SCALES
    )
    gw_metric: str = _f("l1", "distance between embeddings", GW_METRICS)
    gw_warm_start: bool = _f(True, "carry Sinkhorn potentials between GW projections")
    cycle_mfcc: str = _f(
        "mean",
        "MFCCs of generated music fed to G_M->D: neutral or true",
        CYCLE_MFCC_MODES,
    )
    beat_loss: str = _f(
        "balanced",
        "beat term of the music loss: balanced over beat/non-beat frames, or the paper's plain L1",
        BEAT_LOSSES,
    )
    val_fraction: float = _f(
        0.1, "share of sequences held out for validation (0: none)"
    )
    val_every: int = _f(500, "steps between validations")
    val_max_windows: int = _f(1024, "validate on at most this many windows")
    ckpt_every: int = _f(
        1000, "steps between checkpoints (last.pt; best.pt on better validation)"
    )
    log_every: int = _f(50, "steps between TensorBoard scalars")
    amp: str = _f("auto", "mixed precision on CUDA (never on CPU)", AMP_MODES)
    device: str = _f("auto", "auto: CUDA if available", DEVICES)
    synthetic_songs: int = _f(64, "synthetic corpus: number of songs")
    synthetic_seconds: float = _f(30.0, "synthetic corpus: seconds per song")
    synthetic_stride: int = _f(25, "synthetic corpus: frames between window starts")
    progress: bool = _f(True, "show a progress bar")
    tensorboard: bool = _f(True, "write TensorBoard logs to OUT/tb")

    def __post_init__(self) -> None:
        self.lr_milestones = tuple(int(v) for v in self.lr_milestones)
        self.lr_values = tuple(float(v) for v in self.lr_values)
        self.validate()

    def validate(self) -> None:
        """Raise :class:`ParameterError` naming the first invalid field."""
        for f in dataclasses.fields(self):
            choices, value = f.metadata["choices"], getattr(self, f.name)
            if choices is not None and value not in choices:
                raise ParameterError(
                    f"{f.name} must be one of {choices}, not {value!r}."
                )
        if self.batch_size < 3:
            raise ParameterError(
                f"batch_size must be at least 3 (GW compares distances), not {self.batch_size}."
            )
        if len(self.lr_milestones) != len(self.lr_values):
            raise ParameterError(
                "lr_milestones and lr_values must have the same length."
            )
        if list(self.lr_milestones) != sorted(self.lr_milestones):
            raise ParameterError(f"lr_milestones must increase: {self.lr_milestones}.")
        if not 0.0 <= self.val_fraction < 1.0:
            raise ParameterError(
                f"val_fraction must be in [0, 1), not {self.val_fraction}."
            )
        for name in (
            "max_steps",
            "val_every",
            "ckpt_every",
            "log_every",
            "val_max_windows",
        ):
            if getattr(self, name) <= 0:
                raise ParameterError(
                    f"{name} must be positive, not {getattr(self, name)}."
                )

    def to_dict(self) -> dict[str, Any]:
        """Plain values only (tuples as lists), for checkpoints and JSON."""
        return {
            k: list(v) if isinstance(v, tuple) else v
            for k, v in dataclasses.asdict(self).items()
        }

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> TrainConfig:
        """Rebuild from :meth:`to_dict`; unknown keys are ignored (older or newer runs)."""
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in known})


TRAIN_PRESETS: dict[str, TrainConfig] = {
    # The paper: 50k steps, rate 1e-4 -> 1e-5 at 20k -> 5e-6 at 40k, batch 16.
    "paper": TrainConfig(preset="paper"),
    "small": TrainConfig(preset="small"),
    # Minutes on a CPU: a short schedule with frequent validation.
    "tiny": TrainConfig(
        preset="tiny",
        max_steps=2000,
        lr=1e-3,
        lr_milestones=(1500,),
        lr_values=(1e-4,),
        val_every=100,
        ckpt_every=500,
        log_every=10,
        synthetic_songs=16,
    ),
}


def preset_config(name: str, **overrides: Any) -> TrainConfig:
    """The training preset ``name`` with some fields replaced."""
    if name not in TRAIN_PRESETS:
        raise ParameterError(f"unknown preset {name!r}; choose one of {PRESET_NAMES}.")
    return dataclasses.replace(TRAIN_PRESETS[name], **overrides)


# --- command-line overrides -----------------------------------------------------------------

EXPLICIT_OPTIONS = ("preset", "data", "out")  # the command declares these itself


def add_config_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--field value`` (and ``--field_value`` spelling) for every other field.

    Booleans become ``--gw`` / ``--no-gw``; tuples take several values
    (``--lr-milestones 20000 40000``). Nothing is set unless given, so a preset's (or a
    resumed run's) values stay unless overridden.
    """
    hints = typing.get_type_hints(TrainConfig)
    group = parser.add_argument_group(
        "training configuration",
        "Values in brackets are the paper and small presets'; the tiny preset and a "
        "resumed run have their own (see livedual.train.config).",
    )
    for f in dataclasses.fields(TrainConfig):
        if f.name in EXPLICIT_OPTIONS:
            continue
        names = [f"--{f.name.replace('_', '-')}"] + (
            [f"--{f.name}"] if "_" in f.name else []
        )
        kind = hints[f.name]
        kwargs: dict[str, Any] = {
            "dest": f.name,
            "default": argparse.SUPPRESS,
            "help": f"{f.metadata['help']} [{_shown(f.default)}]",
        }
        if kind is bool:
            kwargs["action"] = argparse.BooleanOptionalAction
        elif typing.get_origin(kind) is tuple:
            kwargs.update(nargs="+", type=typing.get_args(kind)[0], metavar="V")
        elif f.metadata["choices"] is not None:
            kwargs.update(choices=f.metadata["choices"])
        else:
            kwargs.update(type=kind, metavar=f.name.upper())
        group.add_argument(*names, **kwargs)


def _shown(value: Any) -> str:
    return " ".join(map(str, value)) if isinstance(value, tuple) else str(value)


def overrides_from_args(args: argparse.Namespace) -> dict[str, Any]:
    """The configuration fields given on the command line, by name."""
    names = {f.name for f in dataclasses.fields(TrainConfig)} - set(EXPLICIT_OPTIONS)
    return {name: getattr(args, name) for name in names if hasattr(args, name)}
