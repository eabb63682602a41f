"""The one use case (xlperf.evaluate): what it holds, that it opens once, the report gate and the report's
name, and that every front-end (the command, the buttons, the batch) decides the same way."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import openpyxl
import pytest
from xlperf_testing import run_xlperf

import xlperf
from xlperf import evaluate as evaluate_module
from xlperf.core import frameworks
from xlperf.evaluate import FRAME_COLUMNS, Evaluation, evaluate, report_path
from xlperf.workbook import layout as L


def _with_error(example_workbook: Path, folder: Path) -> Path:
    """A copy of the example whose 采购政策效能 loses points with no 扣分原因: one E101."""
    path = folder / "有错误.xlsx"
    shutil.copy(example_workbook, path)
    book = openpyxl.load_workbook(path)
    sheet, ref = next(iter(book.defined_names[L.indicator_name("CG06", "REASON")].destinations))
    book[sheet][ref.replace("$", "")] = "无。"
    book.save(path)
    return path


class TestEvaluate:
    def test_holds_year_framework_scores_findings_risks_and_the_sheets_scores(self, example_workbook: Path) -> None:
        """A workbook gives everything a front-end needs, including what its own 评分表 shows."""
        evaluation = evaluate(example_workbook)
        assert isinstance(evaluation, Evaluation)
        assert evaluation.year.department == "广州市白云区科学技术协会" and evaluation.framework.id == "gz-baiyun-2022"
        assert str(evaluation.scorecard.total) == "99.15" and evaluation.scorecard.grade == "优"
        assert [f.id for f in evaluation.findings] == ["W303", "W303"] and evaluation.errors == ()
        assert evaluation.risks == ()
        sheet = evaluation.sheet
        assert sheet is not None and str(sheet.total) == "99.15" and sheet.grade == "优"
        assert {code: score for code, score in sheet.scores.items() if score is not None} == {
            r.code: r.score for r in evaluation.scorecard.results}  # as numbers: a saved 2.0 is the engine's 2
        assert str(sheet.places["total"]).startswith("评分表!")

    def test_json_form_and_a_department_year_give_the_same(self, tmp_path: Path, example_workbook: Path) -> None:
        exported = tmp_path / "数据.json"
        assert run_xlperf("export", str(example_workbook), "-o", str(exported)).returncode == 0
        from_json = evaluate(exported)
        assert from_json.sheet is None and from_json.scorecard.total == evaluate(example_workbook).scorecard.total
        assert evaluate(from_json.year).scorecard.total == from_json.scorecard.total

    def test_opens_the_file_once_and_loads_the_framework_once(self, example_workbook: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
        import xlperf.workbook

        loads: list[object] = []
        opens: list[object] = []
        real_load, real_open = frameworks.load_framework, xlperf.workbook.open_cells

        def counting_load(*args: object, **kwargs: object) -> object:
            loads.append(args)
            return real_load(*args, **kwargs)  # type: ignore[arg-type]

        def counting_open(*args: object, **kwargs: object) -> object:
            opens.append(args)
            return real_open(*args, **kwargs)  # type: ignore[arg-type]

        import xlperf.workbook.read as read

        monkeypatch.setattr(frameworks, "load_framework", counting_load)
        monkeypatch.setattr(read, "load_framework", counting_load)
        monkeypatch.setattr(xlperf.workbook, "open_cells", counting_open)
        evaluate(example_workbook)
        assert len(loads) == 1 and len(opens) == 1

    def test_the_package_exports_it_whatever_was_imported_first(self, example_workbook: Path) -> None:
        """`xlperf.evaluate(path)` works even after the module of the same name was imported."""
        assert xlperf.evaluate(example_workbook).scorecard.complete
        assert evaluate_module(example_workbook).scorecard.complete  # the module object calls too
        assert xlperf.Evaluation is Evaluation


class TestToFrame:
    def test_one_row_per_indicator_with_the_engines_numbers(self, example_workbook: Path) -> None:
        evaluation = evaluate(example_workbook)
        frame = evaluation.to_frame()
        assert tuple(frame.columns) == FRAME_COLUMNS and len(frame) == len(evaluation.scorecard.results)
        assert round(frame["score"].sum(), 2) == 99.15 and round(frame["deduction"].sum(), 2) == 0.85
        row = frame.set_index("code").loc["CG06"]
        assert row["name"] == "采购政策效能" and row["points"] == 1 and row["score"] == 0.65
        assert "65%" in row["rule"] and row["category"] == "采购管理" and row["year"] == 2022
        assert set(frame["file"]) == {example_workbook.name}

    def test_an_indicator_that_cannot_be_scored_is_nan(self, tmp_path: Path) -> None:
        blank = tmp_path / "空白.xlsx"
        assert run_xlperf("new", "-o", str(blank)).returncode == 0
        frame = evaluate(blank).to_frame()
        assert frame["score"].isna().all() and frame["deduction"].isna().all()
        assert math.isnan(frame["score"].sum(min_count=1))


class TestReportPath:
    def test_beside_the_input(self, tmp_path: Path) -> None:
        assert report_path(tmp_path / "绩效自评.xlsx") == tmp_path / "绩效自评-自评报告.docx"

    def test_twins_keep_their_suffix(self, tmp_path: Path) -> None:
        """a.xlsx beside a.xlsm (or a.json): each report keeps its input's suffix."""
        (tmp_path / "a.xlsx").write_bytes(b"x")
        (tmp_path / "a.json").write_bytes(b"{}")
        assert report_path(tmp_path / "a.xlsx").name == "a.xlsx-自评报告.docx"
        assert report_path(tmp_path / "a.json").name == "a.json-自评报告.docx"

    def test_free_never_names_an_existing_file(self, tmp_path: Path) -> None:
        (tmp_path / "b-自评报告.docx").write_bytes(b"x")
        (tmp_path / "b-自评报告(2).docx").write_bytes(b"x")
        assert report_path(tmp_path / "b.xlsx", free=True).name == "b-自评报告(3).docx"

    def test_mirrored_below_a_reports_folder(self, tmp_path: Path) -> None:
        source = tmp_path / "in" / "区科协" / "c.xlsm"
        path = report_path(source, folder=tmp_path / "报告", below=Path("区科协/c.xlsm"))
        assert path == tmp_path / "报告" / "区科协" / "c-自评报告.docx"


class TestReportGate:
    """One policy, decided in evaluate: no 错误, or an explicit override that lists them as 待核实."""

    def test_the_decision(self, tmp_path: Path, example_workbook: Path) -> None:
        clean = evaluate(example_workbook).report_decision()
        assert clean.allowed and clean.pending == ()
        flawed = evaluate(_with_error(example_workbook, tmp_path))
        refused, forced = flawed.report_decision(), flawed.report_decision(force=True)
        assert not refused.allowed and "错误" in refused.reason and "--force" in refused.fix
        assert forced.allowed and [f.id for f in forced.pending] == ["E101"]

    def test_the_command(self, tmp_path: Path, example_workbook: Path) -> None:
        path = _with_error(example_workbook, tmp_path)
        refused = run_xlperf("report", str(path))
        assert refused.returncode == 2 and "有 1 条“错误”，未生成报告" in refused.stderr
        assert not report_path(path).exists()
        forced = run_xlperf("report", str(path), "--force")
        assert forced.returncode == 0 and "待核实" in forced.stdout and report_path(path).exists()

    def test_the_batch(self, tmp_path: Path, example_workbook: Path) -> None:
        folder = tmp_path / "各单位"
        folder.mkdir()
        _with_error(example_workbook, folder)
        shutil.copy(example_workbook, folder / "无错误.xlsx")
        from xlperf.batch import BatchOptions, run_batch

        result = run_batch(BatchOptions(folder, tmp_path / "汇总.xlsx", reports=tmp_path / "报告", jobs=1))
        notes = {r.file: (r.report, r.report_note) for r in result.records}
        assert notes["无错误.xlsx"][0] == "无错误-自评报告.docx"
        assert notes["有错误.xlsx"][0] == "" and "有 1 条“错误”" in notes["有错误.xlsx"][1]
        forced = run_batch(BatchOptions(folder, tmp_path / "汇总2.xlsx", reports=tmp_path / "报告2", jobs=1,
                                        force=True))
        notes = {r.file: (r.report, r.report_note) for r in forced.records}
        assert notes["有错误.xlsx"][0] == "有错误-自评报告.docx" and "待核实" in notes["有错误.xlsx"][1]

    def test_the_button(self, tmp_path: Path, example_workbook: Path) -> None:
        """The 生成报告 button has no override: with an error it refuses and writes nothing."""
        import sys

        sys.path.insert(0, str(Path(__file__).parent / "macros"))
        try:
            from fake_book import FakeBook
        finally:
            sys.path.pop(0)
        from xlperf import macros

        path = _with_error(example_workbook, tmp_path)
        book = FakeBook(path)
        macros.generate_report(book)
        assert any("不能生成报告" in alert.prompt and alert.mode == "critical" for alert in book.app.alerts)
        assert not list(tmp_path.glob("*.docx"))
