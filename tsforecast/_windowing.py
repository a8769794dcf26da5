"""Window positions in a panel (``window`` past rows -> ``horizon`` future rows per series) and
the chronological split of every series' windows into training and validation.

Pure index arithmetic on series lengths and numpy views; never imports torch and never loops
over series, so the rules are easy to test against slow per-series references.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def count_windows(n_rows, window: int, horizon: int):
    """Number of (input, target) windows in a series of ``n_rows`` rows (int or array)."""
    return np.maximum(np.asarray(n_rows) - window - horizon + 1, 0)


def sliding_windows(values: np.ndarray, length: int) -> np.ndarray:
    """Return every run of ``length`` consecutive rows of ``values``.

    Parameters
    ----------
    values : ndarray of shape (n_rows, n_columns)
        Series ordered in time.
    length : int
        Rows per window.

    Returns
    -------
    windows : ndarray of shape (n_rows - length + 1, length, n_columns)
        Read-only view into ``values`` (no copy).
    """
    # (n_rows, C) -> (n_windows, C, length) -> (n_windows, length, C)
    return sliding_window_view(values, length, axis=0).transpose(0, 2, 1)


def ragged_arange(counts: np.ndarray) -> np.ndarray:
    """``concatenate([arange(c) for c in counts])`` without a Python loop."""
    counts = np.asarray(counts, dtype=np.int64)
    total = int(counts.sum())
    ends = np.cumsum(counts)
    return np.arange(total, dtype=np.int64) - np.repeat(ends - counts, counts)


@dataclass(frozen=True)
class WindowIndex:
    """Where every training and validation window of a panel starts.

    Window ``w`` reads rows ``[start[w], start[w] + window)`` of the stacked panel and predicts
    the next ``horizon`` rows. In every series the validation windows are its last ones in
    time, and its training windows are those whose targets all end before its first
    validation target, so no target row is used by both.
    """

    train_starts: np.ndarray  # (n_train,) first input row of each training window
    train_series: np.ndarray  # (n_train,) its series
    val_starts: np.ndarray  # (n_val,)
    val_series: np.ndarray  # (n_val,)
    fit_rows: np.ndarray  # (n_series,) rows [0, fit_rows) of each series are all training sees
    trained: np.ndarray  # (n_series,) bool: the series has at least one training window

    @property
    def n_train(self) -> int:
        return len(self.train_starts)

    @property
    def n_val(self) -> int:
        return len(self.val_starts)


def window_index(
    offsets: np.ndarray, window: int, horizon: int, validation_fraction: float
) -> WindowIndex:
    """Split the windows of every series of a panel in time.

    Parameters
    ----------
    offsets : ndarray of shape (n_series + 1,)
        Series ``s`` holds rows ``offsets[s]:offsets[s + 1]`` of the stacked panel.
    window, horizon : int
        Past rows per input and future rows per target.
    validation_fraction : float
        Share of each series' windows, the last in time, kept for validation. A series whose
        windows are too few to split trains on all of them and validates on none.

    Returns
    -------
    WindowIndex
    """
    lengths = np.diff(offsets)
    n_windows = count_windows(lengths, window, horizon)
    n_val = np.zeros_like(n_windows)
    if validation_fraction > 0:
        n_val = np.ceil(validation_fraction * n_windows).astype(np.int64)
        n_val = np.where(n_windows - n_val - (horizon - 1) >= 1, n_val, 0)  # too few: no split
    val_start = n_windows - n_val  # per series, in window numbers
    n_train = np.where(n_val > 0, val_start - (horizon - 1), n_windows)
    series = np.arange(len(lengths))
    train_series = np.repeat(series, n_train)
    val_series = np.repeat(series, n_val)
    train_starts = offsets[:-1][train_series] + ragged_arange(n_train)
    val_starts = offsets[:-1][val_series] + np.repeat(val_start, n_val) + ragged_arange(n_val)
    fit_rows = np.where(n_val > 0, val_start + window, lengths)
    return WindowIndex(train_starts, train_series, val_starts, val_series, fit_rows, n_train > 0)


def min_rows(window: int, horizon: int) -> int:
    """Shortest series that gives one training window."""
    return window + horizon
