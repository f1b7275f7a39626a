"""``canny`` control: the classic Canny edge detector on the RGB frames (numpy / scipy only),
white (255) lines on black (0), one pixel wide."""

from __future__ import annotations

import numpy as np

from ...errors import InputError
from ..registry import Control, Doc, register_control


def _gaussian_kernel(sigma: float) -> np.ndarray:
    """Normalised 1-D Gaussian, radius ``round(4 sigma)`` (scipy's default); [1] for 0."""
    if sigma <= 0:
        return np.ones(1)
    r = int(4.0 * sigma + 0.5)
    x = np.arange(-r, r + 1, dtype=np.float64)
    k = np.exp(-0.5 * (x / sigma) ** 2)
    return k / k.sum()


def canny(
    rgb: np.ndarray, low: float = 100.0, high: float = 200.0, sigma: float = 1.0
) -> np.ndarray:
    """Classic Canny edge detector (numpy / scipy only).

    Steps: Gaussian blur (``sigma`` pixels; 0 disables it, as ``cv2.Canny`` itself does not
    blur), 3x3 Sobel per channel, per pixel the channel with the strongest gradient (as OpenCV
    does for colour images), L2 gradient magnitude, non-maximum suppression along the gradient
    direction quantised to 0/45/90/135 degrees, and hysteresis: pixels above ``high`` start
    edges, 8-connected pixels above ``low`` continue them.

    Parameters
    ----------
    rgb : (H, W, 3) or (H, W) uint8
        Image (0-255).
    low, high : float
        Hysteresis thresholds on the Sobel gradient magnitude of 0-255 intensities (the scale
        of ``cv2.Canny``; ControlNet's canny uses 100 / 200).
    sigma : float
        Gaussian blur, pixels.

    Returns
    -------
    (H, W) uint8
        255 on edges, 0 elsewhere.
    """
    from scipy import ndimage

    img = np.asarray(rgb, dtype=np.float32)
    if img.ndim == 2:
        img = img[..., None]
    if img.ndim != 3:
        raise InputError(f"canny: expected an (H, W) or (H, W, C) image, got shape {img.shape}")
    # Gaussian and Sobel are both separable: fold them into one 1-D kernel per axis
    # (derivative: [-1, 0, 1], smoothing: [1, 2, 1], each convolved with the Gaussian).
    g = _gaussian_kernel(sigma)
    k_diff = np.convolve(g, [-1.0, 0.0, 1.0])
    k_smooth = np.convolve(g, [1.0, 2.0, 1.0])
    gx = gy = mag2 = None
    for c in range(img.shape[2]):
        ch = np.ascontiguousarray(img[..., c])
        cx = ndimage.correlate1d(ch, k_diff, axis=1, mode="nearest")
        ndimage.correlate1d(cx, k_smooth, axis=0, output=cx, mode="nearest")
        cy = ndimage.correlate1d(ch, k_smooth, axis=1, mode="nearest")
        ndimage.correlate1d(cy, k_diff, axis=0, output=cy, mode="nearest")
        m2 = cx * cx + cy * cy
        if mag2 is None:
            gx, gy, mag2 = cx, cy, m2
        else:  # keep the channel with the strongest gradient (OpenCV's rule for colour)
            better = m2 > mag2
            gx = np.where(better, cx, gx)
            gy = np.where(better, cy, gy)
            mag2 = np.maximum(m2, mag2)
    mag = np.sqrt(mag2)
    h, w = mag.shape

    # Non-maximum suppression: compare with the two neighbours along the gradient, the
    # direction quantised to 0 / 45 / 90 / 135 degrees without computing angles.
    p = np.pad(mag, 1)

    def nb(dy: int, dx: int) -> np.ndarray:
        return p[1 + dy : 1 + dy + h, 1 + dx : 1 + dx + w]

    ax, ay = np.abs(gx), np.abs(gy)
    horiz = ay <= np.float32(np.tan(np.pi / 8)) * ax
    vert = ay > np.float32(np.tan(3 * np.pi / 8)) * ax
    slanted = ~(horiz | vert)
    same_sign = (gx > 0) == (gy > 0)
    diag = slanted & same_sign  # gradient towards down-right / up-left (y is down)
    anti = slanted & ~same_sign
    # ">" on one side and ">=" on the other keeps one pixel of a plateau (as OpenCV does)
    keep = (
        (horiz & (mag > nb(0, -1)) & (mag >= nb(0, 1)))
        | (diag & (mag > nb(-1, -1)) & (mag >= nb(1, 1)))
        | (vert & (mag > nb(-1, 0)) & (mag >= nb(1, 0)))
        | (anti & (mag > nb(-1, 1)) & (mag >= nb(1, -1)))
    )
    weak = keep & (mag > low)
    strong = keep & (mag > high)
    labels, count = ndimage.label(weak, structure=np.ones((3, 3), dtype=bool))
    if count == 0:
        return np.zeros((h, w), dtype=np.uint8)
    has_strong = np.zeros(count + 1, dtype=bool)
    has_strong[labels[strong]] = True
    has_strong[0] = False
    return np.where(has_strong[labels], 255, 0).astype(np.uint8)


register_control(Control(
    name="canny",
    needs=("rgb",),
    # the sharp image: motion blur and depth of field are the camera's, not the scene's edges
    frame=lambda bundle, state: canny(bundle["rgb"] if bundle.sharp_rgb is None else bundle.sharp_rgb),
    meaning="classic Canny edges of the RGB frames (thresholds 100, 200), before motion blur and depth of field",
    doc=Doc("classic Canny on the RGB (the sharp image: before motion blur and depth of field)"),
))
