"""Check a 自评报告 against its workbook (`xlperf check-report 报告.docx 工作簿.xlsx`). Pure.

    result = check_report(scorecard, blocks_from_text(text))   # or the blocks of a .docx (report.read)
    result.findings      # ReportFinding: id (P101 …), severity, where (第 55 段, 表 1 第 4 行), quote, message
    result.checked       # how many scores, totals, grades, rates and amounts were compared

The report may be xlperf's own, edited by hand, or written without xlperf (a PDF's text pasted into a .txt).
What it states is found by its words (see `_claims`), compared with the engine's Scorecard, and its own
sums are checked (see `_lint`). The catalogue of ids is in `_catalogue` and docs/check-report.md.
"""

from __future__ import annotations

from ._catalogue import CODES, ERROR, WARNING, ReportCheck, ReportCode, ReportFinding, catalogue_markdown
from ._lint import check_report
from ._text import Block, Place, blocks_from_text, normalize

__all__ = ["CODES", "ERROR", "WARNING", "Block", "Place", "ReportCheck", "ReportCode", "ReportFinding",
           "blocks_from_text", "catalogue_markdown", "check_report", "normalize"]
