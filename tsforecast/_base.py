"""The parameters, checks and training step that every LSTM estimator shares.

Sits between the torch layers (_nn, _training, _torch_utils) and the public estimators; it knows
nothing about forecasting windows or class labels.
"""

from __future__ import annotations

import copy
import functools
import math

import numpy as np
import torch
from sklearn.base import BaseEstimator

from . import _distributed
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


def with_torch_threads(method):
    """Run a public method (fit, predict, ...) under the estimator's ``n_threads`` setting.

    ``torch.set_num_threads`` is set on entry and the caller's count restored on exit.
    """

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        n = resolve_threads(
            getattr(self, "n_threads", "auto"), self.hidden_size, self.batch_size
        )
        with torch_threads(n):
            return method(self, *args, **kwargs)

    return wrapper


class _LSTMBase(BaseEstimator):
    """Network and training options shared by LSTMForecaster, LSTMClassifier and LSTMRegressor."""

    # Whether fit trains data-parallel when a torch.distributed process group is initialised
    # (its data must then be exact when split across ranks, as per-series scaling is).
    _data_parallel = False

    def _check_common_params(self) -> None:
        """Check the network and training parameters; raise with the parameter's name."""
        check_int("hidden_size", self.hidden_size, 1)
        check_int("num_layers", self.num_layers, 1)
        check_float("dropout", self.dropout, 0.0, 1.0)
        check_bool("bidirectional", self.bidirectional)
        check_int("proj_size", self.proj_size, 0)
        if self.proj_size >= self.hidden_size:
            raise ValueError(
                f"proj_size must be smaller than hidden_size; got proj_size={self.proj_size} "
                f"and hidden_size={self.hidden_size}. Use proj_size=0 for no projection."
            )
        check_int("epochs", self.epochs, 1)
        check_int("batch_size", self.batch_size, 1)
        check_float("lr", self.lr, 0.0, math.inf, closed="neither")
        check_float("validation_fraction", self.validation_fraction, 0.0, 1.0)
        check_bool("early_stopping", self.early_stopping)
        check_int("patience", self.patience, 1)
        check_int("verbose", self.verbose, 0)
        if self.gradient_clip is not None:
            check_float("gradient_clip", self.gradient_clip, 0.0, math.inf, closed="neither")
        resolve_device(self.device)
        check_threads(getattr(self, "n_threads", "auto"))

    def _fit_module(
        self, input_size, output_size, batches, train_idx, val_idx, loss_fn, net_options=None
    ):
        """Build the network on ``device_`` and train it; sets module_, history_, best_epoch_.

        ``net_options`` holds estimator-specific LSTMNet options (e.g. the forecaster's head).
        """
        self.module_, self.history_, self.best_epoch_, self._net_config = self._train_network(
            self.device_, input_size, output_size, batches, train_idx, val_idx, loss_fn,
            net_options,
        )

    def _train_network(
        self, device, input_size, output_size, batches, train_idx, val_idx, loss_fn,
        net_options=None, agree=None, series_ids=None,
    ):
        """Build and train the network; return (module, history, best epoch, net config).

        Sets nothing on the estimator, so that a fit that fails leaves a fitted model intact.
        Under a process group, ``agree`` (values every rank must share) and ``series_ids``
        (which no two ranks may share) are checked before training data-parallel.
        """
        seed = make_seed(self.random_state)
        # The LSTMNet arguments, kept so that save/load can rebuild the same network.
        net_config = {
            "input_size": input_size,
            "output_size": output_size,
            "hidden_size": self.hidden_size,
            "num_layers": self.num_layers,
            "dropout": self.dropout,
            "bidirectional": self.bidirectional,
            "proj_size": self.proj_size,
            **(net_options or {}),
        }
        distributed, seed = self._check_distributed(device, net_config, agree, series_ids, seed)
        train = functools.partial(
            train_module,
            batches=batches,
            train_idx=train_idx,
            val_idx=val_idx,
            loss_fn=loss_fn,
            epochs=self.epochs,
            batch_size=self.batch_size,
            lr=self.lr,
            patience=self.patience if self.early_stopping else None,
            verbose=self.verbose,
            gradient_clip=self.gradient_clip,
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
        return module, result.history, result.best_epoch, net_config

    def _check_distributed(self, device, net_config, agree, series_ids, seed):
        """(whether this fit trains data-parallel, the seed); raise on every rank when the
        ranks differ. Every rank takes rank 0's seed (random_state=None draws one per rank)."""
        if not _distributed.active():
            return False, seed
        if not self._data_parallel:
            warn(
                f"{type(self).__name__} does not train data-parallel: this process fits on its "
                f"own data only, although a torch.distributed process group is initialised. "
                f"Wrap the fit in tsforecast.distributed.local_fits() to silence this."
            )
            return False, seed
        params = self.get_params(deep=False)
        for free in ("verbose", "device", "n_threads"):  # may differ: "cuda:<local rank>"
            params.pop(free, None)
        if not isinstance(params["random_state"], (int, np.integer)):
            params.pop("random_state")  # None or a RandomState: rank 0's draw is used
        signature = {"estimator": type(self).__name__, "device": device.type, **params,
                     **net_config, **(agree or {})}
        _distributed.check_agreement(signature, series_ids)
        return True, _distributed.all_gather(seed)[0]

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
        from .persistence import save

        save(self, path)

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
        from .persistence import load

        return load(path, expected=cls)

    def __getstate__(self):
        """Pickle the network's weights on the CPU so the pickle loads on any machine."""
        state = dict(super().__getstate__())
        if "module_" in state:
            state["module_"] = _cpu_copy(state["module_"])
            state["device_"] = str(state["device_"])
        return state

    def __setstate__(self, state):
        """Put the network back on its device, or on the CPU where that device is missing."""
        if "module_" in state:
            device = usable_device(state["device_"], warn=True)
            state["module_"] = state["module_"].to(device)
            state["device_"] = device
        super().__setstate__(state)


def _cpu_copy(module: torch.nn.Module) -> torch.nn.Module:
    """A copy of ``module`` on the CPU (the original stays where it is)."""
    if all(p.device.type == "cpu" for p in module.parameters()):
        return module
    return copy.deepcopy(module).cpu()
