"""One entry point from a shape spec to its :class:`Geometry` (primitives and mesh files)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..scene.models import MeshShape
from .primitives import Geometry, primitive_geometry


def build_geometry(shape, *, cache_dir: Path | None = None) -> Geometry:
    """Geometry of any shape spec (primitive or mesh file)."""
    if isinstance(shape, MeshShape):
        return mesh_geometry(shape, cache_dir=cache_dir)
    return primitive_geometry(shape)


def mesh_geometry(shape: MeshShape, *, cache_dir: Path | None = None) -> Geometry:
    """Load, repair and normalise a mesh file (see :mod:`physreel.assets.meshes`)."""
    from .collision import default_cache_dir
    from .meshes import MeshOptions, prepare_mesh

    opts = MeshOptions(
        file=Path(shape.file),
        scale=shape.scale,
        size=shape.size,
        up=shape.up,
        origin=shape.origin,
        collision=shape.collision,
        max_display_triangles=shape.max_display_triangles,
    )
    pm = prepare_mesh(opts, cache_dir=cache_dir if cache_dir is not None else default_cache_dir())
    visual = pm.visual if isinstance(pm.visual, list) else [pm.visual]
    return Geometry(
        kind="mesh",
        params={"file": str(shape.file), "collision": pm.collision_kind},
        visual=visual,
        collision_parts=list(pm.collision_parts),
        volume=float(pm.volume),
        center_of_mass=np.asarray(pm.center_of_mass, dtype=np.float64),
        inertia_unit=np.asarray(pm.inertia_per_unit_mass, dtype=np.float64),
        static_only_mesh=pm.collision_kind == "mesh",
        mass_properties_from=pm.mass_properties_from,
        warnings=list(pm.warnings),
    )
