"""Nothing is left behind when writing fails (issue 12, point 9): a failure injected at each write step
of new, build-workbook, export, report (and its PDF) and batch gives one Chinese line, and leaves no
temporary file (.xlperf-*, XlsxWriter's parts, xlperf-pdf-*) in the output folder or in TMPDIR.

Every command runs in one child process with a private TMPDIR (guarded.py); the faults are listed in
guarded.FAULTS.
"""

from __future__ import annotations

import json
import shutil
import stat
import sys
from pathlib import Path

import pytest
from guarded import Run, run_guarded

from xlperf._open import example_data

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="the fake LibreOffice is a shell script")

COMMANDS = {
    "new": ["new", "-o", "{out}/新文件夹/x.xlsx", "--from", "{json}"],  # the folder made for it goes too
    "build-workbook": ["build-workbook", "-o", "{out}/x.xlsm"],
    "export": ["export", "{wb}", "-o", "{out}/x.json"],
    "report": ["report", "{wb}", "-o", "{out}/r.docx"],
    "batch": ["batch", "{folder}", "-o", "{out}/汇总.xlsx", "--jobs", "1"],
}
#: fault -> (exit code, words of the one line on stderr)
FAULTS = {
    "mkstemp": (2, "磁盘空间不足"),
    "write": (2, "磁盘空间不足"),
    "chmod": (2, "只读"),
    "replace": (2, "正在 Excel 或 WPS 中打开"),
    "crash": (2, "内部错误"),
    "interrupt": (130, "已中断"),
}
#: what LibreOffice does, as a shell script given --outdir ($out)
SOFFICE = {"ok": "printf '%%PDF-1.7 fake' > \"$out/report.pdf\"",
           "fail": "printf '%%PDF-1.7 half' > \"$out/report.pdf\"\necho 'Error: cannot load' >&2\nexit 1"}


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory, example_workbook: Path) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("inputs")
    data = folder / "data.json"
    data.write_text(json.dumps(example_data(), ensure_ascii=False), encoding="utf-8")
    batch = folder / "submissions"
    batch.mkdir()
    shutil.copy(example_workbook, batch / "a.xlsx")
    shutil.copy(example_workbook, batch / "b.xlsx")
    surrogate = example_data()
    surrogate["department"] = "白云\ud800科协"
    bad = folder / "surrogate.json"
    bad.write_text(json.dumps(surrogate), encoding="utf-8")  # ASCII: the surrogate as a \ud800 escape
    return {"wb": example_workbook, "json": data, "folder": batch, "surrogate": bad}


def _fake_soffice(folder: Path) -> Path:
    """A LibreOffice that does what $FAKE_SOFFICE says (SOFFICE), on PATH before any real one."""
    folder.mkdir()
    script = folder / "soffice"
    cases = "".join(f"  {name}) {body} ;;\n" for name, body in SOFFICE.items())
    script.write_text("#!/bin/sh\nwhile [ $# -gt 0 ]; do [ \"$1\" = --outdir ] && out=\"$2\"; shift; done\n"
                      f"mkdir -p \"$out\"\ncase \"$FAKE_SOFFICE\" in\n{cases}esac\n", encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return folder


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory, inputs: dict[str, Path]) -> dict[str, dict]:
    """case -> what the command did and what it left in its output folder; all cases in one child."""
    cases: dict[str, tuple[list[str], str | None, dict[str, str]]] = {}
    for command, argv in COMMANDS.items():
        for fault in FAULTS:
            cases[f"{command}/{fault}"] = (argv, fault, {})
    report_pdf = [*COMMANDS["report"], "--pdf"]
    cases["report-pdf/ok"] = (report_pdf, None, {"FAKE_SOFFICE": "ok"})
    cases["report-pdf/conversion-fails"] = (report_pdf, None, {"FAKE_SOFFICE": "fail"})
    cases["report-pdf/pdf-replace"] = (report_pdf, "pdf-replace", {"FAKE_SOFFICE": "ok"})
    cases["batch-reports/docx"] = ([*COMMANDS["batch"], "--reports", "{out}/报告"], "docx", {})
    cases["new/surrogate"] = (["new", "-o", "{out}/x.xlsx", "--from", "{surrogate}"], None, {})
    runs, outs = [], []
    for case, (argv, fault, env) in cases.items():
        out = tmp_path_factory.mktemp(case.replace("/", "-"))
        names = {"out": str(out), **{k: str(v) for k, v in inputs.items()}}
        runs.append(Run([arg.format(**names) for arg in argv], fault, env))
        outs.append(out)
    bin_folder = _fake_soffice(tmp_path_factory.mktemp("fake") / "bin")
    done = run_guarded(runs, tmp_path_factory.mktemp("tmpdir"), timeout=600, path=str(bin_folder))
    for result, out in zip(done, outs):
        result["written"] = _files(out)
    return dict(zip(cases, done))


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("command", COMMANDS)
def test_a_failed_write_leaves_nothing(command: str, fault: str, results: dict[str, dict]) -> None:
    """One line saying what went wrong (磁盘空间不足, 只读 …; 内部错误 only for a bug), and nothing in
    the output folder or TMPDIR but, after a bug, the error log the line names."""
    result = results[f"{command}/{fault}"]
    code, words = FAULTS[fault]
    lines = [line for line in result["stderr"].strip().splitlines() if not line.startswith("进度：")]  # (batch)
    assert result["code"] == code, result
    assert len(lines) == 1 and words in lines[0], result["stderr"]
    assert "Traceback" not in result["stderr"] and "系统错误代码" not in lines[0]
    assert result["written"] == []
    if fault == "crash":
        assert len(result["tmp"]) == 1 and result["tmp"][0].startswith("xlperf-error-"), result["tmp"]
    else:
        assert result["tmp"] == [], result["tmp"]


def test_the_fake_libreoffice_makes_a_pdf(results: dict[str, dict]) -> None:
    """The cases below fail where they should, not earlier: with a working converter the PDF is made."""
    result = results["report-pdf/ok"]
    assert result["code"] == 0, result
    assert result["written"] == ["r.docx", "r.pdf"] and result["tmp"] == []


@pytest.mark.parametrize("case", ["report-pdf/conversion-fails", "report-pdf/pdf-replace"])
def test_a_failed_pdf_keeps_the_report_and_nothing_else(case: str, results: dict[str, dict]) -> None:
    """The Word report is written (the message says to save it as PDF from Word); no PDF, no partial PDF,
    no xlperf-pdf-* folder with LibreOffice's profile in TMPDIR."""
    result = results[case]
    assert result["code"] == 2, result
    assert len(result["stderr"].strip().splitlines()) == 1 and "pdf" in result["stderr"].lower()
    assert result["written"] == ["r.docx"] and result["tmp"] == []


def test_reports_that_cannot_be_written_leave_nothing_in_the_reports_folder(results: dict[str, dict]) -> None:
    """A batch whose workers cannot write the reports still writes the summary, says why in it, and leaves
    no partial report behind."""
    result = results["batch-reports/docx"]
    assert result["code"] in (0, 1), result
    assert result["written"] == ["报告", "汇总.xlsx"] and result["tmp"] == []


def test_a_lone_surrogate_in_json_is_an_input_error(results: dict[str, dict]) -> None:
    """"\\ud800" in the department's name: one line naming the place, not 内部错误, nothing written (and
    none of XlsxWriter's temporary files in TMPDIR)."""
    result = results["new/surrogate"]
    assert result["code"] == 2, result
    assert "surrogate.json：department：" in result["stderr"] and "无效的字符" in result["stderr"]
    assert result["written"] == [] and result["tmp"] == []
