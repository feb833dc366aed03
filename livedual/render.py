"""Skeleton videos of pose sequences: MP4 (H.264, with the music) or GIF.

The figure is drawn with Pillow: bones as thick lines (drawn at twice the size and
shrunk, which anti-aliases them), the dancer's left side orange, right side blue, the
spine grey, a round head, a shadow on a perspective floor grid, and a frame counter.
The camera is fixed for the whole clip: a slightly elevated three-quarter view from in
front of the dancer's mean facing direction, far enough back to frame every frame of
the motion. Frames are piped as raw RGB to the ffmpeg binary shipped by
``imageio-ffmpeg``; without it (or for a ``.gif`` path) Pillow writes an animated GIF.
"""

from __future__ import annotations

import itertools
import logging
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from .atomic import atomic_write
from .const import FPS, N_JOINTS, POSE_DIM
from .errors import AudioError, LiveDualError, ParameterError
from .skeleton import HEAD, SMPL_SKELETON, pose_to_joints

_LOGGER = logging.getLogger(__name__)

# --- look -----------------------------------------------------------------------------------
VIDEO_SIZE = (640, 480)  # width, height in pixels
SUPERSAMPLE = 2  # frames are drawn this many times larger, then shrunk: anti-aliasing
BACKGROUND = (24, 26, 32)
GRID_COLOUR = (120, 128, 140)
SHADOW_COLOUR = (12, 13, 16)
TEXT_COLOUR = (230, 230, 230)
DIVIDER_COLOUR = (70, 74, 84)  # between the panels of a side-by-side video
LEFT_COLOUR = (255, 150, 60)  # the dancer's left side
RIGHT_COLOUR = (70, 160, 255)  # the dancer's right side
MIDDLE_COLOUR = (215, 215, 220)  # spine, neck, head
FAR_SHADE = 0.6  # colour factor of the farthest joint (the nearest keeps full colour)
BONE_RADIUS_M = 0.025  # bones are drawn 5 cm thick, scaled by perspective
HEAD_RADIUS_M = 0.09
SHADOW_RADIUS_M = 0.02
FONT_SIZE = 15  # pixels at the output size
TEXT_MARGIN = 8  # pixels

# --- camera and floor -------------------------------------------------------------------------
CAMERA_AZIMUTH_DEG = 35.0  # camera this far round from straight in front of the dancer
CAMERA_ELEVATION_DEG = 15.0  # above the horizon, looking down at the dancer
FIELD_OF_VIEW_DEG = 40.0  # vertical
FRAME_FILL = 0.85  # the motion's extent spans at most this share of the picture
MIN_CAMERA_DISTANCE_M = 2.0
NEAR_PLANE_M = 0.1  # floor lines closer to the camera than this are cut
GRID_SPACING_M = 0.5
GRID_MARGIN_M = 3.0  # the floor grid reaches this far beyond the motion's extent
FLOOR_PERCENTILE = 2.0  # floor height: this percentile of each frame's lowest joint
FIT_FRAMES = 300  # frames sampled to fit the camera
UP = np.array([0.0, 1.0, 0.0])
REST_FACING = np.array([0.0, 0.0, 1.0])  # SMPL bodies face +z in the rest pose

# --- video encoding -------------------------------------------------------------------------
X264_PRESET = "veryfast"
X264_CRF = 20  # visually clean for line drawings at a few hundred kB per 10 s
AUDIO_BITRATE = "160k"
GIF_COLOURS = 128

_LEFT = SMPL_SKELETON.index("left_hip")
_RIGHT = SMPL_SKELETON.index("right_hip")
_BONES = [(int(p), j) for j, p in enumerate(SMPL_SKELETON.parents) if p >= 0]


def _side_colour(joint: int) -> tuple[int, int, int]:
    """Colour of the bone that ends at ``joint``."""
    name = SMPL_SKELETON.names[joint]
    if name.startswith("left_"):
        return LEFT_COLOUR
    if name.startswith("right_"):
        return RIGHT_COLOUR
    return MIDDLE_COLOUR


_BONE_COLOURS = np.array([_side_colour(j) for _, j in _BONES], dtype=np.float64)


def motion_joints(motion: np.ndarray) -> np.ndarray:
    """Joint positions of a pose sequence, or the joints themselves.

    Parameters
    ----------
    motion : np.ndarray [shape=(T, 147) or (T, 24, 3)]
        Pose vectors, or joint positions in metres (y up).

    Returns
    -------
    joints : np.ndarray [shape=(T, 24, 3), float64]
    """
    array = np.asarray(motion)
    if array.ndim == 2 and array.shape[1] == POSE_DIM:
        array = pose_to_joints(array)
    elif array.shape[1:] != (N_JOINTS, 3) or array.ndim != 3:
        raise ParameterError(
            f"motion must be poses (T, {POSE_DIM}) or joints (T, {N_JOINTS}, 3), got {array.shape}."
        )
    if len(array) == 0 or not np.all(np.isfinite(array)):
        raise ParameterError("motion is empty or holds NaN or infinite values.")
    return array.astype(np.float64)


def _horizontal(v: np.ndarray) -> np.ndarray:
    return v - np.dot(v, UP) * UP


def facing_direction(joints: np.ndarray) -> np.ndarray:
    """Mean horizontal facing direction of a motion [shape=(3,)], from the hip line.

    Facing is ``left_hip - right_hip`` crossed with up; the mean over the clip is used,
    or the first frame's when the dancer turns so much that the mean nearly cancels.
    """
    facing = np.cross(joints[:, _LEFT] - joints[:, _RIGHT], UP)  # (T, 3)
    facing = facing - np.outer(facing @ UP, UP)
    lengths = np.linalg.norm(facing, axis=1)
    mean = facing.sum(axis=0) / max(lengths.sum(), 1e-9)
    if np.linalg.norm(mean) < 0.3:  # spins and turns: the first frame decides
        mean = facing[0]
    norm = np.linalg.norm(mean)
    return mean / norm if norm > 1e-9 else REST_FACING


def floor_height(joints: np.ndarray) -> float:
    """Height of the floor under a motion, metres: a low percentile of the lowest joint."""
    return float(np.percentile(joints[..., 1].min(axis=1), FLOOR_PERCENTILE))


@dataclass(frozen=True)
class Camera:
    """A pinhole camera: world point ``p`` maps to pixel ``centre + focal * (x, -y) / z``."""

    eye: np.ndarray  # (3,) position, metres
    right: np.ndarray  # (3,) unit vectors of the camera frame
    up: np.ndarray
    forward: np.ndarray
    focal: float  # pixels
    width: int
    height: int
    distance: float  # from the eye to the point looked at, metres

    def to_camera(self, points: np.ndarray) -> np.ndarray:
        """Camera coordinates (..., 3): right, up, depth, metres."""
        rel = points - self.eye
        return np.stack([rel @ self.right, rel @ self.up, rel @ self.forward], axis=-1)

    def project(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Pixels (..., 2) and depths (...) of world points in front of the camera."""
        cam = self.to_camera(points)
        depth = np.maximum(cam[..., 2], NEAR_PLANE_M)
        xy = np.stack(
            [
                self.width / 2 + self.focal * cam[..., 0] / depth,
                self.height / 2 - self.focal * cam[..., 1] / depth,
            ],
            axis=-1,
        )
        return xy, depth

    def scaled(self, factor: int) -> Camera:
        """The same view on a picture ``factor`` times larger."""
        return Camera(
            self.eye,
            self.right,
            self.up,
            self.forward,
            self.focal * factor,
            self.width * factor,
            self.height * factor,
            self.distance,
        )


def _view_axes(
    facing: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Direction from the target to the eye, and the camera's right, up, forward."""
    az, el = np.deg2rad(CAMERA_AZIMUTH_DEG), np.deg2rad(CAMERA_ELEVATION_DEG)
    side = np.cross(UP, facing)  # the dancer's left
    back = np.cos(el) * (np.cos(az) * facing + np.sin(az) * side) + np.sin(el) * UP
    forward = -back
    right = np.cross(forward, UP)
    right /= np.linalg.norm(right)
    return back, right, np.cross(right, forward), forward


def fit_camera(
    joints: np.ndarray,
    *,
    size: tuple[int, int] = VIDEO_SIZE,
    distance: float | None = None,
) -> Camera:
    """The fixed camera that frames a whole motion from a raised three-quarter view.

    Parameters
    ----------
    joints : np.ndarray [shape=(T, 24, 3)]
        Joint positions, metres, y up.
    size : (int, int)
        Picture width and height in pixels.
    distance : float or None
        Camera distance from the motion's centre, metres; ``None`` fits it so every joint
        of every frame (and the head's top) is in the picture.

    Returns
    -------
    camera : Camera
    """
    width, height = size
    focal = (height / 2) / np.tan(np.deg2rad(FIELD_OF_VIEW_DEG) / 2)
    step = max(1, len(joints) // FIT_FRAMES)
    points = joints[::step].reshape(-1, 3)
    floor = floor_height(joints)
    head_top = joints[::step, HEAD] + HEAD_RADIUS_M * UP
    points = np.concatenate(
        [
            points,
            head_top,
            np.c_[points[:, 0], np.full(len(points), floor), points[:, 2]],
        ]
    )
    lo, hi = points.min(axis=0), points.max(axis=0)
    target = (lo + hi) / 2
    back, right, up, forward = _view_axes(facing_direction(joints))
    if distance is None:
        rel = points - target
        a, b, e = np.abs(rel @ right), np.abs(rel @ up), rel @ forward
        half_w, half_h = FRAME_FILL * width / 2 / focal, FRAME_FILL * height / 2 / focal
        distance = float(
            max(MIN_CAMERA_DISTANCE_M, np.max(a / half_w - e), np.max(b / half_h - e))
        )
    eye = target + distance * back
    return Camera(eye, right, up, forward, float(focal), width, height, float(distance))


def _clip_segment(
    cam_a: np.ndarray, cam_b: np.ndarray
) -> tuple[np.ndarray, np.ndarray] | None:
    """A segment in camera coordinates cut to the part beyond the near plane."""
    za, zb = cam_a[2], cam_b[2]
    if za < NEAR_PLANE_M and zb < NEAR_PLANE_M:
        return None
    if za < NEAR_PLANE_M or zb < NEAR_PLANE_M:
        t = (NEAR_PLANE_M - za) / (zb - za)
        cut = cam_a + t * (cam_b - cam_a)
        return (cut, cam_b) if za < NEAR_PLANE_M else (cam_a, cut)
    return cam_a, cam_b


def _grid_segments(
    joints: np.ndarray, floor: float
) -> list[tuple[np.ndarray, np.ndarray]]:
    """World segments of the floor grid around the motion, one grid cell long each."""
    xz = joints.reshape(-1, 3)[:, [0, 2]]
    lo = np.floor((xz.min(axis=0) - GRID_MARGIN_M) / GRID_SPACING_M) * GRID_SPACING_M
    hi = np.ceil((xz.max(axis=0) + GRID_MARGIN_M) / GRID_SPACING_M) * GRID_SPACING_M
    xs = np.arange(lo[0], hi[0] + GRID_SPACING_M / 2, GRID_SPACING_M)
    zs = np.arange(lo[1], hi[1] + GRID_SPACING_M / 2, GRID_SPACING_M)
    segments = []
    for x in xs:
        segments += [
            (np.array([x, floor, z0]), np.array([x, floor, z1]))
            for z0, z1 in itertools.pairwise(zs)
        ]
    for z in zs:
        segments += [
            (np.array([x0, floor, z]), np.array([x1, floor, z]))
            for x0, x1 in itertools.pairwise(xs)
        ]
    return segments


def _draw_floor(
    draw: ImageDraw.ImageDraw, camera: Camera, joints: np.ndarray, floor: float
) -> None:
    """Grid lines on the floor, fading into the background with distance."""
    near = camera.distance
    for a, b in _grid_segments(joints, floor):
        clipped = _clip_segment(camera.to_camera(a), camera.to_camera(b))
        if clipped is None:
            continue
        ends = [
            (
                camera.width / 2 + camera.focal * p[0] / p[2],
                camera.height / 2 - camera.focal * p[1] / p[2],
            )
            for p in clipped
        ]
        depth = (clipped[0][2] + clipped[1][2]) / 2
        fade = float(np.clip(near / depth, 0.0, 1.0)) ** 1.5
        colour = tuple(
            int(bg + fade * (g - bg)) for bg, g in zip(BACKGROUND, GRID_COLOUR)
        )
        draw.line(ends, fill=colour, width=max(1, camera.width // 640))


def default_font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    """Pillow's built-in font at ``size`` pixels (a fixed bitmap font without FreeType)."""
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError):  # old Pillow or no FreeType
        return ImageFont.load_default()


class SkeletonRenderer:
    """Draws the frames of one motion with a fixed camera.

    Parameters
    ----------
    motion : np.ndarray [shape=(T, 147) or (T, 24, 3)]
        Pose vectors, or joint positions in metres (y up).
    fps : float
        Frame rate, for the time shown on each frame.
    size : (int, int)
        Width and height of the frames in pixels.
    title : str or None
        Text shown at the top left.
    distance : float or None
        Camera distance, metres; ``None`` fits the motion (see :func:`fit_camera`).
    """

    def __init__(
        self,
        motion: np.ndarray,
        *,
        fps: float = FPS,
        size: tuple[int, int] = VIDEO_SIZE,
        title: str | None = None,
        distance: float | None = None,
    ) -> None:
        self.joints = motion_joints(motion)
        self.fps = float(fps)
        self.size = _check_size(size)
        self.title = title
        self.floor = floor_height(self.joints)
        self.camera = fit_camera(self.joints, size=self.size, distance=distance)
        self._big = self.camera.scaled(SUPERSAMPLE)
        self._font = default_font(FONT_SIZE)
        self._background = self._draw_background()
        depths = self.camera.to_camera(self.joints)[..., 2]
        self._depth_range = (
            float(depths.min()),
            float(max(depths.max(), depths.min() + 1e-6)),
        )

    def __len__(self) -> int:
        return len(self.joints)

    def _draw_background(self) -> Image.Image:
        image = Image.new("RGB", (self._big.width, self._big.height), BACKGROUND)
        _draw_floor(ImageDraw.Draw(image), self._big, self.joints, self.floor)
        return image

    def _shade(self, depth: np.ndarray) -> np.ndarray:
        """Colour factor per depth: 1 for the nearest joint, FAR_SHADE for the farthest."""
        near, far = self._depth_range
        return 1.0 - (1.0 - FAR_SHADE) * np.clip(
            (depth - near) / (far - near), 0.0, 1.0
        )

    def _draw_shadow(self, draw: ImageDraw.ImageDraw, joints: np.ndarray) -> None:
        flat = joints.copy()
        flat[:, 1] = self.floor
        xy, depth = self._big.project(flat)
        for p, j in _BONES:
            width = 2 * SHADOW_RADIUS_M * self._big.focal / ((depth[p] + depth[j]) / 2)
            draw.line(
                [tuple(xy[p]), tuple(xy[j])],
                fill=SHADOW_COLOUR,
                width=max(1, round(width)),
            )

    def _draw_figure(self, draw: ImageDraw.ImageDraw, joints: np.ndarray) -> None:
        xy, depth = self._big.project(joints)
        bone_depth = np.array([(depth[p] + depth[j]) / 2 for p, j in _BONES])
        colours = _BONE_COLOURS * self._shade(bone_depth)[:, None]
        for k in np.argsort(-bone_depth):  # far bones first, near ones on top
            p, j = _BONES[k]
            colour = tuple(int(c) for c in colours[k])
            radius = BONE_RADIUS_M * self._big.focal / bone_depth[k]
            draw.line(
                [tuple(xy[p]), tuple(xy[j])],
                fill=colour,
                width=max(1, round(2 * radius)),
            )
            for end in (p, j):  # round caps so limbs join smoothly
                x, y = xy[end]
                draw.ellipse(
                    [x - radius, y - radius, x + radius, y + radius], fill=colour
                )
        head_r = HEAD_RADIUS_M * self._big.focal / depth[HEAD]
        x, y = xy[HEAD]
        shade = tuple(int(c * self._shade(depth[HEAD])) for c in MIDDLE_COLOUR)
        draw.ellipse(
            [x - head_r, y - head_r, x + head_r, y + head_r],
            fill=shade,
            outline=BACKGROUND,
            width=max(1, SUPERSAMPLE),
        )

    def _draw_text(self, image: Image.Image, index: int) -> None:
        draw = ImageDraw.Draw(image)
        if self.title:
            draw.text(
                (TEXT_MARGIN, TEXT_MARGIN),
                self.title,
                fill=TEXT_COLOUR,
                font=self._font,
            )
        counter = f"{index + 1}/{len(self)}  {index / self.fps:6.2f} s"
        draw.text(
            (image.width - TEXT_MARGIN, TEXT_MARGIN),
            counter,
            fill=TEXT_COLOUR,
            font=self._font,
            anchor="ra",
        )

    def image(self, index: int) -> Image.Image:
        """Frame ``index`` as a Pillow RGB image of :attr:`size`."""
        frame = self._background.copy()
        draw = ImageDraw.Draw(frame)
        self._draw_shadow(draw, self.joints[index])
        self._draw_figure(draw, self.joints[index])
        frame = frame.reduce(SUPERSAMPLE)
        self._draw_text(frame, index)
        return frame

    def frame(self, index: int) -> np.ndarray:
        """Frame ``index`` as RGB pixels [shape=(height, width, 3), uint8]."""
        return np.asarray(self.image(index))

    def images(self) -> Iterator[Image.Image]:
        """Every frame, in order."""
        for index in range(len(self)):
            yield self.image(index)


def _check_size(size: Sequence[int]) -> tuple[int, int]:
    """(width, height) as even positive ints (H.264 needs even sides), else ParameterError."""
    if len(size) != 2 or any(int(s) != s or s < 2 or s % 2 for s in size):
        raise ParameterError(
            f"size must be two even positive pixel counts (width, height), got {size}."
        )
    return int(size[0]), int(size[1])


# --- writing videos -------------------------------------------------------------------------


def ffmpeg_executable() -> str | None:
    """Path of the ffmpeg binary of ``imageio-ffmpeg``, or ``None`` when there is none."""
    try:
        import imageio_ffmpeg
    except ImportError:
        return None
    try:
        return imageio_ffmpeg.get_ffmpeg_exe()
    except RuntimeError:
        return None


def _ffmpeg_command(
    exe: str,
    size: tuple[int, int],
    fps: float,
    audio: Path | None,
    seconds: float,
    out: Path,
) -> list[str]:
    width, height = size
    cmd = [exe, "-hide_banner", "-loglevel", "error", "-nostdin", "-y"]
    cmd += [
        "-f",
        "rawvideo",
        "-pix_fmt",
        "rgb24",
        "-s",
        f"{width}x{height}",
        "-r",
        f"{fps:g}",
        "-i",
        "-",
    ]
    if audio is not None:
        cmd += [
            "-i",
            str(audio),
            "-map",
            "0:v:0",
            "-map",
            "1:a:0",
            "-c:a",
            "aac",
            "-b:a",
            AUDIO_BITRATE,
        ]
    cmd += [
        "-c:v",
        "libx264",
        "-preset",
        X264_PRESET,
        "-crf",
        str(X264_CRF),
        "-pix_fmt",
        "yuv420p",
    ]
    # -t keeps a longer song from running past the last frame.
    cmd += ["-t", f"{seconds:.3f}", "-movflags", "+faststart", "-f", "mp4", str(out)]
    return cmd


def write_mp4(
    frames: Iterator[Image.Image],
    out_path: str | os.PathLike[str],
    *,
    size: tuple[int, int],
    fps: float,
    n_frames: int,
    audio: str | os.PathLike[str] | None = None,
    ffmpeg: str | None = None,
) -> Path:
    """Encode RGB frames as an H.264 MP4 with ffmpeg, muxing in ``audio`` (atomically).

    Parameters
    ----------
    frames : iterator of PIL.Image.Image
        ``n_frames`` RGB images of ``size``.
    out_path : str or os.PathLike
    size : (int, int)
        Width and height in pixels (even).
    fps : float
    n_frames : int
        Number of frames; the video lasts ``n_frames / fps`` seconds (the music is cut there).
    audio : str or os.PathLike or None
        A sound file ffmpeg can read (wav, mp3, ...), starting with the first frame.
    ffmpeg : str or None
        The ffmpeg binary; ``None`` finds the one of ``imageio-ffmpeg``.

    Returns
    -------
    path : Path
    """
    exe = ffmpeg or ffmpeg_executable()
    if exe is None:
        raise LiveDualError(
            "No ffmpeg binary found: install imageio-ffmpeg, or write a .gif instead."
        )
    audio_path = None if audio is None else Path(audio)
    if audio_path is not None and not audio_path.is_file():
        raise AudioError(f"Music file {audio_path} not found.")
    out = Path(out_path)
    with tempfile.TemporaryDirectory() as folder, tempfile.TemporaryFile() as log:
        tmp = Path(folder) / "video.mp4"
        cmd = _ffmpeg_command(exe, size, fps, audio_path, n_frames / fps, tmp)
        process = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=log
        )
        assert process.stdin is not None
        try:
            for image in frames:
                process.stdin.write(image.tobytes())
            process.stdin.close()
        except BrokenPipeError:
            pass  # ffmpeg stopped early: its exit code and log say why
        finally:
            code = process.wait()
        if code != 0:
            log.seek(0)
            message = log.read().decode("utf-8", "replace").strip()[-2000:]
            raise (
                AudioError
                if audio_path is not None and str(audio_path) in message
                else LiveDualError
            )(f"ffmpeg could not write {out} (exit code {code}): {message}")
        with open(tmp, "rb") as video, atomic_write(out, "wb") as handle:
            shutil.copyfileobj(video, handle)
    return out


def write_gif(
    frames: Iterator[Image.Image], out_path: str | os.PathLike[str], *, fps: float
) -> Path:
    """Write RGB frames as a looping animated GIF with Pillow (atomically).

    One palette (from the first frame) serves every frame, which keeps colours steady and
    encoding fast. GIF timing is in hundredths of a second, so 25 fps is exact.
    """
    frames = iter(frames)
    first = next(frames)
    palette = first.quantize(colors=GIF_COLOURS, method=Image.Quantize.MEDIANCUT)
    rest = [
        image.quantize(palette=palette, dither=Image.Dither.NONE) for image in frames
    ]
    with atomic_write(out_path, "wb") as handle:
        palette.save(
            handle,
            format="GIF",
            save_all=True,
            append_images=rest,
            duration=round(1000 / fps),
            loop=0,
            optimize=False,
        )
    return Path(out_path)


def _write_video(
    frames: Iterator[Image.Image],
    out_path: str | os.PathLike[str],
    *,
    size: tuple[int, int],
    fps: float,
    n_frames: int,
    audio: str | os.PathLike[str] | None,
) -> Path:
    """MP4 through ffmpeg, or GIF for a .gif path or when ffmpeg is missing."""
    if not fps > 0:
        raise ParameterError(f"fps must be positive, got {fps}.")
    out = Path(out_path)
    exe = None if out.suffix.lower() == ".gif" else ffmpeg_executable()
    if exe is None:
        if out.suffix.lower() != ".gif":
            out = out.with_suffix(".gif")
            _LOGGER.warning(
                "no ffmpeg binary found (install imageio-ffmpeg): writing %s instead",
                out,
            )
        if audio is not None:
            _LOGGER.warning("a GIF has no sound: the music is left out of %s", out)
        return write_gif(frames, out, fps=fps)
    return write_mp4(
        frames, out, size=size, fps=fps, n_frames=n_frames, audio=audio, ffmpeg=exe
    )


def render_motion_video(
    motion: np.ndarray,
    out_path: str | os.PathLike[str],
    *,
    fps: float = FPS,
    audio: str | os.PathLike[str] | None = None,
    title: str | None = None,
    size: tuple[int, int] = VIDEO_SIZE,
) -> Path:
    """Render a motion as a skeleton video: MP4 with the music, or GIF.

    Parameters
    ----------
    motion : np.ndarray [shape=(T, 147) or (T, 24, 3)]
        Pose vectors, or joint positions in metres (y up).
    out_path : str or os.PathLike
        ``.mp4`` (H.264, needs the ffmpeg of imageio-ffmpeg) or ``.gif``. Without ffmpeg an
        ``.mp4`` path becomes ``.gif``.
    fps : float
        Frame rate of ``motion`` and of the video.
    audio : str or os.PathLike or None
        Music to mux in (MP4 only), aligned with the first frame and cut at the last.
    title : str or None
        Text at the top left of every frame.
    size : (int, int)
        Width and height in pixels (even).

    Returns
    -------
    path : Path
        The file written (``.gif`` when ffmpeg was missing).
    """
    renderer = SkeletonRenderer(motion, fps=fps, size=size, title=title)
    return _write_video(
        renderer.images(),
        out_path,
        size=renderer.size,
        fps=fps,
        n_frames=len(renderer),
        audio=audio,
    )


def render_side_by_side(
    left: np.ndarray,
    right: np.ndarray,
    out_path: str | os.PathLike[str],
    *,
    fps: float = FPS,
    audio: str | os.PathLike[str] | None = None,
    titles: tuple[str, str] = ("original", "generated"),
    size: tuple[int, int] = (2 * VIDEO_SIZE[0], VIDEO_SIZE[1]),
) -> Path:
    """Render two motions side by side in one video, e.g. original and generated.

    Both panels use the same camera direction and distance (the larger of the two fitted
    ones), so the figures are drawn at the same scale, each centred on its own motion.
    The video lasts as long as the longer motion; the shorter one holds its last frame.

    Parameters
    ----------
    left, right : np.ndarray [shape=(T, 147) or (T, 24, 3)]
    out_path : str or os.PathLike
        ``.mp4`` or ``.gif``.
    fps : float
    audio : str or os.PathLike or None
    titles : (str, str)
    size : (int, int)
        Size of the whole picture; each panel is half as wide.

    Returns
    -------
    path : Path
    """
    width, height = _check_size(size)
    panel = _check_size((width // 2 - (width // 2) % 2, height))
    joints = [motion_joints(m) for m in (left, right)]
    distance = max(fit_camera(j, size=panel).distance for j in joints)
    renderers = [
        SkeletonRenderer(j, fps=fps, size=panel, title=t, distance=distance)
        for j, t in zip(joints, titles)
    ]
    n_frames = max(len(r) for r in renderers)

    def frames() -> Iterator[Image.Image]:
        for index in range(n_frames):
            canvas = Image.new("RGB", (width, height), BACKGROUND)
            for k, renderer in enumerate(renderers):
                canvas.paste(
                    renderer.image(min(index, len(renderer) - 1)), (k * panel[0], 0)
                )
            ImageDraw.Draw(canvas).line(
                [(panel[0], 0), (panel[0], height)], fill=DIVIDER_COLOUR, width=2
            )
            yield canvas

    return _write_video(
        frames(),
        out_path,
        size=(width, height),
        fps=fps,
        n_frames=n_frames,
        audio=audio,
    )
