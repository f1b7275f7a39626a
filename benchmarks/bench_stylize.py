"""Stylization: flicker before/after the exact-flow stabiliser, and its cost per frame.

Renders one scene (a ball thrown past a box, the camera orbiting) at 256x256 and 512x512 and
runs a strongly flickering per-frame stylizer (toon + a random gain and per-pixel noise every
frame) raw, with the recurrent stabiliser and in key-frame mode.  Prints the warp error between
consecutive outputs (mean |out_t - warp(out_t-1)| on warp-safe pixels, 0..255), the same on
moving object pixels, the sharpness of the clean toon look raw vs stabilised, and ms per frame.

    .venv/bin/python benchmarks/bench_stylize.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "stylize"))

from conftest import SCENE, Flicker  # noqa: E402
from physreel import load_scene, write  # noqa: E402
from physreel.stylization.flow import flow_between, landing_taps_match  # noqa: E402
from physreel.stylization.metrics import sharpness, warp_error  # noqa: E402
from physreel.stylization.source import RenderFrames  # noqa: E402
from physreel.stylization.stabilize import (  # noqa: E402
    Stabilizer,
    keyframe_frames,
    raw_frames,
    stabilized_frames,
)
from physreel.stylization.toon import Toon  # noqa: E402


def errors(fr, outs):
    seg, fb, ob = fr.array("segmentation"), fr.array("flow_backward"), fr.array("occlusion_backward")
    a, m = [], []
    for t in range(4, fr.num_frames):
        flow = np.asarray(fb[t])
        safe = ~np.asarray(ob[t]) & landing_taps_match(flow, np.asarray(seg[t]), np.asarray(seg[t - 1]))
        moving = safe & (np.hypot(*flow.transpose(2, 0, 1)) > 0.5) & (np.asarray(seg[t]) >= 2)
        a.append(warp_error(outs[t], outs[t - 1], flow, safe))
        m.append(warp_error(outs[t], outs[t - 1], flow, moving))
    return np.mean(a), np.nanmean(m)


def main() -> None:
    tmp = Path(tempfile.mkdtemp())
    for size in (256, 512):
        scene = dict(SCENE, resolution=[size, size])
        out = tmp / f"r{size}"
        write(load_scene(scene), out)
        fr = RenderFrames(out)
        fl = Flicker()
        fl.prepare(fr)
        raw = [i for _, i in raw_frames(fr, fl)]
        stab = [i for _, i in stabilized_frames(fr, fl, 0.8)]
        key = dict(keyframe_frames(fr, fl, 6))
        key = [key[t] for t in range(fr.num_frames)]
        (ra, rm), (sa, sm), (ka, km) = errors(fr, raw), errors(fr, stab), errors(fr, key)
        toon = Toon()
        toon.prepare(fr)
        clean_raw = [i for _, i in raw_frames(fr, toon)]
        clean_stab = [i for _, i in stabilized_frames(fr, toon, 0.8)]
        sh_r = np.mean([sharpness(i) for i in clean_raw[4:]])
        sh_s = np.mean([sharpness(i) for i in clean_stab[4:]])
        # cost of the stabiliser alone (rendered flow read from disk), and with flow computed
        seg = fr.array("segmentation")
        st = Stabilizer(0.8)
        st.step(clean_raw[0])
        t0 = time.perf_counter()
        for t in range(1, fr.num_frames):
            flow, occ = np.asarray(fr.array("flow_backward")[t]), np.asarray(fr.array("occlusion_backward")[t])
            st.step(clean_raw[t], flow, ~occ & landing_taps_match(flow, np.asarray(seg[t]), np.asarray(seg[t - 1])))
        ms_stab = 1000 * (time.perf_counter() - t0) / (fr.num_frames - 1)
        t0 = time.perf_counter()
        for t in range(1, fr.num_frames):
            flow_between(fr, t, t - 1)
        ms_flow = 1000 * (time.perf_counter() - t0) / (fr.num_frames - 1)
        t0 = time.perf_counter()
        for t in range(fr.num_frames):
            toon(fr.bundle(t, toon.needs))
        ms_toon = 1000 * (time.perf_counter() - t0) / fr.num_frames
        print(f"{size}x{size}, {fr.num_frames} frames")
        print(f"  warp error, all warp-safe pixels: raw {ra:.2f}  stabilised {sa:.2f} ({ra / sa:.1f}x lower)  "
              f"key frames/6 {ka:.2f} ({ra / ka:.1f}x)")
        print(f"  warp error, moving object pixels: raw {rm:.2f}  stabilised {sm:.2f}  key frames {km:.2f}")
        print(f"  sharpness of toon: raw {sh_r:.2f}  stabilised {sh_s:.2f} ({100 * sh_s / sh_r:.0f} %)")
        print(f"  ms/frame: stabiliser {ms_stab:.1f} (rendered flow) + exact flow when not rendered "
              f"{ms_flow:.1f}; toon stylizer {ms_toon:.1f}")


if __name__ == "__main__":
    main()
