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

import numpy as np

from physreel.errors import InputError


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
    if not 0 < near < far:
        raise InputError(f"colorize_depth: need 0 < near < far, got near={near}, far={far}")
    d = np.asarray(depth, dtype=np.float32)
    fg = d > 0
    inv = np.divide(1.0, d, out=np.zeros_like(d), where=fg)
    lo, hi = np.float32(1.0 / far), np.float32(1.0 / near)
    idx = np.rint(np.clip((inv - lo) * (np.float32(255.0) / (hi - lo)), 0, 255)).astype(np.intp)
    out = _TURBO[idx]
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
    u, v = f[..., 0], f[..., 1]
    rad = np.sqrt(u * u + v * v)
    scale = float(np.max(rad)) if max_flow is None else float(max_flow)
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
    frac = (fk - k0)[..., None]
    col = (1 - frac) * _WHEEL[k0] / 255.0 + frac * _WHEEL[k1] / 255.0
    inside = (rad <= 1)[..., None]
    col = np.where(inside, 1 - rad[..., None] * (1 - col), col * 0.75)
    return np.floor(255 * col).astype(np.uint8)


# Turbo colour map (Anton Mikhailov, Google, 2019; Apache-2.0), 256 entries, 8-bit.
_TURBO = np.array(
    [
        [48, 18, 59],
        [50, 21, 67],
        [51, 24, 74],
        [52, 27, 81],
        [53, 30, 88],
        [54, 33, 95],
        [55, 36, 102],
        [56, 39, 109],
        [57, 42, 115],
        [58, 45, 121],
        [59, 47, 128],
        [60, 50, 134],
        [61, 53, 139],
        [62, 56, 145],
        [63, 59, 151],
        [63, 62, 156],
        [64, 64, 162],
        [65, 67, 167],
        [65, 70, 172],
        [66, 73, 177],
        [66, 75, 181],
        [67, 78, 186],
        [68, 81, 191],
        [68, 84, 195],
        [68, 86, 199],
        [69, 89, 203],
        [69, 92, 207],
        [69, 94, 211],
        [70, 97, 214],
        [70, 100, 218],
        [70, 102, 221],
        [70, 105, 224],
        [70, 107, 227],
        [71, 110, 230],
        [71, 113, 233],
        [71, 115, 235],
        [71, 118, 238],
        [71, 120, 240],
        [71, 123, 242],
        [70, 125, 244],
        [70, 128, 246],
        [70, 130, 248],
        [70, 133, 250],
        [70, 135, 251],
        [69, 138, 252],
        [69, 140, 253],
        [68, 143, 254],
        [67, 145, 254],
        [66, 148, 255],
        [65, 150, 255],
        [64, 153, 255],
        [62, 155, 254],
        [61, 158, 254],
        [59, 160, 253],
        [58, 163, 252],
        [56, 165, 251],
        [55, 168, 250],
        [53, 171, 248],
        [51, 173, 247],
        [49, 175, 245],
        [47, 178, 244],
        [46, 180, 242],
        [44, 183, 240],
        [42, 185, 238],
        [40, 188, 235],
        [39, 190, 233],
        [37, 192, 231],
        [35, 195, 228],
        [34, 197, 226],
        [32, 199, 223],
        [31, 201, 221],
        [30, 203, 218],
        [28, 205, 216],
        [27, 208, 213],
        [26, 210, 210],
        [26, 212, 208],
        [25, 213, 205],
        [24, 215, 202],
        [24, 217, 200],
        [24, 219, 197],
        [24, 221, 194],
        [24, 222, 192],
        [24, 224, 189],
        [25, 226, 187],
        [25, 227, 185],
        [26, 228, 182],
        [28, 230, 180],
        [29, 231, 178],
        [31, 233, 175],
        [32, 234, 172],
        [34, 235, 170],
        [37, 236, 167],
        [39, 238, 164],
        [42, 239, 161],
        [44, 240, 158],
        [47, 241, 155],
        [50, 242, 152],
        [53, 243, 148],
        [56, 244, 145],
        [60, 245, 142],
        [63, 246, 138],
        [67, 247, 135],
        [70, 248, 132],
        [74, 248, 128],
        [78, 249, 125],
        [82, 250, 122],
        [85, 250, 118],
        [89, 251, 115],
        [93, 252, 111],
        [97, 252, 108],
        [101, 253, 105],
        [105, 253, 102],
        [109, 254, 98],
        [113, 254, 95],
        [117, 254, 92],
        [121, 254, 89],
        [125, 255, 86],
        [128, 255, 83],
        [132, 255, 81],
        [136, 255, 78],
        [139, 255, 75],
        [143, 255, 73],
        [146, 255, 71],
        [150, 254, 68],
        [153, 254, 66],
        [156, 254, 64],
        [159, 253, 63],
        [161, 253, 61],
        [164, 252, 60],
        [167, 252, 58],
        [169, 251, 57],
        [172, 251, 56],
        [175, 250, 55],
        [177, 249, 54],
        [180, 248, 54],
        [183, 247, 53],
        [185, 246, 53],
        [188, 245, 52],
        [190, 244, 52],
        [193, 243, 52],
        [195, 241, 52],
        [198, 240, 52],
        [200, 239, 52],
        [203, 237, 52],
        [205, 236, 52],
        [208, 234, 52],
        [210, 233, 53],
        [212, 231, 53],
        [215, 229, 53],
        [217, 228, 54],
        [219, 226, 54],
        [221, 224, 55],
        [223, 223, 55],
        [225, 221, 55],
        [227, 219, 56],
        [229, 217, 56],
        [231, 215, 57],
        [233, 213, 57],
        [235, 211, 57],
        [236, 209, 58],
        [238, 207, 58],
        [239, 205, 58],
        [241, 203, 58],
        [242, 201, 58],
        [244, 199, 58],
        [245, 197, 58],
        [246, 195, 58],
        [247, 193, 58],
        [248, 190, 57],
        [249, 188, 57],
        [250, 186, 57],
        [251, 184, 56],
        [251, 182, 55],
        [252, 179, 54],
        [252, 177, 54],
        [253, 174, 53],
        [253, 172, 52],
        [254, 169, 51],
        [254, 167, 50],
        [254, 164, 49],
        [254, 161, 48],
        [254, 158, 47],
        [254, 155, 45],
        [254, 153, 44],
        [254, 150, 43],
        [254, 147, 42],
        [254, 144, 41],
        [253, 141, 39],
        [253, 138, 38],
        [252, 135, 37],
        [252, 132, 35],
        [251, 129, 34],
        [251, 126, 33],
        [250, 123, 31],
        [249, 120, 30],
        [249, 117, 29],
        [248, 114, 28],
        [247, 111, 26],
        [246, 108, 25],
        [245, 105, 24],
        [244, 102, 23],
        [243, 99, 21],
        [242, 96, 20],
        [241, 93, 19],
        [240, 91, 18],
        [239, 88, 17],
        [237, 85, 16],
        [236, 83, 15],
        [235, 80, 14],
        [234, 78, 13],
        [232, 75, 12],
        [231, 73, 12],
        [229, 71, 11],
        [228, 69, 10],
        [226, 67, 10],
        [225, 65, 9],
        [223, 63, 8],
        [221, 61, 8],
        [220, 59, 7],
        [218, 57, 7],
        [216, 55, 6],
        [214, 53, 6],
        [212, 51, 5],
        [210, 49, 5],
        [208, 47, 5],
        [206, 45, 4],
        [204, 43, 4],
        [202, 42, 4],
        [200, 40, 3],
        [197, 38, 3],
        [195, 37, 3],
        [193, 35, 2],
        [190, 33, 2],
        [188, 32, 2],
        [185, 30, 2],
        [183, 29, 2],
        [180, 27, 1],
        [178, 26, 1],
        [175, 24, 1],
        [172, 23, 1],
        [169, 22, 1],
        [167, 20, 1],
        [164, 19, 1],
        [161, 18, 1],
        [158, 16, 1],
        [155, 15, 1],
        [152, 14, 1],
        [149, 13, 1],
        [146, 11, 1],
        [142, 10, 1],
        [139, 9, 2],
        [136, 8, 2],
        [133, 7, 2],
        [129, 6, 2],
        [126, 5, 2],
        [122, 4, 3],
    ],
    dtype=np.uint8,
)
