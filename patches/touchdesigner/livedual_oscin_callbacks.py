"""OSC In DAT callbacks: collect livedual's native frames and store the last complete one.

Paste into the Callbacks DAT of an OSC In DAT listening on livedual's port (README.md).
Messages ``/livedual/root/pos``, ``/livedual/joint/<name>`` and ``/livedual/beat`` fill a
pending frame; ``/livedual/frame`` completes it, and the frame is stored on the OSC In DAT
under ``livedual_frame``::

    {"index": 42, "time": 1.68, "beat": 0.0 or None,
     "root": (x, y, z),                        # transl, metres, y up
     "joints": {"pelvis": (qw, qx, qy, qz), ...}}  # local rotations

Read it anywhere with ``op("oscin1").fetch("livedual_frame", None)`` (the Script SOP of
``livedual_skeleton.py`` does). Values not resent keep their last value.

Whether TouchDesigner hands a bundle over message by message (*Split Bundle into Messages*
On) or as one row, both work: a whole bundle is unpacked here from its bytes. Pure Python,
runs (and is tested) outside TouchDesigner.
"""

import struct

FRAME_KEY = "livedual_frame"
PENDING_KEY = "livedual_pending"
ROOT_ADDRESS = "/livedual/root/pos"
JOINT_PREFIX = "/livedual/joint/"
BEAT_ADDRESS = "/livedual/beat"
FRAME_ADDRESS = "/livedual/frame"
BUNDLE_TAG = b"#bundle\x00"
BUNDLE_HEADER_BYTES = 16  # "#bundle\0" + 8-byte time tag


# --- a minimal OSC reader (int32, float32, string; bundles) ------------------------------
def _read_string(data, pos):
    end = data.index(b"\x00", pos)
    text = data[pos:end].decode("ascii")
    return text, (end + 4) & ~3  # padded to a multiple of 4 bytes


def parse_message(data):
    """(address, [args]) of one OSC message; raises ValueError on a malformed one."""
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
    """Every (address, args) of a datagram: one message, or a bundle's messages in order."""
    data = bytes(data)
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


# --- frame assembly ---------------------------------------------------------------------
def new_pending():
    """An empty frame under construction."""
    return {"root": (0.0, 0.0, 0.0), "joints": {}, "beat": None}


def receive(pending, address, args):
    """Add one message to ``pending``; on ``/livedual/frame`` return the complete frame."""
    if address == ROOT_ADDRESS and len(args) == 3:
        pending["root"] = tuple(float(a) for a in args)
    elif address.startswith(JOINT_PREFIX) and len(args) == 4:
        pending["joints"][address[len(JOINT_PREFIX) :]] = tuple(float(a) for a in args)
    elif address == BEAT_ADDRESS and len(args) == 1:
        pending["beat"] = float(args[0])
    elif address == FRAME_ADDRESS and len(args) == 2:
        frame = {
            "index": int(args[0]),
            "time": float(args[1]),
            "beat": pending["beat"],
            "root": pending["root"],
            "joints": dict(pending["joints"]),
        }
        pending["beat"] = None  # a beat belongs to its frame only
        return frame
    return None


def receive_row(pending, address, args, byte_data):
    """The frames completed by one OSC In DAT row (a message, or a whole bundle)."""
    if address and address.startswith("/"):
        messages = [(address, list(args))]
    else:
        messages = parse_packet(byte_data)
    frames = [receive(pending, a, m) for a, m in messages]
    return [f for f in frames if f is not None]


# --- OSC In DAT callback (TouchDesigner calls this) ---------------------------------------
def onReceiveOSC(dat, rowIndex, message, byteData, timeStamp, address, args, peer):
    pending = dat.fetch(PENDING_KEY, None) or new_pending()
    try:
        frames = receive_row(pending, address, args, byteData)
    except ValueError as exc:
        print(f"livedual: dropped a malformed OSC row: {exc}")  # to the Textport
        return
    dat.store(PENDING_KEY, pending)
    if frames:
        dat.store(FRAME_KEY, frames[-1])
    return
