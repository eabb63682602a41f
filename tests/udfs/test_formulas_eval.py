"""The 评分表's UDF formulas, evaluated by the `formulas` engine, give exactly what `xlperf score` gives."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from formulas_bridge import evaluate
from xlperf_testing import run_xlperf

from xlperf._open import example_year
from xlperf.core.engine import score_year
from xlperf.workbook import layout as L


def _ref(path: Path, name: str) -> str:
    wb = openpyxl.load_workbook(path)
    sheet, ref = next(iter(wb.defined_names[name].destinations))
    return f"{sheet}!{ref.replace('$', '')}"


@pytest.fixture(scope="module")
def macro_workbook(example_macro_workbook: Path) -> Path:
    return example_macro_workbook


@pytest.fixture(scope="module")
def evaluated(macro_workbook: Path) -> dict[str, object]:
    return evaluate(macro_workbook)


class TestEvaluatedWorkbook:
    def test_scores_equal_xlperf_score(self, macro_workbook: Path, evaluated: dict[str, object]) -> None:
        """Each 自评得分 cell evaluated through PERF_SCORES equals the score `xlperf score --json` prints."""
        printed = json.loads(run_xlperf("score", str(macro_workbook), "--json").stdout)
        block = evaluated[_ref(macro_workbook, L.SCORES)].tolist()
        assert [row[0] for row in block] == [i["score"] for i in printed["indicators"]]
        assert [row[2] for row in block] == [i["rule"] for i in printed["indicators"]]

    def test_total_is_99_15_and_grade(self, macro_workbook: Path, evaluated: dict[str, object]) -> None:
        """The total and grade cells evaluate to 99.15 and 优."""
        sheet, ref = _ref(macro_workbook, L.TOTAL).split("!")
        col, row = ref[0], int(ref[1:])
        block = evaluated[f"{sheet}!{col}{row}:{col}{row + 1}"].tolist()
        assert block == [[99.15], ["优"]]

    def test_category_subtotals(self, macro_workbook: Path, evaluated: dict[str, object]) -> None:
        """The 一级指标小计 block equals the engine's category scores."""
        year, fw = example_year()
        expected = [[float(c.score)] for c in score_year(fw, year).categories]
        assert evaluated[_ref(macro_workbook, L.CATEGORY_SCORES)].tolist() == expected

    def test_cached_values_match_the_evaluation(self, macro_workbook: Path, evaluated: dict[str, object]) -> None:
        """The values saved in the file (shown before Python is set up) are the evaluated ones."""
        wb = openpyxl.load_workbook(macro_workbook, data_only=True)
        sheet, ref = _ref(macro_workbook, L.SCORES).split("!")
        saved = [[c.value for c in row] for row in wb[sheet][ref]]
        block = evaluated[f"{sheet}!{ref}"].tolist()
        assert [r[0] for r in saved] == [r[0] for r in block]
        assert [r[2] for r in saved] == [r[2] for r in block]

    def test_no_python_hint_is_empty_when_python_answers(self, macro_workbook: Path,
                                                         evaluated: dict[str, object]) -> None:
        """The hint cell above the 评分表 stays empty when PERF_STATUS answers."""
        hints = [v for k, v in evaluated.items() if k == f"{L.SCORESHEET}!G1"]
        assert hints and all(h.tolist() == [[""]] for h in hints)
