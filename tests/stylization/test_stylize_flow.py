"""Exact flow, occlusion and warp-safety between any two frames (physreel.stylization.flow)."""

from __future__ import annotations

import numpy as np
import pytest

import physreel
from physreel.errors import ArgumentError, InputError
from physreel.stylization.flow import (
    flow_between,
    landing_taps_match,
    occlusion_between,
    warp_safe_between,
)
from physreel.stylization.source import RenderFrames


def test_neighbour_flow_matches_the_rendered_backward_pass(render_dir):
    """flow_between(t, t-1) from metadata + depth reproduces the flow_backward pass."""
    fr = RenderFrames(render_dir)
    rendered = fr.array("flow_backward")
    occ = fr.array("occlusion_backward")
    for t in (1, 9, 20):
        res = flow_between(fr, t, t - 1)
        vis = ~np.asarray(occ[t])
        # metadata stores poses to 1e-7 m and cameras to 1e-9 (sub-millipixel differences); the
        # depth it reprojects is stored to 0.5 mm (compact storage): a few millipixels here
        assert np.abs(res.flow[vis] - rendered[t][vis]).max() < 5e-3
        assert (res.occluded == occ[t]).mean() > 0.999


def test_flow_across_many_frames_agrees_with_chained_neighbour_flows(render_dir):
    """Direct flow t -> k equals following the backward flow one frame at a time (an independent
    composition), to within the bilinear sampling error of the chain."""
    fr = RenderFrames(render_dir)
    seg = fr.array("segmentation")
    t, k = 18, 12
    direct = flow_between(fr, t, k)
    h, w = seg.shape[1:]
    x = np.arange(w, dtype=np.float32)[None, :].repeat(h, 0) + 0.5
    y = np.arange(h, dtype=np.float32)[:, None].repeat(w, 1) + 0.5
    ok = ~direct.occluded
    for f in range(t, k, -1):
        step = flow_between(fr, f, f - 1)
        xi = np.clip(np.floor(x).astype(int), 0, w - 1)
        yi = np.clip(np.floor(y).astype(int), 0, h - 1)
        ok &= ~step.occluded[yi, xi]
        x = x + step.flow[yi, xi, 0]
        y = y + step.flow[yi, xi, 1]
    # compare on the moving ball and the static scene, away from silhouettes
    interior = ok & (np.asarray(seg[t]) >= 1)
    err = np.hypot(x - 0.5 - np.arange(w) - direct.flow[..., 0], y - 0.5 - np.arange(h)[:, None] - direct.flow[..., 1])
    assert interior.sum() > 1000
    assert np.median(err[interior]) < 0.35
    moving = interior & (np.asarray(seg[t]) == 2)  # the ball moves several pixels per frame
    assert moving.sum() > 20
    assert np.abs(direct.flow[moving]).max() > 5  # it really moved across the 6 frames
    assert np.median(err[moving]) < 0.6


def test_flow_to_the_same_frame_is_zero(render_dir):
    res = flow_between(render_dir, 7, 7)
    assert np.abs(res.flow).max() < 1e-3
    assert not res.occluded.any()


def test_the_ball_is_occluded_where_it_has_moved_away(render_dir):
    """The ball's pixels at frame 20 are not at the same place in frame 2: the ball moved on
    (flow), while pixels of the static box stay put and visible unless the ball covers them."""
    occ = occlusion_between(render_dir, 20, 2)
    res, safe = warp_safe_between(render_dir, 20, 2)
    fr = RenderFrames(render_dir)
    seg20 = np.asarray(fr.array("segmentation")[20])
    ball = seg20 == 2
    assert (occ == res.occluded).all()
    assert np.median(np.hypot(*res.flow[ball].T)) > 20
    assert not (safe & occ).any()


def test_physreel_exports_flow_between(render_dir):
    assert physreel.flow_between is flow_between
    assert physreel.stylization.flow_between is flow_between


def test_bad_frame_and_missing_pass_are_clear_errors(render_dir, tmp_path, stylize_scene):
    with pytest.raises(ArgumentError, match="0..23"):
        flow_between(render_dir, 3, 24)
    with pytest.raises(ArgumentError, match="no camera named 'side'"):
        flow_between(render_dir, 3, 2, camera="side")
    from physreel import load_scene, write

    scene = dict(stylize_scene, duration=0.25, render={"passes": ["rgb"]})
    write(load_scene(scene), tmp_path / "rgb_only")
    with pytest.raises(InputError, match="--passes depth,rgb,segmentation"):
        flow_between(tmp_path / "rgb_only", 1, 0)


def test_landing_taps_match_rejects_mixed_neighbourhoods():
    seg_t = np.zeros((6, 8), np.uint16)
    seg_t[:, 4:] = 3
    seg_k = seg_t.copy()
    flow = np.zeros((6, 8, 2), np.float32)
    assert landing_taps_match(flow, seg_t, seg_k).all()  # integer landing: one tap each
    flow[..., 0] = 0.5  # half a pixel right: column 3 now straddles ids 0 and 3
    m = landing_taps_match(flow, seg_t, seg_k)
    assert not m[:, 3].any()
    assert m[:, :3].all() and m[:, 4:7].all()
    flow[..., 0] = 0.0
    flow[2, 1, 1] = 0.25  # vertical mix inside one segment is fine
    assert landing_taps_match(flow, seg_t, seg_k)[2, 1]
