"""Joints (physreel.physics.joints) against closed-form mechanics."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import physreel
from physreel.errors import SceneError
from physreel.physics.trajectory import quat_to_matrix
from physreel.scene.loader import load_scene_data

SCENES = Path(__file__).resolve().parent.parent / "scenes"
G = 9.81


def amplitude_factor(theta0: float) -> float:
    """Finite-amplitude correction of a pendulum's period (theta0 in radians)."""
    return 1 + theta0**2 / 16 + 11 * theta0**4 / 3072


def period(x: np.ndarray, fps: float) -> float:
    """Mean period (s) from the downward zero crossings of ``x`` (linear interpolation)."""
    x = x - 0.5 * (x.max() + x.min())
    i = np.flatnonzero((x[:-1] > 0) & (x[1:] <= 0))
    t = (i + x[i] / (x[i] - x[i + 1])) / fps
    assert len(t) >= 2
    return float((t[-1] - t[0]) / (len(t) - 1))


def test_point_mass_pendulum_period():
    """A small heavy sphere on a point-to-point joint, L = 0.5 m, released from 20 degrees."""
    length, radius, theta0 = 0.5, 0.01, math.radians(20)
    scene = {
        "duration": 4.0,
        "fps": 240,
        "physics": {"rate": 960, "solver_iterations": 100},
        "ground": {"enabled": False},
        "objects": [
            {
                "name": "bob",
                "shape": {"type": "sphere", "radius": radius},
                "material": "steel",
                "position": [length * math.sin(theta0), 0, 1 - length * math.cos(theta0)],
            }
        ],
        "joints": [{"type": "ball", "a": "bob", "anchor": [0, 0, 1]}],
    }
    traj = physreel.simulate(scene)
    expected = 2 * math.pi * math.sqrt(length / G) * amplitude_factor(theta0)
    assert period(traj.position[:, 0, 0], 240) == pytest.approx(expected, rel=0.01)
    dist = np.linalg.norm(traj.position[:, 0] - [0, 0, 1], axis=1)
    assert np.abs(dist - length).max() < 1e-3


def test_pendulum_scene_period():
    """scenes/pendulum.yaml: a bar on a hinge, a physical pendulum."""
    scene = physreel.load_scene(SCENES / "pendulum.yaml")
    traj = physreel.simulate(physreel.with_overrides(scene, fps=240))
    bar = next(o for o in scene.objects if o.name == "bar")
    w, _, h = bar.shape.size
    d = h / 2
    inertia = (h * h + w * w) / 12 + d * d  # about the hinge, per kg
    theta0 = math.radians(30)
    expected = 2 * math.pi * math.sqrt(inertia / (G * d)) * amplitude_factor(theta0)
    i = traj.names.index("bar")
    assert period(traj.position[:, i, 0], 240) == pytest.approx(expected, rel=0.01)
    # The hinge holds: the top of the bar stays at the anchor, motion stays in the XZ plane.
    top = (
        np.array([quat_to_matrix(q) @ [0, 0, d] for q in traj.quaternion[:, i]])
        + traj.position[:, i]
    )
    assert np.abs(top - [0, 0, 1.2]).max() < 1e-3
    assert np.abs(traj.position[:, i, 1]).max() < 1e-4


def test_newtons_cradle_one_in_one_out():
    scene = physreel.load_scene(SCENES / "newtons_cradle.yaml")
    traj = physreel.simulate(physreel.with_overrides(scene, fps=240, duration=0.6))
    balls = [traj.names.index(f"ball_{i}") for i in range(5)]
    m = traj.masses["ball_0"]
    vx = traj.velocity[:, balls, 0]
    chain = [
        e
        for e in traj.events
        if e["type"] == "impact" and all(o.startswith("ball_") for o in e["objects"])
    ]
    assert [e["objects"] for e in chain[:4]] == [[f"ball_{i}", f"ball_{i + 1}"] for i in range(4)]
    before = round(chain[0]["time"] * 240) - 1
    after = round(chain[3]["time"] * 240) + 1
    v_in = vx[before, 0]
    assert v_in > 0.5 and np.abs(vx[before, 1:]).max() < 1e-9
    p_before, p_after = m * vx[before].sum(), m * vx[after].sum()
    assert p_after == pytest.approx(p_before, rel=0.01)
    assert vx[after, 4] == pytest.approx(v_in, rel=0.05)  # one ball out, as fast
    assert np.abs(vx[after, :4]).max() < 0.03 * v_in  # the others nearly still


def box(name: str, position, rotation=None, **kw) -> dict:
    return {
        "name": name,
        "shape": {"type": "box", "size": [0.1, 0.2, 0.3]},
        "position": position,
        "rotation": rotation,
        **kw,
    }


def test_fixed_joint_holds_pose():
    scene = {
        "duration": 1.0,
        "ground": {"enabled": False},
        "objects": [
            box("a", [0, 0, 1], [10, 0, 40], static=True),
            box("b", [0.1, 0.05, 1.2], [30, 20, 0]),
        ],
        "joints": [{"type": "fixed", "a": "b", "b": "a"}],
    }
    traj = physreel.simulate(scene)
    i = traj.names.index("b")
    assert np.abs(traj.position[:, i] - traj.position[0, i]).max() < 1e-4
    assert np.abs(traj.quaternion[:, i] - traj.quaternion[0, i]).max() < 1e-4


def test_slider_moves_along_its_axis_and_stops_at_limits():
    obj = box("b", [0, 0, 1], [0, 0, 30], velocity=[1.0, 0.5, 0.5], angular_velocity=[1, 2, 3])
    scene = {
        "duration": 1.0,
        "ground": {"enabled": False},
        "objects": [obj],
        "joints": [{"type": "slider", "a": "b", "axis": [1, 0, 0]}],
    }
    traj = physreel.simulate(scene)
    t = np.arange(traj.position.shape[0]) / 24
    # Only the velocity along the axis survives; gravity and the spin are taken by the joint.
    assert traj.position[:, 0, 0] == pytest.approx(t, abs=1e-4)
    assert np.abs(traj.position[:, 0, 1:] - [0, 1]).max() < 1e-4
    assert np.abs(traj.quaternion[:, 0] - traj.quaternion[0, 0]).max() < 1e-4
    scene["joints"][0]["limits"] = [-0.1, 0.3]
    traj = physreel.simulate(scene)
    assert traj.position[:, 0, 0].max() == pytest.approx(0.3, abs=2e-3)
    assert traj.position[-1, 0, 0] == pytest.approx(0.3, abs=2e-3)


def test_spring_period_and_equilibrium():
    k = 100.0
    scene = {
        "duration": 3.0,
        "fps": 240,
        "ground": {"enabled": False},
        "objects": [box("b", [0, 0, 1])],
        "joints": [{"type": "spring", "a": "b", "anchor_b": [0, 0, 1.5], "stiffness": k}],
    }
    traj = physreel.simulate(scene)
    m = traj.masses["b"]
    z = traj.position[:, 0, 2]
    assert period(z, 240) == pytest.approx(2 * math.pi * math.sqrt(m / k), rel=0.005)
    # Released at rest at the spring's rest length: it oscillates about z = 1 - m g / k.
    assert 0.5 * (z.max() + z.min()) == pytest.approx(1 - m * G / k, abs=0.01)


def test_hinge_motor_and_limits():
    scene = {
        "duration": 2.0,
        "ground": {"enabled": False},
        "objects": [box("door", [0.05, 0, 0.5])],
        "joints": [
            {
                "type": "hinge",
                "a": "door",
                "anchor": [0, 0, 0.5],
                "axis": [0, 0, 1],
                "motor": {"velocity": 90, "max_force": 50},
                "limits": [0, 120],
            }
        ],
    }
    traj = physreel.simulate(scene)
    angle = np.degrees(
        [
            math.atan2(quat_to_matrix(q)[1, 0], quat_to_matrix(q)[0, 0])
            for q in traj.quaternion[:, 0]
        ]
    )
    t = np.arange(len(angle)) / 24
    moving = t < 1.2
    assert angle[moving] == pytest.approx(90 * t[moving], abs=0.5)
    assert angle[t > 1.4] == pytest.approx(120, abs=0.5)
    # The door turns about the hinge line: its centre stays 5 cm from it.
    r = np.linalg.norm(traj.position[:, 0, :2], axis=1)
    assert r == pytest.approx(0.05, abs=1e-3)


def test_seesaw_launches_the_box():
    traj = physreel.simulate(SCENES / "seesaw.yaml")
    i = traj.names.index("box")
    assert traj.position[:, i, 2].max() > 0.6  # it flew
    plank = traj.names.index("plank")
    tilt = np.degrees([math.asin(quat_to_matrix(q)[2, 0]) for q in traj.quaternion[:, plank]])
    assert tilt.max() < 15.5 and tilt.min() > -15.5  # limits: [0, 30] degrees from -15


def test_joint_validation():
    objs = [box("door", [0, 0, 1]), box("wall", [0, 0, 2], static=True)]
    with pytest.raises(SceneError, match="unknown object 'dor'; did you mean 'door'"):
        load_scene_data(
            {"objects": objs, "joints": [{"type": "hinge", "a": "dor", "anchor": [0, 0, 1]}]}
        )
    with pytest.raises(SceneError, match="two different objects"):
        load_scene_data(
            {
                "objects": objs,
                "joints": [{"type": "ball", "a": "door", "b": "door", "anchor": [0, 0, 1]}],
            }
        )
    with pytest.raises(SceneError, match="lo <= 0 <= hi"):
        load_scene_data(
            {
                "objects": objs,
                "joints": [{"type": "hinge", "a": "door", "anchor": [0, 0, 1], "limits": [10, 20]}],
            }
        )
    with pytest.raises(SceneError, match="must not be the zero vector"):
        load_scene_data(
            {"objects": objs, "joints": [{"type": "slider", "a": "door", "axis": [0, 0, 0]}]}
        )
    with pytest.raises(SceneError, match="at least one side must be a dynamic object"):
        load_scene_data({"objects": objs, "joints": [{"type": "fixed", "a": "wall"}]})
    with pytest.raises(SceneError, match="anchor_b"):
        load_scene_data(
            {"objects": objs, "joints": [{"type": "spring", "a": "door", "stiffness": 10}]}
        )
    with pytest.raises(SceneError, match="twist"):
        load_scene_data({"objects": objs, "joints": [{"type": "twist", "a": "door"}]})


# ------------------------------------------------------------------------------- breaking
def _cantilever(kind: str, tip_force: float):
    """A 1 kg, 0.5 m bar held at one end by a joint (fixed, or a hinge about Z); from 0.5 s a
    downward force at its tip.  Bending torque at the joint: m g L / 2 + F L."""
    joint = {"type": kind, "a": "bar", "anchor": [0, 0, 1], "break_torque": 3.0}
    if kind == "hinge":
        joint["axis"] = [0, 0, 1]
    return physreel.simulate({
        "duration": 1.0, "fps": 240, "ground": {"enabled": False},
        "objects": [{"name": "bar", "shape": {"type": "box", "size": [0.5, 0.04, 0.04]}, "mass": 1.0,
                     "position": [0.25, 0, 1.0]}],
        "joints": [joint],
        "actions": [{"type": "force", "time": 0.5, "object": "bar", "vector": [0, 0, -tip_force],
                     "duration": 0.5, "point": [0.5, 0, 1.0]}],
    })


@pytest.mark.parametrize("kind", ["fixed", "hinge"])
def test_joint_breaks_when_the_bending_torque_passes_break_torque(kind):
    held = _cantilever(kind, 1.0)  # 9.81 x 0.25 + 1.0 x 0.5 = 2.95 N m < 3
    assert not [e for e in held.events if e["type"] == "joint_break"]
    assert held.position[-1, 0, 2] == pytest.approx(1.0, abs=2e-3)
    broke = _cantilever(kind, 1.2)  # 3.05 N m > 3
    ev = [e for e in broke.events if e["type"] == "joint_break"]
    assert len(ev) == 1 and ev[0]["objects"] == ["bar", "world"]
    assert 0.5 < ev[0]["time"] <= 0.5 + 0.011  # within the 10 ms averaging window
    assert ev[0]["torque"] == pytest.approx(0.25 * 9.81 + 0.5 * 1.2, rel=0.01)
    assert broke.position[-1, 0, 2] < 0.5  # and then it fell


def test_joint_breaks_when_the_pull_passes_break_force():
    """A 1 kg block on a ball joint (a string) with break_force 20 N: gravity (9.81 N) plus a
    pull of 8 N holds, 12 N more breaks it."""
    def run(extra: float):
        return physreel.simulate({
            "duration": 1.0, "fps": 240, "ground": {"enabled": False},
            "objects": [{"name": "block", "shape": {"type": "box", "size": [0.1, 0.1, 0.1]}, "mass": 1.0,
                         "position": [0, 0, 0.5]}],
            "joints": [{"type": "ball", "a": "block", "anchor": [0, 0, 0.55], "break_force": 20.0}],
            "actions": [{"type": "force", "time": 0.5, "object": "block", "vector": [0, 0, -extra], "duration": 0.5}],
        })
    assert not [e for e in run(8.0).events if e["type"] == "joint_break"]
    ev = [e for e in run(12.0).events if e["type"] == "joint_break"]
    assert len(ev) == 1 and ev[0]["force"] == pytest.approx(9.81 + 12.0, rel=0.01)


def test_pendulum_string_snaps_where_the_tension_reaches_break_force():
    """A 1 kg bob released from horizontal on a 0.5 m string: tension 3 m g cos(theta) at angle
    theta from the vertical; a string of 2.5 m g snaps at cos(theta) = 5/6 (33.6 deg)."""
    traj = physreel.simulate({
        "duration": 0.6, "fps": 240, "ground": {"enabled": False},
        "objects": [{"name": "bob", "shape": {"type": "sphere", "radius": 0.03}, "mass": 1.0, "position": [0.5, 0, 1]}],
        "joints": [{"type": "ball", "a": "bob", "anchor": [0, 0, 1], "break_force": 2.5 * 9.81}],
    })
    ev = [e for e in traj.events if e["type"] == "joint_break"]
    assert len(ev) == 1
    p = traj.position[ev[0]["frame"], 0]
    angle = math.degrees(math.atan2(p[0], 1.0 - p[2]))
    assert angle == pytest.approx(math.degrees(math.acos(5 / 6)), abs=4.0)


def test_spring_snaps_above_break_force():
    traj = physreel.simulate({
        "duration": 1.0, "fps": 240, "ground": {"enabled": False},
        "objects": [{"name": "weight", "shape": {"type": "sphere", "radius": 0.05}, "mass": 2.0, "position": [0, 0, 1]}],
        "joints": [{"type": "spring", "a": "weight", "anchor_b": [0, 0, 1.5], "stiffness": 400, "damping": 5,
                    "break_force": 30.0}],
    })  # it sags and bounces: the tension overshoots 2 g = 19.6 N up to ~39 N and snaps past 30 N
    ev = [e for e in traj.events if e["type"] == "joint_break"]
    assert len(ev) == 1 and ev[0]["force"] > 30.0
    assert traj.velocity[-1, 0, 2] < -2.0  # falling freely after
