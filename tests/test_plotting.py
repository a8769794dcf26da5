"""Tests for the plotting helpers (Agg backend)."""

import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from tsforecast import datasets
from tsforecast.plotting import plot_forecast


def test_plot_forecast_draws_history_forecast_and_actual_on_given_axes():
    """Check the three lines land on the given Axes, with the forecast after the history."""
    series = datasets.load_air_passengers()
    fig, ax = plt.subplots()
    returned = plot_forecast(series[:-12], series[-12:] * 1.1, series[-12:], ax=ax, title="t")
    assert returned is ax
    labels = [line.get_label() for line in ax.get_lines() if not line.get_label().startswith("_")]
    assert labels == ["history", "actual", "forecast"]
    history_x = ax.get_lines()[0].get_xdata()
    forecast_x = ax.get_lines()[2].get_xdata()
    assert forecast_x[0] > history_x[-1]
    assert ax.get_title() == "t"
    plt.close(fig)


def test_numpy_forecast_is_placed_after_numpy_history():
    """Check that numpy inputs are drawn at positions n .. n + h - 1."""
    ax = plot_forecast(np.arange(10.0), np.array([10.0, 11.0]))
    np.testing.assert_array_equal(ax.get_lines()[1].get_xdata(), [10, 11])
    plt.close(ax.figure)


def test_plot_rejects_several_columns():
    """Check that a DataFrame with two columns is refused with a clear message."""
    frame = pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, 4.0]})
    with pytest.raises(ValueError, match="must be one series"):
        plot_forecast(frame, frame)


def test_save_figure_creates_the_folder_writes_the_file_and_closes(tmp_path):
    """Check save_figure writes a PNG into a new folder and closes the figure."""
    from tsforecast.plotting import save_figure

    ax = plot_forecast(np.arange(10.0), np.array([10.0, 11.0]))
    path = save_figure(ax.figure, tmp_path / "new" / "plot.png", dpi=50)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not plt.fignum_exists(ax.figure.number)


def test_axes_are_labelled_with_the_index_and_series_names():
    """Check that the axes carry the index name and the series name."""
    series = datasets.load_air_passengers()
    ax = plot_forecast(series[:-12], series[-12:])
    assert (ax.get_xlabel(), ax.get_ylabel()) == (series.index.name, series.name)
    plt.close(ax.figure)


def test_unnamed_data_gets_generic_axis_labels_and_set_labels_are_kept():
    """Check the labels "time" and "value" for unnamed data, and that labels on ax are kept."""
    ax = plot_forecast(np.arange(10.0), np.array([10.0, 11.0]))
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("time", "value")
    plt.close(ax.figure)
    fig, ax = plt.subplots()
    ax.set_xlabel("day")
    plot_forecast(np.arange(10.0), np.array([10.0, 11.0]), ax=ax)
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("day", "value")
    plt.close(fig)


def test_history_tail_draws_only_the_last_steps():
    """Check that history_tail=N draws the last N history steps and the whole forecast."""
    series = datasets.load_air_passengers()
    ax = plot_forecast(series[:-12], series[-12:], history_tail=24)
    history, forecast = ax.get_lines()[0], ax.get_lines()[1]
    assert len(history.get_xdata()) == 24 and len(forecast.get_xdata()) == 12
    np.testing.assert_array_equal(history.get_ydata(), series[-36:-12].to_numpy())
    plt.close(ax.figure)


@pytest.mark.parametrize("bad", [0, -1, 2.5, True])
def test_history_tail_must_be_a_positive_int(bad):
    """Check that history_tail other than None or an int >= 1 is refused, naming it."""
    with pytest.raises(ValueError, match="history_tail must be None or an int >= 1"):
        plot_forecast(np.arange(10.0), np.array([10.0]), history_tail=bad)


def test_forecast_series_keeps_its_integer_labels():
    """Check that a forecast indexed by years is drawn at those years, not at positions."""
    history = pd.Series(np.arange(5.0), index=pd.Index(range(1990, 1995), name="year"))
    forecast = pd.Series([5.0, 6.0], index=[1995, 1996])
    ax = plot_forecast(history, forecast)
    np.testing.assert_array_equal(ax.get_lines()[1].get_xdata(), [1995, 1996])
    plt.close(ax.figure)


@pytest.mark.parametrize(
    "index, expected",
    [
        (pd.Index([1990, 1992, 1994]), [1996, 1998]),
        (pd.date_range("2024-01-01", periods=3, freq="MS"),
         pd.DatetimeIndex(["2024-04-01", "2024-05-01"])),
    ],
)
def test_numpy_forecast_continues_an_evenly_spaced_history_index(index, expected):
    """Check that an array forecast continues the history's integer labels or dates."""
    ax = plot_forecast(pd.Series([1.0, 2.0, 3.0], index=index), np.array([4.0, 5.0]))
    x = ax.get_lines()[1].get_xdata()
    np.testing.assert_array_equal(pd.Index(x), pd.Index(expected))
    plt.close(ax.figure)


def test_save_figure_without_suffix_returns_the_file_it_wrote(tmp_path):
    """Check that a path without suffix gets .png and save_figure returns that path."""
    from tsforecast.plotting import save_figure

    ax = plot_forecast(np.arange(10.0), np.array([10.0, 11.0]))
    path = save_figure(ax.figure, tmp_path / "noext", dpi=50)
    assert path == tmp_path / "noext.png"
    assert path.is_file() and not (tmp_path / "noext").exists()


def _long_panel(ids=("a", "b", "c", "d", "e"), n=30, start="2020-01-01"):
    """A monthly long frame [store, date, sales]: series k is k * 100 + 0, 1, 2, ..."""
    return pd.concat(
        [pd.DataFrame({"store": key, "date": pd.date_range(start, periods=n, freq="MS"),
                       "sales": 100.0 * k + np.arange(n)}) for k, key in enumerate(ids)],
        ignore_index=True,
    )


def _panel_parts():
    """History (first 27 months), forecast and actual (last 3) of a five-store panel."""
    from tsforecast.plotting import plot_panel

    full = _long_panel()
    last = full.groupby("store").cumcount(ascending=False) < 3
    history, actual = full[~last], full[last]
    forecast = actual.assign(sales=actual["sales"] + 0.5)
    names = {"id_column": "store", "time_column": "date", "target": "sales"}
    return plot_panel, history, forecast, actual, names


def test_plot_panel_draws_the_chosen_ids_in_order():
    """Check one subplot per chosen id, titled with it, holding that series' lines."""
    plot_panel, history, forecast, actual, names = _panel_parts()
    axes = plot_panel(history, forecast, actual, ids=["c", "a"], **names)
    assert [ax.get_title() for ax in axes] == ["c", "a"]
    assert len(axes[0].figure.axes) == 2
    for ax, k in zip(axes, [2, 0]):
        history_line, actual_line, forecast_line = ax.get_lines()[:3]
        np.testing.assert_array_equal(history_line.get_ydata(), 100.0 * k + np.arange(27))
        np.testing.assert_array_equal(actual_line.get_ydata(), 100.0 * k + np.arange(27, 30))
        np.testing.assert_array_equal(forecast_line.get_ydata(), 100.0 * k + np.arange(27, 30)
                                      + 0.5)
        np.testing.assert_array_equal(
            pd.DatetimeIndex(forecast_line.get_xdata()),
            pd.date_range("2022-04-01", periods=3, freq="MS"))
    plt.close(axes[0].figure)


def test_plot_panel_draws_the_first_max_series_by_default_with_one_legend():
    """Check that ids=None draws the first max_series ids and only the first has a legend."""
    plot_panel, history, forecast, _, names = _panel_parts()
    axes = plot_panel(history, forecast, max_series=3, history_tail=5, **names)
    assert [ax.get_title() for ax in axes] == ["a", "b", "c"]
    assert len(axes[0].figure.axes) == 3
    assert axes[0].get_legend() is not None and axes[1].get_legend() is None
    assert all(len(ax.get_lines()[0].get_xdata()) == 5 for ax in axes)
    plt.close(axes[0].figure)


def test_plot_panel_draws_on_given_axes():
    """Check that axes=... are used, one per series, and returned."""
    plot_panel, history, forecast, _, names = _panel_parts()
    fig, grid = plt.subplots(1, 2)
    axes = plot_panel(history, forecast, ids=["e", "b"], axes=grid, **names)
    assert list(axes) == list(grid) and [ax.get_title() for ax in grid] == ["e", "b"]
    plt.close(fig)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [({"ids": ["a", "zz"]}, ValueError, r"ids \['zz'\] are not series of forecast; its ids: "
                                        r"\['a', 'b', 'c', 'd', 'e'\]"),
     ({"ids": []}, ValueError, "ids is empty"),
     ({"max_series": 0}, ValueError, "max_series must be an int >= 1"),
     ({"target": "y"}, ValueError, r"history has no column\(s\) \['y'\]; its columns: "
                                   r"\['store', 'date', 'sales'\]")],
)
def test_plot_panel_refuses_bad_arguments_naming_them(kwargs, error, match):
    """Check the messages for unknown ids, an empty id list, max_series and a missing column."""
    plot_panel, history, forecast, _, names = _panel_parts()
    with pytest.raises(error, match=match):
        plot_panel(history, forecast, **{**names, **kwargs})


def test_plot_forecast_draws_an_interval_as_a_band():
    """Check interval= accepts predict_interval's DataFrame or an (n, 2) array, placed like the
    forecast."""
    series = datasets.load_air_passengers()
    lower, upper = series[-12:] * 0.9, series[-12:] * 1.1
    frame = pd.DataFrame({"lower": lower, "upper": upper})
    ax = plot_forecast(series[:-12], series[-12:], interval=frame)
    band = ax.collections[0].get_paths()[0].vertices
    assert band[:, 1].max() == pytest.approx(upper.max())
    ax = plot_forecast(np.arange(10.0), np.array([10.0, 11.0]),
                       interval=np.array([[9.0, 11.0], [10.0, 12.0]]))
    assert ax.collections[0].get_paths()[0].vertices[:, 0].min() == pytest.approx(10)
    with pytest.raises(ValueError, match="shape \\(n, 2\\)"):
        plot_forecast(np.arange(10.0), np.array([10.0, 11.0]), interval=np.zeros((2, 3)))


def _overlaps(a, b) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


def test_plot_panel_lays_its_grid_out_so_that_labels_do_not_overlap_titles():
    """Check a new grid's figure has a layout engine: the date labels of a row stay clear of
    the titles of the row below (they overlapped), and save_figure keeps the layout without
    warning."""
    plot_panel, history, forecast, _, names = _panel_parts()
    axes = plot_panel(history, forecast, **names)
    figure = axes[0].figure
    assert figure.get_layout_engine() is not None
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    for upper, lower in zip(axes[:2], axes[2:4]):
        title = lower.title.get_window_extent(renderer)
        texts = [*upper.get_xticklabels(), upper.xaxis.label, upper.xaxis.get_offset_text()]
        for text in texts:
            if text.get_visible() and text.get_text():
                assert not _overlaps(text.get_window_extent(renderer), title), text.get_text()
    plt.close(figure)


def test_save_figure_of_a_panel_plot_does_not_warn(tmp_path):
    """Check that saving a laid-out figure does not switch its layout with a warning."""
    from tsforecast.plotting import save_figure

    plot_panel, history, forecast, _, names = _panel_parts()
    axes = plot_panel(history, forecast, **names)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        save_figure(axes[0].figure, tmp_path / "panel.png", dpi=40)


@pytest.mark.parametrize("n, horizon, expected", [(120, 6, 36), (200, 12, 60), (20, 3, 17)])
def test_plot_panel_shows_recent_history_by_default(n, horizon, expected):
    """Check the default history_tail: the last max(5 horizons, 3 seasons) steps of each
    series (monthly: a season of 12), so that a short forecast is not a sliver at the end of a
    long history; history_tail=None draws all of it."""
    from tsforecast.plotting import plot_panel

    full = _long_panel(ids=("a", "b"), n=n)
    last = full.groupby("store").cumcount(ascending=False) < horizon
    history, forecast = full[~last], full[last]
    names = {"id_column": "store", "time_column": "date", "target": "sales"}
    axes = plot_panel(history, forecast, **names)
    assert [len(ax.get_lines()[0].get_xdata()) for ax in axes] == [expected] * 2
    plt.close(axes[0].figure)
    axes = plot_panel(history, forecast, history_tail=None, **names)
    assert [len(ax.get_lines()[0].get_xdata()) for ax in axes] == [n - horizon] * 2
    plt.close(axes[0].figure)
