"""Viewable colour maps of the ground-truth passes, for the MP4 previews.

These images are for looking at, not for models (see :mod:`physreel.outputs.control` for
conditioning images) or measurement (the lossless files hold the numbers).

- depth: the Turbo colour map (Mikhailov 2019, the 256-entry table, 8-bit) over inverse depth
  normalised with ONE clip-wide range, near = red end, far = dark blue end; background black.
- segmentation: a fixed palette by instance id (the PASCAL VOC bit-interleaving palette extended
  to 16-bit ids, so every id has its own colour and id 0 is black); the same id always gets the
  same colour, in every clip.
- normals: ``(n + 1) / 2`` of the OpenCV camera-frame normal (x right -> red, y down -> green,
  z forward -> blue); background black.
- flow: the Middlebury colour wheel of Baker et al. (55 colours: RY 15, YG 6, GC 4, CB 11,
  BM 13, MR 6), as in the ``flow_vis`` package: hue = direction, saturation = magnitude.
"""

from __future__ import annotations

import json
from importlib.resources import files

import numpy as np

from physreel.errors import InputError

#: Turbo colour map (Anton Mikhailov, Google, 2019; Apache-2.0): (256, 3) uint8, dark blue to
#: dark red; the table is data (``physreel/data/turbo.json``).
_TURBO = np.array(json.loads(files("physreel").joinpath("data/turbo.json").read_text(encoding="utf-8"))["colors"],
                  dtype=np.uint8)


def colorize_depth(depth: np.ndarray, near: float, far: float) -> np.ndarray:
    """Depth as Turbo colours with one clip-wide range.

    Parameters
    ----------
    depth : (H, W) float, metres
        Z-depth, 0 = background.
    near, far : float, metres
        Range of the whole clip (``0 < near < far``).

    Returns
    -------
    (H, W, 3) uint8
        Turbo of ``(1/d - 1/far) / (1/near - 1/far)`` (near = red end); background black.
    """
    from ..passes.controls.depth import inverse_depth_255

    fg, val = inverse_depth_255(depth, near, far, "colorize_depth")
    out = _TURBO[np.rint(val).astype(np.intp)]
    out[~fg] = 0
    return out


def _voc_palette(n: int) -> np.ndarray:
    """(n, 3) uint8: PASCAL VOC colour map, bits of the id spread over R, G, B from the top."""
    ids = np.arange(n, dtype=np.int64)
    rgb = np.zeros((n, 3), dtype=np.int64)
    for shift in range(8):
        for c in range(3):
            bit = (ids >> (3 * shift + c)) & 1
            rgb[:, c] |= bit << (7 - shift)
    return rgb.astype(np.uint8)


#: Colour of every uint16 instance id (id 0 black).  Ids differ in colour up to 2**16.
SEGMENTATION_PALETTE = _voc_palette(1 << 16)


def colorize_segmentation(seg: np.ndarray) -> np.ndarray:
    """Instance ids as fixed colours.

    Parameters
    ----------
    seg : (H, W) uint16 (or any non-negative int < 65536)
        Instance ids, 0 = background.

    Returns
    -------
    (H, W, 3) uint8
        :data:`SEGMENTATION_PALETTE` ``[seg]`` (background black).
    """
    s = np.asarray(seg)
    if s.size and (int(s.min()) < 0 or int(s.max()) >= 1 << 16):
        raise InputError("colorize_segmentation: ids must lie in [0, 65535]")
    return SEGMENTATION_PALETTE[s.astype(np.intp, copy=False)]


def colorize_normals(normals: np.ndarray) -> np.ndarray:
    """Normals as ``(n + 1) / 2 * 255`` (OpenCV camera frame); zero vectors (background) black.

    Parameters
    ----------
    normals : (H, W, 3) float
        Unit normals, zero for background.

    Returns
    -------
    (H, W, 3) uint8
    """
    n = np.asarray(normals, dtype=np.float32)
    out = np.rint(np.clip((n + 1.0) * 127.5, 0, 255)).astype(np.uint8)
    out[np.sum(n * n, axis=-1) < 0.25] = 0
    return out


def make_colorwheel() -> np.ndarray:
    """(55, 3) float64: the Middlebury flow colour wheel (Baker et al. 2011), 0-255."""
    ry, yg, gc, cb, bm, mr = 15, 6, 4, 11, 13, 6
    wheel = np.zeros((ry + yg + gc + cb + bm + mr, 3))
    col = 0
    wheel[col : col + ry, 0] = 255
    wheel[col : col + ry, 1] = np.floor(255 * np.arange(ry) / ry)
    col += ry
    wheel[col : col + yg, 0] = 255 - np.floor(255 * np.arange(yg) / yg)
    wheel[col : col + yg, 1] = 255
    col += yg
    wheel[col : col + gc, 1] = 255
    wheel[col : col + gc, 2] = np.floor(255 * np.arange(gc) / gc)
    col += gc
    wheel[col : col + cb, 1] = 255 - np.floor(255 * np.arange(cb) / cb)
    wheel[col : col + cb, 2] = 255
    col += cb
    wheel[col : col + bm, 2] = 255
    wheel[col : col + bm, 0] = np.floor(255 * np.arange(bm) / bm)
    col += bm
    wheel[col : col + mr, 2] = 255 - np.floor(255 * np.arange(mr) / mr)
    wheel[col : col + mr, 0] = 255
    return wheel


_WHEEL = make_colorwheel()


def flow_to_color(flow: np.ndarray, max_flow: float | None = None) -> np.ndarray:
    """Optical flow on the standard colour wheel (as ``flow_vis.flow_to_color``).

    Parameters
    ----------
    flow : (H, W, 2) float, pixels
        ``[dx, dy]``, x right, y down.
    max_flow : float, optional
        Magnitude shown fully saturated; give one value for a whole clip so colours are
        comparable between frames.  Default: this frame's largest magnitude (flow_vis's
        behaviour).  Magnitudes above it are drawn at 75 % brightness, as flow_vis does.

    Returns
    -------
    (H, W, 3) uint8
        Hue = direction (right = red, down = yellow-green side of the wheel, as in flow_vis),
        saturation = magnitude / max_flow; zero flow is white.
    """
    f = np.asarray(flow, dtype=np.float64)
    if f.ndim != 3 or f.shape[2] != 2:
        raise InputError(f"flow_to_color: expected (H, W, 2) flow, got shape {f.shape}")
    # One contiguous plane per channel instead of (H, W, 3) temporaries: the same float64
    # operations in the same order (byte-identical images), twice as fast.
    u, v = np.ascontiguousarray(f[..., 0]), np.ascontiguousarray(f[..., 1])
    scale = float(np.max(np.sqrt(u * u + v * v))) if max_flow is None else float(max_flow)
    moving = (u != 0) | (v != 0)
    n = int(np.count_nonzero(moving))
    if n * 2 >= moving.size:
        return wheel_colors(u, v, scale)
    # Mostly still (a still camera: the floor and sky do not move): zero flow is white, so only
    # the moving pixels are coloured -- the same operations on them, the same bytes.
    out = np.full(u.shape + (3,), 255, dtype=np.uint8)
    if n:
        out[moving] = wheel_colors(u[moving], v[moving], scale)
    return out


def wheel_colors(u: np.ndarray, v: np.ndarray, scale: float) -> np.ndarray:
    """(..., 3) uint8 colours of the flow vectors ``(u, v)`` (float64, any shape) on the
    Middlebury wheel, saturated at magnitude ``scale`` (see :func:`flow_to_color`)."""
    eps = 1e-5
    u = u / (scale + eps)
    v = v / (scale + eps)
    rad = np.sqrt(u * u + v * v)
    ncols = len(_WHEEL)
    a = np.arctan2(-v, -u) / np.pi
    fk = (a + 1) / 2 * (ncols - 1)
    k0 = np.floor(fk).astype(np.intp)
    k1 = k0 + 1
    k1[k1 == ncols] = 0
    frac = fk - k0
    inside = rad <= 1
    out = np.empty(u.shape + (3,), dtype=np.uint8)
    for c in range(3):
        wc = _WHEEL[:, c]
        col = (1 - frac) * wc[k0] / 255.0 + frac * wc[k1] / 255.0
        col = np.where(inside, 1 - rad * (1 - col), col * 0.75)
        out[..., c] = np.floor(255 * col)
    return out
