"""Exact optical flow and occlusion from known poses, camera motion and depth.

A pixel's surface point is lifted with its depth, carried with its object from frame ``t`` to
another frame ``o`` (``o = t + 1`` for forward flow, ``o = t - 1`` for backward flow) and
projected into camera ``o``.  Nothing is estimated: with exact depth and poses the flow is exact
up to float32 rounding.

Conventions
-----------
- Pixel ``(u, v)`` (column, row) is centred at ``(u + 0.5, v + 0.5)`` (see
  :mod:`physreel.rendering.camera`).  Flow is ``[dx, dy]`` in pixels, x right, y down:
  the point seen at the centre of pixel ``(u, v)`` in frame ``t`` is seen at
  ``(u + 0.5 + dx, v + 0.5 + dy)`` in frame ``o``.
- Depth is z-depth in metres along the OpenCV camera axis; ``0`` means background.
- Segmentation id ``k >= 1`` is object index ``k - 1`` of the poses arrays; ``0`` is background.
- Background pixels (depth 0) are treated as points at infinity: their flow is the flow induced
  by the camera *rotation* only (the homography ``K_o R_o R_t^T K_t^-1``; camera translation
  does not move points at infinity).  They are occluded only when that direction leaves the
  image or falls behind camera ``o``, or when surfaces (depth > 0) cover the whole 2x2
  neighbourhood of the landing position in frame ``o``.
- Occluded (True) means the surface point has no visible counterpart in frame ``o``: it lands
  off-screen, behind the camera, on an object that is not present in ``o``, or behind another
  surface of the depth map of frame ``o``.  The depth test compares the moved point's depth
  ``z`` with the 2x2 depth neighbourhood of its landing position in ``depth_o`` (background
  counting as infinitely far): the point is visible when
  ``z <= max(neighbourhood) * (1 + 0.01) + 0.005`` (1 % relative + 5 mm).  Taking the maximum
  of the neighbourhood avoids false occlusions at silhouettes and on grazing surfaces, at the
  price of calling a point visible within about one pixel of an occluder's edge.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from physreel.errors import InputError
from physreel.rendering.camera import CameraFrame

#: Relative and absolute tolerance of the depth test (see module docstring).
DEPTH_REL_TOL = 0.01
DEPTH_ABS_TOL = 0.005
# A moved point closer to the camera plane than this (metres) counts as behind the camera.
_MIN_Z = 1e-6


@dataclass(frozen=True)
class FlowResult:
    """Optical flow from frame ``t`` to frame ``o``.

    Attributes
    ----------
    flow : (H, W, 2) float32, pixels
        ``[dx, dy]``, x right, y down.  0 where the moved point is behind camera ``o``
        (undefined there; such pixels are occluded).
    occluded : (H, W) bool
        True where the pixel's point has no visible counterpart in frame ``o``.
    """

    flow: np.ndarray
    occluded: np.ndarray


def max_depth_2x2(depth: np.ndarray) -> np.ndarray:
    """(H + 1, W + 1) float32: for each 2x2 pixel neighbourhood, its largest depth.

    Background (0) counts as +inf.  Entry ``[j, i]`` covers pixels ``(j - 1, j)`` x
    ``(i - 1, i)`` (clamped at the border), i.e. the neighbourhood of a continuous position
    ``(x, y)`` is entry ``[floor(y - 0.5) + 1, floor(x - 0.5) + 1]``.
    """
    d = np.asarray(depth, dtype=np.float32)
    d = np.where(d > 0, d, np.float32(np.inf))
    p = np.pad(d, 1, mode="edge")
    return np.maximum(np.maximum(p[:-1, :-1], p[:-1, 1:]), np.maximum(p[1:, :-1], p[1:, 1:]))


def visible_in_depth(
    x: np.ndarray,
    y: np.ndarray,
    z: np.ndarray,
    depth: np.ndarray,
    rel_tol: float = DEPTH_REL_TOL,
    abs_tol: float = DEPTH_ABS_TOL,
    dmax: np.ndarray | None = None,
) -> np.ndarray:
    """Whether points at continuous pixel positions are in front of (or on) a depth map.

    Parameters
    ----------
    x, y : (M,) float, pixels
        Continuous pixel coordinates (pixel centres at ``+0.5``); must lie inside the image.
    z : (M,) float, metres
        Depth of each point along the camera axis (> 0).
    depth : (H, W) float, metres
        Z-depth map, 0 = background (counted as infinitely far).
    rel_tol, abs_tol : float
        Tolerances (relative, and metres).
    dmax : (H + 1, W + 1) float32, optional
        :func:`max_depth_2x2` of ``depth``, when already computed.

    Returns
    -------
    (M,) bool
        True where ``z <= max(2x2 neighbourhood of depth) * (1 + rel_tol) + abs_tol``; the
        neighbourhood is the four pixel centres around ``(x, y)`` (clamped at the border).
    """
    h, w = depth.shape
    if dmax is None:
        dmax = max_depth_2x2(depth)
    i = np.clip(np.floor(np.asarray(x) - 0.5).astype(np.intp) + 1, 0, w)
    j = np.clip(np.floor(np.asarray(y) - 0.5).astype(np.intp) + 1, 0, h)
    return z <= dmax[j, i] * np.float32(1.0 + rel_tol) + np.float32(abs_tol)


def _object_transforms(
    cam_t: CameraFrame,
    cam_o: CameraFrame,
    poses_t: np.ndarray,
    poses_o: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Per-id pixel transforms ``h = z * A_k @ [u, v, 1] + b_k`` (float64).

    Row 0 is the static world (identity object motion), row ``k`` object ``k - 1``.  ``h`` is
    the homogeneous pixel in camera ``o`` times its depth there (``h[2]`` is that depth).
    """
    n = poses_t.shape[0]
    motion = np.empty((n + 1, 4, 4))
    motion[0] = np.eye(4)
    if n:
        # world(t) -> world(o) per object; rigid inverse (never raises, even for the NaN
        # pose of an object that is absent at t and so owns no pixel)
        inv_t = np.zeros_like(poses_t)
        rt = np.swapaxes(poses_t[:, :3, :3], 1, 2)
        inv_t[:, :3, :3] = rt
        inv_t[:, :3, 3] = -np.einsum("nij,nj->ni", rt, poses_t[:, :3, 3])
        inv_t[:, 3, 3] = 1.0
        motion[1:] = poses_o @ inv_t
    cam_t_to_world = np.linalg.inv(cam_t.world_to_camera)
    m = cam_o.world_to_camera @ motion @ cam_t_to_world  # camera t -> camera o, per id
    k_o = cam_o.K
    a = k_o @ m[:, :3, :3] @ np.linalg.inv(cam_t.K)
    b = m[:, :3, 3] @ k_o.T
    return a, b


def compute_flow(
    depth_t: np.ndarray,
    seg_t: np.ndarray,
    cam_t: CameraFrame,
    cam_o: CameraFrame,
    poses_t: np.ndarray,
    poses_o: np.ndarray,
    depth_o: np.ndarray,
    present_o: np.ndarray | None = None,
) -> FlowResult:
    """Exact optical flow and occlusion from frame ``t`` to frame ``o``.

    Parameters
    ----------
    depth_t : (H, W) float32, metres
        Z-depth of frame ``t``, 0 = background.
    seg_t : (H, W) uint16
        Instance ids of frame ``t``: 0 background, ``k`` = object ``k - 1``.  A pixel with
        depth > 0 and id 0 is treated as static world geometry.
    cam_t, cam_o : CameraFrame
        The camera at frames ``t`` and ``o`` (same image size).
    poses_t, poses_o : (N, 4, 4) float, object-to-world
        Poses of every object at frames ``t`` and ``o`` (``Trajectory.pose_matrix``).
    depth_o : (H, W) float32, metres
        Z-depth of frame ``o`` (for the occlusion test), 0 = background.
    present_o : (N,) bool, optional
        Whether each object exists at frame ``o``; pixels of absent objects are occluded.

    Returns
    -------
    FlowResult
        ``flow`` (H, W, 2) float32 pixels ``[dx, dy]`` and ``occluded`` (H, W) bool.  See the
        module docstring for the background and occlusion rules.
    """
    depth_t = np.asarray(depth_t, dtype=np.float32)
    seg_t = np.asarray(seg_t)
    depth_o = np.asarray(depth_o, dtype=np.float32)
    poses_t = np.asarray(poses_t, dtype=np.float64).reshape(-1, 4, 4)
    poses_o = np.asarray(poses_o, dtype=np.float64).reshape(-1, 4, 4)
    h, w = depth_t.shape
    if seg_t.shape != (h, w) or depth_o.shape != (h, w):
        raise InputError(
            f"compute_flow: depth_t {depth_t.shape}, seg_t {seg_t.shape} and depth_o "
            f"{depth_o.shape} must have the same (H, W) shape"
        )
    if (cam_t.width, cam_t.height) != (w, h) or (cam_o.width, cam_o.height) != (w, h):
        raise InputError(
            f"compute_flow: cameras are {cam_t.width}x{cam_t.height} and "
            f"{cam_o.width}x{cam_o.height} but the maps are {w}x{h}; render both frames with "
            "the same camera size"
        )
    if poses_t.shape != poses_o.shape:
        raise InputError(
            f"compute_flow: poses_t {poses_t.shape} and poses_o {poses_o.shape} must list "
            "the same objects"
        )
    n = poses_t.shape[0]
    ids = seg_t.astype(np.intp, copy=False)
    if ids.size and int(ids.max()) > n:
        raise InputError(
            f"compute_flow: segmentation id {int(ids.max())} but only {n} object poses given "
            "(id k is object k - 1)"
        )

    a, b = _object_transforms(cam_t, cam_o, poses_t, poses_o)
    # Table of per-id coefficients, one column per id: 0 static world, 1..n objects, n + 1 the
    # background (points at infinity: camera rotation only, no translation, unit "depth").
    table = np.zeros((12, n + 2), dtype=np.float32)
    table[:9, : n + 1] = a.reshape(n + 1, 9).T
    table[9:, : n + 1] = b.T
    table[:9, n + 1] = a[0].reshape(9)
    fg = depth_t > 0
    ids = np.where(fg, ids, n + 1)
    g = np.take(table, ids, axis=1)  # (12, H, W)
    z = np.where(fg, depth_t, np.float32(1.0))
    u = np.arange(w, dtype=np.float32) + np.float32(0.5)
    v = (np.arange(h, dtype=np.float32) + np.float32(0.5))[:, None]
    hom = []
    for r in range(3):
        t = g[3 * r] * u
        t += g[3 * r + 1] * v
        t += g[3 * r + 2]
        t *= z
        t += g[9 + r]
        hom.append(t)
    hx, hy, hz = hom
    behind = hz <= np.where(fg, np.float32(_MIN_Z), np.float32(0.0))
    hz = np.where(behind, np.float32(1.0), hz)
    x_o = hx / hz
    y_o = hy / hz
    x_o[behind] = np.broadcast_to(u, (h, w))[behind]
    y_o[behind] = np.broadcast_to(v, (h, w))[behind]
    flow = np.empty((h, w, 2), dtype=np.float32)
    np.subtract(x_o, u, out=flow[..., 0])
    np.subtract(y_o, v, out=flow[..., 1])
    occluded = _occlusion(x_o, y_o, hz, behind, fg, ids, n, present_o, depth_o)
    return FlowResult(flow=flow, occluded=occluded)


def occlusion_from_motion(
    flow: np.ndarray,
    depth_other: np.ndarray,
    depth_t: np.ndarray,
    seg_t: np.ndarray,
    depth_o: np.ndarray,
    present_o: np.ndarray | None = None,
) -> np.ndarray:
    """Occlusion from the renderer's per-pixel motion, by the rules of :func:`compute_flow`.

    The renderer's geometry pass carries every surface point to frame ``o`` with the poses and
    camera of that frame (``SceneRenderer.render`` outputs ``motion_next`` / ``motion_prev``,
    whose ``flow`` is the flow itself).

    Parameters
    ----------
    flow : (H, W, 2) float32, pixels
        ``(dx, dy)`` to frame ``o`` (0 where the point is behind camera ``o``).
    depth_other : (H, W) float32, metres
        The point's z-depth in camera ``o`` (background: the homogeneous depth of its
        direction).
    depth_t, seg_t, depth_o, present_o : as in :func:`compute_flow` (``seg_t`` id ``k`` is
        object ``k - 1`` of ``present_o``).

    Returns
    -------
    (H, W) bool, True = occluded in frame ``o``
    """
    depth_t = np.asarray(depth_t, dtype=np.float32)
    h, w = depth_t.shape
    fg = depth_t > 0
    n = len(present_o) if present_o is not None else int(seg_t.max(initial=0))
    ids = np.where(fg, seg_t.astype(np.intp, copy=False), n + 1)
    behind = depth_other <= np.where(fg, np.float32(_MIN_Z), np.float32(0.0))
    x_o = flow[..., 0] + (np.arange(w, dtype=np.float32) + np.float32(0.5))
    y_o = flow[..., 1] + (np.arange(h, dtype=np.float32) + np.float32(0.5))[:, None]
    return _occlusion(x_o, y_o, depth_other, behind, fg, ids, n, present_o, np.asarray(depth_o, dtype=np.float32))


def _occlusion(x_o, y_o, z_o, behind, fg, ids, n, present_o, depth_o) -> np.ndarray:
    """(H, W) bool: behind camera ``o``, off-screen, absent in ``o``, or hidden in ``depth_o``."""
    h, w = depth_o.shape
    occluded = behind | (x_o < 0) | (x_o >= w) | (y_o < 0) | (y_o >= h)
    np.logical_or(occluded, ~np.isfinite(x_o) | ~np.isfinite(y_o), out=occluded)
    if present_o is not None:
        absent = np.concatenate([[False], ~np.asarray(present_o, dtype=bool).reshape(n), [False]])
        occluded |= absent[ids]
    # Depth test in frame o.  Background (at infinity) is hidden by anything in front of it.
    dmax = max_depth_2x2(depth_o)
    check = ~occluded
    zt = np.where(fg, z_o, np.float32(np.inf))
    xi = np.clip(np.floor(np.where(check, x_o, 0) - np.float32(0.5)).astype(np.intp) + 1, 0, w)
    yi = np.clip(np.floor(np.where(check, y_o, 0) - np.float32(0.5)).astype(np.intp) + 1, 0, h)
    limit = dmax[yi, xi] * np.float32(1.0 + DEPTH_REL_TOL) + np.float32(DEPTH_ABS_TOL)
    hidden = zt > limit  # background: visible when any of the 4 neighbours is background
    occluded |= check & hidden
    return occluded


def warp(image_o: np.ndarray, flow: np.ndarray) -> np.ndarray:
    """Backward-warp image ``o`` into frame ``t`` with the flow ``t -> o`` (bilinear).

    Parameters
    ----------
    image_o : (H, W) or (H, W, C) array
        The image of frame ``o``.
    flow : (H, W, 2) float, pixels
        Flow from frame ``t`` to frame ``o`` (:func:`compute_flow`).

    Returns
    -------
    (H, W) or (H, W, C) float32
        ``out[v, u] = image_o`` sampled at ``(u + 0.5 + dx, v + 0.5 + dy)`` (bilinear between
        pixel centres, clamped at the border).
    """
    img = np.asarray(image_o, dtype=np.float32)
    squeeze = img.ndim == 2
    if squeeze:
        img = img[..., None]
    h, w, c = img.shape
    # Sample position in index space (pixel centres at integers).  Everything stays float32 and
    # the four taps are gathered per channel plane (8x faster at 512x512 than float64 indexing).
    x = np.clip(np.arange(w, dtype=np.float32) + flow[..., 0], 0, w - 1)
    y = np.clip(np.arange(h, dtype=np.float32)[:, None] + flow[..., 1], 0, h - 1)
    x0 = np.minimum(np.floor(x).astype(np.intp), w - 2 if w > 1 else 0)
    y0 = np.minimum(np.floor(y).astype(np.intp), h - 2 if h > 1 else 0)
    dx1 = 1 if w > 1 else 0
    dy1 = w if h > 1 else 0
    fx = x - x0.astype(np.float32)
    fy = y - y0.astype(np.float32)
    i00 = (y0 * w + x0).ravel()
    i01, i10 = i00 + dx1, i00 + dy1
    i11 = i10 + dx1
    fx, fy = fx.ravel(), fy.ravel()
    out = np.empty((h, w, c), dtype=np.float32)
    for ch in range(c):  # one contiguous plane at a time: 1-D gathers are the fast kind
        plane = np.ascontiguousarray(img[..., ch]).ravel()
        top = plane[i00]
        top += (plane[i01] - top) * fx
        bot = plane[i10]
        bot += (plane[i11] - bot) * fx
        top += (bot - top) * fy
        out[..., ch] = top.reshape(h, w)
    return out[..., 0] if squeeze else out
