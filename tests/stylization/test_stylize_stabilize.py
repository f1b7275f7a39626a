"""The temporal stabiliser: flicker goes down, nothing ghosts, memory stays flat."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from physreel.errors import ArgumentError
from physreel.stylization.flow import landing_taps_match
from physreel.stylization.metrics import sharpness, warp_error
from physreel.stylization.source import RenderFrames
from physreel.stylization.stabilize import (
    Stabilizer,
    key_indices,
    keyframe_frames,
    raw_frames,
    stabilized_frames,
)


def _errors(fr: RenderFrames, outputs: list[np.ndarray], start: int = 4) -> dict:
    """Warp error between consecutive outputs on warp-safe pixels, and on the moving ones."""
    seg = fr.array("segmentation")
    flow_b, occ_b = fr.array("flow_backward"), fr.array("occlusion_backward")
    all_e, moving_e = [], []
    for t in range(start, fr.num_frames):
        flow = np.asarray(flow_b[t])
        safe = ~np.asarray(occ_b[t]) & landing_taps_match(flow, np.asarray(seg[t]), np.asarray(seg[t - 1]))
        moving = safe & (np.hypot(flow[..., 0], flow[..., 1]) > 0.5) & (np.asarray(seg[t]) >= 2)
        all_e.append(warp_error(outputs[t], outputs[t - 1], flow, safe))
        if moving.sum() > 10:
            moving_e.append(warp_error(outputs[t], outputs[t - 1], flow, moving))
    return {"all": float(np.mean(all_e)), "moving": float(np.mean(moving_e))}


def test_recurrent_stabiliser_cuts_flicker_three_times_without_ghosts(render_dir, flicker):
    fr = RenderFrames(render_dir)
    flicker.prepare(fr)
    raw = [img for _, img in raw_frames(fr, flicker)]
    stab = [img for _, img in stabilized_frames(fr, flicker, alpha=0.8)]
    e_raw, e_stab = _errors(fr, raw), _errors(fr, stab)
    assert e_raw["all"] > 10  # the test stylizer really flickers
    assert e_raw["all"] / e_stab["all"] >= 3.0
    # no ghosting: on moving objects the error is not above the unstabilised one either ...
    assert e_stab["moving"] <= e_raw["moving"]
    # ... and the output stays closer to the clean (flicker-free) look on moving objects
    seg = fr.array("segmentation")
    d_raw, d_stab = [], []
    for t in range(4, fr.num_frames):
        clean = flicker.clean(fr.bundle(t, flicker.needs)).astype(np.float32)
        obj = np.asarray(seg[t]) == 2  # the thrown ball
        d_raw.append(np.abs(raw[t][obj] - clean[obj]).mean())
        d_stab.append(np.abs(stab[t][obj] - clean[obj]).mean())
    assert np.mean(d_stab) < np.mean(d_raw)


def test_stabiliser_restarts_where_not_warp_safe():
    """Unsafe pixels (revealed, or next to another surface) take the new stylised frame as is;
    safe ones blend with the warped previous output."""
    st = Stabilizer(alpha=0.75)
    first = np.full((4, 6, 3), 200, np.uint8)
    second = np.full((4, 6, 3), 40, np.uint8)
    st.step(first)
    flow = np.zeros((4, 6, 2), np.float32)
    safe = np.zeros((4, 6), bool)
    safe[:, :3] = True
    out = st.step(second, flow, safe)
    assert (out[:, 3:] == 40).all()
    assert (out[:, :3] == 160).all()  # 40 + 0.75 * (200 - 40)


def test_stabiliser_follows_the_flow():
    """The previous output is sampled where the flow points, not at the same pixel."""
    st = Stabilizer(alpha=0.5)
    prev = np.zeros((3, 8, 3), np.uint8)
    prev[:, 2] = 255  # a bright column at x = 2
    st.step(prev)
    flow = np.zeros((3, 8, 2), np.float32)
    flow[..., 0] = -1.0  # pixel x came from x - 1: the column moved one pixel right
    out = st.step(np.zeros((3, 8, 3), np.uint8), flow, np.ones((3, 8), bool))
    assert (out[:, 3] == 128).all() and (out[:, 2] == 0).all()


def test_alpha_is_checked():
    with pytest.raises(ArgumentError, match="alpha"):
        Stabilizer(alpha=1.0)


def test_keyframes_propagate_keys_by_exact_flow(render_dir, flicker):
    fr = RenderFrames(render_dir)
    flicker.prepare(fr)
    calls = []

    class Counting:
        name = "counting"
        needs = flicker.needs

        def __call__(self, bundle):
            calls.append(bundle.frame)
            return flicker(bundle)

    outs = dict(keyframe_frames(fr, Counting(), every=6))
    keys = key_indices(fr.num_frames, 6)
    assert keys == [0, 6, 12, 18, 23]
    assert sorted(outs) == list(range(fr.num_frames))
    for k in keys:  # key frames are the stylizer's own output
        assert (outs[k] == flicker(fr.bundle(k, flicker.needs))).all()
    raw = [img for _, img in raw_frames(fr, flicker)]
    prop = [outs[t] for t in range(fr.num_frames)]
    e_raw, e_key = _errors(fr, raw), _errors(fr, prop)
    assert e_raw["all"] / e_key["all"] >= 3.0
    assert e_key["moving"] <= e_raw["moving"]
    # in-between frames are stylised only for pixels no key frame sees
    between = [c for c in calls if c not in keys]
    assert len(set(between)) <= fr.num_frames - len(keys)


def test_stabilised_output_keeps_most_of_the_sharpness(render_dir):
    from physreel.stylization.toon import Toon

    fr = RenderFrames(render_dir)
    toon = Toon()
    toon.prepare(fr)
    raw = [img for _, img in raw_frames(fr, toon)]
    stab = [img for _, img in stabilized_frames(fr, toon, alpha=0.8)]
    s_raw = np.mean([sharpness(i) for i in raw[4:]])
    s_stab = np.mean([sharpness(i) for i in stab[4:]])
    assert s_stab > 0.85 * s_raw


def test_memory_is_flat_in_clip_length(render_dir, flicker):
    """Peak Python memory while stabilising 6 frames and all 24 frames is the same."""
    def peak(n):
        fr = RenderFrames(render_dir)
        flicker.prepare(fr)
        tracemalloc.start()
        for t, _ in stabilized_frames(fr, flicker):
            if t + 1 >= n:
                break
        p = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        fr.close()
        return p

    short, full = peak(6), peak(24)
    assert full < 1.3 * short + 200_000
