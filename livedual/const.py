"""Every audio and motion number of livedual, named once with its derivation.

One music feature frame is exactly one pose frame: the sample rate is the frame rate times
the hop length, so frame ``i`` of the features and frame ``i`` of a dance describe the same
40 ms. The checks at the bottom raise at import if an edit breaks that.
"""

from __future__ import annotations

# --- time ---------------------------------------------------------------------------
FPS = 25  # pose and feature frames per second (the paper's rate)
WINDOW_SECONDS = 3  # one generation window (the paper's T)
WINDOW_FRAMES = FPS * WINDOW_SECONDS  # 75
AIST_FPS = 60  # AIST++ motion capture rate

# --- audio --------------------------------------------------------------------------
SAMPLE_RATE = 22050  # audio is resampled to this before any feature is computed
HOP_LENGTH = SAMPLE_RATE // FPS  # 882 samples: one feature frame per pose frame
N_FFT = 2048  # STFT size for MFCC and chroma (93 ms at 22.05 kHz)
ONSET_HOP = HOP_LENGTH // 2  # 441 samples (20 ms): beats are tracked at this finer hop
ONSETS_PER_FRAME = HOP_LENGTH // ONSET_HOP  # 2
WINDOW_SAMPLES = WINDOW_SECONDS * SAMPLE_RATE  # 66150

# --- music features (53 per frame) -----------------------------------------------------
N_MFCC = 20
N_CHROMA = 12
MFCC = slice(0, N_MFCC)  # 0..19   MFCC
MFCC_DELTA = slice(N_MFCC, 2 * N_MFCC)  # 20..39  MFCC delta
CHROMA = slice(2 * N_MFCC, 2 * N_MFCC + N_CHROMA)  # 40..51  chroma (harmonic part)
BEAT = 2 * N_MFCC + N_CHROMA  # 52      beat flag (percussive part)
MUSIC_DIM = BEAT + 1  # 53

# --- music out of G_D->M (13 per frame) -----------------------------------------------
MUSIC_OUT_CHROMA = slice(0, N_CHROMA)  # 0..11 chroma
MUSIC_OUT_BEAT = N_CHROMA  # 12    beat
MUSIC_OUT_DIM = N_CHROMA + 1  # 13
N_CHORDS = 24  # start tokens of G_D->M: 12 roots x (major, minor)

# --- pose (147 per frame) --------------------------------------------------------------
N_JOINTS = 24  # SMPL joints
ROT6D_DIM = 6  # first two columns of a rotation matrix (Zhou et al. 2019)
TRANSL_DIM = 3  # root translation, metres, y up
TRANSL = slice(0, TRANSL_DIM)  # 0..2
ROTATIONS = slice(TRANSL_DIM, TRANSL_DIM + N_JOINTS * ROT6D_DIM)  # 3..146
POSE_DIM = TRANSL_DIM + N_JOINTS * ROT6D_DIM  # 147


def _check(condition: bool, message: str) -> None:
    # Not ``assert``: ``python -O`` would remove it.
    if not condition:
        raise RuntimeError(f"livedual.const is inconsistent: {message}")


_check(SAMPLE_RATE == FPS * HOP_LENGTH, "SAMPLE_RATE must equal FPS * HOP_LENGTH")
_check(HOP_LENGTH % ONSET_HOP == 0, "ONSET_HOP must divide HOP_LENGTH")
_check(WINDOW_SAMPLES == WINDOW_FRAMES * HOP_LENGTH, "a window must be whole frames")
_check(MUSIC_DIM == 53, "the music frame has 53 features")
_check(POSE_DIM == 147, "the pose frame has 147 values")
