"""Forecast accuracy metrics as vectorised numpy functions.

Each takes ``y_true`` and ``y_pred`` of the same shape (any shape; all values are pooled) and
returns a float. Imports numpy only.
"""

from __future__ import annotations

import numpy as np

__all__ = ["mae", "rmse", "mape", "smape", "mase"]


def _pair(y_true, y_pred) -> tuple[np.ndarray, np.ndarray]:
    y_true = np.asarray(y_true, dtype=np.float64)
    y_pred = np.asarray(y_pred, dtype=np.float64)
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"y_true and y_pred must have the same shape; got {y_true.shape} and {y_pred.shape}."
        )
    if y_true.size == 0:
        raise ValueError("y_true and y_pred are empty; pass at least one value.")
    return y_true, y_pred


def mae(y_true, y_pred) -> float:
    """Mean absolute error."""
    y_true, y_pred = _pair(y_true, y_pred)
    return float(np.mean(np.abs(y_true - y_pred)))


def rmse(y_true, y_pred) -> float:
    """Root mean squared error."""
    y_true, y_pred = _pair(y_true, y_pred)
    return float(np.sqrt(np.mean((y_true - y_pred) ** 2)))


def mape(y_true, y_pred) -> float:
    """Mean absolute percentage error, in percent (undefined where ``y_true`` is 0)."""
    y_true, y_pred = _pair(y_true, y_pred)
    if np.any(y_true == 0):
        raise ValueError("mape is undefined when y_true contains zeros; use smape or mase.")
    return float(100.0 * np.mean(np.abs((y_true - y_pred) / y_true)))


def smape(y_true, y_pred) -> float:
    """Symmetric MAPE in percent, ``200 * |y - f| / (|y| + |f|)``; 0/0 counts as 0."""
    y_true, y_pred = _pair(y_true, y_pred)
    denominator = np.abs(y_true) + np.abs(y_pred)
    ratio = np.divide(
        np.abs(y_true - y_pred), denominator, out=np.zeros_like(denominator), where=denominator > 0
    )
    return float(200.0 * np.mean(ratio))


def mase(y_true, y_pred, y_train, season: int = 1) -> float:
    """Mean absolute scaled error.

    The forecast's MAE divided by the in-sample MAE of the seasonal naive forecast
    (``y[t] = y[t - season]``) on ``y_train``. Below 1 beats seasonal naive's in-sample error.

    Parameters
    ----------
    y_true, y_pred : array-like of the same shape
        Actual and forecast values; a second axis holds several series.
    y_train : array-like of shape (n_train,) or (n_train, n_series)
        The history the forecast was made from.
    season : int, default=1
        Seasonal period (1 scales by the plain naive forecast).
    """
    y_true, y_pred = _pair(y_true, y_pred)
    y_train = np.asarray(y_train, dtype=np.float64)
    if not isinstance(season, (int, np.integer)) or season < 1:
        raise ValueError(f"season must be an int >= 1; got season={season!r}.")
    if y_train.shape[0] <= season:
        raise ValueError(
            f"y_train has {y_train.shape[0]} values; mase with season={season} needs more "
            f"than {season}."
        )
    scale = np.mean(np.abs(y_train[season:] - y_train[:-season]))
    if scale == 0:
        raise ValueError("mase is undefined: the seasonal naive forecast of y_train is exact.")
    return float(np.mean(np.abs(y_true - y_pred)) / scale)
