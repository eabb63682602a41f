"""The shipped Word template: a fresh build, its GB/T 9704 format as rendered, its tags, and its checker.

Format checks read the RENDERED example report (docxtpl, autoescape on), resolving each property
through direct formatting, the paragraph style, the styles it is based on and the document defaults,
as Word does. The PDF check fails (never skips) without LibreOffice: CI installs it.
"""

from __future__ import annotations

import copy
import io
import re
import shutil
import struct
import subprocess
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from docxtpl import DocxTemplate, InlineImage

from xlperf._open import example_year
from xlperf.core.engine import score_year
from xlperf.core.narrative import report_context
from xlperf.report import template_builder as builder
from xlperf.report.template_check import TemplateError, check_template, validate_template

TEMPLATE = builder.TEMPLATE
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
CM = 567  # twips per centimetre
OUTLINE_1 = ["一、基本情况", "二、综合评价分析", "三、存在的主要问题", "四、下一步改进措施"]
OUTLINE_2 = ["（一）部门概况", "（二）年度总体工作和重点工作任务", "（三）部门整体收支情况", "（四）部门整体绩效管理情况",
             "（一）自评结论综述", "（二）各项工作任务绩效目标完成情况分析", "（三）各重点任务项目支出完成情况分析",
             "（四）主要工作成效"]


# ---------------------------------------------------------------- helpers

@pytest.fixture(scope="module")
def example_context() -> dict[str, Any]:
    year, fw = example_year()
    context = report_context(score_year(fw, year))
    context["chart"] = ""
    return context


def render(context: dict[str, Any], out: Path, template: Path = TEMPLATE) -> Any:
    """Render `template` with `context` as the renderer does (autoescape on) and reopen the result."""
    tpl = DocxTemplate(str(template))
    if context.get("chart") == "png":
        context = dict(context, chart=InlineImage(tpl, io.BytesIO(_tiny_png()), width=builder.TEXT_WIDTH * 635))
    tpl.render(context, autoescape=True)
    tpl.save(str(out))
    return Document(str(out))


def _tiny_png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 40, 20, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"".join(b"\x00" + b"\x80\x80\x80" * 40 for _ in range(20))))
            + chunk(b"IEND", b""))


class Styles:
    """Word's property resolution: direct formatting, then the style and its bases, then the defaults."""

    def __init__(self, doc: Any) -> None:
        self.root = doc.styles.element
        self.by_id = {s.get(f"{W}styleId"): s for s in self.root.iter(f"{W}style")}

    def chain(self, style_id: str | None) -> list[Any]:
        out = []
        while style_id and style_id in self.by_id:
            style = self.by_id[style_id]
            out.append(style)
            based = style.find(f"{W}basedOn")
            style_id = based.get(f"{W}val") if based is not None else None
        return out

    @staticmethod
    def style_of(p: Any) -> str:
        ps = p.find(f"{W}pPr/{W}pStyle")
        return ps.get(f"{W}val") if ps is not None else "Normal"

    def ppr(self, p: Any, tag: str) -> Any:
        for holder in [p.find(f"{W}pPr"), *(s.find(f"{W}pPr") for s in self.chain(self.style_of(p))),
                       self.root.find(f"{W}docDefaults/{W}pPrDefault/{W}pPr")]:
            if holder is not None and holder.find(f"{W}{tag}") is not None:
                return holder.find(f"{W}{tag}")
        return None

    def rpr(self, p: Any, r: Any, tag: str, attr: str) -> str | None:
        holders = [r.find(f"{W}rPr"), *(s.find(f"{W}rPr") for s in self.chain(self.style_of(p))),
                   self.root.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr")]
        for holder in holders:
            el = holder.find(f"{W}{tag}") if holder is not None else None
            if el is not None and el.get(f"{W}{attr}") is not None:
                return el.get(f"{W}{attr}")
        return None


def text_of(p: Any) -> str:
    return "".join(t.text or "" for t in p.iter(f"{W}t"))


def body_paragraphs(doc: Any) -> list[Any]:
    """Top-level paragraphs of the body (not those in table cells), in order."""
    return list(doc.element.body.iterchildren(f"{W}p"))


def text_runs(p: Any) -> list[Any]:
    return [r for r in p.iter(f"{W}r") if r.find(f"{W}t") is not None and (r.find(f"{W}t").text or "")]


def footers(doc: Any) -> dict[str, Any]:
    section = doc.sections[0]
    return {"odd": section.footer._element, "even": section.even_page_footer._element}


def variant(tmp_path: Path, *replacements: tuple[str, str], name: str = "variant.docx") -> Path:
    """A copy of the shipped template with text of word/document.xml replaced (each once)."""
    out = tmp_path / name
    with zipfile.ZipFile(TEMPLATE) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "word/document.xml":
                xml = data.decode("utf-8")
                for old, new in replacements:
                    assert old in xml, old
                    xml = xml.replace(old, new, 1)
                data = xml.encode("utf-8")
            dst.writestr(item, data)
    return out


@pytest.fixture(scope="module")
def rendered(example_context: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Any:
    return render(copy.deepcopy(example_context), tmp_path_factory.mktemp("rendered") / "example.docx")


# ---------------------------------------------------------------- the shipped file

class TestShippedTemplate:
    def test_shipped_template_is_a_fresh_build(self) -> None:
        """frameworks/gz-baiyun.docx holds exactly what template_builder builds now."""
        hint = "模板已过期：请运行 `python -m xlperf.report.template_builder` 重新生成并提交 gz-baiyun.docx"
        assert TEMPLATE.is_file(), hint
        with zipfile.ZipFile(TEMPLATE) as shipped, zipfile.ZipFile(io.BytesIO(builder.build_template())) as fresh:
            assert shipped.namelist() == fresh.namelist(), hint
            for name in fresh.namelist():
                assert shipped.read(name) == fresh.read(name), f"{name}: {hint}"

    def test_two_builds_are_byte_identical(self) -> None:
        """Building twice gives the same bytes (sorted entries, fixed times, fixed core properties)."""
        first = builder.build_template()
        assert builder.build_template() == first
        with zipfile.ZipFile(io.BytesIO(first)) as z:
            assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
            assert z.namelist() == sorted(z.namelist())
            assert b"2024-01-01T00:00:00Z" in z.read("docProps/core.xml")

    def test_template_is_package_data(self) -> None:
        """pyproject ships frameworks/*.docx (the frameworks' report templates) with the package."""
        pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
        assert '"frameworks/*.docx"' in pyproject.read_text(encoding="utf-8")

    def test_every_tag_is_known_and_whole(self) -> None:
        """The shipped template uses only names the report provides, and renders with no tag left over."""
        assert check_template(TEMPLATE) == []
        validate_template(TEMPLATE)

    def test_fonts_have_fallbacks_in_the_font_table(self) -> None:
        """仿宋_GB2312, 楷体_GB2312 and 方正小标宋简体 name a font Word takes when they are missing."""
        with zipfile.ZipFile(TEMPLATE) as z:
            fonts = z.read("word/fontTable.xml").decode("utf-8")
        for font, alt in (("仿宋_GB2312", "仿宋"), ("楷体_GB2312", "楷体"), ("方正小标宋简体", "宋体")):
            assert re.search(rf'w:name="{font}"><w:altName w:val="{alt}"/><w:panose1 [^>]+/><w:charset w:val="86"/>',
                             fonts), font


# ---------------------------------------------------------------- the rendered format

class TestPage:
    def test_a4_with_gb_margins(self, rendered: Any) -> None:
        """A4; margins top 3.7 cm, bottom 3.5 cm, left 2.8 cm, right 2.6 cm (to the twip Word stores)."""
        sect = rendered.element.body.find(f"{W}sectPr")
        size, mar = sect.find(f"{W}pgSz"), sect.find(f"{W}pgMar")
        assert (int(size.get(f"{W}w")), int(size.get(f"{W}h"))) == (11906, 16838)
        for side, cm in (("top", 3.7), ("bottom", 3.5), ("left", 2.8), ("right", 2.6)):
            assert abs(int(mar.get(f"{W}{side}")) - cm * CM) <= 1, side
        section = rendered.sections[0]
        assert abs(section.page_width.cm - 21.0) < 0.01 and abs(section.page_height.cm - 29.7) < 0.01

    def test_page_numbers_in_the_footer(self, rendered: Any) -> None:
        """Odd pages "— n —" right, even pages left: a PAGE field between dashes, 4号 (14 pt) 宋体."""
        styles = Styles(rendered)
        settings = rendered.settings.element
        assert settings.find(f"{W}evenAndOddHeaders") is not None
        for which, align in (("odd", "right"), ("even", "left")):
            footer = footers(rendered)[which]
            (p,) = footer.findall(f"{W}p")
            assert "".join(i.text for i in p.iter(f"{W}instrText")).strip() == "PAGE"
            kinds = [f.get(f"{W}fldCharType") for f in p.iter(f"{W}fldChar")]
            assert kinds == ["begin", "separate", "end"]
            assert re.fullmatch(r"— \d+ —", text_of(p)), text_of(p)
            assert styles.ppr(p, "jc").get(f"{W}val") == align
            for r in p.iter(f"{W}r"):
                assert styles.rpr(p, r, "rFonts", "eastAsia") == "宋体"
                assert styles.rpr(p, r, "sz", "val") == "28"


class TestParagraphFormat:
    def test_body_is_16pt_fangsong_with_fixed_28pt_lines_and_two_character_indent(self, rendered: Any) -> None:
        """Every body paragraph: 3号 仿宋_GB2312 (w:eastAsia), Times New Roman digits, exact 28 pt, 2-char indent."""
        styles = Styles(rendered)
        body = [p for p in body_paragraphs(rendered) if styles.style_of(p) == "Normal" and text_of(p)]
        assert len(body) > 100
        for p in body:
            spacing = styles.ppr(p, "spacing")
            assert (spacing.get(f"{W}line"), spacing.get(f"{W}lineRule")) == ("560", "exact"), text_of(p)
            ind = styles.ppr(p, "ind")
            assert (ind.get(f"{W}firstLineChars"), ind.get(f"{W}firstLine")) == ("200", "640"), text_of(p)
            for r in text_runs(p):
                assert r.find(f"{W}rPr/{W}rFonts").get(f"{W}eastAsia") == "仿宋_GB2312", text_of(p)
                assert styles.rpr(p, r, "rFonts", "ascii") == "Times New Roman"
                assert styles.rpr(p, r, "rFonts", "hAnsi") == "Times New Roman"
                assert styles.rpr(p, r, "sz", "val") == "32"

    def test_title_is_22pt_xiaobiaosong_centred(self, rendered: Any, example_context: dict[str, Any]) -> None:
        """The first paragraph is the title: 2号 方正小标宋简体, centred, no indent, broken after the department."""
        styles = Styles(rendered)
        title = body_paragraphs(rendered)[0]
        assert styles.style_of(title) == "Title"
        assert styles.ppr(title, "jc").get(f"{W}val") == "center"
        assert styles.ppr(title, "ind").get(f"{W}firstLine") == "0"
        runs = text_runs(title)
        assert "".join(r.find(f"{W}t").text for r in runs) == example_context["title"]
        assert title.find(f".//{W}br") is not None
        for r in runs:
            assert styles.rpr(title, r, "rFonts", "eastAsia") == "方正小标宋简体"
            assert styles.rpr(title, r, "sz", "val") == "44"

    def test_title_that_does_not_start_with_the_department_stays_whole(
            self, example_context: dict[str, Any], tmp_path: Path) -> None:
        """A title not led by the department's name (or no department) is printed as given, in one piece."""
        context = dict(copy.deepcopy(example_context), title="某某单位自评报告")
        title = body_paragraphs(render(context, tmp_path / "t.docx"))[0]
        assert text_of(title) == "某某单位自评报告" and title.find(f".//{W}br") is None
        assert Styles.style_of(title) == "Title"

    def test_headings_in_heiti_and_kaiti(self, rendered: Any) -> None:
        """一、 headings are 3号 黑体, （一） headings 3号 楷体_GB2312, in the seed's order, indented like the body."""
        styles = Styles(rendered)
        found: dict[str, list[str]] = {"Heading1": [], "Heading2": []}
        for p in body_paragraphs(rendered):
            style = styles.style_of(p)
            if style in found:
                found[style].append(text_of(p))
                font = {"Heading1": "黑体", "Heading2": "楷体_GB2312"}[style]
                for r in text_runs(p):
                    assert r.find(f"{W}rPr/{W}rFonts").get(f"{W}eastAsia") == font
                    assert styles.rpr(p, r, "sz", "val") == "32"
                assert styles.ppr(p, "ind").get(f"{W}firstLineChars") == "200"
                assert styles.ppr(p, "keepNext") is not None
        assert found == {"Heading1": OUTLINE_1, "Heading2": OUTLINE_2}

    def test_every_run_and_style_names_its_east_asian_font(self, rendered: Any) -> None:
        """w:eastAsia is set on every run with text (body, tables, footers) and on every style's fonts."""
        parts = [rendered.element.body, *footers(rendered).values()]
        for part in parts:
            for r in part.iter(f"{W}r"):
                if r.find(f"{W}t") is not None or r.find(f"{W}br") is not None:
                    fonts = r.find(f"{W}rPr/{W}rFonts")
                    assert fonts is not None and fonts.get(f"{W}eastAsia"), text_of(r)
        for fonts in rendered.styles.element.iter(f"{W}rFonts"):
            assert fonts.get(f"{W}eastAsia") and fonts.get(f"{W}ascii")

    def test_no_tag_is_left(self, rendered: Any) -> None:
        """No Jinja bracket survives rendering, in the body, the table or the footers."""
        for part in [rendered.element.body, *footers(rendered).values()]:
            for p in part.iter(f"{W}p"):
                assert not re.search(r"\{\{|\{%|%\}|\}\}", text_of(p)), text_of(p)

    def test_no_blank_paragraphs_in_a_row(self, rendered: Any) -> None:
        """Loops leave no empty paragraphs behind: never two in a row, so never a blank page."""
        blank = [not text_of(p) and p.find(f".//{W}drawing") is None for p in body_paragraphs(rendered)]
        assert not any(a and b for a, b in zip(blank, blank[1:]))
        assert sum(blank) <= 1  # only the 1 pt paragraph Word needs after the closing table


class TestContent:
    def test_labels_lead_their_lists(self, rendered: Any, example_context: dict[str, Any]) -> None:
        """"总体目标：" opens the first goal, 重点工作/预算完成 labels stand before their lists, as in the seed."""
        texts = [text_of(p) for p in body_paragraphs(rendered)]
        assert "总体目标：" + example_context["goals"][0] in texts
        assert "总体工作：" + example_context["annual_work"][0] in texts
        for label, key in (("重点工作任务完成情况：", "key_tasks"), ("本部门整体绩效支出目标：", "performance_goals"),
                           ("本部门2022年预算完成情况：", "outputs_done"), ("部门整体收支规模和支出进度：", "finance")):
            first = example_context[key] if isinstance(example_context[key], str) else example_context[key][0]
            assert texts[texts.index(label) + 1] == first
        assert example_context["conclusion_score"] in texts

    def test_only_lead_ins_keep_with_the_next_line(self, rendered: Any, example_context: dict[str, Any]) -> None:
        """A department's line that ends in "：" ("（b）质量指标完成情况：") stays on the page of what it introduces;
        its other lines run on freely, so no page ends early for them."""
        styles = Styles(rendered)
        copied = [line for p in example_context["projects"] for part in ("outputs", "benefits", "satisfaction")
                  for line in p[part]]
        copied += [line for key in ("overview", "key_tasks", "outputs_done", "management") for line in example_context[key]]
        by_text = {text_of(p): p for p in body_paragraphs(rendered)}
        lead_ins = [line for line in copied if line.endswith("：")]
        assert "（b）质量指标完成情况：" in lead_ins
        assert all(styles.ppr(by_text[line], "keepNext") is not None for line in lead_ins)
        assert all(styles.ppr(by_text[line], "keepNext") is None for line in copied if not line.endswith("："))

    def test_indicators_and_projects_in_order(self, rendered: Any, example_context: dict[str, Any]) -> None:
        """Each 一级指标 line, then per indicator its heading, rule and explanations; each project's three parts."""
        texts = [text_of(p) for p in body_paragraphs(rendered)]
        expected = []
        for c in example_context["categories"]:
            expected.append(f"{c['number']}、{c['name']}")
            for i in c["indicators"]:
                expected += [i["number"] + i["heading"], *([i["rule"]] if i["rule"] else []), *i["explanation"]]
        start = texts.index("（二）各项工作任务绩效目标完成情况分析") + 1
        assert texts[start:start + len(expected)] == expected
        for p in example_context["projects"]:
            at = texts.index(f"{p['number']}、{p['name']}：")
            assert texts[at + 1] == "（1）项目产出完成情况分析。"
            assert texts[at + 2:at + 2 + len(p["outputs"])] == p["outputs"]

    def test_markup_and_tags_in_department_text_come_out_literally(
            self, example_context: dict[str, Any], tmp_path: Path) -> None:
        """<, >, & and {{ }} typed by a department are printed as typed, in the title, body and table."""
        context = copy.deepcopy(example_context)
        context["department"] = "<a & b>局"
        context["title"] = "<a & b>局2022年度部门整体支出绩效自评报告"
        context["overview"] = ["经费 < 需求 & 渠道 > 0", "{{ x }} 与 {% if y %} 原样输出"]
        context["appendix"][2]["reason"] = "支出率 < 100% & 有 {{ 标签 }}"
        doc = render(context, tmp_path / "m.docx")
        texts = [text_of(p) for p in doc.element.body.iter(f"{W}p")]
        assert texts[0] == context["title"]
        assert "经费 < 需求 & 渠道 > 0" in texts and "{{ x }} 与 {% if y %} 原样输出" in texts
        assert "支出率 < 100% & 有 {{ 标签 }}" in texts

    def test_empty_lists_leave_nothing(self, example_context: dict[str, Any], tmp_path: Path) -> None:
        """With no department texts, projects or rows, labels and loops vanish without blank paragraphs."""
        context = copy.deepcopy(example_context)
        for key, value in list(context.items()):
            if isinstance(value, list):
                context[key] = []
        context["finance"] = ""
        doc = render(context, tmp_path / "empty.docx")
        texts = [text_of(p) for p in body_paragraphs(doc)]
        for label in ("总体目标", "重点工作任务完成情况：", "本部门整体绩效支出目标：", "部门整体收支规模和支出进度：",
                      "待核实"):
            assert not any(label in t for t in texts), label
        assert [t for t in texts if t.startswith(("一、", "二、", "三、", "四、"))] == OUTLINE_1
        assert sum(1 for t in texts if not t) <= 1
        assert len(doc.tables[0].rows) == 3  # header, 合计, 等级

    def test_pending_findings_are_boxed_under_the_title(self, example_context: dict[str, Any],
                                                        tmp_path: Path) -> None:
        """待核实 findings come right after the title, bold, inside a border, then one blank line."""
        context = dict(copy.deepcopy(example_context), pending=["E101 评分表!H14：扣分原因为空", "W2 <b> & c"])
        doc = render(context, tmp_path / "pending.docx")
        styles = Styles(doc)
        paragraphs = body_paragraphs(doc)
        boxed = paragraphs[1:4]
        assert [styles.style_of(p) for p in boxed] == ["Pending"] * 3
        assert text_of(boxed[0]).startswith("待核实") and [text_of(p) for p in boxed[1:]] == context["pending"]
        for p in boxed:
            assert styles.ppr(p, "pBdr") is not None
            assert all(styles.rpr(p, r, "b", "val") in (None, "1", "true") and
                       any(s.find(f"{W}rPr/{W}b") is not None for s in styles.chain("Pending"))
                       for r in text_runs(p))
        assert text_of(paragraphs[4]) == "" and text_of(paragraphs[5]) == "一、基本情况"

    def test_chart_is_centred_on_its_own_paragraph(self, example_context: dict[str, Any], tmp_path: Path) -> None:
        """The chart sits after the 自评结论 in a centred paragraph whose lines are not fixed (no clipping)."""
        doc = render(dict(copy.deepcopy(example_context), chart="png"), tmp_path / "chart.docx")
        styles = Styles(doc)
        paragraphs = body_paragraphs(doc)
        (chart,) = [p for p in paragraphs if p.find(f".//{W}drawing") is not None]
        assert text_of(paragraphs[paragraphs.index(chart) - 1]) == example_context["conclusion_score"]
        assert styles.ppr(chart, "jc").get(f"{W}val") == "center"
        assert styles.ppr(chart, "spacing").get(f"{W}lineRule") == "auto"
        assert styles.ppr(chart, "ind").get(f"{W}firstLine") == "0"


class TestAppendixTable:
    def test_table_follows_a_page_break_and_has_grid_widths(self, rendered: Any) -> None:
        """附件 starts a new page; the table's columns have w:gridCol widths filling the text width (WPS reads them)."""
        styles = Styles(rendered)
        label = [p for p in body_paragraphs(rendered) if text_of(p).startswith("附件：")]
        assert [text_of(p) for p in label] == ["附件：整体绩效自评信息指标评分表"]
        assert styles.ppr(label[0], "pageBreakBefore") is not None
        (table,) = rendered.tables
        grid = [int(g.get(f"{W}w")) for g in table._tbl.find(f"{W}tblGrid").findall(f"{W}gridCol")]
        assert grid == [width for _, width, _ in builder.COLUMNS]
        assert sum(grid) == 11906 - 1587 - 1474
        assert table._tbl.find(f"{W}tblPr/{W}tblLayout").get(f"{W}type") == "fixed"
        borders = table._tbl.find(f"{W}tblPr/{W}tblBorders")
        assert {b.tag.removeprefix(W) for b in borders} == {"top", "left", "bottom", "right", "insideH", "insideV"}

    def test_header_row_repeats(self, rendered: Any) -> None:
        """The header row repeats on each page and reads 一级指标 | 指标 | 分值 | 自评得分 | 扣分原因."""
        (table,) = rendered.tables
        first = table._tbl.findall(f"{W}tr")[0]
        assert first.find(f"{W}trPr/{W}tblHeader") is not None
        assert [text_of(tc) for tc in first.findall(f"{W}tc")] == [name for name, _, _ in builder.COLUMNS]

    def test_rows_never_split_and_run_on_from_page_to_page(self, rendered: Any) -> None:
        """Every row is kept whole on its page (w:cantSplit), and no row is tied to the next (w:keepNext): a
        一级指标 kept whole would push its rows to the next page and leave a third of this one empty."""
        (table,) = rendered.tables
        rows = table._tbl.findall(f"{W}tr")
        assert all(tr.find(f"{W}trPr/{W}cantSplit") is not None for tr in rows)
        tied = [text_of(tr) for tr in rows[1:] if tr.findall(f".//{W}pPr/{W}keepNext")]
        assert tied == []

    def test_category_cells_are_merged(self, rendered: Any, example_context: dict[str, Any]) -> None:
        """Each 一级指标's cell is merged down its indicator rows (vMerge), then a 小计 row; then 合计 and 等级."""
        (table,) = rendered.tables
        rows = table._tbl.findall(f"{W}tr")[1:]
        groups: list[tuple[str, int]] = []
        for tr in rows:
            first = tr.find(f"{W}tc")
            merge = first.find(f"{W}tcPr/{W}vMerge")
            if merge is not None and merge.get(f"{W}val") == "restart":
                groups.append((text_of(first), 1))
            elif merge is not None:
                assert text_of(first) == ""
                groups[-1] = (groups[-1][0], groups[-1][1] + 1)
        sizes = [(c["name"], sum(1 for r in example_context["appendix"] if r["category"] == c["name"]))
                 for c in example_context["category_scores"]]
        assert groups == sizes
        texts = [[text_of(tc) for tc in tr.findall(f"{W}tc")] for tr in rows]
        assert sum(1 for t in texts if t[0] == "小计") == len(sizes)
        assert texts[-2] == ["合计", example_context["total_points"], example_context["total"], ""]
        assert texts[-1] == ["等级", example_context["grade"]]
        deducted = [t for t in texts if t[1] == "采购政策效能"]
        assert deducted and deducted[0][2:] == ["1", "0.65", example_context["appendix"][16]["reason"]]

    def test_table_text_is_12pt_fangsong(self, rendered: Any) -> None:
        """Table cells: 小四 (12 pt) 仿宋_GB2312 with w:eastAsia, the header row in 黑体."""
        styles = Styles(rendered)
        (table,) = rendered.tables
        for i, tr in enumerate(table._tbl.findall(f"{W}tr")):
            for p in tr.iter(f"{W}p"):
                for r in text_runs(p):
                    font = r.find(f"{W}rPr/{W}rFonts").get(f"{W}eastAsia")
                    assert font == ("黑体" if i == 0 else styles.rpr(p, r, "rFonts", "eastAsia"))
                    assert font in ("仿宋_GB2312", "黑体")
                    assert styles.rpr(p, r, "sz", "val") == "24"


# ---------------------------------------------------------------- the user's template

class TestCheckTemplate:
    def test_typos_are_listed_by_name(self, tmp_path: Path) -> None:
        """Misspelt top-level names and misspelt item keys inside loops are both reported, sorted."""
        bad = variant(tmp_path, ("{{ department }}", "{{ deparment }}"), ("{{ c.name }}", "{{ c.nmae }}"),
                      ("{{ r.reason }}", "{{ r.reasn }}"))
        assert check_template(bad) == ["c.nmae", "deparment", "r.reasn"]

    def test_validate_raises_a_chinese_error_with_the_names(self, tmp_path: Path) -> None:
        """validate_template refuses a template with an unknown tag, naming it."""
        bad = variant(tmp_path, ("{{ total }}", "{{ totl }}"))
        with pytest.raises(TemplateError, match="“totl”") as err:
            validate_template(bad)
        assert "不是报告提供的数据" in str(err.value) and "report-template.md" in str(err.value)

    def test_malformed_tag_is_a_chinese_error(self, tmp_path: Path) -> None:
        """A loop without its end tag is reported as 标签写法有误, with the text near it."""
        bad = variant(tmp_path, ("{%p endfor %}", "{%p endfr %}"))
        with pytest.raises(TemplateError, match="标签写法有误"):
            check_template(bad)

    def test_tag_split_by_word_is_patched_or_reported(self, tmp_path: Path) -> None:
        """A tag Word cut into runs is mended by docxtpl; one broken inside its brackets is reported."""
        tag = "<w:t>{{ conclusion_score }}</w:t>"
        mended = variant(tmp_path, (tag, "<w:t>{{ conclusion_</w:t></w:r><w:r><w:rPr><w:b/></w:rPr>"
                                        "<w:t>score }}</w:t>"), name="mended.docx")
        validate_template(mended)
        broken = variant(tmp_path, (tag, "<w:t>{ { conclusion_score }}</w:t>"), name="broken.docx")
        with pytest.raises(TemplateError, match="未能识别"):
            validate_template(broken)

    def test_not_a_word_document(self, tmp_path: Path) -> None:
        """A file that is not a .docx package gets a Chinese error, not a traceback."""
        fake = tmp_path / "fake.docx"
        fake.write_text("not a zip", encoding="utf-8")
        with pytest.raises(TemplateError, match="不是有效的 Word 文档"):
            check_template(fake)


# ---------------------------------------------------------------- as a PDF

def pdf_pages(context: dict[str, Any], tmp_path: Path) -> list[str]:
    """The text of each page of the context rendered and converted to PDF by LibreOffice."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.fail("LibreOffice (soffice) is not installed, so the report cannot be converted to PDF. "
                    "Install the Debian package libreoffice-writer-nogui (CI does).")
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        pytest.fail("pdftotext is not installed: install the Debian package poppler-utils (CI does).")
    docx = tmp_path / "example.docx"
    render(context, docx)
    result = subprocess.run([soffice, "--headless", f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
                             "--convert-to", "pdf", "--outdir", str(tmp_path), str(docx)],
                            capture_output=True, text=True, timeout=180, check=False)
    pdf = tmp_path / "example.pdf"
    assert pdf.is_file(), result.stdout + result.stderr
    text = subprocess.run([pdftotext, "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    pages = text.split("\f")
    if pages and not pages[-1].strip():
        pages.pop()
    return pages


@pytest.mark.libreoffice
class TestPdf:
    def test_example_converts_to_a_sensible_number_of_pages(self, example_context: dict[str, Any],
                                                            tmp_path: Path) -> None:
        """LibreOffice turns the rendered example into 13–19 pages (the seed's text runs to 13; ours adds
        the rule sentence of each indicator, the chart and the two-page 评分表), none of them blank."""
        pages = pdf_pages(dict(copy.deepcopy(example_context), chart="png"), tmp_path)
        assert 13 <= len(pages) <= 19, len(pages)
        for number, page in enumerate(pages, start=1):
            lines = [line.strip() for line in page.splitlines() if line.strip()]
            assert "".join(lines[-1].split()) == f"—{number}—", (number, lines[-1:])  # the page number
            assert len(lines) > 2, f"page {number} is blank"
        assert "附件：整体绩效自评信息指标评分表" in pages[-2] + pages[-1]

    def test_text_runs_on_from_page_to_page(self, example_context: dict[str, Any], tmp_path: Path) -> None:
        """Pages break only where the template asks (the 附件): every page of the text but its last is full
        but for a few lines (a heading kept with its paragraph, a paragraph's last two lines kept together) —
        at least 17 of the 22 lines and the page number, never a third empty."""
        pages = pdf_pages(dict(copy.deepcopy(example_context), chart=""), tmp_path)
        attachment = next(i for i, page in enumerate(pages) if "附件：" in page)
        filled = [len([line for line in page.splitlines() if line.strip()]) for page in pages[:attachment - 1]]
        assert filled and min(filled) >= 17, filled
