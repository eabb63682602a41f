"""The .xlsx edition: native formulas generated from the framework's rules score as the engine does.

The proof (TestLibreOfficeAgrees) builds random department-years, recalculates the .xlsx edition in
headless LibreOffice with recalculation on load forced, and compares every score, 扣分, subtotal, total
and grade the sheet then shows with the engine's. Half the workbooks first get another case's inputs
pasted over them, so a formula that ignores its inputs (and keeps the cached value) cannot pass.
"""

from __future__ import annotations

import datetime
import html
import os
import re
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from xlperf import evaluate
from xlperf.core.engine import Scorecard, score_year
from xlperf.core.frameworks import load_framework
from xlperf.core.methods import METHODS
from xlperf.core.model import DepartmentYear
from xlperf.workbook import build_workbook
from xlperf.workbook import layout as L
from xlperf.workbook._formulas import GENERATORS, UNSCORED, rule

from native_cases import SHIPPED, cases, frameworks
from xlperf_testing import recalculated, run_xlperf

#: cases of the LibreOffice proof (the issue asks for at least 300); XLPERF_NATIVE_CASES sets another number
CASES = int(os.environ.get("XLPERF_NATIVE_CASES", "300"))
#: every function the generated formulas may use: those Excel 2010+, WPS and LibreOffice share
SHARED_FUNCTIONS = {"ABS", "AND", "CELL", "COUNT", "COUNTIF", "COUNTIFS", "EXACT", "IF", "INT", "ISLOGICAL", "ISNUMBER",
                    "ISTEXT", "LEFT", "LEN", "MAX", "MIN", "N", "NOT", "OR", "ROUND", "SUBSTITUTE", "SUM", "SUMIF",
                    "TRIM", "CLEAN"}


def _formulas(path: Path) -> list[str]:
    """The formula text of every cell of the workbook (from the XML, as any spreadsheet reads it)."""
    with zipfile.ZipFile(path) as package:
        return [html.unescape(f) for name in package.namelist() if name.startswith("xl/worksheets/sheet")
                for f in re.findall(r"<f[^>]*>([^<]*)</f>", package.read(name).decode("utf-8"))]


class TestGenerators:
    def test_every_scoring_method_has_a_formula_generator(self):
        assert set(GENERATORS) == set(METHODS)

    @pytest.mark.parametrize("framework", ["shipped", "variant", "county"])
    def test_formulas_use_only_shared_functions_and_fit_excel_limits(self, tmp_path, framework):
        fw = dict(zip(["shipped", "variant", "county"], frameworks(tmp_path)))[framework]
        path = build_workbook(tmp_path / "blank.xlsx", fw)
        formulas = _formulas(path)
        assert len(formulas) > 3 * len(fw.indicators)
        for text in formulas:
            used = set(re.findall(r"([A-Z][A-Z0-9.]*)\(", re.sub(r'"[^"]*"', '""', text)))
            assert used <= SHARED_FUNCTIONS, used - SHARED_FUNCTIONS
            assert len(text) < 8192  # Excel's limit on a formula
            assert all(len(s) <= 255 for s in re.findall(r'"((?:[^"]|"")*)"', text))  # and on a text constant
            assert "PERF_" not in text

    def test_the_xlsx_edition_has_no_macros_and_says_which_edition_is_for_whom(self, tmp_path):
        path = build_workbook(tmp_path / "blank.xlsx", load_framework(SHIPPED))
        with zipfile.ZipFile(path) as package:
            assert not [n for n in package.namelist() if "vba" in n.lower()]
        book = openpyxl.load_workbook(path)
        assert book.sheetnames == [L.GUIDE_SHEET, *L.SHEETS]
        guide = "\n".join(str(c.value) for row in book[L.GUIDE_SHEET].iter_rows() for c in row if c.value)
        assert ".xlsm（宏版）" in guide and ".xlsx（公式版）" in guide and "WPS" in guide

    def test_a_target_rule_is_an_array_formula_over_the_target_columns(self):
        fw = load_framework(SHIPPED)
        target = next(ind for ind in fw.indicators if ind.method == "target_completion")
        native = rule(target, fw)
        assert native.array
        assert all(L.target_column_name(c.key) in native.score for c in L.TARGET_COLUMNS)


def _shown(card: Scorecard) -> dict[str, Any]:
    """What the 评分表 of the .xlsx edition must show for this scorecard, cell by cell."""
    shown: dict[str, Any] = {}
    for r in card.results:
        shown[f"{r.code} 自评得分"] = UNSCORED if r.score is None else r.score
        shown[f"{r.code} 扣分"] = None if r.deduction is None else r.deduction
    shown["总分"] = card.total_shown
    shown["等级"] = card.grade if card.complete else None
    for c in card.categories:
        shown[f"{c.name} 小计"] = c.shown
        shown[f"{c.name} 分值"] = c.points
    return shown


def _sheet(path: Path, card: Scorecard) -> dict[str, Any]:
    """What the 评分表 of the workbook at `path` shows (its saved values), in _shown's terms."""
    book = openpyxl.load_workbook(path, data_only=True)

    def at(name: str, right: int = 0) -> Any:
        sheet, ref = next(iter(book.defined_names[name].destinations))
        cell = book[sheet][ref.replace("$", "").split(":")[0]]
        return book[sheet].cell(cell.row, cell.column + right).value

    sheet = book[L.SCORESHEET]
    shown: dict[str, Any] = {}
    for r in card.results:
        shown[f"{r.code} 自评得分"] = at(L.indicator_name(r.code, "SCORE"))
        shown[f"{r.code} 扣分"] = at(L.indicator_name(r.code, "SCORE"), 1)
    shown["总分"], shown["等级"] = at(L.TOTAL), at(L.GRADE)
    first = book.defined_names[L.CATEGORY_SCORES].destinations
    _, ref = next(iter(first))
    top = sheet[ref.replace("$", "").split(":")[0]]
    for i, c in enumerate(card.categories):
        shown[f"{c.name} 小计"] = sheet.cell(top.row + i, top.column).value
        shown[f"{c.name} 分值"] = sheet.cell(top.row + i, top.column - 4).value
    return shown


def _differences(expected: dict[str, Any], actual: dict[str, Any]) -> list[str]:
    out = []
    for key, want in expected.items():
        got = actual.get(key)
        if isinstance(want, Decimal):
            same = isinstance(got, (int, float)) and not isinstance(got, bool) and Decimal(repr(got)) == want
        else:
            same = (got in (None, "")) if want in (None, "") else got == want
        if not same:
            out.append(f"{key}: 引擎 {want!r}，工作表 {got!r}")
    return out


def _paste_inputs(path: Path, year: DepartmentYear, fw: Any) -> None:
    """Type `year`'s inputs over the workbook at `path` (another case's), as a clerk pasting values would."""
    book = openpyxl.load_workbook(path)

    def cell(name: str) -> Any:
        sheet, ref = next(iter(book.defined_names[name].destinations))
        return book[sheet][ref.replace("$", "")]

    def put(target: Any, value: Any) -> None:
        target.value = float(value) if isinstance(value, Decimal) else value

    for fact in fw.facts:
        put(cell(L.fact_name(fact.key)), year.facts.get(fact.key))
    for ind in fw.indicators:
        if ind.method_info.entry != "none":
            put(cell(L.indicator_name(ind.code, "VALUE")), year.entry(ind.code).value)
    rows = cell(L.TARGETS)
    keys = [c.key for c in L.TARGET_COLUMNS]
    for i, row in enumerate(rows):
        target = year.targets[i] if i < len(year.targets) else None
        for key, target_cell in zip(keys, row):
            put(target_cell, getattr(target, key) if target is not None else None)
    book.save(path)


@pytest.fixture(scope="module")
def proof(tmp_path_factory):
    """Build the cases (every other one with the next case's inputs pasted over it), recalculate them all
    in one LibreOffice run, and return (case, engine scorecard, recalculated file, built file)."""
    folder = tmp_path_factory.mktemp("native")
    made = cases(CASES, folder)
    built, expected = [], []
    for i, (fw, year) in enumerate(made):
        path = folder / f"case-{i:03d}.xlsx"
        if i % 2 and i + 1 < len(made) and made[i + 1][0] is fw:
            other = made[i + 1][1]
            build_workbook(path, fw, year)
            _paste_inputs(path, other, fw)
            expected.append((fw, other))
        else:
            build_workbook(path, fw, year)
            expected.append((fw, year))
        built.append(path)
    saved = recalculated(built, folder / "recalculated", timeout=1200, processes=2)
    return [(fw, year, score_year(fw, year), out, path) for (fw, year), out, path in zip(expected, saved, built)]


@pytest.mark.libreoffice
class TestLibreOfficeAgrees:
    def test_enough_cases_and_each_outcome_occurs(self, proof):
        assert len(proof) >= min(CASES, 300)
        cards = [card for _, _, card, _, _ in proof]
        results = [r for card in cards for r in card.results]
        # the boundaries the cases are meant to reach are reached
        assert any(not card.complete for card in cards) and sum(card.complete for card in cards) > len(cards) / 3
        assert any(r.not_applicable for r in results) and any(r.score is None for r in results)
        assert any(not r.counted for r in results)  # dropped under "rescale"
        assert any(card.notes and "总分不超过" in card.notes[-1] for card in cards)  # a cap that bit
        assert len({card.grade for card in cards if card.complete}) >= 3
        shares = {(r.code, r.score) for r in results if r.score is not None and r.score not in (0, r.points)}
        assert len(shares) > 50

    def test_every_shown_score_equals_the_engines(self, proof):
        failures = []
        for fw, year, card, recalculated_path, built_path in proof:
            differences = _differences(_shown(card), _sheet(recalculated_path, card))
            if differences:
                failures.append(f"{built_path.name}（{fw.id}）：" + "；".join(differences[:6]))
        assert not failures, f"{len(failures)} 个工作簿与引擎不一致：\n" + "\n".join(failures[:20])

    def test_the_recalculated_workbooks_read_back_without_a_sheet_score_difference(self, proof):
        """xlperf reads the recalculated .xlsx like any workbook: same scores, and no W601 (the sheet shows
        what the engine computes)."""
        for fw, year, card, recalculated_path, _ in proof[:40]:
            ev = evaluate(recalculated_path, fw)
            assert ev.scorecard.total_shown == card.total_shown
            assert not [f for f in ev.findings if f.id == "W601"], recalculated_path.name

    def test_the_built_workbooks_cached_values_are_the_engines(self, proof):
        for fw, year, card, _, built_path in proof[::2][:40]:
            if built_path.name.endswith(".xlsx") and int(built_path.stem[-3:]) % 2 == 0:
                assert not _differences(_shown(card), _sheet(built_path, card)), built_path.name


class TestCommands:
    def test_new_writes_a_live_workbook_that_the_commands_read(self, tmp_path):
        result = run_xlperf("new", "-o", str(tmp_path / "空白.xlsx"))
        assert result.returncode == 0, result.stderr
        book = openpyxl.load_workbook(tmp_path / "空白.xlsx")
        score = book[L.SCORESHEET]["H3"].value
        assert str(getattr(score, "text", score)).startswith("=")
        checked = run_xlperf("check", str(tmp_path / "空白.xlsx"))
        assert "Traceback" not in checked.stderr and "W601" not in checked.stdout

    def test_the_demo_xlsx_shows_the_engines_scores_before_anything_recalculates(self, tmp_path):
        result = run_xlperf("demo", "-o", str(tmp_path))
        assert result.returncode == 0, result.stderr
        path = next(tmp_path.glob("*.xlsx"))
        ev = evaluate(path)
        assert ev.sheet is not None and ev.sheet.total == ev.scorecard.total
        assert not [f for f in ev.findings if f.id == "W601"]
        assert _formulas(path)  # live: the scores are formulas, not typed numbers


class TestBothEditionsCachedValues:
    """Before anything recalculates (a phone preview, WPS, Excel with macros blocked) both editions show
    the engine's results for random department-years: the .xlsx its formulas' results, the .xlsm the UDFs'."""

    @pytest.fixture(scope="class")
    def built(self, tmp_path_factory):
        folder = tmp_path_factory.mktemp("editions")
        made = cases(24, folder, seed=7)
        return [(fw, score_year(fw, year), build_workbook(folder / f"case-{i:02d}.xlsx", fw, year),
                 build_workbook(folder / f"case-{i:02d}.xlsm", fw, year)) for i, (fw, year) in enumerate(made)]

    def test_the_xlsx_shows_the_engines_results(self, built):
        for fw, card, xlsx, _ in built:
            assert not _differences(_shown(card), _sheet(xlsx, card)), xlsx.name

    def test_the_xlsm_shows_the_engines_results_and_no_number_where_the_engine_has_none(self, built):
        for fw, card, _, xlsm in built:
            shown = _sheet(xlsm, card)
            expected = _shown(card)
            for r in card.results:
                key = f"{r.code} 自评得分"
                if r.score is None:  # the UDF's message in place of a number
                    assert isinstance(shown[key], str) and shown[key].startswith("错误："), (xlsm.name, key)
                    expected[key] = shown[key]
            assert not _differences(expected, shown), xlsm.name


@pytest.mark.libreoffice
class TestHostileInputs:
    """Inputs the reader refuses or reads by tolerance, typed into the .xlsx edition and recalculated: each
    score cell shows the engine's number or 无法计分, never another number; a sentence that counted the
    targets does not survive a deleted target row."""

    EDITS = {
        "date-in-a-fact": {L.fact_name("carryover"): datetime.datetime(2026, 1, 2)},
        "date-in-a-count": {L.indicator_name("ZH02", "VALUE"): datetime.datetime(2026, 1, 2)},
        "time-in-a-fact": {L.fact_name("public_actual"): datetime.time(12, 0)},
        "logical-in-a-fact": {L.fact_name("filings_required"): True},
        "percent-text-in-a-target": {"绩效目标!E2": "95%"},
        "spaced-answer": {L.indicator_name("GK01", "VALUE"): " 是"},
        "a-target-row-cleared": {f"绩效目标!{col}2": None for col in "BCDEFGHIJ"},
    }

    @pytest.fixture(scope="class")
    def recalculated_edits(self, tmp_path_factory, example_workbook):
        folder = tmp_path_factory.mktemp("hostile-native")
        paths = []
        for name, cells in self.EDITS.items():
            book = openpyxl.load_workbook(example_workbook)
            for where, value in cells.items():
                if "!" in where:
                    sheet, ref = where.split("!")
                else:
                    sheet, ref = next(iter(book.defined_names[where].destinations))
                book[sheet][ref.replace("$", "")] = value
            path = folder / f"{name}.xlsx"
            book.save(path)
            paths.append(path)
        return dict(zip(self.EDITS, recalculated(paths, folder / "out")))

    #: LibreOffice's CELL("format") answers "G" for a date format where Excel and WPS answer "D1"…"D9": there
    #: a date typed into an input still scores its serial number (xlperf check names it, E002); the Windows
    #: acceptance checklist covers Excel
    EXCEL_ONLY = ("date-in-a-fact", "date-in-a-count", "time-in-a-fact")

    def test_no_cell_shows_a_number_the_engine_does_not_give(self, recalculated_edits):
        for name, path in recalculated_edits.items():
            if name in self.EXCEL_ONLY:
                continue
            ev = evaluate(path)
            shown = _sheet(path, ev.scorecard)
            for r in ev.scorecard.results:
                cell = shown[f"{r.code} 自评得分"]
                assert cell == UNSCORED or (r.score is not None and Decimal(repr(cell)) == r.score), (name, r.code, cell)
            total = shown["总分"]
            assert isinstance(total, str) or (ev.scorecard.complete and Decimal(repr(total)) == ev.scorecard.total), name

    def test_every_single_input_cell_is_refused_when_formatted_as_a_date(self, tmp_path):
        """The guard Excel and WPS evaluate (CELL("format") starts with "D" for dates and times), in every
        formula that reads a fact or a 填报值."""
        path = build_workbook(tmp_path / "blank.xlsx", load_framework(SHIPPED))
        fw = load_framework(SHIPPED)
        for ind in fw.indicators:
            native = rule(ind, fw)
            for kind, key in native.inputs:
                if ind.method == "choice":  # an answer is text: a date (a number) never matches one
                    continue
                ref = L.fact_name(key) if kind == "fact" else L.indicator_name(key, "VALUE")
                assert f'LEFT(CELL("format",{ref}),1)<>"D"' in native.score, (ind.code, ref)
        assert any('CELL("format"' in f for f in _formulas(path))

    def test_dates_show_in_the_cell_and_check_names_them(self, recalculated_edits):
        for name in self.EXCEL_ONLY:
            ev = evaluate(recalculated_edits[name])
            assert [f for f in ev.findings if f.id == "E002"], name

    def test_a_tolerated_input_is_named_by_check_with_what_to_write(self, recalculated_edits):
        ev = evaluate(recalculated_edits["spaced-answer"])
        (finding,) = [f for f in ev.findings if f.id == "W601" and f.indicators == ("GK01",)]
        assert "公式版的公式只按规范填写的内容计分" in finding.message

    def test_the_target_sentence_does_not_outlive_a_deleted_target(self, recalculated_edits):
        path = recalculated_edits["a-target-row-cleared"]
        book = openpyxl.load_workbook(path, data_only=True)
        sheet, ref = next(iter(book.defined_names[L.indicator_name("ZX01", "SCORE")].destinations))
        row = book[sheet][ref.replace("$", "")].row
        sentence = book[sheet].cell(row, [c.key for c in L.SCORE_COLUMNS].index("sentence") + 1).value
        assert "共 20 项" not in sentence
