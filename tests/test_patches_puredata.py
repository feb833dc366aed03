"""The Pure Data patches of patches/puredata, run by a real headless Pd.

livedual's OscPoseSink sends a synthetic dance in the native format, as bundles and as
plain messages, to ``livedual_receive.pd``; what its [print] objects write to stderr must
be what was sent. ``livedual_synth.pd`` must sound while a note is held and fall silent
after its release. Needs ``pd`` (Debian: ``apt-get install puredata-core``).
"""

from __future__ import annotations

import queue
import re
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from livedual.data.synth import make_song
from livedual.io import OscPoseSink
from livedual.io.osc_formats import encode_frame
from livedual.skeleton import SMPL_SKELETON

PD = shutil.which("pd")
pytestmark = pytest.mark.skipif(
    PD is None, reason="Pure Data is not installed (apt-get install puredata-core)"
)

PATCHES = Path(__file__).resolve().parents[1] / "patches" / "puredata"
START_TIMEOUT_S = 10.0
RECEIVE_TIMEOUT_S = 10.0
FRAMES_PER_MODE = 30  # sent once as bundles, once as plain messages
SEND_PAUSE_S = 0.004  # between frames: 27 datagrams a frame without bundles
# Pd prints floats with 6 significant digits.
PRINT_RTOL = 1e-5
PRINT_ATOL = 1e-6
SYNTH_LEVEL_HELD_DB = 60.0  # env~ dB (100 = full scale) while a note sounds
SYNTH_RELEASE_S = 0.6  # release is 250 ms; allow scheduling slack


class PdProcess:
    """A headless Pd whose stderr lines are collected by a thread."""

    def __init__(self, *args: str) -> None:
        command = [PD, "-nogui", "-nosound", "-nomidi", "-stderr", *args]
        self.process = subprocess.Popen(
            command,
            cwd=PATCHES,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[tuple[float, str]] = queue.Queue()
        self.seen: list[tuple[float, str]] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.put((time.monotonic(), line.rstrip("\n")))

    def wait_for(self, pattern: str, timeout: float) -> str:
        """The first stderr line (from now on) matching ``pattern``; fails on timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                stamped = self.lines.get(timeout=0.1)
            except queue.Empty:
                continue
            self.seen.append(stamped)
            if re.search(pattern, stamped[1]):
                return stamped[1]
        text = "\n".join(line for _, line in self.seen[-20:])
        pytest.fail(f"Pd printed no line matching {pattern!r} in {timeout} s:\n{text}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def receiver() -> Iterator[tuple[PdProcess, int]]:
    port = free_udp_port()
    pd = PdProcess("-send", f"livedual-listen {port}", "-open", "livedual_receive.pd")
    try:
        pd.wait_for(rf"^livedual: listening on port {port}$", START_TIMEOUT_S)
        yield pd, port
    finally:
        pd.stop()


def printed(lines: list[str], name: str) -> list[list[str]]:
    """Arguments of every line printed by [print livedual-<name>]."""
    prefix = f"livedual-{name}: "
    return [line[len(prefix) :].split() for line in lines if line.startswith(prefix)]


def floats(words: list[str]) -> np.ndarray:
    return np.array([float(w) for w in words])


def test_receiver_prints_what_livedual_sent(receiver: tuple[PdProcess, int]) -> None:
    pd, port = receiver
    song = make_song(5, duration_s=4.0, style="bounce")
    frames = range(2 * FRAMES_PER_MODE)
    beats = {
        i: round(0.1 * (i % 10), 3) for i in frames if i % 3 == 0
    }  # some frames only
    for bundles, chunk in (
        (True, frames[:FRAMES_PER_MODE]),
        (False, frames[FRAMES_PER_MODE:]),
    ):
        with OscPoseSink(port=port, format="native", bundles=bundles) as sink:
            for i in chunk:
                sink.send(i, i / 25.0, song.pose[i], beat=beats.get(i))
                time.sleep(SEND_PAUSE_S)
            assert sink.send_errors == 0
    last = frames[-1]
    pd.wait_for(rf"^livedual-frame: {last} ", RECEIVE_TIMEOUT_S)
    lines = [line for _, line in pd.seen]

    got_frames = printed(lines, "frame")
    assert [int(w[0]) for w in got_frames] == list(frames)  # all, in order
    np.testing.assert_allclose(
        [float(w[1]) for w in got_frames], [i / 25.0 for i in frames], rtol=PRINT_RTOL
    )
    got_beats = [float(w[0]) for w in printed(lines, "beat")]
    np.testing.assert_allclose(
        got_beats, [beats[i] for i in sorted(beats)], atol=PRINT_ATOL
    )

    roots = np.array([floats(w) for w in printed(lines, "root")])
    joints = printed(lines, "joint")
    assert len(roots) == len(frames)
    assert len(joints) == len(frames) * len(SMPL_SKELETON.names)
    for i in frames:
        messages = dict(
            encode_frame(
                format="native", frame_index=i, time_s=i / 25.0, pose=song.pose[i]
            )
        )
        np.testing.assert_allclose(
            roots[i], messages["/livedual/root/pos"], rtol=PRINT_RTOL, atol=PRINT_ATOL
        )
        frame_joints = joints[i * 24 : (i + 1) * 24]
        assert [w[0] for w in frame_joints] == list(SMPL_SKELETON.names)
        for words in frame_joints:
            np.testing.assert_allclose(
                floats(words[1:]),
                messages[f"/livedual/joint/{words[0]}"],
                rtol=PRINT_RTOL,
                atol=PRINT_ATOL,
                err_msg=f"frame {i}, joint {words[0]}",
            )
    # The dance moves: the test would not notice swapped frames on a still pose.
    assert np.ptp(roots, axis=0).max() > 0.01


def test_receiver_routes_the_flat_frame(receiver: tuple[PdProcess, int]) -> None:
    pd, port = receiver
    song = make_song(6, duration_s=4.0)
    with OscPoseSink(port=port, format="flat") as sink:
        for i in range(3):
            sink.send(10 + i, (10 + i) / 25.0, song.pose[i])
            time.sleep(SEND_PAUSE_S)
    pd.wait_for(r"^livedual-flat-frame: 12$", RECEIVE_TIMEOUT_S)
    lines = [line for _, line in pd.seen]
    assert [w for w in printed(lines, "flat-frame")] == [["10"], ["11"], ["12"]]
    assert not printed(lines, "frame")  # native addresses only from native frames


def test_synth_sounds_while_a_note_is_held(tmp_path: Path) -> None:
    probe = tmp_path / "probe.pd"
    probe.write_text(
        "#N canvas 0 0 450 300 12;\n"
        "#X obj 20 20 loadbang;\n"
        "#X obj 20 50 del 300;\n"
        "#X msg 20 80 \\; livedual-note 69 110 \\; probe on;\n"
        "#X obj 150 50 del 1000;\n"
        "#X msg 150 80 \\; livedual-note 69 0 \\; probe off;\n"
        "#X obj 20 150 r livedual-synth-level;\n"
        "#X obj 20 180 print level;\n"
        "#X obj 250 150 r probe;\n"
        "#X obj 250 180 print probe;\n"
        "#X connect 0 0 1 0;\n#X connect 1 0 2 0;\n#X connect 0 0 3 0;\n"
        "#X connect 3 0 4 0;\n#X connect 5 0 6 0;\n#X connect 7 0 8 0;\n"
    )
    pd = PdProcess("-open", "livedual_synth.pd", "-open", str(probe))
    try:
        pd.wait_for(r"^probe: off$", START_TIMEOUT_S)
        off_time = time.monotonic()
        deadline = off_time + SYNTH_RELEASE_S + 0.5
        while time.monotonic() < deadline:
            pd.wait_for(r"^level: ", START_TIMEOUT_S)
    finally:
        pd.stop()
    assert not [line for _, line in pd.seen if "couldn't create" in line]
    events = [line for _, line in pd.seen]
    on, off = events.index("probe: on"), events.index("probe: off")

    def levels(part: list[str]) -> list[float]:
        return [float(line.split()[1]) for line in part if line.startswith("level: ")]

    assert max(levels(events[:on])) == 0.0  # silence before the note
    assert min(levels(events[on + 2 : off])) > SYNTH_LEVEL_HELD_DB  # sustained
    released = [(t, line) for t, line in pd.seen if t > off_time + SYNTH_RELEASE_S]
    assert (
        levels([line for _, line in released])
        and max(levels([line for _, line in released])) == 0.0
    )  # silent again
