"""Music features (livedual.features) and the ``livedual features`` command."""

from __future__ import annotations

import logging
import math

import librosa
import numpy as np
import pytest
import scipy.ndimage
import soundfile as sf

from livedual import features as F
from livedual.__main__ import main
from livedual.audio import load_audio, write_wav
from livedual.const import (
    BEAT,
    CHROMA,
    FPS,
    HOP_LENGTH,
    MFCC,
    MFCC_DELTA,
    MUSIC_DIM,
    SAMPLE_RATE,
    WINDOW_SAMPLES,
)
from livedual.errors import AudioError, ParameterError

KICK_BEATS = np.arange(0.5, 10.0, 0.5)  # the loop: 120 BPM, kicks every 0.5 s from 0


@pytest.fixture(scope="module")
def kick(kick_mp3):
    """The 808 loop decoded at 22.05 kHz, and its analysis."""
    return load_audio(kick_mp3), F.analyse_music(kick_mp3)


def _clicks(seconds: float, *, bpm: float, sr: int = SAMPLE_RATE) -> np.ndarray:
    """Decaying noise bursts on every beat from t = 0, with a 60 Hz bass under them."""
    rng = np.random.default_rng(0)
    y = 0.1 * np.sin(2 * np.pi * 60 * np.arange(int(seconds * sr)) / sr)
    burst = rng.standard_normal(sr // 10) * np.exp(-np.arange(sr // 10) / (0.01 * sr))
    for start in np.arange(0, seconds, 60 / bpm):
        i = int(start * sr)
        y[i : i + len(burst)] += 0.5 * burst[: len(y) - i]
    return y.astype(np.float32)


def _chord(freqs: tuple[float, ...], seconds: float = 3.0) -> np.ndarray:
    """Harmonic tones (fundamental plus two weaker partials) summed."""
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    partials = [(1, 0.2), (2, 0.06), (3, 0.03)]
    y = sum(a * np.sin(2 * np.pi * k * f * t) for f in freqs for k, a in partials)
    return np.asarray(y, dtype=np.float32)


# --- the real 808 loop (10 s at 120 BPM) ------------------------------------------


def test_kick_features_shape_and_values(kick):
    _, analysis = kick
    features = analysis.features
    assert features.shape == (250, MUSIC_DIM) and features.dtype == np.float32
    assert np.isfinite(features).all()
    assert analysis.duration == pytest.approx(10.0)
    chroma = features[:, CHROMA]
    assert chroma.min() >= 0 and np.allclose(chroma.max(axis=1), 1.0, atol=1e-5)
    assert set(np.unique(features[:, BEAT])) == {0.0, 1.0}


def test_kick_beats_fall_on_the_kicks(kick):
    _, analysis = kick
    assert analysis.tempo == pytest.approx(120, abs=2)
    flags = np.flatnonzero(analysis.features[:, BEAT])
    assert 12 <= np.median(np.diff(flags)) <= 13  # 0.5 s = 12.5 frames
    assert len(analysis.beat_times) in (18, 19, 20)
    # Every beat within 30 ms of a kick, and every kick found.
    distance = np.abs(analysis.beat_times[:, None] - KICK_BEATS[None, :])
    assert distance.min(axis=1).max() < 0.03
    assert distance.min(axis=0).max() < 0.03


def test_beat_flags_mark_the_frame_holding_each_beat(kick):
    _, analysis = kick
    expected = np.floor(analysis.beat_times * FPS + 1e-9).astype(int)
    np.testing.assert_array_equal(np.flatnonzero(analysis.features[:, BEAT]), expected)


def test_three_second_windows_keep_beats_on_the_kicks(kick):
    """Tracked at the 20 ms onset hop, windows put no beat half a beat off."""
    y, _ = kick
    for offset in np.arange(0.0, 7.0, 0.35):
        start = int(offset * SAMPLE_RATE)
        times = F.beat_times(y[start : start + WINDOW_SAMPLES], sr=SAMPLE_RATE) + offset
        assert len(times) >= 4, offset
        error = np.abs(times[:, None] - KICK_BEATS[None, :]).min(axis=1)
        assert error.max() < 0.11, (offset, error)  # half a beat would be 0.25 s


# --- the same audio through every door ---------------------------------------------


def test_mp3_wav_and_buffer_give_the_same_features(kick, kick_mp3, tmp_path):
    """Identical decoded samples must give identical features.

    The 22.05 kHz WAV holds the samples load_audio decoded (32-bit float, lossless);
    the 44.1 kHz stereo WAV holds the mp3's own decoded samples, which go through the
    same mix-down and resampler. Only float rounding may differ: tolerance 1e-4.
    """
    y, analysis = kick
    raw, rate = sf.read(kick_mp3, dtype="float32")
    sources = {
        "wav 22.05 kHz": write_wav(tmp_path / "kick22k.wav", y, sr=SAMPLE_RATE),
        "wav 44.1 kHz stereo": write_wav(tmp_path / "kick44k.wav", raw, sr=rate),
    }
    results = {name: F.music_features(path) for name, path in sources.items()}
    results["buffer 22.05 kHz"] = F.music_features(y, sr=SAMPLE_RATE)
    results["buffer 44.1 kHz"] = F.music_features(raw.mean(axis=1), sr=rate)
    for name, features in results.items():
        np.testing.assert_allclose(features, analysis.features, atol=1e-4, err_msg=name)


def test_a_resampled_copy_gives_nearly_the_same_features(kick):
    """The loop resampled to 48 kHz and back differs by resampler rounding only.

    Away from the ends (6 frames: the STFT window and the delta regression see past
    the last sample, where the copies differ) MFCC agree within 0.2 and deltas within
    0.05 (their spread across frames is > 1.5), chroma within 0.01 (range 0..1) and
    beat flags exactly. Measured: 0.03, 0.002 and < 1e-5.
    """
    y, analysis = kick
    at_48k = librosa.resample(y, orig_sr=SAMPLE_RATE, target_sr=48000)
    features = F.music_features(at_48k, sr=48000)
    assert abs(len(features) - len(analysis.features)) <= 1
    inner = slice(6, len(analysis.features) - 6)
    got, want = features[inner], analysis.features[inner]
    np.testing.assert_allclose(got[:, MFCC], want[:, MFCC], atol=0.2)
    np.testing.assert_allclose(got[:, MFCC_DELTA], want[:, MFCC_DELTA], atol=0.05)
    np.testing.assert_allclose(got[:, CHROMA], want[:, CHROMA], atol=0.01)
    n = min(len(features), len(analysis.features))
    np.testing.assert_array_equal(features[:n, BEAT], analysis.features[:n, BEAT])


def test_a_window_sees_the_same_frames_as_the_whole_song():
    """MFCC and chroma of a frame depend only on the audio around it (no global level,
    no per-window tuning), so a live 3 s window matches the song's frames inside it."""
    y = _clicks(8.0, bpm=100) + _chord((261.63, 329.63, 392.0), seconds=8.0)
    whole = F.music_features(y, sr=SAMPLE_RATE)
    first = 40  # frames: the window starts at 1.6 s
    window = F.music_features(
        y[first * HOP_LENGTH : first * HOP_LENGTH + WINDOW_SAMPLES], sr=SAMPLE_RATE
    )
    inner = slice(8, 75 - 8)  # past the STFT window and the 0.6 s harmonic median
    part = whole[first : first + 75]
    np.testing.assert_allclose(window[inner, MFCC], part[inner, MFCC], atol=1e-3)
    np.testing.assert_allclose(window[inner, CHROMA], part[inner, CHROMA], atol=1e-3)


# --- musical content ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("freqs", "pitches"),
    [
        ((440.0, 554.37, 659.26), {"A", "C#", "E"}),  # A major: A4, C#5, E5
        ((293.66, 349.23, 440.0), {"D", "F", "A"}),  # D minor: D4, F4, A4
    ],
)
def test_chroma_of_a_triad_peaks_at_its_three_notes(freqs, pitches):
    chroma = F.music_features(_chord(freqs), sr=SAMPLE_RATE)[:, CHROMA].mean(axis=0)
    names = np.array(F.feature_names())[CHROMA]
    top3 = {name.removeprefix("chroma_") for name in names[np.argsort(chroma)[-3:]]}
    assert top3 == pitches
    assert np.sort(chroma)[-3] > 2 * np.sort(chroma)[-4]


@pytest.mark.parametrize("bpm", [90.0, 128.0])
def test_click_track_tempo_and_beats(bpm):
    analysis = F.analyse_music(_clicks(12.0, bpm=bpm), sr=SAMPLE_RATE)
    assert analysis.tempo == pytest.approx(bpm, rel=0.04)
    truth = np.arange(0, 12.0, 60 / bpm)
    error = np.abs(analysis.beat_times[:, None] - truth[None, :]).min(axis=1)
    assert np.median(error) < 0.025


# --- frame count, layout, odd inputs -----------------------------------------------------


@pytest.mark.parametrize("n", [1, 881, 882, 883, WINDOW_SAMPLES, WINDOW_SAMPLES + 1])
def test_frame_count_is_ceil_of_samples_over_hop(n):
    y = 0.1 * np.random.default_rng(n).standard_normal(n).astype(np.float32)
    features = F.music_features(y, sr=SAMPLE_RATE)
    assert features.shape == (math.ceil(n / HOP_LENGTH), MUSIC_DIM)
    assert np.isfinite(features).all()


def test_silent_buffer_is_accepted_but_a_silent_file_is_not(tmp_path):
    analysis = F.analyse_music(np.zeros(WINDOW_SAMPLES, np.float32), sr=SAMPLE_RATE)
    assert analysis.features.shape == (75, MUSIC_DIM)
    assert len(analysis.beat_times) == 0 and analysis.tempo == 0.0
    assert (
        not analysis.features[:, CHROMA].any() and not analysis.features[:, BEAT].any()
    )
    path = write_wav(tmp_path / "silence.wav", np.zeros(SAMPLE_RATE), sr=SAMPLE_RATE)
    with pytest.raises(AudioError, match="silent"):
        F.music_features(path)


def test_feature_names_follow_the_layout():
    names = F.feature_names()
    assert len(names) == MUSIC_DIM == len(set(names))
    assert names[MFCC][0] == "mfcc_0" and names[MFCC_DELTA][-1] == "mfcc_delta_19"
    assert [n.removeprefix("chroma_") for n in names[CHROMA]][::3] == [
        "C",
        "D#",
        "F#",
        "A",
    ]
    assert names[BEAT] == "beat"


@pytest.mark.parametrize(
    ("audio", "sr", "error", "match"),
    [
        (np.ones(1000, np.float32), None, ParameterError, "sr"),
        ("song.wav", SAMPLE_RATE, ParameterError, "file carries its own rate"),
        ([0.1, 0.2], SAMPLE_RATE, ParameterError, "numpy array"),
        (np.ones((1000, 2), np.float32), SAMPLE_RATE, AudioError, "mono"),
        (np.full(1000, np.nan, np.float32), SAMPLE_RATE, AudioError, "NaN"),
        ("/nonexistent/song.mp3", None, AudioError, "/nonexistent/song.mp3"),
    ],
)
def test_bad_input_is_reported(audio, sr, error, match):
    with pytest.raises(error, match=match):
        F.music_features(audio, sr=sr)


@pytest.mark.parametrize(
    ("rows", "cols", "width"), [(7, 3, 31), (5, 31, 31), (40, 151, 15)]
)
def test_sliding_median_equals_scipy(rows, cols, width, median_filter):
    x = np.random.default_rng(cols).standard_normal((rows, cols))
    x[:, ::3] = np.round(x[:, ::3])  # ties
    expected = scipy.ndimage.median_filter(x, size=(1, width), mode="reflect")
    np.testing.assert_array_equal(median_filter(x, width=width), expected)


# --- the command ------------------------------------------------------------------------


def _run(argv: list[str]) -> int:
    with pytest.raises(SystemExit) as info:
        main(argv)
    return info.value.code


def test_cli_writes_npz_with_features_and_beats(tmp_path, caplog):
    audio = write_wav(
        tmp_path / "clicks.wav", _clicks(6.0, bpm=120, sr=44100), sr=44100
    )
    out = tmp_path / "out" / "clicks.npz"
    with caplog.at_level(logging.INFO):
        assert _run(["features", str(audio), "--out", str(out)]) == 0
    with np.load(out) as saved:
        assert saved["features"].shape == (150, MUSIC_DIM)
        assert saved["tempo"] == pytest.approx(120, abs=2)
        assert len(saved["beat_times"]) >= 10 and int(saved["fps"]) == FPS
        assert list(saved["feature_names"]) == F.feature_names()
    assert "(150, 53)" in caplog.text and "BPM" in caplog.text
    assert sorted(p.name for p in out.parent.iterdir()) == ["clicks.npz"]


def test_cli_writes_npy_with_features_only(tmp_path):
    audio = write_wav(tmp_path / "clicks.wav", _clicks(2.0, bpm=120), sr=SAMPLE_RATE)
    out = tmp_path / "clicks.npy"
    assert _run(["features", str(audio), "-o", str(out)]) == 0
    assert np.load(out).shape == (50, MUSIC_DIM)


@pytest.mark.parametrize(
    ("name", "out", "match"),
    [
        ("missing.wav", "f.npz", "does not exist"),
        ("clicks.wav", "f.csv", ".npz or .npy"),
    ],
)
def test_cli_reports_errors_without_traceback(tmp_path, caplog, name, out, match):
    write_wav(tmp_path / "clicks.wav", _clicks(1.0, bpm=120), sr=SAMPLE_RATE)
    assert _run(["features", str(tmp_path / name), "--out", str(tmp_path / out)]) == 2
    assert match in caplog.text and "Traceback" not in caplog.text
    assert not (tmp_path / out).exists()
