"""Check a report template before it is used: tags the report does not fill, broken tags.

    check_template("my.docx")        # ["deparment", "c.nmae"]: names the report does not provide
    validate_template("my.docx")     # raises TemplateError, in Chinese, listing every problem

A user's template (`xlperf report … --template my.docx`) is checked before rendering. A misspelt tag
would otherwise come out as nothing at all, and a tag that Word split into pieces (typed in two goes,
or half of it formatted differently) would come out as its own text. Names are checked against the
keys `report_context` gives (plus `chart`, which the renderer adds), and, inside loops, against the keys
of the items looped over: `{{ c.nmae }}` in `{%p for c in categories %}` is reported as "c.nmae".
The trial render uses the example's context and Jinja's sandbox, so a template cannot run code.
"""

from __future__ import annotations

import copy
import re
import zipfile
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..core.errors import XlperfError

__all__ = ["EXTRA_KEYS", "MAX_TEMPLATE_BYTES", "TemplateError", "check_template", "context_keys", "read_template",
           "render_sandboxed", "sample_context", "validate_template", "validate_template_bytes"]

EXTRA_KEYS = ("chart",)  # filled by the renderer, not by the narrative
HELP = "标签一览见说明文档 report-template.md"

_UNKNOWN = object()
_LEFTOVER = re.compile(r"\{\{|\{%|%\}|\}\}|\{#|#\}")


class TemplateError(XlperfError):
    """The report template cannot be used: not a Word document, a broken tag, or an unknown name."""


@lru_cache(maxsize=1)
def _example_context() -> dict[str, Any]:
    from .._open import example_year
    from ..core.engine import score_year
    from ..core.narrative import report_context

    year, fw = example_year()
    return report_context(score_year(fw, year))


def sample_context() -> dict[str, Any]:
    """The example's report context, with a chart placeholder and one 待核实 line so every branch renders."""
    context = copy.deepcopy(_example_context())
    context["chart"] = ""
    context["pending"] = ["（示例）待核实事项"]
    return context


def context_keys() -> frozenset[str]:
    """Every top-level name a template may use."""
    return frozenset(_example_context()) | frozenset(EXTRA_KEYS)


def _environment() -> Any:
    from jinja2.sandbox import SandboxedEnvironment

    return SandboxedEnvironment(autoescape=True)


#: a template is a Word document of some dozens of KB; a logo or a scanned seal may add a few MB
MAX_TEMPLATE_BYTES = 50 * 1024 * 1024


def read_template(path: str | Path) -> bytes:
    """The bytes of a template file: a regular file (a FIFO, a device or a folder is refused as such) of at
    most MAX_TEMPLATE_BYTES, read once, so that what is checked is what is rendered."""
    from ..core import read_limited

    return read_limited(Path(path), MAX_TEMPLATE_BYTES, "报告模板", TemplateError)


def _open(data: bytes, name: str) -> Any:
    import io

    from docx.opc.exceptions import PackageNotFoundError
    from docxtpl import DocxTemplate  # type: ignore[import-untyped]

    from ..workbook import duplicate_part  # one rule for every zip xlperf opens

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            twin = duplicate_part(archive.namelist())  # which copy a program reads would depend on the program
    except (zipfile.BadZipFile, ValueError, EOFError):
        twin = ""  # not a zip: DocxTemplate says so below
    if twin:
        raise TemplateError(f"报告模板 {name} 中有重复的部件“{twin[:60]}”（同名或只差大小写），可能被篡改或损坏",
                            fix="请使用在 Word 或 WPS 中正常保存的 .docx 模板")
    try:
        template = DocxTemplate(io.BytesIO(data))
        template.init_docx()
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, EOFError) as exc:
        raise TemplateError(f"报告模板 {name} 不是有效的 Word 文档（.docx）",
                            fix="请在 Word 或 WPS 中另存为“Word 文档 (*.docx)”后重试") from exc
    return template


def _source(template: Any) -> str:
    """The Jinja source docxtpl makes of the body, headers and footers, one paragraph a line."""
    from docx.opc.oxml import parse_xml

    docx = template.docx
    parts = [template.xml_to_string(docx._element.body)]
    for uri in (template.HEADER_URI, template.FOOTER_URI):
        for rel in docx._part.rels.values():
            if rel.reltype == uri and rel.target_part.blob:
                parts.append(template.xml_to_string(parse_xml(rel.target_part.blob)))
    source = "".join(template.patch_xml(part) for part in parts)
    return re.sub(r"<w:p([ >])", r"\n<w:p\1", source)


def _text_of(xml_line: str) -> str:
    return re.sub(r"<[^>]+>", "", xml_line).strip()


def _parse(template: Any, name: str) -> Any:
    from jinja2 import TemplateSyntaxError

    source = _source(template)
    try:
        return _environment().parse(source)
    except TemplateSyntaxError as exc:
        lines = source.splitlines()
        near = _text_of(lines[exc.lineno - 1]) if exc.lineno and exc.lineno <= len(lines) else ""
        where = f"（出错处附近的文字：“{near[:60]}”）" if near else ""
        raise TemplateError(
            f"报告模板 {name} 的标签写法有误{where}：{_syntax_problem(exc.message or '')}",
            fix="常见原因：{%p for … %} 缺少对应的 {%p endfor %}，{%p if … %} 缺少 {%p endif %}，"
                f"或标签在 Word 中被拆开（请删除整个标签后一次输入完整）。{HELP}") from exc


def _syntax_problem(message: str) -> str:
    """Jinja's English message on a malformed tag, said in Chinese."""
    unclosed = re.search(r"innermost block that needs to be closed is '(\w+)'", message)
    unknown = re.match(r"Encountered unknown tag '([^']{1,40})'", message)
    if unknown and unclosed:
        return f"此处应先用 {{% end{unclosed[1]} %}} 结束“{unclosed[1]}”，却遇到了“{unknown[1]}”"
    if unknown:
        return f"不认识的标签“{unknown[1]}”"
    if message.startswith("Unexpected end of template") and unclosed:
        return f"“{unclosed[1]}”缺少结束标签 {{% end{unclosed[1]} %}}"
    char = re.match(r"unexpected char '(.{1,3})'", message)
    if char:
        return f"标签中有不能使用的字符“{char[1]}”"
    if message.startswith(("unexpected '}'", "unexpected '%'")):
        return "括号不成对（如 {{ … } 或 {% … }）"
    if message.startswith("Expected an expression"):
        return "标签中缺少名称（如空的 {{ }}）"
    if message.startswith("expected token"):
        return "标签中名称或符号的写法不对（多了空格、少了点或引号等）"
    return "无法识别的写法"


def _dotted(node: Any) -> str:
    from jinja2 import nodes

    if isinstance(node, nodes.Name):
        return str(node.name)
    if isinstance(node, nodes.Getattr):
        return f"{_dotted(node.node)}.{node.attr}"
    if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
        return f"{_dotted(node.node)}.{node.arg.value}"
    return "…"


def _key_of(node: Any) -> str | None:
    from jinja2 import nodes

    if isinstance(node, nodes.Getattr):
        return str(node.attr)
    if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
        return node.arg.value
    return None


def _value_of(node: Any, scope: dict[str, Any]) -> Any:
    from jinja2 import nodes

    if isinstance(node, nodes.Name):
        return scope.get(node.name, _UNKNOWN)
    key = _key_of(node)
    if key is not None:
        base = _value_of(node.node, scope)
        return base.get(key, _UNKNOWN) if isinstance(base, dict) else _UNKNOWN
    return _UNKNOWN


def _unknown_attributes(ast: Any, context: dict[str, Any]) -> set[str]:
    """`c.nmae` where `c` loops over dicts that have no key `nmae` (known from the example's data)."""
    from jinja2 import nodes

    found: set[str] = set()

    def visit(node: Any, scope: dict[str, Any]) -> None:
        if isinstance(node, nodes.For):
            visit(node.iter, scope)
            items = _value_of(node.iter, scope)
            sample = next(iter(items), _UNKNOWN) if isinstance(items, list) else _UNKNOWN
            inner = dict(scope, loop=_UNKNOWN)
            for target in node.target.find_all(nodes.Name) if not isinstance(node.target, nodes.Name) else ():
                inner[target.name] = _UNKNOWN
            if isinstance(node.target, nodes.Name):
                inner[node.target.name] = sample
            for child in [*node.body, *([node.test] if node.test else [])]:
                visit(child, inner)
            for child in node.else_:
                visit(child, scope)
            return
        if isinstance(node, nodes.Assign):
            for target in node.target.find_all(nodes.Name):
                scope[target.name] = _UNKNOWN
        key = _key_of(node)
        if key is not None:
            base = _value_of(node.node, scope)
            if isinstance(base, dict) and key not in base and not hasattr(dict, key):
                found.add(f"{_dotted(node.node)}.{key}")
        for child in node.iter_child_nodes():
            visit(child, scope)

    visit(ast, dict(context))
    return found


def check_template(path: str | Path) -> list[str]:
    """The names a template uses that the report does not provide, sorted; [] when all are known.

    Raises TemplateError when the file is not a .docx or a tag is malformed (names cannot be listed).
    """
    path = Path(path)
    return _unknown_names(read_template(path), path.name)


def _unknown_names(data: bytes, name: str) -> list[str]:
    from jinja2 import TemplateError as JinjaError
    from jinja2 import meta

    template = _open(data, name)
    ast = _parse(template, name)
    private = _private_attribute(ast)
    if private:
        raise _refused(name, private)
    env = _environment()
    known = context_keys() | frozenset(env.globals)
    try:  # both compile the template: an unknown filter is found here
        unknown = {tag for tag in meta.find_undeclared_variables(ast) if tag not in known}
        # docxtpl's own listing (body, headers, footers) agrees with ours: use it as the reference for names
        unknown |= set(template.get_undeclared_template_variables(jinja_env=env, context=dict.fromkeys(known)))
    except JinjaError as exc:
        raise _jinja_problem(exc, name, "检查") from exc
    return sorted(unknown | _unknown_attributes(ast, sample_context()))


def _private_attribute(ast: Any) -> str:
    """The first `x.__class__` or `x["_y"]` of a template, "" when none: the sandbox refuses them anyway,
    but a template that tries is refused outright, in Chinese, before anything is rendered."""
    from jinja2 import nodes

    for node in ast.find_all((nodes.Getattr, nodes.Getitem)):
        key = _key_of(node)
        if key is not None and key.startswith("_"):
            return f"{_dotted(node.node)}.{key}"
    return ""


def _refused(name: str, what: str = "") -> TemplateError:
    shown = f"（“{what[:40]}”）" if what else ""
    return TemplateError(f"报告模板 {name} 中有标签试图访问程序内部{shown}，为安全起见拒绝使用该模板",
                         fix=f"请删去以下划线开头的属性（如 __class__），只用报告提供的数据。{HELP}")


def _jinja_problem(exc: Exception, name: str, doing: str) -> TemplateError:
    """A Jinja error of a template, in Chinese (Jinja's own messages are English)."""
    unknown = re.search(r"No (filter|test) named '([^']{1,40})'", str(exc))
    if unknown:
        kind = "筛选器" if unknown[1] == "filter" else "判断"
        return TemplateError(f"报告模板 {name} {doing}时出错：没有名为“{unknown[2]}”的{kind}",
                             fix=f"请检查标签中“|”后面的写法，或删去它。{HELP}")
    return TemplateError(f"报告模板 {name} {doing}时出错（标签或筛选器的写法有误）", fix=f"请检查模板中的标签与筛选器写法。{HELP}")


def _leftovers(template: Any) -> list[str]:
    """Texts of rendered paragraphs that still hold a tag's brackets (a tag Word split apart)."""
    from docx.oxml.ns import qn

    found = []
    docx = template.docx
    parts = [docx._element.body]
    for rel in docx._part.rels.values():
        if rel.reltype in (template.HEADER_URI, template.FOOTER_URI):
            parts.append(rel.target_part.element)
    for part in parts:
        for paragraph in part.iter(qn("w:p")):
            text = "".join(t.text or "" for t in paragraph.iter(qn("w:t")))
            if _LEFTOVER.search(text) and text not in found:
                found.append(text)
    return found


def validate_template(path: str | Path) -> None:
    """Raise TemplateError, in Chinese, unless the template can render the report: a readable .docx,
    well-formed tags, only names the report provides, and no tag left over after a trial render."""
    path = Path(path)
    validate_template_bytes(read_template(path), path.name)


def validate_template_bytes(data: bytes, name: str) -> None:
    """validate_template on the bytes of a template file named `name` (as read by read_template)."""
    unknown = _unknown_names(data, name)
    if unknown:
        names = "、".join(f"“{name}”" for name in unknown)
        raise TemplateError(f"报告模板 {name} 中有 {len(unknown)} 个标签不是报告提供的数据：{names}",
                            fix="请检查拼写（区分大小写），或删去这些标签；在 Word 中修改标签时请删除整个标签后"
                                f"一次输入完整。{HELP}")
    template = _open(data, name)
    render_sandboxed(template, sample_context(), name, trial=True)
    leftovers = _leftovers(template)
    if leftovers:
        shown = "；".join(f"“{text[:40]}”" for text in leftovers[:5])
        raise TemplateError(f"报告模板 {name} 中有 {len(leftovers)} 处标签未能识别，生成后仍原样留在文中：{shown}",
                            fix="这通常是标签在 Word 中被拆开了（分两次输入，或只给标签的一部分改了格式）。"
                                f"请删除整个标签，一次输入完整后再保存。{HELP}")


def render_sandboxed(template: Any, context: dict[str, Any], name: str, *, trial: bool = False) -> None:
    """Render in Jinja's sandbox (a template cannot run code); its refusals and errors in Chinese."""
    from jinja2 import TemplateError as JinjaError
    from jinja2.exceptions import SecurityError, UndefinedError

    doing = "试生成报告" if trial else "生成报告"
    try:
        template.render(context, jinja_env=_environment(), autoescape=True)
    except SecurityError as exc:
        raise _refused(name) from exc
    except UndefinedError as exc:
        raise TemplateError(f"报告模板 {name} {doing}时出错：标签用到了报告数据中没有的名称或属性",
                            fix=f"请检查标签中名称的拼写（区分大小写）。{HELP}") from exc
    except JinjaError as exc:
        raise _jinja_problem(exc, name, doing) from exc
