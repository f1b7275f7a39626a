"""Look tiers: how much work the colour image gets (``render.look``).

Every tier shades with the same glTF metallic-roughness model, the same lights, sky, haze and
tone curve, so a scene looks the same in all of them; they differ in anti-aliasing, shadow
filtering and ambient occlusion.  Ground truth (depth, segmentation, normals, flow) never
depends on the tier.

Measured on llvmpipe (2 cores, 512 x 512, the 10-object benchmark scene): 4x MSAA doubles the
cost of the colour pass, because llvmpipe shades and stores every sample; the post-process
anti-aliasing pass of ``fast`` costs about a third of that.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np


@dataclass(frozen=True)
class Look:
    """One tier.

    Attributes
    ----------
    name : str
    msaa : int
        Samples per pixel of the colour pass (0: one, single-sampled).  A multisampled colour
        pass is drawn separately from the single-sampled ground-truth pass.
    post_aa : bool
        Anti-alias the single-sampled colour image with a post-process pass (edge search).
    shadow_scale : float
        Shadow-map texels per image pixel (of the image's longer side, rounded up to a power of
        two): the map is fitted to the shadow casters every frame, so about one texel per pixel
        already resolves their shadows as finely as the image can show them.
    shadow_max : int
        Largest shadow map, texels per side.
    shadow_taps : int
        Filtered shadow-map lookups per light per pixel (1: one bilinear 2 x 2 comparison;
        4: four of them, a softer 3 x 3 footprint).
    ao_samples : int
        Screen-space ambient occlusion samples per pixel (0: none; :mod:`.ao`).
    blur_pixels : float
        Motion blur: on-screen motion per shutter sample, pixels (:mod:`.motion_blur`).
    blur_max : int
        Motion blur: most samples per frame.
    dof : (int, int)
        Depth of field: largest circle of confusion (radius, pixels) and gather samples.
    """

    name: str
    msaa: int
    post_aa: bool
    shadow_scale: float
    shadow_max: int
    shadow_taps: int
    ao_samples: int = 0
    blur_pixels: float = 2.0
    blur_max: int = 15
    dof: tuple[int, int] = (8, 32)

    def shadow_size(self, width: int, height: int) -> int:
        """Shadow-map texels per side for an image of ``width`` x ``height``."""
        side = 1 << max(int(np.ceil(np.log2(max(width, height, 1)))), 0)
        return int(min(max(side * self.shadow_scale, 256), self.shadow_max))


LOOKS: dict[str, Look] = {
    "fast": Look("fast", msaa=0, post_aa=True, shadow_scale=1.0, shadow_max=2048, shadow_taps=1),
    "standard": Look("standard", msaa=4, post_aa=False, shadow_scale=2.0, shadow_max=4096, shadow_taps=4,
                     ao_samples=12, blur_pixels=1.0, blur_max=31, dof=(12, 48)),
    "high": Look("high", msaa=4, post_aa=False, shadow_scale=4.0, shadow_max=8192, shadow_taps=4, ao_samples=24,
                 blur_pixels=0.5, blur_max=63, dof=(20, 96)),
}


def get_look(name: str, antialias: bool = True) -> Look:
    """The tier ``name``; ``antialias=False`` turns its anti-aliasing off."""
    look = LOOKS[name]
    if not antialias:
        look = replace(look, msaa=0, post_aa=False)
    return look
