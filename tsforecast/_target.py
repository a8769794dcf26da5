"""Target transforms that forecasts come back from: "log", "log1p", "boxcox" (a lambda per series
and target, fitted on its training rows) or a scikit-learn transformer with inverse_transform.

Applied to the targets before the seasonal adjustment and scaling, inverted on every forecast,
for all series at once. Imports numpy and scikit-learn's ``clone`` only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._warnings import warn

NAMED = ("log", "log1p", "boxcox")
_LAMBDA_RANGE = (-1.0, 2.0)  # every Box-Cox lambda lies here (the documented grid)
_LAMBDAS = np.linspace(*_LAMBDA_RANGE, 61)  # coarse Box-Cox grid (step 0.05), refined once
_FLAT_LAMBDA = 1.0  # a series whose likelihood has no maximum (constant, one row): a shift
_LOWER = {"log": 0.0, "boxcox": 0.0, "log1p": -1.0}  # each named transform needs targets above
# Inverses answer in [e^-_LOG_LIMIT, e^_LOG_LIMIT] (about 1e-154 .. 1e154): finite, and their
# squares and sums too; a forecast outside holds no value of any real series.
_LOG_LIMIT = float(np.log(np.finfo(np.float64).max)) / 2


@dataclass(frozen=True)
class TargetMap:
    """A fitted target transform: ``kind`` is a name of NAMED or a fitted transformer; ``lam``
    holds the Box-Cox lambdas (n_series, n_targets), else None.

    ``decreasing`` (n_targets,) bool says, for a transformer, in which targets it decreases over
    the training values (e.g. ``1 / x``); None for the named transforms, which all increase.
    An inverse that decreases turns the network's quantile of level ``1 - a`` into the data's
    quantile of level ``a``: bands must read the mirrored levels there to come out in order.
    """

    kind: object
    lam: np.ndarray | None
    n_targets: int
    decreasing: np.ndarray | None = None

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
            return np.exp(np.clip(forecasts, -_LOG_LIMIT, _LOG_LIMIT))
        if self.kind == "log1p":
            return np.expm1(np.minimum(forecasts, _LOG_LIMIT))
        return _inverse_boxcox(forecasts, self.lam[series][:, None, :])

    def select(self, positions: np.ndarray) -> TargetMap:
        """The map of the series at ``positions`` (in that order)."""
        lam = None if self.lam is None else self.lam[positions]
        return TargetMap(self.kind, lam, self.n_targets, self.decreasing)


def _inverse_boxcox(forecasts: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """``(1 + lam * z) ** (1 / lam)`` (``exp(z)`` where lam is 0) of ``forecasts`` z (N, H, T)
    with lambdas ``lam`` (N, 1, T): finite, positive and non-decreasing in z everywhere.

    Box-Cox maps the positive numbers onto z > -1 / lam for lam > 0 and onto z < -1 / lam for
    lam < 0; beyond, no data value maps. There the inverse saturates: at the smallest value
    (about 1e-154) below the image, at the largest (about 1e154) above it, which says that the
    forecast is unbounded. The latter is warned about, since it is an interval or forecast far
    beyond the series' history; the former is 0 to any precision a series holds.
    """
    zero = lam == 0
    safe = np.where(zero, 1.0, lam)
    with np.errstate(divide="ignore"):  # log(0) at or beyond the edge of the image: -inf
        logs = np.log(np.maximum(safe * forecasts + 1.0, 0.0)) / safe
    logs = np.where(zero, forecasts, logs)
    above = (lam < 0) & (forecasts * lam <= -1.0)  # at or beyond the image's upper edge
    if above.any():
        _warn_above(forecasts, lam, above)
    return np.exp(np.clip(logs, -_LOG_LIMIT, _LOG_LIMIT))


def _warn_above(forecasts: np.ndarray, lam: np.ndarray, above: np.ndarray) -> None:
    first = tuple(np.argwhere(above)[0])
    value = float(np.broadcast_to(lam, above.shape)[first])
    warn(
        f"target_transform='boxcox': {int(above.sum())} forecast value(s) (first: "
        f"{forecasts[first]:.6g} in transformed units) lie at or above {-1 / value:.6g}, the "
        f"upper end of what the Box-Cox transform with lambda={value:g} reaches, so they have "
        f"no value in the data's units; they are returned as {np.exp(_LOG_LIMIT):.3g} "
        f"(unbounded). The forecast or interval lies far above the series' history in the "
        f"transformed units; a narrower coverage, or target_transform='log' (no upper end), "
        f"avoids it."
    )


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


def check_domain(kind: str, targets: np.ndarray, series: np.ndarray | None = None,
                 panel=None) -> None:
    """Raise when targets are outside the domain of the named transform ``kind``; the error
    locates the first such value by the series id, time label and target name of ``panel``
    (the Panel whose targets these are), when given."""
    lower = _LOWER[kind]
    bad = ~(targets > lower)
    if not bad.any():
        return
    row, column = (int(i) for i in np.argwhere(bad)[0])
    need = "positive targets" if lower == 0 else "targets above -1"
    hint = " (use 'log1p' for counts with zeros)" if kind != "log1p" else ""
    what, where = _located(row, column, series, panel)
    raise ValueError(
        f"target_transform={kind!r} needs {need}, but {what} holds "
        f"{float(targets[row, column])!r} at {where}{hint}; pass target_transform=None or "
        f"shift the data first. (A HybridNetwork fits on the log of its targets itself when "
        f"every target value at fit is positive: refit with the new values among the "
        f"training data to get an additive model.)"
    )


def _located(row: int, column: int, series, panel) -> tuple[str, str]:
    """Which target ``column`` and where stacked row ``row`` is: ("target 'y'", "series 's1',
    time 2024-01-20") as far as the panel knows them, else by positions."""
    if panel is None:
        where = f"row {row}" if series is None else f"row {row} (series {series[row]})"
        return f"target column {column}", where
    names = panel.form.target_names
    what = f"target {names[column]!r}" if names is not None else f"target column {column}"
    position = int(np.searchsorted(panel.offsets, row, side="right")) - 1
    parts = [] if panel.ids is None else [f"series {panel.ids[position]!r}"]
    if panel.time is not None:
        parts.append(f"time {panel.time[row]}")
    else:
        parts.append(f"row {row - int(panel.offsets[position])}")
    return what, ", ".join(parts)


def fit_target_map(spec, targets: np.ndarray, offsets: np.ndarray, fit_rows: np.ndarray,
                   panel=None):
    """Fit ``spec`` (None, a name, a transformer, or an already fitted TargetMap) on the first
    ``fit_rows`` (n_series,) rows of every series of ``targets`` (n_rows, T); ``panel``, the
    Panel they come from, names the value of an error."""
    if spec is None or isinstance(spec, TargetMap):
        return spec
    lengths = np.diff(offsets)
    series = np.repeat(np.arange(len(lengths)), lengths)
    training = (np.arange(len(targets)) - offsets[:-1][series]) < fit_rows[series]
    n_targets = targets.shape[1]
    if not isinstance(spec, str):
        from sklearn.base import clone

        fitted = clone(spec).fit(targets[training])
        return TargetMap(fitted, None, n_targets, _decreasing(fitted, targets[training]))
    check_domain(spec, targets, series, panel)
    lam = None
    if spec == "boxcox":
        lam = boxcox_lambdas(targets[training], series[training], len(lengths))
    return TargetMap(spec, lam, n_targets)


def _decreasing(transformer, targets: np.ndarray) -> np.ndarray:
    """(T,) bool: where the fitted ``transformer`` decreases over ``targets`` (n_rows, T), each
    column's values probed in increasing order (never increasing and not constant)."""
    probe = np.sort(targets, axis=0)
    out = np.asarray(transformer.transform(probe), dtype=np.float64).reshape(probe.shape)
    steps = np.diff(out, axis=0)
    return (steps <= 0).all(axis=0) & (steps < 0).any(axis=0)


def boxcox_lambdas(targets: np.ndarray, series: np.ndarray, n_series: int) -> np.ndarray:
    """Maximum-likelihood Box-Cox lambdas (n_series, T) of positive ``targets`` (n_rows, T),
    by a grid over [-1, 2] refined to steps of 0.005 around its best point, never leaving
    [-1, 2]; no loop over series. A series whose likelihood has no maximum (a constant one, or
    one row) gets lambda 1, a shift that leaves its values as they are.
    """
    counts = np.bincount(series, minlength=n_series).astype(np.float64)[:, None]  # (S, 1)
    logs = np.log(targets)
    mean_log = _sums(logs, series, n_series) / counts
    logs = logs - mean_log[series]  # divide each series by its geometric mean: lambda unchanged
    best, found = _best_lambda(logs, series, n_series, counts, np.broadcast_to(
        _LAMBDAS, (n_series, targets.shape[1], len(_LAMBDAS))))
    fine = np.clip(best[..., None] + np.linspace(-0.05, 0.05, 21), *_LAMBDA_RANGE)  # (S, T, 21)
    best = _best_lambda(logs, series, n_series, counts, fine)[0]
    low, high = np.full(best.shape, np.inf), np.full(best.shape, -np.inf)
    np.minimum.at(low, series, targets)
    np.maximum.at(high, series, targets)
    return np.where(found & (low < high), best, _FLAT_LAMBDA)


def _best_lambda(logs, series, n_series, counts, grid) -> tuple[np.ndarray, np.ndarray]:
    """The grid point (S, T) of ``grid`` (S, T, G) with the highest profile log-likelihood, and
    where any grid point has a finite one (S, T) (none does for a constant series)."""
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
    found = np.isfinite(llf).any(axis=-1)
    return np.take_along_axis(grid, picked[..., None], axis=-1)[..., 0], found


def _sums(values: np.ndarray, series: np.ndarray, n_series: int) -> np.ndarray:
    """Per-series column sums (n_series, T) of ``values`` (n_rows, T)."""
    out = np.zeros((n_series, values.shape[1]))
    np.add.at(out, series, values)
    return out
