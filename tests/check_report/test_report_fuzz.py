"""Bounded fuzz runs (marker `fuzz`): reports made of the words the linter looks for, in any order and
with any numbers, never crash it; a damaged .docx is refused in one Chinese line. Fixed seed, fixed count."""

from __future__ import annotations

import io
import random
import zipfile
from pathlib import Path

import pytest
from docx import Document
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xlperf._open import example_year
from xlperf.cli import main
from xlperf.core.engine import score_year
from xlperf.core.reportcheck import blocks_from_text, check_report

pytestmark = pytest.mark.fuzz

YEAR, FRAMEWORK = example_year()
CARD = score_year(FRAMEWORK, YEAR)
WORDS = ("部门预算资金支出率", "结转结余率", "“三公”经费控制情况", "整体效能", "其他", "小计", "合计", "总分", "自评分数为",
         "自评得分", "该指标分值", "得", "分", "满分", "扣", "得满分", "不得分", "等级为", "“优”", "良", "完成率", "执行率",
         "支出率", "预算数", "决算数", "整体支出", "基本支出", "万元", "元", "%", "=", "/", "，", "。", "；", "：", "（",
         "）", "\n", "\n\n", " ", "１", "．", "本部门", "（1）", "一、", "-", "\f", "第 3 页")
NUMBERS = st.one_of(st.integers(-10**6, 10**9).map(str),
                    st.decimals(-1000, 10**6, places=2, allow_nan=False, allow_infinity=False).map(str))


@settings(max_examples=150, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.sampled_from(WORDS), NUMBERS), max_size=80))
def test_any_arrangement_of_the_words_is_read_without_error(pieces: list[str]) -> None:
    """Whatever the text, the linter returns findings (every one with an id, a place and a message)."""
    result = check_report(CARD, blocks_from_text("".join(pieces)))
    assert all(f.id and f.message and f.where for f in result.findings)


@pytest.fixture(scope="module")
def small_docx() -> bytes:
    doc = Document()
    doc.add_paragraph("（3）部门预算资金支出率，该指标分值 10 分，自评得分 9.5 分。")
    table = doc.add_table(rows=2, cols=4)
    for cell, text in zip(table.rows[0].cells, ("一级指标", "指标", "分值", "自评得分")):
        cell.text = text
    for cell, text in zip(table.rows[1].cells, ("采购管理", "采购政策效能", "1", "0.65")):
        cell.text = text
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def test_damaged_documents_are_refused_in_one_line(small_docx: bytes, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """document.xml with bytes flipped, cut short or elements doubled: exit 0, 1 or 2, never an internal error."""
    rng = random.Random(15)
    with zipfile.ZipFile(io.BytesIO(small_docx)) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    example = Path(__file__).parents[2] / "src" / "xlperf" / "examples" / "baiyun-kexie-2022.json"
    for n in range(40):
        xml = bytearray(parts["word/document.xml"])
        kind = n % 3
        if kind == 0:
            for _ in range(rng.randint(1, 20)):
                xml[rng.randrange(len(xml))] = rng.randrange(256)
        elif kind == 1:
            del xml[rng.randrange(len(xml)):]
        else:
            start = xml.find(b"<w:tc>", rng.randrange(len(xml)))
            end = xml.find(b"</w:tc>", start) + 7
            if start > 0:
                xml[start:start] = xml[start:end] * rng.randint(2, 200)
        mutated = io.BytesIO()
        with zipfile.ZipFile(mutated, "w") as archive:
            for name, data in parts.items():
                archive.writestr(name, bytes(xml) if name == "word/document.xml" else data)
        path = tmp_path / f"报告{n}.docx"
        path.write_bytes(mutated.getvalue())
        code = main(["check-report", str(path), str(example)])
        captured = capsys.readouterr()
        assert code in (0, 1, 2) and "内部错误" not in captured.err and "Traceback" not in captured.err
        assert code != 2 or len(captured.err.strip().splitlines()) == 1
