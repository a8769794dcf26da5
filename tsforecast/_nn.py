"""The network: a ``batch_first`` LSTM whose last-layer final state feeds a linear head.

Knows tensors only (no numpy, pandas or sklearn); shapes use nn.LSTM's letters: N batch,
L sequence length, H_in input features, D directions, H_out hidden (or projection) size.
"""

from __future__ import annotations

import torch
from torch import nn


class LSTMNet(nn.Module):
    """Map a batch of sequences to a batch of output vectors.

    Parameters
    ----------
    input_size : int
        Features per time step (H_in).
    output_size : int
        Length of each output vector (e.g. ``horizon * n_targets`` or ``n_classes``).
    hidden_size, num_layers, dropout, bidirectional, proj_size
        As in :class:`torch.nn.LSTM`; ``dropout`` applies between stacked layers only.
    """

    def __init__(
        self,
        input_size: int,
        output_size: int,
        hidden_size: int = 64,
        num_layers: int = 1,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
    ):
        super().__init__()
        self.lstm = nn.LSTM(
            input_size,
            hidden_size,
            num_layers=num_layers,
            batch_first=True,
            dropout=dropout if num_layers > 1 else 0.0,
            bidirectional=bidirectional,
            proj_size=proj_size,
        )
        self.directions = 2 if bidirectional else 1
        state_size = self.directions * (proj_size or hidden_size)
        self.head = nn.Linear(state_size, output_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N, L, H_in) -> (N, output_size)."""
        _, (h_n, _) = self.lstm(x)  # h_n: (num_layers * D, N, H_out)
        last_layer = h_n[-self.directions :]  # (D, N, H_out)
        state = last_layer.transpose(0, 1).reshape(x.shape[0], -1)  # (N, D * H_out)
        return self.head(state)  # (N, output_size)
