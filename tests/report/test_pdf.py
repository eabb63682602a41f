"""PDF conversion with LibreOffice: Chinese text survives; missing, failing or hanging LibreOffice gives a
Chinese error and never a partial file. The real conversions fail (never skip) without LibreOffice: CI
installs it."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from xlperf.core.errors import XlperfError
from xlperf.report import pdf

TEXT = "部门整体支出绩效自评报告：财政拨款收入预算数 332.21 万元"
posix_only = pytest.mark.skipif(sys.platform == "win32", reason="the stand-in LibreOffice is a shell script")


@pytest.fixture
def docx_file(tmp_path: Path) -> Path:
    """A small Word document with Chinese text, East-Asian font set, in a folder with a Chinese name."""
    import docx
    from docx.oxml.ns import qn

    document = docx.Document()
    run = document.add_paragraph().add_run(TEXT)
    run.font.name = "Times New Roman"
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "仿宋_GB2312")
    path = tmp_path / "输入 文件夹" / "自评报告 2022.docx"
    path.parent.mkdir()
    document.save(str(path))
    return path


def _require_libreoffice() -> None:
    if not pdf.libreoffice_available():
        pytest.fail("LibreOffice (soffice) is not installed, so reports cannot be converted to PDF. "
                    "Install the Debian package libreoffice-writer-nogui (.ci/run does).")


def _fake_soffice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str) -> Path:
    """Stand in for LibreOffice with a shell script; $out is the --outdir it was given."""
    script = tmp_path / "fake-soffice"
    script.write_text("#!/bin/sh\nwhile [ $# -gt 0 ]; do [ \"$1\" = --outdir ] && out=\"$2\"; shift; done\n"
                      f"mkdir -p \"$out\"\n{body}\n", encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setattr(pdf, "find_soffice", lambda: str(script))
    return script


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            return "\nState:\tZ" not in status.read()  # a zombie has ended, only not reaped by its new parent
    except FileNotFoundError:
        return False


@pytest.mark.libreoffice
class TestConversion:
    def test_chinese_docx_becomes_a_pdf_with_its_text(self, tmp_path: Path, docx_file: Path) -> None:
        """The PDF starts with %PDF, pdftotext finds the Chinese text, nothing is left beside the input."""
        _require_libreoffice()
        target = tmp_path / "输出" / "自评报告 2022.pdf"
        started = time.perf_counter()
        assert pdf.convert_to_pdf(docx_file, target) == target
        seconds = time.perf_counter() - started
        assert target.read_bytes().startswith(b"%PDF-")
        pdftotext = shutil.which("pdftotext")
        if pdftotext is None:
            pytest.fail("pdftotext is not installed: install the Debian package poppler-utils "
                        "(.ci/run does).")
        text = subprocess.run([pdftotext, str(target), "-"], capture_output=True, check=True).stdout.decode()
        assert TEXT in text
        assert [p.name for p in target.parent.iterdir()] == [target.name]
        assert [p.name for p in docx_file.parent.iterdir()] == [docx_file.name]  # no .~lock file
        assert seconds < 60

    def test_an_existing_pdf_is_replaced_or_kept_as_asked(self, tmp_path: Path, docx_file: Path) -> None:
        """overwrite=True (the default) replaces; overwrite=False refuses and leaves the old file."""
        _require_libreoffice()
        target = tmp_path / "报告.pdf"
        target.write_bytes(b"old")
        with pytest.raises(XlperfError, match="文件已存在"):
            pdf.convert_to_pdf(docx_file, target, overwrite=False)
        assert target.read_bytes() == b"old"
        pdf.convert_to_pdf(docx_file, target)
        assert target.read_bytes().startswith(b"%PDF-")


class TestMissingLibreOffice:
    def test_missing_libreoffice_gives_the_chinese_error_and_no_file(
            self, tmp_path: Path, docx_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """With no soffice on PATH nor in its usual places: the message users read, and no output."""
        empty = tmp_path / "empty-bin"
        empty.mkdir()
        monkeypatch.setenv("PATH", str(empty))
        for variable in ("ProgramFiles", "ProgramW6432", "ProgramFiles(x86)"):
            monkeypatch.delenv(variable, raising=False)
        monkeypatch.setattr(pdf, "_KNOWN_PLACES", ())
        assert pdf.find_soffice() is None and not pdf.libreoffice_available()
        target = tmp_path / "out" / "报告.pdf"
        with pytest.raises(XlperfError) as raised:
            pdf.convert_to_pdf(docx_file, target)
        assert str(raised.value) == "未找到 LibreOffice，无法转换为 PDF。请安装 LibreOffice，或在 Word 中另存为 PDF"
        assert not target.exists() and not target.parent.exists()

    def test_windows_install_place_is_found(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """Not on PATH but installed under Program Files: found there (the Windows installer's default)."""
        monkeypatch.setattr(pdf.shutil, "which", lambda name: None)
        monkeypatch.setattr(pdf.sys, "platform", "win32")
        program = tmp_path / "Program Files" / "LibreOffice" / "program" / "soffice.exe"
        program.parent.mkdir(parents=True)
        program.write_bytes(b"")
        monkeypatch.setenv("ProgramFiles", str(tmp_path / "Program Files"))
        assert pdf.find_soffice() == str(program)

    def test_missing_input_is_a_clear_error(self, tmp_path: Path) -> None:
        with pytest.raises(XlperfError, match="找不到要转换的文档"):
            pdf.convert_to_pdf(tmp_path / "无.docx", tmp_path / "无.pdf")


@posix_only
class TestFailures:
    def test_timeout_kills_libreoffice_and_leaves_no_partial_file(
            self, tmp_path: Path, docx_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """A LibreOffice that hangs after writing half a PDF is killed with what it started at the time
        limit; the error says 超时, the old PDF stays, no temporary file is left."""
        pid_file = tmp_path / "child.pid"
        _fake_soffice(tmp_path, monkeypatch, "printf '%%PDF-1.7 half' > \"$out/report.pdf\"\n"
                                             f"sleep 120 &\necho $! > '{pid_file}'\nwait")
        target = tmp_path / "out" / "报告.pdf"
        target.parent.mkdir()
        target.write_bytes(b"old")
        started = time.perf_counter()
        with pytest.raises(XlperfError, match="超时") as raised:
            pdf.convert_to_pdf(docx_file, target, timeout=1)
        assert time.perf_counter() - started < 20
        assert "LibreOffice" in str(raised.value) and "另存为 PDF" in str(raised.value)
        assert target.read_bytes() == b"old"
        assert [p.name for p in target.parent.iterdir()] == ["报告.pdf"]
        child = int(pid_file.read_text())
        for _ in range(50):
            if not _alive(child):
                break
            time.sleep(0.1)
        assert not _alive(child), "the process LibreOffice started survived the timeout"

    def test_failed_conversion_gives_the_reason_and_no_file(
            self, tmp_path: Path, docx_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """LibreOffice exiting with an error (after writing part of a PDF): its message, no output file."""
        _fake_soffice(tmp_path, monkeypatch, "printf '%%PDF-1.7 half' > \"$out/report.pdf\"\n"
                                             "echo 'Error: source file could not be loaded' >&2\nexit 1")
        target = tmp_path / "out" / "报告.pdf"
        with pytest.raises(XlperfError) as raised:
            pdf.convert_to_pdf(docx_file, target)
        message = str(raised.value)
        assert "未能将 自评报告 2022.docx 转换为 PDF" in message and "source file could not be loaded" in message
        assert not target.exists() and list(target.parent.iterdir()) == []

    @pytest.mark.parametrize("body", ["exit 0", "printf 'not a pdf' > \"$out/report.pdf\""])
    def test_success_without_a_pdf_is_a_failure(self, tmp_path: Path, docx_file: Path,
                                                monkeypatch: pytest.MonkeyPatch, body: str) -> None:
        """LibreOffice exits 0 but writes nothing, or no PDF (it does so for unreadable input): an error."""
        _fake_soffice(tmp_path, monkeypatch, body)
        target = tmp_path / "报告.pdf"
        with pytest.raises(XlperfError, match="未能将"):
            pdf.convert_to_pdf(docx_file, target)
        assert not target.exists()

    def test_stdin_is_closed_and_the_profile_is_fresh(self, tmp_path: Path, docx_file: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
        """LibreOffice reads no stdin (it would wait forever) and gets its own profile as a file:// URI."""
        _fake_soffice(tmp_path, monkeypatch, "cat > /dev/null\nprintf '%%PDF-1.7' > \"$out/report.pdf\"")
        seen: list[list[str]] = []
        real_popen = subprocess.Popen

        def popen(command: list[str], **options: object) -> subprocess.Popen[bytes]:
            seen.append(command)
            assert options["stdin"] == subprocess.DEVNULL
            return real_popen(command, **options)  # type: ignore[call-overload,no-any-return]

        monkeypatch.setattr(pdf.subprocess, "Popen", popen)
        pdf.convert_to_pdf(docx_file, tmp_path / "报告.pdf", timeout=20)
        profile = next(a for a in seen[0] if a.startswith("-env:UserInstallation="))
        assert profile.startswith("-env:UserInstallation=file:///")
        assert "--headless" in seen[0] and "--convert-to" in seen[0]
        assert os.fspath(docx_file) not in seen[0]  # a copy is converted, so no lock file beside the original
