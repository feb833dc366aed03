"""The datasets ``livedual prepare`` knows, as (list items, load one item) pairs.

Loaders are module-level functions (or partials of them) so that worker processes can
run them.
"""

from __future__ import annotations

import functools
from pathlib import Path

from ..errors import ParameterError
from .prepare import Loader, PairedSequence

DATASETS = ("aistpp", "dwm", "synthetic")


def load_aist_sequence(item: str, *, music_dir: str) -> PairedSequence:
    """One AIST++ motion paired with its AIST music."""
    from .aistpp import genre_from_motion, load_aist_pair

    music, pose = load_aist_pair(item, music_dir=music_dir)
    return PairedSequence(
        name=Path(item).stem,
        genre=genre_from_motion(Path(item).stem),
        music=music,
        pose=pose,
    )


def load_synthetic_sequence(item: str, *, duration_s: float) -> PairedSequence:
    """Synthetic song ``synth-<seed>``: rendered music and its procedural dance."""
    from ..features import music_features
    from .synth import make_song

    song = make_song(int(item.split("-")[1]), duration_s=duration_s)
    music = music_features(song.audio, sr=song.sr)
    n = min(len(music), len(song.pose))
    return PairedSequence(
        name=song.song_id, genre=song.style, music=music[:n], pose=song.pose[:n]
    )


def dataset_items(
    name: str,
    *,
    root: Path | None,
    music_dir: Path | None = None,
    split: str | None = None,
    songs: int = 0,
    seed: int = 0,
    duration_s: float = 30.0,
) -> tuple[list[str], Loader]:
    """The items of dataset ``name`` and the function that loads one.

    Parameters
    ----------
    name : {'aistpp', 'dwm', 'synthetic'}
    root : Path or None
        Dataset folder (AIST++ annotations, or the Dance-with-Melody root).
    music_dir : Path, optional
        AIST music folder; default ``<root>/music``.
    split : str, optional
        AIST++ official split (``train``, ``val``, ``test``) or a list file.
    songs, seed, duration_s :
        Size, seed and song length of the synthetic corpus.
    """
    if name == "synthetic":
        from .synth import song_seed

        if songs <= 0:
            raise ParameterError("the synthetic corpus needs --songs N with N > 0.")
        items = [f"synth-{song_seed(seed, i)}" for i in range(songs)]
        return items, functools.partial(load_synthetic_sequence, duration_s=duration_s)
    if root is None:
        raise ParameterError(
            f"dataset {name!r} needs --root, the folder that holds it."
        )
    if name == "aistpp":
        from .aistpp import list_aist_motions

        items = [str(p) for p in list_aist_motions(root, split=split)]
        return items, functools.partial(
            load_aist_sequence, music_dir=str(music_dir or root / "music")
        )
    if name == "dwm":
        from .dwm import list_dwm_sequences, load_dwm_sequence

        return list_dwm_sequences(root), load_dwm_sequence
    raise ParameterError(
        f"unknown dataset {name!r}; choose one of {', '.join(DATASETS)}."
    )
