"""Arrays of objects and positions relative to objects (physreel.scene.compose)."""

from __future__ import annotations

import numpy as np
import pytest

import physreel
from physreel.errors import SceneError
from physreel.scene import load_scene
from physreel.transforms import quat_to_matrix

BOX = {"type": "box", "size": [0.1, 0.1, 0.1]}


def test_array_makes_named_copies_in_a_row_and_a_grid():
    sc = load_scene({"objects": [
        {"name": "pin", "shape": BOX, "position": [1, 0, 0.05], "array": {"count": 12, "offset": [0.2, 0, 0]}},
        {"name": "can", "shape": BOX, "position": [0, 1, 0.05],
         "array": {"count": [2, 3], "offset": [[0.15, 0, 0], [0, 0.15, 0]]}},
    ]})
    names = [o.name for o in sc.objects]
    assert names[:12] == [f"pin_{i:02d}" for i in range(12)]
    assert names[12:] == ["can_0_0", "can_0_1", "can_0_2", "can_1_0", "can_1_1", "can_1_2"]
    assert sc.objects[11].position == pytest.approx((1 + 11 * 0.2, 0, 0.05))
    assert sc.objects[12 + 5].position == pytest.approx((0.15, 1.3, 0.05))
    assert all(o.array is None for o in sc.objects)  # the written scene needs no expansion


def test_relative_to_places_objects_and_joint_points_in_another_objects_frame():
    sc = load_scene({
        "objects": [
            {"name": "table", "shape": BOX, "static": True, "position": [1, 2, 0.5], "rotation": [0, 0, 90]},
            {"name": "cup", "shape": BOX, "position": [0.2, 0, 0.1], "rotation": [0, 0, 10], "relative_to": "table"},
            {"name": "lid", "shape": BOX, "position": [0, 0, 0.1], "relative_to": "cup"},
        ],
        "joints": [{"type": "hinge", "a": "lid", "b": "cup", "anchor": [0.05, 0, 0.1], "axis": [0, 1, 0],
                    "relative_to": "cup"}],
    })
    cup, lid = sc.objects[1], sc.objects[2]
    assert cup.position == pytest.approx((1.0, 2.2, 0.6))  # +90 deg about z takes +x to +y
    r = quat_to_matrix(cup.quaternion)
    assert np.degrees(np.arctan2(r[1, 0], r[0, 0])) == pytest.approx(100.0)
    assert lid.position == pytest.approx((1.0, 2.2, 0.7))  # chained
    hinge = sc.joints[0]
    assert hinge.anchor == pytest.approx(tuple(np.array([1.0, 2.2, 0.6]) + r @ [0.05, 0, 0.1]))
    assert hinge.axis == pytest.approx(tuple(r @ [0, 1, 0]))


def test_a_rig_moves_as_one():
    """The same pendulum rig, built relative to its stand, placed in two spots: the motions
    are the same up to the shift."""
    def rig(at):
        return {"duration": 1.0, "objects": [
            {"name": "stand", "shape": {"type": "box", "size": [0.05, 0.05, 1.0]}, "static": True, "position": at},
            {"name": "bob", "shape": {"type": "sphere", "radius": 0.05}, "position": [0.3, 0.3, 0.3],
             "relative_to": "stand"}],
            "joints": [{"type": "ball", "a": "bob", "anchor": [0.3, 0, 0.3], "relative_to": "stand"}]}
    a = physreel.simulate(rig([0, 0, 0.5]))
    b = physreel.simulate(rig([2.0, -1.0, 0.5]))
    np.testing.assert_allclose(b.position[:, 1] - a.position[:, 1], [[2.0, -1.0, 0.0]] * a.num_frames, atol=1e-6)
    assert np.ptp(a.position[:, 1, 1]) > 0.5  # it swung


def test_a_row_of_dominoes_from_one_array_falls_in_order():
    traj = physreel.simulate({"duration": 2.5, "fps": 48, "objects": [
        {"name": "domino", "shape": {"type": "box", "size": [0.007, 0.024, 0.048]}, "material": "wood",
         "position": [0, 0, 0.024], "array": {"count": 10, "offset": [0.03, 0, 0]}}],
        "actions": [{"type": "impulse", "time": 0.05, "object": "domino_0", "vector": [0.0012, 0, 0],
                     "point": [0, 0, 0.046]}]})
    x, y = traj.quaternion[:, :, 0], traj.quaternion[:, :, 1]
    tilt = np.degrees(np.arccos(np.clip(1 - 2 * (x * x + y * y), -1, 1)))
    fell = np.argmax(tilt > 45, axis=0)
    assert np.all(tilt[-1] > 45), "every domino fell"
    assert np.all(np.diff(fell) > 0), f"in order: {fell}"


def test_composition_errors_name_the_field():
    with pytest.raises(SceneError) as err:
        load_scene({"objects": [
            {"name": "d", "shape": BOX, "array": {"count": 3, "offset": [0.2, 0, 0]}},
            {"name": "d_1", "shape": BOX},
            {"name": "x", "shape": BOX, "relative_to": "d"},
            {"name": "y", "shape": BOX, "relative_to": "z"},
            {"name": "p", "shape": BOX, "relative_to": "q"},
            {"name": "q", "shape": BOX, "relative_to": "p"},
            {"name": "g", "shape": BOX, "array": {"count": [2, 2], "offset": [0.1, 0, 0]}},
        ]})
    text = str(err.value)
    assert "objects[0].array: copy 'd_1' of this array has the name of objects[1]" in text
    assert "objects[2].relative_to: relative_to names the array 'd'; name one of its copies" in text
    assert "objects[3].relative_to: relative_to names an unknown object 'z'" in text
    assert "relative_to forms a loop" in text
    assert "objects[6].array" in text and "one offset per count" in text
