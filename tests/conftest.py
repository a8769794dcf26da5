"""Small shared fixtures: a sine series, a DataFrame with a DatetimeIndex, tiny model settings."""

import matplotlib
import numpy as np
import pandas as pd
import pytest
import torch

from tsforecast import LSTMNetwork

matplotlib.use("Agg")

TRAINING = {"epochs": 2, "batch_size": 16, "random_state": 0, "device": "cpu"}
TINY = {**TRAINING, "network": LSTMNetwork(hidden_size=4)}  # a forecaster's tiny settings


@pytest.fixture(autouse=True, scope="session")
def _one_torch_thread():
    """Run the suite on one torch thread, outside the estimators too.

    The estimators' n_threads="auto" already takes one thread for models this small (two gain
    nothing on them and make each step many times slower while another process is busy;
    docs/performance.md, "Threads"); the pin covers torch work outside them and keeps the
    suite's starting point the same on every machine.
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(autouse=True)
def _seed():
    """Seed the global RNGs so each test starts from the same state."""
    np.random.seed(0)
    torch.manual_seed(0)


@pytest.fixture
def sine():
    """A noisy sine of 120 points as a 1-D ndarray."""
    rng = np.random.default_rng(0)
    t = np.arange(120)
    return np.sin(t / 6) + rng.normal(0, 0.05, 120)


@pytest.fixture
def frame():
    """A daily DataFrame with a target 'sales' and a covariate 'price'."""
    rng = np.random.default_rng(1)
    index = pd.date_range("2024-01-01", periods=100, freq="D", name="date")
    price = 10 + rng.normal(0, 1, 100)
    sales = 50 + 5 * np.sin(np.arange(100) / 3) - price + rng.normal(0, 0.5, 100)
    return pd.DataFrame({"sales": sales, "price": price}, index=index)


# Settings under which a small forecaster learns the series below in well under a second; the
# seasonal adjustment and the smoothing are off so that what is measured is the network.
LEARNING = {"network": LSTMNetwork(hidden_size=16), "epochs": 30, "lr": 1e-2, "batch_size": 16,
            "deseasonalize": False, "smoothing": False, "random_state": 0, "device": "cpu"}


def two_patterns(n_rows=200):
    """Two targets with other periods, amplitudes and levels: sines of period 8 and 5."""
    t = np.arange(n_rows)
    return pd.DataFrame({"a": 2 + np.sin(2 * np.pi * t / 8),
                         "b": 3 + 2 * np.sin(2 * np.pi * t / 5)})


@pytest.fixture(scope="session")
def two_target_model():
    """``two_patterns()`` and a forecaster (window 10, horizon 3) fitted on its first 150 rows.

    Shared because several tests read it and none changes it; it is fitted once.
    """
    from tsforecast import LSTMForecaster

    data = two_patterns()
    model = LSTMForecaster(**LEARNING, window=10, horizon=3).fit(data.iloc[:150])
    return data, model
