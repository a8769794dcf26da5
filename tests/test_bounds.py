"""A hostile file or a huge argument is refused before memory is spent.

Each case runs in a child process that measures itself: its resident memory before the call
and the peak during it (``VmRSS`` and ``VmHWM`` of ``/proc/self/status``, the peak reset first
through ``/proc/self/clear_refs``), and the seconds the call took. Its address space is capped
a little above what it holds, so that code which would allocate gigabytes fails there with a
MemoryError instead of taking the test machine's memory.
"""

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tsforecast import LSTMForecaster, LSTMNetwork
from tsforecast._forecasting import MAX_FORECAST_VALUES
from tsforecast.persistence import METADATA, WEIGHTS

pytestmark = pytest.mark.skipif(not os.path.exists("/proc/self/status"),
                                reason="measures memory through /proc/self/status (Linux)")

TINY = {"network": LSTMNetwork(hidden_size=4), "epochs": 1, "batch_size": 16, "random_state": 0,
        "device": "cpu"}
ROOT = Path(__file__).resolve().parent.parent
GROWTH_LIMIT = 64 * 2**20  # bytes the peak may rise over the memory held before the call
SECONDS_LIMIT = 10.0  # a refusal is immediate; this leaves room for a busy machine

# Runs in the child: ``measure(call)`` prints one JSON line about ``call()``.
CHILD = r"""
import json, resource, sys, time


def _status(field):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024


def measure(call):
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")  # the peak restarts from what is held now
    except OSError:
        pass  # the peak then counts from the start, which only overstates it
    held = _status("VmRSS")
    cap = _status("VmSize") + 2 * 2**30
    resource.setrlimit(resource.RLIMIT_AS, (cap, resource.getrlimit(resource.RLIMIT_AS)[1]))
    start = time.perf_counter()
    try:
        call()
        error, message = None, ""
    except BaseException as caught:  # noqa: BLE001  (reported to the test)
        error, message = type(caught).__name__, str(caught)
    seconds = time.perf_counter() - start
    peak = _status("VmHWM")
    print(json.dumps({"error": error, "message": message, "seconds": seconds, "held": held,
                      "peak": peak, "growth": peak - held}))
"""


def _run_child(setup: str, call: str) -> dict:
    """Run ``setup`` in a fresh interpreter, then measure ``call`` (an expression)."""
    code = f"{CHILD}\n{setup}\nmeasure(lambda: {call})\n"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          timeout=120, cwd=ROOT)
    lines = done.stdout.strip().splitlines()
    assert done.returncode == 0 and lines, done.stderr[-3000:]
    return json.loads(lines[-1])


def _assert_refused_cheaply(result: dict, message: str) -> None:
    assert result["error"] == "ValueError", result
    assert message in result["message"], result["message"]
    assert result["growth"] < GROWTH_LIMIT, f"peak rose by {result['growth'] / 2**20:.0f} MiB"
    assert result["seconds"] < SECONDS_LIMIT, result


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A small fitted forecaster of a panel of three series, saved: (path, metadata, weights)."""
    path = tmp_path_factory.mktemp("bounds") / "m.tsf"
    long = pd.DataFrame({"unique_id": np.repeat(["a", "b", "c"], 60),
                         "ds": np.tile(np.arange(60), 3), "y": np.sin(np.arange(180) / 4)})
    LSTMForecaster(window=6, horizon=3, **TINY).fit(long).save(path)
    with zipfile.ZipFile(path) as archive:
        return path, json.loads(archive.read(METADATA)), archive.read(WEIGHTS)


def _with_state_field(saved, tmp_path, name: str, value) -> Path:
    """The saved file with one field of its state replaced by the raw JSON ``value``."""
    _, metadata, weights = saved
    state = metadata["attributes"]["state_"]
    edited = {**metadata, "attributes": {**metadata["attributes"], "state_": {
        **state, "fields": {**state["fields"], name: value}}}}
    path = tmp_path / "edited.tsf"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(METADATA, json.dumps(edited))
        archive.writestr(WEIGHTS, weights)
    return path


def _range(stop: int) -> dict:
    return {"__type__": "range_index", "start": 0, "stop": stop, "step": 1, "name": None}


@pytest.mark.parametrize(
    "name, value, message",
    [
        # series ids or labels as a range: 7.28 TiB and 229 MiB as the labels they stand for
        ("ids", _range(10**12), "arrays in metadata.json would take more than 67108864 bytes"),
        ("ids", _range(3 * 10**7), "arrays in metadata.json would take more than 67108864"),
        ("last_index", _range(10**12), "arrays in metadata.json would take more than"),
        # sizes of the state that the stored arrays and the network do not back
        ("window", 10**9, "state_.last_window must be an array of shape (n_series=3, "
                          "window=1000000000, columns)"),
        ("horizon", 10**9, "horizon=1000000000"),
        ("season", 10**9, "state_.season must be an int in [1, 1048576]"),
    ],
)
def test_hostile_sizes_in_a_file_are_refused_before_they_are_allocated(saved, tmp_path, name,
                                                                       value, message):
    """Check that a file whose state claims a huge size (a range of 10**12 series ids, a
    window or horizon of 10**9 that the stored arrays and network do not have) is refused
    with the one ValueError, within a few MiB and seconds, never a MemoryError."""
    path = _with_state_field(saved, tmp_path, name, value)
    result = _run_child("import tsforecast", f"tsforecast.load({str(path)!r})")
    _assert_refused_cheaply(result, message)


@pytest.mark.parametrize(
    "key, value, message",
    [
        ("num_layers", 10**6, "num_layers must be an int in [1, 1024]"),
        ("hidden_size", 10**40, "hidden_size must be an int in [1, 536870912]"),
    ],
)
def test_hostile_network_configuration_is_refused_before_it_is_built(saved, tmp_path, key,
                                                                     value, message):
    """Check that a network configuration of a million layers (whose memory-free skeleton
    alone would take hours to build) or of an absurd size is refused at once."""
    config = {**saved[1]["attributes"]["state_"]["fields"]["net_config"], key: value}
    path = _with_state_field(saved, tmp_path, "net_config", config)
    result = _run_child("import tsforecast", f"tsforecast.load({str(path)!r})")
    _assert_refused_cheaply(result, message)


@pytest.mark.parametrize("fit_ndim", [2, 3])
def test_hostile_sequence_length_is_refused_before_load_makes_a_sequence(tmp_path, fit_ndim):
    """Check that a classifier whose file claims sequences of 10**10 steps (load predicts one
    sequence of zeros to check the file: 74.5 GiB) is refused before that sequence is made."""
    from tsforecast.sequence import LSTMClassifier

    X = np.random.default_rng(0).normal(size=(20, 4, 2))
    if fit_ndim == 2:
        X = X.reshape(20, -1)
    path = tmp_path / "c.tsf"
    LSTMClassifier(hidden_size=4, epochs=1, random_state=0, device="cpu").fit(
        X, np.arange(20) % 2).save(path)
    with zipfile.ZipFile(path) as archive:
        metadata, weights = json.loads(archive.read(METADATA)), archive.read(WEIGHTS)
    metadata["attributes"]["sequence_length_"] = 10**10
    metadata["attributes"]["n_features_in_"] = 2 * 10**10
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(METADATA, json.dumps(metadata))
        archive.writestr(WEIGHTS, weights)
    result = _run_child("import tsforecast", f"tsforecast.load({str(path)!r})")
    _assert_refused_cheaply(result, "sequence_length_=10000000000 and n_step_features_=")
    assert "must be ints >= 1 whose product is at most 8388608" in result["message"]


def test_a_real_file_loads_in_the_child(saved):
    """Check the measurement itself: loading the real file succeeds there."""
    result = _run_child("import tsforecast", f"tsforecast.load({str(saved[0])!r}).predict()")
    assert result["error"] is None, result


PANEL = """
import numpy as np, pandas as pd
from tsforecast import LSTMForecaster, LSTMNetwork
from tsforecast.model_selection import backtest
n_series, length = 2000, 30
long = pd.DataFrame({"unique_id": np.repeat(np.arange(n_series), length),
                     "ds": np.tile(np.arange(length), n_series),
                     "y": np.sin(np.arange(n_series * length) / 5)})
model = LSTMForecaster(window=6, horizon=3, network=LSTMNetwork(hidden_size=4), epochs=1)
"""


@pytest.mark.parametrize(
    "arguments, message",
    [
        ("n_windows=10**6", "n_windows=1000000, step=3 and horizon=3 need at least 3000001"),
        ("n_windows=10**30", "need at least"),
        ("n_windows=3, step=10**18", "need at least"),
    ],
)
def test_backtest_checks_the_windows_against_the_series_before_building_them(arguments,
                                                                            message):
    """Check that backtest of a 2,000-series panel with a million windows (an array of
    2,000 x 10**6 cutoffs: 14.9 GiB) says at once how many rows they need."""
    result = _run_child(PANEL, f"backtest(model, long, {arguments})")
    _assert_refused_cheaply(result, message)


@pytest.mark.parametrize("n_steps", [10**9, 10**7, MAX_FORECAST_VALUES + 1])
def test_predict_refuses_n_steps_beyond_the_forecast_budget_at_once(saved, n_steps):
    """Check that predict(n_steps=10**9) (7.45 GiB) and n_steps=10**7 (minutes, then a
    MemoryError) are refused at once with a ValueError that gives the limit and the way out."""
    setup = f"import tsforecast\nmodel = tsforecast.load({str(saved[0])!r})"
    result = _run_child(setup, f"model.predict(n_steps={n_steps})")
    _assert_refused_cheaply(result, f"more than the {MAX_FORECAST_VALUES} values")
    assert "Forecast in pieces: at most n_steps=" in result["message"]


def test_the_forecast_budget_counts_the_series_of_the_context():
    """Check that predict(X, n_steps=...) counts the context's series, not the fitted ones: a
    recursive forecast of 2,000 new series is refused at once where 2 would be allowed."""
    import pandas as pd

    from tsforecast import LSTMForecaster, LSTMNetwork

    long = pd.DataFrame({"unique_id": np.repeat(["a", "b"], 30), "ds": np.tile(np.arange(30), 2),
                         "y": np.sin(np.arange(60) / 3)})
    model = LSTMForecaster(window=4, horizon=2, network=LSTMNetwork(hidden_size=2), epochs=1,
                           random_state=0, device="cpu").fit(long)
    n_steps = MAX_FORECAST_VALUES // 2_000 + 1  # within the budget for 2 series, not 2,000
    context = pd.DataFrame({"unique_id": np.repeat(np.arange(2_000), 5),
                            "ds": np.tile(np.arange(5), 2_000), "y": 0.5})
    with pytest.raises(ValueError, match="2000 series x"):
        model.predict(context, n_steps=n_steps)
