"""Scores and their explanations: every deduction explained, within the framework's limits."""

from __future__ import annotations

from collections.abc import Iterator

from .._rounding import format_limit, format_number
from ..engine import Scorecard
from . import Hit, check, indicators_of


def _blank(card: Scorecard, reason: str) -> bool:
    return card.framework.explanations.is_blank_reason(reason)


@check("E001", "indicator-not-computable", "“{name}”无法计分：{error}",
       title="指标无法计分",
       summary="计分要用的内容缺了或不对（如绩效目标未填实际值），这项指标算不出得分，总分也就不完整。",
       example={"name": "部门整体绩效目标产出指标完成情况", "error": "指标“组织举办科普一日游活动”未填实际值"},
       example_at="绩效目标!B2:J2")
def indicator_not_computable(card: Scorecard) -> Iterator[Hit]:
    from .numbers import blank_facts, zero_denominators

    # an unreadable cell is E002 (or E003), a blank fact E204 and a zero denominator E207, each listed
    # once, whatever uses them
    unreadable = {id(e) for e in card.year.unreadable.values()}
    said = {str(card.year.where(f"facts.{key}")) for key, _ in blank_facts(card, used=True)}
    said |= {str(card.year.where(f"facts.{key}")) for key in zero_denominators(card)}
    for r in card.results:
        if r.error is not None and id(r.error) not in unreadable and str(r.error.location) not in said:
            yield Hit(r.error.location, {"name": r.name, "error": r.error.message + (
                f"。{r.error.fix}" if r.error.fix else "")}, (r.code,))


@check("E002", "unreadable-input", "{error}",
       title="单元格内容无法读取",
       summary="数值单元格只能填阿拉伯数字；带单位的数、中文数字、Excel 错误值等不猜测，以免按错误的数计分。",
       example={"error": "“332.21万元”含单位“万元”。请只填数字 332.21，单位见表头"}, example_at="收支情况!C4")
def unreadable_input(card: Scorecard) -> Iterator[Hit]:
    hidden = {key for keys in card.year.merged_inputs.values() for key in keys}  # those are E003
    for key, error in card.year.unreadable.items():
        if key not in hidden:
            yield Hit(error.location, {"error": error.message + (f"。{error.fix}" if error.fix else "")},
                      indicators_of(card, key))


@check("E101", "deduction-without-reason",
       "“{name}”扣 {deduction} 分，但扣分原因{state}。请写明扣分原因（不超过 {limit} 字）。", reads_reasons=True,
       title="扣分未写原因",
       summary="有扣分的指标必须写明扣分原因，财政部门审核自评时要看每一分扣在哪里；只写“无”“/”等不算。",
       example={"name": "采购政策效能", "deduction": "0.35", "state": "只写了“无”", "limit": "200"},
       example_at="评分表!K19")
def deduction_without_reason(card: Scorecard) -> Iterator[Hit]:
    limit = card.framework.explanations.reason_max_chars
    for r in card.results:
        if r.deduction is not None and r.deduction > 0 and _blank(card, r.reason):
            yield Hit(card.year.where(f"indicators.{r.code}.reason"),
                      {"name": r.name, "deduction": format_number(r.deduction),
                       "state": f"只写了“{r.reason.strip()}”" if r.reason.strip() else "为空",
                       "limit": limit}, (r.code,))


@check("E102", "reason-too-long", "“{name}”的扣分原因／情况说明有 {length} 字，超过 {limit} 字的上限。请精简。",
       reads_reasons=True,
       title="扣分原因过长",
       summary="扣分原因／情况说明不能超过本地区评分表规定的字数（写在评分框架中），要简明扼要。",
       example={"name": "预决算公开合规性", "length": "201", "limit": "200"}, example_at="评分表!K9")
def reason_too_long(card: Scorecard) -> Iterator[Hit]:
    limit = card.framework.explanations.reason_max_chars
    for r in card.results:
        length = len(r.reason.strip())
        if length > limit:
            yield Hit(card.year.where(f"indicators.{r.code}.reason"), {"name": r.name, "length": length, "limit": limit},
                      (r.code,))


@check("E103", "low-execution-without-reason",
       "执行率为 {rate}，低于 {threshold}，须在“{name}”的扣分原因中说明原因。", reads_reasons=True,
       title="执行率偏低未说明原因",
       summary="预算执行率低于评分框架规定的比例时，须在指定指标的扣分原因中说明钱为什么没有花出去，这是财政部门重点关注的问题。",
       example={"rate": "87.29%", "threshold": "90%", "name": "部门预算资金支出率"}, example_at="评分表!K5")
def low_execution_without_reason(card: Scorecard) -> Iterator[Hit]:
    rules = card.framework.explanations
    code, rate = rules.execution_reason_indicator, card.execution_shown
    # judged on the rate as the message shows it: 89.9996% is "90%", which is not below 90%
    if not code or rate is None or not rate.below(rules.execution_rate_below):
        return
    result = card.result(code)
    if _blank(card, result.reason):
        yield Hit(card.year.where(f"indicators.{result.code}.reason"),
                  {"rate": rate.text, "threshold": format_limit(rules.execution_rate_below), "name": result.name},
                  (result.code,))


@check("E104", "indicator-name-missing", "指标“{code}”的名称须由单位填写（按本地区评分表），目前为空。",
       title="指标名称未填写",
       summary="个别指标的名称由单位按本地区评分表自行填写；名称为空，评分表和报告中这一行就不知所指。",
       example={"code": "QT01"}, example_at="评分表!C28")
def indicator_name_missing(card: Scorecard) -> Iterator[Hit]:
    for r in card.results:
        if r.indicator.name_editable and not card.year.entry(r.code).name.strip():
            yield Hit(card.year.where(f"indicators.{r.code}.name"), {"code": r.code}, (r.code,))


@check("E105", "total-out-of-range", "总分 {total} 不在 0～{max} 之间，请检查各指标分值和得分。",
       title="总分超出范围",
       summary="总分须在 0 到满分之间。总分由程序按评分规则计算，正常情况下不会超出，这是最后一道保险。",
       example={"total": "101", "max": "100"})
def total_out_of_range(card: Scorecard) -> Iterator[Hit]:
    top = card.framework.scoring.total_points
    if not 0 <= card.total <= top:
        yield Hit(None, {"total": format_number(card.total), "max": format_number(top)})
