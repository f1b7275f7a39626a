"""From scene light to image colours: exposure, the filmic curve, the sRGB transfer function.

The shaders write linear light times the exposure (``2 ** render.exposure``) and the final
pass applies :func:`tone_map` and the sRGB encoding (``glsl/color.glsl``, the same formulas).
The curve is the identity up to :data:`SHOULDER` -- so an albedo lit at the default rig's
level renders as its own colour -- and rolls the brightest channel off towards 1 above it,
scaling the three channels alike (hue kept, highlights compressed instead of clipped).

Colours that are meant to appear exactly as given (a ``color`` or ``gradient`` sky) are passed
through :func:`inverse_tone_map` before they are drawn, so that they come out unchanged.
"""

from __future__ import annotations

import numpy as np

from ..colors import linear_to_srgb

#: Linear value below which the curve is the identity (sRGB 225).
SHOULDER = 0.75
#: Largest value :func:`inverse_tone_map` returns (a display value of 1 has no finite preimage).
_CEILING = 4096.0


def exposure_scale(ev: float) -> float:
    """Linear factor of an exposure of ``ev`` stops."""
    return float(2.0 ** ev)


def tone_map(x: np.ndarray) -> np.ndarray:
    """(..., 3) linear light -> (..., 3) display-linear values in 0..1 (see module docstring)."""
    x = np.maximum(np.asarray(x, dtype=np.float64), 0.0)
    m = x.max(axis=-1, keepdims=True)
    t = np.maximum(m - SHOULDER, 0.0) / (1.0 - SHOULDER)
    mapped = SHOULDER + (1.0 - SHOULDER) * t / (1.0 + t)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(m > SHOULDER, x * (mapped / m), x)


def inverse_tone_map(y: np.ndarray) -> np.ndarray:
    """(..., 3) display-linear values in 0..1 -> linear light that :func:`tone_map` maps back to
    them (values whose brightest channel is 1 map to a very bright light, within 1e-4)."""
    y = np.clip(np.asarray(y, dtype=np.float64), 0.0, 1.0)
    m = y.max(axis=-1, keepdims=True)
    u = np.minimum((m - SHOULDER) / (1.0 - SHOULDER), 1.0 - 1e-6)
    t = np.maximum(u, 0.0) / (1.0 - np.maximum(u, 0.0))
    orig = np.minimum(SHOULDER + (1.0 - SHOULDER) * t, _CEILING)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(m > SHOULDER, y * (orig / m), y)


def to_display(x: np.ndarray) -> np.ndarray:
    """(..., 3) linear light (exposure applied) -> uint8 sRGB, as the renderer writes it."""
    return np.round(linear_to_srgb(np.minimum(tone_map(x), 1.0)) * 255.0).astype(np.uint8)
