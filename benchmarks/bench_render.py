"""Render speed against a peer, in one run, on this machine.

    python benchmarks/bench_render.py [--size 512] [--frames 48]

1. The same 10-object scene (simulated once) rendered at SIZE x SIZE by physreel (pyrender,
   EGL) and by pybullet's own getCameraImage (TinyRenderer, CPU), same camera, same poses:
   frames per second of each and their ratio.
2. physreel with rgb only versus all passes, and the cost of each pass.
3. Peak memory (max RSS) of a 5 s and a 60 s render (rgb, 128x96), in fresh processes.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import textwrap
import time

import numpy as np


def scene(size: int, duration: float) -> dict:
    shapes = [{"type": "box", "size": [0.25, 0.25, 0.25]}, {"type": "sphere", "radius": 0.13},
              {"type": "cylinder", "radius": 0.1, "height": 0.3}, {"type": "capsule", "radius": 0.08, "height": 0.35},
              {"type": "cone", "radius": 0.12, "height": 0.3}]
    mats = ["wood", "rubber", "plastic", "steel", "ceramic"]
    objs = [{"name": f"o{i}", "shape": shapes[i % 5], "material": mats[i % 5],
             "position": [(i % 5 - 2) * 0.45, (i // 5) * 0.5 - 0.25, 0.4 + 0.25 * i], "rotation": [10 * i, 5 * i, 0]}
            for i in range(10)]
    return {"name": "bench", "duration": duration, "fps": 24, "resolution": [size, size], "seed": 1, "objects": objs,
            "cameras": [{"position": [0, -3.2, 1.6], "look_at": [0, 0, 0.3], "fov": 45}]}


def bench_physreel(sc, traj, geoms, passes, frames, repeats: int = 3):
    """Best frames per second of ``repeats`` runs (the machine's other load only slows runs down)."""
    return max(_bench_once(sc, traj, geoms, passes, frames) for _ in range(repeats))


def _bench_once(sc, traj, geoms, passes, frames):
    from physreel.outputs.writer import body_geometries
    from physreel.passes import Clip
    from physreel.rendering.passes import render_passes
    from physreel.rendering.stream import camera_views, open_renderer

    w, h = sc.resolution
    with open_renderer(geoms, traj, w, h) as r:  # geoms: the Assembly
        views = camera_views(sc, sc.cameras[0], traj, w, h)
        it = iter(render_passes(r, Clip(geoms, traj, "main", views, body_geometries(geoms, traj)), passes))
        next(it)  # compile shaders, upload meshes
        t = time.perf_counter()
        n = 0
        for _ in it:
            n += 1
            if n >= frames:
                break
        return n / (time.perf_counter() - t)


def bench_tinyrenderer(sc, traj, geoms, frames):
    import pybullet as p

    from physreel.rendering.stream import camera_views

    w, h = sc.resolution
    c = p.connect(p.DIRECT)
    bodies = []
    for name in traj.names:
        g = geoms[name].geometry
        m = g.visual[0]
        vis = p.createVisualShape(p.GEOM_MESH, vertices=m.vertices.tolist(), indices=m.faces.reshape(-1).tolist(), physicsClientId=c)
        bodies.append(p.createMultiBody(0, -1, vis, physicsClientId=c))
    plane = p.createVisualShape(p.GEOM_PLANE, physicsClientId=c)
    p.createMultiBody(0, -1, plane, physicsClientId=c)
    view = camera_views(sc, sc.cameras[0], traj, w, h)[0]
    gl_view = (np.diag([1, -1, -1, 1]) @ view.world_to_camera).T.reshape(-1).tolist()
    proj = p.computeProjectionMatrixFOV(sc.cameras[0].fov, w / h, 0.05, 50)
    t = time.perf_counter()
    for f in range(frames):
        for i, b in enumerate(bodies):
            p.resetBasePositionAndOrientation(b, traj.position[f % traj.num_frames, i].tolist(),
                                              traj.quaternion[f % traj.num_frames, i].tolist(), physicsClientId=c)
        p.getCameraImage(w, h, gl_view, proj, renderer=p.ER_TINY_RENDERER, physicsClientId=c)
    fps = frames / (time.perf_counter() - t)
    p.disconnect(c)
    return fps


MEM_PROBE = textwrap.dedent("""
    import json, resource, sys, physreel
    sys.path.insert(0, sys.argv[3])
    from bench_render import scene
    s = scene(128, float(sys.argv[1])); s["resolution"] = [128, 96]
    physreel.write(s, sys.argv[2])
    print(json.dumps(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))
""")


def peak_memory_mb(duration: float) -> float:
    import os
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        out = subprocess.run([sys.executable, "-c", MEM_PROBE, str(duration), os.path.join(d, "o"), os.path.dirname(__file__)],
                             capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1]) / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=512)
    ap.add_argument("--frames", type=int, default=48)
    ap.add_argument("--no-memory", action="store_true")
    a = ap.parse_args()

    import physreel
    sc = physreel.load_scene(scene(a.size, a.frames / 24 + 0.1))
    geoms = physreel.build(sc)
    traj = physreel.simulate(geoms)
    ours = bench_physreel(sc, traj, geoms, ["rgb"], a.frames)
    peer = bench_tinyrenderer(sc, traj, geoms, a.frames)
    print(f"{a.size}x{a.size}, 10 objects, {a.frames} frames")
    print(f"  physreel rgb (pyrender/EGL, MSAA, shadows): {ours:7.1f} fps")
    print(f"  pybullet getCameraImage (TinyRenderer)    : {peer:7.1f} fps")
    print(f"  ratio physreel / TinyRenderer             : {ours / peer:7.2f}x")
    sc_fast = physreel.with_overrides(sc, render={"antialias": False, "shadows": False})
    fast = bench_physreel(sc_fast, traj, geoms, ["rgb"], a.frames)
    print(f"  physreel rgb without MSAA and shadows     : {fast:7.1f} fps ({fast / peer:.2f}x TinyRenderer)")

    all_passes = ["rgb", "depth", "segmentation", "normals", "flow_forward", "flow_backward",
                  "occlusion_forward", "occlusion_backward", "boxes"]
    t_rgb = 1 / ours
    t_all = 1 / bench_physreel(sc, traj, geoms, all_passes, a.frames)
    print(f"  all passes (no tracks)                    : {1 / t_all:7.1f} fps")
    t_gt = 1 / bench_physreel(sc, traj, geoms, ["rgb", "depth"], a.frames)
    print("  cost per frame of each pass (ms, added to rgb):")
    print(f"    depth+segmentation+normals (one GL pass) {1000 * (t_gt - t_rgb):6.1f}")
    for extra in (["flow_forward", "occlusion_forward"], ["flow_backward", "occlusion_backward"], ["boxes"]):
        t = 1 / bench_physreel(sc, traj, geoms, ["rgb", "depth", *extra], a.frames)
        print(f"    {'+'.join(extra):40s} {1000 * (t - t_gt):6.1f}")

    if not a.no_memory:
        m5, m60 = peak_memory_mb(5.0), peak_memory_mb(60.0)
        print(f"peak memory: 5 s render {m5:.0f} MB, 60 s render {m60:.0f} MB (ratio {m60 / m5:.2f})")


if __name__ == "__main__":
    main()
