"""Rounding the way Excel's ROUND does it: half away from zero, on the decimal value.

Python's round() rounds half to even and works on the binary float, so round(2.675, 2) == 2.67
where Excel shows 2.68. Every displayed or stored score goes through `excel_round`.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, localcontext

Number = Decimal | float | int


def to_decimal(value: Number) -> Decimal:
    """Convert exactly as the value is written (repr), not as the binary float is stored."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise TypeError("布尔值不是数字")
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def excel_round(value: Number, digits: int = 2) -> Decimal:
    """ROUND(value, digits) as Excel computes it (ROUND_HALF_UP is away from zero for negatives)."""
    number = to_decimal(value)
    with localcontext() as ctx:
        # quantize needs room for every digit of the result; the default 28 is too few for huge inputs
        ctx.prec = max(ctx.prec, number.adjusted() + digits + 2)
        return number.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def format_number(value: Number, digits: int = 2) -> str:
    """Round and drop trailing zeros: 9.50 -> "9.5", 20.00 -> "20", 0.65 -> "0.65"."""
    rounded = excel_round(value, digits)
    text = f"{rounded:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def format_percent(rate: Number, digits: int = 2) -> str:
    """A rate as a percentage, trailing zeros dropped: 0.94997 -> "95%", 0.9622 -> "96.22%"."""
    return format_number(to_decimal(rate) * 100, digits) + "%"


def format_amount(value: Number, digits: int = 2) -> str:
    """An amount with its decimals kept, as finance tables show money: 315.6 -> "315.60"."""
    rounded = excel_round(value, digits)
    return f"{rounded.copy_abs() if rounded.is_zero() else rounded:f}"
