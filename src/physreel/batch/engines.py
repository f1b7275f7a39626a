"""Engines that run sample jobs: inline, a local process pool (spawn), or Ray tasks."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
from typing import Any

from physreel.batch.sample import SampleOutcome, _Job, _short_error, run_sample
from physreel.errors import InputError


def _run_inline(jobs: list[_Job], on_outcome: Callable[[SampleOutcome], None]) -> None:
    for job in jobs:
        on_outcome(run_sample(job))


def _run_local(jobs: list[_Job], workers: int, on_outcome: Callable[[SampleOutcome], None]) -> None:
    """Process pool with the spawn start method; a crashed worker (e.g. a segfault in a native
    library) breaks the pool: unfinished jobs are resubmitted to a new pool and a job is given
    up after ``retries + 2`` such crashes."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    ctx = multiprocessing.get_context("spawn")
    crashes: Counter[int] = Counter()
    pending = list(jobs)
    while pending:
        ex = ProcessPoolExecutor(max_workers=min(workers, len(pending)), mp_context=ctx,
                                 initializer=_quiet_worker)
        try:
            futures = {ex.submit(_worker_job, job): job for job in pending}
            pending = []
            for fut in as_completed(futures):
                job = futures[fut]
                try:
                    on_outcome(fut.result())
                except BrokenProcessPool as exc:
                    crashes[job.k] += 1
                    if crashes[job.k] > job.retries + 1:
                        on_outcome(
                            SampleOutcome(job.k, "failed", error=f"worker process died: {exc}")
                        )
                    else:
                        pending.append(job)
        except BaseException:
            # Ctrl-C or an error in the caller: drop queued samples, stop the running ones (their
            # temporary folders are removed by the caller or the next run)
            procs = list((getattr(ex, "_processes", None) or {}).values())  # shutdown forgets them
            ex.shutdown(wait=False, cancel_futures=True)
            _stop_workers(procs)
            raise
        ex.shutdown(wait=True)
        pending.sort(key=lambda j: j.k)


_BUSY = False  # a worker is inside a sample (its temporary folder and ffmpeg need cleaning up)


def _quiet_worker() -> None:
    """Worker start: Ctrl-C is the parent's to handle (it terminates the workers), so a worker
    ignores SIGINT; SIGTERM stops the sample it is making the way Ctrl-C stops a render (ffmpeg
    finishes, the temporary folder is removed) and ends the process without a traceback.
    pybullet is imported without its banner."""
    import signal

    from physreel._pybullet import pybullet

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _on_terminate)
    pybullet()


def _on_terminate(signum, frame) -> None:
    if _BUSY:
        raise KeyboardInterrupt
    os._exit(0)


def _worker_job(job: _Job) -> SampleOutcome:
    global _BUSY
    _BUSY = True
    try:
        return run_sample(job)
    except KeyboardInterrupt:  # terminated by the parent: the sample cleaned up after itself
        os._exit(130)
    finally:
        _BUSY = False


def _stop_workers(procs: list) -> None:
    """Terminate a pool's worker processes (they ignore SIGINT) and wait for them."""
    for proc in procs:
        proc.terminate()
    for proc in procs:
        proc.join(timeout=10)


def _run_ray(
    jobs: list[_Job],
    workers: int,
    address: str | None,
    on_outcome: Callable[[SampleOutcome], None],
) -> None:
    try:
        import ray
    except ImportError as exc:
        raise InputError(
            "the Ray engine needs Ray, which is not installed: pip install 'physreel[ray]' "
            "(or use --engine local)"
        ) from exc
    started = False
    if not ray.is_initialized():
        kwargs: dict[str, Any] = {"log_to_driver": False, "include_dashboard": False}
        if address is None:
            kwargs["num_cpus"] = workers
        ray.init(address=address, **kwargs)
        started = True
    try:
        remote = ray.remote(num_cpus=1, max_retries=2)(run_sample)
        refs = {remote.remote(job): job for job in jobs}
        while refs:
            ready, _ = ray.wait(list(refs), num_returns=1)
            for ref in ready:
                job = refs.pop(ref)
                try:
                    on_outcome(ray.get(ref))
                except Exception as exc:  # noqa: BLE001 - a task that died: record it
                    on_outcome(SampleOutcome(job.k, "failed", error=_short_error(exc)))
    finally:
        if started:
            ray.shutdown()
