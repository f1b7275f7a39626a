"""One rigid body from several parts: the geometry of compound objects and hollow shapes.

A compound's :class:`~physreel.assets.primitives.Geometry` has kind ``"compound"``:

- ``visual``: every part's render meshes, placed in the compound's frame (a part with its own
  colour or material carries it as a PBR material, so the renderer keeps it);
- ``collision_parts``: every convex collision part as a mesh (bounds, sizes);
- ``params["collision"]``: the same parts as :data:`~physreel.assets.hollow.Entry` dicts, which
  the physics builds natively (boxes, spheres, cylinders, capsules) or as hulls;
- ``params["solid"]``: one watertight mesh of the whole (breaking, as a whole);
- ``params["rolling_radius"]``: the radius it rolls on (its largest round part), 0 if none;
- one volume, one centre of mass and one inertia, from the parts' masses: each part's
  inertia about its own centre of mass, rotated into the compound's axes, plus
  ``m d^2`` terms (parallel axes).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import trimesh

from ..transforms import matrix_to_quat, pose_to_matrix
from .hollow import HOLLOW_TYPES, HollowParts, entry, hollow_parts
from .primitives import Geometry


@dataclass(frozen=True)
class Part:
    """One part, ready to combine.

    Attributes
    ----------
    geometry : Geometry
        In the part's own frame.
    position : (3,) float64, m; quaternion : (4,) float64
        The part's frame in the compound's frame.
    mass : float, kg
    look : dict or None
        ``{"color": sRGB (3,), "roughness", "metallic"}`` for a part with its own look.
    """

    geometry: Geometry
    position: np.ndarray
    quaternion: np.ndarray
    mass: float
    look: dict | None = None


# ------------------------------------------------------------------------- one shape alone
def hollow_geometry(shape) -> Geometry:
    """Geometry (kind ``"compound"``) of a hollow shape spec, mass properties from its solid."""
    return _from_hollow(hollow_parts(shape), shape.type)


def _from_hollow(hp: HollowParts, what: str) -> Geometry:
    solid = hp.solid
    volume = float(solid.volume)
    return Geometry(
        "compound",
        {"shape": what, "collision": hp.collision, "solid": solid, "rolling_radius": hp.rolling_radius},
        list(hp.visual),
        [entry_mesh(e) for e in hp.collision],
        volume,
        np.asarray(solid.center_mass, dtype=np.float64),
        np.asarray(solid.moment_inertia, dtype=np.float64) / volume,
        mass_properties_from="mesh",
    )


def part_geometry(shape, cache_dir=None) -> Geometry:
    """Geometry of one part's shape spec (primitive, mesh file or hollow shape)."""
    if shape.type in HOLLOW_TYPES:
        return hollow_geometry(shape)
    from .geometry import build_geometry

    return build_geometry(shape, cache_dir=cache_dir)


# ------------------------------------------------------------------------------ combining
def combine(parts: list[Part]) -> Geometry:
    """One Geometry of several parts (see the module notes).

    Returns
    -------
    Geometry
        ``volume`` is the parts' summed volume, ``center_of_mass`` and ``inertia_unit`` (per kg
        of the summed mass) from the parts' masses.
    """
    masses = np.array([p.mass for p in parts], dtype=np.float64)
    total = float(masses.sum())
    tf = [pose_to_matrix(p.position, p.quaternion) for p in parts]
    coms = np.array([t[:3, :3] @ p.geometry.center_of_mass + t[:3, 3] for p, t in zip(parts, tf, strict=True)])
    com = masses @ coms / total
    inertia = np.zeros((3, 3))
    for p, t, m, c in zip(parts, tf, masses, coms, strict=True):
        r = t[:3, :3]
        d = c - com
        inertia += m * (r @ p.geometry.inertia_unit @ r.T) + m * (d @ d * np.eye(3) - np.outer(d, d))
    visual, collision, solids, rolling = [], [], [], 0.0
    for p, t in zip(parts, tf, strict=True):
        for v in p.geometry.visual:
            visual.append(_placed_visual(v, t, p.look))
        collision += [_placed_entry(e, t) for e in part_entries(p.geometry)]
        solids.append(_placed(part_solid(p.geometry), t))
        rolling = max(rolling, _rolling_radius(p.geometry))
    return Geometry(
        "compound",
        {"shape": "compound", "collision": collision, "solid": _union(solids), "rolling_radius": rolling,
         "parts": len(parts)},
        visual,
        [entry_mesh(e) for e in collision],
        float(sum(p.geometry.volume for p in parts)),
        com,
        inertia / total,
        mass_properties_from="parts",
        warnings=[w for p in parts for w in p.geometry.warnings],
    )


def part_entries(geom: Geometry) -> list:
    """Collision entries of one part's geometry, in its own frame."""
    k, p = geom.kind, geom.params
    if k == "compound":
        return list(p["collision"])
    if k == "box":
        return [entry("box", half_extents=list(p["half_extents"]))]
    if k in ("sphere",):
        return [entry("sphere", radius=p["radius"])]
    if k in ("cylinder", "capsule"):
        return [entry(k, radius=p["radius"], height=p["height"])]
    if geom.static_only_mesh:
        raise ValueError("a part of a compound cannot use collision: mesh (exact triangles); use hull or decompose")
    return [entry("mesh", mesh=m) for m in geom.collision_parts]


def part_solid(geom: Geometry) -> trimesh.Trimesh:
    """A watertight mesh of a geometry, in its own frame: a compound's solid; a primitive
    rebuilt from its parameters; the render meshes merged when they are watertight (keeps a
    cup hollow); else the convex hull of everything."""
    p = geom.params
    if "solid" in p:
        return p["solid"]
    if geom.kind == "box":
        return trimesh.creation.box(extents=2 * np.asarray(p["half_extents"], dtype=np.float64))
    if geom.kind == "sphere":
        return trimesh.creation.icosphere(subdivisions=3, radius=p["radius"])
    if geom.kind == "cylinder":
        return trimesh.creation.cylinder(radius=p["radius"], height=p["height"], sections=48)
    if geom.kind == "capsule":
        return trimesh.creation.capsule(height=p["height"] - 2 * p["radius"], radius=p["radius"])
    merged = trimesh.util.concatenate([trimesh.Trimesh(m.vertices, m.faces) for m in geom.visual])
    merged.merge_vertices()
    if merged.is_watertight and merged.volume > 0:
        return merged
    points = np.vstack([m.vertices for m in (geom.collision_parts or geom.visual)])
    return trimesh.convex.convex_hull(points)


def _rolling_radius(geom: Geometry) -> float:
    if "rolling_radius" in geom.params:
        return float(geom.params["rolling_radius"])
    return float(geom.params["radius"]) if geom.kind in ("sphere", "cylinder", "capsule") else 0.0


def _placed(mesh: trimesh.Trimesh, t: np.ndarray) -> trimesh.Trimesh:
    m = mesh.copy()
    m.apply_transform(t)
    return m


def _placed_visual(mesh: trimesh.Trimesh, t: np.ndarray, look: dict | None) -> trimesh.Trimesh:
    m = _placed(mesh, t)
    if look is not None:
        from ..colors import srgb_to_linear

        rgba = list(np.clip(srgb_to_linear(look["color"]), 0, 1)) + [1.0]
        m.visual = trimesh.visual.TextureVisuals(material=trimesh.visual.material.PBRMaterial(
            baseColorFactor=rgba, metallicFactor=float(look["metallic"]), roughnessFactor=float(look["roughness"])))
    return m


def _placed_entry(e: dict, t: np.ndarray) -> dict:
    """An entry moved by the transform ``t`` (4, 4)."""
    local = pose_to_matrix(e["position"], e["quaternion"])
    out = t @ local
    return {**e, "position": out[:3, 3].copy(), "quaternion": matrix_to_quat(out[:3, :3])}


def entry_mesh(e: dict) -> trimesh.Trimesh:
    """A convex mesh of one entry, in the compound's frame."""
    k = e["type"]
    if k == "box":
        m = trimesh.creation.box(extents=2 * np.asarray(e["half_extents"], dtype=np.float64))
    elif k == "sphere":
        m = trimesh.creation.icosphere(subdivisions=2, radius=e["radius"])
    elif k == "cylinder":
        m = trimesh.creation.cylinder(radius=e["radius"], height=e["height"], sections=24)
    elif k == "capsule":
        m = trimesh.creation.capsule(height=e["height"] - 2 * e["radius"], radius=e["radius"], count=[12, 12])
    else:
        m = e["mesh"].copy()
    t = pose_to_matrix(e["position"], e["quaternion"])
    m.apply_transform(t)
    return m


def _union(meshes: list[trimesh.Trimesh]) -> trimesh.Trimesh:
    """Watertight union of the parts' solids (the convex hull if the boolean fails)."""
    if len(meshes) == 1:
        return meshes[0]
    try:
        out = trimesh.boolean.union(meshes, engine="manifold")
        if out.is_watertight and out.volume > 0:
            return out
    except Exception:  # noqa: BLE001 - a degenerate part: fall back to the hull
        pass
    return trimesh.convex.convex_hull(np.vstack([m.vertices for m in meshes]))

