"""Audio in and out: decode files to mono float32, validate buffers, write WAV files.

Everything that reaches the feature code passes through :func:`load_audio` (files) or
:func:`check_audio` (numpy buffers), so a missing, empty, silent, corrupt or non-audio
input fails here with one :class:`~livedual.errors.AudioError` naming the file and the
reason, never deep inside a decoder or librosa.
"""

from __future__ import annotations

import logging
import os
import subprocess
from pathlib import Path

import librosa
import numpy as np
import soundfile as sf

from .atomic import atomic_write
from .const import SAMPLE_RATE
from .errors import AudioError, ParameterError

_LOGGER = logging.getLogger(__name__)

# A signal whose peak stays below -80 dBFS holds nothing to dance to: it is "silent".
SILENCE_PEAK = 1e-4
RESAMPLER = "soxr_hq"  # librosa's default resampler: fast and transparent for features
WAV_SUBTYPE = "FLOAT"  # 32-bit float WAV stores float32 samples exactly
_BUFFER = "the audio buffer"  # how messages name an in-memory signal


def load_audio(path: str | os.PathLike[str], *, sr: int = SAMPLE_RATE) -> np.ndarray:
    """Decode an audio file to mono float32 at ``sr``.

    WAV, FLAC, OGG and MP3 are read with soundfile at any sample rate and channel count,
    their channels averaged and the result resampled with :data:`RESAMPLER`. Other
    formats (AAC/M4A, WMA, video soundtracks) are decoded, mixed down and resampled by
    the ffmpeg executable of ``imageio-ffmpeg``.

    Parameters
    ----------
    path : str or os.PathLike
        The audio file.
    sr : int > 0
        Target sample rate in Hz.

    Returns
    -------
    y : np.ndarray [shape=(n,), float32]
        Mono samples at ``sr``, nominally in [-1, 1].

    Raises
    ------
    AudioError
        The file is missing, empty, not audio, undecodable, holds no samples, holds
        NaN or infinite samples, or is silent (peak below :data:`SILENCE_PEAK`).
    ParameterError
        ``sr`` is not a positive integer.
    """
    _check_rate(sr)
    path = Path(path)
    _check_file(path)
    data, rate = _decode(path, sr)
    mono = np.asarray(_mix_down(data), dtype=np.float32)
    y = _validate(mono, where=str(path), allow_silence=False)
    if rate != sr:
        y = librosa.resample(y, orig_sr=rate, target_sr=sr, res_type=RESAMPLER)
    _LOGGER.debug("loaded %s: %d Hz -> %d Hz, %.2f s", path, rate, sr, len(y) / sr)
    return np.ascontiguousarray(y, dtype=np.float32)


def check_audio(y: np.ndarray, *, sr: int, allow_silence: bool = False) -> np.ndarray:
    """Validate a mono signal held in memory and return it as contiguous float32.

    Parameters
    ----------
    y : np.ndarray [shape=(n,), floating]
        Mono samples, nominally in [-1, 1]. Mix several channels down first
        (``y.mean(axis=channel_axis)``).
    sr : int > 0
        Its sample rate in Hz.
    allow_silence : bool
        Accept a signal whose peak is below :data:`SILENCE_PEAK` (a quiet moment of a
        live input); a silent *file* is always an error.

    Returns
    -------
    y : np.ndarray [shape=(n,), float32]

    Raises
    ------
    AudioError
        ``y`` is not a 1-D floating array, is empty, holds NaN or infinity, or is
        silent.
    ParameterError
        ``sr`` is not a positive integer.
    """
    _check_rate(sr)
    if not isinstance(y, np.ndarray):
        raise AudioError(f"{_BUFFER} must be a numpy array, not {type(y).__name__}.")
    if y.ndim != 1:
        raise AudioError(
            f"{_BUFFER} has shape {y.shape}; expected a mono signal of shape (n,). "
            "Mix the channels down first, e.g. y.mean(axis=1)."
        )
    if not np.issubdtype(y.dtype, np.floating):
        raise AudioError(
            f"{_BUFFER} has dtype {y.dtype}; expected floating samples in [-1, 1] "
            "(convert integer PCM, e.g. int16 / 32768)."
        )
    return np.ascontiguousarray(
        _validate(y, where=_BUFFER, allow_silence=allow_silence)
    )


def write_wav(path: str | os.PathLike[str], y: np.ndarray, *, sr: int) -> Path:
    """Write samples to a WAV file atomically (32-bit float, lossless for float32).

    Parameters
    ----------
    path : str or os.PathLike
        Destination; its folder is created. A reader never sees a half-written file.
    y : np.ndarray [shape=(n,) or (n, channels), floating]
        Samples, nominally in [-1, 1].
    sr : int > 0
        Sample rate in Hz.

    Returns
    -------
    path : pathlib.Path
        The file written.

    Raises
    ------
    AudioError
        ``y`` is empty, not 1-D or 2-D, or holds NaN or infinity.
    ParameterError
        ``sr`` is not a positive integer.
    """
    _check_rate(sr)
    data = np.asarray(y, dtype=np.float32)
    if data.ndim not in (1, 2) or data.size == 0:
        raise AudioError(
            f"Cannot write {path}: samples have shape {data.shape}; "
            "expected (n,) or (n, channels) with n > 0."
        )
    if not np.isfinite(data).all():
        raise AudioError(
            f"Cannot write {path}: the samples hold NaN or infinite values."
        )
    target = Path(path)
    with atomic_write(target) as handle:
        sf.write(handle, data, sr, format="WAV", subtype=WAV_SUBTYPE)
    return target


def _check_rate(sr: int) -> None:
    """Raise ParameterError unless ``sr`` is a positive integer."""
    if isinstance(sr, bool) or not isinstance(sr, (int, np.integer)) or sr <= 0:
        raise ParameterError(
            f"sample rate must be a positive integer in Hz, got {sr!r}."
        )


def _check_file(path: Path) -> None:
    """Raise AudioError when ``path`` is not a non-empty regular file."""
    if not path.exists():
        raise AudioError(f"Audio file {path} does not exist.")
    if not path.is_file():
        raise AudioError(f"{path} is not a file; give the path of an audio file.")
    if path.stat().st_size == 0:
        raise AudioError(f"Audio file {path} is empty (0 bytes).")


def _decode(path: Path, sr: int) -> tuple[np.ndarray, int]:
    """Samples (n, channels) and their rate, from soundfile or else from ffmpeg."""
    try:
        data, rate = sf.read(path, dtype="float32", always_2d=True)
    except sf.LibsndfileError as exc:
        _LOGGER.debug("soundfile cannot read %s (%s); trying ffmpeg", path, exc)
    else:
        return data, int(rate)
    return _decode_with_ffmpeg(path, sr=sr), sr


def _decode_with_ffmpeg(path: Path, *, sr: int) -> np.ndarray:
    """Mono float32 samples at ``sr`` decoded by imageio-ffmpeg's ffmpeg executable."""
    unknown = f"Cannot read {path} as audio: soundfile does not recognise its format"
    try:
        import imageio_ffmpeg

        exe = imageio_ffmpeg.get_ffmpeg_exe()
    except (ImportError, RuntimeError):
        raise AudioError(f"{unknown} and no ffmpeg is installed to try.") from None
    command = [exe, "-nostdin", "-v", "error", "-i", str(path), "-vn"]
    command += ["-f", "f32le", "-acodec", "pcm_f32le", "-ac", "1", "-ar", str(sr), "-"]
    result = subprocess.run(command, capture_output=True, check=False)
    if result.returncode != 0:
        lines = result.stderr.decode(errors="replace").strip().splitlines()
        detail = lines[-1] if lines else f"exit code {result.returncode}"
        raise AudioError(
            f"{unknown} and ffmpeg cannot decode it ({detail}). Is it an audio file?"
        )
    return np.frombuffer(result.stdout, dtype="<f4").astype(np.float32)


def _mix_down(data: np.ndarray) -> np.ndarray:
    """Mono samples of decoded audio [shape=(n,) or (n, channels)]: the channels' mean."""
    if data.ndim == 1:
        return data
    # One channel: a view, no copy.
    return data[:, 0] if data.shape[1] == 1 else data.mean(axis=1)


def _validate(y: np.ndarray, *, where: str, allow_silence: bool) -> np.ndarray:
    """Return ``y`` as float32 after the checks shared by files and buffers."""
    if y.size == 0:
        raise AudioError(f"{where} holds no audio samples.")
    y = np.asarray(y, dtype=np.float32)
    if not np.isfinite(y).all():
        raise AudioError(f"{where} holds NaN or infinite samples.")
    peak = float(np.max(np.abs(y)))
    if not allow_silence and peak < SILENCE_PEAK:
        raise AudioError(
            f"{where} is silent (peak {peak:.2g} is below {SILENCE_PEAK:g}, -80 dBFS); "
            "give audio with music in it."
        )
    return y
