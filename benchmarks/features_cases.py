"""Music features: one 3 s window, and the cost per hop when a live stream recomputes the
last 3 s window every hop.

The audio is a synthetic song (:func:`livedual.data.synth.make_song`), already at 22.05 kHz
as live input is after resampling, so the cases time the feature pipeline itself: STFT,
mel and MFCC, HPSS, chroma and the beat tracker.
"""

from __future__ import annotations

import itertools

import numpy as np

from livedual.const import SAMPLE_RATE, WINDOW_SAMPLES, WINDOW_SECONDS

from .fixtures import song_audio
from .harness import Case, Context, Prepared, Target

WINDOW_TARGET_MS = 30.0  # one 3 s window
HOP_SECONDS = 0.5  # a live stream's hop between recomputed windows


def _window_setup(ctx: Context) -> Prepared:
    from livedual.features import music_features

    audio = song_audio(ctx)
    start = len(audio) // 2
    window = audio[start : start + WINDOW_SAMPLES]
    return Prepared(
        lambda: music_features(window, sr=SAMPLE_RATE),
        audio_s=float(WINDOW_SECONDS),
        info={"window_s": WINDOW_SECONDS},
    )


def _hop_setup(ctx: Context) -> Prepared:
    """Each call computes the window that ends one hop later than the last (cycling through the song)."""
    from livedual.features import music_features

    audio = song_audio(ctx)
    hop = int(HOP_SECONDS * SAMPLE_RATE)
    starts = np.arange(0, len(audio) - WINDOW_SAMPLES + 1, hop)
    position = itertools.cycle(starts)

    def run() -> object:
        start = next(position)
        return music_features(audio[start : start + WINDOW_SAMPLES], sr=SAMPLE_RATE)

    info = {
        "hop_s": HOP_SECONDS,
        "window_s": WINDOW_SECONDS,
        "note": "x RT = hop / time per hop; 1 / x RT is the share of real time spent on features",
    }
    return Prepared(run, audio_s=HOP_SECONDS, info=info)


def cases() -> list[Case]:
    """The feature cases."""
    return [
        Case(
            "features.window",
            _window_setup,
            "features",
            "53 music features of one 3 s window (HPSS, beats)",
            Target("median_ms", "<=", WINDOW_TARGET_MS),
            requires=("librosa",),
        ),
        Case(
            "features.stream_hop",
            _hop_setup,
            "features",
            f"live stream: the last 3 s window recomputed every {HOP_SECONDS} s hop",
            requires=("librosa",),
        ),
    ]
