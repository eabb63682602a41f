"""The matcher behind W303: which sentences state a number for a target (few false alarms)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from xlperf.core.checks._mentions import mentions, name_variants


def numbers(text: str, name: str, unit: str) -> list[Decimal]:
    return [m.number for m in mentions(text, name, unit)]


class TestMentions:
    def test_the_seeds_one_versus_three(self) -> None:
        """The seed's two sentences about the same 竞赛: "开展科普知识竞赛 1次" and "本年举办 3次科普知识竞赛"."""
        assert numbers("3、开展科普知识竞赛 1次；", "开展科普知识竞赛", "次") == [Decimal(1)]
        assert numbers("③本年举办 3次科普知识竞赛：一是……", "开展科普知识竞赛", "次") == [Decimal(3)]

    def test_the_quote_is_the_text_as_written(self) -> None:
        """The message quotes the words as the department wrote them (spaces and 的 included)."""
        (m,) = mentions("使公众对科普知识的知晓度达 98%，", "公众对科普知识知晓度", "%")
        assert m.quote == "公众对科普知识的知晓度达 98%" and m.number == 98

    @pytest.mark.parametrize(("text", "expected"), [
        ("组织举办科普讲座 8场", [8]),
        ("白云科普讲座 8场", [8]),  # the core words, without 组织举办
        ("组织举办科普讲座共 8 场", [8]),  # a linking character, spaces
        ("组织举办科普讲座８场", [8]),  # full-width digits
        ("组织举办科普讲座 8场次", []),  # another unit
        ("组织举办科普讲座 8次", []),
        ("组织举办科普讲座约 8场", []),  # approximate
        ("组织举办科普讲座 8多场", []),
        ("组织举办科普讲座 8场以上", []),
        ("举办第 8场科普讲座", []),  # an ordinal
        ("组织举办科普讲座，参加群众 200人", []),  # another unit, further away
        ("组织举办科普讲座活动，全年 8场", []),  # too far from the name
    ])
    def test_what_counts_as_a_statement(self, text: str, expected: list[int]) -> None:
        """Name (or core words), at most two linking characters, the number and the target's unit."""
        assert numbers(text, "组织举办科普讲座", "场") == [Decimal(n) for n in expected]

    def test_ten_thousand(self) -> None:
        """"1万人次" is 10000 人次, and not a number of 人."""
        assert numbers("科普宣传活动受众人数达 1万人次", "科普宣传活动受众人数", "人次") == [Decimal(10000)]
        assert numbers("受教育青少年学生 1万人次", "受教育青少年学生", "人") == []

    def test_a_short_core_is_not_used(self) -> None:
        """Core words of fewer than four characters ("讲座") would match too much: only the full name is used."""
        assert name_variants("组织讲座") == ("组织讲座",)
        assert numbers("举办 3场讲座", "组织讲座", "场") == []

    def test_no_unit_no_comparison(self) -> None:
        """A target without a unit is never matched (its number could be anything)."""
        assert mentions("组织举办科普讲座 8场", "组织举办科普讲座", "") == []
