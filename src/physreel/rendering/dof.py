"""Depth of field of the colour image: a thin lens of f-number ``camera.aperture`` focused at
``camera.focus_distance`` (default: the distance to ``look_at``, along the view axis of each
frame), on a full-frame sensor (24 mm high), the focal length following the field of view.

The circle of confusion of a point at depth z has the diameter ``A f |z - z_f| / (z (z_f - f))``
on the sensor (A = f / N the aperture's diameter), here in pixels.  ``glsl/dof.frag`` gathers
each pixel's neighbours whose circles cover it, up to a radius the tier allows.  Ground truth
and controls are never blurred: only the colour image is.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .camera import CameraFrame
from .projections import NEAR

#: Sensor height, metres (full frame).
SENSOR = 0.024


def lens_terms(cam: CameraFrame, aperture: float, focus: float) -> tuple[float, float]:
    """(a, b) with the circle of confusion's radius in pixels ``|a - b / z|`` for depth z (m)."""
    f = SENSOR / (2.0 * np.tan(cam.yfov / 2.0))
    diameter = f / aperture
    focus = max(focus, 1.01 * f)
    # c(z) = A f (z - zf) / (z (zf - f)) = A f / (zf - f) - A f zf / ((zf - f) z); radius = c / 2 px
    k = diameter * f / (focus - f) / SENSOR * cam.height / 2.0
    return float(k), float(k * focus)


def focus_distance(cam: CameraFrame, look_at, default: float | None) -> float:
    """The focus distance at this frame: ``default`` when set, else the z-depth of ``look_at``
    in the camera (its initial distance when behind the camera)."""
    if default is not None:
        return float(default)
    p = cam.world_to_camera[:3, :3] @ np.asarray(look_at, dtype=np.float64) + cam.world_to_camera[:3, 3]
    return float(p[2]) if p[2] > 0.05 else float(np.linalg.norm(p))


@dataclass(frozen=True)
class Lens:
    """A camera's lens: ``aperture`` (f-number), ``focus`` (metres or None: at ``look_at``)."""

    aperture: float
    focus: float | None
    look_at: tuple[float, float, float]

    @classmethod
    def of(cls, camera) -> Lens | None:
        """The lens of a scene camera, None when it sets no ``aperture`` (everything sharp)."""
        if camera.aperture is None:
            return None
        return cls(float(camera.aperture), camera.focus_distance, tuple(float(v) for v in camera.look_at))


class DepthOfField:
    """The lens of one camera and its GPU pass.

    Parameters
    ----------
    ctx : GLContext
    width, height : pixels
    aperture : f-number; focus : metres or None (see :func:`focus_distance`); look_at : (3,)
    max_radius : largest circle of confusion, pixels (blur beyond it is clamped)
    samples : gather samples per pixel
    """

    def __init__(self, ctx, width: int, height: int, lens: Lens, max_radius: int = 12, samples: int = 48):
        from .glutil import Texture2D, gl

        self.ctx, self.width, self.height, self.lens = ctx, width, height, lens
        self.max_radius, self.samples = int(max_radius), int(samples)
        self.image = Texture2D(width, height, gl.GL_RGBA8)
        self.depth = Texture2D(width, height, gl.GL_DEPTH_COMPONENT32F)  # the frame's, kept

    def keep_depth(self, depth) -> None:
        """Keep the frame's reversed depth texture (later passes draw over it)."""
        from .glutil import copy_texture

        copy_texture(depth, self.depth)

    def run(self, rgb: np.ndarray, cam: CameraFrame) -> np.ndarray:
        """(H, W, 3) uint8: ``rgb`` seen through the lens (the depth kept last)."""
        from .glutil import Target, gl

        w, h = self.width, self.height
        out = self.ctx.target(("dof", w, h), lambda: Target(w, h, [("color", gl.GL_RGBA8)], depth_format=None))
        self.image.bind(0)  # (after making the target: that binds its own texture)
        gl.glPixelStorei(gl.GL_UNPACK_ALIGNMENT, 1)
        gl.glTexSubImage2D(gl.GL_TEXTURE_2D, 0, 0, 0, w, h, gl.GL_RGB, gl.GL_UNSIGNED_BYTE, np.ascontiguousarray(rgb))
        out.bind()
        gl.glDisable(gl.GL_DEPTH_TEST)
        gl.glDisable(gl.GL_BLEND)
        prog = self.ctx.program("screen.vert", "dof.frag", {"SAMPLES": self.samples,
                                                           "MAX_RADIUS": self.max_radius}).use()
        prog.int("u_image", 0)
        self.depth.bind(1)
        prog.int("u_depth", 1)
        prog.ivec2("u_size", (w, h))
        prog.vec("u_near", NEAR)
        lens = self.lens
        prog.vec("u_lens", lens_terms(cam, lens.aperture, focus_distance(cam, lens.look_at, lens.focus)))
        self.ctx.draw_screen()
        gl.glEnable(gl.GL_DEPTH_TEST)
        return out.read("color", gl.GL_RGB, np.uint8, 3)

    def delete(self) -> None:
        self.image.delete()
        self.depth.delete()
