"""Impact and rest events (physreel.physics.events) against trajectories and formulas."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

import physreel
from physreel.physics.events import MERGE_WINDOW

SCENES = Path(__file__).resolve().parent.parent / "scenes"
G = 9.81


def ball_drop(
    height: float = 1.0,
    *,
    material: str = "rubber",
    duration: float = 3.0,
    fps: int = 240,
    rate: int = 240,
) -> dict:
    """A ball of radius 5 cm whose bottom starts ``height`` above the floor."""
    return {
        "duration": duration,
        "fps": fps,
        "physics": {"rate": rate},
        "objects": [
            {
                "name": "ball",
                "shape": {"type": "sphere", "radius": 0.05},
                "material": material,
                "position": [0, 0, height + 0.05],
            }
        ],
    }


def impacts(traj, *names: str) -> list[dict]:
    return [e for e in traj.events if e["type"] == "impact" and set(names) <= set(e["objects"])]


def test_one_impact_event_per_bounce():
    traj = physreel.simulate(ball_drop(1.0, duration=3.0))
    z = traj.position[:, 0, 2]
    vz = traj.velocity[:, 0, 2]
    # A bounce seen in the trajectory: a local minimum of the height with upward motion after.
    minima = [
        f for f in range(1, len(z) - 1) if z[f] < z[f - 1] and z[f] <= z[f + 1] and vz[f + 1] > 0
    ]
    events = impacts(traj, "ball", "ground")
    assert len(minima) >= 5
    assert len(events) == len(minima)
    # Each event is at its bounce (within one step of the lowest recorded point).
    for ev, f in zip(events, minima, strict=True):
        assert abs(ev["time"] - f / 240) <= 1 / 240 + 1e-5
    assert all(ev["objects"] == ["ball", "ground"] for ev in events)
    assert all(
        -1e-3 < e["frame"] - e["time"] * 240 < 1 for e in events
    )  # times are rounded to 1 us


def test_first_impact_impulse_is_m_one_plus_e_v():
    traj = physreel.simulate(ball_drop(1.0, duration=0.6, fps=24))
    first = impacts(traj, "ball")[0]
    m = traj.masses["ball"]
    e = 0.85 * 0.9  # rubber x concrete (Bullet multiplies restitutions)
    v = math.sqrt(2 * G * 1.0)
    assert first["impulse"] == pytest.approx(m * (1 + e) * v, rel=0.03)
    assert first["relative_speed"] == pytest.approx(v, rel=0.01)
    assert first["point"][2] == pytest.approx(0.0, abs=2e-3)


def test_impulse_does_not_depend_on_the_step():
    expected = None
    for rate in (240, 480, 960):
        traj = physreel.simulate(ball_drop(0.5, duration=0.5, fps=24, rate=rate))
        expected = traj.masses["ball"] * (1 + 0.85 * 0.9) * math.sqrt(2 * G * 0.5)
        assert impacts(traj, "ball")[0]["impulse"] == pytest.approx(expected, rel=0.03)


def test_resting_contact_gives_no_events():
    scene = {
        "duration": 2.0,
        "objects": [
            {
                "name": "box",
                "shape": {"type": "box", "size": [0.2, 0.2, 0.2]},
                "position": [0, 0, 0.1],
            }
        ],
    }
    traj = physreel.simulate(scene)
    assert traj.events == []


def test_rest_event_once_after_the_last_bounce():
    traj = physreel.simulate(ball_drop(0.3, material="wood", duration=3.0, fps=24))
    rests = [e for e in traj.events if e["type"] == "rest"]
    assert len(rests) == 1
    last_impact = impacts(traj, "ball")[-1]
    assert rests[0]["object"] == "ball"
    assert rests[0]["time"] >= last_impact["time"]
    f = rests[0]["frame"]
    assert np.linalg.norm(traj.velocity[f:, 0], axis=1).max() < 0.02
    assert np.linalg.norm(traj.velocity[f - 3, 0]) > 0.01 or f < 3  # it was moving just before


def test_rim_landing_is_one_impact():
    """A tilted glass first touches with its rim: pieces of one landing merge into one event."""
    traj = physreel.simulate(SCENES / "glass_bounce.yaml")
    times = [e["time"] for e in impacts(traj, "glass", "ground")]
    assert len(times) >= 1
    assert all(b - a > MERGE_WINDOW for a, b in zip(times, times[1:], strict=False))


def falls(traj, name: str) -> bool:
    """A domino fell: its long axis tilted more than 45 degrees from vertical."""
    from physreel.physics.trajectory import quat_to_matrix

    q = traj.quaternion[-1, traj.names.index(name)]
    return quat_to_matrix(q)[2, 2] < math.cos(math.radians(45))


def test_dominoes_fall_in_order_and_the_gap_stops_the_chain():
    traj = physreel.simulate(SCENES / "domino_gap.yaml")
    first = [n for n in traj.names if n.startswith("first_")]
    second = [n for n in traj.names if n.startswith("second_")]
    assert all(falls(traj, n) for n in first)
    assert not any(falls(traj, n) for n in second)
    # The first hit of each domino on the next one comes later along the row.
    hits = []
    for a, b in zip(first, first[1:], strict=False):
        hits.append(min(e["time"] for e in impacts(traj, a, b)))
    assert all(t1 > t0 for t0, t1 in zip(hits, hits[1:], strict=False))
    # Nothing touches the second row.
    assert not [
        e
        for e in traj.events
        if e["type"] == "impact" and any(o.startswith("second_") for o in e["objects"])
    ]
    # The second row never moves (it starts at rest, so it has no rest events either).
    idx = [traj.names.index(n) for n in second]
    assert np.abs(traj.position[:, idx] - traj.position[0, idx]).max() < 1e-3


def test_render_writes_events_to_metadata(tmp_path):
    scene = physreel.load_scene_data(
        {**ball_drop(0.5, duration=1.0, fps=24), "resolution": [64, 48]}
    )
    out = tmp_path / "out"
    physreel.write(scene, out)
    meta = json.loads((out / "metadata.json").read_text())
    traj = physreel.simulate(scene)
    assert meta["events"] == json.loads(json.dumps(traj.events))
    assert [e["type"] for e in meta["events"]].count("impact") >= 2
