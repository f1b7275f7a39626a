"""Drawing people whose surface deforms: skinned characters, one mesh per person per frame.

A person with a ``skin`` is drawn as their glTF mesh, skinned for every frame from the bone
poses in the Trajectory (linear blend skinning, ~0.5 ms for 3 300 vertices); their physics
parts (one capsule per bone) are not drawn.  The mesh is given in the person's object frame
(the root bone's, which is the pose the Trajectory records for the person).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..assembly import Assembly
from ..physics.trajectory import Trajectory
from ..quaternions import qto_matrix


@dataclass
class SkinTrack:
    """One skinned person over a clip: ``at(frame)`` gives the mesh at that frame."""

    skin: object  # physreel.assets.skinned.SkinModel
    positions: np.ndarray  # (T, B, 3) world bone origins
    quaternions: np.ndarray  # (T, B, 4)

    def world(self, frame: int) -> np.ndarray:
        """(V, 3) float64 world vertex positions at ``frame``, metres."""
        return self.skin.deform(self.positions[frame], self.quaternions[frame])

    def local(self, frame: int, pose: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Vertices (V, 3) and normals (V, 3) at ``frame`` in the frame of ``pose`` (4, 4)."""
        v = self.world(frame)
        rot = pose[:3, :3]
        verts = (v - pose[:3, 3]) @ rot
        normals = None
        if self.skin.normals is not None:
            r = qto_matrix(self.quaternions[frame])  # (B, 3, 3)
            w = self.skin._dense  # (V, B)
            blended = np.einsum("vb,bij->vij", w, r)
            n = np.einsum("vij,vj->vi", blended, self.skin.normals) @ rot
            normals = n / np.maximum(np.linalg.norm(n, axis=1, keepdims=True), 1e-12)
        return verts, normals


class SkinPoints:
    """Points on a skinned person's surface that move with the mesh: ``n`` points sampled on
    the rest mesh (area-weighted), each a fixed barycentric blend of one triangle's vertices."""

    def __init__(self, track: SkinTrack, n: int, rng: np.random.Generator):
        skin = track.skin
        tri = skin.vertices[skin.faces]
        area = 0.5 * np.linalg.norm(np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0]), axis=1)
        self.track = track
        self.faces = skin.faces[rng.choice(len(tri), size=n, p=area / area.sum())]
        r1, r2 = np.sqrt(rng.random(n)), rng.random(n)
        self.bary = np.stack([1 - r1, r1 * (1 - r2), r1 * r2], axis=1)

    def world(self, frame: int) -> np.ndarray:
        """(n, 3) world positions at ``frame``, metres."""
        v = self.track.world(frame)[self.faces]  # (n, 3, 3)
        return np.einsum("nk,nkj->nj", self.bary, v)


def skin_tracks(assembly: Assembly, trajectory: Trajectory) -> dict[str, SkinTrack]:
    """The skinned people of a simulation, by name."""
    out = {}
    for name, (pos, quat) in trajectory.skeletons.items():
        skin = assembly[name].extra.get("skin") if name in assembly.objects else None
        if skin is not None:
            out[name] = SkinTrack(skin, pos, quat)
    return out


def skin_primitive(pr, track: SkinTrack, frame: int, pose: np.ndarray, material):
    """A pyrender primitive of the skinned mesh at ``frame`` (object frame of ``pose``)."""
    verts, normals = track.local(frame, pose)
    skin = track.skin
    kw = {}
    if skin.uv is not None:
        # glTF puts v = 0 at the image's top; pyrender uploads images bottom row first
        kw["texcoord_0"] = np.column_stack([skin.uv[:, 0], 1.0 - skin.uv[:, 1]]).astype(np.float32)
    if normals is not None:
        kw["normals"] = normals.astype(np.float32)
    return pr.Primitive(positions=verts.astype(np.float32), indices=skin.faces.astype(np.uint32),
                        material=material, **kw)


def skin_material(pr, skin, fallback):
    """The skin's own base-colour texture and factor (glTF), else ``fallback``."""
    if skin.texture is None:
        return fallback
    import io

    from PIL import Image

    img = np.asarray(Image.open(io.BytesIO(skin.texture)).convert("RGB"))
    sampler = pr.Sampler(magFilter=9729, minFilter=9987, wrapS=10497, wrapT=10497)
    tex = pr.Texture(source=img, source_channels="RGB", sampler=sampler)
    return pr.MetallicRoughnessMaterial(baseColorFactor=list(skin.base_color), baseColorTexture=tex,
                                        metallicFactor=0.0, roughnessFactor=0.8)


def deform_flow(flow: np.ndarray, occluded: np.ndarray, depth_t: np.ndarray, seg_t: np.ndarray,
                cam_t, cam_o, depth_o: np.ndarray, skins: list[tuple[int, np.ndarray, np.ndarray]]) -> None:
    """Correct the flow of skinned people in place: their pixels follow the mesh, not a body.

    A skin pixel is lifted to its surface point (depth, camera ``t``), moved by the motion of the
    mesh around it from frame ``t`` to frame ``o`` (the displacements of its 4 nearest vertices,
    weighted by inverse distance) and projected into camera ``o``; occlusion is the depth test
    of :func:`~physreel.rendering.flow.compute_flow`.

    Parameters
    ----------
    flow : (H, W, 2) float32; occluded : (H, W) bool — from ``compute_flow``, updated here
    depth_t, seg_t : frame ``t``'s depth (m) and renderer ids; depth_o : frame ``o``'s depth
    cam_t, cam_o : CameraFrame of both frames
    skins : (renderer id, vertices at t (V, 3), vertices at o (V, 3)) per skinned person
    """
    from scipy.spatial import cKDTree

    from .flow import visible_in_depth

    h, w = depth_t.shape
    kinv = np.linalg.inv(cam_t.K)
    c2w = np.linalg.inv(cam_t.world_to_camera)
    for sid, v_t, v_o in skins:
        rows, cols = np.nonzero((seg_t == sid) & (depth_t > 0))
        if not len(rows):
            continue
        z = depth_t[rows, cols].astype(np.float64)
        pix = np.stack([cols + 0.5, rows + 0.5, np.ones(len(rows))], axis=1)
        pc = (pix @ kinv.T) * z[:, None]
        pw = pc @ c2w[:3, :3].T + c2w[:3, 3]
        dist, idx = cKDTree(v_t).query(pw, k=4)
        wts = 1.0 / np.maximum(dist, 1e-6)
        wts /= wts.sum(axis=1, keepdims=True)
        moved = pw + np.einsum("nk,nkj->nj", wts, v_o[idx] - v_t[idx])
        po = moved @ cam_o.world_to_camera[:3, :3].T + cam_o.world_to_camera[:3, 3]
        zo = po[:, 2]
        front = zo > 1e-6
        uvo = po @ np.asarray(cam_o.K).T
        xo = np.where(front, uvo[:, 0] / np.where(front, zo, 1.0), pix[:, 0])
        yo = np.where(front, uvo[:, 1] / np.where(front, zo, 1.0), pix[:, 1])
        flow[rows, cols, 0] = xo - pix[:, 0]
        flow[rows, cols, 1] = yo - pix[:, 1]
        occ = ~front | (xo < 0) | (xo >= w) | (yo < 0) | (yo >= h)
        ok = ~occ
        if ok.any():
            occ[ok] = ~visible_in_depth(xo[ok], yo[ok], zo[ok], depth_o)
        occluded[rows, cols] = occ
