"""Live engines: windows to plans, the frame timeline, crossfades, beat phase and notes.

Runs on the tiny ONNX fixtures (real I/O, trivial arithmetic) and on a stand-in
generator that dances exactly on the beat flags of its window, which makes the beat
alignment of the low-latency mode measurable.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import mido
import numpy as np
import pytest

from livedual.card import MUSIC_TO_DANCE
from livedual.chords import best_chord
from livedual.const import (
    BEAT,
    FPS,
    MUSIC_OUT_BEAT,
    MUSIC_OUT_DIM,
    WINDOW_FRAMES,
    WINDOW_SAMPLES,
)
from livedual.data.synth import make_song
from livedual.errors import ModelError, ParameterError
from livedual.features import music_features
from livedual.inference import Generator
from livedual.io.audio_source import FileSource
from livedual.io.base import PoseSink
from livedual.io.notes import NoteDecoderOptions, pick_onsets
from livedual.live.clock import FrameTimeline, sample_frames
from livedual.live.engine import (
    DanceToMusicEngine,
    LiveNoteDecoder,
    LiveOptions,
    MusicToDanceEngine,
    best_shift,
)
from livedual.live.runner import LiveRunner
from livedual.pose import (
    axis_angle_to_matrix,
    geodesic_distance,
    interpolate_poses,
    pack_pose,
    unpack_pose,
)
from livedual.rhythm import kinematic_beats
from livedual.skeleton import pose_to_joints

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def m2d() -> Generator:
    return Generator.load(FIXTURES / "tiny_music2dance.onnx")


@pytest.fixture(scope="module")
def d2m() -> Generator:
    return Generator.load(FIXTURES / "tiny_dance2music.onnx")


@pytest.fixture(scope="module")
def song():
    return make_song(3, duration_s=7.0)


def push_chunks(engine, stream: np.ndarray, seed: int = 0) -> list:
    rng = np.random.default_rng(seed)
    plans, start = [], 0
    while start < len(stream):
        size = int(rng.integers(1, 3000 if stream.ndim == 1 else 7))
        plans += engine.push(stream[start : start + size])
        start += size
    return plans + engine.finish()


def turn(angle: float, joint: int = 0) -> np.ndarray:
    """A pose with one joint turned by ``angle`` rad about y, translation (angle, 0, 0)."""
    aa = np.zeros((24, 3))
    aa[joint, 1] = angle
    return pack_pose(
        transl=np.array([angle, 0.0, 0.0]), rotations=axis_angle_to_matrix(aa)
    )


# --- options ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "options",
    [
        LiveOptions(mode="fast"),
        LiveOptions(hop=0),
        LiveOptions(hop=76),
        LiveOptions(mode="sync", crossfade=3),  # back-to-back windows share no frame
        LiveOptions(mode="sync", hop=70, crossfade=6),
        LiveOptions(mode="lowlatency", hop=30, crossfade=10),
        LiveOptions(margin_s=-0.1),
    ],
)
def test_impossible_options_are_refused(options):
    with pytest.raises(ParameterError):
        options.resolved()


def test_latency_of_each_mode():
    assert LiveOptions(mode="sync", margin_s=0.2).latency_s == pytest.approx(3.2)
    low = LiveOptions(mode="lowlatency", hop=12, crossfade=4, margin_s=0.2)
    assert low.lag_frames == 16 and low.latency_s == pytest.approx(0.84)


def test_an_engine_refuses_a_model_of_the_other_task(m2d, d2m):
    with pytest.raises(ModelError, match="dance2music"):
        MusicToDanceEngine(d2m)
    with pytest.raises(ModelError, match="music2dance"):
        DanceToMusicEngine(m2d)


# --- music -> dance ---------------------------------------------------------------------


def test_sync_mode_is_the_papers_chaining_on_live_windows(m2d, song):
    engine = MusicToDanceEngine(m2d, options=LiveOptions(mode="sync", seed=4))
    plans = push_chunks(engine, song.audio)
    n_frames = len(song.audio) // 882
    assert engine.input_frames == n_frames and len(plans) == 3  # 7 s: 3 windows
    token = m2d.start_pose(np.random.default_rng(4))
    expected = []
    for k, plan in enumerate(plans):
        audio = song.audio[k * WINDOW_SAMPLES : (k + 1) * WINDOW_SAMPLES]
        audio = np.pad(audio, (0, WINDOW_SAMPLES - len(audio)))  # the last one padded
        # The offline feature function on the same buffer, bit for bit.
        np.testing.assert_array_equal(plan.features, music_features(audio, sr=22050))
        out = m2d.generate(plan.features, start=token, seed=4 + k)
        expected.append(out)
        token = m2d.next_start(out)  # the last frame of the window: the next start
        assert plan.apply_from == plan.first == k * WINDOW_FRAMES
    timeline = np.stack([engine.timeline.frame(i) for i in range(n_frames)])
    np.testing.assert_array_equal(timeline, np.concatenate(expected)[:n_frames])


def test_sync_mode_with_a_short_hop_emits_the_first_hop_of_each_window(m2d, song):
    engine = MusicToDanceEngine(m2d, options=LiveOptions(mode="sync", hop=25))
    plans = push_chunks(engine, song.audio[: 5 * 22050])
    for previous, plan in itertools.pairwise(plans):
        assert plan.apply_from == previous.apply_from + 25
        # The start token was the frame emitted just before the window.
        kept = engine.timeline.frame(plan.apply_from)
        expected = m2d.generate(
            plan.features, start=previous.frames[24], seed=plan.index
        )
        np.testing.assert_array_equal(kept, expected[0])


def test_sync_mode_with_a_crossfade_is_the_overlap_of_livedual_dance(m2d, song):
    options = LiveOptions(mode="sync", hop=65, crossfade=10, seed=2)
    engine = MusicToDanceEngine(m2d, options=options)
    plans = push_chunks(engine, song.audio)
    weight = np.arange(1, 11) / 11
    expected = m2d.generate(
        plans[0].features, start=m2d.start_pose(np.random.default_rng(2)), seed=2
    )
    for plan in plans[1:]:
        # As Generator.generate_long with overlap 10: started from the frame before the
        # window, faded in over the 10 frames both windows cover.
        assert plan.apply_from == 65 * plan.index
        out = m2d.generate(plan.features, start=expected[-11], seed=2 + plan.index)
        out[:10] = interpolate_poses(expected[-10:], out[:10], weight)
        expected = np.concatenate([expected[:-10], out])
    n_frames = len(song.audio) // 882
    timeline = np.stack([engine.timeline.frame(i) for i in range(n_frames)])
    np.testing.assert_allclose(timeline, expected[:n_frames], atol=1e-6)


def test_lowlatency_plans_take_over_after_one_hop_and_never_rewrite_the_past(m2d, song):
    options = LiveOptions(mode="lowlatency", hop=10, crossfade=3, beat_align=False)
    engine = MusicToDanceEngine(m2d, options=options)
    timeline, sent = engine.timeline, {}
    lag = options.latency_s * FPS
    for start in range(0, len(song.audio), 1024):
        for plan in engine.push(song.audio[start : start + 1024]):
            end = engine.windower.end(plan.index) // 882
            assert plan.first == end - WINDOW_FRAMES  # aligned with its audio
            assert plan.apply_from == end - 10 - 3
        # What a 25 fps output clock has sent by now, and it must not change later.
        for i in range(len(sent), int((start + 1024) / 882 - lag) + 1):
            sent[i] = timeline.sample(float(i)).frame
        for i, frame in sent.items():
            if i > timeline.committed - timeline.history:
                np.testing.assert_array_equal(timeline.frame(i), frame)
    engine.finish()
    assert timeline.late_merges == 0 and engine.skipped_windows == 0
    assert all(
        timeline.frame(i) is not None for i in range(len(sent), engine.input_frames)
    )


def test_a_worker_behind_plans_only_the_newest_window(m2d, song):
    engine = MusicToDanceEngine(m2d, options=LiveOptions(mode="lowlatency", hop=10))
    plans = engine.push(song.audio[: 2 * 22050], latest_only=True)
    assert (
        len(plans) == 1
        and engine.skipped_windows == engine.windower.windows_emitted - 1
    )
    # The newest plan fills the timeline from its first frame, leaving no hole.
    assert plans[0].written.start == 0


# --- timeline and interpolation ---------------------------------------------------------


def test_interpolated_poses_slerp_rotations_and_lerp_translation():
    a, b = turn(0.0), turn(1.2)
    out = interpolate_poses(
        np.stack([a, a, a]), np.stack([b, b, b]), np.array([0.0, 0.25, 1.0])
    )
    _, rot = unpack_pose(out)
    _, rot_a = unpack_pose(a)
    angles = geodesic_distance(rot_a[None, 0], rot[:, 0])
    np.testing.assert_allclose(angles, [0.0, 0.3, 1.2], atol=1e-5)
    np.testing.assert_allclose(out[:, 0], [0.0, 0.3, 1.2], atol=1e-6)


def test_sampling_whole_positions_returns_the_frames_unchanged():
    frames = np.random.default_rng(0).normal(size=(5, 147)).astype(np.float32)
    np.testing.assert_array_equal(
        sample_frames(frames, np.arange(5.0), interpolate=interpolate_poses), frames
    )


def test_a_new_plan_crossfades_from_the_provisional_frames():
    timeline = FrameTimeline(dim=147)
    timeline.merge(np.tile(turn(0.0), (20, 1)), first=0, apply_from=0)
    for i in range(8):
        timeline.sample(float(i))  # frames 0..7 sent
    written = timeline.merge(
        np.tile(turn(1.0), (20, 1)), first=5, apply_from=6, crossfade=4
    )
    assert written == range(8, 25)  # committed frames stay
    _, rot0 = unpack_pose(turn(0.0))
    angles = [
        geodesic_distance(rot0[0], unpack_pose(timeline.frame(i))[1][0])
        for i in range(6, 14)
    ]
    np.testing.assert_allclose(angles, [0, 0, 0.2, 0.4, 0.6, 0.8, 1.0, 1.0], atol=1e-5)
    assert timeline.late_merges == 1  # its first frame (6) had been sent already


def test_the_output_samples_between_frames_and_marks_beats_once():
    timeline = FrameTimeline(dim=147)
    beats = np.zeros(10)
    beats[4] = 1.0
    timeline.merge(
        np.stack([turn(0.1 * i) for i in range(10)]), first=0, apply_from=0, beats=beats
    )
    sample = timeline.sample(2.5, rate=60)
    assert sample.frame[0] == pytest.approx(0.25, abs=1e-6)
    positions = np.arange(0, 22) * FPS / 60  # a 60 fps output over frames 0..9
    flagged = [p for p in positions if timeline.sample(p, rate=60).beat]
    assert flagged == [pytest.approx(4.1666666)]  # the 60 fps frame nearest frame 4
    assert timeline.sample(9.5, rate=60) is None  # frame 10 is not there: an underrun


# --- beat phase -------------------------------------------------------------------------


def test_best_shift_puts_the_kinematic_beats_on_the_grid():
    kinematic = 3.0 + 12.5 * np.arange(5)  # one per beat, 3 frames after the grid
    shift = best_shift(
        kinematic,
        grid_origin=0.0,
        period=12.5,
        latency_frames=20.0,
        max_shift=12.5,
        previous=0.0,
    )
    assert shift == 2.0  # 3 + 20 + 2 = 25: two beats later, on the grid
    # Between equally good shifts the previous one is kept.
    assert (
        best_shift(
            kinematic,
            grid_origin=0.0,
            period=12.5,
            latency_frames=20.0,
            max_shift=12.5,
            previous=2.0,
        )
        == 2.0
    )


class BeatDancer:
    """A stand-in G_M->D dancing on the beat flags of its window.

    Both arms turn a full circle per beat, slowing to a stop on each beat: its kinematic
    beats are the window's beats (extended at the tracked period), as a perfect model's.
    """

    task = MUSIC_TO_DANCE
    path = Path("beat_dancer.onnx")

    def start_pose(self, rng: np.random.Generator) -> np.ndarray:
        return self._poses(np.zeros(1))[0]

    def _poses(self, phase: np.ndarray) -> np.ndarray:
        angle = 2 * np.pi * phase - np.sin(2 * np.pi * phase)  # speed 0 on whole beats
        aa = np.zeros((len(phase), 24, 3))
        aa[:, 16, 0] = aa[:, 17, 0] = np.mod(angle + np.pi, 2 * np.pi) - np.pi
        rotations = axis_angle_to_matrix(aa)
        return pack_pose(transl=np.zeros((len(phase), 3)), rotations=rotations).astype(
            np.float32
        )

    def generate(self, window: np.ndarray, *, start=None, seed=0) -> np.ndarray:
        beats = np.flatnonzero(window[:, BEAT] > 0.5)
        if len(beats) < 2:
            return self._poses(np.zeros(WINDOW_FRAMES))
        period = np.median(np.diff(beats))
        around = period * np.arange(1, 40)
        grid = np.concatenate([beats[0] - around[::-1], beats, beats[-1] + around])
        return self._poses(
            np.interp(np.arange(WINDOW_FRAMES), grid, np.arange(len(grid)))
        )


class MemoryPoseSink(PoseSink):
    """Keeps the poses sent."""

    def __init__(self) -> None:
        super().__init__()
        self.poses: list[np.ndarray] = []

    def _send(self, frame_index, time_s, pose, *, beat) -> None:
        self.poses.append(np.array(pose))


def heard_beat_error(*, beat_align: bool, song) -> float:
    """Median distance (frames) from the output's kinematic beats to the song's beats,
    at the time the audience sees them (a fast run: the latency is exact)."""
    recorder = MemoryPoseSink()
    runner = LiveRunner(
        source=FileSource.from_samples(song.audio, realtime=False),
        generator=BeatDancer(),  # type: ignore[arg-type]
        options=LiveOptions(mode="lowlatency", beat_align=beat_align),
        pose_sinks=[recorder],
    )
    runner.run()
    seen = kinematic_beats(pose_to_joints(np.stack(recorder.poses)), fps=FPS)
    heard = seen + runner.options.latency_s * FPS
    heard = heard[heard > 5 * FPS]  # after the first windows
    truth = song.truth.beat_times * FPS
    return float(np.median(np.abs(heard[:, None] - truth[None]).min(axis=1)))


def test_lowlatency_mode_keeps_the_steps_on_the_coming_beats():
    song = make_song(6, duration_s=12.0)  # 92 bpm: a beat every 16 frames
    aligned = heard_beat_error(beat_align=True, song=song)
    unaligned = heard_beat_error(beat_align=False, song=song)
    assert aligned <= 1.0  # within 40 ms of the beat the audience hears
    assert unaligned >= aligned + 2.0


# --- dance -> music ---------------------------------------------------------------------


def pair_notes(messages: list[mido.Message]) -> list[tuple[int, int]]:
    """(channel, note) of each note_on, checking every one is released once, in order."""
    held: set[tuple[int, int]] = set()
    started = []
    for msg in messages:
        key = (getattr(msg, "channel", None), getattr(msg, "note", None))
        if msg.type == "note_on" and msg.velocity > 0:
            assert key not in held, f"{key} started twice"
            held.add(key)
            started.append(key)
        elif msg.type in ("note_on", "note_off"):
            assert key in held, f"{key} released without being held"
            held.discard(key)
    assert not held, f"never released: {held}"
    return started


@pytest.mark.parametrize("mode", ["sync", "lowlatency"])
def test_dance_to_music_notes_start_on_the_onsets_and_all_end(d2m, song, mode):
    options = LiveOptions(mode=mode)
    engine = DanceToMusicEngine(d2m, options=options)
    plans = push_chunks(engine, song.pose, seed=1)
    timed = [m for plan in plans for m in plan.messages]
    times = [t for t, _ in timed]
    assert times == sorted(times)
    started = pair_notes([msg for _, msg in timed])
    assert len(started) >= 8
    # Onsets are exactly those of the offline rule over the same music frames.
    music = np.stack([engine.timeline.frame(i) for i in range(engine.input_frames)])
    rule = NoteDecoderOptions()
    onsets = pick_onsets(
        beat=music[:, MUSIC_OUT_BEAT],
        threshold=rule.beat_threshold,
        min_gap_frames=round(rule.min_onset_gap_s * FPS),
    )
    on_times = sorted({t for t, msg in timed if msg.type == "note_on"})
    assert on_times == [float(f) for f in onsets]


def test_dance_to_music_chains_chords_in_sync_mode(d2m, song):
    engine = DanceToMusicEngine(d2m, options=LiveOptions(mode="sync", seed=2))
    plans = push_chunks(engine, song.pose[:150])
    first = d2m.generate(song.pose[:75], start=None, seed=2)
    np.testing.assert_array_equal(plans[0].frames, first)
    chord = int(best_chord(first[-1, :12]))
    np.testing.assert_array_equal(
        plans[1].frames, d2m.generate(song.pose[75:150], start=chord, seed=3)
    )


def test_live_note_decoder_is_independent_of_chunking():
    rng = np.random.default_rng(3)
    music = rng.random((200, MUSIC_OUT_DIM))
    energy = rng.random(200)
    whole = LiveNoteDecoder()
    reference = whole.push(music, energy, first=0) + whole.finish()
    split = LiveNoteDecoder()
    got, start = [], 0
    for size in rng.integers(1, 9, size=100):
        got += split.push(
            music[start : start + size], energy[start : start + size], first=start
        )
        start += int(size)
        if start >= 200:
            break
    got += split.finish()
    assert [(t, m.type) for t, m in got if m.type == "note_off"][-1][0] == 200.0
    on_whole = [(t, m.note) for t, m in reference if m.type == "note_on"]
    on_split = [(t, m.note) for t, m in got if m.type == "note_on"]
    assert [t for t, _ in on_whole] == [t for t, _ in on_split]
    pair_notes([m for _, m in got])
    with pytest.raises(ParameterError, match="follow on"):
        split.push(music[:1], energy[:1], first=500)
