"""n_threads, and fits in Python threads: thread counts restored, results repeatable."""

import threading

import joblib
import numpy as np
import torch
from conftest import TINY
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit

from tsforecast import LSTMForecaster

DROPOUT = {**TINY, "num_layers": 2, "dropout": 0.3, "epochs": 3}


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
    """Check that 2 threads x 2 dropout fits give bit-identical forecasts to sequential fits."""
    seeds = [0, 1, 0, 1]

    def fit(seed):
        return LSTMForecaster(**{**DROPOUT, "random_state": seed}).fit(sine).predict()

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
    grid = {"hidden_size": [3, 4], "random_state": [0, 1]}
    params = {**DROPOUT, "window": 6}

    def scores():
        search = GridSearchCV(LSTMForecaster(**params), grid, cv=TimeSeriesSplit(3), n_jobs=2)
        with joblib.parallel_backend("threading"):
            search.fit(sine)
        return search.cv_results_["mean_test_score"]

    first, second = scores(), scores()
    np.testing.assert_array_equal(first, second)
