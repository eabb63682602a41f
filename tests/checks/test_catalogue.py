"""Every check of the catalogue, one folder each (tests/checks/<ID>-<symbol>/, see README.md there).

bad.json (or bad.workbook.json) must give exactly the findings of that check listed in expected.txt,
by id and location (pylint's expected output; the wording is not asserted); good.json must give none
of that check. Both change the shipped 2022 example, which is what a department starts from.

The catalogue as users read it (`xlperf checks`, docs/checks.md) is tested at the end: each check's
title, meaning and example, the example filled from the real template and pointing where the check does.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import re
import string
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.utils.cell import range_boundaries

from xlperf import read_workbook
from xlperf._table import width
from xlperf.cli import main
from xlperf.core.checks import CHECKS, Finding, catalogue, catalogue_markdown, run_checks
from xlperf.core.engine import score_year
from xlperf.core.frameworks import load_framework
from xlperf.core.jsonform import year_from_dict
from xlperf_testing import typed_over

HERE = Path(__file__).parent
FOLDERS = sorted(p for p in HERE.iterdir() if p.is_dir() and p.name[:1] in "EWI")
EXAMPLE = json.loads((Path(__file__).resolve().parents[2] / "src" / "xlperf" / "examples" /
                      "baiyun-kexie-2022.json").read_text(encoding="utf-8"))


def patched(base: Any, patch: Any) -> Any:
    """`base` changed by `patch`: objects merge key by key, an object with number keys ("2") changes those
    items of a list, anything else (null included) replaces the value."""
    if isinstance(patch, dict) and isinstance(base, dict):
        out = dict(base)
        for key, value in patch.items():
            out[key] = patched(base.get(key), value) if key in base else value
        return out
    if isinstance(patch, dict) and isinstance(base, list) and patch and all(k.isdigit() for k in patch):
        items = list(base)
        for key, value in patch.items():
            items[int(key)] = patched(items[int(key)], value)
        return items
    return copy.deepcopy(patch)


def findings_of_json(patch: dict[str, Any]) -> list[Finding]:
    """The findings of the example changed by a JSON-form patch. A "_scorecard" key changes the scored
    result instead, to reach what the engine never produces (E105 is a safety net)."""
    patch = dict(patch)
    scorecard = patch.pop("_scorecard", {})
    fw = load_framework(EXAMPLE["framework"])
    card = score_year(fw, year_from_dict(patched(EXAMPLE, patch), fw))
    if scorecard:
        card = dataclasses.replace(card, **{k: type(getattr(card, k))(v) for k, v in scorecard.items()})
    return run_checks(card)


def findings_of_workbook(edits: dict[str, Any], example_workbook: Path, tmp: Path) -> list[Finding]:
    """The findings of the example workbook after a clerk's edits: {"cells": {"收支情况!C4" or a defined name:
    value}, "merge": ["收支情况!C6:C7"]}."""
    path = typed_over(example_workbook, tmp / "book.xlsx", edits.get("cells", {}))  # saved results kept
    if edits.get("merge"):
        wb = openpyxl.load_workbook(path)
        for where in edits["merge"]:
            sheet, ref = where.split("!")
            wb[sheet].merge_cells(ref)
        wb.save(path)
    year = read_workbook(path)
    return run_checks(score_year(load_framework(year.framework_id), year))


def findings(folder: Path, case: str, example_workbook: Path, tmp_path: Path) -> list[Finding]:
    workbook = folder / f"{case}.workbook.json"
    if workbook.exists():
        return findings_of_workbook(json.loads(workbook.read_text(encoding="utf-8")), example_workbook, tmp_path)
    return findings_of_json(json.loads((folder / f"{case}.json").read_text(encoding="utf-8")))


def check_id(folder: Path) -> str:
    return folder.name.split("-", 1)[0]


@pytest.mark.parametrize("folder", FOLDERS, ids=[f.name for f in FOLDERS])
class TestCatalogue:
    def test_bad_triggers_exactly_the_expected(self, folder: Path, example_workbook: Path, tmp_path: Path) -> None:
        """bad gives exactly the expected findings of this check, by id and location."""
        wanted = check_id(folder)
        got = sorted(f"{f.id} {f.where}".strip() for f in findings(folder, "bad", example_workbook, tmp_path)
                     if f.id == wanted)
        expected = sorted(line.strip() for line in (folder / "expected.txt").read_text(encoding="utf-8").splitlines()
                          if line.strip())
        assert expected and all(line.split()[0] == wanted for line in expected)
        assert got == expected

    def test_good_does_not_trigger(self, folder: Path, example_workbook: Path, tmp_path: Path) -> None:
        """good (the near miss) gives no finding of this check."""
        wanted = check_id(folder)
        assert [f"{f.id} {f.where}" for f in findings(folder, "good", example_workbook, tmp_path) if f.id == wanted] == []


def test_every_check_has_its_folder() -> None:
    """Each registered check has tests/checks/<ID>-<symbol>/, and each folder a registered check."""
    assert {f.name for f in FOLDERS} == {f"{c.id}-{c.symbol}" for c in CHECKS.values()}


def test_every_folder_is_complete() -> None:
    """Each folder holds a bad and a good case (JSON or workbook) and expected.txt."""
    for folder in FOLDERS:
        for case in ("bad", "good"):
            assert (folder / f"{case}.json").exists() != (folder / f"{case}.workbook.json").exists(), (folder, case)
        assert (folder / "expected.txt").exists(), folder


# --- the catalogue as users read it (`xlperf checks`, docs/checks.md) ------------------------------------

#: what must never reach users: snake_case / kebab-case names (sum-mismatch, parts_text), keys of the JSON
#: form (facts.carryover, targets[21]) and unfilled placeholders
CODE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[_-][A-Za-z0-9]+)+|\b[a-z]+\.[a-z_]+|\[\d+\]|[{}]")


def template_fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def test_every_check_has_a_title_a_summary_and_an_example() -> None:
    for c in CHECKS.values():
        assert 2 <= len(c.title) <= 12 and not CODE_NAME.search(c.title), c.id
        assert len(c.summary) >= 20 and c.summary.endswith("。") and not CODE_NAME.search(c.summary), c.id
        assert c.example_message.strip(), c.id


def test_the_example_fills_exactly_the_fields_of_the_template() -> None:
    """The example gives a value for each placeholder of the template, and nothing else."""
    for c in CHECKS.values():
        assert set(c.example) == template_fields(c.template), c.id


def test_the_example_message_reads_as_a_real_one() -> None:
    """Filled in, the example shows no placeholder, no code name and no JSON key, only what a clerk reads."""
    for c in CHECKS.values():
        assert c.example_message == c.template.format(**c.example)
        assert not CODE_NAME.search(c.example_message), (c.id, c.example_message)
        assert all(value.strip() for value in c.example.values()), c.id


def sheet_of(where: str, workbook: openpyxl.Workbook) -> str:
    """The sheet a finding's location is on: 收支情况!C10, or a key of the JSON form (facts.carryover,
    indicators.ZX01.reason, targets[21], projects[0].benefits) by the defined name it is read through."""
    if "!" in where:
        return where.split("!")[0]
    head = re.split(r"[.\[]", where)[0]
    name = {"department": "XP_DEPARTMENT", "targets": "XP_TARGETS", "projects": "XP_PROJECTS"}.get(head)
    if name is None:
        parts = where.split(".")
        name = {"facts": f"XP_F_{parts[-1]}", "texts": f"XP_T_{parts[-1]}",
                "indicators": f"XP_I_{parts[1]}_{parts[-1].upper()}"}[head]
    return next(iter(workbook.defined_names[name].destinations))[0]


@pytest.mark.parametrize("folder", FOLDERS, ids=[f.name for f in FOLDERS])
def test_the_example_points_where_the_check_does(folder: Path, example_workbook: Path) -> None:
    """The example's place is a cell or range of the example workbook, on the sheet where the real finding
    of that check (tests/checks/<ID>-<symbol>/expected.txt) points; none when the finding has none."""
    c = CHECKS[check_id(folder)]
    expected = [line.split()[1:] for line in (folder / "expected.txt").read_text(encoding="utf-8").splitlines()
                if line.strip()]
    if not any(expected):
        assert c.example_at == ""
        return
    workbook = openpyxl.load_workbook(example_workbook)
    sheet, _, ref = c.example_at.partition("!")
    assert sheet in workbook.sheetnames and range_boundaries(ref), c.example_at
    assert sheet in {sheet_of(where[0], workbook) for where in expected if where}


def blocks(out: str) -> dict[str, str]:
    """`xlperf checks` cut into its blocks, by check id."""
    return {block.split()[0]: block for block in out.split("\n\n")[1:]}


def test_xlperf_checks_shows_each_check_as_users_read_it(capsys: pytest.CaptureFixture[str]) -> None:
    """Each check is a block: id, 级别 and title, then its meaning and its example with the place; no
    template placeholders and no code names (the symbols stay in --json)."""
    assert main(["checks"]) == 0
    out = capsys.readouterr().out
    found = blocks(out)
    assert list(found) == [c.id for c in catalogue()]
    for c in catalogue():
        block = found[c.id]
        assert block.startswith(f"{c.id}  {c.severity}  {c.title}\n")
        flat = re.sub(r"\s+", "", block)  # the lines are folded to the terminal's width
        assert "说明：" + re.sub(r"\s+", "", c.summary) in flat
        assert "示例：" + re.sub(r"\s+", "", c.example_at + c.example_message) in flat
        assert c.symbol not in block
    assert not CODE_NAME.search(out)


@pytest.mark.parametrize("columns", [80, 100, 120])
def test_xlperf_checks_fits_the_terminal(columns: int, capsys: pytest.CaptureFixture[str],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Every line fits the terminal, and no folded line begins with a closing mark (，。）”) or leaves an
    opening one (“（) at the end of the line before."""
    monkeypatch.setenv("COLUMNS", str(columns))
    assert main(["checks"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert max(width(line) for line in lines) <= columns
    assert not [line for line in lines if re.match(r" {10}[，。、；：）”]", line) or re.search(r"[“（]$", line)]
    assert len(lines) < 8 * len(CHECKS)  # about five lines a check, not a table folded into slivers


def test_xlperf_checks_json_gives_the_developers_view(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["checks", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [d["id"] for d in data] == [c.id for c in catalogue()]
    for d, c in zip(data, catalogue()):
        assert d == {"id": c.id, "severity": c.severity, "symbol": c.symbol, "title": c.title, "summary": c.summary,
                     "template": c.template, "example": c.example_message, "example_location": c.example_at}


def test_docs_table_has_meaning_and_example() -> None:
    """docs/checks.md (generated) has the columns 编号 | 级别 | 说明 | 示例消息, one row a check, placeholders
    and symbols left out."""
    text = catalogue_markdown()
    assert "| 编号 | 级别 | 说明 | 示例消息 |" in text
    rows = [line for line in text.splitlines() if re.match(r"\| [EWI]\d{3} \|", line)]
    assert len(rows) == len(CHECKS)
    for row, c in zip(rows, catalogue()):
        where = f"{c.example_at}：" if c.example_at else ""
        assert row == f"| {c.id} | {c.severity} | **{c.title}**：{c.summary} | {where}{c.example_message} |"
        assert not CODE_NAME.search(row)
