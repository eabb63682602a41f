"""Building and reading the workbook: the layout contract of docs/workbook-layout.md."""

from __future__ import annotations

import re
import shutil
import zipfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from xlperf import WorkbookError, load_framework, read_workbook, score_year
from xlperf_testing import typed_over
from xlperf._open import example_year
from xlperf.core.model import TEXT_FIELDS
from xlperf.workbook import layout as L
from xlperf.workbook.build import build_workbook


def _cell(wb: openpyxl.Workbook, name: str) -> tuple[str, str]:
    sheet, ref = next(iter(wb.defined_names[name].destinations))
    return sheet, ref.replace("$", "")


def _with_cell_xml(source: Path, target: Path, name: str, make_xml: Callable[[str], str]) -> str:
    """Copy the workbook and replace the XML of the cell a defined name points at; returns the cell."""
    shutil.copy(source, target)
    wb = openpyxl.load_workbook(target)
    sheet, cell = _cell(wb, name)
    _rewrite_cell_xml(target, f"xl/worksheets/sheet{wb.sheetnames.index(sheet) + 1}.xml", cell, make_xml(cell))
    return cell


def _rewrite_cell_xml(path: Path, sheet_file: str, cell: str, new_xml: str) -> None:
    """Replace one <c> element in a sheet's XML (to make what openpyxl cannot write: cached formulas)."""
    with zipfile.ZipFile(path) as zin:
        parts = {name: zin.read(name) for name in zin.namelist()}
    xml = parts[sheet_file].decode("utf-8")
    xml, count = re.subn(rf'<c r="{cell}"[^>]*?(/>|>.*?</c>)', new_xml, xml, count=1)
    assert count == 1
    parts[sheet_file] = xml.encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in parts.items():
            zout.writestr(name, data)


class TestBuild:
    def test_two_builds_are_byte_identical(self, tmp_path: Path) -> None:
        """The build is deterministic, so a committed workbook can be checked for staleness."""
        year, fw = example_year()
        a = build_workbook(tmp_path / "a.xlsx", fw, year).read_bytes()
        b = build_workbook(tmp_path / "b.xlsx", fw, year).read_bytes()
        assert a == b

    def test_every_input_has_its_defined_name(self, example_workbook: Path) -> None:
        """Each fact, text, indicator entry and table is reachable by the names of layout.py."""
        fw = load_framework("gz-baiyun-2022")
        wb = openpyxl.load_workbook(example_workbook)
        names = set(wb.defined_names)
        expected = {L.LAYOUT_NAME, L.DEPARTMENT, L.YEAR, L.FRAMEWORK, L.TARGETS, L.PROJECTS, L.TOTAL, L.GRADE}
        expected |= {L.fact_name(f.key) for f in fw.facts} | {L.text_name(k) for k in TEXT_FIELDS}
        expected |= {L.indicator_name(i.code, "REASON") for i in fw.indicators}
        expected |= {L.indicator_name(i.code, "VALUE") for i in fw.indicators if i.method_info.entry != "none"}
        expected |= {L.target_column_name(c.key) for c in L.TARGET_COLUMNS}  # what the native formulas read
        assert expected <= names
        assert wb.sheetnames == [L.GUIDE_SHEET, *L.SHEETS]  # the .xlsx edition's own 使用说明 first

    def test_scores_written_match_the_engine(self, example_workbook: Path) -> None:
        """The 自评得分 cells and total are saved with what the engine computes (their formulas' results)."""
        wb = openpyxl.load_workbook(example_workbook, data_only=True)
        sheet, cell = _cell(wb, L.TOTAL)
        assert wb[sheet][cell].value == pytest.approx(99.15)
        sheet, cell = _cell(wb, L.indicator_name("CG06", "SCORE"))
        assert wb[sheet][cell].value == pytest.approx(0.65)

    def test_input_cells_are_unlocked_and_sheets_protected(self, example_workbook: Path) -> None:
        """Clerks can type in input cells only; computed cells are protected (no password)."""
        wb = openpyxl.load_workbook(example_workbook)
        sheet, cell = _cell(wb, L.fact_name("carryover"))
        assert wb[sheet][cell].protection.locked is False
        sheet, cell = _cell(wb, L.indicator_name("ZX03", "SCORE"))
        assert wb[sheet][cell].protection.locked is True
        assert wb[sheet].protection.sheet

    def test_formula_like_text_stays_text(self, tmp_path: Path) -> None:
        """A department's text starting with '=' is written as text and read back unchanged."""
        year, fw = example_year()
        year.texts["problems"] = "=HYPERLINK(\"http://x\")+1"
        path = build_workbook(tmp_path / "t.xlsx", fw, year)
        wb = openpyxl.load_workbook(path)
        sheet, cell = _cell(wb, L.text_name("problems"))
        assert wb[sheet][cell].data_type == "s"
        assert read_workbook(path).texts["problems"] == year.texts["problems"]


class TestRead:
    def test_reads_the_example_exactly(self, example_workbook: Path) -> None:
        """Every fact, target, entry and text survives build → read."""
        year, fw = example_year()
        back = read_workbook(example_workbook)
        assert back.department == year.department and back.year == 2022
        assert back.facts == year.facts
        assert [(t.kind, t.name, t.target, t.actual, t.unit) for t in back.targets] == \
               [(t.kind, t.name, t.target, t.actual, t.unit) for t in year.targets]
        assert back.entries == year.entries
        assert back.texts == year.texts
        assert [p.outputs for p in back.projects] == [p.outputs for p in year.projects]

    def test_locations_name_sheet_and_cell(self, example_workbook: Path) -> None:
        """Every input knows its cell, for messages."""
        back = read_workbook(example_workbook)
        assert str(back.where("facts.carryover")).startswith("收支情况!C")
        assert str(back.where("indicators.GK01.reason")).startswith("评分表!K")
        assert back.targets[0].location is not None and back.targets[0].location.sheet == "绩效目标"

    def test_moved_input_is_found_through_its_name(self, tmp_path: Path, example_workbook: Path) -> None:
        """Moving a cell (and its defined name, as Excel does) does not break reading."""
        moved = tmp_path / "moved.xlsx"
        wb = openpyxl.load_workbook(example_workbook)
        sheet, cell = _cell(wb, L.fact_name("carryover"))
        wb[sheet]["H40"] = 33.221  # 10% of the budget
        wb[sheet][cell] = None
        wb.defined_names[L.fact_name("carryover")].attr_text = f"'{sheet}'!$H$40"
        wb.save(moved)
        year = read_workbook(moved)
        assert year.facts["carryover"] == Decimal("33.221")
        assert str(year.where("facts.carryover")) == "收支情况!H40"

    def test_input_formula_is_read_by_its_saved_value(self, tmp_path: Path, example_workbook: Path) -> None:
        """A clerk's `=300+32.21` in an input cell reads as the value Excel saved with it."""
        path = tmp_path / "formula.xlsx"
        _with_cell_xml(example_workbook, path, L.fact_name("expenditure_budget"),
                       lambda cell: f'<c r="{cell}"><f>300+32.21</f><v>332.21</v></c>')
        year = read_workbook(path)
        assert year.facts["expenditure_budget"] == Decimal("332.21")
        assert score_year(load_framework(year.framework_id), year).total == Decimal("99.15")

    def test_input_formula_without_saved_value_is_reported_as_such(self, tmp_path: Path, example_workbook: Path) -> None:
        """A formula no program has calculated is reported as such (not "未填写") and never guessed."""
        path = tmp_path / "uncalculated.xlsx"
        cell = _with_cell_xml(example_workbook, path, L.fact_name("carryover"),
                              lambda cell: f'<c r="{cell}"><f>0.5+0.4</f></c>')
        year = read_workbook(path)
        card = score_year(load_framework(year.framework_id), year)
        assert card.result("ZH01").score is None
        problem = year.unreadable["facts.carryover"]
        assert card.result("ZH01").error is problem
        assert (problem.location.sheet, problem.location.cell) == ("收支情况", cell)
        assert "0.5+0.4" in problem.message and "保存" in problem.fix

    def test_text_in_a_number_cell_names_the_cell(self, tmp_path: Path, example_workbook: Path) -> None:
        """"332.21万元" in an amount cell is recorded with its cell and the number to type instead."""
        path = tmp_path / "unit.xlsx"
        wb = openpyxl.load_workbook(example_workbook)
        sheet, cell = _cell(wb, L.fact_name("expenditure_budget"))
        wb[sheet][cell] = "332.21万元"
        wb.save(path)
        year = read_workbook(path)
        problem = year.unreadable["facts.expenditure_budget"]
        assert (problem.location.sheet, problem.location.cell) == ("收支情况", cell)
        assert "332.21" in problem.fix and year.facts["expenditure_budget"] is None
        card = score_year(load_framework(year.framework_id), year)
        assert card.result("ZX03").error is problem  # the indicator says why, not "未填写"

    def test_bad_target_row_stops_target_scoring_but_not_reading(self, tmp_path: Path, example_workbook: Path) -> None:
        """An unreadable 绩效目标 row is recorded with its row; target indicators are then not scored."""
        path = tmp_path / "target.xlsx"
        wb = openpyxl.load_workbook(example_workbook)
        sheet, ref = _cell(wb, L.TARGETS)
        first = ref.split(":")[0]
        row = int(re.sub(r"\D", "", first))
        wb[sheet][f"D{row}"] = "大于"
        wb.save(path)
        year = read_workbook(path)
        (key,) = year.unreadable
        assert key == f"targets[绩效目标!B{row}:J{row}]"
        card = score_year(load_framework(year.framework_id), year)
        assert card.result("ZX01").score is None and card.result("ZX02").score is None
        assert card.result("ZX03").score == Decimal("9.50")

    def test_deleted_defined_name_is_a_clear_error(self, tmp_path: Path, example_workbook: Path) -> None:
        """A deleted name says which name is missing and how to restore it."""
        path = tmp_path / "noname.xlsx"
        wb = openpyxl.load_workbook(example_workbook)
        del wb.defined_names[L.fact_name("carryover")]
        wb.save(path)
        with pytest.raises(WorkbookError, match="XP_F_carryover"):
            read_workbook(path)

    def test_workbook_from_before_an_added_text_still_reads(self, tmp_path: Path, example_workbook: Path) -> None:
        """A workbook made before “预算完成情况” was added has no cell for it: it reads as blank, the rest as
        always, and the report then lists the 产出 targets instead."""
        from xlperf.core.narrative import report_context

        path = tmp_path / "older.xlsx"
        wb = openpyxl.load_workbook(example_workbook)
        for key in L.ADDED_TEXTS:
            del wb.defined_names[L.text_name(key)]
        wb.save(path)
        year = read_workbook(path)
        assert all(year.texts[key] == "" for key in L.ADDED_TEXTS)
        assert year.texts["key_tasks"].startswith("1.全面实施")
        card = score_year(load_framework(year.framework_id), year)
        assert card.total_text == "99.15"
        assert report_context(card)["outputs_done"][0] == "1、组织举办科普一日游活动2次；"

    def test_renamed_sheet_is_a_clear_error(self, tmp_path: Path, example_workbook: Path) -> None:
        """A workbook whose names point at a sheet that no longer exists is refused clearly."""
        path = tmp_path / "renamed.xlsx"
        wb = openpyxl.load_workbook(example_workbook)
        wb["收支情况"].title = "收支"
        wb.save(path)
        with pytest.raises(WorkbookError):
            read_workbook(path)

    def test_row_typed_below_a_table_is_warned(self, tmp_path: Path, example_workbook: Path) -> None:
        """A target typed just below the 绩效目标 table is not read, and W403 says where it is."""
        from xlperf import run_checks

        wb = openpyxl.load_workbook(example_workbook)
        sheet, ref = _cell(wb, L.TARGETS)
        below = int(re.sub(r"\D", "", ref.split(":")[1])) + 1
        path = typed_over(example_workbook, tmp_path / "below.xlsx",
                          {f"{sheet}!B{below}": "产出", f"{sheet}!C{below}": "漏在表外的目标"})
        year = read_workbook(path)
        assert "漏在表外的目标" not in [t.name for t in year.targets]
        findings = run_checks(score_year(load_framework(year.framework_id), year))
        # the example's own W303 (the published report's 95% and 98%) aside, W403 is all
        assert [(f.id, f.where) for f in findings if f.id != "W303"] == [("W403", f"绩效目标!B{below}:J{below}")]

    def test_name_of_a_deleted_row_is_explained(self, tmp_path: Path, example_workbook: Path) -> None:
        """A name whose row was deleted (#REF!) says which name and that a row was deleted."""
        path = tmp_path / "ref.xlsx"
        wb = openpyxl.load_workbook(example_workbook)
        wb.defined_names[L.fact_name("carryover")].attr_text = "'收支情况'!#REF!"
        wb.save(path)
        with pytest.raises(WorkbookError, match="XP_F_carryover.*#REF!"):
            read_workbook(path)

    def test_foreign_workbook_is_refused(self, tmp_path: Path) -> None:
        """A workbook not made by xlperf is refused with a hint to use `xlperf new`."""
        path = tmp_path / "other.xlsx"
        openpyxl.Workbook().save(path)
        with pytest.raises(WorkbookError, match="xlperf new"):
            read_workbook(path)


class TestConditionalFormat:
    def test_deduction_without_reason_is_marked(self, example_workbook: Path) -> None:
        """The 扣分原因 column turns red where a deduction has no reason (or only a placeholder like 无)."""
        wb = openpyxl.load_workbook(example_workbook)
        sheet, ref = _cell(wb, L.indicator_name("ZX01", "REASON"))
        ws = wb[sheet]
        rules = [(str(rng.sqref), rule.formula[0]) for rng in ws.conditional_formatting for rule in rng.rules]
        column = re.sub(r"\d", "", ref)
        (sqref, formula), = [(q, f) for q, f in rules if q.startswith(column)]
        first_row = int(re.sub(r"\D", "", ref))
        assert sqref == f"{column}{first_row}:{column}{first_row + 25}"
        # the rule itself (which texts count as none) is proved against Python in test_blank_reason_formula.py
        from xlperf.workbook.build import blank_reason_formula

        assert blank_reason_formula(load_framework("gz-baiyun-2022"), f"${column}{first_row}") in formula
        assert '"无。"' in formula and ">0" in formula
