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
import shutil
import time
import traceback
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from physreel.batch.templates import (
    PlacementError,
    Template,
    load_template,
    matches_interest,
    sample_scene,
    sample_seed_sequence,
    validate_template,
)
from physreel.errors import ArgumentError, InputError, SceneError

__all__ = [
    "BatchResult",
    "FilterConfig",
    "Progress",
    "SampleOutcome",
    "check_quality",
    "core_renderer",
    "run_batch",
    "run_sample",
    "tree_hash",
]

DEFAULT_RENDERER = "physreel.batch.runner:core_renderer"
MARKER = "DONE"
BATCH_FORMAT = 1
REJECTION_REASONS = ("placement", "blowup", "through_floor", "static", "out_of_view")

Renderer = Callable[..., Any]


@dataclass(frozen=True)
class FilterConfig:
    """Quality filters; a rejected clip is resampled with the next attempt index.

    Attributes
    ----------
    enabled : bool
        False accepts every clip that renders (and disables resampling).
    max_speed : float, m/s
        A clip whose objects move faster than this (or have non-finite state) "blew up".
    floor_tolerance : float, m
        A dynamic object (present from the first frame) whose origin goes further than this
        below the ground plane z = 0 fell through the floor.
    min_motion : float, m
        A clip in which no dynamic object's origin moves this far from its start is "static".
    visibility : {"all", "any", "off"}
        "all": every object of interest must project inside some camera's image (centre point,
        in front of the camera) in at least one frame; "any": at least one of them must.
    max_attempts : int
        Attempts per sample (resolutions of the template) before it is recorded as failed.
    """

    enabled: bool = True
    max_speed: float = 100.0
    floor_tolerance: float = 0.05
    min_motion: float = 0.01
    visibility: str = "all"
    max_attempts: int = 10

    def __post_init__(self) -> None:
        if self.visibility not in ("all", "any", "off"):
            raise ArgumentError(
                f"visibility must be 'all', 'any' or 'off', got {self.visibility!r}"
            )
        if self.max_attempts < 1:
            raise ArgumentError(f"max_attempts must be >= 1, got {self.max_attempts}")


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
class SampleOutcome:
    """Result of one sample job (returned by a worker)."""

    k: int
    status: str  # "done" | "failed" | "skipped"
    seed: int | None = None
    attempt: int = 0
    rejections: dict[str, int] = field(default_factory=dict)
    error: str | None = None
    seconds: float = 0.0


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


@dataclass(frozen=True)
class _Job:
    k: int
    root_seed: int
    template_data: dict[str, Any]
    settings: dict[str, Any]
    source: str
    base_dir: str
    samples_dir: str
    passes: tuple[str, ...]
    renderer: str
    retries: int
    filters: FilterConfig


# --------------------------------------------------------------------------------------------
# the renderer


def core_renderer(
    scene: dict[str, Any],
    out: Path,
    *,
    passes: Sequence[str],
    source: str,
    base_dir: Path,
) -> None:
    """Validate a resolved scene dict and render it into folder ``out`` (the default renderer).

    A renderer is any importable function with this signature; it must create ``out`` with a
    ``metadata.json`` (see physreel.outputs.writer) and should write it atomically.
    """
    from physreel.outputs.writer import write_render
    from physreel.scene import load_scene_data

    spec = load_scene_data(scene, source=source, base_dir=Path(base_dir))
    write_render(spec, Path(out), passes=tuple(passes))


def _renderer_spec(renderer: str | Renderer | None) -> str:
    if renderer is None:
        return DEFAULT_RENDERER
    if isinstance(renderer, str):
        if ":" not in renderer:
            raise ArgumentError(f"renderer must be 'module:function', got {renderer!r}")
        return renderer
    mod, name = getattr(renderer, "__module__", None), getattr(renderer, "__qualname__", "")
    if not mod or "<" in name:
        raise ArgumentError(
            "renderer must be a module-level function (worker processes import it by name), "
            f"got {renderer!r}"
        )
    return f"{mod}:{name}"


def _load_renderer(spec: str) -> Renderer:
    import importlib

    mod, _, name = spec.partition(":")
    obj: Any = importlib.import_module(mod)
    for part in name.split("."):
        obj = getattr(obj, part)
    return obj


# --------------------------------------------------------------------------------------------
# quality filters


def _array(x: Any, width: int) -> np.ndarray | None:
    if x is None:
        return None
    try:
        a = np.array(x, dtype=float)
    except (TypeError, ValueError):
        return None
    return a if a.ndim == 2 and a.shape[1] == width else None


def _present(rec: Mapping[str, Any], pos: np.ndarray) -> np.ndarray:
    if rec.get("present") is not None:
        p = np.asarray(rec["present"], dtype=bool)
        if p.shape == (len(pos),):
            return p
    # frames written as null (absent objects, e.g. pieces before a break) are not present
    return ~np.all(np.isnan(pos), axis=1)


def _camera_views(metadata: Mapping[str, Any]) -> list[tuple[np.ndarray, np.ndarray, int, int]]:
    """(K (T,3,3), world_to_camera (T,4,4), width, height) of every camera in the metadata."""
    cams = metadata.get("cameras") or {}
    items = cams.values() if isinstance(cams, Mapping) else cams
    res = metadata.get("resolution") or [0, 0]
    views = []
    for cam in items:
        if not isinstance(cam, Mapping) or cam.get("K") is None:
            continue
        try:
            K = np.asarray(cam["K"], dtype=float)
            w2c = np.asarray(cam["world_to_camera"], dtype=float)
        except (KeyError, TypeError, ValueError):
            continue
        K = K[None] if K.ndim == 2 else K
        w2c = w2c[None] if w2c.ndim == 2 else w2c
        w = int(cam.get("width", res[0]))
        h = int(cam.get("height", res[1]))
        views.append((K, w2c, w, h))
    return views


def _visible(pos: np.ndarray, views: list) -> bool:
    """Whether positions (T, 3) project inside some camera's image in some frame."""
    for K, w2c, w, h in views:
        n = min(len(pos), max(len(K), len(w2c))) if len(K) > 1 or len(w2c) > 1 else len(pos)
        Ks = np.broadcast_to(K, (n, 3, 3)) if len(K) == 1 else K[:n]
        Ms = np.broadcast_to(w2c, (n, 4, 4)) if len(w2c) == 1 else w2c[:n]
        p = pos[:n]
        pc = np.einsum("tij,tj->ti", Ms[:, :3, :3], p) + Ms[:, :3, 3]
        z = pc[:, 2]
        with np.errstate(divide="ignore", invalid="ignore"):
            u = Ks[:, 0, 0] * pc[:, 0] / z + Ks[:, 0, 2]
            v = Ks[:, 1, 1] * pc[:, 1] / z + Ks[:, 1, 2]
        inside = (z > 1e-6) & (u >= 0) & (u < w) & (v >= 0) & (v < h)
        if np.any(inside):
            return True
    return False


def check_quality(
    metadata: Mapping[str, Any],
    filters: FilterConfig,
    interest: Sequence[str] = (),
) -> str | None:
    """Why a rendered clip should be rejected, or None to keep it.

    Parameters
    ----------
    metadata : dict
        The render's ``metadata.json``: ``objects`` with per-frame ``position`` (T, 3) m,
        ``velocity`` (T, 3) m/s, ``angular_velocity`` (T, 3) rad/s, ``static``; optional
        ``present`` (T,) bool (else frames with null positions are absent); ``cameras`` with
        ``K`` ((T,) 3, 3) and ``world_to_camera`` ((T,) 4, 4) in the OpenCV convention.
    filters : FilterConfig
    interest : list of str
        fnmatch patterns of the objects the visibility filter checks; empty means every
        dynamic object present in the first frame.

    Returns
    -------
    str or None
        "blowup" (non-finite state or speed above ``max_speed``), "through_floor", "static",
        "out_of_view", or None.
    """
    if not filters.enabled:
        return None
    objects = metadata.get("objects") or {}
    scene = metadata.get("scene") or {}
    ground = scene.get("ground", {}) if isinstance(scene, Mapping) else {}
    ground_on = not (isinstance(ground, Mapping) and ground.get("enabled") is False)
    max_motion = 0.0
    tracks: dict[str, np.ndarray] = {}
    for name, rec in objects.items():
        if not isinstance(rec, Mapping) or rec.get("static"):
            continue
        pos = _array(rec.get("position"), 3)
        if pos is None or len(pos) == 0:
            continue
        here = _present(rec, pos)
        state = [pos]
        for key in ("velocity", "angular_velocity"):
            a = _array(rec.get(key), 3)
            if a is not None and len(a) == len(pos):
                state.append(a)
        if any(not np.all(np.isfinite(a[here])) for a in state):
            return "blowup"
        if len(state) > 1 and np.any(np.linalg.norm(state[1][here], axis=1) > filters.max_speed):
            return "blowup"
        p = pos[here]
        if len(p) == 0:
            continue
        # a fracture piece's frame origin is its parent's, which may lie below the floor
        if ground_on and here[0] and np.any(p[:, 2] < -filters.floor_tolerance):
            return "through_floor"
        max_motion = max(max_motion, float(np.max(np.linalg.norm(p - p[0], axis=1))))
        if here[0] and matches_interest(str(name), interest):
            tracks[str(name)] = np.where(here[:, None], pos, np.nan)
    if objects and max_motion < filters.min_motion:
        return "static"
    views = _camera_views(metadata)
    if filters.visibility != "off" and views and tracks:
        seen = [_visible(p, views) for p in tracks.values()]
        if (filters.visibility == "all" and not all(seen)) or not any(seen):
            return "out_of_view"
    return None


# --------------------------------------------------------------------------------------------
# one sample


def tree_hash(folder: Path, *, exclude: Sequence[str] = (MARKER,)) -> str:
    """sha256 over the relative paths and bytes of every file under ``folder`` (sorted)."""
    h = hashlib.sha256()
    folder = Path(folder)
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    for p in files:
        rel = p.relative_to(folder).as_posix()
        if rel in exclude:
            continue
        h.update(rel.encode() + b"\0")
        with p.open("rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        h.update(b"\0")
    return h.hexdigest()


def _write_text(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _dump_yaml(data: Any) -> str:
    import io

    from ruamel.yaml import YAML

    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = None
    buf = io.StringIO()
    yaml.dump(data, buf)
    return buf.getvalue()


def _finish_sample(
    work: Path, scene: dict[str, Any], job: _Job, attempt: int, rejections: Mapping[str, int]
) -> str:
    """Write caption, events and the marker into the finished render ``work``; return the hash."""
    from physreel.batch.captions import caption, events_text

    metadata = json.loads((work / "metadata.json").read_text(encoding="utf-8"))
    events = metadata.get("events") or []
    scene_for_text = metadata.get("scene") if isinstance(metadata.get("scene"), Mapping) else scene
    ss = sample_seed_sequence(job.root_seed, job.k, attempt)
    rng = np.random.default_rng(np.random.SeedSequence(ss.entropy, spawn_key=(1,)))
    _write_text(
        work / "caption.txt", caption(scene_for_text, events, rng, metadata=metadata) + "\n"
    )
    _write_text(work / "events.txt", events_text(events))
    if not (work / "scene.yaml").exists():
        _write_text(work / "scene.yaml", _dump_yaml(scene))
    digest = tree_hash(work)
    marker = {
        "sample": job.k,
        "root_seed": job.root_seed,
        "seed": scene.get("seed"),
        "attempt": attempt,
        "rejections": dict(rejections),
        "sha256": digest,
        "completed_at": datetime.now(timezone.utc).isoformat(timespec="microseconds"),
    }
    _write_text(work / MARKER, json.dumps(marker, indent=1) + "\n")
    return digest


def _short_error(exc: BaseException) -> str:
    tb = traceback.extract_tb(exc.__traceback__)
    where = f" (at {Path(tb[-1].filename).name}:{tb[-1].lineno})" if tb else ""
    return f"{type(exc).__name__}: {exc}{where}"


def run_sample(job: _Job) -> SampleOutcome:
    """Render sample ``job.k``: resolve, render, filter (resample on rejection), label, mark.

    Runs in a worker process; never raises for a failing sample (returns status "failed").
    """
    t0 = time.perf_counter()
    samples = Path(job.samples_dir)
    final = samples / f"{job.k:06d}"
    if (final / MARKER).exists():
        return SampleOutcome(job.k, "skipped")
    template = Template(job.template_data, job.source, Path(job.base_dir), job.settings)
    render = _load_renderer(job.renderer)
    interest = list(job.settings.get("interest", []) or [])
    rejections: Counter[str] = Counter()
    attempts = job.filters.max_attempts if job.filters.enabled else 1
    seed = None
    last = ""
    for attempt in range(attempts):
        try:
            scene = sample_scene(template, job.root_seed, job.k, attempt)
        except PlacementError as exc:
            rejections["placement"] += 1
            last = str(exc)
            continue
        except Exception as exc:  # noqa: BLE001 - recorded in failures.jsonl
            return SampleOutcome(
                job.k, "failed", None, attempt, dict(rejections), _short_error(exc)
            )
        seed = scene.get("seed")
        error = None
        rejected = False
        for trial in range(job.retries + 1):
            work = samples / f"{job.k:06d}.tmp-{os.getpid()}-{attempt}-{trial}"
            shutil.rmtree(work, ignore_errors=True)
            try:
                render(scene, work, passes=job.passes, source=job.source, base_dir=job.base_dir)
                metadata = json.loads((work / "metadata.json").read_text(encoding="utf-8"))
                reason = check_quality(metadata, job.filters, interest)
                if reason is not None:
                    rejections[reason] += 1
                    last = f"rejected by the quality filter '{reason}'"
                    shutil.rmtree(work, ignore_errors=True)
                    rejected = True
                    break
                _finish_sample(work, scene, job, attempt, rejections)
                try:
                    os.rename(work, final)
                except OSError:
                    if not (final / MARKER).exists():
                        raise
                    shutil.rmtree(work, ignore_errors=True)  # another run completed it
                return SampleOutcome(
                    job.k, "done", seed, attempt, dict(rejections), None, time.perf_counter() - t0
                )
            except Exception as exc:  # noqa: BLE001 - retried, then recorded
                error = _short_error(exc)
                shutil.rmtree(work, ignore_errors=True)
                if isinstance(exc, InputError):
                    break  # an invalid resolved scene fails the same way every time
        if not rejected:
            return SampleOutcome(
                job.k, "failed", seed, attempt, dict(rejections), error, time.perf_counter() - t0
            )
    return SampleOutcome(
        job.k,
        "failed",
        seed,
        attempts - 1,
        dict(rejections),
        f"no acceptable clip in {attempts} attempts ({dict(rejections)}); last: {last}",
        time.perf_counter() - t0,
    )


# --------------------------------------------------------------------------------------------
# engines


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


# --------------------------------------------------------------------------------------------
# the batch


def _sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _prepare_dir(out_dir: Path, template_path: Path, seed: int, passes: Sequence[str]) -> None:
    """Create OUT, record the batch parameters, or check them against an earlier run."""
    text = template_path.read_bytes()
    info = {
        "format": BATCH_FORMAT,
        "template": str(template_path),
        "template_sha256": _sha256_bytes(text),
        "seed": int(seed),
        "passes": list(passes),
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "samples").mkdir(exist_ok=True)
    path = out_dir / "batch.json"
    if path.exists():
        old = json.loads(path.read_text(encoding="utf-8"))
        for key, what in (
            ("template_sha256", "template"),
            ("seed", "seed"),
            ("passes", "passes"),
        ):
            if old.get(key) != info[key]:
                shown = old.get("template") if key == "template_sha256" else old.get(key)
                raise ArgumentError(
                    f"{out_dir} holds a batch made with a different {what} "
                    f"(was {shown!r}); resume it with the same template, --seed "
                    f"{old.get('seed')} and --passes {','.join(old.get('passes', []))}, "
                    "or write to another --out folder"
                )
        return
    (out_dir / "template.yaml").write_bytes(text)
    _write_text(path, json.dumps(info, indent=1) + "\n")


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


def clean_partial(samples_dir: Path) -> list[str]:
    """Remove leftovers of an interrupted run: temporary folders and unmarked sample folders.

    Returns
    -------
    list of str
        Names of the removed entries.
    """
    removed = []
    if not samples_dir.exists():
        return removed
    for p in sorted(samples_dir.iterdir()):
        partial = ".tmp-" in p.name or (p.is_dir() and not (p / MARKER).exists())
        if partial:
            if p.is_dir():
                shutil.rmtree(p, ignore_errors=True)
            else:
                p.unlink(missing_ok=True)
            removed.append(p.name)
    return removed


def read_marker(sample_dir: Path) -> dict[str, Any] | None:
    """The parsed ``DONE`` marker of a sample folder, or None when it is not complete."""
    try:
        return json.loads((Path(sample_dir) / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def run_batch(
    template_path: str | Path,
    out_dir: str | Path,
    count: int,
    *,
    workers: int | None = None,
    seed: int = 0,
    passes: Sequence[str] = ("rgb",),
    engine: str = "local",
    address: str | None = None,
    retries: int = 1,
    filters: FilterConfig | None = None,
    progress: Callable[[Progress], None] | None = None,
    renderer: str | Renderer | None = None,
    write_index: bool = True,
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
        Render passes ("rgb", ...), passed to the renderer.
    engine : {"local", "ray"}
    address : str, optional
        Ray cluster address (``ray.init(address)``); a local instance when None.
    retries : int
        Extra tries of a sample whose render raises, before it goes to ``failures.jsonl``.
    filters : FilterConfig, optional
        Quality filters (default ``FilterConfig()``).
    progress : callable, optional
        Called with a :class:`Progress` after each sample.
    renderer : "module:function" or function, optional
        Renders one resolved scene dict into a folder (default :func:`core_renderer`).
    write_index : bool
        Write ``index.parquet``/``index.csv`` and ``README.md`` at the end.

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
    passes = tuple(passes)
    template_path = Path(template_path)
    out_dir = Path(out_dir)
    template = load_template(template_path)
    problems = validate_template(template.data, str(template_path), base_dir=template.base_dir)
    if problems:
        raise SceneError(str(template_path), problems)
    out_dir.mkdir(parents=True, exist_ok=True)
    with _batch_lock(out_dir):
        _prepare_dir(out_dir, template_path, seed, passes)
        samples = out_dir / "samples"
        clean_partial(samples)

        from physreel.batch.templates import _plain

        data = _plain(template.data)
        spec = _renderer_spec(renderer)
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
                renderer=spec,
                retries=int(retries),
                filters=filters,
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
        summary = result.to_json() | {
            "seed": int(seed),
            "passes": list(passes),
            "engine": engine,
            "workers": workers,
            "filters": asdict(filters),
            "template": str(template_path),
        }
        _write_text(out_dir / "summary.json", json.dumps(summary, indent=1) + "\n")
        if write_index:
            from physreel.batch.index import build_index, write_dataset_card

            build_index(out_dir)
            write_dataset_card(out_dir)
        return result
