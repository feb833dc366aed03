"""The paper's ablation (Table 4): the four GW × cycle variants, trained alike, then scored.

Every variant is trained by :func:`livedual.train.trainer.train` from one base
configuration (same preset, data, seed, batch and step budget); only ``gw`` and
``cycle`` change, and ``arch`` for the optional LSTM baseline (trained with both losses,
so that only the architecture differs from the full model). Each pair is exported to
ONNX and the pairs become the model rows of one :func:`livedual.evaluation.evaluate`
run. An ablation folder holds::

    OUT/runs/KEY/         the variant's training run (last.pt, best.pt, config.json, tb/)
    OUT/models/KEY_music2dance.onnx, KEY_dance2music.onnx   (+ .onnx.json cards)
    OUT/results.json, OUT/results.md

Running it again picks up where it stopped: a finished run is not trained again, an
unfinished one resumes from its ``last.pt``, and an exported pair is kept unless its run
went on since.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path

from livedual.card import card_path_for
from livedual.errors import ParameterError
from livedual.evaluation import (
    DEFAULT_GENERATIONS,
    EvalCorpus,
    evaluate,
    load_model_pair,
    prepared_corpus,
)
from livedual.evaluation.tables import (
    markdown_table,
    results_markdown,
    write_results,
)
from livedual.inference import RuntimeOptions

from ..export.checkpoint_export import export_checkpoint, model_prefix
from .checkpoint import BEST, LAST, TASKS, load_checkpoint
from .config import ABLATION_CHECKPOINTS, ABLATION_VARIED, SYNTHETIC, TrainConfig
from .trainer import train

_LOGGER = logging.getLogger(__name__)

RUNS_DIR = "runs"
MODELS_DIR = "models"
# A run folder is only resumed by a configuration that agrees on these.
RUN_IDENTITY = ("preset", "arch", "gw", "cycle", "seed", "data", "batch_size")


@dataclass(frozen=True)
class Variant:
    """One row of the ablation: a folder name, a table name and what it trains with."""

    key: str
    name: str
    gw: bool
    cycle: bool
    arch: str = "transformer"


VARIANTS = (
    Variant("gw_cycle", "GW + cycle", gw=True, cycle=True),
    Variant("gw", "GW only", gw=True, cycle=False),
    Variant("cycle", "cycle only", gw=False, cycle=True),
    Variant("neither", "neither GW nor cycle", gw=False, cycle=False),
)
LSTM_BASELINE = Variant("lstm", "LSTM seq2seq", gw=True, cycle=True, arch="lstm")

# (key, header, format) of the ablation table; the metrics come from the evaluation.
ABLATION_COLUMNS = (
    ("gw", "GW", "{}"),
    ("cycle", "Cycle", "{}"),
    ("notes_accuracy", "Notes accuracy ↑", "{:.1%}"),
    ("chord_accuracy", "Chord accuracy ↑", "{:.1%}"),
    ("fd", "FD (cm) ↓", "{:.1f}"),
    ("beat_alignment", "Beat align. ↑", "{:.1%}"),
)
MARK = {True: "✓", False: "✗"}


def variants(*, with_lstm: bool = False) -> tuple[Variant, ...]:
    """The four GW × cycle variants, then the LSTM baseline if asked for."""
    return VARIANTS + ((LSTM_BASELINE,) if with_lstm else ())


def variant_config(base: TrainConfig, variant: Variant, out: Path) -> TrainConfig:
    """``base`` with the variant's losses and architecture, training into ``OUT/runs/KEY``."""
    return dataclasses.replace(
        base,
        gw=variant.gw,
        cycle=variant.cycle,
        arch=variant.arch,
        out=str(out / RUNS_DIR / variant.key),
    )


def variant_prefix(out: Path, variant: Variant) -> Path:
    """Prefix of the variant's exported pair: ``OUT/models/KEY``."""
    return out / MODELS_DIR / variant.key


# --- training and export --------------------------------------------------------------------


def _exported(prefix: Path) -> bool:
    """Both generators of the pair written, each with its card."""
    onnx = [Path(f"{model_prefix(prefix, task)}.onnx") for task in TASKS]
    return all(path.is_file() and card_path_for(path).is_file() for path in onnx)


def _saved_step(cfg: TrainConfig) -> int | None:
    """The step of the run's ``last.pt`` (None: no run yet); refuses a different run's."""
    last = Path(cfg.out) / LAST
    if not last.is_file():
        return None
    checkpoint = load_checkpoint(last)
    saved = TrainConfig.from_dict(checkpoint["config"])
    for name in RUN_IDENTITY:
        if getattr(saved, name) != getattr(cfg, name):
            raise ParameterError(
                f"{last} was trained with {name}={getattr(saved, name)!r}, not "
                f"{getattr(cfg, name)!r}; give another --out or delete {cfg.out}."
            )
    return int(checkpoint["step"])


def _checkpoint_to_export(cfg: TrainConfig, which: str) -> Path:
    """``best.pt`` or ``last.pt`` of the run (``last.pt`` when there was no validation)."""
    best = Path(cfg.out) / BEST
    if which == "best" and best.is_file():
        return best
    if which == "best":
        _LOGGER.warning("%s: no %s (no validation); exporting %s", cfg.out, BEST, LAST)
    return Path(cfg.out) / LAST


def prepare_variant(
    variant: Variant, *, base: TrainConfig, out: Path, checkpoint: str = "last"
) -> str:
    """Train (or resume) and export one variant unless that is done already.

    Returns
    -------
    status : str
        ``"kept"`` (nothing to do), ``"exported"`` (a finished run, exported now) or
        ``"trained"`` (trained or resumed, then exported).
    """
    cfg = variant_config(base, variant, out)
    prefix = variant_prefix(out, variant)
    step = _saved_step(cfg)
    if step is None and _exported(prefix):
        _LOGGER.info(
            "%s: models already in %s, run folder gone; kept", variant.key, prefix
        )
        return "kept"
    status = "exported"
    if step is None or step < cfg.max_steps:
        started = time.perf_counter()
        train(cfg, resume=step is not None)
        _LOGGER.info(
            "%s: trained to step %d in %.0f s",
            variant.key,
            cfg.max_steps,
            time.perf_counter() - started,
        )
        status = "trained"
    elif _exported(prefix):
        _LOGGER.info(
            "%s: trained (step %d) and exported already; kept", variant.key, step
        )
        return "kept"
    export_checkpoint(_checkpoint_to_export(cfg, checkpoint), prefix)
    return status


def prepare_variants(
    chosen: tuple[Variant, ...],
    *,
    base: TrainConfig,
    out: str | os.PathLike[str],
    checkpoint: str = "last",
) -> dict[str, str]:
    """Train and export every variant (see :func:`prepare_variant`); status by key."""
    if checkpoint not in ABLATION_CHECKPOINTS:
        raise ParameterError(
            f"checkpoint must be one of {ABLATION_CHECKPOINTS}, not {checkpoint!r}."
        )
    out = Path(out)
    statuses = {}
    for k, variant in enumerate(chosen, start=1):
        _LOGGER.info(
            "variant %d of %d: %s (gw %s, cycle %s, %s)",
            k,
            len(chosen),
            variant.name,
            variant.gw,
            variant.cycle,
            variant.arch,
        )
        statuses[variant.key] = prepare_variant(
            variant, base=base, out=out, checkpoint=checkpoint
        )
    return statuses


# --- evaluation and tables ------------------------------------------------------------------


def held_out_corpus(base: TrainConfig, *, out: Path) -> EvalCorpus:
    """The sequences the runs held out of a prepared training folder, as an evaluation corpus.

    Every variant splits the data with the same seed, so the first variant's checkpoint
    names the held-out sequences of all.
    """
    if base.data == SYNTHETIC or base.val_fraction == 0:
        raise ParameterError(
            "evaluating on the held-out split needs a prepared training folder (--data) "
            "and val_fraction > 0; give --eval-data synthetic or a folder instead."
        )
    run = Path(variant_config(base, VARIANTS[0], out).out)
    names = load_checkpoint(run / LAST)["data"]["val_sequences"]
    return prepared_corpus(base.data, sequences=names)


def ablation_rows(results: dict, chosen: tuple[Variant, ...]) -> list[dict]:
    """One row per GW × cycle variant (the paper's Table 4) from the evaluation results.

    Parameters
    ----------
    results : dict
        What :func:`livedual.evaluation.evaluate` returned for the variants' pairs.
    chosen : tuple of Variant
        The variants; only transformer ones make rows (the LSTM is a Table 2 row).

    Returns
    -------
    rows : list of dict
        ``{"name", "key", "gw", "cycle", "notes_accuracy", "chord_accuracy", "fd",
        "beat_alignment"}``; a metric the evaluation left out is None.
    """
    dance = {row["name"]: row for row in results["dance"]}
    music = {row["name"]: row for row in results["music"]}
    rows = []
    for variant in chosen:
        if variant.arch != "transformer":
            continue
        played, danced = music.get(variant.name, {}), dance.get(variant.name, {})
        rows.append(
            {
                "name": variant.name,
                "key": variant.key,
                "gw": variant.gw,
                "cycle": variant.cycle,
                "notes_accuracy": played.get("notes_accuracy"),
                "chord_accuracy": played.get("chord_accuracy"),
                "fd": danced.get("fd"),
                "beat_alignment": danced.get("beat_alignment"),
            }
        )
    return rows


def ablation_markdown(results: dict) -> str:
    """The evaluation report followed by the ablation table and its training budget."""
    ablation = results["ablation"]
    cfg = ablation["train_config"]
    marked = [
        row | {"gw": MARK[row["gw"]], "cycle": MARK[row["cycle"]]}
        for row in ablation["rows"]
    ]
    return (
        results_markdown(results)
        + "\n## Ablation (paper Table 4: GW and cycle consistency)\n\n"
        + markdown_table(marked, ABLATION_COLUMNS)
        + f"\n\nEvery variant: preset {cfg['preset']}, {cfg['max_steps']} steps of "
        f"batch {cfg['batch_size']}, seed {cfg['seed']}, data {cfg['data']}; exported "
        f"from {ablation['checkpoint']}.pt.\n"
    )


def run_ablation(
    base: TrainConfig,
    *,
    out: str | os.PathLike[str],
    corpus: EvalCorpus | None = None,
    with_lstm: bool = False,
    checkpoint: str = "last",
    eval_seed: int = 0,
    generations: int = DEFAULT_GENERATIONS,
    options: RuntimeOptions = RuntimeOptions(),
) -> dict:
    """Train, export and evaluate the ablation; write ``OUT/results.json`` and ``results.md``.

    Parameters
    ----------
    base : TrainConfig
        What every variant shares (preset, data, seed, max_steps, ...); its ``gw``,
        ``cycle``, ``arch`` and ``out`` are replaced per variant.
    out : path
        The ablation folder (see the module's description).
    corpus : EvalCorpus or None
        Held-out sequences to evaluate on; None: the sequences the runs held out of
        their prepared training folder (see :func:`held_out_corpus`).
    with_lstm : bool
        Add the LSTM baseline (both losses, same budget) as a row of the dance table.
    checkpoint : {"last", "best"}
        Which checkpoint of each run is exported: the last step (the same budget for
        all) or the best validation.
    eval_seed, generations : int
        See :func:`livedual.evaluation.evaluate`.
    options : RuntimeOptions
        How ONNX Runtime runs the exported models.

    Returns
    -------
    results : dict
        The evaluation's results plus ``"ablation"``: ``{"train_config", "checkpoint",
        "variants", "rows"}``.
    """
    out = Path(out)
    chosen = variants(with_lstm=with_lstm)
    prepare_variants(chosen, base=base, out=out, checkpoint=checkpoint)
    if corpus is None:
        corpus = held_out_corpus(base, out=out)
    pairs = [
        load_model_pair(str(variant_prefix(out, v)), name=v.name, options=options)
        for v in chosen
    ]
    _LOGGER.info(
        "evaluating %d model pairs on %d sequences", len(pairs), len(corpus.sequences)
    )
    results = evaluate(
        corpus,
        models=pairs,
        seed=eval_seed,
        generations=generations,
        progress=base.progress,
    )
    config = base.to_dict()
    for name in ("out", *ABLATION_VARIED):  # a path of this machine; what variants set
        del config[name]
    results["ablation"] = {
        "train_config": config,
        "checkpoint": checkpoint,
        "variants": [dataclasses.asdict(v) for v in chosen],
        "rows": ablation_rows(results, chosen),
    }
    for path in write_results(results, out, markdown=ablation_markdown):
        _LOGGER.info("wrote %s", path)
    return results
