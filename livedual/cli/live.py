"""``livedual live``: music to dance or dance to music, live, until the input ends or Ctrl-C."""

from __future__ import annotations

import argparse
import logging
import signal
from types import FrameType

from ..const import FPS
from ..io.notes import NoteDecoderOptions
from ..live.engine import MODES, LiveOptions
from ..live.runner import LiveRunner
from ..live.uri import parse_sink, parse_source
from . import add_common, formatter
from .models import add_model_options, runtime_options

_LOGGER = logging.getLogger(__name__)

EXAMPLES = """examples:
  livedual live --source mic --sink osc://127.0.0.1:39539?format=vmc --mode lowlatency
  livedual live --source song.wav --fast --sink record:dance.npz
  livedual live --source osc://127.0.0.1:39539?format=vmc --sink midi --sink record:take.mid
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "live",
        help="music to dance or dance to music, live",
        formatter_class=formatter,
        description="Listen to music (microphone or a file played as live input) and send "
        "poses over OSC, or listen to motion capture over OSC and play MIDI notes. A music "
        "source needs pose sinks (osc://, record:FILE.npz); a motion-capture source needs "
        "note sinks (midi, record:FILE.mid).",
        epilog=EXAMPLES,
    )
    parser.add_argument(
        "--source",
        required=True,
        default=argparse.SUPPRESS,
        help="mic[:DEVICE] | AUDIO_FILE | osc://HOST:PORT?format=native|vmc",
    )
    parser.add_argument(
        "--sink",
        action="append",
        default=argparse.SUPPRESS,
        required=True,
        help="osc://HOST:PORT?format=native|flat|vmc | midi[:PORT] | "
        "record:FILE.npz|.mid (repeat for several)",
    )
    pace = parser.add_mutually_exclusive_group()
    pace.add_argument(
        "--realtime",
        dest="realtime",
        action="store_true",
        default=argparse.SUPPRESS,
        help="play a file source at its own pace (the default for files)",
    )
    pace.add_argument(
        "--fast",
        dest="realtime",
        action="store_false",
        default=argparse.SUPPRESS,
        help="play a file source as fast as possible (virtual clock)",
    )
    parser.add_argument(
        "--mode",
        choices=MODES,
        default="sync",
        help="sync: the paper's window chaining (3 s delay); lowlatency: "
        "short hop, crossfade, beat phase",
    )
    parser.add_argument(
        "--hop",
        type=float,
        default=None,
        help="seconds between windows (default 3.0 sync, 0.48 lowlatency)",
    )
    parser.add_argument(
        "--crossfade",
        type=float,
        default=None,
        help="seconds of crossfade between plans (default 0.16 lowlatency, 0 sync; "
        "sync: at most 3 s minus the hop, e.g. --hop 2.6 --crossfade 0.4 as in "
        "livedual dance)",
    )
    parser.add_argument(
        "--margin",
        type=float,
        default=LiveOptions().margin_s,
        help="seconds allowed for features and generation per window",
    )
    parser.add_argument(
        "--no-beat-align",
        "--no_beat_align",
        action="store_true",
        help="lowlatency: do not shift plans onto the coming beats",
    )
    parser.add_argument(
        "--rate",
        type=float,
        default=float(FPS),
        help="pose output frames per second (25, or e.g. 60 by slerp)",
    )
    parser.add_argument(
        "--seconds",
        type=float,
        default=None,
        help="stop reading input after this many seconds",
    )
    parser.add_argument(
        "--allow",
        action="append",
        default=None,
        metavar="SENDER",
        help="OSC source: accept packets from this IP only (repeatable)",
    )
    parser.add_argument(
        "--beat-threshold",
        "--beat_threshold",
        type=float,
        default=NoteDecoderOptions().beat_threshold,
        help="dance to music: beat strength above which a note starts",
    )
    add_model_options(parser, what="music2dance or dance2music")
    add_common(parser)
    parser.set_defaults(func=run)


def _frames(seconds: float | None) -> int | None:
    return None if seconds is None else round(seconds * FPS)


def options_from(args: argparse.Namespace) -> LiveOptions:
    """The engine options of parsed arguments."""
    return LiveOptions(
        mode=args.mode,
        hop=_frames(args.hop),
        crossfade=_frames(args.crossfade),
        margin_s=args.margin,
        beat_align=not args.no_beat_align,
        seed=args.seed,
        notes=NoteDecoderOptions(beat_threshold=args.beat_threshold),
    ).resolved()


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # SIGTERM stops like Ctrl-C: notes released, sinks closed


def run(args: argparse.Namespace) -> int:
    runner = LiveRunner.from_specs(
        source=parse_source(args.source),
        sinks=[parse_sink(s) for s in args.sink],
        model=args.model,
        options=options_from(args),
        runtime=runtime_options(args),
        rate=args.rate,
        seconds=args.seconds,
        realtime=getattr(args, "realtime", None),
        allow=args.allow,
    )
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        report = runner.run()
    finally:
        signal.signal(signal.SIGTERM, previous)
    if report.interrupted:
        _LOGGER.info("stopped; every sink closed")
    return 0
