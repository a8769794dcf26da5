"""One function per benchmarked system: fit, one forecast, rolling forecasts, score, MAE.

Each runs inside its own child process (see performance.py), so peak RSS belongs to one system
and one workload. Every system gets the same series, scaling (mean/std of the training part),
model size and training budget; the notes say where an API cannot match.
"""

from __future__ import annotations

import math
import os
import time
import warnings
from statistics import median

import numpy as np
from _workloads import BATCH, HIDDEN, LR, SEED, Workload, make_series, rolling_actuals, split

# Network settings (LSTMNetwork) and forecasting options of LSTMForecaster mapped to the plain
# "last hidden state -> Linear" model; only the options the installed version has are passed.
PLAIN_NETWORK = {
    "instance_norm": None,  # per-window normalisation off
    "head": "last",  # the head reads the last hidden state only
    "seasonal_skip": False,  # no seasonal-naive correction
}
PLAIN_OPTIONS = {
    "season": None,  # only read by window=None, seasonal_skip and deseasonalize
    "normalize_windows": False,
    "head_hidden_size": None,
    "head_hidden_sizes": None,
    "gradient_clip": None,
    "clip_grad_norm": None,
    "grad_clip": None,
    "weight_decay": 0.0,
    "lr_scheduler": None,
    "shuffle": True,
    "smoothing": False,  # the network's own forecast, as the peers' and the raw loop's
}


def _sync(device: str) -> None:
    if device.startswith("cuda"):
        import torch

        torch.cuda.synchronize()


def _clock(fn, repeats: int, device: str):
    """Median seconds of ``repeats`` calls of ``fn`` and the last result."""
    times, result = [], None
    for _ in range(repeats):
        _sync(device)
        start = time.perf_counter()
        result = fn()
        _sync(device)
        times.append(time.perf_counter() - start)
    return median(times), result


class _Data:
    """Series, split and the training part's mean/std (the scaling every system uses)."""

    def __init__(self, wl: Workload):
        self.series = make_series(wl.n_points)
        self.train, self.context = split(self.series, wl.window)
        self.mean, self.std = float(self.train.mean()), float(self.train.std())
        self.actual = rolling_actuals(self.context, wl.window, wl.horizon)

    def scale(self, values):
        return (values - self.mean) / self.std

    def unscale(self, values):
        return np.asarray(values, dtype=np.float64) * self.std + self.mean


def _clock_fit(fn, device: str):
    """Wall and CPU seconds (this process's, every thread's) of one call of ``fn``, and its
    result; on a shared machine the CPU time is the steadier of the two."""
    _sync(device)
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    _sync(device)
    return time.perf_counter() - wall, time.process_time() - cpu, result


def _result(fit_s, predict_s, rolling_s, score_s, forecasts, data, n_windows, notes=""):
    forecasts = np.asarray(forecasts, dtype=np.float64).reshape(data.actual.shape)
    return {
        "fit_s": fit_s,
        "predict_ms": None if predict_s is None else predict_s * 1e3,
        "rolling_s": rolling_s,
        "score_s": score_s,
        "mae": float(np.mean(np.abs(forecasts - data.actual))),
        "train_windows": n_windows,
        "windows_per_s": n_windows / fit_s,
        "notes": notes,
    }


# -- raw PyTorch reference -------------------------------------------------------------------


def _raw_net(horizon: int):
    import torch
    from torch import nn

    class RawNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(1, HIDDEN, batch_first=True)
            self.head = nn.Linear(HIDDEN, horizon)

        def forward(self, x):
            _, (h_n, _) = self.lstm(x)
            return self.head(h_n[-1])

    torch.manual_seed(SEED)
    return RawNet()


def run_raw(wl: Workload, device: str, opts) -> dict:
    """Minimal hand-written loop: tensors built once, windows as views, batches by index."""
    import torch

    data = _Data(wl)
    W, H = wl.window, wl.horizon
    net = None

    def fit():  # builds the model and optimizer inside the timed region, as every system does
        nonlocal net
        net = _raw_net(H).to(device)
        optimizer = torch.optim.Adam(net.parameters(), lr=LR)
        generator = torch.Generator().manual_seed(SEED)
        x = torch.as_tensor(data.scale(data.train), dtype=torch.float32, device=device)
        windows = x.unfold(0, W + H, 1)  # (n_windows, W + H), a view
        n = windows.shape[0]
        net.train()
        for _ in range(wl.epochs):
            perm = torch.randperm(n, generator=generator).to(device)
            total = torch.zeros((), device=device)
            for start in range(0, n, BATCH):
                batch = windows[perm[start : start + BATCH]]
                loss = torch.nn.functional.mse_loss(net(batch[:, :W, None]), batch[:, W:])
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                total += loss.detach()
            total.item()
        net.eval()
        return n

    fit_s, fit_cpu_s, n_windows = _clock_fit(fit, device)
    last = data.train[-W:]

    @torch.no_grad()
    def predict_one():
        x = torch.as_tensor(data.scale(last), dtype=torch.float32, device=device)[None, :, None]
        return data.unscale(net(x).cpu().numpy())

    @torch.no_grad()
    def rolling():
        c = torch.as_tensor(data.scale(data.context), dtype=torch.float32, device=device)
        n_origins = len(data.context) - W - H + 1
        inputs = c[: n_origins + W - 1].unfold(0, W, 1)[..., None]  # (N, W, 1), a view
        return data.unscale(net(inputs).cpu().numpy())

    def score():
        forecasts = rolling()
        return float(np.mean(np.abs(forecasts - data.actual)))

    predict_s, _ = _clock(predict_one, opts.predict_calls, device)
    rolling_s, forecasts = _clock(rolling, opts.inner_repeats, device)
    score_s, _ = _clock(score, opts.inner_repeats, device)
    out = _result(fit_s, predict_s, rolling_s, score_s, forecasts, data, n_windows)
    out["fit_cpu_s"] = fit_cpu_s
    if wl.name != "w3":
        out["dataloader_rolling_s"], _ = _clock(
            lambda: _dataloader_rolling(net, data, W, H, device), opts.inner_repeats, device
        )
    return out


def _dataloader_rolling(net, data, W, H, device):
    """The tutorials' way: a Dataset that builds one window per __getitem__, a DataLoader."""
    import torch
    from torch.utils.data import DataLoader, Dataset

    class WindowDataset(Dataset):
        def __init__(self, values):
            self.values = values

        def __len__(self):
            return len(self.values) - W - H + 1

        def __getitem__(self, i):
            return torch.tensor(self.values[i : i + W], dtype=torch.float32).unsqueeze(-1)

    loader = DataLoader(WindowDataset(data.scale(data.context)), batch_size=BATCH, shuffle=False)
    outputs = []
    with torch.no_grad():
        for x in loader:
            outputs.append(net(x.to(device)).cpu())
    return data.unscale(torch.cat(outputs).numpy())


# -- tsforecast ------------------------------------------------------------------------------


def run_tsforecast(wl: Workload, device: str, opts) -> dict:
    from tsforecast import LSTMForecaster, LSTMNetwork

    data = _Data(wl)
    params = dict(
        window=wl.window,
        horizon=wl.horizon,
        network=LSTMNetwork(hidden_size=HIDDEN, num_layers=1, dropout=0.0, bidirectional=False,
                            proj_size=0, **PLAIN_NETWORK),
        scaler="standard",
        loss="mse",
        epochs=wl.epochs,
        batch_size=BATCH,
        lr=LR,
        validation_fraction=0.0,
        early_stopping=False,
        device=device,
        random_state=SEED,
        verbose=0,
    )
    available = LSTMForecaster().get_params()
    params.update({k: v for k, v in PLAIN_OPTIONS.items() if k in available})
    unknown = sorted(set(available) - set(params) - {"target", "patience"})
    model = LSTMForecaster(**params)
    fit_s, fit_cpu_s, _ = _clock_fit(lambda: model.fit(data.train), device)
    predict_s, _ = _clock(model.predict, opts.predict_calls, device)
    rolling_s, forecasts = _clock(
        lambda: model.predict_rolling(data.context), opts.inner_repeats, device
    )
    score_s, _ = _clock(lambda: model.score(data.context), opts.inner_repeats, device)
    notes = f"options left at their defaults: {unknown}" if unknown else ""
    n_windows = len(data.train) - wl.window - wl.horizon + 1
    out = _result(fit_s, predict_s, rolling_s, score_s, forecasts, data, n_windows, notes)
    out["fit_cpu_s"] = fit_cpu_s
    return out


# -- peers -----------------------------------------------------------------------------------


def run_skorch(wl: Workload, device: str, opts) -> dict:
    """skorch NeuralNetRegressor on the same module; it needs materialised window arrays."""
    import torch
    from numpy.lib.stride_tricks import sliding_window_view
    from skorch import NeuralNetRegressor

    data = _Data(wl)
    W, H = wl.window, wl.horizon
    net = NeuralNetRegressor(
        _raw_net(H).__class__,
        criterion=torch.nn.MSELoss,
        optimizer=torch.optim.Adam,
        lr=LR,
        batch_size=BATCH,
        max_epochs=wl.epochs,
        train_split=None,
        iterator_train__shuffle=True,
        device=device,
        verbose=0,
    )

    def fit():
        torch.manual_seed(SEED)
        windows = sliding_window_view(data.scale(data.train).astype(np.float32), W + H)
        X = np.ascontiguousarray(windows[:, :W, None])
        y = np.ascontiguousarray(windows[:, W:])
        net.fit(X, y)
        return len(X)

    fit_s, n_windows = _clock(fit, 1, device)
    last = data.scale(data.train[-W:]).astype(np.float32)[None, :, None]
    ctx = sliding_window_view(data.scale(data.context).astype(np.float32), W + H)
    X_test = np.ascontiguousarray(ctx[:, :W, None])
    y_test = np.ascontiguousarray(ctx[:, W:])
    predict_s, _ = _clock(lambda: data.unscale(net.predict(last)), opts.predict_calls, device)
    rolling_s, forecasts = _clock(
        lambda: data.unscale(net.predict(X_test)), opts.inner_repeats, device
    )
    score_s, _ = _clock(lambda: net.score(X_test, y_test), opts.inner_repeats, device)
    notes = "windows materialised as arrays; per-sample Dataset + DataLoader inside"
    return _result(fit_s, predict_s, rolling_s, score_s, forecasts, data, n_windows, notes)


def quiet_lightning() -> None:
    """Silence Lightning's logging and warnings (darts and neuralforecast train on it)."""
    import logging

    logging.getLogger("pytorch_lightning").setLevel(logging.ERROR)
    logging.getLogger("lightning").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore")


def darts_lstm(window: int, horizon: int, epochs: int, device: str):
    """darts BlockRNNModel with the shared budget: LSTM, last output -> Linear, Adam."""
    import torch
    from darts.models import BlockRNNModel

    trainer = {
        "accelerator": "gpu" if device.startswith("cuda") else "cpu",
        "enable_progress_bar": False,
        "enable_model_summary": False,
        "logger": False,
        "enable_checkpointing": False,
    }
    return BlockRNNModel(
        input_chunk_length=window,
        output_chunk_length=horizon,
        model="LSTM",
        hidden_dim=HIDDEN,
        n_rnn_layers=1,
        hidden_fc_sizes=None,
        dropout=0.0,
        batch_size=BATCH,
        n_epochs=epochs,
        optimizer_cls=torch.optim.Adam,
        optimizer_kwargs={"lr": LR},
        loss_fn=torch.nn.MSELoss(),
        random_state=SEED,
        pl_trainer_kwargs=trainer,
        save_checkpoints=False,
    )


def neuralforecast_lstm(window: int, horizon: int, steps: int, series_per_step: int,
                        device: str):
    """neuralforecast LSTM with the shared budget: ``steps`` steps of BATCH windows drawn
    from ``series_per_step`` series, no validation, no early stopping."""
    from neuralforecast.models import LSTM

    return LSTM(
        h=horizon,
        input_size=window,
        inference_input_size=window,
        encoder_n_layers=1,
        encoder_hidden_size=HIDDEN,
        decoder_hidden_size=HIDDEN,
        decoder_layers=1,
        max_steps=steps,
        learning_rate=LR,
        batch_size=series_per_step,
        valid_batch_size=8192,
        windows_batch_size=BATCH,
        inference_windows_batch_size=8192,
        scaler_type="identity",
        early_stop_patience_steps=-1,
        val_check_steps=steps + 1,
        random_seed=SEED,
        accelerator="gpu" if device.startswith("cuda") else "cpu",
        enable_progress_bar=False,
        enable_model_summary=False,
        logger=False,
        enable_checkpointing=False,
    )


def run_darts(wl: Workload, device: str, opts) -> dict:
    """darts BlockRNNModel (LSTM, no hidden FC layers: last RNN output -> Linear)."""
    from darts import TimeSeries
    from darts.metrics import mae

    quiet_lightning()
    data = _Data(wl)
    W, H = wl.window, wl.horizon
    train = TimeSeries.from_values(data.scale(data.train).astype(np.float32))
    context = TimeSeries.from_values(data.scale(data.context).astype(np.float32))
    model = darts_lstm(W, H, wl.epochs, device)
    fit_s, _ = _clock(lambda: model.fit(train, verbose=False), 1, device)
    predict_s, _ = _clock(
        lambda: model.predict(n=H, series=train, verbose=False), opts.predict_calls, device
    )
    hist = dict(
        start=W, start_format="position", forecast_horizon=H, stride=1, retrain=False,
        last_points_only=False, verbose=False,
    )

    def rolling():
        forecasts = model.historical_forecasts(context, **hist)
        return data.unscale(np.stack([f.values()[:, 0] for f in forecasts]))

    rolling_s, forecasts = _clock(rolling, opts.inner_repeats, device)
    score_s, _ = _clock(
        lambda: model.backtest(context, metric=mae, **hist), opts.inner_repeats, device
    )
    n_windows = len(data.train) - W - H + 1
    notes = "predict builds a Lightning Trainer per call; score = backtest(metric=mae)"
    return _result(fit_s, predict_s, rolling_s, score_s, forecasts, data, n_windows, notes)


def run_neuralforecast(wl: Workload, device: str, opts) -> dict:
    """neuralforecast LSTM: encoder LSTM + MLP decoder (its head cannot be a single Linear)."""
    import pandas as pd
    from neuralforecast import NeuralForecast

    quiet_lightning()
    data = _Data(wl)
    W, H = wl.window, wl.horizon
    n_windows = len(data.train) - W - H + 1
    steps = wl.epochs * math.ceil(n_windows / BATCH)
    model = neuralforecast_lstm(W, H, steps, 1, device)
    nf = NeuralForecast(models=[model], freq=1)
    train_df = pd.DataFrame(
        {"unique_id": "s", "ds": np.arange(len(data.train)), "y": data.scale(data.train)}
    )
    fit_s, _ = _clock(lambda: nf.fit(df=train_df), 1, device)
    predict_s, _ = _clock(nf.predict, opts.predict_calls, device)
    # Every origin as its own series of W rows: neuralforecast then forecasts them in batches.
    scaled = data.scale(data.context)
    n_origins = len(data.context) - W - H + 1
    idx = np.arange(n_origins)[:, None] + np.arange(W)[None, :]
    origin_df = pd.DataFrame(
        {
            "unique_id": np.repeat(np.arange(n_origins), W),
            "ds": idx.ravel(),
            "y": scaled[idx].ravel(),
        }
    )

    def rolling():
        out = nf.predict(df=origin_df)
        column = [c for c in out.columns if c not in ("unique_id", "ds")][0]
        return data.unscale(out[column].to_numpy().reshape(n_origins, H))

    rolling_s, forecasts = _clock(rolling, opts.inner_repeats, device)
    score_s = None
    notes = (
        "MLP decoder with one hidden layer of 64 (no plain Linear head); steps = epochs x batches; "
        "rolling = predict on one series per origin; no score method"
    )
    return _result(fit_s, predict_s, rolling_s, score_s, forecasts, data, n_windows, notes)


def run_skforecast(wl: Workload, device: str, opts) -> dict:
    """skforecast ForecasterRnn on Keras 3 with the torch backend."""
    os.environ.setdefault("KERAS_BACKEND", "torch")
    import pandas as pd
    from skforecast.deep_learning import ForecasterRnn, create_and_compile_model

    warnings.filterwarnings("ignore")
    import keras

    keras.utils.set_random_seed(SEED)
    data = _Data(wl)
    W, H = wl.window, wl.horizon
    train = pd.DataFrame({"y": data.scale(data.train)})
    model = create_and_compile_model(
        series=train,
        levels="y",
        lags=W,
        steps=H,
        recurrent_layer="LSTM",
        recurrent_units=HIDDEN,
        dense_units=None,
        compile_kwargs={"optimizer": keras.optimizers.Adam(learning_rate=LR), "loss": "mse"},
    )
    forecaster = ForecasterRnn(
        model,
        levels="y",
        lags=W,
        transformer_series=None,
        fit_kwargs={"epochs": wl.epochs, "batch_size": BATCH, "verbose": 0},
    )
    fit_s, _ = _clock(lambda: forecaster.fit(train), 1, device)
    predict_s, _ = _clock(forecaster.predict, opts.predict_calls, device)
    scaled = data.scale(data.context)
    n_origins = len(data.context) - W - H + 1
    windows = np.lib.stride_tricks.sliding_window_view(scaled, W)[:n_origins, :, None]

    def rolling():
        # The documented way is one predict(last_window=...) per origin; the Keras model itself
        # is called once on every window here (a faster path than the API offers).
        out = forecaster.estimator.predict(windows.astype(np.float32), verbose=0, batch_size=8192)
        return data.unscale(np.asarray(out).reshape(n_origins, H))

    rolling_s, forecasts = _clock(rolling, opts.inner_repeats, device)
    notes = "Keras 3 (torch backend); rolling calls the Keras model directly; no score method"
    n_windows = len(data.train) - W - H + 1
    return _result(fit_s, predict_s, rolling_s, None, forecasts, data, n_windows, notes)


SYSTEMS = {
    "raw": run_raw,
    "tsforecast": run_tsforecast,
    "skorch": run_skorch,
    "darts": run_darts,
    "neuralforecast": run_neuralforecast,
    "skforecast": run_skforecast,
}
PEERS = {"skorch": "skorch", "darts": "darts", "neuralforecast": "neuralforecast",
         "skforecast": "skforecast"}
