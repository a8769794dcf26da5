"""How LSTMForecaster.fit turns a panel into a ForecasterState: resolve the season and
window, index and split every series' windows, fit the per-series transforms, put the rows on
the device once, train the network, and calibrate the intervals; then, as asked, retrain on
every window (``retrain_on_all``) and calibrate on a copy fitted without the last rows
(``calibration="refit"``).

Plain functions of the estimator's parameters (``get_params()``) and of data: a fit builds a
new state and changes nothing else, so a fit that raises leaves an earlier one in place.
"""

from __future__ import annotations

import functools
import itertools
import warnings
from dataclasses import replace
from types import SimpleNamespace
from typing import NamedTuple

import numpy as np
import pandas as pd
import torch

from ._base import Trained, check_common_params, train_network
from ._batches import DevicePanel
from ._calibration import (
    averaged_tables,
    calibrate,
    calibration_tables,
    local_scale_on,
    log_scales,
    panel_calibration,
    window_spread,
)
from ._context import column_settings
from ._distributed import all_lengths, all_rows, smallest
from ._intervals import check_levels, error_scores, trained_levels
from ._losses import pinball_loss
from ._nn import MedianEnsemble
from ._panel import Panel, future_names
from ._scaling import TIME_SCALERS, fit_scaler
from ._seasonality import MIN_SEASONS, fit_seasonal_profile
from ._selection import choose, describe, is_auto, sampled
from ._smoothing import Smoothing, fitted_smoothing
from ._state import Calibration, ForecasterState
from ._target import check_target_transform
from ._torch_utils import resolve_device, to_numpy
from ._transforms import Recipe, fit_transforms
from ._validation import check_auto_bool, check_bool, check_int, regular_frequency, seasonal_period
from ._warnings import warn
from ._windowing import WindowIndex, min_rows, ragged_arange, window_index
from .conformal import interval_settings
from .networks import network_settings

LOSSES = {"mse": "mse_loss", "mae": "l1_loss", "huber": "huber_loss"}  # torch.nn.functional


def fit_forecaster(params: dict, panel: Panel, has_y: bool) -> ForecasterState:
    """The state of ``LSTMForecaster.fit`` on a checked panel (``has_y``: the targets came
    as ``y``); ``params`` are its :func:`forecaster_settings`. Settings left at "auto" are
    chosen among candidate models first (:mod:`._selection`)."""
    if is_auto(params):
        params, first = choose(params, panel, has_y, fit_panel)
        state = replace(fit_model(params, panel, has_y, first), model=first.model)
    else:
        state = replace(fit_model(params, panel, has_y), model=describe(params, None, None))
    if _needs_a_copy(params, state, panel):
        state = _calibrated_on_a_copy(params, state, panel, has_y)
    return replace(state, model={**state.model, "smoothing": state.smoothing is not None})


# a panel of this many series or more calibrates "auto" on its own windows, "refit" on one
# window per series (either way, enough errors for a 95% interval)
PANEL_SERIES = 19


def _needs_a_copy(params: dict, state: ForecasterState, panel: Panel) -> bool:
    """Whether the intervals are calibrated on a copy: always for "refit", never for
    "validation"; for "auto" unless the fit holds validation windows of a panel of
    PANEL_SERIES series or more, whose errors (hundreds, each in its window's spread) held
    near nominal on the benchmark's panels without a copy (docs/intervals.md)."""
    if params["calibration"] != "auto":
        return params["calibration"] == "refit"
    table = state.calibration
    own_windows = table.errors is not None and not table.in_sample
    return not (own_windows and len(all_lengths(panel.lengths)) >= PANEL_SERIES)


def fit_model(params: dict, panel: Panel, has_y: bool, first=None) -> ForecasterState:
    """The network, transforms and validation calibration of a fit: :func:`fit_panel` (or
    ``first``, its state already made), then with ``retrain_on_all`` the retrain on every
    window."""
    first = fit_panel(params, panel, has_y) if first is None else first
    if not params["retrain_on_all"]:
        return first
    history, final = dict(first.history, retrain_loss=[]), first
    # history is shared by every process of a distributed fit: all retrain or none does
    if history["val_loss"] and params["early_stopping"] and first.best_epoch >= 0:
        retrained = _retrained({**params, "smoothing": first.smoothing is not None}, panel,
                               has_y, first.best_epoch + 1)
        if retrained is not None:
            final, history["retrain_loss"] = retrained, retrained.history["loss"]
    return replace(final, history=history, best_epoch=first.best_epoch,
                   calibration=first.calibration)


def _retrained(params: dict, panel: Panel, has_y: bool, epochs: int):
    """A fit on every window, without validation, for ``epochs``; None (with a warning) when
    its training diverged and it kept its initial weights."""
    settings = {**params, "validation_fraction": 0.0, "early_stopping": False,
                "epochs": epochs, "retrain_on_all": False}
    with warnings.catch_warnings():  # the data's warnings came with the first fit
        warnings.simplefilter("ignore")
        final = fit_panel(settings, panel, has_y)
    if final.best_epoch < 0:
        warn(
            f"retrain_on_all: the second fit, on every window for {epochs} epochs, "
            f"diverged (its loss rose above its initial loss); the model keeps the first "
            f"fit. Try a lower lr (now {params['lr']:g})."
        )
        return None
    trained = len(final.history["loss"])
    if trained < epochs:
        warn(
            f"retrain_on_all: the second fit stopped after {trained} of {epochs} epochs (a "
            f"non-finite loss or an interrupt) and keeps its best epoch's weights."
        )
    return final


def fit_panel(params: dict, panel: Panel, has_y: bool) -> ForecasterState:
    """One training run on a checked panel, calibrated on its validation windows."""
    p = SimpleNamespace(**params)
    season = _resolve_season(p, panel)
    window = _resolve_window(p, panel, season)
    windows = _window_index(p, panel, window)
    _require_grid(panel)
    hybrid = p.instance_norm == "level"
    recipe = replace(_recipe(p, panel, season), additive=hybrid,
                     target=_target_transform(p, panel))
    static_scaler = None if panel.static is None else fit_scaler(
        "standard" if p.scaler == "naive" else p.scaler,
        all_rows(panel.static))  # across series: every rank's
    transforms = fit_transforms(panel, windows.fit_rows, recipe, static_scaler)
    device = resolve_device(p.device)
    row_series = panel.series_of_rows()
    data = DevicePanel(transforms.apply(panel.values, row_series),
                       transforms.static, window, p.horizon, panel.n_targets, device,
                       future=panel.n_future > 0,
                       positions=transforms.positions(row_series, season) if hybrid else None)
    roles = _window_roles(windows, p.calibration_fraction, device)
    levels = trained_levels(p.quantiles)
    train = functools.partial(
        train_network, device=device,
        input_size=panel.values.shape[1] + len(panel.static_names),
        output_size=p.horizon * panel.n_targets * (len(levels) if levels else 1),
        batches=data.batches(roles.starts, roles.series),
        train_idx=roles.train_idx,
        val_idx=roles.val_idx,
        estimator="LSTMForecaster", data_parallel=True,
        agree=_layout(panel, window, season),
        series_ids=panel.ids,
    )
    options = _net_options(p, panel, window, season)
    if p.ensemble is None:
        trained = train(params, loss_fn=_loss_function(p.loss, levels), net_options=options)
    else:
        trained = _train_members(train, params, options, window, levels)
    if hybrid:
        trained.module.pool_unseen()
    ends = panel.offsets[1:]
    rows = np.maximum(ends[:, None] - window + np.arange(window), panel.offsets[:-1, None])
    target = transforms.target
    state = ForecasterState(
        network=trained.module, device=device, net_config=trained.net_config,
        window=window, horizon=p.horizon, season=season,
        reading={"target": p.target, "id_column": p.id_column, "time_column": p.time_column,
                 "static_columns": p.static_columns},
        future_columns=future_names(p.future_columns), form=panel.form, fitted_with_y=has_y,
        n_features=panel.n_features, feature_names=panel.feature_names,
        n_targets=panel.n_targets,
        ids=panel.ids, lengths=panel.lengths.copy(), last_index=panel.last_labels(),
        freq=panel.freq, last_window=panel.values[rows], static=panel.static,
        scaler=transforms.scaler, profile=transforms.profile, static_scaler=static_scaler,
        scaler_kind=p.scaler, seasonal_test=recipe.test,
        target_transform=None if target is None else target.kind,
        target_lambda=None if target is None else target.lam,
        target_decreasing=None if target is None else target.decreasing,
        quantiles=levels, history=trained.history, best_epoch=trained.best_epoch,
    )
    state, honest = _with_smoothing(params, state, panel, data, windows.fit_rows)
    calibration = _calibration(trained.module, data, roles.calibration, panel.offsets, levels,
                               log_scales(transforms, panel.n_targets),
                               local_scale_on(p.local_scale, len(all_lengths(panel.lengths))),
                               honest, state.smoothing_combine)
    return replace(state, calibration=calibration)


def _with_smoothing(params: dict, state: ForecasterState, panel: Panel, data: DevicePanel,
                    fit_rows: np.ndarray):
    """The state with each series' exponential smoothing (``smoothing``), its parameters
    chosen on all its rows, or without it; and the smoothing to calibrate the validation
    windows with (parameters chosen on the training rows only), or None. One series combines
    its network's forecast with the smoothing's by their median, a panel by their mean (see
    :func:`._smoothing.combination_members`).

    "auto": on where the model reads targets only (the smoothing reads no covariate), unless
    a series keeps a seasonal pattern that the smoothing cannot follow (:func:`_pattern_left`).
    """
    setting = params["smoothing"]
    if isinstance(setting, str):
        setting = panel.values.shape[1] == panel.n_targets  # same on every rank
    if not setting:
        return state, None
    targets = to_numpy(data.values[:, : panel.n_targets]).astype(np.float64)
    if isinstance(params["smoothing"], str) and smallest(int(not _pattern_left(
            state, panel, targets, fit_rows))) == 0:  # a collective call
        return state, None
    final = fitted_smoothing(targets, panel.offsets, panel.lengths, state.window)
    honest = final if np.array_equal(fit_rows, panel.lengths) else fitted_smoothing(
        targets, panel.offsets, fit_rows, state.window)  # without validation rows: the same
    combine = "median" if len(all_lengths(panel.lengths)) == 1 else "mean"
    return replace(state, smoothing=final, smoothing_combine=combine), honest


def _pattern_left(state: ForecasterState, panel: Panel, targets: np.ndarray,
                  fit_rows: np.ndarray) -> bool:
    """Whether the training rows of a series (``targets``, as the network reads them) keep a
    significant seasonal pattern (90%, tested over at least TEST_SEASONS seasons) because none
    was removed: with ``deseasonalize=False``, or without a time index to place the rows in the
    season. Series too short for the test keep the smoothing."""
    if state.season <= 1 or state.profile is not None:
        return False
    training = ragged_arange(panel.lengths) < np.repeat(fit_rows, panel.lengths)
    offsets = np.concatenate([[0], np.cumsum(fit_rows)])
    left = fit_seasonal_profile(targets[training], ragged_arange(fit_rows), state.season,
                                test=True, offsets=offsets)
    return left is not None


def _calibration(network, data: DevicePanel, windows: WindowIndex, offsets, levels, log_scale,
                 local_scale: bool, smoothing, combine: str):
    """The conformal tables of the calibration windows; when the fit held no validation window
    (on any rank), those of a naive forecast (each window's last value) over every training
    window, marked in-sample: an interval is never refused, and it warns how it was made."""
    if -smallest(-int(windows.n_val > 0)):  # some rank has validation windows
        return calibrate(network, data, windows, offsets, levels, True, log_scale, local_scale,
                         smoothing, combine)
    starts, series = windows.train_starts, windows.train_series
    errors = error_scores(_naive_errors(data, starts),
                          None if log_scale is None else log_scale[series])
    spreads = window_spread(data, starts, offsets[series]) if local_scale else None
    return calibration_tables(errors, spreads, gather=True, relative=log_scale is not None,
                              in_sample=True)


def _naive_errors(data: DevicePanel, starts: np.ndarray) -> np.ndarray:
    """The errors (N, H, T) (actual less forecast), in network units, of forecasting every
    step after the windows starting at ``starts`` by the window's last target value."""
    n, shape = len(starts), (len(starts), data.horizon, data.n_targets)
    if n == 0:
        return np.empty(shape)
    actual = to_numpy(data.targets(data.long_tensor(starts))).astype(np.float64).reshape(shape)
    last_rows = data.long_tensor(starts + data.window - 1)
    last = to_numpy(data.values[last_rows, : data.n_targets]).astype(np.float64)
    return actual - last[:, None, :]


def _loss_function(loss: str, levels):
    """The training loss: the pinball loss of trained quantiles, else ``loss``'s."""
    return pinball_loss(levels) if levels else getattr(torch.nn.functional, LOSSES[loss])


def _train_members(train, params: dict, options: dict, window: int, levels) -> Trained:
    """An Ensemble's members, one per (window, loss, seed), trained one after another and
    stored as one MedianEnsemble; the history is the first member's, with every member's
    under "members"."""
    ensemble = params["ensemble"]
    seed = params["random_state"]
    members = []
    losses = [params["loss"]] if levels else ensemble["losses"] or [params["loss"]]
    for w, loss in itertools.product(ensemble["windows"] or [window], losses):
        for k in range(ensemble["seeds"]):
            member_seed = seed + k if isinstance(seed, (int, np.integer)) else seed
            member_options = {**options, "input_steps": 0 if w == window else w}
            members.append(train({**params, "loss": loss, "random_state": member_seed},
                                 loss_fn=_loss_function(loss, levels),
                                 net_options=member_options))
    module = MedianEnsemble([member.module for member in members]).eval()
    first = members[0]
    history = {**first.history, "members": [member.history for member in members]}
    return Trained(module, history, first.best_epoch,
                   {"members": [member.net_config for member in members]})


def forecaster_settings(params: dict) -> dict:
    """LSTMForecaster's parameters, checked, with its parameter objects spread out: the
    network's and the intervals' settings and the column names become flat entries, as the
    fit path and the agreement of distributed ranks read them."""
    settings = {key: value for key, value in params.items()
                if key not in ("columns", "network", "intervals")}
    intervals = interval_settings(params["intervals"])
    settings.update(
        **network_settings(params["network"]), **column_settings(params["columns"]),
        network_auto=params["network"] is None,
        calibration=intervals["calibration"], calibration_fraction=intervals["fraction"],
        conformal_pooling=intervals["pooling"], local_scale=intervals["local_scale"],
    )
    _check_settings(settings)
    return settings


def _check_settings(settings: dict) -> None:
    """Check the settings of LSTMForecaster that its parameter objects do not check."""
    p = SimpleNamespace(**settings)
    if p.window is not None:
        check_int("window", p.window, 1)
    check_int("horizon", p.horizon, 1)
    if p.scaler is not None and p.scaler not in (*TIME_SCALERS, "auto"):
        raise ValueError(
            f"scaler must be 'auto', one of {TIME_SCALERS} or None; got {p.scaler!r}."
        )
    if p.season not in ("auto", None):
        check_int("season", p.season, 1)
    check_auto_bool("deseasonalize", p.deseasonalize)
    check_auto_bool("smoothing", p.smoothing)
    check_bool("retrain_on_all", p.retrain_on_all)
    if p.loss not in (*LOSSES, "auto"):
        raise ValueError(f"loss must be 'auto' or one of {tuple(LOSSES)}; got loss={p.loss!r}.")
    for loss in (p.ensemble or {}).get("losses") or ():
        if loss not in LOSSES:
            raise ValueError(f"Ensemble's losses must be among {tuple(LOSSES)}; got {loss!r}.")
    if p.quantiles is not None:
        check_levels(p.quantiles, "quantiles")
    check_target_transform(p.target_transform)
    check_common_params(settings)


# -- calibration on a copy --------------------------------------------------------------------


def _calibrated_on_a_copy(params, state, panel: Panel, has_y: bool) -> ForecasterState:
    """``calibration="auto"`` or ``"refit"``: the errors of a copy fitted without the
    calibration rows replace those of the validation windows ("refit") or are averaged with
    them ("auto", :func:`averaged_tables`), unless the series are too short for a copy (then
    the fit's own tables stay; "refit" warns). A panel of more than
    CHOICE_SERIES series (on this rank) trains its copy on CHOICE_SERIES of them, evenly
    spaced: a window each already gives about 100 errors per step."""
    n_windows = _refit_windows(state, panel)
    panel = sampled(panel)
    shortfall = _refit_shortfall(state, panel, n_windows + state.horizon - 1)
    if shortfall:
        if params["calibration"] == "refit":
            warn(
                f"calibration='refit' trains a copy of the model without the last "
                f"{n_windows + state.horizon - 1} rows of each series, but {shortfall}; the "
                f"intervals are calibrated on the validation windows instead."
            )
        return state
    with warnings.catch_warnings():  # the data's warnings came with the fit
        if params["calibration"] == "auto":
            warnings.simplefilter("ignore")
        try:
            tables = refit_calibration(params, state, panel, has_y, n_windows)
        except ValueError:  # the settings need more rows than the copy keeps
            if params["calibration"] == "refit":
                raise
            return state
    if params["calibration"] == "auto":
        tables = averaged_tables(tables, state.calibration)
    return replace(state, calibration=tables)


def _copy_schedule(params: dict, state: ForecasterState) -> dict:
    """The calibration copy's settings: the fit's, trained for the epochs early stopping
    chose (``best_epoch_ + 1``) without stopping early, so that the copy costs no more than
    the epochs the model kept; silently, as one fit."""
    if not params["early_stopping"] or state.best_epoch < 0:
        return {**params, "verbose": 0}
    return {**params, "epochs": state.best_epoch + 1, "early_stopping": False, "verbose": 0}


def refit_calibration(params: dict, state: ForecasterState, panel: Panel, has_y: bool,
                      n_windows) -> Calibration:
    """``calibrate(refit=True)``'s tables: those of a copy fitted without each series' last
    ``n_windows + horizon - 1`` rows (for the epochs the fit kept), on the windows that
    forecast them."""
    check_int("n_windows", n_windows, 1)
    held = n_windows + state.horizon - 1
    shortfall = _refit_shortfall(state, panel, held)
    if shortfall:
        raise ValueError(
            f"calibrate(refit=True) with n_windows={n_windows} and horizon={state.horizon} "
            f"trains a copy without the last {held} rows of each series, but {shortfall}. "
            f"Pass fewer windows, longer series, or use refit=False."
        )
    long_enough = np.flatnonzero(panel.lengths > held)
    if len(long_enough) < panel.n_series:
        warn(
            f"calibrate(refit=True): {panel.n_series - len(long_enough)} of "
            f"{panel.n_series} series have at most {held} rows (n_windows + horizon - 1) "
            f"and are left out of the calibration; their intervals use the errors of the "
            f"others."
        )
        panel = panel.take(long_enough)
    settings = {**_copy_schedule(params, state), "window": state.window,
                "calibration": "validation", "smoothing": state.smoothing is not None}
    _check_settings(settings)
    copy = fit_model(settings, panel.head(panel.lengths - held), has_y)
    return panel_calibration(_smoothing_as(copy, state), panel, n_windows, True,
                             params["local_scale"])


def _smoothing_as(copy: ForecasterState, state: ForecasterState) -> ForecasterState:
    """The calibration copy combining its smoothing as the model does: by the model's rule
    (whatever series the copy kept), and with the Comb alone for a model saved before Theta,
    so that it is calibrated on the forecasts the model makes."""
    if copy.smoothing is None or state.smoothing is None:
        return copy
    methods = state.smoothing.alpha.shape[-1]
    return replace(copy, smoothing_combine=state.smoothing_combine,
                   smoothing=Smoothing(*(values[..., :methods] for values in copy.smoothing)))


def _refit_shortfall(state: ForecasterState, panel: Panel, held: int) -> str | None:
    """Why no copy can train without the last ``held`` rows of each series, or None.

    Distributed, every rank must keep a training window, so that all of them train the
    copy or none does."""
    kept = smallest(int(panel.lengths.max())) - held
    needed = state.window + state.horizon
    if kept >= needed:
        return None
    return (f"the longest series then keeps {max(kept, 0)} rows, fewer than the "
            f"window + horizon = {needed} of one training window")


COPY_WINDOWS = 20  # most windows per series a copy calibrates on: enough for 95% per step


def _refit_windows(state: ForecasterState, panel: Panel) -> int:
    """``calibration="refit"``'s windows per series: 1 for PANEL_SERIES series or more, else
    those of the last third of the median series, at least 1 and at most COPY_WINDOWS (the
    windows nearest the copy's training end); distributed, of every rank's."""
    lengths = all_lengths(panel.lengths)
    if len(lengths) >= PANEL_SERIES:
        return 1
    third = int(np.median(lengths)) // 3 - state.horizon + 1
    return min(COPY_WINDOWS, max(1, third))


# -- steps of a fit ---------------------------------------------------------------------------


def _resolve_season(p, panel: Panel) -> int:
    """``season``, or for "auto" the period of the index frequency; 1 for none."""
    if p.season == "auto":
        offset = panel.freq if isinstance(panel.freq, pd.offsets.BaseOffset) else None
        return seasonal_period(offset)
    return 1 if p.season is None else p.season


def _resolve_window(p, panel: Panel, season: int) -> int:
    """The longest of an Ensemble's windows; else ``window``, or for None:
    ``max(2 * season, horizon, 10)`` capped to fit the median series."""
    if p.ensemble is not None and p.ensemble["windows"] is not None:
        return max(p.ensemble["windows"])
    if p.window is not None:
        return p.window
    lengths = all_lengths(panel.lengths)  # distributed: every rank's series
    room = (int(np.median(lengths)) - p.horizon) // 2
    return max(1, min(max(2 * season, p.horizon, 10), room))


def _window_index(p, panel: Panel, window: int) -> WindowIndex:
    """Every series' windows, split in time; raise or warn about series too short."""
    windows = window_index(panel.offsets, window, p.horizon, p.validation_fraction)
    needed = min_rows(window, p.horizon)
    if not windows.trained.any():
        what = "X has" if panel.ids is None else "The longest series of X has"
        raise ValueError(
            f"{what} {int(panel.lengths.max())} rows, but window={window} and "
            f"horizon={p.horizon} need at least {needed} rows for one training window. "
            f"Pass a longer series or reduce window/horizon."
        )
    untrained = int((~windows.trained).sum())
    if untrained:
        warn(
            f"{untrained} of {panel.n_series} series have fewer than {needed} rows "
            f"(window + horizon): they are forecast by the global model but not trained on."
        )
    if p.validation_fraction > 0 and windows.n_val == 0:
        warn(
            f"Too few windows ({windows.n_train}) to hold out validation_fraction="
            f"{p.validation_fraction} of them with horizon={p.horizon}: trained on "
            f"every window without validation (early stopping watches the training loss; "
            f"history_['val_loss'] is empty). Pass a longer series for validation."
        )
    return windows


def _recipe(p, panel: Panel, season: int) -> Recipe:
    """How each series' transforms are fitted; raise when deseasonalize=True cannot be.

    Unlike the scaler, the seasonal pattern is estimated on every row, validation rows
    included: the most recent seasons are the best guide to the next ones. "auto" adjusts
    every series with two seasons of rows, untested (see docs/guide.md).
    """
    auto = isinstance(p.deseasonalize, str)  # "auto"; else a bool (checked)
    recipe = Recipe(p.scaler, season, adjust=False, test=False)
    if not (auto or p.deseasonalize):
        return recipe
    if season < 2:
        if auto:
            return recipe
        raise ValueError(
            f"deseasonalize=True needs a seasonal period above 1, but season={p.season!r} "
            f"gives {season}; set season=..., or pass an index whose frequency "
            f"implies one (e.g. monthly), or set deseasonalize='auto' or False."
        )
    if panel.time is None or panel.freq is None:
        if not auto:
            raise ValueError(
                "deseasonalize=True needs an index that places each row in time (a "
                "PeriodIndex, a regular DatetimeIndex, or integer labels with a constant "
                "step), so that later contexts can be placed in the season; pass a pandas "
                "Series or DataFrame (e.g. pd.Series(values)), or set deseasonalize='auto' "
                "or False."
            )
        return recipe
    longest = int(panel.lengths.max())
    if not auto and longest < MIN_SEASONS * season:
        raise ValueError(
            f"deseasonalize=True needs at least {MIN_SEASONS} seasons "
            f"({MIN_SEASONS * season} rows); got {longest}. Pass a longer series or "
            f"set deseasonalize='auto' or False."
        )
    return replace(recipe, adjust=True)


def _target_transform(p, panel: Panel):
    """``target_transform``; for the hybrid network left at None, "log" when every target
    value is positive (a multiplicative model), else None (additive)."""
    if p.instance_norm != "level" or p.target_transform is not None:
        return p.target_transform
    targets = panel.values[:, : panel.n_targets]
    return "log" if smallest(float(targets.min())) > 0 else None  # every rank's


def _net_options(p, panel: Panel, window: int, season: int) -> dict:
    """The forecasting options of LSTMNet: head width and per-window normalisation."""
    head_steps = min(p.horizon, window) if p.head == "sequence" else 1
    skip = p.seasonal_skip and season <= window
    future = {"future_steps": p.horizon, "n_future": panel.n_future}
    if p.instance_norm == "level":
        period = max(season, 1) if panel.time is not None and panel.freq is not None else 1
        if period != max(season, 1):
            warn(
                f"HybridNetwork: the data have no time index that places each row in the "
                f"season, so that later contexts could be placed in it; the model has no "
                f"seasonal indices (season {season} is left to the LSTM). Pass a pandas "
                f"Series or DataFrame with a DatetimeIndex or PeriodIndex for them."
            )
        if panel.n_future:
            raise ValueError(
                "HybridNetwork forecasts from the targets' own past (and past or static "
                "covariates); it reads no future-known columns. Leave columns['future'] "
                "out, or use network=LSTMNetwork()."
            )
        return {"head_steps": head_steps, "instance_norm": "level",
                "n_targets": panel.n_targets, "n_static": len(panel.static_names),
                "n_quantiles": len(trained_levels(p.quantiles) or (0.5,)),
                "n_series": panel.n_series, "period": period}
    return {
        "head_steps": head_steps,
        "instance_norm": p.instance_norm,
        "n_targets": panel.n_targets,
        "season": season if skip else 1,
        "n_static": len(panel.static_names),
        **(future if panel.n_future else {}),
        "n_quantiles": len(trained_levels(p.quantiles) or (0.5,)),
    }


def _layout(panel: Panel, window: int, season: int) -> dict:
    """What every rank of a distributed fit must share about its part of the panel."""
    return {"window": window, "season": season, "form": panel.form.kind,
            "features": panel.feature_names, "targets": panel.form.target_names,
            "static": list(panel.static_names), "freq": panel.freq,
            "index": type(panel.time).__name__}


class _WindowRoles(NamedTuple):
    """Every window's part in a fit: the batches gather ``starts``/``series``; training steps
    draw from ``train_idx``; early stopping watches ``val_idx`` (None: no validation); the
    conformal errors come from the ``calibration`` windows."""

    starts: np.ndarray
    series: np.ndarray
    train_idx: torch.Tensor
    val_idx: torch.Tensor | None
    calibration: WindowIndex


def _window_roles(windows: WindowIndex, fraction: float, device) -> _WindowRoles:
    """Hold the last ``ceil(fraction * n)`` of each series' ``n`` validation windows (at most
    ``n - 1``, so that early stopping keeps one) for calibration; without any, calibrate on
    every validation window."""
    counts = np.bincount(windows.val_series, minlength=len(windows.fit_rows))
    held = np.minimum(np.ceil(fraction * counts).astype(np.int64), np.maximum(counts - 1, 0))
    position = ragged_arange(counts)  # each window's place among its series' validation windows
    calibrating = position >= (counts - held)[windows.val_series]  # (n_val,) bool
    positions = torch.arange(windows.n_train + windows.n_val, device=device)
    val_idx = positions[windows.n_train :][torch.as_tensor(~calibrating, device=device)]
    calibration = windows
    if calibrating.any():
        calibration = replace(windows, val_starts=windows.val_starts[calibrating],
                              val_series=windows.val_series[calibrating])
    return _WindowRoles(
        np.concatenate([windows.train_starts, windows.val_starts]),
        np.concatenate([windows.train_series, windows.val_series]),
        positions[: windows.n_train],
        val_idx if windows.n_val else None,
        calibration,
    )


def _require_grid(panel: Panel) -> None:
    """Raise when datetimes are too few to tell their frequency (the forecast needs it)."""
    if isinstance(panel.time, pd.DatetimeIndex) and panel.freq is None:
        regular_frequency(panel.time)  # raises, saying why and what to do
