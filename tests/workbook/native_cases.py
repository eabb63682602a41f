"""Random department-years for the proof that the .xlsx edition's native formulas score as the engine does.

Seeded, so a failing case can be rebuilt. Values sit on and around the boundaries the rules judge:
rates exactly at a threshold and a hair either side of it (on either side of the rounding of the rate
as shown), zero denominators, blanks, words where numbers belong, 定性 targets, weights all filled,
all blank or half filled, targets met at exactly the over-achievement ratio.
"""

from __future__ import annotations

import random
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

from xlperf.core.frameworks import Framework, load_framework
from xlperf.core.methods import (
    ChoiceParams,
    DeductionParams,
    RatioParams,
    TargetParams,
    ThresholdParams,
    WithinBudgetParams,
)
from xlperf.core.model import QUALITATIVE_RESULTS, DepartmentYear, IndicatorEntry, Target

SHIPPED = "gz-baiyun-2022"
COUNTY = Path(__file__).resolve().parent.parent / "frameworks" / "county" / "xx-county-2023.toml"


def variant_framework(folder: Path) -> Path:
    """The shipped rules under the other policies a framework may choose: 不适用 dropped and the total
    rescaled, totals capped by the 执行率, and targets over-achieved by 30% losing 20% of completion."""
    fw = load_framework(SHIPPED)
    text = (Path(fw.folder) / fw.path).read_text(encoding="utf-8")
    text = text.replace('id = "gz-baiyun-2022"', 'id = "xx-variant-2022"', 1)
    text = text.replace('not_applicable = "full"', 'not_applicable = "rescale"', 1)
    text = text.replace("total_caps = []", "total_caps = [{ below = 0.95, cap = 85 }, { below = 0.7, cap = 72.5 }]", 1)
    text = text.replace('params = { kind = "产出" }',
                        'params = { kind = "产出", overachievement_at = 1.3, overachievement_share = 0.2, '
                        'equal_miss = 0.5 }', 1)
    path = folder / "xx-variant-2022.toml"
    path.write_text(text, encoding="utf-8")
    return path


def frameworks(folder: Path) -> list[Framework]:
    return [load_framework(SHIPPED), load_framework(variant_framework(folder)), load_framework(COUNTY)]


#: rates that thresholds and caps are judged on, and their neighbours on both sides of the rounding
_NEAR = (Decimal("0"), Decimal("0.00005"), Decimal("-0.00005"), Decimal("0.0001"), Decimal("-0.0001"),
         Decimal("0.004999"), Decimal("-0.005"))


def _amount(rng: random.Random) -> Decimal:
    return Decimal(rng.choice([100, 200, 400, 1000, 2000, 1250, 8, 3, 7, 13, 9999])) if rng.random() < 0.6 else \
        Decimal(rng.randint(1, 10_000_00)) / 100


def _rated(rng: random.Random, denominator: Decimal, rate: Decimal, digits: int) -> Decimal:
    return (denominator * rate).quantize(Decimal(1).scaleb(-digits))


def random_year(rng: random.Random, fw: Framework, index: int) -> DepartmentYear:
    # about half the cases carry flaws (blanks, words, negatives, half-filled targets): the rest score in full
    flaw = 0.06 if rng.random() < 0.5 else 0.0
    facts: dict[str, Decimal | None] = {f.key: _amount(rng) for f in fw.facts}
    entries: dict[str, IndicatorEntry] = {}
    digits = {f.key: f.digits for f in fw.facts}
    for ind in fw.indicators:
        p = ind.params
        if isinstance(p, (RatioParams, ThresholdParams)) and rng.random() < 0.8:
            den = facts[p.denominator]
            if isinstance(p, ThresholdParams):
                limits = [s.limit for s in p.steps]
            else:
                limits = [p.cap, Decimal("0.65"), Decimal("0.5")]
            rate = rng.choice(limits) + rng.choice(_NEAR) if rng.random() < 0.7 else Decimal(rng.randint(0, 1300)) / 1000
            if isinstance(p, ThresholdParams) and p.relative:
                rate = rate + 1  # (numerator − denominator) / denominator
            if den is not None:
                facts[p.numerator] = max(_rated(rng, den, rate, digits[p.numerator]), Decimal(0))
            if isinstance(p, RatioParams) and p.when_zero == "not_applicable" and rng.random() < 0.2:
                facts[p.denominator] = Decimal(0)
                facts[p.numerator] = Decimal(0) if rng.random() < 0.8 else Decimal(2)
        elif isinstance(p, WithinBudgetParams) and rng.random() < 0.6:
            budget = facts[p.budget]
            if budget is not None:
                facts[p.actual] = budget + rng.choice([Decimal(0), Decimal("0.01"), Decimal("-0.01"),
                                                       Decimal("0.004"), Decimal("0.005")])
        elif isinstance(p, ChoiceParams):
            roll = rng.random()
            # mostly the best answer, as in real workbooks, so totals reach the caps and the top grades
            best = max(p.choices, key=lambda answer: p.choices[answer])
            answer = best if rng.random() < 0.7 else rng.choice(p.answers())
            value: Decimal | str | None = answer if roll >= flaw else (None if roll < flaw / 2 else "好")
            entries[ind.code] = IndicatorEntry(value=value, reason="情况说明")
        elif isinstance(p, DeductionParams):
            roll = rng.random()
            count: Decimal | str | None = Decimal(rng.choice([0, 0, 0, 0, 1, 2, 3, 9])) if roll >= flaw else \
                (None if roll < flaw / 2 else Decimal("1.5"))
            entries[ind.code] = IndicatorEntry(value=count, reason="扣分原因")
    for key in facts:
        roll = rng.random()
        if roll < flaw / 3:
            facts[key] = None  # a blank
        elif roll < flaw / 2:
            facts[key] = -Decimal(rng.randint(1, 500))  # the data validation forbids it; a pasted value may not
    targets = _targets(rng, fw, flaw)
    return DepartmentYear(department=f"随机单位{index:03d}", year=fw.year, framework_id=fw.id,
                          facts=facts, entries=entries, targets=targets)


def _targets(rng: random.Random, fw: Framework, flaw: float) -> list[Target]:
    kinds = [ind.params.kind for ind in fw.indicators if isinstance(ind.params, TargetParams)]
    rows: list[Target] = []
    for kind in kinds:
        count = 0 if rng.random() < flaw / 2 else rng.randint(1, 6)
        weighting = rng.random()
        for i in range(count):
            direction = rng.choice(["≥", "≥", "≤", "=", "定性"])
            goal = Decimal(rng.choice([0, 100, 95, 3, 10, 12, 1000])) if rng.random() < 0.8 else \
                Decimal(rng.randint(1, 9999)) / 10
            factor = rng.choice([Decimal(1), Decimal("1.3"), Decimal("1.2999"), Decimal("1.3001"), Decimal("0.5"),
                                 Decimal("0.95"), Decimal(0), Decimal(rng.randint(0, 2000)) / 1000])
            actual: Decimal | None = (goal * factor).quantize(Decimal("0.001"))
            target: Decimal | None = goal
            if direction == "≤" and rng.random() < 0.5:
                actual = goal + Decimal(rng.randint(1, 50))
            result = rng.choice(QUALITATIVE_RESULTS) if direction == "定性" else ""
            if direction == "定性":
                target = actual = None
                if rng.random() < flaw:
                    result = ""  # a 定性 target without its result: unscored
            elif rng.random() < flaw / 2:
                actual = None  # a missing 实际值: unscored
            weight = None
            if weighting > 0.6 or (weighting > 0.6 - flaw and i == 0):  # all weighted, or (rarely) only the first
                weight = Decimal(rng.choice([0, 1, 2, 3, 5])) if rng.random() < 0.9 else Decimal("0.5")
            rows.append(Target(kind, f"{kind}目标{i + 1}", direction, target, actual,
                               rng.choice(["%", "个", "次"]), weight, result))
    rng.shuffle(rows)
    return rows


def cases(count: int, folder: Path, seed: int = 20261203) -> list[tuple[Framework, DepartmentYear]]:
    rng = random.Random(seed)
    fws = frameworks(folder)
    return [(fws[i % len(fws)], random_year(rng, fws[i % len(fws)], i)) for i in range(count)]


def with_department(year: DepartmentYear, name: str) -> DepartmentYear:
    return replace(year, department=name)
