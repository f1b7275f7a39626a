"""The command line: parse arguments, call the library, map errors to exit codes.

Exit codes: 0 success, 2 bad input (scene, asset, argument), 1 runtime failure.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import click

from .errors import InputError, PhysreelError


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
@click.version_option(package_name="physreel")
def main() -> None:
    """physreel: physically simulated video with exact ground truth."""


@main.command()
@click.argument("scene", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--out", type=click.Path(file_okay=False, path_type=Path), help="Output folder (default renders/<scene name>).")
@click.option("--resolution", help="WIDTHxHEIGHT, e.g. 640x480 (overrides the scene).")
@click.option("--fps", type=click.IntRange(1, 240), help="Frames per second (overrides the scene).")
@click.option("--duration", type=click.FloatRange(min=0, min_open=True), help="Seconds (overrides the scene).")
@click.option("--seed", type=click.IntRange(min=0), help="Random seed (overrides the scene).")
@click.option("--passes", cls=_RegistryOption, kind="pass")
@click.option("--control", cls=_RegistryOption, kind="control")
@click.option("--preset", type=click.Choice(["animatediff", "svd", "cogvideox", "wan"]),
              help="Frame count, size and fps of a video model (overrides the scene).")
@click.option("--flo", is_flag=True, help="Also write optical flow as Middlebury .flo files.")
@click.option("--frames-png", is_flag=True, help="Also write every RGB frame as a PNG.")
@click.option("--overwrite", is_flag=True, help="Replace the output folder even if it is not a physreel render.")
def render(scene: Path, out: Path | None, resolution: str | None, fps: int | None, duration: float | None,
           seed: int | None, passes: str | None, control: str | None, preset: str | None, flo: bool,
           frames_png: bool, overwrite: bool) -> None:
    """Simulate SCENE and render it to video (and ground truth)."""
    from .api import with_overrides, write
    from .scene.loader import load_scene

    res = _resolution(resolution)

    def run() -> None:
        sc = load_scene(scene)
        if preset:
            from .scene.presets import preset_overrides

            sc = with_overrides(sc, **preset_overrides(preset, fps or sc.fps))
        sc = with_overrides(sc, resolution=list(res) if res else None, fps=fps, duration=duration, seed=seed)
        if preset and duration is None:
            from .scene.presets import PRESETS

            sc = with_overrides(sc, duration=PRESETS[preset].frames / sc.fps)
        settings = sc.render.model_dump(mode="json")
        if passes:
            settings["passes"] = _names("--passes", passes)
        if control:
            settings["control"] = _names("--control", control)
        if flo:
            settings["flo"] = True
        sc = with_overrides(sc, render=settings)
        target = out if out is not None else Path("renders") / sc.name
        with _Progress() as prog:
            result = write(sc, target, frames_png=frames_png, overwrite=overwrite, progress=prog.update)
        for w in result.warnings:
            click.echo(f"warning: {w}", err=True)
        videos = ", ".join(str(v) for v in result.videos) or str(result.out)
        click.echo(f"{videos}: {result.num_frames} frames ({sc.duration:g} s at {sc.fps} fps, "
                   f"{sc.resolution[0]}x{sc.resolution[1]}) rendered in {result.seconds:.1f} s "
                   f"({result.fps:.1f} frames/s)")

    _run(run)


@main.command()
@click.argument("scenes", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
def validate(scenes: tuple[Path, ...]) -> None:
    """Check scene files (and batch templates); print every error of every file."""
    from .scene.loader import load_scene

    def run() -> None:
        failed = []
        for path in scenes:
            try:
                _validate_one(path, load_scene)
                click.echo(f"{path}: ok")
            except InputError as e:
                failed.append(e)
        if failed:
            raise _Many(failed)

    _run(run)


def _validate_one(path: Path, load_scene) -> None:
    from .batch.templates import is_template, validate_template_file

    if is_template(path):
        validate_template_file(path)
    else:
        load_scene(path)


@main.command()
@click.option("-o", "--out", type=click.Path(dir_okay=False, path_type=Path), help="Write to a file instead of stdout.")
def schema(out: Path | None) -> None:
    """Print the JSON Schema of the scene format."""
    from .scene.models import Scene

    text = json.dumps(Scene.model_json_schema(), indent=2)
    if out:
        out.write_text(text + "\n", encoding="utf-8")
    else:
        click.echo(text)


def _names(flag: str, text: str) -> list[str]:
    """The pass (``--passes``) or control (``--control``) names of ``text``, checked now so
    that a misspelt name blames the flag, not the scene file."""
    from .errors import ArgumentError
    from .passes import resolve_controls, resolve_passes

    try:
        return (resolve_passes if flag == "--passes" else resolve_controls)(text)
    except ArgumentError as e:
        raise ArgumentError(f"{flag}: {e}") from None


class _Many(InputError):
    def __init__(self, errors: list[InputError]):
        super().__init__("\n".join(str(e) for e in errors))


class _Progress:
    """A progress bar on stderr when it is a terminal; silent otherwise."""

    def __init__(self) -> None:
        self.bar = None
        self.stage = None
        self.enabled = sys.stderr.isatty()

    def __enter__(self) -> _Progress:
        return self

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)

    def update(self, stage: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        if stage != self.stage:
            if self.bar is not None:
                self.bar.__exit__(None, None, None)
            self.bar = click.progressbar(length=total, label=f"{stage:<9}", file=sys.stderr, show_pos=True, show_eta=True)
            self.bar.__enter__()
            self.stage = stage
            self.last = 0
        self.bar.update(done - self.last)
        self.last = done


def _run(fn) -> None:
    """Call ``fn``; turn errors into one readable block and the exit code of their class
    (:attr:`PhysreelError.exit_code`: 2 bad input, 1 runtime failure).  Set PHYSREEL_DEBUG=1 to
    see the traceback of an unexpected error."""
    try:
        fn()
    except PhysreelError as e:
        text = str(e)
        click.echo(text if "\n" in text else f"error: {text}", err=True)
        sys.exit(e.exit_code)
    except KeyboardInterrupt:
        click.echo("interrupted; no output was left behind", err=True)
        sys.exit(130)
    except OSError as e:
        where = f" ({e.filename})" if getattr(e, "filename", None) else ""
        click.echo(f"error: {e.strerror or e}{where}", err=True)
        sys.exit(1)
    except Exception as e:  # noqa: BLE001 - never a traceback on the terminal
        if os.environ.get("PHYSREEL_DEBUG"):
            raise
        click.echo(f"error: internal error: {type(e).__name__}: {e}\n"
                   "  this is a bug in physreel; run again with PHYSREEL_DEBUG=1 for the traceback "
                   "and report it", err=True)
        sys.exit(1)


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
