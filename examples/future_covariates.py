"""Known-future covariates: calendar features read over the forecast horizon.

Monthly airline passengers. Both models read a window of 6 months, half a season, so the window
alone cannot show where the next 12 months sit in the year; both model the log of the series
(``target_transform="log"``: the seasonal swings grow with the level) and neither removes the
seasonal pattern beforehand (``deseasonalize=False``). One also reads the sine and cosine of
the month (``tsforecast.calendar_features``) as future columns (``columns={"future": [...]}``):
over the window, and over the 12 months forecast, whose calendar is known in advance. Each is
fitted on all but the last 24 months with the same seeds, and scored on every rolling origin
inside the held-out 24 months (13 origins of 12 steps). For reference, the default seasonal
adjustment (``deseasonalize="auto"``) without calendar features is scored the same way.

Run: ``python examples/future_covariates.py`` (writes docs/images/future_covariates.png).
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

from tsforecast import LSTMForecaster, calendar_features, datasets, metrics

HORIZON, WINDOW, HOLDOUT = 12, 6, 24
CALENDAR = ["month_sin", "month_cos"]


def load_frame() -> pd.DataFrame:
    """Passengers with the month's sine and cosine, on a monthly PeriodIndex."""
    passengers = datasets.load_air_passengers()
    return pd.concat([passengers.rename("passengers"), calendar_features(passengers)], axis=1)


def rolling_errors(model, context: pd.DataFrame) -> tuple[float, float]:
    """MAE and sMAPE of the rolling forecasts at every origin of ``context``."""
    forecasts = model.predict_rolling(context).to_numpy()  # (n_origins, horizon)
    actual = context["passengers"].to_numpy()
    rows = np.arange(len(forecasts))[:, None] + model.window_ + np.arange(HORIZON)
    return metrics.mae(actual[rows], forecasts), metrics.smape(actual[rows], forecasts)


def main(epochs: int = 200, seeds=(0, 1, 2),
         plot: str | None = "docs/images/future_covariates.png"):
    """Fit each variant with every seed; return the held-out errors averaged over the seeds."""
    frame = load_frame()
    train = frame.iloc[:-HOLDOUT]
    context = frame.iloc[-(HOLDOUT + WINDOW) :]  # the held-out months + one window before them
    variants = {
        "no calendar": dict(target="passengers", deseasonalize=False, target_transform="log"),
        "calendar as future_columns": dict(target="passengers", deseasonalize=False,
                                           target_transform="log",
                                           columns={"future": CALENDAR}),
        "no calendar, deseasonalize='auto'": dict(target="passengers"),
    }
    results, forecasts = {}, {}
    for name, options in variants.items():
        columns = ["passengers", *options.get("columns", {}).get("future", [])]
        errors = []
        for seed in seeds:
            model = LSTMForecaster(window=WINDOW, horizon=HORIZON, epochs=epochs,
                                   random_state=seed, **options).fit(train[columns])
            errors.append(rolling_errors(model, context[columns]))
            if seed == seeds[0]:
                future = frame[CALENDAR].iloc[-HOLDOUT : -HOLDOUT + HORIZON]
                forecasts[name] = model.predict(
                    X_future=future if "columns" in options else None)
        mae, smape = np.mean(errors, axis=0)
        results[name] = {"mae": float(mae), "smape": float(smape),
                         "mae_per_seed": [float(e[0]) for e in errors]}
    if plot:
        _plot(frame["passengers"], forecasts, plot)
    return results


def _plot(series, forecasts, path):
    import matplotlib.pyplot as plt

    from tsforecast.plotting import save_figure

    fig, ax = plt.subplots(figsize=(9, 4))
    recent = series.iloc[-48:]
    ax.plot(recent.index.to_timestamp(), recent, color="0.3", label="actual")
    for name, forecast in forecasts.items():
        ax.plot(forecast.index.to_timestamp(), forecast, lw=2, label=name)
    ax.set_title("First held-out year: window of 6 months, with and without calendar features")
    ax.legend(loc="upper left", fontsize=8)
    save_figure(fig, path, dpi=100)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--plot", default="docs/images/future_covariates.png")
    args = parser.parse_args()
    for name, row in main(epochs=args.epochs, plot=args.plot).items():
        per_seed = ", ".join(f"{e:.1f}" for e in row["mae_per_seed"])
        print(f"{name:36s} MAE {row['mae']:6.2f}  sMAPE {row['smape']:5.2f}%  (seeds: {per_seed})")
