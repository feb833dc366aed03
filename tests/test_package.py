"""Packaging, constants and the command line."""

from __future__ import annotations

import subprocess
import sys

import pytest

import livedual
from livedual import const
from livedual.__main__ import build_parser, main


def test_import_does_not_pull_torch():
    # Building the CLI reads the torch-free training configuration (for train's options)
    # and nothing else of livedual.train or livedual.export.
    code = (
        "import sys, livedual, livedual.card, livedual.const, livedual.inference, livedual.__main__\n"
        "livedual.__main__.build_parser()\n"
        "allowed = {'livedual.train', 'livedual.train.config'}\n"
        "bad = [m for m in sys.modules if m == 'torch' or m.startswith(('torch.', 'livedual.export'))\n"
        "       or (m.startswith('livedual.train') and m not in allowed)]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_one_feature_frame_is_one_pose_frame():
    assert const.SAMPLE_RATE == const.FPS * const.HOP_LENGTH
    assert const.WINDOW_FRAMES == 75 and const.MUSIC_DIM == 53 and const.POSE_DIM == 147
    assert const.ROTATIONS.stop == const.POSE_DIM and const.CHROMA.stop == const.BEAT


def test_training_and_export_install_under_the_livedual_namespace():
    pytest.importorskip("torch")
    import livedual.export
    import livedual.train

    assert livedual.train.__name__ == "livedual.train"
    assert livedual.export.__name__ == "livedual.export"


def test_version_and_help(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert livedual.__version__ in capsys.readouterr().out
    help_text = build_parser().format_help()
    for command in livedual.cli.COMMANDS:
        assert command in help_text


def test_console_script_runs():
    result = subprocess.run(
        [sys.executable, "-m", "livedual", "--help"], capture_output=True, text=True
    )
    assert result.returncode == 0 and "usage: livedual" in result.stdout
