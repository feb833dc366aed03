"""The integration patches hold together without their host programs.

- TouchDesigner: both scripts compile; run outside TouchDesigner with stand-in operators,
  the skeleton they build from livedual's flat channels or native messages is livedual's.
- Max: the .maxpat is valid patcher JSON whose connections exist and which holds
  udpreceive -> route for every native address, and notein -> mtof -> cycle~ -> ezdac~.
- Unity: the C# tables match livedual's; with Mono's ``mcs`` (Debian: mono-mcs) the core
  and the MonoBehaviour (against UnityEngine stand-ins) compile, and the core parses
  livedual's datagrams into the same frames, global rotations and joint positions.
- Blender: the add-on imports without Blender and reads livedual's datagrams.
- Pure Data: every connection of the .pd files joins existing objects.
- patches/send_test_dance.py sends a dance that livedual's own decoder reads back.
"""

from __future__ import annotations

import importlib.util
import json
import py_compile
import re
import shutil
import socket
import struct
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from livedual.data.bvh import write_bvh
from livedual.data.synth import make_song
from livedual.io import decode_datagrams, parse_datagram
from livedual.io.osc_formats import encode_frame, encode_message, pack_bundles
from livedual.io.vmc import SMPL_TO_HUMANOID, mirror_positions, mirror_quaternions
from livedual.pose import matrix_to_quaternion, quaternion_to_matrix, unpack_pose
from livedual.skeleton import SMPL_SKELETON, pose_to_joints

PATCHES = Path(__file__).resolve().parents[1] / "patches"
TD = PATCHES / "touchdesigner"
UNITY = PATCHES / "unity"
FLOAT32_ATOL = 2e-6  # values that went through float32 on the wire (metres, unit quats)


def load(path: Path) -> ModuleType:
    """Import a patch script as a module (it is not part of the package)."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def dance() -> np.ndarray:
    return make_song(4, duration_s=4.0, style="jump").pose


# --- TouchDesigner ---------------------------------------------------------------------


class FakeChannel:
    def __init__(self, value: float) -> None:
        self.value = value

    def eval(self) -> float:
        return self.value


class FakeChop:
    """An OSC In CHOP stand-in: channels by name, None for unknown names."""

    def __init__(self, channels: dict[str, float]) -> None:
        self.channels = {name: FakeChannel(v) for name, v in channels.items()}

    def __getitem__(self, name: str) -> FakeChannel | None:
        return self.channels.get(name)


class FakeDat:
    def __init__(self) -> None:
        self.storage: dict[str, Any] = {}

    def fetch(self, key: str, default: Any = None) -> Any:
        return self.storage.get(key, default)

    def store(self, key: str, value: Any) -> None:
        self.storage[key] = value


class FakePoint:
    x = y = z = 0.0


class FakeVertex:
    point: FakePoint | None = None


class FakePar:
    def __init__(self, value: Any) -> None:
        self.value = value

    def eval(self) -> Any:
        return self.value


class FakeScriptSop:
    def __init__(self, chop: Any = None, dat: Any = None, scale: float = 1.0) -> None:
        self.par = type("Pars", (), {})()
        self.par.Oscchop, self.par.Oscdat = FakePar(chop), FakePar(dat)
        self.par.Scale = FakePar(scale)
        self.points: list[FakePoint] = []
        self.polys: list[list[FakeVertex]] = []

    def clear(self) -> None:
        self.points, self.polys = [], []

    def appendPoint(self) -> FakePoint:  # TouchDesigner's name
        self.points.append(FakePoint())
        return self.points[-1]

    def appendPoly(self, n: int, closed: bool = True, addPoints: bool = True) -> list:
        assert not closed and not addPoints
        self.polys.append([FakeVertex() for _ in range(n)])
        return self.polys[-1]


@pytest.fixture(scope="module")
def td_skeleton() -> ModuleType:
    return load(TD / "livedual_skeleton.py")


@pytest.fixture(scope="module")
def td_callbacks() -> ModuleType:
    return load(TD / "livedual_oscin_callbacks.py")


@pytest.mark.parametrize(
    "script", sorted(PATCHES.glob("**/*.py")), ids=lambda p: p.name
)
def test_patch_scripts_compile(script: Path, tmp_path: Path) -> None:
    py_compile.compile(str(script), cfile=str(tmp_path / "out.pyc"), doraise=True)


def test_td_skeleton_tables_are_livedual_s(td_skeleton: ModuleType) -> None:
    assert td_skeleton.JOINT_NAMES == SMPL_SKELETON.names
    assert td_skeleton.PARENTS == SMPL_SKELETON.parents
    np.testing.assert_array_equal(td_skeleton.REST_OFFSETS, SMPL_SKELETON.offsets)
    np.testing.assert_array_equal(td_skeleton.ROOT_REST, SMPL_SKELETON.root_rest)


def flat_channels(pose: np.ndarray, *, strip: int, sep: str) -> dict[str, float]:
    """What an OSC In CHOP shows for one flat frame (Strip Prefix Segments, separator)."""
    channels = {}
    for address, (value,) in encode_frame(
        format="flat", frame_index=0, time_s=0.0, pose=pose
    ):
        name = "/".join(address.strip("/").split("/")[strip:])
        channels[name.replace("/", sep)] = float(np.float32(value))
    return channels


@pytest.mark.parametrize(("strip", "sep"), [(0, "/"), (2, "/"), (2, "_"), (0, "_")])
def test_td_skeleton_from_the_flat_chop(
    td_skeleton: ModuleType, dance: np.ndarray, strip: int, sep: str
) -> None:
    pose = dance[60]
    sop = FakeScriptSop(
        chop=FakeChop(flat_channels(pose, strip=strip, sep=sep)), scale=2.0
    )
    td_skeleton.onCook(sop)
    points = np.array([(p.x, p.y, p.z) for p in sop.points])
    np.testing.assert_allclose(
        points, 2.0 * pose_to_joints(pose), atol=2 * FLOAT32_ATOL
    )
    bones = [
        (points_index(sop, poly[0].point), points_index(sop, poly[1].point))
        for poly in sop.polys
    ]
    assert bones == [(p, j) for j, p in enumerate(SMPL_SKELETON.parents) if p >= 0]


def points_index(sop: FakeScriptSop, point: FakePoint | None) -> int:
    return next(i for i, p in enumerate(sop.points) if p is point)


def test_td_skeleton_waits_for_every_channel(
    td_skeleton: ModuleType, dance: np.ndarray
) -> None:
    channels = flat_channels(dance[0], strip=0, sep="/")
    del channels["livedual/flat/right_hand/tz"]
    assert td_skeleton.joints_from_flat(FakeChop(channels)) is None
    sop = FakeScriptSop(chop=FakeChop(channels))
    td_skeleton.onCook(sop)  # falls back to the rest pose, never raises
    assert len(sop.points) == 24 and len(sop.polys) == 23


@pytest.mark.parametrize("split", [True, False], ids=["split-bundles", "whole-bundles"])
def test_td_native_frames_through_the_callbacks(
    td_skeleton: ModuleType, td_callbacks: ModuleType, dance: np.ndarray, split: bool
) -> None:
    dat = FakeDat()
    for i in (10, 11, 12):
        messages = encode_frame(
            format="native",
            frame_index=i,
            time_s=i / 25,
            pose=dance[i],
            beat=0.25 * (i == 11),
        )
        for datagram in pack_bundles(messages, timetag=None):
            if split:  # TouchDesigner hands over one message per row
                for address, args in parse_datagram(datagram):
                    td_callbacks.onReceiveOSC(
                        dat,
                        0,
                        "",
                        encode_message(address, args),
                        0.0,
                        address,
                        args,
                        None,
                    )
            else:  # one row per bundle: the callbacks unpack its bytes
                td_callbacks.onReceiveOSC(dat, 0, "", datagram, 0.0, "", [], None)
        frame = dat.fetch("livedual_frame")
        assert frame["index"] == i and frame["time"] == pytest.approx(i / 25)
        assert frame["beat"] == (0.25 if i == 11 else 0.0)
    sop = FakeScriptSop(dat=dat)
    td_skeleton.onCook(sop)
    points = np.array([(p.x, p.y, p.z) for p in sop.points])
    np.testing.assert_allclose(points, pose_to_joints(dance[12]), atol=5 * FLOAT32_ATOL)


def test_td_callbacks_drop_a_malformed_row(
    td_callbacks: ModuleType, capsys: pytest.CaptureFixture
) -> None:
    dat = FakeDat()
    td_callbacks.onReceiveOSC(
        dat,
        0,
        "",
        b"#bundle\x00" + bytes(8) + b"\x00\x00\x00\x40abc",
        0.0,
        "",
        [],
        None,
    )
    assert "malformed" in capsys.readouterr().out
    assert dat.fetch("livedual_frame") is None


# --- Max -------------------------------------------------------------------------------


def max_boxes(patcher: dict) -> Iterator[tuple[dict, dict]]:
    """(box, its patcher) for every box, nested patchers included."""
    for entry in patcher["boxes"]:
        box = entry["box"]
        yield box, patcher
        if "patcher" in box:
            yield from max_boxes(box["patcher"])


def max_graph(patcher: dict) -> dict[str, set[str]]:
    """Box id -> ids it feeds, for the top level of ``patcher``."""
    graph: dict[str, set[str]] = {
        entry["box"]["id"]: set() for entry in patcher["boxes"]
    }
    for entry in patcher["lines"]:
        line = entry["patchline"]
        graph[line["source"][0]].add(line["destination"][0])
    return graph


def reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        node = todo.pop()
        for nxt in graph[node] - seen:
            seen.add(nxt)
            todo.append(nxt)
    return seen


@pytest.fixture(scope="module")
def maxpat() -> dict:
    return json.loads((PATCHES / "max" / "livedual.maxpat").read_text())["patcher"]


def test_maxpat_connections_are_valid(maxpat: dict) -> None:
    patchers = [maxpat] + [
        box["patcher"] for box, _ in max_boxes(maxpat) if "patcher" in box
    ]
    for patcher in patchers:
        boxes = {entry["box"]["id"]: entry["box"] for entry in patcher["boxes"]}
        assert len(boxes) == len(patcher["boxes"]), "box ids must be unique"
        for entry in patcher["lines"]:
            (src, outlet), (dst, inlet) = (
                entry["patchline"]["source"],
                entry["patchline"]["destination"],
            )
            assert 0 <= outlet < boxes[src]["numoutlets"], (boxes[src], outlet)
            assert 0 <= inlet < boxes[dst]["numinlets"], (boxes[dst], inlet)
        for box in boxes.values():
            assert len(box.get("outlettype", [])) == box["numoutlets"], box


def test_maxpat_routes_every_native_address(maxpat: dict) -> None:
    texts = {
        box["id"]: box.get("text", "")
        for box, parent in max_boxes(maxpat)
        if parent is maxpat
    }
    by_text = {text.split()[0] if text else "": key for key, text in texts.items()}
    graph = max_graph(maxpat)
    routed = {
        word
        for text in texts.values()
        if text.startswith("route ")
        for word in text.split()[1:]
    }
    sent = encode_frame(
        format="native",
        frame_index=0,
        time_s=0.0,
        pose=make_song(1, duration_s=4.0).pose[0],
        beat=0.5,
    )
    assert {address for address, _ in sent} <= routed
    routes = {key for key, text in texts.items() if text.startswith("route /livedual")}
    assert routes <= reachable(graph, by_text["udpreceive"])


def test_maxpat_plays_midi_notes(maxpat: dict) -> None:
    boxes = {box["id"]: box for box, parent in max_boxes(maxpat) if parent is maxpat}
    notein = next(k for k, b in boxes.items() if b.get("text") == "notein")
    downstream = reachable(max_graph(maxpat), notein)
    dac = next(k for k, b in boxes.items() if b["maxclass"] == "ezdac~")
    assert dac in downstream
    voices = [boxes[k]["patcher"] for k in downstream if "patcher" in boxes[k]]
    assert len(voices) >= 4
    for voice in voices:
        inner = {
            b["box"].get("text", b["box"]["maxclass"]).split()[0]
            for b in voice["boxes"]
        }
        assert {"inlet", "mtof", "cycle~", "line~", "*~", "outlet"} <= inner


# --- Unity ------------------------------------------------------------------------------


def csharp_strings(name: str) -> list[str]:
    """The string literals of the C# array ``name`` in LivedualOsc.cs."""
    source = (UNITY / "LivedualOsc.cs").read_text()
    body = re.search(rf"{name}\s*=\s*\{{(.*?)\}};", source, re.DOTALL)
    assert body is not None, name
    return re.findall(r'"([^"]*)"', body.group(1))


def test_unity_tables_match_livedual() -> None:
    assert csharp_strings("JointNames") == list(SMPL_SKELETON.names)
    assert csharp_strings("HumanBodyBoneNames") == list(SMPL_TO_HUMANOID)


MCS = shutil.which("mcs")
MONO = shutil.which("mono")
needs_mono = pytest.mark.skipif(
    MCS is None or MONO is None,
    reason="Mono's C# compiler is not installed (apt-get install mono-mcs)",
)


def mcs(*args: str) -> None:
    result = subprocess.run(
        [MCS, "-warnaserror", *args],
        check=False,
        capture_output=True,
        text=True,
        cwd=UNITY,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@needs_mono
def test_unity_receiver_compiles_against_unity_stand_ins(tmp_path: Path) -> None:
    mcs(
        "-target:library",
        f"-out:{tmp_path / 'LivedualReceiver.dll'}",
        "LivedualOsc.cs",
        "LivedualReceiver.cs",
        "Tests~/UnityEngineStubs.cs",
    )


def records(datagrams: list[bytes]) -> bytes:
    return b"".join(struct.pack("<i", len(d)) + d for d in datagrams)


def global_rotations(pose: np.ndarray) -> np.ndarray:
    """(24, 3, 3) global joint rotations of one pose."""
    _, local = unpack_pose(pose)
    out = np.empty_like(local)
    for joint, parent in enumerate(SMPL_SKELETON.parents):
        out[joint] = local[joint] if parent < 0 else out[parent] @ local[joint]
    return out


def same_rotation(q_a: np.ndarray, q_b: np.ndarray) -> None:
    np.testing.assert_allclose(
        quaternion_to_matrix(q_a), quaternion_to_matrix(q_b), atol=1e-5
    )


@needs_mono
def test_unity_core_reads_livedual_frames(tmp_path: Path, dance: np.ndarray) -> None:
    exe = tmp_path / "check.exe"
    mcs(f"-out:{exe}", "LivedualOsc.cs", "Tests~/LivedualOscCheck.cs")
    sent = [50, 51, 52, 53]
    datagrams = []
    for n, i in enumerate(sent):
        messages = encode_frame(
            format="native",
            frame_index=i,
            time_s=i / 25,
            pose=dance[i],
            beat=0.5 if n == 1 else None,
        )
        if n % 2 == 0:
            datagrams += pack_bundles(messages, timetag=1.7e9)
        else:  # plain messages, one per datagram
            datagrams += [encode_message(address, args) for address, args in messages]
        if n == 2:
            datagrams.append(
                b"#bundle\x00" + bytes(8) + b"\x00\x00\x10\x00"
            )  # overlong element
            datagrams.append(
                encode_message("/livedual/joint/tail", (1.0, 0.0, 0.0, 0.0))
            )
    data = tmp_path / "datagrams.bin"
    data.write_bytes(records(datagrams))
    result = subprocess.run(
        [MONO, str(exe), str(data)],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    lines = [line.split() for line in result.stdout.splitlines()]
    table = {
        words[0]: words[1:]
        for words in lines
        if words[0] in ("names", "bones", "parents", "offsets", "rootrest")
    }
    assert table["names"] == list(SMPL_SKELETON.names)
    assert table["bones"] == list(SMPL_TO_HUMANOID)
    assert [int(p) for p in table["parents"]] == list(SMPL_SKELETON.parents)
    np.testing.assert_allclose(
        np.array(table["offsets"], float).reshape(24, 3),
        SMPL_SKELETON.offsets,
        atol=1e-8,
    )
    np.testing.assert_allclose(
        np.array(table["rootrest"], float), SMPL_SKELETON.root_rest, atol=1e-8
    )
    assert [w[0] for w in lines].count("malformed") == 1
    assert ["ignored", "1"] in lines  # the unknown joint

    frames = [k for k, words in enumerate(lines) if words[0] == "frame"]
    assert [int(lines[k][1]) for k in frames] == sent
    for k, i in zip(frames, sent):
        _, _, time_s, beat = lines[k]
        assert float(time_s) == pytest.approx(i / 25, abs=1e-6)
        assert beat == ("0.5" if i == 51 else "none")
        values = {
            lines[k + m][0]: np.array(lines[k + m][1:], float) for m in range(1, 5)
        }
        transl, rotations = unpack_pose(dance[i])
        np.testing.assert_allclose(values["root"], transl, atol=FLOAT32_ATOL)
        quats = values["quat"].reshape(24, 4)
        same_rotation(quats, matrix_to_quaternion(rotations))
        # Unity frame: global rotations mirrored, (x, y, z, w) order.
        unity_xyzw = values["global"].reshape(24, 4)
        expected = mirror_quaternions(matrix_to_quaternion(global_rotations(dance[i])))
        same_rotation(np.roll(unity_xyzw, 1, axis=-1), expected)
        np.testing.assert_allclose(
            values["position"].reshape(24, 3),
            mirror_positions(pose_to_joints(dance[i])),
            atol=5e-6,
        )


# --- Blender add-on, outside Blender ----------------------------------------------------


def test_blender_addon_reads_livedual_datagrams(dance: np.ndarray) -> None:
    addon = load(PATCHES / "blender" / "livedual_blender.py")
    assert addon.bpy is None  # no Blender here: only the OSC side is exercised
    assert addon.JOINT_NAMES == SMPL_SKELETON.names
    assert addon.PARENTS == SMPL_SKELETON.parents
    np.testing.assert_array_equal(addon.ROOT_REST, SMPL_SKELETON.root_rest)
    np.testing.assert_array_equal(
        addon.LEFT_KNEE_OFFSET, SMPL_SKELETON.offsets[SMPL_SKELETON.index("left_knee")]
    )
    np.testing.assert_array_equal(
        addon.LEFT_ANKLE_OFFSET,
        SMPL_SKELETON.offsets[SMPL_SKELETON.index("left_ankle")],
    )
    assembler, frames = addon.FrameAssembler(), []
    for i in (3, 4):
        messages = encode_frame(
            format="native", frame_index=i, time_s=i / 25, pose=dance[i], beat=1.0
        )
        for datagram in pack_bundles(messages):
            frames += [
                f
                for a, m in addon.parse_packet(datagram)
                if (f := assembler.push(a, m))
            ]
    assert [f["index"] for f in frames] == [3, 4] and frames[1]["beat"] == 1.0
    same_rotation(
        np.array([frames[1]["joints"][n] for n in SMPL_SKELETON.names]),
        matrix_to_quaternion(unpack_pose(dance[4])[1]),
    )
    with pytest.raises(ValueError):
        addon.parse_packet(b"#bundle\x00" + bytes(8) + b"\x00\x00\x00\x08abc")


# --- Pure Data files, without Pd ---------------------------------------------------------


@pytest.mark.parametrize(
    "patch", sorted((PATCHES / "puredata").glob("*.pd")), ids=lambda p: p.name
)
def test_pd_connections_join_existing_objects(patch: Path) -> None:
    records_ = [r.strip() for r in patch.read_text().split(";\n") if r.strip()]
    assert records_[0].startswith("#N canvas")
    boxes = [
        r
        for r in records_[1:]
        if r.split()[1] in ("obj", "msg", "floatatom", "symbolatom", "text")
    ]
    for record in records_:
        if record.startswith("#X connect"):
            source, _, sink, _ = (int(v) for v in record.split()[2:6])
            assert source < len(boxes) and sink < len(boxes), record
            assert (
                boxes[source].split()[1] != "text" and boxes[sink].split()[1] != "text"
            )


# --- the test sender ----------------------------------------------------------------------


def test_send_test_dance_is_read_back_by_livedual(tmp_path: Path) -> None:
    sender = load(PATCHES / "send_test_dance.py")
    pose, beats = sender.synthetic_dance(seconds=4.0, seed=3, style="sway")
    assert pose.shape == (100, 147) and beats.sum() >= 4  # a beat every ~0.5-1 s
    bvh = write_bvh(
        tmp_path / "dance.bvh", pose, fps=50.0
    )  # read back and resampled to 25 fps
    replay, _ = sender.bvh_dance(bvh)
    assert len(replay) == 50
    np.testing.assert_allclose(replay[0], pose[0], atol=1e-4)

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(2.0)
        port = sock.getsockname()[1]
        with sender.OscPoseSink("127.0.0.1", port, "flat") as sink:
            sent = sender.send(sink, pose[:5], beats[:5], loop=False)
            count = sink.packets_sent
        datagrams = [sock.recv(65536) for _ in range(count)]
    assert sent == 5
    frames = decode_datagrams(datagrams, format="flat")
    assert [f.frame_index for f in frames] == [0, 1, 2, 3, 4]
    np.testing.assert_allclose(np.stack([f.pose for f in frames]), pose[:5], atol=1e-5)


def test_send_test_dance_help_runs() -> None:
    result = subprocess.run(
        [sys.executable, str(PATCHES / "send_test_dance.py"), "--help"],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0 and "--no-bundles" in result.stdout
