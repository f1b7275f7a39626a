"""Drawing people whose surface deforms: skinned characters, one mesh per person per frame.

A person with a ``skin`` is drawn as their glTF mesh, skinned for every frame from the bone
poses in the Trajectory (linear blend skinning, ~0.5 ms for 3 300 vertices); their physics
parts (one capsule per bone) are not drawn.  The mesh is given in the person's object frame
(the root bone's, which is the pose the Trajectory records for the person); the renderer moves
each vertex to the neighbouring frames' positions for the motion (flow) of the skin.
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
