"""scikit-learn's own scorer names on a forecaster: the errors the user sees point to the
forecast scorers of tsforecast.scoring."""

import warnings

import numpy as np
import pytest
from conftest import TINY
from sklearn.model_selection import TimeSeriesSplit, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from tsforecast import LSTMForecaster
from tsforecast.scoring import get_scorer, neg_mae_scorer

POINTER = r"tsforecast\.scoring.*neg_mae_scorer.*get_scorer\('neg_mae'\)"


def covariate_series(n=120):
    """A target y and one covariate column X, for fit(X, y)."""
    rng = np.random.default_rng(0)
    t = np.arange(n)
    return np.cos(t / 4)[:, None], np.sin(t / 4) + rng.normal(0, 0.1, n)


def forecaster():
    return LSTMForecaster(**TINY, window=8, horizon=2)


@pytest.mark.parametrize("make", [forecaster, lambda: make_pipeline(StandardScaler(),
                                                                    forecaster())])
def test_sklearn_scorer_name_after_fit_with_y_raises_naming_the_forecast_scorers(make):
    """Check cross_val_score(scoring='neg_mean_absolute_error', error_score='raise') on
    fit(X, y): the forecaster's refusal of predict(X_test) names tsforecast.scoring."""
    X, y = covariate_series()
    with pytest.raises(ValueError, match=POINTER):
        cross_val_score(make(), X, y, cv=TimeSeriesSplit(3), scoring="neg_mean_absolute_error",
                        error_score="raise")


def test_sklearn_scorer_name_after_fit_with_y_warns_naming_the_forecast_scorers():
    """Check that the NaN scores' warning of cross_val_score carries the same pointer, and that
    the forecast scorer it names scores the same folds."""
    X, y = covariate_series()
    with pytest.warns(UserWarning, match=POINTER):
        scores = cross_val_score(forecaster(), X, y, cv=TimeSeriesSplit(3),
                                 scoring="neg_mean_absolute_error")
    assert np.isnan(scores).all()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        scores = cross_val_score(forecaster(), X, y, cv=TimeSeriesSplit(3),
                                 scoring=neg_mae_scorer)
    assert np.isfinite(scores).all() and (scores < 0).all()


@pytest.mark.parametrize("name, ours", [("neg_mean_absolute_error", "neg_mae"),
                                        ("neg_root_mean_squared_error", "neg_rmse")])
def test_get_scorer_given_a_sklearn_name_names_the_forecast_scorer(name, ours):
    with pytest.raises(ValueError, match=f"predict\\(X_test\\).*get_scorer\\('{ours}'\\)"):
        get_scorer(name)
