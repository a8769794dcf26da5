"""Inference runs the network on pieces of ``FORWARD_CHUNK`` windows on a one-thread CPU (it
is faster there than one large call); every output, loss and forecast must stay bitwise what one
call per ``PREDICT_CHUNK`` gives. "One call" is emulated by raising ``FORWARD_CHUNK`` above any
batch, which is exactly the code path before the pieces.
"""

import numpy as np
import pytest
import torch

from tsforecast import LSTMForecaster, _training
from tsforecast._nn import LSTMNet
from tsforecast._torch_utils import torch_threads

NETWORKS = {
    "last state, one output": dict(input_size=1, output_size=1, hidden_size=64),
    "sequence head, instance norm": dict(input_size=1, output_size=12, hidden_size=64,
                                         head_steps=12, instance_norm="last"),
    "one output, five inputs": dict(input_size=5, output_size=1, hidden_size=8),
    "two layers, two targets, season": dict(input_size=3, output_size=24, hidden_size=32,
                                            num_layers=2, n_targets=2, instance_norm="mean",
                                            season=7),
    "bidirectional": dict(input_size=2, output_size=5, hidden_size=16, bidirectional=True),
    "quantiles": dict(input_size=2, output_size=6, hidden_size=16, n_quantiles=3,
                      instance_norm="last"),
}
# Remainders of every size around the piece boundaries, and more than one PREDICT_CHUNK.
LENGTHS = [1023, 1024, 1025, 1031, 1039, 1040, 1041, 1536, 1551, 2049, 3001, 8192, 8193, 9000]


def one_call(monkeypatch):
    monkeypatch.setattr(_training, "FORWARD_CHUNK", 10**9)


@pytest.mark.parametrize("name", list(NETWORKS))
def test_pieces_give_the_outputs_of_one_call(name, monkeypatch):
    """Check predict_module's outputs with pieces against one call, window by window."""
    torch.manual_seed(0)
    network = NETWORKS[name]
    module = LSTMNet(**network)
    with torch.no_grad():
        for parameter in module.head.parameters():  # a trained head, not the zero start
            parameter.normal_(0, 0.1)
    inputs = 3 * torch.randn(max(LENGTHS), 24, network["input_size"])
    with torch_threads(1):
        pieces = {n: _training.predict_module(module, inputs[:n]) for n in LENGTHS}
        one_call(monkeypatch)
        for n in LENGTHS:
            assert torch.equal(pieces[n], _training.predict_module(module, inputs[:n])), n


@pytest.mark.parametrize("threads", [1, 2])
def test_the_network_runs_on_pieces_on_a_one_thread_cpu_only(threads):
    """Check that the pieces are what runs on one thread (the test above would pass without
    them), and that several threads keep one call (their one-output Linear is not bitwise the
    same on pieces)."""
    calls = []
    module = LSTMNet(input_size=1, output_size=1, hidden_size=8)
    module.register_forward_hook(lambda _, args, out: calls.append(len(args[0])))
    chunk = _training.FORWARD_CHUNK
    with torch_threads(threads):
        _training.predict_module(module, torch.zeros(3 * chunk + 7, 4, 1))
    assert calls == ([chunk, chunk, chunk + 7] if threads == 1 else [3 * chunk + 7])


def series(n):
    rng = np.random.default_rng(0)
    t = np.arange(n)
    return np.sin(2 * np.pi * t / 24) + 0.3 * rng.standard_normal(n) + t / n


FITS = {
    "one output, validation": dict(window=24, horizon=1, validation_fraction=0.4),
    "direct horizon, no validation": dict(window=12, horizon=6, validation_fraction=0.0),
    "quantiles": dict(window=12, horizon=3, quantiles=(0.1, 0.5, 0.9)),
}


@pytest.mark.parametrize("name", list(FITS))
def test_fits_and_forecasts_are_those_of_one_call(name, monkeypatch):
    """Check a fit whose initial, validation and forecast passes span several pieces: the same
    history (initial loss, losses, validation losses), best epoch, weights and forecasts."""
    values = series(3200)
    params = dict(epochs=2, batch_size=512, early_stopping=False, n_threads=1, device="cpu",
                  random_state=0, **FITS[name])

    def run():
        model = LSTMForecaster(**params).fit(values[:3000])
        return model, model.predict(), model.predict_rolling(values[2000:])

    model, forecast, rolling = run()
    one_call(monkeypatch)
    reference, reference_forecast, reference_rolling = run()
    assert model.history_ == reference.history_
    assert model.best_epoch_ == reference.best_epoch_
    weights, reference_weights = model.module_.state_dict(), reference.module_.state_dict()
    assert all(torch.equal(weights[key], reference_weights[key]) for key in weights)
    np.testing.assert_array_equal(forecast, reference_forecast)
    np.testing.assert_array_equal(rolling, reference_rolling)


def test_an_all_zero_head_skips_the_lstm_and_outputs_what_running_it_gives():
    """Check that an inference pass of a network whose head is still all zeros (its start under
    instance_norm) does not run the LSTM, and outputs exactly the reference forecast that
    running it gives; training and trained heads run it."""
    torch.manual_seed(0)
    net = LSTMNet(input_size=2, output_size=6, hidden_size=5, n_targets=2, head_steps=3,
                  instance_norm="last").eval()
    x = torch.randn(40, 8, 2)
    calls = []
    net.lstm.register_forward_hook(lambda *args: calls.append(1))
    with torch.no_grad():
        skipped = net(x)
    assert calls == []
    with torch.no_grad():
        net.head.weight[0, 0] = 1e-30  # not all zero: the LSTM runs
        ran = net(x)
        net.head.weight.zero_()
    assert calls == [1]
    torch.testing.assert_close(skipped, ran, rtol=0, atol=1e-12)
    torch.testing.assert_close(skipped, x[:, -1:, :2].repeat(1, 3, 1).reshape(40, 6),
                               rtol=0, atol=0)
    net.train()
    net(x)  # with gradients in training: the LSTM runs
    assert calls == [1, 1]


def test_the_untrained_loss_is_measured_on_evenly_spaced_windows_of_a_large_set(monkeypatch):
    """Check that history_["initial_loss"] reads at most INITIAL_LOSS_WINDOWS windows, evenly
    spaced over the monitored ones, and every window of a smaller set."""
    seen = []
    real = _training.evaluate_loss

    def spy(module, batches, idx, loss_fn, shard=None):
        seen.append(idx.clone())
        return real(module, batches, idx, loss_fn, shard)

    monkeypatch.setattr(_training, "evaluate_loss", spy)
    monkeypatch.setattr(_training, "INITIAL_LOSS_WINDOWS", 50)
    series = np.sin(np.arange(400) / 7)
    LSTMForecaster(window=8, epochs=1, validation_fraction=0.0, random_state=0,
                   device="cpu").fit(series)
    first = seen[0]
    assert len(first) == 50 and first[0] == 0 and bool((first.diff() > 0).all())
    assert int(first[-1]) >= 392 - 392 // 50 - 1  # spread to the end of the 392 windows
    seen.clear()
    LSTMForecaster(window=8, epochs=1, validation_fraction=0.0, random_state=0,
                   device="cpu").fit(series[:50])
    assert len(seen[0]) == 50 - 8  # fewer than the cap: every window
