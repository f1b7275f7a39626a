"""Shaders: physreel's own GLSL (``rendering/glsl``), none a copy of pyrender's, every variant
the renderer uses compiling (issue 9, item 7; issue 14)."""

from __future__ import annotations

from pathlib import Path

from physreel.rendering.gl import platform

platform()  # choose EGL before pyrender (and PyOpenGL) is first imported
from physreel.rendering.glutil import GLSL_DIR  # noqa: E402


def test_no_shader_is_pyrenders():
    import pyrender

    theirs = {p.read_bytes() for p in Path(pyrender.__file__).with_name("shaders").iterdir() if p.is_file()}
    ours = sorted(GLSL_DIR.iterdir())
    assert {p.suffix for p in ours} <= {".vert", ".frag", ".glsl"} and len(ours) >= 7
    for path in ours:
        assert path.read_bytes() not in theirs, f"{path} is a copy of a pyrender shader"
        assert path.read_text().startswith("// physreel"), f"{path} does not say whose it is"


def test_every_variant_the_renderer_draws_with_compiles():
    from physreel.rendering.gl import context

    ctx = context()
    lights = {"N_DIR": 2, "N_DIR_SHADOW": 1, "N_POINT": 1, "N_SPOT": 1, "N_SPOT_SHADOW": 1}
    outputs = {"LOC_COLOR": 0, "LOC_ID": 1, "LOC_NORMAL": 2, "LOC_NEXT": 3, "LOC_PREV": 4, "COLOR": 1,
               "GROUND_TRUTH": 1, "MOTION_NEXT": 1, "MOTION_PREV": 1}
    for extra in ({}, {"FLOOR": 1, "FLOOR_CHECKER": 1, "FLOOR_LUT": 1}, {"FLOOR": 1, "FLOOR_LUT": 1, "FLOOR_LUT_GREY": 1},
                  {"FLOOR": 1, "FLOOR_TEXTURE": 1, "FLOOR_LUT": 1, "SHADOW_TINT": 1, "SHADOW_SOFT": 1},
                  {"BASE_TEXTURE": 1, "VERTEX_COLOR": 1, "DYNAMIC": 1, "TRANSPARENT": 1},
                  {"ENV_ELEVATION": 1, "AMBIENT_OCCLUSION": 1, "SHADOW_SOFT": 1}):
        for taps in (1, 4):
            ctx.program("surface.vert", "surface.frag", {**lights, **outputs, "SHADOW_TAPS": taps, **extra})
    ctx.program("surface.vert", "surface.frag", {"LOC_ID": 0, "LOC_NORMAL": 1, "GROUND_TRUTH": 1})
    ctx.program("shadow.vert", "shadow.frag", {})
    for sky in ({}, {"SKY_SUN": 1}, {"SKY_IMAGE": 1}):
        ctx.program("screen.vert", "background.frag", {**outputs, **sky})
    ctx.program("region.vert", "post_aa.frag", {"EDGE_MASK": 1})
    ctx.program("screen.vert", "ao.frag", {"AO_PASS": 1, "SAMPLES": 12})
    ctx.program("screen.vert", "ao.frag", {"AO_PASS": 2})
    ctx.program("screen.vert", "motion_blur.frag", {"MB_PASS": 1})
    ctx.program("screen.vert", "motion_blur.frag", {"MB_PASS": 2})
    ctx.program("screen.vert", "dof.frag", {"SAMPLES": 32, "MAX_RADIUS": 8})
    ctx.program("region.vert", "post_aa.frag", {})
