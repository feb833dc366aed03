"""Live input and output adapters: audio and mocap sources, OSC and MIDI sinks.

Sources (``read()``) and sinks (``send()``) are small template classes and context
managers (see :mod:`livedual.io.base`). The wire formats are documented in
``patches/README.md``. sounddevice and python-rtmidi are imported only when a microphone
or a MIDI port is opened.
"""

from __future__ import annotations

from .audio_source import (
    AudioSource,
    FileSource,
    MicSource,
    RingBuffer,
    find_input_device,
)
from .base import PoseSink, Source
from .midi import (
    MemoryMidiSink,
    MidiFileSink,
    MidiSink,
    PortMidiSink,
    list_midi_outputs,
    notes_to_messages,
    write_midi_file,
)
from .notes import Note, NoteDecoderOptions, decode_notes, motion_energy
from .osc_decoders import OscInputError, decode_datagrams, parse_datagram
from .osc_formats import (
    DEFAULT_HOST,
    FORMATS,
    NATIVE_PORT,
    VMC_PORT,
    PoseFrame,
    encode_frame,
    pack_bundles,
)
from .osc_sink import OscPoseSink, default_port
from .osc_source import MOCAP_PORT, OscMocapSource
from .resample import StreamResampler, resample_frames

__all__ = [
    "DEFAULT_HOST",
    "FORMATS",
    "MOCAP_PORT",
    "NATIVE_PORT",
    "VMC_PORT",
    "AudioSource",
    "FileSource",
    "MemoryMidiSink",
    "MicSource",
    "MidiFileSink",
    "MidiSink",
    "Note",
    "NoteDecoderOptions",
    "OscInputError",
    "OscMocapSource",
    "OscPoseSink",
    "PortMidiSink",
    "PoseFrame",
    "PoseSink",
    "RingBuffer",
    "Source",
    "StreamResampler",
    "decode_datagrams",
    "decode_notes",
    "default_port",
    "encode_frame",
    "find_input_device",
    "list_midi_outputs",
    "motion_energy",
    "notes_to_messages",
    "pack_bundles",
    "parse_datagram",
    "resample_frames",
    "write_midi_file",
]
