"""Seed 1: next value of a noisy sine, on LSTMForecaster.

720 points of ``sin(x * pi / 180)`` plus Gaussian noise (sd 0.05); windows of 10 points predict
the 11th; the first half of the windows train, the second half test. The tutorial's model was
LSTM(1 -> 5 hidden) + Linear, MSE, Adam lr 1e-4, batch 256, 1,500 epochs, with windows cut by
Python loops and a DataLoader. Here the same settings run on ``LSTMForecaster`` (windows are views,
the data goes to the device once), next to the toolkit's default settings.

Run: ``python examples/noisy_sine.py`` (writes docs/images/noisy_sine.png).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from tsforecast import LSTMForecaster, LSTMNetwork, datasets, metrics
from tsforecast.plotting import save_figure

WINDOW = 10


def main(epochs: int = 1500, default_epochs: int = 100,
         plot: str | None = "docs/images/noisy_sine.png"):
    """Fit the tutorial's settings and the defaults; return test MAE/RMSE of each."""
    series = datasets.make_noisy_sine(720, noise=0.05, random_state=0)
    n_windows = len(series) - WINDOW
    split = n_windows // 2  # first half of the windows train
    train, test = series[: split + WINDOW], series[split:]  # test contexts start in the train part
    actual = series[split + WINDOW :]
    models = {
        "tutorial settings": LSTMForecaster(
            window=WINDOW, network=LSTMNetwork(hidden_size=5), lr=1e-4, batch_size=256,
            epochs=epochs, validation_fraction=0.0, early_stopping=False, random_state=0,
        ),
        "toolkit defaults": LSTMForecaster(window=WINDOW, epochs=default_epochs, random_state=0),
    }
    results, forecasts = {}, {}
    for name, model in models.items():
        start = time.perf_counter()
        model.fit(train)
        seconds = time.perf_counter() - start
        forecasts[name] = model.predict_rolling(test)[:, 0]  # one forecast per test point
        results[name] = {
            "mae": metrics.mae(actual, forecasts[name]),
            "rmse": metrics.rmse(actual, forecasts[name]),
            "fit_seconds": seconds,
            "epochs_run": len(model.history_["loss"]),
        }
    results["naive (last value)"] = {
        "mae": metrics.mae(actual, series[split + WINDOW - 1 : -1]),
        "rmse": metrics.rmse(actual, series[split + WINDOW - 1 : -1]),
    }
    if plot:
        _plot(series, split + WINDOW, forecasts, plot)
    return results


def _plot(series, test_start, forecasts, path):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 4))
    ax.plot(series, color="0.6", lw=1, label="noisy sine")
    x_test = np.arange(test_start, len(series))
    for name, forecast in forecasts.items():
        ax.plot(x_test, forecast, lw=1.5, label=f"forecast: {name}")
    ax.axvline(test_start, color="k", ls=":", lw=1)
    ax.set_title("Seed 1: next value of a noisy sine (test half right of the dotted line)")
    ax.legend(loc="lower left")
    save_figure(fig, path, dpi=100)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=1500)
    parser.add_argument("--plot", default="docs/images/noisy_sine.png")
    args = parser.parse_args()
    for name, row in main(epochs=args.epochs, plot=args.plot).items():
        print(f"{name:<20}" + "  ".join(f"{k}={v:.4g}" for k, v in row.items()))
