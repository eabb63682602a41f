"""The report's 得分率 chart: a native Word chart (DrawingML chart part + embedded workbook) with the
scorecard's numbers, placed inline where `{{ chart }}` stands, drawn by LibreOffice, and no matplotlib."""

from __future__ import annotations

import dataclasses
import io
import shutil
import subprocess
import sys
import zipfile
from decimal import Decimal
from pathlib import Path
from xml.etree import ElementTree as ET

import openpyxl
import pytest
from docx import Document
from xlperf_testing import recalculated

from xlperf._open import open_year
from xlperf.cli import main
from xlperf.core.engine import CategoryScore, Scorecard, score_year
from xlperf.core.frameworks import SHIPPED_DIR
from xlperf.core.model import DepartmentYear
from xlperf.report import chart
from xlperf.report.template_builder import TEXT_WIDTH

NS = {"c": chart.C_NS, "a": chart.A_NS, "r": chart.R_NS, "wp": chart.WP_NS,
      "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
      "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
      "ct": "http://schemas.openxmlformats.org/package/2006/content-types"}
R_ID = f"{{{chart.R_NS}}}id"


def q(tag: str) -> str:
    prefix, name = tag.split(":")
    return f"{{{NS[prefix]}}}{name}"


def short(tag: str) -> str:
    uri, name = tag[1:].split("}")
    return f"{next(p for p, u in NS.items() if u == uri)}:{name}"


@pytest.fixture(scope="module")
def card(example_workbook: Path) -> Scorecard:
    year, framework = open_year(example_workbook)
    return score_year(framework, year)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory, example_workbook: Path) -> Path:
    out = tmp_path_factory.mktemp("chart") / "报告.docx"
    assert main(["report", str(example_workbook), "-o", str(out)]) == 0
    return out


def _parts(docx: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(docx) as package:
        return {name: package.read(name) for name in package.namelist()}


def _rels(data: bytes) -> dict[str, tuple[str, str]]:
    """rId -> (type, target) of a .rels part."""
    return {r.get("Id"): (r.get("Type"), r.get("Target")) for r in ET.fromstring(data).findall("rel:Relationship", NS)}


def _chart_of(parts: dict[str, bytes]) -> ET.Element:
    return ET.fromstring(parts["word/charts/chart1.xml"])


class TestChartInTheReport:
    def test_chart_part_is_related_typed_and_placed_inline(self, report: Path) -> None:
        """word/charts/chart1.xml with its content type, related from the document, shown by a w:drawing
        (wp:inline, c:chart r:id) in its own centred paragraph, as wide as the template's body text."""
        parts = _parts(report)
        types = ET.fromstring(parts["[Content_Types].xml"])
        overrides = {o.get("PartName"): o.get("ContentType") for o in types.findall("ct:Override", NS)}
        defaults = {d.get("Extension"): d.get("ContentType") for d in types.findall("ct:Default", NS)}
        assert overrides["/word/charts/chart1.xml"] == chart.CT_CHART
        assert overrides.get("/word/embeddings/Microsoft_Excel_Worksheet1.xlsx", defaults.get("xlsx")) == chart.CT_XLSX
        rels = _rels(parts["word/_rels/document.xml.rels"])
        (rid,) = [k for k, (kind, target) in rels.items() if kind == chart.RT_CHART]
        assert rels[rid][1] == "charts/chart1.xml"
        body = ET.fromstring(parts["word/document.xml"])
        (inline,) = body.iter(q("wp:inline"))
        assert [short(e.tag) for e in inline] == ["wp:extent", "wp:effectExtent", "wp:docPr", "wp:cNvGraphicFramePr",
                                                  "a:graphic"]
        (graphic_data,) = inline.iter(q("a:graphicData"))
        assert graphic_data.get("uri") == chart.C_NS
        assert graphic_data.find("c:chart", NS).get(R_ID) == rid
        extent = inline.find("wp:extent", NS)
        assert int(extent.get("cx")) == TEXT_WIDTH * 635  # twips to EMU: the body's full width
        assert 0.4 < int(extent.get("cy")) / int(extent.get("cx")) < 0.7
        # python-docx opens the report and sees the relationship (Word's own reader is stricter: see the
        # schema test below)
        assert [r.reltype for r in Document(str(report)).part.rels.values()].count(chart.RT_CHART) == 1

    def test_cached_numbers_are_the_scorecards(self, report: Path, card: Scorecard) -> None:
        """c:cat and c:val caches hold each 一级指标 and its 得分/分值, in the framework's order."""
        space = _chart_of(_parts(report))
        (series,) = space.iter(q("c:ser"))
        names = [v.text for v in series.findall("c:cat/c:strRef/c:strCache/c:pt/c:v", NS)]
        values = [float(v.text) for v in series.findall("c:val/c:numRef/c:numCache/c:pt/c:v", NS)]
        assert names == [c.name for c in card.categories] and len(names) == 9
        assert values == pytest.approx([float(c.score / c.points) for c in card.categories])
        assert values[0] == 0.99 and values[5] == pytest.approx(8.65 / 9)  # 整体效能 49.5/50, 采购管理 8.65/9
        assert series.find("c:tx/c:strRef/c:strCache/c:pt/c:v", NS).text == chart.SERIES
        assert series.find("c:cat/c:strRef/c:f", NS).text == "Sheet1!$A$2:$A$10"
        assert series.find("c:val/c:numRef/c:f", NS).text == "Sheet1!$D$2:$D$10"

    def test_embedded_workbook_holds_the_same_numbers(self, report: Path, card: Scorecard) -> None:
        """The workbook 编辑数据 opens: related from the chart (c:externalData), read by openpyxl, with 一级指标,
        得分, 分值 and 得分率 as a formula whose cached value is the chart's."""
        parts = _parts(report)
        rels = _rels(parts["word/charts/_rels/chart1.xml.rels"])
        external = _chart_of(parts).find("c:externalData", NS)
        kind, target = rels[external.get(R_ID)]
        assert kind == chart.RT_PACKAGE and target == "../embeddings/Microsoft_Excel_Worksheet1.xlsx"
        data = parts["word/embeddings/Microsoft_Excel_Worksheet1.xlsx"]
        values = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
        formulas = openpyxl.load_workbook(io.BytesIO(data))
        assert values.sheetnames == ["Sheet1"]
        rows = list(values["Sheet1"].iter_rows(values_only=True))
        assert rows[0] == chart.HEADERS
        assert [(name, Decimal(str(score)), Decimal(str(points))) for name, score, points, _ in rows[1:]] == [
            (c.name, c.score, c.points) for c in card.categories]
        assert [share for *_, share in rows[1:]] == pytest.approx([float(c.share) for c in card.categories])
        assert [row[3] for row in formulas["Sheet1"].iter_rows(min_row=2, values_only=True)] == [
            f"=B{r}/C{r}" for r in range(2, 11)]
        assert formulas["Sheet1"]["D2"].number_format == "0%"

    def test_chart_xml_follows_the_schema_order(self, report: Path) -> None:
        """Every element of the chart part has only children the schema allows there, in the schema's order
        (Word refuses a chart whose elements are out of order; LibreOffice does not tell)."""
        space = _chart_of(_parts(report))
        problems = _schema_problems(space)
        assert not problems
        assert len(space.findall(".//c:barChart/c:axId", NS)) == 2

    def test_same_skeleton_as_python_pptx(self, report: Path, card: Scorecard) -> None:
        """python-pptx's tested writer, given the same bar chart, writes no element that ours lacks, and the
        elements both write come in the same order."""
        from pptx.chart.data import CategoryChartData
        from pptx.chart.xmlwriter import ChartXmlWriter
        from pptx.enum.chart import XL_CHART_TYPE

        data = CategoryChartData(number_format=chart.PERCENT)
        data.categories = [c.name for c in card.categories]
        data.add_series(chart.SERIES, [float(c.share) for c in card.categories])
        theirs = ET.fromstring(ChartXmlWriter(XL_CHART_TYPE.BAR_CLUSTERED, data).xml.encode("utf-8"))
        ours = _chart_of(_parts(report))

        def compare(mine: ET.Element, other: ET.Element, path: str) -> list[str]:
            found = []
            mine_tags = [c.tag for c in mine]
            common = [c.tag for c in other if c.tag in mine_tags]
            if [t for t in mine_tags if t in common] != common:
                found.append(f"{path}: order {[short(t) for t in mine_tags]} against {[short(t) for t in common]}")
            for child in other:
                twin = mine.find(child.tag)
                if twin is None:
                    found.append(f"{path}/{short(child.tag)} missing")
                elif child.tag not in (q("c:v"), q("c:pt")):
                    found += compare(twin, child, f"{path}/{short(child.tag)}")
            return found

        assert not compare(ours, theirs, "c:chartSpace")

    def test_chinese_fonts_and_one_title(self, report: Path) -> None:
        """Text in 宋体 (Times New Roman for digits), the title in 黑体; the title stands once, in the chart
        (the template's text does not repeat it as a caption)."""
        space = _chart_of(_parts(report))
        fonts = space.find("c:txPr/a:p/a:pPr/a:defRPr", NS)
        assert fonts.find("a:ea", NS).get("typeface") == "宋体"
        assert fonts.find("a:latin", NS).get("typeface") == "Times New Roman"
        title = space.find("c:chart/c:title", NS)
        assert "".join(t.text for t in title.iter(q("a:t"))) == chart.TITLE
        assert {e.get("typeface") for e in title.iter(q("a:ea"))} == {"黑体"}
        assert chart.TITLE not in "\n".join(p.text for p in Document(str(report)).paragraphs)

    def test_report_command_imports_neither_matplotlib_nor_python_pptx(self, tmp_path: Path,
                                                                         example_workbook: Path) -> None:
        """`xlperf report` loads no plotting library and not python-pptx (whose import alone costs half a
        docxtpl render), and still makes the chart."""
        out = tmp_path / "报告.docx"
        code = ("import sys\nfrom xlperf.cli import main\n"
                f"assert main(['report', {str(example_workbook)!r}, '-o', {str(out)!r}]) == 0\n"
                "print(sorted(m for m in ('matplotlib', 'PIL', 'pptx') if m in sys.modules))")
        run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        assert run.stdout.strip().splitlines()[-1] == "[]"
        assert "word/charts/chart1.xml" in _parts(out)

    def test_chart_false_gives_no_chart(self, tmp_path: Path, example_workbook: Path) -> None:
        """A framework with `[report] chart = false`: no chart part, no workbook, no drawing."""
        toml = (SHIPPED_DIR / "gz-baiyun-2022.toml").read_text(encoding="utf-8")
        assert "\nchart = true" in toml
        (tmp_path / "无图.toml").write_text(toml.replace("\nchart = true", "\nchart = false"), encoding="utf-8")
        shutil.copy(SHIPPED_DIR / "gz-baiyun.docx", tmp_path / "gz-baiyun.docx")
        out = tmp_path / "报告.docx"
        assert main(["report", str(example_workbook), "--framework", str(tmp_path / "无图.toml"), "-o", str(out)]) == 0
        parts = _parts(out)
        assert not [name for name in parts if "chart" in name or "embeddings" in name]
        assert b"<w:drawing" not in parts["word/document.xml"] and b"/chart" not in parts["word/_rels/document.xml.rels"]


class TestRendered:
    @pytest.mark.libreoffice
    def test_libreoffice_draws_the_chart_and_recalculates_its_data(self, report: Path, card: Scorecard,
                                                                    tmp_path: Path) -> None:
        """The PDF's chart page carries the title, every 一级指标, the 0–100% scale and the values; the
        embedded workbook, recalculated by LibreOffice Calc, gives the same 得分率."""
        from xlperf.report.pdf import convert_to_pdf, libreoffice_available

        if not libreoffice_available() or shutil.which("pdftotext") is None:
            pytest.fail("LibreOffice or pdftotext is missing: scripts/test.sh installs them")
        pdf = convert_to_pdf(report, tmp_path / "报告.pdf")
        pages = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                               check=True).stdout.split("\f")
        (page,) = [p for p in pages if chart.TITLE in p]
        words = page.split()
        start = words.index(chart.TITLE)
        assert [w for w in words[start:] if w in {c.name for c in card.categories}][:9] == [
            c.name for c in card.categories]
        assert [w for w in words[start:] if w.endswith("%")][:11] == [
            "99%", *["100%"] * 4, "96%", *["100%"] * 3, "0%", "20%"]  # the values, then the scale
        workbook = tmp_path / "数据.xlsx"
        workbook.write_bytes(_parts(report)["word/embeddings/Microsoft_Excel_Worksheet1.xlsx"])
        (saved,) = recalculated([workbook], tmp_path / "calc")
        shares = [row[3] for row in openpyxl.load_workbook(saved, data_only=True).active.iter_rows(
            min_row=2, values_only=True)]
        assert shares == pytest.approx([float(c.share) for c in card.categories])


class TestRows:
    def test_pending_and_unscored_categories(self, card: Scorecard) -> None:
        """Indicators not yet scorable count 0 and say 待补; a category without 分值 has no bar and says 不计分."""
        assert chart.chart_rows(card)[0] == chart.ChartRow("整体效能", Decimal("49.5"), Decimal(50), 0.99)
        empty = score_year(card.framework, DepartmentYear("测试", 2023, card.framework.id))
        assert chart.chart_rows(empty)[0] == chart.ChartRow("整体效能（待补）", Decimal(0), Decimal(50), 0.0)
        odd = dataclasses.replace(card, categories=(CategoryScore("不适用", Decimal(0), Decimal(0)),
                                                    CategoryScore("其他", Decimal(1), Decimal(1))))
        rows = chart.chart_rows(odd)
        assert [(r.label, r.share) for r in rows] == [("不适用（不计分）", None), ("其他", 1.0)]
        space = ET.fromstring(chart.chart_xml(rows, *chart.chart_size(rows, chart.DEFAULT_WIDTH_EMU)))
        cache = space.find(".//c:val/c:numRef/c:numCache", NS)
        assert cache.find("c:ptCount", NS).get("val") == "2"
        assert [p.get("idx") for p in cache.findall("c:pt", NS)] == ["1"]  # no bar for 不计分
        sheet = openpyxl.load_workbook(io.BytesIO(chart.data_workbook(rows)), data_only=True).active
        assert list(sheet.iter_rows(min_row=2, values_only=True)) == [("不适用（不计分）", 0, 0, None), ("其他", 1, 1, 1)]

    def test_names_are_escaped_and_bytes_are_stable(self) -> None:
        """A category named with XML's special characters reads back as written, in the chart and in the
        workbook; the same rows give the same bytes."""
        rows = [chart.ChartRow('研发&创新<"重点">', Decimal("7.5"), Decimal(10), 0.75)]
        xml = chart.chart_xml(rows, *chart.chart_size(rows, chart.DEFAULT_WIDTH_EMU))
        assert ET.fromstring(xml).find(".//c:cat//c:v", NS).text == '研发&创新<"重点">'
        book = chart.data_workbook(rows)
        assert openpyxl.load_workbook(io.BytesIO(book)).active["A2"].value == '研发&创新<"重点">'
        assert chart.data_workbook(rows) == book and not _schema_problems(ET.fromstring(xml))


# The content models (xsd:sequence, in order) of ECMA-376 Part 1, dml-chart.xsd and dml-main.xsd, for the
# elements the chart uses; a tuple is one place in the sequence taken by any of its members (xsd:choice).
_FILL = ("a:noFill", "a:solidFill", "a:gradFill", "a:blipFill", "a:pattFill", "a:grpFill")
_AXIS = ["c:axId", "c:scaling", "c:delete", "c:axPos", "c:majorGridlines", "c:minorGridlines", "c:title", "c:numFmt",
         "c:majorTickMark", "c:minorTickMark", "c:tickLblPos", "c:spPr", "c:txPr", "c:crossAx",
         ("c:crosses", "c:crossesAt")]
_TEXT_RUN = ["a:ln", _FILL, ("a:effectLst", "a:effectDag"), "a:highlight", ("a:uLnTx", "a:uLn"), ("a:uFillTx", "a:uFill"),
             "a:latin", "a:ea", "a:cs", "a:sym", "a:hlinkClick", "a:hlinkMouseOver", "a:rtl", "a:extLst"]
_BODY = ["a:bodyPr", "a:lstStyle", "a:p"]
SCHEMA: dict[str, list[str | tuple[str, ...]]] = {
    "c:chartSpace": ["c:date1904", "c:lang", "c:roundedCorners", "c:style", "c:clrMapOvr", "c:pivotSource",
                     "c:protection", "c:chart", "c:spPr", "c:txPr", "c:externalData", "c:printSettings",
                     "c:userShapes", "c:extLst"],
    "c:chart": ["c:title", "c:autoTitleDeleted", "c:pivotFmts", "c:view3D", "c:floor", "c:sideWall", "c:backWall",
                "c:plotArea", "c:legend", "c:plotVisOnly", "c:dispBlanksAs", "c:showDLblsOverMax", "c:extLst"],
    "c:title": ["c:tx", "c:layout", "c:overlay", "c:spPr", "c:txPr", "c:extLst"],
    "c:tx": [("c:strRef", "c:rich", "c:v")],
    "c:rich": _BODY, "c:txPr": _BODY,
    "c:layout": ["c:manualLayout", "c:extLst"],
    "c:manualLayout": ["c:layoutTarget", "c:xMode", "c:yMode", "c:wMode", "c:hMode", "c:x", "c:y", "c:w", "c:h",
                       "c:extLst"],
    "c:plotArea": ["c:layout", ("c:barChart", "c:bar3DChart", "c:lineChart", "c:pieChart", "c:areaChart"),
                   ("c:catAx", "c:valAx", "c:dateAx", "c:serAx"), "c:dTable", "c:spPr", "c:extLst"],
    "c:barChart": ["c:barDir", "c:grouping", "c:varyColors", "c:ser", "c:dLbls", "c:gapWidth", "c:overlap",
                   "c:serLines", "c:axId", "c:extLst"],
    "c:ser": ["c:idx", "c:order", "c:tx", "c:spPr", "c:invertIfNegative", "c:pictureOptions", "c:dPt", "c:dLbls",
              "c:trendline", "c:errBars", "c:cat", "c:val", "c:shape", "c:extLst"],
    "c:dLbls": ["c:dLbl", "c:delete", "c:numFmt", "c:spPr", "c:txPr", "c:dLblPos", "c:showLegendKey", "c:showVal",
                "c:showCatName", "c:showSerName", "c:showPercent", "c:showBubbleSize", "c:separator",
                "c:showLeaderLines", "c:leaderLines", "c:extLst"],
    "c:cat": [("c:multiLvlStrRef", "c:numRef", "c:numLit", "c:strRef", "c:strLit")],
    "c:val": [("c:numRef", "c:numLit")],
    "c:strRef": ["c:f", "c:strCache", "c:extLst"],
    "c:numRef": ["c:f", "c:numCache", "c:extLst"],
    "c:strCache": ["c:ptCount", "c:pt", "c:extLst"],
    "c:numCache": ["c:formatCode", "c:ptCount", "c:pt", "c:extLst"],
    "c:pt": ["c:v"],
    "c:catAx": [*_AXIS, "c:auto", "c:lblAlgn", "c:lblOffset", "c:tickLblSkip", "c:tickMarkSkip", "c:noMultiLvlLbl",
                "c:extLst"],
    "c:valAx": [*_AXIS, "c:crossBetween", "c:majorUnit", "c:minorUnit", "c:dispUnits", "c:extLst"],
    "c:scaling": ["c:logBase", "c:orientation", "c:max", "c:min", "c:extLst"],
    "c:majorGridlines": ["c:spPr"],
    "c:externalData": ["c:autoUpdate"],
    "c:spPr": ["a:xfrm", _FILL, "a:ln", ("a:effectLst", "a:effectDag"), "a:scene3d", "a:sp3d", "a:extLst"],
    "a:ln": [_FILL, ("a:prstDash", "a:custDash"), ("a:round", "a:bevel", "a:miter"), "a:headEnd", "a:tailEnd",
             "a:extLst"],
    "a:solidFill": [("a:scrgbClr", "a:srgbClr", "a:hslClr", "a:sysClr", "a:schemeClr", "a:prstClr")],
    "a:p": ["a:pPr", ("a:r", "a:br", "a:fld"), "a:endParaRPr"],
    "a:pPr": ["a:lnSpc", "a:spcBef", "a:spcAft", "a:defRPr", "a:extLst"],
    "a:r": ["a:rPr", "a:t"],
    "a:defRPr": _TEXT_RUN, "a:rPr": _TEXT_RUN,
}
_SINGLE = {"c:plotArea": set(), "c:barChart": {"c:ser", "c:axId"}, "c:strCache": {"c:pt"}, "c:numCache": {"c:pt"},
           "a:p": {"a:r", "a:br", "a:fld"}}


def _schema_problems(root: ET.Element) -> list[str]:
    problems = []
    for element in root.iter():
        name = short(element.tag)
        model = SCHEMA.get(name)
        if model is None:
            continue
        places = {tag: i for i, place in enumerate(model) for tag in ((place,) if isinstance(place, str) else place)}
        seen = [short(child.tag) for child in element]
        unknown = [t for t in seen if t not in places]
        ranks = [places[t] for t in seen if t in places]
        repeated = {t for t in seen if seen.count(t) > 1} - _SINGLE.get(name, set()) - (
            {t for t in seen if t.endswith(("Chart", "Ax"))} if name == "c:plotArea" else set())
        if unknown or ranks != sorted(ranks) or repeated:
            problems.append(f"{name}: {seen}")
    return problems
