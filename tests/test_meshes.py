"""Tests of mesh ingestion: physreel.assets.meshes, .collision, .inspect and the `assets` CLI.

The real-world files are the repository's ``assets/`` (see its README; never edited).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import trimesh
from click.testing import CliRunner

from physreel.assets import collision, decomposition
from physreel.assets.decimate import decimate
from physreel.assets.inspect import format_report, guess_unit, inspect_mesh
from physreel.assets.meshes import Y_UP_TO_Z_UP, MeshOptions, prepare_mesh
from physreel.assets.repair import fix_winding, repair_for_physics
from physreel.cli_assets import assets
from physreel.errors import ArgumentError, AssetError, InputError
from physreel.transforms import principal_inertia

ASSETS = Path(__file__).resolve().parents[1] / "assets"

ASSET_NAMES = [
    "Duck.glb",
    "CesiumMilkTruck.glb",
    "BoxTextured.glb",
    "monkey.glb",
    "fuze.obj",
    "bunny.ply",
    "teapot.stl",
    "busted.STL",
]


@pytest.fixture(scope="session")
def assets_dir() -> Path:
    """The repository's ``assets/`` folder (real-world meshes, see its README)."""
    return ASSETS


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("physreel-cache")


def _opts(path: Path, **kw) -> MeshOptions:
    return MeshOptions(file=path, **kw)


def _surface_colours(mesh: trimesh.Trimesh, rng: np.random.Generator) -> np.ndarray:
    """(N, 3) uint8 colours sampled on the surface: texture at random UVs, or vertex colours."""
    visual = mesh.visual
    if isinstance(visual, trimesh.visual.TextureVisuals):
        mat = visual.material
        img = getattr(mat, "baseColorTexture", None) or getattr(mat, "image", None)
        if img is None or visual.uv is None:
            return np.zeros((0, 3), dtype=np.uint8)
        uv = np.asarray(visual.uv)[mesh.faces]
        weights = rng.dirichlet([1.0, 1.0, 1.0], size=len(mesh.faces))
        return trimesh.visual.uv_to_color(np.einsum("fk,fkd->fd", weights, uv), img)[:, :3]
    return np.asarray(visual.vertex_colors)[:, :3]


def _colourfulness(colours: np.ndarray) -> float:
    """Mean (max - min) over RGB channels: 0 for any grey, up to 255."""
    c = np.asarray(colours, dtype=np.float64)
    return float(np.mean(c.max(axis=1) - c.min(axis=1))) if len(c) else 0.0


def _inside_convex(part: trimesh.Trimesh, point: np.ndarray, tol: float = 1e-9) -> bool:
    """True when ``point`` is inside the convex ``part`` (behind every face plane)."""
    d = np.einsum("ij,ij->i", part.face_normals, point - part.triangles[:, 0])
    return bool(np.all(d <= tol))


# --------------------------------------------------------------------------- every real asset


@pytest.mark.parametrize("name", ASSET_NAMES)
def test_every_asset_inspects(assets_dir, name):
    info = inspect_mesh(assets_dir / name)
    source = trimesh.load_scene(assets_dir / name)
    assert info["triangles"] == sum(len(g.faces) for g in source.dump(concatenate=False))
    assert info["triangles"] > 0 and info["parts"] >= 1
    np.testing.assert_allclose(info["extents"], source.extents, rtol=1e-6)
    assert info["likely_unit"] in ("m", "cm", "mm")
    assert info["textures"]["missing"] == []
    report = format_report(info)
    assert name in report and "what physreel will do" in report


@pytest.mark.parametrize("name", ASSET_NAMES)
def test_every_asset_prepares_at_size(assets_dir, cache_dir, name):
    import pyrender

    prepared = prepare_mesh(_opts(assets_dir / name, size=0.3), cache_dir=cache_dir)
    assert prepared.collision_kind == "hull"
    assert max(prepared.extents) == pytest.approx(0.3, rel=1e-9)
    # centre of mass at the origin, hull contains it, inertia is a valid tensor
    np.testing.assert_allclose(prepared.center_of_mass, 0.0, atol=1e-9)
    (hull,) = prepared.collision_parts
    assert hull.is_watertight and hull.is_convex and len(hull.vertices) <= 256
    assert _inside_convex(hull, np.zeros(3), tol=1e-9)
    assert 0 < prepared.volume <= np.prod(prepared.extents) * (1 + 1e-9)
    inertia = prepared.inertia_per_unit_mass
    np.testing.assert_allclose(inertia, inertia.T, atol=1e-12)
    eig = np.linalg.eigvalsh(inertia)
    assert eig.min() > 0 and eig[0] + eig[1] >= eig[2] * (1 - 1e-9)  # triangle inequality
    # visual bounds agree with the extents; every visual part becomes a pyrender mesh
    bounds = np.array([p.bounds for p in prepared.visual_parts])
    np.testing.assert_allclose(
        bounds[:, 1].max(0) - bounds[:, 0].min(0), prepared.extents, rtol=1e-6
    )
    for part in prepared.visual_parts:
        pyrender.Mesh.from_trimesh(part)


def test_open_meshes_use_the_hull_closed_ones_the_mesh(assets_dir, cache_dir):
    for name in ("teapot.stl", "monkey.glb", "bunny.ply", "CesiumMilkTruck.glb"):
        prepared = prepare_mesh(_opts(assets_dir / name, size=0.3), cache_dir=cache_dir)
        assert prepared.mass_properties_from == "hull", name
        assert prepared.volume == pytest.approx(prepared.collision_parts[0].volume, rel=0.02)
        assert any("convex hull" in w for w in prepared.warnings)
    busted = prepare_mesh(_opts(assets_dir / "busted.STL", size=0.3), cache_dir=cache_dir)
    assert busted.mass_properties_from == "mesh"
    mesh = trimesh.load(assets_dir / "busted.STL")
    factor = 0.3 / mesh.extents.max()
    assert busted.volume == pytest.approx(mesh.volume * factor**3, rel=1e-9)


def test_duck_ends_up_upright(assets_dir, cache_dir):
    """glTF is Y-up: the duck's height (file Y) must become object Z."""
    raw = trimesh.load(assets_dir / "Duck.glb", force="mesh")
    prepared = prepare_mesh(_opts(assets_dir / "Duck.glb"), cache_dir=cache_dir)
    np.testing.assert_allclose(prepared.extents, raw.extents[[0, 2, 1]], rtol=1e-9)
    np.testing.assert_allclose(prepared.transform[:3, :3], Y_UP_TO_Z_UP[:3, :3], atol=1e-12)
    # the head (highest file Y) is the highest object Z
    top_file = raw.vertices[np.argmax(raw.vertices[:, 1])]
    top_obj = prepared.transform[:3, :3] @ top_file + prepared.transform[:3, 3]
    assert top_obj[2] == pytest.approx(prepared.visual.bounds[1, 2], abs=1e-9)
    # explicit up: z leaves the file's axes alone
    as_z = prepare_mesh(_opts(assets_dir / "Duck.glb", up="z"), cache_dir=cache_dir)
    np.testing.assert_allclose(as_z.extents, raw.extents, rtol=1e-9)


def test_y_up_rotation_maps_axes():
    R = Y_UP_TO_Z_UP[:3, :3]
    np.testing.assert_allclose(R @ [0, 1, 0], [0, 0, 1], atol=1e-15)
    np.testing.assert_allclose(R @ [0, 0, 1], [0, -1, 0], atol=1e-15)
    np.testing.assert_allclose(R @ [1, 0, 0], [1, 0, 0], atol=1e-15)
    assert np.linalg.det(R) == pytest.approx(1.0)


@pytest.mark.parametrize("name", ["Duck.glb", "BoxTextured.glb", "fuze.obj"])
def test_textures_survive(assets_dir, cache_dir, name):
    prepared = prepare_mesh(_opts(assets_dir / name, size=0.3), cache_dir=cache_dir)
    assert prepared.warnings == [] or all("texture" not in w for w in prepared.warnings)
    (part,) = prepared.visual_parts
    assert isinstance(part.visual, trimesh.visual.TextureVisuals)
    colours = _surface_colours(part, np.random.Generator(np.random.PCG64(0)))
    assert len(colours) == len(part.faces)
    assert _colourfulness(colours) > 20.0, "texture sampled as grey"


def test_truck_parts_keep_their_own_materials(assets_dir, cache_dir):
    prepared = prepare_mesh(
        _opts(assets_dir / "CesiumMilkTruck.glb", size=0.3), cache_dir=cache_dir
    )
    parts = prepared.visual_parts
    assert len(parts) == 5  # body, glass, trim, two wheel instances
    names = [p.visual.material.name for p in parts]
    assert sorted(names) == ["glass", "truck", "wheels", "wheels", "window_trim"]
    wheels = [p for p in parts if p.visual.material.name == "wheels"]
    # the two wheel instances sit at the two axles (node transforms applied), same size
    centres = np.array([w.bounds.mean(axis=0) for w in wheels])
    assert abs(centres[0, 0] - centres[1, 0]) > 0.1 * 0.3
    np.testing.assert_allclose(wheels[0].extents, wheels[1].extents, rtol=1e-6)
    # file: axles 1.3523 + 1.4327 apart along X, truck 4.869 long
    assert abs(centres[0, 0] - centres[1, 0]) == pytest.approx(
        (1.35233 + 1.43267) * 0.3 / 4.86891, rel=1e-3
    )


def test_teapot_in_millimetres_normalises(assets_dir, cache_dir):
    info = inspect_mesh(assets_dir / "teapot.stl")
    assert info["likely_unit"] == "mm" and info["likely_up"] == "z"
    raw = prepare_mesh(_opts(assets_dir / "teapot.stl"), cache_dir=cache_dir)
    assert max(raw.extents) == pytest.approx(63.1697, rel=1e-4)
    assert any("file units" in w for w in raw.warnings)
    mm = prepare_mesh(_opts(assets_dir / "teapot.stl", scale=0.001), cache_dir=cache_dir)
    np.testing.assert_allclose(mm.extents, raw.extents * 0.001, rtol=1e-9)
    assert not any("file units" in w for w in mm.warnings)
    assert mm.volume == pytest.approx(raw.volume * 1e-9, rel=1e-9)
    np.testing.assert_allclose(
        mm.inertia_per_unit_mass, raw.inertia_per_unit_mass * 1e-6, rtol=1e-9, atol=1e-15
    )


def test_bunny_vertex_colours_if_present(assets_dir, cache_dir):
    prepared = prepare_mesh(_opts(assets_dir / "bunny.ply", size=0.3), cache_dir=cache_dir)
    visual = prepared.visual.visual
    assert isinstance(visual, trimesh.visual.ColorVisuals)
    if visual.kind == "vertex":  # this scan has none; a coloured PLY must keep them
        assert _colourfulness(visual.vertex_colors) > 0


def test_ply_vertex_colours_survive(tmp_path, cache_dir):
    sphere = trimesh.creation.icosphere(subdivisions=2)
    colours = np.zeros((len(sphere.vertices), 4), dtype=np.uint8)
    colours[:, 0] = 200
    colours[:, 3] = 255
    sphere.visual = trimesh.visual.ColorVisuals(vertex_colors=colours)
    sphere.export(tmp_path / "red.ply")
    prepared = prepare_mesh(_opts(tmp_path / "red.ply", size=0.3), cache_dir=cache_dir)
    assert prepared.visual.visual.kind == "vertex"
    np.testing.assert_array_equal(
        prepared.visual.visual.vertex_colors[:, :3], [[200, 0, 0]] * len(sphere.vertices)
    )


# --------------------------------------------------------------------------- frames and scale


def test_origins(tmp_path, cache_dir):
    # an off-centre 1 x 2 x 3 box with a known centre
    box = trimesh.creation.box(extents=[1.0, 2.0, 3.0])
    box.apply_translation([5.0, -1.0, 2.0])
    box.export(tmp_path / "box.stl")
    com = prepare_mesh(_opts(tmp_path / "box.stl"), cache_dir=cache_dir)
    np.testing.assert_allclose(com.visual.bounds, [[-0.5, -1, -1.5], [0.5, 1, 1.5]], atol=1e-12)
    np.testing.assert_allclose(com.center_of_mass, 0, atol=1e-12)
    bottom = prepare_mesh(_opts(tmp_path / "box.stl", origin="bottom_center"), cache_dir=cache_dir)
    np.testing.assert_allclose(bottom.visual.bounds, [[-0.5, -1, 0], [0.5, 1, 3]], atol=1e-12)
    np.testing.assert_allclose(bottom.center_of_mass, [0, 0, 1.5], atol=1e-12)
    as_is = prepare_mesh(_opts(tmp_path / "box.stl", origin="as_is"), cache_dir=cache_dir)
    np.testing.assert_allclose(as_is.center_of_mass, [5, -1, 2], atol=1e-12)
    # solid box inertia about the COM per unit mass: (b^2 + c^2) / 12 ...
    expected = np.diag([2**2 + 3**2, 1**2 + 3**2, 1**2 + 2**2]) / 12.0
    for p in (com, bottom, as_is):
        np.testing.assert_allclose(p.inertia_per_unit_mass, expected, atol=1e-12)
        assert p.volume == pytest.approx(6.0) and p.mass_properties_from == "mesh"


def test_principal_inertia_rebuilds_the_tensor(tmp_path, cache_dir):
    from scipy.spatial.transform import Rotation

    box = trimesh.creation.box(extents=[1.0, 2.0, 3.0])
    box.apply_transform(trimesh.transformations.rotation_matrix(0.7, [1, 1, 0]))
    box.export(tmp_path / "tilted.stl")
    prepared = prepare_mesh(_opts(tmp_path / "tilted.stl"), cache_dir=cache_dir)
    moments, quat = principal_inertia(prepared.inertia_per_unit_mass)
    # STL stores float32: 1e-7 relative
    np.testing.assert_allclose(moments, np.array([1 + 4, 1 + 9, 4 + 9]) / 12.0, rtol=1e-6)
    R = Rotation.from_quat(quat).as_matrix()
    assert np.linalg.det(R) == pytest.approx(1.0)
    np.testing.assert_allclose(
        R @ np.diag(moments) @ R.T, prepared.inertia_per_unit_mass, atol=1e-12
    )


def test_non_uniform_scale_scales_the_mesh(tmp_path, cache_dir):
    sphere = trimesh.creation.icosphere(subdivisions=4, radius=1.0)
    sphere.export(tmp_path / "ball.stl")
    prepared = prepare_mesh(
        _opts(tmp_path / "ball.stl", scale=(0.1, 0.2, 0.3)), cache_dir=cache_dir
    )
    np.testing.assert_allclose(prepared.extents, [0.2, 0.4, 0.6], rtol=1e-9)
    # ellipsoid: V = 4/3 pi abc (icosphere slightly smaller than the sphere)
    assert prepared.volume == pytest.approx(4 / 3 * np.pi * 0.1 * 0.2 * 0.3, rel=0.01)
    # I_xx per unit mass = (b^2 + c^2) / 5
    np.testing.assert_allclose(
        np.diag(prepared.inertia_per_unit_mass),
        np.array([0.04 + 0.09, 0.01 + 0.09, 0.01 + 0.04]) / 5,
        rtol=0.01,
    )


def test_size_and_scale_together_is_an_error(assets_dir):
    with pytest.raises(ArgumentError, match="either `size`"):
        prepare_mesh(_opts(assets_dir / "Duck.glb", size=0.3, scale=2.0))
    with pytest.raises(ArgumentError, match="scale"):
        prepare_mesh(_opts(assets_dir / "Duck.glb", scale=(1.0, -1.0, 1.0)))


# --------------------------------------------------------------------------- collision kinds


def test_box_and_sphere_and_mesh_collision(tmp_path, cache_dir):
    capsule = trimesh.creation.capsule(height=0.2, radius=0.05)
    capsule.export(tmp_path / "capsule.stl")
    box = prepare_mesh(_opts(tmp_path / "capsule.stl", collision="box"), cache_dir=cache_dir)
    prim = box.collision_parts[0].metadata["primitive"]
    assert prim["type"] == "box"
    np.testing.assert_allclose(prim["extents"], [0.1, 0.1, 0.3], rtol=1e-3)
    np.testing.assert_allclose(box.collision_parts[0].extents, prim["extents"], rtol=1e-9)
    sphere = prepare_mesh(_opts(tmp_path / "capsule.stl", collision="sphere"), cache_dir=cache_dir)
    prim = sphere.collision_parts[0].metadata["primitive"]
    assert prim["type"] == "sphere" and prim["radius"] == pytest.approx(0.15, rel=1e-3)
    np.testing.assert_allclose(prim["center"], 0, atol=1e-3)
    exact = prepare_mesh(_opts(tmp_path / "capsule.stl", collision="mesh"), cache_dir=cache_dir)
    assert len(exact.collision_parts[0].faces) == len(capsule.faces)


def _write_cup(path: Path) -> trimesh.Trimesh:
    """A cup: 8 cm wide, 10 cm tall, 6 mm walls, 8 mm floor; open at the top."""
    outer = trimesh.creation.cylinder(radius=0.04, height=0.1, sections=32)
    inner = trimesh.creation.cylinder(radius=0.034, height=0.1, sections=32)
    inner.apply_translation([0.0, 0.0, 0.008])
    cup = outer.difference(inner)
    assert cup.is_watertight
    cup.export(path)
    return cup


@contextlib.contextmanager
def _decomposer(name: str):
    """Use CoACD (skip when it is not installed) or force pybullet's V-HACD fallback."""
    if name == "coacd":
        pytest.importorskip("coacd", reason="CoACD is not installed: pip install 'physreel[decompose]'")
        yield
        return
    with pytest.MonkeyPatch.context() as mp:
        mp.setitem(sys.modules, "coacd", None)  # `import coacd` raises ImportError
        assert decomposition.decomposer() == "vhacd"
        yield


@pytest.fixture(scope="module", params=[pytest.param("coacd", marks=pytest.mark.slow), "vhacd"])
def decomposed_cup(request, tmp_path_factory):
    """(cup mesh, options, cache folder, first PreparedMesh) of a cup decomposed once, by CoACD
    or by the V-HACD fallback (forced, also where CoACD is installed)."""
    with _decomposer(request.param):
        folder = tmp_path_factory.mktemp("cup")
        cup = _write_cup(folder / "cup.obj")
        opts = _opts(
            folder / "cup.obj",
            collision="decompose",
            origin="bottom_center",
            decompose_threshold=0.1,
        )
        yield cup, opts, folder / "cache", prepare_mesh(opts, cache_dir=folder / "cache")


def test_decomposed_cup_is_hollow_and_cached(decomposed_cup, monkeypatch):
    cup, opts, cache, first = decomposed_cup
    assert not first.collision_cached
    parts = first.collision_parts
    assert len(parts) >= 4
    assert not any("decompose gave 1 convex part" in w for w in first.warnings)
    assert all(p.is_convex and p.is_watertight for p in parts)
    assert first.mass_properties_from == "mesh"
    assert first.volume == pytest.approx(cup.volume, rel=1e-5)
    inside = lambda point: any(_inside_convex(p, np.asarray(point)) for p in parts)  # noqa: E731
    # bottom_center: floor 0-8 mm, rim at 100 mm, inner radius 34 mm, outer 40 mm
    for z in (0.02, 0.05, 0.095):  # the hollow: the cup's inside lies in no part
        assert not inside([0.0, 0.0, z]), f"cup interior at z={z} is filled"
    # the wall and the floor are solid
    assert inside([0.037, 0.0, 0.05]) and inside([0.0, -0.037, 0.08]) and inside([0.0, 0.0, 0.004])
    # with a plain hull, the inside is filled
    hull = prepare_mesh(_opts(opts.file, origin="bottom_center"), cache_dir=cache)
    assert _inside_convex(hull.collision_parts[0], np.array([0.0, 0.0, 0.05]))
    assert len(list((cache / "collision").glob("*.npz"))) == 1

    # second call: from the cache, no decomposition runs at all
    def boom(*args, **kwargs):
        raise AssertionError("decomposition ran despite the cache")

    monkeypatch.setattr(decomposition, "decompose", boom)
    start = time.perf_counter()
    second = prepare_mesh(opts, cache_dir=cache)
    assert time.perf_counter() - start < 1.0
    assert second.collision_cached
    assert len(second.collision_parts) == len(parts)
    for a, b in zip(parts, second.collision_parts, strict=True):
        np.testing.assert_array_equal(a.vertices, b.vertices)
        np.testing.assert_array_equal(a.faces, b.faces)
    # any setting that changes the geometry misses the cache
    with pytest.raises(AssertionError, match="despite the cache"):
        prepare_mesh(
            _opts(opts.file, collision="decompose", size=0.2, decompose_threshold=0.1),
            cache_dir=cache,
        )


def test_vhacd_output_is_read_as_its_separate_parts(tmp_path):
    """V-HACD writes one `o` object per convex part with shared vertex numbering; trimesh's OBJ
    reader merged them into one mesh, which made a cup one convex lump (issue 9, item 10)."""
    path = tmp_path / "parts.obj"
    path.write_text(
        "o convex_0\nv 0 0 0\nv 1 0 0\nv 0 1 0\nv 0 0 1\n"
        "f 1 3 2\nf 1 2 4\nf 1 4 3\nf 2 3 4\n"
        "o convex_1\nv 5 0 0\nv 6 0 0\nv 5 1 0\nv 5 0 1\n"
        "f 5/1/1 7/1/1 6/1/1\nf -4 -3 -1\nf 5 8 7\nf 6 7 8\n"
    )
    parts = decomposition.read_obj_objects(path)
    assert len(parts) == 2
    for part, x0 in zip(parts, (0.0, 5.0), strict=True):
        assert len(part.vertices) == 4 and len(part.faces) == 4
        assert part.is_watertight and part.volume == pytest.approx(1 / 6)
        np.testing.assert_allclose(part.bounds, [[x0, 0, 0], [x0 + 1, 1, 1]])


def test_one_part_decomposition_of_a_concave_mesh_warns(tmp_path, monkeypatch):
    cup = _write_cup(tmp_path / "cup.obj")
    # a decomposer that gives up and returns the hull: a cup that would be a solid lump
    monkeypatch.setattr(decomposition, "decompose", lambda mesh, **kw: [collision.convex_hull(mesh)])
    lump = prepare_mesh(
        _opts(tmp_path / "cup.obj", collision="decompose"), cache_dir=tmp_path / "cache"
    )
    assert len(lump.collision_parts) == 1
    (warning,) = [w for w in lump.warnings if "decompose gave 1 convex part" in w]
    assert "8 %" in warning and "collision: hull" in warning  # the 8 mm floor of a 10 cm cup
    assert decomposition.concavity(cup) == pytest.approx(0.08, abs=0.005)
    # a convex mesh in one part is what it should be: no warning
    trimesh.creation.box(extents=[0.1, 0.2, 0.3]).export(tmp_path / "box.stl")
    box = prepare_mesh(_opts(tmp_path / "box.stl", collision="decompose"), cache_dir=tmp_path / "cache")
    assert len(box.collision_parts) == 1
    assert not any("convex part" in w for w in box.warnings)
    assert decomposition.concavity(trimesh.creation.icosphere()) < 1e-9


def test_cache_key_depends_on_content_and_settings(tmp_path):
    a = decomposition.decomposition_cache_key("aa", {"threshold": 0.05})
    assert a == decomposition.decomposition_cache_key("aa", {"threshold": 0.05})
    assert a != decomposition.decomposition_cache_key("ab", {"threshold": 0.05})
    assert a != decomposition.decomposition_cache_key("aa", {"threshold": 0.1})
    (tmp_path / "f").write_bytes(b"abc")
    assert decomposition.file_sha256(tmp_path / "f") == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )


def test_default_cache_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("PHYSREEL_CACHE", str(tmp_path / "c"))
    assert collision.default_cache_dir() == tmp_path / "c"
    monkeypatch.delenv("PHYSREEL_CACHE")
    assert collision.default_cache_dir() == Path.home() / ".cache" / "physreel"


def test_hull_vertex_limit():
    sphere = trimesh.creation.icosphere(subdivisions=5)  # 10 242 vertices, all on the hull
    hull = collision.convex_hull(sphere)
    assert len(hull.vertices) <= collision.MAX_HULL_VERTICES
    assert hull.volume <= sphere.volume and hull.volume > 0.95 * sphere.volume


# --------------------------------------------------------------------------- repair


def test_repair_fixes_winding_and_inversion():
    rng = np.random.Generator(np.random.PCG64(7))
    sphere = trimesh.creation.icosphere(subdivisions=3)
    box = trimesh.creation.box()
    box.apply_translation([4.0, 0.0, 0.0])
    both = trimesh.util.concatenate([sphere, box])
    faces = both.faces.copy()
    flip = rng.random(len(faces)) < 0.3
    faces[flip] = faces[flip][:, ::-1]
    # plus a duplicated face and a degenerate one
    faces = np.vstack([faces, faces[:1], [[0, 0, 1]]])
    broken = trimesh.Trimesh(both.vertices, faces, process=False)
    assert not broken.is_winding_consistent
    report = repair_for_physics(broken)
    assert report.winding_fixed and report.faces_dropped == 2
    assert broken.is_watertight and broken.is_winding_consistent
    assert broken.volume == pytest.approx(sphere.volume + 1.0, rel=1e-12)


def test_fix_winding_keeps_the_majority_orientation_of_open_patches():
    grid = trimesh.creation.box().slice_plane([0, 0, 0.4], [0, 0, -1])  # open: five sides
    faces = grid.faces.copy()
    faces[0] = faces[0][::-1]
    patch = trimesh.Trimesh(grid.vertices, faces, process=False)
    assert fix_winding(patch)
    np.testing.assert_array_equal(patch.faces, grid.faces)


def test_decimate_keeps_budget_and_texture(assets_dir, cache_dir):
    prepared = prepare_mesh(
        _opts(assets_dir / "Duck.glb", size=0.3, max_display_triangles=1000), cache_dir=cache_dir
    )
    (duck,) = prepared.visual_parts
    assert 500 <= len(duck.faces) <= 1000
    assert any("decimated" in w for w in prepared.warnings)
    assert _colourfulness(_surface_colours(duck, np.random.Generator(np.random.PCG64(0)))) > 20
    np.testing.assert_allclose(duck.extents, prepared.extents, rtol=0.05)
    sphere = trimesh.creation.icosphere(subdivisions=5)
    small = decimate(sphere, 2000)
    assert 1000 <= len(small.faces) <= 2000
    np.testing.assert_allclose(np.linalg.norm(small.vertices, axis=1), 1.0, atol=0.05)


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("name", "content", "match"),
    [
        ("junk.glb", b"\x00\x01 definitely not glTF " * 40, "could not be read as a glTF binary"),
        ("junk.stl", b"hello, this is text\n", "contains no triangles"),
        ("points.obj", b"v 0 0 0\nv 1 0 0\nv 0 1 0\n", "no triangles"),
        ("empty.ply", b"", "empty"),
        ("model.fbx", b"Kaydara FBX Binary", "unsupported mesh format"),
    ],
)
def test_bad_files_raise_asset_error(tmp_path, name, content, match):
    (tmp_path / name).write_bytes(content)
    with pytest.raises(AssetError, match=match) as err:
        prepare_mesh(_opts(tmp_path / name))
    assert str(tmp_path / name) in str(err.value)
    assert isinstance(err.value, InputError)
    with pytest.raises(AssetError, match=match):
        inspect_mesh(tmp_path / name)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(AssetError, match="not found.*check the path"):
        prepare_mesh(_opts(tmp_path / "nope.glb"))
    with pytest.raises(AssetError, match="is a folder"):
        prepare_mesh(_opts(tmp_path))


def test_unreadable_file(tmp_path, assets_dir):
    locked = tmp_path / "locked.stl"
    shutil.copy(assets_dir / "teapot.stl", locked)
    locked.chmod(0)
    try:
        if os.access(locked, os.R_OK):
            pytest.skip("running as root: permissions are not enforced")
        with pytest.raises(AssetError, match="permission denied"):
            prepare_mesh(_opts(locked))
    finally:
        locked.chmod(0o644)


def test_permission_denied_message(tmp_path, assets_dir, monkeypatch):
    """The unreadable branch, also when tests run as root (where chmod is not enforced)."""
    from physreel.assets import mesh_files

    monkeypatch.setattr(mesh_files.os, "access", lambda path, mode: False)
    with pytest.raises(AssetError, match="permission denied.*make the file readable"):
        prepare_mesh(_opts(assets_dir / "teapot.stl"))


def test_missing_texture_warns_once_and_renders_without(tmp_path, assets_dir):
    import pyrender

    shutil.copy(assets_dir / "fuze.obj", tmp_path)
    shutil.copy(assets_dir / "fuze.obj.mtl", tmp_path)
    prepared = prepare_mesh(_opts(tmp_path / "fuze.obj", size=0.2))
    texture_warnings = [w for w in prepared.warnings if "fuze uv.jpg" in w]
    assert len(texture_warnings) == 1 and "rendering without it" in texture_warnings[0]
    pyrender.Mesh.from_trimesh(prepared.visual)
    assert max(prepared.extents) == pytest.approx(0.2)
    info = inspect_mesh(tmp_path / "fuze.obj")
    assert info["textures"]["missing"] == ["fuze uv.jpg"]
    assert "MISSING" in format_report(info)


def test_corrupt_texture_warns_and_renders_without(tmp_path, assets_dir):
    import pyrender

    shutil.copy(assets_dir / "fuze.obj", tmp_path)
    shutil.copy(assets_dir / "fuze.obj.mtl", tmp_path)
    (tmp_path / "fuze uv.jpg").write_bytes(b"not a jpeg at all")
    prepared = prepare_mesh(_opts(tmp_path / "fuze.obj"))
    assert [w for w in prepared.warnings if "not a readable image" in w]
    pyrender.Mesh.from_trimesh(prepared.visual)
    assert inspect_mesh(tmp_path / "fuze.obj")["textures"]["unreadable"] == ["fuze uv.jpg"]


def _gltf_with_external_texture(assets_dir: Path, folder: Path, image_name: str) -> Path:
    """BoxTextured as a .gltf + .bin files whose texture is an external image ``image_name``."""
    import json

    folder.mkdir()
    files = trimesh.load_scene(assets_dir / "BoxTextured.glb").export(file_type="gltf")
    for name, data in files.items():
        (folder / name).write_bytes(data)
    doc = json.loads((folder / "model.gltf").read_text())
    doc["images"] = [{"uri": image_name}]
    (folder / "model.gltf").write_text(json.dumps(doc))
    return folder / "model.gltf"


def test_gltf_external_texture_with_space_found_or_missing(tmp_path, assets_dir):
    import pyrender
    from PIL import Image

    path = _gltf_with_external_texture(assets_dir, tmp_path / "box", "red tex.png")
    missing = prepare_mesh(_opts(path))
    assert [w for w in missing.warnings if "red tex.png" in w and "not found" in w]
    assert missing.visual.visual.material.baseColorTexture is None
    pyrender.Mesh.from_trimesh(missing.visual)
    Image.new("RGB", (8, 8), (255, 0, 0)).save(path.parent / "red tex.png")
    found = prepare_mesh(_opts(path))
    assert found.warnings == []
    colours = _surface_colours(found.visual, np.random.Generator(np.random.PCG64(1)))
    np.testing.assert_array_equal(colours, [[255, 0, 0]] * len(colours))


def test_gltf_missing_buffer_is_an_asset_error(tmp_path, assets_dir):
    path = _gltf_with_external_texture(assets_dir, tmp_path / "box", "t.png")
    for bin_file in path.parent.glob("*.bin"):
        bin_file.unlink()
        break
    with pytest.raises(AssetError, match=r"\.bin'.*not found beside it"):
        prepare_mesh(_opts(path))


def test_flat_mesh_needs_static_collision(tmp_path):
    plane = trimesh.Trimesh([[0, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0]], [[0, 1, 2], [0, 2, 3]])
    plane.export(tmp_path / "plane.stl")
    with pytest.raises(AssetError, match="flat"):
        prepare_mesh(_opts(tmp_path / "plane.stl"))
    static = prepare_mesh(_opts(tmp_path / "plane.stl", collision="mesh"))
    assert static.volume == 0.0 and len(static.collision_parts[0].faces) == 2


# --------------------------------------------------------------------------- inspect and CLI


def test_guess_unit():
    assert guess_unit(63.0, ".stl") == "mm"
    assert guess_unit(11.0, ".stl") == "cm"
    assert guess_unit(0.2, ".obj") == "m"
    assert guess_unit(63.0, ".glb") == "m"  # glTF is metres by specification


def test_inspect_reports_up_axis_and_textures(assets_dir):
    duck = inspect_mesh(assets_dir / "Duck.glb")
    assert duck["likely_up"] == "y" and duck["default_up"] == "y"
    assert duck["textures"]["embedded"] == 1
    fuze = inspect_mesh(assets_dir / "fuze.obj")
    assert fuze["textures"]["found"] == ["fuze uv.jpg"] and fuze["likely_up"] == "z"
    truck = inspect_mesh(assets_dir / "CesiumMilkTruck.glb")
    assert truck["parts"] == 5 and truck["geometries"] == 4
    assert inspect_mesh(assets_dir / "busted.STL")["watertight"] is True
    assert inspect_mesh(assets_dir / "teapot.stl")["watertight"] is False


def test_cli_inspect_and_prepare(assets_dir, tmp_path):
    runner = CliRunner()
    result = runner.invoke(assets, ["inspect", str(assets_dir / "teapot.stl")])
    assert result.exit_code == 0, result.output
    assert "likely unit   mm" in result.output and "894" in result.output
    result = runner.invoke(assets, ["inspect", "--json", str(assets_dir / "Duck.glb")])
    assert result.exit_code == 0 and '"likely_up": "y"' in result.output
    result = runner.invoke(
        assets,
        [
            "prepare",
            str(assets_dir / "teapot.stl"),
            "--scale",
            "0.001",
            "--cache-dir",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "prepared in" in result.output and "0.06317" in result.output
    result = runner.invoke(assets, ["inspect", str(tmp_path / "nope.stl")])
    assert result.exit_code == 2 and "mesh file not found" in result.stderr
    result = runner.invoke(assets, ["prepare", str(assets_dir / "Duck.glb"), "--scale", "1,2"])
    assert result.exit_code == 2 and "--scale expects one number or three" in result.stderr


# --------------------------------------------------------------------------- heavy meshes


@pytest.mark.slow
def test_heavy_mesh_loads_and_prepares(tmp_path):
    """~1.3 M triangles: measured on 2 cores ~1 s to read a PLY, ~12 s to prepare (hull)."""
    sphere = trimesh.creation.icosphere(subdivisions=8)  # 1 310 720 faces
    v = sphere.vertices
    sphere.vertices = v * (1 + 0.05 * np.sin(7 * v[:, 0]) * np.cos(5 * v[:, 1]))[:, None] * 50
    sphere.export(tmp_path / "heavy.ply")
    start = time.perf_counter()
    prepared = prepare_mesh(_opts(tmp_path / "heavy.ply", size=0.3, max_display_triangles=100_000))
    elapsed = time.perf_counter() - start
    assert max(prepared.extents) == pytest.approx(0.3)
    assert prepared.mass_properties_from == "mesh"
    assert sum(len(p.faces) for p in prepared.visual_parts) <= 100_000
    assert len(prepared.collision_parts[0].vertices) <= 256
    assert elapsed < 120, f"preparing 1.3 M triangles took {elapsed:.1f} s"


def _drop_ball_on(parts: list[trimesh.Trimesh], ball_radius: float, drop_z: float) -> np.ndarray:
    """Final position (3,) of a ball dropped onto a static body made of convex ``parts``."""
    import pybullet as p

    client = p.connect(p.DIRECT)
    try:
        p.setGravity(0, 0, -9.81, physicsClientId=client)
        p.setTimeStep(1 / 240, physicsClientId=client)
        shapes = [
            p.createCollisionShape(
                p.GEOM_MESH, vertices=part.vertices.tolist(), physicsClientId=client
            )
            for part in parts
        ]
        for shape in shapes:
            p.createMultiBody(0, shape, physicsClientId=client)
        ball_shape = p.createCollisionShape(
            p.GEOM_SPHERE, radius=ball_radius, physicsClientId=client
        )
        ball = p.createMultiBody(
            0.01, ball_shape, basePosition=[0, 0, drop_z], physicsClientId=client
        )
        p.changeDynamics(ball, -1, linearDamping=0, angularDamping=0, physicsClientId=client)
        for _ in range(480):
            p.stepSimulation(physicsClientId=client)
        return np.asarray(p.getBasePositionAndOrientation(ball, physicsClientId=client)[0])
    finally:
        p.disconnect(client)


def test_decomposed_cup_holds_a_ball_the_hull_does_not(decomposed_cup):
    _, opts, cache, cup = decomposed_cup
    hull = prepare_mesh(_opts(opts.file, origin="bottom_center"), cache_dir=cache)
    # floor top at 8 mm, rim at 100 mm, inner radius 34 mm; ball radius 15 mm from 20 cm
    inside = _drop_ball_on(cup.collision_parts, 0.015, 0.2)
    assert np.hypot(inside[0], inside[1]) < 0.034 - 0.015 + 1e-3
    assert 0.008 + 0.015 - 2e-3 < inside[2] < 0.05, inside
    on_top = _drop_ball_on(hull.collision_parts, 0.015, 0.2)
    assert on_top[2] > 0.1 + 0.015 - 2e-3, on_top
