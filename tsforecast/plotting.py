"""Matplotlib helpers: each takes ``ax=None`` (``axes=None`` for a panel's grid) and returns the
Axes; pyplot is imported lazily.

Imports pandas and numpy; never torch.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ._validation import infer_frequency, seasonal_period

__all__ = ["plot_forecast", "plot_panel", "save_figure"]


def _axes(ax):
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=(9, 4))[1]


def _as_series(values, name: str) -> pd.Series | None:
    if values is None:
        return None
    if isinstance(values, pd.DataFrame):
        if values.shape[1] != 1:
            raise ValueError(f"{name} must be one series; got a DataFrame with columns "
                             f"{list(values.columns)}. Plot one column at a time.")
        values = values.iloc[:, 0]
    if isinstance(values, pd.Series):
        if isinstance(values.index, pd.PeriodIndex):
            values = values.set_axis(values.index.to_timestamp())
        return values
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1:
        raise ValueError(f"{name} must be 1-D; got shape {array.shape}.")
    return pd.Series(array)


def plot_forecast(history, forecast, actual=None, *, interval=None, history_tail=None, ax=None,
                  title=None):
    """Plot a history, its forecast and (optionally) the actual values of the forecast period
    and a prediction interval.

    The x axis is labelled with the history's index name ("time" when it has none) and the y
    axis with the history's name ("value" when it has none), unless ``ax`` already has labels.

    Parameters
    ----------
    history : array-like or Series
        The series the forecast was made from.
    forecast : array-like or Series
        Forecast values; a forecast given as a list or array is placed right after ``history``
        (continuing its dates or integer labels when they are evenly spaced).
    actual : array-like or Series, optional
        What really happened over the forecast period; placed like ``forecast``.
    interval : DataFrame or array-like of shape (n, 2), optional
        A prediction interval drawn as a band: ``LSTMForecaster.predict_interval()`` of one
        series (columns ``lower`` and ``upper``), or an array of (lower, upper) rows, placed
        like ``forecast``.
    history_tail : int, optional
        Draw only the last ``history_tail`` steps of ``history``, so that a short forecast is
        not squeezed against a long history; None draws all of it.
    ax : matplotlib Axes, optional
        Where to draw; a new figure is made when None.
    title : str, optional

    Returns
    -------
    ax : matplotlib Axes
    """
    if history_tail is not None and (
        isinstance(history_tail, bool) or not isinstance(history_tail, (int, np.integer))
        or history_tail < 1
    ):
        raise ValueError(f"history_tail must be None or an int >= 1; got "
                         f"history_tail={history_tail!r}.")
    history = _as_series(history, "history")
    forecast = _after(history, _as_series(forecast, "forecast"), _is_pandas(forecast))
    actual = _after(history, _as_series(actual, "actual"), _is_pandas(actual))
    band = _band(history, interval)
    if history_tail is not None:
        history = history.iloc[-history_tail:]
    ax = _axes(ax)
    ax.plot(history.index, history.to_numpy(), color="0.3", label="history")
    if actual is not None:
        ax.plot(actual.index, actual.to_numpy(), color="tab:green", label="actual")
    if band is not None:
        ax.fill_between(band.index, band["lower"].to_numpy(), band["upper"].to_numpy(),
                        color="tab:orange", alpha=0.25, lw=0, label="prediction interval")
    ax.plot(forecast.index, forecast.to_numpy(), color="tab:orange", label="forecast", lw=2)
    ax.axvline(forecast.index[0], color="0.6", ls=":", lw=1)
    ax.legend(loc="upper left")
    if not ax.get_xlabel():
        ax.set_xlabel(history.index.name if history.index.name is not None else "time")
    if not ax.get_ylabel():
        ax.set_ylabel(history.name if history.name is not None else "value")
    if title:
        ax.set_title(title)
    return ax


def _band(history: pd.Series, interval) -> pd.DataFrame | None:
    """``interval`` as a DataFrame [lower, upper] on the time axis (placed like a forecast)."""
    if interval is None:
        return None
    if isinstance(interval, pd.DataFrame):
        if not {"lower", "upper"} <= set(interval.columns):
            raise ValueError(f"interval must have columns 'lower' and 'upper' (the output of "
                             f"predict_interval for one target); got {list(interval.columns)}.")
        band = interval[["lower", "upper"]]
        if isinstance(band.index, pd.PeriodIndex):
            band = band.set_axis(band.index.to_timestamp())
        return band
    array = np.asarray(interval, dtype=np.float64)
    if array.ndim != 2 or array.shape[1] != 2:
        raise ValueError(f"interval must be a DataFrame with 'lower' and 'upper' columns or an "
                         f"array of shape (n, 2); got shape {array.shape}.")
    placed = _after(history, pd.Series(array[:, 0]), False).index
    return pd.DataFrame(array, index=placed, columns=["lower", "upper"])


def _is_pandas(values) -> bool:
    return isinstance(values, (pd.Series, pd.DataFrame))


def _after(history: pd.Series, values: pd.Series | None, has_index: bool) -> pd.Series | None:
    """``values`` as given when it came with an index, else placed right after ``history``."""
    if values is None or has_index:
        return values
    index, n = history.index, len(values)
    if isinstance(index, pd.DatetimeIndex) and len(index) >= 3:
        freq = index.freq or pd.infer_freq(index)
        if freq is not None:
            return values.set_axis(pd.date_range(index[-1], periods=n + 1, freq=freq)[1:])
    if pd.api.types.is_integer_dtype(index) and len(index) >= 2:
        steps = np.diff(index.to_numpy())
        if (steps == steps[0]).all():
            return values.set_axis(index[-1] + steps[0] * np.arange(1, n + 1))
    return values.set_axis(np.arange(len(history), len(history) + n))


def plot_panel(history, forecast, actual=None, *, interval=None, ids=None, max_series=4,
               id_column="unique_id", time_column="ds", target="y", history_tail="auto",
               axes=None):
    """Plot a few series of a panel, one small :func:`plot_forecast` per series.

    Parameters
    ----------
    history : DataFrame
        Long frame with ``id_column``, ``time_column`` and ``target`` columns: the series the
        forecast was made from.
    forecast : DataFrame
        Long frame with the same columns, e.g. ``LSTMForecaster.predict()`` of a long panel.
    actual : DataFrame, optional
        Long frame of what really happened over the forecast period; series absent from it are
        drawn without actuals.
    interval : DataFrame, optional
        Long frame with ``id_column``, ``time_column``, ``lower`` and ``upper`` columns, e.g.
        ``LSTMForecaster.predict_interval()`` of a long panel: drawn as a band per series.
    ids : list, optional
        The series to draw, in this order (all of them, however many). None draws the first
        ``max_series`` series of ``forecast``.
    max_series : int, default=4
        How many series to draw when ``ids`` is None.
    id_column, time_column, target : str, default="unique_id", "ds", "y"
        Column names of the three frames (those of ``LSTMForecaster``).
    history_tail : int, "auto" or None, default="auto"
        How much of each series' history to draw: its last ``history_tail`` steps. "auto":
        the last ``max(5 * h, 3 * season)`` steps, ``h`` the series' forecast steps and
        ``season`` the seasonal period of its time labels (12 for monthly, 7 for daily, 24
        for hourly, ...; 1 when there is none), as the command line's plots do, so that a
        short forecast is not a sliver at the end of a long history. None draws all of it.
    axes : array-like of matplotlib Axes, optional
        Where to draw, one Axes per series; a new figure with a grid of two columns is made
        when None, laid out by matplotlib's constrained layout (so that the labels of a row
        stay clear of the titles of the next).

    Returns
    -------
    axes : ndarray of matplotlib Axes, shape (n_drawn,)
        One Axes per series drawn, titled with its id; ``axes[0].figure`` is the figure.
    """
    frames = {"history": history, "forecast": forecast, "actual": actual}
    for name, frame in frames.items():
        _check_long(frame, name, (id_column, time_column, target))
    ids = _panel_ids(forecast[id_column], ids, max_series)
    _check_history_tail(history_tail)
    if axes is None:
        axes = _grid(len(ids))
    axes = np.asarray(axes, dtype=object).ravel()
    if len(axes) < len(ids):
        raise ValueError(f"axes holds {len(axes)} Axes, but {len(ids)} series are to be drawn; "
                         f"pass one Axes per series.")
    parts = {name: _by_id(frame, id_column, time_column, target, ids)
             for name, frame in frames.items()}
    bands = _bands_by_id(interval, id_column, time_column, ids)
    empty = pd.Series([], dtype=np.float64, index=pd.Index([], name=time_column), name=target)
    for position, (ax, key) in enumerate(zip(axes, ids)):
        forecast_part = parts["forecast"][key]
        history_part = parts["history"].get(key, empty)
        tail = (_auto_tail(history_part.index, len(forecast_part)) if history_tail == "auto"
                else history_tail)
        plot_forecast(history_part, forecast_part, parts["actual"].get(key),
                      interval=bands.get(key), history_tail=tail, ax=ax, title=str(key))
        if position > 0:
            ax.get_legend().remove()  # one legend (on the first subplot) explains them all
        if isinstance(forecast_part.index, pd.DatetimeIndex):
            _concise_dates(ax)
    return axes[: len(ids)]


def _check_history_tail(value) -> None:
    if value is None or (isinstance(value, str) and value == "auto"):
        return
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"history_tail must be 'auto', None or an int >= 1; got "
                         f"history_tail={value!r}.")


def _auto_tail(times: pd.Index, horizon: int) -> int:
    """``max(5 * horizon, 3 * season)``: the history steps drawn by default, ``season`` the
    seasonal period of the frequency of ``times`` (1 without one)."""
    if isinstance(times, pd.PeriodIndex):
        freq = times.freq
    elif isinstance(times, pd.DatetimeIndex):
        freq = times.freq or infer_frequency(times)
    else:
        freq = None
    return max(5 * max(horizon, 1), 3 * seasonal_period(freq))


def _concise_dates(ax) -> None:
    """Few, short date labels, so that the ticks of a small subplot do not overlap."""
    import matplotlib.dates as mdates

    locator = mdates.AutoDateLocator(minticks=3, maxticks=7)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def _check_long(frame, name: str, columns: tuple) -> None:
    """Raise unless ``frame`` (None allowed for actual) is a DataFrame holding ``columns``."""
    if frame is None and name == "actual":
        return
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"{name} must be a long DataFrame with columns {list(columns)}; got "
                        f"{type(frame).__name__}.")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{name} has no column(s) {missing}; its columns: {list(frame.columns)}. "
                         f"Name the columns with id_column=, time_column= and target=.")


def _panel_ids(available: pd.Series, ids, max_series) -> list:
    """The ids to draw: ``ids`` (each checked against ``available``) or the first few."""
    known = pd.unique(available)
    if ids is None:
        if isinstance(max_series, bool) or not isinstance(max_series, (int, np.integer)) or (
                max_series < 1):
            raise ValueError(f"max_series must be an int >= 1; got max_series={max_series!r}.")
        return list(known[:max_series])
    ids = [ids] if isinstance(ids, str) else list(ids)
    if not ids:
        raise ValueError("ids is empty; pass at least one series id, or None for the first few.")
    unknown = [key for key in ids if key not in set(known.tolist())]
    if unknown:
        raise ValueError(f"ids {unknown} are not series of forecast; its ids: "
                         f"{list(known[:10])}{' ...' if len(known) > 10 else ''}.")
    return ids


def _grid(n: int) -> np.ndarray:
    """A new figure with ``n`` subplots in (up to) two columns; unused cells removed."""
    import matplotlib.pyplot as plt

    ncols = min(n, 2)
    nrows = -(-n // ncols)
    figure, axes = plt.subplots(nrows, ncols, figsize=(6 * ncols, 2.8 * nrows), squeeze=False,
                                layout="constrained")
    for ax in axes.ravel()[n:]:
        ax.remove()
    return axes.ravel()[:n]


def _by_id(frame, id_column, time_column, target, ids) -> dict:
    """``{id: target Series indexed by time}`` for the chosen ids ({} for no frame)."""
    if frame is None:
        return {}
    chosen = frame[frame[id_column].isin(ids)].sort_values(time_column, kind="stable")
    return {
        key: pd.Series(part[target].to_numpy(), index=pd.Index(part[time_column], name=time_column),
                       name=target)
        for key, part in chosen.groupby(id_column, sort=False)
    }


def _bands_by_id(interval, id_column, time_column, ids) -> dict:
    """``{id: DataFrame [lower, upper] indexed by time}`` of a long interval frame ({} if None)."""
    if interval is None:
        return {}
    _check_long(interval, "interval", (id_column, time_column, "lower", "upper"))
    lower = _by_id(interval, id_column, time_column, "lower", ids)
    upper = _by_id(interval, id_column, time_column, "upper", ids)
    return {key: pd.DataFrame({"lower": lower[key], "upper": upper[key]}) for key in lower}


def save_figure(figure, path, *, dpi: int = 100) -> Path:
    """Lay out ``figure`` (tightly, unless it has a layout engine of its own, such as the
    constrained layout of :func:`plot_panel`), write it to ``path`` (creating its folder) and
    close it.

    Parameters
    ----------
    figure : matplotlib Figure
    path : str or Path
        Where to write; the format follows the suffix (``.png``, ``.pdf``, ``.svg``). Without
        a suffix, the suffix of matplotlib's default format is added (``.png`` unless configured).
    dpi : int, default=100

    Returns
    -------
    path : Path
        The file written (with the suffix added when ``path`` had none).
    """
    import matplotlib.pyplot as plt

    path = Path(path)
    if not path.suffix:  # matplotlib adds the default format's suffix; return the real name
        path = path.with_name(f"{path.name}.{plt.rcParams['savefig.format']}")
    path.parent.mkdir(parents=True, exist_ok=True)
    if figure.get_layout_engine() is None:
        figure.tight_layout()
    figure.savefig(path, dpi=dpi)
    plt.close(figure)
    return path
