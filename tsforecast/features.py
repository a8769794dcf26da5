"""Calendar features for known-future covariates: the sine and cosine of each time label's
position in its cycle (month of the year, day of the week, hour of the day, ...).

The same call makes them for the history and for the forecast steps, since they depend on the
time labels only. Imports numpy and pandas only.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["CALENDAR_FEATURES", "calendar_features"]

# name -> (position in the cycle, starting at 0, as a function of the labels; cycle length)
CALENDAR_FEATURES = {
    "month": (lambda t: t.month - 1, lambda t: 12),
    "quarter": (lambda t: t.quarter - 1, lambda t: 4),
    "dayofweek": (lambda t: t.day_of_week, lambda t: 7),
    "dayofmonth": (lambda t: t.day - 1, lambda t: t.days_in_month),
    "dayofyear": (lambda t: t.day_of_year - 1, lambda t: np.where(t.is_leap_year, 366, 365)),
    "hour": (lambda t: t.hour, lambda t: 24),
    "minute": (lambda t: t.minute, lambda t: 60),
}
"""Features :func:`calendar_features` knows: name -> (position in the cycle, cycle length)."""


def calendar_features(index, features=("month",)):
    """Cyclic calendar features of time labels: ``<name>_sin`` and ``<name>_cos`` per feature.

    A feature at position ``p`` of a cycle of length ``n`` (e.g. month ``p = 0 .. 11``,
    ``n = 12``) becomes ``sin(2 pi p / n)`` and ``cos(2 pi p / n)``, so that the last and the
    first position of the cycle are neighbours. Build them for the history (as columns of
    ``X``) and for the forecast steps (``X_future``) alike, and name them in
    ``LSTMForecaster(columns={"future": [...]})``.

    Parameters
    ----------
    index : DatetimeIndex, PeriodIndex, a Series/DataFrame indexed by one, or a Series of
        datetimes or periods
        The time labels: an index, the index of a Series or DataFrame, or the values of a
        date column (e.g. ``long["ds"]`` of a long panel).
    features : str or sequence of str, default=("month",)
        Names from :data:`CALENDAR_FEATURES`: "month", "quarter", "dayofweek", "dayofmonth",
        "dayofyear", "hour", "minute".

    Returns
    -------
    DataFrame of shape (len(index), 2 * len(features))
        Indexed by the time labels; for a date column, by the column's own index, so that the
        features line up with the rows of its frame (``long.join(calendar_features(long["ds"]))``).

    Examples
    --------
    >>> import pandas as pd
    >>> from tsforecast import calendar_features
    >>> calendar_features(pd.period_range("2024-01", periods=3, freq="M")).round(3)
             month_sin  month_cos
    2024-01      0.000      1.000
    2024-02      0.500      0.866
    2024-03      0.866      0.500
    """
    labels, rows = _time_labels(index)
    names = [features] if isinstance(features, str) else list(features)
    unknown = [n for n in names if n not in CALENDAR_FEATURES]
    if unknown or not names:
        raise ValueError(
            f"Unknown calendar feature(s) {unknown or names}; choose from "
            f"{list(CALENDAR_FEATURES)}."
        )
    columns = {}
    for name in names:
        position, length = CALENDAR_FEATURES[name]
        angle = 2 * np.pi * np.asarray(position(labels), dtype=np.float64) / np.asarray(
            length(labels), dtype=np.float64)
        columns[f"{name}_sin"] = np.sin(angle)
        columns[f"{name}_cos"] = np.cos(angle)
    return pd.DataFrame(columns, index=rows)


def _time_labels(data) -> tuple[pd.Index, pd.Index]:
    """The time labels of ``data`` and the index of the result: a date column (a Series of
    datetimes or periods) gives its values and keeps its own index; anything else its index."""
    if isinstance(data, pd.Series) and _holds_times(data.dtype):
        return pd.Index(data), data.index
    index = data.index if isinstance(data, (pd.Series, pd.DataFrame)) else data
    if isinstance(index, (pd.DatetimeIndex, pd.PeriodIndex)):
        return index, index
    if isinstance(data, pd.Series):
        got = f"a Series of dtype {data.dtype} indexed by a {type(index).__name__}"
        fix = "pd.to_datetime(series)"
    else:
        got = f"a {type(data).__name__}" + (
            f" indexed by a {type(index).__name__}" if isinstance(data, pd.DataFrame) else "")
        fix = "pd.to_datetime(labels)"
    raise TypeError(
        f"calendar_features needs a DatetimeIndex or PeriodIndex, a Series or DataFrame "
        f"indexed by one, or a date column (a Series of datetimes or periods, e.g. "
        f"long['ds']); got {got}. Convert the labels first, e.g. {fix}."
    )


def _holds_times(dtype) -> bool:
    return pd.api.types.is_datetime64_any_dtype(dtype) or isinstance(dtype, pd.PeriodDtype)
