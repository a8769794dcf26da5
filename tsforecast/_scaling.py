"""Per-column affine scaling ("standard", "minmax", "naive" or none), fitted on the training rows
only, either over all rows or separately for every series of a panel.

A scaling is two arrays, ``offset`` and ``scale``: ``scaled = (x - offset) / scale``; they have
shape (n_columns,), or (n_series, n_columns) per series. Numpy only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .metrics import naive_mae

SCALERS = ("standard", "minmax", "none")
TIME_SCALERS = (*SCALERS, "naive")  # "naive" reads rows as time steps: forecasters only
# "naive" divides by at least this share of the standard deviation, so that a series with
# almost no change from season to season is not blown up.
NAIVE_FLOOR = 0.01


@dataclass(frozen=True)
class ColumnScaler:
    """A fitted per-column affine map, shared by all rows or one per series.

    ``offset`` and ``scale`` have shape (n_columns,) or (n_series, n_columns). With per-series
    arrays, every method takes ``series``: the series of each row of ``values``, an integer
    array that broadcasts against ``values.shape[:-1]`` (e.g. (N, 1) for windows (N, L, C)).
    """

    offset: np.ndarray
    scale: np.ndarray

    def transform(self, values: np.ndarray, series: np.ndarray | None = None) -> np.ndarray:
        """Scale ``values`` of shape (..., n_columns); returns a new array."""
        offset, scale = self._params(series)
        return (values - offset) / scale

    def inverse(
        self, values: np.ndarray, columns: slice = slice(None), series: np.ndarray | None = None
    ) -> np.ndarray:
        """Undo the scaling for the ``columns`` that ``values``' last axis holds."""
        offset, scale = self._params(series)
        return values * scale[..., columns] + offset[..., columns]

    def _params(self, series):
        if series is None or self.offset.ndim == 1:
            return self.offset, self.scale
        return self.offset[series], self.scale[series]

    def select(self, series: np.ndarray) -> ColumnScaler:
        """The per-series scaler restricted to ``series`` (in that order)."""
        return ColumnScaler(self.offset[series], self.scale[series])


def fit_scaler(
    kind: str | None, values: np.ndarray, offsets=None, season: int = 1, n_targets=None
) -> ColumnScaler:
    """Fit a :class:`ColumnScaler` of the given kind on ``values`` (n_rows, n_columns).

    With ``offsets`` (n_series + 1,), series ``s`` is rows ``offsets[s]:offsets[s + 1]`` (none
    empty) and each series gets its own offset and scale; otherwise all rows share one.
    "naive" scales as "standard", but divides the first ``n_targets`` columns (None: all) by
    their mean absolute change over ``season`` rows instead (the in-sample error of the
    seasonal naive forecast, the MASE denominator; over one row where a series is not longer
    than ``season``), or by 1% of their standard deviation when that is larger.
    """
    n_columns = values.shape[1]
    per_series = offsets is not None
    offsets = np.asarray([0, len(values)] if offsets is None else offsets, dtype=np.int64)
    n_series = len(offsets) - 1
    if kind is None or kind == "none":
        offset, scale = np.zeros((n_series, n_columns)), np.ones((n_series, n_columns))
    elif kind == "standard":
        offset, scale = _mean_std(values, offsets)
    elif kind == "naive":
        offset, scale = _mean_std(values, offsets)
        targets = slice(0, n_columns if n_targets is None else n_targets)
        naive = np.nan_to_num(naive_mae(values[:, targets], offsets, season), nan=0.0)
        scale[:, targets] = np.maximum(naive, NAIVE_FLOOR * scale[:, targets])
    elif kind == "minmax":
        starts = offsets[:-1]
        offset = np.minimum.reduceat(values, starts, axis=0)
        with np.errstate(over="ignore"):
            scale = np.maximum.reduceat(values, starts, axis=0) - offset
    else:
        raise ValueError(f"scaler must be one of {TIME_SCALERS} or None; got scaler={kind!r}.")
    _check_finite_scaling(kind, values, offset, scale)
    # A constant column keeps its offset and is not stretched.
    scale = np.where(scale > np.finfo(np.float64).tiny, scale, 1.0)
    if not per_series:
        offset, scale = offset[0], scale[0]
    return ColumnScaler(offset, scale)


def _mean_std(values: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-segment mean and standard deviation (n_series, n_columns), overflow-safe."""
    starts, counts = offsets[:-1], np.diff(offsets)[:, None]
    with np.errstate(over="ignore", invalid="ignore"):
        mean = np.add.reduceat(values, starts, axis=0) / counts
        deviation = values - np.repeat(mean, counts[:, 0], axis=0)
        std = np.sqrt(np.add.reduceat(deviation**2, starts, axis=0) / counts)
    if np.isfinite(mean).all() and np.isfinite(std).all():
        return mean, std
    # Huge values (near 1e308) overflow the sums: divide by each segment's largest magnitude.
    size = np.maximum.reduceat(np.abs(values), starts, axis=0)
    size = np.where(size > 0, size, 1.0)
    mean, std = _mean_std(values / np.repeat(size, counts[:, 0], axis=0), offsets)
    return mean * size, std * size


def _check_finite_scaling(kind, values, offset, scale) -> None:
    bad = ~(np.isfinite(offset) & np.isfinite(scale))
    if not bad.any():
        return
    column = int(np.argwhere(bad)[0][1])
    raise ValueError(
        f"scaler={kind!r} cannot scale column {column}: its values (up to "
        f"{np.max(np.abs(values[:, column])):.3g}) overflow float64 when scaled. Divide "
        f"the data by a constant first."
    )
