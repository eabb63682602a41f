"""How a report's text is read (core.reportcheck): normalised character by character, and text copied out
of a PDF joined back into its paragraphs."""

from __future__ import annotations

from xlperf.core.reportcheck import blocks_from_text, normalize


class TestNormalize:
    def test_full_width_digits_and_marks_read_as_ascii(self) -> None:
        """"９９．１５％" is 99.15%; Latin commas and colons in Chinese text are the Chinese marks, but a
        comma between digits stays a thousands separator."""
        assert normalize("自评分数为９９．１５分，完成率９６．２２％").text == "自评分数为99.15分，完成率96.22%"
        assert normalize("预算数:1,234.50万元,决算数").text == "预算数：1,234.50万元，决算数"

    def test_spaces_between_chinese_characters_go_others_stay(self) -> None:
        """PDF extraction's "本 部 门" is 本部门; "职工 4人" keeps its space; runs of spaces are one."""
        assert normalize("本 部 门 目前共有在职在编干部职工 4人").text == "本部门目前共有在职在编干部职工 4人"
        assert normalize("a   b\u3000\u3000c").text == "a b c"

    def test_a_quote_is_taken_from_the_text_as_written(self) -> None:
        """What is quoted to the user is the original (full-width, spaced), so that it can be searched for."""
        text = normalize("自 评 分 数 为 ９９．１５分。")
        start = text.text.index("自评")
        assert text.quote(start, text.text.index("分。") + 1) == "自 评 分 数 为 ９９．１５分"

    def test_zero_width_characters_go(self) -> None:
        assert normalize("自评\u200b得分\ufeff 20 分").text == "自评得分 20 分"


PDF_TEXT = """
附件 2

一、基本情况

（一）部门概况

广州市白云区科学技术协会是区科技工作者的群众组

织，是区委领导下的人民团体，是区委、区政府联系科技工

作者的纽带和发展科技事业的助手。

本部门没有内设机构。

（1）部门整体绩效目标产出指标完成情况，该指标分

值 20分，自评得分 20分。

- 2 -



（2）部门预算资金支出率，该指标分值 10分，自评得

分 9.5分。

我部门因疫情原因，部分科普活动未能开展。
"""


class TestTextFromPdf:
    def test_lines_are_joined_into_paragraphs(self) -> None:
        """A full line runs on into the next; a short one ends its paragraph; a heading or a list item
        (一、（一）（1）) starts one; the page number between pages is dropped."""
        blocks = blocks_from_text(PDF_TEXT)
        texts = [normalize(b.text).text for b in blocks]
        assert texts == [
            "附件 2", "一、基本情况", "（一）部门概况",
            "广州市白云区科学技术协会是区科技工作者的群众组织，是区委领导下的人民团体，是区委、区政府联系科技工作者的纽带"
            "和发展科技事业的助手。",
            "本部门没有内设机构。",
            "（1）部门整体绩效目标产出指标完成情况，该指标分值 20分，自评得分 20分。",
            "（2）部门预算资金支出率，该指标分值 10分，自评得分 9.5分。",
            "我部门因疫情原因，部分科普活动未能开展。",
        ]

    def test_each_paragraph_knows_its_number_and_first_line(self) -> None:
        blocks = blocks_from_text(PDF_TEXT)
        assert [str(b.place) for b in blocks][3:5] == ["第 4 段（第 8 行）", "第 5 段（第 14 行）"]

    def test_a_typed_text_keeps_its_lines(self) -> None:
        """A few lines typed by hand (no page to measure) are a paragraph each, however long."""
        text = "自评分数为 99.15 分，等级为“优”，各项指标均已完成，详见附表所列各项指标的分值和得分情况说明。\n附表见后。\n"
        assert [b.text for b in blocks_from_text(text)] == [text.splitlines()[0], "附表见后。"]

    def test_a_blank_line_ends_a_paragraph_when_lines_are_not_double_spaced(self) -> None:
        """Without a blank line after every line, a blank line is a paragraph break, even after a long line."""
        long = "本部门按照“谁支出、谁负责”的原则，履行预算绩效管理主体责任，负责组织实施绩效管理工作"
        text = "\n".join([long] * 8 + ["", long, "短行。"])
        blocks = blocks_from_text(text)
        assert len(blocks) == 2 and blocks[1].place.line == 10

    def test_running_heads_and_page_numbers_are_dropped(self) -> None:
        """A title repeated at the top of every page, 第 N 页 and — N — lines are not the report's text."""
        page = "整体支出绩效自评报告\n正文第一行。\n正文第二行。\n第 {n} 页，共 3 页\n\f"
        text = "".join(page.format(n=n) for n in (1, 2, 3))
        texts = [b.text for b in blocks_from_text(text)]
        assert "整体支出绩效自评报告" not in texts and not any("页" in t for t in texts)
        assert texts.count("正文第一行。") == 3
