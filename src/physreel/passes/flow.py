"""``flow_forward`` / ``flow_backward`` and ``occlusion_forward`` / ``occlusion_backward``: exact
optical flow to the next / previous frame from known poses and camera motion, and where it is
undefined because the surface point is hidden or off-screen there.

Flow and occlusion of one direction come from one computation
(:func:`physreel.rendering.flow.compute_flow`), shared through ``frame.cache``.
"""

from __future__ import annotations

import numpy as np

from .registry import Doc, ManifestInfo, Needs, Pass, register_pass
from .storage import Flo, Npy

SIGN = {"forward": "t -> t+1", "backward": "t -> t-1"}
FLOW_DOC = Doc("exact optical flow to the next / previous frame, pixels (float32 .npy)",
               files="`flow_*.npy` (T, H, W, 2), `flow_*.mp4`, `.flo` with `--flo`",
               convention="float32 pixels `(dx, dy)`, x right, y down; t → t+1 / t → t−1, exact from "
                          "poses and camera motion; zeros (all occluded) where undefined")
OCCLUSION_DOC = Doc("where flow is undefined: hidden or off-screen in the other frame (bool .npy)",
                    files="`occlusion_*.npy` (T, H, W), `.mp4`",
                    convention="bool, True = the pixel's surface point is hidden or off-screen in "
                               "the other frame")


def flow_and_occlusion(frame, direction: str) -> tuple[np.ndarray, np.ndarray]:
    """(H, W, 2) float32 flow (pixels) and (H, W) bool occlusion of ``frame`` towards the next
    (``forward``) or previous (``backward``) frame."""
    key = ("flow", direction)
    if key not in frame.cache:
        other = frame.next if direction == "forward" else frame.prev
        depth = frame["depth"]
        if other is None:
            # No frame after the last (before the first): flow undefined, everything occluded.
            h, w = depth.shape
            frame.cache[key] = (np.zeros((h, w, 2), dtype=np.float32), np.ones((h, w), dtype=bool))
        else:
            from ..rendering.flow import compute_flow

            ids = frame.render["gt"]["segmentation"]  # one id per body (a person's parts apart)
            res = compute_flow(depth, ids, frame.view, other.view,
                               frame.poses, other.poses, other["depth"], other.present)
            _deform(frame, other, res.flow, res.occluded)
            frame.cache[key] = (res.flow, res.occluded)
    return frame.cache[key]


def _deform(frame, other, flow: np.ndarray, occluded: np.ndarray) -> None:
    """Skinned people move per vertex, not as one body: their pixels follow the mesh."""
    traj = frame.clip.trajectory
    if not traj.skeletons:
        return
    from ..rendering.people import deform_flow, skin_tracks

    skins = skin_tracks(frame.clip.assembly, traj)
    if skins:
        moving = [(traj.names.index(n) + 2, t.world(frame.index), t.world(other.index)) for n, t in skins.items()]
        deform_flow(flow, occluded, frame["depth"], frame.render["gt"]["segmentation"], frame.view, other.view,
                    other["depth"], moving)


class FlowScale:
    """Clip-wide flow magnitude for previews: the largest per-frame 99th percentile, >= 1 px."""

    def __init__(self) -> None:
        self.mags: list[float] = []

    def update(self, flow: np.ndarray) -> None:
        self.mags.append(float(np.percentile(np.linalg.norm(flow, axis=-1), 99)))

    def result(self) -> float:
        return max(max(self.mags, default=0.0), 1.0)


def _register(direction: str) -> None:
    flow_name, occ_name = f"flow_{direction}", f"occlusion_{direction}"
    flow_npy = Npy(f"{flow_name}.npy", np.float32, channels=(2,))
    flo = Flo(flow_name, option="flo")
    occ_npy = Npy(f"{occ_name}.npy", np.bool_)
    needs = Needs(render=("gt",), passes=("depth", "segmentation"),
                  neighbours=("next",) if direction == "forward" else ("prev",))

    def flow_manifest(m: ManifestInfo) -> dict:
        return {"file": flow_npy.pattern, "dtype": "float32", "shape": [m.frames, m.height, m.width, 2],
                "units": "pixels",
                "meaning": f"optical flow {SIGN[direction]}: (dx, dy), x right, y down; pixel centre (u+0.5, v+0.5) "
                           "of frame t moves to (u+0.5+dx, v+0.5+dy)",
                "exact": "from known poses and camera motion; background (infinitely far) moves with camera "
                         "rotation only",
                "undefined": "last frame (forward) / first frame (backward): zeros, all occluded",
                "flo": flo.pattern if flo.enabled(m.options) else None,
                "preview": f"{flow_name}.mp4 (Middlebury colour wheel, saturates at {m.scale} px)"}

    def flow_preview(files):
        from ..outputs.visualize import flow_to_color

        mx = files.scales[flow_name]
        return (flow_to_color(f, max_flow=mx) for f in files.frames(flow_name))

    def occ_manifest(m: ManifestInfo) -> dict:
        return {"file": occ_npy.pattern, "dtype": "bool", "shape": [m.frames, m.height, m.width],
                "polarity": f"True = the pixel's surface point is hidden or off-screen in the other frame "
                            f"({SIGN[direction]})"}

    def occ_preview(files):
        return (np.repeat((o * 255).astype(np.uint8)[..., None], 3, 2) for o in files.frames(occ_name))

    register_pass(Pass(
        name=flow_name, needs=needs,
        compute=lambda frame, state: flow_and_occlusion(frame, direction)[0],
        storage=(flow_npy, flo), scale=FlowScale, preview=flow_preview, manifest=flow_manifest, doc=FLOW_DOC))
    register_pass(Pass(
        name=occ_name, needs=needs,
        compute=lambda frame, state: flow_and_occlusion(frame, direction)[1],
        storage=(occ_npy,), preview=occ_preview, manifest=occ_manifest, doc=OCCLUSION_DOC))


_register("forward")
_register("backward")
