"""Offline ``livedual dance`` end to end: load the model, compute the features of the whole
song, generate chained windows, write every dance file, and (in one case) the video; and
the features alone.

The song is synthetic, written as a WAV to the scratch folder, so decoding it is timed
too. The model is the shipped starter model when there is one, else an untrained small
G_M→D exported for the run (speed does not depend on the weights).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from livedual.const import FPS

from .fixtures import onnx_model
from .generator_cases import EXPORT
from .harness import Case, Context, Prepared, Target

REALTIME_TARGET = 100.0  # seconds of music per second of work, without the video
SONG_SECONDS = 600.0  # a 10-minute song
VIDEO_SONG_SECONDS = 60.0  # rendering is linear in length: one minute gives its rate
QUICK_SONG_SECONDS = 20.0
SONG_SEED = 5
WARMUP = 1  # untimed calls first (imports, the numba cache, ffmpeg)


def _song(ctx: Context, seconds: float) -> Path:
    """A synthetic song of ``seconds`` as a WAV in the scratch folder, made once per run."""

    def make() -> Path:
        from livedual.audio import write_wav
        from livedual.data.synth import make_song

        song = make_song(SONG_SEED, duration_s=seconds)
        return write_wav(
            ctx.workdir / f"song_{seconds:.0f}s.wav", song.audio, sr=song.sr
        )

    return ctx.cached(f"wav:{seconds}", make)


def _model(ctx: Context) -> tuple[Path, str]:
    """The starter model if shipped, else an exported small (tiny with --quick) model."""
    from livedual.card import MUSIC_TO_DANCE
    from livedual.offline import STARTER_MODELS

    starter = STARTER_MODELS[MUSIC_TO_DANCE]
    if starter.is_file() and not ctx.quick:
        return starter, "starter"
    preset_name = "tiny" if ctx.quick else "small"
    return onnx_model(ctx, preset_name), f"untrained {preset_name}"


def _features_setup(ctx: Context) -> Prepared:
    """The first step of ``livedual dance`` alone: features, beats and tempo of the song."""
    from livedual.features import analyse_music

    seconds = QUICK_SONG_SECONDS if ctx.quick else SONG_SECONDS
    song = _song(ctx, seconds)
    return Prepared(
        lambda: analyse_music(song), audio_s=seconds, info={"song_s": seconds}
    )


def _dance_setup(*, video: bool) -> Any:
    def setup(ctx: Context) -> Prepared:
        from livedual.card import MUSIC_TO_DANCE
        from livedual.offline import dance_song, load_model

        seconds = (
            QUICK_SONG_SECONDS
            if ctx.quick
            else (VIDEO_SONG_SECONDS if video else SONG_SECONDS)
        )
        song = _song(ctx, seconds)
        model, model_name = _model(ctx)
        out_dir = ctx.workdir / ("dance_video" if video else "dance")
        steps: list[dict[str, float]] = []

        def run() -> object:
            generator = load_model(MUSIC_TO_DANCE, model)
            result = dance_song(song, out_dir=out_dir, generator=generator, video=video)
            steps.append(dict(result.timings.steps))
            return result

        def summarise() -> dict[str, Any]:
            timed = steps[WARMUP:]
            names = timed[0].keys() if timed else ()
            return {
                "step_median_s": {
                    name: float(np.median([s[name] for s in timed])) for name in names
                }
            }

        info = {
            "song_s": seconds,
            "frames": int(seconds * FPS),
            "model": model_name,
            "video": video,
        }
        return Prepared(run, audio_s=seconds, info=info, summarise=summarise)

    return setup


def cases() -> list[Case]:
    """The offline cases."""
    return [
        Case(
            "offline.features",
            _features_setup,
            "offline",
            f"music features of a {SONG_SECONDS / 60:.0f}-minute song from its WAV, block by block (20 s with --quick)",
            repeat=3,
            warmup=WARMUP,
            requires=("librosa",),
        ),
        Case(
            "offline.dance",
            _dance_setup(video=False),
            "offline",
            f"livedual dance end to end on a {SONG_SECONDS / 60:.0f}-minute song, no video (20 s with --quick)",
            Target("realtime", ">=", REALTIME_TARGET),
            repeat=3,
            warmup=WARMUP,
            requires=EXPORT,
        ),
        Case(
            "offline.dance_video",
            _dance_setup(video=True),
            "offline",
            f"livedual dance with the MP4, on a {VIDEO_SONG_SECONDS:.0f} s song (x RT is per second of music)",
            repeat=3,
            warmup=WARMUP,
            requires=EXPORT,
        ),
    ]
