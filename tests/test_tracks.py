"""TAP-Vid tracks: projection of the poses, and occlusion exactly where the depth map hides."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh

from physreel.errors import InputError
from physreel.rendering.tracks import TrackAccumulator, sample_surface_points
from test_flow import make_camera, raycast, sphere_pose  # the analytic ray-caster

T = 12
RADII = [0.3, 0.35]


def _poses(frame: int) -> np.ndarray:
    # object 0 slides right (and spins) from x=-1 to x=+1 at y=+0.8 (far), passing behind
    # object 1, which stands still at y=-0.5 (near).
    x = -1.0 + 2.0 * frame / (T - 1)
    return np.stack([sphere_pose([x, 0.8, 0.5], 0.3 * frame), sphere_pose([0.0, -0.5, 0.5])])


def _run(points, objs, cam):
    acc = TrackAccumulator(points, objs, T, cam.width, cam.height)
    frames = []
    for t in range(T):
        poses = _poses(t)
        f = raycast(cam, RADII, poses)
        acc.update(t, cam, poses, f["depth"], present=np.array([True, True]))
        frames.append(f)
    return acc.result(), frames


@pytest.fixture(scope="module")
def tracked():
    cam = make_camera([0.0, -3.0, 0.5], [0.0, 0.0, 0.5], 320, 240)
    meshes = [trimesh.creation.icosphere(subdivisions=4, radius=r) for r in RADII]
    points, objs = sample_surface_points(
        meshes, [400, 200], np.random.Generator(np.random.PCG64(7))
    )
    res, frames = _run(points, objs, cam)
    return cam, points, objs, res, frames


def test_sample_surface_points_area_weighted_and_deterministic():
    box = trimesh.creation.box(extents=[1.0, 2.0, 4.0])
    rng = np.random.Generator(np.random.PCG64(0))
    p, o = sample_surface_points([box, box], [20000, 3], rng)
    assert p.shape == (20003, 3) and o.tolist() == [0] * 20000 + [1] * 3
    # every point lies on the surface
    assert np.abs(np.abs(p[:20000]) - [0.5, 1.0, 2.0]).min(axis=1).max() < 1e-9
    # face areas 2 (x faces: 2*4=8 each), y faces 1*4=4, z faces 1*2=2 -> fractions 8:4:2
    on_x = np.isclose(np.abs(p[:20000, 0]), 0.5)
    on_z = np.isclose(np.abs(p[:20000, 2]), 2.0)
    assert on_x.mean() == pytest.approx(16 / 28, abs=0.015)
    assert on_z.mean() == pytest.approx(4 / 28, abs=0.015)
    p2, _ = sample_surface_points([box, box], [20000, 3], np.random.Generator(np.random.PCG64(0)))
    np.testing.assert_array_equal(p, p2)
    with pytest.raises(InputError, match="one count per mesh"):
        sample_surface_points([box], [1, 2], rng)


def test_tracks_equal_projection_of_poses(tracked):
    cam, points, objs, res, _ = tracked
    idx = res["point_index"]
    assert res["tracks_2d"].shape == (len(idx), T, 2) and res["tracks_2d"].dtype == np.float32
    for t in range(T):
        poses = _poses(t)
        world = (
            np.einsum("nij,nj->ni", poses[objs[idx], :3, :3], points[idx]) + poses[objs[idx], :3, 3]
        )
        uv, z = cam.project(world)
        np.testing.assert_allclose(res["tracks_2d"][:, t], uv, atol=2e-3)
        cam_pts = world @ cam.world_to_camera[:3, :3].T + cam.world_to_camera[:3, 3]
        np.testing.assert_allclose(res["tracks_3d"][:, t], cam_pts, atol=1e-5)
        np.testing.assert_allclose(res["tracks_3d"][:, t, 2], z, atol=1e-5)
    np.testing.assert_array_equal(res["point_object"], objs[idx])


def _analytic_hidden(cam, world, obj, poses):
    """Hidden iff on the far side of its own sphere or the ray to it hits the other sphere.

    Also returns the points too close to a silhouette to compare exactly.
    """
    eye = cam.position
    hidden = np.zeros(len(world), bool)
    grazing = np.zeros(len(world), bool)
    for k in range(2):
        c, r = poses[k, :3, 3], RADII[k]
        d = world - eye
        # own sphere: back-facing
        own = obj == k
        n = (world - c) / r
        cosang = np.sum(n * d, 1) / np.linalg.norm(d, axis=1)
        hidden |= own & (cosang > 0)
        grazing |= own & (np.abs(cosang) < 0.15)
        # other sphere in front along the segment eye -> point
        oc = eye - c
        a = np.sum(d * d, 1)
        b = 2 * np.sum(d * oc, 1)
        cc = oc @ oc - r * r
        disc = b * b - 4 * a * cc
        s = (-b - np.sqrt(np.maximum(disc, 0))) / (2 * a)
        other = ~own
        hidden |= other & (disc > 0) & (s > 0) & (s < 1 - 1e-6)
        # within 2 px of either sphere's silhouette the 2x2 depth neighbourhood straddles the
        # outline: excluded from the exact comparison
        dist = np.linalg.norm(np.cross(d, -oc), axis=1) / np.linalg.norm(d, axis=1)
        px = np.linalg.norm(oc) / cam.K[0, 0]  # metres per pixel at the sphere's distance
        grazing |= np.abs(dist - r) < 2 * px
    return hidden, grazing


def test_occluded_exactly_when_depth_hides_the_point(tracked):
    cam, points, objs, res, frames = tracked
    idx = res["point_index"]
    checked = hidden_checked = 0
    for t in range(T):
        poses = _poses(t)
        world = (
            np.einsum("nij,nj->ni", poses[objs[idx], :3, :3], points[idx]) + poses[objs[idx], :3, 3]
        )
        hidden, grazing = _analytic_hidden(cam, world, objs[idx], poses)
        uv = res["tracks_2d"][:, t]
        inside = (
            (uv[:, 0] >= 0) & (uv[:, 0] < cam.width) & (uv[:, 1] >= 0) & (uv[:, 1] < cam.height)
        )
        sel = ~grazing
        np.testing.assert_array_equal(res["occluded"][sel, t], (hidden | ~inside)[sel])
        checked += sel.sum()
        hidden_checked += (sel & hidden).sum()
    # (the 2 px rim band covers ~40 % of a sphere's surface points)
    assert checked > 0.4 * len(idx) * T
    assert 0.2 * checked < hidden_checked < 0.8 * checked


def test_visibility_turns_false_when_passing_behind_and_back(tracked):
    cam, points, objs, res, _ = tracked
    front_of_0 = (res["point_object"] == 0) & ~res["occluded"][:, 0] & ~res["occluded"][:, -1]
    assert front_of_0.sum() > 20
    # the middle frame has object 0 straight behind object 1 (which covers it completely)
    mid = (T - 1) // 2
    assert res["occluded"][res["point_object"] == 0, mid].mean() > 0.9
    # object 1 (front, still) points seen at frame 0 stay visible throughout
    front_1 = (res["point_object"] == 1) & ~res["occluded"][:, 0]
    assert front_1.sum() > 20 and not res["occluded"][front_1].any()


def test_query_points_and_dropping_of_never_visible_points(tracked):
    _, points, objs, res, _ = tracked
    occ = res["occluded"]
    assert (~occ).any(axis=1).all()  # every kept point is visible somewhere
    n_total = len(points)
    assert 0 < len(res["point_index"]) < n_total  # back of the still sphere is never seen
    q = res["query_points"]
    t = q[:, 0].astype(int)
    rows = np.arange(len(t))
    assert not occ[rows, t].any()
    assert all(occ[i, : t[i]].all() for i in rows)
    np.testing.assert_array_equal(q[:, 1], res["tracks_2d"][rows, t, 1])
    np.testing.assert_array_equal(q[:, 2], res["tracks_2d"][rows, t, 0])
    assert q.dtype == np.float32


def test_absent_objects_and_missing_frames_are_occluded():
    cam = make_camera([0.0, -3.0, 0.5], [0.0, 0.0, 0.5])
    pts = np.array([[0.0, -0.35, 0.0], [0.0, -0.3, 0.0]])  # front of both spheres
    acc = TrackAccumulator(pts, np.array([1, 0]), 3, cam.width, cam.height)
    poses = np.stack([sphere_pose([0.0, 0.8, 0.5]), sphere_pose([1.0, -0.5, 0.5])])
    poses[:, :3, :3] = np.eye(3)
    f = raycast(cam, RADII, poses)
    acc.update(0, cam, poses, f["depth"])
    acc.update(1, cam, poses, f["depth"], present=np.array([True, False]))
    r = acc.result()
    np.testing.assert_array_equal(r["occluded"], [[False, True, True], [False, False, True]])
    assert np.isnan(r["tracks_2d"][:, 2]).all()
    with pytest.raises(InputError, match="frame_index 3"):
        acc.update(3, cam, poses, f["depth"])
