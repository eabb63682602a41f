"""Whatever is given as the report, `xlperf check-report` answers in one Chinese line and exit code 2, never a
traceback: as every other command does for a file it cannot read."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path
from typing import Any

import pytest

import xlperf
from xlperf.cli import main

EXAMPLE = Path(xlperf.__file__).parent / "examples" / "baiyun-kexie-2022.json"
PUBLISHED = Path(__file__).parent / "published-2022.txt"


def refused(report: Path, capsys: pytest.CaptureFixture[str], *, book: Path = EXAMPLE) -> str:
    """Run check-report; assert exit 2, nothing on stdout, one line on stderr; return that line."""
    code = main(["check-report", str(report), str(book)])
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("xlperf：错误：") and "Traceback" not in captured.err
    return lines[0]


def zipped(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


class TestNotAReport:
    def test_missing_file(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        assert "找不到自评报告" in refused(tmp_path / "没有.docx", capsys)

    def test_a_folder(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        (tmp_path / "报告.docx").mkdir()
        assert "文件夹" in refused(tmp_path / "报告.docx", capsys)

    @pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are a POSIX thing")
    def test_a_fifo_does_not_block(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        os.mkfifo(tmp_path / "报告.txt")
        assert "命名管道" in refused(tmp_path / "报告.txt", capsys)

    def test_random_bytes_named_docx(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        (tmp_path / "报告.docx").write_bytes(os.urandom(2000))
        assert "不是 Word 文档" in refused(tmp_path / "报告.docx", capsys)

    def test_an_empty_docx(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        (tmp_path / "报告.docx").write_bytes(b"")
        assert "空的" in refused(tmp_path / "报告.docx", capsys)

    def test_a_truncated_docx(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        from docx import Document

        doc = Document()
        doc.add_paragraph("自评分数为 99.15 分。")
        doc.save(str(tmp_path / "完整.docx"))
        data = (tmp_path / "完整.docx").read_bytes()
        (tmp_path / "报告.docx").write_bytes(data[: len(data) // 2])
        assert "不是有效的 Word 文档" in refused(tmp_path / "报告.docx", capsys)

    def test_a_zip_that_is_no_word_document(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        (tmp_path / "报告.docx").write_bytes(zipped({"a.txt": b"hello"}))
        assert "不是 Word 文档" in refused(tmp_path / "报告.docx", capsys)

    def test_a_workbook_renamed_to_docx(self, example_workbook: Path, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
        (tmp_path / "报告.docx").write_bytes(example_workbook.read_bytes())
        assert "Excel 工作簿" in refused(tmp_path / "报告.docx", capsys)

    def test_an_encrypted_or_legacy_document(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        (tmp_path / "报告.docx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1000))
        assert "加密" in refused(tmp_path / "报告.docx", capsys)

    def test_a_declared_doctype_is_refused(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """A part declaring entities (the "billion laughs") is refused before any XML is parsed."""
        types = (b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                 b'<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
                 b'wordprocessingml.document.main+xml"/></Types>')
        bomb = b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa">]><d>&a;</d>'
        (tmp_path / "报告.docx").write_bytes(zipped({"[Content_Types].xml": types, "word/document.xml": bomb}))
        assert "DOCTYPE" in refused(tmp_path / "报告.docx", capsys)

    def test_the_workbook_given_first(self, example_workbook: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """The two arguments swapped: says which comes first."""
        line = refused(example_workbook, capsys, book=PUBLISHED)
        assert "不是自评报告" in line and "check-report 报告.docx 工作簿.xlsx" in line

    def test_a_pdf_says_how_to_get_its_text(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        (tmp_path / "报告.pdf").write_bytes(b"%PDF-1.7\n")
        assert ".txt" in refused(tmp_path / "报告.pdf", capsys)

    def test_a_legacy_doc(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        (tmp_path / "报告.doc").write_bytes(b"\xd0\xcf\x11\xe0")
        assert "另存为" in refused(tmp_path / "报告.doc", capsys)

    def test_an_empty_text(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        (tmp_path / "报告.txt").write_text("\n \n", encoding="utf-8")
        assert "空的" in refused(tmp_path / "报告.txt", capsys)

    def test_binary_named_txt(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        (tmp_path / "报告.txt").write_bytes(b"abc\x00\x01\x02" * 100)
        assert "不是文本文件" in refused(tmp_path / "报告.txt", capsys)

    def test_a_text_too_large(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        with open(tmp_path / "报告.txt", "wb") as handle:
            handle.truncate(6 * 1024 * 1024)
        assert "过大" in refused(tmp_path / "报告.txt", capsys)

    def test_an_unreadable_workbook_is_said_as_check_says_it(self, tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
        (tmp_path / "工作簿.xlsx").write_bytes(b"not a zip")
        assert "工作簿.xlsx" in refused(PUBLISHED, capsys, book=tmp_path / "工作簿.xlsx")

    def test_a_blank_workbook(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """A workbook just made by `xlperf new`: nothing to compare with, said so."""
        assert main(["new", "-o", str(tmp_path / "空白.xlsx")]) == 0
        capsys.readouterr()
        assert "还没有填写" in refused(PUBLISHED, capsys, book=tmp_path / "空白.xlsx")


class TestTextsThatAreRead:
    def test_gbk_as_notepad_saves_it(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """A text saved in GBK (Windows Notepad's “ANSI”) reads as the UTF-8 one."""
        (tmp_path / "报告.txt").write_bytes(PUBLISHED.read_text(encoding="utf-8").encode("gb18030"))
        assert main(["check-report", str(tmp_path / "报告.txt"), str(EXAMPLE)]) == 1
        assert "98.15" in capsys.readouterr().out

    def test_utf16_with_its_mark(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        (tmp_path / "报告.txt").write_bytes(PUBLISHED.read_text(encoding="utf-8").encode("utf-16"))
        assert main(["check-report", str(tmp_path / "报告.txt"), str(EXAMPLE)]) == 1
        assert "98.15" in capsys.readouterr().out

    def test_control_characters_in_the_report_are_shown_not_acted_on(self, tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
        """A quote of the report never sends an escape sequence to the terminal."""
        (tmp_path / "报告.txt").write_text("自评分数为\x1b[2J 98.15 分。\n", encoding="utf-8")
        main(["check-report", str(tmp_path / "报告.txt"), str(EXAMPLE)])
        assert "\x1b" not in capsys.readouterr().out


def test_an_unreadable_file(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                            monkeypatch: pytest.MonkeyPatch) -> None:
    """A report the user may not read (the operating system refuses it, as it does for a file without read
    permission: simulated, since root and Windows read a chmod 0 file all the same)."""
    report = tmp_path / "报告.txt"
    report.write_text("x", encoding="utf-8")
    real_open = os.open

    def refusing_open(path: Any, *args: Any, **kwargs: Any) -> int:
        if Path(path) == report:
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", refusing_open)
    assert "没有权限" in refused(report, capsys)
