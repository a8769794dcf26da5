"""pandas in, pandas out: a DataFrame with a DatetimeIndex, a target and a past covariate.

Mauna Loa CO2 (monthly means, 1958-2001) as a DataFrame indexed by month-start timestamps, with
a second column, the 12-month change of CO2 (a derived covariate that the model reads, not
forecasts). ``target="co2_ppm"`` picks the forecast column. ``predict()`` returns a Series on the
next 24 month-start dates; ``predict_rolling`` forecasts from every origin of the last four years
in one batched pass, indexed by each forecast's first month.

Run: ``python examples/pandas_datetime.py`` (writes docs/images/pandas_datetime.png).
"""

from __future__ import annotations

import argparse

from tsforecast import LSTMForecaster, datasets, metrics
from tsforecast.plotting import save_figure

HORIZON = 24


def load_frame():
    """The CO2 series with a DatetimeIndex (freq MS) and its 12-month change as a covariate."""
    co2 = datasets.load_co2()
    co2.index = co2.index.to_timestamp()  # month-start timestamps
    frame = co2.to_frame()
    frame["change_12m"] = co2.diff(12)
    return frame.dropna().asfreq("MS")


def main(epochs: int = 100, plot: str | None = "docs/images/pandas_datetime.png"):
    """Fit on all but the last 24 months; return held-out and rolling-origin accuracy."""
    frame = load_frame()
    train, test = frame.iloc[:-HORIZON], frame.iloc[-HORIZON:]
    model = LSTMForecaster(window=36, horizon=HORIZON, target="co2_ppm", epochs=epochs,
                           random_state=0).fit(train)
    forecast = model.predict()  # a Series on the 24 dates after train
    y_train, y_test = train["co2_ppm"], test["co2_ppm"]
    season_naive = y_train.iloc[-12:].to_numpy().tolist() * 2
    rolling = model.predict_rolling(frame.iloc[-(48 + 36 + HORIZON) :])
    results = {
        "forecast_start": str(forecast.index[0].date()),
        "forecast_freq": forecast.index.freqstr,
        "mase": metrics.mase(y_test, forecast, y_train, season=12),
        "mase_seasonal_naive": metrics.mase(y_test, season_naive, y_train, season=12),
        "rolling_origins": rolling.shape[0],
        "rolling_first_origin": str(rolling.index[0].date()),
    }
    if plot:
        _plot(y_train.iloc[-120:], forecast, y_test, rolling, plot)
    return results


def _plot(history, forecast, actual, rolling, path):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 4))
    ax.plot(history.index, history, color="0.3", label="history")
    ax.plot(actual.index, actual, color="tab:green", label="actual")
    ax.plot(forecast.index, forecast, color="tab:orange", lw=2, label="forecast (predict)")
    one_step = rolling[1]  # the 1-step-ahead forecast at each origin
    ax.plot(one_step.index, one_step, color="tab:purple", lw=1, ls="--",
            label="1-step forecasts (predict_rolling)")
    ax.set_title("Mauna Loa CO2: DatetimeIndex in, DatetimeIndex out")
    ax.legend(loc="upper left")
    save_figure(fig, path, dpi=100)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--plot", default="docs/images/pandas_datetime.png")
    args = parser.parse_args()
    for key, value in main(epochs=args.epochs, plot=args.plot).items():
        print(f"{key}: {value}")
