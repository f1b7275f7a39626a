"""``physreel stylize RENDER_DIR --style NAME [--stabilize] [-o OUT]``: the command line of
:func:`physreel.stylize` (the library does the work; this parses and prints)."""

from __future__ import annotations

from pathlib import Path

import click


def _style_help() -> str:
    from .stylization.registry import entries

    lines = [f"{e.name}: {e.summary}" + (f" [physreel[{e.extra}]]" if e.extra else "")
             for e in sorted(entries().values(), key=lambda e: e.name)]
    return "\b\nStyles:\n" + "\n".join(f"  {line}" for line in lines) + "\n  module:callable: your own"


class _StylizeCommand(click.Command):
    """Lists the registered styles in --help (read from the registry when help is asked for)."""

    def format_epilog(self, ctx, formatter) -> None:
        formatter.write_paragraph()
        for line in _style_help().splitlines()[1:]:
            formatter.write_text(line)


@click.command(cls=_StylizeCommand)
@click.argument("render_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--style", "-s", required=True, help="A registered style (listed below) or module:callable.")
@click.option("--stabilize", is_flag=True, help="Remove flicker: blend with the previous output warped by the exact flow.")
@click.option("--keyframes", type=click.IntRange(min=1), help="Stylise every K-th frame only; propagate by exact flow between keys.")
@click.option("--alpha", type=click.FloatRange(0, 1, max_open=True), default=0.8, show_default=True,
              help="Weight of the warped previous output (--stabilize).")
@click.option("--camera", help="Only this camera (default: every camera).")
@click.option("--option", "options", multiple=True, metavar="KEY=VALUE", help="Stylizer option, e.g. bands=4 (repeatable).")
@click.option("-o", "--out", type=click.Path(file_okay=False, path_type=Path),
              help="Write OUT/<camera>/stylized/ instead of into RENDER_DIR.")
@click.option("--frames-png", is_flag=True, help="Also write every stylised frame as a PNG.")
def stylize(render_dir: Path, style: str, stabilize: bool, keyframes: int | None, alpha: float, camera: str | None,
            options: tuple[str, ...], out: Path | None, frames_png: bool) -> None:
    """Stylise the frames of RENDER_DIR into <camera>/stylized/<style>.mp4."""
    from .cli import _run
    from .stylization.run import parse_options
    from .stylization.run import stylize as run_stylize

    def run() -> None:
        res = run_stylize(render_dir, style, stabilize=stabilize, keyframes=keyframes, alpha=alpha, camera=camera,
                          out=out, frames_png=frames_png, options=parse_options(options))
        videos = ", ".join(str(v) for v in res.videos.values())
        click.echo(f"{videos}: {res.num_frames} frames stylised ({res.mode}) in {res.seconds:.1f} s "
                   f"({res.ms_per_frame:.0f} ms/frame)")

    _run(run)
