"""W601 and R04: the scores a workbook's own 评分表 shows, against the scores the rules give."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import openpyxl
import pytest
from xlperf_testing import run_xlperf, typed_over

from xlperf.evaluate import evaluate


def _edited(source: Path, target: Path, **cells: object) -> Path:
    """A copy of `source` with the named cells set (as a clerk would type, without recalculating)."""
    return typed_over(source, target, cells)


class TestSheetAgainstRules:
    def test_a_fresh_workbook_shows_what_the_rules_give(self, example_workbook: Path) -> None:
        evaluation = evaluate(example_workbook)
        assert not [f for f in evaluation.findings if f.id == "W601"]
        assert not [r for r in evaluation.risks if r.id == "R04"]

    def test_a_typed_score_and_a_stale_one_are_named_with_their_cells(self, tmp_path: Path,
                                                                       example_workbook: Path) -> None:
        """A score typed over the formula (CG06: 1 instead of 0.65) and one left stale by an edited input
        (ZX03 shows 9.5, the rules now give 9.03): each a W601 at its 评分表 cell, plus the total."""
        path = _edited(example_workbook, tmp_path / "改过.xlsx", XP_I_CG06_SCORE=1, XP_F_expenditure_actual=300)
        found = {f.indicators: f for f in evaluate(path).findings if f.id == "W601"}
        assert set(found) == {("ZX03",), ("CG06",), ()}
        assert "显示 1 分，按评分规则应为 0.65 分" in found[("CG06",)].message
        assert found[("CG06",)].where.startswith("评分表!H")
        assert "显示 9.5 分，按评分规则应为 9.03 分" in found[("ZX03",)].message
        assert found[()].message.startswith("评分表上总分显示 99.15 分，按评分规则应为 98.68 分")

    def test_score_json_gives_the_sheets_scores(self, tmp_path: Path, example_workbook: Path) -> None:
        path = _edited(example_workbook, tmp_path / "改过.xlsx", XP_I_CG06_SCORE=1)
        data = json.loads(run_xlperf("score", str(path), "--json").stdout)
        row = next(r for r in data["indicators"] if r["code"] == "CG06")
        assert row["sheet_score"] == 1 and row["score"] == 0.65 and data["sheet_total"] == 99.15
        exported = tmp_path / "数据.json"
        assert run_xlperf("export", str(path), "-o", str(exported)).returncode == 0
        from_json = json.loads(run_xlperf("score", str(exported), "--json").stdout)
        assert from_json["sheet_total"] is None and all(r["sheet_score"] is None for r in from_json["indicators"])

    def test_a_sheet_showing_no_score_at_all_is_one_finding(self, tmp_path: Path, example_workbook: Path) -> None:
        """Filled where nothing calculates (WPS, Excel without Python): one W601, not one per row."""
        from xlperf.core.frameworks import load_framework
        from xlperf.workbook import layout as L

        blanks = {L.indicator_name(i.code, "SCORE"): None for i in load_framework("gz-baiyun-2022").indicators}
        path = _edited(example_workbook, tmp_path / "未计算.xlsx", XP_TOTAL=None, XP_GRADE=None, **blanks)
        (only,) = [f for f in evaluate(path).findings if f.id == "W601"]
        assert "不出任何得分" in only.message and "99.15" in only.message and only.where.startswith("评分表!")

    @pytest.mark.parametrize("shown", ["#NAME?", "错误：无法计分"])
    def test_a_text_where_the_rules_give_a_score_differs(self, tmp_path: Path, example_workbook: Path,
                                                          shown: str) -> None:
        path = _edited(example_workbook, tmp_path / "文字.xlsx", XP_I_GK01_SCORE=shown)
        (found,) = [f for f in evaluate(path).findings if f.id == "W601"]
        assert f"显示“{shown}”" in found.message and found.indicators == ("GK01",)


def test_the_batch_lists_such_departments_under_risks(tmp_path: Path, example_workbook: Path) -> None:
    """R04 in 风险提示: the bureau sees which department's printed 评分表 disagrees with the rules."""
    folder = tmp_path / "各单位"
    folder.mkdir()
    _edited(example_workbook, folder / "改过.xlsx", XP_I_CG06_SCORE=1)
    shutil.copy(example_workbook, folder / "原样.xlsx")
    from xlperf.batch import BatchOptions, run_batch

    result = run_batch(BatchOptions(folder, tmp_path / "汇总.xlsx", jobs=1))
    risks = {r.file: [k.id for k in r.risks] for r in result.records}
    assert risks == {"原样.xlsx": [], "改过.xlsx": ["R04"]}
    book = openpyxl.load_workbook(tmp_path / "汇总.xlsx", read_only=True)
    text = " ".join(str(v) for row in book["风险提示"].iter_rows(values_only=True) for v in row if v)
    assert "R04" in text and "采购政策效能" in text
