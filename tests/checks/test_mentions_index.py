"""W303 at scale: the indexed matcher gives exactly what comparing every text with every target gave,
and its work grows in proportion to the department's rows, not with texts × targets.

The reference below is the algorithm W303 used before `MentionIndex` (copied as it was): every text
compared with every target, the name's variants recomputed for each pair. Hypothesis draws small
department-years from fragments that make the matcher's hard cases likely: names that contain one
another, core words after leading verbs, units that begin or end another (次/人次/场/场次), 万, links,
approximate and ordinal numbers, full-width digits, spaces, quotes and 的.
"""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlperf._samples import large_data
from xlperf.core.checks import CHECKS, Hit, run_checks, target_indicators
from xlperf.core.checks import _mentions as M
from xlperf.core.checks._mentions import MentionIndex, mentions
from xlperf.core.checks.targets import _agrees, _stated
from xlperf.core.engine import Scorecard, score_year
from xlperf.core.frameworks import Framework, load_framework
from xlperf.core.jsonform import year_from_dict
from xlperf.core.model import TEXT_FIELDS, DepartmentYear, Project, Target

CORE = Path(M.__file__).resolve().parents[1]  # src/xlperf/core


@pytest.fixture(scope="module")
def framework() -> Framework:
    return load_framework("gz-baiyun-2022")


# --- the reference: the quadratic algorithm as it was -------------------------------------------------

_NUMBER_BEFORE = re.compile(r"(\d+(?:\.\d+)?)$")


@functools.lru_cache(maxsize=64)
def ref_normalise(text: str) -> tuple[str, tuple[int, ...]]:
    chars: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text.translate(M._WIDTH)):
        if ch not in M._DROP:
            chars.append(ch)
            index.append(i)
    return "".join(chars), tuple(index)


@functools.lru_cache(maxsize=256)
def ref_name_variants(name: str) -> tuple[str, ...]:
    full = ref_normalise(name)[0]
    variants = [full] if full else []
    core = full
    for _ in range(3):
        verb = next((v for v in M._LEADING_VERBS if core.startswith(v)), None)
        if verb is None:
            break
        core = core[len(verb):]
        if len(core) >= M.MIN_CORE and core not in variants:
            variants.append(core)
    return tuple(variants)


def ref_mentions(text: str, name: str, unit: str, gap: int = 2) -> list[M.Mention]:
    unit = ref_normalise(unit)[0]
    if not unit or not text:
        return []
    norm, index = ref_normalise(text)
    if unit not in norm:
        return []
    found: dict[int, M.Mention] = {}
    for variant in ref_name_variants(name):
        for start in _ref_occurrences(norm, variant):
            for mention in (_ref_after(text, norm, index, start, start + len(variant), unit, gap),
                            _ref_before(text, norm, index, start, start + len(variant), unit)):
                if mention and (mention.position not in found or found[mention.position].matched < mention.matched):
                    found[mention.position] = mention
    return [found[p] for p in sorted(found)]


def _ref_occurrences(text: str, word: str) -> list[int]:
    starts, at = [], text.find(word)
    while at >= 0:
        starts.append(at)
        at = text.find(word, at + 1)
    return starts


def _ref_unit_at(norm: str, at: int, unit: str) -> tuple[Decimal, int] | None:
    for multiplier, written in ((Decimal(1), unit), (Decimal(10000), f"万{unit}")):
        if norm.startswith(written, at):
            longer = any(u != written and u.startswith(written) and norm.startswith(u, at) for u in M._LONGER_UNITS)
            return None if longer else (multiplier, at + len(written))
    return None


def _ref_after(text: str, norm: str, index: tuple[int, ...], start: int, end: int, unit: str,
               gap: int) -> M.Mention | None:
    at = end
    while at < len(norm) and at - end < gap and norm[at] in M._LINKS:
        at += 1
    number = M._NUMBER_AT.match(norm, at)
    if number is None or norm.startswith(M._APPROX_AFTER, number.end()):
        return None
    unit_end = _ref_unit_at(norm, number.end(), unit)
    if unit_end is None or norm.startswith(M._APPROX_AFTER, unit_end[1]):
        return None
    value = Decimal(number.group()) * unit_end[0]
    return M.Mention(value, text[index[start]:index[unit_end[1] - 1] + 1], index[number.start()], end - start)


def _ref_before(text: str, norm: str, index: tuple[int, ...], start: int, end: int, unit: str) -> M.Mention | None:
    head = norm[:start]
    multiplier = Decimal(1)
    if head.endswith(unit):
        head = head[:-len(unit)]
        if head.endswith("万") and not unit.startswith("万"):
            head, multiplier = head[:-1], Decimal(10000)
    else:
        return None
    if any(u != unit and u.endswith(unit) and norm[:start].endswith(u) for u in M._LONGER_UNITS):
        return None
    if head.endswith(M._APPROX_AFTER):
        return None
    number = _NUMBER_BEFORE.search(head)
    if number is None or head[:number.start()].endswith(M._NOT_A_COUNT_BEFORE) or head[:number.start()][-1:] == ".":
        return None
    value = Decimal(number.group(1)) * multiplier
    return M.Mention(value, text[index[number.start()]:index[end - 1] + 1], index[number.start()], end - start)


def ref_best(text: str, claims: list[tuple[str, str]], gap: int) -> list[tuple[int, M.Mention]]:
    """The old W303 loop for one text: each position to the first target with the longest match."""
    best: dict[int, tuple[int, int, M.Mention]] = {}
    norm = ref_normalise(text)[0]
    for i, (name, unit) in enumerate(claims):
        if not any(v in norm for v in ref_name_variants(name)):
            continue
        for m in ref_mentions(text, name, unit, gap):
            if m.position not in best or best[m.position][0] < m.matched:
                best[m.position] = (m.matched, i, m)
    return [(best[p][1], best[p][2]) for p in sorted(best)]


def ref_count_stated_differently(card: Scorecard) -> Iterator[Hit]:
    """W303's body as it was (its helpers _agrees and _stated are unchanged, and imported)."""
    year, rules = card.year, card.framework.checks
    texts = [(f"“{TEXT_FIELDS[key]}”", year.where(f"texts.{key}"), year.texts.get(key, ""))
             for key in rules.consistency_texts]
    fields = {"outputs": "产出完成情况", "benefits": "效益", "satisfaction": "满意度"}
    texts += [(f"项目“{p.name}”的{label}", year.where(f"projects[{i}].{key}") or p.location, getattr(p, key))
              for i, p in enumerate(year.projects) for key, label in fields.items()]
    claims = [t for t in year.targets if t.direction != "定性" and t.actual is not None and t.unit.strip()]
    for label, where, text in texts:
        if not text.strip():
            continue
        best: dict[int, tuple[int, Target, Decimal, str]] = {}
        norm = ref_normalise(text)[0]
        for t in (t for t in claims if any(v in norm for v in ref_name_variants(t.name))):
            for m in ref_mentions(text, t.name, t.unit, rules.mention_gap):
                if m.position not in best or best[m.position][0] < m.matched:
                    best[m.position] = (m.matched, t, m.number, m.quote)
        seen = set()
        for _, t, number, quote in (best[p] for p in sorted(best)):
            if _agrees(number, t) or (t.name, number) in seen:
                continue
            seen.add((t.name, number))
            yield Hit(where, {"field": label, "quote": quote.strip(), "name": t.name,
                              "row": str(t.location) if t.location else "绩效目标表", "stated": _stated(t)},
                      target_indicators(card, t.kind))


# --- random texts and targets, made of what the matcher looks at ------------------------------------

CORES = ("科普讲座", "科普知识竞赛", "科普知识", "知识竞赛", "讲座", "公众对科普工作满意度", "科普工作满意度", "满意度",
         "受教育青少年学生", "科普宣传活动受众人数", "宣传活动", "1号科普基地", "科普知识的竞赛")
VERBS = ("组织", "开展", "举办", "组织开展", "积极组织", "参加", "")
UNITS = ("次", "人次", "场", "场次", "%", "％", "万元", "元", "人", "个", "万人次", " 次", "“场”", "的")
NOISE = ("，", "。", "本年", "\n", "x", " ", "\u3000", "“", "”", "的", "共", "3", "万", ".", "第", "约", "次", "场")
COMMON_UNITS = ("次", "人次", "场", "场次", "%", "万元")
names = (st.tuples(st.sampled_from(VERBS), st.sampled_from(CORES)).map("".join)
         | st.tuples(st.sampled_from(VERBS), st.sampled_from(VERBS), st.sampled_from(CORES)).map("".join)
         | st.text(alphabet="科普讲座次场 3的", max_size=5))
units = st.sampled_from(COMMON_UNITS) | st.sampled_from(UNITS) | st.text(alphabet="次场人万的 %", max_size=3)
numbers = st.sampled_from(["3", "12", "1.5", "95", "0.95", "10000", "1"]).map(Decimal) | st.none()
gaps = st.integers(min_value=0, max_value=6)

# Statements with slots for a name and a unit, filled from the targets drawn (fixed strategies draw fast):
# "名称 [达/为 …] 数字 单位" and "数字 单位 名称", each with what may spoil it (约, 第, 多, 以上, 万 …)
slot = st.integers(min_value=0, max_value=63)
number_texts = st.sampled_from(["3", "12", "1.5", "95", "0.95", "10000", "1", "３", "１２", "1.2.3", ".5", "3.", "9 5"])
# (a target's name or core words and its unit) or (any name, any unit), as the first field says
named = st.tuples(st.booleans(), slot, slot)
after_form = st.tuples(st.just("after"), named, st.sampled_from(["", "", "", "达", "为", "共", "共计", "是了", "达到", ":",
                                                                " ", "的", "，"]),
                       st.sampled_from(["", "", "", "", "约", "第", "近"]), number_texts,
                       st.sampled_from(["", "", "", "万", " "]), st.sampled_from(["", "", "", "多", "以上", "+", "次", "，"]))
before_form = st.tuples(st.just("before"), named, st.sampled_from(["", "", "", "约", "第", "举办", "x", "."]), number_texts,
                        st.sampled_from(["", "", "", "万", "多"]), st.sampled_from(["", "", " ", "的"]))
statements = st.lists(after_form | before_form | st.tuples(st.just("noise"), st.sampled_from(NOISE)), max_size=6)


def text_of(statements: list[tuple[Any, ...]], claims: list[tuple[str, str]]) -> str:
    """The statements with their name and unit filled in: mostly a target's name or core words with its
    unit, else any name with any unit."""
    pairs = [(v, u) for n, u in claims for v in (n, *ref_name_variants(n)[1:])] or [("科普讲座", "场")]
    any_name, any_unit = [n for n, _ in pairs] + list(CORES), [u for _, u in pairs] + list(UNITS)

    def name_and_unit(paired: bool, one: int, two: int) -> tuple[str, str]:
        return pairs[one % len(pairs)] if paired else (any_name[one % len(any_name)], any_unit[two % len(any_unit)])

    parts: list[str] = []
    for kind, *rest in statements:
        if kind == "after":
            (name, unit), link, approx, number, wan, tail = name_and_unit(*rest[0]), *rest[1:]
            parts += [name, link, approx, number, wan, unit, tail]
        elif kind == "before":
            (name, unit), approx, number, wan, space = name_and_unit(*rest[0]), *rest[1:]
            parts += [approx, number, wan, unit, space, name]
        else:
            parts += rest
    return "".join(parts)


core_lists = st.lists(st.sampled_from(CORES), min_size=1, max_size=3)
unit_lists = st.lists(units, min_size=1, max_size=2)
# a name of verbs and one of the few core words, with one of the few units; or any name and unit
claim_shapes = st.lists(st.tuples(st.sampled_from(VERBS), st.sampled_from(VERBS), slot, slot) | st.tuples(names, units),
                        max_size=8)


@st.composite
def claim_lists(draw: st.DrawFn) -> list[tuple[str, str]]:
    """(name, unit) of up to 8 targets, most of them made of a few core words and units, so that two
    names often claim the same number."""
    cores, counted = draw(core_lists), draw(unit_lists)
    return [mine if len(mine) == 2 else
            (mine[0] + mine[1] + cores[mine[2] % len(cores)], counted[mine[3] % len(counted)])
            for mine in draw(claim_shapes)]


target_rows = st.lists(st.tuples(st.sampled_from(("产出", "效益")), st.sampled_from(("≥", "≤", "=", "定性")), numbers,
                                 numbers), min_size=8, max_size=8)
text_fields = st.lists(st.sampled_from(list(TEXT_FIELDS)), max_size=4)
project_counts = st.integers(min_value=0, max_value=3)


@st.composite
def department_years(draw: st.DrawFn, framework: Framework) -> DepartmentYear:
    targets = [Target(kind, name, direction, target, actual, unit)
               for (name, unit), (kind, direction, target, actual) in zip(draw(claim_lists()), draw(target_rows))]
    claims = [(t.name, t.unit) for t in targets]
    projects = [Project(f"项目{i}", outputs=text_of(draw(statements), claims),
                        benefits=text_of(draw(statements), claims), satisfaction=text_of(draw(statements), claims))
                for i in range(draw(project_counts))]
    texts = {key: text_of(draw(statements), claims) for key in draw(text_fields)}
    return DepartmentYear("测试单位", 2022, framework.id, texts=texts, targets=targets, projects=projects)


SETTINGS = settings(max_examples=200, deadline=None)
FEWER = settings(max_examples=100, deadline=None)  # a department-year draws slowly


class TestSameAsComparingEveryPair:
    @SETTINGS
    @given(name=names, unit=units, said=statements, gap=gaps)
    def test_mentions_of_one_target(self, name: str, unit: str, said: list[tuple[Any, ...]], gap: int) -> None:
        text = text_of(said, [(name, unit)])
        assert mentions(text, name, unit, gap) == ref_mentions(text, name, unit, gap)

    @SETTINGS
    @given(claims=claim_lists(), said=st.lists(statements, max_size=4), gap=gaps)
    def test_each_number_goes_to_the_same_target(self, claims: list[tuple[str, str]], said: list[list[tuple[Any, ...]]],
                                                 gap: int) -> None:
        """Longest name first, the first target among equals; twice the same text gives the same answer."""
        texts = [text_of(statements, claims) for statements in said]
        index = MentionIndex(claims, gap)
        for text in texts + texts:
            assert index.claimed(text) == ref_best(text, claims, gap)

    @SETTINGS
    @given(claims=claim_lists(), said=st.lists(statements, max_size=4))
    def test_few_words_found_as_the_index_finds_them(self, claims: list[tuple[str, str]],
                                                      said: list[list[tuple[Any, ...]]]) -> None:
        """A department's few dozen words are looked for one by one (str.find); thousands through the
        index: both give every start of every word, overlapping ones included."""
        words = {variant for name, unit in claims for variant in M.name_variants(name)} | {unit for _, unit in claims}
        few, indexed = M._WordIndex(words), M._WordIndex(words)
        indexed._few = None  # as with more than _WordIndex.FEW words
        for text in (M.normalise(text_of(statements, claims))[0] for statements in said):
            assert few.find(text) == indexed.find(text)

    @FEWER
    @given(data=st.data())
    def test_w303_findings(self, framework: Framework, data: st.DataObject) -> None:
        card = score_year(framework, data.draw(department_years(framework)))
        assert list(CHECKS["W303"].fn(card)) == list(ref_count_stated_differently(card))

    def test_the_example_and_grown_ones(self, framework: Framework) -> None:
        """The example (two W303) and the example grown to 100 rows (every seventh added project states a
        number differently), with every project copied once more."""
        for rows in (0, 100):
            data = large_data(rows, rows)
            added = len(data["projects"]) - 3
            data["projects"] += data["projects"]
            card = score_year(framework, year_from_dict(data, framework))
            hits = list(CHECKS["W303"].fn(card))
            assert hits == list(ref_count_stated_differently(card))
            assert len(hits) == 2 * (2 + len(range(0, added, 7)))


# --- the work grows with the rows ---------------------------------------------------------------------


def lines_run(fn: Callable[[], Any]) -> int:
    """How many lines of xlperf.core `fn` runs (a loop's line once per turn): deterministic work, not time."""
    count = 0
    core = str(CORE)

    def local(frame: FrameType, event: str, arg: Any) -> Any:
        nonlocal count
        count += event == "line"
        return local

    def calls(frame: FrameType, event: str, arg: Any) -> Any:
        return local if frame.f_code.co_filename.startswith(core) else None

    previous = sys.gettrace()
    sys.settrace(calls)
    try:
        fn()
    finally:
        sys.settrace(previous)
    return count


class TestWorkGrowsWithTheRows:
    def test_four_times_the_rows_at_most_about_four_times_the_work(self, framework: Framework) -> None:
        """Every check, on a department-year with n and with 4n targets and projects (each project's texts
        naming two targets): the lines run grow about 4 times, where comparing every text with every
        target grew them about 16 times."""
        work = []
        for n in (60, 240):
            card = score_year(framework, year_from_dict(large_data(n, n), framework))
            assert sum(f.id == "W303" for f in run_checks(card)) > n // 10  # the texts do name targets
            M.normalise.cache_clear()
            M.name_variants.cache_clear()
            work.append(lines_run(functools.partial(run_checks, card)))
        assert work[1] <= 5 * work[0], work

    def test_one_name_in_every_row(self, framework: Framework) -> None:
        """The hostile shapes: one target copied into every row, one name with a different unit in every
        row, and every project naming it: still about 4 times the work for 4 times the rows."""
        work = []
        for n in (100, 400):
            data = large_data(0, 0)
            data["targets"] += [data["targets"][2]] * n  # 开展科普知识竞赛, 3次
            data["targets"] += [dict(data["targets"][2], unit=f"次{chr(0x4E00 + i)}") for i in range(n)]
            data["projects"] += [dict(data["projects"][1], name=f"项目{i}", outputs=f"开展科普知识竞赛 {i}次")
                                 for i in range(n)]
            card = score_year(framework, year_from_dict(data, framework))
            hits = list(CHECKS["W303"].fn(card))
            assert len(hits) == 2 + n - 1  # the example's two, and every project but the one saying 3次
            work.append(lines_run(functools.partial(list, CHECKS["W303"].fn(card))))
        assert work[1] <= 5 * work[0], work
