"""Read a workbook (.xlsx/.xlsm) into a DepartmentYear, through the defined names of layout.py.

Nothing in the file is executed: openpyxl reads values only (the values Excel saved, so an input
typed as `=120+80` reads as 200). Score cells are never read: scores are always recomputed.
Every value is parsed by the pure parsers of core.values, and the cell is stamped on any error.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..core.errors import InputError, Location, WorkbookError, at
from ..core.frameworks import Framework, load_framework, shipped_frameworks
from ..core.model import (
    DIRECTIONS,
    QUALITATIVE_RESULTS,
    TARGET_KINDS,
    TEXT_FIELDS,
    DepartmentYear,
    IndicatorEntry,
    Project,
    Target,
)
from ..core.values import is_blank, normalize_direction, parse_number, parse_text
from . import layout as L
from ._cells import Cells
from ._file_source import open_cells


def read_workbook(path: str | Path, framework: Framework | str | Path | None = None) -> DepartmentYear:
    """Read one department-year. `framework` (a Framework, shipped id or .toml path) overrides the
    one the workbook names; without it only a shipped framework with the same rules is accepted."""
    path = Path(path)
    with at(Location(file=path.name)), open_cells(path) as cells:
        return read_cells(cells, framework)


def read_cells(cells: Cells, framework: Framework | str | Path | None = None) -> DepartmentYear:
    """Read a department-year from any source of cells (a file, or the live workbook in Excel)."""
    with at(Location(file=cells.file)):
        if framework is None:
            framework = _named_framework(cells)
        elif not isinstance(framework, Framework):
            framework = load_framework(framework)
        return _read(cells, framework, cells.file)


def _named_framework(cells: Cells) -> Framework:
    """The shipped framework the workbook names. A workbook is untrusted: it never names a file to open."""
    where = Location(sheet=L.INFO_SHEET, cell=cells.cell_of(L.FRAMEWORK)) if cells.has(L.FRAMEWORK) else None
    framework_id = parse_text(cells.value(L.FRAMEWORK)) if cells.has(L.FRAMEWORK) else ""
    if not framework_id:
        raise WorkbookError("工作簿中没有写明评分框架（基本信息“评分框架”为空）", location=where,
                            fix="请在“评分框架”单元格填写框架编号（如 gz-baiyun-2022）；用命令行时也可加 --framework 指定")
    if framework_id not in shipped_frameworks():
        raise WorkbookError(f"工作簿使用的评分框架“{framework_id}”不是内置框架", location=where,
                            fix="这是自定义评分框架，工作簿中的按钮和公式不能使用；请用命令 xlperf check 文件 --framework 该框架的.toml")
    framework = load_framework(framework_id)
    recorded = cells.constant(L.FRAMEWORK_DIGEST)
    if recorded and recorded != framework.digest:
        raise WorkbookError(f"工作簿生成时的评分规则与当前内置的“{framework_id}”不同（用了修改过的框架文件，"
                            "或 xlperf 升级后规则有变化）", location=where,
                            fix=f"请用命令 xlperf check 文件 --framework 生成它的框架文件；或加 --framework {framework_id} 按当前内置规则评分")
    return framework


def _read(cells: Cells, fw: Framework, source: str) -> DepartmentYear:
    year = DepartmentYear(department=parse_text(cells.value(L.DEPARTMENT)), year=None, framework_id=fw.id,
                          source=source)
    year.locations["department"] = cells.location(L.DEPARTMENT)
    year.locations["year"] = cells.location(L.YEAR)
    with _keep_going(year, "year", cells.location(L.YEAR)):
        number = parse_number(cells.value(L.YEAR))
        if number is not None:
            if number != number.to_integral_value() or not 2000 <= number <= 2100:
                raise InputError(f"年度应为 4 位整数，收到 {number}")
            year.year = int(number)
    for key in TEXT_FIELDS:
        name = L.text_name(key)
        year.texts[key] = parse_text(cells.value(name))
        year.locations[f"texts.{key}"] = cells.location(name)
    for fact in fw.facts:
        name = L.fact_name(fact.key)
        location = cells.location(name)
        year.locations[f"facts.{fact.key}"] = location
        year.facts[fact.key] = None
        with _keep_going(year, f"facts.{fact.key}", location):
            year.facts[fact.key] = parse_number(cells.value(name))
    for ind in fw.indicators:
        value: Decimal | str | None = None
        if ind.method_info.entry != "none":
            name = L.indicator_name(ind.code, "VALUE")
            location = cells.location(name)
            year.locations[f"indicators.{ind.code}.value"] = location
            raw = cells.value(name)
            with _keep_going(year, f"indicators.{ind.code}.value", location):
                value = None if is_blank(raw) else (parse_text(raw) if isinstance(raw, str) else _raw_number(raw, location))
        reason_name = L.indicator_name(ind.code, "REASON")
        year.locations[f"indicators.{ind.code}.reason"] = cells.location(reason_name)
        display_name = ""
        if ind.name_editable:
            name_name = L.indicator_name(ind.code, "NAME")
            year.locations[f"indicators.{ind.code}.name"] = cells.location(name_name)
            display_name = parse_text(cells.value(name_name))
        year.entries[ind.code] = IndicatorEntry(value, parse_text(cells.value(reason_name)), display_name)
    year.locations["targets"] = cells.location(L.TARGETS, whole=True)
    year.targets = list(_rows(year, "targets", _targets(cells)))
    year.locations["projects"] = cells.location(L.PROJECTS, whole=True)
    year.projects = list(_rows(year, "projects", _projects(cells)))
    year.outside_tables = cells.below(L.TARGETS, len(L.TARGET_COLUMNS)) + cells.below(L.PROJECTS, len(L.PROJECT_COLUMNS))
    _uncalculated_formulas(cells, fw, year)
    return year


def _uncalculated_formulas(cells: Cells, fw: Framework, year: DepartmentYear) -> None:
    """A blank input that is really a formula no program has calculated (the file was written by a
    tool that does not calculate): say so, rather than "未填写"."""
    blanks = [(f"facts.{f.key}", L.fact_name(f.key)) for f in fw.facts if year.facts.get(f.key) is None]
    blanks += [(f"indicators.{i.code}.value", L.indicator_name(i.code, "VALUE")) for i in fw.indicators
               if i.method_info.entry != "none" and year.entry(i.code).value is None]
    for key, name in blanks:
        if key in year.unreadable:
            continue
        formula = cells.formula(name)
        if formula:
            year.unreadable[key] = InputError(
                f"单元格是公式“{formula[:40]}”，但文件中没有保存它的计算结果", location=cells.location(name),
                fix="请在 Excel 或 WPS 中打开该文件并保存一次，或直接填写数值")


@contextmanager
def _keep_going(year: DepartmentYear, key: str, location: Location) -> Iterator[None]:
    """Record an unusable value and carry on reading, so that check can list every bad cell."""
    try:
        with at(location):
            yield
    except InputError as exc:
        year.unreadable[key] = exc


def _rows(year: DepartmentYear, key: str, rows: Iterator[tuple[Location, Any]]) -> Iterator[Any]:
    """The readable rows of a table; an unreadable row is recorded under its cells, e.g. targets[绩效目标!B5:J5]."""
    for location, row in rows:
        if isinstance(row, InputError):
            year.unreadable[f"{key}[{location}]"] = row
        else:
            yield row


def _raw_number(raw: Any, location: Location) -> Decimal | None:
    with at(location):
        return parse_number(raw)


def _targets(cells: Cells) -> Iterator[tuple[Location, Target | InputError]]:
    keys = [c.key for c in L.TARGET_COLUMNS]
    for location, row in cells.table(L.TARGETS, keys):
        try:
            yield location, _target(location, row)
        except InputError as exc:
            yield location, exc


def _target(location: Location, row: dict[str, Any]) -> Target:
    with at(location):
        kind, name, direction = (parse_text(row[k]) for k in ("kind", "name", "direction"))
        direction = normalize_direction(direction)
        result = parse_text(row["result"])
        if not name:
            raise InputError("这一行填了内容，但“指标名称”为空")
        if kind not in TARGET_KINDS:
            raise InputError(f"“{name}”的类别应为 {'、'.join(TARGET_KINDS)} 之一，收到“{kind}”")
        if direction not in DIRECTIONS:
            raise InputError(f"“{name}”的方向应为 {'、'.join(DIRECTIONS)} 之一，收到“{direction}”")
        if result and result not in QUALITATIVE_RESULTS:
            raise InputError(f"“{name}”的定性完成情况应为 {'、'.join(QUALITATIVE_RESULTS)} 之一，收到“{result}”")
        numbers = {k: parse_number(row[k]) for k in ("target", "actual", "weight")}
    return Target(kind, name, direction, numbers["target"], numbers["actual"], parse_text(row["unit"]),
                  numbers["weight"], result, parse_text(row["note"]), location)


def _projects(cells: Cells) -> Iterator[tuple[Location, Project | InputError]]:
    keys = [c.key for c in L.PROJECT_COLUMNS]
    for location, row in cells.table(L.PROJECTS, keys):
        try:
            with at(location):
                name = parse_text(row["name"])
                if not name:
                    raise InputError("这一行填了内容，但“项目名称”为空")
                budget, actual = parse_number(row["budget"]), parse_number(row["actual"])
        except InputError as exc:
            yield location, exc
            continue
        yield location, Project(name, budget, actual, parse_text(row["outputs"]), parse_text(row["benefits"]),
                                parse_text(row["satisfaction"]), location)


def year_from_ranges(fw: Framework, codes: Sequence[Any], values: Sequence[Any], names: Sequence[Any],
                     fact_keys: Sequence[Any], fact_values: Sequence[Any],
                     target_rows: Sequence[Sequence[Any]]) -> DepartmentYear:
    """The department-year as the UDFs see it: the values of the 评分表 and 收支情况 columns and the
    绩效目标 rows, as Excel passes them. Places are named in words (no cell is known to a UDF)."""
    year = DepartmentYear(department="", year=None, framework_id=fw.id)
    given = {parse_text(k): v for k, v in zip(fact_keys, fact_values) if not is_blank(k)}
    for fact in fw.facts:
        where = Location(path=f"数据项“{fact.name}”")
        year.locations[f"facts.{fact.key}"] = where
        year.facts[fact.key] = None
        with _keep_going(year, f"facts.{fact.key}", where):
            year.facts[fact.key] = parse_number(given.get(fact.key))
    rows = {parse_text(c).upper(): (v, n) for c, v, n in zip(codes, values, names) if not is_blank(c)}
    for ind in fw.indicators:
        raw, name = rows.get(ind.code.upper(), (None, None))
        where = Location(path=f"“{ind.name}”的填报值")
        year.locations[f"indicators.{ind.code}.value"] = where
        value: Decimal | str | None = None
        if ind.method_info.entry != "none":
            with _keep_going(year, f"indicators.{ind.code}.value", where):
                value = None if is_blank(raw) else (parse_text(raw) if isinstance(raw, str) else parse_number(raw))
        display = parse_text(name) if ind.name_editable else ""
        year.entries[ind.code] = IndicatorEntry(value, "", display)
    keys = [c.key for c in L.TARGET_COLUMNS]
    year.locations["targets"] = Location(path="绩效目标表")
    for i, row in enumerate(target_rows, start=1):
        cells = dict(zip(keys, list(row) + [None] * (len(keys) - len(row))))
        if all(is_blank(v) for v in cells.values()):
            continue
        where = Location(path=f"绩效目标第 {i} 行")
        try:
            year.targets.append(_target(where, cells))
        except InputError as exc:
            year.unreadable[f"targets[{where}]"] = exc
    return year
