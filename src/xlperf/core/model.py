"""The model of one department-year: everything the department enters, with where it came from.

Every front-end (workbook reader, JSON form, UDFs) produces a `DepartmentYear`; the engine, the
checks and the report read only this. Scores are never part of it: they are always recomputed.
"""

from __future__ import annotations

from ._record import field, record
from decimal import Decimal

from .errors import InputError, Location

#: Free texts the department writes, in report order: key -> label shown to users.
TEXT_FIELDS: dict[str, str] = {
    "overview": "部门概况",
    "goals": "总体目标",
    "annual_work": "年度总体工作",
    "key_tasks": "重点工作任务完成情况",
    "performance_goals": "部门整体绩效支出目标",
    "budget_outcomes": "预算完成情况",
    "management": "部门整体绩效管理情况",
    "conclusion": "自评结论综述",
    "achievements": "主要工作成效",
    "problems": "存在的主要问题",
    "measures": "下一步改进措施",
}

TARGET_KINDS = ("产出", "效益")
DIRECTIONS = ("≥", "≤", "=", "定性")
QUALITATIVE_RESULTS = ("达成", "部分达成", "未达成")
#: the columns of a 绩效目标 row that take one of a few values: column -> (its name, the values)
TARGET_CHOICES: dict[str, tuple[str, tuple[str, ...]]] = {
    "kind": ("类别", TARGET_KINDS), "direction": ("方向", DIRECTIONS), "result": ("定性完成情况", QUALITATIVE_RESULTS)}


def target_choice_problem(column: str, value: str) -> str:
    """What is wrong with `value` in a choice column of a 绩效目标 row ("" when nothing). Shared by the
    workbook reader and the JSON form, which place the message differently. A blank result is allowed."""
    label, allowed = TARGET_CHOICES[column]
    if value in allowed or (column == "result" and not value):
        return ""
    return f"{label}应为 {'、'.join(allowed)} 之一，收到“{value}”"


@record
class Target:
    """One 绩效目标 indicator of the department: 目标值 against 实际值, or a qualitative result."""

    kind: str  # 产出 | 效益
    name: str
    direction: str  # ≥ | ≤ | = | 定性
    target: Decimal | None = None
    actual: Decimal | None = None
    unit: str = ""
    weight: Decimal | None = None
    result: str = ""  # 达成 | 部分达成 | 未达成, for 定性 targets
    note: str = ""
    location: Location | None = None  # the row, for messages


@record
class Project:
    """One key project (重点任务项目) and what the department says of its outcomes."""

    name: str
    budget: Decimal | None = None  # 万元
    actual: Decimal | None = None  # 万元
    outputs: str = ""  # 产出完成情况
    benefits: str = ""  # 效益
    satisfaction: str = ""  # 满意度
    location: Location | None = None


@record
class IndicatorEntry:
    """What the department entered in one 评分表 row (not the score: that is computed)."""

    value: Decimal | str | None = None  # 填报值: a choice such as 是/部分/否, or a count
    reason: str = ""  # 扣分原因 / 情况说明
    name: str = ""  # only for indicators whose name the department enters


#: what a score cell of the 评分表 shows: a number, a text (an error value such as "#NAME?", or a worksheet
#: function's message), or nothing
Shown = Decimal | str | None


@record
class SheetScores:
    """The scores the workbook's own 评分表 shows (the values saved in its score cells). Never used for
    scoring: scores are recomputed; these are compared with them (check W601, risk R04)."""

    scores: dict[str, Shown] = field(default_factory=dict)  # indicator code -> what its row shows
    total: Shown = None
    grade: str = ""
    places: dict[str, Location] = field(default_factory=dict)  # code, "total", "grade" -> the cell

    @property
    def empty(self) -> bool:
        """Nothing shown at all (a workbook filled where nothing calculates its scores)."""
        return self.total is None and not self.grade and all(v is None for v in self.scores.values())


@record(frozen=False)
class DepartmentYear:
    """All inputs of one department for one year, and where each one was read."""

    department: str
    year: int | None
    framework_id: str
    texts: dict[str, str] = field(default_factory=dict)
    facts: dict[str, Decimal | None] = field(default_factory=dict)
    targets: list[Target] = field(default_factory=list)
    projects: list[Project] = field(default_factory=list)
    entries: dict[str, IndicatorEntry] = field(default_factory=dict)
    #: "facts.<key>", "indicators.<code>.value|reason|name", "texts.<key>", "targets", "department",
    #: and cells of table rows as "targets[<i>].<column>", "projects[<i>].<column>" (i: index in the list) ...
    locations: dict[str, Location] = field(default_factory=dict)
    source: str = ""  # file the data was read from, for messages
    #: inputs that could not be used, keyed as `locations` ("facts.<key>", "targets", "year" ...): the
    #: reader keeps going so that `check` lists every bad cell at once; the value itself is left blank
    unreadable: dict[str, InputError] = field(default_factory=dict)
    #: rows filled in below a table's range, which are not read (warned by the checks)
    outside_tables: list[Location] = field(default_factory=list)
    #: values read tolerantly, keyed as `locations` ("facts.<key>", "targets[2].actual" …): how each was
    #: read ("“３３２.２１”按 332.21 读取（全角数字），建议直接填写 332.21"), listed as 提示 by the checks
    notices: dict[str, str] = field(default_factory=dict)
    #: merged cells that cover inputs: each merged range (e.g. 收支情况!B6:C7) -> the keys of the inputs
    #: it hides, as `locations` ("facts.<key>", "targets[绩效目标!B5:J5]"); those inputs read as blank
    merged_inputs: dict[Location, tuple[str, ...]] = field(default_factory=dict)
    #: what the workbook's own 评分表 shows (None for the JSON form, or cells read without a 评分表)
    sheet: SheetScores | None = None

    @property
    def is_blank(self) -> bool:
        """Nothing entered yet (a workbook just made by `xlperf new`): no name, amount, target, project,
        评分表 entry or text, and no cell that failed to read."""
        entered = (self.department.strip(), any(v is not None for v in self.facts.values()), self.targets,
                   self.projects, any(e.value not in (None, "") or e.reason.strip() or e.name.strip()
                                      for e in self.entries.values()),
                   any(t.strip() for t in self.texts.values()), self.unreadable)
        return not any(entered)

    def where(self, key: str) -> Location | None:
        """The place of an input, e.g. where("facts.expenditure_budget") -> 收支情况!C6."""
        return self.locations.get(key)

    def entry(self, code: str) -> IndicatorEntry:
        return self.entries.get(code) or IndicatorEntry()

    def targets_of(self, kind: str) -> list[Target]:
        return [t for t in self.targets if t.kind == kind]
