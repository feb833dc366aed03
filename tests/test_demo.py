"""The README's main-job command: ``livedual demo`` runs end to end on the starter models."""

from __future__ import annotations

import json
import socket

import mido
import pytest

from livedual.__main__ import main


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_demo_writes_everything_and_plays_live(tmp_path):
    out = tmp_path / "demo_out"
    port = free_udp_port()
    with pytest.raises(SystemExit) as exit_info:
        main(
            ["demo", "--out", str(out), "--live-seconds", "2", "--osc-port", str(port)]
        )
    assert exit_info.value.code == 0
    for name in (
        "song.wav",
        "dance.npz",
        "dance.pkl",
        "dance.bvh",
        "dance.mp4",
        "input_dance.npz",
        "composed.mid",
        "composed.wav",
        "composed.png",
        "input_dance.mp4",
        "summary.md",
    ):
        assert (out / name).stat().st_size > 0, name
    numbers = json.loads((out / "summary.json").read_text())["numbers"]
    assert numbers["live: pose frames sent"] > 0
    assert (
        numbers["live: OSC datagrams received on localhost"]
        >= numbers["live: pose frames sent"]
    )
    notes = [
        m
        for m in mido.MidiFile(out / "composed.mid")
        if m.type == "note_on" and m.velocity > 0
    ]
    assert numbers["composed notes"] > 0 and len(notes) > 0
