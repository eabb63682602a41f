"""The 使用说明 sheet of both editions, and what only the macro workbook (.xlsm) has: the xlwings.conf
sheet and the buttons.

The buttons call the macros of xlperf.workbook.vba; the xlwings.conf sheet tells xlwings where the UDFs
are. Everything a clerk reads is Chinese, in cells (VBA source must stay ASCII).
"""

from __future__ import annotations

from xlsxwriter.worksheet import Worksheet

from ..core.frameworks import Framework, PrintRules
from . import _print, vba
from . import layout as L
from ._formats import TEXT_WIDTH
from ._formats import Formats as _Formats
from ._formats import height as _height
from ._formats import text as _text
from ._formats import title as _title

#: The settings written to the xlwings.conf sheet. Only keys with a real value: xlwings reads a key
#: present with an empty value as "" and lets it override the user's own xlwings config file.
CONFIG = {"UDF Modules": vba.UDF_MODULE}
#: Where the clerk adds Interpreter_Win if xlwings does not find Python by itself: the row after the keys
INTERPRETER_KEY, INTERPRETER_VALUE = f"A{len(CONFIG) + 1}", f"B{len(CONFIG) + 1}"
PYTHONW_EXAMPLE = r"C:\Users\用户名\AppData\Local\Programs\Python\Python311\pythonw.exe"

#: (macro, caption) of the two buttons, on 使用说明 and on the 评分表
BUTTONS = ((vba.GENERATE_REPORT, "生成报告"), (vba.CHECK_WORKBOOK, "检查填报"))
#: pixels; on the 评分表 both buttons fit in the 评分标准 cell of the title row (194 pixels wide)
BUTTON_WIDTH, BUTTON_HEIGHT, BUTTON_GAP = 88, 30, 10
NOTE_WIDTH = 80  # characters: the notes of the xlwings.conf sheet (column D)

SHEET_PURPOSES = {
    L.GUIDE_SHEET: "本页：安装、设置和使用方法。",
    L.INFO_SHEET: "单位名称、年度、评分框架，以及部门概况、职能、年度工作等文字。",
    L.FACTS_SHEET: "预算、决算、结转结余、“三公”经费等数据，只填数字，单位见每行的“单位”列。",
    L.TARGETS_SHEET: "年初设定的绩效目标及完成情况，每个目标一行；定量目标填目标值和实际值，定性目标选完成情况。",
    L.SCORESHEET: "各项指标的填报值和扣分原因（黄色）；自评得分、扣分、评分说明、小计和总分由 Python 自动计算（绿色）。",
    L.PROJECTS_SHEET: "各项目的预算数、决算数、产出和效益，每个项目一行。",
    L.ISSUES_SHEET: "自评结论、主要成绩、存在问题和改进措施。",
    L.CONFIG_SHEET: "Python 的连接设置（xlwings 读取），平时隐藏，一般只需设置一次，见上方“设置 Python 路径”。",
}


def insert_buttons(ws: Worksheet, row: int, col: int, x_offset: int = 6, y_offset: int = 4) -> None:
    """The two form buttons side by side, floating over the cell (row, col) and those to its right."""
    for i, (macro, caption) in enumerate(BUTTONS):
        ws.insert_button(row, col, {"macro": macro, "caption": caption, "width": BUTTON_WIDTH,
                                    "height": BUTTON_HEIGHT, "x_offset": x_offset + i * (BUTTON_WIDTH + BUTTON_GAP),
                                    "y_offset": y_offset})


EDITIONS = ("本工作簿有两个版本，表格和填写方法完全相同，xlperf 命令两个都能读取：\n"
            "· .xlsm（宏版）：用于装有 Python 和 xlperf 的 Windows 版 Excel。自评得分由 Python 计算，附评分说明，"
            "并有“检查填报”“生成报告”两个按钮。\n"
            "· .xlsx（公式版）：用于 WPS、没有 Python 或宏被禁用的 Excel，以及手机、聊天软件中的预览。自评得分、小计、"
            "总分和等级由 Excel 自带公式计算，填写后立即更新；检查填报和生成报告请用 xlperf 命令，或交给装有 "
            "xlperf 的同事。\n"
            "打开 .xlsm 时看到“未能调用 Python”的提示或错误值、又无法安装 Python 的，请改用 .xlsx 版"
            "（xlperf new -o 绩效自评.xlsx 生成空白的公式版）。")


def guide(ws: Worksheet, fmt: _Formats, fw: Framework, xlwings_version: str | None) -> None:
    """The 使用说明 sheet. With `xlwings_version`, the macro workbook's: what to install, how to point
    xlwings at Python, what each sheet and button does. Without, the .xlsx edition's: native formulas,
    no buttons, the xlperf commands. Both say which edition is for whom."""
    heading_width, text_width = 18, TEXT_WIDTH
    ws.set_column(0, 0, heading_width)
    ws.set_column(1, 1, text_width)
    ws.merge_range(0, 0, 0, 1, f"使用说明：{fw.locality}{fw.year}年度部门整体支出绩效自评", fmt.title)
    ws.set_row(0, 30)
    row = 1
    if xlwings_version is not None:
        _text(ws, row, 0, "操作按钮", fmt.label)
        ws.write_blank(row, 1, None, fmt.label)
        ws.set_row(row, BUTTON_HEIGHT * 0.75 + 10)  # points
        insert_buttons(ws, row, 1)
        row += 1
        sections = _macro_sections(fw, xlwings_version)
    else:
        sections = _formula_sections(fw)
    for heading, text in sections:
        _text(ws, row, 0, heading, fmt.group)
        _text(ws, row, 1, text, fmt.label)
        ws.set_row(row, _height([(text, text_width)]))
        row += 1
    ws.freeze_panes(2 if xlwings_version is not None else 1, 0)
    _print.page_setup(ws, fw.print, title=_title(fw))


def _sheet_purposes(macro: bool) -> str:
    purposes = dict(SHEET_PURPOSES)
    if not macro:
        del purposes[L.CONFIG_SHEET]
        purposes[L.GUIDE_SHEET] = "本页：两个版本的区别和使用方法。"
        purposes[L.SCORESHEET] = ("各项指标的填报值和扣分原因（黄色）；自评得分、扣分、小计、总分和等级由公式自动计算（绿色），"
                                  "评分说明由 xlperf 生成。")
    return "\n".join(f"{name}：{purpose}" for name, purpose in purposes.items())


def _macro_sections(fw: Framework, xlwings_version: str) -> tuple[tuple[str, str], ...]:
    return (
        ("这个工作簿", (f"用于填写{fw.locality}{fw.year}年度部门整体支出绩效自评（评分框架 {fw.id}）。"
                   "在黄色单元格填写数据；评分表的自评得分、扣分和评分说明由 Python 按评分框架自动计算，"
                   "并可一键检查填报、生成自评报告。")),
        ("两个版本", EDITIONS),
        ("需要安装", ("1. Windows 版桌面 Excel（Excel 2013 或更高版本，含 Microsoft 365）；WPS 不能运行本工作簿的公式和按钮，"
                  "请用 .xlsx 版。\n"
                  "2. Python 3.11 或更高版本的 64 位版（python.org 下载；安装时勾选“Add python.exe to PATH”）。\n"
                  "3. 安装 xlperf：在“命令提示符”中运行 py -m pip install 加上信息部门提供的安装包路径，"
                  f"如 py -m pip install xlperf-0.1.0-py3-none-any.whl（会同时安装 xlwings {xlwings_version}。"
                  f"本工作簿内置的正是 xlwings {xlwings_version} 的宏代码，请不要单独升级或降级 xlwings）。\n"
                  "4. 打开本工作簿时，点击提示栏上的“启用内容”（启用宏）。文件来自网络或邮件时，"
                  "先关闭 Excel，右键点击文件 →“属性”→ 勾选“解除锁定”→“确定”，再打开。")),
        ("设置 Python 路径", ("安装 Python 时已勾选加入 PATH 的，一般无需设置。否则（或电脑上有多个 Python 时）："
                         f"打开“{L.CONFIG_SHEET}”工作表（该表已隐藏：右键点击任一工作表标签 →“取消隐藏”→ 选择 "
                         f"{L.CONFIG_SHEET}），在 {INTERPRETER_KEY} 单元格填写 Interpreter_Win，"
                         f"在 {INTERPRETER_VALUE} 单元格填写 pythonw.exe 的完整路径，例如 {PYTHONW_EXAMPLE}"
                         "（在命令提示符中运行 where python 可查到 python.exe 所在的文件夹，pythonw.exe 在同一文件夹）。"
                         "A 列各项必须从第 1 行起连续填写，中间不能有空行；不要修改“UDF Modules”一行。")),
        ("各工作表", _sheet_purposes(macro=True)),
        ("两个按钮", ("生成报告：先检查填报，有错误时提示先修改，不生成报告；没有错误时，在本工作簿所在的文件夹"
                  "生成 Word 格式的自评报告“工作簿名-自评报告.docx”（已有同名文件时依次名为 …(2).docx、…(3).docx，"
                  "不覆盖旧报告，也不改动本工作簿）。工作簿须先保存在本机文件夹中。需要 PDF 时，在 Word 中"
                  "“另存为 PDF”。\n"
                  "检查填报：检查漏填、错填和前后对不上的数字，结果写入“校验结果”工作表（点击可跳到对应单元格），"
                  "并弹出汇总。\n"
                  f"本页和“{L.SCORESHEET}”顶部各有这两个按钮。按钮和自评得分公式需要上面安装的 Excel 和 Python。")),
        ("填写约定", FILLING),
        ("WPS、Mac 或 Linux", ("这些软件不能运行本工作簿的宏和自评得分公式：评分表显示的是上次在 Excel 中保存的结果，"
                             "修改填报值后显示错误值（不会显示错误的分数），按钮也不能使用。请改用 .xlsx 版；"
                             "或照常在黄色单元格填写并保存，然后在命令行中运行 "
                             "xlperf check 文件名.xlsm（检查填报）、xlperf score 文件名.xlsm（计分）和 "
                             "xlperf report 文件名.xlsm（生成报告，加 --pdf 同时转为 PDF）。")),
        ("遇到问题", ("评分表顶部出现“未能调用 Python”的提示：Excel 未能启动 Python，请按上面的步骤安装 Python 和 "
                  "xlperf、设置 Python 路径，然后按 Ctrl+Alt+F9 重新计算；单位电脑不允许 Office 启动其他程序时，"
                  "请改用 .xlsx 版。\n"
                  "点击按钮后弹出错误窗口：窗口最后几行说明了原因，可截图发给维护人员。\n"
                  f"本工作簿内置 xlwings {xlwings_version} 的宏代码；安装的 xlwings 版本不同时，宏会报找不到 "
                  f"xlwings64-{xlwings_version}.dll，请运行 pip install xlperf 重新安装。")),
    )


FILLING = ("黄色单元格由单位填写；绿色单元格由程序计算，请勿修改。工作表已保护（没有密码），"
           "只有黄色单元格可以填写；需要调整格式时，点击“审阅”→“撤销工作表保护”即可。")


def _formula_sections(fw: Framework) -> tuple[tuple[str, str], ...]:
    return (
        ("这个工作簿", (f"用于填写{fw.locality}{fw.year}年度部门整体支出绩效自评（评分框架 {fw.id}）。"
                   "在黄色单元格填写数据；评分表的自评得分、扣分、一级指标小计、总分和等级由 Excel 公式按评分框架"
                   "自动计算，不需要 Python，也没有宏。Excel 2010 及以上版本、WPS 表格和 LibreOffice 都能打开和计算。")),
        ("两个版本", EDITIONS),
        ("各工作表", _sheet_purposes(macro=False)),
        ("自评得分", (f"填写后得分立即更新。某项指标显示“无法计分”时，看同一行的“评分说明”：它写明要填哪些数据；"
                  "数字请直接填写阿拉伯数字，不要带单位、百分号或文字，判断类指标从下拉列表中选择。"
                  "所有指标都有得分后，才显示总分和等级。\n"
                  "评分说明的文字由 xlperf 生成：填报值改动后，该行显示“得分已按新的填报值计算”，"
                  "运行 xlperf report 生成报告时会写出完整的评分说明。")),
        ("检查和报告", ("检查漏填、错填和前后对不上的数字：xlperf check 文件名.xlsx；生成自评报告：xlperf report 文件名.xlsx"
                   "（加 --pdf 同时转为 PDF）。没有安装 xlperf 的，可把填好的文件交给装有 xlperf 的同事或财政部门。")),
        ("填写约定", FILLING),
    )


def config(ws: Worksheet, fmt: _Formats) -> None:
    """The xlwings.conf sheet: keys in column A from A1, values in column B, no header, no blank row.

    xlwings (GetConfigFromSheet in xlwings.bas) reads A1 down to the first blank cell and the cell to
    the right of each key; column D, where the notes are, is never read. The sheet is hidden (xlwings
    reads a hidden sheet all the same): a clerk who needs it unhides it, as 使用说明 says."""
    ws.hide()
    ws.set_column(0, 0, 20)
    ws.set_column(1, 1, 60)
    ws.set_column(2, 2, 2)
    ws.set_column(3, 3, NOTE_WIDTH)
    for row, (key, value) in enumerate(CONFIG.items()):
        _text(ws, row, 0, key, fmt.fixed)
        _text(ws, row, 1, value, fmt.fixed)
    for cell in (INTERPRETER_KEY, INTERPRETER_VALUE):  # shaded as input: where Interpreter_Win goes if needed
        ws.write_blank(cell, None, fmt.input_short)
    notes = (
        ("本表是 xlwings（Excel 调用 Python 的组件）的设置：A 列为设置项，B 列为值，从第 1 行起连续填写，"
         "中间不能有空行。C 列及右侧不会被读取。"),
        "UDF Modules：评分表公式所用的 Python 模块，请勿修改。",
        ("Interpreter_Win：Python 的位置。安装 Python 时已加入 PATH 的无需设置；否则在 "
         f"{INTERPRETER_KEY} 填 Interpreter_Win，在 {INTERPRETER_VALUE} 填 pythonw.exe 的完整路径，如 {PYTHONW_EXAMPLE}。"),
        "不要只填 Interpreter_Win 而让 B 列空着：空值会让本机 xlwings 设置文件中的 Python 路径失效。",
    )
    for i, note in enumerate(notes):
        _text(ws, i, 3, note, fmt.note)
        ws.set_row(i, _height([(note, NOTE_WIDTH)]))
    _print.page_setup(ws, PrintRules(), landscape=True)  # xlwings' settings: not the framework's business

