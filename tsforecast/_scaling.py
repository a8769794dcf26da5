"""Per-column affine scaling ("standard", "minmax" or none), fitted on the training rows only.

A scaling is two vectors, ``offset`` and ``scale``: ``scaled = (x - offset) / scale``. Numpy only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SCALERS = ("standard", "minmax", "none")


@dataclass(frozen=True)
class ColumnScaler:
    """A fitted per-column affine map; ``offset`` and ``scale`` have shape (n_columns,)."""

    offset: np.ndarray
    scale: np.ndarray

    def transform(self, values: np.ndarray) -> np.ndarray:
        """Scale ``values`` of shape (..., n_columns); returns a new array."""
        return (values - self.offset) / self.scale

    def inverse(self, values: np.ndarray, columns: slice = slice(None)) -> np.ndarray:
        """Undo the scaling for the ``columns`` that ``values``' last axis holds."""
        return values * self.scale[columns] + self.offset[columns]


def fit_scaler(kind: str | None, values: np.ndarray) -> ColumnScaler:
    """Fit a :class:`ColumnScaler` of the given kind on ``values`` (n_rows, n_columns)."""
    n_columns = values.shape[1]
    if kind is None or kind == "none":
        return ColumnScaler(np.zeros(n_columns), np.ones(n_columns))
    if kind == "standard":
        offset, scale = values.mean(axis=0), values.std(axis=0)
    elif kind == "minmax":
        offset, scale = values.min(axis=0), np.ptp(values, axis=0)
    else:
        raise ValueError(f"scaler must be one of {SCALERS} or None; got scaler={kind!r}.")
    # A constant column keeps its offset and is not stretched.
    scale = np.where(scale > np.finfo(np.float64).tiny, scale, 1.0)
    return ColumnScaler(offset, scale)
