"""``lineart``: black geometric lines on white paper, from the exact geometry (no downloads).

Lines are silhouettes, depth discontinuities and creases of the rendered geometry
(:func:`physreel.outputs.control.edges_geometric`), so they do not flicker with lighting or
texture the way image edge detectors do.
"""

from __future__ import annotations

import numpy as np

from ..outputs.control import edges_geometric


def thicken(mask: np.ndarray, width: int) -> np.ndarray:
    """(H, W) bool: ``mask`` dilated to lines about ``width`` pixels wide (a disk)."""
    if width <= 1:
        return mask
    from scipy import ndimage

    r = (width - 1) / 2.0
    n = int(np.ceil(r))
    yy, xx = np.mgrid[-n:n + 1, -n:n + 1]
    return ndimage.binary_dilation(mask, structure=(xx * xx + yy * yy) <= r * r + 0.5)


class LineArt:
    """Ink lines on paper.

    Parameters
    ----------
    width : int
        Line width in pixels (1 = the one-pixel geometric edges).
    ink, paper : 3 ints 0..255
        Line and background colours (sRGB).
    crease_deg : float
        Normals differing by more than this many degrees draw a crease line.
    """

    name = "lineart"
    needs = ("segmentation", "depth", "normals")

    def __init__(self, width: int = 1, ink=(0, 0, 0), paper=(255, 255, 255), crease_deg: float = 30.0):
        self.width = int(width)
        self.ink = np.asarray(ink, dtype=np.uint8)
        self.paper = np.asarray(paper, dtype=np.uint8)
        self.crease_deg = float(crease_deg)

    def lines(self, bundle) -> np.ndarray:
        """(H, W) bool: where lines are drawn."""
        e = edges_geometric(bundle["segmentation"], bundle["depth"], bundle["normals"], K=bundle.view.K,
                            crease_deg=self.crease_deg) > 0
        return thicken(e, self.width)

    def __call__(self, bundle) -> np.ndarray:
        m = self.lines(bundle)
        out = np.empty(m.shape + (3,), dtype=np.uint8)
        out[...] = self.paper
        out[m] = self.ink
        return out
