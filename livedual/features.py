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

Blocks. Everything but the beat tracker and the deltas is local in time, so the
spectrogram is made and used block by block (:data:`BLOCK_FRAMES` frames, plus the
neighbours the running median along time needs), and so is the tempogram of the beat
tracker's tempo estimate (:data:`TEMPOGRAM_BLOCK` columns): memory stays bounded for a
song of any length. Each column's STFT, medians, masks and filter-bank products are
computed from the same numbers in the same order whatever the blocks, so the features
equal those of one pass over the whole song (only the tempogram's average is summed in
another order: about 1e-16 relative). A clip of up to :data:`BLOCK_FRAMES` frames (every
training and live window) is one block. The running medians are exact selections on the
float32 magnitudes of the STFT; powers and masks are float64, since squared masks times
powers can fall below float32's normal range (subnormal numbers are slow).
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
BLOCK_FRAMES = 256  # frames (10.24 s) per block of the spectral pipeline: a few MB each
# The running medians sort the values that MEDIAN_BLOCK neighbouring windows share once and
# merge each window's few own values into them (4 measured fastest for widths 15 and 31),
# MEDIAN_LANES columns at a time so the working rows stay in the L1 cache.
MEDIAN_BLOCK = 4
MEDIAN_LANES = 256
TEMPO_WINDOW_S = 8.0  # autocorrelation window of the tempo estimate (librosa's default)
TEMPOGRAM_BLOCK = 2048  # onset columns per block of the tempogram (41 s)
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
    mfcc, chroma, onset_log_mel = _spectral_features(y, n_frames)
    tempo, columns = _track_beats(onset_log_mel)
    columns = columns[columns < ONSETS_PER_FRAME * n_frames]  # not after the last frame
    features = np.zeros((n_frames, MUSIC_DIM), dtype=np.float32)
    features[:, MFCC] = mfcc.T
    features[:, MFCC_DELTA] = _delta(mfcc).T
    features[:, CHROMA] = chroma.T
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


def _spectral_features(
    y: np.ndarray, n_frames: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """MFCC (N_MFCC, T), chroma (12, T) and percussive log-mel (N_MELS, 2T + 1), by blocks."""
    # Half a window before, half a window and the rest of the last frame after.
    end = N_FFT // 2 + n_frames * HOP_LENGTH - len(y)
    padded = np.pad(y, (N_FFT // 2, end), mode="reflect")
    # The frames each running median along time reads, mirrored at both ends of the song.
    neighbours = np.pad(np.arange(n_frames), HARMONIC_WIDTH // 2, mode="symmetric")
    mfcc = np.empty((N_MFCC, n_frames))
    chroma = np.empty((N_CHROMA, n_frames))
    onset_log_mel = np.empty((N_MELS, ONSETS_PER_FRAME * n_frames + 1))
    for first in range(0, n_frames, BLOCK_FRAMES):
        last = min(first + BLOCK_FRAMES, n_frames)
        power, harmonic, percussive = _hpss_block(padded, neighbours, first, last)
        mfcc[:, first:last] = _mfcc(power)
        chroma[:, first:last] = _chroma(harmonic)
        column = ONSETS_PER_FRAME * first
        onset_log_mel[:, column : column + percussive.shape[1]] = librosa.power_to_db(
            _mel_basis() @ percussive, amin=MEL_FLOOR, top_db=None
        )
    return mfcc, chroma, onset_log_mel


def _hpss_block(
    padded: np.ndarray, neighbours: np.ndarray, first: int, last: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Power and harmonic power of frames ``first..last - 1`` (1025, F), float64, and the
    percussive power (1025, C) of their onset columns (the final column with the last block).

    HPSS by median filters and Wiener masks (Fitzgerald 2010). The harmonic-enhanced
    spectrum, a 0.6 s running median and smooth in time by design, is filtered on the
    frame columns only (a quarter of the work) and interpolated to the onset columns between.
    """
    n_frames = len(neighbours) - HARMONIC_WIDTH + 1
    # Medians along time for the frame before the block too: its even first column needs it.
    median_first = max(first - 1, 0)
    sources = neighbours[median_first : last + HARMONIC_WIDTH - 1]
    start = ONSETS_PER_FRAME * first
    stop = ONSETS_PER_FRAME * last + (last == n_frames)  # the final column 2T
    low = min(start, ONSETS_PER_FRAME * int(sources.min()) + 1)
    high = max(stop, ONSETS_PER_FRAME * int(sources.max()) + 2)
    magnitude = _stft_magnitude(padded, low, high)
    frames = magnitude[:, ONSETS_PER_FRAME * sources + 1 - low].T  # (frames, 1025)
    along_time = _running_median(frames, width=HARMONIC_WIDTH).T
    own = magnitude[:, start - low : stop - low]
    half = PERCUSSIVE_WIDTH // 2
    across_freq = _running_median(
        np.pad(own, ((half, half), (0, 0)), mode="symmetric"), width=PERCUSSIVE_WIDTH
    )
    power = np.empty((own.shape[0], last - first))
    harmonic = np.empty_like(power)
    percussive = np.empty(own.shape)
    _wiener_masks(
        np.ascontiguousarray(own),
        np.ascontiguousarray(along_time),
        across_freq,
        first - median_first,
        ONSETS_PER_FRAME * n_frames,
        start,
        power,
        harmonic,
        percussive,
    )
    return power, harmonic, percussive


def _stft_magnitude(padded: np.ndarray, low: int, high: int) -> np.ndarray:
    """|STFT| (1025, high - low), float32, of the onset columns ``low..high - 1`` of ``padded``."""
    segment = padded[low * ONSET_HOP : (high - 1) * ONSET_HOP + N_FFT]
    spectrum = librosa.stft(segment, n_fft=N_FFT, hop_length=ONSET_HOP, center=False)
    return np.ascontiguousarray(np.abs(spectrum))


@numba.njit(cache=True, nogil=True)
def _wiener_masks(
    magnitude: np.ndarray,
    along_time: np.ndarray,
    across_freq: np.ndarray,
    offset: int,
    final: int,
    start: int,
    power: np.ndarray,
    harmonic: np.ndarray,
    percussive: np.ndarray,
) -> None:
    """Fill power and harmonic power (frame columns) and percussive power (all columns).

    ``along_time[:, i + offset]`` is the median of frame ``first + i``; column ``c`` of
    ``magnitude`` is onset column ``start + c`` and ``final`` is the last one (2T). The
    arithmetic is float64 in a fixed order, so every block gives the same numbers.
    """
    for f in range(magnitude.shape[0]):
        for c in range(magnitude.shape[1]):
            column = start + c
            centre = column % ONSETS_PER_FRAME == 1
            # The frame at or after the column, as an index into along_time.
            frame = (column - start) // ONSETS_PER_FRAME + offset
            if centre or column == 0:
                smooth = np.float64(along_time[f, frame])
            elif column == final:
                smooth = np.float64(along_time[f, frame - 1])
            else:
                smooth = 0.5 * (
                    np.float64(along_time[f, frame - 1])
                    + np.float64(along_time[f, frame])
                )
            sharp = np.float64(across_freq[f, c])
            harmonic_weight = smooth * smooth
            percussive_weight = sharp * sharp
            total = harmonic_weight + percussive_weight
            value = np.float64(magnitude[f, c])
            energy = value * value
            harmonic_mask = harmonic_weight / total if total > 0 else 0.0
            percussive_mask = percussive_weight / total if total > 0 else 0.0
            percussive[f, c] = energy * (percussive_mask * percussive_mask)
            if centre:
                power[f, c // ONSETS_PER_FRAME] = energy
                harmonic[f, c // ONSETS_PER_FRAME] = energy * (
                    harmonic_mask * harmonic_mask
                )


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


def _track_beats(log_mel: np.ndarray) -> tuple[float, np.ndarray]:
    """Tempo (BPM) and beat columns (onset-hop indices) of a percussive log-mel spectrogram."""
    flux = librosa.onset.onset_strength(
        S=log_mel, sr=SAMPLE_RATE, hop_length=ONSET_HOP, center=False
    )
    envelope = _delay(flux, columns=ONSET_LEAD * SAMPLE_RATE / ONSET_HOP)
    if not envelope.any():  # librosa's beat tracker finds nothing here either
        return 0.0, np.zeros(0, dtype=np.int64)
    tempo, columns = librosa.beat.beat_track(
        onset_envelope=envelope,
        sr=SAMPLE_RATE,
        hop_length=ONSET_HOP,
        bpm=_global_tempo(envelope),
    )
    return float(np.atleast_1d(tempo)[0]), np.asarray(columns, dtype=np.int64)


def _global_tempo(envelope: np.ndarray) -> np.ndarray:
    """The tempo (1,) that ``librosa.beat.beat_track`` estimates, its tempogram made by blocks.

    librosa averages the tempogram's columns (each the normalised autocorrelation of
    the envelope around it); here each block of columns is summed as it is made, so
    memory stays bounded. One block (any clip up to TEMPOGRAM_BLOCK columns) gives
    librosa's numbers exactly; more blocks sum in another order (a difference of about
    1e-16 relative in the average, which decides the tempo only in an exact tie).
    """
    window = int(
        librosa.time_to_frames(TEMPO_WINDOW_S, sr=SAMPLE_RATE, hop_length=ONSET_HOP)
    )
    # The centring padding of librosa.feature.tempogram, once for the whole envelope.
    padded = np.pad(envelope, window // 2, mode="linear_ramp", end_values=[0, 0])
    total = np.zeros((window, 1))
    for start in range(0, len(envelope), TEMPOGRAM_BLOCK):
        stop = min(start + TEMPOGRAM_BLOCK, len(envelope))
        total += librosa.feature.tempogram(
            onset_envelope=padded[start : stop + window - 1],
            sr=SAMPLE_RATE,
            hop_length=ONSET_HOP,
            win_length=window,
            center=False,
        ).sum(axis=-1, keepdims=True)
    return librosa.feature.tempo(
        tg=total / len(envelope), sr=SAMPLE_RATE, hop_length=ONSET_HOP
    )


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


def _running_median(padded: np.ndarray, *, width: int) -> np.ndarray:
    """Median of every ``width`` (odd) consecutive rows of ``padded`` (n + width - 1, m) -> (n, m)."""
    block = min(MEDIAN_BLOCK, width // 2 + 1)  # the core must reach below the middle
    rows = len(padded) - width + 1
    # Rows past the end complete the last group of windows; their medians are dropped.
    extended = np.concatenate([padded, padded[-1:].repeat(block - 1, axis=0)])
    out = np.empty((rows, padded.shape[1]), dtype=padded.dtype)
    core, own = _median_networks(width, block)
    _sliding_median(np.ascontiguousarray(extended), width, block, core, own, out)
    return out


@functools.cache
def _median_networks(width: int, block: int) -> tuple[np.ndarray, np.ndarray]:
    """Comparators (pairs of rows) that order the shared core and each window's own rows.

    ``block`` neighbouring windows of ``width`` rows share ``width - block + 1`` rows; each
    has ``block - 1`` rows of its own. A window's median is found by merging its sorted own
    rows into the core, which need only be sorted around the middle.
    """
    middle = width // 2
    core = _selection_network(width - block + 1, range(middle - block + 1, middle + 1))
    return core, _selection_network(block - 1, range(block - 1))


def _selection_network(size: int, wanted: range) -> np.ndarray:
    """Comparators (n, 2) of Batcher's odd-even merge sort of ``size`` values, keeping
    only those that the values at the ``wanted`` positions depend on."""
    width = 1 << max(size - 1, 0).bit_length()  # the power of two at or above size
    pairs = []
    merged = 1
    while merged < width:
        step = merged
        while step >= 1:
            for j in range(step % merged, width - step, 2 * step):
                for i in range(min(step, width - j - step)):
                    if (i + j) // (2 * merged) == (i + j + step) // (2 * merged):
                        pairs.append((i + j, i + j + step))
            step //= 2
        merged *= 2
    # Positions at or above size hold +inf in the full network: comparing with them is a no-op.
    live, kept = set(wanted), []
    for low, high in reversed(pairs):
        if high < size and (low in live or high in live):
            kept.append((low, high))
            live |= {low, high}
    return np.array(kept[::-1], dtype=np.int64).reshape(-1, 2)


@numba.njit(cache=True, nogil=True, inline="always")
def _compare_exchange(rows: np.ndarray, pairs: np.ndarray, lanes: int) -> None:
    """Apply the comparators ``pairs`` to every column of ``rows`` (min up, max down)."""
    for p in range(pairs.shape[0]):
        low, high = rows[pairs[p, 0]], rows[pairs[p, 1]]
        for lane in range(lanes):
            a, b = low[lane], high[lane]
            low[lane] = min(a, b)
            high[lane] = max(a, b)


@numba.njit(cache=True, nogil=True)
def _sliding_median(
    padded: np.ndarray,
    width: int,
    block: int,
    core: np.ndarray,
    own: np.ndarray,
    out: np.ndarray,
) -> None:
    """``out[t] = median(padded[t : t + width])`` per column, ``block`` windows at a time.

    Branch-free compare-exchange networks run on MEDIAN_LANES columns side by side (SIMD).
    The median of a window (rank ``middle``) merged from the sorted core ``c`` and its
    sorted own rows ``e`` is ``min(c[middle], max(c[middle - i], e[i - 1]) for i >= 1)``.
    """
    rows, columns = out.shape
    middle = width // 2
    shared = width - block + 1
    core_rows = np.empty((shared, MEDIAN_LANES), dtype=padded.dtype)
    own_rows = np.empty((max(block - 1, 1), MEDIAN_LANES), dtype=padded.dtype)
    for lane0 in range(0, columns, MEDIAN_LANES):
        lanes = min(MEDIAN_LANES, columns - lane0)
        for t0 in range(0, rows, block):
            for k in range(shared):
                core_rows[k, :lanes] = padded[t0 + block - 1 + k, lane0 : lane0 + lanes]
            _compare_exchange(core_rows, core, lanes)
            for b in range(min(block, rows - t0)):
                # Own rows: those before the core, then those after it.
                for k in range(block - 1):
                    source = (
                        t0 + b + k
                        if k < block - 1 - b
                        else t0 + width + k - (block - 1 - b)
                    )
                    own_rows[k, :lanes] = padded[source, lane0 : lane0 + lanes]
                _compare_exchange(own_rows, own, lanes)
                target = out[t0 + b, lane0 : lane0 + lanes]
                target[:] = core_rows[middle, :lanes]
                for i in range(1, block):
                    for lane in range(lanes):
                        target[lane] = min(
                            target[lane],
                            max(core_rows[middle - i, lane], own_rows[i - 1, lane]),
                        )
