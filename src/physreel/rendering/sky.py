"""The sky: what the camera sees where no surface is, and the light it sheds.

A :class:`~physreel.scene.models.Sky` resolves to a :class:`SkyLook`: how the background
shader draws it (``glsl/sky.glsl`` computes the same gradient, sun and glow as
:meth:`SkyLook.display`) and its radiance in every direction, from which
:mod:`physreel.rendering.environment` makes the diffuse and reflected light.

Drawn skies (``color``, ``gradient``, ``procedural``) are given in display colours: they are
drawn exactly as given, and they light the scene with that colour (passed back through the
tone curve) times ``ambient / 0.25`` -- at the default ambient a mirror shows the sky as it is
drawn.  Below the horizon the light comes from the floor: its albedo times the light falling
on it.  An ``hdri`` sky is the image's radiance, scaled so that a white floor under it (its
sun included) reflects 1, times ``intensity``; its sun, when it has a small bright one, is
taken out of the image and becomes a directional light (the key light when the scene has no
``lights``), so that it casts shadows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..colors import srgb_to_linear
from ..scene.models import Scene
from .tonemap import inverse_tone_map

#: Ambient level at which drawn skies light the scene with their own colour.
AMBIENT_UNIT = 0.25
#: Sun colour of the procedural sky (display, linear) and the strengths of its two glows.
SUN_COLOR = np.array([1.0, 0.97, 0.9])
GLOW = ((0.3, 0.08), (0.08, 0.45))  # (strength, angular falloff in radians) of a tight and a wide glow


@dataclass
class SkyLook:
    """A resolved sky.

    Attributes
    ----------
    kind : "color" | "gradient" | "procedural" | "hdri"
    zenith, horizon, ground : (3,) display-linear colours (``color``: all three the colour)
    sun : (3,) unit direction towards the sun, or None (procedural skies draw it)
    sun_radius : float, radians
    gain : float, radiance of a drawn sky per unit of display colour
    image : (H, W, 3) float32 equirectangular radiance (hdri; row 0 straight up, column u at
        azimuth atan2(y, x) = 2 pi (0.5 - u) + rotation), or None
    rotation : float, radians
    haze : float, metres (0: none)
    """

    kind: str
    zenith: np.ndarray
    horizon: np.ndarray
    ground: np.ndarray
    sun: np.ndarray | None
    sun_radius: float
    gain: float
    image: np.ndarray | None = None
    rotation: float = 0.0
    haze: float = 0.0

    # ------------------------------------------------------------------ drawn skies
    def display(self, dirs: np.ndarray, with_sun: bool = True, glow: bool = True) -> np.ndarray:
        """(N, 3) display-linear colour of the drawn sky in unit directions (N, 3) (its sun
        disc and glow left out on request)."""
        z = dirs[:, 2:3]
        up = np.sqrt(np.clip(z, 0.0, 1.0))
        down = np.clip(-z / 0.2, 0.0, 1.0)
        down = down * down * (3.0 - 2.0 * down)
        c = np.where(z >= 0.0, self.horizon + (self.zenith - self.horizon) * up,
                     self.horizon + (self.ground - self.horizon) * down)
        if self.sun is not None and glow:
            ang = np.linalg.norm(dirs - self.sun, axis=1)[:, None]  # chord: the angle, nearly
            for strength, falloff in GLOW:
                c = c + SUN_COLOR * strength * np.exp(-ang / falloff)
            if with_sun:
                c = np.where(ang < self.sun_radius, SUN_COLOR, c)
        return np.clip(c, 0.0, 1.0)

    # ------------------------------------------------------------------ light
    def radiance(self, dirs: np.ndarray, glow: bool = True) -> np.ndarray:
        """(N, 3) radiance (exposure not applied) arriving from unit directions (N, 3), the
        floor not included (:mod:`physreel.rendering.lighting` adds it); a procedural sky's
        sun disc is left out (the key light is the sun), its glow on request too."""
        if self.image is not None:
            return sample_equirect(self.image, dirs, self.rotation)
        return inverse_tone_map(self.display(dirs, with_sun=False, glow=glow)) * self.gain

    def horizon_radiance(self) -> np.ndarray:
        """(3,) radiance at the horizon (azimuthal mean; exposure not applied)."""
        a = np.linspace(0.0, 2.0 * np.pi, 64, endpoint=False)
        d = np.stack([np.cos(a), np.sin(a), np.full_like(a, 1e-3)], axis=1)
        if self.image is not None:
            return self.radiance(d).mean(axis=0)
        return inverse_tone_map(self.display(d, with_sun=False).mean(axis=0))


def sample_equirect(image: np.ndarray, dirs: np.ndarray, rotation: float = 0.0) -> np.ndarray:
    """(N, 3) bilinear samples of an equirectangular image (H, W, 3) in unit directions."""
    h, w = image.shape[:2]
    az = np.arctan2(dirs[:, 1], dirs[:, 0]) - rotation
    u = (0.5 - az / (2.0 * np.pi)) % 1.0 * w - 0.5
    v = np.arccos(np.clip(dirs[:, 2], -1.0, 1.0)) / np.pi * h - 0.5
    u0 = np.floor(u).astype(int)
    v0 = np.clip(np.floor(v).astype(int), 0, h - 1)
    v1 = np.clip(v0 + 1, 0, h - 1)
    fu, fv = (u - u0)[:, None], np.clip(v - np.floor(v), 0.0, 1.0)[:, None]
    u0, u1 = u0 % w, (u0 + 1) % w
    top = image[v0, u0] * (1 - fu) + image[v0, u1] * fu
    bottom = image[v1, u0] * (1 - fu) + image[v1, u1] * fu
    return top * (1 - fv) + bottom * fv


def equirect_directions(h: int, w: int, rotation: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """(H, W, 3) unit directions at the pixel centres of an equirectangular image and (H, W)
    solid angle of each pixel (steradians)."""
    theta = (np.arange(h) + 0.5) / h * np.pi
    az = 2.0 * np.pi * (0.5 - (np.arange(w) + 0.5) / w) + rotation
    st = np.sin(theta)[:, None]
    d = np.stack([st * np.cos(az)[None], st * np.sin(az)[None], np.repeat(np.cos(theta)[:, None], w, 1)], -1)
    omega = np.repeat((np.pi / h) * (2.0 * np.pi / w) * np.sin(theta)[:, None], w, axis=1)
    return d, omega


def extract_sun(image: np.ndarray, rotation: float = 0.0) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """Take a small, bright sun out of an equirectangular image.

    Returns (image without the sun, direction towards the sun (3,) or None, its irradiance at
    normal incidence (3,) or None).  A sun is the brightest pixel's neighbourhood (within 4
    degrees, above a tenth of the peak) when it is at least 50 times brighter than the
    image's mean and smaller than 0.02 sr; its pixels are replaced by the median around it.
    """
    lum = image @ np.array([0.2126, 0.7152, 0.0722])
    peak = np.unravel_index(int(np.argmax(lum)), lum.shape)
    if lum[peak] < 50.0 * lum.mean():
        return image, None, None
    dirs, omega = equirect_directions(*lum.shape, rotation)
    centre = dirs[peak]
    ang = np.arccos(np.clip(dirs @ centre, -1.0, 1.0))
    disc = (ang < np.radians(4.0)) & (lum > 0.1 * lum[peak])
    if omega[disc].sum() > 0.02:
        return image, None, None
    out = image.copy()
    ring = (ang >= np.radians(4.0)) & (ang < np.radians(8.0))
    out[disc] = np.median(image[ring], axis=0) if ring.any() else 0.0
    irradiance = ((image[disc] - out[disc]) * omega[disc, None]).sum(axis=0)
    direction = (dirs[disc] * (lum[disc] * omega[disc])[:, None]).sum(axis=0)
    return out, direction / np.linalg.norm(direction), irradiance


def haze_distance(scene: Scene) -> float:
    """Metres at which surfaces have faded 63 % into the horizon (0: no haze).  ``auto``: the
    floor's far edge (half its size away) is 99.5 % faded, but never nearer than for a 100 m
    floor (a small floor is a platform, seen as one)."""
    h = scene.sky.haze
    if h != "auto":
        return float(h)
    half = scene.ground.size / 2.0 if scene.ground.enabled else 50.0
    return max(half, 50.0) / np.sqrt(-np.log(0.005))


def resolve_sky(scene: Scene, sun_direction: np.ndarray | None) -> SkyLook:
    """The :class:`SkyLook` of a scene; ``sun_direction``: unit vector towards the key light
    (where a procedural sky draws its sun), or None."""
    sky = scene.sky
    gain = scene.ambient / AMBIENT_UNIT
    haze = haze_distance(scene)
    radius = np.radians(sky.sun_size) / 2.0
    if sky.type == "color":
        c = srgb_to_linear(sky.color)
        return SkyLook("color", c, c, c, None, radius, gain, haze=haze)
    zen, hor, gro = (srgb_to_linear(c) for c in (sky.zenith, sky.horizon, sky.ground))
    if sky.type == "hdri":
        from .hdr import read_hdr

        image = read_hdr(sky.file).astype(np.float64)
        return SkyLook("hdri", zen, hor, gro, None, radius, gain, image=image, rotation=np.radians(sky.rotation),
                       haze=haze)
    sun = sun_direction if sky.type == "procedural" and sky.sun else None
    return SkyLook(sky.type, zen, hor, gro, sun, radius, gain, haze=haze)
