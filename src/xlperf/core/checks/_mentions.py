"""Where a department's text states a number for one of its 绩效目标, found conservatively.

Two shapes are recognised, with the number's unit the same as the target's:

    开展科普知识竞赛 1次          the name (or its core words), at most a few linking characters
    公众对科普工作满意度达 98%     (达、为、共 …), then the number and the unit;
    本年举办 3次科普知识竞赛       the number and the unit, then straight away the core words.

The core words are the name without the verbs it begins with (组织、开展、举办 …), kept only when
four characters or more. Spaces, quotation marks and 的 are ignored ("公众对科普知识的知晓度" is
"公众对科普知识知晓度"); full-width digits count. Approximate numbers (约 1万人次, 200多篇, 95%以上)
and ordinals (第 3 次) are never taken. Pure: text in, mentions out.

A department may have thousands of targets and projects, and W303 looks for every target in every text:
`MentionIndex` computes each name's variants once, and reads each text once, looking up at each place
only the names that could start there, so the time grows with the texts' length, not with texts × targets.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterable, Sequence
from .._record import record
from decimal import Decimal

_DROP = frozenset(" \t\r\n\u3000\xa0“”\"‘’'「」『』《》的")
_DROPPED = re.compile("[" + "".join(re.escape(ch) for ch in sorted(_DROP)) + "]+")
_WIDTH = str.maketrans("０１２３４５６７８９．％：", "0123456789.%:")
#: verbs a target's name often begins with; the words after them are its core ("科普知识竞赛")
_LEADING_VERBS = ("组织开展", "组织举办", "组织参加", "积极组织", "认真组织", "积极开展", "认真开展", "指导建设",
                  "开展", "举办", "举行", "组织", "参加", "完成", "建设", "新建", "指导", "召开", "实施", "推进")
MIN_CORE = 4
#: characters that may link a name to its number: 竞赛共 3 次, 满意度达 95%, 满意度为 95%
_LINKS = frozenset("达为是共计有了:")
#: a number followed by these is approximate (200多篇, 95%以上) or a bound, never compared
_APPROX_AFTER = ("多", "余", "以上", "以下", "以内", "左右", "+")
#: before the number: approximate (约 3 次) or an ordinal (第 3 次)
_NOT_A_COUNT_BEFORE = ("约", "近", "超", "逾", "第", "过", "至少", "不少于", "不低于")
#: units that begin with a shorter one: "10455人次" is not "10455人"
_LONGER_UNITS = ("人次", "万元", "亿元", "千元", "小时", "个月", "平方米", "场次", "户次", "万人次")
_NUMBER_AT = re.compile(r"\d+(?:\.\d+)?")


@record
class Mention:
    """A number a text states for a target: the number (万 applied), the words as written, and where
    the number stands in the text (to tell two targets claiming the same number apart)."""

    number: Decimal
    quote: str
    position: int
    matched: int  # length of the name or core words matched: the longer, the surer


@functools.lru_cache(maxsize=64)
def normalise(text: str) -> tuple[str, tuple[int, ...]]:
    """The text as compared (no spaces, quotes or 的; half-width digits), with each character's index
    in the original. Cached: the same names and units come back for every text."""
    wide = text.translate(_WIDTH)  # one character for one: positions stay those of `text`
    kept, at = [], 0
    for dropped in _DROPPED.finditer(wide):
        kept.append(range(at, dropped.start()))
        at = dropped.end()
    kept.append(range(at, len(wide)))
    return _DROPPED.sub("", wide), tuple(itertools.chain.from_iterable(kept))


@functools.lru_cache(maxsize=256)
def name_variants(name: str) -> tuple[str, ...]:
    """The name as compared, and its core words (the name without its leading verbs) when long enough."""
    full = normalise(name)[0]
    variants = [full] if full else []
    core = full
    for _ in range(3):
        verb = next((v for v in _LEADING_VERBS if core.startswith(v)), None)
        if verb is None:
            break
        core = core[len(verb):]
        if len(core) >= MIN_CORE and core not in variants:
            variants.append(core)
    return tuple(variants)


def mentions(text: str, name: str, unit: str, gap: int = 2) -> list[Mention]:
    """The numbers `text` states for the target `name` counted in `unit` (one per position)."""
    unit = normalise(unit)[0]
    if not unit or not text:
        return []
    norm, index = normalise(text)
    if unit not in norm:
        return []
    found: dict[int, Mention] = {}
    # the variants go from the longest down: at a position, the longest name that states it is kept
    for variant in name_variants(name):
        for position, mention in _variant_mentions(text, norm, index, variant, _occurrences(norm, variant),
                                                   unit, gap).items():
            found.setdefault(position, mention)
    return [found[p] for p in sorted(found)]


class MentionIndex:
    """Many targets, looked for in many texts: `claimed(text)` is what `mentions` gives for every target
    at once, each number going to one target, in a time that grows with the text, not with the targets.

    The claimants are (name, unit) pairs, such as the targets of a department in their order. A number
    two names could claim goes to the longer name (the surer match), between equal names to the first
    claimant."""

    def __init__(self, claimants: Sequence[tuple[str, str]], gap: int = 2) -> None:
        self._gap = gap
        self._claimants = [(name_variants(name), normalise(unit)[0]) for name, unit in claimants]
        #: (variant, unit) -> the first claimant with that variant of its name and that unit: a later one
        #: never wins a number from it (equal names go to the first)
        self._first: dict[tuple[str, str], int] = {}
        self._units_of: dict[str, set[str]] = {}  # variant -> the units it is claimed in
        for i, (variants, unit) in enumerate(self._claimants):
            if not unit:
                continue  # a target without a unit is never matched
            for variant in variants:
                self._first.setdefault((variant, unit), i)
                self._units_of.setdefault(variant, set()).add(unit)
        self._units = {unit for _, unit in self._first}
        self._words = _WordIndex(self._units_of.keys() | self._units)
        self._done: dict[str, list[tuple[int, Mention]]] = {}  # a text copied into many rows is read once

    def claimed(self, text: str) -> list[tuple[int, Mention]]:
        """(claimant's index, mention) for each number `text` states for a claimant, in text order."""
        if text not in self._done:
            self._done[text] = self._claimed(text)
        return self._done[text]

    def _claimed(self, text: str) -> list[tuple[int, Mention]]:
        if not text:
            return []
        norm, index = normalise(text)
        if _NUMBER_AT.search(norm) is None:
            return []  # every mention states a number
        found = self._words.find(norm)
        units = {word for word in found if word in self._units}
        # position -> (length of the name matched, -claimant): the longest name wins, then the first claimant
        best: dict[int, tuple[int, int]] = {}
        by_pair: dict[tuple[str, str], dict[int, Mention]] = {}
        for variant, starts in found.items():
            for unit in self._units_of.get(variant, set()) & units:
                pair = by_pair[variant, unit] = _variant_mentions(text, norm, index, variant, starts, unit, self._gap)
                rank = (len(variant), -self._first[variant, unit])
                for position in pair:
                    if position not in best or best[position] < rank:
                        best[position] = rank
        claims = []
        for position in sorted(best):
            length, claimant = best[position][0], -best[position][1]
            variants, unit = self._claimants[claimant]
            # a name's variants differ in length: the one of this length is the one that matched
            variant = next(v for v in variants if len(v) == length)
            claims.append((claimant, by_pair[variant, unit][position]))
        return claims


class _WordIndex:
    """Which of many words occur in a text, and where, reading the text once: words are filed by their
    first KEY characters (shorter ones by length), so that at a place of the text one look-up finds the
    few that could start there, compared one length at a time."""

    KEY = 4  # most names are longer: a core word has at least MIN_CORE characters
    #: up to this many words, each is looked for with str.find (a pass of C per word) instead: quicker
    #: for the few dozen targets of a department; the index keeps thousands of targets linear
    FEW = 256

    def __init__(self, words: Iterable[str]) -> None:
        words = set(words)
        # (an empty word, which the index finds at some places only, goes through the index)
        self._few = sorted(words) if len(words) <= self.FEW and "" not in words else None
        short: dict[int, set[str]] = {}  # length -> words shorter than KEY
        long: dict[str, dict[int, set[str]]] = {}  # first KEY characters -> length -> words
        firsts: set[str] = set()
        for word in words:
            firsts.add(word[:1])
            if len(word) < self.KEY:
                short.setdefault(len(word), set()).add(word)
            else:
                long.setdefault(word[:self.KEY], {}).setdefault(len(word), set()).add(word)
        # shortest first: a length beyond the end of the text ends the comparisons
        self._short = sorted(short.items())
        self._long = {key: sorted(by_length.items()) for key, by_length in long.items()}
        # the places where some word could start, skipped to by re (one character class: linear)
        chars = "".join(re.escape(ch) for ch in sorted(firsts))
        self._starts = re.compile(f"[{chars}]") if chars else None

    def find(self, text: str) -> dict[str, list[int]]:
        """word -> where it starts in `text` (every start, overlapping ones included, in order)."""
        found: dict[str, list[int]] = {}
        if self._few is not None:
            for word in self._few:
                if word in text:
                    found[word] = _occurrences(text, word)
            return found
        if self._starts is None:
            return found
        for start in self._starts.finditer(text):
            at = start.start()
            rest = len(text) - at
            for lengths in (self._short, self._long.get(text[at:at + self.KEY], ())):
                for length, words in lengths:
                    if length > rest:
                        break
                    if text[at:at + length] in words:
                        found.setdefault(text[at:at + length], []).append(at)
        return found


def _variant_mentions(text: str, norm: str, index: tuple[int, ...], variant: str, starts: Iterable[int], unit: str,
                      gap: int) -> dict[int, Mention]:
    """position -> the first mention there of one variant of a name, found at `starts`."""
    found: dict[int, Mention] = {}
    for start in starts:
        for mention in (_after(text, norm, index, start, start + len(variant), unit, gap),
                        _before(text, norm, index, start, start + len(variant), unit)):
            if mention is not None:
                found.setdefault(mention.position, mention)
    return found


def _occurrences(text: str, word: str) -> list[int]:
    starts, at = [], text.find(word)
    while at >= 0:
        starts.append(at)
        at = text.find(word, at + 1)
    return starts


def _unit_at(norm: str, at: int, unit: str) -> tuple[Decimal, int] | None:
    """(multiplier, end) when `unit` (or 万 + unit) starts at `at`, and is not part of a longer unit."""
    for multiplier, written in ((Decimal(1), unit), (Decimal(10000), f"万{unit}")):
        if norm.startswith(written, at):
            return None if norm.startswith(_longer_units(written), at) else (multiplier, at + len(written))
    return None


@functools.lru_cache(maxsize=256)
def _longer_units(unit: str, ending: bool = False) -> tuple[str, ...]:
    """The units of _LONGER_UNITS that begin (or end) with `unit` and are not it."""
    return tuple(u for u in _LONGER_UNITS if u != unit and (u.endswith(unit) if ending else u.startswith(unit)))


def _after(text: str, norm: str, index: tuple[int, ...], start: int, end: int, unit: str, gap: int) -> Mention | None:
    """名称 [达/为/共 …] 数字 单位."""
    at = end
    while at < len(norm) and at - end < gap and norm[at] in _LINKS:
        at += 1
    number = _NUMBER_AT.match(norm, at)
    if number is None or norm.startswith(_APPROX_AFTER, number.end()):
        return None
    unit_end = _unit_at(norm, number.end(), unit)
    if unit_end is None or norm.startswith(_APPROX_AFTER, unit_end[1]):
        return None
    value = Decimal(number.group()) * unit_end[0]
    return Mention(value, text[index[start]:index[unit_end[1] - 1] + 1], index[number.start()], end - start)


def _before(text: str, norm: str, index: tuple[int, ...], start: int, end: int, unit: str) -> Mention | None:
    """数字 单位 名称 (the core words straight after the unit). Looks back from `start` without copying
    the text before it (a long text may name a target many times)."""
    if not norm.endswith(unit, 0, start):
        return None
    head = start - len(unit)  # the number ends here
    multiplier = Decimal(1)
    if norm.endswith("万", 0, head) and not unit.startswith("万"):
        head, multiplier = head - 1, Decimal(10000)
    if norm.endswith(_longer_units(unit, ending=True), 0, start):
        return None  # 3人次 is not 3次
    if norm.endswith(_APPROX_AFTER, 0, head):
        return None
    first = _number_start(norm, head)
    if first is None or norm.endswith(_NOT_A_COUNT_BEFORE, 0, first) or norm[first - 1:first] == ".":
        return None
    value = Decimal(norm[first:head]) * multiplier
    return Mention(value, text[index[first]:index[end - 1] + 1], index[first], end - start)


def _number_start(norm: str, end: int) -> int | None:
    """Where the number that ends at `end` starts (12, or 1.5: digits with at most one decimal point,
    taken as far back as it goes), or None when no digit ends there."""
    at = end
    while at > 0 and norm[at - 1].isdecimal():  # str.isdecimal is exactly re's \d
        at -= 1
    if at == end:
        return None
    if at >= 2 and norm[at - 1] == "." and norm[at - 2].isdecimal():
        at -= 1
        while at > 0 and norm[at - 1].isdecimal():
            at -= 1
    return at
