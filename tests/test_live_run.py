"""The live runtime end to end, over real UDP on loopback.

A synthetic song written as a WAV is played as live input (as fast as possible and in
real time) to OSC receivers in the test; a synthetic dance encoded as OSC is replayed
into the motion-capture port and comes out as MIDI (in memory and as a file), also when
the run is interrupted mid-note and while a flood of junk hits the port. The command line
runs once in a subprocess, stopped with SIGINT.
"""

from __future__ import annotations

import _thread
import math
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import mido
import numpy as np
import pytest

from livedual.audio import write_wav
from livedual.const import FPS
from livedual.data.formats import read_npz
from livedual.data.synth import make_song
from livedual.errors import DeviceError, ParameterError
from livedual.inference import Generator
from livedual.io.audio_source import FileSource
from livedual.io.base import PoseSink
from livedual.io.midi import (
    CC_ALL_NOTES_OFF,
    CC_ALL_SOUND_OFF,
    MemoryMidiSink,
    MidiFileSink,
)
from livedual.io.osc_decoders import decode_datagrams
from livedual.io.osc_formats import encode_frame, pack_bundles
from livedual.io.osc_source import OscMocapSource
from livedual.live.engine import LiveOptions
from livedual.live.runner import LiveRunner
from livedual.live.uri import (
    FILE,
    MIC,
    MIDI,
    OSC,
    RECORD,
    check_combination,
    parse_sink,
    parse_source,
)
from livedual.pose import unpack_pose

FIXTURES = Path(__file__).parent / "fixtures"
M2D = FIXTURES / "tiny_music2dance.onnx"
D2M = FIXTURES / "tiny_dance2music.onnx"
NTP_EPOCH_OFFSET = 2208988800  # seconds from 1900 (NTP) to 1970 (Unix)
RECEIVE_BUFFER = 4 << 20
SONG_SECONDS = 4.0
LOW = LiveOptions(mode="lowlatency")


# --- helpers ----------------------------------------------------------------------------


class Receiver:
    """A UDP socket on loopback collecting (arrival time, datagram) in a thread."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.packets: list[tuple[float, bytes]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._collect, daemon=True)
        self._thread.start()

    def _collect(self) -> None:
        while not self._stop.is_set():
            try:
                data = self.sock.recv(65536)
            except TimeoutError:
                continue
            self.packets.append((time.monotonic(), data))

    def finish(self, quiet_s: float = 0.3) -> list[tuple[float, bytes]]:
        """Wait until nothing arrived for ``quiet_s``, stop, and return what came."""
        count = -1
        while count != len(self.packets):
            count = len(self.packets)
            time.sleep(quiet_s)
        self._stop.set()
        self._thread.join()
        self.sock.close()
        return self.packets


def timetag(datagram: bytes) -> float:
    """Unix time of an OSC bundle's time tag."""
    seconds = int.from_bytes(datagram[8:12], "big")
    fraction = int.from_bytes(datagram[12:16], "big")
    return seconds - NTP_EPOCH_OFFSET + fraction / 2**32


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pair_notes(messages: list[mido.Message]) -> int:
    """Number of notes; fails unless every note_on is released exactly once."""
    held: set[tuple[int, int]] = set()
    notes = 0
    for msg in messages:
        if msg.type == "note_on" and msg.velocity > 0:
            assert (msg.channel, msg.note) not in held
            held.add((msg.channel, msg.note))
            notes += 1
        elif msg.type in ("note_on", "note_off"):
            assert (msg.channel, msg.note) in held
            held.discard((msg.channel, msg.note))
    assert not held, f"notes left hanging: {held}"
    return notes


def controls(messages: list[mido.Message], control: int) -> int:
    return sum(
        1 for m in messages if m.type == "control_change" and m.control == control
    )


@pytest.fixture(scope="module")
def song():
    return make_song(11, duration_s=SONG_SECONDS)


@pytest.fixture(scope="module")
def wav(song, tmp_path_factory) -> Path:
    return write_wav(
        tmp_path_factory.mktemp("live") / "song.wav", song.audio, sr=song.sr
    )


@pytest.fixture(scope="module")
def d2m() -> Generator:
    return Generator.load(D2M)


@pytest.fixture(scope="module")
def mocap_datagrams(song) -> list[list[bytes]]:
    """The song's dance as VMC datagrams, one list per 25 fps frame."""
    frames = []
    for i, pose in enumerate(song.pose):
        messages = encode_frame(format="vmc", frame_index=i, time_s=i / FPS, pose=pose)
        frames.append(pack_bundles(messages))
    return frames


def replay(
    datagrams: list[list[bytes]],
    port: int,
    *,
    source_ip: str = "127.0.0.1",
    stop: threading.Event | None = None,
) -> threading.Thread:
    """Send the frames at 25 fps from ``source_ip`` in a thread (started)."""

    def send() -> None:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.bind((source_ip, 0))
            t0 = time.monotonic()
            for i, frame in enumerate(datagrams):
                if stop is not None and stop.is_set():
                    return
                time.sleep(max(0.0, t0 + i / FPS - time.monotonic()))
                for datagram in frame:
                    sock.sendto(datagram, ("127.0.0.1", port))

    thread = threading.Thread(target=send, daemon=True)
    thread.start()
    return thread


def mocap_runner(port: int, sinks, **kwargs) -> LiveRunner:
    allow = kwargs.pop("allow", None)
    source = OscMocapSource("127.0.0.1", port, allowed_senders=allow)
    return LiveRunner(
        source=source,
        generator=Generator.load(D2M),
        options=LOW,
        midi_sinks=sinks,
        **kwargs,
    )


def when_listening(runner: LiveRunner, then) -> threading.Thread:
    """Run ``then()`` in a thread once the runner's source is listening."""

    def wait() -> None:
        deadline = time.monotonic() + 30
        while not runner.source.started and time.monotonic() < deadline:
            time.sleep(0.01)
        then()

    thread = threading.Thread(target=wait, daemon=True)
    thread.start()
    return thread


# --- URIs -------------------------------------------------------------------------------


def test_source_and_sink_uris(wav):
    assert parse_source("mic").kind == MIC and parse_source("mic:2").device == 2
    assert parse_source("mic:usb").device == "usb"
    assert parse_source(str(wav)).kind == FILE
    osc = parse_source("osc://0.0.0.0:9100?format=vmc")
    assert (osc.kind, osc.host, osc.port, osc.format) == (OSC, "0.0.0.0", 9100, "vmc")
    assert parse_source("osc://127.0.0.1").port == 39539
    sink = parse_sink("osc://10.0.0.5?format=vmc")
    assert (sink.kind, sink.host, sink.port, sink.format) == (
        OSC,
        "10.0.0.5",
        39539,
        "vmc",
    )
    assert parse_sink("osc://127.0.0.1:7000").format == "native"
    assert (
        parse_sink("midi").midi_port is None
        and parse_sink("midi:Synth A").midi_port == "Synth A"
    )
    assert (
        parse_sink("record:out/take.mid").kind == RECORD
        and parse_sink("midi").kind == MIDI
    )


@pytest.mark.parametrize(
    "make",
    [
        lambda: parse_source("osc://127.0.0.1:99999"),
        lambda: parse_source("osc://127.0.0.1:9000?format=bvh"),
        lambda: parse_source("http://example.invalid/song.wav"),
        lambda: parse_source("no/such/song.wav"),
        lambda: parse_sink("osc://127.0.0.1:9000?rate=60"),
        lambda: parse_sink("record:take.wav"),
        lambda: parse_sink("speaker"),
        lambda: check_combination(parse_source("mic"), [parse_sink("midi")]),
        lambda: check_combination(
            parse_source("osc://127.0.0.1:9"), [parse_sink("record:a.npz")]
        ),
        lambda: check_combination(parse_source("mic"), []),
        lambda: LiveRunner.from_specs(
            source=parse_source("mic"),
            sinks=[parse_sink("record:a.npz")],
            model=M2D,
            realtime=False,
        ),
        lambda: LiveRunner.from_specs(
            source=parse_source("mic"),
            sinks=[parse_sink("record:a.npz")],
            model=M2D,
            allow=["127.0.0.1"],
        ),
    ],
)
def test_impossible_sources_sinks_and_combinations_are_refused(make):
    with pytest.raises(ParameterError):
        make()


# --- music -> dance: a file as live input -----------------------------------------------


@pytest.mark.parametrize(
    ("format", "rate", "mode"),
    [("native", 25, "sync"), ("flat", 60, "lowlatency"), ("vmc", 60, "sync")],
)
def test_a_fast_file_run_sends_every_frame_on_its_time(
    wav, tmp_path, format, rate, mode
):
    receiver = Receiver()
    record = tmp_path / "dance.npz"
    runner = LiveRunner.from_specs(
        source=parse_source(str(wav)),
        sinks=[
            parse_sink(f"osc://127.0.0.1:{receiver.port}?format={format}"),
            parse_sink(f"record:{record}"),
        ],
        model=M2D,
        options=LiveOptions(mode=mode),
        rate=rate,
        realtime=False,
    )
    report = runner.run()
    packets = receiver.finish()
    expected = math.floor((SONG_SECONDS * FPS - 1) * rate / FPS) + 1
    assert (
        report.frames_out == expected
        and report.underruns == 0
        and not report.interrupted
    )
    frames = decode_datagrams([p for _, p in packets], format=format)
    assert len(frames) == expected
    times = np.array([f.time_s for f in frames])
    np.testing.assert_allclose(
        times, np.arange(expected) / rate, atol=1e-4
    )  # float32 on the wire
    tags = np.unique([timetag(p) for _, p in packets])
    assert len(tags) == expected
    np.testing.assert_allclose(np.diff(tags), 1 / rate, atol=1e-5)
    sent, fps = read_npz(record)
    assert fps == rate and len(sent) == expected
    if format == "vmc":  # decoded back and mirrored back: the generated rotations
        _, got = unpack_pose(np.stack([f.pose for f in frames]))
        _, want = unpack_pose(sent)
        assert np.abs(got - want).max() < 1e-4


def test_a_realtime_file_run_keeps_a_steady_60_fps_clock(wav):
    receiver = Receiver()
    runner = LiveRunner.from_specs(
        source=parse_source(str(wav)),
        sinks=[parse_sink(f"osc://127.0.0.1:{receiver.port}?format=native")],
        model=M2D,
        options=LiveOptions(mode="lowlatency"),
        rate=60,
        seconds=2.5,
    )
    report = runner.run()
    packets = receiver.finish()
    expected = math.floor((math.ceil(2.5 * FPS) - 1) * 60 / FPS) + 1
    frames = decode_datagrams([p for _, p in packets], format="native")
    assert report.frames_out == len(frames)
    assert (
        len(frames) + report.skipped_frames == expected and report.skipped_frames <= 3
    )
    indices = np.array([f.frame_index for f in frames])
    np.testing.assert_allclose([f.time_s for f in frames], indices / 60, atol=1e-4)
    last_of_frame = [t for t, p in packets if b"/livedual/frame" in p]
    gaps = np.diff(last_of_frame)
    assert abs(np.median(gaps) - 1 / 60) < 0.003  # sent on the 60 fps clock
    assert report.jitter["late_p50_ms"] < 15
    # Output begins one latency after the input: frame 0 is due at t0 + 0.84 s.
    assert report.wall_s >= 2.5 + runner.options.latency_s


class UnpluggedSource(FileSource):
    """A file played in real time whose device is lost at its end, as a microphone's."""

    def _read(self, *, max_samples=None, timeout=None):
        samples = super()._read(max_samples=max_samples, timeout=timeout)
        if len(samples) == 0 and self.exhausted:
            raise DeviceError("the test input was unplugged.")
        return samples


class CountingSink(PoseSink):
    def _send(self, frame_index, time_s, pose, *, beat) -> None:
        pass


def test_a_lost_audio_device_is_reported_and_reopened(song, caplog):
    second = 22050
    reopened = []

    def reopen() -> FileSource:
        reopened.append(time.monotonic())
        return FileSource.from_samples(song.audio[second:], realtime=True)

    runner = LiveRunner(
        source=UnpluggedSource.from_samples(song.audio[:second], realtime=True),
        generator=Generator.load(M2D),
        options=LiveOptions(mode="lowlatency"),
        pose_sinks=[CountingSink()],
        seconds=2.5,
        source_factory=reopen,
    )
    with caplog.at_level("INFO", logger="livedual.live.runner"):
        report = runner.run()
    assert len(reopened) == 1
    assert "audio input lost" in caplog.text and "audio input back" in caplog.text
    # The clock went on through the gap (holding the pose) and to the end of the input.
    assert report.frames_out + report.skipped_frames == math.ceil(2.5 * FPS)
    assert report.underruns > 0 and not report.interrupted


# --- dance -> music: motion capture in, MIDI out ----------------------------------------


def test_replayed_mocap_becomes_notes_that_all_end(song, mocap_datagrams, tmp_path):
    port = free_port()
    memory, midi_file = MemoryMidiSink(), MidiFileSink(tmp_path / "take.mid")
    runner = mocap_runner(port, [memory, midi_file], seconds=SONG_SECONDS + 0.5)
    when_listening(runner, lambda: replay(mocap_datagrams, port))
    report = runner.run()
    assert not report.interrupted and report.sink_errors == 0
    assert len(song.pose) - 3 <= report.frames_out <= len(song.pose)
    # Only the last partial hop, planned when the input ends, can come too late.
    assert report.underruns <= 12 and report.late_plans <= 1
    notes = pair_notes(memory.messages)
    assert notes >= 8
    assert controls(memory.messages, CC_ALL_NOTES_OFF) == 16  # all notes off on exit
    recorded = [m for m in mido.MidiFile(tmp_path / "take.mid") if not m.is_meta]
    assert pair_notes(recorded) == notes


class PanicWatch(MemoryMidiSink):
    """A memory sink remembering which notes were sounding when panic came."""

    held_at_panic: frozenset = frozenset()

    def panic(self) -> None:
        self.held_at_panic = self.held_notes
        super().panic()


def test_ctrl_c_mid_note_releases_every_note(mocap_datagrams, tmp_path):
    port = free_port()
    memory, midi_file = PanicWatch(), MidiFileSink(tmp_path / "cut.mid")
    runner = mocap_runner(port, [memory, midi_file], seconds=30.0)
    stop = threading.Event()
    when_listening(runner, lambda: replay(mocap_datagrams, port, stop=stop))
    ctrl_c = threading.Timer(
        2.5, _thread.interrupt_main
    )  # KeyboardInterrupt, as SIGINT
    ctrl_c.start()
    try:
        report = runner.run()
    finally:
        ctrl_c.cancel()
        stop.set()
    assert report.interrupted and report.wall_s < 10
    assert memory.held_at_panic, "the run was not stopped mid-note"
    pair_notes(memory.messages)
    assert controls(memory.messages, CC_ALL_SOUND_OFF) == 16  # panic
    recorded = [m for m in mido.MidiFile(tmp_path / "cut.mid") if not m.is_meta]
    assert pair_notes(recorded) >= 1 and controls(recorded, CC_ALL_SOUND_OFF) == 16
    assert runner.source.closed


def test_a_flood_of_junk_leaves_the_output_on_time(mocap_datagrams):
    """5 s of random and malformed packets at full speed from one address, junk at a
    lower rate from the performer's address, while the performer dances."""
    port = free_port()
    memory = MemoryMidiSink()
    runner = mocap_runner(
        port, [memory], seconds=SONG_SECONDS + 0.5, allow=["127.0.0.2"]
    )
    stop = threading.Event()
    rng = np.random.default_rng(7)
    junk = [
        rng.integers(0, 256, size=int(n), dtype=np.uint8).tobytes()
        for n in rng.integers(1, 400, size=500)
    ]
    junk += [
        b"/VMC/Ext/Bone/Pos\x00\x00\x00,sfff\x00\x00\x00\x00" + bytes(8),  # too short
        b"#bundle\x00" + bytes(8) + (9999).to_bytes(4, "big"),
        b"/livedual/frame\x00,if",
    ]
    sent = {"flood": 0}

    def flood(source_ip: str, per_second: float | None) -> None:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.bind((source_ip, 0))
            t0 = time.monotonic()
            i = 0
            while time.monotonic() - t0 < 5.0 and not stop.is_set():
                sock.sendto(junk[i % len(junk)], ("127.0.0.1", port))
                i += 1
                if per_second is not None:
                    time.sleep(max(0.0, t0 + i / per_second - time.monotonic()))
            sent["flood"] += i

    def start() -> None:
        replay(mocap_datagrams, port, source_ip="127.0.0.2", stop=stop)
        threading.Thread(target=flood, args=("127.0.0.1", None), daemon=True).start()
        threading.Thread(target=flood, args=("127.0.0.2", 500.0), daemon=True).start()

    when_listening(runner, start)
    try:
        report = runner.run()
    finally:
        stop.set()
    drops = report.drops
    assert drops.get("sender", 0) > 1000  # the full-speed flood, dropped first
    assert drops.get("malformed", 0) > 100  # junk from the performer's address
    assert "internal" not in drops and not report.interrupted
    assert report.frames_out >= 0.9 * len(
        mocap_datagrams
    )  # the dance still came through
    assert report.jitter["late_p50_ms"] < 20 and report.skipped_frames == 0
    assert pair_notes(memory.messages) >= 5
    assert runner.source.closed and runner.source._thread is not None
    assert not runner.source._thread.is_alive()


# --- the command line -------------------------------------------------------------------


def test_the_command_stops_cleanly_on_sigint(mocap_datagrams, tmp_path):
    port = free_port()
    take = tmp_path / "take.mid"
    command = [
        sys.executable,
        "-m",
        "livedual",
        "live",
        "--source",
        f"osc://127.0.0.1:{port}?format=vmc",
        "--sink",
        f"record:{take}",
        "--model",
        str(D2M),
        "--mode",
        "lowlatency",
    ]
    process = subprocess.Popen(
        command,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stderr is not None
    lines = []
    for line in process.stderr:  # wait until it listens
        lines.append(line)
        if "listening for OSC" in line:
            break
    stop = threading.Event()
    sender = replay(mocap_datagrams, port, stop=stop)
    time.sleep(2.5)
    process.send_signal(signal.SIGINT)
    try:
        _, rest = process.communicate(timeout=20)
    finally:
        stop.set()
        process.kill()
    sender.join(5)
    log = "".join(lines) + rest
    assert process.returncode == 0, log
    assert "interrupted" in log and "warm-up took" in log
    recorded = [m for m in mido.MidiFile(take) if not m.is_meta]
    assert pair_notes(recorded) >= 1, log
    assert controls(recorded, CC_ALL_SOUND_OFF) == 16  # the panic reached the file
