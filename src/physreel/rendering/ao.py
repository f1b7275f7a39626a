"""Screen-space ambient occlusion for the colour image (the ``standard`` and ``high`` looks).

Before the colour pass the opaque surfaces are drawn once more, depth only; from that depth
``glsl/ao.frag`` estimates, per pixel, how much of the sky above a point nearby surfaces hide
(creases, the floor under and around an object), then averages the noisy estimate over 4 x 4
pixels of about the same depth.  The colour pass multiplies the sky's light (diffuse and
reflected) by it -- never the direct light, which shadow maps handle.  The sampling radius is
a fixed share of the image height at each point's depth, so the occlusion looks the same at
every scale (a Newton's cradle, a room).
"""

from __future__ import annotations

import numpy as np

from .camera import CameraFrame
from .projections import NEAR


class AmbientOcclusion:
    """The occlusion texture of one renderer (``texture``: R8, one value per pixel, 1 = open).

    Parameters
    ----------
    ctx : GLContext
    width, height : image size, pixels
    samples : hemisphere samples per pixel
    radius : sampling radius, as a share of the image height at each point's depth
    strength : occlusion per occluded sample share (a point in a right-angled crease, half
        its samples occluded, keeps 1 - strength / 2 of the sky's light)
    """

    def __init__(self, ctx, width: int, height: int, samples: int, radius: float = 0.06, strength: float = 1.6):
        self.ctx, self.width, self.height = ctx, width, height
        self.samples, self.radius, self.strength = samples, radius, strength

    @property
    def texture(self):
        return self._target("ao_blur").textures["ao"]

    @property
    def depth_texture(self):
        """The depth drawn by the last :meth:`run` (reversed: near / z)."""
        return self._target("ao_depth", depth=True).depth

    def _target(self, name: str, depth: bool = False):
        from .glutil import Target, gl

        w, h = self.width, self.height
        return self.ctx.target((name, w, h), lambda: Target(w, h, [("ao", gl.GL_R8)] if not depth else [],
                                                            depth_format=gl.GL_DEPTH_COMPONENT32F if depth else None))

    def run(self, casters: list, view_proj: np.ndarray, cam: CameraFrame) -> None:
        """Draw the depth of ``casters`` ((GpuScene, Group) pairs: the opaque surfaces and the
        floor) through the camera (``view_proj``: the frame's GL clip transform) and compute
        the occlusion texture."""
        from .glutil import gl

        depth = self._target("ao_depth", depth=True)
        depth.bind()
        depth.clear_depth(0.0)  # reversed depth
        gl.glEnable(gl.GL_DEPTH_TEST)
        gl.glDepthFunc(gl.GL_GREATER)
        gl.glEnable(gl.GL_CULL_FACE)
        gl.glCullFace(gl.GL_BACK)
        gl.glFrontFace(gl.GL_CW)
        gl.glDisable(gl.GL_BLEND)
        prog = self.ctx.program("shadow.vert", "shadow.frag", {}).use()
        prog.mat4("u_light_proj", view_proj)
        bound = None
        for scene, group in casters:
            if scene is not bound:
                bound = scene
                scene.bind()
            if group.double_sided:
                gl.glDisable(gl.GL_CULL_FACE)
            else:
                gl.glEnable(gl.GL_CULL_FACE)
            scene.draw(group)
        if not self.samples:  # the depth only (for depth of field)
            return
        gl.glDisable(gl.GL_DEPTH_TEST)
        k = np.array([cam.K[0, 0], cam.K[1, 1], cam.K[0, 2], cam.K[1, 2]], dtype=np.float32)
        for name, pass_, extra in (("ao_raw", 1, {"SAMPLES": self.samples}), ("ao_blur", 2, {})):
            target = self._target(name)
            target.bind()
            prog = self.ctx.program("screen.vert", "ao.frag", {"AO_PASS": pass_, **extra}).use()
            depth.depth.bind(0)
            prog.int("u_depth", 0)
            prog.ivec2("u_size", (self.width, self.height))
            prog.vec("u_k", k)
            prog.vec("u_near", NEAR)
            if pass_ == 1:
                prog.vec("u_radius", self.radius)
                prog.vec("u_strength", self.strength)
            else:
                self._target("ao_raw").textures["ao"].bind(1)
                prog.int("u_ao", 1)
            self.ctx.draw_screen()
        gl.glEnable(gl.GL_DEPTH_TEST)
