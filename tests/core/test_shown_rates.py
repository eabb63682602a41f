"""No message contradicts itself about a threshold: every rule, check, risk and report sentence judges a
rate as it shows it (docs/frameworks.md, 4.1 and 8).

The texts are read as a clerk reads them: "执行率为 90%，低于 90%" is parsed into 90 < 90 and must hold.
The decisions (which step, capped or not, reported or not) are recomputed here from the inputs with
Excel's rounding, independently of the engine, and must agree with what the texts state.
"""

from __future__ import annotations

import copy
import functools
import json
import re
import sys
from collections.abc import Iterator
from decimal import Decimal
from importlib import resources
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from xlperf.core._rounding import excel_round
from xlperf.core.checks import run_checks
from xlperf.core.engine import Scorecard, score_year
from xlperf.core.frameworks import Framework, load_framework, parse_framework
from xlperf.core.jsonform import year_from_dict
from xlperf.core.narrative import report_context
from xlperf.core.review import review_card, total_moved

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

FRAMEWORK_ID = "gz-baiyun-2022"
HUNDRED = Decimal(100)
EXAMPLE: dict[str, Any] = json.loads(
    (resources.files("xlperf") / "examples" / "baiyun-kexie-2022.json").read_text(encoding="utf-8"))


@functools.cache
def shipped() -> Framework:
    return load_framework(FRAMEWORK_ID)


@functools.cache
def variant() -> Framework:
    """The shipped rules with the thresholds a district may add or move: total caps, whole-number
    percentages for the threshold rules, 2 decimals for 采购执行率, R01 at 90%."""
    data = tomllib.loads((resources.files("xlperf") / "frameworks" / f"{FRAMEWORK_ID}.toml").read_text(encoding="utf-8"))
    data["framework"]["id"] = "shown-rates-variant"
    data["scoring"]["total_caps"] = [{"below": 0.9, "cap": 95}, {"below": 0.8, "cap": 89}]
    data["review"]["output_full_execution_below"] = 0.9
    digits = {"ZX03": 0, "ZH01": 0, "ZC06": 0, "CB01": 0, "CG06": 2}
    for row in data["indicators"]:
        if row["code"] in digits:
            row["params"]["display_digits"] = digits[row["code"]]
    return parse_framework(data)


FRAMEWORKS = {"shipped": shipped, "variant": variant}


# --- what the texts say ---------------------------------------------------------------------------

NUMBER = r"(-?\d+(?:\.\d+)?)"
#: "为 90%，低于 90%", "10%，≤10%", "75%，<90%", "= 100.01%，超过 100%", "执行率 79.99% 低于 80%"
CLAIM = re.compile(NUMBER + r"%[，,]?\s*(≤|≥|<|>|低于|超过)\s*" + NUMBER + "%")
HOLDS = {"≤": Decimal.__le__, "≥": Decimal.__ge__, "<": Decimal.__lt__, ">": Decimal.__gt__,
         "低于": Decimal.__lt__, "超过": Decimal.__gt__}
#: W301: "完成率 100% 高出执行率 94.99% 超过 5 个百分点"
GAP = re.compile(r"完成率 " + NUMBER + r"% 高出执行率 " + NUMBER + r"% 超过 " + NUMBER + " 个百分点")
#: R03: "总分 99.15 分，上年 80 分，上升 19.15 分，超过 15 分"
MOVED = re.compile(r"总分 " + NUMBER + r" 分，上年 " + NUMBER + r" 分，(上升|下降) " + NUMBER + r" 分，超过 " + NUMBER + " 分")
#: target_completion: "其中未完全完成 1 项（“覆盖”完成 50%；…）"
MISSED = re.compile(r"未完全完成 \d+ 项（(.*?)），|\d+项未全部完成（(.*?)）")  # the 评分说明's, the report's
DONE = re.compile(r"完成\s?" + NUMBER + "%")
#: every mention of the 执行率 (checks, risks, total caps) and the report's 整体支出 line
EXECUTION = re.compile(r"(?<!采购)执行率(?:为)?\s?" + NUMBER + "%")
SPENDING = re.compile(r"整体支出全年预算数\s?[^，]+，决算数\s?[^，]+，完成率\s?" + NUMBER + "%")


def report_sentences(card: Scorecard) -> Iterator[str]:
    """The report's generated sentences (the department's own texts and reasons are carried over verbatim,
    they are not ours to check)."""
    context = report_context(card)
    yield context["finance"]
    yield context["conclusion_score"]
    yield from context["outputs_done"]
    for category in context["categories"]:
        for row in category["indicators"]:
            yield row["heading"]
            yield row["rule"]


def texts(card: Scorecard, previous: Decimal | None = None) -> list[str]:
    """Everything a user reads about this department-year: the 评分说明, the check findings, the total's
    notes, the reviewer's risks and the report's sentences."""
    out = [r.sentence for r in card.results]
    out += [f.message for f in run_checks(card)]
    out += list(card.notes)
    out += [risk.message for risk in review_card(card)]
    out += list(report_sentences(card))
    if previous is not None:
        moved = total_moved(card.total, previous, card.framework.review)
        out += [moved.message] if moved else []
    return out


def assert_texts_agree(card: Scorecard, previous: Decimal | None = None) -> None:
    """Every comparison a text states holds for the numbers it prints."""
    said = texts(card, previous)
    for text in said:
        for x, word, y in CLAIM.findall(text):
            assert HOLDS[word](Decimal(x), Decimal(y)), text
        for done, rate, gap in GAP.findall(text):
            assert Decimal(done) - Decimal(rate) > Decimal(gap), text
        for now, before, way, change, limit in MOVED.findall(text):
            assert (Decimal(now) - Decimal(before)) * (1 if way == "上升" else -1) == Decimal(change), text
            assert Decimal(change) > Decimal(limit), text
        for listed in MISSED.findall(text):
            assert all(Decimal(x) < HUNDRED for x in DONE.findall("".join(listed))), text
    # the 执行率 reads the same wherever it is stated
    rate = card.execution_rate
    mentions = {m for text in said for m in EXECUTION.findall(text) + SPENDING.findall(text)}
    if rate is not None:
        assert {Decimal(m) for m in mentions} <= {shown(rate)}, mentions


# --- what was decided, recomputed from the inputs ---------------------------------------------------


def shown(rate: Decimal, digits: int = 2) -> Decimal:
    """The percentage a text shows: Excel's ROUND of rate × 100."""
    return excel_round(rate * HUNDRED, digits)


def assert_decisions_agree(card: Scorecard, previous: Decimal | None = None) -> None:
    fw, rate = card.framework, card.execution_rate
    found = run_checks(card)
    ids = {(f.id, c) for f in found for c in f.indicators or ("",)}
    # E103: the 执行率 as shown is below the limit, and ZX03 explains nothing
    rules = fw.explanations
    low = rate is not None and shown(rate) < rules.execution_rate_below * HUNDRED
    assert (("E103", rules.execution_reason_indicator) in ids) == (low and not card.result("ZX03").reason.strip())
    # total caps: the tightest whose limit the shown 执行率 is below
    applying = [c for c in fw.scoring.total_caps if rate is not None and shown(rate) < c.below * HUNDRED]
    raw = sum((r.score for r in card.results if r.score is not None), Decimal(0))
    expected_total = applying[-1].cap if applying and raw > applying[-1].cap else raw
    assert card.total == excel_round(expected_total)
    # R01: the shown 执行率 below the review limit while the outputs score full marks
    zx01 = card.result("ZX01")
    r01 = (rate is not None and shown(rate) < fw.review.output_full_execution_below * HUNDRED
           and zx01.score is not None and zx01.score == zx01.points)
    assert any(risk.id == "R01" for risk in review_card(card)) == r01
    pairs = {(p.actual, p.budget) for p in fw.checks.not_above}
    for r in card.results:
        p = r.indicator.params
        if r.error is not None or r.not_applicable:
            continue
        method = r.indicator.method
        if method == "ratio":
            seen = shown(r.rate, p.display_digits)
            capped = seen >= p.cap * HUNDRED
            share = p.cap if capped else r.rate
            assert r.score == excel_round(min(max(r.points * share, Decimal(0)), r.points)), r.sentence
            assert ("×" not in r.sentence) == capped, r.sentence
            assert ("超过" in r.sentence) == (seen > p.cap * HUNDRED), r.sentence
        elif method == "threshold":
            seen = shown(r.rate, p.display_digits)
            lower = p.better == "lower"
            step = next((s for s in p.steps if (seen <= s.limit * HUNDRED if lower else seen >= s.limit * HUNDRED)),
                        None)
            if step is not None:
                expected = r.points * step.share
            elif p.linear_below:
                expected = min(r.points * (max(r.rate, Decimal(0)) / p.steps[0].limit), r.points)
            else:
                expected = r.points * p.otherwise
            assert r.score == excel_round(expected), r.sentence
        elif method == "target_completion":
            assert ("全部完成" in r.sentence) == (r.score == r.points and "未完全完成" not in r.sentence)
            gap = fw.checks.completion_above_execution
            wide = rate is not None and shown(r.rate) - shown(rate) > gap * HUNDRED
            assert (("W301", r.code) in ids) == wide, r.sentence
        # W205: a plain rate (not relative) shown above 100% whose pair W202 does not cover
        if method in ("ratio", "threshold") and not p.relative and (p.numerator, p.denominator) not in pairs:
            assert (("W205", r.code) in ids) == (shown(r.rate, p.display_digits) > HUNDRED), r.sentence


# --- department-years at the edges -------------------------------------------------------------------

#: the shipped framework's thresholds (and the variant's): 结转结余率 10%/20%, 固定资产利用率 90%,
#: 公用经费控制率 0/10%, 执行率 80%/90%, caps and 完成率 at 100%
EDGES = [Decimal(x) for x in ("0", "0.1", "0.2", "0.8", "0.9", "0.95", "1")]
#: just around half a unit of the last shown digit, for 2 and for 0 decimals of the percentage
HALVES = [Decimal(x) * sign for x in ("0", "0.00004", "0.00005", "0.00006", "0.000049", "0.000051", "0.004",
                                      "0.005", "0.006", "0.0049999", "0.0050001") for sign in (1, -1)]
rates = st.builds(lambda edge, offset: edge + offset, st.sampled_from(EDGES),
                  st.sampled_from(HALVES) | st.integers(-6000, 6000).map(lambda n: Decimal(n).scaleb(-6)))
bases = st.sampled_from([Decimal(x) for x in ("1", "100", "332.21", "86.45", "25", "10000", "7")])


def department(execution: Decimal, carryover: Decimal, in_use: Decimal, control: Decimal, procurement: Decimal,
               completion: Decimal, budget: Decimal = Decimal(100), base: Decimal = Decimal(100)) -> dict[str, Any]:
    """The 2022 example with each rate set (quotients of amounts with up to 8 decimals) and ZX03 unexplained."""
    def amount(value: Decimal) -> str:
        return str(value.quantize(Decimal("1e-8")))

    data = copy.deepcopy(EXAMPLE)
    data["facts"].update({
        "expenditure_budget": amount(budget), "expenditure_actual": amount(budget * max(execution, Decimal(0))),
        "carryover": amount(budget * max(carryover, Decimal(0))),
        "assets_total": amount(base), "assets_in_use": amount(base * max(in_use, Decimal(0))),
        "public_budget": amount(base), "public_actual": amount(base * max(1 + control, Decimal(0))),
        "procurement_budget": amount(base), "procurement_actual": amount(base * max(procurement, Decimal(0))),
    })
    data["indicators"]["ZX03"]["reason"] = ""
    # one output target (ZX01) whose completion is `completion`; the benefit targets stay as published
    data["targets"] = [t for t in data["targets"] if t["kind"] != "产出"] + [{
        "kind": "产出", "name": "科普活动", "direction": "≥", "target": "1000000",
        "actual": amount(Decimal(1000000) * max(completion, Decimal(0))), "unit": "次"}]
    return data


def scored(framework: Framework, data: dict[str, Any]) -> Scorecard:
    return score_year(framework, year_from_dict(data, framework))


class TestNoMessageContradictsItsThreshold:
    @settings(max_examples=300, deadline=None)
    @given(which=st.sampled_from(sorted(FRAMEWORKS)), execution=rates, carryover=rates, in_use=rates,
           control=rates.map(lambda r: r - Decimal("0.9")), procurement=rates, completion=rates, budget=bases,
           base=bases, moved=st.sampled_from(HALVES + [Decimal("0.001"), Decimal("-0.001")]))
    @example(which="shipped", execution=Decimal("0.899996"), carryover=Decimal("0.100004"),
             in_use=Decimal("0.899996"), control=Decimal("0.000004"), procurement=Decimal("0.995"),
             completion=Decimal("0.999996"), budget=Decimal(100), base=Decimal(100), moved=Decimal("0.004"))
    @example(which="variant", execution=Decimal("0.799996"), carryover=Decimal("0.104"),
             in_use=Decimal("0.895"), control=Decimal("0.099996"), procurement=Decimal("1.000004"),
             completion=Decimal("0.849996"), budget=Decimal(100), base=Decimal(100), moved=Decimal("-0.004"))
    def test_texts_and_decisions(self, which, execution, carryover, in_use, control, procurement, completion,
                                 budget, base, moved):
        """Around every threshold of the shipped (and a stricter) framework, each text's comparison holds
        for the numbers it prints, and the score, finding or risk is the one the shown rate calls for."""
        card = scored(FRAMEWORKS[which](), department(execution, carryover, in_use, control, procurement,
                                                      completion, budget, base))
        limit = card.framework.review.total_change_above
        previous = card.total - limit - moved  # a move of just about 15 points
        assert_texts_agree(card, previous)
        assert_decisions_agree(card, previous)

    @pytest.mark.parametrize("which", sorted(FRAMEWORKS))
    @pytest.mark.parametrize("execution", ["0.8999", "0.899996", "0.9", "0.900004", "0.899949", "0.89995",
                                           "0.799996", "0.79995", "0.8", "0.800004", "0.999996", "1.000004",
                                           "1.00005", "0.95"])
    @pytest.mark.parametrize("other", ["0.099996", "0.100004", "0.10005", "0.199996", "0.2", "0.200004",
                                       "0.899996", "0.8999", "0.9", "0.900004", "0.995", "0.994999",
                                       "0.999996", "1.000004", "1.005"])
    def test_named_edges(self, which, execution, other):
        """89.99%, 89.9996%, 90%, 90.0004% and the like for the 执行率, each beside the other rates
        (结转结余率, 利用率, 控制率 − 0.9, 采购执行率, 完成率) at an edge."""
        rate = Decimal(other)
        card = scored(FRAMEWORKS[which](), department(Decimal(execution), rate, rate, rate - Decimal("0.9"), rate,
                                                      rate))
        assert_texts_agree(card, card.total - 15)
        assert_decisions_agree(card, card.total - 15)


class TestTheContradictionOfIssue11:
    """The reported case and its neighbours, as a clerk sees them."""

    @pytest.mark.parametrize(("actual", "said"), [
        ("89.99", "执行率为 89.99%，低于 90%"), ("89.9949", "执行率为 89.99%，低于 90%")])
    def test_e103_below_90_percent(self, actual, said):
        card = scored(shipped(), department(Decimal(actual) / 100, *[Decimal("0.5")] * 5))
        messages = [f.message for f in run_checks(card) if f.id == "E103"]
        assert len(messages) == 1 and messages[0].startswith(said)

    @pytest.mark.parametrize("actual", ["89.9996", "89.995", "90", "90.0004"])
    def test_no_e103_when_shown_as_90_percent(self, actual):
        """89.9996% of the budget is shown as 90%: no "执行率为 90%，低于 90%"."""
        card = scored(shipped(), department(Decimal(actual) / 100, *[Decimal("0.5")] * 5))
        assert card.execution_shown is not None and card.execution_shown.text == "90%"
        assert not [f for f in run_checks(card) if f.id == "E103"]

    def test_expenditure_rate_shown_as_100_percent_is_capped(self):
        """ZX03 at 99.9996%: "支出率 = 99.9996/100.00 = 100%，得 10 分。", not "10 分 × 100%"."""
        card = scored(shipped(), department(Decimal("0.999996"), *[Decimal("0.5")] * 5))
        zx03 = card.result("ZX03")
        assert zx03.sentence.endswith("= 100%，得 10 分。") and zx03.score == 10

    @pytest.mark.parametrize(("procurement", "sentence"), [
        ("0.995", "= 100%，得 1 分。"), ("0.994999", "= 99%，1 分 × 99% = 0.99 分。"),
        ("1.005", "= 101%，超过 100% 按 100% 计，得 1 分。"), ("1.004999", "= 100%，得 1 分。")])
    def test_procurement_rate_with_whole_percentages(self, procurement, sentence):
        """CG06 shows whole percentages: 99.5% is "100%" and capped; 100.4999% is "100%", not "超过 100%"."""
        card = scored(shipped(), department(Decimal("0.95"), *[Decimal("0.5")] * 3, Decimal(procurement),
                                            Decimal("0.5")))
        assert card.result("CG06").sentence.endswith(sentence)

    @pytest.mark.parametrize(("rate", "warned"), [("1.000004", False), ("1.00005", True)])
    def test_w205_never_says_100_percent_is_above_100_percent(self, rate, warned):
        """ZC06 at 100.0004% is shown as 100%: no "为 100%，超过 100%"."""
        card = scored(shipped(), department(Decimal("0.95"), Decimal("0.5"), Decimal(rate), Decimal("0.5") - 1,
                                            Decimal("0.5"), Decimal("0.5")))
        found = [f.message for f in run_checks(card) if f.id == "W205"]
        assert bool(found) == warned
        assert all("为 100.01%，超过 100%" in m for m in found)

    def test_completion_shown_as_100_percent_is_complete(self):
        """A target done to 99.9996% is shown as 100%: "全部完成", never "未完全完成 …（完成 100%）"."""
        card = scored(shipped(), department(Decimal("0.95"), *[Decimal("0.5")] * 4, Decimal("0.999996")))
        zx01 = card.result("ZX01")
        assert "全部完成" in zx01.sentence and zx01.score == zx01.points

    def test_w301_gap_on_shown_rates(self):
        """完成率 100% against 执行率 94.9996% (shown 95%) is 5 points apart, not more."""
        card = scored(shipped(), department(Decimal("0.949996"), *[Decimal("0.5")] * 4, Decimal(1)))
        assert not [f for f in run_checks(card) if f.id == "W301" and "ZX01" in f.indicators]
        card = scored(shipped(), department(Decimal("0.94994"), *[Decimal("0.5")] * 4, Decimal(1)))
        found = [f.message for f in run_checks(card) if f.id == "W301" and "ZX01" in f.indicators]
        assert len(found) == 1 and "完成率 100% 高出执行率 94.99% 超过 5 个百分点" in found[0]
