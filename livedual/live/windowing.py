"""Fixed windows with a fixed hop out of a stream pushed in chunks of any size.

:class:`Windower` is the one place where live input is cut into generation windows: audio
samples for music -> dance, 25 fps pose frames for dance -> music. Window ``k`` covers the
input items ``[end(k) - window, end(k))`` with ``end(k) = k * hop + window - prefill``: the
same windows whatever the chunk sizes, so a file pushed in device blocks and the same file
pushed in one piece give identical windows.
"""

from __future__ import annotations

import numpy as np

from ..errors import ParameterError

PAD_MODES = ("zeros", "edge")


class Windower:
    """Accumulates a stream and hands out every complete window.

    Parameters
    ----------
    window : int
        Items (samples or frames) per window.
    hop : int
        Items between the starts of consecutive windows, ``1 <= hop <= window``.
    prefill : bool
        False: the first window is the first ``window`` items. True: the stream is
        preceded by ``window - hop`` padding items, so the first window completes after
        ``hop`` items (a low-latency start).
    pad : {"zeros", "edge"}
        Padding items (the prefill, and the end of the last window at :meth:`flush`):
        zeros (silence, for audio) or copies of the nearest real item (poses).

    Notes
    -----
    Items are numbered from 0 at the first item pushed; padding before it has negative
    numbers. :meth:`end` gives the number just past the last item of window ``k``.
    """

    def __init__(
        self, *, window: int, hop: int, prefill: bool = False, pad: str = "zeros"
    ) -> None:
        if not 1 <= hop <= window:
            raise ParameterError(
                f"a window hop must be in 1..{window} items, got {hop}."
            )
        if pad not in PAD_MODES:
            raise ParameterError(f"pad must be one of {PAD_MODES}, got {pad!r}.")
        self.window = int(window)
        self.hop = int(hop)
        self.pad = pad
        self.prefill = self.window - self.hop if prefill else 0
        self.windows_emitted = 0
        self.received = 0  # items pushed, padding excluded
        self._buffer: np.ndarray | None = (
            None  # items not yet behind every future window
        )

    def end(self, k: int) -> int:
        """Number just past the last item of window ``k`` (items numbered from 0)."""
        return k * self.hop + self.window - self.prefill

    def start(self, k: int) -> int:
        """Number of the first item of window ``k`` (negative inside the padding)."""
        return self.end(k) - self.window

    def push(self, chunk: np.ndarray) -> list[np.ndarray]:
        """Append items and return the windows they complete, oldest first.

        Parameters
        ----------
        chunk : np.ndarray [shape=(n,) or (n, D)]
            The next ``n`` items (n may be 0); every chunk has the shape of the first.

        Returns
        -------
        windows : list of np.ndarray [shape=(window,) or (window, D)]
            Copies, numbered ``windows_emitted`` before the call and on.
        """
        chunk = np.asarray(chunk)
        if self._buffer is not None and chunk.shape[1:] != self._buffer.shape[1:]:
            raise ParameterError(
                f"chunks must all have items of shape {self._buffer.shape[1:]}, got "
                f"{chunk.shape[1:]}."
            )
        if len(chunk) == 0:
            return []
        if self._buffer is None:
            self._buffer = self._initial(chunk)
        self._buffer = np.concatenate([self._buffer, chunk.astype(self._buffer.dtype)])
        self.received += len(chunk)
        return self._cut()

    def flush(self) -> list[np.ndarray]:
        """At the end of the stream: the last window, padded, if items are left over.

        Returns [] when every item already lies in an emitted window.
        """
        if self._buffer is None or self.received == 0:
            return []
        if self.windows_emitted and self.received <= self.end(self.windows_emitted - 1):
            return []
        missing = self.end(self.windows_emitted) - self.received
        pad = self._padding(self._buffer[-1:], missing)
        self._buffer = np.concatenate([self._buffer, pad])
        self.received += missing
        windows = self._cut()
        self.received -= missing  # padding is not input
        return windows

    def _initial(self, chunk: np.ndarray) -> np.ndarray:
        """The empty buffer, with the start padding when there is one."""
        empty = np.zeros((0, *chunk.shape[1:]), dtype=np.result_type(chunk, np.float32))
        if self.prefill == 0:
            return empty
        return self._padding(chunk[:1].astype(empty.dtype), self.prefill)

    def _padding(self, item: np.ndarray, n: int) -> np.ndarray:
        """``n`` padding items: zeros, or copies of ``item`` (shape (1, ...))."""
        if self.pad == "edge" and len(item) > 0:
            return np.repeat(item, n, axis=0)
        return np.zeros((n, *item.shape[1:]), dtype=item.dtype)

    def _cut(self) -> list[np.ndarray]:
        """Every complete window of the buffer; drop items no later window needs."""
        buffer = self._buffer if self._buffer is not None else np.zeros(0)
        windows = []
        # The buffer's first item has number ``start(windows_emitted)``.
        while len(buffer) >= self.window:
            windows.append(buffer[: self.window].copy())
            buffer = buffer[self.hop :]
            self.windows_emitted += 1
        self._buffer = buffer
        return windows
