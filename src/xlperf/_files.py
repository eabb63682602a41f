"""Writing output files so that a failure never leaves a half-written file behind."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from .core.errors import XlperfError


def atomic_write(path: Path, write: Callable[[Path], None], *, overwrite: bool = True) -> Path:
    """Call `write(tmp)` on a temporary file beside `path`, then move it into place in one step."""
    path = Path(path)
    if path.exists() and not overwrite:
        raise XlperfError(f"文件已存在：{path}", fix="请换一个文件名，或加 --force 覆盖")
    if path.is_dir():
        raise XlperfError(f"输出路径是一个文件夹：{path}", fix="请给出文件名")
    folder = path.parent if str(path.parent) else Path(".")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, tmp_name = tempfile.mkstemp(prefix=".xlperf-", suffix=path.suffix, dir=folder)
    except OSError as exc:
        raise XlperfError(f"无法在 {folder} 中写入文件（{exc.strerror}）", fix="请检查文件夹是否存在、是否有写入权限") from exc
    os.close(handle)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        os.replace(tmp, path)
    except PermissionError as exc:
        raise XlperfError(f"无法写入 {path}：文件可能正在 Excel 或 WPS 中打开", fix="请关闭该文件后重试") from exc
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}
_UNSAFE = str.maketrans({c: "_" for c in '<>:"/\\|?*\0'})


def safe_filename(text: str, fallback: str = "未命名") -> str:
    """A file name made from user text (a department's name): no folders, no reserved names."""
    name = "".join(ch for ch in text.translate(_UNSAFE) if ch.isprintable()).strip().strip(".").strip()
    name = name.replace("..", "_")[:80]
    if not name or name.split(".")[0].upper() in _RESERVED:
        name = f"{fallback}_{name}" if name else fallback
    return name
