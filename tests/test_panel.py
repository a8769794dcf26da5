"""Tests of panels: many series, one global LSTMForecaster, through the public API."""

import numpy as np
import pandas as pd
import pytest
from conftest import TINY

from tsforecast import LSTMForecaster

H = 3


def make_long(n_series=4, base=48, step=6, seed=0, freq="MS"):
    """A long frame (unique_id, ds, y) of ragged monthly series with different levels."""
    rng = np.random.default_rng(seed)
    frames = []
    for i in range(n_series):
        n = base + step * i
        t = np.arange(n)
        y = (10 + 5 * i) * (1 + 0.2 * np.sin(2 * np.pi * t / 12)) + 0.1 * t + rng.normal(0, .2, n)
        ds = pd.date_range("2000-01-01", periods=n, freq=freq) + pd.DateOffset(months=i)
        frames.append(pd.DataFrame({"unique_id": f"s{i}", "ds": ds, "y": y}))
    return pd.concat(frames, ignore_index=True)


def model(**params):
    return LSTMForecaster(**{**TINY, "window": 8, "horizon": H, **params})


def as_dict(long):
    return {key: g.set_index("ds")["y"] for key, g in long.groupby("unique_id", sort=False)}


def test_long_in_long_out_with_each_series_continuing_its_own_timestamps():
    """Check predict() on a long panel returns horizon rows per series after its last date."""
    long = make_long()
    forecast = model().fit(long).predict()
    assert list(forecast.columns) == ["unique_id", "ds", "y"]
    assert forecast.groupby("unique_id").size().to_dict() == {f"s{i}": H for i in range(4)}
    for key, group in long.groupby("unique_id"):
        expected = pd.date_range(group["ds"].max(), periods=H + 1, freq="MS")[1:]
        got = forecast.loc[forecast["unique_id"] == key, "ds"]
        np.testing.assert_array_equal(got.to_numpy(), expected.to_numpy())
    assert np.isfinite(forecast["y"]).all()


def test_every_input_form_gives_the_same_forecasts_in_its_own_form():
    """Check long, MultiIndex frame/Series, dict and list inputs give the same numbers, each
    in the matching output form."""
    long = make_long()
    reference = model().fit(long).predict()["y"].to_numpy()
    multi = long.set_index(["unique_id", "ds"])
    out = model().fit(multi).predict()
    assert isinstance(out, pd.DataFrame) and out.index.names == ["unique_id", "ds"]
    np.testing.assert_allclose(out["y"].to_numpy(), reference)
    out = model().fit(multi["y"]).predict()
    assert isinstance(out, pd.Series) and out.index.nlevels == 2 and out.name == "y"
    np.testing.assert_allclose(out.to_numpy(), reference)
    series = as_dict(long)
    out = model().fit(series).predict()
    assert isinstance(out, dict) and list(out) == list(series)
    assert all(isinstance(v, pd.Series) and len(v) == H for v in out.values())
    assert out["s2"].index[0] == series["s2"].index[-1] + pd.offsets.MonthBegin()
    np.testing.assert_allclose(np.concatenate(list(out.values())), reference)
    out = model().fit(list(series.values())).predict()
    assert isinstance(out, list) and len(out) == 4
    np.testing.assert_allclose(np.concatenate(out), reference)


def test_dict_of_arrays_gives_a_dict_of_arrays():
    """Check numpy series in a dict come back as numpy forecasts keyed alike."""
    series = {k: v.to_numpy() for k, v in as_dict(make_long()).items()}
    out = model().fit(series).predict()
    assert list(out) == list(series) and all(v.shape == (H,) for v in out.values())


def test_row_order_of_a_long_frame_does_not_matter():
    """Check a long frame shuffled row-wise gives the same forecasts (rows are sorted)."""
    long = make_long()
    shuffled = long.sample(frac=1.0, random_state=0)
    a = model().fit(long).predict()
    b = model().fit(shuffled).predict().set_index("unique_id").loc[a["unique_id"].unique()]
    np.testing.assert_allclose(b["y"].to_numpy(), a["y"].to_numpy())


def test_identical_copies_get_identical_forecasts():
    """Check a panel of copies of one series forecasts every copy alike."""
    one = make_long(n_series=1)
    copies = pd.concat([one.assign(unique_id=k) for k in "abc"], ignore_index=True)
    forecast = model().fit(copies).predict()
    by_copy = forecast.pivot(index="ds", columns="unique_id", values="y")
    np.testing.assert_allclose(by_copy["a"], by_copy["b"], rtol=1e-6)
    np.testing.assert_allclose(by_copy["a"], by_copy["c"], rtol=1e-6)


def test_scaling_is_per_series_on_its_own_training_rows():
    """Check each series' scaler sees its own rows before its first validation target only."""
    long = make_long()
    fitted = model(validation_fraction=0.2, deseasonalize=False, scaler="standard").fit(long)
    window = fitted.window_
    for s, (_, group) in enumerate(long.groupby("unique_id", sort=False)):
        y = group["y"].to_numpy()
        n_windows = len(y) - window - H + 1
        fit_rows = n_windows - int(np.ceil(0.2 * n_windows)) + window
        np.testing.assert_allclose(fitted.scaler_.offset[s], [y[:fit_rows].mean()])
        np.testing.assert_allclose(fitted.scaler_.scale[s], [y[:fit_rows].std()])


def test_naive_scaler_scales_each_series_by_its_seasonal_naive_error():
    """Check scaler="naive": each series' scale is the mean absolute 12-month change of its
    training rows (the MASE denominator), and the model forecasts finite values."""
    long = make_long()
    fitted = model(scaler="naive", validation_fraction=0.2, deseasonalize=False).fit(long)
    window = fitted.window_
    for s, (_, group) in enumerate(long.groupby("unique_id", sort=False)):
        y = group["y"].to_numpy()
        n_windows = len(y) - window - H + 1
        fit_rows = n_windows - int(np.ceil(0.2 * n_windows)) + window
        change = np.abs(y[12:fit_rows] - y[: fit_rows - 12]).mean()
        np.testing.assert_allclose(fitted.scaler_.scale[s], [change])
    assert np.isfinite(fitted.predict()["y"]).all()


def test_a_series_never_seen_at_fit_is_forecast_on_its_own_scale():
    """Check transfer: a new series 10x a seen one gets 10x its forecast (per-series scaling
    with instance normalisation makes the model scale-free)."""
    long = make_long()
    fitted = model(validation_fraction=0.0, deseasonalize=False).fit(long)
    seen = long[long["unique_id"] == "s1"]
    new = seen.assign(unique_id="new", y=seen["y"] * 10)
    both = fitted.predict(pd.concat([seen, new]))
    np.testing.assert_allclose(
        both.loc[both["unique_id"] == "new", "y"].to_numpy(),
        10 * both.loc[both["unique_id"] == "s1", "y"].to_numpy(),
        rtol=1e-5,
    )


def test_predict_on_a_subset_forecasts_only_that_subset():
    """Check a context of two fitted series equals their rows of predict()."""
    long = make_long()
    fitted = model().fit(long)
    subset = long[long["unique_id"].isin(["s3", "s1"])]
    out = fitted.predict(subset)
    assert list(out["unique_id"].unique()) == ["s1", "s3"]  # sorted by id
    full = fitted.predict().set_index(["unique_id", "ds"])
    np.testing.assert_allclose(out.set_index(["unique_id", "ds"])["y"], full.loc[out.set_index(
        ["unique_id", "ds"]).index, "y"])


def test_short_series_are_forecast_but_not_trained_on_with_one_warning():
    """Check a series shorter than window + horizon gets a forecast and the fit warns once."""
    long = make_long(n_series=3)
    short = pd.DataFrame({"unique_id": "tiny", "ds": pd.date_range("2003-01-01", periods=5,
                                                                   freq="MS"), "y": 1.0})
    with pytest.warns(UserWarning, match="1 of 4 series have fewer than 11 rows") as record:
        fitted = model().fit(pd.concat([long, short]))
    assert len([w for w in record if "fewer than" in str(w.message)]) == 1
    out = fitted.predict()
    tiny = out[out["unique_id"] == "tiny"]
    assert len(tiny) == H and np.isfinite(tiny["y"]).all()
    assert tiny["ds"].iloc[0] == pd.Timestamp("2003-06-01")


def test_rolling_forecasts_of_a_panel_equal_those_of_each_series():
    """Check one batched predict_rolling over a panel equals it series by series, and score
    pools the origins of all series."""
    long = make_long(n_series=3)
    fitted = model().fit(long)
    rolling = fitted.predict_rolling(long).set_index(["unique_id", "ds"])
    for key, group in long.groupby("unique_id"):
        alone = fitted.predict_rolling(group)
        np.testing.assert_allclose(rolling.loc[key].to_numpy(), alone.drop(
            columns=["unique_id", "ds"]).to_numpy(), rtol=1e-6)
    assert -1 < fitted.score(long) <= 1


def test_past_and_static_covariates_per_series():
    """Check other value columns are past covariates and static columns reach the network."""
    long = make_long(n_series=3)
    long["price"] = np.cos(np.arange(len(long)))
    long["size"] = long["unique_id"].map({"s0": 1.0, "s1": 2.0, "s2": 3.0})
    fitted = model(columns={"static": ["size"]}, epochs=15, lr=0.03).fit(long)
    assert fitted.n_features_in_ == 2 and list(fitted.feature_names_in_) == ["y", "price"]
    assert fitted.static_.tolist() == [[1.0], [2.0], [3.0]]
    assert fitted.predict().shape == (3 * H, 3)
    changed = fitted.predict(long.assign(size=long["size"] * 5))
    assert not np.allclose(changed["y"], fitted.predict(long)["y"])


@pytest.mark.parametrize(
    ("edit", "error", "match"),
    [
        (lambda d: pd.concat([d, d.iloc[[3]]]), ValueError, "duplicate \\(series, time\\).*'s0'"),
        (lambda d: d.assign(y=np.where(np.arange(len(d)) == 60, np.nan, d["y"])), ValueError,
         "NaN or infinite"),
        (lambda d: d.drop(index=70), ValueError, "time labels of series 's1' leave"),
        (lambda d: d.assign(ds=d["ds"].astype(str)), TypeError, "datetimes, periods or int"),
        (lambda d: d.drop(columns="ds"), ValueError, "no time column 'ds'"),
        (lambda d: d.rename(columns={"unique_id": "store"}), TypeError,
         "columns={'id': 'store'}"),
    ],
)
def test_bad_panels_raise_errors_that_say_how_to_fix_them(edit, error, match):
    """Check duplicates, NaN, gaps, text dates, a missing time column and an unnamed id column."""
    with pytest.raises(error, match=match):
        model().fit(edit(make_long()))


def test_series_at_different_frequencies_raise_naming_the_series():
    """Check a panel mixing a monthly and a daily series names the one off the grid."""
    long = make_long(n_series=2)
    daily = pd.DataFrame({"unique_id": "d", "ds": pd.date_range("2001-01-01", periods=30),
                          "y": 1.0})
    with pytest.raises(ValueError, match="time labels of series 'd' leave the <MonthBegin> grid"):
        model().fit(pd.concat([long, daily]))


def test_a_static_column_that_varies_within_a_series_raises():
    """Check static covariates must be constant per series."""
    long = make_long(n_series=2).assign(size=lambda d: np.arange(len(d), dtype=float))
    with pytest.raises(ValueError, match="static column 'size' changes within series 's0'"):
        model(columns={"static": "size"}).fit(long)


def test_a_panel_model_saves_loads_and_pickles():
    """Check save/load and pickle keep a panel model's forecasts exactly."""
    import pickle

    import tsforecast

    long = make_long(n_series=3)
    fitted = model().fit(long)
    path = "panel_model.tsf"
    try:
        fitted.save(path)
        pd.testing.assert_frame_equal(tsforecast.load(path).predict(), fitted.predict())
    finally:
        import os

        os.remove(path)
    pd.testing.assert_frame_equal(pickle.loads(pickle.dumps(fitted)).predict(), fitted.predict())


def test_a_shorter_list_context_holds_new_series_not_the_fitted_ones_by_position():
    """Check fit([a, b]) then predict([b]): b is forecast with its own scaling (as a new
    series), not with a's by position; a dict keyed by position picks the fitted series."""
    t = np.arange(60)
    a = 10 + np.sin(t / 3)
    b = 1000 + 50 * np.cos(t / 5)
    fitted = model().fit([a, b])
    alone = fitted.predict([b])[0]
    np.testing.assert_array_equal(alone, fitted.predict({"new": b})["new"])
    assert np.all(np.abs(alone - 1000) < 200)  # near b's level, not a's
    np.testing.assert_array_equal(fitted.predict({1: b})[1], fitted.predict()[1])
    np.testing.assert_array_equal(fitted.predict([a, b])[1], fitted.predict()[1])
