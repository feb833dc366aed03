"""Blender add-on: an armature dances live to livedual's native OSC poses.

Install: Edit > Preferences > Add-ons > Install... > this file, tick "livedual live pose".
Then, in the 3D Viewport's sidebar (N), tab *livedual*: pick the armature, the port, and
press *Start*; Esc or *Stop* ends it. See README.md in this folder.

The armature is one whose bones carry the SMPL joint names, the one File > Import >
Motion Capture (.bvh) makes of a BVH written by livedual (``livedual dance`` writes one).
Each frame's local rotations are turned into pose-bone rotations relative to the bones'
rest orientation, so the rig's bone roll does not matter; the root translation moves the
pelvis, scaled to the armature's size.

A UDP socket is read without blocking from a modal timer operator; the OSC reader below
understands single messages and bundles (int32, float32, string arguments) and needs no
extra package. Without Blender (``bpy`` missing) the reader and the frame assembly still
import, for tests.
"""

import builtins
import socket
import struct
import sys

try:
    import bpy
    from mathutils import Matrix, Quaternion, Vector
except ImportError:  # outside Blender
    bpy = None

bl_info = {
    "name": "livedual live pose",
    "author": "livedual",
    "version": (0, 1, 0),
    "blender": (2, 93, 0),
    "location": "View3D > Sidebar > livedual",
    "description": "Drive an SMPL armature live from livedual's native OSC poses",
    "category": "Animation",
}

BVH_SCALE = 0.01  # livedual's BVH files are in centimetres; Blender works in metres
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 9000
POLL_SECONDS = 1.0 / 120.0  # timer period, faster than livedual's 25 or 60 fps
MAX_DATAGRAM_BYTES = 65536
MAX_DATAGRAMS_PER_POLL = 4096  # keeps the UI responsive under a flood

JOINT_NAMES = (
    "pelvis", "left_hip", "right_hip", "spine1", "left_knee", "right_knee", "spine2",
    "left_ankle", "right_ankle", "spine3", "left_foot", "right_foot", "neck",
    "left_collar", "right_collar", "head", "left_shoulder", "right_shoulder",
    "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hand", "right_hand",
)  # fmt: skip
PARENTS = (-1, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9, 12, 13, 14, 16, 17, 18, 19, 20, 21)  # fmt: skip
# Pelvis rest position relative to the translation origin (livedual's skeleton), metres.
ROOT_REST = (-0.00217368, -0.24078917, 0.02858379)
# The BVH importer's default axes (Forward -Z, Up Y) map livedual's y-up frame to
# Blender's z-up one: (x, y, z) -> (x, -z, y).
SMPL_TO_BLENDER = ((1.0, 0.0, 0.0), (0.0, 0.0, -1.0), (0.0, 1.0, 0.0))
# Rest offsets of the left knee (from the hip) and ankle (from the knee), metres: their
# sum measures a leg, to scale the root translation to the armature.
LEFT_KNEE_OFFSET = (0.04345142, -0.38646945, 0.008037)
LEFT_ANKLE_OFFSET = (-0.01479032, -0.42687458, -0.037428)

ROOT_ADDRESS = "/livedual/root/pos"
JOINT_PREFIX = "/livedual/joint/"
BEAT_ADDRESS = "/livedual/beat"
FRAME_ADDRESS = "/livedual/frame"
BUNDLE_TAG = b"#bundle\x00"
BUNDLE_HEADER_BYTES = 16  # "#bundle\0" + 8-byte time tag


# --- OSC --------------------------------------------------------------------------------
def _read_string(data, pos):
    end = data.index(b"\x00", pos)
    return data[pos:end].decode("ascii"), (end + 4) & ~3


def parse_message(data):
    """(address, [args]) of one OSC message; ValueError when malformed."""
    try:
        address, pos = _read_string(data, 0)
        tags, pos = _read_string(data, pos)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError(f"not an OSC message: {exc}") from None
    args = []
    for tag in tags[1:]:
        if tag in "if":
            if pos + 4 > len(data):
                raise ValueError("OSC message ends inside an argument")
            args.append(struct.unpack(">" + tag, data[pos : pos + 4])[0])
            pos += 4
        elif tag == "s":
            text, pos = _read_string(data, pos)
            args.append(text)
        else:
            raise ValueError(f"unsupported OSC type tag {tag!r}")
    return address, args


def parse_packet(data):
    """Every (address, args) of a datagram: a message, or a bundle's messages in order."""
    if not data.startswith(BUNDLE_TAG):
        return [parse_message(data)]
    messages, pos = [], BUNDLE_HEADER_BYTES
    while pos + 4 <= len(data):
        (size,) = struct.unpack(">i", data[pos : pos + 4])
        if size <= 0 or pos + 4 + size > len(data):
            raise ValueError("impossible OSC bundle element size")
        messages += parse_packet(data[pos + 4 : pos + 4 + size])
        pos += 4 + size
    return messages


class FrameAssembler:
    """Collects native messages; ``/livedual/frame`` completes a frame (a dict)."""

    def __init__(self):
        self.root = (0.0, 0.0, 0.0)
        self.joints = {}
        self.beat = None

    def push(self, address, args):
        """Add one message; returns the frame it completes, else None."""
        if address == ROOT_ADDRESS and len(args) == 3:
            self.root = tuple(float(a) for a in args)
        elif address.startswith(JOINT_PREFIX) and len(args) == 4:
            self.joints[address[len(JOINT_PREFIX) :]] = tuple(float(a) for a in args)
        elif address == BEAT_ADDRESS and len(args) == 1:
            self.beat = float(args[0])
        elif address == FRAME_ADDRESS and len(args) == 2:
            frame = {
                "index": int(args[0]),
                "time": float(args[1]),
                "beat": self.beat,
                "root": self.root,
                "joints": dict(self.joints),
            }
            self.beat = None
            return frame
        return None


class OscPoseReceiver:
    """A non-blocking UDP socket that yields the newest complete native frame."""

    def __init__(self, host=DEFAULT_HOST, port=DEFAULT_PORT):
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.bind((host, port))
        self.socket.setblocking(False)
        self.assembler = FrameAssembler()
        self.frames = 0
        self.malformed = 0

    def poll(self):
        """Read what arrived; the newest frame completed since the last poll, or None."""
        newest = None
        for _ in range(MAX_DATAGRAMS_PER_POLL):
            try:
                data = self.socket.recv(MAX_DATAGRAM_BYTES)
            except (BlockingIOError, InterruptedError):
                break
            except OSError:  # e.g. an ICMP error from an earlier send; keep listening
                continue
            try:
                messages = parse_packet(data)
            except ValueError:
                self.malformed += 1
                continue
            for address, args in messages:
                frame = self.assembler.push(address, args)
                if frame is not None:
                    newest = frame
                    self.frames += 1
        return newest

    def close(self):
        self.socket.close()


# --- posing -----------------------------------------------------------------------------
def armature_scale(armature):
    """Armature units per livedual metre: the rest hip-to-ankle distance against SMPL's."""
    bones = armature.data.bones
    if "left_hip" not in bones or "left_ankle" not in bones:
        return 1.0
    leg = bones["left_ankle"].head_local - bones["left_hip"].head_local
    smpl_leg = Vector([k + a for k, a in zip(LEFT_KNEE_OFFSET, LEFT_ANKLE_OFFSET)])
    return leg.length / smpl_leg.length if leg.length > 0 else 1.0


def apply_frame(armature, frame, *, scale=1.0, root_motion=True):
    """Pose ``armature``'s SMPL-named bones with one frame (local rotations, root).

    For a bone with rest orientation ``B`` (armature space) and livedual local rotation
    ``L`` (SMPL frame), the pose-bone basis is ``B^-1 (C L C^T) B`` with ``C`` the axis
    change SMPL -> Blender: then every bone's armature-space rotation relative to rest
    is livedual's global rotation, whatever the bones' roll.
    """
    conversion = Matrix(SMPL_TO_BLENDER)
    pose_bones = armature.pose.bones
    for name, (w, x, y, z) in frame["joints"].items():
        bone = pose_bones.get(name)
        if bone is None:
            continue
        rest = bone.bone.matrix_local.to_3x3().normalized()
        local = (
            conversion @ Quaternion((w, x, y, z)).to_matrix() @ conversion.transposed()
        )
        basis = (rest.transposed() @ local @ rest).to_4x4()
        if name == JOINT_NAMES[0] and root_motion:
            pelvis = Vector([t + r for t, r in zip(frame["root"], ROOT_REST)])
            target = conversion @ pelvis * scale
            head = bone.bone.matrix_local.to_translation()
            basis = Matrix.Translation(rest.transposed() @ (target - head)) @ basis
        bone.matrix_basis = basis


def _open_without_universal_newlines(file, mode="r", *args, **kwargs):
    return builtins.open(file, mode.replace("U", ""), *args, **kwargs)


def import_livedual_bvh(filepath):
    """Import a livedual BVH as an armature in metres at the file's frame rate.

    Blender's importer with livedual's conventions: scale 0.01 (centimetres), axes
    Forward -Z / Up Y, first frame 1, scene frame rate and length taken from the file.
    Returns the new armature object.
    """
    if sys.version_info >= (3, 11):
        # Blender 3.4's importer opens files with mode "rU", which Python 3.11 removed;
        # Blender builds on a system Python 3.11 (Debian 12's) fail without this.
        from io_anim_bvh import import_bvh

        import_bvh.open = _open_without_universal_newlines
    before = set(bpy.context.scene.objects)
    bpy.ops.import_anim.bvh(
        filepath=str(filepath),
        global_scale=BVH_SCALE,
        frame_start=1,
        axis_forward="-Z",
        axis_up="Y",
        rotate_mode="NATIVE",
        update_scene_fps=True,
        update_scene_duration=True,
    )
    new = [
        o for o in bpy.context.scene.objects if o not in before and o.type == "ARMATURE"
    ]
    if not new:
        raise RuntimeError(f"Blender imported no armature from {filepath}")
    return new[0]


# --- Blender UI -------------------------------------------------------------------------
if bpy is not None:

    def _is_armature(_settings, obj):
        return obj.type == "ARMATURE"

    class LivedualSettings(bpy.types.PropertyGroup):
        armature: bpy.props.PointerProperty(
            name="Armature", type=bpy.types.Object, poll=_is_armature,
            description="Armature with SMPL bone names (a livedual BVH import)",
        )  # fmt: skip
        host: bpy.props.StringProperty(
            name="Address", default=DEFAULT_HOST,
            description="Address to listen on (0.0.0.0: every network interface)",
        )  # fmt: skip
        port: bpy.props.IntProperty(name="Port", default=DEFAULT_PORT, min=1, max=65535)
        root_motion: bpy.props.BoolProperty(
            name="Root motion", default=True, description="Move the pelvis with livedual's translation",
        )  # fmt: skip
        running: bpy.props.BoolProperty(default=False)
        last_frame: bpy.props.IntProperty(name="Last frame", default=-1)

    class LIVEDUAL_OT_receive(bpy.types.Operator):
        """Drive the armature from livedual's OSC poses until Esc or Stop"""

        bl_idname = "livedual.receive"
        bl_label = "Start"

        def execute(self, context):
            settings = context.scene.livedual
            armature = settings.armature or context.active_object
            if armature is None or armature.type != "ARMATURE":
                self.report({"ERROR"}, "Pick an armature with SMPL bone names first")
                return {"CANCELLED"}
            try:
                self._receiver = OscPoseReceiver(settings.host, settings.port)
            except OSError as exc:
                self.report(
                    {"ERROR"},
                    f"Cannot listen on {settings.host}:{settings.port}: {exc}",
                )
                return {"CANCELLED"}
            self._armature = armature
            self._scale = armature_scale(armature)
            animation = armature.animation_data
            self._action = animation.action if animation else None
            if animation:
                animation.action = None  # its keys would overwrite the live pose
            settings.running = True
            wm = context.window_manager
            self._timer = wm.event_timer_add(POLL_SECONDS, window=context.window)
            wm.modal_handler_add(self)
            return {"RUNNING_MODAL"}

        def modal(self, context, event):
            settings = context.scene.livedual
            if event.type == "ESC" or not settings.running:
                self._finish(context)
                return {"CANCELLED"}
            if event.type == "TIMER":
                frame = self._receiver.poll()
                if frame is not None:
                    apply_frame(
                        self._armature,
                        frame,
                        scale=self._scale,
                        root_motion=settings.root_motion,
                    )
                    settings.last_frame = frame["index"]
            return {"PASS_THROUGH"}

        def _finish(self, context):
            context.window_manager.event_timer_remove(self._timer)
            self._receiver.close()
            if self._armature.animation_data and self._action is not None:
                self._armature.animation_data.action = self._action
            context.scene.livedual.running = False

    class LIVEDUAL_OT_import_bvh(bpy.types.Operator):
        """Import a BVH written by livedual (centimetres, 25 fps) as an SMPL armature"""

        bl_idname = "livedual.import_bvh"
        bl_label = "Import livedual BVH"
        filepath: bpy.props.StringProperty(subtype="FILE_PATH")
        filter_glob: bpy.props.StringProperty(default="*.bvh", options={"HIDDEN"})

        def invoke(self, context, event):
            context.window_manager.fileselect_add(self)
            return {"RUNNING_MODAL"}

        def execute(self, context):
            armature = import_livedual_bvh(self.filepath)
            context.scene.livedual.armature = armature
            return {"FINISHED"}

    class LIVEDUAL_OT_stop(bpy.types.Operator):
        """Stop receiving livedual's poses"""

        bl_idname = "livedual.stop"
        bl_label = "Stop"

        def execute(self, context):
            context.scene.livedual.running = False
            return {"FINISHED"}

    class LIVEDUAL_PT_panel(bpy.types.Panel):
        bl_label = "livedual"
        bl_space_type = "VIEW_3D"
        bl_region_type = "UI"
        bl_category = "livedual"

        def draw(self, context):
            settings = context.scene.livedual
            layout = self.layout
            layout.operator("livedual.import_bvh")
            layout.prop(settings, "armature")
            layout.prop(settings, "host")
            layout.prop(settings, "port")
            layout.prop(settings, "root_motion")
            if settings.running:
                layout.operator("livedual.stop")
                layout.label(text=f"Frame {settings.last_frame}")
            else:
                layout.operator("livedual.receive")

    _CLASSES = (
        LivedualSettings,
        LIVEDUAL_OT_receive,
        LIVEDUAL_OT_import_bvh,
        LIVEDUAL_OT_stop,
        LIVEDUAL_PT_panel,
    )


def register():
    for cls in _CLASSES:
        bpy.utils.register_class(cls)
    bpy.types.Scene.livedual = bpy.props.PointerProperty(type=LivedualSettings)


def unregister():
    del bpy.types.Scene.livedual
    for cls in reversed(_CLASSES):
        bpy.utils.unregister_class(cls)


if __name__ == "__main__":  # run from Blender's Text Editor
    register()
