"""Tests of model_selection.backtest: no leakage past a cutoff, forms, refits and metrics."""

import numpy as np
import pandas as pd
import pytest
from conftest import TINY

from tsforecast import ConformalIntervals, LSTMForecaster, LSTMNetwork, metrics
from tsforecast.model_selection import PanelSplit, backtest

H = 3


def model(**params):
    return LSTMForecaster(**{**TINY, "window": 8, "horizon": H, "validation_fraction": 0.2,
                             **params})


def noisy(n=150, seed=0, level=10.0):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return level + np.sin(t / 4) + rng.normal(0, 0.3, n)


def make_long(n_series=3, n=60):
    frames = [
        pd.DataFrame({"unique_id": f"s{i}",
                      "ds": pd.date_range("2000-01-01", periods=n - 5 * i, freq="D"),
                      "y": noisy(n - 5 * i, seed=i, level=10 * (i + 1))})
        for i in range(n_series)
    ]
    return pd.concat(frames, ignore_index=True).sample(frac=1, random_state=0)  # any row order


@pytest.mark.parametrize("refit, calibration", [(False, "validation"), (True, "validation"),
                                                (True, "refit")])
def test_values_after_a_cutoff_never_change_its_forecasts(refit, calibration):
    """Check that making every value after cutoff 2 huge leaves windows 0..2 unchanged
    (forecasts and intervals, also when a copy fitted inside fit calibrates them) and changes
    the actuals after it."""
    series = noisy()
    forecaster = model(intervals=ConformalIntervals(calibration=calibration))
    before = backtest(forecaster, series, n_windows=4, refit=refit, coverage=0.8).forecasts
    cutoff = len(series) - H - 1 * H  # forecast rows of window 2 start here
    changed = series.copy()
    changed[cutoff:] = 1e6
    after = backtest(forecaster, changed, n_windows=4, refit=refit, coverage=0.8).forecasts
    seen = before["window"] <= 2
    columns = ["cutoff", "forecast", "lower", "upper"]
    pd.testing.assert_frame_equal(before.loc[seen, columns], after.loc[seen, columns])
    assert (after.loc[~seen, "actual"] == 1e6).all()


def test_panel_values_after_each_series_cutoff_never_change_its_forecasts():
    """Check the same for a long panel, with cutoffs counted from each series' end."""
    long = make_long()
    before = backtest(model(), long, n_windows=3, coverage=0.9).forecasts
    lengths = long.groupby("unique_id").size()
    position = long.groupby("unique_id")["ds"].rank(method="first") - 1
    changed = long.copy()
    last_cutoff = long["unique_id"].map(lengths) - H  # window 2 forecasts from here
    changed.loc[position >= last_cutoff, "y"] = 1e6
    after = backtest(model(), changed, n_windows=3, coverage=0.9).forecasts
    columns = ["unique_id", "cutoff", "time", "forecast", "lower", "upper"]
    pd.testing.assert_frame_equal(before[columns], after[columns])


def test_forecasts_are_those_of_a_model_fitted_before_the_first_cutoff():
    """Check refit=False: every window's forecast is predict(context up to its cutoff) of one
    model fitted on the rows before the first cutoff, with the actual values after it."""
    series = noisy()
    forecasts, _ = backtest(model(), series, n_windows=3, step=2)
    first = len(series) - H - 2 * 2
    fitted = model().fit(series[:first])
    for window in range(3):
        cutoff = first + 2 * window
        part = forecasts[forecasts["window"] == window]
        np.testing.assert_allclose(part["forecast"], fitted.predict(series[:cutoff]), rtol=1e-6)
        np.testing.assert_array_equal(part["actual"], series[cutoff : cutoff + H])
        assert (part["cutoff"] == cutoff - 1).all()
        np.testing.assert_array_equal(part["time"], np.arange(cutoff, cutoff + H))


def test_refit_every_k_cutoffs_fits_on_the_rows_before_each_group():
    """Check refit=2: windows 0-1 share the fit of refit=False, windows 2-3 another fit."""
    series = noisy()
    once = backtest(model(), series, n_windows=4).forecasts
    every_two = backtest(model(), series, n_windows=4, refit=2).forecasts
    early = once["window"] <= 1
    pd.testing.assert_frame_equal(once[early], every_two[early])
    group_cutoff, cutoff = len(series) - 2 * H, len(series) - H  # windows 2 and 3
    later = model().fit(series[:group_cutoff]).predict(series[:cutoff])
    np.testing.assert_allclose(every_two.query("window == 3")["forecast"], later, rtol=1e-6)


def test_parallel_refits_give_the_same_result():
    """Check that joblib workers (n_jobs=2) give what one process gives."""
    series = noisy(80)
    serial = backtest(model(), series, n_windows=2, refit=True).forecasts
    parallel = backtest(model(), series, n_windows=2, refit=True, n_jobs=2).forecasts
    pd.testing.assert_frame_equal(serial, parallel)


def test_conformal_coverage_is_close_to_nominal_on_gaussian_noise():
    """Check that 90% conformal intervals hold 83-97% of 600 held-out values of a sine with
    Gaussian noise."""
    series = noisy(2400, seed=3)
    result = backtest(model(network=LSTMNetwork(hidden_size=8), epochs=4, batch_size=64), series,
                      n_windows=200, step=H, coverage=0.9)
    assert len(result.forecasts) == 600
    assert 0.83 <= result.overall["coverage"] <= 0.97


def test_metrics_match_direct_formulas():
    """Check a window's MAE, MASE, coverage and MSIS against the metrics module."""
    series = noisy(120)
    result = backtest(model(), series, n_windows=2, coverage=0.8)
    part = result.forecasts.query("window == 0")
    cutoff = int(part["cutoff"].iloc[0]) + 1
    row = result.metrics.loc[0]
    y, f = part["actual"], part["forecast"]
    assert row["mae"] == pytest.approx(metrics.mae(y, f))
    assert row["mase"] == pytest.approx(metrics.mase(y, f, series[:cutoff]))
    assert row["coverage"] == pytest.approx(metrics.coverage(y, part["lower"], part["upper"]))
    assert row["msis"] == pytest.approx(
        metrics.msis(y, part["lower"], part["upper"], series[:cutoff], coverage=0.8))
    assert result.overall["mae"] == pytest.approx(metrics.mae(result.forecasts["actual"],
                                                              result.forecasts["forecast"]))


def test_tidy_output_for_pandas_panels_and_several_targets():
    """Check columns: the id for a panel (long, MultiIndex, dict), a target column for
    several targets, timestamps for a DatetimeIndex."""
    long = make_long()
    forecasts, by_window = backtest(model(), long, n_windows=2, coverage=0.8)
    assert list(forecasts.columns) == ["unique_id", "window", "cutoff", "time", "step", "actual",
                                       "forecast", "lower", "upper"]
    assert len(forecasts) == 3 * 2 * H and list(by_window.index) == [0, 1]
    last = long.groupby("unique_id")["ds"].max()
    final = forecasts.query("window == 1 and step == @H")
    np.testing.assert_array_equal(final["time"].to_numpy(), last.to_numpy())
    multi = backtest(model(), long.set_index(["unique_id", "ds"]), n_windows=2).forecasts
    pd.testing.assert_frame_equal(multi, forecasts.drop(columns=["lower", "upper"]))
    series = {key: g.set_index("ds")["y"].sort_index() for key, g in long.groupby("unique_id")}
    as_dict = backtest(model(), series, n_windows=2).forecasts
    np.testing.assert_allclose(as_dict["forecast"], multi["forecast"])
    frame = pd.DataFrame({"a": noisy(), "b": noisy(seed=4)},
                         index=pd.date_range("2020-01-01", periods=150, freq="h"))
    two = backtest(model(), frame, n_windows=2).forecasts
    assert list(two["target"].unique()) == ["a", "b"] and len(two) == 2 * H * 2


def test_covariates_of_one_series_go_in_as_x():
    """Check backtest(estimator, y, X) fits fit(X, y) on the rows before the cutoff."""
    y, x = noisy(), noisy(seed=5)
    forecasts, _ = backtest(model(), y, x[:, None], n_windows=2)
    first = len(y) - 2 * H
    fitted = model().fit(x[:first, None], y[:first])
    np.testing.assert_allclose(forecasts.query("window == 0")["forecast"],
                               fitted.predict(x[:first, None], y[:first]), rtol=1e-6)


@pytest.mark.parametrize("kwargs, error, message", [
    ({"n_windows": 60}, ValueError, "need at least 181"),
    ({"refit": -1}, ValueError, "refit must be"),
    ({"n_windows": 0}, ValueError, "n_windows"),
    ({"coverage": 1.5}, ValueError, "coverage"),
])
def test_bad_arguments_are_refused(kwargs, error, message):
    """Check backtest's argument errors."""
    with pytest.raises(error, match=message):
        backtest(model(), noisy(), **kwargs)
    with pytest.raises(TypeError, match="takes an LSTMForecaster"):
        backtest(object(), noisy())


@pytest.mark.parametrize("horizon", [3, 4])
def test_backtest_reads_future_known_columns_as_fit_does(horizon):
    """Check a panel whose value column is not called "y", with a future-known column and no
    target: the backtest scores the same forecasts as with the target named (the future
    column is never a second target)."""
    long = make_long().rename(columns={"y": "sales"})
    long = long.assign(promo=long["ds"].dt.dayofweek.isin([5, 6]).astype(float))
    params = {"horizon": horizon, "columns": {"future": ["promo"]}}
    implicit = backtest(model(**params), long, n_windows=3)
    named = backtest(model(**params, target="sales"), long, n_windows=3)
    assert "target" not in implicit.forecasts.columns
    pd.testing.assert_frame_equal(implicit.metrics, named.metrics)
    pd.testing.assert_frame_equal(implicit.forecasts, named.forecasts)


def test_panel_split_cuts_every_series_in_time():
    """Check that every fold of PanelSplit trains on each series' rows before its cutoff and
    tests on the test_size rows after it, counted from each series' end, in any row order."""
    long = make_long()  # series of 60, 55 and 50 rows, rows shuffled
    folds = list(PanelSplit(3, test_size=8, gap=2).split(long))
    assert len(folds) == 3
    for k, (train, test) in enumerate(folds):
        for sid, rows in long.groupby("unique_id").groups.items():
            series = long.loc[rows].sort_values("ds")
            cutoff = len(series) - (3 - k) * 8
            tested, trained = long.iloc[test], long.iloc[train]
            in_test = tested.loc[tested["unique_id"] == sid, "ds"]
            in_train = trained.loc[trained["unique_id"] == sid, "ds"]
            assert list(in_test.sort_values()) == list(series["ds"].iloc[cutoff:cutoff + 8])
            assert list(in_train.sort_values()) == list(series["ds"].iloc[:cutoff - 2])


def test_grid_search_on_a_panel_with_panel_split_scores_later_times_of_every_series():
    """Check GridSearchCV over a long frame with PanelSplit and a forecast scorer: every fold
    scores the series the model was fitted on, so no warning about unseen series."""
    import warnings

    from sklearn.model_selection import GridSearchCV

    from tsforecast.scoring import neg_mae_scorer

    long = make_long()
    search = GridSearchCV(model(), {"lr": [1e-3, 1e-2]}, cv=PanelSplit(2, test_size=14),
                          scoring=neg_mae_scorer, error_score="raise")
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        warnings.filterwarnings("ignore", message=".*fewer than")  # short validation parts
        search.fit(long)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()


def test_row_order_folds_of_a_long_frame_warn_towards_panel_split():
    """Check TimeSeriesSplit over a long frame sorted by series: its test folds hold series
    the fit never saw (or only the tail of one), and scoring them says so and points to
    PanelSplit."""
    from sklearn.model_selection import TimeSeriesSplit, cross_val_score

    from tsforecast.scoring import neg_mae_scorer

    long = make_long(n_series=4).sort_values(["unique_id", "ds"], ignore_index=True)
    with pytest.warns(UserWarning, match="never seen at fit.*PanelSplit"):
        cross_val_score(model(), long, cv=TimeSeriesSplit(3), scoring=neg_mae_scorer,
                        error_score="raise")


def test_panel_split_refuses_one_series_and_short_series():
    with pytest.raises(TypeError, match="TimeSeriesSplit"):
        next(PanelSplit(2).split(np.arange(30.0)))
    with pytest.raises(ValueError, match="needs at least 53 rows in every series"):
        next(PanelSplit(4, test_size=13).split(make_long()))
