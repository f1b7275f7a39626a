"""Run a batch: many samples of a template, in parallel, resumable, with quality filters.

Layout of a batch folder ``OUT``::

    OUT/
      batch.json        root seed, passes, template hash (a rerun must match them)
      template.yaml     a copy of the template
      samples/000000/   one render per sample (metadata.json, scene.yaml, <camera>/rgb.mp4, ...)
                        plus caption.txt, events.txt and DONE (written last)
      failures.jsonl    one JSON line per sample that failed after its retries
      summary.json      counts (complete, failed, rejected by each filter), timing
      index.parquet     (or index.csv) and README.md, see physreel.batch.index

Each sample is rendered into a temporary sibling ``samples/000005.tmp-...`` and renamed to
``samples/000005`` after its ``DONE`` marker is written, so a sample folder is complete or
absent.  A rerun of the same command skips every sample with a marker, removes leftover
temporary folders, and renders only what is missing: the batch can be killed at any moment
(even with SIGKILL) and resumed.

Randomness: attempt ``a`` of sample ``k`` is resolved with ``SeedSequence([seed, k])``
(``a = 0``) or ``SeedSequence([seed, k, a])``, so the dataset depends on the root seed only,
not on the number of workers, the engine or the order of completion.

Engines: ``local`` runs a ``ProcessPoolExecutor`` with the *spawn* start method (pybullet
clients and GL contexts must not be forked; each worker process creates its own); ``ray`` runs
the same jobs as Ray tasks (``ray.init(address)``; a local Ray instance when no address is
given and none is running).  With Ray on several machines ``OUT`` must be on a shared
filesystem.  Two batches must not write the same folder at the same time.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections import Counter
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from physreel.batch.backend import backend_spec
from physreel.batch.engines import _run_inline, _run_local, _run_ray
from physreel.batch.filters import REJECTION_REASONS, FilterConfig, check_quality
from physreel.batch.sample import (
    MARKER,
    SampleOutcome,
    _Job,
    _write_text,
    clean_partial,
    read_marker,
    run_sample,
    tree_hash,
)
from physreel.batch.templates import load_template, validate_template
from physreel.errors import ArgumentError, SceneError

__all__ = [
    "BatchResult",
    "FilterConfig",
    "Progress",
    "SampleOutcome",
    "check_quality",
    "clean_partial",
    "is_batch_folder",
    "read_marker",
    "run_batch",
    "run_sample",
    "tree_hash",
]

BATCH_FORMAT = 1


@dataclass(frozen=True)
class Progress:
    """What a progress callback receives after each finished sample.

    Attributes
    ----------
    done : int
        Samples finished (complete, skipped as already complete, or failed).
    total : int
        Samples in the batch.
    failed : int
        Samples that failed in this run.
    rate : float
        Samples per minute rendered in this run (0 before the first one).
    eta_s : float or None
        Estimated seconds left, None before the first sample of this run.
    elapsed_s : float
        Seconds since the run started.
    """

    done: int
    total: int
    failed: int
    rate: float
    eta_s: float | None
    elapsed_s: float


@dataclass
class BatchResult:
    """Summary of a batch run (also written to ``OUT/summary.json``).

    Attributes
    ----------
    out_dir : Path
    total : int
        Samples requested.
    complete : int
        Samples with a completion marker after this run (including earlier runs').
    rendered : int
        Samples completed by this run.
    skipped : int
        Samples already complete when the run started.
    failed : list of int
        Sample indices that failed in this run (see ``failures.jsonl``).
    rejections : dict of str to int
        Rejected attempts by reason, over all complete samples and this run's failures.
    seconds : float
        Wall time of this run.
    samples_per_minute : float
        Rendered samples per minute of wall time in this run.
    """

    out_dir: Path
    total: int
    complete: int
    rendered: int
    skipped: int
    failed: list[int]
    rejections: dict[str, int]
    seconds: float
    samples_per_minute: float

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["out_dir"] = str(self.out_dir)
        return d

    def to_file(self) -> dict[str, Any]:
        """What ``summary.json`` holds: :meth:`to_json` without absolute paths (a dataset can
        be moved)."""
        d = self.to_json()
        d["out_dir"] = "."
        return d


# --------------------------------------------------------------------------------------------
# the batch


def _sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _relative(path: Path, folder: Path) -> str:
    """``path`` relative to ``folder`` (batch files never hold absolute paths: a dataset moved
    with its template keeps pointing at it)."""
    try:
        return Path(os.path.relpath(os.path.realpath(path), os.path.realpath(folder))).as_posix()
    except ValueError:  # another drive (Windows)
        return str(path)


def is_batch_folder(folder: Path) -> bool:
    """Whether ``folder`` is a batch folder physreel made: it has ``batch.json`` (written first),
    or holds nothing but the lock of a run stopped before that."""
    folder = Path(folder)
    if (folder / "batch.json").is_file():
        return True
    return all(p.name in (".lock", "batch.json.part") for p in folder.iterdir())


def _prepare_dir(out_dir: Path, template_path: Path, seed: int, passes: Sequence[str],
                 controls: Sequence[str] = (), overrides: dict | None = None) -> None:
    """Create OUT, record the batch parameters, or check them against an earlier run.
    ``batch.json`` is written before anything else, so that a folder with batch entries is
    always recognised as a batch (:func:`is_batch_folder`)."""
    text = template_path.read_bytes()
    info = {
        "format": BATCH_FORMAT,
        "template": _relative(template_path, out_dir),
        "template_sha256": _sha256_bytes(text),
        "seed": int(seed),
        "passes": list(passes),
        "controls": list(controls),
        "overrides": dict(overrides or {}),
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "batch.json"
    if path.exists():
        old = json.loads(path.read_text(encoding="utf-8"))
        for key, what in (
            ("template_sha256", "template"),
            ("seed", "seed"),
            ("passes", "passes"),
            ("controls", "--control"),
            ("overrides", "options"),
        ):
            # batches made before --control and the options were recorded had neither
            if old.get(key, {"controls": [], "overrides": {}}.get(key)) != info[key]:
                from physreel.batch.options import describe

                shown = old.get("template") if key == "template_sha256" else old.get(key)
                same = f"--seed {old.get('seed')} --passes {','.join(old.get('passes', []))}"
                if old.get("controls"):
                    same += f" --control {','.join(old['controls'])}"
                if old.get("overrides"):
                    same += " " + describe(old["overrides"])
                raise ArgumentError(
                    f"{out_dir} holds a batch made with a different {what} "
                    f"(was {shown!r}); resume it with the same template and {same}, "
                    "or write to another --out folder"
                )
    else:
        _write_text(path, json.dumps(info, indent=1) + "\n")
        (out_dir / "template.yaml").write_bytes(text)
    (out_dir / "samples").mkdir(exist_ok=True)


@contextmanager
def _batch_lock(out_dir: Path):
    """Hold an exclusive lock on ``OUT/.lock`` (released by the OS even after SIGKILL)."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no protection against two concurrent runs
        yield
        return
    with (out_dir / ".lock").open("a") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise ArgumentError(
                f"another `physreel batch` is writing to {out_dir}; wait for it to finish "
                "(two runs must not write the same folder)"
            ) from None
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def run_batch(
    template_path: str | Path,
    out_dir: str | Path,
    count: int,
    *,
    workers: int | None = None,
    seed: int = 0,
    passes: Sequence[str] = ("rgb",),
    controls: Sequence[str] = (),
    engine: str = "local",
    address: str | None = None,
    retries: int = 1,
    filters: FilterConfig | None = None,
    progress: Callable[[Progress], None] | None = None,
    backend: str | None = None,
    write_index: bool = True,
    overrides: dict | None = None,
) -> BatchResult:
    """Render ``count`` samples of a template into ``out_dir`` (resumable).

    Parameters
    ----------
    template_path : path
        The template (see physreel.batch.templates).
    out_dir : path
        The batch folder (created; an existing one is resumed).
    count : int
        Samples 0 .. count-1.  Rerunning with a larger count extends the batch.
    workers : int, optional
        Parallel worker processes (default: all cores); 0 runs in this process (debugging).
    seed : int
        Root seed; sample k depends only on (seed, k).
    passes : list of str
        Render passes ("rgb", ...).
    controls : list of str
        Conditioning exports ("depth", "canny", ...).
    engine : {"local", "ray"}
    address : str, optional
        Ray cluster address (``ray.init(address)``); a local instance when None.
    retries : int
        Extra tries of a sample whose simulation or render raises, before it goes to
        ``failures.jsonl``.
    filters : FilterConfig, optional
        Quality filters (default ``FilterConfig()``).
    progress : callable, optional
        Called with a :class:`Progress` after each sample.
    backend : "module:attribute", optional
        Simulates and renders one resolved scene (default physreel's own pipeline,
        :data:`physreel.batch.backend.CORE`; see :mod:`physreel.batch.backend`).
    write_index : bool
        Write ``index.parquet``/``index.csv`` and ``README.md`` at the end.
    overrides : dict, optional
        Scene overrides applied to every sample (``resolution``, ``fps``, ``duration``,
        ``preset``, ``storage``; make them with :func:`physreel.batch.options.make_overrides`).

    Returns
    -------
    BatchResult

    Raises
    ------
    SceneError
        The template is invalid (nothing is rendered).
    ArgumentError
        Bad arguments, or ``out_dir`` holds a batch with another template, seed or passes.
    """
    t0 = time.perf_counter()
    filters = filters or FilterConfig()
    if count < 0:
        raise ArgumentError(f"count must be >= 0, got {count}")
    if engine not in ("local", "ray"):
        raise ArgumentError(f"engine must be 'local' or 'ray', got {engine!r}")
    if retries < 0:
        raise ArgumentError(f"retries must be >= 0, got {retries}")
    workers = (os.cpu_count() or 1) if workers is None else int(workers)
    if workers < 0:
        raise ArgumentError(f"workers must be >= 0, got {workers}")
    passes, controls = tuple(passes), tuple(controls)
    from physreel.batch.options import make_overrides

    overrides = make_overrides(**dict(overrides or {}))
    template_path = Path(template_path)
    out_dir = Path(out_dir)
    template = load_template(template_path)
    problems = validate_template(template.data, str(template_path), base_dir=template.base_dir)
    if problems:
        raise SceneError(str(template_path), problems)
    from physreel.outputs.writer import check_output_folder

    check_output_folder(out_dir, what="physreel batch folder (no batch.json)", is_ours=is_batch_folder,
                        can_overwrite=False)
    out_dir.mkdir(parents=True, exist_ok=True)
    with _batch_lock(out_dir):
        _prepare_dir(out_dir, template_path, seed, passes, controls, overrides)
        samples = out_dir / "samples"
        clean_partial(samples)

        from physreel.batch.template_syntax import plain as _plain

        data = _plain(template.data)
        spec = backend_spec(backend)
        jobs = [
            _Job(
                k=k,
                root_seed=int(seed),
                template_data=data,
                settings=template.settings,
                source=str(template_path),
                base_dir=str(template.base_dir),
                samples_dir=str(samples.resolve()),
                passes=passes,
                controls=controls,
                backend=spec,
                retries=int(retries),
                filters=filters,
                overrides=overrides,
            )
            for k in range(count)
            if not (samples / f"{k:06d}" / MARKER).exists()
        ]
        skipped = count - len(jobs)
        state = {"done": skipped, "rendered": 0, "failed": []}
        run_rejections: Counter[str] = Counter()
        start = time.perf_counter()

        def on_outcome(o: SampleOutcome) -> None:
            state["done"] += 1
            if o.status == "done":
                state["rendered"] += 1
            elif o.status == "failed":
                state["failed"].append(o.k)
                run_rejections.update(o.rejections)
                record = {
                    "k": o.k,
                    "root_seed": int(seed),
                    "seed": o.seed,
                    "attempt": o.attempt,
                    "rejections": o.rejections,
                    "error": o.error,
                    "time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                }
                with (out_dir / "failures.jsonl").open("a", encoding="utf-8") as f:
                    f.write(json.dumps(record) + "\n")
            if progress is not None:
                elapsed = time.perf_counter() - start
                finished = state["done"] - skipped
                rate = 60.0 * finished / elapsed if elapsed > 0 and finished else 0.0
                left = count - state["done"]
                eta = left * elapsed / finished if finished else None
                progress(Progress(state["done"], count, len(state["failed"]), rate, eta, elapsed))

        if progress is not None:
            progress(Progress(skipped, count, 0, 0.0, None, 0.0))
        if jobs:
            if engine == "ray":
                _run_ray(jobs, max(workers, 1), address, on_outcome)
            elif workers == 0:
                _run_inline(jobs, on_outcome)
            else:
                _run_local(jobs, workers, on_outcome)

        clean_partial(samples)  # temporary folders of workers that died (e.g. a Ray node lost)
        complete = 0
        rejections: Counter[str] = Counter()
        for k in range(count):
            marker = read_marker(samples / f"{k:06d}")
            if marker is not None:
                complete += 1
                rejections.update(marker.get("rejections") or {})
        rejections.update(run_rejections)
        seconds = time.perf_counter() - t0
        run_seconds = time.perf_counter() - start
        result = BatchResult(
            out_dir=out_dir,
            total=count,
            complete=complete,
            rendered=state["rendered"],
            skipped=skipped,
            failed=sorted(state["failed"]),
            rejections={r: int(rejections.get(r, 0)) for r in REJECTION_REASONS},
            seconds=seconds,
            samples_per_minute=60.0 * state["rendered"] / run_seconds if state["rendered"] else 0.0,
        )
        summary = result.to_file() | {
            "seed": int(seed),
            "passes": list(passes),
            "controls": list(controls),
            "overrides": overrides,
            "engine": engine,
            "workers": workers,
            "filters": asdict(filters),
            "template": _relative(template_path, out_dir),
        }
        _write_text(out_dir / "summary.json", json.dumps(summary, indent=1) + "\n")
        if write_index:
            from physreel.batch.index import build_index, write_dataset_card
            from physreel.outputs.preview import write_gallery

            build_index(out_dir)
            write_dataset_card(out_dir)
            write_gallery(out_dir)
        return result
