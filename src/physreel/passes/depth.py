"""``depth``: exact z-depth in metres from the float ground-truth render."""

from __future__ import annotations

import numpy as np

from .registry import Doc, ManifestInfo, Needs, Pass, register_pass
from .storage import Npy, Png16

#: Depth range used when a clip has no foreground pixel at all (metres).
EMPTY_RANGE = (0.1, 1.0)


def depth_mm(depth: np.ndarray) -> np.ndarray:
    from ..outputs.formats import depth_to_mm_uint16

    return depth_to_mm_uint16(depth)


NPY = Npy("depth.npy", np.float32)
PNG = Png16("depth_mm", encode=depth_mm)


def clip_range(scale) -> tuple[float, float]:
    """(near, far) metres of a clip: its measured range, or :data:`EMPTY_RANGE`."""
    return tuple(scale) if scale else EMPTY_RANGE


def scale():
    """The clip-wide depth range accumulator (robust percentiles of foreground depth)."""
    from .controls.depth import DepthRangeAccumulator

    return _Range(DepthRangeAccumulator())


class _Range:
    def __init__(self, acc):
        self.acc = acc

    def update(self, depth: np.ndarray) -> None:
        self.acc.update(depth)

    def result(self) -> list[float] | None:
        r = self.acc.result()
        return [float(r[0]), float(r[1])] if r else None


def preview(files):
    from ..outputs.visualize import colorize_depth

    near, far = clip_range(files.scales.get("depth"))
    return (colorize_depth(d, near, far) for d in files.frames("depth"))


def manifest(m: ManifestInfo) -> dict:
    return {"file": NPY.pattern, "dtype": "float32", "shape": [m.frames, m.height, m.width], "units": "metres",
            "meaning": "z-depth: distance along the camera's viewing axis (not along the ray)",
            "background": 0.0, "range": m.scale,
            "png16": PNG.pattern,
            "png16_decode": "uint16 millimetres; 0 = background; metres = value / 1000; 65535 = 65.535 m or "
                            "farther (use depth.npy beyond)",
            "preview": "depth.mp4 (turbo colour map of inverse depth, one range for the whole clip; near = red)"}


register_pass(Pass(
    name="depth",
    compute=lambda frame, state: frame.render["gt"]["depth"],
    needs=Needs(render=("gt",)),
    storage=(NPY, PNG),
    scale=scale,
    preview=preview,
    manifest=manifest,
    doc=Doc("z-depth in metres (float32 .npy, 16-bit millimetre PNGs)",
            files="`depth.npy` (T, H, W), `depth_mm/NNNNN.png`, `depth.mp4`",
            convention="float32 metres, **z-depth** along the camera axis, 0 = background; "
                       "PNG: uint16 millimetres"),
))
