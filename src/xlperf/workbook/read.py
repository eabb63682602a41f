"""Read a workbook (.xlsx/.xlsm) into a DepartmentYear, through the defined names of layout.py.

Nothing in the file is executed: openpyxl reads values only (the values Excel saved, so an input
typed as `=120+80` reads as 200). Score cells are never read: scores are always recomputed.
Every value is parsed by the pure parsers of core.values, and the cell is stamped on any error.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..core.errors import InputError, Location, UnsafeFileError, WorkbookError, XlperfError, at
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

ROWS_BELOW_TABLES = 200
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_CELL = re.compile(r"^\$?([A-Z]{1,3})\$?(\d+)(?::\$?([A-Z]{1,3})\$?(\d+))?$")


def read_workbook(path: str | Path, framework: Framework | str | Path | None = None) -> DepartmentYear:
    """Read one department-year. `framework` (a Framework, shipped id or .toml path) overrides the
    one the workbook names; without it only a shipped framework with the same rules is accepted."""
    path = Path(path)
    with at(Location(file=path.name)), _Cells.open(path) as cells:
        if framework is None:
            framework = _named_framework(cells)
        elif not isinstance(framework, Framework):
            framework = load_framework(framework)
        return _read(cells, framework, path.name)


def _named_framework(cells: _Cells) -> Framework:
    """The shipped framework the workbook names. A workbook is untrusted: it never names a file to open."""
    where = Location(sheet=L.INFO_SHEET, cell=cells.cell_of(L.FRAMEWORK)) if cells.has(L.FRAMEWORK) else None
    framework_id = parse_text(cells.value(L.FRAMEWORK)) if cells.has(L.FRAMEWORK) else ""
    if not framework_id:
        raise WorkbookError("工作簿中没有写明评分框架（基本信息“评分框架”为空）", location=where,
                            fix="请用 --framework 指定框架")
    if framework_id not in shipped_frameworks():
        raise WorkbookError(f"工作簿使用的评分框架“{framework_id}”不是内置框架", location=where,
                            fix="请用 --framework 指定该框架的 .toml 文件")
    framework = load_framework(framework_id)
    recorded = cells.constant(L.FRAMEWORK_DIGEST)
    if recorded and recorded != framework.digest:
        raise WorkbookError(f"工作簿生成时的评分规则与当前内置的“{framework_id}”不同（用了修改过的框架文件，"
                            "或 xlperf 升级后规则有变化）", location=where,
                            fix=f"请用 --framework 指定生成它的框架文件；或用 --framework {framework_id} 按当前内置规则评分")
    return framework


def _read(cells: _Cells, fw: Framework, source: str) -> DepartmentYear:
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


def _uncalculated_formulas(cells: _Cells, fw: Framework, year: DepartmentYear) -> None:
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


def _targets(cells: _Cells) -> Iterator[tuple[Location, Target | InputError]]:
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


def _projects(cells: _Cells) -> Iterator[tuple[Location, Project | InputError]]:
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


class _Cells:
    """The values of an openpyxl workbook, looked up through defined names."""

    def __init__(self, wb: Any, file: str, path: Path | None = None) -> None:
        self.wb, self.file, self.path = wb, file, path
        self._formula_book: Any = None
        self._grids: dict[str, dict[tuple[int, int], Any]] = {}
        self._names: dict[str, tuple[str, str]] = {}
        self._broken: set[str] = set()
        for name, defined in wb.defined_names.items():
            if "#REF!" in (defined.attr_text or ""):
                self._broken.add(name)  # Excel writes #REF! when the row or sheet a name pointed at is deleted
                continue
            for sheet, ref in defined.destinations:
                self._names[name] = (sheet, ref.replace("$", ""))
        # read each sheet only as far down as its names reach (plus room to notice data below a table):
        # a stray value in row 1 000 000 must not cost a full scan
        self._last_row: dict[str, int] = {}
        for sheet, ref in self._names.values():
            match = _CELL.match(ref)
            if match:
                last = int(match.group(4) or match.group(2))
                self._last_row[sheet] = max(self._last_row.get(sheet, 0), last + ROWS_BELOW_TABLES)
        if L.LAYOUT_NAME not in wb.defined_names:
            raise WorkbookError("这不是 xlperf 生成的绩效自评工作簿（缺少版式标记 XP_LAYOUT）",
                                location=Location(file=file), fix="请用 xlperf new 生成工作簿后填写")
        version = self.constant(L.LAYOUT_NAME)
        if version != L.LAYOUT_VERSION:
            raise WorkbookError(f"工作簿版式为“{version}”，本程序只能读取“{L.LAYOUT_VERSION}”",
                                location=Location(file=file), fix="请升级 xlperf，或用 xlperf new 重新生成工作簿")

    def constant(self, name: str) -> str:
        """The text of a defined name that holds a constant (="…"), or "" when absent."""
        defined = self.wb.defined_names.get(name)
        return defined.attr_text.strip().removeprefix("=").strip('"') if defined is not None else ""

    @classmethod
    def open(cls, path: Path) -> _OpenCells:
        return _OpenCells(path)

    def has(self, name: str) -> bool:
        return name in self._names

    def _dest(self, name: str) -> tuple[str, str]:
        if name in self._broken:
            raise WorkbookError(f"名称“{name}”指向的单元格已被删除（#REF!），通常是整行或整列被删除了",
                                location=Location(file=self.file),
                                fix="请撤销删除；或用 xlperf new 重新生成工作簿后把数据填回")
        try:
            return self._names[name]
        except KeyError:
            raise WorkbookError(f"工作簿缺少名称“{name}”，可能被删除或改名，或工作簿不是用这个评分框架生成的",
                                location=Location(file=self.file), fix="请在“公式 > 名称管理器”中恢复，或重新生成工作簿") from None

    def cell_of(self, name: str) -> str:
        return self._dest(name)[1]

    def location(self, name: str, whole: bool = False) -> Location:
        sheet, ref = self._dest(name)
        return Location(sheet=sheet, cell="" if whole else ref)

    def _grid(self, sheet: str) -> dict[tuple[int, int], Any]:
        if sheet not in self._grids:
            if sheet not in self.wb.sheetnames:
                raise WorkbookError(f"工作簿缺少工作表“{sheet}”（可能被删除或改名）", location=Location(file=self.file))
            grid: dict[tuple[int, int], Any] = {}
            # values only, from A1: read-only openpyxl pads gaps, so positions are row/column numbers
            rows = self.wb[sheet].iter_rows(min_row=1, min_col=1, max_row=self._last_row.get(sheet, 1),
                                            values_only=True)
            for r, values in enumerate(rows, start=1):
                for c, value in enumerate(values, start=1):
                    if value is not None:
                        grid[(r, c)] = value
            self._grids[sheet] = grid
        return self._grids[sheet]

    def formula(self, name: str) -> str:
        """The formula typed in a named cell ("" when none). Loads the formulas only when first asked."""
        if self.path is None:
            return ""
        if self._formula_book is None:
            import openpyxl

            self._formula_book = openpyxl.load_workbook(self.path, read_only=True, data_only=False)
            self._formula_grids: dict[str, dict[tuple[int, int], Any]] = {}
        sheet, ref = self._dest(name)
        if sheet not in self._formula_grids:
            grid = {}
            for r, values in enumerate(self._formula_book[sheet].iter_rows(
                    min_row=1, max_row=self._last_row.get(sheet, 1), values_only=True), start=1):
                for c, value in enumerate(values, start=1):
                    if isinstance(value, str) and value.startswith("="):
                        grid[(r, c)] = value
            self._formula_grids[sheet] = grid
        (col, row), _ = _bounds(ref)
        return str(self._formula_grids[sheet].get((row, col), ""))

    def close(self) -> None:
        if self._formula_book is not None:
            self._formula_book.close()

    def value(self, name: str) -> Any:
        sheet, ref = self._dest(name)
        (col, row), _ = _bounds(ref)
        return self._grid(sheet).get((row, col))

    def below(self, name: str, width: int) -> list[Location]:
        """Non-blank rows just below a named table: data typed there would be silently ignored."""
        from openpyxl.utils import get_column_letter

        sheet, ref = self._dest(name)
        (col1, _), (_, row2) = _bounds(ref)
        grid = self._grid(sheet)
        rows = sorted({r for (r, c), v in grid.items() if r > row2 and col1 <= c < col1 + width and not is_blank(v)})
        return [Location(sheet=sheet, cell=f"{get_column_letter(col1)}{r}:{get_column_letter(col1 + width - 1)}{r}")
                for r in rows]

    def table(self, name: str, keys: list[str]) -> Iterator[tuple[Location, dict[str, Any]]]:
        """The non-blank rows of a named table range, as dicts keyed by `keys` (left to right)."""
        from openpyxl.utils import get_column_letter

        sheet, ref = self._dest(name)
        (col1, row1), (col2, row2) = _bounds(ref)
        if col2 - col1 + 1 < len(keys):
            raise WorkbookError(f"名称“{name}”指向的区域列数不足", location=Location(sheet=sheet, file=self.file))
        grid = self._grid(sheet)
        for r in range(row1, row2 + 1):
            values = [grid.get((r, c)) for c in range(col1, col1 + len(keys))]
            if all(is_blank(v) for v in values):
                continue
            where = f"{get_column_letter(col1)}{r}:{get_column_letter(col1 + len(keys) - 1)}{r}"
            yield Location(sheet=sheet, cell=where), dict(zip(keys, values))


class _OpenCells:
    """Context manager: open the file safely, translate foreign errors, always close."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.wb: Any = None
        self.cells: _Cells | None = None

    def __enter__(self) -> _Cells:
        self.wb = _load(self.path)
        self.cells = _Cells(self.wb, self.path.name, self.path)
        return self.cells

    def __exit__(self, *exc: object) -> None:
        if self.wb is not None:
            self.wb.close()
        if self.cells is not None:
            self.cells.close()


def _load(path: Path) -> Any:
    where = Location(file=path.name)
    if not path.exists():
        raise WorkbookError(f"找不到文件：{path}", location=None)
    if path.is_dir():
        raise WorkbookError(f"{path} 是文件夹，不是工作簿")
    with path.open("rb") as handle:
        head = handle.read(8)
    if head == _OLE_MAGIC:
        raise UnsafeFileError("文件已加密，或是旧版 .xls 格式", location=where,
                              fix="请在 Excel 中取消密码，或另存为 .xlsx/.xlsm 后重试")
    if not zipfile.is_zipfile(path):
        raise UnsafeFileError("不是 Excel 工作簿（.xlsx/.xlsm 文件应为 zip 格式）", location=where,
                              fix="请确认文件没有损坏，并用 Excel 另存为 .xlsx")
    import openpyxl

    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True, keep_links=False, keep_vba=False)
    except XlperfError:
        raise
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError) as exc:
        raise UnsafeFileError(f"工作簿已损坏，无法读取（{type(exc).__name__}）", location=where,
                              fix="请用 Excel 打开并另存后重试") from exc
    except Exception as exc:  # openpyxl raises many kinds on malformed XML
        raise UnsafeFileError(f"工作簿内容无法解析（{type(exc).__name__}）", location=where,
                              fix="请用 Excel 打开并另存后重试") from exc


def _bounds(ref: str) -> tuple[tuple[int, int], tuple[int, int]]:
    from openpyxl.utils import column_index_from_string

    match = _CELL.match(ref)
    if not match:
        raise WorkbookError(f"名称指向的区域“{ref}”无法识别")
    c1, r1, c2, r2 = match.groups()
    first = (column_index_from_string(c1), int(r1))
    last = (column_index_from_string(c2), int(r2)) if c2 else first
    return first, last
