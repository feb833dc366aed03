"""Pictures of music: a chroma map with beat marks, and a piano roll of notes (PNG).

Both are drawn with Pillow on the dark background of the skeleton videos, time running
left to right with a seconds axis.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from .atomic import atomic_write
from .const import (
    BEAT,
    CHROMA,
    FPS,
    MUSIC_DIM,
    MUSIC_OUT_BEAT,
    MUSIC_OUT_CHROMA,
    MUSIC_OUT_DIM,
    N_CHROMA,
)
from .errors import ParameterError
from .render import BACKGROUND, GRID_COLOUR, LEFT_COLOUR, TEXT_COLOUR, default_font

PICTURE_SIZE = (1000, 360)  # width, height in pixels
MARGIN_LEFT = 44  # room for pitch names
MARGIN_RIGHT = 12
MARGIN_TOP = 30  # room for the title
MARGIN_BOTTOM = 26  # room for the time axis
BEAT_STRIP = 28  # pixels above the chroma map where beats are drawn
GAP = 6  # pixels between the beat strip and the chroma map
BEAT_THRESHOLD = 0.5  # a beat value at or above this marks a beat
BEAT_LINE = (255, 255, 255, 70)  # beat lines across the chroma map (RGBA)
FONT_SIZE = 13
MAX_TIME_TICKS = 12
TICK_STEPS_S = (0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0)
PITCH_CLASSES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
# Dark blue -> purple -> orange -> pale yellow: low to high energy.
COLOUR_MAP = np.array(
    [(12, 14, 40), (70, 30, 110), (170, 50, 110), (240, 110, 50), (250, 230, 150)],
    dtype=np.float64,
)
LOW_VELOCITY_COLOUR = (70, 160, 255)  # notes: quiet ones blue, loud ones orange
HIGH_VELOCITY_COLOUR = LEFT_COLOUR
MIDI_MAX = 127
PITCH_PADDING = 2  # semitones shown above and below the notes


def _colour_map(values: np.ndarray) -> np.ndarray:
    """RGB uint8 (..., 3) of values in [0, 1] along :data:`COLOUR_MAP`."""
    position = np.clip(values, 0.0, 1.0) * (len(COLOUR_MAP) - 1)
    lo = np.minimum(np.floor(position).astype(int), len(COLOUR_MAP) - 2)
    frac = (position - lo)[..., None]
    return (COLOUR_MAP[lo] * (1 - frac) + COLOUR_MAP[lo + 1] * frac).astype(np.uint8)


def _split_music(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Chroma (T, 12) and beat (T,) of (T, 53) features or (T, 13) music output."""
    array = np.asarray(features, dtype=np.float64)
    if array.ndim == 2 and array.shape[1] == MUSIC_DIM:
        chroma, beat = array[:, CHROMA], array[:, BEAT]
    elif array.ndim == 2 and array.shape[1] == MUSIC_OUT_DIM:
        chroma, beat = array[:, MUSIC_OUT_CHROMA], array[:, MUSIC_OUT_BEAT]
    else:
        raise ParameterError(
            f"features must have shape (T, {MUSIC_DIM}) or (T, {MUSIC_OUT_DIM}), got {array.shape}."
        )
    if len(array) == 0 or not np.all(np.isfinite(array)):
        raise ParameterError("features are empty or hold NaN or infinite values.")
    return chroma, beat


def _tick_step(seconds: float) -> float:
    """The smallest tick spacing that puts at most MAX_TIME_TICKS ticks on the axis."""
    return next(
        (s for s in TICK_STEPS_S if seconds / s <= MAX_TIME_TICKS), TICK_STEPS_S[-1]
    )


def _draw_time_axis(
    draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], seconds: float
) -> None:
    """Second ticks and labels under ``box`` (left, top, right, bottom) spanning ``seconds``."""
    left, _, right, bottom = box
    step = _tick_step(seconds)
    font = default_font(FONT_SIZE)
    for t in np.arange(0.0, seconds + 1e-9, step):
        x = left + (right - left) * t / seconds
        draw.line([(x, bottom), (x, bottom + 4)], fill=GRID_COLOUR)
        draw.text((x, bottom + 5), f"{t:g} s", fill=TEXT_COLOUR, font=font, anchor="ma")


def _save_png(image: Image.Image, out_png: str | os.PathLike[str]) -> Path:
    with atomic_write(out_png, "wb") as handle:
        image.save(handle, format="PNG")
    return Path(out_png)


def _check_size(size: Sequence[int]) -> tuple[int, int]:
    """(width, height) large enough for the margins, else ParameterError."""
    min_w, min_h = (
        MARGIN_LEFT + MARGIN_RIGHT + 50,
        MARGIN_TOP + MARGIN_BOTTOM + BEAT_STRIP + GAP + 2 * N_CHROMA,
    )
    if len(size) != 2 or size[0] < min_w or size[1] < min_h:
        raise ParameterError(
            f"size must be (width, height) of at least ({min_w}, {min_h}) pixels, got {size}."
        )
    return int(size[0]), int(size[1])


def render_music_picture(
    features: np.ndarray,
    out_png: str | os.PathLike[str],
    *,
    fps: float = FPS,
    title: str | None = None,
    size: tuple[int, int] = PICTURE_SIZE,
) -> Path:
    """Draw a chroma map with beat marks as a PNG.

    The 12 chroma rows (C at the bottom, B at the top) are scaled to the picture's own
    minimum and maximum, so raw and normalised features both show; the strip above holds
    one bar per frame as tall as its beat value (0..1), and frames whose beat value is at
    least 0.5 also get a faint line across the chroma map.

    Parameters
    ----------
    features : np.ndarray [shape=(T, 53) or (T, 13)]
        Music features (chroma at 40..51, beat flag at 52), or the music output of the
        dance-to-music generator (chroma at 0..11, beat at 12).
    out_png : str or os.PathLike
        The PNG file to write (atomically).
    fps : float
        Frame rate of ``features``, for the time axis.
    title : str or None
        Text at the top left.
    size : (int, int)
        Width and height in pixels.

    Returns
    -------
    path : Path
    """
    chroma, beat = _split_music(features)
    width, height = _check_size(size)
    if not fps > 0:
        raise ParameterError(f"fps must be positive, got {fps}.")
    left, right = MARGIN_LEFT, width - MARGIN_RIGHT
    strip_top, strip_bottom = MARGIN_TOP, MARGIN_TOP + BEAT_STRIP
    map_top, map_bottom = strip_bottom + GAP, height - MARGIN_BOTTOM
    image = Image.new("RGB", (width, height), BACKGROUND)

    span = max(chroma.max() - chroma.min(), 1e-9)
    pixels = _colour_map((chroma.T[::-1] - chroma.min()) / span)  # (12, T, 3), B on top
    heatmap = Image.fromarray(pixels).resize(
        (right - left, map_bottom - map_top), Image.Resampling.NEAREST
    )
    image.paste(heatmap, (left, map_top))

    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    lines = ImageDraw.Draw(overlay)
    draw = ImageDraw.Draw(image)
    frame_width = (right - left) / len(beat)
    for k, value in enumerate(np.clip(beat, 0.0, 1.0)):
        x0 = left + k * frame_width
        if value > 0:
            top = strip_bottom - value * BEAT_STRIP
            draw.rectangle(
                [x0, top, x0 + max(frame_width - 1, 1), strip_bottom], fill=LEFT_COLOUR
            )
        if value >= BEAT_THRESHOLD:
            x = x0 + frame_width / 2
            lines.line([(x, map_top), (x, map_bottom)], fill=BEAT_LINE, width=1)
    image = Image.alpha_composite(image.convert("RGBA"), overlay).convert("RGB")

    draw = ImageDraw.Draw(image)
    font = default_font(FONT_SIZE)
    row = (map_bottom - map_top) / N_CHROMA
    for pc, name in enumerate(PITCH_CLASSES):
        y = map_bottom - (pc + 0.5) * row
        draw.text((left - 6, y), name, fill=TEXT_COLOUR, font=font, anchor="rm")
    draw.text(
        (left - 6, (strip_top + strip_bottom) / 2),
        "beat",
        fill=TEXT_COLOUR,
        font=font,
        anchor="rm",
    )
    draw.line([(left, strip_bottom), (right, strip_bottom)], fill=GRID_COLOUR)
    _draw_time_axis(draw, (left, map_top, right, map_bottom), len(beat) / fps)
    if title:
        draw.text(
            (left, MARGIN_TOP // 2),
            title,
            fill=TEXT_COLOUR,
            font=default_font(FONT_SIZE + 2),
            anchor="lm",
        )
    return _save_png(image, out_png)


def _check_notes(notes: Iterable[Sequence[float]]) -> np.ndarray:
    """Notes as a float array (N, 4) of pitch, start, end, velocity; else ParameterError."""
    rows = [tuple(note) for note in notes]
    if any(len(row) != 4 for row in rows):
        raise ParameterError("each note must be (pitch, start_s, end_s, velocity).")
    array = np.array(rows, dtype=np.float64).reshape(-1, 4)
    if not np.all(np.isfinite(array)):
        raise ParameterError("notes hold NaN or infinite values.")
    bad = (
        (array[:, 0] < 0)
        | (array[:, 0] > MIDI_MAX)
        | (array[:, 2] < array[:, 1])
        | (array[:, 1] < 0)
    )
    if np.any(bad):
        raise ParameterError(
            f"note {rows[int(np.argmax(bad))]} is invalid: pitch must be 0..127 and 0 <= start_s <= end_s."
        )
    return array


def render_piano_roll(
    notes: Iterable[Sequence[float]],
    out_png: str | os.PathLike[str],
    *,
    duration: float | None = None,
    title: str | None = None,
    size: tuple[int, int] = PICTURE_SIZE,
) -> Path:
    """Draw notes as a piano roll PNG: pitch up, time right, colour by velocity.

    Parameters
    ----------
    notes : iterable of (pitch, start_s, end_s, velocity)
        MIDI pitch 0..127, start and end in seconds, MIDI velocity 0..127.
    out_png : str or os.PathLike
        The PNG file to write (atomically).
    duration : float or None
        Seconds shown; ``None`` ends at the last note's end.
    title : str or None
        Text at the top left.
    size : (int, int)
        Width and height in pixels.

    Returns
    -------
    path : Path
    """
    array = _check_notes(notes)
    width, height = _check_size(size)
    seconds = (
        duration
        if duration is not None
        else (float(array[:, 2].max()) if len(array) else 1.0)
    )
    if not seconds > 0:
        raise ParameterError(f"duration must be positive, got {seconds}.")
    low = (
        int(array[:, 0].min()) - PITCH_PADDING if len(array) else 60 - PITCH_PADDING * 6
    )
    high = (
        int(array[:, 0].max()) + PITCH_PADDING if len(array) else 60 + PITCH_PADDING * 6
    )
    left, right, top, bottom = (
        MARGIN_LEFT,
        width - MARGIN_RIGHT,
        MARGIN_TOP,
        height - MARGIN_BOTTOM,
    )
    row = (bottom - top) / (high - low + 1)
    image = Image.new("RGB", (width, height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    font = default_font(FONT_SIZE)
    for pitch in range(low, high + 1):
        y = bottom - (pitch - low + 1) * row
        if pitch % N_CHROMA in (1, 3, 6, 8, 10):  # black keys: darker rows
            draw.rectangle(
                [left, y, right, y + row], fill=tuple(max(c - 8, 0) for c in BACKGROUND)
            )
        if pitch % N_CHROMA == 0:  # every C: a line and its name (C4 = 60)
            draw.line([(left, y + row), (right, y + row)], fill=GRID_COLOUR)
            draw.text(
                (left - 6, y + row / 2),
                f"C{pitch // N_CHROMA - 1}",
                fill=TEXT_COLOUR,
                font=font,
                anchor="rm",
            )
    for pitch, start, end, velocity in array:
        x0 = left + (right - left) * min(start, seconds) / seconds
        x1 = left + (right - left) * min(end, seconds) / seconds
        y = bottom - (pitch - low + 1) * row
        mix = np.clip(velocity / MIDI_MAX, 0.0, 1.0)
        colour = tuple(
            int(a + mix * (b - a))
            for a, b in zip(LOW_VELOCITY_COLOUR, HIGH_VELOCITY_COLOUR)
        )
        draw.rectangle(
            [x0, y + 1, max(x1, x0 + 2), y + max(row - 1, 2)],
            fill=colour,
            outline=BACKGROUND,
        )
    _draw_time_axis(draw, (left, top, right, bottom), seconds)
    if title:
        draw.text(
            (left, MARGIN_TOP // 2),
            title,
            fill=TEXT_COLOUR,
            font=default_font(FONT_SIZE + 2),
            anchor="lm",
        )
    return _save_png(image, out_png)
