"""Writing output files so that a failure never leaves a half-written file behind."""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path

from .core.errors import XlperfError


def atomic_write(path: Path, write: Callable[[Path], None], *, overwrite: bool = True,
                 suffixes: tuple[str, ...] = (), protect: tuple[Path, ...] = ()) -> Path:
    """Call `write(tmp)` on a temporary file beside `path`, then move it into place in one step.

    `suffixes` are the endings the output may have; `protect` are input files never to overwrite.
    """
    path = Path(path)
    try:
        is_dir, exists = path.is_dir(), path.exists()
        same = any(exists and p.exists() and path.resolve() == p.resolve() for p in protect)
    except OSError as exc:  # a name too long for the file system (ENAMETOOLONG), a path through a file …
        raise XlperfError(f"无法写入 {path.name}（{_os_reason(exc)}）", fix=_os_fix(exc)) from exc
    if is_dir:
        raise XlperfError(f"输出路径是一个文件夹：{path}", fix="请给出文件名，如 文件夹/结果" + (suffixes[0] if suffixes else ""))
    if suffixes and path.suffix.lower() not in suffixes:
        raise XlperfError(f"输出文件 {path.name} 的扩展名应为 {' 或 '.join(suffixes)}",
                          fix=f"请改为 {path.with_suffix(suffixes[0]).name}")
    if same:
        raise XlperfError(f"输出文件与输入文件相同：{path}", fix="请另给一个输出文件名，输入文件不会被改动")
    if exists and not overwrite:
        raise XlperfError(f"文件已存在：{path}", fix="请换一个文件名，或加 --force 覆盖")
    folder = path.parent if str(path.parent) else Path(".")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, tmp_name = tempfile.mkstemp(prefix=".xlperf-", suffix=path.suffix, dir=folder)
    except OSError as exc:
        raise XlperfError(f"无法在文件夹 {folder} 中写入文件（{_os_reason(exc)}）",
                          fix="请检查文件夹是否存在、是否有写入权限") from exc
    os.close(handle)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        # mkstemp makes the file private (0600); give it the permissions a normal new file gets
        os.chmod(tmp, _mode_of(path))
        os.replace(tmp, path)
    except PermissionError as exc:
        raise XlperfError(f"无法写入 {path}：文件可能正在 Excel 或 WPS 中打开，或没有写入权限",
                          fix="请关闭该文件后重试") from exc
    except OSError as exc:
        raise XlperfError(f"无法写入 {path}（{_os_reason(exc)}）", fix=_os_fix(exc)) from exc
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def _mode_of(path: Path) -> int:
    if path.exists():
        return stat.S_IMODE(path.stat().st_mode)
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


_OS_REASONS = {errno.ENOSPC: "磁盘空间不足", errno.EROFS: "磁盘或文件夹是只读的", errno.EACCES: "没有权限",
               errno.EEXIST: "同名文件已存在", errno.ENOENT: "文件夹不存在", errno.ENAMETOOLONG: "文件名太长",
               errno.EDQUOT: "磁盘配额已满"}


def _os_reason(exc: OSError) -> str:
    return _OS_REASONS.get(exc.errno or 0, f"系统错误代码 {exc.errno}")


def _os_fix(exc: OSError) -> str:
    if exc.errno == errno.ENAMETOOLONG:
        return "请用 -o 给出短一些的文件名，或把文件放到层级较浅的文件夹"
    return "请检查磁盘空间和文件夹权限后重试"


_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"{port}{n}" for port in ("COM", "LPT") for n in "123456789¹²³")}
_UNSAFE = str.maketrans({c: "_" for c in '<>:"/\\|?*\0'})
_MAX_NAME_CHARS = 80
_MAX_NAME_BYTES = 200  # file systems allow 255 bytes; room for a suffix such as "-自评报告(12).docx"


def safe_filename(text: str, fallback: str = "未命名") -> str:
    """A file name made from user text (a department's name): no folders, no reserved names, no
    leading or trailing dots and spaces (Windows drops the trailing ones), not too long in bytes."""
    name = "".join(ch for ch in text.translate(_UNSAFE) if ch.isprintable()).strip().strip(".").strip()
    name = name.replace("..", "_")[:_MAX_NAME_CHARS]
    while len(name.encode("utf-8")) > _MAX_NAME_BYTES:
        name = name[:-1]
    name = name.rstrip(" .")
    if not name or name.split(".")[0].strip().upper() in _RESERVED:
        name = f"{fallback}_{name}" if name else fallback
    return name
