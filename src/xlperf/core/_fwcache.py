"""A cache of checked frameworks on disk, so that a new process does not parse and check the same TOML again.

Loading the shipped framework costs about 15 ms of a 100 ms `xlperf score`: importing tomllib (4 ms),
parsing the file (3 ms) and building and checking the Framework (7 ms, most of it evaluating the
parameter classes' type hints). Read back from here it costs half a millisecond.

- **Where**: a folder `xlperf` in the user's cache folder ($XDG_CACHE_HOME or ~/.cache; ~/Library/Caches
  on macOS; %LOCALAPPDATA% on Windows). One file per framework file content, named by the SHA-256 of the
  TOML's bytes. Where nothing can be written (a read-only home, a full disk) nothing is: every framework
  is then parsed as before.
- **When it is used**: only when its header names the same TOML bytes (SHA-256), the same
  Python, and the same code of the core (the names, sizes and times of its files: a developer's edit of a
  rule makes every entry stale), and the payload's own SHA-256 matches. Anything else (a stale, truncated,
  corrupt or foreign file) is ignored and written anew.
- **What it may hold**: the payload is a pickle, read by an unpickler that builds only the core's record
  classes, Decimal and read-only mappings: a file put there by someone else cannot make it call anything
  else. Only frameworks that passed every check are written; `path` and `folder` (where the file was
  found) are set again on each load.
"""

from __future__ import annotations

import functools
import importlib
import io
import os
import sys
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ._record import is_record

try:  # the unpickler itself: `import pickle` brings the pickler and more, 2 ms at start-up
    from _pickle import Unpickler, UnpicklingError
except ImportError:  # pragma: no cover - a Python without the C pickle
    from pickle import Unpickler, UnpicklingError

MAGIC = b"xlperf framework cache 1\n"
MAX_CACHE_BYTES = 4 * 1024 * 1024  # a framework file is at most 1 MB (frameworks.MAX_FRAMEWORK_BYTES)
#: modules whose record classes a cached framework is made of
_MODULES = ("xlperf.core.frameworks", "xlperf.core.methods")


@functools.cache
def _sha256() -> Callable[[bytes], Any]:
    """SHA-256 from the interpreter's own module where there is one: `import hashlib` loads OpenSSL,
    3 ms at start-up (the standard library's random module does the same)."""
    # (asking for a module that is not there costs a search of every folder on the path)
    for name in ("_sha2", "_sha256") if sys.version_info >= (3, 12) else ("_sha256", "_sha2"):
        try:
            found: Callable[[bytes], Any] = getattr(importlib.import_module(name), "sha256")
            return found
        except (ImportError, AttributeError):
            continue
    import hashlib

    return hashlib.sha256


def digest(data: bytes) -> str:
    return str(_sha256()(data).hexdigest())


def cache_folder() -> Path | None:
    """xlperf's folder in the user's cache folder; None when there is no home to put it in."""
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or ""
        return Path(base) / "xlperf" / "Cache" if base else None
    if sys.platform == "darwin":
        home = Path.home()
        return home / "Library" / "Caches" / "xlperf"
    configured = os.environ.get("XDG_CACHE_HOME", "")
    if configured and os.path.isabs(configured):  # the XDG rule: a relative path is ignored
        return Path(configured) / "xlperf"
    try:
        return Path.home() / ".cache" / "xlperf"
    except RuntimeError:  # no home directory at all
        return None


def _code_key() -> str:
    """Python's version and the name, size and time of every module of the core (the code that builds a
    framework): a framework is rebuilt when that code changes, in a checkout or by an upgrade. (The core
    does not import the xlperf package for its version: the layers only import downwards.)"""
    core = Path(__file__).resolve().parent
    parts = ["%d.%d" % sys.version_info[:2]]
    with os.scandir(core) as entries:
        for entry in sorted(entries, key=lambda e: e.name):
            if entry.name.endswith(".py"):
                stat = entry.stat()
                parts.append(f"{entry.name}:{stat.st_size}:{stat.st_mtime_ns}")
    return digest("\n".join(parts).encode("utf-8"))


def _entry(toml: bytes) -> tuple[Path | None, bytes]:
    """The cache file of a framework's TOML bytes, and the key its header must carry."""
    toml_digest = digest(toml)
    folder = cache_folder()
    key = f"{toml_digest}:{_code_key()}".encode("ascii")
    return (folder / f"{toml_digest[:32]}.framework" if folder else None), key


def load(toml: bytes, expected: type) -> Any:
    """The framework cached for these TOML bytes if it is exactly of the `expected` class (frameworks.Framework,
    passed in: the core has no import cycle), or None (none cached, stale, or not to be trusted)."""
    try:
        path, key = _entry(toml)
        if path is None:
            return None
        with open(path, "rb") as handle:
            data = handle.read(MAX_CACHE_BYTES + 1)
        header = MAGIC + key + b"\n"
        if len(data) > MAX_CACHE_BYTES or not data.startswith(header):
            return None
        checksum, _, payload = data[len(header):].partition(b"\n")
        if checksum != digest(payload).encode("ascii"):
            return None
        framework = _Unpickler(io.BytesIO(payload)).load()
    except Exception:  # noqa: BLE001 - whatever is wrong with the file, the framework is parsed instead
        return None
    return framework if type(framework) is expected else None


def store(toml: bytes, framework: Any) -> None:
    """Keep a checked framework for the next process; quietly nothing when it cannot be written."""
    try:
        path, key = _entry(toml)
        if path is None:
            return
        import pickle

        class Pickler(pickle.Pickler):
            def reducer_override(self, obj: Any) -> Any:
                if type(obj) is types.MappingProxyType:
                    return read_only, (dict(obj),)
                return NotImplemented

        buffer = io.BytesIO()
        Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(framework)
        payload = buffer.getvalue()
        data = MAGIC + key + b"\n" + digest(payload).encode("ascii") + b"\n" + payload
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            with open(temporary, "wb") as handle:
                handle.write(data)
            os.replace(temporary, path)  # whole or not at all, whoever reads it meanwhile
        finally:
            if temporary.exists():
                temporary.unlink()
    except Exception:  # noqa: BLE001 - a cache that cannot be written is no cache, never an error
        return


def read_only(items: dict[str, Any]) -> types.MappingProxyType[str, Any]:
    """A framework's mappings are read-only (shared by every caller): pickled as dicts, made so again."""
    return types.MappingProxyType(items)


class _Unpickler(Unpickler):
    """Builds records of the framework's modules, Decimals and read-only mappings, and nothing else."""

    def find_class(self, module: str, name: str) -> Any:
        if module == "decimal" and name == "Decimal":
            from decimal import Decimal

            return Decimal
        if module == __name__ and name == "read_only":
            return read_only
        if module in _MODULES and module in sys.modules:
            found = getattr(sys.modules[module], name, None)
            if is_record(found):
                return found
        raise UnpicklingError(f"{module}.{name} is not part of a framework")
