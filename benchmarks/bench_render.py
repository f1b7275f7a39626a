"""The render loop alone: frames per second of each look and pass set, and a fingerprint of
the ground truth (to compare machines: llvmpipe here, an NVIDIA GPU there).

    python benchmarks/bench_render.py [--size 512] [--frames 48] [--repeats 3] [--dump OUT.npz]

The scene of ``bench_speed.py`` is simulated once; then for each configuration the frames are
streamed through the pass stream (what ``physreel render`` does between simulation and
writing: renderer, read-backs, the passes' numpy work), without writing files.  Whole-process
figures against the peer are ``bench_speed.py``'s; this isolates the renderer.

``--dump`` writes the ground truth of the first frames (depth, segmentation, normals, forward
flow) to an .npz; ``--compare OTHER.npz`` prints how far this machine's values are from it
(segmentation pixels that differ, max depth/normal/flow difference) and whether the bytes are
the same.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

GT = ("depth", "segmentation", "normals", "flow_forward")
RGB = ("rgb",)
#: (label, render settings, camera settings, passes)
CONFIGS = [
    ("fast", {"look": "fast"}, {}, RGB),
    ("fast", {"look": "fast"}, {}, ("rgb", "depth", "segmentation")),
    ("fast", {"look": "fast"}, {}, ("depth", "segmentation")),
    ("fast", {"look": "fast"}, {}, ("rgb", "depth", "segmentation", "normals", "flow_forward")),
    ("fast+soft shadows", {"look": "fast", "shadows": "soft"}, {}, RGB),
    ("fast+motion blur 0.5", {"look": "fast", "motion_blur": True}, {}, RGB),
    ("fast+depth of field f/2", {"look": "fast"}, {"aperture": 2.0}, RGB),
    ("standard", {"look": "standard"}, {}, RGB),
    ("high", {"look": "high"}, {}, RGB),
]


def setup(size: int, frames: int):
    from bench_speed import scene_yaml

    import physreel
    from physreel.assembly import build
    from physreel.physics.simulate import simulate

    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "bench.yaml"
        path.write_text(scene_yaml(frames + 1, size))
        scene = physreel.load_scene(path)
    assembly = build(scene)
    return scene, assembly, simulate(assembly)


def stream(scene, assembly, traj, render: dict, camera: dict, passes, frames: int):
    """Frames per second of the pass stream (the first frame, which compiles shaders, excluded)
    and the last bundles of the ground-truth passes."""
    import physreel
    from physreel.outputs.writer import body_geometries
    from physreel.passes import Clip
    from physreel.rendering.passes import render_passes
    from physreel.rendering.stream import camera_views, open_renderer

    r = {**scene.render.model_dump(mode="json", exclude={"shutter"}), **render}
    cams = [{**scene.cameras[0].model_dump(mode="json"), **camera}]
    sc = physreel.with_overrides(scene, render=r, cameras=cams)
    asm = type(assembly)(sc, assembly.objects, assembly.ground, assembly.warnings)
    w, h = sc.resolution
    kept = []
    with open_renderer(asm, traj, w, h) as renderer:
        views = camera_views(sc, sc.cameras[0], traj, w, h)
        it = iter(render_passes(renderer, Clip(asm, traj, "main", views, body_geometries(asm, traj)), passes))
        kept.append(next(it))
        t = time.perf_counter()
        n = 0
        for b in it:
            n += 1
            if len(kept) < 4:
                kept.append(b)
            if n >= frames:
                break
        return n / (time.perf_counter() - t), kept


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=512)
    ap.add_argument("--frames", type=int, default=48)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--dump", type=Path)
    ap.add_argument("--compare", type=Path)
    a = ap.parse_args()

    from physreel.rendering.gl import context

    scene, assembly, traj = setup(a.size, a.frames)
    print(f"{a.size}x{a.size}, {a.frames} frames, renderer: {context().renderer_name}")
    print("render loop (renderer + read-backs + passes, no files), best of", a.repeats)
    for label, render, camera, passes in CONFIGS:
        fps = max(stream(scene, assembly, traj, render, camera, passes, a.frames)[0] for _ in range(a.repeats))
        print(f"  {label:24s} {'+'.join(passes):48s} {fps:8.1f} frames/s {1000 / fps:7.1f} ms/frame")

    _, bundles = stream(scene, assembly, traj, {"look": "fast"}, {}, GT, 4)
    gt = {k: np.stack([b[k] for b in bundles]) for k in GT}
    for k, v in gt.items():
        print(f"  {k:14s} sha256 {hashlib.sha256(np.ascontiguousarray(v).tobytes()).hexdigest()[:16]}")
    if a.dump:
        np.savez_compressed(a.dump, **gt)
    if a.compare:
        other = np.load(a.compare)
        same = all(np.array_equal(gt[k], other[k]) for k in GT)
        print(f"against {a.compare}: bytes {'identical' if same else 'differ'}; segmentation pixels that differ "
              f"{int((gt['segmentation'] != other['segmentation']).sum())}, max |depth| diff "
              f"{np.abs(gt['depth'] - other['depth']).max():.2e} m, max |normal| diff "
              f"{np.abs(gt['normals'] - other['normals']).max():.2e}, max |flow| diff "
              f"{np.abs(gt['flow_forward'] - other['flow_forward']).max():.2e} px")


if __name__ == "__main__":
    main()
