"""``livedual eval``: generate dances (and music) for held-out data and measure them.

- :mod:`.corpus` — held-out sequences (synthetic songs or a prepared folder) and the
  baselines' training windows.
- :mod:`.baselines` — the static mean pose and retrieval by music features.
- :mod:`.run` — every row measured with :mod:`livedual.metrics`.
- :mod:`.tables` — ``results.json`` and ``results.md`` (tables laid out like the paper's).
"""

from __future__ import annotations

from .baselines import RetrievalBaseline, static_mean_pose
from .corpus import (
    EVAL_SEED_BASE,
    EvalCorpus,
    EvalSequence,
    prepared_corpus,
    synthetic_corpus,
)
from .run import DEFAULT_GENERATIONS, ModelPair, evaluate, load_model_pair
from .tables import markdown_table, results_markdown, write_results

__all__ = [
    "DEFAULT_GENERATIONS",
    "EVAL_SEED_BASE",
    "EvalCorpus",
    "EvalSequence",
    "ModelPair",
    "RetrievalBaseline",
    "evaluate",
    "load_model_pair",
    "markdown_table",
    "prepared_corpus",
    "results_markdown",
    "static_mean_pose",
    "synthetic_corpus",
    "write_results",
]
