"""The LSTM baseline: shapes, learning, checkpoints, the ``--arch`` option and ONNX export."""

from __future__ import annotations

import argparse

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from livedual.card import DANCE_TO_MUSIC, MUSIC_TO_DANCE, ModelCard, card_path_for  # noqa: E402
from livedual.const import MUSIC_OUT_DIM, N_CHORDS, POSE_DIM, WINDOW_FRAMES  # noqa: E402
from livedual.errors import ParameterError  # noqa: E402
from livedual.inference import SEED_INPUT, START_INPUT, WINDOW_INPUT, Generator  # noqa: E402
from livedual.train import checkpoint as ckpt_io  # noqa: E402
from livedual.train.config import (  # noqa: E402
    ARCHS,
    add_config_arguments,
    overrides_from_args,
    preset_config,
)
from livedual.train.dual import DualModel  # noqa: E402
from livedual.train.lstm import RecurrentCore  # noqa: E402
from livedual.train.model import ModelArgs, build_generator, preset  # noqa: E402
from livedual.train.rotation import normalise_pose  # noqa: E402
from livedual.train.trainer import train  # noqa: E402

BATCH = 4
OUT_DIMS = {MUSIC_TO_DANCE: POSE_DIM, DANCE_TO_MUSIC: MUSIC_OUT_DIM}


pytestmark = pytest.mark.usefixtures("torch_one_thread")


def lstm(task: str, name: str = "tiny") -> torch.nn.Module:
    torch.manual_seed(0)
    return build_generator(preset(name, task, arch="lstm"))


def inputs(generator, batch: int = BATCH, seed: int = 0) -> tuple[torch.Tensor, ...]:
    g = torch.Generator().manual_seed(seed)
    window = torch.randn(batch, WINDOW_FRAMES, generator.args.in_dim, generator=g)
    if generator.args.task == MUSIC_TO_DANCE:
        start = torch.randn(batch, POSE_DIM, generator=g)
    else:
        start = torch.randint(N_CHORDS, (batch,), generator=g)
    return window, start, torch.randn(batch, generator.args.seed_dim, generator=g)


# --- the model -----------------------------------------------------------------------------------


@pytest.mark.parametrize("task", [MUSIC_TO_DANCE, DANCE_TO_MUSIC])
def test_shapes_and_parts(task: str) -> None:
    generator = lstm(task).eval()
    out, embedding = generator.forward_with_embedding(*inputs(generator))
    assert out.shape == (BATCH, WINDOW_FRAMES, OUT_DIMS[task])
    assert embedding.shape == (BATCH, generator.args.width)
    assert isinstance(generator.recurrent, RecurrentCore)
    names = {name for name, _ in generator.named_parameters()}
    assert not {"queries", "enc_pos"} & names  # no transformer left over
    assert not any(name.startswith(("encoder.", "decoder.")) for name in names)
    # A transformer of the same preset still has its own parts.
    assert hasattr(build_generator(preset("tiny", task)), "queries")


@pytest.mark.parametrize("task", [MUSIC_TO_DANCE, DANCE_TO_MUSIC])
def test_windows_of_a_batch_do_not_mix_and_seed_and_start_matter(task: str) -> None:
    generator = lstm(task).eval()
    window, start, seed = inputs(generator)
    with torch.no_grad():
        together = generator(window, start, seed)
        alone = torch.cat(
            [
                generator(window[i : i + 1], start[i : i + 1], seed[i : i + 1])
                for i in range(BATCH)
            ]
        )
        other_seed = generator(window, start, torch.roll(seed, 1, dims=0))
        other_start = generator(window, torch.roll(start, 1, dims=0), seed)
    torch.testing.assert_close(together, alone, rtol=1e-5, atol=1e-5)
    assert (other_seed - together).abs().amax() > 1e-4
    assert (other_start - together).abs().amax() > 1e-4


def test_music_is_probabilities_and_the_pose_head_is_raw() -> None:
    music = lstm(DANCE_TO_MUSIC).eval()
    with torch.no_grad():
        out = music(*inputs(music))
    assert float(out.min()) >= 0.0 and float(out.max()) <= 1.0


def test_unknown_arch_is_refused_and_old_args_are_transformers() -> None:
    with pytest.raises(ParameterError, match="arch must be one of"):
        build_generator(ModelArgs(arch="gru"))
    old = {k: v for k, v in vars(preset("tiny", MUSIC_TO_DANCE)).items() if k != "arch"}
    assert build_generator(old).args.arch == "transformer"
    # The LSTM ignores heads: a width no head count divides is fine.
    build_generator(ModelArgs(width=30, n_head=4, n_layer=1, arch="lstm"))


def _fixed_batch() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Eight windows: smooth music, a dance that follows it, and start chords."""
    g = torch.Generator().manual_seed(3)
    frames = torch.arange(WINDOW_FRAMES, dtype=torch.float32)
    phase = 2 * torch.pi * frames / 25 + 6.0 * torch.rand(8, 1, generator=g)  # (8, T)
    basis = torch.randn(2, 53, generator=g)
    music = torch.stack([phase.sin(), phase.cos()], dim=-1) @ basis  # (8, T, 53)
    music[..., 40:52] = torch.rand(8, 1, 12, generator=g)  # a chord per window
    music[..., 52] = (phase.sin() > 0.95).float()
    raw = torch.stack([phase.sin(), phase.cos()], dim=-1) @ torch.randn(
        2, POSE_DIM, generator=g
    )
    pose = normalise_pose(raw + torch.randn(POSE_DIM, generator=g))
    return music, pose, torch.randint(N_CHORDS, (8,), generator=g)


def test_the_lstm_pair_learns_a_fixed_batch() -> None:
    torch.manual_seed(0)
    dual = DualModel(
        preset("tiny", MUSIC_TO_DANCE, arch="lstm"),
        preset("tiny", DANCE_TO_MUSIC, arch="lstm"),
    )
    music, pose, chord = _fixed_batch()
    flat = lambda x: x.reshape(-1, x.shape[-1])  # noqa: E731
    dual.set_stats(
        {
            "music_mean": flat(music).mean(0),
            "music_std": flat(music).std(0).clamp_min(1e-2),
            "pose_mean": flat(pose).mean(0),
            "pose_std": flat(pose).std(0).clamp_min(1e-2),
        }
    )
    optimizer = torch.optim.Adam(dual.parameters(), lr=3e-3)
    history = []
    for _ in range(40):
        optimizer.zero_grad()
        terms = dual(music, pose, pose[:, 0], chord)
        (terms["music2dance"] + terms["dance2music"]).backward()
        optimizer.step()
        history.append({k: float(v.detach()) for k, v in terms.items()})
    first, last = history[0], history[-1]
    assert {"gw", "cyc_dance", "cyc_music"} <= set(last)  # the same objective as ever
    assert last["rec_dance"] < 0.2 * first["rec_dance"]
    assert last["rec_music"] < 0.6 * first["rec_music"]


# --- training runs and checkpoints ------------------------------------------------------------


def test_train_option_arch() -> None:
    parser = argparse.ArgumentParser()
    add_config_arguments(parser)
    assert overrides_from_args(parser.parse_args(["--arch", "lstm"])) == {
        "arch": "lstm"
    }
    assert overrides_from_args(parser.parse_args([])) == {}
    with pytest.raises(SystemExit):
        parser.parse_args(["--arch", "gru"])
    assert ARCHS[0] == preset_config("tiny").arch == "transformer"
    with pytest.raises(ParameterError, match="arch must be one of"):
        preset_config("tiny", arch="gru")


def _cfg(out, **overrides):
    base = {
        "arch": "lstm",
        "data": "synthetic",
        "out": str(out),
        "synthetic_songs": 3,
        "synthetic_seconds": 5.0,
        "batch_size": 3,
        "max_steps": 2,
        "val_fraction": 0.34,
        "val_every": 1,
        "ckpt_every": 1,
        "lr_milestones": (),
        "lr_values": (),
        "progress": False,
        "tensorboard": False,
    }
    return preset_config("tiny", **(base | overrides))


def test_arch_round_trips_through_a_checkpoint(tmp_path) -> None:
    state = train(_cfg(tmp_path))
    assert isinstance(state.dual.music2dance.recurrent, RecurrentCore)
    checkpoint = ckpt_io.load_checkpoint(tmp_path / ckpt_io.LAST)
    assert checkpoint["config"]["arch"] == "lstm"
    for task in ckpt_io.TASKS:
        assert checkpoint["model_args"][task]["arch"] == "lstm"
        generator = ckpt_io.load_generator(tmp_path / ckpt_io.BEST, task)
        assert generator.args.arch == "lstm"
        expected = getattr(state.dual, task).state_dict()
        for name, value in generator.state_dict().items():
            torch.testing.assert_close(value, expected[name])
    resumed = train(_cfg(tmp_path, max_steps=3), resume=True)
    assert resumed.step == 3 and resumed.dual.dance2music.args.arch == "lstm"
    with pytest.raises(ParameterError, match="cannot switch"):
        train(_cfg(tmp_path, max_steps=4, arch="transformer"), resume=True)


# --- export ------------------------------------------------------------------------------------


@pytest.mark.parametrize("task", [MUSIC_TO_DANCE, DANCE_TO_MUSIC])
def test_onnx_export_matches_torch(tmp_path, task: str) -> None:
    pytest.importorskip("onnxscript")
    from livedual.export.onnx_export import ExportedGenerator, export_generator

    generator = lstm(task).eval()
    g = torch.Generator().manual_seed(1)
    generator.in_norm.set(
        torch.randn(generator.args.in_dim, generator=g),
        torch.rand(generator.args.in_dim, generator=g) + 0.5,
    )
    result = export_generator(generator, tmp_path / task, preset="tiny")
    assert result.max_abs_error <= 1e-4
    card = ModelCard.load(card_path_for(result.onnx_path))
    assert card.model_args["arch"] == "lstm"
    onnx_model = Generator.load(result.onnx_path)  # no torch needed to read the card
    module = ExportedGenerator(generator)
    for batch in (1, 5):  # the batch dimension stays dynamic
        window, start, seed = inputs(generator, batch, seed=batch)
        got = onnx_model.session.run(
            None,
            {
                WINDOW_INPUT: window.numpy(),
                START_INPUT: start.numpy(),
                SEED_INPUT: seed.numpy(),
            },
        )[0]
        with torch.no_grad():
            expected = module(window, start, seed).numpy()
        assert got.shape == (batch, WINDOW_FRAMES, OUT_DIMS[task])
        np.testing.assert_allclose(got, expected, atol=1e-4)
