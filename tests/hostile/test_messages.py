"""Messages say in Chinese what is wrong and what to do (issue 12, point 9): no exception names such as
"（ValueError）", no "系统错误代码 20", no English from Jinja, and a suggested file name that is right."""

from __future__ import annotations

import errno
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from hostile_files import CASES, run_commands

import xlperf
from xlperf._open import open_year
from xlperf.core._readfile import os_fix, os_reason
from xlperf.report.template_check import TemplateError, validate_template

TEMPLATE = Path(xlperf.__file__).parent / "frameworks" / "gz-baiyun.docx"
ENGLISH = re.compile(r"[A-Za-z]{4,}")  # a word of Latin letters: Error, Unexpected, unsafe …
#: Latin words a Chinese message may hold: names of programs, formats and tags
ALLOWED = {"Excel", "docx", "xlsx", "xlsm", "json", "toml", "Word", "WPS", "endfor", "endif", "class", "LibreOffice",
           "department", "money", "report", "template", "FIFO", "socket", "zero", "with", "style"}


def _english(text: str) -> list[str]:
    """Latin words of a message, leaving out what it quotes of the user's file (“…”)."""
    text = re.sub(r"“[^”]*”", "", text)
    return [w for w in ENGLISH.findall(text) if w not in ALLOWED and not w.startswith("xlperf")]


class TestOsErrors:
    @pytest.mark.parametrize("code", [errno.ENOENT, errno.EACCES, errno.EPERM, errno.ENOTDIR, errno.EISDIR,
                                      errno.ENOSPC, errno.EROFS, errno.ENAMETOOLONG, errno.EMFILE, errno.EBUSY,
                                      errno.ELOOP, errno.EIO, errno.EDQUOT, errno.EINVAL])
    def test_common_errors_are_said_in_chinese(self, code: int) -> None:
        """Each common errno has a Chinese reason and a Chinese what-to-do, never an error code."""
        exc = OSError(code, "English text of the system")
        assert not _english(os_reason(exc)) and not _english(os_fix(exc))
        assert "代码" not in os_reason(exc) and str(code) not in os_reason(exc)


@pytest.mark.parametrize("case", CASES)
def test_workbook_errors_name_no_exception(case: str, example_workbook: Path, tmp_path: Path) -> None:
    """Every hostile workbook of hostile_files.CASES: no "（BadZipFile）" or "ValueError" in the message."""
    make, _, _ = CASES[case]
    path = make(example_workbook, tmp_path)
    with pytest.raises(xlperf.XlperfError) as caught:
        open_year(path)
    assert not re.search(r"[A-Z][A-Za-z]*(Error|Exception|ZipFile)\b", str(caught.value)), str(caught.value)


class TestSuggestedNames:
    @pytest.mark.parametrize(("command", "given", "suggested"), [
        ("report", "r.docx.exe", "r.docx"), ("report", "r.txt", "r.docx"), ("report", "报告", "报告.docx"),
        ("export", "d.json.txt", "d.json"), ("export", "d.xlsx", "d.json"),
        ("new", "x.xlsx.bak", "x.xlsx"),
    ])
    def test_the_suggested_name_has_one_suffix(self, command: str, given: str, suggested: str, tmp_path: Path,
                                               example_workbook: Path) -> None:
        argv = {"report": ["report", str(example_workbook)], "export": ["export", str(example_workbook)],
                "new": ["new"]}[command] + ["-o", str(tmp_path / given)]
        (result,) = run_commands([argv])
        assert result["code"] == 2
        assert result["stderr"].rstrip().endswith(f"请改为 {suggested}"), result["stderr"]
        assert list(tmp_path.iterdir()) == []


def _template(tmp_path: Path, tag: str) -> Path:
    """The shipped template with its first {{ department }} replaced by `tag`."""
    out = tmp_path / "模板.docx"
    with zipfile.ZipFile(TEMPLATE) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "word/document.xml":
                data = data.replace(b"{{ department }}", tag.encode("utf-8"), 1)
            target.writestr(item, data)
    return out


class TestTemplateMessages:
    @pytest.mark.parametrize(("tag", "words"), [
        ("{{ ''.__class__ }}", "试图访问程序内部"),
        ("{{ ''.__class__.__mro__[1].__subclasses__() }}", "试图访问程序内部"),
        ("{{ department.__class__.__name__ }}", "试图访问程序内部"),
        ("{% if department == 'x' %}{{ ''.__class__.__mro__ }}{% endif %}", "试图访问程序内部"),
        ("{{ department|money }}", "没有名为“money”的筛选器"),
        ("{% for c in categories %}{{ c }}", "{% endfor %}"),  # (the tag is inside an {% if %}: endif comes first)
        ("{{ department }", "括号不成对"),
        ("{{ department ¥ }}", "不能使用的字符"),
    ])
    def test_refused_in_chinese(self, tag: str, words: str, tmp_path: Path) -> None:
        """The sandbox's refusal and Jinja's errors, in Chinese, naming the template."""
        with pytest.raises(TemplateError) as caught:
            validate_template(_template(tmp_path, tag))
        message = str(caught.value)
        assert words in message and "模板.docx" in message
        assert not _english(message), message

    def test_the_report_itself_is_rendered_in_the_sandbox(self, tmp_path: Path, example_workbook: Path) -> None:
        """`xlperf report --template`: the same refusal as one line, exit 2, no report."""
        template = _template(tmp_path, "{{ ''.__class__.__mro__ }}")
        workbook = shutil.copy(example_workbook, tmp_path / "wb.xlsx")
        (result,) = run_commands([["report", str(workbook), "--template", str(template), "-o", str(tmp_path / "r.docx")]])
        assert result["code"] == 2 and "试图访问程序内部" in result["stderr"]
        assert len(result["stderr"].strip().splitlines()) == 1 and not (tmp_path / "r.docx").exists()
