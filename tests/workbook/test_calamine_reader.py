"""The calamine reader (workbook/_calamine_source.py) against openpyxl's (FileSource): the same
DepartmentYear, or the same error with the same message, for every workbook the tests make, and no
crash or abort on hostile files. Every file is made here from the example workbook, with the builders
of tests/hostile/hostile_files.py and the edits of tests/checks and tests/workbook."""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib.util
import json
import math
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import openpyxl
import pytest

from xlperf import XlperfError
from xlperf._open import example_year
from xlperf.core.checks import run_checks
from xlperf.core.engine import score_year
from xlperf.core.frameworks import load_framework
from xlperf.core.model import DepartmentYear
from xlperf.core.values import parse_number
from xlperf.workbook import _calamine_source
from xlperf.workbook import layout as L
from xlperf.workbook._calamine_source import CalamineSource
from xlperf.workbook._cells import ArrayFormula, Cells
from xlperf.workbook._file_source import FileSource
from xlperf.workbook._readers import open_cells
from xlperf.workbook.build import build_workbook
from xlperf.workbook.read import read_cells, read_workbook

TESTS = Path(__file__).resolve().parents[1]
Builder = Callable[[Path, Path], Path]  # (example workbook, empty folder) -> the file made in the folder


def _helper(name: str, folder: Path) -> ModuleType:
    """A helper module of another test folder (plain modules there, imported by their tests by name)."""
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, folder / f"{name}.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


hostile = _helper("hostile_files", TESTS / "hostile")
FACTS_PART = hostile.SHEET  # xl/worksheets/sheet3.xml: 收支情况


# -- what a reader makes of a file ---------------------------------------------------------------

def outcome(path: Path, reader: str) -> tuple[str, ...]:
    """("year", every field of the DepartmentYear, Locations and Decimal exponents included) or
    ("error", class, message)."""
    try:
        year = read_workbook(path, reader=reader)  # type: ignore[arg-type]
    except XlperfError as exc:
        return "error", type(exc).__name__, str(exc)
    return "year", _form(year)


def _form(year: DepartmentYear) -> str:
    fields = {f.name: getattr(year, f.name) for f in dataclasses.fields(year)}
    fields["unreadable"] = {key: (type(e).__name__, str(e), e.location, e.fix) for key, e in year.unreadable.items()}
    return repr(fields)


def findings(path: Path, reader: str) -> list[tuple[str, str, str]]:
    year = read_workbook(path, reader=reader)  # type: ignore[arg-type]
    return [(f.id, f.where, f.message) for f in run_checks(score_year(load_framework(year.framework_id), year))]


# -- builders ------------------------------------------------------------------------------------

def _copy_of(source: Path) -> Builder:
    return lambda example, folder: Path(shutil.copy(source, folder / source.name))


def _example(example: Path, folder: Path) -> Path:
    return Path(shutil.copy(example, folder / "example.xlsx"))


def _built(suffix: str, *, filled: bool = True, change: Callable[[DepartmentYear], None] | None = None) -> Builder:
    def make(example: Path, folder: Path) -> Path:
        year, fw = example_year()
        if change is not None:
            change(year)
        return build_workbook(folder / f"book{suffix}", fw, year if filled else None)
    return make


def _name_cell(wb: Any, where: str) -> tuple[str, str]:
    """工作表!单元格 or a defined name -> (sheet, cell)."""
    if "!" in where:
        sheet, cell = where.split("!")
        return sheet, cell
    sheet, ref = next(iter(wb.defined_names[where].destinations))
    return sheet, ref.replace("$", "")


def _edited(cells: dict[str, Any] | None = None, merge: tuple[str, ...] = (),
            change: Callable[[Any], None] | None = None) -> Builder:
    """The example edited and saved by openpyxl, as tests/checks and tests/workbook do: cells by
    工作表!单元格 or by defined name, merged ranges, or any change of the workbook."""
    def make(example: Path, folder: Path) -> Path:
        path = Path(shutil.copy(example, folder / "book.xlsx"))
        wb = openpyxl.load_workbook(path)
        for where, value in (cells or {}).items():
            sheet, cell = _name_cell(wb, where)
            wb[sheet][cell] = value
        for where in merge:
            sheet, ref = where.split("!")
            wb[sheet].merge_cells(ref)
        if change is not None:
            change(wb)
        wb.save(path)
        return path
    return make


def _xml(change: Callable[[dict[str, bytes]], None]) -> Builder:
    """The example with its parts changed (hostile_files.changed)."""
    return lambda example, folder: hostile.changed(example, folder / "book.xlsx", change)


def _cell_xml(name: str, make_xml: Callable[[str], str]) -> Builder:
    """The example with the <c> element of a named cell replaced (as test_workbook._with_cell_xml)."""
    def make(example: Path, folder: Path) -> Path:
        wb = openpyxl.load_workbook(example, read_only=True)
        sheet, cell = _name_cell(wb, name)
        part = f"xl/worksheets/sheet{wb.sheetnames.index(sheet) + 1}.xml"
        wb.close()

        def edit(xml: str) -> str:
            xml, count = re.subn(rf'<c r="{cell}"[^>]*?(/>|>.*?</c>)', make_xml(cell), xml, count=1)
            assert count == 1, cell
            return xml
        return hostile.changed(example, folder / "book.xlsx", lambda parts: hostile.edit_xml(parts, part, edit))
    return make


def _facts_xml(edit: Callable[[str], str]) -> Builder:
    return _xml(lambda parts: hostile.edit_xml(parts, FACTS_PART, edit))


def _claim_a_million_rows(parts: dict[str, bytes]) -> None:
    """Every sheet claims A1:XFD1048576, with values in row 1 000 000 and column XFD (as test_hostile_reader)."""
    million = 1_000_000
    for name in [n for n in parts if n.startswith("xl/worksheets/sheet")]:
        hostile.edit_xml(parts, name, lambda xml: re.sub(r'<dimension ref="[^"]*"/>', '<dimension ref="A1:XFD1048576"/>', xml)
                         .replace("</sheetData>", f'<row r="{million}"><c r="A{million}"><v>1</v></c>'
                                                  f'<c r="XFD{million}"><v>2</v></c></row></sheetData>')
                         .replace("</row>", '<c r="XFD1"><v>3</v></c></row>', 1))


def _far_cell(xml: str) -> str:
    """A value in XFD1048576 besides the table: calamine would allocate A1:XFD1048576 (512 GB)."""
    return xml.replace("</sheetData>", '<row r="1048576"><c r="XFD1048576"><v>2</v></c></row></sheetData>')


def _from_c3(xml: str) -> str:
    """收支情况 with rows 1-2 and columns A-B emptied: its used range starts at C3."""
    xml = re.sub(r'<row r="[12]"[^>]*?(/>|>.*?</row>)', "", xml)
    return re.sub(r'<c r="[AB]\d+"[^>]*?(/>|>.*?</c>)', "", xml)


def _target_row(example: Path) -> int:
    wb = openpyxl.load_workbook(example, read_only=True)
    _, ref = next(iter(wb.defined_names[L.TARGETS].destinations))
    return int(re.sub(r"\D", "", ref.split(":")[0]))


def _bad_target_row(example: Path, folder: Path) -> Path:
    return _edited({f"{L.TARGETS_SHEET}!D{_target_row(example)}": "大于"})(example, folder)


def _moved_input(wb: Any) -> None:
    sheet, cell = _name_cell(wb, L.fact_name("carryover"))
    wb[sheet]["H40"] = 33.221
    wb[sheet][cell] = None
    wb.defined_names[L.fact_name("carryover")].attr_text = f"'{sheet}'!$H$40"


def _row_below_table(example: Path, folder: Path) -> Path:
    wb = openpyxl.load_workbook(example, read_only=True)
    _, ref = next(iter(wb.defined_names[L.TARGETS].destinations))
    below = int(re.sub(r"\D", "", ref.split(":")[1])) + 1
    return _edited({f"{L.TARGETS_SHEET}!B{below}": "产出", f"{L.TARGETS_SHEET}!C{below}": "漏在表外的目标"})(example, folder)


def _foreign(example: Path, folder: Path) -> Path:
    path = folder / "other.xlsx"
    openpyxl.Workbook().save(path)
    return path


def _huge_merge(xml: str) -> str:
    return xml.replace("</sheetData>", '</sheetData><mergeCells count="1"><mergeCell ref="A1:XFD1048576"/></mergeCells>', 1)


def _dates(wb: Any) -> None:
    """Dates and times where numbers and texts belong, and date-formatted numbers out of the range of dates."""
    sheet, cell = _name_cell(wb, L.fact_name("carryover"))
    wb[sheet][cell] = dt.datetime(2023, 3, 1)
    sheet, cell = _name_cell(wb, L.DEPARTMENT)
    wb[sheet][cell] = dt.date(2023, 3, 1)
    sheet, cell = _name_cell(wb, L.fact_name("expenditure_budget"))
    wb[sheet][cell] = dt.time(10, 30)
    for name, serial in (("income_budget", 1e10), ("income_actual", -5), ("expenditure_actual", 45000.5)):
        sheet, cell = _name_cell(wb, L.fact_name(name))
        wb[sheet][cell] = serial
        wb[sheet][cell].number_format = "yyyy-mm-dd"


def _checks_case(folder: Path) -> Builder:
    edits = json.loads(folder.read_text(encoding="utf-8"))
    return _edited(edits.get("cells", {}), tuple(edits.get("merge", ())))


def _texts(**texts: str) -> Callable[[DepartmentYear], None]:
    return lambda year: year.texts.update(texts)


def _satisfaction(typed: Any) -> Builder:
    """The example's target 公众对科普工作满意度 (≥ 95 %, as tests/checks/test_reading) with its 实际值 typed so."""
    def make(example: Path, folder: Path) -> Path:
        letter = "BCDEFGHIJ"[[c.key for c in L.TARGET_COLUMNS].index("actual")]
        return _edited({f"{L.TARGETS_SHEET}!{letter}{_target_row(example) + 21}": typed})(example, folder)
    return make



#: id -> builder: files any spreadsheet program may write, which calamine reads itself
PLAIN: dict[str, Builder] = {
    "example": _example,
    "example-xlsm": _built(".xlsm"),
    "blank-xlsx": _built(".xlsx", filled=False),
    "blank-xlsm": _built(".xlsm", filled=False),
    "example-saved-by-openpyxl": _edited(),
    **{f"checks-{case.parent.name}-{case.name.split('.')[0]}": _checks_case(case)
       for case in sorted(TESTS.glob("checks/*/*.workbook.json"))},
    "formula-with-saved-value": _cell_xml(L.fact_name("expenditure_budget"),
                                          lambda c: f'<c r="{c}"><f>300+32.21</f><v>332.21</v></c>'),
    "uncalculated-formula": _cell_xml(L.fact_name("carryover"), lambda c: f'<c r="{c}"><f>0.5+0.4</f></c>'),
    "uncalculated-formula-with-entities": _cell_xml(
        L.fact_name("carryover"), lambda c: f'<c r="{c}"><f>IF(1&lt;2,&quot;a&quot;&amp;&#x41;,0)</f><v></v></c>'),
    "uncalculated-array-formula": _cell_xml(L.fact_name("carryover"), lambda c: f'<c r="{c}"><f t="array" ref="{c}">1</f></c>'),
    "moved-input": _edited(change=_moved_input),
    "text-with-unit": _edited({L.fact_name("expenditure_budget"): "332.21万元"}),
    "bad-target-row": _bad_target_row,
    "row-below-table": _row_below_table,
    "deleted-name": _edited(change=lambda wb: wb.defined_names.pop(L.fact_name("carryover"))),
    "renamed-sheet": _edited(change=lambda wb: setattr(wb["收支情况"], "title", "收支")),
    "name-of-a-deleted-row": _edited(change=lambda wb: setattr(wb.defined_names[L.fact_name("carryover")], "attr_text",
                                                               "'收支情况'!#REF!")),
    "foreign-workbook": _foreign,
    "formula-like-text": _built(".xlsx", change=_texts(problems="=HYPERLINK(\"http://x\")+1")),
    "full-width-amount": _edited({L.fact_name("expenditure_budget"): "３３２.２１"}),
    **{f"percent-typed-{i}": _satisfaction(typed)
       for i, typed in enumerate(["95%", "95 %", 95, "95", 0.95, "９５％", " 95 "])},
    "merge-over-facts": _edited(merge=("收支情况!C4:C5",)),
    "merge-with-label": _edited(merge=("收支情况!C4:D4",)),
    "merge-blank-rows": _edited(merge=("绩效目标!B50:C52",)),
    "merge-filled-rows": _edited(merge=("绩效目标!B3:B5",)),
    "merge-whole-sheet": _facts_xml(_huge_merge),
    "error-values-typed": _edited({L.fact_name("carryover"): "#N/A", L.fact_name("expenditure_budget"): "#REF!",
                                   L.DEPARTMENT: "#VALUE!"}),
    "error-value-of-a-formula": _cell_xml(L.fact_name("expenditure_budget"),
                                          lambda c: f'<c r="{c}" t="e"><f>1/0</f><v>#DIV/0!</v></c>'),
    # t="e" after a tab (the scan once looked for ' t="e"' only, and calamine's "" read as blank)
    "error-value-after-a-tab": _cell_xml(L.fact_name("carryover"),
                                         lambda c: f'<c r="{c}"\tt="e"><f>1/0</f><v>#DIV/0!</v></c>'),
    "error-type-in-a-text": _cell_xml(L.DEPARTMENT, lambda c: f'<c r="{c}" t="inlineStr"><is><t>某 t="e" 单位</t></is></c>'),
    "uncalculated-formulas-of-a-whole-sheet": _facts_xml(lambda xml: re.sub(
        r'(<c r="C\d+")([^>]*?)(?:/>|>(?:<f>[^<]*</f>)?<v>[^<]*</v></c>)', r"\1\2><f>0.5+0.4</f></c>", xml)),
    "used-range-from-C3": _facts_xml(_from_c3),
    "boolean-and-formula-text": _edited({L.fact_name("carryover"): True, L.fact_name("expenditure_budget"): "=1+1"}),
}

#: id -> builder: files calamine reads otherwise than openpyxl (or may not load): openpyxl reads them,
#: or the difference is fixed, and the year or error is the same
ODD: dict[str, Builder] = {
    **{f"hostile-{case}": make for case, (make, _, _) in hostile.CASES.items()},
    "million-rows": _xml(_claim_a_million_rows),
    "far-cell": _facts_xml(_far_cell),
    "dates-and-times": _edited(change=_dates),
    "escape-in-a-text": _edited({L.DEPARTMENT: "广州市_x000D_科协", L.text_name("overview"): "a\r\nb"}),
    "carriage-return-in-shared-strings": _built(".xlsx", change=_texts(overview="第一行\r\n第二行")),
    "text-not-preserved": _cell_xml(L.fact_name("expenditure_budget"),
                                    lambda c: f'<c r="{c}" t="inlineStr"><is><t> 332.21 </t></is></c>'),
    "numbers-written-otherwise": _facts_xml(lambda xml: re.sub(
        r'(<c r="C4"[^>]*><v>)[^<]*', r"\g<1>332.0", re.sub(r'(<c r="C5"[^>]*><v>)[^<]*', r"\g<1>3.156E+2", re.sub(
            r'(<c r="C6"[^>]*><v>)[^<]*', r"\g<1> 12", re.sub(r'(<c r="C7"[^>]*><v>)[^<]*', r"\g<1>12345678901234567",
                                                             xml))))),
    "infinite-number": _cell_xml(L.fact_name("carryover"), lambda c: f'<c r="{c}"><v>1e400</v></c>'),
    "number-openpyxl-refuses": _cell_xml(L.fact_name("carryover"), lambda c: f'<c r="{c}"><v>NaN</v></c>'),
    "unknown-error-value": _cell_xml(L.fact_name("carryover"), lambda c: f'<c r="{c}" t="e"><v>#SPILL!</v></c>'),
    "uncalculated-shared-formula": _cell_xml(
        L.fact_name("carryover"), lambda c: f'<c r="{c}"><f t="shared" ref="{c}" si="0">0.5+0.4</f></c>'),
    "rows-out-of-order": _facts_xml(lambda xml: xml.replace("</sheetData>", '<row r="3"><c r="H3"><v>1</v></c></row></sheetData>')),
    "cell-outside-its-row": _facts_xml(lambda xml: xml.replace('<c r="C10"', '<c r="C11"', 1)),
    "cell-without-r": _facts_xml(lambda xml: xml.replace('<c r="C10"', "<c", 1)),
    "second-r-in-a-cell": _facts_xml(lambda xml: xml.replace('<c r="C10"', '<c r="C10" r="XFD1048576"', 1)),
    "prefixed-cell": _facts_xml(lambda xml: xml.replace('<c r="C10"', '<x:c xmlns:x="http://schemas.openxmlformats.org/'
                                                        'spreadsheetml/2006/main" r="C10"', 1)),
    "row-without-r": _facts_xml(lambda xml: re.sub(r'<row r="10"', "<row", xml, count=1)),
    "row-numbered-as-a-cell": _facts_xml(lambda xml: re.sub(r'<row r="10"', '<row r="A10"', xml, count=1)),
    "spaced-r-in-a-cell": _facts_xml(lambda xml: xml.replace('<c r="C10"', '<c r = "C10"', 1)),
    "r-not-first-in-a-cell": _facts_xml(lambda xml: re.sub(r'<c r="C10"([^>]*?)(/?>)', r'<c\1 r="C10"\2', xml, count=1)),
    "part-named-in-another-case": _xml(lambda parts: hostile.edit_xml(
        parts, "xl/_rels/workbook.xml.rels", lambda xml: xml.replace("worksheets/sheet3.xml", "worksheets/SHEET3.xml"))),
}


@pytest.fixture(scope="module")
def made(example_workbook: Path, tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """Case id -> its file, made once."""
    files: dict[str, Path] = {}

    def make(case: str) -> Path:
        if case not in files:
            files[case] = {**PLAIN, **ODD}[case](example_workbook, tmp_path_factory.mktemp(re.sub(r"\W", "_", case)))
        return files[case]
    return make


class TestSameAsOpenpyxl:
    @pytest.mark.parametrize("case", list(PLAIN) + list(ODD))
    def test_same_year_or_same_error(self, case: str, made: Callable[[str], Path]) -> None:
        """Both readers give the same DepartmentYear (every field, Locations and notes included) or
        raise the same class of error with the same message."""
        path = made(case)
        assert outcome(path, "calamine") == outcome(path, "openpyxl")

    @pytest.mark.parametrize("case", list(PLAIN))
    def test_calamine_reads_them_itself(self, case: str, made: Callable[[str], Path]) -> None:
        """The files of spreadsheet programs are read by calamine, not handed to openpyxl."""
        path = made(case)
        source = CalamineSource(path)
        try:
            try:
                read_cells(Cells(source, path.name))
            except XlperfError:
                pass  # the year or error is compared above
            assert source.fallbacks == {}
        finally:
            source.close()

    @pytest.mark.parametrize("case", ["example", "example-xlsm", "blank-xlsm", "deleted-name", "moved-input"])
    def test_names_and_sheets(self, case: str, made: Callable[[str], Path]) -> None:
        """The workbook-scope names (with their text) and the sheets are openpyxl's."""
        path = made(case)
        calamine, file = CalamineSource(path), FileSource(path)
        try:
            assert calamine.defined_names() == file.defined_names()
            assert list(calamine.sheet_names()) == list(file.sheet_names())
            assert calamine.fallbacks == {}
        finally:
            calamine.close()
            file.close()

    def test_the_files_odd_for_calamine_are_read_by_openpyxl(self, made: Callable[[str], Path]) -> None:
        """The cases where calamine would read otherwise do go to openpyxl (else the test above proves
        little); a sheet at a time where the rest of the workbook is plain."""
        for case, whole in (("dates-and-times", False), ("escape-in-a-text", False), ("text-not-preserved", False),
                            ("carriage-return-in-shared-strings", True), ("far-cell", False),
                            ("second-r-in-a-cell", False), ("prefixed-cell", False),
                            ("uncalculated-shared-formula", False), ("row-without-r", False),
                            ("row-numbered-as-a-cell", False), ("spaced-r-in-a-cell", False),
                            ("r-not-first-in-a-cell", False)):
            source = CalamineSource(made(case))
            try:
                try:
                    read_cells(Cells(source, case))
                except XlperfError:
                    pass  # openpyxl refuses some (a duplicate attribute)
                assert source.fallbacks and ("" in source.fallbacks) == whole, (case, source.fallbacks)
            finally:
                source.close()


class TestSparseHostileFile:
    """Cells in A1 and XFD1048576: calamine would allocate a dense 1048576 × 16384 grid (512 GB) and
    abort the process. Read in a subprocess, so that an abort fails the test instead of the run."""

    def _run(self, code: str) -> Any:
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, encoding="utf-8",
                                timeout=120)
        assert result.returncode == 0, result.stderr[-2000:]
        return json.loads(result.stdout)

    def test_a_workbook_from_xlsxwriter(self, tmp_path: Path) -> None:
        import xlsxwriter

        path = tmp_path / "sparse.xlsx"
        book = xlsxwriter.Workbook(str(path))
        sheet = book.add_worksheet("S")
        sheet.write("A1", 1)
        sheet.write("XFD1048576", 2)
        book.define_name("XP_FAR", "=S!$C$1")  # names reach column C: three columns are read
        book.close()
        got = self._run(f"""
import json
from pathlib import Path
from xlperf.workbook._calamine_source import CalamineSource
from xlperf.workbook._cells import ArrayFormula, Cells
source = CalamineSource(Path({str(path)!r}))
print(json.dumps({{"rows": [list(r) for r in source.rows("S", 3)], "fallbacks": source.fallbacks}}))
source.close()
""")
        assert got["rows"][0][:1] == [1] and all(value is None for row in got["rows"][1:] for value in row)
        assert "S" in got["fallbacks"] and "1048576 rows × 16384 columns" in got["fallbacks"]["S"]

    def test_read_workbook_gives_what_openpyxl_gives(self, made: Callable[[str], Path]) -> None:
        path = made("far-cell")
        got = self._run(f"""
import json, sys
sys.path.insert(0, {str(Path(__file__).parent)!r})
from pathlib import Path
from test_calamine_reader import outcome
print(json.dumps([outcome(Path({str(path)!r}), reader) for reader in ("calamine", "openpyxl")]))
""")
        assert got[0] == got[1] and got[0][0] == "year"


class TestErrorCells:
    def test_an_error_in_an_input_gives_openpyxls_finding(self, made: Callable[[str], Path]) -> None:
        """#DIV/0! saved in 整体支出预算数 (calamine reads error cells as ""): the same E002, naming the error."""
        path = made("error-value-of-a-formula")
        assert findings(path, "calamine") == findings(path, "openpyxl")
        (error,) = [f for f in findings(path, "calamine") if f[0] == "E002"]
        assert error[1] == "收支情况!C4" and "#DIV/0!" in error[2]

    def test_every_error_value(self, tmp_path: Path, example_workbook: Path) -> None:
        """Each error value Excel writes reads as its text, as openpyxl gives it."""
        for value in ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA", "#SPILL!"):
            cell = f'<c r="{{}}" t="e"><f>X()</f><v>{value}</v></c>'
            path = _cell_xml(L.fact_name("carryover"), cell.format)(example_workbook, tmp_path)
            assert outcome(path, "calamine") == outcome(path, "openpyxl")
            assert read_workbook(path).unreadable["facts.carryover"].message == f"单元格是 Excel 错误值 {value}"


class TestUsedRangeNotFromA1:
    def test_positions_are_row_and_column_numbers(self, made: Callable[[str], Path], example_workbook: Path) -> None:
        """收支情况 without rows 1-2 and columns A-B: calamine's grid starts at C3, the cells do not move."""
        path = made("used-range-from-C3")
        with open_cells(path, "calamine") as cells:
            assert cells.source.fallbacks == {}  # type: ignore[attr-defined]
            assert cells.at(L.FACTS_SHEET, 1, 1) is None
            assert parse_number(cells.at(L.FACTS_SHEET, 3, 3)) == read_workbook(example_workbook).facts["income_actual"]
        year = read_workbook(path)
        assert year.facts["income_budget"] is None  # C2, emptied
        assert year.facts["income_actual"] == read_workbook(example_workbook).facts["income_actual"]
        assert str(year.where("facts.income_actual")) == "收支情况!C3"

    def test_a_sheet_starting_at_c3(self, tmp_path: Path) -> None:
        import xlsxwriter

        path = tmp_path / "c3.xlsx"
        book = xlsxwriter.Workbook(str(path))
        sheet = book.add_worksheet("S")
        sheet.write("C3", 33)
        sheet.write("E5", "五")
        book.define_name("XP_LAYOUT", f'="{L.LAYOUT_VERSION}"')
        book.define_name("XP_CELL", "=S!$E$5")
        book.close()
        for reader in ("calamine", "openpyxl"):
            with open_cells(path, reader) as cells:  # type: ignore[arg-type]
                assert (cells.at("S", 3, 3), cells.at("S", 5, 5), cells.at("S", 3, 1)) == (33, "五", None)


class TestReaderChoice:
    def test_calamine_is_the_default(self, example_workbook: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        made_sources: list[str] = []
        real = _calamine_source.CalamineSource.__init__

        def spy(self: CalamineSource, path: Path) -> None:
            made_sources.append(path.name)
            real(self, path)

        monkeypatch.setattr(_calamine_source.CalamineSource, "__init__", spy)
        read_workbook(example_workbook)
        assert made_sources == [example_workbook.name]

    def test_openpyxl_on_request(self, example_workbook: Path) -> None:
        with open_cells(example_workbook, "openpyxl") as cells:
            assert type(cells.source) is FileSource

    def test_an_unknown_reader_is_a_programming_error(self, example_workbook: Path) -> None:
        with pytest.raises(ValueError, match="unknown workbook reader"):
            read_workbook(example_workbook, reader="xlrd")  # type: ignore[arg-type]


class TestDateFormats:
    def test_openpyxls_date_formats(self) -> None:
        """The copy of openpyxl's is_date_format and built-in date formats (importing openpyxl is slow)."""
        from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format

        assert _calamine_source._BUILTIN_DATES == {i for i, code in BUILTIN_FORMATS.items() if is_date_format(code)}
        for code in ("yyyy-mm-dd", '"年"0', "0.00", "#,##0.00", "[Red]0", "[h]:mm", "[$-804]yyyy年m月d日", "0_);(0)",
                     '"d"0', "\\d0", "_d0", "General", "0.00E+00", "mm:ss.0", "@", "[DBNum1]General", "0%;[Red]-0%;\"-\""):
            assert _calamine_source.is_date_format(code) == is_date_format(code), code


class TestFilesClosed:
    def _open_files(self, path: Path) -> list[str]:
        found = []
        for fd in os.listdir("/proc/self/fd"):
            try:
                if os.readlink(f"/proc/self/fd/{fd}") == str(path):
                    found.append(fd)
            except OSError:
                continue
        return found

    @pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="lists open files through /proc")
    @pytest.mark.parametrize("case", ["example", "dates-and-times", "hostile-corrupt-data", "hostile-renamed-sheet",
                                      "uncalculated-shared-formula", "carriage-return-in-shared-strings"])
    def test_nothing_stays_open(self, case: str, made: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch) -> None:
        """The file is closed after reading, whatever the reading came to (Windows locks open files). The
        source is closed on purpose, not only freed by the garbage collector (which Windows cannot count on)."""
        from xlperf.workbook._calamine_source import CalamineSource

        opened, closed = [], []
        real_init, real_close = CalamineSource.__init__, CalamineSource.close

        def init(source: CalamineSource, *args: object, **kwargs: object) -> None:
            real_init(source, *args, **kwargs)  # type: ignore[arg-type]
            opened.append(source)  # a constructor that raised has released what it opened itself

        def close(source: CalamineSource) -> None:
            closed.append(source)
            real_close(source)

        monkeypatch.setattr(CalamineSource, "__init__", init)
        monkeypatch.setattr(CalamineSource, "close", close)
        path = made(case)
        try:
            read_workbook(path)
        except XlperfError:
            pass
        assert self._open_files(path) == []
        assert all(any(c is o for c in closed) for o in opened)


@pytest.mark.fuzz
def test_damaged_files_never_crash_calamine(example_workbook: Path, tmp_path: Path) -> None:
    """The fuzz run of tests/hostile, through the calamine reader: a DepartmentYear or an XlperfError,
    never another exception nor an abort (in a subprocess). Byte-level damage may read differently:
    openpyxl refuses malformed XML that calamine reads."""
    code = f"""
import io, random, sys, zipfile
from pathlib import Path
from xlperf import DepartmentYear, XlperfError
from xlperf.workbook.read import read_workbook
base = Path({str(example_workbook)!r})
with zipfile.ZipFile(base) as archive:
    parts = {{i.filename: archive.read(i) for i in archive.infolist()}}
names = [n for n in parts if n.endswith((".xml", ".rels"))]
nasty = [b"", b"-1", b"1e400", b"NaN", b"XFD1048576", b"A0", b"ZZZZ1", b"99999999", b"e", b"str", b"#DIV/0!", b"<", b"&#0;"]
rng = random.Random(5)
out = Path({str(tmp_path / "fuzzed.xlsx")!r})
for i in range(60):
    damaged = dict(parts)
    for _ in range(rng.randint(1, 3)):
        name = rng.choice(names)
        data = damaged[name]
        spans = [m.span() for m in __import__("re").finditer(rb'(?<==")[^"]*(?=")|(?<=<v>)[^<]*', data)]
        start, end = rng.choice(spans)
        damaged[name] = data[:start] + rng.choice(nasty) + data[end:]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in damaged.items():
            archive.writestr(name, data)
    out.write_bytes(buffer.getvalue())
    try:
        assert isinstance(read_workbook(out, reader="calamine"), DepartmentYear)
    except XlperfError as exc:
        assert str(exc).strip()
print("ok")
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, encoding="utf-8", timeout=300)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr[-3000:]


# -- the scan of a sheet's XML, against the scan cell by cell it replaced --------------------------

_OLD_TAG = re.compile(rb'<(c|row)(?=[\s/>])(?: r="([A-Z]{0,3})([0-9]{1,7})")?')


def _old_extent(data: bytes) -> str:
    """The former scan's verdict on a sheet's cells and rows, tag by tag in Python: "ok" or "refused"."""
    tags = _OLD_TAG.findall(data)
    if data.translate(_calamine_source._SPACES).count(b" r=") != len(tags) or _calamine_source._SPACED_EQUALS.search(data):
        return "refused"
    last_row, row_digits = 0, b""
    for kind, column, digits in tags:
        if kind == b"c":
            if digits != row_digits or not column:
                return "refused"
        elif column or not digits or int(digits) <= last_row:
            return "refused"
        else:
            last_row, row_digits = int(digits), digits
    last_column = max((_calamine_source._column(column) for _, column, _ in tags if column), default=0)
    return "refused" if last_row * last_column > _calamine_source.MAX_CELLS else "ok"


def _old_errors(data: bytes) -> dict[tuple[int, int], str] | str:
    """The former scan's error cells: every cell looked at."""
    found = {}
    for match in _calamine_source._CELL.finditer(data):
        kind = _calamine_source._TYPE.search(match.group(3))
        if kind is None or kind.group(1) != b"e":
            continue
        value = _calamine_source._VALUE.search(match.group(4) or b"")
        text = value.group(1) if value else b""
        if b"&" in text:
            return "refused"
        if text:
            found[(int(match.group(2)), _calamine_source._column(match.group(1)))] = text.decode("utf-8")
    return found


def _old_formula_cells(data: bytes) -> dict[tuple[int, int], Any] | None:
    """The formula cells of a sheet found cell by cell (what the scan gives): every cell looked at."""
    m = _calamine_source
    found: dict[tuple[int, int], Any] = {}
    shared: dict[bytes, str] = {}
    for match in m._CELL.finditer(data):
        body = match.group(4)
        if not body or not m._FORMULA_TAG.search(body):
            continue
        kind = m._TYPE.search(match.group(3))
        value = m._VALUE.search(body)
        saved = bool(value and value.group(1).strip() and b"&" not in value.group(1)
                     and (kind is None or kind.group(1) not in (b"s", b"inlineStr")))
        formula = m._FORMULA.search(body)
        if formula is None:
            return None
        attributes = formula.group(1) or b""
        formula_kind = m._TYPE.search(attributes)
        if formula_kind is not None and formula_kind.group(1) == b"dataTable":
            continue
        if attributes.endswith(b"/"):
            text: str | None = ""
        else:
            content = m._FORMULA_TEXT.match(body, formula.end())
            text = m._xml_text(content.group(1)) if content is not None else None
        if text is None:
            return None
        cell = (int(match.group(2)), m._column(match.group(1)))
        if formula_kind is not None and formula_kind.group(1) == b"array":
            ref = m._REF.search(attributes)
            found[cell] = ArrayFormula((ref.group(1) if ref else match.group(1) + match.group(2)).decode(), "=" + text)
            continue
        if formula_kind is not None and formula_kind.group(1) != b"normal":
            si = m._SHARED_INDEX.search(attributes)
            if formula_kind.group(1) != b"shared" or not saved or si is None:
                return None
            if text:
                shared[si.group(1)] = text
            elif si.group(1) in shared:
                text = shared[si.group(1)]
            else:
                return None
        found[cell] = "=" + text
    return found


_OLD_ONE_CELL_ARRAY = re.compile(rb'<c r="([A-Z]{1,3}[0-9]{1,7})"[^<>]*><f t="array" ref="([A-Z$]{1,4}[0-9$]{1,8}(?::[A-Z$]{1,4}[0-9$]{1,8})?)"')
_OLD_FORMULA_START = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"[^<>]*><f[\s/>]')


def _old_formula_positions(data: bytes) -> frozenset[tuple[int, int]] | None:
    """The former _formula_positions: the one-cell array formulas found in a pass of their own."""
    arrays = data.count(b"array")
    if arrays:
        own = _OLD_ONE_CELL_ARRAY.findall(data)
        if len(own) != arrays or any(ref.replace(b"$", b"").split(b":")[0] != cell or
                                     len(set(ref.replace(b"$", b"").split(b":"))) != 1 for cell, ref in own):
            return None
    found = _OLD_FORMULA_START.findall(data)
    if len(found) != len(_calamine_source._FORMULA_TAG.findall(data)):
        return None
    return frozenset((int(row), _calamine_source._column(letters)) for letters, row in found)


def _new_extent(data: bytes) -> str:
    try:
        _calamine_source._check_extent(data)
    except _calamine_source._Refuse:
        return "refused"
    return "ok"


def _new_errors(data: bytes) -> dict[tuple[int, int], str] | str:
    try:
        return _calamine_source._errors(data)
    except _calamine_source._Refuse:
        return "refused"


#: what a cell may be changed into ({r}: its reference, {n}: another row's number)
_CELL_EDITS = (
    '<c r="{r}" t="e"><v>#N/A</v></c>', '<c r="{r}"\tt="e"><f>1/0</f><v>#DIV/0!</v></c>', '<c r="{r}" t="e"/>',
    '<c r="{r}" s="3"\nt="e"><v>#REF!</v></c>', '<c r="{r}" t="e"><v>&amp;</v></c>', '<c r="{r}" t="n" t="e"><v>1</v></c>',
    '<c r="{r}" t="inlineStr"><is><t>a t="e" b</t></is></c>', '<c r="{r}"><f>0.5+0.4</f></c>', '<c r="{r}"><f>1</f><v>2</v></c>',
    '<c r="{r}"><f>1</f><v></v></c>', '<c r="{r}" t="str"><f>"a"&amp;"b"</f><v>ab</v></c>', '<c r="{r}"><f/></c>',
    '<c r="{r}"><f t="shared" si="0" ref="{r}">1+1</f></c>', '<c r="{r}"><f t="array" ref="{r}">1</f></c>',
    '<c r="{r}"><f>A1&#10;</f><v> </v></c>', '<c r="{r}" t="s"><f>1</f><v>3</v></c>', '<c r="{r}"><f>1</f><f>2</f></c>',
    '<c r="{r}"><f>&lt;1</f>', '<c r="{r}" t="e"><v>#N/A</v>', '<c r="A{n}"><v>1</v></c>', '<c><v>1</v></c>',
    '<c r="{r}" r="XFD1"><v>1</v></c>', '<c s="1" r="{r}"><v>1</v></c>', '<c r = "{r}"><v>1</v></c>', '<c r="{r}"/>',
    '<x:c r="{r}"><v>1</v></x:c>', '<c r="{r}"><v>1</v></c><row r="{n}"/>', '<c r="XFD{n}"><v>1</v></c>',
    '<c r="{r}"><v>1</v><cfRule t="e"/></c>', '<c r="{r}"><f t="shared" si="1" ref="{r}">[1]S!A1</f><v>4</v></c>',
    '<c r="{r}"><f t="shared" si="1"/><v>4</v></c>', '<c r="{r}"><f t="array" ref="{r}">_xlfn.WEBSERVICE("x")</f><v>1</v></c>',
)


def _mutated_sheets(example: Path, count: int, edits: tuple[str, ...] = _CELL_EDITS) -> list[bytes]:
    """The example's sheets, and copies with a few cells changed into `edits` (seeded: the same every run)."""
    import random
    import zipfile

    rng = random.Random(7)
    with zipfile.ZipFile(example) as archive:
        sheets = [archive.read(name) for name in archive.namelist() if name.startswith("xl/worksheets/sheet")]
    found = list(sheets)
    for _ in range(count):
        xml = rng.choice(sheets).decode("utf-8")
        cells = list(re.finditer(r'<c r="([A-Z]+)(\d+)"[^>]*?(?:/>|>.*?</c>)', xml))
        for _ in range(rng.randint(1, 3)):
            match = rng.choice(cells)
            edit = rng.choice(edits).format(r=match.group(1) + match.group(2), n=rng.randint(1, 60))
            xml = xml[:match.start()] + edit + xml[match.end():]
            cells = list(re.finditer(r'<c r="([A-Z]+)(\d+)"[^>]*?(?:/>|>.*?</c>)', xml))
        found.append(xml.encode("utf-8"))
    return found


class TestScanAsCellByCell:
    """The scan passes over a sheet's bytes once per check and looks only at the cells a check finds;
    it gives what the scan looking at every cell gave, on the example's sheets and on 400 copies with
    cells changed into odd and hostile forms."""

    @pytest.fixture(scope="class")
    @staticmethod
    def sheets(example_workbook: Path) -> list[bytes]:
        return _mutated_sheets(example_workbook, 400)

    def test_extent(self, sheets: list[bytes]) -> None:
        verdicts = [_new_extent(data) for data in sheets]
        assert verdicts == [_old_extent(data) for data in sheets]
        assert "ok" in verdicts and "refused" in verdicts

    def test_error_cells(self, sheets: list[bytes]) -> None:
        found = [_new_errors(data) for data in sheets]
        assert found == [_old_errors(data) for data in sheets]
        assert any(isinstance(f, dict) and f for f in found) and "refused" in found

    def test_error_after_a_tab_or_a_line_end(self) -> None:
        data = b'<row r="1"><c r="A1"\tt="e"><v>#N/A</v></c><c r="B1"\nt="e"><v>#REF!</v></c></row>'
        assert _calamine_source._errors(data) == {(1, 1): "#N/A", (1, 2): "#REF!"}

    def test_formulas(self, sheets: list[bytes]) -> None:
        found = [_calamine_source._formula_cells(data) for data in sheets]
        assert found == [_old_formula_cells(data) for data in sheets]
        assert any(f for f in found) and None in found
        assert any(isinstance(v, ArrayFormula) for f in found if f for v in f.values())
        assert any(v == "=[1]S!A1" for f in found if f for v in f.values())

    def test_formula_positions(self, sheets: list[bytes]) -> None:
        """One pass finds the formulas' cells and the one-cell array formulas (two passes did)."""
        arrays = [f'<row r="2"><c r="B2">{formula}1</f></c><c r="C2"><f>2</f><v>2</v></c></row>'.encode()
                  for formula in ('<f t="array" ref="B2">', '<f t="array" ref="$B$2">', '<f t="array" ref="B2:B2">',
                                  '<f t="array" ref="B2:C2">', '<f t="array" ref="C2">', '<f ref="B2" t="array">',
                                  '<f  t="array" ref="B2">', '<f t="array" ref="B$2:$B2">', '<f t="normal">array')]
        arrays.append(b'<row r="2"><c r="B2" t="str"><f>"array"</f><v>array</v></c></row>')
        found = [_calamine_source._formula_positions(data) for data in sheets + arrays]
        assert found == [_old_formula_positions(data) for data in sheets + arrays]
        assert any(f for f in found) and None in found
        assert [f is None for f in found[len(sheets):]] == [False, False, False, True, True, True, True, False, True, True]

    def test_the_cells_holding_formulas_hide_none(self, sheets: list[bytes]) -> None:
        """Where the scan lists the cells holding a formula (so that an input's formula is looked for only
        there), every formula read in full is in one of them, and no array formula fills another cell."""
        from xlperf.workbook import bounds

        listed = 0
        for data in sheets:
            positions, formulas = _calamine_source._formula_positions(data), _calamine_source._formula_cells(data)
            if positions is None or formulas is None:
                continue
            listed += bool(positions)
            assert set(formulas) <= positions
            for (row, col), formula in formulas.items():
                if isinstance(formula, ArrayFormula):
                    assert bounds(formula.ref.replace("$", "")) == ((col, row), (col, row))
        assert listed
        one, wide = b'<row r="1"><c r="A1"><f t="array" ref="A1">1</f></c></row>', \
            b'<row r="1"><c r="A1"><f t="array" ref="A1:B2">1</f></c></row>'
        assert _calamine_source._formula_positions(one) == {(1, 1)}
        assert _calamine_source._formula_positions(wide) is None  # B2 gets a formula too: read in full
        assert _calamine_source._formula_positions(b'<row r="1"><c r="A1"><v>1</v><f>2</f></c></row>') is None

    def test_what_is_far_from_its_cell_start_goes_to_openpyxl(self) -> None:
        """A t="e" or <f> more than _NEAR bytes after its cell's start: openpyxl reads the sheet."""
        far = " " * _calamine_source._NEAR
        with pytest.raises(_calamine_source._Refuse):
            _calamine_source._errors(f'<row r="1"><c r="A1"{far}t="e"><v>#N/A</v></c></row>'.encode())
        inline = f'<is><t xml:space="preserve">{far}</t></is>'
        assert _calamine_source._formula_cells(f'<row r="1"><c r="A1" t="inlineStr">{inline}<f>1</f></c></row>'.encode()) is None
        assert _calamine_source._formula_cells(b'<row r="1"><c r="A1"><f>1</f></c></row>') == {(1, 1): "=1"}


# -- the scan's fast paths, against what they replaced --------------------------------------------

#: cells the fast paths take (common string cells, "95.0" alone or after a formula) and cells they must
#: leave to the exact code ({r}: the cell's reference, {n}: another row's number)
_FAST_PATH_EDITS = (
    '<c r="{r}" t="s"><v>0</v></c>', '<c r="{r}" s="4" t="s"><v>7</v></c>', '<c r="{r}" t="s" s="4"><v>7</v></c>',
    '<c r="{r}" t="s"><v>-1</v></c>', '<c r="{r}" t="s"><v></v></c>', '<c r="{r}" t="s"/>', '<c r="{r}" t="s"><v>99999</v></c>',
    '<c r="{r}" t="s"><f>1</f><v>2</v></c>', '<c r="{r}" t="s"><v> 3</v></c>', '<c r="{r}" t="s"><v>007</v></c>',
    '<c t="s"><v>1</v></c>', '<c r="5" t="s"><v>1</v></c>', '<c r="{r}" t="s" t="s"><v>1</v></c>',
    '<c r="{r}"\tt="s"><v>1</v></c>', '<c r="{r}" t="inlineStr"><is><t>t="s"</t></is></c>', '<row r="{n}" t="s"><v>1</v></row>',
    '<c r="{r}"><v>95.0</v></c>', '<c r="{r}" s="3"><f>ROUND(1,2)</f><v>2.0</v></c>', '<c r="{r}" s="3"><v>-7.00</v></c>',
    '<c r="{r}" t="n"><v>3.0</v></c>', '<c r="{r}" t="s"><v>3.0</v></c>', '<c r="{r}" t="b"><v>1.0</v></c>',
    '<c r="{r}" t="str"><f>1</f><v>2.0</v></c>', '<c r="{r}"><v> 12</v></c>', '<c r="{r}"><v>1E+15</v></c>',
    '<c r="{r}"><v>12345678901234567</v></c>', '<c r="{r}"><f t="shared" si="0">1</f><v>4.0</v></c>', '<c r="{r}"/><v>1.0</v>',
    '<c r="{r}"><f>a&amp;b</f><v>2.0</v></c>', '<c r="{r}"><is><t>x</t></is><v>2.0</v></c>', '<c r="{r}" s="1" cm="1"><f>1</f><v>5.0</v></c>',
    '<c r="{r}"><f>1</f><v>2.0</v><v>3.0</v></c>', '<c r="{r}"><v>1.</v></c>', '<c r="{r}"><f>1</f></c><v>6.0</v>',
    '<c r="{r}" s="2"><f>' + "1+" * 2100 + '1</f><v>8.0</v></c>',
)
# the patterns as they were before their quantifiers were made possessive
_FORMER_ODD_NUMBER = re.compile(rb"<v>(?:\s|-?(?:[0-9]{16}|[0-9]+\.0*</v>|[0-9.]+[eE]\+?[0-9]))")
_FORMER_FORMULA_START = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"[^<>]*><f'
                                   rb'(?: t="array" ref="([A-Z$]{1,4}[0-9$]{1,8}(?::[A-Z$]{1,4}[0-9$]{1,8})?)"|[\s/>])')


def _former_string_indexes(data: bytes, strings: int) -> bool:
    """_plain_string_indexes as it was: every t="s" looked for with _STRING_CELL."""
    count = data.count(b't="s"')
    if not count:
        return True
    found = _calamine_source._STRING_CELL.findall(data)
    return len(found) == count and max(map(int, filter(None, found)), default=-1) < strings


def _former_odd_numbers(chunk: bytes) -> dict[tuple[int, int], Any] | str:
    """_odd_numbers as it was: each number's cell read with _CELL_START, _VALUE and _TYPE."""
    m = _calamine_source
    found: dict[tuple[int, int], Any] = {}
    for count, match in enumerate(_FORMER_ODD_NUMBER.finditer(chunk)):
        if count >= m._MAX_FIXED:
            return "refused"
        start = chunk.rfind(b"<c", max(match.start() - m._NEAR, 0), match.start())
        cell = m._CELL_START.match(chunk, start) if start >= 0 else None
        value = m._VALUE.match(chunk, match.start())
        if (cell is None or value is None or cell.group(3).endswith(b"/")
                or chunk.find(b"</c>", start, match.start()) >= 0 or b"&" in value.group(1)):
            return "refused"
        kind = m._TYPE.search(cell.group(3))
        if kind is not None and kind.group(1) in (b"s", b"b"):
            return "refused"
        if kind is not None and kind.group(1) != b"n":
            continue
        text = value.group(1).decode("ascii")
        found[(int(cell.group(2)), m._column(cell.group(1)))] = float(text) if "." in text or "e" in text or "E" in text else int(text)
    return found


class TestFastPathsAsBefore:
    """Each fast path of the scan gives what the code it stands in front of gives, on the example's
    sheets and on 400 copies with cells changed into forms it takes and forms it must leave to that code."""

    @pytest.fixture(scope="class")
    @staticmethod
    def sheets(example_workbook: Path) -> list[bytes]:
        return _mutated_sheets(example_workbook, 400, _FAST_PATH_EDITS) + _mutated_sheets(example_workbook, 100)

    def test_string_indexes(self, sheets: list[bytes]) -> None:
        for strings in (0, 1, 8, 300, 10 ** 6):
            assert ([_calamine_source._plain_string_indexes(data, strings) for data in sheets]
                    == [_former_string_indexes(data, strings) for data in sheets])
        common = [len(_calamine_source._COMMON_STRING_CELL.findall(data)) == data.count(b't="s"') for data in sheets]
        assert True in common and False in common  # both ways taken
        verdicts = {_former_string_indexes(data, 300) for data in sheets}
        assert verdicts == {True, False}

    def test_odd_numbers(self, sheets: list[bytes]) -> None:
        def new(data: bytes) -> dict[tuple[int, int], Any] | str:
            first = _calamine_source._ODD_NUMBER.search(data)
            try:
                return _calamine_source._odd_numbers(data, first.start()) if first else {}
            except _calamine_source._Refuse:
                return "refused"
            except ValueError:  # " " (the sheet goes to openpyxl all the same)
                return "ValueError"

        def former(data: bytes) -> dict[tuple[int, int], Any] | str:
            try:
                return _former_odd_numbers(data)
            except ValueError:
                return "ValueError"

        found, expected = [new(data) for data in sheets], [former(data) for data in sheets]
        assert found == expected
        assert all(isinstance(f, str) or list(map(type, f.values())) == list(map(type, g.values()))  # 95.0, not 95
                   for f, g in zip(found, expected))
        assert "refused" in found and any(isinstance(f, dict) and len(f) > 1 for f in found)
        assert any(_calamine_source._ODD_CELL.search(data) for data in sheets)

    def test_possessive_patterns_find_the_same(self, sheets: list[bytes]) -> None:
        for data in sheets:
            assert ([m.span() for m in _calamine_source._ODD_NUMBER.finditer(data)]
                    == [m.span() for m in _FORMER_ODD_NUMBER.finditer(data)])
            assert _calamine_source._FORMULA_START.findall(data) == _FORMER_FORMULA_START.findall(data)

    def test_r_attributes_counted_as_before(self, sheets: list[bytes]) -> None:
        crafted = [b"", b"r=", b' r=', b'<c\tr="A1"', b"<c x='1'r='A1'/>", b'<c x="1"r="A1"/>', b"\r\nr=\n\nr=",
                   b"xr= r=r= r=", b"'r=\"r=\tr="]
        for data in sheets + crafted:
            assert (len(_calamine_source._R_ATTRIBUTE.findall(data))
                    == data.translate(_calamine_source._SPACES).count(b" r="))

    def test_extent(self, sheets: list[bytes]) -> None:
        assert [_new_extent(data) for data in sheets] == [_old_extent(data) for data in sheets]


class TestExtent:
    def _check(self, data: bytes) -> str:
        try:
            _calamine_source._check_extent(data)
        except _calamine_source._Refuse as exc:
            return str(exc)
        return "ok"

    def test_a_tall_narrow_sheet_is_loaded(self) -> None:
        """200 000 rows of 5 columns: within MAX_CELLS, though far beyond with the widest column."""
        rows = b"".join(b'<row r="%d"><c r="A%d"><v>1</v></c><c r="E%d"><v>2</v></c></row>' % (i, i, i)
                        for i in range(1, 200_001))
        assert self._check(b"<sheetData>" + rows + b"</sheetData>") == "ok"

    @pytest.mark.parametrize("rows, column, verdict", [
        (109, "ZZZ", "ok"), (110, "ZZZ", "cells reach 110 rows × 18278 columns"), (122, "XFD", "ok"),
        (123, "XFD", "cells reach 123 rows × 16384 columns"), (1_048_576, "B", "cells reach 1048576 rows × 2 columns")])
    def test_the_cells_calamine_would_allocate(self, rows: int, column: str, verdict: str) -> None:
        data = f'<row r="1"><c r="A1"><v>1</v></c></row><row r="{rows}"><c r="{column}{rows}"><v>2</v></c></row>'
        assert self._check(data.encode()) == verdict

    @pytest.mark.parametrize("data", [
        b'<row r="1"><c r="A1"/><c r="B2"/></row>', b'<row r="1"><c r="A1"/></row><c r="A2"/>', b'<c r="A1"/><row r="1"/>',
        b'<row r="2"/><row r="1"/>', b'<row r="1"/><row r="1"/>', b'<row r="0"/>', b'<row/>', b'<row r="A1"/>',
        b'<row r="1"><c/></row>', b'<row r="1"><c r="1"/></row>', b'<row r="1"><c s="1" r="A1"/></row>',
        b'<row r="1"><c r="A1" r="B1"/></row>', b"<row r='1'><c r='A1'/></row>", b'<row r="1"><c r ="A1"/></row>',
        b'<row r="1"><c\tr="A1"/></row>', b'<row r="1"><c r="A1" x="1"\nr="B1"/></row>', b'<row r="1"><c r="A01"/></row>',
        b'<row r="1" r="2"><c r="A1"/></row>', b'<row r="1"><c r="AAAA1"/></row>'])
    def test_refused(self, data: bytes) -> None:
        assert self._check(data) != "ok" and _old_extent(data) == "refused"

    @pytest.mark.parametrize("data", [
        b"", b"<sheetData/>", b'<row r="1"/>', b'<row r="1"><c r="A1"/><c r="C1"><v>1</v></c></row><row r="3"/>',
        b'<row r="01"><c r="A01"/></row>', b'<row r="1" spans="1:2"><c r="A1" s="1"/></row><row r="2"><c r="B2"></c></row>',
        b'<cols><col min="1" max="2"/></cols><row r="1"><c r="A1"><f>ROW()</f><v>1</v></c></row>'])
    def test_loaded(self, data: bytes) -> None:
        assert self._check(data) == "ok" and _old_extent(data) == "ok"


class TestMergedRangesFromTheScan:
    """The scan's merged ranges are _merges.merged_ranges's, read piece by piece from the zip."""

    @pytest.mark.parametrize("data", [
        b"", b"<worksheet/>", b'<mergeCells><mergeCell ref="B6:C7"/><mergeCell ref="$a$1:$B$2"/></mergeCells>',
        b'<x:mergeCell ref="D1"/><mergeCell ref="B6:C7"/><mergeCell  ref = \'E5:F6\'/><mergeCell ref="B6:C7"/>',
        b"<mergeCells>" + b'<mergeCell ref="A%d:B%d"/>' * 0 + b"</mergeCells>",
        b" " * (1024 * 1024 - 10) + b'<mergeCell ref="A1:B2"/>' + b" " * 100 + b'<mergeCell ref="C1:D2"/>',
        b" " * (3 * 1024 * 1024) + b'<mergeCell ref="A1:B2"/>',
        b"".join(b'<mergeCell ref="A%d:B%d"/>' % (i, i) for i in range(1, 12_000))])
    def test_same_as_read_from_the_zip(self, data: bytes, tmp_path: Path) -> None:
        import zipfile

        from xlperf.workbook import _merges

        path = tmp_path / "part.zip"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("sheet.xml", data)
        with zipfile.ZipFile(path) as archive:
            assert _merges.merged_ranges_in(data) == _merges.merged_ranges(archive, "sheet.xml")


class TestCheaperLooks:
    """The quick looks before a pattern is run give what the pattern alone gives."""

    def test_date_styles(self) -> None:
        styled = _calamine_source._styled
        assert styled(b'<c r="A1" s="14"><v>1</v></c>', frozenset({14, 22}))
        assert styled(b'<c r="A1" s="014"><v>1</v></c>', frozenset({14}))  # int("014")
        assert styled(b'<row r="1" s="22" customFormat="1"/>', frozenset({14, 22}))
        assert not styled(b'<c r="A1" s="141"><v>1</v></c><c r="A2" s="4"/>', frozenset({14}))
        many = frozenset(range(200, 400))
        assert styled(b'<c r="A1" s="0250"/>', many) and not styled(b'<c r="A1" s="25"/>', many)

    def test_plain_xml(self) -> None:
        plain = _calamine_source._plain_xml
        assert plain(b'<f>Sheet1!A1</f><t>!</t>', first=False)
        assert not plain(b"<a>!</a><!-- x -->", first=False) and not plain(b"<a>\0</a>", first=False)
        with pytest.raises(_calamine_source._Refuse):
            _calamine_source._parse(b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>')

    @pytest.mark.parametrize("data, trimmed", [
        (b"", False), (b'<c r="A1"><v>1</v></c>', False), (b"<si><t>a</t></si>", False),
        (b"<si><t> a</t></si>", True), (b"<si><t>a </t></si>", True), (b"<si><t>a\t</t></si>", True),
        (b"<si><t>a\r\n</t></si>", True), (b'<si><t xml:space="preserve"> a\n</t></si>', False),
        (b'<si><t xml:space="preserve">a </t><t>b\n</t></si>', True), (b"a </t>", True),
        (b"<tableParts/><t>x</t>", False)])
    def test_trimmed_texts(self, data: bytes, trimmed: bool) -> None:
        assert _calamine_source._trimmed(data) is trimmed

    def test_escapes(self) -> None:
        assert _calamine_source._odd_text(b"<t>_x000D_</t>") and not _calamine_source._odd_text(b"<t>x000D</t><t>_</t>")


def _reference_rows(rows: list[list[Any]], width: int, fixed: dict[tuple[int, int], Any]) -> list[list[Any]]:
    """The conversion as it was written first, row by row (the reference): calamine's values as openpyxl gives them: None for empty cells, whole numbers as int, and the
    `fixed` cells. _Refuse on a date or time (openpyxl decides by its own reading of the number format,
    and reads serial numbers out of range as "#VALUE!") and on NaN or infinity ("NaN" or "inf" in the
    file, which openpyxl refuses; "1e400", its infinity, is fixed)."""
    out = []
    for row, cells in enumerate(rows, start=1):
        values: list[Any] = []
        for value in cells[:width]:
            kind = type(value)
            if kind is str:
                values.append(value or None)
            elif kind is float:
                if not math.isfinite(value) and (row, len(values) + 1) not in fixed:
                    raise _calamine_source._Refuse("a number that is not finite")
                values.append(int(value) if value.is_integer() and abs(value) < _calamine_source._LARGEST_EXACT else value)
            elif kind is int or kind is bool:
                values.append(value)
            elif _calamine_source.is_temporal(value):
                raise _calamine_source._Refuse("a date or time")
            else:
                values.append(value)  # bool, int
        out.append(values)
    for (row, col), value in fixed.items():
        if row <= len(out) and col <= len(out[row - 1]):
            out[row - 1][col - 1] = value
    return out


class TestGridInOnePass:
    """Cells keeps a sheet as (row, column) -> value; the calamine reader makes that in one pass over
    calamine's values: the same cells, values, order and refusals as the reference conversion's rows made into
    it; and _as_openpyxl, made from the grid, gives the reference's rows."""

    @staticmethod
    def _two_passes(rows: list[list[Any]], width: int, fixed: dict[tuple[int, int], Any]) -> dict[tuple[int, int], Any] | str:
        try:
            grid = _reference_rows(rows, width, fixed)
        except _calamine_source._Refuse as exc:
            return str(exc)
        assert _calamine_source._as_openpyxl(rows, width, fixed) == grid
        return {(r, c): v for r, row in enumerate(grid, start=1) for c, v in enumerate(row, start=1) if v is not None}

    @staticmethod
    def _one_pass(rows: list[list[Any]], width: int, fixed: dict[tuple[int, int], Any]) -> dict[tuple[int, int], Any] | str:
        try:
            return _calamine_source._as_openpyxl_grid(rows, width, fixed)
        except _calamine_source._Refuse as exc:
            return str(exc)

    def test_random_sheets(self) -> None:
        import random

        rng = random.Random(11)
        values = ["", "a", " ", 0.0, 1.0, 2.5, -3.0, 1e16, 2.0 ** 53, float("nan"), float("inf"), 7, True, False,
                  None, dt.date(2024, 1, 2), dt.datetime(2024, 1, 2, 3), dt.time(1, 2), dt.timedelta(days=1)]
        outcomes = set()
        for _ in range(3000):
            height, length = rng.randint(0, 5), rng.randint(0, 6)
            plain = values[:9] + values[11:15]  # most sheets: no date, no NaN (refused)
            pool = values if rng.random() < 0.2 else plain
            rows = [[rng.choice(pool) for _ in range(rng.randint(0, length))] for _ in range(height)]
            fixed = {(rng.randint(1, 6), rng.randint(1, 7)): rng.choice(["#N/A", 95.0, 3, "#DIV/0!"])
                     for _ in range(rng.randint(0, 3))}
            if rng.random() < 0.3 and rows and rows[0]:  # a fixed cell where calamine reads NaN or infinity
                rows[0][0] = float("nan")
                fixed[(1, 1)] = "#NUM!"
            width = rng.randint(1, 7)
            expected = self._two_passes(rows, width, fixed)
            found = self._one_pass(rows, width, fixed)
            assert found == expected and (isinstance(found, str) or list(found) == list(expected)), (rows, width, fixed)
            assert not isinstance(found, dict) or all(type(found[k]) is type(expected[k]) for k in found)  # 95.0, not 95
            outcomes.add(found if isinstance(found, str) else "grid")
        assert outcomes == {"grid", "a date or time", "a number that is not finite"}

    def test_the_reader_gives_the_rows_cells(self, example_workbook: Path) -> None:
        source = CalamineSource(example_workbook)
        try:
            for sheet in source.sheet_names():
                rows = source.rows(sheet, 300)
                expected = {(r, c): v for r, row in enumerate(rows, start=1) for c, v in enumerate(row, start=1) if v is not None}
                grid = source.grid(sheet, 300)
                assert grid == expected and list(grid) == list(expected)
        finally:
            source.close()


class TestStructureReadOnce:
    """A worker reads the structure parts of a template (xl/workbook.xml, its relationships, the content
    types, the styles) once, and Cells checks the same names, sheets and states once: a file read after
    others gives what it gives read alone, every check on its own parts (shared strings, sheets) made
    again, and a file differing in those parts is read from its own."""

    @staticmethod
    def _forget() -> None:
        from xlperf.workbook import _cells

        _calamine_source._STRUCTURES.clear()
        _cells._NAMES_READ.clear()
        _cells._SHEETS_CHECKED.clear()

    @staticmethod
    def _read(path: Path) -> tuple[Any, ...]:
        try:
            source = CalamineSource(path)
        except XlperfError as exc:
            return "error", type(exc).__name__, str(exc)
        try:
            cells = Cells(source, path.name)
            for sheet in source.sheet_names():
                source.grid(sheet, 300)  # every sheet scanned: its fallback noted
            return dict(source.fallbacks), outcome(path, "calamine"), sorted(cells._names.items())
        except XlperfError as exc:
            return dict(source.fallbacks), "error", type(exc).__name__, str(exc)
        finally:
            source.close()

    def test_alone_and_after_others(self, made: Callable[[str], Path]) -> None:
        cases = list(PLAIN) + list(ODD)
        alone = {}
        for case in cases:
            self._forget()
            alone[case] = self._read(made(case))
        for case in cases:
            self._read(made(case))
        assert _calamine_source._STRUCTURES  # the template's structure, kept
        for case in reversed(cases):  # each after all the others
            assert self._read(made(case)) == alone[case], case
        assert len({str(a) for a in alone.values()}) > len(cases) // 2  # the cases differ

    def test_shared(self, made: Callable[[str], Path]) -> None:
        first, second = CalamineSource(made("example")), CalamineSource(made("example-saved-by-openpyxl"))
        again = CalamineSource(made("example"))
        try:
            assert first._structure is again._structure  # read once
            assert second._structure is not first._structure  # openpyxl wrote other parts
        finally:
            first.close(), second.close(), again.close()

    def test_same_names_other_sheets(self, example_workbook: Path, tmp_path: Path) -> None:
        """A workbook with the names of one read before, but a layout sheet hidden or a decoy beside it,
        is refused as it is when read alone."""
        def hide(wb: Any) -> None:
            wb["收支情况"].sheet_state = "hidden"

        def decoy(wb: Any) -> None:
            wb.create_sheet("评分表 ")

        for name in ("plain", "hidden", "decoy"):
            (tmp_path / name).mkdir()
        plain, hidden, decoyed = (_edited(change=change)(example_workbook, tmp_path / name)
                                  for name, change in (("plain", None), ("hidden", hide), ("decoy", decoy)))
        for path in (hidden, decoyed):
            self._forget()
            alone = outcome(path, "calamine")
            assert alone[0] == "error"
            assert outcome(plain, "calamine")[0] == "year"
            assert outcome(path, "calamine") == alone
