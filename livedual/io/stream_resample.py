"""Sample-rate conversion of a live audio stream, block by block, without seams.

Sound cards often run only at 44.1 or 48 kHz (and a JACK server at whatever rate it was
started with), while the music features need 22.05 kHz. :class:`StreamResampler` converts
any block sizes as they arrive: an 8th-order Butterworth low-pass (second-order sections
whose state carries over between blocks) removes what the output rate cannot hold, then
linear interpolation reads the filtered signal at the output instants. The low-pass keeps
the signal well below the output Nyquist frequency, so linear interpolation adds little
error there; the filter delays the signal by about 0.1 ms at 1 kHz.
"""

from __future__ import annotations

import numpy as np
from scipy import signal

from ..errors import ParameterError

CUTOFF_SHARE = 0.45  # low-pass corner, as a share of the lower of the two rates
FILTER_ORDER = 8


class StreamResampler:
    """Convert consecutive blocks of a mono stream from ``in_rate`` to ``out_rate`` Hz.

    Parameters
    ----------
    in_rate, out_rate : int > 0
        Sample rates in Hz; equal rates pass the blocks through unchanged.

    Notes
    -----
    After ``n`` input samples in total, ``floor(n * out_rate / in_rate)`` (give or take
    one) output samples have come out, whatever the block sizes were.
    """

    def __init__(self, *, in_rate: int, out_rate: int) -> None:
        if in_rate <= 0 or out_rate <= 0:
            raise ParameterError(
                f"sample rates must be positive, got {in_rate} and {out_rate} Hz."
            )
        self.in_rate, self.out_rate = int(in_rate), int(out_rate)
        self._step = self.in_rate / self.out_rate  # input samples per output sample
        cutoff = CUTOFF_SHARE * min(self.in_rate, self.out_rate)
        self._sos = signal.butter(FILTER_ORDER, cutoff, fs=self.in_rate, output="sos")
        self._state = np.zeros((len(self._sos), 2))
        # Position of the next output sample in input samples, counted from the first
        # sample of the next block (-0.3: between the previous block's last sample and it).
        self._next = 0.0
        self._last = 0.0  # the previous block's last filtered sample

    @property
    def passthrough(self) -> bool:
        """True when the rates are equal and blocks come out as they went in."""
        return self.in_rate == self.out_rate

    def process(self, block: np.ndarray) -> np.ndarray:
        """The output samples [shape=(m,), float32] for the next input block [shape=(n,)]."""
        block = np.asarray(block, dtype=np.float32).reshape(-1)
        if self.passthrough or len(block) == 0:
            return block
        filtered, self._state = signal.sosfilt(self._sos, block, zi=self._state)
        # history[j] sits at position j - 1: the previous block's last sample comes first.
        history = np.concatenate([[self._last], filtered])
        last = len(block) - 1  # the latest position that can be read
        count = max(int(np.floor((last - self._next) / self._step)) + 1, 0)
        positions = self._next + 1.0 + self._step * np.arange(count)  # into history
        index = np.minimum(positions.astype(np.int64), len(history) - 2)
        frac = positions - index
        out = history[index] * (1.0 - frac) + history[index + 1] * frac
        self._next += self._step * count - len(block)
        self._last = float(filtered[-1])
        return out.astype(np.float32)
