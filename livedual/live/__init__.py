"""The live runtime: sources -> windows -> generator -> steady clock -> sinks.

- :mod:`.windowing` cuts a stream pushed in any chunk sizes into 3 s windows.
- :mod:`.engine` turns windows into plans (music -> dance, dance -> music) in two modes,
  the paper's window-synchronous chaining and a low-latency mode.
- :mod:`.clock` holds the frame timeline, interpolates it to the output rate and keeps
  the steady (or virtual) clock.
- :mod:`.runner` wires a source, an engine and sinks together (``livedual live``);
  :mod:`.uri` parses the ``--source`` and ``--sink`` URIs.
"""

from __future__ import annotations

from ..pose import interpolate_poses
from .clock import FrameTimeline, OutputSchedule, sample_frames
from .engine import (
    MODES,
    DanceToMusicEngine,
    LiveNoteDecoder,
    LiveOptions,
    MusicToDanceEngine,
    Plan,
)
from .runner import LiveReport, LiveRunner, PoseRecorder
from .uri import SinkSpec, SourceSpec, check_combination, parse_sink, parse_source
from .windowing import Windower

__all__ = [
    "MODES",
    "DanceToMusicEngine",
    "FrameTimeline",
    "LiveNoteDecoder",
    "LiveOptions",
    "LiveReport",
    "LiveRunner",
    "MusicToDanceEngine",
    "OutputSchedule",
    "Plan",
    "PoseRecorder",
    "SinkSpec",
    "SourceSpec",
    "Windower",
    "check_combination",
    "interpolate_poses",
    "parse_sink",
    "parse_source",
    "sample_frames",
]
