"""The music-frames -> notes decoder."""

from __future__ import annotations

import numpy as np
import pytest

from livedual.errors import ParameterError
from livedual.io.notes import (
    Note,
    NoteDecoderOptions,
    decode_notes,
    motion_energy,
    pick_onsets,
)
from livedual.pose import pack_pose

FPS = 25
OPTIONS = NoteDecoderOptions()


def music_frames(
    chords: list[tuple[int, ...]], beats: list[int], n_frames: int
) -> np.ndarray:
    """(T, 13) frames: chord ``k`` (its pitch classes) sounds from beat ``k`` on."""
    music = np.zeros((n_frames, 13))
    bounds = beats[1:] + [n_frames]
    for pitch_classes, start, end in zip(chords, beats, bounds):
        music[start:end, list(pitch_classes)] = 1.0
    music[beats, 12] = 1.0
    return music


def test_a_c_major_chroma_gives_a_c_major_chord_with_its_bass():
    music = music_frames([(0, 4, 7)], [0], 20)
    notes = decode_notes(music=music)
    assert {(n.pitch, n.channel) for n in notes} == {
        (OPTIONS.bass_base, OPTIONS.bass_channel),
        (60, OPTIONS.chord_channel),
        (64, OPTIONS.chord_channel),
        (67, OPTIONS.chord_channel),
    }
    assert all(n.start_s == 0.0 and n.end_s == pytest.approx(20 / FPS) for n in notes)
    assert all(n.velocity == OPTIONS.velocity_default for n in notes)


def test_chords_change_on_beats_and_notes_last_until_the_next_onset():
    # A minor (9, 0, 4) then G major (7, 11, 2), with a noisy extra pitch class.
    music = music_frames([(9, 0, 4), (7, 11, 2)], [5, 30], 60)
    music[:, 5] += 0.2
    notes = decode_notes(music=music)
    first = sorted(n.pitch for n in notes if n.start_s == pytest.approx(5 / FPS))
    second = sorted(n.pitch for n in notes if n.start_s == pytest.approx(30 / FPS))
    assert first == [OPTIONS.bass_base + 9, 69, 72, 76]  # A2; A4 C5 E5
    assert second == [OPTIONS.bass_base + 7, 67, 71, 74]  # G2; G4 B4 D5
    for n in notes:
        assert n.end_s == pytest.approx((30 if n.start_s < 1.0 else 60) / FPS)
    assert [n.start_s for n in notes] == sorted(n.start_s for n in notes)


def test_no_beat_no_note_and_silence_no_chord():
    no_beat = music_frames([(0, 4, 7)], [0], 20)
    no_beat[:, 12] = 0.0
    assert decode_notes(music=no_beat) == []
    silent = np.zeros((20, 13))
    silent[3, 12] = 1.0
    assert decode_notes(music=silent) == []


def test_onsets_are_thresholded_peaks_with_a_minimum_gap():
    beat = np.zeros(40)
    beat[[2, 3]] = 0.9  # plateau: one onset, at its first frame
    beat[5] = 0.95  # a stronger peak too close to the last onset: dropped
    beat[12] = 0.4  # below threshold
    beat[20:23] = [0.6, 0.8, 0.7]  # a rounded peak: its top
    onsets = pick_onsets(beat=beat, threshold=0.5, min_gap_frames=5)
    assert onsets.tolist() == [2, 21]
    assert pick_onsets(beat=beat, threshold=0.5, min_gap_frames=1).tolist() == [
        2,
        5,
        21,
    ]


def test_velocity_follows_motion_energy():
    music = music_frames([(0, 4, 7)] * 3, [0, 10, 20], 30)
    energy = np.concatenate([np.full(10, 0.0), np.full(10, 1.25), np.full(10, 10.0)])
    notes = decode_notes(music=music, motion_energy=energy)
    by_onset = {round(n.start_s * FPS): n.velocity for n in notes}
    assert by_onset == {0: 40, 10: 80, 20: 120}


def test_decoding_is_deterministic_and_checks_shapes():
    rng = np.random.default_rng(0)
    music = rng.uniform(size=(75, 13))
    assert decode_notes(music=music) == decode_notes(music=music.copy())
    with pytest.raises(ParameterError):
        decode_notes(music=np.zeros((10, 12)))
    with pytest.raises(ParameterError):
        decode_notes(music=music, motion_energy=np.zeros(74))


def test_notes_validate_their_fields():
    with pytest.raises(ParameterError, match="pitch"):
        Note(pitch=128, start_s=0.0, end_s=1.0, velocity=64)
    with pytest.raises(ParameterError, match="velocity"):
        Note(pitch=60, start_s=0.0, end_s=1.0, velocity=0)
    with pytest.raises(ParameterError):
        Note(pitch=60, start_s=1.0, end_s=1.0, velocity=64)


def test_motion_energy_is_mean_joint_speed():
    t = np.arange(10) / FPS
    # 2 m/s along x
    transl = np.stack([2.0 * t, np.ones_like(t), np.zeros_like(t)], axis=1)
    pose = pack_pose(transl=transl, rotations=np.tile(np.eye(3), (10, 24, 1, 1)))
    np.testing.assert_allclose(motion_energy(pose=pose), 2.0, atol=1e-9)


def test_dance_beats_stand_in_when_the_model_gives_no_beats():
    music = np.zeros((100, 13))
    music[:, 0] = music[:, 4] = music[:, 7] = 1.0  # C major throughout, beat strength 0
    assert decode_notes(music=music) == []
    notes = decode_notes(music=music, motion_beats=np.array([10, 30, 50, 52]))
    starts = sorted({n.start_s for n in notes})
    assert starts == [10 / 25, 30 / 25, 50 / 25]  # 52 is closer than 0.2 s to 50
    music[40, 12] = 0.9  # a real beat: the model's beats win
    assert sorted(
        {n.start_s for n in decode_notes(music=music, motion_beats=np.array([10]))}
    ) == [40 / 25]
