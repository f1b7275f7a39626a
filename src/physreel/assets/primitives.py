"""Geometry of the primitive shapes: render meshes, exact volumes and inertia.

Every primitive is centred on its object origin (the centre of its bounding box), with its
axis along the object's Z.  Inertia tensors are exact (analytic), not from the triangulation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import trimesh

from ..scene.models import Box, Capsule, Cone, Cylinder, Sphere


@dataclass(frozen=True)
class Geometry:
    """What physics and rendering need to know about one object's shape.

    Attributes
    ----------
    kind : str
        "box", "sphere", "cylinder", "capsule", "cone" or "mesh".
    params : dict
        Shape parameters in metres (box ``half_extents``; ``radius``; ``height``...).
    visual : list of trimesh.Trimesh
        Render meshes in the object frame (metres); each may carry its own visuals.
    collision_parts : list of trimesh.Trimesh
        Convex collision pieces in the object frame, for shapes without a native pybullet
        primitive (cone, mesh).  Empty for native primitives.
    volume : float, m^3
    center_of_mass : (3,) float64, object frame
    inertia_unit : (3, 3) float64
        Inertia tensor about the centre of mass for a mass of 1 kg, object-frame axes.
    static_only_mesh : bool
        True when the collision is exact triangles (allowed for static objects only).
    mass_properties_from : str
        "analytic", "mesh" or "hull".
    warnings : list of str
    """

    kind: str
    params: dict
    visual: list
    collision_parts: list
    volume: float
    center_of_mass: np.ndarray
    inertia_unit: np.ndarray
    static_only_mesh: bool = False
    mass_properties_from: str = "analytic"
    warnings: list = field(default_factory=list)

    @property
    def bounds(self) -> np.ndarray:
        """(2, 3) float64 corners ``[lo, hi]`` of the render mesh's bounding box, object frame, m
        (a point at the centre of mass for bodies with nothing to draw)."""
        if not self.visual:
            return np.stack([self.center_of_mass, self.center_of_mass]).astype(np.float64)
        lo = np.min([m.bounds[0] for m in self.visual], axis=0)
        hi = np.max([m.bounds[1] for m in self.visual], axis=0)
        return np.stack([lo, hi])

    @property
    def extents(self) -> np.ndarray:
        """(3,) float64 size of the axis-aligned bounding box of the render mesh, metres."""
        lo, hi = self.bounds
        return hi - lo


def primitive_geometry(shape: Box | Sphere | Cylinder | Capsule | Cone) -> Geometry:
    """Geometry of a primitive shape spec."""
    if isinstance(shape, Box):
        sx, sy, sz = shape.size
        mesh = trimesh.creation.box(extents=shape.size)
        inertia = np.diag([sy * sy + sz * sz, sx * sx + sz * sz, sx * sx + sy * sy]) / 12.0
        return Geometry(
            "box",
            {"half_extents": [sx / 2, sy / 2, sz / 2]},
            [_smooth(mesh)],
            [],
            sx * sy * sz,
            np.zeros(3),
            inertia,
        )
    if isinstance(shape, Sphere):
        r = shape.radius
        mesh = trimesh.creation.icosphere(subdivisions=4, radius=r)
        return Geometry(
            "sphere",
            {"radius": r},
            [mesh],
            [],
            4.0 / 3.0 * math.pi * r**3,
            np.zeros(3),
            np.eye(3) * 0.4 * r * r,
        )
    if isinstance(shape, Cylinder):
        r, h = shape.radius, shape.height
        mesh = trimesh.creation.cylinder(radius=r, height=h, sections=64)
        ixx = (3 * r * r + h * h) / 12.0
        return Geometry(
            "cylinder",
            {"radius": r, "height": h},
            [_smooth(mesh)],
            [],
            math.pi * r * r * h,
            np.zeros(3),
            np.diag([ixx, ixx, r * r / 2.0]),
        )
    if isinstance(shape, Capsule):
        r, h = shape.radius, shape.height
        a = h - 2 * r  # length of the cylindrical part
        mesh = trimesh.creation.capsule(height=a, radius=r, count=[48, 48])
        vc, vs = math.pi * r * r * a, 4.0 / 3.0 * math.pi * r**3
        mc, ms = vc / (vc + vs), vs / (vc + vs)
        izz = mc * r * r / 2 + ms * 0.4 * r * r
        ixx = mc * (a * a / 12 + r * r / 4) + ms * (0.4 * r * r + a * a / 4 + 3 * a * r / 8)
        return Geometry(
            "capsule",
            {"radius": r, "height": h},
            [mesh],
            [],
            vc + vs,
            np.zeros(3),
            np.diag([ixx, ixx, izz]),
        )
    if isinstance(shape, Cone):
        r, h = shape.radius, shape.height
        mesh = trimesh.creation.cone(radius=r, height=h, sections=64)
        mesh.apply_translation([0, 0, -h / 2])  # bounding-box centre at the origin
        ixx = 3.0 / 20.0 * r * r + 3.0 / 80.0 * h * h
        return Geometry(
            "cone",
            {"radius": r, "height": h},
            [_smooth(mesh)],
            [mesh],
            math.pi * r * r * h / 3.0,
            np.array([0.0, 0.0, -h / 4.0]),
            np.diag([ixx, ixx, 0.3 * r * r]),
        )
    raise TypeError(f"not a primitive shape: {shape!r}")


def _smooth(mesh: trimesh.Trimesh) -> trimesh.Trimesh:
    """Smooth normals that keep sharp edges sharp (a box stays a box, a cylinder's cap flat)."""
    return mesh.smooth_shaded if hasattr(mesh, "smooth_shaded") else mesh
