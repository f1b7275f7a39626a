"""What the colour shaders read besides the meshes: the scene's light (lights, sky,
environment), the floor's pattern and lighting tables, and the sky's drawing.

Made once per renderer (:class:`ColorShading`); :meth:`ColorShading.surface_uniforms` and
:meth:`ColorShading.sky_uniforms` set them on a program each time it is bound.
"""

from __future__ import annotations

import numpy as np

from ..colors import srgb_to_linear
from .floor_lighting import LUT_SIZE, floor_tables, sky_specular
from .floors import PATTERNS, floor_pattern, pattern_repeat
from .lighting import Lighting, scene_lighting
from .surfaces import FLOOR_ROUGHNESS

#: Default metres per repeat of a floor image file.
IMAGE_REPEAT = 2.0


class ColorShading:
    """GPU resources of the colour image.

    Parameters
    ----------
    scene : Scene
    ground : BuiltGround or None
    scale : metres, size of the region where things happen
    exposure : linear exposure factor
    """

    def __init__(self, scene, ground, scale: float, exposure: float):
        from .glutil import Texture2D, TextureCube, gl

        self.ground = ground
        self.checker = None
        self.floor_image = None
        self.floor_repeat = 1.0
        albedo = None
        if ground is not None:
            light, dark = (np.asarray(c, dtype=np.float64) for c in ground.colors)
            if ground.texture == "checker":
                self.checker = (srgb_to_linear(light), srgb_to_linear(dark), ground.checker_size)
                albedo = (self.checker[0] + self.checker[1]) / 2.0
            elif ground.texture in ("none", "plain"):
                albedo = srgb_to_linear(light)
            else:
                image = self._floor_image(ground, scene)
                albedo = srgb_to_linear(image.reshape(-1, 3)[::97] / 255.0).mean(axis=0)
                self.floor_image = Texture2D(image.shape[1], image.shape[0], gl.GL_SRGB8,
                                             image=np.ascontiguousarray(image[::-1]), filter_linear=True,
                                             mipmaps=True, repeat=True)
        self.floor_albedo = albedo
        self.plain_floor = None if ground is None or self.checker is not None or self.floor_image is not None \
            else srgb_to_linear(np.asarray(ground.colors[0]))
        self.lighting: Lighting = scene_lighting(scene, albedo, scale, exposure)
        env = self.lighting.env
        self.env = TextureCube(env.cube)
        self.env_elevation = None
        if env.elevation is not None:
            self.env_elevation = Texture2D(env.elevation.shape[1], env.elevation.shape[0], gl.GL_RGB16F,
                                           image=env.elevation, filter_linear=True)
        self.sky = self.lighting.sky
        self.sky_image = None
        if self.sky.image is not None:
            img = np.ascontiguousarray(self.sky.image.astype(np.float32))
            self.sky_image = Texture2D(img.shape[1], img.shape[0], gl.GL_RGB16F, image=img, filter_linear=True,
                                       mipmaps=True, repeat=True)
        self.haze = np.log2(np.e) / self.sky.haze ** 2 if self.sky.haze > 0 else 0.0
        self.floor_luts = self._floor_luts() if ground is not None else []

    @property
    def rig(self):
        return self.lighting.rig

    def _floor_image(self, ground, scene) -> np.ndarray:
        """The floor's pattern or image file, (H, W, 3) uint8 sRGB (row 0 at the top)."""
        if ground.texture in PATTERNS:
            mean = tuple(float(c) for c in (np.asarray(ground.colors[0]) + np.asarray(ground.colors[1])) / 2.0)
            self.floor_repeat = pattern_repeat(ground.texture, scene.ground.texture_scale)
            return floor_pattern(ground.texture, mean)
        from .textures import load_texture

        self.floor_repeat = scene.ground.texture_scale or IMAGE_REPEAT
        return load_texture(ground.texture, ground.colors[0])

    def _floor_luts(self) -> list:
        """Textures of the floor's tabulated directional and sky lighting (floor_lighting), or []."""
        from .glutil import Texture2D, gl

        rig = self.rig
        if not rig.dir_direction or rig.n_dir_shadow > 3:
            return []
        tables = floor_tables(rig.dir_direction, rig.dir_radiance, rig.n_dir_shadow, FLOOR_ROUGHNESS,
                              sky=sky_specular(self.lighting.env, FLOOR_ROUGHNESS))
        return [Texture2D(LUT_SIZE, LUT_SIZE, gl.GL_RGBA32F, image=t, filter_linear=True) for t in tables]

    # ------------------------------------------------------------------ per draw
    def floor_defines(self) -> dict:
        d = {"FLOOR": 1}
        if self.checker is not None:
            d["FLOOR_CHECKER"] = 1
        if self.floor_image is not None:
            d["FLOOR_TEXTURE"] = 1
        if self.floor_luts:
            d["FLOOR_LUT"] = 1
            if len(self.floor_luts) == 1:
                d["FLOOR_LUT_GREY"] = 1
        return d

    def surface_defines(self) -> dict:
        """Defines of every colour program: how the sky's reflections are looked up."""
        return {"ENV_ELEVATION": 1} if self.env_elevation is not None else {}

    def sky_defines(self) -> dict:
        if self.sky.image is not None:
            return {"SKY_IMAGE": 1}
        return {"SKY_SUN": 1} if self.sky.sun is not None else {}

    def surface_uniforms(self, prog, unit: int) -> int:
        """Set the light, sky and floor uniforms of a colour program; textures from ``unit`` on.
        Returns the next free texture unit."""
        env = self.lighting.env
        loc = prog.loc("u_sh[0]")
        if loc >= 0:
            from .glutil import gl

            gl.glUniform3fv(loc, 9, np.ascontiguousarray(env.diffuse, dtype=np.float32))
        if self.env_elevation is not None:
            self.env_elevation.bind(unit)
            prog.int("u_env_elevation", unit)
        else:
            self.env.bind(unit)
            prog.int("u_env", unit)
            prog.vec("u_env_size", float(self.env.size))
            prog.vec("u_env_lod", float(self.env.levels - 1))
        unit += 1
        prog.vec("u_haze_color", env.horizon)
        prog.vec("u_haze", self.haze)
        if self.checker is not None:
            prog.vec("u_checker_a", self.checker[0])
            prog.vec("u_checker_b", self.checker[1])
            prog.vec("u_checker_size", self.checker[2])
        if self.floor_image is not None and prog.loc("u_floor_texture") >= 0:
            self.floor_image.bind(unit)
            prog.int("u_floor_texture", unit)
            prog.vec("u_floor_scale", self.floor_repeat)
            unit += 1
        if prog.loc("u_floor_lut0") >= 0:
            prog.vec("u_floor_ambient", env.diffuse_at(np.array([0.0, 0.0, 1.0])) * (1.0 - 0.04))
            for i, tex in enumerate(self.floor_luts):
                tex.bind(unit)
                prog.int(f"u_floor_lut{i}", unit)
                unit += 1
        return unit

    def sky_uniforms(self, prog, cam, unit: int) -> None:
        """Uniforms of the sky's drawing (glsl/sky.glsl) for camera ``cam``."""
        sky = self.sky
        r_c2w = cam.world_to_camera[:3, :3].T
        prog.mat3("u_pixel_to_world", r_c2w @ np.linalg.inv(cam.K))
        prog.vec("u_zenith", sky.zenith)
        prog.vec("u_horizon", sky.horizon)
        prog.vec("u_ground", sky.ground)
        if sky.sun is not None:
            prog.vec("u_sun", sky.sun)
            prog.vec("u_sun_radius", sky.sun_radius)
            prog.vec("u_pixel_angle", 1.0 / cam.K[1, 1])
        if self.sky_image is not None:
            self.sky_image.bind(unit)
            prog.int("u_sky_image", unit)
            prog.vec("u_sky_rotation", sky.rotation)
            h = self.sky_image.height
            texels_per_pixel = (h / np.pi) / cam.K[1, 1]
            prog.vec("u_sky_lod", float(max(np.log2(max(texels_per_pixel, 1e-6)), 0.0)))
            prog.vec("u_exposure", self.lighting.exposure)

    def delete(self) -> None:
        for t in [self.env, self.env_elevation, self.floor_image, self.sky_image, *self.floor_luts]:
            if t is not None:
                t.delete()
