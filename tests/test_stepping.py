"""Automatic stepping (physreel.physics.stepping): no tunnelling, heavy bodies on light ones."""

from __future__ import annotations

import numpy as np
import pytest

import physreel
from physreel.assembly import build
from physreel.physics.world import World
from physreel.scene import load_scene


def _scene(objects, **top) -> dict:
    base = {"name": "t", "duration": 0.5, "fps": 24, "resolution": [64, 48], "objects": objects}
    base.update(top)
    return base


def _plan(data: dict):
    with World(build(load_scene(data))) as world:
        return world.plan


def _plate(thickness: float, top: float = 0.3, **kw) -> dict:
    return {"name": "plate", "shape": {"type": "box", "size": [0.4, 0.4, thickness]}, "static": True,
            "material": "wood", "position": [0, 0, top - thickness / 2], **kw}


# ---------------------------------------------------------------------------- tunnelling
@pytest.mark.parametrize("speed", [3.0, 4.4])
def test_small_steel_ball_never_passes_through_a_thin_plate(speed):
    """A 16 mm steel ball hitting a 5 mm plate at 3-4.4 m/s (dropped from 0.5-1 m) passed
    through it in about half of the drops at 240 Hz; every phase of the step must hold now."""
    r, n = 0.008, 8
    for k in range(n):
        phase = (k + 0.5) / n * speed / 240  # where in a 240 Hz step the ball arrives
        traj = physreel.simulate(_scene(
            [_plate(0.005), {"name": "ball", "shape": {"type": "sphere", "radius": r}, "material": "steel",
                             "position": [0, 0, 0.3 + r + 0.01 + phase], "velocity": [0, 0, -speed]}]))
        z = traj.position[:, 1, 2]
        assert z.min() > 0.3 - 0.0025, f"phase {k}: the ball passed the plate's mid-plane (z = {z.min():.4f})"
        assert traj.physics["substeps"] > 1


@pytest.mark.parametrize("crate_static", [True, False])
def test_thrown_tennis_ball_stays_in_a_crate_with_a_6mm_floor(crate_static):
    """A tennis ball thrown down at 9 m/s into a crate whose floor is 6 mm thick."""
    r, floor, wall = 0.033, 0.006, 0.006
    side, height = 0.3, 0.2
    parts = [("floor", [side, side, floor], [0, 0, floor / 2])]
    for i, (dx, dy) in enumerate([(1, 0), (-1, 0), (0, 1), (0, -1)]):
        size = [wall, side, height] if dx else [side, wall, height]
        parts.append((f"wall{i}", size, [dx * (side - wall) / 2, dy * (side - wall) / 2, height / 2]))
    objects = [{"name": f"crate_{n}", "shape": {"type": "box", "size": s}, "position": p, "material": "wood",
                "static": crate_static} for n, s, p in parts]
    joints = [] if crate_static else [{"type": "fixed", "a": f"crate_wall{i}", "b": "crate_floor"} for i in range(4)]
    for k in range(4):
        phase = (k + 0.5) / 4 * 9.0 / 240
        ball = {"name": "ball", "shape": {"type": "sphere", "radius": r}, "material": "rubber", "mass": 0.058,
                "position": [0, 0, height + r + 0.01 + phase], "velocity": [0, 0, -9.0]}
        traj = physreel.simulate(_scene(objects + [ball], duration=0.6, joints=joints))
        z = traj.position[:, traj.names.index("ball"), 2]
        floor_top = traj.position[:, traj.names.index("crate_floor"), 2] + floor / 2
        assert np.all(z > floor_top - 0.003), f"phase {k}: the ball went through the crate floor"


def test_slow_big_bodies_take_no_sub_steps():
    plan = _plan(_scene([_plate(0.04), {"name": "box", "shape": {"type": "box", "size": [0.2, 0.2, 0.2]},
                                        "position": [0, 0, 0.45]}]))
    assert plan.substeps == 1 and plan.rate == 240


def test_scene_can_set_sub_steps():
    data = _scene([{"name": "ball", "shape": {"type": "sphere", "radius": 0.01}, "velocity": [0, 0, -20],
                    "position": [0, 0, 1]}, _plate(0.002)], physics={"substeps": 3})
    assert _plan(data).substeps == 3
    traj = physreel.simulate(data)
    assert traj.physics["rate"] == 720 and traj.physics["steps_per_frame"] == 30


def test_too_many_sub_steps_are_capped_with_a_warning():
    data = _scene([{"name": "bead", "shape": {"type": "sphere", "radius": 0.001}, "velocity": [0, 0, -40],
                    "position": [0, 0, 1]}, _plate(0.0005)])
    plan = _plan(data)
    assert plan.substeps == 16 and "bead" in plan.warnings[0]


# ---------------------------------------------------------------------------- heavy on light
def test_kettlebell_on_a_mug_stays_put_at_default_settings():
    """A 13.6 kg kettlebell resting on a 300 g mug on a table: at 240 Hz with 50 iterations
    the mug sank 10 mm into the table and the pair toppled within 2 s; now < 1 mm, < 1 deg."""
    mug_h, bell_h = 0.095, 0.15
    traj = physreel.simulate(_scene([
        {"name": "table", "shape": {"type": "box", "size": [1.0, 1.0, 0.04]}, "material": "wood", "static": True,
         "position": [0, 0, -0.02]},
        {"name": "mug", "shape": {"type": "cylinder", "radius": 0.04, "height": mug_h}, "material": "ceramic",
         "mass": 0.3, "position": [0, 0, mug_h / 2]},
        {"name": "kettlebell", "shape": {"type": "cylinder", "radius": 0.08, "height": bell_h}, "material": "steel",
         "mass": 13.6, "position": [0, 0, mug_h + bell_h / 2]},
    ], duration=5.0, fps=12, ground={"enabled": False}))
    assert traj.physics["solver_iterations"] > 50
    for name in ("mug", "kettlebell"):
        i = traj.names.index(name)
        z = traj.position[:, i, 2]
        x, y = traj.quaternion[:, i, 0], traj.quaternion[:, i, 1]
        tilt = np.degrees(np.arccos(np.clip(1 - 2 * (x * x + y * y), -1, 1)))
        assert z[0] - z.min() < 1e-3, f"{name} sank {1000 * (z[0] - z.min()):.2f} mm"
        assert tilt.max() < 1.0, f"{name} tilted {tilt.max():.2f} deg"


def test_solver_iterations_stay_at_the_base_without_mass_ratios():
    traj = physreel.simulate(_scene([{"name": "box", "shape": {"type": "box", "size": [0.2, 0.2, 0.2]},
                                      "position": [0, 0, 0.1]}]))
    assert traj.physics["solver_iterations"] == 50
