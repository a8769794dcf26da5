"""Target transforms that forecasts come back from: "log", "log1p", "boxcox" (a lambda per series
and target, fitted on its training rows) or a scikit-learn transformer with inverse_transform.

Applied to the targets before the seasonal adjustment and scaling, inverted on every forecast,
for all series at once. Imports numpy and scikit-learn's ``clone`` only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

NAMED = ("log", "log1p", "boxcox")
_LAMBDAS = np.linspace(-1.0, 2.0, 61)  # coarse Box-Cox grid (step 0.05), refined once
_LOWER = {"log": 0.0, "boxcox": 0.0, "log1p": -1.0}  # each named transform needs targets above


@dataclass(frozen=True)
class TargetMap:
    """A fitted target transform: ``kind`` is a name of NAMED or a fitted transformer; ``lam``
    holds the Box-Cox lambdas (n_series, n_targets), else None."""

    kind: object
    lam: np.ndarray | None
    n_targets: int

    def forward(self, targets: np.ndarray, series: np.ndarray) -> np.ndarray:
        """Targets (n_rows, T) of rows of ``series`` (n_rows,) -> transformed (a new array)."""
        if not isinstance(self.kind, str):
            return np.asarray(self.kind.transform(targets), dtype=np.float64).reshape(
                targets.shape)
        check_domain(self.kind, targets, series)
        if self.kind == "log":
            return np.log(targets)
        if self.kind == "log1p":
            return np.log1p(targets)
        lam = self.lam[series]  # (n_rows, T)
        with np.errstate(divide="ignore", invalid="ignore"):
            power = np.expm1(lam * np.log(targets)) / lam
        return np.where(lam == 0, np.log(targets), power)

    def inverse(self, forecasts: np.ndarray, series: np.ndarray) -> np.ndarray:
        """Forecasts (N, H, T) of ``series`` (N,) in transformed units -> data units."""
        if not isinstance(self.kind, str):
            flat = forecasts.reshape(-1, forecasts.shape[-1])  # (N * H, T)
            return np.asarray(self.kind.inverse_transform(flat), dtype=np.float64).reshape(
                forecasts.shape)
        if self.kind == "log":
            return np.exp(forecasts)
        if self.kind == "log1p":
            return np.expm1(forecasts)
        lam = self.lam[series][:, None, :]  # (N, 1, T)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            base = np.maximum(lam * forecasts + 1.0, 0.0)
            power = np.exp(np.log(base) / lam)
        return np.where(lam == 0, np.exp(forecasts), power)

    def select(self, positions: np.ndarray) -> TargetMap:
        """The map of the series at ``positions`` (in that order)."""
        lam = None if self.lam is None else self.lam[positions]
        return TargetMap(self.kind, lam, self.n_targets)


def check_target_transform(value) -> None:
    """Raise unless ``value`` is None, a name of NAMED or a transformer with inverse_transform."""
    if value is None:
        return
    if isinstance(value, str):
        if value not in NAMED:
            raise ValueError(
                f"target_transform must be one of {NAMED}, None, or a scikit-learn transformer "
                f"with inverse_transform; got target_transform={value!r}."
            )
        return
    missing = [m for m in ("fit", "transform", "inverse_transform")
               if not callable(getattr(value, m, None))]
    if missing:
        raise TypeError(
            f"target_transform must be one of {NAMED}, None, or a scikit-learn transformer with "
            f"fit, transform and inverse_transform; got a {type(value).__name__} without "
            f"{missing}."
        )


def check_domain(kind: str, targets: np.ndarray, series: np.ndarray | None = None) -> None:
    """Raise when targets are outside the domain of the named transform ``kind``."""
    lower = _LOWER[kind]
    bad = ~(targets > lower)
    if not bad.any():
        return
    row, column = np.argwhere(bad)[0]
    where = f"row {row}" if series is None else f"row {row} (series {series[row]})"
    need = "positive targets" if lower == 0 else "targets above -1"
    hint = " (use 'log1p' for counts with zeros)" if kind != "log1p" else ""
    raise ValueError(
        f"target_transform={kind!r} needs {need}, but target column {column} holds "
        f"{targets[row, column]!r} at {where}{hint}; pass target_transform=None or shift the "
        f"data first."
    )


def fit_target_map(spec, targets: np.ndarray, offsets: np.ndarray, fit_rows: np.ndarray):
    """Fit ``spec`` (None, a name, a transformer, or an already fitted TargetMap) on the first
    ``fit_rows`` (n_series,) rows of every series of ``targets`` (n_rows, T)."""
    if spec is None or isinstance(spec, TargetMap):
        return spec
    lengths = np.diff(offsets)
    series = np.repeat(np.arange(len(lengths)), lengths)
    training = (np.arange(len(targets)) - offsets[:-1][series]) < fit_rows[series]
    n_targets = targets.shape[1]
    if not isinstance(spec, str):
        from sklearn.base import clone

        return TargetMap(clone(spec).fit(targets[training]), None, n_targets)
    check_domain(spec, targets, series)
    lam = None
    if spec == "boxcox":
        lam = boxcox_lambdas(targets[training], series[training], len(lengths))
    return TargetMap(spec, lam, n_targets)


def boxcox_lambdas(targets: np.ndarray, series: np.ndarray, n_series: int) -> np.ndarray:
    """Maximum-likelihood Box-Cox lambdas (n_series, T) of positive ``targets`` (n_rows, T),
    by a grid over [-1, 2] refined to steps of 0.005 around its best point; no loop over series.
    """
    counts = np.bincount(series, minlength=n_series).astype(np.float64)[:, None]  # (S, 1)
    logs = np.log(targets)
    mean_log = _sums(logs, series, n_series) / counts
    logs = logs - mean_log[series]  # divide each series by its geometric mean: lambda unchanged
    best = _best_lambda(logs, series, n_series, counts, np.broadcast_to(
        _LAMBDAS, (n_series, targets.shape[1], len(_LAMBDAS))))
    fine = best[..., None] + np.linspace(-0.05, 0.05, 21)  # (S, T, 21)
    return _best_lambda(logs, series, n_series, counts, fine)


def _best_lambda(logs, series, n_series, counts, grid) -> np.ndarray:
    """The grid point (S, T) of ``grid`` (S, T, G) with the highest profile log-likelihood."""
    llf = np.empty(grid.shape)
    for g in range(grid.shape[-1]):  # a loop over grid points, not series
        lam = grid[..., g][series]  # (n_rows, T)
        with np.errstate(divide="ignore", invalid="ignore"):
            z = np.where(lam == 0, logs, np.expm1(lam * logs) / lam)
        mean = _sums(z, series, n_series) / counts
        var = _sums((z - mean[series]) ** 2, series, n_series) / counts
        with np.errstate(divide="ignore"):
            llf[..., g] = -0.5 * counts * np.log(var)  # the Jacobian term is 0 after centring
    llf = np.where(np.isfinite(llf), llf, -np.inf)
    picked = np.argmax(llf, axis=-1)
    return np.take_along_axis(grid, picked[..., None], axis=-1)[..., 0]


def _sums(values: np.ndarray, series: np.ndarray, n_series: int) -> np.ndarray:
    """Per-series column sums (n_series, T) of ``values`` (n_rows, T)."""
    out = np.zeros((n_series, values.shape[1]))
    np.add.at(out, series, values)
    return out
