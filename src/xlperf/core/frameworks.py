"""Indicator frameworks: the rules of one locality and year, loaded from a TOML file.

A framework lists the data items the department fills (facts), the categories (一级指标), the
indicators with their 分值 and scoring method, the grade bands and the explanation rules.
`load_framework` refuses a bad file with a Chinese message that names the place in the file.
The file format is documented in docs/frameworks.md.
"""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from . import _fwcache, _params
from ._readfile import read_limited
from ._record import field, record, replace
from .errors import FrameworkError, Location
from .methods import METHODS, Method

MAX_FRAMEWORK_BYTES = 1024 * 1024
_CODE = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,15}")
_KEY = re.compile(r"[a-z][a-z0-9_]{0,39}")
SOURCES = ("seed", "default", "seed+default")


@record
class Fact:
    """A number the department fills once and rules refer to (支出预算数, 三公经费决算数 …)."""

    key: str
    name: str
    unit: str  # 万元 | 元 | 个 | …
    group: str = "收支情况"
    help: str = ""
    required: bool = True
    digits: int = 2  # decimals shown; amounts in 万元 keep them ("315.60"), others drop zeros

    @property
    def label(self) -> str:
        return f"{self.name}（{self.unit}）" if self.unit else self.name


@record
class Category:
    name: str


@record
class Indicator:
    code: str
    name: str
    category: str
    points: Decimal
    method: str
    params: Any
    explanation: str = ""  # 指标解释
    criteria: str = ""  # 评分标准, in words, shown in the workbook and the report
    source: str = "default"  # seed | default | seed+default: where the rule comes from
    source_note: str = ""
    name_editable: bool = False  # the department enters the name (the seed's unnamed indicator)

    @property
    def method_info(self) -> Method:
        return METHODS[self.method]

    def facts(self) -> tuple[str, ...]:
        facts = getattr(self.params, "facts", None)
        return tuple(facts()) if callable(facts) else ()

    def choices(self) -> tuple[str, ...]:
        answers = getattr(self.params, "answers", None)
        return tuple(answers()) if callable(answers) else ()


@record
class Grade:
    name: str
    min: Decimal


@record
class RateSpec:
    numerator: str
    denominator: str


@record
class TotalCap:
    below: Decimal  # when the execution rate is below this …
    cap: Decimal  # … the total is at most this


@record
class Scoring:
    total_points: Decimal = Decimal(100)
    execution_rate: RateSpec | None = None  # 执行率, used by caps and checks
    not_applicable: Literal["full", "rescale"] = "full"  # 不适用: full marks, or drop and rescale to 100
    total_caps: tuple[TotalCap, ...] = ()
    score_digits: int = 2


#: Characters that count as a space in a 扣分原因 (full-width and no-break spaces turn into " ", as TRIM
#: knows only " "); see Explanations.is_blank_reason, the one definition of an empty reason.
REASON_SPACES = ("\u3000", "\u00a0")
#: Endings a placeholder may carry: "无。" and "无." say no more than "无".
PLACEHOLDER_ENDINGS = ("", "。", ".")


@record
class Explanations:
    reason_max_chars: int = 200
    blank_reasons: tuple[str, ...] = ("无", "没有", "暂无", "/", "-", "—", "空")
    execution_rate_below: Decimal = Decimal("0.9")  # below this 执行率 an explanation is required
    execution_reason_indicator: str = ""  # whose 扣分原因 cell holds that explanation

    # The rule "a reason that says nothing", defined once. It is written as the steps Excel's own text
    # functions take, so that the workbook's red shading (workbook.build, an Excel formula generated from
    # these same steps and words), the checks (E101, E103), the review (R02) and the report's narrative
    # all agree on every text:  CLEAN (drop control characters) -> spaces made plain -> TRIM (strip, and
    # fold runs of spaces) -> empty, or exactly one of the placeholders.

    @property
    def placeholders(self) -> tuple[str, ...]:
        """Every text that counts as no reason: each of blank_reasons with each of PLACEHOLDER_ENDINGS."""
        return tuple(dict.fromkeys(word + end for word in self.blank_reasons for end in PLACEHOLDER_ENDINGS))

    def is_blank_reason(self, text: str) -> bool:
        """True for a 扣分原因／情况说明 that says nothing: empty, spaces, or a placeholder such as “无。”."""
        cleaned = "".join(ch for ch in text if ord(ch) >= 32)  # Excel's CLEAN
        for space in REASON_SPACES:
            cleaned = cleaned.replace(space, " ")
        trimmed = " ".join(part for part in cleaned.split(" ") if part)  # Excel's TRIM
        return trimmed == "" or trimmed in self.placeholders


@record
class SumRule:
    """total = Σ parts must hold, within tolerance (基本支出 + 项目支出 = 整体支出)."""

    total: str
    parts: tuple[str, ...]
    tolerance: Decimal = Decimal("0.01")


@record
class BudgetPair:
    """An actual figure that should not exceed its budget (决算数 ≤ 预算数)."""

    actual: str
    budget: str


@record
class CheckRules:
    sums: tuple[SumRule, ...] = ()
    not_above: tuple[BudgetPair, ...] = ()
    #: warn when target completion exceeds the execution rate by more than this (0.05 = 5 points)
    completion_above_execution: Decimal | None = Decimal("0.05")
    #: texts the report cannot do without (keys of model.TEXT_FIELDS)
    required_texts: tuple[str, ...] = ("overview", "key_tasks", "problems", "measures")
    #: W206: an amount in 元 above 0 but below this looks typed in 万元 (0 turns this off) …
    yuan_below: Decimal = Decimal(100)
    #: … and one in 万元 at or above this looks typed in 元 (100 亿元 by default)
    wanyuan_at_least: Decimal = Decimal(1000000)
    #: W302: in a 绩效目标 row whose unit is %, a value ≤ 1 beside one > 1 that is about 100 times it
    #: (within this factor: 0.95 beside 95, not 0.5 beside 2) looks typed as a fraction
    percent_scale_factor: Decimal = Decimal(2)
    #: W303: the texts whose numbers are compared with the 绩效目标 (keys of model.TEXT_FIELDS; the
    #: projects' 产出/效益/满意度 texts are always compared) …
    consistency_texts: tuple[str, ...] = ("overview", "goals", "annual_work", "key_tasks", "performance_goals",
                                          "budget_outcomes", "management", "conclusion", "achievements", "problems", "measures")
    #: … and how many linking characters (达、为、共 …) may stand between a target's name and its number
    mention_gap: int = 2


@record
class FinanceLine:
    """One budget/actual pair of the report's 收支规模 sentence ("财政拨款收入预算数 … 决算数 … 完成率 …")."""

    label: str
    budget: str
    actual: str
    lead: str = ""  # words before it, e.g. "其中："


@record
class ReportRules:
    finance: tuple[FinanceLine, ...] = ()
    #: the Word template of this framework's 自评报告: a .docx beside the framework file (or a path relative
    #: to its folder); "" for xlperf's shipped template (docs/report-template.md lists its tags)
    template: str = ""
    #: whether the report carries the 各一级指标得分率 chart (the template places it with {{ chart }})
    chart: bool = True


@record
class PrintRules:
    """How the workbook's sheets print (the 评分表 a department signs, and the input sheets)."""

    paper: Literal["A4", "A3"] = "A4"
    #: sheets printed landscape (names of the workbook's sheets); the others print portrait
    landscape: tuple[str, ...] = ("绩效目标", "评分表", "项目支出")
    #: the page footer, in Excel's codes (&P the page, &N the pages)
    footer: str = "&C第 &P 页，共 &N 页"


@record
class ReviewRules:
    """What `xlperf batch` shows a reviewer first (风险提示): patterns, not errors. Never affects scores."""

    #: R01: output targets at full marks while the 执行率 is below this ratio
    output_full_execution_below: Decimal = Decimal("0.8")
    #: R03: a total that moved more than this many points against last year's summary
    total_change_above: Decimal = Decimal(15)


@record
class Framework:
    id: str
    title: str
    locality: str
    year: int
    description: str
    facts: tuple[Fact, ...]
    categories: tuple[Category, ...]
    indicators: tuple[Indicator, ...]
    grades: tuple[Grade, ...]
    scoring: Scoring = field(default_factory=Scoring)
    explanations: Explanations = field(default_factory=Explanations)
    checks: CheckRules = field(default_factory=CheckRules)
    report: ReportRules = field(default_factory=ReportRules)
    review: ReviewRules = field(default_factory=ReviewRules)
    print: PrintRules = field(default_factory=PrintRules)
    path: str = ""
    #: the folder of the framework file ("" when built from data): its report template is found there
    folder: str = ""
    #: fingerprint of the rules: a workbook records it, so that a workbook made from an edited copy
    #: of a framework is never scored silently with the shipped rules of the same id
    digest: str = ""

    def fact(self, key: str) -> Fact:
        found = self._facts_by_key.get(key)
        return found if found is not None else next(f for f in self.facts if f.key == key)

    @functools.cached_property
    def _facts_by_key(self) -> dict[str, Fact]:  # (scoring asks for a fact a few dozen times)
        return {f.key: f for f in reversed(self.facts)}  # the first of a key, as a search finds it

    def indicator(self, code_or_name: str) -> Indicator:
        """Find an indicator by code (ZX03) or by its Chinese name."""
        wanted = code_or_name.strip()
        for ind in self.indicators:
            if wanted in (ind.code, ind.name) or wanted.upper() == ind.code.upper():
                return ind
        raise KeyError(wanted)

    def grade(self, total: Decimal) -> str:
        return next((g.name for g in self.grades if total >= g.min), self.grades[-1].name)


# --- loading -----------------------------------------------------------------------------------


#: Shipped frameworks are package data beside this package (a plain path: importlib.resources costs
#: about 30 ms at start-up and xlperf is never imported from a zip)
SHIPPED_DIR = Path(__file__).resolve().parent.parent / "frameworks"


@functools.cache
def _shipped() -> tuple[str, ...]:
    return tuple(sorted(p.name[:-5] for p in SHIPPED_DIR.iterdir() if p.name.endswith(".toml")))


def shipped_frameworks() -> list[str]:
    """Ids of the frameworks shipped with xlperf."""
    return list(_shipped())


def load_framework(id_or_path: str | Path) -> Framework:
    """Load a shipped framework by id (gz-baiyun-2022) or any framework file by path."""
    if str(id_or_path) in shipped_frameworks():
        return _load_shipped(str(id_or_path))
    return _load(id_or_path)


@functools.cache
def _load_shipped(framework_id: str) -> Framework:
    # package data does not change while the program runs: read and check it once
    return _load(framework_id)


def _load(id_or_path: str | Path) -> Framework:
    data, where, path = _read(id_or_path)
    folder = str(SHIPPED_DIR if str(id_or_path) in shipped_frameworks() else Path(id_or_path).resolve().parent)
    cached: Framework | None = _fwcache.load(data, Framework)  # checked by an earlier process: the same bytes and code
    if cached is not None:
        return replace(cached, path=where, folder=folder)
    text = _decode(data, path)
    if sys.version_info >= (3, 11):  # (imported here: a framework read from the cache needs no parser)
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]
    try:
        parsed = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise FrameworkError(f"框架文件不是有效的 TOML（{_toml_position(exc)}）", location=Location(file=where),
                             fix="请检查该行的引号、括号和逗号") from exc
    try:
        framework = parse_framework(parsed, path=where, folder=folder)
    except FrameworkError as exc:
        exc.located(Location(file=where))
        raise
    _fwcache.store(data, replace(framework, path="", folder=""))  # where it was found is not part of it
    return framework


def _read(id_or_path: str | Path) -> tuple[bytes, str, Path]:
    """The bytes of a framework file, its name as messages show it, and its path."""
    text_id = str(id_or_path)
    if text_id in shipped_frameworks():
        path = SHIPPED_DIR / f"{text_id}.toml"
        return path.read_bytes(), path.name, path
    path = Path(id_or_path)
    if path.suffix.lower() != ".toml" and not path.exists() and not path.is_symlink():
        shipped = "、".join(shipped_frameworks())
        raise FrameworkError(f"找不到评分框架“{text_id}”", fix=f"可用的内置框架：{shipped}；或给出 .toml 文件路径")
    # a regular file only, read with a bound: a FIFO or /dev/zero named as the framework is refused as such
    return read_limited(path, MAX_FRAMEWORK_BYTES, "评分框架文件（.toml）", FrameworkError), path.name, path


def _decode(data: bytes, path: Path) -> str:
    try:
        # utf-8-sig: Windows Notepad puts a byte-order mark in front of UTF-8 files
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FrameworkError(f"框架文件 {path} 不是 UTF-8 编码", fix="请在记事本中“另存为”，编码选 UTF-8") from exc


_SECTIONS = ("framework", "scoring", "explanations", "checks", "report", "review", "print", "grades", "facts",
             "categories", "indicators")
_META_KEYS = ("id", "title", "locality", "year", "description")


def parse_framework(data: dict[str, Any], path: str = "", folder: str = "") -> Framework:
    """Build and validate a Framework from the parsed TOML document."""
    for key in data:
        if key not in _SECTIONS:
            raise _error(key, f"未知的部分“{key}”", fix=f"可用：{'、'.join(_SECTIONS)}（注意 [[indicators]] 等为复数）")
    meta = _table(data, "framework")
    for key in meta:
        if key not in _META_KEYS:
            raise _error(f"framework.{key}", f"未知的键“{key}”", fix=f"可用：{'、'.join(_META_KEYS)}")
    if not isinstance(meta.get("description", ""), str):
        raise _error("framework.description", "应为文字（加引号）")
    facts = tuple(_params.build(Fact, row, f"facts[{i}]") for i, row in enumerate(_list(data, "facts")))
    categories = tuple(_params.build(Category, row, f"categories[{i}]")
                       for i, row in enumerate(_list(data, "categories")))
    grades = tuple(_params.build(Grade, row, f"grades[{i}]") for i, row in enumerate(_list(data, "grades")))
    scoring = _params.build(Scoring, data.get("scoring", {}), "scoring")
    explanations = _params.build(Explanations, data.get("explanations", {}), "explanations")
    checks = _params.build(CheckRules, data.get("checks", {}), "checks")
    report = _params.build(ReportRules, data.get("report", {}), "report")
    review = _params.build(ReviewRules, data.get("review", {}), "review")
    printing = _params.build(PrintRules, data.get("print", {}), "print")
    indicators = tuple(_indicator(row, i) for i, row in enumerate(_list(data, "indicators")))
    framework = Framework(
        id=_text(meta, "id", "framework.id"), title=_text(meta, "title", "framework.title"),
        locality=_text(meta, "locality", "framework.locality"), year=_int(meta, "year", "framework.year"),
        description=str(meta.get("description", "")), facts=facts, categories=categories,
        indicators=indicators, grades=grades, scoring=scoring, explanations=explanations, checks=checks,
        report=report, review=review, print=printing, path=path, folder=folder)
    _validate(framework)
    return replace(framework, digest=_digest(framework))


def _digest(fw: Framework) -> str:
    """A fingerprint of what decides scores, recorded in workbooks: not wording, comments or the checks'
    limits (which may be tuned without making every submitted workbook unreadable)."""
    import hashlib

    rules = (fw.id, [(f.key, f.unit, f.digits) for f in fw.facts],
             [(i.code, i.category, i.points, i.method, i.params, i.name_editable) for i in fw.indicators],
             fw.grades, fw.scoring)
    return hashlib.sha256(repr(rules).encode("utf-8")).hexdigest()[:16]


def _indicator(row: object, i: int) -> Indicator:
    where = f"indicators[{i}]"
    if not isinstance(row, dict):
        raise _error(where, "应为表")
    name = row.get("method")
    if name is None:
        raise _error(f"{where}.method", "缺少评分方法 method", fix=f"可用方法：{'、'.join(sorted(METHODS))}")
    if name not in METHODS:
        known = "、".join(sorted(METHODS))
        raise _error(f"{where}.method", f"未知的评分方法“{name}”", fix=f"可用方法：{known}")
    method = METHODS[name]
    params: Any = _params.build(method.params, row.get("params", {}), f"{where}.params")
    check = getattr(params, "check", None)
    if check is not None:
        try:
            check()
        except FrameworkError as exc:
            exc.located(Location(path=f"{where}.params"))
            raise
    fields = {k: v for k, v in row.items() if k != "params"}
    fields["params"] = {}
    plain = _params.build(_IndicatorRow, fields, where)
    return Indicator(code=plain.code, name=plain.name, category=plain.category, points=plain.points,
                     method=plain.method, params=params, explanation=plain.explanation, criteria=plain.criteria,
                     source=plain.source, source_note=plain.source_note, name_editable=plain.name_editable)


@record
class _IndicatorRow:
    code: str
    name: str
    category: str
    points: Decimal
    method: str
    criteria: str
    source: str
    params: Mapping[str, Decimal] = field(default_factory=dict)  # checked separately, by the method
    explanation: str = ""
    source_note: str = ""
    name_editable: bool = False


def _validate(fw: Framework) -> None:
    if not _KEY.fullmatch(fw.id.replace("-", "_")):
        raise _error("framework.id", f"框架编号“{fw.id}”只能含小写字母、数字、连字符和下划线，且以字母开头")
    fact_keys = [f.key for f in fw.facts]
    for i, f in enumerate(fw.facts):
        if not _KEY.fullmatch(f.key):
            raise _error(f"facts[{i}].key", f"数据项编号“{f.key}”只能含小写字母、数字和下划线，且以字母开头")
        if fact_keys.index(f.key) != i:
            raise _error(f"facts[{i}].key", f"数据项编号“{f.key}”重复")
    names = [c.name for c in fw.categories]
    for i, name in enumerate(names):
        if names.index(name) != i:
            raise _error(f"categories[{i}].name", f"一级指标“{name}”重复")
    if not fw.indicators:
        raise _error("indicators", "框架中没有任何指标")
    codes: dict[str, int] = {}
    for i, ind in enumerate(fw.indicators):
        where = f"indicators[{i}]"
        if not _CODE.fullmatch(ind.code):
            raise _error(f"{where}.code", f"指标代码“{ind.code}”只能含字母、数字和下划线，且以字母开头（最长 16 位）")
        if ind.code.upper() in codes:
            raise _error(f"{where}.code", f"指标代码“{ind.code}”重复（indicators[{codes[ind.code.upper()]}] 已使用）")
        codes[ind.code.upper()] = i
        if ind.category not in names:
            raise _error(f"{where}.category", f"一级指标“{ind.category}”未在 [[categories]] 中列出")
        if ind.points <= 0:
            raise _error(f"{where}.points", f"分值应大于 0，收到 {ind.points}")
        if ind.source not in SOURCES:
            raise _error(f"{where}.source", f"规则来源应为 {'、'.join(SOURCES)} 之一，收到“{ind.source}”")
        for key in ind.facts():
            if key not in fact_keys:
                raise _error(f"{where}.params", f"引用了未定义的数据项“{key}”", fix="请在 [[facts]] 中定义")
    names_seen: dict[str, int] = {}
    for i, ind in enumerate(fw.indicators):
        for label in (ind.name, ind.code.upper()):
            if label in names_seen and names_seen[label] != i:
                raise _error(f"indicators[{i}].name", f"指标名称“{ind.name}”与 indicators[{names_seen[label]}] 重复（名称和代码都须唯一）")
            names_seen[label] = i
    _validate_ranges(fw)
    total = sum((ind.points for ind in fw.indicators), Decimal(0))
    if total != fw.scoring.total_points:
        raise _error("indicators", f"各指标分值合计为 {total:f}，应为 {fw.scoring.total_points:f}",
                     fix="请检查各指标的 points")
    if not fw.grades:
        raise _error("grades", "至少要有一个等级")
    mins = [g.min for g in fw.grades]
    if any(a <= b for a, b in zip(mins, mins[1:])):
        raise _error("grades", "等级应按 min 从高到低排列，且不重复")
    if mins[-1] != 0:
        raise _error(f"grades[{len(mins) - 1}].min", "最低等级的 min 应为 0，使任何总分都有等级")
    rate = fw.scoring.execution_rate
    if rate is not None:
        for part in (rate.numerator, rate.denominator):
            if part not in fact_keys:
                raise _error("scoring.execution_rate", f"引用了未定义的数据项“{part}”")
    caps = [c.below for c in fw.scoring.total_caps]
    if any(a <= b for a, b in zip(caps, caps[1:])):
        raise _error("scoring.total_caps", "total_caps 应按 below 从大到小排列")
    if caps and rate is None:
        raise _error("scoring.total_caps", "使用 total_caps 时须设置 scoring.execution_rate")
    for i, rule in enumerate(fw.checks.sums):
        for key in (rule.total, *rule.parts):
            if key not in fact_keys:
                raise _error(f"checks.sums[{i}]", f"引用了未定义的数据项“{key}”")
    for i, line in enumerate(fw.report.finance):
        for key in (line.budget, line.actual):
            if key not in fact_keys:
                raise _error(f"report.finance[{i}]", f"引用了未定义的数据项“{key}”")
    for i, pair in enumerate(fw.checks.not_above):
        for key in (pair.actual, pair.budget):
            if key not in fact_keys:
                raise _error(f"checks.not_above[{i}]", f"引用了未定义的数据项“{key}”")
    from .model import TEXT_FIELDS

    for where, keys in (("checks.required_texts", fw.checks.required_texts),
                        ("checks.consistency_texts", fw.checks.consistency_texts)):
        for key in keys:
            if key not in TEXT_FIELDS:
                raise _error(where, f"未知的文字项“{key}”，可用：{'、'.join(TEXT_FIELDS)}")
    reason_code = fw.explanations.execution_reason_indicator
    if reason_code and reason_code.upper() not in codes:
        raise _error("explanations.execution_reason_indicator", f"指标代码“{reason_code}”不存在")


def _toml_position(exc: Exception) -> str:
    match = re.search(r"line (\d+), column (\d+)", str(exc))
    return f"第 {match.group(1)} 行第 {match.group(2)} 列" if match else str(exc)


def _validate_ranges(fw: Framework) -> None:
    """Values a careless edit gets wrong (percent for fraction, negative limits) are refused here."""
    one, top = Decimal(1), fw.scoring.total_points
    if not 2000 <= fw.year <= 2100:
        raise _error("framework.year", f"年度应在 2000～2100 之间，收到 {fw.year}")
    if fw.report.template and not fw.report.template.lower().endswith(".docx"):
        raise _error("report.template", f"报告模板应为 .docx 文件，收到“{fw.report.template}”",
                     fix="请写 Word 模板的文件名，如 template = \"我区.docx\"（放在框架文件旁）")
    if top <= 0:
        raise _error("scoring.total_points", "总分应大于 0")
    if not 0 <= fw.scoring.score_digits <= 4:
        raise _error("scoring.score_digits", f"得分小数位数应为 0～4，收到 {fw.scoring.score_digits}")
    for i, cap in enumerate(fw.scoring.total_caps):
        if not 0 < cap.below <= one:
            raise _error(f"scoring.total_caps[{i}].below", f"below 是执行率（0～1，如 0.8 表示 80%），收到 {cap.below}")
        if not 0 <= cap.cap <= top:
            raise _error(f"scoring.total_caps[{i}].cap", f"cap 应在 0～{top} 之间，收到 {cap.cap}")
    rules = fw.explanations
    if rules.reason_max_chars <= 0:
        raise _error("explanations.reason_max_chars", f"字数上限应大于 0，收到 {rules.reason_max_chars}")
    if not 0 < rules.execution_rate_below <= one:
        raise _error("explanations.execution_rate_below", f"应为 0～1 之间的比率（如 0.9 表示 90%），收到 {rules.execution_rate_below}")
    gap = fw.checks.completion_above_execution
    if gap is not None and not 0 <= gap <= one:
        raise _error("checks.completion_above_execution", f"应为 0～1 之间的比率（如 0.05 表示 5 个百分点），收到 {gap}")
    checks = fw.checks
    if checks.yuan_below < 0:
        raise _error("checks.yuan_below", f"应为不小于 0 的金额（元），收到 {checks.yuan_below}")
    if checks.wanyuan_at_least <= 0:
        raise _error("checks.wanyuan_at_least", f"应为大于 0 的金额（万元），收到 {checks.wanyuan_at_least}")
    if not 1 <= checks.percent_scale_factor <= 10:
        raise _error("checks.percent_scale_factor", f"应在 1～10 之间（如 2），收到 {checks.percent_scale_factor}")
    if not 0 <= checks.mention_gap <= 6:
        raise _error("checks.mention_gap", f"应为 0～6 的整数，收到 {checks.mention_gap}")
    if not 0 < fw.review.output_full_execution_below <= one:
        raise _error("review.output_full_execution_below",
                     f"应为 0～1 之间的比率（如 0.8 表示 80%），收到 {fw.review.output_full_execution_below}")
    if not 0 < fw.review.total_change_above <= top:
        raise _error("review.total_change_above", f"应为 0～{top} 之间的分数（如 15），收到 {fw.review.total_change_above}")
    for i, rule in enumerate(fw.checks.sums):
        if not rule.parts or rule.tolerance < 0:
            raise _error(f"checks.sums[{i}]", "parts 至少要有一项，tolerance 不能为负")
    for i, fact in enumerate(fw.facts):
        if not 0 <= fact.digits <= 6:
            raise _error(f"facts[{i}].digits", f"小数位数应为 0～6，收到 {fact.digits}")
    for i, ind in enumerate(fw.indicators):
        digits = getattr(ind.params, "display_digits", 0)
        if not 0 <= digits <= 4:
            raise _error(f"indicators[{i}].params.display_digits", f"百分比小数位数应为 0～4，收到 {digits}")


def _table(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    if not isinstance(value, dict):
        raise _error(key, f"缺少 [{key}] 表")
    return value


def _list(data: dict[str, Any], key: str) -> list[Any]:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise _error(key, f"应写成 [[{key}]] 表数组")
    return value


def _text(table: dict[str, Any], key: str, where: str) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        raise _error(where, f"缺少“{key}”（文字）")
    return value


def _int(table: dict[str, Any], key: str, where: str) -> int:
    value = table.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise _error(where, f"缺少“{key}”（整数）")
    return value


def _error(path: str, message: str, fix: str = "") -> FrameworkError:
    return FrameworkError(message, location=Location(path=path), fix=fix)
