"""What one workbook of a batch comes to: plain, picklable data that a worker process sends back.

Everything the summary shows is here, and nothing else travels between processes: a Scorecard
(framework, model, exceptions) would cost more to pickle than to compute.

The parent keeps every record until the summary is written: a city's 10 000 departments are 260 000
indicator rows. So the classes have slots, and `Compact` makes the values that repeat from department to
department (codes, names, categories, 分值, scores, texts such as an empty 扣分原因) one object each.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

#: Status of a file in the summary's 状态 column
SCORED, INCOMPLETE, UNREADABLE = "已评分", "不完整", "未能读取"


@dataclass(frozen=True, slots=True)
class IndicatorRow:
    code: str
    category: str
    name: str
    points: Decimal
    score: Decimal | None
    rule: str  # the rule applied, or why it could not be scored
    reason: str  # the department's 扣分原因 / 情况说明
    deduction: Decimal | None  # the engine's (0 for an indicator that does not apply, whatever the policy)


@dataclass(frozen=True, slots=True)
class Problem:
    """One row of 问题清单: a finding of the checks, or a problem of the file itself."""

    id: str
    severity: str  # 错误 | 警告 | 提示
    sheet: str
    cell: str
    message: str
    indicators: tuple[str, ...] = ()

    @property
    def is_error(self) -> bool:
        return self.id.startswith("E")


@dataclass(frozen=True, slots=True)
class RiskRow:
    id: str
    title: str
    message: str
    indicators: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FileRecord:
    file: str  # the path below the batch folder, with "/" (the same on every system)
    department: str = ""
    year: int | None = None
    framework: str = ""
    total: Decimal | None = None  # None unless every indicator could be scored
    grade: str = ""
    categories: tuple[tuple[str, Decimal, Decimal], ...] = ()  # (name, points, score)
    execution_rate: Decimal | None = None
    indicators: tuple[IndicatorRow, ...] = ()
    problems: tuple[Problem, ...] = ()
    risks: tuple[RiskRow, ...] = ()
    report: str = ""  # the report written (path below the reports folder), or ""
    report_note: str = ""  # why no report was written, in Chinese
    unreadable: bool = False  # the file could not be read at all (its one problem says why)
    seconds: float = field(default=0.0, compare=False)  # time spent on it (benchmarks; not in the summary)

    @property
    def status(self) -> str:
        if self.unreadable:
            return UNREADABLE
        return SCORED if self.total is not None else INCOMPLETE

    @property
    def errors(self) -> int:
        return sum(p.is_error for p in self.problems)

    @property
    def warnings(self) -> int:
        return sum(p.id.startswith("W") for p in self.problems)


class Compact:
    """One object for each value that repeats across records (a record unpickled in the parent has its own
    copy of every text and number)."""

    def __init__(self) -> None:
        self._seen: dict[Any, Any] = {}

    def __call__(self, value: Any) -> Any:
        if value is None:
            return None
        # by type and text: Decimal("2.00") == Decimal("2") == 2, yet each must stay as written
        return self._seen.setdefault((type(value), str(value)), value)

    def record(self, r: FileRecord) -> FileRecord:
        one = self
        indicators = tuple(IndicatorRow(one(i.code), one(i.category), one(i.name), one(i.points), one(i.score),
                                        i.rule, one(i.reason), one(i.deduction)) for i in r.indicators)
        problems = tuple(Problem(one(p.id), one(p.severity), one(p.sheet), one(p.cell), p.message,
                                 tuple(map(one, p.indicators))) for p in r.problems)
        categories = tuple((one(name), one(points), one(score)) for name, points, score in r.categories)
        return replace(r, framework=one(r.framework), grade=one(r.grade), categories=categories,
                       indicators=indicators, problems=problems)
