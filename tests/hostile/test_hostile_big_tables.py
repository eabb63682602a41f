"""Oversized but allowed (issue 12, point 1): a workbook whose 绩效目标 and 项目支出 tables fill the
10 000 rows a name may cover. `xlperf check` compared every text with every target and ran past 200 s on
it, while `score` took 1.4 s; now the checks' work grows with the rows (see
tests/checks/test_mentions_index.py for the count), and this runs the command on the largest table
allowed. No time is asserted: a quadratic check would take minutes here, which nobody would miss."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from xlperf._samples import large_data
from xlperf.cli import main
from xlperf.core.frameworks import load_framework
from xlperf.core.jsonform import year_from_dict
from xlperf.workbook import layout as L
from xlperf.workbook._cells import MAX_NAMED_ROWS
from xlperf.workbook.build import build_workbook

# the builder leaves spare rows below each table: these fill XP_TARGETS and XP_PROJECTS to the limit
TARGETS, PROJECTS = MAX_NAMED_ROWS - L.SPARE_TARGET_ROWS, MAX_NAMED_ROWS - L.SPARE_PROJECT_ROWS


@pytest.fixture(scope="module")
def big_workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    fw = load_framework("gz-baiyun-2022")
    year = year_from_dict(large_data(TARGETS, PROJECTS), fw)
    return build_workbook(tmp_path_factory.mktemp("big") / "big.xlsx", fw, year)


def test_check_on_ten_thousand_rows(big_workbook: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Every row is read and checked: the example's two W303 and one for every seventh added project
    (its text states a number its target does not have), down to the last rows of the table."""
    assert main(["check", str(big_workbook), "--json"]) == 0
    findings = json.loads(capsys.readouterr().out)["findings"]
    added = PROJECTS - 3  # the example has 3 projects
    assert [f["id"] for f in findings] == ["W303"] * (2 + len(range(0, added, 7)))
    rows = [int(m.group(1)) for f in findings if (m := re.fullmatch(r"项目支出![A-Z]+(\d+)", f["location"]))]
    assert max(rows) > PROJECTS - 7
