"""Defaults chosen from the data: the settings LSTMForecaster leaves at "auto" (``network=None``,
``scaler="auto"``, ``loss="auto"``) are chosen among a few candidate models, each fitted on
the training windows and scored on the validation windows of every series, as AutoETS chooses
among its models by their fit.

The score of a candidate is the geometric mean over series of its mean absolute error on the
series' validation windows, in data units, divided by the series' in-sample seasonal naive
error (MASE's scale): the accuracy measure users compare forecasters by.
"""

from __future__ import annotations

import warnings
from dataclasses import replace

import numpy as np

from ._distributed import active, all_gather
from ._forecasting import rolling
from ._panel import Panel
from ._state import ForecasterState
from ._windowing import window_index
from .metrics import naive_mae
from .networks import HybridNetwork, LSTMNetwork, network_settings

# (name, network, scaler, loss), in order of preference on ties and without validation windows.
# One series gets the first without a choice: its few validation windows choose at random, and
# the first is the most accurate one series at a time (docs/accuracy.md).
CHOICE_SERIES = 100  # a larger panel is chosen (and calibrated) on this many of its series
CANDIDATES = (
    ("lstm", LSTMNetwork, "standard", "mse"),
    ("hybrid", HybridNetwork, "naive", "mae"),
    ("lstm-mae", LSTMNetwork, "naive", "mae"),
)


def is_auto(params: dict) -> bool:
    """Whether any setting is left to the data."""
    return params["network_auto"] or params["scaler"] == "auto" or params["loss"] == "auto"


def candidates(params: dict) -> list[tuple[str, dict]]:
    """The candidate settings: each of CANDIDATES with the settings the user gave kept, the
    duplicates that leaves dropped."""
    out, seen = [], set()
    for name, network, scaler, loss in CANDIDATES:
        settings = dict(params)
        if params["network_auto"]:
            if network is HybridNetwork and params["future_columns"]:
                continue  # the hybrid reads no future-known columns
            settings.update(network_settings(network()))
        elif (params["instance_norm"] == "level") != (network is HybridNetwork):
            continue  # the user chose the network's kind
        if params["scaler"] == "auto":
            settings["scaler"] = scaler
        if params["loss"] == "auto":
            settings["loss"] = loss
        key = (settings["instance_norm"], settings["scaler"], settings["loss"])
        if key not in seen:
            seen.add(key)
            out.append((name, settings))
    return out


def choose(params: dict, panel: Panel, has_y: bool, fit) -> tuple[dict, ForecasterState]:
    """Fit every candidate with ``fit(settings, panel, has_y)`` (one training run, before any
    retrain on every window: the validation windows must stay unseen); return the settings
    and state of the one with the best validation score, its ``model`` recording the choice.

    A panel of more than CHOICE_SERIES series (on this rank) is chosen on CHOICE_SERIES of
    them, evenly spaced, and the chosen candidate is then fitted on every series."""
    options = candidates(params)
    if panel.n_series == 1 or len(options) == 1:  # one series: the first (see CANDIDATES)
        name, settings = options[0]
        return settings, replace(fit(settings, panel, has_y),
                                 model=describe(settings, name, None))
    sample = sampled(panel)
    scored = []
    for name, settings in options:
        with warnings.catch_warnings():
            if scored or sample is not panel:  # the data's warnings come with one fit
                warnings.simplefilter("ignore")
            state = fit(settings, sample, has_y)
        # the networks' own forecasts compete (smoothing, where on, is the same for all)
        own = replace(state, smoothing=None)
        scored.append((validation_score(own, sample, settings), name, settings, state))
    finite = [entry for entry in scored if np.isfinite(entry[0])]
    _, name, settings, state = min(finite, key=lambda entry: entry[0]) if finite else scored[0]
    if sample is not panel:
        state = fit(settings, panel, has_y)
    scores = {entry[1]: entry[0] for entry in scored}
    return settings, replace(state, model=describe(settings, name, scores))


def sampled(panel: Panel) -> Panel:
    """``panel``, or CHOICE_SERIES of its series, evenly spaced, when it holds more."""
    if panel.n_series <= CHOICE_SERIES:
        return panel
    return panel.take(np.arange(CHOICE_SERIES) * panel.n_series // CHOICE_SERIES)


def describe(settings: dict, name: str, scores: dict | None) -> dict:
    """``model_``: the network's kind and the scaler and loss trained with, and the candidates'
    validation scores (None when nothing was chosen)."""
    network = "HybridNetwork" if settings["instance_norm"] == "level" else "LSTMNetwork"
    if settings["ensemble"] is not None:
        network = f"Ensemble of {network}"
    return {"network": network, "scaler": settings["scaler"], "loss": settings["loss"],
            "chosen": name, "scores": scores}


def validation_score(state: ForecasterState, panel: Panel, settings: dict) -> float:
    """The geometric mean over series (distributed: every rank's) of the validation MAE over
    the in-sample seasonal naive MAE; NaN without validation windows."""
    windows = window_index(panel.offsets, state.window, state.horizon,
                           settings["validation_fraction"])
    total = np.zeros(2)
    if windows.n_val:
        starts, series = windows.val_starts, windows.val_series
        forecasts = rolling(state, panel, starts, series)  # (N, H, T)
        rows = starts[:, None] + state.window + np.arange(state.horizon)  # (N, H)
        errors = np.abs(forecasts - panel.values[rows, : state.n_targets]).mean(axis=(1, 2))
        counts = np.bincount(series, minlength=panel.n_series)
        mae = np.bincount(series, errors, panel.n_series) / np.maximum(counts, 1)
        ends = windows.fit_rows[:, None]
        scale = naive_mae(panel.values[:, : state.n_targets], panel.offsets, state.season,
                          ends)[:, 0].mean(axis=1)  # (n_series,)
        ok = (counts > 0) & np.isfinite(scale) & (scale > 0) & np.isfinite(mae)
        ratios = np.log(np.maximum(mae[ok], 1e-12) / scale[ok])
        total = np.array([ratios.sum(), ok.sum()])
    if active():
        total = np.sum(all_gather(total), axis=0)
    return float(np.exp(total[0] / total[1])) if total[1] else float("nan")


def resolved(params: dict, state: ForecasterState) -> dict:
    """``params`` with the settings left to the data replaced by those the fit chose."""
    if state.model is None or not is_auto(params):
        return params
    chosen = state.model
    settings = dict(params, scaler=chosen["scaler"], loss=chosen["loss"])
    if params["network_auto"]:
        kind = HybridNetwork if chosen["network"] == "HybridNetwork" else LSTMNetwork
        settings.update(network_settings(kind()))
    return settings
