"""Every check of the catalogue, one folder each (tests/checks/<ID>-<symbol>/, see README.md there).

bad.json (or bad.workbook.json) must give exactly the findings of that check listed in expected.txt,
by id and location (pylint's expected output; the wording is not asserted); good.json must give none
of that check. Both change the shipped 2022 example, which is what a department starts from.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from xlperf import read_workbook
from xlperf.core.checks import CHECKS, Finding, run_checks
from xlperf.core.engine import score_year
from xlperf.core.frameworks import load_framework
from xlperf.core.jsonform import year_from_dict

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
    path = tmp / "book.xlsx"
    shutil.copy(example_workbook, path)
    wb = openpyxl.load_workbook(path)
    for where, value in edits.get("cells", {}).items():
        if "!" in where:
            sheet, cell = where.split("!")
        else:
            sheet, cell = next(iter(wb.defined_names[where].destinations))
        wb[sheet][cell.replace("$", "")] = value
    for where in edits.get("merge", []):
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
