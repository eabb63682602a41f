"""The reader's own defences, behind the checks made before opening: the XML parsers refuse entities,
the rows and columns read are bounded whatever a sheet claims, and names cannot point the reader
anywhere else. Plus the broken-but-honest files of issue 5 through the command line."""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pytest
from hostile_files import SHEET, after_declaration, changed, edit_xml, run_commands, set_name

from xlperf import UnsafeFileError, XlperfError, read_workbook
from xlperf.workbook import _file_source
from xlperf.workbook._cells import ROWS_BELOW_TABLES, bounds, parse_reference

MILLION = 1_000_000


def _claim_a_million_rows(parts: dict[str, bytes]) -> None:
    """Every sheet claims A1:XFD1048576, with values in row 1 000 000 and in column XFD."""
    for name in [n for n in parts if n.startswith("xl/worksheets/sheet")]:
        edit_xml(parts, name, lambda xml: re.sub(r'<dimension ref="[^"]*"/>', '<dimension ref="A1:XFD1048576"/>', xml)
                 .replace("</sheetData>", f'<row r="{MILLION}"><c r="A{MILLION}"><v>1</v></c>'
                                          f'<c r="XFD{MILLION}"><v>2</v></c></row></sheetData>')
                 .replace("</row>", '<c r="XFD1"><v>3</v></c></row>', 1))


class CountingSource(_file_source.FileSource):
    """The file source, counting what the reader asks of it and what it hands back."""

    requests: list[tuple[str, int]] = []
    rows_given = 0
    widest = 0

    def _rows(self, book: Any, sheet: str, last_row: int) -> Iterable[Sequence[Any]]:
        CountingSource.requests.append((sheet, last_row))
        for row in super()._rows(book, sheet, last_row):
            CountingSource.rows_given += 1
            CountingSource.widest = max(CountingSource.widest, len(row))
            yield row


class TestMillionRows:
    def test_reading_stays_within_the_names(self, tmp_path: Path, example_workbook: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
        """A sheet claiming a million rows and 16 384 columns, with values in row 1 000 000 and column XFD:
        only the rows and columns the names reach (+ ROWS_BELOW_TABLES rows) are asked for and handed
        back, and the year read is the example's."""
        path = changed(example_workbook, tmp_path / "million.xlsx", _claim_a_million_rows)
        monkeypatch.setattr(_file_source, "FileSource", CountingSource)
        CountingSource.requests, CountingSource.rows_given, CountingSource.widest = [], 0, 0
        start = time.monotonic()
        year = read_workbook(path)
        assert time.monotonic() - start < 10  # about 0.1 s; a wide ceiling, not a benchmark
        assert year.facts == read_workbook(example_workbook).facts
        reach: dict[str, tuple[int, int]] = {}
        for name, refers_to in _file_source.FileSource(example_workbook).defined_names().items():
            target = parse_reference(refers_to)
            if target and name.startswith("XP_"):
                (_, _), (col, row) = bounds(target[1])
                old = reach.get(target[0], (0, 0))
                reach[target[0]] = (max(old[0], col), max(old[1], row))
        assert CountingSource.requests
        for sheet, last_row in CountingSource.requests:
            assert last_row == reach[sheet][1] + ROWS_BELOW_TABLES < 1000
        assert CountingSource.rows_given <= sum(last for _, last in CountingSource.requests)
        assert CountingSource.widest <= max(col for col, _ in reach.values()) <= 20

    def test_the_commands_are_quick_and_unaffected(self, tmp_path: Path, example_workbook: Path) -> None:
        """score and check give what they give for the example, quickly."""
        path = changed(example_workbook, tmp_path / "million.xlsx", _claim_a_million_rows)
        runs = [[command, str(file)] for command in ("score", "check") for file in (path, example_workbook)]
        results = run_commands(runs)
        for hostile, clean in (results[0:2], results[2:4]):
            assert hostile["seconds"] < 10
            assert hostile["code"] == clean["code"] and hostile["stderr"] == clean["stderr"] == ""
            assert hostile["stdout"].replace("million.xlsx", "") == clean["stdout"].replace(example_workbook.name, "")

    def test_the_clerks_own_whole_column_name_is_not_followed(self, tmp_path: Path, example_workbook: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
        """A name of the clerk's own over a million rows of a sheet the reader reads is not followed."""
        path = changed(example_workbook, tmp_path / "own.xlsx", lambda parts: (_claim_a_million_rows(parts), edit_xml(
            parts, "xl/workbook.xml", lambda xml: xml.replace(
                "</definedNames>", "<definedName name=\"我的数据\">'绩效目标'!$A$1:$XFD$1048576</definedName></definedNames>"))))
        monkeypatch.setattr(_file_source, "FileSource", CountingSource)
        CountingSource.requests = []
        read_workbook(path)
        assert max(last for _, last in CountingSource.requests) < 1000


def _without_the_pre_check(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_file_source, "check_workbook_bytes", lambda data, where, keep=None: None)


class TestParsersBehindThePreCheck:
    """With the check made before opening switched off, the XML parsers still refuse (defusedxml for
    sheets and shared strings) or never expand (lxml, for workbook.xml) entities."""

    @pytest.mark.parametrize("part", [SHEET, "xl/sharedStrings.xml"])
    def test_defusedxml_refusal_becomes_an_unsafe_file_error(self, part: str, tmp_path: Path, example_workbook: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
        from hostile_files import LAUGHS

        path = changed(example_workbook, tmp_path / "laughs.xlsx",
                       lambda parts: edit_xml(parts, part, lambda xml: after_declaration(xml, LAUGHS)))
        _without_the_pre_check(monkeypatch)
        start = time.monotonic()
        with pytest.raises(UnsafeFileError, match="DOCTYPE"):
            read_workbook(path)
        assert time.monotonic() - start < 10

    @pytest.mark.parametrize("part, name", [("xl/workbook.xml", "XP_DEPARTMENT"), ("xl/workbook.xml", "XP_LAYOUT"),
                                            ("xl/sharedStrings.xml", ""), (SHEET, "")])
    def test_an_external_entity_is_never_read(self, part: str, name: str, tmp_path: Path, example_workbook: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
        """An entity naming a local file: the file's text never reaches a value or a message."""
        secret = tmp_path / "secret.txt"
        secret.write_text("TOP-SECRET-42", encoding="utf-8")
        doctype = f'<!DOCTYPE r [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>'

        def edit(xml: str) -> str:
            xml = after_declaration(xml, doctype)
            return set_name(xml, name, "&xxe;") if name else xml.replace("<t>", "<t>&xxe;", 1).replace("<v>", "<v>&xxe;", 1)

        path = changed(example_workbook, tmp_path / "xxe.xlsx", lambda parts: edit_xml(parts, part, edit))
        _without_the_pre_check(monkeypatch)
        with pytest.raises(XlperfError) as caught:
            read_workbook(path)
        assert "TOP-SECRET-42" not in str(caught.value)


class TestNames:
    def test_a_name_cannot_make_the_reader_open_another_file(self, tmp_path: Path, example_workbook: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
        """Names pointing into another workbook (Excel's external references) are a missing sheet; no
        file but the workbook is opened."""
        import builtins

        opened: list[str] = []
        real_open = builtins.open

        def spy(file: Any, *args: Any, **kwargs: Any) -> Any:
            opened.append(str(file))
            return real_open(file, *args, **kwargs)

        path = changed(example_workbook, tmp_path / "ext.xlsx", lambda parts: edit_xml(
            parts, "xl/workbook.xml", lambda xml: set_name(set_name(
                xml, "XP_DEPARTMENT", f"'{tmp_path / '[other.xlsx]基本信息'}'!$B$3"), "XP_YEAR", "[1]基本信息!$B$4")))
        (tmp_path / "other.xlsx").write_bytes(example_workbook.read_bytes())
        monkeypatch.setattr(builtins, "open", spy)
        with pytest.raises(XlperfError, match="缺少工作表"):
            read_workbook(path)
        assert not any("other" in name for name in opened)

    @pytest.mark.parametrize("refers_to", ["'绩效目标'!$B$3:$J$1048576", "'绩效目标'!$A$3:$ZZZ$10",
                                           "'收支情况'!$C$99999999"])
    def test_an_oversized_range_is_refused(self, refers_to: str, tmp_path: Path, example_workbook: Path) -> None:
        name = "XP_TARGETS" if "绩效目标" in refers_to else "XP_F_carryover"
        path = changed(example_workbook, tmp_path / "big.xlsx", lambda parts: edit_xml(
            parts, "xl/workbook.xml", lambda xml: set_name(xml, name, refers_to)))
        start = time.monotonic()
        with pytest.raises(XlperfError, match=f"{name}.*过大"):
            read_workbook(path)
        assert time.monotonic() - start < 5


class TestBrokenButHonestFiles:
    def test_uncalculated_input_formula_through_the_command_line(self, tmp_path: Path, example_workbook: Path) -> None:
        """A file written by a tool that does not calculate: score says 无法计分, check names the cell and
        says to save it once in Excel (exit 1), export refuses (exit 2) and writes nothing."""
        from hostile_files import parts_of

        parts = parts_of(example_workbook)
        workbook = parts["xl/workbook.xml"].decode("utf-8")
        ref = re.search(r'<definedName name="XP_F_carryover">\'收支情况\'!\$([A-Z]+)\$(\d+)</definedName>', workbook)
        assert ref is not None
        address = f"{ref.group(1)}{ref.group(2)}"
        path = changed(example_workbook, tmp_path / "uncalculated.xlsx", lambda p: edit_xml(
            p, SHEET, lambda xml: re.sub(rf'<c r="{address}"[^>]*?(/>|>.*?</c>)', f'<c r="{address}"><f>0.5+0.4</f></c>',
                                         xml, count=1)))
        out = tmp_path / "out.json"
        score, check, export = run_commands([["score", str(path)], ["check", str(path)],
                                             ["export", str(path), "-o", str(out)]])
        assert score["code"] == 1 and "无法计分" in score["stdout"] and "不完整" in score["stdout"]
        assert check["code"] == 1
        assert f"收支情况!{address}" in check["stdout"] and "0.5+0.4" in check["stdout"] and "保存" in check["stdout"]
        assert export["code"] == 2 and len(export["stderr"].strip().splitlines()) == 1
        assert "xlperf check" in export["stderr"]
        assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["uncalculated.xlsx"]
