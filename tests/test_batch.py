"""Tests of physreel.batch: templates, captions, the runner, the index and the exports.

Most runner tests use the ``FakeBackend`` below (a deterministic stand-in for the core
pipeline: its "simulation" is ballistic motion computed from the scene, its "render" writes a
small metadata.json and a fake video), so they run in a fraction of a second per sample;
``test_real_*`` render for real at 64x48.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import os
import signal
import subprocess
import sys
import tarfile
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from physreel.batch.captions import caption, color_name, count_bounces, events_text
from physreel.batch.export import export
from physreel.batch.index import COLUMNS, build_index, read_index
from physreel.batch.runner import FilterConfig, check_quality, read_marker, run_batch, tree_hash
from physreel.batch.templates import (
    PlacementError,
    load_template,
    sample_scene,
    template_from_data,
    validate_template,
)
from physreel.errors import ArgumentError, SceneError

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TEMPLATES = ROOT / "scenes" / "templates"
G = 9.81


# --------------------------------------------------------------------------------------------
# a fake backend (importable by spawned workers as test_batch:FAKE_BACKEND)


def _camera_mats(cam: dict, w: int, h: int) -> tuple[list, list]:
    from physreel.rendering.camera import intrinsics, look_at

    K = intrinsics(w, h, math.radians(cam.get("fov", 45.0)))
    M = look_at(cam.get("position", [0, -4, 1.5]), cam.get("look_at", [0, 0, 0.5]))
    return K.tolist(), M.tolist()


def fake_simulate(scene: dict) -> dict:
    """Ballistic motion down to the floor (z clamped at the object's radius), one ground impact
    per object, cameras from the scene: the simulation record (metadata) of a scene."""
    fps = scene.get("fps", 24)
    n = max(1, round(scene.get("duration", 1.0) * fps))
    t = np.arange(n) / fps
    w, h = scene.get("resolution", [64, 48])
    objects, events = {}, []
    for i, obj in enumerate(scene.get("objects", [])):
        p0 = np.array(obj.get("position", [0, 0, 0]), float)
        v0 = np.array(obj.get("velocity", [0, 0, 0]), float)
        r = float(obj["shape"].get("radius", 0.05))
        pos = p0 + v0 * t[:, None] + 0.5 * np.array([0, 0, -G]) * t[:, None] ** 2
        vel = np.tile(v0, (n, 1)) + np.outer(t, [0, 0, -G])
        if obj.get("static"):
            pos, vel = np.tile(p0, (n, 1)), np.zeros((n, 3))
        below = pos[:, 2] < r
        if below.any() and abs(v0).max() < 1000:
            f = int(np.argmax(below))
            events.append(
                {
                    "type": "impact",
                    "time": f / fps,
                    "frame": f,
                    "objects": [obj["name"], "ground"],
                    "impulse": 0.1,
                    "relative_speed": float(abs(vel[f, 2])),
                }
            )
            pos[below, 2] = r
            vel[below] = 0.0
        objects[obj["name"]] = {
            "id": i + 2,
            "static": bool(obj.get("static", False)),
            "position": np.round(pos, 7).tolist(),
            "quaternion": [[0.0, 0.0, 0.0, 1.0]] * n,
            "velocity": np.round(vel, 7).tolist(),
            "angular_velocity": [[0.0, 0.0, 0.0]] * n,
        }
    cameras = {}
    for cam in scene.get("cameras", [{"name": "main"}]):
        K, M = _camera_mats(cam, w, h)
        cameras[cam.get("name", "main")] = {
            "width": w,
            "height": h,
            "K": [K] * n,
            "world_to_camera": [M] * n,
        }
    meta = {
        "format_version": 1,
        "seed": scene["seed"],
        "fps": fps,
        "num_frames": n,
        "duration": n / fps,
        "resolution": [w, h],
        "objects": objects,
        "events": sorted(events, key=lambda e: e["time"]),
        "cameras": cameras,
        "scene": scene,
    }
    return meta


class FakeBackend:
    """Behaviour switches on the scene name: 'fail' raises, 'flaky' raises on the first render
    of each sample; the environment variable PHYSREEL_TEST_SLOW=seconds makes each render
    sleep.  ``renders`` counts the renders of this process (rejected clips are never rendered)."""

    renders = 0

    def simulate(self, scene: dict, *, source, base_dir):
        from physreel.batch.backend import SimulatedSample

        if scene.get("name") == "fail":
            raise RuntimeError("deliberate failure for the test")
        return SimulatedSample(scene, fake_simulate(scene))

    def render(self, sample, out: Path, *, passes, controls=()) -> None:
        out, scene = Path(out), sample.scene
        if scene.get("name") == "flaky":
            flag = out.parent.parent / f"flaky-{out.name.split('.')[0]}"
            if not flag.exists():
                flag.write_text("tried once")
                raise RuntimeError("flaky renderer: first try fails")
        if os.environ.get("PHYSREEL_TEST_SLOW"):
            time.sleep(float(os.environ["PHYSREEL_TEST_SLOW"]))
        type(self).renders += 1
        tmp = out.parent / f".{out.name}.tmp-fake"
        (tmp / "main").mkdir(parents=True)
        blob = json.dumps(scene, sort_keys=True).encode()
        (tmp / "main" / "rgb.mp4").write_bytes(hashlib.sha256(blob).digest() * 8)
        (tmp / "metadata.json").write_text(json.dumps(sample.metadata, indent=1) + "\n")
        os.rename(tmp, out)


FAKE_BACKEND = FakeBackend()
FAKE = f"{__name__}:FAKE_BACKEND"

BASE = """
duration: 0.5
fps: 12
resolution: [64, 48]
cameras:
  - {name: main, position: [0, -4, 1.5], look_at: [0, 0, 0.3], fov: 60}
"""

BALLS = (
    BASE
    + """
objects:
  count: {randint: [2, 4]}
  names: "ball_{i}"
  pool:
    - shape: {type: sphere, radius: {uniform: [0.05, 0.1]}}
      position: [{uniform: [-0.5, 0.5]}, {uniform: [-0.5, 0.5]}, {uniform: [0.4, 1.0]}]
      material: {choice: [rubber, wood, glass]}
      color: {hue: [0, 360]}
"""
)


def write_template(tmp_path: Path, text: str, name: str = "t.yaml") -> Path:
    p = tmp_path / name
    p.write_text(textwrap.dedent(text))
    return p


def sample_files(sample: Path) -> dict[str, bytes]:
    return {
        p.relative_to(sample).as_posix(): p.read_bytes()
        for p in sorted(sample.rglob("*"))
        if p.is_file() and p.name != "DONE"
    }


# --------------------------------------------------------------------------------------------
# templates


def test_resolution_depends_only_on_root_seed_and_index(tmp_path):
    t = load_template(write_template(tmp_path, "name: balls\n" + BALLS))
    alone = sample_scene(t, 3, 7)
    for k in range(7):  # resolving other samples first must not change sample 7
        sample_scene(t, 3, k)
    assert sample_scene(t, 3, 7) == alone
    assert sample_scene(t, 3, 8) != alone
    assert sample_scene(t, 4, 7) != alone
    assert sample_scene(t, 3, 7, attempt=1) != alone
    assert isinstance(alone["seed"], int) and alone["seed"] != sample_scene(t, 3, 8)["seed"]


def test_distributions_respect_bounds_and_weights(tmp_path):
    text = """
    name: d
    template:
      vars:
        shared: {uniform: [10, 20]}
    a: {uniform: [2, 3]}
    b: {randint: [1, 3]}
    c: {normal: [0, 5], clip: [-1, 1]}
    d: {choice: [x, y], weights: [1, 3]}
    e: {hue: [100, 140], saturation: 1.0, value: [1.0, 1.0]}
    f: {uniform: [[0, 10, 20], [1, 11, 21]]}
    g: {loguniform: [0.01, 1]}
    h: {orbit: {distance: [2, 3], elevation: [10, 20], azimuth: [0, 360], target: [1, 1, 0]}}
    i: [{var: shared}, {var: shared}]
    """
    t = template_from_data(
        __import__("ruamel.yaml", fromlist=["YAML"]).YAML().load(textwrap.dedent(text)),
        source="d.yaml",
        base_dir=tmp_path,
    )
    counts = {"x": 0, "y": 0}
    ints = set()
    for k in range(400):
        s = sample_scene(t, 0, k)
        assert 2 <= s["a"] < 3
        ints.add(s["b"])
        assert -1 <= s["c"] <= 1
        counts[s["d"]] += 1
        rgb = np.array([int(s["e"][i : i + 2], 16) for i in (1, 3, 5)]) / 255
        import colorsys

        hue, sat, val = colorsys.rgb_to_hsv(*rgb)
        assert 100 - 1 <= hue * 360 <= 140 + 1 and sat > 0.99 and val > 0.99
        assert all(lo <= v <= lo + 1 for v, lo in zip(s["f"], (0, 10, 20), strict=True))
        assert 0.01 <= s["g"] <= 1
        off = np.array(s["h"]) - [1, 1, 0]
        assert 2 <= np.linalg.norm(off) <= 3 + 1e-9
        assert (
            math.sin(math.radians(10)) - 1e-9
            <= off[2] / np.linalg.norm(off)
            <= math.sin(math.radians(20)) + 1e-9
        )
        assert s["i"][0] == s["i"][1] and 10 <= s["i"][0] < 20
    assert ints == {1, 2, 3}  # randint includes both ends
    # weights 1:3 -> expected 300 of 400 'y'; binomial std 8.7, allow 4 std
    assert abs(counts["y"] - 300) < 35


def test_pool_counts_names_and_fixed_objects(tmp_path):
    text = (
        "name: p\n"
        + BASE
        + """
objects:
  - {name: table, shape: {type: box, size: [0.4, 0.4, 0.1]}, position: [2, 2, 0.05], static: true}
  - count: {randint: [3, 6]}
    pool:
      - weight: 1
        object: {shape: {type: sphere, radius: 0.05}, position: {uniform: [[-1, -1, 0.3], [1, 1, 1]]}}
      - weight: 0
        object: {shape: {type: box, size: [0.1, 0.1, 0.1]}, position: [0, 0, 0.5]}
"""
    )
    t = load_template(write_template(tmp_path, text))
    seen = set()
    for k in range(30):
        objs = sample_scene(t, 1, k)["objects"]
        assert objs[0]["name"] == "table"
        n = len(objs) - 1
        seen.add(n)
        assert [o["name"] for o in objs[1:]] == [f"obj_{i}" for i in range(n)]
        assert all(o["shape"]["type"] == "sphere" for o in objs[1:])  # weight 0 never drawn
    assert seen == {3, 4, 5, 6}


def test_placement_avoids_interpenetration_and_reports_crowding(tmp_path):
    text = (
        "name: crowd\n"
        + BASE
        + """
template: {placement: {max_tries: 500, margin: 0.01}}
objects:
  count: 12
  pool:
    - shape: {type: sphere, radius: 0.1}
      position: [{uniform: [-0.5, 0.5]}, {uniform: [-0.5, 0.5]}, {uniform: [0.1, 0.4]}]
"""
    )
    t = load_template(write_template(tmp_path, text))
    for k in range(5):
        objs = sample_scene(t, 0, k)["objects"]
        p = np.array([o["position"] for o in objs])
        d = np.linalg.norm(p[:, None] - p[None], axis=-1) + np.eye(len(p)) * 9
        assert d.min() >= 0.2 + 0.01 - 1e-9  # 2 radii + margin
        assert p[:, 2].min() >= 0.1 - 1e-9  # not into the ground
    crowded = text.replace("count: 12", "count: 60").replace("max_tries: 500", "max_tries: 20")
    t2 = load_template(write_template(tmp_path, crowded, "crowded.yaml"))
    with pytest.raises(PlacementError) as err:
        sample_scene(t2, 0, 0)
    msg = str(err.value)
    assert "crowded.yaml" in msg and "could not place 'obj_" in msg and "20 tries" in msg


def test_rotated_boxes_touching_rows_are_not_overlaps(tmp_path):
    t = load_template(TEMPLATES / "dominoes.yaml")
    objs = sample_scene(t, 0, 0)["objects"]
    assert len(objs) == 12
    # the shared variables give every domino the same material and colour
    assert len({o["material"] for o in objs}) == 1 and len({o["color"] for o in objs}) == 1


def test_validation_reports_every_problem_with_lines(tmp_path):
    text = """\
    name: bad
    a: {uniform: [2, 1]}
    b: {randint: [1.5, 3]}
    c: {choice: [1, 2], weights: [1]}
    d: {normal: [0, 1], clamp: [0, 1]}
    e: {var: nope}
    f: {glob: "nothing/*.glb"}
    objects:
      count: {randint: [1, 2]}
      pool: []
    """
    path = write_template(tmp_path, text)
    t = load_template(path)
    problems = validate_template(t.data, str(path))
    by_path = {p.path: p for p in problems}
    assert "low <= high" in by_path["a.uniform"].message and by_path["a.uniform"].line == 2
    assert "integers" in by_path["b.randint"].message and by_path["b.randint"].line == 3
    assert "weights must be 2 numbers" in by_path["c.weights"].message
    assert "clamp" in by_path["d"].message and "clip" in by_path["d"].message
    assert "unknown variable 'nope'" in by_path["e.var"].message
    assert "matches no file" in by_path["f.glob"].message
    assert "non-empty" in by_path["objects.pool"].message
    assert len(problems) == 7


def test_validation_with_plain_data_and_positions():
    from physreel.batch.templates import is_template
    from physreel.scene.yamlio import parse

    text = "name: x\nobjects:\n  count: 2\n  pool:\n    - shape: {type: sphere, radius: {uniform: [2, 1]}}\n"
    data, positions = parse(text)
    assert is_template(data) and not is_template({"name": "x", "objects": [{"name": "a"}]})
    (problem,) = validate_template(data, "x.yaml", positions=positions)
    assert problem.path == "objects.pool[0].shape.radius.uniform" and problem.line == 5


def test_validate_template_file_for_physreel_validate(tmp_path):
    from physreel.batch.templates import is_template, validate_template_file

    bad = write_template(
        tmp_path,
        "name: x\nobjects:\n  count: {randint: [3, 1]}\n  pool: [{shape: {type: sphere, radius: 0.1}}]\n",
    )
    assert is_template(bad) and not is_template(ROOT / "scenes" / "dominoes.yaml")
    with pytest.raises(SceneError) as err:
        validate_template_file(bad)
    assert err.value.problems[0].line == 3 and "randint needs low <= high" in str(err.value)
    assert validate_template_file(TEMPLATES / "dominoes.yaml").source.endswith("dominoes.yaml")


def test_validation_checks_the_resolved_scene_with_the_core(tmp_path):
    text = (
        "name: core\n"
        + BASE
        + """
objects:
  - name: ball
    shape: {type: sphere, radius: {uniform: [-2, -1]}}
    position: [0, 0, 1]
"""
    )
    path = write_template(tmp_path, text)
    problems = validate_template(load_template(path).data, str(path))
    assert [p.path for p in problems] == ["objects[0].shape.radius"]
    assert "a value drawn for this check" in problems[0].message and problems[0].line == 11


def test_shipped_templates_validate_and_resolve():
    for name in ("falling_objects", "breaking", "dominoes"):
        path = TEMPLATES / f"{name}.yaml"
        t = load_template(path)
        assert validate_template(t.data, str(path)) == [], name
        for k in range(10):
            s = sample_scene(t, 0, k)
            assert s["name"] == name and "template" not in s
    t = load_template(TEMPLATES / "falling_objects.yaml")
    counts = {len(sample_scene(t, 0, k)["objects"]) for k in range(60)}
    assert min(counts) >= 3 and max(counts) <= 10 and len(counts) >= 5


# --------------------------------------------------------------------------------------------
# quality filters


def _meta(pos, vel=None, cam_target=(0, 0, 0.3), present=None):
    pos = np.asarray(pos, float)
    n = len(pos)
    K, M = _camera_mats({"position": [0, -4, 1.5], "look_at": list(cam_target), "fov": 60}, 64, 48)
    rec = {
        "static": False,
        "position": pos.tolist(),
        "velocity": (np.zeros((n, 3)) if vel is None else np.asarray(vel, float)).tolist(),
    }
    if present is not None:
        rec["present"] = present
    return {
        "objects": {"a": rec},
        "cameras": {"main": {"width": 64, "height": 48, "K": [K] * n, "world_to_camera": [M] * n}},
        "resolution": [64, 48],
    }


def test_quality_filters():
    cfg = FilterConfig()
    falling = [[0, 0, 1 - 0.1 * i] for i in range(5)]
    assert check_quality(_meta(falling), cfg) is None
    assert check_quality(_meta([[0, 0, 1]] * 5), cfg) == "static"
    assert check_quality(_meta([[0, 0, 1]] * 4 + [[0, 0, 1.009]]), cfg) == "static"
    assert check_quality(_meta([[0, 0, 1]] * 4 + [[0, 0, 1.011]]), cfg) is None
    nan_vel = np.zeros((5, 3))
    nan_vel[3, 0] = np.nan
    assert check_quality(_meta(falling, nan_vel), cfg) == "blowup"
    fast = np.zeros((5, 3))
    fast[2] = [0, 0, -101]
    assert check_quality(_meta(falling, fast), cfg) == "blowup"
    assert check_quality(_meta(falling, fast), FilterConfig(max_speed=200)) is None
    sunk = falling[:4] + [[0, 0, -0.06]]
    assert check_quality(_meta(sunk), cfg) == "through_floor"
    assert check_quality(_meta(falling[:4] + [[0, 0, -0.04]]), cfg) is None
    away = [[30, 30, 1 - 0.1 * i] for i in range(5)]
    assert check_quality(_meta(away), cfg) == "out_of_view"
    assert check_quality(_meta(away), FilterConfig(visibility="off")) is None
    assert check_quality(_meta(away), cfg, interest=["ball_*"]) is None  # "a" is not of interest
    behind = [[0, -6, 1 - 0.1 * i] for i in range(5)]  # behind the camera at y = -4
    assert check_quality(_meta(behind), cfg) == "out_of_view"
    # absent frames (a piece before it exists) are ignored, even when they hold garbage
    late = [[None, None, None]] * 2 + falling[2:]
    assert check_quality(_meta(late), cfg) is None
    garbage = [[1e9, 0, -5]] * 2 + falling[2:]
    assert check_quality(_meta(garbage, present=[False, False, True, True, True]), cfg) is None
    # a piece appearing later may have its (parent's) origin below the floor: not a fall-through
    piece = [[None, None, None]] * 2 + [[0, 0, 0.5], [0, 0, 0.1], [0, 0, -0.08]]
    assert check_quality(_meta(piece), cfg) is None
    assert check_quality(_meta([[0, 0, 1]] * 5), FilterConfig(enabled=False)) is None


# --------------------------------------------------------------------------------------------
# captions


SCENE = {
    "ground": {"material": "wood"},
    "objects": [
        {
            "name": "ball",
            "shape": {"type": "sphere", "radius": 0.1},
            "color": "#d02020",
            "material": "rubber",
        },
        {
            "name": "cup",
            "shape": {"type": "cylinder", "radius": 0.04, "height": 0.1},
            "material": "glass",
            "breakable": {"pieces": 8},
        },
    ],
}


def _impact(a, b, t, speed):
    return {
        "type": "impact",
        "objects": [a, b],
        "time": t,
        "frame": round(t * 24),
        "relative_speed": speed,
    }


def test_bounces_are_counted_by_the_documented_rule():
    ev = [
        _impact("ball", "ground", 0.40, 4.0),  # landing
        _impact("ground", "ball", 1.00, 3.0),  # bounce 1 (order of the pair does not matter)
        _impact("ball", "ground", 1.02, 2.9),  # same contact (within 0.05 s): merged
        _impact("ball", "cup", 1.20, 2.0),  # not the ground
        _impact("ball", "ground", 1.50, 2.0),  # bounce 2
        _impact("ball", "ground", 1.80, 1.1),  # bounce 3
        _impact("ball", "ground", 1.90, 0.9),  # too slow (a hop under 5 cm)
    ]
    assert count_bounces(ev, "ball", ["ball", "cup"]) == 3
    assert count_bounces(ev, "cup", ["ball", "cup"]) == 0
    assert count_bounces(ev, "ball", ["ball", "cup"], min_speed=0.5) == 4
    text = caption(SCENE, ev, np.random.default_rng(0))
    assert "red rubber ball" in text and "bounces three times" in text
    assert "wooden floor" in text


def test_captions_say_what_broke_and_what_survived():
    ev = [
        _impact("ball", "ground", 0.4, 4.0),
        _impact("cup", "ground", 0.5, 4.0),
        {"type": "break", "object": "cup", "pieces": ["c0", "c1", "c2"], "time": 0.5, "frame": 12},
    ]
    text = caption(SCENE, ev, np.random.default_rng(1))
    assert "glass cylinder" in text and "shatters into three pieces" in text
    wooden = {
        "objects": [
            {
                "name": "plank",
                "shape": {"type": "box", "size": [0.5, 0.1, 0.02]},
                "material": "wood",
                "breakable": True,
            }
        ]
    }
    t2 = caption(
        wooden,
        [{"type": "break", "object": "plank", "pieces": ["a", "b"], "time": 0.3, "frame": 7}],
        np.random.default_rng(0),
    )
    assert "breaks" in t2 and "shatters" not in t2
    intact = caption(SCENE, [_impact("cup", "ground", 0.5, 1.0)], np.random.default_rng(0))
    assert any(w in intact for w in ("stays intact", "does not break", "survives")), intact
    assert "shatters" not in intact and "breaks" not in intact.replace("does not break", "")


def test_captions_are_deterministic_and_varied():
    ev = [_impact("ball", "ground", 0.4, 4.0), _impact("ball", "ground", 0.9, 3.0)]
    a = [caption(SCENE, ev, np.random.default_rng(s)) for s in range(20)]
    b = [caption(SCENE, ev, np.random.default_rng(s)) for s in range(20)]
    assert a == b
    assert len(set(a)) >= 3
    assert all("bounces once" in c for c in a)


def test_domino_caption_counts_toppled():
    n = 5
    objs = [
        {
            "name": f"domino_{i}",
            "shape": {"type": "box", "size": [0.02, 0.1, 0.2]},
            "material": "wood",
            "position": [0.09 * i, 0, 0.1],
        }
        for i in range(n)
    ]
    tilted = [0.0, math.sin(math.radians(40)), 0.0, math.cos(math.radians(40))]  # 80 deg about y
    meta = {"objects": {}}
    for i, o in enumerate(objs):
        end = tilted if i < 3 else [0, 0, 0, 1]
        meta["objects"][o["name"]] = {
            "position": [o["position"]] * 3,
            "quaternion": [[0, 0, 0, 1], [0, 0, 0, 1], end],
        }
    text = caption({"objects": objs}, [], np.random.default_rng(0), metadata=meta)
    assert text.startswith("Five wooden dominoes") and "; three of them fall over." in text
    for m in meta["objects"].values():
        m["quaternion"][-1] = tilted
    text = caption({"objects": objs}, [], np.random.default_rng(0), metadata=meta)
    assert text.startswith("Five wooden dominoes") and "three" not in text
    assert any(w in text for w in ("topple", "fall over"))
    assert _noun_of([0.02, 0.1, 0.2]) == "domino" and _noun_of([0.2, 0.1, 0.015]) == "tile"
    assert _noun_of([0.1, 0.1, 0.1]) == "cube" and _noun_of([0.3, 0.2, 0.1]) == "block"


def _noun_of(size):
    from physreel.batch.captions import describe_object

    return describe_object({"shape": {"type": "box", "size": size}}, {})


def test_color_names_and_event_text():
    assert [
        color_name(c) for c in ("#ff0000", "#00c000", "#1040e0", [1, 1, 1], [0.02, 0.02, 0.02])
    ] == [
        "red",
        "green",
        "blue",
        "white",
        "black",
    ]
    assert color_name("#ffa000") == "orange" and color_name(None) is None
    text = events_text(
        [
            {"type": "break", "object": "cup", "pieces": ["a", "b"], "time": 1.25, "frame": 30},
            {
                "type": "impact",
                "objects": ["ball", "ground"],
                "time": 0.4167,
                "frame": 10,
                "impulse": 0.52,
                "relative_speed": 3.1,
            },
        ]
    )
    assert text.splitlines() == [
        "t=0.417s frame=10 impact ball <-> ground speed=3.10m/s impulse=0.520N*s",
        "t=1.250s frame=30 break cup -> 2 pieces",
    ]


# --------------------------------------------------------------------------------------------
# the runner (fake backend)


def test_one_and_two_workers_give_identical_bytes(tmp_path):
    path = write_template(tmp_path, "name: balls\n" + BALLS)
    r1 = run_batch(path, tmp_path / "w1", 6, workers=1, seed=11, backend=FAKE)
    r2 = run_batch(path, tmp_path / "w2", 6, workers=2, seed=11, backend=FAKE)
    assert r1.complete == r2.complete == 6 and r1.failed == r2.failed == []
    for k in range(6):
        a, b = tmp_path / "w1" / "samples" / f"{k:06d}", tmp_path / "w2" / "samples" / f"{k:06d}"
        assert sample_files(a) == sample_files(b)
        assert read_marker(a)["sha256"] == read_marker(b)["sha256"] == tree_hash(a)
        assert {"caption.txt", "events.txt", "scene.yaml", "metadata.json", "main/rgb.mp4"} <= set(
            sample_files(a)
        )
    # an in-process run (workers=0) and another seed
    r0 = run_batch(path, tmp_path / "w0", 2, workers=0, seed=11, backend=FAKE)
    assert r0.complete == 2
    assert sample_files(tmp_path / "w0/samples/000001") == sample_files(
        tmp_path / "w1/samples/000001"
    )
    run_batch(path, tmp_path / "s12", 1, workers=0, seed=12, backend=FAKE)
    assert sample_files(tmp_path / "s12/samples/000000") != sample_files(
        tmp_path / "w1/samples/000000"
    )


def test_sigkill_then_rerun_completes_without_redoing(tmp_path):
    path = write_template(tmp_path, "name: balls\n" + BALLS)
    out = tmp_path / "out"
    code = (
        f"import sys; sys.path.insert(0, {str(HERE)!r})\n"
        "from physreel.batch.runner import run_batch\n"
        f"run_batch({str(path)!r}, {str(out)!r}, 12, workers=2, seed=5, backend={FAKE!r})\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        start_new_session=True,
        env={**os.environ, "PHYSREEL_TEST_SLOW": "0.4"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.time() + 60
    samples = out / "samples"
    while time.time() < deadline:
        done = list(samples.glob("*/DONE")) if samples.exists() else []
        if len(done) >= 3:
            break
        assert proc.poll() is None, proc.stderr.read().decode()
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)  # the batch and its worker processes
    proc.wait()
    before = {p.parent.name: (p.stat().st_mtime_ns, p.read_text()) for p in samples.glob("*/DONE")}
    assert 3 <= len(before) < 12
    result = run_batch(path, out, 12, workers=0, seed=5, backend=FAKE)
    assert (
        result.complete == 12
        and result.skipped == len(before)
        and result.rendered == 12 - len(before)
    )
    entries = sorted(p.name for p in samples.iterdir())
    assert entries == [f"{k:06d}" for k in range(12)]  # no temporary folder left, none twice
    for name, (mtime, text) in before.items():  # completed samples were not redone
        marker = samples / name / "DONE"
        assert marker.stat().st_mtime_ns == mtime and marker.read_text() == text
    # and the result equals an uninterrupted run
    clean = run_batch(path, tmp_path / "clean", 12, workers=0, seed=5, backend=FAKE)
    assert clean.complete == 12
    for k in range(12):
        assert sample_files(samples / f"{k:06d}") == sample_files(
            tmp_path / "clean" / "samples" / f"{k:06d}"
        )
        assert read_marker(samples / f"{k:06d}")["sha256"] == tree_hash(samples / f"{k:06d}")


def test_failures_are_recorded_and_do_not_stop_the_batch(tmp_path):
    path = write_template(tmp_path, "name: {choice: [ok, fail]}\n" + BALLS)
    t = load_template(path)
    expected_fail = [k for k in range(8) if sample_scene(t, 2, k)["name"] == "fail"]
    assert 0 < len(expected_fail) < 8
    result = run_batch(path, tmp_path / "out", 8, workers=0, seed=2, backend=FAKE, retries=1)
    assert result.failed == expected_fail and result.complete == 8 - len(expected_fail)
    lines = [json.loads(s) for s in (tmp_path / "out" / "failures.jsonl").read_text().splitlines()]
    assert sorted(x["k"] for x in lines) == expected_fail
    for x in lines:
        assert x["seed"] == sample_scene(t, 2, x["k"])["seed"] and x["root_seed"] == 2
        assert "deliberate failure" in x["error"]
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["failed"] == expected_fail and summary["complete"] == 8 - len(expected_fail)


def test_a_flaky_sample_is_retried(tmp_path):
    path = write_template(tmp_path, "name: flaky\n" + BALLS)
    result = run_batch(path, tmp_path / "out", 3, workers=0, seed=0, backend=FAKE, retries=1)
    assert result.complete == 3 and result.failed == []
    assert not (tmp_path / "out" / "failures.jsonl").exists()
    path2 = write_template(tmp_path, "name: flaky\n" + BALLS, "t2.yaml")
    result = run_batch(path2, tmp_path / "out2", 2, workers=0, seed=0, backend=FAKE, retries=0)
    assert result.failed == [0, 1]


def test_filters_reject_an_exploding_template(tmp_path):
    text = (
        "name: explode\n"
        + BASE
        + """
objects:
  - name: ball
    shape: {type: sphere, radius: 0.1}
    position: [0, 0, 1]
    velocity: [0, 0, {choice: [0.0, 5000.0]}]
"""
    )
    path = write_template(tmp_path, text)
    renders = FakeBackend.renders
    result = run_batch(path, tmp_path / "out", 8, workers=0, seed=0, backend=FAKE)
    assert result.complete == 8 and result.rejections["blowup"] > 0
    # the filter decides from the simulation: a rejected attempt is never rendered
    assert FakeBackend.renders - renders == 8
    for k in range(8):
        meta = json.loads((tmp_path / f"out/samples/{k:06d}/metadata.json").read_text())
        v = np.array(meta["objects"]["ball"]["velocity"])
        assert np.abs(v).max() < 100
        assert read_marker(tmp_path / f"out/samples/{k:06d}")["attempt"] == sum(
            read_marker(tmp_path / f"out/samples/{k:06d}")["rejections"].values()
        )
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["rejections"]["blowup"] == result.rejections["blowup"]
    always = text.replace("{choice: [0.0, 5000.0]}", "5000.0")
    path2 = write_template(tmp_path, always, "always.yaml")
    r2 = run_batch(
        path2,
        tmp_path / "out2",
        2,
        workers=0,
        seed=0,
        backend=FAKE,
        filters=FilterConfig(max_attempts=3),
    )
    assert r2.failed == [0, 1] and r2.rejections["blowup"] == 6
    err = json.loads((tmp_path / "out2" / "failures.jsonl").read_text().splitlines()[0])["error"]
    assert "no acceptable clip in 3 attempts" in err


def test_out_of_view_and_static_clips_are_rejected(tmp_path):
    away = ("name: away\n" + BALLS).replace("look_at: [0, 0, 0.3]", "look_at: [0, -40, 1.5]")
    path = write_template(tmp_path, away)
    r = run_batch(
        path, tmp_path / "a", 1, workers=0, backend=FAKE, filters=FilterConfig(max_attempts=2)
    )
    assert r.failed == [0] and r.rejections["out_of_view"] == 2
    still = (
        ("name: still\n" + BALLS)
        .replace("{uniform: [0.4, 1.0]}", "{uniform: [0.1, 0.1]}")
        .replace("radius: {uniform: [0.05, 0.1]}", "radius: 0.1")
    )
    path = write_template(tmp_path, still, "still.yaml")
    r = run_batch(
        path, tmp_path / "s", 1, workers=0, backend=FAKE, filters=FilterConfig(max_attempts=2)
    )
    assert r.failed == [0] and r.rejections["static"] == 2


def test_rerun_with_another_seed_is_refused_and_count_can_grow(tmp_path):
    path = write_template(tmp_path, "name: balls\n" + BALLS)
    run_batch(path, tmp_path / "out", 2, workers=0, seed=1, backend=FAKE)
    with pytest.raises(ArgumentError, match="different seed"):
        run_batch(path, tmp_path / "out", 2, workers=0, seed=2, backend=FAKE)
    r = run_batch(path, tmp_path / "out", 4, workers=0, seed=1, backend=FAKE)
    assert r.skipped == 2 and r.rendered == 2 and r.complete == 4


def test_a_second_concurrent_run_is_refused(tmp_path):
    from physreel.batch.runner import _batch_lock

    path = write_template(tmp_path, "name: balls\n" + BALLS)
    (tmp_path / "out").mkdir()
    with _batch_lock(tmp_path / "out"):
        with pytest.raises(ArgumentError, match="another `physreel batch` is writing"):
            run_batch(path, tmp_path / "out", 1, workers=0, backend=FAKE)
    assert run_batch(path, tmp_path / "out", 1, workers=0, backend=FAKE).complete == 1


def test_invalid_template_renders_nothing(tmp_path):
    path = write_template(tmp_path, "name: bad\n" + BALLS.replace("[0.05, 0.1]", "[0.1, 0.05]"))
    with pytest.raises(SceneError, match="low <= high"):
        run_batch(path, tmp_path / "out", 2, workers=0, backend=FAKE)
    assert not (tmp_path / "out").exists()


# --------------------------------------------------------------------------------------------
# index, card and exports


@pytest.fixture
def small_batch(tmp_path):
    path = write_template(tmp_path, "name: balls\n" + BALLS)
    run_batch(path, tmp_path / "out", 5, workers=0, seed=3, backend=FAKE)
    return tmp_path / "out"


def test_index_and_dataset_card(small_batch):
    pq = pytest.importorskip("pyarrow.parquet")
    table = pq.read_table(small_batch / "index.parquet")
    assert table.column_names == list(COLUMNS)
    rows = table.to_pylist()
    assert [r["sample"] for r in rows] == list(range(5))
    for r in rows:
        sample = small_batch / "samples" / f"{r['sample']:06d}"
        meta = json.loads((sample / "metadata.json").read_text())
        assert r["path"] == f"samples/{r['sample']:06d}/main/rgb.mp4"
        assert r["text"] == (sample / "caption.txt").read_text().strip()
        assert (r["width"], r["height"], r["num_frames"], r["fps"]) == (64, 48, 6, 12.0)
        assert r["aspect_ratio"] == pytest.approx(64 / 48) and r["resolution"] == "64x48"
        assert r["objects"] == len(meta["objects"]) and r["num_impacts"] == len(meta["events"])
        assert r["seed"] == meta["seed"] and r["passes"] == "rgb"
    card = (small_batch / "README.md").read_text()
    assert (
        "complete samples: 5 of 5" in card and "`metadata.json`" in card and "name: balls" in card
    )


def test_index_csv_without_pyarrow(small_batch, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_pyarrow(name, *a, **kw):
        if name.startswith("pyarrow"):
            raise ImportError("no pyarrow")
        return real_import(name, *a, **kw)

    monkeypatch.setattr(builtins, "__import__", no_pyarrow)
    path = build_index(small_batch)
    assert path.name == "index.csv" and not (small_batch / "index.parquet").exists()
    with path.open() as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 5 and list(rows[0]) == list(COLUMNS)
    assert read_index(small_batch)[2]["num_frames"] == 6


def test_exports_load_back(small_batch):
    wds = export(small_batch, "webdataset", shard_size=2)
    shards = sorted(wds.glob("shard-*.tar"))
    assert [s.name for s in shards] == ["shard-000000.tar", "shard-000001.tar", "shard-000002.tar"]
    members = []
    for s in shards:
        with tarfile.open(s) as tar:
            for m in tar.getmembers():
                members.append(m.name)
                data = tar.extractfile(m).read()
                key, ext = m.name.split(".")
                sample = small_batch / "samples" / key
                if ext == "mp4":
                    assert data == (sample / "main" / "rgb.mp4").read_bytes()
                elif ext == "txt":
                    assert data.decode().strip() == (sample / "caption.txt").read_text().strip()
                else:
                    assert (
                        json.loads(data)["seed"]
                        == json.loads((sample / "metadata.json").read_text())["seed"]
                    )
    assert members[:3] == ["000000.mp4", "000000.txt", "000000.json"] and len(members) == 15
    again = export(small_batch, "webdataset", tmp := small_batch.parent / "wds2", shard_size=2)
    assert (again / "shard-000001.tar").read_bytes() == (wds / "shard-000001.tar").read_bytes()
    assert tmp.exists()

    hf = export(small_batch, "hf")
    lines = [json.loads(x) for x in (hf / "metadata.jsonl").read_text().splitlines()]
    assert len(lines) == 5
    for x in lines:
        assert (hf / x["file_name"]).read_bytes() == (
            small_batch / "samples" / Path(x["file_name"]).stem / "main/rgb.mp4"
        ).read_bytes()
        assert x["text"]

    # 6 frames of 64x48 at 12 fps are no CogVideoX clips: refused, with the reason (see test_export)
    with pytest.raises(ArgumentError, match="12 fps is not a whole multiple of 8 fps"):
        export(small_batch, "cogvideox")


def test_cli_batch_and_export(tmp_path):
    from click.testing import CliRunner

    from physreel.cli_batch import batch, export_cmd

    path = write_template(tmp_path, "name: balls\n" + BALLS)
    out = tmp_path / "out"
    runner = CliRunner()
    res = runner.invoke(
        batch, [str(path), "-n", "3", "-o", str(out), "-j", "0", "--seed", "4", "--backend", FAKE]
    )
    assert res.exit_code == 0, res.output
    assert "3/3 samples complete" in res.output
    res = runner.invoke(
        batch, [str(path), "-n", "3", "-o", str(out), "-j", "0", "--seed", "5", "--backend", FAKE]
    )
    assert res.exit_code == 2 and "different seed" in res.output
    res = runner.invoke(export_cmd, [str(out), "--format", "hf"])
    assert res.exit_code == 0 and (out / "export" / "hf" / "metadata.jsonl").is_file()
    res = runner.invoke(export_cmd, [str(out), "--format", "cogvideox"])
    assert res.exit_code == 2 and "--preset cogvideox" in res.output
    assert not (out / "export" / "cogvideox").exists()
    fail = write_template(tmp_path, "name: fail\n" + BALLS, "fail.yaml")
    res = runner.invoke(
        batch, [str(fail), "-n", "1", "-o", str(tmp_path / "f"), "-j", "0", "--backend", FAKE]
    )
    assert res.exit_code == 1 and "failures.jsonl" in res.output


@pytest.mark.slow
@pytest.mark.ray
def test_ray_engine_matches_local(tmp_path):
    ray = pytest.importorskip("ray", reason="Ray is not installed: pip install 'physreel[ray]'")
    path = write_template(tmp_path, "name: balls\n" + BALLS)
    run_batch(path, tmp_path / "local", 4, workers=0, seed=9, backend=FAKE)
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        log_to_driver=False,
        runtime_env={"env_vars": {"PYTHONPATH": os.pathsep.join([str(HERE), str(ROOT / "src")])}},
    )
    try:
        r = run_batch(path, tmp_path / "ray", 4, seed=9, engine="ray", backend=FAKE)
    finally:
        ray.shutdown()
    assert r.complete == 4 and r.failed == []
    for k in range(4):
        name = f"samples/{k:06d}"
        assert sample_files(tmp_path / "ray" / name) == sample_files(tmp_path / "local" / name)


# --------------------------------------------------------------------------------------------
# real renders (the core's write_render), tiny


def _small_copy(tmp_path: Path, name: str, duration: float = 0.5) -> Path:
    text = (TEMPLATES / f"{name}.yaml").read_text()
    lines = []
    for line in text.splitlines():
        if line.startswith("resolution:"):
            line = "resolution: [64, 48]"
        elif line.startswith("duration:"):
            line = f"duration: {duration}"
        lines.append(line)
    folder = tmp_path / "scenes" / "templates"  # keeps "../../assets" pointing at the assets
    folder.mkdir(parents=True, exist_ok=True)
    if not (tmp_path / "assets").exists():
        (tmp_path / "assets").symlink_to(ROOT / "assets", target_is_directory=True)
    p = folder / f"{name}.yaml"
    p.write_text("\n".join(lines) + "\n")
    return p


@pytest.mark.slow
def test_real_render_batch_is_complete_and_worker_independent(tmp_path):
    path = _small_copy(tmp_path, "falling_objects")
    r2 = run_batch(path, tmp_path / "two", 2, workers=2, seed=0)
    assert r2.complete == 2, (tmp_path / "two" / "failures.jsonl").read_text() if r2.failed else ""
    r0 = run_batch(path, tmp_path / "one", 2, workers=0, seed=0)  # in this process
    assert r0.complete == 2
    for k in range(2):
        a = tmp_path / "two" / "samples" / f"{k:06d}"
        b = tmp_path / "one" / "samples" / f"{k:06d}"
        assert sample_files(a) == sample_files(b)
        meta = json.loads((a / "metadata.json").read_text())
        assert meta["resolution"] == [64, 48] and meta["num_frames"] == 12
        assert (a / "main" / "rgb.mp4").stat().st_size > 0
        assert (a / "caption.txt").read_text().strip()
        scene = load_template(path)
        assert meta["seed"] == sample_scene(scene, 0, k, read_marker(a)["attempt"])["seed"]
    import imageio.v3 as iio

    frames = iio.imread(tmp_path / "two" / "samples" / "000000" / "main" / "rgb.mp4")
    assert frames.shape == (12, 48, 64, 3)
    rows = read_index(tmp_path / "two")
    assert [r["num_frames"] for r in rows] == [12, 12]
    with tarfile.open(export(tmp_path / "two", "webdataset") / "shard-000000.tar") as tar:
        data = tar.extractfile("000001.mp4").read()
    assert iio.imread(io.BytesIO(data), extension=".mp4").shape == (12, 48, 64, 3)


def test_real_render_captions_say_which_object_broke(tmp_path):
    text = """
    name: two_glasses
    duration: 1.0
    fps: 12
    resolution: [64, 48]
    cameras:
      - {name: main, position: [0, -2.5, 1.0], look_at: [0, 0, 0.3], fov: 50}
    objects:
      - name: high
        shape: {type: cylinder, radius: 0.04, height: 0.12}
        position: [-0.3, 0, {uniform: [1.0, 1.1]}]
        material: glass
        color: "#d02020"
        breakable: {pieces: 6}
      - name: low
        shape: {type: cylinder, radius: 0.04, height: 0.12}
        position: [0.3, 0, {uniform: [0.075, 0.08]}]
        material: glass
        color: "#2040e0"
        breakable: {pieces: 6}
    """
    path = write_template(tmp_path, text)
    result = run_batch(path, tmp_path / "out", 1, workers=0, seed=0)
    assert result.complete == 1, (tmp_path / "out" / "failures.jsonl").read_text()
    sample = tmp_path / "out" / "samples" / "000000"
    events = json.loads((sample / "metadata.json").read_text())["events"]
    broke = {e["object"] for e in events if e["type"] == "break"}
    assert broke == {"high"}  # 1 m: ~4.4 m/s; 1.5 cm: ~0.5 m/s, below glass's 2.5 m/s
    text = (sample / "caption.txt").read_text()
    assert "red glass cylinder" in text and "blue glass cylinder" in text
    red, blue = text.index("red glass cylinder"), text.index("blue glass cylinder")
    first, second = sorted([(red, "red"), (blue, "blue")])
    clause = {first[1]: text[first[0] : second[0]], second[1]: text[second[0] :]}
    assert "shatters" in clause["red"] and "shatters" not in clause["blue"]
    assert any(w in clause["blue"] for w in ("stays intact", "does not break", "survives"))
    assert "break" in (sample / "events.txt").read_text()
