"""The report's words: every number-bearing sentence generated from the model, the department's own
texts carried over verbatim. Pure: a Scorecard in, plain data out (strings, lists, dicts), which the
Word template lays out (the framework's [report] template) and which tests read without Word.

The chapters, headings and fixed wording of a locality belong to the template; this module gives
each piece the template places. Sentences follow the published 2022 白云区科协 report, e.g.
"财政拨款收入预算数 332.21 万元，决算数 315.60 万元，完成率 95%".
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ._rounding import ShownRate, format_number, format_percent
from .engine import Scorecard, fact_ratio, fact_text
from .model import TEXT_FIELDS

CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


def paragraphs(text: str) -> list[str]:
    """A department's text as paragraphs: one per non-blank line, kept exactly as written."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def _rate_of(card: Scorecard, actual: str, budget: str) -> str:
    rate = fact_ratio(card.year, actual, budget)
    return "（无法计算）" if rate is None else ShownRate.of(rate).text  # as the 执行率 is shown everywhere


def finance_sentence(card: Scorecard) -> str:
    """部门整体收支规模和支出进度, in the seed's wording, from the framework's [report] finance lines."""
    fw, year = card.framework, card.year
    pieces = []
    for line in fw.report.finance:
        if year.facts.get(line.budget) is None or year.facts.get(line.actual) is None:
            continue
        pieces.append((line.lead, f"{line.label} {fact_text(fw, year, line.budget)}，决算数 "
                                  f"{fact_text(fw, year, line.actual)}，完成率 {_rate_of(card, line.actual, line.budget)}"))
    if not pieces:
        return ""
    text = pieces[0][1]
    for lead, piece in pieces[1:]:
        text += f"，{lead}{piece}" if lead else f"；{piece}"
    head = f"{year.year}年我部门" if year.year else "本年度我部门"
    return f"{head}{text}。"


def conclusion_sentence(card: Scorecard) -> str:
    """The sentence that closes 自评结论综述: the total and the grade, or why there is none yet."""
    title = card.framework.title
    if not card.complete:
        return f"根据《{title}》评分标准，有 {len(card.errors)} 项指标尚无法计分，自评分数待补充完整后确定。"
    return f"根据《{title}》评分标准，自评分数为 {card.total_text} 分，等级为“{card.grade}”。"


def indicator_paragraph(result: Any) -> str:
    """"（名称），该指标分值 X 分，自评得分 Y 分。" as the seed writes it."""
    if result.score is None:
        return f"{result.name}，该指标分值 {format_number(result.points)} 分，暂无法计分。"
    return f"{result.name}，该指标分值 {format_number(result.points)} 分，自评得分 {result.score_text} 分。"


def outputs_list(card: Scorecard) -> list[str]:
    """预算完成情况: one line per 产出 target with its actual value ("组织举办科普一日游活动 2次")."""
    lines = []
    for i, target in enumerate(card.year.targets_of("产出"), start=1):
        if target.direction == "定性":
            done = f"（{target.result}）" if target.result else ""
            lines.append(f"{i}、{target.name}{done}；")
        elif target.actual is not None:
            lines.append(f"{i}、{target.name} {format_number(target.actual)}{target.unit}；")
    if lines:
        lines[-1] = lines[-1].rstrip("；") + "。"
    return lines


def report_context(card: Scorecard) -> dict[str, Any]:
    """Everything the report template places, as plain data (see docs/report-template.md)."""
    fw, year = card.framework, card.year
    blank = fw.explanations.is_blank_reason
    texts = {key: paragraphs(year.texts.get(key, "")) for key in TEXT_FIELDS}
    categories = []
    for number, category in enumerate(fw.categories, start=1):
        rows = [r for r in card.results if r.indicator.category == category.name]
        if not rows:
            continue
        categories.append({
            "number": str(number),
            "name": category.name,
            "indicators": [{
                "number": f"（{i}）",
                "code": r.code,
                "heading": indicator_paragraph(r),
                "rule": r.sentence if r.error is None else f"待核实：{r.error}",
                # a placeholder (“无。”) is no explanation: the report does not print it
                "explanation": [] if blank(r.reason) else paragraphs(r.reason),
            } for i, r in enumerate(rows, start=1)],
        })
    appendix = []
    for summary in card.categories:
        rows = [r for r in card.results if r.indicator.category == summary.name]
        for i, r in enumerate(rows):
            appendix.append({
                "category": summary.name,
                "first_of_category": i == 0,
                "category_size": len(rows),
                "code": r.code,
                "name": r.name,
                "points": format_number(r.points),
                "score": r.score_text if r.score is not None else "—",
                "deduction": format_number(r.deduction) if r.deduction else "",
                "reason": r.reason.strip() if r.deduction and not blank(r.reason) else "",
            })
    projects = [{
        "number": str(i),
        "name": p.name,
        "outputs": paragraphs(p.outputs),
        "benefits": paragraphs(p.benefits),
        "satisfaction": paragraphs(p.satisfaction),
        "budget": format_number(p.budget) if p.budget is not None else "",
        "actual": format_number(p.actual) if p.actual is not None else "",
    } for i, p in enumerate(year.projects, start=1)]
    return {
        "title": f"{year.department}{year.year or ''}年度部门整体支出绩效自评报告",
        "department": year.department,
        "year": str(year.year or ""),
        "framework_title": fw.title,
        **texts,
        "finance": finance_sentence(card),
        "outputs_done": outputs_list(card),
        "conclusion_score": conclusion_sentence(card),
        "total": card.total_text if card.complete else "",
        "grade": card.grade if card.complete else "",
        "categories": categories,
        "category_scores": [{"name": c.name, "points": format_number(c.points), "score": format_number(c.score),
                             "share": format_percent(c.share, 0)} for c in card.categories],
        "projects": projects,
        "appendix": appendix,
        "total_points": format_number(fw.scoring.total_points),
        "pending": [],  # findings to verify, listed on the first page when a report is forced over errors
    }


__all__ = ["conclusion_sentence", "finance_sentence", "indicator_paragraph", "outputs_list", "paragraphs",
           "report_context"]
_ = Decimal
