"""Stylizers wrapping OpenCV's non-photorealistic filters (extra: ``physreel[opencv]``).

``cv-stylize`` (``cv2.stylization``: edge-aware painterly smoothing), ``cv-pencil``
(``cv2.pencilSketch``) and ``cv-smooth`` (``cv2.edgePreservingFilter``).  They read only the
RGB frames and flicker a little from frame to frame: combine them with ``--stabilize``.
"""

from __future__ import annotations

import numpy as np

from .extras import require


def _cv2():
    return require("cv2", "opencv", "OpenCV stylizers")


class CvStylization:
    """``cv2.stylization``; ``sigma_s`` 0..200 (neighbourhood), ``sigma_r`` 0..1 (edge keep)."""

    name = "cv-stylize"
    needs = ("rgb",)

    def __init__(self, sigma_s: float = 60.0, sigma_r: float = 0.45):
        self.cv2 = _cv2()
        self.sigma_s, self.sigma_r = float(sigma_s), float(sigma_r)

    def __call__(self, bundle) -> np.ndarray:
        bgr = np.ascontiguousarray(bundle["rgb"][..., ::-1])
        return np.ascontiguousarray(self.cv2.stylization(bgr, sigma_s=self.sigma_s, sigma_r=self.sigma_r)[..., ::-1])


class CvPencil:
    """``cv2.pencilSketch``: the colour sketch (``color=True``) or the grey one."""

    name = "cv-pencil"
    needs = ("rgb",)

    def __init__(self, color: bool = False, sigma_s: float = 60.0, sigma_r: float = 0.07,
                 shade_factor: float = 0.02):
        self.cv2 = _cv2()
        self.color = bool(color)
        self.args = {"sigma_s": float(sigma_s), "sigma_r": float(sigma_r), "shade_factor": float(shade_factor)}

    def __call__(self, bundle) -> np.ndarray:
        bgr = np.ascontiguousarray(bundle["rgb"][..., ::-1])
        grey, colour = self.cv2.pencilSketch(bgr, **self.args)
        if self.color:
            return np.ascontiguousarray(colour[..., ::-1])
        return np.repeat(grey[..., None], 3, axis=2)


class CvSmooth:
    """``cv2.edgePreservingFilter``; ``recursive=True`` uses the recursive filter (faster)."""

    name = "cv-smooth"
    needs = ("rgb",)

    def __init__(self, recursive: bool = True, sigma_s: float = 60.0, sigma_r: float = 0.4):
        self.cv2 = _cv2()
        self.flags = self.cv2.RECURS_FILTER if recursive else self.cv2.NORMCONV_FILTER
        self.sigma_s, self.sigma_r = float(sigma_s), float(sigma_r)

    def __call__(self, bundle) -> np.ndarray:
        bgr = np.ascontiguousarray(bundle["rgb"][..., ::-1])
        out = self.cv2.edgePreservingFilter(bgr, flags=self.flags, sigma_s=self.sigma_s, sigma_r=self.sigma_r)
        return np.ascontiguousarray(out[..., ::-1])
