"""Convex decomposition of a mesh into convex collision parts, cached on disk.

CoACD (``pip install 'physreel[decompose]'``) when it is installed, else pybullet's V-HACD
(:func:`decomposer`), whose output file is read back as its separate parts.  Results are cached
under ``cache_dir / "collision"``, keyed by a string the caller builds from the file's content
hash and every setting that changes the result (:func:`decomposition_cache_key`), so the second
use of the same file costs nothing.  A concave mesh that still comes back as one convex part
collides like its hull: :func:`degraded_decomposition_warning` says so.
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

from physreel.assets.collision import convex_hull
from physreel.errors import AssetError

#: Bump when the stored format or the decomposition settings change meaning.
_CACHE_FORMAT = 2
#: Voxel counts pybullet's V-HACD is run with, in turn, while it returns a single part for a
#: concave mesh: 100 000 (V-HACD's own default) split a 10 cm glass into 12 parts in 1.3 s on 2
#: cores (pybullet's default of 1 000 000 took 28 s for 17), but left the fuze bottle and
#: busted.STL in one part, which 1 000 000 splits into 3 and 2 (5 s each).
VHACD_RESOLUTIONS = (100_000, 1_000_000)
#: A mesh whose surface lies deeper than this fraction of its longest side inside its convex
#: hull is concave enough that a one-part "decomposition" loses its shape (see
#: :func:`concavity`): the inner floor of a 10 cm glass, 6 % of its height, qualifies.
CONCAVE_ABOVE = 0.02


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
