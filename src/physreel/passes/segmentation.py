"""``segmentation``: instance ids per pixel from the float ground-truth render (no anti-aliasing)."""

from __future__ import annotations

import numpy as np

from .registry import Doc, ManifestInfo, Needs, Pass, register_pass
from .storage import COMPACT, NPY, Npy, Png16

ARRAY = Npy("segmentation.npy", np.uint16, mode=NPY)
PNG = Png16("segmentation", mode=COMPACT)


def preview(files):
    from ..outputs.visualize import colorize_segmentation

    return (colorize_segmentation(s) for s in files.frames("segmentation"))


def manifest(m: ManifestInfo) -> dict:
    return {"dtype": "uint16", "shape": [m.frames, m.height, m.width],
            "values": "instance ids: 0 background, 1 ground, object k (metadata 'objects' order) = k + 2 "
                      "(a person's body parts show as the person); table in metadata.json 'segmentation_ids'",
            "antialiasing": "none", "preview": "segmentation.mp4 (fixed palette)"}


def compute(frame, state) -> np.ndarray:
    """The renderer draws every body with its own id (flow needs each body's motion); a
    person's body parts are written with the person's id."""
    seg = frame.render["gt"]["segmentation"]
    traj = frame.clip.trajectory
    if not traj.parts:
        return seg
    lut = np.concatenate([[0, 1], traj.segmentation_ids]).astype(np.uint16)
    return lut[seg]


register_pass(Pass(
    name="segmentation",
    aliases=("seg",),
    compute=compute,
    needs=Needs(render=("gt",)),
    storage=(ARRAY, PNG),
    preview=preview,
    manifest=manifest,
    doc=Doc("instance ids (16-bit PNGs; uint16 .npy with --storage npy)",
            files="`segmentation/NNNNN.png` (`segmentation.npy` (T, H, W) with `--storage npy`), "
                  "`segmentation.mp4`",
            convention="uint16; 0 background, 1 ground, object k = k + 2 (`segmentation_ids` in "
                       "metadata); no anti-aliasing"),
))
