"""The GL renderer: its exact outputs against the numpy references, its look against a
supersampled reference, the floor's lighting tables, shadows, and the reuse of one context."""

from __future__ import annotations

import numpy as np
import pytest

import physreel
from conftest import scene_dict


def _open(data):
    """(renderer, trajectory, views) of a scene dict (simulated); the caller closes the renderer."""
    from physreel.assembly import build
    from physreel.physics.simulate import simulate
    from physreel.rendering.stream import camera_views, open_renderer

    scene = physreel.load_scene(data)
    assembly = build(scene)
    traj = simulate(assembly)
    w, h = scene.resolution
    return open_renderer(assembly, traj, w, h), traj, camera_views(scene, scene.cameras[0], traj, w, h)


def _poses(traj, f):
    from physreel.rendering.passes import object_poses

    return object_poses(traj, f)


MOVING = scene_dict(
    [{"name": "ball", "shape": {"type": "sphere", "radius": 0.3}, "position": [-0.6, 0, 0.8], "velocity": [3.0, 0.5, 0],
      "angular_velocity": [0, 0, 5]},
     {"name": "box", "shape": {"type": "box", "size": [0.4, 0.3, 0.5]}, "position": [0.6, 0.3, 1.1], "rotation": [20, 30, 0],
      "velocity": [-2.0, 0, 0.8], "angular_velocity": [3, 1, 0]}],
    duration=0.25, resolution=[96, 72], gravity=[0, 0, 0],
    cameras=[{"position": [0.2, -3.2, 1.5], "look_at": [0, 0, 0.8], "fov": 50,
              "motion": [{"type": "orbit", "degrees": 25}, {"type": "dolly", "distance": 0.6}]}])


@pytest.mark.parametrize("direction", ["next", "prev"])
def test_gpu_motion_equals_the_numpy_flow_and_occlusion(direction):
    # The geometry pass carries each pixel's surface point to the other frame on the GPU; the
    # numpy reference lifts the pixel with its depth and moves it with the poses.  Same flow to
    # float32 rounding, same occlusion.
    from physreel.rendering.flow import compute_flow, occlusion_from_motion

    r, traj, views = _open(MOVING)
    with r:
        t, o = 3, (4 if direction == "next" else 2)
        other = (views[o], _poses(traj, o))
        kw = {"next_": other} if direction == "next" else {"prev": other}
        res = r.render(views[t], _poses(traj, t), traj.present[t], {"gt", f"motion_{direction}"}, **kw)
        res_o = r.render(views[o], _poses(traj, o), traj.present[o], {"gt"})
    ground = np.eye(4)[None]
    pt = np.concatenate([ground, _poses(traj, t)])
    po = np.concatenate([ground, _poses(traj, o)])
    present_o = np.concatenate([[True], traj.present[o]])
    ref = compute_flow(res["depth"], res["segmentation"], views[t], views[o], pt, po, res_o["depth"], present_o)
    motion = res[f"motion_{direction}"]
    fg = res["segmentation"] > 0
    assert fg.mean() > 0.3 and (res["segmentation"] >= 2).sum() > 300 and (~fg).sum() > 300
    assert np.abs(ref.flow).max() > 3.0  # things really move
    err = np.abs(motion.flow - ref.flow).max(axis=-1)
    assert err[fg].max() < 2e-3 and err[~fg].max() < 2e-3, (err[fg].max(), err[~fg].max())
    occ = occlusion_from_motion(motion.flow, motion.depth, res["depth"], res["segmentation"], res_o["depth"], present_o)
    assert 0.001 < ref.occluded.mean() < 0.9
    assert (occ != ref.occluded).mean() < 1e-3


def test_depth_comes_from_the_depth_buffer_exactly():
    # z-depth is near / (reversed depth buffer value): exact to float32 rounding on a plane
    h = 1.3
    r, traj, views = _open(scene_dict([], duration=0.1, resolution=[80, 60],
                                      cameras=[{"position": [0, -3, h], "look_at": [0, -1, 0], "fov": 60}]))
    with r:
        res = r.render(views[0], _poses(traj, 0), None, {"gt"})
    k, w2c = views[0].K, views[0].world_to_camera
    v, u = np.nonzero(res["segmentation"] == 1)
    z = res["depth"][v, u]
    ray = np.stack([(u + 0.5 - k[0, 2]) / k[0, 0], (v + 0.5 - k[1, 2]) / k[1, 1], np.ones_like(z)], 1)
    world = (ray * z[:, None] - w2c[:3, 3]) @ w2c[:3, :3]  # camera -> world (rotation is orthonormal)
    assert len(z) > 2000
    assert np.abs(world[:, 2]).max() < 1e-4 * np.maximum(z, 1).max()  # every floor pixel lies on z = 0


def _silhouette_errors(looks, size=128, factor=4):
    """Mean |error| (8-bit levels) on silhouette pixels of each look against a box-filtered
    render ``factor`` times larger without anti-aliasing."""
    data = scene_dict(
        [{"name": "ball", "shape": {"type": "sphere", "radius": 0.35}, "position": [-0.5, 0, 0.35], "material": "rubber"},
         {"name": "box", "shape": {"type": "box", "size": [0.5, 0.5, 0.5]}, "position": [0.5, 0.2, 0.25],
          "rotation": [0, 0, 35], "material": "plastic"}],
        duration=0.1, resolution=[size, size], cameras=[{"position": [0.3, -2.6, 1.3], "look_at": [0, 0, 0.3], "fov": 45}])

    def frame(look, aa, s):
        d = {**data, "resolution": [s, s], "render": {"look": look, "antialias": aa}}
        r, traj, views = _open(d)
        with r:
            return r.render(views[0], _poses(traj, 0), None, {"rgb", "gt"})

    big = frame("fast", False, size * factor)
    lin = (big["rgb"].astype(np.float64) / 255) ** 2.2
    ref = (lin.reshape(size, factor, size, factor, 3).mean(axis=(1, 3)) ** (1 / 2.2)) * 255
    seg = big["segmentation"].reshape(size, factor, size, factor)
    edge = seg.min(axis=(1, 3)) != seg.max(axis=(1, 3))
    out = {}
    for look, aa in looks:
        img = frame(look, aa, size)["rgb"].astype(np.float64)
        out[(look, aa)] = (np.abs(img - ref).mean(-1)[edge].mean(), np.abs(img - ref).mean(-1)[~edge].mean())
    return out


def test_anti_aliasing_of_every_look_approaches_a_supersampled_reference():
    e = _silhouette_errors([("fast", False), ("fast", True), ("standard", True), ("high", True)])
    none = e[("fast", False)][0]
    assert none > 8.0  # the aliasing the test is about is there
    assert e[("fast", True)][0] < 0.75 * none, e  # post-process AA (measured 0.58)
    assert e[("standard", True)][0] < 0.75 * none, e  # 4x MSAA (measured 0.48)
    assert e[("high", True)][0] < 0.75 * none, e
    for key, (_, interior) in e.items():  # away from silhouettes every look is the same image
        assert interior < 2.5, (key, interior)


def test_floor_tables_match_the_brdf_between_their_texels():
    from physreel.rendering.floor_lighting import LUT_SIZE, brdf_terms, light_terms

    rng = np.random.default_rng(3)
    to_light = np.array([0.45, -0.6, 1.0]) / np.linalg.norm([0.45, -0.6, 1.0])
    a_tab, b_tab = light_terms(to_light, 0.85)
    # random view directions above the floor, down to 2 degrees of grazing
    elev = np.radians(rng.uniform(2, 90, 4000))
    azim = rng.uniform(0, 2 * np.pi, 4000)
    v = np.stack([np.cos(elev) * np.cos(azim), np.cos(elev) * np.sin(azim), np.sin(elev)], 1)
    a, b = brdf_terms(v, to_light, 0.85)
    # the GPU's bilinear lookup: texel centres at (i + 0.5) / size of s / 2 + 1/2
    st = (v[:, :2] / (1 + v[:, 2:3]) * 0.5 + 0.5) * LUT_SIZE - 0.5
    i0 = np.clip(np.floor(st).astype(int), 0, LUT_SIZE - 2)
    f = np.clip(st - i0, 0, 1)

    def lerp(t):
        t00, t01 = t[i0[:, 1], i0[:, 0]], t[i0[:, 1], i0[:, 0] + 1]
        t10, t11 = t[i0[:, 1] + 1, i0[:, 0]], t[i0[:, 1] + 1, i0[:, 0] + 1]
        return (t00 * (1 - f[:, 0]) + t01 * f[:, 0]) * (1 - f[:, 1]) + (t10 * (1 - f[:, 0]) + t11 * f[:, 0]) * f[:, 1]

    # in the shader a light of intensity 3.2 multiplies A (by the floor colour) and B; keep the
    # error of both under a quarter of an 8-bit level of linear light
    assert np.abs(lerp(a_tab) - a).max() * 3.2 < 0.25 / 255 * 4
    assert np.abs(lerp(b_tab) - b).max() * 3.2 < 0.25 / 255 * 4


def test_a_box_shadows_the_floor_where_the_light_is_blocked():
    # light along (1, 0, -1): the shadow of a box at height 0.5..0.9 lies 0.5..0.9 m further in +x
    data = scene_dict(
        [{"name": "box", "shape": {"type": "box", "size": [0.3, 0.3, 0.4]}, "position": [-0.6, 0, 0.7], "static": True}],
        duration=0.1, resolution=[96, 96], ambient=0.3, ground={"texture": "none"},
        lights=[{"type": "directional", "direction": [1, 0, -1], "intensity": 3.0, "shadows": True}],
        cameras=[{"position": [0, 0, 4.0], "look_at": [0, 0, 0], "fov": 50}])
    r, traj, views = _open(data)
    with r:
        res = r.render(views[0], _poses(traj, 0), None, {"rgb", "gt"})
    from physreel.colors import srgb_to_linear

    luma = srgb_to_linear(res["rgb"] / 255.0).mean(-1)  # linear light
    view = views[0]
    floor = res["segmentation"] == 1

    def pixel(x, y):
        uv, _ = view.project(np.array([x, y, 0.0]))
        return int(uv[1]), int(uv[0])

    in_shadow = luma[pixel(-0.6 + 0.7, 0.0)]  # below the box's centre along the light
    lit = luma[pixel(0.9, 0.6)]
    assert floor[pixel(-0.6 + 0.7, 0.0)] and floor[pixel(0.9, 0.6)]
    # the sky still lights the shadow (a third of the light here), the sun does not
    assert in_shadow < 0.5 * lit, (in_shadow, lit)
    assert luma[pixel(-0.6 + 0.7, 0.45)] > 0.9 * lit  # beside the shadow: lit


def test_shadow_map_fits_the_casters_and_keeps_its_texel_grid_while_they_rest():
    from physreel.rendering.lights import directional_shadow_matrix

    d = np.array([-0.45, 0.6, -1.0]) / np.linalg.norm([-0.45, 0.6, -1.0])
    centres = np.array([[0.0, 0.0, 0.2], [1.5, -0.5, 0.1], [0.3, 0.8, 1.4]])
    radii = np.array([0.2, 0.15, 0.3])
    m = directional_shadow_matrix(d, centres, radii, 1024)
    for c, rad in zip(centres, radii, strict=True):
        for s in np.eye(3) * rad:
            for p in (c + s, c - s):
                q = m @ np.append(p, 1.0)
                assert np.all(np.abs(q[:2]) <= 1.0) and 0.0 <= q[2] <= 1.0
    # resting objects jitter by micrometres: the map must not move
    assert np.array_equal(m, directional_shadow_matrix(d, centres + 1e-6, radii, 1024))
    # and the fit is tight: along its longer side the casters' footprint spans most of the map
    # (the size is rounded up to a power of 2^(1/4): at least 1 / 1.19 of it)
    q = np.array([m @ np.append(c, 1.0) for c in centres])
    scale = np.linalg.norm(m[0, :3])
    span = max(np.ptp(np.concatenate([q[:, a] - radii * scale, q[:, a] + radii * scale])) for a in (0, 1))
    assert 1.6 < span <= 2.0


def test_one_context_serves_render_after_render_with_the_same_pixels():
    from physreel.rendering.gl import context

    data = scene_dict([{"name": "ball", "shape": {"type": "sphere", "radius": 0.3}, "position": [0, 0, 0.3]}],
                      duration=0.1, resolution=[64, 48])
    r, traj, views = _open(data)
    with r:
        first = r.render(views[0], _poses(traj, 0), None, {"rgb", "gt", "motion_next"},
                         next_=(views[1], _poses(traj, 1)))
    ctx = context()
    programs = len(ctx.programs)
    r, traj, views = _open(data)
    with r:
        second = r.render(views[0], _poses(traj, 0), None, {"rgb", "gt", "motion_next"},
                          next_=(views[1], _poses(traj, 1)))
    assert context() is ctx and len(ctx.programs) == programs  # nothing compiled again
    assert np.array_equal(first["rgb"], second["rgb"])
    assert np.array_equal(first["depth"], second["depth"])
    assert np.array_equal(first["motion_next"].flow, second["motion_next"].flow)
