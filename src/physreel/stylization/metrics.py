"""Measures of temporal stability and sharpness of a stylised clip (for tests and benchmarks).

All errors are mean absolute differences in 0..255 units over the pixels that are compared.
"""

from __future__ import annotations

import numpy as np

from .flow import warp_image


def warp_error(out_t: np.ndarray, out_prev: np.ndarray, flow_back: np.ndarray, mask: np.ndarray) -> float:
    """Mean |out_t - warp(out_prev, flow_back)| over ``mask`` (0..255 units).

    Parameters
    ----------
    out_t, out_prev : (H, W, 3) uint8, consecutive outputs
    flow_back : (H, W, 2) float32 pixels, exact flow from frame t to frame t-1
    mask : (H, W) bool, pixels to compare (warp-safe ones: the same surface in both frames)
    """
    if not mask.any():
        return float("nan")
    d = np.abs(out_t.astype(np.float32) - warp_image(out_prev, flow_back))
    return float(d[mask].mean())


def sharpness(img: np.ndarray, mask: np.ndarray | None = None) -> float:
    """Mean gradient magnitude of the luminance (0..255 per pixel), over ``mask`` if given."""
    lum = np.asarray(img, dtype=np.float32) @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    gx = np.zeros_like(lum)
    gy = np.zeros_like(lum)
    gx[:, 1:-1] = (lum[:, 2:] - lum[:, :-2]) / 2
    gy[1:-1] = (lum[2:] - lum[:-2]) / 2
    g = np.hypot(gx, gy)
    return float(g[mask].mean() if mask is not None else g.mean())
