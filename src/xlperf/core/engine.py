"""The scoring engine: one department-year and one framework in, a Scorecard out. Pure.

`score_indicator` is the one function that computes a score; the UDFs, the CLI, the checks and the
report all call it (through `score_year`). An indicator whose inputs are unusable gets no score
and carries the InputError, located at the cell to fix; the rest are still scored.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ._record import field, record
from ._rounding import ShownRate, excel_round, format_amount, format_limit, format_number
from .errors import InputError, Location, XlperfError, at
from .frameworks import Framework, Indicator
from .methods import ZERO, Detail, Outcome
from .model import DepartmentYear, Target
from .values import parse_choice, parse_count

__all__ = ["IndicatorResult", "Scorecard", "CategoryScore", "score_indicator", "score_year", "IndicatorContext"]


class IndicatorContext:
    """The department's inputs as one method sees them; every refusal names the cell."""

    def __init__(self, framework: Framework, year: DepartmentYear, indicator: Indicator) -> None:
        self.framework, self.year, self.indicator = framework, year, indicator

    def number(self, key: str) -> Decimal:
        fact = self.framework.fact(key)
        value = self.year.facts.get(key)
        if f"facts.{key}" in self.year.unreadable:
            raise self.year.unreadable[f"facts.{key}"]
        if value is None:
            raise InputError(f"“{fact.label}”未填写，无法计算“{self.indicator.name}”",
                             location=self.year.where(f"facts.{key}"), fix="请填写该数据项")
        return value

    def fact_label(self, key: str) -> str:
        return self.framework.fact(key).name

    def fact_text(self, key: str) -> str:
        return fact_text(self.framework, self.year, key)

    def fact_number(self, key: str) -> str:
        return fact_number(self.framework, self.number(key), key)

    def _unreadable_entry(self) -> None:
        problem = self.year.unreadable.get(f"indicators.{self.indicator.code}.value")
        if problem is not None:
            raise problem

    def entry_choice(self, choices: tuple[str, ...]) -> str:
        self._unreadable_entry()
        raw = self.year.entry(self.indicator.code).value
        with at(self._entry_location()):
            answer = parse_choice(raw, choices)
        if answer is None:
            raise self._blank_entry("请从下拉列表中选择")
        return answer

    def entry_count(self) -> Decimal:
        self._unreadable_entry()
        raw = self.year.entry(self.indicator.code).value
        with at(self._entry_location()):
            count = parse_count(raw)
        if count is None:
            raise self._blank_entry("请填写数字，没有则填 0")
        return count

    def targets(self, kind: str) -> list[Target]:
        # a target row that could not be read might be of this kind: never score on part of the table
        bad = next((e for k, e in self.year.unreadable.items() if k.startswith("targets")), None)
        if bad is not None:
            raise bad
        return self.year.targets_of(kind)

    def targets_error(self, message: str, target: Target | None = None, fix: str = "") -> InputError:
        where = target.location if target and target.location else self.year.where("targets")
        return InputError(message, location=where, fix=fix)

    def fact_error(self, key: str, message: str, fix: str = "") -> InputError:
        return InputError(message, location=self.year.where(f"facts.{key}"), fix=fix)

    def _entry_location(self) -> Location:
        return self.year.where(f"indicators.{self.indicator.code}.value") or Location(
            path=f"indicators.{self.indicator.code}.value")

    def _blank_entry(self, fix: str) -> InputError:
        return InputError(f"“{self.indicator.name}”的填报值为空", location=self._entry_location(), fix=fix)


def fact_number(framework: Framework, value: Decimal, key: str) -> str:
    """A fact's number as the report writes it: 万元 keep their decimals ("315.60"), others drop zeros."""
    fact = framework.fact(key)
    return format_amount(value, fact.digits) if fact.unit == "万元" else format_number(value, fact.digits)


def fact_text(framework: Framework, year: DepartmentYear, key: str) -> str:
    """A fact with its unit, as the report writes it: "315.60 万元", "18000 元"."""
    value = year.facts.get(key)
    if value is None:
        return "（未填）"
    return f"{fact_number(framework, value, key)} {framework.fact(key).unit}".strip()


@record
class IndicatorResult:
    """One scored row of the 评分表."""

    indicator: Indicator
    name: str  # the framework's name, or the department's for an editable one
    score: Decimal | None  # None when the inputs are unusable (see error)
    sentence: str  # the rule applied, e.g. "结转结余率为 0.27%，≤10%，得 2 分。"
    rate: Decimal | None = None
    shown: ShownRate | None = None  # the rate as the sentence shows it; thresholds are judged on it
    not_applicable: bool = False
    counted: bool = True  # False for an indicator dropped under the "rescale" policy
    error: XlperfError | None = None
    reason: str = ""  # the department's 扣分原因 / 情况说明
    detail: Detail = field(default_factory=Detail)  # the decision as data (the report words it itself)

    @property
    def code(self) -> str:
        return self.indicator.code

    @property
    def points(self) -> Decimal:
        return self.indicator.points

    @property
    def rate_text(self) -> str:
        return "" if self.shown is None else self.shown.text

    @property
    def deduction(self) -> Decimal | None:
        if self.score is None:
            return None
        return ZERO if self.not_applicable else self.points - self.score

    @property
    def score_text(self) -> str:
        return "" if self.score is None else format_number(self.score)


#: What the 评分表 shows instead of a total, or of a 一级指标 subtotal, while some indicators are unscored
#: (the UDFs, the native formulas of the .xlsx edition and the cached values all use these)
UNSCORED_TOTAL = "有 {count} 项指标无法计分"
#: What a score cell of the .xlsx edition (native formulas) shows where its formula does not score
UNSCORED_CELL = "无法计分"
UNSCORED_CATEGORY = "有 {count} 项无法计分"


@record
class CategoryScore:
    name: str
    points: Decimal
    score: Decimal  # the sum of the scored indicators (partial while some are unscored)
    unscored: int = 0  # indicators of this category that could not be scored

    @property
    def share(self) -> Decimal:
        return self.score / self.points if self.points else ZERO

    @property
    def shown(self) -> Decimal | str:
        """The subtotal as the 评分表 shows it: never a partial sum presented as a score."""
        return UNSCORED_CATEGORY.format(count=self.unscored) if self.unscored else self.score


@record
class Scorecard:
    """The scored 评分表 of one department-year."""

    framework: Framework
    year: DepartmentYear
    results: tuple[IndicatorResult, ...]
    total: Decimal  # Σ scores (rescaled/capped as the framework says), 2 decimals
    grade: str
    categories: tuple[CategoryScore, ...] = field(default=())
    execution_rate: Decimal | None = None
    notes: tuple[str, ...] = ()  # how the total was adjusted (rescale, cap), in Chinese

    @property
    def complete(self) -> bool:
        return all(r.error is None for r in self.results)

    @property
    def errors(self) -> list[XlperfError]:
        return [r.error for r in self.results if r.error is not None]

    def result(self, code_or_name: str) -> IndicatorResult:
        indicator = self.framework.indicator(code_or_name)
        return next(r for r in self.results if r.indicator is indicator)

    @property
    def execution_shown(self) -> ShownRate | None:
        """执行率 as every message and sentence shows it (RATE_DIGITS decimals), and as every threshold on
        it (total_caps, E103, W301, R01) judges it."""
        return None if self.execution_rate is None else ShownRate.of(self.execution_rate)

    @property
    def total_shown(self) -> Decimal | str:
        """The total as the 评分表 shows it: the number once every indicator is scored, else how many are not."""
        return self.total if self.complete else UNSCORED_TOTAL.format(count=len(self.errors))

    @property
    def total_text(self) -> str:
        return format_number(self.total)

    def to_dict(self) -> dict[str, Any]:
        """The scorecard as JSON-ready data (what `xlperf score --json` prints)."""
        sheet = self.year.sheet
        return {
            "framework": self.framework.id,
            "department": self.year.department,
            "year": self.year.year,
            # a partial sum is not a total: null until every indicator can be scored
            "total": _json_number(self.total) if self.complete else None,
            "grade": self.grade if self.complete else None,
            "complete": self.complete,
            # like the total, a subtotal is null while an indicator of its category is unscored
            "categories": [{"name": c.name, "weight": _json_number(c.points),
                            "score": None if c.unscored else _json_number(c.score), "unscored": c.unscored}
                           for c in self.categories],
            "indicators": [{"code": r.code, "name": r.name, "category": r.indicator.category,
                            "weight": _json_number(r.points), "score": _json_number(r.score), "rule": r.sentence,
                            "sheet_score": _shown(sheet.scores.get(r.code)) if sheet else None}
                           for r in self.results],
            # what the workbook's own 评分表 shows (null for the JSON form); check W601 compares
            "sheet_total": _shown(sheet.total) if sheet else None,
        }


def _shown(value: Decimal | str | None) -> int | float | str | None:
    """A score cell's value as JSON: a number, or the text it shows ("#NAME?")."""
    return value if value is None or isinstance(value, str) else _json_number(value)


def _json_number(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def score_indicator(framework: Framework, year: DepartmentYear, indicator: Indicator) -> IndicatorResult:
    """Score one indicator; unusable inputs give a result with `error` set and no score."""
    entry = year.entry(indicator.code)
    name = entry.name.strip() if indicator.name_editable and entry.name.strip() else indicator.name
    method = indicator.method_info
    try:
        outcome: Outcome = method.fn(indicator.points, IndicatorContext(framework, year, indicator), indicator.params)
    except XlperfError as exc:
        return IndicatorResult(indicator, name, None, str(exc), error=exc, reason=entry.reason)
    digits = framework.scoring.score_digits
    score = excel_round(min(max(outcome.score, ZERO), indicator.points), digits)
    if outcome.not_applicable:
        counted = framework.scoring.not_applicable == "full"
        tail = "按不适用处理，得满分。" if counted else "本指标不适用，不计入总分。"
        return IndicatorResult(indicator, name, excel_round(indicator.points if counted else ZERO, digits),
                               f"{outcome.sentence}，{tail}", not_applicable=True, counted=counted,
                               reason=entry.reason, detail=outcome.detail)
    sentence = outcome.sentence.replace("{score}", format_number(score, digits))
    return IndicatorResult(indicator, name, score, sentence, outcome.rate, outcome.shown, reason=entry.reason,
                           detail=outcome.detail)


def fact_ratio(year: DepartmentYear, numerator: str, denominator: str) -> Decimal | None:
    """One fact over another (决算数 / 预算数), or None when either is blank or the denominator is 0:
    the one division behind the 执行率 and the report's 完成率."""
    top, bottom = year.facts.get(numerator), year.facts.get(denominator)
    if top is None or not bottom:
        return None
    return top / bottom


def execution_rate(framework: Framework, year: DepartmentYear) -> Decimal | None:
    """执行率 as the framework defines it (支出决算数 / 支出预算数), or None when not computable."""
    spec = framework.scoring.execution_rate
    return None if spec is None else fact_ratio(year, spec.numerator, spec.denominator)


def score_year(framework: Framework, year: DepartmentYear) -> Scorecard:
    """Score every indicator, then the category subtotals, the total and the grade."""
    results = tuple(score_indicator(framework, year, ind) for ind in framework.indicators)
    digits = framework.scoring.score_digits
    counted = [r for r in results if r.counted and r.score is not None]
    raw_total = sum((r.score for r in counted if r.score is not None), ZERO)
    notes: list[str] = []
    dropped = [r for r in results if not r.counted]
    if dropped:
        base = framework.scoring.total_points - sum((r.points for r in dropped), ZERO)
        raw_total = raw_total * framework.scoring.total_points / base if base else ZERO
        names = "、".join(r.name for r in dropped)
        notes.append(f"{names}不适用，其余指标得分按 {format_number(framework.scoring.total_points)} 分折算。")
    rate = execution_rate(framework, year)
    shown = None if rate is None else ShownRate.of(rate)  # as Scorecard.execution_shown
    # caps are sorted from the highest threshold down: the last one that applies is the tightest
    applying = [c for c in framework.scoring.total_caps if shown is not None and shown.below(c.below)]
    if applying and shown is not None and raw_total > applying[-1].cap:
        cap = applying[-1]
        raw_total = cap.cap
        notes.append(f"执行率 {shown} 低于 {format_limit(cap.below)}，总分不超过 {format_number(cap.cap)} 分。")
    total = excel_round(raw_total, digits)
    # per 一级指标: the points counted, the scores (in the order of the indicators) and the unscored, in one pass
    sums: dict[str, list[Any]] = {c.name: [ZERO, ZERO, 0] for c in framework.categories}
    for r in results:
        found = sums.get(r.indicator.category)
        if found is None:
            continue
        if r.counted:
            found[0] += r.points
        if r.score is not None:
            found[1] += r.score
        else:
            found[2] += 1
    categories = tuple(CategoryScore(c.name, *sums[c.name]) for c in framework.categories)
    return Scorecard(framework, year, results, total, framework.grade(total), categories, rate, tuple(notes))
