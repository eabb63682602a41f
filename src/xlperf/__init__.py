"""xlperf: 部门整体支出绩效自评 — the workbook as the interface, Python behind it.

The public API, listed once in __all__. Importing xlperf loads only the pure core; the workbook
functions import openpyxl / XlsxWriter when first called.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .core.checks import Finding, run_checks
from .core.engine import IndicatorResult, Scorecard, score_indicator, score_year
from .core.errors import FrameworkError, InputError, Location, UnsafeFileError, WorkbookError, XlperfError
from .core.frameworks import Framework, load_framework, shipped_frameworks
from .core.jsonform import year_from_dict, year_to_dict
from .core.model import DepartmentYear

__version__ = "0.1.0"


def read_workbook(path: str | Path, framework: Framework | str | Path | None = None) -> DepartmentYear:
    """Read a department-year from an .xlsx/.xlsm workbook (see docs/workbook-layout.md)."""
    from .workbook.read import read_workbook as _read

    return _read(path, framework)


def build_workbook(path: str | Path, framework: Framework, year: DepartmentYear | None = None,
                   **options: Any) -> Path:
    """Write a workbook for `framework`, empty or filled from `year`."""
    from .workbook.build import build_workbook as _build

    return _build(path, framework, year, **options)


__all__ = [
    "DepartmentYear", "Finding", "Framework", "FrameworkError", "IndicatorResult", "InputError", "Location",
    "Scorecard", "UnsafeFileError", "WorkbookError", "XlperfError", "__version__", "build_workbook",
    "load_framework", "read_workbook", "run_checks", "score_indicator", "score_year", "shipped_frameworks",
    "year_from_dict", "year_to_dict",
]
