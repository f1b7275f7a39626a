"""The rigid kind: one rigid body per object (primitives and mesh files)."""

from __future__ import annotations

from ..assets.geometry import build_geometry
from ..scene.models import ObjectSpec
from .core import BuildContext, BuiltObject, resolve_object
from .kinds import ObjectKind, register_kind


def build_rigid(ctx: BuildContext, index: int, spec: ObjectSpec) -> BuiltObject:
    """Geometry of the shape (primitive or mesh file) plus the shared resolution."""
    geometry = build_geometry(spec.shape, cache_dir=ctx.cache_dir)
    return resolve_object(ctx, index, spec, geometry, "rigid")


RIGID = register_kind(ObjectKind(
    name="rigid",
    shapes=("box", "sphere", "cylinder", "capsule", "cone", "mesh"),
    build=build_rigid,
    physics="physreel.physics.bodies:add_rigid",
))
