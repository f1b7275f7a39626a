"""People in scene files, renders and captions: validation, one segmentation id per person,
keypoints on the person's pixels, captions that say what people did."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from conftest import ROOT, SCENES, scene_dict

MAN = str(ROOT / "assets" / "CesiumMan.glb")


def _people_scene(**top):
    top = {"resolution": [128, 96], "duration": 0.5, "fps": 12, **top}
    objects = [
        {"name": "alice", "shape": {"type": "humanoid", "height": 1.7}, "motion": [{"clip": "walk"}]},
        {"name": "bob", "shape": {"type": "humanoid", "height": 1.8, "skin": MAN}, "position": [0.5, 1.2, 0],
         "motion": [{"clip": "walk"}]},
        {"name": "cap", "shape": {"type": "sphere", "radius": 0.12}, "mass": 0.3, "color": "#e8c020",
         "attach": {"to": "alice", "bone": "head", "offset": [0, 0, 0.04]}},
    ]
    return scene_dict(objects, cameras=[{"position": [0.8, -3.6, 1.3], "look_at": [0.6, 0.5, 0.9], "fov": 50}],
                      **top)


def test_scene_errors_name_the_field_and_suggest(tmp_path):
    from physreel.cli import main

    bad = scene_dict([
        {"name": "alice", "shape": {"type": "humanoid"}, "motion": [{"clip": "wlak"}], "static": True},
        {"name": "box", "shape": {"type": "box", "size": [1, 1, 1]}, "motion": [{"clip": "walk"}],
         "attach": {"to": "alcie", "bone": "hed"}},
    ], actions=[{"time": 1, "type": "ragdoll", "object": "box"}])
    path = tmp_path / "bad.yaml"
    path.write_text(json.dumps(bad))
    res = CliRunner().invoke(main, ["validate", str(path)])
    assert res.exit_code == 2
    out = res.output
    assert "objects[0].motion[0].clip" in out and "did you mean 'walk'" in out
    assert "objects[0].static" in out
    assert "objects[1].motion" in out and "is for people" in out
    assert "objects[1].attach.to" in out and "did you mean 'alice'" in out
    assert "objects[1].attach.bone" in out and "did you mean 'head'" in out
    assert "actions[0].object" in out and "not a humanoid" in out


def test_one_segmentation_id_per_person_and_keypoints_on_their_pixels(tmp_path):
    """Every part of a person is written with the person's id; the keypoints pass's 2D points
    are the projections of its 3D points through the metadata camera, and the visible ones lie
    on that person's pixels (keypoints sit inside the body); the OpenPose control shows them."""
    import imageio.v3 as iio

    from physreel import write

    out = tmp_path / "people"
    write(_people_scene(), out, passes=["rgb", "segmentation", "depth", "keypoints"], controls=["openpose"])
    meta = json.loads((out / "metadata.json").read_text())
    ids = {v: int(k) for k, v in meta["segmentation_ids"].items()}
    assert set(ids) == {"background", "ground", "alice", "bob", "cap"}
    from physreel import load

    seg = load(out).cameras["main"].read("segmentation")  # exact in any storage
    present = set(np.unique(seg).tolist())
    assert {ids["alice"], ids["bob"], ids["cap"]} <= present
    assert present <= set(ids.values())  # no part ids leak out
    kp = np.load(out / "main" / "keypoints.npz")
    assert kp["names"].tolist() == ["alice", "bob"]
    assert kp["coco18_3d"].shape == (meta["num_frames"], 2, 18, 3)
    assert np.allclose(kp["coco18_3d"][:, 0], meta["people"]["alice"]["coco18_3d"], atol=1e-4)
    cam = meta["cameras"]["main"]
    hits = total = 0
    for f in range(meta["num_frames"]):
        K, w2c = np.asarray(cam["K"][f]), np.asarray(cam["world_to_camera"][f])
        for p, name in enumerate(("alice", "bob")):
            for lay in ("coco18", "body25"):
                pc = kp[f"{lay}_3d"][f, p] @ w2c[:3, :3].T + w2c[:3, 3]
                xy = (pc @ K.T)[:, :2] / pc[:, 2:3]
                assert np.allclose(kp[f"{lay}_2d"][f, p], xy, atol=1e-3)
            vis = kp["coco18_visible"][f, p]
            for x, y in kp["coco18_2d"][f, p][vis]:
                total += 1
                hits += seg[f, int(y), int(x)] in (ids[name], ids["cap"])  # a worn cap is on the head
    assert total > 40
    assert hits / total > 0.95
    # the OpenPose image: something drawn at every visible keypoint, the last-drawn dot (left
    # ear, [255, 0, 85]) in its colour, black where nobody is
    img = iio.imread(out / "main" / "control" / "openpose" / "00002.png").astype(int)
    for p in range(2):
        for k in np.flatnonzero(kp["coco18_visible"][2, p]):
            x, y = kp["coco18_2d"][2, p, k].astype(int)
            assert img[y, x].sum() > 0
        if kp["coco18_visible"][2, p, 17]:
            x, y = kp["coco18_2d"][2, p, 17].astype(int)
            assert img[y, x].tolist() == [255, 0, 85]
    near = np.zeros(img.shape[:2], dtype=bool)
    for p in range(2):
        pts = kp["coco18_2d"][2, p][kp["coco18_visible"][2, p]]
        if len(pts):
            (x0, y0), (x1, y1) = pts.min(axis=0).astype(int) - 6, pts.max(axis=0).astype(int) + 7
            near[max(y0, 0):y1, max(x0, 0):x1] = True
    assert img[~near].max() == 0


def test_skinned_person_is_drawn_as_its_textured_mesh(tmp_path):
    """The skinned character shows its texture's colours (not a flat material) and its physics
    capsules are not drawn: the person's pixels match its own id only."""
    from physreel import render

    data = _people_scene()
    data["objects"] = [data["objects"][1]]
    # the texture itself, not the anti-aliasing of a 30-pixel figure (which softens it)
    data["render"] = {"antialias": False}
    bundle = next(iter(render(data, passes=["rgb", "segmentation"])))
    mask = bundle["segmentation"] == 2
    assert mask.sum() > 150
    colours = bundle["rgb"][mask].astype(float)
    # textured: colours of its own across the body, not one colour shaded (the saturation of
    # its pixels varies: std 11 levels here, 2.4 for a flat-coloured person under this light)
    chroma = colours.max(axis=1) - colours.min(axis=1)
    assert chroma.std() > 6


@pytest.mark.parametrize("name,words", [
    ("penalty_kick", ["kicks", "ball"]),
    ("kick_knockdown", ["kicks another person, who falls to the ground"]),
    ("helmet_knocked_off", ["yellow plastic helmet walks", "knocks the helmet off"]),
])
def test_captions_say_what_people_did(name, words):
    from physreel import load_scene, simulate, with_overrides
    from physreel.batch.captions import caption

    sc = load_scene(SCENES / f"{name}.yaml")
    traj = simulate(with_overrides(sc, fps=12))
    text = caption(sc.model_dump(mode="json"), traj.events, np.random.default_rng(0))
    for w in words:
        assert w in text, text


def test_skinned_person_flow_follows_the_mesh(tmp_path):
    """Forward flow on a walking skinned character equals the motion of the mesh's vertices:
    visible vertices moved from frame t to t + 1 and projected (exact), compared with the flow
    at the pixel they project to."""
    from physreel import load_scene, simulate, write
    from physreel.assembly import build
    from physreel.rendering.people import skin_tracks

    data = _people_scene(resolution=[160, 120], fps=12, duration=0.6)
    data["objects"] = [data["objects"][1]]
    data["cameras"] = [{"position": [0.9, -2.6, 1.1], "look_at": [0.6, 1.2, 0.9], "fov": 50}]
    out = tmp_path / "skinflow"
    scene = load_scene(data)
    traj = simulate(scene)
    write(scene, out, passes=["flow_forward", "occlusion_forward", "depth", "tracks"], trajectory=traj)
    meta = json.loads((out / "metadata.json").read_text())
    from physreel import load

    # read back within the manifest's max_error (flow ~1e-4 px, depth 0.5 mm): far below the
    # tolerances here
    cam_out = load(out).cameras["main"]
    flow, occ, depth = cam_out.read("flow_forward"), cam_out.read("occlusion_forward"), cam_out.read("depth")
    track = skin_tracks(build(scene), traj)["bob"]
    cam = meta["cameras"]["main"]
    errs, motion = [], []
    for f in range(2, meta["num_frames"] - 1):
        K0, K1 = np.asarray(cam["K"][f]), np.asarray(cam["K"][f + 1])
        W0, W1 = np.asarray(cam["world_to_camera"][f]), np.asarray(cam["world_to_camera"][f + 1])
        v0, v1 = track.world(f), track.world(f + 1)
        p0 = v0 @ W0[:3, :3].T + W0[:3, 3]
        p1 = v1 @ W1[:3, :3].T + W1[:3, 3]
        xy0 = (p0 @ K0.T)[:, :2] / p0[:, 2:3]
        xy1 = (p1 @ K1.T)[:, :2] / p1[:, 2:3]
        col, row = np.floor(xy0[:, 0]).astype(int), np.floor(xy0[:, 1]).astype(int)
        inside = (col >= 0) & (col < 160) & (row >= 0) & (row < 120)
        col, row = col[inside], row[inside]
        seen = np.abs(depth[f, row, col] - p0[inside, 2]) < 0.01  # the vertex is the visible surface
        seen &= ~occ[f, row, col]
        got = flow[f, row[seen], col[seen]]
        want = (xy1 - xy0)[inside][seen]
        errs.append(np.linalg.norm(got - want, axis=1))
        motion.append(np.linalg.norm(want, axis=1))
    errs, motion = np.concatenate(errs), np.concatenate(motion)
    assert len(errs) > 200
    assert np.median(motion) > 2.0  # the body moves several pixels per frame...
    # ...and the flow follows it (measured: median 0.006 px, 90 % under 0.06 px; taken as one body
    # moving with the pelvis it would be 0.25 px and 2.7 px)
    assert np.median(errs) < 0.05 and np.percentile(errs, 90) < 0.3
    # Point tracks on the skin (barycentric points of its triangles) move as the flow says.
    tr = np.load(out / "main" / "tracks.npz")
    assert (tr["point_object"] == 0).sum() > 100  # points on bob's skin (his column is 0)
    diffs = []
    for f in range(1, meta["num_frames"] - 1):
        seen = ~tr["occluded"][:, f] & ~tr["occluded"][:, f + 1] & (tr["point_object"] == 0)
        xy = tr["tracks_2d"][seen, f]
        col, row = np.floor(xy[:, 0]).astype(int), np.floor(xy[:, 1]).astype(int)
        moved = tr["tracks_2d"][seen, f + 1] - xy
        diffs.append(np.linalg.norm(flow[f, row, col] - moved, axis=1))
    diffs = np.concatenate(diffs)
    assert len(diffs) > 100 and np.median(diffs) < 0.25


def test_warning_when_a_person_strikes_in_a_scene_with_heavy_things():
    from physreel import build

    objs = [{"name": "a", "shape": {"type": "humanoid"}, "motion": [{"clip": "punch"}]},
            {"name": "crate", "shape": {"type": "box", "size": [0.6, 0.6, 0.6]}, "material": "wood"},
            {"name": "ball", "shape": {"type": "sphere", "radius": 0.11}, "mass": 0.43}]
    warnings = build(scene_dict(objs)).warnings
    assert len(warnings) == 1 and "crate (151 kg)" in warnings[0] and "infinitely strong" in warnings[0]
    objs[0]["motion"] = [{"clip": "walk"}]
    assert build(scene_dict(objs)).warnings == []
