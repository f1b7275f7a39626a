"""Colours: parsing (``"#rrggbb"`` or ``[r, g, b]`` in 0..1, sRGB) and sRGB <-> linear.

Colours in scene files are sRGB, what a user sees on screen and picks in a colour chooser.
Shading happens in linear light; images are written in sRGB.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

_HEX = re.compile(r"^#([0-9a-fA-F]{6})$")


def parse_color(value: Any) -> tuple[float, float, float]:
    """``"#rrggbb"`` or ``[r, g, b]`` in 0..1 -> a tuple of three floats in 0..1 (sRGB).

    Raises
    ------
    ValueError
        With what was expected and what was given (pydantic turns it into a scene error).
    """
    if isinstance(value, str):
        m = _HEX.match(value.strip())
        if not m:
            raise ValueError(f"expected a colour as '#rrggbb' or [r, g, b] in 0..1, got {value!r}")
        h = m.group(1)
        return tuple(int(h[i : i + 2], 16) / 255.0 for i in (0, 2, 4))
    if isinstance(value, (list, tuple)) and len(value) == 3:
        if any(isinstance(c, bool) or not isinstance(c, (int, float)) for c in value):
            raise ValueError(f"colour components must be numbers in 0..1, got {list(value)!r}")
        if any(c < 0 or c > 1 for c in value):
            raise ValueError(
                f"colour components must be in 0..1, got {list(value)!r} "
                "(for 0..255 values write a hex colour like '#ff8800')"
            )
        return tuple(float(c) for c in value)
    raise ValueError(f"expected a colour as '#rrggbb' or [r, g, b] in 0..1, got {value!r}")


def to_hex(color: Any) -> str:
    """``"#rrggbb"`` of a colour in any accepted form."""
    r, g, b = parse_color(color)
    return "#" + "".join(f"{round(c * 255):02x}" for c in (r, g, b))


def srgb_to_linear(c: Any) -> np.ndarray:
    """sRGB components in 0..1 -> linear light (IEC 61966-2-1)."""
    c = np.asarray(c, dtype=np.float64)
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(c: Any) -> np.ndarray:
    """Linear light in 0..1 -> sRGB components (IEC 61966-2-1)."""
    c = np.clip(np.asarray(c, dtype=np.float64), 0.0, None)
    return np.where(c <= 0.0031308, c * 12.92, 1.055 * np.power(c, 1.0 / 2.4) - 0.055)
