"""The merged ranges of a sheet, read from its XML without parsing it.

openpyxl's read-only worksheets do not expose merged cells, and loading a workbook in full to learn
them costs as much as reading every cell. The ranges are the `<mergeCell ref="B6:C7"/>` elements
after the sheet's data, so one streaming pass of a regular expression finds them: no XML parser,
hence no entities to expand; bounded in the bytes scanned and the ranges kept.
"""

from __future__ import annotations

import re
import zipfile

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
    found: dict[str, None] = {}  # ordered and without repeats (chunks overlap)
    scanned = 0
    tail = b""
    with archive.open(part.lstrip("/")) as stream:
        while scanned < MAX_SCAN_BYTES and len(found) < MAX_RANGES:
            data = stream.read(_CHUNK)
            scanned += len(data)
            buffer = tail + data
            for match in _MERGE.finditer(buffer):
                found.setdefault(match.group(1).decode("ascii").replace("$", "").upper())
            if not data:
                break
            tail = buffer[-_OVERLAP:]
    return list(found)[:MAX_RANGES]
