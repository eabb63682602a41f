"""What is scored must be what is seen (issue 12, point 4).

A tampered workbook shows the reviewer one thing and hands the reader another: a defined name pointing
at a hidden copy of a sheet, or at a decoy whose name differs only by a space or an invisible
character; or an input whose saved value comes from outside the workbook (another workbook, a DDE link,
WEBSERVICE …), which is not what Excel shows once it recalculates, and may be anything. Each file is
made here from the example workbook. Through the command line: a tampered layout is refused (exit 2,
one line naming the name and the cell); an input drawing on outside sources is not scored, and `check`
names its cell. Both readers give the same year or the same error.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hostile_files import changed, edit_xml, run_commands

from xlperf import XlperfError
from xlperf.workbook.read import read_workbook

Parts = dict[str, bytes]
Maker = Callable[[Path, Path], Path]
SCORESHEET_PART = "xl/worksheets/sheet5.xml"  # 评分表 in the example workbook (.xlsx)
FACTS_PART = "xl/worksheets/sheet3.xml"  # 收支情况
TARGETS_PART = "xl/worksheets/sheet4.xml"  # 绩效目标
VISIBLE_TOTAL = "97.15"  # the example with 预决算公开合规性 (GK01) answered 否 where it says 是
HIDDEN_TOTAL = "99.15"  # the example as it is


def target_of(parts: Parts, name: str) -> tuple[str, str]:
    """(sheet, cell) a defined name of the workbook points at."""
    match = re.search(rf"<definedName name=\"{name}\">'([^']+)'!\$([A-Z]+)\$(\d+)</definedName>",
                      parts["xl/workbook.xml"].decode("utf-8"))
    assert match, name
    return match.group(1), match.group(2) + match.group(3)


def set_cell(parts: Parts, part: str, cell: str, xml: str) -> None:
    """Replace the <c> element of `cell` in `part` (it must be there)."""
    def edit(text: str) -> str:
        text, count = re.subn(rf'<c r="{cell}"[^>]*?(/>|>.*?</c>)', lambda _: xml.format(r=cell), text, count=1)
        assert count == 1, cell
        return text
    edit_xml(parts, part, edit)


def add_sheet(parts: Parts, name: str, copy_of: str, *, state: str = "") -> str:
    """A new sheet, a copy of the part `copy_of`, named `name` (with `state` hidden or veryHidden)."""
    number = 1 + max(int(n) for n in re.findall(r"xl/worksheets/sheet(\d+)\.xml", " ".join(parts)))
    part = f"xl/worksheets/sheet{number}.xml"
    parts[part] = parts[copy_of]
    edit_xml(parts, "[Content_Types].xml", lambda x: x.replace("</Types>", (
        f'<Override PartName="/{part}" ContentType="application/vnd.openxmlformats-officedocument.'
        'spreadsheetml.worksheet+xml"/></Types>')))
    edit_xml(parts, "xl/_rels/workbook.xml.rels", lambda x: x.replace("</Relationships>", (
        f'<Relationship Id="rIdDecoy{number}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        f'relationships/worksheet" Target="worksheets/sheet{number}.xml"/></Relationships>')))
    shown = f' state="{state}"' if state else ""
    edit_xml(parts, "xl/workbook.xml", lambda x: x.replace(
        "</sheets>", f'<sheet name="{name}" sheetId="{number}"{shown} r:id="rIdDecoy{number}"/></sheets>'))
    return part


def point_name(parts: Parts, name: str, sheet: str) -> None:
    """Make a defined name point at the same cell of another sheet."""
    def edit(xml: str) -> str:
        xml, count = re.subn(rf"(<definedName name=\"{name}\">)'[^']+'", lambda m: f"{m.group(1)}'{sheet}'", xml)
        assert count == 1, name
        return xml
    edit_xml(parts, "xl/workbook.xml", edit)


def _answer_no(parts: Parts) -> None:
    """The visible 评分表 says 否 for GK01 (the example says 是)."""
    _, cell = target_of(parts, "XP_I_GK01_VALUE")
    set_cell(parts, SCORESHEET_PART, cell, '<c r="{r}" t="inlineStr"><is><t>否</t></is></c>')


def _hidden_copy(sheet: str, state: str) -> Callable[[Parts], None]:
    """The decoy of the issue: the reviewer sees 否 on 评分表; the name reads 是 from a copy named `sheet`."""
    def change(parts: Parts) -> None:
        add_sheet(parts, sheet, SCORESHEET_PART, state=state)  # a copy of the example's 评分表 (是)
        _answer_no(parts)
        point_name(parts, "XP_I_GK01_VALUE", sheet)
    return change


def _layout_sheet_hidden(state: str) -> Callable[[Parts], None]:
    """The real 评分表 hidden (是), a visible decoy beside it that differs only by a trailing space (否)."""
    def change(parts: Parts) -> None:
        decoy = add_sheet(parts, "评分表 ", SCORESHEET_PART)
        _, cell = target_of(parts, "XP_I_GK01_VALUE")
        set_cell(parts, decoy, cell, '<c r="{r}" t="inlineStr"><is><t>否</t></is></c>')
        edit_xml(parts, "xl/workbook.xml", lambda x: x.replace('<sheet name="评分表" ', f'<sheet name="评分表" state="{state}" '))
    return change


def _lookalike(name: str) -> Callable[[Parts], None]:
    """A visible sheet beside 评分表 passing for it; no name points at it."""
    def change(parts: Parts) -> None:
        part = add_sheet(parts, name, SCORESHEET_PART)
        _, cell = target_of(parts, "XP_I_GK01_VALUE")
        set_cell(parts, part, cell, '<c r="{r}" t="inlineStr"><is><t>否</t></is></c>')
    return change


def _same_name_twice(parts: Parts) -> None:
    add_sheet(parts, "评分表", SCORESHEET_PART, state="veryHidden")


def _made(change: Callable[[Parts], None]) -> Maker:
    return lambda base, folder: changed(base, folder / "book.xlsx", change)


#: id -> (maker, words the one line of `score` and `check` must hold): the workbook is refused
REFUSED: dict[str, tuple[Maker, tuple[str, ...]]] = {
    "name-to-very-hidden-copy": (_made(_hidden_copy("评分表2", "veryHidden")), ("XP_I_GK01_VALUE", "评分表2!G", "隐藏")),
    "name-to-hidden-copy": (_made(_hidden_copy("Sheet7", "hidden")), ("XP_I_GK01_VALUE", "Sheet7!G", "隐藏")),
    "name-to-visible-other-sheet": (_made(_hidden_copy("别的表", "")), ("XP_I_GK01_VALUE", "别的表!G", "不是“评分表”")),
    "name-to-trailing-space-decoy": (_made(_hidden_copy("评分表 ", "")), ("评分表[空格]", "伪装")),
    "name-to-full-width-space-decoy": (_made(_hidden_copy("评分表\u3000", "")), ("评分表[全角空格]", "伪装")),
    "name-to-zero-width-decoy": (_made(_hidden_copy("评\u200b分表", "")), ("评[U+200B]分表", "伪装")),
    "decoy-name-to-hidden-layout-sheet": (_made(_hidden_copy("评分表 ", "hidden")), ("评分表[空格]", "伪装")),
    "layout-sheet-very-hidden-decoy-visible": (_made(_layout_sheet_hidden("veryHidden")), ("评分表[空格]", "伪装")),
    "unpointed-lookalike": (_made(_lookalike("评分表\u200b")), ("评分表[U+200B]", "伪装")),
    "unpointed-lookalike-in-full-width": (_made(_lookalike("评分表\u3000")), ("评分表[全角空格]", "伪装")),
    "same-sheet-name-twice": (_made(_same_name_twice), ("两张名称相同的工作表“评分表”",)),
    "layout-sheet-hidden": (_made(lambda parts: edit_xml(parts, "xl/workbook.xml", lambda x: x.replace(
        '<sheet name="评分表" ', '<sheet name="评分表" state="hidden" '))), ("评分表!", "隐藏")),
}


def _formula(part: str, name: str, xml: str) -> Callable[[Parts], None]:
    def change(parts: Parts) -> None:
        _, cell = target_of(parts, name)
        set_cell(parts, part, cell, xml)
    return change


def _external_link(parts: Parts) -> None:
    """=[1]Sheet1!A1 in 结转结余资金, with the externalLink part Excel writes for it (and its cached value)."""
    _formula(FACTS_PART, "XP_F_carryover", '<c r="{r}"><f>[1]Sheet1!A1</f><v>0.5</v></c>')(parts)
    parts["xl/externalLinks/externalLink1.xml"] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<externalLink xmlns="http://schemas.openxmlformats.org/'
        'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<externalBook r:id="rId1"><sheetNames><sheetName val="Sheet1"/></sheetNames><sheetDataSet><sheetData sheetId="0">'
        '<row r="1"><cell r="A1"><v>0.5</v></cell></row></sheetData></sheetDataSet></externalBook></externalLink>').encode()
    parts["xl/externalLinks/_rels/externalLink1.xml.rels"] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/'
        'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/externalLinkPath" Target="file:///C:/secret/other.xlsx" TargetMode="External"/></Relationships>').encode()
    edit_xml(parts, "[Content_Types].xml", lambda x: x.replace("</Types>", (
        '<Override PartName="/xl/externalLinks/externalLink1.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.externalLink+xml"/></Types>')))
    edit_xml(parts, "xl/_rels/workbook.xml.rels", lambda x: x.replace("</Relationships>", (
        '<Relationship Id="rIdLink1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'externalLink" Target="externalLinks/externalLink1.xml"/></Relationships>')))
    edit_xml(parts, "xl/workbook.xml", lambda x: x.replace(
        "<definedNames>", '<externalReferences><externalReference r:id="rIdLink1"/></externalReferences><definedNames>'))


def _shared_group(parts: Parts) -> None:
    """A shared formula drawing on another workbook, filled from 项目支出决算数 down over 结转结余资金."""
    _, first = target_of(parts, "XP_F_project_actual")
    _, second = target_of(parts, "XP_F_carryover")
    set_cell(parts, FACTS_PART, first, f'<c r="{{r}}"><f t="shared" ref="{first}:{second}" si="0">[1]Sheet1!A1</f><v>1</v></c>')
    set_cell(parts, FACTS_PART, second, '<c r="{r}"><f t="shared" si="0"/><v>0.5</v></c>')


def _array_over_inputs(parts: Parts) -> None:
    """One array formula filling 项目支出决算数 and 结转结余资金: the second cell holds no formula of its own."""
    _, first = target_of(parts, "XP_F_project_actual")
    _, second = target_of(parts, "XP_F_carryover")
    set_cell(parts, FACTS_PART, first, f'<c r="{{r}}"><f t="array" ref="{first}:{second}">_xlfn.WEBSERVICE("http://x.invalid/")</f><v>1</v></c>')


def _target_cell(parts: Parts) -> None:
    """The 实际值 of the first 绩效目标 row fetched from the web."""
    xml = parts["xl/workbook.xml"].decode("utf-8")
    first_row = re.search(r"<definedName name=\"XP_TARGETS\">'绩效目标'!\$B\$(\d+):", xml)
    assert first_row
    set_cell(parts, TARGETS_PART, f"F{first_row.group(1)}", '<c r="{r}"><f>_xlfn.WEBSERVICE("http://x.invalid/")</f><v>8</v></c>')


#: id -> (maker, the input's cell as check names it, words of the message): the input is not scored
OUTSIDE: dict[str, tuple[Maker, Callable[[Parts], str], tuple[str, ...]]] = {
    "dde-in-a-fact": (_made(_formula(FACTS_PART, "XP_F_carryover", "<c r=\"{r}\"><f>cmd|' /C calc'!A0</f><v>0.5</v></c>")),
                      lambda p: "收支情况!" + target_of(p, "XP_F_carryover")[1], ("DDE", "cmd|")),
    "dde-without-saved-value": (_made(_formula(FACTS_PART, "XP_F_carryover", "<c r=\"{r}\"><f>cmd|' /C calc'!A0</f></c>")),
                                lambda p: "收支情况!" + target_of(p, "XP_F_carryover")[1], ("DDE",)),
    "external-link-in-a-fact": (_made(_external_link), lambda p: "收支情况!" + target_of(p, "XP_F_carryover")[1],
                                ("其他工作簿",)),
    "external-path-in-a-fact": (_made(_formula(FACTS_PART, "XP_F_carryover", "<c r=\"{r}\"><f>'C:\\x\\[b.xlsx]表'!A1</f><v>0.5</v></c>")),
                                lambda p: "收支情况!" + target_of(p, "XP_F_carryover")[1], ("其他工作簿",)),
    "webservice-in-a-choice": (_made(_formula(SCORESHEET_PART, "XP_I_GK01_VALUE",
                                              '<c r="{r}" t="str"><f>_xlfn.WEBSERVICE("http://x.invalid/gk01")</f><v>是</v></c>')),
                               lambda p: "评分表!" + target_of(p, "XP_I_GK01_VALUE")[1], ("WEBSERVICE",)),
    "rtd-in-a-fact": (_made(_formula(FACTS_PART, "XP_F_carryover", '<c r="{r}"><f>RTD("srv",,"x")</f><v>0.5</v></c>')),
                      lambda p: "收支情况!" + target_of(p, "XP_F_carryover")[1], ("RTD",)),
    "call-in-a-reason": (_made(_formula(SCORESHEET_PART, "XP_I_ZX03_REASON",
                                        '<c r="{r}" t="str"><f>CALL("kernel32","WinExec","JCJ","calc",0)</f><v>原因</v></c>')),
                         lambda p: "评分表!" + target_of(p, "XP_I_ZX03_REASON")[1], ("CALL",)),
    "shared-formula-from-another-workbook": (_made(_shared_group), lambda p: "收支情况!" + target_of(p, "XP_F_carryover")[1],
                                             ("其他工作簿",)),
    "array-formula-over-inputs": (_made(_array_over_inputs), lambda p: "收支情况!" + target_of(p, "XP_F_carryover")[1],
                                  ("WEBSERVICE",)),
    "webservice-in-a-target-row": (_made(_target_cell), lambda p: "绩效目标!F", ("WEBSERVICE",)),
}

#: formulas that draw on nothing outside the workbook: read as before
HARMLESS: dict[str, Maker] = {
    "plain-formula": _made(_formula(FACTS_PART, "XP_F_carryover", '<c r="{r}"><f>0.5+0.4</f><v>0.9</v></c>')),
    "hyperlink": _made(_formula(SCORESHEET_PART, "XP_I_GK01_VALUE",
                                '<c r="{r}" t="str"><f>HYPERLINK("http://x.invalid/","是")</f><v>是</v></c>')),
    "references-in-a-string": _made(_formula(SCORESHEET_PART, "XP_I_GK01_VALUE",
                                             '<c r="{r}" t="str"><f>IF(1,"是","[1]a|b!A1 WEBSERVICE(")</f><v>是</v></c>')),
}


@pytest.fixture(scope="module")
def made(example_workbook: Path, tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    files: dict[str, Path] = {}
    makers: dict[str, Maker] = {**{k: v[0] for k, v in REFUSED.items()}, **{k: v[0] for k, v in OUTSIDE.items()},
                                **HARMLESS, "visible-answer": _made(_answer_no)}

    def make(case: str) -> Path:
        if case not in files:
            files[case] = makers[case](example_workbook, tmp_path_factory.mktemp(re.sub(r"\W", "_", case)))
        return files[case]
    return make


def _outcome(path: Path, reader: str) -> tuple[Any, ...]:
    try:
        year = read_workbook(path, reader=reader)  # type: ignore[arg-type]
    except XlperfError as exc:
        return "error", type(exc).__name__, str(exc)
    return ("year", year.department, year.facts, {c: (e.value, e.reason, e.name) for c, e in year.entries.items()},
            [t.name for t in year.targets], {k: (str(e), e.location) for k, e in year.unreadable.items()})


@pytest.mark.parametrize("case", [*REFUSED, *OUTSIDE, *HARMLESS])
def test_both_readers_agree(case: str, made: Callable[[str], Path]) -> None:
    path = made(case)
    assert _outcome(path, "calamine") == _outcome(path, "openpyxl")


def test_the_visible_cells_score_97_15(made: Callable[[str], Path]) -> None:
    """The premise: the example with GK01 answered 否, as the reviewer sees the tampered files, scores
    97.15; the hidden copy (the example itself) would give 99.15."""
    score, = run_commands([["score", str(made("visible-answer"))]])
    assert score["code"] == 0 and f"总分 {VISIBLE_TOTAL} 分" in score["stdout"]


@pytest.fixture(scope="module")
def refused_results(made: Callable[[str], Path]) -> dict[tuple[str, str], dict[str, Any]]:
    runs, keys = [], []
    for case in REFUSED:
        for command in ("score", "check"):
            runs.append([command, str(made(case))])
            keys.append((case, command))
    return dict(zip(keys, run_commands(runs, timeout=120)))


@pytest.mark.parametrize("command", ["score", "check"])
@pytest.mark.parametrize("case", REFUSED)
def test_a_tampered_layout_is_refused(case: str, command: str, made: Callable[[str], Path],
                                      refused_results: dict[tuple[str, str], dict[str, Any]]) -> None:
    """Exit 2, one Chinese line naming the file, the name and cell (or the decoy sheet), nothing scored."""
    result = refused_results[(case, command)]
    path = made(case)
    lines = result["stderr"].strip().splitlines()
    assert result["code"] == 2, result
    assert len(lines) == 1 and lines[0].startswith(f"xlperf：错误：{path.name}：")
    for words in REFUSED[case][1]:
        assert words in lines[0], (words, lines[0])
    assert HIDDEN_TOTAL not in result["stdout"] and result["stdout"] == ""
    assert "Traceback" not in result["stderr"]


@pytest.fixture(scope="module")
def outside_results(made: Callable[[str], Path]) -> dict[tuple[str, str], dict[str, Any]]:
    runs, keys = [], []
    for case in [*OUTSIDE, *HARMLESS]:
        for command in ("score", "check", "check --json"):
            runs.append([*command.split()[:1], str(made(case)), *command.split()[1:]])
            keys.append((case, command))
    return dict(zip(keys, run_commands(runs, timeout=120)))


@pytest.mark.parametrize("case", OUTSIDE)
def test_an_input_from_outside_is_not_scored_and_check_names_its_cell(
        case: str, made: Callable[[str], Path], outside_results: dict[tuple[str, str], dict[str, Any]]) -> None:
    from hostile_files import parts_of

    _, cell_of, words = OUTSIDE[case]
    cell = cell_of(parts_of(made(case)))
    score, check = outside_results[(case, "score")], outside_results[(case, "check")]
    if case.endswith(("reason",)):  # a reason is not scored: the total stands, check lists the cell
        assert score["code"] == 0 and f"总分 {HIDDEN_TOTAL} 分" in score["stdout"]
    else:
        assert score["code"] == 1 and "无法计分" in score["stdout"] and "总分不完整" in score["stdout"]
        assert HIDDEN_TOTAL not in score["stdout"]
    assert check["code"] == 1
    assert [line for line in check["stdout"].splitlines() if "E002" in line and cell in line], check["stdout"]
    found = [f for f in json.loads(outside_results[(case, "check --json")]["stdout"])["findings"]
             if f["id"] == "E002" and f["location"].startswith(cell)]
    assert len(found) == 1, found
    assert all(w in found[0]["message"] for w in words) and "保存的值不是本工作簿中的内容" in found[0]["message"]
    assert "Traceback" not in score["stderr"] + check["stderr"]


@pytest.mark.parametrize("case", HARMLESS)
def test_formulas_within_the_workbook_are_read(case: str, outside_results: dict[tuple[str, str], dict[str, Any]]) -> None:
    score, check = outside_results[(case, "score")], outside_results[(case, "check")]
    assert score["code"] == 0 and f"总分 {HIDDEN_TOTAL} 分" in score["stdout"]
    assert "保存的值不是本工作簿中的内容" not in check["stdout"] and check["code"] == 0


def test_export_refuses_an_input_from_outside(made: Callable[[str], Path]) -> None:
    path = made("webservice-in-a-choice")
    out = path.parent / "out.json"
    export, = run_commands([["export", str(path), "-o", str(out)]])
    assert export["code"] == 2 and "WEBSERVICE" in export["stderr"] and not out.exists()


def test_the_macro_workbooks_hidden_settings_sheet_is_fine(example_macro_workbook: Path) -> None:
    """The macro workbook's xlwings.conf is hidden as built: no name of the layout points there."""
    path = example_macro_workbook
    with zipfile.ZipFile(path) as archive:
        assert re.search(rb'<sheet name="xlwings.conf"[^>]* state="hidden"', archive.read("xl/workbook.xml"))
    score, = run_commands([["score", str(path)]])
    assert score["code"] == 0 and f"总分 {HIDDEN_TOTAL} 分" in score["stdout"]
    assert _outcome(path, "calamine") == _outcome(path, "openpyxl")
