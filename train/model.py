"""The two generators of dual learning: music → dance and dance → music.

Read top to bottom: small modules, then :class:`ModelArgs`, then the shared
encoder-decoder, then :class:`MusicToDance` (G_M→D) and :class:`DanceToMusic` (G_D→M),
then the presets.

Both generators have the paper's shape. A transformer encoder (full attention, no mask)
reads the 3 s input window. A random seed vector is concatenated to every encoded frame
and projected back to the width, so one input can give several outputs. A transformer
decoder (full attention) reads a start token followed by one learned query per output
frame, attends to the seeded encoding, and writes all 75 frames in one pass. By default
each query also receives the seeded encoding of its own frame (``aligned_queries``):
input and output windows cover the same 3 s, and without this the decoder must discover
the frame-to-frame alignment through cross-attention alone, which on small data it did
not do in hundreds of steps.

G_M→D also writes each frame as a change from its start pose (``start_residual``, on by
default): the paper's autoregressive decoder continues from its start token by
construction, a one-pass decoder does not. Without it, a window's first frame landed
8 cm (mean joint distance) from the pose it was started from, a jump at every window
boundary when windows are chained; with it, about 1 cm.

Two more defaults shape the motion in time (both off reproduce the paper). Dilated
convolutions over the input frames run before the encoder (``conv_layers``): each frame
then knows its neighbourhood, such as how far it lies from the last and the next beat,
which full attention over 75 frames learnt only slowly. And G_M→D's output is projected
onto the first ``smooth_basis`` cosines over the window, a low-pass in time: a one-pass
decoder writes every frame separately and its output jittered, with five times the true
joint acceleration and about four speed minima per music beat instead of one.

With ``arch="lstm"`` (:mod:`livedual.train.lstm`) the transformer encoder and decoder
give way to LSTMs, everything around them staying the same: a sequence-to-sequence
baseline in the spirit of Tang et al. 2018, trained and exported like the transformers.

Inputs are raw features: each generator normalises them with mean/std buffers set from
the training data (:meth:`set_stats`), so an exported graph needs no statistics outside.

- G_M→D: music features [shape=(B, 75, 53)] + start pose [shape=(B, 147)] + seed →
  poses [shape=(B, 75, 147)]: metres and *unnormalised* 6D; Gram-Schmidt them
  (:func:`livedual.train.rotation.normalise_pose`) before use.
- G_D→M: poses [shape=(B, 75, 147)] + start chord id [shape=(B,)] in 0..23
  (``root + 12 * minor``) + seed → music [shape=(B, 75, 13)]: 12 chroma and 1 beat, each
  a probability in [0, 1] from a sigmoid. Chroma uses independent sigmoids, not a
  softmax, because the feature chroma it imitates is max-normalised per frame (its
  largest bin is 1), not sum-normalised.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from livedual.const import MUSIC_DIM, MUSIC_OUT_DIM, N_CHORDS, POSE_DIM, WINDOW_FRAMES
from livedual.errors import ParameterError

from .config import ARCHS
from .lstm import RecurrentCore

ArrayLike = Any  # a torch tensor or a numpy array
INIT_STD = 0.02  # weight init (GPT-2)

# --- small modules ----------------------------------------------------------------------


class Attention(nn.Module):
    """Multi-head attention without a mask; keys/values from ``context`` (cross) or ``x`` (self)."""

    def __init__(self, width: int, n_head: int, dropout: float) -> None:
        super().__init__()
        self.n_head = n_head
        self.dropout = dropout
        self.query = nn.Linear(width, width)
        self.key_value = nn.Linear(width, 2 * width)
        self.proj = nn.Linear(width, width)

    def forward(self, x: torch.Tensor, context: torch.Tensor) -> torch.Tensor:
        B, T, C = x.shape
        S = context.shape[1]
        head = C // self.n_head
        q = self.query(x).view(B, T, self.n_head, head).transpose(1, 2)  # (B, H, T, hd)
        k, v = self.key_value(context).split(C, dim=2)  # (B, S, C) each
        k = k.view(B, S, self.n_head, head).transpose(1, 2)  # (B, H, S, hd)
        v = v.view(B, S, self.n_head, head).transpose(1, 2)  # (B, H, S, hd)
        p = self.dropout if self.training else 0.0
        y = F.scaled_dot_product_attention(q, k, v, dropout_p=p)  # (B, H, T, hd)
        y = y.transpose(1, 2).reshape(B, T, C)  # (B, T, C)
        return F.dropout(self.proj(y), p, self.training)


class MLP(nn.Module):
    """Position-wise feed-forward: width → 4 width → width."""

    def __init__(self, width: int, dropout: float) -> None:
        super().__init__()
        self.up = nn.Linear(width, 4 * width)
        self.down = nn.Linear(4 * width, width)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.dropout(self.down(F.gelu(self.up(x))))


class EncoderBlock(nn.Module):
    """Pre-norm self-attention and MLP."""

    def __init__(self, width: int, n_head: int, dropout: float) -> None:
        super().__init__()
        self.ln_attn = nn.LayerNorm(width)
        self.attn = Attention(width, n_head, dropout)
        self.ln_mlp = nn.LayerNorm(width)
        self.mlp = MLP(width, dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.ln_attn(x)
        x = x + self.attn(h, h)
        return x + self.mlp(self.ln_mlp(x))


class DecoderBlock(nn.Module):
    """Pre-norm self-attention, cross-attention to the encoding, and MLP."""

    def __init__(self, width: int, n_head: int, dropout: float) -> None:
        super().__init__()
        self.ln_self = nn.LayerNorm(width)
        self.self_attn = Attention(width, n_head, dropout)
        self.ln_cross = nn.LayerNorm(width)
        self.cross_attn = Attention(width, n_head, dropout)
        self.ln_mlp = nn.LayerNorm(width)
        self.mlp = MLP(width, dropout)

    def forward(self, x: torch.Tensor, memory: torch.Tensor) -> torch.Tensor:
        h = self.ln_self(x)
        x = x + self.self_attn(h, h)
        x = x + self.cross_attn(self.ln_cross(x), memory)
        return x + self.mlp(self.ln_mlp(x))


class TemporalConv(nn.Module):
    """Pre-norm dilated convolution over frames with a residual; the length is kept."""

    def __init__(self, width: int, kernel: int, dilation: int) -> None:
        super().__init__()
        self.ln = nn.LayerNorm(width)
        padding = dilation * (kernel - 1) // 2
        self.conv = nn.Conv1d(width, width, kernel, padding=padding, dilation=dilation)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = F.gelu(self.ln(x)).transpose(1, 2)  # (B, T, W) -> (B, W, T)
        return x + self.conv(h).transpose(1, 2)  # (B, W, T) -> (B, T, W)


def smooth_projection(frames: int, n_cosines: int) -> torch.Tensor:
    """Matrix [shape=(frames, frames)] projecting a signal onto slow shapes over the window.

    The shapes are the first ``n_cosines`` cosines of the DCT-II,
    ``cos(pi * k * (t + 1/2) / frames)``, plus a linear and a quadratic ramp. Over a 3 s
    window 20 cosines keep what moves slower than about 3 Hz (a beat at 150 BPM is
    2.5 Hz). The cosines alone would hold every signal still at both ends of the window
    (they all have zero slope there), slowing the dance down at every window boundary;
    the ramps leave the ends free.
    """
    t = (torch.arange(frames, dtype=torch.float64) + 0.5) / frames
    k = torch.arange(n_cosines, dtype=torch.float64)
    cosines = torch.cos(math.pi * t[:, None] * k[None, :])  # (T, K)
    ramps = torch.stack([t - 0.5, (t - 0.5) ** 2], dim=1)  # (T, 2)
    basis = torch.cat([cosines, ramps], dim=1)  # (T, K + 2)
    return (basis @ torch.linalg.pinv(basis)).float()  # (T, T)


class Normaliser(nn.Module):
    """``(x - mean) / std`` with statistics kept as buffers (saved in the state dict)."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.register_buffer("mean", torch.zeros(dim))
        self.register_buffer("std", torch.ones(dim))

    def set(self, mean: ArrayLike, std: ArrayLike) -> None:
        self.mean.copy_(torch.as_tensor(mean, dtype=self.mean.dtype))
        self.std.copy_(torch.as_tensor(std, dtype=self.std.dtype))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean) / self.std

    def inverse(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.std + self.mean


# --- configuration ------------------------------------------------------------------------


@dataclass
class ModelArgs:
    """Everything needed to rebuild a generator; saved in checkpoints as a dict."""

    task: str = "music2dance"  # "music2dance" (G_M→D) or "dance2music" (G_D→M)
    n_layer: int = 6  # encoder blocks; the decoder has as many
    n_head: int = 8
    width: int = 512
    seed_dim: int = 32  # length of the random diversity vector
    dropout: float = 0.1
    window: int = WINDOW_FRAMES  # frames in and out (75)
    # Add the seeded encoding of frame t to the decoder's query t (input and output frames
    # are the same 3 s): the decoder then starts from the aligned music instead of having
    # to learn the alignment through cross-attention. False: the paper's bare queries.
    aligned_queries: bool = True
    # "transformer" (the paper) or "lstm" (the baseline; n_head and aligned_queries
    # unused). Checkpoints and cards without it are transformers.
    arch: str = "transformer"
    # G_M→D writes each frame as a change from the start pose (in normalised units), so a
    # window continues the pose it was started from, as the paper's autoregressive decoder
    # does. Checkpoints and cards without it predate it: absolute poses.
    start_residual: bool = True
    # Residual dilated convolutions over the projected input frames before the
    # transformer encoder (dilations 1, 2, 4, 8: with kernel 5 each frame sees +-30
    # frames, 1.2 s, a beat either side even at 50 BPM). 0: the paper's encoder alone.
    # The LSTM baseline's recurrent encoder has no use for them.
    conv_layers: int = 4
    conv_kernel: int = 5  # odd
    # G_M→D: the output (a change from the start pose) is projected onto this many
    # cosines over the window and two ramps, a low-pass in time (see smooth_projection).
    # 0: every frame written on its own (the paper).
    smooth_basis: int = 20

    @classmethod
    def from_dict(cls, saved: dict[str, Any]) -> ModelArgs:
        """Arguments saved in a checkpoint; fields it predates keep their old behaviour."""
        predates = {"start_residual": False, "conv_layers": 0, "smooth_basis": 0}
        return cls(**(predates | saved))

    @property
    def in_dim(self) -> int:
        return MUSIC_DIM if self.task == "music2dance" else POSE_DIM

    @property
    def out_dim(self) -> int:
        return POSE_DIM if self.task == "music2dance" else MUSIC_OUT_DIM


# --- the shared encoder-decoder -------------------------------------------------------------


class EncoderDecoder(nn.Module):
    """Encoder over the input window, seed mixing, and a one-pass decoder of ``window`` frames.

    Subclasses define ``embed_start`` (start token → (B, 1, width)) and ``finish``
    (decoder features → output in raw units). ``args.arch`` picks the transformer
    encoder and decoder or the LSTMs of :class:`~livedual.train.lstm.RecurrentCore`.
    """

    def __init__(self, args: ModelArgs) -> None:
        super().__init__()
        _check_args(args)
        self.args = args
        W = args.width
        self.in_norm = Normaliser(args.in_dim)
        self.in_proj = nn.Linear(args.in_dim, W)
        if args.arch == "lstm":
            self.recurrent = RecurrentCore(W, args.n_layer, args.dropout)
            self.seed_mix = nn.Linear(W + args.seed_dim, W)
        else:  # registration order fixes the initial weights drawn from a seed
            self.convs = nn.ModuleList(
                TemporalConv(W, args.conv_kernel, 2**i) for i in range(args.conv_layers)
            )
            self.enc_pos = nn.Parameter(torch.zeros(args.window, W))
            self.encoder = nn.ModuleList(
                EncoderBlock(W, args.n_head, args.dropout) for _ in range(args.n_layer)
            )
            self.enc_ln = nn.LayerNorm(W)
            self.seed_mix = nn.Linear(W + args.seed_dim, W)
            self.queries = nn.Parameter(torch.zeros(args.window, W))
            self.decoder = nn.ModuleList(
                DecoderBlock(W, args.n_head, args.dropout) for _ in range(args.n_layer)
            )
            self.dec_ln = nn.LayerNorm(W)
        self.head = nn.Linear(W, args.out_dim)
        self.drop = nn.Dropout(args.dropout)

    def _init_weights(self) -> None:
        """GPT-2 init; residual output projections scaled down by the depth."""
        residual_std = INIT_STD / math.sqrt(2 * self.args.n_layer)
        for module_name, module in self.named_modules():
            if isinstance(module, (nn.Linear, nn.Embedding)):
                residual = module_name.endswith(("attn.proj", "mlp.down"))
                nn.init.normal_(
                    module.weight, mean=0.0, std=residual_std if residual else INIT_STD
                )
            if isinstance(module, nn.Linear):
                nn.init.zeros_(module.bias)
        if self.args.arch == "transformer":  # the LSTMs keep torch's own init
            nn.init.normal_(self.enc_pos, mean=0.0, std=INIT_STD)
            nn.init.normal_(self.queries, mean=0.0, std=INIT_STD)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Encoded frames [shape=(B, window, width)] of a raw input window [shape=(B, window, in_dim)]."""
        h = self.in_proj(self.in_norm(x))  # (B, T, W)
        if self.args.arch == "lstm":
            return self.recurrent.encode(h)
        for conv in self.convs:
            h = conv(h)  # (B, T, W)
        h = self.drop(h + self.enc_pos)
        for block in self.encoder:
            h = block(h)
        return self.enc_ln(h)

    def decode(
        self, memory: torch.Tensor, start: torch.Tensor, seed: torch.Tensor
    ) -> torch.Tensor:
        """Decoder features [shape=(B, window, width)] from the encoding, start token and seed."""
        B, T, _ = memory.shape
        seeds = seed[:, None, :].expand(B, T, seed.shape[-1])  # (B, T, S)
        memory = self.seed_mix(
            torch.cat([memory, seeds], dim=-1)
        )  # (B, T, W + S) -> (B, T, W)
        if self.args.arch == "lstm":
            return self.recurrent.decode(memory, self.embed_start(start))
        queries = self.queries[None].expand(B, -1, -1)  # (B, T, W)
        if self.args.aligned_queries:
            queries = queries + memory
        h = self.drop(
            torch.cat([self.embed_start(start), queries], dim=1)
        )  # (B, 1 + T, W)
        for block in self.decoder:
            h = block(h, memory)
        return self.dec_ln(
            h[:, 1:]
        )  # (B, T, W): the start token's slot is not an output

    def forward_with_embedding(
        self, x: torch.Tensor, start: torch.Tensor, seed: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Output [shape=(B, window, out_dim)] and pooled encoder embedding [shape=(B, width)]."""
        memory = self.encode(x)
        out = self.finish(self.decode(memory, start, seed), start)
        return out, memory.mean(dim=1)  # (B, W): mean over frames

    def forward(
        self, x: torch.Tensor, start: torch.Tensor, seed: torch.Tensor
    ) -> torch.Tensor:
        return self.forward_with_embedding(x, start, seed)[0]

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """Pooled encoder embedding [shape=(B, width)] of a raw input window."""
        return self.encode(x).mean(dim=1)

    def sample_seed(
        self, batch: int, *, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        """Standard normal diversity vectors [shape=(batch, seed_dim)]."""
        device = self.head.weight.device
        return torch.randn(
            batch, self.args.seed_dim, generator=generator, device=device
        )

    def num_params(self) -> int:
        """Number of trainable parameters (buffers excluded)."""
        return sum(p.numel() for p in self.parameters())


# --- the generators -------------------------------------------------------------------------


class MusicToDance(EncoderDecoder):
    """G_M→D: music features (B, 75, 53) + start pose (B, 147) + seed → poses (B, 75, 147)."""

    def __init__(self, args: ModelArgs) -> None:
        if args.task != "music2dance":
            raise ParameterError(
                f"MusicToDance needs task 'music2dance', not {args.task!r}."
            )
        super().__init__(args)
        self.pose_norm = Normaliser(POSE_DIM)
        self.start_proj = nn.Linear(POSE_DIM, args.width)
        if args.smooth_basis:
            self.register_buffer(
                "smoother",
                smooth_projection(args.window, args.smooth_basis),
                persistent=False,
            )
        self._init_weights()

    def set_stats(
        self,
        *,
        music_mean: ArrayLike,
        music_std: ArrayLike,
        pose_mean: ArrayLike,
        pose_std: ArrayLike,
    ) -> None:
        """Set the normalisation statistics (arrays of shape (53,) and (147,))."""
        self.in_norm.set(music_mean, music_std)
        self.pose_norm.set(pose_mean, pose_std)

    def embed_start(self, start: torch.Tensor) -> torch.Tensor:
        return self.start_proj(self.pose_norm(start))[:, None, :]  # (B, 1, W)

    def finish(self, h: torch.Tensor, start: torch.Tensor) -> torch.Tensor:
        y = self.head(h)  # (B, T, 147) normalised
        if self.args.smooth_basis:
            y = self.smoother @ y  # (T, T) @ (B, T, 147) -> (B, T, 147)
        return self.place(y, start)

    def place(self, y: torch.Tensor, start: torch.Tensor) -> torch.Tensor:
        """Poses (metres + raw 6D) from normalised head output [shape=(B, T, 147)]."""
        if self.args.start_residual:
            y = y + self.pose_norm(start)[:, None, :]
        return self.pose_norm.inverse(y)

    def sample_start(
        self,
        pool: torch.Tensor,
        batch: int,
        *,
        generator: torch.Generator | None = None,
    ) -> torch.Tensor:
        """Start poses [shape=(batch, 147)] drawn with replacement from a pool [shape=(N, 147)]."""
        index = torch.randint(
            len(pool), (batch,), generator=generator, device=pool.device
        )
        return pool[index]


class DanceToMusic(EncoderDecoder):
    """G_D→M: poses (B, 75, 147) + start chord id (B,) + seed → chroma and beat (B, 75, 13)."""

    def __init__(self, args: ModelArgs) -> None:
        if args.task != "dance2music":
            raise ParameterError(
                f"DanceToMusic needs task 'dance2music', not {args.task!r}."
            )
        super().__init__(args)
        self.chord_embedding = nn.Embedding(N_CHORDS, args.width)
        self._init_weights()

    def set_stats(
        self, *, pose_mean: ArrayLike, pose_std: ArrayLike, **_unused: ArrayLike
    ) -> None:
        """Set the pose normalisation statistics (arrays of shape (147,)); music stats are unused."""
        self.in_norm.set(pose_mean, pose_std)

    def embed_start(self, start: torch.Tensor) -> torch.Tensor:
        return self.chord_embedding(start)[:, None, :]  # (B,) -> (B, 1, W)

    def finish(self, h: torch.Tensor, start: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.head(h))  # (B, T, 13) probabilities

    def sample_start(
        self, batch: int, *, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        """Uniformly random chord ids [shape=(batch,)] in 0..23."""
        device = self.head.weight.device
        return torch.randint(N_CHORDS, (batch,), generator=generator, device=device)


def _check_args(args: ModelArgs) -> None:
    """Raise :class:`ParameterError` for an unknown architecture or a width heads cannot split."""
    if args.arch not in ARCHS:
        raise ParameterError(f"arch must be one of {ARCHS}, not {args.arch!r}.")
    if args.arch == "transformer" and args.width % args.n_head:
        raise ParameterError(
            f"width {args.width} is not a multiple of n_head {args.n_head}."
        )
    if args.conv_layers < 0 or args.conv_kernel < 1 or args.conv_kernel % 2 == 0:
        raise ParameterError(
            f"conv_layers must be 0 or more and conv_kernel odd, not {args.conv_layers} "
            f"and {args.conv_kernel}."
        )
    if not 0 <= args.smooth_basis <= args.window:
        raise ParameterError(
            f"smooth_basis must be in 0..{args.window}, not {args.smooth_basis}."
        )


GENERATORS: dict[str, type[EncoderDecoder]] = {
    "music2dance": MusicToDance,
    "dance2music": DanceToMusic,
}


def build_generator(args: ModelArgs | dict) -> EncoderDecoder:
    """The generator of ``args.task``, from a :class:`ModelArgs` or its dict (checkpoints)."""
    if isinstance(args, dict):
        args = ModelArgs.from_dict(args)
    if args.task not in GENERATORS:
        raise ParameterError(
            f"unknown task {args.task!r}; expected one of {sorted(GENERATORS)}."
        )
    return GENERATORS[args.task](args)


# --- presets --------------------------------------------------------------------------------

PRESETS: dict[str, dict[str, ModelArgs]] = {
    # The paper: 6 layers, 8 heads, width 512 (M→D) and 256 (D→M).
    "paper": {
        "music2dance": ModelArgs("music2dance", n_layer=6, n_head=8, width=512),
        "dance2music": ModelArgs("dance2music", n_layer=6, n_head=8, width=256),
    },
    # Live use on a CPU.
    "small": {
        "music2dance": ModelArgs(
            "music2dance", n_layer=2, n_head=4, width=192, seed_dim=16
        ),
        "dance2music": ModelArgs(
            "dance2music", n_layer=2, n_head=4, width=128, seed_dim=16
        ),
    },
    # Tests: trains in seconds (no dropout: sampling masks costs more than the model on a CPU).
    "tiny": {
        "music2dance": ModelArgs(
            "music2dance", n_layer=2, n_head=4, width=64, seed_dim=8, dropout=0.0
        ),
        "dance2music": ModelArgs(
            "dance2music", n_layer=1, n_head=2, width=32, seed_dim=8, dropout=0.0
        ),
    },
}


def preset(name: str, task: str, *, arch: str = "transformer") -> ModelArgs:
    """A copy of the preset ``name`` ("paper", "small", "tiny") for ``task``, of ``arch``.

    The LSTM baseline takes the preset's layers and width (its heads go unused).
    """
    args = PRESETS[name][task]
    return ModelArgs(**(vars(args) | {"arch": arch}))
