"""Save any tsforecast estimator to one zip file and load it back, without pickle.

Owns the file format described in ``docs/persistence.md``: ``metadata.json`` (parameters, fitted
attributes, versions) plus ``weights.safetensors`` (the network's tensors). Imports the private
estimator layers (_base, _nn, _scaling, _torch_utils); loading never executes code from a file.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import math
import os
import platform
import warnings
import zipfile
import zlib
import zoneinfo

import numpy as np
import pandas as pd
import safetensors
import safetensors.torch
import sklearn
import torch

from ._base import _LSTMBase
from ._nn import LSTMNet
from ._scaling import ColumnScaler
from ._seasonality import SeasonalProfile
from ._torch_utils import usable_device

FORMAT = "tsforecast-estimator"
FORMAT_VERSION = 1
METADATA = "metadata.json"
WEIGHTS = "weights.safetensors"
MAX_METADATA_BYTES = 64 * 2**20  # a real metadata.json is a few kB; refuse to inflate more

__all__ = ["FORMAT_VERSION", "load", "save"]


class _FileError(ValueError):
    """A problem with the file's content; load() re-raises it with the path."""


# -- save ---------------------------------------------------------------------------------------


def save(estimator, path) -> None:
    """Write ``estimator`` (fitted or not) to ``path`` as a tsforecast zip file.

    Parameters
    ----------
    estimator : LSTMForecaster, LSTMClassifier or LSTMRegressor
    path : str or os.PathLike
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
    fitted = "module_" in state
    attributes = {
        key: _encode(value, key)
        for key, value in state.items()
        if key not in params and key != "module_"
    }
    tensors = {}
    if fitted:
        tensors = {
            name: tensor.detach().to("cpu", copy=True).contiguous()
            for name, tensor in estimator.module_.state_dict().items()
        }
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
    text = json.dumps(metadata, allow_nan=False, indent=1, sort_keys=True)
    _write_atomically(os.fspath(path), text.encode("utf-8"), weights)


def _encode_params(estimator) -> dict:
    """get_params() as JSON; a RandomState instance cannot be stored and becomes None."""
    params = estimator.get_params(deep=False)
    if isinstance(params.get("random_state"), np.random.RandomState):
        warnings.warn(
            "random_state is a numpy RandomState instance, which cannot be saved; the file "
            "stores random_state=None (the weights and predictions are saved exactly). Pass an "
            "int random_state to keep refits repeatable.",
            UserWarning,
            stacklevel=4,
        )
        params["random_state"] = None
    return {key: _encode(value, f"parameter {key}") for key, value in params.items()}


def _write_atomically(path: str, metadata: bytes, weights: bytes) -> None:
    """Write the zip next to ``path`` and move it into place, so no half file is ever left."""
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(METADATA, metadata)
            archive.writestr(WEIGHTS, weights)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def _versions() -> dict:
    from . import __version__

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
    path : str or os.PathLike
        A file written by ``estimator.save(path)``.
    expected : class, optional
        Raise TypeError unless the file holds an instance of this class (or a subclass).

    Returns
    -------
    estimator : LSTMForecaster, LSTMClassifier or LSTMRegressor
        Fitted when the saved one was; its network is on the saved device, or on the CPU (with
        a warning) when that device is missing here.
    """
    path = os.fspath(path)
    try:
        metadata, weights = _read(path)
        cls = _check_metadata(metadata, weights)
    except _FileError as error:
        raise ValueError(f"Cannot load {path!r}: {error}") from None
    if expected is not None and not issubclass(cls, expected):
        raise TypeError(
            f"{path!r} holds a {cls.__name__}, not a {expected.__name__}; load it with "
            f"{cls.__name__}.load(path) or tsforecast.load(path)."
        )
    try:
        return _build(cls, metadata, weights)
    except _FileError as error:
        raise ValueError(f"Cannot load {path!r}: {error}") from None
    except (KeyError, TypeError, ValueError, RuntimeError, AttributeError) as error:
        raise ValueError(
            f"Cannot load {path!r}: its content does not describe a valid {cls.__name__} "
            f"({type(error).__name__}: {error}). The file is damaged or was edited."
        ) from None


def _read(path: str) -> tuple[dict, bytes]:
    """Return (metadata, weight bytes) from the zip, or raise _FileError."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = sorted(archive.namelist())
            if names != sorted([METADATA, WEIGHTS]):
                raise _FileError(
                    f"a tsforecast file holds exactly {METADATA!r} and {WEIGHTS!r}; this zip "
                    f"holds {names}."
                )
            if archive.getinfo(METADATA).file_size > MAX_METADATA_BYTES:
                raise _FileError(f"{METADATA} is larger than {MAX_METADATA_BYTES} bytes.")
            text = archive.read(METADATA)
            weights = archive.read(WEIGHTS)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError) as error:
        if isinstance(error, (FileNotFoundError, IsADirectoryError, PermissionError)):
            raise
        raise _FileError(
            f"it is not a tsforecast model file, or it is truncated or damaged ({error})."
        ) from None
    except (zlib.error, NotImplementedError, RuntimeError) as error:
        # corrupt deflate data, an unsupported compression method, an encrypted entry
        raise _FileError(f"the zip archive is damaged ({type(error).__name__}: {error}).") from None
    try:
        metadata = json.loads(text.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise _FileError(f"{METADATA} is not valid JSON ({error}).") from None
    if not isinstance(metadata, dict):
        raise _FileError(f"{METADATA} must hold a JSON object.")
    return metadata, weights


def _check_metadata(metadata: dict, weights: bytes) -> type:
    """Check format, version, class and checksum; return the estimator class."""
    if metadata.get("format") != FORMAT:
        raise _FileError(f"it is not a tsforecast model file (format={metadata.get('format')!r}).")
    version = metadata.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise _FileError(f"format_version must be an int >= 1; got {version!r}.")
    if version > FORMAT_VERSION:
        from . import __version__

        raise _FileError(
            f"it was written in format version {version} (by tsforecast "
            f"{metadata.get('versions', {}).get('tsforecast', '?')}), but tsforecast "
            f"{__version__} reads versions up to {FORMAT_VERSION}. Upgrade tsforecast."
        )
    name = metadata.get("estimator")
    classes = _estimator_classes()
    if name not in classes:
        raise _FileError(
            f"it holds an unknown estimator class {name!r}; this tsforecast knows "
            f"{sorted(classes)}."
        )
    if metadata.get("weights_sha256") != hashlib.sha256(weights).hexdigest():
        raise _FileError(
            f"{WEIGHTS} does not match the checksum in {METADATA}: the file is damaged or was "
            f"modified."
        )
    return classes[name]


# Parameters added to a class after files of its format were first written, with the values
# that reproduce a model saved before they existed, and the fitted attributes that go with them.
ADDED_PARAMETERS = {
    "LSTMForecaster": {"loss": "mse", "deseasonalize": False, "n_threads": "auto"},
    "LSTMClassifier": {"n_threads": "auto"},
    "LSTMRegressor": {"n_threads": "auto"},
}
ADDED_ATTRIBUTES = {
    "LSTMForecaster": {"seasonal_profile_": None},
}


def _build(cls: type, metadata: dict, weights: bytes):
    """Make a new estimator from checked metadata and weights (nothing is shared with the file)."""
    params = _decode(metadata["params"])
    if not isinstance(params, dict):
        raise _FileError("params must be a JSON object.")
    params = {**ADDED_PARAMETERS.get(cls.__name__, {}), **params}
    expected = set(cls().get_params(deep=False))
    if set(params) != expected:
        raise _FileError(
            f"its parameters {sorted(params)} do not match {cls.__name__}'s {sorted(expected)}."
        )
    estimator = cls(**params)
    attributes = _decode(metadata["attributes"])
    if not isinstance(attributes, dict) or not all(isinstance(k, str) for k in attributes):
        raise _FileError("attributes must be a JSON object.")
    fitted = metadata.get("fitted")
    if fitted not in (True, False):
        raise _FileError(f"fitted must be true or false; got {fitted!r}.")
    try:
        tensors = safetensors.torch.load(weights)
    except Exception as error:  # safetensors raises its own SafetensorError
        raise _FileError(f"{WEIGHTS} cannot be read ({error}).") from None
    if fitted:
        attributes = {**ADDED_ATTRIBUTES.get(cls.__name__, {}), **attributes}
        module = LSTMNet(**attributes["_net_config"])
        module.load_state_dict(tensors, strict=True)
        device = usable_device(str(attributes["device_"]), warn=True)
        attributes["module_"] = module.to(device).eval()
        attributes["device_"] = device
    elif tensors:
        raise _FileError("an unfitted estimator's file must not hold weights.")
    for key, value in attributes.items():
        setattr(estimator, key, value)
    return estimator


def _estimator_classes() -> dict[str, type]:
    """Public tsforecast estimator classes by name: the only classes a file may name."""
    import tsforecast  # noqa: F401  (imports every public estimator module)

    found, todo = {}, [_LSTMBase]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("tsforecast.") and not sub.__name__.startswith("_"):
                found[sub.__name__] = sub
    return found


# -- JSON encoding of attribute values ---------------------------------------------------------
# Plain JSON values stand for themselves; anything else is an object with a "__type__" tag, and
# only the tags below are decoded. Non-finite floats are tagged because JSON has no NaN.


def _encode(value, where: str):
    """Encode ``value`` as JSON-compatible data; TypeError names ``where`` if it cannot be."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"__type__": "float", "value": repr(value)}
    if isinstance(value, np.generic) and value.dtype.kind in "biufUS":
        item = _encode(value.item(), where)
        return {"__type__": "scalar", "dtype": value.dtype.str, "value": item}
    if isinstance(value, np.ndarray) and value.dtype.kind in "biufUSO":
        return {
            "__type__": "ndarray",
            "dtype": value.dtype.str,
            "shape": list(value.shape),
            "data": [_encode(v, where) for v in value.ravel().tolist()],
        }
    if isinstance(value, (list, tuple)):
        items = [_encode(v, where) for v in value]
        return items if isinstance(value, list) else {"__type__": "tuple", "items": items}
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value) and "__type__" not in value:
            return {k: _encode(v, f"{where}[{k!r}]") for k, v in value.items()}
        items = [[_encode(k, where), _encode(v, where)] for k, v in value.items()]
        return {"__type__": "dict", "items": items}
    if isinstance(value, torch.device):
        return {"__type__": "device", "value": str(value)}
    if type(value) is datetime.timedelta:  # e.g. the offset of a BusinessDay frequency
        return {"__type__": "timedelta", "days": value.days, "seconds": value.seconds,
                "microseconds": value.microseconds}
    if isinstance(value, ColumnScaler):
        return {
            "__type__": "column_scaler",
            "offset": _encode(value.offset, where),
            "scale": _encode(value.scale, where),
        }
    if isinstance(value, SeasonalProfile):
        return {
            "__type__": "seasonal_profile",
            "shift": _encode(value.shift, where),
            "scale": _encode(value.scale, where),
        }
    if isinstance(value, (pd.Index, pd.Timestamp, pd.offsets.BaseOffset)):
        return _checked(_encode_pandas(value, where), value, where)
    raise TypeError(
        f"{where} holds a {type(value).__module__}.{type(value).__qualname__}, which the "
        f"tsforecast file format cannot store. Use pickle for this estimator."
    )


def _encode_pandas(value, where: str) -> dict:
    if isinstance(value, pd.Timestamp):
        return {
            "__type__": "timestamp",
            "value": int(value.as_unit("ns").value),
            "unit": value.unit,
            "tz": _encode_tz(value.tz),
        }
    if isinstance(value, pd.offsets.BaseOffset):
        return {
            "__type__": "offset",
            "name": type(value).__name__,
            "n": int(value.n),
            "normalize": bool(value.normalize),
            "kwds": _encode(dict(value.kwds), where),
        }
    name = _encode(value.name, where)
    if isinstance(value, pd.RangeIndex):
        return {"__type__": "range_index", "start": value.start, "stop": value.stop,
                "step": value.step, "name": name}
    if isinstance(value, pd.DatetimeIndex):
        return {
            "__type__": "datetime_index",
            "unit": value.unit,
            "values": value.asi8.tolist(),  # since the epoch, UTC, in ``unit``
            "tz": _encode_tz(value.tz),
            "freq": None if value.freq is None else _encode(value.freq, where),
            "name": name,
        }
    if isinstance(value, pd.PeriodIndex):
        return {"__type__": "period_index", "ordinals": value.asi8.tolist(),
                "freq": value.freqstr, "name": name}
    flat = not isinstance(value, pd.MultiIndex)
    if not (flat and (value.dtype.kind in "biufO" or str(value.dtype) == "str")):
        raise TypeError(
            f"{where} holds a pandas index of dtype {value.dtype}, which cannot be saved."
        )
    return {"__type__": "index", "dtype": str(value.dtype),
            "values": [_encode(v, where) for v in value.tolist()], "name": name}


def _encode_tz(tz):
    if tz is None:
        return None
    if isinstance(tz, zoneinfo.ZoneInfo):
        return tz.key
    if isinstance(tz, datetime.timezone):
        return {"utc_offset_seconds": tz.utcoffset(None).total_seconds()}
    return getattr(tz, "zone", None) or str(tz)  # pytz, or a name pandas understands


def _checked(encoded: dict, value, where: str) -> dict:
    """Refuse to write a pandas value that would not decode to an identical one."""
    try:
        decoded = _decode(encoded)
        if isinstance(value, pd.Index):
            pd.testing.assert_index_equal(decoded, value, exact=True)
            same = getattr(decoded, "freq", None) == getattr(value, "freq", None)
        else:
            same = decoded == value and type(decoded) is type(value)
            same = same and getattr(decoded, "tz", None) == getattr(value, "tz", None)
    except (AssertionError, TypeError, ValueError, KeyError, _FileError):
        same = False
    if not same:
        raise TypeError(f"{where} holds {value!r}, which cannot be saved and loaded unchanged.")
    return encoded


def _decode(data):
    """Inverse of :func:`_encode`; only the known tags are accepted."""
    if isinstance(data, list):
        return [_decode(v) for v in data]
    if not isinstance(data, dict):
        return data
    tag = data.get("__type__")
    if tag is None:
        return {k: _decode(v) for k, v in data.items()}
    decoder = _DECODERS.get(tag)
    if decoder is None:
        raise _FileError(f"unknown value type {tag!r} in {METADATA}.")
    return decoder(data)


def _decode_float(data):
    text = data["value"]
    if text not in ("nan", "inf", "-inf"):
        raise _FileError(f"bad float {text!r}.")
    return float(text)


def _decode_ndarray(data):
    dtype = np.dtype(data["dtype"])
    if dtype.kind not in "biufUSO":
        raise _FileError(f"unsupported array dtype {dtype}.")
    values = [_decode(v) for v in data["data"]]
    shape = tuple(int(n) for n in data["shape"])
    if dtype.kind == "O":
        array = np.empty(len(values), dtype=object)
        array[:] = values
        return array.reshape(shape)
    return np.asarray(values, dtype=dtype).reshape(shape)


def _decode_offset(data):
    cls = getattr(pd.offsets, str(data["name"]), None)
    if not (isinstance(cls, type) and issubclass(cls, pd.offsets.BaseOffset)):
        raise _FileError(f"unknown date offset {data['name']!r}.")
    kwds = _decode(data["kwds"])
    return cls(int(data["n"]), normalize=bool(data["normalize"]), **kwds)


def _decode_tz(tz):
    if isinstance(tz, dict):
        return datetime.timezone(datetime.timedelta(seconds=tz["utc_offset_seconds"]))
    return tz


def _decode_timestamp(data):
    stamp = pd.Timestamp(int(data["value"]), unit="ns", tz="UTC" if data["tz"] else None)
    if data["tz"]:
        stamp = stamp.tz_convert(_decode_tz(data["tz"]))
    return stamp.as_unit(data["unit"])


def _decode_datetime_index(data):
    unit = data["unit"]
    if unit not in ("s", "ms", "us", "ns"):
        raise _FileError(f"bad datetime unit {unit!r}.")
    values = np.asarray(data["values"], dtype=np.int64).view(f"M8[{unit}]")
    index = pd.DatetimeIndex(values, name=_decode(data["name"]))
    if data["tz"] is not None:
        index = index.tz_localize("UTC").tz_convert(_decode_tz(data["tz"]))
    if data["freq"] is not None:
        index = pd.DatetimeIndex(index, freq=_decode(data["freq"]))
    return index


def _decode_period_index(data):
    ordinals = np.asarray(data["ordinals"], dtype=np.int64)
    return pd.PeriodIndex.from_ordinals(ordinals, freq=data["freq"]).rename(_decode(data["name"]))


_DECODERS = {
    "float": _decode_float,
    "scalar": lambda d: np.dtype(d["dtype"]).type(_decode(d["value"])),
    "ndarray": _decode_ndarray,
    "tuple": lambda d: tuple(_decode(v) for v in d["items"]),
    "dict": lambda d: {_decode(k): _decode(v) for k, v in d["items"]},
    "device": lambda d: torch.device(d["value"]) if _device_ok(d["value"]) else torch.device("cpu"),
    "timedelta": lambda d: datetime.timedelta(
        days=int(d["days"]), seconds=int(d["seconds"]), microseconds=int(d["microseconds"])
    ),
    "column_scaler": lambda d: ColumnScaler(_decode(d["offset"]), _decode(d["scale"])),
    "seasonal_profile": lambda d: SeasonalProfile(_decode(d["shift"]), _decode(d["scale"])),
    "timestamp": _decode_timestamp,
    "offset": _decode_offset,
    "range_index": lambda d: pd.RangeIndex(
        d["start"], d["stop"], d["step"], name=_decode(d["name"])
    ),
    "datetime_index": _decode_datetime_index,
    "period_index": _decode_period_index,
    "index": lambda d: pd.Index([_decode(v) for v in d["values"]], dtype=d["dtype"],
                                name=_decode(d["name"])),
}


def _device_ok(name) -> bool:
    """True if ``name`` parses as a torch device string (the device may still be missing)."""
    try:
        torch.device(name)
    except (RuntimeError, TypeError):
        return False
    return True
