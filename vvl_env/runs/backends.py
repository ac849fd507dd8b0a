"""Where sweep cells run: a local process pool (default) or a Ray cluster, behind one small interface.

A backend submits ``fn(*args)`` and hands back a handle; ``wait`` returns the handles that have finished; ``result``
returns the value or raises the cell's exception. The sweep driver (``vvl_env.runs.sweep``) is the same code for
both. Every worker runs torch with one intra-op thread (pitfalls.md: 3-7x slower otherwise on a busy machine).
"""

from __future__ import annotations

import concurrent.futures as cf
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, Protocol


def one_thread() -> None:
    """Limit this process to one compute thread (torch, OpenMP, BLAS).

    The environment variables also hold for a torch imported later (it reads ``OMP_NUM_THREADS`` at import), so
    torch is not imported here just to set its threads: a worker that never trains starts in a second, not ten.
    """
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[var] = "1"
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(1)


class Backend(Protocol):
    name: str

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any: ...

    def wait(self, handles: Sequence[Any]) -> list[Any]: ...

    def result(self, handle: Any) -> Any: ...

    def close(self) -> None: ...


class LocalBackend:
    """A :class:`~vvl_env.runs.pool.WorkerPool` of ``workers`` processes ("spawn": no state inherited from the
    parent); a dead worker fails only the cell it was running, and workers end when the driver ends."""

    name = "local"

    def __init__(self, workers: int) -> None:
        from vvl_env.runs.pool import WorkerPool

        self._pool = WorkerPool(workers, initializer=one_thread)

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        return self._pool.submit(fn, *args)

    def wait(self, handles: Sequence[Any]) -> list[Any]:
        return self._pool.wait(handles)

    def result(self, handle: Any) -> Any:
        if handle.error is not None:
            raise handle.error
        return handle.value

    def close(self) -> None:
        self._pool.close()


class RayBackend:
    """Ray tasks (``num_cpus=1`` each, no Ray-side retries: the driver retries once itself).

    Connects to ``address`` (a running cluster, e.g. ``ray://host:10001`` or ``auto``), or starts a local instance
    with ``workers`` CPUs; an already initialised Ray is reused and left running.
    """

    name = "ray"

    def __init__(self, workers: int, address: str | None = None) -> None:
        try:
            import ray
        except ImportError:
            raise ValueError("--backend ray: Ray is not installed; install the extra: pip install 'vvl[ray]'") \
                from None
        self._ray = ray
        self._owned = not ray.is_initialized()
        if self._owned:
            kwargs: dict[str, Any] = {"address": address} if address else {"num_cpus": workers}
            ray.init(include_dashboard=False, log_to_driver=False, configure_logging=False, **kwargs)
        self._remote: dict[Callable[..., Any], Any] = {}

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        if fn not in self._remote:
            self._remote[fn] = self._ray.remote(num_cpus=1, max_retries=0)(_ray_call)
        return self._remote[fn].remote(fn, *args)

    def wait(self, handles: Sequence[Any]) -> list[Any]:
        done, _ = self._ray.wait(list(handles), num_returns=1)
        return list(done)

    def result(self, handle: Any) -> Any:
        try:
            return self._ray.get(handle)
        except self._ray.exceptions.RayTaskError as exc:  # re-raise the cell's own exception
            raise exc.as_instanceof_cause() from None

    def close(self) -> None:
        if self._owned:
            self._ray.shutdown()


class InlineBackend:
    """Cells run one after another in the calling process, when waited for (debugging, tests)."""

    name = "inline"

    def submit(self, fn: Callable[..., Any], *args: Any) -> cf.Future[Any]:
        future: cf.Future[Any] = cf.Future()
        try:
            future.set_result(fn(*args))
        except Exception as exc:  # delivered to the driver like a worker's failure
            future.set_exception(exc)
        return future

    def wait(self, handles: Sequence[cf.Future[Any]]) -> list[cf.Future[Any]]:
        return list(handles)

    def result(self, handle: cf.Future[Any]) -> Any:
        return handle.result()

    def close(self) -> None:
        pass


def _ray_call(fn: Callable[..., Any], *args: Any) -> Any:
    one_thread()
    return fn(*args)


def make_backend(name: str, workers: int, address: str | None = None) -> Backend:
    """``"local"`` (a process pool), ``"ray"`` or ``"inline"`` (in this process, one cell at a time)."""
    if name == "local":
        if address:
            raise ValueError(f"--address: only with --backend ray, got {address!r}")
        return LocalBackend(workers)
    if name == "ray":
        return RayBackend(workers, address)
    if name == "inline":
        return InlineBackend()
    raise ValueError(f"--backend: must be 'local', 'ray' or 'inline', got {name!r}")
