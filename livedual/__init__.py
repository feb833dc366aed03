"""livedual: music to dance and dance to music, live.

The runtime package. It never imports torch: training lives in ``livedual.train`` and
export in ``livedual.export`` (the repository's ``train/`` and ``export/`` folders).
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("livedual")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+source"

from .errors import LiveDualError, ParameterError  # noqa: E402

__all__ = ["__version__", "LiveDualError", "ParameterError"]
