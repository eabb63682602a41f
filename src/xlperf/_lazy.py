"""Names a package lists in its __init__ and loads on first use (PEP 562), so that importing the package
(for `xlperf --help`, or one module of the core) does not import every module behind those names."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any


def lazy_names(package: str, where: Mapping[str, str]) -> Callable[[str], Any]:
    """The module-level __getattr__ of `package`: `where` maps a public name to the submodule defining it
    ("format_number": "_rounding"); a name is imported when first asked for, then kept in the package."""

    def __getattr__(name: str) -> Any:
        if name in where:
            value = getattr(importlib.import_module(f".{where[name]}", package), name)
            setattr(sys.modules[package], name, value)
            return value
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__
