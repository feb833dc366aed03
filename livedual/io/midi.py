"""MIDI output: sinks that never leave a note hanging, and MIDI files.

:class:`MidiSink` is the template (as mido's ports): :meth:`MidiSink.send` keeps a table
of held notes and hands each message to ``_send``; subclasses only open, send and close.
Every ``note_on`` gets its ``note_off``: a second ``note_on`` of a held note first releases
it, and :meth:`~MidiSink.close` (also on an exception or Ctrl-C inside ``with``) releases
every held note before the port or file is closed.

Backends: :class:`PortMidiSink` (a virtual port where the OS allows it, else a named port;
needs python-rtmidi), :class:`MemoryMidiSink` (a list, for tests) and
:class:`MidiFileSink` (records with a clock and writes a standard MIDI file atomically).
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

import mido

from ..atomic import atomic_write
from ..errors import DeviceError, MissingExtraError, ParameterError
from .notes import MIDI_CHANNELS, Note

_LOGGER = logging.getLogger(__name__)

DEFAULT_PORT_NAME = "livedual"
DEFAULT_BPM = 120.0
TICKS_PER_BEAT = 480  # file resolution: about 1 ms at 120 bpm
CC_ALL_SOUND_OFF = 120
CC_RESET_ALL_CONTROLLERS = 121
CC_ALL_NOTES_OFF = 123
_RTMIDI_BACKEND = "mido.backends.rtmidi"

if TYPE_CHECKING:  # annotations only: typing.Self needs Python 3.11
    from typing_extensions import Self


def _control(channel: int, control: int) -> mido.Message:
    return mido.Message("control_change", channel=channel, control=control, value=0)


class MidiSink:
    """Base MIDI output with a held-note table. Subclasses override ``_send``/``_close``."""

    # Whether close() also sends All Notes Off on every channel after the note-offs.
    _all_notes_off_on_close = True

    def __init__(self) -> None:
        self._held: set[tuple[int, int]] = set()
        self._lock = threading.RLock()
        self.closed = False

    # --- template ---------------------------------------------------------------------

    def _send(self, msg: mido.Message) -> None:
        raise NotImplementedError

    def _close(self) -> None:
        """Release the backend (port, file)."""

    # --- public -----------------------------------------------------------------------

    @property
    def held_notes(self) -> frozenset[tuple[int, int]]:
        """``(channel, note)`` of every note sounding now."""
        with self._lock:
            return frozenset(self._held)

    def send(self, msg: mido.Message) -> None:
        """Send one message, keeping the held-note table (see the module docstring)."""
        if not isinstance(msg, mido.Message):
            raise ParameterError(
                f"send() takes a mido.Message, got {type(msg).__name__}."
            )
        if self.closed:
            raise DeviceError(f"{self!r} is closed; open a new MIDI sink.")
        with self._lock:
            if msg.type == "note_on" and msg.velocity > 0:
                key = (msg.channel, msg.note)
                if key in self._held:
                    self._send(
                        mido.Message("note_off", channel=msg.channel, note=msg.note)
                    )
                self._held.add(key)
            elif msg.type in ("note_on", "note_off"):
                self._held.discard((msg.channel, msg.note))
            self._send(msg)

    def note_on(self, *, note: int, velocity: int, channel: int = 0) -> None:
        """Start a note (MIDI note number, velocity 1..127, channel 0..15)."""
        self.send(_message("note_on", note=note, velocity=velocity, channel=channel))

    def note_off(self, *, note: int, channel: int = 0) -> None:
        """Release a note."""
        self.send(_message("note_off", note=note, channel=channel))

    def release_all(self) -> None:
        """Send a note_off for every held note."""
        with self._lock:
            for channel, note in sorted(self._held):
                self._send(mido.Message("note_off", channel=channel, note=note))
            self._held.clear()

    def reset(self) -> None:
        """Release held notes, then All Notes Off and Reset All Controllers on all channels."""
        with self._lock:
            self.release_all()
            for channel in range(MIDI_CHANNELS):
                self._send(_control(channel, CC_ALL_NOTES_OFF))
                self._send(_control(channel, CC_RESET_ALL_CONTROLLERS))

    def panic(self) -> None:
        """Release held notes, then All Sound Off and All Notes Off on all channels."""
        with self._lock:
            self.release_all()
            for channel in range(MIDI_CHANNELS):
                self._send(_control(channel, CC_ALL_SOUND_OFF))
                self._send(_control(channel, CC_ALL_NOTES_OFF))

    def close(self) -> None:
        """Release every held note (and All Notes Off), then close. Safe to call twice."""
        with self._lock:
            if self.closed:
                return
            try:
                self.release_all()
                if self._all_notes_off_on_close:
                    for channel in range(MIDI_CHANNELS):
                        self._send(_control(channel, CC_ALL_NOTES_OFF))
            finally:
                self.closed = True
                self._close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self.closed else "open"
        return f"<{state} {type(self).__name__}>"


def _message(kind: str, **fields: int) -> mido.Message:
    """A mido message, or ParameterError naming the bad value."""
    try:
        return mido.Message(kind, **fields)
    except (TypeError, ValueError) as exc:
        raise ParameterError(f"invalid MIDI {kind} {fields}: {exc}.") from None


class MemoryMidiSink(MidiSink):
    """Keeps every message sent in :attr:`messages` (tests, previews)."""

    def __init__(self) -> None:
        super().__init__()
        self.messages: list[mido.Message] = []

    def _send(self, msg: mido.Message) -> None:
        self.messages.append(msg)


# --- ports ----------------------------------------------------------------------------


def _rtmidi_backend(api: str | None) -> mido.Backend:
    """mido's rtmidi backend, or MissingExtraError when python-rtmidi is not installed."""
    try:
        importlib.import_module("rtmidi")
    except ImportError:
        raise MissingExtraError("rtmidi", "midi") from None
    name = _RTMIDI_BACKEND if api is None else f"{_RTMIDI_BACKEND}/{api}"
    try:
        return mido.Backend(name, load=True)
    except ValueError as exc:  # unknown or not compiled-in API
        raise ParameterError(f"MIDI API {api!r} is not available: {exc}.") from None


def list_midi_outputs(*, api: str | None = None) -> list[str]:
    """Names of the MIDI output ports the OS offers (python-rtmidi backend)."""
    backend = _rtmidi_backend(api)
    try:
        return list(backend.get_output_names())
    except (OSError, RuntimeError) as exc:
        raise DeviceError(f"cannot list MIDI ports: {exc}.") from None


class PortMidiSink(MidiSink):
    """A MIDI output port through python-rtmidi.

    Parameters
    ----------
    name : str
        Port name. An existing output port of that name is opened; otherwise a virtual
        port of that name is created for synths to connect to (macOS, Linux ALSA/JACK).
    virtual : bool or None
        Force a virtual port (True) or an existing one (False); None decides as above.
        Windows has no virtual ports: create one with loopMIDI and pass its name.
    api : str or None
        rtmidi API, e.g. ``"LINUX_ALSA"``, ``"UNIX_JACK"``, ``"MACOSX_CORE"``; None for
        the default.
    """

    def __init__(
        self,
        name: str = DEFAULT_PORT_NAME,
        *,
        virtual: bool | None = None,
        api: str | None = None,
    ) -> None:
        super().__init__()
        backend = _rtmidi_backend(api)
        try:
            existing = list(backend.get_output_names())
            if virtual is None:
                virtual = name not in existing and sys.platform != "win32"
            if not virtual and name not in existing:
                raise DeviceError(
                    f"no MIDI output port named {name!r}; the ports are {existing}. "
                    "On Windows create one with loopMIDI first."
                )
            self._port = backend.open_output(name, virtual=virtual)
        except (OSError, RuntimeError, NotImplementedError) as exc:
            raise DeviceError(f"cannot open the MIDI output {name!r}: {exc}.") from None
        self.name = name
        self.virtual = virtual
        _LOGGER.info("MIDI output %r open (virtual=%s)", name, virtual)

    def _send(self, msg: mido.Message) -> None:
        self._port.send(msg)

    def _close(self) -> None:
        self._port.close()


# --- files ----------------------------------------------------------------------------


def notes_to_messages(notes: Iterable[Note]) -> list[tuple[float, mido.Message]]:
    """Timed note_on/note_off messages of notes, sorted by time.

    At equal times note-offs come before note-ons, so a note that ends where the next one
    of the same pitch starts is released first.

    Returns
    -------
    messages : list of (time_s, mido.Message)
    """
    events = []
    for n in notes:
        on = mido.Message(
            "note_on", note=n.pitch, velocity=n.velocity, channel=n.channel
        )
        off = mido.Message("note_off", note=n.pitch, channel=n.channel)
        events.append(((n.start_s, 1, n.channel, n.pitch), on))
        events.append(((n.end_s, 0, n.channel, n.pitch), off))
    events.sort(key=lambda e: e[0])
    return [(key[0], msg) for key, msg in events]


def _midi_file(
    timed: Sequence[tuple[float, mido.Message]], *, bpm: float, ticks_per_beat: int
) -> mido.MidiFile:
    """A type-0 MIDI file of time-sorted messages (seconds from 0)."""
    tempo = mido.bpm2tempo(bpm)
    track = mido.MidiTrack([mido.MetaMessage("set_tempo", tempo=tempo, time=0)])
    previous = 0
    for time_s, msg in timed:
        tick = round(mido.second2tick(max(time_s, 0.0), ticks_per_beat, tempo))
        track.append(msg.copy(time=max(tick - previous, 0)))
        previous = max(tick, previous)
    track.append(mido.MetaMessage("end_of_track", time=0))
    return mido.MidiFile(type=0, ticks_per_beat=ticks_per_beat, tracks=[track])


def _save(midi: mido.MidiFile, path: str | os.PathLike[str]) -> None:
    with atomic_write(path, "wb") as handle:
        midi.save(file=handle)


def write_midi_file(
    notes: Iterable[Note], path: str | os.PathLike[str], *, bpm: float = DEFAULT_BPM
) -> None:
    """Write notes to a standard MIDI file (type 0), atomically.

    Parameters
    ----------
    notes : iterable of Note
    path : str or path-like
    bpm : float
        Tempo written in the file; note times in seconds are kept whatever its value.
    """
    if not bpm > 0:
        raise ParameterError(f"bpm must be positive, got {bpm}.")
    _save(
        _midi_file(notes_to_messages(notes), bpm=bpm, ticks_per_beat=TICKS_PER_BEAT),
        path,
    )


class MidiFileSink(MidiSink):
    """Records what is sent, timed by ``clock``, and writes a MIDI file on close.

    Parameters
    ----------
    path : str or path-like
        File written (atomically) by :meth:`close`; notes still held are released first,
        at the time of closing, also when closing after an exception.
    bpm : float
        Tempo written in the file.
    clock : callable
        Seconds; time 0 of the file is the clock when the sink is created.
    """

    _all_notes_off_on_close = False

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        bpm: float = DEFAULT_BPM,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        if not bpm > 0:
            raise ParameterError(f"bpm must be positive, got {bpm}.")
        self.path = path
        self._bpm = bpm
        self._clock = clock
        self._start = clock()
        self.timed: list[tuple[float, mido.Message]] = []

    def _send(self, msg: mido.Message) -> None:
        self.timed.append((self._clock() - self._start, msg))

    def _close(self) -> None:
        _save(
            _midi_file(self.timed, bpm=self._bpm, ticks_per_beat=TICKS_PER_BEAT),
            self.path,
        )
        _LOGGER.info("wrote %d MIDI messages to %s", len(self.timed), self.path)
