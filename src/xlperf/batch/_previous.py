"""Last year's totals, from the 汇总 sheet of the summary `xlperf batch` wrote then (--previous).

The file comes from the bureau's own archive, but it is a workbook like any other: checked before it
is opened, read values-only with bounded rows and columns, every failure one Chinese line.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..core import open_regular
from ..core.errors import Location, WorkbookError, XlperfError
from . import SUMMARY_SHEET

MAX_ROWS = 100_000
MAX_COLUMNS = 60
#: a total above this is no score of any framework (they have 100 points): a hand-edited or forged file
MAX_TOTAL = Decimal(1000)
_FIX = "--previous 应给出上一年用 xlperf batch 生成的汇总表（.xlsx），其“汇总”工作表第 1 行有“单位”和“总分”两列"


@dataclass
class PreviousTotals:
    file: str
    totals: dict[str, Decimal] = field(default_factory=dict)  # department key -> total
    ambiguous: set[str] = field(default_factory=set)  # departments listed twice: not compared
    unusable: dict[str, str] = field(default_factory=dict)  # department -> its 总分 as shown, not a total: not compared

    def total_of(self, department: str) -> Decimal | None:
        key = department_key(department)
        return None if key in self.ambiguous or key in self.unusable else self.totals.get(key)

    @property
    def notes(self) -> list[str]:
        """What the user should know about last year's file (printed, and written in the summary's 说明)."""
        notes = []
        if self.ambiguous:
            names = "、".join(sorted(self.ambiguous)[:3])
            notes.append(f"上年汇总表中有 {len(self.ambiguous)} 个单位名称出现不止一次（如 {names}），"
                         "无法确定对应哪一行，这些单位没有与上年比较")
        if self.unusable:
            shown = "、".join(f"{name}（{value}）" for name, value in list(self.unusable.items())[:3])
            notes.append(f"上年汇总表 {self.file} 中有 {len(self.unusable)} 个单位的“总分”不是 0 到 {MAX_TOTAL} 之间的数，"
                         f"如 {shown}，这些单位没有与上年比较；请核对上年汇总表是否被改动过")
        return notes


def department_key(name: str) -> str:
    """A department's name as compared across years: full-width folded, no spaces at all."""
    return "".join(unicodedata.normalize("NFKC", name).split())


def read_previous(path: Path) -> PreviousTotals:
    from ..workbook import check_workbook_file

    where = Location(file=path.name)
    if not path.exists() and not path.is_symlink():
        raise WorkbookError(f"找不到上年汇总表：{path}", fix=_FIX)
    with open_regular(path, "上年汇总表", WorkbookError):  # a FIFO, a device, a folder: refused as such
        pass
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
        name, value = _cell(row, name_at), _cell(row, total_at)
        if not isinstance(name, str) or not department_key(name) or _blank(value):
            continue  # a file that could not be scored last year, or a blank row
        key = department_key(name)
        total = _number(value)
        if total is None:  # 1e400, -5, "九十": never compared (1e9999999 would overflow the arithmetic)
            previous.unusable.setdefault(key, _shown(value))
            continue
        if key in previous.totals:
            previous.ambiguous.add(key)
        previous.totals[key] = total
    return previous


def _rows(path: Path) -> list[tuple[Any, ...]]:
    import warnings

    import openpyxl

    from ..workbook import open_workbook_file

    with warnings.catch_warnings(), open_workbook_file(path) as handle:
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


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _number(value: Any) -> Decimal | None:
    """A total as last year's summary has it: a finite number from 0 to MAX_TOTAL, else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal, str)):
        return None
    try:
        number = Decimal(str(value).strip())
    except ArithmeticError:  # not a number, or an exponent past what Decimal takes
        return None
    return number if number.is_finite() and 0 <= number <= MAX_TOTAL else None


def _shown(value: Any) -> str:
    """The value as the note quotes it: printable, short."""
    text = "".join(ch for ch in str(value) if ch.isprintable())
    return text if len(text) <= 20 else text[:19] + "…"
