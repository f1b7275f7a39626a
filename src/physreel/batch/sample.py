"""One sample of a batch: resolve, simulate, filter, render, label, mark.

A sample is rendered into a temporary sibling ``samples/000005.tmp-...`` and renamed to
``samples/000005`` after its ``DONE`` marker is written, so a sample folder is complete or
absent.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
import traceback
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from physreel.batch.backend import SimulatedSample, load_backend
from physreel.batch.filters import FilterConfig, check_quality
from physreel.batch.options import apply_overrides
from physreel.batch.templates import PlacementError, Template, sample_scene, sample_seed_sequence
from physreel.errors import InputError

MARKER = "DONE"


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
    controls: tuple[str, ...]
    backend: str
    retries: int
    filters: FilterConfig
    #: scene overrides of the batch options (physreel.batch.options)
    overrides: dict[str, Any] = field(default_factory=dict)


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
    work: Path, sim: SimulatedSample, job: _Job, attempt: int, rejections: Mapping[str, int]
) -> str:
    """Write caption, events and the marker into the finished render ``work``; return the hash.
    The caption is made from the simulation record, not from the written files."""
    from physreel.batch.captions import caption, events_text

    scene, metadata = sim.scene, sim.metadata
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
    """Make sample ``job.k``: resolve the template, simulate, filter (resample on rejection),
    render, label, mark.  A rejected attempt costs its simulation only.

    Runs in a worker process; never raises for a failing sample (returns status "failed").
    """
    t0 = time.perf_counter()
    samples = Path(job.samples_dir)
    final = samples / f"{job.k:06d}"
    if (final / MARKER).exists():
        return SampleOutcome(job.k, "skipped")
    template = Template(job.template_data, job.source, Path(job.base_dir), job.settings)
    backend = load_backend(job.backend)
    interest = list(job.settings.get("interest", []) or [])
    rejections: Counter[str] = Counter()
    attempts = job.filters.max_attempts if job.filters.enabled else 1
    seed = None
    last = ""
    for attempt in range(attempts):
        try:
            scene = apply_overrides(sample_scene(template, job.root_seed, job.k, attempt), job.overrides)
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
            try:
                sim = backend.simulate(scene, source=job.source, base_dir=Path(job.base_dir))
                reason = check_quality(sim.metadata, job.filters, interest)
                if reason is not None:
                    rejections[reason] += 1
                    last = f"rejected by the quality filter '{reason}'"
                    rejected = True
                    break
                shutil.rmtree(work, ignore_errors=True)
                backend.render(sim, work, passes=job.passes, controls=job.controls)
                _finish_sample(work, sim, job, attempt, rejections)
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
