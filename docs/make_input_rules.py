"""Regenerate docs/input-rules.md from the errors the code actually raises.

Each rule is one call that breaks it; the table shows the exception type and message that
call raises today. Run: ``python docs/make_input_rules.py`` (a few seconds, CPU only).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from tsforecast import ConformalIntervals, LSTMForecaster, LSTMNetwork

TINY = {"window": 3, "horizon": 2, "network": LSTMNetwork(hidden_size=2), "epochs": 1,
        "device": "cpu", "random_state": 0}
t = np.arange(30.0)
GOOD = pd.DataFrame({"sales": np.sin(t / 3), "price": np.cos(t / 4)},
                    index=pd.date_range("2024-01-01", periods=30, freq="D"))
DAILY = pd.date_range("2024-01-01", periods=12, freq="D")
LONG = pd.DataFrame({"unique_id": np.repeat(["a", "b"], 15), "ds": np.tile(DAILY.append(
    pd.date_range("2024-01-13", periods=3, freq="D")), 2), "y": np.sin(t)})


def fit(X, y=None, **params):
    return lambda: LSTMForecaster(**{**TINY, **params}).fit(X, y)


def fitted(**params):
    return LSTMForecaster(**{**TINY, **params}).fit(GOOD)


class ArrayLike:
    """An object read through ``__array__`` only, as polars and pyarrow objects are."""

    def __init__(self, values):
        self.values = values

    def __array__(self, dtype=None, copy=None):
        return self.values


DATES = np.datetime64("2024-01-01", "us") + np.arange(30).astype("timedelta64[D]")


def with_nan():
    bad = GOOD.copy()
    bad.iloc[4, 0] = np.nan
    return bad


RULES = [
    # (section, rule, call)
    ("Input type and shape", "X is a list, ndarray, Series or DataFrame", fit({"a": [1, 2]})),
    ("Input type and shape", "X is 1-D or 2-D", fit(np.zeros((12, 2, 2)))),
    ("Input type and shape", "rows of a list have equal length", fit([[1.0, 2.0], [3.0]] * 6)),
    ("Input type and shape", "X is not empty", fit(np.array([]))),
    ("Input type and shape", "a DataFrame is not empty", fit(pd.DataFrame())),
    ("Input type and shape", "a numpy masked array has no masked values",
     fit(np.ma.masked_array(np.sin(t), mask=t == 4))),
    ("Values", "array values are numbers (strings must parse as numbers)", fit(["a"] * 12)),
    ("Values", "array values are real numbers (no complex, no datetimes)",
     fit(np.arange(12).astype("datetime64[D]"))),
    ("Values", "values reached through `__array__` or an object array are not dates or times",
     fit(ArrayLike(np.column_stack([DATES.astype(object), np.sin(t).astype(object)])))),
    ("Values", "DataFrame columns are numeric or bool (no text, category, datetime)",
     fit(GOOD.assign(shop="north"))),
    ("Values", "a date column is named as the time column (or made the index)",
     fit(GOOD.reset_index(names="date"))),
    ("Values", "no NaN, pd.NA or inf anywhere", fit(with_nan())),
    ("Values", "values fit the float32 network after scaling",
     fit(np.sin(t) * 1e39, scaler=None)),
    ("Values", "values can be scaled in float64", fit(np.sin(t) * 1.7e308, scaler="minmax")),
    ("Index", "no missing timestamps (NaT)",
     fit(pd.Series(np.arange(12.0), index=DAILY.insert(3, pd.NaT)[:12]))),
    ("Index", "no duplicate timestamps",
     fit(pd.Series(np.arange(12.0), index=DAILY[[0, 0, *range(1, 11)]]))),
    ("Index", "timestamps sorted in time", fit(pd.Series(np.arange(12.0), index=DAILY[::-1]))),
    ("Index", "a DatetimeIndex has a regular frequency",
     fit(pd.Series(np.arange(12.0), index=pd.date_range("2024-01-01", periods=13).delete(2)))),
    ("Index", "a DatetimeIndex without freq has >= 3 rows to infer it",
     fit(pd.Series([1.0, 2.0], index=pd.DatetimeIndex(["2024-01-01", "2024-01-02"])), window=1,
         horizon=1, validation_fraction=0.0)),
    ("Index", "deseasonalize=True needs an index that places rows in time",
     fit(np.sin(t / 2), season=4, deseasonalize=True)),
    ("Index", "a context after deseasonalizing comes with its index",
     lambda: fitted(deseasonalize=True, season=4).predict(GOOD.to_numpy())),
    ("Index", "a context's index is on the time grid seen at fit",
     lambda: fitted(deseasonalize=True, season=4).predict(
         GOOD.set_axis(GOOD.index + pd.Timedelta("12h")))),
    ("Length", "a series has at least `window + horizon` rows (one training window; with too "
     "few windows to hold some out, it trains without validation and warns)",
     fit(np.arange(5.0), window=10)),
    ("Length", "a predict context has at least `window` rows",
     lambda: fitted().predict(GOOD.iloc[:2])),
    ("Length", "a score / predict_rolling series has at least `window + horizon` rows",
     lambda: fitted().score(GOOD.iloc[:4])),
    ("Length", "deseasonalize=True has 3 seasons of rows",
     fit(GOOD, season=12, deseasonalize=True)),
    ("Columns", "column names are unique", fit(GOOD.set_axis(["sales", "sales"], axis=1))),
    ("Columns", "X has a column when it is the series (fit(X))",
     fit(pd.DataFrame(index=GOOD.index))),
    ("Columns", "y has a column", fit(GOOD, pd.DataFrame(index=GOOD.index))),
    ("Columns", "target names columns of X", fit(GOOD, target="revenue")),
    ("Columns", "target names at least one column", fit(GOOD, target=[])),
    ("Columns", "target is a name, an int position, a list of them, or None (no float, bool, "
     "slice)", fit(GOOD, target=1.0)),
    ("Columns", "target names a column once", fit(GOOD, target=["sales", "sales"])),
    ("Columns", "target by name needs a DataFrame", fit(GOOD.to_numpy(), target="sales")),
    ("Columns", "target and y are not both given",
     fit(GOOD[["price"]], GOOD["sales"], target="sales")),
    ("Columns", "X and y have the same number of rows", fit(GOOD[["price"]], GOOD["sales"][:-1])),
    ("Columns", "predict/score get as many columns as fit",
     lambda: fitted().predict(GOOD[["sales"]])),
    ("Columns", "predict/score get the same column names as fit",
     lambda: fitted().predict(GOOD.rename(columns={"price": "cost"}))),
    ("Columns", "predict gets y when fit did, and not otherwise",
     lambda: fitted().predict(GOOD[["price"]], GOOD["sales"])),
    ("Parameters", "window is an int >= 1", fit(GOOD, window=0)),
    ("Parameters", "horizon is an int >= 1", fit(GOOD, horizon=1.5)),
    ("Parameters", "scaler is 'standard', 'minmax', 'none' or None "
     "('naive' too for LSTMForecaster)", fit(GOOD, scaler="robust")),
    ("Parameters", "`LSTMNetwork`: hidden_size is an int >= 1",
     fit(GOOD, network=LSTMNetwork(hidden_size=0))),
    ("Parameters", "`LSTMNetwork`: proj_size < hidden_size",
     fit(GOOD, network=LSTMNetwork(hidden_size=2, proj_size=2))),
    ("Parameters", "`LSTMNetwork`: dropout in [0, 1)",
     fit(GOOD, network=LSTMNetwork(hidden_size=2, dropout=1.0))),
    ("Parameters", "`LSTMNetwork`: head is 'last' or 'sequence'",
     fit(GOOD, network=LSTMNetwork(hidden_size=2, head="first"))),
    ("Parameters", "columns is None or a dict with keys 'id', 'time', 'static', 'future'",
     fit(GOOD, columns={"id_column": "store"})),
    ("Parameters", "intervals is a `ConformalIntervals` or None",
     fit(GOOD, intervals="refit")),
    ("Parameters", "`ConformalIntervals`: calibration is 'validation' or 'refit'",
     fit(GOOD, intervals=ConformalIntervals(calibration="holdout"))),
    ("Parameters", "lr > 0", fit(GOOD, lr=0)),
    ("Parameters", "gradient_clip > 0 or None", fit(GOOD, gradient_clip=0)),
    ("Parameters", "validation_fraction in [0, 1)", fit(GOOD, validation_fraction=1.0)),
    ("Parameters", "early_stopping is a bool", fit(GOOD, early_stopping="yes")),
    ("Parameters", "deseasonalize is 'auto', True or False", fit(GOOD, deseasonalize="yes")),
    ("Parameters", "deseasonalize=True has a seasonal period above 1",
     fit(pd.Series(np.sin(t)), deseasonalize=True)),
    ("Parameters", "device exists", fit(GOOD, device="cuda:7")),
    ("Parameters", "n_threads is 'auto', None or an int >= 1", fit(GOOD, n_threads=0)),
    ("Training", "the loss stays finite (no usable epoch)",
     fit(np.sin(t) * 1e30, scaler=None,
         network=LSTMNetwork(hidden_size=2, instance_norm=None))),
    ("Panels", "a long frame has its time column", fit(LONG.drop(columns="ds"))),
    ("Panels", "a frame with text columns names its id column",
     fit(LONG.rename(columns={"unique_id": "store"}))),
    ("Panels", "time labels are datetimes, periods or integers",
     fit(LONG.assign(ds=LONG["ds"].astype(str)))),
    ("Panels", "each (series, time) pair appears once", fit(pd.concat([LONG, LONG.iloc[[3]]]))),
    ("Panels", "every series is on one regular grid, without gaps", fit(LONG.drop(index=20))),
    ("Panels", "static columns hold one value per series",
     fit(LONG.assign(size=np.arange(len(LONG), dtype=float)), columns={"static": "size"})),
    ("Panels", "fit(X, y) takes one series", lambda: LSTMForecaster(**TINY).fit(LONG, LONG["y"])),
    ("Panels", "a dict's series share their columns",
     fit({"a": GOOD, "b": GOOD[["sales"]]})),
]


def main() -> None:
    lines = [
        "# Input rules and their errors",
        "",
        "Every rule that `LSTMForecaster` checks, with the exception and message it raises when",
        "the rule is broken. Generated by `python docs/make_input_rules.py` from the code itself;",
        "do not edit by hand. Bad values raise `ValueError`, wrong types `TypeError`; nothing",
        "else escapes for bad input (tests/test_robustness.py checks this with hypothesis).",
        "The sequence estimators share the parameter and value rules (`_base.py`,",
        "`_validation.py`); they take `hidden_size`, `proj_size` and `dropout` directly, where",
        "`LSTMForecaster` takes them in `network=LSTMNetwork(...)`.",
        "",
        "Also accepted, with no error: int, float16/32/64 and bool values; nullable `Int64` /",
        "`Float64` columns without missing values; time-zone-aware and `PeriodIndex` indexes;",
        "values from 1e-300 to 1e300 with `scaler='standard'`; objects whose `__array__` gives",
        "numbers; masked arrays with nothing masked; numpy integers as target positions; and",
        "with `fit(X, y)`, an `X` with rows but no columns (no covariates: the same as `fit(y)`).",
        "",
        "Training that diverges without a NaN (the best epoch's loss above twice the untrained",
        "network's) warns and keeps the initial weights (`best_epoch_ == -1`) rather than",
        "raising; see the guide's \"Divergence\".",
    ]
    section = None
    for name, rule, call in RULES:
        if name != section:
            lines += ["", f"## {name}", "", "| rule | error |", "|---|---|"]
            section = name
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                call()
        except (ValueError, TypeError) as error:
            message = str(error).replace("|", "\\|").replace("\n", " ")
            lines.append(f"| {rule} | `{type(error).__name__}`: {message} |")
        else:
            raise SystemExit(f"rule {rule!r}: the example call did not raise")
    path = Path(__file__).with_name("input-rules.md")
    path.write_text("\n".join(lines) + "\n")
    print(f"wrote {path} ({len(RULES)} rules)")


if __name__ == "__main__":
    main()
