"""What the command line prints, and how errors become exit codes.

One :class:`Console` per command: the summary goes to stdout, warnings and progress to stderr;
``-q`` keeps only errors, ``-v`` adds the detail of each stage, ``--json`` replaces stdout by one
JSON document (warnings included).  :func:`run` calls a command's body and turns every failure
into one readable block and an exit code: 2 bad input, 1 runtime failure, 130 interrupted.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import click

from .errors import PhysreelError


@dataclass
class Console:
    """Where a command's output goes.

    Attributes
    ----------
    quiet : bool
        Print errors only.
    verbose : bool
        Print what each stage did and how long it took.
    json : bool
        stdout carries one JSON document (see :meth:`result`) and nothing else.
    warned : list of str
        Warnings printed so far (each is printed once).
    """

    quiet: bool = False
    verbose: bool = False
    json: bool = False
    warned: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.perf_counter)
    emitted: bool = False

    def info(self, text: str) -> None:
        """A line of the human summary (stdout)."""
        if not self.quiet and not self.json:
            click.echo(text)

    def warn(self, text: str) -> None:
        """A warning (stderr), once."""
        if text in self.warned:
            return
        self.warned.append(text)
        if not self.quiet:
            click.echo(f"warning: {text}", err=True)

    def detail(self, text: str) -> None:
        """A line shown with ``-v`` only (stderr), stamped with the seconds since the start."""
        if self.verbose and not self.quiet:
            click.echo(f"[{time.perf_counter() - self.started:6.2f} s] {text}", err=True)

    def result(self, doc: dict[str, Any]) -> None:
        """The ``--json`` document (stdout); a no-op without ``--json``."""
        if self.json:
            click.echo(json.dumps({**doc, "warnings": list(self.warned)}, indent=1, default=_plain))
            self.emitted = True

    @property
    def progress(self) -> bool:
        """Whether to draw progress bars (stderr is a terminal, not quiet)."""
        return not self.quiet and sys.stderr.isatty()


def _plain(v: Any) -> Any:
    try:
        import numpy as np

        if isinstance(v, np.generic):
            return v.item()
        if isinstance(v, np.ndarray):
            return v.tolist()
    except ImportError:  # numpy is a core dependency; this only keeps json.dumps total
        pass
    return str(v)


def console() -> Console:
    """The Console of the running command (the root context's; a default one outside click)."""
    ctx = click.get_current_context(silent=True)
    obj = ctx.find_root().obj if ctx is not None else None
    if not isinstance(obj, Console):
        obj = Console()
        if ctx is not None:
            ctx.find_root().obj = obj
    return obj


class Progress:
    """Progress bars on stderr (one per stage) when it is a terminal; silent otherwise."""

    def __init__(self, con: Console) -> None:
        self.con = con
        self.bar = None
        self.stage: str | None = None
        self.last = 0

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None

    def update(self, stage: str, done: int, total: int) -> None:
        if stage != self.stage:
            self.close()
            self.con.detail(f"{stage} ({total} steps)")
            self.stage = stage
            self.last = 0
            if self.con.progress:
                self.bar = click.progressbar(length=total, label=f"{stage:<9}", file=sys.stderr,
                                             show_pos=True, show_eta=True)
                self.bar.__enter__()
        if self.bar is not None:
            self.bar.update(done - self.last)
        self.last = done


def run(fn: Callable[[], None], *, interrupted: Callable[[], str] | None = None) -> None:
    """Call ``fn``; turn errors into one readable block and the exit code of their class
    (:attr:`PhysreelError.exit_code`: 2 bad input, 1 runtime failure; 130 for Ctrl-C, with
    ``interrupted()`` saying what was kept).  Set PHYSREEL_DEBUG=1 to see the traceback of an
    unexpected error."""
    con = console()
    try:
        fn()
    except PhysreelError as e:  # a multi-line block (a scene's errors) starts with its file
        text = str(e)
        _fail(con, text, e.exit_code, prefix="" if "\n" in text else "error: ")
    except KeyboardInterrupt:
        text = interrupted() if interrupted is not None else "interrupted; no output was left behind"
        _fail(con, text, 130, prefix="")
    except BrokenPipeError:  # `physreel simulate ... | head`: the reader has all it wants
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        sys.exit(141)
    except OSError as e:
        text, code = os_error_text(e)
        _fail(con, text, code)
    except Exception as e:  # noqa: BLE001 - never a traceback on the terminal
        if os.environ.get("PHYSREEL_DEBUG"):
            raise
        _fail(con, f"internal error: {type(e).__name__}: {e}\n"
                   "  this is a bug in physreel; run again with PHYSREEL_DEBUG=1 for the traceback "
                   "and report it", 1)


def os_error_text(e: OSError) -> tuple[str, int]:
    """One readable line for a failed file operation, and its exit code: 2 when the path the
    user gave is the problem (missing, not allowed, a file where a folder is needed), else 1."""
    import errno

    path = f" {e.filename}" if getattr(e, "filename", None) else ""
    what = e.strerror or str(e)
    fixes = {
        errno.ENOENT: ("check the path", 2),
        errno.EACCES: ("check its permissions or choose another path", 2),
        errno.EPERM: ("check its permissions or choose another path", 2),
        errno.ENOTDIR: ("a part of the path is a file, not a folder; choose another path", 2),
        errno.EISDIR: ("it is a folder; give a file", 2),
        errno.ENOSPC: ("free some space or write somewhere else", 1),
        errno.EROFS: ("the file system is read-only; write somewhere else", 2),
    }
    fix, code = fixes.get(e.errno, ("", 1))
    return f"{what}:{path}" + (f"; {fix}" if fix else ""), code


def _fail(con: Console, text: str, code: int, prefix: str = "error: ") -> None:
    click.echo(f"{prefix}{text}", err=True)
    if con.json and not con.emitted:
        click.echo(json.dumps({"ok": False, "exit_code": code, "error": text, "warnings": list(con.warned)},
                              indent=1))
    sys.exit(code)
