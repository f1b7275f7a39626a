"""The exception hierarchy of physreel.

Every error the library raises on purpose derives from :class:`PhysreelError`.  Each class
carries the exit code the command line uses for it (``exit_code``): 2 for bad input
(:class:`InputError` and its subclasses), 1 for runtime failures.  The library itself never
prints and never exits.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class PhysreelError(Exception):
    """Base class of every error physreel raises on purpose: a runtime failure (exit code 1)."""

    exit_code: int = 1


class InputError(PhysreelError):
    """The user's input is wrong (scene file, asset, argument): exit code 2."""

    exit_code: int = 2


@dataclass(frozen=True)
class Problem:
    """One problem found in an input file.

    Attributes
    ----------
    path : str
        Field path inside the document, e.g. ``objects[2].shape.radius`` ("" for the whole file).
    message : str
        What was expected, what was given, and how to fix it.
    line : int or None
        1-based line number in the file, when known.
    column : int or None
        1-based column, when known.
    """

    path: str
    message: str
    line: int | None = None
    column: int | None = None


@dataclass
class SceneError(InputError):
    """A scene (or template) file is invalid.  Carries *every* problem found at once."""

    file: str
    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(self.format())

    def format(self) -> str:
        n = len(self.problems)
        head = f"{self.file}: {n} error{'s' if n != 1 else ''} in scene"
        lines = [head]
        for pr in self.problems:
            where = self.file
            if pr.line is not None:
                where += f":{pr.line}"
                if pr.column is not None:
                    where += f":{pr.column}"
            field_part = f" {pr.path}:" if pr.path else ""
            lines.append(f"  - {where}:{field_part} {pr.message}")
        return "\n".join(lines)

    def __str__(self) -> str:  # dataclass would otherwise replace Exception.__str__
        return self.format()


class AssetError(InputError):
    """A mesh or texture file cannot be used (missing, unreadable, empty, not a mesh)."""


class ArgumentError(InputError):
    """A command-line or API argument is invalid."""


class GLError(PhysreelError):
    """No OpenGL context could be created (EGL or OSMesa missing or broken)."""


class RenderError(PhysreelError):
    """Rendering or encoding failed midway."""


class SimulationError(PhysreelError):
    """The physics simulation failed (e.g. blew up to non-finite values)."""
