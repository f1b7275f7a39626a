"""Post-process anti-aliasing of the fast look (see ``glsl/post_aa.frag``), run only over the
screen regions where geometric edges can be (:func:`physreel.rendering.regions.edge_regions`).

llvmpipe runs every instruction of a shader for every pixel of a block whatever its branches
say, but skips blocks that fail the depth test.  So the colour is copied, a first pass marks
the pixels at silhouettes and creases (found in the depth buffer) with enough contrast in the
depth buffer of the output, and the edge search runs only where that mark lets it through.
"""

from __future__ import annotations

import ctypes

import numpy as np

from .camera import CameraFrame


class PostAA:
    """The regions' vertex buffer and the two passes; one per renderer (``delete`` frees it)."""

    def __init__(self, ctx):
        from .glutil import Buffer, gl

        self.ctx = ctx
        self.buffer = Buffer(np.zeros((6, 2), np.float32), usage=gl.GL_DYNAMIC_DRAW)
        self.vao = gl.glGenVertexArrays(1)
        gl.glBindVertexArray(self.vao)
        gl.glBindBuffer(gl.GL_ARRAY_BUFFER, self.buffer.id)
        gl.glEnableVertexAttribArray(0)
        gl.glVertexAttribPointer(0, 2, gl.GL_FLOAT, gl.GL_FALSE, 8, ctypes.c_void_p(0))
        gl.glBindVertexArray(0)

    def run(self, source, depth, cam: CameraFrame, centres: np.ndarray, radii: np.ndarray,
            floor_half: float | None) -> np.ndarray:
        """Anti-alias the colour attachment of render target ``source`` (8-bit sRGB; ``depth``,
        the geometry pass's depth texture, finds the edges); (H, W, 3) uint8 sRGB.
        ``centres`` (M, 3) and ``radii`` (M,) bound the objects, ``floor_half`` is half the
        floor's side (None: no floor)."""
        from .glutil import Target, copy_texture, gl
        from .regions import edge_regions

        w, h = source.width, source.height
        out = self.ctx.target(("post_aa", w, h), lambda: Target(w, h, [("color", gl.GL_RGBA8)],
                                                                depth_format=gl.GL_DEPTH_COMPONENT32F))
        copy_texture(source.textures["color"], out.textures["color"])
        regions = edge_regions(cam, centres, radii, floor_half)
        if len(regions):
            out.bind()
            out.clear_depth(0.0)
            gl.glDisable(gl.GL_CULL_FACE)
            gl.glDisable(gl.GL_BLEND)
            self.buffer.upload(np.ascontiguousarray(regions, dtype=np.float32))
            gl.glBindVertexArray(self.vao)
            source.textures["color"].bind(0)
            depth.bind(1)
            # 1. depth 1 where the contrast calls for anti-aliasing (nothing else is written)
            gl.glDepthFunc(gl.GL_ALWAYS)
            gl.glColorMask(gl.GL_FALSE, gl.GL_FALSE, gl.GL_FALSE, gl.GL_FALSE)
            mask = self.ctx.program("region.vert", "post_aa.frag", {"EDGE_MASK": 1}).use()
            mask.int("u_color", 0)
            mask.int("u_depth", 1)
            mask.ivec2("u_size", (w, h))
            gl.glDrawArrays(gl.GL_TRIANGLES, 0, len(regions))
            gl.glColorMask(gl.GL_TRUE, gl.GL_TRUE, gl.GL_TRUE, gl.GL_TRUE)
            # 2. the edge search, only where the mark passes the depth test (regions are at 0)
            gl.glDepthFunc(gl.GL_LESS)
            gl.glDepthMask(gl.GL_FALSE)
            resolve = self.ctx.program("region.vert", "post_aa.frag", {}).use()
            resolve.int("u_color", 0)
            resolve.vec("u_texel", (1.0 / w, 1.0 / h))
            resolve.ivec2("u_size", (w, h))
            gl.glDrawArrays(gl.GL_TRIANGLES, 0, len(regions))
            gl.glDepthMask(gl.GL_TRUE)
        return out.read("color", gl.GL_RGB, np.uint8, 3)

    def delete(self) -> None:
        from .glutil import gl

        self.buffer.delete()
        gl.glDeleteVertexArrays(1, [self.vao])
