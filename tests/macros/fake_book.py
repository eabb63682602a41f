"""A stand-in for the xlwings Book the buttons get from Excel, backed by openpyxl.

It implements only what xlperf.macros uses, and behaves as xlwings over Excel does where it matters:
numbers read as floats, one cell or one row or column comes back flat unless `options(ndim=2)`,
error values read as None unless `err_to_str=True`, `.formula` gives COM's raw shape (a string for
one cell, tuples of tuples), names are listed with Excel's "=" and sheet-scoped names included,
writing "" empties a cell and a leading apostrophe makes text. Edits stay in memory, as unsaved
edits do in Excel: nothing is written back to the file.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.utils.cell import coordinate_to_tuple

ERRORS = {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"}


@dataclass
class Alert:
    prompt: str
    title: str | None
    mode: str | None


class FakeApp:
    def __init__(self) -> None:
        self.alerts: list[Alert] = []

    def alert(self, prompt: str, title: str | None = None, buttons: str = "ok", mode: str | None = None,
              callback: str | None = None) -> str:  # the signature of xlwings 0.37's App.alert
        assert buttons in ("ok", "ok_cancel", "yes_no", "yes_no_cancel")
        assert mode in (None, "info", "critical")
        self.alerts.append(Alert(prompt, title, mode))
        return "ok"


@dataclass
class FakeName:
    name: str
    refers_to: str


@dataclass
class Link:
    address: str
    text: str
    screen_tip: str


class FakeFont:
    def __init__(self, rng: FakeRange) -> None:
        self._range = rng

    @property
    def bold(self) -> bool:
        return all(cell in self._range.sheet.bold for cell in self._range.cells())

    @bold.setter
    def bold(self, value: bool) -> None:
        for cell in self._range.cells():
            (self._range.sheet.bold.add if value else self._range.sheet.bold.discard)(cell)


class FakeRange:
    def __init__(self, sheet: FakeSheet, first: tuple[int, int], last: tuple[int, int],
                 options: dict[str, Any] | None = None) -> None:
        self.sheet, self.first, self.last = sheet, first, last
        self._options = options or {}

    def cells(self) -> Iterator[tuple[int, int]]:
        for r in range(self.first[0], self.last[0] + 1):
            for c in range(self.first[1], self.last[1] + 1):
                yield r, c

    def options(self, **options: Any) -> FakeRange:
        return FakeRange(self.sheet, self.first, self.last, {**self._options, **options})

    def _rows(self, read: Callable[[int, int], Any]) -> list[list[Any]]:
        return [[read(r, c) for c in range(self.first[1], self.last[1] + 1)]
                for r in range(self.first[0], self.last[0] + 1)]

    @property
    def value(self) -> Any:
        self.sheet.book.reads.append(("value", self.sheet.name))
        grid = self._rows(lambda r, c: self._xlwings_value(self.sheet.values.cell(r, c).value))
        if self._options.get("ndim") == 2:
            return grid
        if len(grid) == 1 and len(grid[0]) == 1:
            return grid[0][0]
        if len(grid) == 1:
            return grid[0]
        if len(grid[0]) == 1:
            return [row[0] for row in grid]
        return grid

    @value.setter
    def value(self, data: Any) -> None:
        if not isinstance(data, (list, tuple)):
            data = [[data]]
        elif not data or not isinstance(data[0], (list, tuple)):
            data = [data]
        for i, row in enumerate(data):
            for j, value in enumerate(row):
                self.sheet.set(self.first[0] + i, self.first[1] + j, value)

    def _xlwings_value(self, value: Any) -> Any:
        if isinstance(value, bool):
            return value
        if isinstance(value, int):
            return float(value)  # Excel holds every number as a double
        if isinstance(value, str) and value in ERRORS and not self._options.get("err_to_str"):
            return None
        return value

    @property
    def formula(self) -> Any:
        self.sheet.book.reads.append(("formula", self.sheet.name))
        grid = self._rows(lambda r, c: _formula_text(self.sheet.formulas.cell(r, c).value))
        if len(grid) == 1 and len(grid[0]) == 1:
            return grid[0][0]
        return tuple(tuple(row) for row in grid)

    @property
    def font(self) -> FakeFont:
        return FakeFont(self)

    @property
    def column_width(self) -> float:
        return self.sheet.widths.get(self.first[1], 8.43)

    @column_width.setter
    def column_width(self, width: float) -> None:
        for c in range(self.first[1], self.last[1] + 1):
            self.sheet.widths[c] = width

    @property
    def wrap_text(self) -> bool:
        return all(cell in self.sheet.wrapped for cell in self.cells())

    @wrap_text.setter
    def wrap_text(self, value: bool) -> None:
        for cell in self.cells():
            (self.sheet.wrapped.add if value else self.sheet.wrapped.discard)(cell)

    @property
    def api(self) -> FakeRangeApi:
        """The COM Range, for what xlwings does not wrap (merged cells)."""
        return FakeRangeApi(self)

    def add_hyperlink(self, address: str, text_to_display: str | None = None, screen_tip: str | None = None) -> None:
        assert self.first == self.last, "xlwings adds a hyperlink to a single cell"
        text = address if text_to_display is None else text_to_display
        self.sheet.links[self.first] = Link(address, text, screen_tip or "")
        self.sheet.set(*self.first, text)  # TextToDisplay is what the cell shows


class FakeRangeApi:
    """COM's Range.MergeCells (True, False, or None when mixed), .Cells and .MergeArea.Address."""

    def __init__(self, rng: FakeRange) -> None:
        self._range = rng

    def _merge_of(self, cell: tuple[int, int]) -> Any:
        return next((m for m in self._range.sheet.values.merged_cells.ranges
                     if m.min_row <= cell[0] <= m.max_row and m.min_col <= cell[1] <= m.max_col), None)

    @property
    def MergeCells(self) -> bool | None:  # noqa: N802 - COM's name
        self._range.sheet.book.reads.append(("MergeCells", self._range.sheet.name))
        merged = [self._merge_of(cell) is not None for cell in self._range.cells()]
        return True if all(merged) else (False if not any(merged) else None)

    @property
    def Cells(self) -> list[FakeRangeApi]:  # noqa: N802
        return [FakeRange(self._range.sheet, cell, cell).api for cell in self._range.cells()]

    @property
    def MergeArea(self) -> Any:  # noqa: N802
        merge = self._merge_of(self._range.first)
        first = (merge.min_row, merge.min_col) if merge else self._range.first
        last = (merge.max_row, merge.max_col) if merge else self._range.first
        return _Address(first, last)


@dataclass
class _Address:
    first: tuple[int, int]
    last: tuple[int, int]

    @property
    def Address(self) -> str:  # noqa: N802
        from openpyxl.utils.cell import get_column_letter

        a, b = (f"${get_column_letter(c)}${r}" for r, c in (self.first, self.last))
        return a if a == b else f"{a}:{b}"


def _formula_text(value: Any) -> str:
    """What COM's Range.Formula gives for one cell: the formula, or the constant as text."""
    if value is None:
        return ""
    text = getattr(value, "text", value)  # openpyxl's ArrayFormula
    return str(text)


class FakeSheet:
    def __init__(self, book: FakeBook, name: str) -> None:
        self.book, self.name = book, name
        self.links: dict[tuple[int, int], Link] = {}
        self.bold: set[tuple[int, int]] = set()
        self.wrapped: set[tuple[int, int]] = set()
        self.widths: dict[int, float] = {}

    @property
    def values(self) -> Any:
        return self.book.values_wb[self.name]

    @property
    def formulas(self) -> Any:
        return self.book.formulas_wb[self.name]

    def range(self, cell1: tuple[int, int] | str, cell2: tuple[int, int] | str | None = None) -> FakeRange:
        first = _address(cell1)
        return FakeRange(self, first, _address(cell2) if cell2 is not None else first)

    def set(self, row: int, col: int, value: Any) -> None:
        """Like typing into the cell: "" empties it, a leading ' makes text, "=…" a formula."""
        text = None
        if value == "":
            value = None
        elif isinstance(value, str) and value.startswith("'"):
            value = text = value[1:]
        elif isinstance(value, str) and value.startswith("="):
            self.formulas.cell(row, col).value = value
            self.values.cell(row, col).value = None  # no calculation here
            return
        for ws in (self.values, self.formulas):
            cell = ws.cell(row, col)
            cell.value = value
            if text is not None:
                cell.data_type = "s"

    def text(self, row: int, col: int) -> Any:
        """What the cell shows (for asserts)."""
        return self.values.cell(row, col).value

    def clear(self) -> None:
        for ws in (self.values, self.formulas):
            ws.delete_rows(1, ws.max_row + 1)
        self.links.clear()
        self.bold.clear()
        self.wrapped.clear()

    def activate(self) -> None:
        self.book.active = self.name


def _address(cell: tuple[int, int] | str) -> tuple[int, int]:
    if isinstance(cell, str):
        return coordinate_to_tuple(cell.replace("$", ""))
    return int(cell[0]), int(cell[1])


class FakeSheets:
    def __init__(self, book: FakeBook) -> None:
        self.book = book

    def _titles(self) -> list[str]:
        return list(self.book.values_wb.sheetnames)

    def __len__(self) -> int:
        return len(self._titles())

    def __iter__(self) -> Iterator[FakeSheet]:
        return iter([self.book.sheet(t) for t in self._titles()])

    def __getitem__(self, key: int | str) -> FakeSheet:
        titles = self._titles()
        if isinstance(key, int):
            return self.book.sheet(titles[key])
        matches = [t for t in titles if t.lower() == key.lower()]  # Excel finds sheets ignoring case
        if not matches:
            raise KeyError(key)  # COM raises com_error here
        return self.book.sheet(matches[0])

    def add(self, name: str | None = None, before: FakeSheet | None = None, after: FakeSheet | None = None) -> FakeSheet:
        assert name is not None and before is None
        if name.lower() in (t.lower() for t in self._titles()):
            raise ValueError(f"Sheet named '{name}' already present in workbook")  # as xlwings does
        index = self._titles().index(after.name) + 1 if after is not None else 0
        for wb in (self.book.values_wb, self.book.formulas_wb):
            wb.create_sheet(name, index)
        self.book.active = name  # xlwings: "Creates a new Sheet and makes it the active sheet"
        return self.book.sheet(name)


class FakeBook:
    """The workbook as Excel holds it while the clerk works: loaded from `path`, edited in memory."""

    def __init__(self, path: Path, *, quote_sheet_names: bool = True, fullname: str | None = None) -> None:
        self.values_wb = openpyxl.load_workbook(path, data_only=True)
        self.formulas_wb = openpyxl.load_workbook(path)
        self.name = path.name
        self.fullname = str(path) if fullname is None else fullname
        self.app = FakeApp()
        self.sheets = FakeSheets(self)
        self.active = self.values_wb.active.title
        self.reads: list[tuple[str, str]] = []
        self.quote_sheet_names = quote_sheet_names
        self._sheets: dict[str, FakeSheet] = {}
        self._names = {name: "=" + _excel_text(d.attr_text, quote_sheet_names)
                       for name, d in self.formulas_wb.defined_names.items()}
        for ws in self.formulas_wb.worksheets:  # Excel lists sheet-scoped names too, e.g. print titles
            if ws.print_title_rows:
                self._names[f"'{ws.title}'!Print_Titles"] = f"='{ws.title}'!{ws.print_title_rows}"

    @property
    def names(self) -> list[FakeName]:
        return [FakeName(n, r) for n, r in self._names.items()]

    def sheet(self, title: str) -> FakeSheet:
        if title not in self._sheets:
            self._sheets[title] = FakeSheet(self, title)
        return self._sheets[title]

    # what a clerk does in Excel
    def cell_of(self, name: str) -> tuple[str, str]:
        """The sheet and (first) cell a defined name points at, e.g. ("评分表", "H9")."""
        sheet, ref = next(iter(self.formulas_wb.defined_names[name].destinations))
        return sheet, ref.replace("$", "").split(":")[0]

    def type_into(self, name: str, value: Any) -> str:
        """Type `value` into the cell a defined name points at; returns the cell."""
        sheet, cell = self.cell_of(name)
        self.sheets[sheet].range(cell).value = value
        return cell

    def merge(self, sheet: str, ref: str) -> None:
        """Merge cells (开始 > 合并后居中): Excel keeps the top-left value and empties the others."""
        for wb in (self.values_wb, self.formulas_wb):
            wb[sheet].merge_cells(ref)

    def delete_name(self, name: str) -> None:
        del self._names[name]

    def break_name(self, name: str) -> None:
        """What Excel does to a name when the row it points at is deleted."""
        self._names[name] = "=#REF!"

    def alerts(self) -> list[Alert]:
        return self.app.alerts


def _excel_text(attr_text: str, quote: bool) -> str:
    return attr_text if quote else re.sub(r"'([^'!]+)'!", r"\1!", attr_text)
