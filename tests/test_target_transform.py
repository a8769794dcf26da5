"""target_transform: applied before seasonal adjustment and scaling, inverted on every forecast."""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.special
import scipy.stats
from sklearn.base import clone
from sklearn.metrics import r2_score
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, Normalizer

import tsforecast
from tsforecast import ConformalIntervals, LSTMForecaster, LSTMNetwork, datasets
from tsforecast._target import TargetMap, boxcox_lambdas, fit_target_map

TINY = dict(network=LSTMNetwork(hidden_size=4), epochs=2, random_state=0,
            intervals=ConformalIntervals(calibration="validation"))  # one network's errors


@pytest.fixture
def air():
    return datasets.load_air_passengers()


def test_boxcox_lambdas_match_scipy_per_series():
    """Check the vectorised grid search against scipy's maximum-likelihood lambda per series."""
    rng = np.random.default_rng(0)
    series = [datasets.load_air_passengers().to_numpy(), rng.lognormal(size=50),
              rng.gamma(2.0, size=80) + 0.1]
    stacked = np.concatenate(series)[:, None]
    which = np.repeat(np.arange(3), [len(s) for s in series])
    found = boxcox_lambdas(stacked, which, 3)[:, 0]
    expected = [scipy.stats.boxcox_normmax(s, method="mle") for s in series]
    np.testing.assert_allclose(found, expected, atol=0.006)


def test_log_transform_forecasts_in_data_units(air):
    """Check that target_transform='log' equals a model fitted on log values, exponentiated, in
    predict, predict_rolling and score."""
    train, test = air[:-24], air[-48:]
    logged = LSTMForecaster(horizon=6, target_transform="log", **TINY).fit(train)
    plain = LSTMForecaster(horizon=6, **TINY).fit(np.log(train))
    np.testing.assert_allclose(logged.predict(), np.exp(plain.predict()), rtol=1e-5)
    rolling = logged.predict_rolling(test)
    np.testing.assert_allclose(rolling, np.exp(plain.predict_rolling(np.log(test))), rtol=1e-5)
    rows = np.arange(len(rolling))[:, None] + logged.window_ + np.arange(6)
    expected = r2_score(test.to_numpy()[rows], rolling.to_numpy())
    assert logged.score(test) == pytest.approx(expected)


def test_recursive_forecast_with_a_target_transform_stays_positive(air):
    """Check that recursion feeds forecasts back through the transform (Box-Cox)."""
    model = LSTMForecaster(horizon=6, target_transform="boxcox", **TINY).fit(air[:-24])
    forecast = model.predict(n_steps=24)
    assert len(forecast) == 24 and (forecast > 0).all()
    np.testing.assert_allclose(forecast[6:12], model.predict(pd.concat([air[:-24], forecast[:6]])),
                               rtol=1e-5)


def test_boxcox_fits_a_lambda_per_series_and_one_for_new_series(air):
    """Check the per-series lambdas of a panel and that a new series is forecast too."""
    panel = {"air": air[:-12], "double": air[:-12] ** 1.5}
    model = LSTMForecaster(horizon=3, target_transform="boxcox", **TINY).fit(panel)
    assert model.target_lambda_.shape == (2, 1)
    assert model.target_lambda_[0, 0] != pytest.approx(model.target_lambda_[1, 0])
    forecast = model.predict({"new": air[:-12] * 3.0})["new"]
    assert np.isfinite(forecast).all() and (forecast > 0).all()


@pytest.mark.parametrize("kind, value, need", [
    ("log", 0.0, "needs positive targets"),
    ("boxcox", -1.0, "needs positive targets"),
    ("log1p", -1.0, "needs targets above -1"),
])
def test_values_outside_the_transforms_domain_are_refused(sine, kind, value, need):
    """Check the errors at fit and for a predict context."""
    bad = np.abs(sine) + 1.0
    bad[5] = value
    with pytest.raises(ValueError, match=f"target_transform='{kind}' {need}.*row 5"):
        LSTMForecaster(window=8, target_transform=kind, **TINY).fit(bad)
    model = LSTMForecaster(window=8, target_transform=kind, **TINY).fit(np.abs(sine) + 1.0)
    with pytest.raises(ValueError, match=need):
        model.predict(bad[:20])


@pytest.mark.parametrize("value, error, match", [
    ("sqrt", ValueError, "target_transform must be one of"),
    (Normalizer(), TypeError, r"without \['inverse_transform'\]"),
    (np.log, TypeError, "without"),
])
def test_bad_target_transform_is_refused(sine, value, error, match):
    """Check that an unknown name or an object without inverse_transform is refused at fit."""
    with pytest.raises(error, match=match):
        LSTMForecaster(window=8, target_transform=value, **TINY).fit(sine)


def test_transformer_instance_is_fitted_on_a_clone_and_inverted(air):
    """Check a scikit-learn transformer: same forecasts as 'log', the parameter left unfitted."""
    transformer = FunctionTransformer(np.log, inverse_func=np.exp)
    model = LSTMForecaster(horizon=3, target_transform=transformer, **TINY).fit(air[:-12])
    named = LSTMForecaster(horizon=3, target_transform="log", **TINY).fit(air[:-12])
    np.testing.assert_allclose(model.predict(), named.predict(), rtol=1e-6)
    assert model.target_transform_ is not transformer
    assert not hasattr(transformer, "n_features_in_")


def test_target_transform_clones_pickles_and_grid_searches(air):
    """Check clone, pickle and GridSearchCV over target_transform."""
    model = LSTMForecaster(window=12, horizon=3, target_transform="boxcox", **TINY)
    assert clone(model).get_params()["target_transform"] == "boxcox"
    fitted = model.fit(air[:-12])
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(fitted)).predict(), fitted.predict())
    search = GridSearchCV(LSTMForecaster(window=12, horizon=3, **TINY),
                          {"target_transform": [None, "log"]},
                          cv=TimeSeriesSplit(2, test_size=24), error_score="raise").fit(air)
    assert search.best_params_["target_transform"] in (None, "log")


@pytest.mark.parametrize("kind", ["log", "log1p", "boxcox"])
def test_named_target_transforms_save_and_load(air, tmp_path, kind):
    """Check that save/load keeps a named transform and its lambdas."""
    model = LSTMForecaster(horizon=3, target_transform=kind, **TINY).fit(air[:-12])
    model.save(tmp_path / "m.tsf")
    loaded = tsforecast.load(tmp_path / "m.tsf")
    assert loaded.target_transform_ == kind
    pd.testing.assert_series_equal(loaded.predict(), model.predict())


def test_saving_a_transformer_instance_is_a_clear_type_error(air, tmp_path):
    """Check that a transformer object cannot be saved (pickle it instead)."""
    transformer = FunctionTransformer(np.log1p, inverse_func=np.expm1)
    model = LSTMForecaster(horizon=3, target_transform=transformer, **TINY).fit(air[:-12])
    with pytest.raises(TypeError, match="target_transform holds a .*FunctionTransformer.*pickle"):
        model.save(tmp_path / "m.tsf")


def test_a_pipeline_transformer_is_not_inverted_by_the_pipeline(air):
    """Check the documented behaviour: a Pipeline's FunctionTransformer transforms the input,
    and Pipeline.predict returns forecasts in the transformed units (target_transform does not)."""
    pipe = make_pipeline(FunctionTransformer(np.log1p, inverse_func=np.expm1),
                         LSTMForecaster(horizon=3, **TINY)).fit(air[:-12])
    forecast = pipe.predict(air[:-12])
    assert forecast.max() < 10  # log1p units, not thousands of passengers
    model = LSTMForecaster(horizon=3, target_transform="log1p", **TINY).fit(air[:-12])
    assert model.predict().min() > 100


# -- Box-Cox: reference values, lambdas in range, a finite and monotone inverse -------------------


@pytest.mark.parametrize("lam", [-1.0, -0.37, 0.0, 0.148, 1.0, 2.0])
def test_boxcox_map_matches_scipy(lam):
    """Check the forward map against scipy.special.boxcox and the inverse against
    scipy.special.inv_boxcox, lambda by lambda (an inverse with the sign of lambda flipped, or
    1 / lambda for lambda, fails here)."""
    x = np.geomspace(0.05, 500.0, 40)[:, None]
    target = TargetMap("boxcox", np.array([[lam]]), 1)
    series = np.zeros(len(x), dtype=np.int64)
    z = target.forward(x, series)
    np.testing.assert_allclose(z[:, 0], scipy.special.boxcox(x[:, 0], lam), rtol=1e-12)
    back = target.inverse(z[None], np.zeros(1, dtype=np.int64))[0, :, 0]
    np.testing.assert_allclose(back, scipy.special.inv_boxcox(z[:, 0], lam), rtol=1e-10)
    np.testing.assert_allclose(back, x[:, 0], rtol=1e-10)


def test_boxcox_forecasts_equal_a_model_on_the_transformed_series(air):
    """Check target_transform='boxcox' against a model fitted on scipy's Box-Cox values (same
    lambda), its forecasts inverted with scipy.special.inv_boxcox: predict, a context, and the
    interval bounds."""
    train = air[:-12]
    boxcox = LSTMForecaster(horizon=6, target_transform="boxcox", **TINY).fit(train)
    lam = float(boxcox.target_lambda_[0, 0])
    assert 0.0 < lam < 0.5  # air passengers: between the square root and the log
    transformed = train.copy()
    transformed[:] = scipy.special.boxcox(train.to_numpy(), lam)
    plain = LSTMForecaster(horizon=6, **TINY).fit(transformed)
    np.testing.assert_allclose(
        boxcox.predict(), scipy.special.inv_boxcox(plain.predict().to_numpy(), lam), rtol=1e-5)
    context = air[:-6]
    expected = scipy.special.inv_boxcox(
        plain.predict(pd.Series(scipy.special.boxcox(context.to_numpy(), lam),
                                index=context.index, name=context.name)).to_numpy(), lam)
    np.testing.assert_allclose(boxcox.predict(context), expected, rtol=1e-5)
    bounds = boxcox.predict_interval(coverage=0.8, method="conformal")
    reference = plain.predict_interval(coverage=0.8, method="conformal")
    np.testing.assert_allclose(
        bounds, scipy.special.inv_boxcox(reference.to_numpy(), lam), rtol=1e-5)


def _left_skewed(rng, n=120):
    """A positive series whose maximum-likelihood Box-Cox lambda lies above 2 (about 3)."""
    index = pd.period_range("2000-01", periods=n, freq="M")
    return pd.Series(500.0 * rng.beta(5.0, 1.0, n), index=index, name="y")


def test_boxcox_lambdas_stay_in_the_documented_range(air):
    """Check that every fitted lambda is in [-1, 2]: a series whose likelihood peaks above 2
    gets 2 (the refinement around the grid's last point went to 2.05), and a constant series,
    whose likelihood has no maximum, gets 1 (it went to -1.05, below the grid)."""
    rng = np.random.default_rng(0)
    skewed = _left_skewed(rng)
    constant = pd.Series(7.0, index=skewed.index, name="y")
    model = LSTMForecaster(horizon=3, window=12, target_transform="boxcox", **TINY).fit(
        {"skewed": skewed, "constant": constant, "air": air[:120].set_axis(skewed.index)
         .rename("y")})
    lambdas = model.target_lambda_[:, 0]
    assert lambdas[0] == pytest.approx(2.0)
    assert lambdas[1] == 1.0
    assert -1.0 <= lambdas[2] <= 2.0


def test_boxcox_forecasts_of_large_values_raise_no_overflow_warning():
    """Check that predict and predict_interval of a series with lambda 2 and values in the
    hundreds (transformed values near 1e5) warn of no overflow (exp was evaluated for lambda 0
    on every value)."""
    series = _left_skewed(np.random.default_rng(0))
    model = LSTMForecaster(horizon=3, window=12, target_transform="boxcox", **TINY).fit(series)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        forecast = model.predict()
        interval = model.predict_interval(coverage=0.9)
    assert np.isfinite(forecast).all() and np.isfinite(interval.to_numpy()).all()


@pytest.mark.parametrize("value", [0.5, 3.0, 100.0])
def test_boxcox_interval_of_a_one_row_new_series_is_finite(air, value):
    """Check the interval of a new series given one row: its lambda was -1.05 (the likelihood
    of one value has no maximum), so the bounds reached inf and predict warned of overflow; now
    the bounds are finite, ordered around the point forecast, and nothing warns but the notice
    that the one row is padded to a window."""
    index = pd.period_range("1949-01", periods=len(air), freq="M")
    panel = {"a": air.set_axis(index), "b": (air**2).set_axis(index)}
    model = LSTMForecaster(horizon=6, target_transform="boxcox",
                           network=LSTMNetwork(hidden_size=8), epochs=5, random_state=0,
                           device="cpu").fit(panel)
    new = {"new": pd.Series([value], index=index[-1:], name=air.name)}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.filterwarnings("ignore", message=".*fewer than window", category=UserWarning)
        interval = model.predict_interval(new, coverage=0.95)["new"]
        point = model.predict(new)["new"]
    assert np.isfinite(interval.to_numpy()).all()
    assert (interval["lower"] <= point).all() and (point <= interval["upper"]).all()


@pytest.mark.parametrize("lam", [-1.0, -0.5, -0.01, 0.0, 0.5, 2.0])
def test_boxcox_inverse_is_finite_and_monotone_everywhere(lam):
    """Check the inverse beyond the transform's image (lambda < 0: above -1 / lambda; lambda
    > 0: below it), where no data value maps: finite, positive, non-decreasing, no warnings."""
    z = np.concatenate([np.linspace(-1e3, 1e3, 2001), [-1e300, 1e300],
                        1 / abs(lam) + np.array([-1e-9, 0.0, 1e-9]) if lam else []])
    z = np.sort(z)
    target = TargetMap("boxcox", np.array([[lam]]), 1)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        warnings.simplefilter("ignore", UserWarning)  # says that some values saturate
        x = target.inverse(z[None, :, None], np.zeros(1, dtype=np.int64))[0, :, 0]
    assert np.isfinite(x).all() and (x > 0).all()
    assert (np.diff(x) >= 0).all()
    inside = np.isfinite(scipy.special.inv_boxcox(z, lam)) & (np.abs(np.log(
        np.maximum(scipy.special.inv_boxcox(z, lam), 1e-300))) < 300)
    np.testing.assert_allclose(x[inside], scipy.special.inv_boxcox(z[inside], lam), rtol=1e-10)


def test_boxcox_inverse_says_when_forecasts_leave_the_transforms_range():
    """Check the warning when a forecast lies above -1 / lambda (lambda < 0): no data value
    maps there, the value returned is a saturation value, and the message says so."""
    target = TargetMap("boxcox", np.array([[-0.5]]), 1)
    match = r"at or above 2, .*lambda=-0.5 .*no value in the data's units"
    with pytest.warns(UserWarning, match=match):
        x = target.inverse(np.array([[[1.0], [2.5]]]), np.zeros(1, dtype=np.int64))
    assert np.isfinite(x).all() and x[0, 1, 0] > x[0, 0, 0]


# -- a decreasing transformer: bands in order ---------------------------------------------------


@pytest.mark.parametrize("transformer, decreasing", [
    (FunctionTransformer(np.reciprocal, inverse_func=np.reciprocal), [True]),
    (FunctionTransformer(np.negative, inverse_func=np.negative), [True]),
    (FunctionTransformer(np.log, inverse_func=np.exp), [False]),
])
def test_a_fitted_transformer_says_whether_it_decreases(air, transformer, decreasing):
    """Check that fitting a transformer finds whether it decreases over the training values (a
    band's lower quantile then maps to the data's upper one); named transforms increase."""
    values = np.c_[air.to_numpy()]
    offsets, fit_rows = np.array([0, len(values)]), np.array([len(values) - 12])
    target = fit_target_map(transformer, values, offsets, fit_rows)
    np.testing.assert_array_equal(target.decreasing, decreasing)
    assert fit_target_map("boxcox", values, offsets, fit_rows).decreasing is None
    assert target.select(np.array([0])).decreasing is target.decreasing


def test_a_decreasing_transformer_gives_ordered_intervals_and_quantiles(air):
    """Check target_transform=FunctionTransformer(1 / x): the interval holds the point forecast,
    the quantiles rise with their level, and each equals the reciprocal of the mirrored
    quantile (level 1 - a) of a model fitted on 1 / y, the asymmetric ones included."""
    train = air[:-12]
    reciprocal = FunctionTransformer(np.reciprocal, inverse_func=np.reciprocal)
    model = LSTMForecaster(horizon=6, target_transform=reciprocal, **TINY).fit(train)
    point = model.predict()
    interval = model.predict_interval(coverage=0.8)
    assert (interval["lower"] <= point).all() and (point <= interval["upper"]).all()
    levels = (0.05, 0.2, 0.5, 0.9)
    quantiles = model.predict_quantiles(alpha=levels, method="conformal").to_numpy()
    assert (np.diff(quantiles, axis=1) >= 0).all()
    plain = LSTMForecaster(horizon=6, **TINY).fit(1.0 / train)
    mirrored = plain.predict_quantiles(alpha=[1 - a for a in levels], method="conformal")
    np.testing.assert_allclose(quantiles, 1.0 / mirrored.to_numpy(), rtol=1e-5)
