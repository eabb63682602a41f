"""`xlperf check-report 报告 工作簿` end to end: xlperf's own report passes, a figure changed by hand in it is
found where it was changed, an indicator taken out or put in is named, the published 2022 report gives
its one arithmetic error, and the output, --json and the exit codes are those of `xlperf check`."""

from __future__ import annotations

import json
import re
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from docx import Document
from xlperf_testing import run_xlperf

import xlperf
from xlperf.cli import main
from xlperf.evaluate import evaluate
from xlperf.report.render import render_report

HERE = Path(__file__).parent
PUBLISHED = HERE / "published-2022.txt"


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory, example_workbook: Path) -> tuple[Path, Path]:
    """The example workbook and the report xlperf writes for it (as `xlperf report` does)."""
    folder = tmp_path_factory.mktemp("own-report")
    book = folder / "白云区科协.xlsx"
    shutil.copy(example_workbook, book)
    report = render_report(evaluate(book).scorecard, folder / "白云区科协-自评报告.docx").docx
    return book, report


def check_report(report: Path, book: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, object]]:
    """`xlperf check-report REPORT BOOK --json`: the exit code and the parsed output."""
    code = main(["check-report", str(report), str(book), "--json"])
    return code, json.loads(capsys.readouterr().out)


def body_paragraphs(doc: object) -> list[object]:
    """The non-empty body paragraphs, as check-report numbers them (第 N 段)."""
    return [p for p in doc.paragraphs if p.text.strip()]  # type: ignore[attr-defined]


def loose(text: str) -> re.Pattern[str]:
    """`text` with any spacing between its characters (the narrative's spacing is not the test's concern)."""
    return re.compile(r"\s*".join(re.escape(ch) for ch in text.replace(" ", "")))


def plant(report: Path, out: Path, old: str, new: str) -> str:
    """Write `report` with the first body paragraph showing `old` changed to say `new`; its place (第 N 段)."""
    doc = Document(str(report))
    for number, paragraph in enumerate(body_paragraphs(doc), start=1):
        if loose(old).search(paragraph.text):
            paragraph.text = loose(old).sub(new, paragraph.text, count=1)
            doc.save(str(out))
            return f"第 {number} 段"
    raise AssertionError(f"the report has no paragraph with {old!r}: update this test to the report's wording")


class TestOwnReport:
    def test_the_example_report_passes(self, made: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
        """The report xlperf writes for the example has no finding, and the check did compare: every
        indicator, the total, the grade, rates and amounts."""
        book, report = made
        assert main(["check-report", str(report), str(book)]) == 0
        out = capsys.readouterr().out
        assert "核对通过" in out and "P1" not in out and "P2" not in out
        code, data = check_report(report, book, capsys)
        assert code == 0 and data["findings"] == [] and data["errors"] == 0
        checked = data["checked"]
        assert isinstance(checked, dict)
        assert checked["指标得分"] >= 26 and checked["分值"] >= 26 and checked["总分"] >= 1 and checked["等级"] >= 1
        assert checked["比率"] >= 4 and checked["金额"] >= 8 and checked["小计"] >= 9 and checked["合计"] >= 2


PLANTED = {  # what is changed in the report -> the finding it must give
    "score": ("部门预算资金支出率，该指标分值 10 分，自评得分 9.5 分", "部门预算资金支出率，该指标分值 10 分，自评得分 9 分",
              "P101"),
    "points": ("绩效结果应用，该指标分值 3 分", "绩效结果应用，该指标分值 4 分", "P102"),
    "total": ("自评分数为 99.15 分", "自评分数为 98.15 分", "P104"),
    "grade": ("等级为“优”", "等级为“良”", "P105"),
    "rate": ("完成率 96.22%", "完成率 96.32%", "P106"),
    "amount": ("决算数 315.59 万元", "决算数 316.59 万元", "P107"),
}


class TestPlantedErrors:
    @pytest.mark.parametrize("what", PLANTED)
    def test_a_changed_figure_is_found_where_it_was_changed(self, what: str, made: tuple[Path, Path], tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
        """One figure changed by hand in the report: exactly one finding, of the right code, at the paragraph
        changed, quoting the changed words; exit code 1."""
        book, report = made
        old, new, expected = PLANTED[what]
        edited = tmp_path / "改过的报告.docx"
        where = plant(report, edited, old, new)
        code, data = check_report(edited, book, capsys)
        findings = data["findings"]
        assert isinstance(findings, list)
        assert [(f["id"], f["location"]) for f in findings] == [(expected, where)]
        changed = re.findall(r"[\d.]+%?|“.”", new.split("，")[-1])[-1]
        assert changed in findings[0]["quote"] and changed in findings[0]["message"]
        assert code == 1 and data["errors"] == 1

    def test_a_changed_score_in_the_table_is_found_in_its_row(self, made: tuple[Path, Path], tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
        """The 附件 score table: a score changed in one row is found in that row (表 M 第 R 行); the row's
        category subtotal and the table's total, which now do not add up, are not reported again."""
        book, report = made
        doc = Document(str(report))
        place = ""
        for t, table in enumerate(doc.tables, start=1):
            for r, row in enumerate(table.rows, start=1):
                cells = [c.text for c in row.cells]
                if "采购政策效能" in cells and "0.65" in cells:
                    row.cells[cells.index("0.65")].paragraphs[0].runs[0].text = "0.75"
                    place = f"表 {t} 第 {r} 行"
        assert place, "the report's score table has no row for 采购政策效能"
        doc.save(str(tmp_path / "表格.docx"))
        code, data = check_report(tmp_path / "表格.docx", book, capsys)
        findings = data["findings"]
        assert isinstance(findings, list)
        assert [(f["id"], f["location"]) for f in findings] == [("P101", place)] and code == 1
        assert "0.75" in findings[0]["quote"] and "0.65" in findings[0]["message"]

    def test_the_plain_text_of_the_report_is_checked_alike(self, made: tuple[Path, Path], tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
        """The report's text saved as .txt (as if copied out of its PDF): the same planted error is found."""
        book, report = made
        text = "\n".join(p.text for p in body_paragraphs(Document(str(report))))
        assert loose("自评分数为 99.15 分").search(text)
        (tmp_path / "报告.txt").write_text(loose("自评分数为 99.15 分").sub("自评分数为 97 分", text), encoding="utf-8")
        code, data = check_report(tmp_path / "报告.txt", book, capsys)
        findings = data["findings"]
        assert isinstance(findings, list)
        assert [f["id"] for f in findings] == ["P104"] and "97" in findings[0]["quote"] and code == 1


class TestIndicatorsMissingOrExtra:
    def test_an_indicator_taken_out_is_named(self, made: tuple[Path, Path], tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
        """采购内控制度建设 deleted from the text and the table: P201 names it, placed after the indicator
        before it; the sums that no longer hold say that it is what is missing."""
        book, report = made
        doc = Document(str(report))
        for paragraph in doc.paragraphs:
            if "采购内控制度建设" in paragraph.text:
                paragraph._element.getparent().remove(paragraph._element)
        for table in doc.tables:
            for row in list(table.rows):
                if any("采购内控制度建设" in c.text for c in row.cells):
                    row._tr.getparent().remove(row._tr)
        doc.save(str(tmp_path / "漏写.docx"))
        code, data = check_report(tmp_path / "漏写.docx", book, capsys)
        findings = data["findings"]
        assert isinstance(findings, list) and code == 1
        missing = [f for f in findings if f["id"] == "P201"]
        assert len(missing) == 1 and "采购内控制度建设" in missing[0]["message"] and "CG02" in missing[0]["message"]
        assert missing[0]["location"].endswith("之后") and "采购意向公开合规性" in missing[0]["quote"]
        assert {f["id"] for f in findings} <= {"P201", "P301", "P302", "P304"}
        assert all("采购内控制度建设" in f["message"] for f in findings if f["id"] in ("P301", "P302", "P304"))

    def test_an_indicator_the_framework_lacks_is_named(self, made: tuple[Path, Path], tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
        """A paragraph scoring 预算调整率, which the framework does not have: P202 at that paragraph."""
        book, report = made
        doc = Document(str(report))
        anchor = next(p for p in doc.paragraphs if loose("采购政策效能，该指标分值").search(p.text))
        extra = anchor.insert_paragraph_before("（7）预算调整率，该指标分值 2 分，自评得分 2 分。")
        number = next(i for i, p in enumerate(body_paragraphs(doc), start=1) if p._element is extra._element)
        doc.save(str(tmp_path / "多写.docx"))
        code, data = check_report(tmp_path / "多写.docx", book, capsys)
        findings = data["findings"]
        assert isinstance(findings, list) and code == 1
        unknown = [f for f in findings if f["id"] == "P202"]
        assert [f["location"] for f in unknown] == [f"第 {number} 段"] and "预算调整率" in unknown[0]["message"]
        assert {f["id"] for f in findings} <= {"P202", "P301", "P302"}


class TestPublishedReport:
    def test_its_listed_scores_add_up_to_98_15_by_hand(self) -> None:
        """Read by hand: the report lists 25 indicators, 分值 99 in all, scores 98.15 in all, and states 99.15."""
        text = re.sub(r"\s+", "", PUBLISHED.read_text(encoding="utf-8"))
        listed = re.findall(r"（\d+）([^（）]+?)，该指标分值([\d.]+)分，自评得分([\d.]+)分", text)
        assert len(listed) == 25
        assert sum(Decimal(p) for _, p, _ in listed) == 99 and sum(Decimal(s) for _, _, s in listed) == Decimal("98.15")
        assert "自评分数为99.15分" in text

    def test_check_report_finds_that_error_and_nothing_untrue(self, example_workbook: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
        """Against the example workbook (the same department and year): the stated 99.15 against the listed
        98.15 (P301, where the report states it), the one indicator the report leaves out (QT01, the 1 point
        of the difference), and its 分值 adding to 99 (P302). Every rate, amount, score and the total
        stated agree with the workbook."""
        code, data = check_report(PUBLISHED, example_workbook, capsys)
        findings = data["findings"]
        assert isinstance(findings, list) and code == 1
        assert sorted(f["id"] for f in findings) == ["P201", "P301", "P302"]
        arithmetic = next(f for f in findings if f["id"] == "P301")
        assert arithmetic["location"] == "第 50 段（第 230 行）" and arithmetic["quote"] == "自评分数为 99.15分"
        assert "98.15" in arithmetic["message"] and "99.15" in arithmetic["message"]
        assert "QT01" in next(f for f in findings if f["id"] == "P201")["message"]
        checked = data["checked"]
        assert isinstance(checked, dict)
        assert checked["指标得分"] >= 25 and checked["比率"] == 9 and checked["金额"] == 10 and checked["总分"] == 1

    def test_the_table_names_place_quote_and_fix(self, example_workbook: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
        """Printed as `xlperf check` prints: 编号, 级别, 位置 (paragraph, line, the words quoted), 问题和修改建议."""
        assert main(["check-report", str(PUBLISHED), str(example_workbook)]) == 1
        out = capsys.readouterr().out
        assert "编号" in out and "位置" in out and "问题和修改建议" in out
        assert "P301" in out and "第 50 段（第 230 行）" in out and "98.15" in out
        assert "共 3 条，其中错误 3 条" in out


class TestOutputAndExitCodes:
    def test_json_shape(self, example_workbook: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """--json: the report, the workbook, the count of errors, what was compared, and each finding with id,
        symbol, severity, location, quote and message."""
        _, data = check_report(PUBLISHED, example_workbook, capsys)
        assert set(data) == {"report", "file", "errors", "checked", "notes", "findings"}
        assert data["report"] == PUBLISHED.name and data["errors"] == 3
        findings = data["findings"]
        assert isinstance(findings, list)
        for finding in findings:
            assert set(finding) == {"id", "symbol", "severity", "location", "quote", "message"}
            assert finding["severity"] in ("错误", "警告")

    def test_warnings_alone_exit_0(self, made: tuple[Path, Path], tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
        """An amount the workbook does not hold is a 警告: listed, exit code 0."""
        book, report = made
        doc = Document(str(report))
        doc.add_paragraph("另安排专项经费 12.5 万元。")
        doc.save(str(tmp_path / "警告.docx"))
        assert main(["check-report", str(tmp_path / "警告.docx"), str(book)]) == 0
        out = capsys.readouterr().out
        assert "P108" in out and "警告" in out and "其中错误 0 条" in out

    def test_the_real_command_and_its_exit_codes(self, made: tuple[Path, Path], tmp_path: Path) -> None:
        """In a subprocess, as users run it: 0 for the own report, 1 for the published one, 2 for a usage
        error (one Chinese line, no traceback)."""
        book, report = made
        assert run_xlperf("check-report", str(report), str(book)).returncode == 0
        assert run_xlperf("check-report", str(PUBLISHED), str(book)).returncode == 1
        usage = run_xlperf("check-report", str(report))
        assert usage.returncode == 2 and "Traceback" not in usage.stderr and "缺少" in usage.stderr

    def test_json_of_a_workbook_as_json(self, made: tuple[Path, Path], tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
        """The workbook may be the JSON form (`xlperf export`), read as `xlperf check` reads it."""
        book, report = made
        assert main(["export", str(book), "-o", str(tmp_path / "数据.json")]) == 0
        capsys.readouterr()
        code, data = check_report(report, tmp_path / "数据.json", capsys)
        assert code == 0 and data["findings"] == []


    def test_a_workbook_that_cannot_be_scored_whole(self, made: tuple[Path, Path], tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
        """整体支出决算数 left blank in the workbook: the amount the report states for it is reported, and the
        note says the total and the grade were not compared."""
        book, report = made
        data = json.loads((Path(xlperf.__file__).parent / "examples" / "baiyun-kexie-2022.json").read_text(encoding="utf-8"))
        data["facts"]["expenditure_actual"] = None
        (tmp_path / "未填.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        code, out = check_report(report, tmp_path / "未填.json", capsys)
        findings = out["findings"]
        assert isinstance(findings, list) and code == 1
        # once for each place that states it: the 收支 sentence and the 支出率 indicator's sentence
        assert {f["id"] for f in findings} == {"P107"} and all("未填写" in f["message"] for f in findings)
        assert all("315.59" in f["quote"] for f in findings)
        notes = out["notes"]
        assert isinstance(notes, list) and "无法计分" in notes[0]


class TestAnotherFramework:
    def test_its_names_and_grades_are_used(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """The county framework of tests/frameworks (grades 优秀/合格/不合格, its own indicators): a report
        that states 合格 for 94 points is found; its rates and scores are read by its own names."""
        county = Path(__file__).parents[1] / "frameworks" / "county"
        report = tmp_path / "文化馆.txt"
        report.write_text("某县文化馆2023年度绩效评价报告\n2023年整体支出预算数 200.00 万元，决算数 180.00 万元，完成率 90%。\n"
                          "预算执行率，该指标分值 60 分，自评得分 54 分。结转结余率，该指标分值 20 分，自评得分 20 分，"
                          "结转结余率为 2%。预决算公开，该指标分值 20 分，自评得分 20 分。\n评价得分 94 分，等级为“合格”。\n",
                          encoding="utf-8")
        code = main(["check-report", str(report), str(county / "data.json"), "--framework",
                     str(county / "xx-county-2023.toml"), "--json"])
        data = json.loads(capsys.readouterr().out)
        assert code == 1 and [f["id"] for f in data["findings"]] == ["P105"]
        assert "优秀" in data["findings"][0]["message"]
