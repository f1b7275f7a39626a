"""What the renderer draws: every object's meshes as plain arrays with a resolved material.

Colours in scene files are sRGB (what you see on screen); shading happens in linear space, so
base colours are converted to linear here.  A mesh file keeps its own textures, vertex colours
and PBR factors unless the object sets ``color`` or ``texture``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..assembly import Look
from ..colors import srgb_to_linear

#: Draw flags (``Surface.flags``).
FLOOR = 1
#: The floor's roughness (a dielectric; its colour comes from the ground settings).
FLOOR_ROUGHNESS = 0.85


@dataclass
class Surface:
    """One drawable piece of an object: triangles and one material.

    Attributes
    ----------
    positions, normals : (V, 3) float32, object frame (metres; unit normals)
    uv : (V, 2) float32 or None
    colors : (V, 4) float32 in 0..1 or None (vertex colours multiply the shaded colour)
    indices : (F, 3) uint32
    base_color : (4,) float32, linear RGB and opacity
    roughness, metallic : float
    texture : (H, W, 3 or 4) uint8 sRGB base-colour image, or None
    double_sided : bool
    blend : bool (drawn after opaque surfaces, back to front, alpha-blended)
    slot : int, the object (pose) this surface moves with
    seg_id : int, segmentation id written by the ground-truth pass
    flags : int (FLOOR: the procedural checker floor)
    dynamic : bool
        Its vertices move relative to the object every frame (a skinned person): positions and
        normals are given per frame, and the motion to other frames per vertex.
    """

    positions: np.ndarray
    normals: np.ndarray
    uv: np.ndarray | None
    colors: np.ndarray | None
    indices: np.ndarray
    base_color: np.ndarray
    roughness: float
    metallic: float
    texture: np.ndarray | None = None
    double_sided: bool = False
    blend: bool = False
    slot: int = 0
    seg_id: int = 0
    flags: int = 0
    dynamic: bool = False


def _base(color, opacity: float = 1.0) -> np.ndarray:
    return np.array([*srgb_to_linear(color), opacity], dtype=np.float32)


def object_surfaces(geom, look: Look, slot: int, seg_id: int) -> list[Surface]:
    """The surfaces of one object.

    Parameters
    ----------
    geom : Geometry (``visual`` meshes in the object frame)
    look : the object's resolved look (colour, roughness, metallic, opacity, texture)
    slot : object index (its pose slot)
    seg_id : its segmentation id
    """
    out = []
    for m in geom.visual:
        own = getattr(m.visual, "kind", None) in ("texture", "vertex", "face") and geom.kind in ("mesh", "compound")
        if look.texture is not None:
            s = _projected_texture(m, look, look.texture, look.texture_scale)
        elif own and look.keep_mesh_look:
            s = _own_look(m)
        else:
            s = _plain(m, look)
        s.slot, s.seg_id = slot, seg_id
        out.append(s)
    return out


def skin_surface(skin, look: Look, slot: int, seg_id: int) -> Surface:
    """The surface of a skinned person (``physreel.assets.skinned.SkinModel``): its own
    base-colour texture (glTF) when it has one, else the person's look; vertices are set per
    frame (``dynamic``)."""
    pos = np.asarray(skin.vertices, dtype=np.float32)
    idx = np.asarray(skin.faces, dtype=np.uint32)
    uv = None
    if skin.uv is not None:  # glTF puts v = 0 at the image's top; textures are uploaded bottom first
        uv = np.column_stack([skin.uv[:, 0], 1.0 - skin.uv[:, 1]]).astype(np.float32)
    if skin.texture is not None and uv is not None:
        import io

        from PIL import Image

        img = np.asarray(Image.open(io.BytesIO(skin.texture)).convert("RGB"))
        base = np.asarray(skin.base_color, dtype=np.float32)
        return Surface(pos, np.zeros_like(pos), uv, None, idx, base, 0.8, 0.0, img, slot=slot, seg_id=seg_id,
                       dynamic=True)
    return Surface(pos, np.zeros_like(pos), uv, None, idx, _base(look.color, look.opacity),
                   float(max(look.roughness, 0.04)), float(look.metallic), blend=look.opacity < 1.0, slot=slot,
                   seg_id=seg_id, dynamic=True)


def vertex_normals(positions: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """(V, 3) float32 unit vertex normals: the area-weighted sum of the faces around each vertex."""
    tri = positions[faces]
    fn = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    n = np.zeros_like(positions, dtype=np.float64)
    for k in range(3):
        np.add.at(n, faces[:, k], fn)
    return (n / np.maximum(np.linalg.norm(n, axis=1, keepdims=True), 1e-12)).astype(np.float32)


def _arrays(m) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return (np.asarray(m.vertices, dtype=np.float32), np.asarray(m.vertex_normals, dtype=np.float32),
            np.asarray(m.faces, dtype=np.uint32))


def _plain(m, mat: Look) -> Surface:
    pos, nrm, idx = _arrays(m)
    uv = getattr(m.visual, "uv", None)
    uv = np.asarray(uv, dtype=np.float32) if uv is not None and len(uv) == len(pos) else None
    return Surface(pos, nrm, uv, None, idx, _base(mat.color, mat.opacity), float(max(mat.roughness, 0.04)),
                   float(mat.metallic), blend=mat.opacity < 1.0)


def _own_look(m) -> Surface:
    """A mesh file's own look: glTF PBR factors and base-colour texture, OBJ/MTL diffuse colour
    and image, or vertex / face colours (shaded with roughness 0.8, metallic 0.2)."""
    import trimesh

    pos, nrm, idx = _arrays(m)
    visual = m.visual
    if visual.kind in ("vertex", "face"):
        if visual.kind == "face":  # one colour per face: give each face its own corners
            pos, nrm = pos[idx].reshape(-1, 3), nrm[idx].reshape(-1, 3)
            colors = np.repeat(np.asarray(visual.face_colors), 3, axis=0)
            idx = np.arange(len(pos), dtype=np.uint32).reshape(-1, 3)
        else:
            colors = np.asarray(visual.vertex_colors)
        colors = colors.astype(np.float32) / 255.0
        return Surface(pos, nrm, None, colors, idx, np.ones(4, np.float32), 0.8, 0.2,
                       blend=bool((colors[:, 3] < 1.0).any()))
    uv = np.asarray(visual.uv, dtype=np.float32) if visual.uv is not None and len(visual.uv) == len(pos) else None
    mat = visual.material
    base, rough, metal, image, double = np.ones(4, np.float32), 1.0, 1.0, None, False
    if isinstance(mat, trimesh.visual.material.PBRMaterial):
        if mat.baseColorFactor is not None:
            base = np.asarray(mat.baseColorFactor, dtype=np.float32).reshape(-1)
            base = base / 255.0 if base.max() > 1.0 else base
        rough = 1.0 if mat.roughnessFactor is None else float(mat.roughnessFactor)
        metal = 1.0 if mat.metallicFactor is None else float(mat.metallicFactor)
        image, double = mat.baseColorTexture, bool(mat.doubleSided)
    elif isinstance(mat, trimesh.visual.material.SimpleMaterial):
        gloss = mat.kwargs.get("Ns", 1.0)
        gloss = float(gloss[0] if isinstance(gloss, list) else gloss)
        rough, metal = (2.0 / (gloss + 2.0)) ** 0.25, 0.0
        base = np.asarray(mat.diffuse, dtype=np.float32) / 255.0
        image = mat.image
    tex = None
    if image is not None and uv is not None:
        tex = np.asarray(image.convert("RGBA") if hasattr(image, "convert") else image, dtype=np.uint8)
    blend = bool(base[3] < 1.0 or (tex is not None and tex.shape[-1] == 4 and (tex[..., 3] < 255).any()))
    return Surface(pos, nrm, uv, None, idx, base[:4].astype(np.float32), max(rough, 0.04), metal, tex,
                   double_sided=double, blend=blend)


def _projected_texture(m, mat: Look, texture: str, scale: float | None) -> Surface:
    """``texture`` ("checker" or an image file) mapped with the mesh's UVs when it has them,
    else projected along each face's dominant axis with one tile per ``scale`` metres."""
    from .textures import load_texture

    img = load_texture(texture, mat.color)
    faces = np.asarray(m.faces)
    corners = np.asarray(m.vertices, dtype=np.float64)[faces]  # (F, 3, 3)
    normals = np.asarray(m.vertex_normals, dtype=np.float32)[faces]
    uv_src = getattr(m.visual, "uv", None)
    if uv_src is not None and len(uv_src) == len(m.vertices):
        uv = np.asarray(uv_src, dtype=np.float32)[faces]
    else:
        tile = scale or float(max(np.ptp(m.vertices, axis=0).max(), 1e-6)) / 2.0
        axis = np.abs(np.asarray(m.face_normals)).argmax(axis=1)  # dominant axis per face
        keep = np.array([[1, 2], [0, 2], [0, 1]])[axis]  # the two other coordinates
        uv = np.take_along_axis(corners, keep[:, None, :].repeat(3, 1), axis=2) / tile
    n = len(faces) * 3
    return Surface(corners.reshape(-1, 3).astype(np.float32), normals.reshape(-1, 3), uv.reshape(-1, 2).astype(np.float32),
                   None, np.arange(n, dtype=np.uint32).reshape(-1, 3), _base((1.0, 1.0, 1.0), mat.opacity),
                   float(max(mat.roughness, 0.04)), float(mat.metallic), img, blend=mat.opacity < 1.0)


def floor_surface(size: float, slot: int) -> Surface:
    """The ground: a ``size`` metres square at z = 0 with segmentation id 1 (white; the
    renderer colours it with a procedural checker or a plain colour)."""
    half = size / 2.0
    pos = np.array([[-half, -half, 0], [half, -half, 0], [half, half, 0], [-half, half, 0]], dtype=np.float32)
    nrm = np.tile(np.array([[0, 0, 1]], dtype=np.float32), (4, 1))
    idx = np.array([[0, 1, 2], [0, 2, 3]], dtype=np.uint32)
    return Surface(pos, nrm, None, None, idx, np.ones(4, np.float32), FLOOR_ROUGHNESS, 0.0, slot=slot, seg_id=1,
                   flags=FLOOR)
