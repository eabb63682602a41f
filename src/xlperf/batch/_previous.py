"""Last year's totals, from the 汇总 sheet of the summary `xlperf batch` wrote then (--previous).

The file comes from the bureau's own archive, but it is a workbook like any other: checked before it
is opened, read values-only with bounded rows and columns, every failure one Chinese line.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from ..core.errors import Location, WorkbookError, XlperfError
from . import SUMMARY_SHEET

MAX_ROWS = 100_000
MAX_COLUMNS = 60
_FIX = "--previous 应给出上一年用 xlperf batch 生成的汇总表（.xlsx），其“汇总”工作表第 1 行有“单位”和“总分”两列"


@dataclass
class PreviousTotals:
    file: str
    totals: dict[str, Decimal] = field(default_factory=dict)  # department key -> total
    ambiguous: set[str] = field(default_factory=set)  # departments listed twice: not compared

    def total_of(self, department: str) -> Decimal | None:
        key = department_key(department)
        return None if key in self.ambiguous else self.totals.get(key)


def department_key(name: str) -> str:
    """A department's name as compared across years: full-width folded, no spaces at all."""
    return "".join(unicodedata.normalize("NFKC", name).split())


def read_previous(path: Path) -> PreviousTotals:
    from ..workbook._safety import check_workbook_file

    where = Location(file=path.name)
    if not path.is_file():
        raise WorkbookError(f"找不到上年汇总表：{path}", fix=_FIX)
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        raise WorkbookError(f"上年汇总表应为 .xlsx 文件，收到 {path.name}", fix=_FIX)
    check_workbook_file(path)
    try:
        rows = _rows(path)
    except XlperfError:
        raise
    except Exception as exc:  # noqa: BLE001 - whatever openpyxl raises on a malformed file
        raise WorkbookError("上年汇总表已损坏或不是 Excel 工作簿，无法读取", location=where, fix=_FIX) from exc
    header = [str(v).strip() if v is not None else "" for v in (rows[0] if rows else [])]
    if "单位" not in header or "总分" not in header:
        raise WorkbookError("上年汇总表的“汇总”工作表第 1 行没有“单位”和“总分”两列", location=where, fix=_FIX)
    name_at, total_at = header.index("单位"), header.index("总分")
    previous = PreviousTotals(path.name)
    for row in rows[1:]:
        name, total = _cell(row, name_at), _number(_cell(row, total_at))
        if not isinstance(name, str) or not department_key(name) or total is None:
            continue  # a file that could not be scored last year, or a blank row
        key = department_key(name)
        if key in previous.totals:
            previous.ambiguous.add(key)
        previous.totals[key] = total
    return previous


def _rows(path: Path) -> list[tuple[Any, ...]]:
    import warnings

    import openpyxl

    with warnings.catch_warnings(), path.open("rb") as handle:
        warnings.simplefilter("ignore")
        book = openpyxl.load_workbook(handle, read_only=True, data_only=True, keep_links=False)
        try:
            if SUMMARY_SHEET not in book.sheetnames:
                raise WorkbookError(f"上年汇总表中没有“{SUMMARY_SHEET}”工作表", location=Location(file=path.name), fix=_FIX)
            sheet = book[SUMMARY_SHEET]
            return list(sheet.iter_rows(min_row=1, max_row=MAX_ROWS, max_col=MAX_COLUMNS, values_only=True))
        finally:
            book.close()


def _cell(row: tuple[Any, ...], at: int) -> Any:
    return row[at] if at < len(row) else None


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None
