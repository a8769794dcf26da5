"""Forecast accuracy metrics as vectorised numpy functions.

Each takes ``y_true`` and ``y_pred`` of the same shape (any shape; all values are pooled) and
returns a float; the interval metrics take ``lower`` and ``upper`` bounds instead of ``y_pred``,
and the pinball loss quantiles along a last axis. Imports numpy only.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "mae", "rmse", "mape", "smape", "mase", "coverage", "interval_width", "msis", "pinball_loss",
]


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
    scale = _naive_scale(y_train, season, "mase")
    return float(np.mean(np.abs(y_true - y_pred)) / scale)


def _naive_scale(y_train, season, name: str) -> float:
    """In-sample MAE of the seasonal naive forecast of ``y_train`` (MASE's and MSIS's scale)."""
    y_train = np.asarray(y_train, dtype=np.float64)
    if not isinstance(season, (int, np.integer)) or season < 1:
        raise ValueError(f"season must be an int >= 1; got season={season!r}.")
    if y_train.shape[0] <= season:
        raise ValueError(
            f"y_train has {y_train.shape[0]} values; {name} with season={season} needs more "
            f"than {season}."
        )
    columns = y_train.reshape(len(y_train), -1)  # (n_train, n_series)
    scale = np.mean(naive_mae(columns, [0, len(columns)], season))
    if scale == 0:
        raise ValueError(f"{name} is undefined: the seasonal naive forecast of y_train is exact.")
    return float(scale)


def naive_mae(values, offsets, season: int, ends=None) -> np.ndarray:
    """In-sample MAE of the seasonal naive forecast ``y[t] = y[t - lag]`` within each series
    of stacked rows: the scale of MASE and MSIS, for every series of a panel at once.

    Parameters
    ----------
    values : array-like of shape (n_rows, n_columns)
        The rows of every series, one series after the other.
    offsets : array-like of shape (n_series + 1,)
        Series ``s`` is rows ``offsets[s]:offsets[s + 1]``.
    season : int
        The lag; 1 for a series (or part) of at most ``season`` rows.
    ends : array-like of shape (n_series, n_cutoffs), optional
        Score only each series' first ``ends[s, k]`` rows (the history before cutoff ``k``).

    Returns
    -------
    scale : ndarray of shape (n_series, n_columns), or (n_series, n_cutoffs, n_columns)
        NaN where a series has no change to average (a single row).
    """
    values = np.asarray(values, dtype=np.float64)
    offsets = np.asarray(offsets, dtype=np.int64)
    lengths = np.diff(offsets)
    cutoffs = lengths[:, None] if ends is None else np.asarray(ends, dtype=np.int64)
    series = np.repeat(np.arange(len(lengths)), lengths)
    position = np.arange(len(values)) - offsets[:-1][series]
    scale = np.empty((*cutoffs.shape, values.shape[1]))
    for k, end in enumerate(cutoffs.T):  # a few cutoffs: one vectorised pass each
        lag = np.where(end > season, season, 1)
        rows = np.flatnonzero((position >= lag[series]) & (position < end[series]))
        owner = series[rows]
        with np.errstate(over="ignore", invalid="ignore"):
            change = np.abs(values[rows] - values[rows - lag[owner]])  # (n_changes, n_columns)
        totals = [np.bincount(owner, change[:, c], minlength=len(lengths))
                  for c in range(values.shape[1])]
        counts = (end - lag).astype(np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            scale[:, k] = np.stack(totals, axis=1) / np.where(counts > 0, counts, np.nan)[:, None]
    return scale[:, 0] if ends is None else scale


def _bounds(y_true, lower, upper) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    y_true, lower = _pair(y_true, lower)
    _, upper = _pair(y_true, upper)
    if np.any(lower > upper):
        raise ValueError("lower must not exceed upper; pass the bounds in that order.")
    return y_true, lower, upper


def coverage(y_true, lower, upper) -> float:
    """Share of ``y_true`` inside ``[lower, upper]`` (empirical coverage of an interval)."""
    y_true, lower, upper = _bounds(y_true, lower, upper)
    return float(np.mean((y_true >= lower) & (y_true <= upper)))


def interval_width(lower, upper) -> float:
    """Mean width ``upper - lower`` of an interval."""
    lower, upper = _pair(lower, upper)
    return float(np.mean(upper - lower))


def msis(y_true, lower, upper, y_train, coverage: float = 0.95, season: int = 1) -> float:
    """Mean scaled interval score (the M4 competition's measure of prediction intervals).

    ``width + (2 / alpha) * (lower - y)`` where ``y < lower`` and ``+ (2 / alpha) *
    (y - upper)`` where ``y > upper``, with ``alpha = 1 - coverage``, averaged and divided by
    the in-sample MAE of the seasonal naive forecast on ``y_train`` (as :func:`mase`). Lower is
    better: narrow intervals that still hold the actual values.

    Parameters
    ----------
    y_true, lower, upper : array-like of the same shape
        Actual values and the interval's bounds.
    y_train : array-like of shape (n_train,) or (n_train, n_series)
        The history the forecast was made from.
    coverage : float, default=0.95
        The interval's nominal coverage.
    season : int, default=1
        Seasonal period of the scaling.
    """
    y_true, lower, upper = _bounds(y_true, lower, upper)
    if not 0.0 < coverage < 1.0:
        raise ValueError(f"coverage must be strictly between 0 and 1; got coverage={coverage!r}.")
    alpha = 1.0 - coverage
    penalty = np.maximum(lower - y_true, 0.0) + np.maximum(y_true - upper, 0.0)
    score = np.mean(upper - lower + 2.0 / alpha * penalty)
    return float(score / _naive_scale(y_train, season, "msis"))


def pinball_loss(y_true, y_pred, quantiles) -> float:
    """Pinball (quantile) loss averaged over the values and the quantile levels.

    Parameters
    ----------
    y_true : array-like of shape (...)
    y_pred : array-like of shape (..., n_quantiles)
        The forecast quantiles, levels along the last axis.
    quantiles : float or array-like of shape (n_quantiles,)
        Their levels in (0, 1); the loss of level ``q`` at ``e = y - f`` is
        ``max(q * e, (q - 1) * e)``.
    """
    levels = np.atleast_1d(np.asarray(quantiles, dtype=np.float64))
    y_pred = np.asarray(y_pred, dtype=np.float64)
    if np.ndim(quantiles) == 0:
        y_pred = y_pred[..., None]
    if levels.ndim != 1 or np.any((levels <= 0) | (levels >= 1)):
        raise ValueError(f"quantiles must be levels strictly between 0 and 1; got {quantiles!r}.")
    if y_pred.shape[-1:] != levels.shape:
        raise ValueError(
            f"y_pred's last axis must hold one forecast per level of quantiles "
            f"({len(levels)}); got shape {y_pred.shape}."
        )
    y_true = np.asarray(y_true, dtype=np.float64)
    if y_true.shape != y_pred.shape[:-1]:
        raise ValueError(
            f"y_pred must have y_true's shape plus a last axis of quantiles; got "
            f"{y_true.shape} and {y_pred.shape}."
        )
    if y_true.size == 0:
        raise ValueError("y_true and y_pred are empty; pass at least one value.")
    errors = y_true[..., None] - y_pred
    return float(np.mean(np.maximum(levels * errors, (levels - 1) * errors)))
