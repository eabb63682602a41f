"""What the workbook's own 评分表 shows: the values saved in its score cells.

xlperf never scores from these cells (scores are always recomputed from the inputs); it reads them to
compare: a formula overwritten by a typed number, or a file saved before its last edit was calculated,
shows a score the engine does not give. The cells are reached by their defined names (XP_I_<code>_SCORE,
XP_TOTAL, XP_GRADE); what a reader gets is the value Excel (or xlperf's build) saved.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from ..core import to_decimal
from ..core.errors import Location, WorkbookError
from ..core.frameworks import Framework
from ..core.model import SheetScores, Shown
from . import layout as L
from ._cells import Cells

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
