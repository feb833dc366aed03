"""Read dataset pickles without running code from them.

A pickle may name any importable callable (``os.system`` included) and have it called
while loading. :class:`RestrictedUnpickler` only resolves the globals that rebuild numpy
arrays, dtypes and scalars and plain Python containers, which is all that dataset
annotation files (AIST++) hold; anything else is refused before it is imported.
"""

from __future__ import annotations

import logging
import pickle
from pathlib import Path
from typing import Any, BinaryIO

from ..errors import DataError

_LOGGER = logging.getLogger(__name__)

# (module, name) pairs a pickle may refer to. numpy moved its core to ``numpy._core`` in
# 2.0; files written by either version name one or the other.
_NUMPY_CORE = ("numpy.core", "numpy._core")
ALLOWED_GLOBALS: frozenset[tuple[str, str]] = frozenset(
    [(f"{core}.multiarray", "_reconstruct") for core in _NUMPY_CORE]
    + [(f"{core}.multiarray", "scalar") for core in _NUMPY_CORE]
    + [(f"{core}.numeric", "_frombuffer") for core in _NUMPY_CORE]
    + [("numpy", "ndarray"), ("numpy", "dtype")]
    + [
        ("numpy.dtypes", name)
        for name in (
            "Float32DType",
            "Float64DType",
            "Int32DType",
            "Int64DType",
            "BoolDType",
        )
    ]
    + [
        ("builtins", name)
        for name in (
            "dict",
            "list",
            "tuple",
            "set",
            "frozenset",
            "str",
            "bytes",
            "bytearray",
            "int",
            "float",
            "complex",
            "bool",
        )
    ]
    + [("collections", "OrderedDict")]
    # Python 2 era numpy pickles store array bytes as latin-1 text decoded by this call.
    + [("_codecs", "encode")]
)


class RestrictedUnpickler(pickle.Unpickler):
    """An unpickler that resolves only :data:`ALLOWED_GLOBALS`."""

    def __init__(self, file: BinaryIO, *, source: str = "<stream>") -> None:
        super().__init__(file)
        self._source = source

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in ALLOWED_GLOBALS:
            raise DataError(
                f"{self._source} refers to the Python global '{module}.{name}', which "
                "is not allowed in a dataset pickle (only numpy arrays and plain "
                "containers are). The file is not a dataset annotation file, or it has "
                "been tampered with."
            )
        return super().find_class(module, name)


def load_safe_pickle(path: str | Path) -> Any:
    """Load a pickle that may hold only numpy arrays and scalars and plain containers.

    Parameters
    ----------
    path : str or Path
        The pickle file.

    Returns
    -------
    obj : Any
        The unpickled object (typically a dict of numpy arrays).

    Raises
    ------
    DataError
        When the file is missing or unreadable, is not a pickle, or refers to a global
        outside the allow-list (the message names the file and the global).
    """
    path = Path(path)
    _LOGGER.debug("loading pickle %s", path)
    try:
        with path.open("rb") as f:
            return RestrictedUnpickler(f, source=str(path)).load()
    except FileNotFoundError:
        raise DataError(f"the file {path} does not exist.") from None
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc}") from None
    except (
        pickle.UnpicklingError,
        EOFError,
        ValueError,
        TypeError,
        AttributeError,
    ) as exc:
        raise DataError(f"{path} is not a readable pickle: {exc}") from None
