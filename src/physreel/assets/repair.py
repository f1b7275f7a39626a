"""Repairing meshes for physics: merged vertices, no degenerate or repeated faces, consistent
winding, closed bodies facing outward; and the same clean-up for visual meshes (UVs kept).

All functions are vectorised (millions of faces) and change the mesh in place.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import trimesh


def geometry_only(parts: list[trimesh.Trimesh]) -> trimesh.Trimesh:
    """All parts' triangles in one mesh without visuals (vertices not yet merged)."""
    vertices = np.concatenate([np.asarray(p.vertices, dtype=np.float64) for p in parts])
    offsets = np.cumsum([0] + [len(p.vertices) for p in parts[:-1]])
    faces = np.concatenate(
        [np.asarray(p.faces, dtype=np.int64) + o for p, o in zip(parts, offsets, strict=True)]
    )
    return trimesh.Trimesh(vertices, faces, process=False)


@dataclass
class RepairReport:
    """What :func:`repair_for_physics` changed (counts)."""

    vertices_merged: int = 0
    faces_dropped: int = 0
    winding_fixed: bool = False


def repair_for_physics(mesh: trimesh.Trimesh) -> RepairReport:
    """Repair a visual-free mesh in place for mass properties and collision.

    Merges duplicate vertices (by position), drops degenerate and duplicate faces and unused
    vertices, makes the winding consistent (:func:`fix_winding`) and turns closed bodies
    outward.

    Returns
    -------
    RepairReport
        What changed.
    """
    report = RepairReport()
    n_vertices, n_faces = len(mesh.vertices), len(mesh.faces)
    mesh.merge_vertices(merge_tex=True, merge_norm=True)
    keep = _good_faces_mask(mesh.vertices, mesh.faces)
    if not keep.all():
        mesh.update_faces(keep)
    mesh.remove_unreferenced_vertices()
    report.vertices_merged = n_vertices - len(mesh.vertices)
    report.faces_dropped = n_faces - len(mesh.faces)
    if not mesh.is_winding_consistent:
        report.winding_fixed = fix_winding(mesh)
    fix_inversion(mesh)
    return report


def fix_winding(mesh: trimesh.Trimesh) -> bool:
    """Make neighbouring faces wind the same way, in place; vectorised (millions of faces).

    Two faces sharing a manifold edge are consistent when they traverse it in opposite
    directions.  A breadth-first spanning forest of the face-adjacency graph fixes each face's
    flip relative to its parent; flips accumulate to the root by pointer doubling.  In each
    connected patch the orientation most faces already had is kept.  (trimesh's own
    ``fix_winding`` walks the graph in Python: ~130 microseconds per face.)

    Returns
    -------
    bool
        True when any face was flipped.
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import breadth_first_order, connected_components

    faces = np.asarray(mesh.faces, dtype=np.int64)
    n = len(faces)
    pairs = np.asarray(mesh.face_adjacency, dtype=np.int64)
    if len(pairs) == 0:
        return False
    edges = np.asarray(mesh.face_adjacency_edges, dtype=np.int64)

    def forward(face_ids: np.ndarray) -> np.ndarray:
        # True when the face traverses its shared edge from edges[:, 0] to edges[:, 1]
        f = faces[face_ids]
        at = np.argmax(f == edges[:, :1], axis=1)
        return f[np.arange(len(f)), (at + 1) % 3] == edges[:, 1]

    clash = forward(pairs[:, 0]) == forward(pairs[:, 1])  # same direction: one must flip
    if not clash.any():
        return False
    n_comp, labels = connected_components(
        coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n)), directed=False
    )
    # a virtual root (index n) joined to one face per patch gives one spanning forest
    first = np.unique(labels, return_index=True)[1]
    rows = np.concatenate([pairs[:, 0], np.full(n_comp, n)])
    cols = np.concatenate([pairs[:, 1], first])
    graph = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(n + 1, n + 1)).tocsr()
    _, pred = breadth_first_order(graph, n, directed=False, return_predecessors=True)
    pred = pred[:n].astype(np.int64)
    pred[pred == n] = -1
    # flip of each face relative to its parent: look the tree edge up among the pairs
    lo_hi = np.sort(pairs, axis=1)
    keys = lo_hi[:, 0] * (n + 1) + lo_hi[:, 1]
    order = np.argsort(keys)
    has_parent = pred >= 0
    child = np.nonzero(has_parent)[0]
    tree_keys = np.minimum(child, pred[child]) * (n + 1) + np.maximum(child, pred[child])
    flip = np.zeros(n, dtype=bool)
    flip[child] = clash[order[np.searchsorted(keys, tree_keys, sorter=order)]]
    ancestor = np.where(has_parent, pred, np.arange(n))
    while True:  # pointer doubling: flip[i] becomes the XOR of flips on the path to the root
        nxt = ancestor[ancestor]
        flip ^= np.where(ancestor != np.arange(n), flip[ancestor], False)
        if np.array_equal(nxt, ancestor):
            break
        ancestor = nxt
    flipped_per_patch = np.bincount(labels, weights=flip, minlength=n_comp)
    faces_per_patch = np.bincount(labels, minlength=n_comp)
    flip ^= (flipped_per_patch > faces_per_patch / 2)[labels]
    return _reverse(mesh, faces, flip)


def fix_inversion(mesh: trimesh.Trimesh) -> bool:
    """Turn closed bodies with inward normals outward, in place (vectorised, any size).

    Only acts on a watertight, consistently wound mesh: each connected body with a negative
    signed volume is inverted.  (On open meshes "inside" is undefined, so nothing changes.)

    Returns
    -------
    bool
        True when any face was flipped.
    """
    if not (mesh.is_watertight and mesh.is_winding_consistent):
        return False
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    faces = np.asarray(mesh.faces, dtype=np.int64)
    pairs = np.asarray(mesh.face_adjacency, dtype=np.int64)
    n = len(faces)
    _, labels = connected_components(
        coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n)), directed=False
    )
    tri = np.asarray(mesh.vertices, dtype=np.float64)[faces]
    signed = np.einsum("ij,ij->i", tri[:, 0], np.cross(tri[:, 1], tri[:, 2]))  # 6 x tetra volume
    flip = (np.bincount(labels, weights=signed) < 0)[labels]
    return _reverse(mesh, faces, flip)


def _reverse(mesh: trimesh.Trimesh, faces: np.ndarray, flip: np.ndarray) -> bool:
    """Reverse the winding of the faces where ``flip`` is True, in place; True when any was."""
    if not flip.any():
        return False
    new_faces = faces.copy()
    new_faces[flip] = faces[flip][:, ::-1]
    mesh.faces = new_faces
    return True


def unique_faces_mask(faces: np.ndarray) -> np.ndarray:
    """(F,) bool: True for the first of each set of faces using the same three vertices."""
    ordered = np.sort(np.asarray(faces, dtype=np.int64), axis=1)
    order = np.lexsort((ordered[:, 2], ordered[:, 1], ordered[:, 0]))  # stable: first stays first
    ordered = ordered[order]
    repeat = np.all(ordered[1:] == ordered[:-1], axis=1)
    mask = np.ones(len(faces), dtype=bool)
    mask[order[1:][repeat]] = False
    return mask


def _good_faces_mask(
    vertices: np.ndarray, faces: np.ndarray, rel_height: float = 1e-9
) -> np.ndarray:
    """(F,) bool: False for degenerate faces (repeated vertex, or height under
    ``rel_height`` times the mesh's size) and for repeats of an earlier face."""
    vertices = np.asarray(vertices, dtype=np.float64)
    faces = np.asarray(faces, dtype=np.int64)
    keep = (
        (faces[:, 0] != faces[:, 1]) & (faces[:, 1] != faces[:, 2]) & (faces[:, 0] != faces[:, 2])
    )
    a, b, c = (vertices[faces[:, k]] for k in range(3))
    twice_area = np.linalg.norm(np.cross(b - a, c - a), axis=1)
    longest = np.sqrt(
        np.max([((b - a) ** 2).sum(1), ((c - b) ** 2).sum(1), ((a - c) ** 2).sum(1)], axis=0)
    )
    size = float(np.ptp(vertices, axis=0).max()) if len(vertices) else 0.0
    keep &= twice_area > rel_height * size * longest  # height = 2 A / longest edge
    return keep & unique_faces_mask(faces)


def repair_visual(part: trimesh.Trimesh) -> None:
    """Drop degenerate and duplicate faces of a visual mesh, keeping its UVs and colours."""
    faces = np.asarray(part.faces, dtype=np.int64)
    keep = (
        (faces[:, 0] != faces[:, 1]) & (faces[:, 1] != faces[:, 2]) & (faces[:, 0] != faces[:, 2])
    )
    keep &= unique_faces_mask(faces)  # zero-area faces with distinct corners draw nothing: kept
    if not keep.all():
        part.update_faces(keep)
        part.remove_unreferenced_vertices()
