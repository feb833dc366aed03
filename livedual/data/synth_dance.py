"""Procedural SMPL dance that follows a synthetic song: beats, chords, sections, loudness.

The dance is a deterministic function of the song's ground truth (:class:`SongTruth`), a
style and a seed, so a generator can learn it from the music:

- **Key poses on the beats.** Every beat gets one key pose (local joint rotations in
  axis-angle, plus a facing angle). Between two beats the body moves from one key pose to
  the next along an easing curve whose speed is zero at both ends, so the mean joint speed
  has its minima on the beats: the kinematic beats are the music beats.
- **Vocabulary from the music.** The chord root and quality pick the arm figure (or the
  lock, or the exercise), the section picks the variant (the chorus is bigger, symmetric,
  jumps or turns), the beat in the bar picks the phase of the figure.
- **Amplitude from loudness.** Each key pose is the style's neutral pose plus its figure
  scaled by ``AMP_FLOOR + (1 - AMP_FLOOR) * loudness``.
- **On the floor.** The root translation is not animated directly: forward kinematics
  places the body so that the lowest foot joint is at height 0 (plus the flight of a jump),
  and the feet in contact with the floor keep their horizontal position (the body pivots
  and steps around them instead of sliding).
- **The seed** adds a small personal touch: which side leads, a +-10 % scale of the arm,
  leg and torso figures, and a slight forward lean.

Styles (:data:`STYLES`):

- ``bounce`` (hip-hop groove): knees down on beats 1 and 3, up on 2 and 4, weight shifting
  every two beats, head nods, an arm figure per chord root (pumps, elbows, points, swings,
  crosses, claps); arms alternate in the verse and mirror each other in the chorus.
- ``sway`` (waltz-like): weight shifts from foot to foot on every beat with a counter-bend of
  the torso, arms held in a partner frame (open on major chords, closed on minor ones);
  the chorus turns, the verse rocks the facing angle.
- ``robot`` (locking): a wide stance with a dip on the downbeat, arms snapped into right
  angles picked from a table of locks by chord and beat, the head and torso turning in
  steps; the easing is late so the pose *hits* on the beat.
- ``jump`` (aerobic): jumping jacks in the chorus (airborne between beats, landing on the
  beat), knee lifts (major) or squats (minor) in the verse, side reaches in the bridge.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..const import N_JOINTS
from ..errors import ParameterError
from ..pose import axis_angle_to_matrix, pack_pose
from ..skeleton import (
    FOOT_JOINTS,
    JOINT_INDEX,
    LEFT_ANKLE,
    LEFT_FOOT,
    RIGHT_ANKLE,
    RIGHT_FOOT,
    forward_kinematics,
)
from .synth_music import GENRES, MAJOR, MINOR, SongTruth, frame_times

_LOGGER = logging.getLogger(__name__)

STYLES = tuple(GENRES)  # each style dances to the genre of music of the same name

AMP_FLOOR = 0.5  # figure amplitude at zero loudness (1 at full loudness)
PERSONAL_SCALE = 0.1  # the seed scales arm, leg and torso figures by 1 +- this
PERSONAL_LEAN = (-0.03, 0.06)  # extra forward lean of the torso, radians
CONTACT_M = 0.02  # a foot this close to the lowest one also stands on the floor
SPINE_SHARES = (0.4, 0.3, 0.3)  # how a torso bend is spread over spine1, spine2, spine3
NECK_SHARE = 0.4  # share of a head movement done by the neck (the rest by the head)

# Arm states (down, forward, elbow[, twist]), radians: below horizontal, swing to the
# front, elbow flex, and a twist of the upper arm (-pi/2 bends the forearm up, +pi/2 down).
HALF_PI = np.pi / 2
RELAXED_ARM = (1.25, 0.1, 0.3)
NEUTRAL_KNEE = 0.15  # every style's neutral pose stands with slightly bent knees
NEUTRAL_WIDTH = 0.05  # hip abduction of a normal stance

# bounce: one figure per chord root (root % 6), as (state on beats 1 and 3, on 2 and 4).
BOUNCE_FIGURES = (
    ((1.2, 0.2, 1.7), (0.3, 1.2, 0.2)),  # pump: fist to chest, punch forward
    ((0.4, 0.0, 1.9), (0.9, 0.5, 1.0)),  # elbows: chicken-wing out, back in
    ((-0.6, 0.6, 0.1), (1.0, 0.3, 1.3)),  # point: up and out, back to the chest
    ((1.0, 0.9, 0.6), (1.1, -0.5, 0.4)),  # swing: forward, back
    ((0.9, 1.5, 1.2), (0.6, 0.2, 0.8)),  # cross: across the chest, open
    ((0.5, 1.3, 0.9), (0.7, 0.6, 0.5)),  # clap: hands together in front, apart
)
BOUNCE_KNEE = (0.7, 0.25)  # knee bend (down beats, up beats)
BOUNCE_LEAN = (0.3, 0.08)  # forward bend of the torso (down beats, up beats)
BOUNCE_NOD = (0.3, -0.05)  # head nod (down beats, up beats)
BOUNCE_WIDTH = 0.08
BOUNCE_SHIFT = 0.07  # weight shift, to one side for two beats, then the other
BOUNCE_TWIST = 2.0  # torso twist per radian of weight shift
MINOR_ARM_DROP = 0.25  # minor chords lower the arms

# sway: the partner frame, open on major chords and closed on minor ones.
SWAY_FRAME = {MAJOR: (0.25, 0.45, 0.7), MINOR: (0.6, 1.0, 1.1)}
SWAY_FRAME_STEP = 0.1  # the chord root (root % 3) raises or lowers the frame by this
SWAY_ARM_SWING = 0.25  # arms swing forward on the side the weight goes to
SWAY_KNEE = (0.35, 0.12)  # knee bend (downbeat, other beats)
SWAY_SHIFT = 0.12  # hip tilt that moves the weight over one foot
SWAY_BEND = 0.1  # torso side bend and twist with the weight
SWAY_TILT = 0.12  # head tilt with the weight
SWAY_MINOR_NOD = 0.2  # the head drops on minor chords
SWAY_TURN = 0.3  # facing change per beat in the chorus
SWAY_ROCK = 0.2  # facing rock per beat in the verse

# robot: locks as (leading arm, other arm, torso twist, head turn).
_GOALPOST = (0.0, 0.0, HALF_PI, -HALF_PI)
_DOWN_BENT = (0.0, 0.0, HALF_PI, HALF_PI)
_POINT = (0.0, HALF_PI, 0.0, 0.0)
_HANGING = (1.45, 0.0, 0.2, 0.0)
_CHEST = (0.2, 0.9, 1.9, 0.0)
_GUARD = (0.0, HALF_PI, HALF_PI, -HALF_PI)
_UP = (-1.2, 0.0, 0.0, 0.0)
_FOLDED = (0.6, 1.2, 2.0, 0.0)
ROBOT_LOCKS = (
    (_GOALPOST, _GOALPOST, 0.0, 0.0),
    (_DOWN_BENT, _DOWN_BENT, 0.0, 0.5),
    (_POINT, _HANGING, 0.3, 0.6),
    (_CHEST, _GOALPOST, -0.3, -0.5),
    (_HANGING, _GUARD, -0.3, -0.6),
    (_UP, _DOWN_BENT, 0.25, 0.0),
    (_GUARD, _GUARD, 0.0, -0.4),
    (_FOLDED, _FOLDED, 0.0, 0.4),
)
ROBOT_STANCE = 0.17  # hip abduction of the wide stance
ROBOT_KNEE = (0.4, NEUTRAL_KNEE)  # knee bend (downbeat dip, other beats)
ROBOT_LEAN = 0.1

# jump
JACK_FLIGHT_M = 0.07  # height of a jumping-jack jump at full loudness
JACK_KNEE = 0.2
JACK_WIDTH = (0.28, 0.03)  # hip abduction (open, closed)
JACK_ARMS = ((-1.2, 0.2, 0.2), (1.35, 0.1, 0.2))  # arms (overhead, down)
REACH_KNEE = 0.25
REACH_WIDTH = 0.15
REACH_SHIFT = 0.15
REACH_BEND = 0.25  # torso side bend away from the reaching arm
REACH_ARMS = ((-1.0, 0.1, 0.2), (1.3, 0.2, 0.3))  # (reaching arm, other arm)
SQUAT_KNEE = (1.4, NEUTRAL_KNEE)  # knee bend (down, up)
SQUAT_WIDTH = 0.12
SQUAT_LEAN = (0.45, 0.05)
SQUAT_ARMS = ((0.0, HALF_PI, 0.1), (1.3, 0.1, 0.3))  # arms (forward, down)
KNEE_LIFT = (1.3, 1.5)  # hip flexion and knee bend of the lifted leg
KNEE_LIFT_LEAN = 0.1
KNEE_LIFT_ARMS = ((1.1, 0.3, 1.7), (0.6, 0.6, 0.3))  # arm pumps (knee up, knee down)


@dataclass(frozen=True)
class _Beat:
    """What the dance knows about one beat."""

    index: int
    beat_in_bar: int
    bar: int
    chord_root: int
    chord_quality: int
    section: str
    amp: float


@dataclass(frozen=True)
class _Personal:
    """The seed's touch: leading side and figure scales."""

    side: int  # +1: the left side leads, -1: the right side
    arm_scale: float
    leg_scale: float
    torso_scale: float
    lean: float


@dataclass
class _Key:
    """One key pose: local axis-angle rotations, a facing change and the next jump's height."""

    aa: np.ndarray  # (24, 3)
    turn: float = 0.0
    flight: float = 0.0


class _Body:
    """A key pose under construction, with helpers that mirror the left side to the right."""

    def __init__(self) -> None:
        self.aa = np.zeros((N_JOINTS, 3))

    def side(self, name: str, side: int, vec: tuple[float, float, float]) -> None:
        """Set ``left_<name>`` (side +1) or its mirror image ``right_<name>`` (side -1)."""
        joint = JOINT_INDEX[("left_" if side > 0 else "right_") + name]
        self.aa[joint] = (vec[0], side * vec[1], side * vec[2])

    def arm(self, side: int, state: tuple[float, ...]) -> None:
        """Shoulder and elbow from an arm state (down, forward, elbow[, twist])."""
        down, forward, elbow = state[:3]
        twist = state[3] if len(state) > 3 else 0.0
        self.side("shoulder", side, (twist, -forward, -down))
        self.side("elbow", side, (0.0, -elbow, 0.0))

    def leg(
        self, side: int, *, lift: float = 0.0, knee: float = 0.0, out: float = 0.0
    ) -> None:
        """Hip flexion ``lift``, knee bend and abduction ``out``; the ankle keeps the foot flat."""
        self.side("hip", side, (-lift, 0.0, out))
        self.side("knee", side, (knee, 0.0, 0.0))
        self.side("ankle", side, (lift - knee, 0.0, -out))

    def stance(self, *, knee: float, width: float = 0.05, shift: float = 0.0) -> None:
        """Both legs with bent knees; ``shift`` > 0 tilts both legs to move the weight right."""
        for side in (1, -1):
            self.leg(side, lift=knee / 2, knee=knee, out=width + side * shift)

    def torso(
        self, *, forward: float = 0.0, bend: float = 0.0, twist: float = 0.0
    ) -> None:
        """Spread a forward bend, a side bend (to the left > 0) and a twist over the spine."""
        for name, share in zip(("spine1", "spine2", "spine3"), SPINE_SHARES):
            self.aa[JOINT_INDEX[name]] = (share * forward, share * twist, -share * bend)

    def head(self, *, nod: float = 0.0, tilt: float = 0.0, turn: float = 0.0) -> None:
        """Nod forward, tilt to the left, turn to the left (radians), over neck and head."""
        for name, share in (("neck", NECK_SHARE), ("head", 1.0 - NECK_SHARE)):
            self.aa[JOINT_INDEX[name]] = (share * nod, share * turn, -share * tilt)


# --- styles ---------------------------------------------------------------------------


def _neutral(style: str) -> np.ndarray:
    """The style's neutral pose [shape=(24, 3)], around which its figures are scaled."""
    body = _Body()
    body.stance(
        knee=NEUTRAL_KNEE, width=ROBOT_STANCE if style == "robot" else NEUTRAL_WIDTH
    )
    for side in (1, -1):
        body.arm(side, RELAXED_ARM)
    return body.aa


def _bounce(beat: _Beat, me: _Personal) -> _Key:
    """Hip-hop groove: down on beats 1 and 3, an arm figure per chord root."""
    body = _Body()
    up = beat.beat_in_bar % 2  # 0 on beats 1 and 3, 1 on beats 2 and 4
    shift = BOUNCE_SHIFT * me.side * (1 if beat.beat_in_bar < 2 else -1)
    body.stance(knee=BOUNCE_KNEE[up], width=BOUNCE_WIDTH, shift=shift)
    body.torso(forward=BOUNCE_LEAN[up], twist=BOUNCE_TWIST * shift)
    body.head(nod=BOUNCE_NOD[up])
    figure = BOUNCE_FIGURES[beat.chord_root % len(BOUNCE_FIGURES)]
    drop = MINOR_ARM_DROP if beat.chord_quality == MINOR else 0.0
    lead = me.side * (
        1 if beat.bar % 2 == 0 else -1
    )  # the leading arm changes every bar
    lead_state = figure[up]
    other_state = lead_state if beat.section == "chorus" else figure[1 - up]
    body.arm(lead, (lead_state[0] + drop, *lead_state[1:]))
    body.arm(-lead, (other_state[0] + drop, *other_state[1:]))
    return _Key(body.aa)


def _sway(beat: _Beat, me: _Personal) -> _Key:
    """Waltz-like sway: weight from foot to foot every beat, arms in a partner frame, turns."""
    body = _Body()
    weight = me.side * (1 if beat.index % 2 == 0 else -1)
    knee = SWAY_KNEE[0 if beat.beat_in_bar == 0 else 1]
    body.stance(knee=knee, width=NEUTRAL_WIDTH, shift=SWAY_SHIFT * weight)
    body.torso(bend=SWAY_BEND * weight, twist=SWAY_BEND * weight)
    nod = SWAY_MINOR_NOD if beat.chord_quality == MINOR else 0.0
    body.head(tilt=SWAY_TILT * weight, nod=nod)
    down, forward, elbow = SWAY_FRAME[beat.chord_quality]
    down += SWAY_FRAME_STEP * (beat.chord_root % 3 - 1)
    body.arm(1, (down, forward + SWAY_ARM_SWING * weight, elbow))
    body.arm(-1, (down, forward - SWAY_ARM_SWING * weight, elbow))
    turn = {"chorus": SWAY_TURN * me.side, "verse": SWAY_ROCK * weight}.get(
        beat.section, 0.0
    )
    return _Key(body.aa, turn=turn)


def _robot_lock(beat: _Beat, previous: int) -> int:
    """Index of the lock on this beat: from chord and beat, never the previous one."""
    n = len(ROBOT_LOCKS)
    index = (2 * beat.chord_root + 3 * beat.chord_quality + beat.beat_in_bar) % n
    return (index + 1) % n if index == previous else index


def _robot(beat: _Beat, me: _Personal, lock: int) -> _Key:
    """Locking: wide stance, arms snapped into right angles, head and torso turning in steps."""
    body = _Body()
    lead, other, twist, turn = ROBOT_LOCKS[lock]
    body.stance(knee=ROBOT_KNEE[0 if beat.beat_in_bar == 0 else 1], width=ROBOT_STANCE)
    body.torso(twist=twist * me.side, forward=ROBOT_LEAN)
    body.head(turn=turn * me.side)
    body.arm(me.side, lead)
    body.arm(-me.side, other)
    return _Key(body.aa)


def _jump(beat: _Beat, me: _Personal) -> _Key:
    """Aerobics: jacks in the chorus, knee lifts or squats in the verse, reaches in the bridge."""
    body = _Body()
    second = beat.beat_in_bar % 2  # 0 on beats 1 and 3, 1 on beats 2 and 4
    if beat.section == "chorus":  # jumping jacks: open, closed, open, closed
        body.stance(knee=JACK_KNEE, width=JACK_WIDTH[second])
        body.arm(1, JACK_ARMS[second])
        body.arm(-1, JACK_ARMS[second])
        return _Key(body.aa, flight=JACK_FLIGHT_M * beat.amp)
    if beat.section == "bridge":  # side reaches, alternating
        reach = me.side * (1 - 2 * second)
        body.stance(knee=REACH_KNEE, width=REACH_WIDTH, shift=REACH_SHIFT * reach)
        body.torso(bend=-REACH_BEND * reach)
        body.arm(-reach, REACH_ARMS[0])
        body.arm(reach, REACH_ARMS[1])
        return _Key(body.aa)
    if beat.chord_quality == MINOR:  # squats: down, up, down, up
        body.stance(knee=SQUAT_KNEE[second], width=SQUAT_WIDTH)
        body.torso(forward=SQUAT_LEAN[second])
        body.arm(1, SQUAT_ARMS[second])
        body.arm(-1, SQUAT_ARMS[second])
        return _Key(body.aa)
    body.stance(knee=NEUTRAL_KNEE)  # knee lifts: one knee, down, the other knee, down
    if not second:
        hip, knee = KNEE_LIFT
        body.leg(me.side * (1 if beat.beat_in_bar == 0 else -1), lift=hip, knee=knee)
        body.torso(forward=KNEE_LIFT_LEAN)
    body.arm(1, KNEE_LIFT_ARMS[second])
    body.arm(-1, KNEE_LIFT_ARMS[second])
    return _Key(body.aa)


def _smoothstep(u: np.ndarray) -> np.ndarray:
    """Cubic ease in and out: zero speed at 0 and 1, fastest at 1/2."""
    return u * u * (3.0 - 2.0 * u)


def _cosine(u: np.ndarray) -> np.ndarray:
    """Half-cosine ease: zero speed at 0 and 1."""
    return 0.5 - 0.5 * np.cos(np.pi * u)


def _hit(u: np.ndarray) -> np.ndarray:
    """Late ease: slow after a beat, fastest at 3/4, stopping dead on the next beat."""
    return _smoothstep(u * u)


EASING: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "bounce": _smoothstep,
    "sway": _cosine,
    "robot": _hit,
    "jump": _smoothstep,
}


# --- public ---------------------------------------------------------------------------


def dance_rotations(
    truth: SongTruth, *, style: str, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Dance to a song: root translation and local joint rotations at 25 fps.

    Parameters
    ----------
    truth : SongTruth
        Ground truth of the song (beats, chords, sections, loudness).
    style : str
        One of :data:`STYLES`.
    seed : int
        Non-negative; the same (truth, style, seed) always gives the same dance.

    Returns
    -------
    transl : np.ndarray [shape=(T, 3)]
        SMPL root translation, metres, y up; the lowest foot joint is at height 0 except
        in the air.
    rotations : np.ndarray [shape=(T, 24, 3, 3)]
        Local joint rotations in SMPL order.
    """
    if style not in STYLES:
        raise ParameterError(
            f"unknown dance style {style!r}; choose one of {', '.join(STYLES)}."
        )
    if seed < 0:
        raise ParameterError(f"seed must be a non-negative integer, not {seed}.")
    keys = _keys(truth, style, _personal(seed))
    aa, yaw, flight, strokes = _interpolate(truth, keys, EASING[style])
    rotations = axis_angle_to_matrix(aa)  # (T, 24, 3, 3)
    facing = axis_angle_to_matrix(
        np.stack([np.zeros_like(yaw), yaw, np.zeros_like(yaw)], axis=-1)
    )
    rotations[:, 0] = facing @ rotations[:, 0]
    transl = _place_on_floor(rotations, strokes)
    transl[:, 1] += flight
    return transl, rotations


def dance(truth: SongTruth, *, style: str, seed: int) -> np.ndarray:
    """Dance to a song as pose vectors.

    Parameters
    ----------
    truth : SongTruth
        Ground truth of the song.
    style : str
        One of :data:`STYLES`.
    seed : int
        Non-negative.

    Returns
    -------
    pose : np.ndarray [shape=(T, 147), float32]
        Root translation (metres) and 24 joint rotations in 6D, 25 fps, ``T = truth.n_frames``.
    """
    transl, rotations = dance_rotations(truth, style=style, seed=seed)
    return pack_pose(transl=transl, rotations=rotations).astype(np.float32)


# --- internals ------------------------------------------------------------------------


def _personal(seed: int) -> _Personal:
    """The seed's touch on a dance."""
    rng = np.random.default_rng([seed, 2])
    scales = 1.0 + rng.uniform(-PERSONAL_SCALE, PERSONAL_SCALE, size=3)
    return _Personal(
        side=int(rng.choice([1, -1])),
        arm_scale=float(scales[0]),
        leg_scale=float(scales[1]),
        torso_scale=float(scales[2]),
        lean=float(rng.uniform(*PERSONAL_LEAN)),
    )


def _beats(truth: SongTruth) -> list[_Beat]:
    """Per-beat context of a song, with the figure amplitude from the loudness at the beat."""
    frames = np.clip(truth.beat_frames, 0, truth.n_frames - 1)
    amps = AMP_FLOOR + (1.0 - AMP_FLOOR) * np.clip(truth.loudness[frames], 0.0, 1.0)
    bars = np.cumsum(truth.beat_in_bar == 0) - 1
    return [
        _Beat(
            index=i,
            beat_in_bar=int(truth.beat_in_bar[i]),
            bar=int(bars[i]),
            chord_root=int(truth.beat_chord_root[i]),
            chord_quality=int(truth.beat_chord_quality[i]),
            section=truth.section_labels[truth.beat_section[i]],
            amp=float(amps[i]),
        )
        for i in range(len(truth.beat_times))
    ]


_ARM_JOINTS = [
    JOINT_INDEX[f"{s}_{n}"]
    for s in ("left", "right")
    for n in ("collar", "shoulder", "elbow")
]
_LEG_JOINTS = [
    JOINT_INDEX[f"{s}_{n}"] for s in ("left", "right") for n in ("hip", "knee", "ankle")
]
_TORSO_JOINTS = [JOINT_INDEX[n] for n in ("spine1", "spine2", "spine3", "neck", "head")]


def _keys(truth: SongTruth, style: str, me: _Personal) -> list[_Key]:
    """One key pose per beat, scaled around the style's neutral pose by amplitude and seed."""
    neutral = _neutral(style)
    scale = np.ones((N_JOINTS, 1))
    scale[_ARM_JOINTS], scale[_LEG_JOINTS], scale[_TORSO_JOINTS] = (
        me.arm_scale,
        me.leg_scale,
        me.torso_scale,
    )
    lean = np.zeros((N_JOINTS, 3))
    lean[JOINT_INDEX["spine1"], 0] = me.lean
    keys, lock = [], -1
    for beat in _beats(truth):
        if style == "robot":
            lock = _robot_lock(beat, lock)
            key = _robot(beat, me, lock)
        else:
            key = {"bounce": _bounce, "sway": _sway, "jump": _jump}[style](beat, me)
        key.aa = neutral + beat.amp * scale * (key.aa - neutral) + lean
        keys.append(key)
    return keys


def _interpolate(
    truth: SongTruth, keys: list[_Key], ease: Callable[[np.ndarray], np.ndarray]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per-frame axis-angle (T, 24, 3), facing angle (T,), jump height (T,) and the index of
    the stroke (the move from key pose ``i`` to ``i + 1``) each frame belongs to (T,)."""
    times = frame_times(truth.n_frames)  # poses are sampled at the frame centres
    beats = truth.beat_times
    last = len(beats) - 1
    current = np.clip(np.searchsorted(beats, times, side="right") - 1, 0, last)
    following = np.minimum(current + 1, last)
    span = np.where(following > current, beats[following] - beats[current], 1.0)
    u = np.clip((times - beats[current]) / span, 0.0, 1.0)
    # Hold the first key before the first beat and the last one after the last beat.
    u[following == current] = 0.0
    s = ease(u)
    aa_keys = np.stack([k.aa for k in keys])  # (B, 24, 3)
    yaw_keys = np.cumsum([0.0] + [k.turn for k in keys[1:]])  # (B,)
    flights = np.array([k.flight for k in keys])
    aa = aa_keys[current] + s[:, None, None] * (aa_keys[following] - aa_keys[current])
    yaw = yaw_keys[current] + s * (yaw_keys[following] - yaw_keys[current])
    flight = np.where(following > current, flights[current] * np.sin(np.pi * s), 0.0)
    strokes = np.where(following > current, current, np.where(current == 0, -1, last))
    return aa, yaw, flight, strokes


_SIDE_FEET = ((LEFT_ANKLE, LEFT_FOOT), (RIGHT_ANKLE, RIGHT_FOOT))


def _place_on_floor(rotations: np.ndarray, strokes: np.ndarray) -> np.ndarray:
    """Root translation (T, 3) putting the lowest foot joint at height 0 and keeping the
    standing foot where it is on the floor (the body moves around it instead of sliding).

    ``strokes`` [shape=(T,), int] numbers the moves from one key pose to the next.
    """
    joints = forward_kinematics(
        rotations=rotations, transl=np.zeros((len(rotations), 3))
    )
    lowest = joints[:, list(FOOT_JOINTS), 1].min(axis=1)  # (T,)
    side_height = np.stack(
        [joints[:, list(pair), 1].min(axis=1) for pair in _SIDE_FEET], axis=1
    )  # (T, 2)
    side_xz = np.stack(
        [joints[:, list(pair)][..., [0, 2]].mean(axis=1) for pair in _SIDE_FEET], axis=1
    )  # (T, 2, 2)
    stance = _standing_side(side_height - lowest[:, None], strokes)  # (T,)
    frames = np.arange(1, len(rotations))
    # Horizontal move of the standing foot between frames, measured with this frame's stance.
    steps = side_xz[frames, stance[1:]] - side_xz[frames - 1, stance[1:]]  # (T-1, 2)
    # Start with the feet centred on the origin, then cancel every move of the standing foot.
    offset = -side_xz[0].mean(axis=0) - np.concatenate(
        [np.zeros((1, 2)), np.cumsum(steps, axis=0)]
    )
    transl = np.zeros((len(rotations), 3))
    transl[:, 0], transl[:, 2] = offset[:, 0], offset[:, 1]
    transl[:, 1] = -lowest
    return transl


def _standing_side(height: np.ndarray, strokes: np.ndarray) -> np.ndarray:
    """Index (0 left, 1 right) of the standing foot per frame, from foot heights above the
    lowest foot (T, 2).

    A foot that rises during a stroke while the other stays down hands the weight to the
    other from the stroke's first frame, so a foot never drags the body while it lifts off.
    Otherwise the lower foot stands, kept until the other is lower by more than CONTACT_M.
    """
    new_stroke = np.r_[True, np.diff(strokes) != 0]
    peak = np.maximum.reduceat(
        height, np.flatnonzero(new_stroke), axis=0
    )  # (strokes, 2)
    peak = peak[
        np.cumsum(new_stroke) - 1
    ]  # (T, 2): highest each foot gets in its stroke
    planned = np.where(
        peak[:, 0] + CONTACT_M < peak[:, 1],
        0,
        np.where(peak[:, 1] + CONTACT_M < peak[:, 0], 1, -1),
    )
    stance = np.empty(len(height), dtype=np.int64)
    current = int(np.argmin(height[0]))
    for t, (left, right) in enumerate(height):
        if planned[t] >= 0:
            current = int(planned[t])
        elif (right, left)[current] + CONTACT_M < (left, right)[current]:
            current = 1 - current
        stance[t] = current
    return stance
