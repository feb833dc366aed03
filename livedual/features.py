"""Music features, 53 per 25 fps frame: the one function training and live use share.

Layout (:mod:`livedual.const`): 20 MFCC, 20 MFCC deltas, 12 chroma of the harmonic
part, 1 beat flag from the percussive part.

Timing. Audio is resampled to 22.05 kHz first, then extended at the end (by reflection)
to ``T * HOP_LENGTH`` samples with ``T = ceil(n / HOP_LENGTH)``: a trailing partial
frame counts. Frame ``i`` covers the samples ``[i * 882, (i + 1) * 882)``, that is the
40 ms ``[i / 25, (i + 1) / 25)`` s, exactly pose frame ``i``.

Pipeline, one STFT for everything (n_fft 2048, hop 441, centred columns; the signal is
extended by reflection at both ends, so cutting a window out of running music adds no
click)::

    |STFT| ─┬─ mel ─ dB ─ MFCC ─ delta                     (odd columns = frame centres)
            └─ HPSS ─┬─ harmonic ─ chroma                   (odd columns)
                     └─ percussive ─ mel ─ dB ─ onset envelope ─ beat tracker (all)

The STFT runs at the onset hop (441 samples, 20 ms): column ``j`` is centred on sample
``j * 441``, so the odd column ``2i + 1`` is centred on frame ``i`` and gives its MFCC
and chroma, while the beat tracker sees every column. A beat at column ``j`` lies in
frame ``j // 2`` (the frame whose centre is nearest to it).
"""

from __future__ import annotations

import functools
import logging
import math
import os
from dataclasses import dataclass

import librosa
import numba
import numpy as np
import scipy.sparse

from .audio import RESAMPLER, check_audio, load_audio
from .const import (
    BEAT,
    CHROMA,
    HOP_LENGTH,
    MFCC,
    MFCC_DELTA,
    MUSIC_DIM,
    N_CHROMA,
    N_FFT,
    N_MFCC,
    ONSET_HOP,
    ONSETS_PER_FRAME,
    SAMPLE_RATE,
)
from .errors import ParameterError

_LOGGER = logging.getLogger(__name__)

N_MELS = 128  # mel bands under the MFCC and the onset envelope (librosa's default)
HARMONIC_WIDTH = 15  # HPSS median along time: 15 frames (0.6 s)
PERCUSSIVE_WIDTH = 31  # HPSS median across frequency: 31 bins (334 Hz)
DELTA_WIDTH = 9  # frames in the delta regression (librosa's default, +-160 ms)
CHROMA_TUNING = 0.0  # fixed A440 tuning: a per-window estimate would make chroma jitter
# Floor of the mel power before the log: 80 dB below a full-scale sine (whose mel power
# is about 1e4 with this STFT), so dither, codec and resampler noise (16-bit dither:
# 1e-8) never reach the features. A fixed floor, not one relative to the loudest frame,
# keeps the features of a frame independent of the frames around it.
MEL_FLOOR = 1e-4
# Spectral flux peaks before an onset reaches the column centre, as soon as the leading
# half of the window meets it, so the envelope is delayed by that lead. Measured: 22-32
# ms for synthetic kicks, clicks and noise bursts, 30 ms for the 808 kick of the test
# data, 17 ms for the drums of the synthetic corpus; 25 ms keeps all within 10 ms.
ONSET_LEAD = 0.025  # seconds: 1.25 onset columns
FRAME_CENTRES = slice(1, None, 2)  # the onset columns centred on feature frames
PITCH_CLASSES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")

AudioInput = str | os.PathLike | np.ndarray

if ONSETS_PER_FRAME != 2:  # the odd onset columns must be the frame centres
    raise RuntimeError("livedual.features needs HOP_LENGTH == 2 * ONSET_HOP.")


@dataclass(frozen=True)
class MusicAnalysis:
    """What :func:`analyse_music` finds in one pass.

    Attributes
    ----------
    features : np.ndarray [shape=(T, 53), float32]
        The music features, one row per 25 fps frame (see :func:`music_features`).
    beat_times : np.ndarray [shape=(B,), float64]
        Beat times in seconds from the start, ascending, on the 20 ms onset grid.
    tempo : float
        Global tempo estimate in beats per minute (0.0 when no beat was found).
    duration : float
        Duration of the audio in seconds, before padding to whole frames.
    """

    features: np.ndarray
    beat_times: np.ndarray
    tempo: float
    duration: float


def analyse_music(audio: AudioInput, *, sr: int | None = None) -> MusicAnalysis:
    """Compute the music features, the beats and the tempo of some audio.

    Parameters
    ----------
    audio : str, os.PathLike or np.ndarray [shape=(n,)]
        An audio file (any rate, mono or stereo; see
        :func:`livedual.audio.load_audio`) or a mono float signal.
    sr : int > 0 or None
        Sample rate in Hz of a signal (required for one); must be None for a file.

    Returns
    -------
    analysis : MusicAnalysis
        ``analysis.features`` has ``T = ceil(duration * 25)`` rows.

    Raises
    ------
    AudioError
        The file or signal is unusable (see :func:`livedual.audio.check_audio`). A
        silent signal is accepted (a pause in live input); a silent file is not.
    ParameterError
        ``sr`` is missing for a signal or given for a file.
    """
    y = _to_mono_22k(audio, sr)
    n_frames = math.ceil(len(y) / HOP_LENGTH)
    magnitude = _stft_magnitude(y, n_frames)
    harmonic, percussive = _hpss_power(magnitude)
    mfcc = _mfcc(magnitude[:, FRAME_CENTRES] ** 2)
    tempo, columns = _track_beats(percussive)
    columns = columns[columns < ONSETS_PER_FRAME * n_frames]  # not after the last frame
    features = np.zeros((n_frames, MUSIC_DIM), dtype=np.float32)
    features[:, MFCC] = mfcc.T
    features[:, MFCC_DELTA] = _delta(mfcc).T
    features[:, CHROMA] = _chroma(harmonic[:, FRAME_CENTRES]).T
    features[columns // ONSETS_PER_FRAME, BEAT] = 1.0
    return MusicAnalysis(
        features=features,
        beat_times=columns * (ONSET_HOP / SAMPLE_RATE),
        tempo=tempo,
        duration=len(y) / SAMPLE_RATE,
    )


def music_features(audio: AudioInput, *, sr: int | None = None) -> np.ndarray:
    """The 53 music features per 25 fps frame, for training and live use alike.

    Parameters
    ----------
    audio : str, os.PathLike or np.ndarray [shape=(n,)]
        An audio file or a mono float signal (see :func:`analyse_music`).
    sr : int > 0 or None
        Sample rate in Hz of a signal (required for one); must be None for a file.

    Returns
    -------
    features : np.ndarray [shape=(T, 53), float32]
        ``T = ceil(n / 882)`` for ``n`` samples at 22.05 kHz; row ``i`` covers
        ``[i / 25, (i + 1) / 25)`` s. Columns, unnormalised: 0..19 MFCC of the
        log-mel power (dB), 20..39 their change per frame, 40..51 chroma of the
        harmonic part (C first, each frame scaled to a maximum of 1), 52 beat flag
        (1.0 in a frame holding a beat, else 0.0).

    Raises
    ------
    AudioError, ParameterError
        See :func:`analyse_music`.
    """
    return analyse_music(audio, sr=sr).features


def beat_times(audio: AudioInput, *, sr: int | None = None) -> np.ndarray:
    """Beat times of some audio, tracked on its percussive part at the 20 ms hop.

    Parameters
    ----------
    audio : str, os.PathLike or np.ndarray [shape=(n,)]
        An audio file or a mono float signal (see :func:`analyse_music`).
    sr : int > 0 or None
        Sample rate in Hz of a signal (required for one); must be None for a file.

    Returns
    -------
    times : np.ndarray [shape=(B,), float64]
        Beat times in seconds from the start, ascending.

    Raises
    ------
    AudioError, ParameterError
        See :func:`analyse_music`.
    """
    return analyse_music(audio, sr=sr).beat_times


def feature_names() -> list[str]:
    """Names of the 53 feature columns: ``mfcc_0`` ... ``chroma_B``, ``beat``."""
    names = [f"mfcc_{k}" for k in range(N_MFCC)]
    names += [f"mfcc_delta_{k}" for k in range(N_MFCC)]
    names += [f"chroma_{pitch}" for pitch in PITCH_CLASSES[:N_CHROMA]]
    names.append("beat")
    return names


def _to_mono_22k(audio: AudioInput, sr: int | None) -> np.ndarray:
    """Decode or validate ``audio``, resampled to SAMPLE_RATE."""
    if isinstance(audio, np.ndarray):
        if sr is None:
            raise ParameterError("sr (the sample rate in Hz) is required for an array.")
        y = check_audio(audio, sr=sr, allow_silence=True)
        if sr != SAMPLE_RATE:
            y = librosa.resample(
                y, orig_sr=sr, target_sr=SAMPLE_RATE, res_type=RESAMPLER
            )
        return y
    if not isinstance(audio, (str, os.PathLike)):
        raise ParameterError(
            f"audio must be a file path or a numpy array, not {type(audio).__name__}."
        )
    if sr is not None:
        raise ParameterError(
            "sr is only for audio arrays; a file carries its own rate."
        )
    return load_audio(audio, sr=SAMPLE_RATE)


def _stft_magnitude(y: np.ndarray, n_frames: int) -> np.ndarray:
    """|STFT| (1025, 2T + 1) at the onset hop, columns centred on multiples of 441."""
    # Half a window before, half a window and the rest of the last frame after.
    end = N_FFT // 2 + n_frames * HOP_LENGTH - len(y)
    padded = np.pad(y, (N_FFT // 2, end), mode="reflect")
    spectrum = librosa.stft(padded, n_fft=N_FFT, hop_length=ONSET_HOP, center=False)
    # float64 from here on: powers times squared masks can fall below float32's range
    # (subnormal numbers are slow); measured no slower than float32.
    return np.abs(spectrum).astype(np.float64)


def _hpss_power(magnitude: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Harmonic and percussive power: median filters and Wiener masks (Fitzgerald 2010).

    The harmonic-enhanced spectrum, a 0.6 s running median and smooth in time by
    design, is filtered on the frame columns only (a quarter of the work) and
    interpolated to the onset columns between them.
    """
    on_frames = _median_filter(magnitude[:, FRAME_CENTRES], width=HARMONIC_WIDTH)
    along_time = np.empty_like(magnitude)
    along_time[:, FRAME_CENTRES] = on_frames
    along_time[:, 2:-1:2] = 0.5 * (on_frames[:, :-1] + on_frames[:, 1:])
    along_time[:, 0] = on_frames[:, 0]
    along_time[:, -1] = on_frames[:, -1]
    across_freq = _median_filter(magnitude.T, width=PERCUSSIVE_WIDTH).T
    harmonic_weight = along_time**2
    percussive_weight = across_freq**2
    total = harmonic_weight + percussive_weight
    power = magnitude**2
    mask = np.divide(harmonic_weight, total, out=np.zeros_like(total), where=total > 0)
    harmonic = power * mask**2
    np.divide(percussive_weight, total, out=mask, where=total > 0)
    percussive = power * mask**2
    return harmonic, percussive


def _mfcc(power: np.ndarray) -> np.ndarray:
    """MFCC (N_MFCC, T) of power spectra (1025, T)."""
    log_mel = librosa.power_to_db(_mel_basis() @ power, amin=MEL_FLOOR, top_db=None)
    return librosa.feature.mfcc(S=log_mel, n_mfcc=N_MFCC)


def _delta(mfcc: np.ndarray) -> np.ndarray:
    """Change per frame of (N_MFCC, T); polynomial fits at the edges when T allows."""
    mode = "interp" if mfcc.shape[1] >= DELTA_WIDTH else "nearest"
    return librosa.feature.delta(mfcc, width=DELTA_WIDTH, mode=mode)


def _chroma(power: np.ndarray) -> np.ndarray:
    """Chroma (12, T) of power spectra (1025, T), each frame scaled to a maximum 1."""
    return librosa.util.normalize(_chroma_basis() @ power, norm=np.inf, axis=0)


def _track_beats(percussive: np.ndarray) -> tuple[float, np.ndarray]:
    """Tempo (BPM) and beat columns (onset-hop indices) of percussive power spectra."""
    log_mel = librosa.power_to_db(
        _mel_basis() @ percussive, amin=MEL_FLOOR, top_db=None
    )
    flux = librosa.onset.onset_strength(
        S=log_mel, sr=SAMPLE_RATE, hop_length=ONSET_HOP, center=False
    )
    envelope = _delay(flux, columns=ONSET_LEAD * SAMPLE_RATE / ONSET_HOP)
    tempo, columns = librosa.beat.beat_track(
        onset_envelope=envelope, sr=SAMPLE_RATE, hop_length=ONSET_HOP
    )
    return float(np.atleast_1d(tempo)[0]), np.asarray(columns, dtype=np.int64)


def _delay(x: np.ndarray, *, columns: float) -> np.ndarray:
    """``x`` delayed by a fractional number of columns (linear interpolation)."""
    whole = int(columns)
    fraction = columns - whole
    out = np.zeros_like(x)
    out[whole:] = (1.0 - fraction) * x[: len(x) - whole]
    out[whole + 1 :] += fraction * x[: len(x) - whole - 1]
    return out


@functools.cache
def _mel_basis() -> scipy.sparse.csr_array:
    """Mel filter bank (N_MELS, 1025), sparse.

    Sparse because each band spans a few bins (2018 weights in all): the product is
    7 times faster than a dense one and needs no BLAS threads, which stall when other
    work (model inference) keeps the cores busy.
    """
    bank = librosa.filters.mel(
        sr=SAMPLE_RATE, n_fft=N_FFT, n_mels=N_MELS, dtype=np.float64
    )
    return scipy.sparse.csr_array(bank)


@functools.cache
def _chroma_basis() -> np.ndarray:
    """Chroma filter bank (12, 1025), C first, A440 tuning."""
    return librosa.filters.chroma(
        sr=SAMPLE_RATE,
        n_fft=N_FFT,
        n_chroma=N_CHROMA,
        tuning=CHROMA_TUNING,
        dtype=np.float64,
    )


def _median_filter(x: np.ndarray, *, width: int) -> np.ndarray:
    """Running median along the last axis; edges reflected like scipy's 'reflect'."""
    half = width // 2
    padded = np.pad(x, ((0, 0), (half, half)), mode="symmetric")
    out = np.empty(x.shape, dtype=x.dtype)
    _sliding_median(np.ascontiguousarray(padded), width, out)
    return out


@numba.njit(cache=True, nogil=True)
def _sliding_median(padded: np.ndarray, width: int, out: np.ndarray) -> None:
    """Median of every ``width`` window of each row; one sorted window slides along.

    Each step finds the ranks of the leaving and the entering value by counting (no
    branch to mispredict) and moves the values between them by one place: O(width)
    per step; scipy's median filter, which sorts every window afresh, is 6-10 times
    slower here.
    """
    half = width // 2
    window = np.empty(width, dtype=padded.dtype)
    for row in range(padded.shape[0]):
        values = padded[row]
        window[:] = values[:width]
        window.sort()
        out[row, 0] = window[half]
        for i in range(1, out.shape[1]):
            leaving = values[i - 1]
            entering = values[i + width - 1]
            rank_leaving = 0  # index of the first copy of the leaving value
            rank_entering = 0  # index the entering value would be inserted at
            for j in range(width):
                rank_leaving += window[j] < leaving
                rank_entering += window[j] < entering
            if rank_entering > rank_leaving:  # move the values between down one place
                for j in range(rank_leaving, rank_entering - 1):
                    window[j] = window[j + 1]
                window[rank_entering - 1] = entering
            else:  # move them up one place
                for j in range(rank_leaving, rank_entering, -1):
                    window[j] = window[j - 1]
                window[rank_entering] = entering
            out[row, i] = window[half]
