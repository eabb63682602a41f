"""Each UDF called as a plain function with what Excel passes: floats, None, text, nested lists, errors."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest
from udf_ranges import with_fact

from xlperf import udfs
from xlperf._open import example_year
from xlperf.core.engine import score_year


def _no_traceback(value: Any) -> None:
    assert "Traceback" not in str(value) and "Error(" not in str(value)


class TestPerfScores:
    def test_matches_the_engine_row_by_row(self, udf_args: list[Any]) -> None:
        """One array call gives every indicator's score, deduction and rule, as the engine computes them."""
        year, fw = example_year()
        card = score_year(fw, year)
        rows = udfs.PERF_SCORES(*udf_args)
        assert len(rows) == len(card.results) and all(len(r) == 3 for r in rows)
        for row, result in zip(rows, card.results):
            assert row == [float(result.score), float(result.deduction), result.sentence]

    def test_bad_fact_gives_a_message_in_that_indicator_only(self, udf_args: list[Any]) -> None:
        """Text in 结转结余资金 puts a Chinese message in the 结转结余率 row; the others still score."""
        rows = udfs.PERF_SCORES(*with_fact(udf_args, "carryover", "三百"))
        codes = [r[0] for r in udf_args[1]]
        zh01 = rows[codes.index("ZH01")]
        assert zh01[0].startswith("错误：") and "结转结余资金" in zh01[0] and "三百" in zh01[0]
        assert rows[codes.index("ZX03")][0] == 9.5

    def test_unknown_framework_fills_the_block(self, udf_args: list[Any]) -> None:
        """A wrong 评分框架 cell gives the message in every row, so no stale score stays visible."""
        rows = udfs.PERF_SCORES([["nope"]], *udf_args[1:])
        assert len(rows) == len(udf_args[1]) and all(r[0].startswith("错误：") for r in rows)

    def test_internal_failure_is_a_short_message(self, udf_args: list[Any], monkeypatch: pytest.MonkeyPatch) -> None:
        """An unexpected exception becomes "内部错误…" in the cells, never a traceback."""
        udfs._evaluated.cache_clear()
        monkeypatch.setattr("xlperf.core.engine.score_year", lambda *a: 1 / 0)
        # the use case imports score_year by name: patched there too, whether or not it was imported before
        # (xlperf.evaluate, the attribute, is the function of that module)
        monkeypatch.setattr(importlib.import_module("xlperf.evaluate"), "score_year", lambda *a: 1 / 0)
        rows = udfs.PERF_SCORES(*udf_args)
        udfs._evaluated.cache_clear()
        assert rows[0][0].startswith("内部错误") and all(_no_traceback(r) is None for r in rows)
        log = rows[0][0].split("详情已写入 ")[1].split("，")[0]
        assert "ZeroDivisionError" in Path(log).read_text(encoding="utf-8")


class TestPerfTotal:
    def test_total_and_grade(self, udf_args: list[Any]) -> None:
        """The total (99.15) above the grade (优), two rows of one column."""
        assert udfs.PERF_TOTAL(*udf_args) == [[99.15], ["优"]]

    def test_incomplete_total_says_how_many(self, udf_args: list[Any]) -> None:
        """With an unusable input the total says how many indicators could not be scored."""
        total = udfs.PERF_TOTAL(*with_fact(udf_args, "carryover", "#DIV/0!"))
        assert total[0][0] == "有 1 项指标无法计分" and total[1][0] == ""


class TestPerfCategoryScores:
    def test_subtotals_in_framework_order(self, udf_args: list[Any]) -> None:
        """One subtotal per 一级指标: 整体效能 49.5 … 采购管理 8.65."""
        year, fw = example_year()
        expected = [[float(c.score)] for c in score_year(fw, year).categories]
        assert udfs.PERF_CATEGORY_SCORES(*udf_args) == expected
        assert expected[0] == [49.5] and expected[5] == [8.65]


class TestPerfScore:
    @pytest.mark.parametrize("indicator", ["CG06", "cg06", "采购政策效能"])
    def test_by_code_or_name(self, udf_args: list[Any], indicator: str) -> None:
        """An indicator is found by its code (any case) or its Chinese name."""
        assert udfs.PERF_SCORE(indicator, *udf_args) == 0.65

    def test_unknown_indicator(self, udf_args: list[Any]) -> None:
        """An unknown indicator names itself and says what to write."""
        message = udfs.PERF_SCORE("ZX99", *udf_args)
        assert message.startswith("错误：") and "ZX99" in message

    @pytest.mark.parametrize("value, ok", [(None, False), ("", False), ("332.21", True), ("３３２．２１", True),
                                           (332.21, True), ("332.21万元", False), ("#N/A", False), (True, False)])
    def test_values_excel_passes(self, udf_args: list[Any], value: Any, ok: bool) -> None:
        """Blank, text numbers, full-width digits, units, Excel errors and booleans are each handled on purpose."""
        result = udfs.PERF_SCORE("ZX03", *with_fact(udf_args, "expenditure_budget", value))
        if ok:
            assert result == 9.5
        else:
            assert isinstance(result, str) and result.startswith("错误：") and "整体支出预算数" in result
            _no_traceback(result)

    def test_units_message_proposes_the_number(self, udf_args: list[Any]) -> None:
        """"332.21万元" is refused with the number to type instead."""
        result = udfs.PERF_SCORE("ZX03", *with_fact(udf_args, "expenditure_budget", "332.21万元"))
        assert "请只填数字 332.21" in result


def _reasons(udf_args: list[Any], **changed: str) -> list[list[Any]]:
    """The 扣分原因 column beside the 指标代码 column, as Excel passes it; `changed` by code."""
    year, _ = example_year()
    return [[changed.get(row[0], year.entry(row[0]).reason if row[0] else None)] for row in udf_args[1]]


class TestPerfCheck:
    def test_nothing_to_say(self, udf_args: list[Any]) -> None:
        """An indicator without findings gives "" (the cell stays empty)."""
        assert udfs.PERF_CHECK("ZX03", *udf_args) == ""
        assert udfs.PERF_CHECK("CG06", *udf_args, _reasons(udf_args)) == ""

    def test_findings_of_that_indicator_only(self, udf_args: list[Any]) -> None:
        """A zero 整体支出预算数 concerns 支出率 and 结转结余率 (E207), not 采购政策效能."""
        args = with_fact(udf_args, "expenditure_budget", 0)
        message = udfs.PERF_CHECK("ZX03", *args)
        assert "错误 E207：" in message and "整体支出预算数" in message
        assert "E207：“整体支出预算数”为 0" in message and "（数据项“整体支出预算数”）" in message  # place in words
        assert "E207" in udfs.PERF_CHECK("结转结余率", *args)
        assert udfs.PERF_CHECK("CG06", *args) == ""

    def test_a_tolerated_number_is_a_notice(self, udf_args: list[Any]) -> None:
        """Full-width digits are read, and the indicator that uses them says so (提示 I501)."""
        message = udfs.PERF_CHECK("ZX03", *with_fact(udf_args, "expenditure_budget", "３３２.２１"))
        assert message.startswith("提示 I501：") and "332.21" in message

    def test_reasons_are_checked_only_when_given(self, udf_args: list[Any]) -> None:
        """采购政策效能 loses 0.35: without the 扣分原因 column nothing is said of its reason; with it blank, E101."""
        assert udfs.PERF_CHECK("CG06", *udf_args) == ""
        message = udfs.PERF_CHECK("CG06", *udf_args, _reasons(udf_args, CG06="无"))
        assert message.startswith("错误 E101：") and "只写了“无”" in message

    def test_unknown_indicator(self, udf_args: list[Any]) -> None:
        """An unknown indicator names itself."""
        message = udfs.PERF_CHECK("ZX99", *udf_args)
        assert message.startswith("错误：") and "ZX99" in message


class TestPerfRule:
    def test_rule_sentence(self, udf_args: list[Any]) -> None:
        """The rule sentence the report reuses."""
        assert udfs.PERF_RULE("ZH01", *udf_args) == "结转结余率为 0.27%，≤10%，得 2 分。"

    def test_validation_message(self, udf_args: list[Any]) -> None:
        """For a bad input, the message of that indicator."""
        assert "未填写" in udfs.PERF_RULE("ZH01", *with_fact(udf_args, "carryover", None))


class TestPerfRate:
    @pytest.mark.parametrize("typed", [95, 0.95, "95%", "95％", " 95 % "])
    def test_percentage_three_ways(self, typed: Any) -> None:
        """95, 0.95 and "95%" all mean 95%."""
        assert udfs.PERF_RATE(typed) == pytest.approx(0.95)

    def test_ratio_and_relative(self) -> None:
        """支出率 = 315.59/332.21; 公用经费控制率 = (17 − 25)/25."""
        assert udfs.PERF_RATE(315.59, 332.21) == pytest.approx(0.94997, abs=1e-5)
        assert udfs.PERF_RATE(17, 25, True) == pytest.approx(-0.32)

    @pytest.mark.parametrize("numerator, denominator, word", [("三百", 1, "三百"), (1, 0, "分母为 0"),
                                                              ("#DIV/0!", 1, "#DIV/0!"), (None, 1, "为空")])
    def test_bad_inputs(self, numerator: Any, denominator: Any, word: str) -> None:
        """Words, a zero denominator, Excel errors and blanks give a Chinese message naming the problem."""
        result = udfs.PERF_RATE(numerator, denominator)
        assert isinstance(result, str) and result.startswith("错误：") and word in result


class TestPerfGrade:
    @pytest.mark.parametrize("total, grade", [(99.15, "优"), (90, "优"), (89.99, "良"), (60, "中"), (59.99, "差")])
    def test_bands(self, total: float, grade: str) -> None:
        """优 ≥ 90, 良 ≥ 80, 中 ≥ 60, else 差."""
        assert udfs.PERF_GRADE(total) == grade

    def test_text_total(self) -> None:
        """A total that is not a number gives a message."""
        assert udfs.PERF_GRADE("九十").startswith("错误：")

    def test_a_cell_never_names_a_file_to_load(self, tmp_path: Path) -> None:
        """The workbook is untrusted: a framework file path typed into a cell is refused, not read."""
        from xlperf.core.frameworks import SHIPPED_DIR

        copy = tmp_path / "mine.toml"
        copy.write_text((SHIPPED_DIR / "gz-baiyun-2022.toml").read_text(encoding="utf-8"), encoding="utf-8")
        result = udfs.PERF_GRADE(95, str(copy))
        assert result.startswith("错误：") and "不是内置框架" in result


class TestPerfStatus:
    def test_ready(self) -> None:
        """Starts with "xlperf", which the 评分表's no-Python hint tests for."""
        assert udfs.PERF_STATUS().startswith("xlperf ")
