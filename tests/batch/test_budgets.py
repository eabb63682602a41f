"""Each file of a batch has a budget of seconds and memory. A file past it is stopped and listed in 问题清单
(E901) with the reason, once: no retry, and no other file is redone. A worker that dies costs only the
file it had in hand.

Slow, memory-hungry and crashing files are simulated by replacing the worker's processing of chosen
files (the workers are forked from the test process, so they run the replacement); each start of a
file is recorded, to show that nothing runs twice.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from batch_folders import SAMPLES

from xlperf import cli
from xlperf.batch import PROBLEM_SHEET, SUMMARY_SHEET, BatchOptions, _worker, run_batch

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="memory is limited on Linux only")


def hostile_copies(folder: Path, kind: str, count: int) -> list[Path]:
    """`count` copies of a sample workbook named after what they will do ("slow-1.xlsx" …)."""
    source = next((folder / "first").glob("*.xlsx"))
    return [Path(shutil.copy(source, folder / f"{kind}-{n}.xlsx")) for n in range(1, count + 1)]


def behave(monkeypatch: pytest.MonkeyPatch, starts: Path) -> None:
    """Files named slow-* never finish, hog-* take memory until refused, crash-* end their worker;
    every start of every file is recorded in `starts`."""
    real = _worker._process
    starts.mkdir()

    def hostile(path: Path, name: str, job: _worker.Job) -> Any:
        (starts / f"{path.name}.{uuid.uuid4().hex}").touch()
        if path.name.startswith("slow-"):
            time.sleep(3600)
        if path.name.startswith("hog-"):
            held = []
            while True:
                held.append(b"x" * (20 * 1024 * 1024))
        if path.name.startswith("crash-"):
            os._exit(9)  # what an abort in a native library looks like to the parent
        return real(path, name, job)

    monkeypatch.setattr(_worker, "_process", hostile)


def started(starts: Path) -> Counter[str]:
    return Counter(p.name.rsplit(".", 1)[0] for p in starts.iterdir())


def files_of(folder: Path) -> set[str]:
    return {p.name for p in folder.rglob("*.xlsx")}


class TestTime:
    def test_slow_files_are_stopped_at_their_budget_once(self, folder: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
        slow = hostile_copies(folder, "slow", 4)
        behave(monkeypatch, tmp_path / "starts")
        output = tmp_path / "汇总.xlsx"
        begun = time.monotonic()
        result = run_batch(BatchOptions(folder, output, jobs=2, file_seconds=3))
        seconds = time.monotonic() - begun
        rows = {r["文件"]: r for r in sheet_rows(output, SUMMARY_SHEET)}
        assert [rows[p.name]["状态"] for p in slow] == ["未能读取"] * 4
        assert sum(r["状态"] == "已评分" for r in rows.values()) == SAMPLES
        problems = [p for p in sheet_rows(output, PROBLEM_SHEET) if p["文件"].startswith("slow-")]
        assert len(problems) == 4
        assert all(p["编号"] == "E901" and "超过 3 秒仍未完成，已停止" in p["问题和修改建议"] for p in problems)
        assert started(tmp_path / "starts") == Counter(dict.fromkeys(files_of(folder), 1))  # no retry
        # each slow file costs its budget once, two at a time: about 6 s. Retrying each at the same budget,
        # or stopping them one at a time, would take at least 4 files x 3 s.
        assert seconds < 4 * 3
        assert any("4 个文件超过每个文件的处理时限（3 秒）" in n for n in result.notes)

    def test_the_budget_is_in_the_summary_notes(self, folder: Path, tmp_path: Path) -> None:
        output = tmp_path / "汇总.xlsx"
        run_batch(BatchOptions(folder, output, jobs=1, file_seconds=30, file_memory=1500))
        about = {r[0]: r[1] for r in _rows(output, "说明")}
        assert about["每个文件的限额"].startswith("处理时间 30 秒，内存 1500 MB")


class TestMemory:
    @linux_only
    def test_a_file_past_its_memory_is_stopped_and_the_rest_are_scored(self, folder: Path, tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
        hogs = hostile_copies(folder, "hog", 2)
        behave(monkeypatch, tmp_path / "starts")
        output = tmp_path / "汇总.xlsx"
        result = run_batch(BatchOptions(folder, output, jobs=2, file_memory=300))
        rows = {r["文件"]: r for r in sheet_rows(output, SUMMARY_SHEET)}
        assert [rows[p.name]["状态"] for p in hogs] == ["未能读取"] * 2
        assert sum(r["状态"] == "已评分" for r in rows.values()) == SAMPLES
        problems = [p for p in sheet_rows(output, PROBLEM_SHEET) if p["文件"].startswith("hog-")]
        assert [p["编号"] for p in problems] == ["E901"] * 2
        assert all("超过内存上限（300 MB），已停止" in p["问题和修改建议"] for p in problems)
        assert started(tmp_path / "starts") == Counter(dict.fromkeys(files_of(folder), 1))
        assert any("2 个文件超过" in n and "内存上限（300 MB）" in n for n in result.notes)

    @linux_only
    def test_ordinary_workbooks_fit_a_small_budget(self, folder: Path, tmp_path: Path) -> None:
        """The budget is what a file may add to its worker, whatever the worker holds already: a
        department's workbook needs a few tens of megabytes."""
        result = run_batch(BatchOptions(folder, tmp_path / "汇总.xlsx", jobs=2, file_memory=200))
        assert [r.status for r in result.records] == ["已评分"] * SAMPLES


class TestCrash:
    def test_a_crash_costs_its_own_file_only_and_nothing_runs_twice(self, folder: Path, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
        crashes = hostile_copies(folder, "crash", 3)
        behave(monkeypatch, tmp_path / "starts")
        output = tmp_path / "汇总.xlsx"
        run_batch(BatchOptions(folder, output, jobs=2))
        rows = {r["文件"]: r for r in sheet_rows(output, SUMMARY_SHEET)}
        assert [rows[p.name]["状态"] for p in crashes] == ["未能读取"] * 3
        assert sum(r["状态"] == "已评分" for r in rows.values()) == SAMPLES
        problems = [p for p in sheet_rows(output, PROBLEM_SHEET) if p["文件"].startswith("crash-")]
        assert len(problems) == 3 and all("异常退出" in p["问题和修改建议"] for p in problems)
        # the culprit is the file its worker had in hand: found without running anything again
        assert started(tmp_path / "starts") == Counter(dict.fromkeys(files_of(folder), 1))


class TestOptions:
    def test_the_command_takes_the_budget(self, folder: Path, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
        hostile_copies(folder, "slow", 1)
        behave(monkeypatch, tmp_path / "starts")
        output = tmp_path / "汇总.xlsx"
        code = cli.main(["batch", str(folder), "-o", str(output), "--jobs", "2", "--file-seconds", "1.5",
                         "--file-memory", "1024"])
        assert code == 1
        problem = next(p for p in sheet_rows(output, PROBLEM_SHEET) if p["文件"] == "slow-1.xlsx")
        assert "超过 1.5 秒仍未完成" in problem["问题和修改建议"]
        assert {r[0]: r[1] for r in _rows(output, "说明")}["每个文件的限额"].startswith("处理时间 1.5 秒，内存 1024 MB")

    @pytest.mark.parametrize(("option", "value", "message"), [
        ("--file-seconds", "0", "--file-seconds 应为正数（秒），收到 0"),
        ("--file-seconds", "nan", "--file-seconds 应为正数（秒），收到 nan"),
        ("--file-memory", "50", "--file-memory 应为不小于 100 的整数（MB），收到 50"),
    ])
    def test_a_budget_that_cannot_be_is_refused_before_any_work(self, folder: Path, tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str],
                                                                option: str, value: str, message: str) -> None:
        output = tmp_path / "汇总.xlsx"
        assert cli.main(["batch", str(folder), "-o", str(output), option, value]) == 2
        assert message in capsys.readouterr().err
        assert not output.exists()

    def test_the_help_gives_the_defaults_of_the_code(self, capsys: pytest.CaptureFixture[str]) -> None:
        with pytest.raises(SystemExit):
            cli.main(["batch", "--help"])
        text = " ".join(capsys.readouterr().out.split())
        assert f"（默认 {_worker.FILE_SECONDS:g}）" in text
        assert f"（默认 {_worker.FILE_MEMORY_MB}；" in text


def _rows(path: Path, sheet: str) -> list[tuple[Any, ...]]:
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        return [tuple(r) for r in book[sheet].iter_rows(values_only=True)]
    finally:
        book.close()


def sheet_rows(path: Path, sheet: str) -> list[dict[str, Any]]:
    """The rows of a summary sheet as dicts keyed by the header."""
    rows = _rows(path, sheet)
    header = [h for h in rows[0] if h is not None]
    return [dict(zip(header, row)) for row in rows[1:] if any(v is not None for v in row[:len(header)])]
