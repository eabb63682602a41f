"""Turn a framework table into a frozen parameter record (core._record), refusing what does not fit.

Each error names its place in the file, e.g. `indicators[2].params.denominator`, as the
framework author needs it. Supported field types: str, int, bool, Decimal, Literal, X | None,
tuple[Record, ...], tuple[str, ...], Mapping[str, Decimal] and nested records.
"""

from __future__ import annotations

import functools
import types
import typing
from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Any, Literal, TypeVar, Union

from ._record import MISSING, fields_of, is_record
from .errors import FrameworkError, Location

T = TypeVar("T")


def build(cls: type[T], data: object, path: str) -> T:
    """Instantiate record `cls` from a TOML table, checking keys and types."""
    if not isinstance(data, dict):
        raise _error(path, f"应为表（{{ … }}），收到 {_kind(data)}")
    hints, fields = _fields(cls)  # type: ignore[arg-type]  # record classes are hashable
    unknown = sorted(set(data) - set(fields))
    if unknown:
        allowed = "、".join(fields) or "（无）"
        raise _error(f"{path}.{unknown[0]}", f"未知参数“{unknown[0]}”，可用参数：{allowed}")
    values: dict[str, Any] = {}
    for name, f in fields.items():
        if name in data:
            values[name] = convert(hints[name], data[name], f"{path}.{name}")
        elif f.default is MISSING and f.factory is MISSING:
            raise _error(f"{path}.{name}", f"缺少必填参数“{name}”")
    return cls(**values)


@functools.cache
def _fields(cls: type) -> tuple[dict[str, Any], dict[str, Any]]:
    # get_type_hints evaluates the string annotations: slow, and the same for every row of a file
    return typing.get_type_hints(cls), {f.name: f for f in fields_of(cls)}


def convert(tp: Any, value: object, path: str) -> Any:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        (inner,) = [a for a in args if a is not type(None)]
        return convert(inner, value, path)
    if origin is Literal:
        if value not in args:
            allowed = "、".join(f"“{a}”" for a in args)
            raise _error(path, f"应为 {allowed} 之一，收到“{value}”")
        return value
    if origin is tuple:
        if not isinstance(value, list):
            raise _error(path, f"应为列表（[ … ]），收到 {_kind(value)}")
        return tuple(convert(args[0], item, f"{path}[{i}]") for i, item in enumerate(value))
    if origin in (dict, Mapping):
        if not isinstance(value, dict):
            raise _error(path, f"应为表（{{ … }}），收到 {_kind(value)}")
        # read-only: shipped frameworks are shared by every caller in the process
        return MappingProxyType({str(k): convert(args[1], v, f"{path}.{k}") for k, v in value.items()})
    if is_record(tp):
        return build(tp, value, path)
    if tp is Decimal:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _error(path, f"应为数字，收到 {_kind(value)}")
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if tp is bool:
        if not isinstance(value, bool):
            raise _error(path, f"应为 true 或 false，收到 {_kind(value)}")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _error(path, f"应为整数，收到 {_kind(value)}")
        return value
    if tp is str:
        if not isinstance(value, str):
            raise _error(path, f"应为文字（加引号），收到 {_kind(value)}")
        return value
    raise TypeError(f"unsupported parameter type {tp!r} at {path}")  # a programming error


def _kind(value: object) -> str:
    names = {bool: "逻辑值", int: "整数", float: "小数", str: "文字", list: "列表", dict: "表"}
    return names.get(type(value), type(value).__name__) + (f"“{value}”" if isinstance(value, (str, int, float)) else "")


def _error(path: str, message: str) -> FrameworkError:
    return FrameworkError(message, location=Location(path=path))
