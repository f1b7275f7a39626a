"""Headless OpenGL: the platform, and one GL context per thread, kept for the process.

``PHYSREEL_GL=egl`` (default) uses EGL: Mesa's llvmpipe on machines without a GPU, the NVIDIA
driver where there is one.  ``PHYSREEL_GL=osmesa`` uses OSMesa (software) as a fallback.
``PYOPENGL_PLATFORM``, when set by the user, wins.

The context comes from pyrender's platform layer.  It is created on first use and kept until
the process exits, together with the compiled shader programs and the render targets of the
last image size: a batch worker renders clip after clip without recompiling shaders (LLVM
compiles each one on llvmpipe) or creating a context again.  GL contexts belong to a thread,
so each thread that renders gets its own.
"""

from __future__ import annotations

import atexit
import os
import threading

from ..errors import GLError

_HELP = {
    "egl": "install Mesa's EGL (Debian/Ubuntu: apt-get install libegl1 libegl-mesa0 libgl1-mesa-dri libgles2), "
    "or try OSMesa with PHYSREEL_GL=osmesa (apt-get install libosmesa6)",
    "osmesa": "install OSMesa (Debian/Ubuntu: apt-get install libosmesa6), or use EGL with PHYSREEL_GL=egl",
}

_local = threading.local()
_all: list[GLContext] = []
_lock = threading.Lock()


def platform() -> str:
    """The GL platform in use ("egl" or "osmesa"), set in the environment on first call."""
    want = os.environ.get("PYOPENGL_PLATFORM") or os.environ.get("PHYSREEL_GL", "egl")
    want = want.strip().lower()
    if want not in ("egl", "osmesa"):
        raise GLError(f"PHYSREEL_GL must be 'egl' or 'osmesa', got {want!r}")
    os.environ.setdefault("PYOPENGL_PLATFORM", want)
    return os.environ["PYOPENGL_PLATFORM"]


class GLContext:
    """A current GL context with its caches of programs and render targets."""

    def __init__(self, plat: str):
        self.platform_name = plat
        try:
            if plat == "egl":
                from pyrender.platforms.egl import EGLPlatform as Platform
            else:
                from pyrender.platforms.osmesa import OSMesaPlatform as Platform
            self._platform = Platform(16, 16)  # we draw into our own framebuffers
            self._platform.init_context()
            self._platform.make_current()
            from OpenGL import GL as gl

            version = gl.glGetIntegerv(gl.GL_MAJOR_VERSION) * 10 + gl.glGetIntegerv(gl.GL_MINOR_VERSION)
            self.renderer_name = gl.glGetString(gl.GL_RENDERER).decode(errors="replace")
        except GLError:
            raise
        except Exception as e:  # noqa: BLE001 - any failure here means no usable GL
            raise GLError(
                f"could not create an OpenGL context through {plat.upper()}: {type(e).__name__}: {e}. "
                f"To fix: {_HELP.get(plat, '')}"
            ) from None
        if version < 43:
            self.release()
            raise GLError(f"OpenGL 4.3 or newer is needed, {self.renderer_name} offers {version // 10}.{version % 10}; "
                          f"To fix: {_HELP.get(plat, '')}")
        self.programs: dict[tuple, object] = {}
        self.targets: dict[tuple, object] = {}
        self.empty_vao = gl.glGenVertexArrays(1)
        self.clip_control = _clip_control()

    def make_current(self) -> None:
        self._platform.make_current()

    def draw_screen(self) -> None:
        """Draw the one triangle that covers the viewport (``screen.vert``), with face culling
        off: its winding is whatever the previous pass left ``glFrontFace`` at."""
        from .glutil import gl

        gl.glDisable(gl.GL_CULL_FACE)
        gl.glBindVertexArray(self.empty_vao)
        gl.glDrawArrays(gl.GL_TRIANGLES, 0, 3)

    def program(self, vertex: str, fragment: str, defines: dict[str, object]):
        """The compiled program of two GLSL files with ``defines`` (cached)."""
        from .glutil import Program

        key = (vertex, fragment, tuple(sorted(defines.items())))
        prog = self.programs.get(key)
        if prog is None:
            prog = self.programs[key] = Program(vertex, fragment, defines)
        return prog

    def target(self, key: tuple, make):
        """A cached render target; targets of another image size are deleted first."""
        t = self.targets.get(key)
        if t is None:
            size = key[1:3]
            for k in [k for k in self.targets if k[1:3] != size and k[0] != "shadow"]:
                self.targets.pop(k).delete()
            t = self.targets[key] = make()
        return t

    def release(self) -> None:
        if self._platform is not None:
            try:
                self._platform.make_current()
                self._platform.delete_context()
            except Exception:  # noqa: BLE001 - the process is ending or the context is gone
                pass
            self._platform = None


def _clip_control():
    """glClipControl (GL 4.5).  PyOpenGL does not resolve it on OSMesa although Mesa has it, so
    fall back to the platform's procedure lookup."""
    import ctypes

    from OpenGL import GL as gl
    from OpenGL import platform as glplatform

    if bool(gl.glClipControl):
        return gl.glClipControl
    ptr = glplatform.PLATFORM.getExtensionProcedure(b"glClipControl")
    if not ptr:
        raise GLError("this OpenGL has no glClipControl (GL 4.5 / ARB_clip_control), which physreel needs")
    return ctypes.CFUNCTYPE(None, ctypes.c_uint, ctypes.c_uint)(ptr)


def context() -> GLContext:
    """This thread's GL context, created on first use and made current."""
    ctx = getattr(_local, "ctx", None)
    if ctx is None:
        ctx = GLContext(platform())
        _local.ctx = ctx
        with _lock:
            _all.append(ctx)
    else:
        ctx.make_current()
    return ctx


@atexit.register
def _release_all() -> None:
    with _lock:
        for ctx in _all:
            ctx.release()
        _all.clear()
