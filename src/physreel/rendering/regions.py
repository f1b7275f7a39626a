"""Where a frame can have geometric edges: the screen regions anti-aliasing has to look at.

Outside the objects' projected bounds the image is floor and sky: the floor's checker and its
shadows are filtered as they are shaded, so only the floor's own border (against the sky) and
the objects need anti-aliasing.  Regions are conservative: a rectangle around each object's
projected bounding sphere and a strip along each side of the floor, a few pixels wide.
"""

from __future__ import annotations

import numpy as np

from .camera import CameraFrame

_MARGIN = 3.0  # pixels around a region (the edge search reads its neighbours' neighbours)
_NEAR = 1e-3  # metres: bounds reaching this close to the camera plane cover the whole image


def edge_regions(cam: CameraFrame, centres: np.ndarray, radii: np.ndarray,
                 floor_half: float | None) -> np.ndarray:
    """Triangles (M * 3, 2) float32 in normalised device coordinates (x right, y = image row
    direction) covering every pixel a geometric edge may touch.

    Parameters
    ----------
    cam : the camera
    centres : (N, 3) world centres of the objects' bounding spheres; radii : (N,) metres
    floor_half : half the floor's side (metres), or None without a floor
    """
    w, h = cam.width, cam.height
    quads: list[np.ndarray] = []
    rot, t = cam.world_to_camera[:3, :3], cam.world_to_camera[:3, 3]
    corners = np.array([[sx, sy, sz] for sx in (-1, 1) for sy in (-1, 1) for sz in (-1, 1)], dtype=np.float64)
    k = cam.K
    # the four side planes of the view pyramid (through the camera centre, normals inwards)
    sides = np.array([[k[0, 0], 0, k[0, 2]], [-k[0, 0], 0, w - k[0, 2]], [0, k[1, 1], k[1, 2]],
                      [0, -k[1, 1], h - k[1, 2]]], dtype=np.float64)
    sides /= np.linalg.norm(sides, axis=1, keepdims=True)
    for c, r in zip(np.asarray(centres, dtype=np.float64) @ rot.T + t, radii, strict=True):
        if (sides @ c < -r).any():
            continue  # entirely outside the view
        if c[2] - r <= _NEAR:
            return _rect(0, 0, w, h, w, h).astype(np.float32)  # reaching the camera plane: everything
        p = c + corners * r
        u = cam.K[0, 0] * p[:, 0] / p[:, 2] + cam.K[0, 2]
        v = cam.K[1, 1] * p[:, 1] / p[:, 2] + cam.K[1, 2]
        x0, x1 = max(u.min() - _MARGIN, 0.0), min(u.max() + _MARGIN, w)
        y0, y1 = max(v.min() - _MARGIN, 0.0), min(v.max() + _MARGIN, h)
        if x0 < x1 and y0 < y1:
            quads.append(_rect(x0, y0, x1, y1, w, h))
    if floor_half is not None:
        s = floor_half
        ring = np.array([[-s, -s, 0.0], [s, -s, 0.0], [s, s, 0.0], [-s, s, 0.0]]) @ rot.T + t
        for a, b in zip(ring, np.roll(ring, -1, axis=0), strict=True):
            strip = _strip(a, b, cam)
            if strip is not None:
                quads.append(strip)
    if not quads:
        return np.zeros((0, 2), dtype=np.float32)
    return np.concatenate(quads).astype(np.float32)


def _to_ndc(px: np.ndarray, w: int, h: int) -> np.ndarray:
    return np.stack([2.0 * px[:, 0] / w - 1.0, 2.0 * px[:, 1] / h - 1.0], axis=1)


def _rect(x0: float, y0: float, x1: float, y1: float, w: int, h: int) -> np.ndarray:
    p = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y0], [x1, y1], [x0, y1]])
    return _to_ndc(p, w, h)


def _strip(a: np.ndarray, b: np.ndarray, cam: CameraFrame) -> np.ndarray | None:
    """Two triangles along the projection of the camera-frame segment ``a``-``b`` (clipped to
    the front of the camera), ``_MARGIN`` pixels to each side."""
    za, zb = a[2], b[2]
    if za <= _NEAR and zb <= _NEAR:
        return None
    if za <= _NEAR or zb <= _NEAR:  # clip the part behind the camera
        s = (_NEAR - za) / (zb - za)
        cut = a + (b - a) * s
        a, b = (cut, b) if za <= _NEAR else (a, cut)
    k = cam.K
    pa = np.array([k[0, 0] * a[0] / a[2] + k[0, 2], k[1, 1] * a[1] / a[2] + k[1, 2]])
    pb = np.array([k[0, 0] * b[0] / b[2] + k[0, 2], k[1, 1] * b[1] / b[2] + k[1, 2]])
    d = pb - pa
    length = float(np.linalg.norm(d))
    if length < 1e-9:
        return None
    d = d / length * _MARGIN
    n = np.array([-d[1], d[0]])
    pa, pb = pa - d, pb + d
    p = np.array([pa - n, pb - n, pb + n, pa - n, pb + n, pa + n])
    return _to_ndc(p, cam.width, cam.height)
