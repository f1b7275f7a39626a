"""Display decimation: fewer triangles for heavy visual meshes, textures and colours kept."""

from __future__ import annotations

import math

import numpy as np
import trimesh

from physreel.assets.repair import unique_faces_mask


def decimate_parts(
    parts: list[trimesh.Trimesh], budget: int, warnings: list[str]
) -> list[trimesh.Trimesh]:
    """Share ``budget`` triangles among the parts in proportion to their sizes."""
    total = sum(len(p.faces) for p in parts)
    if total <= budget:
        return parts
    out = [decimate(p, max(4, int(budget * len(p.faces) / total))) for p in parts]
    warnings.append(
        f"display mesh decimated from {total} to {sum(len(p.faces) for p in out)} "
        f"triangles (max_display_triangles={budget})"
    )
    return out


def decimate(mesh: trimesh.Trimesh, max_triangles: int) -> trimesh.Trimesh:
    """Reduce a visual mesh to at most ``max_triangles`` by vertex clustering.

    Vertices are snapped to a regular grid (and, for textured meshes, to a grid in UV space,
    which keeps texture seams apart); each cell's vertices become their mean, and faces that
    collapse are dropped.  Coarse but robust on any input, and fast on millions of faces.
    UVs, vertex colours, face colours and the material are carried over.

    Parameters
    ----------
    mesh : trimesh.Trimesh
        Mesh to reduce.
    max_triangles : int
        Triangle budget (at least 4).

    Returns
    -------
    trimesh.Trimesh
        A new mesh with at most ``max_triangles`` faces (``mesh`` itself when already within).
    """
    if len(mesh.faces) <= max_triangles:
        return mesh
    vertices = np.asarray(mesh.vertices, dtype=np.float64)
    visual = mesh.visual
    uv = None
    if isinstance(visual, trimesh.visual.TextureVisuals) and visual.uv is not None:
        uv = np.asarray(visual.uv, dtype=np.float64)
    lo = vertices.min(axis=0)
    span = float(np.max(vertices.max(axis=0) - lo)) or 1.0

    def cluster(cells: int):
        key = np.floor((vertices - lo) * (cells / span)).astype(np.int64)
        if uv is not None:
            key = np.column_stack([key, np.floor(uv * cells).astype(np.int64)])
        _, inverse = trimesh.grouping.unique_rows(key)
        faces = inverse[mesh.faces]
        keep = (
            (faces[:, 0] != faces[:, 1])
            & (faces[:, 1] != faces[:, 2])
            & (faces[:, 0] != faces[:, 2])
        )
        keep[keep] &= unique_faces_mask(faces[keep])
        return inverse, keep

    cells = max(2, int(math.sqrt(max_triangles)))
    best = None
    for _ in range(12):
        inverse, keep = cluster(cells)
        count = int(keep.sum())
        if count <= max_triangles:
            if best is None or count > best[2]:
                best = (inverse, keep, count)
            if count >= 0.8 * max_triangles:
                break
            factor = min(2.0, 0.97 * math.sqrt(max_triangles / max(count, 1)))
        else:
            factor = 0.97 * math.sqrt(max_triangles / count)
        new_cells = max(2, int(cells * factor))
        if new_cells == cells:
            new_cells = cells - 1 if count > max_triangles else cells + 1
        if new_cells < 2:
            break
        cells = new_cells
    if best is None:  # pathological: keep the first faces
        inverse, keep = np.arange(len(vertices)), np.zeros(len(mesh.faces), dtype=bool)
        keep[:max_triangles] = True
    else:
        inverse, keep, _ = best

    count = int(inverse.max()) + 1
    weights = np.bincount(inverse, minlength=count).astype(np.float64)

    def mean(values: np.ndarray) -> np.ndarray:
        values = np.asarray(values, dtype=np.float64).reshape(len(inverse), -1)
        out = np.column_stack(
            [np.bincount(inverse, values[:, i], minlength=count) for i in range(values.shape[1])]
        )
        return out / weights[:, None]

    faces = inverse[mesh.faces[keep]]
    new_visual = None
    if uv is not None:
        new_visual = trimesh.visual.TextureVisuals(uv=mean(uv), material=visual.material)
    elif isinstance(visual, trimesh.visual.ColorVisuals) and visual.kind == "vertex":
        colours = np.clip(np.round(mean(visual.vertex_colors)), 0, 255).astype(np.uint8)
        new_visual = trimesh.visual.ColorVisuals(vertex_colors=colours)
    elif isinstance(visual, trimesh.visual.ColorVisuals) and visual.kind == "face":
        new_visual = trimesh.visual.ColorVisuals(face_colors=np.asarray(visual.face_colors)[keep])
    out = trimesh.Trimesh(mean(vertices), faces, visual=new_visual, process=False)
    out.remove_unreferenced_vertices()
    return out
