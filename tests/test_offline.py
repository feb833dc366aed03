"""Offline commands: ``livedual dance`` and ``livedual compose`` end to end."""

from __future__ import annotations

import subprocess
from pathlib import Path

import mido
import numpy as np
import pytest

from livedual.__main__ import main
from livedual.audio import write_wav
from livedual.const import FPS
from livedual.data.formats import read_motion, write_motion
from livedual.data.synth import make_song
from livedual.errors import ModelError
from livedual.offline import load_model
from livedual.render import ffmpeg_executable

FIXTURES = Path(__file__).parent / "fixtures"
M2D = str(FIXTURES / "tiny_music2dance.onnx")
D2M = str(FIXTURES / "tiny_dance2music.onnx")


@pytest.fixture(scope="module")
def song(tmp_path_factory) -> Path:
    made = make_song(3, duration_s=8.0)
    return write_wav(
        tmp_path_factory.mktemp("song") / "song.wav", made.audio, sr=made.sr
    )


def test_dance_writes_every_format_and_a_video_with_sound(tmp_path, song):
    with pytest.raises(SystemExit) as exit_info:
        main(
            ["dance", str(song), "--out", str(tmp_path), "--model", M2D, "--seed", "4"]
        )
    assert exit_info.value.code == 0
    poses = {
        suffix: read_motion(tmp_path / f"song{suffix}")[0]
        for suffix in (".npz", ".bvh", ".pkl")
    }
    assert poses[".npz"].shape == (8 * FPS, 147)
    assert np.abs(poses[".bvh"][:, :3] - poses[".npz"][:, :3]).max() < 1e-3
    probe = subprocess.run(
        [ffmpeg_executable(), "-i", str(tmp_path / "song.mp4")],
        capture_output=True,
        text=True,
    )
    assert "Video:" in probe.stderr and "Audio:" in probe.stderr


def test_compose_writes_midi_wav_and_piano_roll(tmp_path):
    dance = make_song(5, duration_s=8.0, style="jump").pose
    motion = write_motion(tmp_path / "dance.bvh", dance, fps=FPS)
    with pytest.raises(SystemExit) as exit_info:
        main(
            [
                "compose",
                str(motion),
                "--out",
                str(tmp_path / "music.mid"),
                "--model",
                D2M,
            ]
        )
    assert exit_info.value.code == 0
    midi = mido.MidiFile(tmp_path / "music.mid")
    ons = sum(1 for m in midi if m.type == "note_on" and m.velocity > 0)
    offs = sum(
        1
        for m in midi
        if m.type == "note_off" or (m.type == "note_on" and m.velocity == 0)
    )
    assert ons > 0 and ons == offs
    assert (tmp_path / "music.wav").stat().st_size > 0 and (
        tmp_path / "music.png"
    ).stat().st_size > 0


def test_compose_reads_a_dance_with_melody_folder(tmp_path, dwm_root):
    folder = sorted(dwm_root.glob("DANCE_W_*"))[0]
    with pytest.raises(SystemExit) as exit_info:
        main(["compose", str(folder), "--out", str(tmp_path / "w.mid"), "--model", D2M])
    assert exit_info.value.code == 0 and (tmp_path / "w.mid").exists()


def test_a_model_of_the_wrong_task_is_refused():
    with pytest.raises(ModelError, match="dance2music model"):
        load_model("dance2music", M2D)


def test_same_seed_same_dance(tmp_path, song):
    generator = load_model("music2dance", M2D)
    from livedual.offline import dance_song

    a = dance_song(
        song, out_dir=tmp_path / "a", generator=generator, seed=1, video=False
    ).pose
    b = dance_song(
        song, out_dir=tmp_path / "b", generator=generator, seed=1, video=False
    ).pose
    c = dance_song(
        song, out_dir=tmp_path / "c", generator=generator, seed=2, video=False
    ).pose
    assert np.array_equal(a, b) and not np.array_equal(a, c)
