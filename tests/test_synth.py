"""The synthetic corpus: music truth, dances that follow it, windows for training."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from livedual.chords import best_chord
from livedual.const import (
    BEAT,
    CHROMA,
    FPS,
    HOP_LENGTH,
    MFCC,
    N_CHROMA,
    POSE_DIM,
    SAMPLE_RATE,
    WINDOW_FRAMES,
)
from livedual.data.synth import (
    STYLES,
    iter_synthetic_songs,
    make_song,
    song_seed,
    synthetic_windows,
)
from livedual.data.synth_dance import dance
from livedual.data.synth_music import (
    BEATS_PER_BAR,
    FORM,
    GENRES,
    MAX_TEMPO_BPM,
    MIN_TEMPO_BPM,
    draw_song_spec,
    render_song,
    song_truth,
)
from livedual.errors import ParameterError
from livedual.rhythm import (
    beat_alignment_ratio,
    beat_frames_from_flags,
    joint_speed,
    kinematic_beats,
)
from livedual.skeleton import FOOT_JOINTS, pose_to_joints

SEEDS = (
    0,
    1,
    2,
    3,
    4,
    5,
)  # every genre, tempi from 79 to 132 BPM, major and minor keys
DURATION_S = 20.0


@pytest.fixture(scope="module")
def truths():
    return {
        seed: song_truth(draw_song_spec(seed, duration_s=DURATION_S)) for seed in SEEDS
    }


@pytest.fixture(scope="module")
def dances(truths):
    """Joint positions (T, 24, 3) of every style danced to every song."""
    return {
        (seed, style): pose_to_joints(dance(truth, style=style, seed=seed))
        for seed, truth in truths.items()
        for style in STYLES
    }


# --- music -----------------------------------------------------------------------------


def test_song_truth_is_a_steady_four_four_grid(truths):
    for truth in truths.values():
        assert MIN_TEMPO_BPM <= truth.tempo_bpm <= MAX_TEMPO_BPM
        np.testing.assert_allclose(np.diff(truth.beat_times), 60.0 / truth.tempo_bpm)
        np.testing.assert_array_equal(
            truth.beat_in_bar, np.arange(len(truth.beat_times)) % BEATS_PER_BAR
        )
        assert truth.section_labels == FORM[: len(truth.section_labels)]
        assert truth.n_frames == int(DURATION_S * FPS)
        # one chord per bar
        bars = truth.beat_chord_index.reshape(-1)[
            : len(truth.beat_times) // 4 * 4
        ].reshape(-1, 4)
        assert np.all(bars == bars[:, :1])


def test_tempo_key_and_mode_vary_with_the_seed(truths):
    assert len({round(t.tempo_bpm) for t in truths.values()}) == len(SEEDS)
    assert {t.key_mode for t in truths.values()} == {0, 1}


def test_loudness_follows_the_sections(truths):
    for truth in truths.values():
        assert np.all((truth.loudness > 0) & (truth.loudness <= 1))
        on_beats = truth.loudness[truth.beat_frames]
        labels = np.array(truth.section_labels)[truth.beat_section]
        assert on_beats[labels == "chorus"].min() > on_beats[labels == "verse"].max()
        for label in set(labels):  # one level per section, reached by its first beat
            assert np.ptp(on_beats[labels == label]) < 1e-6


def test_audio_is_bounded_and_frame_exact():
    audio, truth = render_song(draw_song_spec(3, duration_s=8.0))
    assert audio.dtype == np.float32 and audio.shape == (truth.n_frames * HOP_LENGTH,)
    assert 0.3 < np.abs(audio).max() < 1.0
    lead_in = int(truth.beat_times[0] * SAMPLE_RATE) - 10
    assert np.abs(audio[:lead_in]).max() == 0.0  # silence until the first downbeat


@pytest.fixture(scope="module")
def analysed():
    """(truth, music features) of songs across the tempo range."""
    from livedual.features import music_features

    out = []
    for seed in SEEDS[:4]:
        audio, truth = render_song(draw_song_spec(seed, duration_s=15.0))
        out.append((truth, music_features(audio, sr=SAMPLE_RATE)))
    return out


def test_feature_beat_flags_land_on_the_true_beats(analysed):
    hits, total = 0, 0
    for truth, features in analysed:
        flags = beat_frames_from_flags(features[:, BEAT])
        true = truth.beat_frames
        recall = np.array([np.abs(flags - b).min() <= 1 for b in true])
        precision = np.array([np.abs(true - f).min() <= 1 for f in flags])
        # The tracker may count in half or double time; its beats still sit on the grid.
        assert recall.mean() >= 0.9 or precision.mean() >= 0.9, (
            truth.tempo_bpm,
            recall.mean(),
            precision.mean(),
        )
        hits, total = hits + recall.sum(), total + len(true)
    assert hits / total >= 0.8


def test_feature_chroma_names_the_true_chord(analysed):
    for truth, features in analysed:
        played = truth.frame_index() >= 0
        chords = best_chord(features[:, CHROMA])[played]
        root, quality = truth.frame_chords()
        true = (root + N_CHROMA * quality)[played]
        assert np.mean(chords == true) >= 0.7


# --- dance ---------------------------------------------------------------------------


def test_kinematic_beats_align_with_the_music_beats(truths, dances):
    for style in STYLES:
        ratios = [
            beat_alignment_ratio(
                kinematic_beats(dances[seed, style], fps=FPS), truths[seed].beat_frames
            )
            for seed in SEEDS
        ]
        assert np.mean(ratios) >= 0.8, (style, ratios)
        assert min(ratios) >= 0.6, (style, ratios)


def test_kinematic_beats_find_most_music_beats(truths, dances):
    for (seed, style), joints in dances.items():
        kinematic = kinematic_beats(joints, fps=FPS)
        # Within 2 frames: the robot's hit-and-hold puts its slowest frame just after the beat.
        found = [np.abs(kinematic - b).min() <= 2 for b in truths[seed].beat_frames]
        assert np.mean(found) >= 0.9, (seed, style)


def test_feet_stay_on_the_floor(truths, dances):
    for (seed, style), joints in dances.items():
        lowest = joints[:, list(FOOT_JOINTS), 1].min(axis=1)
        assert lowest.min() > -1e-3, (seed, style)
        assert lowest.max() < 0.1, (
            seed,
            style,
        )  # only jumps leave the floor, by a few cm
        assert lowest[truths[seed].beat_frames].max() < 0.02  # landed on every beat
        travel = np.abs(joints[:, 0, [0, 2]] - joints[0, 0, [0, 2]]).max()
        assert travel < 1.5, (seed, style)  # dancing in place, not walking off


def test_the_body_keeps_its_proportions_and_stands_upright(dances):
    for joints in dances.values():
        head_above_pelvis = joints[:, 15, 1] - joints[:, 0, 1]
        assert head_above_pelvis.min() > 0.3


def pose_statistics(pose: np.ndarray) -> np.ndarray:
    """Per-value spread of the rotations and per-joint mean speed of a pose sequence."""
    joints = pose_to_joints(pose)
    return np.concatenate(
        [pose[:, 3:].std(axis=0), joint_speed(joints, fps=FPS).mean(axis=0)]
    )


def style_windows(seeds: range) -> tuple[np.ndarray, np.ndarray]:
    rows, labels = [], []
    for seed in seeds:
        truth = song_truth(draw_song_spec(seed, duration_s=12.0))
        for label, style in enumerate(STYLES):
            pose = dance(truth, style=style, seed=seed)
            for start in range(0, len(pose) - WINDOW_FRAMES + 1, WINDOW_FRAMES):
                rows.append(pose_statistics(pose[start : start + WINDOW_FRAMES]))
                labels.append(label)
    return np.array(rows), np.array(labels)


def test_a_nearest_centroid_classifier_recognises_the_style_of_a_window():
    train_x, train_y = style_windows(range(10, 16))
    test_x, test_y = style_windows(range(100, 106))
    assert nearest_centroid_accuracy(train_x, train_y, test_x, test_y) >= 0.9


def nearest_centroid_accuracy(
    train_x: np.ndarray, train_y: np.ndarray, test_x: np.ndarray, test_y: np.ndarray
) -> float:
    """Share of test rows whose nearest class centroid (standardised features) is right."""
    mean, std = train_x.mean(axis=0), train_x.std(axis=0) + 1e-6
    classes = np.unique(train_y)
    centroids = np.stack(
        [((train_x - mean) / std)[train_y == k].mean(axis=0) for k in classes]
    )
    distance = ((((test_x - mean) / std)[:, None, :] - centroids[None]) ** 2).sum(-1)
    return float(np.mean(classes[distance.argmin(axis=1)] == test_y))


# --- genres: the music says which style to dance ----------------------------------------


def test_each_style_dances_to_its_own_genre_of_music():
    assert STYLES == tuple(GENRES)
    ranges = sorted(genre.tempo_bpm for genre in GENRES.values())
    assert all(a[1] <= b[0] for a, b in zip(ranges, ranges[1:]))  # no overlap
    genres = set()
    for seed in range(16):
        spec = draw_song_spec(seed, duration_s=5.0)
        low, high = GENRES[spec.genre].tempo_bpm
        assert low <= spec.tempo_bpm <= high
        assert make_song(seed, duration_s=5.0).style == spec.genre
        genres.add(spec.genre)
    assert genres == set(GENRES)
    forced = draw_song_spec(0, duration_s=5.0, genre="sway")
    assert forced.genre == "sway" and forced.tempo_bpm <= GENRES["sway"].tempo_bpm[1]


def music_statistics(windows) -> np.ndarray:
    """Per window: MFCC mean and spread, and the median spacing of the beat flags."""
    rows = []
    for music in windows.music:
        beats = np.flatnonzero(music[:, BEAT] > 0.5)
        spacing = np.median(np.diff(beats)) if len(beats) > 1 else 0.0
        mfcc = music[:, MFCC]
        rows.append(np.concatenate([mfcc.mean(axis=0), mfcc.std(axis=0), [spacing]]))
    return np.array(rows)


def test_the_music_features_of_a_window_tell_its_style():
    """What a music -> dance generator needs: windows of unseen songs tell their style."""
    train = synthetic_windows(n_songs=12, seed=0, duration_s=10.0, stride=25)
    test = synthetic_windows(n_songs=8, seed=1, duration_s=10.0, stride=25)
    accuracy = nearest_centroid_accuracy(
        music_statistics(train), train.genre, music_statistics(test), test.genre
    )
    assert accuracy >= 0.7  # chance is 0.25


def test_the_chord_picks_the_figure_and_the_loudness_its_size(truths):
    truth = truths[2]
    base = pose_to_joints(dance(truth, style="bounce", seed=0))
    other_chords = dataclasses.replace(
        truth, beat_chord_root=(truth.beat_chord_root + 1) % N_CHROMA
    )
    moved = pose_to_joints(dance(other_chords, style="bounce", seed=0))
    wrists = [20, 21]
    assert np.abs(moved[:, wrists] - base[:, wrists]).max() > 0.1
    quiet = dataclasses.replace(truth, loudness=np.full_like(truth.loudness, 0.2))
    loud = dataclasses.replace(truth, loudness=np.ones_like(truth.loudness))
    speed = {
        name: joint_speed(
            pose_to_joints(dance(t, style="bounce", seed=0)), fps=FPS
        ).mean()
        for name, t in (("quiet", quiet), ("loud", loud))
    }
    assert speed["quiet"] < 0.8 * speed["loud"]


def test_the_dance_is_a_function_of_truth_style_and_seed(truths):
    truth = truths[0]
    np.testing.assert_array_equal(
        dance(truth, style="sway", seed=4), dance(truth, style="sway", seed=4)
    )
    assert not np.allclose(
        dance(truth, style="sway", seed=4), dance(truth, style="sway", seed=5)
    )
    assert not np.allclose(
        dance(truth, style="sway", seed=4), dance(truth, style="robot", seed=4)
    )


# --- the corpus ------------------------------------------------------------------------


def test_same_seed_same_song():
    a, b = make_song(11, duration_s=6.0), make_song(11, duration_s=6.0)
    assert a.style == b.style and a.song_id == b.song_id
    np.testing.assert_array_equal(a.audio, b.audio)
    np.testing.assert_array_equal(a.pose, b.pose)
    np.testing.assert_array_equal(a.truth.beat_times, b.truth.beat_times)


def test_two_seeds_give_different_music_and_dance():
    a, b = (
        make_song(11, duration_s=6.0, style="jump"),
        make_song(12, duration_s=6.0, style="jump"),
    )
    assert a.truth.tempo_bpm != b.truth.tempo_bpm
    assert np.abs(a.audio - b.audio).mean() > 0.01
    assert np.abs(a.pose - b.pose).mean() > 0.01


def test_make_song_unpacks_and_matches_audio_to_frames():
    audio, sr, pose, truth = make_song(2, duration_s=5.0, style="robot")
    assert sr == SAMPLE_RATE
    assert pose.shape == (truth.n_frames, POSE_DIM) and pose.dtype == np.float32
    assert len(audio) == truth.n_frames * HOP_LENGTH


def test_synthetic_windows_cut_songs_into_labelled_windows():
    windows = synthetic_windows(n_songs=4, seed=0, duration_s=6.0, stride=25)
    per_song = len(range(0, int(6.0 * FPS) - WINDOW_FRAMES + 1, 25))
    assert len(windows) == 4 * per_song
    assert windows.music.shape[1:] == (WINDOW_FRAMES, 53) and windows.pose.shape[
        1:
    ] == (WINDOW_FRAMES, POSE_DIM)
    assert list(dict.fromkeys(windows.genre)) == list(STYLES)  # every style, in turn
    assert len(set(windows.sequence)) == 4
    first = next(iter_synthetic_songs(seed=0, duration_s=6.0))
    last_start = (per_song - 1) * 25
    np.testing.assert_array_equal(
        windows.pose[per_song - 1], first.pose[last_start : last_start + WINDOW_FRAMES]
    )
    assert windows.sequence[0] == first.song_id
    assert np.isfinite(windows.music).all()
    other = synthetic_windows(n_songs=1, seed=1, duration_s=6.0, stride=25)
    assert other.sequence[0] != windows.sequence[0]


def test_song_seeds_are_stable_and_distinct():
    assert song_seed(0, 3) == song_seed(0, 3)
    assert len({song_seed(s, i) for s in range(3) for i in range(50)}) == 150


@pytest.mark.parametrize(
    "call",
    [
        lambda: make_song(1, style="tango"),
        lambda: make_song(-1),
        lambda: make_song(1, duration_s=1.0),
        lambda: synthetic_windows(n_songs=0),
        lambda: synthetic_windows(n_songs=1, duration_s=2.0),
        lambda: synthetic_windows(n_songs=1, styles=()),
        lambda: dance(
            song_truth(draw_song_spec(0, duration_s=5.0)), style="waltz", seed=0
        ),
    ],
)
def test_bad_arguments_are_refused(call):
    with pytest.raises(ParameterError):
        call()
