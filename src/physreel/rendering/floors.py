"""Floor patterns: wooden planks, tiles and concrete slabs, drawn procedurally.

Each pattern is a tileable sRGB image made here with numpy from value noise (no image files
are shipped: the patterns are physreel's own code, under its licence), in the floor's colour,
repeating every ``texture_scale``-dependent number of metres.  The renderer samples it with
mipmaps, so it stays calm in the distance, where the haze takes over.  The same pattern and
colour always give the same image (a fixed random stream per pattern).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..colors import linear_to_srgb, srgb_to_linear

#: Patterns drawn here, with their default size (metres: board width, tile side, slab side).
PATTERNS = {"planks": 0.2, "tiles": 0.6, "concrete": 3.0}
#: Pixels per side of a pattern image.
SIZE = 1024


def pattern_repeat(name: str, scale: float | None) -> float:
    """Metres per repeat of the image of pattern ``name`` with feature size ``scale``."""
    s = scale or PATTERNS[name]
    return {"planks": 8.0 * s, "tiles": 2.0 * s, "concrete": s}[name]


def tileable_noise(size: int, cells: int, rng: np.random.Generator, octaves: int = 1) -> np.ndarray:
    """(size, size) float64 smooth value noise in about -1..1 that repeats every ``size``
    pixels: a random ``cells``-square lattice, wrapped, interpolated with a smoothstep; each
    further octave doubles the cells and halves the amplitude."""
    out = np.zeros((size, size))
    amp, total = 1.0, 0.0
    for _ in range(octaves):
        lattice = rng.uniform(-1.0, 1.0, (cells, cells))
        t = np.arange(size) * cells / size
        i0 = np.floor(t).astype(int)
        f = t - i0
        f = f * f * (3.0 - 2.0 * f)
        i1 = (i0 + 1) % cells
        rows = lattice[i0] * (1 - f)[:, None] + lattice[i1] * f[:, None]  # (size, cells)
        out += amp * (rows[:, i0] * (1 - f)[None] + rows[:, i1] * f[None])
        total += amp
        amp *= 0.5
        cells *= 2
    return out / total


def _to_srgb8(linear: np.ndarray) -> np.ndarray:
    return np.round(linear_to_srgb(np.clip(linear, 0.0, 1.0)) * 255.0).astype(np.uint8)


def planks(color, rng: np.random.Generator, size: int = SIZE) -> np.ndarray:
    """Eight boards across, running along x, with staggered end joints, grain and a tone of
    their own each; dark seams between them."""
    base = srgb_to_linear(color)
    board = size // 8
    y = np.arange(size)
    img = np.empty((size, size, 3))
    grain = tileable_noise(size, 4, rng, 3)
    streaks = np.repeat(tileable_noise(size, 64, rng, 2)[:, :1], size, axis=1)  # along the boards
    x = np.arange(size)
    for r in range(8):
        rows = slice(r * board, (r + 1) * board)
        joints = np.sort(rng.choice(np.arange(size // 8, size, size // 16), size=2, replace=False))
        seg = np.searchsorted(joints, x, side="right")  # which board along the row
        tone = rng.uniform(0.82, 1.18, 3)[seg]
        hue = 1.0 + rng.uniform(-0.04, 0.04, (3, 3))[seg]
        fine = 1.0 + 0.10 * streaks[rows] + 0.06 * grain[rows]
        img[rows] = base * (tone[None, :, None] * hue[None]) * fine[..., None]
        for j in joints:  # end joints
            img[rows, j - 1:j + 1] *= 0.45
    seam = (y % board < 2)[:, None, None]
    return _to_srgb8(np.where(seam, img * 0.35, img))


def tiles(color, rng: np.random.Generator, size: int = SIZE) -> np.ndarray:
    """2 x 2 square tiles with a faint mottling each and light grout joints between them."""
    base = srgb_to_linear(color)
    tile = size // 2
    mottle = tileable_noise(size, 16, rng, 3)
    idx = (np.arange(size) // tile)
    tone = rng.uniform(0.93, 1.07, (2, 2))[idx[:, None], idx[None, :]]
    img = base * (tone * (1.0 + 0.05 * mottle))[..., None]
    u = np.arange(size) % tile
    width = max(size // 128, 2)
    joint = (u < width // 2) | (u >= tile - (width - width // 2))
    grout = joint[:, None] | joint[None, :]
    return _to_srgb8(np.where(grout[..., None], np.array([0.52, 0.5, 0.47]), img))


def concrete(color, rng: np.random.Generator, size: int = SIZE) -> np.ndarray:
    """A cast slab: broad blotches, fine speckle and a saw-cut joint along its edges."""
    base = srgb_to_linear(color)
    broad = tileable_noise(size, 4, rng, 4)
    speck = rng.uniform(-1.0, 1.0, (size, size))
    img = base * (1.0 + 0.16 * broad + 0.06 * speck)[..., None]
    u = np.arange(size)
    cut = (u < 2) | (u >= size - 1)
    joint = cut[:, None] | cut[None, :]
    return _to_srgb8(np.where(joint[..., None], img * 0.5, img))


@lru_cache(maxsize=8)
def floor_pattern(name: str, color: tuple[float, float, float], size: int = SIZE) -> np.ndarray:
    """(size, size, 3) uint8 sRGB tileable image of pattern ``name`` in ``color`` (sRGB)."""
    rng = np.random.default_rng(_SEEDS[name])
    return {"planks": planks, "tiles": tiles, "concrete": concrete}[name](np.asarray(color), rng, size)


#: One fixed random stream per pattern (the same floor in every render).
_SEEDS = {"planks": 1201, "tiles": 1202, "concrete": 1203}
