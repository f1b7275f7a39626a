"""End to end: real-world mesh files -> scene -> pybullet -> render (issue 5).

Every real-world mesh in ``assets/`` (meshes nobody on this project made: glTF with textures, a
multi-node glTF truck, OBJ + MTL + a texture with a space in its name, a PLY scan, STL in
millimetres) is inspected through the CLI, dropped onto the floor at ``size: 0.3`` and
rendered; a ball is dropped into a glass whose collision is a convex decomposition.

Definitions used by the checks
------------------------------
- *penetration*: minus the height of the lowest vertex of the posed collision parts (and of the
  visual mesh) above the floor (z = 0), from the Trajectory's object poses.  "Visible" is over
  the frames of a 24 fps clip; "per step" is over every physics step (240 Hz), which also sees
  the one- or two-step dip of an impact that no frame shows.
- *at rest*: centre-of-mass speed < 1 cm/s and angular speed < 0.1 rad/s from then on.
- *upright-ish*: at the end the object's up axis (object-frame +Z, after the file's up axis was
  converted) is within 45 degrees of the world Z axis it started along: it rests on its base,
  or leans on a nearby stable face (Suzanne rests on her chin at ~35 degrees, busted.STL at
  ~20), and did not end on its side or back.
- *texture or colours appear*: the object's pixels (segmentation mask) are coloured (90th
  percentile of per-pixel chroma max(rgb) - min(rgb) at least 30 of 255 above the same object
  rendered with a plain grey ``color``), and where the file's colours have a clear hue (or the
  file has none and the material colour shows) the rendered mean colour has that hue.

Decompositions (CoACD) are cached in a fresh folder per test module (``PHYSREEL_CACHE``): the
glass is decomposed once (about 10 s on 2 cores) and reused by every test after the first.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import numpy as np
import pytest
import trimesh

os.environ.setdefault("PYOPENGL_PLATFORM", "egl")

ROOT = Path(__file__).resolve().parents[1]
ASSETS_DIR = ROOT / "assets"
TUMBLER = ROOT / "assets" / "tumbler.obj"

#: Every real-world mesh in assets/ and its real up axis.  glTF files are Y-up by convention; the
#: bunny scan (a PLY, whose format convention is Z) is Y-up too: `physreel assets inspect`
#: detects it from its flat base and suggests `up: y`.
UP_AXIS = {
    "Duck.glb": "y",
    "CesiumMilkTruck.glb": "y",
    "BoxTextured.glb": "y",
    "monkey.glb": "y",
    "fuze.obj": "z",
    "bunny.ply": "y",
    "teapot.stl": "z",
    "busted.STL": "z",
}
ASSETS = sorted(UP_AXIS)
#: Meshes in assets/ that are not dropped here, and where they are tested.
OTHER_MESHES = {
    "tumbler.obj": "physreel's own glass: the decomposition tests below",
    "CesiumMan.glb": "people's skin (a rigged character): tests/test_skin.py",
    "RiggedSimple.glb": "the smallest rig: tests/test_skin.py",
}
#: Files that carry no colour at all (no texture, vertex colours or material colour): they
#: render in their scene material's colour.
UNCOLOURED = {"monkey.glb", "bunny.ply", "teapot.stl", "busted.STL"}

FPS = 24
RATE = 240  # physics steps per second (the scene default)
DROP = 0.03  # m, gap between the object's lowest point and the floor at the start
CLIP = 5.0  # s (with real rolling resistance the bust, on its curved base, rocks for 3.8 s)


@pytest.fixture(scope="module", autouse=True)
def physreel_cache(tmp_path_factory):
    """A fresh decomposition cache for this module (``PHYSREEL_CACHE``)."""
    cache = tmp_path_factory.mktemp("physreel-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PHYSREEL_CACHE", str(cache))
        yield cache


def asset(name: str) -> Path:
    return ASSETS_DIR / name


# ------------------------------------------------------------------------------ helpers


def _drop_scene(name: str, *, collision: str = "hull", fps: int = FPS, height: float = DROP):
    return {
        "name": "drop",
        "duration": CLIP,
        "fps": fps,
        "resolution": [96, 64],
        "objects": [
            {
                "name": "obj",
                "shape": {
                    "type": "mesh",
                    "file": str(asset(name)),
                    "size": 0.3,
                    "up": UP_AXIS[name],
                    "origin": "bottom_center",
                    "collision": collision,
                },
                "position": [0.0, 0.0, height],
                "rotation": [0.0, 0.0, 30.0],
            }
        ],
    }


def _lowest_z(vertices: np.ndarray, traj, obj: int = 0) -> np.ndarray:
    """(T,) height of the lowest of ``vertices`` (V, 3, object frame) at every frame, m."""
    from physreel.physics.trajectory import quat_to_matrix

    out = np.empty(traj.num_frames)
    for i in range(traj.num_frames):
        rot = quat_to_matrix(traj.quaternion[i, obj])
        out[i] = (vertices @ rot.T + traj.position[i, obj])[:, 2].min()
    return out


def _rest_time(traj, obj: int = 0) -> float:
    """Time (s) from which the object stays at rest (inf when it never does)."""
    speed = np.linalg.norm(traj.velocity[:, obj], axis=1)
    spin = np.linalg.norm(traj.angular_velocity[:, obj], axis=1)
    moving = np.nonzero((speed >= 0.01) | (spin >= 0.1))[0]
    if len(moving) == 0:
        return 0.0
    if moving[-1] == traj.num_frames - 1:
        return float("inf")
    return float(traj.times[moving[-1] + 1])


def _tilt_deg(quaternion: np.ndarray) -> float:
    """Angle between the object's +Z axis and the world's +Z, degrees."""
    from physreel.physics.trajectory import quat_to_matrix

    return float(np.degrees(np.arccos(np.clip(quat_to_matrix(quaternion)[2, 2], -1.0, 1.0))))


def _drop(name: str, *, collision: str = "hull"):
    """Simulate the drop at the physics rate; return (trajectory, geometry)."""
    from physreel import build, load_scene, simulate

    assembly = build(load_scene(_drop_scene(name, collision=collision, fps=RATE)))
    return simulate(assembly), assembly["obj"].geometry


def _check_drop(name: str, traj, geom) -> dict:
    """Assert the drop's physical facts; return the measured numbers."""
    step = RATE // FPS  # every step-th physics step is a 24 fps frame
    coll = np.concatenate([np.asarray(p.vertices) for p in geom.collision_parts])
    visual = np.concatenate([np.asarray(v.vertices) for v in geom.visual])
    z_coll, z_vis = _lowest_z(coll, traj), _lowest_z(visual, traj)
    # the collision parts' lowest point starts DROP above the floor (origin bottom_center)
    assert z_coll[0] == pytest.approx(DROP, abs=1e-4)
    v_impact = np.sqrt(2 * 9.81 * DROP)
    m = {
        "pen_visible_mm": -1000 * min(z_coll[::step].min(), 0.0),
        "pen_visual_visible_mm": -1000 * min(z_vis[::step].min(), 0.0),
        "pen_step_mm": -1000 * min(z_coll.min(), 0.0),
        "rest_z_mm": 1000 * z_coll[-1],
        "rest_s": _rest_time(traj),
        "tilt_deg": _tilt_deg(traj.quaternion[-1, 0]),
        "drift_m": float(np.linalg.norm(traj.position[:, 0, :2], axis=1).max()),
    }
    assert m["pen_visible_mm"] < 5.0, m
    assert m["pen_visual_visible_mm"] < 5.0, m
    # per step: an impact may sink by up to the distance fallen in ~2 steps (contacts are made
    # only once the shapes overlap), never more: no tunnelling
    assert m["pen_step_mm"] < 1000 * (2 * v_impact / RATE) + 2.0, m
    # resting on the floor: neither sunk nor floating
    assert abs(m["rest_z_mm"]) < 1.0, m
    assert m["rest_s"] < CLIP - 0.5, m
    assert m["tilt_deg"] < 45.0, m
    assert m["drift_m"] < 1.0, m
    assert traj.position[:, 0, 2].max() <= traj.position[0, 0, 2] + 0.05, "flew up"
    return m


def _file_colour(path: Path) -> np.ndarray:
    """(3,) area-weighted mean sRGB (0-255) of a file's surface colours, read with trimesh."""
    scene = trimesh.load_scene(str(path))
    cols, weights = [], []
    for g in scene.dump(concatenate=False):
        vis = g.visual
        if isinstance(vis, trimesh.visual.TextureVisuals) and vis.uv is not None:
            vc = np.asarray(vis.to_color().vertex_colors, dtype=np.float64)[:, :3]
            fc = vc[g.faces].mean(axis=1)
        else:
            main = vis.material.main_color if hasattr(vis, "material") else vis.main_color
            fc = np.tile(np.asarray(main[:3], dtype=np.float64), (len(g.faces), 1))
        cols.append(fc)
        weights.append(g.area_faces)
    cols, weights = np.concatenate(cols), np.concatenate(weights)
    return (cols * weights[:, None]).sum(axis=0) / weights.sum()


def _shot(name: str, color=None):
    """One 96x64 frame of the object standing on the floor: (rgb uint8, object mask bool)."""
    from physreel import render

    obj = {
        "name": "obj",
        "shape": {
            "type": "mesh",
            "file": str(asset(name)),
            "size": 0.3,
            "up": UP_AXIS[name],
            "origin": "bottom_center",
        },
        "position": [0.0, 0.0, 0.0],
        "rotation": [0.0, 0.0, 30.0],
        "static": True,
    }
    if color is not None:
        obj["color"] = color
    scene = {
        "name": "shot",
        "duration": 1 / 12,
        "fps": 12,
        "resolution": [96, 64],
        "objects": [obj],
        "cameras": [{"position": [0.25, -0.55, 0.35], "look_at": [0, 0, 0.12], "fov": 40}],
    }
    bundle = next(iter(render(scene, passes=["rgb", "segmentation"])))
    return bundle["rgb"], bundle["segmentation"] == 2  # ids: 0 background, 1 ground, 2 obj


# ------------------------------------------------------------------------------ the files


def test_every_asset_is_covered():
    """``assets/`` holds exactly the meshes listed here (plus the fuze OBJ's MTL and texture and
    the README): a new mesh there must get an up axis in UP_AXIS or a place in OTHER_MESHES."""
    meshes = {
        p.name
        for p in ASSETS_DIR.iterdir()
        if p.suffix.lower() in (".glb", ".gltf", ".obj", ".stl", ".ply", ".off")
    }
    assert meshes == set(ASSETS) | set(OTHER_MESHES)


def test_rigged_characters_are_the_attributed_files():
    """The two skinned glTF files are the ones whose hashes assets/README.md records with their
    attribution."""
    import hashlib

    readme = (ASSETS_DIR / "README.md").read_text()
    for name in ("CesiumMan.glb", "RiggedSimple.glb"):
        digest = hashlib.sha256((ASSETS_DIR / name).read_bytes()).hexdigest()
        assert digest in readme, name


@pytest.mark.parametrize("name", ASSETS)
def test_inspect_cli(name):
    from click.testing import CliRunner

    from physreel.cli import main

    path = asset(name)
    runner = CliRunner()
    res = runner.invoke(main, ["assets", "inspect", str(path), "--json"])
    assert res.exit_code == 0, res.output
    info = json.loads(res.output)
    # facts read independently with trimesh: triangle count and extents in file units
    scene = trimesh.load_scene(str(path))
    tris = sum(len(g.faces) for g in scene.dump(concatenate=False))
    assert info["triangles"] == tris
    np.testing.assert_allclose(info["extents"], scene.extents, rtol=1e-6)
    # the suggested up axis is the real one (a Y-up PLY scan is caught)
    assert info["likely_up"] == UP_AXIS[name], info["up_reason"]
    if name == "fuze.obj":
        assert info["textures"]["found"] == ["fuze uv.jpg"]
        assert info["textures"]["missing"] == []
    res = runner.invoke(main, ["assets", "inspect", str(path)])
    assert res.exit_code == 0, res.output
    assert f"{tris:,}" in res.output


DROP_CASES = list(ASSETS)


@pytest.mark.parametrize("name", DROP_CASES)
def test_drop_comes_to_rest_upright(name):
    """Dropped from 3 cm at size 0.3 (hull collision): rests on the floor, upright-ish, within
    the clip, without sinking or flying away."""
    traj, geom = _drop(name)
    _check_drop(name, traj, geom)


@pytest.mark.parametrize("name", ASSETS)
def test_texture_or_colours_show(name):
    rgb, mask = _shot(name)
    grey_rgb, grey_mask = _shot(name, color=[0.5, 0.5, 0.5])
    assert mask.sum() > 300 and grey_mask.sum() > 300, "object barely visible"
    px = rgb[mask].astype(np.float64)
    grey = grey_rgb[grey_mask].astype(np.float64)
    chroma = px.max(axis=1) - px.min(axis=1)
    grey_chroma = grey.max(axis=1) - grey.min(axis=1)
    # (the default sky's light tints faces in the shade a little blue, as outdoors: a few levels)
    assert np.percentile(grey_chroma, 90) < 10, "the grey reference is not grey"
    assert np.percentile(chroma, 90) >= np.percentile(grey_chroma, 90) + 30, "a grey silhouette"

    if name in UNCOLOURED:
        from physreel.scene.materials import DEFAULT_MATERIAL, PRESETS

        expected = np.asarray(PRESETS[DEFAULT_MATERIAL].color, dtype=np.float64) * 255
    else:
        expected = _file_colour(asset(name))
    hue = expected - expected.mean()
    got = px.mean(axis=0) - px.mean()
    if np.linalg.norm(hue) > 40:  # the file's colours have a clear hue: it shows
        cos = got @ hue / (np.linalg.norm(got) * np.linalg.norm(hue))
        assert cos > 0.9, (px.mean(axis=0), expected)
    else:  # neutral on average (a white truck, a white box with a logo): so is the render,
        # which rules out the material's colour standing in for a lost texture
        assert np.linalg.norm(got) < 40, (px.mean(axis=0), expected)


# ------------------------------------------------------------------------------ cup and ball


def _cup_scene(collision: str) -> dict:
    return {
        "name": "cup",
        "duration": 2.0,
        "fps": FPS,
        "resolution": [96, 64],
        "objects": [
            {
                "name": "cup",
                "shape": {
                    "type": "mesh",
                    "file": str(TUMBLER),
                    "up": "z",
                    "origin": "bottom_center",
                    "collision": collision,
                },
                "material": "glass",
                "position": [0.0, 0.0, 0.0],
            },
            {
                "name": "ball",
                "shape": {"type": "sphere", "radius": BALL_R},
                "material": "rubber",
                "position": [0.008, 0.0, 0.3],
            },
        ],
    }


BALL_R = 0.022


@pytest.fixture(scope="module")
def tumbler_first_build(physreel_cache):
    """Decompose the glass once (into the module's cache); (seconds, cache files, geometry)."""
    from physreel import build, load_scene

    scene = load_scene(_cup_scene("decompose"))
    t0 = time.perf_counter()
    geom = build(scene)["cup"].geometry
    seconds = time.perf_counter() - t0
    files = sorted((physreel_cache / "collision").glob("*.npz"))
    return seconds, {f: f.stat().st_mtime_ns for f in files}, geom


def _tumbler_facts():
    """Outer radius, height and inner floor height of the glass file, metres."""
    mesh = trimesh.load(str(TUMBLER), force="mesh")
    lo, hi = mesh.bounds
    radius = float(np.max(hi[:2] - lo[:2]) / 2)
    axis = np.linalg.norm(mesh.vertices[:, :2] - (lo[:2] + hi[:2]) / 2, axis=1) < 0.5 * radius
    floor = float(mesh.vertices[axis, 2].max())  # the inside of the base, on the axis
    return radius, float(hi[2] - lo[2]), floor


@pytest.mark.slow
def test_decomposition_is_cached(tumbler_first_build):
    from physreel import build, load_scene

    seconds, files, geom = tumbler_first_build
    assert len(files) == 1, files  # one decomposition stored
    assert len(geom.collision_parts) > 4  # a glass is not one convex lump
    t0 = time.perf_counter()
    again = build(load_scene(_cup_scene("decompose")))["cup"].geometry
    second = time.perf_counter() - t0
    assert second < 0.2 * seconds and second < 2.0, (seconds, second)
    path = next(iter(files))
    assert path.stat().st_mtime_ns == files[path], "the cache file was rewritten"
    assert len(again.collision_parts) == len(geom.collision_parts)
    for a, b in zip(again.collision_parts, geom.collision_parts, strict=True):
        np.testing.assert_allclose(a.vertices, b.vertices)


@pytest.mark.slow
def test_decomposed_cup_holds_ball(tumbler_first_build):
    import physreel

    radius, height, floor = _tumbler_facts()
    traj = physreel.simulate(_cup_scene("decompose"))
    ball, cup = traj.index("ball"), traj.index("cup")
    rel = traj.position[:, ball] - traj.position[:, cup]
    end = rel[-1]
    assert np.linalg.norm(end[:2]) < radius - BALL_R + 1e-3, end  # within the walls
    assert floor + BALL_R - 2e-3 < end[2] < height, end  # on the inner floor, below the rim
    assert np.linalg.norm(traj.velocity[-1, ball]) < 0.02
    assert np.linalg.norm(traj.position[-1, cup]) < 0.02, "the glass was knocked away"


def test_hull_cup_ball_stays_out():
    """A convex hull has no inside: the ball rests on top of it or rolls off, never in."""
    import physreel

    radius, height, _ = _tumbler_facts()
    traj = physreel.simulate(_cup_scene("hull"))
    ball, cup = traj.index("ball"), traj.index("cup")
    rel = traj.position[:, ball] - traj.position[:, cup]
    over_mouth = np.linalg.norm(rel[:, :2], axis=1) < radius
    # whenever it is over the glass, it is above the rim (less the contact's dip)
    assert (rel[over_mouth, 2] > height + BALL_R - 3e-3).all()
    end = rel[-1]
    on_top = end[2] > height + BALL_R - 3e-3
    rolled_off = np.linalg.norm(end[:2]) > radius + BALL_R - 1e-3
    assert on_top or rolled_off, end


# ------------------------------------------------------------------------------ flat landings


def test_tall_box_lands_flat_and_stays_upright():
    """Regression: with contactProcessingThreshold 0 on every body a flat face landed one corner
    per step, and the first corner's bounce tipped a tall box dropped flat from 5 cm over."""
    import physreel

    traj = physreel.simulate(
        {
            "name": "tall",
            "duration": 2.0,
            "fps": FPS,
            "resolution": [96, 64],
            "objects": [
                {
                    "name": "box",
                    "shape": {"type": "box", "size": [0.1, 0.1, 0.3]},
                    "position": [0.0, 0.0, 0.2],
                }
            ],
        }
    )
    assert max(_tilt_deg(q) for q in traj.quaternion[:, 0]) < 10.0


@pytest.mark.slow
@pytest.mark.parametrize("name", ["fuze.obj", "busted.STL"])
def test_drop_decomposed(name):
    """Same drop with `collision: decompose` (CoACD, 2 and 13 parts, ~20 s on 2 cores).  The
    other assets decompose too but slowly (open meshes are remeshed first: Duck ~25 s,
    teapot ~70 s, Suzanne ~90 s), which is why they are left out here."""
    traj, geom = _drop(name, collision="decompose")
    assert len(geom.collision_parts) > 1
    _check_drop(name, traj, geom)
