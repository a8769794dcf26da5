"""The parameters, checks and training step that every LSTM estimator shares.

Sits between the torch layers (_nn, _training, _torch_utils) and the public estimators; it knows
nothing about forecasting windows or class labels.
"""

from __future__ import annotations

import copy
import functools
import math
from dataclasses import replace
from types import SimpleNamespace
from typing import NamedTuple

import numpy as np
import torch
from sklearn.base import BaseEstimator

from . import _distributed, persistence
from ._nn import LSTMNet
from ._torch_utils import (
    check_threads,
    make_seed,
    resolve_device,
    resolve_threads,
    seeded,
    torch_threads,
    usable_device,
)
from ._training import train_module
from ._validation import check_bool, check_float, check_int
from ._warnings import warn
from .networks import LSTMNetwork


def with_torch_threads(method):
    """Run a public method (fit, predict, ...) under the estimator's ``n_threads`` setting.

    ``torch.set_num_threads`` is set on entry and the caller's count restored on exit.
    """

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        n = resolve_threads(getattr(self, "n_threads", "auto"), _hidden_size(self),
                            self.batch_size)
        with torch_threads(n):
            return method(self, *args, **kwargs)

    return wrapper


def check_common_params(params: dict) -> None:
    """Check the network and training parameters of any estimator; raise with the name."""
    p = SimpleNamespace(**params)
    check_int("hidden_size", p.hidden_size, 1)
    check_int("num_layers", p.num_layers, 1)
    check_float("dropout", p.dropout, 0.0, 1.0)
    check_bool("bidirectional", p.bidirectional)
    check_int("proj_size", p.proj_size, 0)
    if p.proj_size >= p.hidden_size:
        raise ValueError(
            f"proj_size must be smaller than hidden_size; got proj_size={p.proj_size} "
            f"and hidden_size={p.hidden_size}. Use proj_size=0 for no projection."
        )
    check_int("epochs", p.epochs, 1)
    check_int("batch_size", p.batch_size, 1)
    check_float("lr", p.lr, 0.0, math.inf, closed="neither")
    check_float("validation_fraction", p.validation_fraction, 0.0, 1.0)
    check_bool("early_stopping", p.early_stopping)
    check_int("patience", p.patience, 1)
    check_int("verbose", p.verbose, 0)
    if p.gradient_clip is not None:
        check_float("gradient_clip", p.gradient_clip, 0.0, math.inf, closed="neither")
    resolve_device(p.device)
    check_threads(params.get("n_threads", "auto"))


class Trained(NamedTuple):
    """A trained network and how it got there."""

    module: torch.nn.Module
    history: dict
    best_epoch: int
    net_config: dict  # the LSTMNet arguments, so that save/load can rebuild the network


def train_network(
    params: dict, device, input_size, output_size, batches, train_idx, val_idx, loss_fn,
    net_options=None, *, estimator: str, data_parallel: bool, agree=None, series_ids=None,
) -> Trained:
    """Build and train the network of an estimator with parameters ``params``.

    Sets nothing anywhere, so that a fit that fails leaves a fitted model intact. Under a
    process group, an estimator that trains ``data_parallel`` checks that every rank agrees on
    ``params``, the network and ``agree``, and that no two ranks share ``series_ids``.
    """
    p = SimpleNamespace(**params)
    seed = make_seed(p.random_state)
    net_config = {
        "input_size": input_size,
        "output_size": output_size,
        "hidden_size": p.hidden_size,
        "num_layers": p.num_layers,
        "dropout": p.dropout,
        "bidirectional": p.bidirectional,
        "proj_size": p.proj_size,
        **(net_options or {}),
    }
    shared = {key: value for key, value in params.items()  # may differ: "cuda:<local rank>"
              if key not in ("verbose", "device", "n_threads")}
    signature = {"estimator": estimator, "device": device.type, **shared, **net_config,
                 **(agree or {})}
    distributed, seed = _check_distributed(signature, data_parallel, series_ids, seed)
    train = functools.partial(
        train_module,
        batches=batches,
        train_idx=train_idx,
        val_idx=val_idx,
        loss_fn=loss_fn,
        epochs=p.epochs,
        batch_size=p.batch_size,
        lr=p.lr,
        patience=p.patience if p.early_stopping else None,
        verbose=p.verbose,
        gradient_clip=p.gradient_clip,
        distributed=distributed,
    )
    result = None
    with seeded(seed, device) as generator:  # a lock: threads take turns in here
        module = LSTMNet(**net_config).to(device)
        if module.lstm.dropout > 0:
            # nn.LSTM's dropout between layers draws from torch's global RNG and takes no
            # generator, so these fits train under the lock, one thread at a time.
            result = train(module, generator=generator)
    if result is None:  # shuffling draws from ``generator`` only: threads train in parallel
        result = train(module, generator=generator)
    return Trained(module, result.history, result.best_epoch, net_config)


def _check_distributed(signature: dict, data_parallel: bool, series_ids, seed):
    """(whether this fit trains data-parallel, the seed); raise on every rank when the
    ranks differ. Every rank takes rank 0's seed (random_state=None draws one per rank)."""
    if not _distributed.active():
        return False, seed
    if not data_parallel:
        warn(
            f"{signature['estimator']} does not train data-parallel: this process fits on its "
            f"own data only, although a torch.distributed process group is initialised. "
            f"Wrap the fit in tsforecast.distributed.local_fits() to silence this."
        )
        return False, seed
    if not isinstance(signature["random_state"], (int, np.integer)):
        # None or a RandomState: rank 0's draw is used
        signature = {key: value for key, value in signature.items() if key != "random_state"}
    _distributed.check_agreement(signature, series_ids)
    return True, _distributed.all_gather(seed)[0]


def _hidden_size(estimator) -> int:
    """The hidden size of an estimator's LSTM: its own parameter, or its network's."""
    if hasattr(estimator, "hidden_size"):
        return estimator.hidden_size
    network = getattr(estimator, "network", None)
    if network is None or not isinstance(network, LSTMNetwork):  # checked, with a message, at fit
        network = LSTMNetwork()
    return network.hidden_size


class _LSTMBase(BaseEstimator):
    """Network and training options shared by LSTMForecaster, LSTMClassifier and LSTMRegressor."""

    # Whether fit trains data-parallel when a torch.distributed process group is initialised
    # (its data must then be exact when split across ranks, as per-series scaling is).
    _data_parallel = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        persistence.register(cls)  # files may name it

    def _check_common_params(self) -> None:
        """Check the network and training parameters; raise with the parameter's name."""
        check_common_params(self.get_params(deep=False))

    def _fit_module(
        self, input_size, output_size, batches, train_idx, val_idx, loss_fn, net_options=None
    ):
        """Build the network on ``device_`` and train it; sets module_, history_, best_epoch_.

        ``net_options`` holds estimator-specific LSTMNet options (e.g. the forecaster's head).
        """
        self.module_, self.history_, self.best_epoch_, self._net_config = train_network(
            self.get_params(deep=False), self.device_, input_size, output_size, batches,
            train_idx, val_idx, loss_fn, net_options, estimator=type(self).__name__,
            data_parallel=self._data_parallel,
        )

    def save(self, path) -> None:
        """Write the estimator to one file that :func:`tsforecast.load` reads back.

        The file is a zip of ``metadata.json`` (parameters, fitted attributes, versions) and
        ``weights.safetensors`` (the network's tensors); loading it runs no code from the file.
        See ``docs/persistence.md`` for the format.

        Parameters
        ----------
        path : str or os.PathLike
            Where to write; an existing file is replaced only once the new one is complete.
        """
        persistence.save(self, path)

    @classmethod
    def load(cls, path):
        """Read an estimator of this class written by :meth:`save`.

        Parameters
        ----------
        path : str or os.PathLike
            A file written by :meth:`save`.

        Returns
        -------
        estimator : instance of this class
            Raises TypeError when the file holds another estimator class.
        """
        return persistence.load(path, expected=cls)

    def __getstate__(self):
        """Pickle the network's weights on the CPU so the pickle loads on any machine."""
        state = dict(super().__getstate__())
        if "module_" in state:
            state["module_"] = _cpu_copy(state["module_"])
            state["device_"] = str(state["device_"])
        if "state_" in state:  # a forecaster's fitted state holds its network
            fitted = state["state_"]
            state["state_"] = replace(fitted, network=_cpu_copy(fitted.network),
                                      device=str(fitted.device))
        return state

    def __setstate__(self, state):
        """Put the network back on its device, or on the CPU where that device is missing."""
        if "module_" in state:
            device = usable_device(state["device_"], warn=True)
            state["module_"] = state["module_"].to(device)
            state["device_"] = device
        if "state_" in state:
            fitted = state["state_"]
            device = usable_device(fitted.device, warn=True)
            state["state_"] = replace(fitted, network=fitted.network.to(device), device=device)
        super().__setstate__(state)


def _cpu_copy(module: torch.nn.Module) -> torch.nn.Module:
    """A copy of ``module`` on the CPU (the original stays where it is)."""
    if all(p.device.type == "cpu" for p in module.parameters()):
        return module
    return copy.deepcopy(module).cpu()
