"""Ropes, strings and chains (physreel.physics.ropes, physreel.assets.rope)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import physreel
from physreel.assets.rope import rope_path

G = 9.81


def _scene(objects, **top) -> dict:
    base = {"name": "t", "duration": 1.0, "fps": 120, "resolution": [64, 48], "objects": objects}
    base.update(top)
    return base


def test_rope_path_has_the_ropes_length_and_sags():
    pts = rope_path([0, 0, 1], [0.6, 0, 1], 1.0, 20)
    seg = np.linalg.norm(np.diff(pts, axis=0), axis=1)
    assert seg.sum() == pytest.approx(1.0, rel=1e-3)
    assert np.ptp(seg) < 0.01 * seg.mean()  # equal links
    assert pts[:, 2].min() < 0.7  # hangs below the line between its ends
    np.testing.assert_allclose(pts[[0, -1]], [[0, 0, 1], [0.6, 0, 1]], atol=1e-9)


def test_pendulum_on_a_string_swings_with_the_simple_pendulum_period_and_never_stretches():
    """A 0.5 kg steel bob on a 0.5 m string of 1 g, released from 30 deg: T = 2 pi sqrt(l / g)
    (1 + theta^2 / 16) with l to the bob's centre; the string stays 0.5 m."""
    angle, length, r = math.radians(30), 0.5, 0.04
    d = np.array([math.sin(angle), 0, -math.cos(angle)])
    top = np.array([0, 0, 1.0])
    traj = physreel.simulate(_scene([
        {"name": "bob", "shape": {"type": "sphere", "radius": r}, "mass": 0.5, "material": "steel",
         "position": (top + d * (length + r)).tolist()},
        {"name": "string", "shape": {"type": "rope", "start": top.tolist(), "end": (top + d * length).tolist(),
                                     "radius": 0.003, "end_object": "bob"}},
    ], duration=3.0, ground={"enabled": False}))
    links = [n for n in traj.names if n == "string" or n.startswith("string.link_")]
    assert len(links) == 13  # 0.5 m in links of 4 cm
    bob = traj.position[:, traj.names.index("bob")]
    dist = np.linalg.norm(bob - top, axis=1)
    assert dist.max() - (length + r) < 1e-3
    x = bob[:, 0]
    crossings = np.flatnonzero(np.diff(np.sign(x)) != 0) / 120
    period = 2 * np.mean(np.diff(crossings))
    expected = 2 * math.pi * math.sqrt((length + r) / G) * (1 + angle**2 / 16)
    assert period == pytest.approx(expected, rel=0.01)
    assert np.abs(x[-40:]).max() == pytest.approx((length + r) * math.sin(angle), rel=0.03)  # no decay
    # every link stays on the string: within its length of the anchor
    link_pos = traj.position[:, [traj.names.index(n) for n in links]]
    assert np.linalg.norm(link_pos - top, axis=2).max() < length


def test_slack_rope_lets_the_ball_fall_freely_until_it_is_taut():
    """A ball tied 0.1 m below the anchor with 0.4 m of rope falls (nearly) freely for 0.3 m:
    the folded rope falling with it pulls it a little ahead of free fall (a falling folded
    chain's free end outruns g), by under 6 mm here; then the rope holds it."""
    traj = physreel.simulate(_scene([
        {"name": "ball", "shape": {"type": "sphere", "radius": 0.03}, "mass": 0.2, "position": [0, 0, 0.87]},
        {"name": "cord", "shape": {"type": "rope", "start": [0, 0, 1.0], "end": [0, 0, 0.9], "length": 0.4,
                                   "radius": 0.002, "end_object": "ball"}},
    ], duration=0.6, fps=240, ground={"enabled": False}))
    z = traj.position[:, traj.names.index("ball"), 2]
    t = np.arange(len(z)) / 240
    t_taut = math.sqrt(2 * 0.3 / G)
    free = t < t_taut - 0.01
    np.testing.assert_allclose(z[free], 0.87 - 0.5 * G * t[free] ** 2, atol=6e-3)
    assert z.min() > 0.9 - 0.4 - 0.03 - 1e-3  # held by the rope: it never drops further


def test_crane_lowers_a_box_on_a_cord():
    """A kinematic hook lowers a 2 kg box on a 0.3 m cord by 0.4 m and lifts it again."""
    keys = [{"time": 0, "position": [0, 0, 1.2]}, {"time": 1, "position": [0, 0, 0.8]},
            {"time": 2, "position": [0, 0, 1.2]}]
    traj = physreel.simulate(_scene([
        {"name": "hook", "shape": {"type": "box", "size": [0.05, 0.05, 0.05]}, "position": [0, 0, 1.2],
         "kinematic": {"keys": keys, "easing": "smooth"}},
        {"name": "box", "shape": {"type": "box", "size": [0.2, 0.2, 0.2]}, "mass": 2.0, "position": [0, 0, 0.775]},
        {"name": "cord", "shape": {"type": "rope", "start": [0, 0, 1.175], "end": [0, 0, 0.875], "radius": 0.003,
                                   "start_object": "hook", "end_object": "box"}},
    ], duration=2.0, fps=48, ground={"enabled": False}))
    hook = traj.position[:, traj.names.index("hook"), 2]
    box = traj.position[:, traj.names.index("box"), 2]
    gap = hook - box  # 0.4 m when the cord is taut
    assert np.abs(gap - 0.425).max() < 2e-3
