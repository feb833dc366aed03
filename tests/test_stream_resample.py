"""Live resampling of the sound card's stream to the feature rate."""

from __future__ import annotations

import numpy as np
import pytest

from livedual.errors import ParameterError
from livedual.io.stream_resample import StreamResampler

OUT_RATE = 22050
SETTLE = 2000  # output samples the low-pass needs to settle


def _stream(resampler: StreamResampler, signal: np.ndarray, seed: int) -> np.ndarray:
    """``signal`` pushed through in random block sizes, like sound-card callbacks."""
    rng, outputs, i = np.random.default_rng(seed), [], 0
    while i < len(signal):
        n = int(rng.integers(1, 1500))
        outputs.append(resampler.process(signal[i : i + n]))
        i += n
    return np.concatenate(outputs)


def _tone(rate: int, seconds: float, *tones: tuple[float, float]) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return sum(a * np.sin(2 * np.pi * f * t) for f, a in tones).astype(np.float32)


def _amplitude(x: np.ndarray, freq: float, rate: int) -> float:
    """Amplitude of the ``freq`` component of ``x`` (projection on sine and cosine)."""
    t = np.arange(len(x)) / rate
    return float(
        np.hypot(
            2 * np.mean(x * np.sin(2 * np.pi * freq * t)),
            2 * np.mean(x * np.cos(2 * np.pi * freq * t)),
        )
    )


@pytest.mark.parametrize("in_rate", [44100, 48000, 16000])
def test_a_tone_keeps_its_pitch_and_level_and_the_length_is_right(in_rate):
    tone = _tone(in_rate, 2.0, (440.0, 0.5))
    out = _stream(StreamResampler(in_rate=in_rate, out_rate=OUT_RATE), tone, seed=1)
    assert abs(len(out) - len(tone) * OUT_RATE / in_rate) <= 1
    assert _amplitude(out[SETTLE:], 440.0, OUT_RATE) == pytest.approx(0.5, rel=0.01)
    second = out[SETTLE : SETTLE + OUT_RATE]  # one second: 1 Hz spectral bins
    assert np.argmax(np.abs(np.fft.rfft(second))) == 440  # not detuned


def test_what_the_output_rate_cannot_hold_is_filtered_not_folded_down():
    # 15 kHz would alias to 22.05 - 15 = 7.05 kHz without the low-pass.
    tone = _tone(48000, 2.0, (440.0, 0.5), (15000.0, 0.5))
    out = _stream(StreamResampler(in_rate=48000, out_rate=OUT_RATE), tone, seed=2)
    alias = _amplitude(out[SETTLE:], OUT_RATE - 15000.0, OUT_RATE)
    assert alias < 0.005


def test_block_sizes_do_not_change_the_output():
    tone = _tone(48000, 1.0, (440.0, 0.5), (3000.0, 0.2))
    first = _stream(StreamResampler(in_rate=48000, out_rate=OUT_RATE), tone, seed=3)
    second = _stream(StreamResampler(in_rate=48000, out_rate=OUT_RATE), tone, seed=4)
    whole = StreamResampler(in_rate=48000, out_rate=OUT_RATE).process(tone)
    np.testing.assert_allclose(first, whole, atol=1e-5)
    np.testing.assert_allclose(second, whole, atol=1e-5)


def test_equal_rates_pass_blocks_through():
    resampler = StreamResampler(in_rate=OUT_RATE, out_rate=OUT_RATE)
    block = np.linspace(-1, 1, 512, dtype=np.float32)
    assert resampler.passthrough
    np.testing.assert_array_equal(resampler.process(block), block)


def test_rates_must_be_positive():
    with pytest.raises(ParameterError, match="positive"):
        StreamResampler(in_rate=0, out_rate=OUT_RATE)
