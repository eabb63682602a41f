"""xlperf: 部门整体支出绩效自评 — the workbook as the interface, Python behind it.

The public API, listed once in __all__. Names are loaded on first use (PEP 562), so that
`xlperf --help` starts fast; the workbook functions import openpyxl / XlsxWriter when called.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._lazy import lazy_names as _lazy_names

__version__ = "0.1.0"

_LAZY = {
    "DepartmentYear": "core.model",
    "Finding": "core.checks", "run_checks": "core.checks",
    "IndicatorResult": "core.engine", "Scorecard": "core.engine", "score_indicator": "core.engine",
    "score_year": "core.engine",
    "FrameworkError": "core.errors", "InputError": "core.errors", "Location": "core.errors",
    "UnsafeFileError": "core.errors", "WorkbookError": "core.errors", "XlperfError": "core.errors",
    "Framework": "core.frameworks", "load_framework": "core.frameworks", "shipped_frameworks": "core.frameworks",
    "year_from_dict": "core.jsonform", "year_to_dict": "core.jsonform",
    "Evaluation": "evaluate", "ReportDecision": "evaluate", "evaluate": "evaluate", "report_path": "evaluate",
}

if TYPE_CHECKING:
    from .core.checks import Finding, run_checks
    from .core.engine import IndicatorResult, Scorecard, score_indicator, score_year
    from .core.errors import FrameworkError, InputError, Location, UnsafeFileError, WorkbookError, XlperfError
    from .core.frameworks import Framework, load_framework, shipped_frameworks
    from .core.jsonform import year_from_dict, year_to_dict
    from .core.model import DepartmentYear
    from .evaluate import Evaluation, ReportDecision, evaluate, report_path


__getattr__ = _lazy_names(__name__, _LAZY)


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
    "DepartmentYear", "Evaluation", "Finding", "Framework", "FrameworkError", "IndicatorResult", "InputError",
    "Location", "ReportDecision", "Scorecard", "UnsafeFileError", "WorkbookError", "XlperfError", "__version__",
    "build_workbook", "evaluate", "load_framework", "read_workbook", "report_path", "run_checks",
    "score_indicator", "score_year", "shipped_frameworks", "year_from_dict", "year_to_dict"
]
