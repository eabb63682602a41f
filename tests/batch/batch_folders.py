"""Helpers of the batch tests: the samples' known totals, and a hostile copy of a workbook."""

from __future__ import annotations

import re
import zipfile
from decimal import Decimal
from pathlib import Path

from xlperf._samples import sample_data
from xlperf.core.engine import score_year
from xlperf.core.frameworks import load_framework
from xlperf.core.jsonform import year_from_dict

SAMPLES = 12


def expected_totals(count: int = SAMPLES) -> dict[str, Decimal]:
    """Each sample's total, scored from its JSON form (not through any workbook)."""
    totals = {}
    for index in range(count):
        data = sample_data(index)
        fw = load_framework(data["framework"])
        card = score_year(fw, year_from_dict(data, fw))
        assert card.complete
        totals[data["department"]] = card.total
    return totals


def with_far_cell(source: Path, target: Path, sheet_part: str = "xl/worksheets/sheet3.xml") -> Path:
    """A copy of a workbook with one more cell, at XFD1048576: a reader that allocates the sheet's
    whole rectangle asks for half a terabyte (calamine aborts the process)."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == sheet_part:
                data = re.sub(rb"</sheetData>", b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>',
                              data, count=1)
            out.writestr(item, data)
    return target


