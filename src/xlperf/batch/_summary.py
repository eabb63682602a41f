"""The summary workbook of a batch: 汇总, 指标明细, 问题清单, 风险提示 and 说明.

The tables are pandas DataFrames built by `summary_frames` (the one source of what the sheets
show); XlsxWriter writes them with their formats, conditional formats and the distribution chart.
Text that departments typed is never written as a formula: XlsxWriter's string-to-formula
conversion is off, and text beginning with = + - @ carries Excel's quote prefix, so that editing
the cell later keeps it text too.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import DETAIL_SHEET, PROBLEM_SHEET, RISK_SHEET, SUMMARY_SHEET
from ._record import FileRecord

if TYPE_CHECKING:
    import pandas as pd

STATS_SHEET, ABOUT_SHEET = "统计", "说明"
CJK_WIDTH = 2.05  # column width units one Chinese character takes (宋体 10 pt)
LINE_HEIGHT, MAX_LINES = 13.5, 15  # points per line of wrapped text; rows grow no taller than this
ABOUT_LINE_CHARS = 44  # Chinese characters on one line of the 说明 column (90 wide)
#: what a cell may begin with to be taken as a formula (or DDE) when edited: written with a quote prefix
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")  # full-width: an IME may convert
#: rows of data a worksheet can hold below its header (Excel's limit is 1 048 576 rows)
MAX_TABLE_ROWS = 1_048_575
#: score bands of the distribution chart: ten points wide below 80, five above (where departments are)
BANDS = ((0, 60), (60, 70), (70, 80), (80, 85), (85, 90), (90, 95), (95, 100.0001))


@dataclass
class Summary:
    overview: pd.DataFrame
    details: pd.DataFrame
    problems: pd.DataFrame
    risks: pd.DataFrame
    about: list[tuple[str, str]] = field(default_factory=list)
    grades: list[str] = field(default_factory=list)  # from best to worst, for the grade counts
    notes: list[str] = field(default_factory=list)  # what the user must know about the file written


def summary_frames(records: Sequence[FileRecord], *, previous: dict[str, Decimal | None] | None = None,
                   reports: bool = False, grades: Sequence[str] = ()) -> Summary:
    """The sheets' tables. `previous`: file -> last year's total (None when not found)."""
    import pandas as pd

    categories: dict[str, Decimal] = {}
    for record in records:
        for name, points, _ in record.categories:
            categories.setdefault(name, points)
    headers = {name: _category_header(name, points) for name, points in categories.items()}
    rows = []
    for r in records:
        row: dict[str, Any] = {"排名": None, "单位": r.department, "年度": r.year, "总分": r.total, "等级": r.grade}
        scores = {name: score for name, _, score in r.categories}
        for name, header in headers.items():
            row[header] = scores.get(name) if r.total is not None else None
        row["执行率"] = r.execution_rate
        if previous is not None:
            last = previous.get(r.file)
            row["上年总分"] = last
            row["变动"] = r.total - last if r.total is not None and last is not None else None
        row |= {"错误": r.errors, "警告": r.warnings, "风险": len(r.risks), "状态": r.status}
        if reports:
            row["报告"] = f"{r.report}（{r.report_note}）" if r.report and r.report_note else r.report or r.report_note
        row["文件"] = r.file
        rows.append(row)
    overview = pd.DataFrame(rows, columns=list(rows[0]) if rows else ["排名", "单位", "年度", "总分", "等级", "文件"])
    if len(overview):
        totals = pd.to_numeric(overview["总分"].map(lambda v: None if v is None else float(v)), errors="coerce")
        overview["排名"] = totals.rank(method="min", ascending=False).map(lambda v: None if math.isnan(v) else int(v))
        overview = overview.assign(_scored=totals.notna(), _total=totals.fillna(-1)) \
            .sort_values(["_scored", "_total", "单位", "文件"], ascending=[False, False, True, True], kind="stable") \
            .drop(columns=["_scored", "_total"]).reset_index(drop=True)
    order = {file: i for i, file in enumerate(overview["文件"])} if len(overview) else {}
    by_rank = sorted(records, key=lambda r: order.get(r.file, 0))
    # column by column: a city's 260 000 rows as dicts would take more memory than all the records
    details = pd.DataFrame({
        "单位": [r.department for r in by_rank for _ in r.indicators],
        "年度": [r.year for r in by_rank for _ in r.indicators],
        "文件": [r.file for r in by_rank for _ in r.indicators],
        **{header: [getattr(i, name) for r in by_rank for i in r.indicators]
           for header, name in (("代码", "code"), ("一级指标", "category"), ("指标", "name"), ("分值", "points"),
                                ("得分", "score"), ("扣分", "deduction"), ("评分说明", "rule"), ("扣分原因", "reason"))}},
        columns=["单位", "年度", "文件", "代码", "一级指标", "指标", "分值", "得分", "扣分", "评分说明", "扣分原因"])
    severity = {"错误": 0, "警告": 1, "提示": 2}
    problems = pd.DataFrame(
        [{"单位": r.department, "文件": r.file, "编号": p.id, "级别": p.severity, "工作表": p.sheet, "单元格": p.cell,
          "问题和修改建议": p.message, "涉及指标": "、".join(p.indicators)}
         for r in sorted(records, key=lambda r: r.file)
         for p in sorted(r.problems, key=lambda p: severity.get(p.severity, 3))],
        columns=["单位", "文件", "编号", "级别", "工作表", "单元格", "问题和修改建议", "涉及指标"])
    risks = pd.DataFrame(
        [{"编号": k.id, "风险": k.title, "单位": r.department, "总分": r.total, "说明": k.message,
          "涉及指标": "、".join(k.indicators), "文件": r.file}
         for r in by_rank for k in r.risks],
        columns=["编号", "风险", "单位", "总分", "说明", "涉及指标", "文件"])
    if len(risks):
        risks = risks.sort_values("编号", kind="stable").reset_index(drop=True)
    return Summary(overview, details, problems, risks, grades=list(grades))


def _category_header(name: str, points: Decimal) -> str:
    from ..core import format_number

    return f"{name}（{format_number(points)}分）"


def band_counts(overview: pd.DataFrame) -> list[tuple[str, int]]:
    """How many departments scored in each band (the chart's data); only complete totals count."""
    totals = [float(v) for v in overview.get("总分", []) if v is not None and not _is_nan(v)]
    out = []
    for low, high in BANDS:
        label = f"{high:g}以下" if low == 0 else f"{low}–{min(high, 100):g}"
        out.append((label, sum(low <= t < high for t in totals)))
    return out


def _is_nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


# --- writing --------------------------------------------------------------------------------------

_WIDTHS = {"排名": 6, "单位": 30, "年度": 7, "总分": 8, "等级": 6, "执行率": 9, "上年总分": 9, "变动": 8, "错误": 6,
           "警告": 6, "风险": 6, "状态": 9, "报告": 40, "文件": 36, "代码": 7, "一级指标": 10, "指标": 30, "分值": 6,
           "得分": 7, "扣分": 6, "评分说明": 60, "扣分原因": 40, "编号": 7, "级别": 6, "工作表": 12, "单元格": 10,
           "问题和修改建议": 80, "涉及指标": 14, "风险说明": 70, "说明": 80}
_WRAP = {"评分说明", "扣分原因", "问题和修改建议", "说明", "报告"}
_PERCENT = {"执行率"}
_INTS = {"排名", "年度", "错误", "警告", "风险", "单位数", "扣分单位数"}


def write_summary(path: Path, summary: Summary, *, overwrite: bool, protect: tuple[Path, ...] = ()) -> Path:
    """Write the summary atomically: an interrupted or failed write leaves no half file behind."""
    from .._files import atomic_write

    return atomic_write(path, lambda tmp: _write(tmp, summary), overwrite=overwrite, suffixes=(".xlsx",),
                        protect=protect)


class _Book:
    """An XlsxWriter workbook with the summary's formats; text cells go through `text`."""

    def __init__(self, path: Path, scratch: Path) -> None:
        import xlsxwriter

        # no guessing: a string is a string (never a formula, a number or a link). Streamed: each row goes
        # to disk once the next is begun (XlsxWriter's constant_memory, texts written in their cells rather
        # than in a shared table), so a city's summary takes no more memory than a district's. Hence every
        # row's height is set before its cells, and no sheet goes back to a row. The temporary files go to
        # `scratch`, which is removed whatever happens (XlsxWriter leaves them when it fails)
        self.book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_numbers": False,
                                                   "strings_to_urls": False, "nan_inf_to_errors": True,
                                                   "constant_memory": True, "tmpdir": str(scratch)})
        base = {"font_name": "宋体", "font_size": 10, "valign": "top"}
        self.formats: dict[tuple[str, bool], Any] = {}
        self.styles: dict[str, dict[str, Any]] = {
            "text": base, "wrap": base | {"text_wrap": True},
            "int": base | {"num_format": "0"}, "score": base | {"num_format": "0.00"},
            "percent": base | {"num_format": "0.00%"},
            "header": base | {"bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True, "valign": "vcenter"},
            "title": base | {"bold": True, "font_size": 12},
        }

    def fmt(self, style: str, quoted: bool = False) -> Any:
        key = (style, quoted)
        if key not in self.formats:
            self.formats[key] = self.book.add_format(self.styles[style] | ({"quote_prefix": True} if quoted else {}))
        return self.formats[key]

    def text(self, sheet: Any, row: int, col: int, value: str, style: str = "text") -> None:
        sheet.write_string(row, col, value, self.fmt(style, value.startswith(FORMULA_STARTS)))

    def cell(self, sheet: Any, row: int, col: int, value: Any, column: str) -> None:
        if value is None or _is_nan(value):
            sheet.write_blank(row, col, None, self.fmt("text"))
        elif isinstance(value, str):
            self.text(sheet, row, col, value, "wrap" if column in _WRAP else "text")
        elif isinstance(value, bool):
            self.text(sheet, row, col, "是" if value else "否")
        elif isinstance(value, (int, float, Decimal)):
            # scores are Decimals, shown with their two decimals; counts, ranks and years are ints
            style = "percent" if column in _PERCENT else "int" if isinstance(value, int) else "score"
            sheet.write_number(row, col, float(value), self.fmt(style))
        else:
            self.text(sheet, row, col, str(value))

    def _rows(self, sheet: Any, frame: pd.DataFrame, columns: list[str], widths: list[int]) -> None:
        """The cells of a table, row by row. The summary of a city has millions of cells: the formats of a
        column are looked up once, and blank cells are not written at all. A row with long wrapped text is
        given its height (LibreOffice and WPS do not fit rows to wrapped text on opening)."""
        if _StreamedRows.ready(sheet) and len(frame):
            _StreamedRows(self, sheet, columns, widths).write(frame)
            return
        wrapped = [(c, max(1, int(widths[c] / CJK_WIDTH))) for c, column in enumerate(columns) if column in _WRAP]
        set_row = sheet.set_row
        text = [self.fmt("wrap" if column in _WRAP else "text") for column in columns]
        quoted = [self.fmt("wrap" if column in _WRAP else "text", True) for column in columns]
        # counts, ranks and years stay whole numbers even where pandas made the column float (a blank in it)
        decimal = [self.fmt("percent" if column in _PERCENT else "int" if column in _INTS else "score")
                   for column in columns]
        integer = [self.fmt("percent" if column in _PERCENT else "int") for column in columns]
        write_string, write_number = sheet.write_string, sheet.write_number
        for r, values in enumerate(frame.itertuples(index=False, name=None), start=1):
            lines = max((len(values[c]) // per_line + 1 for c, per_line in wrapped if type(values[c]) is str),
                        default=1)
            if lines > 1:  # before the cells: a streamed sheet cannot go back to a row
                set_row(r, LINE_HEIGHT * min(lines, MAX_LINES))
            for c, value in enumerate(values):
                kind = type(value)
                if kind is str:
                    if value.startswith("<r>") and value.endswith("</r>"):  # XlsxWriter would write it as XML:
                        # as a rich string of three pieces in the cell's font instead, each written as text
                        sheet.write_rich_string(r, c, value[:1], text[c], value[1:2], text[c], value[2:], text[c])
                    elif value:
                        write_string(r, c, value, quoted[c] if value.startswith(FORMULA_STARTS) else text[c])
                elif kind is Decimal or kind is float:
                    if value == value:  # not NaN (pandas' blank)
                        write_number(r, c, float(value), decimal[c])
                elif kind is int:
                    write_number(r, c, value, integer[c])
                elif value is not None:
                    self.cell(sheet, r, c, value, columns[c])

    def table(self, name: str, frame: pd.DataFrame, *, widths: dict[str, int] | None = None,
              notes: list[str] | None = None) -> Any:
        sheet = self.book.add_worksheet(name)
        if len(frame) > MAX_TABLE_ROWS:  # Excel shows no more; XlsxWriter would drop the rest silently
            if notes is not None:
                notes.append(f"“{name}”有 {len(frame)} 行，超过 Excel 一张工作表的上限，只写入了前 {MAX_TABLE_ROWS} 行；"
                             "请按子文件夹分批汇总")
            frame = frame.iloc[:MAX_TABLE_ROWS]
        columns = list(frame.columns)
        sheet.set_row(0, 30)  # before the rows: a streamed sheet cannot go back to a row it wrote
        width_of = [(widths or {}).get(column) or _WIDTHS.get(column, 12) for column in columns]
        for c, column in enumerate(columns):
            self.text(sheet, 0, c, column, "header")
            sheet.set_column(c, c, width_of[c])
        self._rows(sheet, frame, columns, width_of)
        sheet.freeze_panes(1, 0)
        _printable(sheet)
        sheet.repeat_rows(0)  # the header on every printed page
        if columns:
            sheet.autofilter(0, 0, max(len(frame), 1), len(columns) - 1)
            sheet.print_area(0, 0, max(len(frame), 1), len(columns) - 1)  # the table, not the chart beside it
        return sheet


class _StreamedRows:
    """A table's rows written as the sheet's XML directly, into the file XlsxWriter streams the sheet to
    (constant_memory), where XlsxWriter would make an object of every cell and then its XML: a city's
    summary has millions of cells, and this is most of the time of writing it. The cells are those
    `_Book._rows` writes through XlsxWriter (the same styles, texts inline, numbers as it writes them,
    row heights), with one difference: a text that looks like XlsxWriter's markup of a rich string
    ("<r>…</r>") is written as the text it is, never as XML.

    It uses what XlsxWriter keeps for streaming (the row file, the row it is at, the sheet's extent):
    where a version of XlsxWriter does not have them, `ready` says no and the rows go through XlsxWriter."""

    def __init__(self, book: _Book, sheet: Any, columns: list[str], widths: list[int]) -> None:
        from xlsxwriter.utility import xl_col_to_name

        self.sheet = sheet
        self.letters = [xl_col_to_name(c) for c in range(len(columns))]
        self.wrapped = [(c, max(1, int(widths[c] / CJK_WIDTH))) for c, column in enumerate(columns) if column in _WRAP]

        def style(name: str, quoted: bool = False) -> str:
            return f' s="{book.fmt(name, quoted)._get_xf_index()}"'

        self.text = [style("wrap" if column in _WRAP else "text") for column in columns]
        self.quoted = [style("wrap" if column in _WRAP else "text", True) for column in columns]
        self.decimal = [style("percent" if column in _PERCENT else "int" if column in _INTS else "score")
                        for column in columns]
        self.integer = [style("percent" if column in _PERCENT else "int") for column in columns]
        # what _Book.cell writes a value of another type in
        self.plain, self.plain_quoted = style("text"), style("text", True)
        self.whole = [style("percent" if column in _PERCENT else "int") for column in columns]
        self.fraction = [style("percent" if column in _PERCENT else "score") for column in columns]

    @staticmethod
    def ready(sheet: Any) -> bool:
        import xlsxwriter
        from xlsxwriter.format import Format

        # what it uses of XlsxWriter is not its public API: only the major version the tests write both
        # ways (TestLargeSummaries), with every piece there
        return (str(getattr(xlsxwriter, "__version__", "")).split(".")[0] == "3"
                and callable(getattr(Format, "_get_xf_index", None))
                and getattr(sheet, "constant_memory", False) and getattr(sheet, "row_data_fh", None) is not None
                and all(callable(getattr(sheet, name, None)) for name in ("_write_single_row", "_check_dimensions"))
                and isinstance(getattr(sheet, "previous_row", None), int))

    def write(self, frame: pd.DataFrame) -> None:
        import pandas as pd

        sheet = self.sheet
        sheet._write_single_row(1)  # the rows before (the header) go to the file, as writing row 1 would
        out = sheet.row_data_fh
        prefixes = [f'<c r="{letter}' for letter in self.letters]
        caches: list[dict[type, dict[Any, str]]] = [{} for _ in prefixes]
        heights: dict[int, str] = {}
        last = 0
        # a block of rows at a time, column by column: Series.tolist() gives the values itertuples would
        # (Python scalars), without its cost per cell, and a block's lists take little memory
        for start in range(0, len(frame), _BLOCK_ROWS):
            block = frame.iloc[start:start + _BLOCK_ROWS]
            columns = [series.tolist() for _, series in block.items()]
            tails = [self._texts(c, values, caches[c]) if isinstance(dtype, pd.StringDtype)
                     else self._tails(c, values, caches[c])
                     for c, (values, dtype) in enumerate(zip(columns, block.dtypes))]
            lines = self._lines(columns, len(block))
            chunk: list[str] = []
            for r, row, height in zip(range(start + 2, start + 2 + len(block)), zip(*tails), lines):
                number = str(r)
                head = heights.get(height)
                if head is None:
                    if height > 1:  # as set_row(r, height) writes it: whole pixels, in points
                        pixels = int(LINE_HEIGHT * min(height, MAX_LINES) * 4.0 / 3.0 + 0.5)
                        head = heights[height] = f'" ht="{pixels * 0.75:.16g}" customHeight="1">'
                    else:
                        head = heights[height] = '">'
                chunk += ('<row r="', number, head)
                for prefix, tail in zip(prefixes, row):
                    if tail:  # "": no cell (a blank)
                        chunk += (prefix, number, tail)
                chunk.append("</row>")
            out.write("".join(chunk))
            last = start + len(block)
        sheet._check_dimensions(last, len(self.letters) - 1)  # the table's extent, for the sheet's <dimension>
        sheet.previous_row = last + 1  # nothing may be written to these rows through XlsxWriter any more

    def _lines(self, columns: list[list[Any]], rows: int) -> list[int]:
        """Each row's lines of wrapped text: the most any of its wrapped texts takes."""
        lines = [1] * rows
        for c, per_line in self.wrapped:
            lines = [max(n, len(value) // per_line + 1) if type(value) is str else n
                     for n, value in zip(lines, columns[c])]
        return lines

    def _texts(self, c: int, values: list[Any], caches: dict[type, dict[Any, str]]) -> list[str]:
        """`_tails` of a column of texts: its values are texts and pandas' blank, never equal to one
        another unless alike, so one cache keyed by value serves them all."""
        cache = caches.setdefault(str, {})
        if len(cache) >= _CACHE_SIZE:
            cache.clear()
        made = {value: self._tail(c, value) for value in set(values).difference(cache)}
        cache.update(made)
        tails = list(map(cache.__getitem__, values))
        for value in made:  # long texts are not kept past their block
            if type(value) is str and len(value) > _CACHE_TEXT:
                del cache[value]
        return tails

    def _tails(self, c: int, values: list[Any], caches: dict[type, dict[Any, str]]) -> list[str]:
        """Each value's cell after its reference (from the quote closing it), "" for a blank. A column's
        values repeat (codes, names, categories, scores, rules, empty reasons): each distinct value of a type
        is written once (by value: equal values of one type but zeros are written alike, Decimal("2.00") as 2;
        never an int for a bool), the caches kept small for columns whose values do not repeat (files)."""
        out: list[str] = []
        append = out.append
        for value in values:
            kind = type(value)
            cache = caches.get(kind)
            if cache is None:
                if kind not in _CACHED:  # (bool, among others: never taken for the int it equals)
                    append(self._tail(c, value))
                    continue
                cache = caches[kind] = {}
            tail = cache.get(value)
            if tail is None:
                if len(cache) >= _CACHE_SIZE:
                    cache.clear()
                tail = self._tail(c, value)
                # kept: texts up to _CACHE_TEXT; numbers but zeros (0 and -0 are equal keys, written "0" and
                # "-0") and NaN (pandas' blanks, each a new object that no look-up would find again)
                if len(value) <= _CACHE_TEXT if kind is str else (value != 0 and value == value):
                    cache[value] = tail
            append(tail)
        return out

    def _tail(self, c: int, value: Any) -> str:
        """One cell after its reference, as the rows were written cell by cell (`_Book._rows`)."""
        kind = type(value)
        if kind is str:
            if not value:
                return ""
            return '"' + _inline_tail(self.quoted[c] if value.startswith(FORMULA_STARTS) else self.text[c], value)
        if kind is Decimal or kind is float:
            if value == value:  # not NaN (pandas' blank)
                return f'"{self.decimal[c]}><v>{float(value):.16G}</v></c>'
            return ""
        if kind is int:
            return f'"{self.integer[c]}><v>{value:.16G}</v></c>'
        if value is None:
            return ""
        cell = self._other("", c, value)
        return cell[len('<c r="'):]

    def _other(self, ref: str, c: int, value: Any) -> str:
        """A value of another type than str, Decimal, float or int, as _Book.cell writes it."""
        if _is_nan(value):
            return f'<c r="{ref}"{self.plain}/>'  # a blank in the text style
        if isinstance(value, str):
            return _inline(ref, self.quoted[c] if value.startswith(FORMULA_STARTS) else self.text[c], value)
        if isinstance(value, bool):
            return _inline(ref, self.plain, "是" if value else "否")
        if isinstance(value, (int, float, Decimal)):
            return f'<c r="{ref}"{self.whole[c] if isinstance(value, int) else self.fraction[c]}><v>{float(value):.16G}</v></c>'
        shown = str(value)
        return _inline(ref, self.plain_quoted if shown.startswith(FORMULA_STARTS) else self.plain, shown)


#: what XlsxWriter writes for control characters in a text (_xHHHH_, and an escaped "_x…_" already there)
_ESCAPE_ESCAPES = re.compile(r"(_x[0-9a-fA-F]{4}_)")
_CONTROL = re.compile(r"([\x00-\x08\x0b-\x1f])")
_STRING_MAX = 32767  # UTF-16 units of one cell's text (Excel's limit; XlsxWriter cuts longer texts there)
#: rows of a table written at a time (`_StreamedRows.write`)
_BLOCK_ROWS = 1024
#: a column's written cells kept (`_StreamedRows._tails`): of each type at most so many, texts this long at most
_CACHE_SIZE, _CACHE_TEXT = 4096, 1000
_CACHED = {str, Decimal, float, int}


def _inline(ref: str, style: str, value: str) -> str:
    """A text cell as XlsxWriter writes it when streaming: control characters as _xHHHH_, the text
    escaped for XML, spaces at either end kept."""
    return f'<c r="{ref}"{_inline_tail(style, value)}'


def _inline_tail(style: str, value: str) -> str:
    """`_inline` from the cell's style on."""
    if len(value) > _STRING_MAX // 2:
        value = _utf16_cut(value, _STRING_MAX)
    if "_x" in value:
        value = _ESCAPE_ESCAPES.sub(r"_x005F\1", value)
    if not value.isprintable():  # (a quick test: most texts hold no control character)
        value = _CONTROL.sub(lambda match: f"_x{ord(match.group(1)):04X}_", value)
    value = value.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")
    keep = ' xml:space="preserve"' if value[:1].isspace() or value[-1:].isspace() else ""
    escaped = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f'{style} t="inlineStr"><is><t{keep}>{escaped}</t></is></c>'


def _utf16_cut(value: str, units: int) -> str:
    """At most `units` UTF-16 units, never half a character above U+FFFF (as XlsxWriter cuts)."""
    length = 0
    for index, char in enumerate(value):
        length += 2 if ord(char) > 0xFFFF else 1
        if length > units:
            return value[:index]
    return value


def _printable(sheet: Any, landscape: bool = True) -> None:
    """Printed as the bureau files it: A4, as wide as one page."""
    sheet.set_paper(9)
    if landscape:
        sheet.set_landscape()
    sheet.fit_to_pages(1, 0)


def _write(path: Path, summary: Summary) -> None:
    from .._files import scratch_folder

    with scratch_folder() as scratch:
        _write_book(path, summary, scratch)


def _write_book(path: Path, summary: Summary, scratch: Path) -> None:
    book = _Book(path, scratch)
    try:
        _overview(book, summary)
        details = book.table(DETAIL_SHEET, summary.details, notes=summary.notes)
        _highlight(book, details, summary.details, "扣分", {"type": "cell", "criteria": ">", "value": 0},
                   {"font_color": "#9C0006"})
        problems = book.table(PROBLEM_SHEET, summary.problems, notes=summary.notes)
        _highlight(book, problems, summary.problems, "级别", {"type": "cell", "criteria": "==", "value": '"错误"'},
                   {"font_color": "#9C0006", "bold": True})
        book.table(RISK_SHEET, summary.risks, widths={"说明": 90}, notes=summary.notes)
        _statistics(book, summary)
        about = book.book.add_worksheet(ABOUT_SHEET)
        about.set_column(0, 0, 14)
        about.set_column(1, 1, 90)
        _printable(about, landscape=False)
        for r, (key, value) in enumerate([*summary.about, *(("注意", note) for note in summary.notes)]):
            book.text(about, r, 0, key, "title" if not value else "text")
            book.text(about, r, 1, value, "wrap")
            if len(value) > ABOUT_LINE_CHARS:  # not every program fits a row to wrapped text on opening
                about.set_row(r, 13.5 * math.ceil(len(value) / ABOUT_LINE_CHARS))
        book.book.worksheets()[0].activate()
    finally:
        book.book.close()


def _overview(book: _Book, summary: Summary) -> None:
    frame = summary.overview
    sheet = book.table(SUMMARY_SHEET, frame, notes=summary.notes)
    n = len(frame)
    if not n:
        return
    columns = list(frame.columns)
    last = n  # rows 1..n hold the departments
    total = columns.index("总分")
    sheet.conditional_format(1, total, last, total, {"type": "3_color_scale", "min_color": "#F8696B",
                                                     "mid_color": "#FFEB84", "max_color": "#63BE7B"})
    grade = columns.index("等级")
    for name, color in zip(summary.grades, _grade_colors(len(summary.grades))):
        sheet.conditional_format(1, grade, last, grade, {"type": "cell", "criteria": "==", "value": f'"{name}"',
                                                         "format": book.book.add_format({"bg_color": color})})
    for column, color in (("错误", "#FFC7CE"), ("风险", "#FFEB9C")):
        at = columns.index(column)
        sheet.conditional_format(1, at, last, at, {"type": "cell", "criteria": ">", "value": 0,
                                                   "format": book.book.add_format({"bg_color": color, "bold": True})})
    status = columns.index("状态")
    sheet.conditional_format(1, status, last, status, {"type": "cell", "criteria": "!=", "value": '"已评分"',
                                                       "format": book.book.add_format({"font_color": "#9C0006"})})


def _grade_colors(count: int) -> list[str]:
    """Fills for the framework's grades, best first: green for the best, red for the worst, whatever
    the grades are called and however many a district has."""
    palette = ["#C6EFCE", "#DDEBF7", "#FFEB9C", "#FCE4D6", "#FFC7CE"]
    if count <= 1:
        return palette[:count]
    return [palette[round(i * (len(palette) - 1) / (count - 1))] for i in range(count)]


def _statistics(book: _Book, summary: Summary) -> None:
    """统计: score bands, grade counts and the indicators that lose the most points across departments;
    the distribution chart on 汇总 draws from here (the 汇总 table stays one clean table)."""
    sheet = book.book.add_worksheet(STATS_SHEET)
    sheet.set_column(0, 0, 34)
    sheet.set_column(1, 3, 12)
    _printable(sheet, landscape=False)
    frame, row = summary.overview, 0
    bands = band_counts(frame)
    for c, header in enumerate(("总分分段", "单位数")):
        book.text(sheet, row, c, header, "header")
    for r, (label, count) in enumerate(bands, start=row + 1):
        book.text(sheet, r, 0, label)
        sheet.write_number(r, 1, count, book.fmt("int"))
    bands_at = (row + 1, row + len(bands))
    row += len(bands) + 2
    grades = list(frame["等级"]) if "等级" in frame else []
    names = summary.grades or [g for g in dict.fromkeys(grades) if isinstance(g, str) and g]
    for c, header in enumerate(("等级", "单位数")):
        book.text(sheet, row, c, header, "header")
    for r, name in enumerate(names, start=row + 1):
        book.text(sheet, r, 0, name)
        sheet.write_number(r, 1, grades.count(name), book.fmt("int"))
    row += len(names) + 2
    losses = indicator_losses(summary.details)
    for c, header in enumerate(("指标（按平均扣分从多到少）", "平均扣分", "扣分单位数", "平均得分率")):
        book.text(sheet, row, c, header, "header")
    for r, (name, mean, count, rate) in enumerate(losses, start=row + 1):
        book.text(sheet, r, 0, name)
        sheet.write_number(r, 1, mean, book.fmt("score"))
        sheet.write_number(r, 2, count, book.fmt("int"))
        sheet.write_number(r, 3, rate, book.fmt("percent"))
    if len(frame):
        _chart(book, summary, bands_at)


def indicator_losses(details: pd.DataFrame) -> list[tuple[str, float, int, float]]:
    """(code and name, mean deduction, departments with a deduction, mean share of points) per indicator,
    most lost first: where the bureau's guidance is most needed."""
    scored = details[details["得分"].notna()] if len(details) else details
    out = []
    for (code, name), group in scored.groupby(["代码", "指标"], sort=False) if len(scored) else []:
        lost = [float(v) for v in group["扣分"]]
        points = [float(v) for v in group["分值"]]
        rates = [1 - d / p for d, p in zip(lost, points) if p]
        out.append((f"{code} {name}", sum(lost) / len(lost), sum(d > 0 for d in lost),
                    sum(rates) / len(rates) if rates else 0.0))
    return sorted(out, key=lambda row: (-row[1], row[0]))


def _chart(book: _Book, summary: Summary, rows: tuple[int, int]) -> None:
    chart = book.book.add_chart({"type": "column"})
    first, last = rows
    chart.add_series({"name": "单位数", "categories": [STATS_SHEET, first, 0, last, 0],
                      "values": [STATS_SHEET, first, 1, last, 1],
                      "fill": {"color": "#4472C4"}, "data_labels": {"value": True}})
    font = {"name": "宋体"}
    chart.set_title({"name": "总分分布", "name_font": font | {"size": 12}})
    chart.set_x_axis({"name": "总分", "num_font": font, "name_font": font})
    chart.set_y_axis({"name": "单位数", "min": 0, "name_font": font, "num_font": font})
    chart.set_legend({"none": True})
    chart.set_size({"width": 520, "height": 300})
    overview = book.book.get_worksheet_by_name(SUMMARY_SHEET)
    overview.insert_chart(1, len(summary.overview.columns) + 1, chart)


def _highlight(book: _Book, sheet: Any, frame: pd.DataFrame, column: str, rule: dict[str, Any],
               style: dict[str, Any]) -> None:
    if not len(frame) or column not in frame.columns:
        return
    at = list(frame.columns).index(column)
    sheet.conditional_format(1, at, len(frame), at, rule | {"format": book.book.add_format(style)})
