"""Every code of the report linter's catalogue, one folder each (see README.md here), and the catalogue
as docs/check-report.md lists it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import xlperf
from xlperf.cli import main
from xlperf.core.reportcheck import CODES, catalogue_markdown

HERE = Path(__file__).parent
FOLDERS = sorted(p for p in HERE.iterdir() if p.is_dir() and p.name[:1] == "P")
EXAMPLE = Path(xlperf.__file__).parent / "examples" / "baiyun-kexie-2022.json"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "check-report.md"


def findings(report: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[dict[str, str]]]:
    """`xlperf check-report REPORT example.json --json`: the exit code and the findings."""
    code = main(["check-report", str(report), str(EXAMPLE), "--json"])
    return code, json.loads(capsys.readouterr().out)["findings"]


@pytest.mark.parametrize("folder", FOLDERS, ids=[f.name for f in FOLDERS])
class TestEachCode:
    def test_bad_gives_the_expected_findings(self, folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """bad.txt gives exactly the findings of this code listed in expected.txt, by id and place."""
        code = folder.name[:4]
        status, found = findings(folder / "bad.txt", capsys)
        got = [f"{f['id']} {f['location']}" for f in found if f["id"] == code]
        assert got == (folder / "expected.txt").read_text(encoding="utf-8").splitlines()
        assert status == (1 if any(f["severity"] == "错误" for f in found) else 0)

    def test_good_gives_none_of_this_code(self, folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """good.txt, the near miss, gives no finding of this code."""
        _, found = findings(folder / "good.txt", capsys)
        assert [f for f in found if f["id"] == folder.name[:4]] == []


def test_every_code_has_a_folder_named_by_its_symbol() -> None:
    """One folder per code, named `<ID>-<symbol>`, and no folder for a code that does not exist."""
    assert [f.name for f in FOLDERS] == [f"{c.id}-{c.symbol}" for c in CODES.values()]


def test_codes_are_p_and_never_those_of_the_checks_or_the_risks() -> None:
    """P ids: E/W/I are the workbook checks' (xlperf checks), R the reviewer's risks; severity is 错误 or 警告."""
    from xlperf.core.checks import CHECKS
    from xlperf.core.review import RISKS

    assert all(code.startswith("P") and len(code) == 4 for code in CODES)
    assert not set(CODES) & (set(CHECKS) | set(RISKS))
    assert {c.severity for c in CODES.values()} == {"错误", "警告"}


def test_docs_list_the_catalogue() -> None:
    """docs/check-report.md carries the catalogue's table as the code has it."""
    assert catalogue_markdown() in DOCS.read_text(encoding="utf-8")
