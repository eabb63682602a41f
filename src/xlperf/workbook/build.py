"""Write a workbook for a framework with XlsxWriter: empty for a new year, or filled from data.

Every input cell gets its defined name (see layout.py), so the reader never depends on rows.
Text is always written with write_string, so a department's text starting with "=" stays text.

An .xlsx is the formula edition: its 评分表 computes with native formulas generated from the framework
(_formulas.py), no VBA. An .xlsm is the macro workbook: the same sheets with UDF
formulas in the 评分表, plus 使用说明, xlwings.conf, buttons and the VBA project (vba.py), built in two
passes (docs/developer-workbook-build.md).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import tempfile
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from .._files import atomic_write, scratch_folder
from ..core.engine import Scorecard, score_year
from ..core.frameworks import Framework, PrintRules
from ..core.model import DIRECTIONS, QUALITATIVE_RESULTS, TARGET_KINDS, TEXT_FIELDS, DepartmentYear
from . import _print
from ._formats import HEADING_WIDTH, TEXT_WIDTH
from ._formats import Formats as _Formats
from ._formats import height as _height
from ._formats import text as _text
from ._formats import title as _title
from . import layout as L

#: A fixed creation date makes two builds of the same data byte-identical.
BUILD_DATE = dt.datetime(2022, 1, 1)
#: The calcId Excel 2019 and Microsoft 365 write. A file saved by an older calculation engine (XlsxWriter's
#: default is 124519, Excel 2010) is recalculated in full on open and Excel asks to save it on close.
CALC_ID = 191029


def build_workbook(path: str | Path, framework: Framework, year: DepartmentYear | None = None,
                   *, overwrite: bool = True) -> Path:
    """Write the workbook to `path` (atomically): empty when `year` is None, else filled and scored.

    The suffix decides the kind: .xlsx the formula edition, .xlsm the macro workbook."""
    scorecard = score_year(framework, year) if year is not None else None
    path = Path(path)
    if path.suffix.lower() == ".xlsm":
        return atomic_write(path, lambda tmp: _write_macro_workbook(tmp, framework, year, scorecard),
                            overwrite=overwrite, suffixes=(".xlsx", ".xlsm"))
    return atomic_write(path, lambda tmp: _write(tmp, framework, year, scorecard), overwrite=overwrite,
                        suffixes=(".xlsx", ".xlsm"))


def _write_macro_workbook(path: Path, fw: Framework, year: DepartmentYear | None, card: Scorecard | None) -> None:
    """Two passes: the workbook without VBA (its sheets give the document modules their code names),
    then the same workbook with the vbaProject.bin pyOpenVBA made for the first."""
    from .vba import vba_project_bin

    with tempfile.TemporaryDirectory(prefix="xlperf-build-") as folder:
        first = Path(folder) / "first-pass.xlsm"
        _write(first, fw, year, card, udfs=True)
        project = vba_project_bin(first)
    _write(path, fw, year, card, udfs=True, vba_project=project)


def _write(path: Path, fw: Framework, year: DepartmentYear | None, card: Scorecard | None, udfs: bool = False,
           vba_project: bytes | None = None) -> None:
    """One pass of XlsxWriter. `udfs`: the macro workbook's sheets (UDF formulas, 使用说明, xlwings.conf,
    buttons, code names); `vba_project`: its vbaProject.bin (the second pass)."""
    # XlsxWriter writes each part to a temporary file first and leaves them behind when it fails: in a
    # folder of our own, removed whatever happens
    with scratch_folder() as scratch:
        _write_book(path, fw, year, card, udfs, vba_project, scratch)


def _write_book(path: Path, fw: Framework, year: DepartmentYear | None, card: Scorecard | None, udfs: bool,
                vba_project: bytes | None, scratch: Path) -> None:
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False,
                                         "strings_to_urls": False, "tmpdir": str(scratch)})
    wb.set_properties({"title": _title(fw), "created": BUILD_DATE,
                       "author": "xlperf", "comments": f"评分框架 {fw.id}"})
    # No full recalculation on open: the saved results (the engine's) stay visible where the UDFs cannot
    # run (WPS, LibreOffice, Excel before Python is set up); any edit recalculates what depends on it.
    wb.calc_on_load = False
    wb.set_calc_mode("auto", calc_id=CALC_ID)
    wb.define_name(L.LAYOUT_NAME, f'="{L.LAYOUT_VERSION}"')
    wb.define_name(L.FRAMEWORK_DIGEST, f'="{fw.digest}"')
    fmt = _Formats(wb)
    sheets = {name: wb.add_worksheet(name) for name in (L.MACRO_SHEETS if udfs else (L.GUIDE_SHEET, *L.SHEETS))}
    _info(wb, sheets[L.INFO_SHEET], fmt, fw, year)
    _facts(wb, sheets[L.FACTS_SHEET], fmt, fw, year)
    _targets(wb, sheets[L.TARGETS_SHEET], fmt, fw, year)
    _scoresheet(wb, sheets[L.SCORESHEET], fmt, fw, year, card, udfs)
    _projects(wb, sheets[L.PROJECTS_SHEET], fmt, fw, year)
    _issues(wb, sheets[L.ISSUES_SHEET], fmt, fw, year)
    if udfs:
        _macro_parts(wb, sheets, fmt, fw, vba_project)
    else:
        from . import _macro_sheets

        _macro_sheets.guide(sheets[L.GUIDE_SHEET], fmt, fw, None)
    for name, ws in sheets.items():
        if name != L.CONFIG_SHEET:  # xlwings.conf stays editable: the clerk may have to set Interpreter_Win
            ws.protect("", {"format_columns": True, "format_rows": True, "insert_rows": True, "delete_rows": True,
                            "select_locked_cells": True, "select_unlocked_cells": True})
    try:
        wb.close()
    except Exception:
        wb.fileclosed = True  # or XlsxWriter tries again when the object is collected, and prints a traceback
        raise
    _type_empty_results(path)


#: A formula cell whose saved result is empty, as XlsxWriter writes it: no type, so a number without a value
_UNTYPED_EMPTY_RESULT = re.compile(rb'<c (r="[A-Z]+[0-9]+"(?: s="[0-9]+")?)><f>([^<]*)</f><v></v></c>')


def _type_empty_results(path: Path) -> None:
    """Give every formula cell whose saved result is "" the text type Excel writes for it (t="str").

    XlsxWriter leaves an empty result untyped (`<v></v>`, "to force recalc in some third party apps"):
    a number without a value, which a reader may take for a result still to be calculated. Excel saves
    an empty text result with t="str". The zip is rewritten with the same entries, order, dates and
    compression, so the output stays byte-reproducible."""
    with zipfile.ZipFile(path) as package:
        entries = [(info, package.read(info)) for info in package.infolist()]
    changed = False
    for i, (info, data) in enumerate(entries):
        if info.filename.startswith("xl/worksheets/sheet") and b"<v></v>" in data:
            fixed = _UNTYPED_EMPTY_RESULT.sub(rb'<c \1 t="str"><f>\2</f><v></v></c>', data)
            changed = changed or fixed != data
            entries[i] = (info, fixed)
    if changed:
        with zipfile.ZipFile(path, "w") as package:
            for info, data in entries:
                package.writestr(info, data)


def _macro_parts(wb: Workbook, sheets: dict[str, Worksheet], fmt: _Formats, fw: Framework,
                 vba_project: bytes | None) -> None:
    """使用说明, xlwings.conf, the buttons, the code names (the same in both passes) and the VBA project."""
    from . import _macro_sheets, vba

    _macro_sheets.guide(sheets[L.GUIDE_SHEET], fmt, fw, vba.xlwings_vba_version())
    _macro_sheets.config(sheets[L.CONFIG_SHEET], fmt)
    score_columns = [c.key for c in L.SCORE_COLUMNS]
    _macro_sheets.insert_buttons(sheets[L.SCORESHEET], 0, score_columns.index("criteria"))
    wb.set_vba_name("ThisWorkbook")
    for ws in sheets.values():
        ws.set_vba_name()  # Sheet1..N by position, as Excel and pyOpenVBA name them
    if vba_project is not None:
        wb.add_vba_project(io.BytesIO(vba_project), is_stream=True)


def _ref(sheet: str, row: int, col: int, row2: int | None = None, col2: int | None = None) -> str:
    from xlsxwriter.utility import xl_range_abs, xl_rowcol_to_cell

    cells = (xl_rowcol_to_cell(row, col, True, True) if row2 is None or col2 is None
             else xl_range_abs(row, col, row2, col2))
    return f"='{sheet}'!{cells}"


def _number(ws: Worksheet, row: int, col: int, value: Decimal | None, cell_format: Any) -> None:
    if value is None:
        ws.write_blank(row, col, None, cell_format)
    else:
        ws.write_number(row, col, float(value), cell_format)


def _text_block(wb: Workbook, ws: Worksheet, fmt: _Formats, row: int, key: str, year: DepartmentYear | None) -> int:
    text = year.texts.get(key, "") if year else ""
    _text(ws, row, 0, TEXT_FIELDS[key], fmt.label)
    _text(ws, row, 1, text, fmt.input_text)
    ws.set_row(row, _height([(text, TEXT_WIDTH)], minimum=90))
    wb.define_name(L.text_name(key), _ref(ws.name, row, 1))
    return row + 1


def _info(wb: Workbook, ws: Worksheet, fmt: _Formats, fw: Framework, year: DepartmentYear | None) -> None:
    ws.set_column(0, 0, HEADING_WIDTH)
    ws.set_column(1, 1, TEXT_WIDTH)
    ws.merge_range(0, 0, 0, 1, _title(fw), fmt.title)
    ws.set_row(0, 30)
    ws.merge_range(1, 0, 1, 1, "黄色单元格由单位填写；绿色单元格由程序计算，请勿修改。", fmt.note)
    _print.page_setup(ws, fw.print, title=_title(fw))
    _text(ws, 2, 0, "单位名称", fmt.label)
    _text(ws, 2, 1, year.department if year else "", fmt.input_short)
    wb.define_name(L.DEPARTMENT, _ref(ws.name, 2, 1))
    _text(ws, 3, 0, "年度", fmt.label)
    if year and year.year is not None:
        ws.write_number(3, 1, year.year, fmt.input_count)
    else:
        ws.write_number(3, 1, fw.year, fmt.input_count)
    ws.data_validation(3, 1, 3, 1, {"validate": "integer", "criteria": "between", "minimum": 2000, "maximum": 2100,
                                    "error_title": "年度", "error_message": "请填写 4 位年度，如 2022"})
    wb.define_name(L.YEAR, _ref(ws.name, 3, 1))
    _text(ws, 4, 0, "评分框架", fmt.label)
    _text(ws, 4, 1, fw.id, fmt.fixed)
    wb.define_name(L.FRAMEWORK, _ref(ws.name, 4, 1))
    row = 5
    for key, sheet in L.TEXT_SHEETS.items():
        if sheet == L.INFO_SHEET:
            row = _text_block(wb, ws, fmt, row, key, year)
    ws.freeze_panes(2, 0)


def _facts(wb: Workbook, ws: Worksheet, fmt: _Formats, fw: Framework, year: DepartmentYear | None) -> None:
    widths = (14, 34, 16, 8, 38)
    for col, width in enumerate(widths):
        ws.set_column(col, col, width)
    ws.set_column(5, 5, 22, None, {"hidden": True})  # 数据项编号: tells the UDFs which value is which
    for col, header in enumerate(("分组", "数据项", "数值", "单位", "说明", "数据项编号（程序用）")):
        _text(ws, 0, col, header, fmt.header)
    ws.freeze_panes(1, 0)
    _print.page_setup(ws, fw.print, repeat_row=0, title=_title(fw))
    row = 1
    groups = list(dict.fromkeys(f.group for f in fw.facts))
    for group in groups:
        for fact in (f for f in fw.facts if f.group == group):
            _text(ws, row, 0, group, fmt.group)
            _text(ws, row, 1, fact.name, fmt.label)
            _number(ws, row, 2, year.facts.get(fact.key) if year else None, fmt.for_fact(fact))
            _text(ws, row, 3, fact.unit, fmt.fixed)
            _text(ws, row, 4, fact.help, fmt.note)
            ws.set_row(row, _height([(fact.name, widths[1]), (fact.help, widths[4])]))
            ws.data_validation(row, 2, row, 2, {"validate": "decimal", "criteria": ">=", "value": 0,
                                                "error_title": fact.name,
                                                "error_message": f"请只填数字（单位：{fact.unit}），不要带单位或文字"})
            wb.define_name(L.fact_name(fact.key), _ref(ws.name, row, 2))
            _text(ws, row, 5, fact.key, fmt.fixed)
            row += 1
    wb.define_name(L.FACT_KEYS, _ref(ws.name, 1, 5, row - 1, 5))
    wb.define_name(L.FACT_VALUES, _ref(ws.name, 1, 2, row - 1, 2))


def _table(wb: Workbook, ws: Worksheet, fmt: _Formats, fw: Framework, columns: tuple[L.Column, ...],
           rows: list[dict[str, Any]], spare: int, name: str) -> tuple[int, int]:
    ws.set_column(0, 0, 6)
    _text(ws, 0, 0, "序号", fmt.header)
    for col, column in enumerate(columns, start=1):
        ws.set_column(col, col, column.width)
        _text(ws, 0, col, column.header, fmt.header)
    ws.set_row(0, _height([(c.header, c.width) for c in columns]))  # headers wrap; printed on every page
    ws.freeze_panes(1, 0)
    _print.page_setup(ws, fw.print, repeat_row=0, title=_title(fw))
    last = len(rows) + spare
    for i in range(last):
        ws.write_number(i + 1, 0, i + 1, fmt.fixed)
        values = rows[i] if i < len(rows) else {}
        if values:
            ws.set_row(i + 1, _height([(str(values.get(c.key) or ""), c.width) for c in columns]))
        for col, column in enumerate(columns, start=1):
            value = values.get(column.key)
            if isinstance(value, Decimal) or value is None and column.key in ("target", "actual", "weight", "budget"):
                _number(ws, i + 1, col, value if isinstance(value, Decimal) else None, fmt.input_number)
            else:
                _text(ws, i + 1, col, str(value or ""), fmt.input_short)
    wb.define_name(name, _ref(ws.name, 1, 1, last, len(columns)))
    return 1, last


def _targets(wb: Workbook, ws: Worksheet, fmt: _Formats, fw: Framework, year: DepartmentYear | None) -> None:
    rows = [{"kind": t.kind, "name": t.name, "direction": t.direction, "target": t.target, "actual": t.actual,
             "unit": t.unit, "weight": t.weight, "result": t.result, "note": t.note} for t in (year.targets if year else [])]
    first, last = _table(wb, ws, fmt, fw, L.TARGET_COLUMNS, rows, L.SPARE_TARGET_ROWS, L.TARGETS)
    for col, column in enumerate(L.TARGET_COLUMNS, start=1):  # what the native formulas read
        wb.define_name(L.target_column_name(column.key), _ref(ws.name, first, col, last, col))
    for col, choices in ((1, TARGET_KINDS), (3, DIRECTIONS), (8, QUALITATIVE_RESULTS)):
        ws.data_validation(first, col, last, col, {"validate": "list", "source": list(choices)})


def _projects(wb: Workbook, ws: Worksheet, fmt: _Formats, fw: Framework, year: DepartmentYear | None) -> None:
    rows = [{"name": p.name, "budget": p.budget, "actual": p.actual, "outputs": p.outputs, "benefits": p.benefits,
             "satisfaction": p.satisfaction} for p in (year.projects if year else [])]
    _table(wb, ws, fmt, fw, L.PROJECT_COLUMNS, rows, L.SPARE_PROJECT_ROWS, L.PROJECTS)


def _issues(wb: Workbook, ws: Worksheet, fmt: _Formats, fw: Framework, year: DepartmentYear | None) -> None:
    ws.set_column(0, 0, HEADING_WIDTH)
    ws.set_column(1, 1, TEXT_WIDTH)
    _print.page_setup(ws, fw.print, title=_title(fw))
    row = 0
    for key, sheet in L.TEXT_SHEETS.items():
        if sheet == L.ISSUES_SHEET:
            row = _text_block(wb, ws, fmt, row, key, year)


#: The arguments every scoring UDF takes: the whole input of the department, by defined name
UDF_ARGS = ", ".join((L.FRAMEWORK, L.CODES, L.VALUES, L.NAMES, L.FACT_KEYS, L.FACT_VALUES, L.TARGETS))
SCORESHEET_TITLE_HEIGHT = 36  # points: the 评分表's title row holds the buttons in the macro workbook
TITLE_HEIGHT = 24  # points: the 评分表's title row in the formula edition (16 pt type)
SUMMARY_ROW_HEIGHT = 20  # points: the rows of 合计, 等级 and 一级指标小计
NO_PYTHON_HINT = "提示：未能调用 Python 计分，得分不会更新。请启用宏，并按“使用说明”工作表安装 Python 和 xlperf。"


def _scoresheet(wb: Workbook, ws: Worksheet, fmt: _Formats, fw: Framework, year: DepartmentYear | None,
                card: Scorecard | None, udfs: bool) -> None:
    """The 评分表. With `udfs`, scores are UDF formulas (one array call for all indicators) whose
    cached results are the engine's, so the file shows the right numbers before Python is set up."""
    cols = {c.key: i for i, c in enumerate(L.SCORE_COLUMNS)}
    widths = {c.key: c.width for c in L.SCORE_COLUMNS}
    heights: dict[int, float] = {}  # of every row, for the page breaks

    def set_height(row: int, height: float) -> None:
        ws.set_row(row, height)
        heights[row] = height

    for i, column in enumerate(L.SCORE_COLUMNS):
        ws.set_column(i, i, column.width)
        _text(ws, 1, i, column.header, fmt.header)
    set_height(1, _height([(c.header, c.width) for c in L.SCORE_COLUMNS]))
    # up to the 评分标准 column, shrunk to fit if longer: the buttons of the .xlsm float over that cell
    ws.merge_range(0, 0, 0, cols["criteria"] - 1, f"{fw.title}（{fw.locality}{fw.year}）", fmt.title_fit)
    set_height(0, SCORESHEET_TITLE_HEIGHT if udfs else TITLE_HEIGHT)  # in the .xlsm, room for the buttons
    if udfs:
        ws.merge_range(0, cols["value"], 0, cols["reason"], "", fmt.warning)
        ws.write_formula(0, cols["value"], f'=IFERROR(IF(LEFT(PERF_STATUS(),6)="xlperf","",'
                                           f'"{NO_PYTHON_HINT}"),"{NO_PYTHON_HINT}")', fmt.warning, "")
    ws.freeze_panes(2, 3)
    first = row = 2
    groups: list[list[list[int]]] = []  # each category's rows, for the page breaks
    placed: list[tuple[Any, int]] = []  # (indicator, row) in the sheet's order
    for category in fw.categories:
        indicators = [ind for ind in fw.indicators if ind.category == category.name]
        groups.append([[r] for r in range(row, row + len(indicators))])
        if len(indicators) > 1:
            ws.merge_range(row, 0, row + len(indicators) - 1, 0, category.name, fmt.fixed)
        elif indicators:
            _text(ws, row, 0, category.name, fmt.fixed)
        for ind in indicators:
            placed.append((ind, row))
            entry = year.entry(ind.code) if year else None
            result = card.result(ind.code) if card else None
            _text(ws, row, cols["code"], ind.code, fmt.fixed)
            if ind.name_editable:
                _text(ws, row, cols["name"], entry.name if entry and entry.name else "", fmt.input_short)
                wb.define_name(L.indicator_name(ind.code, "NAME"), _ref(ws.name, row, cols["name"]))
            else:
                _text(ws, row, cols["name"], ind.name, fmt.fixed)
            ws.write_number(row, cols["points"], float(ind.points), fmt.fixed_num)
            _text(ws, row, cols["explanation"], ind.explanation, fmt.fixed)
            _text(ws, row, cols["criteria"], ind.criteria, fmt.fixed)
            if _value_cell(ws, row, cols["value"], ind, entry, fmt):
                wb.define_name(L.indicator_name(ind.code, "VALUE"), _ref(ws.name, row, cols["value"]))
            _number(ws, row, cols["score"], result.score if result else None, fmt.output)
            wb.define_name(L.indicator_name(ind.code, "SCORE"), _ref(ws.name, row, cols["score"]))
            _number(ws, row, cols["deduction"], result.deduction if result else None, fmt.output)
            _text(ws, row, cols["sentence"], result.sentence if result else "", fmt.output_text)
            _text(ws, row, cols["reason"], entry.reason if entry else "", fmt.input_text)
            wb.define_name(L.indicator_name(ind.code, "REASON"), _ref(ws.name, row, cols["reason"]))
            set_height(row, _height([(ind.criteria, widths["criteria"]), (ind.explanation, widths["explanation"]),
                                     (entry.reason if entry else "", widths["reason"]),
                                     (_shown_sentence(ind, fw, card, udfs), widths["sentence"])], minimum=30))
            row += 1
    last = row - 1
    _mark_unexplained_deductions(wb, ws, fw, first, last, cols)
    for name, key in ((L.CODES, "code"), (L.VALUES, "value"), (L.NAMES, "name"), (L.REASONS, "reason")):
        wb.define_name(name, _ref(ws.name, first, cols[key], last, cols[key]))
    wb.define_name(L.SCORES, _ref(ws.name, first, cols["score"], last, cols["sentence"]))
    # the results the UDFs give for what this file holds, saved with their formulas (a blank workbook too)
    shown = (card or _blank_card(fw)) if udfs else None
    if shown is not None:
        cached = [(_score_or_message(r), r.deduction, r.sentence) for r in shown.results]
        _array(ws, first, cols["score"], f"=PERF_SCORES({UDF_ARGS})", cached,
               (fmt.output, fmt.output, fmt.output_text))
    total_row = row
    _text(ws, row, 0, "合计", fmt.group)
    ws.merge_range(row, 1, row, 2, "总分", fmt.group)
    ws.write_number(row, cols["points"], float(fw.scoring.total_points), fmt.fixed_num)
    _number(ws, row, cols["score"], card.total if card and card.complete else None, fmt.output)
    wb.define_name(L.TOTAL, _ref(ws.name, row, cols["score"]))
    _text(ws, row + 1, 0, "等级", fmt.group)
    _text(ws, row + 1, cols["score"], card.grade if card and card.complete else "", fmt.output_text)
    wb.define_name(L.GRADE, _ref(ws.name, row + 1, cols["score"]))
    if shown is not None:
        total: Any = shown.total_shown
        _array(ws, total_row, cols["score"], f"=PERF_TOTAL({UDF_ARGS})",
               [(total,), (shown.grade if shown.complete else "",)], (fmt.output,))
    row += 3
    ws.merge_range(row, 0, row, 2, "一级指标小计", fmt.group)  # wider than column A alone
    _text(ws, row, cols["points"], "分值", fmt.group)
    _text(ws, row, cols["score"], "得分", fmt.group)
    row += 1
    for i, category in enumerate(fw.categories):
        summary = card.categories[i] if card else None
        _text(ws, row + i, 0, category.name, fmt.fixed)
        # the engine's subtotal points when scored (a dropped 不适用 indicator is not counted under
        # "rescale"); the framework's 分值 in a blank workbook
        points = summary.points if summary else sum(
            (ind.points for ind in fw.indicators if ind.category == category.name), Decimal(0))
        ws.write_number(row + i, cols["points"], float(points), fmt.fixed_num)
        _number(ws, row + i, cols["score"], summary.score if summary and not summary.unscored else None, fmt.output)
    wb.define_name(L.CATEGORY_SCORES, _ref(ws.name, row, cols["score"], row + len(fw.categories) - 1, cols["score"]))
    if shown is not None:
        _array(ws, row, cols["score"], f"=PERF_CATEGORY_SCORES({UDF_ARGS})", [(c.shown,) for c in shown.categories],
               (fmt.output,))
    if not udfs:
        _native_formulas(ws, fmt, fw, year, card or _blank_card(fw), placed, total_row, row, cols)
    for r in range(total_row, row + len(fw.categories)):
        set_height(r, SUMMARY_ROW_HEIGHT)
    _print.page_setup(ws, fw.print, repeat_row=1, title=_title(fw))
    _scoresheet_breaks(ws, fw.print, heights, [g for g in groups if g],
                       list(range(total_row, row + len(fw.categories))))


def _shown_sentence(ind: Any, fw: Framework, card: Scorecard | None, udfs: bool) -> str:
    """The 评分说明 a row is made tall enough for: the engine's sentence; in the .xlsx edition, for an
    unscored row, the native formula's hint of what to fill. (The UDFs' messages in a blank .xlsm are
    not counted: the rows of an empty form stay compact, the message shows whole in the cell's tooltip.)"""
    from . import _formulas as F

    if card is None:
        return "" if udfs else F.rule(ind, fw).hint
    result = card.result(ind.code)
    return result.sentence if udfs or result.score is not None else F.rule(ind, fw).hint


def _native_formulas(ws: Worksheet, fmt: _Formats, fw: Framework, year: DepartmentYear | None, card: Scorecard,
                     placed: list[tuple[Any, int]], total_row: int, category_row: int, cols: dict[str, int]) -> None:
    """The .xlsx edition: every computed cell of the 评分表 (score, 扣分, 评分说明, subtotals, total, grade)
    as a native formula generated from the framework's rules (_formulas.py), the engine's results cached.

    The 评分说明 is the engine's sentence while the row's inputs are those it was written for; after an
    edit the cell says the score follows the new inputs and the words come from xlperf (no stale text)."""
    from xlsxwriter.utility import xl_range_abs, xl_rowcol_to_cell

    from . import _formulas as F

    score_col = cols["score"]
    rescaling = fw.scoring.not_applicable == "rescale"
    dropped: dict[str, list[tuple[str, Decimal]]] = {}  # category -> (不适用 condition, 分值) under "rescale"
    for ind, row in placed:
        result = card.result(ind.code)
        rule = F.rule(ind, fw)
        score_ref = xl_rowcol_to_cell(row, score_col)
        cached_score: Any = float(result.score) if result.score is not None else F.UNSCORED
        if rule.array:
            ws.write_array_formula(row, score_col, row, score_col, "{=" + rule.score + "}", fmt.output, cached_score)
        else:
            ws.write_formula(row, score_col, "=" + rule.score, fmt.output, cached_score)
        deduction = F.score_of(f"{F.number(ind.points)}-{score_ref}", ind, fw)
        if rule.not_applicable is not None:
            deduction = f"IF({rule.not_applicable},0,{deduction})"
            if rescaling:
                dropped.setdefault(ind.category, []).append((rule.not_applicable, ind.points))
        ws.write_formula(row, cols["deduction"], f'=IF(ISNUMBER({score_ref}),{deduction},"")', fmt.output,
                         "" if result.deduction is None else float(result.deduction))
        if year is None or result.score is None:
            said, cached_text = F.string(F.RESCORED), (F.RESCORED if result.score is not None else rule.hint)
        else:
            inputs = {F.input_ref(kind, key): (year.facts.get(key) if kind == "fact" else year.entry(key).value)
                      for kind, key in rule.inputs}
            if rule.array:  # a table's worth of inputs: the sentence holds while the score and the table's sums do
                kind = getattr(ind.params, "kind", "")
                check = f"AND({score_ref}={F.number(result.score)},{F.targets_fresh(kind, year.targets_of(kind))})"
            else:
                check = F.fresh(inputs)
            said, cached_text = f"IF({check},{F.string(result.sentence)},{F.string(F.RESCORED)})", result.sentence
        ws.write_formula(row, cols["sentence"], f"=IF(ISNUMBER({score_ref}),{said},{F.string(rule.hint)})",
                         fmt.output_text, cached_text)
    first, last = placed[0][1], placed[-1][1]
    scores = xl_range_abs(first, score_col, last, score_col)
    # under "rescale" the subtotals' 分值 leave out the 不适用 indicators: the total is rescaled to their sum
    points = xl_range_abs(category_row, cols["points"], category_row + len(fw.categories) - 1, cols["points"])
    total: Any = card.total_shown
    ws.write_formula(total_row, score_col, "=" + F.total_formula(fw, scores, len(placed), points), fmt.output,
                     float(total) if isinstance(total, Decimal) else total)
    total_ref = xl_rowcol_to_cell(total_row, score_col, True, True)
    ws.write_formula(total_row + 1, score_col, "=" + F.grade_formula(fw, total_ref), fmt.output_text,
                     card.grade if card.complete else "")
    for i, (category, summary) in enumerate(zip(fw.categories, card.categories)):
        rows = [row for ind, row in placed if ind.category == category.name]
        if not rows:
            continue
        subtotal: Any = summary.shown
        ws.write_formula(category_row + i, score_col,
                         "=" + F.category_formula(fw, xl_range_abs(rows[0], score_col, rows[-1], score_col), len(rows)),
                         fmt.output, float(subtotal) if isinstance(subtotal, Decimal) else subtotal)
        if dropped.get(category.name):
            points = sum((ind.points for ind, _ in placed if ind.category == category.name), Decimal(0))
            ws.write_formula(category_row + i, cols["points"],
                             "=" + F.category_points_formula(points, dropped[category.name]), fmt.fixed_num,
                             float(summary.points))


def _scoresheet_breaks(ws: Worksheet, rules: PrintRules, heights: dict[int, float],
                       groups: list[list[list[int]]], summary: list[int]) -> None:
    """Page breaks that keep each 一级指标's rows on one page, and the 合计/等级/小计 rows on the page
    of the last indicator, not alone on a page of their own."""
    groups[-1][-1] += summary
    landscape, paper = ws.name in rules.landscape, rules.paper
    scale = _print.fit_scale([c.width for c in L.SCORE_COLUMNS], landscape, paper)
    room = _print.printable_height(landscape, paper) / scale * _print.FILL - heights[1]  # row 2 repeats
    ws.set_h_pagebreaks(_print.page_breaks(heights, groups, first_page=room - heights[0], page=room))


def _mark_unexplained_deductions(wb: Workbook, ws: Worksheet, fw: Framework, first: int, last: int,
                                 cols: dict[str, int]) -> None:
    """Shade the 扣分原因 cell red while its row has a deduction and no reason (or only "无" and the like),
    as check E101 would report; the placeholder words come from the framework."""
    from xlsxwriter.utility import xl_col_to_name

    deduction, reason = xl_col_to_name(cols["deduction"]), xl_col_to_name(cols["reason"])
    top = first + 1
    formula = (f"=AND(ISNUMBER(${deduction}{top}),${deduction}{top}>0,"
               f"{blank_reason_formula(fw, f'${reason}{top}')})")
    red = wb.add_format({"bg_color": "#F8CBAD", "font_color": "#9C0006"})
    ws.conditional_format(first, cols["reason"], last, cols["reason"], {"type": "formula", "criteria": formula,
                                                                        "format": red})


def blank_reason_formula(fw: Framework, cell: str) -> str:
    """Explanations.is_blank_reason as an Excel formula on `cell`, generated from the same steps and
    words: CLEAN, the framework's spaces made plain, TRIM, then empty or exactly (EXACT, no wildcards) one
    of the placeholders. Functions Excel 2010+, WPS and LibreOffice share."""
    from ..core.frameworks import REASON_SPACES

    text = f"CLEAN({cell})"
    for space in REASON_SPACES:
        text = f'SUBSTITUTE({text},"{space}"," ")'
    text = f"TRIM({text})"
    words = ",".join('"' + w.replace('"', '""') + '"' for w in fw.explanations.placeholders)
    return f"OR(LEN({text})=0,OR(EXACT({text},{{{words}}})))"


def _score_or_message(result: Any) -> Decimal | str:
    """What PERF_SCORES shows as a score: the number, or the reason it cannot score (never a number then)."""
    if result.score is None:
        return f"错误：{result.error}" if result.error else "错误：无法计分"
    return Decimal(result.score)


def _blank_card(fw: Framework) -> Scorecard:
    """The scorecard of an empty workbook as the UDFs read it: every input blank, no target rows."""
    from .read import year_from_ranges

    codes = [ind.code for ind in fw.indicators]
    keys = [fact.key for fact in fw.facts]
    names = ["" if ind.name_editable else ind.name for ind in fw.indicators]
    return score_year(fw, year_from_ranges(fw, codes, [None] * len(codes), names, keys, [None] * len(keys), []))


def _array(ws: Worksheet, row: int, col: int, formula: str, cached: list[tuple[Any, ...]],
           formats: tuple[Any, ...]) -> None:
    """A classic array formula over a fixed block (works in every Excel version, no spilling), with the
    engine's results as the cached values of every cell of the block."""
    height, width = len(cached), len(cached[0])
    first = cached[0][0]
    ws.write_array_formula(row, col, row + height - 1, col + width - 1, "{" + formula + "}", formats[0],
                           _cell_value(first))
    for i, values in enumerate(cached):
        for j, value in enumerate(values):
            if i == 0 and j == 0:
                continue
            cell_format = formats[min(j, len(formats) - 1)]
            if isinstance(value, Decimal):
                ws.write_number(row + i, col + j, float(value), cell_format)
            elif value is None or value == "":
                ws.write_string(row + i, col + j, "", cell_format)
            else:
                ws.write_string(row + i, col + j, str(value), cell_format)


def _cell_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    return "" if value is None else value


def _value_cell(ws: Worksheet, row: int, col: int, ind: Any, entry: Any, fmt: _Formats) -> bool:
    """Write the 填报值 cell; False when the indicator takes no entry (it is computed from data)."""
    kind = ind.method_info.entry
    raw = entry.value if entry else None
    if kind == "none":
        _text(ws, row, col, "自动计算", fmt.fixed)
        return False
    if kind == "choice":
        _text(ws, row, col, str(raw) if raw is not None else "", fmt.input_short)
        ws.data_validation(row, col, row, col, {"validate": "list", "source": list(ind.choices()),
                                                "error_title": ind.name, "error_message": "请从下拉列表中选择"})
        return True
    if isinstance(raw, Decimal):
        ws.write_number(row, col, float(raw), fmt.input_count)
    elif raw is None:
        ws.write_blank(row, col, None, fmt.input_count)
    else:
        _text(ws, row, col, str(raw), fmt.input_count)
    ws.data_validation(row, col, row, col, {"validate": "integer", "criteria": ">=", "value": 0,
                                            "error_title": ind.name, "error_message": "请填写不小于 0 的整数"})
    return True
