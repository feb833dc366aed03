"""MIDI sinks: held-note table, panic/reset, files, and a real port on a JACK dummy server."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

import mido
import pytest

from livedual.errors import DeviceError, MissingExtraError, ParameterError
from livedual.io.midi import (
    CC_ALL_NOTES_OFF,
    CC_ALL_SOUND_OFF,
    TICKS_PER_BEAT,
    MemoryMidiSink,
    MidiFileSink,
    PortMidiSink,
    notes_to_messages,
    write_midi_file,
)
from livedual.io.notes import Note

JACK_START_S = 10


def unmatched_note_ons(messages: list[mido.Message]) -> dict[tuple[int, int], int]:
    """(channel, note) -> note_ons without a later note_off."""
    open_notes: dict[tuple[int, int], int] = {}
    for m in messages:
        if m.type == "note_on" and m.velocity > 0:
            key = (m.channel, m.note)
            assert open_notes.get(key, 0) == 0, f"note_on of a sounding note {key}"
            open_notes[key] = 1
        elif m.type in ("note_on", "note_off"):
            open_notes[(m.channel, m.note)] = 0
    return {k: v for k, v in open_notes.items() if v}


def controls(messages: list[mido.Message], control: int) -> list[int]:
    return sorted(
        m.channel
        for m in messages
        if m.type == "control_change" and m.control == control
    )


def test_every_note_on_gets_its_note_off_even_when_closed_mid_note():
    sink = MemoryMidiSink()
    with sink:
        sink.note_on(note=60, velocity=100)
        sink.note_on(note=64, velocity=100, channel=3)
        sink.note_off(note=60)
        sink.note_on(note=67, velocity=90)
        sink.note_on(
            note=67, velocity=90
        )  # re-trigger: the first one is released first
        assert sink.held_notes == {(3, 64), (0, 67)}
    assert sink.closed and sink.held_notes == frozenset()
    assert unmatched_note_ons(sink.messages) == {}
    assert controls(sink.messages, CC_ALL_NOTES_OFF) == list(range(16))
    with pytest.raises(DeviceError):
        sink.note_on(note=60, velocity=1)


def test_an_exception_inside_with_still_releases_notes():
    sink = MemoryMidiSink()
    with pytest.raises(KeyboardInterrupt), sink:
        sink.note_on(note=48, velocity=80, channel=1)
        raise KeyboardInterrupt
    assert unmatched_note_ons(sink.messages) == {}


def test_panic_releases_held_notes_and_silences_every_channel():
    sink = MemoryMidiSink()
    for channel in (0, 9, 15):
        sink.note_on(note=60 + channel, velocity=100, channel=channel)
    sink.panic()
    note_offs = [(m.channel, m.note) for m in sink.messages if m.type == "note_off"]
    assert sorted(note_offs) == [(0, 60), (9, 69), (15, 75)]
    assert controls(sink.messages, CC_ALL_NOTES_OFF) == list(range(16))
    assert controls(sink.messages, CC_ALL_SOUND_OFF) == list(range(16))
    assert sink.held_notes == frozenset()
    sink.messages.clear()
    sink.reset()
    assert controls(sink.messages, CC_ALL_NOTES_OFF) == list(range(16))
    assert not [m for m in sink.messages if m.type == "note_off"]


def test_sinks_check_their_input():
    sink = MemoryMidiSink()
    with pytest.raises(ParameterError, match="note"):
        sink.note_on(note=128, velocity=64)
    with pytest.raises(ParameterError):
        sink.send("note_on 60")  # type: ignore[arg-type]


def notes_fixture() -> list[Note]:
    return [
        Note(pitch=36, start_s=0.0, end_s=0.5, velocity=90, channel=1),
        Note(pitch=60, start_s=0.0, end_s=0.5, velocity=70),
        Note(
            pitch=60, start_s=0.5, end_s=1.25, velocity=110
        ),  # same pitch, back to back
        Note(pitch=67, start_s=0.75, end_s=2.0, velocity=40),
    ]


def read_notes(path) -> list[tuple[int, float, float, int, int]]:
    """(pitch, start_s, end_s, velocity, channel) of the notes of a MIDI file, via mido."""
    midi = mido.MidiFile(path)
    now, started, notes = 0.0, {}, []
    for msg in midi:  # iterating a MidiFile yields delta times in seconds
        now += msg.time
        if msg.type == "note_on" and msg.velocity > 0:
            started[(msg.channel, msg.note)] = (now, msg.velocity)
        elif msg.type in ("note_on", "note_off"):
            start, velocity = started.pop((msg.channel, msg.note))
            notes.append((msg.note, start, now, velocity, msg.channel))
    assert not started, "notes left sounding"
    return sorted(notes, key=lambda n: (n[1], n[4], n[0]))


@pytest.mark.parametrize("bpm", [120.0, 93.0])
def test_midi_file_round_trip(tmp_path, bpm):
    path = tmp_path / "out.mid"
    write_midi_file(notes_fixture(), path, bpm=bpm)
    tick = 60.0 / bpm / TICKS_PER_BEAT
    got = read_notes(path)
    want = sorted(notes_fixture(), key=lambda n: (n.start_s, n.channel, n.pitch))
    assert len(got) == len(want)
    for (pitch, start, end, velocity, channel), note in zip(got, want):
        assert (pitch, velocity, channel) == (note.pitch, note.velocity, note.channel)
        assert start == pytest.approx(note.start_s, abs=tick)
        assert end == pytest.approx(note.end_s, abs=tick)
    assert not list(tmp_path.glob(".*.tmp"))  # atomic write left nothing behind


def test_note_offs_come_before_note_ons_at_the_same_time():
    timed = notes_to_messages(notes_fixture())
    at_half = [m.type for t, m in timed if t == 0.5]
    assert at_half == ["note_off", "note_off", "note_on"]


def test_file_recorder_interrupted_mid_note_still_closes_notes(tmp_path):
    now = [100.0]
    path = tmp_path / "live.mid"
    sink = MidiFileSink(path, clock=lambda: now[0])
    with pytest.raises(KeyboardInterrupt), sink:
        sink.note_on(note=60, velocity=100)
        now[0] += 0.5
        sink.note_on(note=64, velocity=100)
        now[0] += 0.5
        sink.note_off(note=60)
        now[0] += 1.0
        raise KeyboardInterrupt  # Ctrl-C while note 64 sounds
    notes = read_notes(path)
    assert [(n[0], round(n[1], 3), round(n[2], 3)) for n in notes] == [
        (60, 0.0, 1.0),
        (64, 0.5, 2.0),
    ]


def test_missing_rtmidi_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "rtmidi", None)  # makes "import rtmidi" fail
    with pytest.raises(MissingExtraError, match=r"livedual\[midi\]"):
        PortMidiSink("livedual-test")


# --- a real MIDI port -----------------------------------------------------------------


@pytest.fixture(scope="module")
def jack_server():
    """A JACK server with the dummy driver (no sound card), named for this test run."""
    pytest.importorskip(
        "rtmidi", reason="python-rtmidi is not installed (pip install 'livedual[midi]')"
    )
    for tool in ("jackd", "jack_wait"):
        if shutil.which(tool) is None:
            pytest.skip(
                f"{tool} not found: the JACK server is needed (Debian: apt-get install jackd2)"
            )
    name = f"livedual-test-midi-{os.getpid()}"
    process = subprocess.Popen(
        [
            "jackd",
            "--no-realtime",
            "-n",
            name,
            "-d",
            "dummy",
            "-r",
            "22050",
            "-p",
            "1024",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait = subprocess.run(
        ["jack_wait", "-s", name, "-w", "-t", str(JACK_START_S)],
        capture_output=True,
        check=False,
    )
    if wait.returncode != 0:
        process.kill()
        process.wait()
        pytest.skip(f"the JACK dummy server did not start within {JACK_START_S} s")
    saved = {
        k: os.environ.get(k) for k in ("JACK_DEFAULT_SERVER", "JACK_NO_START_SERVER")
    }
    os.environ.update(JACK_DEFAULT_SERVER=name, JACK_NO_START_SERVER="1")
    yield name
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    process.terminate()
    process.wait(timeout=10)


def test_a_virtual_port_delivers_notes_and_releases_them_on_close(jack_server):
    backend = mido.Backend("mido.backends.rtmidi/UNIX_JACK", load=True)
    sink = PortMidiSink("livedual-out", api="UNIX_JACK")
    assert sink.virtual
    (port_name,) = [n for n in backend.get_input_names() if "livedual-out" in n]
    with backend.open_input(port_name) as listener:
        with sink:
            sink.note_on(note=60, velocity=100)
            sink.note_on(note=62, velocity=100, channel=2)
        received: list[mido.Message] = []
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline and len(received) < 4 + 16:
            received += list(listener.iter_pending())
            time.sleep(0.02)
    assert [(m.type, m.note) for m in received if m.type.startswith("note")] == [
        ("note_on", 60),
        ("note_on", 62),
        ("note_off", 60),
        ("note_off", 62),
    ]
    assert controls(received, CC_ALL_NOTES_OFF) == list(range(16))


def test_opening_a_missing_named_port_is_a_device_error(jack_server):
    with pytest.raises(DeviceError, match="no MIDI output port"):
        PortMidiSink("no-such-port", virtual=False, api="UNIX_JACK")
