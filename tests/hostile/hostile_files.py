"""Hostile and broken workbook files, made by the tests from the example workbook (no committed binaries).

Each maker takes the example workbook and a folder and writes one file into the folder. `run_commands`
runs the real command-line entry point on a file in a subprocess, once per command.
"""

from __future__ import annotations

import json
import os
import re
import struct
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

MB = 1024 * 1024
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
SHEET = "xl/worksheets/sheet3.xml"  # 收支情况, a sheet the reader reads
LAUGHS = ('<!DOCTYPE lolz [<!ENTITY lol "lol">'
          + "".join(f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">' for i in range(1, 10))
          + "]>")


def parts_of(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def write_zip(path: Path, parts: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


def changed(base: Path, target: Path, change: Callable[[dict[str, bytes]], None],
            compression: int = zipfile.ZIP_DEFLATED) -> Path:
    """A copy of `base` with its parts changed by `change` (which edits the dict in place)."""
    parts = parts_of(base)
    change(parts)
    return write_zip(target, parts, compression)


def edit_xml(parts: dict[str, bytes], name: str, edit: Callable[[str], str]) -> None:
    parts[name] = edit(parts[name].decode("utf-8")).encode("utf-8")


def after_declaration(xml: str, insert: str) -> str:
    end = xml.index("?>") + 2
    return xml[:end] + insert + xml[end:]


def set_name(xml: str, name: str, refers_to: str) -> str:
    xml, count = re.subn(rf'(<definedName name="{name}"[^>]*>)[^<]*(</definedName>)',
                         lambda match: match.group(1) + refers_to + match.group(2), xml)
    assert count == 1, name
    return xml


def patch_directory(path: Path, member: str, *, file_size: int | None = None, flag_bits: int | None = None) -> Path:
    """Change what the zip's central directory says of one member (the data stays as it is)."""
    data = bytearray(path.read_bytes())
    end = data.rfind(b"PK\x05\x06")
    size, offset = struct.unpack("<LL", data[end + 12:end + 20])
    at = offset
    while at < offset + size:
        assert data[at:at + 4] == b"PK\x01\x02"
        name_length, extra_length, comment_length = struct.unpack("<HHH", data[at + 28:at + 34])
        name = bytes(data[at + 46:at + 46 + name_length]).decode("utf-8")
        if name == member:
            if flag_bits is not None:
                data[at + 8:at + 10] = struct.pack("<H", flag_bits)
            if file_size is not None:
                data[at + 24:at + 28] = struct.pack("<L", file_size)
            path.write_bytes(bytes(data))
            return path
        at += 46 + name_length + extra_length + comment_length
    raise AssertionError(member)


def _write(folder: Path, data: bytes, name: str = "book.xlsx") -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def _ole(folder: Path, stream: str) -> Path:
    """An OLE compound file holding a stream of this name (what Excel makes when it encrypts a
    workbook: EncryptionInfo + EncryptedPackage; a legacy .xls: Workbook)."""
    return _write(folder, OLE_MAGIC + b"\0" * 504 + stream.encode("utf-16-le") + b"\0" * 512)


def _bomb(base: Path, folder: Path) -> Path:
    path = changed(base, folder / "book.xlsx", lambda parts: None)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive, archive.open("xl/media/image1.png", "w") as member:
        chunk = b"\0" * MB
        for _ in range(30):
            member.write(chunk)
    return path


def _claimed_bomb(base: Path, folder: Path) -> Path:
    return patch_directory(changed(base, folder / "book.xlsx", lambda parts: None), SHEET, file_size=0xFFFF0000)


def _claimed_total(base: Path, folder: Path) -> Path:
    def add(parts: dict[str, bytes]) -> None:
        for i in range(25):
            parts[f"xl/media/image{i}.png"] = os.urandom(64)

    path = changed(base, folder / "book.xlsx", add)
    for i in range(25):  # 9 MB each: under the per-part ratio floor, 225 MB in all
        patch_directory(path, f"xl/media/image{i}.png", file_size=9 * MB)
    return path


def _many_members(base: Path, folder: Path) -> Path:
    def add(parts: dict[str, bytes]) -> None:
        for i in range(10_001):
            parts[f"customXml/item{i}.txt"] = b""

    return changed(base, folder / "book.xlsx", add, compression=zipfile.ZIP_STORED)


def _huge_directory(base: Path, folder: Path) -> Path:
    path = changed(base, folder / "book.xlsx", lambda parts: None)
    data = bytearray(path.read_bytes())
    end = data.rfind(b"PK\x05\x06")
    data[end + 12:end + 16] = struct.pack("<L", 5 * MB)
    path.write_bytes(bytes(data))
    return path


def _large_xml_part(base: Path, folder: Path) -> Path:
    padding = os.urandom(11 * MB // 2).hex()  # text that does not compress much: no zip-bomb ratio
    return changed(base, folder / "book.xlsx",
                   lambda parts: edit_xml(parts, "xl/sharedStrings.xml", lambda x: x + f"<!-- {padding} -->"))


def _too_large(folder: Path) -> Path:
    path = folder / "book.xlsx"
    with path.open("wb") as handle:
        handle.write(b"PK\x03\x04")
        handle.truncate(51 * MB)  # sparse: nothing is written
    return path


def _corrupt_data(base: Path, folder: Path) -> Path:
    """Bytes flipped inside the compressed data of a sheet: the zip's table of contents is intact."""
    path = changed(base, folder / "book.xlsx", lambda parts: None)
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(SHEET)
    data = bytearray(path.read_bytes())
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for i in range(start + 20, start + info.compress_size - 20, 7):
        data[i] ^= 0x5A
    path.write_bytes(bytes(data))
    return path


def _other_package(folder: Path, parts: dict[str, bytes]) -> Path:
    return write_zip(folder / "book.xlsx", parts)


def _types(main: str) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            f'content-types"><Override PartName="/main" ContentType="application/{main}"/></Types>').encode()


def _utf16_doctype(parts: dict[str, bytes]) -> None:
    xml = parts[SHEET].decode("utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"')
    parts[SHEET] = after_declaration(xml, LAUGHS).encode("utf-16")


def _remove(name: str) -> Callable[[dict[str, bytes]], None]:
    return lambda parts: parts.pop(name) and None


#: id -> (maker(base, folder) -> path, error class name, words the message must contain)
CASES: dict[str, tuple[Callable[[Path, Path], Path], str, str]] = {
    "not-a-zip": (lambda b, f: _write(f, b"not a workbook at all\n" * 10), "UnsafeFileError", "zip 格式"),
    "html": (lambda b, f: _write(f, b"<html><body><table><tr><td>1</td></tr></table></body></html>"),
             "UnsafeFileError", "网页"),
    "empty": (lambda b, f: _write(f, b""), "UnsafeFileError", "空"),
    "truncated": (lambda b, f: _write(f, b.read_bytes()[: b.stat().st_size // 2]), "UnsafeFileError", "不完整"),
    "corrupt-data": (_corrupt_data, "UnsafeFileError", "损坏"),
    "too-large": (lambda b, f: _too_large(f), "UnsafeFileError", "过大"),
    "encrypted": (lambda b, f: _ole(f, "EncryptionInfo"), "UnsafeFileError", "加密"),
    "xls-renamed": (lambda b, f: _ole(f, "Workbook"), "UnsafeFileError", "旧版 .xls"),
    "ole-unknown": (lambda b, f: _ole(f, "Something"), "UnsafeFileError", "已加密，或是旧版 .xls"),
    "ods-renamed": (lambda b, f: _other_package(f, {"mimetype": b"application/vnd.oasis.opendocument.spreadsheet",
                                                    "content.xml": b"<office:document-content/>"}),
                    "UnsafeFileError", ".ods"),
    "xlsb-renamed": (lambda b, f: _other_package(f, {"[Content_Types].xml": _types(
        "vnd.ms-excel.sheet.binary.macroEnabled.main"), "xl/workbook.bin": b"\0" * 64}), "UnsafeFileError", ".xlsb"),
    "docx-renamed": (lambda b, f: _other_package(f, {"[Content_Types].xml": _types(
        "vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"), "word/document.xml": b"<w/>"}),
                     "UnsafeFileError", "Word"),
    "plain-zip": (lambda b, f: _other_package(f, {"readme.txt": b"hello"}), "UnsafeFileError", "[Content_Types].xml"),
    "no-workbook-part": (lambda b, f: changed(b, f / "book.xlsx", _remove("xl/workbook.xml")),
                         "UnsafeFileError", "xl/workbook.xml"),
    "missing-sheet-part": (lambda b, f: changed(b, f / "book.xlsx", _remove(SHEET)), "WorkbookError", "缺少工作表"),
    "zip-bomb": (_bomb, "UnsafeFileError", "zip 炸弹"),
    "zip-bomb-claimed": (_claimed_bomb, "UnsafeFileError", "zip 炸弹"),
    "zip-total-too-large": (_claimed_total, "UnsafeFileError", "解压后共"),
    "too-many-members": (_many_members, "UnsafeFileError", "部件过多"),
    "huge-zip-directory": (_huge_directory, "UnsafeFileError", "目录过大"),
    "xml-part-too-large": (_large_xml_part, "UnsafeFileError", "超过 10 MB"),
    "zip-password": (lambda b, f: patch_directory(changed(b, f / "book.xlsx", lambda p: None), SHEET, flag_bits=1),
                     "UnsafeFileError", "加密"),
    "bzip2": (lambda b, f: changed(b, f / "book.xlsx", lambda p: None, compression=zipfile.ZIP_BZIP2),
              "UnsafeFileError", "压缩方式"),
    "laughs-workbook": (lambda b, f: changed(b, f / "book.xlsx", lambda p: edit_xml(
        p, "xl/workbook.xml", lambda x: set_name(after_declaration(x, LAUGHS), "XP_DEPARTMENT", "&lol9;"))),
                        "UnsafeFileError", "DOCTYPE"),
    "laughs-sheet": (lambda b, f: changed(b, f / "book.xlsx", lambda p: edit_xml(
        p, SHEET, lambda x: after_declaration(x, LAUGHS).replace("<v>", "<v>&lol9;", 1))), "UnsafeFileError", "DOCTYPE"),
    "laughs-strings": (lambda b, f: changed(b, f / "book.xlsx", lambda p: edit_xml(
        p, "xl/sharedStrings.xml", lambda x: after_declaration(x, LAUGHS).replace("<t>", "<t>&lol9;", 1))),
                       "UnsafeFileError", "DOCTYPE"),
    "external-entity": (lambda b, f: changed(b, f / "book.xlsx", lambda p: edit_xml(
        p, "xl/workbook.xml", lambda x: set_name(after_declaration(
            x, '<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'), "XP_DEPARTMENT", "&xxe;"))),
                        "UnsafeFileError", "DOCTYPE"),
    "doctype-in-utf16": (lambda b, f: changed(b, f / "book.xlsx", _utf16_doctype), "UnsafeFileError", "DOCTYPE"),
    "utf7-declaration": (lambda b, f: changed(b, f / "book.xlsx", lambda p: edit_xml(
        p, SHEET, lambda x: x.replace('encoding="UTF-8"', 'encoding="UTF-7"'))), "UnsafeFileError", "编码"),
    "doctype-after-long-comment": (lambda b, f: changed(b, f / "book.xlsx", lambda p: edit_xml(
        p, SHEET, lambda x: after_declaration(x, "<!--" + "x" * 70_000 + "-->" + LAUGHS))), "UnsafeFileError", "过长"),
    "name-over-a-million-rows": (lambda b, f: changed(b, f / "book.xlsx", lambda p: edit_xml(
        p, "xl/workbook.xml", lambda x: set_name(x, "XP_TARGETS", "'绩效目标'!$B$3:$J$1048576"))),
                                 "WorkbookError", "过大"),
    "name-into-another-file": (lambda b, f: changed(b, f / "book.xlsx", lambda p: edit_xml(
        p, "xl/workbook.xml", lambda x: set_name(x, "XP_DEPARTMENT", "'C:\\Windows\\[secret.xlsx]基本信息'!$B$3"))),
                               "WorkbookError", "缺少工作表"),
    "newline-in-layout-name": (lambda b, f: changed(b, f / "book.xlsx", lambda p: edit_xml(
        p, "xl/workbook.xml", lambda x: set_name(x, "XP_LAYOUT", '="evil&#10;second line&#13;third"'))),
                               "WorkbookError", "版式"),
    "deleted-name": (lambda b, f: changed(b, f / "book.xlsx", lambda p: edit_xml(
        p, "xl/workbook.xml", lambda x: re.sub(r'<definedName name="XP_F_carryover"[^>]*>[^<]*</definedName>', "", x))),
                     "WorkbookError", "XP_F_carryover"),
    "name-of-a-deleted-row": (lambda b, f: changed(b, f / "book.xlsx", lambda p: edit_xml(
        p, "xl/workbook.xml", lambda x: set_name(x, "XP_F_carryover", "'收支情况'!#REF!"))), "WorkbookError", "#REF!"),
    "renamed-sheet": (lambda b, f: changed(b, f / "book.xlsx", lambda p: edit_xml(
        p, "xl/workbook.xml", lambda x: x.replace('<sheet name="收支情况"', '<sheet name="收支"'))),
                      "WorkbookError", "缺少工作表“收支情况”"),
}

#: the commands that read a workbook, with their arguments; "{out}" is a file in the input's folder
COMMANDS = {
    "score": ["score", "{file}"],
    "check": ["check", "{file}"],
    "export": ["export", "{file}", "-o", "{folder}/out.json"],
    "report": ["report", "{file}"],  # default output: beside the input
}

_DRIVER = r"""
import contextlib, io, json, sys, time, warnings
from xlperf.cli import main
warnings.simplefilter("always")  # as in a fresh process per command: every warning shows
results = []
for argv in json.loads(sys.stdin.read()):
    out, err = io.StringIO(), io.StringIO()
    start = time.monotonic()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    results.append({"code": code, "stdout": out.getvalue(), "stderr": err.getvalue(),
                    "seconds": time.monotonic() - start})
print(json.dumps(results, ensure_ascii=False))
"""


def run_commands(runs: list[list[str]], timeout: float = 60) -> list[dict[str, object]]:
    """Run `xlperf` (its `main`, with stdout and stderr captured per command) on each argument list, in
    one subprocess bounded by `timeout`: one interpreter start for many files, each command timed."""
    result = subprocess.run([sys.executable, "-c", _DRIVER], input=json.dumps(runs, ensure_ascii=False),
                            capture_output=True, text=True, encoding="utf-8", timeout=timeout)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)


def run_xlperf(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """`python -m xlperf …` in its own process, bounded in time."""
    return subprocess.run([sys.executable, "-m", "xlperf", *args], capture_output=True, text=True,
                          encoding="utf-8", timeout=timeout)
