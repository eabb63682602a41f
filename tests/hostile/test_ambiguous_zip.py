"""Ambiguous zips (issue 12, point 8): two parts of the same name, or of names differing only in case
(part names in Excel's format compare without regard to case), a leading "/" or a backslash. Which copy a
program reads would depend on the program, so what xlperf scores might not be what Excel shows: such a
workbook, or report template, is refused. Each file is made here from the example workbook (or the
shipped template), the second copy holding something else than the first.
"""

from __future__ import annotations

import re
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hostile_files import COMMANDS, parts_of, run_commands

from xlperf import UnsafeFileError
from xlperf.workbook.read import read_workbook

FACTS_PART = "xl/worksheets/sheet3.xml"


def _with_twin(base: Path, target: Path, name: str, twin_name: str, *, first: bool = False) -> Path:
    """The example with one more member `twin_name`: a copy of part `name` with its numbers changed
    (before the original when `first`)."""
    parts = parts_of(base)
    twin = re.sub(rb"<v>(\d+)", rb"<v>9\1", parts[name])
    with warnings.catch_warnings(), zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        warnings.simplefilter("ignore")  # zipfile warns of a duplicate name: that is the point
        if first:
            archive.writestr(twin_name, twin)
        for part, data in parts.items():
            archive.writestr(part, data)
        if not first:
            archive.writestr(twin_name, twin)
    return target


CASES: dict[str, Callable[[Path, Path], Path]] = {
    "same-name-twice": lambda b, f: _with_twin(b, f / "book.xlsx", FACTS_PART, FACTS_PART),
    "same-name-twice-first": lambda b, f: _with_twin(b, f / "book.xlsx", FACTS_PART, FACTS_PART, first=True),
    "names-differing-in-case": lambda b, f: _with_twin(b, f / "book.xlsx", FACTS_PART, "xl/worksheets/Sheet2.xml"),
    "shared-strings-in-capitals": lambda b, f: _with_twin(b, f / "book.xlsx", "xl/sharedStrings.xml",
                                                          "XL/SHAREDSTRINGS.XML", first=True),
    "content-types-in-another-case": lambda b, f: _with_twin(b, f / "book.xlsx", "[Content_Types].xml",
                                                             "[content_types].xml"),
    "workbook-with-a-leading-slash": lambda b, f: _with_twin(b, f / "book.xlsx", "xl/workbook.xml", "/xl/workbook.xml"),
    "sheet-with-backslashes": lambda b, f: _with_twin(b, f / "book.xlsx", FACTS_PART, "xl\\worksheets\\sheet3.xml"),
}


@pytest.fixture(scope="module")
def files(example_workbook: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return {case: make(example_workbook, tmp_path_factory.mktemp(case)) for case, make in CASES.items()}


@pytest.fixture(scope="module")
def results(files: dict[str, Path]) -> dict[tuple[str, str], dict[str, Any]]:
    runs, keys = [], []
    for case, path in files.items():
        for command, argv in COMMANDS.items():
            runs.append([arg.format(file=path, folder=path.parent) for arg in argv])
            keys.append((case, command))
    return dict(zip(keys, run_commands(runs, timeout=120)))


@pytest.mark.parametrize("reader", ["calamine", "openpyxl"])
@pytest.mark.parametrize("case", CASES)
def test_refused_by_both_readers(case: str, reader: str, files: dict[str, Path]) -> None:
    with pytest.raises(UnsafeFileError, match="重复的部件") as caught:
        read_workbook(files[case], reader=reader)  # type: ignore[arg-type]
    assert str(caught.value).startswith(f"{files[case].name}：") and "篡改" in str(caught.value)


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("case", CASES)
def test_every_command_refuses_it(case: str, command: str, files: dict[str, Path],
                                  results: dict[tuple[str, str], dict[str, Any]]) -> None:
    """score, check, export and report: exit 2, one line naming the file and saying why, nothing left."""
    result = results[(case, command)]
    path = files[case]
    lines = result["stderr"].strip().splitlines()
    assert result["code"] == 2 and len(lines) == 1, result
    assert lines[0].startswith(f"xlperf：错误：{path.name}：") and "重复的部件" in lines[0]
    assert "Traceback" not in result["stderr"] and result["stdout"] == ""
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]


def test_a_report_template_with_two_documents_is_refused(example_workbook: Path, tmp_path: Path) -> None:
    from xlperf.report.render import DEFAULT_TEMPLATE

    template = tmp_path / "twin.docx"
    parts = parts_of(Path(DEFAULT_TEMPLATE))
    with warnings.catch_warnings(), zipfile.ZipFile(template, "w", zipfile.ZIP_DEFLATED) as out:
        warnings.simplefilter("ignore")
        for name, data in parts.items():
            out.writestr(name, data)
        out.writestr("word/document.xml", parts["word/document.xml"].replace(b"{{ title }}", b"{{ title }}!", 1))
    report = tmp_path / "r.docx"
    result, = run_commands([["report", str(example_workbook), "-o", str(report), "--template", str(template)]])
    assert result["code"] == 2 and "重复的部件" in result["stderr"] and "twin.docx" in result["stderr"]
    assert not report.exists()
