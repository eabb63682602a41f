"""A report's text as the linter reads it: blocks (paragraphs and table rows) with their place, each
normalised character by character so that a quote can always be taken from the text as written.

Normalising: full-width digits, letters and ％．－＝／ become half-width ("９９．１５" is 99.15), the
Latin , : ; ( ) ! ? become the Chinese marks (except a comma between digits: 1,234.50), zero-width
characters go, runs of spaces become one, and a space between two Chinese characters or marks goes
(PDF extraction puts them there: "本 部 门"). Each kept character remembers where it came from.

Text pasted from a PDF (`blocks_from_text`) has a line break wherever the page's line ended, page numbers
and repeated headers between pages, and often a blank line after every line. Lines are joined back into
paragraphs: a line runs on into the next unless it is short (a paragraph's last line), ends a sentence
on a short line, or the next begins a heading or a list item (一、（一）1、（1）①).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

#: one character for one: full-width forms the parser reads as ASCII
_HALF = {chr(0xFF10 + i): str(i) for i in range(10)}
_HALF.update({chr(0xFF21 + i): chr(0x41 + i) for i in range(26)})
_HALF.update({chr(0xFF41 + i): chr(0x61 + i) for i in range(26)})
_HALF.update({"％": "%", "﹪": "%", "．": ".", "－": "-", "−": "-", "＝": "=", "／": "/", "＊": "*", "＋": "+",
              "\u3000": " ", "\xa0": " ", "\t": " ", "\u2002": " ", "\u2003": " ", "\u2009": " ", "\u202f": " ",
              "\r": " ", "\n": " ", "\f": " "})
#: Latin marks written in Chinese text, read as the Chinese ones (a comma between digits stays)
_FULL = {",": "，", ":": "：", ";": "；", "(": "（", ")": "）", "!": "！", "?": "？"}
_DROP = frozenset("\u200b\u200c\u200d\u2060\ufeff\xad")


def is_cjk(ch: str) -> bool:
    """A Chinese character or a Chinese (full-width) mark: between two of these a space is an artefact."""
    code = ord(ch)
    return (0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0x3000 <= code <= 0x303F
            or 0xFF01 <= code <= 0xFF60 or 0x2460 <= code <= 0x24FF or ch in "“”‘’…—·《》〈〉【】")


@dataclass(frozen=True)
class Normalized:
    """A text as parsed, and for each of its characters the index of the character it came from."""

    text: str
    origin: tuple[int, ...]
    source: str

    def quote(self, start: int, end: int, limit: int = 40) -> str:
        """The source text behind text[start:end], shortened in the middle past `limit` characters."""
        if start >= end or not self.origin:
            return ""
        first, last = self.origin[start], self.origin[min(end, len(self.origin)) - 1]
        raw = " ".join(self.source[first:last + 1].split())
        return raw if len(raw) <= limit else raw[:limit // 2 - 1] + "…" + raw[-(limit // 2 - 1):]


def normalize(source: str) -> Normalized:
    """See the module's docstring."""
    chars: list[str] = []
    origin: list[int] = []
    for i, raw in enumerate(source):
        if raw in _DROP:
            continue
        ch = _HALF.get(raw, raw)
        if ch in _FULL and not (ch == "," and _digit_at(source, i - 1) and _digit_at(source, i + 1)):
            ch = _FULL[ch]
        if ch == " ":
            if not chars or chars[-1] == " ":
                continue
        elif chars and chars[-1] == " " and is_cjk(ch) and len(chars) > 1 and is_cjk(chars[-2]):
            chars.pop()  # a space between two Chinese characters or marks
            origin.pop()
        chars.append(ch)
        origin.append(i)
    while chars and chars[-1] == " ":
        chars.pop()
        origin.pop()
    return Normalized("".join(chars), tuple(origin), source)


def _digit_at(text: str, i: int) -> bool:
    return 0 <= i < len(text) and _HALF.get(text[i], text[i]).isdigit()


@dataclass(frozen=True)
class Place:
    """Where a block is: the N-th paragraph (and, in a text file, its first line), or a table's row."""

    paragraph: int = 0
    line: int = 0
    table: int = 0
    row: int = 0

    def __str__(self) -> str:
        if self.table:
            return f"表 {self.table} 第 {self.row} 行"
        if self.paragraph:
            return f"第 {self.paragraph} 段" + (f"（第 {self.line} 行）" if self.line else "")
        return ""


@dataclass(frozen=True)
class Block:
    """One paragraph of the report, or one row of one of its tables (cells in grid order; a cell that a
    merge covers repeats nothing: it is "" unless a vertical merge carries the text above down)."""

    text: str
    place: Place
    cells: tuple[str, ...] = ()

    @property
    def is_row(self) -> bool:
        return self.place.table > 0


# --- text pasted from a PDF ----------------------------------------------------------------------

#: a heading or a list item begins here: 一、 （一） 1、 1. （1） (a) ① 附件
_OPENS = re.compile(r"(?:[一二三四五六七八九十]{1,3}[、.．]|[（(][一二三四五六七八九十]{1,3}[）)]|\d{1,2}[、．]|"
                    r"\d{1,2}\.(?!\d)|[（(]\d{1,2}[）)]|[（(][a-zA-Z][）)]|[\u2460-\u2473\u3251-\u325f]|附件|附表)")
#: a page number alone on its line: 3, - 3 -, — 3 —, 第 3 页, 第 3 页，共 12 页, 3/12
_PAGE_NUMBER = re.compile(r"\s*(?:[-—–－]\s*\d{1,3}\s*[-—–－]|第\s*\d{1,3}\s*页(?:\s*[，,]?\s*共\s*\d{1,3}\s*页)?|"
                          r"\d{1,3}\s*/\s*\d{1,3}|共\s*\d{1,3}\s*页\s*第\s*\d{1,3}\s*页)\s*")
_BARE_NUMBER = re.compile(r"\s*\d{1,3}\s*")
_ENDS_SENTENCE = tuple("。！？；：!?;:")


def blocks_from_text(text: str) -> list[Block]:
    """A plain text (a report copied out of a PDF, or typed) as paragraphs; see the module's docstring."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    pages = _page_gaps(lines)
    headers = _running_heads(lines, pages)
    keep = [not (_page_furniture(lines, i, pages) or lines[i].strip("\f ") in headers) for i in range(len(lines))]
    filled = [(i, line.strip()) for i, line in enumerate(lines) if keep[i] and line.strip() and line.strip() != "\f"]
    full = _full_width(line for _, line in filled)
    # PDF text often has a blank line after every line; otherwise a blank line ends a paragraph
    spaced = sum(i + 1 < len(lines) and not lines[i + 1].strip() for i, _ in filled) > 0.8 * len(filled)
    paragraphs: list[tuple[int, str]] = []  # (first line's index, text)
    previous, previous_at = "", -1
    for i, line in filled:
        line = line.strip("\f ")
        blank_between = not spaced and any(not lines[k].strip() for k in range(previous_at + 1, i))
        runs_on = paragraphs and previous and _width(previous) >= full and not _OPENS.match(line) and not blank_between
        if runs_on:
            first, body = paragraphs[-1]
            glue = " " if body[-1:].isascii() and body[-1:].isalnum() and line[:1].isascii() and line[:1].isalnum() else ""
            paragraphs[-1] = (first, body + glue + line)
        else:
            paragraphs.append((i, line))
        previous, previous_at = line, i
    return [Block(body, Place(paragraph=n, line=first + 1)) for n, (first, body) in enumerate(paragraphs, start=1)]


def _width(text: str) -> int:
    """Display columns of the line as printed (spaces between Chinese characters are PDF artefacts);
    the ambiguous marks (“”…) are wide in Chinese text."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F", "A") else 1 for ch in normalize(text).text)


def _full_width(lines: object) -> int:
    """How wide a line must be to be a full line of the page (so that the paragraph runs on): a little
    under the width most long lines have. Short texts, typed rather than extracted, join nothing."""
    widths = sorted(_width(line) for line in lines)  # type: ignore[attr-defined]
    if len(widths) < 8:
        return 10 ** 6
    typical = widths[int(len(widths) * 0.9)]  # most lines of a page are full; the 90th percentile is one
    return max(typical - 6, 16)  # the first line of a paragraph is indented by two characters


def _page_gaps(lines: list[str]) -> set[int]:
    """Indexes of lines next to a page break: a form feed, two or more blank lines in a row, or the text's
    first and last lines (the top of the first page, the foot of the last)."""
    filled = [i for i, line in enumerate(lines) if line.strip("\f ").strip()]
    near: set[int] = {filled[0], filled[-1]} if filled else set()
    blank_run = 0
    for i, line in enumerate(lines):
        if "\f" in line:
            near.update((i - 1, i, i + 1))
        if not line.strip():
            blank_run += 1
            continue
        if blank_run >= 2:
            near.update((i, i - blank_run - 1))
        blank_run = 0
    return near


def _running_heads(lines: list[str], pages: set[int]) -> set[str]:
    """Short lines printed on top or foot of every page (a title, the department): three times or more,
    each time next to a page break."""
    seen: dict[str, list[int]] = {}
    for i, line in enumerate(lines):
        text = line.strip("\f ")
        if text and len(text) <= 40:
            seen.setdefault(text, []).append(i)
    return {text for text, at in seen.items() if len(at) >= 3 and all(i in pages for i in at)}


def _page_furniture(lines: list[str], i: int, pages: set[int]) -> bool:
    """A page number (or, next to a page break, a bare number) on a line of its own."""
    line = lines[i].strip("\f")
    if not line.strip():
        return False
    if _PAGE_NUMBER.fullmatch(line):
        return True
    return i in pages and bool(_BARE_NUMBER.fullmatch(line))


__all__ = ["Block", "Normalized", "Place", "blocks_from_text", "is_cjk", "normalize"]
