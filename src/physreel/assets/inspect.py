"""Inspect a mesh file: what it is and what physreel will do with it.

:func:`inspect_mesh` returns plain data (JSON-serialisable); :func:`format_report` turns it into
the text that ``physreel assets inspect FILE`` prints.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import trimesh

from physreel.assets.mesh_files import (
    IMAGE_SUFFIXES,
    SUPPORTED_FORMATS,
    default_up,
    read_mesh_file,
)
from physreel.assets.repair import geometry_only, repair_for_physics

#: Hull faces whose normal is within this cosine of an axis count as a flat base on it.
_FLAT_COS = 0.995
#: Vertices used to find a flat base (every k-th vertex of bigger meshes).
_GUESS_MAX_POINTS = 200_000
#: Guessing from the size alone: longest side above this many units suggests millimetres...
_MM_ABOVE = 30.0
#: ... above this, centimetres; below it, metres.
_CM_ABOVE = 3.0


def guess_unit(longest: float, fmt: str) -> str:
    """Likely unit of a file from its longest side (file units) and format.

    glTF is metres by specification.  Otherwise, everyday objects are 1 cm - 3 m: a longest
    side over 30 units is likely millimetres, over 3 units centimetres, else metres.

    Returns
    -------
    str
        ``"m"``, ``"cm"`` or ``"mm"``.
    """
    if fmt in (".glb", ".gltf"):
        return "m"
    if longest > _MM_ABOVE:
        return "mm"
    if longest > _CM_ABOVE:
        return "cm"
    return "m"


def guess_up(mesh: trimesh.Trimesh, fmt: str) -> tuple[str, str]:
    """Likely up axis of a mesh from a flat base on its convex hull.

    An object made to stand usually has a flat bottom: the hull faces pointing along -Y
    (Y up) or -Z (Z up) with the largest area.  When neither has a base of at least 5 % of
    the hull's area, or when both are alike, the format's convention wins.

    Returns
    -------
    axis : {"y", "z"}
    reason : str
        Why, in a few words.
    """
    conventional = default_up(Path(f"x{fmt}"))
    points = np.asarray(mesh.vertices)
    if len(points) > _GUESS_MAX_POINTS:  # a thinned cloud finds the same flat base, faster
        points = points[:: len(points) // _GUESS_MAX_POINTS + 1]
    try:
        hull = trimesh.convex.convex_hull(points)
    except Exception:
        return conventional, "format convention (no hull)"
    normals, areas = hull.face_normals, hull.area_faces
    total = float(areas.sum()) or 1.0
    base = {
        "y": float(areas[normals[:, 1] < -_FLAT_COS].sum()) / total,
        "z": float(areas[normals[:, 2] < -_FLAT_COS].sum()) / total,
    }
    best = max(base, key=base.get)
    other = "y" if best == "z" else "z"
    if base[best] < 0.05 or base[best] < 1.5 * base[other]:
        return conventional, f"format convention ({fmt}); no clear flat base"
    return best, f"flat base facing -{best.upper()} ({100 * base[best]:.0f} % of the hull area)"


def inspect_mesh(path: Path) -> dict:
    """Describe a mesh file and what physreel will do with it.

    Parameters
    ----------
    path : Path
        A mesh file (glb, gltf, obj, stl, ply, off).

    Returns
    -------
    dict
        JSON-serialisable: ``file``, ``format``, ``bytes``, ``triangles``, ``vertices``,
        ``parts`` (node instances), ``geometries`` (distinct meshes), ``watertight`` and
        ``winding_consistent`` (after merging duplicate vertices), ``extents`` ([x, y, z] in
        file units and axes), ``longest``, ``likely_up`` / ``up_reason`` / ``default_up``,
        ``likely_unit``, ``textures`` (``{"embedded": int, "found": [...], "missing": [...],
        "unreadable": [...]}``),
        ``vertex_colors`` (bool), ``materials`` (names), ``plan`` (list of sentences).

    Raises
    ------
    AssetError
        The file is missing, unreadable, not a mesh or empty.
    """
    source = read_mesh_file(Path(path))
    physics = geometry_only(source.parts)
    repair = repair_for_physics(physics)
    extents = np.asarray(physics.extents, dtype=np.float64)
    longest = float(extents.max())
    likely_up, up_reason = guess_up(physics, source.format)
    unit = guess_unit(longest, source.format)

    materials, vertex_colors, distinct_images = [], False, set()
    images = {n for n in source.referenced_found if Path(n).suffix.lower() in IMAGE_SUFFIXES}
    for part in source.parts:
        visual = part.visual
        if isinstance(visual, trimesh.visual.TextureVisuals):
            mat = visual.material
            name = getattr(mat, "name", None)
            if name and name not in materials:
                materials.append(name)
            img = getattr(mat, "baseColorTexture", None) or getattr(mat, "image", None)
            if img is not None:  # instances hold copies: tell images apart by content
                distinct_images.add(hashlib.sha1(img.tobytes()).hexdigest())
        elif isinstance(visual, trimesh.visual.ColorVisuals) and visual.kind in ("vertex", "face"):
            vertex_colors = True
    embedded = max(0, len(distinct_images) - len(images))

    watertight = bool(physics.is_watertight and physics.is_winding_consistent)
    plan = _plan(source.format, likely_up, longest, unit, watertight, repair, source)
    return {
        "file": str(source.path),
        "format": f"{SUPPORTED_FORMATS[source.format]} ({source.format})",
        "bytes": source.path.stat().st_size,
        "triangles": source.triangles,
        "vertices": int(sum(len(p.vertices) for p in source.parts)),
        "parts": len(source.parts),
        "geometries": source.geometries,
        "watertight": watertight,
        "winding_consistent": bool(physics.is_winding_consistent),
        "duplicate_vertices": repair.vertices_merged,
        "bad_faces": repair.faces_dropped,
        "extents": [float(x) for x in extents],
        "longest": longest,
        "likely_up": likely_up,
        "up_reason": up_reason,
        "default_up": default_up(source.path),
        "likely_unit": unit,
        "textures": {
            "embedded": embedded,
            "found": sorted(images),
            "missing": source.textures_missing,
            "unreadable": list(source.textures_undecodable),
        },
        "vertex_colors": vertex_colors,
        "materials": materials,
        "ignored_geometries": source.ignored,
        "plan": plan,
    }


def _plan(fmt, likely_up, longest, unit, watertight, repair, source) -> list[str]:
    plan = []
    up = default_up(Path(f"x{fmt}"))
    if up == "y":
        plan.append("up: y (glTF convention): rotated +90 degrees about X so that +Y becomes +Z")
    else:
        plan.append("up: z (default for this format): no rotation")
    if likely_up != up:
        plan.append(
            f"  the geometry suggests up: {likely_up}; set `up: {likely_up}` if it lies on its side"
        )
    factor = {"m": 1.0, "cm": 0.01, "mm": 0.001}[unit]
    if unit == "m":
        plan.append(
            f"size: longest side {longest:.4g} units, likely metres: used as is unless you set "
            "`size:` (longest side in metres) or `scale:`"
        )
    else:
        plan.append(
            f"size: longest side {longest:.4g} units, likely {unit} ({longest * factor:.3g} m); "
            f"set `size:` (longest side in metres) or `scale: {factor:g}`, else 1 unit = 1 m "
            f"and it becomes {longest:.4g} m long"
        )
    if len(source.parts) > 1:
        plan.append(
            f"flatten {len(source.parts)} parts with their node transforms; each keeps its material"
        )
    if repair.vertices_merged or repair.faces_dropped or repair.winding_fixed:
        bits = []
        if repair.vertices_merged:
            bits.append(f"merge {repair.vertices_merged} duplicate vertices")
        if repair.faces_dropped:
            bits.append(f"drop {repair.faces_dropped} degenerate/duplicate faces")
        if repair.winding_fixed:
            bits.append("make the winding consistent")
        plan.append("repair for physics: " + ", ".join(bits))
    if watertight:
        plan.append("mass properties: from the mesh (watertight)")
    else:
        plan.append("mass properties: from the convex hull (the mesh is open)")
    plan.append(
        "collision: convex hull by default; `collision: decompose` for concave objects "
        "(cups, bowls), `mesh` for static ones"
    )
    for name in source.textures_missing:
        plan.append(f"texture {name!r} is missing: rendered without it")
    for name in source.textures_undecodable:
        plan.append(f"texture {name!r} is not a readable image: rendered without it")
    return plan


def format_report(info: dict) -> str:
    """The text report of :func:`inspect_mesh`'s result (what the CLI prints)."""
    ext = " x ".join(f"{x:.4g}" for x in info["extents"])
    tex = info["textures"]
    tex_bits = []
    if tex["embedded"]:
        tex_bits.append(f"{tex['embedded']} embedded")
    if tex["found"]:
        tex_bits.append("found " + ", ".join(repr(n) for n in tex["found"]))
    if tex["missing"]:
        tex_bits.append("MISSING " + ", ".join(repr(n) for n in tex["missing"]))
    if tex["unreadable"]:
        tex_bits.append("UNREADABLE " + ", ".join(repr(n) for n in tex["unreadable"]))
    lines = [
        f"{info['file']}",
        f"  format        {info['format']}, {info['bytes']:,} bytes",
        f"  triangles     {info['triangles']:,}  (vertices {info['vertices']:,})",
        f"  parts         {info['parts']} (distinct geometries {info['geometries']})",
        f"  watertight    {'yes' if info['watertight'] else 'no'}"
        f"{'' if info['winding_consistent'] else ' (inconsistent winding)'}",
        f"  extents       {ext} file units (x, y, z)",
        f"  likely up     {info['likely_up']} ({info['up_reason']})",
        f"  likely unit   {info['likely_unit']}",
        f"  textures      {'; '.join(tex_bits) if tex_bits else 'none'}",
        f"  colours       {'vertex/face colours' if info['vertex_colors'] else 'none'}",
        "what physreel will do:",
    ]
    lines += [f"  - {p}" if not p.startswith("  ") else f"    {p.strip()}" for p in info["plan"]]
    return "\n".join(lines)
