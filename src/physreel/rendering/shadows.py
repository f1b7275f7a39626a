"""Shadow maps: the depth of the casters seen from each shadowed light, and the light they let
through (the floor's shadow, which lies below every caster, is read from that with one
filtered lookup).  Opaque casters are drawn back faces only: a closed surface can then never
shadow its own lit side (no acne); they stay off the map's outermost texels, so lookups
outside it clamp to a lit border.  Transparent casters write no depth (they shadow no object)
but multiply the light they let through -- their colour, times one less their opacity -- so
glass throws a light, tinted shadow on the floor.

With soft shadows the light map gets mip levels, which the floor reads coarser the farther the
casters above it (a penumbra that widens with the distance), and each map carries its
penumbra scale: map texels of blur per unit of map depth, from the light's angular size.
"""

from __future__ import annotations

import numpy as np

from .lights import LightRig, directional_shadow_matrix

#: Angular diameter of a light for soft shadows, radians (a hazy sun or a small window: 11 times the sun).
SOFT_ANGLE = np.radians(6.0)


def shadow_matrices(rig: LightRig, centres: np.ndarray, radii: np.ndarray, size: int) -> list[np.ndarray]:
    """World -> light clip (4, 4) of every shadow-map slot: the shadowed directional lights
    fitted to the casters' bounding spheres (``centres`` (M, 3), ``radii`` (M,)), then the
    shadowed spot lights."""
    return [directional_shadow_matrix(d, centres, radii, size)
            for d in rig.dir_direction[: rig.n_dir_shadow]] + rig.spot_matrices


def penumbra_scale(matrix: np.ndarray, size: int, soft: bool) -> float:
    """Map texels of penumbra per unit of map depth of an orthographic (directional) map:
    depth range x tan(angle) / texel size; 0 without soft shadows (and for spot lights)."""
    if not soft or abs(matrix[3, 3] - 1.0) > 1e-9 or matrix[3, 2] != 0.0:
        return 0.0
    half = 1.0 / np.linalg.norm(matrix[0, :3])  # metres from the map's centre to its edge
    depth = 1.0 / np.linalg.norm(matrix[2, :3])  # metres of map depth 0..1
    return float(depth * np.tan(SOFT_ANGLE / 2.0) * size / (2.0 * half))


def render_shadow_maps(ctx, opaque: list, transparent: list, matrices: list[np.ndarray], size: int,
                       soft: bool = False) -> list:
    """Draw the casters ((GpuScene, Group) pairs) into one ``size``-square map per matrix;
    returns (depth texture, light texture, matrix, penumbra scale) per slot."""
    from .glutil import Target, gl

    maps = []
    gl.glEnable(gl.GL_CULL_FACE)
    gl.glCullFace(gl.GL_FRONT)
    gl.glFrontFace(gl.GL_CCW)
    gl.glDepthFunc(gl.GL_LESS)
    # Without transparent casters the map is black or white: one channel, written, not blended.
    tinted = bool(transparent)
    prog = ctx.program("shadow.vert", "shadow.frag", {}).use()
    for slot, matrix in enumerate(matrices):
        target = ctx.target(("shadow", size, size, slot, soft, tinted),
                            lambda: Target(size, size, [("light", gl.GL_RGBA8 if tinted else gl.GL_R8)],
                                           depth_format=gl.GL_DEPTH_COMPONENT32F, color_mipmaps=soft))
        target.bind()
        target.clear("light", (1.0, 1.0, 1.0, 1.0))
        target.clear_depth()
        gl.glEnable(gl.GL_SCISSOR_TEST)
        gl.glScissor(1, 1, size - 2, size - 2)
        prog.mat4("u_light_proj", matrix)
        _draw(opaque)
        if tinted:
            gl.glEnable(gl.GL_BLEND)
            gl.glBlendFunc(gl.GL_ZERO, gl.GL_SRC_COLOR)  # light through = product of what each lets through
            gl.glDepthMask(gl.GL_FALSE)
            gl.glDisable(gl.GL_CULL_FACE)
            _draw(transparent)
            gl.glEnable(gl.GL_CULL_FACE)
            gl.glDepthMask(gl.GL_TRUE)
            gl.glDisable(gl.GL_BLEND)
        gl.glDisable(gl.GL_SCISSOR_TEST)
        light = target.textures["light"]
        if soft:
            light.bind(0)
            gl.glGenerateMipmap(gl.GL_TEXTURE_2D)
        maps.append((target.depth, light, matrix, penumbra_scale(matrix, size, soft)))
    gl.glCullFace(gl.GL_BACK)
    return maps


def _draw(casters: list) -> None:
    bound = None
    for scene, group in casters:
        if scene is not bound:
            bound = scene
            scene.bind()
        scene.draw(group)
