"""The report's words (core/narrative.py): one golden sentence per kind of rule, the department's own
情况说明 and 扣分原因, its numbered lists, print form (GB/T 15835) and no sentence twice.

Each case changes the 2022 白云区科协 example where needed and reads the indicator's lines from
`report_context`, the data the Word template places."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from xlperf.core.engine import score_year
from xlperf.core.narrative import numbered, report_context, sentences, tidy

FULL_MARK_STOCK = "自评结论为“是”，得满分。"


@pytest.fixture
def context(framework: Any, example_data: dict[str, Any], year_with: Any) -> Any:
    """context(facts=…, indicators=…, targets=…, texts=…): the report context of the changed example."""

    def make(**overrides: Any) -> dict[str, Any]:
        texts = overrides.pop("texts", None)
        data = dict(example_data)
        if texts is not None:
            data["texts"] = {**example_data["texts"], **texts}
        return report_context(score_year(framework, year_with(framework, data, **overrides)))

    return make


@pytest.fixture
def lines(context: Any) -> Any:
    """lines(code, **overrides) -> (heading, rule, explanation) of one indicator."""

    def of(code: str, **overrides: Any) -> tuple[str, str, list[str]]:
        found = [i for c in context(**overrides)["categories"] for i in c["indicators"] if i["code"] == code]
        (row,) = found
        return row["heading"], row["rule"], row["explanation"]

    return of


def _no_reason(*codes: str) -> dict[str, dict[str, str]]:
    return {code: {"reason": ""} for code in codes}


class TestRatio:
    def test_below_the_cap_states_facts_rule_and_result_once(self, lines: Any) -> None:
        heading, rule, explanation = lines("ZX03")
        assert heading == "部门预算资金支出率，该指标分值10分，自评得分9.5分。"
        assert rule == "整体支出决算数315.59万元，整体支出预算数332.21万元，支出率95%，按10分×95%计，得9.5分。"
        assert explanation == ["扣分原因：我部门因疫情原因，部分科普活动未能开展。"]

    def test_a_reason_that_only_restates_the_calculation_is_not_printed_again(self, lines: Any) -> None:
        """The seed's 采购政策效能: “采购执行率=6528/10000=65%，1 分*65%=0.65分” after our own sentence."""
        _, rule, explanation = lines("CG06")
        assert rule == "政府采购实际金额6528元，政府采购预算数10000元，采购执行率65%，按1分×65%计，得0.65分。"
        assert explanation == []

    def test_the_appendix_gives_the_rate_where_the_reason_restates_the_calculation(self, context: Any) -> None:
        """The calculation is printed once, in one notation: the 附件 row of 采购政策效能 names the rate it
        turns on; a real reason stays the department's words."""
        def appendix_reason(**overrides: Any) -> str:
            (row,) = [row for row in context(**overrides)["appendix"] if row["code"] == "CG06"]
            return str(row["reason"])

        assert appendix_reason() == "采购执行率65%"
        assert appendix_reason(indicators={"CG06": {"reason": "部分采购项目因疫情延至次年。"}}) == "部分采购项目因疫情延至次年。"

    def test_a_real_reason_follows_the_deduction(self, lines: Any) -> None:
        _, _, explanation = lines("CG06", indicators={"CG06": {"reason": "部分采购项目因疫情延至次年。"}})
        assert explanation == ["扣分原因：部分采购项目因疫情延至次年。"]

    def test_at_the_cap(self, lines: Any) -> None:
        _, rule, explanation = lines("CG04")
        assert rule == "按时签订采购合同数1份，应签订采购合同数1份，合同签订及时率100%，得满分。"
        assert explanation == []

    def test_above_the_cap(self, lines: Any) -> None:
        _, rule, _ = lines("CG06", facts={"procurement_actual": 12000})
        assert rule == "政府采购实际金额12000元，政府采购预算数10000元，采购执行率120%，超过100%按100%计，得满分。"

    def test_not_applicable_joins_the_departments_words(self, lines: Any) -> None:
        _, rule, explanation = lines("BZ01")
        assert (rule, explanation) == ("我部门本年无新增预算入库项目，按不适用处理，得满分。", [])

    def test_not_applicable_without_a_reason(self, lines: Any) -> None:
        _, rule, _ = lines("BZ01", indicators=_no_reason("BZ01"))
        assert rule == "本年无新增预算入库项目，按不适用处理，得满分。"

    def test_full_marks_with_the_departments_words_after_the_figures(self, lines: Any) -> None:
        _, rule, explanation = lines("CG01")
        assert rule == "按时完整公开采购意向数1项，应公开采购意向数1项，采购意向按时公开率100%，得满分。"
        assert explanation == ["我部门采购意向公开完整、及时。"]


class TestThreshold:
    def test_within_the_first_step(self, lines: Any) -> None:
        _, rule, _ = lines("ZH01")
        assert rule == "结转结余资金0.90万元，整体支出预算数332.21万元，结转结余率0.27%，≤10%，得满分。"

    def test_a_lower_step(self, lines: Any) -> None:
        _, rule, _ = lines("ZH01", facts={"carryover": 50}, indicators={"ZH01": {"reason": "年底到账资金未及支出。"}})
        assert rule == "结转结余资金50.00万元，整体支出预算数332.21万元，结转结余率15.05%，≤20%，得1分。"

    def test_beyond_the_last_step(self, lines: Any) -> None:
        _, rule, _ = lines("ZH01", facts={"carryover": 80})
        assert rule == "结转结余资金80.00万元，整体支出预算数332.21万元，结转结余率24.08%，>20%，不得分。"

    def test_linear_below_the_limit(self, lines: Any) -> None:
        _, rule, _ = lines("ZC06", facts={"assets_in_use": 60})
        assert rule == ("在用固定资产原值60.00万元，固定资产原值合计86.45万元，固定资产利用率69.4%，<90%，"
                        "按2分×69.4%/90%计，得1.54分。")

    def test_relative_rate(self, lines: Any) -> None:
        _, rule, _ = lines("CB01")
        assert rule == "公用经费决算数17.00万元，公用经费预算数25.00万元，公用经费控制率-32%，≤0%，得满分。"


class TestWithinBudget:
    @pytest.mark.parametrize(("actual", "said"), [
        (4369.98, "“三公”经费实际支出数4369.98元，低于“三公”经费预算数18000元，得满分。"),
        (18000, "“三公”经费实际支出数18000元，与“三公”经费预算数18000元持平，得满分。"),
        (18500.5, "“三公”经费实际支出数18500.5元，超过“三公”经费预算数18000元，不得分。"),
    ])
    def test_each_comparison(self, lines: Any, actual: float, said: str) -> None:
        _, rule, _ = lines("CB02", facts={"three_public_actual": actual}, indicators={"CB02": {"reason": "超支。"}})
        assert rule == said


class TestDeductionPerItem:
    def test_none_found_is_told_in_the_departments_words(self, lines: Any) -> None:
        _, rule, _ = lines("ZH02")
        assert rule == "我部门支出范围、程序、用途、核算均符合国家财经法规和财务管理制度及有关专项资金管理办法的规定。"

    def test_none_found_and_nothing_written(self, lines: Any) -> None:
        _, rule, _ = lines("ZH02", indicators=_no_reason("ZH02"))
        assert rule == "未发现财务管理问题，得满分。"

    def test_items_found_with_the_reason(self, lines: Any) -> None:
        _, rule, explanation = lines("ZH02", indicators={"ZH02": {"value": 2, "reason": "两笔报销单据不全。"}})
        assert rule == "发现财务管理问题2个，每个扣0.5分，得1分。"
        assert explanation == ["扣分原因：两笔报销单据不全。"]


class TestChoice:
    def test_full_marks_is_the_departments_own_sentence(self, lines: Any) -> None:
        heading, rule, explanation = lines("GK01")
        assert heading == "预决算公开合规性，该指标分值2分，自评得分2分。"
        assert (rule, explanation) == ("我部门预决算均按规定内容、在规定时限和范围内公开。", [])

    @pytest.mark.parametrize(("answer", "said"), [("部分", "自评为“部分”，按分值的50%计，得1分。"),
                                                   ("否", "自评为“否”，不得分。")])
    def test_a_deduction_says_the_answer_then_the_reason(self, lines: Any, answer: str, said: str) -> None:
        _, rule, explanation = lines("GK01", indicators={"GK01": {"value": answer, "reason": "决算未按期公开。"}})
        assert rule == said and explanation == ["扣分原因：决算未按期公开。"]

    def test_nothing_written_leaves_the_heading_alone(self, context: Any) -> None:
        """No stock line under a full-mark judgement the department did not explain: its heading ("…，该指标
        分值2分，自评得分2分。") says all there is, and the template prints no empty paragraph for it."""
        choices = ("GK01", "GK02", "JX01", "JX02", "JX03", "CG02", "ZC01", "ZC03", "ZC04", "QT01")
        ctx = context(indicators=_no_reason(*choices))
        rows = [i for c in ctx["categories"] for i in c["indicators"] if i["code"] in choices]
        assert [i["rule"] for i in rows] == [""] * 10 and all(i["explanation"] == [] for i in rows)
        assert rows[0]["heading"] == "预决算公开合规性，该指标分值2分，自评得分2分。"
        assert FULL_MARK_STOCK not in str(ctx)


class TestTargetCompletion:
    def test_all_done(self, lines: Any) -> None:
        _, rule, _ = lines("ZX01")
        assert rule == "产出指标共20项，全部完成，得满分。"

    def test_some_missed(self, lines: Any) -> None:
        targets = [{"name": "举办讲座", "target": 8, "actual": 6, "unit": "场"},
                   {"name": "建设基地", "target": 3, "actual": 3, "unit": "个"},
                   {"name": "整理档案", "direction": "定性", "result": "部分达成"},
                   {"kind": "效益", "name": "满意度", "target": 95, "actual": 95, "unit": "%"}]
        _, rule, _ = lines("ZX01", targets=targets, indicators={"ZX01": {"reason": "讲座因疫情取消2场。"}})
        assert rule == ("产出指标共3项，2项未全部完成（“举办讲座”完成75%、“整理档案”完成50%），平均完成率75%，"
                        "按20分×75%计，得15分。")


class TestDepartmentsLists:
    def test_the_budget_list_is_the_departments_own_with_all_16_items(self, context: Any) -> None:
        done = context()["outputs_done"]
        assert len(done) == 16 and [line.split("、")[0] for line in done] == [str(n) for n in range(1, 17)]
        assert "疫情防控第一线" in done[11] and "（达成）" not in "".join(done)
        assert done[10].endswith("受教育青少年学生10455人；")

    def test_an_empty_list_falls_back_to_the_targets_without_tags(self, context: Any) -> None:
        targets = [{"name": "举办讲座", "target": 8, "actual": 6, "unit": "场"},
                   {"name": "建设基地", "target": 3, "actual": 3, "unit": "个"},
                   {"name": "整理档案", "direction": "定性", "result": "达成"},
                   {"name": "修订制度", "direction": "定性", "result": "部分达成"},
                   {"kind": "效益", "name": "满意度", "target": 95, "actual": 95, "unit": "%"}]
        done = context(texts={"budget_outcomes": ""}, targets=targets,
                       indicators={"ZX01": {"reason": "讲座因疫情取消2场。"}})["outputs_done"]
        assert done == ["1、举办讲座6场（目标8场）；", "2、建设基地3个；", "3、整理档案；", "4、修订制度，部分完成。"]

    def test_numbering_made_whole_in_the_first_items_mark(self) -> None:
        written = ["1.全面实施纲要。", "（1）开展科普日。", "（3）开展讲座。", "3、组织换届。", "第二段说明。", "3.加强党建。"]
        assert numbered(written) == ["1.全面实施纲要。", "（1）开展科普日。", "（2）开展讲座。", "2.组织换届。",
                                     "第二段说明。", "3.加强党建。"]

    def test_prose_is_left_alone(self) -> None:
        assert numbered(["2022年，我部门……", "1.5万人次参加。"]) == ["2022年，我部门……", "1.5万人次参加。"]
        assert numbered(["1、仅此一项。"]) == ["1、仅此一项。"]


class TestPrintForm:
    @pytest.mark.parametrize(("written", "printed"), [
        ("受教育青少年学生 10455 人", "受教育青少年学生10455人"),
        ("本部门 2022 年度", "本部门2022年度"),
        ("严格执行规定程序和工作流程,科学设定", "严格执行规定程序和工作流程，科学设定"),
        ("分两类(产出、效益):", "分两类（产出、效益）："),
        ("Python 3 and 10:30, 1,000", "Python 3 and 10:30, 1,000"),
    ])
    def test_tidy(self, written: str, printed: str) -> None:
        assert tidy(written) == printed

    def test_no_space_between_a_number_and_its_unit_anywhere_we_write(self, context: Any) -> None:
        ctx = context()
        ours = [ctx["finance"], ctx["conclusion_score"], *ctx["outputs_done"]]
        ours += [text for c in ctx["categories"] for i in c["indicators"] for text in (i["heading"], i["rule"])]
        assert ctx["conclusion_score"] == "根据《整体绩效自评信息指标评分表》评分标准，自评分数为99.15分，等级为“优”。"
        assert ctx["finance"].startswith("2022年我部门财政拨款收入预算数332.21万元，决算数315.60万元，完成率95%；")
        assert not [t for t in ours if " " in t]


class TestNoSentenceTwice:
    def test_the_example(self, context: Any) -> None:
        ctx = context()
        said = [ctx["finance"], ctx["conclusion_score"], *ctx["outputs_done"]]
        said += [t for c in ctx["categories"] for i in c["indicators"] for t in (i["heading"], i["rule"], *i["explanation"])]
        repeated = [s for s, n in Counter(s for text in said for s in sentences(text)).items() if n > 1]
        assert not repeated

    def test_one_reason_under_two_deductions_is_referred_to(self, lines: Any, context: Any) -> None:
        same = "经费下达较晚。"
        ctx = context(indicators={"GK01": {"value": "部分", "reason": same}, "GK02": {"value": "否", "reason": same}})
        rows = {i["code"]: i for c in ctx["categories"] for i in c["indicators"]}
        assert rows["GK01"]["explanation"] == ["扣分原因：经费下达较晚。"]
        assert rows["GK02"]["explanation"] == ["扣分原因与“预决算公开合规性”相同。"]

    def test_a_reason_said_already_is_not_the_sentence_of_another(self, context: Any) -> None:
        same = "我部门按规定执行。"
        ctx = context(indicators={code: {"reason": same} for code in ("GK01", "GK02", "CG02")})
        rules = [i["rule"] for c in ctx["categories"] for i in c["indicators"] if i["code"] in ("GK01", "GK02", "CG02")]
        assert rules == [same, "", ""]  # said once; the others keep their headings only
