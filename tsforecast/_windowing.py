"""Sliding windows (``window`` past rows -> ``horizon`` future rows) and the chronological split.

Pure index arithmetic and numpy views; never imports torch, so the rules are easy to test.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def count_windows(n_rows: int, window: int, horizon: int) -> int:
    """Number of (input, target) windows in a series of ``n_rows`` rows."""
    return max(n_rows - window - horizon + 1, 0)


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


@dataclass(frozen=True)
class Split:
    """Which windows train, which validate, and how many rows the scaler may see.

    Window ``i`` reads rows ``[i, i + window)`` and predicts rows
    ``[i + window, i + window + horizon)``. Validation windows are the last ones in time; training
    windows are those whose targets all end before the first validation target, so no target row
    is used by both.
    """

    n_train: int  # training windows are 0 .. n_train - 1
    val_start: int  # validation windows are val_start .. n_windows - 1
    n_windows: int
    fit_rows: int  # rows [0, fit_rows) are all that training sees: scaling is fitted on them

    @property
    def n_val(self) -> int:
        return self.n_windows - self.val_start


def chronological_split(
    n_rows: int, window: int, horizon: int, validation_fraction: float
) -> Split | None:
    """Split the windows of a series in time; None when the series is too short."""
    n_windows = count_windows(n_rows, window, horizon)
    n_val = math.ceil(validation_fraction * n_windows) if validation_fraction > 0 else 0
    val_start = n_windows - n_val
    n_train = val_start - (horizon - 1) if n_val else n_windows
    if n_train < 1 or (validation_fraction > 0 and n_val < 1):
        return None
    fit_rows = val_start + window if n_val else n_rows
    return Split(n_train, val_start, n_windows, fit_rows)


def min_rows(window: int, horizon: int, validation_fraction: float) -> int:
    """Smallest series length that gives at least one training (and validation) window."""
    n_rows = window + horizon
    while chronological_split(n_rows, window, horizon, validation_fraction) is None:
        n_rows += 1
    return n_rows
