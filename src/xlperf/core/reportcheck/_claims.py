"""What a report states, found in its paragraphs and tables: claims about scores, totals, the grade, rates
and amounts, each with the place and the words it stands in. Pure: blocks and a Scorecard in, claims out.

What is recognised (spaces, full-width digits and the style of quotation marks never matter):

- an indicator (its name in the framework, or the department's own name for an editable one), then in
  the same sentence 分值/满分 N 分, （N 分）, 自评得分/得分 N 分, 得 N 分, 得满分, 不得分, 扣 N 分;
- a line shaped as one (“某某，该指标分值 2 分…”) whose name is no indicator: an indicator the
  framework does not have;
- a 一级指标 (category) name followed by 类/指标/小计/得分/a mark, then its 小计 or 得分 as above;
- a total: 总分、自评分数、综合得分 … N 分, or 自评得分 N 分 said of the department;
- the grade: 等级为“优” and the like, with the framework's grade names;
- a rate: a word ending in 率, then (=, 为, 达 …, or a formula “= a/b =”) N%. It is the rate of the amounts
  just stated (预算数 A 万元，决算数 B 万元，完成率 R%), of an indicator whose rule names that rate
  (结转结余率), the 执行率, a category's 得分率, or of the indicator whose section it stands in when the
  names share words (固定资产使用率 under 固定资产利用率);
- an amount: N 万元 / N 元, named by the words before it (整体支出全年预算数, then 决算数 for the same
  subject), matched to the framework's facts or a project's 预算数/决算数.

A score table (a header with 指标, 分值 and 得分 columns) is read by column: indicator rows, 小计 rows,
合计/总分 and 等级 rows. Any other table is read row by row as sentences (a header's unit, 预算数（万元）,
is carried to the numbers below it).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from ..engine import Scorecard
from ._text import Block, Normalized, normalize

INDICATOR, UNKNOWN, CATEGORY, TOTAL, GRADE, RATE, AMOUNT = (
    "indicator", "unknown", "category", "total", "grade", "rate", "amount")
TEXT_LISTING = "正文"

NUM = r"-?\d+(?:\.\d+)?"
_QUOTES = "“”\"‘’'「」『』"
_SENTENCE_END = re.compile(r"[。！？]")
_POINTS = re.compile(rf"(?:分值|满分|权重|标准分)(?:为|是|：)?\s*({NUM})\s*分")
_POINTS_RIGHT_AFTER = re.compile(rf"\s*[（]\s*({NUM})\s*分\s*[）]")
_SCORE = re.compile(rf"(?:(?:自评)?得分(?!率)(?:为|是|：)?\s*({NUM})\s*分)|(?:(?<!不)得\s*({NUM})\s*分)|"
                    rf"(得满分)|(不得分)|(?:(?:小计|合计)(?:为|：)?\s*({NUM})\s*分)|(?:扣(?:除)?\s*({NUM})\s*分)")
#: after a 一级指标's name, what shows it is the category that is meant (not 预算执行率 for 预算执行)
_CATEGORY_FOLLOWS = re.compile(r"(?:$|[\s，。；：、（）()“”]|\d|类|指标|小计|合计|得|分值|满分|共|部分|方面|项|总)")
_UNKNOWN = re.compile(rf"(?:^|[。；])\s*(?:[（]\d{{1,2}}[）]|\d{{1,2}}[、.]|[\u2460-\u2473])?\s*"
                      rf"(?P<name>[^\s，。；：（）、\d][^，。；：]{{1,38}}?)\s*[，：]?\s*(?:该指标|该项|本指标|本项)?"
                      rf"(?:分值|满分)(?:为|是)?\s*(?P<points>{NUM})\s*分")
_NOT_A_NAME = re.compile(r"总|合计|小计|满分|评分表|指标体系")
_TOTAL = re.compile(rf"(?P<key>自评总分|总得分|总分|自评分数|综合得分|综合评分|得分合计|合计得分|最终得分|评价得分|总计)"
                    rf"(?:为|是|：|达到|达|共计|共)?\s*(?P<value>{NUM})\s*分")
_WEAK_TOTAL = re.compile(rf"(?P<key>自评得分|自评分|得分)(?:为|是|：|达到|达|共计|共)?\s*(?P<value>{NUM})\s*分")
_OF_THE_DEPARTMENT = re.compile(r"部门|单位|整体|年度|全年|我局|我委|我办|我院|我中心|我会")
_RATE = re.compile(rf"(?P<label>[\u4e00-\u9fff“”]{{1,16}}率)\s*(?:为|是|达到|达|约为|约|：|=)?\s*"
                   rf"(?:[-\d.\s/×*÷（）]+?=\s*)?(?P<value>{NUM})\s*%")
_AMOUNT = re.compile(r"(?<![\d.])(?P<value>-?\d{1,3}(?:,\d{3})+(?:\.\d+)?|-?\d+(?:\.\d+)?)\s*(?P<unit>万元|亿元|元)(?![旦宵])")
_CLAUSE_START = re.compile(r"[，。；：、]")
#: a paragraph that opens a new heading or list item ends the section of the indicator above it
_SECTION = re.compile(r"\s*(?:[一二三四五六七八九十]{1,3}、|[（][一二三四五六七八九十]{1,3}[）]|\d{1,2}[、.．](?!\d)|"
                      r"[（]\d{1,2}[）]|[（][a-z][）])")
#: labels of a rate that, right after a 预算数 and a 决算数, mean the one divided by the other
_PAIR_RATES = ("完成率", "执行率", "支出率", "支出进度", "执行进度")
#: names of the 执行率 (支出决算数 / 支出预算数) when no amounts precede it
_EXECUTION_RATES = ("预算资金支出率", "预算执行率", "预算支出率", "资金支出率", "资金执行率", "支出执行率", "执行率",
                    "支出率", "支出进度", "执行进度")
#: the words of a fact's name after its subject, longest first: 整体支出|预算数, “三公”经费|实际支出数
_KINDS = ("实际支出数", "预算安排数", "实际金额", "预算金额", "决算数", "预算数", "支出数", "执行数", "实际数", "收入数",
          "金额", "资金")
_GRADE_SYNONYMS = {"优秀": "优", "良好": "良", "中等": "中", "较差": "差"}
_TABLE_TOTALS = ("合计", "总计", "总分", "合计得分", "总得分")
_TABLE_GRADES = ("等级", "评价等级", "自评等级", "绩效等级", "等次")
_CELL_NUMBER = re.compile(rf"\s*({NUM})\s*分?\s*")


@dataclass(frozen=True)
class Claim:
    """One thing the report states. `subject` says what it is about: an indicator's code, a category's
    name, a fact ("fact:basic_actual"), a project's amount ("project:0:budget"), a rate ("execution",
    "indicator:ZH01", "pair:basic_actual/basic_budget"); "" when unknown."""

    kind: str
    block: Block
    norm: Normalized
    span: tuple[int, int]
    listing: str
    subject: str = ""
    name: str = ""  # as written: an unknown indicator's name, a rate's label, an amount's words
    points: Decimal | None = None
    value: Decimal | None = None  # a score, a total, an amount (in `unit`), a rate (in %)
    digits: int = 0  # decimals written (rates, amounts)
    unit: str = ""
    grade: str = ""
    how: str = ""  # a score said without its number: "full" (得满分), "deduct" (扣 N 分: value is the deduction)

    @property
    def quote(self) -> str:
        if self.block.is_row:
            return row_quote(self.block)
        return self.norm.quote(*self.span)


def row_quote(block: Block, limit: int = 60) -> str:
    """A table row as quoted: its cells, merged ones once, " | " between them."""
    cells: list[str] = []
    for cell in block.cells:
        text = " ".join(cell.split())
        if text and (not cells or cells[-1] != text):
            cells.append(text)
    quoted = " | ".join(cells)
    return quoted if len(quoted) <= limit else quoted[:limit - 1] + "…"


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None


def _digits(text: str) -> int:
    return len(text.partition(".")[2])


def _name_pattern(name: str) -> str:
    """A name as found in text: spaces anywhere, any style of quotation marks or none."""
    parts = []
    for ch in normalize(name).text:
        if ch == " ":
            continue
        parts.append(f"[{re.escape(_QUOTES)}]?" if ch in _QUOTES else re.escape(ch))
    return r"\s*".join(parts)


@dataclass(frozen=True)
class _Fact:
    subject: str  # "fact:<key>" or "project:<i>:budget|actual"
    name: str
    head: str  # the words before the kind: 整体支出
    kind: str  # budget | actual | other
    unit: str


def _kind_of(words: str) -> str:
    """budget, actual or other, by the last telling word: 全年预算数 -> budget, 实际支出数 -> actual."""
    found = [(m.start(), "budget" if m.group() == "预算" else "actual")
             for m in re.finditer(r"预算|决算|实际|支出|执行数", words)]
    return max(found)[1] if found else "other"


class Vocabulary:
    """The names the linter looks for, from the framework and the department-year."""

    def __init__(self, card: Scorecard) -> None:
        fw, year = card.framework, card.year
        names: list[tuple[str, str, str]] = []  # (pattern, kind, subject)
        for ind in fw.indicators:
            spelled = {ind.name}
            entered = year.entry(ind.code).name.strip()
            if ind.name_editable and entered:
                spelled.add(entered)
            names += [(_name_pattern(n), INDICATOR, ind.code) for n in spelled if normalize(n).text]
        names += [(_name_pattern(c.name), CATEGORY, c.name) for c in fw.categories]
        names.sort(key=lambda item: -len(item[0]))
        self._kinds = {f"s{i}": (kind, subject) for i, (_, kind, subject) in enumerate(names)}
        self.subjects = re.compile("|".join(f"(?P<s{i}>{pattern})" for i, (pattern, _, _) in enumerate(names)))
        self.categories = {c.name for c in fw.categories}
        grades = {g.name: g.name for g in fw.grades}
        for synonym, grade in _GRADE_SYNONYMS.items():
            if grade in grades and synonym not in grades:
                grades[synonym] = grade
        self.grade_of = grades
        alternatives = "|".join(re.escape(g) for g in sorted(grades, key=len, reverse=True))
        quote_open, quote_close = "[“\"「『]?", "[”\"」』]"
        self.grade = re.compile(rf"(?:等级|等次|评级|评价结果|自评结果|评定结果|档次)(?:为|是|：|评定为|评为|确定为|属于|属)?\s*"
                                rf"{quote_open}(?P<grade>{alternatives})(?:{quote_close}|(?![\u4e00-\u9fff]))"
                                rf"|评(?:为|定为)\s*{quote_open}(?P<grade2>{alternatives}){quote_close}?\s*(?:等级|等次|级)")
        # rates an indicator's rule names (its method's label), longest first
        labels: list[tuple[str, str]] = []
        for ind in fw.indicators:
            label = getattr(ind.params, "label", None)
            if isinstance(label, str) and label.endswith("率"):
                labels.append((normalize(label).text, ind.code))
        self.rate_labels = sorted(labels, key=lambda item: -len(item[0]))
        self.has_execution = fw.scoring.execution_rate is not None
        # indicators whose rule computes one rate (not an average over targets): a rate stated in their
        # section under another name (固定资产使用率 for 固定资产利用率) is theirs when the names share words
        self.rated = {r.code: normalize(r.indicator.name).text + str(getattr(r.indicator.params, "label", ""))
                      for r in card.results if r.rate is not None and isinstance(getattr(r.indicator.params, "label", None), str)}
        self.category_names = sorted((c.name for c in fw.categories), key=len, reverse=True)
        facts = [_Fact(f"fact:{f.key}", f.name, *self._split(f.name), f.unit) for f in fw.facts if f.unit in ("万元", "元")]
        for i, project in enumerate(year.projects):
            if project.name.strip():
                facts += [_Fact(f"project:{i}:budget", f"{project.name}预算数", project.name.strip(), "budget", "万元"),
                          _Fact(f"project:{i}:actual", f"{project.name}决算数", project.name.strip(), "actual", "万元")]
        self.facts = facts
        heads = sorted({f.head for f in facts if f.head}, key=len, reverse=True)
        self.heads = [(head, re.compile(_name_pattern(head))) for head in heads]

    @staticmethod
    def _split(name: str) -> tuple[str, str]:
        text = normalize(name).text
        for kind in _KINDS:
            if text.endswith(kind) and len(text) > len(kind):
                return text[:-len(kind)], _kind_of(kind)
        return text, "other"

    def subject(self, match: re.Match[str]) -> tuple[str, str]:
        return self._kinds[match.lastgroup or ""]

    def fact(self, head: str, kind: str) -> _Fact | None:
        return next((f for f in self.facts if f.head == head and f.kind == kind), None)


@dataclass
class _Section:
    """What carries over from one paragraph to the next: the indicator whose section we are in."""

    indicator: str = ""


def find_claims(blocks: Iterable[Block], vocab: Vocabulary) -> list[Claim]:
    """Every claim of the report, in document order."""
    claims: list[Claim] = []
    section = _Section()
    tables: dict[int, list[Block]] = {}
    order: list[tuple[str, int, Block]] = []
    for block in blocks:
        if block.is_row:
            if block.place.table not in tables:
                order.append(("table", block.place.table, block))
            tables.setdefault(block.place.table, []).append(block)
        else:
            order.append(("paragraph", 0, block))
    for what, table, block in order:
        if what == "table":
            claims += _table_claims(tables[table], vocab)
            section.indicator = ""
        else:
            claims += _paragraph_claims(block, normalize(block.text), vocab, section, TEXT_LISTING)
    return claims


def _paragraph_claims(block: Block, norm: Normalized, vocab: Vocabulary, section: _Section,
                      listing: str) -> list[Claim]:
    text = norm.text
    claims: list[Claim] = []
    covered: list[tuple[int, int]] = []
    matches = [m for m in vocab.subjects.finditer(text) if _is_subject(m, vocab, text)]
    named_indicator = False
    for i, match in enumerate(matches):
        kind, subject = vocab.subject(match)
        end = _sentence_end(text, match.end())
        if i + 1 < len(matches):
            end = min(end, matches[i + 1].start())
        covered.append((match.start(), end))
        claim = _scored(kind, subject, block, norm, match, end, listing)
        if claim is not None:
            claims.append(claim)
            if kind == INDICATOR:
                section.indicator, named_indicator = subject, True
    for match in _UNKNOWN.finditer(text):
        name_start, name_end = match.span("name")
        if any(m.start() < name_end and name_start < m.end() for m in matches) or _NOT_A_NAME.search(match["name"]):
            continue
        end = _sentence_end(text, match.end())
        covered.append((name_start, end))
        scored = _score_in(text, match.end(), end)
        claims.append(Claim(UNKNOWN, block, norm, (name_start, scored[2] if scored else match.end()), listing,
                            name=match["name"].strip(), points=_decimal(match["points"]),
                            value=scored[0] if scored else None, how=scored[1] if scored else ""))
        section.indicator, named_indicator = "", True
    if not named_indicator and _SECTION.match(text):
        section.indicator = ""
    claims += _totals(block, norm, covered, listing)
    claims += _grades(block, norm, vocab, listing)
    claims += _rates_and_amounts(block, norm, vocab, section, listing)
    return claims


def _is_subject(match: re.Match[str], vocab: Vocabulary, text: str) -> bool:
    kind, _ = vocab.subject(match)
    return kind != CATEGORY or bool(_CATEGORY_FOLLOWS.match(text, match.end()))


def _sentence_end(text: str, start: int) -> int:
    found = _SENTENCE_END.search(text, start)
    return found.end() if found else len(text)


def _score_in(text: str, start: int, end: int) -> tuple[Decimal | None, str, int] | None:
    """The first score stated in text[start:end]: (the number, how it is said: "" for a number (不得分 is 0),
    "full" for 得满分, "deduct" for 扣 N 分; where it ends)."""
    match = _SCORE.search(text, start, end)
    if match is None:
        return None
    stated, by_get, full, none, subtotal, deducted = match.groups()
    if full:
        return None, "full", match.end()
    if none:
        return Decimal(0), "", match.end()
    if deducted:
        return _decimal(deducted), "deduct", match.end()
    return _decimal(stated or by_get or subtotal or ""), "", match.end()


def _scored(kind: str, subject: str, block: Block, norm: Normalized, match: re.Match[str], end: int,
            listing: str) -> Claim | None:
    """An indicator's or a category's 分值 and 得分 stated after its name, up to `end`."""
    text = norm.text
    right_after = _POINTS_RIGHT_AFTER.match(text, match.end(), end)
    points_match = right_after or _POINTS.search(text, match.end(), end)
    scored = _score_in(text, match.end(), end)
    if points_match is None and scored is None:
        return None
    points = _decimal(points_match.group(1)) if points_match else None
    value, how = (scored[0], scored[1]) if scored else (None, "")
    stop = max(points_match.end() if points_match else 0, scored[2] if scored else 0)
    return Claim(kind, block, norm, (match.start(), stop), listing, subject=subject, name=match.group(),
                 points=points, value=value, how=how)


def _totals(block: Block, norm: Normalized, covered: list[tuple[int, int]], listing: str) -> list[Claim]:
    text = norm.text
    found: list[Claim] = []
    for pattern in (_TOTAL, _WEAK_TOTAL):
        for match in pattern.finditer(text):
            at = match.start()
            if any(start <= at < end for start, end in covered) or any(c.span[0] <= at < c.span[1] for c in found):
                continue
            if pattern is _WEAK_TOTAL:
                clause = text[max((m.end() for m in _CLAUSE_START.finditer(text, 0, at)), default=0):at]
                if not _OF_THE_DEPARTMENT.search(clause):
                    continue
            start = max((m.end() for m in _CLAUSE_START.finditer(text, 0, at)), default=0)
            found.append(Claim(TOTAL, block, norm, (start, match.end()), listing, value=_decimal(match["value"])))
    found.sort(key=lambda c: c.span)
    return found


def _grades(block: Block, norm: Normalized, vocab: Vocabulary, listing: str) -> Iterator[Claim]:
    text = norm.text
    for match in vocab.grade.finditer(text):
        written = match["grade"] or match["grade2"]
        start = max((m.end() for m in _CLAUSE_START.finditer(text, 0, match.start())), default=0)
        yield Claim(GRADE, block, norm, (start, match.end()), listing, name=written, grade=vocab.grade_of[written])


def _rates_and_amounts(block: Block, norm: Normalized, vocab: Vocabulary, section: _Section,
                       listing: str) -> list[Claim]:
    """Amounts and rates in reading order, each sentence carrying its subject (整体支出…，决算数 …) and
    the 预算数/决算数 just stated, which a following 完成率 divides."""
    text = norm.text
    tokens = sorted([(m.start(), RATE, m) for m in _RATE.finditer(text)]
                    + [(m.start(), AMOUNT, m) for m in _AMOUNT.finditer(text)], key=lambda t: t[0])
    claims: list[Claim] = []
    boundary = 0  # where the words naming the next number begin
    head = ""
    pending: dict[str, dict[str, str]] = {}  # head -> kind -> subject of the amounts just stated
    sentence = 0
    for start, kind, match in tokens:
        if any(c.span[0] <= start < c.span[1] for c in claims):
            continue  # inside a rate's formula: 315.59/332.21
        sentence_start = max((m.end() for m in _SENTENCE_END.finditer(text, 0, start)), default=0)
        if sentence_start != sentence:
            sentence, head, pending = sentence_start, "", {}
            boundary = max(boundary, sentence_start)
        words_start = max(boundary, sentence_start)
        window = text[words_start:start]
        if kind == AMOUNT:
            subject, head, named_at = _amount_subject(window, head, vocab)
            value = match["value"]
            if subject:
                fact = next(f for f in vocab.facts if f.subject == subject)
                pending.setdefault(fact.head, {})[fact.kind] = subject
            claims.append(Claim(AMOUNT, block, norm, (words_start + named_at, match.end()), listing, subject=subject,
                                name=window[named_at:].strip(), value=_decimal(value), digits=_digits(value),
                                unit=match["unit"]))
        else:
            label = match["label"]
            subject = _rate_subject(label, pending, vocab, section)
            value = match["value"]
            claims.append(Claim(RATE, block, norm, (match.start(), match.end()), listing, subject=subject,
                                name=label, value=_decimal(value), digits=_digits(value)))
        boundary = match.end()
    return claims


_KIND_WORDS = re.compile(r"预算|决算|实际|支出|执行数")


def _amount_subject(window: str, head: str, vocab: Vocabulary) -> tuple[str, str, int]:
    """(the fact or project amount the words before a number name, "" when unknown; the subject they carry
    on to the next number; where in `window` the naming words begin, for the quote)."""
    best: tuple[int, int, int] | None = None  # (end, length, start) of the subject named last
    chosen = ""
    for name, pattern in vocab.heads:
        for match in pattern.finditer(window):
            key = (match.end(), len(name), match.start())
            if best is None or key > best:
                best, chosen = key, name
    clause = max((m.end() for m in _CLAUSE_START.finditer(window)), default=0)
    starts = [m.start() for m in _KIND_WORDS.finditer(window) if m.start() >= clause] + ([best[2]] if best else [])
    named_at = min(starts) if starts else max(clause, len(window) - 12)
    if best is not None:
        end, _, start = best
        kind = _kind_of(window[end:])
        if kind == "other":
            kind = _kind_of(window[:start])
        fact = vocab.fact(chosen, kind) or vocab.fact(chosen, "other")
        return (fact.subject if fact else ""), chosen, named_at
    if head:
        fact = vocab.fact(head, _kind_of(window))
        return (fact.subject if fact and fact.kind != "other" else ""), head, named_at
    return "", head, named_at


def _rate_subject(label: str, pending: dict[str, dict[str, str]], vocab: Vocabulary, section: _Section) -> str:
    if label.endswith(_PAIR_RATES):
        for kinds in reversed(list(pending.values())):
            if "budget" in kinds and "actual" in kinds:
                subject = f"pair:{kinds['actual']}/{kinds['budget']}"
                kinds.clear()
                return subject
    if label.endswith("得分率"):  # a category's share of its points (the report's chart)
        category = next((c for c in vocab.category_names if c in label), "")
        return f"category:{category}" if category else ""
    for known, code in vocab.rate_labels:
        if label.endswith(known):
            return f"indicator:{code}"
    if vocab.has_execution and label.endswith(_EXECUTION_RATES):
        return "execution"
    words = vocab.rated.get(section.indicator, "")
    own = re.sub(r"^(?:我|本)(?:部门|单位)?", "", label)[:-1]
    if words and any(own[i:i + 2] in words for i in range(len(own) - 1)):
        return f"indicator:{section.indicator}"
    return ""


# --- tables ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Columns:
    name: int
    category: int
    points: int
    score: int


def _header(rows: list[Block]) -> tuple[int, _Columns] | None:
    """The header row of a score table and its columns: 指标, 分值 and 得分 (and 一级指标, when there)."""
    for index, row in enumerate(rows[:3]):
        cells = [normalize(c).text.replace(" ", "") for c in row.cells]
        named = [i for i, c in enumerate(cells) if "指标" in c and "一级" not in c and len(c) <= 8]
        category = next((i for i, c in enumerate(cells) if "一级" in c and "指标" in c), -1)
        points = next((i for i, c in enumerate(cells) if re.search("分值|权重|标准分|满分", c)), -1)
        score = next((i for i, c in enumerate(cells) if re.search("得分|自评分|评分结果", c) and "扣" not in c), -1)
        if not named and category >= 0:
            named = [category]
        if named and points >= 0 and score >= 0 and points != score:
            return index, _Columns(named[-1], category if category != named[-1] else -1, points, score)
    return None


def _cell(row: Block, column: int) -> str:
    return normalize(row.cells[column]).text if 0 <= column < len(row.cells) else ""


def _cell_number(row: Block, column: int) -> Decimal | None:
    match = _CELL_NUMBER.fullmatch(_cell(row, column))
    return _decimal(match.group(1)) if match else None


def _table_claims(rows: list[Block], vocab: Vocabulary) -> list[Claim]:
    listing = f"表 {rows[0].place.table}"
    found = _header(rows)
    if found is None:
        return _plain_table_claims(rows, vocab, listing)
    header, columns = found
    claims: list[Claim] = []
    category = ""
    whole = re.compile(rf"(?:{vocab.subjects.pattern})")
    for row in rows[header + 1:]:
        norm = normalize(" | ".join(row.cells))
        name = re.sub(r"^\s*(?:\d{1,2}[、.．]|[（]\d{1,2}[）])\s*", "", _cell(row, columns.name)).strip()
        group = _cell(row, columns.category).strip()
        points, score = _cell_number(row, columns.points), _cell_number(row, columns.score)
        labels = {name.replace(" ", ""), group.replace(" ", "")}
        span = (0, len(norm.text))
        if group in vocab.categories:
            category = group
        if labels & set(_TABLE_GRADES):
            for i, cell in enumerate(row.cells):
                text = normalize(cell).text.strip(" “”\"")
                if i not in (columns.name, columns.category) and text in vocab.grade_of:
                    claims.append(Claim(GRADE, row, norm, span, listing, name=text, grade=vocab.grade_of[text]))
                    break
            continue
        if labels & set(_TABLE_TOTALS):
            if points is not None or score is not None:
                claims.append(Claim(TOTAL, row, norm, span, listing, points=points, value=score))
            continue
        if "小计" in labels:
            if category and (points is not None or score is not None):
                claims.append(Claim(CATEGORY, row, norm, span, listing, subject=category, name=category,
                                    points=points, value=score))
            continue
        if not name and group in vocab.categories and (points is not None or score is not None):
            claims.append(Claim(CATEGORY, row, norm, span, listing, subject=group, name=group, points=points,
                                value=score))
            continue
        match = whole.fullmatch(name) if name else None
        if match is None and name:
            match = whole.search(name)
        if match is not None:
            kind, subject = vocab.subject(match)
            if kind == INDICATOR or (points is not None or score is not None):
                claims.append(Claim(kind, row, norm, span, listing, subject=subject, name=name,
                                    points=points, value=score))
                continue
        if name and (points is not None or score is not None) and not _NOT_A_NAME.search(name):
            claims.append(Claim(UNKNOWN, row, norm, span, listing, name=name, points=points, value=score))
    return claims


_HEADER_UNIT = re.compile(r"[（(]?\s*(?:单位[:：]?\s*)?(万元|元)\s*[）)]?")


def _plain_table_claims(rows: list[Block], vocab: Vocabulary, listing: str) -> list[Claim]:
    """A table that is not a score table, each row read as a sentence: "基本支出预算数 294.73万元，…"."""
    header = [normalize(c).text for c in rows[0].cells] if rows else []
    claims: list[Claim] = []
    for row in rows:
        cells = [normalize(c).text for c in row.cells]
        label = cells[0] if cells else ""
        parts: list[str] = []
        for i, cell in enumerate(cells):
            top = header[i] if i < len(header) and row is not rows[0] else ""
            unit = _HEADER_UNIT.search(top)
            if unit and _CELL_NUMBER.fullmatch(cell) and i:
                parts.append(f"{label}{_HEADER_UNIT.sub('', top)} {cell.strip()}{unit.group(1)}")
            elif i and top and re.fullmatch(rf"\s*{NUM}\s*%\s*", cell):
                parts.append(f"{label}{top}{cell.strip()}")
            elif cell and (i == 0 or not parts or parts[-1] != cell):
                parts.append(cell)
        sentence = Block("，".join(p for p in parts if p), row.place, row.cells)
        claims += _paragraph_claims(sentence, normalize(sentence.text), vocab, _Section(), listing)
    return claims


AMOUNT_PATTERN = _AMOUNT

__all__ = ["AMOUNT", "AMOUNT_PATTERN", "CATEGORY", "GRADE", "INDICATOR", "RATE", "TEXT_LISTING", "TOTAL", "UNKNOWN", "Claim",
           "Vocabulary", "find_claims", "row_quote"]
