"""Writing output files so that a failure never leaves a half-written file behind."""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from .core import os_fix, os_reason
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
        raise XlperfError(f"无法写入 {path.name}（{os_reason(exc)}）", fix=os_fix(exc)) from exc
    if is_dir:
        raise XlperfError(f"输出路径是一个文件夹：{path}", fix="请给出文件名，如 文件夹/结果" + (suffixes[0] if suffixes else ""))
    if suffixes and path.suffix.lower() not in suffixes:
        raise XlperfError(f"输出文件 {path.name} 的扩展名应为 {' 或 '.join(suffixes)}",
                          fix=f"请改为 {suggested_name(path, suffixes[0])}")
    if same:
        raise XlperfError(f"输出文件与输入文件相同：{path}", fix="请另给一个输出文件名，输入文件不会被改动")
    if exists and not overwrite:
        raise XlperfError(f"文件已存在：{path}", fix="请换一个文件名，或加 --force 覆盖")
    folder = path.parent if str(path.parent) else Path(".")
    made: list[Path] | None = _missing_folders(folder)
    tmp: Path | None = None
    try:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            handle, tmp_name = tempfile.mkstemp(prefix=".xlperf-", suffix=path.suffix, dir=folder)
        except OSError as exc:
            raise XlperfError(f"无法在文件夹 {folder} 中写入文件（{os_reason(exc)}）", fix=os_fix(exc)) from exc
        os.close(handle)
        tmp = Path(tmp_name)
        write(tmp)
        # mkstemp makes the file private (0600); give it the permissions a normal new file gets
        os.chmod(tmp, _mode_of(path))
        os.replace(tmp, path)
        tmp = made = None
    except XlperfError:
        raise
    except Exception as exc:  # noqa: BLE001 - XlsxWriter wraps an OSError in its own FileCreateError
        cause = _os_error_in(exc)
        if cause is None:
            raise
        if isinstance(cause, PermissionError):
            raise XlperfError(f"无法写入 {path}：文件可能正在 Excel 或 WPS 中打开，或没有写入权限",
                              fix="请关闭该文件后重试") from cause
        raise XlperfError(f"无法写入 {path}（{os_reason(cause)}）", fix=os_fix(cause)) from cause
    finally:
        _remove(tmp, made or [])
    return path


def _os_error_in(exc: BaseException) -> OSError | None:
    """The OSError behind `exc` (itself, or what a library wrapped), if any."""
    seen: BaseException | None = exc
    for _ in range(5):
        if seen is None or isinstance(seen, OSError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def _missing_folders(folder: Path) -> list[Path]:
    """The folders `mkdir(parents=True)` will make for `folder`, deepest first (removed again on failure)."""
    missing = []
    try:
        while not folder.exists() and folder != folder.parent:
            missing.append(folder)
            folder = folder.parent
    except OSError:
        pass
    return missing


def _remove(tmp: Path | None, folders: list[Path]) -> None:
    """What a failed write leaves: the temporary file, and the folders made for the output if still empty."""
    try:
        if tmp is not None and (tmp.exists() or tmp.is_symlink()):
            tmp.unlink()
        for folder in folders:
            folder.rmdir()
    except OSError:
        pass  # not ours to worry the user with: the error they see is the write's


def _mode_of(path: Path) -> int:
    if path.exists():
        return stat.S_IMODE(path.stat().st_mode)
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def suggested_name(path: Path, suffix: str) -> str:
    """The name to suggest for an output with the wrong extension: r.docx.exe -> r.docx (not r.docx.docx),
    r.txt -> r.docx."""
    stem = Path(path.stem)
    if stem.suffix.lower() == suffix.lower():
        return stem.name
    return path.with_suffix(suffix).name if path.suffix else path.name + suffix


@contextmanager
def scratch_folder() -> Iterator[Path]:
    """A private folder for the temporary files of a library (XlsxWriter writes each part of a workbook
    to one and leaves them behind when it fails): removed with whatever is in it, whatever happens."""
    with tempfile.TemporaryDirectory(prefix="xlperf-", ignore_cleanup_errors=True) as folder:
        yield Path(folder)


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
