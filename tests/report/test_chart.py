"""The report's 得分率 chart: a readable, deterministic PNG in a CJK font, or None without one."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import logging
import os
import subprocess
import sys
import warnings
from decimal import Decimal
from pathlib import Path

import pytest

from xlperf._open import example_year
from xlperf.core.engine import CategoryScore, Scorecard, score_year
from xlperf.core.model import DepartmentYear
from xlperf.report import chart

FONT_HINT = ("No installed font can show Chinese, so the chart would be left out of every report. "
             "Install the Debian package fonts-noto-cjk (scripts/test.sh does).")


@pytest.fixture(scope="module")
def card() -> Scorecard:
    year, framework = example_year()
    return score_year(framework, year)


def _png(card: Scorecard) -> bytes:
    buffer = io.BytesIO()
    assert chart.category_chart_png(card, buffer) is buffer
    return buffer.getvalue()


class TestChart:
    def test_example_chart_is_a_png_of_body_width(self, tmp_path: Path, card: Scorecard) -> None:
        """The example's chart is written to a file and reads back as a PNG 15 cm wide at 200 dpi."""
        from PIL import Image

        if chart.cjk_font() is None:
            pytest.fail(FONT_HINT)
        target = tmp_path / "图表" / "得分率.png"
        assert chart.category_chart_png(card, target) == target
        with Image.open(target) as image:
            image.load()
            assert image.format == "PNG"
            width, height = image.size
            assert abs(width / chart.DPI * 2.54 - 15) < 0.2  # cm
            assert 300 < height < width  # one row per 一级指标, wider than tall for 9 categories
            assert round(image.info["dpi"][0]) == chart.DPI  # Word places it at 15 cm by itself
            # drawn on, not blank: the bars' colour is there
            colours = {colour for _, colour in image.convert("RGB").getcolors(maxcolors=1 << 20)}
            assert (0x3D, 0x5A, 0x80) in colours
        assert [p.name for p in target.parent.iterdir()] == ["得分率.png"]  # no temporary file left

    def test_same_scorecard_gives_the_same_bytes(self, card: Scorecard) -> None:
        """Two runs, one in a fresh interpreter, give identical PNG bytes (no version or time stamp)."""
        first = _png(card)
        assert _png(card) == first
        assert b"Software" not in first and b"Matplotlib" not in first
        code = ("import io, hashlib\nfrom xlperf._open import example_year\nfrom xlperf.core.engine import "
                "score_year\nfrom xlperf.report.chart import category_chart_png\ny, f = example_year()\n"
                "b = io.BytesIO()\ncategory_chart_png(score_year(f, y), b)\n"
                "print(hashlib.sha256(b.getvalue()).hexdigest())")
        other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                               env={**os.environ, "PYTHONHASHSEED": "12345"}).stdout.strip()
        assert other == hashlib.sha256(first).hexdigest()

    def test_chinese_text_uses_a_cjk_font_without_missing_glyphs(
            self, card: Scorecard, caplog: pytest.LogCaptureFixture) -> None:
        """The chosen font has every character of the chart; drawing warns of no missing glyph or font."""
        from matplotlib import font_manager

        font = chart.cjk_font()
        if font is None:
            pytest.fail(FONT_HINT)
        assert font in chart.CJK_FONTS and "DejaVu" not in font
        text = chart.TITLE + chart.LABEL_HEADER + "".join(c.name for c in card.categories) + "0123456789./%"
        path = font_manager.findfont(font_manager.FontProperties(family=font), fallback_to_default=False)
        assert "DejaVu" not in str(path)
        face = font_manager.get_font(path)
        assert all(face.get_char_index(ord(ch)) for ch in text), font
        with warnings.catch_warnings(record=True) as caught, caplog.at_level(logging.WARNING):
            warnings.simplefilter("always")
            _png(card)
        # e.g. "Glyph 25972 (\N{CJK UNIFIED IDEOGRAPH-6574}) missing from font(s) DejaVu Sans."
        assert not [str(w.message) for w in caught]
        assert not [r.getMessage() for r in caplog.records if "font" in r.getMessage().lower()]

    def test_no_cjk_font_gives_none_and_writes_nothing(self, tmp_path: Path, card: Scorecard,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
        """Without a CJK font: None, no file, and a notice for the caller instead of boxes for glyphs."""
        monkeypatch.setattr(chart, "CJK_FONTS", ("No Such Font SC", "DejaVu Sans"))  # DejaVu has no 得
        target = tmp_path / "得分率.png"
        assert chart.cjk_font() is None
        assert chart.category_chart_png(card, target) is None
        assert not list(tmp_path.iterdir())
        assert "省略" in chart.NO_CJK_FONT_NOTICE and "中文字体" in chart.NO_CJK_FONT_NOTICE

    def test_labels_score_over_points(self, card: Scorecard) -> None:
        """Each bar is labelled 得分/分值 as the 评分表 writes them; 待补 and 不计分 where they apply."""
        assert chart._rows(card)[0] == ("整体效能", 0.99, "49.5/50")
        assert ("采购管理", pytest.approx(8.65 / 9), "8.65/9") == chart._rows(card)[5]
        empty = score_year(card.framework, DepartmentYear("测试", 2023, card.framework.id))
        assert chart._rows(empty)[0] == ("整体效能", 0.0, "0/50 待补")
        odd = dataclasses.replace(card, categories=(CategoryScore("不适用", Decimal(0), Decimal(0)),))
        assert chart._rows(odd) == [("不适用", 0.0, "不计分")]
        _png(odd)  # draws with a single row too

    def test_importing_the_module_does_not_import_matplotlib(self) -> None:
        """matplotlib loads when a chart is drawn, not when xlperf.report.chart is imported."""
        code = "import sys, xlperf.report.chart, xlperf.report.pdf\nprint('matplotlib' in sys.modules)"
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
        assert out.strip() == "False"


class TestStaleFontCache:
    """matplotlib caches the font list once; CJK fonts installed later must still be found (issue 11)."""

    @staticmethod
    def _stale_cache(folder: Path) -> None:
        """Build matplotlib's font cache in `folder`, then drop every CJK face from it, as if the cache had
        been built before the fonts were installed (xlperf demo run before the test command)."""
        import json

        env = {**os.environ, "MPLCONFIGDIR": str(folder)}
        subprocess.run([sys.executable, "-c", "import matplotlib.font_manager"], env=env, check=True)
        (cache,) = folder.glob("fontlist-*.json")
        data = json.loads(cache.read_text(encoding="utf-8"))
        data["ttflist"] = [f for f in data["ttflist"] if not any(n in f["name"] for n in chart.CJK_FONTS)]
        cache.write_text(json.dumps(data), encoding="utf-8")

    def test_report_has_the_chart_with_a_stale_cache(self, tmp_path: Path, example_workbook: Path) -> None:
        """With a font cache that lists no CJK font, `xlperf report` still draws the chart, says nothing of
        missing fonts, and leaves the cache file as matplotlib wrote it."""
        from docx import Document

        if not chart._cjk_font_files():
            pytest.fail(FONT_HINT)
        cache = tmp_path / "mpl"
        cache.mkdir()
        self._stale_cache(cache)
        out = tmp_path / "报告.docx"
        run = subprocess.run([sys.executable, "-m", "xlperf", "report", str(example_workbook), "-o", str(out)],
                             capture_output=True, text=True, env={**os.environ, "MPLCONFIGDIR": str(cache)})
        assert run.returncode == 0, run.stderr
        assert "字体" not in run.stdout + run.stderr
        images = [r for r in Document(str(out)).part.rels.values() if "image" in r.reltype]
        assert len(images) == 1

    def test_cjk_font_registers_fonts_missing_from_the_cache(self, tmp_path: Path) -> None:
        """In a process whose cache lists no CJK face, cjk_font() finds one on disk and registers it."""
        cache = tmp_path / "mpl"
        cache.mkdir()
        self._stale_cache(cache)
        code = ("from matplotlib import font_manager as fm\nfrom xlperf.report import chart\n"
                "before = {e.name for e in fm.fontManager.ttflist} & set(chart.CJK_FONTS)\n"
                "print(sorted(before), chart.cjk_font())")
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                             env={**os.environ, "MPLCONFIGDIR": str(cache)}).stdout.strip()
        assert out.startswith("[] ") and out.split(" ", 1)[1] in chart.CJK_FONTS
