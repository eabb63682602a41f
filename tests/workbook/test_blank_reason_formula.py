"""The workbook's red shading of an empty 扣分原因 is an Excel formula generated from the same rule as the
checks (Explanations.is_blank_reason): LibreOffice, recalculating it, agrees with Python on every text."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from xlperf_testing import recalculated

from xlperf.core.frameworks import load_framework
from xlperf.workbook.build import blank_reason_formula

FW = load_framework("gz-baiyun-2022")
TEXTS = ["", " ", "　", "无", "无。", "无.", " 无 ", "　无。", "无\n", "\t无", "略", "/", "—", "暂无。", "\u00a0没有\u00a0",
         "空.", "无需说明以外的原因", "无。。", "无 。", "无,", "支出进度慢", "无?", "?", "*", "无*", "無", "-1", "无 无",
         "已按规定公开", "  两个  空格  ", "-", "=1", "没有", "没有。。"]


@pytest.mark.libreoffice
def test_excel_formula_agrees_with_python_on_every_text(tmp_path: Path) -> None:
    source = tmp_path / "reasons.xlsx"
    book = xlsxwriter.Workbook(str(source))
    sheet = book.add_worksheet("理由")
    for row, text in enumerate(TEXTS):
        sheet.write_string(row, 0, text)
        # a cached value opposite to the truth: only a real recalculation can make the test pass
        sheet.write_formula(row, 1, f"={blank_reason_formula(FW, f'A{row + 1}')}", None,
                            not FW.explanations.is_blank_reason(text))
    book.close()
    (saved,) = recalculated([source], tmp_path / "out")
    values = [row[1] for row in openpyxl.load_workbook(saved, data_only=True)["理由"].iter_rows(values_only=True)]
    expected = [FW.explanations.is_blank_reason(t) for t in TEXTS]
    assert [bool(v) for v in values] == expected, [(t, v) for t, v, e in zip(TEXTS, values, expected) if bool(v) != e]
