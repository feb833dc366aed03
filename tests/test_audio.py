"""Decoding, validation and writing of audio (livedual.audio)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from livedual.audio import SILENCE_PEAK, check_audio, load_audio, write_wav
from livedual.const import SAMPLE_RATE
from livedual.errors import AudioError, ParameterError


def _tone(seconds: float, sr: int, freq: float = 440.0) -> np.ndarray:
    t = np.arange(int(seconds * sr)) / sr
    return (0.5 * np.sin(2 * np.pi * freq * t)).astype(np.float32)


# --- reading ----------------------------------------------------------------------


def test_mp3_decodes_to_mono_float32_at_22k(kick_mp3):
    y = load_audio(kick_mp3)
    assert y.dtype == np.float32 and y.ndim == 1 and y.flags.c_contiguous
    assert len(y) == 10 * SAMPLE_RATE  # the loop lasts exactly 10 s
    assert 0.5 < np.abs(y).max() <= 1.0


def test_stereo_44k_wav_of_the_decoded_mp3_loads_identically(kick_mp3, tmp_path):
    raw, rate = sf.read(kick_mp3, dtype="float32")
    assert raw.shape[1] == 2 and rate == 44100
    wav = write_wav(tmp_path / "kick.wav", raw, sr=rate)
    np.testing.assert_array_equal(load_audio(wav), load_audio(kick_mp3))


def test_any_target_rate_and_channel_count(tmp_path):
    stereo = np.stack([_tone(1.0, 48000), _tone(1.0, 48000, 660.0)], axis=1)
    path = write_wav(tmp_path / "stereo48k.wav", stereo, sr=48000)
    assert len(load_audio(path, sr=16000)) == 16000
    assert len(load_audio(path)) == SAMPLE_RATE


def test_formats_soundfile_cannot_read_go_through_ffmpeg(tmp_path):
    imageio_ffmpeg = pytest.importorskip("imageio_ffmpeg")
    wav = write_wav(tmp_path / "tone.wav", _tone(2.0, 44100), sr=44100)
    m4a = tmp_path / "tone.m4a"
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(wav), str(m4a)]
    subprocess.run(command, check=True)
    y = load_audio(m4a)
    assert abs(len(y) - 2 * SAMPLE_RATE) < 0.05 * SAMPLE_RATE  # AAC adds priming
    spectrum = np.abs(np.fft.rfft(y))
    assert abs(np.argmax(spectrum) * SAMPLE_RATE / len(y) - 440.0) < 2.0


# --- files that are not usable audio -----------------------------------------------


def _silent_wav(folder: Path) -> Path:
    return write_wav(folder / "silent.wav", np.zeros(SAMPLE_RATE), sr=SAMPLE_RATE)


def _quiet_wav(folder: Path) -> Path:
    noise = np.random.default_rng(0).uniform(-1, 1, SAMPLE_RATE) * SILENCE_PEAK / 2
    return write_wav(folder / "quiet.wav", noise, sr=SAMPLE_RATE)


def _text_as_mp3(folder: Path) -> Path:
    path = folder / "notes.mp3"
    path.write_text("These are not the droids you are looking for.\n" * 50)
    return path


def _empty_file(folder: Path) -> Path:
    path = folder / "empty.wav"
    path.touch()
    return path


def _wav_without_samples(folder: Path) -> Path:
    path = folder / "no_samples.wav"
    sf.write(path, np.zeros((0, 1), dtype=np.float32), SAMPLE_RATE)
    return path


def _wav_with_nan(folder: Path) -> Path:
    path = folder / "nan.wav"
    y = _tone(0.5, SAMPLE_RATE)
    y[100] = np.nan
    sf.write(path, y, SAMPLE_RATE, subtype="FLOAT")
    return path


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda folder: folder / "missing.mp3", "does not exist"),
        (lambda folder: folder, "is not a file"),
        (_empty_file, "is empty"),
        (_text_as_mp3, "cannot decode"),
        (_wav_without_samples, "no audio samples"),
        (_wav_with_nan, "NaN"),
        (_silent_wav, "silent"),
        (_quiet_wav, "silent"),
    ],
)
def test_unusable_files_raise_audio_error_naming_file_and_reason(
    tmp_path, make, reason
):
    path = make(tmp_path)
    with pytest.raises(AudioError) as info:
        load_audio(path)
    message = str(info.value)
    assert str(path) in message and reason in message
    assert "Traceback" not in message and info.value.__cause__ is None


# --- buffers ------------------------------------------------------------------------


def test_check_audio_returns_contiguous_float32():
    y = np.linspace(-0.5, 0.5, 2000)[::2]  # float64, not contiguous
    checked = check_audio(y, sr=SAMPLE_RATE)
    assert checked.dtype == np.float32 and checked.flags.c_contiguous
    np.testing.assert_allclose(checked, y, atol=1e-7)


@pytest.mark.parametrize(
    ("y", "reason"),
    [
        (np.zeros((100, 2), dtype=np.float32), "shape (100, 2)"),
        (np.zeros((), dtype=np.float32), "shape ()"),
        (np.ones(100, dtype=np.int16), "dtype int16"),
        ([0.1, 0.2], "numpy array"),
        (np.array([], dtype=np.float32), "no audio samples"),
        (np.array([0.1, np.nan, 0.2], dtype=np.float32), "NaN or infinite"),
        (np.array([0.1, np.inf, 0.2], dtype=np.float32), "NaN or infinite"),
        (np.zeros(1000, dtype=np.float32), "silent"),
        (np.full(1000, SILENCE_PEAK / 2, dtype=np.float32), "silent"),
    ],
)
def test_bad_buffers_raise_audio_error(y, reason):
    with pytest.raises(AudioError, match="buffer") as info:
        check_audio(y, sr=SAMPLE_RATE)
    assert reason in str(info.value)


def test_silence_is_allowed_on_request():
    zeros = np.zeros(1000, dtype=np.float32)
    np.testing.assert_array_equal(
        check_audio(zeros, sr=8000, allow_silence=True), zeros
    )


@pytest.mark.parametrize("sr", [0, -22050, 22050.0, True, None])
def test_bad_sample_rates_raise_parameter_error(sr):
    with pytest.raises(ParameterError, match="sample rate"):
        check_audio(np.ones(10, dtype=np.float32), sr=sr)


# --- writing ------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(1000,), (1000, 2)])
def test_write_wav_round_trips_exactly(tmp_path, shape):
    y = np.random.default_rng(1).uniform(-1, 1, shape).astype(np.float32)
    path = write_wav(tmp_path / "sub" / "out.wav", y, sr=44100)
    back, rate = sf.read(path, dtype="float32")
    assert rate == 44100
    np.testing.assert_array_equal(back, y)
    assert [p.name for p in path.parent.iterdir()] == ["out.wav"]  # no temporary left


def test_write_wav_keeps_the_old_file_when_it_fails(tmp_path):
    path = write_wav(tmp_path / "out.wav", _tone(0.1, 8000), sr=8000)
    before = path.read_bytes()
    bad = _tone(0.1, 8000)
    bad[3] = np.inf
    with pytest.raises(AudioError, match="out.wav"):
        write_wav(path, bad, sr=8000)
    with pytest.raises(AudioError, match="shape"):
        write_wav(path, np.zeros((2, 2, 2)), sr=8000)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["out.wav"]
