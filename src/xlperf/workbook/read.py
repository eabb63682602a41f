"""Read a workbook (.xlsx/.xlsm) into a DepartmentYear, through the defined names of layout.py.

Nothing in the file is executed: calamine (or openpyxl) reads values only (the values Excel saved, so
an input typed as `=120+80` reads as 200). Score cells are never read: scores are always recomputed.
Every value is parsed by the pure parsers of core.values, and the cell is stamped on any error.

The saved value of a formula drawing on something outside the workbook (another workbook, a DDE link,
WEBSERVICE …) is not what the workbook shows when opened, and may be anything: such an input is not
read, and `check` names its cell (E002).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import Any

from ..core.errors import InputError, Location, WorkbookError, XlperfError, at
from ..core.frameworks import Framework, load_framework, shipped_frameworks
from ..core.model import (
    TEXT_FIELDS,
    DepartmentYear,
    IndicatorEntry,
    Project,
    Target,
    target_choice_problem,
)
from ..core.values import (
    Parsed,
    is_blank,
    normalize_direction,
    parse_number,
    parse_number_in_unit,
    parse_number_noted,
    parse_text,
)
from . import layout as L
from ._cells import Cells, bounds, column_letters
from ._readers import Reader, open_cells
from ._shown import read_sheet_scores


def read_workbook(path: str | Path, framework: Framework | str | Path | None = None, *,
                  reader: Reader = "calamine") -> DepartmentYear:
    """Read one department-year. `framework` (a Framework, shipped id or .toml path) overrides the
    one the workbook names; without it only a shipped framework with the same rules is accepted.
    `reader`: "calamine" (about 4 times faster) or "openpyxl"; both give the same year and errors."""
    path = Path(path)
    with at(Location(file=path.name)), open_cells(path, reader) as cells:
        return read_cells(cells, framework)


def read_cells(cells: Cells, framework: Framework | str | Path | None = None) -> DepartmentYear:
    """Read a department-year from any source of cells (a file, or the live workbook in Excel)."""
    return read_year(cells, framework)[0]


def read_year(cells: Cells, framework: Framework | str | Path | None = None) -> tuple[DepartmentYear, Framework]:
    """The department-year and the framework it was read with (loaded once: the one `framework` names,
    else the shipped one the workbook names)."""
    with at(Location(file=cells.file)):
        if framework is None:
            framework = _named_framework(cells)
        elif not isinstance(framework, Framework):
            framework = load_framework(framework)
        year = _read(cells, framework, cells.file)
        year.sheet = read_sheet_scores(cells, framework)  # what its 评分表 shows, to compare (W601)
        return year, framework


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
        number = _noted(year, "year", parse_number_noted(cells.value(L.YEAR)))
        if number is not None:
            if number != number.to_integral_value() or not 2000 <= number <= 2100:
                raise InputError(f"年度应为 4 位整数，收到 {number}")
            year.year = int(number)
    for key in TEXT_FIELDS:
        name = L.text_name(key)
        if key in L.ADDED_TEXTS and not cells.has(name):
            year.texts[key] = ""
            continue
        year.texts[key] = parse_text(cells.value(name))
        year.locations[f"texts.{key}"] = cells.location(name)
    for fact in fw.facts:
        name = L.fact_name(fact.key)
        location = cells.location(name)
        year.locations[f"facts.{fact.key}"] = location
        year.facts[fact.key] = None
        with _keep_going(year, f"facts.{fact.key}", location):
            year.facts[fact.key] = _noted(year, f"facts.{fact.key}", parse_number_noted(cells.value(name)))
    for ind in fw.indicators:
        value: Decimal | str | None = None
        if ind.method_info.entry != "none":
            name = L.indicator_name(ind.code, "VALUE")
            location = cells.location(name)
            year.locations[f"indicators.{ind.code}.value"] = location
            raw = cells.value(name)
            with _keep_going(year, f"indicators.{ind.code}.value", location):
                value = _entry_value(year, ind.code, ind.method_info.entry, raw)
        reason_name = L.indicator_name(ind.code, "REASON")
        year.locations[f"indicators.{ind.code}.reason"] = cells.location(reason_name)
        display_name = ""
        if ind.name_editable:
            name_name = L.indicator_name(ind.code, "NAME")
            year.locations[f"indicators.{ind.code}.name"] = cells.location(name_name)
            display_name = parse_text(cells.value(name_name))
        year.entries[ind.code] = IndicatorEntry(value, parse_text(cells.value(reason_name)), display_name)
    year.locations["targets"] = cells.location(L.TARGETS, whole=True)
    year.targets = list(_rows(year, "targets", _targets(cells), [c.key for c in L.TARGET_COLUMNS]))
    year.locations["projects"] = cells.location(L.PROJECTS, whole=True)
    year.projects = list(_rows(year, "projects", _projects(cells), [c.key for c in L.PROJECT_COLUMNS]))
    year.outside_tables = cells.below(L.TARGETS, len(L.TARGET_COLUMNS)) + cells.below(L.PROJECTS, len(L.PROJECT_COLUMNS))
    if cells.saved_values:  # (in Excel itself, the value shown is the one read)
        _outside_formulas(cells, fw, year)
    _uncalculated_formulas(cells, fw, year)
    _merged_inputs(cells, year)
    return year


def _noted(year: DepartmentYear, key: str, parsed: Parsed) -> Decimal | None:
    """The value of a tolerant parse; its note, if any, is kept for the checks (I501)."""
    if parsed.note:
        year.notices[key] = parsed.note
    return parsed.value


def _entry_value(year: DepartmentYear, code: str, entry: str, raw: Any) -> Decimal | str | None:
    """A 填报值 as typed: a choice stays text, a number is a number. A count typed as text is parsed
    when scored; a note on how it will be read is kept here."""
    if is_blank(raw):
        return None
    if not isinstance(raw, str):
        return parse_number(raw)
    if entry == "count":
        try:
            _noted(year, f"indicators.{code}.value", parse_number_noted(raw))
        except InputError:
            pass  # the indicator refuses it, with the cell, when scored
    return parse_text(raw)


def _merged_inputs(cells: Cells, year: DepartmentYear) -> None:
    """Merged cells that hide inputs (a clerk merged over them, or another tool did): the hidden cells
    read as blank, so say so (E003) rather than "未填写", and never score on them."""
    singles: dict[tuple[str, int, int], str] = {}
    for key, location in year.locations.items():
        if "[" not in key and location.sheet and location.cell and ":" not in location.cell:
            (col, row), _ = bounds(location.cell)
            singles[(location.sheet, col, row)] = key
    on_sheet: dict[str, list[tuple[int, int, str]]] = {}  # the singles of each sheet, in the same order
    for (sheet, col, row), key in singles.items():
        on_sheet.setdefault(sheet, []).append((col, row, key))
    tables = {key: (year.locations[key].sheet, bounds(cells.cell_of(name)))
              for key, name in (("targets", L.TARGETS), ("projects", L.PROJECTS)) if key in year.locations}
    sheets = set(on_sheet) | {sheet for sheet, _ in tables.values()}
    for sheet in sorted(sheets):
        for ref in cells.merged(sheet):
            # arithmetic on the corners, never cell by cell: a file may claim a merge of A1:XFD1048576
            (c1, r1), (c2, r2) = bounds(ref)
            keys = [key for c, r, key in on_sheet.get(sheet, ())
                    if c1 <= c <= c2 and r1 <= r <= r2 and (c, r) != (c1, r1)]
            for table, (table_sheet, ((t1, tr1), (t2, tr2))) in tables.items():
                left, right, top, bottom = max(c1, t1), min(c2, t2), max(r1, tr1), min(r2, tr2)
                if table_sheet != sheet or left > right or top > bottom:
                    continue
                # a row of the table has a hidden cell unless its only merged cell is the top-left one
                rows = [r for r in range(top, bottom + 1) if not (r == r1 and left == right == c1)]
                keys += [f"{table}[{location}]" for location in _filled_rows(cells, sheet, rows, t1, t2)]
            if not keys:
                continue
            where = Location(sheet=sheet, cell=ref)
            year.merged_inputs[where] = tuple(keys)
            for key in keys:
                if key.startswith(("facts.", "targets[", "projects[")) or key.endswith(".value"):
                    year.unreadable.setdefault(key, InputError(
                        f"被合并单元格 {ref} 盖住，读不到内容", location=year.where(key) or where,
                        fix="请取消合并，把内容填回各自的单元格"))


def _filled_rows(cells: Cells, sheet: str, rows: list[int], first_col: int, last_col: int) -> list[Location]:
    """The rows of a table, among `rows`, with something in them (merging blank spare rows hides nothing)."""
    filled = []
    for r in rows:
        if any(not is_blank(cells.at(sheet, r, c)) for c in range(first_col, last_col + 1)):
            filled.append(Location(sheet=sheet, cell=f"{column_letters(first_col)}{r}:{column_letters(last_col)}{r}"))
    return filled


# What a formula draws on from outside the workbook. String literals ("…") are removed first: text
# there is not a reference. HYPERLINK (its value is the text shown) and FILTERXML (it only reads the XML
# it is given) draw on nothing outside; INDIRECT of another workbook only works while that is open.
_STRING_LITERAL = re.compile(r'"(?:[^"]|"")*"')
# [1]Sheet1!A1 (an external link, as files write it; [0] is the workbook itself), 'C:\dir\[b.xlsx]表'!A1 and
# [b.xlsx]表!A1 (as Excel shows it): a sheet name cannot hold "[" or "]"
_OTHER_WORKBOOK = re.compile(r"\[[1-9][0-9]*\]|'[^']*\[[^']*\][^']*'!|\[[^\[\]]*\][^\[\]!'\s(),;+\-*/^&=<>]*!")
_DDE = re.compile(r"(?<![\w.'])([A-Za-z][\w.]*)\|('(?:[^']|'')*'|[\w.]+)")
_OUTSIDE_FUNCTIONS = {
    "WEBSERVICE": "从网络取数", "STOCKHISTORY": "从网络取数", "FIELDVALUE": "从网络取数", "IMAGE": "从网络取图片",
    "RTD": "从外部程序取数", "CALL": "调用外部程序", "REGISTER.ID": "调用外部程序", "SQL.REQUEST": "从外部数据库取数",
    "CUBEVALUE": "从外部数据库取数", "CUBEMEMBER": "从外部数据库取数", "CUBESET": "从外部数据库取数",
    "CUBESETCOUNT": "从外部数据库取数", "CUBERANKEDMEMBER": "从外部数据库取数", "CUBEMEMBERPROPERTY": "从外部数据库取数",
    "CUBEKPIMEMBER": "从外部数据库取数",
}
_FUNCTION = re.compile(r"(?<![\w.])(?:_xl[a-z]+\.)*([A-Za-z][\w.]*)\s*\(")


def outside_source(formula: str) -> str:
    """What a formula draws on from outside the workbook, in words ("" when nothing): "引用了其他工作簿
    （外部链接）", "使用了 WEBSERVICE 函数（从网络取数）", "调用了外部程序（DDE 链接 cmd|' /C calc'）"."""
    if not formula:
        return ""
    bare = _STRING_LITERAL.sub('""', formula)
    dde = _DDE.search(bare)
    if dde:
        return f"调用了外部程序（DDE 链接 {dde.group(0)[:40]}）"
    for match in _FUNCTION.finditer(bare):
        what = _OUTSIDE_FUNCTIONS.get(match.group(1).upper())
        if what:
            return f"使用了 {match.group(1).upper()} 函数（{what}）"
    if _OTHER_WORKBOOK.search(bare):
        return "引用了其他工作簿（外部链接）"
    return ""


def _outside_formulas(cells: Cells, fw: Framework, year: DepartmentYear) -> None:
    """An input whose saved value comes from outside the workbook is not read: its value is dropped and
    `check` names the cell (E002). Table rows are refused as they are read (_table_rows)."""
    singles = [("department", L.DEPARTMENT), ("year", L.YEAR)]
    singles += [(f"texts.{key}", L.text_name(key)) for key in TEXT_FIELDS
                if key not in L.ADDED_TEXTS or cells.has(L.text_name(key))]
    singles += [(f"facts.{f.key}", L.fact_name(f.key)) for f in fw.facts]
    for ind in fw.indicators:
        parts = (["VALUE"] if ind.method_info.entry != "none" else []) + ["REASON"] + (["NAME"] if ind.name_editable else [])
        singles += [(f"indicators.{ind.code}.{part.lower()}", L.indicator_name(ind.code, part)) for part in parts]
    for key, name in singles:
        location = cells.location(name)
        (col, row), _ = bounds(location.cell)
        problem = outside_source(cells.formula_behind(location.sheet, row, col))
        if not problem:
            continue
        year.unreadable[key] = _outside_error(problem, location)
        section, _, field = key.partition(".")
        if section == "department":
            year.department = ""
        elif section == "year":
            year.year = None
        elif section == "texts":
            year.texts[field] = ""
        elif section == "facts":
            year.facts[field] = None
            year.notices.pop(key, None)
        else:
            code, part = field.split(".")
            entry = year.entries[code]
            year.entries[code] = IndicatorEntry(None if part == "value" else entry.value,
                                                "" if part == "reason" else entry.reason, "" if part == "name" else entry.name)
            year.notices.pop(key, None)


def _outside_error(problem: str, location: Location) -> InputError:
    return InputError(f"单元格的公式{problem}，保存的值不是本工作簿中的内容，不予读取", location=location,
                      fix="请删除公式，直接填写数值或文字")


def _row_outside(cells: Cells, row: Location) -> InputError | None:
    """The first cell of a table row whose saved value comes from a formula drawing on something outside
    the workbook."""
    if not cells.saved_values:
        return None
    (col1, r), (col2, _) = bounds(row.cell)
    if cells.formula_free(row.sheet, r, col1, col2):
        return None  # (most rows: told by the scan, without a look at each cell)
    for col in range(col1, col2 + 1):
        problem = outside_source(cells.formula_behind(row.sheet, r, col))
        if problem:
            return _outside_error(problem, Location(sheet=row.sheet, cell=f"{column_letters(col)}{r}"))
    return None


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


class _keep_going:  # noqa: N801 - used as a function: `with _keep_going(year, key, location):`
    """Record an unusable value and carry on reading, so that check can list every bad cell. (A class:
    entered for every value read.)"""

    __slots__ = ("year", "key", "location")

    def __init__(self, year: DepartmentYear, key: str, location: Location) -> None:
        self.year, self.key, self.location = year, key, location

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> bool:
        if isinstance(exc, XlperfError):
            exc.located(self.location)  # as at(location)
        if isinstance(exc, InputError):
            self.year.unreadable[self.key] = exc
            return True  # read on
        return False


Notes = dict[str, str]  # column key -> how its value was read


def _rows(year: DepartmentYear, key: str, rows: Iterator[tuple[Location, Any, Notes]], columns: list[str],
          cells_of: Callable[[Location, int], Sequence[Location]] | None = None) -> Iterator[Any]:
    """The readable rows of a table; an unreadable row is recorded under its cells, e.g. targets[绩效目标!B5:J5].
    Each readable row's cells (`cells_of(row, len(columns))`, left to right) are located as
    "<key>[<i>].<column>", and their notes kept under the same keys."""
    cells_of = cells_of or _row_cells
    i = 0
    for location, row, notes in rows:
        if isinstance(row, InputError):
            year.unreadable[f"{key}[{location}]"] = row
            continue
        prefix = f"{key}[{i}]."
        for column, cell in zip(columns, cells_of(location, len(columns))):
            year.locations[prefix + column] = cell
        for column, note in notes.items():
            year.notices[f"{key}[{i}].{column}"] = note
        i += 1
        yield row


@functools.lru_cache(maxsize=4096)
def _row_cells(row: Location, count: int) -> tuple[Location, ...]:
    """The first `count` cells of a table row located as 绩效目标!B5:J5, made once (a Location cannot
    change: every workbook of a template has the same rows)."""
    (col, r), _ = bounds(row.cell)
    sheet, file = row.sheet, row.file
    return tuple(Location(sheet, f"{column_letters(col + index)}{r}", "", file) for index in range(count))


def _targets(cells: Cells) -> Iterator[tuple[Location, Target | InputError, Notes]]:
    keys = [c.key for c in L.TARGET_COLUMNS]
    for location, row in cells.table(L.TARGETS, keys):
        outside = _row_outside(cells, location)
        if outside is not None:
            yield location, outside, {}
            continue
        try:
            yield location, *_target(location, row)
        except InputError as exc:
            yield location, exc, {}


def _target(location: Location, row: dict[str, Any]) -> tuple[Target, Notes]:
    """One 绩效目标 row; in a row whose unit is %, "95%" reads as 95 (as 95 does)."""
    # (written out, without comprehensions: a workbook or a recalculation reads every row of the table)
    with at(location):
        kind, name = parse_text(row["kind"]), parse_text(row["name"])
        direction = normalize_direction(parse_text(row["direction"]))
        result = parse_text(row["result"])
        if not name:
            raise InputError("这一行填了内容，但“指标名称”为空")
        for column, value in (("kind", kind), ("direction", direction), ("result", result)):
            problem = target_choice_problem(column, value)
            if problem:
                raise InputError(f"“{name}”的{problem}")
        unit = parse_text(row["unit"])
        target = parse_number_in_unit(row["target"], unit)
        actual = parse_number_in_unit(row["actual"], unit)
        weight = parse_number_noted(row["weight"])
    notes = {}
    for key, parsed in (("target", target), ("actual", actual), ("weight", weight)):
        if parsed.note:
            notes[key] = parsed.note
    return Target(kind, name, direction, target.value, actual.value, unit, weight.value, result,
                  parse_text(row["note"]), location), notes


def _projects(cells: Cells) -> Iterator[tuple[Location, Project | InputError, Notes]]:
    keys = [c.key for c in L.PROJECT_COLUMNS]
    for location, row in cells.table(L.PROJECTS, keys):
        outside = _row_outside(cells, location)
        if outside is not None:
            yield location, outside, {}
            continue
        try:
            with at(location):
                name = parse_text(row["name"])
                if not name:
                    raise InputError("这一行填了内容，但“项目名称”为空")
                budget, actual = parse_number_noted(row["budget"]), parse_number_noted(row["actual"])
        except InputError as exc:
            yield location, exc, {}
            continue
        notes = {k: p.note for k, p in (("budget", budget), ("actual", actual)) if p.note}
        yield location, Project(name, budget.value, actual.value, parse_text(row["outputs"]),
                                parse_text(row["benefits"]), parse_text(row["satisfaction"]), location), notes


def year_from_ranges(fw: Framework, codes: Sequence[Any], values: Sequence[Any], names: Sequence[Any],
                     fact_keys: Sequence[Any], fact_values: Sequence[Any],
                     target_rows: Sequence[Sequence[Any]], reasons: Sequence[Any] | None = None) -> DepartmentYear:
    """The department-year as the UDFs see it: the values of the 评分表 and 收支情况 columns and the
    绩效目标 rows, as Excel passes them, and the 扣分原因 column when given (in the rows of `codes`).
    Places are named in words (no cell is known to a UDF)."""
    year = DepartmentYear(department="", year=None, framework_id=fw.id)
    given = {parse_text(k): v for k, v in zip(fact_keys, fact_values) if not is_blank(k)}
    for fact in fw.facts:
        where = _place("数据项“", fact.name, "”")
        year.locations[f"facts.{fact.key}"] = where
        year.facts[fact.key] = None
        with _keep_going(year, f"facts.{fact.key}", where):
            year.facts[fact.key] = _noted(year, f"facts.{fact.key}", parse_number_noted(given.get(fact.key)))
    why = list(reasons) if reasons is not None else []
    why += [None] * (len(codes) - len(why))
    rows = {parse_text(c).upper(): (v, n, r) for c, v, n, r in zip(codes, values, names, why) if not is_blank(c)}
    for ind in fw.indicators:
        raw, name, reason = rows.get(ind.code.upper(), (None, None, None))
        where = _place("“", ind.name, "”的填报值")
        year.locations[f"indicators.{ind.code}.value"] = where
        value: Decimal | str | None = None
        if ind.method_info.entry != "none":
            with _keep_going(year, f"indicators.{ind.code}.value", where):
                value = _entry_value(year, ind.code, ind.method_info.entry, raw)
        display = parse_text(name) if ind.name_editable else ""
        year.entries[ind.code] = IndicatorEntry(value, parse_text(reason), display)
        year.locations[f"indicators.{ind.code}.reason"] = _place("“", ind.name, "”的扣分原因")
    keys = [c.key for c in L.TARGET_COLUMNS]
    year.locations["targets"] = Location(path="绩效目标表")

    def read_rows() -> Iterator[tuple[Location, Target | InputError, Notes]]:
        for i, row in enumerate(target_rows, start=1):
            if row.count(None) + row.count("") == len(row):
                continue  # (most rows of the range are empty: found without a call per cell)
            cells = dict(zip(keys, list(row) + [None] * (len(keys) - len(row))))
            if all(is_blank(v) for v in cells.values()):
                continue
            where = _place("绩效目标第 ", str(i), " 行")
            try:
                yield where, *_target(where, cells)
            except InputError as exc:
                yield where, exc, {}

    year.targets = list(_rows(year, "targets", read_rows(), keys, lambda row, _count: _row_places(row.path)))
    return year


@functools.lru_cache(maxsize=4096)
def _row_places(row: str) -> tuple[Location, ...]:
    """The places of a 绩效目标 row's cells in words: 绩效目标第 3 行“目标值” … (made once, as _place)."""
    return tuple(_place(row, "“", c.header, "”") for c in L.TARGET_COLUMNS)


@functools.lru_cache(maxsize=8192)
def _place(*words: str) -> Location:
    """A place named in words (the UDFs know no cells): the same few hundred at every recalculation,
    made once (a Location cannot change)."""
    return Location(path="".join(words))
