"""Physics against closed-form answers, read from the metadata of real renders."""

from __future__ import annotations

import math

import numpy as np
import pytest

from conftest import scene_dict

G = 9.81


def test_free_fall_matches_z0_minus_half_g_t2(render_meta):
    z0, dt = 3.0, 1.0 / 240
    meta, _ = render_meta(scene_dict([{"name": "ball", "shape": {"type": "sphere", "radius": 0.1}, "position": [0, 0, z0]}],
                                     duration=0.7, fps=24))
    z = np.array(meta["objects"]["ball"]["position"])[:, 2]
    t = np.arange(len(z)) / 24
    expected = z0 - 0.5 * G * t**2
    # semi-implicit Euler falls ahead of the exact curve by g t dt / 2 (its own bias)
    tol = G * t * dt / 2 + 1e-3
    assert np.all(np.abs(z - expected) <= tol), np.abs(z - expected) - tol
    assert len(z) == round(0.7 * 24)


@pytest.mark.parametrize("e_ball,drop", [(0.8, 1.0), (0.5, 0.6)])
def test_bounce_apex_ratio_is_e_squared(render_meta, e_ball, drop):
    r = 0.1
    meta, _ = render_meta(scene_dict(
        [{"name": "ball", "shape": {"type": "sphere", "radius": r}, "position": [0, 0, drop + r],
          "material": "rubber", "restitution": e_ball}],
        duration=1.6, fps=120, ground={"restitution": 1.0}))
    z = np.array(meta["objects"]["ball"]["position"])[:, 2] - r
    vz = np.array(meta["objects"]["ball"]["velocity"])[:, 2]
    first_up = np.argmax(vz > 0)
    assert first_up > 0, "the ball never bounced"
    apex = z[first_up:][: np.argmax(vz[first_up:] < 0) + 1].max()
    ratio = apex / drop
    assert ratio == pytest.approx(e_ball**2, rel=0.10)


def test_block_slides_to_rest_at_v0_squared_over_2_mu_g(render_meta):
    v0, mu = 2.0, 0.5
    meta, _ = render_meta(scene_dict(
        [{"name": "block", "shape": {"type": "box", "size": [0.2, 0.2, 0.1]}, "position": [0, 0, 0.05],
          "velocity": [v0, 0, 0], "friction": mu, "material": "wood"}],
        duration=1.2, fps=24, ground={"friction": 1.0}))
    x = np.array(meta["objects"]["block"]["position"])[:, 0]
    expected = v0**2 / (2 * mu * G)
    assert x[-1] == pytest.approx(expected, rel=0.03)
    assert abs(x[-1] - x[-3]) < 1e-4, "the block should be at rest by the end"


def test_sphere_rolls_down_incline_at_five_sevenths_g_sin_theta(render_meta):
    theta = math.radians(20)
    r, length = 0.05, 4.0
    # Incline: a static slab rotated about Y; its top surface passes through the origin.
    thick = 0.1
    n = np.array([-math.sin(theta), 0, math.cos(theta)])  # surface normal (slopes down towards +x)
    slab_centre = -n * thick / 2
    down = np.array([math.cos(theta), 0, -math.sin(theta)])  # along the slope, downhill
    start = -down * (length / 2 - 0.2) + n * r
    meta, _ = render_meta(scene_dict(
        [{"name": "ramp", "shape": {"type": "box", "size": [length, 1.0, thick]}, "static": True,
          "position": slab_centre.tolist(), "rotation": [0, 20, 0], "friction": 1.0,
          "rolling_friction": 0.0, "spinning_friction": 0.0},
         {"name": "ball", "shape": {"type": "sphere", "radius": r}, "position": start.tolist(),
          "friction": 1.0, "rolling_friction": 0.0, "spinning_friction": 0.0, "material": "rubber"}],
        duration=0.8, fps=24, ground={"enabled": False}))
    p = np.array(meta["objects"]["ball"]["position"])
    s = (p - p[0]) @ down
    t = np.arange(len(s)) / 24
    a_fit = np.polyfit(t, s, 2)[0] * 2
    assert a_fit == pytest.approx(5 / 7 * G * math.sin(theta), rel=0.03)


def test_resting_box_drifts_less_than_2mm_in_10s(render_meta):
    meta, _ = render_meta(scene_dict(
        [{"name": "box", "shape": {"type": "box", "size": [0.3, 0.2, 0.1]}, "position": [0.1, 0.2, 0.05], "material": "wood"},
         {"name": "top", "shape": {"type": "box", "size": [0.15, 0.15, 0.15]}, "position": [0.1, 0.2, 0.175], "material": "plastic"}],
        duration=10.0, fps=12, resolution=[32, 24]))
    for name in ("box", "top"):
        p = np.array(meta["objects"][name]["position"])
        drift = np.linalg.norm(p - p[0], axis=1).max()
        assert drift < 2e-3, f"{name} drifted {drift * 1000:.2f} mm"


def test_hull_rests_on_floor_without_gap(render_meta):
    """Convex hulls have a 1 mm collision margin by default in Bullet: it must be off."""
    meta, _ = render_meta(scene_dict(
        [{"name": "cone", "shape": {"type": "cone", "radius": 0.1, "height": 0.3}, "position": [0, 0, 0.16]}],
        duration=1.0, fps=12))
    z = np.array(meta["objects"]["cone"]["position"])[-1, 2]
    assert z == pytest.approx(0.15, abs=3e-4)


def test_masses_from_density_and_overrides(render_meta):
    meta, _ = render_meta(scene_dict(
        [{"name": "a", "shape": {"type": "box", "size": [0.1, 0.2, 0.3]}, "material": "steel", "position": [0, 0, 0.15]},
         {"name": "b", "shape": {"type": "sphere", "radius": 0.1}, "mass": 2.5, "position": [1, 0, 0.1]},
         {"name": "c", "shape": {"type": "sphere", "radius": 0.1}, "density": 1000, "position": [2, 0, 0.1]},
         {"name": "s", "shape": {"type": "box", "size": [1, 1, 0.1]}, "static": True, "position": [0, 2, 0.05]}],
        duration=0.1))
    objs = meta["objects"]
    assert objs["a"]["mass"] == pytest.approx(7850 * 0.006)
    assert objs["b"]["mass"] == pytest.approx(2.5)
    assert objs["c"]["mass"] == pytest.approx(1000 * 4 / 3 * math.pi * 0.001)
    assert objs["s"]["mass"] == 0.0


def test_no_hidden_damping_spinning_body_keeps_its_speed(render_meta):
    meta, _ = render_meta(scene_dict(
        [{"name": "spinner", "shape": {"type": "box", "size": [0.2, 0.2, 0.2]}, "position": [0, 0, 5],
          "angular_velocity": [0, 0, 5.0]}], duration=0.5, gravity=[0, 0, 0], ground={"enabled": False}))
    w = np.array(meta["objects"]["spinner"]["angular_velocity"])[:, 2]
    assert w[-1] == pytest.approx(5.0, rel=1e-6)


def test_rotation_degrees_xyz_and_quaternion_agree(render_meta):
    from physreel.scene import load_scene
    from physreel.transforms import orientation, quat_to_matrix

    sc = load_scene(scene_dict([{"name": "a", "shape": {"type": "sphere", "radius": 0.1}, "rotation": [90, 0, 0]}]))
    r = quat_to_matrix(orientation(sc.objects[0].rotation, sc.objects[0].quaternion))
    assert np.allclose(r @ [0, 1, 0], [0, 0, 1], atol=1e-12)  # +90 about X takes +Y to +Z
    sc = load_scene(scene_dict([{"name": "a", "shape": {"type": "sphere", "radius": 0.1}, "rotation": [90, 0, 90]}]))
    r = quat_to_matrix(orientation(sc.objects[0].rotation, sc.objects[0].quaternion))
    assert np.allclose(r @ [0, 1, 0], [0, 0, 1], atol=1e-12)  # then about Z: +Z stays +Z
    assert np.allclose(r @ [1, 0, 0], [0, 1, 0], atol=1e-12)
