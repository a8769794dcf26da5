"""The transformed panel on the device, and the windows gathered from it by index.

Windows are never materialised: a batch of windows is ``values[starts[:, None] + arange(L)]``,
one gather on the device, so a panel of millions of windows costs one copy of its rows. Imports
torch only (and _torch_utils for the one numpy -> tensor transfer).
"""

from __future__ import annotations

import numpy as np
import torch

from ._torch_utils import to_tensor


class DevicePanel:
    """Stacked, transformed rows (n_rows, C) and static covariates (n_series, S) on a device.

    Parameters
    ----------
    values : ndarray of shape (n_rows, C)
        Targets first, then past covariates; every series' rows are consecutive.
    static : ndarray of shape (n_series, S) or None
        Static covariates, appended to every time step of a series' windows.
    window, horizon, n_targets : int
        Rows read per window (L), rows forecast (H), and target columns (T).
    device : torch.device
    future : bool, default=False
        Inputs also carry the ``horizon`` rows after each window (B, L + H, C + S), for a
        network that reads known future values there (it must not read their targets).
    positions : ndarray of shape (n_rows, 2) or None, default=None
        Each row's phase in the season and its series' number in the network, appended to
        every input row after the static covariates (B, L, C + S + 2), for the hybrid network.
    """

    def __init__(self, values, static, window, horizon, n_targets, device, future=False,
                 positions=None):
        self.values = to_tensor(values, device)
        self.positions = None if positions is None else to_tensor(positions, device)
        self.static = None if static is None or static.shape[1] == 0 else to_tensor(static, device)
        self.window, self.horizon, self.n_targets = window, horizon, n_targets
        self._past = torch.arange(window + horizon if future else window, device=device)
        self._future = torch.arange(window, window + horizon, device=device)
        self.device = device

    def long_tensor(self, values: np.ndarray) -> torch.Tensor:
        """Row or series numbers as a long tensor on the device."""
        return torch.as_tensor(np.asarray(values, dtype=np.int64), device=self.device)

    def inputs(self, starts, series, lows=None) -> torch.Tensor:
        """Windows starting at rows ``starts`` (B,): (B, L, C + S), or (B, L + H, C + S) with
        ``future``.

        With ``lows`` (B,), rows before each window's series start repeat its first row
        (a series shorter than the window is padded at the front with its first value).
        """
        rows = starts[:, None] + self._past  # (B, L)
        if lows is not None:
            rows = torch.maximum(rows, lows[:, None])
        return self._with_extras(self.values[rows], rows, series)  # (B, L, C) -> (B, L, ...)

    def _with_extras(self, x, rows, series) -> torch.Tensor:
        """Rows ``x`` (B, L, C) with their static covariates and position columns appended."""
        if self.static is not None:
            static = self.static[series][:, None, :].expand(-1, rows.shape[1], -1)  # (B, L, S)
            x = torch.cat([x, static], dim=2)  # (B, L, C + S)
        if self.positions is not None:
            x = torch.cat([x, self.positions[rows]], dim=2)  # (B, L, C + S + 2)
        return x

    def targets(self, starts) -> torch.Tensor:
        """The ``horizon`` target rows after windows starting at ``starts``: (B, H * T)."""
        rows = starts[:, None] + self._future  # (B, H)
        return self.values[rows, : self.n_targets].reshape(len(starts), -1)  # (B, H, T) -> flat

    def batches(self, starts: np.ndarray, series: np.ndarray):
        """``batch(idx) -> (inputs, targets)`` over the windows ``starts`` (for training)."""
        starts_t, series_t = self.long_tensor(starts), self.long_tensor(series)
        steps = torch.arange(self.window + self.horizon, device=self.device)
        past = len(self._past)  # the rows of an input: L, or L + H with future

        def batch(idx: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            # one gather for the window and the rows it forecasts: (B, L + H, C)
            rows = starts_t[idx][:, None] + steps
            x = self.values[rows]
            targets = x[:, self.window :, : self.n_targets].reshape(len(idx), -1)  # (B, H * T)
            inputs = self._with_extras(x[:, :past], rows[:, :past], series_t[idx])
            return inputs, targets

        return batch

    def forecast_inputs(self, starts: np.ndarray, series: np.ndarray, lows: np.ndarray):
        """``inputs(positions) -> (B, L, C + S)`` for forecasting windows (padded when short)."""
        starts_t, series_t = self.long_tensor(starts), self.long_tensor(series)
        lows_t = self.long_tensor(lows)

        def inputs(positions: slice) -> torch.Tensor:
            return self.inputs(starts_t[positions], series_t[positions], lows_t[positions])

        return inputs
