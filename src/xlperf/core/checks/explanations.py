"""Scores and their explanations: every deduction explained, within the framework's limits."""

from __future__ import annotations

from collections.abc import Iterator

from .._rounding import format_limit, format_number
from ..engine import Scorecard
from . import Hit, check, indicators_of


def _blank(card: Scorecard, reason: str) -> bool:
    text = reason.strip().strip("。.")
    return not text or text in card.framework.explanations.blank_reasons


@check("E001", "indicator-not-computable", "“{name}”无法计分：{error}")
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


@check("E002", "unreadable-input", "{error}")
def unreadable_input(card: Scorecard) -> Iterator[Hit]:
    hidden = {key for keys in card.year.merged_inputs.values() for key in keys}  # those are E003
    for key, error in card.year.unreadable.items():
        if key not in hidden:
            yield Hit(error.location, {"error": error.message + (f"。{error.fix}" if error.fix else "")},
                      indicators_of(card, key))


@check("E101", "deduction-without-reason",
       "“{name}”扣 {deduction} 分，但扣分原因{state}。请写明扣分原因（不超过 {limit} 字）。", reads_reasons=True)
def deduction_without_reason(card: Scorecard) -> Iterator[Hit]:
    limit = card.framework.explanations.reason_max_chars
    for r in card.results:
        if r.deduction is not None and r.deduction > 0 and _blank(card, r.reason):
            yield Hit(card.year.where(f"indicators.{r.code}.reason"),
                      {"name": r.name, "deduction": format_number(r.deduction),
                       "state": f"只写了“{r.reason.strip()}”" if r.reason.strip() else "为空",
                       "limit": limit}, (r.code,))


@check("E102", "reason-too-long", "“{name}”的扣分原因／情况说明有 {length} 字，超过 {limit} 字的上限。请精简。",
       reads_reasons=True)
def reason_too_long(card: Scorecard) -> Iterator[Hit]:
    limit = card.framework.explanations.reason_max_chars
    for r in card.results:
        length = len(r.reason.strip())
        if length > limit:
            yield Hit(card.year.where(f"indicators.{r.code}.reason"), {"name": r.name, "length": length, "limit": limit},
                      (r.code,))


@check("E103", "low-execution-without-reason",
       "执行率为 {rate}，低于 {threshold}，须在“{name}”的扣分原因中说明原因。", reads_reasons=True)
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


@check("E104", "indicator-name-missing", "指标“{code}”的名称须由单位填写（按本地区评分表），目前为空。")
def indicator_name_missing(card: Scorecard) -> Iterator[Hit]:
    for r in card.results:
        if r.indicator.name_editable and not card.year.entry(r.code).name.strip():
            yield Hit(card.year.where(f"indicators.{r.code}.name"), {"code": r.code}, (r.code,))


@check("E105", "total-out-of-range", "总分 {total} 不在 0～{max} 之间，请检查各指标分值和得分。")
def total_out_of_range(card: Scorecard) -> Iterator[Hit]:
    top = card.framework.scoring.total_points
    if not 0 <= card.total <= top:
        yield Hit(None, {"total": format_number(card.total), "max": format_number(top)})
