"""Music features of long songs: computed block by block, equal to one pass, bounded memory."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
import scipy.ndimage

from livedual import features as F
from livedual.const import BEAT, SAMPLE_RATE

ONE_PASS = 10**9  # a block size no song reaches: the whole song in one block
# Blocks change the order of nothing but the tempogram sum, so the features agree to
# float32 rounding (measured: bit for bit on every song tried).
RTOL, ATOL = 1e-6, 1e-5


def _one_pass(monkeypatch: pytest.MonkeyPatch, audio, **kwargs) -> F.MusicAnalysis:
    with monkeypatch.context() as patch:
        patch.setattr(F, "BLOCK_FRAMES", ONE_PASS)
        patch.setattr(F, "TEMPOGRAM_BLOCK", ONE_PASS)
        return F.analyse_music(audio, **kwargs)


def _assert_same(blocks: F.MusicAnalysis, whole: F.MusicAnalysis) -> None:
    continuous = [c for c in range(whole.features.shape[1]) if c != BEAT]
    np.testing.assert_allclose(
        blocks.features[:, continuous],
        whole.features[:, continuous],
        rtol=RTOL,
        atol=ATOL,
    )
    np.testing.assert_array_equal(blocks.features[:, BEAT], whole.features[:, BEAT])
    np.testing.assert_array_equal(blocks.beat_times, whole.beat_times)
    assert blocks.tempo == pytest.approx(whole.tempo, rel=1e-12)


def _clicks_and_chords(seconds: float, *, seed: int = 0) -> np.ndarray:
    """Clicks at 2 Hz over a changing chord and a little noise, float32 at 22.05 kHz."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    root = 220.0 * 2 ** (np.floor(t / 4) % 5 / 12)  # a new chord every 4 s
    y = 0.1 * sum(np.sin(2 * np.pi * root * r * t) for r in (1.0, 1.26, 1.5))
    y += 0.01 * rng.standard_normal(len(t))
    clicks = (np.arange(len(t)) % (SAMPLE_RATE // 2)) < 200
    y[clicks] += 0.5 * rng.standard_normal(int(clicks.sum()))
    return y.astype(np.float32)


def test_blocks_give_the_features_of_one_pass_on_a_real_song(dwm_root, monkeypatch):
    song = dwm_root / "DANCE_C_2" / "audio.mp3"
    blocks = F.analyse_music(song)
    assert len(blocks.features) > 2 * F.BLOCK_FRAMES  # several blocks and their seams
    _assert_same(blocks, _one_pass(monkeypatch, song))


def test_tiny_blocks_give_the_features_of_one_pass(kick_mp3, monkeypatch):
    whole = _one_pass(monkeypatch, kick_mp3)
    monkeypatch.setattr(F, "BLOCK_FRAMES", 7)  # smaller than the median's neighbours
    monkeypatch.setattr(F, "TEMPOGRAM_BLOCK", 50)
    _assert_same(F.analyse_music(kick_mp3), whole)


@pytest.mark.parametrize("seconds", [0.5, 12.0, 95.3])
def test_blocks_give_the_features_of_one_pass_without_data(seconds, monkeypatch):
    y = _clicks_and_chords(seconds)
    blocks = F.analyse_music(y, sr=SAMPLE_RATE)
    _assert_same(blocks, _one_pass(monkeypatch, y, sr=SAMPLE_RATE))
    if seconds > 10:
        assert blocks.tempo == pytest.approx(120.0, rel=0.05)  # the 2 Hz clicks


def _peak_bytes(y: np.ndarray) -> int:
    tracemalloc.start()
    try:
        F.analyse_music(y, sr=SAMPLE_RATE)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_grows_with_the_song_only_by_a_few_copies_of_it():
    F.analyse_music(_clicks_and_chords(1.0), sr=SAMPLE_RATE)  # caches and kernels
    short, long = _clicks_and_chords(20.0), _clicks_and_chords(140.0)
    growth = _peak_bytes(long) - _peak_bytes(short)
    # The signal, its padded copy and the onset spectrogram grow with the song (measured:
    # 1.8 times the float32 samples); one pass over the whole spectrogram grew 19 times.
    assert growth < 4 * (long.nbytes - short.nbytes)


@pytest.mark.parametrize("block", [1, 2, 3, 4, 6])
@pytest.mark.parametrize(
    ("rows", "cols", "width"),
    [(3, 5, 31), (40, 300, 15), (61, 9, 31), (17, 4, 1), (8, 3, 3)],
)
def test_running_median_of_float32_equals_scipy(
    block, rows, cols, width, monkeypatch, median_filter
):
    monkeypatch.setattr(F, "MEDIAN_BLOCK", block)
    x = np.abs(np.random.default_rng(rows).standard_normal((rows, cols)))
    x[::3] = np.round(x[::3])  # ties
    x = x.astype(np.float32)
    expected = scipy.ndimage.median_filter(x, size=(1, width), mode="reflect")
    np.testing.assert_array_equal(median_filter(x, width=width), expected)
