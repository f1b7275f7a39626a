"""Shadow maps: the depth of the casters seen from each shadowed light, and where they cover
the map (the floor's shadow, which lies below every caster, is read from that occupancy with
one filtered lookup).  Casters are drawn back faces only: a closed surface can then never
shadow its own lit side (no acne); they stay off the map's outermost texels, so lookups
outside it clamp to a lit border.
"""

from __future__ import annotations

import numpy as np

from .lights import LightRig, directional_shadow_matrix


def shadow_matrices(rig: LightRig, centres: np.ndarray, radii: np.ndarray, size: int) -> list[np.ndarray]:
    """World -> light clip (4, 4) of every shadow-map slot: the shadowed directional lights
    fitted to the casters' bounding spheres (``centres`` (M, 3), ``radii`` (M,)), then the
    shadowed spot lights."""
    return [directional_shadow_matrix(d, centres, radii, size)
            for d in rig.dir_direction[: rig.n_dir_shadow]] + rig.spot_matrices


def render_shadow_maps(ctx, casters: list, matrices: list[np.ndarray], size: int) -> list:
    """Draw ``casters`` ((GpuScene, Group) pairs) into one ``size``-square map per matrix;
    returns (depth texture, occupancy texture, matrix) per slot."""
    from .glutil import Target, gl

    maps = []
    gl.glEnable(gl.GL_CULL_FACE)
    gl.glCullFace(gl.GL_FRONT)
    gl.glFrontFace(gl.GL_CCW)
    gl.glDepthFunc(gl.GL_LESS)
    prog = ctx.program("shadow.vert", "shadow.frag", {}).use()
    for slot, matrix in enumerate(matrices):
        target = ctx.target(("shadow", size, size, slot),
                            lambda: Target(size, size, [("occupancy", gl.GL_R8)],
                                           depth_format=gl.GL_DEPTH_COMPONENT32F))
        target.bind()
        target.clear("occupancy", (0.0,))
        target.clear_depth()
        gl.glEnable(gl.GL_SCISSOR_TEST)
        gl.glScissor(1, 1, size - 2, size - 2)
        prog.mat4("u_light_proj", matrix)
        bound = None
        for scene, group in casters:
            if scene is not bound:
                bound = scene
                scene.bind()
            scene.draw(group)
        gl.glDisable(gl.GL_SCISSOR_TEST)
        maps.append((target.depth, target.textures["occupancy"], matrix))
    gl.glCullFace(gl.GL_BACK)
    return maps
