"""The network: a ``batch_first`` LSTM whose last-layer final state feeds a linear head.

Knows tensors only (no numpy, pandas or sklearn); shapes use nn.LSTM's letters: N batch,
L sequence length, H_in input features, D directions, H_out hidden (or projection) size.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

INITIAL_SMOOTHING = 0.3  # the level smoothing coefficient every series starts from


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
    head_steps : int, default=1
        LSTM outputs of the last layer that the linear head reads: 1 reads the final hidden
        state; ``k > 1`` reads the outputs of the last ``k`` time steps (clipped to L).
    instance_norm : {"last", "mean"} or None, default=None
        Per-window location normalisation: subtract each input column's last value ("last") or
        mean ("mean") over the window, and add the target columns' values back to the output,
        which is then read as ``(N, output_size / n_targets, n_targets)``. For forecasting.
    n_targets : int, default=1
        Leading input columns that the output forecasts (used by ``instance_norm`` and
        ``season`` only).
    season : int, default=1
        With ``season > 1`` (and ``season <= L``), the output is a correction added to the
        seasonal naive forecast read from the window: the targets' last ``season`` values,
        repeated. For forecasting; 1 turns it off.
    n_static : int, default=0
        Trailing input columns that are static covariates (constant over a window):
        ``instance_norm`` leaves them as they are.
    future_steps, n_future : int, default=0
        With ``n_future > 0`` the input holds ``L + future_steps`` rows: the window, then the
        ``future_steps`` rows forecast, of which only the ``n_future`` columns before the static
        ones (the known future values) are read. The LSTM reads the window; the known future
        values (less the window's reference under ``instance_norm``) are flattened into the
        head's input next to the LSTM state.
    n_quantiles : int, default=1
        Quantiles forecast per value (Q): the output is read as ``(N, horizon, n_targets, Q)``,
        the reference level is added to every quantile, and with ``Q > 1`` the quantiles are
        sorted along their axis (in training too), so that they never cross.
    n_series : int, default=0
        With ``instance_norm="level"``: the series with their own smoothing and seasonal
        parameters (the hybrid exponential-smoothing network). Each input row then ends with
        two position columns, after the static ones: its phase in the season (0 ..
        ``period - 1``) and its series number (``n_series`` for a series the fit never saw,
        which gets the pooled parameters of :meth:`pool_unseen`). The targets of each window,
        less the series' seasonal indices, are smoothed exponentially with the series' learned
        coefficient; the LSTM reads the window less that level (and its seasonal indices), and
        the level and the seasonal indices of the steps forecast are added back to the output.
    period : int, default=1
        The season of the seasonal indices under ``instance_norm="level"`` (1: none).
    input_steps : int, default=0
        Read only the last ``input_steps`` rows of each window (0: all of them), so that
        members of an ensemble with shorter windows read the same inputs as the others.
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
        head_steps: int = 1,
        instance_norm: str | None = None,
        n_targets: int = 1,
        season: int = 1,
        n_static: int = 0,
        future_steps: int = 0,
        n_future: int = 0,
        n_quantiles: int = 1,
        n_series: int = 0,
        period: int = 1,
        input_steps: int = 0,
    ):
        super().__init__()
        self.n_series, self.period, self.input_steps = n_series, period, input_steps
        if instance_norm == "level":
            # row n_series: the pooled parameters of a series the fit never saw
            start = torch.full((n_series + 1, n_targets), INITIAL_SMOOTHING)
            self.smoothing = nn.Parameter(torch.logit(start))  # logits of the coefficients
            self.seasonal = nn.Parameter(torch.zeros(n_series + 1, period, n_targets))
        self.future_steps, self.n_future = future_steps, n_future
        self.n_static = n_static
        self.n_quantiles = n_quantiles
        self.head_steps = head_steps
        self.instance_norm = instance_norm
        self.n_targets = n_targets
        self.season = season
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
        self.head = nn.Linear(state_size * head_steps + future_steps * n_future, output_size)
        if instance_norm is not None or season > 1:
            # Start from the reference forecast (last value or seasonal naive) exactly.
            nn.init.zeros_(self.head.weight)
            nn.init.zeros_(self.head.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N, L, H_in) -> (N, output_size)."""
        n = x.shape[0]
        if self.input_steps:  # the last rows of the window; the rows forecast stay
            past, ahead = (x[:, : -self.future_steps], x[:, -self.future_steps :]) if (
                self.n_future) else (x, x[:, :0])
            x = torch.cat([past[:, -self.input_steps :], ahead], dim=1)
        level = None
        if self.instance_norm == "level":
            x, level = self._remove_level(x)
        future = None
        if self.n_future:
            # (N, L + H, H_in) -> the window (N, L, H_in) and the rows forecast (N, H, H_in)
            x, ahead = x[:, : -self.future_steps], x[:, -self.future_steps :]
            stop = x.shape[2] - self.n_static
            future = ahead[:, :, stop - self.n_future : stop]  # (N, H, F)
        base = None  # (N, horizon, n_targets) or (N, 1, n_targets): what the output corrects
        if 1 < self.season <= x.shape[1]:
            last_season = x[:, -self.season :, : self.n_targets]  # (N, season, n_targets)
            horizon = self.head.out_features // (self.n_targets * self.n_quantiles)
            repeats = -(-horizon // self.season)
            base = last_season.repeat(1, repeats, 1)[:, :horizon]  # (N, horizon, n_targets)
        if level is not None:  # (no future-known columns: the fit refuses them)
            base = level
        elif self.instance_norm is not None:
            # (N, L, H_in) -> (N, 1, H_in): each window's reference level per column
            ref = x[:, -1:] if self.instance_norm == "last" else x.mean(dim=1, keepdim=True)
            if self.n_static:
                ref = ref.clone()
                ref[:, :, -self.n_static :] = 0  # static covariates stay as they are
            x = x - ref
            base = ref[:, :, : self.n_targets] if base is None else base
            if future is not None:
                stop = x.shape[2] - self.n_static
                future = future - ref[:, :, stop - self.n_future : stop]  # (N, H, F)
        if self._head_is_zero():  # it outputs zeros whatever the LSTM computes: skip the LSTM
            y = x.new_zeros(n, self.head.out_features)  # (N, output_size)
        else:
            y = self.head(self._state(x, future))  # (N, output_size)
        if base is not None:  # (N, H, T, Q) + (N, H or 1, T, 1): every quantile moves with it
            y = (y.view(n, -1, self.n_targets, self.n_quantiles) + base[..., None]).reshape(n, -1)
        if self.n_quantiles > 1:  # (N, H * T, Q) sorted along Q: quantiles never cross
            y = y.view(n, -1, self.n_quantiles).sort(dim=-1).values.reshape(n, -1)
        return y  # (N, output_size)

    def _remove_level(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Split off the position columns; return the window normalised by each series' level
        and seasonal indices (N, L, H_in - 2), and what the output corrects: the level plus the
        seasonal indices of the steps forecast (N, horizon, n_targets)."""
        position = x[:, -1, -2:].long()  # (N, 2): the last row's phase and series number
        x = x[..., :-2]
        phase, number = position[:, 0], position[:, 1]
        length, t = x.shape[1], self.n_targets
        horizon = self.head.out_features // (t * self.n_quantiles)
        adjusted, ahead = x[:, :, :t], 0  # (N, L, T); the indices of the steps forecast
        if self.period > 1:  # (with one index per series the level absorbs it exactly)
            offsets = torch.arange(1 - length, horizon + 1, device=x.device)  # window, ahead
            phases = torch.remainder(phase[:, None] + offsets, self.period)  # (N, L + horizon)
            # each (series, phase) is a row of the flat table: embedding's gather and its
            # backward (a sum into the rows read) are faster than indexing with two tensors
            rows = number[:, None] * self.period + phases
            indices = F.embedding(rows, self.seasonal.view(-1, t))  # (N, L + horizon, T)
            adjusted, ahead = adjusted - indices[:, :length], indices[:, length:]
        alpha = torch.sigmoid(F.embedding(number, self.smoothing))[:, None, :]  # (N, 1, T)
        # exponential smoothing started at the window's first value, in closed form:
        # level = (1 - a)^(L-1) y_0 + sum_{k >= 1} a (1 - a)^(L-1-k) y_k
        age = torch.arange(length - 1, -1, -1, device=x.device)[None, :, None]  # (1, L, 1)
        weights = alpha * (1 - alpha) ** age  # (N, L, T)
        weights = torch.cat([(1 - alpha) ** (length - 1), weights[:, 1:]], dim=1)
        level = (weights * adjusted).sum(dim=1, keepdim=True)  # (N, 1, T)
        normalised = adjusted - level  # (N, L, T)
        past = x[:, :, t : x.shape[2] - self.n_static]  # past covariates: less their last value
        if past.shape[2]:
            normalised = torch.cat([normalised, past - past[:, -1:]], dim=2)
        if self.n_static:  # static covariates as they are
            normalised = torch.cat([normalised, x[:, :, -self.n_static :]], dim=2)
        return normalised, level + ahead  # (N, horizon or 1, T)

    @torch.no_grad()
    def pool_unseen(self) -> None:
        """Give the row of series never seen at fit the median smoothing coefficient of the
        fitted series and no seasonal indices (their context's own pattern is removed before
        the network sees it)."""
        if self.instance_norm != "level" or self.n_series == 0:
            return
        self.smoothing[-1] = self.smoothing[:-1].median(dim=0).values
        self.seasonal[-1] = 0

    def _state(self, x: torch.Tensor, future: torch.Tensor | None) -> torch.Tensor:
        """What the head reads: the LSTM outputs of the last ``head_steps`` steps (or the last
        hidden state), then the future-known columns over the horizon."""
        n = x.shape[0]
        out, (h_n, _) = self.lstm(x)  # out: (N, L, D * H_out); h_n: (num_layers * D, N, H_out)
        if self.head_steps > 1:
            steps = out[:, -self.head_steps :]  # (N, k, D * H_out)
            if steps.shape[1] < self.head_steps:  # window shorter than k: pad with zeros
                pad = steps.new_zeros(x.shape[0], self.head_steps - steps.shape[1], steps.shape[2])
                steps = torch.cat([pad, steps], dim=1)  # (N, k, D * H_out)
            state = steps.reshape(x.shape[0], -1)  # (N, k * D * H_out)
        else:
            last_layer = h_n[-self.directions :]  # (D, N, H_out)
            state = last_layer.transpose(0, 1).reshape(x.shape[0], -1)  # (N, D * H_out)
        if future is not None:
            state = torch.cat([state, future.reshape(n, -1)], dim=1)  # (N, k * D * H_out + H * F)
        return state

    def _head_is_zero(self) -> bool:
        """Whether this is an inference pass with an all-zero head (the head's start under
        instance_norm or season), whose outputs do not depend on the LSTM."""
        if self.training or torch.is_grad_enabled():
            return False
        bias = self.head.bias
        return not (self.head.weight.any() or (bias is not None and bias.any()))


class MedianEnsemble(nn.Module):
    """Networks that read the same windows (each trained on its own), combined by the
    element-wise median of their outputs: the mean of the two middle ones for an even count,
    so two identical members answer as one, and one member that diverged among three or more
    moves the forecast no further than the others' range."""

    def __init__(self, members: list[nn.Module]):
        super().__init__()
        self.members = nn.ModuleList(members)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N, L, H_in) -> (N, output_size)."""
        outputs = torch.stack([member(x) for member in self.members])  # (K, N, output_size)
        ordered = outputs.sort(dim=0).values
        k = len(self.members)
        return (ordered[(k - 1) // 2] + ordered[k // 2]) / 2

    def pool_unseen(self) -> None:
        for member in self.members:
            member.pool_unseen()


def build_network(config: dict) -> nn.Module:
    """The network a configuration describes: LSTMNet's arguments, or ``{"members": [...]}``
    for a MedianEnsemble of such networks."""
    if "members" in config:
        return MedianEnsemble([LSTMNet(**member) for member in config["members"]])
    return LSTMNet(**config)
