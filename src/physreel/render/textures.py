"""Procedural textures."""

from __future__ import annotations

import numpy as np


def checker_image(color_a, color_b, size: int = 256) -> np.ndarray:
    """(size, size, 3) uint8 sRGB image of a 2 x 2 checkerboard (one texture period)."""
    half = size // 2
    idx = np.indices((size, size)) // half
    mask = (idx[0] + idx[1]) % 2 == 0
    a = np.round(np.asarray(color_a) * 255).astype(np.uint8)
    b = np.round(np.asarray(color_b) * 255).astype(np.uint8)
    return np.where(mask[..., None], a, b).astype(np.uint8)
