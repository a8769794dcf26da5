"""Forecasts of a fitted state: one batched pass of the network over windows gathered on the
device, recursive blocks beyond the horizon, and rolling origins inside a context.

Plain functions of a ForecasterState and of stacked rows (``_context`` prepares them).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ._batches import DevicePanel
from ._context import (
    Context,
    Rows,
    check_context_length,
    panel_transforms,
    warn_unseen_series,
)
from ._panel import Panel
from ._smoothing import Smoothing, combination_members, initial_rows, smoothing_forecasts
from ._state import ForecasterState
from ._torch_utils import to_numpy, to_tensor
from ._training import predict_module
from ._validation import check_int
from ._windowing import count_windows, ragged_arange

# The most values a forecast beyond the horizon may hold, series x steps x columns (each step
# appends a row of every column to every series): 64 MiB as float64, the forecast a few times
# that. A forecast of at most ``horizon`` steps is one pass and always allowed.
MAX_FORECAST_VALUES = 2**23


def check_n_steps(state: ForecasterState, n_steps, n_series: int) -> int:
    """``n_steps`` checked; None means the horizon.

    Parameters
    ----------
    state : ForecasterState
    n_steps : int or None
    n_series : int
        Series forecast (those of the context).

    Returns
    -------
    n_steps : int

    Raises
    ------
    ValueError
        When ``n_steps`` exceeds the horizon and ``n_series * n_steps * columns`` exceeds
        ``MAX_FORECAST_VALUES``: such a forecast is made in pieces.
    """
    if n_steps is None:
        return state.horizon
    check_int("n_steps", n_steps, 1)
    n_steps = int(n_steps)
    n_series = int(n_series)
    columns = state.last_window.shape[-1]
    values = n_series * n_steps * columns
    if n_steps > state.horizon and values > MAX_FORECAST_VALUES:
        most = max(MAX_FORECAST_VALUES // (n_series * columns), state.horizon)
        raise ValueError(
            f"n_steps={n_steps} would forecast {n_series} series x {n_steps} steps x {columns} "
            f"column(s) = {values} values, more than the {MAX_FORECAST_VALUES} values one call "
            f"may hold (each step beyond horizon={state.horizon} appends a row to every "
            f"series). Forecast in pieces: at most n_steps={most} per call, each continuing "
            f"from the last (pass the series with the forecasts appended as X)."
        )
    return n_steps


def device_rows(state: ForecasterState, rows: Rows) -> DevicePanel:
    """The stacked rows of a context in network units, on the fitted device."""
    values, offsets, transforms = rows[:3]
    row_series = np.repeat(np.arange(len(offsets) - 1), np.diff(offsets))
    positions = transforms.positions(row_series, state.season) if state.hybrid else None
    return DevicePanel(transforms.apply(values, row_series), transforms.static, state.window,
                       state.horizon, state.n_targets, state.device, future=state.n_future > 0,
                       positions=positions)


def rewrite_rows(data: DevicePanel, rows: Rows, written: np.ndarray) -> None:
    """Put rows ``written`` (n_series, k) of ``rows`` (row ``written[s, j]`` of series ``s``)
    on the device again, in network units: only those rows are transformed and uploaded.

    The transforms act row by row (each row's target transform, seasonal step and series'
    scaling), so the rows come out bit-identical to transforming all rows anew.
    """
    values, offsets, transforms = rows[:3]
    flat = written.ravel()
    series = np.repeat(np.arange(len(offsets) - 1), written.shape[1])
    own = replace(transforms, steps=transforms.steps[flat])
    data.values[data.long_tensor(flat)] = to_tensor(own.apply(values[flat], series),
                                                    data.device)


def network_outputs(state: ForecasterState, rows: Rows, ends, series,
                    data: DevicePanel | None = None) -> np.ndarray:
    """The network's outputs (N, H, T, Q) in network units for the windows ending
    (exclusive) at rows ``ends`` (N,) of ``series`` (N,); Q is 1 without quantiles.
    ``data``: the rows already on the device (by default they are transformed and put
    there now)."""
    data = device_rows(state, rows) if data is None else data
    inputs = data.forecast_inputs(ends - state.window, series, rows.offsets[series])
    outputs = to_numpy(predict_module(state.network, (inputs, len(ends))))  # (N, H * T * Q)
    outputs = outputs.reshape(len(ends), state.horizon, state.n_targets, -1)
    if state.smoothing is None:
        return outputs
    continued = rows.smoothing is not None  # the stored last windows
    fitted = rows.smoothing if continued else context_smoothing(state.smoothing,
                                                                rows.transforms.numbers)
    return blended(outputs, data, rows.offsets, ends, series, state.median_position(), fitted,
                   state.smoothing_combine, continued)


def context_smoothing(fitted: Smoothing, numbers) -> Smoothing:
    """The fitted smoothing of each context series by its ``numbers`` among the fitted ones
    (None: the fitted series in order), NaN for a series new to the model."""
    if numbers is None:
        return fitted
    new = np.full((1, *fitted.alpha.shape[1:]), np.nan)
    return Smoothing(*(np.concatenate([values, new])[numbers] for values in fitted))


def blended(outputs: np.ndarray, data: DevicePanel, offsets, ends, series, median: int,
            fitted: Smoothing, combine: str, continued: bool = False) -> np.ndarray:
    """Network outputs (N, H, T, Q) whose point forecast (quantile ``median``) is combined
    with the statistical forecasts of the same rows by their mean or median (``combine``,
    see :func:`._smoothing.combination_members`), every quantile moving with it, in network
    units: LSTMForecaster's ``smoothing``. ``fitted``: the parameters of each series of
    ``offsets`` (NaN: chosen on its own rows), and with ``continued`` the state its rows
    continue from (see :func:`._smoothing.smoothing_forecasts`)."""
    targets = to_numpy(data.values[:, : data.n_targets]).astype(np.float64)
    methods = smoothing_forecasts(targets, offsets, ends, series, data.horizon,
                                  initial_rows(data.window), fitted, continued)  # (N, H, T, K)
    members = combination_members(methods)  # (N, H, T, M)
    network = outputs[..., median]
    forecasts = np.concatenate([network[..., None], members], axis=-1)
    point = np.median(forecasts, axis=-1) if combine == "median" else forecasts.mean(axis=-1)
    return outputs + (point - network)[..., None]


def forecast(state: ForecasterState, rows: Rows, ends, series,
             data: DevicePanel | None = None) -> np.ndarray:
    """Forecasts (N, H, T) in data units from the windows ending (exclusive) at rows ``ends``
    (N,) of ``series`` (N,): one batched pass over the transformed rows (``data``, as in
    :func:`network_outputs`)."""
    outputs = network_outputs(state, rows, ends, series, data)
    scaled = outputs[..., state.median_position()]  # (N, H, T, Q) -> (N, H, T)
    return rows.transforms.invert(scaled, series, rows.transforms.steps[ends - 1])


def forecast_ahead(state: ForecasterState, context: Context, n_steps: int,
                   future) -> np.ndarray:
    """Forecasts (n_series, n_steps, T) after the end of every series of the context.

    Up to ``horizon`` steps without future-known columns: one pass. Otherwise every series
    gets ``max(n_steps, horizon)`` rows appended (their future-known columns from
    ``future``, (n_series, rows, F)), and blocks of ``horizon`` steps are forecast one
    after the other, each block's forecasts written into the rows the next block reads.
    The rows are transformed and put on the device once; after each block only its new
    forecast rows are (so the cost grows linearly with ``n_steps``), and only the forecasts
    are inverted.
    """
    horizon, n_targets = state.horizon, state.n_targets
    rows, series = context.rows, np.arange(context.n_series)
    if n_steps <= horizon and future is None:
        return forecast(state, rows, context.ends, series)[:, :n_steps]
    n_past = rows.values.shape[1] - n_targets - state.n_future
    if n_steps > horizon and n_past:
        raise ValueError(_recursive_covariates_message(state, n_steps, n_past))
    extra = max(n_steps, horizon)
    rows = append_rows(rows, extra, future, n_targets)
    data = device_rows(state, rows)
    ends, covered = rows.offsets[1:] - extra, 0  # each series' first appended row
    blocks = _block_origins(extra, horizon)
    for origin in blocks:
        forecasts = forecast(state, rows, ends + origin, series, data)
        new = np.arange(covered - origin, horizon)  # steps not forecast by an earlier block
        written = (ends + origin)[:, None] + new  # (n_series, new steps)
        rows.values[written, :n_targets] = forecasts[:, new]
        if origin != blocks[-1]:  # a later block reads them
            rewrite_rows(data, rows, written)
        covered = origin + horizon
    return rows.values[ends[:, None] + np.arange(n_steps), :n_targets]


def origins(state: ForecasterState, panel: Panel) -> tuple[np.ndarray, np.ndarray]:
    """First input row and series of every rolling origin of the panel."""
    needed = state.window + state.horizon
    if panel.form.kind == "single":
        check_context_length(state, panel.lengths[0], needed, "rolling")
    counts = count_windows(panel.lengths, state.window, state.horizon)
    if not counts.any():
        raise ValueError(
            f"No series of the context has window + horizon = {needed} rows, so there is "
            f"no origin to forecast from; the longest has {int(panel.lengths.max())}."
        )
    series = np.repeat(np.arange(panel.n_series), counts)
    return panel.offsets[:-1][series] + ragged_arange(counts), series


def rolling(state: ForecasterState, panel: Panel, starts, series) -> np.ndarray:
    """Forecasts (n_origins, H, T) from the windows starting at rows ``starts``."""
    rows = Rows(panel.values, panel.offsets, panel_transforms(state, panel))
    return forecast(state, rows, starts + state.window, series)


def rolling_pairs(state: ForecasterState, panel: Panel):
    """Actual values and rolling-origin forecasts (N, H, T) of every origin of a context, and
    the series of each origin (N,); warn when the panel holds series the fit never saw."""
    warn_unseen_series(state, panel)
    starts, series = origins(state, panel)
    forecasts = rolling(state, panel, starts, series)
    rows = starts[:, None] + state.window + np.arange(state.horizon)  # (N, H)
    return panel.values[rows, : state.n_targets], forecasts, series


def append_rows(rows: Rows, extra: int, future, n_targets: int) -> Rows:
    """Every series with ``extra`` rows appended: targets and past covariates repeat its last
    row (placeholders, never read before they are forecast), future-known columns from
    ``future`` (n_series, extra, F); the transforms' steps continue each series'."""
    values, offsets, transforms = rows[:3]
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
    return Rows(extended, new_offsets, replace(transforms, steps=steps), rows.smoothing)


def _block_origins(n_rows: int, horizon: int) -> list[int]:
    """First appended row of every block of ``horizon`` steps covering ``n_rows`` steps; the
    last block ends exactly at ``n_rows`` (overlapping the one before when ``horizon`` does
    not divide it)."""
    starts = list(range(0, n_rows - horizon + 1, horizon))
    if starts[-1] + horizon < n_rows:
        starts.append(n_rows - horizon)
    return starts


def _recursive_covariates_message(state: ForecasterState, n_steps: int, n_past: int) -> str:
    names = state.feature_names if state.feature_names is not None else []
    names = list(names) if all(isinstance(n, str) for n in names) else []
    known = set(state.form.target_names or []) | set(state.future_columns)
    past = [n for n in names if n not in known]
    which = f"{n_past} past covariate(s)"
    if len(past) == n_past:
        which = f"past covariate(s) {past}"
    return (
        f"n_steps={n_steps} is more than horizon={state.horizon}, so the forecast is "
        f"recursive (each block of {state.horizon} steps is read back as targets for the "
        f"next), but the model reads {which}, whose values over the forecast are unknown. "
        f"Forecast at most horizon={state.horizon} steps, refit with a larger horizon, or "
        f"declare those columns future-known (columns={{'future': [...]}}) and pass their "
        f"values as "
        f"X_future."
    )

