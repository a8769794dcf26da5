"""Tests for est.save(path) / tsforecast.load(path) and for pickling (tsforecast/persistence.py)."""

import hashlib
import io
import json
import os
import pickle
import re
import stat
import struct
import threading
import tracemalloc
import warnings
import zipfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import safetensors.torch
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

import tsforecast
from tsforecast import LSTMForecaster, LSTMNetwork
from tsforecast.persistence import FORMAT_VERSION, METADATA, WEIGHTS

TINY = {"network": LSTMNetwork(hidden_size=4), "epochs": 2, "batch_size": 16, "random_state": 0,
        "device": "cpu"}
DATA = Path(__file__).resolve().parent / "data"
SEQ_TINY = {"hidden_size": 4, "epochs": 2, "batch_size": 16, "random_state": 0, "device": "cpu"}


def _series(kind):
    """A (fit input, fit kwargs) pair for each kind of input whose layout must round-trip."""
    t = np.arange(48, dtype=float)
    values = np.sin(t / 4) + t / 50
    if kind == "ndarray":
        return values, {}
    if kind == "daily":
        index = pd.date_range("2024-01-01", periods=48, freq="D", name="date")
        return pd.Series(values, index=index, name="sales"), {}
    if kind == "hourly_tz":
        index = pd.date_range("2024-03-30", periods=48, freq="h", tz="Europe/Berlin")
        return pd.Series(values, index=index), {}
    if kind == "monthly_period":
        return pd.Series(values, index=pd.period_range("2000-01", periods=48, freq="M")), {}
    if kind == "weekly_no_freq":
        index = pd.DatetimeIndex(pd.date_range("2020-01-05", periods=48, freq="W-SUN").tolist())
        return pd.Series(values, index=index), {}
    if kind == "frame_target":
        index = pd.date_range("2024-01-01", periods=48, freq="B")
        frame = pd.DataFrame({"sales": values, "price": np.cos(t / 3), "promo": t % 2}, index=index)
        return frame, {"target": "sales"}
    if kind == "multi_target":
        frame = pd.DataFrame({"a": values, "b": np.cos(t / 3)}, index=pd.RangeIndex(100, 148))
        return frame, {}
    raise AssertionError(kind)


KINDS = ["ndarray", "daily", "hourly_tz", "monthly_period", "weekly_no_freq", "frame_target",
         "multi_target"]


def _assert_same_forecast(a, b):
    if isinstance(a, pd.Series):
        pd.testing.assert_series_equal(a, b, check_exact=True, check_freq=True)
    elif isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b, check_exact=True, check_freq=True)
    else:
        assert type(a) is type(b)
        np.testing.assert_array_equal(a, b)


@pytest.fixture
def fitted():
    """A small fitted forecaster on a daily Series."""
    series, _ = _series("daily")
    return LSTMForecaster(window=6, horizon=3, **TINY).fit(series)


def _field(name, value):
    """A metadata edit that sets field ``name`` of a forecaster's fitted state to the raw JSON
    ``value``."""

    def edit(m):
        state = m["attributes"]["state_"]
        fields = {**state["fields"], name: value}
        return {**m, "attributes": {**m["attributes"], "state_": {**state, "fields": fields}}}

    return edit


def _rewrite(path, metadata=None, weights=None, fix_checksum=True, extra=None):
    """Rewrite a saved file with other metadata/weights (simulates damage or tampering)."""
    with zipfile.ZipFile(path) as archive:
        old_meta = json.loads(archive.read(METADATA))
        old_weights = archive.read(WEIGHTS)
    metadata = old_meta if metadata is None else metadata(old_meta)
    weights = old_weights if weights is None else weights
    if fix_checksum:
        metadata["weights_sha256"] = hashlib.sha256(weights).hexdigest()
    text = re.sub(r'"@raw:([^"]*)"', r"\1", json.dumps(metadata))  # see _raw
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(METADATA, text)
        archive.writestr(WEIGHTS, weights)
        for name, data in (extra or {}).items():
            archive.writestr(name, data)


def test_a_file_from_before_deseasonalize_loads_and_predicts_as_before(tmp_path):
    """Check a format-1 file without the later parameters and attributes loads with values
    that reproduce the saved model (no seasonal adjustment), predicting bit-identically."""
    path = tmp_path / "old.tsf"
    path.write_bytes((DATA / "forecaster_daily_v1.tsf").read_bytes())
    expected = json.loads((DATA / "daily_v1_expected.json").read_text(encoding="utf-8"))

    def drop_later_keys(meta):
        del meta["params"]["deseasonalize"], meta["params"]["loss"]
        del meta["attributes"]["seasonal_profile_"]
        return meta

    _rewrite(path, drop_later_keys)
    loaded = tsforecast.load(path)
    assert loaded.deseasonalize is False and loaded.seasonal_profile_ is None
    np.testing.assert_array_equal(loaded.predict().to_numpy(), expected["predict"])


@pytest.mark.parametrize("kind", KINDS)
def test_load_predicts_exactly_what_was_saved(kind, tmp_path):
    """Check that a loaded model gives bit-identical forecasts with the same index and names."""
    data, kwargs = _series(kind)
    model = LSTMForecaster(window=6, horizon=3, **kwargs, **TINY).fit(data)
    model.save(tmp_path / "model.tsf")
    loaded = tsforecast.load(tmp_path / "model.tsf")
    assert type(loaded) is LSTMForecaster
    assert loaded.get_params() == model.get_params()
    _assert_same_forecast(model.predict(), loaded.predict())
    _assert_same_forecast(model.predict(data), loaded.predict(data))
    _assert_same_forecast(model.predict_rolling(data), loaded.predict_rolling(data))
    assert loaded.score(data) == model.score(data)


def test_load_restores_every_fitted_attribute(fitted, tmp_path):
    """Check that the fitted attributes and the weights come back equal, on the CPU."""
    fitted.save(tmp_path / "m.tsf")
    loaded = LSTMForecaster.load(tmp_path / "m.tsf")
    assert loaded.history_ == fitted.history_
    assert loaded.best_epoch_ == fitted.best_epoch_
    assert loaded.device_ == torch.device("cpu")
    np.testing.assert_array_equal(loaded.scaler_.offset, fitted.scaler_.offset)
    np.testing.assert_array_equal(loaded.scaler_.scale, fitted.scaler_.scale)
    np.testing.assert_array_equal(loaded.last_window_, fitted.last_window_)
    pd.testing.assert_index_equal(loaded.last_index_, fitted.last_index_, exact=True)
    assert loaded.last_index_.freq == fitted.last_index_.freq
    assert loaded.index_freq_ == fitted.index_freq_
    for name, tensor in fitted.module_.state_dict().items():
        assert torch.equal(loaded.module_.state_dict()[name], tensor)
    assert not loaded.module_.training


def test_unfitted_estimator_round_trips(tmp_path):
    """Check that an unfitted estimator saves its parameters and loads unfitted."""
    model = LSTMForecaster(window=7, horizon=2, scaler="minmax", gradient_clip=0.5)
    model.save(tmp_path / "m.tsf")
    loaded = tsforecast.load(tmp_path / "m.tsf")
    assert loaded.get_params() == model.get_params()
    with pytest.raises(NotFittedError):
        loaded.predict()


def test_refit_from_loaded_params_is_identical(fitted, tmp_path):
    """Check that the same random_state gives the same model across save/load and refit."""
    series, _ = _series("daily")
    fitted.save(tmp_path / "m.tsf")
    refit = clone(tsforecast.load(tmp_path / "m.tsf")).fit(series)
    _assert_same_forecast(fitted.predict(), refit.predict())


def test_save_replaces_an_existing_file(fitted, tmp_path):
    """Check that saving over an old file leaves exactly the new model, and no temporary file."""
    path = tmp_path / "m.tsf"
    LSTMForecaster(window=3).save(path)
    fitted.save(path)
    assert tsforecast.load(path).window == 6
    assert [p.name for p in tmp_path.iterdir()] == ["m.tsf"]


def test_save_of_unsupported_attribute_raises_and_writes_nothing(fitted, tmp_path):
    """Check that an attribute the format cannot hold raises TypeError naming it, and no file."""
    fitted.extra_ = object()
    with pytest.raises(TypeError, match="extra_ holds a builtins.object"):
        fitted.save(tmp_path / "m.tsf")
    assert list(tmp_path.iterdir()) == []


def test_save_with_randomstate_warns_and_stores_none(tmp_path):
    """Check that a RandomState random_state is saved as None with a warning."""
    model = LSTMForecaster(random_state=np.random.RandomState(0))
    with pytest.warns(UserWarning, match="cannot be saved; the file stores random_state=None"):
        model.save(tmp_path / "m.tsf")
    assert tsforecast.load(tmp_path / "m.tsf").random_state is None


def test_newer_format_version_is_refused(fitted, tmp_path):
    """Check that a file from a newer format version raises a ValueError that says upgrade."""
    path = tmp_path / "m.tsf"
    fitted.save(path)
    _rewrite(path, metadata=lambda m: {**m, "format_version": FORMAT_VERSION + 1})
    with pytest.raises(ValueError, match=f"format version {FORMAT_VERSION + 1}.*Upgrade"):
        tsforecast.load(path)


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda m: {**m, "estimator": "os.system"}, "unknown estimator class 'os.system'"),
        (lambda m: {**m, "format": "something-else"}, "not a tsforecast model file"),
        (lambda m: {**m, "format_version": "1"}, "format_version must be an int"),
        (lambda m: {**m, "params": {**m["params"], "evil": 1}}, "parameters .* do not match"),
        (
            lambda m: {**m, "attributes": {**m["attributes"], "x_": {"__type__": "pickle"}}},
            "unknown value type 'pickle'",
        ),
        (_field("net_config", {"input_size": 9}), "network's configuration .* lacks "
                                                   r"\['output_size'\]"),
        (lambda m: {**m, "fitted": "yes"}, "must hold .fitted. as a JSON boolean"),
    ],
)
def test_edited_metadata_is_refused(fitted, tmp_path, change, message):
    """Check that unknown classes, tags, parameters or shapes raise a ValueError."""
    path = tmp_path / "m.tsf"
    fitted.save(path)
    _rewrite(path, metadata=change)
    with pytest.raises(ValueError, match=message):
        tsforecast.load(path)


def test_truncated_file_is_refused(fitted, tmp_path):
    """Check that a truncated file raises a ValueError that says so."""
    path = tmp_path / "m.tsf"
    fitted.save(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="truncated or damaged"):
        tsforecast.load(path)


def test_flipped_weight_bytes_are_refused(fitted, tmp_path):
    """Check that weights that do not match the stored checksum raise a ValueError."""
    path = tmp_path / "m.tsf"
    fitted.save(path)
    with zipfile.ZipFile(path) as archive:
        weights = bytearray(archive.read(WEIGHTS))
    weights[-3] ^= 0xFF
    _rewrite(path, weights=bytes(weights), fix_checksum=False)
    with pytest.raises(ValueError, match="does not match the checksum"):
        tsforecast.load(path)


def test_pickled_weights_are_refused_without_running_them(fitted, tmp_path):
    """Check that a torch.save pickle in place of the safetensors weights is never unpickled."""
    path = tmp_path / "m.tsf"
    fitted.save(path)
    buffer = io.BytesIO()
    torch.save(fitted.module_.state_dict(), buffer)
    _rewrite(path, weights=buffer.getvalue())
    with pytest.raises(ValueError, match="weights.safetensors cannot be read"):
        tsforecast.load(path)


@pytest.mark.parametrize("content", [b"", b"not a zip at all", b"PK\x03\x04garbage"])
def test_non_model_file_is_refused(tmp_path, content):
    """Check that arbitrary bytes raise a ValueError, not a zipfile or json error."""
    path = tmp_path / "m.tsf"
    path.write_bytes(content)
    with pytest.raises(ValueError, match="not a tsforecast model file"):
        tsforecast.load(path)


def test_extra_zip_member_is_refused(fitted, tmp_path):
    """Check that a zip with members beyond the two of the format raises a ValueError."""
    path = tmp_path / "m.tsf"
    fitted.save(path)
    _rewrite(path, extra={"payload.pkl": b"x"})
    with pytest.raises(ValueError, match="holds exactly"):
        tsforecast.load(path)


def test_missing_file_raises_file_not_found(tmp_path):
    """Check that a missing path raises FileNotFoundError."""
    with pytest.raises(FileNotFoundError):
        tsforecast.load(tmp_path / "missing.tsf")


@pytest.fixture
def no_gpu(monkeypatch):
    """Simulate a machine without CUDA or MPS, also where the test machine has one."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 0)
    if getattr(torch.backends, "mps", None) is not None:
        monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)


def test_saved_on_gpu_loads_on_cpu_with_warning(fitted, tmp_path, no_gpu):
    """Check (simulated) that a file from a CUDA model loads on a CPU-only machine, warning."""
    expected = fitted.predict()
    # what a model fitted on a GPU records
    fitted.state_ = replace(fitted.state_, device=torch.device("cuda"))
    path = tmp_path / "m.tsf"
    fitted.save(path)
    with pytest.warns(UserWarning, match="fitted on device 'cuda'.*loaded on the CPU"):
        loaded = tsforecast.load(path)
    assert loaded.device_ == torch.device("cpu")
    _assert_same_forecast(expected, loaded.predict())


@pytest.mark.parametrize("device", ["cuda", "mps"])
def test_pickle_from_gpu_loads_on_cpu_with_warning(fitted, device, no_gpu):
    """Check (simulated) that a pickled CUDA/MPS model unpickles on a CPU-only machine."""
    expected = fitted.predict()
    fitted.state_ = replace(fitted.state_, device=torch.device(device))
    data = pickle.dumps(fitted)
    with pytest.warns(UserWarning, match=f"fitted on device '{device}'"):
        loaded = pickle.loads(data)
    assert loaded.device_ == torch.device("cpu")
    _assert_same_forecast(expected, loaded.predict())


def test_pickle_round_trip_is_exact_and_silent(fitted):
    """Check that pickling a CPU model gives identical forecasts and no warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loaded = pickle.loads(pickle.dumps(fitted))
    _assert_same_forecast(fitted.predict(), loaded.predict())


def _sequence_data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 5, 2))
    y_class = np.where(X[:, :, 0].sum(axis=1) > 0, "up", "down")
    y_reg = X[:, :, 1].sum(axis=1)
    return X, y_class, y_reg


def test_sequence_estimators_round_trip(tmp_path):
    """Check that LSTMClassifier and LSTMRegressor save and load with identical predictions."""
    sequence = pytest.importorskip("tsforecast.sequence")
    X, y_class, y_reg = _sequence_data()
    for cls, y in [(sequence.LSTMClassifier, y_class), (sequence.LSTMRegressor, y_reg)]:
        model = cls(**SEQ_TINY).fit(X, y)
        model.save(tmp_path / "m.tsf")
        loaded = tsforecast.load(tmp_path / "m.tsf")
        assert type(loaded) is cls
        np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
        if hasattr(model, "predict_proba"):
            np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
            np.testing.assert_array_equal(loaded.classes_, model.classes_)


def test_classmethod_load_refuses_another_estimator_type(tmp_path):
    """Check that LSTMForecaster.load on a classifier file raises TypeError naming both."""
    sequence = pytest.importorskip("tsforecast.sequence")
    X, y_class, _ = _sequence_data()
    sequence.LSTMClassifier(**SEQ_TINY).fit(X, y_class).save(tmp_path / "c.tsf")
    with pytest.raises(TypeError, match="holds a LSTMClassifier, not a LSTMForecaster"):
        LSTMForecaster.load(tmp_path / "c.tsf")


def test_zip_with_other_entries_names_them_without_calling_the_archive_damaged(tmp_path):
    """Check that a valid zip holding other files gets the specific message, not 'damaged'."""
    path = tmp_path / "other.tsf"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("notes.txt", "hello")
    expected = "holds exactly .* this zip holds \\['notes.txt'\\]"
    with pytest.raises(ValueError, match=expected) as info:
        tsforecast.load(path)
    assert "damaged" not in str(info.value)


# -- format compatibility: files written by the first release of format version 1 ------------




def test_format_v1_forecaster_file_still_predicts_the_stored_forecast():
    """Check that a forecaster file written by format version 1 (tsforecast 0.1.0) loads and
    predicts the forecast recorded when it was written, with its index and name."""
    expected = json.loads((DATA / "v1_expected.json").read_text(encoding="utf-8"))["forecaster"]
    model = LSTMForecaster.load(DATA / "forecaster_v1.tsf")
    forecast = model.predict()
    np.testing.assert_allclose(forecast.to_numpy(), expected["values"], rtol=1e-6, atol=1e-9)
    assert [str(stamp) for stamp in forecast.index] == expected["index"]
    assert forecast.index.freqstr == expected["freq"] and forecast.name == expected["name"]


def test_format_v1_classifier_file_still_predicts_the_stored_probabilities():
    """Check that a classifier file written by format version 1 (tsforecast 0.1.0) loads and
    gives the labels and probabilities recorded when it was written."""
    sequence = pytest.importorskip("tsforecast.sequence")
    expected = json.loads((DATA / "v1_expected.json").read_text(encoding="utf-8"))["classifier"]
    model = sequence.LSTMClassifier.load(DATA / "classifier_v1.tsf")
    X = np.asarray(expected["X"])
    assert model.classes_.tolist() == expected["classes"]
    assert model.predict(X).tolist() == expected["predict"]
    np.testing.assert_allclose(model.predict_proba(X), expected["predict_proba"], rtol=1e-6,
                               atol=1e-9)


# -- a file never costs more than it is worth, and any bad content gets one clear ValueError ---


def _attribute(name, value):
    """A metadata edit that sets attribute ``name`` to the raw JSON ``value``."""
    return lambda m: {**m, "attributes": {**m["attributes"], name: value}}


def _raw(text):
    """A value that _rewrite writes as the raw JSON ``text`` (which json.dumps cannot write)."""
    return f"@raw:{text}"


def _load_peak_bytes(path):
    """(error message, peak bytes that Python and numpy allocated) of tsforecast.load(path)."""
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match="Cannot load") as info:
            tsforecast.load(path)
        return str(info.value), tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _write_zip_bomb(path, metadata, weights, padding):
    """Save ``weights`` followed by ``padding`` zero bytes (deflated to almost nothing), with a
    correct checksum, so that only the size can give the bomb away."""
    digest = hashlib.sha256(weights)
    chunk = bytes(2**20)
    for _ in range(padding // len(chunk)):
        digest.update(chunk)
    metadata = {**metadata, "weights_sha256": digest.hexdigest()}
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(METADATA, json.dumps(metadata))
        with archive.open(WEIGHTS, "w") as member:
            member.write(weights)
            for _ in range(padding // len(chunk)):
                member.write(chunk)


def _saved(fitted, tmp_path):
    path = tmp_path / "m.tsf"
    fitted.save(path)
    with zipfile.ZipFile(path) as archive:
        return path, json.loads(archive.read(METADATA)), archive.read(WEIGHTS)


def test_zip_bomb_in_the_weights_is_refused_before_it_inflates(fitted, tmp_path):
    """Check that weights declaring 64 MiB more than the network needs are refused from the
    zip directory, without allocating them."""
    path, metadata, weights = _saved(fitted, tmp_path)
    _write_zip_bomb(path, metadata, weights, padding=64 * 2**20)
    assert path.stat().st_size < 2**20
    message, peak = _load_peak_bytes(path)
    assert "weights.safetensors declares" in message
    assert peak < 16 * 2**20


def test_zip_member_lying_about_its_size_is_not_inflated_past_it(fitted, tmp_path):
    """Check that a zip whose directory understates the inflated size of the weights is read
    only up to the stated size and refused as damaged."""
    path, metadata, weights = _saved(fitted, tmp_path)
    _write_zip_bomb(path, metadata, weights, padding=64 * 2**20)
    data = bytearray(path.read_bytes())
    true_size = struct.pack("<I", len(weights) + 64 * 2**20)
    assert data.count(true_size) == 2  # in the local header and in the central directory
    path.write_bytes(bytes(data).replace(true_size, struct.pack("<I", len(weights))))
    message, peak = _load_peak_bytes(path)
    assert "damaged" in message
    assert peak < 16 * 2**20


def test_network_beyond_the_weight_limit_is_refused_before_it_is_built(fitted, tmp_path):
    """Check that a _net_config describing a network larger than the format's weight limit is
    refused without allocating the network."""
    path = tmp_path / "m.tsf"
    fitted.save(path)
    config = {**fitted.state_.net_config, "hidden_size": 100_000}
    _rewrite(path, _field("net_config", config))
    message, peak = _load_peak_bytes(path)
    assert "would hold" in message and "more than the format allows" in message
    assert peak < 16 * 2**20


@pytest.mark.parametrize(
    "edit",
    [
        lambda h: {**h, "lstm.weight_ih_l0": {**h["lstm.weight_ih_l0"], "shape": [10**9, 10**9]}},
        lambda h: {**h, "lstm.weight_ih_l0": {**h["lstm.weight_ih_l0"], "dtype": "F64"}},
        lambda h: {k: v for k, v in h.items() if k != "head.bias"},
    ],
)
def test_weights_header_that_does_not_fit_the_network_is_refused(fitted, tmp_path, edit):
    """Check that tensor shapes and dtypes in the safetensors header are compared with the
    network before any tensor is made."""
    path, _, weights = _saved(fitted, tmp_path)
    (size,) = struct.unpack("<Q", weights[:8])
    header = json.dumps(edit(json.loads(weights[8 : 8 + size]))).encode()
    _rewrite(path, weights=struct.pack("<Q", len(header)) + header + weights[8 + size :])
    with pytest.raises(ValueError, match="weights.safetensors cannot be read .*other tensors"):
        tsforecast.load(path)


@pytest.mark.parametrize(
    "value, message",
    [
        ({"__type__": "ndarray", "dtype": "<U50000000", "shape": [1], "data": ["a"]},
         "unsupported array dtype '<U50000000'"),
        ({"__type__": "ndarray", "dtype": "<U1025", "shape": [1], "data": ["a"]},
         "unsupported array dtype"),
        ({"__type__": "ndarray", "dtype": "<M8[ns]", "shape": [1], "data": [1]},
         "unsupported array dtype"),
        ({"__type__": "scalar", "dtype": "|V8", "value": 10**8}, "unsupported array dtype"),
        ({"__type__": "scalar", "dtype": "<U50000000", "value": "a"}, "unsupported array dtype"),
        ({"__type__": "ndarray", "dtype": "<f8", "shape": [-1], "data": [1.0, 2.0]},
         "shape must be a list of at most 32 ints >= 0"),
        ({"__type__": "ndarray", "dtype": "<f8", "shape": [10**6, 10**6], "data": [1.0]},
         "must hold 1000000000000 values"),
        ({"__type__": "ndarray", "dtype": "<f8", "shape": [1] * 40, "data": [1.0]},
         "at most 32 ints"),
        ({"__type__": "ndarray", "dtype": "<U1024", "shape": [20_000], "data": [""] * 20_000},
         "arrays in metadata.json would take more than"),
        ({"__type__": "index", "dtype": "<U50000000", "values": ["a"], "name": None},
         "unsupported index dtype"),
    ],
)
def test_metadata_arrays_are_checked_before_they_are_allocated(fitted, tmp_path, value, message):
    """Check that dtypes, shapes and the total size of arrays in metadata.json are validated
    from the JSON alone, so a small file cannot make load allocate much memory."""
    path = tmp_path / "m.tsf"
    fitted.save(path)
    _rewrite(path, _attribute("extra_", value))
    error, peak = _load_peak_bytes(path)
    assert re.search(message, error), error
    assert peak < 16 * 2**20


def _nested(depth):
    value = 0
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize(
    "change, message",
    [
        (_attribute("extra_", _nested(40)), "nested more than 32 levels"),
        (_attribute("extra_", _raw("[" * 50_000 + "]" * 50_000)), "nested more than 32 levels"),
        (_attribute("extra_", [[]] * 200_000), "JSON objects and arrays, more than"),
        (lambda m: {**m, "versions": ["tsforecast 0.1"]}, "'versions' as an object of strings"),
        (lambda m: {**m, "versions": 3}, "'versions' as an object of strings"),
        (lambda m: {**m, "format_version": FORMAT_VERSION + 1, "versions": 3},
         f"format version {FORMAT_VERSION + 1}.*Upgrade"),
        (lambda m: {**m, "estimator": ["LSTMForecaster"]}, "'estimator' as a JSON string"),
        (lambda m: {**m, "attributes": []}, "'attributes' as a JSON object"),
        (_field("best_epoch", _raw("9" * 5000)), "not valid JSON"),
        (_field("last_index", {"__type__": "datetime_index", "unit": "ns", "tz": None,
                                    "freq": None, "name": None, "values": [10**20] * 7}),
         "OverflowError"),
        (_field("freq", {"__type__": "offset", "name": "Day", "n": 10**20,
                                    "normalize": False, "kwds": {}}), "OverflowError"),
        (_attribute("extra_", {"__type__": "timedelta", "days": 10**20, "seconds": 0,
                               "microseconds": 0}), "OverflowError"),
        # a state that no longer refers to an array the file holds
        (_field("scaler", None), "other tensors than its network and arrays need"),
        (_field("last_window", 5), "other tensors than its network and arrays need"),
        (_field("horizon", 5), "fitted state does not fit together: the network .* has "
                               "output_size=3, but the state needs output_size=5"),
        (_field("n_targets", 3), "fitted state does not fit together: .* fewer than n_targets=3"),
        (_attribute("__dict__", {}), "attribute named '__dict__', which is not allowed"),
        (_attribute("predict", 1), "attribute named 'predict', which is not allowed"),
        (_attribute("window", 3), "attribute named 'window', which is not allowed"),
        (_attribute("module_", None), "attribute named 'module_', which is not allowed"),
        (_attribute("not a name", 1), "which is not allowed"),
        (lambda m: {**m, "fitted": False}, "an unfitted estimator's file must not set"),
    ],
)
def test_edited_file_gets_one_clear_error_at_load(fitted, tmp_path, change, message):
    """Check that an edited file raises ValueError("Cannot load ...") while loading (never
    RecursionError, AttributeError or OverflowError, and never a later failure in predict)."""
    path = tmp_path / "m.tsf"
    fitted.save(path)
    _rewrite(path, metadata=change)
    with pytest.raises(ValueError, match=f"^Cannot load .*{message}"):
        tsforecast.load(path)


@pytest.mark.parametrize(
    "change",
    [
        _attribute("classes_", {"__type__": "ndarray", "dtype": "<U4", "shape": [3],
                                "data": ["down", "up", "side"]}),
        _attribute("n_features_in_", 4),
        _attribute("_fit_ndim", 2),
    ],
)
def test_edited_classifier_file_fails_at_load_not_in_predict(tmp_path, change):
    """Check that a classifier whose attributes no longer fit its network is refused at load."""
    sequence = pytest.importorskip("tsforecast.sequence")
    X, y_class, _ = _sequence_data()
    path = tmp_path / "c.tsf"
    sequence.LSTMClassifier(**SEQ_TINY).fit(X, y_class).save(path)
    _rewrite(path, metadata=change)
    with pytest.raises(ValueError, match="^Cannot load .*does not describe a valid"):
        tsforecast.load(path)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs os.mkfifo")
def test_fifo_is_refused_without_waiting_for_a_writer(tmp_path):
    """Check that loading from a FIFO raises at once instead of blocking on the open."""
    path = tmp_path / "m.tsf"
    os.mkfifo(path)
    errors = []

    def run():
        try:
            tsforecast.load(path)
        except Exception as error:  # noqa: BLE001  (reported below)
            errors.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout=20)
    assert not thread.is_alive(), "load() blocked on a FIFO"
    assert len(errors) == 1 and "it is not a regular file" in str(errors[0])


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_device_file_is_refused_without_reading_it():
    """Check that a character device such as /dev/zero is refused, not read."""
    with pytest.raises(ValueError, match="Cannot load '/dev/zero': it is not a regular file"):
        tsforecast.load("/dev/zero")


def test_directory_raises_is_a_directory_error(tmp_path):
    """Check that a directory raises IsADirectoryError, as opening it for reading does."""
    with pytest.raises(IsADirectoryError):
        tsforecast.load(tmp_path)


def test_save_does_not_follow_a_link_planted_at_a_predictable_temporary_name(fitted, tmp_path):
    """Check that a symlink at the temporary name older versions used is left alone, and the
    file it points to is not overwritten."""
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    path = tmp_path / "m.tsf"
    planted = tmp_path / f"m.tsf.{os.getpid()}.tmp"
    try:
        planted.symlink_to(victim)
    except OSError:
        pytest.skip("cannot create symlinks here")
    fitted.save(path)
    assert victim.read_text() == "keep me"
    assert planted.is_symlink() and not path.is_symlink()
    np.testing.assert_array_equal(tsforecast.load(path).predict(), fitted.predict())


def test_threads_saving_to_one_path_never_show_a_reader_a_damaged_file(fitted, tmp_path):
    """Check that 8 threads saving to one path while another loads it all succeed, and every
    load returns a complete model."""
    path = tmp_path / "m.tsf"
    fitted.save(path)
    expected = fitted.predict()
    errors, done = [], threading.Event()

    def write():
        try:
            for _ in range(8):
                fitted.save(path)
        except Exception as error:  # noqa: BLE001  (reported below)
            errors.append(error)

    def read():
        loads = 0
        try:
            while not done.is_set() or loads < 3:
                np.testing.assert_array_equal(tsforecast.load(path).predict(), expected)
                loads += 1
        except Exception as error:  # noqa: BLE001  (reported below)
            errors.append(error)

    writers = [threading.Thread(target=write) for _ in range(8)]
    reader = threading.Thread(target=read)
    for thread in [reader, *writers]:
        thread.start()
    for thread in writers:
        thread.join()
    done.set()
    reader.join()
    assert errors == []
    assert [p.name for p in tmp_path.iterdir()] == ["m.tsf"]


def test_bytes_and_str_paths_save_and_load(fitted, tmp_path, monkeypatch):
    """Check that save and load accept str, bytes and PathLike paths alike."""
    monkeypatch.chdir(tmp_path)
    fitted.save(os.fsencode(tmp_path / "b.tsf"))
    fitted.save(str(tmp_path / "s.tsf"))
    for path in [os.fsencode(tmp_path / "b.tsf"), str(tmp_path / "s.tsf"), tmp_path / "b.tsf"]:
        np.testing.assert_array_equal(tsforecast.load(path).predict(), fitted.predict())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.tsf", "s.tsf"]


def _fail_on_weights(original):
    def writestr(self, name, data, *args, **kwargs):
        if name == WEIGHTS:
            raise OSError(28, "No space left on device")
        return original(self, name, data, *args, **kwargs)

    return writestr


@pytest.mark.parametrize("failure", ["unencodable attribute", "write error", "fsync error"])
def test_failed_save_leaves_the_existing_file_intact(fitted, tmp_path, monkeypatch, failure):
    """Check that a save that fails, before or while writing, leaves the existing file as it
    was (and loadable) and no temporary file behind."""
    path = tmp_path / "m.tsf"
    fitted.save(path)
    before = path.read_bytes()
    other = LSTMForecaster(window=4, **TINY).fit(_series("daily")[0])
    if failure == "unencodable attribute":
        other.extra_ = object()
        expected_error = TypeError
    elif failure == "write error":
        monkeypatch.setattr(zipfile.ZipFile, "writestr", _fail_on_weights(zipfile.ZipFile.writestr))
        expected_error = OSError
    else:
        monkeypatch.setattr(os, "fsync", lambda fd: (_ for _ in ()).throw(OSError(5, "EIO")))
        expected_error = OSError
    with pytest.raises(expected_error):
        other.save(path)
    assert path.read_bytes() == before
    np.testing.assert_array_equal(tsforecast.load(path).predict(), fitted.predict())
    assert [p.name for p in tmp_path.iterdir()] == ["m.tsf"]


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_saved_file_gets_the_permissions_of_an_ordinary_new_file(fitted, tmp_path):
    """Check that the unique temporary file does not leave the model readable by its owner only:
    the saved file has mode 0o666 minus the umask, as open() would give it."""
    umask = os.umask(0o022)
    try:
        fitted.save(tmp_path / "m.tsf")
    finally:
        os.umask(umask)
    assert stat.S_IMODE((tmp_path / "m.tsf").stat().st_mode) == 0o644


def test_save_refuses_what_load_would_refuse(fitted, tmp_path):
    """Check that an attribute beyond the format's limits fails at save, with no file left."""
    fitted.extra_ = np.array(["x" * 2000])
    with pytest.raises(ValueError, match="cannot be saved: unsupported array dtype '<U2000'"):
        fitted.save(tmp_path / "m.tsf")
    assert list(tmp_path.iterdir()) == []


def test_a_model_of_100_000_series_saves_and_loads(tmp_path):
    """Check that a panel's per-series arrays do not fill metadata.json: a global model of
    100,000 series saves, loads and forecasts every series as before."""
    n_series, length = 100_000, 8
    rng = np.random.default_rng(0)
    long = pd.DataFrame({"unique_id": np.repeat(np.arange(n_series), length),
                         "ds": np.tile(np.arange(length), n_series),
                         "y": rng.normal(size=n_series * length)})
    model = LSTMForecaster(window=4, horizon=2, network=LSTMNetwork(hidden_size=2), epochs=1,
                           batch_size=65536, validation_fraction=0.0, random_state=0,
                           device="cpu").fit(long)
    path = tmp_path / "big.tsf"
    model.save(path)
    with zipfile.ZipFile(path) as archive:
        assert archive.getinfo(METADATA).file_size < 2**20 + 40 * n_series  # ids and labels
    loaded = tsforecast.load(path)
    assert loaded.n_series_ == n_series
    pd.testing.assert_frame_equal(loaded.predict(), model.predict())


# -- a file whose state was edited is refused at load, naming the field --------------------------


@pytest.fixture(scope="module")
def panel_file(tmp_path_factory):
    """A saved panel forecaster with every per-series field and every calibration table: three
    daily series (ids "a", "b", "c") with a weekly pattern, a static covariate, Box-Cox
    targets and trained quantiles."""
    t = np.arange(60)
    long = pd.DataFrame({
        "unique_id": np.repeat(["a", "b", "c"], 60),
        "ds": np.tile(pd.date_range("2024-01-01", periods=60, freq="D"), 3),
        "y": np.concatenate([10 * (s + 1) + np.sin(2 * np.pi * t / 7) + t / 30 for s in range(3)]),
        "size": np.repeat([1.0, 2.0, 5.0], 60),
    })
    model = LSTMForecaster(window=8, horizon=3, deseasonalize=True, target_transform="boxcox",
                           quantiles=(0.1, 0.9), validation_fraction=0.3,
                           columns={"static": ["size"]}, **TINY).fit(long)
    assert model.seasonal_profile_ is not None and model.quantile_errors_ is not None
    path = tmp_path_factory.mktemp("panel") / "panel.tsf"
    model.save(path)
    return path, model


def _edit_arrays(path, changes):
    """Rewrite the named arrays of a saved state (``name -> function(array) -> array``) in the
    tensor member, with their references in metadata.json following the new shapes and a
    checksum that matches: an edit only the consistency of the values can give away."""
    with zipfile.ZipFile(path) as archive:
        tensors = safetensors.torch.load(archive.read(WEIGHTS))
    for name, change in changes.items():
        tensors[name] = torch.from_numpy(np.ascontiguousarray(change(tensors[name].numpy())))

    def follow(node):
        if isinstance(node, dict) and node.get("__type__") == "tensor" and node["name"] in changes:
            return {**node, "shape": list(tensors[node["name"]].shape)}
        if isinstance(node, dict):
            return {key: follow(value) for key, value in node.items()}
        return [follow(value) for value in node] if isinstance(node, list) else node

    _rewrite(path, metadata=follow, weights=safetensors.torch.save(tensors))


def _ids(*values):
    return {"__type__": "index", "dtype": "str", "name": "unique_id", "values": list(values)}


def test_panel_file_with_every_field_round_trips(panel_file, tmp_path):
    """Check that the consistency checks let a complete panel model through unchanged."""
    path, model = panel_file
    loaded = tsforecast.load(path)
    pd.testing.assert_frame_equal(loaded.predict(), model.predict())
    pd.testing.assert_frame_equal(loaded.predict_interval(coverage=0.8),
                                  model.predict_interval(coverage=0.8))


STATE = "state_."
CAL = "state_.calibration."


@pytest.mark.parametrize(
    "metadata, arrays, message",
    [
        # the series: one row per series in every per-series field, ids unique
        (_field("ids", _ids("a", "b")), {}, r"state_.ids holds 2 .*, not n_series=3"),
        (_field("ids", _ids("a", "a", "c")), {}, r"state_.ids .*unique.*'a'"),
        (_field("ids", None), {}, r"state_.ids is None .* 3 series"),
        (None, {STATE + "lengths": lambda a: a[:2]}, r"state_.last_window must be"),
        (None, {STATE + "lengths": lambda a: a * 0}, r"state_.lengths must be .* in \[1, "),
        (_field("last_index", {"__type__": "datetime_index", "unit": "ns", "tz": None,
                               "freq": None, "name": "ds", "values": [0, 1]}), {},
         r"state_.last_index holds 2 labels, not n_series=3"),
        (None, {STATE + "last_window": lambda a: a[:2]}, r"state_.last_window must be"),
        (None, {STATE + "scaler.offset": lambda a: a[:2]}, r"state_.scaler.offset must be"),
        (None, {STATE + "scaler.scale": lambda a: -a}, r"state_.scaler.scale .*> 0"),
        (None, {STATE + "profile.shift": lambda a: a[:2]}, r"state_.profile.shift must be"),
        (None, {STATE + "profile.scale": lambda a: a[:, :5]}, r"state_.profile.scale must be"),
        (None, {STATE + "static": lambda a: a[:2]}, r"state_.static must be"),
        (None, {STATE + "target_lambda": lambda a: a[:2]}, r"state_.target_lambda must be"),
        # the layout: window, horizon and targets as the network and the arrays have them
        (_field("window", 9), {}, r"state_.last_window must be an array of shape "
                                  r"\(n_series=3, window=9, columns\)"),
        (_field("horizon", 4), {}, r"output_size=9, but .* \(horizon=4 x"),
        (_field("n_targets", 2), {}, r"n_targets"),
        (_field("season", 10**9), {}, r"state_.season must be an int in \[1, 1048576\]"),
        (_field("future_columns", ["size"]), {}, r"n_future"),
        (_field("smoothing_combine", "max"), {}, r"smoothing_combine must be 'mean' or"),
        # the conformal tables: sorted, non-negative, ranks increasing, consistent shapes
        (None, {CAL + "errors": lambda a: -a}, r"calibration.errors .*sorted"),
        (None, {CAL + "errors": lambda a: -a[::-1]}, r"calibration.errors .*negative"),
        (None, {CAL + "errors": lambda a: a[:-5]}, r"state_.calibration.errors must be"),
        (None, {CAL + "errors": lambda a: a[:, :2]}, r"state_.calibration.errors must be"),
        (None, {CAL + "ranks": lambda a: a[::-1]}, r"calibration.ranks .*increasing"),
        (None, {CAL + "pooled": lambda a: -a[::-1]}, r"calibration.pooled .*negative"),
        (None, {CAL + "pooled_ranks": lambda a: a * 2}, r"calibration.pooled_ranks .*last"),
        (None, {CAL + "scale": lambda a: -a}, r"calibration.scale .*negative"),
        (None, {CAL + "quantile_errors": lambda a: a[::-1]}, r"quantile_errors .*sorted"),
        (None, {CAL + "quantile_pooled": lambda a: a[:, :, [0, 0]]},
         r"state_.calibration.quantile_pooled must be"),
    ],
)
def test_state_whose_fields_do_not_fit_together_is_refused(panel_file, tmp_path, metadata,
                                                           arrays, message):
    """Check that a state whose fields were edited apart (a shortened or duplicated id list,
    a per-series array of another length, a window, horizon or target count that is not the
    network's, a negated, unsorted or shortened conformal table) is refused by load with one
    ValueError that names the field, rather than loading and forecasting wrong."""
    path = tmp_path / "m.tsf"
    path.write_bytes(panel_file[0].read_bytes())
    if arrays:
        _edit_arrays(path, arrays)
    if metadata is not None:
        _rewrite(path, metadata)
    with pytest.raises(ValueError, match=f"^Cannot load .*{message}"):
        tsforecast.load(path)


def test_dict_panel_with_an_id_removed_is_refused_rather_than_dropping_a_series(tmp_path):
    """Check that a dict panel's file whose id list lost an id is refused at load; without
    the check it loaded, and predict() returned two of the three series."""
    panel = {key: np.sin(np.arange(40) / 4 + i) for i, key in enumerate("abc")}
    path = tmp_path / "m.tsf"
    LSTMForecaster(window=6, horizon=3, **TINY).fit(panel).save(path)

    def drop_an_id(m):
        ids = m["attributes"]["state_"]["fields"]["ids"]
        return _field("ids", {**ids, "values": ids["values"][:2]})(m)

    _rewrite(path, drop_an_id)
    with pytest.raises(ValueError, match=r"^Cannot load .*state_.ids holds 2 series ids, not "
                                         r"n_series=3"):
        tsforecast.load(path)
