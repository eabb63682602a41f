"""Where a department's text states a number for one of its 绩效目标, found conservatively.

Two shapes are recognised, with the number's unit the same as the target's:

    开展科普知识竞赛 1次          the name (or its core words), at most a few linking characters
    公众对科普工作满意度达 98%     (达、为、共 …), then the number and the unit;
    本年举办 3次科普知识竞赛       the number and the unit, then straight away the core words.

The core words are the name without the verbs it begins with (组织、开展、举办 …), kept only when
four characters or more. Spaces, quotation marks and 的 are ignored ("公众对科普知识的知晓度" is
"公众对科普知识知晓度"); full-width digits count. Approximate numbers (约 1万人次, 200多篇, 95%以上)
and ordinals (第 3 次) are never taken. Pure: text in, mentions out.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from decimal import Decimal

_DROP = frozenset(" \t\r\n\u3000\xa0“”\"‘’'「」『』《》的")
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
_NUMBER_BEFORE = re.compile(r"(\d+(?:\.\d+)?)$")


@dataclass(frozen=True)
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
    in the original. Cached: every text is compared with every target of the department."""
    chars: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text.translate(_WIDTH)):
        if ch not in _DROP:
            chars.append(ch)
            index.append(i)
    return "".join(chars), tuple(index)


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
        return []  # the common case: a text is compared with every target of the department
    found: dict[int, Mention] = {}
    for variant in name_variants(name):
        for start in _occurrences(norm, variant):
            for mention in (_after(text, norm, index, start, start + len(variant), unit, gap),
                            _before(text, norm, index, start, start + len(variant), unit)):
                if mention and (mention.position not in found or found[mention.position].matched < mention.matched):
                    found[mention.position] = mention
    return [found[p] for p in sorted(found)]


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
            longer = any(u != written and u.startswith(written) and norm.startswith(u, at) for u in _LONGER_UNITS)
            return None if longer else (multiplier, at + len(written))
    return None


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
    """数字 单位 名称 (the core words straight after the unit)."""
    head = norm[:start]
    multiplier = Decimal(1)
    if head.endswith(unit):
        head = head[:-len(unit)]
        if head.endswith("万") and not unit.startswith("万"):
            head, multiplier = head[:-1], Decimal(10000)
    else:
        return None
    if any(u != unit and u.endswith(unit) and norm[:start].endswith(u) for u in _LONGER_UNITS):
        return None  # 3人次 is not 3次
    if head.endswith(_APPROX_AFTER):
        return None
    number = _NUMBER_BEFORE.search(head)
    if number is None or head[:number.start()].endswith(_NOT_A_COUNT_BEFORE) or head[:number.start()][-1:] == ".":
        return None
    value = Decimal(number.group(1)) * multiplier
    return Mention(value, text[index[number.start()]:index[end - 1] + 1], index[number.start()], end - start)
