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
        with np.errstate(over="ignore", invalid="ignore"):
            offset, scale = values.mean(axis=0), values.std(axis=0)
        if not (np.isfinite(offset).all() and np.isfinite(scale).all()):
            # Huge values (near 1e308) overflow the sums: divide by each column's largest
            # magnitude first.
            size = np.max(np.abs(values), axis=0)
            size = np.where(size > 0, size, 1.0)
            offset = (values / size).mean(axis=0) * size
            scale = (values / size).std(axis=0) * size
    elif kind == "minmax":
        with np.errstate(over="ignore"):
            offset, scale = values.min(axis=0), np.ptp(values, axis=0)
    else:
        raise ValueError(f"scaler must be one of {SCALERS} or None; got scaler={kind!r}.")
    if not (np.isfinite(offset).all() and np.isfinite(scale).all()):
        column = int(np.flatnonzero(~(np.isfinite(offset) & np.isfinite(scale)))[0])
        raise ValueError(
            f"scaler={kind!r} cannot scale column {column}: its values (up to "
            f"{np.max(np.abs(values[:, column])):.3g}) overflow float64 when scaled. Divide "
            f"the data by a constant first."
        )
    # A constant column keeps its offset and is not stretched.
    scale = np.where(scale > np.finfo(np.float64).tiny, scale, 1.0)
    return ColumnScaler(offset, scale)
