"""How the workbook prints: A4, one page wide, headers repeated, type of 9 pt or more, totals kept with
the table. Read back from the files (both editions), then printed to PDF by LibreOffice and measured."""

from __future__ import annotations

import dataclasses
import html
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from xlperf._open import example_year
from xlperf.workbook import layout as L
from xlperf.workbook._print import page_breaks
from xlperf.workbook.build import build_workbook

A4_PORTRAIT_WIDTH, A4_LANDSCAPE_WIDTH = 595.3, 841.9  # points
FONT_SIZE = 11  # points: the workbook's type
MIN_PRINTED_SIZE = 9  # points, after the shrinking to one page wide
FOOTER = "第 &P 页，共 &N 页"
LANDSCAPE = {L.TARGETS_SHEET, L.SCORESHEET, L.PROJECTS_SHEET, L.CONFIG_SHEET}
TITLE_ROWS = {L.FACTS_SHEET: "$1:$1", L.TARGETS_SHEET: "$1:$1", L.SCORESHEET: "$2:$2", L.PROJECTS_SHEET: "$1:$1"}


@pytest.fixture(scope="module", params=["blank.xlsx", "blank.xlsm", "example.xlsx", "example.xlsm"])
def workbook(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> openpyxl.Workbook:
    """Both editions, blank (as `xlperf new` writes them) and filled with the example."""
    name: str = request.param
    year, fw = example_year()
    path = build_workbook(tmp_path_factory.mktemp("print") / name, fw, year if name.startswith("example") else None)
    return openpyxl.load_workbook(path)


def _excel_scale(ws: Worksheet) -> float:
    """The scale Excel prints the sheet at, fitted to one page wide: printable width / width of the
    visible columns (a column of width w, as stored, is 7w pixels of 0.75 pt)."""
    paper = A4_LANDSCAPE_WIDTH if ws.page_setup.orientation == "landscape" else A4_PORTRAIT_WIDTH
    printable = paper - (ws.page_margins.left + ws.page_margins.right) * 72
    columns = sum(d.width * 7 * 0.75 for d in ws.column_dimensions.values() if not d.hidden)
    return min(1.0, int(100 * printable / columns) / 100)


class TestPageSetup:
    def test_every_sheet_prints_on_a4_one_page_wide(self, workbook: openpyxl.Workbook) -> None:
        """A4, fit to 1 page wide and as many tall as needed, landscape for the wide tables, page numbers."""
        for ws in workbook.worksheets:
            setup = ws.page_setup
            assert setup.paperSize == 9, ws.title
            assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
            assert setup.fitToWidth in (None, 1), ws.title  # 1 is the default, which the file may leave out
            assert setup.fitToHeight == 0, ws.title
            assert setup.orientation == ("landscape" if ws.title in LANDSCAPE else "portrait"), ws.title
            assert ws.oddFooter.center.text == FOOTER, ws.title
            assert ws.oddHeader.right.text == "&A", ws.title  # the sheet name
            assert ws.print_title_rows == TITLE_ROWS.get(ws.title), ws.title

    def test_every_sheet_prints_at_9_points_or_more_in_excel(self, workbook: openpyxl.Workbook) -> None:
        """Fitted to the page width, the 11 pt type of every sheet prints at 9 pt or more (Excel's scale)."""
        sizes = {ws.title: FONT_SIZE * _excel_scale(ws) for ws in workbook.worksheets}
        assert {title: size for title, size in sizes.items() if size < MIN_PRINTED_SIZE} == {}
        assert sizes[L.SCORESHEET] < FONT_SIZE  # the check is real: the 评分表 is shrunk

    def test_scoresheet_pages_start_with_a_category_and_end_with_the_totals(
            self, workbook: openpyxl.Workbook) -> None:
        """The 评分表's page breaks fall between 一级指标, and none between the last indicator and 合计."""
        ws = workbook[L.SCORESHEET]
        breaks = [b.id for b in ws.row_breaks.brk]  # a page ends after row `id` (1-based)
        assert breaks, "the example's 评分表 is longer than a page"
        starts = {r.min_row for r in ws.merged_cells.ranges if r.min_col == 1 and r.max_col == 1}
        total = next(row for row in range(1, ws.max_row + 1) if ws.cell(row, 1).value == "合计")
        for end in breaks:
            first = end + 1
            assert 3 <= first < total, end
            assert ws.cell(first, 1).value or first in starts, f"a page starts inside a 一级指标, at row {first}"
        assert max(breaks) < total - 1, "合计 would start a page of its own"


# --- printed by LibreOffice ---------------------------------------------------------------------------


@dataclass
class Page:
    texts: list[tuple[str, float]]  # (text, size in points)

    def has(self, text: str) -> bool:
        return any(t == text for t, _ in self.texts)


def _require(program: str, package: str) -> str:
    found = shutil.which(program)
    if found is None:
        pytest.fail(f"{program} is not installed: install the Debian package {package} (scripts/test.sh does).")
    return found


def _print_to_pdf(path: Path, folder: Path) -> list[Page]:
    """The workbook printed to PDF by LibreOffice, read back page by page with the type sizes."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.fail("LibreOffice (soffice) is not installed: install the Debian package libreoffice-calc-nogui "
                    "(scripts/test.sh does).")
    # LibreOffice sizes columns by the workbook's default font, Calibri: without Carlito (the same
    # widths) it uses a wider font, and prints everything smaller than Excel would
    match = subprocess.run([_require("fc-match", "fontconfig"), "-f", "%{family}", "Calibri"],
                           capture_output=True, text=True, check=False).stdout
    if "Carlito" not in match:
        pytest.fail("The Carlito font (Calibri's widths) is not installed: install the Debian package "
                    "fonts-crosextra-carlito (scripts/test.sh does).")
    result = subprocess.run([soffice, "--headless", f"-env:UserInstallation={(folder / 'profile').as_uri()}",
                             "--convert-to", "pdf", "--outdir", str(folder), str(path)],
                            capture_output=True, text=True, timeout=180, check=False)
    pdf = folder / f"{path.stem}.pdf"
    assert pdf.is_file(), result.stdout + result.stderr
    # pdftohtml gives each piece of text its font size, times the zoom (3, its largest: a third of a point)
    xml = subprocess.run([_require("pdftohtml", "poppler-utils"), "-xml", "-i", "-stdout", "-zoom", "3", str(pdf)],
                         capture_output=True, check=True).stdout.decode(errors="replace")
    sizes: dict[str, float] = {}
    pages = []
    for page in re.split(r"<page number=", xml)[1:]:
        sizes.update((m[1], int(m[2]) / 3) for m in re.finditer(r'<fontspec id="(\d+)" size="(\d+)"', page))
        pieces = sorted((int(m[1]), int(m[2]), int(m[3]), html.unescape(re.sub(r"<[^>]+>", "", m[5])), sizes[m[4]])
                        for m in re.finditer(r'<text top="(\d+)" left="(\d+)" width="(\d+)" height="\d+" '
                                             r'font="(\d+)">(.*?)</text>', page))
        # A word in two fonts (a character the first lacks) comes in pieces side by side: join them
        texts: list[tuple[str, float]] = []
        end = (-1, -1)
        for top, left, width, text, size in pieces:
            if (top, left) == end or (top == end[0] and 0 <= left - end[1] <= 2):
                texts[-1] = (texts[-1][0] + text, min(texts[-1][1], size))
            else:
                texts.append((text, size))
            end = (top, left + width)
        pages.append(Page([(text.strip(), size) for text, size in texts if text.strip()]))
    return pages


#: A longer 情况说明 for CB01 in the example, of a length at which LibreOffice left to itself prints the
#: last indicator at the foot of a page and 总分 on the next (found by trying lengths)
LONG_REASON = ("本年公用经费决算数较预算数减少，主要是严格落实过紧日子要求，压减会议费、培训费、差旅费和办公费等"
               "一般性支出，") * 2 + "同时加强公务用车和公务接待管理，严格执行各项支出标准，公用经费支出结构进一步优化，节支成效明显。"


@pytest.fixture
def long_reason_workbook(tmp_path: Path) -> Path:
    year, fw = example_year()
    year = dataclasses.replace(year, entries=dict(year.entries))
    year.entries["CB01"] = dataclasses.replace(year.entries["CB01"], reason=LONG_REASON)
    return build_workbook(tmp_path / "long-reason" / "example.xlsx", fw, year)


@pytest.mark.libreoffice
class TestPrinted:
    @pytest.mark.parametrize("case", ["xlsx", "xlsm", "long reason"])
    def test_scoresheet_prints_one_page_wide_readable_with_its_totals(
            self, case: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
        """Every page of the 评分表 (its page header names it) repeats the table header from the first
        column to the last, its smallest type is 9 pt or more, and 总分 prints on the page of the last
        indicator with the 一级指标小计 below it; the other sheets print at 9 pt or more too."""
        fixture = {"xlsx": "example_workbook", "xlsm": "example_macro_workbook"}.get(case, "long_reason_workbook")
        source: Path = request.getfixturevalue(fixture)
        pages = _print_to_pdf(shutil.copy(source, tmp_path / f"example{source.suffix}"), tmp_path)
        scoresheet = [page for page in pages if page.has(L.SCORESHEET)]
        assert len(scoresheet) >= 2
        first, last = L.SCORE_COLUMNS[0].header, L.SCORE_COLUMNS[-1].header
        assert all(page.has(first) and page.has(last) for page in scoresheet)  # one page wide, titles repeated
        _, fw = example_year()
        def page_of(text: str) -> int:
            [number] = [number for number, page in enumerate(scoresheet, start=1) if page.has(text)]
            return number

        last_indicator = page_of(fw.indicators[-1].code)
        assert (page_of("总分"), page_of("一级指标小计")) == (last_indicator, last_indicator)
        assert min(size for page in scoresheet for _, size in page.texts) >= MIN_PRINTED_SIZE
        assert min(size for page in pages for _, size in page.texts) >= MIN_PRINTED_SIZE


class TestPageBreaks:
    """The rule behind the 评分表's page breaks (workbook/_print.page_breaks), on rows of known heights."""

    def test_a_group_that_does_not_fit_starts_the_next_page(self) -> None:
        heights = dict.fromkeys(range(10), 10.0)
        groups = [[[0], [1], [2]], [[3], [4], [5]], [[6], [7, 8, 9]]]
        assert page_breaks(heights, groups, first_page=50, page=60) == [3, 6]

    def test_a_group_longer_than_a_page_is_split_but_never_an_atom(self) -> None:
        """The last atom (the last indicator with the totals) moves whole to the next page."""
        heights = dict.fromkeys(range(10), 10.0)
        groups = [[[0], [1], [2], [3], [4], [5], [6, 7, 8, 9]]]
        assert page_breaks(heights, groups, first_page=70, page=70) == [6]
