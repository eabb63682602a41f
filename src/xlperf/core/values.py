"""Pure parsers for the values people type: numbers, counts, choices, texts.

They know no cells; callers stamp the place on the InputError with `errors.at(...)`.
Excel hands over floats, ints, strings, None, bools and error strings such as "#DIV/0!".
"""

from __future__ import annotations

import math
import re
import sys
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

from .errors import InputError

EXCEL_ERRORS = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA", "#SPILL!",
                "#CALC!")
_FULL_WIDTH = str.maketrans("０１２３４５６７８９．，－＋％　", "0123456789.,-+% ")
_FULL_WIDTH_DIGITS = frozenset("０１２３４５６７８９")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_GROUPED = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?")
_UNIT_SUFFIX = re.compile(r"^\s*([+-]?[\d.,]+)\s*(万元|亿元|千元|元|%|％|个|次|项|人|场|篇|天|件)\s*$")


def is_blank(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


class Parsed(NamedTuple):
    """A number as read, and how it was read when that was not exactly as typed (a 提示 for the
    department: "“３３２.２１”按 332.21 读取（全角数字），建议直接填写 332.21"); note is None otherwise."""

    value: Decimal | None
    note: str | None = None


_NOTHING = Parsed(None)


def parse_number(raw: object) -> Decimal | None:
    """A number as typed; None for a blank. Refuses units, words and Excel error values."""
    return parse_number_noted(raw).value


def parse_number_noted(raw: object) -> Parsed:
    """parse_number, and a note when the text was read tolerantly: full-width digits, spaces around
    the number, thousands separators. Nothing else is guessed: units, words and errors are refused."""
    if raw is None:
        return _NOTHING
    if isinstance(raw, float):  # (what a spreadsheet gives most: first)
        if not math.isfinite(raw):
            raise InputError("应填数字，收到非有限数")
        return Parsed(_bounded(Decimal(repr(raw))))
    if is_blank(raw):
        return _NOTHING
    if isinstance(raw, bool):
        raise InputError(f"应填数字，收到逻辑值 {'TRUE' if raw else 'FALSE'}")
    if isinstance(raw, Decimal):
        if not raw.is_finite():
            raise InputError("应填数字，收到非有限数")
        return Parsed(raw)
    if isinstance(raw, int):
        return Parsed(_bounded(Decimal(raw)))
    if isinstance(raw, str):
        return _parse_text(raw, raw)
    if is_temporal(raw):
        raise InputError("应填数字，收到的是日期或时间", fix="请把单元格格式改为“常规”或“数值”后重新填写数字")
    what = "列表 [ … ]" if isinstance(raw, (list, tuple)) else "对象 { … }" if isinstance(raw, dict) else "其他类型的值"
    raise InputError(f"应填数字，收到的是{what}", fix="请填写阿拉伯数字，如 332.21")


def is_temporal(value: object) -> bool:
    """A date, time or duration. datetime is not imported for this (1 ms at start-up): a value of its
    types can only exist once something has imported it."""
    for name in ("datetime", "_datetime"):
        module = sys.modules.get(name)
        if module is not None and isinstance(value, (module.date, module.time, module.timedelta)):
            return True
    return False


def _parse_text(raw: str, shown: str) -> Parsed:
    """A number typed as text; `shown` is what the department typed, for the messages."""
    text = raw.strip()
    if not text:
        return Parsed(None)
    if text.upper() in EXCEL_ERRORS:
        raise InputError(f"单元格是 Excel 错误值 {text.upper()}", fix="请检查该单元格的公式，或直接填写数字")
    ascii_text = text.translate(_FULL_WIDTH).strip()
    if _NUMBER.fullmatch(ascii_text):
        value = _bounded(_decimal(ascii_text))
        return Parsed(value, _note(shown, ascii_text, grouped=False))
    if _GROUPED.fullmatch(ascii_text):
        plain = ascii_text.replace(",", "")
        return Parsed(_bounded(_decimal(plain)), _note(shown, plain, grouped=True))
    unit = _UNIT_SUFFIX.match(ascii_text)
    if unit and _NUMBER.fullmatch(unit.group(1).replace(",", "")):
        number = unit.group(1).replace(",", "")
        raise InputError(f"“{text}”含单位“{unit.group(2)}”", fix=f"请只填数字 {number}，单位见表头")
    raise InputError(f"应填数字，收到“{_clip(text)}”", fix="请填写阿拉伯数字，如 332.21")


def _note(shown: str, number: str, *, grouped: bool) -> str | None:
    """Why a text number was not read exactly as typed, or None when it was (a plain "332.21")."""
    reasons = []
    typed = shown.strip().removesuffix("％")  # a full-width percent sign is harmless where % is expected
    if typed.translate(_FULL_WIDTH) != typed:
        reasons.append("全角数字" if any(ch in _FULL_WIDTH_DIGITS for ch in shown) else "全角符号")
    if shown != shown.strip():
        reasons.append("前后有空格")
    if grouped:
        reasons.append("千位分隔符")
    if not reasons:
        return None
    return f"“{_clip(shown, 24)}”按 {number} 读取（{'、'.join(reasons)}），建议直接填写 {number}"


PERCENT_UNITS = ("%", "％", "百分比")


def is_percent_unit(unit: str) -> bool:
    return unit.strip() in PERCENT_UNITS


def parse_number_in_unit(raw: object, unit: str) -> Parsed:
    """A 目标值 or 实际值 in the unit of its row. Where the unit is "%", "95%" is read as 95, as the
    unit says (so 95, "95%" and "95 %" agree); a bare 0.95 stays 0.95, since it may be 0.95%: the
    checks warn when a row mixes the two ways (W302). Otherwise as parse_number_noted."""
    if isinstance(raw, str) and is_percent_unit(unit):
        body = raw.rstrip()
        if body[-1:] in ("%", "％"):
            if not body[:-1].strip():
                raise InputError(f"应填数字，收到“{_clip(raw.strip())}”", fix="请填写百分数，如 95 或 95%")
            return _parse_text(body[:-1] + raw[len(body):], raw)
    return parse_number_noted(raw)


def parse_percent(raw: object) -> Decimal | None:
    """A rate typed any of three ways: 95, 0.95 or "95%" all mean 95% (0.95). Numbers above 1 are
    read as percentages; 1 itself means 100%."""
    if isinstance(raw, str) and raw.strip().translate(_FULL_WIDTH).endswith("%"):
        number = parse_number(raw.strip().translate(_FULL_WIDTH)[:-1])
        return None if number is None else number / 100
    number = parse_number(raw)
    if number is None:
        return None
    return number / 100 if abs(number) > 1 else number


def parse_count(raw: object) -> Decimal | None:
    """A whole, non-negative number of things (problems found, contracts signed ...)."""
    value = parse_number(raw)
    if value is None:
        return None
    if value < 0 or value != value.to_integral_value():
        raise InputError(f"应填不小于 0 的整数，收到 {value}")
    return value.to_integral_value()


def parse_choice(raw: object, choices: tuple[str, ...] | list[str]) -> str | None:
    """One of a fixed list of answers (是/部分/否 …)."""
    if is_blank(raw):
        return None
    text = str(raw).strip()
    if text in choices:
        return text
    allowed = "、".join(f"“{c}”" for c in choices)
    raise InputError(f"应选择 {allowed} 之一，收到“{_clip(text)}”", fix="请从下拉列表中选择")


def parse_text(raw: object) -> str:
    """Free text; numbers are kept as they were written, blanks become ""."""
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw).strip()


#: No amount in a department's accounts comes near this (10^15 万元); beyond it a value is a typo
MAGNITUDE_LIMIT = Decimal("1e15")


_SMALLEST = Decimal("1e-9")


def _bounded(value: Decimal) -> Decimal:
    if abs(value) >= MAGNITUDE_LIMIT:
        raise InputError(f"数值 {value:.6g} 过大，不像是金额或数量", fix="请检查是否多打了数字或用了科学计数法")
    if value != 0 and abs(value) < _SMALLEST:
        raise InputError(f"数值 {value:.6g} 过小，不像是金额或数量", fix="请检查单元格中的数字")
    return value


DIRECTION_SPELLINGS = {">=": "≥", "＞＝": "≥", "≧": "≥", "<=": "≤", "＜＝": "≤", "≦": "≤", "==": "=", "＝": "="}


def normalize_direction(text: str) -> str:
    """≥/≤/= as people type them on a keyboard without those signs (>=, <=, ＝ …)."""
    return DIRECTION_SPELLINGS.get(text.strip(), text.strip())


def _decimal(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation as exc:  # pragma: no cover - guarded by the regular expressions
        raise InputError(f"应填数字，收到“{text}”") from exc
    return value


def _clip(text: str, limit: int = 20) -> str:
    return text if len(text) <= limit else text[:limit] + "…"
