"""Windows out of streams pushed in chunks of any size: the cut every live engine uses."""

from __future__ import annotations

import numpy as np
import pytest

from livedual.errors import ParameterError
from livedual.live.windowing import Windower


def push_in_chunks(
    windower: Windower, stream: np.ndarray, seed: int
) -> list[np.ndarray]:
    """Push ``stream`` in random chunk sizes (including empty ones); all windows out."""
    rng = np.random.default_rng(seed)
    windows, start = [], 0
    while start < len(stream):
        size = int(rng.integers(0, 40))
        windows += windower.push(stream[start : start + size])
        start += size
    return windows


@pytest.mark.parametrize("shape", [(), (3,)])
def test_windows_do_not_depend_on_chunk_sizes(shape):
    stream = np.arange(500 * int(np.prod(shape)), dtype=np.float32).reshape(500, *shape)
    one_piece = Windower(window=75, hop=20).push(stream)
    for seed in range(3):
        chunked = push_in_chunks(Windower(window=75, hop=20), stream, seed)
        assert len(chunked) == len(one_piece) == (500 - 75) // 20 + 1
        for a, b in zip(chunked, one_piece):
            np.testing.assert_array_equal(a, b)


def test_window_k_covers_the_items_its_end_names():
    windower = Windower(window=10, hop=4)
    windows = windower.push(np.arange(37))
    for k, window in enumerate(windows):
        end = windower.end(k)
        assert end == 4 * k + 10
        np.testing.assert_array_equal(window, np.arange(end - 10, end))
    assert windower.windows_emitted == len(windows) == 7


def test_prefill_gives_the_first_window_after_one_hop():
    windower = Windower(window=10, hop=3, prefill=True)
    assert windower.push(np.arange(1, 3)) == []  # two items: not a hop yet
    (first,) = windower.push(np.arange(3, 4))
    np.testing.assert_array_equal(first, [0] * 7 + [1, 2, 3])
    assert windower.start(0) == -7 and windower.end(0) == 3


def test_edge_padding_repeats_the_nearest_item():
    frames = np.array([[5.0, 6.0], [7.0, 8.0]])
    windower = Windower(window=4, hop=2, prefill=True, pad="edge")
    (window,) = windower.push(frames)
    np.testing.assert_array_equal(window, [[5, 6], [5, 6], [5, 6], [7, 8]])
    windower.push(np.array([[9.0, 10.0]]))
    (last,) = windower.flush()
    np.testing.assert_array_equal(last, [[5, 6], [7, 8], [9, 10], [9, 10]])


def test_flush_pads_the_last_window_once():
    windower = Windower(window=10, hop=10)
    assert len(windower.push(np.arange(1, 24))) == 2
    (last,) = windower.flush()
    np.testing.assert_array_equal(last, [21, 22, 23] + [0] * 7)
    assert windower.flush() == []
    assert windower.received == 23  # padding is not input


def test_flush_of_a_stream_shorter_than_a_window_and_of_nothing():
    short = Windower(window=10, hop=5)
    short.push(np.ones(4))
    (only,) = short.flush()
    np.testing.assert_array_equal(only, [1] * 4 + [0] * 6)
    assert Windower(window=10, hop=5).flush() == []
    exact = Windower(window=10, hop=5)
    assert len(exact.push(np.ones(15))) == 2
    assert exact.flush() == []  # every item already in a window


@pytest.mark.parametrize(
    "kwargs",
    [
        {"window": 10, "hop": 0},
        {"window": 10, "hop": 11},
        {"window": 10, "hop": 5, "pad": "mirror"},
    ],
)
def test_impossible_windows_are_refused(kwargs):
    with pytest.raises(ParameterError):
        Windower(**kwargs)


def test_items_of_another_shape_are_refused():
    windower = Windower(window=4, hop=2)
    windower.push(np.zeros((3, 2)))
    with pytest.raises(ParameterError, match="shape"):
        windower.push(np.zeros((3, 5)))
