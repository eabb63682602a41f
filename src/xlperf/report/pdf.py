"""The report as PDF, converted by LibreOffice running headless.

    if libreoffice_available():
        convert_to_pdf("自评报告.docx", "自评报告.pdf")

Each conversion runs its own LibreOffice with a fresh, throw-away user profile (so a LibreOffice the
user has open, or a second conversion running at the same time, does not swallow the job), on a copy
of the document in a temporary folder (so no lock file appears beside the user's file), with stdin
closed and a time limit after which LibreOffice is killed. The PDF is moved into place in one step:
a failure never leaves a partial or empty file, and an existing PDF stays as it was.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from .._files import atomic_write
from ..core.errors import XlperfError

__all__ = ["MISSING_MESSAGE", "convert_to_pdf", "find_soffice", "libreoffice_available"]

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
                   overwrite: bool = True) -> Path:
    """Convert a .docx into a PDF at `pdf_path` with LibreOffice; raise XlperfError (in Chinese) when it
    cannot: LibreOffice missing, conversion failed, or slower than `timeout` seconds."""
    docx, pdf = Path(docx_path), Path(pdf_path)
    if not docx.is_file():
        raise XlperfError(f"找不到要转换的文档：{docx}", fix="请先生成报告")
    soffice = find_soffice()
    if soffice is None:
        raise XlperfError(MISSING_MESSAGE, fix=MISSING_FIX)

    def write(target: Path) -> None:
        with tempfile.TemporaryDirectory(prefix="xlperf-pdf-", ignore_cleanup_errors=True) as work:
            folder = Path(work)
            # a copy with a plain name (LibreOffice names its output after it, and locks it while open)
            source = folder / "in" / "report.docx"
            source.parent.mkdir()
            shutil.copyfile(docx, source)
            out = folder / "out"
            command = [soffice, "--headless", "--invisible", "--norestore", "--nologo", "--nodefault",
                       "--nolockcheck", f"-env:UserInstallation={(folder / 'profile').as_uri()}",
                       "--convert-to", "pdf:writer_pdf_Export", "--outdir", str(out), str(source)]
            detail = _run(command, timeout, docx.name)
            produced = out / "report.pdf"
            if not produced.is_file() or not _is_pdf(produced):
                raise XlperfError(f"LibreOffice 未能将 {docx.name} 转换为 PDF{detail}", fix=FAILED_FIX)
            shutil.copyfile(produced, target)

    return atomic_write(pdf, write, overwrite=overwrite, suffixes=(".pdf",), protect=(docx,))


def _run(command: list[str], timeout: float, name: str) -> str:
    """Run LibreOffice; on failure raise, else return its last message line (as "（…）") for errors later."""
    options: dict[str, object] = {}
    if sys.platform == "win32":
        no_window = getattr(subprocess, "CREATE_NO_WINDOW", 0)
        options["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP | no_window
    else:
        options["start_new_session"] = True  # its own process group: a timeout kills every process it started
    try:
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, **options)  # type: ignore[call-overload]
    except OSError as exc:
        raise XlperfError(f"无法启动 LibreOffice（{command[0]}）：{exc.strerror or exc}", fix=MISSING_FIX) from exc
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
