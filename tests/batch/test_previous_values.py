"""--previous with totals that are no totals (issue 12, point 6): last year's summary is a workbook like any
other, and may have been edited by hand. 1e9999999 once overflowed the arithmetic after every file was
done (nothing written), 1e400 put =1/0 into the new summary. Such a row is named in a note and not
compared; the run finishes and writes the summary."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from test_batch import run, sheet_rows
from xlperf_testing import run_xlperf

from xlperf.batch import SUMMARY_SHEET

#: last year's 总分 of a department -> why it cannot be a total
BAD_TOTALS: dict[str, Any] = {
    "overflow": "1e9999999",  # a finite Decimal that overflows any arithmetic
    "infinite-text": "1e400",  # a finite Decimal, infinite as a float
    "infinite": b"1e400",  # bytes: written as the number cell's XML, as a program other than openpyxl may
    "negative": -5,
    "above-any-framework": 1500,
    "words": "九十",
}


@pytest.fixture
def last_year(folder: Path, tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    """Last year's summary of the same folder, with a bad 总分 in one row per BAD_TOTALS (the other rows
    keep their totals); returns the file and department -> bad value."""
    path, _ = run(folder, jobs=2, output=tmp_path / "2021.xlsx")
    book = openpyxl.load_workbook(path)
    sheet = book[SUMMARY_SHEET]
    header = [c.value for c in sheet[1]]
    total, name = header.index("总分") + 1, header.index("单位") + 1
    bad, raw = {}, {}
    for row, value in enumerate(BAD_TOTALS.values(), start=2):
        if isinstance(value, bytes):  # a placeholder number, replaced in the XML below
            raw[f"<v>{row}.125</v>".encode()] = b"<v>" + value + b"</v>"
            value, bad[sheet.cell(row, name).value] = row + 0.125, value.decode()
        else:
            bad[sheet.cell(row, name).value] = value
        sheet.cell(row, total).value = value
    book.save(path)
    with zipfile.ZipFile(path) as archive:
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
    for placeholder, number in raw.items():
        (part,) = [n for n, data in parts.items() if placeholder in data]
        parts[part] = parts[part].replace(placeholder, number)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for part, data in parts.items():
            archive.writestr(part, data)
    return path, bad


def test_bad_totals_are_named_and_not_compared(folder: Path, tmp_path: Path,
                                               last_year: tuple[Path, dict[str, Any]]) -> None:
    """The command finishes, prints a note naming the rows, writes the same note in 说明, leaves
    上年总分 and 变动 blank for those departments, keeps the comparison of the others, and writes no
    formula (no =1/0 for an infinite total) into the summary."""
    previous, bad = last_year
    output = tmp_path / "2022.xlsx"
    result = run_xlperf("batch", str(folder), "-o", str(output), "--previous", str(previous), "--jobs", "2")
    assert result.returncode in (0, 1), result.stderr  # (1: some samples have 错误, as a real folder does)
    assert "内部错误" not in result.stderr and "Traceback" not in result.stderr
    note = next(line for line in result.stdout.splitlines() if "不是 0 到 1000 之间的数" in line)
    assert f"有 {len(bad)} 个单位" in note and "没有与上年比较" in note
    rows = {r["单位"]: r for r in sheet_rows(output, SUMMARY_SHEET)}
    for department in bad:
        assert rows[department]["上年总分"] is None and rows[department]["变动"] is None, department
    others = [r for name, r in rows.items() if name not in bad]
    assert others and all(r["上年总分"] is not None for r in others)
    about = [row for row in sheet_rows(output, "说明") if "不是 0 到 1000 之间的数" in str(row)]
    assert about
    with zipfile.ZipFile(output) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert not re.search(rb"<f>", archive.read(name)), name


def test_a_single_overflowing_total_does_not_lose_the_batch(folder: Path, tmp_path: Path) -> None:
    """The probe's case through run_batch: 1e9999999 as 总分 of one department; the summary is written."""
    path, _ = run(folder, jobs=2, output=tmp_path / "2021.xlsx")
    book = openpyxl.load_workbook(path)
    sheet = book[SUMMARY_SHEET]
    header = [c.value for c in sheet[1]]
    sheet.cell(2, header.index("总分") + 1).value = "1e9999999"
    department = sheet.cell(2, header.index("单位") + 1).value
    book.save(path)
    output, result = run(folder, jobs=2, previous=path, output=tmp_path / "2022.xlsx")
    assert output.exists()
    assert any(department in note and "1e9999999" in note for note in result.notes)
