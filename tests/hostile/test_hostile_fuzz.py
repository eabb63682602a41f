"""A bounded fuzz run over the workbook reader (issue 5, part 5): the example workbook with bytes of its
parts flipped, cut off or inserted, or a value or attribute swapped for a nasty one, then zipped again
(and sometimes the zip itself damaged). Reading it either gives a DepartmentYear or raises an
XlperfError (one Chinese line for the user); never any other exception.

About 100 examples, some 10 s: it runs in CI with the rest of the suite (marker `fuzz`).
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xlperf import DepartmentYear, XlperfError, read_workbook

#: the parts the reader and openpyxl look at
PARTS = ("xl/workbook.xml", "xl/worksheets/sheet2.xml", "xl/worksheets/sheet3.xml", "xl/worksheets/sheet4.xml",
         "xl/worksheets/sheet5.xml", "xl/worksheets/sheet6.xml", "xl/sharedStrings.xml", "xl/styles.xml",
         "[Content_Types].xml", "xl/_rels/workbook.xml.rels", "_rels/.rels")
NASTY = ("", "-", "1e400", "-1e400", "NaN", "inf", "-0", "1E+308", "9" * 400, "0x10", "#DIV/0!", "#N/A", "TRUE",
         "2958466", "-1", "1048577", "XFD1048577", "A0", "ZZZZ1", "s", "b", "e", "d", "str", "inlineStr", "n",
         "99999999", "3.5", "1:2", "$A$1", "'x'!A1", "=1+1", "&#0;", "&#xD800;", "<", "]]>", "\u202e", "１２",
         "2022-13-45T25:61:61", "'收支情况'!$C$4:$C$99999")
SNIPPETS = (b"<", b">", b"</", b"&", b"&amp;", b"<c r=\"XFD1\"><v>1</v></c>", b"<row r=\"0\"/>", b"<!--",
            b"\xff\xfe", b"\x00", b"\xe4\xb8", b'"', b"<mergeCell ref=\"A1:XFD1048576\"/>",
            b"<definedName name=\"XP_YEAR\">'\xe5\x9f\xba'!$B$4</definedName>")
_TOKENS = re.compile(rb'(?<=<v>)[^<]*(?=</v>)|(?<=<t>)[^<]*(?=</t>)|(?<==")[^"]*(?=")|(?<=>)[^<]{1,80}(?=</definedName>)')


def _example_parts(example_workbook: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(example_workbook) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


@st.composite
def damaged(draw: st.DrawFn, parts: dict[str, bytes]) -> bytes:
    """The bytes of a damaged copy of the workbook whose parts are `parts`."""
    parts = dict(parts)
    for _ in range(draw(st.integers(1, 3))):
        name = draw(st.sampled_from(PARTS))
        data = parts[name]
        kind = draw(st.sampled_from(("flip", "cut", "insert", "token", "token", "token")))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "flip" and data:
            data = data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1:]
        elif kind == "cut":
            data = data[:at]
        elif kind == "insert":
            data = data[:at] + draw(st.sampled_from(SNIPPETS) | st.binary(max_size=8)) + data[at:]
        else:
            spans = [m.span() for m in _TOKENS.finditer(data)]
            if spans:
                start, end = spans[draw(st.integers(0, len(spans) - 1))]
                data = data[:start] + draw(st.sampled_from(NASTY)).encode("utf-8") + data[end:]
        parts[name] = data
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    raw = buffer.getvalue()
    if draw(st.integers(0, 9)) == 0:  # now and then the zip itself: a byte flipped or the end cut off
        at = draw(st.integers(0, len(raw) - 1))
        raw = raw[:at] if draw(st.booleans()) else raw[:at] + bytes([raw[at] ^ 0xFF]) + raw[at + 1:]
    return raw


@pytest.mark.fuzz
def test_reader_never_fails_with_anything_but_an_xlperf_error(example_workbook: Path,
                                                              tmp_path_factory: pytest.TempPathFactory) -> None:
    parts = _example_parts(example_workbook)
    path = tmp_path_factory.mktemp("fuzz") / "fuzzed.xlsx"

    @settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(damaged(parts))
    def read_damaged(raw: bytes) -> None:
        path.write_bytes(raw)
        try:
            year = read_workbook(path)
        except XlperfError as exc:
            assert str(exc).strip()
        else:
            assert isinstance(year, DepartmentYear)

    read_damaged()
