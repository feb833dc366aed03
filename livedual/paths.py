"""Where livedual finds things that are not part of the package: the real-data folder."""

from __future__ import annotations

import os
from pathlib import Path

DATA_ENV = "LIVEDUAL_DATA"


def data_root() -> Path | None:
    """The real-data folder: ``$LIVEDUAL_DATA``, else ``../shared/data`` if it exists.

    Returns ``None`` when neither exists; users of the project normally have no such folder.
    """
    env = os.environ.get(DATA_ENV)
    if env:
        path = Path(env).expanduser()
        return path if path.is_dir() else None
    here = Path(__file__).resolve().parent.parent
    fallback = here.parent / "shared" / "data"
    return fallback if fallback.is_dir() else None
