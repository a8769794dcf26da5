"""target_transform: applied before seasonal adjustment and scaling, inverted on every forecast."""

import pickle

import numpy as np
import pandas as pd
import pytest
import scipy.stats
from sklearn.base import clone
from sklearn.metrics import r2_score
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, Normalizer

import tsforecast
from tsforecast import LSTMForecaster, datasets
from tsforecast._target import boxcox_lambdas

TINY = dict(hidden_size=4, epochs=2, random_state=0)


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
