"""The synthetic corpus: rendered songs paired with procedural dances, generated on the fly.

License-free and deterministic for a seed. A song is music drawn and rendered by
:mod:`livedual.data.synth_music` and a dance that follows its ground truth
(:mod:`livedual.data.synth_dance`). Windows for training carry the music features computed
from the rendered audio by :func:`livedual.features.music_features`, the very function live
use runs, so training sees what the runtime will see.

Example::

    from livedual.data.synth import make_song, synthetic_windows
    audio, sr, pose, truth = make_song(7, duration_s=20.0, style="robot")
    train = synthetic_windows(n_songs=64, seed=0)
    test = synthetic_windows(n_songs=16, seed=1)
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..const import FPS, SAMPLE_RATE, WINDOW_FRAMES
from ..errors import ParameterError
from .synth_dance import STYLES, dance
from .synth_music import (
    SongSpec,
    SongTruth,
    draw_genre,
    draw_song_spec,
    render_song,
)
from .windows import WindowSet, cut_windows

_LOGGER = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_DURATION_S",
    "DEFAULT_STRIDE",
    "STYLES",
    "SynthSong",
    "iter_synthetic_songs",
    "iter_synthetic_windows",
    "make_song",
    "song_seed",
    "song_windows",
    "synthetic_windows",
]

DEFAULT_DURATION_S = 30.0  # ten 3 s windows
DEFAULT_STRIDE = FPS  # one window start per second
SEED_BITS = 31  # song seeds are drawn in 0 .. 2**31 - 1


@dataclass
class SynthSong:
    """One synthetic song and its dance.

    Unpacks like a tuple: ``audio, sr, pose, truth = make_song(seed)``.
    """

    seed: int
    style: str
    audio: np.ndarray
    """[shape=(T * 882,), float32] mono audio at ``sr`` Hz."""
    sr: int
    pose: np.ndarray
    """[shape=(T, 147), float32] root translation (metres) and 24 rotations in 6D, 25 fps."""
    truth: SongTruth
    """Beats, chords, sections and loudness the audio and the dance were made from."""
    spec: SongSpec

    @property
    def song_id(self) -> str:
        """Identifier of the song, e.g. ``synth-00000007-robot``."""
        return f"synth-{self.seed:08d}-{self.style}"

    def __iter__(self) -> Iterator[Any]:
        return iter((self.audio, self.sr, self.pose, self.truth))


def make_song(
    seed: int, *, duration_s: float = DEFAULT_DURATION_S, style: str | None = None
) -> SynthSong:
    """Render a synthetic song and dance to it.

    Parameters
    ----------
    seed : int
        Non-negative; the same arguments always give the same song and dance.
    duration_s : float
        Length in seconds (at least 3.5).
    style : str or None
        One of :data:`STYLES`; None draws one from the seed. The song is of the style's
        genre of music (:data:`livedual.data.synth_music.GENRES`).

    Returns
    -------
    song : SynthSong
        ``audio`` has exactly ``T * HOP_LENGTH`` samples for the ``T`` pose frames.
    """
    if seed < 0:
        raise ParameterError(f"seed must be a non-negative integer, not {seed}.")
    if style is None:
        style = draw_genre(seed)
    elif style not in STYLES:
        raise ParameterError(
            f"unknown dance style {style!r}; choose one of {', '.join(STYLES)}."
        )
    spec = draw_song_spec(seed, duration_s=duration_s, genre=style)
    audio, truth = render_song(spec)
    pose = dance(truth, style=style, seed=seed)
    return SynthSong(
        seed=seed,
        style=style,
        audio=audio,
        sr=SAMPLE_RATE,
        pose=pose,
        truth=truth,
        spec=spec,
    )


def song_seed(seed: int, index: int) -> int:
    """Seed of song ``index`` of the corpus drawn with ``seed`` (independent per index)."""
    if seed < 0 or index < 0:
        raise ParameterError(
            f"seed and index must be non-negative, not {seed} and {index}."
        )
    state = np.random.SeedSequence([seed, index]).generate_state(1)[0]
    return int(state) & ((1 << SEED_BITS) - 1)


def song_windows(song: SynthSong, *, stride: int = DEFAULT_STRIDE) -> WindowSet:
    """Cut a song into paired 3 s windows of music features and poses.

    Parameters
    ----------
    song : SynthSong
    stride : int
        Frames between window starts (> 0).

    Returns
    -------
    windows : WindowSet
        Genre = the dance style, sequence = :attr:`SynthSong.song_id`; empty when the song is
        shorter than a window.
    """
    from ..features import music_features  # librosa is slow to import; only here

    music = music_features(song.audio, sr=song.sr)  # (T, 53)
    frames = min(len(music), len(song.pose))
    starts = cut_windows(frames, stride=stride)
    index = starts[:, None] + np.arange(WINDOW_FRAMES)[None, :]  # (N, 75)
    labels = np.full(len(starts), song.style)
    return WindowSet(
        music=music[index],
        pose=song.pose[index],
        genre=labels,
        sequence=np.full(len(starts), song.song_id),
    )


def iter_synthetic_songs(
    *,
    seed: int = 0,
    duration_s: float = DEFAULT_DURATION_S,
    styles: Sequence[str] = STYLES,
) -> Iterator[SynthSong]:
    """An endless stream of songs: song ``i`` has seed ``song_seed(seed, i)`` and dances
    ``styles[i % len(styles)]``, so every style comes equally often.

    Parameters
    ----------
    seed : int
        Seed of the stream (non-negative).
    duration_s : float
        Length of every song in seconds.
    styles : sequence of str
        Styles to cycle through, each one of :data:`STYLES`.

    Yields
    ------
    song : SynthSong
    """
    styles = _check_styles(styles)
    index = 0
    while True:
        yield make_song(
            song_seed(seed, index),
            duration_s=duration_s,
            style=styles[index % len(styles)],
        )
        index += 1


def iter_synthetic_windows(
    *,
    seed: int = 0,
    duration_s: float = DEFAULT_DURATION_S,
    stride: int = DEFAULT_STRIDE,
    styles: Sequence[str] = STYLES,
) -> Iterator[WindowSet]:
    """An endless stream of training windows, one :class:`WindowSet` per song of
    :func:`iter_synthetic_songs` (about half a second of work per 30 s song, mostly features).

    Yields
    ------
    windows : WindowSet
    """
    for song in iter_synthetic_songs(seed=seed, duration_s=duration_s, styles=styles):
        yield song_windows(song, stride=stride)


def synthetic_windows(
    *,
    n_songs: int,
    seed: int = 0,
    duration_s: float = DEFAULT_DURATION_S,
    stride: int = DEFAULT_STRIDE,
    styles: Sequence[str] = STYLES,
) -> WindowSet:
    """The first ``n_songs`` songs of :func:`iter_synthetic_songs`, cut into windows.

    Parameters
    ----------
    n_songs : int
        Number of songs (> 0).
    seed : int
        Seed of the corpus; different seeds give independent songs.
    duration_s : float
        Length of every song in seconds (at least one 3 s window).
    stride : int
        Frames between window starts.
    styles : sequence of str
        Styles to cycle through.

    Returns
    -------
    windows : WindowSet
        Music (N, 75, 53) and pose (N, 75, 147) windows; genre = style, sequence = song id.
    """
    if n_songs <= 0:
        raise ParameterError(f"n_songs must be positive, not {n_songs}.")
    if duration_s * FPS < WINDOW_FRAMES:
        raise ParameterError(
            f"duration_s must hold one {WINDOW_FRAMES}-frame window, not {duration_s}."
        )
    stream = iter_synthetic_windows(
        seed=seed, duration_s=duration_s, stride=stride, styles=styles
    )
    parts = [next(stream) for _ in range(n_songs)]
    _LOGGER.info(
        "synthetic corpus: %s songs, %s windows", n_songs, sum(len(p) for p in parts)
    )
    return WindowSet.concatenate(parts)


def _check_styles(styles: Sequence[str]) -> tuple[str, ...]:
    """``styles`` as a non-empty tuple of known style names."""
    styles = tuple(styles)
    unknown = [s for s in styles if s not in STYLES]
    if not styles or unknown:
        raise ParameterError(
            f"styles must be a non-empty selection of {', '.join(STYLES)}, got {list(styles)}."
        )
    return styles
