"""Scoring methods: pure functions registered by name, each with a frozen parameter class.

A framework row names a method and gives its parameters; a new district or year is a new file.
Methods get the indicator's 分值 and a `Context` (the department's inputs), and return an
`Outcome`: the unrounded score and the rule applied as a Chinese sentence whose `{score}` the
engine fills after rounding. They never round, do I/O, or know about cells.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Literal, Protocol, TypeVar

from ._record import field, record
from ._rounding import ShownRate, format_limit, format_number
from .errors import FrameworkError, InputError
from .model import QUALITATIVE_RESULTS, TARGET_KINDS, Target

ONE = Decimal(1)
ZERO = Decimal(0)


class Context(Protocol):
    """What a method may ask of the department-year it scores (see engine.IndicatorContext)."""

    def number(self, key: str) -> Decimal: ...
    def fact_label(self, key: str) -> str: ...
    def fact_text(self, key: str) -> str: ...
    def fact_number(self, key: str) -> str: ...
    def entry_choice(self, choices: tuple[str, ...]) -> str: ...
    def entry_count(self) -> Decimal: ...
    def targets(self, kind: str) -> list[Target]: ...
    def targets_error(self, message: str, target: Target | None = None, fix: str = "") -> InputError: ...
    def fact_error(self, key: str, message: str, fix: str = "") -> InputError: ...


@record
class Detail:
    """The decision behind an outcome as data, for wordings other than the sentence (the report's
    narrative words it itself, from these, the rule's parameters and the inputs, never re-deciding)."""

    limit: Decimal | None = None  # the threshold or cap the shown rate was judged against
    relation: str = ""  # how the shown rate stands to `limit`: "≤" "≥" "<" ">" (threshold), "cap" "above" (ratio)
    linear: bool = False  # threshold: scored by rate/limit below the first step
    share: Decimal | None = None  # the share of 分值 earned (threshold step, choice answer)
    answer: str = ""  # choice: the 填报值 as read
    count: Decimal | None = None  # deduction_per_item: the items found
    targets: int = 0  # target_completion: how many targets were weighed …
    missed: tuple[tuple[str, ShownRate], ...] = ()  # … and those not fully done, with their completion


@record
class Outcome:
    """What a method found: unrounded score, the sentence (with `{score}`), the rate it used and that
    rate as the sentence shows it (what thresholds are judged on), and the decision as data."""

    score: Decimal
    sentence: str
    rate: Decimal | None = None
    shown: ShownRate | None = None
    not_applicable: bool = False
    detail: Detail = field(default_factory=Detail)

    @property
    def rate_text(self) -> str:
        return "" if self.shown is None else self.shown.text


P = TypeVar("P")
MethodFn = Callable[[Decimal, Context, P], Outcome]


@record
class Method:
    name: str
    fn: Callable[[Decimal, Context, object], Outcome]
    params: type
    entry: Literal["choice", "count", "none"]  # what the 评分表 row's 填报值 cell holds
    summary: str  # one line for docs and `xlperf frameworks`


METHODS: dict[str, Method] = {}


def method(name: str, *, params: type[P], entry: Literal["choice", "count", "none"] = "none",
           summary: str) -> Callable[[MethodFn[P]], MethodFn[P]]:
    """Register a scoring method under `name` (the `method = "…"` of a framework row)."""

    def register(fn: MethodFn[P]) -> MethodFn[P]:
        METHODS[name] = Method(name, fn, params, entry, summary)  # type: ignore[arg-type]
        return fn

    return register


def _check_share(value: Decimal, what: str) -> None:
    if not ZERO <= value <= ONE:
        raise FrameworkError(f"{what}应在 0 到 1 之间（得分占分值的比例），收到 {value}")


# --- rates --------------------------------------------------------------------------------------


@record
class RateParams:
    numerator: str  # fact key
    denominator: str  # fact key
    relative: bool = False  # rate = (numerator − denominator) / denominator, e.g. 公用经费控制率
    label: str = "比率"
    display_digits: int = 2  # decimals of the percentage shown: 2 -> 96.22%, 0 -> 65%

    def facts(self) -> tuple[str, ...]:
        return (self.numerator, self.denominator)


def _rate(ctx: Context, p: RateParams) -> Decimal:
    numerator, denominator = ctx.number(p.numerator), ctx.number(p.denominator)
    if denominator == 0:
        raise ctx.fact_error(p.denominator, f"“{ctx.fact_label(p.denominator)}”为 0，无法计算{p.label}",
                             fix="请填写大于 0 的数")
    if denominator < 0:
        raise ctx.fact_error(p.denominator, f"“{ctx.fact_label(p.denominator)}”为负数，无法计算{p.label}")
    if p.relative:
        return (numerator - denominator) / denominator
    return numerator / denominator


# --- ratio: 分值 × rate ---------------------------------------------------------------------------


@record
class RatioParams(RateParams):
    cap: Decimal = ONE  # the rate counts at most this much
    when_zero: Literal["error", "not_applicable"] = "error"  # a zero denominator: refuse, or 不适用
    zero_text: str = ""  # what a zero denominator means, e.g. "本年无新增预算入库项目"

    def check(self) -> None:
        if not ZERO < self.cap <= ONE:
            raise FrameworkError(f"cap 应大于 0 且不超过 1（比率最多按 100% 计），收到 {self.cap}")
        if self.relative:
            raise FrameworkError("ratio 方法不支持 relative = true，请用 threshold 方法")


@method("ratio", params=RatioParams,
        summary="得分 = 分值 × 比率（比率不超过上限）；分母为 0 时可按不适用处理")
def ratio(points: Decimal, ctx: Context, p: RatioParams) -> Outcome:
    numerator, denominator = ctx.number(p.numerator), ctx.number(p.denominator)
    if denominator == 0 and p.when_zero == "not_applicable":
        if numerator > 0:
            raise ctx.fact_error(p.numerator, f"“{ctx.fact_label(p.denominator)}”为 0，但“{ctx.fact_label(p.numerator)}”为 "
                                 f"{ctx.fact_number(p.numerator)}，两者矛盾", fix="请核对这两个数")
        why = p.zero_text or f"{ctx.fact_label(p.denominator)}为 0"
        return Outcome(points, why, not_applicable=True)
    rate = _rate(ctx, p)
    # the cap is judged on the rate as shown: "100%" is never scored as below a 100% cap
    shown = ShownRate.of(rate, p.display_digits)
    formula = f"{p.label} = {ctx.fact_number(p.numerator)}/{ctx.fact_number(p.denominator)} = {shown}"
    if shown.at_least(p.cap):
        cap = format_limit(p.cap)
        capped = f"，超过 {cap} 按 {cap} 计" if shown.above(p.cap) else ""
        return Outcome(points * p.cap, f"{formula}{capped}，得 {{score}} 分。", rate, shown,
                       detail=Detail(p.cap, "above" if shown.above(p.cap) else "cap"))
    if shown.below(ZERO):
        raise ctx.fact_error(p.numerator, f"{p.label}为负数（{shown}），无法评分")
    return Outcome(points * rate, f"{formula}，{format_number(points)} 分 × {shown} = {{score}} 分。", rate, shown,
                   detail=Detail(p.cap, "<"))


# --- threshold: steps on a rate -------------------------------------------------------------------


@record
class Step:
    limit: Decimal  # a rate, 0.10 for 10%
    share: Decimal  # share of 分值 earned when the rate is within this limit


@record
class ThresholdParams(RateParams):
    better: Literal["lower", "higher"] = "lower"
    steps: tuple[Step, ...] = ()
    otherwise: Decimal = ZERO  # share beyond the last step
    linear_below: bool = False  # for better = "higher": below the first limit, share = rate / limit

    def check(self) -> None:
        if not self.steps:
            raise FrameworkError("steps 至少要有一档")
        for i, step in enumerate(self.steps):
            _check_share(step.share, f"steps[{i}].share ")
            if not -ONE <= step.limit <= Decimal(10):
                raise FrameworkError(f"steps[{i}].limit 是比率（如 0.1 表示 10%），收到 {step.limit}")
        _check_share(self.otherwise, "otherwise ")
        limits = [s.limit for s in self.steps]
        shares = [s.share for s in self.steps]
        ascending = self.better == "lower"
        ordered = all((a < b) if ascending else (a > b) for a, b in zip(limits, limits[1:]))
        if not ordered:
            order = "从小到大" if ascending else "从大到小"
            raise FrameworkError(f"阈值顺序错误：better = “{self.better}”时各档 limit 应{order}排列，"
                                 f"收到 {', '.join(str(x) for x in limits)}")
        if any(a <= b for a, b in zip(shares, shares[1:])) or shares[-1] <= self.otherwise:
            raise FrameworkError("各档 share 应逐档递减，且大于 otherwise")
        if self.linear_below and (self.better != "higher" or len(self.steps) != 1 or self.steps[0].limit <= 0
                                  or self.steps[0].share != ONE):
            raise FrameworkError("linear_below 只用于 better = “higher”、只有一档、limit 大于 0 且 share = 1 的规则")


@method("threshold", params=ThresholdParams,
        summary="比率在阈值内得满分，超出按档次或线性递减（结转结余率、固定资产利用率、公用经费控制率）")
def threshold(points: Decimal, ctx: Context, p: ThresholdParams) -> Outcome:
    rate = _rate(ctx, p)
    # judged on the rate as the sentence shows it, so that "10%，≤10%" never scores as above 10%
    shown = ShownRate.of(rate, p.display_digits)

    def within(limit: Decimal) -> bool:
        return shown.at_most(limit) if p.better == "lower" else shown.at_least(limit)

    sign_in, sign_out = ("≤", ">") if p.better == "lower" else ("≥", "<")
    for step in p.steps:
        if within(step.limit):
            return Outcome(points * step.share, f"{p.label}为 {shown}，{sign_in}{format_limit(step.limit)}，"
                           "得 {score} 分。", rate, shown, detail=Detail(step.limit, sign_in, share=step.share))
    last = format_limit(p.steps[-1].limit)
    if p.linear_below:
        share = max(rate, ZERO) / p.steps[0].limit
        return Outcome(points * share, f"{p.label}为 {shown}，{sign_out}{last}，按 {format_number(points)} 分 × "
                       f"{shown}/{last} 计，得 {{score}} 分。", rate, shown,
                       detail=Detail(p.steps[0].limit, sign_out, linear=True))
    return Outcome(points * p.otherwise, f"{p.label}为 {shown}，{sign_out}{last}，得 {{score}} 分。", rate, shown,
                   detail=Detail(p.steps[-1].limit, sign_out, share=p.otherwise))


# --- within_budget: actual against budget ---------------------------------------------------------


@record
class WithinBudgetParams:
    actual: str
    budget: str
    label: str = ""
    over_share: Decimal = ZERO  # share of 分值 when actual exceeds budget

    def check(self) -> None:
        _check_share(self.over_share, "over_share ")

    def facts(self) -> tuple[str, ...]:
        return (self.actual, self.budget)


@method("within_budget", params=WithinBudgetParams, summary="实际数不超过预算数得满分，超过按 over_share 计")
def within_budget(points: Decimal, ctx: Context, p: WithinBudgetParams) -> Outcome:
    # compare the amounts as written in the sentence (to the fact's decimals)
    actual, budget = Decimal(ctx.fact_number(p.actual)), Decimal(ctx.fact_number(p.budget))
    said = f"{p.label}实际支出数 {ctx.fact_text(p.actual)}"
    if actual < budget:
        return Outcome(points, f"{said}＜预算安排数 {ctx.fact_text(p.budget)}，得满分。", detail=Detail(relation="<"))
    if actual == budget:
        return Outcome(points, f"{said}＝预算安排数 {ctx.fact_text(p.budget)}，得满分。", detail=Detail(relation="="))
    return Outcome(points * p.over_share, f"{said}＞预算安排数 {ctx.fact_text(p.budget)}，得 {{score}} 分。",
                   detail=Detail(relation=">", share=p.over_share))


# --- deduction_per_item: −x per problem found -----------------------------------------------------


@record
class DeductionParams:
    per_item: Decimal  # points deducted per item found
    item_label: str = "发现问题"
    unit: str = "个"

    def check(self) -> None:
        if self.per_item <= 0:
            raise FrameworkError(f"per_item 应大于 0，收到 {self.per_item}")


@method("deduction_per_item", params=DeductionParams, entry="count",
        summary="无问题得满分；每发现一个问题扣 per_item 分，扣完为止")
def deduction_per_item(points: Decimal, ctx: Context, p: DeductionParams) -> Outcome:
    count = ctx.entry_count()
    if count == 0:
        return Outcome(points, f"{p.item_label}数为 0，得满分。", detail=Detail(count=count))
    return Outcome(max(points - count * p.per_item, ZERO),
                   f"{p.item_label} {format_number(count, 0)} {p.unit}，每{p.unit}扣 {format_number(p.per_item)} 分，"
                   "得 {score} 分。", detail=Detail(count=count))


# --- choice: a judgement such as 是/部分/否 -------------------------------------------------------


def _default_choices() -> Mapping[str, Decimal]:
    return MappingProxyType({"是": ONE, "部分": Decimal("0.5"), "否": ZERO})


@record
class ChoiceParams:
    choices: Mapping[str, Decimal] = field(default_factory=_default_choices)  # answer -> share of 分值
    not_applicable: str = ""  # an extra answer meaning 不适用, e.g. "不适用"; "" when not allowed

    def check(self) -> None:
        if not self.choices:
            raise FrameworkError("choices 至少要有一个选项")
        for answer, share in self.choices.items():
            _check_share(share, f"choices.{answer} ")
        if self.not_applicable in self.choices:
            raise FrameworkError(f"not_applicable 的选项“{self.not_applicable}”与 choices 重复")

    def answers(self) -> tuple[str, ...]:
        return tuple(self.choices) + ((self.not_applicable,) if self.not_applicable else ())


@method("choice", params=ChoiceParams, entry="choice",
        summary="按填报的判断（如 是/部分/否）得分值的相应比例")
def choice(points: Decimal, ctx: Context, p: ChoiceParams) -> Outcome:
    answer = ctx.entry_choice(p.answers())
    if answer == p.not_applicable:
        return Outcome(points, f"填报为“{answer}”", not_applicable=True, detail=Detail(answer=answer))
    share = p.choices[answer]
    detail = Detail(share=share, answer=answer)
    if share == ONE:
        return Outcome(points, f"自评结论为“{answer}”，得满分。", detail=detail)
    return Outcome(points * share, f"自评结论为“{answer}”，得 {{score}} 分。", detail=detail)


# --- target_completion: the department's 绩效目标 --------------------------------------------------


def _default_qualitative() -> Mapping[str, Decimal]:
    return MappingProxyType(dict(zip(QUALITATIVE_RESULTS, (ONE, Decimal("0.5"), ZERO))))


@record
class TargetParams:
    kind: str  # 产出 | 效益
    qualitative: Mapping[str, Decimal] = field(default_factory=_default_qualitative)
    equal_miss: Decimal = ZERO  # completion of an "=" target that is not met
    overachievement_at: Decimal | None = None  # e.g. 1.3: 实际/目标 ≥ 130% signals a target set too low
    overachievement_share: Decimal = ZERO  # completion taken off such a target

    def check(self) -> None:
        if self.kind not in TARGET_KINDS:
            raise FrameworkError(f"kind 应为 {'、'.join(TARGET_KINDS)} 之一，收到“{self.kind}”")
        unknown = sorted(set(self.qualitative) - set(QUALITATIVE_RESULTS))
        if unknown or set(self.qualitative) != set(QUALITATIVE_RESULTS):
            raise FrameworkError(f"qualitative 应恰好列出 {'、'.join(QUALITATIVE_RESULTS)}，收到 {'、'.join(self.qualitative)}")
        _check_share(self.equal_miss, "equal_miss ")
        _check_share(self.overachievement_share, "overachievement_share ")
        for result, share in self.qualitative.items():
            _check_share(share, f"qualitative.{result} ")
        if self.overachievement_at is not None and self.overachievement_at <= 1:
            raise FrameworkError("overachievement_at 应大于 1（如 1.3 表示超过目标 30%）")


def completion(target: Target, p: TargetParams) -> Decimal:
    """Completion of one target in [0, 1]: 正向 实际/目标, 反向 目标/实际, = met or not, 定性 by result."""
    if target.direction == "定性":
        return p.qualitative[target.result]
    assert target.target is not None and target.actual is not None  # checked by _completions
    goal, actual = target.target, target.actual
    if target.direction == "=":
        return ONE if actual == goal else p.equal_miss
    if target.direction == "≥":
        raw = ONE if goal <= 0 else actual / goal
    else:  # ≤ : reaching the ceiling or staying under it is full completion
        raw = ONE if actual <= goal else (goal / actual if actual > 0 else ONE)
    value = min(max(raw, ZERO), ONE)
    if p.overachievement_at is not None and target.direction == "≥" and raw >= p.overachievement_at:
        value -= p.overachievement_share
    return max(value, ZERO)


def _completions(ctx: Context, p: TargetParams) -> list[tuple[Target, Decimal, Decimal]]:
    targets = ctx.targets(p.kind)
    if not targets:
        raise ctx.targets_error(f"“绩效目标”表中没有“{p.kind}”类目标，无法计算完成情况",
                                fix=f"请至少填写一项{p.kind}指标")
    weighted = [t for t in targets if t.weight is not None]
    if weighted and len(weighted) != len(targets):
        blank = next(t for t in targets if t.weight is None)
        raise ctx.targets_error(f"{p.kind}指标有的填了权重、有的没填（“{blank.name}”未填）", blank,
                                fix="请全部填写权重，或全部留空（留空为等权）")
    rows = []
    for t in targets:
        if t.direction == "定性":
            if t.result not in p.qualitative:
                allowed = "、".join(p.qualitative)
                raise ctx.targets_error(f"定性指标“{t.name}”的完成情况应为 {allowed} 之一", t)
        elif t.target is None or t.actual is None:
            missing = "目标值" if t.target is None else "实际值"
            raise ctx.targets_error(f"指标“{t.name}”未填{missing}", t)
        elif t.target < 0 or t.actual < 0:
            raise ctx.targets_error(f"指标“{t.name}”的目标值或实际值为负数", t)
        weight = t.weight if t.weight is not None else ONE
        if weight < 0:
            raise ctx.targets_error(f"指标“{t.name}”的权重为负数", t)
        rows.append((t, weight, completion(t, p)))
    if sum((w for _, w, _ in rows), ZERO) == 0:
        raise ctx.targets_error(f"{p.kind}指标的权重合计为 0")
    return rows


@method("target_completion", params=TargetParams,
        summary="分值 × 各项绩效目标完成率的（加权）平均；正向 实际/目标，反向 目标/实际，定性按达成程度")
def target_completion(points: Decimal, ctx: Context, p: TargetParams) -> Outcome:
    rows = _completions(ctx, p)
    total_weight = sum((w for _, w, _ in rows), ZERO)
    rate = sum((w * c for _, w, c in rows), ZERO) / total_weight
    shown = ShownRate.of(rate)
    # a target whose completion shows as 100% is done: never "未完全完成 …（完成 100%）"
    missed = [(t, done) for t, _, c in rows if (done := ShownRate.of(c)).below(ONE)]
    detail = Detail(targets=len(rows), missed=tuple((t.name, done) for t, done in missed))
    if not missed:
        return Outcome(points, f"{p.kind}指标共 {len(rows)} 项，全部完成，得满分。", rate, shown, detail=detail)
    listed = "；".join(f"“{t.name}”完成 {done}" for t, done in missed)
    return Outcome(points * rate, f"{p.kind}指标共 {len(rows)} 项，平均完成率 {shown}，其中未完全完成 {len(missed)} 项"
                   f"（{listed}），{format_number(points)} 分 × {shown} = {{score}} 分。", rate, shown, detail=detail)
