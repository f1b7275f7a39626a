"""Mesh import, repair and normalisation: any mesh file -> a well-behaved physical object.

:func:`prepare_mesh` turns a glTF/GLB, OBJ (+MTL + textures), STL, PLY or OFF file into a
:class:`PreparedMesh`: the visual meshes with their textures, vertex colours and PBR factors,
convex collision parts, volume, centre of mass and inertia, all in the *object frame*.

Object frame
------------
Metres, right-handed, **Z up**.  The file is first rotated to Z up (``up="y"``: glTF's Y-up,
rotated +90 degrees about X so that +Y -> +Z and +Z -> -Y), then scaled (``size``: longest side
in metres; ``scale``: scalar or per-axis factors along the object frame's X, Y, Z), then shifted
so that its origin is

- ``center_of_mass``: the centre of mass (of the mesh, or of its hull when the mesh is open);
- ``bottom_center``: the centre of the bottom face of the axis-aligned bounding box, so that an
  object placed at ``z = 0`` rests on the floor;
- ``as_is``: the file's own origin (scaled and rotated).

The 4x4 matrix from file coordinates to the object frame is :attr:`PreparedMesh.transform`.

The steps live in their own modules: reading files (:mod:`~physreel.assets.mesh_files`),
repair (:mod:`~physreel.assets.repair`), mass properties
(:mod:`~physreel.assets.mass_properties`), collision parts (:mod:`~physreel.assets.collision`,
:mod:`~physreel.assets.decomposition`) and display decimation (:mod:`~physreel.assets.decimate`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import trimesh

from physreel.assets import collision as _collision
from physreel.assets import decomposition as _decomposition
from physreel.assets.decimate import decimate_parts
from physreel.assets.mass_properties import mass_properties
from physreel.assets.mesh_files import default_up, read_mesh_file
from physreel.assets.repair import RepairReport, geometry_only, repair_for_physics, repair_visual
from physreel.errors import ArgumentError, AssetError

#: Rotation taking a Y-up file to Z up: +90 degrees about X (+Y -> +Z, +Z -> -Y).
Y_UP_TO_Z_UP = np.array(
    [[1.0, 0.0, 0.0, 0.0], [0.0, 0.0, -1.0, 0.0], [0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0]]
)


@dataclass(frozen=True)
class MeshOptions:
    """How to turn a mesh file into an object (mirrors the scene's mesh shape fields).

    Attributes
    ----------
    file : Path
        The mesh file.
    scale : float or (3,) tuple of float, optional
        Factors from file units to metres; per-axis factors act along the object frame's
        X, Y, Z (after the up-axis rotation).  Exclusive with ``size``.
    size : float, optional
        Length of the longest side of the bounding box, metres.  Exclusive with ``scale``.
        With neither, one file unit is one metre.
    up : {"y", "z"}, optional
        The file's up axis; None picks the format's convention (glTF/GLB: "y", others: "z").
    origin : {"center_of_mass", "bottom_center", "as_is"}
        Where the object frame's origin goes (see the module docstring).
    collision : {"hull", "decompose", "box", "sphere", "mesh"}
        Collision geometry; "mesh" is exact triangles and for static objects only.
    max_display_triangles : int, optional
        Decimate the visual meshes (vertex clustering) when they have more triangles in all
        (each part keeps at least 4).
    decompose_threshold : float
        CoACD concavity threshold for ``collision="decompose"`` (smaller: finer parts).
    max_convex_parts : int
        Most convex parts a decomposition may give (-1: no limit).
    """

    file: Path
    scale: float | tuple[float, float, float] | None = None
    size: float | None = None
    up: Literal["y", "z"] | None = None
    origin: Literal["center_of_mass", "bottom_center", "as_is"] = "center_of_mass"
    collision: Literal["hull", "decompose", "box", "sphere", "mesh"] = "hull"
    max_display_triangles: int | None = None
    decompose_threshold: float = 0.05
    max_convex_parts: int = -1


@dataclass(frozen=True, eq=False)
class PreparedMesh:
    """A mesh file made ready for physics and rendering, all in the object frame.

    Attributes
    ----------
    visual : trimesh.Trimesh or list of trimesh.Trimesh
        What to render: Z up, metres, object frame; each part keeps its own visuals
        (``TextureVisuals`` with a ``PBRMaterial`` or ``SimpleMaterial``, or ``ColorVisuals``).
        A list when the file has several parts (multi-node glTF scenes, several materials).
    collision_parts : list of trimesh.Trimesh
        Convex pieces (object frame); for ``collision_kind == "mesh"`` the exact repaired
        triangles instead (static objects only).  Box and sphere parts carry
        ``metadata["primitive"]`` (see :mod:`physreel.assets.collision`).
    collision_kind : str
        The ``collision`` option used.
    volume : float
        Volume in m^3 (multiply by density for the mass).
    center_of_mass : (3,) float64
        Centre of mass in the object frame, metres (zeros for ``origin="center_of_mass"``).
    inertia_per_unit_mass : (3, 3) float64
        Inertia tensor about the centre of mass, object-frame axes, for a mass of 1 kg
        (kg m^2 per kg); multiply by the mass.
    mass_properties_from : {"mesh", "hull"}
        "mesh" when the repaired mesh is watertight, else "hull" (its convex hull).
    extents : (3,) float64
        Axis-aligned bounding-box size in the object frame, metres.
    warnings : list of str
        Things the user should know (missing textures, odd units, unfixed winding, ...).
    transform : (4, 4) float64
        File coordinates -> object frame (rotation, scale, origin shift).
    collision_cached : bool
        True when the collision parts came from the on-disk cache.
    """

    visual: trimesh.Trimesh | list[trimesh.Trimesh]
    collision_parts: list[trimesh.Trimesh]
    collision_kind: str
    volume: float
    center_of_mass: np.ndarray
    inertia_per_unit_mass: np.ndarray
    mass_properties_from: Literal["mesh", "hull"]
    extents: np.ndarray
    warnings: list[str] = field(default_factory=list)
    transform: np.ndarray = field(default_factory=lambda: np.eye(4))
    collision_cached: bool = False

    @property
    def visual_parts(self) -> list[trimesh.Trimesh]:
        """The visual meshes as a list (one element for a single-part file)."""
        return self.visual if isinstance(self.visual, list) else [self.visual]


def _scale_matrix(scale: float | tuple[float, float, float] | np.ndarray) -> np.ndarray:
    factors = np.broadcast_to(np.asarray(scale, dtype=np.float64), (3,))
    out = np.eye(4)
    out[:3, :3] = np.diag(factors)
    return out


def _check_options(opts: MeshOptions) -> None:
    if opts.size is not None and opts.scale is not None:
        raise ArgumentError(
            f"{opts.file}: give either `size` (longest side in metres) or `scale`, not both "
            f"(got size={opts.size}, scale={opts.scale})"
        )
    if opts.size is not None and not (math.isfinite(opts.size) and opts.size > 0):
        raise ArgumentError(
            f"{opts.file}: `size` must be a positive number of metres, got {opts.size}"
        )
    if opts.scale is not None:
        factors = np.asarray(opts.scale, dtype=np.float64).ravel()
        if factors.size not in (1, 3) or not (np.isfinite(factors).all() and (factors > 0).all()):
            raise ArgumentError(
                f"{opts.file}: `scale` must be a positive number or three positive numbers "
                f"[sx, sy, sz], got {opts.scale}"
            )
    if opts.up not in (None, "y", "z"):
        raise ArgumentError(f"{opts.file}: `up` must be 'y' or 'z', got {opts.up!r}")
    if opts.origin not in ("center_of_mass", "bottom_center", "as_is"):
        raise ArgumentError(
            f"{opts.file}: `origin` must be center_of_mass, bottom_center or as_is, got {opts.origin!r}"
        )
    if opts.collision not in _collision.COLLISION_KINDS:
        raise ArgumentError(
            f"{opts.file}: `collision` must be one of {', '.join(_collision.COLLISION_KINDS)}, "
            f"got {opts.collision!r}"
        )
    if opts.max_display_triangles is not None and opts.max_display_triangles < 1:
        raise ArgumentError(
            f"{opts.file}: `max_display_triangles` must be a positive number of triangles, got "
            f"{opts.max_display_triangles}"
        )


# --------------------------------------------------------------------------- the pipeline


def prepare_mesh(opts: MeshOptions, *, cache_dir: Path | None = None) -> PreparedMesh:
    """Load, repair and normalise a mesh file; build its collision parts and mass properties.

    Parameters
    ----------
    opts : MeshOptions
        The file and how to treat it.
    cache_dir : Path, optional
        Cache root for convex decompositions; None uses
        :func:`physreel.assets.collision.default_cache_dir`.  Only ``collision="decompose"``
        reads or writes it.

    Returns
    -------
    PreparedMesh
        Everything in the object frame (metres, Z up); see the module docstring.

    Raises
    ------
    AssetError
        The file is missing, unreadable, not a mesh, empty, or flat (no volume) for a
        collision kind that needs volume.
    ArgumentError
        Contradictory or out-of-range options.
    """
    _check_options(opts)
    source = read_mesh_file(Path(opts.file))
    warnings = source.missing_warnings()
    if source.ignored:
        warnings.append(f"ignored {source.ignored} non-triangle geometries (points or lines)")
    up = opts.up or default_up(source.path)
    parts = source.parts  # freshly loaded: transforming them in place is safe
    rotate_scale = _rotate_and_scale(parts, opts, up, warnings)

    physics = geometry_only(parts)
    _note_repair(repair_for_physics(physics), warnings)
    for part in parts:
        repair_visual(part)
    exact_hull, volume, com, inertia, props_from = _mass_properties_or_hull(
        physics, opts.collision, warnings
    )

    shift = _origin_shift(physics, com, opts.origin)
    for part in parts:
        part.apply_translation(shift)
    physics.apply_translation(shift)
    if exact_hull is not None:
        exact_hull = exact_hull.copy()
        exact_hull.apply_translation(shift)

    cached = False
    if opts.collision == "decompose":
        collision_parts, cached = _decompose(physics, source.path, up, opts, cache_dir)
        degraded = _decomposition.degraded_decomposition_warning(physics, collision_parts)
        if degraded:
            warnings.append(degraded)
    elif opts.collision == "hull":
        collision_parts = [_collision.limit_hull_vertices(exact_hull)]
    else:
        collision_parts = _collision.collision_parts(physics, opts.collision)

    if opts.max_display_triangles is not None:
        parts = decimate_parts(parts, opts.max_display_triangles, warnings)

    transform = trimesh.transformations.translation_matrix(shift) @ rotate_scale
    return PreparedMesh(
        visual=parts[0] if len(parts) == 1 else list(parts),
        collision_parts=collision_parts,
        collision_kind=opts.collision,
        volume=volume,
        center_of_mass=np.asarray(com, dtype=np.float64) + shift,
        inertia_per_unit_mass=inertia,
        mass_properties_from=props_from,
        extents=np.asarray(physics.extents, dtype=np.float64),
        warnings=warnings,
        transform=transform,
        collision_cached=cached,
    )


def _rotate_and_scale(
    parts: list[trimesh.Trimesh], opts: MeshOptions, up: str, warnings: list[str]
) -> np.ndarray:
    """Rotate ``parts`` to Z up and scale them to metres in place; return the (4, 4) used."""
    rotate = Y_UP_TO_Z_UP if up == "y" else np.eye(4)
    for part in parts:
        part.apply_transform(rotate)
    lo = np.min([p.bounds[0] for p in parts], axis=0)
    hi = np.max([p.bounds[1] for p in parts], axis=0)
    longest = float(np.max(hi - lo))
    if not longest > 0:
        raise AssetError(f"{opts.file}: all vertices coincide (the mesh has zero size)")
    if opts.size is not None:
        scale = _scale_matrix(opts.size / longest)
    elif opts.scale is not None:
        scale = _scale_matrix(opts.scale)
    else:
        scale = np.eye(4)
        if longest > 20.0 or longest < 0.005:
            warnings.append(
                f"the longest side is {longest:.4g} file units and is taken as {longest:.4g} m; "
                "set `size` (longest side in metres) or `scale` (e.g. 0.001 for millimetres)"
            )
    if not np.array_equal(scale, np.eye(4)):
        for part in parts:
            part.apply_transform(scale)
    return scale @ rotate


def _note_repair(report: RepairReport, warnings: list[str]) -> None:
    fixed = []
    if report.faces_dropped:
        fixed.append(f"dropped {report.faces_dropped} degenerate or duplicate faces")
    if report.winding_fixed:
        fixed.append("made the face winding consistent")
    if fixed:
        warnings.append("repaired for physics: " + ", ".join(fixed))


def _mass_properties_or_hull(physics: trimesh.Trimesh, kind: str, warnings: list[str]):
    """(exact hull or None, volume, com, unit inertia, source) of the repaired mesh."""
    closed = bool(physics.is_watertight and physics.is_winding_consistent)
    exact_hull = None
    if kind == "hull" or not closed:
        try:
            exact_hull = _collision.convex_hull(physics, max_vertices=2**62)
        except AssetError:
            if kind != "mesh":
                raise
            # flat static geometry: no volume, but usable as a static triangle mesh
            warnings.append(
                "the mesh is flat (no volume); usable only as a static `collision: mesh`"
            )
            return None, 0.0, physics.bounds.mean(axis=0), np.zeros((3, 3)), "hull"
    volume, com, inertia, props_from = mass_properties(physics, exact_hull)
    if props_from == "hull":
        warnings.append(
            "the mesh is open (not watertight); volume, centre of mass and inertia come "
            "from its convex hull"
        )
    return exact_hull, volume, com, inertia, props_from


def _origin_shift(physics: trimesh.Trimesh, com: np.ndarray, origin: str) -> np.ndarray:
    """(3,) translation that puts the object frame's origin where ``origin`` asks."""
    if origin == "center_of_mass":
        return -np.asarray(com, dtype=np.float64)
    if origin == "bottom_center":
        lo, hi = np.asarray(physics.bounds, dtype=np.float64)
        return -np.array([(lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2, lo[2]])
    return np.zeros(3)


def _decompose(
    physics: trimesh.Trimesh, path: Path, up: str, opts: MeshOptions, cache_dir: Path | None
) -> tuple[list[trimesh.Trimesh], bool]:
    settings = {
        "up": up,
        "size": opts.size,
        "scale": opts.scale,
        "origin": opts.origin,
        "threshold": opts.decompose_threshold,
        "max_parts": opts.max_convex_parts,
    }
    key = _decomposition.decomposition_cache_key(_decomposition.file_sha256(path), settings)
    return _decomposition.decompose_cached(
        physics,
        cache_key=key,
        cache_dir=Path(cache_dir) if cache_dir is not None else _collision.default_cache_dir(),
        threshold=opts.decompose_threshold,
        max_parts=opts.max_convex_parts,
    )
