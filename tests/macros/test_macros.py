"""The workbook's buttons (xlperf.macros) against a stand-in for the xlwings Book (conftest.py).

xlwings cannot open a workbook on Linux (interactive mode needs Excel; its Reader needs a licence), so
`xw.Book.set_mock_caller()` has no Book to mock with here: the buttons take the book as an argument.
"""

from __future__ import annotations

import dataclasses
import re
import tempfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
import xlwings as xw
from fake_book import FakeBook

from xlperf import macros, read_workbook
from xlperf._open import example_year
from xlperf.core.errors import Location, XlperfError
from xlperf.core.model import DepartmentYear
from xlperf.workbook import layout as L
from xlperf.workbook._cells import Cells
from xlperf.workbook.build import build_workbook
from xlperf.workbook.read import read_cells

Opener = Callable[..., FakeBook]


def _live(book: FakeBook) -> DepartmentYear:
    return read_cells(Cells(macros.LiveSource(book), book.name))


def _same_year(a: DepartmentYear, b: DepartmentYear) -> None:
    """Equal in every field; unreadable inputs (exceptions) compared by key and message."""
    for f in dataclasses.fields(DepartmentYear):
        if f.name == "unreadable":
            assert {k: str(v) for k, v in a.unreadable.items()} == {k: str(v) for k, v in b.unreadable.items()}
        else:
            assert getattr(a, f.name) == getattr(b, f.name), f.name
    assert {k: str(v) for k, v in a.facts.items()} == {k: str(v) for k, v in b.facts.items()}  # 12, not 12.0


#: The example's findings: the published report's own 95%-vs-98% statements (W303, kept on purpose)
EXAMPLE_WARNINGS = ["W303", "W303"]


def _errors(book: FakeBook) -> list[list[object]]:
    """The 错误 rows of the 校验结果 sheet."""
    return [row for row in _results(book) if str(row[0]).startswith("E")]


def _results(book: FakeBook) -> list[list[object]]:
    """The finding rows of the 校验结果 sheet."""
    sheet = book.sheets[macros.RESULT_SHEET]
    rows = []
    row = macros.FIRST_FINDING_ROW
    while sheet.text(row, 1) is not None:
        rows.append([sheet.text(row, c) for c in range(1, 5)])
        row += 1
    return rows


def _make_consistent(book: FakeBook) -> None:
    """Correct the published report's two 98% statements to the 95% of its 绩效目标 (as a clerk would)."""
    sheet, first = book.cell_of(L.PROJECTS)
    row = int(re.sub(r"\D", "", first))
    for r in range(row, row + 3):
        rng = book.sheets[sheet].range((r, 6))  # 效益
        if isinstance(rng.value, str):
            rng.value = rng.value.replace("满意度达 98%", "满意度达 95%").replace("知晓度达 98%", "知晓度达 95%")


class TestLiveSource:
    @pytest.mark.parametrize("quoted", [True, False])
    def test_reads_the_same_year_as_the_file(self, open_book: Opener, quoted: bool) -> None:
        """The live workbook and the file on disk give an identical DepartmentYear (facts, entries, targets, texts)."""
        book = open_book(quote_sheet_names=quoted)
        from_file = read_workbook(book.fullname)
        live = _live(book)
        _same_year(live, from_file)
        assert live.facts and live.entries and live.targets and live.texts

    def test_reads_a_messy_workbook_the_same_as_the_file(self, open_book: Opener, example_workbook: Path,
                                                         tmp_path: Path) -> None:
        """Bad text, blanks, error values, uncalculated formulas, broken rows and data below a table read alike."""
        wb = openpyxl.load_workbook(example_workbook)

        def cell(name: str) -> openpyxl.cell.Cell:
            sheet, ref = next(iter(wb.defined_names[name].destinations))
            return wb[sheet][ref.replace("$", "").split(":")[0]]

        cell(L.fact_name("income_budget")).value = "三百"
        cell(L.fact_name("carryover")).value = None
        cell(L.fact_name("assets_total")).value = "#N/A"
        cell(L.indicator_name("ZH02", "VALUE")).value = "=120+80"  # openpyxl saves no result
        cell(L.YEAR).value = 2022.5
        targets = cell(L.TARGETS)
        wb[targets.parent.title].cell(targets.row, targets.column + 1).value = None  # a row without its name
        last = next(iter(wb.defined_names[L.TARGETS].destinations))[1].split(":")[1].replace("$", "")
        below = wb[targets.parent.title][last].offset(row=2, column=-8)
        below.value = "表格下方的数据"
        messy = tmp_path / "messy.xlsx"
        wb.save(messy)

        book = open_book(messy)
        from_file, live = read_workbook(book.fullname), _live(book)
        _same_year(live, from_file)
        assert len(live.unreadable) >= 5 and live.outside_tables
        assert ("formula", "评分表") in book.reads  # the uncalculated formula was found live too

    def test_reads_each_sheet_once(self, open_book: Opener) -> None:
        """One read of each sheet's values (one COM call each), no formulas when nothing is blank, and one
        MergeCells question per named range (no cell is asked when nothing is merged over the inputs)."""
        book = open_book()
        _live(book)
        assert sorted(r for r in book.reads if r[0] != "MergeCells") == sorted(("value", s) for s in L.SHEETS)
        merge_questions = [r for r in book.reads if r[0] == "MergeCells"]
        assert len(merge_questions) <= len(macros.LiveSource(book).defined_names())

    def test_merged_cells_over_inputs_are_found_as_in_the_file(self, open_book: Opener, tmp_path: Path) -> None:
        """A merge over two 收支情况 inputs is E003 at that range, from the live workbook as from the saved file."""
        book = open_book()
        sheet, cell = book.cell_of(L.fact_name("basic_budget"))
        below = f"{cell[0]}{int(cell[1:]) + 1}"
        book.merge(sheet, f"{cell}:{below}")
        live = _live(book)
        assert [str(where) for where in live.merged_inputs] == [f"{sheet}!{cell}:{below}"]
        assert list(live.merged_inputs.values()) == [("facts.basic_actual",)]
        saved = tmp_path / "merged.xlsx"
        book.values_wb.save(saved)
        assert read_workbook(saved).merged_inputs == {Location(sheet=sheet, cell=f"{cell}:{below}"): ("facts.basic_actual",)}
        macros.check_workbook(book)
        assert [r[:3] for r in _errors(book)] == [["E003", "错误", f"{sheet}!{cell}:{below}"]]

    def test_sheet_scoped_names_are_left_out(self, open_book: Opener) -> None:
        """Print titles and other sheet-scoped names are not layout names (the file reader does not see them)."""
        book = open_book()
        assert any("!" in n.name for n in book.names)
        names = macros.LiveSource(book).defined_names()
        assert L.LAYOUT_NAME in names and not any("!" in n for n in names)

    def test_single_cells_and_rows_are_normalised(self) -> None:
        """A scalar (one cell) and a flat list (one row or one column) become rows of cells."""
        assert macros._grid("=A1", 1) == [["=A1"]]
        assert macros._grid(["a", "b"], 1) == [["a", "b"]]
        assert macros._grid(["a", "b"], 2) == [["a"], ["b"]]
        assert macros._grid((("a", ""), ("", "=B1")), 2) == [["a", ""], ["", "=B1"]]


class TestCheckWorkbook:
    def test_example_has_no_errors(self, open_book: Opener) -> None:
        """The example has no 错误, only its two W303: 校验结果 lists them, is the last and active sheet, and an
        information box (not a critical one) points at it."""
        book = open_book()
        macros.check_workbook(book)
        sheet = book.sheets[macros.RESULT_SHEET]
        assert sheet.text(1, 1) == "共 2 条，其中错误 0 条。"
        assert "99.15" in sheet.text(2, 1)
        assert [r[0] for r in _results(book)] == EXAMPLE_WARNINGS
        assert book.values_wb.sheetnames[-1] == macros.RESULT_SHEET and book.active == macros.RESULT_SHEET
        (alert,) = book.alerts()
        assert alert.title == "xlperf 检查填报" and alert.mode == "info"
        assert alert.prompt.startswith("共 2 条，其中错误 0 条。") and macros.RESULT_SHEET in alert.prompt

    def test_a_clean_workbook_says_so(self, open_book: Opener) -> None:
        """With the example's two statements made consistent, 校验结果 and the message box say 检查通过 and the total."""
        book = open_book()
        _make_consistent(book)
        macros.check_workbook(book)
        assert book.sheets[macros.RESULT_SHEET].text(1, 1).startswith("检查通过")
        assert _results(book) == []
        (alert,) = book.alerts()
        assert alert.mode == "info" and alert.prompt.startswith("检查通过") and "99.15" in alert.prompt

    def test_the_macro_workbook_checks_clean(self, open_book: Opener, tmp_path_factory: pytest.TempPathFactory) -> None:
        """The .xlsm the buttons live in reads like its file, checks clean, and 校验结果 goes before xlwings.conf."""
        year, fw = example_year()
        book = open_book(build_workbook(tmp_path_factory.mktemp("xlsm") / "绩效自评.xlsm", fw, year))
        assert _live(book) == read_workbook(book.fullname)
        macros.check_workbook(book)
        assert book.alerts()[-1].prompt.startswith("共 2 条，其中错误 0 条。")
        assert book.values_wb.sheetnames[-2:] == [macros.RESULT_SHEET, "xlwings.conf"]

    def test_deduction_without_reason_is_listed_with_a_link(self, open_book: Opener) -> None:
        """E101 at the 扣分原因 cell, its 位置 a link to that cell; the message box counts the 错误."""
        book = open_book()
        cell = book.type_into(L.indicator_name("ZX03", "REASON"), "")
        macros.check_workbook(book)
        (row,) = _errors(book)
        assert row[:3] == ["E101", "错误", f"{L.SCORESHEET}!{cell}"]
        link = book.sheets[macros.RESULT_SHEET].links[(macros.FIRST_FINDING_ROW, 3)]  # errors come first
        assert link.address == f"#'{L.SCORESHEET}'!{cell}" and link.text == f"{L.SCORESHEET}!{cell}"
        assert book.sheets[macros.RESULT_SHEET].text(1, 1) == "共 3 条，其中错误 1 条。有错误时报告不能提交，请先修改。"
        (alert,) = book.alerts()
        assert "错误 1 条" in alert.prompt and alert.mode == "critical"

    def test_the_unsaved_workbook_is_checked_not_the_file(self, open_book: Opener) -> None:
        """An edit made in Excel and not saved is what gets checked; the file on disk is never read or changed."""
        book = open_book()
        before = Path(book.fullname).read_bytes()
        book.type_into(L.indicator_name("ZX03", "REASON"), "")
        macros.check_workbook(book)
        assert [r[0] for r in _results(book)] == ["E101", *EXAMPLE_WARNINGS]
        assert Path(book.fullname).read_bytes() == before
        assert read_workbook(book.fullname).entry("ZX03").reason  # on disk the reason is still there

    def test_a_range_links_to_its_first_cell(self, open_book: Opener) -> None:
        """A bad 绩效目标 row (B5:J5) is listed with the whole row and links to its first cell."""
        book = open_book()
        sheet, first = book.cell_of(L.TARGETS)
        row = int(re.sub(r"\D", "", first))
        book.sheets[sheet].range((row, 2)).value = ""  # the 指标名称 of the first target
        macros.check_workbook(book)
        (found,) = [r for r in _results(book) if r[0] == "E002"]
        assert re.fullmatch(rf"{sheet}!{first}:[A-Z]+{row}", str(found[2]))
        links = book.sheets[macros.RESULT_SHEET].links.values()
        assert f"#'{sheet}'!{first}" in [link.address for link in links]

    def test_an_error_value_is_reported_as_such(self, open_book: Opener) -> None:
        """A #DIV/0! in an input is named as an Excel error at its cell, not taken for a blank."""
        book = open_book()
        cell = book.type_into(L.fact_name("expenditure_budget"), "#DIV/0!")
        macros.check_workbook(book)
        rows = _results(book)
        assert ["E002", "错误", f"{L.FACTS_SHEET}!{cell}"] in [r[:3] for r in rows]
        assert any("#DIV/0!" in str(r[3]) for r in rows)

    def test_checking_again_replaces_the_results(self, open_book: Opener) -> None:
        """The second check empties 校验结果 (rows and links) and reuses the sheet."""
        book = open_book()
        name = L.indicator_name("ZX03", "REASON")
        reason = book.sheets[book.cell_of(name)[0]].range(book.cell_of(name)[1]).value
        book.type_into(name, "")
        macros.check_workbook(book)
        book.type_into(name, reason)
        macros.check_workbook(book)
        assert book.values_wb.sheetnames.count(macros.RESULT_SHEET) == 1
        assert [r[0] for r in _results(book)] == EXAMPLE_WARNINGS
        assert len(book.sheets[macros.RESULT_SHEET].links) == len(EXAMPLE_WARNINGS)  # the E101 link is gone
        assert book.sheets[macros.RESULT_SHEET].text(1, 1) == "共 2 条，其中错误 0 条。"

    @pytest.mark.parametrize(("damage", "words"), [("delete_name", "缺少名称"), ("break_name", "已被删除")])
    def test_a_broken_workbook_gets_a_chinese_message(self, open_book: Opener, damage: str, words: str) -> None:
        """A deleted or #REF! defined name: a Chinese message box naming it, no exception, no 校验结果."""
        book = open_book()
        getattr(book, damage)(L.fact_name("carryover"))
        macros.check_workbook(book)
        (alert,) = book.alerts()
        assert words in alert.prompt and L.fact_name("carryover") in alert.prompt and alert.mode == "critical"
        assert "Traceback" not in alert.prompt
        assert macros.RESULT_SHEET not in book.values_wb.sheetnames

    def test_not_an_xlperf_workbook(self, open_book: Opener) -> None:
        """A workbook without the layout mark is refused in Chinese."""
        book = open_book()
        book.delete_name(L.LAYOUT_NAME)
        macros.check_workbook(book)
        assert "不是 xlperf 生成的" in book.alerts()[0].prompt

    def test_an_internal_error_is_logged_not_shown(self, open_book: Opener, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
        """An unexpected exception becomes “内部错误” and a log file with the traceback."""
        monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))

        def boom(self: macros.LiveSource, sheet: str, last_row: int) -> list[list[object]]:
            raise RuntimeError("boom")

        monkeypatch.setattr(macros.LiveSource, "rows", boom)
        book = open_book()
        macros.check_workbook(book)
        (alert,) = book.alerts()
        assert alert.prompt.startswith("内部错误") and "Traceback" not in alert.prompt
        (log,) = tmp_path.glob("xlperf-error-*.log")
        assert str(log) in alert.prompt and "RuntimeError: boom" in log.read_text(encoding="utf-8")

    def test_the_calling_workbook_is_used_by_default(self, open_book: Opener, monkeypatch: pytest.MonkeyPatch) -> None:
        """Without an argument (as RunPython calls it) the book comes from xw.Book.caller()."""
        book = open_book()
        monkeypatch.setattr(xw.Book, "caller", staticmethod(lambda: book))
        macros.check_workbook()
        assert book.alerts()[0].prompt.startswith("共 2 条")

    def test_outside_excel_it_says_so(self) -> None:
        """Run without Excel, it exits with a Chinese line (what RunPython's popup would show), no traceback."""
        with pytest.raises(SystemExit, match="请在 Excel 中点击"):
            macros.check_workbook()

    def test_no_message_box_falls_back_to_the_exit_message(self, open_book: Opener,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
        """If the message box itself fails, the message leaves as the exit message of the run."""
        book = open_book()

        def broken(*args: object, **kwargs: object) -> None:
            raise RuntimeError("no window")

        monkeypatch.setattr(book.app, "alert", broken)
        with pytest.raises(SystemExit, match="共 2 条"):
            macros.check_workbook(book)


class TestGenerateReport:
    def test_errors_send_the_clerk_to_check(self, open_book: Opener) -> None:
        """With 错误 the report is refused: the message counts them and points at 检查填报; no file is written."""
        book = open_book()
        book.type_into(L.indicator_name("ZX03", "REASON"), "")
        macros.generate_report(book)
        (alert,) = book.alerts()
        assert "1 条错误" in alert.prompt and "检查填报" in alert.prompt and alert.mode == "critical"
        assert alert.title == "xlperf 生成报告"
        assert not list(Path(book.fullname).parent.glob("*.docx"))

    def test_a_clean_workbook_gets_its_report_beside_it(self, open_book: Opener) -> None:
        """Without errors the report is written beside the workbook, and a second click makes a new file."""
        from docx import Document

        book = open_book()
        macros.generate_report(book)
        (alert,) = book.alerts()
        report = Path(book.fullname).with_name(f"{Path(book.fullname).stem}-自评报告.docx")
        assert report.exists() and str(report) in alert.prompt
        assert any("99.15" in p.text for p in Document(str(report)).paragraphs)
        macros.generate_report(book)
        assert report.with_name(f"{report.stem}(2).docx").exists()

    def test_a_broken_workbook_gets_a_chinese_message(self, open_book: Opener) -> None:
        """The report button reads like the check button: a missing name is a message, not a traceback."""
        book = open_book()
        book.delete_name(L.YEAR)
        macros.generate_report(book)
        assert "缺少名称" in book.alerts()[0].prompt


class TestReportPath:
    def test_beside_the_workbook(self, open_book: Opener) -> None:
        """The report is named after the workbook, in its folder."""
        book = open_book()
        workbook = Path(book.fullname)
        assert macros._report_path(book) == workbook.with_name(f"{workbook.stem}-自评报告.docx")

    def test_never_an_existing_file(self, open_book: Opener) -> None:
        """Existing reports are skipped: (2), (3) … and no existing file is ever returned."""
        book = open_book()
        workbook = Path(book.fullname)
        for suffix in ("", "(2)", "(4)"):
            workbook.with_name(f"{workbook.stem}-自评报告{suffix}.docx").write_bytes(b"old")
        first = macros._report_path(book)
        assert first.name == f"{workbook.stem}-自评报告(3).docx" and not first.exists()
        first.write_bytes(b"new")
        second = macros._report_path(book)
        assert second.name == f"{workbook.stem}-自评报告(5).docx" and not second.exists()

    @pytest.mark.parametrize("fullname", ["工作簿1", "https://d.docs.live.net/abc/绩效自评.xlsm"])
    def test_no_local_folder(self, open_book: Opener, fullname: str) -> None:
        """An unsaved or online workbook has no folder for the report: a Chinese error says to save it."""
        book = open_book(fullname=fullname)
        with pytest.raises(XlperfError, match="本机文件夹"):
            macros._report_path(book)


class TestResultCells:
    def test_links_only_to_cells(self) -> None:
        """A cell or range links to its first cell (quotes in sheet names doubled); a sheet or path does not."""
        assert macros._link(Location(sheet="收支情况", cell="C10")) == "#'收支情况'!C10"
        assert macros._link(Location(sheet="绩效目标", cell="B5:J5")) == "#'绩效目标'!B5"
        assert macros._link(Location(sheet="O'Neil", cell="A1")) == "#'O''Neil'!A1"
        assert macros._link(Location(sheet="绩效目标")) is None
        assert macros._link(Location(path="framework")) is None
        assert macros._link(None) is None

    def test_text_is_never_taken_for_a_formula(self, open_book: Opener) -> None:
        """Text starting with = + - @ or ' is written with Excel's text prefix and shows unchanged."""
        book = open_book()
        sheet = book.sheets[0]
        for text in ("=SUM(A1)", "-3 分", "'引号", "普通"):
            sheet.range("Z1").value = macros._text(text)
            assert sheet.text(1, 26) == text
