"""``livedual render``: a skeleton video of a motion file, with its music."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from ..const import FPS
from ..data.formats import MOTION_SUFFIXES, read_motion
from ..errors import ParameterError
from ..render import VIDEO_SIZE, render_motion_video, render_side_by_side
from . import add_common, formatter

_LOGGER = logging.getLogger(__name__)


def _size(text: str) -> tuple[int, int]:
    """``WIDTHxHEIGHT`` as two ints."""
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"size must look like 640x480, got {text!r}"
        ) from None
    return width, height


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``render`` subcommand."""
    parser = subparsers.add_parser(
        "render",
        help="render a motion file as a skeleton video (MP4 or GIF)",
        description=(
            "Render a motion file ("
            + ", ".join(MOTION_SUFFIXES)
            + ") as a skeleton video: "
            "MP4 with the music muxed in, or an animated GIF for a .gif output."
        ),
        formatter_class=formatter,
    )
    # fmt: off
    parser.add_argument("motion", type=Path, help="motion file: .npz, .pkl (AIST++) or .bvh")
    parser.add_argument("-o", "--output-file", "--output_file", dest="output_file", type=Path, default=None,
                        help="video to write, .mp4 or .gif (default: the motion file with .mp4)")
    parser.add_argument("--music", type=Path, default=None, help="song to mux in, starting with the first frame")
    parser.add_argument("--compare", type=Path, default=None,
                        help="a second motion file drawn beside the first (e.g. original vs generated)")
    parser.add_argument("--fps", type=float, default=FPS, help="video frame rate; the motion is resampled to it")
    parser.add_argument("--title", default=None, help="text on every frame (default: the file name)")
    parser.add_argument("--size", type=_size, default=None,
                        help=f"WIDTHxHEIGHT in pixels (default {VIDEO_SIZE[0]}x{VIDEO_SIZE[1]}, twice as wide with --compare)")
    # fmt: on
    add_common(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Read the motion file(s) and write the video."""
    _LOGGER.debug(args)
    if not args.fps > 0:
        raise ParameterError(f"--fps must be positive, got {args.fps}")
    out = args.output_file or args.motion.with_suffix(".mp4")
    pose, fps = read_motion(args.motion, fps=args.fps)
    title = args.title or args.motion.name
    if args.compare is None:
        size = args.size or VIDEO_SIZE
        written = render_motion_video(
            pose, out, fps=fps, audio=args.music, title=title, size=size
        )
    else:
        other, _ = read_motion(args.compare, fps=args.fps)
        size = args.size or (2 * VIDEO_SIZE[0], VIDEO_SIZE[1])
        titles = (title, args.compare.name)
        written = render_side_by_side(
            pose, other, out, fps=fps, audio=args.music, titles=titles, size=size
        )
    _LOGGER.info("wrote %s (%d frames, %.1f s)", written, len(pose), len(pose) / fps)
    return 0
