"""Tests of quantile forecasts and prediction intervals, through the public API."""

import sys
import threading
import warnings
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
import torch
from conftest import TINY

from tsforecast import ConformalIntervals, LSTMForecaster, load, metrics
from tsforecast._intervals import (
    SCALE_PRIOR_WINDOWS,
    conformal_radius,
    conformal_table,
    pooled_table,
)
from tsforecast._losses import pinball_loss
from tsforecast._nn import LSTMNet

H = 3


def validation_calibration(**settings):
    """ConformalIntervals calibrated on fit's validation windows, whose mechanics most of
    these tests check (the default, "auto", calibrates on a copy where it can)."""
    return ConformalIntervals(calibration="validation", **settings)


def model(**params):
    return LSTMForecaster(**{**TINY, "window": 8, "horizon": H, "validation_fraction": 0.2,
                             "intervals": validation_calibration(), **params})


def noisy(n=200, seed=0, scale=1.0):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return scale * (10 + np.sin(t / 4) + rng.normal(0, 0.3, n))


def make_long(n_series=3, n=60):
    frames = [
        pd.DataFrame({"unique_id": f"s{i}", "ds": pd.date_range("2000-01-01", periods=n,
                                                                 freq="D"),
                      "y": noisy(n, seed=i, scale=1 + 9 * i)})
        for i in range(n_series)
    ]
    return pd.concat(frames, ignore_index=True)


# -- quantile regression ----------------------------------------------------------------------


def test_median_is_added_to_the_trained_levels_and_predict_returns_it():
    """Check that quantiles without 0.5 get it, and that predict is the median quantile."""
    fitted = model(quantiles=(0.9, 0.1)).fit(noisy())
    assert fitted.quantiles_ == (0.1, 0.5, 0.9)
    median = fitted.predict_quantiles(alpha=0.5)
    np.testing.assert_allclose(median[:, 0], fitted.predict(), rtol=1e-6)


def test_quantiles_never_cross():
    """Check that forecast quantiles are ordered, also for an untrained network."""
    series = noisy()
    for epochs in (1, 3):
        fitted = model(quantiles=(0.05, 0.25, 0.75, 0.95), epochs=epochs).fit(series)
        out = fitted.predict_quantiles(alpha=(0.05, 0.25, 0.5, 0.75, 0.95))
        assert out.shape == (H, 5)
        assert np.all(np.diff(out, axis=-1) >= 0)


@pytest.mark.parametrize("options", [{"instance_norm": "last"}, {"instance_norm": "mean"},
                                     {"instance_norm": None, "season": 4}])
def test_the_reference_level_is_added_to_every_quantile(options):
    """Check that a zero head gives every quantile the same reference forecast (the window's
    last value, its mean, or the seasonal naive forecast)."""
    season = options.get("season", 1)
    net = LSTMNet(2, H * 2 * 3, hidden_size=4, n_targets=2, n_quantiles=3, **options)
    x = torch.randn(5, 8, 2)
    out = net(x).view(5, H, 2, 3)
    assert torch.allclose(out[..., 0], out[..., 1]) and torch.allclose(out[..., 0], out[..., 2])
    if season > 1:
        expected = x[:, -season:][:, :H]
    elif options["instance_norm"] == "last":
        expected = x[:, -1:].expand(-1, H, -1)
    else:
        expected = x.mean(dim=1, keepdim=True).expand(-1, H, -1)
    torch.testing.assert_close(out[..., 0], expected)


def test_pinball_training_loss_matches_the_metric():
    """Check the torch training loss against metrics.pinball_loss."""
    levels = (0.1, 0.5, 0.9)
    outputs, targets = torch.randn(4, 6 * 3), torch.randn(4, 6)
    expected = metrics.pinball_loss(targets.numpy(), outputs.view(4, 6, 3).numpy(), levels)
    assert pinball_loss(levels)(outputs, targets).item() == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize("quantiles, message", [
    ((0.1, 1.0), "strictly between 0 and 1"), ((0.2, 0.2), "a level twice"),
    ("0.5", "numbers in"), ((), "at least one level"),
])
def test_bad_quantiles_are_refused_at_fit(quantiles, message):
    """Check the quantiles parameter's errors."""
    with pytest.raises((ValueError, TypeError), match=message):
        model(quantiles=quantiles).fit(noisy(60))


# -- conformal intervals ----------------------------------------------------------------------


def test_conformal_radius_uses_the_finite_sample_rank():
    """Check the radius is the ceil((n + 1) * coverage)-th smallest error."""
    errors = np.arange(1.0, 11.0)[::-1, None, None]  # n = 10
    table, ranks = conformal_table(errors)
    assert conformal_radius(table, ranks, 0.8)[0, 0] == 9.0  # ceil(11 * 0.8) = 9
    assert conformal_radius(table, ranks, 0.5)[0, 0] == 6.0  # ceil(5.5) = 6
    with pytest.warns(UserWarning, match="needs at least 19 calibration errors"):
        assert conformal_radius(table, ranks, 0.95)[0, 0] == 10.0


def test_conformal_table_keeps_a_conservative_subsample_of_many_errors():
    """Check that with more errors than the table keeps, the radius is never below the exact
    order statistic and at most one stored rank above it."""
    errors = np.random.default_rng(0).exponential(size=(5000, 2, 1))
    table, ranks = conformal_table(errors)
    assert len(table) == 1000 and ranks[-1] == 5000
    ordered = np.sort(errors, axis=0)
    for level in (0.5, 0.8, 0.9, 0.95, 0.99):
        exact = ordered[int(np.ceil(5001 * level)) - 1]
        radius = conformal_radius(table, ranks, level)
        assert np.all(radius >= exact)
        assert np.all(radius <= ordered[min(int(np.ceil(5001 * level)) + 5, 4999)])


@pytest.mark.parametrize("quantiles", [None, (0.05, 0.5, 0.95)])
@pytest.mark.parametrize("method", ["conformal", "quantile", "cqr"])
def test_intervals_hold_the_point_forecast(quantiles, method):
    """Check lower <= predict() <= upper for each method, and wider for higher coverage."""
    if method in ("quantile", "cqr") and quantiles is None:
        return
    fitted = model(quantiles=quantiles).fit(noisy())
    point = fitted.predict()
    coverage = 0.9 if method in ("quantile", "cqr") else 0.6
    narrow = fitted.predict_interval(coverage=coverage, method=method)
    assert np.all(narrow[:, 0] <= point + 1e-9) and np.all(point <= narrow[:, 1] + 1e-9)
    if method == "conformal":
        wide = fitted.predict_interval(coverage=0.9, method=method)
        assert np.all(wide[:, 1] - wide[:, 0] >= narrow[:, 1] - narrow[:, 0])


def test_auto_conformalizes_trained_quantiles_when_they_hold_the_levels():
    """Check method='auto': cqr for trained pairs with their scores, the raw trained quantiles
    without scores (or for a level trained without its mirror), conformal otherwise."""
    fitted = model(quantiles=(0.05, 0.95, 0.99)).fit(noisy())
    np.testing.assert_array_equal(fitted.predict_interval(coverage=0.9),
                                  fitted.predict_interval(coverage=0.9, method="cqr"))
    np.testing.assert_array_equal(fitted.predict_interval(coverage=0.8),
                                  fitted.predict_interval(coverage=0.8, method="conformal"))
    np.testing.assert_array_equal(fitted.predict_quantiles(alpha=(0.5, 0.99)),
                                  fitted.predict_quantiles(alpha=(0.5, 0.99), method="quantile"))
    tables = fitted.state_.calibration._replace(quantile_errors=None, quantile_pooled=None)
    fitted.state_ = replace(fitted.state_, calibration=tables)  # as a file from before cqr
    np.testing.assert_array_equal(fitted.predict_interval(coverage=0.9),
                                  fitted.predict_interval(coverage=0.9, method="quantile"))


def test_conformal_intervals_scale_with_each_series():
    """Check that a series ten times larger gets an interval ten times wider (errors are
    calibrated in each series' scaled units)."""
    fitted = model().fit(make_long())
    one = make_long().query("unique_id == 's0'").assign(unique_id="new")
    small = fitted.predict_interval(one)
    big = fitted.predict_interval(one.assign(y=10 * one["y"]))
    np.testing.assert_allclose((big["upper"] - big["lower"]).to_numpy(),
                               10 * (small["upper"] - small["lower"]).to_numpy(), rtol=1e-6)


def test_without_validation_windows_the_interval_comes_from_naive_errors_with_a_warning():
    """Check that an interval is never refused: without validation windows (and no copy) it
    is calibrated on the errors of the last-value forecast over every training window, in
    the network's units, and says so."""
    y = noisy()
    fitted = model(validation_fraction=0.0).fit(y)
    with pytest.warns(UserWarning, match="naive forecast"):
        interval = fitted.predict_interval(coverage=0.9)
    point = fitted.predict()
    assert np.all(interval[:, 0] <= point) and np.all(point <= interval[:, 1])
    assert np.all(interval[:, 1] > interval[:, 0])
    assert fitted.state_.calibration.in_sample
    assert not model().fit(y).state_.calibration.in_sample
    window, scale = fitted.window_, fitted.scaler_.scale[0, 0]
    last = y[window - 1 : len(y) - H]  # each training window's last value
    naive = np.stack([np.abs(y[window + h : len(y) - H + 1 + h] - last) for h in range(H)], 1)
    np.testing.assert_allclose(fitted.conformal_scale_,
                               pooled_table(naive[:, :, None] / scale)[2], rtol=1e-5)


def test_a_series_of_20_points_gets_an_interval_and_a_warning():
    y = pd.Series(np.random.default_rng(0).normal(10, 1, 20),
                  index=pd.period_range("2000-01", periods=20, freq="M"))
    fitted = LSTMForecaster(horizon=6, **TINY).fit(y)
    with pytest.warns(UserWarning):
        interval = fitted.predict_interval(coverage=0.9)
    assert interval.shape == (6, 2) and np.all(np.isfinite(interval))
    assert np.all(interval["lower"] <= fitted.predict())


def test_quantile_methods_say_what_they_need():
    with pytest.raises(ValueError, match="needs a model fitted with quantiles"):
        model().fit(noisy()).predict_interval(method="quantile")
    with pytest.raises(ValueError, match="do not hold every level"):
        model(quantiles=(0.1, 0.9)).fit(noisy()).predict_quantiles(alpha=0.3, method="quantile")


@pytest.mark.parametrize("coverage, error", [(1.0, ValueError), (0, ValueError),
                                             ("0.9", TypeError), (True, TypeError)])
def test_bad_coverage_is_refused(coverage, error):
    """Check coverage outside (0, 1) or not a number raises, naming the parameter."""
    with pytest.raises(error, match="coverage"):
        model().fit(noisy(60)).predict_interval(coverage=coverage)


# -- outputs mirror inputs --------------------------------------------------------------------


def test_numpy_outputs_have_a_trailing_axis():
    """Check numpy shapes: (H, 2) for one target, (H, T, 2) for several, (H, K) quantiles."""
    fitted = model().fit(noisy())
    assert fitted.predict_interval().shape == (H, 2)
    assert fitted.predict_quantiles(alpha=(0.1, 0.5, 0.9)).shape == (H, 3)
    two = np.column_stack([noisy(), noisy(seed=1)])
    fitted = model().fit(two)
    assert fitted.predict_interval().shape == (H, 2, 2)
    assert fitted.predict_interval(two[-20:]).shape == (H, 2, 2)


def test_pandas_outputs_carry_the_forecast_index():
    """Check a Series gives a DataFrame [lower, upper] on predict's index, and a DataFrame of
    two targets a (target, bound) MultiIndex."""
    index = pd.date_range("2020-01-01", periods=200, freq="D")
    series = pd.Series(noisy(), index=index, name="sales")
    fitted = model().fit(series)
    interval = fitted.predict_interval()
    assert list(interval.columns) == ["lower", "upper"]
    pd.testing.assert_index_equal(interval.index, fitted.predict().index)
    quantiles = fitted.predict_quantiles(series[-30:], alpha=(0.25, 0.75))
    assert list(quantiles.columns) == ["q0.25", "q0.75"]
    frame = pd.DataFrame({"sales": noisy(), "visits": noisy(seed=2)}, index=index)
    interval = model().fit(frame).predict_interval()
    assert list(interval.columns) == [("sales", "lower"), ("sales", "upper"),
                                      ("visits", "lower"), ("visits", "upper")]
    assert (interval["sales"]["lower"] <= interval["sales"]["upper"]).all()


def test_panel_outputs_mirror_long_multiindex_and_dict_inputs():
    """Check long, MultiIndex and dict panels get intervals in their own form, with the same
    numbers."""
    long = make_long()
    fitted = model().fit(long)
    out = fitted.predict_interval()
    assert list(out.columns) == ["unique_id", "ds", "lower", "upper"]
    pd.testing.assert_frame_equal(out[["unique_id", "ds"]], fitted.predict()[["unique_id", "ds"]])
    reference = out[["lower", "upper"]].to_numpy()
    multi = long.set_index(["unique_id", "ds"])
    out = model().fit(multi).predict_interval()
    assert out.index.names == ["unique_id", "ds"] and list(out.columns) == ["lower", "upper"]
    np.testing.assert_allclose(out.to_numpy(), reference)
    series = {key: g.set_index("ds")["y"] for key, g in long.groupby("unique_id")}
    out = model().fit(series).predict_interval()
    assert list(out) == ["s0", "s1", "s2"]
    np.testing.assert_allclose(np.vstack([v.to_numpy() for v in out.values()]), reference)
    arrays = {key: value.to_numpy() for key, value in series.items()}
    out = model().fit(arrays).predict_quantiles(alpha=(0.2, 0.8))
    assert out["s1"].shape == (H, 2)


def test_long_panel_with_two_targets_names_columns_by_target():
    """Check a long panel of two targets gets <target>_lower/<target>_upper columns."""
    long = make_long().assign(z=lambda f: f["y"] * 2)
    out = model(target=["y", "z"]).fit(long).predict_interval()
    assert list(out.columns) == ["unique_id", "ds", "y_lower", "y_upper", "z_lower", "z_upper"]


# -- persistence ------------------------------------------------------------------------------


def test_quantile_model_saves_and_loads_with_its_calibration(tmp_path):
    """Check a model trained with quantiles round-trips: same quantiles and intervals."""
    fitted = model(quantiles=(0.1, 0.9)).fit(pd.Series(noisy()))
    fitted.save(tmp_path / "q.tsf")
    loaded = load(tmp_path / "q.tsf")
    assert loaded.quantiles == (0.1, 0.9) and loaded.quantiles_ == (0.1, 0.5, 0.9)
    np.testing.assert_array_equal(loaded.conformal_errors_, fitted.conformal_errors_)
    pd.testing.assert_frame_equal(loaded.predict_quantiles(), fitted.predict_quantiles())
    pd.testing.assert_frame_equal(loaded.predict_interval(coverage=0.7),
                                  fitted.predict_interval(coverage=0.7))


def test_a_file_from_before_intervals_loads_and_explains_the_missing_calibration():
    """Check the format-1 reference file loads with no quantiles and no calibration."""
    from pathlib import Path

    loaded = LSTMForecaster.load(Path(__file__).parent / "data" / "forecaster_v1.tsf")
    assert loaded.quantiles is None and loaded.quantiles_ is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loaded.predict()
    with pytest.raises(ValueError, match="saved before intervals existed"):
        loaded.predict_interval()


# -- calibration windows kept from early stopping ----------------------------------------------


def test_calibration_fraction_calibrates_on_the_last_validation_windows():
    """Check that ConformalIntervals(fraction=0.5) calibrates on the last half of each series'
    validation windows, and early stopping watches only the first half."""
    n, window = 200, 8
    n_val = int(np.ceil(0.2 * (n - window - H + 1)))  # 38 validation windows
    full = model(window=window, random_state=0).fit(noisy(n))
    half = model(window=window, intervals=validation_calibration(fraction=0.5),
                 random_state=0).fit(noisy(n))
    assert full.conformal_ranks_[-1] == n_val
    assert half.conformal_ranks_[-1] == n_val // 2
    assert half.history_["val_loss"][0] != pytest.approx(full.history_["val_loss"][0])
    band = half.predict_interval(coverage=0.8)
    assert (band[:, 0] <= half.predict()).all() and (half.predict() <= band[:, 1]).all()


def test_calibration_fraction_keeps_one_window_per_series_for_early_stopping():
    """Check that a series with two validation windows lends one to calibration, and that
    calibration falls back to every validation window when no series can spare one."""
    n_windows = 10 - 2 - H + 1  # 10 rows, window 2: 6 windows, 2 validation (fraction 0.2)
    fitted = model(window=2, intervals=validation_calibration(fraction=0.9)).fit(noisy(10))
    assert fitted.conformal_ranks_[-1] == 1
    single = model(window=2, validation_fraction=0.1,
                   intervals=validation_calibration(fraction=0.9)).fit(noisy(10))
    assert int(np.ceil(0.1 * n_windows)) == 1
    assert single.conformal_ranks_[-1] == 1 and len(single.history_["val_loss"]) > 0


@pytest.mark.parametrize("value, error", [(1.5, ValueError), (-0.1, ValueError),
                                          ("half", TypeError)])
def test_bad_calibration_fraction_is_refused(value, error):
    """Check that ConformalIntervals(fraction=...) outside [0, 1] is refused at fit, naming it."""
    with pytest.raises(error, match="fraction must be"):
        model(intervals=validation_calibration(fraction=value)).fit(noisy())


# -- conformal errors pooled over the horizon steps -------------------------------------------


def test_pooled_table_matches_a_loop_over_steps():
    """Check the pooled table against a loop: each step's scale is its mean error shrunk
    towards ``c * sqrt(step)`` (``c`` the mean of every error over the root of its step) with
    the weight of SCALE_PRIOR_WINDOWS windows, and each step's errors are divided by it."""
    errors = np.random.default_rng(0).exponential(size=(7, 4, 2)) * np.arange(1, 5)[:, None]
    errors[:, 2, 1] = 0.0  # a step without error: normalised errors 0
    table, ranks, scale = pooled_table(errors)
    prior = SCALE_PRIOR_WINDOWS
    expected, expected_scale = [], np.zeros((4, 2))
    for target in range(2):
        c = np.mean([errors[w, h, target] / np.sqrt(h + 1) for w in range(7) for h in range(4)])
        column = []
        for step in range(4):
            mean = errors[:, step, target].mean()
            expected_scale[step, target] = (7 * mean + prior * c * np.sqrt(step + 1)) / (7 + prior)
            column += list(errors[:, step, target] / expected_scale[step, target])
        expected.append(sorted(column))
    np.testing.assert_allclose(table, np.array(expected).T)
    np.testing.assert_array_equal(ranks, np.arange(1, 29))
    np.testing.assert_allclose(scale, expected_scale)
    many = np.tile(errors, (1000, 1, 1))  # many windows: each step's own mean error
    np.testing.assert_allclose(pooled_table(many)[2], errors.mean(axis=0), rtol=0.01, atol=0.01)


def short_fit(**params):
    """A fit with 8 validation errors per step: too few for 95% per step, enough pooled."""
    fitted = model(**params).fit(noisy(50))
    assert fitted.conformal_ranks_[-1] == 8
    return fitted


def test_pooled_interval_is_each_step_mean_error_times_one_quantile():
    """Check that with ConformalIntervals(pooling=True) each step's half-width, divided by that
    step's scale, is the same across the steps, and that the rank counts windows: at 70% the
    ceil(9 * 0.7) = 7th of 8 windows, the ceil(24 * 7 / 8) = 21st of the 24 pooled errors."""
    fitted = short_fit(intervals=validation_calibration(pooling=True))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        band = fitted.predict_interval(coverage=0.7)
    half = (band[:, 1] - band[:, 0]) / 2 / fitted.conformal_scale_[:, 0]
    np.testing.assert_allclose(half, half[0], rtol=1e-5)
    assert fitted.conformal_pooled_ranks_[-1] == 24
    scale = fitted.scaler_.scale[0, 0]
    np.testing.assert_allclose(half[0], fitted.conformal_pooled_[20, 0] * scale, rtol=1e-5)


def test_auto_pools_only_the_coverages_a_step_has_too_few_errors_for():
    """Check ConformalIntervals(pooling='auto'): pooled at 95% (8 errors per step need 19), per
    step at 80% (8 errors are enough); False warns at 95%, and the setting is read at predict."""
    fitted = short_fit(intervals=validation_calibration())
    assert fitted.intervals.pooling == "auto"
    auto_95, auto_80 = fitted.predict_interval(coverage=0.95), fitted.predict_interval(coverage=0.8)
    fitted.set_params(intervals__pooling=True)
    np.testing.assert_array_equal(auto_95, fitted.predict_interval(coverage=0.95))
    fitted.set_params(intervals__pooling=False)
    np.testing.assert_array_equal(auto_80, fitted.predict_interval(coverage=0.8))
    with pytest.warns(UserWarning, match=r"needs at least 19 calibration errors \(per step"):
        fitted.predict_interval(coverage=0.95)


def test_too_few_pooled_windows_extrapolate_the_tail_and_warn():
    """Check that when even the pooled windows are fewer than the rank needs, the radius is
    the larger of the largest pooled error and the exponential tail of the pooled errors
    (all steps of all windows), times each step's scale, growing with the coverage (never the
    same interval at 95% as at 90%), and the warning says how it was made."""
    fitted = model(horizon=2, intervals=validation_calibration(pooling=True)).fit(noisy(40))
    windows, n = int(fitted.conformal_ranks_[-1]), int(fitted.conformal_pooled_ranks_[-1])
    assert windows < 9 and n == 2 * windows  # too few windows for 90% and for 95%
    errors, scale = fitted.conformal_pooled_[:, 0], fitted.scaler_.scale[0, 0]
    with pytest.warns(UserWarning, match=r"\(windows, each pooled over its 2 steps\), but "
                      f"calibration gave {windows}: beyond the largest of their {n} errors, "
                      r"the interval extrapolates their tail"):
        band_95 = fitted.predict_interval(coverage=0.95)
    with pytest.warns(UserWarning, match="extrapolates their tail"):
        band_90 = fitted.predict_interval(coverage=0.9)
    for band, coverage in ((band_95, 0.95), (band_90, 0.9)):
        tail = n * errors.mean() * ((1 - coverage) ** (-1 / n) - 1)
        radius = max(tail, errors.max()) * fitted.conformal_scale_[:, 0] * scale  # (2,)
        np.testing.assert_allclose((band[:, 1] - band[:, 0]) / 2, radius, rtol=1e-5)
    assert n * errors.mean() * (0.05 ** (-1 / n) - 1) > errors.max()  # 95%: beyond the largest
    assert np.all(band_95[:, 1] - band_95[:, 0] > band_90[:, 1] - band_90[:, 0])


def test_the_tail_tends_to_the_exponential_quantile_and_keeps_the_largest_error():
    """Check the tail of few windows: many windows give the exponential quantile of the
    errors' mean, and an error far beyond the others is never cut."""
    from tsforecast._intervals import tail_radius

    table = np.full((4, 1), 2.0)
    np.testing.assert_allclose(tail_radius(table, 10**7, 0.95), -2.0 * np.log(0.05), rtol=1e-5)
    outlier = conformal_table(np.array([0.0, 1.0, 1.0, 0.0, 1.0, 50.0])[:, None, None])
    with pytest.warns(UserWarning, match="extrapolates their tail"):  # 80% needs 4 windows
        assert conformal_radius(*outlier, 0.8, windows=3)[0, 0] == 50.0


@pytest.mark.parametrize("value", ["always", 1, None])
def test_bad_conformal_pooling_is_refused(value):
    """Check that ConformalIntervals(pooling=...) other than 'auto', True or False is refused at
    fit."""
    with pytest.raises(ValueError, match="pooling must be 'auto', True or False"):
        model(intervals=validation_calibration(pooling=value)).fit(noisy(60))


def test_pooled_calibration_saves_and_loads(tmp_path):
    """Check that the pooled table survives save and load."""
    fitted = short_fit()
    fitted.save(tmp_path / "m.tsf")
    loaded = load(tmp_path / "m.tsf")
    np.testing.assert_array_equal(loaded.predict_interval(coverage=0.95),
                                  fitted.predict_interval(coverage=0.95))


# -- calibrate: conformal errors from the rolling origins of given data ----------------------


def test_calibrate_on_the_validation_windows_reproduces_the_fit_calibration():
    """Check that calibrating on the training series' last windows, as many as fit held out
    for validation, gives the tables fit computed."""
    series = noisy(100)
    # the network's own forecasts: a smoothing's parameters would see every row here
    fitted = model(random_state=0, smoothing=False).fit(series)
    n_val = int(fitted.conformal_ranks_[-1])
    tables = [fitted.conformal_errors_, fitted.conformal_pooled_, fitted.conformal_scale_]
    fitted.calibrate(series, n_windows=n_val)
    assert fitted.conformal_ranks_[-1] == n_val
    for before, after in zip(tables, [fitted.conformal_errors_, fitted.conformal_pooled_,
                                      fitted.conformal_scale_]):
        np.testing.assert_allclose(after, before, rtol=1e-5, atol=1e-6)


def test_calibrate_gives_a_model_without_validation_windows_its_intervals():
    """Check that a model fitted with validation_fraction=0 gets conformal intervals from the
    windows of later data, enough of them for 95% per step without a warning."""
    series = noisy(200)
    fitted = model(validation_fraction=0.0).fit(series[:150])
    assert fitted.calibrate(series, n_windows=40) is fitted
    assert fitted.conformal_ranks_[-1] == 40
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        band = fitted.set_params(intervals=validation_calibration(pooling=False)).predict_interval(
            coverage=0.95)
    point = fitted.predict()
    assert np.all(band[:, 0] <= point) and np.all(point <= band[:, 1])


def test_calibrate_takes_the_last_windows_of_each_series_of_a_panel():
    """Check n_windows per series on a panel, and every origin with n_windows=None."""
    frame = make_long(n_series=3, n=60)
    fitted = model().fit(frame)
    assert fitted.calibrate(frame, n_windows=5).conformal_ranks_[-1] == 15
    n_origins = 3 * (60 - fitted.window_ - H + 1)
    assert fitted.calibrate(frame).conformal_ranks_[-1] == n_origins


@pytest.mark.parametrize("value, error", [(0, ValueError), (2.5, TypeError)])
def test_bad_n_windows_is_refused(value, error):
    """Check that n_windows below 1 or not an int is refused, naming it."""
    fitted = model().fit(noisy(60))
    with pytest.raises(error, match="n_windows"):
        fitted.calibrate(noisy(60), n_windows=value)



def test_intervals_read_while_calibrate_runs_come_from_one_calibration():
    """Check that predict_interval and predict_quantiles in threads, while another thread
    calibrates the model again and again on two contexts in turn, always answer those of one
    of the two calibrations exactly, never a mix of their tables. The interpreter switches
    threads every microsecond, so that reads between two stores of the tables would be met;
    the 99 levels of predict_quantiles read the tables 98 times in one call."""
    series, other = noisy(200), noisy(200, seed=5)
    fitted = model().fit(series)
    contexts = [series[:150], other]
    asks = {"interval": lambda: fitted.predict_interval(coverage=0.9),
            "quantiles": lambda: fitted.predict_quantiles(alpha=GRID)}
    expected = {name: [] for name in asks}
    for context in contexts:
        fitted.calibrate(context, n_windows=30)
        for name, ask in asks.items():
            expected[name].append(ask())
    for one, two in expected.values():  # every bound but the median tells the two apart
        assert np.sum(one == two) == (0 if one.shape[-1] == 2 else H)
    done, seen, failures = threading.Event(), {name: [] for name in asks}, []

    def calibrate():
        try:
            for round_ in range(150):
                fitted.calibrate(contexts[round_ % 2], n_windows=30)
        except Exception as error:  # reported below
            failures.append(error)
        finally:
            done.set()

    def read(name):
        try:
            while not done.is_set():
                seen[name].append(asks[name]())
        except Exception as error:  # reported below
            failures.append(error)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=read, args=(name,)) for name in [*asks, *asks]]
        threads.append(threading.Thread(target=calibrate))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert not failures, failures
    matches = {name: np.array([[np.array_equal(band, one) for one in expected[name]]
                               for band in bands]) for name, bands in seen.items()}
    torn = {name: f"{np.sum(~found.any(axis=1))} of {len(found)}"
            for name, found in matches.items()}
    assert all(found.any(axis=1).all() for found in matches.values()), (
        f"answers that match neither calibration: {torn}")
    assert all(found.any(axis=0).all() for found in matches.values())  # both were read

# -- calibrate(refit=True): errors of a copy that never saw the calibration rows --------------


def test_refit_calibration_is_that_of_a_copy_fitted_without_the_held_rows():
    """Check calibrate(refit=True) equals fitting the same model, for the epochs early
    stopping kept, on all but the last n_windows + horizon - 1 rows and calibrating it on the
    windows over them, and leaves the network (its forecasts) as it was."""
    series = noisy(160)
    fitted = model(random_state=0).fit(series)
    before = fitted.predict()
    fitted.calibrate(series, n_windows=30, refit=True)
    np.testing.assert_array_equal(fitted.predict(), before)
    held = 30 + H - 1
    copy = model(random_state=0, window=fitted.window_, epochs=fitted.best_epoch_ + 1,
                 early_stopping=False).fit(series[:-held])
    copy.calibrate(series, n_windows=30)
    assert fitted.conformal_ranks_[-1] == 30
    for name in ("conformal_errors_", "conformal_pooled_", "conformal_scale_"):
        np.testing.assert_array_equal(getattr(fitted, name), getattr(copy, name))


def test_refit_calibration_errors_are_larger_than_the_in_sample_ones():
    """Check that errors of forecasts after the copy's training rows exceed those of windows
    the model was trained on (the optimism that refit=True removes)."""
    series = noisy(160)
    fitted = model(random_state=0, validation_fraction=0.0).fit(series)
    in_sample = fitted.calibrate(series, n_windows=30).conformal_scale_.mean()
    out_of_sample = fitted.calibrate(series, n_windows=30, refit=True).conformal_scale_.mean()
    assert out_of_sample > in_sample


def test_refit_calibration_of_a_panel_takes_one_window_per_series_and_skips_short_ones():
    """Check the default of one window per series, and that series too short to hold
    horizon rows out are left out with a warning."""
    frame = make_long(n_series=3, n=60)
    fitted = model(random_state=0).fit(frame)
    assert fitted.calibrate(frame, refit=True).conformal_ranks_[-1] == 3
    short = pd.concat([frame, frame.query("unique_id == 's0'").head(H).assign(unique_id="s9")],
                      ignore_index=True)
    with pytest.warns(UserWarning, match="1 of 4 series have at most 3 rows"):
        fitted.calibrate(short, refit=True)
    assert fitted.conformal_ranks_[-1] == 3
    with pytest.raises(ValueError, match="the longest series then keeps 0 rows"):
        fitted.calibrate(frame, n_windows=58, refit=True)


@pytest.mark.parametrize("n, windows", [(45, 45 // 3 - H + 1), (120, 20)])
def test_calibration_refit_at_fit_is_calibrate_refit_on_the_last_third(n, windows):
    """Check calibration="refit": fit then calibrate(refit=True) on the windows of the last
    third of the series, at most 20 (the last ones of a long series' copy), the network
    untouched."""
    series = noisy(n)
    fitted = model(random_state=0, intervals=ConformalIntervals(calibration="refit")).fit(series)
    plain = model(random_state=0).fit(series)
    np.testing.assert_array_equal(fitted.predict(), plain.predict())
    plain.calibrate(series, n_windows=windows, refit=True)
    assert fitted.conformal_ranks_[-1] == windows
    for name in ("conformal_errors_", "conformal_pooled_", "conformal_scale_"):
        np.testing.assert_array_equal(getattr(fitted, name), getattr(plain, name))


def test_calibration_refit_of_a_panel_of_19_series_takes_one_window_each():
    frame = make_long(n_series=19, n=40)
    fitted = model(intervals=ConformalIntervals(calibration="refit")).fit(frame)
    assert fitted.conformal_ranks_[-1] == 19


def averaged(refit, validation):
    """The errors of the tables of calibration="refit" (n, H, T), each step's averaged with
    calibration="validation"'s quantiles at the same levels rank / (n + 1) (linear between
    its own such levels, its first or last error beyond them)."""
    n, m = refit.conformal_ranks_[-1], validation.conformal_ranks_[-1]
    levels = np.arange(1, n + 1) / (n + 1)
    positions = validation.conformal_ranks_ / (m + 1)
    other = np.apply_along_axis(lambda errors: np.interp(levels, positions, errors), 0,
                                validation.conformal_errors_)
    return (refit.conformal_errors_ + other) / 2


def test_auto_calibrates_a_panel_of_19_series_on_its_own_validation_windows():
    """Check that the default calibration keeps fit's validation windows for a panel of 19
    series (the tables of calibration="validation", no copy) and calibrates a panel of 18 on
    a copy's errors averaged with those of the validation windows."""
    frame = make_long(n_series=19, n=40)
    auto = model(intervals=ConformalIntervals()).fit(frame)
    other = model(intervals=ConformalIntervals(calibration="validation")).fit(frame)
    np.testing.assert_array_equal(auto.conformal_errors_, other.conformal_errors_)
    assert auto.conformal_ranks_[-1] == other.conformal_ranks_[-1]
    frame = make_long(n_series=18, n=40)
    auto, refit, validation = (
        model(intervals=ConformalIntervals(calibration=c)).fit(frame)
        for c in ("auto", "refit", "validation"))
    assert auto.conformal_ranks_[-1] == refit.conformal_ranks_[-1]
    np.testing.assert_allclose(auto.conformal_errors_, averaged(refit, validation))


@pytest.mark.parametrize("n", [45, 120])
def test_auto_averages_the_copy_and_the_validation_windows_of_one_series(n):
    """Check one series' default calibration: every step's sorted errors of the copy
    (calibration="refit") averaged with the validation windows' quantiles at the same
    levels; the forecasts are those of either."""
    series = noisy(n)
    auto, refit, validation = (
        model(random_state=0, intervals=ConformalIntervals(calibration=c)).fit(series)
        for c in ("auto", "refit", "validation"))
    np.testing.assert_array_equal(auto.predict(), validation.predict())
    assert validation.conformal_ranks_[-1] != refit.conformal_ranks_[-1]
    np.testing.assert_allclose(auto.conformal_errors_, averaged(refit, validation))
    assert not np.allclose(auto.conformal_errors_, refit.conformal_errors_)


def test_calibration_refit_leaves_out_series_too_short_to_hold_rows_out():
    """Check a panel whose shortest series cannot spare the last third of the median series:
    it is left out of the calibration, with a warning."""
    frame = make_long(n_series=3, n=60)
    short = frame.query("unique_id == 's0'").head(20).assign(unique_id="short")
    with pytest.warns(UserWarning, match="1 of 4 series have at most 20 rows"):
        fitted = model(intervals=ConformalIntervals(calibration="refit")).fit(
            pd.concat([frame, short], ignore_index=True))
    assert fitted.conformal_ranks_[-1] == 3 * 18


def test_calibration_refit_of_a_series_too_short_for_a_copy_warns_and_keeps_validation():
    """Check a series whose last third leaves too few rows to train a copy on: fit warns and
    the intervals come from the validation windows."""
    series = noisy(15)  # the last third: 5 rows; the copy keeps 10 < window 8 + horizon 3
    with pytest.warns(UserWarning, match="calibrated on the validation windows instead"):
        fitted = model(window=8, intervals=ConformalIntervals(calibration="refit")).fit(series)
    plain = model(window=8).fit(series)
    np.testing.assert_array_equal(fitted.conformal_errors_, plain.conformal_errors_)


def test_bad_calibration_is_refused():
    with pytest.raises(ValueError, match="calibration must be one of"):
        model(intervals=ConformalIntervals(calibration="backtest")).fit(noisy(60))


def test_refit_must_be_a_bool():
    fitted = model().fit(noisy(60))
    with pytest.raises(TypeError, match="refit"):
        fitted.calibrate(noisy(60), refit="yes")


# -- conformalized quantile regression (method="cqr") ------------------------------------------


def cqr_model(**params):
    return model(quantiles=(0.1, 0.9), validation_fraction=0.4,
                 intervals=validation_calibration(pooling=False), random_state=0, **params)


def test_cqr_moves_each_trained_quantile_by_the_conformal_rank_of_its_scores():
    """Check the cqr band is the trained band widened on both sides by the
    ceil((n + 1) * coverage)-th smallest conformity score of the calibration windows."""
    fitted = cqr_model().fit(noisy(200))
    raw = fitted.predict_interval(coverage=0.8, method="quantile")
    band = fitted.predict_interval(coverage=0.8, method="cqr")
    n = int(fitted.conformal_ranks_[-1])
    rank = int(np.ceil((n + 1) * 0.8))
    radius = fitted.quantile_errors_[rank - 1, :, 0, 0]  # (H,) in scaled units
    scale = fitted.scaler_.scale[0, 0]
    point = fitted.predict()
    expected_lower = np.minimum(raw[:, 0] - radius * scale, point)
    expected_upper = np.maximum(raw[:, 1] + radius * scale, point)
    np.testing.assert_allclose(band[:, 0], expected_lower, rtol=1e-5)
    np.testing.assert_allclose(band[:, 1], expected_upper, rtol=1e-5)


def test_cqr_scores_count_how_far_actual_values_fall_outside_the_trained_band():
    """Check the stored scores: as many above 0 as calibration values outside the band."""
    series = noisy(200)
    fitted = cqr_model().fit(series)
    fitted.calibrate(series, n_windows=40)
    scores = fitted.quantile_errors_[:, :, 0, 0]  # (40, H), sorted per step
    assert np.all(np.diff(scores, axis=0) >= 0)
    origins = [series[: len(series) - 40 - H + 1 + k] for k in range(40)]
    bands = np.stack([fitted.predict_interval(o, coverage=0.8, method="quantile")
                      for o in origins])  # (40, H, 2)
    actual = np.stack([series[len(o): len(o) + H] for o in origins])  # (40, H)
    outside = (actual < bands[..., 0]) | (actual > bands[..., 1])
    np.testing.assert_array_equal((scores > 0).sum(axis=0), outside.sum(axis=0))


def test_cqr_brings_an_undertrained_quantile_band_near_its_coverage():
    """Check coverage on later data of a series with known noise: the quantiles of a network
    trained for one epoch cover half the values, not 80%; cqr calibrated on the last 150
    windows of the training series comes near nominal."""
    series = noisy(900, seed=3)
    fitted = model(quantiles=(0.1, 0.9), epochs=1, random_state=0).fit(series[:600])
    fitted.calibrate(series[:600], n_windows=150)
    hits = {"quantile": [], "cqr": []}
    for end in range(600, 900 - H + 1, H):
        for method, found in hits.items():
            band = fitted.predict_interval(series[:end], coverage=0.8, method=method)
            actual = series[end : end + H]
            found.append(np.mean((band[:, 0] <= actual) & (actual <= band[:, 1])))
    assert abs(np.mean(hits["cqr"]) - 0.8) < 0.08
    assert abs(np.mean(hits["cqr"]) - 0.8) < abs(np.mean(hits["quantile"]) - 0.8)


def test_cqr_needs_trained_pairs_and_says_so():
    plain = model().fit(noisy(100))
    with pytest.raises(ValueError, match="needs a model fitted with quantiles"):
        plain.predict_interval(coverage=0.8, method="cqr")
    lopsided = model(quantiles=(0.1, 0.8)).fit(noisy(100))
    with pytest.raises(ValueError, match="level 0.8 was trained without 0.2"):
        lopsided.predict_quantiles(alpha=(0.8,), method="cqr")
    with pytest.raises(ValueError, match="method must be one of"):
        lopsided.predict_interval(method="cqr2")


def test_cqr_calibration_saves_and_loads(tmp_path):
    fitted = cqr_model().fit(pd.Series(noisy()))
    fitted.save(tmp_path / "cqr.tsf")
    loaded = load(tmp_path / "cqr.tsf")
    np.testing.assert_array_equal(loaded.quantile_errors_, fitted.quantile_errors_)
    pd.testing.assert_frame_equal(loaded.predict_interval(coverage=0.8, method="cqr"),
                                  fitted.predict_interval(coverage=0.8, method="cqr"))


# -- ordered quantiles and nested intervals ----------------------------------------------------

GRID = tuple(np.round(np.arange(0.01, 1.0, 0.01), 2))  # 0.01, 0.02, ..., 0.99


def assert_ordered(quantiles):
    """Quantiles (..., K) of increasing levels never decrease, at every step and series."""
    assert np.all(np.diff(np.asarray(quantiles, dtype=float), axis=-1) >= 0)


def assert_nested(inner, outer):
    inner, outer = np.asarray(inner, dtype=float), np.asarray(outer, dtype=float)
    assert np.all(outer[..., 0] <= inner[..., 0]) and np.all(inner[..., 1] <= outer[..., 1])


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("pooling", ["auto", True, False])
def test_conformal_quantiles_over_a_fine_grid_never_cross(seed, pooling):
    """Check that conformal quantiles at levels 0.01, ..., 0.99 never decrease at any step, with
    18 errors per step: enough per step up to 94%, pooled beyond with pooling='auto'."""
    fitted = model(random_state=seed, intervals=validation_calibration(pooling=pooling))
    fitted.fit(noisy(100, seed=seed))
    assert fitted.conformal_ranks_[-1] == 18
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pooling=False: too few errors beyond 94%
        assert_ordered(fitted.predict_quantiles(alpha=GRID, method="conformal"))


def test_conformal_quantiles_of_a_panel_never_cross_at_any_series():
    frame = make_long(n_series=3, n=40)
    fitted = model().fit(frame)
    assert fitted.conformal_ranks_[-1] < 49  # 98% pools
    out = fitted.predict_quantiles(frame, alpha=GRID, method="conformal")
    assert_ordered(out[[f"q{level:g}" for level in GRID]].to_numpy())


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("pooling", ["auto", True, False])
def test_conformal_interval_at_94_lies_inside_that_at_96(seed, pooling):
    """Check nesting across separate calls, with 18 errors per step: enough for 94% per step,
    too few for 96% (pooled with pooling='auto')."""
    fitted = model(random_state=seed, intervals=validation_calibration(pooling=pooling))
    fitted.fit(noisy(100, seed=seed))
    assert fitted.conformal_ranks_[-1] == 18
    coverages = np.round(np.arange(0.5, 0.99, 0.02), 2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pooling=False: too few errors beyond 94%
        bands = [fitted.predict_interval(coverage=c) for c in coverages]
        assert_nested(fitted.predict_interval(coverage=0.94),
                      fitted.predict_interval(coverage=0.96))
    for inner, outer in zip(bands[:-1], bands[1:]):
        assert_nested(inner, outer)


CLOSE = (0.02, 0.03, 0.1, 0.11, 0.12, 0.88, 0.89, 0.9, 0.97, 0.98)  # trained, in pairs


def close_fit(seed, pooling):
    return model(quantiles=CLOSE, epochs=3, random_state=seed,
                 intervals=validation_calibration(pooling=pooling)).fit(noisy(100, seed=seed))


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("pooling", ["auto", True, False])
def test_cqr_quantiles_never_cross(seed, pooling):
    """Check that conformalized quantiles of close trained levels never decrease at any step:
    each pair is moved by the rank of its own scores, which may cross its neighbour's."""
    fitted = close_fit(seed, pooling)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pooling=False: too few errors at 96%
        assert_ordered(fitted.predict_quantiles(alpha=(*CLOSE[:5], 0.5, *CLOSE[5:]),
                                                method="cqr"))


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("pooling", ["auto", True, False])
def test_cqr_intervals_of_separate_calls_are_nested(seed, pooling):
    fitted = close_fit(seed, pooling)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pooling=False: too few errors at 96%
        bands = [fitted.predict_interval(coverage=c, method="cqr")
                 for c in (0.76, 0.78, 0.8, 0.94, 0.96)]
    for inner, outer in zip(bands[:-1], bands[1:]):
        assert_nested(inner, outer)


def test_cqr_intervals_hold_the_calibrated_ones():
    """Check that ordering only widens: each cqr interval holds the trained band moved by the
    conformal rank of its own pair's scores (the interval whose coverage is guaranteed)."""
    fitted = model(quantiles=CLOSE, epochs=3, random_state=1,
                   intervals=validation_calibration(pooling=False)).fit(noisy(100, seed=1))
    n = int(fitted.conformal_ranks_[-1])
    raw = fitted.predict_quantiles(alpha=CLOSE, method="quantile")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # too few errors at 96%
        band = fitted.predict_quantiles(alpha=CLOSE, method="cqr")
    scale, point = fitted.scaler_.scale[0, 0], fitted.predict()
    for pair, (low, high) in enumerate(zip(range(5), range(9, 4, -1))):
        rank = min(int(np.ceil((n + 1) * (1 - 2 * CLOSE[low]))), n)  # the largest beyond n
        radius = fitted.quantile_errors_[rank - 1, :, 0, pair] * scale
        assert np.all(band[:, low] <= np.minimum(raw[:, low] - radius, point) + 1e-9)
        assert np.all(band[:, high] >= np.maximum(raw[:, high] + radius, point) - 1e-9)


# -- the default calibration on known noise ---------------------------------------------------


@pytest.mark.parametrize("n", [60, 240])
def test_default_intervals_hold_about_their_coverage_on_known_noise(n):
    """Check the default calibration (a copy trained without the last rows) on a sine plus
    Gaussian noise: over 400 later origins the 80% and 95% intervals hold near nominal, where
    an interval of the point forecast alone would hold nothing, for a short and a long
    series. Both calibrate on at most 20 windows per step, so the 95% radius is the largest of
    at most 20 errors, whose coverage varies by about 0.05 from one calibration to the next."""
    rng = np.random.default_rng(n)
    t = np.arange(n + 400 + H)
    y = 10 + np.sin(2 * np.pi * t / 12) + rng.normal(0, 0.5, len(t))
    # numpy input: no time index to remove the pattern by, so no smoothing (see smoothing)
    fitted = LSTMForecaster(window=12, horizon=H, epochs=40, random_state=0, device="cpu",
                            smoothing=False).fit(y[:n])
    later = y[n - 12 :]
    for coverage, low, high in ((0.8, 0.7, 0.92), (0.95, 0.85, 1.0)):
        forecasts, interval = fitted.predict_rolling(later, coverage=coverage)
        actual = np.stack([later[12 + h : len(later) - H + 1 + h] for h in range(H)], axis=1)
        inside = (interval[..., 0] <= actual) & (actual <= interval[..., 1])
        assert low <= inside.mean() <= high, (coverage, inside.mean())


def test_a_large_panel_trains_its_calibration_copy_on_evenly_spaced_series(monkeypatch):
    """Check that a panel of more than CHOICE_SERIES series calibrates on a copy trained on
    CHOICE_SERIES of them: the calibration windows are those series' only, and the copy is
    the same as one fitted on those series alone."""
    from tsforecast import _selection

    frame = make_long(n_series=6, n=60)
    settings = dict(TINY, window=8, horizon=H, scaler="standard", loss="mse",
                    intervals=ConformalIntervals(calibration="refit"))  # the copy alone
    whole = LSTMForecaster(**settings).fit(frame)
    monkeypatch.setattr(_selection, "CHOICE_SERIES", 3)
    sampled = LSTMForecaster(**settings).fit(frame)
    np.testing.assert_array_equal(sampled.predict()["y"], whole.predict()["y"])
    per_series = int(whole.conformal_ranks_[-1]) // 6
    assert per_series >= 1 and sampled.conformal_ranks_[-1] == 3 * per_series
    kept = frame[frame.unique_id.isin(["s0", "s2", "s4"])]  # every other series of 6
    errors = sampled.conformal_errors_
    sampled.calibrate(kept, n_windows=per_series, refit=True)  # a copy of those series alone
    np.testing.assert_array_equal(sampled.conformal_errors_, errors)
