"""The ``physreel batch`` and ``physreel export`` commands (registered by physreel.cli).

Thin: parse arguments, call :func:`physreel.batch.runner.run_batch` /
:func:`physreel.batch.export.export`, show progress, map errors to exit codes (2 for bad input,
1 for runtime failures, including a batch that finished with failed samples).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from physreel.cli_output import console, run
from physreel.errors import PhysreelError

__all__ = ["batch", "export", "export_cmd"]


class _SamplesFailed(PhysreelError):
    """The batch finished, but some samples failed (exit 1)."""


def _passes(values: tuple[str, ...]) -> tuple[str, ...]:
    """Pass names in the order given, aliases made canonical, ``all`` expanded; a misspelt
    name is an error of the flag (exit 2) before anything is written."""
    from .passes import PASSES

    return _registry_names("--passes", PASSES, values) or ("rgb",)


def _controls(values: tuple[str, ...]) -> tuple[str, ...]:
    """Control names, as :func:`_passes` does for passes (none by default)."""
    from .passes import CONTROLS

    return _registry_names("--control", CONTROLS, values)


def _registry_names(flag: str, registry, values: tuple[str, ...]) -> tuple[str, ...]:
    from .errors import ArgumentError

    out: list[str] = []
    for v in values:
        out.extend(p.strip() for p in v.split(",") if p.strip())
    try:
        registry.resolve(out)
    except ArgumentError as e:
        raise ArgumentError(f"{flag}: {e}") from None
    out = registry.names if "all" in out else [registry.canonical(p) for p in out]
    return tuple(dict.fromkeys(out))


def _overrides(resolution: str | None, fps: int | None, duration: float | None, preset: str | None,
               storage: str | None) -> dict:
    """The scene overrides of the batch options (checked: a bad value is the flag's error)."""
    from .batch.options import make_overrides
    from .errors import ArgumentError

    res = None
    if resolution is not None:
        from .cli import _resolution

        try:
            res = _resolution(resolution)
        except click.BadParameter as e:
            raise ArgumentError(f"--resolution: {e.message}") from None
    return make_overrides(resolution=res, fps=fps, duration=duration, preset=preset, storage=storage)


def _fmt_eta(seconds: float | None) -> str:
    if seconds is None:
        return "--:--"
    s = int(round(seconds))
    return (
        f"{s // 3600:d}:{s % 3600 // 60:02d}:{s % 60:02d}"
        if s >= 3600
        else f"{s // 60:02d}:{s % 60:02d}"
    )


@click.command("batch")
@click.argument("template", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--count", "-n", type=click.IntRange(min=0), required=True, help="Samples to make.")
@click.option(
    "--out",
    "-o",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Batch folder (an existing one is resumed).",
)
@click.option(
    "--workers",
    "-j",
    type=click.IntRange(min=0),
    default=None,
    help="Worker processes (default: all cores; 0: run in this process).",
)
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Root seed.")
@click.option(
    "--passes",
    "-p",
    multiple=True,
    help="Render passes, comma-separated or repeated (default: rgb).",
)
@click.option(
    "--control",
    multiple=True,
    help="Conditioning controls, comma-separated or repeated (depth, normal, edges, canny, seg, tracks, all).",
)
@click.option("--resolution", default=None, help="WIDTHxHEIGHT of every sample, e.g. 256x256 (overrides the template).")
@click.option("--fps", type=click.IntRange(1, 240), default=None, help="Frames per second (overrides the template).")
@click.option(
    "--duration", type=click.FloatRange(min=0, min_open=True), default=None, help="Seconds (overrides the template)."
)
@click.option(
    "--preset",
    type=click.Choice(["animatediff", "svd", "cogvideox", "wan"]),
    default=None,
    help="Frame count, size and fps of a video model (overrides the template).",
)
@click.option(
    "--storage",
    type=click.Choice(["compact", "npy"]),
    default=None,
    help="compact: 16-bit PNGs (default); npy: exact float32 arrays, ~40x larger.",
)
@click.option(
    "--engine",
    type=click.Choice(["local", "ray"]),
    default="local",
    show_default=True,
    help="local: a process pool; ray: Ray tasks (pip install 'physreel[ray]').",
)
@click.option("--address", default=None, help="Ray cluster address (default: start a local Ray).")
@click.option(
    "--retries",
    type=click.IntRange(min=0),
    default=1,
    show_default=True,
    help="Extra tries of a sample whose render fails, before it goes to failures.jsonl.",
)
@click.option(
    "--max-attempts",
    type=click.IntRange(min=1),
    default=10,
    show_default=True,
    help="Resampled attempts per sample when the quality filters reject a clip.",
)
@click.option("--no-filters", is_flag=True, help="Keep every clip that renders.")
@click.option(
    "--max-speed",
    type=float,
    default=100.0,
    show_default=True,
    help="Reject clips with speeds above this (m/s): the simulation blew up.",
)
@click.option(
    "--min-motion",
    type=float,
    default=0.01,
    show_default=True,
    help="Reject clips in which no object moves this far (m).",
)
@click.option(
    "--visibility",
    type=click.Choice(["all", "any", "off"]),
    default="all",
    show_default=True,
    help="Objects of interest that must appear in view at least once.",
)
@click.option("--backend", default=None, hidden=True, help="module:attribute of a batch backend (tests, plugins).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document on stdout (counts, timing, failures).")
def batch(
    template: Path,
    count: int,
    out: Path,
    workers: int | None,
    seed: int,
    passes: tuple[str, ...],
    control: tuple[str, ...],
    resolution: str | None,
    fps: int | None,
    duration: float | None,
    preset: str | None,
    storage: str | None,
    engine: str,
    address: str | None,
    retries: int,
    max_attempts: int,
    no_filters: bool,
    max_speed: float,
    min_motion: float,
    visibility: str,
    backend: str | None,
    as_json: bool,
) -> None:
    """Render COUNT randomized samples of TEMPLATE into a dataset folder.

    Resumable: run the same command again after an interruption (even kill -9) and it renders
    only the missing samples.
    """
    from physreel.batch.runner import FilterConfig, run_batch

    con = console()
    con.json = as_json
    tty = con.progress
    bar = None
    last_line = [-1]

    def progress(p) -> None:
        nonlocal bar
        label = f"{p.rate:5.1f} samples/min  ETA {_fmt_eta(p.eta_s)}"
        if tty:
            if bar is None:
                bar = click.progressbar(
                    length=p.total, label=label, file=sys.stderr, show_eta=False
                )
                bar.__enter__()
            bar.label = label
            bar.update(p.done - bar.pos)
        elif not con.quiet:
            step = max(1, p.total // 20)
            if p.done == p.total or p.done // step != last_line[0]:
                last_line[0] = p.done // step
                click.echo(f"{p.done}/{p.total} samples ({p.failed} failed)  {label}", err=True)

    def body() -> None:
        filters = FilterConfig(
            enabled=not no_filters,
            max_speed=max_speed,
            min_motion=min_motion,
            visibility=visibility,
            max_attempts=max_attempts,
        )
        try:
            result = run_batch(
                template,
                out,
                count,
                workers=workers,
                seed=seed,
                passes=_passes(passes),
                controls=_controls(control),
                overrides=_overrides(resolution, fps, duration, preset, storage),
                engine=engine,
                address=address,
                retries=retries,
                filters=filters,
                progress=progress,
                backend=backend,
            )
        finally:
            if bar is not None:
                bar.__exit__(None, None, None)
        rej = ", ".join(f"{k} {v}" for k, v in result.rejections.items() if v) or "none"
        con.info(
            f"{result.complete}/{result.total} samples complete in {out} "
            f"({result.rendered} rendered, {result.skipped} already done, "
            f"{len(result.failed)} failed; rejected clips: {rej}; "
            f"{result.samples_per_minute:.1f} samples/min)"
        )
        con.result({"ok": not result.failed, **result.to_json(),
                    "preview": str(out / "preview.html") if (out / "preview.html").is_file() else None})
        if result.failed:
            raise _SamplesFailed(
                f"{len(result.failed)} sample(s) failed (see {out / 'failures.jsonl'}); "
                "run the same command again to retry them"
            )

    run(body, interrupted=lambda: _interrupted(out, count))


def _interrupted(out: Path, count: int) -> str:
    """What Ctrl-C leaves: complete samples (kept), nothing half-written (removed)."""
    from physreel.batch.sample import MARKER, clean_partial

    samples = out / "samples"
    if samples.is_dir():
        clean_partial(samples)
    done = sum(1 for k in range(count) if (samples / f"{k:06d}" / MARKER).is_file())
    return (f"interrupted: {done} of {count} samples done; run the same command to resume "
            "(it renders only the missing ones)")


@click.command("export")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["webdataset", "hf", "cogvideox", "wan"]),
    required=True,
    help="webdataset: tar shards; hf: a Hugging Face VideoFolder with a dataset card; cogvideox, wan: "
    "fine-tuning lists, clips conformed to the model (frame rule, size, fps) or refused.",
)
@click.option(
    "--include",
    "-i",
    multiple=True,
    help="Also export: pass names (depth, segmentation, flow_forward ...), control/NAME (conditioning "
    "videos), preview/PASS (viewable videos), or all; comma-separated or repeated.",
)
@click.option(
    "--dest",
    "-o",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Output folder (default DIRECTORY/export/FORMAT).",
)
@click.option(
    "--shard-size",
    type=click.IntRange(min=1),
    default=1000,
    show_default=True,
    help="Samples per WebDataset shard.",
)
@click.option("--license", "license_", default="other", show_default=True,
              help="The licence of the HF dataset card (a Hub licence id, e.g. cc-by-4.0).")
@click.option("--overwrite", is_flag=True, help="Replace the output folder even if it is not a physreel export.")
def export_cmd(directory: Path, fmt: str, include: tuple[str, ...], dest: Path | None, shard_size: int,
               license_: str, overwrite: bool) -> None:
    """Export the batch folder DIRECTORY for video-model training."""
    from physreel.batch.export import export

    items = [p.strip() for v in include for p in v.split(",") if p.strip()]

    def body() -> None:
        path = export(directory, fmt, dest, shard_size=shard_size, include=items, license=license_,
                      overwrite=overwrite)
        console().info(f"exported {fmt} to {path}")

    run(body)


export = export_cmd  # the name physreel.cli registers
