"""livedual's BVH in other programs' hands, and the Blender add-on driving it live.

- The ``bvh`` package (an independent reader) finds livedual's skeleton, frames and
  channels; forward kinematics of what it reads gives livedual's joint positions.
- Blender in background mode (Debian: ``apt-get install --no-install-recommends
  blender``) imports the BVH through patches/blender/livedual_blender.py: 24 bones, every
  frame, 25 fps, and at a given frame the joints where livedual puts them. The add-on
  then receives native OSC frames from OscPoseSink over UDP and poses the armature: the
  joints land where livedual's forward kinematics says.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from livedual.data.bvh import BVH_UNITS_PER_METRE, write_bvh
from livedual.data.synth import make_song
from livedual.io import OscPoseSink
from livedual.skeleton import SMPL_SKELETON, pose_to_joints

ADDON = (
    Path(__file__).resolve().parents[1] / "patches" / "blender" / "livedual_blender.py"
)
BLENDER = shutil.which("blender")
FRAMES = 100  # 4 s at 25 fps
CHECKED_FRAMES = (0, 57, 99)
LIVE_FIRST, LIVE_COUNT = 40, 12  # frames of the dance sent live
START_TIMEOUT_S = 60.0
POSITION_ATOL_M = 1e-5  # BVH keeps 1e-6 degrees; OSC carries float32


def blender_axes(points: np.ndarray) -> np.ndarray:
    """livedual's y-up positions in Blender's z-up axes (the importer's Forward -Z, Up Y)."""
    return np.stack([points[..., 0], -points[..., 2], points[..., 1]], axis=-1)


@pytest.fixture(scope="module")
def dance() -> np.ndarray:
    pose = make_song(8, duration_s=FRAMES / 25, style="robot").pose
    assert len(pose) == FRAMES
    return pose


# --- an independent reader ------------------------------------------------------------


def axis_rotation(axis: str, degrees: float) -> np.ndarray:
    c, s = np.cos(np.deg2rad(degrees)), np.sin(np.deg2rad(degrees))
    i = "XYZ".index(axis)
    j, k = (i + 1) % 3, (i + 2) % 3
    m = np.eye(3)
    m[j, j], m[j, k], m[k, j], m[k, k] = c, -s, s, c
    return m


def test_bvh_package_reads_livedual_bvh(tmp_path: Path, dance: np.ndarray) -> None:
    bvh = pytest.importorskip("bvh")
    path = write_bvh(tmp_path / "dance.bvh", dance)
    mocap = bvh.Bvh(path.read_text())
    names = mocap.get_joints_names()
    assert sorted(names) == sorted(SMPL_SKELETON.names)
    assert mocap.nframes == FRAMES
    assert mocap.frame_time == pytest.approx(1 / 25)
    for name, parent in zip(SMPL_SKELETON.names[1:], SMPL_SKELETON.parents[1:]):
        assert mocap.joint_parent(name).name == SMPL_SKELETON.names[parent]
        np.testing.assert_allclose(
            np.array(mocap.joint_offset(name)) / BVH_UNITS_PER_METRE,
            SMPL_SKELETON.offsets[SMPL_SKELETON.index(name)],
            atol=1e-8,
        )
    for frame in CHECKED_FRAMES:
        # Forward kinematics of the channels as read: rotations in channel order.
        world: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for name in names:
            channels = mocap.joint_channels(name)
            values = mocap.frame_joint_channels(frame, name, channels)
            rotation = np.eye(3)
            for channel, value in zip(channels, values):
                if channel.endswith("rotation"):
                    rotation = rotation @ axis_rotation(channel[0], value)
            if name == "pelvis":
                position = np.array(values[:3]) / BVH_UNITS_PER_METRE
                world[name] = (rotation, position)
            else:
                parent_rotation, parent_position = world[mocap.joint_parent(name).name]
                offset = np.array(mocap.joint_offset(name)) / BVH_UNITS_PER_METRE
                world[name] = (
                    parent_rotation @ rotation,
                    parent_position + parent_rotation @ offset,
                )
        joints = np.array([world[n][1] for n in SMPL_SKELETON.names])
        np.testing.assert_allclose(
            joints, pose_to_joints(dance[frame]), atol=POSITION_ATOL_M
        )


# --- Blender --------------------------------------------------------------------------

BLENDER_SCRIPT = r"""
import importlib.util, json, sys, time
from pathlib import Path

import bpy

addon_path, bvh_path, port, ready_path, last_index, frames = sys.argv[sys.argv.index("--") + 1 :]
spec = importlib.util.spec_from_file_location("livedual_blender", addon_path)
addon = importlib.util.module_from_spec(spec)
spec.loader.exec_module(addon)
addon.register()
assert hasattr(bpy.ops.livedual, "receive") and hasattr(bpy.ops.livedual, "import_bvh")

armature = addon.import_livedual_bvh(bvh_path)
scene = bpy.context.scene
report = {
    "bones": [bone.name for bone in armature.data.bones],
    "frame_range": list(armature.animation_data.action.frame_range),
    "fps": scene.render.fps / scene.render.fps_base,
    "scale": addon.armature_scale(armature),
    "positions": {},
}

def joints():
    return [list(armature.matrix_world @ armature.pose.bones[n].head) for n in addon.JOINT_NAMES]

for frame in json.loads(frames):
    scene.frame_set(frame + 1)  # imported with first frame 1
    report["positions"][frame] = joints()

armature.animation_data.action = None  # live: no keys overwrite the pose
receiver = addon.OscPoseReceiver("127.0.0.1", int(port))
Path(ready_path).write_text("ready")
deadline, newest = time.monotonic() + 30.0, None
while time.monotonic() < deadline:
    frame = receiver.poll()
    if frame is not None:
        newest = frame
        addon.apply_frame(armature, frame, scale=report["scale"])
        if frame["index"] >= int(last_index):
            break
    time.sleep(0.002)
receiver.close()
bpy.context.view_layer.update()
report["live_index"] = newest["index"] if newest else None
report["live_frames"] = receiver.frames
report["live_joints"] = joints()
addon.unregister()
print("LIVEDUAL_REPORT " + json.dumps(report))
"""


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.skipif(
    BLENDER is None,
    reason="Blender is not installed (apt-get install --no-install-recommends blender)",
)
def test_blender_imports_the_bvh_and_the_addon_drives_it_live(
    tmp_path: Path, dance: np.ndarray
) -> None:
    bvh_path = write_bvh(tmp_path / "dance.bvh", dance)
    script = tmp_path / "blender_check.py"
    script.write_text(BLENDER_SCRIPT)
    ready = tmp_path / "ready"
    port = free_udp_port()
    last = LIVE_FIRST + LIVE_COUNT - 1
    command = [
        BLENDER, "-b", "--factory-startup", "-noaudio", "--python-exit-code", "1",
        "--python", str(script), "--",
        str(ADDON), str(bvh_path), str(port), str(ready), str(last), json.dumps(CHECKED_FRAMES),
    ]  # fmt: skip
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while (
            not ready.exists()
            and process.poll() is None
            and time.monotonic() < deadline
        ):
            time.sleep(0.05)
        assert ready.exists(), f"Blender did not start listening: {process.poll()}"
        with OscPoseSink(port=port, format="native") as sink:
            for i in range(LIVE_FIRST, last + 1):
                sink.send(i, i / 25, dance[i], beat=None)
                time.sleep(0.005)
        output, _ = process.communicate(timeout=START_TIMEOUT_S)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, output[-3000:]
    line = next(x for x in output.splitlines() if x.startswith("LIVEDUAL_REPORT "))
    report = json.loads(line.split(" ", 1)[1])

    assert sorted(report["bones"]) == sorted(SMPL_SKELETON.names)
    assert report["frame_range"] == [1.0, float(FRAMES)]
    assert report["fps"] == pytest.approx(25.0)
    assert report["scale"] == pytest.approx(
        1.0, abs=1e-6
    )  # centimetres imported at 0.01
    for frame in CHECKED_FRAMES:
        got = np.array(report["positions"][str(frame)])
        np.testing.assert_allclose(
            got, blender_axes(pose_to_joints(dance[frame])), atol=POSITION_ATOL_M
        )

    assert report["live_index"] == last
    assert report["live_frames"] == LIVE_COUNT
    np.testing.assert_allclose(
        np.array(report["live_joints"]),
        blender_axes(pose_to_joints(dance[last])),
        atol=POSITION_ATOL_M,
    )
