"""Scripted actions and kinematic objects (physreel.physics.actions)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import physreel
from physreel.errors import SceneError
from physreel.physics.trajectory import quat_to_matrix
from physreel.scene.keyframes import Keyframe, keyed_velocity, sample_keyed_pose
from physreel.scene.loader import load_scene_data

SCENES = Path(__file__).resolve().parent.parent / "scenes"
G = 9.81


def cube(name: str = "b", position=(0, 0, 1), size: float = 0.2, **kw) -> dict:
    return {
        "name": name,
        "shape": {"type": "box", "size": [size] * 3},
        "position": list(position),
        **kw,
    }


def space(objects, actions, duration: float = 1.0, **kw) -> dict:
    """No gravity, no floor: velocities change only by the actions."""
    return {
        "duration": duration,
        "gravity": [0, 0, 0],
        "ground": {"enabled": False},
        "objects": objects,
        "actions": actions,
        **kw,
    }


def test_impulse_force_and_torque_change_momentum_exactly():
    actions = [
        {"type": "impulse", "time": 0.25, "object": "b", "vector": [1, 0, 0], "point": [0, 0.1, 1]},
        {"type": "force", "time": 0.5, "object": "b", "vector": [0, 0, 2], "duration": 0.25},
        {"type": "torque", "time": 0.5, "object": "b", "vector": [0, 0, 0.1], "duration": 0.125},
    ]
    traj = physreel.simulate(space([cube()], actions))
    m = traj.masses["b"]
    inertia = m * 2 * 0.2**2 / 12
    t = np.arange(traj.position.shape[0]) / 24
    v = traj.velocity[:, 0]
    assert np.abs(v[t < 0.25]).max() == 0.0
    assert v[(t > 0.25) & (t < 0.5), 0] == pytest.approx(1 / m, rel=1e-9)
    assert v[-1] == pytest.approx([1 / m, 0, 2 * 0.25 / m], rel=1e-9, abs=1e-12)
    # The off-centre impulse: angular impulse (r x J) = (0, 0.1, 0) x (1, 0, 0) = -0.1 z;
    # then the torque adds 0.1 x 0.125 N m s.
    w = traj.angular_velocity[:, 0, 2]
    assert w[(t > 0.3) & (t < 0.5)] == pytest.approx(-0.1 / inertia, rel=1e-9)
    assert w[-1] == pytest.approx((-0.1 + 0.1 * 0.125) / inertia, rel=1e-9)


def test_set_velocity():
    actions = [
        {
            "type": "set_velocity",
            "time": 0.5,
            "object": "b",
            "velocity": [0, 2, 0],
            "angular_velocity": [0, 0, 3],
        }
    ]
    traj = physreel.simulate(space([cube(velocity=[1, 0, 0])], actions))
    t = np.arange(traj.position.shape[0]) / 24
    assert traj.velocity[t > 0.5, 0] == pytest.approx(
        np.tile([0, 2, 0], ((t > 0.5).sum(), 1)), abs=1e-12
    )
    assert traj.angular_velocity[-1, 0] == pytest.approx([0, 0, 3])
    # Position: 1 m/s for the first 0.5 s (12 steps of 1/24 s ... 120 physics steps), then 2 m/s along y.
    assert traj.position[-1, 0] == pytest.approx([0.5, 2 * (t[-1] - 0.5), 1], abs=1e-9)


def test_release_holds_then_drops_in_free_fall():
    scene = {
        "duration": 1.0,
        "ground": {"enabled": False},
        "objects": [cube(position=(0, 0, 2), velocity=[0.5, 0, 0])],
        "actions": [{"type": "release", "time": 0.5, "object": "b"}],
    }
    traj = physreel.simulate(scene)
    t = np.arange(traj.position.shape[0]) / 24
    held = t <= 0.5
    assert np.abs(traj.position[held, 0] - [0, 0, 2]).max() == 0.0
    # After the release: free fall from rest plus the scene's velocity (symplectic Euler at
    # 240 Hz falls 0.5 g dt per second further than the exact parabola).
    s = t[-1] - 0.5
    assert traj.position[-1, 0, 2] == pytest.approx(
        2 - 0.5 * G * s * s, abs=0.5 * G * s / 240 + 1e-9
    )
    assert traj.position[-1, 0, 0] == pytest.approx(0.5 * s, abs=1e-9)
    assert traj.velocity[-1, 0, 2] == pytest.approx(-G * s, rel=1e-9)


def test_freeze_stops_an_object_and_it_rests():
    scene = {
        "duration": 1.5,
        "objects": [cube(position=(0, 0, 1.5), velocity=[1, 0, 0])],
        "actions": [{"type": "freeze", "time": 0.5, "object": "b"}],
    }
    traj = physreel.simulate(scene)
    t = np.arange(traj.position.shape[0]) / 24
    after = t >= 0.5 + 1 / 240
    assert np.abs(traj.position[after, 0] - traj.position[after, 0][0]).max() == 0.0
    assert np.abs(traj.velocity[after, 0]).max() == 0.0
    assert traj.position[after, 0][0, 2] > 0.2  # stopped in the air
    rests = [e for e in traj.events if e["type"] == "rest"]
    assert [e["object"] for e in rests] == ["b"] and rests[0]["time"] == pytest.approx(
        0.5, abs=2 / 240
    )


def test_kinematic_pusher_follows_its_keys_exactly_and_pushes():
    keys = [
        {"time": 0.0, "position": [-0.5, 0, 0.1], "rotation": [0, 0, 0]},
        {"time": 1.0, "position": [0.5, 0, 0.1], "rotation": [0, 0, 30], "easing": "linear"},
    ]
    scene = {
        "duration": 1.5,
        "objects": [
            {
                "name": "paddle",
                "shape": {"type": "box", "size": [0.05, 0.3, 0.2]},
                "kinematic": {"keys": keys},
            },
            cube("cube", position=(0, 0, 0.05), size=0.1),
        ],
    }
    traj = physreel.simulate(scene)
    # keys without an easing of their own move at constant speed (kinematic.easing: linear)
    pose = sample_keyed_pose(
        [Keyframe(**k) for k in keys], np.arange(traj.position.shape[0]) / 24, easing="linear"
    )
    assert np.abs(traj.position[:, 0] - pose.position).max() < 1e-6
    dq = np.minimum(
        np.abs(traj.quaternion[:, 0] - pose.quaternion),
        np.abs(traj.quaternion[:, 0] + pose.quaternion),
    )
    assert dq.max() < 1e-6
    # Its recorded velocity is the keyed one over the next physics step (of the rate used).
    vel = keyed_velocity(
        [Keyframe(**k) for k in keys],
        np.arange(traj.position.shape[0]) / 24,
        1 / traj.physics["rate"],
        easing="linear",
    )
    assert np.abs(traj.velocity[:, 0] - vel.linear).max() < 1e-9
    assert np.abs(traj.angular_velocity[:, 0] - vel.angular).max() < 1e-9
    # It pushed the cube ahead of it: the cube ends beyond the paddle's start and was hit once.
    assert traj.position[-1, 1, 0] > 0.45
    hits = [e for e in traj.events if e["type"] == "impact" and e["objects"] == ["paddle", "cube"]]
    assert len(hits) >= 1 and 0.3 < hits[0]["time"] < 0.7


def test_rotating_arm_knocks_the_row_in_order():
    traj = physreel.simulate(SCENES / "ramp_pusher.yaml")
    dominoes = [n for n in traj.names if n.startswith("domino_")]
    for n in dominoes:
        up = quat_to_matrix(traj.quaternion[-1, traj.names.index(n)])[2, 2]
        assert up < math.cos(math.radians(45)), f"{n} did not fall"
    first_hits = [
        min(e["time"] for e in traj.events if e["type"] == "impact" and e["objects"] == [a, b])
        for a, b in zip(dominoes, dominoes[1:], strict=False)
    ]
    arm_hit = min(
        e["time"]
        for e in traj.events
        if e["type"] == "impact" and e["objects"] == ["arm", "domino_0"]
    )
    assert arm_hit < first_hits[0]
    assert all(b > a for a, b in zip(first_hits, first_hits[1:], strict=False))


def test_action_validation():
    objs = [cube("ball"), cube("wall", position=(0, 0, 3), static=True)]
    with pytest.raises(SceneError, match="unknown object 'bal'; did you mean 'ball'"):
        load_scene_data(
            {
                "objects": objs,
                "actions": [{"type": "impulse", "time": 0, "object": "bal", "vector": [1, 0, 0]}],
            }
        )
    with pytest.raises(SceneError, match="greater than 0"):
        load_scene_data(
            {
                "objects": objs,
                "actions": [
                    {
                        "type": "force",
                        "time": 0,
                        "object": "ball",
                        "vector": [1, 0, 0],
                        "duration": -1,
                    }
                ],
            }
        )
    with pytest.raises(SceneError, match="greater than or equal to 0"):
        load_scene_data(
            {"objects": objs, "actions": [{"type": "freeze", "time": -0.5, "object": "ball"}]}
        )
    with pytest.raises(SceneError, match="which is static"):
        load_scene_data(
            {
                "objects": objs,
                "actions": [{"type": "impulse", "time": 0, "object": "wall", "vector": [1, 0, 0]}],
            }
        )
    with pytest.raises(SceneError, match="released twice"):
        load_scene_data(
            {
                "objects": objs,
                "actions": [
                    {"type": "release", "time": 0, "object": "ball"},
                    {"type": "release", "time": 1, "object": "ball"},
                ],
            }
        )
    with pytest.raises(SceneError, match="set_velocity needs"):
        load_scene_data(
            {"objects": objs, "actions": [{"type": "set_velocity", "time": 0, "object": "ball"}]}
        )
    kin = {**cube("k"), "static": True, "kinematic": {"keys": [{"time": 0, "position": [0, 0, 1]}]}}
    with pytest.raises(SceneError, match="both static and kinematic"):
        load_scene_data({"objects": [kin]})
    kin = {
        **cube("k"),
        "kinematic": {
            "keys": [{"time": 1, "position": [0, 0, 1]}, {"time": 0.5, "position": [0, 0, 1]}]
        },
    }
    with pytest.raises(SceneError, match="strictly increase"):
        load_scene_data({"objects": [kin]})


# ------------------------------------------------------------------- spin, parents, hands
def test_spin_turns_at_constant_angular_velocity_and_carries_its_children():
    """A turntable spun at 90 deg/s; a stick parented to it keeps its place on the table."""
    scene = {
        "duration": 2.0,
        "ground": {"enabled": False},
        "gravity": [0, 0, 0],
        "objects": [
            {"name": "table", "shape": {"type": "cylinder", "radius": 0.3, "height": 0.02},
             "position": [0, 0, 0.01], "kinematic": {"spin": {"speed": 90}}},
            {"name": "stick", "shape": {"type": "box", "size": [0.2, 0.02, 0.02]},
             "position": [0.2, 0, 0.03], "kinematic": {"parent": "table"}},
        ],
    }
    traj = physreel.simulate(scene)
    t = np.arange(traj.num_frames) / 24
    np.testing.assert_allclose(traj.angular_velocity[:, 0], np.tile([0, 0, math.pi / 2], (len(t), 1)),
                               atol=1e-6)
    angle = np.radians(90) * t
    expected = np.stack([0.2 * np.cos(angle), 0.2 * np.sin(angle), np.full_like(t, 0.03)], axis=1)
    np.testing.assert_allclose(traj.position[:, 1], expected, atol=1e-6)
    yaw = 2 * np.arctan2(traj.quaternion[:, 1, 2], traj.quaternion[:, 1, 3])
    np.testing.assert_allclose(np.unwrap(yaw), angle, atol=1e-6)


def test_moving_platform_carries_a_box_by_friction():
    """A platform starts at 0.4 m/s (constant-speed keys); the box on it slips until friction
    brings it up to speed: a slip of v^2 / (2 mu g), then it rides along."""
    mu = 0.5 * 0.5  # wood on wood
    v = 0.4
    scene = {
        "duration": 1.5,
        "ground": {"enabled": False},
        "objects": [
            {"name": "platform", "shape": {"type": "box", "size": [1.2, 0.4, 0.04]}, "material": "wood",
             "position": [0, 0, 0.5],
             "kinematic": {"keys": [{"time": 0, "position": [0, 0, 0.5]}, {"time": 2, "position": [0.8, 0, 0.5]}]}},
            cube("box", position=(0, 0, 0.57), size=0.1, material="wood"),
        ],
    }
    traj = physreel.simulate(scene)
    rel = traj.position[:, 1, 0] - traj.position[:, 0, 0]
    assert -rel[-1] == pytest.approx(v * v / (2 * mu * G), rel=0.1)
    assert abs(rel[-1] - rel[-12]) < 1e-4  # riding along, no more slip
    assert traj.velocity[-1, 1, 0] == pytest.approx(v, rel=1e-3)


def test_hand_carries_then_lets_go_and_the_object_keeps_its_velocity():
    """A hand lowers a box, carries it sideways at 0.5 m/s and lets go at 1.0 s: the box
    leaves with the hand's velocity and flies as a projectile."""
    keys = [{"time": 0.0, "position": [0, 0, 1.0]}, {"time": 0.5, "position": [0, 0, 0.8]},
            {"time": 1.5, "position": [0.5, 0, 0.8]}]
    scene = {
        "duration": 1.4,
        "fps": 48,
        "objects": [
            {"name": "hand", "shape": {"type": "box", "size": [0.08, 0.1, 0.03]}, "position": [0, 0, 1.0],
             "kinematic": {"keys": keys}},
            {"name": "box", "shape": {"type": "box", "size": [0.06, 0.06, 0.06]}, "position": [0, 0, 0.955],
             "kinematic": {"parent": "hand"}},
        ],
        "actions": [{"type": "release", "time": 1.0, "object": "box"}],
    }
    traj = physreel.simulate(scene)
    t = np.arange(traj.num_frames) / 48
    held = t <= 1.0
    np.testing.assert_allclose(traj.position[held, 1] - traj.position[held, 0], [[0, 0, -0.045]] * held.sum(),
                               atol=1e-9)
    after = t > 1.0
    dt = t[after] - 1.0
    x = 0.25 + 0.5 * dt
    z = 0.755 - 0.5 * G * dt**2
    step = 1 / traj.physics["rate"]
    assert np.abs(traj.position[after, 1, 0] - x).max() < 1e-3
    # semi-implicit Euler falls ahead of the exact curve by g t dt / 2 (its own bias)
    assert np.all(np.abs(traj.position[after, 1, 2] - z) < G * dt * step / 2 + 1e-3)
    # The hand goes on without it.
    assert traj.position[-1, 0, 0] == pytest.approx(0.5 * (t[-1] - 0.5), abs=1e-9)


def test_parent_must_be_kinematic_or_static_and_not_a_loop():
    base = {"name": "a", "shape": {"type": "box", "size": [0.1] * 3}}
    with pytest.raises(SceneError, match="parent 'b' is a dynamic object"):
        load_scene_data({"objects": [{**base, "kinematic": {"parent": "b"}}, {**base, "name": "b"}]})
    with pytest.raises(SceneError, match="loop"):
        load_scene_data({"objects": [{**base, "kinematic": {"parent": "b"}},
                                     {**base, "name": "b", "kinematic": {"parent": "a"}}]})
    with pytest.raises(SceneError, match="did you mean 'hand'"):
        load_scene_data({"objects": [{**base, "kinematic": {"parent": "hnad"}},
                                     {**base, "name": "hand", "kinematic": {"spin": {"speed": 10}}}]})
    with pytest.raises(SceneError, match="takes a 'release' first"):
        load_scene_data({"objects": [{**base, "kinematic": {"spin": {"speed": 10}}}],
                         "actions": [{"type": "impulse", "time": 0, "object": "a", "vector": [1, 0, 0]}]})
