"""Save any tsforecast estimator to one zip file and load it back, without pickle.

Owns the file format described in ``docs/persistence.md``: ``metadata.json`` (parameters, fitted
attributes, versions) plus ``weights.safetensors`` (the network's tensors), how files are
written and read within the format's limits, and upgrades of earlier layouts. Values are
encoded by _codec; imports the private estimator layers; loading never executes code from a file.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import platform
import secrets
import stat
import struct
import zipfile
import zlib
from dataclasses import asdict, replace

import numpy as np
import pandas as pd
import safetensors
import safetensors.torch
import sklearn
import torch

from ._codec import (
    MAX_DEPTH,
    MAX_JSON_CONTAINERS,
    MAX_METADATA_BYTES,
    METADATA,
    TENSOR_DTYPES,
    Decoder,
    FileError,
    encode,
    short,
    tensor_references,
)
from ._context import column_settings, read_context
from ._file_checks import (
    MAX_WEIGHTS_BYTES,
    check_net_config,
    check_state,
    sequence_layout_error,
)
from ._forecasting import forecast_ahead
from ._nn import build_network
from ._panel import Form
from ._scaling import ColumnScaler
from ._seasonality import SeasonalProfile
from ._state import Calibration, ForecasterState
from ._torch_utils import usable_device
from ._validation import integer_step
from ._version import __version__
from ._warnings import warn
from .conformal import ConformalIntervals
from .networks import LSTMNetwork

FORMAT = "tsforecast-estimator"
FORMAT_VERSION = 2
WEIGHTS = "weights.safetensors"

# Limits of the format (docs/persistence.md, "Limits"); those of metadata.json's values are in
# _codec. A real model stays far below each one; a file that claims more is refused first.
MAX_SAFETENSORS_HEADER = 2**20  # the JSON header of weights.safetensors (a real one: < 2 kB)
MAX_FILE_BYTES = MAX_WEIGHTS_BYTES + MAX_SAFETENSORS_HEADER + MAX_METADATA_BYTES + 2**24

__all__ = ["FORMAT_VERSION", "load", "save"]


# -- save ---------------------------------------------------------------------------------------


def save(estimator, path) -> None:
    """Write ``estimator`` (fitted or not) to ``path`` as a tsforecast zip file.

    Parameters
    ----------
    estimator : LSTMForecaster, LSTMClassifier or LSTMRegressor
    path : str, bytes or os.PathLike
        Destination; an existing file is replaced only once the new one is complete.
    """
    cls = type(estimator)
    if _estimator_classes().get(cls.__name__) is not cls:
        raise TypeError(
            f"save() writes tsforecast's own estimators only; got an instance of "
            f"{cls.__module__}.{cls.__qualname__}. Pickle it instead."
        )
    params = _encode_params(estimator)
    state = vars(estimator)
    fitted = "module_" in state or "state_" in state
    arrays = {}  # numeric arrays of the fitted state, stored beside the network's tensors
    attributes = {
        key: encode(_without_network(value), key, arrays)
        for key, value in state.items()
        if key not in params and key != "module_"
    }
    tensors = {}
    if fitted:
        tensors = {
            name: tensor.detach().to("cpu", copy=True).contiguous()
            for name, tensor in estimator.module_.state_dict().items()
        }
    tensors.update({name: torch.from_numpy(np.ascontiguousarray(array))
                    for name, array in arrays.items()})
    weights = safetensors.torch.save(tensors)
    metadata = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "estimator": cls.__name__,
        "fitted": fitted,
        "params": params,
        "attributes": attributes,
        "weights_sha256": hashlib.sha256(weights).hexdigest(),
        "versions": _versions(),
    }
    text = json.dumps(metadata, allow_nan=False, indent=1, sort_keys=True).encode("utf-8")
    _check_loadable(text, weights, arrays)
    _write_atomically(os.fsdecode(path), text, weights)


def _without_network(value):
    """A forecaster's fitted state without its network, whose weights are stored apart."""
    return replace(value, network=None) if isinstance(value, ForecasterState) else value


def _encode_params(estimator) -> dict:
    """get_params() as JSON; a RandomState instance cannot be stored and becomes None."""
    params = estimator.get_params(deep=False)
    if isinstance(params.get("random_state"), np.random.RandomState):
        warn(
            "random_state is a numpy RandomState instance, which cannot be saved; the file "
            "stores random_state=None (the weights and predictions are saved exactly). Pass an "
            "int random_state to keep refits repeatable."
        )
        params["random_state"] = None
    return {key: encode(value, f"parameter {key}") for key, value in params.items()}


def _check_loadable(text: bytes, weights: bytes, arrays: dict) -> None:
    """Refuse (ValueError) to write a file that load() would refuse for the format's limits."""
    try:
        metadata = _parse_metadata(text)
        tensor_references(metadata["attributes"])
        decode = Decoder(arrays)
        decode(metadata["params"])
        config = decode(_raw_net_config(metadata["attributes"]))
        if config is not None:
            check_net_config(config)
        attributes = {key: decode(value) for key, value in metadata["attributes"].items()}
        if isinstance(attributes.get("state_"), ForecasterState):
            check_state(attributes["state_"])
        elif "sequence_length_" in attributes and sequence_layout_error(attributes):
            raise FileError(sequence_layout_error(attributes))
    except FileError as error:
        raise ValueError(f"This estimator cannot be saved: {error}") from None
    if len(weights) > MAX_WEIGHTS_BYTES + MAX_SAFETENSORS_HEADER:
        raise ValueError(
            f"This estimator cannot be saved: its network has {len(weights)} bytes of weights, "
            f"more than the format allows ({MAX_WEIGHTS_BYTES})."
        )


def _write_atomically(path: str, metadata: bytes, weights: bytes) -> None:
    """Write the zip to a new, uniquely named file next to ``path``, then rename it into place.

    The temporary file is created exclusively (never through an existing file or link) and
    synced before the rename, so readers see the old file or the whole new one, and concurrent
    saves to one path each complete on their own.
    """
    folder, name = os.path.split(path)
    fd, tmp = _create_unique(folder or os.curdir, f".{name}.")
    try:
        with os.fdopen(fd, "wb") as file:
            with zipfile.ZipFile(file, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                archive.writestr(METADATA, metadata)
                archive.writestr(WEIGHTS, weights)
            file.flush()
            os.fsync(file.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.remove(tmp)
        except OSError:
            pass
        raise


def _create_unique(folder: str, prefix: str) -> tuple[int, str]:
    """Create a new file ``folder/prefix<random>.tmp`` exclusively; return (fd, path).

    Like ``tempfile.mkstemp``, but with the permissions an ordinary new file gets (0o666 minus
    the umask), since the file becomes the saved model.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    flags |= getattr(os, "O_NOFOLLOW", 0)
    for _ in range(100):
        tmp = os.path.join(folder, f"{prefix}{secrets.token_hex(8)}.tmp")
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no unused temporary file name", folder)


def _versions() -> dict:
    return {
        "tsforecast": __version__,
        "python": platform.python_version(),
        "torch": torch.__version__,
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "scikit-learn": sklearn.__version__,
        "safetensors": safetensors.__version__,
    }


# -- load ---------------------------------------------------------------------------------------


def load(path, expected: type | None = None):
    """Read an estimator written by :func:`save`.

    Parameters
    ----------
    path : str, bytes or os.PathLike
        A file written by ``estimator.save(path)``.
    expected : class, optional
        Raise TypeError unless the file holds an instance of this class (or a subclass).

    Returns
    -------
    estimator : LSTMForecaster, LSTMClassifier or LSTMRegressor
        Fitted when the saved one was; its network is on the saved device, or on the CPU (with
        a warning) when that device is missing here.
    """
    path = os.fsdecode(path)
    try:
        with _open_regular_file(path) as file:
            return _load_from(file, path, expected)
    except FileError as error:
        raise ValueError(f"Cannot load {path!r}: {error}") from error.__cause__


def _load_from(file, path: str, expected: type | None):
    """Check and decode an open model file; raise FileError for anything wrong in it."""
    archive = _open_archive(file)
    metadata = _parse_metadata(_read_member(archive, METADATA, MAX_METADATA_BYTES))
    cls = _check_metadata(metadata)
    if expected is not None and not issubclass(cls, expected):
        raise TypeError(
            f"{path!r} holds a {cls.__name__}, not a {expected.__name__}; load it with "
            f"{cls.__name__}.load(path) or tsforecast.load(path)."
        )
    try:
        estimator = _build(cls, metadata, archive)
        if metadata["fitted"]:
            _check_predicts(estimator)
    except (FileError, MemoryError):
        raise
    except Exception as error:  # whatever an edited value breaks: refuse the file, not later
        raise FileError(
            f"its content does not describe a valid {cls.__name__} "
            f"({type(error).__name__}: {error}). The file is damaged or was edited."
        ) from error
    return estimator


def _open_regular_file(path: str):
    """Open ``path`` for reading if it is a regular file of a size the format allows.

    Opening never blocks (a FIFO is refused, not waited on) and the type is checked on the open
    file itself, so it cannot be swapped between the check and the read.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), path)
        if not stat.S_ISREG(info.st_mode):
            raise FileError(
                "it is not a regular file (a FIFO, socket or device); a model file is read "
                "only from a regular file."
            )
        if info.st_size > MAX_FILE_BYTES:
            raise FileError(
                f"it has {info.st_size} bytes, more than a tsforecast model file can hold "
                f"({MAX_FILE_BYTES})."
            )
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _zip_errors():
    """Exceptions with which zipfile reports a damaged, truncated or unsupported archive."""
    return (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, zlib.error,
            NotImplementedError, RuntimeError, ValueError)


def _open_archive(file) -> zipfile.ZipFile:
    """The zip archive in ``file``, checked to hold exactly the two members of the format."""
    try:
        archive = zipfile.ZipFile(file)
    except _zip_errors() as error:
        raise FileError(
            f"it is not a tsforecast model file, or it is truncated or damaged ({error})."
        ) from None
    names = sorted(archive.namelist())
    if names != sorted([METADATA, WEIGHTS]):
        raise FileError(
            f"a tsforecast file holds exactly {METADATA!r} and {WEIGHTS!r}; this zip "
            f"holds {names[:10]}{' ...' if len(names) > 10 else ''}."
        )
    return archive


def _read_member(archive: zipfile.ZipFile, name: str, limit: int) -> bytes:
    """The bytes of one member: refused if the zip declares more than ``limit``, and never
    inflated past ``limit`` even if that declaration is false."""
    size = archive.getinfo(name).file_size
    if size > limit:
        raise FileError(
            f"{name} declares {size} bytes, more than a valid file can hold here ({limit})."
        )
    try:
        with archive.open(name) as member:
            data = member.read(limit + 1)
    except _zip_errors() as error:
        # corrupt deflate data, an unsupported compression method, an encrypted entry
        raise FileError(f"the zip archive is damaged ({type(error).__name__}: {error}).") from None
    if len(data) != size:
        raise FileError(f"the zip archive is damaged ({name} is not {size} bytes long).")
    return data


def _parse_metadata(text: bytes) -> dict:
    """metadata.json as a dict, refused before parsing if it has too many containers."""
    containers = text.count(b"{") + text.count(b"[")  # also counts brackets inside strings
    if containers > MAX_JSON_CONTAINERS:
        raise FileError(
            f"{METADATA} has {containers} JSON objects and arrays, more than a valid file holds "
            f"({MAX_JSON_CONTAINERS})."
        )
    try:
        metadata = json.loads(text.decode("utf-8"))
    except RecursionError:
        raise FileError(f"{METADATA} is nested more than {MAX_DEPTH} levels deep.") from None
    except ValueError as error:  # UnicodeDecodeError, JSONDecodeError, an int of 4300+ digits
        raise FileError(f"{METADATA} is not valid JSON ({error}).") from None
    if not isinstance(metadata, dict):
        raise FileError(f"{METADATA} must hold a JSON object.")
    return metadata


_TOP_LEVEL_TYPES = {
    "estimator": str,
    "fitted": bool,
    "params": dict,
    "attributes": dict,
    "weights_sha256": str,
}


def _check_metadata(metadata: dict) -> type:
    """Check format, version, class and the types of the top-level keys; return the class."""
    if metadata.get("format") != FORMAT:
        raise FileError(f"it is not a tsforecast model file (format={metadata.get('format')!r}).")
    version = metadata.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise FileError(f"format_version must be an int >= 1; got {version!r}.")
    versions = metadata.get("versions", {})
    if version > FORMAT_VERSION:
        writer = versions.get("tsforecast") if isinstance(versions, dict) else None
        raise FileError(
            f"it was written in format version {version} (by tsforecast "
            f"{writer if isinstance(writer, str) else '?'}), but tsforecast {__version__} reads "
            f"versions up to {FORMAT_VERSION}. Upgrade tsforecast."
        )
    for key, kind in _TOP_LEVEL_TYPES.items():
        if not isinstance(metadata.get(key), kind):
            raise FileError(
                f"{METADATA} must hold {key!r} as a JSON {_JSON_NAMES[kind]}; got "
                f"{short(metadata.get(key))}."
            )
    if not (isinstance(versions, dict) and all(isinstance(v, str) for v in versions.values())):
        raise FileError(
            f"{METADATA} must hold 'versions' as an object of strings; got {short(versions)}."
        )
    name = metadata["estimator"]
    classes = _estimator_classes()
    if name not in classes:
        raise FileError(
            f"it holds an unknown estimator class {short(name)}; this tsforecast knows "
            f"{sorted(classes)}."
        )
    return classes[name]


_JSON_NAMES = {str: "string", bool: "boolean", dict: "object"}


# Parameters added to a class after files of its format were first written, with the values
# that reproduce a model saved before they existed, and the fitted attributes that go with them.
ADDED_PARAMETERS = {
    "LSTMForecaster": {"loss": "mse", "deseasonalize": False, "id_column": "unique_id",
                       "time_column": "ds", "static_columns": None, "n_threads": "auto",
                       "target_transform": None, "future_columns": None, "quantiles": None,
                       "calibration_fraction": 0.0, "conformal_pooling": False,
                       "calibration": "validation", "retrain_on_all": False,
                       "smoothing": False},
    "LSTMClassifier": {"n_threads": "auto"},
    "LSTMRegressor": {"n_threads": "auto"},
}
ADDED_ATTRIBUTES = {
    "LSTMForecaster": {"seasonal_profile_": None, "target_transform_": None,
                       "target_lambda_": None, "future_columns_": [], "quantiles_": None,
                       "conformal_errors_": None, "conformal_ranks_": None,
                       "conformal_pooled_": None, "conformal_pooled_ranks_": None,
                       "conformal_scale_": None, "quantile_errors_": None,
                       "quantile_pooled_": None},
}


def _panel_of_one(attributes: dict, params: dict) -> dict:
    """A fitted LSTMForecaster written before panels existed (one series; arrays without a
    series axis) as the panel of one series that it is now."""
    if "n_series_" in attributes:
        return attributes
    upgraded = dict(attributes)
    scaler, profile = attributes["scaler_"], attributes["seasonal_profile_"]
    upgraded["scaler_"] = ColumnScaler(scaler.offset[None], scaler.scale[None])
    if profile is not None:
        upgraded["seasonal_profile_"] = SeasonalProfile(profile.shift[None], profile.scale[None])
    window = attributes["last_window_"]
    index, freq = attributes["last_index_"], attributes["index_freq_"]
    if index is not None and freq is None and pd.api.types.is_integer_dtype(index):
        freq = integer_step(index)  # a regular integer index continues with its step
    upgraded.update(
        last_window_=window[None],
        series_lengths_=np.array([len(window)]),  # the labels count on from the window, as then
        last_index_=None if index is None else index[-1:],
        index_freq_=freq,
        horizon_=params["horizon"],
        n_series_=1,
        series_ids_=None,
        static_scaler_=None,
        static_=None,
        output_form_=asdict(Form("single", index is not None, False,
                                 attributes["target_names_"])),
    )
    return upgraded


UPGRADES = {"LSTMForecaster": _panel_of_one}  # fitted attributes of earlier layouts -> today's


def _grouped_parameters(params: dict) -> dict:
    """LSTMForecaster's parameters of format 1, one per setting, as today's parameter objects:
    the network's settings in ``network``, the intervals' in ``intervals``, the column names
    in ``columns``."""
    if "network" in params:
        return params
    flat = dict(params)
    network = LSTMNetwork(**{name: flat.pop(name) for name in LSTMNetwork().get_params()})
    intervals = ConformalIntervals(calibration=flat.pop("calibration"),
                                   fraction=flat.pop("calibration_fraction"),
                                   pooling=flat.pop("conformal_pooling"), local_scale=False)
    names = {"id": flat.pop("id_column"), "time": flat.pop("time_column"),
             "static": flat.pop("static_columns"), "future": flat.pop("future_columns")}
    defaults = {"id": "unique_id", "time": "ds", "static": None, "future": None}
    columns = {key: value for key, value in names.items() if value != defaults[key]}
    return {**flat, "network": network, "intervals": intervals, "columns": columns or None}


GROUPED = {"LSTMForecaster": _grouped_parameters}  # parameters of format 1 -> today's


def _build(cls: type, metadata: dict, archive: zipfile.ZipFile):
    """Make a new estimator from checked metadata and weights (nothing is shared with the file)."""
    decode = Decoder()
    params = decode(metadata["params"])
    if not isinstance(params, dict):
        raise FileError("params must be a JSON object.")
    if metadata["format_version"] == 1:  # one parameter per setting, some added later
        params = {**ADDED_PARAMETERS.get(cls.__name__, {}), **params}
        params = GROUPED.get(cls.__name__, lambda p: p)(params)
    expected = set(cls().get_params(deep=False))
    if set(params) != expected:
        raise FileError(
            f"its parameters {sorted(params)} do not match {cls.__name__}'s {sorted(expected)}."
        )
    estimator = cls(**params)
    raw = metadata["attributes"]
    _check_attribute_names(cls, raw, expected, metadata["fitted"])
    if not metadata["fitted"]:
        _read_weights(archive, {}, metadata["weights_sha256"])
        attributes = {key: decode(value) for key, value in raw.items()}
    else:
        attributes = _fitted_attributes(cls, raw, params, archive, metadata["weights_sha256"],
                                        decode)
    for key, value in attributes.items():
        setattr(estimator, key, value)
    return estimator


def _fitted_attributes(cls, raw: dict, params: dict, archive, checksum: str,
                       decode: Decoder) -> dict:
    """The fitted attributes of a file: its network and arrays read within a checked budget,
    then every value decoded (within ``decode``'s budget), a forecaster's state checked to fit
    together; files of format 1 upgraded to today's layout."""
    config = decode(_raw_net_config(raw))
    check_net_config(config)
    network_shapes = _network_shapes(config)
    arrays = {name: (TENSOR_DTYPES[dtype], shape, int(np.dtype(dtype).itemsize * np.prod(
        shape, dtype=np.float64))) for name, (dtype, shape) in tensor_references(raw).items()}
    if set(arrays) & set(network_shapes):
        raise FileError("its arrays and its network's tensors share a name.")
    tensors = _read_weights(archive, {**network_shapes, **arrays}, checksum)
    module = build_network(config)
    module.load_state_dict({name: tensors[name] for name in network_shapes}, strict=True)
    decode.tensors = {name: tensors[name].numpy() for name in arrays}
    attributes = {key: decode(value) for key, value in raw.items()}
    if "state_" not in attributes:  # format 1
        attributes = {**ADDED_ATTRIBUTES.get(cls.__name__, {}), **attributes}
        attributes = UPGRADES.get(cls.__name__, lambda a, p: a)(attributes, params)
    if cls.__name__ == "LSTMForecaster" and "state_" not in attributes:
        attributes = {"state_": _state_of_format_1(attributes, params)}
    if "state_" in attributes:
        state = attributes["state_"]
        if not isinstance(state, ForecasterState):
            raise FileError(f"state_ must be a ForecasterState; got {short(state)}.")
        check_state(state)
        device = usable_device(str(state.device), warn=True)
        attributes["state_"] = replace(state, network=module.to(device).eval(), device=device,
                                       net_config=config)
        return attributes
    device = usable_device(str(attributes["device_"]), warn=True)
    attributes["module_"], attributes["device_"] = module.to(device).eval(), device
    return attributes


def _raw_net_config(raw: dict):
    """The network's configuration in the undecoded attributes (a state's, or format 1's)."""
    state = raw.get("state_")
    if isinstance(state, dict) and isinstance(state.get("fields"), dict):
        return state["fields"].get("net_config")
    return raw.get("_net_config")


def _state_of_format_1(attributes: dict, params: dict) -> ForecasterState:
    """A fitted LSTMForecaster of format 1 (one attribute each) as its fitted state."""
    names = attributes.get("feature_names_in_")
    return ForecasterState(
        network=None, device=attributes["device_"], net_config=attributes["_net_config"],
        window=attributes["window_"], horizon=attributes["horizon_"],
        season=attributes["season_"],
        reading={"target": params["target"], **{
            key: value for key, value in column_settings(params["columns"]).items()
            if key != "future_columns"}},
        future_columns=attributes["future_columns_"],
        form=Form(**attributes["output_form_"]),
        fitted_with_y=attributes["_fitted_with_y"],
        n_features=attributes["n_features_in_"],
        feature_names=None if names is None else list(names),
        n_targets=attributes["n_targets_"],
        ids=attributes["series_ids_"], lengths=attributes["series_lengths_"],
        last_index=attributes["last_index_"], freq=attributes["index_freq_"],
        last_window=attributes["last_window_"], static=attributes["static_"],
        scaler=attributes["scaler_"], profile=attributes["seasonal_profile_"],
        static_scaler=attributes["static_scaler_"], scaler_kind=params["scaler"],
        seasonal_test=isinstance(params["deseasonalize"], str),
        target_transform=attributes["target_transform_"],
        target_lambda=attributes["target_lambda_"], quantiles=attributes["quantiles_"],
        history=attributes["history_"], best_epoch=attributes["best_epoch_"],
        calibration=Calibration(*(attributes[name] for name in (
            "conformal_errors_", "conformal_ranks_", "conformal_pooled_",
            "conformal_pooled_ranks_", "conformal_scale_", "quantile_errors_",
            "quantile_pooled_"))),
    )


def _check_attribute_names(cls: type, attributes: dict, params: set, fitted: bool) -> None:
    """Refuse names that would replace a parameter, method or special attribute, and fitted
    attributes in an unfitted file (scikit-learn would take such an estimator for fitted)."""
    for name in attributes:
        special = name.startswith("__") or name in params or name == "module_"
        if not name.isidentifier() or special or hasattr(cls, name):
            raise FileError(f"it sets an attribute named {short(name)}, which is not allowed.")
        if not fitted and name.endswith("_"):
            raise FileError(f"an unfitted estimator's file must not set {name!r}.")


# safetensors dtype names of the tensor dtypes a network may hold
_SAFETENSORS_DTYPES = {torch.float32: "F32", torch.float64: "F64", torch.float16: "F16",
                       torch.bfloat16: "BF16", torch.int64: "I64", torch.bool: "BOOL"}


def _network_shapes(config: dict) -> dict:
    """{name: (dtype, shape, nbytes)} of the tensors of ``build_network(config)``, from a
    memory-free copy of the network (device "meta")."""
    with torch.device("meta"):
        skeleton = build_network(config)
    return {
        name: (_SAFETENSORS_DTYPES[tensor.dtype], list(tensor.shape), tensor.nbytes)
        for name, tensor in skeleton.state_dict().items()
    }


def _read_weights(archive: zipfile.ZipFile, shapes: dict, checksum: str) -> dict:
    """Read weights.safetensors, bounded by the size of the tensors ``shapes`` describes
    ({name: (dtype, shape, nbytes)}); check checksum and header before making any tensor."""
    data_bytes = sum(nbytes for _, _, nbytes in shapes.values())
    if data_bytes > MAX_WEIGHTS_BYTES:
        raise FileError(
            f"its network (_net_config) would hold {data_bytes} bytes of weights, more than "
            f"the format allows ({MAX_WEIGHTS_BYTES})."
        )
    weights = _read_member(archive, WEIGHTS, 8 + MAX_SAFETENSORS_HEADER + data_bytes)
    if hashlib.sha256(weights).hexdigest() != checksum:
        raise FileError(
            f"{WEIGHTS} does not match the checksum in {METADATA}: the file is damaged or was "
            f"modified."
        )
    try:
        _check_safetensors_header(weights, shapes, data_bytes)
        return safetensors.torch.load(weights) if shapes else {}
    except FileError as error:
        raise FileError(f"{WEIGHTS} cannot be read ({error})") from None
    except Exception as error:  # safetensors raises its own SafetensorError
        raise FileError(f"{WEIGHTS} cannot be read ({error}).") from None


def _check_safetensors_header(weights: bytes, shapes: dict, data_bytes: int) -> None:
    """Compare the tensors that the safetensors header declares with those expected."""
    if len(weights) < 8:
        raise FileError("it is shorter than a safetensors header.")
    (size,) = struct.unpack("<Q", weights[:8])
    if size > min(MAX_SAFETENSORS_HEADER, len(weights) - 8):
        raise FileError(f"its header declares {size} bytes.")
    header = json.loads(weights[8 : 8 + size])
    if not isinstance(header, dict):
        raise FileError("its header is not a JSON object.")
    header.pop("__metadata__", None)
    declared = {
        name: (entry.get("dtype"), entry.get("shape")) if isinstance(entry, dict) else entry
        for name, entry in header.items()
    }
    wanted = {name: (dtype, shape) for name, (dtype, shape, _) in shapes.items()}
    if declared != wanted:
        raise FileError(
            f"it holds other tensors than its network and arrays need: {short(declared)}, expected "
            f"{short(wanted)}."
        )
    if len(weights) != 8 + size + data_bytes:
        raise FileError(
            f"it has {len(weights) - 8 - size} bytes of tensor data, not {data_bytes}."
        )


def _check_predicts(estimator) -> None:
    """Predict once from the loaded state, so that a file whose values do not fit together
    fails to load instead of failing later in predict. Any exception means a bad file."""
    state = getattr(estimator, "state_", None)
    if state is not None:
        shape = (state.n_series, state.horizon, state.n_targets)
        future = None
        if state.n_future:  # zeros for the future-known columns over the horizon
            future = np.zeros((shape[0], shape[1], state.n_future))
        forecasts = forecast_ahead(state, read_context(state), state.horizon, future)
        _check_shape("predict()", forecasts, shape)
        if future is None:
            estimator.predict()  # and in the caller's form
        return
    # A sequence estimator: one sequence of zeros, laid out as at fit.
    problem = sequence_layout_error(vars(estimator))
    if problem:
        raise ValueError(problem)
    if estimator._fit_ndim == 3:
        X = np.zeros((1, estimator.sequence_length_, estimator.n_step_features_))
    else:
        X = np.zeros((1, estimator.n_features_in_))
        if hasattr(estimator, "feature_names_in_"):
            X = pd.DataFrame(X, columns=estimator.feature_names_in_)
    prediction = estimator.predict(X)
    if np.shape(prediction)[0] != 1:
        raise ValueError(f"predict(X) of one sequence returned shape {np.shape(prediction)}.")
    if hasattr(estimator, "predict_proba"):
        _check_shape("predict_proba(X)", estimator.predict_proba(X), (1, len(estimator.classes_)))


def _check_shape(call: str, value, shape: tuple) -> None:
    if np.shape(value) != shape:
        raise ValueError(f"{call} returned shape {np.shape(value)}, expected {shape}.")


# The estimator classes a file may name: tsforecast's own public estimators, registered by
# _LSTMBase as each is defined (importing any tsforecast module defines them all).
_ESTIMATORS: dict[str, type] = {}


def register(cls: type) -> None:
    """Let files name ``cls`` (a public estimator class defined inside tsforecast)."""
    if cls.__module__.startswith("tsforecast.") and not cls.__name__.startswith("_"):
        _ESTIMATORS[cls.__name__] = cls


def _estimator_classes() -> dict[str, type]:
    """Public tsforecast estimator classes by name: the only classes a file may name."""
    return dict(_ESTIMATORS)
