"""Properties that hold for any department-year, checked with random inputs (hypothesis)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlperf.core._rounding import excel_round
from xlperf.core.engine import score_indicator, score_year
from xlperf.core.errors import InputError
from xlperf.core.frameworks import Framework
from xlperf.core.jsonform import year_from_dict, year_to_dict
from xlperf.core.model import DIRECTIONS, QUALITATIVE_RESULTS
from xlperf.core.values import parse_number, parse_number_in_unit, parse_number_noted

SETTINGS = settings(max_examples=200, deadline=None)


def cents(low: int, high: int) -> st.SearchStrategy[Decimal]:
    """Decimals with two places from low/100 to high/100 (faster to draw than st.decimals)."""
    return st.integers(min_value=low, max_value=high).map(lambda n: Decimal(n).scaleb(-2))


amounts = cents(1, 10**8)  # 0.01 … 1e6
target_numbers = cents(0, 10**6)  # 0 … 10 000


def as_json(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def facts(framework: Framework, blanks: bool = True) -> st.SearchStrategy[dict[str, object]]:
    """Every fact of the framework: amounts 0.01 … 1e6 for money, counts 0 … 50 for whole things,
    and with `blanks` sometimes 0 or blank. One list of integers is drawn: much faster than one_of per fact."""
    keys = [(f.key, f.digits == 0) for f in framework.facts]

    def build(raw: list[int]) -> dict[str, object]:
        out: dict[str, object] = {}
        for (key, is_count), n in zip(keys, raw):
            if n < 0:
                out[key] = None
            elif is_count:
                out[key] = n % 51
            else:
                out[key] = str(Decimal(n).scaleb(-2))
        return out

    low = -1 if blanks else 1
    return st.lists(st.integers(min_value=low, max_value=10**8), min_size=len(keys), max_size=len(keys)).map(build)


@st.composite
def target(draw: st.DrawFn, kind: str, weighted: bool) -> dict[str, object]:
    direction = draw(st.sampled_from(DIRECTIONS))
    row: dict[str, object] = {"kind": kind, "name": draw(st.sampled_from(["甲", "乙", "丙"])), "direction": direction}
    if direction == "定性":
        row["result"] = draw(st.sampled_from(QUALITATIVE_RESULTS + ("",)))
    else:
        row["target"] = as_json(draw(target_numbers | st.none()))
        row["actual"] = as_json(draw(target_numbers))
    if weighted:
        row["weight"] = draw(st.integers(min_value=0, max_value=10))
    return row


@st.composite
def targets(draw: st.DrawFn) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for kind in ("产出", "效益"):
        weighted = draw(st.booleans())
        rows += draw(st.lists(target(kind, weighted), max_size=4))
    return rows


def entries(framework: Framework) -> st.SearchStrategy[dict[str, dict[str, object]]]:
    """A 填报值 for every indicator: one of its answers, "Yes" or blank for choices, 0 … 10 or blank for counts."""
    options: list[tuple[str, tuple[object, ...]]] = []
    for ind in framework.indicators:
        entry = ind.method_info.entry
        if entry == "choice":
            options.append((ind.code, ind.choices() + ("Yes", None)))
        elif entry == "count":
            options.append((ind.code, (*range(11), None)))
        else:
            options.append((ind.code, (None,)))

    def build(raw: list[int]) -> dict[str, dict[str, object]]:
        return {code: {"value": values[n % len(values)]} for (code, values), n in zip(options, raw)}

    return st.lists(st.integers(min_value=0, max_value=11), min_size=len(options), max_size=len(options)).map(build)


@st.composite
def department_years(draw: st.DrawFn, framework: Framework) -> dict[str, object]:
    return {"facts": draw(facts(framework)), "targets": draw(targets()), "indicators": draw(entries(framework))}


class TestScoreYearProperties:
    @SETTINGS
    @given(data=st.data())
    def test_scores_and_total(self, framework, data):
        """Every indicator has 0 ≤ score ≤ points or an error, the total is excel_round(Σ scores), and the
        category subtotals add up to Σ scores."""
        year = year_from_dict(data.draw(department_years(framework)), framework)
        card = score_year(framework, year)
        for result in card.results:
            if result.error is None:
                assert result.score is not None
                assert 0 <= result.score <= result.points, result.code
            else:
                assert result.score is None
        # no rescale and no caps in the shipped framework
        assert card.total == excel_round(sum((r.score for r in card.results if r.score is not None), Decimal(0)))
        # the category subtotals add up to the same sum, and each stays within its category's points
        assert sum((c.score for c in card.categories), Decimal(0)) == sum(
            (r.score for r in card.results if r.score is not None), Decimal(0))
        assert all(0 <= c.score <= c.points for c in card.categories)
        assert 0 <= card.total <= 100
        assert card.grade == framework.grade(card.total)
        assert card.complete == (not card.errors)

    @SETTINGS
    @given(data=st.data())
    def test_complete_without_blanks(self, framework, data):
        """Non-blank amounts, counts and answers always score every indicator but the targets."""
        row = {"facts": data.draw(facts(framework, blanks=False)),
               "indicators": {code: {"value": v} for code, v in
                              ((ind.code, "是" if ind.method_info.entry == "choice" else 0)
                               for ind in framework.indicators if ind.method_info.entry != "none")}}
        year = year_from_dict(row, framework)
        card = score_year(framework, year)
        failing = {r.code for r in card.results if r.error is not None}
        # "3 of 0 new projects evaluated" contradicts itself and is refused; nothing else may fail
        contradictory = {ind.code for ind in framework.indicators if ind.method == "ratio"
                         and year.facts[ind.params.denominator] == 0 and year.facts[ind.params.numerator] > 0}
        assert failing == {"ZX01", "ZX02"} | contradictory  # no targets were given


def one_fact_score(framework: Framework, code: str, facts: dict[str, Decimal]) -> Decimal | None:
    year = year_from_dict({"facts": {k: str(v) for k, v in facts.items()}}, framework)
    return score_indicator(framework, year, framework.indicator(code)).score


class TestMonotonic:
    @SETTINGS
    @given(budget=amounts, a=cents(0, 2 * 10**8), b=cents(0, 2 * 10**8))
    def test_expenditure_rate(self, framework, budget, a, b):
        """ZX03 never drops when more of the budget is spent."""
        low, high = sorted((a, b))
        s_low = one_fact_score(framework, "ZX03", {"expenditure_budget": budget, "expenditure_actual": low})
        s_high = one_fact_score(framework, "ZX03", {"expenditure_budget": budget, "expenditure_actual": high})
        assert s_low is not None and s_high is not None
        assert s_low <= s_high

    @SETTINGS
    @given(budget=amounts, a=cents(0, 10**8), b=cents(0, 10**8))
    def test_carryover(self, framework, budget, a, b):
        """ZH01 never rises when more is carried over."""
        low, high = sorted((a, b))
        s_low = one_fact_score(framework, "ZH01", {"expenditure_budget": budget, "carryover": low})
        s_high = one_fact_score(framework, "ZH01", {"expenditure_budget": budget, "carryover": high})
        assert s_low is not None and s_high is not None
        assert s_low >= s_high


six_places = st.decimals(min_value=Decimal("-1e8"), max_value=Decimal("1e8"), places=6,
                         allow_nan=False, allow_infinity=False)


class TestExcelRoundProperties:
    @SETTINGS
    @given(value=six_places, digits=st.integers(min_value=0, max_value=5))
    def test_matches_half_up(self, value, digits):
        """excel_round equals Decimal ROUND_HALF_UP, for the Decimal and for the float of the same text."""
        expected = value.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
        assert excel_round(value, digits) == expected
        assert excel_round(float(str(value)), digits) == expected

    @SETTINGS
    @given(value=six_places)
    def test_symmetric(self, value):
        """Rounding is symmetric around zero (half away from zero)."""
        assert excel_round(-value) == -excel_round(value)


class TestParseNumberProperties:
    @SETTINGS
    @given(value=st.decimals(allow_nan=False, allow_infinity=False))
    def test_str_round_trip(self, value):
        """parse_number(str(d)) == d for any finite Decimal of a plausible size; absurd sizes are refused."""
        if value == 0 or Decimal("1e-9") <= abs(value) < Decimal("1e15"):
            assert parse_number(str(value)) == value
        else:
            with pytest.raises(InputError):
                parse_number(str(value))

    @SETTINGS
    @given(value=st.decimals(min_value=-10**9, max_value=10**9, places=2))
    def test_grouped_round_trip(self, value):
        """A number written with thousands separators reads back the same."""
        assert parse_number(f"{value:,f}") == value


plausible = st.decimals(min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=4,
                        allow_nan=False, allow_infinity=False).filter(lambda d: d == 0 or abs(d) >= Decimal("1e-9"))
FULL_WIDTH = str.maketrans("0123456789.-", "０１２３４５６７８９．－")
spaces = st.text(alphabet=" \u3000\t", min_size=1, max_size=3)


class TestParseNumberNotedProperties:
    @SETTINGS
    @given(value=plausible)
    def test_plain_text_has_no_note(self, value):
        """A number typed plainly (text or number) reads back exactly, with no note."""
        assert parse_number_noted(str(value)) == (value, None)
        assert parse_number_noted(float(value)).note is None

    @SETTINGS
    @given(value=plausible)
    def test_full_width_reads_the_same_with_a_note(self, value):
        """Full-width digits give the same number, and a note that names them and the number read."""
        number, note = parse_number_noted(f"{value:f}".translate(FULL_WIDTH))
        assert number == value
        assert note is not None and "全角数字" in note and f"按 {value:f} 读取" in note

    @SETTINGS
    @given(value=plausible, before=spaces, after=spaces)
    def test_spaces_read_the_same_with_a_note(self, value, before, after):
        """Spaces around a number give the same number, and a note that says so."""
        number, note = parse_number_noted(f"{before}{value}{after}")
        assert number == value and note is not None and "空格" in note

    @SETTINGS
    @given(value=st.decimals(min_value=1000, max_value=10**9, places=2))
    def test_thousands_separators_read_the_same_with_a_note(self, value):
        """"1,234.50" reads as 1234.50, with a note naming the separators."""
        number, note = parse_number_noted(f"{value:,f}")
        assert number == value and note is not None and "千位分隔符" in note

    @SETTINGS
    @given(raw=st.one_of(st.text(max_size=12), st.floats(allow_nan=True), st.integers(), st.none()))
    def test_parse_number_is_the_noted_value(self, raw):
        """parse_number gives the value of parse_number_noted, or both refuse with an InputError."""
        try:
            expected = parse_number_noted(raw).value
        except InputError:
            with pytest.raises(InputError):
                parse_number(raw)
        else:
            assert parse_number(raw) == expected

    @SETTINGS
    @given(value=st.decimals(min_value=0, max_value=1000, places=2), sign=st.sampled_from(["%", "％", " %"]))
    def test_percent_three_ways_in_a_percent_row(self, value, sign):
        """In a row whose unit is %, 95 and "95%" read the same; a % sign elsewhere is refused."""
        assert parse_number_in_unit(f"{value}{sign}", "%").value == parse_number_in_unit(str(value), "%").value == value
        with pytest.raises(InputError):
            parse_number_in_unit(f"{value}%", "次")


class TestJsonRoundTripProperties:
    @settings(max_examples=100, deadline=None)
    @given(data=st.data())
    def test_round_trip(self, framework, data):
        """year_to_dict then year_from_dict keeps random facts, targets and entries."""
        year = year_from_dict(data.draw(department_years(framework)), framework)
        again = year_from_dict(year_to_dict(year, framework), framework)
        assert again.facts == year.facts
        assert again.targets == year.targets
        assert again.entries == year.entries
