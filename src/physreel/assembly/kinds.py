"""The registry of object kinds.

A kind of object (a rigid body, later a humanoid, a compound body, a cloth) declares which
shape ``type`` tags it builds, how to build a :class:`~physreel.assembly.core.BuiltObject`
from an object spec, and the physics function that creates its pybullet bodies in a
:class:`~physreel.physics.world.World`.  The physics function is named by a dotted path and
imported only when a World is built, so the build step never imports pybullet.

Adding a kind = one module that calls :func:`register_kind`, imported by this package.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from typing import Any


@dataclass(frozen=True)
class ObjectKind:
    """One kind of object.

    Attributes
    ----------
    name : str
        The kind's name (``BuiltObject.kind``).
    shapes : tuple of str
        Shape ``type`` tags this kind builds (``"box"``, ``"mesh"``, ...).
    build : callable
        ``build(ctx: BuildContext, index: int, spec: ObjectSpec) -> BuiltObject``.
    physics : str
        ``"module:function"`` of ``add(world, built) -> list[Body]``, which creates the
        object's bodies in a World at their initial state.
    """

    name: str
    shapes: tuple[str, ...]
    build: Callable[..., Any]
    physics: str

    def physics_function(self) -> Callable[..., Any]:
        """The physics function, imported on first use."""
        module, _, attr = self.physics.partition(":")
        return getattr(import_module(module), attr)


_KINDS: dict[str, ObjectKind] = {}
_BY_SHAPE: dict[str, ObjectKind] = {}


def register_kind(kind: ObjectKind) -> ObjectKind:
    """Register ``kind``; a shape tag may belong to one kind only."""
    for tag in kind.shapes:
        other = _BY_SHAPE.get(tag)
        if other is not None and other.name != kind.name:
            raise ValueError(f"shape type {tag!r} is already built by kind {other.name!r}")
    _KINDS[kind.name] = kind
    for tag in kind.shapes:
        _BY_SHAPE[tag] = kind
    return kind


def kind_for_shape(shape_type: str) -> ObjectKind:
    """The kind that builds objects of shape ``type`` ``shape_type``."""
    try:
        return _BY_SHAPE[shape_type]
    except KeyError:
        raise KeyError(f"no object kind builds shape type {shape_type!r}; known: {', '.join(sorted(_BY_SHAPE))}") from None


def get_kind(name: str) -> ObjectKind:
    """The registered kind ``name``."""
    return _KINDS[name]


def kinds() -> dict[str, ObjectKind]:
    """Every registered kind, by name."""
    return dict(_KINDS)
