"""Every accepted input form, one series or a panel of many, as one :class:`Panel`: the values
of all series stacked, their offsets, ids, time labels and static covariates.

Forms: a list, ndarray, Series or DataFrame (one series); a long DataFrame with id and time
columns; a DataFrame or Series with a (series, time) MultiIndex; a dict or list of Series,
DataFrames or arrays. Owns the panel rules and their error messages; the per-series table rules
stay in _validation. Imports numpy and pandas only.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from . import _timegrid
from ._validation import (
    as_table,
    check_column_names,
    check_same_length,
    infer_frequency,
    integer_step,
    is_real_dtype,
    regular_frequency,
    repeated_times_error,
    select_columns,
)
from ._windowing import ragged_arange

FORMS = ("single", "long", "multiindex", "dict", "list")


@dataclass(frozen=True)
class Form:
    """How the input was laid out, so that outputs can mirror it."""

    kind: str  # one of FORMS
    is_pandas: bool  # pandas values in: pandas out
    series_out: bool  # Series in (one target): Series out
    target_names: list | None
    id_name: object = None  # long: the id column; multiindex: the id level's name
    time_name: object = None


@dataclass(frozen=True)
class Panel:
    """One or many series stacked row-wise; rows of each series are consecutive time steps.

    ``values`` has the targets first, then the past covariates, then the ``n_future``
    future-known covariates (read over the window like past covariates, and over the horizon).
    Series ``s`` is rows ``offsets[s]:offsets[s + 1]``.
    """

    values: np.ndarray  # (n_rows, n_targets + n_covariates) float64
    offsets: np.ndarray  # (n_series + 1,) int64
    n_targets: int
    time: pd.Index | None  # (n_rows,) time labels; None when there is no pandas index
    freq: object  # the grid: a DateOffset or an int step; None when the labels are not on one
    ids: pd.Index | None  # (n_series,) series ids; None for one series given alone
    static: np.ndarray | None  # (n_series, n_static) static covariates, or None
    form: Form
    feature_names: list | None = None  # names of the input's value columns (feature_names_in_)
    n_features: int = 0  # columns of X (n_features_in_)
    static_names: list = field(default_factory=list)
    n_future: int = 0  # future-known columns: the last n_future columns of values

    @property
    def n_series(self) -> int:
        return len(self.offsets) - 1

    @property
    def lengths(self) -> np.ndarray:
        return np.diff(self.offsets)

    def last_labels(self) -> pd.Index | None:
        """Each series' last time label (n_series,), or None without time labels."""
        return None if self.time is None else self.time[self.offsets[1:] - 1]

    def series_of_rows(self) -> np.ndarray:
        return np.repeat(np.arange(self.n_series), self.lengths)

    def take(self, series: np.ndarray) -> Panel:
        """The panel of the series at positions ``series`` (increasing), with their ids and
        static covariates."""
        series = np.asarray(series, dtype=np.int64)
        lengths = self.lengths[series]
        rows = np.repeat(self.offsets[series], lengths) + ragged_arange(lengths)
        return replace(
            self, values=self.values[rows],
            offsets=np.concatenate([[0], np.cumsum(lengths)]),
            time=None if self.time is None else self.time[rows],
            ids=None if self.ids is None else self.ids[series],
            static=None if self.static is None else self.static[series],
        )

    def head(self, keep: np.ndarray) -> Panel:
        """The panel of each series' first ``keep[s]`` rows (each at least 1): the rows a fit
        may see before a cutoff."""
        keep = np.asarray(keep, dtype=np.int64)
        starts = self.offsets[:-1]
        rows = np.repeat(starts, keep) + ragged_arange(keep)
        offsets = np.concatenate([[0], np.cumsum(keep)])
        time = None if self.time is None else self.time[rows]
        return replace(self, values=self.values[rows], offsets=offsets, time=time)


def as_panel(
    X, y=None, *, target=None, id_column="unique_id", time_column="ds", static_columns=None,
    freq=None, future_columns=None,
) -> Panel:
    """Check any accepted input and return it as a :class:`Panel`.

    ``freq`` is the grid seen at fit, if any: labels of the same kind are checked against it
    instead of having their own frequency inferred (so short contexts need no inference).
    ``future_columns`` (names, or positions for numpy) are covariates known in advance: they
    become the last columns of ``values``, and with ``target=None`` they are not targets.
    """
    future = future_names(future_columns)
    if y is not None:
        if _is_panel_input(X, id_column) or _is_panel_input(y, id_column):
            raise ValueError(
                "fit(X, y) takes one series; for a panel pass one frame whose columns hold "
                "the target(s) and the past covariates, and pick the targets with target=...."
            )
        return _from_covariates_and_targets(X, y, target, freq, future)
    statics = _names(static_columns, "columns['static']")
    both = [name for name in future if name in statics]
    if both:
        raise ValueError(
            f"column(s) {both} are in both columns['static'] and columns['future']; a static "
            f"covariate holds one value per series, a future-known one a value per time step. "
            f"Name each column in one of them."
        )
    if isinstance(X, pd.DataFrame) and id_column in X.columns:
        return _from_long(X, target, id_column, time_column, statics, freq, future)
    if isinstance(X, (pd.DataFrame, pd.Series)) and isinstance(X.index, pd.MultiIndex):
        return _from_multiindex(X, target, statics, freq, future)
    if isinstance(X, dict) or _is_list_of_series(X):
        return _from_collection(X, target, statics, freq, future)
    time_name = None
    if isinstance(X, pd.DataFrame):
        _check_not_an_unnamed_panel(X, id_column, time_column)
        X, time_name = _indexed_by_time_column(X, time_column)
    if statics:
        raise ValueError(
            f"columns['static']={static_columns!r} needs a panel (a long frame with an "
            f"{id_column!r} column, a (series, time) MultiIndex, or a dict of frames); a single "
            f"series has no static covariates."
        )
    return _from_single(X, target, freq, future, time_name)


def _indexed_by_time_column(frame: pd.DataFrame, time_column):
    """One series whose time labels are its column ``time_column`` (datetimes or periods): a
    new frame indexed by them, in time order, and the column's name. A frame without that
    column, or with numbers in it (a value column), is returned as it is, with None."""
    if time_column not in frame.columns or not frame.columns.is_unique:
        return frame, None
    column = frame[time_column]
    if is_real_dtype(column.dtype):
        return frame, None
    labels = pd.Index(column, name=time_column)
    if not isinstance(labels, (pd.DatetimeIndex, pd.PeriodIndex)):
        raise TypeError(
            f"X's time column {time_column!r} must hold datetimes or periods; got dtype "
            f"{column.dtype} (e.g. {column.iloc[0]!r}). Convert it first, e.g. "
            f"X[{time_column!r}] = pd.to_datetime(X[{time_column!r}])."
        )
    if labels.hasnans:
        raise ValueError(
            f"X's time column {time_column!r} holds missing values (NaT); drop or fill them."
        )
    if not labels.is_unique:
        raise repeated_times_error(labels, "X", frame, time_column)
    order = np.argsort(labels.asi8, kind="stable")
    return frame.drop(columns=time_column).iloc[order].set_axis(labels[order]), time_column


def _check_not_an_unnamed_panel(frame: pd.DataFrame, id_column, time_column) -> None:
    """A frame with text columns (the time column aside) is most likely a long panel whose id
    column has another name: say so, instead of only that the columns are not numeric."""
    kinds = [(c, pd.api.types.infer_dtype(frame.iloc[:, i], skipna=True))
             for i, (c, dtype) in enumerate(frame.dtypes.items())
             if isinstance(dtype, pd.CategoricalDtype) or pd.api.types.is_string_dtype(dtype)]
    text = [c for c, kind in kinds if kind in ("string", "categorical") and c != time_column]
    if not text:
        return
    dtypes = list(frame.dtypes.items())
    times = [c for c, dtype in dtypes if pd.api.types.is_datetime64_any_dtype(dtype)
             or isinstance(dtype, pd.PeriodDtype)]
    time_hint = (f", 'time': {times[0]!r}" if times and time_column not in frame.columns
                 else "")
    raise TypeError(
        f"X has non-numeric (text) columns {text} and no {id_column!r} column. If "
        f"{text[0]!r} identifies "
        f"the series of a long panel, say so: LSTMForecaster(columns={{'id': {text[0]!r}"
        f"{time_hint}}}); otherwise drop the text columns or encode them as numbers."
    )


def _is_panel_input(data, id_column) -> bool:
    return (
        isinstance(data, dict)
        or _is_list_of_series(data)
        or (isinstance(data, pd.DataFrame) and id_column in data.columns)
        or (isinstance(data, (pd.Series, pd.DataFrame)) and isinstance(data.index, pd.MultiIndex))
    )


def _is_list_of_series(data) -> bool:
    kinds = (pd.Series, pd.DataFrame, np.ndarray)
    return isinstance(data, (list, tuple)) and len(data) > 0 and all(
        isinstance(item, kinds) for item in data
    )


def _names(value, name) -> list:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


# -- one series -------------------------------------------------------------------------------


def _from_single(X, target, hint, future=(), time_name=None) -> Panel:
    """One series; ``time_name``: the column its time labels came from (X_future may hold
    them there too)."""
    table = as_table(X, "X")
    targets, covariates, n_future = _select(table, target, future)
    values = table.values[:, targets + covariates]
    names = None if table.columns is None else [table.columns[i] for i in targets]
    form = Form("single", table.is_pandas, table.is_1d and table.is_pandas, names,
                time_name=time_name)
    return _single(values, len(targets), table.index, form, table.columns, table.values.shape[1],
                   hint, n_future)


def _from_covariates_and_targets(X, y, target, hint, future=()) -> Panel:
    if target is not None:
        raise ValueError(
            f"target={target!r} picks target columns of X, but y was given too; use either "
            f"fit(X) with target=..., or fit(X, y) with target=None."
        )
    y_table = as_table(y, "y")
    x_table = _covariate_table(X, y_table)
    check_same_length(x_table, y_table)
    _check_same_index(x_table.index, y_table.index)
    order, n_future = _future_last(x_table, future)
    values = np.hstack([y_table.values, x_table.values[:, order]])
    index = y_table.index if y_table.is_pandas else None
    form = Form("single", y_table.is_pandas, y_table.is_1d and y_table.is_pandas,
                y_table.columns)
    n_features = x_table.values.shape[1]
    return _single(values, y_table.values.shape[1], index, form, x_table.columns, n_features,
                   hint, n_future)


def _check_same_index(x_index: pd.Index | None, y_index: pd.Index | None) -> None:
    """X and y, both labelled, must label the same rows (a default RangeIndex is positional)."""
    if x_index is None or y_index is None or x_index.equals(y_index):
        return
    if any(isinstance(i, pd.RangeIndex) and i.start == 0 and i.step == 1
           for i in (x_index, y_index)):
        return
    raise ValueError(
        f"X and y must label the same rows, but X's index runs {x_index[0]!r} .. "
        f"{x_index[-1]!r} and y's {y_index[0]!r} .. {y_index[-1]!r}; align them first, e.g. "
        f"X = X.reindex(y.index)."
    )


def _covariate_table(X, y_table):
    """X as a table; a frame with rows but no columns means no covariates."""
    if isinstance(X, pd.DataFrame) and X.shape[1] == 0 and X.shape[0] > 0:
        values = np.empty((X.shape[0], 0))
        return type(y_table)(values, X.index, [], True, False)
    return as_table(X, "X")


def _single(values, n_targets, index, form, feature_names, n_features, hint, n_future=0) -> Panel:
    freq = _single_frequency(index, hint) if index is not None else None  # None: not on a grid
    offsets = np.array([0, len(values)], dtype=np.int64)
    return Panel(values, offsets, n_targets, index, freq, None, None, form, feature_names,
                 n_features, n_future=n_future)


def _single_frequency(index: pd.Index, hint):
    """The grid of one series' index; None when its labels are not time-like."""
    offsets = np.array([0, len(index)])
    if isinstance(index, pd.PeriodIndex):
        _check_regular(index, index.freq, offsets, None)
        return index.freq
    if isinstance(index, pd.DatetimeIndex):
        if index.freq is None and len(index) < 3:
            if not _fits_hint(index, hint):
                return None  # too short to infer; fit rejects it as too short or off a grid
            freq = hint  # too short to infer: take the grid seen at fit
        else:
            freq = regular_frequency(index)
        _check_regular(index, freq, offsets, None)
        return freq
    if _timegrid.is_time_like(index) and not isinstance(index, pd.RangeIndex):
        step = integer_step(index) if len(index) > 1 else 1
        return step if step is not None and step > 0 else None
    if isinstance(index, pd.RangeIndex):
        return index.step if index.step > 0 else None
    return None


# -- panels -----------------------------------------------------------------------------------


def _fits_hint(labels: pd.Index, hint) -> bool:
    """True when ``hint`` is a grid of the same kind as ``labels`` (an offset for datetimes)."""
    return isinstance(labels, pd.DatetimeIndex) and isinstance(hint, pd.offsets.BaseOffset)


def _from_long(frame, target, id_column, time_column, statics, hint, future=()) -> Panel:
    if time_column not in frame.columns:
        raise ValueError(
            f"X has an id column {id_column!r} (a long panel) but no time column "
            f"{time_column!r}; name it in columns, e.g. "
            f"LSTMForecaster(columns={{'time': 'date'}})."
        )
    value_columns = [c for c in frame.columns if c not in (id_column, time_column, *statics)]
    form = dict(kind="long", id_name=id_column, time_name=time_column)
    return _assemble(frame[id_column], frame[time_column], frame, value_columns, statics,
                     target, form, hint, series_out=False, future=future)


def _from_multiindex(data, target, statics, hint, future=()) -> Panel:
    index = data.index
    if index.nlevels != 2:
        raise ValueError(
            f"X's MultiIndex has {index.nlevels} levels; a panel needs exactly two, "
            f"(series, time). Drop or combine the others first."
        )
    frame = data.to_frame() if isinstance(data, pd.Series) else data
    if isinstance(data, pd.Series) and data.name is None:
        frame.columns = [0]
    value_columns = [c for c in frame.columns if c not in statics]
    form = dict(kind="multiindex", id_name=index.names[0], time_name=index.names[1])
    ids = pd.Series(index.get_level_values(0))
    time = pd.Series(index.get_level_values(1))
    plain = frame.reset_index(drop=True)
    return _assemble(ids, time, plain, value_columns, statics, target, form, hint,
                     series_out=isinstance(data, pd.Series), future=future)


def _from_collection(data, target, statics, hint, future=()) -> Panel:
    items = list(data.items()) if isinstance(data, dict) else list(enumerate(data))
    if not items:
        raise ValueError("X is an empty dict; pass at least one series.")
    kinds = {isinstance(v, (pd.Series, pd.DataFrame)) for _, v in items}
    if len(kinds) > 1:
        raise TypeError(
            "X mixes pandas and numpy series; pass all series as pandas (to keep their "
            "timestamps) or all as arrays."
        )
    frames = []
    for key, item in items:
        if isinstance(item, pd.Series):
            item = item.to_frame(name=item.name if item.name is not None else 0)
        elif not isinstance(item, pd.DataFrame):
            table = as_table(item, f"X[{key!r}]")
            item = pd.DataFrame(table.values)
        frames.append(item)
    columns = list(frames[0].columns)
    for (key, _), item in zip(items, frames):
        if list(item.columns) != columns:
            raise ValueError(
                f"Every series of X must have the same columns; X[{items[0][0]!r}] has "
                f"{columns} but X[{key!r}] has {list(item.columns)}."
            )
    lengths = [len(f) for f in frames]
    ids = pd.Series(np.repeat(np.arange(len(items)), lengths))
    if kinds == {True}:
        time = pd.Series(_concat_indexes([f.index for f in frames], [k for k, _ in items]))
    else:
        time = None
    stacked = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    stacked = stacked.reset_index(drop=True)
    value_columns = [c for c in columns if c not in statics]
    is_series = all(isinstance(v, pd.Series) for _, v in items)
    form = dict(kind="dict" if isinstance(data, dict) else "list")
    return _assemble(ids, time, stacked, value_columns, statics, target, form, hint,
                     series_out=is_series, keys=[k for k, _ in items], is_pandas=kinds == {True},
                     future=future)


def _concat_indexes(indexes, keys) -> pd.Index:
    first = indexes[0]
    for key, index in zip(keys, indexes):
        other_zone = getattr(index, "tz", None) != getattr(first, "tz", None)
        if type(index) is not type(first) or other_zone:
            raise ValueError(
                f"Every series of X must have the same kind of index; X[{keys[0]!r}] has a "
                f"{type(first).__name__} but X[{key!r}] has a {type(index).__name__}"
                f"{'' if type(index) is not type(first) else ' in another time zone'}."
            )
    return first.append(indexes[1:]) if len(indexes) > 1 else first


def _assemble(ids, time, frame, value_columns, statics, target, form, hint, series_out,
              keys=None, is_pandas=True, future=()) -> Panel:
    """Sort rows by (series, time), check them, and stack the panel."""
    if not value_columns:
        raise ValueError("X has no value columns besides the id, time and static columns.")
    missing = [c for c in statics if c not in frame.columns]
    if missing:
        raise ValueError(f"static column(s) {missing} not in X; available: {list(frame.columns)}.")
    if ids.isna().any():
        raise ValueError(
            f"X's series ids hold {int(ids.isna().sum())} missing value(s); every row needs "
            f"its series id."
        )
    codes, uniques = _factorize(ids, sort=keys is None)
    labels = None if time is None else _time_labels(time)
    order = _row_order(codes, labels)
    codes = codes[order]
    counts = np.bincount(codes, minlength=len(uniques))
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    series_ids = pd.Index(keys if keys is not None else uniques, name=form.get("id_name"))
    table = as_table(frame[value_columns], "X")  # numeric and finite, located by row label
    positions, covariates, n_future = _select(table, _panel_target(target, value_columns, form,
                                                                   future), future)
    values = table.values[order][:, positions + covariates]
    target_names = [value_columns[i] for i in positions]
    time_index, freq = None, None
    if labels is not None:
        time_index = labels[order]
        _check_unique_times(time_index, offsets, series_ids)
        freq = _panel_frequency(time_index, offsets, series_ids, hint)
    static = _static_values(frame, statics, order, offsets, series_ids)
    spec = Form(form["kind"], is_pandas, series_out and len(positions) == 1, target_names,
                form.get("id_name"), form.get("time_name"))
    return Panel(values, offsets, len(positions), time_index, freq, series_ids, static, spec,
                 value_columns, len(value_columns), statics, n_future)


def _panel_target(target, value_columns, form, future=()):
    """Default target of a long panel: its 'y' column when there is one, else every column."""
    if target is None and form["kind"] == "long" and "y" in value_columns and "y" not in future:
        return "y"
    return target


# -- future-known covariates ------------------------------------------------------------------


def future_names(future_columns) -> list:
    """``future_columns`` as a list of column names or positions ([] for None)."""
    if future_columns is None:
        return []
    if isinstance(future_columns, (str, int, np.integer)):
        return [future_columns]
    return list(future_columns)


def _select(table, target, future) -> tuple[list[int], list[int], int]:
    """(target positions, covariate positions with the future-known ones last, their number).

    With ``target=None`` every column that is not future-known is a target."""
    if not future:
        return (*select_columns(table, target), 0)
    columns = table.columns if table.columns is not None else list(range(table.values.shape[1]))
    check_column_names(future, columns, "columns['future']", "future")
    if target is None:
        target = [c for c in columns if c not in future]
        if not target:
            raise ValueError(
                f"Every column of X is a future column ({future}); leave at least one target."
            )
    targets, covariates = select_columns(table, target)
    known = [columns.index(name) for name in future]
    both = [columns[i] for i in known if i in targets]
    if both:
        raise ValueError(
            f"column(s) {both} are both targets and columns['future']; a target cannot be known "
            f"in advance. Drop them from one of the two."
        )
    return targets, [c for c in covariates if c not in known] + known, len(known)


def _future_last(x_table, future) -> tuple[list[int], int]:
    """Column order of X (covariates of ``fit(X, y)``): past ones, then the future-known ones."""
    n_columns = x_table.values.shape[1]
    if not future:
        return list(range(n_columns)), 0
    columns = x_table.columns if x_table.columns is not None else list(range(n_columns))
    missing = [name for name in future if name not in columns]
    if missing:
        raise ValueError(f"future column(s) {missing} not in X; available columns: {columns}.")
    known = [columns.index(name) for name in future]
    return [i for i in range(n_columns) if i not in known] + known, len(known)


def factorize_ids(ids) -> tuple[np.ndarray, pd.Index]:
    """Each row's series number and the ids in that order, as a fit numbers the series of a
    long frame or a MultiIndex: by sorted id (a categorical's categories in their order)."""
    return _factorize(pd.Series(ids), sort=True)


def _factorize(ids: pd.Series, sort: bool):
    """Series numbers by sorted id (so that row order never matters), or by first appearance
    when ids do not sort (mixed types) or come as dict keys."""
    if sort:
        try:
            return pd.factorize(ids, sort=True)
        except TypeError:
            pass
    return pd.factorize(ids, sort=False)


def _time_labels(time: pd.Series) -> pd.Index:
    labels = pd.Index(time)
    if isinstance(labels, (pd.DatetimeIndex, pd.PeriodIndex)):
        if labels.hasnans:
            raise ValueError("X's time labels hold missing values (NaT); drop or fill them.")
        return labels
    if pd.api.types.is_integer_dtype(labels):
        return labels
    raise TypeError(
        f"X's time labels must be datetimes, periods or integers; got dtype {labels.dtype}. "
        f"Convert them first, e.g. df['ds'] = pd.to_datetime(df['ds'])."
    )


def _row_order(codes: np.ndarray, labels: pd.Index | None) -> np.ndarray:
    """Stable order of rows by series (first appearance), then time."""
    if labels is None:
        return np.argsort(codes, kind="stable")
    return np.lexsort((labels.asi8 if hasattr(labels, "asi8") else labels.to_numpy(), codes))


def _check_unique_times(time: pd.Index, offsets, ids) -> None:
    same = np.asarray(time[1:] == time[:-1])
    same[offsets[1:-1] - 1] = False  # the first row of a series follows another series
    if same.any():
        row = int(np.flatnonzero(same)[0]) + 1
        series = int(np.searchsorted(offsets, row, side="right")) - 1
        raise ValueError(
            f"X has duplicate (series, time) pairs, first ({ids[series]!r}, {time[row]}); "
            f"aggregate them first, e.g. df.groupby([id, time], as_index=False).mean()."
        )


def _panel_frequency(time: pd.Index, offsets, ids, hint):
    """The one grid that every series' labels share; ValueError naming a series off it."""
    lengths = np.diff(offsets)
    if isinstance(time, pd.PeriodIndex):
        freq = time.freq
    elif _fits_hint(time, hint):
        freq = hint
    elif isinstance(time, pd.DatetimeIndex):
        longest = int(np.argmax(lengths))
        labels = time[offsets[longest] : offsets[longest + 1]]
        freq = infer_frequency(labels)
        if freq is None:
            raise ValueError(
                f"The timestamps of series {ids[longest]!r} (the longest) have no regular "
                f"frequency; resample every series to one frequency first, e.g. "
                f"df.set_index('ds').groupby('unique_id').resample('MS').mean()."
            )
    else:
        diffs = np.diff(time.to_numpy())
        within = np.ones(len(diffs), dtype=bool)
        within[offsets[1:-1] - 1] = False
        freq = int(diffs[within][0]) if within.any() else 1
    _check_regular(time, freq, offsets, ids)
    return freq


def _check_regular(time: pd.Index, freq, offsets, ids) -> None:
    """Raise unless every series' consecutive labels are one step of ``freq`` apart."""
    found = _timegrid.ticks(time, freq)
    if found is None:
        raise ValueError(
            f"The frequency {freq!r} cannot be placed on a time grid; use a PeriodIndex or "
            f"integer time labels instead."
        )
    values, unit = found
    bad = np.diff(values) != unit
    bad[offsets[1:-1] - 1] = False  # steps between two series do not count
    if isinstance(time, pd.DatetimeIndex):
        bad |= _timegrid.off_grid(time, freq)[1:]
    if bad.any():
        row = int(np.flatnonzero(bad)[0]) + 1
        series = int(np.searchsorted(offsets, row, side="right")) - 1
        which = "X" if ids is None else f"series {ids[series]!r}"
        raise ValueError(
            f"The time labels of {which} leave the {freq!r} grid at {time[row]} (after "
            f"{time[row - 1]}); every series needs one regular frequency with no gaps. Fill "
            f"the gaps first, e.g. with asfreq() and interpolate()."
        )


def _static_values(frame, statics, order, offsets, ids) -> np.ndarray | None:
    if not statics:
        return None
    values = as_table(frame[statics], "static columns").values[order]
    starts = offsets[:-1]
    low, high = np.minimum.reduceat(values, starts), np.maximum.reduceat(values, starts)
    varying = np.argwhere(low != high)
    if len(varying):
        series, column = varying[0]
        raise ValueError(
            f"static column {statics[column]!r} changes within series {ids[series]!r}; a "
            f"static covariate holds one value per series. Pass varying columns as past "
            f"covariates instead."
        )
    return values[starts]

