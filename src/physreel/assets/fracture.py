"""Pre-fracture of breakable objects into convex pieces.

A breakable object is cut, before the simulation, into pieces that together form its shape:
Voronoi cells around seed points drawn inside the mesh, intersected with the mesh.  When the
object breaks, its body is replaced by one body per piece (each a convex collision shape and a
render mesh), with velocities from :func:`piece_velocities`.

How the cut works
-----------------
1. ``pieces`` seed points are drawn uniformly inside the mesh volume (rejection sampling in
   the bounding box).
2. Each seed's Voronoi cell (a convex polyhedron, bounded by the mesh's bounding box) is
   intersected with the mesh by a boolean operation (manifold3d).  For a convex mesh that is
   exact: every cell ∩ mesh is convex and the pieces tile the mesh.
3. For a non-convex mesh (a hollow cup) a cell ∩ mesh may be non-convex or fall apart into
   several components.  Each connected component is a piece of its own.  A component whose
   convex hull exceeds its volume by more than :data:`MAX_HULL_EXCESS` (and by more than
   0.05 % of the mesh's volume: tiny shards are left alone) is cut in two by a plane, the
   candidate that leaves the least total hull volume: the planes of the faces at its most
   concave edges (such as the inside of a cup's bottom, or the inner wall, which cuts off a
   convex slab) and the planes through its centroid across its principal axes.  This repeats
   up to :data:`MAX_DEPTH` times; each final part is replaced by its convex hull.
4. Pieces smaller than :data:`SLIVER_FRACTION` of the mesh's volume, or thinner than
   :data:`MIN_THICKNESS` of its bounding-box diagonal, are dropped; the volume they carried is
   lost (compare ``sum(p.volume for p in pieces)`` with ``mesh.volume``).

Is ``pieces`` honoured?  For a convex mesh, yes: one piece per seed, fewer only when a
sliver is dropped.  For a non-convex mesh ``pieces`` is the number of *seeds*, and the result
has many more pieces: a thin curved shell has nearly convex parts only where they span a small
arc (a hull excess of 30 % on a 3 mm wall of radius 80 mm allows about 20 degrees), and the
Voronoi faces cross the wall obliquely.  Measured on a cup of radius 80 mm, 3 mm walls, 8 mm
bottom, 100 mm tall: 12 seeds gave 92-110 pieces, 30 seeds 140-151; the pieces' volumes
summed to 2-5 % more than the cup's, and their hulls covered 0.2-0.7 % of the hollow.  Thin
doubly curved shells fare worse (a 4 mm hemispherical bowl of radius 60 mm: ~20 % over).

Every piece is a convex hull: watertight, convex, in the *parent's object frame* (the same
coordinates as the input mesh).

Determinism and cache
---------------------
:func:`fracture` draws exactly one integer from the generator it is given (whether or not the
cache is used) and does all its random work with a generator seeded by that integer, so the
same mesh, ``pieces`` and generator state give byte-identical pieces.  With ``cache_dir`` the
pieces are stored in one ``.npz`` file per fracture, keyed by the mesh's arrays, ``pieces``,
that integer and :data:`FORMAT_VERSION` (see :func:`fracture_cache_path`).
"""

from __future__ import annotations

import hashlib
import itertools
import os
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import trimesh

from physreel.errors import ArgumentError, AssetError

__all__ = [
    "FORMAT_VERSION",
    "MAX_DEPTH",
    "MAX_HULL_EXCESS",
    "MIN_THICKNESS",
    "SLIVER_FRACTION",
    "Piece",
    "fracture",
    "fracture_cache_path",
    "piece_velocities",
]

FORMAT_VERSION = 1
"""Version of the fracture algorithm and cache format; part of every cache key."""

SLIVER_FRACTION = 1e-4
"""Pieces with a volume below this fraction of the parent's volume are dropped."""

MIN_THICKNESS = 1e-3
"""Pieces thinner than this fraction of the parent's bounding-box diagonal are dropped."""

MAX_HULL_EXCESS = 0.3
"""A component whose convex hull is more than this fraction larger than it is cut again.

Lower values give pieces closer to the true shape (less of a cup's hollow covered, volumes
closer to the mesh's) at the cost of many more pieces."""

MAX_DEPTH = 16
"""How many times a non-convex component is cut again before its hull is accepted as is."""

_REFLEX_PLANES = 4  # planes along reflex edges tried per re-cut
_PLANE_SHIFT = 1e-6  # relative to the component's size: how far outside a face a cut lies
_WINDING_MAX_FACES = 20_000  # larger meshes use ray tests for inside/outside
_EXCESS_FLOOR = 5e-4  # parts whose hull excess is below this fraction of the parent are not re-cut
_MIN_CUT = 0.05  # a re-cut may not cut off a part smaller than this fraction of the volume


@dataclass(frozen=True, eq=False)
class Piece:
    """One convex piece of a fractured object.

    Attributes
    ----------
    mesh : trimesh.Trimesh
        Convex, watertight mesh in the parent's object frame (metres).
    volume : float
        Volume of ``mesh`` (m^3).
    center_of_mass : (3,) float64
        Centre of mass of ``mesh`` at uniform density, parent frame (metres).
    """

    mesh: trimesh.Trimesh
    volume: float
    center_of_mass: np.ndarray


def fracture(
    mesh: trimesh.Trimesh,
    pieces: int,
    rng: np.random.Generator,
    *,
    cache_dir: Path | None = None,
) -> list[Piece]:
    """Cut a watertight mesh into convex pieces (Voronoi cells clipped to the mesh).

    Parameters
    ----------
    mesh : trimesh.Trimesh
        Watertight mesh with outward normals, object frame, metres.
    pieces : int
        Number of Voronoi seeds, >= 1.  For a convex mesh this is the number of pieces returned
        (fewer only if a cell is a sliver, which is dropped).  For a non-convex mesh it is the
        number of seeds; the result has several times more pieces (see the module notes).
    rng : numpy.random.Generator
        Source of randomness; exactly one integer is drawn from it.
    cache_dir : pathlib.Path or None
        Folder for cached fractures (created if missing); ``None`` disables the cache.

    Returns
    -------
    list of Piece
        Convex, watertight pieces in the mesh's frame.  For a convex mesh their volumes sum to
        the mesh's volume up to float error (less any dropped slivers); for a non-convex mesh
        the sum exceeds it by the hulls' excess (a few per cent for a thin-walled cup).

    Raises
    ------
    ArgumentError
        ``pieces`` is not a positive integer.
    AssetError
        The mesh is not watertight, has inward normals, or no seed point could be placed in it.
    """
    _check_inputs(mesh, pieces)
    seed = int(rng.integers(2**63))
    if cache_dir is None:
        return _compute(mesh, int(pieces), seed)
    path = fracture_cache_path(mesh, int(pieces), seed, cache_dir)
    cached = _load(path)
    if cached is not None:
        return cached
    result = _compute(mesh, int(pieces), seed)
    _save(path, result)
    return result


def fracture_cache_path(mesh: trimesh.Trimesh, pieces: int, seed: int, cache_dir: Path) -> Path:
    """Path of the cache file for one fracture.

    Parameters
    ----------
    mesh : trimesh.Trimesh
        The mesh to fracture.
    pieces : int
        Number of seeds.
    seed : int
        The integer :func:`fracture` draws first from its generator,
        ``int(rng.integers(2**63))``.
    cache_dir : pathlib.Path
        Cache folder.

    Returns
    -------
    pathlib.Path
        ``cache_dir / "fracture-<sha256>.npz"``; the hash covers the mesh's vertex and face
        arrays, ``pieces``, ``seed``, :data:`FORMAT_VERSION` and the algorithm's constants.
    """
    h = hashlib.sha256()
    h.update(f"physreel-fracture-v{FORMAT_VERSION}".encode())
    constants = (SLIVER_FRACTION, MAX_HULL_EXCESS, MAX_DEPTH, _MIN_CUT, _REFLEX_PLANES)
    h.update(repr(constants + (_EXCESS_FLOOR, _PLANE_SHIFT, MIN_THICKNESS)).encode())
    h.update(np.ascontiguousarray(mesh.vertices, dtype="<f8").tobytes())
    h.update(np.ascontiguousarray(mesh.faces, dtype="<i8").tobytes())
    h.update(f"pieces={int(pieces)},seed={int(seed)}".encode())
    return Path(cache_dir) / f"fracture-{h.hexdigest()}.npz"


def piece_velocities(
    parent_velocity: np.ndarray,
    parent_angular_velocity: np.ndarray,
    parent_com_world: np.ndarray,
    piece_com_world: np.ndarray,
) -> np.ndarray:
    """Linear velocities of pieces that move rigidly with their parent: ``v + w x r``.

    Each piece keeps the parent's angular velocity.  With masses split by volume, total linear
    momentum is conserved exactly when ``parent_com_world`` is the pieces' combined (mass-
    weighted) centre of mass; for a convex parent that equals the parent's own centre of mass.

    Parameters
    ----------
    parent_velocity : (3,) float
        Linear velocity of the parent's centre of mass, world frame (m/s).
    parent_angular_velocity : (3,) float
        Angular velocity of the parent, world frame (rad/s).
    parent_com_world : (3,) float
        Parent's centre of mass, world frame (m).
    piece_com_world : (N, 3) float
        Pieces' centres of mass, world frame (m).

    Returns
    -------
    (N, 3) float64
        Linear velocity of each piece's centre of mass, world frame (m/s).
    """
    v = np.asarray(parent_velocity, dtype=np.float64).reshape(3)
    w = np.asarray(parent_angular_velocity, dtype=np.float64).reshape(3)
    c = np.asarray(parent_com_world, dtype=np.float64).reshape(3)
    r = np.asarray(piece_com_world, dtype=np.float64).reshape(-1, 3) - c
    return v + np.cross(w, r)


# --------------------------------------------------------------------------------------------
# computation


def _check_inputs(mesh: trimesh.Trimesh, pieces: int) -> None:
    if isinstance(pieces, bool) or not isinstance(pieces, (int, np.integer)) or pieces < 1:
        raise ArgumentError(
            f"fracture: expected a positive integer number of pieces, got {pieces!r}; "
            "pass e.g. pieces=12."
        )
    if not isinstance(mesh, trimesh.Trimesh) or len(mesh.faces) == 0:
        raise AssetError(
            f"fracture: expected a non-empty trimesh.Trimesh, got {type(mesh).__name__}."
        )
    if not mesh.is_watertight:
        raise AssetError(
            "fracture: the mesh is not watertight (it has holes or open edges), so it has no "
            "inside to cut; repair it first (e.g. trimesh.repair.fill_holes) or use its convex "
            "hull."
        )
    if not mesh.volume > 0:
        raise AssetError(
            f"fracture: the mesh's volume is {mesh.volume:.3g} m^3, expected a positive volume; "
            "its faces probably point inward (fix with mesh.invert() or trimesh.repair."
            "fix_normals)."
        )


class _Part(NamedTuple):
    """A connected manifold component with its mesh arrays read out once."""

    manifold: Any  # manifold3d.Manifold
    vertices: np.ndarray  # (K, 3) float64, metres
    triangles: np.ndarray  # (T, 3) int64, outward
    volume: float  # m^3
    hull_volume: float  # m^3


def _compute(mesh: trimesh.Trimesh, pieces: int, seed: int) -> list[Piece]:
    gen = np.random.default_rng(seed)
    parent = _to_manifold(mesh.vertices, mesh.faces)
    min_volume = SLIVER_FRACTION * float(mesh.volume)
    slack = _EXCESS_FLOOR * float(mesh.volume)
    min_thickness = MIN_THICKNESS * float(mesh.scale)
    seeds = _sample_inside(mesh, pieces, gen)
    lo, hi = mesh.bounds
    out: list[Piece] = []
    for cell in _voronoi_cells(seeds, lo, hi):
        for component in _components(parent ^ cell):
            for part in _convex_parts(component, 0, min_volume, slack):
                piece = _hull_piece(part.vertices, min_thickness)
                if piece is not None:
                    out.append(piece)
    return out


def _convex_parts(part: _Part, depth: int, min_volume: float, slack: float) -> list[_Part]:
    """Nearly convex parts of one connected component.

    A part's convex hull exceeds its volume by at most ``MAX_HULL_EXCESS`` unless
    ``MAX_DEPTH`` re-cuts did not get it there or no candidate plane cuts it.
    """
    if part.volume < min_volume:
        return []
    excess = part.hull_volume - part.volume
    if excess <= max(MAX_HULL_EXCESS * part.volume, slack) or depth >= MAX_DEPTH:
        return [part]
    halves = _best_halves(part)
    if not halves:
        return [part]
    out = []
    for sub in halves:
        out.extend(_convex_parts(sub, depth + 1, min_volume, slack))
    return out


def _best_halves(part: _Part) -> list[_Part]:
    """Components after the plane cut that leaves the least total hull volume.

    Candidate planes: the planes of the faces along the part's most concave (reflex) edges,
    which separate the pieces that meet there (a cup's wall from its bottom, or a convex slab
    from a bent wall), and the planes through the centroid normal to the principal axes of
    inertia, which cut a bent shell (an arc of a cup's wall) across its bend.  Cuts that cut
    off less than ``_MIN_CUT`` of the volume are not considered.  Returns [] when no candidate
    cuts the part.
    """
    best, best_hull = [], np.inf
    for normal, offset in _candidate_planes(part):
        halves = part.manifold.split_by_plane(normal, offset)
        subs = [c for half in halves for c in _components(half)]
        if len(subs) < 2 or min(c.volume for c in subs) < _MIN_CUT * part.volume:
            continue
        hull = sum(c.hull_volume for c in subs)
        if hull < best_hull:
            best, best_hull = subs, hull
    return best


def _candidate_planes(part: _Part) -> list[tuple[np.ndarray, float]]:
    """Cut planes (unit normal, offset) to try on a non-convex part."""
    tri = part.vertices[part.triangles]
    volume, center, inertia = _mass_properties(tri)
    _, axes = np.linalg.eigh(inertia)
    planes = [(a, float(a @ center)) for a in axes.T]

    cross = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    normals = cross / np.linalg.norm(cross, axis=1, keepdims=True)
    offsets = np.sum(normals * tri[:, 0], axis=1)
    pairs, edges = trimesh.graph.face_adjacency(part.triangles, return_edges=True)
    if len(pairs) == 0:
        return planes
    # An edge is reflex when the far corner of one face lies in front of the other's plane.
    far = np.sum(part.triangles[pairs[:, 1]], axis=1) - np.sum(edges, axis=1)
    ahead = np.sum(normals[pairs[:, 0]] * part.vertices[far], axis=1) - offsets[pairs[:, 0]]
    cos = np.clip(np.sum(normals[pairs[:, 0]] * normals[pairs[:, 1]], axis=1), -1.0, 1.0)
    angle = np.arccos(cos)
    scale = float(np.linalg.norm(np.ptp(part.vertices, axis=0)))
    reflex = (ahead > 1e-9 * scale) & (angle > 1e-3)
    if not reflex.any():
        return planes
    length = np.linalg.norm(
        part.vertices[edges[reflex, 0]] - part.vertices[edges[reflex, 1]], axis=1
    )
    weight = angle[reflex] * length
    faces = pairs[reflex].ravel()
    # Faces of one flat region share a plane: merge them and sum their reflex-edge weights.
    keys = np.round(np.column_stack([normals[faces], offsets[faces] / scale]), 6)
    _, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    total = np.bincount(inverse.ravel(), weights=np.repeat(weight, 2))
    # A cut exactly in the plane of a face leaves zero-thickness flaps (coplanar boolean); cut
    # just outside the face instead, which adds only a film of negligible volume.
    shift = _PLANE_SHIFT * scale
    for k in np.lexsort((first, -total))[:_REFLEX_PLANES]:
        face = faces[first[k]]
        planes.append((normals[face], float(offsets[face]) + shift))
    return planes


def _mass_properties(tri: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """Volume (m^3), centroid (3,) and inertia tensor (3, 3) at unit density of a closed mesh."""
    props = trimesh.triangles.mass_properties(tri, skip_inertia=False)
    return float(props["volume"]), np.asarray(props["center_mass"]), np.asarray(props["inertia"])


def _to_manifold(vertices: np.ndarray, faces: np.ndarray):
    import manifold3d

    m = manifold3d.Manifold(
        manifold3d.Mesh64(
            np.ascontiguousarray(vertices, dtype=np.float64),
            np.ascontiguousarray(faces, dtype=np.uint64),
        )
    )
    if m.status() != manifold3d.Error.NoError:
        raise AssetError(
            f"fracture: manifold3d cannot use this mesh ({m.status().name}); expected a "
            "closed, non-self-intersecting, consistently oriented mesh; repair it first."
        )
    return m


def _components(manifold) -> list[_Part]:
    """Connected components in a canonical order (by lowest corner), so output order is stable."""
    parts = []
    for m in manifold.decompose():
        if m.is_empty():
            continue
        mesh = m.to_mesh64()
        vertices = np.asarray(mesh.vert_properties, dtype=np.float64)[:, :3]
        triangles = np.asarray(mesh.tri_verts, dtype=np.int64)
        parts.append(_Part(m, vertices, triangles, m.volume(), _hull_volume(vertices)))
    return sorted(parts, key=lambda p: tuple(p.vertices.min(axis=0)))


def _hull_volume(points: np.ndarray) -> float:
    from scipy.spatial import ConvexHull, QhullError

    try:
        return float(ConvexHull(points).volume)
    except (QhullError, ValueError):
        return 0.0


def _hull_piece(points: np.ndarray, min_thickness: float) -> Piece | None:
    """Convex hull of a point set as a Piece; None when it is flat or thinner than given (m)."""
    from scipy.spatial import ConvexHull, QhullError

    # Sort the points so the hull does not depend on the order the boolean produced them in.
    points = np.unique(points, axis=0)
    if len(points) < 4:
        return None
    try:
        hull = ConvexHull(points, qhull_options="QbB Pp Qt")
    except (QhullError, ValueError):
        return None
    # Thickness across each facet; the smallest is the piece's width (up to edge-edge cases).
    spans = hull.points @ hull.equations[:, :3].T
    if np.min(spans.max(axis=0) - spans.min(axis=0)) < min_thickness:
        return None
    simplices = hull.simplices.astype(np.int64)
    # Orient every triangle outward, along its facet's normal from qhull.
    tri = points[simplices]
    normal = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    flip = np.sum(normal * hull.equations[:, :3], axis=1) < 0
    simplices[flip] = simplices[flip][:, ::-1]
    used, faces = np.unique(simplices, return_inverse=True)
    mesh = trimesh.Trimesh(points[used], faces.reshape(-1, 3), process=False)
    if abs(mesh.volume - hull.volume) > 1e-9 * hull.volume:
        # A near-degenerate facet triangle got the wrong winding: let trimesh repair the hull.
        mesh = trimesh.convex.convex_hull(points)
        if not mesh.is_watertight or not mesh.is_winding_consistent:
            return None
    mesh = trimesh.Trimesh(
        np.ascontiguousarray(mesh.vertices, dtype=np.float64),
        np.ascontiguousarray(mesh.faces, dtype=np.int64),
        process=False,
    )
    if not mesh.volume > 0:
        return None
    return _piece(mesh)


def _piece(mesh: trimesh.Trimesh) -> Piece:
    com = np.array(mesh.center_mass, dtype=np.float64)
    com.setflags(write=False)
    return Piece(mesh=mesh, volume=float(mesh.volume), center_of_mass=com)


def _sample_inside(mesh: trimesh.Trimesh, n: int, gen: np.random.Generator) -> np.ndarray:
    """(n, 3) points uniformly inside the mesh (rejection sampling in its bounding box)."""
    lo, hi = mesh.bounds
    fill = float(mesh.volume) / float(np.prod(hi - lo))
    triangles = np.asarray(mesh.triangles, dtype=np.float64)
    found: list[np.ndarray] = []
    count = 0
    for _ in range(64):
        batch = int(np.ceil(1.5 * (n - count) / max(fill, 1e-3))) + 8
        candidates = lo + gen.random((batch, 3)) * (hi - lo)
        if len(triangles) <= _WINDING_MAX_FACES:
            inside = candidates[_winding_number(triangles, candidates) > 0.5]
        else:  # ray tests scale better with the face count
            inside = candidates[mesh.contains(candidates)]
        found.append(inside)
        count += len(inside)
        if count >= n:
            return np.concatenate(found)[:n]
    raise AssetError(
        f"fracture: could place only {count} of {n} seed points inside the mesh; the mesh is "
        "probably not closed or has inverted faces; repair it first."
    )


def _winding_number(triangles: np.ndarray, points: np.ndarray) -> np.ndarray:
    """(M,) generalized winding number of each point: 1 inside a closed mesh, 0 outside.

    Sum of the solid angles of the triangles seen from the point (Van Oosterom & Strackee),
    over 4 pi.  Exact for points off the surface and cheaper than ray tests without embree.
    """
    out = np.empty(len(points), dtype=np.float64)
    corners = [triangles[:, k, :].T for k in range(3)]  # 3 x (3, F)
    step = max(1, 1_000_000 // max(len(triangles), 1))
    for start in range(0, len(points), step):
        p = points[start : start + step]
        # Corner coordinates relative to each point, one (P, F) array per axis.
        (ax, ay, az), (bx, by, bz), (cx, cy, cz) = (
            [c[i][None, :] - p[:, i, None] for i in range(3)] for c in corners
        )
        la = np.sqrt(ax * ax + ay * ay + az * az)
        lb = np.sqrt(bx * bx + by * by + bz * bz)
        lc = np.sqrt(cx * cx + cy * cy + cz * cz)
        det = ax * (by * cz - bz * cy) + ay * (bz * cx - bx * cz) + az * (bx * cy - by * cx)
        den = (
            la * lb * lc
            + (ax * bx + ay * by + az * bz) * lc
            + (ax * cx + ay * cy + az * cz) * lb
            + (bx * cx + by * cy + bz * cz) * la
        )
        out[start : start + step] = np.arctan2(det, den).sum(axis=1) / (2.0 * np.pi)
    return out


def _voronoi_cells(seeds: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> list:
    """Voronoi cells of the seeds, bounded by a box around [lo, hi], as convex manifolds."""
    import manifold3d
    from scipy.spatial import HalfspaceIntersection

    seeds = np.asarray(seeds, dtype=np.float64)
    _, first = np.unique(seeds, axis=0, return_index=True)
    seeds = seeds[np.sort(first)]
    lo = np.minimum(lo, seeds.min(axis=0))
    hi = np.maximum(hi, seeds.max(axis=0))
    pad = 0.05 * float(np.max(hi - lo)) + 1e-9
    lo, hi = lo - pad, hi + pad
    eye = np.eye(3)
    box = np.vstack([np.hstack([eye, -hi[:, None]]), np.hstack([-eye, lo[:, None]])])
    if len(seeds) == 1:
        corners = np.array(list(itertools.product(*zip(lo, hi, strict=True))))
        return [manifold3d.Manifold.hull_points(corners)]
    cells = []
    for i, s in enumerate(seeds):
        others = np.delete(seeds, i, axis=0)
        normal = others - s
        normal /= np.linalg.norm(normal, axis=1, keepdims=True)
        mid = 0.5 * (others + s)
        # Half-spaces as [a, b] with a.x + b <= 0: closer to s than to the other seed.
        planes = np.vstack([np.hstack([normal, -np.sum(normal * mid, axis=1)[:, None]]), box])
        vertices = HalfspaceIntersection(planes, s).intersections
        cells.append(manifold3d.Manifold.hull_points(vertices))
    return cells


# --------------------------------------------------------------------------------------------
# cache


def _save(path: Path, result: list[Piece]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    verts = [p.mesh.vertices for p in result]
    faces = [p.mesh.faces for p in result]
    arrays = {
        "format_version": np.array(FORMAT_VERSION, dtype=np.int64),
        "vertex_counts": np.array([len(v) for v in verts], dtype=np.int64),
        "face_counts": np.array([len(f) for f in faces], dtype=np.int64),
        "vertices": np.concatenate(verts) if verts else np.zeros((0, 3)),
        "faces": np.concatenate(faces).astype(np.int64) if faces else np.zeros((0, 3), np.int64),
    }
    # Write to a sibling temporary file and rename, so a reader never sees half a file.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.stem, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _load(path: Path) -> list[Piece] | None:
    """The cached pieces, or None when the file is missing, unreadable or from another version."""
    try:
        with np.load(path, allow_pickle=False) as data:
            if int(data["format_version"]) != FORMAT_VERSION:
                return None
            vcounts, fcounts = data["vertex_counts"], data["face_counts"]
            verts, faces = data["vertices"], data["faces"]
    except (OSError, EOFError, KeyError, ValueError, zipfile.BadZipFile):
        return None
    out = []
    v_at = np.concatenate([[0], np.cumsum(vcounts)])
    f_at = np.concatenate([[0], np.cumsum(fcounts)])
    for i in range(len(vcounts)):
        mesh = trimesh.Trimesh(
            np.ascontiguousarray(verts[v_at[i] : v_at[i + 1]], dtype=np.float64),
            np.ascontiguousarray(faces[f_at[i] : f_at[i + 1]], dtype=np.int64),
            process=False,
        )
        out.append(_piece(mesh))
    return out
