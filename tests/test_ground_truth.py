"""Ground-truth passes against analytic values, and the calibration scene's polarities."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

import physreel
from conftest import SCENES, scene_dict

GT = ["rgb", "depth", "segmentation", "normals", "flow_forward", "flow_backward",
      "occlusion_forward", "occlusion_backward"]


def _bundles(data, passes, n=None):
    out = []
    for b in physreel.render(data, passes=passes):
        out.append(b)
        if n is not None and len(out) == n:
            break
    return out


def test_depth_of_the_floor_seen_from_above_is_the_camera_height():
    data = scene_dict([], duration=0.1, resolution=[64, 48],
                      cameras=[{"position": [0.3, 0.2, 2.0], "look_at": [0.3, 0.2, 0.0], "fov": 50}])
    b = _bundles(data, ["depth", "segmentation", "normals"], 1)[0]
    assert np.abs(b["depth"] - 2.0).max() < 1e-3
    assert (b["segmentation"] == 1).all()  # all ground
    assert np.allclose(b["normals"], [0, 0, -1], atol=1e-4)  # facing the camera: z < 0


def test_depth_of_a_tilted_plane_matches_per_pixel_analytic_value():
    h = 1.3
    data = scene_dict([], duration=0.1, resolution=[80, 60],
                      cameras=[{"position": [0, -3, h], "look_at": [0, 0, h], "fov": 60}])
    b = _bundles(data, ["depth"], 1)[0]
    K = b.view.K
    rows = np.arange(60)
    below = rows + 0.5 > K[1, 2] + 2
    # a level camera at height h: the floor at image row v lies at z = h fy / (v + 0.5 - cy)
    expected = h * K[1, 1] / (rows[below] + 0.5 - K[1, 2])
    got = b["depth"][below]
    on_floor = expected < 14.0  # far rows: a few pixels per metre, the floor edge and the horizon
    assert on_floor.sum() > 15
    assert np.abs(got[on_floor] - expected[on_floor][:, None]).max() < 1e-3
    assert (b["depth"][: int(K[1, 2]) - 2] == 0).all()  # sky above the horizon: background, 0


def test_sphere_normals_match_analytic_normals():
    c = np.array([0.2, 0.1, 1.0])
    data = scene_dict([{"name": "s", "shape": {"type": "sphere", "radius": 0.4}, "position": c.tolist()}],
                      duration=0.1, resolution=[120, 90], gravity=[0, 0, 0],
                      cameras=[{"position": [1.5, -3, 1.8], "look_at": c.tolist(), "fov": 40}])
    b = _bundles(data, ["depth", "segmentation", "normals"], 1)[0]
    v, u = np.nonzero(b["segmentation"] == 2)
    z = b["depth"][v, u]
    K, w2c = b.view.K, b.view.world_to_camera
    pc = np.stack([(u + 0.5 - K[0, 2]) / K[0, 0] * z, (v + 0.5 - K[1, 2]) / K[1, 1] * z, z], 1)
    cc = w2c[:3, :3] @ c + w2c[:3, 3]
    analytic = (pc - cc) / np.linalg.norm(pc - cc, axis=1, keepdims=True)
    err = np.degrees(np.arccos(np.clip((analytic * b["normals"][v, u]).sum(1), -1, 1)))
    assert len(err) > 500
    assert err.mean() < 2.0 and np.percentile(err, 95) < 3.0
    assert np.allclose(np.linalg.norm(b["normals"][v, u], axis=1), 1, atol=1e-5)


def test_segmentation_ids_match_metadata_and_cover_exactly_depth_positive(tmp_path):
    out = tmp_path / "o"
    physreel.write(physreel.load_scene(SCENES / "calibration.yaml"), out, passes=["depth", "segmentation"],
                   storage="npy")
    r = physreel.load(out)
    seg = r.cameras["main"].read("segmentation")
    depth = r.cameras["main"].read("depth")
    assert seg.dtype == np.uint16 and depth.dtype == np.float32
    assert ((seg > 0) == (depth > 0)).all()
    ids = r.metadata["segmentation_ids"]
    for name, obj in r.metadata["objects"].items():
        assert ids[str(obj["id"])] == name
    assert set(np.unique(seg)) <= {int(k) for k in ids}
    assert {2, 3, 4} <= set(np.unique(seg[0]))  # sphere, cube, mover visible at frame 0
    # the compact storage (the default): the same ids exactly, the same depth within its stated
    # error, and PNGs that decode by the manifest's rule without physreel
    compact = tmp_path / "c"
    physreel.write(physreel.load_scene(SCENES / "calibration.yaml"), compact, passes=["depth", "segmentation"])
    cam = physreel.load(compact).cameras["main"]
    assert np.array_equal(cam.read("segmentation"), seg)
    d16 = cam.read("depth")
    entry = cam.manifest["passes"]["depth"]
    assert d16.dtype == np.float32 and np.abs(d16 - depth).max() <= entry["max_error"]
    from physreel.outputs.formats import read_png16

    assert (read_png16(compact / "main" / "segmentation" / "00007.png") == seg[7]).all()
    unit = entry["files"][0]["unit"]
    # the far floor lies beyond 65.535 m, so whole millimetres do not fit: the unit is 2 mm
    assert depth.max() > 65.535 and unit == pytest.approx(0.002)
    png = read_png16(compact / "main" / "depth_mm" / "00007.png")
    assert np.abs(png * unit - depth[7]).max() <= unit / 2 + 1e-5
    assert ((png == 0) == (depth[7] == 0)).all()


def _warp_error(img_t, img_o, flow, occluded, seg):
    """Mean error of frame o warped onto frame t, vs. of frame o as is (no flow).

    Both images are low-passed first: bilinear resampling of a hard, high-contrast edge (the
    checker floor) is off by up to half the contrast for a sub-pixel shift whatever the flow,
    and a blur commutes with the local translations a flow describes.
    """
    from scipy.ndimage import gaussian_filter

    from physreel.rendering.flow import warp

    img_t = gaussian_filter(img_t.astype(np.float32), sigma=(1.0, 1.0, 0))
    img_o = gaussian_filter(img_o.astype(np.float32), sigma=(1.0, 1.0, 0))
    warped = warp(img_o, flow)
    # Away from motion boundaries (where the blur mixes things that move differently).
    from scipy.ndimage import binary_dilation

    edges = np.zeros(seg.shape, bool)
    edges[:, 1:] |= seg[:, 1:] != seg[:, :-1]
    edges[1:, :] |= seg[1:, :] != seg[:-1, :]
    valid = ~occluded & ~binary_dilation(edges, iterations=3)
    e_flow = np.abs(warped - img_t.astype(np.float32)).mean(axis=-1)[valid].mean()
    e_none = np.abs(img_o.astype(np.float32) - img_t.astype(np.float32)).mean(axis=-1)[valid].mean()
    return e_flow, e_none


def test_flow_warps_neighbouring_frames_onto_the_current_one():
    data = scene_dict(
        [{"name": "ball", "shape": {"type": "sphere", "radius": 0.3}, "position": [-0.8, 0, 0.9], "velocity": [2.5, 0, 0],
          "angular_velocity": [0, 0, 4]},
         {"name": "box", "shape": {"type": "box", "size": [0.4, 0.4, 0.4]}, "position": [0.6, 0.3, 1.2], "rotation": [20, 30, 0],
          "velocity": [-1.5, 0, 0.5], "angular_velocity": [2, 1, 0]}],
        duration=0.25, resolution=[128, 96], gravity=[0, 0, 0],
        # ambient light only: a surface point keeps its colour as it moves (no moving shadows or
        # highlights, which no optical flow can explain); the checker floor gives texture
        lights=[], ambient=3.0,
        cameras=[{"position": [0, -3.5, 1.4], "look_at": [0, 0, 0.9], "fov": 45, "motion": [{"type": "pan", "degrees": 6}]}])
    bs = _bundles(data, GT)
    assert len(bs) == 6
    for t in (2, 3):
        seg = bs[t]["segmentation"]
        e_f, e0_f = _warp_error(bs[t]["rgb"], bs[t + 1]["rgb"], bs[t]["flow_forward"], bs[t]["occlusion_forward"], seg)
        e_b, e0_b = _warp_error(bs[t]["rgb"], bs[t - 1]["rgb"], bs[t]["flow_backward"], bs[t]["occlusion_backward"], seg)
        assert e_f < 0.25 * e0_f, (e_f, e0_f)
        assert e_b < 0.25 * e0_b, (e_b, e0_b)
    assert bs[-1]["occlusion_forward"].all() and bs[0]["occlusion_backward"].all()


def test_flow_of_a_camera_pan_over_a_static_scene_is_the_rotation_homography():
    deg, fps = 12.0, 12
    data = scene_dict([{"name": "box", "shape": {"type": "box", "size": [0.5, 0.5, 0.5]}, "position": [0, 0, 0.25], "static": True}],
                      duration=1.0, fps=fps, resolution=[96, 72],
                      cameras=[{"position": [0, -3, 1.2], "look_at": [0, 0, 0.6], "fov": 50,
                                "motion": [{"type": "pan", "degrees": deg, "easing": "linear"}]}])
    bs = _bundles(data, ["depth", "flow_forward", "occlusion_forward"], 4)
    b0, b1 = bs[1], bs[2]
    K = b0.view.K
    R = b1.view.world_to_camera[:3, :3] @ b0.view.world_to_camera[:3, :3].T
    H = K @ R @ np.linalg.inv(K)
    v, u = np.mgrid[0:72, 0:96]
    p = np.stack([u + 0.5, v + 0.5, np.ones_like(u, dtype=float)], -1) @ H.T
    expected = p[..., :2] / p[..., 2:] - np.stack([u + 0.5, v + 0.5], -1)
    ok = ~b0["occlusion_forward"]
    assert ok.mean() > 0.8
    assert np.abs(b0["flow_forward"][ok] - expected[ok]).max() < 0.02
    # panning right moves the image content left
    assert expected[..., 0].mean() < -1


def test_tracks_follow_object_poses_and_are_occluded_exactly_when_depth_says(tmp_path):
    out = tmp_path / "c"
    physreel.write(physreel.load_scene(SCENES / "calibration.yaml"), out, passes=["depth", "tracks"])
    r = physreel.load(out)
    tr = r.cameras["main"].read("tracks")
    depth = r.cameras["main"].read("depth")
    meta = r.metadata
    names = list(meta["objects"])
    cam = meta["cameras"]["main"]
    from physreel.transforms import pose_to_matrix

    n_checked = 0
    for t in (0, 10, 15, 29):
        K, w2c = np.array(cam["K"][t]), np.array(cam["world_to_camera"][t])
        for i in range(0, len(tr["point_object"]), 7):
            obj = names[tr["point_object"][i]]
            pose = pose_to_matrix(meta["objects"][obj]["position"][t], meta["objects"][obj]["quaternion"][t])
            pc = tr["tracks_3d"][i, t]
            # the 3D point (camera frame) projects to the 2D track
            uv = (K @ pc)[:2] / pc[2]
            assert np.allclose(uv, tr["tracks_2d"][i, t], atol=1e-3)
            # and it lies on the object's surface as the object moves: same local point at every frame
            world = np.linalg.inv(w2c) @ np.append(pc, 1)
            local = np.linalg.inv(pose) @ world
            if t == 0:
                continue
            pc0 = tr["tracks_3d"][i, 0]
            pose0 = pose_to_matrix(meta["objects"][obj]["position"][0], meta["objects"][obj]["quaternion"][0])
            local0 = np.linalg.inv(pose0) @ (np.linalg.inv(np.array(cam["world_to_camera"][0])) @ np.append(pc0, 1))
            assert np.allclose(local[:3], local0[:3], atol=1e-4)
            # occluded iff the depth map says the point is hidden (documented rule: behind the
            # farthest of the 2x2 pixels around it, by more than 1 % + 5 mm; background = far)
            x, y = tr["tracks_2d"][i, t]
            cx, cy = int(np.floor(x - 0.5)), int(np.floor(y - 0.5))
            if 0 <= cx < 319 and 0 <= cy < 239:
                cell = depth[t, cy:cy + 2, cx:cx + 2]
                dmax = np.inf if (cell == 0).any() else float(cell.max())
                limit = dmax * 1.01 + 0.005
                if abs(pc[2] - limit) > 0.01:
                    assert tr["occluded"][i, t] == (pc[2] > limit), (i, t, pc[2], dmax)
                    n_checked += 1
    assert n_checked > 50


def test_calibration_polarities(tmp_path):
    out = tmp_path / "cal"
    physreel.write(physreel.load_scene(SCENES / "calibration.yaml"), out)
    r = physreel.load(out)
    cam = r.cameras["main"]
    meta = r.metadata
    import imageio.v3 as iio

    depth = cam.read("depth")
    seg = cam.read("segmentation")
    # near is bright in the control depth image
    cd = iio.imread(out / "main" / "control" / "depth" / "00000.png").astype(int)
    cd = cd if cd.ndim == 2 else cd[..., 0]
    fg = depth[0] > 0
    near = fg & (depth[0] < np.percentile(depth[0][fg], 10))
    far = fg & (depth[0] > np.percentile(depth[0][fg], 90))
    assert cd[near].mean() > cd[far].mean() + 40
    assert (cd[~fg] == 0).all()  # background black
    # the left rim of the sphere is red in the normal control image, its top green
    nc = iio.imread(out / "main" / "control" / "normal" / "00000.png").astype(int)
    ys, xs = np.nonzero(seg[0] == meta["objects"]["sphere"]["id"])
    left = (ys == int(np.median(ys))) & (xs == xs[ys == int(np.median(ys))].min())
    lx, ly = xs[left][0] + 1, ys[left][0]
    assert nc[ly, lx, 0] > 200 and nc[ly, lx, 0] > nc[ly, lx, 1] + 60
    top_y = ys.min() + 1
    tx = int(np.median(xs[ys == top_y]))
    assert nc[top_y, tx, 1] > 200
    # the mover goes right: flow dx > 0 on its pixels
    flow = cam.read("flow_forward")
    mover = seg[3] == meta["objects"]["mover"]["id"]
    assert mover.sum() > 20 and (flow[3][mover][:, 0] > 0).all()
    # its tracks become hidden when it passes behind the cube, and visible again after
    tr = cam.read("tracks")
    mover_idx = list(meta["objects"]).index("mover")
    on_mover = tr["point_object"] == mover_idx
    visible = ~tr["occluded"][on_mover]
    frac = visible.mean(axis=0)
    assert frac[0] > 0.3 and frac[15] == 0.0 and frac[-1] > 0.3
    # boxes: the cube is fully visible, the mover hidden at frame 15
    boxes = cam.read("boxes")
    cube = next(b for b in boxes[0] if b["object"] == "cube")
    assert cube["visible_fraction"] == pytest.approx(1.0, abs=0.05)
    mover15 = next(b for b in boxes[15] if b["object"] == "mover")
    assert mover15["bbox"] is None and mover15["visible_fraction"] == 0.0
    # every pass is in the manifest with its dtype
    man = json.loads((out / "main" / "manifest.json").read_text())
    for p in ("depth", "segmentation", "normals", "flow_forward", "occlusion_backward", "tracks", "boxes"):
        assert p in man["passes"]
    assert man["passes"]["depth"]["units"] == "metres" and "polarity" in man["passes"]["occlusion_forward"]


@pytest.mark.slow
def test_streaming_passes_hold_bounded_memory():
    """The stream holds at most three frames: bundles of a 60-frame render are independent."""
    data = scene_dict([{"name": "a", "shape": {"type": "sphere", "radius": 0.1}, "position": [0, 0, 1]}],
                      duration=5.0, fps=12, resolution=[32, 24])
    import gc
    import weakref

    refs = []
    for b in physreel.render(data, passes=["depth", "flow_forward", "flow_backward"]):
        refs.append(weakref.ref(b.passes["depth"].base if b.passes["depth"].base is not None else b.passes["depth"]))
        del b
        gc.collect()
    assert len(refs) == 60
    alive = sum(r() is not None for r in refs)
    assert alive <= 4, f"{alive} frames still held"


def test_unknown_pass_is_a_clear_error():
    from physreel.errors import ArgumentError

    with pytest.raises(ArgumentError, match="did you mean 'depth'"):
        list(physreel.render(scene_dict([]), passes=["dept"]))


def test_presets_choose_render_times_not_physics():
    from physreel.scene.presets import preset_overrides

    o = preset_overrides("cogvideox", 24)
    sc = physreel.with_overrides(physreel.load_scene(SCENES / "bouncing_balls.yaml"), **o)
    assert sc.num_frames == 49 and sc.fps == 8 and list(sc.resolution) == [720, 480]
    assert sc.physics.rate == 240
    o = preset_overrides("animatediff", 24)
    sc = physreel.with_overrides(physreel.load_scene(SCENES / "bouncing_balls.yaml"), **o)
    assert sc.num_frames == 16 and sc.fps == 24 and math.isclose(sc.duration, 16 / 24)
