"""Fixtures shared by every test folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from xlperf._open import example_year
from xlperf.workbook.build import build_workbook


@pytest.fixture(scope="session")
def example_workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 2022 example built into a workbook once per session (tests copy it before changing it)."""
    year, fw = example_year()
    return build_workbook(tmp_path_factory.mktemp("example") / "白云区科协-2022.xlsx", fw, year)


@pytest.fixture(scope="session")
def example_macro_workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 2022 example built as the macro workbook (.xlsm), once per session; tests only read it."""
    year, fw = example_year()
    return build_workbook(tmp_path_factory.mktemp("example-xlsm") / "example.xlsm", fw, year)
