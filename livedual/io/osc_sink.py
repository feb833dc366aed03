"""Pose frames out over OSC/UDP in the native, flat or VMC format."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from ..errors import DeviceError, ParameterError
from .base import PoseSink
from .osc_formats import (
    DEFAULT_HOST,
    MAX_DATAGRAM_BYTES,
    NATIVE_PORT,
    VMC_PORT,
    check_format,
    encode_frame,
    encode_message,
    pack_bundles,
)

_LOGGER = logging.getLogger(__name__)

# A failing network is logged at the first error and then once every this many.
_LOG_EVERY_ERRORS = 1000


def default_port(format: str) -> int:
    """The port a format is sent to unless told otherwise (VMC 39539, else 9000)."""
    return VMC_PORT if check_format(format) == "vmc" else NATIVE_PORT


class OscPoseSink(PoseSink):
    """Sends each pose frame as timestamped OSC bundles of at most 1400 bytes.

    Parameters
    ----------
    host : str
        Receiver's address; loopback by default.
    port : int or None
        Receiver's UDP port; None for :func:`default_port` of the format.
    format : str
        ``"native"``, ``"flat"`` or ``"vmc"`` (see ``patches/README.md``).
    timestamps : bool
        Time-tag bundles with the frame's time on the wall clock (the first frame is
        anchored to "now"); False sends them as "immediately".
    bundles : bool
        False sends every message as its own datagram, without bundle or time tag, for
        receivers that do not unpack bundles.
    max_datagram : int
        Largest datagram, bytes.
    clock : callable
        Wall clock, seconds since the Unix epoch (for time tags).

    Attributes
    ----------
    packets_sent, bytes_sent, send_errors : int
        Datagrams and bytes handed to the network, datagrams the network refused.

    Sending never raises on a network failure (the show goes on): failures are counted in
    ``send_errors`` and logged.
    """

    def __init__(
        self,
        host: str = DEFAULT_HOST,
        port: int | None = None,
        format: str = "native",
        *,
        timestamps: bool = True,
        bundles: bool = True,
        max_datagram: int = MAX_DATAGRAM_BYTES,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__()
        self.format = check_format(format)
        self.port = default_port(format) if port is None else int(port)
        if not 0 < self.port < 65536:
            raise ParameterError(f"port must be in range 1..65535, got {self.port}.")
        self.host = host
        self.timestamps = timestamps
        self.bundles = bundles
        self.max_datagram = max_datagram
        self._clock = clock
        self._epoch: float | None = None
        self._address: tuple[Any, ...]
        self.packets_sent = 0
        self.bytes_sent = 0
        self.send_errors = 0
        try:
            family, _, _, _, self._address = socket.getaddrinfo(
                host, self.port, type=socket.SOCK_DGRAM
            )[0]
        except socket.gaierror as exc:
            raise ParameterError(
                f"cannot resolve the OSC host {host!r}: {exc}."
            ) from None
        try:
            self._socket = socket.socket(family, socket.SOCK_DGRAM)
        except OSError as exc:
            raise DeviceError(f"cannot open a UDP socket: {exc}.") from None
        self._socket.setblocking(
            False
        )  # a full buffer drops a frame, never stalls the clock

    def _timetag(self, time_s: float) -> float | None:
        """Wall-clock time of stream time ``time_s``; the first frame sets the anchor."""
        if not self.timestamps:
            return None
        if self._epoch is None:
            self._epoch = self._clock() - time_s
        return self._epoch + time_s

    def _send(
        self, frame_index: int, time_s: float, pose: np.ndarray, *, beat: float | None
    ) -> None:
        messages = encode_frame(
            format=self.format,
            frame_index=frame_index,
            time_s=time_s,
            pose=pose,
            beat=beat,
        )
        if self.bundles:
            datagrams = pack_bundles(
                messages, timetag=self._timetag(time_s), max_bytes=self.max_datagram
            )
        else:
            datagrams = [encode_message(address, args) for address, args in messages]
        for datagram in datagrams:
            try:
                self._socket.sendto(datagram, self._address)
            except OSError as exc:
                self.send_errors += 1
                if self.send_errors % _LOG_EVERY_ERRORS == 1:
                    _LOGGER.warning(
                        "OSC send to %s:%s failed (%s errors so far): %s",
                        self.host,
                        self.port,
                        self.send_errors,
                        exc,
                    )
                continue
            self.packets_sent += 1
            self.bytes_sent += len(datagram)

    def _close(self) -> None:
        self._socket.close()

    def __repr__(self) -> str:
        state = "closed" if self.closed else "open"
        return f"<{state} OscPoseSink {self.format} -> {self.host}:{self.port}>"
