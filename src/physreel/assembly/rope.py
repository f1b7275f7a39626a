"""The rope kind: a rope, string or chain of capsule links (see :mod:`physreel.assets.rope`).

The object's geometry is one link; its mass is the whole rope's (the material's density times
``pi r^2 L``, or the object's ``mass``), shared equally by the links.  Its physics creates one
body per link: the first carries the object's name, the others ``<name>.link_NN`` with the
object as their parent (so they share its look and appear in the Trajectory like pieces).
"""

from __future__ import annotations

import math
from dataclasses import replace

from ..assets.rope import link_count, link_geometry
from ..scene.models import ObjectSpec
from .core import BuildContext, BuiltObject, resolve_object
from .kinds import ObjectKind, register_kind


def rope_length(shape) -> float:
    """Length (m) of a rope shape spec (its ``length``, else the distance between its ends)."""
    if shape.length is not None:
        return float(shape.length)
    return math.dist(shape.start, shape.end)


def build_rope(ctx: BuildContext, index: int, spec: ObjectSpec) -> BuiltObject:
    """One link's geometry; the rope's mass."""
    shape = spec.shape
    length = rope_length(shape)
    n = link_count(length, shape.segments)
    built = resolve_object(ctx, index, spec, link_geometry(length / n, shape.radius), "rope",
                           extra={"links": n, "length": length})
    if spec.static or spec.mass is not None:
        return built
    return replace(built, mass=float(built.material.density * math.pi * shape.radius**2 * length))


ROPE = register_kind(ObjectKind(
    name="rope",
    shapes=("rope",),
    build=build_rope,
    physics="physreel.physics.ropes:add_rope",
))
