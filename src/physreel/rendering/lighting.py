"""All the light of a scene, resolved once per renderer: the lights (the default rig when the
scene names none), the sky and the environment light they make together.

Below the horizon the environment is the floor, lit: its albedo times the light falling on it
(the directional lights and the sky), fading into the horizon's colour near grazing views
(where the floor is far away and hazy).  Everything is multiplied by the exposure here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..scene.models import DirectionalLight, Scene
from .environment import Environment, build_environment, elevation_table
from .lights import LightRig, default_lights, light_rig
from .sky import SkyLook, equirect_directions, extract_sun, resolve_sky

#: Cube-map size of the environment (texels per face): drawn skies are smooth; HDR images get
#: more so that mirrors show their detail.
ENV_SIZE = {"hdri": 128}
ENV_SIZE_DRAWN = 32
#: A Lambertian floor reflects this share of what falls on it (1 - f0 of a dielectric).
DIFFUSE_SHARE = 0.96
#: Share of a drawn sky's colour its diffuse light keeps (the rest is its luminance).
SKY_TINT = 0.25
#: ... and its reflections (the camera's white balance is set for daylight, not for the sky).
SKY_TINT_REFLECTED = 0.6
#: Diffuse light of a drawn sky per unit of its drawn colour (at the default ambient).
SKY_DIFFUSE = 0.6
LUMA = np.array([0.2126, 0.7152, 0.0722])


@dataclass
class Lighting:
    """The resolved light of a scene.

    Attributes
    ----------
    rig : LightRig (radiances times the exposure)
    sky : SkyLook
    env : Environment (times the exposure)
    exposure : float, linear factor
    """

    rig: LightRig
    sky: SkyLook
    env: Environment
    exposure: float


def key_direction(lights: list) -> np.ndarray | None:
    """Unit direction *towards* the key light: the first shadowed directional light, else the
    first directional one; None without directional lights."""
    dirs = [light for light in lights if isinstance(light, DirectionalLight)]
    if not dirs:
        return None
    key = next((light for light in dirs if light.shadows), dirs[0])
    d = -np.asarray(key.direction, dtype=np.float64)
    return d / np.linalg.norm(d)


def scene_lighting(scene: Scene, floor_albedo: np.ndarray | None, scale: float, exposure: float) -> Lighting:
    """The :class:`Lighting` of ``scene``.

    Parameters
    ----------
    floor_albedo : (3,) mean linear albedo of the floor, or None without a floor
    scale : metres, size of the region where things happen (spot-light shadow ranges)
    exposure : linear exposure factor
    """
    lights = list(scene.lights) if scene.lights is not None else default_lights(scene)
    sky = resolve_sky(scene, key_direction(lights))
    if sky.kind == "hdri":
        sky, sun = _prepare_hdri(sky, scene)
        if scene.lights is None:
            lights = [sun] if sun is not None else []
    rig = light_rig(lights, scale, exposure)
    size = ENV_SIZE.get(sky.kind, ENV_SIZE_DRAWN)
    sky_only = build_environment(sky.radiance, 16, sky.horizon_radiance())
    radiance = sky.radiance
    if floor_albedo is not None:
        e_dir = sum((np.asarray(r) * max(-d[2], 0.0) for d, r in zip(rig.dir_direction, rig.dir_radiance, strict=True)),
                    np.zeros(3)) / exposure
        e_sky = sky_only.diffuse_at(np.array([0.0, 0.0, 1.0]))  # E / pi from the sky above
        if sky.kind != "hdri":
            e_sky = e_sky * SKY_DIFFUSE
        floor = np.asarray(floor_albedo) * DIFFUSE_SHARE * (e_dir / np.pi + e_sky)
        horizon = sky.horizon_radiance()

        def radiance(d: np.ndarray, glow: bool = True, _sky=sky.radiance) -> np.ndarray:
            below = d[:, 2:3] < 0.0
            grazing = np.exp(-np.maximum(-d[:, 2:3], 0.0) / 0.03)  # the far floor is hazy
            return np.where(below, floor + (horizon - floor) * grazing, _sky(d, glow))

    diffuse = None
    if sky.kind != "hdri":
        # A drawn sky is brighter than the sunlit scene would let a camera show it; its
        # diffuse light is scaled to a quarter of what falls on the floor, and the camera is
        # balanced for daylight: the light keeps only part of the sky's colour (a blue sky
        # gives bluish shadows, not a blue floor).  Reflections show the sky as bright as it
        # is drawn, a little less blue.
        def diffuse(d: np.ndarray) -> np.ndarray:
            r = radiance(d)
            grey = (r @ LUMA)[:, None]
            return np.where(d[:, 2:3] < 0.0, r, (grey + SKY_TINT * (r - grey)) * SKY_DIFFUSE) * exposure

    reflected = radiance
    if sky.kind != "hdri":
        def reflected(d: np.ndarray, glow: bool = True) -> np.ndarray:  # balanced like the diffuse light
            r = radiance(d, glow)
            grey = (r @ LUMA)[:, None]
            return np.where(d[:, 2:3] < 0.0, r, grey + SKY_TINT_REFLECTED * (r - grey))

    env = build_environment(lambda d: reflected(d) * exposure, size, sky.horizon_radiance() * exposure, diffuse)
    if sky.kind != "hdri":  # reflections by height: the glow around the sun is left out
        env.elevation = elevation_table(lambda d: reflected(d, glow=False) * exposure)
    return Lighting(rig, sky, env, exposure)


def _prepare_hdri(sky: SkyLook, scene: Scene) -> tuple[SkyLook, DirectionalLight | None]:
    """Scale an HDR sky so that a white floor under it reflects ``intensity`` and take out its
    sun (see :mod:`physreel.rendering.sky`); returns the sky and the sun as a light, or None."""
    image, sun_dir, sun_e = extract_sun(sky.image, sky.rotation)
    dirs, omega = equirect_directions(*image.shape[:2], sky.rotation)
    up = np.maximum(dirs[..., 2], 0.0)
    e_up = (image * (up * omega)[..., None]).sum(axis=(0, 1))  # irradiance on the floor
    if sun_dir is not None:
        e_up = e_up + sun_e * max(sun_dir[2], 0.0)
    lum = float(e_up @ np.array([0.2126, 0.7152, 0.0722]))
    k = scene.sky.intensity * (np.pi / lum if lum > 0 else 1.0)
    sky.image = (image * k).astype(np.float32)
    sun = None
    if sun_dir is not None:
        e = sun_e * k
        peak = float(e.max())
        sun = DirectionalLight(direction=tuple(-sun_dir), intensity=peak, color=tuple((e / peak) ** (1 / 2.2)),
                               shadows=bool(scene.render.shadows))
    return sky, sun
