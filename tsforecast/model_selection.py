"""Rolling-origin backtests of LSTMForecaster: forecasts from several past cutoffs of one series
or of every series of a panel, with their actual values, intervals and metrics.

Uses the forecaster's own data path (Panel, fitted transforms, one batched forward pass over the
cutoffs) and joblib for refits; imports the estimator layer, never the reverse.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.base import clone

from ._calibration import interval_method, predict_bands
from ._context import Rows, column_settings, panel_transforms, read_panel
from ._forecasting import forecast
from ._intervals import check_coverage, interval_levels
from ._panel import Panel, as_panel
from ._validation import check_int
from ._windowing import ragged_arange
from .conformal import interval_settings
from .forecaster import LSTMForecaster
from .metrics import naive_mae

__all__ = ["BacktestResult", "PanelSplit", "backtest"]


@dataclass(frozen=True)
class BacktestResult:
    """What :func:`backtest` returns; unpacks as ``forecasts, metrics = result``.

    Attributes
    ----------
    forecasts : DataFrame
        One row per (series, cutoff, step, target): the series id (panels only), ``window``
        (0 for the earliest cutoff), ``cutoff`` (the label of the last row the forecast could
        see), ``time``, ``step`` (1 .. horizon), ``target`` (several targets only), ``actual``,
        ``forecast``, and ``lower``, ``upper`` when a coverage was asked.
    metrics : DataFrame
        One row per window: MAE, RMSE, sMAPE (%), MASE (each series' errors scaled by the
        in-sample MAE of its seasonal naive forecast before the cutoff), and with a coverage
        the empirical ``coverage``, the mean ``width`` and MSIS.
    overall : Series
        The same metrics over every forecast of the backtest.
    """

    forecasts: pd.DataFrame
    metrics: pd.DataFrame
    overall: pd.Series

    def __iter__(self):
        return iter((self.forecasts, self.metrics))


def backtest(estimator, y, X=None, *, n_windows=5, step=None, refit=False, coverage=None,
             method="auto", n_jobs=None):
    """Forecast from ``n_windows`` past cutoffs and score the forecasts against what happened.

    Cutoffs are counted back from the end of each series: the last window forecasts the last
    ``horizon`` rows of every series, and each earlier one starts ``step`` rows before. A panel
    whose series end on different dates gets cutoffs at the same distance from each series'
    end (window ``k`` of every series is scored together). Nothing after a cutoff reaches the
    fit, the scaling or the interval calibration used at that cutoff: each fit sees only the
    rows before its first cutoff, and each forecast only its window's past rows.

    Parameters
    ----------
    estimator : LSTMForecaster
        Not fitted in place: each fit is on a clone.
    y : array-like, Series, DataFrame, dict or list
        The data as passed to ``estimator.fit``: one series, or a panel in any of its forms.
        With ``X``, the targets of one series (``fit(X, y)``).
    X : array-like or DataFrame, optional
        Past covariates of one series, row-aligned with ``y``.
    n_windows : int, default=5
        Cutoffs to forecast from.
    step : int or None, default=None
        Rows between consecutive cutoffs; None means ``horizon`` (windows that do not overlap).
    refit : bool or int, default=False
        False fits once, on the rows before the first cutoff, and forecasts every cutoff in one
        batched pass. True refits at every cutoff, an int ``k`` at every ``k``-th cutoff (each
        fit on the rows before its first cutoff). Refits run in parallel through joblib.
    coverage : float or None, default=None
        If set, also the prediction interval of this coverage (``lower``, ``upper``; see
        :meth:`LSTMForecaster.predict_interval`) and its coverage, width and MSIS. With
        ``ConformalIntervals(adaptive=m)``, each cutoff's interval is widened from the step-1
        errors of the origins before it only.
    method : {"auto", "conformal", "quantile", "cqr"}, default="auto"
        How intervals are made, as in :meth:`LSTMForecaster.predict_interval`.
    n_jobs : int or None, default=None
        Parallel fits when refitting (joblib's ``n_jobs``; None is one, unless inside a
        ``joblib.parallel_config`` context, so that Dask or Ray backends work unchanged).

    Returns
    -------
    result : BacktestResult
        ``result.forecasts`` (tidy, one row per forecast value), ``result.metrics`` (per
        window) and ``result.overall``; ``forecasts, metrics = result`` also works.

    Examples
    --------
    >>> import numpy as np
    >>> from tsforecast import LSTMForecaster
    >>> from tsforecast.model_selection import backtest
    >>> series = np.sin(np.arange(200) / 6)
    >>> model = LSTMForecaster(window=12, horizon=3, epochs=3, random_state=0)
    >>> forecasts, metrics = backtest(model, series, n_windows=4, coverage=0.8)
    >>> len(forecasts), list(metrics.index)
    (12, [0, 1, 2, 3])
    """
    if not isinstance(estimator, LSTMForecaster):
        raise TypeError(
            f"backtest takes an LSTMForecaster; got {type(estimator).__name__}. For other "
            f"estimators use sklearn.model_selection.cross_validate with TimeSeriesSplit."
        )
    check_int("n_windows", n_windows, 1)
    horizon = estimator.horizon
    check_int("horizon", horizon, 1)
    step = horizon if step is None else step
    check_int("step", step, 1)
    every = _refit_every(refit, n_windows)
    if coverage is not None:
        coverage = check_coverage(coverage)
    panel = as_panel(
        y if X is None else X, None if X is None else y, target=estimator.target,
        **column_settings(estimator.columns),
    )
    starts = _forecast_starts(panel, n_windows, step, horizon)  # (n_series, n_windows)
    groups = [range(first, min(first + every, n_windows)) for first in range(0, n_windows, every)]
    tasks = [
        (clone(estimator), y, X, _limits(panel, starts[:, group.start]),
         starts[:, group.start : group.stop], coverage, method)
        for group in groups
    ]
    if len(tasks) == 1:  # refit=False: one fit, every cutoff in one batched pass
        results = [_fit_and_forecast(*tasks[0])]
    else:
        results = Parallel(n_jobs=n_jobs)(delayed(_fit_and_forecast)(*task) for task in tasks)
    points = np.concatenate([r[0] for r in results], axis=1)  # (n_series, n_windows, H, T)
    bands = None if coverage is None else np.concatenate([r[1] for r in results], axis=1)
    season = results[0][2]
    frame = _tidy(panel, estimator, starts, points, bands)
    return _scored(frame, panel, starts, season, coverage)


def _refit_every(refit, n_windows: int) -> int:
    """Cutoffs per fit: all of them (False), 1 (True), or ``refit`` (an int >= 1)."""
    if refit is False or refit is None:
        return n_windows
    if refit is True:
        return 1
    if isinstance(refit, numbers.Integral) and not isinstance(refit, bool) and refit >= 1:
        return int(refit)
    raise ValueError(f"refit must be True, False or an int >= 1; got refit={refit!r}.")


def _forecast_starts(panel: Panel, n_windows: int, step: int, horizon: int) -> np.ndarray:
    """First forecast row (within its series) of every series and window (n_series, W).

    The rows the windows need are checked against every series first (in Python ints), so
    that the (n_series, W) array is made only for windows that fit in the shortest series.
    """
    needed = horizon + (int(n_windows) - 1) * int(step) + 1
    short = np.flatnonzero(panel.lengths < min(needed, np.iinfo(np.int64).max))
    if len(short):
        s = int(short[0])
        which = "The series" if panel.ids is None else f"Series {panel.ids[s]!r}"
        raise ValueError(
            f"{which} has {int(panel.lengths[s])} rows, but n_windows={n_windows}, "
            f"step={step} and horizon={horizon} need at least {needed} (one row before the "
            f"first cutoff). Pass fewer windows, a smaller step, or longer series."
        )
    back = (n_windows - 1 - np.arange(n_windows)) * step  # (W,)
    return panel.lengths[:, None] - horizon - back  # (n_series, W)


def _fit_and_forecast(estimator, y, X, limit, starts, coverage, method):
    """Fit on each series' first ``limit`` rows; forecast the windows whose forecasts start at
    rows ``starts`` (n_series, w) of each series. Returns the forecasts (n_series, w, H, T),
    their interval bounds (n_series, w, H, T, 2) or None, and the fitted season."""
    if X is None:
        estimator.fit(_head(y, limit, estimator))
    else:
        estimator.fit(_head(X, limit, estimator), _head(y, limit, estimator))
    state = estimator.state_
    panel = read_panel(state, y if X is None else X, None if X is None else y)
    n_series, n_windows = starts.shape
    series = np.repeat(np.arange(n_series), n_windows)
    ends = panel.offsets[:-1][series] + starts.ravel()  # each window's rows end before ``ends``
    # the fitted transforms: every series was seen
    rows = Rows(panel.values, panel.offsets, panel_transforms(state, panel))
    shape = (n_series, n_windows, state.horizon, state.n_targets)
    if coverage is None:
        return forecast(state, rows, ends, series).reshape(shape), None, state.season
    levels = interval_levels(coverage)
    method = interval_method(state, method, levels)
    reading = interval_settings(estimator.intervals)  # adaptive: the origins before each one
    point, bands = predict_bands(state, rows, ends, series, levels, method, reading["pooling"],
                                 reading["adaptive"])
    return point.reshape(shape), bands.reshape(*shape, 2), state.season


def _head(data, limit, estimator):
    """The first rows of each series of ``data``, in its own form: ``limit`` (an int) rows of
    one series, or ``limit[id]`` rows of each series of a panel (``limit``: a Series by id)."""
    if isinstance(limit, numbers.Integral):
        return data.iloc[:limit] if isinstance(data, (pd.Series, pd.DataFrame)) else data[:limit]
    if isinstance(data, dict):
        return {key: _head(value, int(limit[key]), estimator) for key, value in data.items()}
    if isinstance(data, (list, tuple)):
        return [_head(value, int(limit[i]), estimator) for i, value in enumerate(data)]
    columns = column_settings(estimator.columns)
    if isinstance(data, pd.DataFrame) and columns["id_column"] in data.columns:
        ids, times = data[columns["id_column"]], data[columns["time_column"]]
    else:  # a (series, time) MultiIndex
        ids, times = data.index.get_level_values(0), data.index.get_level_values(1)
    keep = _positions(ids, times) < limit.reindex(pd.Index(ids)).to_numpy()
    return data[keep]


def _positions(ids, times) -> np.ndarray:
    """Each row's position in time within its series (0 for its first row)."""
    codes = pd.factorize(pd.Index(ids))[0]
    labels = pd.Index(times)
    order = np.lexsort((labels.asi8 if hasattr(labels, "asi8") else labels.to_numpy(), codes))
    positions = np.empty(len(codes), dtype=np.int64)
    positions[order] = ragged_arange(np.bincount(codes))
    return positions


def _limits(panel: Panel, starts: np.ndarray):
    """Rows each series may show the fit: an int for one series, else a Series by id."""
    if panel.ids is None:
        return int(starts[0])
    return pd.Series(starts, index=panel.ids)


def _tidy(panel: Panel, estimator, starts, points, bands) -> pd.DataFrame:
    """The forecasts (n_series, W, H, T) as one row per value, with actuals and labels."""
    n_series, n_windows, horizon, n_targets = points.shape
    s, k, h, t = np.indices(points.shape).reshape(4, -1)
    first = panel.offsets[s] + starts[s, k]  # first forecast row of each value's window
    rows = first + h
    columns = {}
    if panel.ids is not None:
        name = panel.form.id_name
        if name is None:
            name = column_settings(estimator.columns)["id_column"]
        columns[name] = np.asarray(panel.ids, dtype=object)[s]
    columns["window"] = k
    if panel.time is None:
        columns["cutoff"], columns["time"] = starts[s, k] - 1, starts[s, k] + h
    else:
        columns["cutoff"], columns["time"] = panel.time[first - 1], panel.time[rows]
    columns["step"] = h + 1
    if n_targets > 1:
        names = panel.form.target_names or list(range(n_targets))
        columns["target"] = np.asarray(names, dtype=object)[t]
    columns["actual"] = panel.values[rows, t]
    columns["forecast"] = points.ravel()
    if bands is not None:
        columns["lower"], columns["upper"] = bands[..., 0].ravel(), bands[..., 1].ravel()
    return pd.DataFrame(columns)


def _scored(frame: pd.DataFrame, panel: Panel, starts, season: int, coverage) -> BacktestResult:
    """Metrics per window and overall; MASE and MSIS scale each value by its series' in-sample
    seasonal naive MAE before the cutoff (NaN where undefined)."""
    n_series, n_windows = starts.shape
    scale = _naive_scales(panel, starts, season)  # (n_series, W, T)
    horizon = len(frame) // (n_series * n_windows * panel.n_targets)
    shape = (n_series, n_windows, horizon, panel.n_targets)  # the order of the rows of frame
    scales = np.broadcast_to(scale[:, :, None, :], shape)
    actual, forecast = frame["actual"].to_numpy(), frame["forecast"].to_numpy()
    error = np.abs(actual - forecast)
    total = np.abs(actual) + np.abs(forecast)
    parts = {
        "mae": error,
        "rmse": error**2,
        "smape": 200 * np.divide(error, total, out=np.zeros_like(total), where=total > 0),
        "mase": error / scales.ravel(),
    }
    if coverage is not None:
        lower, upper = frame["lower"].to_numpy(), frame["upper"].to_numpy()
        penalty = np.maximum(lower - actual, 0) + np.maximum(actual - upper, 0)
        parts["coverage"] = ((actual >= lower) & (actual <= upper)).astype(np.float64)
        parts["width"] = upper - lower
        parts["msis"] = (upper - lower + 2 / (1 - coverage) * penalty) / scales.ravel()
    table = pd.DataFrame(parts)
    metrics = table.groupby(frame["window"].to_numpy()).mean().rename_axis("window")
    overall = table.mean()
    metrics["rmse"], overall["rmse"] = np.sqrt(metrics["rmse"]), np.sqrt(overall["rmse"])
    return BacktestResult(frame, metrics, overall)


def _naive_scales(panel: Panel, starts, season: int) -> np.ndarray:
    """In-sample MAE of the seasonal naive forecast of each series' targets over its rows
    before each cutoff (n_series, W, T); NaN where there are none or it is 0."""
    scale = naive_mae(panel.values[:, : panel.n_targets], panel.offsets, max(int(season), 1),
                      ends=starts)
    return np.where(scale > 0, scale, np.nan)


class PanelSplit:
    """Cross-validation folds that split every series of a panel in time.

    scikit-learn's ``TimeSeriesSplit`` cuts rows in their order, so on a long frame sorted by
    series its folds hold different series, not later times. ``PanelSplit`` cuts each series
    as ``TimeSeriesSplit`` cuts one series: fold ``k`` trains on every series' rows before its
    own ``k``-th cutoff and tests on the ``test_size`` rows after it, counted back from each
    series' end, so series that end on different dates are cut at the same distance from
    their ends. Use it as ``cv=`` in ``GridSearchCV`` or ``cross_val_score`` with a long
    frame or a (series, time) MultiIndex, and score with :mod:`tsforecast.scoring`.

    Parameters
    ----------
    n_splits : int, default=5
        Folds.
    test_size : int or None, default=None
        Rows of each series in every test fold; None: the shortest series' length //
        ``(n_splits + 1)``. A tsforecast scorer forecasts every origin inside the test fold,
        so it needs at least ``window + horizon`` rows.
    gap : int, default=0
        Rows of each series left out between a training part and its test fold.
    id_column, time_column : str, default="unique_id", "ds"
        The id and time columns of a long frame (a MultiIndex's levels need no names).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from tsforecast.model_selection import PanelSplit
    >>> long = pd.DataFrame({"unique_id": np.repeat(["a", "b"], 12),
    ...                      "ds": np.tile(np.arange(12), 2), "y": np.arange(24.0)})
    >>> [(len(train), len(test)) for train, test in PanelSplit(3).split(long)]
    [(6, 6), (12, 6), (18, 6)]
    """

    def __init__(self, n_splits=5, *, test_size=None, gap=0, id_column="unique_id",
                 time_column="ds"):
        self.n_splits = n_splits
        self.test_size = test_size
        self.gap = gap
        self.id_column = id_column
        self.time_column = time_column

    def get_n_splits(self, X=None, y=None, groups=None) -> int:
        """The number of folds."""
        return self.n_splits

    def split(self, X, y=None, groups=None):
        """Yield ``(train, test)`` row positions of ``X`` (in any row order) for every fold."""
        check_int("n_splits", self.n_splits, 1)
        check_int("gap", self.gap, 0)
        position, length = self._positions(X)
        test_size = self.test_size
        if test_size is None:
            test_size = int(length.min()) // (self.n_splits + 1)
        check_int("test_size", test_size, 1)
        needed = self.n_splits * test_size + self.gap + 1
        if length.min() < needed:
            raise ValueError(
                f"PanelSplit(n_splits={self.n_splits}, test_size={test_size}, gap={self.gap}) "
                f"needs at least {needed} rows in every series; the shortest has "
                f"{int(length.min())}. Pass fewer splits or a smaller test_size."
            )
        back = position - length  # -1 for each series' last row
        for k in range(self.n_splits):
            start = -(self.n_splits - k) * test_size
            test = (back >= start) & (back < start + test_size)
            train = back < start - self.gap
            yield np.flatnonzero(train), np.flatnonzero(test)

    def _positions(self, X) -> tuple[np.ndarray, np.ndarray]:
        """Each row's position in time within its series and its series' length."""
        if isinstance(X, pd.DataFrame) and self.id_column in X.columns:
            ids, times = X[self.id_column], X[self.time_column]
        elif isinstance(X, (pd.DataFrame, pd.Series)) and isinstance(X.index, pd.MultiIndex):
            ids, times = X.index.get_level_values(0), X.index.get_level_values(1)
        else:
            raise TypeError(
                f"PanelSplit splits a panel: a long DataFrame with an {self.id_column!r} "
                f"column or a (series, time) MultiIndex; got {type(X).__name__}. For one "
                f"series use sklearn's TimeSeriesSplit."
            )
        codes = pd.factorize(pd.Index(ids))[0]
        return _positions(ids, times), np.bincount(codes)[codes]

    def __repr__(self) -> str:
        return (f"PanelSplit(n_splits={self.n_splits}, test_size={self.test_size}, "
                f"gap={self.gap})")
