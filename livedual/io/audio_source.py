"""Live audio in: the microphone, or a file played as if it were the microphone.

Both sources push device-sized blocks into the same :class:`RingBuffer` from a producer
(the sound card's callback, or a thread that plays the file) and :meth:`AudioSource.read`
pops from it: whatever runs on a file in CI runs on the microphone on stage. Audio is mono
float32 at ``sample_rate``.
"""

from __future__ import annotations

import importlib
import logging
import os
import threading
import time
from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np

from ..const import SAMPLE_RATE
from ..errors import DeviceError, MissingExtraError, ParameterError
from .base import Source
from .stream_resample import StreamResampler

_LOGGER = logging.getLogger(__name__)

BLOCK_SIZE = 1024  # samples per device block (46 ms at 22.05 kHz)
BUFFER_SECONDS = 10.0  # ring buffer length: how far the reader may fall behind
DEVICE_LIST_COMMAND = "python -m sounddevice"


class RingBuffer:
    """A preallocated, thread-safe FIFO of samples.

    A non-blocking :meth:`push` that finds the buffer full overwrites the oldest samples
    (the reader then skips them) and counts an overflow: live input keeps the newest audio
    and a bounded delay. A blocking push waits for room instead (files played as fast as
    possible).

    Parameters
    ----------
    capacity : int
        Samples held.
    """

    def __init__(self, capacity: int, *, dtype: type = np.float32) -> None:
        if capacity < 1:
            raise ParameterError(f"ring buffer capacity must be >= 1, got {capacity}.")
        self._data: np.ndarray = np.zeros(capacity, dtype=dtype)
        self._read = 0  # index of the oldest sample
        self._size = 0
        self._closed = False
        self._cond = threading.Condition()
        self.overflows = 0
        self.dropped_samples = 0

    @property
    def capacity(self) -> int:
        return len(self._data)

    @property
    def available(self) -> int:
        """Samples waiting to be popped."""
        with self._cond:
            return self._size

    @property
    def closed(self) -> bool:
        """True once the producer has finished; remaining samples can still be popped."""
        return self._closed

    def push(self, samples: np.ndarray, *, block: bool = False) -> None:
        """Append samples [shape=(n,)]; see the class docstring for a full buffer.

        Raises
        ------
        DeviceError
            A blocking push on a closed buffer (the reader went away).
        """
        samples = np.asarray(samples, dtype=self._data.dtype).reshape(-1)
        if block:
            for start in range(0, len(samples), self.capacity):
                self._push_blocking(samples[start : start + self.capacity])
            return
        with self._cond:
            if len(samples) > self.capacity:
                self._count_overflow(len(samples) - self.capacity)
                samples = samples[-self.capacity :]
            excess = self._size + len(samples) - self.capacity
            if excess > 0:
                self._count_overflow(excess)
                self._read = (self._read + excess) % self.capacity
                self._size -= excess
            self._write(samples)

    def _push_blocking(self, samples: np.ndarray) -> None:
        with self._cond:
            self._cond.wait_for(
                lambda: self._closed or self.capacity - self._size >= len(samples)
            )
            if self._closed:
                raise DeviceError(
                    "the audio buffer was closed while the producer was writing."
                )
            self._write(samples)

    def _count_overflow(self, n: int) -> None:
        self.overflows += 1
        self.dropped_samples += n

    def _write(self, samples: np.ndarray) -> None:
        """Copy samples after the newest ones (lock held, room checked)."""
        start = (self._read + self._size) % self.capacity
        first = min(len(samples), self.capacity - start)
        self._data[start : start + first] = samples[:first]
        self._data[: len(samples) - first] = samples[first:]
        self._size += len(samples)
        self._cond.notify_all()

    def pop(
        self, max_samples: int, *, min_samples: int = 1, timeout: float | None = None
    ) -> np.ndarray:
        """Remove and return up to ``max_samples`` of the oldest samples.

        Waits until ``min_samples`` are available, the buffer is closed, or ``timeout``
        seconds pass; then returns what there is (possibly nothing).
        """
        with self._cond:
            self._cond.wait_for(
                lambda: self._closed or self._size >= min_samples, timeout
            )
            n = min(max_samples, self._size)
            idx = (self._read + np.arange(n)) % self.capacity
            out = self._data[idx].copy()
            self._read = (self._read + n) % self.capacity
            self._size -= n
            self._cond.notify_all()
            return out

    def close(self) -> None:
        """Mark the end of the stream and wake every waiter."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()


class AudioSource(Source[np.ndarray]):
    """Audio from a producer through a :class:`RingBuffer`; subclasses start the producer.

    ``read(max_samples=None, timeout=None)`` waits for at least one block (or the end of
    the stream, or ``timeout``) and returns up to ``max_samples`` samples [shape=(n,),
    float32]; an empty array at the end of the stream or on timeout. :attr:`exhausted`
    tells the two apart.
    """

    def __init__(
        self,
        *,
        sample_rate: int,
        block_size: int,
        buffer_seconds: float = BUFFER_SECONDS,
    ) -> None:
        super().__init__()
        if sample_rate <= 0 or block_size <= 0:
            raise ParameterError(
                f"sample_rate and block_size must be positive, got {sample_rate}, {block_size}."
            )
        self.sample_rate = int(sample_rate)
        self.block_size = int(block_size)
        capacity = max(int(buffer_seconds * sample_rate), 2 * block_size)
        self.ring = RingBuffer(capacity)

    @property
    def exhausted(self) -> bool:
        """True when the stream has ended and every sample has been read."""
        return self.ring.closed and self.ring.available == 0

    @property
    def overflows(self) -> int:
        """Times samples were lost because the reader fell behind."""
        return self.ring.overflows

    def _read(
        self, *, max_samples: int | None = None, timeout: float | None = None
    ) -> np.ndarray:
        limit = self.ring.capacity if max_samples is None else max_samples
        return self.ring.pop(
            limit, min_samples=min(self.block_size, limit), timeout=timeout
        )


# --- file played as live input --------------------------------------------------------


class FileSource(AudioSource):
    """An audio file streamed in device-sized blocks, like a microphone.

    Parameters
    ----------
    path : str or path-like
        Any file :func:`livedual.audio.load_audio` reads; decoded and resampled to
        ``sample_rate`` mono when the source starts.
    sample_rate : int
        Hz.
    block_size : int
        Samples per block.
    realtime : bool
        True: each block is pushed when it would have been recorded (sleeping on the
        clock), a reader that falls behind loses the oldest audio as with a microphone.
        False: as fast as the reader takes it, nothing lost.
    clock : callable
        Monotonic seconds (realtime pacing).
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None,
        *,
        sample_rate: int = SAMPLE_RATE,
        block_size: int = BLOCK_SIZE,
        realtime: bool = True,
        buffer_seconds: float = BUFFER_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(
            sample_rate=sample_rate,
            block_size=block_size,
            buffer_seconds=buffer_seconds,
        )
        self.path = path
        self.realtime = realtime
        self._clock = clock
        self._samples: np.ndarray | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @classmethod
    def from_samples(cls, samples: np.ndarray, **kwargs: Any) -> FileSource:
        """A source playing samples [shape=(n,)] already decoded at ``sample_rate``."""
        source = cls(None, **kwargs)
        source._samples = np.asarray(samples, dtype=np.float32).reshape(-1)
        return source

    def _start(self) -> None:
        if self._samples is None:
            # Imported here: the audio module pulls librosa, which a microphone never needs.
            from ..audio import load_audio

            if self.path is None:
                raise ParameterError("a FileSource needs a path or samples.")
            self._samples = np.asarray(
                load_audio(self.path, sr=self.sample_rate), dtype=np.float32
            ).reshape(-1)
        self._thread = threading.Thread(
            target=self._play, name="livedual-file-source", daemon=True
        )
        self._thread.start()

    def _play(self) -> None:
        """Producer thread: push the file block by block, then close the ring."""
        samples = (
            self._samples if self._samples is not None else np.zeros(0, np.float32)
        )
        t0 = self._clock()
        try:
            for start in range(0, len(samples), self.block_size):
                block = samples[start : start + self.block_size]
                if self.realtime:
                    due = t0 + (start + len(block)) / self.sample_rate
                    if self._stop.wait(max(0.0, due - self._clock())):
                        return
                elif self._stop.is_set():
                    return
                self.ring.push(block, block=not self.realtime)
        except DeviceError:
            return  # closed while waiting for room
        finally:
            self.ring.close()

    def _close(self) -> None:
        self._stop.set()
        self.ring.close()
        if self._thread is not None:
            self._thread.join()


# --- microphone -----------------------------------------------------------------------


def _import_sounddevice() -> ModuleType:
    """The sounddevice module, or MissingExtraError (DeviceError when PortAudio is missing)."""
    try:
        return importlib.import_module("sounddevice")
    except ImportError:
        raise MissingExtraError("sounddevice", "audio") from None
    except OSError as exc:  # the module is there but the PortAudio library is not
        raise DeviceError(
            f"sounddevice cannot load the PortAudio library ({exc}); install it "
            "(Debian/Ubuntu: apt-get install libportaudio2)."
        ) from None


def find_input_device(device: int | str | None, *, sd: ModuleType | None = None) -> int:
    """Index of an audio input device.

    Parameters
    ----------
    device : int, str or None
        An index, a fragment of ``"<device name>, <host API name>"`` as
        ``python -m sounddevice`` shows them (case-insensitive, first match, e.g. ``"usb"``
        or ``"jack"``), or None for the system's default input.

    Raises
    ------
    DeviceError
        No such input device; the message names the command that lists them.
    """
    sd = _import_sounddevice() if sd is None else sd
    host_apis = [api["name"] for api in sd.query_hostapis()]
    inputs = {
        i: f"{d['name']}, {host_apis[d['hostapi']]}"
        for i, d in enumerate(sd.query_devices())
        if d["max_input_channels"] > 0
    }
    hint = f"List the devices with: {DEVICE_LIST_COMMAND}"
    if not inputs:
        raise DeviceError(f"no audio input device found. {hint}")
    if device is None:
        default = sd.default.device[0]
        index = default if default in inputs else min(inputs)
    elif isinstance(device, int):
        if device not in inputs:
            raise DeviceError(f"audio device {device} is not an input device. {hint}")
        index = device
    else:
        matches = [i for i, name in inputs.items() if device.lower() in name.lower()]
        if not matches:
            raise DeviceError(f"no audio input device name contains {device!r}. {hint}")
        index = matches[0]
    _LOGGER.info("audio input device %d: %s", index, inputs[index])
    return index


class MicSource(AudioSource):
    """The sound card's input (mono), through sounddevice.

    Parameters
    ----------
    device : int, str or None
        See :func:`find_input_device`.
    sample_rate : int
        Hz of the samples :meth:`read` returns. A device that cannot capture at this
        rate (most USB interfaces, a JACK server started at 48 kHz) is opened at its own
        default rate and the stream is resampled (:class:`StreamResampler`).
    block_size : int
        Samples per callback, at ``sample_rate``.

    Attributes
    ----------
    input_overflows : int
        Blocks the sound card lost before the callback ran (reported by PortAudio).

    The callback only copies into the ring buffer. If the stream stops on its own (device
    unplugged), :meth:`read` raises DeviceError once the buffer is empty.
    """

    def __init__(
        self,
        device: int | str | None = None,
        *,
        sample_rate: int = SAMPLE_RATE,
        block_size: int = BLOCK_SIZE,
        buffer_seconds: float = BUFFER_SECONDS,
    ) -> None:
        super().__init__(
            sample_rate=sample_rate,
            block_size=block_size,
            buffer_seconds=buffer_seconds,
        )
        self.device = device
        self.input_overflows = 0
        self.device_rate = self.sample_rate  # the rate the card captures at, once open
        self._resampler = StreamResampler(in_rate=sample_rate, out_rate=sample_rate)
        self._stream: Any = None
        self._lost = False

    def _callback(
        self, indata: np.ndarray, frames: int, time_info: Any, status: Any
    ) -> None:
        if status.input_overflow:
            self.input_overflows += 1
        self.ring.push(self._resampler.process(indata[:, 0]))

    def _finished(self) -> None:
        if not self.closed:
            self._lost = True
            self.ring.close()

    def _start(self) -> None:
        sd = _import_sounddevice()
        index = find_input_device(self.device, sd=sd)
        self.device_rate = _capture_rate(sd, index, self.sample_rate)
        self._resampler = StreamResampler(
            in_rate=self.device_rate, out_rate=self.sample_rate
        )
        block = round(self.block_size * self.device_rate / self.sample_rate)
        try:
            self._stream = sd.InputStream(
                device=index,
                samplerate=self.device_rate,
                blocksize=block,
                channels=1,
                dtype="float32",
                callback=self._callback,
                finished_callback=self._finished,
            )
            self._stream.start()
        except (sd.PortAudioError, ValueError) as exc:
            raise DeviceError(
                f"cannot open audio input {index} at {self.device_rate} Hz: {exc}. "
                f"List the devices with: {DEVICE_LIST_COMMAND}"
            ) from None

    def _read(
        self, *, max_samples: int | None = None, timeout: float | None = None
    ) -> np.ndarray:
        samples = super()._read(max_samples=max_samples, timeout=timeout)
        if self._lost and len(samples) == 0 and self.ring.available == 0:
            raise DeviceError("the audio input device stopped (unplugged or lost).")
        return samples

    def _close(self) -> None:
        if self._stream is not None:
            self._stream.close()
        self.ring.close()


def _capture_rate(sd: ModuleType, index: int, wanted: int) -> int:
    """``wanted`` if the device can capture at it, else the device's default rate."""
    try:
        sd.check_input_settings(
            device=index, samplerate=wanted, channels=1, dtype="float32"
        )
        return wanted
    except (sd.PortAudioError, ValueError):
        rate = int(round(sd.query_devices(index)["default_samplerate"]))
        _LOGGER.info(
            "audio input %d cannot capture at %d Hz; capturing at %d Hz and resampling",
            index,
            wanted,
            rate,
        )
        return rate
