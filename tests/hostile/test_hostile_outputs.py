"""What a department types never becomes a path, a formula or markup in what xlperf writes (issue 5,
part 4): names used in file names, text starting with = + - @ in the sheets xlperf writes, and Jinja or
Word markup in the report."""

from __future__ import annotations

import html
import json
import re
import time
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hostile_files import run_commands, run_xlperf

from xlperf import load_framework, read_workbook
from xlperf._files import safe_filename
from xlperf._open import example_data
from xlperf.evaluate import report_path as default_report_path

RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}


class TestFileNames:
    @pytest.mark.parametrize("text", ["../../x", "..\\..\\x", "/etc/passwd", "C:\\Windows\\x", "a/b\\c", "CON", "con.txt",
                                      "CON .docx", "nul", "LPT1", "COM¹", "aux.", "..", ".", " . ", "", "x" * 300,
                                      "白" * 300, "😀" * 100, "name.\u202eexe.txt", "a\nb\tc", "x:y*z?\"<>|",
                                      "a" * 79 + " b", ".hidden", "科协..\\..\\"])
    def test_safe_filename(self, text: str) -> None:
        """One plain name: no folder, no reserved device name, no leading dot, no trailing dot or space,
        no control character, at most 80 characters and 200 bytes (with a suffix still under 255)."""
        name = safe_filename(text)
        assert name and name == name.strip(" .") and not name.startswith(".")
        assert not set(name) & set('<>:"/\\|?*\0') and all(ch.isprintable() for ch in name)
        assert ".." not in name
        assert name.split(".")[0].strip().upper() not in RESERVED
        assert len(name) <= 80 and len(name.encode("utf-8")) <= 200
        assert Path(name).name == name and len(Path(name).parts) == 1

    @pytest.mark.parametrize("stem", ["..", "...", "CON", "-rf", "a b;c", "..\\..\\x", "名称.带.点", "'引号'", "x\ny"])
    def test_default_report_path_stays_in_the_input_folder(self, stem: str, tmp_path: Path) -> None:
        source = tmp_path / f"{stem}.xlsx"
        out = default_report_path(source)
        assert out.parent == source.parent and out.suffix == ".docx"
        assert out.name.endswith("-自评报告.docx")

    def test_reports_beside_an_oddly_named_workbook(self, tmp_path: Path, example_workbook: Path) -> None:
        """`xlperf report` on workbooks named like devices, dots and quotes writes beside each, nowhere else."""
        folder = tmp_path / "in"
        folder.mkdir()
        names = ["CON.xlsx", "...xlsx"]  # openpyxl refuses a path like the second by its suffix: the reader hands it the open file
        for name in names:
            (folder / name).write_bytes(example_workbook.read_bytes())
        for name, result in zip(names, run_commands([["report", str(folder / name)] for name in names])):
            assert result["code"] == 0, (name, result["stderr"])
        made = sorted(p.name for p in folder.iterdir())
        assert made == sorted(names + [f"{Path(n).stem}-自评报告.docx" for n in names])
        assert sorted(p.name for p in tmp_path.iterdir()) == ["in"]

    def test_a_name_too_long_for_the_report_is_one_line(self, tmp_path: Path, example_workbook: Path) -> None:
        """A workbook name that fills the file system's 255 bytes: the report's name would not fit; one
        line says so (no traceback), and nothing is left behind."""
        path = tmp_path / f"{'白' * 83}.xlsx"
        path.write_bytes(example_workbook.read_bytes())
        result = run_xlperf("report", str(path))
        assert result.returncode == 2 and "文件名太长" in result.stderr and "-o" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
        assert [p.name for p in tmp_path.iterdir()] == [path.name]


PAYLOADS = ["=HYPERLINK(\"http://example.invalid\",\"点击\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(1,2)",
            "=1+1", "'=已有引号"]


def _formula_data() -> tuple[dict[str, Any], list[str]]:
    """The example's JSON with text starting with = + - @ in every kind of free-text field."""
    data = example_data()
    fw = load_framework(data["framework"])
    used = []

    def put(value: str) -> str:
        used.append(value)
        return value

    data["department"] = put("=HYPERLINK(\"http://example.invalid\",\"单位\")")
    for i, key in enumerate(sorted(data["texts"])):
        data["texts"][key] = put(PAYLOADS[i % len(PAYLOADS)] + f" 文字{i}")
    data["targets"][0]["name"] = put("=2+2")
    data["targets"][0]["note"] = put("@备注")
    data["projects"][0]["name"] = put("+项目")
    data["projects"][0]["outputs"] = put("-产出")
    data["indicators"]["ZX03"]["reason"] = put("=原因")
    editable = next(ind.code for ind in fw.indicators if ind.name_editable)
    data["indicators"][editable]["name"] = put("@指标名称")
    return data, used


class TestFormulaText:
    def test_new_from_json_writes_text_never_formulas(self, tmp_path: Path) -> None:
        """`xlperf new --from`: every text starting with = + - @ is a text cell, no formula holds it, and
        it reads back exactly."""
        data, used = _formula_data()
        source = tmp_path / "data.json"
        source.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        out = tmp_path / "out.xlsx"
        result = run_xlperf("new", "-o", str(out), "--from", str(source))
        assert result.returncode == 0, result.stderr
        wb = openpyxl.load_workbook(out)
        cells = {cell.value: cell for ws in wb for row in ws.iter_rows() for cell in row if isinstance(cell.value, str)}
        for text in used:
            assert text in cells, text
            assert cells[text].data_type == "s", text
        with zipfile.ZipFile(out) as archive:
            formulas = {html.unescape(f) for n in archive.namelist() if n.startswith("xl/worksheets/")
                        for f in re.findall(r"<f[^>]*>(.*?)</f>", archive.read(n).decode("utf-8"), re.S)}
        for text in used:  # no formula is a department's text
            assert text not in formulas and text[1:] not in formulas, text
        back = read_workbook(out)
        assert back.department == data["department"] and back.texts == data["texts"]
        assert back.targets[0].name == "=2+2" and back.projects[0].name == "+项目"

    def test_the_check_results_sheet_writes_text(self, tmp_path: Path, example_workbook: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
        """校验结果: a message or place starting with = + - @ (or ') goes in with Excel's text prefix, so the
        sheet shows it as typed and never calculates it."""
        monkeypatch.syspath_prepend(str(Path(__file__).parents[1] / "macros"))
        from fake_book import FakeBook, FakeSheet

        from xlperf import macros
        from xlperf.core.checks import Finding
        from xlperf.core.errors import Location

        written: list[Any] = []
        real_set = FakeSheet.set

        def spy(self: FakeSheet, row: int, col: int, value: Any) -> None:
            written.append(value)
            real_set(self, row, col, value)

        monkeypatch.setattr(FakeSheet, "set", spy)
        book_path = tmp_path / "book.xlsx"
        book_path.write_bytes(example_workbook.read_bytes())
        book = FakeBook(book_path)
        findings = [Finding("E002", "unreadable", text, Location(sheet=text[:10], cell="C5")) for text in PAYLOADS]
        macros._write_results(book, "共 7 条", "检查时间", findings)
        sheet = book.sheets[macros.RESULT_SHEET]
        for row, text in enumerate(PAYLOADS, start=macros.FIRST_FINDING_ROW):
            assert sheet.text(row, 4) == text and sheet.text(row, 3) == f"{text[:10]}!C5"
            assert sheet.values.cell(row, 4).data_type == "s" and sheet.values.cell(row, 3).data_type == "s"
        for value in written:
            if isinstance(value, str) and value and value[0] in "=+-@":
                raise AssertionError(f"written without the text prefix: {value!r}")


class TestReportMarkup:
    def test_jinja_and_word_markup_come_out_literally_and_quickly(self, tmp_path: Path) -> None:
        """Jinja statements and WordprocessingML in a department's texts, name and table cells are printed
        as typed: nothing is evaluated (a loop of 10**9 would never end), the document stays valid."""
        jinja = "{% for x in range(10**9) %}{{ x }}{% endfor %}"
        word = "</w:t></w:r><w:r><w:t>注入"
        data = example_data()
        data["department"] = f"科协{word}"
        data["texts"]["problems"] = f"问题：{jinja} 与 {word} 原样"
        data["texts"]["measures"] = "{{ ''.__class__.__mro__[1].__subclasses__() }}"
        data["targets"][0]["name"] = f"{{{{ 7*7 }}}}{word}"
        data["projects"][0]["outputs"] = "<w:p><w:r><w:t>多出的段落</w:t></w:r></w:p>"
        source = tmp_path / "m.json"
        source.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        out = tmp_path / "m.docx"
        start = time.monotonic()
        result = run_xlperf("report", str(source), "-o", str(out), "--force", timeout=60)
        assert time.monotonic() - start < 30
        assert result.returncode == 0, result.stderr
        from docx import Document

        doc = Document(str(out))
        text = "\n".join([p.text for p in doc.paragraphs]
                         + [c.text for t in doc.tables for r in t.rows for c in r.cells])
        assert jinja in text and f"问题：{jinja} 与 {word} 原样" in text
        assert "{{ ''.__class__.__mro__[1].__subclasses__() }}" in text
        assert "<w:p><w:r><w:t>多出的段落</w:t></w:r></w:p>" in text
        assert "多出的段落" not in [p.text for p in doc.paragraphs]  # no paragraph was injected
        assert "49" not in text.split("{{ 7*7 }}")[0][-5:]
