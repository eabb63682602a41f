"""Cells looked up through defined names, from any source of cell values.

Three sources exist: a workbook file read with calamine (`_calamine_source.py`, the default) or with
openpyxl (`_file_source.py`), and the live workbook in Excel seen through xlwings (`xlperf.macros`). Both hand over the same three things: the defined
names with what they refer to, the sheet names, and the values of a sheet's rows from A1. So the
command line and the buttons read a workbook through one reader (read.py) and cannot disagree.

What is scored must be what is seen: every name of the layout must point at its own sheet (layout.py),
visible, and no other sheet may pass for one of the layout's (a name differing only by spaces, case or
invisible characters). Otherwise the workbook is refused, naming the name and the cell.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Protocol

from ..core import record
from ..core.errors import Location, WorkbookError
from ..core.values import is_blank
from . import layout as L

#: Rows read below the last named cell of a sheet: room to notice data typed under a table, while a
#: stray value in row 1 000 000 costs nothing
ROWS_BELOW_TABLES = 200
#: The largest range a name of the layout may cover (a table with rows inserted stays far below)
MAX_NAMED_ROWS = 10_000
MAX_NAMED_COLUMNS = 100
NAME_PREFIX = "XP_"  # the prefix of every name of the layout
_CELL = re.compile(r"^\$?([A-Z]{1,3})\$?(\d+)(?::\$?([A-Z]{1,3})\$?(\d+))?$")
_REFERENCE = re.compile(r"^=?(?:'((?:[^']|'')+)'|([^'!=]+))!(\$?[A-Z]{1,3}\$?\d+(?::\$?[A-Z]{1,3}\$?\d+)?)$")


class CellSource(Protocol):
    """Where cell values come from: a file, or a workbook open in Excel."""

    def defined_names(self) -> dict[str, str]:
        """Workbook-scope names and what they refer to, as Excel writes it: "'收支情况'!$C$4", '="x"'."""
        ...

    def sheet_names(self) -> Sequence[str]: ...

    def rows(self, sheet: str, last_row: int) -> Iterable[Sequence[Any]]:
        """The values of rows 1..last_row, each from column A (shorter rows are fine)."""
        ...

    def formula_rows(self, sheet: str, last_row: int) -> Iterable[Sequence[Any]]:
        """The same rows with formulas instead of values ("" where a source cannot tell)."""
        ...

    # Optional: `merged_ranges(sheet) -> Sequence[str]`, the merged ranges of a sheet as "B6:C7" (at
    # least those over the named cells). A source without it is taken to have no merged cells.
    # Optional: `grid(sheet, last_row) -> dict[tuple[int, int], Any]`, the cells of `rows` that are not
    # None, (row, column) -> value, in the same order.
    # Optional: `formula_cells(sheet) -> frozenset[tuple[int, int]] | None`, (row, column) of every cell
    # holding a formula when the source can tell without reading them (and no array formula fills others).
    # Optional: `sheet_states() -> dict[str, str]`, each sheet's state: "visible", "hidden" or
    # "veryHidden". A source without it is taken to show every sheet.
    # Optional: `saved_values = True`: the values are those a program saved in a file, not live ones. A
    # formula's saved value drawing on something outside the workbook may then be stale or forged (read.py).


@record
class ArrayFormula:
    """An array formula as formula_rows gives it in its first cell (openpyxl's ArrayFormula alike): the
    range it fills and its text ("=…"). Its other cells hold its results, not a formula of their own."""

    ref: str
    text: str


def home_sheet(name: str) -> str | None:
    """The sheet a name of the layout points at (None for a name that is not the layout's)."""
    if name in (L.DEPARTMENT, L.YEAR, L.FRAMEWORK):
        return L.INFO_SHEET
    if name.startswith("XP_T_"):
        return L.TEXT_SHEETS.get(name.removeprefix("XP_T_"))
    if name.startswith("XP_F_") or name in (L.FACT_KEYS, L.FACT_VALUES):
        return L.FACTS_SHEET
    if name.startswith("XP_I_") or name in (L.CODES, L.VALUES, L.NAMES, L.REASONS, L.SCORES, L.TOTAL, L.GRADE,
                                              L.CATEGORY_SCORES):
        return L.SCORESHEET
    return {L.TARGETS: L.TARGETS_SHEET, L.PROJECTS: L.PROJECTS_SHEET}.get(name)


def _plain(name: str) -> str:
    """A sheet name as a reader of the tabs takes it: without spaces or invisible characters, any case."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", name)
                   if not ch.isspace() and unicodedata.category(ch) not in ("Cc", "Cf", "Zs", "Zl", "Zp")).casefold()


def shown(name: str) -> str:
    """A sheet name with what cannot be seen made visible: "评分表[空格]", "评分表[U+200B]"."""
    out = []
    for i, ch in enumerate(name):
        if ch == " ":
            out.append("[空格]" if i in (0, len(name) - 1) else ch)
        elif ch == "\u3000":
            out.append("[全角空格]")
        elif ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
            out.append(f"[U+{ord(ch):04X}]")
        else:
            out.append(ch)
    return "".join(out)


@functools.lru_cache(maxsize=4096)
def parse_reference(text: str) -> tuple[str, str] | None:
    """"='收支情况'!$C$4" -> ("收支情况", "C4"); None for constants and anything else."""
    match = _REFERENCE.match(text.strip())
    if not match:
        return None
    sheet = (match.group(1) or "").replace("''", "'") or (match.group(2) or "").strip()
    return sheet, match.group(3).replace("$", "")


def column_index(letters: str) -> int:
    index = 0
    for ch in letters:
        index = index * 26 + ord(ch) - 64
    return index


@functools.lru_cache(maxsize=1024)
def column_letters(index: int) -> str:
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


@functools.lru_cache(maxsize=8192)
def bounds(ref: str) -> tuple[tuple[int, int], tuple[int, int]]:
    """(column, row) of the first and last cell of "C4" or "B2:J58"."""
    match = _CELL.match(ref)
    if not match:
        raise WorkbookError(f"名称指向的区域“{ref}”无法识别")
    c1, r1, c2, r2 = match.groups()
    first = (column_index(c1), int(r1))
    return first, ((column_index(c2), int(r2)) if c2 else first)


#: Names as Cells reads them (_read_names), and the (names, sheets, states) _check_sheets let through,
#: by the names, sheets and states themselves: a batch's workbooks of one template are checked alike once
#: per process (what is refused is not kept: its message names the file)
_NAMES_READ: dict[tuple[tuple[str, str], ...], tuple[dict[str, tuple[str, str]], set[str], dict[str, str], dict[str, int]]] = {}
_SHEETS_CHECKED: dict[tuple[Any, ...], bool] = {}
_MAX_KEPT = 16
_MAX_NAMES_KEPT = 2000


def _remember(kept: dict[Any, Any], names: tuple[tuple[str, str], ...], key: Any, value: Any) -> None:
    if len(names) > _MAX_NAMES_KEPT:
        return  # (a layout has some 150 names: a workbook claiming thousands is not kept)
    if len(kept) >= _MAX_KEPT:
        kept.clear()
    kept[key] = value


def _read_names(names: tuple[tuple[str, str], ...], file: str) -> tuple[dict[str, tuple[str, str]], set[str],
                                                                        dict[str, str], dict[str, int]]:
    """The defined names as Cells keeps them: name -> (sheet, cell or range), the names Excel broke
    (#REF!), the constants (="…"), and the last row read on each sheet; WorkbookError for a name of the
    layout reaching too far, or a workbook without the layout's mark or of another layout version.
    Never changed once made (workbooks with the same names share them)."""
    targets: dict[str, tuple[str, str]] = {}
    broken: set[str] = set()
    constants: dict[str, str] = {}
    for name, refers_to in names:
        target = parse_reference(refers_to)
        if target is not None:
            targets[name] = target
        elif "#REF!" in refers_to:
            broken.add(name)  # Excel writes #REF! when the row or sheet a name pointed at is deleted
        else:
            constants[name] = refers_to.strip().removeprefix("=").strip('"')
    last_row: dict[str, int] = {}
    for name, (sheet, ref) in targets.items():
        if not name.startswith(NAME_PREFIX):
            continue  # the clerk's own names (a whole column for a chart …) are never read
        (col1, row1), (col2, last) = bounds(ref)
        if last - row1 >= MAX_NAMED_ROWS or col2 - col1 >= MAX_NAMED_COLUMNS or last > 1048576 or col2 > 16384:
            raise WorkbookError(f"名称“{name[:40]}”指向的区域“{ref}”过大（一个名称最多 {MAX_NAMED_ROWS} 行、"
                                f"{MAX_NAMED_COLUMNS} 列），工作簿可能被改坏或是恶意构造的",
                                location=Location(file=file), fix="请在“公式 > 名称管理器”中改正，或用 xlperf new 重新生成工作簿")
        last_row[sheet] = max(last_row.get(sheet, 0), last + ROWS_BELOW_TABLES)
    if L.LAYOUT_NAME not in constants:
        raise WorkbookError("这不是 xlperf 生成的绩效自评工作簿（缺少版式标记 XP_LAYOUT）",
                            location=Location(file=file), fix="请用 xlperf new 生成工作簿后填写")
    version = constants[L.LAYOUT_NAME]
    if version != L.LAYOUT_VERSION:
        raise WorkbookError(f"工作簿版式为“{version[:40]}”，本程序只能读取“{L.LAYOUT_VERSION}”",
                            location=Location(file=file), fix="请升级 xlperf，或用 xlperf new 重新生成工作簿")
    return targets, broken, constants, last_row


@functools.lru_cache(maxsize=8192)
def _location(sheet: str, cell: str) -> Location:
    """A cell's or a sheet's place, made once (a Location cannot change): every workbook of a template
    names the same few hundred."""
    return Location(sheet, cell)


@functools.lru_cache(maxsize=8192)
def _row_location(sheet: str, first_col: int, last_col: int, row: int) -> Location:
    """A table row's place, as 绩效目标!B5:J5 (made once, as _location)."""
    return Location(sheet, f"{column_letters(first_col)}{row}:{column_letters(last_col)}{row}")


_TAMPERED = "工作簿可能被篡改或损坏；请向提供文件的单位要一份正常的文件，或用 xlperf new 重新生成工作簿后把数据填回"


class Cells:
    """The values of one workbook, looked up through the defined names of layout.py."""

    def __init__(self, source: CellSource, file: str) -> None:
        self.source, self.file = source, file
        self._grids: dict[str, dict[tuple[int, int], Any]] = {}
        self._formula_grids: dict[str, dict[tuple[int, int], str]] = {}
        self._formula_cells: dict[str, frozenset[tuple[int, int]] | None] = {}
        self._arrays: dict[str, list[tuple[tuple[tuple[int, int], tuple[int, int]], str]]] = {}
        self._merged: dict[str, list[str]] = {}
        names = tuple(source.defined_names().items())
        known = _NAMES_READ.get(names)  # (a batch's workbooks of one template have the same names)
        if known is None:
            known = _read_names(names, file)
            _remember(_NAMES_READ, names, names, known)
        self._names, self._broken, self._constants, self._last_row = known
        sheets = list(self.source.sheet_names())
        read_states = getattr(self.source, "sheet_states", None)
        states: dict[str, str] = read_states() if read_states is not None else {}
        seen_alike = (names, tuple(sheets), tuple(states.items()))
        if seen_alike not in _SHEETS_CHECKED:
            self._check_sheets(sheets, states)
            _remember(_SHEETS_CHECKED, names, seen_alike, True)

    def _check_sheets(self, sheets: list[str], states: dict[str, str]) -> None:
        """Refuse a workbook where what is read is not what is seen: a name of the layout pointing at
        another sheet than its own (a decoy named "评分表 ") or at a hidden one, two sheets of one name,
        or a sheet passing for one of the layout's beside it. Names pointing at a sheet that does not
        exist are left to `_grid` ("缺少工作表")."""
        seen: set[str] = set()
        for sheet in sheets:
            if sheet.casefold() in seen:
                raise WorkbookError(f"工作簿中有两张名称相同的工作表“{shown(sheet)[:40]}”（Excel 不允许），不同的程序会读到不同的表",
                                    location=Location(file=self.file), fix=_TAMPERED)
            seen.add(sheet.casefold())
        present = set(sheets)
        homes = {_plain(home): home for home in L.SHEETS if home in present}
        for sheet in sheets:
            home = homes.get(_plain(sheet))
            if home is not None and sheet != home:
                raise WorkbookError(
                    f"工作簿中除了“{home}”，还有一张名称与它只差空格、大小写或看不见的字符的工作表“{shown(sheet)[:40]}”，"
                    "核对时容易看错表，可能是伪装的工作表", location=Location(file=self.file),
                    fix=f"请删除这张工作表，或改成与“{home}”明显不同的名称")
        for name, (sheet, ref) in sorted(self._names.items()):
            home = home_sheet(name)
            if home is None or sheet not in present:
                continue
            state = states.get(sheet, "visible")
            if sheet == home and state == "visible":
                continue
            where = Location(sheet=shown(sheet)[:40], cell=ref, file=self.file)
            if sheet != home:
                raise WorkbookError(
                    f"名称“{name}”指向的是{'' if state == 'visible' else '隐藏的'}工作表“{shown(sheet)[:40]}”，不是“{home}”：xlperf 只读取版式规定的工作表，"
                    "以免计分的内容与看到的不一致", location=where,
                    fix=f"请在“公式 > 名称管理器”中让它指回“{home}”中的单元格（若是工作表改了名，请改回“{home}”）；"
                        "或用 xlperf new 重新生成工作簿后把数据填回")
            if state != "visible":
                deep = "，而且是深度隐藏（veryHidden，在 Excel 中不能直接取消隐藏）" if state == "veryHidden" else ""
                raise WorkbookError(
                    f"名称“{name}”指向的工作表“{shown(sheet)[:40]}”是隐藏的{deep}：计分会用到看不见的内容，工作簿可能被篡改",
                    location=where, fix="请在 Excel 中取消隐藏这张工作表并核对其中的内容；或用 xlperf new 重新生成工作簿后把数据填回")

    @property
    def saved_values(self) -> bool:
        """Whether the values are those saved in a file (the source's `saved_values`), not live ones."""
        return bool(getattr(self.source, "saved_values", False))

    def constant(self, name: str) -> str:
        """The text of a defined name that holds a constant (="…"), or "" when absent."""
        return self._constants.get(name, "")

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
                                location=Location(file=self.file),
                                fix="请在“公式 > 名称管理器”中恢复，或重新生成工作簿") from None

    def cell_of(self, name: str) -> str:
        return self._dest(name)[1]

    def location(self, name: str, whole: bool = False) -> Location:
        sheet, ref = self._dest(name)
        return _location(sheet, "" if whole else ref)

    def _rows_into_grid(self, rows: Iterable[Sequence[Any]]) -> dict[tuple[int, int], Any]:
        grid: dict[tuple[int, int], Any] = {}
        for r, values in enumerate(rows, start=1):
            for c, value in enumerate(values, start=1):
                if value is not None:
                    grid[(r, c)] = value
        return grid

    def _grid(self, sheet: str) -> dict[tuple[int, int], Any]:
        if sheet not in self._grids:
            if sheet not in self.source.sheet_names():
                raise WorkbookError(f"工作簿缺少工作表“{sheet}”（可能被删除或改名）", location=Location(file=self.file))
            last_row = self._last_row.get(sheet, 1)
            read_grid = getattr(self.source, "grid", None)  # (optional: the same cells, made in one pass)
            self._grids[sheet] = read_grid(sheet, last_row) if read_grid else self._rows_into_grid(self.source.rows(sheet, last_row))
        return self._grids[sheet]

    def value(self, name: str) -> Any:
        sheet, ref = self._dest(name)
        (col, row), _ = bounds(ref)
        return self._grid(sheet).get((row, col))

    def at(self, sheet: str, row: int, col: int) -> Any:
        """The value of one cell of a sheet the names reach (None beyond what was read)."""
        return self._grid(sheet).get((row, col))

    def merged(self, sheet: str) -> list[str]:
        """The merged ranges of a sheet ("B6:C7"); [] when the source cannot tell."""
        if sheet not in self._merged:
            read = getattr(self.source, "merged_ranges", None)
            refs = list(read(sheet)) if read is not None else []
            self._merged[sheet] = [ref.replace("$", "").upper() for ref in refs if _CELL.match(ref.replace("$", "").upper())]
        return self._merged[sheet]

    def formula(self, name: str) -> str:
        """The formula typed in a named cell ("" when none, and for a cell of an array formula);
        formulas are read only when first asked."""
        sheet, ref = self._dest(name)
        (col, row), _ = bounds(ref)
        if self._no_formula(sheet, row, col):
            return ""
        return self._formulas(sheet).get((row, col), "")

    def formula_behind(self, sheet: str, row: int, col: int) -> str:
        """The formula whose result a cell holds: its own, or the array formula filling it ("" when none).
        A source may give, for a cell with a saved value, a shared formula untranslated (as in the
        group's first cell): enough to tell which functions and workbooks it draws on."""
        if self._no_formula(sheet, row, col):
            return ""
        own = self._formulas(sheet).get((row, col))
        if own:
            return own
        for ((c1, r1), (c2, r2)), text in self._arrays[sheet]:
            if c1 <= col <= c2 and r1 <= row <= r2:
                return text
        return ""

    def formula_free(self, sheet: str, row: int, first_col: int, last_col: int) -> bool:
        """Whether the source tells, without reading any formula, that none gives a value to the cells
        of `row` from `first_col` to `last_col` (as _no_formula for each)."""
        self._no_formula(sheet, row, first_col)  # (asks the source once)
        cells = self._formula_cells[sheet]
        return cells is not None and (not cells or all((row, col) not in cells for col in range(first_col, last_col + 1)))

    def _no_formula(self, sheet: str, row: int, col: int) -> bool:
        """Whether the source tells, without reading any formula, that none gives this cell its value
        (optional `formula_cells(sheet)`: the cells holding one, None when it cannot tell)."""
        if sheet not in self._formula_cells:
            read = getattr(self.source, "formula_cells", None)
            self._formula_cells[sheet] = read(sheet) if read is not None else None
        cells = self._formula_cells[sheet]
        return cells is not None and (row, col) not in cells

    def _formulas(self, sheet: str) -> dict[tuple[int, int], str]:
        if sheet not in self._formula_grids:
            grid = self._rows_into_grid(self.source.formula_rows(sheet, self._last_row.get(sheet, 1)))
            self._formula_grids[sheet] = {k: v for k, v in grid.items() if isinstance(v, str) and v.startswith("=")}
            arrays = []
            for value in grid.values():
                ref, text = getattr(value, "ref", None), getattr(value, "text", None)
                if isinstance(ref, str) and isinstance(text, str) and _CELL.match(ref.replace("$", "").upper()):
                    arrays.append((bounds(ref.replace("$", "").upper()), text))
            self._arrays[sheet] = arrays
        return self._formula_grids[sheet]

    def below(self, name: str, width: int) -> list[Location]:
        """Non-blank rows just below a named table: data typed there would be silently ignored."""
        sheet, ref = self._dest(name)
        (col1, _), (_, row2) = bounds(ref)
        grid = self._grid(sheet)
        rows = sorted({r for (r, c), v in grid.items() if r > row2 and col1 <= c < col1 + width and not is_blank(v)})
        return [_row_location(sheet, col1, col1 + width - 1, r) for r in rows]

    def table(self, name: str, keys: list[str]) -> Iterator[tuple[Location, dict[str, Any]]]:
        """The non-blank rows of a named table range, as dicts keyed by `keys` (left to right)."""
        sheet, ref = self._dest(name)
        (col1, row1), (col2, row2) = bounds(ref)
        if col2 - col1 + 1 < len(keys):
            raise WorkbookError(f"名称“{name}”指向的区域列数不足", location=Location(sheet=sheet, file=self.file))
        grid = self._grid(sheet)
        for r in range(row1, row2 + 1):
            values = [grid.get((r, c)) for c in range(col1, col1 + len(keys))]
            if values.count(None) == len(values) or all(is_blank(v) for v in values):
                continue  # (most spare rows hold nothing at all: told without a call per cell)
            yield _row_location(sheet, col1, col1 + len(keys) - 1, r), dict(zip(keys, values))
