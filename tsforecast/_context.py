"""The contexts a fitted forecaster forecasts from: the stored last windows of the series seen
at fit, or data given to ``predict``, ``predict_rolling``, ``score``, ``calibrate`` and
``backtest``, read as a Panel on the fit's layout, with each series' transforms (fitted for
series seen at fit, fitted on the context for new ones), and the future-known values over the
forecast. One place prepares every context; functions of a ForecasterState and data.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import NamedTuple

import numpy as np
import pandas as pd

from ._future import future_values
from ._outputs import future_labels
from ._panel import Form, Panel, as_panel
from ._smoothing import Smoothing
from ._state import ForecasterState
from ._transforms import Recipe, Transforms, context_transforms, scale_static
from ._warnings import warn


class Rows(NamedTuple):
    """What the network reads: stacked rows, series offsets and the rows' transforms; for
    the stored last windows, each series' exponential smoothing state before them."""

    values: np.ndarray
    offsets: np.ndarray
    transforms: Transforms
    smoothing: Smoothing | None = None


@dataclass(frozen=True)
class Context:
    """The series to forecast from: their stacked rows in data units with their transforms
    (``rows``), and what labels the output (``form``, ``ids``, each series' last label,
    length and grid)."""

    rows: Rows
    form: Form
    ids: pd.Index | None
    last_labels: pd.Index | None
    lengths: np.ndarray
    freq: object

    @property
    def n_series(self) -> int:
        return len(self.rows.offsets) - 1

    @property
    def ends(self) -> np.ndarray:
        """The row after each series' last observed row (appended rows start there)."""
        return self.rows.offsets[1:]

    def labels(self, n_steps: int) -> pd.Index | None:
        """The time labels of ``n_steps`` forecast steps after every series, series-major."""
        return future_labels(self.last_labels, self.lengths, n_steps, self.freq)


def column_settings(columns) -> dict:
    """``columns`` (None or a dict with keys "id", "time", "static", "future") as the keyword
    arguments of ``as_panel``, with the defaults filled in."""
    names = {"id": "unique_id", "time": "ds", "static": None, "future": None}
    if columns is None:
        columns = {}
    if not isinstance(columns, dict) or set(columns) - set(names):
        unknown = sorted(map(str, set(columns) - set(names))) if isinstance(columns, dict) else ""
        raise ValueError(
            f"columns must be None or a dict with keys among {list(names)}; got "
            f"{columns!r}{f' (unknown keys {unknown})' if unknown else ''}."
        )
    names.update(columns)
    for key in ("id", "time"):
        value = names[key]
        if not isinstance(value, (str, int)) or isinstance(value, bool):
            raise TypeError(f"columns[{key!r}] must be a column name (str or int); got {value!r}.")
    if names["id"] == names["time"]:
        raise ValueError(f"columns 'id' and 'time' must differ; both are {names['id']!r}.")
    _check_future_columns(names["future"])
    return {"id_column": names["id"], "time_column": names["time"],
            "static_columns": names["static"], "future_columns": names["future"]}


def _check_future_columns(value) -> None:
    """Raise unless ``columns["future"]`` is None, a column name or position, or a list of them."""
    names = [value] if isinstance(value, (str, int, np.integer)) else value
    ok = value is None or (
        isinstance(names, (list, tuple))
        and all(isinstance(n, (str, int, np.integer)) and not isinstance(n, bool) for n in names)
    )
    if not ok:
        raise TypeError(
            f"columns['future'] (the future-known columns) must be a column name or position, "
            f"a list of them, or None; got {value!r}."
        )


def read_panel(state: ForecasterState, X, y) -> Panel:
    """A context ``X`` (and ``y``) as a Panel laid out as at fit; raise when it is not."""
    _check_y_given(state, y is not None)
    panel = as_panel(X, y, **state.reading, freq=state.freq, future_columns=state.future_columns)
    _check_feature_layout(state, panel)
    _check_grid(state, panel)
    return panel


def read_context(state: ForecasterState, X=None, y=None) -> Context:
    """The context of a forecast after the end of every series: the stored last windows when
    ``X`` and ``y`` are None, else the given series (one series needs ``window`` rows)."""
    if X is None and y is None:
        return Context(stored_rows(state), state.form, state.ids, state.last_index,
                       state.lengths, state.freq)
    panel = read_panel(state, X, y)
    if panel.form.kind == "single":
        check_context_length(state, panel.lengths[0], state.window, "predict")
    else:
        _warn_short_series(state, panel)
    rows = Rows(panel.values, panel.offsets, panel_transforms(state, panel))
    return Context(rows, panel.form, panel.ids, panel.last_labels(), panel.lengths, panel.freq)


def stored_rows(state: ForecasterState) -> Rows:
    """The stored last window of every series seen at fit, with its fitted transforms."""
    n_series, window, n_columns = state.last_window.shape
    lengths = np.minimum(state.lengths, window)
    # steps of the stored rows from each series' last row; padding repeats the first row
    steps = np.maximum(np.arange(window) - (window - 1), -(lengths[:, None] - 1)).ravel()
    static = scale_static(state.static_scaler, state.static)
    transforms = Transforms(state.scaler, state.profile, steps, static, state.target_map())
    offsets = np.arange(n_series + 1) * window
    return Rows(state.last_window.reshape(-1, n_columns), offsets, transforms, state.smoothing)


def panel_transforms(state: ForecasterState, panel: Panel) -> Transforms:
    """The transforms of a context's series: fitted ones for series seen at fit, fitted on
    the context itself for new ones."""
    fitted = Transforms(state.scaler, state.profile, None, None, state.target_map())
    recipe = Recipe(state.scaler_kind, state.season, True, state.seasonal_test,
                    additive=state.hybrid)
    positions = fitted_positions(state, panel)
    transforms = context_transforms(panel, positions, fitted, recipe, state.last_index,
                                    state.freq, state.static_scaler, phased=state.hybrid)
    # a series new to the model is number n_series in the hybrid network: the pooled one
    return replace(transforms, numbers=np.where(positions >= 0, positions, state.n_series))


def fitted_positions(state: ForecasterState, panel: Panel) -> np.ndarray:
    """For each context series, its position among the fitted series, or -1 if new.

    Ids match: a long frame's, a MultiIndex's or a dict's. A list has no ids but positions: it
    is read as the fitted series only when the fit was a list of as many series (the same
    list); any other list holds series new to the model."""
    if panel.form.kind == "list" and (state.form.kind != "list"
                                      or panel.n_series != state.n_series):
        return np.full(panel.n_series, -1)
    if state.ids is None:
        return np.zeros(1, dtype=np.int64) if panel.ids is None else np.full(panel.n_series, -1)
    if panel.ids is None:
        return np.full(1, -1)
    return state.ids.get_indexer(panel.ids)


def warn_unseen_series(state: ForecasterState, panel: Panel) -> None:
    """Warn when a panel scored holds series the fit never saw: the symptom of
    cross-validation folds cut by rows (scikit-learn's TimeSeriesSplit over a long frame sorted
    by series hands each fold other series, not later times)."""
    if state.ids is None or panel.ids is None:
        return
    unseen = int((fitted_positions(state, panel) < 0).sum())
    if unseen == 0:
        return
    warn(
        f"{unseen} of the {panel.n_series} series scored were never seen at fit, so they are "
        f"scaled on their own rows and their score says little about the model. A "
        f"cross-validation splitter that cuts a long frame by rows (scikit-learn's "
        f"TimeSeriesSplit) gives each fold other series, not later times: use "
        f"tsforecast.model_selection.PanelSplit to split every series in time, or "
        f"model_selection.backtest."
    )


def future_rows(state: ForecasterState, X_future, n_steps: int, context: Context):
    """The future-known columns over the forecast as (n_series, rows, F), or None for a model
    without them; raise when they are missing, short or misaligned."""
    if state.n_future == 0:
        if X_future is not None:
            raise ValueError(
                "X_future was given, but this forecaster was fitted without "
                "future_columns, so it reads no future values; drop X_future or refit "
                "with columns={'future': [...]}."
            )
        return None
    rows = max(n_steps, state.horizon)
    if X_future is None:
        raise ValueError(
            f"This forecaster reads the future-known columns {state.future_columns} over the "
            f"forecast; pass their values for the {rows} steps forecast as "
            f"predict(..., X_future=...)."
        )
    return future_values(X_future, state.future_columns, rows, context.form, context.ids,
                         context.labels(rows))


def check_context_length(state: ForecasterState, n_rows: int, needed: int, what: str) -> None:
    """Raise when a one-series context is shorter than ``needed`` rows."""
    if n_rows < needed:
        raise ValueError(
            f"The {what} context has {n_rows} rows, but this forecaster needs at least "
            f"{needed} (window={state.window}"
            + (f", horizon={state.horizon}" if needed > state.window else "")
            + "). Pass a longer context."
        )


def _warn_short_series(state: ForecasterState, panel: Panel) -> None:
    """Warn once when series of a panel context are shorter than ``window``: their windows
    repeat their first row in front, as those of short series at fit."""
    short = np.flatnonzero(panel.lengths < state.window)
    if not len(short):
        return
    first = int(short[0])
    name = first if panel.ids is None else panel.ids[first : first + 1].tolist()[0]
    warn(
        f"{len(short)} of {panel.n_series} series of the context have fewer than "
        f"window={state.window} rows (first: series {name!r}, {int(panel.lengths[first])} "
        f"rows): "
        f"they are forecast from windows padded at the front with their first row. Pass "
        f"at least {state.window} rows per series for forecasts from a full window."
    )


def _check_y_given(state: ForecasterState, given_y: bool) -> None:
    """A context has the targets in y exactly when the fit had them there."""
    if given_y == state.fitted_with_y:
        return
    if state.fitted_with_y:
        raise ValueError(
            "This forecaster was fitted with fit(X, y), so a forecast needs the target "
            "history too: predict(X, y). (Callers of predict(X) alone cannot give it: "
            "scikit-learn's scorers, e.g. scoring='neg_mean_absolute_error', compare "
            "predict(X_test) with y_test; score forecasts with tsforecast.scoring's scorers, "
            "scoring=tsforecast.scoring.neg_mae_scorer or get_scorer('neg_mae'). For a "
            "transformed target use LSTMForecaster(target_transform=...), not "
            "TransformedTargetRegressor.)"
        )
    raise ValueError("This forecaster was fitted with fit(X); drop y.")


def _check_feature_layout(state: ForecasterState, panel: Panel) -> None:
    if panel.n_features != state.n_features:
        raise ValueError(
            f"X has {panel.n_features} columns, but this forecaster was fitted with "
            f"{state.n_features}; pass the same columns as at fit."
        )
    fitted_names = state.feature_names
    if fitted_names is not None and all(isinstance(n, str) for n in fitted_names) and (
            panel.feature_names is not None):
        if list(panel.feature_names) != list(fitted_names):
            raise ValueError(
                f"X's columns {list(panel.feature_names)} differ from those seen at fit "
                f"{list(fitted_names)}; pass the same columns in the same order."
            )
    if panel.n_targets != state.n_targets:
        raise ValueError(
            f"y has {panel.n_targets} columns, but this forecaster was fitted with "
            f"{state.n_targets} target(s)."
        )


def _check_grid(state: ForecasterState, panel: Panel) -> None:
    """Raise when a context's time labels are on another kind of grid than at fit."""
    fit_index, index = state.last_index, panel.time
    timed = (pd.DatetimeIndex, pd.PeriodIndex)
    if not (isinstance(fit_index, timed) and isinstance(index, timed)):
        return
    same_kind = type(fit_index) is type(index)
    same_zone = getattr(fit_index, "tz", None) is None and getattr(index, "tz", None) is None
    if isinstance(index, pd.DatetimeIndex) and same_kind:
        same_zone = (fit_index.tz is None) == (index.tz is None)
    if not (same_kind and same_zone and panel.freq == state.freq):
        raise ValueError(
            f"The context's index ({type(index).__name__}, frequency {panel.freq!r}) is not "
            f"on the time grid of the series seen at fit ({type(fit_index).__name__}, "
            f"frequency {state.freq!r}); pass a context with the same index type, "
            f"time zone and frequency as at fit."
        )
