"""The department's 绩效目标 against its spending."""

from __future__ import annotations

from collections.abc import Iterator

from .._rounding import excel_round, format_percent
from ..engine import Scorecard
from . import Hit, check


@check("W301", "completion-above-execution",
       "“{name}”完成率 {completion} 高出执行率 {rate} 超过 {gap} 个百分点，财政部门可能质疑目标完成情况，请核实或说明。")
def completion_above_execution(card: Scorecard) -> Iterator[Hit]:
    gap = card.framework.checks.completion_above_execution
    if gap is None or card.execution_rate is None:
        return
    # compare the rates as users see them (percent with 2 decimals): 100% against 95% is a gap of 5, not 5.003
    execution = excel_round(card.execution_rate, 4)
    for r in card.results:
        if r.indicator.method == "target_completion" and r.rate is not None and excel_round(r.rate, 4) - execution > gap:
            yield Hit(card.year.where(f"indicators.{r.code}.reason") or card.year.where("targets"), {
                "name": r.name, "completion": format_percent(r.rate), "rate": format_percent(card.execution_rate),
                "gap": format_percent(gap).rstrip("%")})
