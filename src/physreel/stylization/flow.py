"""Exact flow, occlusion and warp-safety between any two frames of a render folder.

Nothing is estimated: the flow from frame ``t`` to frame ``k`` lifts every pixel of ``t`` with
its depth, carries it with its object's pose (``metadata.json``) and projects it into the
camera of frame ``k`` (:func:`physreel.rendering.flow.compute_flow`, the code that writes the
``flow_*`` passes).  Needs the ``depth`` and ``segmentation`` passes.

Conventions (as the ``flow_*`` passes): ``flow[v, u] = [dx, dy]`` pixels, x right, y down; the
point at the centre of pixel ``(u, v)`` of frame ``t`` is at ``(u + 0.5 + dx, v + 0.5 + dy)`` in
frame ``k``.  Occluded (True) = the point is hidden, off-screen or absent in frame ``k``.
"""

from __future__ import annotations

import numpy as np

from ..errors import ArgumentError
from ..rendering.flow import FlowResult, compute_flow
from ..rendering.flow import warp as warp_image
from .source import RenderFrames, frames_of

__all__ = ["FlowResult", "flow_between", "landing_taps_match", "occlusion_between", "warp_image",
           "warp_safe_between"]


def _check_frame(frames: RenderFrames, t: int, what: str) -> int:
    if not isinstance(t, int | np.integer) or not 0 <= int(t) < frames.num_frames:
        raise ArgumentError(f"{what} must be a frame index in 0..{frames.num_frames - 1}, got {t!r}")
    return int(t)


def flow_between(render, t: int, k: int, camera: str | None = None) -> FlowResult:
    """Exact optical flow and occlusion from frame ``t`` to frame ``k`` (any two frames).

    Parameters
    ----------
    render : render folder path, :class:`~physreel.outputs.reader.RenderOutput` or
        :class:`~physreel.stylization.source.RenderFrames` (reuse one for many calls)
    t, k : int
        Frame indices (``k`` may be before or after ``t``; ``k == t`` gives zero flow).
    camera : camera name (default: the first)

    Returns
    -------
    FlowResult
        ``flow`` (H, W, 2) float32 pixels ``[dx, dy]`` and ``occluded`` (H, W) bool.
    """
    frames = frames_of(render, camera)
    t = _check_frame(frames, t, "t")
    k = _check_frame(frames, k, "k")
    frames.require(["depth", "segmentation"], "flow between frames")
    depth = frames.array("depth")
    seg = frames.array("segmentation")
    return compute_flow(np.asarray(depth[t]), np.asarray(seg[t]), frames.view(t), frames.view(k),
                        frames.poses(t), frames.poses(k), np.asarray(depth[k]), frames.present(k))


def occlusion_between(render, t: int, k: int, camera: str | None = None) -> np.ndarray:
    """(H, W) bool: True where the surface seen in frame ``t`` is not visible in frame ``k``."""
    return flow_between(render, t, k, camera).occluded


def landing_taps_match(flow: np.ndarray, seg_t: np.ndarray, seg_k: np.ndarray) -> np.ndarray:
    """(H, W) bool: all four bilinear taps of each pixel's landing point carry its own id.

    Plain occlusion is not enough to blend a warped image safely: a pixel next to a moving
    object lands between its own surface and the object, and bilinear sampling mixes the
    object's colour in (streaks trail behind moving objects).  This checks that the four pixel
    centres around ``(u + 0.5 + dx, v + 0.5 + dy)`` in frame ``k`` belong to the same segment as
    pixel ``(u, v)`` of frame ``t``.

    Parameters
    ----------
    flow : (H, W, 2) float, pixels, from frame ``t`` to frame ``k``
    seg_t, seg_k : (H, W) int, instance ids of frames ``t`` and ``k``
    """
    h, w = seg_t.shape
    # sample position in index space (pixel centres at integers), as rendering.flow.warp
    x = np.clip(np.arange(w, dtype=np.float32) + flow[..., 0], 0, w - 1)
    y = np.clip(np.arange(h, dtype=np.float32)[:, None] + flow[..., 1], 0, h - 1)
    x0 = x.astype(np.intp)  # floor: x >= 0
    y0 = y.astype(np.intp)
    # the second tap, unless the landing point is exactly on a pixel column/row (zero weight)
    dx = ((x > x0) & (x0 < w - 1)).astype(np.intp)
    dy = ((y > y0) & (y0 < h - 1)).astype(np.intp) * w
    i00 = (y0 * w + x0).ravel()
    dx, dy = dx.ravel(), dy.ravel()
    flat = np.ascontiguousarray(seg_k).ravel()
    own = np.ascontiguousarray(seg_t).ravel()
    ok = flat[i00] == own
    ok &= flat[i00 + dx] == own
    ok &= flat[i00 + dy] == own
    ok &= flat[i00 + dx + dy] == own
    return ok.reshape(h, w)


def warp_safe(res: FlowResult, seg_t: np.ndarray, seg_k: np.ndarray) -> np.ndarray:
    """(H, W) bool: not occluded and :func:`landing_taps_match` (frame ``t`` -> ``k``)."""
    return ~res.occluded & landing_taps_match(res.flow, seg_t, seg_k)


def warp_safe_between(render, t: int, k: int, camera: str | None = None) -> tuple[FlowResult, np.ndarray]:
    """Flow from ``t`` to ``k`` and the pixels of ``t`` where a warped image of frame ``k``
    may be blended in (see :func:`landing_taps_match`)."""
    frames = frames_of(render, camera)
    res = flow_between(frames, t, k)
    seg = frames.array("segmentation")
    return res, warp_safe(res, np.asarray(seg[t]), np.asarray(seg[k]))
