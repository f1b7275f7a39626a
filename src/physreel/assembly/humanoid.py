"""The humanoid kind: a person on a rig (the mannequin, or a skinned glTF character).

Built once: the rig (bones, body parts, masses, joint ranges, keypoints), the motion clips
(loaded and checked) and a rest-pose
geometry of the whole body in the root bone's frame (for bounds and framing; each body part is
drawn from its own geometry, see :func:`physreel.physics.humanoid.part_geometry`).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import trimesh

from ..assets.mannequin import default_mass, mannequin
from ..assets.mocap import load_clip
from ..assets.motion import Segment
from ..assets.primitives import Geometry
from ..assets.rig import Rig
from ..quaternions import qrot, qto_matrix
from ..scene.models import ObjectSpec
from .core import BuildContext, BuiltObject, resolve_object
from .kinds import ObjectKind, register_kind


def build_humanoid(ctx: BuildContext, index: int, spec: ObjectSpec) -> BuiltObject:
    """Rig, clips and body geometry of a ``shape: {type: humanoid}`` object."""
    shape = spec.shape
    mass = float(spec.mass) if spec.mass is not None else default_mass(shape.height)
    extra: dict = {}
    if shape.skin:
        from ..assets.skinned import skinned_person

        person = skinned_person(shape.skin, shape.height, mass)
        rig = person.rig
        extra["skin"] = person.skin
        extra["mapper"] = person.mapper
    else:
        rig = mannequin(shape.height, mass)
    extra["rig"] = rig
    extra["segments"] = tuple(
        Segment(load_clip(m.clip), m.start, m.until, m.blend, m.speed) for m in spec.motion
    )
    geometry = body_geometry(rig)
    geometry.warnings.extend(_strength_warnings(ctx, spec))
    built = resolve_object(ctx, index, spec, geometry, "humanoid", extra)
    return dataclasses.replace(built, mass=mass,
                               geometry_origin=np.array([0.0, 0.0, float(rig.rest_root_height)]))


HEAVY = 5.0
"""kg: heavier things struck by a kinematic person get a warning."""

_STRIKES = {"kick", "punch", "spinkick"}


def _strength_warnings(ctx: BuildContext, spec: ObjectSpec) -> list[str]:
    """A person who strikes (kick, punch) in a scene with heavy loose objects: a kinematic
    person is infinitely strong, so what they strike flies off as if hit by a wall."""
    strikes = sorted({m.clip for m in spec.motion if m.clip in _STRIKES})
    if not strikes:
        return []
    from ..assets.primitives import primitive_geometry
    from .materials import object_material

    heavy = []
    for o in ctx.scene.objects:
        if o.static or o.kinematic is not None or o.shape.type in ("humanoid", "mesh") or o.attach is not None:
            continue
        mass = o.mass if o.mass is not None else object_material(ctx.scene, o).density * primitive_geometry(o.shape).volume
        if mass > HEAVY:
            heavy.append(f"{o.name} ({mass:.0f} kg)")
    if not heavy:
        return []
    return [f"{spec.name} plays {', '.join(strikes)}: a person playing clips is infinitely strong, so a struck "
            f"{', '.join(heavy)} would fly off as if hit by a wall; keep what people strike to a few kg"]


def body_geometry(rig: Rig) -> Geometry:
    """The whole body standing at rest, in the root bone's frame, with its mass properties."""
    pos, quat = rig.rest_pose()
    meshes = []
    com = np.zeros(3)
    inertia = np.zeros((3, 3))
    for b, mesh in enumerate(rig.part_meshes()):
        rel = pos[b] - pos[0]
        c = rel + qrot(quat[b], rig.coms[b])
        com += rig.masses[b] * c
        if mesh is not None:
            t = np.eye(4)
            t[:3, :3] = qto_matrix(quat[b])
            t[:3, 3] = rel
            meshes.append(mesh.copy().apply_transform(t))
    com /= rig.mass
    for b in range(rig.num_bones):
        r = qto_matrix(quat[b])
        d = pos[b] - pos[0] + qrot(quat[b], rig.coms[b]) - com
        inertia += r @ rig.inertias[b] @ r.T + rig.masses[b] * (np.dot(d, d) * np.eye(3) - np.outer(d, d))
    visual = [trimesh.util.concatenate(meshes)] if meshes else []
    volume = float(sum(s.volume for shapes in rig.shapes for s in shapes))
    return Geometry("humanoid", {"height": rig.height, "bones": list(rig.names)}, visual, [], volume,
                    com, inertia / rig.mass)


HUMANOID = register_kind(ObjectKind(
    name="humanoid",
    shapes=("humanoid",),
    build=build_humanoid,
    physics="physreel.physics.humanoid:add_humanoid",
))
