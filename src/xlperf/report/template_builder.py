"""Build the shipped report template `frameworks/gz-baiyun.docx` from code, so its styles are known.

    python -m xlperf.report.template_builder        # rewrites src/xlperf/frameworks/gz-baiyun.docx

The template is a docxtpl document (Jinja tags in the text, see docs/report-template.md) laid out as the
published 2022 白云区科协 self-evaluation report, in the common implementation of GB/T 9704-2012: A4,
margins 3.7/3.5/2.8/2.6 cm, body 3号 仿宋_GB2312 with a two-character first-line indent and fixed 28 pt
line spacing, title 2号 方正小标宋简体, "一、" headings 黑体, "（一）" headings 楷体_GB2312, digits and
Latin letters in Times New Roman, page numbers "— 1 —" in 4号 宋体 (odd pages right, even pages left).

The package parts (styles, settings, font table, properties) are written here as XML, the body with
python-docx; every run names its East-Asian font (`w:eastAsia`), without which Word ignores a Chinese
font. The zip is normalised (sorted entries, fixed times), so two builds give the same bytes.
"""

from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path
from typing import Any

from docx import Document
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls

from .._files import atomic_write

__all__ = ["BODY_FONT", "COLUMNS", "FONTS", "MARGINS", "PAGE", "TEMPLATE", "build_template", "write_template"]

TEMPLATE = Path(__file__).resolve().parents[1] / "frameworks" / "gz-baiyun.docx"  # the shipped framework's

# Sizes in twentieths of a point (twips); 1 cm = 567 twips. Word shows these as 3.7 cm, 3.5 cm ...
PAGE = {"width": 11906, "height": 16838}  # A4
MARGINS = {"top": 2098, "bottom": 1984, "left": 1587, "right": 1474, "header": 851, "footer": 1247}
TEXT_WIDTH = PAGE["width"] - MARGINS["left"] - MARGINS["right"]  # 8845 twips = 15.6 cm
LINE = 560  # fixed 28 pt line spacing
LATIN = "Times New Roman"

BODY_FONT = "仿宋_GB2312"
TITLE_FONT = "方正小标宋简体"
HEI = "黑体"
KAI = "楷体_GB2312"
SONG = "宋体"

# Font table entries: what Word looks at when a font is not installed. altName names the font Word
# takes instead (仿宋_GB2312 → 仿宋, present on Windows 7 and later); panose, charset 86 (GB2312) and
# family describe the face for Word's own substitution.
FONTS = {
    LATIN: ("", "02020603050405020304", "00", "roman", "variable"),
    BODY_FONT: ("仿宋", "02010609030101010101", "86", "modern", "fixed"),
    KAI: ("楷体", "02010609030101010101", "86", "modern", "fixed"),
    TITLE_FONT: ("宋体", "02000000000000000000", "86", "auto", "variable"),
    HEI: ("SimHei", "02010609060101010101", "86", "modern", "fixed"),
    SONG: ("SimSun", "02010600030101010101", "86", "auto", "variable"),
    "仿宋": ("FangSong", "02010609060101010101", "86", "modern", "fixed"),
    "楷体": ("KaiTi", "02010609060101010101", "86", "modern", "fixed"),
}

# The 附件 table: (header, width in twips, alignment of the column's text); widths sum to the text width.
COLUMNS = (("一级指标", 1191, "center"), ("指标", 3062, "left"), ("分值", 794, "center"),
           ("自评得分", 1134, "center"), ("扣分原因", 2664, "left"))
assert sum(width for _, width, _ in COLUMNS) == TEXT_WIDTH

_TABLE_BORDERS = "".join(f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="auto"/>'
                         for side in ("top", "left", "bottom", "right", "insideH", "insideV"))

_FIXED_TIME = (1980, 1, 1, 0, 0, 0)
_CREATED = "2024-01-01T00:00:00Z"

W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
R_NS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
_XML = "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"


def _rfonts(east: str, latin: str = LATIN) -> str:
    return (f'<w:rFonts w:ascii="{latin}" w:hAnsi="{latin}" w:eastAsia="{east}" w:cs="{latin}" '
            f'w:hint="eastAsia"/>')


def _no_indent() -> str:
    return '<w:ind w:firstLineChars="0" w:firstLine="0"/>'


def _style(style_id: str, name: str, ppr: str, rpr: str, *, based_on: str = "Normal", next_: str = "Normal",
           extra: str = "") -> str:
    based = f'<w:basedOn w:val="{based_on}"/>' if based_on else ""
    nxt = f'<w:next w:val="{next_}"/>' if next_ else ""
    return (f'<w:style w:type="paragraph" w:styleId="{style_id}"{extra}><w:name w:val="{name}"/>{based}{nxt}'
            f'<w:qFormat/><w:pPr>{ppr}</w:pPr><w:rPr>{rpr}</w:rPr></w:style>')


def _styles_xml() -> str:
    box = "".join(f'<w:{side} w:val="single" w:sz="8" w:space="4" w:color="auto"/>'
                  for side in ("top", "left", "bottom", "right"))
    single = '<w:spacing w:before="0" w:after="0" w:line="240" w:lineRule="auto"/>'
    paragraph_styles = [
        # 正文: 3号仿宋_GB2312, first line indented two characters, fixed 28 pt lines, justified
        '<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/>'
        '<w:pPr><w:widowControl/>'
        f'<w:spacing w:before="0" w:after="0" w:line="{LINE}" w:lineRule="exact"/>'
        '<w:ind w:firstLineChars="200" w:firstLine="640"/><w:jc w:val="both"/></w:pPr>'
        f'<w:rPr>{_rfonts(BODY_FONT)}<w:sz w:val="32"/><w:szCs w:val="32"/></w:rPr></w:style>',
        # 标题: 2号方正小标宋简体, centred, a blank line's space below
        _style("Title", "Title", f'<w:spacing w:before="0" w:after="{LINE}" w:line="700" w:lineRule="exact"/>'
               f'{_no_indent()}<w:jc w:val="center"/>',
               f'{_rfonts(TITLE_FONT)}<w:sz w:val="44"/><w:szCs w:val="44"/>'),
        # 一、 headings in 黑体, （一） headings in 楷体_GB2312; indented like the body, as official documents are
        _style("Heading1", "heading 1", '<w:keepNext/><w:outlineLvl w:val="0"/>',
               f'{_rfonts(HEI)}<w:b w:val="0"/><w:bCs w:val="0"/>'),
        _style("Heading2", "heading 2", '<w:keepNext/><w:outlineLvl w:val="1"/>',
               f'{_rfonts(KAI)}<w:b w:val="0"/><w:bCs w:val="0"/>'),
        # 4号宋体 page numbers (digits in 宋体 too, as GB/T 9704 asks)
        _style("Footer", "footer", f'{single}{_no_indent()}', f'{_rfonts(SONG, SONG)}<w:sz w:val="28"/>'
               '<w:szCs w:val="28"/>', next_=""),
        # the chart: centred, and not fixed line spacing, which would clip the picture
        _style("Chart", "图表", f'<w:keepLines/><w:spacing w:before="120" w:after="120" w:line="240" '
               f'w:lineRule="auto"/>{_no_indent()}<w:jc w:val="center"/>', _rfonts(BODY_FONT)),
        # 附件 label: on a new page, 黑体, flush left
        _style("Attachment", "附件标题", f'<w:keepNext/><w:pageBreakBefore/>'
               f'<w:spacing w:before="0" w:after="280" w:line="{LINE}" w:lineRule="exact"/>{_no_indent()}'
               '<w:jc w:val="left"/>', _rfonts(HEI)),
        # table text: 小四 (12 pt) 仿宋_GB2312, single spacing; the header row in 黑体
        _style("TableText", "表格文字", f'{single}{_no_indent()}<w:jc w:val="center"/>',
               f'{_rfonts(BODY_FONT)}<w:sz w:val="24"/><w:szCs w:val="24"/>', next_="TableText"),
        _style("TableHeading", "表格标题行", '<w:keepNext/>', f'{_rfonts(HEI)}',
               based_on="TableText", next_="TableText"),
        # 待核实: bold, in a box (consecutive paragraphs with the same border share one box)
        _style("Pending", "待核实", f'<w:pBdr>{box}</w:pBdr>', f'{_rfonts(BODY_FONT)}<w:b/><w:bCs/>',
               next_="Pending"),
    ]
    return (
        f'{_XML}<w:styles {W_NS} {R_NS}>'
        f'<w:docDefaults><w:rPrDefault><w:rPr>{_rfonts(BODY_FONT)}<w:kern w:val="2"/><w:sz w:val="32"/>'
        '<w:szCs w:val="32"/><w:lang w:val="en-US" w:eastAsia="zh-CN" w:bidi="ar-SA"/></w:rPr></w:rPrDefault>'
        '<w:pPrDefault><w:pPr><w:widowControl/></w:pPr></w:pPrDefault></w:docDefaults>'
        + "".join(paragraph_styles)
        + '<w:style w:type="character" w:default="1" w:styleId="DefaultParagraphFont">'
        '<w:name w:val="Default Paragraph Font"/><w:uiPriority w:val="1"/><w:semiHidden/><w:unhideWhenUsed/>'
        '</w:style>'
        '<w:style w:type="table" w:default="1" w:styleId="TableNormal"><w:name w:val="Normal Table"/>'
        '<w:uiPriority w:val="99"/><w:semiHidden/><w:unhideWhenUsed/><w:tblPr><w:tblInd w:w="0" w:type="dxa"/>'
        '<w:tblCellMar><w:top w:w="0" w:type="dxa"/><w:left w:w="108" w:type="dxa"/>'
        '<w:bottom w:w="0" w:type="dxa"/><w:right w:w="108" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style>'
        # the 评分表's style: cells centred vertically, also those whose own properties cannot say so
        # ({% vm %} appends w:vMerge to a cell's properties, which must then end before w:vAlign)
        '<w:style w:type="table" w:styleId="ScoreTable"><w:name w:val="评分表"/><w:basedOn w:val="TableNormal"/>'
        f'<w:uiPriority w:val="59"/><w:tblPr><w:tblBorders>{_TABLE_BORDERS}'
        '</w:tblBorders></w:tblPr><w:tcPr><w:vAlign w:val="center"/></w:tcPr></w:style>'
        '<w:style w:type="numbering" w:default="1" w:styleId="NoList"><w:name w:val="No List"/>'
        '<w:uiPriority w:val="99"/><w:semiHidden/><w:unhideWhenUsed/></w:style>'
        '</w:styles>')


def _font_table_xml() -> str:
    sig = ('<w:sig w:usb0="00000001" w:usb1="080E0000" w:usb2="00000010" w:usb3="00000000" '
           'w:csb0="00040000" w:csb1="00000000"/>')
    fonts = []
    for name, (alt, panose, charset, family, pitch) in FONTS.items():
        alt_xml = f'<w:altName w:val="{alt}"/>' if alt else ""
        fonts.append(f'<w:font w:name="{name}">{alt_xml}<w:panose1 w:val="{panose}"/><w:charset w:val="{charset}"/>'
                     f'<w:family w:val="{family}"/><w:pitch w:val="{pitch}"/>{sig if charset == "86" else ""}'
                     '</w:font>')
    return f'{_XML}<w:fonts {W_NS} {R_NS}>{"".join(fonts)}</w:fonts>'


_SETTINGS = (
    f'{_XML}<w:settings {W_NS} {R_NS}><w:zoom w:percent="100"/><w:defaultTabStop w:val="420"/>'
    '<w:evenAndOddHeaders/><w:characterSpacingControl w:val="doNotCompress"/>'
    '<w:compat><w:spaceForUL/><w:balanceSingleByteDoubleByteWidth/><w:doNotLeaveBackslashAlone/>'
    '<w:ulTrailSpace/><w:doNotExpandShiftReturn/><w:adjustLineHeightInTable/><w:useFELayout/>'
    '<w:compatSetting w:name="compatibilityMode" w:uri="http://schemas.microsoft.com/office/word" w:val="15"/>'
    '</w:compat><w:themeFontLang w:val="en-US" w:eastAsia="zh-CN"/>'
    '<w:decimalSymbol w:val="."/><w:listSeparator w:val=","/></w:settings>')

_DOCUMENT = (
    f'{_XML}<w:document {W_NS} {R_NS}><w:body><w:sectPr>'
    f'<w:pgSz w:w="{PAGE["width"]}" w:h="{PAGE["height"]}"/>'
    f'<w:pgMar w:top="{MARGINS["top"]}" w:right="{MARGINS["right"]}" w:bottom="{MARGINS["bottom"]}" '
    f'w:left="{MARGINS["left"]}" w:header="{MARGINS["header"]}" w:footer="{MARGINS["footer"]}" w:gutter="0"/>'
    '<w:cols w:space="425"/><w:docGrid w:linePitch="560"/></w:sectPr></w:body></w:document>')

_CORE = (
    f'{_XML}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    '<dc:title></dc:title><dc:creator>xlperf</dc:creator>'
    '<dc:description>部门整体支出绩效自评报告模板（xlperf，GB/T 9704 版式）</dc:description>'
    '<cp:lastModifiedBy>xlperf</cp:lastModifiedBy><cp:revision>1</cp:revision>'
    f'<dcterms:created xsi:type="dcterms:W3CDTF">{_CREATED}</dcterms:created>'
    f'<dcterms:modified xsi:type="dcterms:W3CDTF">{_CREATED}</dcterms:modified></cp:coreProperties>')

_APP = (f'{_XML}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
        '<Application>xlperf</Application></Properties>')

_OFFICE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_WML = "application/vnd.openxmlformats-officedocument.wordprocessingml"
_BASE_PARTS = {
    "[Content_Types].xml": (
        f'{_XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/word/document.xml" ContentType="{_WML}.document.main+xml"/>'
        f'<Override PartName="/word/styles.xml" ContentType="{_WML}.styles+xml"/>'
        f'<Override PartName="/word/settings.xml" ContentType="{_WML}.settings+xml"/>'
        f'<Override PartName="/word/fontTable.xml" ContentType="{_WML}.fontTable+xml"/>'
        '<Override PartName="/docProps/core.xml" '
        'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
        '<Override PartName="/docProps/app.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/></Types>'),
    "_rels/.rels": (
        f'{_XML}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{_OFFICE}/officeDocument" Target="word/document.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/'
        'core-properties" Target="docProps/core.xml"/>'
        f'<Relationship Id="rId3" Type="{_OFFICE}/extended-properties" Target="docProps/app.xml"/>'
        '</Relationships>'),
    "word/_rels/document.xml.rels": (
        f'{_XML}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{_OFFICE}/styles" Target="styles.xml"/>'
        f'<Relationship Id="rId2" Type="{_OFFICE}/settings" Target="settings.xml"/>'
        f'<Relationship Id="rId3" Type="{_OFFICE}/fontTable" Target="fontTable.xml"/></Relationships>'),
    "word/document.xml": _DOCUMENT,
    "word/settings.xml": _SETTINGS,
    "docProps/core.xml": _CORE,
    "docProps/app.xml": _APP,
}

# which East-Asian / Latin font the runs of a paragraph style name
_RUN_FONTS = {"Normal": (BODY_FONT, LATIN), "Title": (TITLE_FONT, LATIN), "Heading1": (HEI, LATIN),
              "Heading2": (KAI, LATIN), "Footer": (SONG, SONG), "Chart": (BODY_FONT, LATIN),
              "Attachment": (HEI, LATIN), "TableText": (BODY_FONT, LATIN), "TableHeading": (HEI, LATIN),
              "Pending": (BODY_FONT, LATIN)}


def _base_package() -> bytes:
    parts = dict(_BASE_PARTS, **{"word/styles.xml": _styles_xml(), "word/fontTable.xml": _font_table_xml()})
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            z.writestr(zipfile.ZipInfo(name, _FIXED_TIME), text.encode("utf-8"))
    return out.getvalue()


def _run_xml(text: str, style: str) -> str:
    east, latin = _RUN_FONTS[style]
    space = ' xml:space="preserve"' if text != text.strip() else ""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f'<w:r><w:rPr>{_rfonts(east, latin)}</w:rPr><w:t{space}>{escaped}</w:t></w:r>'


def _paragraph_xml(text: str, style: str = "Normal", *, ppr: str = "", root: bool = True) -> str:
    run = _run_xml(text, style) if text else ""
    ns = f' {nsdecls("w")}' if root else ""
    return f'<w:p{ns}><w:pPr><w:pStyle w:val="{style}"/>{ppr}</w:pPr>{run}</w:p>'


class _Body:
    """Appends paragraphs and tables before the section properties of a python-docx document."""

    def __init__(self, document: Any) -> None:
        self.document = document
        self.sect_pr = document.element.body.sectPr

    def add(self, xml: str) -> None:
        self.sect_pr.addprevious(parse_xml(xml))

    def p(self, text: str, style: str = "Normal", *, keep_next: bool = False) -> None:
        self.add(_paragraph_xml(text, style, ppr="<w:keepNext/>" if keep_next else ""))

    def loop(self, items: str, line: str = "{{ line }}", *, var: str = "line") -> None:
        """One body paragraph per item of a list; nothing at all for an empty list. A line that ends in "："
        introduces the next ("（b）质量指标完成情况：") and is kept on its page."""
        self.p(f"{{%p for {var} in {items} %}}")
        self.p(f"{{%p if {var}.endswith('：') %}}")
        self.p(line, keep_next=True)
        self.p("{%p else %}")
        self.p(line)
        self.p("{%p endif %}")
        self.p("{%p endfor %}")

    def labelled(self, label: str, items: str) -> None:
        """A label paragraph ("重点工作任务完成情况：") then the list, both left out when the list is empty."""
        self.p(f"{{%p if {items} %}}")
        self.p(label, keep_next=True)
        self.p("{%p endif %}")
        self.loop(items)


def _cell(text: str, width: int, *, align: str = "center", style: str = "TableText", span: int = 1,
          keep_next: bool = False) -> str:
    span_xml = f'<w:gridSpan w:val="{span}"/>' if span > 1 else ""
    ppr = ("<w:keepNext/>" if keep_next else "") + ("" if align == "center" else f'<w:jc w:val="{align}"/>')
    # no w:vAlign in a {% vm %} cell: docxtpl appends w:vMerge, which the schema wants before it
    v_align = "" if "{% vm %}" in text else '<w:vAlign w:val="center"/>'
    return (f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>{span_xml}{v_align}</w:tcPr>'
            f'{_paragraph_xml(text, style, ppr=ppr, root=False)}</w:tc>')


def _row(cells: str, *, header: bool = False) -> str:
    height = '<w:trHeight w:val="454"/>' if header else ""
    repeat = "<w:tblHeader/>" if header else ""
    return f"<w:tr><w:trPr><w:cantSplit/>{height}{repeat}</w:trPr>{cells}</w:tr>"


def _tag_row(tag: str) -> str:
    return _row(_cell(tag, TEXT_WIDTH, align="left", span=len(COLUMNS)))


def _appendix_table() -> str:
    """The 评分表: rows grouped by 一级指标, whose cell is merged down its rows ({% vm %}), a 小计 row
    after each group, then 合计 and 等级."""
    widths = [width for _, width, _ in COLUMNS]
    header = _row("".join(_cell(name, width, style="TableHeading") for name, width, _ in COLUMNS), header=True)
    fields = ("{% vm %}{{ r.category }}", "{{ r.name }}", "{{ r.points }}", "{{ r.score }}", "{{ r.reason }}")
    # rows run on from page to page as the body text does (a row never splits, the header row repeats); a
    # 一级指标 kept whole would push its rows to the next page and leave a third of this one empty
    data = _row("".join(_cell(text, width, align=align) for text, (_, width, align) in zip(fields, COLUMNS)))
    subtotal = _row(_cell("小计", widths[0] + widths[1], span=2) + _cell("{{ c.points }}", widths[2])
                    + _cell("{{ c.score }}", widths[3]) + _cell("", widths[4]))
    total = _row(_cell("合计", widths[0] + widths[1], style="TableHeading", span=2)
                 + _cell("{{ total_points }}", widths[2]) + _cell("{{ total }}", widths[3]) + _cell("", widths[4]))
    grade = _row(_cell("等级", widths[0] + widths[1], style="TableHeading", span=2)
                 + _cell("{{ grade }}", sum(widths[2:]), span=3))
    rows = [header, _tag_row("{%tr for c in category_scores %}"),
            _tag_row("{%tr for r in appendix if r.category == c.name %}"), data, _tag_row("{%tr endfor %}"),
            subtotal, _tag_row("{%tr endfor %}"), total, grade]
    grid = "".join(f'<w:gridCol w:w="{width}"/>' for width in widths)
    return (f'<w:tbl {nsdecls("w")}><w:tblPr><w:tblStyle w:val="ScoreTable"/>'
            f'<w:tblW w:w="{TEXT_WIDTH}" w:type="dxa"/><w:jc w:val="center"/><w:tblInd w:w="0" w:type="dxa"/>'
            f'<w:tblBorders>{_TABLE_BORDERS}</w:tblBorders><w:tblLayout w:type="fixed"/>'
            '<w:tblCellMar><w:top w:w="45" w:type="dxa"/><w:left w:w="85" w:type="dxa"/>'
            '<w:bottom w:w="45" w:type="dxa"/><w:right w:w="85" w:type="dxa"/></w:tblCellMar>'
            '<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="1" w:lastColumn="0" '
            f'w:noHBand="0" w:noVBand="1"/></w:tblPr><w:tblGrid>{grid}</w:tblGrid>{"".join(rows)}</w:tbl>')


def _page_number(footer: Any, align: str) -> None:
    """"— 1 —": a PAGE field between one-character dashes, one character in from the edge."""
    indent = ('<w:ind w:right="280" w:rightChars="100" w:firstLineChars="0" w:firstLine="0"/>' if align == "right"
              else '<w:ind w:left="280" w:leftChars="100" w:firstLineChars="0" w:firstLine="0"/>')
    rpr = f"<w:rPr>{_rfonts(SONG, SONG)}</w:rPr>"
    field = (f'<w:r>{rpr}<w:fldChar w:fldCharType="begin"/></w:r>'
             f'<w:r>{rpr}<w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>'
             f'<w:r>{rpr}<w:fldChar w:fldCharType="separate"/></w:r><w:r>{rpr}<w:t>1</w:t></w:r>'
             f'<w:r>{rpr}<w:fldChar w:fldCharType="end"/></w:r>')
    xml = (f'<w:p {nsdecls("w")}><w:pPr><w:pStyle w:val="Footer"/>{indent}<w:jc w:val="{align}"/></w:pPr>'
           f'<w:r>{rpr}<w:t xml:space="preserve">— </w:t></w:r>{field}'
           f'<w:r>{rpr}<w:t xml:space="preserve"> —</w:t></w:r></w:p>')
    element = footer._element
    for old in list(element):
        element.remove(old)
    element.append(parse_xml(xml))


def _content(body: _Body) -> None:
    """The seed's outline; chapters and fixed wording are the template's, every figure the narrative's."""
    def h1(text: str) -> None:
        body.p(text, "Heading1")

    def h2(text: str) -> None:
        body.p(text, "Heading2")

    # 标题: broken after the department's name, as official titles are (a line must not end mid-word)
    body.p("{%p if department and title.startswith(department) %}", "Title")
    body.add(f'<w:p {nsdecls("w")}><w:pPr><w:pStyle w:val="Title"/></w:pPr>{_run_xml("{{ department }}", "Title")}'
             f'<w:r><w:rPr>{_rfonts(TITLE_FONT)}</w:rPr><w:br/></w:r>'
             f'{_run_xml("{{ title[department|length:] }}", "Title")}</w:p>')
    body.p("{%p else %}", "Title")
    body.p("{{ title }}", "Title")
    body.p("{%p endif %}", "Title")
    body.p("{%p if pending %}", "Pending")
    body.p("待核实事项（以下事项核实、改正前，本报告不得作为正式文本报送）：", "Pending")
    body.p("{%p for f in pending %}", "Pending")
    body.p("{{ f }}", "Pending")
    body.p("{%p endfor %}", "Pending")
    body.p("")  # a blank line between the box and 一、
    body.p("{%p endif %}", "Pending")

    h1("一、基本情况")
    h2("（一）部门概况")
    body.loop("overview")
    h2("（二）年度总体工作和重点工作任务")
    body.loop("goals", "{% if loop.first %}总体目标：{% endif %}{{ line }}")
    body.loop("annual_work", "{% if loop.first %}总体工作：{% endif %}{{ line }}")
    body.labelled("重点工作任务完成情况：", "key_tasks")
    h2("（三）部门整体收支情况")
    body.labelled("本部门整体绩效支出目标：", "performance_goals")
    body.labelled("本部门{{ year }}年预算完成情况：", "outputs_done")
    body.p("{%p if finance %}")
    body.p("部门整体收支规模和支出进度：", keep_next=True)
    body.p("{{ finance }}")
    body.p("{%p endif %}")
    h2("（四）部门整体绩效管理情况")
    body.loop("management")

    h1("二、综合评价分析")
    h2("（一）自评结论综述")
    body.loop("conclusion")
    body.p("{{ conclusion_score }}")
    body.p("{%p if chart %}")
    body.p("{{ chart }}", "Chart")
    body.p("{%p endif %}")
    h2("（二）各项工作任务绩效目标完成情况分析")
    body.p("{%p for c in categories %}")
    body.p("{{ c.number }}、{{ c.name }}", keep_next=True)
    body.p("{%p for i in c.indicators %}")
    body.p("{{ i.number }}{{ i.heading }}", keep_next=True)
    body.p("{%p if i.rule %}")  # a full-mark judgement the department left unexplained: its heading says it all
    body.p("{{ i.rule }}")
    body.p("{%p endif %}")
    body.loop("i.explanation")
    body.p("{%p endfor %}")
    body.p("{%p endfor %}")
    h2("（三）各重点任务项目支出完成情况分析")
    body.p("{%p for p in projects %}")
    body.p("{{ p.number }}、{{ p.name }}：", keep_next=True)
    body.p("（1）项目产出完成情况分析。", keep_next=True)
    body.loop("p.outputs")
    body.p("（2）项目效益指标分析。", keep_next=True)
    body.loop("p.benefits")
    body.p("（3）满意度指标分析。", keep_next=True)
    body.loop("p.satisfaction")
    body.p("{%p endfor %}")
    h2("（四）主要工作成效")
    body.loop("achievements")

    h1("三、存在的主要问题")
    body.loop("problems")
    h1("四、下一步改进措施")
    body.loop("measures")

    body.p("附件：{{ framework_title }}", "Attachment")
    body.add(_appendix_table())
    # Word wants a paragraph after a table; a 1 pt one, so a table ending at the foot of a page adds no page
    body.add(f'<w:p {nsdecls("w")}><w:pPr><w:pStyle w:val="TableText"/><w:spacing w:before="0" w:after="0" '
             f'w:line="20" w:lineRule="exact"/><w:rPr>{_rfonts(BODY_FONT)}<w:sz w:val="2"/><w:szCs w:val="2"/>'
             '</w:rPr></w:pPr></w:p>')


def _normalised(docx: bytes) -> bytes:
    """The same package with sorted entries, fixed times and attributes: equal input, equal bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx)) as src, zipfile.ZipFile(out, "w") as dst:
        for name in sorted(src.namelist()):
            info = zipfile.ZipInfo(name, _FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o644 << 16
            dst.writestr(info, src.read(name), compresslevel=9)
    return out.getvalue()


def build_template() -> bytes:
    """The template's bytes; the same on every run."""
    document = Document(io.BytesIO(_base_package()))
    _content(_Body(document))
    section = document.sections[0]
    _page_number(section.footer, "right")  # odd pages: 居右空一字
    _page_number(section.even_page_footer, "left")  # even pages: 居左空一字
    out = io.BytesIO()
    document.save(out)
    return _normalised(out.getvalue())


def write_template(path: str | Path = TEMPLATE) -> Path:
    """Write the template (by default the shipped one) and return its path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = build_template()

    def write(tmp: Path) -> None:
        tmp.write_bytes(data)

    return atomic_write(path, write, suffixes=(".docx",))


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    path = write_template(args[0] if args else TEMPLATE)
    print(f"已生成报告模板：{path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

