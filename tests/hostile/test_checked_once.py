"""The check made before opening hands the calamine reader what it read (_safety.Kept): the zip, and
the parts it read whole. What the check decides, and what the reader reads, are as when each read the
file for itself: a part that cannot be read whole is not kept, and the reader meets its damage as before."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from hostile_files import SHEET, changed

from xlperf import UnsafeFileError, XlperfError
from xlperf.core.errors import Location
from xlperf.workbook import _safety
from xlperf.workbook._calamine_source import CalamineSource, _wanted
from xlperf.workbook.read import read_workbook

_DECLARATION = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'


def _zip(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _minimal(**more: bytes) -> dict[str, bytes]:
    return {"[Content_Types].xml": _DECLARATION + b"\n<Types/>", "xl/workbook.xml": _DECLARATION + b"\n<workbook/>", **more}


def _verdict(data: bytes, keep: _safety.Kept | None) -> str:
    try:
        _safety.check_workbook_bytes(data, Location(file="x.xlsx"), keep)
    except UnsafeFileError as exc:
        return str(exc)
    return "ok"


def _bad_crc(data: bytes, name: str) -> bytes:
    """The zip with the CRC of `name` changed in both headers: its first kilobyte still inflates."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(name)
    crc = info.CRC.to_bytes(4, "little")
    wrong = (info.CRC ^ 1).to_bytes(4, "little")
    assert data.count(crc) == 2
    return data.replace(crc, wrong)


_LONG_COMMENT = b"<!--" + b"x" * 3000 + b"-->"
#: parts whose start the check judges in each of its ways: at once, after more than the first kilobyte,
#: cut short, exactly a kilobyte long
_PARTS: dict[str, bytes] = {
    "plain": _DECLARATION + b"\n<worksheet/>",
    "bom": b"\xef\xbb\xbf" + _DECLARATION + b"<worksheet/>",
    "doctype": _DECLARATION + b'\n<!DOCTYPE a [<!ENTITY e "x">]><worksheet/>',
    "doctype after a long comment": _DECLARATION + _LONG_COMMENT + b"<!DOCTYPE a><worksheet/>",
    "a long comment": _DECLARATION + _LONG_COMMENT + b"<worksheet/>" + b" " * 5000,
    "another declaration": _DECLARATION + b"<?xml-stylesheet href='x'?><worksheet/>",
    "an encoding": b'<?xml version="1.0" encoding="GBK"?><worksheet/>',
    "utf-16": "<?xml version=\"1.0\" encoding=\"UTF-16\"?><worksheet/>".encode("utf-16"),
    "a declaration never closed, 1024 bytes": b"<?xml" + b" " * 1019,
    "blanks, 1024 bytes": b" " * 1024,
    "a comment never closed, 1024 bytes": b"<!--" + b"x" * 1020,
    "blanks beyond the prolog's end": b" " * (_safety.PROLOG_BYTES + 10) + b"<worksheet/>",
    "common declaration, then a comment": _DECLARATION + b"\r\n<!-- x --><worksheet/>",
    "common declaration, then a DOCTYPE": _DECLARATION + b"\r\n<!DOCTYPE a><worksheet/>",
    # the loop drops NULs before it looks: this is a DOCTYPE to it, and so to the quick test
    "common declaration, then a DOCTYPE behind a NUL": _DECLARATION + b'\n<\x00!DOCTYPE a [<!ENTITY e "x">]><worksheet/>',
}


class TestTheCheckDecidesAsBefore:
    @pytest.mark.parametrize("case", sorted(_PARTS))
    def test_a_part_kept_or_not(self, case: str) -> None:
        data = _zip(_minimal(**{SHEET: _PARTS[case]}))
        without = _verdict(data, None)
        keep = _safety.Kept(_wanted)
        assert _verdict(data, keep) == without
        assert (SHEET in keep.parts) == (without == "ok")  # kept only when the file passes
        if without == "ok":
            assert keep.parts[SHEET] == _PARTS[case] and keep.archive is not None
        keep.close()

    @pytest.mark.parametrize("case", sorted(_PARTS))
    def test_the_common_declaration_is_told_as_by_the_loop(self, case: str, monkeypatch: pytest.MonkeyPatch) -> None:
        heads = [_PARTS[case][:size] for size in (10, 60, 64, 100, _safety.FIRST_BYTES, _safety.PROLOG_BYTES)]
        quick = [_safety.prolog_problem(head, complete) for head in heads for complete in (False, True)]
        monkeypatch.setattr(_safety, "_COMMON_PROLOG", re.compile(b"(?!)"))  # the loop alone
        assert quick == [_safety.prolog_problem(head, complete) for head in heads for complete in (False, True)]

    def test_a_part_damaged_past_its_start_is_not_kept(self) -> None:
        sheet = _DECLARATION + b"<worksheet>" + b"<row/>" * 5000 + b"</worksheet>"
        data = _bad_crc(_zip(_minimal(**{SHEET: sheet})), SHEET)
        keep = _safety.Kept(_wanted)
        assert _verdict(data, keep) == _verdict(data, None) == "ok"  # the check reads only its start
        assert SHEET not in keep.parts and "xl/workbook.xml" in keep.parts
        keep.close()

    def test_only_what_the_reader_wants_and_no_more(self, monkeypatch: pytest.MonkeyPatch) -> None:
        parts = _minimal(**{SHEET: _DECLARATION + b"<worksheet>" + b"<row/>" * 400 + b"</worksheet>",
                            "xl/theme/theme1.xml": _DECLARATION + b"<theme/>"})
        keep = _safety.Kept(_wanted)
        monkeypatch.setattr(_safety, "KEEP_PART_BYTES", 1000)
        assert _verdict(_zip(parts), keep) == "ok"
        assert sorted(keep.parts) == ["[Content_Types].xml", "xl/workbook.xml"]  # the sheet is too long
        keep.close()


class TestTheReaderReadsAsBefore:
    def test_the_parts_read_are_the_zips(self, example_workbook: Path) -> None:
        source = CalamineSource(example_workbook)
        try:
            kept = dict(source._kept.parts)
            assert SHEET in kept and "xl/sharedStrings.xml" in kept and source._kept.archive is None  # taken over
            with zipfile.ZipFile(example_workbook) as archive:
                assert kept == {name: archive.read(name) for name in kept}
                assert set(kept) == {name for name in archive.namelist() if _wanted(name)}
        finally:
            source.close()
        assert source._kept.parts == {}

    def test_a_sheet_damaged_past_its_start(self, example_workbook: Path, tmp_path: Path) -> None:
        """The check lets it through, as before; reading the sheet then fails with the same message in
        both readers (the calamine reader hands the sheet to openpyxl, which says what is wrong)."""
        path = changed(example_workbook, tmp_path / "crc.xlsx", lambda parts: None)
        path.write_bytes(_bad_crc(path.read_bytes(), SHEET))
        messages = []
        for reader in ("calamine", "openpyxl"):
            with pytest.raises(XlperfError) as caught:
                read_workbook(path, reader=reader)
            messages.append(str(caught.value))
        assert messages[0] == messages[1] and "损坏" in messages[0]


def _streamed(parts: dict[str, bytes]) -> bytes:
    """A zip written to a stream that cannot seek: every entry with a data descriptor (flag 0x8)."""

    class Unseekable(io.RawIOBase):
        def __init__(self) -> None:
            self.buffer = bytearray()

        def writable(self) -> bool:
            return True

        def write(self, b: bytes) -> int:  # type: ignore[override]
            self.buffer += b
            return len(b)

    stream = Unseekable()
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            with archive.open(name, "w") as member:
                member.write(data)
    return bytes(stream.buffer)


def _zips() -> dict[str, bytes]:
    sheet = _DECLARATION + b"<worksheet>" + b'<row r="1"><c r="A1"><v>1</v></c></row>' * 300 + b"</worksheet>"
    parts = _minimal(**{SHEET: sheet, "xl/worksheets/工作表.xml": sheet + b" ", "docProps/app.xml": _DECLARATION + b"<a/>"})
    deflated = _zip(parts)
    stored = io.BytesIO()
    with zipfile.ZipFile(stored, "w", zipfile.ZIP_STORED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    at = deflated.index(SHEET.encode())  # the sheet's name in its local header (which comes first)
    renamed = deflated[:at] + SHEET.upper().encode() + deflated[at + len(SHEET):]
    with zipfile.ZipFile(io.BytesIO(deflated)) as archive:
        info = archive.getinfo(SHEET)
    cut = info.header_offset + 30 + len(SHEET) + info.compress_size // 2
    return {"deflated": deflated, "stored": stored.getvalue(), "data descriptors": _streamed(parts),
            "bad crc": _bad_crc(deflated, SHEET), "small part with a bad crc": _bad_crc(deflated, "docProps/app.xml"),
            "local name differs": renamed, "cut short": deflated[:cut] + deflated[info.header_offset + 30 + len(SHEET) + info.compress_size:]}


class TestInflatedAsZipfileReadsIt:
    @pytest.mark.parametrize("case", sorted(_zips()))
    def test_the_same_bytes_or_none(self, case: str) -> None:
        data = _zips()[case]
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            taken = 0
            for info in archive.infolist():
                inflated = _safety._inflated(data, info, _safety.entry_ends(archive))
                if inflated is not None:
                    assert inflated == archive.read(info)
                    taken += 1
        assert taken  # (the damaged entries give None, the others their bytes)

    @pytest.mark.parametrize("case", sorted(_zips()))
    def test_the_check_decides_as_with_zipfile_alone(self, case: str, monkeypatch: pytest.MonkeyPatch) -> None:
        data = _zips()[case]
        verdicts = [_verdict(data, None), _verdict(data, _safety.Kept(_wanted))]
        monkeypatch.setattr(_safety, "_inflated", lambda *args: None)
        assert verdicts == [_verdict(data, None)] * 2


def _local_header(data: bytes, name: str) -> int:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.getinfo(name).header_offset


class TestInflatedLeavesToZipfile:
    """What _inflated must not read itself (None: zipfile reads it, or refuses it, as it always did)."""

    def _sheet(self, data: bytes) -> tuple[zipfile.ZipInfo, dict[int, int]]:
        archive = zipfile.ZipFile(io.BytesIO(data))
        return archive.getinfo(SHEET), _safety.entry_ends(archive)

    def test_a_plain_part_is_read(self) -> None:  # (so that the refusals below are the guards' doing)
        data = _zips()["deflated"]
        info, ends = self._sheet(data)
        assert _safety._inflated(data, info, ends) is not None

    def test_a_flag_zipfile_reads_otherwise(self) -> None:
        data = _zips()["deflated"]
        info, ends = self._sheet(data)
        info.flag_bits |= 0x20  # compressed patched data
        assert _safety._inflated(data, info, ends) is None

    def test_a_size_of_nothing(self) -> None:
        # a deflate bomb declared as 0 bytes: zlib would inflate it without bound (max_length 0)
        bomb = _zip(_minimal(**{SHEET: b"<" + b" " * 5_000_000}))
        info, ends = self._sheet(bomb)
        info.file_size = 0
        assert _safety._inflated(bomb, info, ends) is None

    def test_a_local_header_of_another_kind(self) -> None:
        data = _zips()["deflated"]
        at = _local_header(data, SHEET)
        broken = data[:at] + b"PK\x05\x06" + data[at + 4:]
        info, ends = self._sheet(broken)
        assert _safety._inflated(broken, info, ends) is None

    def test_local_flags_unlike_the_directorys(self) -> None:
        data = _zips()["deflated"]
        at = _local_header(data, SHEET) + 6  # the general purpose flags
        broken = data[:at] + (int.from_bytes(data[at:at + 2], "little") ^ 0x800).to_bytes(2, "little") + data[at + 2:]
        info, ends = self._sheet(broken)
        assert _safety._inflated(broken, info, ends) is None

    def test_data_running_into_the_next_entry(self) -> None:
        data = _zips()["deflated"]
        info, ends = self._sheet(data)
        ends[id(info)] = info.header_offset + 40  # as if the next entry's header began inside its data
        assert _safety._inflated(data, info, ends) is None

    def test_an_entry_without_a_known_end(self) -> None:
        data = _zips()["deflated"]
        info, _ = self._sheet(data)
        assert _safety._inflated(data, info, {}) is None


class TestEntryEnds:
    def test_each_ends_where_the_next_begins_the_last_at_the_directory(self) -> None:
        data = _zips()["deflated"]
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            ends = _safety.entry_ends(archive)
            entries = sorted(archive.infolist(), key=lambda info: info.header_offset)
            assert [ends[id(info)] for info in entries] == [info.header_offset for info in entries[1:]] + [archive.start_dir]

    def test_two_entries_at_one_place_overlap(self) -> None:
        """A directory naming one local header twice (the data of one is the other's): one of them ends
        where it begins, so that its data runs past its end, as zipfile judges overlapping entries."""
        data = _zips()["deflated"]
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            first = archive.infolist()[0]
            twin = zipfile.ZipInfo(first.filename)
            twin.header_offset = first.header_offset
            archive.filelist.append(twin)
            ends = _safety.entry_ends(archive)
            assert sorted([ends[id(first)], ends[id(twin)]])[0] == first.header_offset
