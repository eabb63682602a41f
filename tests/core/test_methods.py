"""Each scoring method at its boundaries, through score_indicator on the shipped framework.

The `score` fixture scores one indicator of the 2022 example with overridden facts, 填报值 or targets.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from xlperf.core.engine import score_indicator
from xlperf.core.errors import InputError


def D(text: str) -> Decimal:
    return Decimal(text)


# --- ratio ------------------------------------------------------------------------------------------


class TestRatio:
    def test_seed_expenditure_rate(self, score):
        """ZX03: 315.59/332.21 is 95% of 10 points, 9.50."""
        result = score("ZX03")
        assert result.error is None
        assert result.score == D("9.50")
        assert result.rate_text == "95%"
        assert "315.59/332.21" in result.sentence and "9.5" in result.sentence

    def test_rate_is_unrounded(self, score):
        """The rate kept on the result is the exact quotient, the score is rounded to 2 decimals."""
        result = score("ZX03")
        assert result.rate == D("315.59") / D("332.21")
        assert result.score == D("9.50")

    def test_partial_score_rounded(self, score):
        """A rate of 2/3 gives 10 × 66.67% = 6.67 points."""
        result = score("ZX03", facts={"expenditure_actual": 200, "expenditure_budget": 300})
        assert result.score == D("6.67")

    def test_over_budget_capped(self, score):
        """Spending more than the budget counts as 100% and the sentence says so."""
        result = score("ZX03", facts={"expenditure_actual": 340})
        assert result.score == D("10.00")
        assert "超过" in result.sentence

    def test_exactly_full(self, score):
        """A rate of exactly 100% gives full marks without the 超过 remark."""
        result = score("ZX03", facts={"expenditure_actual": 332.21})
        assert result.score == D("10.00")
        assert "超过" not in result.sentence

    def test_zero_actual(self, score):
        """Nothing spent gives 0 points."""
        assert score("ZX03", facts={"expenditure_actual": 0}).score == D("0.00")

    def test_zero_budget_error(self, score):
        """A zero budget cannot be divided by: the error names facts.expenditure_budget."""
        result = score("ZX03", facts={"expenditure_budget": 0})
        assert result.score is None
        assert isinstance(result.error, InputError)
        assert result.error.location.path == "facts.expenditure_budget"
        assert str(result.error.location) == "facts.expenditure_budget"

    def test_negative_budget_error(self, score):
        """A negative budget is refused at facts.expenditure_budget."""
        result = score("ZX03", facts={"expenditure_budget": -5})
        assert result.error.location.path == "facts.expenditure_budget"

    def test_negative_actual_error(self, score):
        """A negative actual gives a negative rate, refused at the numerator."""
        result = score("ZX03", facts={"expenditure_actual": -5})
        assert result.score is None
        assert result.error.location.path == "facts.expenditure_actual"

    def test_blank_actual_error(self, score):
        """A blank actual is refused at facts.expenditure_actual."""
        result = score("ZX03", facts={"expenditure_actual": None})
        assert result.score is None
        assert isinstance(result.error, InputError)
        assert result.error.location.path == "facts.expenditure_actual"
        assert result.sentence == str(result.error)

    def test_huge_actual(self, framework, example_data, year_with):
        """An absurd actual (1e30) is refused where it was typed; set directly, it is capped, never a crash."""
        with pytest.raises(InputError) as info:
            year_with(framework, example_data, facts={"expenditure_actual": "1e30"})
        assert info.value.location.path == "facts.expenditure_actual"
        year = year_with(framework, example_data)
        year.facts["expenditure_actual"] = D("1e30")
        result = score_indicator(framework, year, framework.indicator("ZX03"))
        assert result.score == D("10")

    def test_display_digits_zero(self, score):
        """CG06: 6528/10000 is shown as 65% and scores 0.65."""
        result = score("CG06")
        assert result.score == D("0.65")
        assert "65%" in result.sentence
        assert "65.28%" not in result.sentence

    def test_when_zero_not_applicable(self, score):
        """BZ01: no new projects is 不适用, which scores full marks under this framework."""
        result = score("BZ01", facts={"new_projects": 0, "new_projects_evaluated": 0})
        assert result.not_applicable
        assert result.counted
        assert result.score == D("3")
        assert result.error is None

    def test_when_zero_share(self, score):
        """BZ01: 1 of 2 new projects evaluated gives 3 × 50% = 1.50."""
        result = score("BZ01", facts={"new_projects": 2, "new_projects_evaluated": 1})
        assert not result.not_applicable
        assert result.score == D("1.50")


# --- threshold ----------------------------------------------------------------------------------


class TestThreshold:
    @pytest.mark.parametrize(("carryover", "expected"), [
        ("0", "2"),
        ("33.221", "2"),  # exactly 10% of 332.21
        ("33.222", "2"),  # 10.0003% is shown as 10%: the rate is compared as the sentence shows it
        ("33.24", "1"),  # 10.006%, shown as 10.01%: above 10%
        ("66.442", "1"),  # exactly 20%
        ("66.46", "0"),  # 20.005%, shown as 20.01%: above 20%
        ("332.21", "0"),
    ])
    def test_carryover_steps(self, score, carryover, expected):
        """ZH01: ≤10% full, ≤20% half, beyond nothing; limits are inclusive."""
        result = score("ZH01", facts={"carryover": carryover})
        assert result.error is None
        assert result.score == D(expected)

    def test_sentence_never_contradicts_the_step(self, score):
        """A rate shown as 10% is never scored as above 10% (33.23/332.21 = 10.003%)."""
        result = score("ZH01", facts={"carryover": "33.23"})
        assert "为 10%，≤10%" in result.sentence and result.score == D("2")

    def test_seed_sentence(self, score):
        """ZH01 for 0.90/332.21 states 0.27% and the ≤10% step."""
        result = score("ZH01")
        assert result.score == D("2")
        assert "0.27%" in result.sentence
        assert "≤10%" in result.sentence

    def test_zero_denominator(self, score):
        """A zero budget is refused at facts.expenditure_budget."""
        result = score("ZH01", facts={"expenditure_budget": 0})
        assert result.error.location.path == "facts.expenditure_budget"

    @pytest.mark.parametrize(("in_use", "expected"), [
        ("100", "2"), ("90", "2"), ("95", "2"), ("45", "1.00"), ("89.999", "2.00"), ("0", "0"),
    ])
    def test_higher_linear_below(self, score, in_use, expected):
        """ZC06: ≥90% full; below, 2 × rate/90% (45% gives 1.00); nothing in use gives 0."""
        result = score("ZC06", facts={"assets_in_use": in_use, "assets_total": 100})
        assert result.error is None
        assert result.score == D(expected)

    def test_linear_below_exact(self, score):
        """ZC06 at 60%: 2 × 0.6/0.9 = 1.333… is rounded to 1.33."""
        assert score("ZC06", facts={"assets_in_use": 60, "assets_total": 100}).score == D("1.33")

    @pytest.mark.parametrize(("actual", "expected"), [
        ("17", "2"),  # −32%
        ("25", "2"),  # 0%: ≤ 0
        ("26.25", "1"),  # +5%
        ("27.5", "1"),  # exactly +10%
        ("27.75", "0"),  # +11%
    ])
    def test_relative_rate(self, score, actual, expected):
        """CB01: the control rate (actual − budget)/budget is ≤0 full, ≤10% half, above nothing."""
        result = score("CB01", facts={"public_actual": actual, "public_budget": 25})
        assert result.error is None
        assert result.score == D(expected)

    def test_relative_seed_sentence(self, score):
        """CB01 for 17/25 shows −32%."""
        result = score("CB01")
        assert result.rate == D("-0.32")
        assert "-32%" in result.sentence


# --- within_budget ------------------------------------------------------------------------------


class TestWithinBudget:
    @pytest.mark.parametrize(("actual", "expected"), [("4369.98", "2"), ("18000", "2"), ("18000.01", "0")])
    def test_three_public(self, score, actual, expected):
        """CB02: at or under budget full marks, any excess 0."""
        result = score("CB02", facts={"three_public_actual": actual})
        assert result.score == D(expected)

    def test_sentence_shows_amounts(self, score):
        """The sentence quotes both amounts with their unit."""
        result = score("CB02")
        assert "4369.98 元" in result.sentence and "18000 元" in result.sentence

    def test_blank_budget(self, score):
        """A blank budget is refused at its fact."""
        result = score("CB02", facts={"three_public_budget": None})
        assert result.error.location.path == "facts.three_public_budget"


# --- deduction_per_item -------------------------------------------------------------------------


class TestDeductionPerItem:
    @pytest.mark.parametrize(("count", "expected"), [(0, "2"), (1, "1.5"), (3, "0.5"), (4, "0"), (10, "0"),
                                                     ("2", "1")])
    def test_deduction(self, score, count, expected):
        """ZH02: −0.5 per problem found, never below 0."""
        result = score("ZH02", indicators={"ZH02": count})
        assert result.error is None
        assert result.score == D(expected)

    @pytest.mark.parametrize("value", ["abc", -1, 1.5, "是"])
    def test_bad_count(self, score, value):
        """A count that is not a whole number ≥ 0 is refused at indicators.ZH02.value."""
        result = score("ZH02", indicators={"ZH02": value})
        assert result.score is None
        assert isinstance(result.error, InputError)
        assert result.error.location.path == "indicators.ZH02.value"

    def test_blank_count(self, score):
        """A blank count is an error (no problems must be entered as 0)."""
        result = score("ZH02", indicators={"ZH02": None})
        assert result.score is None
        assert result.error.location.path == "indicators.ZH02.value"

    def test_missing_entry(self, score, example_data):
        """An indicator absent from the JSON form counts as blank and is located at its value."""
        del example_data["indicators"]["ZH02"]
        result = score("ZH02")
        assert result.error.location.path == "indicators.ZH02.value"


# --- choice ------------------------------------------------------------------------------------


class TestChoice:
    @pytest.mark.parametrize(("answer", "expected"), [("是", "2"), ("部分", "1"), ("否", "0")])
    def test_answers(self, score, answer, expected):
        """GK01: 是 full, 部分 half, 否 nothing."""
        result = score("GK01", indicators={"GK01": answer})
        assert result.score == D(expected)

    def test_unknown_answer(self, score):
        """GK01: "Yes" is refused at indicators.GK01.value."""
        result = score("GK01", indicators={"GK01": "Yes"})
        assert result.score is None
        assert result.error.location.path == "indicators.GK01.value"

    def test_blank_answer(self, score):
        """A blank answer is refused at the entry."""
        result = score("JX03", indicators={"JX03": ""})
        assert result.error.location.path == "indicators.JX03.value"

    def test_points_scale(self, score):
        """JX03 (7 points): 部分 gives 3.5."""
        assert score("JX03", indicators={"JX03": "部分"}).score == D("3.5")

    def test_editable_name(self, score):
        """QT01 takes the name the department entered."""
        result = score("QT01", indicators={"QT01": {"value": "是", "name": " 科普阵地建设 "}})
        assert result.name == "科普阵地建设"
        assert result.score == D("1")

    def test_editable_name_blank(self, score, framework):
        """QT01 without an entered name keeps the framework's name."""
        result = score("QT01", indicators={"QT01": {"value": "是", "name": ""}})
        assert result.name == framework.indicator("QT01").name

    def test_name_not_editable(self, score, framework):
        """A name entered for a fixed indicator is ignored."""
        result = score("GK01", indicators={"GK01": {"value": "是", "name": "别的名字"}})
        assert result.name == framework.indicator("GK01").name


# --- target_completion ----------------------------------------------------------------------------

BENEFIT = {"kind": "效益", "name": "满意度", "direction": "≥", "target": 90, "actual": 95}


def output(name: str = "产出", direction: str = "≥", target=None, actual=None, **more) -> dict:
    return {"kind": "产出", "name": name, "direction": direction, "target": target, "actual": actual, **more}


class TestTargetCompletion:
    def test_seed_all_met(self, score):
        """ZX01 of the example: all 20 产出 targets met, 20 points."""
        result = score("ZX01")
        assert result.score == D("20")
        assert result.rate == 1

    def test_all_met(self, score):
        """Targets met or exceeded give full marks."""
        result = score("ZX01", targets=[output("a", target=2, actual=2), output("b", target=1, actual=3), BENEFIT])
        assert result.score == D("20")

    def test_one_of_two_half(self, score):
        """One ≥ target at 50% and one met: 20 × 75% = 15."""
        result = score("ZX01", targets=[output("a", target=4, actual=2), output("b", target=1, actual=1), BENEFIT])
        assert result.score == D("15")
        assert result.rate == D("0.75")
        assert "“a”" in result.sentence and "50%" in result.sentence

    @pytest.mark.parametrize(("target", "actual", "expected"), [
        (10, 5, "20"),  # ≤ target, actual below: 100%
        (10, 10, "20"),
        (10, 20, "10"),  # actual twice the ceiling: 50%
        (10, 0, "20"),
    ])
    def test_lower_is_better(self, score, target, actual, expected):
        """A ≤ target is complete when the actual stays under it, target/actual when above."""
        result = score("ZX01", targets=[output("成本", "≤", target, actual), BENEFIT])
        assert result.score == D(expected)

    @pytest.mark.parametrize(("actual", "expected"), [(100, "20"), (99, "0"), (101, "0")])
    def test_equal(self, score, actual, expected):
        """An = target is complete only when met exactly."""
        result = score("ZX01", targets=[output("达标率", "=", 100, actual), BENEFIT])
        assert result.score == D(expected)

    @pytest.mark.parametrize(("answer", "expected"), [("达成", "20"), ("部分达成", "10"), ("未达成", "0")])
    def test_qualitative(self, score, answer, expected):
        """A 定性 target counts 100%, 50% or 0 by its result."""
        result = score("ZX01", targets=[output("制度", "定性", result=answer), BENEFIT])
        assert result.score == D(expected)

    def test_qualitative_without_result(self, score):
        """A 定性 target with no result is refused at its row."""
        result = score("ZX01", targets=[BENEFIT, output("制度", "定性")])
        assert result.score is None
        assert result.error.location.path == "targets[1]"

    def test_weights(self, score):
        """Weights 3 and 1 with completions 1 and 0 give 20 × 3/4 = 15."""
        result = score("ZX01", targets=[output("a", target=1, actual=1, weight=3),
                                        output("b", target=1, actual=0, weight=1), BENEFIT])
        assert result.score == D("15")

    def test_mixed_weights(self, score):
        """Some weights filled and some blank is refused at the first blank one."""
        result = score("ZX01", targets=[output("a", target=1, actual=1, weight=3),
                                        output("b", target=1, actual=1), BENEFIT])
        assert result.score is None
        assert isinstance(result.error, InputError)
        assert result.error.location.path == "targets[1]"

    def test_zero_weights(self, score):
        """Weights that sum to 0 are refused."""
        result = score("ZX01", targets=[output("a", target=1, actual=1, weight=0), BENEFIT])
        assert result.score is None
        assert result.error is not None

    def test_no_targets_of_kind(self, score):
        """No 产出 targets at all is refused at "targets"."""
        result = score("ZX01", targets=[BENEFIT])
        assert result.score is None
        assert result.error.location.path == "targets"

    def test_missing_actual(self, score):
        """A target without its actual is refused at that target's row."""
        result = score("ZX01", targets=[output("a", target=1, actual=1), BENEFIT, output("b", target=3)])
        assert result.score is None
        assert result.error.location.path == "targets[2]"
        assert "b" in result.error.message

    def test_missing_target_value(self, score):
        """A target without its 目标值 is refused at that target's row."""
        result = score("ZX01", targets=[output("a", actual=1)])
        assert result.error.location.path == "targets[0]"

    def test_negative_values(self, score):
        """A negative target or actual is refused at the row."""
        result = score("ZX01", targets=[output("a", target=1, actual=-1)])
        assert result.error.location.path == "targets[0]"

    def test_benefit_kind(self, score):
        """ZX02 scores only the 效益 targets."""
        result = score("ZX02", targets=[output("a", target=4, actual=1), {**BENEFIT, "actual": 45}])
        assert result.score == D("10")

    def test_zero_goal(self, score):
        """A ≥ target of 0 is complete whatever the actual."""
        assert score("ZX01", targets=[output("a", target=0, actual=0)]).score == D("20")
