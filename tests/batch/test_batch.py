"""xlperf batch through its public entry points: run_batch, the command, and the summary workbook."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from batch_folders import SAMPLES, expected_totals
from xlperf_testing import run_xlperf

from xlperf.batch import (
    DETAIL_SHEET,
    PROBLEM_SHEET,
    RISK_SHEET,
    SUMMARY_SHEET,
    BatchOptions,
    _worker,
    default_output,
    run_batch,
)
from xlperf.core.errors import XlperfError


def sheet_rows(path: Path, sheet: str) -> list[dict[str, Any]]:
    """The rows of a summary sheet as dicts keyed by the header (the table only: columns with a header)."""
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        rows = list(book[sheet].iter_rows(values_only=True))
    finally:
        book.close()
    header = [h for h in rows[0] if h is not None]
    return [dict(zip(header, row)) for row in rows[1:] if any(v is not None for v in row[:len(header)])]


def run(folder: Path, **options: Any) -> tuple[Path, Any]:
    output = options.pop("output", folder.parent / f"{folder.name}-汇总.xlsx")
    result = run_batch(BatchOptions(folder, output, **options))
    return output, result


class TestScores:
    def test_every_department_has_the_score_of_its_data(self, folder: Path) -> None:
        output, _ = run(folder, jobs=2)
        rows = sheet_rows(output, SUMMARY_SHEET)
        expected = expected_totals()
        assert len(rows) == SAMPLES
        assert {r["单位"]: Decimal(str(r["总分"])) for r in rows} == expected
        assert all(r["状态"] == "已评分" and r["年度"] == 2022 for r in rows)

    def test_ranked_from_the_highest_total_with_ties_sharing_a_rank(self, folder: Path) -> None:
        output, _ = run(folder, jobs=2)
        rows = sheet_rows(output, SUMMARY_SHEET)
        totals = [r["总分"] for r in rows]
        assert totals == sorted(totals, reverse=True)
        for row in rows:
            assert row["排名"] == 1 + sum(t > row["总分"] for t in totals)

    def test_equal_totals_share_a_rank_and_the_next_rank_is_skipped(self, folder: Path) -> None:
        source = sorted((folder / "first").glob("*.xlsx"))[0]
        shutil.copy(source, folder / "重新提交.xlsx")  # the same department twice: the same total
        output, _ = run(folder, jobs=2)
        rows = sheet_rows(output, SUMMARY_SHEET)
        tied = [r for r in rows if r["文件"] in ("重新提交.xlsx", f"first/{source.name}")]
        assert tied[0]["排名"] == tied[1]["排名"] and tied[0]["总分"] == tied[1]["总分"]
        after = [r for r in rows if r["总分"] < tied[0]["总分"]]
        assert after, "the test needs a department below the tie"
        assert after[0]["排名"] == tied[0]["排名"] + 2

    def test_subtotals_add_up_to_the_total(self, folder: Path) -> None:
        output, _ = run(folder, jobs=1)
        for row in sheet_rows(output, SUMMARY_SHEET):
            subtotals = [v for k, v in row.items() if k.endswith("分）")]
            assert len(subtotals) == 9
            assert round(sum(subtotals), 2) == row["总分"]

    def test_details_are_the_long_table_of_every_indicator(self, folder: Path) -> None:
        output, _ = run(folder, jobs=2)
        details = sheet_rows(output, DETAIL_SHEET)
        assert len(details) == SAMPLES * 26
        by_department: dict[str, float] = {}
        for row in details:
            by_department[row["单位"]] = by_department.get(row["单位"], 0) + row["得分"]
            assert round(row["分值"] - row["得分"], 2) == row["扣分"]
        expected = expected_totals()
        assert {k: Decimal(str(round(v, 2))) for k, v in by_department.items()} == expected

    def test_problems_name_file_sheet_and_cell(self, folder: Path) -> None:
        output, result = run(folder, jobs=2)
        problems = sheet_rows(output, PROBLEM_SHEET)
        assert len(problems) == sum(len(r.problems) for r in result.records) > 0
        e101 = [p for p in problems if p["编号"] == "E101"]
        assert e101, "the samples include deductions without a reason"
        assert all(p["工作表"] == "评分表" and p["单元格"].startswith("K") and p["文件"].endswith(".xlsx") for p in e101)

    def test_jobs_1_and_2_give_identical_summaries(self, folder: Path, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
        from xlperf.batch import _pool

        workers: list[int] = []
        real = _pool.process_files

        def counted(paths: Any, job: Any, count: int, *args: Any, **kwargs: Any) -> Any:
            workers.append(count)
            return real(paths, job, count, *args, **kwargs)

        monkeypatch.setattr(_pool, "process_files", counted)
        one, _ = run(folder, jobs=1, output=tmp_path / "one.xlsx")
        two, _ = run(folder, jobs=2, output=tmp_path / "two.xlsx")
        assert workers == [1, 2]  # --jobs reaches the pool
        for sheet in (SUMMARY_SHEET, DETAIL_SHEET, PROBLEM_SHEET, RISK_SHEET, "统计"):
            assert sheet_rows(one, sheet) == sheet_rows(two, sheet), sheet

    def test_the_openpyxl_reader_gives_the_same_summary(self, folder: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
        from xlperf.workbook import _calamine_source

        fast, _ = run(folder, jobs=2, output=tmp_path / "calamine.xlsx")

        def refuse(*args: Any, **kwargs: Any) -> None:
            raise RuntimeError("calamine used")  # the forked workers inherit this: any use shows as E901

        monkeypatch.setattr(_calamine_source.CalamineSource, "__init__", refuse)
        slow, result = run(folder, jobs=2, output=tmp_path / "openpyxl.xlsx", reader="openpyxl")
        assert all(r.status == "已评分" for r in result.records)
        for sheet in (SUMMARY_SHEET, DETAIL_SHEET, PROBLEM_SHEET, RISK_SHEET):
            assert sheet_rows(fast, sheet) == sheet_rows(slow, sheet), sheet


class TestHostileFolder:
    def test_every_hostile_file_is_its_own_row_and_changes_nothing_else(self, folder: Path, tmp_path: Path,
                                                                        example_workbook: Path) -> None:
        """The whole hostile corpus of tests/hostile dropped among the submissions."""
        sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "hostile"))
        from hostile_files import CASES

        hostile = folder / "可疑文件"
        hostile.mkdir()
        for case, (make, _, _) in CASES.items():
            made = make(example_workbook, Path(tempfile.mkdtemp(dir=tmp_path)))
            made.rename(hostile / f"{case}.xlsx")
        output, result = run(folder, jobs=2)
        rows = {r["文件"]: r for r in sheet_rows(output, SUMMARY_SHEET)}
        for case, (_, _, words) in CASES.items():
            row = rows[f"可疑文件/{case}.xlsx"]
            assert row["状态"] == "未能读取" and row["总分"] is None, case
            problem = next(p for p in sheet_rows(output, PROBLEM_SHEET) if p["文件"] == f"可疑文件/{case}.xlsx")
            assert problem["编号"] == "E901" and words in problem["问题和修改建议"], (case, problem)
        scored = {r["单位"]: Decimal(str(r["总分"])) for r in rows.values() if r["状态"] == "已评分"}
        assert scored == expected_totals()
        assert len(result.records) == SAMPLES + len(CASES)


class TestLargeSummaries:
    def test_the_streamed_summary_holds_what_one_written_whole_would(self, folder: Path, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
        """Every summary is streamed (XlsxWriter's constant_memory: a row is on disk once the next is begun,
        whatever the number of departments): no cell is lost to it, against the same summary kept whole."""
        import xlsxwriter

        streamed, _ = run(folder, jobs=2, output=tmp_path / "streamed.xlsx")
        real = xlsxwriter.Workbook
        modes: list[bool] = []

        def whole(path: str, options: dict[str, Any]) -> Any:
            modes.append(options["constant_memory"])
            return real(path, {**options, "constant_memory": False})

        monkeypatch.setattr(xlsxwriter, "Workbook", whole)
        usual, _ = run(folder, jobs=2, output=tmp_path / "usual.xlsx")
        assert modes == [True]
        for sheet in (SUMMARY_SHEET, DETAIL_SHEET, PROBLEM_SHEET, RISK_SHEET, "统计"):  # 说明 holds the time
            assert sheet_rows(usual, sheet) == sheet_rows(streamed, sheet), sheet

    def test_texts_are_written_as_typed_whatever_they_hold(self, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
        """What a department typed reaches the summary as it was typed, the rows written as XML directly or
        cell by cell through XlsxWriter: control characters, XML's special characters, Excel's escapes, spaces
        at either end, a formula's look, text longer than a cell holds, and a text that looks like XlsxWriter's
        markup of a rich string (never written as XML)."""
        from xlperf.batch import _summary
        from xlperf.batch._record import FileRecord, IndicatorRow, Problem

        texts = ["<r><t>x</t></r><c r=\"Z9\"/><r><t>y</t></r>", "a & b < c > d \"e\"", "_x0041_ 与 \x01\x1f 控制符",
                 "  前后有空格  ", "=1+1", "＝SUM(A1)", "\uffff 非字符", "长" * 40000, "", "换\n行\t制表"]
        records = [FileRecord(f"{i}.xlsx", department=text, year=2022, framework="gz-baiyun-2022",
                              total=Decimal("90.5"), grade="优",
                              indicators=(IndicatorRow("ZX01", "整体效能", "指标", Decimal(20), Decimal("19.5"), text,
                                                       text, Decimal("0.5")),),
                              problems=(Problem("W303", "警告", "评分表", "F2", text),))
                   for i, text in enumerate(texts)]
        summary = _summary.summary_frames(records, grades=["优"])
        streamed: list[int] = []
        write = _summary._StreamedRows.write
        monkeypatch.setattr(_summary._StreamedRows, "write", lambda self, frame: (streamed.append(len(frame)),
                                                                                 write(self, frame))[1])
        fast = _summary.write_summary(tmp_path / "fast.xlsx", summary, overwrite=True)
        assert streamed, "the pinned XlsxWriter is written to directly (else this compares the slow way with itself)"
        monkeypatch.setattr(_summary._StreamedRows, "ready", staticmethod(lambda sheet: False))
        slow = _summary.write_summary(tmp_path / "cell-by-cell.xlsx", summary, overwrite=True)  # XlsxWriter's cells
        details = {row["文件"]: row for row in sheet_rows(fast, DETAIL_SHEET)}
        # as Excel writes them: a cell holds 32 767 characters, an empty text is a blank, control characters
        # and non-characters are written _xHHHH_ (and a "_x0041_" typed so is kept by escaping its "_")
        shown = {2: "_x005F_x0041_ 与 _x0001__x001F_ 控制符", 6: "_xFFFF_ 非字符"}
        assert [details[f"{i}.xlsx"]["扣分原因"] for i in range(len(texts))] == [
            shown.get(i, text[:32767] or None) for i, text in enumerate(texts)]
        assert details["4.xlsx"]["单位"] == "=1+1" and details["1.xlsx"]["评分说明"] == texts[1]
        for sheet in (SUMMARY_SHEET, DETAIL_SHEET, PROBLEM_SHEET):  # as XlsxWriter writes them, but for the markup
            fast_rows, slow_rows = sheet_rows(fast, sheet), sheet_rows(slow, sheet)
            assert [r for r in fast_rows if r["文件"] != "0.xlsx"] == [r for r in slow_rows if r["文件"] != "0.xlsx"]
        assert {r["文件"]: r for r in sheet_rows(slow, DETAIL_SHEET)}["0.xlsx"]["扣分原因"] == texts[0]  # there too

    def test_a_table_beyond_excel_rows_is_cut_with_a_note(self, folder: Path, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
        from xlperf.batch import _summary

        monkeypatch.setattr(_summary, "MAX_TABLE_ROWS", 100)  # as 40 000 departments would meet Excel's limit
        output, result = run(folder, jobs=2)
        assert len(sheet_rows(output, DETAIL_SHEET)) == 100
        assert any("指标明细" in note and "只写入了前 100 行" in note for note in result.notes)
        about = sheet_rows(output, "说明")
        assert any("只写入了前 100 行" in str(row) for row in about)


class TestWorkerStart:
    def test_spawned_workers_as_on_windows(self, folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """Windows has no fork: workers start fresh and import xlperf themselves."""
        import multiprocessing

        from xlperf.batch import _pool

        monkeypatch.setattr(_pool, "_context", lambda: multiprocessing.get_context("spawn"))
        output, result = run(folder, jobs=2)
        assert [r.status for r in result.records] == ["已评分"] * SAMPLES
        assert {r["单位"]: Decimal(str(r["总分"])) for r in sheet_rows(output, SUMMARY_SHEET)} == expected_totals()


class TestBrokenFiles:
    def test_each_bad_file_is_its_own_row_and_the_rest_are_scored(self, messy_folder: Path) -> None:
        output, result = run(messy_folder, jobs=2)
        rows = {r["文件"]: r for r in sheet_rows(output, SUMMARY_SHEET)}
        expected = expected_totals()
        scored = {r["单位"]: Decimal(str(r["总分"])) for r in rows.values() if r["状态"] == "已评分"}
        assert scored == expected  # the far cell's copy scores what its source scores
        unreadable = {name for name, r in rows.items() if r["状态"] == "未能读取"}
        assert unreadable == {"截断的.xlsx", "加密的.xlsx", "其实是网页.xlsx", "旧格式.xls"}
        assert "~$正在打开.xlsx" not in rows and "自评报告.docx" not in rows
        assert result.ignored == 2
        problems = {p["文件"]: p for p in sheet_rows(output, PROBLEM_SHEET) if p["编号"] == "E901"}
        assert "不完整" in problems["截断的.xlsx"]["问题和修改建议"]
        assert "加密" in problems["加密的.xlsx"]["问题和修改建议"]
        assert "网页" in problems["其实是网页.xlsx"]["问题和修改建议"]
        assert "另存为 .xlsx" in problems["旧格式.xls"]["问题和修改建议"]

    def test_the_far_cell_file_is_read_like_its_source(self, messy_folder: Path) -> None:
        output, _ = run(messy_folder, jobs=2)
        rows = {r["文件"]: r for r in sheet_rows(output, SUMMARY_SHEET)}
        far = rows["远处有一个单元格.xlsx"]
        twin = next(r for name, r in rows.items() if r["单位"] == far["单位"] and name != "远处有一个单元格.xlsx")
        assert far["总分"] == twin["总分"] and far["状态"] == "已评分"
        duplicates = [p for p in sheet_rows(output, PROBLEM_SHEET) if p["编号"] == "W902"]
        assert {p["文件"] for p in duplicates} == {"远处有一个单元格.xlsx", twin["文件"]}

    def test_a_file_that_kills_its_worker_only_loses_its_own_row(self, folder: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
        # the workers are forked from this process, so they run the patched function
        real = _worker._process
        victim = sorted((folder / "second").glob("*.xlsx"))[1]

        def crash_on_victim(path: Path, name: str, job: _worker.Job) -> Any:
            if path.name == victim.name:
                os._exit(9)  # what an abort in a native library looks like to the pool
            return real(path, name, job)

        monkeypatch.setattr(_worker, "_process", crash_on_victim)
        output, result = run(folder, jobs=2)
        rows = {r["文件"]: r for r in sheet_rows(output, SUMMARY_SHEET)}
        assert len(rows) == SAMPLES
        lost = rows[f"second/{victim.name}"]
        assert lost["状态"] == "未能读取"
        assert sum(r["状态"] == "已评分" for r in rows.values()) == SAMPLES - 1
        crash = [p for p in sheet_rows(output, PROBLEM_SHEET) if p["文件"] == f"second/{victim.name}"]
        assert len(crash) == 1 and "异常退出" in crash[0]["问题和修改建议"]


class TestHangingFile:
    def test_a_file_that_never_finishes_is_stopped_and_recorded(self, folder: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
        real = _worker._process
        victim = sorted((folder / "first").glob("*.xlsx"))[2]

        def hang_on_victim(path: Path, name: str, job: _worker.Job) -> Any:
            if path.name == victim.name:
                time.sleep(3600)
            return real(path, name, job)

        monkeypatch.setattr(_worker, "_process", hang_on_victim)
        started = time.monotonic()
        output, _ = run(folder, jobs=2, file_seconds=1)
        assert time.monotonic() - started < 60
        rows = {r["文件"]: r for r in sheet_rows(output, SUMMARY_SHEET)}
        assert rows[f"first/{victim.name}"]["状态"] == "未能读取"
        assert sum(r["状态"] == "已评分" for r in rows.values()) == SAMPLES - 1
        problem = next(p for p in sheet_rows(output, PROBLEM_SHEET) if p["文件"] == f"first/{victim.name}")
        assert "超过 1 秒仍未完成" in problem["问题和修改建议"]


class TestFormulaText:
    NASTY = ("=HYPERLINK(\"http://evil.example\",\"点击\")", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)")

    def test_department_text_never_becomes_a_formula(self, folder: Path, tmp_path: Path) -> None:
        from xlperf._samples import sample_data
        from xlperf.core.frameworks import load_framework
        from xlperf.core.jsonform import year_from_dict
        from xlperf.workbook.build import build_workbook

        data = sample_data(0)
        data["department"] = self.NASTY[0]
        data["indicators"]["ZH02"] |= {"value": 1, "reason": self.NASTY[1]}
        data["indicators"]["GK01"] |= {"value": "否", "reason": self.NASTY[3]}
        data["targets"][0]["name"] = self.NASTY[2]
        fw = load_framework(data["framework"])
        build_workbook(folder / "=evil.xlsx", fw, year_from_dict(data, fw))
        output, _ = run(folder, jobs=1)
        book = openpyxl.load_workbook(output)
        texts = {}
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula"
                    if isinstance(cell.value, str) and cell.value.startswith(("=", "+", "-", "@")):
                        assert cell.quotePrefix, f"{sheet.title}!{cell.coordinate} lacks the quote prefix"
                        texts[cell.value] = cell
        assert {self.NASTY[0], self.NASTY[1], self.NASTY[3], "=evil.xlsx"} <= set(texts)


class TestFormats:
    def test_ranks_years_and_counts_are_whole_numbers_beside_an_unreadable_file(self, folder: Path) -> None:
        (folder / "坏的.xlsx").write_bytes(b"not a workbook")
        output, _ = run(folder, jobs=2)
        sheet = openpyxl.load_workbook(output)[SUMMARY_SHEET]
        header = [c.value for c in sheet[1]]
        for column in ("排名", "年度", "错误", "警告", "风险"):
            cells = [row[header.index(column)] for row in sheet.iter_rows(min_row=2) if row[header.index(column)].value is not None]
            assert cells and all(c.number_format == "0" for c in cells), column
        assert all(c.number_format == "0.00" for c in (row[header.index("总分")] for row in sheet.iter_rows(min_row=2))
                   if c.value is not None)

    def test_a_file_name_in_gbk_is_shown_in_chinese(self, folder: Path) -> None:
        if sys.platform == "win32":
            pytest.skip("Windows names are Unicode")  # pragma: no cover
        source = sorted((folder / "first").glob("*.xlsx"))[0]
        target = os.fsencode(folder) + b"/" + "单位甲.xlsx".encode("gbk")
        shutil.copy(source, os.fsdecode(target))
        output, _ = run(folder, jobs=2)
        files = [r["文件"] for r in sheet_rows(output, SUMMARY_SHEET)]
        assert "单位甲.xlsx" in files


class TestOtherFiles:
    def test_a_json_department_year_is_scored_like_a_workbook(self, folder: Path) -> None:
        """A department that sent its data as xlperf's JSON form (xlperf export) is scored, ranked and
        checked like a workbook; a JSON file that is not such a form is its own E901 row."""
        from xlperf._samples import sample_data

        data = sample_data(SAMPLES)  # a department not among the workbooks
        import json

        (folder / "数据.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        (folder / "配置.json").write_text('{"colour": "blue"}', encoding="utf-8")
        output, result = run(folder, jobs=2)
        rows = {r["文件"]: r for r in sheet_rows(output, SUMMARY_SHEET)}
        expected = expected_totals(SAMPLES + 1)[data["department"]]
        assert rows["数据.json"]["状态"] == "已评分" and Decimal(str(rows["数据.json"]["总分"])) == expected
        assert rows["数据.json"]["单位"] == data["department"]
        assert rows["配置.json"]["状态"] == "未能读取"
        problems = [p for p in sheet_rows(output, PROBLEM_SHEET) if p["文件"] == "配置.json"]
        assert problems and "framework" in problems[0]["问题和修改建议"] + problems[0]["工作表"]

    def test_skipped_files_are_listed_with_the_reason(self, messy_folder: Path) -> None:
        """The command prints what it did not process and why, not only the summary's 说明 sheet."""
        (messy_folder / "扫描件.pdf").write_bytes(b"%PDF-1.4")
        done = run_xlperf("batch", str(messy_folder), "--jobs", "2")
        assert done.returncode == 1, done.stderr
        assert "未处理 3 个其他文件" in done.stdout
        assert "Excel 的临时锁定文件" in done.stdout and "~$正在打开.xlsx" in done.stdout
        assert "不是工作簿（.docx）：自评报告.docx" in done.stdout
        assert "不是工作簿（.pdf）：扫描件.pdf" in done.stdout


class TestPaths:
    def test_the_summary_never_replaces_an_input(self, folder: Path) -> None:
        target = sorted((folder / "first").glob("*.xlsx"))[0]
        before = target.read_bytes()
        with pytest.raises(XlperfError, match="单位的绩效自评工作簿") as refused:
            run(folder, output=target, force=True)
        assert "--force" not in str(refused.value)  # forcing is not the remedy: another name is
        assert target.read_bytes() == before
        command = run_xlperf("batch", str(folder), "-o", str(target))
        assert command.returncode == 2 and "-o" in command.stderr and "--force" not in command.stderr
        assert target.read_bytes() == before

    def test_the_summary_never_replaces_last_years(self, folder: Path, tmp_path: Path) -> None:
        last, _ = run(folder, jobs=2, output=tmp_path / "2021.xlsx")
        before = last.read_bytes()
        with pytest.raises(XlperfError, match="上年汇总表是同一个文件"):
            run(folder, output=last, previous=last, force=True)
        assert last.read_bytes() == before

    def test_a_drive_root_needs_an_output_name(self) -> None:
        with pytest.raises(XlperfError, match="根目录"):
            default_output(Path("/"))

    def test_a_folder_that_cannot_be_listed_is_its_own_row(self, folder: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
        real = os.scandir
        locked = folder / "second"

        def scandir(path: Any = ".") -> Any:
            if not isinstance(path, int) and Path(path) == locked:  # (rmtree lists folders by descriptor)
                raise PermissionError(13, "Permission denied", str(path))
            return real(path)

        monkeypatch.setattr(os, "scandir", scandir)
        output, _ = run(folder, jobs=2)
        rows = {r["文件"]: r for r in sheet_rows(output, SUMMARY_SHEET)}
        assert rows["second/"]["状态"] == "未能读取"
        assert sum(r["状态"] == "已评分" for r in rows.values()) == SAMPLES // 2
        problem = next(p for p in sheet_rows(output, PROBLEM_SHEET) if p["文件"] == "second/")
        assert "无法打开这个文件夹" in problem["问题和修改建议"]

    def test_an_output_folder_without_write_permission_is_refused_before_any_work(
            self, folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        import tempfile as tempfile_module

        def refuse(*args: Any, **kwargs: Any) -> Any:
            raise PermissionError(13, "Permission denied")

        monkeypatch.setattr(tempfile_module, "NamedTemporaryFile", refuse)
        with pytest.raises(XlperfError, match="无法在文件夹"):
            run(folder, output=tmp_path / "汇总.xlsx")


class TestProgress:
    def test_a_log_gets_a_line_every_tenth_with_the_pace(self) -> None:
        import io

        from xlperf.batch import progress_printer

        now = [0.0]
        log = io.StringIO()
        show = progress_printer(log, clock=lambda: now[0])
        for done in range(1, 101):
            now[0] = done * 0.5  # two files a second
            show(done, 100)
        lines = log.getvalue().splitlines()
        assert len(lines) == 11
        assert lines[0] == "进度：1/100（1%），每秒 2.0 个，还需约 50 秒"
        assert lines[5] == "进度：50/100（50%），每秒 2.0 个，还需约 25 秒"
        assert lines[-1] == "进度：100/100（100%），每秒 2.0 个，已完成"

    def test_the_time_left_is_said_as_a_person_would(self) -> None:
        from xlperf.batch import pace

        assert pace(100, 10_000, 10.0) == "每秒 10 个，还需约 16 分钟"
        assert pace(10, 7_210, 10.0) == "每秒 1.0 个，还需约 2 小时"
        assert pace(10, 7_330, 10.0) == "每秒 1.0 个，还需约 2 小时 2 分钟"
        assert pace(0, 10, 0.0) == "正在开始"

    def test_a_terminal_gets_a_bar_with_the_pace(self, monkeypatch: pytest.MonkeyPatch) -> None:
        import io

        from xlperf.batch import progress_printer

        class Terminal(io.StringIO):
            def isatty(self) -> bool:
                return True

        monkeypatch.setenv("COLUMNS", "100")
        now = [0.0]
        screen = Terminal()
        show = progress_printer(screen, clock=lambda: now[0])
        for done in range(1, 6):
            now[0] = done * 2.0
            show(done, 5)
        assert "检查评分" in screen.getvalue() and "5/5 每秒 0.5 个，已完成" in screen.getvalue()

    def test_the_command_shows_files_a_second_and_the_time_left(self, folder: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
        from xlperf.cli import main

        main(["batch", str(folder), "-o", str(folder.parent / "汇总.xlsx"), "--jobs", "2"])
        progress = [line for line in capsys.readouterr().err.splitlines() if line.startswith("进度：")]
        assert progress and all("每秒" in line for line in progress)
        assert "还需约" in progress[0] and progress[-1].endswith("已完成")

    def test_the_time_printed_covers_writing_the_summary(self, folder: Path, monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
        """用时 is the whole run: a summary that takes 2 seconds to write adds 2 seconds."""
        import re

        from xlperf.batch import _summary
        from xlperf.cli import main

        real = _summary.write_summary

        def slow(path: Path, summary: Any, **kwargs: Any) -> Path:
            time.sleep(2)
            return real(path, summary, **kwargs)

        monkeypatch.setattr(_summary, "write_summary", slow)
        main(["batch", str(folder), "-o", str(folder.parent / "汇总.xlsx"), "--jobs", "2"])
        said = re.search(r"用时 ([0-9.]+) 秒", capsys.readouterr().out)
        assert said is not None and float(said.group(1)) >= 2.0


class TestInterrupt:
    def test_ctrl_c_writes_no_summary(self, folder: Path) -> None:
        output = folder.parent / "汇总.xlsx"

        def interrupt(done: int, total: int) -> None:
            raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            run_batch(BatchOptions(folder, output, jobs=2), interrupt)
        assert not output.exists()
        assert not list(folder.parent.glob(".xlperf-*"))

    def test_ctrl_c_on_the_command_exits_130_and_writes_nothing(self, folder: Path) -> None:
        for copy in range(4):  # enough files that the run is still going when the signal comes
            shutil.copytree(folder / "first", folder / f"copy{copy}")
        output = folder.parent / "汇总.xlsx"
        process = subprocess.Popen([sys.executable, "-m", "xlperf", "batch", str(folder), "-o", str(output),
                                    "--jobs", "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   encoding="utf-8")
        assert process.stderr is not None
        first = process.stderr.readline()  # the first progress line: the workers are busy
        assert "进度" in first
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)
        assert process.returncode == 130, err
        assert "已中断" in err and "Traceback" not in err
        assert not output.exists()
        assert not list(folder.parent.glob(".xlperf-*"))


class TestPrevious:
    def test_totals_that_moved_are_flagged_against_last_year(self, folder: Path, tmp_path: Path) -> None:
        last_year, _ = run(folder, jobs=2, output=tmp_path / "2021.xlsx")
        book = openpyxl.load_workbook(last_year)
        sheet = book[SUMMARY_SHEET]
        header = [c.value for c in sheet[1]]
        total, name = header.index("总分") + 1, header.index("单位") + 1
        moved = sheet.cell(2, name).value
        sheet.cell(2, total).value = sheet.cell(2, total).value - 20  # last year 20 points lower
        book.save(last_year)
        output, _ = run(folder, jobs=2, previous=last_year, output=tmp_path / "2022.xlsx")
        risks = [r for r in sheet_rows(output, RISK_SHEET) if r["编号"] == "R03"]
        assert [r["单位"] for r in risks] == [moved]
        assert "上升 20 分" in risks[0]["说明"]
        rows = {r["单位"]: r for r in sheet_rows(output, SUMMARY_SHEET)}
        assert rows[moved]["变动"] == pytest.approx(20)
        assert all(r["上年总分"] is not None for r in rows.values())

    def test_a_department_twice_in_last_years_summary_is_not_compared_and_said_so(self, folder: Path,
                                                                                   tmp_path: Path) -> None:
        last_year, _ = run(folder, jobs=2, output=tmp_path / "2021.xlsx")
        book = openpyxl.load_workbook(last_year)
        sheet = book[SUMMARY_SHEET]
        header = [c.value for c in sheet[1]]
        name = header.index("单位") + 1
        twice = sheet.cell(2, name).value
        sheet.cell(3, name).value = twice
        book.save(last_year)
        output, result = run(folder, jobs=2, previous=last_year, output=tmp_path / "2022.xlsx")
        rows = {r["单位"]: r for r in sheet_rows(output, SUMMARY_SHEET)}
        assert rows[twice]["上年总分"] is None
        assert any("出现不止一次" in note and twice in note for note in result.notes)

    def test_a_wrong_previous_file_is_refused_before_any_work(self, folder: Path, tmp_path: Path) -> None:
        wrong = tmp_path / "不是汇总.xlsx"
        openpyxl.Workbook().save(wrong)
        with pytest.raises(XlperfError, match="汇总"):
            run(folder, previous=wrong)
        assert not (folder.parent / f"{folder.name}-汇总.xlsx").exists()


class TestOutputInUse:
    def test_a_summary_locked_by_excel_is_refused_before_any_work(self, folder: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
        output = folder.parent / "汇总.xlsx"
        output.write_bytes(b"open in Excel")
        real_open = Path.open

        def locked(self: Path, *args: Any, **kwargs: Any) -> Any:
            if self == output:
                raise PermissionError(13, "locked")  # what Windows says while Excel has the file open
            return real_open(self, *args, **kwargs)

        monkeypatch.setattr(Path, "open", locked)
        with pytest.raises(XlperfError, match="正在 Excel 或 WPS 中打开"):
            run(folder, output=output, force=True)

    def test_locked_during_the_run_keeps_the_work_under_another_name(self, folder: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
        from xlperf.batch import _summary

        output = folder.parent / "汇总.xlsx"
        real = _summary.write_summary

        def locked_once(path: Path, summary: Any, **kwargs: Any) -> Path:
            if path == output:
                raise XlperfError("无法写入：文件可能正在 Excel 或 WPS 中打开") from PermissionError(13, "locked")
            return real(path, summary, **kwargs)

        monkeypatch.setattr(_summary, "write_summary", locked_once)
        _, result = run(folder, output=output, jobs=2)
        assert result.output != output and result.output.name.startswith("汇总-") and result.output.exists()
        assert len(sheet_rows(result.output, SUMMARY_SHEET)) == SAMPLES
        assert "另存为" in result.notes[0]


class TestReports:
    def test_a_report_for_every_department_without_errors(self, folder: Path, tmp_path: Path) -> None:
        """The one report gate (evaluate): a department whose workbook has 错误 gets no report unless the
        run says --force, and its 报告 column says why and what to do."""
        reports = tmp_path / "报告"
        output, result = run(folder, jobs=2, reports=reports)
        made = sorted(p.relative_to(reports).as_posix() for p in reports.rglob("*.docx"))
        clean = [r for r in result.records if not r.errors]
        assert made == sorted(r.report for r in clean) and 0 < len(made) < SAMPLES
        assert all(r.report.startswith(("first/", "second/")) for r in clean)
        flagged = [r for r in sheet_rows(output, SUMMARY_SHEET) if r["错误"]]
        assert flagged and all("未生成报告" in r["报告"] and "--force" in r["报告"] for r in flagged)

    def test_with_force_every_department_gets_a_report_listing_its_errors(self, folder: Path,
                                                                        tmp_path: Path) -> None:
        reports = tmp_path / "报告"
        output, result = run(folder, jobs=2, reports=reports, force=True)
        made = sorted(p.relative_to(reports).as_posix() for p in reports.rglob("*.docx"))
        assert made == sorted(r.report for r in result.records) and len(made) == SAMPLES
        flagged = [r for r in sheet_rows(output, SUMMARY_SHEET) if r["错误"]]
        assert flagged and all("待核实" in r["报告"] for r in flagged)
        assert not list(reports.rglob(".xlperf-*"))

    def test_existing_reports_are_kept_without_force(self, folder: Path, tmp_path: Path) -> None:
        reports = tmp_path / "报告"
        run(folder, jobs=2, reports=reports, output=tmp_path / "1.xlsx")
        _, again = run(folder, jobs=2, reports=reports, output=tmp_path / "2.xlsx")
        assert all(not r.report for r in again.records)
        assert all("已存在" in r.report_note for r in again.records if not r.errors)
        _, forced = run(folder, jobs=2, reports=reports, output=tmp_path / "3.xlsx", force=True)
        assert all(r.report for r in forced.records)

    def test_an_xlsx_and_an_xlsm_of_one_name_get_two_reports(self, folder: Path, tmp_path: Path) -> None:
        first = sorted((folder / "first").glob("*.xlsx"))[0]
        shutil.copy(first, first.with_suffix(".xlsm"))
        reports = tmp_path / "报告"
        _, result = run(folder, jobs=2, reports=reports, force=True)
        names = [r.report for r in result.records]
        assert len(set(names)) == len(names) == SAMPLES + 1
        assert f"first/{first.name}-自评报告.docx" in names and f"first/{first.stem}.xlsm-自评报告.docx" in names


class TestCommand:
    def test_summary_and_exit_code(self, folder: Path) -> None:
        done = run_xlperf("batch", str(folder), "--jobs", "2")
        assert done.returncode == 1, done.stderr  # the samples have errors to send back
        output = default_output(folder)
        assert output.exists() and output.parent == folder.parent
        assert f"共 {SAMPLES} 个工作簿：已评分 {SAMPLES} 个" in done.stdout
        assert "问题清单" in done.stdout
        assert "Traceback" not in done.stderr

    def test_an_existing_summary_is_kept_without_force(self, folder: Path) -> None:
        output = default_output(folder)
        output.write_bytes(b"last week's")
        done = run_xlperf("batch", str(folder))
        assert done.returncode == 2 and "已存在" in done.stderr and "--force" in done.stderr
        assert output.read_bytes() == b"last week's"
        assert run_xlperf("batch", str(folder), "--force").returncode == 1
        assert output.read_bytes() != b"last week's"

    @pytest.mark.parametrize("make, message", [
        (lambda p: p, "找不到文件夹"),
        (lambda p: (p.mkdir(), p)[1], "没有找到 .xlsx/.xlsm"),
        (lambda p: (p.write_text("x"), p)[1], "不是文件夹"),
    ])
    def test_wrong_folders(self, tmp_path: Path, make: Any, message: str) -> None:
        target = make(tmp_path / "folder")
        done = run_xlperf("batch", str(target))
        assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr

    def test_a_framework_file_for_every_workbook(self, folder: Path, tmp_path: Path) -> None:
        from xlperf.core.frameworks import SHIPPED_DIR

        mine = tmp_path / "我区2022.toml"
        text = (SHIPPED_DIR / "gz-baiyun-2022.toml").read_text(encoding="utf-8")
        mine.write_text(text.replace("output_full_execution_below = 0.8", "output_full_execution_below = 0.99"),
                        encoding="utf-8")
        output = tmp_path / "汇总.xlsx"
        done = run_xlperf("batch", str(folder), "-o", str(output), "--framework", str(mine), "--jobs", "2")
        assert done.returncode == 1, done.stderr
        rows = sheet_rows(output, SUMMARY_SHEET)
        assert {r["单位"]: Decimal(str(r["总分"])) for r in rows} == expected_totals()
        r01 = [r for r in sheet_rows(output, RISK_SHEET) if r["编号"] == "R01"]
        assert r01 and all("低于 99%" in r["说明"] for r in r01)  # the file's threshold, not the shipped one

    def test_deductions_are_the_engines_under_a_rescale_framework(self, folder: Path, tmp_path: Path) -> None:
        """An indicator that does not apply is left out and rescaled: it lost nothing (not its points)."""
        from xlperf.core.frameworks import SHIPPED_DIR

        mine = tmp_path / "折算.toml"
        text = (SHIPPED_DIR / "gz-baiyun-2022.toml").read_text(encoding="utf-8")
        mine.write_text(text.replace('not_applicable = "full"', 'not_applicable = "rescale"'), encoding="utf-8")
        output, _ = run(folder, jobs=2, framework=str(mine), output=tmp_path / "汇总.xlsx")
        left_out = [r for r in sheet_rows(output, DETAIL_SHEET) if "不计入总分" in r["评分说明"]]
        assert left_out, "some samples have no new projects (BZ01 does not apply)"
        assert all(r["得分"] == 0 and r["扣分"] == 0 for r in left_out)

    def test_a_broken_framework_file_is_refused_before_any_work(self, folder: Path, tmp_path: Path) -> None:
        broken = tmp_path / "坏的.toml"
        broken.write_text("[framework\n", encoding="utf-8")
        done = run_xlperf("batch", str(folder), "--framework", str(broken))
        assert done.returncode == 2 and "TOML" in done.stderr and "Traceback" not in done.stderr
        assert not default_output(folder).exists()

    def test_input_workbooks_are_not_changed(self, folder: Path) -> None:
        before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.rglob("*") if p.is_file()}
        time.sleep(0.01)
        done = run_xlperf("batch", str(folder), "--jobs", "2")
        assert done.returncode == 1 and default_output(folder).exists(), done.stderr
        after = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.rglob("*") if p.is_file()}
        assert before == after
