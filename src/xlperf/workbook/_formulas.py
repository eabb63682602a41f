"""The engine's scoring rules as native Excel formulas, for the workbook edition without Python (.xlsx).

One generator per scoring method (`core.methods.METHODS`), registered under the method's name and fed
the same parameters the engine reads from the framework, so a framework file gives both the engine's
rule and the formula; a test checks that every method has one. The formulas reach inputs through the
layout's defined names (XP_F_…, XP_I_…_VALUE, XP_TARGET_…), use only functions that Excel 2010+, WPS
and LibreOffice share, and mirror the engine step by step:

- a score is ROUND(MIN(MAX(raw, 0), 分值), score_digits), as engine.score_indicator rounds it;
- a rate is judged as shown (core._rounding.ShownRate): ROUND(rate, display_digits + 2);
- every value that is compared or rounded is first rounded to 10 decimals, so binary floating point
  (0.1 + 0.2) cannot put a value on the other side of a boundary that exact decimals (the engine) put
  it on: no score, share or rate of a department-year has meaningful digits that far down.

Where the engine would refuse to score (a blank, a word where a number belongs, a zero denominator,
a half-filled 绩效目标 row …) the formula shows UNSCORED, never a number. The formulas are stricter than
the reader in one direction only: a value the reader accepts by tolerance ("95%" typed as text,
"＞＝" for ≥, spaces around a choice) shows UNSCORED here rather than a guess; `xlperf check` (W601) names
the cell and says to write it plainly. A date or time in a single input cell (Excel turns a typed 1/2
into 1月2日) is refused as the reader refuses it, by its format (CELL("format")).
tests/workbook/test_native_formulas.py recalculates random department-years in LibreOffice and
compares every score, subtotal, total and grade with the engine.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..core import excel_round, format_exact
from ..core.engine import UNSCORED_CATEGORY, UNSCORED_CELL, UNSCORED_TOTAL
from ..core.frameworks import Framework, Indicator
from ..core.methods import (
    ChoiceParams,
    DeductionParams,
    RatioParams,
    TargetParams,
    ThresholdParams,
    WithinBudgetParams,
)
from ..core.model import QUALITATIVE_RESULTS
from . import layout as L

#: What a score cell of the .xlsx edition shows when the engine would not score the indicator
UNSCORED = UNSCORED_CELL
#: 评分说明 once the inputs differ from those the sentence was written for (the sentence is the engine's)
RESCORED = "得分已按新的填报值计算；文字说明由 xlperf 生成（xlperf report 或 .xlsm 版的按钮）。"
#: Below this magnitude and above 0 a number is refused as a typo by core.values (_bounded); likewise at or
#: above the upper one
_TINY, _HUGE = "1E-9", "1E+15"


@dataclass(frozen=True)
class NativeRule:
    """One indicator's rule as formula text (without the leading "=").

    score: a number, or UNSCORED. not_applicable: a condition true when the indicator is 不适用 (the
    engine's Outcome.not_applicable), None when it never is. array: the formula works on whole table
    columns and is entered as an array formula (Ctrl+Shift+Enter in every version). inputs: the cells it
    reads one by one, as ("fact", key) or ("entry", code), for the sentence's freshness test. hint: what to
    fill when it shows UNSCORED."""

    score: str
    hint: str
    not_applicable: str | None = None
    array: bool = False
    inputs: tuple[tuple[str, str], ...] = ()


Generator = Callable[[Indicator, Framework], NativeRule]
GENERATORS: dict[str, Generator] = {}


def native(method: str) -> Callable[[Generator], Generator]:
    """Register the formula generator of a scoring method (the name in core.methods.METHODS)."""

    def register(fn: Generator) -> Generator:
        GENERATORS[method] = fn
        return fn

    return register


def rule(indicator: Indicator, framework: Framework) -> NativeRule:
    return GENERATORS[indicator.method](indicator, framework)


# --- pieces -----------------------------------------------------------------------------------------


def number(value: Decimal | int) -> str:
    """A framework number as a formula literal, exactly as written (0.1, never 0.1000000000000000055)."""
    return format_exact(Decimal(value))


#: Excel refuses a text constant longer than 255 characters in a formula: longer texts are joined with &
_STRING_PIECE = 200


def string(text: str) -> str:
    """A text as a formula constant (quotes doubled), in pieces joined by & when it is long."""
    pieces = [text[i:i + _STRING_PIECE] for i in range(0, len(text), _STRING_PIECE)] or [""]
    quoted = ['"' + piece.replace('"', '""') + '"' for piece in pieces]
    return quoted[0] if len(quoted) == 1 else "(" + "&".join(quoted) + ")"


def r10(expression: str) -> str:
    """The value to 10 decimals: what every comparison and final rounding starts from (see above)."""
    return f"ROUND({expression},10)"


def shown_rate(expression: str, display_digits: int) -> str:
    """A rate as ShownRate rounds it: the percentage to display_digits decimals."""
    return f"ROUND({r10(expression)},{display_digits + 2})"


def score_of(raw: str, indicator: Indicator, framework: Framework) -> str:
    """engine.score_indicator's rounding: clamped to [0, 分值], then ROUND to score_digits."""
    return f"ROUND({r10(f'MIN(MAX({raw},0),{number(indicator.points)})')},{framework.scoring.score_digits})"


def readable(ref: str) -> str:
    """True when a single cell holds a number core.values accepts: not blank, not text, not a logical
    value (LibreOffice counts TRUE as a number), not a date or time (by the cell's format, as the reader
    judges it), not absurdly large or small (the reader refuses those as typos)."""
    return (f'AND(ISNUMBER({ref}),NOT(ISLOGICAL({ref})),LEFT(CELL("format",{ref}),1)<>"D",'
            f"ABS(N({ref}))<{_HUGE},OR(N({ref})=0,ABS(N({ref}))>={_TINY}))")


def when_readable(refs: tuple[str, ...], formula: str) -> str:
    """`formula` once every cell of `refs` holds a number the reader takes (readable), else UNSCORED."""
    return f"IF(NOT(AND({','.join(readable(ref) for ref in refs)})),{unscored()},{formula})"


def not_applicable_score(indicator: Indicator, framework: Framework) -> str:
    """What a 不适用 indicator scores: 分值 under "full", 0 (and dropped from the total) under "rescale"."""
    return number(indicator.points) if framework.scoring.not_applicable == "full" else "0"


def unscored() -> str:
    return string(UNSCORED)


def _fact_hint(framework: Framework, keys: tuple[str, ...], extra: str = "") -> str:
    names = "和".join(f"“{framework.fact(k).name}”" for k in keys)
    return f"请在“{L.FACTS_SHEET}”表填写{names}（只填数字{extra}）。"


# --- generators, one per scoring method -------------------------------------------------------------


@native("ratio")
def _ratio(ind: Indicator, fw: Framework) -> NativeRule:
    p = ind.params
    assert isinstance(p, RatioParams)
    num, den = L.fact_name(p.numerator), L.fact_name(p.denominator)
    rate = f"{num}/{den}"
    shown = shown_rate(rate, p.display_digits)
    scored = (f"IF({shown}>={number(p.cap)},{score_of(f'{number(ind.points)}*{number(p.cap)}', ind, fw)},"
              f"IF({shown}<0,{unscored()},{score_of(f'{number(ind.points)}*{rate}', ind, fw)}))")
    if p.when_zero == "not_applicable":
        # the engine: a zero denominator is 不适用, unless the numerator says something happened
        zero = f"IF({num}>0,{unscored()},{not_applicable_score(ind, fw)})"
        na = f"AND({readable(num)},{readable(den)},{den}=0,{num}<=0)"
    else:
        zero, na = unscored(), None
    formula = when_readable((num, den), f"IF({den}=0,{zero},IF({den}<0,{unscored()},{scored}))")
    return NativeRule(formula, _fact_hint(fw, p.facts(), "，后者大于 0" if na is None else ""), na,
                      inputs=(("fact", p.numerator), ("fact", p.denominator)))


@native("threshold")
def _threshold(ind: Indicator, fw: Framework) -> NativeRule:
    p = ind.params
    assert isinstance(p, ThresholdParams)
    num, den = L.fact_name(p.numerator), L.fact_name(p.denominator)
    rate = f"({num}-{den})/{den}" if p.relative else f"{num}/{den}"
    shown = shown_rate(rate, p.display_digits)
    points = number(ind.points)
    if p.linear_below:  # checked: one step, better = higher, share 1
        beyond = score_of(f"{points}*MAX({rate},0)/{number(p.steps[0].limit)}", ind, fw)
    else:
        beyond = score_of(f"{points}*{number(p.otherwise)}", ind, fw)
    sign = "<=" if p.better == "lower" else ">="
    steps = beyond
    for step in reversed(p.steps):
        steps = f"IF({shown}{sign}{number(step.limit)},{score_of(f'{points}*{number(step.share)}', ind, fw)},{steps})"
    formula = when_readable((num, den), f"IF({den}<=0,{unscored()},{steps})")
    return NativeRule(formula, _fact_hint(fw, p.facts(), "，后者大于 0"),
                      inputs=(("fact", p.numerator), ("fact", p.denominator)))


@native("within_budget")
def _within_budget(ind: Indicator, fw: Framework) -> NativeRule:
    p = ind.params
    assert isinstance(p, WithinBudgetParams)
    actual, budget = L.fact_name(p.actual), L.fact_name(p.budget)
    # compared as the sentence writes them: to each fact's decimals (engine: fact_number)
    said_actual = f"ROUND({r10(actual)},{fw.fact(p.actual).digits})"
    said_budget = f"ROUND({r10(budget)},{fw.fact(p.budget).digits})"
    formula = when_readable((actual, budget), f"IF({said_actual}<={said_budget},{score_of(number(ind.points), ind, fw)},"
                                              f"{score_of(f'{number(ind.points)}*{number(p.over_share)}', ind, fw)})")
    return NativeRule(formula, _fact_hint(fw, p.facts()), inputs=(("fact", p.actual), ("fact", p.budget)))


@native("deduction_per_item")
def _deduction_per_item(ind: Indicator, fw: Framework) -> NativeRule:
    p = ind.params
    assert isinstance(p, DeductionParams)
    count = L.indicator_name(ind.code, "VALUE")
    formula = (f"IF(NOT(AND({readable(count)},N({count})>=0,N({count})=INT(N({count})))),{unscored()},"
               f"{score_of(f'{number(ind.points)}-{count}*{number(p.per_item)}', ind, fw)})")
    return NativeRule(formula, f"请在本行“填报值”填写{p.item_label}数（不小于 0 的整数，没有填 0）。",
                      inputs=(("entry", ind.code),))


@native("choice")
def _choice(ind: Indicator, fw: Framework) -> NativeRule:
    p = ind.params
    assert isinstance(p, ChoiceParams)
    answer = L.indicator_name(ind.code, "VALUE")
    # compared as text with EXACT: "是" = "是" only; a number typed in the cell never matches an answer
    formula = unscored()
    if p.not_applicable:
        formula = f"IF(EXACT({answer},{string(p.not_applicable)}),{not_applicable_score(ind, fw)},{formula})"
    for choice, share in reversed(p.choices.items()):
        formula = (f"IF(EXACT({answer},{string(choice)}),"
                   f"{score_of(f'{number(ind.points)}*{number(share)}', ind, fw)},{formula})")
    formula = f"IF(ISTEXT({answer}),{formula},{unscored()})"
    na = f"AND(ISTEXT({answer}),EXACT({answer},{string(p.not_applicable)}))" if p.not_applicable else None
    answers = "、".join(p.answers())
    return NativeRule(formula, f"请在本行“填报值”从下拉列表中选择（{answers}）。", na, inputs=(("entry", ind.code),))


@native("target_completion")
def _target_completion(ind: Indicator, fw: Framework) -> NativeRule:
    """methods.target_completion over the 绩效目标 table, as one array formula on its columns."""
    p = ind.params
    assert isinstance(p, TargetParams)
    col = {c.key: L.target_column_name(c.key) for c in L.TARGET_COLUMNS}
    kind, name, direction, result = col["kind"], col["name"], col["direction"], col["result"]

    def value(key: str) -> str:  # the column as numbers, 0 where it holds none
        return f"IF(ISNUMBER({col[key]}),{col[key]},0)"

    def blank(key: str) -> str:
        return f"(LEN({col[key]})=0)"

    def number_or_blank(key: str) -> str:  # a cell the reader takes: blank, or a plain number in bounds
        v = value(key)
        return f"({blank(key)}+ISNUMBER({col[key]})*(ABS({v})<{_HUGE})*(({v}=0)+(ABS({v})>={_TINY})))"

    target, actual, weight = value("target"), value("actual"), value("weight")
    # the reader's rows: any cell filled; a filled row must be readable, or no target is scored
    filled = "(" + "+".join(f"LEN({col[c.key]})" for c in L.TARGET_COLUMNS) + ">0)"
    kinds = "+".join(f'({kind}="{k}")' for k in ("产出", "效益"))
    directions = "+".join(f"({direction}={string(d)})" for d in ("≥", "≤", "=", "定性"))
    results = "+".join([blank("result"), *(f"({result}={string(r)})" for r in QUALITATIVE_RESULTS)])
    named = f'(LEN(TRIM(SUBSTITUTE({name},"\u3000"," ")))>0)'
    valid = (f"({kinds})*{named}*({directions})*({results})"
             f"*{number_or_blank('target')}*{number_or_blank('actual')}*{number_or_blank('weight')}")
    unreadable = f"SUM({filled}*(({valid})=0))"
    chosen = f"({kind}={string(p.kind)})"  # a row of this kind (its 类别 filled, so the row counts as filled)
    count = f"SUM({chosen})"
    qualitative = f"{chosen}*({direction}=\"定性\")"
    quantitative = f"{chosen}*({direction}<>\"定性\")"
    weighted = f"SUM({chosen}*ISNUMBER({col['weight']}))"
    problems = "+".join((
        unreadable, f"({count}=0)",
        f"({weighted}>0)*({weighted}<{count})",  # some weights filled, some not
        f"SUM({qualitative}*{blank('result')})",  # a 定性 target without its result
        f"SUM({quantitative}*(({blank('target')}+{blank('actual')})>0))",
        f"SUM({quantitative}*((({target})<0)+(({actual})<0)>0))",
        f"SUM({chosen}*(({weight})<0))",
    ))
    qualitative_share = "+".join(f"({result}={string(r)})*{number(p.qualitative[r])}" for r in QUALITATIVE_RESULTS)
    at_least = f"IF(({target})<=0,1,({actual})/IF(({target})<=0,1,{target}))"  # 实际/目标, 1 for a goal of 0
    reached = r10(at_least)
    clipped = f"IF({reached}>=1,1,IF({reached}<=0,0,{at_least}))"
    if p.overachievement_at is not None:  # a target met far beyond its goal was set too low
        over = f"{clipped}-IF({reached}>={number(p.overachievement_at)},{number(p.overachievement_share)},0)"
        clipped = f"IF(({over})<0,0,{over})"
    at_most = f"IF(({actual})<=({target}),1,IF(({actual})>0,({target})/IF(({actual})>0,{actual},1),1))"
    equal = f"IF(({actual})=({target}),1,{number(p.equal_miss)})"
    completion = (f'IF({direction}="定性",{qualitative_share},IF({direction}="=",{equal},'
                  f'IF({direction}="≥",{clipped},{at_most})))')
    weights = f"IF({weighted}>0,{weight},1)"
    total_weight = f"IF({weighted}>0,SUM({chosen}*{weight}),{count})"
    rate = f"SUM(IF({chosen},{weights}*{completion},0))/{total_weight}"
    formula = (f"IF(({problems})>0,{unscored()},IF({total_weight}<=0,{unscored()},"
               f"{score_of(f'{number(ind.points)}*{rate}', ind, fw)}))")
    hint = (f"请检查“{L.TARGETS_SHEET}”表：至少一项{p.kind}指标；每行填类别、指标名称、方向；"
            "定量指标填目标值和实际值（只填数字），定性指标选完成情况；权重全填或全空。")
    return NativeRule(formula, hint, array=True)


# --- the 评分表's other computed cells ---------------------------------------------------------------


def total_formula(framework: Framework, scores: str, count: int, points: str | None = None) -> str:
    """engine.score_year's total over the score cells `scores`: the sum, rescaled when 不适用 indicators
    are dropped (`points`: the 一级指标小计's 分值 cells, which leave them out), capped by the 执行率
    (total_caps), rounded; the engine's message while any indicator is unscored."""
    scoring = framework.scoring
    total = f"SUM({scores})"
    if scoring.not_applicable == "rescale" and points is not None:
        total = f"IF(SUM({points})>0,{total}*{number(scoring.total_points)}/SUM({points}),0)"
    if scoring.total_caps and scoring.execution_rate is not None:
        num, den = L.fact_name(scoring.execution_rate.numerator), L.fact_name(scoring.execution_rate.denominator)
        shown = shown_rate(f"{num}/{den}", 2)
        capped = total
        for cap in scoring.total_caps:  # from the highest threshold down: the innermost is the tightest
            capped = f"IF({shown}<{number(cap.below)},MIN({total},{number(cap.cap)}),{capped})"
        total = f"IF(AND(ISNUMBER({num}),ISNUMBER({den}),N({den})<>0),{capped},{total})"
    rounded = f"ROUND({r10(total)},{scoring.score_digits})"
    return f"IF(COUNT({scores})<{count},{_unscored_count(UNSCORED_TOTAL, scores, count)},{rounded})"


def _unscored_count(template: str, scores: str, count: int) -> str:
    """The engine's message ("有 {count} 项指标无法计分") with the count computed in the sheet."""
    before, after = template.split("{count}")
    return f"{string(before)}&({count}-COUNT({scores}))&{string(after)}"


def grade_formula(framework: Framework, total: str) -> str:
    """Framework.grade on the total cell; empty while the total is not a number."""
    grades = framework.grades
    formula = string(grades[-1].name)
    for grade in reversed(grades[:-1]):
        formula = f"IF({total}>={number(grade.min)},{string(grade.name)},{formula})"
    return f'IF(ISNUMBER({total}),{formula},"")'


def category_formula(framework: Framework, scores: str, count: int) -> str:
    """A 一级指标 subtotal: the sum of its scores, or how many of them are unscored."""
    return (f"IF(COUNT({scores})<{count},{_unscored_count(UNSCORED_CATEGORY, scores, count)},"
            f"ROUND({r10(f'SUM({scores})')},{framework.scoring.score_digits}))")


def category_points_formula(points: Decimal, not_applicable: list[tuple[str, Decimal]]) -> str:
    """A 一级指标's 分值 under "rescale": its indicators' 分值 less those dropped as 不适用."""
    dropped = "+".join(f"IF({condition},{number(p)},0)" for condition, p in not_applicable)
    return f"{number(points)}-({dropped})"


def targets_fresh(kind: str, targets: list[Any]) -> str:
    """True while the 绩效目标 table's rows of `kind` still add up as they did when the sentence was written:
    as many rows, the same sums of 目标值, 实际值 and 权重, as many of each 定性 result. (A sentence that
    counts the targets must not say "共 20 项" once a row is gone.)"""
    kinds, tests = L.target_column_name("kind"), []
    tests.append(f"COUNTIF({kinds},{string(kind)})={len(targets)}")
    for key in ("target", "actual", "weight"):
        total = sum((getattr(t, key) or Decimal(0) for t in targets), Decimal(0))
        tests.append(f"ROUND(SUMIF({kinds},{string(kind)},{L.target_column_name(key)}),6)={number(excel_round(total, 6))}")
    for result in QUALITATIVE_RESULTS:
        count = sum(1 for t in targets if t.result == result)
        tests.append(f"COUNTIFS({kinds},{string(kind)},{L.target_column_name('result')},{string(result)})={count}")
    return f"AND({','.join(tests)})"


def input_ref(kind: str, key: str) -> str:
    """The defined name of an input: ("fact", "carryover") -> XP_F_carryover, ("entry", code) -> its 填报值."""
    return L.fact_name(key) if kind == "fact" else L.indicator_name(key, "VALUE")


def fresh(inputs: dict[str, Decimal | str | None]) -> str:
    """True while each input cell (by defined name) still holds the value it had when the sentence was written."""
    tests = []
    for ref, value in inputs.items():
        if value is None:
            tests.append(f"LEN({ref})=0")
        elif isinstance(value, Decimal):
            tests.append(f"AND(ISNUMBER({ref}),N({ref})={number(value)})")
        else:
            tests.append(f"AND(ISTEXT({ref}),EXACT({ref},{string(value)}))")
    return f"AND({','.join(tests)})" if tests else "TRUE"
