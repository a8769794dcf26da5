"""Whether what a model file describes fits together, checked before anything uses it: the
network's configuration (LSTMNet's arguments, each size within the format's limits) and a
forecaster's fitted state (one row per series in every per-series field, unique ids, the
window, horizon and targets of the stored windows and of the network, sorted conformal tables).

A failure is a FileError that names the field, which load reports as its one ValueError.
"""

from __future__ import annotations

import inspect

import numpy as np
import pandas as pd

from ._codec import MAX_ARRAY_BYTES, FileError, short
from ._intervals import quantile_pairs, trained_levels
from ._nn import LSTMNet
from ._scaling import ColumnScaler
from ._seasonality import SeasonalProfile
from ._smoothing import COMB_METHODS, METHODS, Smoothing
from ._state import Calibration, ForecasterState
from ._target import NAMED

# Limits of the format (docs/persistence.md, "Limits") on what a file's values may claim.
MAX_WEIGHTS_BYTES = 2 * 2**30  # tensor data: 2**29 (537 million) float32 parameters
MAX_NET_SIZE = MAX_WEIGHTS_BYTES // 4  # any size argument of the network (float32 values)
MAX_LAYERS = 1024  # the network's layers: its skeleton costs time per layer, whatever the bytes
MAX_SEASON = 2**20  # a forecaster's season (a new series' pattern is made of this many rows)
MAX_LENGTH = 2**53  # rows of a series at fit
MAX_SEQUENCE_VALUES = MAX_ARRAY_BYTES // 8  # a sequence estimator's sequence (load predicts one)

# LSTMNet's size arguments and the least value of each; at most MAX_NET_SIZE (num_layers:
# MAX_LAYERS). A missing one has LSTMNet's default.
_NET_SIZES = {"input_size": 1, "output_size": 1, "hidden_size": 1, "num_layers": 1,
              "proj_size": 0, "head_steps": 1, "n_targets": 1, "season": 1, "n_static": 0,
              "future_steps": 0, "n_future": 0, "n_quantiles": 1, "n_series": 0, "period": 1,
              "input_steps": 0}
_NET_DEFAULTS = {name: parameter.default
                 for name, parameter in inspect.signature(LSTMNet).parameters.items()}


def _is_int(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


MAX_MEMBERS = 1024  # an ensemble's members


def check_net_config(config) -> None:
    """Refuse a network configuration that is not LSTMNet's arguments (or ``{"members": [...]}``
    of such, an ensemble's), or whose sizes are out of range, before its skeleton is built
    (which costs time per layer, whatever the bytes)."""
    if isinstance(config, dict) and set(config) == {"members"}:
        members = config["members"]
        if not (isinstance(members, list) and 1 <= len(members) <= MAX_MEMBERS):
            raise FileError(f"an ensemble's configuration must list 1 to {MAX_MEMBERS} "
                            f"members; got {short(members)}.")
        for member in members:
            _check_one_net_config(member)
        return
    _check_one_net_config(config)


def _check_one_net_config(config) -> None:
    if not (isinstance(config, dict) and all(isinstance(key, str) for key in config)):
        raise FileError(f"the network's configuration must be a JSON object; got {short(config)}.")
    unknown = sorted(set(config) - set(_NET_DEFAULTS))
    missing = sorted(name for name, default in _NET_DEFAULTS.items()
                     if default is inspect.Parameter.empty and name not in config)
    if unknown or missing:
        raise FileError(f"the network's configuration must hold LSTMNet's arguments; it has "
                        f"unknown ones {short(unknown)} and lacks {missing}.")
    for name, low in _NET_SIZES.items():
        high = MAX_LAYERS if name == "num_layers" else MAX_NET_SIZE
        value = config.get(name, _NET_DEFAULTS[name])
        if not (_is_int(value) and low <= value <= high):
            raise FileError(f"the network's {name} must be an int in [{low}, {high}]; got "
                            f"{short(value)}.")


def _bad_state(what: str) -> FileError:
    return FileError(
        f"its fitted state does not fit together: {what}. The file is damaged or was edited."
    )


def _state_int(name: str, value, low: int, high: int | None = None) -> int:
    if _is_int(value) and low <= value and (high is None or value <= high):
        return int(value)
    bound = f">= {low}" if high is None else f"in [{low}, {high}]"
    raise _bad_state(f"state_.{name} must be an int {bound}; got {short(value)}")


def _state_array(name: str, value, kinds: str, **dims) -> np.ndarray:
    """``value``, an array of a dtype kind in ``kinds`` ("f", "iu", "b") and of the shape that
    ``dims`` gives (dimension name=size, None for any size), in that order."""
    sizes = tuple(dims.values())
    if not (isinstance(value, np.ndarray) and value.dtype.kind in kinds
            and value.ndim == len(sizes)
            and all(size is None or size == n for size, n in zip(sizes, value.shape))):
        shape = ", ".join(key if size is None else f"{key}={size}" for key, size in dims.items())
        got = (f"shape {value.shape} ({value.dtype})" if isinstance(value, np.ndarray)
               else short(value))
        raise _bad_state(f"state_.{name} must be an array of shape ({shape}); got {got}")
    return value


def check_state(state: ForecasterState) -> None:
    """Refuse (FileError) a forecaster's state whose fields do not fit together.

    Every per-series field holds one row per series (``n_series``: the length of
    ``lengths``), the ids are unique, ``window``, ``horizon`` and the targets are those of the
    stored last windows and of the network's configuration, and the conformal tables are
    sorted, non-negative (but the conformity scores) and consistent with their ranks. Reads
    shapes and compares values, and allocates nothing of the sizes it checks: it runs before
    anything uses them.
    """
    lengths = _state_array("lengths", state.lengths, "iu", n_series=None)
    n = len(lengths)
    if n == 0 or lengths.min() < 1 or lengths.max() > MAX_LENGTH:
        raise _bad_state(f"state_.lengths must be the row counts of at least one series, each "
                         f"in [1, {MAX_LENGTH}]; got {short(lengths)}")
    window = _state_int("window", state.window, 1)
    horizon = _state_int("horizon", state.horizon, 1)
    season = _state_int("season", state.season, 1, MAX_SEASON)
    n_targets = _state_int("n_targets", state.n_targets, 1)
    columns = _state_array("last_window", state.last_window, "f", n_series=n, window=window,
                           columns=None).shape[2]
    if columns < n_targets:
        raise _bad_state(f"state_.last_window has {columns} column(s), fewer than "
                         f"n_targets={n_targets}")
    _check_labels(state, n)
    n_static = _check_transforms(state, n, columns, season, n_targets)
    _check_layout(state, columns, n_static)
    pairs = len(quantile_pairs(state.quantiles))
    _check_calibration(state.calibration, horizon, n_targets, pairs)
    _check_smoothing(state.smoothing, n, n_targets)
    if not isinstance(state.smoothing_combine, str) or state.smoothing_combine not in (
            "mean", "median"):
        raise _bad_state(f"state_.smoothing_combine must be 'mean' or 'median'; got "
                         f"{short(state.smoothing_combine)}")


def _check_smoothing(smoothing, n: int, n_targets: int) -> None:
    """Each series' exponential smoothing: finite parameters and states of every method (the
    three of the Comb in files saved before Theta), the coefficients in [0, 1] (see
    _smoothing)."""
    if smoothing is None:
        return
    if not isinstance(smoothing, Smoothing):
        raise _bad_state(f"state_.smoothing must be None or a Smoothing; got {short(smoothing)}")
    methods = smoothing.alpha.shape[-1] if getattr(smoothing.alpha, "ndim", 0) else None
    if methods not in (COMB_METHODS, METHODS):
        methods = METHODS  # refused below, with the shape it should have
    for name, values in zip(smoothing._fields, smoothing):
        values = _state_array(f"smoothing.{name}", values, "f", n_series=n,
                              n_targets=n_targets, methods=methods)
        if not np.isfinite(values).all():
            raise _bad_state(f"state_.smoothing.{name} must be finite")
        if name in ("alpha", "beta", "phi") and not ((values >= 0) & (values <= 1)).all():
            raise _bad_state(f"state_.smoothing.{name} must lie in [0, 1]")


def _check_labels(state: ForecasterState, n: int) -> None:
    """The series ids (unique) and last time labels: one per series."""
    ids = state.ids
    if ids is None and n != 1:
        raise _bad_state(f"state_.ids is None (one series given alone), but the state holds {n} "
                         f"series")
    if ids is not None and not isinstance(ids, pd.Index):
        raise _bad_state(f"state_.ids must be a pandas Index or None; got {short(ids)}")
    if ids is not None and len(ids) != n:
        raise _bad_state(f"state_.ids holds {len(ids)} series ids, not n_series={n} (one per "
                         f"row of state_.lengths)")
    if ids is not None and not ids.is_unique:
        raise _bad_state(f"state_.ids must be unique; {short(ids[ids.duplicated()][0])} appears "
                         f"more than once")
    last = state.last_index
    if last is not None and not (isinstance(last, pd.Index) and len(last) == n):
        count = len(last) if isinstance(last, pd.Index) else short(last)
        raise _bad_state(f"state_.last_index holds {count} labels, not n_series={n}")


def _check_positive(name: str, values: np.ndarray) -> None:
    if (values <= 0).any():
        raise _bad_state(f"state_.{name} must hold scales > 0; got {float(values.min())!r}")


def _check_transforms(state: ForecasterState, n: int, columns: int, season: int,
                      n_targets: int) -> int:
    """Each series' scaling, seasonal profile, static covariates and Box-Cox lambdas: one row
    per series, the columns of the last windows; returns the number of static covariates."""
    scaler = state.scaler
    if not isinstance(scaler, ColumnScaler):
        raise _bad_state(f"state_.scaler must be a fitted scaler; got {short(scaler)}")
    _state_array("scaler.offset", scaler.offset, "f", n_series=n, columns=columns)
    _check_positive("scaler.scale", _state_array("scaler.scale", scaler.scale, "f", n_series=n,
                                                 columns=columns))
    profile = state.profile
    if profile is not None:
        if not isinstance(profile, SeasonalProfile):
            raise _bad_state(f"state_.profile must be a seasonal profile; got {short(profile)}")
        dims = {"n_series": n, "season": season, "n_targets": n_targets}
        _state_array("profile.shift", profile.shift, "f", **dims)
        _check_positive("profile.scale", _state_array("profile.scale", profile.scale, "f",
                                                      **dims))
    n_static = 0
    if state.static is not None:
        n_static = _state_array("static", state.static, "f", n_series=n,
                                static_columns=None).shape[1]
    scaler = state.static_scaler
    if (scaler is None) != (state.static is None):
        raise _bad_state("state_.static and state_.static_scaler must be both set or both None")
    if scaler is not None:
        if not isinstance(scaler, ColumnScaler):
            raise _bad_state(f"state_.static_scaler must be a fitted scaler; got {short(scaler)}")
        _state_array("static_scaler.offset", scaler.offset, "f", static_columns=n_static)
        _check_positive("static_scaler.scale", _state_array(
            "static_scaler.scale", scaler.scale, "f", static_columns=n_static))
    kind = state.target_transform
    if not (kind is None or (isinstance(kind, str) and kind in NAMED)):
        raise _bad_state(f"state_.target_transform must be None or one of {NAMED}; got "
                         f"{short(kind)}")
    if kind == "boxcox":
        _state_array("target_lambda", state.target_lambda, "f", n_series=n, n_targets=n_targets)
    elif state.target_lambda is not None:
        raise _bad_state("state_.target_lambda must be None unless target_transform='boxcox'")
    if state.target_decreasing is not None:
        _state_array("target_decreasing", state.target_decreasing, "b", n_targets=n_targets)
    return n_static


def _check_layout(state: ForecasterState, columns: int, n_static: int) -> None:
    """The network (every member of an ensemble) reads what the state feeds it and answers
    what it reads back."""
    configs = state.net_config.get("members", [state.net_config])
    hybrid = [config.get("instance_norm") == "level" for config in configs]
    if any(hybrid) and not all(hybrid):
        raise _bad_state("an ensemble's members must all be hybrid networks or none")
    for config in configs:
        _check_member_layout(state, config, columns, n_static)


def _check_member_layout(state: ForecasterState, config: dict, columns: int,
                         n_static: int) -> None:
    """One network's inputs, outputs, targets, quantiles, future-known columns, head, seasonal
    skip and, for a hybrid one, its series and season."""
    horizon, n_targets = state.horizon, state.n_targets
    quantiles = state.quantiles
    if quantiles is not None:
        try:
            levels = trained_levels(quantiles)
        except (TypeError, ValueError) as error:
            raise _bad_state(f"state_.quantiles: {error}") from None
        if tuple(quantiles) != levels:
            raise _bad_state(f"state_.quantiles must be the trained levels {levels}; got "
                             f"{short(quantiles)}")
    n_quantiles = 1 if quantiles is None else len(quantiles)
    future = state.future_columns
    if not isinstance(future, list) or len(future) > columns - n_targets:
        raise _bad_state(f"state_.future_columns names {short(future)}: must be a list of at "
                         f"most the {columns - n_targets} covariate column(s) of "
                         f"state_.last_window (n_future)")
    needs = {
        "input_size": (columns + n_static, f"{columns} column(s) + {n_static} static"),
        "output_size": (horizon * n_targets * n_quantiles,
                        f"horizon={horizon} x n_targets={n_targets} x {n_quantiles} level(s)"),
        "n_targets": (n_targets, "state_.n_targets"),
        "n_static": (n_static, "the columns of state_.static"),
        "n_quantiles": (n_quantiles, "the levels of state_.quantiles"),
        "n_future": (len(future), "len(state_.future_columns)"),
    }
    if future:
        needs["future_steps"] = (horizon, f"horizon={horizon}")
    for name, (value, why) in needs.items():
        if config.get(name, _NET_DEFAULTS[name]) != value:
            raise _bad_state(f"the network (net_config) has {name}="
                             f"{config.get(name, _NET_DEFAULTS[name])}, but the state needs "
                             f"{name}={value} ({why})")
    head = config.get("head_steps", 1)
    if head > min(horizon, state.window):
        raise _bad_state(f"the network's head reads head_steps={head} steps, more than "
                         f"min(horizon, window)={min(horizon, state.window)}")
    skip = config.get("season", 1)
    if skip != 1 and (skip != state.season or skip > state.window):
        raise _bad_state(f"the network's seasonal skip season={skip} must be 1 or "
                         f"state_.season={state.season} (at most window={state.window})")
    if config.get("instance_norm") == "level":
        if config.get("n_series", 0) != state.n_series:
            raise _bad_state(f"the hybrid network has n_series={config.get('n_series')}, but "
                             f"the state has {state.n_series} series")
        if config.get("period", 1) not in (1, max(state.season, 1)):
            raise _bad_state(f"the hybrid network's period={config.get('period')} must be 1 "
                             f"or state_.season={state.season}")
    if not 0 <= config.get("input_steps", 0) <= state.window:
        raise _bad_state(f"the network reads input_steps={config.get('input_steps')} rows, "
                         f"more than window={state.window}")


def _check_table(name: str, table, scores: bool = False, ordered: bool = True,
                 **dims) -> None:
    """A calibration table of ``dims``, sorted along its first axis (``ordered``), and
    non-negative unless it holds conformity ``scores``."""
    table = _state_array(f"calibration.{name}", table, "f", **dims)
    if ordered and (table[1:] < table[:-1]).any():
        raise _bad_state(f"state_.calibration.{name} must be sorted along its first axis")
    if not scores and (table < 0).any():
        raise _bad_state(f"state_.calibration.{name} holds negative errors")


def _check_ranks(name: str, ranks) -> int:
    """Increasing ranks >= 1 of a table; returns their number."""
    ranks = _state_array(f"calibration.{name}", ranks, "iu", n_ranks=None)
    if len(ranks) == 0 or ranks[0] < 1 or (np.diff(ranks) <= 0).any():
        raise _bad_state(f"state_.calibration.{name} must be increasing ranks >= 1; got "
                         f"{short(ranks)}")
    return len(ranks)


def _check_calibration(table, horizon: int, n_targets: int, pairs: int) -> None:
    """The conformal tables: the errors per step, pooled over the steps with their scales,
    and the conformity scores of the trained quantiles' pairs; each with its ranks."""
    if not isinstance(table, Calibration):
        raise _bad_state(f"state_.calibration must be a Calibration; got {short(table)}")
    for flag in ("in_sample", "relative"):
        if not isinstance(getattr(table, flag), (bool, np.bool_)):
            raise _bad_state(f"state_.calibration.{flag} must be a bool; got "
                             f"{short(getattr(table, flag))}")
    if table.errors is None or table.ranks is None:
        if any(value is not None for value in table._replace(in_sample=None, relative=None)):
            raise _bad_state("state_.calibration holds tables without the errors and ranks "
                             "they are read with")
        return
    steps = {"horizon": horizon, "n_targets": n_targets}
    if table.spread is not None:
        _check_table("spread", table.spread, ordered=False, n_targets=n_targets)
        if not (table.spread > 0).all():
            raise _bad_state("state_.calibration.spread must be positive")
    n_ranks = _check_ranks("ranks", table.ranks)
    _check_table("errors", table.errors, n_ranks=n_ranks, **steps)
    pooled = (table.pooled, table.pooled_ranks, table.scale)
    if any(value is None for value in pooled) != all(value is None for value in pooled):
        raise _bad_state("state_.calibration.pooled, pooled_ranks and scale must be all set "
                         "or all None")
    if table.pooled is not None:
        n_pooled = _check_ranks("pooled_ranks", table.pooled_ranks)
        if table.pooled_ranks[-1] != table.ranks[-1] * horizon:
            raise _bad_state(f"state_.calibration.pooled_ranks must count the errors of every "
                             f"step: its last rank is {int(table.pooled_ranks[-1])}, not "
                             f"{int(table.ranks[-1])} x horizon={horizon}")
        _check_table("pooled", table.pooled, n_pooled_ranks=n_pooled, n_targets=n_targets)
        _check_table("scale", table.scale, ordered=False, **steps)
    if table.quantile_errors is None and table.quantile_pooled is None:
        return
    if table.quantile_errors is None or table.quantile_pooled is None or table.pooled is None:
        raise _bad_state("state_.calibration.quantile_errors and quantile_pooled must be both "
                         "set (with the pooled tables) or both None")
    _check_table("quantile_errors", table.quantile_errors, scores=True, n_ranks=n_ranks,
                 **steps, n_pairs=pairs)
    _check_table("quantile_pooled", table.quantile_pooled, scores=True, n_pooled_ranks=n_pooled,
                 n_targets=n_targets, n_pairs=pairs)


def sequence_layout_error(attributes: dict) -> str | None:
    """What is wrong with a sequence estimator's layout at fit (None if nothing), checked
    before load makes a sequence of it: ints >= 1, one sequence of at most MAX_SEQUENCE_VALUES
    values, as many features per step as the network reads, and a 2-D fit's columns those of
    one sequence."""
    length, features = attributes.get("sequence_length_"), attributes.get("n_step_features_")
    if not (_is_int(length) and _is_int(features) and length >= 1 and features >= 1
            and length * features <= MAX_SEQUENCE_VALUES):
        return (f"sequence_length_={short(length)} and n_step_features_={short(features)} must "
                f"be ints >= 1 whose product is at most {MAX_SEQUENCE_VALUES}.")
    config = attributes.get("_net_config")
    if not isinstance(config, dict) or config.get("input_size") != features:
        return f"n_step_features_={features} is not the input_size of the network (_net_config)."
    if attributes.get("_fit_ndim") == 2 and attributes.get("n_features_in_") != length * features:
        return (f"a 2-D fit's n_features_in_={short(attributes.get('n_features_in_'))} must be "
                f"sequence_length_ x n_step_features_ = {length * features}.")
    return None
