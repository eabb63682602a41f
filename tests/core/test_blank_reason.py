"""The one definition of a 扣分原因 that says nothing (Explanations.is_blank_reason), and every place
that uses it: the checks, the review, the report's narrative and the workbook's Excel formula."""

from __future__ import annotations

import dataclasses

import pytest

from xlperf.core.frameworks import load_framework

FW = load_framework("gz-baiyun-2022")
BLANK = ["", " ", "　", "\n", "无", "无。", "无.", " 无 ", "　无。", "无\n", "\t无", "略", "/", "—", "暂无。",
         "\u00a0没有\u00a0", "空."]
NOT_BLANK = ["无需说明以外的原因", "无。。", "无 。", "无,", "支出进度慢", "无?", "?", "*", "无*", "無", "-1",
             "已按规定公开", "无 无"]


class TestIsBlankReason:
    @pytest.mark.parametrize("text", BLANK)
    def test_placeholders_and_spaces_say_nothing(self, text: str) -> None:
        """Empty, spaces of any width, and each placeholder with or without a full stop are blank."""
        assert FW.explanations.is_blank_reason(text)

    @pytest.mark.parametrize("text", NOT_BLANK)
    def test_anything_else_is_a_reason(self, text: str) -> None:
        """A real sentence, a doubled stop, wildcards and look-alikes are not placeholders."""
        assert not FW.explanations.is_blank_reason(text)

    def test_placeholders_come_from_the_framework(self) -> None:
        """The words are data: a framework that lists “不适用” makes “不适用。” blank."""
        mine = dataclasses.replace(FW.explanations, blank_reasons=("不适用",))
        assert mine.is_blank_reason("不适用。") and not mine.is_blank_reason("无")
        assert mine.placeholders == ("不适用", "不适用。", "不适用.")


class TestEveryUseAgrees:
    """The check, the risk and the report all read “无。” as no reason at all."""

    @staticmethod
    def _card(reason: str):  # type: ignore[no-untyped-def]
        from xlperf._open import example_year
        from xlperf.core.engine import score_year

        year, fw = example_year()
        entries = dict(year.entries)
        entries["CG06"] = dataclasses.replace(entries["CG06"], reason=reason)  # 采购政策效能 loses 0.35
        return score_year(fw, dataclasses.replace(year, entries=entries))

    @pytest.mark.parametrize("reason", ["无。", "　略 ", "/"])
    def test_check_report_and_narrative(self, reason: str) -> None:
        from xlperf.core.checks import run_checks
        from xlperf.core.narrative import report_context

        card = self._card(reason)
        assert any(f.id == "E101" and "CG06" in f.indicators for f in run_checks(card))
        context = report_context(card)
        (row,) = [i for c in context["categories"] for i in c["indicators"] if i["code"] == "CG06"]
        assert row["explanation"] == []
        (line,) = [a for a in context["appendix"] if a["code"] == "CG06"]
        assert line["reason"] == "" and line["deduction"] == "0.35"

    def test_a_real_reason_is_kept(self) -> None:
        from xlperf.core.checks import run_checks
        from xlperf.core.narrative import report_context

        card = self._card("采购执行率 65%，部分采购项目延至次年。")
        assert not any(f.id == "E101" and "CG06" in f.indicators for f in run_checks(card))
        (line,) = [a for a in report_context(card)["appendix"] if a["code"] == "CG06"]
        assert line["reason"].startswith("采购执行率")
