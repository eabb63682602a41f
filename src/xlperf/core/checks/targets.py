"""The department's 绩效目标: against its spending, within a row, and against its own texts."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from .._rounding import format_limit, format_number
from ..engine import Scorecard
from ..model import TEXT_FIELDS, Target
from ..values import is_percent_unit
from . import Hit, check, target_indicators
from ._mentions import MentionIndex


@check("W301", "completion-above-execution",
       "“{name}”完成率 {completion} 高出执行率 {rate} 超过 {gap} 个百分点，财政部门可能质疑目标完成情况，请核实或说明。",
       title="目标完成率远高于执行率",
       summary="绩效目标完成率比预算执行率高出评分框架规定的幅度：钱没花完而目标全部完成，财政部门可能质疑目标定得偏低或完成情况不实。",
       example={"name": "部门整体绩效目标产出指标完成情况", "completion": "100%", "rate": "90.3%", "gap": "5"},
       example_at="评分表!K3")
def completion_above_execution(card: Scorecard) -> Iterator[Hit]:
    gap, execution = card.framework.checks.completion_above_execution, card.execution_shown
    if gap is None or execution is None:
        return
    # compare the rates as the message shows them: 100% against 95% is a gap of 5, not 5.003
    for r in card.results:
        done = r.shown
        if r.indicator.method == "target_completion" and done is not None and done.value - execution.value > gap:
            yield Hit(card.year.where(f"indicators.{r.code}.reason") or card.year.where("targets"), {
                "name": r.name, "completion": done.text, "rate": execution.text,
                "gap": format_limit(gap).removesuffix("%")}, (r.code,))


@check("W302", "percent-scale-mismatch",
       "“{name}”的单位是 %，目标值填 {target}、实际值填 {actual}，疑似百分比填写方式不一致：{small} 像是按小数填写的 "
       "{as_percent}%。现按所填数字计算完成率。请统一按百分数填写（95% 填 95 或 95%）。",
       title="百分数填写方式不一致",
       summary="单位为 % 的绩效目标，目标值和实际值一个按小数（0.95）、一个按百分数（95）填写，完成率会差 100 倍。",
       example={"name": "公众对科普工作满意度", "target": "95", "actual": "0.95", "small": "0.95", "as_percent": "95"},
       example_at="绩效目标!B23:J23")
def percent_scale_mismatch(card: Scorecard) -> Iterator[Hit]:
    """0.95 beside 95 in a % row: one of them was typed as a fraction (Excel turns a typed "95%" into
    0.95). Nothing is rescaled silently; 0.5 beside 2 (0.5% against 2%) is not flagged."""
    factor = card.framework.checks.percent_scale_factor
    for t in card.year.targets:
        if t.direction == "定性" or not is_percent_unit(t.unit) or t.target is None or t.actual is None:
            continue
        small, big = sorted((t.target, t.actual))
        if 0 < small <= 1 < big and 1 / factor <= big / (small * 100) <= factor:
            yield Hit(t.location or card.year.where("targets"), {
                "name": t.name, "target": format_number(t.target, 4), "actual": format_number(t.actual, 4),
                "small": format_number(small, 4), "as_percent": format_number(small * 100, 2)},
                target_indicators(card, t.kind))


@check("W303", "count-stated-differently",
       "{field}写“{quote}”，而绩效目标“{name}”（{row}）{stated}。同一件事两处说法不一，请核对后改为一致。",
       title="文字与绩效目标说法不一",
       summary="单位所写文字中某项绩效目标的数量，与绩效目标表的目标值、实际值都不同；同一件事两处说法不一，审核时会被指出。",
       example={"field": "“重点工作任务完成情况”", "quote": "开展科普知识竞赛 1次", "name": "开展科普知识竞赛",
                "row": "绩效目标!B4:J4", "stated": "的目标值、实际值均为 3次"},
       example_at="基本信息!B9")
def count_stated_differently(card: Scorecard) -> Iterator[Hit]:
    """The 1-vs-3 竞赛 problem of the seed: a text states a number for a target that is neither its
    目标值 nor its 实际值. Conservative (see _mentions): the name or its core words, the target's unit."""
    year, rules = card.year, card.framework.checks
    texts = [(f"“{TEXT_FIELDS[key]}”", year.where(f"texts.{key}"), year.texts.get(key, ""))
             for key in rules.consistency_texts]
    fields = {"outputs": "产出完成情况", "benefits": "效益", "satisfaction": "满意度"}
    texts += [(f"项目“{p.name}”的{label}", year.where(f"projects[{i}].{key}") or p.location, getattr(p, key))
              for i, p in enumerate(year.projects) for key, label in fields.items()]
    claims = [t for t in year.targets if t.direction != "定性" and t.actual is not None and t.unit.strip()]
    # each name's variants computed once, each text read once: thousands of rows stay quick
    index = MentionIndex([(t.name, t.unit) for t in claims], rules.mention_gap)
    for label, where, text in texts:
        if not text.strip():
            continue
        seen = set()
        # a number two targets' names could claim goes to the longer name (the surer match)
        for i, m in index.claimed(text):
            t = claims[i]
            if _agrees(m.number, t) or (t.name, m.number) in seen:
                continue
            seen.add((t.name, m.number))
            yield Hit(where, {"field": label, "quote": m.quote.strip(), "name": t.name,
                              "row": str(t.location) if t.location else "绩效目标表", "stated": _stated(t)},
                      target_indicators(card, t.kind))


def _agrees(number: Decimal, t: Target) -> bool:
    values = {v for v in (t.target, t.actual) if v is not None}
    if is_percent_unit(t.unit):
        values |= {v * 100 for v in values if v <= 1}  # 0.95 in the table, "95%" in the text
    return number in values


def _stated(t: Target) -> str:
    assert t.actual is not None  # only targets with an actual value are compared
    actual = f"{format_number(t.actual, 4)}{t.unit}"
    if t.target is None or t.target == t.actual:
        return f"的{'目标值、实际值均' if t.target is not None else '实际值'}为 {actual}"
    return f"的实际值为 {actual}（目标值 {format_number(t.target, 4)}{t.unit}）"
