"""The recurrent core of the LSTM baseline: a sequence-to-sequence LSTM in the spirit of Tang et al. 2018.

:class:`~livedual.train.model.EncoderDecoder` with ``arch="lstm"`` keeps everything
around the core of the transformer generators (input normalisation and projection, the
seed mixing, the start token, the output head) and swaps the transformer encoder and
decoder for :class:`RecurrentCore`:

- the encoder is a stacked LSTM over the projected input frames, read forwards only (a
  frame's encoding depends on the frames before it, as in a live stream);
- the decoder is a stacked LSTM whose initial state comes from the start token's
  embedding and whose input at frame t is the seeded encoding of frame t: the output is
  frame-aligned with the input, like the transformer's aligned queries.

Both stacks add their input back to their output (a residual over the stack) and end in
a layer norm, so the encoder output — the embedding the GW loss compares — has the same
scale as the transformer's.
"""

from __future__ import annotations

import torch
from torch import nn

STATE_PARTS = 2  # an LSTM state is (h, c)


class RecurrentCore(nn.Module):
    """Encoder and decoder LSTMs of ``n_layer`` layers of ``width`` units each."""

    def __init__(self, width: int, n_layer: int, dropout: float) -> None:
        super().__init__()
        between = dropout if n_layer > 1 else 0.0  # nn.LSTM drops only between layers
        self.n_layer = n_layer
        self.encoder = nn.LSTM(
            width, width, num_layers=n_layer, batch_first=True, dropout=between
        )
        self.enc_ln = nn.LayerNorm(width)
        self.start_state = nn.Linear(width, STATE_PARTS * n_layer * width)
        self.decoder = nn.LSTM(
            width, width, num_layers=n_layer, batch_first=True, dropout=between
        )
        self.dec_ln = nn.LayerNorm(width)
        self.drop = nn.Dropout(dropout)

    def encode(self, h: torch.Tensor) -> torch.Tensor:
        """Encoded frames [shape=(B, T, W)] of projected input frames [shape=(B, T, W)]."""
        out, _ = self.encoder(self.drop(h))  # (B, T, W)
        return self.enc_ln(h + out)

    def decode(self, memory: torch.Tensor, start: torch.Tensor) -> torch.Tensor:
        """Decoder features [shape=(B, T, W)] of the seeded encoding [shape=(B, T, W)] and start token [shape=(B, 1, W)]."""
        out, _ = self.decoder(self.drop(memory), self.initial_state(start))  # (B, T, W)
        return self.dec_ln(memory + out)

    def initial_state(self, start: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The decoder's (h0, c0), each [shape=(n_layer, B, W)], from the start token [shape=(B, 1, W)]."""
        B, _, W = start.shape
        state = self.start_state(start[:, 0])  # (B, 2 L W)
        state = state.view(B, STATE_PARTS, self.n_layer, W)  # (B, 2, L, W)
        state = state.permute(1, 2, 0, 3).contiguous()  # (2, L, B, W)
        return torch.tanh(state[0]), state[1]  # h in (-1, 1) like an LSTM output
