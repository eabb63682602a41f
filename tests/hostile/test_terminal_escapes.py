"""Nothing a workbook holds acts on the user's terminal (issue 12, point 5).

Workbook text reaches the terminal in the score table, the findings of check, error lines and notes.
Control characters there (ESC starting sequences that set the window title, write the clipboard or
erase a line; a bare CR; C1 controls; bidirectional overrides) are shown, never acted on. XML 1.0
forbids C0 controls even as character references (&#x1B;): a part holding one is a damaged file, as
Excel would refuse it, and a shared-string index naming no string (-1) is refused rather than read as
another string. Both readers agree. Each file is made here from the example workbook (or its JSON).
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hostile_files import changed, edit_xml, run_commands

from xlperf import XlperfError
from xlperf._table import json_printable, printable, render, width
from xlperf.workbook.read import read_workbook

Parts = dict[str, bytes]
INFO_PART = "xl/worksheets/sheet2.xml"  # 基本信息: B3 is the 单位名称, a shared string
FACTS_PART = "xl/worksheets/sheet3.xml"
DEPARTMENT = "广州市白云区科学技术协会"
#: what must never reach the terminal: C0 controls but line feed and tab (a CR at all), DEL, C1
#: controls, bidirectional controls
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
OSC_TITLE = "\x1b]0;pwned\x07"
ERASE = "\x1b[2K\r"


def _department(text: str) -> Callable[[Parts], None]:
    """The 单位名称 in the shared strings replaced by `text` (XML, as written in the file)."""
    return lambda parts: edit_xml(parts, "xl/sharedStrings.xml", lambda x: x.replace(DEPARTMENT, text, 1))


def _inline_department(text: str) -> Callable[[Parts], None]:
    """The 单位名称 cell written as an inline string holding `text` (XML, as written in the file)."""
    return lambda parts: edit_xml(parts, INFO_PART, lambda x: re.sub(
        r'<c r="B3"[^>]*?(/>|>.*?</c>)', lambda _: f'<c r="B3" t="inlineStr"><is><t>{text}</t></is></c>', x, count=1))


def _string_index(value: str, cell: str = '<c r="B3" s="4" t="s"><v>{v}</v></c>') -> Callable[[Parts], None]:
    return lambda parts: edit_xml(parts, INFO_PART, lambda x: re.sub(
        r'<c r="B3"[^>]*?(/>|>.*?</c>)', lambda _: cell.format(v=value), x, count=1))


#: id -> (change, words of the one error line): a damaged file, refused by score and check alike
DAMAGED: dict[str, tuple[Callable[[Parts], None], tuple[str, ...]]] = {
    "osc-reference-in-shared-strings": (_department("广州&#x1B;]0;pwned&#x7;科协"), ("文件已损坏", "sharedStrings", "&#x1B;")),
    "nul-reference-in-shared-strings": (_department("广州&#0;科协"), ("文件已损坏", "sharedStrings", "&#0;")),
    "decimal-reference-in-shared-strings": (_department("广州&#27;[2J科协"), ("文件已损坏", "&#27;")),
    "raw-escape-in-shared-strings": (_department("广州\x1b[2J科协"), ("文件已损坏", "sharedStrings", "U+001B")),
    "reference-in-an-inline-string": (_inline_department("广州&#x1b;]0;x&#x07;科协"), ("文件已损坏", "基本信息!B3", "&#x1b;")),
    "raw-escape-in-an-inline-string": (_inline_department("广州\x1b]0;x\x07科协"), ("文件已损坏", "基本信息!B3", "U+001B")),
    "raw-cr-reference-is-fine-but-escape-is-not": (_inline_department("a&#13;b&#x1F;"), ("文件已损坏", "&#x1F;")),
    "string-index-minus-one": (_string_index("-1"), ("文件已损坏", "基本信息!B3", "“-1”")),
    "string-index-not-a-number": (_string_index("abc"), ("文件已损坏", "基本信息!B3", "“abc”")),
    "string-index-too-large": (_string_index("100000"), ("文件已损坏", "基本信息!B3", "“100000”")),
    "string-index-minus-one-after-a-formula": (
        _string_index("-1", '<c r="B3" s="4" t="s"><f>"x"</f><v>{v}</v></c>'), ("文件已损坏", "基本信息", "“-1”")),
    "string-index-minus-one-in-a-prefixed-cell": (_string_index("-1", (
        '<x:c xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" r="B3" s="4" t="s"><x:v>{v}</x:v></x:c>')),
        ("文件已损坏", "基本信息", "“-1”")),
}

#: id -> change: text a terminal would act on, allowed by XML 1.0 (C1 controls, DEL, bidi overrides)
SHOWN: dict[str, Callable[[Parts], None]] = {
    "c1-and-bidi-in-the-department": _department("科协\u009b2J\u202e\u007f\u2066"),
    "c1-in-an-amount": lambda parts: edit_xml(parts, FACTS_PART, lambda x: re.sub(
        r'<c r="C10"[^>]*?(/>|>.*?</c>)', lambda _: '<c r="C10" t="inlineStr"><is><t>0.9\u009b2J万元</t></is></c>', x, count=1)),
    "c1-in-the-layout-mark": lambda parts: edit_xml(parts, "xl/workbook.xml", lambda x: x.replace(
        "xlperf-layout-2", "xlperf-\u009b]0;x\u009c\u202e", 1)),
}


@pytest.fixture(scope="module")
def files(example_workbook: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    made = {}
    for case, change in {**{k: v[0] for k, v in DAMAGED.items()}, **SHOWN}.items():
        made[case] = changed(example_workbook, tmp_path_factory.mktemp(re.sub(r"\W", "_", case)) / "book.xlsx", change)
    return made


@pytest.fixture(scope="module")
def results(files: dict[str, Path]) -> dict[tuple[str, str], dict[str, Any]]:
    runs, keys = [], []
    for case, path in files.items():
        for command in ("score", "check", "score --json", "check --json"):
            words = command.split()
            runs.append([words[0], str(path), *words[1:]])
            keys.append((case, command))
    return dict(zip(keys, run_commands(runs, timeout=120)))


def _outcome(path: Path, reader: str) -> tuple[Any, ...]:
    try:
        year = read_workbook(path, reader=reader)  # type: ignore[arg-type]
    except XlperfError as exc:
        return "error", type(exc).__name__, str(exc)
    return "year", year.department, year.facts, {k: str(e) for k, e in year.unreadable.items()}


@pytest.mark.parametrize("case", [*DAMAGED, *SHOWN])
def test_both_readers_agree(case: str, files: dict[str, Path]) -> None:
    assert _outcome(files[case], "calamine") == _outcome(files[case], "openpyxl")


@pytest.mark.parametrize("command", ["score", "check", "score --json", "check --json"])
@pytest.mark.parametrize("case", DAMAGED)
def test_a_damaged_part_is_refused(case: str, command: str, files: dict[str, Path],
                                   results: dict[tuple[str, str], dict[str, Any]]) -> None:
    """Exit 2, one Chinese line naming the file (and the cell, where one holds it), nothing else."""
    result = results[(case, command)]
    lines = result["stderr"].strip().splitlines()
    assert result["code"] == 2 and result["stdout"] == ""
    assert len(lines) == 1 and lines[0].startswith(f"xlperf：错误：{files[case].name}：")
    for words in DAMAGED[case][1]:
        assert words in lines[0], (words, lines[0])
    assert not RAW.search(result["stderr"]) and DEPARTMENT not in lines[0]


@pytest.mark.parametrize("command", ["score", "check", "score --json", "check --json"])
@pytest.mark.parametrize("case", [*DAMAGED, *SHOWN])
def test_no_control_character_is_printed(case: str, command: str, results: dict[tuple[str, str], dict[str, Any]]) -> None:
    result = results[(case, command)]
    assert not RAW.search(result["stdout"] + result["stderr"]), repr(result)
    assert "Traceback" not in result["stderr"] and "内部错误" not in result["stderr"]


def test_the_department_is_shown_with_its_controls_visible(results: dict[tuple[str, str], dict[str, Any]]) -> None:
    score = results[("c1-and-bidi-in-the-department", "score")]
    assert score["code"] == 0 and "科协[U+009B]2J[U+202E]\u2421[U+2066]" in score["stdout"].splitlines()[0]
    data = json.loads(results[("c1-and-bidi-in-the-department", "score --json")]["stdout"])
    assert data["department"] == "科协\u009b2J\u202e\u007f\u2066"  # the JSON still reads back the same


def test_a_message_quoting_a_cell_shows_its_controls(results: dict[tuple[str, str], dict[str, Any]]) -> None:
    check = results[("c1-in-an-amount", "check")]
    assert check["code"] == 1 and "0.9[U+009B]2J万元" in check["stdout"]
    findings = json.loads(results[("c1-in-an-amount", "check --json")]["stdout"])["findings"]
    assert any("0.9\u009b2J万元" in f["message"] for f in findings)


def test_an_error_line_shows_its_controls(results: dict[tuple[str, str], dict[str, Any]]) -> None:
    score = results[("c1-in-the-layout-mark", "score")]
    assert score["code"] == 2 and "xlperf-[U+009B]]0;x[U+009C][U+202E]" in score["stderr"]


def _json_with(example_workbook: Path, folder: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    out = folder / "data.json"
    export, = run_commands([["export", str(example_workbook), "-o", str(out)]])
    assert export["code"] == 0, export
    data = json.loads(out.read_text(encoding="utf-8"))
    change(data)
    out.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return out


def test_json_data_with_escapes(example_workbook: Path, tmp_path: Path) -> None:
    """JSON may hold any character: ESC sequences, a bare CR and NUL in the department, a text and a
    target's name are shown in the table, the findings and the report's notes; a value the reader
    refuses, or a format it does not know, is shown in the error line."""
    def hostile(data: dict[str, Any]) -> None:
        data["department"] = f"科协{OSC_TITLE}{ERASE}\x00"
        data["texts"]["problems"] = f"问题{ERASE}\x1b[31m红"
        data["targets"][0]["name"] = f"讲座\r{OSC_TITLE}"
        data["targets"][0]["actual"] = None  # check quotes the target's name

    source = _json_with(example_workbook, tmp_path, hostile)
    text = source.read_text(encoding="utf-8")
    bad_value = tmp_path / "bad-value.json"
    bad_value.write_text(text.replace('"carryover": 0.9', '"carryover": "0.9\\u001b[2K\\r"'), encoding="utf-8")
    bad_format = tmp_path / "bad-format.json"
    bad_format.write_text(text.replace('"format": "xlperf/department-year@1"', '"format": "x\\u001b]0;pwned\\u0007"'),
                          encoding="utf-8")
    assert bad_value.read_text(encoding="utf-8") != text and bad_format.read_text(encoding="utf-8") != text
    results = run_commands([["score", str(source)], ["check", str(source)], ["score", str(source), "--json"],
                            ["score", str(bad_value)], ["score", str(bad_format)],
                            ["report", str(source), "-o", str(tmp_path / "r.docx"), "--force"]])
    for result in results:
        assert not RAW.search(result["stdout"] + result["stderr"]), repr(result)
        assert "Traceback" not in result["stderr"] and "内部错误" not in result["stderr"]
    score, check, as_json, refused_value, refused_format, report = results
    assert "科协␛]0;pwned␇␛[2K␍␀" in score["stdout"]
    assert "␍" in check["stdout"] and "pwned␇" in check["stdout"]  # (the table may fold the message)
    assert json.loads(as_json["stdout"])["department"] == f"科协{OSC_TITLE}{ERASE}\x00"
    assert refused_value["code"] == 2 and "0.9␛[2K" in refused_value["stderr"]
    assert refused_format["code"] == 2 and "␛]0;pwned␇" in refused_format["stderr"]
    assert report["code"] == 0 and (tmp_path / "r.docx").exists()


def test_file_names_with_escapes(example_workbook: Path, tmp_path: Path) -> None:
    """A file named with an escape sequence, alone and in a folder given to batch: named, not acted on."""
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(example_workbook, folder / "good.xlsx")
    odd = folder / f"坏{OSC_TITLE}.xlsx"
    odd.write_bytes(b"not a workbook")
    (folder / f"旧{ERASE}.xls").write_bytes(b"not a workbook")
    results = run_commands([["score", str(odd)], ["check", str(odd)],
                            ["batch", str(folder), "-o", str(tmp_path / "summary.xlsx")]])
    for result in results:
        assert not RAW.search(result["stdout"] + result["stderr"]), repr(result)
        assert "Traceback" not in result["stderr"] and "内部错误" not in result["stderr"]
    assert results[0]["code"] == 2 and "坏␛]0;pwned␇.xlsx" in results[0]["stderr"]


class TestPrintable:
    def test_controls_are_shown(self) -> None:
        assert printable(f"a{OSC_TITLE}b{ERASE}c\r\nd\te\u2028f") == "a␛]0;pwned␇b␛[2K␍c\nd\te\nf"
        assert printable("\u009b\u202e\u2066\u007f\ud800") == "[U+009B][U+202E][U+2066]\u2421[U+D800]"
        assert printable("广州市　科协 ✓") == "广州市　科协 ✓"  # full-width spaces and symbols stay

    def test_printable_twice_is_printable_once(self) -> None:
        text = "".join(map(chr, range(0, 0x2100)))
        assert printable(printable(text)) == printable(text)
        assert not RAW.search(printable(text).replace("\n", "").replace("\t", ""))

    def test_json_reads_back_the_same(self) -> None:
        data = {"t": "".join(map(chr, range(0, 0x300))) + "\u202e\u2028\u2066"}
        text = json_printable(json.dumps(data, ensure_ascii=False))
        assert not RAW.search(text.replace("\n", "")) and json.loads(text) == data

    def test_tables_line_up(self) -> None:
        table = render(("甲", "乙"), [(f"x{ERASE}\ty", "科协\u202e")], title=f"标题{OSC_TITLE}")
        lines = table.splitlines()
        assert lines[0] == "标题␛]0;pwned␇" and not RAW.search(table) and "\t" not in table
        assert len({width(line) for line in lines[1:]}) == 1  # every line of the table as wide
