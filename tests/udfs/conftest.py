"""Fixtures of the UDF tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest
from udf_ranges import ARG_NAMES, range_values


@pytest.fixture(scope="session")
def udf_args(example_workbook: Path) -> list[Any]:
    """The seven arguments of PERF_SCORES for the 2022 example."""
    wb = openpyxl.load_workbook(example_workbook)
    return [range_values(wb, name) for name in ARG_NAMES]
