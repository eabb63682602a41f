"""Stopped from outside (issue 12, point 7): SIGTERM or SIGHUP — `timeout`, a task manager, a closed
terminal, Excel ending Python — during `report --pdf` or `batch` is handled like Ctrl-C: the children
are stopped, nothing partial is left, and the command says so in Chinese with exit code 128 + the signal.
If the parent is killed outright (SIGKILL), the batch's workers end with it.

Each command runs in a session of its own (so its process group can be inspected), with a private
TMPDIR. The run is made slow deterministically: a stand-in LibreOffice that waits, or a batch whose
files never finish (a small script replaces the worker's processing, then runs the real `main`).
"""

from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="POSIX signals, process groups, /proc")

STOPS = [pytest.param(signal.SIGTERM, 143, "SIGTERM", id="SIGTERM"),
         pytest.param(getattr(signal, "SIGHUP", 1), 129, "SIGHUP", id="SIGHUP")]


def wait_for(condition: Callable[[], object], seconds: float = 60, what: str = "") -> None:
    end = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < end, f"waited {seconds} s for {what}"
        time.sleep(0.02)


def living(group: int) -> list[str]:
    """The processes of a process group that have not ended (a zombie has ended, only not been reaped)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            text = (entry / "stat").read_text()
        except OSError:
            continue
        state, _ppid, pgrp = text[text.rindex(")") + 2:].split()[:3]
        if int(pgrp) == group and state != "Z":
            found.append(f"{entry.name} {text[:text.rindex(')') + 1]}")
    return found


def assert_group_ends(group: int) -> None:
    """Every process of `group` ends within a few seconds (os.killpg(group, 0) then finds none alive)."""
    wait_for(lambda: not living(group), 10, f"the processes of group {group} to end: {living(group)}")


_groups: list[int] = []  # process groups a test started: killed after it, whatever happened


@pytest.fixture(autouse=True)
def _no_process_outlives_its_test() -> Iterator[None]:
    yield
    while _groups:
        try:
            os.killpg(_groups.pop(), signal.SIGKILL)
        except ProcessLookupError:
            pass


def start(args: list[str], tmp: Path, env: dict[str, str] | None = None,
          script: str | None = None) -> subprocess.Popen[str]:
    """`xlperf ARGS` (or SCRIPT, which ends by running xlperf's main) in a session of its own."""
    command = [sys.executable, "-c", script, *args] if script else [sys.executable, "-m", "xlperf", *args]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8",
                               env={**os.environ, "TMPDIR": str(tmp), **(env or {})}, start_new_session=True)
    _groups.append(process.pid)
    return process


def stopped(process: subprocess.Popen[str], number: int) -> tuple[int, str]:
    os.kill(process.pid, number)
    _, err = process.communicate(timeout=60)
    return process.returncode, err


@pytest.fixture
def private_tmp(tmp_path: Path) -> Path:
    folder = tmp_path / "tmp"
    folder.mkdir()
    return folder


# --- report --pdf ------------------------------------------------------------------------------------


def fake_soffice(folder: Path) -> Path:
    """A LibreOffice that writes its process id, starts a child and waits (the real one is a launcher
    with soffice.bin below it)."""
    folder.mkdir()
    script = folder / "soffice"
    script.write_text('#!/bin/sh\necho $$ > "$XLPERF_TEST_SOFFICE_PID"\nsleep 600 &\nwait\n', encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


@linux_only
class TestReportPdf:
    @pytest.mark.parametrize(("number", "code", "name"), STOPS)
    def test_a_signal_during_the_conversion_leaves_nothing_behind(
            self, example_workbook: Path, tmp_path: Path, private_tmp: Path, number: int, code: int,
            name: str) -> None:
        work = tmp_path / "work"
        work.mkdir()
        source = Path(shutil.copy(example_workbook, work / "自评.xlsx"))
        bin_folder = tmp_path / "bin"
        fake_soffice(bin_folder)
        pid_file = tmp_path / "soffice.pid"
        out = work / "报告" / "自评报告.docx"
        process = start(["report", str(source), "-o", str(out), "--pdf"], private_tmp,
                        env={"PATH": f"{bin_folder}{os.pathsep}{os.environ['PATH']}",
                             "XLPERF_TEST_SOFFICE_PID": str(pid_file)})
        wait_for(lambda: pid_file.exists() and pid_file.read_text().strip(), what="LibreOffice to start")
        soffice = int(pid_file.read_text())
        _groups.append(soffice)
        assert living(soffice), "LibreOffice runs in a process group of its own"
        returncode, err = stopped(process, number)
        assert returncode == code, err
        assert f"已终止（收到 {name}），未写入任何不完整的文件。" in err and "Traceback" not in err
        assert_group_ends(process.pid)
        assert_group_ends(soffice)  # the stand-in and the child it started
        assert not list(out.parent.glob(".xlperf-*")) and not out.with_suffix(".pdf").exists()
        assert list(private_tmp.iterdir()) == []  # no xlperf-pdf-* folder, nothing of LibreOffice's
        assert sorted(p.name for p in work.iterdir()) == ["报告", "自评.xlsx"]

    @pytest.mark.libreoffice
    def test_the_real_libreoffice_is_stopped_with_it(self, example_workbook: Path, tmp_path: Path,
                                                     private_tmp: Path) -> None:
        from xlperf.report import pdf

        if not pdf.libreoffice_available():
            pytest.fail("LibreOffice (soffice) is not installed (scripts/test.sh installs it)")
        out = tmp_path / "自评报告.docx"
        process = start(["report", str(example_workbook), "-o", str(out), "--pdf"], private_tmp)

        def converting() -> list[int]:
            return [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit() and _runs_in(p, private_tmp)]

        wait_for(converting, what="LibreOffice to start")
        _groups.extend({os.getpgid(pid) for pid in converting()})
        returncode, err = stopped(process, signal.SIGTERM)
        assert returncode == 143, err
        assert "已终止（收到 SIGTERM）" in err
        wait_for(lambda: not converting(), 10, "LibreOffice to end")
        assert_group_ends(process.pid)
        assert not list(tmp_path.glob(".xlperf-*")) and not out.with_suffix(".pdf").exists()
        assert list(private_tmp.iterdir()) == []


def _runs_in(proc: Path, folder: Path) -> bool:
    """Is /proc/PID a living process whose command line names `folder`?"""
    try:
        if (proc / "stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
            return False
        return str(folder) in (proc / "cmdline").read_bytes().decode(errors="replace")
    except (OSError, IndexError):
        return False


# --- batch -------------------------------------------------------------------------------------------

#: runs `xlperf batch` with every file taking forever (a worker that never returns, as with the hostile
#: file of the issue); each worker marks the file it starts in MARKS
BUSY = textwrap.dedent("""
    import os, sys, time
    from pathlib import Path
    from xlperf import cli
    from xlperf.batch import _worker

    def forever(path, name, job):
        (Path(os.environ["MARKS"]) / f"{{os.getpid()}}-{{path.name}}").touch()
        while True:  # stuck, but asleep: two spinning workers on a 2-core machine starve the parent under test
            time.sleep(0.05)

    _worker._process = forever
    {extra}
    sys.exit(cli.main(sys.argv[1:]))
""")


def busy_batch(folder: Path, output: Path, tmp: Path, marks: Path, extra: str = "",
               args: tuple[str, ...] = ()) -> subprocess.Popen[str]:
    marks.mkdir()
    process = start(["batch", str(folder), "-o", str(output), "--jobs", "2", *args], tmp,
                    env={"MARKS": str(marks)}, script=BUSY.format(extra=extra))
    wait_for(lambda: len(list(marks.iterdir())) >= 2, what="both workers to be busy")
    return process


@pytest.fixture
def submissions(example_workbook: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "各单位"
    folder.mkdir()
    for n in range(4):
        shutil.copy(example_workbook, folder / f"单位{n}.xlsx")
    return folder


@linux_only
class TestBatch:
    @pytest.mark.parametrize("whole_group", [False, True], ids=["to-the-parent", "to-the-group"])
    @pytest.mark.parametrize(("number", "code", "name"), STOPS)
    def test_a_signal_stops_the_workers_and_writes_nothing(self, submissions: Path, tmp_path: Path,
                                                           private_tmp: Path, number: int, code: int,
                                                           name: str, whole_group: bool) -> None:
        """Sent to the parent (a task manager) or to its whole process group (a closed terminal)."""
        output = tmp_path / "汇总.xlsx"
        reports = tmp_path / "报告"
        process = busy_batch(submissions, output, private_tmp, tmp_path / "marks", args=("--reports", str(reports)))
        if whole_group:
            os.killpg(process.pid, number)
            _, err = process.communicate(timeout=60)
            returncode = process.returncode
        else:
            returncode, err = stopped(process, number)
        assert returncode == code, err
        assert f"已终止（收到 {name}），未写入任何不完整的文件。" in err and "Traceback" not in err
        assert_group_ends(process.pid)  # no worker left, busy or idle
        assert not output.exists() and not list(tmp_path.glob(".xlperf-*")) and not list(reports.rglob("*"))

    def test_workers_end_when_the_parent_is_killed(self, submissions: Path, tmp_path: Path,
                                                   private_tmp: Path) -> None:
        """SIGKILL leaves the parent no chance to stop them: they end by themselves (Linux: the kernel)."""
        process = busy_batch(submissions, tmp_path / "汇总.xlsx", private_tmp, tmp_path / "marks")
        process.kill()
        process.communicate(timeout=60)
        assert_group_ends(process.pid)

    def test_workers_end_with_the_parent_where_the_kernel_does_not_do_it(self, submissions: Path,
                                                                         tmp_path: Path, private_tmp: Path) -> None:
        """The fallback of other systems: a thread of the worker watches the parent."""
        process = busy_batch(submissions, tmp_path / "汇总.xlsx", private_tmp, tmp_path / "marks",
                             extra="_worker._PR_SET_PDEATHSIG = -1  # prctl refuses it: the fallback")
        process.kill()
        process.communicate(timeout=60)
        assert_group_ends(process.pid)

    def test_a_hangup_ignored_by_nohup_stays_ignored(self, submissions: Path, tmp_path: Path,
                                                     private_tmp: Path) -> None:
        """`nohup xlperf batch …` goes on when the terminal closes, and so do its workers."""
        script = textwrap.dedent("""
            import os, signal, sys, time
            from pathlib import Path
            from xlperf import cli
            from xlperf.batch import _worker

            real = _worker._process

            def slow(path, name, job):
                (Path(os.environ["MARKS"]) / f"{os.getpid()}-{path.name}").touch()
                time.sleep(1)
                return real(path, name, job)

            _worker._process = slow
            signal.signal(signal.SIGHUP, signal.SIG_IGN)  # as nohup leaves it
            sys.exit(cli.main(sys.argv[1:]))
        """)
        marks = tmp_path / "marks"
        marks.mkdir()
        output = tmp_path / "汇总.xlsx"
        process = start(["batch", str(submissions), "-o", str(output), "--jobs", "2"], private_tmp,
                        env={"MARKS": str(marks)}, script=script)
        wait_for(lambda: len(list(marks.iterdir())) >= 2, what="both workers to be busy")
        os.killpg(process.pid, signal.SIGHUP)  # a closed terminal hangs up its whole foreground group
        _, err = process.communicate(timeout=60)
        assert process.returncode == 0, err
        assert output.exists() and "已终止" not in err


class TestHandlers:
    def test_the_handlers_are_those_of_before_once_main_returns(self) -> None:
        """`main` may be called by a program of its own (tests, Excel's Python): it leaves signals as it
        found them."""
        from xlperf import cli

        names = [n for n in cli.STOP_SIGNALS if hasattr(signal, n)]
        before = {n: signal.getsignal(getattr(signal, n)) for n in names}
        assert cli.main(["frameworks"]) == 0
        assert {n: signal.getsignal(getattr(signal, n)) for n in names} == before

    def test_a_stop_signal_during_a_command_is_reported_as_such(self, monkeypatch: pytest.MonkeyPatch,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
        """The command in the block sees a KeyboardInterrupt (every cleanup path catches it); main says
        which signal ended it and exits 128 + its number."""
        from xlperf import cli

        def killed(args: object) -> int:
            signal.raise_signal(signal.SIGTERM)
            raise AssertionError("not reached: the handler raises")

        monkeypatch.setattr(cli, "cmd_frameworks", killed)
        assert cli.main(["frameworks"]) == 128 + signal.SIGTERM
        assert "已终止（收到 SIGTERM），未写入任何不完整的文件。" in capsys.readouterr().err
