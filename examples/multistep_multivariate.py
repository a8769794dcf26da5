"""Seed 3: multi-step forecast of one target from several features, on LSTMForecaster.

The tutorial's generic model reads D features over the past and predicts the next L steps of a
target with ``nn.LSTM(D, n_hidden, n_layers)`` (optional dropout between layers, bidirectional,
proj_size) and a linear head on the last step; MSE, Adam lr 1e-2. Here the data are a seeded,
generated hourly "electricity load" with two correlated weather covariates (no download, and the
truth is known): temperature (a daily cycle plus slow AR(1) weather), humidity (falling when it
is warm) and the load (a daily cycle plus a response to the temperature two hours earlier, plus
noise). ``LSTMForecaster(target="load")`` reads windows of all three columns and forecasts the
next ``horizon`` hours of the load in one pass, with ``LSTMNetwork(num_layers=2, dropout=...,
bidirectional=True, proj_size=...)``. The last 25% of the hours are held out; every origin
there is forecast (``predict_rolling``) and compared with two naive baselines: repeat the last
value, and repeat the value of the same hour one day earlier (seasonal naive).

Run: ``python examples/multistep_multivariate.py`` (writes docs/images/multistep_multivariate.png).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
import torch

from tsforecast import LSTMForecaster, LSTMNetwork, metrics
from tsforecast.plotting import save_figure

DAY = 24


def make_load_data(n_hours: int = 1500, random_state: int = 0) -> pd.DataFrame:
    """Hourly load with temperature and humidity covariates, seeded (see the module docstring)."""
    rng = np.random.default_rng(random_state)
    hour = np.arange(n_hours)
    weather = np.zeros(n_hours)
    for i in range(1, n_hours):  # slow AR(1) weather anomaly
        weather[i] = 0.97 * weather[i - 1] + rng.normal(0, 0.4)
    temperature = 12 + 6 * np.sin(2 * np.pi * (hour - 9) / DAY) + weather
    humidity = 70 - 2.5 * (temperature - 12) + rng.normal(0, 2, n_hours)
    lagged = np.concatenate([temperature[:2], temperature[:-2]])
    load = (
        100 + 15 * np.sin(2 * np.pi * (hour - 14) / DAY) + 2.0 * np.abs(lagged - 15)
        + rng.normal(0, 1.5, n_hours)
    )
    index = pd.date_range("2024-01-01", periods=n_hours, freq="h", name="time")
    return pd.DataFrame(
        {"load": load, "temperature": temperature, "humidity": humidity}, index=index
    )


def main(
    n_hours: int = 1500,
    window: int = 24,
    horizon: int = 12,
    hidden_size: int = 16,
    proj_size: int = 8,
    epochs: int = 20,
    lr: float = 1e-2,
    plot: str | None = "docs/images/multistep_multivariate.png",
):
    """Fit on the first 75% of the hours; return held-out MAE of the model and baselines."""
    data = make_load_data(n_hours)
    n_train = int(0.75 * n_hours)
    train = data.iloc[:n_train]
    test = data.iloc[n_train - window :]  # forecasts start at the first held-out hour
    network = LSTMNetwork(hidden_size=hidden_size, num_layers=2, dropout=0.1, bidirectional=True,
                          proj_size=proj_size)
    model = LSTMForecaster(
        window=window, horizon=horizon, target="load", network=network,
        epochs=epochs, lr=lr, batch_size=64, patience=5, random_state=0,
    )
    start = time.perf_counter()
    model.fit(train)
    fit_seconds = time.perf_counter() - start
    forecasts = model.predict_rolling(test).to_numpy()  # (n_origins, horizon)
    load = test["load"].to_numpy()
    n_origins = forecasts.shape[0]
    # actual[o, h] is the load h + 1 hours after origin o (origin o = first forecast hour)
    steps = np.arange(n_origins)[:, None] + window + np.arange(horizon)
    actual = load[steps]
    last_value = np.repeat(load[window - 1 : window - 1 + n_origins, None], horizon, axis=1)
    seasonal = load[steps - DAY]
    result = {
        "mae": metrics.mae(actual, forecasts),
        "mae_last_value": metrics.mae(actual, last_value),
        "mae_seasonal_naive": metrics.mae(actual, seasonal),
        "mae_by_step_first": metrics.mae(actual[:, 0], forecasts[:, 0]),
        "mae_by_step_last": metrics.mae(actual[:, -1], forecasts[:, -1]),
        "n_origins": n_origins,
        "epochs_run": len(model.history_["loss"]),
        "fit_seconds": fit_seconds,
    }
    if plot:
        _plot(data, n_train, test.index, forecasts, window, result, plot)
    return result


def _plot(data, n_train, test_index, forecasts, window, result, path):
    import matplotlib.pyplot as plt

    horizon = forecasts.shape[1]
    fig, (ax_series, ax_zoom) = plt.subplots(2, 1, figsize=(9, 5.5))
    ax_series.plot(data.index, data["load"], color="k", lw=0.6, label="load (target)")
    ax_series.plot(data.index, data["temperature"] * 4, color="C0", lw=0.6,
                   label="temperature x 4 (covariate)")
    ax_series.axvline(data.index[n_train], color="C3", ls=":", lw=1.2, label="train | test")
    ax_series.legend(loc="upper left", fontsize=7, ncol=3)
    ax_series.set_title(
        f"Seed 3: {horizon}-hour load forecasts from 3 features; held-out MAE "
        f"{result['mae']:.2f} (last value {result['mae_last_value']:.2f}, seasonal naive "
        f"{result['mae_seasonal_naive']:.2f})", fontsize=9,
    )
    # Zoom: four days of the test part with a forecast path every 12 hours.
    first = window
    last = min(first + 4 * DAY, len(test_index) - horizon)
    shown = slice(first, last + horizon)
    ax_zoom.plot(test_index[shown], data["load"].reindex(test_index)[shown], color="k", lw=1,
                 label="actual")
    for k, origin in enumerate(range(0, last - first, horizon)):
        ax_zoom.plot(test_index[first + origin : first + origin + horizon], forecasts[origin],
                     color="C1", lw=1.5, label="forecast paths" if k == 0 else None)
    ax_zoom.legend(loc="upper left", fontsize=7)
    ax_zoom.set_title(f"Held-out detail: one forecast path every {horizon} hours", fontsize=9)
    save_figure(fig, path, dpi=80)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--horizon", type=int, default=12)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--threads", type=int, default=1,
                        help="torch CPU threads; small LSTMs run fastest on one")
    parser.add_argument("--plot", default="docs/images/multistep_multivariate.png")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    result = main(horizon=args.horizon, epochs=args.epochs, plot=args.plot)
    for key, value in result.items():
        print(f"{key}: {value:.3f}" if isinstance(value, float) else f"{key}: {value}")
