"""G_M→D per 3 s window: torch eager against ONNX Runtime, session options, sizes, and
one-pass against frame-by-frame (autoregressive) decoding.

Weights are untrained (speed does not depend on them); models are exported once per run to
the scratch folder. The FLOP count is analytic (:func:`generator_flops`: two operations
per multiply-add of every matrix product, attention included; layer norms, softmax and
activations are left out, a few percent), so GFLOP/s can be set against the CPU's peak.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from livedual.const import POSE_DIM, WINDOW_FRAMES

from . import fixtures
from .harness import Case, Context, Prepared, Ratio, Target

TORCH = ("torch",)
EXPORT = ("torch", "onnx", "onnxscript")
ORT_TARGET_SPEED_UP = 1.5  # ONNX Runtime at least this much faster than torch eager
SMALL_TARGET_MS = 10.0  # the small preset per window, for live use on a CPU
MLP_RATIO = 4  # the MLP's hidden width over the model width
# Session options tried on the paper-size model: label -> (intra-op threads, graph
# optimisation level, spin-waiting threads); None keeps ONNX Runtime's default.
ORT_VARIANTS: dict[str, tuple[int | None, str, bool | None]] = {
    "opt=disabled": (None, "ORT_DISABLE_ALL", None),
    "opt=basic": (None, "ORT_ENABLE_BASIC", None),
    "opt=extended": (None, "ORT_ENABLE_EXTENDED", None),
    "opt=all": (None, "ORT_ENABLE_ALL", None),
    "opt=all,threads=1": (1, "ORT_ENABLE_ALL", None),
    "opt=all,spin=off": (None, "ORT_ENABLE_ALL", False),
}


# --- counting ----------------------------------------------------------------------------


def generator_flops(
    *,
    n_layer: int,
    width: int,
    window: int,
    in_dim: int,
    out_dim: int,
    seed_dim: int,
    start_dim: int = POSE_DIM,
    conv_layers: int = 0,
    conv_kernel: int = 1,
    smoothed: bool = False,
    batch: int = 1,
    attention: bool = True,
) -> float:
    """Floating-point operations of one forward pass of a generator (matrix products only).

    Encoder layer over T frames: Q, K, V and output projections 8TW², MLP 16TW², scores and
    weighted sum 4T²W. Decoder layer over L = T + 1 tokens: self-attention 8LW² + 4L²W,
    cross-attention 4LW² (Q and output) + 4TW² (K and V of the memory) + 4LTW, MLP 16LW².
    Plus the input, seed-mixing, start-token and output projections, the convolutions
    before the encoder (2TKW² each) and the smoothing of the output (2T² per output
    value, when ``smoothed``). ``attention=False``
    leaves out the score and weighted-sum products (as torch's FLOP counter does for the
    CPU attention kernel).
    """
    W, T, L = width, window, window + 1
    mlp = 4 * MLP_RATIO * W * W  # two matrices W x 4W, 2 FLOP per multiply-add
    keep = int(attention)
    encoder = T * (8 * W * W + mlp) + keep * 4 * T * T * W
    decoder = (
        L * (12 * W * W + mlp) + 4 * T * W * W + keep * (4 * L * L * W + 4 * L * T * W)
    )
    edges = (
        2 * T * in_dim * W
        + 2 * T * (W + seed_dim) * W
        + 2 * start_dim * W
        + 2 * T * W * out_dim
        + conv_layers * 2 * T * conv_kernel * W * W
        + int(smoothed) * 2 * T * T * out_dim
    )
    return float(batch * (n_layer * (encoder + decoder) + edges))


def flops_of(args: Any, *, attention: bool = True) -> float:
    """:func:`generator_flops` of a ``ModelArgs`` (start token: a pose for G_M→D, a chord embedding otherwise)."""
    start_dim = POSE_DIM if args.task == "music2dance" else 0
    return generator_flops(
        n_layer=args.n_layer,
        width=args.width,
        window=args.window,
        in_dim=args.in_dim,
        out_dim=args.out_dim,
        seed_dim=args.seed_dim,
        start_dim=start_dim,
        conv_layers=args.conv_layers if args.arch == "transformer" else 0,
        conv_kernel=args.conv_kernel,
        smoothed=args.task == "music2dance" and args.smooth_basis > 0,
        attention=attention,
    )


# --- inputs -------------------------------------------------------------------------------


def _main_preset(ctx: Context) -> str:
    return "tiny" if ctx.quick else "paper"


def _inputs(ctx: Context, model: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A real music window [shape=(1, 75, 53)], its start pose [shape=(1, 147)] and a seed vector."""
    data = fixtures.windows(ctx)
    index = len(data) // 2
    seed = (
        np.random.default_rng(0)
        .standard_normal((1, model.args.seed_dim))
        .astype(np.float32)
    )
    music = np.ascontiguousarray(data.music[index : index + 1], dtype=np.float32)
    start = np.ascontiguousarray(data.pose[index : index + 1, 0], dtype=np.float32)
    return music, start, seed


# --- torch --------------------------------------------------------------------------------


def _torch_setup(
    ctx: Context, *, exported: bool = True, threads: int | None = None
) -> Prepared:
    """One window in torch eager; ``threads`` sets torch's intra-op threads for the call."""
    import torch

    from livedual.export.onnx_export import ExportedGenerator

    preset_name = _main_preset(ctx)
    model = fixtures.torch_generator(ctx, preset_name)
    module = ExportedGenerator(model).eval() if exported else model
    inputs = tuple(torch.from_numpy(a) for a in _inputs(ctx, model))
    count = threads or torch.get_num_threads()

    def run() -> object:
        previous = torch.get_num_threads()
        torch.set_num_threads(count)
        try:
            with torch.inference_mode():
                return module(*inputs)
        finally:
            torch.set_num_threads(previous)

    info = {
        "preset": preset_name,
        "parameters": model.num_params(),
        "threads": count,
        "graph": "as exported (with Gram-Schmidt)" if exported else "generator only",
    }
    return Prepared(run, flop=flops_of(model.args), info=info)


def decode_autoregressive(model: Any, window: Any, start: Any, seed: Any) -> Any:
    """The generator's network run as FACT- and Bailando-style models generate: frame by frame.

    The encoder runs once; then each of the 75 frames takes one decoder pass over the
    start token and every frame generated so far (each fed back through the start-token
    embedding), without a key-value cache, and keeps the last position's output. Token
    ``j`` produces frame ``j`` and carries that frame's query (plus its encoding with
    ``aligned_queries``), as the one-pass decoder's output slots do. Same weights and
    FLOPs per token as the one-pass decoder; only the order of the work differs. The
    window-wide smoothing of the one-pass output (``smooth_basis``) has no frame-by-frame
    form and is left out.

    Returns poses [shape=(B, 75, 147)] (unnormalised 6D, like ``model(...)``).
    """
    import torch

    memory = model.encode(window)  # (B, T, W)
    B, T, _ = memory.shape
    seeds = seed[:, None, :].expand(B, T, seed.shape[-1])  # (B, T, S)
    memory = model.seed_mix(torch.cat([memory, seeds], dim=-1))  # (B, T, W)
    position = model.queries[None].expand(B, -1, -1)  # (B, T, W)
    if getattr(model.args, "aligned_queries", False):
        position = position + memory
    tokens = model.embed_start(start)  # (B, 1, W)
    frames = []
    for t in range(T):
        h = tokens + position[:, : t + 1]  # (B, t + 1, W)
        for block in model.decoder:
            h = block(h, memory)
        frame = model.place(model.head(model.dec_ln(h[:, -1:])), start)  # (B, 1, 147)
        frames.append(frame)
        tokens = torch.cat(
            [tokens, model.embed_start(frame[:, 0])], dim=1
        )  # (B, t + 2, W)
    return torch.cat(frames, dim=1)  # (B, T, 147)


def _autoregressive_setup(ctx: Context) -> Prepared:
    import torch

    preset_name = _main_preset(ctx)
    model = fixtures.torch_generator(ctx, preset_name)
    inputs = tuple(torch.from_numpy(a) for a in _inputs(ctx, model))

    def run() -> object:
        with torch.inference_mode():
            return decode_autoregressive(model, *inputs)

    return Prepared(run, info={"preset": preset_name, "decoder_passes": WINDOW_FRAMES})


# --- ONNX Runtime -------------------------------------------------------------------------


def _generator_setup(
    preset_of: Callable[[Context], str],
) -> Callable[[Context], Prepared]:
    """Setup of a case running the exported model through :class:`livedual.inference.Generator`."""

    def setup(ctx: Context) -> Prepared:
        from livedual.inference import Generator

        preset_name = preset_of(ctx)
        generator = Generator.load(fixtures.onnx_model(ctx, preset_name))
        model = fixtures.torch_generator(ctx, preset_name)
        window, start, _ = _inputs(ctx, model)
        info = {"preset": preset_name, "options": "livedual.inference defaults"}
        return Prepared(
            lambda: generator.generate(window[0], start=start[0], seed=0),
            flop=flops_of(model.args),
            info=info,
        )

    return setup


def _session_setup(label: str) -> Callable[[Context], Prepared]:
    """Setup of a raw ONNX Runtime session with the options of ``ORT_VARIANTS[label]``."""

    def setup(ctx: Context) -> Prepared:
        import onnxruntime as ort

        from livedual.inference import SEED_INPUT, START_INPUT, WINDOW_INPUT

        threads, level, spin = ORT_VARIANTS[label]
        preset_name = _main_preset(ctx)
        options = ort.SessionOptions()
        options.graph_optimization_level = getattr(ort.GraphOptimizationLevel, level)
        options.log_severity_level = 3
        if threads is not None:
            options.intra_op_num_threads = threads
        if spin is not None:
            options.add_session_config_entry(
                "session.intra_op.allow_spinning", "1" if spin else "0"
            )
        session = ort.InferenceSession(
            str(fixtures.onnx_model(ctx, preset_name)),
            sess_options=options,
            providers=["CPUExecutionProvider"],
        )
        model = fixtures.torch_generator(ctx, preset_name)
        window, start, seed = _inputs(ctx, model)
        feeds = {WINDOW_INPUT: window, START_INPUT: start, SEED_INPUT: seed}
        info = {
            "preset": preset_name,
            "threads": threads,
            "graph_optimization_level": level,
            "spinning": spin,
        }
        return Prepared(
            lambda: session.run(None, feeds), flop=flops_of(model.args), info=info
        )

    return setup


# --- the cases -----------------------------------------------------------------------------


def cases() -> tuple[list[Case], list[Ratio]]:
    """G_M→D cases: paper size in torch and ONNX Runtime, ORT options, small and tiny, decoding order."""
    paper = "paper size (tiny with --quick)"
    found = [
        Case(
            "m2d.torch",
            _torch_setup,
            "m2d",
            f"G_M->D one window, torch eager, {paper}",
            requires=EXPORT,
        ),
        Case(
            "m2d.torch[threads=1]",
            lambda ctx: _torch_setup(ctx, threads=1),
            "m2d",
            f"G_M->D one window, torch eager on one thread, {paper}",
            requires=EXPORT,
        ),
        Case(
            "m2d.ort",
            _generator_setup(_main_preset),
            "m2d",
            f"G_M->D one window, ONNX Runtime via livedual.inference, {paper}",
            requires=EXPORT,
        ),
    ]
    found += [
        Case(
            f"m2d.ort[{label}]",
            _session_setup(label),
            "m2d",
            f"G_M->D one window, ORT session {label}, {paper}",
            requires=EXPORT,
        )
        for label in ORT_VARIANTS
    ]
    found += [
        Case(
            "m2d_small.ort",
            _generator_setup(lambda ctx: "small"),
            "m2d_small",
            "G_M->D one window, small preset, ONNX Runtime",
            Target("median_ms", "<=", SMALL_TARGET_MS),
            requires=EXPORT,
        ),
        Case(
            "m2d_tiny.ort",
            _generator_setup(lambda ctx: "tiny"),
            "m2d_small",
            "G_M->D one window, tiny preset, ONNX Runtime",
            requires=EXPORT,
        ),
        Case(
            "decode.one_pass",
            lambda ctx: _torch_setup(ctx, exported=False),
            "decode",
            f"G_M->D one window decoded in one pass (torch eager), {paper}",
            requires=TORCH,
        ),
        Case(
            "decode.autoregressive",
            _autoregressive_setup,
            "decode",
            f"the same network decoded frame by frame, 75 passes (torch eager), {paper}",
            repeat=3,
            warmup=1,
            requires=TORCH,
        ),
    ]
    ratios = [
        Ratio(
            "torch / ORT, all cores each (m2d)",
            "m2d.torch",
            "m2d.ort[opt=all]",
            "ONNX Runtime speed-up over torch eager, both with their default thread pools",
            Target("ratio", ">=", ORT_TARGET_SPEED_UP),
        ),
        Ratio(
            "torch / ORT, one thread each (m2d)",
            "m2d.torch[threads=1]",
            "m2d.ort[opt=all,threads=1]",
            "the same on one thread, where load from other processes matters least",
        ),
        Ratio(
            "autoregressive / one-pass",
            "decode.autoregressive",
            "decode.one_pass",
            "cost of frame-by-frame decoding over one-pass window decoding",
        ),
    ]
    return found, ratios
