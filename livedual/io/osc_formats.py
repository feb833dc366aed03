"""Pose frames as OSC messages: the native, flat and VMC wire formats, sending side.

One pose frame ``(147,)`` becomes a list of ``(address, args)`` messages
(:func:`encode_frame`), packed into timestamped OSC bundles that each fit one UDP datagram
(:func:`pack_bundles`). The receiving side is :mod:`livedual.io.osc_decoders`.

The addresses, argument types, units and frames are documented in ``patches/README.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from pythonosc.parsing import osc_types

from ..const import POSE_DIM
from ..errors import ParameterError
from ..pose import matrix_to_quaternion, unpack_pose
from ..skeleton import SMPL_SKELETON, pose_to_joints
from . import vmc

OscArg = int | float | str
OscMessageTuple = tuple[str, tuple[OscArg, ...]]
FORMATS: tuple[str, ...] = ("native", "flat", "vmc")

DEFAULT_HOST = "127.0.0.1"  # loopback unless told otherwise
NATIVE_PORT = 9000  # native and flat formats
VMC_PORT = 39539  # a VMC "Marionette" (avatar app) listens here
# Largest datagram sent: below a 1500-byte Ethernet MTU minus IP and UDP headers, so
# bundles are never fragmented on a local network.
MAX_DATAGRAM_BYTES = 1400

# --- addresses ------------------------------------------------------------------------
PREFIX = "/livedual"
ADDR_FRAME = f"{PREFIX}/frame"  # ,if  frame index, time (s); ends a native frame
ADDR_BEAT = f"{PREFIX}/beat"  # ,f   beat strength 0..1
ADDR_ROOT = f"{PREFIX}/root/pos"  # ,fff root translation (m)
JOINT_PREFIX = f"{PREFIX}/joint/"  # + SMPL name: ,ffff (qw, qx, qy, qz)
FLAT_PREFIX = f"{PREFIX}/flat/"  # + "<joint>/<channel>": ,f
FLAT_FRAME = f"{FLAT_PREFIX}frame"  # ,f frame index; ends a flat frame
FLAT_TIME = f"{FLAT_PREFIX}time"  # ,f seconds
FLAT_BEAT = f"{FLAT_PREFIX}beat"  # ,f beat strength 0..1
FLAT_ROOT = "root"  # flat channels root/tx, root/ty, root/tz
QUAT_CHANNELS = ("qw", "qx", "qy", "qz")
POSITION_CHANNELS = ("tx", "ty", "tz")
VMC_OK = "/VMC/Ext/OK"  # ,i loaded (1)
VMC_TIME = "/VMC/Ext/T"  # ,f seconds
VMC_ROOT = "/VMC/Ext/Root/Pos"  # ,sfffffff "root", p.xyz, q.xyzw
VMC_BONE = "/VMC/Ext/Bone/Pos"  # ,sfffffff bone name, p.xyz, q.xyzw
VMC_PREFIX = "/VMC/"

# OSC bundle framing: "#bundle\0", a 64-bit time tag, then (int32 size, element) pairs.
BUNDLE_HEADER = b"#bundle\x00"
BUNDLE_OVERHEAD = len(BUNDLE_HEADER) + 8
ELEMENT_SIZE_BYTES = 4


@dataclass(frozen=True)
class PoseFrame:
    """One pose frame as carried by OSC.

    Attributes
    ----------
    pose : np.ndarray [shape=(147,), float32]
        Root translation (m) and 24 local joint rotations in 6D.
    frame_index : int or None
        The sender's frame counter, when the format carries one.
    time_s : float or None
        The sender's clock, seconds.
    beat : float or None
        Beat strength 0..1, when sent.
    received_s : float or None
        Receiver's monotonic clock when the frame was completed (set by sources).
    """

    pose: np.ndarray
    frame_index: int | None = None
    time_s: float | None = None
    beat: float | None = None
    received_s: float | None = None


# --- encoding -------------------------------------------------------------------------


def _check_pose(pose: np.ndarray) -> np.ndarray:
    """``pose`` as float64 (147,), or ParameterError."""
    pose = np.asarray(pose, dtype=np.float64)
    if pose.shape != (POSE_DIM,):
        raise ParameterError(
            f"a pose frame must have shape ({POSE_DIM},), got {pose.shape}."
        )
    if not np.all(np.isfinite(pose)):
        raise ParameterError(
            "a pose frame holds NaN or infinite values; nothing was sent."
        )
    return pose


def _quaternions(pose: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Translation (3,) and local joint quaternions (24, 4) of one pose."""
    transl, rotations = unpack_pose(pose)
    return transl, matrix_to_quaternion(rotations)


def _floats(values: np.ndarray) -> tuple[float, ...]:
    return tuple(float(v) for v in values)


def encode_native(
    *, frame_index: int, time_s: float, pose: np.ndarray, beat: float | None = None
) -> list[OscMessageTuple]:
    """Messages of one frame in the native format.

    Parameters
    ----------
    frame_index : int
        Frame counter (25 fps frames since the start of the stream).
    time_s : float
        Stream time of the frame, seconds.
    pose : np.ndarray [shape=(147,)]
    beat : float or None
        Beat strength 0..1 of the frame; ``None`` sends no beat message.

    Returns
    -------
    messages : list of (address, args)
        ``/livedual/root/pos``, 24 ``/livedual/joint/<name>``, optionally
        ``/livedual/beat``, then ``/livedual/frame`` last.
    """
    transl, quats = _quaternions(_check_pose(pose))
    messages: list[OscMessageTuple] = [(ADDR_ROOT, _floats(transl))]
    messages += [
        (JOINT_PREFIX + name, _floats(q)) for name, q in zip(SMPL_SKELETON.names, quats)
    ]
    if beat is not None:
        messages.append((ADDR_BEAT, (float(beat),)))
    messages.append((ADDR_FRAME, (int(frame_index), float(time_s))))
    return messages


def encode_flat(
    *, frame_index: int, time_s: float, pose: np.ndarray, beat: float | None = None
) -> list[OscMessageTuple]:
    """Messages of one frame in the flat format: one float per address (TouchDesigner CHOPs).

    Parameters are those of :func:`encode_native`.

    Returns
    -------
    messages : list of (address, args)
        ``/livedual/flat/root/{tx,ty,tz}`` (translation, m); for each joint
        ``/livedual/flat/<joint>/{qw,qx,qy,qz}`` (local rotation) and
        ``/livedual/flat/<joint>/{tx,ty,tz}`` (world position from forward kinematics, m);
        optionally ``/livedual/flat/beat``; ``/livedual/flat/time``; then
        ``/livedual/flat/frame`` last.
    """
    pose = _check_pose(pose)
    transl, quats = _quaternions(pose)
    joints = pose_to_joints(pose)
    messages: list[OscMessageTuple] = [
        (f"{FLAT_PREFIX}{FLAT_ROOT}/{c}", (float(v),))
        for c, v in zip(POSITION_CHANNELS, transl)
    ]
    for name, q, p in zip(SMPL_SKELETON.names, quats, joints):
        messages += [
            (f"{FLAT_PREFIX}{name}/{c}", (float(v),)) for c, v in zip(QUAT_CHANNELS, q)
        ]
        messages += [
            (f"{FLAT_PREFIX}{name}/{c}", (float(v),))
            for c, v in zip(POSITION_CHANNELS, p)
        ]
    if beat is not None:
        messages.append((FLAT_BEAT, (float(beat),)))
    messages.append((FLAT_TIME, (float(time_s),)))
    messages.append((FLAT_FRAME, (float(frame_index),)))
    return messages


def encode_vmc(
    *, frame_index: int, time_s: float, pose: np.ndarray, beat: float | None = None
) -> list[OscMessageTuple]:
    """Messages of one frame in the VMC protocol (Unity's left-handed, Y-up frame).

    ``frame_index`` and ``beat`` have no VMC message and are not sent.

    Returns
    -------
    messages : list of (address, args)
        ``/VMC/Ext/Root/Pos`` ("root", root translation, identity rotation), one
        ``/VMC/Ext/Bone/Pos`` per mapped bone (local rest position, local rotation), then
        ``/VMC/Ext/T`` (``time_s``) and ``/VMC/Ext/OK`` (1). Quaternions are ``(x, y, z, w)``.
    """
    del frame_index, beat  # no VMC address for them
    transl, quats = _quaternions(_check_pose(pose))
    unity_quats = vmc.wxyz_to_xyzw(vmc.mirror_quaternions(quats))
    rest = vmc.rest_local_positions()
    messages: list[OscMessageTuple] = [
        (
            VMC_ROOT,
            (vmc.ROOT_NAME, *_floats(vmc.mirror_positions(transl)), 0.0, 0.0, 0.0, 1.0),
        )
    ]
    messages += [
        (VMC_BONE, (name, *_floats(rest[j]), *_floats(unity_quats[j])))
        for j, name in enumerate(vmc.SMPL_TO_HUMANOID)
    ]
    messages += [(VMC_TIME, (float(time_s),)), (VMC_OK, (1,))]
    return messages


_ENCODERS = {"native": encode_native, "flat": encode_flat, "vmc": encode_vmc}


def check_format(format: str) -> str:
    """``format`` if it names a wire format, else ParameterError."""
    if format not in _ENCODERS:
        raise ParameterError(
            f"unknown OSC format {format!r}; choose one of {list(FORMATS)}."
        )
    return format


def encode_frame(
    *,
    format: str,
    frame_index: int,
    time_s: float,
    pose: np.ndarray,
    beat: float | None = None,
) -> list[OscMessageTuple]:
    """Messages of one frame in ``format`` ('native', 'flat' or 'vmc'); see the encoders."""
    encoder = _ENCODERS[check_format(format)]
    return encoder(frame_index=frame_index, time_s=time_s, pose=pose, beat=beat)


# --- packing --------------------------------------------------------------------------


def _type_tag(arg: OscArg) -> str:
    if isinstance(arg, str):
        return "s"
    if isinstance(arg, int) and not isinstance(arg, bool):
        return "i"
    if isinstance(arg, float):
        return "f"
    raise ParameterError(
        f"cannot send {arg!r} ({type(arg).__name__}) as an OSC argument."
    )


_WRITERS: dict[str, Callable[[Any], bytes]] = {
    "s": osc_types.write_string,
    "i": osc_types.write_int,
    "f": osc_types.write_float,
}


def encode_message(address: str, args: Sequence[OscArg]) -> bytes:
    """One OSC message as bytes; ints are int32, floats float32, strings padded ASCII."""
    tags = "".join(_type_tag(a) for a in args)
    body = b"".join(_WRITERS[t](a) for t, a in zip(tags, args))
    return osc_types.write_string(address) + osc_types.write_string("," + tags) + body


def pack_bundles(
    messages: Sequence[OscMessageTuple],
    *,
    timetag: float | None = None,
    max_bytes: int = MAX_DATAGRAM_BYTES,
) -> list[bytes]:
    """Pack messages, in order, into as few OSC bundles as fit ``max_bytes`` each.

    Parameters
    ----------
    messages : sequence of (address, args)
    timetag : float or None
        Seconds since the Unix epoch carried by every bundle (converted to NTP time);
        ``None`` means "immediately".
    max_bytes : int
        Largest datagram.

    Returns
    -------
    datagrams : list of bytes
        Each a complete ``#bundle``, all with the same time tag.
    """
    header = BUNDLE_HEADER + osc_types.write_date(
        osc_types.IMMEDIATELY if timetag is None else timetag
    )
    datagrams: list[bytes] = []
    current: list[bytes] = []
    size = BUNDLE_OVERHEAD
    for address, args in messages:
        encoded = encode_message(address, args)
        element = len(encoded).to_bytes(ELEMENT_SIZE_BYTES, "big") + encoded
        if BUNDLE_OVERHEAD + len(element) > max_bytes:
            raise ParameterError(
                f"the OSC message {address} takes {len(element)} bytes, more than a "
                f"{max_bytes}-byte datagram holds."
            )
        if size + len(element) > max_bytes:
            datagrams.append(header + b"".join(current))
            current, size = [], BUNDLE_OVERHEAD
        current.append(element)
        size += len(element)
    if current:
        datagrams.append(header + b"".join(current))
    return datagrams
