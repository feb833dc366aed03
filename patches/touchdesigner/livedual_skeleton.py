"""Script SOP callbacks: livedual's dancer as a stick figure (24 points, 23 lines).

Paste into the callbacks DAT of a Script SOP (see README.md). It reads either

- the **flat** format from an OSC In CHOP (custom parameter *OSC In CHOP*): one point per
  joint at its world position ``<joint>/tx ty tz`` (livedual already ran the forward
  kinematics), or
- the **native** format from an OSC In DAT (custom parameter *OSC In DAT*) whose callbacks
  are ``livedual_oscin_callbacks.py``: the root translation and 24 local quaternions of
  the last complete frame, turned into joint positions here.

Units are metres, y up, the dancer facing +z (towards TouchDesigner's default camera), as
in ``patches/README.md``. *Scale* multiplies every position. Bones are open two-point
polygons from each joint to its parent, so a Line MAT or a Geometry COMP with a Wireframe
MAT draws them; point attribute ``P`` carries the joint position, the point index is the
SMPL joint index.

Pure Python, no numpy: the functions above the callbacks run (and are tested) outside
TouchDesigner; only the callbacks use TouchDesigner's objects.
"""

# --- the SMPL skeleton (livedual/assets/smpl_skeleton.json), metres ----------------------
JOINT_NAMES = (
    "pelvis", "left_hip", "right_hip", "spine1", "left_knee", "right_knee", "spine2",
    "left_ankle", "right_ankle", "spine3", "left_foot", "right_foot", "neck",
    "left_collar", "right_collar", "head", "left_shoulder", "right_shoulder",
    "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hand", "right_hand",
)  # fmt: skip
PARENTS = (-1, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9, 12, 13, 14, 16, 17, 18, 19, 20, 21)  # fmt: skip
REST_OFFSETS = (  # each joint's rest position relative to its parent
    (0.0, 0.0, 0.0),
    (0.05858135, -0.08228004, -0.01766408),
    (-0.06030973, -0.09051332, -0.01354254),
    (0.00443945, 0.12440352, -0.03838522),
    (0.04345142, -0.38646945, 0.008037),
    (-0.04325663, -0.38368791, -0.00484304),
    (0.00448844, 0.1379564, 0.02682033),
    (-0.01479032, -0.42687458, -0.037428),
    (0.01905555, -0.4200455, -0.03456167),
    (-0.00226458, 0.05603239, 0.00285505),
    (0.04105436, -0.06028581, 0.12204243),
    (-0.03483987, -0.06210566, 0.13032329),
    (-0.0133902, 0.21163553, -0.03346758),
    (0.07170245, 0.11399969, -0.01889817),
    (-0.08295366, 0.11247234, -0.02370739),
    (0.01011321, 0.08893734, 0.05040987),
    (0.12292141, 0.04520509, -0.019046),
    (-0.11322832, 0.04685326, -0.00847207),
    (0.2553319, -0.01564902, -0.02294649),
    (-0.26012748, -0.01436928, -0.03126873),
    (0.26570925, 0.01269811, -0.00737473),
    (-0.26910836, 0.00679372, -0.00602676),
    (0.08669055, -0.01063603, -0.01559429),
    (-0.0887537, -0.00865157, -0.01010708),
)
ROOT_REST = (-0.00217368, -0.24078917, 0.02858379)  # pelvis = transl + ROOT_REST

FRAME_KEY = "livedual_frame"  # storage key written by livedual_oscin_callbacks.py
FLAT_PREFIXES = ("livedual/flat/", "")  # full address, or Strip Prefix Segments = 2
POSITION_CHANNELS = ("tx", "ty", "tz")


# --- maths ------------------------------------------------------------------------------
def quat_multiply(a, b):
    """Hamilton product of quaternions (w, x, y, z)."""
    aw, ax, ay, az = a
    bw, bx, by, bz = b
    return (
        aw * bw - ax * bx - ay * by - az * bz,
        aw * bx + ax * bw + ay * bz - az * by,
        aw * by - ax * bz + ay * bw + az * bx,
        aw * bz + ax * by - ay * bx + az * bw,
    )


def quat_rotate(q, v):
    """Vector v rotated by the unit quaternion q = (w, x, y, z)."""
    w, x, y, z = q
    # t = 2 (q_vec x v); v' = v + w t + q_vec x t
    tx = 2.0 * (y * v[2] - z * v[1])
    ty = 2.0 * (z * v[0] - x * v[2])
    tz = 2.0 * (x * v[1] - y * v[0])
    return (
        v[0] + w * tx + (y * tz - z * ty),
        v[1] + w * ty + (z * tx - x * tz),
        v[2] + w * tz + (x * ty - y * tx),
    )


def forward_kinematics(transl, quats):
    """World joint positions (24 tuples, m) from the root translation and local quaternions."""
    positions, globals_ = [], []
    for joint, parent in enumerate(PARENTS):
        if parent < 0:
            positions.append(tuple(t + r for t, r in zip(transl, ROOT_REST)))
            globals_.append(tuple(quats[joint]))
            continue
        offset = quat_rotate(globals_[parent], REST_OFFSETS[joint])
        positions.append(tuple(p + o for p, o in zip(positions[parent], offset)))
        globals_.append(quat_multiply(globals_[parent], quats[joint]))
    return positions


# --- reading the two formats ------------------------------------------------------------
def flat_channel_names(joint, channel):
    """Names an OSC In CHOP may give the address /livedual/flat/<joint>/<channel>."""
    names = []
    for prefix in FLAT_PREFIXES:
        name = f"{prefix}{joint}/{channel}"
        names += [name, name.replace("/", "_")]
    return names


def joints_from_flat(chop):
    """World joint positions from an OSC In CHOP's flat channels, or None until all arrived."""
    positions = []
    for joint in JOINT_NAMES:
        point = []
        for channel in POSITION_CHANNELS:
            found = next(
                (
                    chop[n]
                    for n in flat_channel_names(joint, channel)
                    if chop[n] is not None
                ),
                None,
            )
            if found is None:
                return None
            point.append(float(found.eval()))
        positions.append(tuple(point))
    return positions


def joints_from_native(frame):
    """World joint positions of a frame stored by livedual_oscin_callbacks.py, or None."""
    if not frame:
        return None
    quats = [frame["joints"].get(name, (1.0, 0.0, 0.0, 0.0)) for name in JOINT_NAMES]
    return forward_kinematics(frame["root"], quats)


def build_skeleton(sop, positions, scale=1.0):
    """Clear ``sop`` and append one point per joint and one line per bone."""
    sop.clear()
    points = []
    for x, y, z in positions:
        point = sop.appendPoint()
        point.x, point.y, point.z = x * scale, y * scale, z * scale
        points.append(point)
    for joint, parent in enumerate(PARENTS):
        if parent >= 0:
            bone = sop.appendPoly(2, closed=False, addPoints=False)
            bone[0].point = points[parent]
            bone[1].point = points[joint]


# --- Script SOP callbacks (TouchDesigner calls these) ------------------------------------
def onSetupParameters(scriptOp):
    page = scriptOp.appendCustomPage("livedual")
    page.appendCHOP("Oscchop", label="OSC In CHOP (flat)")
    page.appendDAT("Oscdat", label="OSC In DAT (native)")
    scale = page.appendFloat("Scale", label="Scale")
    scale[0].default = 1.0
    scale[0].val = 1.0


def onPulse(par):
    return


def onCook(scriptOp):
    chop = scriptOp.par.Oscchop.eval()
    dat = scriptOp.par.Oscdat.eval()
    positions = None
    if chop is not None:
        positions = joints_from_flat(chop)
    if positions is None and dat is not None:
        positions = joints_from_native(dat.fetch(FRAME_KEY, None))
    if positions is None:  # nothing received yet: the rest pose at the origin
        positions = forward_kinematics(
            (0.0, 0.0, 0.0), [(1.0, 0.0, 0.0, 0.0)] * len(PARENTS)
        )
    build_skeleton(scriptOp, positions, scale=float(scriptOp.par.Scale.eval()))


def onGetCookLevel(scriptOp):
    return CookLevel.ALWAYS  # noqa: F821 - a TouchDesigner global: cook every frame
