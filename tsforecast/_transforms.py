"""Per-series transforms between data units and the network's units: seasonal adjustment of
the targets, then scaling of every column. Fitted on each series' training rows at fit; for a
context, the fitted ones serve the series seen at fit and new series get their own, fitted on
the context. Applied to stacked rows and inverted on forecasts, for all series at once.
Numpy and pandas only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _timegrid
from ._panel import Panel
from ._scaling import ColumnScaler, fit_scaler
from ._seasonality import SeasonalProfile, fit_seasonal_profile
from ._target import TargetMap, check_domain, fit_target_map
from ._windowing import ragged_arange


@dataclass(frozen=True)
class Transforms:
    """The maps of the series of one panel.

    ``steps`` places each row in its series' season: time steps from the series' anchor row
    (its last row seen at fit, or the context's own last row for a series new to the model).
    """

    scaler: ColumnScaler  # offset, scale: (n_series, C)
    profile: SeasonalProfile | None  # shift, scale: (n_series, season, T)
    steps: np.ndarray  # (n_rows,)
    static: np.ndarray | None  # (n_series, S) scaled static covariates
    target: TargetMap | None = None  # log / Box-Cox / transformer of the targets, first of all
    numbers: np.ndarray | None = None  # (n_series,) each series' number in the network

    def positions(self, series: np.ndarray, period: int) -> np.ndarray:
        """Rows of ``series`` (n_rows,) -> (n_rows, 2): each row's phase in a season of
        ``period`` steps and its series' number in the network (the hybrid network's
        position columns)."""
        numbers = np.arange(series.max(initial=-1) + 1) if self.numbers is None else self.numbers
        return np.column_stack([np.mod(self.steps, period), numbers[series]]).astype(np.float64)

    def apply(self, values: np.ndarray, series: np.ndarray) -> np.ndarray:
        """Rows ``values`` (n_rows, C) of ``series`` (n_rows,) -> network units (a new array)."""
        values = transform_targets(self.target, values, series)
        if self.profile is not None:
            values = values.copy()
            n_targets = self.profile.shift.shape[-1]
            targets = values[:, :n_targets]
            values[:, :n_targets] = self.profile.remove(targets, self.steps, series)
        return self.scaler.transform(values, series)

    def invert(self, scaled: np.ndarray, series: np.ndarray, last_steps: np.ndarray):
        """Forecasts (N, H, T) in network units of windows of ``series`` (N,) ending at rows
        with steps ``last_steps`` (N,) -> data units."""
        n_targets, horizon = scaled.shape[2], scaled.shape[1]
        forecasts = self.scaler.inverse(scaled, slice(0, n_targets), series[:, None])
        if self.profile is not None:
            steps = last_steps[:, None] + np.arange(1, horizon + 1)  # (N, H)
            forecasts = self.profile.restore(forecasts, steps, series[:, None])
        return forecasts if self.target is None else self.target.inverse(forecasts, series)


@dataclass(frozen=True)
class Recipe:
    """How transforms are fitted: the scaler kind and the seasonal adjustment (``season``
    below 2 or ``adjust=False`` for none; ``test``: only where seasonality is significant)."""

    scaler: str | None
    season: int
    adjust: bool
    test: bool
    target: object = None  # target_transform: None, a name, a transformer or a fitted TargetMap
    additive: bool = False  # seasonal patterns as differences, whatever the sign (the hybrid)


def steps_to_last_row(offsets: np.ndarray) -> np.ndarray:
    """Each row's time step from its series' last row (the last row is step 0)."""
    lengths = np.diff(offsets)
    return ragged_arange(lengths) - np.repeat(lengths - 1, lengths)


def fit_transforms(panel: Panel, fit_rows, recipe: Recipe, static_scaler) -> Transforms:
    """Fit every series' transforms: the seasonal pattern on all its rows, the scaling on its
    first ``fit_rows`` (n_series,) rows, after seasonal adjustment."""
    steps = steps_to_last_row(panel.offsets)
    series = panel.series_of_rows()
    target = fit_target_map(recipe.target, panel.values[:, : panel.n_targets], panel.offsets,
                            fit_rows, panel)
    values = transform_targets(target, panel.values, series)
    profile = None
    if recipe.adjust and recipe.season > 1:
        profile = fit_seasonal_profile(
            values[:, : panel.n_targets], steps, recipe.season, test=recipe.test,
            offsets=panel.offsets, additive=recipe.additive,
        )
    n_columns = panel.values.shape[1]
    identity = ColumnScaler(np.zeros(n_columns), np.ones(n_columns))
    adjusted = Transforms(identity, profile, steps, None).apply(values, series)
    training = adjusted[ragged_arange(panel.lengths) < fit_rows[series]]
    scaler = fit_scaler(recipe.scaler, training, np.concatenate([[0], np.cumsum(fit_rows)]),
                        season=recipe.season, n_targets=panel.n_targets)
    return Transforms(scaler, profile, steps, scale_static(static_scaler, panel.static), target)


def transform_targets(target: TargetMap | None, values: np.ndarray, series) -> np.ndarray:
    """``values`` (n_rows, C) with the target transform applied to its targets (a new array
    when there is one)."""
    if target is None:
        return values
    values = values.copy()
    values[:, : target.n_targets] = target.forward(values[:, : target.n_targets], series)
    return values


def scale_static(static_scaler, static):
    return None if static_scaler is None or static is None else static_scaler.transform(static)


def context_transforms(
    panel: Panel, positions: np.ndarray, fitted: Transforms, recipe: Recipe, anchors, freq,
    static_scaler, phased: bool = False,
) -> Transforms:
    """The transforms of a context's series.

    ``positions`` gives each context series' position among the fitted series (-1: new);
    ``fitted`` holds the fitted scaler and profile, ``anchors`` each fitted series' last time
    label and ``freq`` the grid, which place seen series' rows in their fitted season.
    ``phased``: the network reads each row's phase too (the hybrid), so seen series' rows are
    placed in their season even without a seasonal profile, where the context has a time
    index; without one, a context's last row takes the phase of the fitted series' last row.
    """
    if fitted.target is not None and isinstance(fitted.target.kind, str):  # say where
        check_domain(fitted.target.kind, panel.values[:, : panel.n_targets],
                     panel.series_of_rows(), panel)
    seen = positions >= 0
    own = None
    if not seen.all():  # series new to the model: transforms of their own context
        recipe = Recipe(recipe.scaler, recipe.season, fitted.profile is not None, recipe.test,
                        _own_target(fitted.target), recipe.additive)
        own = fit_transforms(panel, panel.lengths, recipe, None)
    where = np.maximum(positions, 0)
    scaler = fitted.scaler.select(where)
    if own is not None:
        scaler = ColumnScaler(
            np.where(seen[:, None], scaler.offset, own.scaler.offset),
            np.where(seen[:, None], scaler.scale, own.scaler.scale),
        )
    profile = _merge_profiles(fitted.profile, None if own is None else own.profile, where, seen)
    steps = steps_to_last_row(panel.offsets)
    placeable = fitted.profile is not None or (phased and anchors is not None
                                               and panel.time is not None
                                               and panel.freq is not None)
    if placeable and seen.any():
        anchored = anchored_steps(panel, anchors[np.repeat(where, panel.lengths)], freq)
        steps = np.where(np.repeat(seen, panel.lengths), anchored, steps)
    target = _merge_targets(fitted.target, None if own is None else own.target, where, seen)
    return Transforms(scaler, profile, steps, scale_static(static_scaler, panel.static), target)


def _own_target(fitted: TargetMap | None):
    """What a new series' target transform is fitted from: a fitted transformer serves every
    series as it is; a named transform is fitted on the series' own context (Box-Cox lambda)."""
    if fitted is None or not isinstance(fitted.kind, str):
        return fitted
    return fitted.kind


def _merge_targets(fitted: TargetMap | None, own: TargetMap | None, positions, seen):
    """Per-series target maps of a context: the fitted ones where seen, the context's elsewhere."""
    if fitted is None or fitted.lam is None:
        return fitted
    lam = fitted.lam[positions]
    if own is not None:
        lam = np.where(seen[:, None], lam, own.lam)
    return TargetMap(fitted.kind, lam, fitted.n_targets)


def anchored_steps(panel: Panel, anchors, freq) -> np.ndarray:
    """Each context row's time steps from ``anchors`` (n_rows,), its series' last fitted row."""
    if panel.time is None or panel.freq is None:
        raise ValueError(
            "This forecaster removed a seasonal pattern at fit (deseasonalize), so it "
            "needs each context's time index to place it in the season; pass the context "
            "as a pandas Series or DataFrame with the same kind of index as at fit."
        )
    labels = panel.time
    if getattr(labels, "tz", None) is not None and getattr(anchors, "tz", None) is not None:
        labels = labels.tz_convert(anchors.tz)  # an instant is placed in the fit's zone
    steps = _timegrid.steps_from(labels, anchors, freq)
    if steps is None:
        raise ValueError(
            f"The context's index ({type(panel.time).__name__} from {panel.time[0]!r}) is "
            f"not on the time grid of the series seen at fit ({type(anchors).__name__} up to "
            f"{anchors[0]!r}); pass a context with the same index type, time zone and "
            f"frequency as at fit."
        )
    return steps


def _merge_profiles(fitted, own, positions, seen):
    """Per-series profiles of a context: the fitted ones where seen, the context's elsewhere."""
    if fitted is None and own is None:
        return None
    if own is None and seen.all():
        return fitted.select(positions)
    reference = fitted if fitted is not None else own
    shape = (len(positions), reference.season, reference.shift.shape[-1])
    shift, scale = np.zeros(shape), np.ones(shape)
    if own is not None:
        shift[~seen], scale[~seen] = own.shift[~seen], own.scale[~seen]
    if fitted is not None:
        shift[seen], scale[seen] = fitted.shift[positions[seen]], fitted.scale[positions[seen]]
    return SeasonalProfile(shift, scale)
