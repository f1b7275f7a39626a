"""``depth``: exact z-depth in metres from the float ground-truth render."""

from __future__ import annotations

import numpy as np

from .registry import Doc, ManifestInfo, Needs, Pass, register_pass
from .storage import COMPACT, NPY, Npy, Png16Units

#: Depth range used when a clip has no foreground pixel at all (metres).
EMPTY_RANGE = (0.1, 1.0)

# The .npy comes first so that folders written before the compact storage (which have both
# files and no unit in their manifest) read back from it.
ARRAY = Npy("depth.npy", np.float32, mode=NPY)
PNG = Png16Units("depth_mm", base_unit=0.001, units="metres", mode=COMPACT)


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
    return {"dtype": "float32", "shape": [m.frames, m.height, m.width], "units": "metres",
            "meaning": "z-depth: distance along the camera's viewing axis (not along the ray)",
            "background": 0.0, "range": m.scale,
            "range_meaning": "[near, far]: the 1st and 99th percentiles of foreground depth over the clip "
                             "(the preview's and the depth control's scale)",
            "png16_unit": "1 mm unless the clip sees farther than 65.535 m: then the smallest whole number of "
                          "millimetres that fits (see files[].unit)",
            "preview": "depth.mp4 (turbo colour map of inverse depth, one range for the whole clip; near = red)"}


register_pass(Pass(
    name="depth",
    compute=lambda frame, state: frame.render["gt"]["depth"],
    needs=Needs(render=("gt",)),
    storage=(ARRAY, PNG),
    scale=scale,
    preview=preview,
    manifest=manifest,
    doc=Doc("z-depth in metres (16-bit millimetre PNGs; float32 .npy with --storage npy)",
            files="`depth_mm/NNNNN.png` (`depth.npy` (T, H, W) with `--storage npy`), `depth.mp4`",
            convention="float32 metres, **z-depth** along the camera axis, 0 = background; "
                       "PNG: uint16 millimetres (error <= 0.5 mm)"),
))
