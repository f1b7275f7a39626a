"""``normal`` control: surface normals in the ScanNet / NormalBAE convention of ControlNet 1.1
``normalbae``: red = normal pointing to the image LEFT, green = UP, blue = TOWARDS the camera.
From OpenCV camera normals ``n`` (x right, y down, z forward) that is ``rgb = (1 - n) / 2 * 255``
component-wise: a surface facing the camera (n = [0, 0, -1]) is (128, 128, 255).
"""

from __future__ import annotations

import numpy as np

from ..registry import Control, Doc, register_control

#: Colour of background pixels in :func:`normal_control`: the colour of a surface facing the
#: camera (what NormalBAE predicts for a wall seen head-on), so the background reads as a flat
#: far wall rather than as an invalid value.
NORMAL_BACKGROUND = (128, 128, 255)


def normal_control(
    normals_cv: np.ndarray, background: tuple[int, int, int] = NORMAL_BACKGROUND
) -> np.ndarray:
    """Surface normals in the ScanNet / NormalBAE colour convention.

    Parameters
    ----------
    normals_cv : (H, W, 3) float
        Unit normals in the OpenCV camera frame (x right, y down, z forward; a surface facing
        the camera has z < 0); zero vectors for background.
    background : 3 ints
        Colour of background pixels (default: the colour of a surface facing the camera).

    Returns
    -------
    (H, W, 3) uint8
        ``R = (1 - n_x) / 2 * 255`` (red = pointing left), ``G = (1 - n_y) / 2 * 255`` (green =
        up), ``B = (1 - n_z) / 2 * 255`` (blue = towards the camera), rounded.
    """
    n = np.asarray(normals_cv, dtype=np.float32)
    rgb = np.rint(np.clip((1.0 - n) * 127.5, 0, 255)).astype(np.uint8)
    bg = np.sum(n * n, axis=-1) < 0.25
    rgb[bg] = background
    return rgb



register_control(Control(
    name="normal",
    aliases=("normals",),
    needs=("normals",),
    frame=lambda bundle, state: normal_control(bundle["normals"]),
    meaning="ScanNet / normalbae convention: rgb = (1 - n_opencv) / 2 * 255: red = facing left, green = facing up, "
            "blue = facing the camera",
    doc=Doc("ScanNet / normalbae convention (rgb = (1 − n)/2 · 255 in OpenCV camera axes: red = facing left, "
            "green = facing up, blue = facing the camera)"),
))
