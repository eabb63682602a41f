"""Compare what a report states with what the engine computes from the workbook, and check the report's
own sums. Pure: a Scorecard and the report's blocks in, a ReportCheck out.

The workbook is the reference: a score, a total, a grade, a rate or an amount that differs from it is an
error (P1xx). An indicator of the 评分表 that the report never scores, or one it scores that the framework
does not have, is an error (P2xx). Where the report lists indicators (its text, or a table: each is one
listing), their scores must add up to the total it states, their 分值 to the framework's total points,
and the 小计 to the total (P3xx). A sum is not reported again when the statement it disagrees with is
already wrong against the workbook while the sum is right.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from .._rounding import ShownRate, excel_round, format_amount, format_number
from ..engine import IndicatorResult, Scorecard
from ._catalogue import ReportCheck, ReportFinding
from ._claims import (AMOUNT, AMOUNT_PATTERN, CATEGORY, GRADE, INDICATOR, RATE, TEXT_LISTING, TOTAL, UNKNOWN, Claim,
                      Vocabulary, find_claims)
from ._text import Block, normalize

#: more indicators missing than this are listed in one finding, not one each
MISSING_ONE_BY_ONE = 3
#: a listing is summed (P301, P302, P303) when it lists at least this share of the indicators (categories):
#: a few named in passing do not claim to add up to the total
COMPLETE_ENOUGH = Decimal("0.5")
#: "我部门", "本单位" … before a rate's name: the message names the rate alone
_OURS = re.compile(r"^(?:我|本)(?:部门|单位|局|委|办|院|中心|会|馆|所|站)?")
#: what `checked` counts, in the order the command lists it: statements compared, and sums checked (合计)
CHECKED = ("指标得分", "分值", "小计", "总分", "等级", "比率", "金额", "合计")
_UNITS = {"元": Decimal(1), "万元": Decimal(10000), "亿元": Decimal(100000000)}


def check_report(card: Scorecard, blocks: Sequence[Block]) -> ReportCheck:
    """Every finding about the report `blocks` against the scored workbook `card` (see the module)."""
    return _Lint(card, blocks).run()


def _n(value: Decimal) -> str:
    return format_number(value)


def _quoted_names(results: Iterable[IndicatorResult]) -> str:
    return "、".join(f"“{r.name}”" for r in results)


@dataclass
class _Listed:
    """One indicator as a listing states it: the first 分值 and the first 得分 given for it."""

    name: str
    claim: Claim
    points: Decimal | None = None
    score: Decimal | None = None


class _Lint:
    def __init__(self, card: Scorecard, blocks: Sequence[Block]) -> None:
        self.card, self.fw, self.year = card, card.framework, card.year
        self.blocks = blocks
        self.order = {b.place: i for i, b in enumerate(blocks)}
        self.claims = find_claims(blocks, Vocabulary(card))
        self.findings: list[ReportFinding] = []
        self.checked: dict[str, int] = {}
        self.notes: list[str] = []
        self.wrong: set[int] = set()  # ids of claims already reported as differing from the workbook
        # a total is the sum of the scores unless the framework rescales or caps it (then the sum proves nothing)
        self.additive = card.complete and not card.notes

    def run(self) -> ReportCheck:
        self._mentions()
        for claim in self.claims:
            compare = {INDICATOR: self._indicator, CATEGORY: self._category, TOTAL: self._total, GRADE: self._grade,
                       RATE: self._rate, AMOUNT: self._amount}.get(claim.kind)
            if compare is not None:
                compare(claim)
        listings = self._listings
        self._missing_and_unknown(listings)
        for listing in dict.fromkeys(c.listing for c in self.claims if c.kind in (INDICATOR, UNKNOWN, CATEGORY)):
            self._sums(listing, listings.get(listing, {}))
        if not self.card.complete:
            self.notes.append(f"工作簿有 {len(self.card.errors)} 项指标无法计分，未核对这些指标、总分和等级；"
                              "请先运行 xlperf check 修改工作簿。")
        elif not self.additive:
            self.notes.append("按评分框架，总分不是各项得分的简单相加（" + "".join(self.card.notes) + "），"
                              "未核对报告中各项得分之和。")
        findings = sorted(self.findings, key=lambda f: (not f.is_error, f.order))
        checked = {what: self.checked[what] for what in CHECKED if self.checked.get(what)}
        return ReportCheck(tuple(findings), checked, tuple(self.notes))

    # --- helpers ---------------------------------------------------------------------------------

    def _add(self, id: str, message: str, claim: Claim | None = None, *, where: str = "", quote: str = "",
             order: int = -1, indicators: tuple[str, ...] = ()) -> None:
        if claim is not None:
            where = where or str(claim.block.place)
            quote = quote or claim.quote
            order = self.order.get(claim.block.place, 0) if order < 0 else order
        self.findings.append(ReportFinding(id, message, where, quote, max(order, 0), indicators))

    def _count(self, what: str) -> None:
        self.checked[what] = self.checked.get(what, 0) + 1

    def _cell(self, key: str) -> str:
        """"（收支情况!C7）": where a value is in the workbook; "" for a JSON form, which has no cells."""
        where = self.year.where(key)
        return f"（{where}）" if where and where.sheet else ""

    def _score_place(self, code: str) -> str:
        sheet = self.year.sheet
        where = sheet.places.get(code) if sheet else None
        return f"（{where}）" if where and where.sheet else ""

    def _score_of(self, claim: Claim, points: Decimal | None) -> Decimal | None:
        """The score a claim states: a number, 得满分 (the points), or 扣 N 分 (the points less N)."""
        if claim.how == "full":
            return points
        if claim.how == "deduct":
            return None if points is None or claim.value is None else points - claim.value
        return claim.value

    # --- whose report --------------------------------------------------------------------------------

    def _mentions(self) -> None:
        text = "".join(normalize(b.text or " ".join(b.cells)).text.replace(" ", "") for b in self.blocks)
        department = normalize(self.year.department).text.replace(" ", "")
        if department:
            short = department
            for mark in ("区", "县", "市", "省"):  # 广州市白云区科学技术协会 is also 科学技术协会 in its own text
                short = short.rpartition(mark)[2] if len(short.rpartition(mark)[2]) >= 4 else short
            if department not in text and short not in text:
                self._add("P001", f"报告中没有出现工作簿的单位名称“{self.year.department}”：请确认报告和工作簿是同一个单位的。",
                          where="全文")
        if self.year.year and str(self.year.year) not in text:
            self._add("P002", f"报告中没有出现工作簿的年度 {self.year.year}：请确认报告和工作簿是同一年度的。", where="全文")

    # --- figures against the workbook ------------------------------------------------------------

    def _indicator(self, claim: Claim) -> None:
        result = self.card.result(claim.subject)
        name = result.name
        if claim.points is not None:
            self._count("分值")
            if claim.points != result.points:
                self.wrong.add(id(claim))
                self._add("P102", f"报告写“{name}”分值 {_n(claim.points)} 分，评分表（{self.fw.id}）规定为 "
                                  f"{_n(result.points)} 分。请改为 {_n(result.points)} 分。", claim,
                          indicators=(result.code,))
        stated = self._score_of(claim, claim.points if claim.points is not None else result.points)
        if stated is None or result.score is None:
            return
        self._count("指标得分")
        if stated != result.score:
            self.wrong.add(id(claim))
            said = "得满分" if claim.how == "full" else f"自评得分 {_n(stated)} 分"
            self._add("P101", f"报告写“{name}”{said}，工作簿{self._score_place(result.code)}按评分规则算出 "
                              f"{result.score_text} 分（{result.sentence.rstrip('。')}）。请改为 {result.score_text} 分"
                              "（如果是工作簿填错了，先改工作簿，再重新生成报告）。", claim, indicators=(result.code,))

    def _category(self, claim: Claim) -> None:
        category = next((c for c in self.card.categories if c.name == claim.subject), None)
        if category is None:
            return
        members = [r for r in self.card.results if r.indicator.category == category.name]
        problems = []
        if claim.points is not None and claim.points != category.points:
            problems.append(f"分值写 {_n(claim.points)} 分，评分表为 {_n(category.points)} 分")
        stated = self._score_of(claim, claim.points if claim.points is not None else category.points)
        if stated is not None and all(r.score is not None for r in members):
            self._count("小计")
            if stated != category.score:
                problems.append(f"得分写 {_n(stated)} 分，工作簿为 {_n(category.score)} 分")
        if problems:
            self.wrong.add(id(claim))
            self._add("P103", f"报告中一级指标“{category.name}”的小计：{'；'.join(problems)}（"
                              f"{'、'.join(f'{r.name} {r.score_text} 分' for r in members)}）。请按工作簿改正。", claim)

    def _total(self, claim: Claim) -> None:
        total_points = self.fw.scoring.total_points
        if claim.points is not None and claim.points != total_points:
            self.wrong.add(id(claim))
            self._add("P104", f"报告写总分值（满分）{_n(claim.points)} 分，评分表的满分是 {_n(total_points)} 分。"
                              f"请改为 {_n(total_points)} 分。", claim)
        if claim.value is None or not self.card.complete:
            return
        if self._is_full_marks(claim):
            return
        self._count("总分")
        if claim.value != self.card.total:
            self.wrong.add(id(claim))
            listed = self._scores_in(claim.listing)
            adds = f"报告逐项列出的得分合计也是 {self.card.total_text} 分。" if listed == self.card.total else ""
            self._add("P104", f"报告写总分 {_n(claim.value)} 分，工作簿{self._score_place('total')}按评分规则算出 "
                              f"{self.card.total_text} 分。{adds}请改为 {self.card.total_text} 分。", claim)

    def _is_full_marks(self, claim: Claim) -> bool:
        """"评分表总分 100 分，自评得分 99.15 分": the 100 is the full marks, said of the table, not a score."""
        if claim.value != self.fw.scoring.total_points or claim.block.is_row:
            return False
        return any(c is not claim and c.kind == TOTAL and c.block is claim.block and c.value != claim.value
                   for c in self.claims)

    def _grade(self, claim: Claim) -> None:
        if not self.card.complete:
            return
        self._count("等级")
        if claim.grade != self.card.grade:
            bands = "，".join(f"{_n(g.min)} 分及以上为“{g.name}”" for g in self.fw.grades if g.min > 0)
            self._add("P105", f"报告写等级“{claim.name}”，工作簿总分 {self.card.total_text} 分，按评分表（{bands}）"
                              f"应为“{self.card.grade}”。请改为“{self.card.grade}”。", claim)

    def _rate(self, claim: Claim) -> None:
        expected, basis = self._rate_of(claim.subject)
        if expected is None or claim.value is None:
            return
        self._count("比率")
        rounded = excel_round(expected * 100, claim.digits)
        if rounded != claim.value:
            result = self.card.result(claim.subject[10:]) if claim.subject.startswith("indicator:") else None
            # as the workbook shows it: an indicator's rate with its own decimals (采购执行率 78%), others 96.22%
            shown = result.shown.text if result is not None and result.shown is not None else ShownRate.of(expected).text
            also = f"（按报告的写法保留 {claim.digits} 位小数为 {_n(rounded)}%）" if \
                f"{_n(rounded)}%" != shown else ""
            label = _OURS.sub("", claim.name) or claim.name
            self._add("P106", f"报告写{label} {_n(claim.value)}%，按工作簿{basis}应为 {shown}{also}。"
                              f"请改为 {shown}。", claim)

    def _rate_of(self, subject: str) -> tuple[Decimal | None, str]:
        """The rate a claim's subject names, computed from the workbook, and how it is computed (in words)."""
        if subject == "execution":
            spec = self.fw.scoring.execution_rate
            if spec is None:
                return None, ""
            return self.card.execution_rate, f"（{self._amount_words(f'fact:{spec.numerator}')} ÷ " \
                                             f"{self._amount_words(f'fact:{spec.denominator}')}）"
        if subject.startswith("indicator:"):
            result = self.card.result(subject.partition(":")[2])
            params = result.indicator.params
            top, bottom = getattr(params, "numerator", None), getattr(params, "denominator", None)
            if not (isinstance(top, str) and isinstance(bottom, str)):
                return result.rate, f"“{result.name}”的计算（{result.sentence.rstrip('。')}）"
            over = self._amount_words(f"fact:{bottom}")
            if getattr(params, "relative", False):
                return result.rate, f"（({self._amount_words(f'fact:{top}')} − {over}) ÷ {over}）"
            return result.rate, f"（{self._amount_words(f'fact:{top}')} ÷ {over}）"
        if subject.startswith("category:"):
            category = next(c for c in self.card.categories if c.name == subject.partition(":")[2])
            if not self.card.complete or not category.points:
                return None, ""
            return category.share, f"（“{category.name}”得分 {_n(category.score)} 分 ÷ 分值 {_n(category.points)} 分）"
        if subject.startswith("pair:"):
            actual, _, budget = subject.partition(":")[2].partition("/")
            top, bottom = self._amount_value(actual), self._amount_value(budget)
            if top is None or not bottom:
                return None, ""
            return top / bottom, f"（{self._amount_words(actual)} ÷ {self._amount_words(budget)}）"
        return None, ""

    def _amount_value(self, subject: str) -> Decimal | None:
        """A fact ("fact:key") or a project's amount ("project:0:budget"), in its own unit."""
        if subject.startswith("fact:"):
            return self.year.facts.get(subject.partition(":")[2])
        if subject.startswith("project:"):
            _, index, column = subject.split(":")
            project = self.year.projects[int(index)]
            return project.budget if column == "budget" else project.actual
        return None

    def _amount_unit(self, subject: str) -> str:
        return self.fw.fact(subject.partition(":")[2]).unit if subject.startswith("fact:") else "万元"

    def _amount_name(self, subject: str) -> str:
        if subject.startswith("fact:"):
            return self.fw.fact(subject.partition(":")[2]).name
        _, index, column = subject.split(":")
        return f"项目“{self.year.projects[int(index)].name}”的{'预算数' if column == 'budget' else '决算数'}"

    def _amount_words(self, subject: str) -> str:
        """"整体支出决算数 315.59 万元", "按时签订采购合同数 1 个": a fact or a project's amount as a message names it."""
        value, unit = self._amount_value(subject), self._amount_unit(subject)
        shown = "（未填）" if value is None else (format_amount(value) if unit == "万元" else _n(value)) + f" {unit}"
        return f"{self._amount_name(subject)} {shown.rstrip()}"

    def _amount(self, claim: Claim) -> None:
        if claim.value is None:
            return
        if not claim.subject:
            self._unknown_amount(claim, claim.value)
            return
        value = self._amount_value(claim.subject)
        self._count("金额")
        if value is None:
            self._add("P107", f"报告写{self._amount_name(claim.subject)} {_n(claim.value)} {claim.unit}，工作簿中这一项"
                              f"{self._cell(self._key(claim.subject))}未填写。请先在工作簿中填写，再核对报告。", claim)
            return
        expected = value * _UNITS[self._amount_unit(claim.subject)] / _UNITS[claim.unit]
        if excel_round(expected, claim.digits) != claim.value:
            key = self._key(claim.subject)
            shown = format_amount(expected) if claim.unit == "万元" else _n(expected)
            self._add("P107", f"报告写{self._amount_name(claim.subject)} {_n(claim.value)} {claim.unit}，工作簿"
                              f"{self._cell(key)}为 {shown} {claim.unit}。请改为 {shown} {claim.unit}。", claim)

    @staticmethod
    def _key(subject: str) -> str:
        """Where the model keeps an amount: "fact:basic_actual" is facts.basic_actual, "project:0:budget" is
        projects[0].budget."""
        if subject.startswith("fact:"):
            return "facts." + subject.partition(":")[2]
        _, index, column = subject.split(":")
        return f"projects[{index}].{column}"

    def _unknown_amount(self, claim: Claim, stated: Decimal) -> None:
        # an amount nothing names must be one the workbook has, to the cent it is written with (12.5 is not 12.48)
        if any(known / _UNITS[claim.unit] == stated or (claim.digits >= 2 and excel_round(
                known / _UNITS[claim.unit], claim.digits) == stated) for known in self._known_amounts):
            self._count("金额")
            return
        self._add("P108", f"报告写 {_n(stated)} {claim.unit}，工作簿中没有这个金额（收支数据、项目金额和单位填写的"
                          "文字中都没有，也不是两个数据项之和或差），无法核对。请核对这个数；如果它另有出处，可以不改。",
                  claim)

    @cached_property
    def _known_amounts(self) -> set[Decimal]:
        """Every amount the workbook holds or its texts state, in 元; and the sums and differences of two."""

        amounts: list[Decimal] = []
        for fact in self.fw.facts:
            value = self.year.facts.get(fact.key)
            if value is not None and fact.unit in _UNITS:
                amounts.append(value * _UNITS[fact.unit])
        for project in self.year.projects:
            amounts += [v * _UNITS["万元"] for v in (project.budget, project.actual) if v is not None]
        texts = list(self.year.texts.values()) + [t for p in self.year.projects
                                                  for t in (p.outputs, p.benefits, p.satisfaction)]
        texts += [e.reason for e in self.year.entries.values()] + [t.note for t in self.year.targets]
        for target in self.year.targets:
            if target.unit in _UNITS:
                amounts += [v * _UNITS[target.unit] for v in (target.target, target.actual) if v is not None]
        for text in texts:
            for match in AMOUNT_PATTERN.finditer(normalize(text).text):
                amounts.append(Decimal(match["value"].replace(",", "")) * _UNITS[match["unit"]])
        known = set(amounts)
        for i, a in enumerate(amounts[:200]):
            for b in amounts[i + 1:200]:
                known.update((a + b, abs(a - b)))
        return known

    # --- what the report lists -------------------------------------------------------------------

    @cached_property
    def _listings(self) -> dict[str, dict[str, _Listed]]:
        """Per listing (the text, each table), each indicator it scores, by code (unknown ones by name)."""
        listings: dict[str, dict[str, _Listed]] = {}
        for claim in self.claims:
            if claim.kind not in (INDICATOR, UNKNOWN):
                continue
            key = claim.subject if claim.kind == INDICATOR else f"?{claim.name}"
            listed = listings.setdefault(claim.listing, {}).setdefault(key, _Listed(claim.name, claim))
            framework_points = self.card.result(claim.subject).points if claim.kind == INDICATOR else None
            if listed.points is None and claim.points is not None:
                listed.points = claim.points
            if listed.score is None:
                listed.score = self._score_of(claim, claim.points if claim.points is not None else
                                              listed.points if listed.points is not None else framework_points)
        return listings

    def _scores_in(self, listing: str) -> Decimal | None:
        listed = [item.score for item in self._listings.get(listing, {}).values()]
        if len(listed) < 2 or any(s is None for s in listed):
            return None
        return sum((s for s in listed if s is not None), Decimal(0))

    def _missing_and_unknown(self, listings: dict[str, dict[str, _Listed]]) -> None:
        everywhere = {code for listed in listings.values() for code in listed}
        results = [r for r in self.card.results if r.counted]
        if not any(r.code in everywhere for r in self.card.results):
            self._add("P203", f"报告中没有找到任何一项指标的分值和得分（评分表共 {len(results)} 项指标）。请逐项写明，如“"
                              f"{self._example_line(results[0])}”，或附上评分表。", where="全文")
        else:
            missing = [r for r in results if r.code not in everywhere]
            if len(missing) > MISSING_ONE_BY_ONE:
                lines = "；".join(f"{r.name}（{r.code}，分值 {_n(r.points)} 分，"
                                 f"{'得 ' + r.score_text + ' 分' if r.score is not None else '无法计分'}）" for r in missing)
                self._add("P201", f"评分表中有 {len(missing)} 项指标报告中没有写出分值和得分：{lines}。请逐项补写，如“"
                                  f"{self._example_line(missing[0])}”", where="全文",
                          indicators=tuple(r.code for r in missing))
            else:
                for result in missing:
                    self._missing(result, listings)
        for listing, listed in listings.items():
            for key, item in listed.items():
                if key.startswith("?"):
                    self._unknown(item)

    def _example_line(self, result: IndicatorResult) -> str:
        score = result.score_text if result.score is not None else "X"
        return f"{result.name}，该指标分值 {_n(result.points)} 分，自评得分 {score} 分。"

    def _missing(self, result: IndicatorResult, listings: dict[str, dict[str, _Listed]]) -> None:
        """Where the indicator would go: after the one before it in the 评分表 that the report does list."""
        listing = listings.get(TEXT_LISTING) or next(iter(listings.values()))
        codes = [r.code for r in self.card.results]
        index = codes.index(result.code)
        before = next((listing[c] for c in reversed(codes[:index]) if c in listing), None)
        after = next((listing[c] for c in codes[index + 1:] if c in listing), None)
        anchor = before or after
        score = f"得 {result.score_text} 分" if result.score is not None else "无法计分"
        where = (str(anchor.claim.block.place) + ("之后" if before else "之前")) if anchor else "全文"
        order = self.order.get(anchor.claim.block.place, 0) if anchor else 0
        self._add("P201", f"评分表中的“{result.name}”（{result.code}，{result.indicator.category}，分值 "
                          f"{_n(result.points)} 分，工作簿{score}）报告中没有写出。请在该处补写，如“"
                          f"{self._example_line(result)}”", where=where, quote=anchor.claim.quote if anchor else "",
                  order=order, indicators=(result.code,))

    def _unknown(self, item: _Listed) -> None:
        names = {r.name: r for r in self.card.results} | {r.indicator.name: r for r in self.card.results}
        close = difflib.get_close_matches(item.name, list(names), n=1, cutoff=0.6)
        hint = f"，是否指“{close[0]}”" if close else ""
        self._add("P202", f"报告列出的指标“{item.name}”不在评分表（{self.fw.id}）中{hint}？请删除，或改为评分表中的"
                          "指标名称（单位自定的指标名称须与工作簿“评分表”中填写的一致）。", item.claim)

    # --- the report's own sums ---------------------------------------------------------------------

    def _stated_total(self, listing: str) -> Claim | None:
        """The total a listing is summed against: its own (a table's 合计 row), else the text's first."""
        for source in (listing, TEXT_LISTING):
            found = next((c for c in self.claims if c.kind == TOTAL and c.listing == source and c.value is not None
                          and not self._is_full_marks(c)), None)
            if found is not None:
                return found
        return None

    def _workbook_sum(self, listed: Iterable[tuple[str, _Listed]], what: str) -> Decimal | None:
        """The listed items' scores (or 分值) as the workbook has them; an unknown item keeps what it states."""
        values = []
        for code, item in listed:
            stated = item.points if what == "points" else item.score
            if code.startswith("?"):
                values.append(stated)
            else:
                result = self.card.result(code)
                values.append(result.points if what == "points" else result.score)
        return None if any(v is None for v in values) else sum((v for v in values if v is not None), Decimal(0))

    def _already_said(self, claims: Iterable[Claim], corrected: Decimal | None, stated: Decimal) -> bool:
        """A sum that does not hold only because of figures already reported wrong (P1xx): fixing those fixes it."""
        return any(id(c) in self.wrong for c in claims) and corrected == stated

    def _sums(self, listing: str, listed: dict[str, _Listed]) -> None:
        where = "正文中" if listing == TEXT_LISTING else f"{listing} 中"
        total = self._stated_total(listing) if self.additive else None
        known = sum(not code.startswith("?") for code in listed)
        if known >= COMPLETE_ENOUGH * sum(r.counted for r in self.card.results):
            missing = [r for r in self.card.results if r.counted and r.code not in listed]
            points = [item.points for item in listed.values()]
            if len(points) >= 2 and all(p is not None for p in points):
                self._points_sum(listing, where, listed, sum((p for p in points if p is not None), Decimal(0)), missing)
            if total is not None:
                self._scores_sum(where, listed, total, missing)
        self._category_sums(listing, where, listed, total)

    def _scores_sum(self, where: str, listed: dict[str, _Listed], total: Claim, missing: list[IndicatorResult]) -> None:
        scores = [item.score for item in listed.values()]
        if total.value is None or len(scores) < 2 or any(s is None for s in scores):
            return
        self._count("合计")
        added = sum((s for s in scores if s is not None), Decimal(0))
        stated = self.card.total if id(total) in self.wrong else total.value
        items = [item.claim for item in listed.values()] + [total]
        if added == total.value or self._already_said(items, self._workbook_sum(listed.items(), "score"), stated):
            return
        gap = total.value - added
        explain = self._explained(missing, gap, "score") or \
            f"请核对各项得分和总分，改为一致（工作簿总分为 {self.card.total_text} 分）。"
        self._add("P301", f"报告{where}逐项列出的 {len(scores)} 项指标得分合计 {_n(added)} 分，而这里写总分 "
                          f"{_n(total.value)} 分，相差 {_n(abs(gap))} 分。{explain}", total)

    def _points_sum(self, listing: str, where: str, listed: dict[str, _Listed], added: Decimal,
                    missing: list[IndicatorResult]) -> None:
        table_total = next((c for c in self.claims if c.kind == TOTAL and c.listing == listing and c.points is not None),
                           None)
        expected = table_total.points if table_total is not None and table_total.points is not None else \
            self.fw.scoring.total_points
        self._count("合计")
        items = [item.claim for item in listed.values()] + ([table_total] if table_total else [])
        if added == expected or self._already_said(items, self._workbook_sum(listed.items(), "points"),
                                                   self.fw.scoring.total_points):
            return
        gap = expected - added
        explain = self._explained(missing, gap, "points") or "请核对各项指标的分值（见 xlperf frameworks）。"
        anchor = table_total or list(listed.values())[-1].claim
        self._add("P302", f"报告{where}逐项列出的 {len(listed)} 项指标分值合计 {_n(added)} 分，不等于"
                          f"{'这里写的' if table_total else '评分表的'}满分 {_n(expected)} 分，相差 {_n(abs(gap))} 分。"
                          f"{explain}", anchor)

    def _explained(self, missing: list[IndicatorResult], gap: Decimal, what: str) -> str:
        """When the indicators the listing leaves out make up the gap exactly, say so: that is the fix."""
        if not missing:
            return ""
        values = [r.points if what == "points" else r.score for r in missing]
        if any(v is None for v in values) or sum((v for v in values if v is not None), Decimal(0)) != gap:
            return ""
        numbers = "、".join(f"{_n(v)} 分" for v in values if v is not None)
        each = "分别" if len(values) > 1 else ""
        worth = f"分值{each}为 {numbers}" if what == "points" else f"工作簿中{each}得 {numbers}"
        return (f"报告没有列出{_quoted_names(missing)}（{worth}），补上正好相符：请补写"
                f"{'该指标' if len(missing) == 1 else '这些指标'}。")

    def _category_sums(self, listing: str, where: str, listed: dict[str, _Listed], total: Claim | None) -> None:
        subtotals = [c for c in self.claims if c.kind == CATEGORY and c.listing == listing and c.value is not None]
        scores = {c.name: c.score for c in self.card.categories}
        for subtotal in subtotals:
            members = [(code, item) for code, item in listed.items() if not code.startswith("?")
                       and self.card.result(code).indicator.category == subtotal.subject]
            stated = self._score_of(subtotal, subtotal.points)
            if not members or stated is None or any(item.score is None for _, item in members):
                continue
            self._count("合计")
            added = sum((item.score for _, item in members if item.score is not None), Decimal(0))
            fixed = scores[subtotal.subject] if id(subtotal) in self.wrong else stated
            claims = [item.claim for _, item in members] + [subtotal]
            if added == stated or self._already_said(claims, self._workbook_sum(members, "score"), fixed):
                continue
            absent = [r for r in self.card.results if r.indicator.category == subtotal.subject and r.counted
                      and r.code not in listed]
            explain = self._explained(absent, stated - added, "score") or \
                f"请核对该一级指标下各项得分和小计（工作簿小计为 {_n(scores[subtotal.subject])} 分）。"
            self._add("P304", f"报告{where}“{subtotal.subject}”下列出的 {len(members)} 项指标得分合计 {_n(added)} 分，"
                              f"而小计写 {_n(stated)} 分，相差 {_n(abs(stated - added))} 分。{explain}", subtotal)
        named = {s.subject for s in subtotals}
        if total is None or total.value is None or len(subtotals) < 2 or \
                len(named) < COMPLETE_ENOUGH * len(self.card.categories):
            return
        self._count("合计")
        added = sum((self._score_of(s, s.points) or Decimal(0) for s in subtotals), Decimal(0))
        corrected = sum((scores[s.subject] if id(s) in self.wrong else self._score_of(s, s.points) or Decimal(0)
                         for s in subtotals), Decimal(0))
        fixed = self.card.total if id(total) in self.wrong else total.value
        if added != total.value and not self._already_said(subtotals + [total], corrected, fixed):
            self._add("P303", f"报告{where}列出的 {len(subtotals)} 个一级指标小计合计 {_n(added)} 分，而总分写 "
                              f"{_n(total.value)} 分，相差 {_n(abs(total.value - added))} 分。请核对各小计和总分"
                              f"（工作簿总分为 {self.card.total_text} 分）。", total)


__all__ = ["check_report"]
