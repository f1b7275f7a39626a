"""Collision parts of a mesh object: hull, convex decomposition, box, sphere or exact triangles.

All parts are :class:`trimesh.Trimesh` objects in the object frame (metres, Z up).  Every kind
except ``"mesh"`` gives convex parts, which is what a dynamic pybullet body needs; ``"mesh"``
gives the exact triangles and is for static bodies only (pybullet treats a concave triangle mesh
as static).

``"box"`` and ``"sphere"`` parts carry their primitive in ``part.metadata["primitive"]``
(``{"type": "box", "center": (3,), "extents": (3,)}`` or
``{"type": "sphere", "center": (3,), "radius": float}``) so that the physics code can use
pybullet's exact primitives instead of a polyhedron.

Convex decomposition (``"decompose"``) lives in :mod:`physreel.assets.decomposition`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import numpy as np
import trimesh

from physreel.errors import AssetError

CollisionKind = Literal["hull", "decompose", "box", "sphere", "mesh"]
COLLISION_KINDS: tuple[str, ...] = ("hull", "decompose", "box", "sphere", "mesh")
#: Meshes with more vertices are hulled from a regular subset of them (see :func:`convex_hull`).
HULL_MAX_INPUT_POINTS = 1_000_000
#: Most vertices a convex hull part keeps (pybullet's convex-vs-convex cost grows with it).
MAX_HULL_VERTICES = 256


def default_cache_dir() -> Path:
    """Folder for physreel's on-disk caches.

    Returns
    -------
    Path
        ``$PHYSREEL_CACHE`` when set, else ``~/.cache/physreel``.  Not created here.
    """
    env = os.environ.get("PHYSREEL_CACHE")
    if env:
        return Path(env).expanduser()
    return Path("~/.cache/physreel").expanduser()


def convex_hull(
    mesh: trimesh.Trimesh,
    max_vertices: int = MAX_HULL_VERTICES,
    *,
    max_points: int = HULL_MAX_INPUT_POINTS,
) -> trimesh.Trimesh:
    """Convex hull of a mesh, with at most ``max_vertices`` vertices.

    When the exact hull has more vertices, a farthest-point subset of them is hulled again: the
    result lies inside the exact hull and misses it by a small fraction of its size.

    Parameters
    ----------
    mesh : trimesh.Trimesh
        Any triangle mesh with a 3-D extent (not flat).
    max_vertices : int
        Upper bound on the hull's vertex count.
    max_points : int
        Meshes with more vertices are hulled from every k-th vertex (plus the six extreme
        ones), which keeps qhull's time bounded on multi-million-vertex scans.

    Returns
    -------
    trimesh.Trimesh
        Closed convex mesh, outward normals.

    Raises
    ------
    AssetError
        When the mesh is flat or degenerate and has no 3-D hull.
    """
    message = (
        "the mesh is flat or degenerate: it has no 3-D convex hull. A dynamic object needs "
        "volume: give the surface a thickness, or use `collision: mesh` for a static object"
    )
    points = np.asarray(mesh.vertices, dtype=np.float64)
    if len(points) > max_points:
        # every k-th vertex plus the extreme ones: the hull keeps the bounds and loses only a
        # sliver of the order of the (tiny) vertex spacing of such a dense mesh
        extremes = np.concatenate([np.argmin(points, axis=0), np.argmax(points, axis=0)])
        points = np.concatenate([points[:: len(points) // max_points + 1], points[extremes]])
    try:
        with np.errstate(invalid="ignore", divide="ignore"):  # a flat hull divides by volume 0
            hull = trimesh.convex.convex_hull(points)
            volume = hull.volume
    except Exception as exc:  # qhull raises its own error types for flat input
        raise AssetError(f"{message} ({type(exc).__name__})") from exc
    size = float(np.max(mesh.extents)) if len(mesh.vertices) else 0.0
    if not size > 0 or not volume > 1e-9 * size**3:
        raise AssetError(message)
    return limit_hull_vertices(hull, max_vertices)


def limit_hull_vertices(
    hull: trimesh.Trimesh, max_vertices: int = MAX_HULL_VERTICES
) -> trimesh.Trimesh:
    """A convex hull with at most ``max_vertices`` vertices (farthest-point subset, re-hulled).

    Parameters
    ----------
    hull : trimesh.Trimesh
        A convex mesh (returned unchanged when small enough).
    max_vertices : int
        Upper bound on the vertex count.

    Returns
    -------
    trimesh.Trimesh
        Convex mesh inside ``hull`` whose vertices are a subset of ``hull``'s.
    """
    if len(hull.vertices) <= max_vertices:
        return hull
    keep = _farthest_points(np.asarray(hull.vertices), max_vertices)
    return trimesh.convex.convex_hull(np.asarray(hull.vertices)[keep])


def _farthest_points(points: np.ndarray, count: int) -> np.ndarray:
    """Indices of ``count`` points of ``points`` (N, 3) picked by farthest-point sampling.

    Deterministic; candidates are first thinned to every k-th point (at most 20 000) so that
    the cost stays small for hulls of million-vertex scans.
    """
    stride = max(1, len(points) // 20_000)
    candidates = np.arange(0, len(points), stride)
    points = points[candidates]
    start = int(np.argmax(np.linalg.norm(points - points.mean(axis=0), axis=1)))
    chosen = [start]
    dist = np.linalg.norm(points - points[start], axis=1)
    for _ in range(count - 1):
        nxt = int(np.argmax(dist))
        chosen.append(nxt)
        dist = np.minimum(dist, np.linalg.norm(points - points[nxt], axis=1))
    return candidates[np.asarray(chosen)]


def box_part(mesh: trimesh.Trimesh) -> trimesh.Trimesh:
    """Axis-aligned bounding box of ``mesh`` in its own frame, as a 12-triangle mesh.

    ``metadata["primitive"]`` holds ``{"type": "box", "center": (3,), "extents": (3,)}``.
    """
    lo, hi = np.asarray(mesh.bounds, dtype=np.float64)
    center, extents = (lo + hi) / 2.0, np.maximum(hi - lo, 1e-9)
    box = trimesh.creation.box(
        extents=extents, transform=trimesh.transformations.translation_matrix(center)
    )
    box.metadata["primitive"] = {"type": "box", "center": center, "extents": extents}
    return box


def sphere_part(mesh: trimesh.Trimesh) -> trimesh.Trimesh:
    """Smallest enclosing sphere of ``mesh`` (of its hull's vertices), as an icosphere mesh.

    ``metadata["primitive"]`` holds ``{"type": "sphere", "center": (3,), "radius": float}``.
    The icosphere's vertices lie on the sphere, so the polyhedron is slightly inside it.
    """
    try:
        points = np.asarray(mesh.convex_hull.vertices)
    except Exception:  # flat input: its own vertices bound it just as well
        points = np.asarray(mesh.vertices)
    center, radius = trimesh.nsphere.minimum_nsphere(points)
    sphere = trimesh.creation.icosphere(subdivisions=2, radius=float(radius))
    sphere.apply_translation(center)
    sphere.metadata["primitive"] = {
        "type": "sphere",
        "center": np.asarray(center),
        "radius": float(radius),
    }
    return sphere


def collision_parts(
    mesh: trimesh.Trimesh,
    kind: str,
    *,
    hull: trimesh.Trimesh | None = None,
) -> list[trimesh.Trimesh]:
    """Collision parts of the non-decomposing kinds (``hull``, ``box``, ``sphere``, ``mesh``).

    Parameters
    ----------
    mesh : trimesh.Trimesh
        Repaired mesh in the object frame.
    kind : str
        One of ``"hull"``, ``"box"``, ``"sphere"``, ``"mesh"``; ``"decompose"`` is
        :func:`physreel.assets.decomposition.decompose_cached`.
    hull : trimesh.Trimesh, optional
        A precomputed :func:`convex_hull` of ``mesh`` (saves recomputing it).

    Returns
    -------
    list of trimesh.Trimesh
        One part (``mesh`` returns the mesh itself: exact triangles, static bodies only).
    """
    if kind == "hull":
        return [limit_hull_vertices(hull) if hull is not None else convex_hull(mesh)]
    if kind == "box":
        return [box_part(mesh)]
    if kind == "sphere":
        return [sphere_part(mesh)]
    if kind == "mesh":
        return [mesh]
    raise AssetError(
        f"unknown collision kind {kind!r}; expected one of {', '.join(COLLISION_KINDS)}"
    )
