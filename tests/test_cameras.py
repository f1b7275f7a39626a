"""Camera motion in real renders: per-frame intrinsics/extrinsics in metadata follow the motion."""

from __future__ import annotations

import numpy as np

import physreel
from conftest import SCENES, scene_dict


def _project(cam, t, p):
    K, w2c = np.array(cam["K"][t]), np.array(cam["world_to_camera"][t])
    pc = w2c[:3, :3] @ np.asarray(p) + w2c[:3, 3]
    return np.array([K[0, 0] * pc[0] / pc[2] + K[0, 2], K[1, 1] * pc[1] / pc[2] + K[1, 2]]), pc[2]


def test_orbit_keeps_its_target_at_the_image_centre(render_meta):
    target = [0.2, -0.1, 0.4]
    meta, _ = render_meta(scene_dict([], duration=1.0, resolution=[64, 48],
                                     cameras=[{"position": [3, 0, 1.5], "look_at": target, "motion": [{"type": "orbit", "degrees": 180}]}]))
    cam = meta["cameras"]["main"]
    positions = [np.linalg.inv(np.array(w))[:3, 3] for w in cam["world_to_camera"]]
    assert np.linalg.norm(positions[0] - positions[-1]) > 3.0  # it really moved around
    for t in range(meta["num_frames"]):
        uv, z = _project(cam, t, target)
        assert z > 0 and np.allclose(uv, [32, 24], atol=1e-6)


def test_follow_keeps_the_object_in_view(render_meta):
    meta, out = render_meta(scene_dict(
        [{"name": "ball", "shape": {"type": "sphere", "radius": 0.1}, "position": [0, 0, 0.1], "velocity": [3.0, 0, 0],
          "friction": 0.0, "rolling_friction": 0.0}],
        duration=1.5, resolution=[64, 48], ground={"friction": 0.0},
        cameras=[{"position": [0, -2, 0.8], "look_at": [0, 0, 0.1], "motion": [{"type": "follow", "object": "ball", "offset": [0, -2, 0.7]}]}]))
    cam = meta["cameras"]["main"]
    pos = np.array(meta["objects"]["ball"]["position"])
    assert pos[-1, 0] > 3.0  # it travelled far out of the starting view
    for t in range(meta["num_frames"]):
        uv, z = _project(cam, t, pos[t])
        assert z > 0 and 0 <= uv[0] < 64 and 0 <= uv[1] < 48
    # no exit event for the followed ball
    assert not [e for e in meta["events"] if e["type"] == "exit" and e["object"] == "ball"]


def test_static_camera_sees_an_object_leave_with_an_exit_event(render_meta):
    meta, _ = render_meta(scene_dict(
        [{"name": "ball", "shape": {"type": "sphere", "radius": 0.1}, "position": [0, 0, 0.1], "velocity": [4.0, 0, 0],
          "friction": 0.0, "rolling_friction": 0.0}],
        duration=1.5, resolution=[64, 48], ground={"friction": 0.0},
        cameras=[{"position": [0, -2, 0.8], "look_at": [0, 0, 0.1], "fov": 40}]))
    exits = [e for e in meta["events"] if e["type"] == "exit"]
    assert len(exits) == 1 and exits[0]["object"] == "ball" and exits[0]["camera"] == "main"
    t = exits[0]["frame"]
    uv, _ = _project(meta["cameras"]["main"], t, meta["objects"]["ball"]["position"][t])
    assert uv[0] > 64  # its centre is past the right edge when it is reported gone
    assert meta["cameras"]["main"]["in_view_at_start"] == ["ball"]


def test_all_cameras_of_a_multi_camera_scene_show_the_same_simulation(tmp_path):
    sc = physreel.with_overrides(physreel.load_scene(SCENES / "multi_camera.yaml"), resolution=[160, 96], duration=1.0, fps=12)
    out = tmp_path / "mc"
    physreel.write(sc, out, passes=["rgb", "segmentation"])
    r = physreel.load(out)
    assert sorted(r.cameras) == ["front", "side", "top"]
    meta = r.metadata
    checked = 0
    for cam_name, cam in r.cameras.items():
        seg = cam.read("segmentation")
        cmeta = meta["cameras"][cam_name]
        for t in (0, 6, 11):
            for name in ("red_ball", "steel_ball"):
                obj = meta["objects"][name]
                ys, xs = np.nonzero(seg[t] == obj["id"])
                if len(xs) < 15:
                    continue  # hidden or tiny in this view
                uv, z = _project(cmeta, t, obj["position"][t])
                # the projected centre lies on the object's pixels' box in every camera ...
                assert xs.min() - 1 <= uv[0] <= xs.max() + 2 and ys.min() - 1 <= uv[1] <= ys.max() + 2, (cam_name, t, name)
                # ... and at their centroid when the ball is unoccluded (area of the projected disc)
                disc = np.pi * (np.array(cmeta["K"][t])[0, 0] * obj["shape"]["radius"] / z) ** 2
                if abs(len(xs) / disc - 1) < 0.15:
                    centroid = np.array([xs.mean() + 0.5, ys.mean() + 0.5])
                    assert np.linalg.norm(centroid - uv) < 1.5, (cam_name, t, name, centroid, uv)
                    checked += 1
    assert checked >= 6
    # the dolly moves the side camera closer, the orbit moves the top camera around
    side = [np.linalg.inv(np.array(w))[:3, 3] for w in meta["cameras"]["side"]["world_to_camera"]]
    assert np.linalg.norm(side[0]) - np.linalg.norm(side[-1]) > 0.3
