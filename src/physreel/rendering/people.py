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
