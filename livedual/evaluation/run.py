"""One evaluation run: dances for held-out music from every row, measured alike.

Rows of the dance section (the paper's Table 2): the ground truth, the baselines of
:mod:`.baselines`, then every model. Each row makes ``generations`` dances per sequence
(the paper's five start poses; deterministic rows repeat themselves), and the metrics of
:mod:`livedual.metrics` are averaged over dances and sequences:

- ``fd`` (cm): the paper's mean joint distance to the ground truth; ``fd_body`` the same
  with every frame's joints taken relative to its pelvis, so that where a dancer travels
  in the room (unpredictable from music over a whole song) does not swamp the pose;
- ``diversity`` (cm): mean pairwise joint distance between a row's generations;
- ``beat_alignment``: the paper's ratio, with two chance levels of the same dances: a
  random walk with their speeds (``ba_random_walk``) and the next sequence's beats
  (``ba_mismatched``); the beat-locking index (``bli``) with the same two chance levels;
- the AIST++ protocol (``fid_k``, ``fid_g``, ``div_k``, ``div_g`` against the ground-truth
  dances, ``bas``) and physical sanity (``foot_skating`` m/s, ``penetration`` cm against
  the floor of the ground-truth dances).

With dance2music models, a music section (the paper's Table 4) gives the notes accuracy
of the music each model composes for the ground-truth dances, per pitch class and per
chord, with the chance level of another sequence's music.

Every random draw comes from ``numpy.random.default_rng([seed, ...])``: the same
arguments give the same numbers.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from ..card import DANCE_TO_MUSIC, MUSIC_TO_DANCE
from ..const import CHROMA, FPS, MUSIC_OUT_CHROMA, N_CHORDS
from ..errors import ModelError, ParameterError
from ..inference import Generator, RuntimeOptions
from ..metrics import (
    aist_metrics,
    beat_align_score,
    beat_locking_index,
    estimate_floor,
    foot_skating,
    generation_diversity,
    ground_penetration,
    mean_joint_distance,
    notes_accuracy,
    paper_beat_alignment,
    random_walk_like,
)
from ..metrics.dance import CM_PER_METRE
from ..offline import load_model
from ..skeleton import pose_to_joints
from .baselines import RetrievalBaseline, static_mean_pose
from .corpus import EvalCorpus, EvalSequence

_LOGGER = logging.getLogger(__name__)

DEFAULT_GENERATIONS = (
    5  # the paper's diversity: five generations from different start poses
)
# Geometric features are shares of frames; with a handful of held-out dances some are
# constant over the real set and FID_g/Div_g explode without a floor (one frame in 100).
GEOMETRIC_STD_FLOOR = 0.01
PENETRATION_TOLERANCE = 0.03  # m: a foot joint sits about this far above the sole
SEED_RANGE = 2**31  # integer seeds handed to the generators
GROUND_TRUTH = "ground truth"
STATIC = "static mean pose"
RETRIEVAL = "retrieval"
MISMATCHED_MUSIC = "another sequence's music (chance)"

# One dance of a row: (sequence index, sequence, rng) -> poses (T, 147).
DanceMaker = Callable[[int, EvalSequence, np.random.Generator], np.ndarray]


@dataclass(frozen=True)
class ModelPair:
    """A model prefix: ``PREFIX_music2dance.onnx`` and/or ``PREFIX_dance2music.onnx``."""

    name: str
    prefix: str
    music2dance: Generator | None
    dance2music: Generator | None


def load_model_pair(
    prefix: str, *, name: str | None = None, options: RuntimeOptions = RuntimeOptions()
) -> ModelPair:
    """Load the generators of a model prefix (either may be missing, not both).

    Parameters
    ----------
    prefix : str
        Path prefix: ``PREFIX_music2dance.onnx`` and ``PREFIX_dance2music.onnx`` (each
        beside its ``.onnx.json`` card).
    name : str or None
        Row name in the tables; default the prefix's last component.
    options : RuntimeOptions

    Returns
    -------
    pair : ModelPair
    """
    paths = {
        task: Path(f"{prefix}_{task}.onnx") for task in (MUSIC_TO_DANCE, DANCE_TO_MUSIC)
    }
    if not any(path.is_file() for path in paths.values()):
        raise ModelError(
            f"--models {prefix}: found neither {paths[MUSIC_TO_DANCE]} nor "
            f"{paths[DANCE_TO_MUSIC]}; pass the path prefix of an exported model pair, "
            "e.g. livedual/models/starter."
        )
    loaded = {
        task: load_model(task, path, options=options) if path.is_file() else None
        for task, path in paths.items()
    }
    return ModelPair(
        name or Path(prefix).name,
        prefix,
        loaded[MUSIC_TO_DANCE],
        loaded[DANCE_TO_MUSIC],
    )


def evaluate(
    corpus: EvalCorpus,
    *,
    models: list[ModelPair],
    seed: int = 0,
    generations: int = DEFAULT_GENERATIONS,
    progress: bool = False,
) -> dict:
    """Measure every row on the corpus.

    Parameters
    ----------
    corpus : EvalCorpus
        Held-out sequences and the baselines' training windows.
    models : list of ModelPair
        Models to score, in table order (names must differ).
    seed : int >= 0
        Seed of every random draw (start poses, generator seeds, chance baselines).
    generations : int >= 2
        Dances per sequence and row.
    progress : bool
        Show a progress bar.

    Returns
    -------
    results : dict
        ``{"config": ..., "dance": [row, ...], "music": [row, ...]}``; each row a dict
        ``{"name", "kind", metric: float or None}`` (JSON-ready).
    """
    _check_arguments(corpus, models, seed, generations)
    rows = _dance_rows(corpus, models)
    context = _DanceContext(corpus, seed, generations)
    dance = []
    bar = tqdm(
        total=len(rows) * len(corpus.sequences),
        desc="evaluate",
        unit="seq",
        disable=not progress,
    )
    for name, kind, maker in rows:
        dance.append({"name": name, "kind": kind, **context.measure(maker, kind, bar)})
    bar.close()
    composers = [(m.name, m.dance2music) for m in models if m.dance2music is not None]
    music = _music_rows(corpus, composers, seed, generations) if composers else []
    return {
        "config": _config(corpus, models, seed, generations),
        "dance": dance,
        "music": music,
    }


def _check_arguments(
    corpus: EvalCorpus, models: list[ModelPair], seed: int, generations: int
) -> None:
    """Refuse arguments that would give a meaningless table."""
    if generations < 2:
        raise ParameterError(
            f"generations must be at least 2 (diversity), not {generations}."
        )
    if seed < 0:
        raise ParameterError(f"seed must be a non-negative integer, not {seed}.")
    names = [m.name for m in models]
    if len(set(names)) != len(names) or {GROUND_TRUTH, STATIC, RETRIEVAL} & set(names):
        raise ParameterError(
            f"model names must be unique and not a baseline's, got {names}."
        )
    if not corpus.sequences:
        raise ParameterError("there are no sequences to evaluate.")


def _dance_rows(
    corpus: EvalCorpus, models: list[ModelPair]
) -> list[tuple[str, str, DanceMaker]]:
    """(name, kind, maker) of every row of the dance table."""
    retrieval = RetrievalBaseline(corpus.train)
    still = [
        static_mean_pose(corpus.train, frames=len(seq.pose), exclude=seq.name)
        for seq in corpus.sequences
    ]
    rows: list[tuple[str, str, DanceMaker]] = [
        (GROUND_TRUTH, "reference", lambda i, seq, rng: seq.pose),
        (STATIC, "baseline", lambda i, seq, rng: still[i]),
        (
            RETRIEVAL,
            "baseline",
            lambda i, seq, rng: retrieval.dance(seq.music, exclude=seq.name),
        ),
    ]
    for model in models:
        if model.music2dance is not None:
            rows.append((model.name, "model", _generated_dance(model.music2dance)))
    return rows


def _generated_dance(generator: Generator) -> DanceMaker:
    """A maker that runs ``generator`` from a start pose of its card's pool."""

    def make(i: int, seq: EvalSequence, rng: np.random.Generator) -> np.ndarray:
        start = generator.start_pose(rng)
        return generator.generate_long(
            seq.music, start=start, seed=int(rng.integers(SEED_RANGE))
        )

    return make


class _DanceContext:
    """What every dance row is measured against: ground-truth joints, beats, floor."""

    def __init__(self, corpus: EvalCorpus, seed: int, generations: int) -> None:
        self.sequences = corpus.sequences
        self.seed, self.generations = seed, generations
        self.truth = [
            pose_to_joints(seq.pose).astype(np.float64) for seq in self.sequences
        ]
        self.floor = estimate_floor(np.concatenate(self.truth))

    def measure(self, maker: DanceMaker, kind: str, bar: tqdm) -> dict:
        """Every metric of one row."""
        count = 1 if kind == "reference" else self.generations
        per_dance: list[dict[str, float]] = []
        diversity, dances = [], []
        for i, seq in enumerate(self.sequences):
            joints = np.stack(
                [
                    pose_to_joints(
                        maker(i, seq, np.random.default_rng([self.seed, i, g]))
                    )
                    for g in range(count)
                ]
            ).astype(np.float64)  # (G, T, 24, 3)
            if count > 1:
                diversity.append(generation_diversity(joints))
            for g, dance in enumerate(joints):
                rng = np.random.default_rng([self.seed, i, g, 1])
                per_dance.append(self._one_dance(i, dance, rng))
                dances.append(dance)
            bar.update(1)
        metrics = {key: _mean([d[key] for d in per_dance]) for key in per_dance[0]}
        metrics["diversity"] = _mean(diversity) if diversity else None
        metrics.update(self._aist(dances))
        return metrics

    def _one_dance(
        self, i: int, joints: np.ndarray, rng: np.random.Generator
    ) -> dict[str, float]:
        """Per-dance metrics of a dance for sequence ``i``."""
        beats = self.sequences[i].beats
        other = self._mismatched_beats(i, len(joints))
        walk = random_walk_like(joints, rng=rng)
        skating = foot_skating(joints, fps=FPS, floor=self.floor)
        sinking = ground_penetration(
            joints, floor=self.floor, tolerance=PENETRATION_TOLERANCE
        )
        return {
            "fd": mean_joint_distance(joints, self.truth[i]),
            "fd_body": mean_joint_distance(
                _pelvis_relative(joints), _pelvis_relative(self.truth[i])
            ),
            "beat_alignment": paper_beat_alignment(joints, beats, fps=FPS),
            "ba_random_walk": paper_beat_alignment(walk, beats, fps=FPS),
            "ba_mismatched": paper_beat_alignment(joints, other, fps=FPS),
            "bli": _locking(joints, beats),
            "bli_random_walk": _locking(walk, beats),
            "bli_mismatched": _locking(joints, other),
            "bas": beat_align_score(joints, beats, fps=FPS),
            "foot_skating": skating.speed,
            "penetration": sinking.mean_depth * CM_PER_METRE,
        }

    def _mismatched_beats(self, i: int, frames: int) -> np.ndarray:
        """The next sequence's beats (the same ones when there is only one sequence)."""
        beats = self.sequences[(i + 1) % len(self.sequences)].beats
        return beats[beats < frames]

    def _aist(self, dances: list[np.ndarray]) -> dict[str, float | None]:
        """FID_k, FID_g, Div_k, Div_g against the ground-truth dances."""
        keys = ("fid_k", "fid_g", "div_k", "div_g")
        if len(self.truth) < 2:
            _LOGGER.warning("FID and Div need at least two sequences; left out")
            return dict.fromkeys(keys)
        result = aist_metrics(
            dances, self.truth, fps=FPS, geometric_std_floor=GEOMETRIC_STD_FLOOR
        )
        return {key: _finite(getattr(result, key)) for key in keys}


def _locking(joints: np.ndarray, beats: np.ndarray) -> float:
    """Beat-locking index, NaN when the music has fewer than two beats."""
    return beat_locking_index(joints, beats, fps=FPS) if len(beats) >= 2 else math.nan


def _music_rows(
    corpus: EvalCorpus,
    composers: list[tuple[str, Generator]],
    seed: int,
    generations: int,
) -> list[dict]:
    """Notes accuracy of each dance2music model and of a mismatched-music chance level."""
    sequences = corpus.sequences
    reference = [seq.music[:, CHROMA] for seq in sequences]
    rows = []
    if len(sequences) > 1:
        scores = [
            _accuracy(reference[(i + 1) % len(reference)], ref)
            for i, ref in enumerate(reference)
        ]
        rows.append(_music_row(MISMATCHED_MUSIC, "baseline", scores))
    for name, generator in composers:
        scores = []
        for i, seq in enumerate(sequences):
            for g in range(generations):
                rng = np.random.default_rng([seed, i, g, 2])
                music = generator.generate_long(
                    seq.pose,
                    start=int(rng.integers(N_CHORDS)),
                    seed=int(rng.integers(SEED_RANGE)),
                )
                scores.append(_accuracy(music[:, MUSIC_OUT_CHROMA], reference[i]))
        rows.append(_music_row(name, "model", scores))
    return rows


def _accuracy(generated: np.ndarray, reference: np.ndarray) -> tuple[float, float]:
    """(pitch-class, chord) notes accuracy over the common length; NaN without contrast."""
    frames = min(len(generated), len(reference))
    generated = np.clip(
        generated[:frames], 0.0, None
    )  # a model may undershoot zero a little
    try:
        return tuple(  # type: ignore[return-value]
            notes_accuracy(generated, reference[:frames], level=level)
            for level in ("pitch_class", "chord")
        )
    except ParameterError as exc:  # a flat chroma has no key
        _LOGGER.warning("notes accuracy left out for one piece: %s", exc)
        return math.nan, math.nan


def _music_row(name: str, kind: str, scores: list[tuple[float, float]]) -> dict:
    return {
        "name": name,
        "kind": kind,
        "notes_accuracy": _mean([s[0] for s in scores]),
        "chord_accuracy": _mean([s[1] for s in scores]),
    }


def _config(
    corpus: EvalCorpus, models: list[ModelPair], seed: int, generations: int
) -> dict:
    """What the run measured, for the JSON (no paths of outputs, no times)."""
    return {
        "data": corpus.source,
        "sequences": [seq.name for seq in corpus.sequences],
        "frames": [len(seq.pose) for seq in corpus.sequences],
        "train_windows": len(corpus.train),
        "beat_source": corpus.beat_source,
        "fps": FPS,
        "seed": seed,
        "generations": generations,
        "models": [
            {
                "name": m.name,
                "prefix": m.prefix,
                "music2dance": m.music2dance is not None,
                "dance2music": m.dance2music is not None,
            }
            for m in models
        ],
    }


def _mean(values: list[float]) -> float | None:
    """Mean of the finite values; None when there is none."""
    finite = [v for v in values if v is not None and math.isfinite(v)]
    return float(np.mean(finite)) if finite else None


def _finite(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def _pelvis_relative(joints: np.ndarray) -> np.ndarray:
    """Joints [shape=(T, 24, 3)] relative to each frame's pelvis (joint 0)."""
    return joints - joints[:, :1]
