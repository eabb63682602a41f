"""Shared fixtures for the core tests: the shipped framework, the 2022 example and override helpers."""

from __future__ import annotations

import copy
import json
import sys
from collections.abc import Callable
from importlib import resources
from typing import Any

import pytest

from xlperf.core.engine import IndicatorResult, score_indicator
from xlperf.core.frameworks import Framework, load_framework
from xlperf.core.jsonform import year_from_dict
from xlperf.core.model import DepartmentYear

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

FRAMEWORK_ID = "gz-baiyun-2022"


@pytest.fixture(scope="session")
def framework() -> Framework:
    """The shipped 2022 白云区 framework (frozen, so one instance serves every test)."""
    return load_framework(FRAMEWORK_ID)


@pytest.fixture(scope="session")
def _example_text() -> str:
    return (resources.files("xlperf") / "examples" / "baiyun-kexie-2022.json").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def _framework_text() -> str:
    return (resources.files("xlperf") / "frameworks" / f"{FRAMEWORK_ID}.toml").read_text(encoding="utf-8")


@pytest.fixture
def example_data(_example_text: str) -> dict[str, Any]:
    """The 2022 白云区科协 example as a fresh dict, safe to modify."""
    return json.loads(_example_text)


@pytest.fixture
def framework_data(_framework_text: str) -> dict[str, Any]:
    """The shipped framework as a fresh TOML dict, ready to be broken and given to parse_framework."""
    return tomllib.loads(_framework_text)


def _year_with(framework: Framework, example_data: dict[str, Any], *, facts: dict[str, Any] | None = None,
               indicators: dict[str, Any] | None = None, targets: list[dict[str, Any]] | None = None,
               **top: Any) -> DepartmentYear:
    """Deep-copy the example, apply overrides and read it with year_from_dict.

    facts: key -> raw value (None for blank). indicators: code -> raw 填报值, or a dict merged into the
    entry ({"value": …, "name": …}). targets: replaces the whole target list; rows are completed with
    blank defaults. Other keyword arguments replace top-level keys.
    """
    data = copy.deepcopy(example_data)
    data["facts"].update(facts or {})
    for code, value in (indicators or {}).items():
        entry = data["indicators"].setdefault(code, {})
        entry.update(value if isinstance(value, dict) else {"value": value})
    if targets is not None:
        data["targets"] = [target_row(**row) for row in targets]
    data.update(top)
    return year_from_dict(data, framework)


def target_row(kind: str = "产出", name: str = "指标", direction: str = "≥", target: Any = None,
               actual: Any = None, weight: Any = None, result: str = "", unit: str = "", note: str = "") -> dict:
    """One target row in the JSON form, with blank defaults."""
    return {"kind": kind, "name": name, "direction": direction, "target": target, "actual": actual,
            "unit": unit, "weight": weight, "result": result, "note": note}


@pytest.fixture(scope="session")
def year_with() -> Callable[..., DepartmentYear]:
    """The helper year_with(framework, example_data, facts=…, indicators=…, targets=…)."""
    return _year_with


@pytest.fixture
def score(framework: Framework, example_data: dict[str, Any]) -> Callable[..., IndicatorResult]:
    """score(code, facts=…, indicators=…, targets=…): one indicator of the example with overrides."""

    def run(code: str, **overrides: Any) -> IndicatorResult:
        year = _year_with(framework, example_data, **overrides)
        return score_indicator(framework, year, framework.indicator(code))

    return run
