"""Chinese wording for argparse's own messages (usage errors must be one Chinese line)."""

from __future__ import annotations

import argparse
import re

_PATTERNS = [
    (r"usage: ", "用法："),
    (r"positional arguments", "参数"),
    (r"options", "选项"),
    (r"show this help message and exit", "显示本帮助并退出"),
    (r"the following arguments are required: %s", "缺少必填参数：%s"),
    (r"unrecognized arguments: %s", "无法识别的参数：%s"),
    (r"invalid choice: %(value)r \(choose from %(choices)s\)", "无效的选项 %(value)r（可选：%(choices)s）"),
    (r"argument %(argument_name)s: %(message)s", "参数 %(argument_name)s：%(message)s"),
    (r"expected one argument", "需要一个值"),
    (r"%(prog)s: error: %(message)s\n", "%(prog)s：错误：%(message)s\n"),
    (r"ambiguous option: %(option)s could match %(matches)s", "选项 %(option)s 有歧义，可能是 %(matches)s"),
    (r"invalid %(type)s value: %(value)r", "无效的值 %(value)r"),
    (r"not allowed with argument %s", "不能与参数 %s 同时使用"),
]
_TABLE = {re.sub(r"\\(.)", r"\1", k): v for k, v in _PATTERNS}


def _translate(message: str) -> str:
    return _TABLE.get(message, message)


def install() -> None:
    """argparse looks its messages up through the module-level `_` at call time."""
    argparse._ = _translate  # type: ignore[attr-defined]
