"""Audio sources: the ring buffer, a file played as live input, and the microphone path."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from types import SimpleNamespace

import numpy as np
import pytest
import soundfile

from livedual.audio import load_audio
from livedual.errors import DeviceError, MissingExtraError
from livedual.io.audio_source import (
    DEVICE_LIST_COMMAND,
    FileSource,
    MicSource,
    RingBuffer,
    find_input_device,
)

SR = 22050
BLOCK = 1024
JACK_START_S = 10


# --- ring buffer ----------------------------------------------------------------------


def test_ring_buffer_is_a_fifo_across_the_wrap():
    ring = RingBuffer(10)
    ring.push(np.arange(7))
    assert ring.pop(5).tolist() == [0, 1, 2, 3, 4]
    ring.push(np.arange(7, 15))  # wraps around the end of the array
    assert ring.available == 10
    assert ring.pop(100).tolist() == list(range(5, 15))
    assert ring.overflows == 0 and ring.pop(3, timeout=0).size == 0


def test_a_full_ring_keeps_the_newest_samples_and_counts_the_overflow():
    ring = RingBuffer(8)
    ring.push(np.arange(6))
    ring.push(np.arange(6, 11))  # 3 too many
    assert ring.overflows == 1 and ring.dropped_samples == 3
    assert ring.pop(8).tolist() == list(range(3, 11))
    ring.push(np.arange(20))  # longer than the buffer
    assert ring.overflows == 2 and ring.pop(8).tolist() == list(range(12, 20))


def test_a_blocking_push_waits_for_the_reader_and_loses_nothing():
    ring = RingBuffer(64)
    data = np.arange(10_000, dtype=np.float32)
    out: list[np.ndarray] = []

    def consume():
        while not (ring.closed and ring.available == 0):
            out.append(ring.pop(37, timeout=0.5))

    reader = threading.Thread(target=consume)
    reader.start()
    for start in range(0, len(data), 50):
        ring.push(data[start : start + 50], block=True)
    ring.close()
    reader.join(timeout=5)
    assert not reader.is_alive()
    np.testing.assert_array_equal(np.concatenate(out), data)
    assert ring.overflows == 0


# --- file as live input ---------------------------------------------------------------


@pytest.fixture(scope="module")
def wav_file(tmp_path_factory):
    """Two seconds of a chirp at 22.05 kHz, with a length that is not whole blocks."""
    t = np.arange(int(2.0 * SR) + 123) / SR
    y = 0.5 * np.sin(2 * np.pi * (220 + 200 * t) * t)
    path = tmp_path_factory.mktemp("audio") / "chirp.wav"
    soundfile.write(path, y.astype(np.float32), SR, subtype="FLOAT")
    return path


def read_all(source) -> tuple[list[np.ndarray], float]:
    chunks, start = [], time.monotonic()
    with source:
        while not source.exhausted:
            chunk = source.read(max_samples=BLOCK, timeout=2.0)
            if chunk.size:
                chunks.append(chunk)
    return chunks, time.monotonic() - start


def test_file_source_streams_the_whole_file_in_device_blocks(wav_file):
    chunks, _ = read_all(FileSource(wav_file, block_size=BLOCK, realtime=False))
    expected = load_audio(wav_file, sr=SR)
    np.testing.assert_array_equal(np.concatenate(chunks), expected)
    assert all(len(c) == BLOCK for c in chunks[:-1]) and 0 < len(chunks[-1]) <= BLOCK
    assert len(chunks) == -(-len(expected) // BLOCK)


def test_file_source_plays_a_real_mp3(kick_mp3):
    chunks, _ = read_all(FileSource(kick_mp3, realtime=False))
    np.testing.assert_array_equal(np.concatenate(chunks), load_audio(kick_mp3, sr=SR))


def test_realtime_file_source_takes_about_real_time(wav_file):
    source = FileSource(wav_file, block_size=BLOCK, realtime=True)
    chunks, elapsed = read_all(source)
    duration = sum(len(c) for c in chunks) / SR
    assert duration == pytest.approx(2.0, abs=0.01)
    assert 0.9 * duration <= elapsed <= duration + 1.0
    assert source.overflows == 0


def test_fast_file_source_is_faster_than_real_time():
    samples = np.sin(np.arange(10 * SR) / 10.0).astype(np.float32)  # 10 s
    chunks, elapsed = read_all(FileSource.from_samples(samples, realtime=False))
    np.testing.assert_array_equal(np.concatenate(chunks), samples)
    assert elapsed < 5.0


def test_a_reader_that_falls_behind_loses_the_oldest_audio_like_a_microphone():
    samples = np.arange(SR, dtype=np.float32)  # 1 s into a 0.25 s buffer
    source = FileSource.from_samples(samples, realtime=True, buffer_seconds=0.25)
    with source:
        time.sleep(1.3)
        kept = source.read(max_samples=SR, timeout=0)
    assert source.overflows > 0
    assert kept[-1] == samples[-1] and len(kept) <= source.ring.capacity


def test_closing_a_file_source_early_stops_its_thread(wav_file):
    source = FileSource(wav_file, realtime=True)
    with source:
        assert source.read(max_samples=BLOCK, timeout=2.0).size == BLOCK
    assert (
        source.closed and source._thread is not None and not source._thread.is_alive()
    )


# --- microphone -----------------------------------------------------------------------


def fake_sounddevice(
    devices: list[tuple[str, int]], default_input: int = -1
) -> SimpleNamespace:
    return SimpleNamespace(
        query_hostapis=lambda: [{"name": "ALSA"}],
        query_devices=lambda: [
            {"name": n, "max_input_channels": c, "hostapi": 0} for n, c in devices
        ],
        default=SimpleNamespace(device=[default_input, -1]),
    )


def test_input_devices_are_found_by_index_name_fragment_or_default():
    sd = fake_sounddevice(
        [("HDMI out", 0), ("USB Mic Pro", 1), ("Line In", 2)], default_input=2
    )
    assert find_input_device(None, sd=sd) == 2
    assert find_input_device("usb mic", sd=sd) == 1
    assert find_input_device("alsa", sd=sd) == 1  # host API names match too
    assert find_input_device(1, sd=sd) == 1
    for missing in ("Zoom H4", 0, 7):
        with pytest.raises(DeviceError, match=DEVICE_LIST_COMMAND):
            find_input_device(missing, sd=sd)
    with pytest.raises(DeviceError, match="no audio input device"):
        find_input_device(None, sd=fake_sounddevice([("HDMI out", 0)]))


def test_importing_the_adapters_loads_no_optional_device_library():
    code = (
        "import sys, livedual.io\n"
        "bad = [m for m in ('sounddevice', 'rtmidi', 'torch', 'librosa') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_missing_sounddevice_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "sounddevice", None)
    with pytest.raises(MissingExtraError, match=r"livedual\[audio\]"):
        MicSource().start()


def test_a_missing_device_is_a_device_error():
    pytest.importorskip(
        "sounddevice", reason="sounddevice (and libportaudio2) not installed"
    )
    with pytest.raises(DeviceError, match=DEVICE_LIST_COMMAND):
        MicSource("no such microphone anywhere").start()


@pytest.fixture(scope="module")
def jack_sounddevice(request):
    """sounddevice seeing a JACK server with the dummy driver (no sound card), at 22.05 kHz
    or at the rate given by indirect parametrisation."""
    rate = getattr(request, "param", SR)
    for tool in ("jackd", "jack_wait"):
        if shutil.which(tool) is None:
            pytest.skip(
                f"{tool} not found: the JACK server is needed (Debian: apt-get install jackd2)"
            )
    sd = pytest.importorskip(
        "sounddevice", reason="sounddevice (and libportaudio2) not installed"
    )
    name = f"livedual-test-audio-{os.getpid()}"
    process = subprocess.Popen(
        [
            "jackd",
            "--no-realtime",
            "-n",
            name,
            "-d",
            "dummy",
            "-r",
            str(rate),
            "-p",
            str(BLOCK),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait = subprocess.run(
        ["jack_wait", "-s", name, "-w", "-t", str(JACK_START_S)],
        capture_output=True,
        check=False,
    )
    if wait.returncode != 0:
        process.kill()
        process.wait()
        pytest.skip(f"the JACK dummy server did not start within {JACK_START_S} s")
    saved = {
        k: os.environ.get(k) for k in ("JACK_DEFAULT_SERVER", "JACK_NO_START_SERVER")
    }
    os.environ.update(JACK_DEFAULT_SERVER=name, JACK_NO_START_SERVER="1")
    # PortAudio lists devices once; re-initialise it to see the JACK server.
    sd._terminate()
    sd._initialize()
    yield sd
    sd._terminate()  # before the server goes: PortAudio aborts if JACK vanishes under it
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    process.terminate()
    process.wait(timeout=10)
    sd._initialize()


def test_microphone_through_the_jack_dummy_driver(jack_sounddevice):
    source = MicSource("jack", sample_rate=SR, block_size=BLOCK)
    chunks, start = [], time.monotonic()
    with source:
        while time.monotonic() - start < 1.0:
            chunk = source.read(max_samples=BLOCK, timeout=1.0)
            chunks.append(chunk)
    elapsed = time.monotonic() - start
    received = sum(len(c) for c in chunks)
    assert all(c.dtype == np.float32 and c.ndim == 1 for c in chunks)
    assert all(len(c) == BLOCK for c in chunks)  # one device block per read
    assert 0.5 * elapsed * SR <= received <= 1.5 * elapsed * SR
    assert source.overflows == 0


@pytest.mark.parametrize("jack_sounddevice", [48000], indirect=True)
def test_a_48_khz_device_is_resampled_to_the_feature_rate(jack_sounddevice):
    source = MicSource("jack", sample_rate=SR, block_size=BLOCK)
    received, start = 0, time.monotonic()
    with source:
        while time.monotonic() - start < 1.0:
            received += len(source.read(timeout=1.0))
        elapsed = time.monotonic() - start
        assert source.device_rate == 48000  # JACK only runs at the server's rate
    assert 0.5 * elapsed * SR <= received <= 1.5 * elapsed * SR
