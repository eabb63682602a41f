"""What a reviewer at the finance bureau looks at first (风险提示): patterns in a department's scores that
are not errors, yet are where inflated self-evaluations hide. Pure; thresholds come from the framework's
`[review]` table, so a district tunes them in data.

    R01  output-full-low-execution      产出指标满分，而执行率低于 80%：钱没花完，产出却全部完成
    R02  judgement-all-full-unexplained  自行判断的指标全部满分，评分表中没有任何扣分原因或情况说明
    R03  total-moved                     总分与上年相比变动超过 15 分（需要上年的汇总表）
    R04  sheet-differs                   评分表上显示的得分与按规则计算的不同（被改写，或未重新计算）

Like the checks' catalogue, an id is never reused. `xlperf batch` lists them in its 风险提示 sheet.
"""

from __future__ import annotations

from ._record import record
from decimal import Decimal

from ._rounding import excel_round, format_exact, format_limit, format_number
from .engine import IndicatorResult, Scorecard
from .frameworks import ReviewRules

RISKS: dict[str, tuple[str, str]] = {  # id -> (symbol, what a reviewer reads in the 风险 column)
    "R01": ("output-full-low-execution", "执行率低而产出满分"),
    "R02": ("judgement-all-full-unexplained", "自评全满分且无说明"),
    "R03": ("total-moved", "总分较上年变动大"),
    "R04": ("sheet-differs", "评分表显示的得分与规则不符"),
}


@record
class Risk:
    id: str
    message: str
    indicators: tuple[str, ...] = ()  # codes of the indicators it concerns

    @property
    def title(self) -> str:
        return RISKS[self.id][1]

    @property
    def symbol(self) -> str:
        return RISKS[self.id][0]


def review_card(card: Scorecard) -> list[Risk]:
    """The risks one scored department-year shows on its own (R01, R02, R04)."""
    risks = (_output_full_low_execution(card), _judgement_all_full(card), _sheet_differs(card))
    return [risk for risk in risks if risk is not None]


def _sheet_differs(card: Scorecard) -> Risk | None:
    """R04: the 评分表 the department sends shows scores the rules do not give (check W601)."""
    from .checks.sheet import sheet_differences, shown_text

    differences = sheet_differences(card)
    if not differences:
        return None
    code, shown, score = differences[0]
    name = "总分" if code == "total" else f"“{card.result(code).name}”"
    first = f"{name}显示{shown_text(shown)}，应为{' ' + format_number(score) + ' 分' if score is not None else '无法计分'}"
    return Risk("R04", f"评分表上有 {len(differences)} 处得分与按规则计算的不同（如{first}）：报送的评分表可能被手工改写，"
                       "或保存前未重新计算；汇总按规则计分，请核对单位报送的纸质评分表",
                tuple(c for c, _, _ in differences if c != "total"))


def total_moved(total: Decimal, previous_total: Decimal, rules: ReviewRules) -> Risk | None:
    """R03: the total moved more than the framework allows against last year's."""
    # judged on the totals as the message writes them (2 decimals), so "上升 15 分，超过 15 分" cannot happen
    now, before = excel_round(total), excel_round(previous_total)
    change, limit = now - before, rules.total_change_above
    if abs(change) <= limit:
        return None
    direction = "上升" if change > 0 else "下降"
    return Risk("R03", f"总分 {format_number(now)} 分，上年 {format_number(before)} 分，{direction} "
                       f"{format_number(abs(change))} 分，超过 {format_exact(limit)} 分：请核实评分口径是否一致、"
                       "有无漏报或多报")


def _full(result: IndicatorResult) -> bool:
    return result.score is not None and result.deduction == 0


def _output_full_low_execution(card: Scorecard) -> Risk | None:
    rate, below = card.execution_shown, card.framework.review.output_full_execution_below
    if rate is None or not rate.below(below):  # the rate as the message shows it
        return None
    full = [r for r in card.results if r.indicator.method == "target_completion" and not r.not_applicable
            and getattr(r.indicator.params, "kind", None) == "产出" and _full(r)]
    if not full:
        return None
    names = "、".join(f"“{r.name}”" for r in full)
    return Risk("R01", f"执行率 {rate}，低于 {format_limit(below)}，而{names}得满分：资金没有用完，"
                       "产出却全部完成，请核实产出目标的实际值和佐证材料", tuple(r.code for r in full))


def _judgement_all_full(card: Scorecard) -> Risk | None:
    """Indicators scored on what the department itself enters (a choice 是/部分/否, a count of problems)
    are its own judgement: all at full marks with not one word of explanation anywhere is worth a look."""
    judged = [r for r in card.results if r.indicator.method_info.entry != "none"]
    if not judged or not all(_full(r) for r in judged):
        return None
    if not all(card.framework.explanations.is_blank_reason(r.reason) for r in card.results):
        return None
    return Risk("R02", f"由单位自行判断的 {len(judged)} 项指标（选择“是/否”或填写问题个数）全部满分，评分表中没有任何"
                       "扣分原因或情况说明：请抽查佐证材料", tuple(r.code for r in judged))
