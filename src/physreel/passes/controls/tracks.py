"""``tracks`` control: a Diffusion-as-Shader-style tracking video: every track drawn as a small
disc coloured by its frame-0 ``[x / W, y / H, normalised inverse depth]``, on black."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from ..registry import Control, Doc, register_control


def track_colors(
    tracks_2d: np.ndarray, tracks_3d: np.ndarray, width: int, height: int
) -> np.ndarray:
    """Per-track colour from its frame-0 position: ``[x / W, y / H, normalised 1/z]``.

    Parameters
    ----------
    tracks_2d : (N, T, 2) float, pixels
        TAP-Vid tracks ``[x, y]``.
    tracks_3d : (N, T, 3) float, metres
        Camera-frame points; ``z`` gives the inverse depth, normalised to [0, 1] over the tracks
        (nearest = 1).
    width, height : int
        Image size.

    Returns
    -------
    (N, 3) uint8
        Frame-0 values; a point behind the camera at frame 0 takes its first finite frame.
    """
    xy = np.asarray(tracks_2d, dtype=np.float64)
    z = np.asarray(tracks_3d, dtype=np.float64)[..., 2]
    ok = np.isfinite(xy).all(-1) & (z > 0)
    first = np.argmax(ok, axis=1)
    rows = np.arange(len(xy))
    x0, y0, z0 = xy[rows, first, 0], xy[rows, first, 1], z[rows, first]
    inv = np.where(z0 > 0, 1.0 / np.where(z0 > 0, z0, 1.0), 0.0)
    lo, hi = (inv.min(), inv.max()) if len(inv) else (0.0, 1.0)
    c = np.stack(
        [x0 / width, y0 / height, (inv - lo) / (hi - lo) if hi > lo else np.ones_like(inv)],
        axis=1,
    )
    return np.rint(np.clip(np.nan_to_num(c), 0, 1) * 255).astype(np.uint8)


def tracking_video_frame(
    tracks_2d_t: np.ndarray,
    visible_t: np.ndarray,
    colors: np.ndarray,
    height: int,
    width: int,
    radius: int = 2,
    depth_t: np.ndarray | None = None,
) -> np.ndarray:
    """One frame of a Diffusion-as-Shader-style tracking video.

    Parameters
    ----------
    tracks_2d_t : (N, 2) float, pixels
        Track positions ``[x, y]`` at this frame.
    visible_t : (N,) bool
        Which tracks to draw (not occluded).
    colors : (N, 3) uint8
        Colour of each track (:func:`track_colors`).
    height, width : int
        Image size.
    radius : int
        Disc radius, pixels (a disc of pixel centres within ``radius`` of the track).
    depth_t : (N,) float, optional
        Depth of each track; where discs overlap the nearer track wins (otherwise the later
        track in the list).

    Returns
    -------
    (H, W, 3) uint8
        Discs on black.
    """
    out = np.zeros((height, width, 3), dtype=np.uint8)
    xy = np.asarray(tracks_2d_t, dtype=np.float64)
    vis = np.asarray(visible_t, dtype=bool) & np.isfinite(xy).all(axis=1)
    idx = np.flatnonzero(vis)
    if idx.size == 0:
        return out
    r = int(radius)
    oy, ox = np.mgrid[-r : r + 1, -r : r + 1]
    # the centre pixel of a track at continuous (x, y) is floor(x), floor(y)
    cx = np.floor(xy[idx, 0]).astype(np.int64)
    cy = np.floor(xy[idx, 1]).astype(np.int64)
    disc = (ox * ox + oy * oy) <= r * r + r  # a rounder small disc than <= r^2
    px = (cx[:, None] + ox[disc][None]).ravel()
    py = (cy[:, None] + oy[disc][None]).ravel()
    owner = np.repeat(np.arange(idx.size), int(disc.sum()))
    inside = (px >= 0) & (px < width) & (py >= 0) & (py < height)
    px, py, owner = px[inside], py[inside], owner[inside]
    if depth_t is not None:
        prio = np.asarray(depth_t, dtype=np.float64)[idx][owner]  # nearer first
    else:
        prio = -owner.astype(np.float64)  # later track first
    flat = py * width + px
    order = np.lexsort((prio, flat))
    flat_sorted = flat[order]
    first = np.concatenate([[True], flat_sorted[1:] != flat_sorted[:-1]])
    win = order[first]
    out.reshape(-1, 3)[flat[win]] = np.asarray(colors, dtype=np.uint8)[idx][owner[win]]
    return out



def tracking_video(tracks: dict, width: int, height: int) -> Iterator[np.ndarray]:
    """Every frame of the tracking video of TAP-Vid ``tracks`` (``tracks_2d``, ``occluded``,
    ``tracks_3d``), (H, W, 3) uint8 each."""
    colors = track_colors(tracks["tracks_2d"], tracks["tracks_3d"], width, height)
    for t in range(tracks["tracks_2d"].shape[1]):
        yield tracking_video_frame(tracks["tracks_2d"][:, t], ~tracks["occluded"][:, t], colors, height, width,
                                   depth_t=tracks["tracks_3d"][:, t, 2])


register_control(Control(
    name="tracks",
    needs=("tracks",),
    clip=lambda files, state: tracking_video(files.values["tracks"], files.clip.width, files.clip.height),
    meaning="Diffusion-as-Shader style tracking video: points coloured by their frame-0 x, y and inverse depth",
    doc=Doc("Diffusion-as-Shader-style tracking video"),
))
