"""The report's words over random department-years (hypothesis): no sentence is said twice, and every
number the narrative writes is a number of the scorecard or the workbook — a fact, a target, a 分值, a
score, a deduction, a rate as shown, a limit of a rule, a count of targets, the total or the year."""

from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from test_properties import department_years

from xlperf.core._rounding import ShownRate, format_limit, format_number
from xlperf.core.engine import Scorecard, fact_number, fact_ratio, score_year
from xlperf.core.frameworks import Framework
from xlperf.core.jsonform import year_from_dict
from xlperf.core.model import TEXT_FIELDS
from xlperf.core.narrative import OUTCOMES_TEXT, report_context, sentences, tidy

SETTINGS = settings(max_examples=150, deadline=None)

#: 扣分原因 / 情况说明 drawn from a few, so that two indicators often share one; blanks and placeholders too
REASONS = ("", "无", "我部门按规定执行。", "因疫情影响，部分活动未开展。", "经费下达较晚，部分项目延期。",
           "采购执行率=6528/10000=65%。", "我部门本年无相关事项。")
NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
ITEM = re.compile(r"^\d+、")


@st.composite
def department_year(draw: st.DrawFn, framework: Framework) -> dict[str, Any]:
    data = draw(department_years(framework))
    for code, entry in data["indicators"].items():
        entry["reason"] = draw(st.sampled_from(REASONS))
    # the department's own texts: distinct sentences (they are carried over as written, not ours to vary)
    data["texts"] = {key: f"{label}第一段。\n{label}第二段。" for key, label in TEXT_FIELDS.items()}
    if draw(st.booleans()):
        data["texts"][OUTCOMES_TEXT] = ""  # the list is then built from the 产出 targets
    data["department"] = "某单位"
    data["year"] = draw(st.sampled_from([None, 2023]))
    return data


def percent(text: str) -> Decimal:
    return Decimal(text.rstrip("%"))


def workbook_numbers(card: Scorecard) -> set[Decimal]:
    """Every number the scorecard or the workbook holds, as the report may print it."""
    fw, year = card.framework, card.year
    found = {Decimal(fact_number(fw, v, k)) for k, v in year.facts.items() if v is not None}
    for t in year.targets:
        found |= {Decimal(format_number(v)) for v in (t.target, t.actual) if v is not None}
    found |= {Decimal(len(year.targets_of(kind))) for kind in ("产出", "效益")}
    for r in card.results:
        found |= {r.points, card.total, Decimal(len(card.errors))}
        found |= {Decimal(r.score_text)} if r.score is not None else set()
        found |= {r.deduction} if r.deduction is not None else set()
        found |= {percent(r.rate_text)} if r.shown is not None else set()
        d = r.detail
        found |= {percent(format_limit(d.limit))} if d.limit is not None else set()
        found |= {percent(ShownRate.of(d.share).text)} if d.share is not None else set()
        found |= {d.count} if d.count is not None else set()
        found |= {Decimal(d.targets), Decimal(len(d.missed))} | {percent(done.text) for _, done in d.missed}
        for name in ("cap", "per_item"):
            value = getattr(r.indicator.params, name, None)
            found |= {Decimal(value), percent(format_limit(value))} if value is not None else set()
    for line in fw.report.finance:
        rate = fact_ratio(year, line.actual, line.budget)
        found |= {percent(ShownRate.of(rate).text)} if rate is not None else set()
    return found | ({Decimal(year.year)} if year.year else set())


def narrative(context: dict[str, Any]) -> list[str]:
    """What the narrative writes: generated sentences and the reasons it places (not the texts it copies)."""
    said = [context["finance"], context["conclusion_score"], *context["outputs_done"]]
    for category in context["categories"]:
        for row in category["indicators"]:
            said += [row["heading"], row["rule"], *row["explanation"]]
    return [text for text in said if text]


class TestNarrativeProperties:
    @SETTINGS
    @given(data=st.data())
    def test_no_sentence_twice(self, framework: Framework, data: st.DataObject) -> None:
        """Across the report — the department's texts, the sentences written for it and the reasons it places —
        no sentence appears twice, and no full-mark judgement gets the stock line."""
        year = year_from_dict(data.draw(department_year(framework)), framework)
        context = report_context(score_year(framework, year))
        copied = [line for key in TEXT_FIELDS if key != OUTCOMES_TEXT for line in context[key]]
        counted = Counter(s for text in [*copied, *narrative(context)] for s in sentences(text))
        assert not [s for s, n in counted.items() if n > 1]
        assert "自评结论为“是”，得满分。" not in counted

    @SETTINGS
    @given(data=st.data())
    def test_every_number_is_the_workbooks(self, framework: Framework, data: st.DataObject) -> None:
        """Every number in a sentence the narrative writes equals a number of the scorecard or the workbook.
        The department's own words (its reasons, its own 预算完成情况 list) and the engine's messages on
        inputs that cannot be scored (“待核实：…”, which quote the cell) are left out."""
        raw = data.draw(department_year(framework))
        year = year_from_dict(raw, framework)
        card = score_year(framework, year)
        context = report_context(card)
        allowed = workbook_numbers(card)
        # a reason stands whole, or joined to the rule without its 。 (“我部门本年无…，按不适用处理”)
        own = sorted({tidy(line.strip()).rstrip("。") for e in raw["indicators"].values()
                      for line in e["reason"].splitlines() if line.strip()}, key=len, reverse=True)
        written = narrative(context)
        codes = sorted((ind.code for ind in framework.indicators), key=len, reverse=True)
        if year.texts[OUTCOMES_TEXT]:
            written = [t for t in written if t not in context["outputs_done"]]
        for text in written:
            if text.startswith("待核实："):
                continue
            for line in own:
                text = text.replace(line, "")
            for code in codes:  # a code (CG04) names an indicator where a sentence would repeat: not a number
                text = text.replace(code, "")
            for number in NUMBER.findall(ITEM.sub("", text)):
                assert Decimal(number) in allowed, (number, text)
