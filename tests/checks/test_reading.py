"""Checks that need a workbook's cells: tolerant reads located at their cell, percentages, merged cells."""

from __future__ import annotations

import io
import shutil
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from xlperf import read_workbook
from xlperf.core.checks import Finding, run_checks
from xlperf.core.engine import score_year
from xlperf.core.frameworks import load_framework
from xlperf.workbook import _merges
from xlperf.workbook import layout as L

SATISFACTION = 21  # the example's target 公众对科普工作满意度: ≥ 95 %


def _edited(example_workbook: Path, tmp_path: Path, cells: dict[str, Any], merge: tuple[str, ...] = ()) -> Path:
    path = tmp_path / "book.xlsx"
    shutil.copy(example_workbook, path)
    wb = openpyxl.load_workbook(path)
    for where, value in cells.items():
        sheet, cell = where.split("!") if "!" in where else next(iter(wb.defined_names[where].destinations))
        wb[sheet][cell.replace("$", "")] = value
    for where in merge:
        sheet, ref = where.split("!")
        wb[sheet].merge_cells(ref)
    wb.save(path)
    return path


def _findings(path: Path) -> list[Finding]:
    year = read_workbook(path)
    return run_checks(score_year(load_framework(year.framework_id), year))


def _target_cell(example_workbook: Path, index: int, column: str) -> str:
    wb = openpyxl.load_workbook(example_workbook)
    _, ref = next(iter(wb.defined_names[L.TARGETS].destinations))
    first_row = int(ref.split(":")[0].lstrip("$B").replace("$", ""))
    letter = "BCDEFGHIJ"[[c.key for c in L.TARGET_COLUMNS].index(column)]
    return f"{L.TARGETS_SHEET}!{letter}{first_row + index}"


class TestToleratedNumbers:
    def test_full_width_amount_is_read_with_a_notice_at_its_cell(self, example_workbook: Path, tmp_path: Path) -> None:
        """"３３２.２１" in 整体支出预算数 scores as 332.21 and gives I501 at that cell, naming both."""
        path = _edited(example_workbook, tmp_path, {L.fact_name("expenditure_budget"): "３３２.２１"})
        year = read_workbook(path)
        assert year.facts["expenditure_budget"] == Decimal("332.21")
        assert score_year(load_framework(year.framework_id), year).total == Decimal("99.15")
        (notice,) = [f for f in _findings(path) if f.id == "I501"]
        assert notice.where == "收支情况!C4" and notice.severity == "提示"
        assert "“３３２.２１”按 332.21 读取（全角数字）" in notice.message and "整体支出预算数" in notice.message

    @pytest.mark.parametrize("typed", ["95%", "95 %", 95, "95"])
    def test_percent_typed_any_way_in_a_percent_row(self, example_workbook: Path, tmp_path: Path, typed: Any) -> None:
        """In a target whose unit is %, "95%" as text reads as 95, like 95: no error, no notice."""
        cell = _target_cell(example_workbook, SATISFACTION, "actual")
        path = _edited(example_workbook, tmp_path, {cell: typed})
        assert read_workbook(path).targets[SATISFACTION].actual == 95
        assert [f.id for f in _findings(path) if f.id.startswith(("E", "I", "W302"))] == []

    def test_full_width_percent_is_a_notice_at_its_cell(self, example_workbook: Path, tmp_path: Path) -> None:
        """"９５％" reads as 95, with I501 at the 实际值 cell of that row."""
        cell = _target_cell(example_workbook, SATISFACTION, "actual")
        path = _edited(example_workbook, tmp_path, {cell: "９５％"})
        assert [(f.id, f.where) for f in _findings(path) if f.id == "I501"] == [("I501", cell)]

    def test_excel_percent_beside_a_whole_number_is_warned(self, example_workbook: Path, tmp_path: Path) -> None:
        """95% typed in Excel is stored as 0.95: beside a 目标值 of 95 that is W302 at the row, not a silent rescale."""
        cell = _target_cell(example_workbook, SATISFACTION, "actual")
        path = _edited(example_workbook, tmp_path, {cell: 0.95})
        (warning,) = [f for f in _findings(path) if f.id == "W302"]
        row = cell.split("!")[1][1:]
        assert warning.where == f"{L.TARGETS_SHEET}!B{row}:J{row}" and "0.95" in warning.message
        assert read_workbook(path).targets[SATISFACTION].actual == Decimal("0.95")  # as typed

    def test_units_are_still_an_error_proposing_the_number(self, example_workbook: Path, tmp_path: Path) -> None:
        """"332.21万元" is not guessed: E002 at the cell, proposing 332.21."""
        path = _edited(example_workbook, tmp_path, {L.fact_name("expenditure_budget"): "332.21万元"})
        (error,) = [f for f in _findings(path) if f.id == "E002"]
        assert error.where == "收支情况!C4" and "332.21" in error.message


class TestMergedCells:
    def test_a_merge_over_a_used_fact_is_one_error(self, example_workbook: Path, tmp_path: Path) -> None:
        """Merging 整体支出预算数 with 整体支出决算数 below hides the 决算数: E003 at the range, and not also
        “未填写” (E204) or “无法计分” (E001) for it."""
        path = _edited(example_workbook, tmp_path, {}, merge=("收支情况!C4:C5",))
        findings = _findings(path)
        errors = [(f.id, f.where) for f in findings if f.is_error]
        assert errors == [("E003", "收支情况!C4:C5")]
        (merged,) = [f for f in findings if f.id == "E003"]
        assert "整体支出决算数" in merged.message and "ZX03" in merged.indicators

    def test_the_top_left_cell_keeps_its_value(self, example_workbook: Path, tmp_path: Path) -> None:
        """A merge whose only input is its top-left cell hides nothing (an input merged with its label to the right)."""
        path = _edited(example_workbook, tmp_path, {}, merge=("收支情况!C4:D4",))
        assert read_workbook(path).merged_inputs == {}

    def test_merged_blank_rows_of_a_table_hide_nothing(self, example_workbook: Path, tmp_path: Path) -> None:
        """Merging spare (blank) rows of the 绩效目标 table is no error; merging filled rows is."""
        assert read_workbook(_edited(example_workbook, tmp_path, {}, merge=("绩效目标!B50:C52",))).merged_inputs == {}
        year = read_workbook(_edited(example_workbook, tmp_path, {}, merge=("绩效目标!B3:B5",)))
        (keys,) = year.merged_inputs.values()
        assert keys == ("targets[绩效目标!B4:J4]", "targets[绩效目标!B5:J5]")
        assert set(keys) <= set(year.unreadable)  # the target indicators are not scored on part of the table


    def test_a_merge_of_a_whole_sheet_is_judged_at_once(self, example_workbook: Path, tmp_path: Path) -> None:
        """A file claiming A1:XFD1048576 merged is judged by its corners, not cell by cell: one E003, quickly."""
        import time

        path = tmp_path / "huge-merge.xlsx"
        wb = openpyxl.load_workbook(example_workbook)
        part = f"xl/worksheets/sheet{wb.sheetnames.index(L.FACTS_SHEET) + 1}.xml"
        with zipfile.ZipFile(example_workbook) as zin:
            parts = {name: zin.read(name) for name in zin.namelist()}
        parts[part] = parts[part].replace(b"</sheetData>", b'</sheetData><mergeCells count="1">'
                                          b'<mergeCell ref="A1:XFD1048576"/></mergeCells>', 1)
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
            for name, data in parts.items():
                zout.writestr(name, data)
        started = time.monotonic()
        (merged,) = [f for f in _findings(path) if f.id == "E003"]
        assert time.monotonic() - started < 10
        assert merged.where == f"{L.FACTS_SHEET}!A1:XFD1048576" and "整体支出预算数" in merged.message


def _zip_with_sheet(xml: bytes) -> zipfile.ZipFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet1.xml", xml)
    return zipfile.ZipFile(io.BytesIO(buffer.getvalue()))


class TestMergedRangesFromXml:
    def test_ranges_with_or_without_a_prefix(self) -> None:
        """<mergeCell ref="…"/> is found with any namespace prefix; <mergeCells count> is not a range."""
        xml = (b'<worksheet><sheetData/><mergeCells count="2"><mergeCell ref="A1:B1"/>'
               b'<x:mergeCell ref="$C$4:$C$5"/></mergeCells></worksheet>')
        assert _merges.merged_ranges(_zip_with_sheet(xml), "/xl/worksheets/sheet1.xml") == ["A1:B1", "C4:C5"]

    def test_a_range_across_two_reads(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A <mergeCell> split between two chunks of the stream is still found, once."""
        monkeypatch.setattr(_merges, "_CHUNK", 64)
        xml = b"<worksheet><sheetData>" + b" " * 50 + b'</sheetData><mergeCells><mergeCell ref="B6:C7"/></mergeCells>'
        assert _merges.merged_ranges(_zip_with_sheet(xml), "xl/worksheets/sheet1.xml") == ["B6:C7"]

    def test_bounded(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """At most MAX_RANGES ranges are kept, whatever the sheet claims."""
        monkeypatch.setattr(_merges, "MAX_RANGES", 3)
        xml = b"<worksheet><mergeCells>" + b"".join(b'<mergeCell ref="A%d:B%d"/>' % (i, i) for i in range(1, 50)) + b"</mergeCells>"
        assert len(_merges.merged_ranges(_zip_with_sheet(xml), "xl/worksheets/sheet1.xml")) == 3
