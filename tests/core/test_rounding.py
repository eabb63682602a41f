"""Excel-compatible rounding and the number formats shown in the workbook and the report."""

from __future__ import annotations

from decimal import Decimal

import pytest

from xlperf.core._rounding import (ShownRate, excel_round, format_amount, format_exact, format_limit, format_number,
                                   format_percent)


class TestExcelRound:
    @pytest.mark.parametrize(("value", "digits", "expected"), [
        (2.675, 2, "2.68"),
        (1.005, 2, "1.01"),
        (0.125, 2, "0.13"),
        (-0.5, 0, "-1"),
        (0.5, 0, "1"),
        (2.5, 0, "3"),
        (-2.675, 2, "-2.68"),
        (Decimal("9.495"), 2, "9.50"),
        (7, 2, "7.00"),
    ])
    def test_half_away_from_zero(self, value, digits, expected):
        """Halves round away from zero, as Excel's ROUND does, on the value as written."""
        assert excel_round(value, digits) == Decimal(expected)
        assert str(excel_round(value, digits)) == expected

    @pytest.mark.parametrize(("value", "digits", "bankers"), [(2.5, 0, 2), (0.125, 2, 0.12), (2.675, 2, 2.67)])
    def test_never_bankers_rounding(self, value, digits, bankers):
        """Where Python's round() goes half-to-even (or by the binary float), excel_round does not."""
        assert round(value, digits) == bankers
        assert excel_round(value, digits) != Decimal(str(bankers))

    def test_default_two_digits(self):
        """Without digits, two decimals are kept."""
        assert str(excel_round(Decimal("98.154"))) == "98.15"

    def test_refuses_booleans(self):
        """A logical value is not a number."""
        with pytest.raises(TypeError):
            excel_round(True)

    def test_large_value(self):
        """A value with more digits than the default decimal context still rounds instead of raising."""
        assert excel_round(Decimal("1e30"), 2) == Decimal("1e30")


class TestFormatNumber:
    @pytest.mark.parametrize(("value", "expected"), [
        (Decimal("9.50"), "9.5"), (20, "20"), (Decimal("20.00"), "20"), (0.65, "0.65"),
        (Decimal("0.005"), "0.01"), (Decimal("-0.001"), "0"), (Decimal("98.15"), "98.15"),
    ])
    def test_drops_trailing_zeros(self, value, expected):
        """Rounded to two decimals, trailing zeros and a bare point are dropped."""
        assert format_number(value) == expected

    def test_digits(self):
        """The digits argument sets the rounding before zeros are dropped."""
        assert format_number(Decimal("2.5"), 0) == "3"


class TestFormatPercent:
    @pytest.mark.parametrize(("rate", "digits", "expected"), [
        (0.94997, 2, "95%"),
        (0.9622, 2, "96.22%"),
        (Decimal("0.9") / Decimal("332.21"), 2, "0.27%"),
        (-0.32, 2, "-32%"),
        (0.6528, 0, "65%"),
        (1, 2, "100%"),
        (0, 2, "0%"),
    ])
    def test_percent(self, rate, digits, expected):
        """A rate is shown as a percentage with trailing zeros dropped."""
        assert format_percent(rate, digits) == expected


class TestShownRate:
    @pytest.mark.parametrize(("rate", "digits", "value", "text"), [
        (Decimal("0.899996"), 2, "0.9000", "90%"),  # issue 11: 89.9996% is shown, and judged, as 90%
        (Decimal("0.8999"), 2, "0.8999", "89.99%"),
        (Decimal("0.89995"), 2, "0.9000", "90%"),  # half away from zero
        (Decimal("0.899949"), 2, "0.8999", "89.99%"),
        (Decimal("0.995"), 0, "1.00", "100%"),
        (Decimal("0.994999"), 0, "0.99", "99%"),
        (Decimal("-0.32"), 2, "-0.3200", "-32%"),
        (Decimal("-0.000004"), 2, "0.0000", "0%"),  # never "-0%"
        (Decimal("-0.00005"), 2, "-0.0001", "-0.01%"),  # away from zero below zero too
        (0.94997, 2, "0.9500", "95%"),  # a float as written, not as stored
        (1, 4, "1.000000", "100%"),
    ])
    def test_value_and_text_from_one_rounding(self, rate, digits, value, text):
        """The value thresholds are judged on is the percentage shown, divided by 100."""
        shown = ShownRate.of(rate, digits)
        assert shown.value == Decimal(value) and shown.text == text == str(shown)
        assert Decimal(text.rstrip("%")) / 100 == shown.value
        assert format_percent(rate, digits) == text

    @pytest.mark.parametrize("rate", ["0.8999", "0.899949", "0.89995", "0.899996", "0.9", "0.900004", "0.90005"])
    def test_comparisons_follow_the_text(self, rate):
        """below/at_least/above/at_most 90% agree with the percentage the text shows."""
        shown = ShownRate.of(Decimal(rate))
        percent = Decimal(shown.text.rstrip("%"))
        limit = Decimal("0.9")
        assert shown.below(limit) == (percent < 90) and shown.at_least(limit) == (percent >= 90)
        assert shown.above(limit) == (percent > 90) and shown.at_most(limit) == (percent <= 90)

    def test_default_digits(self):
        """Without digits a rate is shown with 2 decimals, as the 执行率 always is."""
        assert ShownRate.of(Decimal("0.949971")).text == "95%"
        assert ShownRate.of(Decimal("0.94994")).text == "94.99%"

    def test_huge_rate_is_exact(self):
        """A rate with more digits than the decimal context is written out without loss."""
        assert ShownRate.of(Decimal("123456789012345678901234567.8912345")).text == "12345678901234567890123456789.12%"


class TestFormatLimit:
    @pytest.mark.parametrize(("limit", "expected"), [
        (Decimal("0.9"), "90%"), (Decimal("0.10"), "10%"), (0, "0%"), (Decimal("-0"), "0%"), (1, "100%"),
        (Decimal("0.125"), "12.5%"), (Decimal("0.123456"), "12.3456%"), (Decimal("-0.05"), "-5%"), (0.8, "80%"),
    ])
    def test_exact(self, limit, expected):
        """A threshold is written as it is applied, never rounded: 0.123456 is 12.3456%, not 12.35%."""
        assert format_limit(limit) == expected

    @pytest.mark.parametrize(("value", "expected"), [(Decimal(15), "15"), (Decimal("15.00"), "15"),
                                                     (Decimal("15.005"), "15.005"), (Decimal("1E+1"), "10")])
    def test_exact_number(self, value, expected):
        assert format_exact(value) == expected


class TestFormatAmount:
    @pytest.mark.parametrize(("value", "expected"), [
        (315.6, "315.60"), (Decimal("332.21"), "332.21"), (18000, "18000.00"), (Decimal("0.905"), "0.91"),
    ])
    def test_keeps_two_decimals(self, value, expected):
        """Money keeps its two decimals."""
        assert format_amount(value) == expected

    def test_no_negative_zero(self):
        """A tiny negative amount that rounds to zero is shown as 0.00, like format_number shows 0."""
        assert format_amount(Decimal("-0.001")) == "0.00"
