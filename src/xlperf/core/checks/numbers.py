"""The money: sums that must hold, actual figures against budgets, negative amounts."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from .._rounding import format_number
from ..engine import Scorecard, fact_text
from . import Hit, check, indicators_of


@check("E201", "sum-mismatch", "{total_name} {total} 不等于 {parts_text}（合计 {sum}），相差 {diff}。请核对。",
       title="合计数与分项之和不符",
       summary="整体支出的预算数、决算数应分别等于基本支出与项目支出之和；对不上说明有数填错，支出率等指标会按错数计分。",
       example={"total_name": "整体支出决算数", "total": "315.59 万元",
                "parts_text": "基本支出决算数 283.58 万元 + 项目支出决算数 23.01 万元", "sum": "306.59 万元",
                "diff": "9.00 万元"},
       example_at="收支情况!C5")
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
                "sum": f"{added:.2f} {unit}", "diff": f"{abs(total - added):.2f} {unit}"},
                indicators_of(card, f"facts.{rule.total}"))


@check("W202", "actual-above-budget", "{actual_name} {actual} 超过{budget_name} {budget}，请核对是否填反或漏填预算调整。",
       title="决算数超过预算数",
       summary="决算数一般不会超过调整后的全年预算数；超过时多半是预算数和决算数填反了，或漏填了预算调整。",
       example={"actual_name": "项目支出决算数", "actual": "37.48 万元", "budget_name": "项目支出预算数",
                "budget": "32.01 万元"},
       example_at="收支情况!C9")
def actual_above_budget(card: Scorecard) -> Iterator[Hit]:
    fw, year = card.framework, card.year
    for pair in fw.checks.not_above:
        actual, budget = year.facts.get(pair.actual), year.facts.get(pair.budget)
        if actual is not None and budget is not None and actual > budget:
            yield Hit(year.where(f"facts.{pair.actual}"), {
                "actual_name": fw.fact(pair.actual).name, "actual": fact_text(fw, year, pair.actual),
                "budget_name": fw.fact(pair.budget).name, "budget": fact_text(fw, year, pair.budget)},
                indicators_of(card, f"facts.{pair.actual}"))


@check("E203", "negative-amount", "“{name}”为负数（{value}），数据项不能为负。",
       title="数据为负数",
       summary="收支情况中的金额和数量都不能为负数；负数会使支出率、结转结余率等指标算错。",
       example={"name": "结转结余资金", "value": "-0.90 万元"}, example_at="收支情况!C10")
def negative_amount(card: Scorecard) -> Iterator[Hit]:
    for fact in card.framework.facts:
        value = card.year.facts.get(fact.key)
        if value is not None and value < 0:
            yield Hit(card.year.where(f"facts.{fact.key}"), {"name": fact.name, "value": fact_text(
                card.framework, card.year, fact.key)}, indicators_of(card, f"facts.{fact.key}"))


def blank_facts(card: Scorecard, *, used: bool) -> Iterator[tuple[str, str]]:
    """(key, name) of the required facts left blank, among those indicators use (or the others)."""
    needed = {key for ind in card.framework.indicators for key in ind.facts()}
    for fact in card.framework.facts:
        if (fact.required and (fact.key in needed) == used and card.year.facts.get(fact.key) is None
                and f"facts.{fact.key}" not in card.year.unreadable):
            yield fact.key, fact.name


@check("E204", "fact-blank", "“{name}”未填写，用到它的指标无法计分。没有请填 0。",
       title="计分用的数据未填",
       summary="计分要用的数据项留空，用到它的指标就无法计分；确实没有的填 0，以区分“没有”和“漏填”。",
       example={"name": "结转结余资金"}, example_at="收支情况!C10")
def fact_blank(card: Scorecard) -> Iterator[Hit]:
    for key, name in blank_facts(card, used=True):
        yield Hit(card.year.where(f"facts.{key}"), {"name": name}, indicators_of(card, f"facts.{key}"))


@check("W204", "fact-missing", "“{name}”未填写。没有请填 0。",
       title="数据项未填",
       summary="不参与计分的必填数据项（如财政拨款收入）留空；没有的请填 0，以区分“没有”和“漏填”。",
       example={"name": "财政拨款收入预算数"}, example_at="收支情况!C2")
def fact_missing(card: Scorecard) -> Iterator[Hit]:
    for key, name in blank_facts(card, used=False):
        yield Hit(card.year.where(f"facts.{key}"), {"name": name})


@check("W205", "rate-above-100", "{label}为 {rate}，超过 100%：“{numerator}”大于“{denominator}”，通常是填错了，请核对。",
       title="比率超过 100%",
       summary="采购意向按时公开率等比率的分子大于分母（如按时公开的意向多于应公开的），一般是数字填错或填反了。",
       example={"label": "采购意向按时公开率", "rate": "200%", "numerator": "按时完整公开采购意向数",
                "denominator": "应公开采购意向数"},
       example_at="收支情况!C20")
def rate_above_100(card: Scorecard) -> Iterator[Hit]:
    fw, year = card.framework, card.year
    pairs = {(p.actual, p.budget) for p in fw.checks.not_above}  # those are W202 already
    for r in card.results:
        params = r.indicator.params
        if getattr(params, "relative", True) or not hasattr(params, "numerator"):
            continue
        # the rate as the 评分说明 shows it: 100.004% shown as "100%" is not "超过 100%"
        if r.shown is None or not r.shown.above(1):
            continue
        if (params.numerator, params.denominator) in pairs:
            continue
        yield Hit(year.where(f"facts.{params.numerator}"), {
            "label": params.label, "rate": r.rate_text, "numerator": fw.fact(params.numerator).name,
            "denominator": fw.fact(params.denominator).name}, (r.code,))


@check("W206", "amount-unit-suspect", "“{name}”填的是 {value} {unit}，{why}。本项的单位是{unit}，请核对。",
       title="金额单位疑似填错",
       summary="以元填写的金额全年不足 100 元，或以万元填写的金额达到 100 亿元，像是把元和万元弄混了，相关比率会差一万倍。",
       example={"name": "政府采购预算数", "value": "1", "unit": "元",
                "why": "全年不到 100 元，像是按万元填写的（1 万元 = 10000 元）"},
       example_at="收支情况!C17")
def amount_unit_suspect(card: Scorecard) -> Iterator[Hit]:
    """Conservative: only amounts no department-year has (a whole year's 三公经费 under 100 元, a
    budget of 100 亿元 or more at district level); the limits are the framework's."""
    rules, year = card.framework.checks, card.year
    for fact in card.framework.facts:
        value = year.facts.get(fact.key)
        if value is None or value <= 0:
            continue
        if fact.unit == "元" and value < rules.yuan_below:
            why = (f"全年不到 {format_number(rules.yuan_below)} 元，像是按万元填写的"
                   f"（{format_number(value)} 万元 = {format_number(value * 10000)} 元）")
        elif fact.unit == "万元" and value >= rules.wanyuan_at_least:
            why = (f"即 {format_number(value / 10000)} 亿元，像是按元填写的"
                   f"（{format_number(value)} 元 = {format_number(value / 10000, 6)} 万元）")
        else:
            continue
        yield Hit(year.where(f"facts.{fact.key}"), {"name": fact.name, "value": format_number(value, 6),
                                                     "unit": fact.unit, "why": why},
                  indicators_of(card, f"facts.{fact.key}"))


def zero_denominators(card: Scorecard) -> dict[str, list[str]]:
    """Facts that are 0 where a rate divides by them: key -> what cannot be computed (indicator names,
    "执行率"). An indicator that reads a zero denominator as 不适用 (when_zero) is not among them."""
    fw, year = card.framework, card.year
    users: dict[str, list[str]] = {}
    for r in card.results:
        denominator = getattr(r.indicator.params, "denominator", None)
        if denominator and getattr(r.indicator.params, "when_zero", "error") != "not_applicable":
            users.setdefault(denominator, []).append(f"“{r.name}”")
    spec = fw.scoring.execution_rate
    if spec is not None:
        users.setdefault(spec.denominator, []).append("执行率")
    return {key: names for key, names in users.items() if year.facts.get(key) == 0}


@check("E207", "zero-denominator", "“{name}”为 0，而{users}要用它作分母，无法计算。请核对并填写；确实为 0 的，请向财政部门确认该指标如何计分。",
       title="作分母的数据为 0",
       summary="作为比率分母的数据项（如支出率的整体支出预算数）为 0，比率无法计算，用到它的指标不能计分。",
       example={"name": "整体支出预算数", "users": "“部门预算资金支出率”、“结转结余率”、执行率"},
       example_at="收支情况!C4")
def zero_denominator(card: Scorecard) -> Iterator[Hit]:
    for key, users in zero_denominators(card).items():
        yield Hit(card.year.where(f"facts.{key}"), {"name": card.framework.fact(key).name, "users": "、".join(users)},
                  indicators_of(card, f"facts.{key}"))


@check("W208", "budget-zero", "“{name}”为 0，而“{actual_name}”为 {actual}。如本年确无此项预算请忽略；否则请填写全年预算数（含调整）。",
       title="预算数为 0",
       summary="预算数为 0、对应的决算数也为 0：可能本年确无此项，也可能漏填了预算，请核实。",
       example={"name": "项目支出预算数", "actual_name": "项目支出决算数", "actual": "0.00 万元"},
       example_at="收支情况!C8")
def budget_zero(card: Scorecard) -> Iterator[Hit]:
    fw, year = card.framework, card.year
    refused = zero_denominators(card)  # E207
    for pair in fw.checks.not_above:
        actual = year.facts.get(pair.actual)
        # an actual above a zero budget is W202 already
        if year.facts.get(pair.budget) == 0 and pair.budget not in refused and (actual is None or actual <= 0):
            refused[pair.budget] = []
            yield Hit(year.where(f"facts.{pair.budget}"), {
                "name": fw.fact(pair.budget).name, "actual_name": fw.fact(pair.actual).name,
                "actual": fact_text(fw, year, pair.actual)}, indicators_of(card, f"facts.{pair.budget}"))
