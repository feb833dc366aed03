"""One exception family for everything livedual reports to its users.

Messages are plain sentences that name the file or value at fault and, where there is one,
what to do about it. Callers catch :class:`LiveDualError`; the CLI prints its message
without a traceback.
"""


class LiveDualError(Exception):
    """Base class of every error livedual raises on purpose."""


class ParameterError(LiveDualError, ValueError):
    """A value given to a function or command is out of range or of the wrong kind."""


class AudioError(LiveDualError):
    """Audio could not be read or holds nothing usable (missing, empty, silent, not audio)."""


class DataError(LiveDualError):
    """A dataset file is missing, malformed, or inconsistent with its companions."""


class ModelCardError(LiveDualError):
    """A model card is malformed, or disagrees with its ONNX graph."""


class ModelError(LiveDualError):
    """A model file cannot be loaded or run."""


class DeviceError(LiveDualError):
    """An audio or MIDI device is missing, busy or lost."""


class MissingExtraError(LiveDualError, ImportError):
    """An optional dependency is not installed; the message names the extra to install."""

    def __init__(self, module: str, extra: str) -> None:
        super().__init__(
            f"This needs the Python package '{module}', which is not installed. "
            f"Install it with: pip install 'livedual[{extra}]'"
        )
        self.module = module
        self.extra = extra
