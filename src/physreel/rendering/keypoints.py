"""People's keypoints in images: projection, visibility, and the ControlNet OpenPose drawing.

The drawing follows controlnet_aux's ``draw_bodypose`` (the images the OpenPose ControlNets were
trained on): on black, the 17 limbs of COCO-18 as filled ellipses (half-width 4 px, along the
limb) in 0.6 x their colour, drawn in order, then the 18 keypoints as filled circles (radius
4 px) in full colour; a limb is drawn only when both its ends are visible.  Pixel coordinates
are truncated to integers, as there.  Colours and limb order are data
(``physreel/data/keypoints.json``).
"""

from __future__ import annotations

import math

import numpy as np

from ..assets.keypoints import layout
from .flow import visible_in_depth


def project(view, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pixel coordinates and camera depth of world points through a camera.

    Parameters
    ----------
    view : CameraFrame (``K``, ``world_to_camera``; OpenCV axes, pixel centres at +0.5)
    points : (..., 3) float64, world metres

    Returns
    -------
    xy : (..., 2) float64, pixels ``[x, y]`` (x right, y down); NaN behind the camera
    z : (...) float64, metres along the camera axis
    """
    p = np.asarray(points, dtype=np.float64)
    cam = p @ view.world_to_camera[:3, :3].T + view.world_to_camera[:3, 3]
    z = cam[..., 2]
    safe = np.where(z > 1e-9, z, np.nan)
    uvw = cam @ np.asarray(view.K).T
    return np.stack([uvw[..., 0] / safe, uvw[..., 1] / safe], axis=-1), z


def visible(xy: np.ndarray, z: np.ndarray, depth: np.ndarray, tolerance: float) -> np.ndarray:
    """Which keypoints the camera sees: in the image, in front of the camera, and not more than
    ``tolerance`` metres behind the surface the depth map shows there (keypoints sit inside the
    body: a wrist is a few centimetres under the skin of the forearm seen in front of it).

    Parameters
    ----------
    xy : (..., 2) pixels; z : (...) metres; depth : (H, W) float32 z-depth, 0 = background
    tolerance : float, metres

    Returns
    -------
    (...) bool
    """
    h, w = depth.shape
    x, y = xy[..., 0], xy[..., 1]
    with np.errstate(invalid="ignore"):
        on = np.isfinite(x) & np.isfinite(y) & (z > 1e-6) & (x >= 0) & (x < w) & (y >= 0) & (y < h)
    out = np.zeros(z.shape, dtype=bool)
    if on.any():
        out[on] = visible_in_depth(x[on], y[on], z[on], depth, rel_tol=0.0, abs_tol=tolerance)
    return out


def depth_tolerance(height: float) -> float:
    """Metres a keypoint may lie behind the visible surface and still count as seen: the depth
    of a joint centre under the skin (10 cm for a 1.75 m person, scaled by height)."""
    return 0.1 * height / 1.75


def draw_openpose(height: int, width: int, people: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """The ControlNet OpenPose image of people.

    Parameters
    ----------
    height, width : image size, pixels
    people : per person, COCO-18 keypoints (18, 2) float pixels ``[x, y]`` and visibility (18,) bool

    Returns
    -------
    (H, W, 3) uint8 RGB
    """
    from PIL import Image, ImageDraw

    t = layout()
    limbs = t["openpose_limbs"]
    colors = [tuple(c) for c in t["openpose_colors"]]
    half = t["openpose_stick_half_width"]
    radius = t["openpose_point_radius"]
    dim = t["openpose_limb_dim"]
    img = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(img)
    for xy, vis in people:
        for (a, b), color in zip(limbs, colors, strict=False):
            if not (vis[a] and vis[b]):
                continue
            draw.polygon(_ellipse(xy[a], xy[b], half), fill=tuple(int(c * dim) for c in color))
        for k, color in enumerate(colors):
            if vis[k]:
                x, y = int(xy[k, 0]), int(xy[k, 1])
                draw.ellipse([x - radius, y - radius, x + radius, y + radius], fill=color)
    return np.asarray(img)


def _ellipse(p: np.ndarray, q: np.ndarray, half_width: int) -> list[tuple[int, int]]:
    """The polygon of OpenCV's ``ellipse2Poly`` for a limb from ``p`` to ``q`` (1 degree steps)."""
    cx, cy = int((p[0] + q[0]) / 2), int((p[1] + q[1]) / 2)
    length = math.hypot(p[0] - q[0], p[1] - q[1])
    angle = math.radians(int(math.degrees(math.atan2(p[1] - q[1], p[0] - q[0]))))
    a, b = int(length / 2), half_width
    ca, sa = math.cos(angle), math.sin(angle)
    pts = []
    for deg in range(0, 361):
        t = math.radians(deg)
        x = a * math.cos(t)
        y = b * math.sin(t)
        pts.append((round(cx + x * ca - y * sa), round(cy + x * sa + y * ca)))
    return pts
