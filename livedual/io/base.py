"""Template bases of the live adapters: sources are read, pose sinks are sent to.

Like mido's ports: the public method checks state and arguments once, then calls the
underscore method a subclass overrides. Every adapter is a context manager, and closing
twice is harmless.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generic, TypeVar

import numpy as np

from ..errors import DeviceError

if TYPE_CHECKING:  # annotations only: typing.Self needs Python 3.11
    from typing_extensions import Self

T = TypeVar("T")


class Source(Generic[T]):
    """Something live input comes from. Subclasses override ``_start``, ``_read``, ``_close``.

    ``with source:`` starts it and closes it on the way out.
    """

    def __init__(self) -> None:
        self.started = False
        self.closed = False

    def _start(self) -> None:
        """Open the device or thread."""

    def _read(self, *args: Any, **kwargs: Any) -> T:
        raise NotImplementedError

    def _close(self) -> None:
        """Stop producing and release the device or thread."""

    def start(self) -> Self:
        """Start producing input (idempotent)."""
        if self.closed:
            raise DeviceError(f"{self!r} is closed; create a new source.")
        if not self.started:
            self._start()
            self.started = True
        return self

    def read(self, *args: Any, **kwargs: Any) -> T:
        """The next input; starts the source on first use. See the subclass for arguments."""
        if self.closed:
            raise DeviceError(f"{self!r} is closed; create a new source.")
        if not self.started:
            self.start()
        return self._read(*args, **kwargs)

    def close(self) -> None:
        """Stop and release the source."""
        if not self.closed:
            self.closed = True
            self._close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self.closed else ("started" if self.started else "new")
        return f"<{state} {type(self).__name__}>"


class PoseSink:
    """Where pose frames go. Subclasses override ``_send`` and ``_close``."""

    def __init__(self) -> None:
        self.closed = False
        self.frames_sent = 0

    def _send(
        self, frame_index: int, time_s: float, pose: np.ndarray, *, beat: float | None
    ) -> None:
        raise NotImplementedError

    def _close(self) -> None:
        """Release the socket or file."""

    def send(
        self,
        frame_index: int,
        time_s: float,
        pose: np.ndarray,
        *,
        beat: float | None = None,
    ) -> None:
        """Send one pose frame.

        Parameters
        ----------
        frame_index : int
            Output frame counter.
        time_s : float
            Stream time of the frame, seconds.
        pose : np.ndarray [shape=(147,)]
        beat : float or None
            Beat strength 0..1 of the frame, for formats that carry it.
        """
        if self.closed:
            raise DeviceError(f"{self!r} is closed; open a new sink.")
        self._send(frame_index, time_s, pose, beat=beat)
        self.frames_sent += 1

    def close(self) -> None:
        """Close the sink (idempotent)."""
        if not self.closed:
            self.closed = True
            self._close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{'closed' if self.closed else 'open'} {type(self).__name__}>"
