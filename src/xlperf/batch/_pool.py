"""Run the files of a batch in worker processes, so that no file can stop or corrupt the rest.

The parent gives each worker one file at a time and so always knows which file each worker has in
hand. Each file has a budget (`Job.seconds`, `Job.memory_mb`):

- seconds are kept here: the worker on a file past its budget is killed and a new worker takes its
  place; the file gets its E901 row (超过 N 秒), once, with no retry;
- memory is kept in the worker (`_worker.memory_budget`): a file past it gets its E901 row (超过内存上限)
  and the worker, which may be left in a poor state, is replaced;
- a worker that dies (a reader library aborting on a hostile file, the system killing it) costs only
  the file it had in hand: that file is the culprit, recorded at once, never retried.

The other workers carry on with their files meanwhile: a hostile file costs its own budget, once.

Workers ignore Ctrl-C and die with the parent (`_worker.init_worker`). On Ctrl-C, or SIGTERM/SIGHUP
(which `xlperf.cli.main` turns into KeyboardInterrupt), the parent kills its workers and raises to its
caller, which has written nothing yet.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from . import _worker
from ._record import Compact, FileRecord, plain
from ._worker import Job, relative_name, unreadable

Progress = Callable[[int], None]  # called with the number of files just finished
READY = "ready"  # what a worker says once it is set up and waiting for files
#: files given to a worker at once: the next waits in its pipe, so it never idles waiting for the parent
DEPTH = 2
#: workers that may die before taking any file (the system refusing processes) before the batch gives up
START_FAILURES = 3


def process_files(paths: Sequence[str], job: Job, workers: int, progress: Progress,
                  preload: Sequence[str] = ()) -> list[FileRecord]:
    """The record of every file, in the order of `paths`, whatever the files do to the workers.
    `preload`: modules the caller needs afterwards, imported while the workers work."""
    loader = _Preloader(preload)
    pool = _Pool(paths, job, progress, loader)
    try:
        pool.run(min(workers, len(paths)))
    finally:
        pool.stop()  # Ctrl-C above all: at once, never waiting for a file in hand
    loader.wait()
    return [pool.records[i] for i in range(len(paths))]


@dataclass
class _Worker:
    process: Any  # a multiprocessing Process
    conn: Connection
    ready: bool = False
    hand: deque[int] = field(default_factory=deque)  # files given, in order: the first is the one in hand
    since: float = 0.0  # when it took the first in hand


class _Pool:
    def __init__(self, paths: Sequence[str], job: Job, progress: Progress, loader: _Preloader) -> None:
        self.paths, self.job, self.progress, self.loader = paths, job, progress, loader
        self.records: dict[int, FileRecord] = {}
        self.compact = Compact()  # kept until the summary is written: repeated values once (_record)
        self.queue = deque(range(len(paths)))
        self.workers: list[_Worker] = []
        self.failures = 0  # workers that ended before they were ready
        self.count = 0  # workers wanted

    def run(self, count: int) -> None:
        self.count = count
        for _ in range(count):
            self._start()
        self.loader.start()  # the workers exist now: no fork happens while it imports (see _Preloader)
        while self.workers:
            self._watch()
        if self.queue:  # the workers cannot even start: say so per file
            for index in self.queue:
                self._record(index, unreadable(self._name(index), "无法启动处理文件的工作进程",
                                               "请关闭其他程序后重试；仍不行请把情况告诉维护人员"))
            self.queue.clear()

    def _watch(self) -> None:
        """Wait for a result, a death or a deadline, and act on it."""
        busy = [w for w in self.workers if w.hand]
        deadline = min((w.since + self.job.seconds for w in busy), default=None)
        timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
        ready = wait([w.conn for w in self.workers] + [w.process.sentinel for w in self.workers], timeout)
        for worker in list(self.workers):
            if worker.conn in ready or worker.process.sentinel in ready:
                self._hear(worker)
        now = time.monotonic()
        for worker in list(self.workers):
            if worker.hand and now - worker.since >= self.job.seconds:
                index = self._end(worker)
                if index is not None:
                    self._record(index, unreadable(self._name(index), _worker.over_time(self.job.seconds)))
                self._replace()

    def _hear(self, worker: _Worker) -> None:
        try:
            message = worker.conn.recv() if worker.conn.poll() else None
        except Exception:  # noqa: BLE001 - a worker that died while sending: as if it had sent nothing
            message = None
        if message is None:
            self._died(worker)
        elif message == READY:
            worker.ready = True
            self.failures = 0
            self._give(worker)
        else:
            index, record, retire = message
            worker.hand.popleft()
            worker.since = time.monotonic()  # it goes on with the next in hand, if any
            self._record(index, record)
            if retire:  # it went over its memory budget: a fresh worker for the next file
                self._end(worker, in_hand=False)
                self._replace()
            else:
                self._give(worker)

    def _died(self, worker: _Worker) -> None:
        index = self._end(worker)
        if index is not None:
            code = worker.process.exitcode
            self._record(index, unreadable(self._name(index), _worker.crashed(-code if code and code < 0 else None)))
        elif not worker.ready:
            self.failures += 1
        self._replace()

    def _give(self, worker: _Worker) -> None:
        if not self.queue and not worker.hand:
            try:
                worker.conn.send(None)  # nothing left: it ends
            except OSError:  # it has ended already
                pass
            self._end(worker, kill=False)
            return
        while self.queue and len(worker.hand) < DEPTH:
            index = self.queue.popleft()
            try:
                worker.conn.send((index, self.paths[index]))
            except OSError:  # it has just died: the file was never in its hands
                self.queue.appendleft(index)
                self._died(worker)
                return
            if not worker.hand:
                worker.since = time.monotonic()
            worker.hand.append(index)

    def _record(self, index: int, record: FileRecord | tuple[Any, ...]) -> None:
        # from a worker, most records come in their plain form (_record.plain)
        compact = self.compact
        self.records[index] = compact.record(record) if isinstance(record, FileRecord) else compact.unplain(record)
        self.progress(1)

    def _replace(self) -> None:
        while self.queue and len(self.workers) < self.count and self.failures < START_FAILURES:
            self.loader.wait()  # a process must never be forked while another thread is importing
            self._start()

    def _start(self) -> None:
        context = _context()
        ours, theirs = context.Pipe()
        process = context.Process(target=_serve, args=(self.job, theirs, os.getpid()), daemon=True,
                                  name="xlperf-batch-worker")
        try:
            with _signals_blocked():
                process.start()
        except OSError:  # no more processes, no memory for one
            self.failures += 1
            ours.close()
            return
        finally:
            theirs.close()
        self.workers.append(_Worker(process, ours))

    def _end(self, worker: _Worker, kill: bool = True, in_hand: bool = True) -> int | None:
        """Stop `worker`; the files it was given but had not begun go back to the queue. Returns the
        file it had in hand, if any (`in_hand`: whether it was working on its first file)."""
        _finish(worker, kill)  # still listed meanwhile: an interrupt now leaves it to stop()
        self.workers.remove(worker)
        culprit = worker.hand.popleft() if worker.hand and in_hand else None
        self.queue.extendleft(reversed(worker.hand))
        worker.hand.clear()
        return culprit

    def stop(self) -> None:
        """Kill every worker still running (after an interrupt) and wait for them."""
        workers, self.workers = self.workers, []
        for worker in workers:
            _finish(worker, kill=True)

    def _name(self, index: int) -> str:
        return relative_name(Path(self.paths[index]), Path(self.job.root))


def _finish(worker: _Worker, kill: bool) -> None:
    if kill and worker.process.is_alive():
        worker.process.kill()
    worker.process.join(None if kill else 10)
    if worker.process.is_alive():  # asked to end and did not: no waiting on it
        worker.process.kill()
        worker.process.join()
    worker.conn.close()


def _serve(job: Job, conn: Connection, parent: int) -> None:
    """A worker: files from the parent, one at a time, until it sends None."""
    _worker.init_worker(job, parent)
    conn.send(READY)
    while True:
        try:
            task = conn.recv()
        except EOFError:
            return
        if task is None:
            return
        index, path = task
        record, over = _worker.process_file(path, job)
        conn.send((index, plain(record) or record, over))  # plain: cheaper to send, and to receive
        if over:
            return


class _Preloader:
    """Imports modules in a thread of the parent while the workers work (pandas alone takes half a second).
    Started only once the workers exist; a worker started later (replacing one that died) waits for it:
    a process must never be forked while another thread is importing."""

    def __init__(self, modules: Sequence[str]) -> None:
        self.modules = list(modules)
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        if self.modules and self.thread is None:
            import importlib

            self.thread = threading.Thread(target=lambda: [importlib.import_module(m) for m in self.modules],
                                           daemon=True)
            self.thread.start()

    def wait(self) -> None:
        if self.thread is not None:
            self.thread.join()


def _context() -> Any:
    # fork where there is one (Linux): a worker starts in milliseconds with xlperf already imported;
    # Windows has only spawn, where each worker imports xlperf once (about half a second)
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods and sys.platform != "darwin" else "spawn")


@contextmanager
def _signals_blocked() -> Iterator[None]:
    """Workers start with Ctrl-C, SIGTERM and SIGHUP blocked (they inherit the mask), so that none can
    reach a worker before it has set up its own handling (`_worker.init_worker`); the parent gets
    them as soon as the worker is started."""
    if not hasattr(signal, "pthread_sigmask"):  # Windows: workers ignore Ctrl-C once set up
        yield
        return
    blocked = {getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, blocked)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
