"""Turn user input (list, ndarray, Series, DataFrame) into checked float arrays, index and names.

Owns every rule about what input is acceptable and the error that says why not; imports only
numpy and pandas, never torch.
"""

from __future__ import annotations

import datetime
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Table:
    """A checked 2-D numeric table: rows are time steps, in order."""

    values: np.ndarray  # (n_rows, n_columns) float64, never the caller's buffer written to
    index: pd.Index | None  # the pandas index, or None for list/ndarray input
    columns: list | None  # column names for pandas input, else None
    is_pandas: bool
    is_1d: bool


def as_table(data, name: str = "X") -> Table:
    """Check ``data`` and return it as a :class:`Table` of float64 values.

    A table may have rows and no columns (``fit(X, y)`` with no covariates); callers that need
    columns check for them (:func:`select_columns`, :func:`check_same_length`).
    """
    if isinstance(data, pd.DataFrame):
        return _table_from_frame(data, name)
    if isinstance(data, pd.Series):
        frame = data.to_frame(name=data.name if data.name is not None else 0)
        table = _table_from_frame(frame, name)
        columns = [data.name] if data.name is not None else None
        return Table(table.values, table.index, columns, True, True)
    if isinstance(data, (list, tuple, np.ndarray)) or hasattr(data, "__array__"):
        values = _numeric_array(data, name)
        is_1d = values.ndim == 1
        values = values.reshape(-1, 1) if is_1d else values
        _check_finite(values, name, index=None, columns=None)
        return Table(values, None, None, False, is_1d)
    raise TypeError(
        f"{name} must be a list, numpy array, pandas Series or DataFrame; "
        f"got {type(data).__name__}."
    )


def _numeric_array(data, name: str) -> np.ndarray:
    """Convert array-like input to a 1-D or 2-D float64 array, or raise a clear error."""
    _check_masked(data, name)
    try:
        array = np.asarray(data)
    except ValueError:
        raise ValueError(
            f"{name} must be rectangular: a list of numbers, or of equally long rows; its rows "
            f"have different lengths. Pad or drop the short rows first."
        ) from None
    if array.dtype.kind in "mM" or (array.dtype.kind == "O" and _holds_times(array)):
        raise TypeError(
            f"{name} holds dates or times (received: {type(data).__name__}, read as values of "
            f"dtype {array.dtype}); they would be read as numbers. Pass a pandas Series or "
            f"DataFrame with the times as its index instead (e.g. df.set_index('date'); from "
            f"polars or pyarrow: .to_pandas() first), and only numeric columns as values."
        )
    if array.dtype.kind in "OUSV":
        try:
            array = array.astype(np.float64)
        except (TypeError, ValueError):
            raise TypeError(
                f"{name} must hold numbers; got values of dtype {array.dtype} that cannot be "
                f"converted to float. Convert or drop the non-numeric values first."
            ) from None
    if array.dtype.kind not in "biuf":
        raise TypeError(
            f"{name} must hold real numbers; got dtype {array.dtype}. "
            f"Convert it to float (datetimes belong in a pandas index, not in the values)."
        )
    if array.ndim not in (1, 2):
        raise ValueError(
            f"{name} must be 1-D (one series) or 2-D (rows are time steps, columns are "
            f"series); got an array of shape {array.shape}."
        )
    if array.shape[0] == 0:  # rows but no columns is allowed: no covariates
        raise ValueError(f"{name} is empty (shape {array.shape}); pass at least one time step.")
    return array.astype(np.float64, copy=False)


TIME_TYPES = (np.datetime64, np.timedelta64, datetime.date, datetime.time, datetime.timedelta,
              pd.Period)


def _holds_times(array: np.ndarray) -> bool:
    """True when an object array holds dates, times or durations (float() may accept them)."""
    return any(issubclass(kind, TIME_TYPES) for kind in set(map(type, array.flat)))


def _check_masked(data, name: str) -> None:
    """Reject a numpy masked array with masked values: np.asarray would drop the mask."""
    if isinstance(data, np.ma.MaskedArray) and np.ma.is_masked(data):
        raise TypeError(
            f"{name} is a numpy masked array with {int(np.ma.count_masked(data))} masked "
            f"value(s), which would be read as ordinary numbers. Fill them first, e.g. "
            f"pd.Series({name}.filled(np.nan)).interpolate(), or pass {name}.compressed() to "
            f"drop them."
        )


def _table_from_frame(frame: pd.DataFrame, name: str) -> Table:
    """Check a DataFrame's columns and index and return its values as a Table."""
    if frame.shape[0] == 0:
        raise ValueError(f"{name} is empty (shape {frame.shape}); pass at least one time step.")
    if not frame.columns.is_unique:
        repeated = list(dict.fromkeys(frame.columns[frame.columns.duplicated()]))
        raise ValueError(
            f"{name} has duplicate column names {repeated}; each column needs its own name, so "
            f"that targets and feature names are unambiguous. Rename or drop the duplicates."
        )
    dtypes = frame.dtypes.items()
    kinds = {str(col): str(dtype) for col, dtype in dtypes if not is_real_dtype(dtype)}
    if kinds:
        times = [col for col in frame.columns if str(col) in kinds and _is_time(frame[col])]
        hint = (
            f" Column {times[0]!r} holds dates or times: name it as the time column, "
            f"LSTMForecaster(columns={{'time': {times[0]!r}}}), or make it the index with "
            f"{name}.set_index({times[0]!r})."
            if times and frame.shape[1] > 1
            else ""
        )
        raise TypeError(
            f"{name} has non-numeric columns {kinds}; every column must be numeric. "
            f"Drop them or encode them as numbers first.{hint}"
        )
    _check_index(frame.index, name, frame)
    values = frame.to_numpy(dtype=np.float64, copy=False)
    _check_finite(values, name, index=frame.index, columns=list(frame.columns))
    return Table(values, frame.index, list(frame.columns), True, False)


def _is_time(column: pd.Series) -> bool:
    """True for a datetime, timedelta or period column, or an object column of such values."""
    dtype = column.dtype
    if isinstance(dtype, (pd.DatetimeTZDtype, pd.PeriodDtype)) or dtype.kind in "mM":
        return True
    if dtype.kind != "O":
        return False
    return pd.api.types.infer_dtype(column, skipna=True) in (
        "datetime64", "datetime", "date", "timedelta64", "timedelta", "time", "period"
    )


def is_real_dtype(dtype) -> bool:
    if isinstance(dtype, pd.CategoricalDtype):
        return False
    return pd.api.types.is_bool_dtype(dtype) or (
        pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_complex_dtype(dtype)
    )


def _check_index(index: pd.Index, name: str, frame: pd.DataFrame | None = None) -> None:
    """Reject duplicate or unsorted timestamps: rows must be time steps in order."""
    if not isinstance(index, (pd.DatetimeIndex, pd.PeriodIndex)):
        return
    if index.hasnans:
        raise ValueError(f"{name} has missing timestamps (NaT) in its index; drop or fill them.")
    if not index.is_unique:
        raise repeated_times_error(index, name, frame)
    if not index.is_monotonic_increasing:
        raise ValueError(
            f"{name}'s index is not sorted in time; sort it first with X.sort_index()."
        )


def repeated_times_error(labels: pd.Index, name: str, frame: pd.DataFrame | None = None,
                         time_column=None) -> ValueError:
    """The error for one series whose time labels repeat: ``labels`` are its index, or its
    ``time_column`` of ``frame``. Most rows repeated, or a column that tells the series apart,
    mean a long panel (several series stacked), which needs its id column named; a few repeats,
    one series to aggregate."""
    repeated = labels.duplicated(keep=False)
    first = labels[labels.duplicated()][0]
    where = "in its index" if time_column is None else f"in its time column {time_column!r}"
    ids = _id_column_candidate(frame, labels, time_column)
    time_name = time_column if time_column is not None else labels.name
    aggregate = (f"{name}.groupby(level=0).mean()" if time_column is None
                 else f"{name}.groupby({time_column!r}, as_index=False).mean()")
    found = (f"{name} has duplicate timestamps {where} (first: {first}; {int(repeated.sum())} "
             f"of {len(labels)} rows share their timestamp)")
    if ids is None and repeated.mean() < 0.5:
        return ValueError(f"{found}; one series has one row per time step. Aggregate the "
                          f"repeats, e.g. {aggregate}.")
    id_text = repr(ids) if ids is not None else "'<the id column>'"
    time_text = repr(time_name) if time_name is not None else "'index'"
    make = (f"{name}.reset_index() with " if time_column is None else "")
    seen = f", told apart by {ids!r}" if ids is not None else ""
    return ValueError(
        f"{found}: it looks like a long panel (several series stacked{seen}) read as one "
        f"series. Name its id and time columns: {make}LSTMForecaster(columns={{'id': {id_text}, "
        f"'time': {time_text}}}). If it is one series, aggregate the repeats instead, e.g. "
        f"{aggregate}."
    )


def _id_column_candidate(frame: pd.DataFrame | None, labels: pd.Index, time_column):
    """A column of ``frame`` that could hold series ids: integer, boolean, categorical or text
    values, each repeated, and no (value, time label) pair twice; None when there is none."""
    if frame is None or not frame.columns.is_unique:
        return None
    for column in frame.columns:
        values = frame[column]
        if column == time_column or pd.api.types.is_float_dtype(values.dtype) or (
                values.dtype.kind in "mMfc") or isinstance(values.dtype, pd.PeriodDtype):
            continue
        n_unique = values.nunique(dropna=False)
        if not 2 <= n_unique <= len(values) // 2:
            continue
        pairs = pd.MultiIndex.from_arrays([values.to_numpy(), np.asarray(labels)])
        if pairs.is_unique:
            return column
    return None


def _check_finite(values: np.ndarray, name: str, index, columns) -> None:
    """Raise a ValueError that locates the first NaN or infinite value."""
    bad = ~np.isfinite(values)
    if not bad.any():
        return
    row, col = np.argwhere(bad)[0]
    kind = "NaN" if np.isnan(values[row, col]) else "infinite"
    where_row = index[row] if index is not None else int(row)
    where_col = f" column {columns[col]!r}" if columns is not None else ""
    raise ValueError(
        f"{name} contains {bad.sum()} NaN or infinite value(s); the first ({kind}) is at "
        f"row {where_row}{where_col}. Fill or drop them first, e.g. X.interpolate() or "
        f"X.dropna()."
    )


def check_column_names(names: list, columns: list, parameter: str, kind: str) -> None:
    """Raise unless each of ``names`` (``kind`` columns given as ``parameter``) is one of
    ``columns``, once."""
    missing = [n for n in names if n not in columns]
    if missing:
        raise ValueError(
            f"{kind} column(s) {missing} not in X; available columns: {columns}."
        )
    if len(set(names)) != len(names):
        raise ValueError(f"{parameter} names a column twice: {names}.")


def select_columns(table: Table, target) -> tuple[list[int], list[int]]:
    """Return (target positions, covariate positions) for ``target`` in ``table``."""
    n_columns = table.values.shape[1]
    if n_columns == 0:
        raise ValueError(
            f"X has {table.values.shape[0]} rows but no columns, so there is no series to "
            f"forecast; pass the series as X, or the targets as y with fit(X, y)."
        )
    if target is None:
        return list(range(n_columns)), []
    names = _target_names(target)
    columns = table.columns
    if columns is None:
        if not all(isinstance(n, (int, np.integer)) for n in names):
            raise ValueError(
                f"target={target!r} names columns, but X has no column names (it is not a "
                f"DataFrame); pass column positions (target=0), a DataFrame, or pass the "
                f"target series as y: fit(X, y)."
            )
        columns = list(range(n_columns))
    check_column_names(names, columns, "target", "target")
    targets = [columns.index(n) for n in names]
    covariates = [i for i in range(n_columns) if i not in targets]
    return targets, covariates


def _target_names(target) -> list:
    """``target`` as a list of column names or positions; TypeError/ValueError when it is not."""
    bad_kinds = (bool, np.bool_, float, np.floating)
    if isinstance(target, (str, np.integer, int)) and not isinstance(target, (bool, np.bool_)):
        return [target.item() if isinstance(target, np.integer) else target]
    if isinstance(target, (list, tuple, np.ndarray, pd.Index)) and np.ndim(target) == 1:
        names = [n.item() if isinstance(n, np.integer) else n for n in target]
        if not names:
            raise ValueError(
                "target=[] names no column; pass at least one target column, or target=None "
                "to forecast every column."
            )
        if not any(isinstance(n, bad_kinds) for n in names):
            return names
    raise TypeError(
        f"target must be a column name, an int position, a list of them, or None; got "
        f"target={target!r} ({type(target).__name__}). Pass e.g. target='sales', target=0 or "
        f"target=['sales', 'price']."
    )


def check_same_length(x_table: Table, y_table: Table) -> None:
    """Raise if y (targets) has no column, or X (covariates) and y differ in their rows."""
    if y_table.values.shape[1] == 0:
        raise ValueError(
            f"y has {y_table.values.shape[0]} rows but no columns; pass at least one target "
            f"series."
        )
    if x_table.values.shape[0] != y_table.values.shape[0]:
        raise ValueError(
            f"X and y must be row-aligned: X has {x_table.values.shape[0]} rows but y has "
            f"{y_table.values.shape[0]}."
        )


def regular_frequency(index: pd.Index | None, name: str = "X"):
    """Return the frequency of a DatetimeIndex/PeriodIndex, or None for any other index."""
    if isinstance(index, pd.PeriodIndex):
        return index.freq
    if not isinstance(index, pd.DatetimeIndex):
        return None
    if index.freq is not None:
        return index.freq
    freq = infer_frequency(index)
    if freq is None and len(index) < 3:
        raise ValueError(
            f"{name} has only {len(index)} row(s) and its DatetimeIndex has no freq set, so the "
            f"frequency of the forecast's timestamps cannot be inferred (that needs 3 rows); "
            f"pass a longer series or set the frequency, e.g. X.asfreq('D')."
        )
    if freq is None:
        raise ValueError(
            f"{name}'s DatetimeIndex has no regular frequency, so the forecast's timestamps "
            f"cannot be continued; resample to a regular frequency first "
            f"(e.g. X.asfreq('D') or X.resample('MS').mean()), or drop the index with "
            f"X.reset_index(drop=True)."
        )
    return pd.tseries.frequencies.to_offset(freq)


def infer_frequency(index: pd.DatetimeIndex):
    """``pd.infer_freq`` as an offset (None when irregular or shorter than 3), without warnings."""
    if len(index) < 3:
        return None
    with warnings.catch_warnings():
        # pandas 3 warns that infer_freq will return an offset instead of a string; both work here
        warnings.simplefilter("ignore", DeprecationWarning)
        freq = pd.infer_freq(index)
    return None if freq is None else pd.tseries.frequencies.to_offset(freq)


def integer_step(index: pd.Index) -> int | None:
    """The constant non-zero step of an integer index (1 for one label); None if irregular."""
    if isinstance(index, pd.RangeIndex):
        return index.step
    if len(index) == 1:
        return 1
    steps = np.diff(index.to_numpy())
    if steps[0] == 0 or (steps != steps[0]).any():
        return None
    return int(steps[0])


def check_int(name: str, value, minimum: int, maximum: int | None = None) -> None:
    """Raise unless ``value`` is an int in [minimum, maximum]."""
    ok = isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))
    if ok and value >= minimum and (maximum is None or value <= maximum):
        return
    bound = f">= {minimum}" if maximum is None else f"in [{minimum}, {maximum}]"
    error = ValueError if ok else TypeError
    raise error(f"{name} must be an int {bound}; got {name}={value!r}.")


def check_float(name: str, value, low: float, high: float, *, closed: str = "left") -> None:
    """Raise unless ``value`` is a real number in the interval (``closed``: left/right/both)."""
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    left = "[" if closed in ("left", "both") else "("
    right = "]" if closed in ("right", "both") else ")"
    interval = f"{left}{low}, {high}{right}"
    if not ok:
        raise TypeError(f"{name} must be a number in {interval}; got {name}={value!r}.")
    above = value >= low if left == "[" else value > low
    below = value <= high if right == "]" else value < high
    if not (above and below):
        raise ValueError(f"{name} must be in {interval}; got {name}={value!r}.")


def check_bool(name: str, value) -> None:
    """Raise unless ``value`` is a bool."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False; got {name}={value!r}.")


def check_auto_bool(name: str, value) -> None:
    """Raise unless ``value`` is "auto" or a bool (a setting "auto" leaves to the data)."""
    if not (isinstance(value, (bool, np.bool_)) or (isinstance(value, str) and value == "auto")):
        raise ValueError(f"{name} must be 'auto', True or False; got {name}={value!r}.")


# rule-code prefix -> seasonal period, most specific first ("BME" before "B")
SEASONAL_PERIODS = (
    ("ME", 12), ("MS", 12), ("BME", 12), ("BMS", 12), ("QE", 4), ("QS", 4), ("BQ", 4),
    ("W", 52), ("D", 7), ("B", 5), ("h", 24),
)


def seasonal_period(freq) -> int:
    """Seasonal period of a pandas frequency (12 for monthly, ...); 1 when unknown or None."""
    if freq is None:
        return 1
    code = pd.tseries.frequencies.to_offset(freq).rule_code  # "ME", "QE-DEC", "W-SUN", "h", ...
    for prefix, season in SEASONAL_PERIODS:
        if code.startswith(prefix):
            return season
    return 1
