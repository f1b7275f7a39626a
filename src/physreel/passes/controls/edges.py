"""``edges`` control: clean geometric line art (silhouettes, depth and crease discontinuities),
white (255) lines on black (0), one pixel wide."""

from __future__ import annotations

import numpy as np

from ...errors import InputError
from ..registry import Control, Doc, register_control


def edges_geometric(
    seg: np.ndarray,
    depth: np.ndarray,
    normals: np.ndarray | None = None,
    K: np.ndarray | None = None,
    depth_jump: float = 0.05,
    crease_deg: float = 30.0,
) -> np.ndarray:
    """Clean line art from the geometry: silhouettes, depth discontinuities and creases.

    For every pair of 4-neighbour pixels an edge is drawn on the NEARER pixel of the pair
    (background counts as infinitely far; ties go to the top/left pixel), which makes lines one
    pixel wide.  A pair is an edge when

    - silhouette: the instance ids differ;
    - depth discontinuity: the depths differ by more than ``depth_jump`` relative to the nearer
      one and, when ``normals`` and ``K`` are given, the farther point is off the tangent planes
      (max of both point-to-plane distances > 0.4 * ``depth_jump`` * nearer depth), so a floor
      seen at a grazing angle does not produce lines;
    - crease: both are foreground and their normals differ by more than ``crease_deg``.

    Parameters
    ----------
    seg : (H, W) int
        Instance ids, 0 = background.
    depth : (H, W) float, metres
        Z-depth, 0 = background.
    normals : (H, W, 3) float, optional
        Unit normals (any frame, the OpenCV camera frame when ``K`` is given).
    K : (3, 3) float, optional
        Intrinsics, for the tangent-plane check of depth discontinuities.
    depth_jump : float
        Relative depth jump threshold.
    crease_deg : float
        Crease angle threshold, degrees.

    Returns
    -------
    (H, W) uint8
        255 on edges, 0 elsewhere.
    """
    seg = np.asarray(seg)
    d = np.asarray(depth, dtype=np.float32)
    if seg.shape != d.shape:
        raise InputError(f"edges_geometric: seg {seg.shape} and depth {d.shape} differ in shape")
    zinf = np.where(d > 0, d, np.float32(np.inf))
    h, w = d.shape
    planes = None
    if normals is not None:
        # one contiguous plane per component: faster than summing over a last axis of 3
        planes = [
            np.ascontiguousarray(c) for c in np.moveaxis(np.asarray(normals, np.float32), -1, 0)
        ]
    kinv = None if K is None else np.linalg.inv(np.asarray(K, dtype=np.float64))
    cos_crease = np.float32(np.cos(np.deg2rad(crease_deg)))
    out = np.zeros(d.shape, dtype=bool)
    for axis in (0, 1):
        a = (slice(None, -1), slice(None)) if axis == 0 else (slice(None), slice(None, -1))
        b = (slice(1, None), slice(None)) if axis == 0 else (slice(None), slice(1, None))
        za, zb = zinf[a], zinf[b]
        both = (d[a] > 0) & (d[b] > 0)
        edge = seg[a] != seg[b]
        da, db = d[a], d[b]
        jump = both & (np.abs(da - db) > np.float32(depth_jump) * np.minimum(da, db))
        if planes is not None and kinv is not None:
            _keep_off_plane_jumps(jump, axis, d, planes, kinv, 0.4 * depth_jump)
        edge |= jump
        if planes is not None:
            dot = planes[0][a] * planes[0][b]
            dot += planes[1][a] * planes[1][b]
            dot += planes[2][a] * planes[2][b]
            edge |= both & (dot < cos_crease)
        a_nearer = za <= zb
        out[a] |= edge & a_nearer
        out[b] |= edge & ~a_nearer
    return np.where(out, 255, 0).astype(np.uint8)


def _keep_off_plane_jumps(
    jump: np.ndarray,
    axis: int,
    d: np.ndarray,
    planes: list[np.ndarray],
    kinv: np.ndarray,
    rel: float,
) -> None:
    """Clear depth jumps (in place) whose far point lies on the near point's tangent plane.

    ``jump[j, i]`` pairs pixel ``(j, i)`` with its neighbour along ``axis``.  A pair is kept
    when the larger of the two point-to-tangent-plane distances exceeds ``rel`` times the
    nearer depth (a floor seen at a grazing angle has both distances ~0).
    """
    jj, ii = np.nonzero(jump)
    if jj.size == 0:
        return
    jb, ib = (jj + 1, ii) if axis == 0 else (jj, ii + 1)

    def point(j, i):
        z = d[j, i].astype(np.float64)
        x = kinv[0, 0] * (i + 0.5) + kinv[0, 1] * (j + 0.5) + kinv[0, 2]
        y = kinv[1, 1] * (j + 0.5) + kinv[1, 2]
        return np.stack([x * z, y * z, z], axis=1)

    delta = point(jb, ib) - point(jj, ii)
    na = np.stack([p[jj, ii] for p in planes], axis=1)
    nb = np.stack([p[jb, ib] for p in planes], axis=1)
    dist = np.maximum(np.abs(np.sum(na * delta, 1)), np.abs(np.sum(nb * delta, 1)))
    znear = np.minimum(d[jj, ii], d[jb, ib])
    jump[jj[dist <= rel * znear], ii[dist <= rel * znear]] = False


register_control(Control(
    name="edges",
    needs=("depth", "segmentation", "normals"),
    frame=lambda b, state: edges_geometric(b["segmentation"], b["depth"], b["normals"], K=np.asarray(b.view.K)),
    meaning="geometric line art: silhouettes, depth and crease (> 30 degrees) discontinuities; white on black, 1 px",
    doc=Doc("clean geometric line art (silhouettes, depth and crease discontinuities)"),
))
