"""Conditioning images for ControlNet-style and video diffusion models.

Every function maps one frame of ground truth to an 8-bit image in the convention the common
models were trained on.  All are deterministic: the same inputs give the same bytes, so a static
scene gives a flicker-free control video.

Conventions
-----------
- ``depth_control``: inverse depth, near = white, far / background = black, normalised with ONE
  range ``[1/far, 1/near]`` for the whole clip (per-frame min-max flickers).  Get the range with
  :class:`DepthRangeAccumulator` / :func:`clip_depth_range`.  Same polarity as MiDaS / the
  ControlNet depth models.
- ``normal_control``: the ScanNet / NormalBAE convention of ControlNet 1.1 ``normalbae``: red =
  normal pointing to the image LEFT, green = UP, blue = TOWARDS the camera.  From OpenCV camera
  normals ``n`` (x right, y down, z forward) that is ``rgb = (1 - n) / 2 * 255`` component-wise:
  a surface facing the camera (n = [0, 0, -1]) is (128, 128, 255).
- ``edges_geometric`` / ``canny``: white (255) lines on black (0), one pixel wide.
- ``seg_control``: ADE20K palette (150 classes, the table of the ADE20K benchmark / mmseg /
  ControlNet ``seg``), one colour per semantic class.
- ``tracking_video_frame``: Diffusion-as-Shader style: every track drawn as a small disc
  coloured by its frame-0 ``[x / W, y / H, normalised inverse depth]``, on black.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
from scipy import ndimage

from physreel.errors import InputError

# ---------------------------------------------------------------------------------------------
# depth


def depth_control(depth: np.ndarray, near: float, far: float) -> np.ndarray:
    """Inverse depth as an 8-bit RGB image, near = white.

    Parameters
    ----------
    depth : (H, W) float, metres
        Z-depth, 0 = background.
    near, far : float, metres
        The clip-wide range (``0 < near < far``): depth ``near`` maps to 255, ``far`` to 0;
        values outside are clipped.

    Returns
    -------
    (H, W, 3) uint8
        ``round(255 * (1/d - 1/far) / (1/near - 1/far))`` in all three channels; background 0.
    """
    if not 0 < near < far:
        raise InputError(
            f"depth_control: need 0 < near < far, got near={near}, far={far}; take the range "
            "from clip_depth_range()"
        )
    d = np.asarray(depth, dtype=np.float32)
    fg = d > 0
    inv = np.divide(1.0, d, out=np.zeros_like(d), where=fg)
    lo, hi = np.float32(1.0 / far), np.float32(1.0 / near)
    val = np.clip((inv - lo) * (np.float32(255.0) / (hi - lo)), 0, 255)
    val = np.where(fg, np.rint(val), 0).astype(np.uint8)
    return np.repeat(val[..., None], 3, axis=2)


class DepthRangeAccumulator:
    """Robust clip-wide depth range, fed one frame at a time.

    ``near`` is the smallest per-frame ``low`` percentile of foreground depth, ``far`` the
    largest per-frame ``high`` percentile, so a few stray pixels do not set the range.

    Parameters
    ----------
    low, high : float
        Percentiles (0-100) of each frame's foreground depth.
    stride : int
        Use every ``stride``-th pixel in each direction (speed; 2 keeps 1/4 of the pixels).
    """

    def __init__(self, low: float = 1.0, high: float = 99.0, stride: int = 2) -> None:
        self.low, self.high, self.stride = float(low), float(high), int(stride)
        self.near = np.inf
        self.far = -np.inf

    def update(self, depth: np.ndarray) -> None:
        """Add one (H, W) depth frame (metres, 0 = background)."""
        d = np.asarray(depth)[:: self.stride, :: self.stride]
        d = d[d > 0]
        if d.size == 0:
            return
        lo, hi = np.percentile(d, [self.low, self.high])
        self.near = min(self.near, float(lo))
        self.far = max(self.far, float(hi))

    def result(self) -> tuple[float, float] | None:
        """``(near, far)`` in metres, or None when no frame had a foreground pixel."""
        if not np.isfinite(self.near):
            return None
        far = self.far if self.far > self.near else self.near * 1.01 + 1e-3
        return self.near, far


def clip_depth_range(
    depth_frames: Iterable[np.ndarray], low: float = 1.0, high: float = 99.0
) -> tuple[float, float] | None:
    """``(near, far)`` metres over a clip of depth frames (see :class:`DepthRangeAccumulator`)."""
    acc = DepthRangeAccumulator(low, high)
    for d in depth_frames:
        acc.update(d)
    return acc.result()


# ---------------------------------------------------------------------------------------------
# normals

#: Colour of background pixels in :func:`normal_control`: the colour of a surface facing the
#: camera (what NormalBAE predicts for a wall seen head-on), so the background reads as a flat
#: far wall rather than as an invalid value.
NORMAL_BACKGROUND = (128, 128, 255)


def normal_control(
    normals_cv: np.ndarray, background: tuple[int, int, int] = NORMAL_BACKGROUND
) -> np.ndarray:
    """Surface normals in the ScanNet / NormalBAE colour convention.

    Parameters
    ----------
    normals_cv : (H, W, 3) float
        Unit normals in the OpenCV camera frame (x right, y down, z forward; a surface facing
        the camera has z < 0); zero vectors for background.
    background : 3 ints
        Colour of background pixels (default: the colour of a surface facing the camera).

    Returns
    -------
    (H, W, 3) uint8
        ``R = (1 - n_x) / 2 * 255`` (red = pointing left), ``G = (1 - n_y) / 2 * 255`` (green =
        up), ``B = (1 - n_z) / 2 * 255`` (blue = towards the camera), rounded.
    """
    n = np.asarray(normals_cv, dtype=np.float32)
    rgb = np.rint(np.clip((1.0 - n) * 127.5, 0, 255)).astype(np.uint8)
    bg = np.sum(n * n, axis=-1) < 0.25
    rgb[bg] = background
    return rgb


# ---------------------------------------------------------------------------------------------
# edges


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


# ---------------------------------------------------------------------------------------------
# semantic segmentation (ADE20K)

#: physreel object classes / materials / common names -> ADE20K class (first synonym of the
#: ADE20K name).  Ground and floors are "floor"; drinking vessels are "glass".
ADE20K_ALIASES: dict[str, str] = {
    "ground": "floor",
    "floor": "floor",
    "plane": "floor",
    "concrete": "floor",
    "tile": "floor",
    "table": "table",
    "desk": "desk",
    "box": "box",
    "cube": "box",
    "crate": "box",
    "cardboard": "box",
    "ball": "ball",
    "sphere": "ball",
    "rubber": "ball",
    "glass": "glass",
    "tumbler": "glass",
    "cup": "glass",
    "mug": "glass",
    "wine_glass": "glass",
    "bottle": "bottle",
    "vase": "vase",
    "plate": "plate",
    "bowl": "plate",
    "tray": "tray",
    "pot": "pot",
    "basket": "basket",
    "barrel": "barrel",
    "bag": "bag",
    "book": "book",
    "chair": "chair",
    "stool": "stool",
    "shelf": "shelf",
    "lamp": "lamp",
    "clock": "clock",
    "wall": "wall",
    "sky": "sky",
    "rock": "rock",
    "stone": "rock",
    "sand": "sand",
    "grass": "grass",
    "water": "water",
    "toy": "plaything",
    "domino": "plaything",
    "block": "plaything",
    "cylinder": "column",
    "capsule": "plaything",
    "mesh": "plaything",
}


def ade20k_class(label: str, default: str | None = None) -> int:
    """Index (0-149) of the ADE20K class for an object class, material or name.

    Looks ``label`` (case-insensitive, spaces and dashes as underscores) up in
    :data:`ADE20K_ALIASES`, then among the ADE20K synonyms (``"glass, drinking glass"`` matches
    ``"glass"`` and ``"drinking glass"``).  Unknown labels map to ``default`` (an ADE20K name)
    or raise :class:`~physreel.errors.InputError` when no default is given.
    """
    key = label.strip().lower().replace("-", "_").replace(" ", "_")
    name = ADE20K_ALIASES.get(key, key.replace("_", " "))
    idx = _ADE20K_INDEX.get(name)
    if idx is None and default is not None:
        idx = _ADE20K_INDEX.get(default)
    if idx is None:
        raise InputError(
            f"no ADE20K class for {label!r}; use one of the ADE20K names (e.g. 'box', 'ball', "
            f"'table', 'floor', 'glass') or one of {sorted(ADE20K_ALIASES)}"
        )
    return idx


def ade20k_lut(labels: Sequence[str], default: str | None = "plaything") -> np.ndarray:
    """Instance id -> ADE20K class index lookup table.

    Parameters
    ----------
    labels : list of str
        ``labels[k - 1]`` is the class / material / name of instance id ``k``.
    default : str or None
        ADE20K name for labels with no match (None: raise).

    Returns
    -------
    (len(labels) + 1,) int32
        ``lut[0] = -1`` (background); use as ``seg_control(lut[seg])``.
    """
    return np.array([-1] + [ade20k_class(s, default) for s in labels], dtype=np.int32)


def seg_control(
    class_ids: np.ndarray,
    palette: np.ndarray | None = None,
    background: tuple[int, int, int] = (0, 0, 0),
) -> np.ndarray:
    """Semantic classes as colours (ADE20K palette by default).

    Parameters
    ----------
    class_ids : (H, W) int
        Class index per pixel (0-149 for ADE20K), negative = background.
    palette : (C, 3) uint8, optional
        Colour per class; default :data:`ADE20K_PALETTE`.
    background : 3 ints
        Colour of negative ids.  ADE20K has no "nothing" class; black keeps empty space out
        of every class (pass ``ADE20K_PALETTE[ade20k_class("sky")]`` or ``"wall"`` to give the
        backdrop a class instead).

    Returns
    -------
    (H, W, 3) uint8
    """
    pal = ADE20K_PALETTE if palette is None else np.asarray(palette, dtype=np.uint8)
    ids = np.asarray(class_ids)
    if ids.size and int(ids.max()) >= len(pal):
        raise InputError(
            f"seg_control: class id {int(ids.max())} but the palette has {len(pal)} colours"
        )
    table = np.concatenate([pal, np.asarray(background, dtype=np.uint8)[None]], axis=0)
    return table[np.where(ids < 0, len(pal), ids)]


# ---------------------------------------------------------------------------------------------
# tracking video (Diffusion-as-Shader)


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


# ---------------------------------------------------------------------------------------------
# ADE20K tables: class names (objectInfo150 order, synonyms separated by ", ") and the standard
# colour palette of the ADE20K scene-parsing benchmark (as used by mmsegmentation and ControlNet).

ADE20K_CLASSES: tuple[str, ...] = (
    "wall",
    "building, edifice",
    "sky",
    "floor, flooring",
    "tree",
    "ceiling",
    "road, route",
    "bed",
    "windowpane, window",
    "grass",
    "cabinet",
    "sidewalk, pavement",
    "person, individual, someone, somebody, mortal, soul",
    "earth, ground",
    "door, double door",
    "table",
    "mountain, mount",
    "plant, flora, plant life",
    "curtain, drape, drapery, mantle, pall",
    "chair",
    "car, auto, automobile, machine, motorcar",
    "water",
    "painting, picture",
    "sofa, couch, lounge",
    "shelf",
    "house",
    "sea",
    "mirror",
    "rug, carpet, carpeting",
    "field",
    "armchair",
    "seat",
    "fence, fencing",
    "desk",
    "rock, stone",
    "wardrobe, closet, press",
    "lamp",
    "bathtub, bathing tub, bath, tub",
    "railing, rail",
    "cushion",
    "base, pedestal, stand",
    "box",
    "column, pillar",
    "signboard, sign",
    "chest of drawers, chest, bureau, dresser",
    "counter",
    "sand",
    "sink",
    "skyscraper",
    "fireplace, hearth, open fireplace",
    "refrigerator, icebox",
    "grandstand, covered stand",
    "path",
    "stairs, steps",
    "runway",
    "case, display case, showcase, vitrine",
    "pool table, billiard table, snooker table",
    "pillow",
    "screen door, screen",
    "stairway, staircase",
    "river",
    "bridge, span",
    "bookcase",
    "blind, screen",
    "coffee table, cocktail table",
    "toilet, can, commode, crapper, pot, potty, stool, throne",
    "flower",
    "book",
    "hill",
    "bench",
    "countertop",
    "stove, kitchen stove, range, kitchen range, cooking stove",
    "palm, palm tree",
    "kitchen island",
    "computer, computing machine, computing device, data processor, electronic computer, information processing system",
    "swivel chair",
    "boat",
    "bar",
    "arcade machine",
    "hovel, hut, hutch, shack, shanty",
    "bus, autobus, coach, charabanc, double-decker, jitney, motorbus, motorcoach, omnibus, passenger vehicle",
    "towel",
    "light, light source",
    "truck, motortruck",
    "tower",
    "chandelier, pendant, pendent",
    "awning, sunshade, sunblind",
    "streetlight, street lamp",
    "booth, cubicle, stall, kiosk",
    "television receiver, television, television set, tv, tv set, idiot box, boob tube, telly, goggle box",
    "airplane, aeroplane, plane",
    "dirt track",
    "apparel, wearing apparel, dress, clothes",
    "pole",
    "land, ground, soil",
    "bannister, banister, balustrade, balusters, handrail",
    "escalator, moving staircase, moving stairway",
    "ottoman, pouf, pouffe, puff, hassock",
    "bottle",
    "buffet, counter, sideboard",
    "poster, posting, placard, notice, bill, card",
    "stage",
    "van",
    "ship",
    "fountain",
    "conveyer belt, conveyor belt, conveyer, conveyor, transporter",
    "canopy",
    "washer, automatic washer, washing machine",
    "plaything, toy",
    "swimming pool, swimming bath, natatorium",
    "stool",
    "barrel, cask",
    "basket, handbasket",
    "waterfall, falls",
    "tent, collapsible shelter",
    "bag",
    "minibike, motorbike",
    "cradle",
    "oven",
    "ball",
    "food, solid food",
    "step, stair",
    "tank, storage tank",
    "trade name, brand name, brand, marque",
    "microwave, microwave oven",
    "pot, flowerpot",
    "animal, animate being, beast, brute, creature, fauna",
    "bicycle, bike, wheel, cycle",
    "lake",
    "dishwasher, dish washer, dishwashing machine",
    "screen, silver screen, projection screen",
    "blanket, cover",
    "sculpture",
    "hood, exhaust hood",
    "sconce",
    "vase",
    "traffic light, traffic signal, stoplight",
    "tray",
    "ashcan, trash can, garbage can, wastebin, ash bin, ash-bin, ashbin, dustbin, trash barrel, trash bin",
    "fan",
    "pier, wharf, wharfage, dock",
    "crt screen",
    "plate",
    "monitor, monitoring device",
    "bulletin board, notice board",
    "shower",
    "radiator",
    "glass, drinking glass",
    "clock",
    "flag",
)
ADE20K_PALETTE = np.array(
    [
        [120, 120, 120],
        [180, 120, 120],
        [6, 230, 230],
        [80, 50, 50],
        [4, 200, 3],
        [120, 120, 80],
        [140, 140, 140],
        [204, 5, 255],
        [230, 230, 230],
        [4, 250, 7],
        [224, 5, 255],
        [235, 255, 7],
        [150, 5, 61],
        [120, 120, 70],
        [8, 255, 51],
        [255, 6, 82],
        [143, 255, 140],
        [204, 255, 4],
        [255, 51, 7],
        [204, 70, 3],
        [0, 102, 200],
        [61, 230, 250],
        [255, 6, 51],
        [11, 102, 255],
        [255, 7, 71],
        [255, 9, 224],
        [9, 7, 230],
        [220, 220, 220],
        [255, 9, 92],
        [112, 9, 255],
        [8, 255, 214],
        [7, 255, 224],
        [255, 184, 6],
        [10, 255, 71],
        [255, 41, 10],
        [7, 255, 255],
        [224, 255, 8],
        [102, 8, 255],
        [255, 61, 6],
        [255, 194, 7],
        [255, 122, 8],
        [0, 255, 20],
        [255, 8, 41],
        [255, 5, 153],
        [6, 51, 255],
        [235, 12, 255],
        [160, 150, 20],
        [0, 163, 255],
        [140, 140, 140],
        [250, 10, 15],
        [20, 255, 0],
        [31, 255, 0],
        [255, 31, 0],
        [255, 224, 0],
        [153, 255, 0],
        [0, 0, 255],
        [255, 71, 0],
        [0, 235, 255],
        [0, 173, 255],
        [31, 0, 255],
        [11, 200, 200],
        [255, 82, 0],
        [0, 255, 245],
        [0, 61, 255],
        [0, 255, 112],
        [0, 255, 133],
        [255, 0, 0],
        [255, 163, 0],
        [255, 102, 0],
        [194, 255, 0],
        [0, 143, 255],
        [51, 255, 0],
        [0, 82, 255],
        [0, 255, 41],
        [0, 255, 173],
        [10, 0, 255],
        [173, 255, 0],
        [0, 255, 153],
        [255, 92, 0],
        [255, 0, 255],
        [255, 0, 245],
        [255, 0, 102],
        [255, 173, 0],
        [255, 0, 20],
        [255, 184, 184],
        [0, 31, 255],
        [0, 255, 61],
        [0, 71, 255],
        [255, 0, 204],
        [0, 255, 194],
        [0, 255, 82],
        [0, 10, 255],
        [0, 112, 255],
        [51, 0, 255],
        [0, 194, 255],
        [0, 122, 255],
        [0, 255, 163],
        [255, 153, 0],
        [0, 255, 10],
        [255, 112, 0],
        [143, 255, 0],
        [82, 0, 255],
        [163, 255, 0],
        [255, 235, 0],
        [8, 184, 170],
        [133, 0, 255],
        [0, 255, 92],
        [184, 0, 255],
        [255, 0, 31],
        [0, 184, 255],
        [0, 214, 255],
        [255, 0, 112],
        [92, 255, 0],
        [0, 224, 255],
        [112, 224, 255],
        [70, 184, 160],
        [163, 0, 255],
        [153, 0, 255],
        [71, 255, 0],
        [255, 0, 163],
        [255, 204, 0],
        [255, 0, 143],
        [0, 255, 235],
        [133, 255, 0],
        [255, 0, 235],
        [245, 0, 255],
        [255, 0, 122],
        [255, 245, 0],
        [10, 190, 212],
        [214, 255, 0],
        [0, 204, 255],
        [20, 0, 255],
        [255, 255, 0],
        [0, 153, 255],
        [0, 41, 255],
        [0, 255, 204],
        [41, 0, 255],
        [41, 255, 0],
        [173, 0, 255],
        [0, 245, 255],
        [71, 0, 255],
        [122, 0, 255],
        [0, 255, 184],
        [0, 92, 255],
        [184, 255, 0],
        [0, 133, 255],
        [255, 214, 0],
        [25, 194, 194],
        [102, 255, 0],
        [92, 0, 255],
    ],
    dtype=np.uint8,
)

_ADE20K_INDEX: dict[str, int] = {}
for _i, _names in enumerate(ADE20K_CLASSES):
    for _syn in _names.split(", "):
        _ADE20K_INDEX.setdefault(_syn, _i)
del _i, _names, _syn
