"""Write the pinned forecasts and intervals that tests/test_pinned.py compares against, and a
model file saved by the code of the same day (the last one before the fitted-state layout).

Run ONLY when deliberately making a new reference; never to make a failing test pass. The
numbers were written by the code before the estimator was reshaped around its fitted state
(with its parameters then one per setting: hidden_size=8, calibration="refit", ... are spelled
as parameter objects here), so that the reshape is checked to change no forecast and no
interval. Two intervals were pinned again since, wider, when pooled conformal radii were made
never narrower than a step's own largest error (their 90% and 95% intervals had been narrower
than the 80% and 90% ones at one step): panel_covariates' and panel_plain's "interval".
Pinned again since, on purpose: those two once more, when the pooled radius began to count
windows (not their steps) in its finite-sample rank and each step's scale was shrunk towards
errors growing with the root of the step, and once more when a radius from too few pooled
windows began to extrapolate the tail of their errors; and air_boxcox_refit's "interval", when the
calibration copy began to train for the epochs the fit kept, and again when a copy of one
series began to calibrate on at most 20 windows. The other scenarios pin
``ConformalIntervals(calibration="validation", local_scale=False)``, the calibration they
were written with (the defaults before "auto" and before errors scaled by their window), and
every scenario pins ``smoothing=False``: the network's own forecasts, as they were written.
The two panels were pinned again entirely when ``deseasonalize="auto"`` stopped testing each
series for seasonality (their fourth series, not significant, is now adjusted).
forecaster_panel_v1.tsf is kept as it was written (the layout before the fitted state): do
not commit the one this script writes. What that file forecasts is pinned apart
("panel_v1_file": its forecasts and its per-step 95% interval, as the code of its day gave
them); this script carries that entry over unchanged.

    PYTHONPATH=. python tests/data/make_pinned_forecasts.py

Writes, next to this script: pinned_forecasts.json and forecaster_panel_v1.tsf. With
``--check`` it writes nothing and lists every output that is not bit-identical to the pinned
numbers (the test allows float32 rounding of other CPUs; this checks the machine that wrote them).
"""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from tsforecast import ConformalIntervals, LSTMForecaster, LSTMNetwork, datasets, model_selection

HERE = Path(__file__).resolve().parent
SMALL = {"network": LSTMNetwork(hidden_size=8), "epochs": 6, "batch_size": 16, "random_state": 0,
         "device": "cpu", "scaler": "standard", "loss": "mse", "smoothing": False,
         "intervals": ConformalIntervals(calibration="validation", local_scale=False)}


def panel_frame() -> pd.DataFrame:
    """Five monthly series of different lengths and levels, a static and a future column."""
    rng = np.random.default_rng(7)
    frames = []
    for k, length in enumerate((60, 48, 72, 40, 55)):
        t = np.arange(length)
        y = 20 + 5 * k + 3 * np.sin(2 * np.pi * t / 12) + 0.05 * t + rng.normal(0, 0.5, length)
        frames.append(pd.DataFrame({
            "unique_id": f"s{k}",
            "ds": pd.period_range("2015-01", periods=length, freq="M").to_timestamp(),
            "y": y,
            "promo": (t % 5 == 0).astype(float),
            "size": float(k + 1),
        }))
    return pd.concat(frames, ignore_index=True)


def scenarios():
    """(name, fitted model, {output name: callable returning an array-like})."""
    air = datasets.load_air_passengers()
    train, test = air[:-24], air[-24 - 24:]
    model = LSTMForecaster(horizon=6, **SMALL).fit(train)
    yield "air_default", model, {
        "predict": model.predict,
        "interval": lambda: model.predict_interval(coverage=0.9),
        "quantiles": lambda: model.predict_quantiles(alpha=(0.05, 0.5, 0.95)),
        "rolling": lambda: model.predict_rolling(test),
        "recursive": lambda: model.predict(n_steps=20),
        "score": lambda: model.score(test),
    }

    refit = LSTMForecaster(horizon=4, target_transform="boxcox", retrain_on_all=True,
                           **{**SMALL, "intervals": ConformalIntervals(calibration="refit")}
                           ).fit(train)
    yield "air_boxcox_refit", refit, {
        "predict": refit.predict,
        "interval": lambda: refit.predict_interval(coverage=0.8),
        "context": lambda: refit.predict(air[:-12]),
    }

    co2 = datasets.load_co2()[-300:]
    quantile = LSTMForecaster(horizon=3, window=24, quantiles=(0.1, 0.9),
                              **{**SMALL, "loss": "mae"}).fit(co2)
    yield "co2_quantiles", quantile, {
        "predict": quantile.predict,
        "cqr": lambda: quantile.predict_interval(coverage=0.8),
        "quantile": lambda: quantile.predict_interval(coverage=0.8, method="quantile"),
        "conformal": lambda: quantile.predict_quantiles(alpha=(0.2, 0.5, 0.8),
                                                        method="conformal"),
    }

    long = panel_frame()
    future = long[["unique_id", "ds", "promo"]]
    history = long.groupby("unique_id").head(-4)
    horizon_rows = long.groupby("unique_id").tail(4)
    panel = LSTMForecaster(horizon=4, columns={"static": "size", "future": "promo"},
                           **{**SMALL, "scaler": "naive", "intervals": ConformalIntervals(
                               calibration="validation", fraction=0.5, local_scale=False)})
    panel.fit(history)
    new = history[history.unique_id.isin(["s1", "s3"])]
    new = new.assign(unique_id=lambda f: "new_" + f.unique_id)
    yield "panel_covariates", panel, {
        "predict": lambda: panel.predict(X_future=horizon_rows[["unique_id", "ds", "promo"]]),
        "interval": lambda: panel.predict_interval(
            coverage=0.9, X_future=horizon_rows[["unique_id", "ds", "promo"]]),
        "new_series": lambda: panel.predict(new, X_future=future.assign(
            unique_id="new_" + future.unique_id).groupby("unique_id").tail(4).loc[
            lambda f: f.unique_id.isin(["new_s1", "new_s3"])]),
    }

    plain = long.drop(columns=["promo", "size"])
    global_model = LSTMForecaster(horizon=3, **SMALL).fit(plain)
    yield "panel_plain", global_model, {
        "predict": global_model.predict,
        "interval": lambda: global_model.predict_interval(coverage=0.95),
        "backtest": lambda: model_selection.backtest(global_model, plain, n_windows=2,
                                                     coverage=0.9).forecasts,
        "recursive": lambda: global_model.predict(n_steps=7),
    }


def as_numbers(value) -> list:
    """Every float of a forecast output, in a fixed order (pandas: its numeric values)."""
    if isinstance(value, pd.DataFrame):
        value = value.select_dtypes("number")
    return np.asarray(value, dtype=float).ravel().tolist()


def check() -> int:
    """Print every output that differs from the pinned numbers in any bit; return their count."""
    pinned = json.loads((HERE / "pinned_forecasts.json").read_text(encoding="utf-8"))
    differing = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, _, outputs in scenarios():
            for key, call in outputs.items():
                got, expected = np.asarray(as_numbers(call())), np.asarray(pinned[name][key])
                if got.shape != expected.shape or not np.array_equal(got, expected):
                    differing += 1
                    gap = np.abs(got - expected).max() if got.shape == expected.shape else "shape"
                    print(f"{name} {key}: differs (largest gap {gap})")
    print(f"{differing} output(s) differ from the pinned numbers")
    return differing


def main() -> None:
    written = json.loads((HERE / "pinned_forecasts.json").read_text(encoding="utf-8"))
    pinned = {"panel_v1_file": written["panel_v1_file"]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, model, outputs in scenarios():
            pinned[name] = {key: as_numbers(call()) for key, call in outputs.items()}
            if name == "panel_plain":
                model.save(HERE / "forecaster_panel_v1.tsf")
    text = json.dumps(pinned, indent=1)
    (HERE / "pinned_forecasts.json").write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(1 if check() else 0) if sys.argv[1:] == ["--check"] else main()
