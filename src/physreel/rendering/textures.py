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


def load_texture(texture: str, color) -> np.ndarray:
    """(H, W, 3) uint8 sRGB image of an object texture: "checker" (in the object's colour and a
    darker shade) or an image file (PNG, JPEG...)."""
    if texture == "checker":
        c = np.asarray(color, dtype=np.float64)
        return checker_image(c, c * 0.35, 256)
    from PIL import Image

    from ..errors import AssetError

    try:
        with Image.open(texture) as im:
            return np.asarray(im.convert("RGB"))
    except OSError as e:
        raise AssetError(f"texture {texture}: cannot read the image ({e}); use a PNG or JPEG file") from None
