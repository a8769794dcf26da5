"""One function per system benchmarked on the panel workloads: fit one global model on every
series, then forecast every series' next ``horizon`` steps in one pass.

Each runs inside its own child process (see performance.py). Every system gets the same panel,
per-series scaling (mean/std of each series' training rows), network size (LSTM 1 x 64),
gradient steps and batch size; the notes say where an API cannot match.
"""

from __future__ import annotations

import math

import numpy as np
from _systems import _clock, _clock_fit, darts_lstm, neuralforecast_lstm, quiet_lightning
from _workloads import BATCH, HIDDEN, LR, PANEL_TEST_POINTS, SEED, Workload, make_panel


class _PanelData:
    """The panel (training part and the held-out next points) and its per-series statistics."""

    def __init__(self, wl: Workload):
        full = make_panel(wl.n_series, wl.n_points + PANEL_TEST_POINTS)
        self.train = full[:, : wl.n_points]  # (S, P)
        self.actual = full[:, wl.n_points : wl.n_points + wl.horizon]  # (S, H)
        self.mean = self.train.mean(axis=1, keepdims=True)  # (S, 1)
        self.std = self.train.std(axis=1, keepdims=True)
        n_series, n_points = self.train.shape
        self.n_windows = n_series * max(n_points - wl.window - wl.horizon + 1, 0)
        self.steps_per_epoch = math.ceil(self.n_windows / BATCH)

    def long_frame(self, values=None):
        """The training part as a long frame (unique_id, ds, y), Nixtla's layout."""
        import pandas as pd

        values = self.train if values is None else values
        n_series, n_points = values.shape
        ids = np.array([f"s{i:05d}" for i in range(n_series)], dtype=object)
        return pd.DataFrame({
            "unique_id": np.repeat(ids, n_points),
            "ds": np.tile(np.arange(n_points), n_series),
            "y": values.ravel(),
        })

    def scale(self, values):
        return (values - self.mean) / self.std

    def unscale(self, values):
        return np.asarray(values, dtype=np.float64) * self.std + self.mean


def _result(fit_s, predict_s, forecasts, data, notes="", **extra):
    """Times, throughput and the MAE of the forecasts in units of each series' std."""
    forecasts = np.asarray(forecasts, dtype=np.float64).reshape(data.actual.shape)
    return {
        "fit_s": fit_s,
        "predict_ms": predict_s * 1e3,
        "mae": float(np.mean(np.abs(forecasts - data.actual) / data.std)),
        "train_windows": data.n_windows,
        "steps": data.steps_per_epoch,
        "windows_per_s": None,  # set by the caller from the epochs
        "notes": notes,
        **extra,
    }


def _finish(out, wl):
    out["windows_per_s"] = out["train_windows"] * wl.epochs / out["fit_s"]
    return out


# -- raw PyTorch reference -------------------------------------------------------------------


def _raw_net(horizon: int, head_steps: int):
    import torch
    from torch import nn

    class RawSequenceNet(nn.Module):
        """LSTM + Linear over the outputs of the last ``head_steps`` steps (head="sequence")."""

        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(1, HIDDEN, batch_first=True)
            self.head = nn.Linear(HIDDEN * head_steps, horizon)

        def forward(self, x):
            out, _ = self.lstm(x)  # (N, L, 64)
            return self.head(out[:, -head_steps:].reshape(len(x), -1))  # (N, k * 64) -> (N, H)

    torch.manual_seed(SEED)
    return RawSequenceNet()


def run_raw_panel(wl: Workload, device: str, opts) -> dict:
    """Hand-written loop: the scaled panel as one tensor, windows gathered by index per batch."""
    import torch

    data = _PanelData(wl)
    W, H = wl.window, wl.horizon
    n_series, n_points = data.train.shape
    net = None

    def fit():  # scaling, model and optimizer inside the timed region, as every system does
        nonlocal net
        net = _raw_net(H, min(H, W)).to(device)
        optimizer = torch.optim.Adam(net.parameters(), lr=LR)
        generator = torch.Generator().manual_seed(SEED)
        flat = torch.as_tensor(data.scale(data.train).ravel(), dtype=torch.float32, device=device)
        per_series = n_points - W - H + 1
        starts = (torch.arange(n_series)[:, None] * n_points + torch.arange(per_series)).ravel()
        starts = starts.to(device)
        span = torch.arange(W + H, device=device)
        n = len(starts)
        net.train()
        for _ in range(wl.epochs):
            perm = torch.randperm(n, generator=generator).to(device)
            total = torch.zeros((), device=device)
            for start in range(0, n, BATCH):
                batch = flat[starts[perm[start : start + BATCH]][:, None] + span]  # (B, W + H)
                loss = torch.nn.functional.mse_loss(net(batch[:, :W, None]), batch[:, W:])
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                total += loss.detach()
            total.item()
        net.eval()

    fit_s, fit_cpu_s, _ = _clock_fit(fit, device)
    last = data.train[:, -W:]

    @torch.no_grad()
    def predict():  # every series' last window in one forward pass
        x = torch.as_tensor(data.scale(last), dtype=torch.float32, device=device)[:, :, None]
        return data.unscale(net(x).cpu().numpy())

    predict_s, forecasts = _clock(predict, opts.predict_calls, device)
    return _finish(_result(fit_s, predict_s, forecasts, data, fit_cpu_s=fit_cpu_s), wl)


# -- tsforecast ------------------------------------------------------------------------------


def run_tsforecast_panel(wl: Workload, device: str, opts) -> dict:
    """LSTMForecaster on the long frame; defaults (per-series scaler, instance norm, sequence
    head) except deseasonalize=False, fixed epochs and no validation, and one model
    (``scaler="standard", loss="mse"``, where the defaults would choose among candidates:
    benchmarks/default_cost.py measures that)."""
    from tsforecast import LSTMForecaster, LSTMNetwork

    data = _PanelData(wl)
    frame = data.long_frame()
    model = LSTMForecaster(
        window=wl.window, horizon=wl.horizon, network=LSTMNetwork(hidden_size=HIDDEN),
        scaler="standard", loss="mse",  # one model, as the others; the default would choose
        deseasonalize=False, epochs=wl.epochs, batch_size=BATCH, lr=LR, validation_fraction=0.0,
        early_stopping=False, device=device, random_state=SEED,
    )
    fit_s, fit_cpu_s, _ = _clock_fit(lambda: model.fit(frame), device)
    predict_s, out = _clock(model.predict, opts.predict_calls, device)
    forecasts = out["y"].to_numpy().reshape(wl.n_series, wl.horizon)
    notes = "fit on the long frame (unique_id, ds, y); predict() returns a long frame"
    return _finish(_result(fit_s, predict_s, forecasts, data, notes, fit_cpu_s=fit_cpu_s), wl)


# -- peers -----------------------------------------------------------------------------------


def run_neuralforecast_panel(wl: Workload, device: str, opts) -> dict:
    """neuralforecast LSTM on the pre-scaled long frame; steps = epochs x batches of 256."""
    quiet_lightning()
    from neuralforecast import NeuralForecast

    data = _PanelData(wl)
    steps = wl.epochs * data.steps_per_epoch
    # 32 series drawn per step (its default), then BATCH windows from them
    model = neuralforecast_lstm(wl.window, wl.horizon, steps, 32, device)
    nf = NeuralForecast(models=[model], freq=1)
    frame = data.long_frame(data.scale(data.train))
    fit_s, _ = _clock(lambda: nf.fit(df=frame), 1, device)
    predict_s, out = _clock(nf.predict, opts.predict_calls, device)
    column = [c for c in out.columns if c not in ("unique_id", "ds")][0]
    forecasts = data.unscale(out[column].to_numpy().reshape(wl.n_series, wl.horizon))
    notes = (
        "MLP decoder with one hidden layer of 64 (no plain Linear head); each step draws 32 "
        "series, then 256 windows from them; data pre-scaled per series outside the clock"
    )
    return _finish(_result(fit_s, predict_s, forecasts, data, notes), wl)


def run_darts_panel(wl: Workload, device: str, opts) -> dict:
    """darts BlockRNNModel (LSTM, last output -> Linear) fitted on a list of series."""
    quiet_lightning()
    from darts import TimeSeries

    data = _PanelData(wl)
    scaled = data.scale(data.train).astype(np.float32)
    series = [TimeSeries.from_values(row) for row in scaled]
    model = darts_lstm(wl.window, wl.horizon, wl.epochs, device)
    fit_s, _ = _clock(lambda: model.fit(series, verbose=False), 1, device)
    predict_s, out = _clock(
        lambda: model.predict(n=wl.horizon, series=series, verbose=False, batch_size=8192),
        opts.predict_calls, device,
    )
    forecasts = data.unscale(np.stack([f.values()[:, 0] for f in out]))
    notes = ("a list of TimeSeries, pre-scaled per series outside the clock; predict builds a "
             "Lightning Trainer per call")
    return _finish(_result(fit_s, predict_s, forecasts, data, notes), wl)


PANEL_SYSTEMS = {
    "raw": run_raw_panel,
    "tsforecast": run_tsforecast_panel,
    "darts": run_darts_panel,
    "neuralforecast": run_neuralforecast_panel,
}
