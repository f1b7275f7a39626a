"""``depth`` control: inverse depth, near = white, far / background = black, normalised with
ONE range ``[1/far, 1/near]`` for the whole clip (per-frame min-max flickers); the polarity of
MiDaS and the ControlNet depth models.  Get the range with :class:`DepthRangeAccumulator` /
:func:`clip_depth_range`.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ...errors import InputError
from ..registry import Control, Doc, register_control


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
    fg, val = inverse_depth_255(depth, near, far, "depth_control")
    val = np.where(fg, np.rint(val), 0).astype(np.uint8)
    return np.repeat(val[..., None], 3, axis=2)


def inverse_depth_255(depth: np.ndarray, near: float, far: float, who: str = "depth_control"
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Inverse depth scaled to 0..255 with a clip-wide range (shared with the depth preview).

    Returns
    -------
    fg : (H, W) bool
        Foreground (depth > 0).
    val : (H, W) float32
        ``(1/d - 1/far) / (1/near - 1/far) * 255`` clipped to [0, 255] (0 where background).
    """
    if not 0 < near < far:
        raise InputError(
            f"{who}: need 0 < near < far, got near={near}, far={far}; take the range "
            "from clip_depth_range()"
        )
    d = np.asarray(depth, dtype=np.float32)
    fg = d > 0
    inv = np.divide(1.0, d, out=np.zeros_like(d), where=fg)
    lo, hi = np.float32(1.0 / far), np.float32(1.0 / near)
    return fg, np.clip((inv - lo) * (np.float32(255.0) / (hi - lo)), 0, 255)


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



def _clip(files, state):
    from ..depth import clip_range

    near, far = clip_range(files.scales.get("depth"))
    return (depth_control(d, near, far) for d in files.frames("depth"))


register_control(Control(
    name="depth",
    needs=("depth",),
    clip=_clip,
    meaning="inverse depth, near = white, far/background = black; one range for the whole clip (no flicker); 8-bit RGB",
    doc=Doc("inverse depth, near = white, one range per clip, 8-bit RGB"),
))
