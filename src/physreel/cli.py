"""The command line: parse arguments, call the library, map errors to exit codes.

Exit codes: 0 success, 2 bad input (scene, asset, argument), 1 runtime failure, 130 Ctrl-C.
Output: the summary on stdout, warnings and progress on stderr; ``-q`` errors only, ``-v`` the
detail of every stage, ``--json`` one JSON document on stdout (see :mod:`physreel.cli_output`).
"""

from __future__ import annotations

import re
from pathlib import Path

import click

from .cli_output import Console, Progress, console, run
from .errors import ArgumentError, InputError, SceneError


def _resolution(value: str | None) -> tuple[int, int] | None:
    if value is None:
        return None
    m = re.fullmatch(r"\s*(\d+)\s*[xX]\s*(\d+)\s*", value)
    if not m:
        raise click.BadParameter(f"expected WIDTHxHEIGHT like 640x480, got {value!r}")
    return int(m.group(1)), int(m.group(2))


class _RegistryOption(click.Option):
    """An option taking pass or control names; its help lists the registered names (made
    when help is shown, so starting the CLI does not load the registries)."""

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind

    def get_help_record(self, ctx: click.Context):
        from .passes.docs import cli_help

        self.help = cli_help(self.kind)
        return super().get_help_record(ctx)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-q", "--quiet", is_flag=True, help="Print errors only (no summary, warnings or progress).")
@click.option("-v", "--verbose", is_flag=True, help="Also print each stage and its time.")
@click.version_option(package_name="physreel")
@click.pass_context
def main(ctx: click.Context, quiet: bool, verbose: bool) -> None:
    """physreel: physically simulated video with exact ground truth."""
    ctx.obj = Console(quiet=quiet, verbose=verbose and not quiet)


_json_option = click.option("--json", "as_json", is_flag=True,
                            help="Print one JSON document on stdout (what was made, warnings, timings).")


def _scene_options(fn):
    """The options every command that simulates a scene shares (they override the scene)."""
    for opt in reversed([
        click.option("--resolution", help="WIDTHxHEIGHT, e.g. 640x480 (overrides the scene)."),
        click.option("--fps", type=click.IntRange(1, 240), help="Frames per second (overrides the scene)."),
        click.option("--duration", type=click.FloatRange(min=0, min_open=True), help="Seconds (overrides the scene)."),
        click.option("--seed", type=click.IntRange(min=0), help="Random seed (overrides the scene)."),
    ]):
        fn = opt(fn)
    return fn


@main.command()
@click.argument("scene", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--out", type=click.Path(file_okay=False, path_type=Path), help="Output folder (default renders/<scene name>).")
@_scene_options
@click.option("--passes", cls=_RegistryOption, kind="pass")
@click.option("--control", cls=_RegistryOption, kind="control")
@click.option("--preset", type=click.Choice(["animatediff", "svd", "cogvideox", "wan"]),
              help="Frame count, size and fps of a video model (overrides the scene).")
@click.option("--flo", is_flag=True, help="Also write optical flow as Middlebury .flo files.")
@click.option("--frames-png", is_flag=True, help="Also write every RGB frame as a PNG.")
@click.option("--storage", type=click.Choice(["compact", "npy"]),
              help="compact: 16-bit PNGs (default); npy: exact float32 arrays, ~40x larger (overrides the scene).")
@click.option("--overwrite", is_flag=True, help="Replace the output folder even if it is not a physreel render.")
@click.option("--open", "open_", is_flag=True, help="Open the HTML preview of the render when it is done.")
@_json_option
def render(scene: Path, out: Path | None, resolution: str | None, fps: int | None, duration: float | None,
           seed: int | None, passes: str | None, control: str | None, preset: str | None, flo: bool,
           frames_png: bool, storage: str | None, overwrite: bool, open_: bool, as_json: bool) -> None:
    """Simulate SCENE and render it to video (and ground truth)."""
    con = console()
    con.json = as_json
    res = _resolution(resolution)

    def body() -> None:
        from . import api, checks
        from .outputs.writer import check_output_folder, record_simulation

        sc = _scene_with_flags(scene, res, fps, duration, seed, preset)
        for flag, key, value in (("--passes", "passes", passes), ("--control", "control", control),
                                 ("--flo", "flo", flo or None)):
            if value:
                new = _names(flag, value) if isinstance(value, str) else value
                settings = {**sc.render.model_dump(mode="json"), key: new}
                sc = _override(sc, flag, value if isinstance(value, str) else "", render=settings)
        if storage:
            sc = _override(sc, "--storage", storage, render={**sc.render.model_dump(mode="json"), "storage": storage})
        target = out if out is not None else Path("renders") / sc.name
        api.resolve_outputs(sc, None, None)
        check_output_folder(target, overwrite=overwrite)  # before anything is simulated
        con.detail(f"loaded {scene}: {len(sc.objects)} objects, {len(sc.cameras)} camera(s), "
                   f"{sc.num_frames} frames at {sc.fps} fps, physics at {sc.physics.rate} Hz")
        assembly = checks.checked(api.build(sc))
        for w in assembly.warnings:
            con.warn(w)
        with Progress(con) as prog:
            traj = api.simulate(assembly, progress=lambda d, t: prog.update("simulate", d, t))
            prog.close()
            con.detail(f"simulated: {len(traj.events)} events, {len(traj.names)} bodies")
            assembly = api.framed(assembly, traj)
            record = record_simulation(assembly, traj)
            for w in record.metadata["warnings"]:  # what only the simulation shows, before rendering
                con.warn(w)
            result = api.write(assembly, target, trajectory=traj, frames_png=frames_png,
                               overwrite=overwrite, progress=prog.update, record=record)
        for w in result.warnings:
            con.warn(w)
        videos = ", ".join(str(v) for v in result.videos) or str(result.out)
        con.info(f"{videos}: {result.num_frames} frames ({sc.duration:g} s at {sc.fps} fps, "
                 f"{sc.resolution[0]}x{sc.resolution[1]}) rendered in {result.seconds:.1f} s "
                 f"({result.fps:.1f} frames/s)")
        preview = result.out / "preview.html"
        con.result({"ok": True, "out": str(result.out), "videos": [str(v) for v in result.videos],
                    "preview": str(preview) if preview.is_file() else None, "frames": result.num_frames,
                    "fps": sc.fps, "resolution": list(sc.resolution), "cameras": [c.name for c in sc.cameras],
                    "render_seconds": round(result.seconds, 3), "frames_per_second": round(result.fps, 3)})
        if open_:
            _open(preview)

    run(body)


@main.command()
@click.argument("scene", type=click.Path(dir_okay=False, path_type=Path))
@_scene_options
@_json_option
def simulate(scene: Path, resolution: str | None, fps: int | None, duration: float | None, seed: int | None,
             as_json: bool) -> None:
    """Simulate SCENE without rendering and print what happens when (impacts, breaks, rests,
    objects entering and leaving each camera's view): the quickest check of a setup."""
    con = console()
    con.json = as_json
    res = _resolution(resolution)

    def body() -> None:
        import time

        from . import api, checks
        from .outputs.timeline import format_timeline, timeline
        from .outputs.writer import record_simulation

        sc = _scene_with_flags(scene, res, fps, duration, seed, None)
        assembly = checks.checked(api.build(sc))
        for w in assembly.warnings:
            con.warn(w)
        t0 = time.perf_counter()
        with Progress(con) as prog:
            traj = api.simulate(assembly, progress=lambda d, t: prog.update("simulate", d, t))
        seconds = time.perf_counter() - t0
        assembly = api.framed(assembly, traj)
        record = record_simulation(assembly, traj)
        for w in record.metadata["warnings"]:
            con.warn(w)
        events = record.metadata["events"]
        parents = {n: o.get("parent") for n, o in record.metadata["objects"].items() if o.get("parent")}
        rows = timeline(events, parents)
        per_frame = int((traj.physics or {}).get("steps_per_frame", sc.physics.rate // sc.fps))
        steps = (sc.num_frames - 1) * per_frame  # substeps included (the physics may choose them)
        kinds = _count(e["type"] for e in events)
        con.info(f"{scene}: {sc.duration:g} s ({sc.num_frames} frames at {sc.fps} fps, {steps} physics steps "
                 f"at {per_frame * sc.fps} Hz) simulated in {seconds:.2f} s")
        con.info(format_timeline(rows))
        con.info(("events: " + ", ".join(f"{n} {k}" for k, n in kinds.items())) if kinds else "events: none")
        cams = {name: cam.get("in_view_at_start", []) for name, cam in record.metadata["cameras"].items()}
        for name, seen in cams.items():
            con.detail(f"camera '{name}' sees at t = 0: {', '.join(seen) or 'nothing that moves'}")
        con.result({"ok": True, "scene": str(scene), "duration": sc.duration, "fps": sc.fps,
                    "frames": sc.num_frames, "physics": traj.physics, "simulate_seconds": round(seconds, 3),
                    "events": events, "timeline": rows, "in_view_at_start": cams})

    run(body)


def _count(items) -> dict[str, int]:
    out: dict[str, int] = {}
    for it in items:
        out[it] = out.get(it, 0) + 1
    return out


@main.command()
@click.argument("scenes", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@_json_option
def validate(scenes: tuple[Path, ...], as_json: bool) -> None:
    """Check scene files and batch templates: every field, every mesh and texture they use
    (each file opened once), and what a render would warn about.  Prints each file's result in
    order; exits 2 if any file has an error."""
    con = console()
    con.json = as_json

    def body() -> None:
        from .validation import validate_file

        results = []
        for path in scenes:
            r = validate_file(path)
            results.append(r)
            if r.error is None:
                con.info(f"{path}: ok" + (" (template)" if r.kind == "template" else ""))
                for w in r.warnings:
                    if not con.quiet and not con.json:
                        click.echo(f"  warning: {w}", err=True)
            else:
                click.echo(r.error, err=True)
        failed = [r for r in results if r.error is not None]
        con.result({"ok": not failed, "files": [r.to_json() for r in results]})
        if failed:
            raise _Failed(f"{len(failed)} of {len(results)} file{'s' if len(results) != 1 else ''} "
                          f"{'have' if len(failed) != 1 else 'has'} errors (listed above)")

    run(body)


class _Failed(InputError):
    """Bad input whose details were printed already."""


@main.command()
@click.option("-o", "--out", type=click.Path(dir_okay=False, path_type=Path), help="Write to a file instead of stdout.")
@click.option("--template", is_flag=True, help="The schema of batch templates instead (scenes whose values may be distributions).")
def schema(out: Path | None, template: bool) -> None:
    """Print the JSON Schema of the scene format (for editors and language models)."""
    import json

    from .scene.schema import scene_schema, template_schema

    def body() -> None:
        text = json.dumps(template_schema() if template else scene_schema(), indent=2)
        if out:
            out.write_text(text + "\n", encoding="utf-8")
        else:
            click.echo(text)

    run(body)


# ------------------------------------------------------------------------------ helpers
def _names(flag: str, text: str) -> list[str]:
    """The pass (``--passes``) or control (``--control``) names of ``text``, checked now so
    that a misspelt name blames the flag, not the scene file."""
    from .errors import ArgumentError
    from .passes import resolve_controls, resolve_passes

    try:
        return (resolve_passes if flag == "--passes" else resolve_controls)(text)
    except ArgumentError as e:
        raise ArgumentError(f"{flag}: {e}") from None


def _scene_with_flags(path: Path, res, fps, duration, seed, preset):
    """The scene at ``path`` with the command-line overrides applied one by one, so that an
    error they cause blames the flag, not the scene file."""
    from .api import with_overrides
    from .scene.loader import load_scene

    sc = load_scene(path)
    if preset:
        from .scene.presets import PRESETS, preset_overrides

        values = preset_overrides(preset, fps or sc.fps)
        if duration is None:
            values["duration"] = PRESETS[preset].frames / values["fps"]
        sc = _override(sc, "--preset", preset, **values)
    if res:
        sc = _override(sc, "--resolution", f"{res[0]}x{res[1]}", resolution=list(res))
    if fps is not None:
        sc = _override(sc, "--fps", str(fps), fps=fps)
        if preset and duration is None:
            from .scene.presets import PRESETS

            sc = with_overrides(sc, duration=PRESETS[preset].frames / fps)
    if duration is not None:
        sc = _override(sc, "--duration", f"{duration:g}", duration=duration)
    if seed is not None:
        sc = _override(sc, "--seed", str(seed), seed=seed)
    return sc


def _override(sc, flag: str, value: str, **values):
    from .api import with_overrides
    from .scene.loader import parse_loc

    try:
        return with_overrides(sc, **values)
    except SceneError as e:
        def where(p) -> str:
            if p.path.split(".")[0].split("[")[0] in values:  # the flag's own value
                return p.message
            at = sc.where(*parse_loc(p.path)).rstrip(": ")  # a value of the scene file it clashes with
            return f"{p.path}{f' (set at {at})' if at else ''}: {p.message}"

        raise ArgumentError(f"{flag} {value}: " + "; ".join(where(p) for p in e.problems)) from None


def _open(path: Path) -> None:
    """Open a file in the desktop's browser (no-op, with a note, where there is none)."""
    import webbrowser

    if not path.is_file():
        console().warn(f"there is no preview to open ({path} was not written)")
        return
    if not webbrowser.open(path.resolve().as_uri()):
        console().warn(f"no browser to open {path}; open it by hand")


_run = run  # the name other command modules use (physreel.cli_stylize)


def _register_commands() -> None:
    """Attach the command groups that live in their own modules."""
    from .cli_assets import assets
    from .cli_batch import batch, export
    from .cli_stylize import stylize

    main.add_command(assets)
    main.add_command(batch)
    main.add_command(export)
    main.add_command(stylize)


_register_commands()

if __name__ == "__main__":  # pragma: no cover
    main()
