"""``physreel assets``: inspect a mesh file, or prepare (and cache) its collision parts.

Thin: parses arguments, calls :mod:`physreel.assets`, prints.  physreel errors become one
readable block on stderr and exit code 2 (bad input: AssetError, ArgumentError) or 1 (any
other PhysreelError), as in the main CLI; the library functions raise them as usual.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from physreel.cli_output import run
from physreel.errors import ArgumentError


@contextmanager
def _exit_codes() -> Iterator[None]:
    """Turn any failure into one readable block and its exit code, as every command does
    (:func:`physreel.cli_output.run`: 2 bad input, 1 runtime failure, no traceback)."""
    try:
        yield
    except Exception as exc:  # noqa: BLE001 - handed to the one place that maps failures
        failure = exc

        def again() -> None:
            raise failure

        run(again)


@click.group("assets")
def assets() -> None:
    """Inspect mesh files and prepare them for physics."""


@assets.command("inspect")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def inspect_command(file: Path, as_json: bool) -> None:
    """Show what FILE is and what physreel will do with it."""
    from physreel.assets.inspect import format_report, inspect_mesh

    with _exit_codes():
        info = inspect_mesh(file)
    click.echo(json.dumps(info, indent=2) if as_json else format_report(info))


def _parse_scale(text: str | None) -> float | tuple[float, float, float] | None:
    if text is None:
        return None
    try:
        values = [float(v) for v in text.replace(",", " ").split()]
    except ValueError:
        values = []
    if len(values) == 1:
        return values[0]
    if len(values) == 3:
        return (values[0], values[1], values[2])
    raise ArgumentError(
        f"--scale expects one number or three (e.g. '0.001' or '1,1,2'), got {text!r}"
    )


@assets.command("prepare")
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--collision",
    type=click.Choice(["hull", "decompose", "box", "sphere", "mesh"]),
    default="hull",
    show_default=True,
    help="Collision geometry to build.",
)
@click.option("--size", type=float, default=None, help="Longest side in metres.")
@click.option("--scale", default=None, help="File units to metres: one factor or 'sx,sy,sz'.")
@click.option("--up", type=click.Choice(["y", "z"]), default=None, help="The file's up axis.")
@click.option(
    "--origin",
    type=click.Choice(["center_of_mass", "bottom_center", "as_is"]),
    default="center_of_mass",
    show_default=True,
)
@click.option(
    "--threshold", type=float, default=0.05, show_default=True, help="CoACD concavity threshold."
)
@click.option(
    "--max-parts", type=int, default=-1, show_default=True, help="Most convex parts (-1: any)."
)
@click.option(
    "--cache-dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Cache folder (default: $PHYSREEL_CACHE or ~/.cache/physreel).",
)
def prepare_command(
    file: Path,
    collision: str,
    size: float | None,
    scale: str | None,
    up: str | None,
    origin: str,
    threshold: float,
    max_parts: int,
    cache_dir: Path | None,
) -> None:
    """Build (and cache) FILE's collision parts and mass properties; report the time taken."""
    from physreel.assets.meshes import MeshOptions, prepare_mesh

    with _exit_codes():
        opts = MeshOptions(
            file=file,
            scale=_parse_scale(scale),
            size=size,
            up=up,
            origin=origin,
            collision=collision,
            decompose_threshold=threshold,
            max_convex_parts=max_parts,
        )
        from physreel.assets.collision import default_cache_dir

        cache = cache_dir if cache_dir is not None else default_cache_dir()
        start = time.perf_counter()
        prepared = prepare_mesh(opts, cache_dir=cache)
        elapsed = time.perf_counter() - start

    ext = " x ".join(f"{x:.4g}" for x in prepared.extents)
    verts = sum(len(p.vertices) for p in prepared.collision_parts)
    source = "from the cache" if prepared.collision_cached else "computed"
    tris = sum(len(p.faces) for p in prepared.visual_parts)
    lines = [
        f"{file}",
        f"  extents       {ext} m (object frame, Z up)",
        f"  visual        {len(prepared.visual_parts)} part(s), {tris:,} triangles",
        f"  collision     {prepared.collision_kind}: {len(prepared.collision_parts)} part(s), "
        f"{verts:,} vertices ({source})",
        f"  volume        {prepared.volume:.6g} m^3 (from the {prepared.mass_properties_from})",
        f"  com           {' '.join(f'{c:.4g}' for c in prepared.center_of_mass)} m",
        f"  inertia/kg    diag {' '.join(f'{c:.4g}' for c in prepared.inertia_per_unit_mass.diagonal())} m^2",
    ]
    if prepared.collision_kind == "decompose":
        lines.append(f"  cache         {cache / 'collision'}")
    lines += [f"  warning       {w}" for w in prepared.warnings]
    lines.append(f"prepared in {elapsed:.2f} s")
    click.echo("\n".join(lines))
