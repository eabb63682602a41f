"""The catalogue of what `xlperf check-report` reports, and the shape of one finding.

Ids begin with P (报告, the printed report): E, W and I belong to the checks of the workbook (`xlperf checks`),
R to the reviewer's risks. The hundreds group them: P0xx whose report it is, P1xx a figure that differs
from the workbook, P2xx indicators missing or unknown, P3xx the report's own arithmetic. Each id has one
severity; an id is never reused for something else.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ERROR, WARNING = "错误", "警告"


@dataclass(frozen=True)
class ReportCode:
    id: str
    severity: str
    symbol: str  # for developers (--json); users read the title
    title: str
    summary: str


CODES: dict[str, ReportCode] = {c.id: c for c in (
    ReportCode("P001", WARNING, "department-not-mentioned", "报告中没有单位名称",
               "报告中找不到工作簿的单位名称：可能拿错了工作簿或报告。"),
    ReportCode("P002", WARNING, "year-not-mentioned", "报告中没有年度",
               "报告中找不到工作簿的年度：可能拿错了年度。"),
    ReportCode("P101", ERROR, "score-differs", "指标得分与工作簿不符",
               "报告写的某项指标自评得分，与工作簿按评分规则算出的不同。"),
    ReportCode("P102", ERROR, "points-differ", "指标分值与评分表不符",
               "报告写的某项指标分值，与评分框架规定的不同。"),
    ReportCode("P103", ERROR, "subtotal-differs", "一级指标小计与工作簿不符",
               "报告写的一级指标小计（得分或分值），与工作簿的不同。"),
    ReportCode("P104", ERROR, "total-differs", "总分与工作簿不符",
               "报告写的总分（自评分数），与工作簿算出的不同。"),
    ReportCode("P105", ERROR, "grade-differs", "等级与工作簿不符",
               "报告写的等级，与按工作簿总分和评分框架的等级划分得出的不同。"),
    ReportCode("P106", ERROR, "rate-differs", "比率与工作簿不符",
               "报告写的完成率、执行率或某项指标的比率，与按工作簿数据算出的不同（按报告写的小数位数四舍五入后比较）。"),
    ReportCode("P107", ERROR, "amount-differs", "金额与工作簿不符",
               "报告写的某项金额（预算数、决算数等），与工作簿中的不同。"),
    ReportCode("P108", WARNING, "amount-unknown", "金额在工作簿中找不到",
               "报告写的金额对不上工作簿中的任何数据项、项目金额或单位自己写的文字，无法核对。"),
    ReportCode("P201", ERROR, "indicator-missing", "报告漏写指标",
               "评分表中的指标，报告既没有在正文也没有在附表中写出它的分值和得分。"),
    ReportCode("P202", ERROR, "indicator-unknown", "报告多写了评分表中没有的指标",
               "报告列出了分值或得分的指标，不在评分框架（及单位填写的指标名称）中。"),
    ReportCode("P203", ERROR, "no-indicators", "报告没有逐项写出指标得分",
               "报告中没有找到任何一项指标的分值和得分。"),
    ReportCode("P301", ERROR, "scores-do-not-add-up", "各项得分之和不等于总分",
               "报告列出的各项指标得分相加，不等于报告写的总分。"),
    ReportCode("P302", ERROR, "points-do-not-add-up", "各项分值之和不等于满分",
               "报告列出的各项指标分值相加，不等于评分表的总分值（如 100 分）。"),
    ReportCode("P303", ERROR, "subtotals-do-not-add-up", "各小计之和不等于总分",
               "报告列出的一级指标小计相加，不等于报告写的总分。"),
    ReportCode("P304", ERROR, "category-does-not-add-up", "一级指标下各项之和不等于小计",
               "报告在同一处列出的某个一级指标下各项指标得分相加，不等于该一级指标的小计。"),
)}


@dataclass(frozen=True)
class ReportFinding:
    """One problem of the report: where (第 N 段, 表 M 第 R 行), the words quoted, and what to do."""

    id: str
    message: str
    where: str = ""
    quote: str = ""
    order: int = 0  # the block's index in the report, for reading order
    indicators: tuple[str, ...] = field(default=(), compare=False)

    @property
    def code(self) -> ReportCode:
        return CODES[self.id]

    @property
    def severity(self) -> str:
        return self.code.severity

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    @property
    def place(self) -> str:
        """The place and the words, as the table shows them: 第 55 段 “自评分数为 99.15 分”."""
        quoted = f"“{self.quote}”" if self.quote else ""
        return " ".join(p for p in (self.where, quoted) if p)

    def to_dict(self) -> dict[str, str]:
        return {"id": self.id, "symbol": self.code.symbol, "severity": self.severity, "location": self.where,
                "quote": self.quote, "message": self.message}


@dataclass(frozen=True)
class ReportCheck:
    """What `check_report` found, and how much it compared (a pass that compared nothing proves nothing)."""

    findings: tuple[ReportFinding, ...]
    checked: dict[str, int]  # 指标 26, 总分 2 …: the statements compared with the workbook, by kind
    notes: tuple[str, ...] = ()  # what could not be compared, and why

    @property
    def errors(self) -> int:
        return sum(f.is_error for f in self.findings)


def catalogue_markdown() -> str:
    """The catalogue as the table docs/check-report.md carries (a test keeps the two in step)."""
    lines = ["| 编号 | 级别 | 说明 |", "|---|---|---|"]
    lines += [f"| {c.id} | {c.severity} | **{c.title}**：{c.summary} |" for c in CODES.values()]
    return "\n".join(lines) + "\n"


__all__ = ["CODES", "ERROR", "WARNING", "ReportCheck", "ReportCode", "ReportFinding", "catalogue_markdown"]
