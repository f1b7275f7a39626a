"""The built-in object library: every object is there with a licence, builds at its stated
size and up axis, lands on the floor, and templates draw from it."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest

import physreel
from physreel.assets.library import licence_table, object_fields, objects, select
from physreel.errors import ArgumentError

NAMED = ["duck", "mug", "soccer_ball", "toy_brick", "jenga_block", "domino"]

# what each object is in the world (metres, Z up): the real sizes the table's scale and up axis
# must produce.  width x depth x height, sorted where the object's yaw is arbitrary.
SIZES = {
    "toy_brick": (0.0318, 0.0317, 0.0230),     # a 2x2 brick: 31.8 mm square, 23 mm high with studs
    "jenga_block": (0.075, 0.025, 0.015),      # a real block, lying flat
    "domino": (0.0254, 0.00635, 0.0508),       # 1 x 1/4 x 2 inches, standing on its end
    "soccer_ball": (0.22, 0.22, 0.22),         # a size-5 ball
    "mug": (0.082, 0.1216, 0.100),             # 10 cm high with its handle along y
    "duck": (0.0827, 0.0576, 0.0770),          # the duck stands upright (its file is Y-up)
}


def test_every_object_is_installed_licensed_and_unique():
    objs = objects()
    assert len(objs) == len(NAMED) + 1000 and list(objs)[: len(NAMED)] == NAMED
    for o in objs.values():
        assert o.path.is_file(), o.path
        assert o.licence and o.origin and o.mass > 0 and o.class_name and o.up in ("y", "z")
    licences = {names: lic for names, lic, _ in licence_table()}
    assert licences["duck"] == "SCEA Shared Source License 1.0"
    assert licences["shape_000 ... shape_999"] == "zlib"
    assert select(["duck", "shape_01*"]) == ["duck"] + [f"shape_{i:03d}" for i in range(10, 20)]
    with pytest.raises(ArgumentError, match="did you mean 'duck'"):
        select("dcuk")


@pytest.mark.parametrize("name", NAMED + ["shape_000", "shape_999"])
def test_objects_build_at_their_real_size_and_land_on_the_floor(name):
    fields = object_fields(name)
    data = {"name": "lib", "duration": 1.5, "fps": 24, "resolution": [32, 24],
            "objects": [{"name": "o", **fields, "position": [0, 0, 0.3]}]}
    asm = physreel.build(data)
    obj = asm.objects["o"]
    assert obj.mass == pytest.approx(objects()[name].mass) and obj.class_name == objects()[name].class_name
    verts = np.concatenate([m.vertices for m in obj.geometry.visual])
    extents = verts.max(0) - verts.min(0)
    if name in SIZES:
        assert np.allclose(extents, SIZES[name], rtol=0.03, atol=0.001), (name, extents)
    else:
        assert 0.02 < extents.max() < 0.2  # the procedural shapes are 2-20 cm
    # dropped from 30 cm it comes to rest on the floor: its lowest point within 3 mm of z = 0
    traj = physreel.simulate(asm)
    pose = traj.pose_matrix(traj.num_frames - 1, 0)
    lowest = (verts @ pose[:3, :3].T + pose[:3, 3])[:, 2].min()
    assert abs(lowest) < 0.003, (name, lowest)


def test_a_size_factor_scales_the_mesh_and_the_mass_by_its_cube():
    one, two = object_fields("toy_brick"), object_fields("toy_brick", 2.0)
    assert two["shape"]["scale"] == pytest.approx(2 * one["shape"]["scale"])
    assert two["mass"] == pytest.approx(8 * one["mass"]) and two["class_name"] == "toy brick"
    j = object_fields("jenga_block", 0.5)["shape"]["scale"]
    assert j == pytest.approx([0.0375, 0.0125, 0.0075])


TEMPLATE = """
name: lib
duration: 0.5
fps: 12
resolution: [32, 24]
objects:
  count: 6
  names: "obj_{i}"
  pool:
    - library: ["duck", "mug"]
      position: {uniform: [[-0.5, -0.5, 0.2], [0.5, 0.5, 0.6]]}
      material: wood
      class_name: {choice: [toy, thing]}
    - library: "shape_*"
      scale: {uniform: [2.0, 3.0]}
      position: {uniform: [[-0.5, -0.5, 0.2], [0.5, 0.5, 0.6]]}
"""


def test_templates_draw_library_objects_with_their_fields_and_the_fields_written_next_to_them(tmp_path):
    from physreel.batch.templates import load_template, sample_scene

    p = tmp_path / "t.yaml"
    p.write_text(textwrap.dedent(TEMPLATE))
    t = load_template(p)
    a, b = sample_scene(t, 1, 0), sample_scene(t, 1, 0)
    assert a == b  # the same draw for the same seed and index
    seen = set()
    for k in range(6):
        for obj in sample_scene(t, 1, k)["objects"]:
            lib = next(o for o in objects().values() if str(o.path) == obj["shape"]["file"])
            seen.add(lib.name[:5])
            if lib.name in ("duck", "mug"):
                assert obj["material"] == "wood" and obj["class_name"] in ("toy", "thing")  # written wins
                assert obj["shape"]["scale"] == lib.scale and obj["mass"] == lib.mass
            else:
                factor = obj["shape"]["scale"] / lib.scale
                assert 2.0 <= factor <= 3.0 and obj["mass"] == pytest.approx(lib.mass * factor**3)
                assert obj["class_name"] == "object" and obj["material"] == lib.material
            assert obj["shape"]["up"] == lib.up
    assert seen == {"duck", "mug", "shape"}
    physreel.load_scene_data(sample_scene(t, 1, 0))  # a valid scene


def test_bad_library_values_are_template_errors_with_lines(tmp_path):
    from physreel.batch.templates import validate_template_file
    from physreel.errors import SceneError

    p = tmp_path / "t.yaml"
    p.write_text(textwrap.dedent("""
        name: bad
        objects:
          - library: dcuk
            position: [0, 0, 1]
          - library: duck
            shape: {type: sphere, radius: 0.1}
          - library: duck
            postion: [0, 0, 1]
    """))
    with pytest.raises(SceneError) as e:
        validate_template_file(p)
    text = str(e.value)
    assert "t.yaml:4" in text and "library 'dcuk' matches no object (did you mean 'duck'?)" in text
    assert "give either 'library' or 'shape'" in text
    assert "unexpected key(s) ['postion']" in text


def test_the_movi_like_template_mixes_library_objects_and_primitives():
    from physreel.batch.templates import load_template, sample_scene, validate_template

    path = __import__("conftest").ROOT / "scenes" / "templates" / "movi_library.yaml"
    t = load_template(path)
    assert validate_template(t.data, str(path)) == []
    kinds = {"library": 0, "primitive": 0}
    for k in range(10):
        s = sample_scene(t, 0, k)
        assert (s["fps"], s["duration"], s["resolution"]) == (12, 2.0, [256, 256])
        for obj in s["objects"]:
            kinds["library" if obj["shape"]["type"] == "mesh" else "primitive"] += 1
    assert kinds["library"] > 10 and kinds["primitive"] > 10


def test_the_dataset_card_lists_the_licence_of_every_asset_it_shows():
    from collections import Counter

    from physreel.batch.card import _asset_lines

    files = Counter({str(objects()["duck"].path): 3, str(objects()["shape_007"].path): 2,
                     str(objects()["shape_900"].path): 1, "/data/my_chair.glb": 4})
    text = "\n".join(_asset_lines(files))
    assert "| `duck` (physreel library, pybullet_data) | 3 | SCEA Shared Source License 1.0 |" in text
    assert "| `shape_000 ... shape_999` (physreel library, pybullet_data) | 3 | zlib |" in text
    assert "| `my_chair.glb` (the template's own file) | 4 | not known to physreel: state it |" in text
    assert "no third-party assets" in "\n".join(_asset_lines(Counter()))
