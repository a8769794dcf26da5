"""Data-parallel fits on torch.distributed: two gloo processes against one process.

One pair of processes is spawned for the whole module (``launched``); each rank runs every
scenario and returns what the tests compare, so the start-up cost is paid once.
"""

import numpy as np
import pandas as pd
import pytest

from tsforecast import ConformalIntervals, LSTMForecaster, LSTMNetwork, LSTMRegressor, distributed

# Forecasts of a 2-process fit and of one process differ by float reduction order only: 0 for
# this fit, 1.7e-7 and 1.0e-6 on values near 10 for the example and the benchmark
# (docs/distributed.md).
TOLERANCE = 1e-5
PARAMS = {"window": None, "horizon": 3, "network": LSTMNetwork(hidden_size=8), "epochs": 4,
          "batch_size": 16, "columns": {"static": "size"}, "random_state": 0, "device": "cpu"}
REFIT = ConformalIntervals(calibration="refit")


def make_panel(lengths=(20, 20, 20, 40, 40)):
    """Five series of 20 to 40 rows with a static column: rank 0 gets the three short ones, so
    each rank's own median length would pick another window than the whole panel's."""
    rng = np.random.default_rng(0)
    frames = []
    for s, n in enumerate(lengths):
        t = np.arange(n)
        y = 10 + s + np.sin(t / (2 + s)) + rng.normal(0, 0.1, n)
        frames.append(pd.DataFrame({"unique_id": f"s{s}", "ds": t, "y": y, "size": 1.0 + s}))
    return pd.concat(frames, ignore_index=True)


def categorical_panel():
    """make_panel with categorical ids whose category order is not alphabetical."""
    long = make_panel()
    order = ["s3", "s0", "s4", "s1", "s2"]
    return long.assign(unique_id=pd.Categorical(long["unique_id"], categories=order))


def weights(model):
    """Every parameter of the network, flattened."""
    return np.concatenate([p.detach().numpy().ravel() for p in model.module_.parameters()])


def _error(fit):
    """The message of the ValueError that ``fit()`` raises (None if it does not)."""
    try:
        fit()
    except ValueError as error:
        return str(error)
    return None


def _rank_scenarios():
    """Run in each of the two processes: fit twice, then fits that must be refused."""
    import pickle
    import warnings

    part = distributed.shard_series(make_panel())
    first = LSTMForecaster(**PARAMS).fit(part)
    second = LSTMForecaster(**PARAMS).fit(part)
    out = {"rank": distributed.rank(), "active": distributed.is_active(),
           "forecast": first.predict(), "again": second.predict(), "weights": weights(first),
           "window": first.window_, "history": first.history_,
           "unpickled": pickle.loads(pickle.dumps(first)).predict()}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        uneven = distributed.shard_series(make_panel(lengths=[60, 60, 20, 20]))
        LSTMForecaster(**{**PARAMS, "window": 10, "columns": None}, intervals=REFIT).fit(uneven)
    out["uneven_refit_warnings"] = [str(w.message) for w in caught]
    if distributed.rank() == 0:  # one rank alone: calibrate must not wait for the others
        alone = pickle.loads(pickle.dumps(first)).calibrate(part)
        out["calibrated_alone"] = alone.conformal_errors_.shape
    refit = LSTMForecaster(**PARAMS, intervals=REFIT).fit(part)
    out["refit_interval"] = refit.predict_interval(coverage=0.8)
    out["interval"] = first.predict_interval(coverage=0.8)
    retrained = LSTMForecaster(**PARAMS, retrain_on_all=True).fit(part)
    out["retrained"], out["retrain_loss"] = retrained.predict(), retrained.history_["retrain_loss"]
    unseeded = LSTMForecaster(**{**PARAMS, "random_state": None, "epochs": 1}).fit(part)
    out["unseeded_weights"] = weights(unseeded)
    other = {**PARAMS, "window": 6 + distributed.rank()}
    out["mismatch"] = _error(lambda: LSTMForecaster(**other).fit(part))
    out["duplicate"] = _error(lambda: LSTMForecaster(**PARAMS).fit(make_panel()))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        X = np.random.default_rng(distributed.rank()).normal(size=(20, 5, 1))
        LSTMRegressor(hidden_size=4, epochs=1, random_state=0).fit(X, X[:, -1, 0])
    out["sequence_warning"] = [str(w.message) for w in caught]
    with distributed.local_fits():
        out["local_active"] = distributed.is_active()
    categorical = distributed.shard_series(categorical_panel())
    out["categorical"] = LSTMForecaster(**PARAMS).fit(categorical).predict()
    return out


@pytest.fixture(scope="module")
def launched():
    """Both ranks' results of ``_rank_scenarios`` (one spawned gloo pair for the module)."""
    return distributed.run(_rank_scenarios, 2, backend="gloo", threads=1)


def test_two_process_fit_matches_one_process_fit(launched):
    """Check that 2 gloo ranks, each holding its own series, forecast as one process fitting the
    whole panel does, up to float reduction order, with the same window and losses."""
    single = LSTMForecaster(**PARAMS).fit(make_panel())
    both = pd.concat([r["forecast"] for r in launched], ignore_index=True)
    expected = single.predict()
    assert list(both["unique_id"]) == list(expected["unique_id"])
    np.testing.assert_allclose(both["y"], expected["y"], rtol=0, atol=TOLERANCE)
    assert [r["window"] for r in launched] == [single.window_] * 2  # from every rank's lengths
    np.testing.assert_allclose(launched[0]["history"]["val_loss"], single.history_["val_loss"],
                               rtol=1e-5)


def test_two_process_fit_of_categorical_ids_matches_one_process_fit(launched):
    """Check ids of a categorical whose categories are not in alphabetical order: the ranks'
    parts follow the fit's numbering (category order), so two ranks forecast as one process."""
    single = LSTMForecaster(**PARAMS).fit(categorical_panel())
    both = pd.concat([r["categorical"] for r in launched], ignore_index=True)
    expected = single.predict()
    assert list(both["unique_id"]) == list(expected["unique_id"])
    np.testing.assert_allclose(both["y"], expected["y"], rtol=0, atol=TOLERANCE)


def test_shard_series_follows_the_fits_order_of_categorical_ids():
    """Check that the parts of a panel with categorical ids are consecutive blocks of the
    series in the order a fit numbers them (the categories' order)."""
    panel = categorical_panel()
    fitted = LSTMForecaster(**{**PARAMS, "epochs": 1}).fit(panel)
    parts = [distributed.shard_series(panel, rank=r, world_size=2) for r in range(2)]
    blocks = [set(map(str, pd.unique(part["unique_id"]))) for part in parts]
    order = [str(i) for i in fitted.series_ids_]
    assert blocks == [set(order[:3]), set(order[3:])]


def test_two_process_retrain_on_all_matches_one_process(launched):
    """Check that retrain_on_all retrains on both ranks in step (same losses per epoch) and
    forecasts as the one-process fit does."""
    single = LSTMForecaster(**PARAMS, retrain_on_all=True).fit(make_panel())
    assert len(single.history_["retrain_loss"]) == single.best_epoch_ + 1
    both = pd.concat([r["retrained"] for r in launched], ignore_index=True)
    np.testing.assert_allclose(both["y"], single.predict()["y"], rtol=0, atol=TOLERANCE)
    for result in launched:
        np.testing.assert_allclose(result["retrain_loss"], single.history_["retrain_loss"],
                                   rtol=1e-5)


def test_two_process_intervals_match_one_process(launched):
    """Check that the conformal tables gather every rank's validation errors: each rank's
    intervals are those of the one-process fit."""
    single = LSTMForecaster(**PARAMS).fit(make_panel())
    expected = single.predict_interval(coverage=0.8)
    both = pd.concat([r["interval"] for r in launched], ignore_index=True)
    for column in ("lower", "upper"):
        np.testing.assert_allclose(both[column], expected[column], rtol=0, atol=TOLERANCE)


def test_two_process_refit_calibration_matches_one_process(launched):
    """Check calibration="refit" under two ranks: each trains its part of the copy, and the
    intervals are those of the one-process fit."""
    single = LSTMForecaster(**PARAMS, intervals=REFIT).fit(make_panel())
    expected = single.predict_interval(coverage=0.8)
    both = pd.concat([r["refit_interval"] for r in launched], ignore_index=True)
    assert list(both.columns) == list(expected.columns)
    for column in ("lower", "upper"):
        np.testing.assert_allclose(both[column], expected[column], rtol=0, atol=TOLERANCE)


def test_refit_calibration_falls_back_on_every_rank_when_one_rank_cannot_train_the_copy(
        launched):
    """Check calibration="refit" when one rank's series are too short for the copy's training
    window: every rank warns and keeps the validation errors (none trains alone and waits)."""
    for result in launched:
        assert any("calibrated on the validation windows instead" in message
                   for message in result["uneven_refit_warnings"])


def test_calibrate_is_local_so_one_rank_can_call_it_alone(launched):
    """Check that calibrate(X) on rank 0 alone returns (it is no collective) with tables of
    rank 0's own origins: 3 series of 20 rows, window 8, horizon 3, 10 origins each."""
    assert launched[0]["calibrated_alone"] == (30, 3, 1)
    assert "calibrated_alone" not in launched[1]


def test_two_process_fit_is_bit_identical_run_to_run_and_across_ranks(launched):
    """Check that a second fit (and a pickled copy) gives the same forecasts bit for bit, and
    both ranks end with the same weights."""
    for result in launched:
        pd.testing.assert_frame_equal(result["forecast"], result["again"], check_exact=True)
        pd.testing.assert_frame_equal(result["forecast"], result["unpickled"], check_exact=True)
    np.testing.assert_array_equal(launched[0]["weights"], launched[1]["weights"])
    assert launched[0]["history"] == launched[1]["history"]


def test_unseeded_fit_takes_rank_0_seed_on_every_rank(launched):
    """Check that random_state=None still gives both ranks the same weights."""
    np.testing.assert_array_equal(launched[0]["unseeded_weights"],
                                  launched[1]["unseeded_weights"])


def test_ranks_that_disagree_on_the_layout_are_refused_on_every_rank(launched):
    """Check that a window differing between ranks raises on both, naming it."""
    for result in launched:
        assert "the ranks disagree on ['window']" in result["mismatch"]


def test_a_series_on_two_ranks_is_refused(launched):
    """Check that passing the whole panel on every rank raises: each rank needs its own part."""
    for result in launched:
        assert "series 's0' is on rank 0 and on rank 1" in result["duplicate"]


def test_sequence_estimators_fit_locally_with_a_warning(launched):
    """Check that LSTMRegressor in a process group trains on its own data and says so."""
    for result in launched:
        assert any("does not train data-parallel" in m for m in result["sequence_warning"])


def test_local_fits_and_no_group_are_not_distributed(launched):
    """Check is_active in a group, inside local_fits, and without a group."""
    assert [r["active"] for r in launched] == [True, True]
    assert [r["local_active"] for r in launched] == [False, False]
    assert not distributed.is_active()
    assert (distributed.rank(), distributed.world_size()) == (0, 1)


@pytest.mark.parametrize("form", ["long", "multiindex", "dict", "list"])
def test_shard_series_parts_concatenate_to_the_whole_panel(form):
    """Check that the parts of every panel form, in rank order, hold every series once."""
    long = make_panel()
    panels = {
        "long": long,
        "multiindex": long.set_index(["unique_id", "ds"]),
        "dict": {k: g["y"].to_numpy() for k, g in long.groupby("unique_id")},
        "list": [g["y"].to_numpy() for _, g in long.groupby("unique_id")],
    }
    X = panels[form]
    parts = [distributed.shard_series(X, rank=r, world_size=3) for r in range(3)]
    if form in ("long", "multiindex"):
        pd.testing.assert_frame_equal(pd.concat(parts), X)
    elif form == "dict":
        assert [k for p in parts for k in p] == list(X)
    else:
        assert sum(len(p) for p in parts) == len(X)


def test_shard_series_refuses_a_single_series():
    """Check that one series is refused with a TypeError naming the accepted forms."""
    with pytest.raises(TypeError, match="shard_series takes a panel"):
        distributed.shard_series(np.zeros(10), rank=0, world_size=2)
