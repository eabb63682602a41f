"""A workbook saved again by another spreadsheet program is read back as xlperf wrote it.

Headless LibreOffice stands in for Excel (no Excel runs here): it opens each edition keeping the saved
results, as Excel keeps those of a file saved by its current calculation engine (calcId, see
test_opens_clean.py), and saves it in its own format, with its own XML, styles and shared strings.
xlperf then reads the copy with `score --json` and `check`, as a clerk's colleague would.

- The .xlsx edition comes back the same: every score, the total, the grade, the sheet's own scores and
  the findings, and no W601 (sheet score differs).
- The .xlsm comes back with its VBA project and its array formulas, and the engine's scores are the
  same. Its sheet cannot come back the same: LibreOffice recalculates every array formula on load
  whatever the setting (its importer marks matrix formulas dirty), and every formula calling one of the
  file's VBA functions, and it does not run the file's macros. So the copy is what a program without
  Python saves: each score cell, the total and the subtotals an error value, never a number; the hint
  in the title row; W601 at each of those cells. The Windows acceptance checklist reads back a file
  saved by Excel itself.
"""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from oletools.olevba import VBA_Parser
from xlperf_testing import resaved, run_xlperf

from xlperf.workbook import layout as L
from xlperf.workbook.build import NO_PYTHON_HINT

pytestmark = pytest.mark.libreoffice

SHEET_FIELDS = ("sheet_score", "sheet_total")  # what the 评分表 shows, beside what the rules give


@pytest.fixture(scope="module")
def copies(tmp_path_factory: pytest.TempPathFactory, example_workbook: Path,
           example_macro_workbook: Path) -> dict[str, tuple[Path, Path]]:
    """Each edition (original, LibreOffice's copy): the example .xlsx, a blank .xlsx made by `xlperf new`,
    and the example .xlsm. One LibreOffice run per format."""
    folder = tmp_path_factory.mktemp("resaved")
    blank = folder / "blank.xlsx"
    made = run_xlperf("new", "-o", str(blank))
    assert made.returncode == 0, made.stdout + made.stderr
    originals = {"example.xlsx": example_workbook, "blank.xlsx": blank,
                 "example.xlsm": example_macro_workbook}
    saved = resaved(list(originals.values()), folder / "saved")
    return {key: (original, copy) for (key, original), copy in zip(originals.items(), saved)}


def _json(*args: str) -> dict[str, Any]:
    result = run_xlperf(*args, "--json")
    assert "Traceback" not in result.stderr and result.returncode in (0, 1), result.stdout + result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def _findings(path: Path) -> list[tuple[str, str, str]]:
    return [(f["id"], f["location"], f["message"]) for f in _json("check", str(path))["findings"]]


def _without_sheet(scores: dict[str, Any]) -> dict[str, Any]:
    """score --json without what the sheet shows: the rules' scores, total, grade and subtotals."""
    kept = {key: value for key, value in scores.items() if key not in SHEET_FIELDS}
    kept["indicators"] = [{k: v for k, v in row.items() if k not in SHEET_FIELDS}
                          for row in scores["indicators"]]
    return kept


class TestPlainEdition:
    @pytest.mark.parametrize("edition", ["example.xlsx", "blank.xlsx"])
    def test_scores_read_back_the_same(self, edition: str, copies: dict[str, tuple[Path, Path]]) -> None:
        """score --json of the copy equals the original's: each score and rule, the total, the grade, the
        subtotals, and the scores the 评分表 itself shows."""
        original, copy = copies[edition]
        before, after = _json("score", str(original)), _json("score", str(copy))
        assert after == before
        if edition == "example.xlsx":  # not equal by being empty: the example is scored and shows its scores
            assert (before["total"], before["grade"], before["sheet_total"]) == (99.15, "优", 99.15)
            assert all(row["sheet_score"] == row["score"] is not None for row in before["indicators"])

    @pytest.mark.parametrize("edition", ["example.xlsx", "blank.xlsx"])
    def test_checks_read_back_the_same(self, edition: str, copies: dict[str, tuple[Path, Path]]) -> None:
        """check finds the same things at the same cells in the copy, and no W601."""
        original, copy = copies[edition]
        after = _findings(copy)
        assert after == _findings(original)
        assert not [f for f in after if f[0] == "W601"]


class TestMacroEdition:
    def test_rules_scores_read_back_the_same(self, copies: dict[str, tuple[Path, Path]]) -> None:
        """The inputs survive: the rules give the copy the original's scores, rules, total and grade."""
        original, copy = copies["example.xlsm"]
        before, after = _json("score", str(original)), _json("score", str(copy))
        assert _without_sheet(after) == _without_sheet(before)
        assert (after["total"], after["grade"]) == (99.15, "优")

    def test_vba_project_and_array_formulas_survive(self, copies: dict[str, tuple[Path, Path]]) -> None:
        """The copy keeps every VBA module and the 评分表's array formulas over the same blocks."""
        original, copy = copies["example.xlsm"]
        assert _modules(copy) == _modules(original)
        assert set(_modules(copy)) >= {"xlwings", "xlwings_udfs", "xlperf_macros"}
        assert _array_formulas(copy) == _array_formulas(original)
        assert len(_array_formulas(original)) == 3  # PERF_SCORES, PERF_TOTAL, PERF_CATEGORY_SCORES

    def test_saved_where_the_functions_cannot_run_it_shows_no_number(
            self, copies: dict[str, tuple[Path, Path]]) -> None:
        """Every score, the total, the grade and the subtotals the copy's 评分表 shows are errors, never a
        number; the title row shows the hint; check names each score cell and the total with W601 and
        otherwise finds what it found in the original."""
        original, copy = copies["example.xlsm"]
        ws = openpyxl.load_workbook(copy, data_only=True)[L.SCORESHEET]
        shown = [cell.value for name in (L.SCORES, L.TOTAL, L.GRADE, L.CATEGORY_SCORES)
                 for cell in _cells(ws, _ref(copy, name))]
        assert shown and all(isinstance(value, str) and value.startswith("#") for value in shown), shown
        assert ws["G1"].value == NO_PYTHON_HINT
        scores = _json("score", str(copy))
        assert all(isinstance(row["sheet_score"], str) for row in scores["indicators"])
        assert isinstance(scores["sheet_total"], str)
        before, after = _findings(original), _findings(copy)
        differs = {location for id_, location, _ in after if id_ == "W601"}
        score_cells = {f"{L.SCORESHEET}!{row[0].coordinate}" for row in ws[_ref(copy, L.SCORES)]}  # column H
        assert differs == score_cells | {f"{L.SCORESHEET}!{_ref(copy, L.TOTAL)}"}
        assert [f for f in after if f[0] != "W601"] == before and not [f for f in before if f[0] == "W601"]


def _modules(path: Path) -> dict[str, str]:
    """Each VBA module's code, as olevba extracts it (line ends and attribute lines aside: LibreOffice
    writes a class module without its Attribute lines)."""
    parser = VBA_Parser(str(path))
    try:
        modules = {stream.rsplit("/", 1)[-1]: code for _, stream, _, code in parser.extract_macros()}
    finally:
        parser.close()
    return {name: "\n".join(line for line in code.replace("\r\n", "\n").strip("\n").split("\n")
                            if not line.startswith("Attribute ") and line != "Option ClassModule")
            for name, code in modules.items()}


def _array_formulas(path: Path) -> dict[str, str]:
    """The 评分表's array formulas: block → formula text."""
    with zipfile.ZipFile(path) as package:
        book = openpyxl.load_workbook(path)
        index = book.sheetnames.index(L.SCORESHEET) + 1
        xml = package.read(f"xl/worksheets/sheet{index}.xml").decode("utf-8")
    return {ref: re.sub(r"\s+", "", formula)
            for ref, formula in re.findall(r'<f\b[^>]*\bt="array"[^>]*\bref="([^"]+)"[^>]*>([^<]*)</f>', xml)}


def _cells(ws: Any, ref: str) -> list[Any]:
    found = ws[ref]
    return [cell for row in found for cell in row] if isinstance(found, tuple) else [found]


def _ref(path: Path, name: str) -> str:
    (_, ref), = openpyxl.load_workbook(path).defined_names[name].destinations
    return ref.replace("$", "")
