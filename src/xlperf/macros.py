"""The workbook's two buttons, 检查填报 and 生成报告, as xlwings' RunPython calls them:

    RunPython "import xlperf.macros; xlperf.macros.check_workbook()"
    RunPython "import xlperf.macros; xlperf.macros.generate_report()"

Thin: `LiveSource` hands the cells of the workbook open in Excel (what the clerk sees now, unsaved
edits included) to the reader the command line uses (workbook.read.read_cells); the core scores and
checks. What is left here is xlwings: names and sheets in, the 校验结果 sheet with links to the cells
and a message box out. The clerk never sees a traceback: an XlperfError becomes its Chinese message,
anything else a short note and a log file in the temporary folder.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import xlwings as xw

from .core.errors import Location, XlperfError
from .workbook import NAME_PREFIX, bounds, parse_reference

if TYPE_CHECKING:
    from .core.checks import Finding
    from .evaluate import Evaluation

RESULT_SHEET = "校验结果"
CHECK_TITLE = "xlperf 检查填报"
REPORT_TITLE = "xlperf 生成报告"
HEADER = ("编号", "级别", "位置", "问题和修改建议")
FIRST_FINDING_ROW = 4  # row 1 the summary, row 2 when and the total, row 3 the header
_WIDTHS = (8, 6, 22, 90)
_XLWINGS_CONF = "xlwings.conf"  # the macro workbook's last sheet: xlwings' settings, not for the clerk


class LiveSource:
    """The CellSource of a workbook open in Excel (an xlwings Book): one read of each sheet.

    Only the columns the defined names reach are read (the reader looks at no other), so a clerk who
    formats whole rows to column XFD does not make the read slow.
    """

    def __init__(self, book: Any) -> None:
        self.book = book
        self._names: dict[str, str] | None = None
        self._sheets: list[str] | None = None

    def defined_names(self) -> dict[str, str]:
        if self._names is None:
            names: dict[str, str] = {}
            for name in self.book.names:
                text = str(name.name)
                if "!" in text:  # sheet-scoped ('评分表'!Print_Titles): not ours, and not seen by the file reader
                    continue
                names[text] = str(name.refers_to or "")
            self._names = names
        return self._names

    def sheet_names(self) -> Sequence[str]:
        if self._sheets is None:
            self._sheets = [sheet.name for sheet in self.book.sheets]
        return self._sheets

    def rows(self, sheet: str, last_row: int) -> list[list[Any]]:
        width = self._width(sheet)
        # err_to_str: an error value reads as "#DIV/0!" (as from a file), not as a blank
        values = self._range(sheet, last_row, width).options(ndim=2, err_to_str=True).value
        return [[_plain(v) for v in row] for row in _grid(values, last_row)]

    def formula_rows(self, sheet: str, last_row: int) -> list[list[Any]]:
        return _grid(self._range(sheet, last_row, self._width(sheet)).formula, last_row)

    def merged_ranges(self, sheet: str) -> list[str]:
        """Merged areas over the named ranges of a sheet, as the file reader finds them in the XML.

        One question to Excel per named range (Range.MergeCells is False when nothing in it is
        merged, the usual case); the cells are asked one by one only in a range that has a merge.
        When Excel cannot tell, what was found so far (a merge then shows as a blank, never a guess)."""
        found: dict[str, None] = {}
        try:
            worksheet = self.book.sheets[sheet]
            for refers_to in self.defined_names().values():
                target = parse_reference(refers_to)
                if target is None or target[0] != sheet:
                    continue
                api = worksheet.range(target[1]).api
                if api.MergeCells is False:
                    continue
                for cell in api.Cells:
                    if cell.MergeCells:
                        area = str(cell.MergeArea.Address).replace("$", "")
                        if ":" in area:
                            found.setdefault(area)
        except Exception:  # noqa: BLE001 - an Excel without this API, or a protected view: no merges known
            pass
        return list(found)

    def _range(self, sheet: str, last_row: int, width: int) -> Any:
        return self.book.sheets[sheet].range((1, 1), (max(last_row, 1), width))

    def _width(self, sheet: str) -> int:
        width = 1
        for name, refers_to in self.defined_names().items():
            target = parse_reference(refers_to) if name.startswith(NAME_PREFIX) else None  # not the clerk's own names
            if target is not None and target[0] == sheet:
                width = max(width, bounds(target[1])[1][0])
        return width


def _grid(values: Any, last_row: int) -> list[list[Any]]:
    """Rows of cells, whatever shape came back (COM gives a scalar for one cell, xlwings flattens a
    single row or column unless told ndim=2)."""
    if not isinstance(values, (list, tuple)):
        return [[values]]
    if values and not isinstance(values[0], (list, tuple)):
        return [list(values)] if last_row == 1 else [[v] for v in values]
    return [list(row) for row in values]


def _plain(value: Any) -> Any:
    """Excel holds every number as a float: 2022.0 reads as 2022, as openpyxl reads it from a file."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    return value


# --- the buttons ----------------------------------------------------------------------------------


def check_workbook(book: Any = None) -> None:
    """检查填报: check the workbook as it is now; list the findings in 校验结果, with links to the cells."""
    _run(book, CHECK_TITLE, _check_workbook)


def generate_report(book: Any = None) -> None:
    """生成报告: check the workbook; with no 错误, write the report beside it (a new name each time)."""
    _run(book, REPORT_TITLE, _generate_report)


def _run(book: Any, title: str, body: Callable[[Any], tuple[str, str]]) -> None:
    if book is None:
        try:
            book = xw.Book.caller()
        except Exception:  # noqa: BLE001 - run outside Excel, or xlwings lost the workbook
            raise SystemExit("xlperf：找不到调用它的工作簿。请在 Excel 中点击工作簿上的按钮运行。") from None
    try:
        message, mode = body(book)
    except XlperfError as exc:
        message, mode = str(exc), "critical"
    except Exception:  # noqa: BLE001 - the clerk gets one line, the developer the log
        message, mode = f"内部错误{_log_traceback()}。请把该文件发给维护人员。", "critical"
    _alert(book, message, title, mode)


def _alert(book: Any, message: str, title: str, mode: str) -> None:
    try:
        book.app.alert(message, title=title, mode=mode)
    except Exception:  # noqa: BLE001 - no message box: RunPython shows what a failed run prints
        raise SystemExit(f"{title}：{message}") from None


def _log_traceback() -> str:
    from ._errorlog import log_current_exception

    return log_current_exception()


def _evaluated(book: Any) -> Evaluation:
    """The live workbook through the one use case (the same reader, engine, checks and report gate as
    the command line)."""
    from .evaluate import evaluate_cells
    from .workbook import Cells

    return evaluate_cells(Cells(LiveSource(book), str(book.name)))


def _check_workbook(book: Any) -> tuple[str, str]:
    evaluation = _evaluated(book)
    card, findings = evaluation.scorecard, list(evaluation.findings)
    from .core.checks import findings_summary

    errors = sum(f.is_error for f in findings)
    summary = findings_summary(findings)
    total = (f"总分 {card.total_text} 分，等级 {card.grade}。" if card.complete
             else f"有 {len(card.errors)} 项指标无法计分，总分不完整。")
    when = f"检查时间 {dt.datetime.now():%Y-%m-%d %H:%M}；{total}修改后请再点击“检查填报”，本表不会自动更新。"
    _write_results(book, summary, when, findings)
    if findings:
        return f"{summary}\n详见“{RESULT_SHEET}”工作表，点击“位置”可跳到要修改的单元格。", "critical" if errors else "info"
    return f"{summary}\n{total}", "info"


def _generate_report(book: Any) -> tuple[str, str]:
    evaluation = _evaluated(book)
    findings = evaluation.findings
    # the one report gate; a button has no override (no --force): the clerk fixes the errors first
    if not evaluation.report_decision(force=False).allowed:
        return (f"填报中还有 {len(evaluation.errors)} 条错误，不能生成报告。\n"
                f"请先点击“检查填报”，按“{RESULT_SHEET}”工作表逐条修改后再生成报告。"), "critical"
    from .report.render import render_report

    path = _report_path(book)
    # the same function as `xlperf report`; a new name each time, so no earlier report is overwritten
    files = render_report(evaluation.scorecard, path, overwrite=False)
    lines = [f"已生成自评报告：{files.docx}"]
    if findings:
        lines.append(f"另有 {len(findings)} 条警告或提示，可点击“检查填报”查看。")
    lines += list(files.notes)
    lines.append("报告中的数字均来自本工作簿。需要 PDF 时，可在 Word 中“另存为 PDF”。")
    return "\n".join(lines), "info"


def _report_path(book: Any) -> Path:
    """Where the report goes: beside the workbook, `<工作簿名>-自评报告.docx`, else `…(2).docx`, `…(3).docx`;
    never an existing file (evaluate.report_path). (The writer still refuses to overwrite: the check is
    not a lock.)"""
    from .evaluate import report_path

    try:
        workbook = Path(str(book.fullname))
    except Exception:  # noqa: BLE001 - xlwings cannot map an online (OneDrive/SharePoint) path to a folder
        workbook = Path()
    if not workbook.is_absolute() or not workbook.parent.is_dir():
        raise XlperfError("找不到工作簿所在的本机文件夹（工作簿尚未保存，或在 OneDrive/SharePoint 网页位置上打开）",
                          fix="请把工作簿保存到本机文件夹后重试")
    return report_path(workbook, free=True)


# --- the 校验结果 sheet ---------------------------------------------------------------------------


def _write_results(book: Any, summary: str, when: str, findings: list[Finding]) -> None:
    sheet = _result_sheet(book)
    rows: list[list[Any]] = [[summary, "", "", ""], [when, "", "", ""]]
    if findings:
        rows.append(list(HEADER))
        rows += [[f.id, f.severity, _text(_place(f.location)), _text(f.message)] for f in findings]
    sheet.range((1, 1)).value = rows  # one write for every value
    sheet.range((1, 1)).font.bold = True
    for col, width in enumerate(_WIDTHS, start=1):
        sheet.range((1, col)).column_width = width
    if findings:
        last = FIRST_FINDING_ROW + len(findings) - 1
        sheet.range((FIRST_FINDING_ROW - 1, 1), (FIRST_FINDING_ROW - 1, len(HEADER))).font.bold = True
        sheet.range((FIRST_FINDING_ROW, 4), (last, 4)).wrap_text = True
    for row, finding in enumerate(findings, start=FIRST_FINDING_ROW):
        target = _link(finding.location)
        if target:
            place = _place(finding.location)
            sheet.range((row, 3)).add_hyperlink(target, _text(place), f"跳转到 {place}")
    sheet.activate()


def _result_sheet(book: Any) -> Any:
    """The 校验结果 sheet, emptied; when missing, made after the others (but before xlwings.conf)."""
    names = [sheet.name for sheet in book.sheets]
    if RESULT_SHEET in names:
        sheet = book.sheets[RESULT_SHEET]
        sheet.clear()  # values, formats and the old links
        return sheet
    last = [name for name in names if name != _XLWINGS_CONF] or names
    return book.sheets.add(RESULT_SHEET, after=book.sheets[last[-1]])


def _place(location: Location | None) -> str:
    """收支情况!C10 as the clerk reads it (the file name is the workbook itself here)."""
    if location is None:
        return ""
    return str(Location(sheet=location.sheet, cell=location.cell, path=location.path))


def _link(location: Location | None) -> str | None:
    """An internal link, #'收支情况'!C10, to the (first) cell of a location; None without a cell."""
    if location is None or not location.sheet or not location.cell:
        return None
    sheet = location.sheet.replace("'", "''")
    return f"#'{sheet}'!{location.cell.split(':')[0]}"


def _text(value: str) -> str:
    """Text Excel must not take for a formula or a prefix when written through .value."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "'") else value


__all__ = ["LiveSource", "check_workbook", "generate_report"]
