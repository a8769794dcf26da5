"""The values of future-known columns over a forecast (``predict(X_future=...)``), read from the
caller's form and checked against the forecast's time labels: one series' frame or array, a long
frame or (series, time) MultiIndex frame for a panel, or a dict or list of per-series ones.
Imports numpy and pandas only.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._panel import Form


def future_values(X_future, names: list, rows: int, form: Form, ids, labels) -> np.ndarray:
    """``X_future`` as (n_series, rows, F): the columns ``names`` over the ``rows`` forecast
    steps of every series (``labels``: their time labels, series-major, or None).

    Labelled input is aligned by label (extra rows are ignored); unlabelled input must have at
    least ``rows`` rows, of which the first ``rows`` are read.
    """
    if form.kind == "single":
        if (form.time_name is not None and isinstance(X_future, pd.DataFrame)
                and form.time_name in X_future.columns):
            X_future = X_future.set_index(form.time_name)  # its dates in a column, as at fit
        return _one_series(X_future, names, rows, labels, "X_future")[None]
    if form.kind in ("dict", "list"):
        return np.stack([
            _one_series(item, names, rows, _part(labels, s, rows), f"X_future[{key!r}]")
            for s, (key, item) in enumerate(_items(X_future, form.kind, ids))
        ])
    return _from_panel_frame(X_future, names, rows, form, ids, labels)


def _items(X_future, kind: str, ids) -> list:
    """(key, item) of every forecast series, from a dict (by id) or a list (by position)."""
    if kind == "dict":
        if not isinstance(X_future, dict):
            raise TypeError(
                f"X_future for a dict panel must be a dict of per-series frames or arrays; "
                f"got {type(X_future).__name__}."
            )
        missing = [key for key in ids if key not in X_future]
        if missing:
            raise ValueError(f"X_future has no values for series {missing[:5]}.")
        return [(key, X_future[key]) for key in ids]
    if not isinstance(X_future, (list, tuple)) or len(X_future) < len(ids):
        raise ValueError(
            f"X_future for a list panel must be a list of {len(ids)} per-series frames or "
            f"arrays, one per series forecast; got {type(X_future).__name__}"
            f"{f' of {len(X_future)}' if isinstance(X_future, (list, tuple)) else ''}."
        )
    return [(key, X_future[key]) for key in ids]


def _part(labels, series: int, rows: int):
    return None if labels is None else labels[series * rows : (series + 1) * rows]


def _one_series(data, names, rows, labels, what) -> np.ndarray:
    """(rows, F) values of one series' future-known columns."""
    if isinstance(data, pd.Series):
        data = data.to_frame(name=data.name if data.name is not None else names[0])
        if len(names) == 1:
            data.columns = names
    if isinstance(data, pd.DataFrame):
        missing = [n for n in names if n not in data.columns]
        if missing:
            raise ValueError(
                f"{what} lacks the future column(s) {missing}; it has {list(data.columns)}. "
                f"Pass a frame with the future columns {names}."
            )
        frame = data[names]
        if labels is not None:
            frame = _aligned(frame, labels, what)
        values = frame.to_numpy(dtype=np.float64)
    else:
        values = np.asarray(data, dtype=np.float64)
        if values.ndim == 1 and len(names) == 1:
            values = values[:, None]
        if values.ndim != 2 or values.shape[1] != len(names):
            raise ValueError(
                f"{what} must have shape (n_rows, {len(names)}): one column per future column "
                f"{names}; got shape {values.shape}."
            )
    if len(values) < rows:
        raise ValueError(
            f"{what} has {len(values)} rows, but the forecast needs the future columns for "
            f"{rows} steps (max(n_steps, horizon)); pass at least {rows} rows."
        )
    values = values[:rows]
    _check_finite(values, what)
    return values


def _aligned(frame: pd.DataFrame, labels: pd.Index, what: str) -> pd.DataFrame:
    """The rows of ``frame`` at ``labels``; ValueError when any label is missing.

    Rows are found by exact lookup (``get_indexer``), not ``labels.isin``: under pandas < 3
    ``isin`` matches datetimes to strings that parse as them, which no lookup then finds.
    """
    if not frame.index.is_unique:
        raise ValueError(f"{what}'s index has duplicate labels; pass one row per time step.")
    positions = frame.index.get_indexer(labels)
    present = positions >= 0
    if not present.all():
        _check_time_kind(frame.index, labels, f"{what}'s index", f"{what}.index")
        first = labels[int(np.argmin(present))]
        span = f"{frame.index[0]} .. {frame.index[-1]}" if len(frame) else "nothing"
        raise ValueError(
            f"{what} has no row for the forecast step {first}: the forecast covers "
            f"{labels[0]} .. {labels[-1]} ({len(labels)} steps), {what}'s index covers {span}. "
            f"Index X_future by the forecast's time labels (the steps after the context)."
        )
    return frame.iloc[positions]


def _from_panel_frame(X_future, names, rows, form, ids, labels) -> np.ndarray:
    """(n_series, rows, F) from a long frame (id and time columns) or a MultiIndex frame."""
    if not isinstance(X_future, pd.DataFrame):
        raise TypeError(
            f"X_future for a panel must be a DataFrame with the columns {form.id_name!r}, "
            f"{form.time_name!r} and the future columns, or with a (series, time) MultiIndex; "
            f"got {type(X_future).__name__}."
        )
    frame = X_future
    if not isinstance(frame.index, pd.MultiIndex):
        keys = [form.id_name, form.time_name]
        absent = [k for k in keys if k not in frame.columns]
        if absent:
            raise ValueError(
                f"X_future has no column(s) {absent}; a panel's future values need the id and "
                f"time of every row, as columns {keys} or as a (series, time) MultiIndex."
            )
        frame = frame.set_index(keys)
    wanted = pd.MultiIndex.from_arrays([np.repeat(np.asarray(ids, dtype=object), rows), labels])
    missing_columns = [n for n in names if n not in frame.columns]
    if missing_columns:
        raise ValueError(
            f"X_future lacks the future column(s) {missing_columns}; it has "
            f"{list(frame.columns)}."
        )
    if not frame.index.is_unique:
        raise ValueError("X_future has duplicate (series, time) rows; pass one row per step.")
    positions = frame.index.get_indexer(wanted)  # exact lookups, as in _aligned
    present = positions >= 0
    if not present.all():
        if isinstance(X_future.index, pd.MultiIndex):
            where, code = "X_future's time level", "the time level of X_future's index"
        else:
            where, code = f"X_future's time column {form.time_name!r}", (
                f"X_future[{form.time_name!r}]")
        _check_time_kind(frame.index.get_level_values(-1), labels, where, code)
        series, time = wanted[int(np.argmin(present))]
        raise ValueError(
            f"X_future has no row for series {series!r} at {time}: every series forecast needs "
            f"its future columns for each of the {rows} forecast steps (from {labels[0]})."
        )
    values = frame[names].iloc[positions].to_numpy(dtype=np.float64)
    _check_finite(values, "X_future")
    return values.reshape(len(ids), rows, len(names))


def _check_time_kind(given: pd.Index, labels, where: str, code: str) -> None:
    """Raise when time labels ``given`` can never match the forecast's ``labels``: text, or
    another kind of time, where the forecast is labelled by datetimes or periods."""
    if labels is None or not isinstance(labels, (pd.DatetimeIndex, pd.PeriodIndex)) or (
            type(given) is type(labels)) or len(given) == 0:
        return
    kind = pd.api.types.infer_dtype(given, skipna=True)
    held = "strings" if kind == "string" else f"values of dtype {given.dtype}"
    if isinstance(labels, pd.DatetimeIndex):
        want = "datetimes"
        fix = (f"{code}.to_timestamp()" if isinstance(given, pd.PeriodIndex)
               else f"pd.to_datetime({code})")
        if labels.tz is not None:
            fix += f".tz_localize({str(labels.tz)!r})"
    else:
        want = "periods"
        fix = (f"{code}.to_period({labels.freqstr!r})" if isinstance(given, pd.DatetimeIndex)
               else f"pd.PeriodIndex({code}, freq={labels.freqstr!r})")
    raise ValueError(
        f"{where} holds {held} (e.g. {given[0]!r}), but the forecast's time labels are "
        f"{want} like the index seen at fit (e.g. {labels[0]}), so no row matches. Convert "
        f"them first, e.g. with {fix}."
    )


def _check_finite(values: np.ndarray, what: str) -> None:
    if not np.isfinite(values).all():
        row = int(np.argwhere(~np.isfinite(values))[0][0])
        raise ValueError(f"{what} holds NaN or infinite values (first at forecast step {row}).")
