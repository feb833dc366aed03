"""OSC pose sink and mocap source over real UDP on loopback, and raw hostile datagrams."""

from __future__ import annotations

import socket
import struct
import threading
import time

import numpy as np
import pytest
from pythonosc.dispatcher import Dispatcher
from pythonosc.osc_bundle import OscBundle
from pythonosc.osc_packet import OscPacket
from pythonosc.osc_server import ThreadingOSCUDPServer

from livedual.errors import DeviceError, ParameterError
from livedual.io import (
    OscMocapSource,
    OscPoseSink,
    StreamResampler,
    default_port,
    resample_frames,
)
from livedual.io import osc_decoders as dec
from livedual.io import osc_formats as fmt
from livedual.io.osc_source import BURST_PACKETS, FLOOD, QUEUE_FULL, SENDER
from livedual.io.vmc import SMPL_TO_HUMANOID
from livedual.pose import (
    axis_angle_to_matrix,
    matrix_to_quaternion,
    pack_pose,
    quaternion_to_matrix,
    unpack_pose,
)
from livedual.skeleton import SMPL_SKELETON, pose_to_joints

WAIT_S = 2.0


def random_pose(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    rotations = axis_angle_to_matrix(rng.normal(size=(24, 3)))
    return pack_pose(transl=rng.normal(size=3) + [0, 1.2, 0], rotations=rotations)


@pytest.fixture
def receiver():
    """A raw UDP socket on loopback and a function collecting what arrives."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(0.3)

    def collect(expected: int) -> list[bytes]:
        datagrams: list[bytes] = []
        deadline = time.monotonic() + WAIT_S
        while len(datagrams) < expected and time.monotonic() < deadline:
            try:
                datagrams.append(sock.recv(65536))
            except TimeoutError:
                pass
        return datagrams

    yield sock.getsockname()[1], collect
    sock.close()


def send_and_receive(receiver, format: str, pose: np.ndarray, *, beat=None):
    port, collect = receiver
    with OscPoseSink("127.0.0.1", port, format) as sink:
        sink.send(12, 0.48, pose, beat=beat)
        sent = sink.packets_sent
        assert sink.bytes_sent > 0 and sink.send_errors == 0 and sink.frames_sent == 1
    datagrams = collect(sent)
    assert len(datagrams) == sent
    return datagrams


def messages_of(datagrams: list[bytes]) -> dict[str, list]:
    """Address -> arguments, parsed by python-osc itself (not by livedual's parser)."""
    out = {}
    for data in datagrams:
        for timed in OscPacket(data).messages:
            assert timed.message.address not in out
            out[timed.message.address] = timed.message.params
    return out


def type_tags(datagram: bytes) -> dict[str, str]:
    """Address -> OSC type tag string of every message in a bundle datagram."""
    tags = {}
    for content in OscBundle(datagram):
        raw = content.dgram
        end = raw.index(b"\x00")
        start = (end + 4) & ~3
        tags[content.address] = raw[start : raw.index(b"\x00", start)].decode()
    return tags


def assert_same_rotation(q_received, R_expected, atol=1e-6):
    np.testing.assert_allclose(
        quaternion_to_matrix(np.asarray(q_received)), R_expected, atol=atol
    )


@pytest.mark.parametrize("format", ["native", "flat", "vmc"])
def test_bundles_fit_one_datagram_and_carry_a_current_time_tag(receiver, format):
    before = time.time()
    datagrams = send_and_receive(receiver, format, random_pose(0), beat=1.0)
    assert len(datagrams) >= 2  # one frame does not fit 1400 bytes in any format
    for data in datagrams:
        assert len(data) <= fmt.MAX_DATAGRAM_BYTES
        bundle = OscBundle(data)
        assert before - 1 <= bundle.timestamp <= time.time() + 1


def test_native_format_carries_root_joints_beat_and_frame(receiver):
    pose = random_pose(1)
    datagrams = send_and_receive(receiver, "native", pose, beat=0.75)
    msgs = messages_of(datagrams)
    transl, rotations = unpack_pose(pose)
    np.testing.assert_allclose(msgs["/livedual/root/pos"], transl, atol=1e-6)
    assert len([a for a in msgs if a.startswith("/livedual/joint/")]) == 24
    for j, name in enumerate(SMPL_SKELETON.names):
        assert_same_rotation(msgs[f"/livedual/joint/{name}"], rotations[j])
    assert msgs["/livedual/beat"] == [0.75]
    assert msgs["/livedual/frame"][0] == 12 and msgs["/livedual/frame"][
        1
    ] == pytest.approx(0.48)
    tags = {}
    for data in datagrams:
        tags.update(type_tags(data))
    assert tags["/livedual/frame"] == ",if" and tags["/livedual/root/pos"] == ",fff"
    assert tags["/livedual/joint/head"] == ",ffff"
    # The frame message closes the frame: it is the last message of the last bundle.
    assert OscPacket(datagrams[-1]).messages[-1].message.address == "/livedual/frame"


def test_flat_format_sends_one_float_per_address(receiver):
    pose = random_pose(2)
    msgs = messages_of(send_and_receive(receiver, "flat", pose))
    assert all(len(args) == 1 and isinstance(args[0], float) for args in msgs.values())
    # root, joints (quaternion + position), time, frame
    assert len(msgs) == 3 + 24 * 7 + 2
    transl, rotations = unpack_pose(pose)
    joints = pose_to_joints(pose)
    for axis, value in zip("xyz", transl):
        assert msgs[f"/livedual/flat/root/t{axis}"][0] == pytest.approx(value, abs=1e-6)
    for j, name in enumerate(SMPL_SKELETON.names):
        q = [msgs[f"/livedual/flat/{name}/q{c}"][0] for c in "wxyz"]
        assert_same_rotation(q, rotations[j])
        p = [msgs[f"/livedual/flat/{name}/t{c}"][0] for c in "xyz"]
        np.testing.assert_allclose(p, joints[j], atol=1e-5)
    assert msgs["/livedual/flat/frame"] == [12.0]


def test_vmc_format_carries_mirrored_bones_and_ends_with_time_and_ok(receiver):
    pose = random_pose(3)
    datagrams = send_and_receive(receiver, "vmc", pose)
    bones: dict[str, list] = {}
    others: dict[str, list] = {}
    for data in datagrams:
        for timed in OscPacket(data).messages:
            m = timed.message
            if m.address == "/VMC/Ext/Bone/Pos":
                bones[m.params[0]] = m.params[1:]
            else:
                others[m.address] = m.params
    assert set(bones) == set(SMPL_TO_HUMANOID)
    transl, rotations = unpack_pose(pose)
    assert others["/VMC/Ext/Root/Pos"][0] == "root"
    np.testing.assert_allclose(
        others["/VMC/Ext/Root/Pos"][1:4], transl * [-1, 1, 1], atol=1e-6
    )
    assert others["/VMC/Ext/OK"] == [1] and others["/VMC/Ext/T"] == [
        pytest.approx(0.48)
    ]
    mirror = np.diag([-1.0, 1.0, 1.0])
    for j, name in enumerate(SMPL_TO_HUMANOID):
        x, y, z, w = bones[name][3:]
        assert_same_rotation([w, x, y, z], mirror @ rotations[j] @ mirror)
    for data in datagrams:
        tags = type_tags(data)
        assert all(t == ",sfffffff" for a, t in tags.items() if a.endswith("/Pos"))


def test_plain_messages_without_bundles_for_simple_receivers(receiver):
    port, collect = receiver
    with OscPoseSink("127.0.0.1", port, "native", bundles=False) as sink:
        sink.send(2, 0.08, random_pose(0))
        sent = sink.packets_sent
    datagrams = collect(sent)
    assert sent == len(datagrams) == 26
    assert all(d.startswith(b"/livedual/") for d in datagrams)
    assert messages_of(datagrams)["/livedual/frame"] == [2, pytest.approx(0.08)]


def test_a_stock_python_osc_server_receives_every_message():
    received: list[str] = []
    lock = threading.Lock()

    def handler(address, *args):
        with lock:
            received.append(address)

    dispatcher = Dispatcher()
    dispatcher.set_default_handler(handler)
    server = ThreadingOSCUDPServer(("127.0.0.1", 0), dispatcher)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}
    )
    thread.start()
    try:
        with OscPoseSink("127.0.0.1", server.server_address[1], "native") as sink:
            for i in range(3):
                sink.send(i, i / 25, random_pose(i))
        deadline = time.monotonic() + WAIT_S
        while len(received) < 3 * 26 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    assert received.count("/livedual/frame") == 3
    assert len(received) == 3 * 26


def test_sink_checks_its_arguments():
    assert default_port("vmc") == 39539 and default_port("native") == default_port(
        "flat"
    )
    with pytest.raises(ParameterError):
        OscPoseSink(format="json")
    with OscPoseSink(port=9) as sink:
        with pytest.raises(ParameterError):
            sink.send(0, 0.0, np.zeros(146))
        bad = random_pose(0)
        bad[5] = np.nan
        with pytest.raises(ParameterError):
            sink.send(0, 0.0, bad)
        assert sink.packets_sent == 0


@pytest.mark.parametrize("format", ["native", "flat", "vmc"])
def test_every_format_decodes_back_to_the_pose(format):
    pose = random_pose(4)
    datagrams = fmt.pack_bundles(
        fmt.encode_frame(format=format, frame_index=3, time_s=0.12, pose=pose, beat=0.5)
    )
    (frame,) = dec.decode_datagrams(datagrams, format=format)
    transl, rotations = unpack_pose(pose)
    got_transl, got_rotations = unpack_pose(frame.pose)
    assert np.abs(got_rotations - rotations).max() < 1e-5
    assert np.abs(got_transl - transl).max() < 1e-5
    if format != "vmc":
        assert frame.frame_index == 3 and frame.beat == 0.5
    assert frame.time_s == pytest.approx(0.12)


# --- mocap source ---------------------------------------------------------------------


def native_datagrams(pose: np.ndarray, index: int = 0) -> list[bytes]:
    return fmt.pack_bundles(
        fmt.encode_native(frame_index=index, time_s=index / 25, pose=pose)
    )


def message(address: str, *args) -> bytes:
    return fmt.encode_message(address, args)


def raw_message(address: str, tags: str, payload: bytes) -> bytes:
    """A message with any type tags and payload (to build what the encoder refuses)."""

    def pad(b):
        return b + b"\x00" * (4 - len(b) % 4)

    return pad(address.encode()) + pad(tags.encode()) + payload


HOSTILE = {
    dec.MALFORMED: [
        b"\x00\x01garbage",
        b"#bundle\x00"
        + b"\x00" * 8
        + struct.pack(">i", -4)
        + b"/a\x00\x00",  # size loops back
        b"#bundle\x00"
        + b"\x00" * 8
        + struct.pack(">i", 4000)
        + b"/a\x00\x00",  # overruns
        b"/livedual/joint/head\x00\x00\x00\x00,ffff\x00\x00\x00\x00\x00",  # truncated floats
        b"/livedual/\xff\xfe\x00\x00",  # not text
    ],
    dec.ARG_TYPE: [
        message("/livedual/joint/head", "a", "b", "c", "d"),
        message("/livedual/frame", 1.5, 0.0),
        raw_message("/livedual/joint/head", ",bbbb", b"\x00" * 16),
        message("/VMC/Ext/Bone/Pos", 3.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0),
    ],
    dec.NOT_FINITE: [
        message("/livedual/joint/head", float("nan"), 0.0, 0.0, 0.0),
        message("/livedual/root/pos", 0.0, float("inf"), 0.0),
        message(
            "/VMC/Ext/Bone/Pos", "Head", 0.0, 0.0, 0.0, 0.0, float("nan"), 0.0, 1.0
        ),
    ],
    dec.ARG_COUNT: [
        message("/livedual/joint/head", 1.0, 0.0, 0.0),
        message("/livedual/root/pos", 1.0),
        message("/VMC/Ext/Bone/Pos", "Head", 0.0, 0.0, 1.0),
    ],
    dec.UNKNOWN_ADDRESS: [
        message("/livedual/joint/tail", 1.0, 0.0, 0.0, 0.0),
        message("/some/other/app", 1.0),
        message("/VMC/Ext/Bone/Pos", "Tail", 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0),
    ],
    dec.OUT_OF_RANGE: [
        message("/livedual/joint/head", 5.0, 0.0, 0.0, 0.0),
        message("/livedual/root/pos", 1e6, 0.0, 0.0),
        message("/livedual/beat", 3.0),
        message("/livedual/frame", -1, 0.0),
    ],
}


def test_hostile_datagrams_are_counted_by_reason_and_dropped():
    source = OscMocapSource(port=0)
    pose = random_pose(5)
    for data in native_datagrams(pose):  # a good frame first: state to be kept
        source.handle_datagram(data, ("127.0.0.1", 1))
    assert source.read(timeout=0) is not None
    for reason, datagrams in HOSTILE.items():
        for data in datagrams:
            source.handle_datagram(data, ("127.0.0.1", 1))
        assert source.drops.get(reason) == len(datagrams), (reason, source.drops)
    assert sum(source.drops.values()) == sum(len(d) for d in HOSTILE.values())
    # Nothing hostile changed the state: the next frame message still gives the good pose.
    source.handle_datagram(message("/livedual/frame", 1, 0.04), ("127.0.0.1", 1))
    frame = source.read(timeout=0)
    assert frame is not None and frame.frame_index == 1
    np.testing.assert_allclose(frame.pose, pose, atol=1e-5)


def test_senders_outside_the_allowed_list_are_dropped():
    source = OscMocapSource(port=0, allowed_senders=["10.1.2.3"])
    for data in native_datagrams(random_pose(6)):
        source.handle_datagram(data, ("127.0.0.1", 5000))
    assert source.read(timeout=0) is None and source.drops == {SENDER: 2}
    for data in native_datagrams(random_pose(6)):
        source.handle_datagram(data, ("10.1.2.3", 5000))
    assert source.read(timeout=0) is not None


def test_packet_floods_and_a_slow_reader_drop_the_excess():
    now = [0.0]
    source = OscMocapSource(
        port=0, max_packets_per_s=100.0, queue_frames=3, clock=lambda: now[0]
    )
    for _ in range(BURST_PACKETS + 7):
        source.handle_datagram(message("/livedual/beat", 0.5), None)
    assert source.drops == {FLOOD: 7}
    now[0] += 1.0  # one second refills 100 packets
    for i in range(5):
        source.handle_datagram(message("/livedual/frame", i, i / 25), None)
    assert source.drops[QUEUE_FULL] == 2
    assert [f.frame_index for f in source.read_all()] == [2, 3, 4]  # newest kept


def test_a_flooding_sender_does_not_starve_the_others():
    now = [0.0]
    source = OscMocapSource(port=0, max_packets_per_s=100.0, clock=lambda: now[0])
    for _ in range(BURST_PACKETS + 50):
        source.handle_datagram(message("/livedual/beat", 0.5), ("10.0.0.9", 1))
    assert source.drops == {FLOOD: 50}
    for i in range(3):  # the performer's frames arrive while the flood goes on
        source.handle_datagram(message("/livedual/frame", i, i / 25), ("10.0.0.2", 1))
    assert [f.frame_index for f in source.read_all()] == [0, 1, 2]
    assert source.drops == {FLOOD: 50}


def test_two_senders_at_once_each_get_their_own_frames():
    poses = {("10.0.0.2", 9000): random_pose(5), ("10.0.0.2", 9001): random_pose(6)}
    streams = {
        sender: fmt.encode_frame(format="vmc", frame_index=0, time_s=0.0, pose=pose)
        for sender, pose in poses.items()
    }
    source = OscMocapSource(port=0)
    # Message by message, alternating: a shared decoder would mix the two bodies.
    for pair in zip(*streams.values()):
        for sender, (address, args) in zip(streams, pair):
            source.handle_datagram(message(address, *args), sender)
    frames = source.read_all()
    assert len(frames) == 2 and not source.drops
    for frame, pose in zip(frames, poses.values()):
        assert np.abs(unpack_pose(frame.pose)[1] - unpack_pose(pose)[1]).max() < 1e-5


def test_random_packets_never_break_the_source():
    rng = np.random.default_rng(7)
    prefixes = [
        b"",
        b"/",
        b"/livedual/",
        b"/VMC/Ext/Bone/Pos\x00\x00\x00",
        b"#bundle\x00",
    ]
    source = OscMocapSource(port=0, max_packets_per_s=1e9)
    for i in range(3000):
        body = rng.integers(
            0, 256, size=int(rng.integers(0, 200)), dtype=np.uint8
        ).tobytes()
        source.handle_datagram(prefixes[i % len(prefixes)] + body, ("127.0.0.1", 1))
    assert source.packets_received == 3000
    assert "internal" not in source.drops
    for data in native_datagrams(random_pose(8)):
        source.handle_datagram(data, ("127.0.0.1", 1))
    frames = source.read_all()
    assert frames and frames[-1].frame_index == 0


@pytest.mark.parametrize("format", ["native", "vmc"])
def test_mocap_source_receives_frames_over_udp(format):
    poses = [random_pose(10 + i) for i in range(4)]
    with OscMocapSource(port=0) as source:
        port = source.address[1]
        with OscPoseSink("127.0.0.1", port, format) as sink:
            for i, pose in enumerate(poses):
                sink.send(i, i / 25, pose)
        frames = []
        deadline = time.monotonic() + WAIT_S
        while len(frames) < len(poses) and time.monotonic() < deadline:
            frame = source.read(timeout=0.1)
            if frame is not None:
                frames.append(frame)
    assert len(frames) == len(poses) and not source.drops
    with pytest.raises(DeviceError):
        source.read(timeout=0)  # closed
    for frame, pose in zip(frames, poses):
        _, expected = unpack_pose(pose)
        _, got = unpack_pose(frame.pose)
        assert np.abs(got - expected).max() < 1e-4
        assert frame.received_s is not None


def test_a_udp_flood_leaves_the_source_working():
    rng = np.random.default_rng(9)
    with OscMocapSource(port=0, max_packets_per_s=2000.0) as source:
        address = ("127.0.0.1", source.address[1])
        flood = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for i in range(5000):
            n = int(rng.integers(1, 300))
            body = rng.integers(0, 256, size=n, dtype=np.uint8).tobytes()
            flood.sendto((b"/livedual/" if i % 2 else b"#bundle\x00") + body, address)
        flood.close()
        time.sleep(1.0)  # let the flood drain and the token bucket refill
        with OscPoseSink("127.0.0.1", address[1], "vmc") as sink:
            sink.send(0, 0.0, random_pose(11))
        frame = source.read(timeout=WAIT_S)
        drops = source.drops
    assert frame is not None
    # closed cleanly
    assert source._thread is not None and not source._thread.is_alive()
    assert "internal" not in drops and sum(drops.values()) > 0
    assert source.packets_received > 2  # the kernel may drop part of a flood itself


# --- resampling -----------------------------------------------------------------------


def rotating_pose(t: np.ndarray) -> np.ndarray:
    """Every joint turning about its own axis at 1 rad/s, root moving at 1 m/s along x."""
    axes = np.random.default_rng(12).normal(size=(24, 3))
    axes /= np.linalg.norm(axes, axis=1, keepdims=True)
    rotations = axis_angle_to_matrix(t[:, None, None] * axes[None])
    transl = np.stack([t, np.ones_like(t), np.zeros_like(t)], axis=1)
    return pack_pose(transl=transl, rotations=rotations)


def test_irregular_frames_resample_onto_the_25_fps_grid():
    rng = np.random.default_rng(13)
    times = np.cumsum(rng.uniform(0.005, 0.05, size=60)) + 10.0
    out_times, out_poses = resample_frames(
        times=times, poses=rotating_pose(times), fps=25
    )
    np.testing.assert_allclose(np.diff(out_times), 0.04, atol=1e-9)
    assert out_times[0] == times[0] and out_times[-1] <= times[-1]
    expected = rotating_pose(out_times)
    _, got_rot = unpack_pose(out_poses)
    _, want_rot = unpack_pose(expected)
    # slerp is exact for a constant rotation speed
    assert np.abs(got_rot - want_rot).max() < 1e-4
    np.testing.assert_allclose(out_poses[:, 0], out_times, atol=1e-5)


def test_stream_resampler_matches_the_batch_function_and_restarts_after_a_gap():
    times = np.array([0.0, 0.013, 0.05, 0.061, 0.099, 0.14, 0.2])
    poses = rotating_pose(times)
    resampler = StreamResampler(fps=25)
    streamed = [out for t, p in zip(times, poses) for out in resampler.push(t, p)]
    batch_times, batch_poses = resample_frames(times=times, poses=poses, fps=25)
    np.testing.assert_allclose([t for t, _ in streamed], batch_times)
    np.testing.assert_allclose(
        np.array([p for _, p in streamed]), batch_poses, atol=1e-5
    )
    assert resampler.push(0.1, poses[0]) == []  # older than the last frame
    (restart,) = resampler.push(5.0, poses[1])  # a gap: no burst of filler frames
    assert restart[0] == 5.0


def test_quaternions_survive_the_wire_in_float32():
    # Guard for the tolerance used above: float32 quaternions keep rotations to ~1e-7.
    q = matrix_to_quaternion(unpack_pose(random_pose(14))[1]).astype(np.float32)
    assert np.abs(np.linalg.norm(q, axis=1) - 1).max() < 1e-6
