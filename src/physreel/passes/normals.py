"""``normals``: unit surface normals in the OpenCV camera frame, from the geometry."""

from __future__ import annotations

import numpy as np

from .registry import Doc, ManifestInfo, Needs, Pass, register_pass
from .storage import COMPACT, NPY, Npy, Png16Range

ARRAY = Npy("normals.npy", np.float32, channels=(3,), mode=NPY)
PNG = Png16Range("normals", channels=(3,), mode=COMPACT)


def preview(files):
    from ..outputs.visualize import colorize_normals

    return (colorize_normals(n) for n in files.frames("normals"))


def manifest(m: ManifestInfo) -> dict:
    return {"dtype": "float32", "shape": [m.frames, m.height, m.width, 3],
            "units": "unit vectors",
            "frame": "OpenCV camera frame: x right, y down, z forward; a surface facing the camera has z < 0",
            "background": [0, 0, 0], "source": "geometry (interpolated mesh normals), not differentiated depth",
            "preview": "normals.mp4 ((n + 1) / 2 as RGB)"}


register_pass(Pass(
    name="normals",
    aliases=("normal",),
    compute=lambda frame, state: frame.render["gt"]["normals"],
    needs=Needs(render=("gt",)),
    storage=(ARRAY, PNG),
    preview=preview,
    manifest=manifest,
    doc=Doc("unit surface normals, OpenCV camera frame (16-bit PNGs; float32 .npy with --storage npy)",
            files="`normals/NNNNN.png` (x, y, z planes; `normals.npy` (T, H, W, 3) with `--storage npy`), "
                  "`normals.mp4`",
            convention="float32 unit vectors in the OpenCV camera frame; facing the camera: z < 0; "
                       "0 background; from the geometry; PNG: one range per channel and clip (error < 2e-5)"),
))
