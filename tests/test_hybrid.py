"""The hybrid exponential-smoothing network and ensembles, through the public API."""

import pickle

import numpy as np
import pandas as pd
import pytest
from conftest import TRAINING
from sklearn.base import clone

from tsforecast import Ensemble, HybridNetwork, LSTMForecaster, LSTMNetwork, load

PATTERN = np.array([0.8, 0.85, 0.95, 1.0, 1.05, 1.2, 1.35, 1.3, 1.1, 0.95, 0.85, 0.75])
HYBRID = {**TRAINING, "network": HybridNetwork(hidden_size=4), "smoothing": False}


def seasonal_series(n=120, level=100.0, noise=0.01, seed=0, start="2000-01"):
    rng = np.random.default_rng(seed)
    values = level * np.resize(PATTERN, n) * np.exp(noise * rng.standard_normal(n))
    return pd.Series(values, index=pd.period_range(start, periods=n, freq="M"))


def test_multiplicative_on_positive_series_and_seasonal_indices_recover_the_pattern():
    y = seasonal_series(noise=0.005)
    model = LSTMForecaster(horizon=6, **HYBRID).fit(y)
    assert model.target_transform_ == "log"
    indices = model.seasonal_indices_
    assert indices.shape == (1, 12, 1)
    # phase 0 is the last row at fit; phase p the rows p steps after it (mod 12)
    last = len(y) - 1
    expected = PATTERN[(last + np.arange(12)) % 12]
    expected = expected / np.exp(np.log(expected).mean())
    np.testing.assert_allclose(indices[0, :, 0], expected, rtol=0.03)
    forecast = model.predict().to_numpy()
    truth = 100 * PATTERN[(last + 1 + np.arange(6)) % 12]
    np.testing.assert_allclose(forecast, truth, rtol=0.08)


def test_signed_series_get_an_additive_model():
    y = seasonal_series() - 100.0  # crosses zero
    model = LSTMForecaster(horizon=3, **HYBRID).fit(y)
    assert model.target_transform_ is None
    assert np.all(np.isfinite(model.predict()))
    assert abs(model.seasonal_indices_[0, :, 0].mean()) < 1e-9  # differences of mean 0


def test_level_follows_a_shift_within_a_few_steps():
    rng = np.random.default_rng(1)
    n, shift_at = 150, 130
    level = np.where(np.arange(n) < shift_at, 100.0, 200.0)
    y = pd.Series(level * np.exp(0.01 * rng.standard_normal(n)),
                  index=pd.period_range("2000-01", periods=n, freq="M"))
    model = LSTMForecaster(horizon=3, window=12, season=None,
                           **HYBRID).fit(y[:shift_at])
    assert np.all(np.abs(model.predict() - 100) < 10)
    means = [model.predict(y[: shift_at + k]).mean() for k in (1, 3, 6, 10)]
    assert means[0] < means[1] < means[2] <= means[3] + 5
    assert 170 < means[2] and abs(means[3] - 200) < 15  # most of the way after 6 steps


def test_training_moves_the_network_off_the_smoothing_forecast():
    rng = np.random.default_rng(3)
    n = 200
    swing = np.zeros(n)
    for t in range(1, n):  # deviations from the level that revert: the LSTM's part
        swing[t] = 0.8 * swing[t - 1] + 0.05 * rng.standard_normal()
    y = pd.Series(100 * np.resize(PATTERN, n) * np.exp(swing),
                  index=pd.period_range("2000-01", periods=n, freq="M"))
    settings = {**HYBRID, "epochs": 30}
    model = LSTMForecaster(horizon=3, **settings).fit(y)
    untrained = LSTMForecaster(horizon=3, **{**settings, "lr": 1e-12}).fit(y)
    assert min(model.history_["val_loss"]) < 0.9 * model.history_["initial_loss"]
    assert model.score(y[-60:]) > untrained.score(y[-60:])


def test_new_series_get_the_pooled_smoothing_and_their_own_pattern():
    frames = [seasonal_series(level=50 * (k + 1), seed=k).rename_axis("ds").reset_index(
        name="y").assign(id=f"s{k}") for k in range(3)]
    panel = pd.concat(frames, ignore_index=True)
    model = LSTMForecaster(horizon=4, columns={"id": "id", "time": "ds"},
                           **HYBRID).fit(panel)
    assert model.level_smoothing_.shape == (3, 1)
    new = seasonal_series(level=1000.0, seed=9).rename_axis("ds").reset_index(name="y")
    forecast = model.predict(new.assign(id="new"))
    values = forecast["y"].to_numpy()
    last = len(new) - 1
    truth = 1000 * PATTERN[(last + 1 + np.arange(4)) % 12]
    np.testing.assert_allclose(values, truth, rtol=0.15)
    pooled = model.module_.smoothing[-1].detach().numpy()
    assert np.allclose(pooled, np.median(model.module_.smoothing[:-1].detach().numpy(), 0))


def test_future_known_columns_are_refused():
    y = seasonal_series()
    frame = pd.DataFrame({"y": y, "promo": np.arange(len(y)) % 2}, index=y.index)
    model = LSTMForecaster(horizon=2, target="y", columns={"future": ["promo"]}, **HYBRID)
    with pytest.raises(ValueError, match="future-known"):
        model.fit(frame)


@pytest.mark.parametrize("network", [HybridNetwork(hidden_size=4),
                                     Ensemble(HybridNetwork(hidden_size=4), seeds=2),
                                     Ensemble(LSTMNetwork(hidden_size=4), seeds=1,
                                              losses=["mae", "mse"], windows=[12, 24])])
def test_save_load_pickle_and_clone(tmp_path, network):
    y = seasonal_series()
    model = LSTMForecaster(horizon=4,
                           **{**TRAINING, "network": network}).fit(y)
    path = tmp_path / "model.tsf"
    model.save(path)
    for copy in (load(path), pickle.loads(pickle.dumps(model))):
        np.testing.assert_allclose(copy.predict(), model.predict())
        np.testing.assert_allclose(copy.predict_interval(coverage=0.8),
                                   model.predict_interval(coverage=0.8))
    again = clone(model).fit(y)
    np.testing.assert_allclose(again.predict(), model.predict())


def test_an_ensemble_of_identical_members_equals_one_member():
    y = seasonal_series(noise=0.05)
    one = LSTMForecaster(horizon=4, loss="mae", **TRAINING).fit(y)
    twins = Ensemble(LSTMNetwork(), seeds=1, losses=["mae", "mae"])
    pair = LSTMForecaster(horizon=4,
                          **{**TRAINING, "network": twins}).fit(y)
    assert len(pair.module_.members) == 2
    np.testing.assert_allclose(pair.predict(), one.predict(), rtol=1e-6)


def test_the_median_is_robust_to_one_diverged_member():
    y = seasonal_series(noise=0.05)
    model = LSTMForecaster(horizon=4,
                           **{**TRAINING, "network": Ensemble(seeds=3)}).fit(y)
    members = model.module_.members
    before = model.predict().to_numpy()
    members[2].head.bias.data += 1e6  # diverged: forecasts a million (scaled) units too high
    after = model.predict().to_numpy()
    assert np.all(np.isfinite(after))
    assert np.all(np.abs(after - before) < 0.5 * np.abs(before).max())
    assert np.all(after < 10 * np.abs(y).max())


def test_ensemble_windows_and_losses_make_the_members():
    y = seasonal_series()
    network = Ensemble(LSTMNetwork(hidden_size=4), seeds=2, losses=["mae", "huber"],
                       windows=[6, 18])
    model = LSTMForecaster(horizon=3, **{**TRAINING, "network": network})
    model.fit(y)
    assert model.window_ == 18
    assert len(model.module_.members) == 8
    assert sorted({m.input_steps for m in model.module_.members}) == [0, 6]
    assert len(model.history_["members"]) == 8
    intervals = model.predict_interval(coverage=0.9)
    point = model.predict()
    assert np.all(intervals["lower"] <= point) and np.all(point <= intervals["upper"])


@pytest.mark.parametrize("network, message", [
    (Ensemble(seeds=0), "seeds"),
    (Ensemble(windows=[]), "windows"),
    (Ensemble(losses=["l7"]), "losses must be among"),
    (Ensemble(Ensemble()), "another Ensemble"),
])
def test_bad_ensembles_are_refused(network, message):
    with pytest.raises((ValueError, TypeError), match=message):
        LSTMForecaster(horizon=2, network=network).fit(seasonal_series())


def panel_of(n_series, n=96, seed=0):
    frames = [seasonal_series(n=n, level=20 * (k + 1), noise=0.05, seed=seed + k)
              .rename_axis("ds").reset_index(name="y").assign(unique_id=f"s{k}")
              for k in range(n_series)]
    return pd.concat(frames, ignore_index=True)


def test_defaults_choose_the_model_of_a_panel_on_its_validation_windows():
    model = LSTMForecaster(horizon=4, **TRAINING).fit(panel_of(4))
    chosen = model.model_
    assert set(chosen["scores"]) == {"lstm", "hybrid", "lstm-mae"}
    best = min(chosen["scores"], key=chosen["scores"].get)
    assert chosen["chosen"] == best
    kinds = {"lstm": ("LSTMNetwork", "standard", "mse"),
             "hybrid": ("HybridNetwork", "naive", "mae"),
             "lstm-mae": ("LSTMNetwork", "naive", "mae")}
    assert (chosen["network"], chosen["scaler"], chosen["loss"]) == kinds[best]
    assert (model.target_transform_ == "log") == (best == "hybrid")
    # the chosen candidate is refitted as is: the same as asking for it
    network = HybridNetwork() if best == "hybrid" else LSTMNetwork()
    explicit = LSTMForecaster(horizon=4, network=network, scaler=chosen["scaler"],
                              loss=chosen["loss"], **TRAINING).fit(panel_of(4))
    np.testing.assert_allclose(explicit.predict()["y"], model.predict()["y"])


def test_defaults_of_one_series_are_the_lstm_without_a_choice():
    model = LSTMForecaster(horizon=4, **TRAINING).fit(seasonal_series())
    assert model.model_ == {"network": "LSTMNetwork", "scaler": "standard", "loss": "mse",
                            "chosen": "lstm", "scores": None, "smoothing": True}
    panel = LSTMForecaster(horizon=4, **TRAINING).fit(panel_of(3))
    assert panel.model_["smoothing"] is True and len(panel.model_["scores"]) == 3


def test_given_settings_are_kept_and_only_the_rest_is_chosen():
    model = LSTMForecaster(horizon=4, loss="huber", **TRAINING).fit(panel_of(3))
    assert model.model_["loss"] == "huber"
    assert len(model.model_["scores"]) == 3
    given = LSTMForecaster(horizon=4, network=HybridNetwork(hidden_size=4), scaler="standard",
                           loss="mse", **TRAINING).fit(panel_of(3))
    assert given.model_["scores"] is None and given.model_["network"] == "HybridNetwork"


@pytest.mark.parametrize("network", [HybridNetwork(hidden_size=4),
                                     Ensemble(HybridNetwork(hidden_size=4), seeds=2)])
def test_backtest_intervals_of_the_new_kinds_survive_save_and_load(tmp_path, network):
    from tsforecast.model_selection import backtest

    y = seasonal_series(n=144, noise=0.05)
    model = LSTMForecaster(horizon=6, **{**TRAINING, "network": network})
    result = backtest(model, y, n_windows=3, coverage=0.9)
    forecasts = result.forecasts
    assert len(forecasts) == 18
    assert np.all(forecasts["lower"] <= forecasts["forecast"])
    assert np.all(forecasts["forecast"] <= forecasts["upper"])
    fitted = model.fit(y[:-6])
    path = tmp_path / "m.tsf"
    fitted.save(path)
    rolled = load(path).predict_rolling(y[-40:])
    np.testing.assert_allclose(rolled, fitted.predict_rolling(y[-40:]))


def test_a_large_panel_is_chosen_on_some_series_then_fitted_on_all(monkeypatch):
    from tsforecast import _selection

    monkeypatch.setattr(_selection, "CHOICE_SERIES", 3)
    long = panel_of(6)
    short = long[long.unique_id == "s5"].head(8)  # too short to train on: warned about
    long = pd.concat([long[long.unique_id != "s5"], short], ignore_index=True)
    with pytest.warns(UserWarning, match="1 of 6 series have fewer"):
        model = LSTMForecaster(horizon=4, **TRAINING).fit(long)
    assert model.n_series_ == 6 and len(model.model_["scores"]) == 3
    chosen = model.model_
    network = HybridNetwork() if chosen["network"] == "HybridNetwork" else LSTMNetwork()
    explicit = LSTMForecaster(horizon=4, network=network, scaler=chosen["scaler"],
                              loss=chosen["loss"], **TRAINING)
    with pytest.warns(UserWarning):
        explicit.fit(long)
    np.testing.assert_allclose(explicit.predict()["y"], model.predict()["y"])
