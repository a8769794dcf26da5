"""The command line's input: a CSV file, or a bundled series, as series in long form.

A single series is a panel of one: :class:`CsvPanel` holds every series indexed by (series id,
time), one row per series and time step, each series sorted in time, on a regular grid and
without missing values. Gaps in the grid and missing values are refused with a message that
names ``--fill-gaps``, or filled by it. A CsvPanel also splits off the holdout and converts
rows to and from the shapes LSTMForecaster takes and returns (a time-indexed frame for one
series, a long frame with id and time columns for a panel). Used by :mod:`tsforecast.cli`;
imports numpy, pandas and the package's validation helpers.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ._validation import infer_frequency, regular_frequency, seasonal_period

FILL_METHODS = ("interpolate", "ffill")


@dataclass(frozen=True, eq=False)
class CsvPanel:
    """Series in long form: numeric columns indexed by (series id, time).

    Attributes
    ----------
    frame : DataFrame
        The target and covariate columns, one row per series and time step, with a
        (series id, time) MultiIndex; each series is sorted in time, on its regular grid and
        has no missing values.
    id_column : str or None
        The CSV column holding the series ids; None for a single series (a panel of one).
    season : int
        The seasonal period of the time steps (of the longest series); 1 for none.
    rows_filled : tuple of int
        Rows that ``--fill-gaps`` filled in each series.
    steps_added : int
        Time steps that ``--fill-gaps`` added to the grids, over all series.
    """

    frame: pd.DataFrame
    id_column: str | None
    season: int
    rows_filled: tuple[int, ...] = ()
    steps_added: int = 0

    @property
    def is_panel(self) -> bool:
        """Whether the series came with an id column (a single series is a panel of one)."""
        return self.id_column is not None

    @property
    def time_column(self) -> str | None:
        """The name of the time labels (None for rows numbered 0, 1, ...)."""
        return self.frame.index.names[1]

    @property
    def ids(self) -> np.ndarray:
        """The series ids in the order of their first row."""
        return self.frame.index.unique(level=0).to_numpy()

    def as_given(self, rows: pd.DataFrame) -> pd.DataFrame:
        """``rows`` of :attr:`frame` in the shape LSTMForecaster takes.

        Parameters
        ----------
        rows : DataFrame
            Rows indexed by (series id, time), like :attr:`frame`.

        Returns
        -------
        DataFrame
            Indexed by time for a single series; for a panel, a long frame whose first two
            columns are the id and time columns.
        """
        return rows.reset_index() if self.is_panel else rows.droplevel(0)

    def as_long(self, table: pd.Series | pd.DataFrame) -> pd.Series | pd.DataFrame:
        """A table in the shape LSTMForecaster returns, indexed by (series id, time).

        Parameters
        ----------
        table : Series or DataFrame
            Indexed by time for a single series; a long frame with the id and time columns for
            a panel (e.g. the output of ``predict`` or ``predict_interval``).

        Returns
        -------
        Series or DataFrame
            The same values indexed like :attr:`frame`.
        """
        if self.is_panel:
            return table.set_index([self.id_column, self.time_column])
        return pd.concat({self.ids[0]: table})

    def join_given(self, table: pd.Series | pd.DataFrame,
                   other: pd.DataFrame | None = None) -> pd.DataFrame:
        """Two tables in the shape LSTMForecaster returns, side by side.

        Parameters
        ----------
        table : Series or DataFrame
            E.g. the output of ``predict``.
        other : DataFrame, optional
            E.g. the output of ``predict_interval``: its columns (less a panel's id and time
            columns) are matched to the rows of ``table`` by series and time.

        Returns
        -------
        DataFrame
            Indexed as ``table`` (a single series' index is kept with its frequency).
        """
        if self.is_panel:
            keys = [self.id_column, self.time_column]
            return table if other is None else table.merge(other, on=keys)
        table = table.to_frame() if isinstance(table, pd.Series) else table
        return table if other is None else table.join(other)

    def split(self, holdout: int, horizon: int) -> tuple[pd.DataFrame, pd.DataFrame | None]:
        """Split off the last ``holdout`` rows of each series.

        Parameters
        ----------
        holdout : int
            The rows held out of each series (``--holdout``).
        horizon : int
            The steps forecast (``--horizon``): the longest series must keep more rows.

        Returns
        -------
        history : DataFrame
            The rows to fit on.
        actual : DataFrame or None
            The held-out rows; None when ``holdout`` is 0.

        Raises
        ------
        ValueError
            When a series would keep no rows, or the longest no more than ``horizon``.
        """
        lengths = self.frame.groupby(level=0, sort=False).size()
        short = lengths[lengths <= holdout]
        if len(short):
            which = (f"{len(short)} of {len(lengths)} series have at most {holdout} rows "
                     f"(first: {short.index[0]!r}, {short.iloc[0]} rows)" if self.is_panel
                     else f"the series has {lengths.iloc[0]} rows")
            raise ValueError(f"{which}, too short for --holdout {holdout}: no rows would be "
                             f"left to fit on; use a --holdout below {lengths.min()}")
        longest = lengths.max()
        if longest - holdout <= horizon:
            raise ValueError(
                f"{'the longest series' if self.is_panel else 'the series'} has {longest} rows "
                f"({longest - holdout} to fit on after --holdout {holdout}), too short for "
                f"--horizon {horizon}: fitting needs more rows than the horizon; use a smaller "
                f"--horizon or --holdout"
            )
        if holdout == 0:
            return self.frame, None
        held = self.frame.groupby(level=0, sort=False).cumcount(ascending=False) < holdout
        return self.frame[~held], self.frame[held]

    def describe_filling(self, fill: str | None) -> str:
        """What ``fill`` did: the rows filled (in how many series) and the time steps added."""
        where = (f" in {np.count_nonzero(self.rows_filled)} of {len(self.rows_filled)} series"
                 if self.is_panel else "")
        return (f"--fill-gaps {fill} filled {sum(self.rows_filled)} of {len(self.frame)} rows"
                f"{where} ({self.steps_added} missing time step(s) added)")



def panel_of_one(series: pd.Series, season: int) -> CsvPanel:
    """A series (e.g. a bundled data set) as a panel of one.

    Parameters
    ----------
    series : Series
        The values, indexed by time.
    season : int
        Its seasonal period.

    Returns
    -------
    CsvPanel
    """
    return CsvPanel(pd.concat({series.name: series.to_frame()}), None, season)


def read_panel_csv(path: Path, *, id_column: str | None = None, time_column: str | None = None,
                   target: str | None = None, fill: str | None = None) -> CsvPanel:
    """Read a CSV file of one series, or of many in long form, onto regular time grids.

    Parameters
    ----------
    path : Path
        The CSV file: one row per time step, or per series and time step with ``id_column``.
    id_column : str, optional
        The column holding each row's series id (read as text, so that ids such as 007 stay
        as written); needs ``time_column``.
    time_column : str, optional
        The column holding each row's time: whole numbers are kept as integer labels, other
        values parsed as dates. Without it the rows are numbered 0, 1, ...
    target : str, optional
        The column to forecast; needed when there are several numeric columns.
    fill : {'interpolate', 'ffill'}, optional
        Add the missing time steps and fill missing values (linear interpolation in time, or
        the last value carried forward; leading gaps take the first value). Without it, gaps
        and missing values are refused.

    Returns
    -------
    CsvPanel
        The numeric columns (the others are dropped) and the seasonal period of the longest
        series.

    Raises
    ------
    OSError
        When ``path`` is not a file.
    ValueError
        When a column is missing, a time label cannot be read, a series has duplicate time
        labels or gaps that ``fill`` does not fill; the message names the series of a panel.
    """
    frame, ids = _read_rows(path, id_column, time_column)
    parts = _split_series(frame, ids)
    for key, part in parts.items():
        _check_unique_times(part, key, time_column, frame)
    numeric = _value_columns(frame, target, path)
    frames, rows_filled, steps_added = {}, [], 0
    for key, part in parts.items():
        name = key if ids is not None else target or numeric[0]  # one series: its target's name
        frames[name], n_filled, n_added = _fill_series(part[numeric], key, time_column, fill)
        rows_filled.append(n_filled)
        steps_added += n_added
    season = _infer_season(max(frames.values(), key=len).index)
    frame = pd.concat(frames, names=[id_column, time_column])
    return CsvPanel(frame, id_column, season, tuple(rows_filled), steps_added)


def _read_rows(path: Path, id_column: str | None, time_column: str | None):
    """The file's other columns indexed by time (numbered rows without ``time_column``), and
    its series ids (None without ``id_column``)."""
    _check_id_and_time(path, id_column, time_column)
    frame = _read_file(path, id_column)
    for what, name in (("id", id_column), ("time", time_column)):
        if name is not None and name not in frame.columns:
            raise ValueError(f"{what} column {name!r} is not in {path}; columns: "
                             f"{list(frame.columns)}")
    ids = None if id_column is None else _series_ids(frame.pop(id_column))
    if time_column is not None:
        frame = frame.set_axis(_time_index(frame.pop(time_column)))
    return frame, ids


def _check_id_and_time(path: Path, id_column: str | None, time_column: str | None) -> None:
    """A panel needs a time column other than its id column."""
    if id_column is None:
        return
    if time_column is None:
        raise ValueError(f"--id-column needs --time-column: name the column of {path} "
                         f"holding the time of each row")
    if time_column == id_column:
        raise ValueError(f"--id-column and --time-column must name different columns; both "
                         f"are {id_column!r}")


def _read_file(path: Path, id_column: str | None) -> pd.DataFrame:
    """The CSV file as read by pandas, with ``id_column`` as text."""
    if not path.is_file():
        raise OSError(f"no such file: {path}")
    return pd.read_csv(path, dtype=None if id_column is None else {id_column: str})


def _series_ids(ids: pd.Series) -> np.ndarray:
    """The id column's values; empty ids are refused."""
    if ids.isna().any():
        raise ValueError(f"id column {ids.name!r} has {int(ids.isna().sum())} empty value(s); "
                         f"fill or drop those rows")
    return ids.to_numpy()


def _time_index(column: pd.Series) -> pd.Index:
    """Integer labels for whole numbers, else a DatetimeIndex parsed from the text; empty
    values are refused."""
    name = column.name
    if column.isna().any():
        raise ValueError(f"time column {name!r} has {int(column.isna().sum())} empty "
                         f"value(s); fill or drop those rows")
    if pd.api.types.is_bool_dtype(column):
        raise ValueError(f"time column {name!r} holds True/False; use dates or whole numbers")
    if pd.api.types.is_integer_dtype(column):
        return pd.Index(column.to_numpy(dtype=np.int64), name=name)
    if pd.api.types.is_float_dtype(column):
        values = column.to_numpy(dtype=np.float64)
        whole = values == np.round(values)
        if not whole.all():
            raise ValueError(f"time column {name!r} holds numbers that are not whole "
                             f"(first: {values[~whole][0]}); use dates or integer labels")
        return pd.Index(values.astype(np.int64), name=name)
    try:
        return pd.DatetimeIndex(pd.to_datetime(column, format="mixed"), name=name)
    except (ValueError, TypeError) as error:
        raise ValueError(f"cannot parse the dates in column {name!r}: {error}") from None


def _split_series(frame: pd.DataFrame, ids: np.ndarray | None) -> dict:
    """Each series' rows sorted in time, by id in the order of their first row ({None: frame}
    for a single series)."""
    if ids is None:
        is_numbered = isinstance(frame.index, pd.RangeIndex)
        return {None: frame if is_numbered else frame.sort_index(kind="stable")}
    return {key: part.sort_index(kind="stable")
            for key, part in frame.groupby(ids, sort=False)}


def _check_unique_times(part: pd.DataFrame, key, time_column: str | None,
                        frame: pd.DataFrame) -> None:
    """Refuse two rows of one series at the same time; for a single series, point to
    --id-column (the file may be a panel in long form)."""
    if not part.index.has_duplicates:
        return
    first = part.index[part.index.duplicated()][0]
    if key is not None:
        raise ValueError(f"series {key!r} has duplicate timestamps in column {time_column!r} "
                         f"(first: {first}); keep one row per series and time step")
    text = frame.select_dtypes(exclude="number").columns
    hint = (f"if column {text[0]!r} identifies the series of a panel in long form, rerun with "
            f"--id-column {shlex.quote(str(text[0]))}; otherwise keep one row per time step"
            if len(text) else
            "keep one row per time step, or, for a panel in long form, name the column that "
            "identifies the series with --id-column")
    raise ValueError(f"time column {time_column!r} has duplicate timestamps (first: {first}); "
                     f"{hint}")


def _fill_series(part: pd.DataFrame, key, time_column: str | None, fill: str | None):
    """:func:`_fill_gaps` on one series; a panel's errors name the series (``key``)."""
    try:
        return _fill_gaps(part, time_column, fill)
    except ValueError as error:
        if key is None:
            raise
        raise ValueError(f"series {key!r}: {error}") from None


def _value_columns(frame: pd.DataFrame, target: str | None, path: Path) -> pd.Index:
    """The numeric columns (target and covariates); the target must be one of them."""
    numeric = frame.select_dtypes("number").columns
    if target is None:
        if len(numeric) != 1:
            raise ValueError(
                f"{path} has numeric columns {list(numeric)}; choose one with --target"
            )
        return numeric
    if target not in frame.columns:
        raise ValueError(f"target column {target!r} is not in {path}; columns: "
                         f"{list(frame.columns)}")
    if target not in numeric:
        raise ValueError(f"target column {target!r} is non-numeric (dtype {frame[target].dtype});"
                         f" choose one of the numeric columns {list(numeric)}")
    return numeric


def _fill_gaps(frame: pd.DataFrame, time_column: str | None, fill: str | None):
    """``frame`` on its regular grid and filled, the rows filled, and the time steps added."""
    grid, step = _regular_grid(frame.index, time_column)
    added = len(grid) - len(frame)
    if added:
        if fill is None:
            missing = grid[~grid.isin(frame.index)]
            raise ValueError(
                f"time column {time_column!r} has gaps: {added} missing step(s) of {step!r} "
                f"(first: {missing[0]}); rerun with --fill-gaps interpolate or --fill-gaps ffill "
                f"to add and fill them"
            )
        frame = frame.reindex(grid)
    incomplete = frame.isna().any(axis=1)
    if not incomplete.any():
        return frame, 0, added
    if fill is None:
        column = frame.columns[frame.isna().any().to_numpy()][0]
        row = frame.index[frame[column].isna().to_numpy()][0]
        raise ValueError(
            f"column {column!r} has {int(frame[column].isna().sum())} missing value(s) (NaN; "
            f"first at {row}); rerun with --fill-gaps interpolate or --fill-gaps ffill to "
            f"fill them"
        )
    if fill == "interpolate":
        method = "time" if isinstance(frame.index, pd.DatetimeIndex) else "index"
        filled = frame.interpolate(method=method, limit_area="inside")
    else:
        filled = frame.ffill()
    return filled.bfill().ffill(), int(incomplete.sum()), added


def _regular_grid(index: pd.Index, time_column: str | None) -> tuple[pd.Index, object]:
    """The regular grid from the first to the last label that holds every label, and its step
    (a frequency string such as 'D' or 'MS', or an int)."""
    if len(index) < 3 or not isinstance(index, pd.DatetimeIndex) and (
        isinstance(index, pd.RangeIndex) or not pd.api.types.is_integer_dtype(index)
    ):
        return index, None
    if isinstance(index, pd.DatetimeIndex):
        freq = _date_step(index)
        if freq is None:
            raise ValueError(
                f"the timestamps in column {time_column!r} are not evenly spaced and no regular "
                f"step was found; resample the file to one row per time step first"
            )
        step = freq.freqstr
        grid = pd.date_range(index[0], index[-1], freq=freq, name=index.name)
    else:
        steps = np.diff(index.to_numpy())
        step = int(steps.min())
        if (steps % step).any():
            raise ValueError(
                f"the labels in column {time_column!r} are not evenly spaced: steps "
                f"{sorted(set(steps.tolist()))[:5]} are not all multiples of the smallest, "
                f"{step}; use dates or labels with a constant step"
            )
        grid = pd.Index(np.arange(index[0], index[-1] + step, step), name=index.name)
    off_grid = ~index.isin(grid)
    if off_grid.any():
        raise ValueError(
            f"the timestamps in column {time_column!r} are not all on a grid of step {step} "
            f"(first off it: {index[off_grid][0]}); resample the file to one row per time step"
        )
    return grid, step


def _date_step(index: pd.DatetimeIndex) -> pd.DateOffset | None:
    """The frequency of the whole index, else the most common one of its short stretches (a
    series with gaps); None when there is none."""
    freq = infer_frequency(index)
    if freq is not None:
        return freq
    for length in (8, 3):  # 8 rows tell business days ("B") from calendar days
        if len(index) < length:
            continue
        starts = np.unique(np.linspace(0, len(index) - length, 200).astype(int))
        found = (infer_frequency(index[start:start + length]) for start in starts)
        codes = pd.Series([freq.freqstr for freq in found if freq is not None], dtype=object)
        if len(codes):
            return pd.tseries.frequencies.to_offset(codes.mode()[0])
    return None


def _infer_season(index: pd.Index) -> int:
    """The seasonal period the forecaster infers from the index frequency (1 if none)."""
    try:
        return seasonal_period(regular_frequency(index))
    except ValueError:
        return 1
