"""The report as PDF, converted by LibreOffice running headless.

    if libreoffice_available():
        convert_to_pdf("自评报告.docx", "自评报告.pdf")

Each conversion runs its own LibreOffice with a fresh, throw-away user profile (so a LibreOffice the
user has open, or a second conversion running at the same time, does not swallow the job), on a copy
of the document in a temporary folder (so no lock file appears beside the user's file), with stdin
closed and a time limit after which LibreOffice is killed. LibreOffice runs in a process group of its
own, with its temporary files inside that folder: when the time is up, or xlperf is interrupted (Ctrl-C,
or SIGTERM/SIGHUP, which `xlperf.cli.main` turns into KeyboardInterrupt), the whole group is killed and
the folder removed. The PDF is moved into place in one step: a failure never leaves a partial or empty
file, and an existing PDF stays as it was.

Fonts. The report names the fonts of official documents (仿宋_GB2312, 楷体_GB2312, 方正小标宋简体, 黑体,
宋体), which a Linux machine rarely has; left to itself LibreOffice then sets every one of them in the same
fallback face (Noto Sans CJK, with Japanese shapes), and the 黑体 and 楷体 headings look like the body.
Where LibreOffice finds its fonts through fontconfig (Linux and other Unix, not Windows or macOS), each
conversion is given a fontconfig file of its own (FONTCONFIG_FILE, in the temporary folder) that keeps the
system's configuration and names a stand-in of the same kind for each missing font: 仿宋 and 宋体 a
Song/Ming serif (Noto Serif CJK SC; its bold face for the heavy 小标宋 of the title), 黑体 a sans (Noto Sans
CJK SC), 楷体 a Kai face (AR PL UKai CN, else the serif), all in their simplified-Chinese forms. The Latin
text of 宋体 (the page numbers "— 1 —", digits in 宋体 as GB/T 9704 asks) goes to a Latin serif, whose em
dash and space are as wide as the page number needs. Installed fonts are left alone; when no stand-in is
installed the configuration is not changed. `convert_to_pdf(..., notes=...)` says in Chinese which fonts
were replaced, since the PDF then differs from what Word shows on a machine that has them.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape, unescape

from .._files import atomic_write
from ..core import os_reason
from ..core.errors import XlperfError

__all__ = ["MISSING_MESSAGE", "FontPlan", "convert_to_pdf", "find_soffice", "font_plan", "libreoffice_available"]

MISSING_MESSAGE = "未找到 LibreOffice，无法转换为 PDF"
MISSING_FIX = "请安装 LibreOffice，或在 Word 中另存为 PDF"
FAILED_FIX = "可以在 Word 或 WPS 中打开该文档，另存为 PDF"

# where the installers put it when it is not on PATH
_KNOWN_PLACES = (
    r"C:\Program Files\LibreOffice\program\soffice.exe",
    r"C:\Program Files (x86)\LibreOffice\program\soffice.exe",
    "/Applications/LibreOffice.app/Contents/MacOS/soffice",
)


def find_soffice() -> str | None:
    """LibreOffice's program: `soffice` or `libreoffice` on PATH, else its usual install place, else None."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    places = list(_KNOWN_PLACES)
    for variable in ("ProgramFiles", "ProgramW6432", "ProgramFiles(x86)"):
        if os.environ.get(variable):
            places.insert(0, str(Path(os.environ[variable]) / "LibreOffice" / "program" / "soffice.exe"))
    for place in places:
        if (sys.platform == "win32") == place.endswith(".exe") and Path(place).is_file():
            return place
    return None


def libreoffice_available() -> bool:
    """Whether convert_to_pdf can run on this machine."""
    return find_soffice() is not None


def convert_to_pdf(docx_path: str | Path, pdf_path: str | Path, timeout: float = 120, *,
                   overwrite: bool = True, notes: list[str] | None = None) -> Path:
    """Convert a .docx into a PDF at `pdf_path` with LibreOffice; raise XlperfError (in Chinese) when it
    cannot: LibreOffice missing, conversion failed, or slower than `timeout` seconds.

    `notes`, when given, gets a Chinese sentence naming the document's fonts this machine lacks and what
    the PDF shows instead (see the module's notes on fonts).
    """
    docx, pdf = Path(docx_path), Path(pdf_path)
    if not docx.is_file():
        raise XlperfError(f"找不到要转换的文档：{docx}", fix="请先生成报告")
    soffice = find_soffice()
    if soffice is None:
        raise XlperfError(MISSING_MESSAGE, fix=MISSING_FIX)

    plan = font_plan(_document_fonts(docx))

    def write(target: Path) -> None:
        with tempfile.TemporaryDirectory(prefix="xlperf-pdf-", ignore_cleanup_errors=True) as work:
            folder = Path(work)
            # a copy with a plain name (LibreOffice names its output after it, and locks it while open)
            source = folder / "in" / "report.docx"
            source.parent.mkdir()
            shutil.copyfile(docx, source)
            out = folder / "out"
            # LibreOffice's own temporary files go inside this folder: removed with it, even when
            # LibreOffice is killed (on a timeout, or when xlperf is stopped from outside)
            scratch = folder / "tmp"
            scratch.mkdir()
            env = dict(os.environ, TMPDIR=str(scratch), TMP=str(scratch), TEMP=str(scratch))
            if plan.config:
                config = folder / "fonts.conf"
                config.write_text(plan.config, encoding="utf-8")
                env["FONTCONFIG_FILE"] = str(config)
            command = [soffice, "--headless", "--invisible", "--norestore", "--nologo", "--nodefault",
                       "--nolockcheck", f"-env:UserInstallation={(folder / 'profile').as_uri()}",
                       "--convert-to", "pdf:writer_pdf_Export", "--outdir", str(out), str(source)]
            detail = _run(command, timeout, docx.name, env)
            produced = out / "report.pdf"
            if not produced.is_file() or not _is_pdf(produced):
                raise XlperfError(f"LibreOffice 未能将 {docx.name} 转换为 PDF{detail}", fix=FAILED_FIX)
            shutil.copyfile(produced, target)

    written = atomic_write(pdf, write, overwrite=overwrite, suffixes=(".pdf",), protect=(docx,))
    if notes is not None and plan.note:
        notes.append(plan.note)
    return written


def _run(command: list[str], timeout: float, name: str, env: dict[str, str] | None = None) -> str:
    """Run LibreOffice; on failure raise, else return its last message line (as "（…）") for errors later."""
    options: dict[str, object] = {"env": env}
    if sys.platform == "win32":
        no_window = getattr(subprocess, "CREATE_NO_WINDOW", 0)
        options["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP | no_window
    else:
        options["start_new_session"] = True  # its own process group: a timeout kills every process it started
    try:
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, **options)  # type: ignore[call-overload]
    except OSError as exc:
        raise XlperfError(f"无法启动 LibreOffice（{command[0]}）：{os_reason(exc)}", fix=MISSING_FIX) from exc
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill(process)
        raise XlperfError(f"LibreOffice 转换 {name} 超时（超过 {timeout:g} 秒），已中止",
                          fix="请关闭其他正在运行的 LibreOffice 后重试，或在 Word 中另存为 PDF") from None
    except BaseException:
        _kill(process)
        raise
    lines = [line.strip() for line in (stderr + stdout).decode(errors="replace").splitlines() if line.strip()]
    detail = f"（{lines[-1][:200]}）" if lines else ""
    if process.returncode != 0:
        raise XlperfError(f"LibreOffice 未能将 {name} 转换为 PDF（退出代码 {process.returncode}）{detail}",
                          fix=FAILED_FIX)
    return detail


def _kill(process: subprocess.Popen[bytes]) -> None:
    """Kill LibreOffice and what it started (the launcher starts soffice.bin), then reap it."""
    try:
        if sys.platform == "win32":
            subprocess.run(["taskkill", "/F", "/T", "/PID", str(process.pid)], stdin=subprocess.DEVNULL,
                           capture_output=True, timeout=30, check=False)
        else:
            os.killpg(process.pid, signal.SIGKILL)
    except (OSError, subprocess.SubprocessError):
        pass
    try:
        process.kill()
    except OSError:
        pass
    try:
        process.communicate(timeout=10)
    except subprocess.TimeoutExpired:  # a grandchild that left the group still holds the pipes: stop reading
        for pipe in (process.stdout, process.stderr):
            if pipe is not None:
                pipe.close()
        process.wait(timeout=10)


def _is_pdf(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(5) == b"%PDF-"


# --- fonts ----------------------------------------------------------------------------------------

# Stand-ins, best first, by the kind of face they replace; only installed ones are named in the config.
_SERIF = ("Noto Serif CJK SC", "Source Han Serif SC", "AR PL UMing CN")
_SANS = ("Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei")
_KAI = ("AR PL UKai CN", *_SERIF)  # a real Kai face (Debian: fonts-arphic-ukai), else the Song serif
_SONG_NAMES = ("宋体", "SimSun", "新宋体", "NSimSun")
_HEAVY_NAMES = ("方正小标宋简体", "方正小标宋_GBK")  # 小标宋, the titles' heavy Song: the serif's bold face
STAND_INS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(("仿宋_GB2312", "仿宋", "FangSong", "FangSong_GB2312", "方正仿宋_GBK", "方正仿宋简体",
                     *_HEAVY_NAMES, "华文中宋", "STZhongsong", *_SONG_NAMES, "华文宋体", "STSong"), _SERIF),
    **dict.fromkeys(("黑体", "SimHei", "方正黑体_GBK", "方正黑体简体", "华文黑体", "STHeiti"), _SANS),
    **dict.fromkeys(("楷体_GB2312", "楷体", "KaiTi", "KaiTi_GB2312", "方正楷体_GBK", "方正楷体简体", "华文楷体",
                     "STKaiti"), _KAI),
}
# Latin text: Times New Roman's metric twin first (lines break as in Word), then any Latin serif. The
# Latin text of 宋体 is the page number "— 1 —": a wider serif, so the dashes and spaces keep their room
# (the CJK serif's own space and em dash are narrow, and "— 1 —" would shrink to "—1—").
_TIMES = ("Liberation Serif", "Tinos", "DejaVu Serif")
_SONG_LATIN = ("DejaVu Serif", "Liberation Serif")
# LibreOffice asks for a run's Latin text with its Latin language, for its Chinese text with its Asian one
_CJK_LANGS = ("zh-cn", "zh-sg", "zh-tw", "zh-hk", "zh-mo", "ja", "ko")
_SYSTEM_CONFIGS = ("/etc/fonts/fonts.conf", "/usr/local/etc/fonts/fonts.conf")


@dataclass(frozen=True)
class FontPlan:
    """What a conversion does about fonts: `config` the fontconfig file to give LibreOffice (None: leave
    its configuration alone), `replaced` each missing font of the document and the face standing in for
    it ("" when none is installed), `note` the Chinese sentence for the user ("" when nothing is missing)."""

    config: str | None = None
    replaced: dict[str, str] = field(default_factory=dict)
    note: str = ""


def font_plan(used: Iterable[str], installed: set[str] | None = None,
              system_config: Path | None = None) -> FontPlan:
    """The fontconfig file and note for a document that names the fonts `used`.

    `installed` are the font family names of this machine (default: asked of fontconfig; None where
    LibreOffice does not use fontconfig or it cannot be asked, and then nothing is done); `system_config`
    the configuration to keep (default: FONTCONFIG_FILE or /etc/fonts/fonts.conf).
    """
    if installed is None:
        installed = _installed_families()
        if installed is None:
            return FontPlan()
    folded = {name.casefold() for name in installed}

    def present(name: str) -> bool:
        return name.casefold() in folded

    rules: list[str] = []
    replaced: dict[str, str] = {}
    used = list(dict.fromkeys(used))
    for name, candidates in STAND_INS.items():
        if present(name):
            continue
        stand_ins = [c for c in candidates if present(c)]
        if name in used:
            replaced[name] = stand_ins[0] if stand_ins else ""
        if not stand_ins:
            continue
        if name in _SONG_NAMES:
            latin = [c for c in _SONG_LATIN if present(c)]
            if latin:
                # the first language is the one asked for; fontconfig appends the locale's after it
                not_cjk = "".join(f'<test qual="first" name="lang" compare="not_contains"><string>{lang}'
                                  '</string></test>' for lang in _CJK_LANGS)
                rules.append(f'<match target="pattern"><test name="family"><string>{escape(name)}</string></test>'
                             f'{not_cjk}<edit name="family" mode="prepend" binding="same">{_strings(latin)}'
                             '</edit></match>')
        heavy = '<edit name="weight" mode="assign"><const>bold</const></edit>' if name in _HEAVY_NAMES else ""
        rules.append(f'<match target="pattern"><test name="family"><string>{escape(name)}</string></test>'
                     f'<edit name="lang" mode="assign"><string>zh-cn</string></edit>{heavy}</match>')
        rules.append(f'<alias binding="same"><family>{escape(name)}</family><prefer>'
                     + "".join(f"<family>{escape(c)}</family>" for c in stand_ins) + "</prefer></alias>")
    if not present("Times New Roman"):
        latin = [c for c in _TIMES if present(c)]
        if latin and rules:
            rules.append('<alias binding="same"><family>Times New Roman</family><prefer>'
                         + "".join(f"<family>{escape(c)}</family>" for c in latin) + "</prefer></alias>")
    base = system_config or _system_fontconfig()
    config = None
    if rules and base is not None:
        config = ('<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n'
                  "<!-- written by xlperf for one LibreOffice conversion: stand-ins for missing fonts -->\n"
                  f"<fontconfig>\n<include>{escape(str(base))}</include>\n" + "\n".join(rules) + "\n</fontconfig>\n")
    return FontPlan(config, replaced, _font_note(replaced, configured=config is not None))


def _strings(values: Iterable[str]) -> str:
    return "".join(f"<string>{escape(v)}</string>" for v in values)


def _font_note(replaced: dict[str, str], *, configured: bool) -> str:
    if not replaced:
        return ""
    names = list(replaced)
    missing = "、".join(names[:5]) + ("等" if len(names) > 5 else "")
    stand_ins = list(dict.fromkeys(v for v in replaced.values() if v)) if configured else []
    instead = f"PDF 中以 {'、'.join(stand_ins)} 代替" if stand_ins else "PDF 中由 LibreOffice 以其他字体代替"
    return f"本机缺少{missing}字体，{instead}；在装有这些字体的 Windows 电脑上用 Word 另存为 PDF 可得到标准字体。"


def _installed_families() -> set[str] | None:
    """Family names fontconfig knows (every name of each font, e.g. both "SimHei" and "黑体"), or None."""
    if sys.platform in ("win32", "darwin"):  # LibreOffice finds fonts without fontconfig there
        return None
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return None
    try:
        result = subprocess.run([fc_list, "--format", "%{family}\n"], stdin=subprocess.DEVNULL,
                                capture_output=True, timeout=30, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    text = result.stdout.decode("utf-8", errors="replace")
    return {name.strip() for line in text.splitlines() for name in line.split(",") if name.strip()}


def _system_fontconfig() -> Path | None:
    """The configuration fontconfig reads now, for the generated one to include (None: not found)."""
    if os.environ.get("FONTCONFIG_FILE"):
        given = Path(os.environ["FONTCONFIG_FILE"])
        if given.is_absolute():
            return given if given.is_file() else None
        folder = os.environ.get("FONTCONFIG_PATH", "/etc/fonts")
        return Path(folder, given) if Path(folder, given).is_file() else None
    places = [str(Path(os.environ["FONTCONFIG_PATH"], "fonts.conf"))] if os.environ.get("FONTCONFIG_PATH") else []
    for place in [*places, *_SYSTEM_CONFIGS]:
        if Path(place).is_file():
            return Path(place)
    return None


_RFONTS = re.compile(r"<w:rFonts\b([^>]*)>")
_FONT_ATTRIBUTE = re.compile(r'\bw:(?:ascii|hAnsi|eastAsia|cs)="([^"]*)"')


def _document_fonts(docx: Path) -> list[str]:
    """The font names the document's text, styles, headers and footers ask for (not its font table)."""
    names: list[str] = []
    try:
        with zipfile.ZipFile(docx) as package:
            for part in package.namelist():
                if re.fullmatch(r"word/(document|styles|header\d*|footer\d*|footnotes|endnotes)\.xml", part):
                    text = package.read(part).decode("utf-8", errors="replace")
                    for element in _RFONTS.finditer(text):
                        names += [unescape(n) for n in _FONT_ATTRIBUTE.findall(element.group(1))]
    except (OSError, zipfile.BadZipFile, KeyError):
        return []
    return list(dict.fromkeys(n for n in names if n))
