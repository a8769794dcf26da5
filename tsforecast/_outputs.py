"""Forecast arrays back into the caller's form: numpy, Series or DataFrame for one series; long
frame, (series, time) MultiIndex, dict or list for a panel, each labelled with the time steps
that continue its series. Imports numpy and pandas only.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from . import _timegrid
from ._panel import Form
from ._validation import infer_frequency


def future_labels(last: pd.Index | None, lengths, horizon: int, freq) -> pd.Index | None:
    """Labels of the ``horizon`` steps after each series (series-major, n_series * horizon).

    Series on a time grid continue their labels; other labelled series (strings, floats,
    irregular integers) continue their row positions; None without labels.
    """
    if last is None:
        return None
    if freq is None:  # labels off any grid: count rows
        positions = pd.Index(np.asarray(lengths, dtype=np.int64) - 1, name=last.name)
        return _timegrid.continue_labels(positions, horizon, 1)
    return _timegrid.continue_labels(last, horizon, freq)


def forecast_output(forecasts: np.ndarray, form: Form, ids, labels: pd.Index | None):
    """``forecasts`` (n_series, horizon, n_targets) in the form of the input.

    ``labels`` are :func:`future_labels` (or None); ``ids`` the series ids (None for a single
    series).
    """
    n_series, horizon, n_targets = forecasts.shape
    names = form.target_names if form.target_names is not None else list(range(n_targets))
    if form.kind == "single":
        return _single_output(forecasts[0], form, labels)
    if form.kind in ("dict", "list"):
        items = [
            _single_output(forecasts[s], form, _series_labels(labels, s, horizon))
            for s in range(n_series)
        ]
        return dict(zip(ids, items)) if form.kind == "dict" else items
    flat = forecasts.reshape(n_series * horizon, n_targets)
    series = np.repeat(np.asarray(ids, dtype=object), horizon)
    if form.kind == "long":
        frame = pd.DataFrame({form.id_name: series, form.time_name: labels})
        for column, name in enumerate(names):
            frame[name] = flat[:, column]
        return frame
    index = pd.MultiIndex.from_arrays([series, labels], names=[form.id_name, form.time_name])
    if form.series_out:
        return pd.Series(flat[:, 0], index=index, name=names[0])
    return pd.DataFrame(flat, index=index, columns=names)


def band_output(bands: np.ndarray, form: Form, ids, labels: pd.Index | None, names: list):
    """Intervals or quantiles ``bands`` (n_series, horizon, n_targets, K) in the form of the
    input, the last axis labelled ``names`` (K), e.g. ``["lower", "upper"]``.

    One series: numpy ``(horizon, K)`` for one target, ``(horizon, n_targets, K)`` for several;
    pandas a DataFrame with columns ``names`` (a (target, name) MultiIndex for several
    targets). A long panel: the id and time columns, then ``names`` (``<target>_<name>`` for
    several targets); a MultiIndex panel: a DataFrame on (series, time); dict or list: per
    series.
    """
    n_series, horizon, n_targets, k = bands.shape
    targets = form.target_names if form.target_names is not None else list(range(n_targets))
    if form.kind == "single":
        return _single_band(bands[0], form, labels, targets, names)
    if form.kind in ("dict", "list"):
        items = [
            _single_band(bands[s], form, _series_labels(labels, s, horizon), targets, names)
            for s in range(n_series)
        ]
        return dict(zip(ids, items)) if form.kind == "dict" else items
    flat = bands.reshape(n_series * horizon, n_targets * k)  # columns: target-major, then K
    series = np.repeat(np.asarray(ids, dtype=object), horizon)
    if form.kind == "long":
        frame = pd.DataFrame({form.id_name: series, form.time_name: labels})
        columns = names if n_targets == 1 else [f"{t}_{n}" for t in targets for n in names]
        for position, column in enumerate(columns):
            frame[column] = flat[:, position]
        return frame
    index = pd.MultiIndex.from_arrays([series, labels], names=[form.id_name, form.time_name])
    return pd.DataFrame(flat, index=index, columns=_band_columns(targets, names, n_targets))


def _single_band(band: np.ndarray, form: Form, labels: pd.Index | None, targets, names):
    """(horizon, n_targets, K) -> ndarray or DataFrame."""
    horizon, n_targets, k = band.shape
    if not form.is_pandas or labels is None:
        return band[:, 0, :] if n_targets == 1 else band
    table = band.reshape(horizon, n_targets * k)
    return pd.DataFrame(table, index=labels, columns=_band_columns(targets, names, n_targets))


def _band_columns(targets, names, n_targets: int) -> pd.Index:
    if n_targets == 1:
        return pd.Index(names)
    return pd.MultiIndex.from_product([targets, names], names=["target", None])


def _series_labels(labels: pd.Index | None, series: int, horizon: int) -> pd.Index | None:
    """One series' labels out of the series-major ``labels``, keeping a datetime frequency."""
    if labels is None:
        return None
    part = labels[series * horizon : (series + 1) * horizon]
    if isinstance(part, pd.DatetimeIndex) and horizon >= 3:
        part.freq = infer_frequency(part)
    return part


def _single_output(forecast: np.ndarray, form: Form, labels: pd.Index | None):
    """(horizon, n_targets) -> ndarray, Series (one target) or DataFrame."""
    n_targets = forecast.shape[1]
    if not form.is_pandas or labels is None:
        return forecast[:, 0] if n_targets == 1 else forecast
    if n_targets == 1:
        name = form.target_names[0] if form.target_names else None
        return pd.Series(forecast[:, 0], index=labels, name=name)
    return pd.DataFrame(forecast, index=labels, columns=form.target_names)


def rolling_output(forecasts, form: Form, ids, origins: pd.Index | None, series: np.ndarray):
    """Rolling forecasts (n_origins, horizon, n_targets) of every series, in the input's form.

    ``origins`` labels each forecast's first step and ``series`` gives its series.
    """
    n_origins, horizon, n_targets = forecasts.shape
    if not form.is_pandas or origins is None:
        if form.kind == "single":
            return forecasts[..., 0] if n_targets == 1 else forecasts
        parts = np.split(forecasts, np.flatnonzero(np.diff(series)) + 1)
        parts = [p[..., 0] if n_targets == 1 else p for p in parts]
        present = [ids[s] for s in np.unique(series)]
        return dict(zip(present, parts)) if form.kind == "dict" else parts
    steps = pd.RangeIndex(1, horizon + 1, name="step")
    if n_targets == 1:
        columns, table = steps, forecasts[..., 0]
    else:
        names = form.target_names or list(range(n_targets))
        columns = pd.MultiIndex.from_product([names, steps], names=["target", "step"])
        table = forecasts.transpose(0, 2, 1).reshape(n_origins, -1)  # (N, T * horizon)
    if form.kind == "single":
        return pd.DataFrame(table, index=origins, columns=columns)
    if form.kind in ("dict", "list"):
        bounds = np.flatnonzero(np.diff(series)) + 1
        frames = [
            pd.DataFrame(rows, index=labels, columns=columns)
            for rows, labels in zip(np.split(table, bounds), _split_index(origins, bounds))
        ]
        present = [ids[s] for s in np.unique(series)]
        return dict(zip(present, frames)) if form.kind == "dict" else frames
    series_ids = np.asarray(ids, dtype=object)[series]
    index = pd.MultiIndex.from_arrays([series_ids, origins], names=[form.id_name, form.time_name])
    frame = pd.DataFrame(table, index=index, columns=columns)
    return frame.reset_index() if form.kind == "long" and n_targets == 1 else frame


def rolling_band_output(bands, form: Form, ids, origins: pd.Index | None, series: np.ndarray,
                        names: list):
    """Rolling intervals or quantiles ``bands`` (n_origins, horizon, n_targets, K) in the form
    of :func:`rolling_output`'s forecasts, one per name of ``names`` (K) side by side.

    numpy: a last axis K. pandas: a DataFrame whose columns hold a first level ``bound``
    (``names``) over the forecasts' columns, so that ``frame[name]`` is laid out as the
    forecasts; a long panel's rows are indexed by (series, time), as its forecasts of several
    targets are. A dict or list: per series.
    """
    kind = "multiindex" if form.kind == "long" else form.kind
    parts = [rolling_output(bands[..., k], replace(form, kind=kind), ids, origins, series)
             for k in range(len(names))]
    return _side_by_side(parts, names)


def _side_by_side(parts: list, names: list):
    """Outputs of the same form, one per name, as one: stacked on a last numpy axis, or
    DataFrames under a first column level ``bound``; dicts and lists item by item."""
    first = parts[0]
    if isinstance(first, np.ndarray):
        return np.stack(parts, axis=-1)
    if isinstance(first, dict):
        return {key: _side_by_side([part[key] for part in parts], names) for key in first}
    if isinstance(first, list):
        return [_side_by_side(list(items), names) for items in zip(*parts)]
    return pd.concat(dict(zip(names, parts)), axis=1, names=["bound"])


def _split_index(index: pd.Index, bounds: np.ndarray) -> list:
    edges = [0, *bounds.tolist(), len(index)]
    return [index[a:b] for a, b in zip(edges[:-1], edges[1:])]
