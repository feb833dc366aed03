"""``livedual prepare``: windows per sequence, resume, and bad sequences skipped."""

from __future__ import annotations

import functools
import json

import pytest

from livedual.__main__ import main
from livedual.const import WINDOW_FRAMES
from livedual.data.prepare import MANIFEST, PairedSequence, prepare, sequence_windows
from livedual.data.sources import load_synthetic_sequence
from livedual.data.windows import WindowSet
from livedual.errors import DataError

LOADER = functools.partial(load_synthetic_sequence, duration_s=4.0)


def test_windows_cut_every_stride():
    import numpy as np

    seq = PairedSequence(
        "s", "g", np.zeros((100, 53), np.float32), np.zeros((110, 147), np.float32)
    )
    windows = sequence_windows(seq, stride=10)
    assert len(windows) == 3 and windows.music.shape == (3, WINDOW_FRAMES, 53)
    with pytest.raises(DataError, match="shorter than one"):
        sequence_windows(
            PairedSequence("t", "g", seq.music[:50], seq.pose[:50]), stride=10
        )


def test_bad_sequence_is_reported_and_the_run_goes_on_then_resumes(tmp_path):
    items = ["synth-5", "synth-bad", "synth-7"]
    report = prepare(items, loader=LOADER, out_dir=tmp_path, stride=25, progress=False)
    assert report.written == ["synth-5", "synth-7"] and list(report.failed) == [
        "synth-bad"
    ]
    manifest = json.loads((tmp_path / MANIFEST).read_text())
    assert (
        manifest["windows"] == report.windows > 0 and "synth-bad" in manifest["failed"]
    )
    assert len(manifest["music_mean"]) == 53 and min(manifest["music_std"]) > 0
    windows = WindowSet.load(tmp_path / "synth-5.npz")
    assert (
        windows.pose.shape[1:] == (WINDOW_FRAMES, 147)
        and windows.genre[0] in manifest["genres"]
    )

    again = prepare(items, loader=LOADER, out_dir=tmp_path, stride=25, progress=False)
    assert again.skipped == ["synth-5", "synth-7"] and again.written == []


def test_cli_reports_a_broken_dance_with_melody_folder(tmp_path, caplog):
    folder = tmp_path / "root" / "DANCE_C_1"
    folder.mkdir(parents=True)
    (folder / "config.json").write_text('{"start_position": 1')  # truncated
    (folder / "skeletons.json").write_text("{}")
    (folder / "audio.mp3").write_bytes(b"")
    with pytest.raises(SystemExit) as exit_info:
        main(
            [
                "prepare",
                "dwm",
                "--root",
                str(tmp_path / "root"),
                "--out",
                str(tmp_path / "out"),
                "--jobs",
                "1",
            ]
        )
    assert exit_info.value.code == 1
    manifest = json.loads((tmp_path / "out" / MANIFEST).read_text())
    (reason,) = manifest["failed"].values()
    assert "config.json" in reason
