"""Collision parts of a mesh object: hull, convex decomposition, box, sphere or exact triangles.

All parts are :class:`trimesh.Trimesh` objects in the object frame (metres, Z up).  Every kind
except ``"mesh"`` gives convex parts, which is what a dynamic pybullet body needs; ``"mesh"``
gives the exact triangles and is for static bodies only (pybullet treats a concave triangle mesh
as static).

``"box"`` and ``"sphere"`` parts carry their primitive in ``part.metadata["primitive"]``
(``{"type": "box", "center": (3,), "extents": (3,)}`` or
``{"type": "sphere", "center": (3,), "radius": float}``) so that the physics code can use
pybullet's exact primitives instead of a polyhedron.

Convex decomposition uses CoACD (``pip install 'physreel[decompose]'``) and falls back to
pybullet's V-HACD when CoACD is not installed (:func:`decomposer`).  Results are cached on disk under ``cache_dir / "collision"``, keyed by a
string the caller builds from the file's content hash and every setting that changes the result
(see :func:`decomposition_cache_key`), so the second use of the same file costs nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Literal

import numpy as np
import trimesh

from physreel.errors import AssetError

CollisionKind = Literal["hull", "decompose", "box", "sphere", "mesh"]
COLLISION_KINDS: tuple[str, ...] = ("hull", "decompose", "box", "sphere", "mesh")

#: Bump when the stored format or the decomposition settings change meaning.
_CACHE_FORMAT = 2
#: Meshes with more vertices are hulled from a regular subset of them (see :func:`convex_hull`).
HULL_MAX_INPUT_POINTS = 1_000_000
#: Most vertices a convex hull part keeps (pybullet's convex-vs-convex cost grows with it).
MAX_HULL_VERTICES = 256
#: Voxel counts pybullet's V-HACD is run with, in turn, while it returns a single part for a
#: concave mesh: 100 000 (V-HACD's own default) split a 10 cm glass into 12 parts in 1.3 s on 2
#: cores (pybullet's default of 1 000 000 took 28 s for 17), but left the fuze bottle and
#: busted.STL in one part, which 1 000 000 splits into 3 and 2 (5 s each).
VHACD_RESOLUTIONS = (100_000, 1_000_000)
#: A mesh whose surface lies deeper than this fraction of its longest side inside its convex
#: hull is concave enough that a one-part "decomposition" loses its shape (see
#: :func:`concavity`): a cup's inner floor, 6 % of its height, qualifies.
CONCAVE_ABOVE = 0.02


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


def file_sha256(path: Path, chunk_bytes: int = 1 << 22) -> str:
    """Hex SHA-256 of a file's bytes, read in chunks (big meshes stay out of memory)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(chunk_bytes):
            h.update(chunk)
    return h.hexdigest()


def decomposer() -> Literal["coacd", "vhacd"]:
    """The convex decomposer in use: CoACD when it can be imported, else pybullet's V-HACD."""
    try:
        import coacd  # noqa: F401  (an optional extra: physreel[decompose])
    except ImportError:
        return "vhacd"
    return "coacd"


def decomposer_version() -> str:
    """Name and version of the convex decomposer in use, e.g. ``"coacd-1.0.14"``."""
    from importlib import metadata

    if decomposer() == "coacd":
        return f"coacd-{metadata.version('coacd')}"

    steps = "-".join(str(r) for r in VHACD_RESOLUTIONS)
    return f"vhacd-{steps}-pybullet-{metadata.version('pybullet')}"


def decomposition_cache_key(file_hash: str, settings: dict) -> str:
    """Cache key of one decomposition.

    Parameters
    ----------
    file_hash : str
        SHA-256 of the mesh file's bytes (:func:`file_sha256`).
    settings : dict
        Every option that changes the decomposed geometry (up axis, scale, size, origin,
        threshold, ...), JSON-serialisable.

    Returns
    -------
    str
        64 hex characters; also depends on the decomposer and its version.
    """
    blob = json.dumps(
        {
            "format": _CACHE_FORMAT,
            "file": file_hash,
            "decomposer": decomposer_version(),
            "settings": settings,
        },
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(blob.encode()).hexdigest()


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


def decompose(
    mesh: trimesh.Trimesh,
    *,
    threshold: float = 0.05,
    max_parts: int = -1,
    seed: int = 0,
) -> list[trimesh.Trimesh]:
    """Approximate convex decomposition of a mesh (CoACD; pybullet V-HACD as fallback).

    Parameters
    ----------
    mesh : trimesh.Trimesh
        The mesh, in metres.  Open or inconsistently wound meshes are first remeshed to a
        manifold by CoACD's pre-processing (slow); closed ones go straight in.
    threshold : float
        CoACD's concavity threshold (0.01-1, smaller = more and finer parts).  Ignored by V-HACD.
    max_parts : int
        Most convex parts CoACD may return (-1: no limit).
    seed : int
        CoACD's random seed (it is deterministic for a fixed seed).

    Returns
    -------
    list of trimesh.Trimesh
        Convex parts, each with at most 256 vertices, in the mesh's frame.
    """
    if not 0.0 < threshold <= 1.0:
        raise AssetError(
            f"decomposition threshold must be in (0, 1], got {threshold}; 0.05 is a good start, "
            "smaller values give more, finer parts"
        )
    if decomposer() == "vhacd":
        parts = _decompose_vhacd(mesh)
    else:
        import coacd

        coacd.set_log_level("error")
        # CoACD's manifold remeshing costs ~7x the decomposition itself (measured on the duck)
        # and is only needed for open or broken meshes
        closed = bool(mesh.is_watertight and mesh.is_winding_consistent)
        raw = coacd.run_coacd(
            coacd.Mesh(
                np.asarray(mesh.vertices, dtype=np.float64), np.asarray(mesh.faces, dtype=np.int32)
            ),
            threshold=float(threshold),
            max_convex_hull=int(max_parts),
            preprocess_mode="off" if closed else "on",
            seed=int(seed),
        )
        parts = [trimesh.Trimesh(v, f, process=True) for v, f in raw]
    parts = [p for p in parts if len(p.faces) >= 4]
    out = []
    for part in parts:
        try:
            out.append(convex_hull(part))
        except AssetError:
            continue  # a flat sliver: no volume, no use for collision
    if not out:
        raise AssetError("convex decomposition returned no usable parts; try `collision: hull`")
    return out


def _decompose_vhacd(mesh: trimesh.Trimesh) -> list[trimesh.Trimesh]:
    """pybullet's V-HACD through temporary OBJ files (used only without CoACD), at a finer
    voxel resolution while a concave mesh comes back in one part."""
    import pybullet as p

    with tempfile.TemporaryDirectory(prefix="physreel-vhacd-") as tmp:
        src, dst, log = (str(Path(tmp) / n) for n in ("in.obj", "out.obj", "log.txt"))
        mesh.export(src)
        client = p.connect(p.DIRECT)
        try:
            for resolution in VHACD_RESOLUTIONS:
                with _quiet_stdout():  # V-HACD prints its usage text and parameters to stdout
                    p.vhacd(src, dst, log, resolution=resolution, physicsClientId=client)
                parts = read_obj_objects(Path(dst))
                if len(parts) > 1 or concavity(mesh) <= CONCAVE_ABOVE:
                    break
        finally:
            p.disconnect(client)
    # V-HACD's parts are hulls of voxels and reach up to a voxel past the surface (1 mm under
    # the base of a 30 cm bottle, which then rested 1 mm above the floor): clip them to the
    # mesh's bounding box (the parts are re-hulled by the caller).
    lo, hi = np.asarray(mesh.bounds, dtype=np.float64)
    return [
        trimesh.Trimesh(np.clip(part.vertices, lo, hi), part.faces, process=False)
        for part in parts
    ]


def read_obj_objects(path: Path) -> list[trimesh.Trimesh]:
    """The meshes of an OBJ file, one per ``o`` object (vertex indices shared across objects).

    V-HACD writes each convex part as an ``o convex_N`` object; trimesh's OBJ reader merges
    objects into one mesh (and would make a cup one convex lump), so they are split here.

    Returns
    -------
    list of trimesh.Trimesh
        In file order; objects without faces are left out.
    """
    vertices: list[list[float]] = []
    objects: list[list[list[int]]] = [[]]
    for line in path.read_text().splitlines():
        key, _, rest = line.strip().partition(" ")
        if key == "v":
            vertices.append([float(x) for x in rest.split()[:3]])
        elif key == "o":
            objects.append([])
        elif key == "f":
            # "f a b c" or "f a/t/n ...": 1-based, negative = from the end
            ids = [int(tok.split("/")[0]) for tok in rest.split()]
            ids = [i - 1 if i > 0 else len(vertices) + i for i in ids]
            objects[-1].extend([ids[0], ids[k], ids[k + 1]] for k in range(1, len(ids) - 1))
    table = np.asarray(vertices, dtype=np.float64).reshape(-1, 3)
    out = []
    for faces in objects:
        if faces:
            used, inverse = np.unique(np.asarray(faces, dtype=np.int64), return_inverse=True)
            out.append(trimesh.Trimesh(table[used], inverse.reshape(-1, 3), process=False))
    return out


@contextlib.contextmanager
def _quiet_stdout():
    """Send the process's file descriptor 1 to /dev/null (C code printing directly)."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def concavity(mesh: trimesh.Trimesh, hull: trimesh.Trimesh | None = None) -> float:
    """How deep the mesh's surface lies inside its convex hull, relative to its size.

    The largest distance from a mesh vertex to the hull's surface (exact for a convex hull:
    the smallest distance to its face planes), divided by the hull's longest side.  0 for a
    convex mesh; a 10 cm cup with an 8 mm floor gives 0.08.

    Parameters
    ----------
    mesh : trimesh.Trimesh
        Any triangle mesh with volume.
    hull : trimesh.Trimesh, optional
        Its convex hull (computed when not given).

    Returns
    -------
    float
        Dimensionless, >= 0.
    """
    hull = convex_hull(mesh) if hull is None else hull
    points = np.asarray(mesh.vertices, dtype=np.float64)
    points = points[:: len(points) // 100_000 + 1]  # bounded cost on huge scans
    normals = np.asarray(hull.face_normals, dtype=np.float64)
    offsets = np.einsum("ij,ij->i", normals, np.asarray(hull.triangles[:, 0], dtype=np.float64))
    depth = np.empty(len(points))
    for start in range(0, len(points), 4096):  # (chunk, faces) matrices stay small
        block = offsets[None, :] - points[start : start + 4096] @ normals.T
        depth[start : start + 4096] = block.min(axis=1)
    return float(max(depth.max(), 0.0) / np.max(hull.extents))


def degraded_decomposition_warning(
    mesh: trimesh.Trimesh, parts: list[trimesh.Trimesh]
) -> str | None:
    """A warning when a decomposition of a concave mesh gave a single convex part.

    One part collides exactly like ``collision: hull``: a cup's inside is filled.

    Returns
    -------
    str or None
        The message, or None when the result is fine (several parts, or a convex mesh).
    """
    if len(parts) > 1:
        return None
    depth = concavity(mesh)
    if depth <= CONCAVE_ABOVE:
        return None
    tool = "CoACD" if decomposer() == "coacd" else "pybullet's V-HACD (CoACD is not installed)"
    return (
        f"collision: decompose gave 1 convex part with {tool}, although the mesh is concave "
        f"(its surface lies up to {100 * depth:.0f} % of its size inside its hull): it collides "
        "like `collision: hull`, hollows filled. "
        + (
            "Install CoACD (pip install 'physreel[decompose]') or split the mesh into parts"
            if decomposer() == "vhacd"
            else "Lower the decomposition threshold or split the mesh into parts"
        )
    )


def _save_parts(path: Path, parts: list[trimesh.Trimesh]) -> None:
    """Write parts to ``path`` (.npz) atomically: a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays = {}
    for i, part in enumerate(parts):
        arrays[f"v{i}"] = np.asarray(part.vertices, dtype=np.float64)
        arrays[f"f{i}"] = np.asarray(part.faces, dtype=np.int64)
    fd, tmp = tempfile.mkstemp(prefix=path.stem, suffix=".tmp.npz", dir=path.parent)
    os.close(fd)
    try:
        np.savez(tmp, count=np.int64(len(parts)), **arrays)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _load_parts(path: Path) -> list[trimesh.Trimesh] | None:
    """Parts stored by :func:`_save_parts`, or None when the file is missing or unreadable."""
    try:
        with np.load(path) as data:
            count = int(data["count"])
            return [
                trimesh.Trimesh(data[f"v{i}"], data[f"f{i}"], process=False) for i in range(count)
            ]
    except (OSError, KeyError, ValueError):
        return None


def decompose_cached(
    mesh: trimesh.Trimesh,
    *,
    cache_key: str,
    cache_dir: Path,
    threshold: float = 0.05,
    max_parts: int = -1,
) -> tuple[list[trimesh.Trimesh], bool]:
    """:func:`decompose`, with the result cached on disk.

    Parameters
    ----------
    mesh : trimesh.Trimesh
        Mesh to decompose (object frame, metres).
    cache_key : str
        From :func:`decomposition_cache_key`; must change whenever ``mesh`` would.
    cache_dir : Path
        Cache root; parts go to ``cache_dir / "collision" / f"{cache_key}.npz"``.  An unwritable
        cache directory is not an error: the result is then simply not stored.
    threshold, max_parts
        Passed to :func:`decompose`.

    Returns
    -------
    parts : list of trimesh.Trimesh
        Convex parts.
    from_cache : bool
        True when the parts were read from the cache (no decomposition ran).
    """
    path = Path(cache_dir) / "collision" / f"{cache_key}.npz"
    cached = _load_parts(path) if path.is_file() else None
    if cached:
        return cached, True
    parts = decompose(mesh, threshold=threshold, max_parts=max_parts)
    try:
        _save_parts(path, parts)
    except OSError:
        pass  # read-only cache: correct result, just not stored
    return parts, False


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
        One of ``"hull"``, ``"box"``, ``"sphere"``, ``"mesh"``; use :func:`decompose_cached` for
        ``"decompose"``.
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
