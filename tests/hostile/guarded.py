"""Run `xlperf` commands in one child process that cannot hang the tests or eat the machine's memory.

    results = run_guarded([Run(["score", "x.xlsx"])], tmpdir=tmp_path / "tmp")

The child has a time limit (a command that blocks on a FIFO fails the test instead of hanging it), an
address-space limit (a command reading /dev/zero dies with MemoryError instead of growing to GBs) and a
private TMPDIR, whose content is listed and emptied after each command. A `fault` makes one write step
fail (see FAULTS); results come back one JSON line per command, so a timeout still shows which command
was running.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

#: the child's address space: far above what any command needs (about 0.5 GB with pandas loaded)
MEMORY_BYTES = 2 * 1024 ** 3

#: name -> what fails, in the words of the driver below
FAULTS = {
    "mkstemp": "the temporary file beside the output (.xlperf-*) cannot be made (ENOSPC)",
    "write": "the third write into a zip (workbook, report, summary) or the JSON fails (ENOSPC)",
    "chmod": "setting the permissions of the written file fails (EROFS)",
    "replace": "moving the written file into place fails (EACCES: open in Excel on Windows)",
    "crash": "the third write into a zip fails with a RuntimeError (a bug)",
    "interrupt": "Ctrl-C during the third write into a zip",
    "docx": "writing a report (.docx) fails (ENOSPC), in the batch's workers too",
    "pdf-replace": "moving the PDF into place fails (ENOSPC)",
}

_DRIVER = r"""
import contextlib, errno, io, json, os, shutil, sys, tempfile, zipfile
from pathlib import Path
from unittest import mock

from xlperf.cli import main

def failing(real, error, after=2):
    calls = [0]
    def patched(*args, **kwargs):
        calls[0] += 1
        if calls[0] > after:
            raise error
        return real(*args, **kwargs)
    return patched

def patches(fault):
    nospace = OSError(errno.ENOSPC, "No space left on device")
    zips = lambda error: [mock.patch.object(zipfile.ZipFile, name, failing(getattr(zipfile.ZipFile, name), error))
                          for name in ("write", "writestr")]
    real_replace, real_mkstemp = os.replace, tempfile.mkstemp
    return {
        None: [],
        "mkstemp": [mock.patch.object(tempfile, "mkstemp", lambda *args, **kwargs: (_ for _ in ()).throw(nospace)
                                      if kwargs.get("prefix") == ".xlperf-" else real_mkstemp(*args, **kwargs))],
        "write": [*zips(nospace), mock.patch.object(Path, "write_text", failing(Path.write_text, nospace, 0))],
        "chmod": [mock.patch.object(os, "chmod", failing(os.chmod, OSError(errno.EROFS, "Read-only file system"), 0))],
        "replace": [mock.patch.object(os, "replace", failing(os.replace, PermissionError(errno.EACCES, "Permission denied"), 0))],
        "crash": [*zips(RuntimeError("injected")),
                  mock.patch.object(Path, "write_text", failing(Path.write_text, RuntimeError("injected"), 0))],
        "interrupt": [*zips(KeyboardInterrupt()),
                      mock.patch.object(Path, "write_text", failing(Path.write_text, KeyboardInterrupt(), 0))],
        "docx": [mock.patch.object(zipfile.ZipFile, "writestr", failing(zipfile.ZipFile.writestr, nospace))],
        "pdf-replace": [mock.patch.object(os, "replace", lambda src, dst: (_ for _ in ()).throw(nospace)
                                          if str(dst).endswith(".pdf") else real_replace(src, dst))],
    }[fault]

tmp = Path(tempfile.gettempdir())
for run in json.loads(sys.stdin.read()):
    out, err = io.StringIO(), io.StringIO()
    saved = dict(os.environ)
    os.environ.update(run["env"])
    with contextlib.ExitStack() as stack:
        for patch in patches(run["fault"]):
            stack.enter_context(patch)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(run["argv"])
    os.environ.clear()
    os.environ.update(saved)
    left = sorted(p.name for p in tmp.iterdir())
    for p in tmp.iterdir():  # the next command starts with an empty TMPDIR
        shutil.rmtree(p) if p.is_dir() and not p.is_symlink() else p.unlink()
    print(json.dumps({"code": code, "stdout": out.getvalue(), "stderr": err.getvalue(), "tmp": left},
                     ensure_ascii=False), flush=True)
"""


@dataclass
class Run:
    argv: list[str]
    fault: str | None = None
    env: dict[str, str] = field(default_factory=dict)


def _limit_memory() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))


def run_guarded(runs: list[Run], tmpdir: Path, timeout: float = 120, path: str = "") -> list[dict[str, Any]]:
    """What each command printed and returned, and what it left in TMPDIR (`tmpdir`, made empty)."""
    tmpdir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, TMPDIR=str(tmpdir), OPENBLAS_NUM_THREADS="1")
    if path:
        env["PATH"] = path + os.pathsep + env.get("PATH", "")
    try:
        result = subprocess.run([sys.executable, "-c", _DRIVER], input=json.dumps([asdict(r) for r in runs]),
                                capture_output=True, text=True, encoding="utf-8", timeout=timeout, env=env,
                                preexec_fn=_limit_memory)
    except subprocess.TimeoutExpired as exc:
        done = (exc.stdout or b"").decode("utf-8", "replace") if isinstance(exc.stdout, bytes) else exc.stdout or ""
        stuck = runs[len(done.splitlines())] if len(done.splitlines()) < len(runs) else None
        raise AssertionError(f"timed out (hung?) after {timeout} s at {stuck}") from None
    lines = result.stdout.splitlines()
    assert result.returncode == 0 and len(lines) == len(runs), (result.returncode, result.stderr[-3000:])
    return [json.loads(line) for line in lines]
