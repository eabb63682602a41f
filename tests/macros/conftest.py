"""Fixtures for the button tests: the example workbook opened in the stand-in for xlwings' Book."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fake_book import FakeBook


@pytest.fixture
def open_book(example_workbook: Path, tmp_path: Path) -> Callable[..., FakeBook]:
    """Open a copy of the example workbook (or of a given file) in the stand-in, in its own folder."""

    def opener(path: Path | None = None, **kwargs: Any) -> FakeBook:
        source = path or example_workbook
        copy = tmp_path / "book" / source.name
        copy.parent.mkdir(exist_ok=True)
        if source != copy:
            shutil.copy(source, copy)
        return FakeBook(copy, **kwargs)

    return opener
