"""Open a workbook file's cells with one of the two readers (calamine, the default, or openpyxl).

Its own module so that neither reader imports the other's chooser: the calamine reader falls back to
the openpyxl one for sheets it might read differently, never the other way round.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

from ._calamine_source import CalamineSource
from ._cells import Cells
from ._file_source import FileSource


#: The readers of a workbook file: calamine (Rust, the default: read_workbook about 4 times faster, the
#: sheets themselves about 20 times) and openpyxl
READERS = ("calamine", "openpyxl")
Reader = Literal["calamine", "openpyxl"]


@contextmanager
def open_cells(path: Path, reader: Reader = "calamine") -> Iterator[Cells]:
    """The cells of a workbook file, read with `reader`; the file is closed whatever happens. Both
    readers give the same values and the same errors (tests/workbook/test_calamine_reader.py)."""
    source: FileSource | CalamineSource
    if reader == "calamine":
        source = CalamineSource(path)
    elif reader == "openpyxl":
        source = FileSource(path)
    else:
        raise ValueError(f"unknown workbook reader {reader!r} (expected one of {', '.join(READERS)})")
    try:
        yield Cells(source, path.name)
    finally:
        source.close()
