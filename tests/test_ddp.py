"""DDP through torchrun: two CPU processes (gloo) end with identical weights."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
if not torch.distributed.is_available():
    pytest.skip("this torch has no torch.distributed", allow_module_level=True)

from livedual.const import MUSIC_DIM, POSE_DIM, WINDOW_FRAMES  # noqa: E402
from livedual.data.windows import WindowSet  # noqa: E402
from livedual.train.dual import DualModel  # noqa: E402

STEPS = 3
PROCESSES = 2

# Runs in every process: train, then save this process's weights and first losses.
WORKER = """
import sys, torch, torch.distributed as dist
from livedual.train.config import preset_config
from livedual.train.trainer import train

data, out = sys.argv[1], sys.argv[2]
cfg = preset_config("tiny", data=data, out=out, max_steps={steps}, batch_size=4, val_fraction=0.25,
                    device="cpu", progress=False, tensorboard=False)
state = train(cfg)
torch.save({{"weights": state.dual.state_dict(), "history": state.history, "world_size": state.info.world_size}},
           f"{{out}}/rank{{state.info.rank}}.pt")
"""


def _random_windows(n_sequences: int, per_sequence: int) -> WindowSet:
    rng = np.random.default_rng(0)
    n = n_sequences * per_sequence
    return WindowSet(
        rng.normal(size=(n, WINDOW_FRAMES, MUSIC_DIM)).astype(np.float32),
        rng.normal(size=(n, WINDOW_FRAMES, POSE_DIM)).astype(np.float32),
        np.array(["random"] * n),
        np.repeat([f"seq-{i}" for i in range(n_sequences)], per_sequence),
    )


@pytest.mark.slow
def test_two_processes_hold_identical_weights(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    _random_windows(8, 6).save(data / "windows.npz")
    script = tmp_path / "worker.py"
    script.write_text(WORKER.format(steps=STEPS))
    env = os.environ | {"OMP_NUM_THREADS": "1"}
    command = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        f"--nproc_per_node={PROCESSES}",
        str(script),
        str(data),
        str(tmp_path),
    ]
    result = subprocess.run(
        command, check=False, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    ranks = [
        torch.load(tmp_path / f"rank{r}.pt", weights_only=True)
        for r in range(PROCESSES)
    ]
    assert all(r["world_size"] == PROCESSES for r in ranks)
    assert len(ranks[0]["history"]) == STEPS
    # Each process saw its own batches...
    assert ranks[0]["history"][0]["rec_dance"] != ranks[1]["history"][0]["rec_dance"]
    # ...yet DDP kept the weights equal, and they moved from the (shared) initial ones.
    for name, value in ranks[0]["weights"].items():
        assert torch.equal(ranks[1]["weights"][name], value), name
    torch.manual_seed(0)  # the trainer's initialisation for seed 0
    initial = DualModel.from_preset("tiny").state_dict()
    assert not torch.equal(
        initial["music2dance.head.weight"],
        ranks[0]["weights"]["music2dance.head.weight"],
    )
    checkpoint = torch.load(tmp_path / "last.pt", weights_only=True)
    assert (
        len(checkpoint["rng"]["torch"]) == PROCESSES
    )  # every process's random state is kept
    assert not torch.equal(checkpoint["rng"]["torch"][0], checkpoint["rng"]["torch"][1])
    for name, value in checkpoint["models"]["music2dance"].items():
        assert torch.equal(ranks[0]["weights"][f"music2dance.{name}"], value)
