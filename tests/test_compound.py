"""Compound objects and hollow shapes (physreel.assets.compound, physreel.assets.hollow)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import physreel
from physreel.assembly import build
from physreel.scene import load_scene
from physreel.transforms import quat_to_matrix


def _scene(objects, **top) -> dict:
    base = {"name": "t", "duration": 1.0, "fps": 24, "resolution": [64, 48], "objects": objects}
    base.update(top)
    return base


def _dumbbell(**obj) -> dict:
    """Two steel spheres (r 4 cm) 30 cm apart on a 1 cm steel bar along x."""
    return {"name": "dumbbell", "material": "steel", "position": [0, 0, 1], "shape": {"type": "compound", "parts": [
        {"shape": {"type": "sphere", "radius": 0.04}, "position": [-0.15, 0, 0]},
        {"shape": {"type": "sphere", "radius": 0.04}, "position": [0.15, 0, 0]},
        {"shape": {"type": "cylinder", "radius": 0.01, "height": 0.3}, "rotation": [0, 90, 0]},
    ]}, **obj}


# ---------------------------------------------------------------------------- compounds
def test_compound_has_one_mass_centre_and_inertia():
    rho, a, b, half = 7850.0, 0.04, 0.01, 0.15
    ms = rho * 4 / 3 * math.pi * a**3
    mc = rho * math.pi * b * b * 2 * half
    ix = 2 * 0.4 * ms * a * a + 0.5 * mc * b * b
    iy = 2 * (0.4 * ms * a * a + ms * half * half) + mc * (3 * b * b + (2 * half) ** 2) / 12
    built = build(load_scene(_scene([_dumbbell()])))["dumbbell"]
    assert built.mass == pytest.approx(2 * ms + mc, rel=1e-3)
    g = built.geometry
    assert np.allclose(g.center_of_mass, 0, atol=1e-6)
    inertia = g.inertia_unit * built.mass
    assert inertia[0, 0] == pytest.approx(ix, rel=2e-3)
    assert inertia[1, 1] == pytest.approx(iy, rel=2e-3)
    assert inertia[2, 2] == pytest.approx(iy, rel=2e-3)
    # In the simulation: a torque about z for 0.5 s spins it to tau t / I_z, as one body.
    traj = physreel.simulate(_scene([_dumbbell()], gravity=[0, 0, 0], ground={"enabled": False},
                                    actions=[{"type": "torque", "time": 0.0, "object": "dumbbell",
                                              "vector": [0, 0, 0.2], "duration": 0.5}]))
    assert traj.angular_velocity[-1, 0, 2] == pytest.approx(0.2 * 0.5 / iy, rel=5e-3)
    assert traj.names == ["dumbbell"]


def test_compound_centre_of_mass_follows_part_masses():
    """A hammer: a 0.3 kg wooden handle and a 1.2 kg steel head, given as part masses."""
    hammer = {"name": "hammer", "position": [0, 0, 0.5], "shape": {"type": "compound", "parts": [
        {"shape": {"type": "cylinder", "radius": 0.015, "height": 0.3}, "material": "wood", "mass": 0.3},
        {"shape": {"type": "box", "size": [0.12, 0.03, 0.03]}, "material": "steel", "mass": 1.2,
         "position": [0, 0, 0.165]},
    ]}}
    built = build(load_scene(_scene([hammer])))["hammer"]
    assert built.mass == pytest.approx(1.5)
    assert built.geometry.center_of_mass == pytest.approx([0, 0, 1.2 * 0.165 / 1.5], abs=1e-9)
    scaled = build(load_scene(_scene([{**hammer, "mass": 3.0}])))["hammer"]
    assert scaled.mass == pytest.approx(3.0)
    assert scaled.geometry.center_of_mass == pytest.approx(built.geometry.center_of_mass, abs=1e-9)


def test_compound_is_one_body():
    """Glued with fixed joints, a 50 g handle on a 13 kg ball opened up to 12 mm while the pair
    tumbled (measured); a compound is one rigid body, so nothing can open up.  It rolls on its
    ball part and never sinks into the floor."""
    bell = {"name": "kettlebell", "material": "steel", "position": [0, 0, 0.3], "velocity": [1.5, 0, 0],
            "angular_velocity": [0, 8, 3], "shape": {"type": "compound", "parts": [
                {"shape": {"type": "sphere", "radius": 0.08}, "mass": 13.0},
                {"shape": {"type": "capsule", "radius": 0.012, "height": 0.16}, "mass": 0.05,
                 "position": [0, 0, 0.11], "rotation": [90, 0, 0]}]}}
    traj = physreel.simulate(_scene([bell], duration=2.0))
    assert traj.names == ["kettlebell"]
    centre = traj.position[:, 0]  # the object frame's origin is the ball's centre
    assert centre[:, 2].min() > 0.08 - 0.003
    # It cannot roll over its handle (which reaches 12.2 cm from the centre): it rolls until the
    # handle meets the floor and stops there, resting on ball and handle.
    ends = np.array([[0, -0.068, 0.11], [0, 0.068, 0.11]])
    lowest = [min((quat_to_matrix(q) @ e)[2] for e in ends) + c[2] - 0.012
              for q, c in zip(traj.quaternion[:, 0], centre, strict=True)]
    assert min(lowest) > -3e-3
    assert lowest[-1] == pytest.approx(0.0, abs=3e-3)
    assert np.linalg.norm(traj.velocity[-1, 0]) < 0.01


def test_compound_part_looks_and_static_mass():
    mug = {"name": "mug", "static": True, "material": "ceramic", "shape": {"type": "compound", "parts": [
        {"shape": {"type": "cup", "radius": 0.04, "height": 0.095, "wall": 0.004}},
        {"shape": {"type": "box", "size": [0.03, 0.01, 0.06]}, "position": [0.05, 0, 0], "color": "#ff0000"}]}}
    built = build(load_scene(_scene([mug])))["mug"]
    assert built.mass == 0.0
    kinds = [getattr(v.visual, "kind", None) for v in built.geometry.visual]
    assert kinds[-1] == "texture" and kinds[0] is None  # the handle carries its own red


def test_compound_breaks_as_a_whole():
    mug = {"name": "mug", "material": "ceramic", "breakable": {"pieces": 8}, "position": [0, 0, 1.5],
           "shape": {"type": "compound", "parts": [
               {"shape": {"type": "cup", "radius": 0.04, "height": 0.095, "wall": 0.005}},
               {"shape": {"type": "box", "size": [0.03, 0.012, 0.06]}, "position": [0.05, 0, 0]}]}}
    traj = physreel.simulate(_scene([mug], duration=1.0))
    breaks = [e for e in traj.events if e["type"] == "break"]
    assert len(breaks) == 1 and breaks[0]["object"] == "mug"
    pieces = breaks[0]["pieces"]
    assert len(pieces) >= 8
    assert sum(traj.masses[p] for p in pieces) == pytest.approx(traj.masses["mug"], rel=1e-6)


def test_compound_rolls_on_its_largest_round_part():
    built = build(load_scene(_scene([_dumbbell()])))["dumbbell"]
    assert built.geometry.params["rolling_radius"] == pytest.approx(0.04)


# ---------------------------------------------------------------------------- hollow shapes
def test_cup_mass_properties_match_closed_form():
    r, h, w, b = 0.04, 0.1, 0.004, 0.006
    built = build(load_scene(_scene([{"name": "cup", "material": "ceramic", "shape": {
        "type": "cup", "radius": r, "height": h, "wall": w, "bottom": b}}])))["cup"]
    v_out, v_in = math.pi * r * r * h, math.pi * (r - w) ** 2 * (h - b)
    assert built.geometry.volume == pytest.approx(v_out - v_in, rel=0.01)  # 64-gon vs circle
    z_in = -h / 2 + b + (h - b) / 2
    com = (v_out * 0.0 - v_in * z_in) / (v_out - v_in)
    assert built.geometry.center_of_mass[2] == pytest.approx(com, abs=2e-4)
    assert built.mass == pytest.approx(2400 * built.geometry.volume)


@pytest.mark.parametrize("crate_static", [True, False])
def test_ball_dropped_into_a_crate_stays_in_it(crate_static):
    size, wall = (0.3, 0.25, 0.2), 0.006
    traj = physreel.simulate(_scene([
        {"name": "crate", "shape": {"type": "open_box", "size": list(size), "wall": wall}, "material": "wood",
         "static": crate_static, "position": [0, 0, size[2] / 2]},
        {"name": "ball", "shape": {"type": "sphere", "radius": 0.033}, "material": "rubber",
         "position": [0.05, -0.04, 0.8], "velocity": [0.15, 0.1, 0]}], duration=3.0))
    ball = traj.position[:, 1]
    crate = traj.position[:, 0]
    inside = np.abs(ball[:, :2] - crate[:, :2]) < np.array(size[:2]) / 2 - wall - 0.033 + 1e-3
    late = traj.times > 0.45  # it has fallen in by then
    assert inside[late].all(), "the ball left the crate"
    assert ball[-1, 2] == pytest.approx(crate[-1, 2] - size[2] / 2 + wall + 0.033, abs=1.5e-3)


@pytest.mark.parametrize("static", [True, False])
def test_ball_rolls_through_a_tube(static):
    traj = physreel.simulate(_scene([
        {"name": "tube", "shape": {"type": "tube", "radius": 0.04, "height": 0.5, "wall": 0.004},
         "material": "plastic", "static": static, "position": [0.25, 0, 0.04], "rotation": [0, 90, 0]},
        {"name": "ball", "shape": {"type": "sphere", "radius": 0.02}, "material": "steel",
         "position": [0.02, 0, 0.024], "velocity": [1.0, 0, 0], "angular_velocity": [0, 50, 0]}],
        duration=0.8, fps=48))
    ball = traj.position[:, 1]
    out = np.argmax(ball[:, 0] > 0.5 + 0.02)
    assert out > 0, "the ball never came out"
    inside = slice(0, out)
    assert np.abs(ball[inside, 1]).max() < 2e-3  # stays on the bore's bottom line
    assert np.abs(ball[inside, 2] - 0.024).max() < 2e-3
    assert traj.velocity[out, 1, 0] > 0.95  # rolled through, nothing but rolling resistance


def test_bowl_holds_a_ball_dropped_off_centre():
    traj = physreel.simulate(_scene([
        {"name": "bowl", "shape": {"type": "bowl", "radius": 0.08, "wall": 0.005}, "material": "ceramic",
         "static": True, "position": [0, 0, 0.04]},
        {"name": "ball", "shape": {"type": "sphere", "radius": 0.015}, "material": "steel",
         "position": [0.03, 0, 0.12]}], duration=3.0))
    ball = traj.position[:, 1]
    assert np.linalg.norm(ball[:, :2], axis=1).max() < 0.08
    assert ball[-1, 2] == pytest.approx(0.005 + 0.015, abs=3e-3)  # at the bottom of the bowl


def test_basket_slats_have_gaps():
    """A ball smaller than the gaps between the slats rolls out; a bigger one stays in."""
    toward_gap = [0.8 * math.cos(math.pi / 8), 0.8 * math.sin(math.pi / 8), 0]  # between slats 0 and 1

    def final_radius(r_ball: float) -> float:
        traj = physreel.simulate(_scene([
            {"name": "basket", "shape": {"type": "basket", "radius": 0.12, "height": 0.12, "wall": 0.006,
                                         "slats": 8, "bottom": 0.004}, "material": "wood", "static": True,
             "position": [0, 0, 0.06]},
            {"name": "ball", "shape": {"type": "sphere", "radius": r_ball}, "material": "steel",
             "position": [0, 0, 0.004 + r_ball + 0.001], "velocity": toward_gap}], duration=2.0))
        return float(np.linalg.norm(traj.position[-1, 1, :2]))

    # gap: half of 2 pi 0.117 / 8 = 4.6 cm wide, from 4 mm up to 11.6 cm
    assert final_radius(0.012) > 0.15
    assert final_radius(0.03) < 0.12
