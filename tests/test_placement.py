"""Random placement measures the built geometry (issue 9, item 4).

A Y-up glTF (assets/Duck.glb) placed among neighbours in a narrow column must start, at t = 0,
touching nothing and not below the floor — checked with pybullet's closest points between the
bodies physreel builds, not with placement's own boxes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from physreel.batch.placement import object_bounds, overlap, placed_box
from physreel.batch.templates import sample_scene, template_from_data

ROOT = Path(__file__).resolve().parents[1]
DUCK = str(ROOT / "assets" / "Duck.glb")
#: pybullet reports touching convex shapes at a distance of about 0; deeper is interpenetration.
TOUCH = 1e-4  # m

TEMPLATE = {
    "name": "column",
    "duration": 0.5,
    "resolution": [64, 48],
    "template": {"placement": {"max_tries": 2000}},
    "objects": [
        {
            "count": 6,
            "names": "obj_{i}",
            "pool": [
                # glTF Y-up duck, default origin (centre of mass: not the box centre)
                {
                    "shape": {"type": "mesh", "file": DUCK, "scale": 0.15},
                    "position": {"uniform": [[-0.1, -0.1, 0.0], [0.1, 0.1, 1.8]]},
                    "rotation": {"uniform": [[0, 0, 0], [360, 360, 360]]},
                },
                # the duck standing on its own bottom (origin at the bottom of its box)
                {
                    "shape": {"type": "mesh", "file": DUCK, "size": 0.25, "origin": "bottom_center"},
                    "position": {"uniform": [[-0.1, -0.1, 0.0], [0.1, 0.1, 1.8]]},
                    "rotation": [0, 0, {"uniform": [0, 360]}],
                },
                {
                    "shape": {"type": "box", "size": [0.2, 0.12, 0.1]},
                    "position": {"uniform": [[-0.1, -0.1, 0.0], [0.1, 0.1, 1.8]]},
                    "rotation": {"uniform": [[0, 0, 0], [360, 360, 360]]},
                },
                {
                    "shape": {"type": "sphere", "radius": 0.07},
                    "position": {"uniform": [[-0.1, -0.1, 0.0], [0.1, 0.1, 1.8]]},
                },
            ],
        }
    ],
}


def _penetrations(scene_dict: dict) -> list[tuple[str, str, float]]:
    """(a, b, distance) for every pair of bodies (and the floor) closer than -TOUCH at t = 0."""
    from physreel import load_scene
    from physreel.assembly import build
    from physreel.physics.world import World

    with World(build(load_scene(scene_dict))) as world:
        p, c = world.p, world.client
        p.performCollisionDetection(physicsClientId=c)
        bodies = [(b.name, b.body_id) for b in world.bodies] + [("ground", world.ground_id)]
        out = []
        for i, (na, a) in enumerate(bodies):
            for nb, b in bodies[i + 1 :]:
                pts = p.getClosestPoints(a, b, distance=0.0, physicsClientId=c)
                depth = min((pt[8] for pt in pts), default=0.0)
                if depth < -TOUCH:
                    out.append((na, nb, depth))
        return out


@pytest.mark.parametrize("seed", range(6))
def test_y_up_duck_among_neighbours_starts_apart_and_above_the_floor(seed):
    template = template_from_data(TEMPLATE, source="column.yaml", base_dir=ROOT)
    scene = sample_scene(template, seed, 0)
    shapes = [o["shape"]["type"] for o in scene["objects"]]
    assert len(shapes) == 6
    assert _penetrations(scene) == []


def test_the_column_is_crowded_enough_to_matter():
    """Without placement the same draws interpenetrate: the test above can fail."""
    from physreel.batch.template_resolve import Resolver
    from physreel.batch.templates import sample_rng

    crowded = 0
    for seed in range(6):
        resolver = Resolver(ROOT, sample_rng(seed, 0))
        resolver.rng.integers(0, 2**31 - 1)  # the scene seed, as resolve_template draws it
        objects, _ = resolver.objects(TEMPLATE["objects"], "objects")
        raw = {k: v for k, v in TEMPLATE.items() if k not in ("template", "objects")}
        crowded += bool(_penetrations({**raw, "objects": objects}))
    assert crowded >= 3


def test_y_up_bounds_are_in_the_built_axes():
    """The duck is 1.54 units tall along the file's Y: built, that is the object's Z."""
    import trimesh

    raw = trimesh.load(DUCK, force="mesh").extents  # file axes: X, Y (up), Z
    b = object_bounds({"type": "mesh", "file": DUCK, "scale": 0.1}, ROOT)
    np.testing.assert_allclose(2 * b.half, 0.1 * raw[[0, 2, 1]], rtol=1e-6)
    bottom = object_bounds({"type": "mesh", "file": DUCK, "scale": 0.1, "origin": "bottom_center"}, ROOT)
    assert bottom.centre[2] - bottom.half[2] == pytest.approx(0.0, abs=1e-9)
    assert bottom.hull[:, 2].min() == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize(
    "shape",
    [
        {"type": "sphere", "radius": 0.07},
        {"type": "box", "size": [0.3, 0.05, 0.12]},
        {"type": "cylinder", "radius": 0.04, "height": 0.25},
        {"type": "cone", "radius": 0.09, "height": 0.05},
        {"type": "capsule", "radius": 0.03, "height": 0.2},
        {"type": "mesh", "file": DUCK, "size": 0.37, "origin": "bottom_center"},
        {"type": "mesh", "file": DUCK, "scale": 0.21},
        {"type": "mesh", "file": DUCK, "scale": [0.1, 0.3, 0.2], "origin": "as_is"},
    ],
)
def test_bounds_equal_those_of_the_geometry_built_at_that_size(shape):
    """Shapes are built once at unit size and scaled: that must equal building them as given
    (fails if a builder stops being linear in the size)."""
    from physreel import load_scene
    from physreel.assembly import build

    geom = build(load_scene({"name": "one", "objects": [{"name": "o", "shape": shape}]}))["o"].geometry
    points = np.concatenate([m.vertices for m in list(geom.visual) + list(geom.collision_parts)])
    lo, hi = points.min(axis=0), points.max(axis=0)
    b = object_bounds(shape, ROOT)
    np.testing.assert_allclose(b.centre, (lo + hi) / 2, atol=1e-9)
    np.testing.assert_allclose(b.half, (hi - lo) / 2, atol=1e-9)
    assert b.hull[:, 2].min() == pytest.approx(lo[2], abs=1e-9)


def test_lowest_point_follows_rotation_and_spheres_are_exact():
    box = {"shape": {"type": "box", "size": [0.2, 0.2, 0.2]}, "position": [0, 0, 0.1]}
    assert placed_box(box, ROOT).lowest == pytest.approx(0.0, abs=1e-12)
    tilted = {**box, "rotation": [45, 0, 0]}
    assert placed_box(tilted, ROOT).lowest == pytest.approx(0.1 - 0.1 * np.sqrt(2), abs=1e-9)
    a = placed_box({"shape": {"type": "sphere", "radius": 0.1}, "position": [0, 0, 0.1]}, ROOT)
    b = placed_box({"shape": {"type": "sphere", "radius": 0.1}, "position": [0.15, 0.15, 0.1]}, ROOT)
    # the spheres' boxes overlap, the spheres (0.212 m apart) do not
    assert not overlap(a, b)
    assert overlap(a, placed_box({**box, "position": [0.15, 0.15, 0.1]}, ROOT))


@pytest.mark.parametrize("skin", [None, "assets/CesiumMan.glb"])
def test_a_person_placed_at_floor_level_stands_on_the_floor(skin):
    """A person's geometry is in its root bone's frame; its position is the floor point under
    the pelvis: placed at z = 0 its soles touch the floor and its head is at its height."""
    shape = {"type": "humanoid", "height": 1.8, "skin": skin}
    box = placed_box({"shape": shape, "position": [0.5, 0.0, 0.0], "rotation": [0, 0, 90]}, ROOT)
    assert box.lowest == pytest.approx(0.0, abs=1e-6)
    top = box.centre[2] + box.half[2]
    assert top == pytest.approx(1.8, abs=0.03)


def test_people_template_places_everyone():
    from physreel.batch.templates import load_template

    template = load_template(ROOT / "scenes" / "templates" / "people.yaml")
    for k in range(4):
        scene = sample_scene(template, 0, k)
        boxes = {o["name"]: placed_box(o, template.base_dir) for o in scene["objects"]}
        assert not overlap(boxes["bystander"], boxes["ball"])
        assert boxes["bystander"].lowest == pytest.approx(0.0, abs=1e-6)


def test_unreadable_mesh_is_left_to_the_scene_validation(tmp_path):
    assert object_bounds({"type": "mesh", "file": "missing.glb"}, tmp_path) is None
    assert object_bounds({"type": "box", "size": "big"}, tmp_path) is None
