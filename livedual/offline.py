"""Offline generation: a song to a dance (``livedual dance``), a dance to music
(``livedual compose``). Both run the exported generators through ONNX Runtime and write
every file a user may want, timing each step.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .audio import write_wav
from .card import DANCE_TO_MUSIC, MUSIC_TO_DANCE
from .const import FPS, SAMPLE_RATE
from .errors import DataError, ModelError
from .inference import Generator, RuntimeOptions, check_overlap
from .io.midi import write_midi_file
from .io.notes import Note, decode_notes, motion_energy

_LOGGER = logging.getLogger(__name__)

MODELS_DIR = Path(__file__).parent / "models"
STARTER_MODELS = {
    task: MODELS_DIR / f"starter_{task}.onnx"
    for task in (MUSIC_TO_DANCE, DANCE_TO_MUSIC)
}
DANCE_FORMATS = (".npz", ".pkl", ".bvh")
# Frames each window shares with the previous one in `livedual dance` (see
# Generator.generate_long): with windows back to back, the starter's joint acceleration
# where they meet was 4x the truth's; faded over 10 frames, 1.4x (1.2x elsewhere).
DANCE_OVERLAP = 10


@dataclass
class Timings:
    """Seconds spent per step, in the order the steps ran."""

    steps: dict[str, float] = field(default_factory=dict)

    def measure(self, name: str) -> _Timer:
        return _Timer(self, name)

    @property
    def total(self) -> float:
        return sum(self.steps.values())


class _Timer:
    def __init__(self, timings: Timings, name: str) -> None:
        self.timings, self.name = timings, name

    def __enter__(self) -> None:
        self.start = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        self.timings.steps[self.name] = (
            self.timings.steps.get(self.name, 0.0) + time.perf_counter() - self.start
        )


def load_model(
    task: str,
    model: str | os.PathLike[str] | None = None,
    *,
    options: RuntimeOptions = RuntimeOptions(),
) -> Generator:
    """The generator at ``model``, or the shipped starter model of ``task``."""
    path = Path(model) if model is not None else STARTER_MODELS[task]
    if model is None and not path.is_file():
        raise ModelError(
            f"no starter model at {path}; pass --model NAME.onnx (see 'livedual export')."
        )
    generator = Generator.load(path, options=options)
    if generator.task != task:
        raise ModelError(
            f"{path} is a {generator.task} model; this needs a {task} model."
        )
    return generator


@dataclass
class DanceResult:
    """A generated dance and where it was written."""

    pose: np.ndarray  # (T, 147)
    files: list[Path]
    duration_s: float
    timings: Timings

    @property
    def realtime_factor(self) -> float:
        """Seconds of music per second of work."""
        return self.duration_s / max(self.timings.total, 1e-9)


def dance_song(
    song: str | os.PathLike[str],
    *,
    out_dir: str | os.PathLike[str],
    generator: Generator,
    seed: int = 0,
    video: bool = True,
    name: str | None = None,
    overlap: int = DANCE_OVERLAP,
) -> DanceResult:
    """Dance to a song: features, chained generation, and the dance in every format.

    Parameters
    ----------
    song : path
        Any audio file librosa can read.
    out_dir : path
        Receives ``NAME.npz``, ``NAME.pkl`` (AIST++ layout), ``NAME.bvh`` and, with
        ``video``, ``NAME.mp4`` (the skeleton with the song).
    generator : Generator
        A music2dance model.
    seed : int
        Same seed, same dance.
    overlap : int
        Frames each 3 s window shares with the one before, faded across (0: the paper's
        chaining, windows back to back).
    """
    from .data.formats import write_motion
    from .features import music_features

    check_overlap(overlap)  # before the features, which take a while on a long song
    song, out = Path(song), Path(out_dir)
    name = name or song.stem
    timings = Timings()
    with timings.measure("features"):
        features = music_features(song)
    with timings.measure("generate"):
        pose = generator.generate_long(features, seed=seed, overlap=overlap)
    files = []
    with timings.measure("write"):
        for suffix in DANCE_FORMATS:
            files.append(write_motion(out / f"{name}{suffix}", pose, fps=FPS))
    if video:
        from .render import render_motion_video

        with timings.measure("video"):
            files.append(
                render_motion_video(
                    pose, out / f"{name}.mp4", fps=FPS, audio=song, title=name
                )
            )
    return DanceResult(pose, files, len(features) / FPS, timings)


def read_dance(path: str | os.PathLike[str]) -> np.ndarray:
    """Poses [shape=(T, 147)] at 25 fps from a motion file or a Dance-with-Melody folder."""
    path = Path(path)
    if path.is_dir():
        from .data.dwm import read_dwm_motion
        from .ik import fit_dwm

        motion = read_dwm_motion(path)
        return fit_dwm(joints=motion.joints, center=motion.center).pose
    if not path.exists():
        raise DataError(f"{path}: no such motion file or folder.")
    from .data.formats import read_motion

    return read_motion(path, fps=FPS)[0]


@dataclass
class ComposeResult:
    """Generated music frames, their notes, and where they were written."""

    music: np.ndarray  # (T, 13)
    notes: list[Note]
    files: list[Path]
    timings: Timings


def _dance_beats(pose: np.ndarray) -> np.ndarray:
    """Kinematic beats of a dance: onsets for a model whose beat output stays low."""
    from .rhythm import kinematic_beats
    from .skeleton import pose_to_joints

    return kinematic_beats(pose_to_joints(pose), fps=FPS)


def compose_dance(
    pose: np.ndarray,
    *,
    out_midi: str | os.PathLike[str],
    generator: Generator,
    seed: int = 0,
    audio: bool = True,
    picture: bool = True,
) -> ComposeResult:
    """Music for a dance: chained generation, notes, a MIDI file, a WAV and a piano roll.

    Parameters
    ----------
    pose : np.ndarray [shape=(T, 147)]
    out_midi : path
        The ``.mid`` to write; the WAV and PNG go beside it with the same stem.
    generator : Generator
        A dance2music model.
    """
    out_midi = Path(out_midi)
    timings = Timings()
    with timings.measure("generate"):
        music = generator.generate_long(pose, seed=seed)
    with timings.measure("notes"):
        notes = decode_notes(
            music=music,
            motion_energy=motion_energy(pose=pose),
            motion_beats=_dance_beats(pose),
        )
    files = []
    with timings.measure("write"):
        write_midi_file(notes, out_midi)
        files.append(out_midi)
    if audio:
        from .note_synth import render_notes

        with timings.measure("audio"):
            wav = out_midi.with_suffix(".wav")
            files.append(
                write_wav(
                    wav, render_notes(notes, duration_s=len(pose) / FPS), sr=SAMPLE_RATE
                )
            )
    if picture:
        from .render_music import render_piano_roll

        with timings.measure("picture"):
            rows = [(n.pitch, n.start_s, n.end_s, n.velocity) for n in notes]
            files.append(
                render_piano_roll(
                    rows,
                    out_midi.with_suffix(".png"),
                    duration=len(pose) / FPS,
                    title=out_midi.stem,
                )
            )
    _LOGGER.info("%d notes over %.1f s", len(notes), len(pose) / FPS)
    return ComposeResult(music, notes, files, timings)
