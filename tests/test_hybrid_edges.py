"""Edge cases of HybridNetwork, Ensemble and the "auto" defaults through the public API:
phase alignment of the seasonal indices for contexts that end elsewhere than the fit, panels
(long frames, dicts of series, new series), recursion, covariates, quantiles, intervals
calibrated in sample, persistence, clone and backtest.

Phase checks plant known seasonal indices in a tiny fitted network (``module_``) with its head
zeroed: on a noiseless multiplicative series, with ``scaler=None`` and ``deseasonalize=False``,
the network then forecasts ``level * pattern`` exactly when every row is placed at the right
phase, and is visibly off when it is not.
"""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from conftest import TRAINING
from sklearn.base import clone

from tsforecast import (
    ConformalIntervals,
    Ensemble,
    HybridNetwork,
    LSTMForecaster,
    LSTMNetwork,
    load,
)
from tsforecast.model_selection import backtest

PATTERN = np.array([0.8, 0.85, 0.95, 1.0, 1.05, 1.2, 1.35, 1.3, 1.1, 0.95, 0.85, 0.75])
HYBRID = {**TRAINING, "network": HybridNetwork(hidden_size=4)}
# network units: log(y), no profile; the network's own forecasts (no smoothing)
PLAIN = {"scaler": None, "deseasonalize": False, "smoothing": False}


def hybrid(**kwargs):
    return HybridNetwork(hidden_size=4, **kwargs)


NETWORKS = {
    "hybrid": lambda: hybrid(),
    "ensemble": lambda: Ensemble(hybrid(), seeds=2),
    "ensemble-windows": lambda: Ensemble(hybrid(), seeds=1, windows=[12, 24]),
}


def seasonal_series(n=120, level=100.0, noise=0.0, seed=0, start="2000-01"):
    rng = np.random.default_rng(seed)
    values = level * np.resize(PATTERN, n) * np.exp(noise * rng.standard_normal(n))
    return pd.Series(values, index=pd.period_range(start, periods=n, freq="M"))


def long_panel(n_series=3, n=96, noise=0.0):
    frames = [seasonal_series(n=n, level=20.0 * (k + 1), noise=noise, seed=k)
              .rename_axis("ds").reset_index(name="y").assign(unique_id=f"s{k}")
              for k in range(n_series)]
    return pd.concat(frames, ignore_index=True)


def members(model):
    net = model.module_
    return list(net.members) if hasattr(net, "members") else [net]


def plant(model, last_rows):
    """Seasonal indices of PATTERN (logs) for every fitted series, whose last fitted row is at
    ``last_rows[s]`` of PATTERN's cycle; heads zeroed so that the LSTM adds nothing."""
    with torch.no_grad():
        for net in members(model):
            net.head.weight.zero_()
            net.head.bias.zero_()
            for s, last in enumerate(last_rows):
                indices = np.log(PATTERN[(last + np.arange(12)) % 12])
                net.seasonal[s, :, :] = torch.tensor(indices, dtype=net.seasonal.dtype)[:, None]
    return model


def relative_error(forecast, truth):
    return float(np.max(np.abs(np.asarray(forecast, dtype=float) / np.asarray(truth) - 1)))


# -- phase alignment ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(NETWORKS))
def test_seasonal_phase_stays_aligned_for_contexts_ending_at_other_dates(kind):
    y = seasonal_series(n=132)
    n_fit = 108
    model = LSTMForecaster(horizon=6, network=NETWORKS[kind](), season=12, **PLAIN,
                           **TRAINING).fit(y[:n_fit])
    plant(model, [n_fit - 1])
    assert relative_error(model.predict(), y.iloc[n_fit: n_fit + 6]) < 1e-5
    for shift in (-7, -1, 1, 5, 11):
        end = n_fit + shift
        start = max(0, end - 40)  # a context that also starts later than the fit's data
        forecast = model.predict(y.iloc[start:end])
        assert relative_error(forecast, y.iloc[end: end + 6]) < 1e-5, shift
        assert forecast.index[0] == y.index[end]
    # recursion beyond the horizon, from the stored rows and from a later context
    assert relative_error(model.predict(n_steps=20), y.iloc[n_fit: n_fit + 20]) < 1e-5
    later = model.predict(y.iloc[: n_fit + 3], n_steps=15)
    assert relative_error(later, y.iloc[n_fit + 3: n_fit + 18]) < 1e-5


@pytest.mark.parametrize("kind", list(NETWORKS))
def test_panel_phases_stay_aligned_per_series(kind):
    n = 96
    full = long_panel(n=n + 24)
    fit = full.groupby("unique_id").head(n)
    model = LSTMForecaster(horizon=6, network=NETWORKS[kind](), **PLAIN, **TRAINING).fit(fit)
    plant(model, [n - 1] * 3)
    truth = full.set_index(["unique_id", "ds"])["y"]
    # contexts that end 1 later, 5 later and 7 earlier than the fit, given out of order
    context = pd.concat([full[full.unique_id == "s1"].iloc[: n + 5],
                         full[full.unique_id == "s2"].iloc[: n - 7],
                         full[full.unique_id == "s0"].iloc[: n + 1]])
    for n_steps in (6, 11):
        forecast = model.predict(context, n_steps=n_steps).set_index(["unique_id", "ds"])["y"]
        assert len(forecast) == 3 * n_steps
        assert relative_error(forecast, truth.loc[forecast.index]) < 1e-5
    rolling = model.predict_rolling(full)
    origin = rolling.set_index(["unique_id", "ds"])
    for (sid, ds), row in origin.iloc[::17].iterrows():
        actual = [truth[(sid, ds + h)] for h in range(6)]
        assert relative_error(row.to_numpy(), actual) < 1e-5


def test_dict_of_series_panel_phases_and_new_series():
    n = 96
    data = {f"s{k}": seasonal_series(n=n + 12, level=10.0 * (k + 1)) for k in range(3)}
    model = LSTMForecaster(horizon=4, network=hybrid(), **PLAIN, **TRAINING).fit(
        {key: value[:n] for key, value in data.items()})
    plant(model, [n - 1] * 3)
    forecast = model.predict({"s2": data["s2"][: n + 3], "s0": data["s0"][: n - 2]})
    assert list(forecast) == ["s2", "s0"]
    assert relative_error(forecast["s2"], data["s2"].iloc[n + 3: n + 7]) < 1e-5
    assert relative_error(forecast["s0"], data["s0"].iloc[n - 2: n + 2]) < 1e-5
    assert forecast["s0"].index[0] == data["s0"].index[n - 2]


def test_new_series_get_their_own_pattern_at_their_own_phase():
    panel = long_panel(noise=0.01)
    model = LSTMForecaster(horizon=6, **HYBRID).fit(panel)
    assert model.state_.profile is not None  # deseasonalize="auto" found the pattern
    new = seasonal_series(n=102, level=1000.0, start="2003-05")
    context = new.iloc[:96].rename_axis("ds").reset_index(name="y").assign(unique_id="new")
    forecast = model.predict(context)["y"].to_numpy()
    np.testing.assert_allclose(forecast, new.iloc[96:].to_numpy(), rtol=0.02)


# -- consistency between the ways of forecasting ----------------------------------------------


@pytest.mark.parametrize("kind", list(NETWORKS))
def test_stored_rows_context_and_rolling_agree(kind):
    y = seasonal_series(n=80, noise=0.05)
    model = LSTMForecaster(horizon=4, network=NETWORKS[kind](), **TRAINING).fit(y)
    np.testing.assert_allclose(model.predict(y).to_numpy(), model.predict().to_numpy(),
                               rtol=1e-10)
    rolling = model.predict_rolling(y)
    last = rolling.iloc[-1].to_numpy()  # another batch: equal up to float32 rounding
    np.testing.assert_allclose(last, model.predict(y.iloc[:-4]).to_numpy(), rtol=1e-7)
    assert rolling.index[-1] == y.index[-4]


def test_panel_subset_and_reordered_context_match_the_full_context():
    panel = long_panel(noise=0.05)
    model = LSTMForecaster(horizon=4, network=Ensemble(hybrid(), seeds=2), **TRAINING).fit(panel)
    full = model.predict(panel).set_index(["unique_id", "ds"])["y"]
    stored = model.predict().set_index(["unique_id", "ds"])["y"]
    np.testing.assert_allclose(stored.to_numpy(), full.to_numpy(), rtol=1e-10)
    reordered = pd.concat([panel[panel.unique_id == "s2"], panel[panel.unique_id == "s0"]])
    part = model.predict(reordered).set_index(["unique_id", "ds"])["y"]
    np.testing.assert_allclose(part.to_numpy(), full.loc[part.index].to_numpy(), rtol=1e-10)


def test_backtest_forecasts_are_those_of_a_fit_on_the_rows_before_the_cutoff():
    y = seasonal_series(n=80, noise=0.05)
    model = LSTMForecaster(horizon=4, **HYBRID)
    result = backtest(model, y, n_windows=1)
    direct = clone(model).fit(y.iloc[:-4]).predict()
    np.testing.assert_allclose(result.forecasts["forecast"].to_numpy(), direct.to_numpy(),
                               rtol=1e-10)


# -- layouts: covariates, several targets, quantiles, numpy ----------------------------------


@pytest.mark.parametrize("kind", list(NETWORKS))
def test_static_covariates_and_new_series_round_trip(kind, tmp_path):
    panel = long_panel(noise=0.05).assign(
        size=lambda frame: frame.unique_id.map({"s0": 1.0, "s1": 2.0, "s2": 4.0}))
    model = LSTMForecaster(horizon=4, network=NETWORKS[kind](), columns={"static": ["size"]},
                           **TRAINING).fit(panel)
    new = panel[panel.unique_id == "s1"].assign(unique_id="new", size=3.0)
    context = pd.concat([panel[panel.unique_id == "s0"], new])
    path = tmp_path / "model.tsf"
    model.save(path)
    for copy in (load(path), pickle.loads(pickle.dumps(model))):
        for args in ((), (context,)):
            pd.testing.assert_frame_equal(copy.predict(*args), model.predict(*args))
        pd.testing.assert_frame_equal(copy.predict(n_steps=9), model.predict(n_steps=9))
        pd.testing.assert_frame_equal(copy.predict_interval(context),
                                      model.predict_interval(context))
    assert model.predict(n_steps=9).shape == (27, 3)


@pytest.mark.parametrize("kind", list(NETWORKS))
def test_several_targets_and_past_covariates(kind):
    y = seasonal_series(n=80, noise=0.05)
    frame = pd.DataFrame({"a": y, "b": 3 * y + 5, "x": np.sin(np.arange(80.0))}, index=y.index)
    model = LSTMForecaster(horizon=4, network=NETWORKS[kind](), target=["a", "b"],
                           **TRAINING).fit(frame)
    assert model.predict().shape == (4, 2)
    assert model.predict(frame.iloc[:-3]).index[0] == frame.index[-3]
    assert model.seasonal_indices_.shape == (1, 12, 2)
    with pytest.raises(ValueError, match="past covariate"):
        model.predict(n_steps=6)  # recursion would need the covariate's future
    assert model.predict_interval().shape == (4, 4)


def test_several_targets_without_covariates_recurse(tmp_path):
    y = seasonal_series(n=80, noise=0.05)
    frame = pd.DataFrame({"a": y, "b": y - 100.0})  # b crosses zero: additive for both
    model = LSTMForecaster(horizon=3, network=Ensemble(hybrid(), seeds=2), **TRAINING).fit(frame)
    assert model.target_transform_ is None
    forecast = model.predict(n_steps=7)
    assert forecast.shape == (7, 2) and np.all(np.isfinite(forecast.to_numpy()))
    np.testing.assert_allclose(forecast.iloc[:3].to_numpy(), model.predict().to_numpy())
    model.save(tmp_path / "m.tsf")
    pd.testing.assert_frame_equal(load(tmp_path / "m.tsf").predict(n_steps=7), forecast)


@pytest.mark.parametrize("kind", list(NETWORKS))
def test_trained_quantiles(kind, tmp_path):
    y = seasonal_series(n=80, noise=0.05)
    model = LSTMForecaster(horizon=4, network=NETWORKS[kind](), quantiles=(0.1, 0.9),
                           **TRAINING).fit(y)
    bands = model.predict_quantiles(alpha=(0.1, 0.5, 0.9), method="quantile").to_numpy()
    assert bands.shape == (4, 3)
    assert np.all(np.diff(bands, axis=1) >= 0)
    np.testing.assert_allclose(bands[:, 1], model.predict().to_numpy())
    interval = model.predict_interval(coverage=0.8)
    assert interval.shape == (4, 2)
    assert np.all(interval["lower"] <= model.predict()) and np.all(
        model.predict() <= interval["upper"])
    model.save(tmp_path / "m.tsf")
    np.testing.assert_array_equal(
        load(tmp_path / "m.tsf").predict_quantiles(alpha=(0.1, 0.9), method="quantile"),
        model.predict_quantiles(alpha=(0.1, 0.9), method="quantile"))


@pytest.mark.parametrize("kind", list(NETWORKS))
def test_numpy_series_with_a_season(kind):
    values = seasonal_series(n=80, noise=0.05).to_numpy()
    model = LSTMForecaster(horizon=4, network=NETWORKS[kind](), season=12, **TRAINING)
    model.fit(values)
    # no time index to place later contexts in the season: no seasonal indices (all 1)
    assert model.season_ == 12 and model.seasonal_indices_.shape == (1, 12, 1)
    np.testing.assert_allclose(model.seasonal_indices_, 1.0)
    forecast = model.predict(n_steps=10)
    assert isinstance(forecast, np.ndarray) and forecast.shape == (10,)
    np.testing.assert_allclose(forecast[:4], model.predict())
    np.testing.assert_allclose(model.predict(values), model.predict())
    assert model.predict_rolling(values).shape == (80 - model.window_ - 4 + 1, 4)


# -- intervals, persistence, parameters ---------------------------------------------------------


def test_in_sample_intervals_warn_survive_save_and_calibrate_clears_them(tmp_path):
    y = seasonal_series(n=60, noise=0.05)
    model = LSTMForecaster(horizon=4, network=Ensemble(hybrid(), seeds=2),
                           validation_fraction=0.0, **TRAINING,
                           intervals=ConformalIntervals(calibration="validation")).fit(y)
    with pytest.warns(UserWarning, match="naive forecast"):
        interval = model.predict_interval(coverage=0.8)
    assert np.all(interval["lower"] < interval["upper"])
    model.save(tmp_path / "m.tsf")
    loaded = load(tmp_path / "m.tsf")
    with pytest.warns(UserWarning, match="naive forecast"):
        pd.testing.assert_frame_equal(loaded.predict_interval(coverage=0.8), interval)
    loaded.calibrate(y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loaded.predict_interval(coverage=0.8)


def test_nested_parameters_clone_and_model_attributes():
    model = LSTMForecaster(horizon=4, network=Ensemble(hybrid()), **TRAINING)
    model.set_params(network__network__hidden_size=3, network__seeds=2)
    assert model.get_params()["network__network__hidden_size"] == 3
    y = seasonal_series(n=60, noise=0.05)
    model.fit(y)
    assert len(model.module_.members) == 2
    assert model.module_.members[0].lstm.hidden_size == 3
    assert model.model_["network"] == "Ensemble of HybridNetwork"
    assert model.level_smoothing_.shape == (1, 1)
    assert np.all((model.level_smoothing_ > 0) & (model.level_smoothing_ < 1))
    again = clone(model).fit(y)
    np.testing.assert_array_equal(again.predict(), model.predict())
    lstm = LSTMForecaster(horizon=4, network=Ensemble(LSTMNetwork(hidden_size=4), seeds=1),
                          **TRAINING).fit(y)
    assert not hasattr(lstm, "level_smoothing_") and not hasattr(lstm, "seasonal_indices_")


# -- cases that once failed -------------------------------------------------------------------


def test_defaults_on_a_panel_with_future_known_columns():
    panel = long_panel(noise=0.05).assign(promo=lambda frame: np.arange(len(frame)) % 2 * 1.0)
    model = LSTMForecaster(horizon=4, target="y", columns={"future": ["promo"]}, **TRAINING)
    model.fit(panel)
    assert model.model_["network"] == "LSTMNetwork"
    assert "hybrid" not in (model.model_["scores"] or {})


def _frame_with_promo(n=80):
    y = seasonal_series(n=n, noise=0.05)
    frame = pd.DataFrame({"y": y, "promo": (np.arange(n) % 3 == 0) * 1.0}, index=y.index)
    future = pd.DataFrame({"promo": np.ones(4)},
                          index=pd.period_range(y.index[-1] + 1, periods=4, freq="M"))
    return frame, future


def test_ensemble_windows_with_future_known_columns_read_their_whole_window():
    frame, future = _frame_with_promo()
    network = Ensemble(LSTMNetwork(hidden_size=4), seeds=1, windows=[6, 12])
    model = LSTMForecaster(horizon=4, target="y", columns={"future": ["promo"]},
                           network=network, **TRAINING).fit(frame)
    lengths = {}
    for member in model.module_.members:
        member.head.weight.data += 0.01  # no zero-head shortcut: the LSTM runs
        member.lstm.register_forward_pre_hook(
            lambda module, args: lengths.__setitem__(id(module), args[0].shape[1]))
    model.predict(X_future=future)
    read = sorted(lengths[id(member.lstm)] for member in model.module_.members)
    assert read == [6, 12]


def test_ensemble_window_no_longer_than_the_horizon_with_future_known_columns():
    frame, future = _frame_with_promo()
    network = Ensemble(LSTMNetwork(hidden_size=4), seeds=1, windows=[4, 12])
    model = LSTMForecaster(horizon=4, target="y", columns={"future": ["promo"]},
                           network=network, **TRAINING).fit(frame)
    assert model.predict(X_future=future).shape == (4,)


@pytest.mark.parametrize("season", [None, 12])
def test_hybrid_fitted_on_numpy_forecasts_a_pandas_context(season):
    values = seasonal_series(n=72, noise=0.05).to_numpy()
    model = LSTMForecaster(horizon=4, season=season, **HYBRID).fit(values)
    forecast = model.predict(pd.Series(values))  # an LSTMNetwork accepts this
    np.testing.assert_allclose(forecast.to_numpy(), model.predict(values))


def test_time_less_hybrid_with_a_season_has_no_seasonal_indices_and_says_so():
    """Without a time index a later context cannot be placed in the season, so the hybrid
    keeps no seasonal indices (the LSTM reads the season in the window) and warns."""
    values = seasonal_series(n=125).to_numpy()
    with pytest.warns(UserWarning, match="no time index"):
        model = LSTMForecaster(horizon=6, network=hybrid(), season=12, **PLAIN,
                               **TRAINING).fit(values[:96])
    assert model.module_.seasonal.shape[1] == 1
    rolling = model.predict_rolling(values)
    origin = 96 - model.window_  # the window ending where the fit ended
    np.testing.assert_allclose(rolling[origin], model.predict(), rtol=1e-6)


def test_retrain_on_all_does_not_change_the_validation_scores_of_the_choice():
    panel = long_panel(noise=0.05, n=72)
    plain = LSTMForecaster(horizon=4, **TRAINING).fit(panel)
    retrained = LSTMForecaster(horizon=4, retrain_on_all=True, **TRAINING).fit(panel)
    assert retrained.history_["retrain_loss"]  # the retrain happened
    assert retrained.model_["scores"] == pytest.approx(plain.model_["scores"], rel=1e-9)


def test_ensemble_losses_are_ignored_with_quantiles():
    y = seasonal_series(n=60, noise=0.05)
    network = Ensemble(LSTMNetwork(hidden_size=4), seeds=1, losses=["mae", "mse"])
    model = LSTMForecaster(horizon=4, network=network, quantiles=(0.1, 0.5, 0.9),
                           **TRAINING).fit(y)
    assert len(model.module_.members) == 1
