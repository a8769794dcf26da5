"""n_threads, and fits in Python threads: thread counts restored, results repeatable."""

import threading

import joblib
import numpy as np
import pytest
import torch
from conftest import TINY
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit

from tsforecast import LSTMClassifier, LSTMForecaster, LSTMNetwork, LSTMRegressor

DROPOUT = {**TINY, "network": LSTMNetwork(hidden_size=4, num_layers=2, dropout=0.3), "epochs": 3}


def _in_threads(functions):
    """Run each function in its own thread, started together; return their results in order."""
    results, barrier = [None] * len(functions), threading.Barrier(len(functions))

    def run(i):
        barrier.wait()
        results[i] = functions[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(functions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_threaded_fits_with_dropout_match_sequential_fits(sine):
    """Check that 2 threads x 2 dropout fits give bit-identical forecasts to sequential fits
    (the network's own: the median with the smoothing may leave the network out)."""
    seeds = [0, 1, 0, 1]

    def fit(seed):
        settings = {**DROPOUT, "random_state": seed, "smoothing": False}
        return LSTMForecaster(**settings).fit(sine).predict()

    sequential = [fit(seed) for seed in seeds]
    threaded = _in_threads([lambda seed=seed: fit(seed) for seed in seeds])
    for one, other in zip(sequential, threaded):
        np.testing.assert_array_equal(one, other)
    assert not np.array_equal(sequential[0], sequential[1])


def test_threaded_fits_leave_the_global_torch_rng_alone(sine):
    """Check that fits in threads, with and without dropout, leave torch's global RNG as it was."""
    state = torch.get_rng_state().clone()
    _in_threads([
        lambda: LSTMForecaster(**DROPOUT).fit(sine),
        lambda: LSTMForecaster(**{**DROPOUT, "random_state": None}).fit(sine),
        lambda: LSTMForecaster(**TINY).fit(sine),
    ])
    assert torch.equal(torch.get_rng_state(), state)


def test_grid_search_with_threading_backend_is_repeatable(sine):
    """Check that GridSearchCV(n_jobs=2) under joblib's threading backend scores the same twice."""
    grid = {"network__hidden_size": [3, 4], "random_state": [0, 1]}
    params = {**DROPOUT, "window": 6}

    def scores():
        search = GridSearchCV(LSTMForecaster(**params), grid, cv=TimeSeriesSplit(3), n_jobs=2)
        with joblib.parallel_backend("threading"):
            search.fit(sine)
        return search.cv_results_["mean_test_score"]

    first, second = scores(), scores()
    np.testing.assert_array_equal(first, second)


@pytest.mark.parametrize("estimator", [LSTMForecaster, LSTMClassifier, LSTMRegressor])
def test_n_threads_is_a_parameter_of_every_estimator(estimator):
    """Check that every estimator takes n_threads, "auto" by default."""
    assert estimator().get_params()["n_threads"] == "auto"


@pytest.mark.parametrize("n_threads, expected", [(1, 1), (3, 3), ("auto", 1), (None, 1)])
def test_n_threads_is_set_during_fit_and_restored(monkeypatch, sine, n_threads, expected):
    """Check that fit and predict run with the chosen count and put the caller's back."""
    seen = []
    real = torch.nn.LSTM.forward

    def forward(self, *args, **kwargs):
        seen.append(torch.get_num_threads())
        return real(self, *args, **kwargs)

    monkeypatch.setattr(torch.nn.LSTM, "forward", forward)
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        model = LSTMForecaster(**{**TINY, "n_threads": n_threads}).fit(sine)
        model.predict()
        model.predict_rolling(sine[-30:])
        model.score(sine[-30:])
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)
    assert set(seen) == {expected}


def test_auto_threads_keeps_torch_setting_for_large_models(monkeypatch, sine):
    """Check that "auto" keeps torch's count (never more) once hidden_size * batch_size is large."""
    seen = []
    real = torch.nn.LSTM.forward
    monkeypatch.setattr(
        torch.nn.LSTM,
        "forward",
        lambda self, *a, **k: seen.append(torch.get_num_threads()) or real(self, *a, **k),
    )
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        LSTMForecaster(**{**TINY, "network": LSTMNetwork(hidden_size=256), "batch_size": 256,
                          "epochs": 1}).fit(sine)
    finally:
        torch.set_num_threads(before)
    assert set(seen) == {2}


def test_n_threads_restored_when_fit_raises(sine):
    """Check that the caller's thread count comes back when fit raises."""
    before = torch.get_num_threads()
    with pytest.raises(ValueError, match="need at least"):
        LSTMForecaster(**{**TINY, "window": 10, "n_threads": before + 1}).fit(sine[:3])
    assert torch.get_num_threads() == before


@pytest.mark.parametrize(
    "value, error", [(0, ValueError), (-1, ValueError), (1.5, TypeError), ("two", TypeError),
                     (True, TypeError)],
)
def test_bad_n_threads_raises_with_its_name(sine, value, error):
    """Check that a bad n_threads raises, naming the parameter and the value."""
    with pytest.raises(error, match="n_threads must be 'auto', None or an int >= 1; got n_thr"):
        LSTMForecaster(**{**TINY, "n_threads": value}).fit(sine)
