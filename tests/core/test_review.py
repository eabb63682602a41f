"""The reviewer's risk patterns (风险提示) of core.review, on the 2022 example and variations of it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from xlperf.core.engine import Scorecard, score_year
from xlperf.core.frameworks import Framework, ReviewRules, parse_framework
from xlperf.core.jsonform import year_from_dict
from xlperf.core.review import RISKS, review_card, total_moved


def scored(framework: Framework, data: dict[str, Any]) -> Scorecard:
    return score_year(framework, year_from_dict(data, framework))


def spend(data: dict[str, Any], rate: str) -> None:
    """Make the execution rate `rate` (expenditure_actual / expenditure_budget), keeping the sums true."""
    facts = data["facts"]
    budget = Decimal(str(facts["expenditure_budget"]))
    actual = (budget * Decimal(rate)).quantize(Decimal("0.01"))
    facts["expenditure_actual"] = float(actual)
    facts["basic_actual"] = float(min(Decimal(str(facts["basic_budget"])), actual))
    facts["project_actual"] = float(actual - Decimal(str(facts["basic_actual"])))


def explain_nothing(data: dict[str, Any]) -> None:
    for entry in data["indicators"].values():
        entry["reason"] = ""


class TestOutputFullLowExecution:
    def test_full_output_marks_with_execution_below_80_percent(self, framework: Framework,
                                                               example_data: dict[str, Any]) -> None:
        spend(example_data, "0.75")
        risks = [r for r in review_card(scored(framework, example_data)) if r.id == "R01"]
        assert len(risks) == 1
        assert risks[0].indicators == ("ZX01",)
        assert "执行率 75%，低于 80%" in risks[0].message and "80%" in risks[0].message
        assert "部门整体绩效目标产出指标完成情况" in risks[0].message

    @pytest.mark.parametrize("rate", ["0.80", "0.95"])
    def test_not_at_or_above_the_threshold(self, framework: Framework, example_data: dict[str, Any],
                                           rate: str) -> None:
        spend(example_data, rate)
        assert not [r for r in review_card(scored(framework, example_data)) if r.id == "R01"]

    @pytest.mark.parametrize(("actual", "risk"), [("79.9996", False), ("79.995", False), ("79.9949", True)])
    def test_judged_on_the_rate_shown(self, framework: Framework, example_data: dict[str, Any], actual: str,
                                      risk: bool) -> None:
        """79.9996% is shown as 80%: no "执行率 80%，低于 80%"."""
        example_data["facts"].update(expenditure_budget=100, expenditure_actual=actual)
        found = [r for r in review_card(scored(framework, example_data)) if r.id == "R01"]
        assert [r.message.split("，而")[0] for r in found] == (["执行率 79.99%，低于 80%"] if risk else [])

    def test_not_when_outputs_lost_points(self, framework: Framework, example_data: dict[str, Any]) -> None:
        spend(example_data, "0.7")
        outputs = [t for t in example_data["targets"] if t["kind"] == "产出" and t["direction"] == "≥"]
        outputs[0]["actual"] = outputs[0]["target"] / 2
        card = scored(framework, example_data)
        assert card.result("ZX01").deduction > 0
        assert not [r for r in review_card(card) if r.id == "R01"]

    def test_the_threshold_is_framework_data(self, framework_data: dict[str, Any],
                                             example_data: dict[str, Any]) -> None:
        framework_data["review"] = {"output_full_execution_below": 0.98}
        fw = parse_framework(framework_data)
        assert [r.id for r in review_card(scored(fw, example_data))] == ["R01"]  # the example spends 95%


class TestJudgementAllFull:
    def test_all_self_judged_full_and_no_word_anywhere(self, framework: Framework,
                                                       example_data: dict[str, Any]) -> None:
        explain_nothing(example_data)
        risks = [r for r in review_card(scored(framework, example_data)) if r.id == "R02"]
        assert len(risks) == 1
        judged = [i.code for i in framework.indicators if i.method_info.entry != "none"]
        assert risks[0].indicators == tuple(judged) and len(judged) == 13

    def test_one_explanation_is_enough(self, framework: Framework, example_data: dict[str, Any]) -> None:
        explain_nothing(example_data)
        example_data["indicators"]["CB01"]["reason"] = "严格控制公用经费支出。"
        assert not [r for r in review_card(scored(framework, example_data)) if r.id == "R02"]

    def test_placeholder_reasons_are_no_explanation(self, framework: Framework, example_data: dict[str, Any]) -> None:
        explain_nothing(example_data)
        example_data["indicators"]["CB01"]["reason"] = "无。"
        assert [r.id for r in review_card(scored(framework, example_data))] == ["R02"]

    def test_not_when_a_self_judged_indicator_lost_points(self, framework: Framework,
                                                          example_data: dict[str, Any]) -> None:
        explain_nothing(example_data)
        example_data["indicators"]["GK01"]["value"] = "部分"
        assert not [r for r in review_card(scored(framework, example_data)) if r.id == "R02"]

    def test_the_example_as_published_shows_no_risk(self, framework: Framework,
                                                    example_data: dict[str, Any]) -> None:
        assert review_card(scored(framework, example_data)) == []


class TestTotalMoved:
    @pytest.mark.parametrize("now, before, expected", [
        ("99.15", "80", "上升 19.15 分"), ("70", "90", "下降 20 分")])
    def test_moved_more_than_15_points(self, now: str, before: str, expected: str) -> None:
        risk = total_moved(Decimal(now), Decimal(before), ReviewRules())
        assert risk is not None and risk.id == "R03" and expected in risk.message

    @pytest.mark.parametrize("now, before", [("90", "75"), ("75", "90"), ("90", "90")])
    def test_15_points_or_less_is_no_risk(self, now: str, before: str) -> None:
        assert total_moved(Decimal(now), Decimal(before), ReviewRules()) is None


    @pytest.mark.parametrize("now, before", [("95", "79.996"), ("79.996", "95"), ("95", "80.004")])
    def test_judged_on_the_totals_shown(self, now: str, before: str) -> None:
        """79.996 is written 80: a change written as 15 points is not "超过 15 分"."""
        assert total_moved(Decimal(now), Decimal(before), ReviewRules()) is None

    def test_the_change_is_that_of_the_totals_shown(self) -> None:
        risk = total_moved(Decimal("95.01"), Decimal("80.004"), ReviewRules())
        assert risk is not None and risk.message.startswith("总分 95.01 分，上年 80 分，上升 15.01 分，超过 15 分")


class TestCatalogue:
    def test_ids_and_titles(self) -> None:
        assert list(RISKS) == ["R01", "R02", "R03", "R04"]
        assert all(symbol and title for symbol, title in RISKS.values())

    @pytest.mark.parametrize("key, value", [("output_full_execution_below", 80), ("total_change_above", 0)])
    def test_bad_thresholds_are_refused(self, framework_data: dict[str, Any], key: str, value: Any) -> None:
        from xlperf.core.errors import FrameworkError

        framework_data["review"] = {key: value}
        with pytest.raises(FrameworkError, match=f"review.{key}"):
            parse_framework(framework_data)
