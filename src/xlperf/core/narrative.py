"""The report's words: every number-bearing sentence generated from the model, the department's own
texts carried over as written. Pure: a Scorecard in, plain data out (strings, lists, dicts), which the
Word template lays out (the framework's [report] template) and which tests read without Word.

The chapters, headings and fixed wording of a locality belong to the template; this module gives
each piece the template places. The sentences are the report's own, written as a finance clerk writes
them (GB/T 15835: no space between a number and its unit, "315.60万元", "20分"), from the structured
outcome of each rule (its rate as shown, facts, limit, answer, count), never by editing the engine's
评分说明 sentence, which the workbook shows. Each rule is stated once: fact, rule, result; a full-mark
judgement is told in the department's own 情况说明; a deduction is followed by its 扣分原因. No
sentence the narrative writes appears twice in one report.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from ._rounding import ShownRate, format_limit, format_number, format_percent
from .engine import IndicatorResult, Scorecard, fact_number, fact_ratio
from .errors import XlperfError
from .frameworks import Framework
from .methods import ONE, ZERO
from .model import TEXT_FIELDS, DepartmentYear, Target

CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"

#: the department's numbered list of what the year's budget achieved (预算完成情况); the report falls back to
#: lines built from the 产出 targets only when it is empty
OUTCOMES_TEXT = "budget_outcomes"

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_OR_MARK = _CJK + "\u3000-\u303f\uff00-\uffef“”‘’"
_SPACE_AFTER_NUMBER = re.compile(rf"(?<=[0-9%])[ \u00a0]+(?=[{_CJK}])")
_SPACE_BEFORE_NUMBER = re.compile(rf"(?<=[{_CJK}])[ \u00a0]+(?=[-0-9])")
_HALF_PUNCT = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！"}
_HALF_AFTER_CJK = re.compile(rf"(?<=[{_CJK_OR_MARK}])([,;:?!])")
_HALF_BEFORE_CJK = re.compile(rf"([,;:?!])(?=[{_CJK}])")
_HALF_PARENS = re.compile(rf"\(([^()]*[{_CJK}][^()]*)\)")
#: a list item's number: "1、" "1." "1．" (one level) or "（1）" "(1)" (the next); "1.5万人" is no number
_ITEM = re.compile(r"^(?:(?P<n>\d{1,3})\s*(?P<mark>[、.．])(?!\d)|[（(](?P<p>\d{1,3})[）)])\s*")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_FORMULA = re.compile(r"[=＝×*/÷≤≥<>＜＞]")


# --- the department's texts ---------------------------------------------------------------------------


def tidy(text: str) -> str:
    """A department's sentence in print form, its words untouched (GB/T 15835, full-width punctuation):
    no space between a number and the characters around it ("10455 人" -> "10455人"), half-width , ; : ? !
    and ( ) in Chinese text made full-width."""
    text = _SPACE_AFTER_NUMBER.sub("", text)
    text = _SPACE_BEFORE_NUMBER.sub("", text)
    text = _HALF_PARENS.sub(r"（\1）", text)
    text = _HALF_AFTER_CJK.sub(lambda m: _HALF_PUNCT[m.group(1)], text)
    return _HALF_BEFORE_CJK.sub(lambda m: _HALF_PUNCT[m.group(1)], text)


def paragraphs(text: str) -> list[str]:
    """A department's text as paragraphs: one per non-blank line, its words kept as written."""
    return [tidy(line.strip()) for line in text.splitlines() if line.strip()]


def numbered(lines: list[str]) -> list[str]:
    """A numbered list as written, its numbering made whole: the items of the first level ("1、", "1.")
    numbered 1, 2, 3 … in the mark of the first one, "（1）" items likewise within each item; lines without
    a number (an item's second paragraph) stay as they are. Text numbered in fewer than two lines is prose
    and is left alone."""
    found = [_ITEM.match(line) for line in lines]
    if sum(1 for m in found if m) < 2:
        return lines
    tops = [m for m in found if m and m.group("n")]
    mark = tops[0].group("mark") if tops else ""
    out, top, sub = [], 0, 0
    for line, match in zip(lines, found):
        if match is None:
            out.append(line)
        elif match.group("n"):
            top, sub = top + 1, 0
            out.append(f"{top}{mark}{line[match.end():]}")
        else:
            sub += 1
            out.append(f"（{sub}）{line[match.end():]}")
    return out


# --- numbers as the report writes them ----------------------------------------------------------------


def amount(framework: Framework, year: DepartmentYear, key: str) -> str:
    """A fact with its unit, as printed: "315.60万元", "18000元", "1项" ("（未填）" when blank)."""
    value = year.facts.get(key)
    if value is None:
        return "（未填）"
    return f"{fact_number(framework, value, key)}{framework.fact(key).unit}"


def _points(value: Decimal) -> str:
    return f"{format_number(value)}分"


def _result(r: IndicatorResult) -> str:
    """The score as the sentence ends: 得满分 / 不得分 / 得X分."""
    if r.score is None:
        return "暂无法计分"
    if r.score == r.points:
        return "得满分"
    return "不得分" if r.score == 0 else f"得{r.score_text}分"


def _rate_of(card: Scorecard, actual: str, budget: str) -> str:
    rate = fact_ratio(card.year, actual, budget)
    return "（无法计算）" if rate is None else ShownRate.of(rate).text  # as the 执行率 is shown everywhere


# --- sentences of the report --------------------------------------------------------------------------


def finance_sentence(card: Scorecard) -> str:
    """部门整体收支规模和支出进度, in the seed's wording, from the framework's [report] finance lines."""
    fw, year = card.framework, card.year
    pieces = []
    for line in fw.report.finance:
        if year.facts.get(line.budget) is None or year.facts.get(line.actual) is None:
            continue
        pieces.append((line.lead, f"{line.label}{amount(fw, year, line.budget)}，决算数"
                                  f"{amount(fw, year, line.actual)}，完成率{_rate_of(card, line.actual, line.budget)}"))
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
        return f"根据《{title}》评分标准，有{len(card.errors)}项指标尚无法计分，自评分数待补充完整后确定。"
    return f"根据《{title}》评分标准，自评分数为{card.total_text}分，等级为“{card.grade}”。"


def indicator_paragraph(result: IndicatorResult) -> str:
    """"（名称），该指标分值X分，自评得分Y分。" as the seed writes it."""
    name, points = tidy(result.name), _points(result.points)
    if result.score is None:
        return f"{name}，该指标分值{points}，暂无法计分。"
    if not result.counted:
        return f"{name}，该指标分值{points}，本年不适用，不计入总分。"
    return f"{name}，该指标分值{points}，自评得分{result.score_text}分。"


def _rate_facts(card: Scorecard, params: Any, shown: ShownRate | None) -> str:
    """"整体支出决算数315.59万元，整体支出预算数332.21万元，支出率95%": the two facts and the rate."""
    fw, year = card.framework, card.year
    top, bottom = params.numerator, params.denominator
    return (f"{fw.fact(top).name}{amount(fw, year, top)}，{fw.fact(bottom).name}{amount(fw, year, bottom)}，"
            f"{params.label}{shown}")


def _ratio(card: Scorecard, r: IndicatorResult) -> str:
    p, d = r.indicator.params, r.detail
    if r.shown is None:
        return f"{p.zero_text or card.framework.fact(p.denominator).name + '为0'}"
    facts, shown, points = _rate_facts(card, p, r.shown), r.shown.text, _points(r.points)
    cap = format_limit(p.cap)
    if d.relation == "above":
        return f"{facts}，超过{cap}按{cap}计，{_result(r)}。"
    if d.relation == "cap" and p.cap == ONE:
        return f"{facts}，{_result(r)}。"
    counted = cap if d.relation == "cap" else shown
    return f"{facts}，按{points}×{counted}计，得{r.score_text}分。"


def _threshold(card: Scorecard, r: IndicatorResult) -> str:
    d = r.detail
    facts = _rate_facts(card, r.indicator.params, r.shown)
    limit = format_limit(d.limit if d.limit is not None else ZERO)
    if d.linear:
        return (f"{facts}，{d.relation}{limit}，按{_points(r.points)}×{r.rate_text}/{limit}计，"
                f"得{r.score_text}分。")
    return f"{facts}，{d.relation}{limit}，{_result(r)}。"


def _within_budget(card: Scorecard, r: IndicatorResult) -> str:
    fw, year, p = card.framework, card.year, r.indicator.params
    actual = f"{fw.fact(p.actual).name}{amount(fw, year, p.actual)}"
    budget = f"{fw.fact(p.budget).name}{amount(fw, year, p.budget)}"
    said = {"<": "低于", "=": "与", ">": "超过"}.get(r.detail.relation, "对比")
    level = "持平" if r.detail.relation == "=" else ""
    return f"{actual}，{said}{budget}{level}，{_result(r)}。"


def _deduction(r: IndicatorResult) -> str:
    p, count = r.indicator.params, r.detail.count or ZERO
    if count == 0:
        found = p.item_label
        return f"未{found}，得满分。" if found.startswith("发现") else f"{found}数为0，得满分。"
    return f"{p.item_label}{format_number(count, 0)}{p.unit}，每{p.unit}扣{_points(p.per_item)}，{_result(r)}。"


def _choice(r: IndicatorResult) -> str:
    d = r.detail
    if d.share is None or d.share == 0:
        return f"自评为“{d.answer}”，不得分。"
    return f"自评为“{d.answer}”，按分值的{format_percent(d.share)}计，得{r.score_text}分。"


def _targets(r: IndicatorResult) -> str:
    d, kind, shown = r.detail, r.indicator.params.kind, r.rate_text
    if not d.missed:
        return f"{kind}指标共{d.targets}项，全部完成，得满分。"
    listed = "、".join(f"“{tidy(name)}”完成{done}" for name, done in d.missed)
    return (f"{kind}指标共{d.targets}项，{len(d.missed)}项未全部完成（{listed}），平均完成率{shown}，"
            f"按{_points(r.points)}×{shown}计，得{r.score_text}分。")


def _pending(error: XlperfError) -> str:
    """Why an indicator has no score yet, in one sentence: where, what, and the fix in brackets."""
    where = f"{error.location}：" if error.location and str(error.location) else ""
    fix = f"（{error.fix.rstrip('。')}）" if error.fix else ""
    return f"待核实：{where}{error.message.rstrip('。')}{fix}。"


def _not_applicable(r: IndicatorResult) -> str:
    return "按不适用处理，得满分。" if r.counted else "按不适用处理。"


def rule_sentence(card: Scorecard, r: IndicatorResult) -> str:
    """The one sentence that states an indicator's fact, rule and result (the engine's decision, in the
    report's words)."""
    method = r.indicator.method
    if r.error is not None:
        return _pending(r.error)
    if r.not_applicable:
        tail = _not_applicable(r)
        if method == "ratio":
            return f"{_ratio(card, r)}，{tail}"
        return f"{tidy(r.name)}填报为“{r.detail.answer}”，{tail}"
    if method == "ratio":
        return _ratio(card, r)
    if method == "threshold":
        return _threshold(card, r)
    if method == "within_budget":
        return _within_budget(card, r)
    if method == "deduction_per_item":
        return _deduction(r)
    if method == "choice":
        return _choice(r)
    if method == "target_completion":
        return _targets(r)
    # a method registered elsewhere: its own sentence, in print form
    return tidy(r.sentence.replace(" = ", "=").replace(" × ", "×"))


def _numbers(text: str) -> set[Decimal]:
    return {Decimal(n) for n in _NUMBER.findall(text)}


def restates(reason: str, said: str) -> bool:
    """Whether a reason is only the calculation the report already states ("采购执行率=6528/10000=65%，
    1分*65%=0.65分" after "…采购执行率65%，按1分×65%计，得0.65分"): a formula whose every number is said."""
    return bool(_FORMULA.search(reason)) and _numbers(reason) <= _numbers(said)


def sentences(text: str) -> list[str]:
    """The sentences of a text, each ending in its 。！？ (the last one perhaps without)."""
    return [piece.strip() for piece in re.split(r"(?<=[。！？])", text) if piece.strip()]


class _Words:
    """The sentences written so far: no sentence the narrative writes is written twice."""

    def __init__(self, taken: Iterable[str] = ()) -> None:
        self.used: set[str] = set()
        for text in taken:
            self.used.update(sentences(text))

    def fresh(self, *texts: str) -> bool:
        """Whether none of these texts' sentences has been written, nor repeats among them."""
        said = [s for text in texts for s in sentences(text)]
        return len(set(said)) == len(said) and not self.used.intersection(said)

    def take(self, *candidates: str) -> str:
        """The first candidate whose sentences are all new; the last candidate, which names the indicator
        and so is new in any report, otherwise."""
        chosen = next((c for c in candidates if self.fresh(c)), candidates[-1])
        self.used.update(sentences(chosen))
        return chosen



def _judged(r: IndicatorResult) -> bool:
    """Full marks on a judgement the department states (是/否, problems found, 不适用): its own 情况说明
    is then the sentence."""
    if r.score is None or r.score != r.points or not r.counted:
        return False
    method = r.indicator.method
    return r.not_applicable or method == "choice" or (method == "deduction_per_item" and not r.detail.count)


def _indicator_lines(card: Scorecard, r: IndicatorResult, words: _Words,
                     reasons: dict[str, str]) -> tuple[str, str, list[str]]:
    """(heading, rule, explanation) of one indicator: each sentence once."""
    blank = card.framework.explanations.is_blank_reason
    name, code = tidy(r.name), r.code
    heading = words.take(indicator_paragraph(r), f"{code}{indicator_paragraph(r)}")
    own = [] if blank(r.reason) else paragraphs(r.reason)
    rule = rule_sentence(card, r)
    if r.error is not None:
        rule = words.take(rule, f"{name}：{rule}", f"{code}{name}：{rule}")
        return heading, rule, [words.take(p) for p in own if words.fresh(p)]
    if _judged(r) and own and words.fresh(*own):
        if r.not_applicable and len(own) == 1 and own[0].endswith("。"):
            # "我部门本年无新增预算入库项目" and how the rule takes it, in one sentence
            tail = _not_applicable(r)
            return heading, words.take(f"{own[0][:-1]}，{tail}", f"{code}{name}{tail}"), []
        return heading, words.take(own[0]), [words.take(p) for p in own[1:]]
    if _judged(r) and r.indicator.method == "choice" and not r.not_applicable:
        # nothing explained: the heading ("…，该指标分值2分，自评得分2分。") is the whole paragraph, no stock line
        return heading, "", []
    rule = words.take(rule, f"{name}{rule}", f"{code}{name}{rule}")
    if not own or restates("".join(own), heading + rule):
        return heading, rule, []
    deducted = r.deduction is not None and r.deduction > 0 and not r.not_applicable
    if not deducted:
        return heading, rule, [words.take(p) for p in own if words.fresh(p)]
    joined = "\n".join(own)
    if joined in reasons:  # the same reason as an earlier deduction: referred to, not repeated
        first = reasons[joined]
        return heading, rule, [words.take(f"扣分原因与“{first}”相同。", f"“{name}”的扣分原因与“{first}”相同。",
                                          f"{code}“{name}”的扣分原因与“{first}”相同。")]
    reasons[joined] = name
    return heading, rule, [words.take(f"扣分原因：{own[0]}"), *(words.take(p) for p in own[1:])]


def _appendix_reason(card: Scorecard, r: IndicatorResult) -> str:
    """The 附件 table's 扣分原因: the department's reason; where that reason only restates the calculation
    the body already gives (采购执行率=6528/10000=65%，1分*65%=0.65分), the rate it turns on instead, so
    the calculation is printed once, in one notation."""
    if not r.deduction or card.framework.explanations.is_blank_reason(r.reason):
        return ""
    reason = tidy(r.reason.strip())
    if restates(reason, indicator_paragraph(r) + rule_sentence(card, r)):
        label = getattr(r.indicator.params, "label", "")
        return f"{label}{r.rate_text}" if label and r.rate_text else ""
    return reason


def _target_line(target: Target) -> str:
    """One 产出 target as the 预算完成情况 list states it: "组织举办科普一日游活动2次"; a target not reached
    says its goal; a qualitative one says only whether it was done."""
    name = tidy(target.name)
    if target.direction == "定性":
        return {"部分达成": f"{name}，部分完成", "未达成": f"{name}，未完成"}.get(target.result, name)
    done = f"{name}{format_number(target.actual or ZERO)}{target.unit}"
    goal, actual = target.target, target.actual
    if goal is None or actual is None:
        return done
    short = {"≥": actual < goal, "≤": actual > goal, "=": actual != goal}.get(target.direction, False)
    if not short:
        return done
    bound = {"≥": "", "≤": "不超过", "=": ""}[target.direction]
    return f"{done}（目标{bound}{format_number(goal)}{target.unit}）"


def outputs_list(card: Scorecard) -> list[str]:
    """预算完成情况: the department's own list (numbering made whole), or, when it wrote none, one line per
    产出 target with what was done ("1、组织举办科普一日游活动2次；")."""
    own = numbered(paragraphs(card.year.texts.get(OUTCOMES_TEXT, "")))
    if own:
        return own
    targets = [t for t in card.year.targets_of("产出") if t.direction == "定性" or t.actual is not None]
    lines = [f"{i}、{_target_line(t)}；" for i, t in enumerate(targets, start=1)]
    if lines:
        lines[-1] = lines[-1][:-1] + "。"
    return lines


def report_context(card: Scorecard) -> dict[str, Any]:
    """Everything the report template places, as plain data (see docs/report-template.md)."""
    fw, year = card.framework, card.year
    blank = fw.explanations.is_blank_reason
    texts = {key: numbered(paragraphs(year.texts.get(key, ""))) for key in TEXT_FIELDS}
    words = _Words(line for lines in texts.values() for line in lines)
    finance = words.take(finance_sentence(card)) if finance_sentence(card) else ""
    outputs = outputs_list(card)
    if not paragraphs(year.texts.get(OUTCOMES_TEXT, "")):
        outputs = [words.take(line) for line in outputs]
    conclusion = words.take(conclusion_sentence(card))
    reasons: dict[str, str] = {}
    categories = []
    for number, category in enumerate(fw.categories, start=1):
        rows = [r for r in card.results if r.indicator.category == category.name]
        if not rows:
            continue
        indicators = []
        for i, r in enumerate(rows, start=1):
            heading, rule, explanation = _indicator_lines(card, r, words, reasons)
            indicators.append({"number": f"（{i}）", "code": r.code, "heading": heading, "rule": rule,
                               "explanation": explanation})
        categories.append({"number": str(number), "name": category.name, "indicators": indicators})
    appendix = []
    for summary in card.categories:
        rows = [r for r in card.results if r.indicator.category == summary.name]
        for i, r in enumerate(rows):
            appendix.append({
                "category": summary.name,
                "first_of_category": i == 0,
                "category_size": len(rows),
                "code": r.code,
                "name": tidy(r.name),
                "points": format_number(r.points),
                "score": r.score_text if r.score is not None else "—",
                "deduction": format_number(r.deduction) if r.deduction else "",
                "reason": _appendix_reason(card, r),
            })
    projects = [{
        "number": str(i),
        "name": tidy(p.name),
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
        "finance": finance,
        "outputs_done": outputs,
        "conclusion_score": conclusion,
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


__all__ = ["CIRCLED", "OUTCOMES_TEXT", "amount", "conclusion_sentence", "finance_sentence", "indicator_paragraph",
           "numbered", "outputs_list", "paragraphs", "report_context", "restates", "rule_sentence", "sentences", "tidy"]
