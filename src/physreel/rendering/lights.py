"""Lights as the shaders take them, and the projections of their shadow maps.

A directional light's shadow map is an orthographic view along the light fitted, frame by
frame, to the shadow casters (the objects; the floor casts none): in light space a caster's
shadow lies exactly behind it, so nothing outside their footprint can be in shadow.  The fit
is snapped -- its size to powers of 2^(1/4), its centre to whole texels of a grid fixed in
light space -- so shadow edges do not crawl while objects rest.  A spot light's map is a
perspective view from the light covering its cone, fixed.  Shadow projections map depth to
0..1 (the renderer uses GL's zero-to-one clip convention).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..colors import srgb_to_linear
from ..scene.models import DirectionalLight, PointLight, Scene, SpotLight
from .camera import look_at


def default_lights(scene: Scene) -> list:
    """The rig used when a scene names no lights: a key sun with shadows, a fill, a rim.

    With the default sky's light (at the default ``ambient``) a floor facing up receives
    about its own albedo's worth: three quarters from these lights, a quarter from the sky,
    so it renders as its own colour and its shadows at about a quarter of that.
    """
    return [
        DirectionalLight(direction=(-0.45, 0.6, -1.0), intensity=2.2, shadows=bool(scene.render.shadows)),
        DirectionalLight(direction=(0.7, 0.3, -0.5), intensity=0.7),
        DirectionalLight(direction=(0.1, -0.9, -0.35), intensity=0.55),
    ]


@dataclass
class LightRig:
    """Shader-ready lights (linear radiance = colour x intensity; unit directions).

    Lights that cast shadows come first in their lists (point lights cast none).  Shadow map
    slots: the shadowed directional lights, then the shadowed spot lights; ``spot_matrices``
    are the fixed (4, 4) world -> light clip projections of the latter, the directional ones
    come from :func:`directional_shadow_matrix` per frame.
    """

    dir_direction: list = field(default_factory=list)
    dir_radiance: list = field(default_factory=list)
    n_dir_shadow: int = 0
    point_position: list = field(default_factory=list)
    point_radiance: list = field(default_factory=list)
    spot_position: list = field(default_factory=list)
    spot_direction: list = field(default_factory=list)
    spot_radiance: list = field(default_factory=list)
    spot_cone: list = field(default_factory=list)
    n_spot_shadow: int = 0
    spot_matrices: list = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """The shader's light-count defines."""
        return {"N_DIR": len(self.dir_direction), "N_DIR_SHADOW": self.n_dir_shadow,
                "N_POINT": len(self.point_position), "N_SPOT": len(self.spot_position),
                "N_SPOT_SHADOW": self.n_spot_shadow}


def light_rig(lights: list, scale: float, exposure: float = 1.0) -> LightRig:
    """Resolve scene lights; ``scale`` (m) is the size of the region where things happen (the
    depth range of spot-light shadow maps); radiances are multiplied by ``exposure``."""
    rig = LightRig()
    casts = [bool(getattr(light, "shadows", False)) for light in lights]
    order = sorted(range(len(lights)), key=lambda i: not casts[i])  # shadowed first, stable
    n_dir_shadow, spot_matrices = 0, []
    for i in order:
        light = lights[i]
        radiance = srgb_to_linear(light.color) * light.intensity * exposure
        if isinstance(light, DirectionalLight):
            d = np.asarray(light.direction, dtype=np.float64)
            d = d / np.linalg.norm(d)
            rig.dir_direction.append(d)
            rig.dir_radiance.append(radiance)
            n_dir_shadow += casts[i]
        elif isinstance(light, PointLight):
            rig.point_position.append(np.asarray(light.position, dtype=np.float64))
            rig.point_radiance.append(radiance)
        elif isinstance(light, SpotLight):
            pos, target = np.asarray(light.position, dtype=np.float64), np.asarray(light.look_at, dtype=np.float64)
            d = (target - pos) / np.linalg.norm(target - pos)
            inner = np.radians(min(light.inner_cone, light.outer_cone - 1e-3))
            outer = np.radians(light.outer_cone)
            s = 1.0 / max(0.001, np.cos(inner) - np.cos(outer))
            rig.spot_position.append(pos)
            rig.spot_direction.append(d)
            rig.spot_radiance.append(radiance)
            rig.spot_cone.append((s, -np.cos(outer) * s))
            if casts[i]:
                spot_matrices.append(_spot_matrix(pos, target, outer, scale))
    rig.n_dir_shadow, rig.n_spot_shadow = n_dir_shadow, len(spot_matrices)
    rig.spot_matrices = spot_matrices
    return rig


def _gl_view(position: np.ndarray, target: np.ndarray) -> np.ndarray:
    """World -> GL eye coordinates (looking down -z) for a view from ``position`` at ``target``."""
    up = (0.0, 0.0, 1.0) if abs(np.dot(target - position, (0, 0, 1))) < 0.999 * np.linalg.norm(target - position) \
        else (0.0, 1.0, 0.0)
    return np.diag([1.0, -1.0, -1.0, 1.0]) @ look_at(position, target, up)


def directional_shadow_matrix(direction: np.ndarray, centres: np.ndarray, radii: np.ndarray,
                              size: int) -> np.ndarray:
    """(4, 4) world -> light clip of a directional light's shadow map fitted to the casters.

    Parameters
    ----------
    direction : (3,) unit direction the light travels
    centres : (N, 3) world centres of the casters' bounding spheres; radii : (N,) metres
    size : texels per side of the map

    The map's half-width is the casters' footprint half-extent (with a one-texel margin)
    rounded up to a power of 2^(1/4), its centre is snapped to whole texels and its depth range
    to steps of 16 texels, so the map only moves in steps when the casters' extent changes.
    """
    view = _gl_view(np.zeros(3), np.asarray(direction, dtype=np.float64))  # fixed per light
    if len(centres) == 0:
        centres, radii = np.zeros((1, 3)), np.ones(1)
    p = centres @ view[:3, :3].T  # light-space centres (the light looks down -z)
    lo = (p - radii[:, None]).min(axis=0)
    hi = (p + radii[:, None]).max(axis=0)
    half = max(float(np.max(hi[:2] - lo[:2])) / 2.0, 0.05)
    half = 2.0 ** (np.ceil(4.0 * np.log2(half * (1.0 + 4.0 / size))) / 4.0)
    texel = 2.0 * half / size
    cx, cy = (np.round((lo[:2] + hi[:2]) / 2.0 / texel) * texel).tolist()
    # eye-space depth range of the casters (metres), in whole steps so it also holds still
    step = 16.0 * texel
    near, far = np.floor((-hi[2] - 0.01) / step) * step, np.ceil((-lo[2] + 0.01) / step) * step
    proj = np.zeros((4, 4))
    proj[0, 0] = proj[1, 1] = 1.0 / half
    proj[0, 3], proj[1, 3] = -cx / half, -cy / half
    proj[2, 2] = -1.0 / (far - near)  # z_eye = -near -> 0, -far -> 1
    proj[2, 3] = -near / (far - near)
    proj[3, 3] = 1.0
    return proj @ view


def _spot_matrix(position: np.ndarray, target: np.ndarray, outer: float, scale: float) -> np.ndarray:
    near, far = 0.01 * scale, 10.0 * scale
    yfov = float(np.clip(2.0 * outer + np.pi / 16.0, 0.0, np.pi - 1e-3))
    f = 1.0 / np.tan(yfov / 2.0)
    proj = np.zeros((4, 4))
    proj[0, 0] = proj[1, 1] = f
    proj[2, 2] = -far / (far - near)  # depth in 0..1
    proj[2, 3] = -far * near / (far - near)
    proj[3, 2] = -1.0
    return proj @ _gl_view(position, target)
