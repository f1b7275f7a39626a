"""Exact optical flow against an analytic numpy ray-caster (spheres + a ground plane).

The ray-caster here is independent of :mod:`physreel.rendering.flow`: it intersects the ray through
each pixel centre with the scene, so depth, ids, normals and a texture that is fixed to each
object's surface are exact.  ``test_tracks.py`` reuses it.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from physreel.errors import InputError
from physreel.physics.trajectory import pose_to_matrix, quat_to_matrix
from physreel.rendering.camera import CameraFrame, intrinsics, look_at
from physreel.rendering.flow import compute_flow, visible_in_depth, warp

W, H = 160, 120
YFOV = np.deg2rad(50.0)


def make_camera(position, target, width=W, height=H) -> CameraFrame:
    return CameraFrame(
        width=width,
        height=height,
        K=intrinsics(width, height, YFOV),
        world_to_camera=look_at(position, target),
        yfov=float(YFOV),
    )


def rot_z(angle: float) -> np.ndarray:
    c, s = np.cos(angle), np.sin(angle)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def sphere_pose(center, angle=0.0) -> np.ndarray:
    m = np.eye(4)
    m[:3, :3] = rot_z(angle) @ quat_to_matrix([0.3, 0.2, 0.1, 0.9])
    m[:3, 3] = center
    return m


def _texture(p: np.ndarray) -> np.ndarray:
    """(..., 3) smooth colour in [0, 1] of local surface points (metres)."""
    return 0.5 + 0.5 * np.stack(
        [np.sin(9.0 * p[..., 0] + 1.0), np.sin(7.0 * p[..., 1] + 2.0), np.sin(8.0 * p[..., 2])],
        axis=-1,
    )


def raycast(cam: CameraFrame, radii, poses, ground_id: int | None = None) -> dict:
    """Render spheres (object ``i`` has id ``i + 1``, radius ``radii[i]``, pose ``poses[i]``)
    and optionally a 5 m x 5 m floor at z = 0 as object ``ground_id - 1`` (identity pose).

    Returns depth (z, metres), seg (uint16), normals (OpenCV camera frame) and rgb in [0, 1].
    Background (sky) colour depends only on the ray direction, so it is a point at infinity.
    """
    h, w = cam.height, cam.width
    u = np.arange(w) + 0.5
    v = np.arange(h) + 0.5
    uu, vv = np.meshgrid(u, v)
    pix = np.stack([uu, vv, np.ones_like(uu)], axis=-1)
    d_cam = pix @ np.linalg.inv(cam.K).T  # z component 1: ray parameter = z-depth
    r = cam.world_to_camera[:3, :3]
    d_w = d_cam @ r  # R^T d
    o = cam.position
    best = np.full((h, w), np.inf)
    seg = np.zeros((h, w), np.uint16)
    normal_w = np.zeros((h, w, 3))
    rgb = np.zeros((h, w, 3))
    dirn = d_w / np.linalg.norm(d_w, axis=-1, keepdims=True)
    rgb[:] = 0.4 + 0.3 * np.stack([dirn[..., 0], dirn[..., 1] ** 2, 0.5 + 0.5 * dirn[..., 2]], -1)
    if ground_id is not None:
        with np.errstate(divide="ignore", invalid="ignore"):
            t = -o[2] / d_w[..., 2]
        p = o + np.where(t > 0, t, 0.0)[..., None] * d_w
        # a finite 5 m x 5 m floor: an infinite one aliases towards the horizon
        hit = (t > 0) & (t < best) & (np.abs(p[..., 0]) < 2.5) & (np.abs(p[..., 1]) < 2.5)
        best[hit] = t[hit]
        seg[hit] = ground_id
        normal_w[hit] = [0.0, 0.0, 1.0]
        p = p[hit]
        rgb[hit] = _texture(np.stack([p[:, 0], p[:, 1], p[:, 0] + p[:, 1]], -1) * 0.5)
    for i, (rad, pose) in enumerate(zip(radii, poses, strict=True)):
        c = pose[:3, 3]
        oc = o - c
        a = np.sum(d_w * d_w, -1)
        b = 2 * np.sum(d_w * oc, -1)
        cc = oc @ oc - rad * rad
        disc = b * b - 4 * a * cc
        ok = disc >= 0
        t = np.where(ok, (-b - np.sqrt(np.where(ok, disc, 0))) / (2 * a), np.inf)
        hit = ok & (t > 0) & (t < best)
        best[hit] = t[hit]
        seg[hit] = i + 1
        p = o + t[hit][:, None] * d_w[hit]
        normal_w[hit] = (p - c) / rad
        local = (p - c) @ pose[:3, :3]  # R^T (p - c)
        rgb[hit] = _texture(local)
    fg = np.isfinite(best)
    depth = np.where(fg, best, 0.0).astype(np.float32)
    normals = (normal_w @ r.T).astype(np.float32)
    return {"depth": depth, "seg": seg, "normals": normals, "rgb": rgb.astype(np.float32)}


def test_static_scene_and_still_camera_has_zero_flow_and_no_occlusion():
    cam = make_camera([0.0, -3.0, 1.0], [0.0, 0.0, 0.5])
    poses = np.stack([sphere_pose([0, 0, 0.5]), np.eye(4)])
    f = raycast(cam, [0.5], poses[:1], ground_id=2)
    res = compute_flow(f["depth"], f["seg"], cam, cam, poses, poses, f["depth"])
    assert res.flow.dtype == np.float32 and res.flow.shape == (H, W, 2)
    assert np.abs(res.flow).max() < 1e-3
    assert not res.occluded.any()


def test_camera_pan_over_static_scene_matches_rotation_homography():
    # Pure rotation of the camera about its centre: the flow of every pixel, whatever its
    # depth, is p' = K R_rel K^-1 p.  Checked here with an explicit per-pixel formula.
    eye = np.array([0.0, -3.0, 1.0])
    cam_t = make_camera(eye, [0.0, 0.0, 0.5])
    yaw = np.deg2rad(2.0)
    cam_o = make_camera(eye, eye + rot_z(yaw) @ (np.array([0.0, 0.0, 0.5]) - eye))
    poses = np.stack([sphere_pose([0, 0, 0.5]), np.eye(4)])
    ft = raycast(cam_t, [0.5], poses[:1], ground_id=2)
    fo = raycast(cam_o, [0.5], poses[:1], ground_id=2)
    res = compute_flow(ft["depth"], ft["seg"], cam_t, cam_o, poses, poses, fo["depth"])

    r_rel = cam_o.world_to_camera[:3, :3] @ cam_t.world_to_camera[:3, :3].T
    fx, cx, cy = cam_t.K[0, 0], cam_t.K[0, 2], cam_t.K[1, 2]
    u, v = np.meshgrid(np.arange(W) + 0.5, np.arange(H) + 0.5)
    ray = np.stack([(u - cx) / fx, (v - cy) / fx, np.ones_like(u)], -1) @ r_rel.T
    expect = np.stack(
        [fx * ray[..., 0] / ray[..., 2] + cx - u, fx * ray[..., 1] / ray[..., 2] + cy - v], -1
    )
    # foreground and background (points at infinity) alike
    assert np.abs(res.flow - expect).max() < 2e-3


def test_level_camera_pan_left_moves_image_right_by_tan_formula():
    # A level camera turning left by `yaw` about the vertical: a pixel at horizontal angle
    # theta = atan((u - cx) / fx) goes to fx * tan(theta + yaw) + cx, on every row.
    eye = np.array([0.0, -3.0, 0.5])
    cam_t = make_camera(eye, [0.0, 0.0, 0.5])
    yaw = np.deg2rad(3.0)
    cam_o = make_camera(eye, eye + rot_z(yaw) @ np.array([0.0, 3.0, 0.0]))
    poses = np.stack([sphere_pose([0, 0, 0.5]), np.eye(4)])
    ft = raycast(cam_t, [0.5], poses[:1], ground_id=2)
    fo = raycast(cam_o, [0.5], poses[:1], ground_id=2)
    res = compute_flow(ft["depth"], ft["seg"], cam_t, cam_o, poses, poses, fo["depth"])
    fx, cx = cam_t.K[0, 0], cam_t.K[0, 2]
    u = np.arange(W) + 0.5
    dx = fx * np.tan(np.arctan((u - cx) / fx) + yaw) + cx - u
    assert (dx > 0).all()
    np.testing.assert_allclose(res.flow[..., 0], np.broadcast_to(dx, (H, W)), atol=2e-3)


def test_camera_truck_flow_is_fx_times_shift_over_depth():
    # Sideways camera translation by s (camera +x): a static point at depth z moves by
    # dx = -fx * s / z, dy = 0.
    s = 0.05
    cam_t = make_camera([0.0, -3.0, 1.0], [0.0, 0.0, 1.0])
    cam_o = make_camera([s, -3.0, 1.0], [s, 0.0, 1.0])
    poses = np.stack([sphere_pose([0, 0, 0.5]), np.eye(4)])
    ft = raycast(cam_t, [0.5], poses[:1], ground_id=2)
    fo = raycast(cam_o, [0.5], poses[:1], ground_id=2)
    res = compute_flow(ft["depth"], ft["seg"], cam_t, cam_o, poses, poses, fo["depth"])
    fg = ft["depth"] > 0
    fx = cam_t.K[0, 0]
    expect = -fx * s / ft["depth"][fg]
    assert np.abs(res.flow[fg][:, 0] - expect).max() < 1e-3
    assert np.abs(res.flow[fg][:, 1]).max() < 1e-3
    # background at infinity does not move under translation
    assert np.abs(res.flow[~fg]).max() < 1e-4


def test_object_moving_right_has_positive_dx():
    cam = make_camera([0.0, -3.0, 1.0], [0.0, 0.0, 0.5])
    p_t = np.stack([sphere_pose([0.0, 0.0, 0.5]), np.eye(4)])
    p_o = np.stack([sphere_pose([0.05, 0.0, 0.5]), np.eye(4)])  # world +x = image right here
    ft = raycast(cam, [0.5], p_t[:1], ground_id=2)
    fo = raycast(cam, [0.5], p_o[:1], ground_id=2)
    res = compute_flow(ft["depth"], ft["seg"], cam, cam, p_t, p_o, fo["depth"])
    sphere = ft["seg"] == 1
    dx = res.flow[..., 0][sphere]
    assert (dx > 0).all()
    # 5 cm at ~3 m: about fx * 0.05 / z pixels
    fx = cam.K[0, 0]
    np.testing.assert_allclose(dx, fx * 0.05 / ft["depth"][sphere], rtol=0.02)
    ground = ft["seg"] == 2
    assert np.abs(res.flow[ground]).max() < 1e-3


def _moving_pair(direction: int):
    """Frames t and o of a sphere sliding and spinning past another, camera dollying."""
    cam_t = make_camera([0.0, -3.0, 1.2], [0.0, 0.0, 0.4])
    cam_o = make_camera([0.03 * direction, -2.96, 1.2], [0.0, 0.0, 0.4])
    p_t = np.stack([sphere_pose([-0.5, -0.6, 0.3], 0.0), sphere_pose([0.2, 0.3, 0.4]), np.eye(4)])
    p_o = np.stack(
        [
            sphere_pose([-0.5 + 0.12 * direction, -0.6, 0.3], 0.15 * direction),
            sphere_pose([0.2, 0.3, 0.4]),
            np.eye(4),
        ]
    )
    radii = [0.3, 0.4]
    ft = raycast(cam_t, radii, p_t[:2], ground_id=3)
    fo = raycast(cam_o, radii, p_o[:2], ground_id=3)
    return cam_t, cam_o, p_t, p_o, ft, fo


@pytest.mark.parametrize("direction", [1, -1], ids=["forward", "backward"])
def test_warping_other_frame_with_flow_reproduces_frame(direction):
    cam_t, cam_o, p_t, p_o, ft, fo = _moving_pair(direction)
    res = compute_flow(ft["depth"], ft["seg"], cam_t, cam_o, p_t, p_o, fo["depth"])
    warped = warp(fo["rgb"], res.flow)
    err_flow = np.abs(warped - ft["rgb"]).mean(-1)
    err_none = np.abs(fo["rgb"] - ft["rgb"]).mean(-1)
    ok = ~res.occluded
    assert 0.9 < ok.mean() < 0.99
    assert err_none[ok].mean() > 0.02  # the frames really differ
    # All non-occluded pixels: bilinear sampling still mixes surfaces across silhouettes.
    assert err_flow[ok].mean() < 0.2 * err_none[ok].mean()
    # Pixels whose 2x2 bilinear footprint in frame o lies on their own object: near exact.
    x = np.clip(np.arange(W) + res.flow[..., 0], 0, W - 1)
    y = np.clip(np.arange(H)[:, None] + res.flow[..., 1], 0, H - 1)
    x0, y0 = np.floor(x).astype(int), np.floor(y).astype(int)
    x1, y1 = np.minimum(x0 + 1, W - 1), np.minimum(y0 + 1, H - 1)
    so, st = fo["seg"], ft["seg"]
    clean = ok & (so[y0, x0] == st) & (so[y0, x1] == st) & (so[y1, x0] == st) & (so[y1, x1] == st)
    assert clean.mean() > 0.9
    assert err_flow[clean].mean() < 0.05 * err_none[clean].mean()
    assert err_flow[clean].max() < 0.05


def test_occlusion_where_moving_sphere_covers_and_uncovers_another():
    # Sphere 1 (in front) moves right across sphere 2 (behind).  Forward flow: points of
    # sphere 2 that sphere 1 covers at o are occluded.  Compared with the analytic answer: the
    # moved point is hidden iff the ray-cast of frame o sees something nearer at its pixel.
    cam = make_camera([0.0, -3.0, 0.5], [0.0, 0.0, 0.5])
    p_t = np.stack([sphere_pose([-0.2, -1.0, 0.5]), sphere_pose([0.0, 0.5, 0.5])])
    p_o = np.stack([sphere_pose([0.1, -1.0, 0.5]), sphere_pose([0.0, 0.5, 0.5])])
    radii = [0.25, 0.5]
    ft = raycast(cam, radii, p_t)
    fo = raycast(cam, radii, p_o)
    fwd = compute_flow(ft["depth"], ft["seg"], cam, cam, p_t, p_o, fo["depth"])
    bwd = compute_flow(fo["depth"], fo["seg"], cam, cam, p_o, p_t, ft["depth"])

    back_t = ft["seg"] == 2
    # sphere 2 does not move: its pixels map to themselves; hidden at o iff id at o is 1
    covered = back_t & (fo["seg"] == 1)
    assert covered.sum() > 100
    # compare away from sphere 1's silhouette at o (one-pixel tolerance band)
    edge = np.zeros_like(covered)
    s1 = fo["seg"] == 1
    edge[:-1] |= s1[:-1] != s1[1:]
    edge[1:] |= s1[:-1] != s1[1:]
    edge[:, :-1] |= s1[:, :-1] != s1[:, 1:]
    edge[:, 1:] |= s1[:, :-1] != s1[:, 1:]
    from scipy.ndimage import binary_dilation

    band = binary_dilation(edge, iterations=2)
    sel = back_t & ~band
    np.testing.assert_array_equal(fwd.occluded[sel], covered[sel])
    # sphere 1 itself stays visible (it is in front)
    assert not fwd.occluded[ft["seg"] == 1].any()

    # backward flow (o -> t): sphere 2 pixels uncovered at o were hidden at t
    back_o = fo["seg"] == 2
    uncovered = back_o & (ft["seg"] == 1)
    assert uncovered.sum() > 100
    s1t = ft["seg"] == 1
    edge_t = np.zeros_like(s1t)
    edge_t[:-1] |= s1t[:-1] != s1t[1:]
    edge_t[1:] |= s1t[:-1] != s1t[1:]
    edge_t[:, :-1] |= s1t[:, :-1] != s1t[:, 1:]
    edge_t[:, 1:] |= s1t[:, :-1] != s1t[:, 1:]
    sel_o = back_o & ~binary_dilation(edge_t, iterations=2)
    np.testing.assert_array_equal(bwd.occluded[sel_o], uncovered[sel_o])


def test_offscreen_and_absent_objects_are_occluded():
    cam = make_camera([0.0, -3.0, 0.5], [0.0, 0.0, 0.5])
    p_t = np.stack([sphere_pose([0.0, 0.0, 0.5])])
    p_o = np.stack([sphere_pose([5.0, 0.0, 0.5])])  # far off to the right
    ft = raycast(cam, [0.4], p_t)
    fo = raycast(cam, [0.4], p_o)
    res = compute_flow(ft["depth"], ft["seg"], cam, cam, p_t, p_o, fo["depth"])
    assert res.occluded[ft["seg"] == 1].all()
    assert not res.occluded[ft["seg"] == 0].any()
    res2 = compute_flow(
        ft["depth"], ft["seg"], cam, cam, p_t, p_t, ft["depth"], present_o=np.array([False])
    )
    assert res2.occluded[ft["seg"] == 1].all()


def test_nan_pose_of_an_object_without_pixels_does_not_spoil_the_others():
    # an object absent at t (NaN or zero pose) owns no pixel: the rest of the flow is exact
    cam = make_camera([0.0, -3.0, 0.5], [0.0, 0.0, 0.5])
    p = np.stack([sphere_pose([0.0, 0.0, 0.5]), np.full((4, 4), np.nan), np.zeros((4, 4))])
    f = raycast(cam, [0.4], p[:1])
    res = compute_flow(f["depth"], f["seg"], cam, cam, p, p, f["depth"])
    assert np.abs(res.flow).max() < 1e-3 and not res.occluded.any()


def test_background_covered_by_object_is_occluded():
    cam = make_camera([0.0, -3.0, 0.5], [0.0, 0.0, 0.5])
    p_t = np.stack([sphere_pose([-0.6, 0.0, 0.5])])
    p_o = np.stack([sphere_pose([0.6, 0.0, 0.5])])
    ft = raycast(cam, [0.3], p_t)
    fo = raycast(cam, [0.3], p_o)
    res = compute_flow(ft["depth"], ft["seg"], cam, cam, p_t, p_o, fo["depth"])
    bg = ft["seg"] == 0
    covered = fo["seg"] > 0
    # exact away from the sphere's outline at o (the 2x2 rule lets the background show
    # within a pixel of it)
    from scipy.ndimage import binary_dilation, binary_erosion

    band = binary_dilation(covered) & ~binary_erosion(covered, np.ones((3, 3), bool))
    sel = bg & ~band
    assert (sel & covered).sum() > 100
    np.testing.assert_array_equal(res.occluded[sel], covered[sel])
    assert not res.occluded[bg & band & ~covered].any()


def test_visible_in_depth_tolerance_rule():
    depth = np.full((4, 4), 2.0, np.float32)
    depth[:, 2:] = 0.0  # background on the right half
    x = np.array([0.5, 0.5, 0.5, 3.5])
    y = np.array([0.5, 0.5, 0.5, 0.5])
    z = np.array([2.0 * 1.01 + 0.005 - 1e-4, 2.0 * 1.01 + 0.005 + 1e-3, 1.0, 50.0])
    np.testing.assert_array_equal(visible_in_depth(x, y, z, depth), [True, False, True, True])


def test_bad_inputs_raise_input_error():
    cam = make_camera([0.0, -3.0, 0.5], [0.0, 0.0, 0.5])
    d = np.ones((H, W), np.float32)
    seg = np.full((H, W), 3, np.uint16)
    poses = np.stack([np.eye(4)])
    with pytest.raises(InputError, match="segmentation id 3"):
        compute_flow(d, seg, cam, cam, poses, poses, d)
    with pytest.raises(InputError, match="same"):
        compute_flow(d[:10], seg, cam, cam, poses, poses, d)


def test_warp_with_constant_flow_shifts_image():
    img = np.arange(48, dtype=np.float32).reshape(6, 8)
    flow = np.zeros((6, 8, 2), np.float32)
    flow[..., 0] = 1.0
    out = warp(img, flow)
    np.testing.assert_allclose(out[:, :-1], img[:, 1:])
    flow[..., 0] = 0.5
    np.testing.assert_allclose(warp(img, flow)[:, :-1], 0.5 * (img[:, :-1] + img[:, 1:]))


def test_compute_flow_512_is_fast():
    cam_t = make_camera([0.0, -3.0, 1.2], [0.0, 0.0, 0.4], 512, 512)
    cam_o = make_camera([0.03, -2.96, 1.2], [0.0, 0.0, 0.4], 512, 512)
    p = np.stack([sphere_pose([0.2, 0.3, 0.4]), np.eye(4)])
    ft = raycast(cam_t, [0.4], p[:1], ground_id=2)
    fo = raycast(cam_o, [0.4], p[:1], ground_id=2)
    compute_flow(ft["depth"], ft["seg"], cam_t, cam_o, p, p, fo["depth"])
    best = np.inf
    for _ in range(5):
        t0 = time.perf_counter()
        compute_flow(ft["depth"], ft["seg"], cam_t, cam_o, p, p, fo["depth"])
        best = min(best, time.perf_counter() - t0)
    # the brief asks for well under 50 ms; generous bound so a busy CI box does not flake
    assert best < 0.15, best


def test_pose_to_matrix_is_the_pose_convention_used():
    # sphere_pose matrices round-trip through the Trajectory helper (guards the convention
    # that poses are object-to-world)
    m = sphere_pose([1.0, 2.0, 3.0], 0.3)
    from physreel.physics.trajectory import matrix_to_quat

    np.testing.assert_allclose(pose_to_matrix(m[:3, 3], matrix_to_quat(m[:3, :3])), m, atol=1e-12)
