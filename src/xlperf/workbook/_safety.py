"""Checks made on a workbook file before openpyxl opens it, so that a hostile or broken file is refused
in bounded time and memory with one clear message.

Only what zipfile reads from the central directory and the first bytes of each part are looked at:
nothing is extracted to be checked (the parts a reader will read anyway may be inflated whole here and
handed to it: Kept). The limits are far above what an xlperf workbook needs (about 60 KB, with parts
of a few dozen KB) and are listed in docs/errors.md (“不安全或损坏的文件”).

Two parts named alike (the same name twice, or names differing only in case: Excel and OPC compare
part names without regard to case) are refused: which copy a program reads would depend on the program.

`check_part` is the check both readers make of a sheet or of the shared strings when they read it:
characters XML 1.0 forbids (a parser refuses them, calamine would decode them) and shared-string
indexes that name no string. Excel refuses such a file, so they are refused alike, as a damaged file.
"""

from __future__ import annotations

import io
import os
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterable
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
KEEP_PART_BYTES = 1 * MB  # a part the check reads whole for the reader (Kept): at most this …
KEEP_TOTAL_BYTES = 8 * MB  # … and all of them together at most this
SMALL_PART_BYTES = 16 * 1024  # a part the check inflates whole, for its start, when the zip's bytes are given

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ASK_AGAIN = "Excel 也打不开这样的文件；请向提供文件的单位要一份用 Excel 或 WPS 正常保存的文件"
_RESAVE = "请用 Excel 或 WPS 打开后另存为 .xlsx 再试；如果文件来自别人，请向对方要一份正常保存的文件"
_ENCODINGS = {"utf-8", "utf8", "utf-16", "utf-16le", "utf-16be", "utf16", "us-ascii", "ascii"}
_ENCODING = re.compile(rb"""encoding\s*=\s*["']([^"']*)["']""")
_XML_SUFFIXES = (".xml", ".rels", ".vml")
# a zip entry's local header up to its name (zipfile.structFileHeader): signature, flags, lengths of name
# and extra field; and the flags _inflated reads as zipfile does (Deflate's options, data descriptor, UTF-8)
_LOCAL_HEADER = struct.Struct("<4s2xH18xHH")
_PLAIN_FLAGS = 0x2 | 0x4 | 0x8 | 0x800
# the declaration spreadsheet programs write, then the first element (neither <? nor <! follows, nor a NUL:
# prolog_problem drops NULs before it looks, so "<\0!DOCTYPE" is a DOCTYPE to it)
_COMMON_PROLOG = re.compile(rb'<\?xml version="1\.0" encoding="UTF-8" standalone="yes"\?>\r?\n?<(?![?!\x00])')
_PICK = "请确认选对了文件：应是 xlperf 生成的绩效自评工作簿（.xlsx/.xlsm）"
_KINDS = (  # content types of a main part that is not a workbook we can read -> what the file really is
    (b"ms-excel.sheet.binary", "Excel 二进制工作簿（.xlsb）", "请在 Excel 中打开，另存为“Excel 工作簿（.xlsx）”后重试"),
    (b"wordprocessingml", "Word 文档（.docx）", _PICK),
    (b"presentationml", "PowerPoint 演示文稿（.pptx）", _PICK),
)


def check_workbook_file(path: Path) -> None:
    """Refuse a file that is not an .xlsx/.xlsm we may open safely; return quietly otherwise."""
    check_workbook_bytes(read_workbook_file(path), Location(file=path.name))


def read_workbook_file(path: Path) -> bytes:
    """The bytes of a workbook file (a regular file of at most MAX_FILE_BYTES), read once: the readers
    check them (check_workbook_bytes) and open them, so what was checked is what is read."""
    where = Location(file=path.name)
    with open_workbook_file(path) as handle:
        size = os.fstat(handle.fileno()).st_size
        if size == 0:
            raise _empty(where)
        if size > MAX_FILE_BYTES:
            raise _too_large(size, where)
        return handle.read(MAX_FILE_BYTES + 1)


class Kept:
    """What the check of a workbook's bytes hands to the reader that opens them next, so that nothing is
    done twice: the zip, left open (the reader closes it), and the whole bytes of the parts `wanted`
    names that the check had to inflate the start of anyway (each at most KEEP_PART_BYTES, read to
    its end, so zipfile checked its CRC). A part that could not be read whole is not kept: the check
    then reads its start as it always does, and the reader meets the damage where it would have."""

    __slots__ = ("wanted", "archive", "parts")

    def __init__(self, wanted: Callable[[str], bool]) -> None:
        self.wanted = wanted
        self.archive: zipfile.ZipFile | None = None
        self.parts: dict[str, bytes] = {}

    def close(self) -> None:
        archive, self.archive, self.parts = self.archive, None, {}
        if archive is not None:
            archive.close()


def check_workbook_bytes(data: bytes, where: Location, keep: Kept | None = None) -> None:
    """Refuse the bytes of a file that is not an .xlsx/.xlsm we may open safely; `keep`: what the
    reader may take over (Kept), filled only when the bytes pass."""
    if not data:
        raise _empty(where)
    if len(data) > MAX_FILE_BYTES:
        raise _too_large(len(data), where)
    head = data[:512]
    if head.startswith(OLE_MAGIC):
        raise _ole_file(data, where)
    if not head.startswith(b"PK"):
        raise _not_a_zip(head, where)
    directory = _central_directory(io.BytesIO(data), len(data), where)
    if directory.count(b"PK\x01\x02") > MAX_MEMBERS:
        raise UnsafeFileError(f"文件包含的部件过多（超过 {MAX_MEMBERS} 个），可能是恶意构造的文件", location=where, fix=_RESAVE)
    parts: dict[str, bytes] = {}
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        try:
            _check_members(archive, where)
            _check_twins(archive, where)
            _check_kind(archive, where, data)
            _check_prologs(archive, where, keep.wanted if keep is not None else None, parts, data)
        except BaseException:
            archive.close()
            raise
        if keep is None:
            archive.close()
        else:  # passed: the reader takes the zip over (zipfile read its directory once)
            keep.archive, keep.parts = archive, parts
    except UnsafeFileError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, KeyError, RuntimeError,
            NotImplementedError, struct.error) as exc:
        raise UnsafeFileError(f"工作簿已损坏，无法读取（{damage(exc)}）", location=where, fix=_RESAVE) from exc


def _empty(where: Location) -> UnsafeFileError:
    return UnsafeFileError("文件是空的（0 字节）", location=where, fix="请确认文件已完整保存或下载")


def _too_large(size: int, where: Location) -> UnsafeFileError:
    return UnsafeFileError(f"文件过大（{size / MB:.1f} MB，上限 {MAX_FILE_BYTES // MB} MB），不像是绩效自评工作簿",
                           location=where, fix="请删除多余的工作表、图片后另存，或确认选对了文件")


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


def duplicate_part(names: Iterable[str]) -> str:
    """The first part name of a zip that another name matches (the same name again, or the same but for
    case or a leading "/"): "" when every part is named once."""
    seen: set[str] = set()
    for name in names:
        key = name.replace("\\", "/").lstrip("/").lower()
        if key in seen:
            return name
        seen.add(key)
    return ""


def duplicate_part_in(path: Path) -> str:
    """duplicate_part of a zip file ("" when it is not a zip: whoever opens it says so)."""
    try:
        with zipfile.ZipFile(path) as archive:
            return duplicate_part(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return ""


def _check_twins(archive: zipfile.ZipFile, where: Location) -> None:
    twin = duplicate_part(archive.namelist())
    if twin:
        raise UnsafeFileError(f"文件中有重复的部件“{_short(twin)}”（同名或只差大小写），不同的程序会读到不同的内容，"
                              "可能被篡改或损坏", location=where, fix=_ASK_AGAIN)


def _check_kind(archive: zipfile.ZipFile, where: Location, data: bytes) -> None:
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
    # at most MAX_XML_PART_BYTES
    info = archive.getinfo("[Content_Types].xml")
    types = _inflated(data, info, entry_ends(archive)) or archive.read(info)
    if "xl/workbook.xml" not in names:
        for marker, what, fix in _KINDS:
            if marker in types:
                raise UnsafeFileError(f"文件是 {what}，不是 .xlsx/.xlsm 工作簿", location=where, fix=fix)
        raise UnsafeFileError("不是 Excel 工作簿（zip 中缺少 xl/workbook.xml）", location=where,
                              fix="请确认选对了文件，并用 Excel 另存为 .xlsx")


def _check_prologs(archive: zipfile.ZipFile, where: Location, wanted: Callable[[str], bool] | None,
                   kept: dict[str, bytes] | None, data: bytes) -> None:
    """No part may declare a DOCTYPE (entities: "billion laughs", external files) or an encoding the
    scan cannot see through. Excel never writes either. Binary parts (images, VBA) end the scan at once.
    The parts `wanted` names are read whole into `kept` (see Kept), their start looked at as the same
    bytes read in steps would be."""
    total = 0
    ends = entry_ends(archive)
    for info in archive.infolist():
        if info.is_dir() or info.file_size == 0:
            continue
        whole = None
        if (kept is not None and wanted is not None and info.file_size <= KEEP_PART_BYTES
                and total + info.file_size <= KEEP_TOTAL_BYTES and wanted(info.filename)):
            whole = _inflated(data, info, ends) or _whole(archive, info)
            if whole is not None:
                kept[info.filename] = whole
                total += len(whole)
        elif info.file_size <= SMALL_PART_BYTES:
            whole = _inflated(data, info, ends)  # (a small part: inflated whole at less cost than opened)
        if whole is not None:
            head = whole[:FIRST_BYTES]
            # (a first kilobyte without a problem while cut short has none either as it is: asked once)
            cleared = len(head) == FIRST_BYTES and not prolog_problem(head)
            if len(head) == FIRST_BYTES and not cleared:
                head = whole[:PROLOG_BYTES]
        else:
            with archive.open(info) as member:
                # the first kilobyte holds every real prolog: inflate more only when it does not end there
                head = member.read(FIRST_BYTES)
                cleared = len(head) == FIRST_BYTES and not prolog_problem(head)
                if len(head) == FIRST_BYTES and not cleared:
                    head += member.read(PROLOG_BYTES - FIRST_BYTES)
        problem = "" if cleared else prolog_problem(head, complete=len(head) < PROLOG_BYTES)
        if problem:
            raise UnsafeFileError(f"文件中的部件“{_short(info.filename)}”{problem}，Excel 不会生成这样的文件，可能是恶意构造的",
                                  location=where, fix=_RESAVE)


def entry_ends(archive: zipfile.ZipFile) -> dict[int, int]:
    """id(entry) -> where its data must end: the next entry's local header, or the central directory
    (as newer Pythons' zipfile works it out to refuse overlapping entries, a kind of zip bomb)."""
    ends: dict[int, int] = {}
    end: int | None = getattr(archive, "start_dir", None)  # (None: no entry gets an end, zipfile reads them all)
    for info in sorted(archive.infolist(), key=lambda info: info.header_offset, reverse=True):
        if end is not None:
            ends[id(info)] = end
        end = info.header_offset
    return ends


def _inflated(data: bytes, info: zipfile.ZipInfo, ends: dict[int, int]) -> bytes | None:
    """A part's bytes, inflated from `data` (the zip's) as zipfile would give them, in a few steps where
    zipfile takes some dozens in Python; None for whatever zipfile might read otherwise or refuse (any
    flag but those of Deflate's options, data descriptor and UTF-8 names; a local header unlike the
    directory's; data running into the next entry (`ends`, from entry_ends); fewer bytes than the
    directory says; another CRC): zipfile then reads it."""
    if (info.flag_bits & ~_PLAIN_FLAGS or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
            or info.file_size <= 0 or id(info) not in ends):  # (0: zlib would inflate without bound)
        return None
    at = info.header_offset
    header = data[at:at + _LOCAL_HEADER.size]
    if len(header) != _LOCAL_HEADER.size:
        return None
    signature, flags, name_length, extra_length = _LOCAL_HEADER.unpack(header)
    if signature != b"PK\x03\x04" or flags != info.flag_bits:
        return None
    start = at + _LOCAL_HEADER.size
    try:
        name = info.orig_filename.encode("utf-8" if flags & 0x800 else "cp437")
    except UnicodeError:
        return None
    if data[start:start + name_length] != name:
        return None
    start += name_length + extra_length
    if start + info.compress_size > ends[id(info)]:
        return None  # overlapping entries: newer Pythons refuse them (older ones read them), zipfile decides
    raw = memoryview(data)[start:start + info.compress_size]
    try:
        inflated = (zlib.decompressobj(-15).decompress(raw, info.file_size) if info.compress_type == zipfile.ZIP_DEFLATED
                    else bytes(raw[:info.file_size]))
    except zlib.error:
        return None
    if len(inflated) != info.file_size or zlib.crc32(inflated) != info.CRC:
        return None
    return inflated


def _whole(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes | None:
    """A part's bytes read to its end (zipfile checks the CRC there); None when that fails anywhere."""
    try:
        with archive.open(info) as member:
            data = member.read(KEEP_PART_BYTES + 1)
    except Exception:  # noqa: BLE001 - the check then reads the part's start as always, and says what is wrong
        return None
    return data if len(data) <= KEEP_PART_BYTES else None


def prolog_problem(head: bytes, complete: bool = False) -> str:
    """What is wrong with the start of a part ("" when nothing): a DOCTYPE or other declaration before
    the first element, an unusual encoding, or declarations running on past PROLOG_BYTES.

    NUL bytes are dropped first, so UTF-16 and UTF-32 text is scanned as ASCII."""
    if _COMMON_PROLOG.match(head):  # (what Excel writes: the loop below would find nothing wrong either)
        return ""
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


# -- the check of one part, made by both readers -----------------------------------------------------

#: characters XML 1.0 forbids, as they stand in UTF-8 (C0 controls but tab and line ends; U+FFFE, U+FFFF;
#: no byte of another character's UTF-8 is below 0x80)
_FORBIDDEN = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]|\xef\xbf[\xbe\xbf]")
_C0 = bytes([*range(0x9), 0xB, 0xC, *range(0xE, 0x20)])
_NONCHARACTER = re.compile(rb"\xef\xbf[\xbe\xbf]")  # U+FFFE, U+FFFF
_REFERENCE = re.compile(rb"&#(?:x([0-9A-Fa-f]+)|([0-9]+));")
# a cell's start tag and its r, found backwards from a bad character to say which cell holds it
_CELL_START = re.compile(rb"""<(?:[A-Za-z_][\w.-]*:)?c\s[^<>]*?(?<![\w:.-])r\s*=\s*["']([A-Z]{1,3}[0-9]{1,7})["']""")
_CELL_END = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?c>")
# a cell of type s (a shared string), however written, with its r and the value it holds when that follows
# its start tag (\1: its prefix)
_STRING_CELL = re.compile(rb"""<((?:[A-Za-z_][\w.-]*:)?)c\s([^<>]*?(?<![\w:.-])t\s*=\s*["']s["'][^<>]*?)(/?)>""")
_STRING_VALUE = re.compile(rb"\s*<(?:[A-Za-z_][\w.-]*:)?v(?:\s[^<>]*)?>([^<]*)<")
_R = re.compile(rb"""(?<![\w:.-])r\s*=\s*["']([A-Z]{1,3}[0-9]{1,7})["']""")
_NEAR = 4096


class BadStringIndex(Exception):
    """A cell of type s whose value names no shared string (raised inside openpyxl's reading)."""

    def __init__(self, index: str, count: int) -> None:
        super().__init__(index)
        self.index, self.count = index, count


def allowed_in_xml(code: int) -> bool:
    """Whether XML 1.0 allows the character (production [2] Char)."""
    return (code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD
            or 0x10000 <= code <= 0x10FFFF)


def forbidden_character(data: bytes) -> tuple[int, str]:
    """(where, how it is written) of the first character XML 1.0 forbids in a part, raw ("U+001B") or
    as a character reference ("&#x1B;", "&#0;"); (-1, "") when there is none."""
    # (a deleting translate and one search for U+FFFE/U+FFFF are 3 times faster than _FORBIDDEN on a part
    # that has none; the search's literal prefix is found faster than `in` finds either character)
    suspect = len(data.translate(None, _C0)) != len(data) or _NONCHARACTER.search(data) is not None
    raw = _FORBIDDEN.search(data) if suspect else None
    end = raw.start() if raw else len(data)
    if b"#" in data and b"&#" in data:  # (rare in what spreadsheet programs write; "#" alone is found fastest)
        for match in _REFERENCE.finditer(data, 0, end):
            digits = (match.group(1) or match.group(2)).lstrip(b"0") or b"0"
            code = int(digits, 16 if match.group(1) else 10) if len(digits) <= 8 else -1
            if not allowed_in_xml(code):
                return match.start(), match.group().decode("ascii")[:16]
    if raw is None:
        return -1, ""
    return raw.start(), f"U+{ord(raw.group().decode('utf-8')):04X}"


def damaged_part(where: Location, what: str, shown: str) -> UnsafeFileError:
    return UnsafeFileError(f"文件已损坏：{what}中有 XML 不允许的控制字符（{shown}），可能被篡改或在传输中损坏",
                           location=where, fix=_ASK_AGAIN)


def bad_string_index(where: Location, index: str, count: int) -> UnsafeFileError:
    shown = index if len(index) <= 12 else index[:12] + "…"
    return UnsafeFileError(f"文件已损坏：单元格引用的共享字符串编号“{shown}”不存在（文件中共 {count} 条，编号从 0 起），"
                           "读出的会是另一段文字", location=where, fix=_ASK_AGAIN)


def _as_utf8(data: bytes) -> bytes:
    """A part in UTF-16 (which the check made before opening lets through) as UTF-8; where it is not
    even that, as it is (the parser then says what is wrong)."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or data[:4] in (b"<\0?\0", b"\0<\0?"):
        encoding = "utf-16" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-16-le" if data[:1] == b"<" else "utf-16-be"
        try:
            return data.decode(encoding).encode("utf-8", "surrogatepass")
        except UnicodeError:
            return b""
    return data


def check_part(data: bytes, where: Location, *, strings: int | None = None) -> None:
    """Refuse a sheet, or the shared strings (`strings` None), holding a character XML 1.0 forbids, or
    a sheet with a cell naming a shared string beyond the `strings` there are (or -1), naming the cell.
    `where` names the file, and the sheet."""
    data = _as_utf8(data)
    at, shown = forbidden_character(data)
    if strings is not None:
        _check_string_indexes(data[:at] if at >= 0 else data, where, strings)
    if at < 0:
        return
    if strings is None:
        raise damaged_part(where, "共享字符串（xl/sharedStrings.xml）", shown)
    starts = list(_CELL_START.finditer(data, max(at - _NEAR, 0), at))
    cell = starts[-1].group(1).decode("ascii") if starts and not _CELL_END.search(data, starts[-1].end(), at) else ""
    raise damaged_part(Location(sheet=where.sheet, cell=cell, file=where.file), "单元格" if cell else "工作表", shown)


def _check_string_indexes(data: bytes, where: Location, strings: int) -> None:
    """Refuse a cell of type s whose value is not the number of a shared string (openpyxl would read
    -1 as the last, calamine as the first). Values written otherwise than right after the cell's start
    tag are left to openpyxl, which reads them as Excel does or fails."""
    for cell in _STRING_CELL.finditer(data):
        if cell.group(3):
            continue  # <c … t="s"/>: nothing to read
        value = _STRING_VALUE.match(data, cell.end())
        if value is None or not value.group(1):
            continue  # nothing to read (<v></v> reads as blank)
        text = value.group(1).strip()
        if not (text.isdigit() and len(text) <= 10 and int(text) < strings):
            r = _R.search(cell.group(2))
            raise bad_string_index(Location(sheet=where.sheet, cell=r.group(1).decode("ascii") if r else "", file=where.file),
                                   text.decode("utf-8", "replace"), strings)
