"""The compound kind: one rigid body of several parts, and the hollow shapes (tube, crate,
cup, bowl, basket), which are compounds of wall parts (see :mod:`physreel.assets.compound`)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..assets.compound import Part, combine, hollow_geometry, part_geometry
from ..assets.hollow import HOLLOW_TYPES
from ..errors import AssetError
from ..scene.models import ObjectSpec
from ..transforms import orientation
from .core import BuildContext, BuiltObject, resolve_object
from .kinds import ObjectKind, register_kind
from .materials import object_material, resolve_material


def build_compound(ctx: BuildContext, index: int, spec: ObjectSpec) -> BuiltObject:
    """A hollow shape, or a compound of parts: one geometry, one mass.

    A part's mass is its ``mass``, else its density (its own, else its material's, else the
    object's) times its volume; an object ``mass`` scales every part's mass to sum to it.
    """
    if spec.shape.type in HOLLOW_TYPES:
        return resolve_object(ctx, index, spec, hollow_geometry(spec.shape), "compound")
    obj_mat = object_material(ctx.scene, spec)
    parts = []
    for k, ps in enumerate(spec.shape.parts):
        try:
            geom = part_geometry(ps.shape, ctx.cache_dir)
        except (AssetError, ValueError) as e:
            raise AssetError(f"parts[{k}]: {e}") from None
        mat = obj_mat if ps.material is None else resolve_material(ctx.scene, ps.material)
        if ps.mass is not None:
            mass = float(ps.mass)
        else:
            mass = float((ps.density or mat.density) * geom.volume)
        look = None
        if ps.color is not None or ps.material is not None:
            look = {"color": ps.color if ps.color is not None else mat.color,
                    "roughness": mat.roughness, "metallic": mat.metallic}
        parts.append(Part(geom, np.asarray(ps.position, dtype=np.float64), orientation(ps.rotation, ps.quaternion),
                          mass, look))
    if spec.mass is not None:  # the object's mass wins; the parts keep their proportions
        scale = spec.mass / sum(p.mass for p in parts)
        parts = [replace(p, mass=p.mass * scale) for p in parts]
    built = resolve_object(ctx, index, spec, combine(parts), "compound")
    if any(p.look is not None for p in parts):  # a part's own colour wins over the object's
        built = replace(built, look=replace(built.look, keep_mesh_look=True))
    if spec.static:
        return built
    return replace(built, mass=float(sum(p.mass for p in parts)))


COMPOUND = register_kind(ObjectKind(
    name="compound",
    shapes=("compound", *HOLLOW_TYPES),
    build=build_compound,
    physics="physreel.physics.bodies:add_rigid",
))
