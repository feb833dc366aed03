"""Results of an evaluation as markdown tables and files (``results.json``, ``results.md``)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

from ..atomic import atomic_write

RESULTS_JSON = "results.json"
RESULTS_MD = "results.md"
MISSING = "—"  # a metric that does not apply to a row

# (key, header, format) of the dance table: the paper's Table 2 columns first.
DANCE_COLUMNS = (
    ("fd", "FD (cm) ↓", "{:.1f}"),
    ("fd_body", "FD body (cm) ↓", "{:.1f}"),
    ("diversity", "Diversity (cm) ↑", "{:.1f}"),
    ("beat_alignment", "Beat align. ↑", "{:.1%}"),
    ("ba_random_walk", "BA random walk", "{:.1%}"),
    ("ba_mismatched", "BA mismatched beats", "{:.1%}"),
    ("fid_k", "FID_k ↓", "{:.3g}"),
    ("fid_g", "FID_g ↓", "{:.3g}"),
    ("div_k", "Div_k ↑", "{:.3g}"),
    ("div_g", "Div_g ↑", "{:.3g}"),
    ("bas", "BAS ↑", "{:.4f}"),
    ("bli", "BLI ↑", "{:.3f}"),
    ("bli_random_walk", "BLI random walk", "{:.3f}"),
    ("bli_mismatched", "BLI mismatched beats", "{:.3f}"),
    ("foot_skating", "Foot skating (m/s) ↓", "{:.3f}"),
    ("penetration", "Penetration (cm) ↓", "{:.2f}"),
)
MUSIC_COLUMNS = (
    ("notes_accuracy", "Notes accuracy ↑", "{:.1%}"),
    ("chord_accuracy", "Chord accuracy ↑", "{:.1%}"),
)


def markdown_table(rows: list[dict], columns: tuple[tuple[str, str, str], ...]) -> str:
    """A markdown table: one line per row dict, one column per ``(key, header, format)``.

    Parameters
    ----------
    rows : list of dict
        Each with ``"name"`` and the column keys (a value of None prints as a dash).
    columns : tuple of (str, str, str)

    Returns
    -------
    table : str
        Lines joined by newlines, no trailing newline.
    """
    header = "| Method | " + " | ".join(title for _, title, _ in columns) + " |"
    rule = "|---|" + "---:|" * len(columns)
    lines = [header, rule]
    for row in rows:
        cells = [_cell(row.get(key), fmt) for key, _, fmt in columns]
        lines.append(f"| {row['name']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def results_markdown(results: dict) -> str:
    """The report of :func:`livedual.evaluation.evaluate`'s results, as markdown."""
    config = results["config"]
    parts = [
        "# livedual evaluation",
        "",
        f"Data: {config['data']}, {len(config['sequences'])} sequences "
        f"({sum(config['frames'])} frames at {config['fps']} fps), beats from "
        f"{config['beat_source']}; {config['generations']} generations per sequence; "
        f"seed {config['seed']}; baselines drew from {config['train_windows']} training windows.",
        "",
        "## Dance (paper Table 2, AIST++ protocol, rhythm chance levels, physical sanity)",
        "",
        markdown_table(results["dance"], DANCE_COLUMNS),
        "",
        'FD: mean joint distance to the ground truth (the paper\'s "Fréchet distance"); '
        "FD body: the same relative to the pelvis (where the dancer travels left out). "
        'BA: the paper\'s beat alignment ratio; BLI: beat-locking index. "random walk": '
        'the same dances\' speeds in random order and directions; "mismatched beats": the '
        "next sequence's beats. A rhythm score means little unless it beats both. FID and Div "
        "are normalised by the ground-truth dances' statistics (geometric standard deviations "
        "floored at 0.01): with few sequences they are unstable (the AIST++ protocol uses tens).",
    ]
    if results["music"]:
        parts += [
            "",
            "## Music (paper Table 4: notes accuracy after transposing to C)",
            "",
            markdown_table(results["music"], MUSIC_COLUMNS),
        ]
    return "\n".join(parts) + "\n"


def write_results(
    results: dict,
    out_dir: str | os.PathLike[str],
    *,
    markdown: Callable[[dict], str] = results_markdown,
) -> tuple[Path, Path]:
    """Write ``results.json`` and ``results.md`` into ``out_dir`` (created if needed).

    ``markdown`` renders the results as the markdown report (the ablation adds its table).

    Returns
    -------
    paths : tuple of Path
        The JSON and the markdown file.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    json_path, md_path = out / RESULTS_JSON, out / RESULTS_MD
    text = json.dumps(results, indent=1, ensure_ascii=False, allow_nan=False) + "\n"
    for path, content in ((json_path, text), (md_path, markdown(results))):
        with atomic_write(path) as handle:  # bytes: the tables hold non-ASCII signs
            handle.write(content.encode("utf-8"))
    return json_path, md_path


def _cell(value: float | None, fmt: str) -> str:
    return MISSING if value is None else fmt.format(value)
