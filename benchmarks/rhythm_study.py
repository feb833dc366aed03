"""Which rhythm measure tells a real dance on its own music from a dance on other music?

Runs every rhythm measure of livedual on the Dance-with-Melody pairs of the real-data
folder (``$LIVEDUAL_DATA/dance_with_melody``) and prints markdown tables:

1. per measure: the matched pairs (each dance against its own song), the mismatched
   pairs (each dance against every other song's beats), two chance baselines (a random
   walk with the dance's speeds; the song's beats circularly shifted), Cohen's d and the
   AUC of matched against mismatched (also within and across dance styles), and a
   permutation p-value (matched pairs against random pairings);
2. per sequence: tempo, the motion's dominant period, the best constant time offset by
   the paper's beat alignment ratio, and the beat-locking index with its rank among all
   songs;
3. a positive control on the AIST++ motions of the folder, whose music tempo is known
   from the file name: the beat-locking index on a beat grid at the true tempo against
   grids at other tempi.

Music beats come from :func:`livedual.features.analyse_music` (the project's beat
tracker). Motion: the dataset's 23 joints plus its root ``center``, in metres, 25 fps.
Takes a few minutes (the beat tracker runs on 24 songs).

    python benchmarks/rhythm_study.py [--data DIR] [--seed 0] [--cache /tmp/dwm_beats.npz]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from livedual.const import FPS
from livedual.features import analyse_music
from livedual.metrics.aist import beat_align_score
from livedual.metrics.rhythm_sync import (
    auc,
    beat_locking_index,
    beat_phase_consistency,
    cohens_d,
    offset_scan,
    permutation_p_value,
    random_walk_like,
    shift_beats,
)
from livedual.paths import data_root
from livedual.rhythm import beat_alignment_ratio, kinematic_beats, mean_joint_speed

CM_PER_METRE = 100.0  # Dance-with-Melody positions are in centimetres
WINDOW_SECONDS = 16.0  # windowed beat-locking index: about 8 bars
OFFSET_FRAMES = np.arange(-25, 26)  # constant offsets searched: +-1 s
N_SHIFTS = 5  # circular beat shifts per dance
MIN_SHIFT_SECONDS = 2.0  # a circular shift moves the beats at least this far
PERIOD_RANGE_SECONDS = (0.3, 3.0)  # where the motion's dominant period is looked for
AIST_TEMPI = np.arange(
    80, 131, 10
)  # AIST music: track k of a genre runs at 80 + 10 k BPM
AIST_TEMPO = re.compile(r"_m[A-Z]{2}(\d)_")


@dataclass
class Pair:
    """One Dance-with-Melody sequence: world joints and the music beats of its song."""

    name: str
    joints: np.ndarray  # (T, 24, 3) metres: 23 joints + center
    beats: np.ndarray  # music beat frames, relative to the dance's first frame
    tempo: float

    @property
    def style(self) -> str:
        return self.name.split("_")[0]


def load_pairs(root: Path, cache: Path | None = None) -> list[Pair]:
    """Read every DANCE_* folder: skeletons + center, and the song's beats.

    The beat tracking is the slow part; with ``cache`` its results are kept in that
    ``.npz`` file (outside the repository) and reused.
    """
    tracked = dict(np.load(cache)) if cache is not None and cache.is_file() else {}
    pairs = []
    for folder in sorted(root.glob("DANCE_*"), key=_natural):
        name = folder.name.removeprefix("DANCE_")
        config = json.loads((folder / "config.json").read_text())
        data = json.loads((folder / "skeletons.json").read_text())
        skeleton = np.asarray(data["skeletons"], dtype=np.float64)
        center = np.asarray(data["center"], dtype=np.float64)
        joints = np.concatenate([skeleton + center[:, None], center[:, None]], axis=1)
        if f"{name}/beats" not in tracked:
            music = analyse_music(folder / "audio.mp3")
            tracked[f"{name}/beats"] = music.beat_times
            tracked[f"{name}/tempo"] = np.array(music.tempo)
        times, tempo = tracked[f"{name}/beats"], float(tracked[f"{name}/tempo"])
        beats = np.round(times * FPS).astype(int) - int(config["start_position"])
        pairs.append(Pair(name, joints / CM_PER_METRE, beats, tempo))
        print(
            f"  loaded {name}: {len(joints)} frames, {tempo:.0f} BPM", file=sys.stderr
        )
    if cache is not None:
        np.savez(cache, **tracked)
    return pairs


def _natural(path: Path) -> tuple:
    """Sort DANCE_W_3 before DANCE_W_10."""
    return tuple(int(t) if t.isdigit() else t for t in re.split(r"(\d+)", path.name))


def within(beats: np.ndarray, n_frames: int) -> np.ndarray:
    """Beats inside the dance."""
    return beats[(beats >= 0) & (beats < n_frames)]


Measure = Callable[[np.ndarray, np.ndarray], float]


def measures() -> dict[str, Measure]:
    """Every rhythm measure as ``score(joints, music_beats)``."""

    def paper_ba(joints: np.ndarray, beats: np.ndarray) -> float:
        return beat_alignment_ratio(kinematic_beats(joints, fps=FPS), beats)

    def bas(joints: np.ndarray, beats: np.ndarray) -> float:
        return beat_align_score(joints, beats, fps=FPS)

    def phase(joints: np.ndarray, beats: np.ndarray) -> float:
        return beat_phase_consistency(kinematic_beats(joints, fps=FPS), beats)[0]

    def locking(joints: np.ndarray, beats: np.ndarray) -> float:
        return beat_locking_index(joints, beats, fps=FPS)

    def locking_windowed(joints: np.ndarray, beats: np.ndarray) -> float:
        return beat_locking_index(joints, beats, fps=FPS, window_seconds=WINDOW_SECONDS)

    return {
        "paper beat alignment ratio": paper_ba,
        "Bailando BAS (sigma 3/60 s)": bas,
        "kinematic-beat phase consistency R": phase,
        "beat-locking index (whole)": locking,
        f"beat-locking index ({WINDOW_SECONDS:.0f} s windows)": locking_windowed,
    }


def pairing(
    dance: Pair, song: Pair, n_frames: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Dance joints and song beats over the first frames both cover.

    A song's audio ends shortly after its own dance, so a longer dance is cut to the
    other dance's length (or to ``n_frames``): otherwise its tail, with no beats at all,
    would make every mismatched pair look worse.
    """
    n = min(len(dance.joints), len(song.joints), n_frames or len(dance.joints))
    return dance.joints[:n], within(song.beats, n)


def score_matrix(pairs: list[Pair], measure: Measure, n_frames: int) -> np.ndarray:
    """scores[i, j]: dance i against the beats of song j, over the first n_frames frames.

    One length for every pair, so that matched and mismatched pairs are judged on the
    same stretch of each dance.
    """
    return np.array([[measure(*pairing(p, q, n_frames)) for q in pairs] for p in pairs])


def baselines(
    pairs: list[Pair], measure: Measure, n_frames: int, rng: np.random.Generator
) -> tuple[float, float]:
    """Mean score of random walks on the true beats, and of the dances on shifted beats."""
    walks, shifted = [], []
    for p in pairs:
        joints, beats = pairing(p, p, n_frames)
        n = len(joints)
        walks.append(measure(random_walk_like(joints, rng=rng), beats))
        low = MIN_SHIFT_SECONDS * FPS
        for shift in rng.uniform(low, n - low, size=N_SHIFTS):
            moved = shift_beats(beats, shift_frames=shift, n_frames=n)
            shifted.append(measure(joints, np.unique(np.round(moved).astype(int))))
    return float(np.mean(walks)), float(np.mean(shifted))


def separation_row(
    name: str,
    scores: np.ndarray,
    pairs: list[Pair],
    walk: float,
    shifted: float,
    rng: np.random.Generator,
) -> str:
    """One markdown row: means, effect sizes and the permutation p-value."""
    n = len(pairs)
    off = ~np.eye(n, dtype=bool)
    same = np.array([[p.style == q.style for q in pairs] for p in pairs])
    matched, mismatched = np.diag(scores), scores[off]

    def mean_auc(mask: np.ndarray) -> float:
        rows = [
            auc(scores[i, i : i + 1], scores[i, mask[i] & off[i]]) for i in range(n)
        ]
        return float(np.mean(rows))

    return (
        f"| {name} | {matched.mean():.3f} | {mismatched.mean():.3f} | {walk:.3f} | "
        f"{shifted:.3f} | {cohens_d(matched, mismatched):+.2f} | "
        f"{auc(matched, mismatched):.2f} | {mean_auc(same):.2f} | {mean_auc(~same):.2f} | "
        f"{permutation_p_value(scores, rng=rng):.3f} |"
    )


def dominant_period(joints: np.ndarray, fps: float) -> float:
    """Lag (s) of the highest autocorrelation peak of the detrended mean joint speed."""
    speed = mean_joint_speed(joints, fps=fps)
    x = speed - np.convolve(speed, np.ones(int(fps)) / int(fps), mode="same")
    spectrum = np.fft.rfft(x - x.mean(), 2 * len(x))
    acf = np.fft.irfft(np.abs(spectrum) ** 2)[: len(x)]
    lags = np.arange(len(x)) / fps
    lo, hi = PERIOD_RANGE_SECONDS
    inner = np.arange(1, len(x) - 1)
    peaks = inner[(acf[inner] > acf[inner - 1]) & (acf[inner] >= acf[inner + 1])]
    peaks = peaks[(lags[peaks] >= lo) & (lags[peaks] <= hi)]
    return float(lags[peaks[np.argmax(acf[peaks])]]) if len(peaks) else float("nan")


def best_offsets(dance: Pair, song: Pair) -> np.ndarray:
    """The paper's beat alignment ratio for every offset of :data:`OFFSET_FRAMES`."""
    joints, _ = pairing(dance, song)
    n = len(joints)
    kinematic = kinematic_beats(joints, fps=FPS)

    def ratio(beats: np.ndarray) -> float:
        return beat_alignment_ratio(kinematic, within(np.round(beats).astype(int), n))

    return offset_scan(ratio, song.beats, offsets=OFFSET_FRAMES)


def per_sequence_table(pairs: list[Pair], locking: np.ndarray) -> list[str]:
    """Tempo, motion period, best offset and locking rank of every sequence."""
    header = (
        "| seq | tempo BPM | motion period s (beats) | BA at 0 | best offset s | BA there "
        f"| mismatched BA at their best offsets | locking | rank of own song /{len(pairs)} |"
    )
    lines = [header, "|---|---|---|---|---|---|---|---|---|"]
    for i, p in enumerate(pairs):
        scan = best_offsets(p, p)
        others = [best_offsets(p, q).max() for q in pairs if q is not p]
        period = dominant_period(p.joints, FPS)
        beats_per_period = period * p.tempo / 60
        rank = 1 + int(np.sum(locking[i] > locking[i, i]))
        best = int(np.argmax(scan))
        lines.append(
            f"| {p.name} | {p.tempo:.0f} | {period:.2f} ({beats_per_period:.2f}) | "
            f"{scan[OFFSET_FRAMES == 0][0]:.2f} | {OFFSET_FRAMES[best] / FPS:+.2f} | "
            f"{scan[best]:.2f} | {np.mean(others):.2f} | {locking[i, i]:.3f} | {rank} |"
        )
    return lines


def aist_control(root: Path) -> list[str]:
    """Locking index of AIST++ motions on beat grids at the true and at other tempi."""
    from livedual.data.formats import read_aist_pickle
    from livedual.skeleton import pose_to_joints

    paths = sorted((root / "aistpp" / "motions").glob("*.pkl"))
    if not paths:
        return ["(no AIST++ motions found)"]
    lines = [
        "| motion | true BPM | "
        + " | ".join(f"{t}" for t in AIST_TEMPI)
        + " | true tempo rank |",
        "|---|---|" + "---|" * len(AIST_TEMPI) + "---|",
    ]
    for path in paths:
        pose, fps = read_aist_pickle(path)
        joints = pose_to_joints(pose)
        match = AIST_TEMPO.search(path.name)
        true = 80 + 10 * int(match.group(1)) if match else None
        values = []
        for bpm in AIST_TEMPI:
            grid = np.arange(0, len(joints), fps * 60 / bpm)
            values.append(beat_locking_index(joints, grid, fps=fps, cycles=(1, 2, 4)))
        values = np.array(values)
        rank = (
            1 + int(np.sum(values > values[AIST_TEMPI == true][0]))
            if true in AIST_TEMPI
            else "-"
        )
        lines.append(
            f"| {path.stem} | {true} | "
            + " | ".join(f"{v:.3f}" for v in values)
            + f" | {rank} |"
        )
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=None, help="the real-data folder")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--cache", type=Path, default=None, help="beat cache (.npz) to reuse"
    )
    args = parser.parse_args(argv)
    root = args.data or data_root()
    if root is None or not (root / "dance_with_melody").is_dir():
        sys.exit("no dance_with_melody folder: set LIVEDUAL_DATA or pass --data")
    rng = np.random.default_rng(args.seed)
    pairs = load_pairs(root / "dance_with_melody", args.cache)

    n_frames = min(len(p.joints) for p in pairs)
    print(
        f"## Rhythm measures on {len(pairs)} Dance-with-Melody pairs "
        f"(first {n_frames} frames = {n_frames / FPS:.0f} s of each, 25 fps)\n"
    )
    print(
        "| measure | matched | mismatched | random walk | shifted beats | Cohen's d | AUC "
        "| AUC within style | AUC across styles | permutation p |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    matrices = {}
    for name, measure in measures().items():
        scores = score_matrix(pairs, measure, n_frames)
        matrices[name] = scores
        walk, shifted = baselines(pairs, measure, n_frames, rng)
        print(separation_row(name, scores, pairs, walk, shifted, rng))

    print(
        "\n## Per sequence\n\nOffsets and periods over the whole dance; the locking index "
        f"and its rank over the first {n_frames} frames, as above.\n"
    )
    print("\n".join(per_sequence_table(pairs, matrices["beat-locking index (whole)"])))
    print(
        "\n## Positive control: AIST++ motions on beat grids of several tempi (60 fps)\n"
    )
    print("\n".join(aist_control(root)))


if __name__ == "__main__":
    main()
