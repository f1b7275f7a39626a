"""``flow_forward`` / ``flow_backward`` and ``occlusion_forward`` / ``occlusion_backward``: exact
optical flow to the next / previous frame from known poses and camera motion, and where it is
undefined because the surface point is hidden or off-screen there.

The flow is the renderer's motion output (its geometry pass carries every pixel's surface
point to the other frame with that frame's poses and camera); occlusion applies the rules of
:func:`physreel.rendering.flow.compute_flow` to it and to the other frame's depth.
"""

from __future__ import annotations

import numpy as np

from .registry import Doc, ManifestInfo, Needs, Pass, register_pass
from .storage import COMPACT, NPY, Flo, Npy, Png1, Png16Range

SIGN = {"forward": "t -> t+1", "backward": "t -> t-1"}
FLOW_DOC = Doc("exact optical flow to the next / previous frame, pixels (16-bit PNGs; float32 .npy with "
               "--storage npy)",
               files="`flow_*/NNNNN.png` (dx, dy planes; `flow_*.npy` (T, H, W, 2) with `--storage npy`), "
                     "`flow_*.mp4`, `.flo` with `--flo`",
               convention="float32 pixels `(dx, dy)`, x right, y down; t → t+1 / t → t−1, exact from "
                          "poses and camera motion; zeros (all occluded) where undefined; PNG: one range "
                          "per channel and clip")
OCCLUSION_DOC = Doc("where flow is undefined: hidden or off-screen in the other frame (1-bit PNGs; bool "
                    ".npy with --storage npy)",
                    files="`occlusion_*/NNNNN.png` (`occlusion_*.npy` (T, H, W) with `--storage npy`), `.mp4`",
                    convention="bool, True = the pixel's surface point is hidden or off-screen in "
                               "the other frame")


def _motion_key(direction: str) -> str:
    return "motion_next" if direction == "forward" else "motion_prev"


def flow_of(frame, direction: str) -> np.ndarray:
    """(H, W, 2) float32 flow (pixels) of ``frame`` towards the next (``forward``) or previous
    (``backward``) frame; zeros where there is no such frame."""
    motion = frame.render.get(_motion_key(direction))
    if motion is None:  # no frame after the last (before the first): undefined
        w, h = frame.clip.width, frame.clip.height
        return np.zeros((h, w, 2), dtype=np.float32)
    return motion.flow


def occlusion_of(frame, direction: str) -> np.ndarray:
    """(H, W) bool: where the surface point of each pixel is hidden or off-screen in the next
    (``forward``) or previous (``backward``) frame; all True where there is no such frame."""
    other = frame.next if direction == "forward" else frame.prev
    motion = frame.render.get(_motion_key(direction))
    if other is None or motion is None:
        return np.ones((frame.clip.height, frame.clip.width), dtype=bool)
    from ..rendering.flow import occlusion_from_motion

    return occlusion_from_motion(motion.flow, motion.depth, frame["depth"], frame["segmentation"],
                                 other["depth"], other.present)


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
    flow_npy = Npy(f"{flow_name}.npy", np.float32, channels=(2,), mode=NPY)
    flow_png = Png16Range(flow_name, channels=(2,), mode=COMPACT)
    flo = Flo(flow_name, option="flo")
    occ_npy = Npy(f"{occ_name}.npy", np.bool_, mode=NPY)
    occ_png = Png1(occ_name, mode=COMPACT)
    flow_needs = Needs(render=(_motion_key(direction),))
    occ_needs = Needs(render=("gt", _motion_key(direction)), passes=("depth", "segmentation"),
                      neighbours=("next",) if direction == "forward" else ("prev",))

    def flow_manifest(m: ManifestInfo) -> dict:
        return {"dtype": "float32", "shape": [m.frames, m.height, m.width, 2],
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
        return {"dtype": "bool", "shape": [m.frames, m.height, m.width],
                "polarity": f"True = the pixel's surface point is hidden or off-screen in the other frame "
                            f"({SIGN[direction]})"}

    def occ_preview(files):
        return (np.repeat((o * 255).astype(np.uint8)[..., None], 3, 2) for o in files.frames(occ_name))

    register_pass(Pass(
        name=flow_name, needs=flow_needs,
        compute=lambda frame, state: flow_of(frame, direction),
        storage=(flow_npy, flow_png, flo), scale=FlowScale, preview=flow_preview, manifest=flow_manifest,
        doc=FLOW_DOC))
    register_pass(Pass(
        name=occ_name, needs=occ_needs,
        compute=lambda frame, state: occlusion_of(frame, direction),
        storage=(occ_npy, occ_png), preview=occ_preview, manifest=occ_manifest, doc=OCCLUSION_DOC))


_register("forward")
_register("backward")
