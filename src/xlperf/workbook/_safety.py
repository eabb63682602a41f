"""Checks made on a workbook file before openpyxl opens it, so that a hostile or broken file is refused
in bounded time and memory with one clear message.

Only what zipfile reads from the central directory and the first bytes of each part are looked at:
nothing is extracted. The limits are far above what an xlperf workbook needs (about 60 KB, with parts
of a few dozen KB) and are listed in docs/errors.md (“不安全或损坏的文件”).
"""

from __future__ import annotations

import os
import re
import struct
import zipfile
import zlib
from pathlib import Path
from typing import BinaryIO

from ..core import open_regular, os_reason
from ..core.errors import Location, UnsafeFileError

MB = 1024 * 1024
MAX_FILE_BYTES = 50 * MB  # the file on disk
MAX_MEMBERS = 10_000  # parts in the zip
MAX_DIRECTORY_BYTES = 4 * MB  # the zip's table of contents, read before zipfile lists it
MAX_UNCOMPRESSED_BYTES = 200 * MB  # all parts, as the zip declares them
MAX_XML_PART_BYTES = 10 * MB  # one XML part: openpyxl parses some whole, at about 1 s per MB
MAX_RATIO = 100  # a part inflating more than this much …
RATIO_FLOOR_BYTES = 10 * MB  # … to more than this is a zip bomb
PROLOG_BYTES = 64 * 1024  # where an XML part's declarations (before the first element) must end
FIRST_BYTES = 1024  # what is inflated of each part first (a batch checks every part of every file)
#: seconds reading the rows of the sheets may take: a last stop, the limits above keep it far lower
READ_SECONDS = 60

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_RESAVE = "请用 Excel 或 WPS 打开后另存为 .xlsx 再试；如果文件来自别人，请向对方要一份正常保存的文件"
_ENCODINGS = {"utf-8", "utf8", "utf-16", "utf-16le", "utf-16be", "utf16", "us-ascii", "ascii"}
_ENCODING = re.compile(rb"""encoding\s*=\s*["']([^"']*)["']""")
_XML_SUFFIXES = (".xml", ".rels", ".vml")
_PICK = "请确认选对了文件：应是 xlperf 生成的绩效自评工作簿（.xlsx/.xlsm）"
_KINDS = (  # content types of a main part that is not a workbook we can read -> what the file really is
    (b"ms-excel.sheet.binary", "Excel 二进制工作簿（.xlsb）", "请在 Excel 中打开，另存为“Excel 工作簿（.xlsx）”后重试"),
    (b"wordprocessingml", "Word 文档（.docx）", _PICK),
    (b"presentationml", "PowerPoint 演示文稿（.pptx）", _PICK),
)


def check_workbook_file(path: Path) -> None:
    """Refuse a file that is not an .xlsx/.xlsm we may open safely; return quietly otherwise."""
    where = Location(file=path.name)
    with open_workbook_file(path) as handle:
        size = os.fstat(handle.fileno()).st_size
        if size == 0:
            raise UnsafeFileError("文件是空的（0 字节）", location=where, fix="请确认文件已完整保存或下载")
        if size > MAX_FILE_BYTES:
            raise UnsafeFileError(f"文件过大（{size / MB:.1f} MB，上限 {MAX_FILE_BYTES // MB} MB），不像是绩效自评工作簿",
                                  location=where, fix="请删除多余的工作表、图片后另存，或确认选对了文件")
        head = handle.read(512)
        if head.startswith(OLE_MAGIC):
            raise _ole_file(head + handle.read(MAX_FILE_BYTES), where)
        if not head.startswith(b"PK"):
            raise _not_a_zip(head, where)
        directory = _central_directory(handle, size, where)
    if directory.count(b"PK\x01\x02") > MAX_MEMBERS:
        raise UnsafeFileError(f"文件包含的部件过多（超过 {MAX_MEMBERS} 个），可能是恶意构造的文件", location=where, fix=_RESAVE)
    try:
        with open_workbook_file(path) as again, zipfile.ZipFile(again) as archive:
            _check_members(archive, where)
            _check_kind(archive, where)
            _check_prologs(archive, where)
    except UnsafeFileError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, KeyError, RuntimeError,
            NotImplementedError, struct.error) as exc:
        raise UnsafeFileError(f"工作簿已损坏，无法读取（{damage(exc)}）", location=where, fix=_RESAVE) from exc


def open_workbook_file(path: Path) -> BinaryIO:
    """The workbook file opened for reading, refused in Chinese unless it is a regular file: a FIFO named
    x.xlsx would block the open, a device never ends, and stat() gives 0 bytes for both ("文件是空的")."""
    return open_regular(path, "工作簿", UnsafeFileError)


def damage(exc: BaseException) -> str:
    """What a reader's exception on a broken file means, in Chinese (never the exception's English name)."""
    if isinstance(exc, zlib.error) or type(exc).__module__ == "zlib":
        return "压缩的数据有误"
    if isinstance(exc, (EOFError, struct.error)):
        return "数据不完整，文件可能被截断"
    if isinstance(exc, NotImplementedError):
        return "使用了 Excel 不用的压缩方式"
    if isinstance(exc, zipfile.BadZipFile):
        return "zip 结构有误"
    if isinstance(exc, OSError):
        return os_reason(exc)
    if isinstance(exc, KeyError):
        return "缺少必需的部件"
    return "内容不符合 Excel 的文件格式"


def _ole_file(data: bytes, where: Location) -> UnsafeFileError:
    """An OLE compound file: an encrypted .xlsx (Office puts it in one) or a legacy .xls."""
    if "EncryptionInfo".encode("utf-16-le") in data or "EncryptedPackage".encode("utf-16-le") in data:
        return UnsafeFileError("文件已加密（设置了打开密码）", location=where,
                               fix="请在 Excel 中打开，在“文件 > 信息 > 保护工作簿”中删除密码后另存，再重试")
    if "Workbook".encode("utf-16-le") in data or "Book".encode("utf-16-le") in data:
        return UnsafeFileError("文件是旧版 .xls 格式（只是扩展名改成了 .xlsx/.xlsm）", location=where,
                               fix="请在 Excel 或 WPS 中打开，另存为 .xlsx 后重试")
    return UnsafeFileError("文件已加密，或是旧版 .xls 格式", location=where,
                           fix="请在 Excel 中取消密码，或另存为 .xlsx/.xlsm 后重试")


def _not_a_zip(head: bytes, where: Location) -> UnsafeFileError:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith(b"<"):
        return UnsafeFileError("不是 Excel 工作簿，而是网页（HTML）或 XML 文本（一些系统导出的“Excel”文件其实是网页）",
                               location=where, fix="请用 Excel 或 WPS 打开后另存为 .xlsx 再试")
    return UnsafeFileError("不是 Excel 工作簿（.xlsx/.xlsm 文件应为 zip 格式）", location=where,
                           fix="请确认文件没有损坏，并用 Excel 另存为 .xlsx")


def _truncated(where: Location) -> UnsafeFileError:
    return UnsafeFileError("工作簿文件不完整（zip 的结尾缺失，可能在下载、复制或发送时被截断）", location=where,
                           fix="请重新下载或复制一份完整的文件；或用 Excel 打开修复后另存")


def _central_directory(handle: BinaryIO, size: int, where: Location) -> bytes:
    """The bytes of the zip's central directory, found from its end record and bounded before
    zipfile turns every entry into an object (a 50 MB directory of empty entries takes it 10 s and 500 MB)."""
    tail_size = min(size, 22 + 65535)
    handle.seek(size - tail_size)
    tail = handle.read(tail_size)
    end = tail.rfind(b"PK\x05\x06")
    if end < 0 or tail_size - end < 22:
        raise _truncated(where)
    directory_size, directory_offset = struct.unpack("<LL", tail[end + 12:end + 20])
    end_at = size - tail_size + end
    locator = end - 20
    if locator >= 0 and tail[locator:locator + 4] == b"PK\x06\x07":  # zip64: the sizes are in its own record
        (record_at,) = struct.unpack("<Q", tail[locator + 8:locator + 16])
        if record_at + 56 > size:
            raise _truncated(where)
        handle.seek(record_at)
        record = handle.read(56)
        if record[:4] != b"PK\x06\x06":
            raise _truncated(where)
        directory_size, directory_offset = struct.unpack("<QQ", record[40:56])
        end_at = record_at
    if directory_size > MAX_DIRECTORY_BYTES:
        raise UnsafeFileError(f"文件的 zip 目录过大（{directory_size / MB:.1f} MB），可能是恶意构造的文件",
                              location=where, fix=_RESAVE)
    start = end_at - directory_size  # where zipfile looks for it, whatever the record's offset says
    if start < 0:
        raise _truncated(where)
    handle.seek(start)
    return handle.read(directory_size)


def _check_members(archive: zipfile.ZipFile, where: Location) -> None:
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        raise UnsafeFileError(f"文件包含的部件过多（{len(members)} 个，上限 {MAX_MEMBERS}），可能是恶意构造的文件",
                              location=where, fix=_RESAVE)
    total = 0
    for info in members:
        if info.flag_bits & 0x1:
            raise UnsafeFileError(f"文件中的部件“{_short(info.filename)}”用 zip 密码加密了，Excel 不会这样保存",
                                  location=where, fix=_RESAVE)
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise UnsafeFileError(f"文件中的部件“{_short(info.filename)}”使用了 Excel 不用的压缩方式",
                                  location=where, fix=_RESAVE)
        total += info.file_size
        if info.file_size > RATIO_FLOOR_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise UnsafeFileError(
                f"文件中的部件“{_short(info.filename)}”解压后达 {info.file_size / MB:.0f} MB"
                f"（压缩比超过 {MAX_RATIO} 倍），是“zip 炸弹”一类的恶意文件", location=where, fix=_RESAVE)
        if info.filename.lower().endswith(_XML_SUFFIXES) and info.file_size > MAX_XML_PART_BYTES:
            raise UnsafeFileError(
                f"文件中的部件“{_short(info.filename)}”解压后有 {info.file_size / MB:.1f} MB，"
                f"超过 {MAX_XML_PART_BYTES // MB} MB 上限", location=where,
                fix="请删除多余的工作表或大量粘贴的内容后另存，再重试")
    if total > MAX_UNCOMPRESSED_BYTES:
        raise UnsafeFileError(f"文件解压后共 {total / MB:.0f} MB，超过 {MAX_UNCOMPRESSED_BYTES // MB} MB 上限"
                              "，可能是“zip 炸弹”一类的恶意文件", location=where, fix=_RESAVE)


def _check_kind(archive: zipfile.ZipFile, where: Location) -> None:
    names = set(archive.namelist())
    if "mimetype" in names and "[Content_Types].xml" not in names:
        with archive.open("mimetype") as member:
            kind = member.read(100)
        what = ("OpenDocument 表格（.ods，LibreOffice/WPS 的格式）" if b"opendocument.spreadsheet" in kind
                else "OpenDocument 文档" if b"opendocument" in kind else "")
        if what:
            raise UnsafeFileError(f"文件是 {what}，不是 Excel 工作簿", location=where,
                                  fix="请在 WPS 或 LibreOffice 中打开，另存为 Excel 工作簿（.xlsx）后重试")
    if "[Content_Types].xml" not in names:
        raise UnsafeFileError("不是 Excel 工作簿（zip 中缺少 [Content_Types].xml）", location=where,
                              fix="请确认选对了文件，并用 Excel 另存为 .xlsx")
    types = archive.read("[Content_Types].xml")  # at most MAX_XML_PART_BYTES
    if "xl/workbook.xml" not in names:
        for marker, what, fix in _KINDS:
            if marker in types:
                raise UnsafeFileError(f"文件是 {what}，不是 .xlsx/.xlsm 工作簿", location=where, fix=fix)
        raise UnsafeFileError("不是 Excel 工作簿（zip 中缺少 xl/workbook.xml）", location=where,
                              fix="请确认选对了文件，并用 Excel 另存为 .xlsx")


def _check_prologs(archive: zipfile.ZipFile, where: Location) -> None:
    """No part may declare a DOCTYPE (entities: "billion laughs", external files) or an encoding the
    scan cannot see through. Excel never writes either. Binary parts (images, VBA) end the scan at once."""
    for info in archive.infolist():
        if info.is_dir() or info.file_size == 0:
            continue
        with archive.open(info) as member:
            # the first kilobyte holds every real prolog: inflate more only when it does not end there
            head = member.read(FIRST_BYTES)
            if len(head) == FIRST_BYTES and prolog_problem(head):
                head += member.read(PROLOG_BYTES - FIRST_BYTES)
        problem = prolog_problem(head, complete=len(head) < PROLOG_BYTES)
        if problem:
            raise UnsafeFileError(f"文件中的部件“{_short(info.filename)}”{problem}，Excel 不会生成这样的文件，可能是恶意构造的",
                                  location=where, fix=_RESAVE)


def prolog_problem(head: bytes, complete: bool = False) -> str:
    """What is wrong with the start of a part ("" when nothing): a DOCTYPE or other declaration before
    the first element, an unusual encoding, or declarations running on past PROLOG_BYTES.

    NUL bytes are dropped first, so UTF-16 and UTF-32 text is scanned as ASCII."""
    text = head.replace(b"\0", b"")
    at = 0
    for bom in (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"):
        if text.startswith(bom):
            at = len(bom)
            break
    while True:
        while at < len(text) and text[at:at + 1] in b" \t\r\n":
            at += 1
        if at >= len(text):  # only blanks so far: what follows them decides
            return "" if complete else "开头的空白过长"
        if text.startswith(b"<?", at):
            close = text.find(b"?>", at)
            if close < 0:
                return "" if complete else "开头的声明过长"
            declaration = _ENCODING.search(text, at, close)
            if declaration and declaration.group(1).decode("ascii", "replace").lower() not in _ENCODINGS:
                return f"使用了不常见的字符编码“{declaration.group(1)[:20].decode('ascii', 'replace')}”"
            at = close + 2
        elif text.startswith(b"<!--", at):
            close = text.find(b"-->", at + 4)
            if close < 0:
                return "" if complete else "开头的注释过长"
            at = close + 3
        elif text.startswith(b"<!", at):
            return "含有 DOCTYPE 声明（XML 实体，可用于“实体炸弹”或读取外部文件）"
        else:
            return ""


def _short(name: str) -> str:
    return name if len(name) <= 60 else name[:57] + "…"
