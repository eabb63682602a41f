"""The merged ranges of a sheet, read from its XML without parsing it.

openpyxl's read-only worksheets do not expose merged cells, and loading a workbook in full to learn
them costs as much as reading every cell. The ranges are the `<mergeCell ref="B6:C7"/>` elements
after the sheet's data, so one streaming pass of a regular expression finds them: no XML parser,
hence no entities to expand; bounded in the bytes scanned and the ranges kept.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable

#: Stop scanning a sheet's XML after this many (uncompressed) bytes: an xlperf sheet is well under 1 MB
MAX_SCAN_BYTES = 64 * 1024 * 1024
#: Keep at most this many ranges of one sheet (a real sheet has a few dozen)
MAX_RANGES = 10_000
_CHUNK = 1024 * 1024
_OVERLAP = 512  # longer than any one <mergeCell …/> element we accept
_MERGE = re.compile(rb'<(?:[A-Za-z_][\w.-]{0,20}:)?mergeCell\b[^>]{0,200}?\bref\s*=\s*["\']'
                    rb'(\$?[A-Za-z]{1,3}\$?\d{1,7}(?::\$?[A-Za-z]{1,3}\$?\d{1,7})?)["\']')


def merged_ranges(archive: zipfile.ZipFile, part: str) -> list[str]:
    """The merged ranges ("B6:C7") of the sheet stored at `part` ("xl/worksheets/sheet2.xml")."""
    with archive.open(part.lstrip("/")) as stream:
        return _ranges(stream.read)


def merged_ranges_in(data: bytes) -> list[str]:
    """The merged ranges of a sheet whose XML is already read (`data`, the whole part): the same as
    merged_ranges gives for it, piece by piece alike."""
    first = data.find(b"mergeCell")  # in every match (the pieces are slices of data)
    if first < 0:
        return []
    if len(data) > _CHUNK:
        return _ranges(io.BytesIO(data).read)
    # one piece, then the last _OVERLAP bytes again (as _ranges reads them); no match starts more than
    # 22 bytes before its "mergeCell"
    found = dict.fromkeys(_range(match) for match in _MERGE.finditer(data, max(first - 32, 0)))
    found.update(dict.fromkeys(_range(match) for match in _MERGE.finditer(data[-_OVERLAP:])))
    return list(found)[:MAX_RANGES]


def _ranges(read: Callable[[int], bytes]) -> list[str]:
    found: dict[str, None] = {}  # ordered and without repeats (chunks overlap)
    scanned = 0
    tail = b""
    while scanned < MAX_SCAN_BYTES and len(found) < MAX_RANGES:
        data = read(_CHUNK)
        scanned += len(data)
        buffer = tail + data
        for match in _MERGE.finditer(buffer):
            found.setdefault(_range(match))
        if not data:
            break
        tail = buffer[-_OVERLAP:]
    return list(found)[:MAX_RANGES]


def _range(match: re.Match[bytes]) -> str:
    return match.group(1).decode("ascii").replace("$", "").upper()
