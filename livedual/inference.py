"""Run exported generators with ONNX Runtime: no torch, one window or a whole sequence.

A model is ``NAME.onnx`` plus its card ``NAME.onnx.json``. :meth:`Generator.load` checks
the card against the file's sha256 and against the graph's inputs and outputs once, at
load time, so a wrong or damaged model fails before the show rather than during it.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .card import (
    DANCE_TO_MUSIC,
    MUSIC_TO_DANCE,
    ModelCard,
    TensorSpec,
    card_path_for,
    file_sha256,
)
from .chords import best_chord
from .const import MUSIC_OUT_CHROMA, N_CHORDS, POSE_DIM, WINDOW_FRAMES
from .errors import ModelCardError, ModelError, ParameterError
from .pose import interpolator_for

_LOGGER = logging.getLogger(__name__)

# Tensor names shared with the exporter.
WINDOW_INPUT = "window"
START_INPUT = "start"
SEED_INPUT = "seed"
OUTPUT = "generated"

_ORT_TYPES = {
    "tensor(float)": "float32",
    "tensor(int64)": "int64",
    "tensor(float16)": "float16",
}
DEVICES = ("auto", "cpu", "cuda")
# Intra-op threads unless asked otherwise. Measured on 2 cores shared with other work
# (load 2): one thread ran a window twice as fast as two, 5.4 against 10.8 ms for the
# small preset and 76 against 150 ms for the paper size (``livedual bench --cases m2d``);
# the live path runs features, generation and the output clock side by side, so spare
# cores are rare. 0 asks for ONNX Runtime's own choice (a thread per physical core),
# which pays off for large models on an idle many-core machine.
DEFAULT_THREADS = 1


@dataclass(frozen=True)
class RuntimeOptions:
    """How to run a model."""

    device: str = "auto"
    """``auto`` (CUDA when onnxruntime-gpu sees a GPU, else CPU), ``cpu`` or ``cuda``."""
    threads: int | None = None
    """Intra-op threads; ``None``: :data:`DEFAULT_THREADS`; 0: ONNX Runtime's choice (one per physical core)."""


class Generator:
    """One exported generator (G_M->D or G_D->M) in an ONNX Runtime session."""

    def __init__(
        self, session: object, card: ModelCard, path: Path, provider: str
    ) -> None:
        self.session = session
        self.card = card
        self.path = path
        self.provider = provider

    @property
    def task(self) -> str:
        return self.card.task

    # --- loading --------------------------------------------------------------------
    @classmethod
    def load(
        cls,
        model_path: str | os.PathLike[str],
        *,
        options: RuntimeOptions = RuntimeOptions(),
    ) -> Generator:
        """Load ``model_path`` and the card beside it, validating both.

        Raises
        ------
        ModelError
            The file is missing or is not a valid ONNX model.
        ModelCardError
            The card is missing, malformed, for another sha256, or disagrees with the graph.
        """
        path = Path(model_path)
        if not path.is_file():
            raise ModelError(f"{path}: no such model file.")
        card = ModelCard.load(card_path_for(path))
        digest = file_sha256(path)
        if card.onnx_sha256 and card.onnx_sha256 != digest:
            raise ModelCardError(
                f"{path}: the file's sha256 ({digest[:12]}…) is not the one its card names "
                f"({card.onnx_sha256[:12]}…): the model and its card do not belong together."
            )
        session, provider = _create_session(path, options)
        _check_graph(session, card, path)
        _LOGGER.info("loaded %s (%s, %s)", path.name, card.task, provider)
        return cls(session, card, path, provider)

    # --- one window -----------------------------------------------------------------
    def generate(
        self,
        window: np.ndarray,
        *,
        start: np.ndarray | int | None = None,
        seed: int | np.ndarray = 0,
    ) -> np.ndarray:
        """Generate one window (or a batch of windows).

        Parameters
        ----------
        window : np.ndarray [shape=(75, D) or (B, 75, D)]
            Raw input: music features (D = 53) or poses (D = 147).
        start : np.ndarray or int, optional
            Start token: a pose [shape=(147,) or (B, 147)] for music2dance, a chord index
            0..23 (or [shape=(B,)]) for dance2music. ``None`` draws one from ``seed``.
        seed : int or np.ndarray
            An integer seeds the random seed vector; an array [shape=(B, seed_dim)] is used as it is.

        Returns
        -------
        generated : np.ndarray [shape=(75, O) or (B, 75, O)]
            Poses (O = 147) or chroma + beat (O = 13).
        """
        spec = self.card.inputs[0]
        batched = np.ndim(window) == 3
        x = np.asarray(window, dtype=np.float32)
        x = x if batched else x[None]
        if x.ndim != 3 or x.shape[1:] != tuple(spec.shape[1:]):
            raise ParameterError(
                f"{self.path.name} takes windows of shape {tuple(spec.shape[1:])}, not {np.shape(window)}."
            )
        rng = np.random.default_rng(seed if isinstance(seed, (int, np.integer)) else 0)
        feeds = {
            spec.name: x,
            START_INPUT: self._start_batch(start, len(x), rng),
            SEED_INPUT: self._seed_batch(seed, len(x), rng),
        }
        feeds = {name: value for name, value in feeds.items() if self._has_input(name)}
        out = self.session.run([self.card.outputs[0].name], feeds)[0]  # (B, 75, O)
        return out if batched else out[0]

    def _has_input(self, name: str) -> bool:
        return any(spec.name == name for spec in self.card.inputs)

    def _start_batch(
        self, start: np.ndarray | int | None, batch: int, rng: np.random.Generator
    ) -> np.ndarray:
        if self.task == DANCE_TO_MUSIC:
            chord = (
                rng.integers(N_CHORDS, size=batch)
                if start is None
                else np.asarray(start, dtype=np.int64)
            )
            chord = np.broadcast_to(chord, (batch,)).astype(np.int64)
            if chord.min() < 0 or chord.max() >= N_CHORDS:
                raise ParameterError(
                    f"chord start tokens must be in 0..{N_CHORDS - 1}, not {chord.tolist()}."
                )
            return chord
        if start is None:
            start = self.start_pose(rng)
        pose = np.asarray(start, dtype=np.float32)
        if pose.shape[-1] != POSE_DIM:
            raise ParameterError(
                f"a start pose has {POSE_DIM} values, not shape {pose.shape}."
            )
        return np.ascontiguousarray(np.broadcast_to(pose, (batch, POSE_DIM)))

    def _seed_batch(
        self, seed: int | np.ndarray, batch: int, rng: np.random.Generator
    ) -> np.ndarray:
        dim = self.card.seed_dim
        if isinstance(seed, (int, np.integer)):
            return rng.standard_normal((batch, dim)).astype(np.float32)
        vector = np.asarray(seed, dtype=np.float32)
        if vector.shape != (batch, dim):
            raise ParameterError(
                f"a seed vector batch has shape ({batch}, {dim}), not {vector.shape}."
            )
        return vector

    def sample_windows(self, batch: int, *, seed: int = 0) -> np.ndarray:
        """Plausible raw input windows [shape=(batch, 75, D)] from the card's statistics."""
        rng = np.random.default_rng(seed)
        shape = (batch, *self.card.inputs[0].shape[1:])
        mean, std = np.asarray(self.card.input_mean), np.asarray(self.card.input_std)
        return (mean + std * rng.standard_normal(shape)).astype(np.float32)

    def start_pose(self, rng: np.random.Generator) -> np.ndarray:
        """A start pose drawn from the card's pool (the rest pose when it has none)."""
        if self.card.start_pool:
            return np.asarray(
                self.card.start_pool[rng.integers(len(self.card.start_pool))],
                dtype=np.float32,
            )
        return _REST_POSE.copy()

    # --- whole sequences --------------------------------------------------------------
    def generate_long(
        self,
        sequence: np.ndarray,
        *,
        start: np.ndarray | int | None = None,
        seed: int = 0,
        overlap: int = 0,
    ) -> np.ndarray:
        """Generate a whole sequence window by window, chaining the windows.

        Each window starts from the generated frame just before it (for dance2music, the
        chord that best matches that frame's chroma). With ``overlap`` 0 (the paper's
        chaining) windows lie back to back and the last frame of one is the start token
        of the next. With ``overlap`` > 0 a window starts ``75 - overlap`` frames after
        the previous one and fades in over the frames they share (slerp for rotations):
        a start token carries a pose but no velocity, so back-to-back windows change
        speed abruptly where they meet. The last partial window is padded by repeating
        the final input frame and cut back after.

        Parameters
        ----------
        sequence : np.ndarray [shape=(T, D)]
        start, seed : see :meth:`generate`; window ``k`` uses seed ``seed + k``.
        overlap : int
            Frames each window shares with the one before, 0 to 74.

        Returns
        -------
        generated : np.ndarray [shape=(T, O)]
        """
        x = np.asarray(sequence, dtype=np.float32)
        if x.ndim != 2 or len(x) == 0:
            raise ParameterError(
                f"a sequence has shape (T, D) with T > 0, not {x.shape}."
            )
        check_overlap(overlap)
        hop = WINDOW_FRAMES - overlap
        windows = 1 + max(0, -(-(len(x) - WINDOW_FRAMES) // hop))
        length = (windows - 1) * hop + WINDOW_FRAMES
        padded = np.concatenate([x, np.repeat(x[-1:], length - len(x), axis=0)])
        # The weight of the new window on the k-th shared frame: (k + 1) / (overlap + 1).
        fade_in = np.arange(1, overlap + 1) / (overlap + 1)
        output = None
        token = start
        for k in range(windows):
            first = k * hop
            window = self.generate(
                padded[first : first + WINDOW_FRAMES], start=token, seed=seed + k
            )
            if output is None:
                output = np.empty((length, window.shape[-1]), dtype=np.float32)
                blend = interpolator_for(window.shape[-1])
            elif overlap:
                shared = output[first : first + overlap]
                window[:overlap] = blend(shared, window[:overlap], fade_in)
            output[first : first + WINDOW_FRAMES] = window
            token = self.next_start(output[: first + hop])
        return output[: len(x)]

    def next_start(self, generated: np.ndarray) -> np.ndarray | int:
        """The start token that continues ``generated`` [shape=(T, O)] (its last frame)."""
        if self.task == MUSIC_TO_DANCE:
            return generated[-1]
        return int(best_chord(generated[-1, MUSIC_OUT_CHROMA]))


def check_overlap(overlap: int) -> None:
    """Raise :class:`ParameterError` unless ``overlap`` fits in a window (0 to 74 frames)."""
    if not 0 <= overlap < WINDOW_FRAMES:
        raise ParameterError(
            f"overlap must be 0 to {WINDOW_FRAMES - 1} frames, not {overlap}."
        )


def _rest_pose() -> np.ndarray:
    pose = np.zeros(POSE_DIM, dtype=np.float32)
    pose[3:] = np.tile([1, 0, 0, 0, 1, 0], POSE_DIM // 6)  # identity rotations in 6D
    return pose


_REST_POSE = _rest_pose()


def _create_session(path: Path, options: RuntimeOptions) -> tuple[object, str]:
    import onnxruntime as ort

    if options.device not in DEVICES:
        raise ParameterError(
            f"device must be one of {', '.join(DEVICES)}, not {options.device!r}."
        )
    available = ort.get_available_providers()
    wants_cuda = options.device == "cuda" or (
        options.device == "auto" and "CUDAExecutionProvider" in available
    )
    if options.device == "cuda" and "CUDAExecutionProvider" not in available:
        raise ModelError(
            "CUDA was asked for but this onnxruntime has no CUDA provider: install "
            "onnxruntime-gpu in place of onnxruntime (see the README, 'GPU')."
        )
    providers = (
        ["CUDAExecutionProvider", "CPUExecutionProvider"]
        if wants_cuda
        else ["CPUExecutionProvider"]
    )
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    if options.threads is not None and options.threads < 0:
        raise ParameterError(
            f"threads must be 0 (ONNX Runtime's choice) or more, not {options.threads}."
        )
    so.intra_op_num_threads = (
        DEFAULT_THREADS if options.threads is None else options.threads
    )
    so.log_severity_level = (
        3  # errors only: warnings about unused initialisers are noise on stage
    )
    try:
        session = ort.InferenceSession(str(path), sess_options=so, providers=providers)
    except Exception as exc:  # noqa: BLE001 - onnxruntime raises several unrelated types
        raise ModelError(
            f"{path}: not a valid ONNX model, or damaged ({type(exc).__name__}: {exc})."
        ) from None
    provider = session.get_providers()[0]
    return session, "cuda" if provider == "CUDAExecutionProvider" else "cpu"


def _check_graph(session: object, card: ModelCard, path: Path) -> None:
    graph_inputs = {arg.name: arg for arg in session.get_inputs()}  # type: ignore[attr-defined]
    graph_outputs = {arg.name: arg for arg in session.get_outputs()}  # type: ignore[attr-defined]
    if set(graph_inputs) != {spec.name for spec in card.inputs}:
        raise ModelCardError(
            f"{path}: the graph's inputs {sorted(graph_inputs)} are not the card's "
            f"{sorted(spec.name for spec in card.inputs)}."
        )
    for spec in card.inputs:
        _check_tensor(spec, graph_inputs[spec.name], path)
    for spec in card.outputs:
        if spec.name not in graph_outputs:
            raise ModelCardError(
                f"{path}: the graph has no output {spec.name!r} named by its card."
            )
        _check_tensor(spec, graph_outputs[spec.name], path)


def _check_tensor(spec: TensorSpec, arg: object, path: Path) -> None:
    shape = list(arg.shape)  # type: ignore[attr-defined]
    dtype = _ORT_TYPES.get(arg.type, arg.type)  # type: ignore[attr-defined]
    static_ok = len(shape) == len(spec.shape) and all(
        isinstance(want, str) or not isinstance(have, int) or have == want
        for want, have in zip(spec.shape, shape)
    )
    if not static_ok or dtype != spec.dtype:
        raise ModelCardError(
            f"{path}: tensor {spec.name!r} is {dtype} {shape} in the graph but {spec.dtype} "
            f"{spec.shape} in the card."
        )
