"""``segmentation``: instance ids per pixel from the float ground-truth render (no anti-aliasing)."""

from __future__ import annotations

import numpy as np

from .registry import Doc, ManifestInfo, Needs, Pass, register_pass
from .storage import Npy, Png16

NPY = Npy("segmentation.npy", np.uint16)
PNG = Png16("segmentation")


def preview(files):
    from ..outputs.visualize import colorize_segmentation

    return (colorize_segmentation(s) for s in files.frames("segmentation"))


def manifest(m: ManifestInfo) -> dict:
    return {"file": NPY.pattern, "png16": PNG.pattern, "dtype": "uint16", "shape": [m.frames, m.height, m.width],
            "values": "instance ids: 0 background, 1 ground, object k (metadata 'objects' order) = k + 2; "
                      "table in metadata.json 'segmentation_ids'",
            "antialiasing": "none", "preview": "segmentation.mp4 (fixed palette)"}


register_pass(Pass(
    name="segmentation",
    aliases=("seg",),
    compute=lambda frame, state: frame.render["gt"]["segmentation"],
    needs=Needs(render=("gt",)),
    storage=(NPY, PNG),
    preview=preview,
    manifest=manifest,
    doc=Doc("instance ids (uint16 .npy and 16-bit PNGs)",
            files="`segmentation.npy` (T, H, W), `segmentation/NNNNN.png`, `segmentation.mp4`",
            convention="uint16; 0 background, 1 ground, object k = k + 2 (`segmentation_ids` in "
                       "metadata); no anti-aliasing"),
))
