"""The JSON form of one department-year, for import and export (schema: schema/department-year.schema.json).

Finance systems and tests create workbooks from it; `xlperf export` writes it. Reading it is as
strict as reading a workbook: every refusal names the JSON path (`facts.carryover`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .errors import InputError, Location, at
from .frameworks import Framework
from .model import (
    TEXT_FIELDS,
    DepartmentYear,
    IndicatorEntry,
    Project,
    Target,
    target_choice_problem,
)
from .values import (
    Parsed,
    normalize_direction,
    parse_number,
    parse_number_in_unit,
    parse_number_noted,
    parse_text,
)

FORMAT = "xlperf/department-year@1"


def year_from_dict(data: object, framework: Framework, source: str = "") -> DepartmentYear:
    """Read the JSON form; unknown keys and wrong types are refused with their path."""
    if not isinstance(data, dict):
        raise InputError("JSON 顶层应为对象 { … }", location=Location(path="$", file=source))
    _known(data, {"$schema", "format", "framework", "department", "year", "texts", "facts", "targets",
                  "indicators", "projects"}, "")
    if data.get("format", FORMAT) != FORMAT:
        raise _err("format", f"不支持的格式“{data.get('format')}”，应为“{FORMAT}”")
    # the framework actually used (an override wins over the one the file names)
    year = DepartmentYear(department=_str(data.get("department"), "department"), year=_year(data.get("year")),
                          framework_id=framework.id, source=source)
    year.locations.update({key: Location(path=key) for key in ("department", "year")})
    texts = _obj(data.get("texts", {}), "texts")
    _known(texts, set(TEXT_FIELDS), "texts")
    year.texts = {k: _str(texts.get(k), f"texts.{k}") for k in TEXT_FIELDS}
    year.locations.update({f"texts.{k}": Location(path=f"texts.{k}") for k in TEXT_FIELDS})
    facts = _obj(data.get("facts", {}), "facts")
    _known(facts, {f.key for f in framework.facts}, "facts")
    for fact in framework.facts:
        with at(Location(path=f"facts.{fact.key}")):
            year.facts[fact.key] = _noted(year, f"facts.{fact.key}", parse_number_noted(facts.get(fact.key)))
        year.locations[f"facts.{fact.key}"] = Location(path=f"facts.{fact.key}")
    year.locations["targets"] = Location(path="targets")
    for i, row in enumerate(_arr(data.get("targets", []), "targets")):
        year.targets.append(_target(row, f"targets[{i}]", year))
    year.locations["projects"] = Location(path="projects")
    for i, row in enumerate(_arr(data.get("projects", []), "projects")):
        year.projects.append(_project(row, f"projects[{i}]", year))
    entries = _obj(data.get("indicators", {}), "indicators")
    codes = {ind.code for ind in framework.indicators}
    _known(entries, codes, "indicators")
    for code, raw in entries.items():
        path = f"indicators.{code}"
        row = _obj(raw, path)
        _known(row, {"value", "reason", "name"}, path)
        value = row.get("value")
        if value is not None and framework.indicator(code).method_info.entry == "none":
            raise _err(f"{path}.value", "该指标由数据自动计算，不需要填报值，请设为 null")
        if value is not None and not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise _err(f"{path}.value", "填报值应为文字或数字")
        with at(Location(path=f"{path}.value")):
            parsed: Decimal | str | None = value if isinstance(value, str) or value is None else parse_number(value)
        if isinstance(value, str) and framework.indicator(code).method_info.entry == "count":
            try:
                _noted(year, f"{path}.value", parse_number_noted(value))
            except InputError:
                pass  # the indicator refuses it when scored
        year.entries[code] = IndicatorEntry(parsed, _str(row.get("reason"), f"{path}.reason"),
                                            _str(row.get("name"), f"{path}.name"))
        for part in ("value", "reason", "name"):
            year.locations[f"{path}.{part}"] = Location(path=f"{path}.{part}")
    return year


def year_to_dict(year: DepartmentYear, framework: Framework) -> dict[str, Any]:
    """The JSON form of a department-year (numbers as JSON numbers, blanks as null)."""
    return {
        "format": FORMAT,
        "framework": framework.id,
        "department": year.department,
        "year": year.year,
        "texts": {k: year.texts.get(k, "") for k in TEXT_FIELDS},
        "facts": {f.key: _num(year.facts.get(f.key)) for f in framework.facts},
        "targets": [{"kind": t.kind, "name": t.name, "direction": t.direction, "target": _num(t.target),
                     "actual": _num(t.actual), "unit": t.unit, "weight": _num(t.weight), "result": t.result,
                     "note": t.note} for t in year.targets],
        "indicators": {ind.code: {"value": _num(e.value) if isinstance(e.value, Decimal) else e.value,
                                  "reason": e.reason, "name": e.name}
                       for ind in framework.indicators for e in [year.entry(ind.code)]},
        "projects": [{"name": p.name, "budget": _num(p.budget), "actual": _num(p.actual), "outputs": p.outputs,
                      "benefits": p.benefits, "satisfaction": p.satisfaction} for p in year.projects],
    }


def _noted(year: DepartmentYear, key: str, parsed: Parsed) -> Decimal | None:
    """The value of a tolerant parse; its note, if any, is kept for the checks (I501)."""
    if parsed.note:
        year.notices[key] = parsed.note
    return parsed.value


def _target(raw: object, path: str, year: DepartmentYear) -> Target:
    row = _obj(raw, path)
    _known(row, {"kind", "name", "direction", "target", "actual", "unit", "weight", "result", "note"}, path)
    kind = _str(row.get("kind"), f"{path}.kind")
    direction = normalize_direction(_str(row.get("direction"), f"{path}.direction"))
    result = _str(row.get("result"), f"{path}.result")
    for column, value in (("kind", kind), ("direction", direction), ("result", result)):
        problem = target_choice_problem(column, value)
        if problem:
            raise _err(f"{path}.{column}", problem)
    unit = _str(row.get("unit"), f"{path}.unit")
    numbers = {}
    for key in ("target", "actual", "weight"):
        with at(Location(path=f"{path}.{key}")):
            # in a row whose unit is %, "95%" reads as 95 (as 95 does)
            parsed = parse_number_in_unit(row.get(key), unit) if key != "weight" else parse_number_noted(row.get(key))
            numbers[key] = _noted(year, f"{path}.{key}", parsed)
    name = _str(row.get("name"), f"{path}.name")
    if not name:
        raise _err(f"{path}.name", "目标名称为空")
    for key in ("kind", "name", "direction", "target", "actual", "unit", "weight", "result", "note"):
        year.locations[f"{path}.{key}"] = Location(path=f"{path}.{key}")
    return Target(kind, name, direction, numbers["target"], numbers["actual"], unit,
                  numbers["weight"], result, _str(row.get("note"), f"{path}.note"), Location(path=path))


def _project(raw: object, path: str, year: DepartmentYear) -> Project:
    row = _obj(raw, path)
    _known(row, {"name", "budget", "actual", "outputs", "benefits", "satisfaction"}, path)
    for key in ("name", "budget", "actual", "outputs", "benefits", "satisfaction"):
        year.locations[f"{path}.{key}"] = Location(path=f"{path}.{key}")
    amounts = {}
    for key in ("budget", "actual"):
        with at(Location(path=f"{path}.{key}")):
            amounts[key] = _noted(year, f"{path}.{key}", parse_number_noted(row.get(key)))
    texts = {k: _str(row.get(k), f"{path}.{k}") for k in ("outputs", "benefits", "satisfaction")}
    if not _str(row.get("name"), f"{path}.name"):
        raise _err(f"{path}.name", "项目名称为空")
    return Project(_str(row.get("name"), f"{path}.name"), amounts["budget"], amounts["actual"],
                   texts["outputs"], texts["benefits"], texts["satisfaction"], location=Location(path=path))


def _num(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() and abs(value) < 2**53 else float(value)


def _known(row: dict[str, Any], allowed: set[str], path: str) -> None:
    unknown = sorted(set(row) - allowed)
    if unknown:
        raise _err(f"{path}.{unknown[0]}" if path else unknown[0], f"未知字段“{unknown[0]}”")


def _obj(value: object, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _err(path, "应为对象 { … }")
    return value


def _arr(value: object, path: str) -> list[Any]:
    if not isinstance(value, list):
        raise _err(path, "应为数组 [ … ]")
    return value


def _str(value: object, path: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise _err(path, "应为文字")
    return parse_text(value)


def _year(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 2000 <= value <= 2100:
        raise _err("year", f"年度应为 2000～2100 的整数，收到“{value}”")
    return value


def _err(path: str, message: str) -> InputError:
    return InputError(message, location=Location(path=path))
