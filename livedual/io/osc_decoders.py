"""Pose frames out of OSC messages: parsing and the decoder of each wire format.

Datagrams are parsed with strict bounds checks (:func:`parse_datagram`) and frames are
assembled message by message by a decoder per format (:class:`NativeDecoder`,
:class:`FlatDecoder`, :class:`VmcDecoder`). Anything a live receiver must drop raises
:class:`OscInputError`, whose ``reason`` names why.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from pythonosc import osc_message
from pythonosc.parsing import osc_types

from ..const import N_JOINTS
from ..errors import LiveDualError
from ..pose import matrix_to_quaternion, pack_pose, quaternion_to_matrix
from ..skeleton import SMPL_SKELETON
from . import vmc
from .osc_formats import (
    ADDR_BEAT,
    ADDR_FRAME,
    ADDR_ROOT,
    BUNDLE_HEADER,
    BUNDLE_OVERHEAD,
    ELEMENT_SIZE_BYTES,
    FLAT_BEAT,
    FLAT_FRAME,
    FLAT_PREFIX,
    FLAT_ROOT,
    FLAT_TIME,
    JOINT_PREFIX,
    POSITION_CHANNELS,
    PREFIX,
    QUAT_CHANNELS,
    VMC_BONE,
    VMC_OK,
    VMC_PREFIX,
    VMC_ROOT,
    VMC_TIME,
    PoseFrame,
    check_format,
)

# --- why an incoming message is dropped ---------------------------------------------
MALFORMED = "malformed"  # not a parsable OSC packet
UNKNOWN_ADDRESS = "unknown_address"
ARG_COUNT = "arg_count"
ARG_TYPE = "arg_type"
NOT_FINITE = "not_finite"  # NaN or infinity
OUT_OF_RANGE = "out_of_range"

# Limits of accepted values: a quaternion's norm may be off by this much (senders round to
# float32 or less), positions beyond this many metres from the origin are nonsense.
QUAT_NORM_TOLERANCE = 0.05
MAX_ABS_POSITION_M = 100.0
MAX_FRAME_INDEX = 2**31 - 1
_MAX_BUNDLE_DEPTH = 4
_ACCEPTED_TYPE_TAGS = frozenset("ifdhsTFN")
_JOINT_INDEX = {name: i for i, name in enumerate(SMPL_SKELETON.names)}
_IDENTITY_QUAT = np.array([1.0, 0.0, 0.0, 0.0])


class OscInputError(LiveDualError):
    """An incoming OSC packet or message that is dropped; ``reason`` says why."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason


# --- parsing --------------------------------------------------------------------------


def parse_datagram(data: bytes) -> list[tuple[str, list]]:
    """The messages of one datagram (a message or nested bundles), in order.

    Time tags are ignored: receivers use frames as they arrive. Bundle element sizes are
    checked before anything is parsed, so a hostile size cannot loop or overrun.

    Raises
    ------
    OscInputError
        ``malformed`` for anything that is not a well-formed OSC packet, ``arg_type`` for
        argument types livedual does not accept.
    """
    messages: list[tuple[str, list]] = []
    _walk(bytes(data), messages, depth=0)
    return messages


def _walk(dgram: bytes, out: list[tuple[str, list]], depth: int) -> None:
    """Append the messages of a bundle or message datagram to ``out``."""
    if dgram.startswith(b"/"):
        out.append(_parse_message(dgram))
        return
    if not dgram.startswith(BUNDLE_HEADER) or len(dgram) < BUNDLE_OVERHEAD:
        raise OscInputError(MALFORMED, "neither an OSC message nor an OSC bundle")
    if depth >= _MAX_BUNDLE_DEPTH:
        raise OscInputError(
            MALFORMED, f"bundles nested deeper than {_MAX_BUNDLE_DEPTH}"
        )
    index = BUNDLE_OVERHEAD
    while index < len(dgram):
        if index + ELEMENT_SIZE_BYTES > len(dgram):
            raise OscInputError(MALFORMED, "truncated bundle element size")
        size = int.from_bytes(
            dgram[index : index + ELEMENT_SIZE_BYTES], "big", signed=True
        )
        index += ELEMENT_SIZE_BYTES
        if size <= 0 or size % 4 or index + size > len(dgram):
            raise OscInputError(MALFORMED, f"bundle element of impossible size {size}")
        _walk(dgram[index : index + size], out, depth + 1)
        index += size


def _parse_message(dgram: bytes) -> tuple[str, list]:
    """Address and arguments of one message datagram."""
    try:
        _, index = osc_types.get_string(dgram, 0)
        if index < len(dgram):
            tags, _ = osc_types.get_string(dgram, index)
            if not tags.startswith(",") or set(tags[1:]) - _ACCEPTED_TYPE_TAGS:
                raise OscInputError(ARG_TYPE, f"unsupported type tags {tags!r}")
        message = osc_message.OscMessage(dgram)
    except (osc_types.ParseError, osc_message.ParseError, UnicodeDecodeError) as exc:
        raise OscInputError(MALFORMED, str(exc)) from None
    return message.address, message.params


# --- argument checks ------------------------------------------------------------------


def _expect_count(address: str, args: Sequence, counts: Sequence[int]) -> None:
    if len(args) not in counts:
        expected = " or ".join(str(c) for c in counts)
        raise OscInputError(
            ARG_COUNT, f"{address} takes {expected} arguments, got {len(args)}"
        )


def _numbers(address: str, args: Sequence[Any] | np.ndarray) -> np.ndarray:
    """``args`` as float64, or OscInputError (wrong type, NaN or infinity)."""
    for a in args:
        if isinstance(a, bool) or not isinstance(a, (int, float)):
            raise OscInputError(ARG_TYPE, f"{address} takes numbers, got {a!r}")
    values = np.array(args, dtype=np.float64)
    if not np.all(np.isfinite(values)):
        raise OscInputError(NOT_FINITE, f"{address} carries NaN or infinity")
    return values


def _position(address: str, args: Sequence[Any] | np.ndarray) -> np.ndarray:
    p = _numbers(address, args)
    if np.any(np.abs(p) > MAX_ABS_POSITION_M):
        raise OscInputError(
            OUT_OF_RANGE, f"{address} position {p} beyond {MAX_ABS_POSITION_M} m"
        )
    return p


def _unit_quaternion(address: str, q: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(q))
    if abs(norm - 1.0) > QUAT_NORM_TOLERANCE:
        raise OscInputError(
            OUT_OF_RANGE, f"{address} quaternion norm {norm:.3g} is not 1"
        )
    return q / norm


def _time(address: str, value: object) -> float:
    (t,) = _numbers(address, [value])
    return float(t)


def _frame_index(address: str, value: object) -> int:
    (index,) = _numbers(address, [value])
    if index != math.floor(index) or not 0 <= index <= MAX_FRAME_INDEX:
        raise OscInputError(
            OUT_OF_RANGE, f"{address} frame index {index} is not a count"
        )
    return int(index)


def _beat(address: str, value: object) -> float:
    (beat,) = _numbers(address, [value])
    if not 0.0 <= beat <= 1.0:
        raise OscInputError(OUT_OF_RANGE, f"{address} beat {beat} is outside 0..1")
    return float(beat)


# --- decoders -------------------------------------------------------------------------


class FrameDecoder:
    """Assembles pose frames from the messages of one format, one message at a time.

    Values persist between frames: a joint that is not sent keeps its last value
    (identity and zero translation at first).
    """

    def __init__(self) -> None:
        self._transl = np.zeros(3)
        self._quats = np.tile(_IDENTITY_QUAT, (N_JOINTS, 1))
        self._beat: float | None = None

    def accepts(self, address: str) -> bool:
        """Whether ``address`` belongs to this format."""
        raise NotImplementedError

    def feed(self, address: str, args: Sequence) -> PoseFrame | None:
        """Take one message; return a frame when the message completes one.

        Raises
        ------
        OscInputError
            The message is dropped; the decoder's state is unchanged.
        """
        raise NotImplementedError

    def _frame(self, *, frame_index: int | None, time_s: float | None) -> PoseFrame:
        """The current state as a pose frame."""
        rotations = quaternion_to_matrix(self._quats)
        pose = pack_pose(transl=self._transl, rotations=rotations).astype(np.float32)
        frame = PoseFrame(
            pose=pose, frame_index=frame_index, time_s=time_s, beat=self._beat
        )
        self._beat = None
        return frame


class NativeDecoder(FrameDecoder):
    """Decoder of the native ``/livedual/...`` format; ``/livedual/frame`` ends a frame."""

    def accepts(self, address: str) -> bool:
        return address.startswith(PREFIX + "/") and not address.startswith(FLAT_PREFIX)

    def feed(self, address: str, args: Sequence) -> PoseFrame | None:
        if address.startswith(JOINT_PREFIX):
            joint = _JOINT_INDEX.get(address[len(JOINT_PREFIX) :])
            if joint is None:
                raise OscInputError(UNKNOWN_ADDRESS, f"no SMPL joint in {address}")
            _expect_count(address, args, (4,))
            self._quats[joint] = _unit_quaternion(address, _numbers(address, args))
        elif address == ADDR_ROOT:
            _expect_count(address, args, (3,))
            self._transl = _position(address, args)
        elif address == ADDR_BEAT:
            _expect_count(address, args, (1,))
            self._beat = _beat(address, args[0])
        elif address == ADDR_FRAME:
            _expect_count(address, args, (2,))
            if isinstance(args[0], float):
                raise OscInputError(ARG_TYPE, f"{address} frame index must be an int")
            index, time_s = _frame_index(address, args[0]), _time(address, args[1])
            return self._frame(frame_index=index, time_s=time_s)
        else:
            raise OscInputError(UNKNOWN_ADDRESS, address)
        return None


class FlatDecoder(FrameDecoder):
    """Decoder of the flat ``/livedual/flat/...`` format; ``/livedual/flat/frame`` ends a frame.

    World joint positions (``<joint>/tx`` ...) are derived values and are ignored.
    """

    def __init__(self) -> None:
        super().__init__()
        self._time_s: float | None = None
        # Quaternion channels as received; normalised when the frame completes.
        self._raw_quats = self._quats.copy()

    def accepts(self, address: str) -> bool:
        return address.startswith(FLAT_PREFIX)

    def feed(self, address: str, args: Sequence) -> PoseFrame | None:
        target, _, channel = address[len(FLAT_PREFIX) :].rpartition("/")
        is_root = target == FLAT_ROOT and channel in POSITION_CHANNELS
        is_joint = (
            target in _JOINT_INDEX and channel in QUAT_CHANNELS + POSITION_CHANNELS
        )
        if not (is_root or is_joint or address in (FLAT_FRAME, FLAT_TIME, FLAT_BEAT)):
            raise OscInputError(UNKNOWN_ADDRESS, address)
        _expect_count(address, args, (1,))
        if address == FLAT_FRAME:
            return self._complete(_frame_index(address, args[0]))
        if address == FLAT_TIME:
            self._time_s = _time(address, args[0])
        elif address == FLAT_BEAT:
            self._beat = _beat(address, args[0])
        elif is_root:
            (value,) = _position(address, args)
            self._transl[POSITION_CHANNELS.index(channel)] = value
        elif channel in QUAT_CHANNELS:
            (value,) = _numbers(address, args)
            if abs(value) > 1.0 + QUAT_NORM_TOLERANCE:
                raise OscInputError(OUT_OF_RANGE, f"{address} component {value}")
            self._raw_quats[_JOINT_INDEX[target], QUAT_CHANNELS.index(channel)] = value
        else:
            _position(
                address, args
            )  # world positions are derived values: checked, unused
        return None

    def _complete(self, index: int) -> PoseFrame:
        """A frame from the channels received so far; degenerate quaternions stay as they were."""
        norms = np.linalg.norm(self._raw_quats, axis=1)
        good = np.abs(norms - 1.0) <= QUAT_NORM_TOLERANCE
        self._quats[good] = self._raw_quats[good] / norms[good, None]
        self._raw_quats[~good] = self._quats[~good]
        return self._frame(frame_index=index, time_s=self._time_s)


class VmcDecoder(FrameDecoder):
    """Decoder of the VMC protocol, retargeting humanoid bones back to SMPL joints.

    A frame ends at ``/VMC/Ext/T`` or ``/VMC/Ext/OK``, whichever comes first after bone or
    root data (livedual sends T first, so its frames carry the sender's time). Other ``/VMC/...`` addresses (blend shapes, trackers, cameras) and humanoid
    bones without an SMPL joint (fingers, eyes, jaw) are ignored. The root transform of the
    sender is folded into the SMPL pelvis: ``pelvis = root_pos + R_root @ hips_pos``.
    """

    def __init__(self) -> None:
        super().__init__()
        self._root_pos = np.zeros(3)  # Unity frame
        self._root_quat = _IDENTITY_QUAT.copy()  # (w, x, y, z), Unity frame
        self._hips_pos = vmc.rest_local_positions()[0]
        self._dirty = False
        self._time_s: float | None = None

    def accepts(self, address: str) -> bool:
        return address.startswith(VMC_PREFIX)

    def feed(self, address: str, args: Sequence) -> PoseFrame | None:
        if address == VMC_BONE:
            self._bone(address, args)
        elif address == VMC_ROOT:
            # v2.0: name + 7 floats; v2.1 adds scale and offset (6 floats), ignored here.
            _expect_count(address, args, (8, 14))
            position, quat = self._transform(address, args)
            self._root_pos, self._root_quat, self._dirty = position, quat, True
        elif address == VMC_OK:
            if not args or isinstance(args[0], bool) or not isinstance(args[0], int):
                raise OscInputError(
                    ARG_TYPE, f"{address} takes an int 'loaded' flag first"
                )
            return self._complete() if args[0] == 1 else None
        elif address == VMC_TIME:
            _expect_count(address, args, (1,))
            self._time_s = _time(address, args[0])
            return self._complete()
        elif not address.startswith(VMC_PREFIX):
            raise OscInputError(UNKNOWN_ADDRESS, address)
        return None

    def _transform(self, address: str, args: Sequence) -> tuple[np.ndarray, np.ndarray]:
        """Position and (w, x, y, z) rotation, Unity frame, of a Root or Bone message."""
        if not isinstance(args[0], str):
            raise OscInputError(
                ARG_TYPE, f"{address} takes a name first, got {args[0]!r}"
            )
        values = _numbers(address, args[1:8])
        position = _position(address, values[:3])
        quat = _unit_quaternion(address, vmc.xyzw_to_wxyz(values[3:7]))
        return position, quat

    def _bone(self, address: str, args: Sequence) -> None:
        _expect_count(address, args, (8,))
        name = args[0]
        position, quat = self._transform(address, args)
        joint = vmc.HUMANOID_TO_SMPL.get(name)
        if joint is None:
            if name in vmc.OTHER_HUMANOID_BONES:
                return
            raise OscInputError(
                UNKNOWN_ADDRESS, f"{address} names no humanoid bone: {name!r}"
            )
        self._quats[joint] = vmc.mirror_quaternions(quat)
        if joint == 0:
            self._hips_pos = position
        self._dirty = True

    def _complete(self) -> PoseFrame | None:
        """The frame since the last one, or None when no bone or root data came."""
        if not self._dirty:
            return None
        self._dirty = False
        root_rotation = quaternion_to_matrix(self._root_quat)
        pelvis_unity = self._root_pos + root_rotation @ self._hips_pos
        self._transl = vmc.mirror_positions(pelvis_unity) - SMPL_SKELETON.root_rest
        hips_local = self._quats[0].copy()
        # The root's rotation belongs to the pelvis in SMPL, which has no root object.
        root_smpl = vmc.mirror_quaternions(self._root_quat)
        self._quats[0] = matrix_to_quaternion(
            quaternion_to_matrix(root_smpl) @ quaternion_to_matrix(hips_local)
        )
        frame = self._frame(frame_index=None, time_s=self._time_s)
        self._quats[0] = hips_local
        return frame


def decoder_for(format: str) -> FrameDecoder:
    """A fresh decoder of ``format`` ('native', 'flat' or 'vmc')."""
    decoders = {"native": NativeDecoder, "flat": FlatDecoder, "vmc": VmcDecoder}
    return decoders[check_format(format)]()


def decode_datagrams(datagrams: Sequence[bytes], *, format: str) -> list[PoseFrame]:
    """Every frame completed by a sequence of datagrams in ``format`` (strict: raises).

    Raises
    ------
    OscInputError
        At the first message that a live source would drop.
    """
    decoder = decoder_for(format)
    frames = []
    for data in datagrams:
        for address, args in parse_datagram(data):
            if not decoder.accepts(address):
                raise OscInputError(
                    UNKNOWN_ADDRESS, f"{address} is not {format} format"
                )
            frame = decoder.feed(address, args)
            if frame is not None:
                frames.append(frame)
    return frames
