"""Breakable objects (physreel.physics.breaking): a height threshold, mass and momentum at the
swap, pieces above the floor, the speed rule and the impulse rule."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import physreel
from physreel import build
from physreel.physics.controllers import controllers_for
from physreel.physics.trajectory import quat_to_matrix
from physreel.physics.world import World
from physreel.scene.loader import load_scene_data

ROOT = Path(__file__).resolve().parent.parent
TUMBLER = str(ROOT / "assets" / "tumbler.obj")
G = 9.81
H_STAR = (0.17, 0.21)  # measured: below 0.17 m the cup never breaks, above 0.21 m it always does


def cup_scene(height: float, *, duration: float | None = None, **glass) -> dict:
    """The glass of scenes/glass_drop.yaml (same seed, tilt and spin) dropped from ``height``."""
    if duration is None:
        duration = math.sqrt(2 * height / G) + 0.2
    return {
        "duration": duration,
        "seed": 7,
        "objects": [
            {
                "name": "glass",
                "shape": {"type": "mesh", "file": TUMBLER, "up": "z", "origin": "bottom_center"},
                "material": "glass",
                "breakable": {"pieces": 12},
                "position": [0, 0, height],
                "rotation": [25, 10, 0],
                "angular_velocity": [0.5, -1.0, 0.3],
                **glass,
            }
        ],
    }


def broke(traj) -> bool:
    return any(e["type"] == "break" and e["object"] == "glass" for e in traj.events)


@pytest.mark.parametrize("height", [0.03, 0.1, H_STAR[0]])
def test_glass_never_breaks_below_h_star(height):
    traj = physreel.simulate(cup_scene(height, duration=1.0))
    assert not broke(traj)
    assert traj.names == ["glass"] and traj.present[:, 0].all()


@pytest.mark.parametrize("height", [H_STAR[1], 0.5])
def test_glass_always_breaks_above_h_star(height):
    traj = physreel.simulate(cup_scene(height))
    assert broke(traj)
    ev = next(e for e in traj.events if e["type"] == "break")
    # It breaks at its first landing: the time it takes to fall (its lowest point starts about
    # 2 cm below its origin), within two frames.
    assert ev["time"] == pytest.approx(math.sqrt(2 * (height - 0.02) / G), abs=2 / 24)
    assert ev["impulse"] / traj.masses["glass"] > 2.5  # glass break_speed, m/s


@pytest.mark.slow
def test_h_star_sweep():
    heights = np.round(np.arange(0.02, 0.62, 0.02), 2)
    result = [broke(physreel.simulate(cup_scene(float(h)))) for h in heights]
    assert not any(r for h, r in zip(heights, result, strict=True) if h <= H_STAR[0])
    assert all(r for h, r in zip(heights, result, strict=True) if h >= H_STAR[1])


def test_shipped_scenes_shatter_and_bounce():
    bounce = physreel.simulate(ROOT / "scenes" / "glass_bounce.yaml")
    assert not broke(bounce)
    scene = physreel.load_scene(ROOT / "scenes" / "glass_drop.yaml")
    drop = physreel.simulate(physreel.with_overrides(scene, duration=0.7))
    assert broke(drop)
    pieces = [n for n in drop.names if drop.parents.get(n) == "glass"]
    assert len(pieces) >= 12
    i = drop.names.index("glass")
    f = next(e for e in drop.events if e["type"] == "break")["frame"]
    # The parent is gone from the frame that shows the break on; its pieces are there instead.
    assert drop.present[:f, i].all() and not drop.present[f:, i].any()
    assert all(drop.present[f:, drop.names.index(n)].all() for n in pieces)
    assert set(drop.extra_geometry) == set(pieces)


def step_until_break(scene_data: dict, seconds: float = 1.0):
    """Step a world until the glass breaks; yield (world, parent body, parent momentum just
    before the breaking step)."""
    scene = load_scene_data(scene_data)
    with World(build(scene)) as world:
        world.controllers = controllers_for(scene)
        for ctl in world.controllers:
            ctl.setup(world)
        glass = world.by_name["glass"]
        for _ in range(int(seconds * 240)):
            v, _ = world.p.getBaseVelocity(glass.body_id, physicsClientId=world.client)
            momentum = glass.mass * np.asarray(v)
            world.step()
            if not glass.alive:
                yield world, glass, momentum
                return
        raise AssertionError("the glass did not break")


def test_swap_conserves_mass_and_momentum_and_pieces_start_above_the_floor():
    for world, glass, momentum in step_until_break(cup_scene(0.8)):
        p, c = world.p, world.client
        pieces = [b for b in world.bodies if b.parent == "glass"]
        assert len(pieces) >= 12 and all(b.alive for b in pieces)
        masses = np.array([b.mass for b in pieces])
        assert masses.sum() == pytest.approx(glass.mass, rel=1e-6)
        assert [
            p.getDynamicsInfo(b.body_id, -1, physicsClientId=c)[0] for b in pieces
        ] == pytest.approx(masses, rel=1e-9)
        volumes = np.array([b.geom.volume for b in pieces])
        assert masses / masses.sum() == pytest.approx(volumes / volumes.sum(), rel=1e-9)
        total = sum(
            b.mass * np.asarray(p.getBaseVelocity(b.body_id, physicsClientId=c)[0]) for b in pieces
        )
        assert np.linalg.norm(total - momentum) <= 0.01 * np.linalg.norm(momentum)
        assert np.linalg.norm(momentum) > 0.5  # it was falling fast
        for b in pieces:
            pos, quat = world.object_pose(b)
            verts = b.geom.visual[0].vertices @ quat_to_matrix(quat).T + pos
            assert verts[:, 2].min() >= 0.0
        assert world.events[-1]["type"] == "break"
        assert world.events[-1]["pieces"] == [b.name for b in pieces]
        assert all(b.name.startswith("glass.piece_") for b in pieces)


def test_break_speed_rule_does_not_depend_on_mass():
    """Impulse per unit mass: a glass five times heavier breaks at the same heights."""
    heavy = 5 * physreel.simulate(cup_scene(0.05, duration=0.01)).masses["glass"]
    assert not broke(physreel.simulate(cup_scene(0.1, duration=0.6, mass=heavy)))
    assert broke(physreel.simulate(cup_scene(0.3, mass=heavy)))


def test_absolute_threshold_and_speed_overrides():
    m = physreel.simulate(cup_scene(0.05, duration=0.01)).masses["glass"]
    # From 10 cm the landing's impulse per unit mass is ~1.7 m/s: below the glass default,
    # above a threshold of 1.0 m/s or an impulse of 1.0 m/s x m.
    assert not broke(physreel.simulate(cup_scene(0.1, duration=0.6)))
    assert broke(
        physreel.simulate(cup_scene(0.1, duration=0.6, breakable={"speed": 1.0, "pieces": 12}))
    )
    assert broke(
        physreel.simulate(
            cup_scene(0.1, duration=0.6, breakable={"threshold": 1.0 * m, "pieces": 12})
        )
    )
    assert not broke(physreel.simulate(cup_scene(0.3, breakable={"threshold": 10.0, "pieces": 12})))


def test_convex_object_pieces_fill_it():
    scene = {
        "duration": 0.8,
        "seed": 1,
        "objects": [
            {
                "name": "tile",
                "shape": {"type": "box", "size": [0.2, 0.1, 0.02]},
                "material": "ceramic",
                "breakable": {"pieces": 6},
                "position": [0, 0, 1.5],
                "rotation": [10, 0, 0],
            }
        ],
    }
    traj = physreel.simulate(scene)
    pieces = [n for n in traj.names if traj.parents.get(n) == "tile"]
    assert 1 < len(pieces) <= 6
    volume = sum(traj.extra_geometry[n].volume for n in pieces)
    assert volume == pytest.approx(0.2 * 0.1 * 0.02, rel=1e-6)
    assert sum(traj.masses[n] for n in pieces) == pytest.approx(traj.masses["tile"], rel=1e-6)


def test_breakable_validation():
    from physreel.errors import SceneError

    bad = cup_scene(0.1)
    bad["objects"][0]["breakable"] = {"threshold": 1.0, "speed": 2.0}
    with pytest.raises(SceneError, match="either 'threshold'"):
        load_scene_data(bad)
    bad["objects"][0]["breakable"] = {"pieces": 0}
    with pytest.raises(SceneError, match="pieces"):
        load_scene_data(bad)
    bad["objects"][0]["breakable"] = True
    bad["objects"][0]["static"] = True
    with pytest.raises(SceneError, match="static or kinematic object cannot be breakable"):
        load_scene_data(bad)


def test_breaking_is_deterministic_with_and_without_the_cache(tmp_path, monkeypatch):
    """Same scene, same seed: the same pieces and events, whether the fracture is computed
    (empty cache) or read back from the cache."""
    monkeypatch.setenv("PHYSREEL_CACHE", str(tmp_path))
    scene = physreel.load_scene(ROOT / "scenes" / "plate_shatters.yaml")
    scene = physreel.with_overrides(scene, duration=0.5)
    first = physreel.simulate(scene)
    assert list((tmp_path / "fracture").glob("*.npz"))
    second = physreel.simulate(scene)
    assert first.names == second.names and len(first.names) > 6
    assert first.events == second.events
    assert np.array_equal(first.position, second.position)


# --------------------------------------------------------------------------------- crushing
def _can_under_weight(weight_kg: float, crush: float = 100.0):
    """A plastic can (crush_force 100 N) on the floor with a steel block resting on it."""
    import physreel

    return physreel.simulate({
        "duration": 0.6, "fps": 24, "resolution": [64, 48],
        "objects": [
            {"name": "can", "shape": {"type": "cylinder", "radius": 0.033, "height": 0.12},
             "material": "plastic", "position": [0, 0, 0.06], "breakable": {"pieces": 4, "crush_force": crush}},
            {"name": "weight", "shape": {"type": "box", "size": [0.12, 0.12, 0.05]}, "material": "steel",
             "mass": weight_kg, "position": [0, 0, 0.145]},
        ],
    })


def test_can_is_crushed_by_a_weight_above_its_crush_force():
    """The force squeezing the can is the weight's M g (plus half the can's own weight)."""
    held = _can_under_weight(9.5)  # 93 N + 2 N < 100 N
    assert not [e for e in held.events if e["type"] == "break"]
    crushed = _can_under_weight(10.5)  # 103 N > 100 N
    ev = [e for e in crushed.events if e["type"] == "break"]
    assert len(ev) == 1 and ev[0]["cause"] == "crush" and ev[0]["object"] == "can"
    assert ev[0]["force"] == pytest.approx(10.5 * 9.81, rel=0.03)
    assert 0.09 < ev[0]["time"] < 0.2  # a sustained load: after the 0.1 s window, not at once
