"""``keypoints``: people's body keypoints in the OpenPose layouts, in 3D and in the image.

For every person of the scene (``names``, scene order) and every frame: COCO-18 and BODY-25
keypoints in world metres (``coco18_3d``, ``body25_3d``), projected through the camera
(``coco18_2d``, ``body25_2d``: pixels ``[x, y]``, x right, y down, pixel centres at +0.5) and
whether the camera sees them (``coco18_visible``, ``body25_visible``: in the image and at most
a joint's depth under the surface the depth map shows there; keypoints lie inside the body).
Layouts: :mod:`physreel.assets.keypoints`.
"""

from __future__ import annotations

import numpy as np

from .registry import Doc, ManifestInfo, Needs, Pass, register_pass
from .storage import Npz

NPZ = Npz("keypoints.npz")


class _People:
    """Per-camera state: every person's 3D keypoints, and the 2D arrays filled frame by frame."""

    def __init__(self, clip):
        from ..outputs.people import person_keypoints

        traj = clip.trajectory
        self.names = [n for n in traj.skeletons]
        T, P = clip.num_frames, len(self.names)
        kp = [person_keypoints(clip.assembly, traj, n) for n in self.names]
        self.k3 = {lay: np.stack([k[f"{lay}_3d"] for k in kp], axis=1) if P else np.zeros((T, 0, n, 3))
                   for lay, n in (("coco18", 18), ("body25", 25))}
        self.tol = np.array([0.1 * clip.assembly[n].extra["rig"].height / 1.75 for n in self.names])
        self.k2 = {lay: np.full(a.shape[:3] + (2,), np.nan, dtype=np.float32) for lay, a in self.k3.items()}
        self.vis = {lay: np.zeros(a.shape[:3], dtype=bool) for lay, a in self.k3.items()}

    def update(self, f: int, view, depth: np.ndarray) -> dict:
        from ..rendering.keypoints import project, visible

        out = {"names": np.array(self.names)}
        for lay, pts in self.k3.items():
            xy, z = project(view, pts[f])
            vis = np.stack([visible(xy[p], z[p], depth, self.tol[p]) for p in range(len(self.names))]) \
                if self.names else np.zeros(pts.shape[1:3], dtype=bool)
            self.k2[lay][f], self.vis[lay][f] = xy, vis
            out[f"{lay}_2d"], out[f"{lay}_visible"], out[f"{lay}_3d"] = xy.astype(np.float32), vis, pts[f]
        return out

    def result(self) -> dict:
        out = {"names": np.array(self.names, dtype=str)}
        for lay in self.k3:
            out[f"{lay}_3d"] = self.k3[lay].astype(np.float32)
            out[f"{lay}_2d"] = self.k2[lay]
            out[f"{lay}_visible"] = self.vis[lay]
        return out


def manifest(m: ManifestInfo) -> dict | None:
    if m.value is None:
        return None
    return {"file": NPZ.pattern, "people": [str(n) for n in m.value["names"]],
            "arrays": {"names": "(P,) str: the people, scene order",
                       "coco18_3d": "(T, P, 18, 3) float32 world metres, OpenPose COCO-18 order (neck = shoulders' midpoint)",
                       "coco18_2d": "(T, P, 18, 2) float32 pixels [x, y] (x right, y down, pixel centres at +0.5)",
                       "coco18_visible": "(T, P, 18) bool: in the image and not hidden",
                       "body25_3d": "(T, P, 25, 3) float32 world metres, OpenPose BODY-25 order",
                       "body25_2d": "(T, P, 25, 2) float32 pixels", "body25_visible": "(T, P, 25) bool"},
            "layouts": {"coco18": _names("coco18"), "body25": _names("body25")}}


def _names(layout: str) -> list[str]:
    from ..assets.keypoints import layout as table

    return list(table()[layout])


register_pass(Pass(
    name="keypoints",
    aliases=("pose",),
    compute=lambda frame, people: people.update(frame.index, frame.view, frame["depth"]),
    needs=Needs(render=("gt",), passes=("depth",)),
    setup=_People,
    finish=lambda people: people.result(),
    storage=(NPZ,),
    manifest=manifest,
    doc=Doc("people's body keypoints (OpenPose COCO-18 and BODY-25) in 3D and 2D, with visibility (.npz)",
            files="`keypoints.npz`",
            convention="`names` (P,); `coco18_3d` (T, P, 18, 3) world m, `coco18_2d` (T, P, 18, 2) px [x, y], "
                       "`coco18_visible` (T, P, 18) bool; `body25_*` likewise with 25"),
))
