"""Forecast scorers in scikit-learn's model selection, against direct formulas."""

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import (
    GridSearchCV,
    TimeSeriesSplit,
    cross_val_score,
    cross_validate,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from tsforecast import LSTMForecaster, LSTMNetwork, metrics
from tsforecast.scoring import (
    get_scorer,
    make_forecast_scorer,
    neg_mae_scorer,
    neg_mase_scorer,
    neg_rmse_scorer,
    neg_smape_scorer,
)

TINY = dict(network=LSTMNetwork(hidden_size=4), epochs=2, random_state=0)


@pytest.fixture
def fitted(sine):
    return LSTMForecaster(window=8, horizon=3, **TINY).fit(sine[:80])


@pytest.mark.parametrize(
    "scorer, metric",
    [(neg_mae_scorer, metrics.mae), (neg_rmse_scorer, metrics.rmse),
     (neg_smape_scorer, metrics.smape)],
)
def test_scorer_is_the_negated_metric_of_the_rolling_forecasts(fitted, sine, scorer, metric):
    """Check that a scorer compares every rolling origin's forecast with the actual rows."""
    test = sine[80:]
    forecasts = fitted.predict_rolling(test)  # (n_origins, horizon)
    rows = np.arange(len(forecasts))[:, None] + 8 + np.arange(3)
    assert scorer(fitted, test) == pytest.approx(-metric(test[rows], forecasts))


def test_mase_scorer_scales_each_series_by_its_own_naive_error():
    """Check the panel MASE against a per-series loop."""
    rng = np.random.default_rng(0)
    frames = {k: pd.Series(rng.normal(size=40).cumsum()) for k in ("a", "b")}
    model = LSTMForecaster(window=6, horizon=2, season=None, **TINY).fit(frames)
    errors = []
    for key, series in frames.items():
        values = series.to_numpy()
        forecasts = model.predict_rolling({key: series})[key].to_numpy()
        rows = np.arange(len(forecasts))[:, None] + 6 + np.arange(2)
        scale = np.mean(np.abs(np.diff(values)))
        errors.append(np.abs(values[rows] - forecasts) / scale)
    expected = np.mean(np.concatenate([e.ravel() for e in errors]))
    assert neg_mase_scorer(model, frames) == pytest.approx(-expected)


def test_greater_is_better_keeps_the_sign(fitted, sine):
    """Check that greater_is_better=True returns the metric itself."""
    scorer = make_forecast_scorer("mae", greater_is_better=True)
    assert scorer(fitted, sine[80:]) == pytest.approx(-neg_mae_scorer(fitted, sine[80:]))
    assert "mae" in repr(scorer)


def test_scorers_work_in_cross_val_score_cross_validate_and_grid_search(sine):
    """Check scoring= with tsforecast scorers in scikit-learn's model selection."""
    model = LSTMForecaster(window=8, horizon=2, **TINY)
    cv = TimeSeriesSplit(n_splits=2, test_size=20)
    scores = cross_val_score(model, sine, cv=cv, scoring=get_scorer("neg_mae"),
                             error_score="raise")
    assert scores.shape == (2,) and (scores < 0).all()
    result = cross_validate(model, sine, cv=cv, error_score="raise",
                            scoring={"mae": neg_mae_scorer, "mase": neg_mase_scorer})
    assert np.isfinite(result["test_mae"]).all() and np.isfinite(result["test_mase"]).all()
    search = GridSearchCV(model, {"window": [6, 8]}, cv=cv, scoring=neg_rmse_scorer,
                          error_score="raise").fit(sine)
    assert search.best_params_["window"] in (6, 8)


def test_scorer_applies_a_pipelines_transformers_first():
    """Check that a Pipeline's transformers reach the forecaster's rolling forecasts."""
    index = pd.period_range("2000-01", periods=60, freq="M")
    y = pd.Series(np.sin(np.arange(60) / 3), index=index)
    X = pd.DataFrame(index=index)
    month = FunctionTransformer(lambda X: pd.DataFrame({"m": X.index.month}, index=X.index))
    pipe = make_pipeline(month, LSTMForecaster(window=6, horizon=2, **TINY)).fit(X[:40], y[:40])
    score = neg_mae_scorer(pipe, X[40:], y[40:])
    forecasts = pipe[-1].predict_rolling(month.transform(X[40:]), y[40:])
    rows = np.arange(len(forecasts))[:, None] + 6 + np.arange(2)
    assert score == pytest.approx(-metrics.mae(y[40:].to_numpy()[rows], forecasts.to_numpy()))


def test_scorer_on_a_fold_too_short_says_what_it_needs(fitted, sine):
    """Check the error for a fold shorter than window + horizon, raised or turned into NaN."""
    with pytest.raises(ValueError, match=r"window \+ horizon = 11 rows.*error_score='raise'"):
        neg_mae_scorer(fitted, sine[:9])
    model = LSTMForecaster(window=8, horizon=2, **TINY)
    cv = TimeSeriesSplit(n_splits=2, test_size=6)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        scores = cross_val_score(model, sine[:60], cv=cv, scoring=neg_mae_scorer)
    assert np.isnan(scores).all()
    assert any("test_size=12" in str(w.message) for w in caught)
    with pytest.raises(ValueError, match="every test fold needs"):
        cross_val_score(model, sine[:60], cv=cv, scoring=neg_mae_scorer, error_score="raise")


def test_sklearn_error_scorers_cannot_score_a_forecaster_without_y(sine):
    """Check the documented limit: sklearn's own scorers have no y_test to compare with."""
    model = LSTMForecaster(window=8, horizon=2, **TINY)
    with pytest.raises(TypeError, match="y_true"):
        cross_val_score(model, sine, cv=TimeSeriesSplit(2, test_size=20),
                        scoring="neg_mean_absolute_error", error_score="raise")


def test_score_stays_r2(fitted, sine):
    """Check that LSTMForecaster.score is still R^2 (higher is better), not a scorer's value."""
    from sklearn.metrics import r2_score

    test = sine[80:]
    forecasts = fitted.predict_rolling(test)
    rows = np.arange(len(forecasts))[:, None] + 8 + np.arange(3)
    assert fitted.score(test) == pytest.approx(r2_score(test[rows], forecasts))


def test_bad_scorer_arguments_are_refused(fitted):
    """Check the errors for a bad metric, a non-bool sign, an unknown name, a non-forecaster."""
    with pytest.raises(ValueError, match="metric must be one of"):
        make_forecast_scorer("mape")
    with pytest.raises(TypeError, match="greater_is_better must be True or False"):
        make_forecast_scorer("mae", greater_is_better="yes")
    with pytest.raises(ValueError, match="Unknown scorer 'mae'"):
        get_scorer("mae")
    from sklearn.linear_model import LinearRegression

    with pytest.raises(TypeError, match="need an LSTMForecaster"):
        neg_mae_scorer(LinearRegression(), np.zeros((5, 1)))
