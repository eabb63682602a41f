"""Workbook adapters: the documented layout (layout.py), writing (build.py) and reading (read.py).

Kept out of xlperf.core so that the engine never imports openpyxl or XlsxWriter. The names other parts
of xlperf use are listed here and load on first use (PEP 562): importing the package costs nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_names

_LAZY = {
    "Cells": "_cells", "CellSource": "_cells", "NAME_PREFIX": "_cells", "bounds": "_cells",
    "parse_reference": "_cells",
    "READERS": "_readers", "Reader": "_readers", "open_cells": "_readers",
    "check_workbook_file": "_safety", "duplicate_part": "_safety", "open_workbook_file": "_safety",
    "read_sheet_scores": "_shown",
    "build_workbook": "build",
    "read_cells": "read", "read_workbook": "read", "read_year": "read",
}

if TYPE_CHECKING:
    from ._cells import NAME_PREFIX, Cells, CellSource, bounds, parse_reference
    from ._readers import READERS, Reader, open_cells
    from ._safety import check_workbook_file, duplicate_part, open_workbook_file
    from ._shown import read_sheet_scores
    from .build import build_workbook
    from .read import read_cells, read_workbook, read_year


__getattr__ = lazy_names(__name__, _LAZY)


__all__ = [
    "CellSource", "Cells", "NAME_PREFIX", "READERS", "Reader", "bounds", "build_workbook",
    "check_workbook_file", "duplicate_part", "open_cells", "open_workbook_file", "parse_reference",
    "read_cells", "read_sheet_scores", "read_workbook", "read_year"
]
