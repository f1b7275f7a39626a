"""Engines that run sample jobs: inline, a local process pool (spawn), or Ray tasks."""

from __future__ import annotations

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
        ex = ProcessPoolExecutor(max_workers=min(workers, len(pending)), mp_context=ctx)
        try:
            futures = {ex.submit(run_sample, job): job for job in pending}
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
            # Ctrl-C or an error in the caller: drop queued samples instead of finishing them
            ex.shutdown(wait=False, cancel_futures=True)
            raise
        ex.shutdown(wait=True)
        pending.sort(key=lambda j: j.k)


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
