"""The money: sums that must hold, actual figures against budgets, negative amounts."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from ..engine import Scorecard, fact_text
from . import Hit, check


@check("E201", "sum-mismatch", "{total_name} {total} 不等于 {parts_text}（合计 {sum}），相差 {diff}。请核对。")
def sum_mismatch(card: Scorecard) -> Iterator[Hit]:
    fw, year = card.framework, card.year
    for rule in fw.checks.sums:
        values = [year.facts.get(k) for k in (rule.total, *rule.parts)]
        if any(v is None for v in values):
            continue
        total, parts = values[0], values[1:]
        assert total is not None
        added = sum((p for p in parts if p is not None), Decimal(0))
        if abs(total - added) > rule.tolerance:
            unit = fw.fact(rule.total).unit
            yield Hit(year.where(f"facts.{rule.total}"), {
                "total_name": fw.fact(rule.total).name, "total": fact_text(fw, year, rule.total),
                "parts_text": " + ".join(f"{fw.fact(k).name} {fact_text(fw, year, k)}" for k in rule.parts),
                "sum": f"{added:.2f} {unit}", "diff": f"{abs(total - added):.2f} {unit}"})


@check("W202", "actual-above-budget", "{actual_name} {actual} 超过{budget_name} {budget}，请核对是否填反或漏填预算调整。")
def actual_above_budget(card: Scorecard) -> Iterator[Hit]:
    fw, year = card.framework, card.year
    for pair in fw.checks.not_above:
        actual, budget = year.facts.get(pair.actual), year.facts.get(pair.budget)
        if actual is not None and budget is not None and actual > budget:
            yield Hit(year.where(f"facts.{pair.actual}"), {
                "actual_name": fw.fact(pair.actual).name, "actual": fact_text(fw, year, pair.actual),
                "budget_name": fw.fact(pair.budget).name, "budget": fact_text(fw, year, pair.budget)})


@check("E203", "negative-amount", "“{name}”为负数（{value}），数据项不能为负。")
def negative_amount(card: Scorecard) -> Iterator[Hit]:
    for fact in card.framework.facts:
        value = card.year.facts.get(fact.key)
        if value is not None and value < 0:
            yield Hit(card.year.where(f"facts.{fact.key}"), {"name": fact.name, "value": fact_text(
                card.framework, card.year, fact.key)})


def blank_facts(card: Scorecard, *, used: bool) -> Iterator[tuple[str, str]]:
    """(key, name) of the required facts left blank, among those indicators use (or the others)."""
    needed = {key for ind in card.framework.indicators for key in ind.facts()}
    for fact in card.framework.facts:
        if (fact.required and (fact.key in needed) == used and card.year.facts.get(fact.key) is None
                and f"facts.{fact.key}" not in card.year.unreadable):
            yield fact.key, fact.name


@check("E204", "fact-blank", "“{name}”未填写，用到它的指标无法计分。没有请填 0。")
def fact_blank(card: Scorecard) -> Iterator[Hit]:
    for key, name in blank_facts(card, used=True):
        yield Hit(card.year.where(f"facts.{key}"), {"name": name})


@check("W204", "fact-missing", "“{name}”未填写。没有请填 0。")
def fact_missing(card: Scorecard) -> Iterator[Hit]:
    for key, name in blank_facts(card, used=False):
        yield Hit(card.year.where(f"facts.{key}"), {"name": name})


@check("W205", "rate-above-100", "{label}为 {rate}，超过 100%：“{numerator}”大于“{denominator}”，通常是填错了，请核对。")
def rate_above_100(card: Scorecard) -> Iterator[Hit]:
    fw, year = card.framework, card.year
    pairs = {(p.actual, p.budget) for p in fw.checks.not_above}  # those are W202 already
    for r in card.results:
        params = r.indicator.params
        if r.rate is None or r.rate <= 1 or getattr(params, "relative", True) or not hasattr(params, "numerator"):
            continue
        if (params.numerator, params.denominator) in pairs:
            continue
        yield Hit(year.where(f"facts.{params.numerator}"), {
            "label": params.label, "rate": r.rate_text, "numerator": fw.fact(params.numerator).name,
            "denominator": fw.fact(params.denominator).name})
