"""`xlperf report` end to end: every figure of the seed's report, and none that disagrees."""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from docx import Document
from xlperf_testing import run_xlperf

from xlperf._open import example_data
from xlperf.core.narrative import tidy

#: Figure-bearing statements of the seed's 部门整体收支情况, 综合评价 and indicator sections, written as
#: GB/T 15835 has them (no space between a number and its unit)
SEED_FIGURES = ["332.21万元", "315.60万元", "完成率95%", "315.59万元", "294.73万元", "283.58万元", "96.22%",
                "37.48万元", "32.01万元", "85.41%", "自评分数为99.15分", "0.27%", "采购执行率65%",
                "-32%", "4369.98元", "18000元", "得0.65分", "受教育青少年学生10455人", "疫情防控第一线"]


def docx_text(path: Path) -> str:
    """All text of a .docx: body paragraphs and table cells, in order."""
    doc = Document(str(path))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


@pytest.fixture(scope="module")
def example_report(tmp_path_factory: pytest.TempPathFactory, example_workbook: Path) -> Path:
    folder = tmp_path_factory.mktemp("report")
    book = folder / "白云区科协.xlsx"
    shutil.copy(example_workbook, book)
    result = run_xlperf("report", str(book))
    assert result.returncode == 0, result.stderr
    return folder / "白云区科协-自评报告.docx"


class TestReportContent:
    def test_every_seed_figure_is_there(self, example_report: Path) -> None:
        """The report states each figure the published 2022 report states."""
        text = docx_text(example_report)
        missing = [f for f in SEED_FIGURES if f not in text]
        assert not missing

    def test_indicator_paragraphs_match_the_scores(self, example_report: Path, example_workbook: Path) -> None:
        """Every "该指标分值X分，自评得分Y分" agrees with `xlperf score` — and nothing disagrees."""
        text = docx_text(example_report)
        scores = json.loads(run_xlperf("score", str(example_workbook), "--json").stdout)["indicators"]
        stated = re.findall(r"([^，\n）]+)，该指标分值([\d.]+)分，自评得分([\d.]+)分", text)
        assert len(stated) == len(scores)
        for (name, points, score), expected in zip(stated, scores):
            assert name.endswith(tidy(expected["name"])) and float(points) == expected["weight"]
            assert float(score) == expected["score"]

    def test_no_disagreeing_total(self, example_report: Path) -> None:
        """The wrong sum of the seed (98.15) never appears; the total is stated as 99.15 wherever it is."""
        text = docx_text(example_report)
        assert "98.15" not in text
        totals = set(re.findall(r"自评分数为([\d.]+)分", text))
        assert totals == {"99.15"}

    def test_appendix_table(self, example_report: Path) -> None:
        """The 附件 table lists every indicator with its 分值 and 得分, and the total 99.15 with 优."""
        doc = Document(str(example_report))
        table = doc.tables[-1]
        cells = [c.text for row in table.rows for c in row.cells]
        assert "采购政策效能" in cells and "0.65" in cells and "99.15" in cells and "优" in "".join(cells)

    def test_department_texts_carried_over(self, example_report: Path) -> None:
        """The department's own texts appear verbatim."""
        data = example_data()
        text = docx_text(example_report)
        first_line = data["texts"]["overview"].splitlines()[0].strip()
        assert first_line in text
        assert data["texts"]["problems"].splitlines()[0].strip() in text


class TestReportCommand:
    def test_existing_report_is_not_overwritten(self, tmp_path: Path, example_workbook: Path) -> None:
        """Without --force an existing report is left alone and the command says so."""
        out = tmp_path / "r.docx"
        out.write_bytes(b"keep")
        result = run_xlperf("report", str(example_workbook), "-o", str(out))
        assert result.returncode == 2 and "--force" in result.stderr and out.read_bytes() == b"keep"

    def test_errors_refuse_and_force_lists_them(self, tmp_path: Path) -> None:
        """A deduction without reason stops the report; --force writes it with the error as 待核实 on page one."""
        data = example_data()
        data["indicators"]["GK01"] = {"value": "部分", "reason": "", "name": ""}
        source = tmp_path / "d.json"
        source.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        out = tmp_path / "r.docx"
        refused = run_xlperf("report", str(source), "-o", str(out))
        assert refused.returncode == 2 and "E101" in refused.stdout and not out.exists()
        forced = run_xlperf("report", str(source), "-o", str(out), "--force")
        assert forced.returncode == 0, forced.stderr
        paragraphs = [p.text for p in Document(str(out)).paragraphs if p.text.strip()]
        first = "\n".join(paragraphs[:6])
        assert "待核实" in first and "预决算公开合规性" in first

    def test_markup_in_department_text_comes_out_literally(self, tmp_path: Path) -> None:
        """<, >, &, {{ }} and line breaks in a department's text are printed as typed."""
        data = example_data()
        data["texts"]["problems"] = "经费 < 需求 & 渠道 > 0\n{{ title }} 与 {% if x %} 原样输出"
        source = tmp_path / "m.json"
        source.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        out = tmp_path / "m.docx"
        assert run_xlperf("report", str(source), "-o", str(out)).returncode == 0
        text = docx_text(out)
        assert "经费 < 需求 & 渠道 > 0" in text and "{{ title }} 与 {% if x %} 原样输出" in text

    def test_user_template_with_a_typo_is_refused_by_name(self, tmp_path: Path, example_workbook: Path) -> None:
        """A template with {{ totl }} instead of {{ total }} gets a clear error naming totl."""
        from xlperf.report.render import DEFAULT_TEMPLATE

        bad = tmp_path / "bad.docx"
        with zipfile.ZipFile(DEFAULT_TEMPLATE) as zin, zipfile.ZipFile(bad, "w", zipfile.ZIP_DEFLATED) as zout:
            for item in zin.infolist():
                data = zin.read(item.filename)
                if item.filename == "word/document.xml":
                    data = data.replace(b"{{ title }}", b"{{ totl }}", 1)
                zout.writestr(item, data)
        result = run_xlperf("report", str(example_workbook), "-o", str(tmp_path / "r.docx"), "--template", str(bad))
        assert result.returncode == 2 and "totl" in result.stderr
        assert not (tmp_path / "r.docx").exists()

    def test_pdf(self, tmp_path: Path, example_workbook: Path) -> None:
        """--pdf writes a PDF beside the .docx with a sensible number of pages."""
        out = tmp_path / "p.docx"
        result = run_xlperf("report", str(example_workbook), "-o", str(out), "--pdf")
        assert result.returncode == 0, result.stderr
        pdf = out.with_suffix(".pdf")
        assert pdf.read_bytes().startswith(b"%PDF")
        pages = int(re.search(rb"/Type\s*/Pages\b.*?/Count\s+(\d+)", pdf.read_bytes(), re.S).group(1))
        assert 5 <= pages <= 20
        from xlperf.report.pdf import _installed_families

        installed = _installed_families()
        if installed is not None and "仿宋_GB2312" not in installed:  # the clerk is told the PDF's fonts differ
            assert "本机缺少仿宋_GB2312" in result.stdout and "Word 另存为 PDF" in result.stdout

    def test_input_is_never_modified(self, tmp_path: Path, example_workbook: Path) -> None:
        """The workbook's bytes are the same after a report."""
        book = tmp_path / "in.xlsx"
        shutil.copy(example_workbook, book)
        before = book.read_bytes()
        assert run_xlperf("report", str(book)).returncode == 0
        assert book.read_bytes() == before
