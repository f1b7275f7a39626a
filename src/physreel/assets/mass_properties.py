"""Volume, centre of mass and inertia of a repaired mesh, or of its convex hull when the mesh
does not enclose a volume."""

from __future__ import annotations

from typing import Literal

import numpy as np
import trimesh

from physreel.assets import collision as _collision


def mass_properties(
    mesh: trimesh.Trimesh, hull: trimesh.Trimesh | None
) -> tuple[float, np.ndarray, np.ndarray, Literal["mesh", "hull"]]:
    """Volume, centre of mass and unit-mass inertia of a repaired mesh (or of its hull).

    Parameters
    ----------
    mesh : trimesh.Trimesh
        Repaired mesh (see :func:`repair_for_physics`).
    hull : trimesh.Trimesh or None
        Its convex hull, used when the mesh is not a closed, outward-facing body (computed
        here when needed and not given).

    Returns
    -------
    volume : float
        Cubic units of the mesh.
    center_of_mass : (3,) float64
    inertia_per_unit_mass : (3, 3) float64
        About the centre of mass, mesh axes.
    source : {"mesh", "hull"}
    """
    if mesh.is_watertight and mesh.is_winding_consistent:
        props = mesh.mass_properties
        if props["volume"] > 0:
            return _unit_props(props, "mesh")
    if hull is None:  # closed but inside-out or self-cancelling: fall back to the hull
        hull = _collision.convex_hull(mesh, max_vertices=2**62)
    return _unit_props(hull.mass_properties, "hull")


def _unit_props(props: dict, source: Literal["mesh", "hull"]):
    volume = float(props["volume"])
    com = np.asarray(props["center_mass"], dtype=np.float64)
    inertia = np.asarray(props["inertia"], dtype=np.float64) / volume  # density 1 => mass = volume
    return volume, com, inertia, source
