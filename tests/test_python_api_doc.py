"""Every example of docs/python-api.md runs, in order, on real files, and gives what the page says."""

from __future__ import annotations

import contextlib
import io
import os
import re
from pathlib import Path

import pytest

from xlperf._open import example_year
from xlperf._samples import sample_years
from xlperf.core.jsonform import year_from_dict
from xlperf.core.frameworks import load_framework
from xlperf.workbook import build_workbook

DOC = Path(__file__).resolve().parents[1] / "docs" / "python-api.md"
DEPARTMENTS = 4


def _folder(folder: Path, seed: int, year: int) -> None:
    folder.mkdir()
    for index, data in enumerate(sample_years(DEPARTMENTS, seed)):
        data["year"] = year
        fw = load_framework(data["framework"])
        build_workbook(folder / f"{index + 1:02d}-{data['department']}.xlsx", fw, year_from_dict(data, fw))


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """The files the page's examples name: the example workbook, and two years of a folder of departments."""
    example, fw = example_year()
    build_workbook(tmp_path / "绩效自评.xlsx", fw, example)
    _folder(tmp_path / "2022各单位", 2022, 2022)
    _folder(tmp_path / "2021各单位", 2021, 2021)
    (tmp_path / "2022各单位" / "~$01-锁定.xlsx").write_bytes(b"lock")  # skipped, as the example says
    return tmp_path


def test_every_example_runs_and_says_what_the_page_says(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert len(blocks) == 4
    monkeypatch.chdir(workspace)
    namespace: dict[str, object] = {}
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        for block in blocks:
            exec(compile(block, str(DOC), "exec"), namespace)  # noqa: S102 - our own documentation
    out = printed.getvalue()
    assert "广州市白云区科学技术协会 99.15 优" in out and "W303 警告" in out
    assert "扣分合计： 0.85" in out
    e = namespace["e"]
    assert str(e.scorecard.total) == "99.15"  # type: ignore[attr-defined]
    this_year, failed = namespace["this_year"], namespace["failed"]
    assert len(this_year) == DEPARTMENTS and failed == {}  # type: ignore[arg-type]
    compared = namespace["compared"]
    assert len(compared) == DEPARTMENTS and compared["last_total"].notna().all()  # type: ignore[attr-defined]
    by_indicator = namespace["by_indicator"]
    assert by_indicator["得分率"].is_monotonic_increasing  # type: ignore[index]
    assert (workspace / "自评报告.docx").exists()
    assert os.listdir(workspace / "2022各单位").count("~$01-锁定.xlsx") == 1
