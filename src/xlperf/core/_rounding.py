"""Rounding the way Excel's ROUND does it: half away from zero, on the decimal value.

Python's round() rounds half to even and works on the binary float, so round(2.675, 2) == 2.67
where Excel shows 2.68. Every displayed or stored score goes through `excel_round`, and every rate
that is shown or compared with a threshold goes through `ShownRate`.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, getcontext, localcontext

from ._record import record

Number = Decimal | float | int

#: decimals of a percentage unless a rule says otherwise (display_digits): 96.22%. The 执行率 is always
#: shown so, as the 评分表's 支出率, the report's 完成率 and the batch summary's 0.00% column show it.
RATE_DIGITS = 2


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
    step = _STEPS.get(digits) or Decimal(1).scaleb(-digits)
    needed = number.adjusted() + digits + 2
    if number.is_finite() and needed <= getcontext().prec:  # (nearly always: no context to make)
        return number.quantize(step, rounding=ROUND_HALF_UP)
    with localcontext() as ctx:
        # quantize needs room for every digit of the result; the default 28 is too few for huge inputs
        ctx.prec = max(ctx.prec, needed)
        return number.quantize(step, rounding=ROUND_HALF_UP)


_STEPS = {digits: Decimal(1).scaleb(-digits) for digits in range(7)}  # 1, 0.1, 0.01 …


def format_number(value: Number, digits: int = 2) -> str:
    """Round and drop trailing zeros: 9.50 -> "9.5", 20.00 -> "20", 0.65 -> "0.65"."""
    return _trimmed(f"{excel_round(value, digits):f}")


def _trimmed(text: str) -> str:
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def format_percent(rate: Number, digits: int = RATE_DIGITS) -> str:
    """A rate as a percentage, trailing zeros dropped: 0.94997 -> "95%", 0.9622 -> "96.22%"."""
    return ShownRate.of(rate, digits).text


def format_exact(value: Number) -> str:
    """A threshold exactly as the framework writes it, never rounded (so a message states the limit it
    really applies), trailing zeros dropped: Decimal("15.00") -> "15", Decimal("0.125") -> "0.125"."""
    return _trimmed(f"{to_decimal(value):f}")


def format_limit(limit: Number) -> str:
    """A threshold rate as an exact percentage (see format_exact): 0.9 -> "90%", 0.125 -> "12.5%", 0 -> "0%"."""
    return _exact(to_decimal(limit)) + "%"


def _exact(rate: Decimal) -> str:
    """rate × 100, written exactly, trailing zeros dropped (scaleb only moves the point)."""
    needed = len(rate.as_tuple().digits) + 2
    if needed <= getcontext().prec:  # (nearly always: no context to make)
        return format_exact(rate.scaleb(2))
    with localcontext() as ctx:
        ctx.prec = max(ctx.prec, needed)
        return format_exact(rate.scaleb(2))


@record
class ShownRate:
    """A rate as the user reads it: the percentage rounded the Excel way to `digits` decimals.

    A threshold is judged on `value` and a message prints `text`, both from the same rounding, so no
    message can say "90%，低于 90%": 89.9996% shown with 2 decimals is 90%, which is not below 90%.
    """

    value: Decimal  # the rounded rate: Decimal("0.9000") for "90%"
    digits: int  # decimals of the percentage

    @classmethod
    def of(cls, rate: Number, digits: int = RATE_DIGITS) -> ShownRate:
        return cls(excel_round(rate, digits + 2), digits)

    @property
    def text(self) -> str:
        """"90%", "96.22%": trailing zeros dropped, never "-0%"."""
        return _exact(self.value) + "%"

    def __str__(self) -> str:
        return self.text

    def below(self, limit: Number) -> bool:
        return self.value < to_decimal(limit)

    def above(self, limit: Number) -> bool:
        return self.value > to_decimal(limit)

    def at_most(self, limit: Number) -> bool:
        return self.value <= to_decimal(limit)

    def at_least(self, limit: Number) -> bool:
        return self.value >= to_decimal(limit)


def format_amount(value: Number, digits: int = 2) -> str:
    """An amount with its decimals kept, as finance tables show money: 315.6 -> "315.60"."""
    rounded = excel_round(value, digits)
    return f"{rounded.copy_abs() if rounded.is_zero() else rounded:f}"
