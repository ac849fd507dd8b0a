"""A process pool that knows which job each worker runs, so that a dead worker fails only its own job.

``concurrent.futures.ProcessPoolExecutor`` breaks as a whole when one worker dies (killed, out of memory): every
pending future fails with ``BrokenProcessPool``, and a sweep charged a failed attempt to every cell. Here each worker
is a "spawn" process with its own pipe and runs one job at a time; the driver waits on the pipes and on the process
sentinels together. A worker that dies fails its job with :class:`WorkerDied` and is replaced; the others carry on.

Workers die with the driver: on Linux through ``prctl(PR_SET_PDEATHSIG, SIGKILL)`` (the kernel kills the worker
when the driver's thread that started it ends, e.g. on ``kill -9`` of the driver), elsewhere a watchdog thread that
polls the parent's pid every second.
"""

from __future__ import annotations

import ctypes
import multiprocessing as mp
import os
import pickle
import signal
import sys
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection, wait
from typing import Any

PR_SET_PDEATHSIG = 1


class WorkerDied(RuntimeError):
    """The worker process running a job ended without a result (killed, out of memory, a crash)."""


def die_with_parent(parent: int) -> None:
    """Make this process end when the process ``parent`` ends (module docstring)."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="vvl-parent-watchdog").start()


def _portable(exc: BaseException) -> BaseException:
    """``exc`` if it survives pickling, else a RuntimeError with its text."""
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:
        return RuntimeError("".join(traceback.format_exception_only(type(exc), exc)).strip())


def _serve(conn: Connection, parent: int, initializer: Callable[[], None] | None) -> None:
    die_with_parent(parent)
    if initializer is not None:
        initializer()
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        if task is None:
            return
        fn, args = task
        try:
            reply: tuple[str, Any] = ("ok", fn(*args))
        except Exception as exc:  # the job's failure goes back to the driver
            reply = ("error", _portable(exc))
        except KeyboardInterrupt:
            return
        conn.send(reply)


class Job:
    """A submitted job: ``done`` once it has a ``value`` or an ``error``."""

    __slots__ = ("fn", "args", "done", "value", "error")

    def __init__(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        self.fn, self.args, self.done, self.value, self.error = fn, args, False, None, None

    def finish(self, value: Any = None, error: BaseException | None = None) -> None:
        self.value, self.error, self.done = value, error, True


class _Worker:
    def __init__(self, ctx: Any, initializer: Callable[[], None] | None) -> None:
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_serve, args=(child, os.getpid(), initializer), daemon=True)
        self.proc.start()
        child.close()
        self.job: Job | None = None


class WorkerPool:
    """``workers`` processes running jobs ``fn(*args)`` (``fn`` and ``args`` must pickle)."""

    def __init__(self, workers: int, initializer: Callable[[], None] | None = None) -> None:
        self._ctx = mp.get_context("spawn")
        self._init = initializer
        self._workers = [_Worker(self._ctx, initializer) for _ in range(workers)]
        self._queue: deque[Job] = deque()

    def submit(self, fn: Callable[..., Any], *args: Any) -> Job:
        job = Job(fn, args)
        self._queue.append(job)
        self._dispatch()
        return job

    def _dispatch(self) -> None:
        for i, w in enumerate(self._workers):
            while w.job is None and self._queue:
                job = self._queue.popleft()
                try:
                    w.conn.send((job.fn, job.args))
                    w.job = job
                except (BrokenPipeError, ConnectionError, EOFError):  # died while idle: replace it, retry the job
                    self._queue.appendleft(job)
                    w = self._workers[i] = self._replace(w)
                except Exception as exc:  # the job does not pickle
                    job.finish(error=_portable(exc))

    def _replace(self, w: _Worker) -> _Worker:
        w.conn.close()
        w.proc.join(timeout=1)
        return _Worker(self._ctx, self._init)

    def _collect(self, i: int, w: _Worker, ready: list[Any]) -> None:
        job = w.job
        if job is None:
            return
        if w.conn in ready or w.conn.poll():
            try:
                status, payload = w.conn.recv()
            except (EOFError, OSError):
                pass
            else:
                w.job = None
                if status == "ok":
                    job.finish(value=payload)
                else:
                    job.finish(error=payload)
                return
        if w.proc.sentinel in ready or not w.proc.is_alive():
            w.proc.join(timeout=1)
            code = w.proc.exitcode
            how = f"killed by signal {-code}" if code is not None and code < 0 else f"exit status {code}"
            job.finish(error=WorkerDied(f"the worker process running this cell died ({how}); its cell alone is "
                                        f"charged and the worker is replaced"))
            self._workers[i] = self._replace(w)

    def wait(self, jobs: Sequence[Job]) -> list[Job]:
        """Block until at least one of ``jobs`` is done; return those that are."""
        while True:
            done = [j for j in jobs if j.done]
            if done:
                return done
            busy = [(i, w) for i, w in enumerate(self._workers) if w.job is not None]
            if not busy:
                raise RuntimeError("WorkerPool.wait: none of the jobs is queued or running")
            ready = wait([w.conn for _, w in busy] + [w.proc.sentinel for _, w in busy])
            for i, w in busy:
                if w.conn in ready or w.proc.sentinel in ready:
                    self._collect(i, w, ready)
            self._dispatch()

    def close(self) -> None:
        """Stop every worker (a running job is abandoned)."""
        for w in self._workers:
            try:
                w.conn.send(None)
            except (OSError, ValueError):
                pass
        for w in self._workers:
            w.proc.join(timeout=2 if w.job is None else 0.1)
            if w.proc.is_alive():
                w.proc.kill()
                w.proc.join(timeout=2)
            w.conn.close()
