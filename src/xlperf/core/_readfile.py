"""Reading a file the user named: a regular file only, opened without blocking, read with a bound.

    data = read_limited(path, 1024 * 1024, "评分框架文件", FrameworkError)

A FIFO blocks an open or a read forever, /dev/zero never ends, and stat() says 0 bytes for both, so a
size check alone lets them through. `open_regular` opens without blocking (O_NONBLOCK, where the system
has it) and then looks at what it opened (fstat on the descriptor, so nothing can be swapped in between
a check and the open); `read_limited` reads at most `limit` bytes. Every refusal is one Chinese line
naming the file and what it really is. `os_reason` and `os_fix` say an OSError in Chinese.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import BinaryIO

from .errors import Location, XlperfError

MB = 1024 * 1024

# errno -> (what is wrong, what to do), in the words of a clerk's computer
_ERRNO: dict[int, tuple[str, str]] = {
    errno.ENOENT: ("文件或文件夹不存在", "请检查路径是否写对"),
    errno.EACCES: ("没有权限", "请检查文件和文件夹的权限，或换一个位置"),
    errno.EPERM: ("操作系统不允许这样做（没有权限）", "请检查文件和文件夹的权限，或换一个位置"),
    errno.ENOTDIR: ("路径中有一段是文件，而不是文件夹", "请检查路径是否写对"),
    errno.EISDIR: ("这是一个文件夹", "请给出文件名，而不是文件夹"),
    errno.ENOSPC: ("磁盘空间不足", "请清理磁盘空间后重试，或换一个磁盘"),
    errno.EDQUOT: ("磁盘配额已满", "请清理自己的文件后重试，或请管理员增加配额"),
    errno.EROFS: ("磁盘或文件夹是只读的", "请换一个可以写入的位置"),
    errno.ENAMETOOLONG: ("文件名太长", "请用 -o 给出短一些的文件名，或把文件放到层级较浅的文件夹"),
    errno.EMFILE: ("同时打开的文件过多", "请关闭其他程序后重试"),
    errno.ENFILE: ("系统中同时打开的文件过多", "请关闭其他程序后重试"),
    errno.EBUSY: ("文件或磁盘正被其他程序占用", "请关闭正在使用它的程序后重试"),
    errno.ETXTBSY: ("文件正被其他程序占用", "请关闭正在使用它的程序后重试"),
    errno.EEXIST: ("同名文件已存在", "请换一个文件名"),
    errno.ELOOP: ("快捷方式（符号链接）层层相套，或指回自身", "请给出实际的文件，而不是快捷方式"),
    errno.EIO: ("磁盘读写出错", "请检查磁盘、U 盘或网络驱动器是否正常，然后重试"),
    errno.ENXIO: ("设备不存在或无法使用", "请给出保存在磁盘上的普通文件"),
    errno.ENODEV: ("设备不存在或无法使用", "请给出保存在磁盘上的普通文件"),
    errno.EINVAL: ("文件名或路径无效（可能含有系统不允许的字符）", "请换一个只含汉字、字母、数字的文件名"),
    errno.EFBIG: ("文件过大", "请换一个磁盘，或减小文件"),
    errno.EXDEV: ("不能跨磁盘移动文件", "请把输出文件放在同一个磁盘上"),
    errno.ETIMEDOUT: ("网络驱动器没有响应", "请检查网络连接后重试，或把文件复制到本机"),
    errno.EAGAIN: ("文件暂时无法读写", "请稍后重试"),
}


def os_reason(exc: OSError) -> str:
    """What an OSError means, in Chinese: 磁盘空间不足, 没有权限 …"""
    known = _ERRNO.get(exc.errno or 0)
    if known:
        return known[0]
    detail = exc.strerror or (str(exc.args[-1]) if exc.args else "")
    return f"操作系统报告的错误：{detail}" if detail else "操作系统报告了错误"


def os_fix(exc: OSError) -> str:
    """What to do about an OSError, in Chinese."""
    known = _ERRNO.get(exc.errno or 0)
    return known[1] if known else "请检查磁盘空间、文件和文件夹的权限后重试"


def special_kind(mode: int) -> str:
    """What a file that is not a regular file is ("命名管道（FIFO）"), or "" for a regular file."""
    if stat.S_ISREG(mode):
        return ""
    if stat.S_ISDIR(mode):
        return "文件夹"
    if stat.S_ISFIFO(mode):
        return "命名管道（FIFO）"
    if stat.S_ISCHR(mode):
        return "设备文件（字符设备）"
    if stat.S_ISBLK(mode):
        return "设备文件（块设备）"
    if stat.S_ISSOCK(mode):
        return "套接字（socket）"
    return "特殊文件"


_FLAGS = (os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
          | getattr(os, "O_BINARY", 0))


def open_regular(path: str | os.PathLike[str], what: str, error: type[XlperfError] = XlperfError) -> BinaryIO:
    """`path` opened for reading in binary; raise `error` (in Chinese, naming `what`, e.g. "评分框架文件")
    unless it is a regular file: a folder, a FIFO, a device or a socket is refused as such, and opening
    never blocks."""
    try:
        fd = os.open(path, _FLAGS)
    except OSError as exc:
        raise _unopenable(Path(path), what, error, exc) from exc
    try:
        kind = special_kind(os.fstat(fd).st_mode)
        if kind:
            raise _special(Path(path), kind, what, error)
        # O_NONBLOCK means nothing for a regular file: reads block (briefly) and return all they can
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_limited(path: str | os.PathLike[str], limit: int, what: str,
                 error: type[XlperfError] = XlperfError) -> bytes:
    """The bytes of a regular file of at most `limit` bytes; larger (whatever stat() says: a file in /proc
    says 0), or anything but a regular file, raises `error` in Chinese."""
    path = Path(path)
    with open_regular(path, what, error) as handle:
        try:
            size = os.fstat(handle.fileno()).st_size
            data = b"" if size > limit else handle.read(limit + 1)
        except OSError as exc:
            raise error(f"无法读取{what} {_name(path)}（{os_reason(exc)}）", location=Location(file=_name(path)),
                        fix=os_fix(exc)) from exc
    if size > limit or len(data) > limit:
        raise error(f"{_name(path)} 过大（超过 {_amount(limit)}），不像是{what}", location=Location(file=_name(path)),
                    fix="请确认选对了文件")
    return data


def _unopenable(path: Path, what: str, error: type[XlperfError], exc: OSError) -> XlperfError:
    where = Location(file=_name(path))
    try:
        kind = special_kind(os.stat(path).st_mode)
    except OSError:
        kind = ""
    if kind:  # Windows refuses to open a folder (EACCES); Linux a socket (ENXIO)
        return _special(path, kind, what, error)
    if exc.errno == errno.ENOENT:
        if os.path.islink(path):
            return error(f"{_name(path)} 是快捷方式（符号链接），它指向的文件不存在", location=where,
                         fix=f"请给出实际的{what}")
        return error(f"找不到{what}：{path}", location=where, fix="请检查路径和文件名是否写对")
    return error(f"无法读取{what} {_name(path)}（{os_reason(exc)}）", location=where, fix=os_fix(exc))


def _special(path: Path, kind: str, what: str, error: type[XlperfError]) -> XlperfError:
    """"x.json 是命名管道（FIFO），不是普通文件…"; a link says where it leads."""
    if os.path.islink(path):
        subject = f"{path} 是快捷方式（符号链接），指向的 {os.path.realpath(path)}"
    else:
        subject = str(path)
    return error(f"{subject} 是{kind}，不是普通文件，不能作为{what}读取", location=Location(file=_name(path)),
                 fix=f"请给出保存在磁盘上的{what}")


def _name(path: Path) -> str:
    return path.name or str(path)


def _amount(limit: int) -> str:
    return f"{limit / MB:g} MB" if limit >= MB else f"{limit / 1024:g} KB"
