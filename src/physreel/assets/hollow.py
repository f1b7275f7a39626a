"""Hollow and open shapes with wall thickness: tube, open box (crate), cup, bowl, basket.

Each shape gives three things in its own frame (the centre of its bounding box, axis Z):

- ``visual``: exact render meshes (a tube is an annulus, a crate a box with a box cut out);
- ``solid``: one watertight mesh of the material (mass properties, fracture);
- ``collision``: convex parts that follow the walls, as :data:`Entry` dicts that pybullet builds
  natively (boxes, cylinders) or as convex hulls (wall segments of round walls).

A concave shape cannot be one convex hull (a ball dropped into a crate would rest on its
hull's lid), and a triangle mesh has no thickness and works for static bodies only; convex wall
parts do both.  Round walls are cut into :data:`SEGMENTS` segments: the flat inner face of a
segment of a 4 cm tube stands 0.1 mm proud of the true bore.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import trimesh

SEGMENTS = 32
"""Wall segments around a round wall (tube, cup, bowl, basket rim)."""

BOWL_BANDS = 6
"""Latitude bands of a bowl's shell (the lowest one is a cap)."""

Entry = dict
"""A convex collision part: ``{"type": "box", "half_extents": (3,)}``, ``{"type": "cylinder",
"radius", "height"}``, ``{"type": "sphere", "radius"}``, ``{"type": "capsule", "radius",
"height"}`` (total length) or ``{"type": "mesh", "mesh": trimesh.Trimesh}`` (convex), each
with ``position`` (3,) and ``quaternion`` (4,) in the shape's frame."""


@dataclass(frozen=True)
class HollowParts:
    """What a hollow shape is made of (see the module notes); metres, shape frame.

    Attributes
    ----------
    visual : list of trimesh.Trimesh
    solid : trimesh.Trimesh, watertight
    collision : list of Entry
    rolling_radius : float, m (0: it does not roll)
    """

    visual: list
    solid: trimesh.Trimesh
    collision: list
    rolling_radius: float


def entry(kind: str, position=(0.0, 0.0, 0.0), quaternion=(0.0, 0.0, 0.0, 1.0), **params) -> Entry:
    """A collision :data:`Entry`."""
    return {"type": kind, "position": np.asarray(position, dtype=np.float64),
            "quaternion": np.asarray(quaternion, dtype=np.float64), **params}


def _ring_segments(r_in: float, r_out: float, z0: float, z1: float, n: int = SEGMENTS) -> list[Entry]:
    """Convex wall segments of a ring between radii ``r_in`` and ``r_out``, heights z0..z1.

    The outer face of each segment follows the circle (three points per arc); the inner face is
    the chord (a hull cannot be concave)."""
    out = []
    for k in range(n):
        a = np.linspace(2 * math.pi * k / n, 2 * math.pi * (k + 1) / n, 3)
        ring = [(r * math.cos(t), r * math.sin(t)) for r in (r_in, r_out) for t in (a if r == r_out else a[[0, 2]])]
        pts = np.array([[x, y, z] for x, y in ring for z in (z0, z1)])
        out.append(entry("mesh", mesh=trimesh.convex.convex_hull(pts)))
    return out


def _difference(a: trimesh.Trimesh, b: trimesh.Trimesh) -> trimesh.Trimesh:
    return trimesh.boolean.difference([a, b], engine="manifold")


def _cylinder(r: float, h: float, z: float = 0.0, sections: int = 64) -> trimesh.Trimesh:
    m = trimesh.creation.cylinder(radius=r, height=h, sections=sections)
    m.apply_translation([0, 0, z])
    return m


def tube(radius: float, height: float, wall: float) -> HollowParts:
    """A pipe open at both ends."""
    mesh = trimesh.creation.annulus(r_min=radius - wall, r_max=radius, height=height, sections=64)
    coll = _ring_segments(radius - wall, radius, -height / 2, height / 2)
    return HollowParts([mesh], mesh, coll, radius)


def open_box(size, wall: float, bottom: float | None = None) -> HollowParts:
    """A crate: a floor and four walls (native boxes), open at the top."""
    x, y, z = (float(s) for s in size)
    b = float(bottom if bottom is not None else wall)
    outer = trimesh.creation.box(extents=[x, y, z])
    cavity = trimesh.creation.box(extents=[x - 2 * wall, y - 2 * wall, z])
    cavity.apply_translation([0, 0, b])
    solid = _difference(outer, cavity)
    zc = -z / 2 + b + (z - b) / 2  # centre height of the walls
    coll = [
        entry("box", [0, 0, -z / 2 + b / 2], half_extents=[x / 2, y / 2, b / 2]),
        entry("box", [(x - wall) / 2, 0, zc], half_extents=[wall / 2, y / 2, (z - b) / 2]),
        entry("box", [-(x - wall) / 2, 0, zc], half_extents=[wall / 2, y / 2, (z - b) / 2]),
        entry("box", [0, (y - wall) / 2, zc], half_extents=[x / 2 - wall, wall / 2, (z - b) / 2]),
        entry("box", [0, -(y - wall) / 2, zc], half_extents=[x / 2 - wall, wall / 2, (z - b) / 2]),
    ]
    return HollowParts([solid.smooth_shaded], solid, coll, 0.0)


def cup(radius: float, height: float, wall: float, bottom: float | None = None) -> HollowParts:
    """A cylindrical cup: a disc and a round wall."""
    b = float(bottom if bottom is not None else wall)
    solid = _difference(_cylinder(radius, height), _cylinder(radius - wall, height, b))
    coll = [entry("cylinder", [0, 0, -height / 2 + b / 2], radius=radius, height=b)]
    coll += _ring_segments(radius - wall, radius, -height / 2 + b, height / 2)
    return HollowParts([solid.smooth_shaded], solid, coll, radius)


def bowl(radius: float, wall: float) -> HollowParts:
    """A hemispherical shell, open at the top; its rim lies at z = radius / 2."""
    centre = np.array([0.0, 0.0, radius / 2])
    outer = trimesh.creation.icosphere(subdivisions=4, radius=radius)
    inner = trimesh.creation.icosphere(subdivisions=4, radius=radius - wall)
    shell = _difference(outer, inner)
    top = trimesh.creation.box(extents=[3 * radius, 3 * radius, 2 * radius])
    top.apply_translation([0, 0, radius])
    solid = _difference(shell, top)
    solid.apply_translation(centre)
    coll = []
    r_in = radius - wall
    for band in range(BOWL_BANDS):
        t0 = math.pi / 2 * band / BOWL_BANDS  # polar angle from the bottom pole
        t1 = math.pi / 2 * (band + 1) / BOWL_BANDS
        tt = np.linspace(t0, t1, 3)
        sectors = 1 if band == 0 else SEGMENTS
        for k in range(sectors):
            pp = np.linspace(2 * math.pi * k / sectors, 2 * math.pi * (k + 1) / sectors, 3 if sectors > 1 else 17)
            pts = []
            for r in (r_in, radius):
                for t in tt:
                    for p in pp:
                        pts.append([r * math.sin(t) * math.cos(p), r * math.sin(t) * math.sin(p), -r * math.cos(t)])
            coll.append(entry("mesh", centre, mesh=trimesh.convex.convex_hull(np.array(pts))))
    return HollowParts([solid.smooth_shaded], solid, coll, radius)


def basket(radius: float, height: float, wall: float, slats: int = 12, bottom: float | None = None) -> HollowParts:
    """A round basket: a solid bottom, vertical slats with gaps between them, a rim ring."""
    b = float(bottom if bottom is not None else wall)
    rim = b
    r_mid = radius - wall / 2
    slat_w = math.pi * r_mid / slats  # slats cover half the circumference
    slat_h = height - b - rim
    z_slat = -height / 2 + b + slat_h / 2
    meshes = [_cylinder(radius, b, -height / 2 + b / 2),
              trimesh.creation.annulus(r_min=radius - wall, r_max=radius, height=rim, sections=64)]
    meshes[1].apply_translation([0, 0, height / 2 - rim / 2])
    coll = [entry("cylinder", [0, 0, -height / 2 + b / 2], radius=radius, height=b)]
    coll += _ring_segments(radius - wall, radius, height / 2 - rim, height / 2)
    for k in range(slats):
        a = 2 * math.pi * k / slats
        q = np.array([0.0, 0.0, math.sin(a / 2), math.cos(a / 2)])
        pos = [r_mid * math.cos(a), r_mid * math.sin(a), z_slat]
        slat = trimesh.creation.box(extents=[wall, slat_w, slat_h + 2e-4])  # overlap bottom and rim
        slat.apply_transform(trimesh.transformations.quaternion_matrix([q[3], q[0], q[1], q[2]]))
        slat.apply_translation(pos)
        meshes.append(slat)
        coll.append(entry("box", pos, q, half_extents=[wall / 2, slat_w / 2, slat_h / 2]))
    solid = trimesh.boolean.union(meshes, engine="manifold")
    return HollowParts([m.smooth_shaded for m in meshes], solid, coll, 0.0)


def hollow_parts(shape) -> HollowParts:
    """The :class:`HollowParts` of a hollow shape spec (Tube, OpenBox, Cup, Bowl, Basket)."""
    t = shape.type
    if t == "tube":
        return tube(shape.radius, shape.height, shape.wall)
    if t == "open_box":
        return open_box(shape.size, shape.wall, shape.bottom)
    if t == "cup":
        return cup(shape.radius, shape.height, shape.wall, shape.bottom)
    if t == "bowl":
        return bowl(shape.radius, shape.wall)
    if t == "basket":
        return basket(shape.radius, shape.height, shape.wall, shape.slats, shape.bottom)
    raise TypeError(f"not a hollow shape: {shape!r}")


HOLLOW_TYPES = ("tube", "open_box", "cup", "bowl", "basket")
"""Shape ``type`` tags of the hollow shapes."""
