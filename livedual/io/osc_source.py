"""Motion capture in: pose frames received over OSC/UDP (native, flat or VMC).

A python-osc UDP server runs in a background thread and hands every datagram to
:meth:`OscMocapSource.handle_datagram`, which parses it, feeds each message to the decoder
of its format kept for its sender (two senders never mix into one frame) and puts
completed frames in a bounded queue (the oldest frame is dropped when the reader falls
behind). Nothing a sender does can raise in the server thread:
packets from unknown senders, floods beyond the packet rate, malformed packets and
messages with wrong address, argument count or type, NaN or out-of-range values are
dropped and counted in :attr:`OscMocapSource.drops` under the reason.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from pythonosc.dispatcher import Dispatcher
from pythonosc.osc_server import BlockingOSCUDPServer

from ..errors import DeviceError, ParameterError
from .base import Source
from .osc_decoders import (
    UNKNOWN_ADDRESS,
    FlatDecoder,
    FrameDecoder,
    NativeDecoder,
    OscInputError,
    VmcDecoder,
    parse_datagram,
)
from .osc_formats import DEFAULT_HOST, PoseFrame

_LOGGER = logging.getLogger(__name__)

# Where VMC performers send by default; native and flat senders may use it too.
MOCAP_PORT = 39539
# 10 s at 25 fps: a reader that falls further behind loses the oldest frames.
QUEUE_FRAMES = 250
MAX_PACKETS_PER_S = 5000.0  # above a VMC performer sending every bone as its own packet
BURST_PACKETS = 1000
# Senders whose packet rate is tracked; beyond this the longest silent one is forgotten,
# so spoofed source addresses cannot grow the table without bound.
MAX_TRACKED_SENDERS = 256
_SERVE_POLL_S = 0.05  # how quickly close() stops the server thread

# Drop reasons counted here (the message-level ones come from osc_decoders).
SENDER = "sender"
FLOOD = "flood"
QUEUE_FULL = "queue_full"
INTERNAL = "internal"


class _TokenBucket:
    """Allows ``rate`` events per second with bursts of ``burst``."""

    def __init__(self, rate: float, burst: float, clock: Callable[[], float]) -> None:
        self._rate, self._burst, self._clock = rate, burst, clock
        self._tokens, self._last = burst, clock()

    def allow(self) -> bool:
        now = self._clock()
        self._tokens = min(self._burst, self._tokens + (now - self._last) * self._rate)
        self._last = now
        if self._tokens < 1.0:
            return False
        self._tokens -= 1.0
        return True


class _Dispatch(Dispatcher):
    """A dispatcher that hands every raw datagram to one callback (no address mapping)."""

    def __init__(self, handler: Callable[[bytes, tuple[str, int]], None]) -> None:
        super().__init__()
        self._handler = handler

    def call_handlers_for_packet(
        self, data: bytes, client_address: tuple[str, int]
    ) -> list:
        self._handler(data, client_address)
        return []  # no replies


class _Server(BlockingOSCUDPServer):
    """python-osc's UDP server that lets every datagram through to the dispatcher."""

    def verify_request(self, request: object, client_address: object) -> bool:
        return True  # senders and contents are checked (and counted) by the source

    def handle_error(self, request: object, client_address: object) -> None:
        _LOGGER.exception("OSC server error on a packet from %s", client_address)


class OscMocapSource(Source[PoseFrame | None]):
    """Pose frames from a motion-capture sender (native, flat or VMC OSC).

    Parameters
    ----------
    host : str
        Address to listen on; loopback by default (use ``"0.0.0.0"`` for the network).
    port : int
        UDP port; 0 picks a free one (see :attr:`address`).
    allowed_senders : iterable of str or None
        Sender IP addresses accepted; None accepts any.
    queue_frames : int
        Frames kept for the reader.
    max_packets_per_s : float
        Packet rate of one sender (IP address) above which its packets are dropped as a
        flood (bursts of ``BURST_PACKETS`` allowed); a flooding sender does not take the
        rate of the others.
    clock : callable
        Monotonic seconds stamped on frames as ``received_s``.

    ``read(timeout=...)`` returns the next :class:`PoseFrame` (or None on timeout); frames
    carry the sender's frame index and time when the format has them.
    """

    def __init__(
        self,
        host: str = DEFAULT_HOST,
        port: int = MOCAP_PORT,
        *,
        allowed_senders: Iterable[str] | None = None,
        queue_frames: int = QUEUE_FRAMES,
        max_packets_per_s: float = MAX_PACKETS_PER_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        if queue_frames < 1 or max_packets_per_s <= 0:
            raise ParameterError(
                f"queue_frames must be >= 1 and max_packets_per_s > 0, got {queue_frames} "
                f"and {max_packets_per_s}."
            )
        self.host, self.port = host, port
        self.allowed_senders = (
            None if allowed_senders is None else frozenset(allowed_senders)
        )
        self._clock = clock
        self._queue: queue.Queue[PoseFrame] = queue.Queue(maxsize=queue_frames)
        self._max_packets_per_s = max_packets_per_s
        self._buckets: OrderedDict[str | None, _TokenBucket] = OrderedDict()
        # Decoders keep the frame being assembled, so each sender gets its own: messages of
        # two senders sending at once never mix into one frame.
        self._decoders: OrderedDict[tuple | None, tuple[FrameDecoder, ...]] = (
            OrderedDict()
        )
        self._lock = threading.Lock()
        self._drops: Counter[str] = Counter()
        self.packets_received = 0
        self.frames_received = 0
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # --- statistics -------------------------------------------------------------------

    @property
    def drops(self) -> dict[str, int]:
        """Dropped packets and messages by reason (a copy)."""
        with self._lock:
            return dict(self._drops)

    @property
    def address(self) -> tuple[str, int]:
        """``(host, port)`` actually listened on (after :meth:`start`)."""
        if self._server is None:
            return self.host, self.port
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    def _drop(self, reason: str) -> None:
        with self._lock:
            self._drops[reason] += 1

    # --- the receiving side (server thread) -------------------------------------------

    def handle_datagram(self, data: bytes, sender: tuple | None = None) -> None:
        """Process one datagram as if received from ``sender`` ``(ip, port)``. Never raises."""
        try:
            self._handle(data, sender)
        except Exception:  # the server thread must survive anything a sender can do
            self._drop(INTERNAL)
            _LOGGER.exception("unexpected error on an OSC packet from %s", sender)

    def _handle(self, data: bytes, sender: tuple | None) -> None:
        self.packets_received += 1
        if self.allowed_senders is not None and (
            sender is None or sender[0] not in self.allowed_senders
        ):
            self._drop(SENDER)
            return
        if not self._bucket(None if sender is None else sender[0]).allow():
            self._drop(FLOOD)
            return
        try:
            messages = parse_datagram(data)
        except OscInputError as exc:
            self._drop(exc.reason)
            return
        decoders = self._decoders_of(sender)
        for address, args in messages:
            self._feed(decoders, address, args)

    def _decoders_of(self, sender: tuple | None) -> tuple[FrameDecoder, ...]:
        """The decoders of one sender ``(ip, port)``."""
        key = None if sender is None else tuple(sender[:2])
        return _remembered(
            self._decoders, key, lambda: (FlatDecoder(), NativeDecoder(), VmcDecoder())
        )

    def _bucket(self, ip: str | None) -> _TokenBucket:
        """The packet-rate bucket of one sender address."""
        return _remembered(
            self._buckets,
            ip,
            lambda: _TokenBucket(self._max_packets_per_s, BURST_PACKETS, self._clock),
        )

    def _feed(
        self, decoders: tuple[FrameDecoder, ...], address: str, args: list
    ) -> None:
        """Route one message to its format's decoder; queue a completed frame."""
        decoder = next((d for d in decoders if d.accepts(address)), None)
        if decoder is None:
            self._drop(UNKNOWN_ADDRESS)
            return
        try:
            frame = decoder.feed(address, args)
        except OscInputError as exc:
            self._drop(exc.reason)
            return
        if frame is not None:
            self._put(replace(frame, received_s=self._clock()))

    def _put(self, frame: PoseFrame) -> None:
        """Queue a frame, dropping the oldest one when the reader is behind."""
        self.frames_received += 1
        while True:
            try:
                self._queue.put_nowait(frame)
                return
            except queue.Full:
                try:
                    self._queue.get_nowait()
                    self._drop(QUEUE_FULL)
                except queue.Empty:
                    pass

    # --- Source template --------------------------------------------------------------

    def _start(self) -> None:
        try:
            self._server = _Server(
                (self.host, self.port), _Dispatch(self.handle_datagram)
            )
        except OSError as exc:
            raise DeviceError(
                f"cannot listen for OSC on {self.host}:{self.port}: {exc}. Is another "
                "program using this port? Choose another port."
            ) from None
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": _SERVE_POLL_S},
            name=f"livedual-osc-{self.port}",
            daemon=True,
        )
        self._thread.start()
        _LOGGER.info("listening for OSC mocap on %s:%s", *self.address)

    def _read(self, *, timeout: float | None = None) -> PoseFrame | None:
        """The next frame, waiting up to ``timeout`` seconds (None: forever)."""
        try:
            return self._queue.get(timeout=timeout)
        except queue.Empty:
            return None

    def read_all(self) -> list[PoseFrame]:
        """Every frame queued now, oldest first, without waiting."""
        frames = []
        while True:
            try:
                frames.append(self._queue.get_nowait())
            except queue.Empty:
                return frames

    def _close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join()


def _remembered(table: OrderedDict, key: Any, make: Callable[[], Any]) -> Any:
    """``table[key]``, made on first use; past MAX_TRACKED_SENDERS entries the least
    recently used is forgotten, so senders cannot grow the table without bound."""
    value = table.get(key)
    if value is None:
        if len(table) >= MAX_TRACKED_SENDERS:
            table.popitem(last=False)
        value = table[key] = make()
    else:
        table.move_to_end(key)
    return value
