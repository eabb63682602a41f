"""Chinese wording for argparse's own messages (usage errors must be one Chinese line)."""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn

_TABLE = {
    "usage: ": "用法：",
    "positional arguments": "参数",
    "options": "选项",
    "show this help message and exit": "显示本帮助并退出",
    "the following arguments are required: %s": "缺少必填参数：%s",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "invalid choice: %(value)r (choose from %(choices)s)": "无效的值 %(value)r（可选：%(choices)s）",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "expected one argument": "需要一个值",
    "ambiguous option: %(option)s could match %(matches)s": "选项 %(option)s 有歧义，可能是 %(matches)s",
    "invalid %(type)s value: %(value)r": "无效的值 %(value)r",
    "not allowed with argument %s": "不能与参数 %s 同时使用",
}


def _translate(message: str) -> str:
    return _TABLE.get(message, message)


def install() -> None:
    """argparse looks its messages up through the module-level `_` at call time."""
    argparse._ = _translate  # type: ignore[attr-defined]


class _Formatter(argparse.HelpFormatter):
    """The list of commands without argparse's extra line for the sub-command placeholder."""

    def _format_action(self, action: argparse.Action) -> str:
        if isinstance(action, argparse._SubParsersAction):
            return "".join(self._format_action(choice) for choice in action._get_subactions())
        return super()._format_action(action)


class ArgumentParser(argparse.ArgumentParser):
    """Usage errors as one Chinese line on stderr, exit status 2."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def error(self, message: str) -> NoReturn:
        print(f"xlperf：用法错误：{message}（运行 {self.prog} -h 查看用法）", file=sys.stderr)
        sys.exit(2)
