"""Headless OpenGL: choose the platform before pyrender/PyOpenGL are imported.

``PHYSREEL_GL=egl`` (default) uses EGL: Mesa's llvmpipe on machines without a GPU, the NVIDIA
driver where there is one.  ``PHYSREEL_GL=osmesa`` uses OSMesa (software) as a fallback.
``PYOPENGL_PLATFORM``, when set by the user, wins.
"""

from __future__ import annotations

import os

from ..errors import GLError

_HELP = {
    "egl": "install Mesa's EGL (Debian/Ubuntu: apt-get install libegl1 libegl-mesa0 libgl1-mesa-dri libgles2), "
    "or try OSMesa with PHYSREEL_GL=osmesa (apt-get install libosmesa6)",
    "osmesa": "install OSMesa (Debian/Ubuntu: apt-get install libosmesa6), or use EGL with PHYSREEL_GL=egl",
}


def platform() -> str:
    """The GL platform in use ("egl" or "osmesa"), set in the environment on first call."""
    want = os.environ.get("PYOPENGL_PLATFORM") or os.environ.get("PHYSREEL_GL", "egl")
    want = want.strip().lower()
    if want not in ("egl", "osmesa"):
        raise GLError(f"PHYSREEL_GL must be 'egl' or 'osmesa', got {want!r}")
    os.environ.setdefault("PYOPENGL_PLATFORM", want)
    return os.environ["PYOPENGL_PLATFORM"]


def offscreen_renderer(width: int, height: int):
    """Create a pyrender offscreen renderer, or raise GLError saying what to install."""
    plat = platform()
    try:
        import pyrender  # noqa: F401  (imports PyOpenGL with the platform chosen above)

        from .pyrender_ext import OffscreenRenderer

        return OffscreenRenderer(width, height)
    except GLError:
        raise
    except Exception as e:  # noqa: BLE001 - any failure here means no usable GL
        raise GLError(
            f"could not create an OpenGL context through {plat.upper()}: {type(e).__name__}: {e}. "
            f"To fix: {_HELP.get(plat, '')}"
        ) from None
