"""``--source`` and ``--sink`` of ``livedual live``: parsing and checking their URIs.

Sources::

    mic                     the default audio input
    mic:DEVICE              an input by index or name fragment (``python -m sounddevice``)
    FILE                    an audio file played as live input (--realtime or --fast)
    osc://HOST:PORT?format=native|flat|vmc
                            motion capture over OSC (every format is accepted on the
                            port; ``format`` only names what the sender is expected to use)

Sinks::

    osc://HOST:PORT?format=native|flat|vmc
                            poses over OSC (port: 9000, 39539 for VMC)
    midi                    notes to the virtual MIDI port "livedual"
    midi:PORT               notes to the MIDI port of that name
    record:FILE.npz         the poses sent, as a livedual motion file (music sources)
    record:FILE.mid         the notes sent, as a MIDI file (motion capture sources)

A music source (mic, audio file) drives music -> dance and pose sinks (osc, record:.npz);
a motion-capture source drives dance -> music and note sinks (midi, record:.mid).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from ..card import DANCE_TO_MUSIC, MUSIC_TO_DANCE
from ..errors import ParameterError
from ..io.osc_formats import DEFAULT_HOST, FORMATS
from ..io.osc_sink import default_port
from ..io.osc_source import MOCAP_PORT

MIC, FILE, OSC = "mic", "file", "osc"
MIDI, RECORD = "midi", "record"
POSE_RECORD_SUFFIX = ".npz"
MIDI_RECORD_SUFFIXES = (".mid", ".midi")
_OSC_SCHEME = "osc://"


@dataclass(frozen=True)
class SourceSpec:
    """A parsed ``--source``."""

    kind: str
    """``mic``, ``file`` or ``osc``."""
    device: int | str | None = None
    """Microphone: index, name fragment, or None for the default input."""
    path: Path | None = None
    """Audio file."""
    host: str = DEFAULT_HOST
    port: int = MOCAP_PORT
    format: str | None = None
    """Expected OSC format (informative: the source decodes every format)."""

    @property
    def task(self) -> str:
        """The generator this source drives."""
        return DANCE_TO_MUSIC if self.kind == OSC else MUSIC_TO_DANCE

    def __str__(self) -> str:
        if self.kind == MIC:
            return "mic" if self.device is None else f"mic:{self.device}"
        if self.kind == FILE:
            return str(self.path)
        return f"osc://{self.host}:{self.port}"


@dataclass(frozen=True)
class SinkSpec:
    """A parsed ``--sink``."""

    kind: str
    """``osc``, ``midi`` or ``record``."""
    host: str = DEFAULT_HOST
    port: int | None = None
    format: str = "native"
    midi_port: str | None = None
    """MIDI port name, None for the virtual port ``livedual``."""
    path: Path | None = None
    """Recording file."""

    @property
    def task(self) -> str:
        """The generator whose output this sink takes."""
        if self.kind == OSC or (
            self.kind == RECORD
            and self.path is not None
            and self.path.suffix.lower() == POSE_RECORD_SUFFIX
        ):
            return MUSIC_TO_DANCE
        return DANCE_TO_MUSIC

    def __str__(self) -> str:
        if self.kind == OSC:
            return f"osc://{self.host}:{self.port}?format={self.format}"
        if self.kind == MIDI:
            return "midi" if self.midi_port is None else f"midi:{self.midi_port}"
        return f"record:{self.path}"


def _osc_address(uri: str, *, what: str) -> tuple[str, int | None, str | None]:
    """Host, port (or None) and ``format`` query value of an ``osc://`` URI."""
    parts = urlsplit(uri)
    try:
        port = parts.port
    except ValueError:
        raise ParameterError(
            f"{what} {uri!r} has an invalid port; ports are 1..65535."
        ) from None
    host = parts.hostname or DEFAULT_HOST
    query = parse_qs(parts.query, keep_blank_values=True)
    unknown = sorted(set(query) - {"format"})
    if unknown or parts.path not in ("", "/"):
        raise ParameterError(
            f"{what} {uri!r}: only osc://HOST:PORT?format=... is understood "
            f"(unexpected {unknown or parts.path})."
        )
    formats = query.get("format", [])
    if len(formats) > 1 or (formats and formats[0] not in FORMATS):
        raise ParameterError(
            f"{what} {uri!r}: format must be one of {', '.join(FORMATS)}."
        )
    if port is not None and not 0 < port < 65536:
        raise ParameterError(f"{what} {uri!r}: ports are 1..65535.")
    return host, port, (formats[0] if formats else None)


def parse_source(text: str) -> SourceSpec:
    """A ``--source`` value as a :class:`SourceSpec` (see the module docstring).

    Raises
    ------
    ParameterError
        The URI is malformed, or the file does not exist.
    """
    text = text.strip()
    if text == MIC or text.startswith(MIC + ":"):
        device = text[len(MIC) + 1 :] or None
        return SourceSpec(
            MIC, device=int(device) if device and device.isdigit() else device
        )
    if text.startswith(_OSC_SCHEME):
        host, port, fmt = _osc_address(text, what="the source")
        return SourceSpec(
            OSC, host=host, port=MOCAP_PORT if port is None else port, format=fmt
        )
    if "://" in text:
        raise ParameterError(
            f"unknown source {text!r}: use mic[:DEVICE], an audio file, or "
            "osc://HOST:PORT?format=native|vmc."
        )
    path = Path(text).expanduser()
    if not path.is_file():
        raise ParameterError(
            f"the source {text!r} is neither 'mic', an osc:// address nor an existing file."
        )
    return SourceSpec(FILE, path=path)


def parse_sink(text: str) -> SinkSpec:
    """A ``--sink`` value as a :class:`SinkSpec` (see the module docstring).

    Raises
    ------
    ParameterError
        The URI is malformed or names an unknown kind of sink.
    """
    text = text.strip()
    if text.startswith(_OSC_SCHEME):
        host, port, fmt = _osc_address(text, what="the sink")
        fmt = fmt or "native"
        return SinkSpec(
            OSC, host=host, port=default_port(fmt) if port is None else port, format=fmt
        )
    if text == MIDI or text.startswith(MIDI + ":"):
        return SinkSpec(MIDI, midi_port=text[len(MIDI) + 1 :] or None)
    if text.startswith(RECORD + ":"):
        path = Path(text[len(RECORD) + 1 :]).expanduser()
        suffix = path.suffix.lower()
        if not path.name or suffix not in (POSE_RECORD_SUFFIX, *MIDI_RECORD_SUFFIXES):
            raise ParameterError(
                f"record:{path} must name a .npz file (poses) or a .mid file (notes)."
            )
        return SinkSpec(RECORD, path=path)
    raise ParameterError(
        f"unknown sink {text!r}: use osc://HOST:PORT?format=native|flat|vmc, "
        "midi[:PORT] or record:FILE (.npz or .mid)."
    )


def check_combination(source: SourceSpec, sinks: list[SinkSpec]) -> str:
    """The task a source and its sinks make, or ParameterError saying what cannot work.

    Returns
    -------
    task : str
        ``music2dance`` or ``dance2music``.
    """
    if not sinks:
        raise ParameterError(
            "give at least one --sink: osc://HOST:PORT, midi[:PORT] or record:FILE."
        )
    task = source.task
    wrong = [str(s) for s in sinks if s.task != task]
    if wrong and task == MUSIC_TO_DANCE:
        raise ParameterError(
            f"a music source ({source}) makes poses, which go to osc:// sinks or "
            f"record:FILE.npz; these sinks take notes: {', '.join(wrong)}. Notes come "
            "from a motion-capture source (--source osc://127.0.0.1:39539)."
        )
    if wrong:
        raise ParameterError(
            f"a motion-capture source ({source}) makes notes, which go to midi[:PORT] "
            f"or record:FILE.mid; these sinks take poses: {', '.join(wrong)}. Poses come "
            "from a music source (--source mic or an audio file)."
        )
    return task
