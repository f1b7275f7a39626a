"""Shaders: only the ones physreel changed or wrote live in the repository (issue 9, item 7)."""

from __future__ import annotations

import hashlib

import numpy as np

from physreel.rendering.gl import platform

platform()  # choose EGL before pyrender (and PyOpenGL) is first imported
from physreel.rendering import pyrender_ext as ext  # noqa: E402


def _sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _ours(folder):
    return sorted(p for p in folder.iterdir() if p.suffix != ".md")


def test_changed_shaders_still_derive_from_the_installed_pyrender():
    """Fails when pyrender changes a shader we changed: port the change, then update the hash."""
    ours = _ours(ext.SHADER_DIR)
    assert [p.name for p in ours] == sorted(ext.DERIVED_FROM)
    for path in ours:
        upstream = ext.PYRENDER_SHADER_DIR / path.name
        assert upstream.is_file(), f"pyrender no longer has {path.name}"
        assert _sha256(upstream) == ext.DERIVED_FROM[path.name], (
            f"pyrender's {path.name} changed: port the change into {path}, then update "
            "DERIVED_FROM and the pyrender2 range in pyproject.toml"
        )


def test_no_shader_is_a_copy_of_pyrenders():
    for path in _ours(ext.SHADER_DIR) + _ours(ext.GT_SHADER_DIR):
        upstream = ext.PYRENDER_SHADER_DIR / path.name
        if upstream.is_file():
            assert path.read_bytes() != upstream.read_bytes(), f"{path} is pyrender's own file"


def test_program_cache_reads_ours_first_then_pyrenders():
    look = ext.ShaderCache(ext.SHADER_DIR)
    assert look.path("mesh.frag") == str(ext.SHADER_DIR / "mesh.frag")
    assert look.path("mesh.vert") == str(ext.PYRENDER_SHADER_DIR / "mesh.vert")
    assert look.path(None) is None
    gt = ext.ShaderCache(ext.GT_SHADER_DIR)
    assert gt.path("segmentation.frag") == str(ext.GT_SHADER_DIR / "segmentation.frag")
    assert gt.path("mesh_depth.vert") == str(ext.PYRENDER_SHADER_DIR / "mesh_depth.vert")
    for name in ("mesh.vert", "mesh_depth.frag", "flat.frag", "vertex_normals.geom"):
        assert (ext.PYRENDER_SHADER_DIR / name).is_file()


def test_renders_compile_our_mesh_shader_and_pyrenders_others():
    import pyrender
    import trimesh

    scene = pyrender.Scene(ambient_light=[0.1] * 3)
    scene.add(pyrender.Mesh.from_trimesh(trimesh.creation.box(extents=[1, 1, 1])))
    scene.add(pyrender.DirectionalLight(intensity=3.0), pose=np.eye(4))
    cam = np.eye(4)
    cam[2, 3] = 3.0
    scene.add(pyrender.PerspectiveCamera(yfov=0.8), pose=cam)
    r = ext.OffscreenRenderer(64, 48)
    try:
        color, _ = r.render(scene, flags=pyrender.RenderFlags.SHADOWS_DIRECTIONAL)
        programs = list(r._renderer._look_cache._program_cache.values())
    finally:
        r.delete()
    assert color[24, 32].max() > 0, "the box is drawn"
    frags = {p.fragment_shader for p in programs}
    verts = {p.vertex_shader for p in programs}
    assert str(ext.SHADER_DIR / "mesh.frag") in frags
    assert str(ext.PYRENDER_SHADER_DIR / "mesh.vert") in verts
    assert str(ext.PYRENDER_SHADER_DIR / "mesh_depth.frag") in frags  # the shadow map
