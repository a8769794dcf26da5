"""Time labels as integer steps on a regular grid, and the labels that continue a series.

Owns the arithmetic that places rows in time: PeriodIndex ordinals, datetimes counted in months,
days, business days or nanoseconds (never by building a date range), and integer labels with a
constant step. Works on all series of a panel at once. Imports numpy and pandas only.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

_MONTHLY = (pd.offsets.MonthBegin, pd.offsets.MonthEnd, pd.offsets.BusinessMonthBegin,
            pd.offsets.BusinessMonthEnd)
_QUARTERLY = (pd.offsets.QuarterBegin, pd.offsets.QuarterEnd, pd.offsets.BQuarterBegin,
              pd.offsets.BQuarterEnd)
_DAY = 86_400 * 10**9  # nanoseconds
_YEARLY = (pd.offsets.YearBegin, pd.offsets.YearEnd, pd.offsets.BYearBegin, pd.offsets.BYearEnd)


def is_time_like(labels: pd.Index | None) -> bool:
    """True for labels that can sit on a time grid: Period, Datetime or integer labels."""
    return isinstance(labels, (pd.PeriodIndex, pd.DatetimeIndex)) or (
        isinstance(labels, pd.Index) and pd.api.types.is_integer_dtype(labels)
    )


def ticks(labels: pd.Index, freq) -> tuple[np.ndarray, int] | None:
    """Integer ticks of every label and the ticks in one step of ``freq``.

    Consecutive labels on the grid differ by exactly one step; None when ``freq`` has no
    arithmetic here (e.g. semi-month offsets). ``freq`` is the PeriodIndex's own frequency,
    a DateOffset for datetimes, or the int step of integer labels.
    """
    if isinstance(labels, pd.PeriodIndex):
        return labels.asi8, labels.freq.n
    if not isinstance(labels, pd.DatetimeIndex):
        return np.asarray(labels, dtype=np.int64), int(freq)
    if _elapsed(freq):
        return labels.as_unit("ns").asi8, int(freq.nanos)  # DST-proof
    wall = labels.tz_localize(None) if labels.tz is not None else labels  # calendar units
    n = freq.n
    if isinstance(freq, _MONTHLY + _QUARTERLY + _YEARLY):
        months = wall.year.to_numpy(np.int64) * 12 + wall.month.to_numpy(np.int64) - 1
        per = 1 if isinstance(freq, _MONTHLY) else 3 if isinstance(freq, _QUARTERLY) else 12
        return months, per * n
    # Calendar days of wall time, in nanoseconds so that the time of day must match too.
    nanos = wall.as_unit("ns").asi8
    time_of_day = np.mod(nanos, _DAY)
    if isinstance(freq, pd.offsets.Day):
        return nanos, n * _DAY
    if isinstance(freq, pd.offsets.Week) and freq.weekday is not None:
        return nanos, 7 * n * _DAY
    if type(freq) is pd.offsets.BusinessDay:
        days = (nanos - time_of_day).astype("datetime64[ns]").astype("datetime64[D]")
        business_days = np.busday_count(np.datetime64("1970-01-01", "D"), days)
        return business_days * _DAY + time_of_day, n * _DAY
    return None


def _elapsed(freq) -> bool:
    """Whether steps of ``freq`` are lengths of elapsed time (hours, minutes, ...), not of the
    calendar (days, weeks, months, ...), which move the wall clock."""
    return isinstance(freq, pd.offsets.Tick) and not isinstance(freq, pd.offsets.Day)


def off_grid(labels: pd.DatetimeIndex, freq) -> np.ndarray:
    """Mask of datetimes that ``freq`` does not land on (e.g. the 15th for month starts)."""
    if isinstance(freq, pd.offsets.Tick):
        return np.zeros(len(labels), dtype=bool)
    wall = labels.tz_localize(None) if labels.tz is not None else labels
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pd.errors.PerformanceWarning)
        return np.asarray(wall + freq.base * 0 != wall)


def steps_from(labels: pd.Index, anchors: pd.Index, freq) -> np.ndarray | None:
    """Steps of ``freq`` from ``anchors`` to ``labels`` (same length), or None off the grid
    (which labels of another kind than the anchors' are)."""
    if _kind(labels) != _kind(anchors):
        return None
    both = ticks(labels.append(anchors), freq)
    if both is None:
        return None
    values, unit = both
    steps, rest = np.divmod(values[: len(labels)] - values[len(labels) :], unit)
    return None if rest.any() else steps


def _kind(labels: pd.Index) -> tuple[str, bool]:
    """Periods, datetimes (and whether time-zone aware) or integers."""
    if isinstance(labels, pd.PeriodIndex):
        return "period", False
    if isinstance(labels, pd.DatetimeIndex):
        return "datetime", labels.tz is not None
    return "integer", False


def continue_labels(last: pd.Index, horizon: int, freq) -> pd.Index:
    """The ``horizon`` labels after each of ``last`` (n_series,), series-major (n * horizon,)."""
    k = np.arange(1, horizon + 1)
    if isinstance(last, pd.PeriodIndex):
        ordinals = last.asi8[:, None] + k * last.freq.n
        return pd.PeriodIndex.from_ordinals(ordinals.ravel(), freq=last.freq).rename(last.name)
    if isinstance(last, pd.DatetimeIndex):
        return _continue_datetimes(last, k, freq)
    values = np.asarray(last, dtype=np.int64)[:, None] + k * int(freq)
    if len(last) == 1 and int(freq) > 0:
        return pd.RangeIndex(values[0, 0], values[0, -1] + int(freq), int(freq), name=last.name)
    return pd.Index(values.ravel(), name=last.name)


def _continue_datetimes(last: pd.DatetimeIndex, k: np.ndarray, freq) -> pd.DatetimeIndex:
    """The datetimes ``k`` steps of ``freq`` after each of ``last``, series-major.

    As in :func:`ticks`, fixed-length steps (hours, minutes, ...) add elapsed time, so they
    stay DST-proof, while calendar steps (days, weeks, business days, months, ...) move the wall
    clock and keep its time of day across a DST change: the time-zone-free wall times are
    stepped, then put back in the zone. (pandas < 3 adds a ``Day`` to a time-zone-aware
    datetime as 24 hours of elapsed time.)
    """
    wall = last.tz is not None and not _elapsed(freq)
    start = last.tz_localize(None) if wall else last
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pd.errors.PerformanceWarning)
        steps = [start + step * freq for step in k]  # a loop over steps, not series
    stacked = np.stack([s.as_unit(last.unit).asi8 for s in steps], axis=1).ravel()
    index = pd.DatetimeIndex(stacked.view(f"M8[{last.unit}]"), name=last.name)
    if wall:
        index = _localized(index, last.tz)
    elif last.tz is not None:
        index = index.tz_localize("UTC").tz_convert(last.tz)
    if len(last) == 1:
        index.freq = freq
    return index


def _localized(wall: pd.DatetimeIndex, tz) -> pd.DatetimeIndex:
    """Wall-clock times ``wall`` placed in time zone ``tz``; ValueError when one of them does
    not exist there or occurs twice (a daily time of day inside a DST change)."""
    index = wall.tz_localize(tz, ambiguous="NaT", nonexistent="NaT")
    if index.isna().any():
        bad = wall[np.asarray(index.isna())][0]
        raise ValueError(
            f"A forecast step falls on {bad}, a wall-clock time that does not exist or occurs "
            f"twice in time zone {tz} (a daylight-saving change): the series' time of day "
            f"cannot continue there. Convert its index to UTC (index.tz_convert('UTC')) or "
            f"drop the time zone (index.tz_localize(None)) before fitting."
        )
    return index
