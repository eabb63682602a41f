"""What the workbook's own 评分表 shows: the values saved in its score cells.

xlperf never scores from these cells (scores are always recomputed from the inputs); it reads them to
compare: a formula overwritten by a typed number, or a file saved before its last edit was calculated,
shows a score the engine does not give. The cells are reached by their defined names (XP_I_<code>_SCORE,
XP_TOTAL, XP_GRADE); what a reader gets is the value Excel (or xlperf's build) saved.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from ..core import to_decimal
from ..core.errors import Location, WorkbookError
from ..core.frameworks import Framework
from . import layout as L
from ._cells import Cells

#: what a score cell shows: a number, a text (an error value such as "#NAME?", or a UDF's message), or
#: nothing
Shown = Decimal | str | None


@dataclass(frozen=True)
class SheetScores:
    """The 评分表's saved scores: per indicator code, the total and the grade, with their cells."""

    scores: dict[str, Shown] = field(default_factory=dict)
    total: Shown = None
    grade: str = ""
    places: dict[str, Location] = field(default_factory=dict)  # code, "total", "grade" -> the cell

    @property
    def empty(self) -> bool:
        """Nothing shown at all (a file whose formulas were never calculated and have no saved values)."""
        return self.total is None and not self.grade and all(v is None for v in self.scores.values())


def read_sheet_scores(cells: Cells, framework: Framework) -> SheetScores | None:
    """The scores the workbook shows, or None when it has no score cells of this layout at all."""
    names = {ind.code: L.indicator_name(ind.code, "SCORE") for ind in framework.indicators}
    if not any(cells.has(name) for name in names.values()):
        return None
    scores: dict[str, Shown] = {}
    places: dict[str, Location] = {}
    for code, name in names.items():
        scores[code], places[code] = _read(cells, name)
    total, places["total"] = _read(cells, L.TOTAL)
    grade, places["grade"] = _read(cells, L.GRADE)
    return SheetScores(scores, total, "" if grade is None else str(grade), places)


def _read(cells: Cells, name: str) -> tuple[Shown, Location]:
    if not cells.has(name):
        return None, Location()
    try:
        raw = cells.value(name)
        where = cells.location(name)
    except WorkbookError:  # a name broken by a deleted row: the reader reports it where it reads inputs
        return None, Location()
    return _shown(raw), where


def _shown(raw: object) -> Shown:
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool):
        return str(raw).upper()
    if isinstance(raw, (int, float, Decimal)):
        try:
            return to_decimal(raw)
        except (InvalidOperation, ValueError):
            return str(raw)
    return str(raw).strip() or None
