"""Cache a dataset as training windows: one ``.npz`` per sequence plus a manifest.

The work is per sequence, so it runs in parallel over files, resumes by skipping
sequences whose file already exists, and reports a bad sequence and goes on with the rest.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm import tqdm

from ..atomic import atomic_write
from ..const import WINDOW_FRAMES
from ..errors import DataError, LiveDualError
from .windows import WindowSet, cut_windows

_LOGGER = logging.getLogger(__name__)
MANIFEST = "prepare.json"


@dataclass(frozen=True)
class PairedSequence:
    """One sequence of a dataset: paired music features and poses at 25 fps."""

    name: str
    genre: str
    music: np.ndarray  # (T, 53)
    pose: np.ndarray  # (T, 147)


# A dataset is a function listing its items under a root and one loading an item.
Lister = Callable[[Path], list[str]]
Loader = Callable[[str], PairedSequence]


@dataclass
class PrepareReport:
    """What a ``prepare`` run did."""

    written: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    windows: int = 0


def sequence_windows(seq: PairedSequence, *, stride: int) -> WindowSet:
    """Cut one sequence into windows of 75 frames every ``stride`` frames."""
    length = min(len(seq.music), len(seq.pose))
    starts = cut_windows(length, stride=stride)
    if len(starts) == 0:
        raise DataError(
            f"{seq.name}: {length} frames is shorter than one {WINDOW_FRAMES}-frame window."
        )
    index = starts[:, None] + np.arange(WINDOW_FRAMES)[None, :]  # (K, 75)
    count = len(starts)
    return WindowSet(
        music=seq.music[index],
        pose=seq.pose[index],
        genre=np.full(count, seq.genre),
        sequence=np.full(count, seq.name),
    )


def output_name(item: str) -> str:
    """File name of an item's windows: its last path component with ``.npz``."""
    return f"{Path(item).stem if Path(item).suffix else Path(item).name}.npz"


def _prepare_one(loader: Loader, item: str, out_path: Path, stride: int) -> int:
    windows = sequence_windows(loader(item), stride=stride)
    windows.save(out_path)
    return len(windows)


def prepare(
    items: Sequence[str],
    *,
    loader: Loader,
    out_dir: Path,
    stride: int,
    jobs: int = 1,
    progress: bool = True,
) -> PrepareReport:
    """Write the windows of every item to ``out_dir`` and a manifest ``prepare.json``.

    Items whose output already exists are skipped (resume). An item that fails is logged
    with its reason and recorded in the manifest; the run goes on.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    report = PrepareReport()
    todo = []
    for item in items:
        path = out_dir / output_name(item)
        if path.exists():
            report.skipped.append(item)
        else:
            todo.append((item, path))
    bar = tqdm(total=len(todo), desc="prepare", unit="seq", disable=not progress)
    with (
        ProcessPoolExecutor(max_workers=max(1, jobs)) if jobs > 1 else _Inline() as pool
    ):
        futures = [
            (item, pool.submit(_prepare_one, loader, item, path, stride))
            for item, path in todo
        ]
        for item, future in futures:
            try:
                report.windows += future.result()
                report.written.append(item)
            except Exception as exc:  # noqa: BLE001 - one bad file must not end the run
                reason = (
                    str(exc)
                    if isinstance(exc, LiveDualError)
                    else f"{type(exc).__name__}: {exc}"
                )
                report.failed[item] = reason
                _LOGGER.warning("skipped %s: %s", item, reason)
            bar.update(1)
    bar.close()
    _write_manifest(out_dir, report, stride)
    return report


def _write_manifest(out_dir: Path, report: PrepareReport, stride: int) -> None:
    files = sorted(p.name for p in out_dir.glob("*.npz"))
    manifest: dict[str, object] = {
        "stride": stride,
        "window_frames": WINDOW_FRAMES,
        "files": files,
        "windows": 0,
        "failed": report.failed,
    }
    if files:
        everything = WindowSet.concatenate(
            [WindowSet.load(out_dir / name) for name in files]
        )
        mean, std = everything.music_stats()
        manifest.update(
            windows=len(everything),
            genres=sorted(set(everything.genre.tolist())),
            music_mean=mean.tolist(),
            music_std=std.tolist(),
        )
    with atomic_write(out_dir / MANIFEST, "w") as handle:
        json.dump(manifest, handle, indent=2)


class _Inline:
    """A stand-in for an executor that runs each job in this process (jobs=1)."""

    def __enter__(self) -> _Inline:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def submit(self, fn: Callable, *args: object) -> _Deferred:
        return _Deferred(fn, args)


@dataclass
class _Deferred:
    """Runs its job when its result is asked for, so progress shows job by job."""

    fn: Callable
    args: tuple

    def result(self) -> object:
        return self.fn(*self.args)


def default_jobs() -> int:
    """Worker processes to use by default: all cores but one, at least one."""
    return max(1, (os.cpu_count() or 2) - 1)
