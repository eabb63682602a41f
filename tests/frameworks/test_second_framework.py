"""A second locality is a new framework file plus its own report template, with no Python change: the
framework declares its report template, whether the report has the chart, and how the workbook prints."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest
from docx import Document
from xlperf_testing import run_xlperf

from xlperf.core.frameworks import load_framework
from xlperf.evaluate import evaluate

HERE = Path(__file__).parent / "county"


@pytest.fixture
def county(tmp_path: Path) -> Path:
    """The county's framework and data copied to a folder of their own, with its Word template beside them."""
    folder = tmp_path / "某县"
    shutil.copytree(HERE, folder)
    template = Document()
    template.add_paragraph("{{ department }}{{ year }}年度绩效评价报告（某县格式）")
    template.add_paragraph("{{ finance }}")
    template.add_paragraph("评价得分 {{ total }} 分，等级“{{ grade }}”。{{ chart }}")
    template.save(str(folder / "县级模板.docx"))
    return folder


def test_the_framework_declares_its_report_and_print_layout(county: Path) -> None:
    fw = load_framework(county / "xx-county-2023.toml")
    assert fw.report.template == "县级模板.docx" and fw.report.chart is False
    assert fw.print.paper == "A3" and fw.print.landscape == ("评分表",)
    from xlperf.report.render import framework_template

    assert framework_template(fw) == county / "县级模板.docx"
    shipped = load_framework("gz-baiyun-2022")
    assert framework_template(shipped).name == "gz-baiyun.docx" and framework_template(shipped).is_file()


def test_workbook_scores_prints_and_reports_with_the_countys_rules(county: Path) -> None:
    framework = str(county / "xx-county-2023.toml")
    workbook = county / "文化馆.xlsx"
    made = run_xlperf("new", "-o", str(workbook), "--framework", framework, "--from", str(county / "data.json"))
    assert made.returncode == 0, made.stderr
    evaluation = evaluate(workbook, framework)
    # 执行率 90% → 54 of 60; 结转结余率 2% ≤ 5% → 20; 公开 是 → 20
    assert evaluation.scorecard.total_text == "94" and evaluation.scorecard.grade == "优秀"
    book = openpyxl.load_workbook(workbook)
    assert {ws.title: ws.page_setup.paperSize for ws in book.worksheets} == dict.fromkeys(book.sheetnames, 8)
    assert [ws.title for ws in book.worksheets if ws.page_setup.orientation == "landscape"] == ["评分表"]
    assert book["评分表"].oddFooter.center.text == "某县财政局印制　第 &P 页"
    done = run_xlperf("report", str(workbook), "--framework", framework)
    assert done.returncode == 0, done.stderr
    report = Document(str(county / "文化馆-自评报告.docx"))
    text = "\n".join(p.text for p in report.paragraphs)
    assert "某县文化馆2023年度绩效评价报告（某县格式）" in text and "评价得分 94 分，等级“优秀”。" in text
    assert "整体支出预算数200.00万元，决算数180.00万元，完成率90%" in text
    assert not [r for r in report.part.rels.values() if "image" in r.reltype]  # chart = false


def test_a_template_that_is_not_a_docx_is_refused_where_it_is_declared(county: Path) -> None:
    toml = county / "xx-county-2023.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("县级模板.docx", "县级模板.doc"), encoding="utf-8")
    result = run_xlperf("frameworks", str(toml))
    assert result.returncode == 2 and "report.template" in result.stderr and ".docx" in result.stderr
