"""The build step (physreel.assembly): every object resolved once, kinds registered by name.

Also the homes of the conventions it resolves: random streams, colours, Euler angles.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pytest

import physreel
from physreel.assembly import BuildContext, BuiltObject, ObjectKind, register_kind, resolve_object
from physreel.assembly.materials import class_of
from physreel.colors import linear_to_srgb, parse_color, srgb_to_linear, to_hex
from physreel.rng import stream
from physreel.scene.models import Model, PositiveFloat, register_shape
from physreel.transforms import euler_xyz_to_quat, quat_to_matrix


def _scene(objects, **kw):
    return {"duration": 0.25, "fps": 12, "resolution": [64, 48], "objects": objects, **kw}


def test_build_resolves_material_look_class_id_mass_and_pose_once():
    sc = physreel.load_scene(_scene(
        [
            {"name": "ball", "shape": {"type": "sphere", "radius": 0.1}, "material": "rubber",
             "position": [0, 0, 1], "rotation": [90, 0, 0]},
            {"name": "cup", "shape": {"type": "cylinder", "radius": 0.04, "height": 0.1},
             "material": "bouncy", "color": "#ff0000", "mass": 0.2},
            {"name": "slab", "shape": {"type": "box", "size": [1, 1, 0.1]}, "static": True,
             "class_name": "table"},
        ],
        materials={"bouncy": {"base": "glass", "restitution": 0.9, "class_name": "tumbler"}},
    ))
    a = physreel.build(sc)
    assert list(a.objects) == ["ball", "cup", "slab"]
    ball, cup, slab = a["ball"], a["cup"], a["slab"]
    assert [o.segmentation_id for o in a] == [2, 3, 4]
    assert ball.kind == "rigid" and ball.material.restitution == 0.85
    assert ball.mass == pytest.approx(1100 * 4 / 3 * np.pi * 0.1**3)
    assert quat_to_matrix(ball.quaternion) @ [0, 1, 0] == pytest.approx([0, 0, 1])
    assert cup.material.restitution == 0.9 and cup.material.density == 2500  # scene material over glass
    assert cup.look.color == (1.0, 0.0, 0.0) and not cup.look.keep_mesh_look and cup.mass == 0.2
    assert slab.mass == 0.0 and slab.static
    # one class rule: object class_name > scene material class_name > shape noun > preset class
    assert (ball.class_name, cup.class_name, slab.class_name) == ("ball", "tumbler", "table")
    assert a.ground.material.restitution == 0.9  # concrete


def test_class_of_mesh_files_is_named_by_the_file():
    from pathlib import Path

    from physreel.scene.loader import load_scene_data

    root = Path(__file__).resolve().parent.parent
    sc = load_scene_data(_scene([
        {"name": "t", "shape": {"type": "mesh", "file": "assets/CesiumMilkTruck.glb", "size": 0.3}},
    ]), base_dir=root)
    assert class_of(sc, sc.objects[0]) == "cesium milk truck"


def test_object_streams_are_independent_of_what_else_the_scene_holds():
    one = physreel.build(_scene([{"name": "a", "shape": {"type": "sphere", "radius": 0.1}}], seed=3))
    two = physreel.build(_scene([{"name": "b", "shape": {"type": "sphere", "radius": 0.1}},
                                 {"name": "a", "shape": {"type": "sphere", "radius": 0.1}}], seed=3))
    assert one["a"].rng("fracture").integers(2**62) == two["a"].rng("fracture").integers(2**62)
    assert two["a"].rng("fracture").integers(2**62) != two["b"].rng("fracture").integers(2**62)


def test_random_streams_are_stable_and_never_shared():
    a = stream(5, "camera", "main", "shake").random(4)
    assert np.array_equal(a, stream(5, "camera", "main", "shake").random(4))
    others = [stream(5, "tracks"), stream(6, "camera", "main", "shake"), stream(5, "camera", "side", "shake"),
              stream(5, "camera", 7), stream(5, "camera", "7")]
    for g in others:
        assert not np.array_equal(a, g.random(4))
    # regression: camera index 7 and the track sampler once shared SeedSequence(seed, (7,))
    assert not np.array_equal(stream(0, "tracks").random(3), stream(0, "camera", "cam7", "shake").random(3))
    with pytest.raises(TypeError):
        stream(0, 1.5)


def test_colours_parse_once_and_round_trip():
    assert parse_color("#ff8000") == (1.0, 128 / 255, 0.0)
    assert parse_color([0.1, 0.2, 0.3]) == (0.1, 0.2, 0.3)
    assert to_hex([1.0, 0.5, 0.0]) == "#ff8000"
    for bad in ("red", [1, 2, 3], [0.1, 0.2], "#12345"):
        with pytest.raises(ValueError):
            parse_color(bad)
    c = np.linspace(0, 1, 101)
    assert np.allclose(linear_to_srgb(srgb_to_linear(c)), c, atol=1e-12)
    assert srgb_to_linear(0.5) == pytest.approx(0.21404, abs=1e-5)  # IEC 61966-2-1


def test_euler_angles_match_scipy_and_pybullet():
    from scipy.spatial.transform import Rotation

    rng = np.random.default_rng(0)
    angles = rng.uniform(-180, 180, size=(50, 3))
    q = euler_xyz_to_quat(angles)
    r = Rotation.from_euler("xyz", angles, degrees=True).as_quat()
    r *= np.sign(r[:, 3:])
    assert np.allclose(q, r, atol=1e-12)


# --------------------------------------------------------------------------------------------
# a new kind of object = one module + its registration (this block stands for that module)


class Pillar(Model):
    """A test kind: a square pillar of ``side`` x ``side`` x ``height`` built as a box."""

    type: Literal["pillar"] = "pillar"
    side: PositiveFloat
    height: PositiveFloat


def build_pillar(ctx: BuildContext, index: int, spec) -> BuiltObject:
    from physreel.assets.primitives import primitive_geometry
    from physreel.scene.models import Box

    geometry = primitive_geometry(Box(size=(spec.shape.side, spec.shape.side, spec.shape.height)))
    return resolve_object(ctx, index, spec, geometry, "pillar", extra={"built_by": "test"})


def add_pillar(world, obj):
    from physreel.physics.bodies import add_rigid

    return add_rigid(world, obj)


def _register_pillar() -> None:
    register_shape(Pillar)
    register_kind(ObjectKind("pillar", ("pillar",), build_pillar, f"{__name__}:add_pillar"))


def test_a_new_kind_is_one_module_and_its_registration(tmp_path):
    _register_pillar()
    data = _scene([{"name": "p", "shape": {"type": "pillar", "side": 0.2, "height": 0.6},
                    "position": [0, 0, 1.0]}], cameras=[{"position": [0, -3, 1], "look_at": [0, 0, 0.5]}])
    a = physreel.build(data)
    assert a["p"].kind == "pillar" and a["p"].extra == {"built_by": "test"}
    traj = physreel.simulate(a)
    t = traj.times
    z = traj.position[:, 0, 2]
    fall = 1.0 - 0.5 * 9.81 * t**2
    assert np.allclose(z[t < 0.3], fall[t < 0.3], atol=0.01)  # free fall, before it lands
    res = physreel.write(a, tmp_path / "out", trajectory=traj, passes=["rgb", "segmentation"])
    seg = physreel.load(res.out).cameras["main"].read("segmentation")
    assert (np.asarray(seg[0]) == 2).sum() > 20  # the pillar is drawn with its id
    assert "pillar" in physreel.Scene.model_json_schema()["$defs"]["ObjectSpec"]["properties"]["shape"]["discriminator"]["mapping"]
    with pytest.raises(physreel.SceneError, match="pillar"):
        physreel.load_scene(_scene([{"name": "q", "shape": {"type": "pillr", "side": 1, "height": 1}}]))
