"""Small extensions of pyrender that physreel needs.

- MSAA on demand: pyrender hard-codes 4x multisampling.  Ground-truth passes must be rendered
  without it (it blends ids, normals and depth at edges), and turning it off also saves
  3-13 ms per 512x512 frame on llvmpipe.  ``renderer.samples`` selects 0 (off) or 4.
- A scene whose shadow-map bounds can be set: pyrender fits a directional light's shadow map to
  the whole scene, which with a 30 m floor gives blurry centimetre-sized texels.
- Shaders: the installed pyrender's, except the ones physreel changed (``shaders/``, each
  tied to the hash of the pyrender file it came from) and its ground-truth ones
  (``shaders_gt/``); see :class:`ShaderCache`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyrender
from OpenGL.GL import (
    GL_COLOR_ATTACHMENT0,
    GL_DEPTH_ATTACHMENT,
    GL_DEPTH_COMPONENT,
    GL_DEPTH_COMPONENT24,
    GL_DRAW_FRAMEBUFFER,
    GL_FLOAT,
    GL_FRONT,
    GL_READ_FRAMEBUFFER,
    GL_RENDERBUFFER,
    GL_RGB,
    GL_RGBA,
    GL_RGBA32F,
    GL_UNSIGNED_BYTE,
    glBindFramebuffer,
    glBindRenderbuffer,
    glCullFace,
    glDeleteFramebuffers,
    glDeleteRenderbuffers,
    glFramebufferRenderbuffer,
    glGenFramebuffers,
    glGenRenderbuffers,
    glReadPixels,
    glRenderbufferStorage,
    glRenderbufferStorageMultisample,
)
from pyrender.constants import RenderFlags
from pyrender.renderer import Renderer as _Renderer
from pyrender.shader_program import ShaderProgramCache


def _install_uniform_cache() -> None:
    """Skip uniform uploads whose value did not change for that GL program.

    pyrender re-sends every light's uniforms (and looks up every location) for every primitive
    it draws: with 139 glass shards on screen, half of each frame went to PyOpenGL calls that
    set values the program already held (GL programs keep their uniforms).  The cache is per
    program and dropped when the program is re-created.
    """
    from pyrender.shader_program import ShaderProgram

    if getattr(ShaderProgram, "_physreel_cached", False):
        return
    original = ShaderProgram.set_uniform

    def set_uniform(self, name, value, unsigned=False):
        state = self.__dict__.get("_physreel_uniforms")
        if state is None or state[0] != self._program_id:
            state = (self._program_id, {})
            self._physreel_uniforms = state
        if isinstance(value, np.ndarray):
            key = (value.dtype.str, value.shape, value.tobytes(), unsigned)
        else:
            key = (type(value), value, unsigned)
        if state[1].get(name) == key:
            return
        state[1][name] = key
        original(self, name, value, unsigned)

    ShaderProgram.set_uniform = set_uniform
    ShaderProgram._physreel_cached = True


_install_uniform_cache()

#: pyrender's shaders that physreel changed (same file names as pyrender's).
SHADER_DIR = Path(__file__).with_name("shaders")
#: physreel's own ground-truth shaders (id, normal, depth in one float target).
GT_SHADER_DIR = Path(__file__).with_name("shaders_gt")
#: The installed pyrender's shaders: every shader physreel did not change is read from there.
PYRENDER_SHADER_DIR = Path(pyrender.__file__).with_name("shaders")
#: sha256 of the installed pyrender shader each file in SHADER_DIR was derived from.  When
#: pyrender changes one (tests/test_shaders.py fails), port its change into ours, then update
#: the hash here and the pyrender2 range in pyproject.toml.
DERIVED_FROM: dict[str, str] = {
    "mesh.frag": "b00bcadffa76bcc4645e10b13d550fb4735485131ae4178532a104821618fc38",
}


class ShaderCache(ShaderProgramCache):
    """pyrender's shader program cache, reading a shader from ``own_dir`` when physreel has one
    of that name there and from the installed pyrender otherwise.

    Parameters
    ----------
    own_dir : Path
        Folder of physreel's shaders (:data:`SHADER_DIR` or :data:`GT_SHADER_DIR`).
    """

    def __init__(self, own_dir: Path) -> None:
        super().__init__(shader_dir=str(PYRENDER_SHADER_DIR))
        # looked up for every primitive drawn: a dict, not a file-system check per call
        self.own = {p.name: str(p) for p in Path(own_dir).iterdir() if p.suffix != ".md"}

    def path(self, name: str | None) -> str | None:
        """Absolute path of shader ``name`` (ours when we have it), None for None."""
        if name is None:
            return None
        return self.own.get(name, str(PYRENDER_SHADER_DIR / name))

    def get_program(self, vertex_shader, fragment_shader, geometry_shader=None, defines=None):
        # pyrender joins the names with shader_dir (absolute paths pass through) and keys its
        # cache by file name only, so each cache must read one folder's files per name.
        return super().get_program(
            self.path(vertex_shader),
            self.path(fragment_shader),
            self.path(geometry_shader),
            defines=defines,
        )


class Renderer(_Renderer):
    """pyrender's Renderer with a selectable number of MSAA samples (0 = off)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.samples = 4
        self.float_target = False
        self._fbs: dict[tuple, tuple] = {}
        self._cleared_shadow_maps: set[int] = set()
        self._program_cache = ShaderCache(SHADER_DIR)
        self._look_cache = self._program_cache
        self._gt_cache = ShaderCache(GT_SHADER_DIR)

    def use_gt_programs(self, on: bool) -> None:
        """Switch the SEG program to physreel's ground-truth shaders (id, normal, depth)."""
        self._program_cache = self._gt_cache if on else self._look_cache

    def _configure_main_framebuffer(self):
        key = (self.samples, self.float_target)
        dims = (self.viewport_width, self.viewport_height)
        if key in self._fbs and self._fbs[key][0] != dims:
            self._delete_fb(self._fbs.pop(key))
        if key not in self._fbs:
            self._fbs[key] = (dims, *self._make_fbs(self.samples, *dims, GL_RGBA32F if self.float_target else GL_RGBA))
        _, fb, cb, db, fb_ms, cb_ms, db_ms = self._fbs[key]
        self._main_fb, self._main_cb, self._main_db = fb, cb, db
        self._main_fb_ms, self._main_cb_ms, self._main_db_ms = fb_ms, cb_ms, db_ms
        self._main_fb_dims = dims

    @staticmethod
    def _make_fbs(samples: int, w: int, h: int, color_format: int = GL_RGBA):
        cb, db = glGenRenderbuffers(2)
        glBindRenderbuffer(GL_RENDERBUFFER, cb)
        glRenderbufferStorage(GL_RENDERBUFFER, color_format, w, h)
        glBindRenderbuffer(GL_RENDERBUFFER, db)
        glRenderbufferStorage(GL_RENDERBUFFER, GL_DEPTH_COMPONENT24, w, h)
        fb = glGenFramebuffers(1)
        glBindFramebuffer(GL_DRAW_FRAMEBUFFER, fb)
        glFramebufferRenderbuffer(GL_DRAW_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_RENDERBUFFER, cb)
        glFramebufferRenderbuffer(GL_DRAW_FRAMEBUFFER, GL_DEPTH_ATTACHMENT, GL_RENDERBUFFER, db)
        if samples == 0:
            return fb, cb, db, fb, cb, db  # draw straight into the single-sample buffer
        cb_ms, db_ms = glGenRenderbuffers(2)
        glBindRenderbuffer(GL_RENDERBUFFER, cb_ms)
        glRenderbufferStorageMultisample(GL_RENDERBUFFER, samples, color_format, w, h)
        glBindRenderbuffer(GL_RENDERBUFFER, db_ms)
        glRenderbufferStorageMultisample(GL_RENDERBUFFER, samples, GL_DEPTH_COMPONENT24, w, h)
        fb_ms = glGenFramebuffers(1)
        glBindFramebuffer(GL_DRAW_FRAMEBUFFER, fb_ms)
        glFramebufferRenderbuffer(GL_DRAW_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_RENDERBUFFER, cb_ms)
        glFramebufferRenderbuffer(GL_DRAW_FRAMEBUFFER, GL_DEPTH_ATTACHMENT, GL_RENDERBUFFER, db_ms)
        return fb, cb, db, fb_ms, cb_ms, db_ms

    @staticmethod
    def _delete_fb(entry) -> None:
        _, fb, cb, db, fb_ms, cb_ms, db_ms = entry
        glDeleteFramebuffers(len({fb, fb_ms}), list({fb, fb_ms}))
        glDeleteRenderbuffers(len({cb, db, cb_ms, db_ms}), list({cb, db, cb_ms, db_ms}))

    def _shadow_mapping_pass(self, scene, light_node, flags):
        # pyrender casts shadows from every light of a kind once the flag is set; lights marked
        # `casts_shadows = False` get a shadow map cleared to "far" (lit everywhere), once.
        light = light_node.light
        if getattr(light, "casts_shadows", True):
            # Back faces only in the shadow map: a closed surface can then never shadow its own
            # lit side, which removed the striped "shadow acne" pyrender's depth bias left on
            # curved objects near the light's terminator.
            import pyrender.renderer as prr

            prr.glCullFace = _cull_front
            try:
                return super()._shadow_mapping_pass(scene, light_node, flags)
            finally:
                prr.glCullFace = glCullFace
        if id(light) not in self._cleared_shadow_maps:
            self._configure_shadow_mapping_viewport(light, flags)
            self._cleared_shadow_maps.add(id(light))
        return None

    def _delete_main_framebuffer(self):
        for entry in self._fbs.values():
            self._delete_fb(entry)
        self._fbs.clear()
        self._main_fb = self._main_cb = self._main_db = None
        self._main_fb_ms = self._main_cb_ms = self._main_db_ms = None
        self._main_fb_dims = (None, None)

    def _read_main_framebuffer(self, scene, flags):
        if self.samples:
            return super()._read_main_framebuffer(scene, flags)
        # Single-sample: nothing to resolve (a blit of a framebuffer onto itself is undefined).
        w, h = self._main_fb_dims
        glBindFramebuffer(GL_READ_FRAMEBUFFER, self._main_fb)
        depth = np.frombuffer(
            glReadPixels(0, 0, w, h, GL_DEPTH_COMPONENT, GL_FLOAT), dtype=np.float32
        )
        depth = _linear_depth(np.flip(depth.reshape(h, w), axis=0), scene.main_camera_node.camera)
        if flags & RenderFlags.DEPTH_ONLY:
            return depth
        if self.float_target:
            data = np.frombuffer(glReadPixels(0, 0, w, h, GL_RGBA, GL_FLOAT), dtype=np.float32)
            return np.flip(data.reshape(h, w, 4), axis=0), depth
        fmt, ch = (GL_RGBA, 4) if flags & RenderFlags.RGBA else (GL_RGB, 3)
        color = np.frombuffer(glReadPixels(0, 0, w, h, fmt, GL_UNSIGNED_BYTE), dtype=np.uint8)
        return np.flip(color.reshape(h, w, ch), axis=0), depth


def _linear_depth(d: np.ndarray, camera) -> np.ndarray:
    """Depth-buffer values -> z-depth in metres (0 for background), as pyrender does."""
    inf = d == 1.0
    d = 2.0 * d - 1.0
    n, f = camera.znear, camera.zfar
    out = np.zeros_like(d)
    ok = ~inf
    if f is None:
        out[ok] = 2 * n / (1.0 - d[ok])
    else:
        out[ok] = 2.0 * n * f / (f + n - d[ok] * (f - n))
    return out


def _cull_front(_mode) -> None:
    glCullFace(GL_FRONT)


class OffscreenRenderer(pyrender.OffscreenRenderer):
    """pyrender's OffscreenRenderer using :class:`Renderer` (MSAA selectable)."""

    def _create(self):
        super()._create()
        # pyrender assumes OSMesa has no framebuffer objects and then renders to the default
        # buffer, bypassing the float target of the ground-truth pass; Mesa's OSMesa (GL 3.3
        # core and later) has them.
        self._platform.supports_framebuffers = lambda: True
        old = self._renderer
        self._renderer = Renderer(self.viewport_width, self.viewport_height, self.point_size)
        old.delete()

    @property
    def samples(self) -> int:
        return self._renderer.samples

    @samples.setter
    def samples(self, value: int) -> None:
        self._renderer.samples = int(value)


class BoundedScene(pyrender.Scene):
    """A pyrender Scene whose centroid/scale (used to fit shadow maps) can be fixed."""

    shadow_centroid: np.ndarray | None = None
    shadow_scale: float | None = None

    @property
    def centroid(self):
        if self.shadow_centroid is not None:
            return self.shadow_centroid
        return super().centroid

    @property
    def scale(self):
        if self.shadow_scale is not None:
            return self.shadow_scale
        return super().scale
