"""Render the 自评报告 into a Word template (docxtpl), and to PDF when asked.

`render_report` is the one function the command (`xlperf report`), the demo and the workbook's
生成报告 button call. Every number comes from the Scorecard through core.narrative; this module only
places the narrative into the template, adds the chart and writes the files (atomically).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._files import atomic_write
from ..core.checks import Finding
from ..core.engine import Scorecard
from ..core.errors import XlperfError
from ..core.narrative import report_context

from ..core.frameworks import SHIPPED_DIR, Framework

#: xlperf's own template (GB/T 9704 layout; docs/report-template.md): the shipped framework names it, and a
#: framework that names none gets it
DEFAULT_TEMPLATE = SHIPPED_DIR / "gz-baiyun.docx"


@dataclass(frozen=True)
class ReportFiles:
    docx: Path
    pdf: Path | None = None
    notes: tuple[str, ...] = ()  # what the user should know (chart left out, PDF not made …), in Chinese


def render_report(card: Scorecard, out: Path, *, template: Path | None = None, pdf: bool = False,
                  overwrite: bool = False, pending: list[Finding] | None = None,
                  protect: tuple[Path, ...] = ()) -> ReportFiles:
    """Write the report of `card` to `out` (.docx) and, with `pdf`, beside it as .pdf.

    `pending`: errors the user chose to override; they are listed on the first page as 待核实.
    `protect`: input files the output must never replace.
    """
    from docxtpl import DocxTemplate

    from .chart import category_chart
    from .template_check import render_sandboxed

    # --template, else the framework's own; any but the shipped one is read once, checked, and rendered
    # from the same bytes
    chosen = Path(template) if template else framework_template(card.framework)
    shipped = chosen.resolve() == DEFAULT_TEMPLATE.resolve()
    source = str(DEFAULT_TEMPLATE) if shipped else io.BytesIO(check_user_template(chosen))
    context: dict[str, Any] = report_context(card)
    context["pending"] = [f"{f.where}：{f.message}" if f.where else f.message for f in (pending or [])]
    notes: list[str] = []
    doc = DocxTemplate(source)
    context["chart"] = category_chart(doc, card) if card.framework.report.chart else ""

    def write(tmp: Path) -> None:
        # in the sandbox, as when the template was checked: the real data may take a branch the trial did not
        render_sandboxed(doc, context, chosen.name)
        doc.save(str(tmp))

    docx = atomic_write(Path(out), write, overwrite=overwrite, suffixes=(".docx",), protect=protect)
    pdf_path = None
    if pdf:
        from .pdf import convert_to_pdf

        pdf_path = convert_to_pdf(docx, docx.with_suffix(".pdf"), overwrite=overwrite, notes=notes)
    return ReportFiles(docx, pdf_path, tuple(notes))


def framework_template(framework: Framework) -> Path:
    """The report template a framework declares ([report] template, found beside its file), else xlperf's."""
    if not framework.report.template:
        return DEFAULT_TEMPLATE
    declared = Path(framework.report.template)
    return declared if declared.is_absolute() else Path(framework.folder or ".") / declared


def check_user_template(path: Path) -> bytes:
    """The bytes of a user's template: a regular file of at most MAX_TEMPLATE_BYTES, a .docx, whose tags
    the report can fill (a Chinese TemplateError otherwise)."""
    from .template_check import read_template, validate_template_bytes

    data = read_template(path)  # a FIFO, a device or a folder named x.docx is refused as such
    if path.suffix.lower() != ".docx":
        raise XlperfError(f"报告模板应为 .docx 文件：{path}", fix="请在 Word 中另存为 .docx")
    validate_template_bytes(data, path.name)  # unknown names, broken or split tags: a Chinese TemplateError
    return data
