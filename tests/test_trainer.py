"""The trainer: learning, exact resume, checkpoints, schedule, data handling and the command."""

from __future__ import annotations

import argparse
import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from livedual.chords import chord_templates  # noqa: E402
from livedual.const import (
    BEAT,
    CHROMA,
    FPS,
    MFCC,
    MFCC_DELTA,
    MUSIC_DIM,
    N_JOINTS,
    POSE_DIM,
    WINDOW_FRAMES,
)  # noqa: E402
from livedual.data.windows import WindowSet  # noqa: E402
from livedual.errors import DataError, MissingExtraError, ModelError, ParameterError  # noqa: E402
from livedual.train import checkpoint as ckpt_io  # noqa: E402
from livedual.train import data as train_data  # noqa: E402
from livedual.train.config import (
    MODEL_SWITCHES,
    TrainConfig,
    add_config_arguments,
    overrides_from_args,
    preset_config,
)  # noqa: E402
from livedual.train.trainer import lr_at, train  # noqa: E402

TOY_STRIDE = WINDOW_FRAMES // 2


def _rot6d(angles: np.ndarray, axes: np.ndarray) -> np.ndarray:
    """6D [shape=(T, J, 6)] of rotations by ``angles`` (T, J) about unit ``axes`` (J, 3)."""
    k = np.zeros((len(axes), 3, 3))
    k[:, 0, 1], k[:, 0, 2], k[:, 1, 2] = -axes[:, 2], axes[:, 1], -axes[:, 0]
    k = k - np.swapaxes(k, 1, 2)
    s, c = np.sin(angles)[..., None, None], np.cos(angles)[..., None, None]
    r = np.eye(3) + s * k + (1 - c) * (k @ k)  # (T, J, 3, 3)
    return np.concatenate([r[..., :, 0], r[..., :, 1]], axis=-1)


def _toy_sequence(
    rng: np.random.Generator, frames: int, body: dict
) -> tuple[np.ndarray, np.ndarray]:
    """Music (frames, 53) with a beat phase in its MFCCs and one chord; a dance that follows the phase."""
    phase = 2 * np.pi * rng.uniform(80, 140) / 60 * np.arange(
        frames
    ) / FPS + rng.uniform(0, 2 * np.pi)
    bars = phase / 4  # a slower cycle for the root's walk
    music = np.zeros((frames, MUSIC_DIM))
    cycles = np.stack(
        [np.sin(phase), np.cos(phase), np.sin(bars), np.cos(bars)], axis=1
    )
    music[:, MFCC] = cycles @ body["mfcc"][:, :20]
    music[:, MFCC_DELTA] = cycles @ body["mfcc"][:, 20:]
    music[:, CHROMA] = chord_templates()[rng.integers(24)] * np.sqrt(
        3
    )  # max 1, like max-normalised chroma
    beat_index = np.floor(phase / (2 * np.pi))
    music[1:, BEAT] = np.diff(beat_index) > 0
    angles = body["amplitude"] * np.sin(phase[:, None] + body["offset"])  # (frames, 24)
    transl = 0.2 * np.stack([np.sin(bars), np.zeros(frames), np.cos(bars)], axis=1)
    pose = np.concatenate(
        [transl, _rot6d(angles, body["axes"]).reshape(frames, -1)], axis=1
    )
    return music, pose


def toy_windows(
    *, n_sequences: int = 16, windows_per_sequence: int = 4, seed: int = 0
) -> WindowSet:
    """A small learnable corpus: each joint swings with the beat phase carried by the MFCCs."""
    rng = np.random.default_rng(seed)
    axes = rng.normal(size=(N_JOINTS, 3))
    body = {
        "axes": axes / np.linalg.norm(axes, axis=1, keepdims=True),
        "amplitude": rng.uniform(0.2, 0.8, N_JOINTS),
        "offset": rng.uniform(0, 2 * np.pi, N_JOINTS),
        "mfcc": rng.normal(size=(4, 40)),
    }
    frames = WINDOW_FRAMES + TOY_STRIDE * (windows_per_sequence - 1)
    parts = []
    for s in range(n_sequences):
        music, pose = _toy_sequence(rng, frames, body)
        starts = range(0, frames - WINDOW_FRAMES + 1, TOY_STRIDE)
        parts.append(
            WindowSet(
                np.stack([music[i : i + WINDOW_FRAMES] for i in starts]),
                np.stack([pose[i : i + WINDOW_FRAMES] for i in starts]),
                np.array(["toy"] * len(starts)),
                np.array([f"toy-{s}"] * len(starts)),
            )
        )
    return WindowSet.concatenate(parts)


pytestmark = pytest.mark.usefixtures("torch_one_thread")


@pytest.fixture(scope="module")
def toy_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("toy")
    windows = toy_windows()
    half = len(windows) // 2  # two files: the folder loader joins them
    windows.subset(np.arange(half)).save(folder / "a.npz")
    windows.subset(np.arange(half, len(windows))).save(folder / "b.npz")
    return folder


def _cfg(data: Path, out: Path, **overrides) -> TrainConfig:
    base = {
        "data": str(data),
        "out": str(out),
        "batch_size": 8,
        "val_fraction": 0.25,
        "lr_milestones": (),
        "lr_values": (),
        "progress": False,
        "tensorboard": False,
        "val_every": 1000,
        "ckpt_every": 1000,
    }
    return preset_config("tiny", **(base | overrides))


# --- learning and resuming -------------------------------------------------------------------


def test_tiny_learns(toy_dir: Path, tmp_path: Path) -> None:
    state = train(
        _cfg(toy_dir, tmp_path, max_steps=120, val_every=60, tensorboard=True)
    )
    (start_step, start), *_, (end_step, end) = state.val_history
    assert (start_step, end_step) == (0, 120)
    # A start-residual G_M->D begins at the start pose, already nearer than a random pose.
    assert end["rec_dance"] < 0.35 * start["rec_dance"]
    assert end["rec_music"] < 0.6 * start["rec_music"]
    assert end["gw"] < start["gw"]
    assert any((tmp_path / "tb").iterdir())


def _weights(state) -> dict[str, torch.Tensor]:
    return {k: v.clone() for k, v in state.dual.state_dict().items()}


def test_resume_is_exact(toy_dir: Path, tmp_path: Path) -> None:
    # 48 training windows in batches of 8: 6 steps per epoch, so the restart is mid-epoch
    # and the second half crosses into the next epoch.
    n = 4
    straight = train(_cfg(toy_dir, tmp_path / "straight", max_steps=2 * n))
    first = train(_cfg(toy_dir, tmp_path / "split", max_steps=n))
    second = train(_cfg(toy_dir, tmp_path / "split", max_steps=2 * n), resume=True)
    assert second.step == 2 * n and len(second.history) == n
    for expected, got in zip(straight.history, first.history + second.history):
        assert expected.keys() == got.keys()
        for name in expected:
            assert got[name] == pytest.approx(expected[name], rel=1e-6, abs=1e-7), name
    for name, value in _weights(straight).items():
        torch.testing.assert_close(_weights(second)[name], value, rtol=1e-6, atol=1e-7)


def test_resume_without_a_checkpoint_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ModelError):
        train(_cfg(tmp_path, tmp_path / "none", max_steps=1), resume=True)


# --- checkpoints -------------------------------------------------------------------------------


def test_checkpoint_describes_itself(toy_dir: Path, tmp_path: Path) -> None:
    state = train(_cfg(toy_dir, tmp_path, max_steps=2, val_every=1, ckpt_every=1))
    path = tmp_path / ckpt_io.LAST
    checkpoint = torch.load(path, weights_only=True)  # plain data: no pickled objects
    assert checkpoint["format"] == ckpt_io.CHECKPOINT_FORMAT and checkpoint["step"] == 2
    assert TrainConfig.from_dict(checkpoint["config"]) == state.cfg
    assert checkpoint["stats"]["music_mean"].shape == (MUSIC_DIM,)
    assert (
        checkpoint["data"]["val_sequences"]
        and checkpoint["start_poses"].shape[1] == 147
    )
    assert (tmp_path / ckpt_io.BEST).is_file() and (tmp_path / "config.json").is_file()
    assert not list(tmp_path.glob(".*.tmp"))  # atomic writes leave no temporary files
    generator = ckpt_io.load_generator(path, "music2dance")
    batch = train_data.WindowTensors.from_windows(toy_windows(n_sequences=1)).batch(
        [0, 1]
    )
    seed = torch.zeros(2, generator.args.seed_dim)
    expected = state.dual.music2dance.eval()(batch.music, batch.pose[:, 0], seed)
    torch.testing.assert_close(generator(batch.music, batch.pose[:, 0], seed), expected)


def test_best_checkpoint_has_the_lowest_reconstruction_losses(
    toy_dir: Path, tmp_path: Path
) -> None:
    state = train(_cfg(toy_dir, tmp_path, max_steps=6, val_every=1, ckpt_every=1))
    scores = {
        step: values["rec_dance"] + values["rec_music"]
        for step, values in state.val_history
    }
    best_step = min(scores, key=scores.get)
    best = torch.load(tmp_path / ckpt_io.BEST, weights_only=True)
    assert best["step"] == best_step
    assert best["best_val"] == pytest.approx(scores[best_step])


def test_foreign_files_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.pt"
    torch.save({"weights": torch.zeros(2)}, path)
    with pytest.raises(ModelError):
        ckpt_io.load_checkpoint(path)
    path.write_bytes(b"not a checkpoint")
    with pytest.raises(ModelError):
        ckpt_io.load_checkpoint(path)


# --- schedule and configuration ------------------------------------------------------------------


def test_learning_rate_schedule_of_the_paper() -> None:
    cfg = TrainConfig()
    assert [lr_at(s, cfg) for s in (0, 19_999, 20_000, 39_999, 40_000, 90_000)] == [
        1e-4,
        1e-4,
        1e-5,
        1e-5,
        5e-6,
        5e-6,
    ]


def test_config_round_trips_and_validates() -> None:
    cfg = preset_config("tiny", lr=3e-4)
    assert TrainConfig.from_dict(cfg.to_dict() | {"from_the_future": 1}) == cfg
    with pytest.raises(ParameterError):
        TrainConfig(preset="huge")
    with pytest.raises(ParameterError):
        TrainConfig(lr_milestones=(10,), lr_values=())
    with pytest.raises(ParameterError):
        TrainConfig(batch_size=2)


def test_every_field_is_an_option() -> None:
    parser = argparse.ArgumentParser()
    add_config_arguments(parser)
    args = parser.parse_args(
        [
            "--lr",
            "3e-4",
            "--no-gw",
            "--max_steps",
            "7",
            "--lr-milestones",
            "5",
            "6",
            "--lr-values",
            "1e-5",
            "1e-6",
        ]
    )
    overrides = overrides_from_args(args)
    assert overrides == {
        "lr": 3e-4,
        "gw": False,
        "max_steps": 7,
        "lr_milestones": [5, 6],
        "lr_values": [1e-5, 1e-6],
    }
    cfg = preset_config("tiny", **overrides)
    assert cfg.lr_milestones == (5, 6) and cfg.cycle and not cfg.gw
    assert overrides_from_args(parser.parse_args([])) == {}  # the preset's values stay


# --- data ------------------------------------------------------------------------------------------


def test_split_keeps_sequences_whole() -> None:
    windows = toy_windows(n_sequences=10, windows_per_sequence=2)
    train_set, val_set = train_data.split_by_sequence(windows, val_fraction=0.2, seed=3)
    assert len(set(val_set.sequence)) == 2
    assert not set(train_set.sequence) & set(val_set.sequence)
    again, _ = train_data.split_by_sequence(windows, val_fraction=0.2, seed=3)
    assert np.array_equal(again.sequence, train_set.sequence)
    with pytest.raises(DataError):
        train_data.split_by_sequence(
            toy_windows(n_sequences=1), val_fraction=0.2, seed=0
        )


def test_start_chords_come_from_the_first_second() -> None:
    music = np.zeros((2, WINDOW_FRAMES, MUSIC_DIM), dtype=np.float32)
    music[0, :, CHROMA] = chord_templates()[9]  # A minor
    music[1, :FPS, CHROMA] = chord_templates()[7]  # G major, then D major
    music[1, FPS:, CHROMA] = chord_templates()[2]
    assert train_data.start_chords(music).tolist() == [9, 7]


@pytest.mark.parametrize("stride", [1, 25, 74])
def test_a_window_starts_from_the_frame_before_it(stride: int) -> None:
    rng = np.random.default_rng(0)
    parts, expected = [], []
    for name, frames in (("a", 200), ("b", 160)):
        pose = rng.normal(size=(frames, POSE_DIM)).astype(np.float32)
        pose[:40] = pose[0]  # a held pose: frames equal to a window's first one
        starts = range(0, frames - WINDOW_FRAMES + 1, stride)
        parts.append(
            WindowSet(
                np.zeros((len(starts), WINDOW_FRAMES, MUSIC_DIM), np.float32),
                np.stack([pose[i : i + WINDOW_FRAMES] for i in starts]),
                np.array(["toy"] * len(starts)),
                np.array([name] * len(starts)),
            )
        )
        # The first window of a sequence has no frame before it: its own first one.
        expected += [pose[max(i - 1, 0)] for i in starts]
    windows = WindowSet.concatenate(parts)
    np.testing.assert_array_equal(train_data.start_poses(windows), np.stack(expected))
    tensors = train_data.WindowTensors.from_windows(windows)
    np.testing.assert_array_equal(tensors.batch([1]).start.numpy(), expected[1][None])


def test_windows_that_do_not_overlap_start_from_their_first_frame() -> None:
    rng = np.random.default_rng(0)
    pose = rng.normal(size=(2, WINDOW_FRAMES, POSE_DIM)).astype(np.float32)
    windows = WindowSet(
        np.zeros((2, WINDOW_FRAMES, MUSIC_DIM), np.float32),
        pose,
        np.array(["toy", "toy"]),
        np.array(["a", "a"]),
    )
    np.testing.assert_array_equal(train_data.start_poses(windows), pose[:, 0])


def test_batches_resume_at_their_position() -> None:
    data = train_data.WindowTensors.from_windows(
        toy_windows(n_sequences=5, windows_per_sequence=2)
    )
    sampler = train_data.make_sampler(data, world_size=1, rank=0, seed=1)
    stream = train_data.train_batches(data, sampler, batch_size=3, start_step=0)
    order = [next(stream).music for _ in range(7)]  # 3 per epoch: crosses two epochs
    resumed = train_data.train_batches(data, sampler, batch_size=3, start_step=4)
    for expected in order[4:]:
        assert torch.equal(next(resumed).music, expected)
    assert not torch.equal(order[0], order[3])  # each epoch is shuffled anew


def test_missing_data_folder_is_reported(tmp_path: Path) -> None:
    with pytest.raises(DataError):
        train_data.load_windows(_cfg(tmp_path / "nowhere", tmp_path))
    with pytest.raises(DataError):
        train_data.load_windows(_cfg(tmp_path, tmp_path))  # exists but holds no windows


# --- the command ----------------------------------------------------------------------------------


def test_command_trains_and_resumes(toy_dir: Path, tmp_path: Path) -> None:
    from livedual.__main__ import main

    out = tmp_path / "run"
    common = [
        "--max-steps",
        "2",
        "--batch-size",
        "8",
        "--val-fraction",
        "0.25",
        "--no-progress",
        "--no-tensorboard",
    ]
    with pytest.raises(SystemExit) as done:
        main(
            [
                "train",
                "--preset",
                "tiny",
                "--data",
                str(toy_dir),
                "--out",
                str(out),
                *common,
            ]
        )
    assert done.value.code == 0
    with pytest.raises(SystemExit) as done:
        main(["train", "--out", str(out), "--resume", "--max-steps", "3"])
    assert done.value.code == 0
    assert ckpt_io.load_checkpoint(out / ckpt_io.LAST)["step"] == 3
    with pytest.raises(SystemExit) as done:
        main(["train", "--out", str(out), "--resume", "--preset", "paper"])
    assert done.value.code == 2  # a resumed run keeps its model sizes


def test_command_names_the_extra_when_torch_is_missing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from livedual.cli import train as train_command

    monkeypatch.setitem(sys.modules, "torch", None)  # makes 'import torch' fail
    args = argparse.Namespace(out=tmp_path, resume=False, preset=None, data=None)
    with pytest.raises(MissingExtraError, match=r"livedual\[train\]"):
        train_command.run(args)


def test_command_module_does_not_import_torch() -> None:
    code = "import sys, livedual.cli.train, livedual.train.config; assert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_generators_can_be_built_as_the_paper_describes(
    toy_dir: Path, tmp_path: Path
) -> None:
    paper = {
        "aligned_queries": False,
        "start_residual": False,
        "conv_layers": 0,
        "smooth_basis": 0,
    }
    state = train(_cfg(toy_dir, tmp_path, max_steps=1, val_fraction=0.0, **paper))
    assert not any(".convs." in name for name in state.dual.state_dict())
    saved = ckpt_io.load_checkpoint(tmp_path / ckpt_io.LAST)
    for task in ("music2dance", "dance2music"):
        assert {k: saved["model_args"][task][k] for k in MODEL_SWITCHES} == paper
    assert ckpt_io.resume_config(tmp_path, max_steps=2).conv_layers == 0
    with pytest.raises(ParameterError, match="keeps its generators"):
        ckpt_io.resume_config(tmp_path, conv_layers=4)


def test_a_run_that_predates_the_switches_resumes_with_its_generators(
    toy_dir: Path, tmp_path: Path
) -> None:
    train(_cfg(toy_dir, tmp_path, max_steps=1, val_fraction=0.0))
    path = tmp_path / ckpt_io.LAST
    saved = torch.load(path, weights_only=True)
    for name in MODEL_SWITCHES:
        del saved["config"][name]
        del saved["model_args"]["music2dance"][name]
    torch.save(saved, path)
    cfg = ckpt_io.resume_config(tmp_path)
    # What an older run's generators were: no convolutions, smoothing or start residual.
    assert (cfg.conv_layers, cfg.smooth_basis, cfg.start_residual) == (0, 0, False)


def test_no_gw_and_no_cycle_drop_their_terms(toy_dir: Path, tmp_path: Path) -> None:
    state = train(
        _cfg(toy_dir, tmp_path, max_steps=1, gw=False, cycle=False, val_fraction=0.0)
    )
    assert not {"gw", "cyc_dance", "cyc_music"} & set(state.history[0])
    assert dataclasses.asdict(state.cfg)["gw"] is False


def test_export_writes_cards_without_the_training_machines_folders(
    toy_dir: Path, tmp_path: Path
) -> None:
    from livedual.export.checkpoint_export import export_checkpoint
    from livedual.inference import Generator

    run = tmp_path / "run"
    train(_cfg(toy_dir, run, max_steps=2, val_every=1, ckpt_every=1))
    results = export_checkpoint(run / ckpt_io.LAST, tmp_path / "model")
    for result in results:
        generator = Generator.load(result.onnx_path)
        training = generator.card.training
        assert training["config"]["data"] == toy_dir.name
        assert training["config"]["out"] == "run"
        assert training["data"]["source"] == toy_dir.name
        assert str(tmp_path) not in json.dumps(training)
