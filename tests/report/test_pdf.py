"""PDF conversion with LibreOffice: Chinese text survives; missing, failing or hanging LibreOffice gives a
Chinese error and never a partial file; missing official fonts get installed stand-ins of their kind
(serif body, sans 黑体, Kai 楷体) through a fontconfig file of the conversion's own, and the user is told.
The real conversions fail (never skip) without LibreOffice: CI installs it."""

from __future__ import annotations

import html
import os
import re
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
                    "Install the Debian package libreoffice-writer-nogui (scripts/test.sh does).")


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
                        "(scripts/test.sh does).")
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
        """LibreOffice exiting with an error (after writing part of a PDF): its message, no output file, and
        not even the folder made for it."""
        _fake_soffice(tmp_path, monkeypatch, "printf '%%PDF-1.7 half' > \"$out/report.pdf\"\n"
                                             "echo 'Error: source file could not be loaded' >&2\nexit 1")
        target = tmp_path / "out" / "报告.pdf"
        with pytest.raises(XlperfError) as raised:
            pdf.convert_to_pdf(docx_file, target)
        message = str(raised.value)
        assert "未能将 自评报告 2022.docx 转换为 PDF" in message and "source file could not be loaded" in message
        assert not target.parent.exists()

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
        soffice = next(command for command in seen if "--headless" in command)  # (fc-list runs first)
        profile = next(a for a in soffice if a.startswith("-env:UserInstallation="))
        assert profile.startswith("-env:UserInstallation=file:///")
        assert "--convert-to" in soffice
        assert os.fspath(docx_file) not in soffice  # a copy is converted, so no lock file beside the original


# --- fonts ------------------------------------------------------------------------------------------

CJK_STAND_INS = {"Noto Serif CJK SC", "Noto Sans CJK SC"}
OFFICIAL_FONTS = ("仿宋_GB2312", "黑体", "楷体_GB2312", "宋体")
#: (East-Asian font, Latin font, text) of each page of the fonts document, as the report template sets them
FONT_PAGES = (("仿宋_GB2312", "Times New Roman", "本部门整体支出绩效自评：预算完成率为百分之九十五"),
              ("黑体", "Times New Roman", "一、基本情况二、综合评价分析"),
              ("楷体_GB2312", "Times New Roman", "（一）部门概况（二）年度总体工作"),
              ("宋体", "宋体", "— 1 —"))  # the page number: its Latin text in 宋体 too


def _fonts_docx(path: Path) -> Path:
    """One page per font of FONT_PAGES: a 仿宋_GB2312 body, a 黑体 and a 楷体_GB2312 heading, a 宋体 page
    number."""
    import docx
    from docx.enum.text import WD_BREAK
    from docx.oxml.ns import qn

    document = docx.Document()
    for number, (east, latin, text) in enumerate(FONT_PAGES):
        paragraph = document.add_paragraph()
        run = paragraph.add_run(text)
        fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
        for attribute in ("ascii", "hAnsi", "cs"):
            fonts.set(qn(f"w:{attribute}"), latin)
        fonts.set(qn("w:eastAsia"), east)
        if number < len(FONT_PAGES) - 1:
            paragraph.add_run().add_break(WD_BREAK.PAGE)
    document.save(str(path))
    return path


def _text_fonts(pdf_file: Path) -> dict[str, str]:
    """Each line of text in the PDF and the font it is set in (pdftohtml -xml, subset prefix removed)."""
    pdftohtml = shutil.which("pdftohtml")
    if pdftohtml is None:
        pytest.fail("pdftohtml is not installed: install the Debian package poppler-utils (scripts/test.sh does).")
    xml = subprocess.run([pdftohtml, "-xml", "-i", "-stdout", str(pdf_file)], capture_output=True,
                         check=True).stdout.decode(errors="replace")
    fonts = {m[0]: m[1].split("+")[-1] for m in re.findall(r'<fontspec id="(\d+)"[^>]*family="([^"]*)"', xml)}
    return {html.unescape(m[1]): fonts[m[0]] for m in re.findall(r'<text [^>]*font="(\d+)"[^>]*>(.*?)</text>', xml)}


def _require_cjk_stand_ins() -> set[str]:
    installed = pdf._installed_families()
    if installed is None:
        pytest.skip("LibreOffice does not use fontconfig on this system")
    if any(name in installed for name in OFFICIAL_FONTS):
        pytest.skip("this machine has the official fonts themselves: nothing is replaced")
    if not CJK_STAND_INS <= installed:
        pytest.fail("Noto Serif/Sans CJK SC are not installed: install the Debian package fonts-noto-cjk "
                    "(scripts/test.sh does).")
    return installed


@pytest.mark.libreoffice
class TestFontsInThePdf:
    def test_each_official_font_gets_a_stand_in_of_its_kind(self, tmp_path: Path) -> None:
        """Without the official fonts: the 仿宋 body in a CJK serif, the 黑体 heading in a CJK sans (not both
        in one fallback face), 楷体 in a Kai face when one is installed, the 宋体 page number's dashes and
        digits in a Latin serif; the note names what was replaced."""
        _require_libreoffice()
        installed = _require_cjk_stand_ins()
        target = tmp_path / "fonts.pdf"
        notes: list[str] = []
        pdf.convert_to_pdf(_fonts_docx(tmp_path / "fonts.docx"), target, notes=notes)
        fonts = _text_fonts(target)
        assert set(fonts) == {text for _, _, text in FONT_PAGES}, fonts
        assert fonts[FONT_PAGES[0][2]].startswith("NotoSerifCJK"), fonts
        assert fonts[FONT_PAGES[1][2]].startswith("NotoSansCJK"), fonts
        kai = "UKaiCN" if "AR PL UKai CN" in installed else "NotoSerifCJK"
        assert fonts[FONT_PAGES[2][2]].startswith(kai), fonts
        assert fonts[FONT_PAGES[3][2]].startswith(("DejaVuSerif", "LiberationSerif")), fonts
        assert len(notes) == 1, notes
        assert notes[0].startswith("本机缺少仿宋_GB2312、宋体、黑体、楷体_GB2312字体，PDF 中以 Noto Serif CJK SC")
        assert "用 Word 另存为 PDF" in notes[0]


class TestFontPlan:
    STAND_INS = {"Noto Serif CJK SC", "Noto Sans CJK SC", "DejaVu Serif", "Liberation Serif", "DejaVu Sans"}

    def test_missing_fonts_are_aliased_and_named_in_the_note(self, tmp_path: Path) -> None:
        system = tmp_path / "system.conf"
        plan = pdf.font_plan(["Times New Roman", "仿宋_GB2312", "黑体", "楷体_GB2312"], self.STAND_INS, system)
        assert plan.replaced == {"仿宋_GB2312": "Noto Serif CJK SC", "黑体": "Noto Sans CJK SC",
                                 "楷体_GB2312": "Noto Serif CJK SC"}  # no Kai face installed: the serif
        assert plan.config is not None and f"<include>{system}</include>" in plan.config
        assert ("<alias binding=\"same\"><family>黑体</family><prefer><family>Noto Sans CJK SC</family>"
                "</prefer></alias>") in plan.config
        assert plan.note == ("本机缺少仿宋_GB2312、黑体、楷体_GB2312字体，PDF 中以 Noto Serif CJK SC、Noto Sans CJK SC 代替；"
                             "在装有这些字体的 Windows 电脑上用 Word 另存为 PDF 可得到标准字体。")

    def test_installed_fonts_are_left_alone(self, tmp_path: Path) -> None:
        """A machine with 仿宋_GB2312 (under either of its names) keeps it; only the rest is replaced."""
        installed = self.STAND_INS | {"FangSong_GB2312", "仿宋_GB2312", "SimHei", "黑体"}
        plan = pdf.font_plan(["仿宋_GB2312", "黑体", "楷体_GB2312"], installed, tmp_path / "system.conf")
        assert plan.replaced == {"楷体_GB2312": "Noto Serif CJK SC"}
        assert plan.config is not None and "<family>仿宋_GB2312</family>" not in plan.config
        assert "<family>黑体</family>" not in plan.config
        assert pdf.font_plan(["仿宋_GB2312"], installed, tmp_path / "system.conf").note == ""

    def test_without_stand_ins_the_configuration_is_not_changed(self, tmp_path: Path) -> None:
        plan = pdf.font_plan(["仿宋_GB2312", "黑体"], {"DejaVu Sans"}, tmp_path / "system.conf")
        assert plan.config is None and plan.replaced == {"仿宋_GB2312": "", "黑体": ""}
        assert "PDF 中由 LibreOffice 以其他字体代替" in plan.note

    def test_the_shipped_template_names_the_official_fonts(self) -> None:
        from xlperf.report.render import DEFAULT_TEMPLATE

        assert set(pdf._document_fonts(DEFAULT_TEMPLATE)) == {
            "Times New Roman", "仿宋_GB2312", "楷体_GB2312", "方正小标宋简体", "黑体", "宋体"}

    @posix_only
    def test_fontconfig_reads_the_generated_file_as_meant(self, tmp_path: Path) -> None:
        """fontconfig itself (fc-match) with the generated file: each official font resolves to its stand-in
        in simplified Chinese, 宋体's Latin text to a Latin serif, and other fonts as before."""
        installed = _require_cjk_stand_ins()
        fc_match = shutil.which("fc-match")
        assert fc_match, "fc-match is missing (Debian package fontconfig)"
        plan = pdf.font_plan(list(OFFICIAL_FONTS) + ["方正小标宋简体"], installed)
        assert plan.config is not None
        config = tmp_path / "fonts.conf"
        config.write_text(plan.config, encoding="utf-8")

        def family(pattern: str) -> str:
            env = dict(os.environ, FONTCONFIG_FILE=str(config))
            return subprocess.run([fc_match, "-f", "%{family[0]}", pattern], env=env, capture_output=True,
                                  check=True).stdout.decode()

        assert family("仿宋_GB2312") == "Noto Serif CJK SC"
        assert family("方正小标宋简体") == "Noto Serif CJK SC"
        assert family("宋体:lang=zh-cn") == "Noto Serif CJK SC"
        assert family("黑体") == "Noto Sans CJK SC"
        assert family("楷体_GB2312") == ("AR PL UKai CN" if "AR PL UKai CN" in installed else "Noto Serif CJK SC")
        assert family("宋体:lang=en") in ("DejaVu Serif", "Liberation Serif")
        assert family("DejaVu Sans") == "DejaVu Sans"

    @posix_only
    def test_libreoffice_gets_the_file_and_the_note_comes_back(
            self, tmp_path: Path, docx_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """The generated fonts.conf is LibreOffice's FONTCONFIG_FILE while it runs; the note reaches the caller."""
        seen = tmp_path / "seen.conf"
        _fake_soffice(tmp_path, monkeypatch, f"cat \"$FONTCONFIG_FILE\" > '{seen}'\n"
                                             "printf '%%PDF-1.7' > \"$out/report.pdf\"")
        monkeypatch.setattr(pdf, "_installed_families", lambda: set(self.STAND_INS))
        system = tmp_path / "system.conf"
        system.write_text("<fontconfig/>", encoding="utf-8")
        monkeypatch.setattr(pdf, "_system_fontconfig", lambda: system)
        notes: list[str] = []
        pdf.convert_to_pdf(docx_file, tmp_path / "报告.pdf", notes=notes, timeout=20)
        assert "<family>仿宋_GB2312</family><prefer><family>Noto Serif CJK SC</family>" in seen.read_text("utf-8")
        assert notes and notes[0].startswith("本机缺少仿宋_GB2312字体")

    @posix_only
    def test_unknown_fonts_leave_libreoffice_as_it_is(
            self, tmp_path: Path, docx_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """When the fonts cannot be listed (no fc-list), LibreOffice runs with the user's own environment."""
        seen = tmp_path / "seen.txt"
        _fake_soffice(tmp_path, monkeypatch, f"echo \"${{FONTCONFIG_FILE:-none}}\" > '{seen}'\n"
                                             "printf '%%PDF-1.7' > \"$out/report.pdf\"")
        monkeypatch.delenv("FONTCONFIG_FILE", raising=False)
        monkeypatch.setattr(pdf, "_installed_families", lambda: None)
        notes: list[str] = []
        pdf.convert_to_pdf(docx_file, tmp_path / "报告.pdf", notes=notes, timeout=20)
        assert seen.read_text().strip() == "none" and notes == []
