"""Behaviour tests for LSTMClassifier and LSTMRegressor through the public API."""

import pickle
import re

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone

from tsforecast import LSTMClassifier, LSTMRegressor

TINY = {"hidden_size": 4, "epochs": 2, "batch_size": 16, "random_state": 0, "device": "cpu"}


@pytest.fixture
def sequences():
    """40 sequences of 6 steps x 2 features, as a 3-D array."""
    return np.random.default_rng(0).normal(size=(40, 6, 2))


@pytest.fixture
def labels(sequences):
    """Three string classes that depend on the sequences."""
    total = sequences[:, :, 0].sum(axis=1)
    return np.where(total > 1, "up", np.where(total < -1, "down", "flat"))


def test_classifier_predict_and_proba_shapes(sequences, labels):
    """Check that predict gives one label per sequence and predict_proba sums to one."""
    clf = LSTMClassifier(**TINY).fit(sequences, labels)
    proba = clf.predict_proba(sequences[:7])
    assert proba.shape == (7, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    assert clf.predict(sequences[:7]).shape == (7,)


def test_classifier_string_labels_give_sorted_classes(sequences, labels):
    """Check that string labels come back as labels and classes_ are sorted."""
    clf = LSTMClassifier(**TINY).fit(sequences, labels)
    assert list(clf.classes_) == ["down", "flat", "up"]
    assert set(clf.predict(sequences)) <= {"down", "flat", "up"}
    np.testing.assert_array_equal(
        clf.predict(sequences), clf.classes_[clf.predict_proba(sequences).argmax(axis=1)]
    )


def test_classifier_rejects_single_class(sequences):
    """Check that one class fails with a message naming the class."""
    with pytest.raises(ValueError, match="only one class"):
        LSTMClassifier(**TINY).fit(sequences, ["a"] * len(sequences))


@pytest.mark.parametrize("estimator", [LSTMClassifier, LSTMRegressor])
def test_2d_and_3d_input_give_same_model(sequences, labels, estimator):
    """Check that (N, L*H) with sequence_length=L fits and predicts as (N, L, H)."""
    y = labels if estimator is LSTMClassifier else sequences.sum(axis=(1, 2))
    flat = sequences.reshape(len(sequences), -1)
    model_3d = estimator(**TINY).fit(sequences, y)
    model_2d = estimator(sequence_length=6, **TINY).fit(flat, y)
    assert (model_2d.sequence_length_, model_2d.n_step_features_) == (6, 2)
    if estimator is LSTMClassifier:
        np.testing.assert_allclose(model_2d.predict_proba(flat), model_3d.predict_proba(sequences))
    else:
        np.testing.assert_allclose(model_2d.predict(flat), model_3d.predict(sequences))


def test_sequence_length_none_reads_one_feature_per_column(sequences):
    """Check that a 2-D X with sequence_length=None is n_columns steps of one feature."""
    flat = sequences.reshape(len(sequences), -1)
    reg = LSTMRegressor(**TINY).fit(flat, flat.sum(axis=1))
    assert (reg.sequence_length_, reg.n_step_features_, reg.n_features_in_) == (12, 1, 12)


def test_sequence_length_must_divide_columns(sequences):
    """Check that a width that sequence_length does not divide fails with both numbers."""
    flat = sequences.reshape(len(sequences), -1)
    with pytest.raises(ValueError, match="X has 12 columns, which sequence_length=5 does not"):
        LSTMRegressor(sequence_length=5, **TINY).fit(flat, flat.sum(axis=1))


def test_sequence_length_must_match_3d_steps(sequences):
    """Check that a sequence_length that contradicts a 3-D X fails."""
    with pytest.raises(ValueError, match="sequence_length=4 but the 3-D X has 6 time steps"):
        LSTMRegressor(sequence_length=4, **TINY).fit(sequences, sequences.sum(axis=(1, 2)))


@pytest.mark.parametrize(
    ("value", "error"), [(0, ValueError), (2.0, TypeError), ("6", TypeError)]
)
def test_sequence_length_is_checked(sequences, value, error):
    """Check that a bad sequence_length names the parameter and the value."""
    message = f"sequence_length must be an int >= 1; got sequence_length={value!r}"
    with pytest.raises(error, match=message):
        LSTMRegressor(sequence_length=value, **TINY).fit(sequences, sequences.sum(axis=(1, 2)))


@pytest.mark.parametrize("n_outputs", [1, 3])
def test_regressor_multi_output_shapes(sequences, n_outputs):
    """Check that y of shape (N,) predicts (N,) and y of shape (N, k) predicts (N, k)."""
    y = sequences[:, -1, :1].repeat(n_outputs, axis=1) * np.arange(1, n_outputs + 1)
    reg = LSTMRegressor(**TINY).fit(sequences, y)
    assert reg.n_outputs_ == n_outputs
    assert reg.predict(sequences).shape == (40, n_outputs)
    assert LSTMRegressor(**TINY).fit(sequences, y[:, 0]).predict(sequences).shape == (40,)


def test_regressor_predictions_are_in_target_units(sequences):
    """Check that targets are scaled for training and scaled back: predictions sit near y."""
    y = 1000.0 + 5.0 * sequences[:, :, 0].sum(axis=1)
    reg = LSTMRegressor(**TINY).fit(sequences, y)
    assert reg.target_scaler_.offset[0] == pytest.approx(y.mean(), rel=0.05)
    assert abs(reg.predict(sequences).mean() - 1000.0) < 50


def test_regressor_learns_a_simple_mapping():
    """Check that a few epochs learn 'y is the last step' far better than the mean."""
    X = np.random.default_rng(1).normal(size=(256, 5, 1))
    y = X[:, -1, 0]
    reg = LSTMRegressor(hidden_size=8, epochs=30, lr=1e-2, random_state=0, device="cpu")
    assert reg.fit(X, y).score(X, y) > 0.8


def test_scaling_uses_training_sequences_only(sequences):
    """Check that the feature scaler is fitted on the training part, not on validation."""
    X = sequences.copy()
    reg = LSTMRegressor(validation_fraction=0.25, **TINY).fit(X, X.sum(axis=(1, 2)))
    all_mean = X.reshape(-1, 2).mean(axis=0)
    assert not np.allclose(reg.scaler_.offset, all_mean)
    reg_all = LSTMRegressor(validation_fraction=0.0, **TINY).fit(X, X.sum(axis=(1, 2)))
    np.testing.assert_allclose(reg_all.scaler_.offset, all_mean)
    np.testing.assert_array_equal(X, sequences)  # input not modified


def test_classifier_validation_split_is_stratified():
    """Check that each class gets validation sequences in proportion (seeded split)."""
    X = np.random.default_rng(2).normal(size=(100, 3, 1))
    y = np.repeat(["a", "b"], [80, 20])
    clf = LSTMClassifier(validation_fraction=0.2, **TINY)
    train, val = clf._split(len(y), stratify=(y == "b").astype(int))
    assert (y[val] == "b").sum() == 4 and len(val) == 20
    assert len(np.intersect1d(train, val)) == 0
    clf.fit(X, y)  # and fit uses it without complaint


@pytest.mark.parametrize("estimator", [LSTMClassifier, LSTMRegressor])
def test_same_random_state_gives_identical_predictions(sequences, labels, estimator):
    """Check that two fits with the same random_state predict identically."""
    y = labels if estimator is LSTMClassifier else sequences.sum(axis=(1, 2))
    method = "predict_proba" if estimator is LSTMClassifier else "predict"
    first = getattr(estimator(**TINY).fit(sequences, y), method)(sequences)
    second = getattr(estimator(**TINY).fit(sequences, y), method)(sequences)
    np.testing.assert_array_equal(first, second)
    other = getattr(estimator(**{**TINY, "random_state": 1}).fit(sequences, y), method)(sequences)
    assert not np.allclose(first, other)


def test_fit_leaves_global_torch_rng_alone(sequences, labels):
    """Check that fitting does not advance the caller's global torch RNG."""
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    LSTMClassifier(**TINY).fit(sequences, labels)
    torch.testing.assert_close(torch.rand(3), expected)


@pytest.mark.parametrize("estimator", [LSTMClassifier, LSTMRegressor])
def test_pickle_and_clone_round_trip(sequences, labels, estimator):
    """Check that a pickled model predicts the same and a clone keeps params, not state."""
    y = labels if estimator is LSTMClassifier else sequences.sum(axis=(1, 2))
    model = estimator(sequence_length=6, **TINY).fit(sequences.reshape(40, -1), y)
    restored = pickle.loads(pickle.dumps(model))
    flat = sequences.reshape(40, -1)
    np.testing.assert_array_equal(restored.predict(flat), model.predict(flat))
    twin = clone(model)
    assert twin.get_params() == model.get_params()
    assert not hasattr(twin, "module_")


def test_nan_in_x_is_rejected(sequences, labels):
    """Check that NaN in X fails at fit and at predict, naming X."""
    bad = sequences.copy()
    bad[3, 2, 1] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        LSTMClassifier(**TINY).fit(bad, labels)
    clf = LSTMClassifier(**TINY).fit(sequences, labels)
    with pytest.raises(ValueError, match="Input X contains NaN"):
        clf.predict(bad)


def test_nan_in_y_is_rejected(sequences):
    """Check that NaN in a regression target fails, naming y."""
    y = sequences.sum(axis=(1, 2))
    y[0] = np.nan
    with pytest.raises(ValueError, match="Input y contains NaN"):
        LSTMRegressor(**TINY).fit(sequences, y)


@pytest.mark.parametrize("shape", [(12,), (2, 3, 4, 5)])
def test_wrong_ndim_says_what_was_received(shape, labels):
    """Check that 1-D and 4-D X fail with the shape received and the shapes expected."""
    X = np.zeros(shape)
    with pytest.raises(ValueError, match=re.escape(f"got a {len(shape)}-D X of shape {shape}")):
        LSTMClassifier(**TINY).fit(X, labels[: shape[0]])


def test_one_unbatched_sequence_at_predict_gets_a_hint(sequences, labels):
    """Check that one (L, H) sequence at predict is explained, not misread as a batch."""
    clf = LSTMClassifier(**TINY).fit(sequences, labels)
    with pytest.raises(ValueError, match=r"X has shape \(6, 2\), which looks like one sequence"):
        clf.predict(sequences[0])
    assert clf.predict(sequences[0][None]).shape == (1,)


def test_wrong_features_at_predict_are_rejected(sequences, labels):
    """Check that predict rejects other per-step features, steps or 2-D widths than at fit."""
    clf = LSTMClassifier(**TINY).fit(sequences, labels)
    with pytest.raises(ValueError, match=r"sequences of 6 step\(s\) x 3 feature\(s\), but"):
        clf.predict(np.zeros((4, 6, 3)))
    with pytest.raises(ValueError, match=r"sequences of 5 step\(s\) x 2 feature\(s\), but"):
        clf.predict(np.zeros((4, 5, 2)))
    flat = LSTMClassifier(sequence_length=6, **TINY).fit(sequences.reshape(40, -1), labels)
    with pytest.raises(ValueError, match="X has 10 features, but LSTMClassifier is expecting 12"):
        flat.predict(np.zeros((4, 10)))


def test_dataframe_input_records_feature_names(sequences):
    """Check that a DataFrame X sets feature_names_in_ and predicts like its values."""
    flat = sequences.reshape(40, -1)
    frame = pd.DataFrame(flat, columns=[f"t{i // 2}_f{i % 2}" for i in range(12)])
    y = flat.sum(axis=1)
    reg = LSTMRegressor(sequence_length=6, **TINY).fit(frame, y)
    assert list(reg.feature_names_in_) == list(frame.columns)
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        from_array = reg.predict(flat)
    np.testing.assert_allclose(reg.predict(frame), from_array)


def test_predict_before_fit_raises_not_fitted(sequences):
    """Check that predict before fit raises NotFittedError."""
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        LSTMRegressor(**TINY).predict(sequences)


def test_common_parameters_are_checked_by_name(sequences):
    """Check that the shared network parameters are checked with the parameter's name."""
    with pytest.raises(ValueError, match="proj_size must be smaller than hidden_size"):
        LSTMRegressor(hidden_size=4, proj_size=4).fit(sequences, sequences.sum(axis=(1, 2)))
    with pytest.raises(ValueError, match="scaler must be one of"):
        LSTMRegressor(scaler="robust", **TINY).fit(sequences, sequences.sum(axis=(1, 2)))


def test_stacked_bidirectional_projected_network_trains(sequences, labels):
    """Check that num_layers, dropout, bidirectional and proj_size reach the network."""
    clf = LSTMClassifier(
        hidden_size=6, num_layers=2, dropout=0.1, bidirectional=True, proj_size=3,
        epochs=2, random_state=0, device="cpu",
    ).fit(sequences, labels)
    lstm = clf.module_.lstm
    assert (lstm.num_layers, lstm.bidirectional, lstm.proj_size) == (2, True, 3)
    assert clf.predict_proba(sequences).shape == (40, 3)


def test_too_few_sequences_for_validation(sequences, labels):
    """Check that a validation split that leaves nothing to train on names the fix."""
    with pytest.raises(ValueError, match="leaves no training sequence from 1 sample"):
        LSTMRegressor(**TINY).fit(sequences[:1], [1.0])
