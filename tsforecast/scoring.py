"""Forecasting scorers for scikit-learn's model selection: ``scoring=`` in ``cross_val_score``,
``cross_validate`` and ``GridSearchCV``, computed over the rolling-origin forecasts of each test
fold against its actual values.

A scorer is called as ``scorer(estimator, X_test, y_test)``; it forecasts every origin of the
test fold (``predict_rolling``) and compares with the fold's own rows. Imports metrics and the
estimators' public and private forecasting methods; no torch.
"""

from __future__ import annotations

import numpy as np
from sklearn.utils.validation import check_is_fitted

from . import metrics
from ._context import read_panel
from ._forecasting import rolling_pairs

__all__ = [
    "SCORERS",
    "get_scorer",
    "make_forecast_scorer",
    "neg_mae_scorer",
    "neg_mase_scorer",
    "neg_rmse_scorer",
    "neg_smape_scorer",
]

METRICS = ("mae", "rmse", "mase", "smape")


class ForecastScorer:
    """``scorer(estimator, X, y=None) -> float``: a metric of the rolling-origin forecasts.

    Made by :func:`make_forecast_scorer`; see there.
    """

    def __init__(self, metric: str, greater_is_better: bool = False):
        self.metric = metric
        self.greater_is_better = greater_is_better

    def __call__(self, estimator, X, y=None, **kwargs):
        """Forecast every origin of ``X`` (and ``y``) with ``estimator`` and score them."""
        model, X = _forecaster_and_input(estimator, X)
        check_is_fitted(model)
        try:
            panel = read_panel(model.state_, X, y)
            actual, forecast, series = rolling_pairs(model.state_, panel)
        except ValueError as error:
            needed = model.window_ + model.horizon_
            raise ValueError(
                f"{self!r} cannot score this data: {error} A scorer compares the rolling-origin "
                f"forecasts (predict_rolling) of the data with its actual values, so every test "
                f"fold needs at least window + horizon = {needed} rows; in cross-validation use "
                f"e.g. TimeSeriesSplit(n_splits=..., test_size={needed + 2}). (cross_val_score "
                f"and GridSearchCV turn this error into a NaN score with a warning unless "
                f"error_score='raise'.)"
            ) from error
        targets = (panel.values[:, : model.n_targets_], panel.offsets)
        value = _metric_value(self.metric, actual, forecast, series, targets, model.season_)
        return value if self.greater_is_better else -value

    def __repr__(self) -> str:
        sign = "" if self.greater_is_better else ", greater_is_better=False"
        return f"make_forecast_scorer({self.metric!r}{sign})"


def make_forecast_scorer(metric, greater_is_better=False):
    """Make a scorer for ``scoring=`` from a forecast accuracy metric.

    The scorer forecasts every rolling origin of the data it is given (``predict_rolling``:
    origin ``t`` reads rows ``[t - window, t)`` and forecasts ``[t, t + horizon)``), compares
    every forecast step with the actual value, and pools all origins, steps, targets and series.
    It works with :class:`~tsforecast.LSTMForecaster` and with a ``Pipeline`` ending in one
    (the pipeline's transformers are applied to ``X`` first).

    Parameters
    ----------
    metric : {"mae", "rmse", "mase", "smape"}
        ``"mase"`` divides each series' absolute errors by the in-sample MAE of the seasonal
        naive forecast (period ``season_`` of the model, 1 when a series is too short) on that
        series' rows in the data scored, so a test fold is scaled by its own naive error.
    greater_is_better : bool, default=False
        False (these metrics are errors) returns the negated metric, so that higher is better
        as scikit-learn's model selection expects (like its ``neg_mean_absolute_error``).

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y=None) -> float``.

    Examples
    --------
    >>> from sklearn.model_selection import TimeSeriesSplit, cross_val_score
    >>> from tsforecast import LSTMForecaster
    >>> from tsforecast.scoring import make_forecast_scorer
    >>> import numpy as np
    >>> series = np.sin(np.arange(90) / 4)
    >>> scores = cross_val_score(LSTMForecaster(window=8, horizon=2, epochs=2, random_state=0),
    ...                          series, cv=TimeSeriesSplit(2, test_size=20),
    ...                          scoring=make_forecast_scorer("mae"))
    >>> bool((scores <= 0).all())
    True
    """
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {METRICS}; got metric={metric!r}.")
    if not isinstance(greater_is_better, (bool, np.bool_)):
        raise TypeError(
            f"greater_is_better must be True or False; got greater_is_better="
            f"{greater_is_better!r}."
        )
    return ForecastScorer(metric, bool(greater_is_better))


neg_mae_scorer = make_forecast_scorer("mae")
neg_rmse_scorer = make_forecast_scorer("rmse")
neg_mase_scorer = make_forecast_scorer("mase")
neg_smape_scorer = make_forecast_scorer("smape")

SCORERS = {
    "neg_mae": neg_mae_scorer,
    "neg_rmse": neg_rmse_scorer,
    "neg_mase": neg_mase_scorer,
    "neg_smape": neg_smape_scorer,
}
"""Ready scorers by name (errors negated: higher is better)."""

SKLEARN_NAMES = {"neg_mean_absolute_error": "neg_mae", "neg_root_mean_squared_error": "neg_rmse"}
"""scikit-learn's names of the metrics above, answered with the name of the forecast scorer."""


def get_scorer(name):
    """A ready scorer by name: ``"neg_mae"``, ``"neg_rmse"``, ``"neg_mase"`` or ``"neg_smape"``.

    scikit-learn's own names (``"neg_mean_absolute_error"``) compare ``predict(X_test)`` with
    ``y_test``, which does not fit a forecaster (see the user guide); pass these objects as
    ``scoring=`` instead.
    """
    if name in SKLEARN_NAMES:
        raise ValueError(
            f"{name!r} is scikit-learn's scorer, which compares predict(X_test) with y_test; "
            f"the forecast scorer of that metric is get_scorer({SKLEARN_NAMES[name]!r})."
        )
    if name not in SCORERS:
        raise ValueError(f"Unknown scorer {name!r}; choose one of {sorted(SCORERS)}.")
    return SCORERS[name]


def _forecaster_and_input(estimator, X):
    """The forecaster that makes the forecasts, and ``X`` as it reaches it (through the
    transformers of a Pipeline)."""
    from sklearn.pipeline import Pipeline

    from .forecaster import LSTMForecaster

    if isinstance(estimator, Pipeline):
        if len(estimator.steps) > 1:
            X = estimator[:-1].transform(X)
        estimator = estimator.steps[-1][1]
    if not isinstance(estimator, LSTMForecaster):
        raise TypeError(
            f"tsforecast's forecast scorers need an LSTMForecaster (or a Pipeline ending in "
            f"one); got {type(estimator).__name__}."
        )
    return estimator, X


def _metric_value(metric, actual, forecast, series, targets, season) -> float:
    """The pooled metric of rolling forecasts (N, H, T) of ``series`` (N,); ``targets`` holds
    the scored target rows of every series, ``(values (n_rows, T), offsets)``, for MASE."""
    if metric == "mae":
        return metrics.mae(actual, forecast)
    if metric == "rmse":
        return metrics.rmse(actual, forecast)
    if metric == "smape":
        return metrics.smape(actual, forecast)
    scale = naive_scale(*targets, season)  # (n_series, T)
    errors = np.abs(actual - forecast) / scale[series][:, None, :]
    return float(np.mean(errors))


def naive_scale(values: np.ndarray, offsets: np.ndarray, season: int) -> np.ndarray:
    """In-sample MAE (n_series, T) of the seasonal naive forecast within each series of the
    stacked ``values`` (n_rows, T) (:func:`tsforecast.metrics.naive_mae`); raise where it is
    undefined."""
    scale = metrics.naive_mae(values, offsets, season)
    bad = ~(scale > 0)
    if bad.any():
        which = int(np.argwhere(bad)[0][0])
        raise ValueError(
            f"mase is undefined for series {which} of the data scored: its naive forecast is "
            f"exact (a constant series) or it has a single row; use mae or rmse."
        )
    return scale
