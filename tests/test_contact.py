"""Contact behaviour against closed form (physreel.physics.contact, the material presets)."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest

import physreel
from physreel.scene.materials import PRESETS

G = 9.81
ROOT = Path(__file__).resolve().parents[1]


def _scene(objects, **top) -> dict:
    base = {"name": "t", "duration": 1.0, "fps": 24, "resolution": [64, 48], "objects": objects}
    base.update(top)
    return base


def _tilt_degrees(quats: np.ndarray) -> np.ndarray:
    """Angle (deg) between each orientation's local Z and the world Z, (T, 4) -> (T,)."""
    x, y = quats[:, 0], quats[:, 1]
    return np.degrees(np.arccos(np.clip(1 - 2 * (x * x + y * y), -1, 1)))


# ------------------------------------------------------------------------------- rolling
@pytest.mark.parametrize("ball,floor", [("rubber", "wood"), ("rubber", "concrete"), ("wood", "concrete")])
def test_ball_rolls_the_closed_form_distance(ball, floor):
    """A sphere rolling at v0 with rolling resistance C = rolling_friction x floor friction
    decelerates at 5/7 g C (torque C r N about the contact) and stops after 7 v0^2 / (10 g C)."""
    r, v0 = 0.0233, 0.5  # a 58 g rubber ball
    c = PRESETS[ball].rolling_friction * PRESETS[floor].friction
    distance = 7 * v0**2 / (10 * G * c)
    duration = math.ceil((v0 / (5 / 7 * G * c) + 1.0) * 2) / 2
    traj = physreel.simulate(_scene(
        [{"name": "b", "shape": {"type": "sphere", "radius": r}, "material": ball, "position": [0, 0, r],
          "velocity": [v0, 0, 0], "angular_velocity": [0, v0 / r, 0]}],
        duration=duration, fps=12, ground={"material": floor}))
    x = traj.position[:, 0, 0]
    assert x[-1] == pytest.approx(distance, rel=0.02)
    assert abs(x[-1] - x[-3]) < 1e-4, "the ball should have stopped"


def test_presets_have_real_rolling_resistance():
    """Real rolling-resistance coefficients are 0.001-0.02: a ball rolls metres, not centimetres.
    (``person`` is soft limbs, which do not roll: 0.2, a 1 cm lever on a 5 cm limb.)"""
    for name, mat in PRESETS.items():
        if name == "person":
            assert mat.rolling_friction == 0.2
            continue
        assert 0.0005 <= mat.rolling_friction <= 0.02, name


# ------------------------------------------------------------------------------- tipping
DOMINO = (0.007, 0.024, 0.048)  # a real domino, 7 x 24 x 48 mm


def _domino_pushed(fraction: float) -> float:
    """Push a wooden domino at 98 % of its height with ``fraction`` of the rigid-body tipping
    force m g (t/2) / h_push, suddenly, and return its largest tilt (deg)."""
    t, w, h = DOMINO
    mass = PRESETS["wood"].density * t * w * h
    h_push = 0.98 * h
    force = fraction * mass * G * (t / 2) / h_push
    traj = physreel.simulate(_scene(
        [{"name": "d", "shape": {"type": "box", "size": list(DOMINO)}, "material": "wood",
          "position": [0, 0, h / 2]}],
        duration=1.5, ground={"material": "wood"},
        actions=[{"type": "force", "time": 0.1, "object": "d", "vector": [force, 0, 0], "duration": 1.4,
                  "point": [-t / 2, 0, h_push]}]))
    assert traj.physics["substeps"] >= 2, "a 7 mm domino needs sub-steps to tip at the right push"
    return float(_tilt_degrees(traj.quaternion[:, 0]).max())


def test_domino_holds_below_the_rigid_body_tipping_force():
    # Regression: rolling friction on boxes made a domino need ~2x this force (old presets),
    # and at 240 Hz without sub-steps it tipped already at 0.9 of it.
    assert _domino_pushed(0.93) < 2.0


def test_domino_tips_just_above_the_rigid_body_tipping_force():
    assert _domino_pushed(1.05) > 80.0


# ------------------------------------------------------------------------- Newton's cradle
def _cradle(n_in: int) -> np.ndarray:
    """Five touching steel balls (restitution 1) on ball joints; ``n_in`` balls released from
    30 deg.  Returns every ball's x velocity (m/s) just after the impact, (5,)."""
    r, length, top = 0.025, 0.3, 0.45
    objects, joints = [], []
    for i in range(5):
        x = (i - 2) * 2 * r  # touching
        a = math.radians(30) if i < n_in else 0.0
        objects.append({"name": f"b{i}", "shape": {"type": "sphere", "radius": r}, "material": "cradle",
                        "position": [x - length * math.sin(a), 0, top - length * math.cos(a)]})
        joints.append({"type": "ball", "a": f"b{i}", "anchor": [x, 0, top]})
    traj = physreel.simulate(_scene(
        objects, duration=0.6, fps=240, joints=joints,
        materials={"cradle": {"base": "steel", "restitution": 1.0, "friction": 0.0}}))
    vx = traj.velocity[:, :5, 0]
    incoming = np.abs(vx[:, 0]).max()
    moved = np.argmax(np.abs(vx[:, 4]) > 0.5 * incoming)
    assert moved > 0, "the last ball never moved"
    return vx[moved + 12], incoming


@pytest.mark.parametrize("n_in", [1, 2])
def test_touching_cradle_sends_out_as_many_balls_as_came_in(n_in):
    after, v_in = _cradle(n_in)
    out = after[5 - n_in:]
    rest = after[: 5 - n_in]
    assert np.all(out > 0.9 * v_in), after
    assert np.all(np.abs(rest) < 0.05 * v_in), after


# ---------------------------------------------------------------------------- the README
def test_readme_preset_table_matches_the_data_file():
    text = (ROOT / "README.md").read_text()
    rows = {}
    for line in text.splitlines():
        m = re.match(r"^\| (\w+) \| ([\d.]+) \| ([\d.]+) \| ([\d.]+) \| ([\d.]+) \| ([\d.]+) \|", line)
        if m and m.group(1) in PRESETS:
            rows[m.group(1)] = [float(v) for v in m.groups()[1:]]
    assert set(rows) == set(PRESETS)
    for name, (density, friction, rolling, spinning, restitution) in rows.items():
        mat = PRESETS[name]
        assert (density, friction, rolling, spinning, restitution) == (
            mat.density, mat.friction, mat.rolling_friction, mat.spinning_friction, mat.restitution), name
