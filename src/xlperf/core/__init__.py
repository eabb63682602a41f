"""The pure core: rules as data (frameworks), the model of a department-year, the engine, the checks,
the review and the report's words. Standard library only (plus tomli on Python 3.10): no Excel, Word,
pandas or file formats. Everything above it (workbook, evaluate, report, the front-ends) imports it.

The names users of the core need are listed here; they load on first use (PEP 562), so that importing
one module of the core (the command's error class, say) does not load the others.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_names

_LAZY = {
    "ShownRate": "_rounding", "excel_round": "_rounding", "format_amount": "_rounding", "format_number": "_rounding",
    "format_exact": "_rounding", "format_percent": "_rounding", "to_decimal": "_rounding",
    "open_regular": "_readfile", "os_fix": "_readfile", "os_reason": "_readfile", "read_limited": "_readfile",
    "Finding": "checks", "findings_summary": "checks", "run_checks": "checks",
    "CategoryScore": "engine", "IndicatorResult": "engine", "Scorecard": "engine", "score_year": "engine",
    "FrameworkError": "errors", "InputError": "errors", "Location": "errors", "UnsafeFileError": "errors",
    "WorkbookError": "errors", "XlperfError": "errors",
    "Framework": "frameworks", "load_framework": "frameworks", "shipped_frameworks": "frameworks",
    "year_from_dict": "jsonform", "year_to_dict": "jsonform",
    "DepartmentYear": "model",
    "field": "_record", "record": "_record",
    "Risk": "review", "review_card": "review", "total_moved": "review",
}

if TYPE_CHECKING:
    from ._readfile import open_regular, os_fix, os_reason, read_limited
    from ._record import field, record
    from ._rounding import ShownRate, excel_round, format_amount, format_exact, format_number, format_percent, to_decimal
    from .checks import Finding, findings_summary, run_checks
    from .engine import CategoryScore, IndicatorResult, Scorecard, score_year
    from .errors import FrameworkError, InputError, Location, UnsafeFileError, WorkbookError, XlperfError
    from .frameworks import Framework, load_framework, shipped_frameworks
    from .jsonform import year_from_dict, year_to_dict
    from .model import DepartmentYear
    from .review import Risk, review_card, total_moved


__getattr__ = lazy_names(__name__, _LAZY)


__all__ = [
    "CategoryScore", "DepartmentYear", "Finding", "Framework", "FrameworkError", "IndicatorResult",
    "InputError", "Location", "Risk", "Scorecard", "ShownRate", "UnsafeFileError", "WorkbookError",
    "XlperfError", "excel_round", "field", "findings_summary", "format_amount", "format_exact", "format_number",
    "format_percent", "load_framework", "open_regular", "os_fix", "os_reason", "read_limited", "record", "review_card",
    "run_checks",
    "score_year", "shipped_frameworks", "to_decimal", "total_moved", "year_from_dict", "year_to_dict"
]
