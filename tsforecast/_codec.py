"""The JSON encoding of estimator parameters and fitted attributes inside a tsforecast file.

Plain JSON values stand for themselves; anything else is an object with a "__type__" tag, and
only the tags here are decoded, each checked against the format's limits before anything is
allocated. Owns those limits; imports numpy, pandas and torch, and the value classes it stores.
"""

from __future__ import annotations

import dataclasses
import datetime
import math
import re
import zoneinfo

import numpy as np
import pandas as pd
import torch

from ._panel import Form
from ._scaling import ColumnScaler
from ._seasonality import SeasonalProfile
from ._smoothing import Smoothing
from ._state import Calibration, ForecasterState
from .conformal import ConformalIntervals
from .networks import Ensemble, HybridNetwork, LSTMNetwork

# Limits of the format (docs/persistence.md, "Limits"). A real model stays far below each one;
# a file that claims more is refused before the memory is spent.
MAX_METADATA_BYTES = 16 * 2**20  # metadata.json of a real model: a few kB to a few hundred kB
MAX_JSON_CONTAINERS = 100_000  # JSON objects + arrays in metadata.json (a real one: under 100)
MAX_DEPTH = 32  # nesting of JSON objects/arrays (the format needs at most 8)
MAX_ARRAY_BYTES = 4 * MAX_METADATA_BYTES  # all arrays and indexes decoded from metadata.json
MAX_STRING_CHARS = 1024  # characters per string of a string array (class labels, column names)
MAX_NDIM = 32  # dimensions of an array in metadata.json


METADATA = "metadata.json"

# The value classes stored field by field ("record"); a new field needs a default that
# reproduces the models saved before it existed.
RECORDS = {cls.__name__: cls for cls in (ForecasterState, Calibration, Form, Smoothing)}
# The parameter objects an estimator's parameters may hold, stored by their own parameters.
PARAMETER_OBJECTS = {cls.__name__: cls for cls in (LSTMNetwork, HybridNetwork, Ensemble,
                                                     ConformalIntervals)}
# numpy dtypes (dtype.str) written to the tensor member, and their safetensors names
TENSOR_DTYPES = {"<f8": "F64", "<f4": "F32", "<i8": "I64", "|b1": "BOOL"}


class FileError(ValueError):
    """A problem with the file's content; load() re-raises it with the path."""


def short(value) -> str:
    """repr of a value read from a file, cut to a length that fits in a message."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def encode(value, where: str, arrays: dict | None = None):
    """Encode ``value`` as JSON-compatible data; TypeError names ``where`` if it cannot be.

    With ``arrays``, numeric arrays are not written into the JSON: each is put in ``arrays``
    under the path where it was found (``where``), and the JSON holds a "tensor" reference
    with its dtype and shape (the file stores them in its tensor member).
    """
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"__type__": "float", "value": repr(value)}
    if isinstance(value, np.generic) and value.dtype.kind in "biufUS":
        item = encode(value.item(), where)
        return {"__type__": "scalar", "dtype": value.dtype.str, "value": item}
    if arrays is not None and isinstance(value, np.ndarray) and value.dtype.str in TENSOR_DTYPES:
        arrays[where] = value
        return {"__type__": "tensor", "name": where, "dtype": value.dtype.str,
                "shape": list(value.shape)}
    if isinstance(value, np.ndarray) and value.dtype.kind in "biufUSO":
        return {
            "__type__": "ndarray",
            "dtype": value.dtype.str,
            "shape": list(value.shape),
            "data": [encode(v, where) for v in value.ravel().tolist()],
        }
    if type(value).__name__ in PARAMETER_OBJECTS and (
            type(value) is PARAMETER_OBJECTS[type(value).__name__]):
        return {"__type__": "parameters", "class": type(value).__name__,
                "params": encode(value.get_params(deep=False), f"{where}.params", arrays)}
    if type(value).__name__ in RECORDS and type(value) is RECORDS[type(value).__name__]:
        fields = _record_fields(type(value))
        return {"__type__": "record", "class": type(value).__name__,
                "fields": {name: encode(getattr(value, name), f"{where}.{name}", arrays)
                           for name in fields}}
    if isinstance(value, (list, tuple)):
        items = [encode(v, f"{where}[{i}]", arrays) for i, v in enumerate(value)]
        return items if isinstance(value, list) else {"__type__": "tuple", "items": items}
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value) and "__type__" not in value:
            return {k: encode(v, f"{where}[{k!r}]", arrays) for k, v in value.items()}
        items = [[encode(k, where), encode(v, f"{where}[{i}]", arrays)]
                 for i, (k, v) in enumerate(value.items())]
        return {"__type__": "dict", "items": items}
    if isinstance(value, torch.device):
        return {"__type__": "device", "value": str(value)}
    if type(value) is datetime.timedelta:  # e.g. the offset of a BusinessDay frequency
        return {"__type__": "timedelta", "days": value.days, "seconds": value.seconds,
                "microseconds": value.microseconds}
    if isinstance(value, ColumnScaler):
        return {
            "__type__": "column_scaler",
            "offset": encode(value.offset, f"{where}.offset", arrays),
            "scale": encode(value.scale, f"{where}.scale", arrays),
        }
    if isinstance(value, SeasonalProfile):
        return {
            "__type__": "seasonal_profile",
            "shift": encode(value.shift, f"{where}.shift", arrays),
            "scale": encode(value.scale, f"{where}.scale", arrays),
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
            "kwds": encode(dict(value.kwds), where),
        }
    name = encode(value.name, where)
    if isinstance(value, pd.RangeIndex):
        return {"__type__": "range_index", "start": value.start, "stop": value.stop,
                "step": value.step, "name": name}
    if isinstance(value, pd.DatetimeIndex):
        return {
            "__type__": "datetime_index",
            "unit": value.unit,
            "values": value.asi8.tolist(),  # since the epoch, UTC, in ``unit``
            "tz": _encode_tz(value.tz),
            "freq": None if value.freq is None else encode(value.freq, where),
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
            "values": [encode(v, where) for v in value.tolist()], "name": name}


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
        decoded = decode(encoded)
        if isinstance(value, pd.Index):
            pd.testing.assert_index_equal(decoded, value, exact=True)
            same = getattr(decoded, "freq", None) == getattr(value, "freq", None)
        else:
            same = decoded == value and type(decoded) is type(value)
            same = same and getattr(decoded, "tz", None) == getattr(value, "tz", None)
    except (AssertionError, TypeError, ValueError, KeyError, FileError):
        same = False
    if not same:
        raise TypeError(f"{where} holds {value!r}, which cannot be saved and loaded unchanged.")
    return encoded


class Decoder:
    """Inverse of :func:`encode` for one file: only the known tags, nested at most MAX_DEPTH
    deep, with every array size checked (and counted against MAX_ARRAY_BYTES) before it is made.
    """

    def __init__(self, tensors: dict | None = None):
        self.depth = 0
        self.bytes_left = MAX_ARRAY_BYTES
        self.tensors = {} if tensors is None else tensors  # name -> array of the tensor member

    def __call__(self, data):
        if not isinstance(data, (list, dict)):
            return data
        if self.depth >= MAX_DEPTH:
            raise FileError(f"{METADATA} is nested more than {MAX_DEPTH} levels deep.")
        self.depth += 1
        try:
            if isinstance(data, list):
                self.allocate(len(data))
                return [self(v) for v in data]
            tag = data.get("__type__")
            if tag is None:
                return {k: self(v) for k, v in data.items()}
            decoder = _DECODERS.get(tag) if isinstance(tag, str) else None
            if decoder is None:
                raise FileError(f"unknown value type {short(tag)} in {METADATA}.")
            return decoder(data, self)
        finally:
            self.depth -= 1

    def allocate(self, n_items: int, itemsize: int = 8) -> None:
        """Count an array (or list, or index) of ``n_items`` before making it; refuse past
        MAX_ARRAY_BYTES in all."""
        self.bytes_left -= n_items * itemsize
        if self.bytes_left < 0:
            raise FileError(
                f"the arrays in {METADATA} would take more than {MAX_ARRAY_BYTES} bytes."
            )

    def items(self, data, key: str, itemsize: int = 8) -> list:
        """The JSON list ``data[key]``, counted as an array of its length."""
        items = data[key]
        if not isinstance(items, list):
            raise FileError(f"{key!r} of a {data['__type__']!r} value must be a JSON array.")
        self.allocate(len(items), itemsize)
        return items


def decode(data):
    """Decode one value with a fresh Decoder (its own depth and size limits)."""
    return Decoder()(data)


# The numpy dtypes the format writes (dtype.str): bool, ints, floats, strings, labels (object).
_ARRAY_DTYPE = re.compile(r"[<>|](b1|[iu][1248]|f[248]|U([0-9]{1,9})|O)")
# The pandas index dtypes (str(dtype)) that the format writes for an "index" value.
_INDEX_DTYPE = re.compile(
    r"object|str|string|category|bool|boolean|u?int(8|16|32|64)|U?Int(8|16|32|64)"
    r"|float(16|32|64)|Float(32|64)"
)


def _array_dtype(text) -> np.dtype:
    """The numpy dtype named by ``text``, if the format writes it (strings up to
    MAX_STRING_CHARS characters); checked before numpy parses it."""
    match = _ARRAY_DTYPE.fullmatch(text) if isinstance(text, str) else None
    if match is None or int(match.group(2) or 0) > MAX_STRING_CHARS:
        raise FileError(
            f"unsupported array dtype {short(text)}; the format stores bool, int, uint, float, "
            f"object and strings of at most {MAX_STRING_CHARS} characters."
        )
    return np.dtype(text)


def _decode_float(data, decode):
    text = data["value"]
    if text not in ("nan", "inf", "-inf"):
        raise FileError(f"bad float {short(text)}.")
    return float(text)


def _decode_scalar(data, decode):
    dtype = _array_dtype(data["dtype"])
    value = data["value"]
    value = decode(value) if isinstance(value, dict) else value
    if not isinstance(value, (bool, int, float, str)):
        raise FileError(f"a scalar value must be a number or a string; got {short(value)}.")
    return dtype.type(value)


def _decode_ndarray(data, decode):
    dtype = _array_dtype(data["dtype"])
    shape = data["shape"]
    if not (
        isinstance(shape, list)
        and len(shape) <= MAX_NDIM
        and all(type(n) is int and n >= 0 for n in shape)
    ):
        raise FileError(f"an array's shape must be a list of at most {MAX_NDIM} ints >= 0; "
                         f"got {short(shape)}.")
    items = data["data"]
    if not isinstance(items, list) or math.prod(shape) != len(items):
        raise FileError(f"an array of shape {shape} must hold {math.prod(shape)} values.")
    decode.allocate(len(items), dtype.itemsize)
    values = [decode(v) for v in items]
    if dtype.kind == "O":
        array = np.empty(len(values), dtype=object)
        array[:] = values
        return array.reshape(shape)
    if not all(isinstance(v, (bool, int, float, str)) for v in values):
        raise FileError(f"an array of dtype {dtype} must hold numbers or strings only.")
    return np.asarray(values, dtype=dtype).reshape(shape)


def _decode_offset(data, decode):
    name = data["name"]
    cls = getattr(pd.offsets, name, None) if isinstance(name, str) and name.isidentifier() else None
    if not (isinstance(cls, type) and issubclass(cls, pd.offsets.BaseOffset)):
        raise FileError(f"unknown date offset {short(name)}.")
    kwds = decode(data["kwds"])
    if not isinstance(kwds, dict):
        raise FileError("the keywords of a date offset must be a JSON object.")
    return cls(_int(data["n"]), normalize=bool(data["normalize"]), **kwds)


def _int(value) -> int:
    if type(value) is not int:
        raise FileError(f"expected an int; got {short(value)}.")
    return value


def _decode_tz(tz):
    if isinstance(tz, dict):
        return datetime.timezone(datetime.timedelta(seconds=tz["utc_offset_seconds"]))
    if tz is not None and not isinstance(tz, str):
        raise FileError(f"bad time zone {short(tz)}.")
    return tz


def _time_unit(unit) -> str:
    if unit not in ("s", "ms", "us", "ns"):
        raise FileError(f"bad datetime unit {short(unit)}.")
    return unit


def _decode_timestamp(data, decode):
    tz = _decode_tz(data["tz"])
    stamp = pd.Timestamp(_int(data["value"]), unit="ns", tz="UTC" if tz else None)
    if tz:
        stamp = stamp.tz_convert(tz)
    return stamp.as_unit(_time_unit(data["unit"]))


def _decode_datetime_index(data, decode):
    unit = _time_unit(data["unit"])
    values = np.asarray(decode.items(data, "values"), dtype=np.int64).view(f"M8[{unit}]")
    index = pd.DatetimeIndex(values, name=decode(data["name"]))
    tz = _decode_tz(data["tz"])
    if tz is not None:
        index = index.tz_localize("UTC").tz_convert(tz)
    if data["freq"] is not None:
        index = pd.DatetimeIndex(index, freq=decode(data["freq"]))
    return index


def _decode_period_index(data, decode):
    ordinals = np.asarray(decode.items(data, "ordinals"), dtype=np.int64)
    freq = data["freq"]
    if not isinstance(freq, str):
        raise FileError(f"bad period frequency {short(freq)}.")
    return pd.PeriodIndex.from_ordinals(ordinals, freq=freq).rename(decode(data["name"]))


def _decode_index(data, decode):
    dtype = data["dtype"]
    if not (isinstance(dtype, str) and _INDEX_DTYPE.fullmatch(dtype)):
        raise FileError(f"unsupported index dtype {short(dtype)}.")
    values = [decode(v) for v in decode.items(data, "values")]
    return pd.Index(values, dtype=dtype, name=decode(data["name"]))


def _decode_range_index(data, decode):
    """A RangeIndex, counted as the int64 labels it stands for (pandas makes them whenever
    the index is searched, joined or written out)."""
    start, stop, step = _int(data["start"]), _int(data["stop"]), _int(data["step"])
    if step == 0:
        raise FileError("a range index must have a step other than 0.")
    decode.allocate(max(0, -((start - stop) // step)))  # its length, ceil((stop - start) / step)
    return pd.RangeIndex(start, stop, step, name=decode(data["name"]))


def _decode_tensor(data, decode):
    """A numeric array stored in the file's tensor member (read and checked before this)."""
    name = data["name"]
    if not isinstance(name, str) or name not in decode.tensors:
        raise FileError(f"it refers to an array {short(name)} that its tensors do not hold.")
    return np.array(decode.tensors[name], dtype=np.dtype(data["dtype"]))


def _decode_record(data, decode):
    """A record (dataclass or named tuple) of the registry, with exactly its fields (fields
    with a default may be missing: a file written before they existed)."""
    cls = RECORDS.get(data["class"]) if isinstance(data["class"], str) else None
    fields = data["fields"]
    if cls is None or not isinstance(fields, dict):
        raise FileError(f"unknown record {short(data['class'])}; known: {sorted(RECORDS)}.")
    known, required = _record_fields(cls), _required_fields(cls)
    unknown, missing = set(fields) - set(known), set(required) - set(fields)
    if unknown or missing:
        raise FileError(
            f"a {cls.__name__} must hold the fields {list(known)}; it has unknown ones "
            f"{sorted(unknown)} and lacks {sorted(missing)}."
        )
    return cls(**{name: decode(value) for name, value in fields.items()})


def _decode_parameters(data, decode):
    """A parameter object of the registry (LSTMNetwork, ConformalIntervals), from its
    parameters."""
    cls = PARAMETER_OBJECTS.get(data["class"]) if isinstance(data["class"], str) else None
    params = decode(data["params"])
    if cls is None or not isinstance(params, dict):
        raise FileError(f"unknown parameter object {short(data['class'])}.")
    known = set(cls().get_params(deep=False))
    if set(params) - known:
        raise FileError(f"{cls.__name__} has no parameters {sorted(set(params) - known)}.")
    return cls(**params)


def tensor_references(data, depth: int = 0) -> dict:
    """{name: (dtype, shape)} of every "tensor" reference in decoded JSON ``data``, checked:
    a dtype the tensor member can hold, a shape of ints, no name twice."""
    found = {}
    if depth > MAX_DEPTH:
        raise FileError(f"{METADATA} is nested more than {MAX_DEPTH} levels deep.")
    if isinstance(data, dict) and data.get("__type__") == "tensor":
        name, dtype, shape = data.get("name"), data.get("dtype"), data.get("shape")
        if not (isinstance(name, str) and dtype in TENSOR_DTYPES and isinstance(shape, list)
                and len(shape) <= MAX_NDIM and all(type(n) is int and n >= 0 for n in shape)):
            raise FileError(f"bad tensor reference {short(data)}.")
        return {name: (dtype, shape)}
    values = data.values() if isinstance(data, dict) else data if isinstance(data, list) else ()
    for value in values:
        for name, entry in tensor_references(value, depth + 1).items():
            if name in found:
                raise FileError(f"the tensor {short(name)} is referred to twice.")
            found[name] = entry
    return found


def _record_fields(cls) -> tuple:
    if hasattr(cls, "_fields"):  # a NamedTuple
        return cls._fields
    return tuple(f.name for f in dataclasses.fields(cls))


def _required_fields(cls) -> tuple:
    if hasattr(cls, "_fields"):
        return tuple(name for name in cls._fields if name not in cls._field_defaults)
    return tuple(f.name for f in dataclasses.fields(cls)
                 if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING)


_DECODERS = {
    "tensor": _decode_tensor,
    "record": _decode_record,
    "parameters": _decode_parameters,
    "float": _decode_float,
    "scalar": _decode_scalar,
    "ndarray": _decode_ndarray,
    "tuple": lambda d, decode: tuple(decode(v) for v in decode.items(d, "items")),
    "dict": lambda d, decode: {decode(k): decode(v) for k, v in decode.items(d, "items")},
    "device": lambda d, decode: (
        torch.device(d["value"]) if _device_ok(d["value"]) else torch.device("cpu")
    ),
    "timedelta": lambda d, decode: datetime.timedelta(
        days=_int(d["days"]), seconds=_int(d["seconds"]), microseconds=_int(d["microseconds"])
    ),
    "column_scaler": lambda d, decode: ColumnScaler(decode(d["offset"]), decode(d["scale"])),
    "seasonal_profile": lambda d, decode: SeasonalProfile(decode(d["shift"]), decode(d["scale"])),
    "timestamp": _decode_timestamp,
    "offset": _decode_offset,
    "range_index": _decode_range_index,
    "datetime_index": _decode_datetime_index,
    "period_index": _decode_period_index,
    "index": _decode_index,
}


def _device_ok(name) -> bool:
    """True if ``name`` parses as a torch device string (the device may still be missing)."""
    if not isinstance(name, str):
        return False
    try:
        torch.device(name)
    except (RuntimeError, TypeError):
        return False
    return True
