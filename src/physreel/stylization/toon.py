"""``toon``: cel shading from the exact geometry (no downloads).

Each object gets its own flat colour (its material colour from ``metadata.json``), shaded in a
few bands by the angle between its surface normal and the scene's key light; the ground keeps
its pattern and shadows, posterised; outlines are the geometric edges (silhouettes, depth jumps,
creases).  The colours do not depend on the frame's pixels, so they do not flicker.
"""

from __future__ import annotations

import numpy as np

from .lineart import LineArt, thicken

#: The key light of physreel's default rig (``rendering.renderer.default_lights``), used when a
#: scene names no lights; kept here so that stylising does not import the renderer (trimesh,
#: ~1.5 s).  tests/stylize/test_stylize_builtin.py checks that the two agree.
DEFAULT_KEY = (-0.45, 0.6, -1.0)


def key_light_direction(scene: dict) -> np.ndarray:
    """(3,) unit vector, world frame: the direction the key light *travels* (from the light).

    The first directional light of the scene; the default rig's key light when the scene names
    no lights (or only point and spot lights).
    """
    d = np.asarray(DEFAULT_KEY, dtype=np.float64)
    for light in scene.get("lights") or []:
        if light.get("type") == "directional":
            d = np.asarray(light["direction"], dtype=np.float64)
            break
    return d / np.linalg.norm(d)


def _srgb255(color) -> np.ndarray | None:
    """A scene colour ("#rrggbb" or [r, g, b] in 0..1) as float32 sRGB 0..255; None if unset."""
    if color is None:
        return None
    if isinstance(color, str):
        h = color.lstrip("#")
        return np.array([int(h[i:i + 2], 16) for i in (0, 2, 4)], dtype=np.float32)
    return np.clip(np.asarray(color[:3], dtype=np.float32), 0, 1) * 255


def posterize_luminance(rgb: np.ndarray, levels: int) -> np.ndarray:
    """(H, W, 3) float32: ``rgb`` (0..255) with its luminance quantised to ``levels`` steps and
    its chroma kept (quantising each channel would shift hues on smooth gradients)."""
    lum = rgb @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    step = 255.0 / max(levels - 1, 1)
    q = np.maximum(np.round(lum / step) * step, step / 2)
    return rgb * (q / np.maximum(lum, 1.0))[..., None]


class Toon:
    """Cel shading.

    Parameters
    ----------
    bands : int
        Light levels on objects (>= 2).
    shadow_level : float
        Brightness of the darkest band (0..1); the lit band shows the material colour.
    outline : int
        Outline width in pixels (0 = none).
    outline_color : 3 ints 0..255
    ground_levels : int
        Posterisation levels per channel of the ground and sky.
    """

    name = "toon"
    needs = ("rgb", "segmentation", "normals", "depth")

    def __init__(self, bands: int = 3, shadow_level: float = 0.45, outline: int = 1,
                 outline_color=(24, 22, 28), ground_levels: int = 5):
        if int(bands) < 2:
            from ..errors import ArgumentError

            raise ArgumentError(f"toon: bands must be >= 2, got {bands}")
        self.bands = int(bands)
        self.levels = np.linspace(float(shadow_level), 1.0, self.bands).astype(np.float32)
        self.outline = int(outline)
        self.outline_color = np.asarray(outline_color, dtype=np.float32)
        self.ground_levels = int(ground_levels)
        self._lines = LineArt(width=1)
        self.palette: np.ndarray | None = None  # (ids, 3) float32 sRGB 0..255, NaN = keep pixels
        self.light = np.asarray(DEFAULT_KEY) / np.linalg.norm(DEFAULT_KEY)
        self.sky: np.ndarray | None = None  # flat sky colour, sRGB 0..255

    def prepare(self, frames) -> None:
        """Read object colours and the key light from the render's metadata."""
        meta = frames.render.metadata
        objs = sorted(meta.get("objects", {}).values(), key=lambda o: o.get("index", 0))
        pal = np.full((len(objs) + 2, 3), np.nan, dtype=np.float32)
        for i, o in enumerate(objs):
            if o.get("color") is not None:
                pal[i + 2] = np.clip(np.asarray(o["color"][:3], dtype=np.float32), 0, 1) * 255
        self.palette = pal
        self.light = key_light_direction(meta.get("scene", {}))
        self.sky = _srgb255(meta.get("scene", {}).get("background"))

    def __call__(self, bundle) -> np.ndarray:
        rgb = np.asarray(bundle["rgb"], dtype=np.float32)
        seg = np.asarray(bundle["segmentation"]).astype(np.intp)
        normals = np.asarray(bundle["normals"], dtype=np.float32)
        out = posterize_luminance(rgb, self.ground_levels)  # ground: pattern and shadows kept
        if self.sky is not None:
            out[seg == 0] = self.sky
        if self.palette is not None and len(self.palette):
            ids = np.minimum(seg, len(self.palette) - 1)
            base = self.palette[ids]
            known = ~np.isnan(base[..., 0]) & (seg >= 2)
            to_light = -(bundle.view.world_to_camera[:3, :3] @ self.light).astype(np.float32)
            ndl = np.clip(normals @ to_light, 0.0, 1.0)
            band = np.minimum((ndl * self.bands).astype(np.intp), self.bands - 1)
            out[known] = base[known] * self.levels[band[known]][:, None]
        if self.outline > 0:
            lines = thicken(self._lines.lines(bundle), self.outline)
            out[lines] = self.outline_color
        return np.clip(out + 0.5, 0, 255).astype(np.uint8)
