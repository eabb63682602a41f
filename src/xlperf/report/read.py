"""Read a 自评报告 to be checked (`xlperf check-report`): a Word document or a plain text, as blocks.

    blocks = read_report(Path("报告.docx"))     # or 报告.txt: text copied out of a PDF

A .docx gives its body's paragraphs and table rows in document order: the text Word shows (tracked
deletions, moved-from text, field codes and the fallback copy of drawings left out), table cells on the
grid (a cell merged across columns once, a cell merged down repeated in each row it covers). A .txt is
decoded (UTF-8, UTF-16 with its mark, or GB18030, as Windows Notepad saves Chinese) and joined back into
paragraphs (core.reportcheck.blocks_from_text). Whatever the file is, one Chinese line says what is wrong:
a FIFO or a folder, a file too large, an encrypted or legacy .doc, a PDF, a workbook given in its place, a
damaged zip.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any

from ..core import read_limited
from ..core.errors import Location, XlperfError
from ..core.reportcheck import Block, Place, blocks_from_text

__all__ = ["MAX_REPORT_BYTES", "MAX_TEXT_BYTES", "read_report"]

MB = 1024 * 1024
MAX_REPORT_BYTES = 50 * MB  # a report with photos of its 佐证材料 may be large; the text is small
MAX_TEXT_BYTES = 5 * MB  # the text of a report is some 30 KB
MAX_PARTS = 10_000
MAX_UNPACKED_BYTES = 200 * MB
MAX_XML_PART_BYTES = 20 * MB
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
#: what Word does not show as the paragraph's text
_SKIPPED = {f"{_W}pPr", f"{_W}rPr", f"{_W}del", f"{_W}moveFrom", f"{_W}txbxContent", f"{_W}instrText",
            f"{_W}delText", f"{_MC}Fallback", f"{_W}footnoteReference", f"{_W}commentReference"}
_SAVE_AS = "请在 Word 或 WPS 中打开，另存为“Word 文档（*.docx）”后重试"
_PDF = ("暂不能直接读取 PDF：请在 PDF 阅读器中全选、复制正文，粘贴到记事本另存为 .txt（UTF-8）后再核对，"
        "或用 Word 打开 PDF 另存为 .docx")


def read_report(path: Path) -> list[Block]:
    """The report's paragraphs and table rows (see the module's docstring); XlperfError in Chinese when
    the file cannot be read as a report."""
    path = Path(path)
    suffix = path.suffix.lower()
    where = Location(file=path.name or str(path))
    if suffix in (".xlsx", ".xlsm", ".xls", ".json"):
        raise XlperfError(f"{path.name} 是工作簿或数据文件，不是自评报告", location=where,
                          fix="请先写报告、后写工作簿：xlperf check-report 报告.docx 工作簿.xlsx")
    if suffix in (".doc", ".wps", ".rtf", ".odt"):
        raise XlperfError(f"暂不能读取 {suffix} 格式的报告", location=where, fix=_SAVE_AS)
    if suffix == ".pdf":
        raise XlperfError("报告是 PDF 文件", location=where, fix=_PDF)
    if suffix not in (".docx", ".docm", ".txt", ".text"):
        raise XlperfError(f"不支持的报告文件类型“{suffix or '（无扩展名）'}”", location=where,
                          fix="请给出 Word 文档（.docx），或从 PDF 复制出的纯文本（.txt）")
    if suffix in (".docx", ".docm"):
        data = read_limited(path, MAX_REPORT_BYTES, "自评报告", XlperfError)
        blocks = _docx_blocks(data, where)
    else:
        data = read_limited(path, MAX_TEXT_BYTES, "自评报告", XlperfError)
        blocks = blocks_from_text(_decoded(data, where))
    if not any(b.text.strip() or any(c.strip() for c in b.cells) for b in blocks):
        raise XlperfError("报告中没有文字", location=where, fix="请确认选对了文件；扫描件（图片）需先识别成文字")
    return blocks


def _decoded(data: bytes, where: Location) -> str:
    if not data.strip():
        raise XlperfError("报告是空的", location=where, fix="请确认文件已完整保存")
    if data.startswith(b"%PDF"):
        raise XlperfError("文件其实是 PDF（只是扩展名为 .txt）", location=where, fix=_PDF)
    if data.startswith((b"PK\x03\x04", _OLE)):
        raise XlperfError("文件其实是 Word 或 Excel 文件（只是扩展名为 .txt）", location=where,
                          fix="请把扩展名改回 .docx，或另存为纯文本")
    for mark, encoding in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(mark):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise XlperfError("报告的文字编码有误，无法读取", location=where, fix="请另存为 UTF-8 编码的文本") from exc
    if b"\x00" in data:
        raise XlperfError("不是文本文件（含有二进制数据）", location=where,
                          fix="请给出 .docx，或把报告正文粘贴到记事本另存为 .txt")
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise XlperfError("无法识别报告的文字编码（既不是 UTF-8 也不是 GBK）", location=where,
                      fix="请在记事本中另存为 UTF-8 编码后重试")


def _docx_blocks(data: bytes, where: Location) -> list[Block]:
    if not data:
        raise XlperfError("文件是空的（0 字节）", location=where, fix="请确认文件已完整保存或下载")
    if data.startswith(_OLE):
        raise XlperfError("文件已加密（设置了打开密码），或是旧版 Word 文档（.doc）", location=where,
                          fix="请在 Word 中取消密码，或另存为 .docx 后重试")
    if data.startswith(b"%PDF"):
        raise XlperfError("文件其实是 PDF（只是扩展名为 .docx）", location=where, fix=_PDF)
    if not data.startswith(b"PK"):
        raise XlperfError("不是 Word 文档（.docx 文件应为 zip 格式）", location=where, fix=_SAVE_AS)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            _check_parts(archive, where)
        document = _open_document(data)
    except XlperfError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, struct.error, OSError, NotImplementedError, RuntimeError,
            KeyError, ValueError, SyntaxError) as exc:
        raise XlperfError(f"不是有效的 Word 文档，或文件已损坏（{_damage(exc)}）", location=where, fix=_SAVE_AS) from exc
    blocks: list[Block] = []
    _walk(document.element.body, blocks, [0, 0])
    return blocks


def _damage(exc: BaseException) -> str:
    if isinstance(exc, (zlib.error, EOFError, struct.error)):
        return "数据不完整或压缩的数据有误"
    if isinstance(exc, zipfile.BadZipFile):
        return "zip 结构有误"
    if isinstance(exc, SyntaxError):
        return "其中的 XML 有误"
    if isinstance(exc, KeyError):
        return "缺少必需的部件"
    if isinstance(exc, NotImplementedError):
        return "使用了 Word 不用的压缩方式"
    return "内容不符合 Word 的文件格式"


def _check_parts(archive: zipfile.ZipFile, where: Location) -> None:
    """A zip we may unpack: a bounded number and size of parts, none encrypted or named twice, and a Word
    document inside (a workbook or a presentation renamed to .docx is named as such)."""
    from ..workbook import duplicate_part

    members = archive.infolist()
    if len(members) > MAX_PARTS:
        raise XlperfError(f"文件包含的部件过多（{len(members)} 个），可能是恶意构造的文件", location=where, fix=_SAVE_AS)
    total = 0
    for info in members:
        total += info.file_size
        if info.flag_bits & 0x1:
            raise XlperfError("文件中的部件用 zip 密码加密了，Word 不会这样保存", location=where, fix=_SAVE_AS)
        if info.filename.lower().endswith((".xml", ".rels")) and info.file_size > MAX_XML_PART_BYTES:
            raise XlperfError(f"文件中的部件解压后有 {info.file_size / MB:.0f} MB，超过 {MAX_XML_PART_BYTES // MB} MB 上限，"
                              "可能是恶意构造的文件", location=where, fix=_SAVE_AS)
    if total > MAX_UNPACKED_BYTES:
        raise XlperfError(f"文件解压后共 {total / MB:.0f} MB，超过 {MAX_UNPACKED_BYTES // MB} MB 上限，可能是“zip 炸弹”",
                          location=where, fix=_SAVE_AS)
    twin = duplicate_part(archive.namelist())
    if twin:
        raise XlperfError(f"文件中有重复的部件“{twin[:60]}”（同名或只差大小写），可能被篡改或损坏", location=where,
                          fix=_SAVE_AS)
    names = set(archive.namelist())
    if "[Content_Types].xml" not in names:
        raise XlperfError("不是 Word 文档（zip 中缺少 [Content_Types].xml）", location=where, fix=_SAVE_AS)
    types = archive.read("[Content_Types].xml")
    if b"wordprocessingml.document.main" not in types and b"ms-word.document.macroEnabled.main" not in types \
            and b"wordprocessingml.template.main" not in types:
        what = ("Excel 工作簿" if b"spreadsheetml" in types or b"ms-excel" in types
                else "PowerPoint 演示文稿" if b"presentationml" in types else "其他格式的文件")
        raise XlperfError(f"文件是 {what}，不是 Word 文档", location=where,
                          fix="请给出自评报告（.docx）；工作簿是第二个参数：xlperf check-report 报告.docx 工作簿.xlsx")
    for info in members:
        if info.filename.lower().endswith((".xml", ".rels")) and info.file_size:
            with archive.open(info) as member:
                head = member.read(4096)
            if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                raise XlperfError("文件中的 XML 声明了文档类型（DOCTYPE），Word 不会生成这样的文件，可能是恶意构造的",
                                  location=where, fix=_SAVE_AS)


def _open_document(data: bytes) -> Any:
    from docx import Document
    from docx.opc.exceptions import PackageNotFoundError

    try:
        return Document(io.BytesIO(data))
    except PackageNotFoundError as exc:
        raise ValueError("not a package") from exc


def _walk(container: Any, blocks: list[Block], counters: list[int]) -> None:
    """Body-level paragraphs (numbered when not empty) and tables (numbered), content controls opened."""
    for child in container:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag == f"{_W}p":
            text = _paragraph_text(child)
            if text.strip():
                counters[0] += 1
                blocks.append(Block(text, Place(paragraph=counters[0])))
        elif tag == f"{_W}tbl":
            counters[1] += 1
            blocks.extend(_table_rows(child, counters[1]))
        elif tag in (f"{_W}sdt", f"{_W}customXml", f"{_W}ins", f"{_W}moveTo"):
            content = child.find(f"{_W}sdtContent") if tag == f"{_W}sdt" else child
            if content is not None:
                _walk(content, blocks, counters)


def _paragraph_text(paragraph: Any) -> str:
    parts: list[str] = []
    stack = [iter(paragraph)]
    while stack:
        node = next(stack[-1], None)
        if node is None:
            stack.pop()
            continue
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag in _SKIPPED:
            continue
        if tag == f"{_W}t":
            parts.append(node.text or "")
        elif tag == f"{_W}tab":
            parts.append("\t")
        elif tag in (f"{_W}br", f"{_W}cr"):
            parts.append("\n")
        elif tag == f"{_W}noBreakHyphen":
            parts.append("-")
        elif len(node):
            stack.append(iter(node))
    return "".join(parts)


def _cell_text(cell: Any) -> str:
    """A cell's paragraphs, one a line; a table inside the cell is read as its text."""
    lines = []
    for node in cell.iter(f"{_W}p"):
        text = _paragraph_text(node)
        if text.strip():
            lines.append(text)
    return "\n".join(lines)


def _table_rows(table: Any, number: int) -> list[Block]:
    rows: list[Block] = []
    above: dict[int, str] = {}  # grid column -> the text of the cell above (for a vertical merge)
    for index, row in enumerate(table.findall(f"{_W}tr"), start=1):
        cells: dict[int, str] = {}
        column = _int_attr(row.find(f"{_W}trPr/{_W}gridBefore"), 0)
        for cell in row.iter(f"{_W}tc"):
            if cell.getparent() is not row and cell.getparent().tag != f"{_W}sdtContent":
                continue  # a cell of a table nested inside this row's cells
            props = cell.find(f"{_W}tcPr")
            span = max(1, min(_int_attr(props.find(f"{_W}gridSpan") if props is not None else None, 1), 64))
            merge = props.find(f"{_W}vMerge") if props is not None else None
            continued = merge is not None and merge.get(f"{_W}val", "continue") == "continue"
            text = above.get(column, "") if continued else _cell_text(cell)
            cells[column] = text
            above[column] = text
            for extra in range(1, span):
                cells[column + extra] = ""
                above.pop(column + extra, None)
            column += span
        width = max(cells, default=-1) + 1
        row_cells = tuple(cells.get(i, "") for i in range(width))
        rows.append(Block(" | ".join(c for c in row_cells if c), Place(table=number, row=index), row_cells))
    return rows


def _int_attr(element: Any, default: int) -> int:
    if element is None:
        return default
    value = element.get(f"{_W}val", "")
    return int(value) if value.isdigit() and len(value) < 6 else default
