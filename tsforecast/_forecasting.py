"""How a fitted LSTMForecaster computes its forecasts: the stored or given context, one
batched pass of the network over windows gathered on the device, recursive blocks beyond the
horizon, rolling origins, and the quantile or conformal bands around the point forecasts.

A mixin of LSTMForecaster's private methods, so that forecaster.py keeps the estimator's API
and its fit; it reads only fitted attributes (``*_``) and the parameters that fit resolved.
"""

from __future__ import annotations

from dataclasses import replace
from typing import NamedTuple

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ._batches import DevicePanel
from ._distributed import all_rows
from ._future import future_values
from ._intervals import (
    conformal_radius,
    conformal_table,
    level_positions,
    pooled_table,
    pools,
    quantile_pairs,
    quantile_scores,
    quantile_tables,
)
from ._outputs import forecast_output, future_labels
from ._panel import Form, Panel
from ._target import TargetMap
from ._torch_utils import to_numpy
from ._training import predict_module
from ._transforms import Transforms, scale_static
from ._validation import check_int
from ._windowing import WindowIndex, count_windows, ragged_arange

INTERVAL_METHODS = ("auto", "conformal", "quantile", "cqr")


class _Forecasts:
    """The forecasting steps of :class:`~tsforecast.LSTMForecaster` (private methods)."""

    def _interval_method(self, method, levels) -> str:
        """The method that answers ``levels``; raise when the model cannot."""
        if method not in INTERVAL_METHODS:
            raise ValueError(
                f"method must be one of {INTERVAL_METHODS}; got method={method!r}."
            )
        trained = getattr(self, "quantiles_", None)
        have_levels = level_positions(trained, levels) is not None
        if method == "auto":
            method = ("conformal" if not have_levels
                      else "cqr" if self._can_conformalize(levels) else "quantile")
        if method in ("quantile", "cqr") and not have_levels:
            if trained is None:
                raise ValueError(
                    f"method={method!r} needs a model fitted with quantiles=..., e.g. "
                    f"LSTMForecaster(quantiles=(0.05, 0.5, 0.95)); this one forecasts the point "
                    f"only. Refit with quantiles, or use method='conformal'."
                )
            raise ValueError(
                f"method={method!r} reads the trained levels {list(trained)}, which do not hold "
                f"every level of {[round(level, 6) for level in levels]}; refit with those "
                f"quantiles, or use method='conformal'."
            )
        unpaired = self._unpaired_level(levels) if method == "cqr" else None
        if unpaired is not None:
            raise ValueError(
                f"method='cqr' calibrates central intervals of pairs of trained quantiles "
                f"(a and 1 - a), but level {unpaired:g} was trained without "
                f"{1 - unpaired:g} (trained: {list(trained)}). Refit with both, or use "
                f"method='quantile' or 'conformal'."
            )
        if method != "quantile" and getattr(self, "conformal_errors_", None) is None:
            raise ValueError(
                "Conformal intervals are calibrated on the validation windows of fit, but this "
                "forecaster has none (validation_fraction=0, series too short to hold windows "
                "out, or a file saved before intervals existed). Refit with "
                "validation_fraction > 0 (e.g. 0.2), calibrate on past windows with "
                "calibrate(X, n_windows=...), fit with quantiles=... and use "
                "method='quantile', or measure the errors over past cutoffs with "
                "tsforecast.model_selection.backtest."
            )
        if method == "cqr" and getattr(self, "quantile_errors_", None) is None:
            raise ValueError(
                "method='cqr' needs the conformity scores of the trained quantiles, which this "
                "forecaster lacks (a file saved before they were kept); recalibrate it with "
                "calibrate(X, ...)."
            )
        return method

    def _can_conformalize(self, levels) -> bool:
        """Whether "cqr" answers ``levels`` (all trained): scores kept, every pair trained."""
        return (getattr(self, "quantile_errors_", None) is not None
                and self._unpaired_level(levels) is None)

    def _unpaired_level(self, levels) -> float | None:
        """The first of ``levels`` (not 0.5) trained without its mirror ``1 - a``, or None."""
        trained = list(self.quantiles_)
        lows = [trained[low] for low, _ in quantile_pairs(trained)]
        for level in levels:
            if abs(level - 0.5) > 1e-9 and not any(
                    abs(min(level, 1 - level) - low) < 1e-9 for low in lows):
                return level
        return None

    def _interval_context(self, X, y, X_future=None) -> tuple:
        """``_forecast``'s arguments for ``predict(X, y, X_future=...)`` over the horizon, then
        the output's form, ids and labels. With future-known columns each series gets
        ``horizon`` rows appended that hold their values (the targets' rows are never read)."""
        if X is None and y is None:
            form, ids = Form(**self.output_form_), self.series_ids_
            ends = (self.last_index_, self.series_lengths_, self.index_freq_)
            values, offsets, transforms, _, _ = self._stored_context()
        else:
            panel = self._as_panel(X, y, reset=False)
            if panel.form.kind == "single":
                self._check_context_length(panel.lengths[0], self.window_, "predict")
            form, ids = panel.form, panel.ids
            ends = (panel.last_labels(), panel.lengths, panel.freq)
            values, offsets, transforms = (panel.values, panel.offsets,
                                           self._context_transforms(panel))
        labels = future_labels(*ends[:2], self.horizon_, ends[2])
        future = self._future_values(X_future, self.horizon_, form, ids, ends)
        extra = 0
        if future is not None:
            extra = self.horizon_
            values, offsets, transforms = _append_rows(values, offsets, transforms, extra,
                                                       future, self.n_targets_)
        n_series = len(offsets) - 1
        return (values, offsets, transforms, offsets[1:] - extra, np.arange(n_series), form,
                ids, labels)

    def _predict_bands(self, values, offsets, transforms, ends, series, levels, method):
        """Point forecasts (N, H, T) and the quantiles ``levels`` (N, H, T, K), in data units,
        from one batched pass over the windows ending at ``ends`` (as :meth:`_forecast`)."""
        outputs = self._network_outputs(values, offsets, transforms, ends, series)
        median = outputs[..., self._median_position()]  # (N, H, T)
        last_steps = transforms.steps[ends - 1]
        point = transforms.invert(median, series, last_steps)
        if method == "quantile":
            scaled = outputs[..., level_positions(self.quantiles_, levels)]  # (N, H, T, K)
        elif method == "cqr":
            scaled = self._conformalized(outputs, median, levels)
        else:
            shifts = [self._conformal_shift(level) for level in levels]  # K x (H, T)
            scaled = median[..., None] + np.stack(shifts, axis=-1)  # (N, H, T, K)
        return point, _invert_bands(transforms, scaled, series, last_steps)

    def _conformal_shift(self, level: float) -> np.ndarray:
        """(H, T) distance in network units from the point forecast to the conformal quantile
        ``level``: minus (below 0.5) or plus the radius of coverage ``|2 * level - 1|``."""
        if abs(level - 0.5) < 1e-9:
            return np.zeros(self.conformal_errors_.shape[1:])
        radius = self._radius(abs(2 * level - 1), self.conformal_errors_,
                              self.conformal_pooled_)
        return radius if level > 0.5 else -radius

    def _conformalized(self, outputs: np.ndarray, median: np.ndarray, levels) -> np.ndarray:
        """The trained quantiles ``levels`` (N, H, T, K) of conformalized quantile regression:
        each moved outwards (inwards when negative) by the conformal radius of its pair's
        scores, never past the point forecast ``median`` (N, H, T)."""
        trained = np.asarray(self.quantiles_)
        lows = [trained[low] for low, _ in quantile_pairs(self.quantiles_)]
        bounds = []
        for level in levels:
            own = outputs[..., int(level_positions(self.quantiles_, (level,))[0])]
            if abs(level - 0.5) < 1e-9:
                bounds.append(own)
                continue
            pair = int(np.argmin(np.abs(np.asarray(lows) - min(level, 1 - level))))
            radius = self._radius(abs(2 * level - 1), self.quantile_errors_[..., pair],
                                  self.quantile_pooled_[..., pair])
            bounds.append(np.maximum(own + radius, median) if level > 0.5
                          else np.minimum(own - radius, median))
        return np.stack(bounds, axis=-1)

    def _radius(self, coverage: float, errors: np.ndarray, pooled) -> np.ndarray:
        """(H, T) conformal radius of ``coverage`` from a per-step table (n_ranks, H, T), or
        from its ``pooled`` table (n_pooled_ranks, T) times each step's scale, as
        ``conformal_pooling`` says."""
        n = int(self.conformal_ranks_[-1])
        if pooled is not None and pools(self.conformal_pooling, n, coverage):
            horizon = len(self.conformal_scale_)
            what = f"{n} windows x {horizon} steps, pooled"
            return self.conformal_scale_ * conformal_radius(
                pooled, self.conformal_pooled_ranks_, coverage, what)  # (H, T) * (T,)
        return conformal_radius(errors, self.conformal_ranks_, coverage,
                                f"per step; pooling={self.conformal_pooling!r}")

    def _panel_calibration(self, panel: Panel, n_windows, gather: bool = False) -> tuple:
        """``calibrate``'s tables from the last ``n_windows`` rolling origins of each series of
        a context panel (every origin when None), forecast by the fitted network (``gather``:
        with every rank's, see :func:`calibrate`)."""
        starts, series = self._origins(panel)
        if n_windows is not None:
            check_int("n_windows", n_windows, 1)
            counts = np.bincount(series, minlength=panel.n_series)
            position = ragged_arange(counts)
            keep = position >= (counts[series] - n_windows)
            starts, series = starts[keep], series[keep]
        data = self._device_rows(panel.values, panel.offsets, self._context_transforms(panel))
        windows = _Origins(len(starts), starts, series)
        return calibrate(self.module_, data, windows, panel.offsets,
                         getattr(self, "quantiles_", None), gather)

    def _median_position(self) -> int:
        """Where the median sits among the network's quantiles (0 without quantiles)."""
        levels = getattr(self, "quantiles_", None)
        return 0 if levels is None else int(level_positions(levels, (0.5,))[0])

    def _predict_stored(self, n_steps=None, X_future=None):
        """Forecasts that continue every training series (``predict()``)."""
        n_steps = self.horizon_ if n_steps is None else n_steps
        labels = future_labels(self.last_index_, self.series_lengths_, n_steps,
                               self.index_freq_)
        form = Form(**self.output_form_)
        future = self._future_values(X_future, n_steps, form, self.series_ids_,
                                     (self.last_index_, self.series_lengths_, self.index_freq_))
        return forecast_output(self._stored_forecasts(n_steps, future), form,
                               self.series_ids_, labels)

    def _stored_forecasts(self, n_steps=None, future=None) -> np.ndarray:
        """(n_series, n_steps, n_targets) forecasts from each series' stored last window
        (``n_steps`` defaults to the horizon)."""
        values, offsets, transforms, _, _ = self._stored_context()
        n_steps = self.horizon_ if n_steps is None else n_steps
        return self._forecast_ahead(values, offsets, transforms, n_steps, future)

    def _stored_context(self) -> tuple:
        """``_forecast``'s arguments (rows, offsets, transforms, ends, series) for the stored
        last windows."""
        n_series, window, n_columns = self.last_window_.shape
        lengths = np.minimum(self.series_lengths_, window)
        # steps of the stored rows from each series' last row; padding repeats the first row
        steps = np.maximum(np.arange(window) - (window - 1), -(lengths[:, None] - 1)).ravel()
        static = scale_static(self.static_scaler_, self.static_)
        transforms = Transforms(self.scaler_, self.seasonal_profile_, steps, static,
                                self._target_map())
        offsets = np.arange(n_series + 1) * window
        return (self.last_window_.reshape(-1, n_columns), offsets, transforms, offsets[1:],
                np.arange(n_series))

    def _forecast(self, values, offsets, transforms, ends, series) -> np.ndarray:
        """Forecasts (N, H, T) in data units from the windows ending (exclusive) at rows ``ends``
        (N,) of ``series`` (N,): one batched pass over the transformed rows."""
        outputs = self._network_outputs(values, offsets, transforms, ends, series)
        scaled = outputs[..., self._median_position()]  # (N, H, T, Q) -> (N, H, T)
        return transforms.invert(scaled, series, transforms.steps[ends - 1])

    def _network_outputs(self, values, offsets, transforms, ends, series) -> np.ndarray:
        """The network's outputs (N, H, T, Q) in network units for the windows ending
        (exclusive) at rows ``ends`` (N,) of ``series`` (N,); Q is 1 without quantiles."""
        data = self._device_rows(values, offsets, transforms)
        inputs = data.forecast_inputs(ends - self.window_, series, offsets[series])
        outputs = to_numpy(predict_module(self.module_, (inputs, len(ends))))  # (N, H * T * Q)
        return outputs.reshape(len(ends), self.horizon_, self.n_targets_, -1)

    def _device_rows(self, values, offsets, transforms: Transforms) -> DevicePanel:
        """The stacked rows of a context in network units, on the fitted device."""
        row_series = np.repeat(np.arange(len(offsets) - 1), np.diff(offsets))
        return DevicePanel(transforms.apply(values, row_series), transforms.static,
                           self.window_, self.horizon_, self.n_targets_, self.device_,
                           future=self._n_future() > 0)

    def _origins(self, panel: Panel) -> tuple[np.ndarray, np.ndarray]:
        """First input row and series of every rolling origin of the panel."""
        needed = self.window_ + self.horizon_
        if panel.form.kind == "single":
            self._check_context_length(panel.lengths[0], needed, "rolling")
        counts = count_windows(panel.lengths, self.window_, self.horizon_)
        if not counts.any():
            raise ValueError(
                f"No series of the context has window + horizon = {needed} rows, so there is "
                f"no origin to forecast from; the longest has {int(panel.lengths.max())}."
            )
        series = np.repeat(np.arange(panel.n_series), counts)
        return panel.offsets[:-1][series] + ragged_arange(counts), series

    def _rolling(self, panel: Panel, starts, series) -> np.ndarray:
        """Forecasts (n_origins, H, T) from the windows starting at rows ``starts``."""
        transforms = self._context_transforms(panel)
        return self._forecast(panel.values, panel.offsets, transforms, starts + self.window_,
                              series)

    def _rolling_pairs(self, X, y=None):
        """Actual values and rolling-origin forecasts (N, H, T) of every origin of a context,
        the series of each origin (N,), and the context's target rows ``(values, offsets)``:
        what the scorers of tsforecast.scoring compare."""
        check_is_fitted(self)
        panel = self._as_panel(X, y, reset=False)
        starts, series = self._origins(panel)
        forecasts = self._rolling(panel, starts, series)
        rows = starts[:, None] + self.window_ + np.arange(self.horizon_)  # (N, H)
        actual = panel.values[rows, : self.n_targets_]  # (N, H, T)
        return actual, forecasts, series, (panel.values[:, : self.n_targets_], panel.offsets)

    def _target_map(self) -> TargetMap | None:
        """The fitted target transform as a TargetMap (None for a model without one)."""
        kind = getattr(self, "target_transform_", None)
        if kind is None:
            return None
        return TargetMap(kind, self.target_lambda_, self.n_targets_)

    def _check_n_steps(self, n_steps) -> int:
        """``n_steps`` checked; None means the horizon."""
        if n_steps is None:
            return self.horizon_
        check_int("n_steps", n_steps, 1)
        return int(n_steps)

    def _n_future(self) -> int:
        """Future-known columns: the last ones of every row (0 for a model without)."""
        return len(getattr(self, "future_columns_", []))

    def _forecast_ahead(self, values, offsets, transforms, n_steps, future) -> np.ndarray:
        """Forecasts (n_series, n_steps, T) after the end of every series of the stacked rows.

        Up to ``horizon`` steps without future-known columns: one pass. Otherwise every series
        gets ``max(n_steps, horizon)`` rows appended (their future-known columns from
        ``future``, (n_series, rows, F)), and blocks of ``horizon`` steps are forecast one
        after the other, each block's forecasts written into the rows the next block reads.
        """
        horizon, n_targets = self.horizon_, self.n_targets_
        n_series = len(offsets) - 1
        if n_steps <= horizon and future is None:
            ends = offsets[1:]
            forecasts = self._forecast(values, offsets, transforms, ends, np.arange(n_series))
            return forecasts[:, :n_steps]
        n_past = values.shape[1] - n_targets - self._n_future()
        if n_steps > horizon and n_past:
            raise ValueError(self._recursive_covariates_message(n_steps, n_past))
        extra = max(n_steps, horizon)
        values, offsets, transforms = _append_rows(values, offsets, transforms, extra, future,
                                                   n_targets)
        ends = offsets[1:] - extra  # each series' first appended row
        series, covered = np.arange(n_series), 0
        for origin in _block_origins(extra, horizon):
            forecasts = self._forecast(values, offsets, transforms, ends + origin, series)
            new = np.arange(covered - origin, horizon)  # steps not forecast by an earlier block
            values[(ends + origin)[:, None] + new, :n_targets] = forecasts[:, new]
            covered = origin + horizon
        return values[ends[:, None] + np.arange(n_steps), :n_targets]

    def _recursive_covariates_message(self, n_steps: int, n_past: int) -> str:
        names = list(getattr(self, "feature_names_in_", []))
        known = set(self.target_names_ or []) | set(getattr(self, "future_columns_", []))
        past = [n for n in names if n not in known] if names else []
        which = f"{n_past} past covariate(s)"
        if len(past) == n_past:
            which = f"past covariate(s) {past}"
        return (
            f"n_steps={n_steps} is more than horizon={self.horizon_}, so the forecast is "
            f"recursive (each block of {self.horizon_} steps is read back as targets for the "
            f"next), but the model reads {which}, whose values over the forecast are unknown. "
            f"Forecast at most horizon={self.horizon_} steps, refit with a larger horizon, or "
            f"declare those columns future-known (future_columns=...) and pass their values as "
            f"X_future."
        )

    def _future_values(self, X_future, n_steps, form, ids, ends):
        """The future-known columns over the forecast as (n_series, rows, F), or None for a
        model without them; raise when they are missing, short or misaligned. ``ends`` holds
        each series' last label, length and grid (labels the forecast rows)."""
        if self._n_future() == 0:
            if X_future is not None:
                raise ValueError(
                    "X_future was given, but this forecaster was fitted without "
                    "future_columns, so it reads no future values; drop X_future or refit "
                    "with future_columns=[...]."
                )
            return None
        rows = max(n_steps, self.horizon_)
        if X_future is None:
            raise ValueError(
                f"This forecaster reads the future-known columns {self.future_columns_} over the "
                f"forecast; pass their values for the {rows} steps forecast as "
                f"predict(..., X_future=...)."
            )
        labels = future_labels(ends[0], ends[1], rows, ends[2])
        return future_values(X_future, self.future_columns_, rows, form, ids, labels)


class _Origins(NamedTuple):
    """The windows ``calibrate`` reads: their count, first input rows and series."""

    n_val: int
    val_starts: np.ndarray
    val_series: np.ndarray


class Calibration(NamedTuple):
    """The conformal tables of a forecaster (see the ``conformal_*`` and ``quantile_*``
    attributes of LSTMForecaster); all None without calibration windows."""

    errors: np.ndarray | None = None
    ranks: np.ndarray | None = None
    pooled: np.ndarray | None = None
    pooled_ranks: np.ndarray | None = None
    scale: np.ndarray | None = None
    quantile_errors: np.ndarray | None = None
    quantile_pooled: np.ndarray | None = None


def calibrate(module, data: DevicePanel, windows: WindowIndex | _Origins, offsets, levels,
              gather: bool = False) -> Calibration:
    """The conformal tables of the calibration windows, in network units: the point
    forecast's absolute errors per step (table, ranks), then pooled over the steps (table,
    ranks, scales); with trained quantiles, the conformity scores of each central pair of
    them, per step and pooled.

    With ``gather``, under a process group, the errors of every rank's windows make the
    tables, so that each rank holds the tables of the whole panel: a collective call, for the
    steps every rank takes together (fit, and the copy of a refit calibration)."""
    errors, scores = _calibration_errors(module, data, windows, offsets, levels)
    if gather:
        errors, scores = all_rows(errors), all_rows(scores)
    if len(errors) == 0:
        return Calibration()
    point = (*conformal_table(errors), *pooled_table(errors))
    if scores is None:
        return Calibration(*point)
    return Calibration(*point, *quantile_tables(scores, point[4]))


def _calibration_errors(module, data: DevicePanel, windows, offsets, levels):
    """The absolute errors (N, H, T) of the point forecasts of the calibration windows, and
    the conformity scores of the trained quantiles' central pairs (None without)."""
    pairs = quantile_pairs(levels)
    if windows.n_val == 0:
        shape = (0, data.horizon, data.n_targets)
        return np.empty(shape), (np.empty((*shape, len(pairs))) if pairs else None)
    starts, series = windows.val_starts, windows.val_series
    inputs = data.forecast_inputs(starts, series, offsets[series])
    outputs = predict_module(module, (inputs, len(starts)))  # (N, H * T * Q)
    shape = (len(starts), data.horizon, data.n_targets, len(levels or (0.5,)))
    outputs = to_numpy(outputs).astype(np.float64).reshape(shape)
    median = 0 if levels is None else int(level_positions(levels, (0.5,))[0])
    actual = to_numpy(data.targets(data.long_tensor(starts))).astype(np.float64)
    actual = actual.reshape(shape[:3])  # (N, H, T)
    errors = np.abs(actual - outputs[..., median])
    return errors, (quantile_scores(outputs, actual, pairs) if pairs else None)


def _invert_bands(transforms: Transforms, scaled: np.ndarray, series, last_steps) -> np.ndarray:
    """Quantiles (N, H, T, K) in network units -> data units (each map is increasing, so their
    order is kept)."""
    n, horizon, n_targets, k = scaled.shape
    flat = scaled.transpose(0, 3, 1, 2).reshape(n * k, horizon, n_targets)  # (N * K, H, T)
    data = transforms.invert(flat, np.repeat(series, k), np.repeat(last_steps, k))
    return data.reshape(n, k, horizon, n_targets).transpose(0, 2, 3, 1)  # (N, H, T, K)


def _block_origins(n_rows: int, horizon: int) -> list[int]:
    """First appended row of every block of ``horizon`` steps covering ``n_rows`` steps; the last
    block ends exactly at ``n_rows`` (overlapping the one before when ``horizon`` does not divide
    it)."""
    origins = list(range(0, n_rows - horizon + 1, horizon))
    if origins[-1] + horizon < n_rows:
        origins.append(n_rows - horizon)
    return origins


def _append_rows(values, offsets, transforms, extra, future, n_targets):
    """Every series with ``extra`` rows appended: targets and past covariates repeat its last row
    (placeholders, never read before they are forecast), future-known columns from ``future``
    (n_series, extra, F); the transforms' steps continue each series'."""
    lengths = np.diff(offsets)
    n_series = len(lengths)
    new_offsets = offsets + np.arange(n_series + 1) * extra
    old_rows = np.repeat(new_offsets[:-1], lengths) + ragged_arange(lengths)
    new_rows = (new_offsets[1:] - extra)[:, None] + np.arange(extra)  # (n_series, extra)
    extended = np.empty((new_offsets[-1], values.shape[1]))
    extended[old_rows] = values
    extended[new_rows] = values[offsets[1:] - 1][:, None, :]
    if future is not None:
        extended[new_rows, values.shape[1] - future.shape[2] :] = future
    steps = np.empty(new_offsets[-1], dtype=np.int64)
    steps[old_rows] = transforms.steps
    steps[new_rows] = transforms.steps[offsets[1:] - 1][:, None] + np.arange(1, extra + 1)
    return extended, new_offsets, replace(transforms, steps=steps)
