"""The report's chart: each 一级指标's 得分率 as a native Word bar chart, with its data embedded.

    context["chart"] = category_chart(doc, card)   # doc: the DocxTemplate being rendered; "" without data

The chart is DrawingML, as Word and WPS make it: a chart part (word/charts/chartN.xml) related from the
part that shows it, and beside it the data as a small workbook (word/embeddings/…xlsx, related from the
chart part and named by c:externalData), so that 编辑数据 in Word or WPS opens the numbers and the chart
follows what the clerk changes there. Word, WPS and LibreOffice draw it with their own fonts: no font is
needed where the report is made, and the chart stays sharp when printed.

The XML is written here from strings, in the elements' schema order (ECMA-376 dml-chart.xsd), following
the bar chart of python-pptx's ChartXmlWriter (tests/report/test_chart.py holds both to the same
skeleton). python-pptx itself is not imported at run time: loading it costs more than the rest of the
report together (about 110 ms against a 230 ms docxtpl render), and its workbook writer pulls in
XlsxWriter; the embedded workbook, four small XML files, is written with zipfile.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..core.engine import Scorecard

__all__ = ["SERIES", "TITLE", "ChartRow", "NativeChart", "add_chart", "category_chart", "chart_rows", "chart_size",
           "chart_xml", "data_workbook"]

TITLE = "各一级指标得分率"
SERIES = "得分率"
HEADERS = ("一级指标", "得分", "分值", SERIES)  # the embedded workbook's first row
SHEET = "Sheet1"  # the sheet name Word and WPS give a chart's data

# fonts the report already names, so that Word, WPS and the PDF conversion's stand-ins all apply
LABEL_FONT, TITLE_FONT, LATIN_FONT = "宋体", "黑体", "Times New Roman"
LABEL_PT, TICK_PT, TITLE_PT = 10.5, 9, 12  # 五号 names and values, a smaller scale, 小四 title
BAR_COLOUR, TEXT_COLOUR, GRID_COLOUR, AXIS_COLOUR = "3D5A80", "262626", "BFBFBF", "7F7F7F"
PERCENT = "0%"  # as the report's text writes 得分率 (c.share)

EMU_PER_PT = 12700
DEFAULT_WIDTH_EMU = 150 * 36000  # when the template's page cannot be measured: 150 mm
TOP_PT, BOTTOM_PT, ROW_PT = 30, 24, 21  # title, value axis, one bar with its gap
RIGHT_PT = 40  # room for the value label "100%" beyond the longest bar

C_NS = "http://schemas.openxmlformats.org/drawingml/2006/chart"
A_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
WP_NS = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
RT_CHART = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/chart"
RT_PACKAGE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/package"
CT_CHART = "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"
CT_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_XML = "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"


@dataclass(frozen=True)
class ChartRow:
    """One 一级指标 as the chart shows it. `share` is None for a category without 分值 (every indicator
    dropped as 不适用 under the "rescale" policy): no bar, and the label says 不计分."""

    label: str  # the 一级指标, with （待补） or （不计分） where that applies
    score: Decimal
    points: Decimal
    share: float | None


def chart_rows(card: Scorecard) -> list[ChartRow]:
    """One row per category, in the framework's order. Indicators that cannot be scored yet count 0, as
    in the 评分表's subtotals, and their category says 待补."""
    rows = []
    for category in card.categories:
        label = category.name
        if not category.points:
            rows.append(ChartRow(f"{label}（不计分）", category.score, category.points, None))
            continue
        if any(r.score is None for r in card.results if r.indicator.category == category.name):
            label += "（待补）"
        share = min(max(category.share, Decimal(0)), Decimal(1))
        rows.append(ChartRow(label, category.score, category.points, float(share)))
    return rows


def _esc(text: str) -> str:
    """Text or attribute value for XML (xml.sax.saxutils would import urllib.request: 20 ms)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _number(value: float | Decimal) -> str:
    return repr(value) if isinstance(value, float) else f"{value.normalize():f}"  # 3.00 -> "3", 50 -> "50"


# ---------------------------------------------------------------------------------------------- chart part

def _fill(colour: str | None) -> str:
    return f'<a:solidFill><a:srgbClr val="{colour}"/></a:solidFill>' if colour else "<a:noFill/>"


def _line(colour: str | None, width_pt: float = 0.75, dash: str = "") -> str:
    if colour is None:
        return "<a:ln><a:noFill/></a:ln>"
    prst = f'<a:prstDash val="{dash}"/>' if dash else ""
    return f'<a:ln w="{round(width_pt * EMU_PER_PT)}">{_fill(colour)}{prst}</a:ln>'


def _run_props(tag: str, size_pt: float, font: str, extra: str = "") -> str:
    return (f'<a:{tag} sz="{round(size_pt * 100)}" b="0"{extra}>{_fill(TEXT_COLOUR)}'
            f'<a:latin typeface="{_esc(LATIN_FONT)}"/><a:ea typeface="{_esc(font)}"/>'
            f'<a:cs typeface="{_esc(LATIN_FONT)}"/></a:{tag}>')


def _text_props(size_pt: float, font: str = LABEL_FONT) -> str:
    """c:txPr: the font of an axis, of the data labels or of the whole chart."""
    return ('<c:txPr><a:bodyPr/><a:lstStyle/><a:p><a:pPr>' + _run_props("defRPr", size_pt, font)
            + '</a:pPr><a:endParaRPr lang="zh-CN"/></a:p></c:txPr>')


def _str_cache(values: list[str]) -> str:
    points = "".join(f'<c:pt idx="{i}"><c:v>{_esc(v)}</c:v></c:pt>' for i, v in enumerate(values))
    return f'<c:strCache><c:ptCount val="{len(values)}"/>{points}</c:strCache>'


def _num_cache(values: list[float | None], format_code: str) -> str:
    # a missing point is left out of the cache: Word and LibreOffice draw no bar there
    points = "".join(f'<c:pt idx="{i}"><c:v>{_number(v)}</c:v></c:pt>' for i, v in enumerate(values)
                     if v is not None)
    return (f'<c:numCache><c:formatCode>{_esc(format_code)}</c:formatCode><c:ptCount val="{len(values)}"/>'
            f'{points}</c:numCache>')


def _text_width_pt(text: str, size_pt: float) -> float:
    """A generous estimate of the width of `text`: a Chinese character is one em, anything else half."""
    return sum(size_pt if ord(ch) > 0x2E7F else size_pt * 0.55 for ch in text)


def chart_size(rows: list[ChartRow], width_emu: int) -> tuple[int, int]:
    """(width, height) in EMU: the given width, and a height that gives each bar a row."""
    return width_emu, round((TOP_PT + BOTTOM_PT + ROW_PT * max(len(rows), 1)) * EMU_PER_PT)


def chart_xml(rows: list[ChartRow], width_emu: int, height_emu: int, workbook_rid: str = "rId1") -> bytes:
    """The chart part: a horizontal bar per 一级指标 (the first on top), its 得分率 on a 0–100% scale
    with the value at the end of the bar, the title above. Numbers and names are cached in the part and
    refer to the embedded workbook's cells (see data_workbook)."""
    last = len(rows) + 1
    width_pt, height_pt = width_emu / EMU_PER_PT, height_emu / EMU_PER_PT
    # the plot area (bars only) is placed by hand: the names on its left and the values on its right
    # need their room in Word, WPS and LibreOffice alike, whose automatic layouts differ
    left_pt = max(_text_width_pt(row.label, LABEL_PT) for row in rows) + 10 if rows else 40
    left_pt = min(left_pt, width_pt * 0.45)
    layout = (f'<c:layout><c:manualLayout><c:layoutTarget val="inner"/><c:xMode val="edge"/>'
              f'<c:yMode val="edge"/><c:x val="{left_pt / width_pt:.4f}"/><c:y val="{TOP_PT / height_pt:.4f}"/>'
              f'<c:w val="{(width_pt - left_pt - RIGHT_PT) / width_pt:.4f}"/>'
              f'<c:h val="{(height_pt - TOP_PT - BOTTOM_PT) / height_pt:.4f}"/></c:manualLayout></c:layout>')
    title = ('<c:title><c:tx><c:rich><a:bodyPr/><a:lstStyle/><a:p><a:pPr>'
             + _run_props("defRPr", TITLE_PT, TITLE_FONT) + '</a:pPr><a:r>'
             + _run_props("rPr", TITLE_PT, TITLE_FONT, ' lang="zh-CN" altLang="en-US"')
             + f'<a:t>{_esc(TITLE)}</a:t></a:r></a:p></c:rich></c:tx><c:overlay val="0"/></c:title>')
    labels = (f'<c:dLbls><c:numFmt formatCode="{PERCENT}" sourceLinked="0"/><c:spPr><a:noFill/>'
              f'<a:ln><a:noFill/></a:ln></c:spPr>{_text_props(LABEL_PT)}<c:dLblPos val="outEnd"/>'
              '<c:showLegendKey val="0"/><c:showVal val="1"/><c:showCatName val="0"/><c:showSerName val="0"/>'
              '<c:showPercent val="0"/><c:showBubbleSize val="0"/></c:dLbls>')
    series = (
        '<c:ser><c:idx val="0"/><c:order val="0"/>'
        f'<c:tx><c:strRef><c:f>{SHEET}!$D$1</c:f>{_str_cache([SERIES])}</c:strRef></c:tx>'
        f'<c:spPr>{_fill(BAR_COLOUR)}<a:ln><a:noFill/></a:ln></c:spPr><c:invertIfNegative val="0"/>{labels}'
        f'<c:cat><c:strRef><c:f>{SHEET}!$A$2:$A${last}</c:f>{_str_cache([r.label for r in rows])}</c:strRef></c:cat>'
        f'<c:val><c:numRef><c:f>{SHEET}!$D$2:$D${last}</c:f>{_num_cache([r.share for r in rows], PERCENT)}'
        '</c:numRef></c:val></c:ser>')
    cat_axis = (
        '<c:catAx><c:axId val="91000001"/><c:scaling><c:orientation val="maxMin"/></c:scaling>'
        '<c:delete val="0"/><c:axPos val="l"/><c:numFmt formatCode="General" sourceLinked="0"/>'
        '<c:majorTickMark val="none"/><c:minorTickMark val="none"/><c:tickLblPos val="nextTo"/>'
        f'<c:spPr>{_line(AXIS_COLOUR)}</c:spPr>{_text_props(LABEL_PT)}<c:crossAx val="91000002"/>'
        '<c:crosses val="autoZero"/><c:auto val="1"/><c:lblAlgn val="ctr"/><c:lblOffset val="100"/>'
        '<c:noMultiLvlLbl val="0"/></c:catAx>')
    # the categories run top to bottom (maxMin): the value axis crosses at the last one, the bottom
    val_axis = (
        '<c:valAx><c:axId val="91000002"/><c:scaling><c:orientation val="minMax"/><c:max val="1"/>'
        '<c:min val="0"/></c:scaling><c:delete val="0"/><c:axPos val="b"/>'
        f'<c:majorGridlines><c:spPr>{_line(GRID_COLOUR, 0.5, "dash")}</c:spPr></c:majorGridlines>'
        f'<c:numFmt formatCode="{PERCENT}" sourceLinked="0"/><c:majorTickMark val="none"/>'
        f'<c:minorTickMark val="none"/><c:tickLblPos val="nextTo"/><c:spPr>{_line(None)}</c:spPr>'
        f'{_text_props(TICK_PT)}<c:crossAx val="91000001"/><c:crosses val="max"/>'
        '<c:crossBetween val="between"/><c:majorUnit val="0.2"/></c:valAx>')
    xml = (
        f'{_XML}<c:chartSpace xmlns:c="{C_NS}" xmlns:a="{A_NS}" xmlns:r="{R_NS}">'
        '<c:date1904 val="0"/><c:lang val="zh-CN"/><c:roundedCorners val="0"/>'
        f'<c:chart>{title}<c:autoTitleDeleted val="0"/><c:plotArea>{layout}'
        '<c:barChart><c:barDir val="bar"/><c:grouping val="clustered"/><c:varyColors val="0"/>'
        f'{series}<c:gapWidth val="60"/><c:axId val="91000001"/><c:axId val="91000002"/></c:barChart>'
        f'{cat_axis}{val_axis}<c:spPr><a:noFill/><a:ln><a:noFill/></a:ln></c:spPr></c:plotArea>'
        '<c:plotVisOnly val="1"/><c:dispBlanksAs val="gap"/></c:chart>'
        f'<c:spPr>{_fill("FFFFFF")}<a:ln><a:noFill/></a:ln></c:spPr>{_text_props(LABEL_PT)}'
        f'<c:externalData r:id="{workbook_rid}"><c:autoUpdate val="0"/></c:externalData></c:chartSpace>')
    return xml.encode("utf-8")


# -------------------------------------------------------------------------------------- embedded workbook

_XLSX_TYPES = (
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>')
_XLSX_RELS = (
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>')
_XLSX_WORKBOOK = (
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    f'xmlns:r="{R_NS}"><sheets><sheet name="{SHEET}" sheetId="1" r:id="rId1"/></sheets>'
    '<calcPr calcId="191029"/></workbook>')
_XLSX_WORKBOOK_RELS = (
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'styles" Target="styles.xml"/></Relationships>')
# styles: 0 plain, 1 bold (the header row), 2 percent (numFmtId 9 is Excel's built-in "0%")
_XLSX_STYLES = (
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    f'<fonts count="2"><font><sz val="11"/><name val="{LABEL_FONT}"/><charset val="134"/></font>'
    f'<font><b/><sz val="11"/><name val="{LABEL_FONT}"/><charset val="134"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/>'
    '</fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="9" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="常规" xfId="0" builtinId="0"/></cellStyles></styleSheet>')


def _text_cell(ref: str, text: str, style: int = 0) -> str:
    return f'<c r="{ref}" t="inlineStr" s="{style}"><is><t>{_esc(text)}</t></is></c>'


def _sheet_xml(rows: list[ChartRow]) -> str:
    lines = ['<row r="1">' + "".join(_text_cell(f"{col}1", header, 1) for col, header in zip("ABCD", HEADERS))
             + "</row>"]
    for r, row in enumerate(rows, start=2):
        cells = _text_cell(f"A{r}", row.label)
        cells += f'<c r="B{r}"><v>{_number(row.score)}</v></c><c r="C{r}"><v>{_number(row.points)}</v></c>'
        if row.share is not None:
            # a formula, so that a score changed under 编辑数据 moves its bar; its value as cached
            cells += f'<c r="D{r}" s="2"><f>B{r}/C{r}</f><v>{_number(row.share)}</v></c>'
        lines.append(f'<row r="{r}">{cells}</row>')
    return ('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            f'<dimension ref="A1:D{len(rows) + 1}"/>'
            '<sheetViews><sheetView workbookViewId="0"/></sheetViews><sheetFormatPr defaultRowHeight="15"/>'
            '<cols><col min="1" max="1" width="24" customWidth="1"/><col min="2" max="4" width="10" customWidth="1"/>'
            f'</cols><sheetData>{"".join(lines)}</sheetData></worksheet>')


def data_workbook(rows: list[ChartRow]) -> bytes:
    """The chart's data as an .xlsx (一级指标, 得分, 分值, 得分率 = 得分/分值), what 编辑数据 opens."""
    buffer = io.BytesIO()
    parts = {"[Content_Types].xml": _XLSX_TYPES, "_rels/.rels": _XLSX_RELS, "xl/workbook.xml": _XLSX_WORKBOOK,
             "xl/_rels/workbook.xml.rels": _XLSX_WORKBOOK_RELS, "xl/styles.xml": _XLSX_STYLES,
             "xl/worksheets/sheet1.xml": _sheet_xml(rows)}
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for name, text in parts.items():
            # a fixed date: the same scorecard gives the same bytes
            package.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)),
                             (_XML + text).encode("utf-8"), compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


# ------------------------------------------------------------------------------------------ in the document

def _inline(rid: str, width_emu: int, height_emu: int, number: int) -> str:
    """The w:drawing of chart `number`, inline in its paragraph as a picture would be (docxtpl makes the
    drawings' ids unique after rendering)."""
    return (f'<w:drawing><wp:inline distT="0" distB="0" distL="0" distR="0" xmlns:wp="{WP_NS}">'
            f'<wp:extent cx="{width_emu}" cy="{height_emu}"/><wp:effectExtent l="0" t="0" r="0" b="0"/>'
            f'<wp:docPr id="{1000 + number}" name="图表 {number}" descr="{_esc(TITLE)}"/><wp:cNvGraphicFramePr/>'
            f'<a:graphic xmlns:a="{A_NS}"><a:graphicData uri="{C_NS}">'
            f'<c:chart xmlns:c="{C_NS}" xmlns:r="{R_NS}" r:id="{rid}"/></a:graphicData></a:graphic>'
            '</wp:inline></w:drawing>')


def add_chart(part: Any, rows: list[ChartRow], width_emu: int) -> str:
    """Add the chart and its workbook to the package of `part` (a python-docx part: the document, a
    header …), related from `part`; returns the w:drawing to place in a run."""
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part

    package = part.package
    width_emu, height_emu = chart_size(rows, width_emu)
    chart_name = package.next_partname("/word/charts/chart%d.xml")
    number = chart_name.idx
    workbook = Part(PackURI(f"/word/embeddings/Microsoft_Excel_Worksheet{number}.xlsx"), CT_XLSX,
                    data_workbook(rows), package)
    chart = Part(chart_name, CT_CHART, chart_xml(rows, width_emu, height_emu), package)
    if chart.relate_to(workbook, RT_PACKAGE) != "rId1":  # a new part's first relationship: as written
        raise AssertionError("the chart's workbook is not its rId1")
    rid = part.relate_to(chart, RT_CHART)
    return _inline(rid, width_emu, height_emu, number)


def _text_width_emu(document: Any) -> int:
    """The body width of the template's first section (page less margins), else DEFAULT_WIDTH_EMU."""
    try:
        section = document.sections[0]
        width = int(section.page_width - section.left_margin - section.right_margin)
    except (AttributeError, IndexError, TypeError):
        return DEFAULT_WIDTH_EMU
    return width if width > 0 else DEFAULT_WIDTH_EMU


class NativeChart:
    """The chart for a docxtpl context: `{{ chart }}` in the template places it, in the part being
    rendered, at the body's width. Each place the tag is rendered gets a chart of its own."""

    def __init__(self, tpl: Any, rows: list[ChartRow]) -> None:
        self.tpl, self.rows = tpl, rows

    def _insert(self) -> str:
        part = self.tpl.current_rendering_part
        drawing = add_chart(part, self.rows, _text_width_emu(self.tpl.docx))
        # the tag stands inside a run's text: close it, add a run with the drawing, reopen it
        return f'</w:t></w:r><w:r>{drawing}</w:r><w:r><w:t xml:space="preserve">'

    __str__ = __html__ = _insert


def category_chart(tpl: Any, card: Scorecard) -> NativeChart | str:
    """What `{{ chart }}` is given: the 得分率 chart of `card`, or "" when it has no 一级指标."""
    rows = chart_rows(card)
    return NativeChart(tpl, rows) if rows else ""
