"""The 自评报告: the Word document rendered from the narrative, its chart, and the PDF made from it.

    render_report(scorecard, "报告.docx", pdf=True)   # what every front-end calls

The names other parts of xlperf use load on first use (PEP 562): docxtpl waits until a report is made.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_names

_LAZY = {"ReportFiles": "render", "check_user_template": "render", "render_report": "render",
         "convert_to_pdf": "pdf", "libreoffice_available": "pdf"}

if TYPE_CHECKING:
    from .pdf import convert_to_pdf, libreoffice_available
    from .render import ReportFiles, check_user_template, render_report


__getattr__ = lazy_names(__name__, _LAZY)


__all__ = ["ReportFiles", "check_user_template", "convert_to_pdf", "libreoffice_available", "render_report"]
