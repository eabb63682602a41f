"""Plain terminal tables that line up Chinese text (wide characters count as two columns), and
`printable`, which every text printed by the command passes through.

Written here rather than taken from rich because rendering a 26-row table with rich costs about
as much as reading the workbook (benchmarks/bench_core.py); this costs a millisecond.
"""

from __future__ import annotations

import re
import shutil
import unicodedata
from collections.abc import Sequence

Row = Sequence[str] | None  # None draws a separator line

# What must not reach a terminal as it is: C0 controls but tab and line feed (ESC starts the sequences
# that set the window title, write the clipboard or erase a line; a bare CR overwrites the line), DEL,
# C1 controls (0x9B is CSI to some terminals), the bidirectional marks, embeddings, overrides and
# isolates (which reorder what is shown), and lone surrogates. CR LF and the Unicode line and paragraph
# separators are line ends.
_UNSAFE = re.compile("\r\n|[\u2028\u2029\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e"
                     "\u2066-\u2069\ud800-\udfff]")
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ud800-\udfff]")


def _visible(match: re.Match[str]) -> str:
    ch = match.group()
    if ch in ("\r\n", "\u2028", "\u2029"):
        return "\n"
    code = ord(ch)
    if code < 0x20:
        return chr(0x2400 + code)  # the control pictures: ␛ for ESC, ␍ for CR
    return "\u2421" if code == 0x7F else f"[U+{code:04X}]"


def printable(text: str) -> str:
    """Text as it may be printed to a terminal: control characters shown (ESC as ␛, CR as ␍, U+202E as
    [U+202E]), never acted on; line feeds and tabs kept. Workbook text is untrusted."""
    return _UNSAFE.sub(_visible, text)


def json_printable(text: str) -> str:
    """JSON text as it may be printed: what json.dumps(ensure_ascii=False) leaves raw and a terminal would
    act on (DEL, C1 controls, bidirectional controls, line separators, lone surrogates) escaped as \\uXXXX,
    so that the JSON still reads back the same."""
    return _JSON_UNSAFE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


def width(text: str) -> int:
    """Display columns: 2 for a wide (Chinese) character, 1 for the others."""
    if text.isascii():
        return len(text)
    total = 0
    for ch in text:
        w = _WIDTH.get(ch)
        if w is None:  # (the same few hundred characters, measured once)
            w = _WIDTH[ch] = 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
        total += w
    return total


_WIDTH: dict[str, int] = {}


_TOKEN = re.compile(r"[0-9A-Za-z.,%/+\-]+ ?|.", re.S)


#: as Chinese is typeset, no line starts with a closing mark and none ends with an opening one
_CLOSING = frozenset("，。、；：？！）」』”’》〉】")
_OPENING = frozenset("（「『“‘《〈【")


def wrap(text: str, limit: int) -> list[str]:
    """Break text into lines of at most `limit` display columns; numbers and Latin words stay whole, and
    a closing mark never starts a line nor an opening one ends it (the word before a closing mark moves
    down with it), as Chinese is printed."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line: list[str] = []  # the tokens of the line being filled
        used = 0
        for token in _TOKEN.findall(paragraph):
            w = width(token)
            if used + w > limit and line:
                carry: list[str] = []
                if token[:1] in _CLOSING:  # take down the word the mark closes, and any mark before it
                    while len(line) > 1 and (not carry or carry[0][:1] in _CLOSING):
                        carry.insert(0, line.pop())
                while len(line) > 1 and line[-1][-1:] in _OPENING:
                    carry.insert(0, line.pop())
                if sum(width(t) for t in carry) + w > limit:
                    line, carry = line + carry, []  # cannot move without overflowing: break as it comes
                lines.append("".join(line).rstrip())
                line, used = carry, sum(width(t) for t in carry)
            while w > limit:  # a token longer than the column: cut it
                lines.append(token[:limit])
                token = token[limit:]
                w = width(token)
            line.append(token)
            used += w
        lines.append("".join(line).rstrip())
    return lines


def render(headers: Sequence[str], rows: Sequence[Row], *, right: Sequence[int] = (), title: str = "",
           total_width: int | None = None) -> str:
    """The table as text; the widest column is folded so that the table fits the terminal. Every text
    is made printable, tabs count as one space."""
    total_width = total_width or max(shutil.get_terminal_size((120, 24)).columns, 100)
    title = printable(title)
    headers = [printable(h).replace("\t", " ") for h in headers]
    rows = [None if r is None else [printable(c).replace("\t", " ") for c in r] for r in rows]
    data = [list(r) for r in rows if r is not None]
    natural = [max([width(h)] + [width(line) for r in data for line in r[i].split("\n")]) for i, h in enumerate(headers)]
    widths = list(natural)
    budget = total_width - (3 * len(headers) + 1)
    while sum(widths) > budget:
        i = widths.index(max(widths))
        if widths[i] <= 8:
            break
        widths[i] -= 1

    def line(cells: Sequence[str]) -> list[str]:
        wrapped = [wrap(c, w) for c, w in zip(cells, widths)]
        height = max(len(w) for w in wrapped)
        out = []
        for k in range(height):
            parts = []
            for i, w in enumerate(widths):
                text = wrapped[i][k] if k < len(wrapped[i]) else ""
                pad = " " * (w - width(text))
                parts.append(pad + text if i in right else text + pad)
            out.append("│ " + " │ ".join(parts) + " │")
        return out

    rule = "├" + "┼".join("─" * (w + 2) for w in widths) + "┤"
    out = []
    if title:
        out.append(title)
    out.append("┌" + "┬".join("─" * (w + 2) for w in widths) + "┐")
    out += line(headers)
    out.append(rule)
    for r in rows:
        out += [rule] if r is None else line(r)
    out.append("└" + "┴".join("─" * (w + 2) for w in widths) + "┘")
    return "\n".join(out)
