"""The model card: the JSON file that travels with every ONNX model (``<name>.onnx.json``).

It holds everything the runtime needs to use a model without torch or the training code:
the task, the frame rate and window, the tensor names and shapes, the feature and pose
layouts with their normalisation statistics, how the model was trained, and the sha256 of
the ``.onnx`` it describes. Unknown keys are ignored so that older runtimes read newer
cards; a card of a newer *format* is refused with a clear message.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from . import __version__
from .atomic import atomic_write
from .const import FPS, MUSIC_DIM, MUSIC_OUT_DIM, POSE_DIM, WINDOW_FRAMES
from .errors import ModelCardError

FORMAT_VERSION = 1
MUSIC_TO_DANCE = "music2dance"
DANCE_TO_MUSIC = "dance2music"
TASKS = (MUSIC_TO_DANCE, DANCE_TO_MUSIC)
# Feature width of the main input and output of each task.
TASK_DIMS = {
    MUSIC_TO_DANCE: (MUSIC_DIM, POSE_DIM),
    DANCE_TO_MUSIC: (POSE_DIM, MUSIC_OUT_DIM),
}
DYNAMIC = "batch"  # how a dynamic (batch) dimension is written in a shape


@dataclass
class TensorSpec:
    """Name, shape and element type of one graph input or output."""

    name: str
    shape: list[int | str]
    """Dimensions; a string (``"batch"``) marks a dynamic one."""
    dtype: str = "float32"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TensorSpec:
        try:
            return cls(
                name=str(data["name"]),
                shape=list(data["shape"]),
                dtype=str(data.get("dtype", "float32")),
            )
        except (KeyError, TypeError) as exc:
            raise ModelCardError(
                f"a tensor entry of the card is malformed ({exc}): {data!r}"
            ) from None


@dataclass
class ModelCard:
    """Everything the runtime needs to know about one exported generator."""

    task: str
    """``music2dance`` (G_M->D) or ``dance2music`` (G_D->M)."""
    inputs: list[TensorSpec]
    """Graph inputs, the main window first, then the start token and the seed vector."""
    outputs: list[TensorSpec]
    """Graph outputs, the generated window first."""
    seed_dim: int
    """Width of the random seed vector that gives diversity."""
    input_mean: list[float]
    """Normalisation statistics of the main input, per feature (the graph applies them)."""
    input_std: list[float]
    fps: int = FPS
    window_frames: int = WINDOW_FRAMES
    input_layout: str = ""
    """Names the layout of the main input (e.g. ``music53``, ``pose147``)."""
    output_layout: str = ""
    preset: str = ""
    model_args: dict[str, Any] = field(default_factory=dict)
    training: dict[str, Any] = field(default_factory=dict)
    """Data, configuration and steps of the run that produced the model."""
    start_pool: list[list[float]] = field(default_factory=list)
    """Start tokens to draw from at inference (poses for music2dance); may be empty."""
    onnx_sha256: str = ""
    format_version: int = FORMAT_VERSION
    livedual_version: str = __version__

    def __post_init__(self) -> None:
        self.validate()

    # --- (de)serialisation --------------------------------------------------------
    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelCard:
        """Build a card from parsed JSON; unknown keys are ignored."""
        if not isinstance(data, dict):
            raise ModelCardError(
                f"a model card must be a JSON object, not {type(data).__name__}."
            )
        version = data.get("format_version", FORMAT_VERSION)
        if not isinstance(version, int) or version > FORMAT_VERSION:
            raise ModelCardError(
                f"the model card has format version {version!r}, but this livedual "
                f"({__version__}) reads version {FORMAT_VERSION} at most: upgrade livedual."
            )
        known = {f.name for f in fields(cls)}
        kwargs = {k: v for k, v in data.items() if k in known}
        missing = [
            name
            for name in (
                "task",
                "inputs",
                "outputs",
                "seed_dim",
                "input_mean",
                "input_std",
            )
            if name not in kwargs
        ]
        if missing:
            raise ModelCardError(f"the model card lacks {', '.join(missing)}.")
        kwargs["inputs"] = [
            TensorSpec.from_dict(t) for t in _list(kwargs["inputs"], "inputs")
        ]
        kwargs["outputs"] = [
            TensorSpec.from_dict(t) for t in _list(kwargs["outputs"], "outputs")
        ]
        try:
            return cls(**kwargs)
        except TypeError as exc:
            raise ModelCardError(f"the model card is malformed: {exc}.") from None

    def to_dict(self) -> dict[str, Any]:
        """The card as plain JSON-serialisable data."""
        return asdict(self)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> ModelCard:
        """Read a card from a JSON file."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ModelCardError(
                f"{path}: no model card. A model is two files that travel together: "
                f"NAME.onnx and NAME.onnx.json."
            ) from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ModelCardError(f"{path}: not valid JSON ({exc}).") from None
        try:
            return cls.from_dict(data)
        except ModelCardError as exc:
            raise ModelCardError(f"{path}: {exc}") from None

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the card as indented JSON, atomically."""
        with atomic_write(path, "w") as handle:
            json.dump(self.to_dict(), handle, indent=2)
            handle.write("\n")

    # --- checks -------------------------------------------------------------------
    def validate(self) -> None:
        """Raise :class:`ModelCardError` when the card contradicts itself or this runtime."""
        if self.task not in TASKS:
            raise ModelCardError(
                f"unknown task {self.task!r}; expected one of {', '.join(TASKS)}."
            )
        if self.fps != FPS or self.window_frames != WINDOW_FRAMES:
            raise ModelCardError(
                f"the model works at {self.fps} fps with {self.window_frames}-frame windows; "
                f"this livedual needs {FPS} fps and {WINDOW_FRAMES} frames."
            )
        if not self.inputs or not self.outputs:
            raise ModelCardError("the model card names no inputs or no outputs.")
        in_dim, out_dim = TASK_DIMS[self.task]
        if len(self.input_mean) != in_dim or len(self.input_std) != in_dim:
            raise ModelCardError(
                f"a {self.task} model needs {in_dim} normalisation values per statistic, "
                f"the card has {len(self.input_mean)} means and {len(self.input_std)} deviations."
            )
        expected = {0: (self.inputs[0], in_dim), 1: (self.outputs[0], out_dim)}
        for spec, dim in expected.values():
            if spec.shape[-1] != dim or spec.shape[-2] != self.window_frames:
                raise ModelCardError(
                    f"tensor {spec.name!r} has shape {spec.shape}; a {self.task} window is "
                    f"(batch, {self.window_frames}, {dim})."
                )
        if self.seed_dim < 0:
            raise ModelCardError(f"seed_dim must not be negative, not {self.seed_dim}.")

    def input_named(self, name: str) -> TensorSpec:
        """The input spec called ``name``."""
        for spec in self.inputs:
            if spec.name == name:
                return spec
        raise ModelCardError(f"the model has no input called {name!r}.")


def card_path_for(model_path: str | os.PathLike[str]) -> Path:
    """Where the card of ``model_path`` lives: ``<model>.onnx.json``."""
    return Path(f"{os.fspath(model_path)}.json")


def file_sha256(path: str | os.PathLike[str]) -> str:
    """Hex sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _list(value: Any, key: str) -> list[Any]:
    if not isinstance(value, list):
        raise ModelCardError(f"'{key}' of the model card must be a list.")
    return value
