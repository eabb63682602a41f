"""What one workbook of a batch comes to: plain, picklable data that a worker process sends back.

Everything the summary shows is here, and nothing else travels between processes: a Scorecard
(framework, model, exceptions) would cost more to pickle than to compute.

The parent keeps every record until the summary is written: a city's 10 000 departments are 260 000
indicator rows. So the classes have slots, and `Compact` makes the values that repeat from department to
department (codes, names, categories, 分值, scores, texts such as an empty 扣分原因) one object each.
A worker sends its record in a plain form (`plain`), cheaper to pickle and unpickle, which the parent
turns back into the record, compacted, in one step (`Compact.unplain`).
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
        # for records sent in plain form (`plain`, `unplain`): texts by text, Decimals by their text, and
        # whole rows (indicators, problems, categories) by their plain form, up to SHARED_ROWS of them
        self._texts: dict[str, str] = {}
        self._numbers: dict[str, Decimal] = {}
        self._rows: dict[tuple[Any, ...], Any] = {}

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

    def unplain(self, form: tuple[Any, ...]) -> FileRecord:
        """The record `plain` made `form` of, compacted as `record` would (the same values, the same types:
        each Decimal is made from its exact text, so Decimal("2.00") stays apart from Decimal("2"))."""
        (file, department, year, framework, total, grade, categories, rate, indicators, problems, risks,
         report, note, unreadable, seconds) = form
        text, number, rows = self._text, self._number, self._rows
        return FileRecord(file, department, year, text(framework), number(total), text(grade),
                          tuple([rows.get(c) or self._category(c) for c in categories]), number(rate),
                          tuple([rows.get(i) or self._indicator(i) for i in indicators]),
                          tuple([rows.get(p) or self._problem(p) for p in problems]),
                          risks, report, note, unreadable, seconds)

    def _text(self, value: Any) -> Any:  # a text, or None where the record held None
        return None if value is None else self._texts.setdefault(value, value)

    def _number(self, value: Any) -> Any:  # a Decimal's text, or None
        if value is None:
            return None
        number = self._numbers.get(value)
        if number is None:
            number = self._numbers[value] = Decimal(value)
        return number

    def _share(self, key: tuple[Any, ...], row: Any) -> Any:
        # the key holds the row's own texts (and the Decimals' shared texts): it costs no copy of them. Keys
        # of categories, indicators and problems have 3, 8 and 6 items: never one taken for another
        if len(self._rows) < SHARED_ROWS:
            self._rows[key] = row
        return row

    def _category(self, form: tuple[Any, ...]) -> tuple[Any, ...]:
        name, points, score = map(self._text, form)
        return self._share((name, points, score), (name, self._number(points), self._number(score)))

    def _indicator(self, form: tuple[Any, ...]) -> IndicatorRow:
        code, category, name, points, score, rule, reason, deduction = form
        text, number = self._text, self._number
        key = (text(code), text(category), text(name), text(points), text(score), rule, text(reason),
               text(deduction))
        return self._share(key, IndicatorRow(key[0], key[1], key[2], number(points), number(score), rule, key[6],
                                             number(deduction)))

    def _problem(self, form: tuple[Any, ...]) -> Problem:
        id_, severity, sheet, cell, message, indicators = form
        text = self._text
        key = (text(id_), text(severity), text(sheet), text(cell), message, tuple(map(text, indicators)))
        return self._share(key, Problem(*key))


#: rows shared across records by `Compact.unplain`, at most: one object for the rows that recur (most
#: departments score alike on most indicators); past it each row is its own, as `record` makes them (their
#: keys take some 12 MB at most, where a city whose rows all differ would gain nothing from them)
SHARED_ROWS = 50_000


class _NotPlain(Exception):
    pass


def plain(r: FileRecord) -> tuple[Any, ...] | None:
    """`r` as plain tuples, texts and numbers (each Decimal as its text), to send from a worker to the
    parent; None when a value is not of its field's type (the record is sent as it is then). Pickled, a
    record costs Python code for each field of each row to rebuild (frozen dataclasses) and every Decimal
    is made anew from its text; in this form C code unpickles it, and the parent makes each distinct value
    and row once (`Compact.unplain`)."""
    try:
        return (r.file, r.department, r.year, _plain_text(r.framework), _plain_number(r.total),
                _plain_text(r.grade),
                tuple([(_plain_text(name), _plain_number(points), _plain_number(score))
                       for name, points, score in r.categories]),
                _plain_number(r.execution_rate),
                tuple([(_plain_text(i.code), _plain_text(i.category), _plain_text(i.name), _plain_number(i.points),
                        _plain_number(i.score), _plain_text(i.rule), _plain_text(i.reason),
                        _plain_number(i.deduction)) for i in r.indicators]),
                tuple([(_plain_text(p.id), _plain_text(p.severity), _plain_text(p.sheet), _plain_text(p.cell),
                        _plain_text(p.message), tuple(map(_plain_text, p.indicators))) for p in r.problems]),
                r.risks, r.report, r.report_note, r.unreadable, r.seconds)
    except _NotPlain:
        return None


def _plain_text(value: Any) -> str | None:
    if type(value) is str or value is None:
        return value  # type: ignore[no-any-return]
    raise _NotPlain


def _plain_number(value: Any) -> str | None:
    if type(value) is Decimal:
        return str(value)  # Decimal(str(d)) is d: sign, digits and exponent (Decimal("2.00") stays 2.00)
    if value is None:
        return None
    raise _NotPlain
