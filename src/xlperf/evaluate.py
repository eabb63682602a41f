"""The one use case: evaluate one department-year.

    evaluation = evaluate("绩效自评.xlsx")      # or a .json department-year, or a DepartmentYear
    evaluation.scorecard.total, evaluation.findings, evaluation.risks
    evaluation.to_frame()                      # pandas: one row per indicator
    decision = evaluation.report_decision(force=False)
    path = report_path(Path("绩效自评.xlsx"))    # 绩效自评-自评报告.docx beside it

`evaluate` opens the file once, loads the framework once, scores, checks and reviews. Every front-end
(the command, the workbook's buttons, the batch) goes through it, so they score, check and decide about
the report in the same way:

- **The report gate.** A report is written only when the checks find no 错误, unless the user
  explicitly overrides (`xlperf report --force`, `xlperf batch --reports … --force`); a report written
  over errors lists them on its first page as 待核实. The workbook's 生成报告 button has no override:
  the clerk fixes the errors first.
- **The report's name.** `<the input's name>-自评报告.docx`, beside the input or mirrored below a batch's
  reports folder; see `report_path`.

Heavy modules (openpyxl, calamine, pandas) are imported only when a file is read or a frame is made, the
checks and the review only when their results are asked for.
"""

from __future__ import annotations

import sys
import types
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .core import record
from .core.engine import Scorecard, score_year
from .core.frameworks import Framework, load_framework
from .core.model import DepartmentYear, SheetScores

if TYPE_CHECKING:
    import pandas

    from .core.checks import Finding
    from .core.review import Risk
    from .workbook import Cells, Reader

REPORT_SUFFIX = "-自评报告"
#: how many numbered copies (…-自评报告(2).docx) `report_path(free=True)` tries before it gives up
MAX_REPORT_COPIES = 999
#: the suffixes of one department's files that would otherwise give their reports the same name
_TWIN_SUFFIXES = (".xlsx", ".xlsm", ".json")


@record
class ReportDecision:
    """Whether a report may be written, and what its first page lists as 待核实."""

    allowed: bool
    pending: tuple[Finding, ...] = ()  # the errors an overridden report lists on its first page
    reason: str = ""  # why not, in Chinese, when not allowed
    fix: str = ""


@record
class Evaluation:
    """A department-year read, scored, checked and reviewed: everything a front-end shows or writes.

    The checks and the review run when first asked for (a worksheet function that only wants scores
    does not pay for them), once."""

    year: DepartmentYear
    framework: Framework
    scorecard: Scorecard
    source: Path | None = None  # the file it was read from; None for a DepartmentYear given directly
    #: False: leave out the checks of the 扣分原因 texts (for inputs that carry none, as some UDF calls)
    reasons: bool = True

    @property
    def sheet(self) -> SheetScores | None:
        """The scores the workbook's own 评分表 shows (its saved values; compared by check W601); None for
        a JSON form."""
        return self.year.sheet

    @cached_property
    def findings(self) -> tuple[Finding, ...]:
        """Every check's findings, errors first (see docs/checks.md)."""
        from .core.checks import run_checks  # (imported when asked for: `xlperf score` never is)

        return tuple(run_checks(self.scorecard, reasons=self.reasons))

    @cached_property
    def risks(self) -> tuple[Risk, ...]:
        """What a reviewer at the finance bureau looks at first (R01, R02; R03 needs last year's total)."""
        from .core.review import review_card

        return tuple(review_card(self.scorecard))

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.is_error)

    def report_decision(self, *, force: bool = False) -> ReportDecision:
        """The one report gate (see the module's docstring): no 错误, or an explicit override."""
        errors = self.errors
        if not errors:
            return ReportDecision(True)
        if force:
            return ReportDecision(True, pending=errors)
        return ReportDecision(False, reason=f"有 {len(errors)} 条“错误”，未生成报告",
                              fix="请先修改；确需生成时加 --force，报告首页会列出待核实的问题")

    def to_frame(self) -> pandas.DataFrame:
        """One row per indicator, for analysts (pandas): who, what, 分值, score, deduction, the rule applied
        and the department's reason. Scores are floats of the 2-decimal values the 评分表 shows; an
        indicator that cannot be scored has NaN."""
        import pandas as pd

        card = self.scorecard
        rows = [{
            "file": self.source.name if self.source else "", "department": self.year.department,
            "year": self.year.year, "framework": self.framework.id, "code": r.code, "name": r.name,
            "category": r.indicator.category, "points": float(r.points),
            "score": _float(r.score), "deduction": _float(r.deduction), "rule": r.sentence, "reason": r.reason,
        } for r in card.results]
        frame = pd.DataFrame(rows, columns=list(FRAME_COLUMNS))
        return frame.astype({"year": "Int64"})


#: the columns of Evaluation.to_frame(), in order (docs/python-api.md explains each)
FRAME_COLUMNS = ("file", "department", "year", "framework", "code", "name", "category", "points", "score",
                 "deduction", "rule", "reason")


def _float(value: Any) -> float:
    return float("nan") if value is None else float(value)


def evaluate(source: str | Path | DepartmentYear, framework: Framework | str | Path | None = None, *,
             reader: Reader = "calamine") -> Evaluation:
    """Read, score, check and review one department-year.

    `source`: an .xlsx/.xlsm workbook, a .json department-year (the form `xlperf export` writes), or a
    DepartmentYear. `framework` (a Framework, a shipped id or a .toml path) overrides the one the file
    names. Raises an XlperfError (a Chinese message with the place) when the file cannot be read at all;
    what is wrong inside a readable file is in `findings`.
    """
    from ._open import framework_of, open_year

    if isinstance(source, DepartmentYear):
        fw = framework_of(framework) if framework is not None else load_framework(source.framework_id)
        return evaluate_year(source, fw)
    year, fw = open_year(Path(source), framework, reader=reader)
    return evaluate_year(year, fw, source=Path(source))


def evaluate_cells(cells: Cells, framework: Framework | str | Path | None = None) -> Evaluation:
    """The same for a source of cells that is not a file (the workbook open in Excel, for the buttons)."""
    from .workbook import read_year

    year, fw = read_year(cells, framework)
    return evaluate_year(year, fw)


def evaluate_year(year: DepartmentYear, framework: Framework, *, source: Path | None = None,
                  reasons: bool = True) -> Evaluation:
    """Score a department-year already read (its checks and review follow when asked for)."""
    return Evaluation(year, framework, score_year(framework, year), source, reasons)


def report_path(source: Path, *, folder: Path | None = None, below: Path | None = None,
                free: bool = False) -> Path:
    """Where the report of `source` goes: `<name>-自评报告.docx`.

    Beside the input; or, with `folder`, in that folder, mirroring `below` (the input's path below a
    batch's folder, as shown). When a.xlsx and a.xlsm (or a.json) lie side by side, each report keeps
    its input's suffix (a.xlsm-自评报告.docx): never two reports on one name. `free`: never an existing
    file: …-自评报告(2).docx, (3) … (the workbook's button, which has no --force).
    """
    from .core.errors import XlperfError

    shown = below if below is not None else Path(source.name)
    twins = [source.with_suffix(s) for s in _TWIN_SUFFIXES + tuple(s.upper() for s in _TWIN_SUFFIXES)
             if s != source.suffix]
    stem = shown.name if any(t.exists() for t in twins) else shown.stem
    place = (folder / shown.parent) if folder is not None else source.parent
    path = place / f"{stem}{REPORT_SUFFIX}.docx"
    if not free:
        return path
    for n in range(1, MAX_REPORT_COPIES + 1):
        candidate = path if n == 1 else path.with_name(f"{stem}{REPORT_SUFFIX}({n}).docx")
        if not candidate.exists():
            return candidate
    raise XlperfError(f"文件夹 {place} 中已有 {MAX_REPORT_COPIES} 份自评报告", fix="请删除或移走旧的报告后重试")


class _CallableModule(types.ModuleType):
    """`xlperf.evaluate` names both this module and its function: once the module is imported, Python
    sets the package's attribute `evaluate` to the module, whatever the package said before. So the
    module itself calls `evaluate`: `xlperf.evaluate("a.xlsx")` works in whichever order things were
    imported (a notebook after the command line, say)."""

    def __call__(self, source: str | Path | DepartmentYear, framework: Framework | str | Path | None = None, *,
                 reader: Reader = "calamine") -> Evaluation:
        return evaluate(source, framework, reader=reader)


sys.modules[__name__].__class__ = _CallableModule

__all__ = ["FRAME_COLUMNS", "REPORT_SUFFIX", "Evaluation", "ReportDecision", "evaluate", "evaluate_cells",
           "evaluate_year", "report_path"]
