"""``livedual features AUDIO --out FILE.npz``: the music features of an audio file."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import numpy as np

from ..atomic import atomic_write
from ..const import FPS, SAMPLE_RATE
from ..errors import ParameterError
from . import add_common, formatter

_LOGGER = logging.getLogger(__name__)

SUFFIXES = (".npz", ".npy")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``features`` subcommand."""
    parser = subparsers.add_parser(
        "features",
        help="compute the music features of an audio file",
        description=(
            "Compute the 53 music features per 25 fps frame (20 MFCC, 20 deltas, "
            "12 chroma, 1 beat flag) of an audio file. A .npz file holds "
            "'features' (T, 53), 'beat_times' (seconds), 'tempo' (BPM), 'fps', "
            "'sample_rate' and 'feature_names'; a .npy file holds the features only."
        ),
        formatter_class=formatter,
    )
    parser.add_argument(
        "audio", type=Path, help="audio file (wav, mp3, flac, ogg, m4a...)"
    )
    parser.add_argument(
        "-o",
        "--out",
        "--output-file",
        "--output_file",
        dest="out",
        metavar="FILE",
        type=Path,
        required=True,
        default=argparse.SUPPRESS,
        help="output file, .npz or .npy",
    )
    add_common(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Compute the features of ``args.audio`` and write them to ``args.out``."""
    # Imported here: librosa and numba load only when this command runs.
    from ..features import analyse_music, feature_names

    out: Path = args.out
    if out.suffix.lower() not in SUFFIXES:
        raise ParameterError(f"--out {out} must end in .npz or .npy.")
    analysis = analyse_music(args.audio)
    with atomic_write(out) as handle:
        if out.suffix.lower() == ".npy":
            np.save(handle, analysis.features)
        else:
            np.savez(
                handle,
                features=analysis.features,
                beat_times=analysis.beat_times,
                tempo=np.float64(analysis.tempo),
                fps=np.int64(FPS),
                sample_rate=np.int64(SAMPLE_RATE),
                feature_names=np.array(feature_names()),
            )
    _LOGGER.info(
        "%s: %.2f s, features %s, tempo %.1f BPM, %d beats -> %s",
        args.audio,
        analysis.duration,
        analysis.features.shape,
        analysis.tempo,
        len(analysis.beat_times),
        out,
    )
    return 0
