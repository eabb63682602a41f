"""Fixtures shared by every test folder."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from xlperf._open import example_year
from xlperf.workbook.build import build_workbook

_CACHE = Path(tempfile.mkdtemp(prefix="xlperf-tests-cache-"))


def pytest_configure(config: pytest.Config) -> None:
    # the frameworks cached by this run (and the commands it starts) go to a folder of its own, not the user's
    os.environ["XDG_CACHE_HOME"] = str(_CACHE)


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(_CACHE, ignore_errors=True)


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
