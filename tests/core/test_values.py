"""The pure parsers for the values people type: numbers, counts, choices, texts."""

from __future__ import annotations

from decimal import Decimal

import pytest

from xlperf.core.errors import InputError
from xlperf.core.values import is_blank, parse_choice, parse_count, parse_number, parse_text

CHOICES = ("是", "部分", "否")


class TestParseNumber:
    @pytest.mark.parametrize(("raw", "expected"), [
        (332, "332"),
        (332.21, "332.21"),
        (Decimal("332.21"), "332.21"),
        ("332.21", "332.21"),
        (" 332.21 ", "332.21"),
        ("１２３", "123"),
        ("１２３．５", "123.5"),
        ("1,234.5", "1234.5"),
        ("12,345,678", "12345678"),
        ("-0.32", "-0.32"),
        ("1e3", "1000"),
        (0, "0"),
    ])
    def test_accepts_numbers(self, raw, expected):
        """Numbers typed as numbers, strings, full-width digits or with thousands separators are read exactly."""
        value = parse_number(raw)
        assert isinstance(value, Decimal)
        assert value == Decimal(expected)

    def test_float_is_read_as_written(self):
        """A float is read by its repr, so 315.59 stays 315.59 and not the binary approximation."""
        assert str(parse_number(315.59)) == "315.59"

    @pytest.mark.parametrize("raw", [None, "", "  ", "\t"])
    def test_blank_is_none(self, raw):
        """Blanks give None, not 0."""
        assert parse_number(raw) is None

    def test_refuses_unit_and_proposes_number(self):
        """A number with its unit is refused, and the fix proposes the bare number."""
        with pytest.raises(InputError) as info:
            parse_number("332.21万元")
        assert "332.21" in info.value.fix
        assert "万元" in str(info.value)

    @pytest.mark.parametrize("raw", ["三百", "#DIV/0!", "#n/a", "abc", "1,23", "12-3", "1.2.3", "Infinity", "NaN"])
    def test_refuses_text(self, raw):
        """Words, Excel error values and malformed numbers are refused."""
        with pytest.raises(InputError):
            parse_number(raw)

    def test_excel_error_named(self):
        """An Excel error value is named in the message."""
        with pytest.raises(InputError) as info:
            parse_number("#DIV/0!")
        assert "#DIV/0!" in str(info.value)

    @pytest.mark.parametrize("raw", [True, False, float("nan"), float("inf"), Decimal("NaN"), Decimal("-Infinity"),
                                     [1], object()])
    def test_refuses_non_numbers(self, raw):
        """Booleans, non-finite values and other objects are refused."""
        with pytest.raises(InputError):
            parse_number(raw)

    def test_error_has_no_location(self):
        """A pure parser raises without a place; the caller stamps it."""
        with pytest.raises(InputError) as info:
            parse_number("三百")
        assert info.value.location is None

    def test_input_error_is_value_error(self):
        """InputError is also a ValueError, for callers that catch the standard exception."""
        with pytest.raises(ValueError):
            parse_number("三百")


class TestParseCount:
    @pytest.mark.parametrize(("raw", "expected"), [(0, 0), (3, 3), ("2", 2), (2.0, 2), ("2.0", 2)])
    def test_accepts_whole_numbers(self, raw, expected):
        """Whole non-negative numbers are counts, whatever their written form."""
        assert parse_count(raw) == Decimal(expected)

    @pytest.mark.parametrize("raw", [-1, 1.5, "-1", "0.5", "三"])
    def test_refuses(self, raw):
        """Negative, fractional or non-numeric counts are refused."""
        with pytest.raises(InputError):
            parse_count(raw)

    def test_blank_is_none(self):
        """A blank count is None (the caller decides whether that is allowed)."""
        assert parse_count("") is None


class TestParseChoice:
    @pytest.mark.parametrize("raw", ["是", " 部分 ", "否"])
    def test_accepts_listed_answers(self, raw):
        """One of the listed answers is returned stripped."""
        assert parse_choice(raw, CHOICES) == raw.strip()

    @pytest.mark.parametrize("raw", ["Yes", "是的", 1, "Y"])
    def test_refuses_others(self, raw):
        """Anything else is refused, naming the allowed answers."""
        with pytest.raises(InputError) as info:
            parse_choice(raw, CHOICES)
        assert "部分" in str(info.value)

    def test_blank_is_none(self):
        """A blank answer is None."""
        assert parse_choice(None, CHOICES) is None


class TestParseText:
    @pytest.mark.parametrize(("raw", "expected"), [(None, ""), (" 无 ", "无"), (2022.0, "2022"), (1.5, "1.5")])
    def test_text(self, raw, expected):
        """Texts are stripped, blanks become "" and whole floats lose their .0."""
        assert parse_text(raw) == expected


class TestIsBlank:
    @pytest.mark.parametrize(("raw", "expected"), [(None, True), ("", True), (" ", True), (0, False), ("0", False)])
    def test_blank(self, raw, expected):
        """Only None and whitespace strings are blank; zero is a value."""
        assert is_blank(raw) is expected
