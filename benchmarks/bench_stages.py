"""Where the time of one ``physreel render`` goes, stage by stage (CPU milliseconds).

    python benchmarks/bench_stages.py [--passes rgb] [--size 512] [--frames 120] [--look fast]

Runs the whole pipeline of ``physreel render`` in this process on the benchmark scene of
``bench_speed.py`` and charges the process's CPU time (all threads: llvmpipe rasterises in its
own) to each stage: imports, scene loading, building, simulation, GL context, renderer set-up,
and per frame the shadow maps, the geometry pass, the background, anti-aliasing, read-backs,
the passes' numpy work, writing; then the previews and metadata.  The video encoders run in
child processes; their CPU time is printed separately.  On a shared machine run it twice.
"""

from __future__ import annotations

import argparse
import collections
import functools
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

T0 = time.process_time()
ACC: dict[str, float] = collections.defaultdict(float)
CALLS: dict[str, int] = collections.defaultdict(int)
_stack: list[str] = []


def charge(label: str, owner, attr: str) -> None:
    """Charge the CPU time of ``owner.attr(...)`` to ``label`` (nested stages are subtracted)."""
    fn = getattr(owner, attr)

    @functools.wraps(fn)
    def wrapper(*a, **k):
        t = time.process_time()
        _stack.append(label)
        try:
            return fn(*a, **k)
        finally:
            _stack.pop()
            dt = time.process_time() - t
            ACC[label] += dt
            CALLS[label] += 1
            if _stack:
                ACC[_stack[-1]] -= dt

    setattr(owner, attr, wrapper)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--passes", default="rgb")
    ap.add_argument("--size", type=int, default=512)
    ap.add_argument("--frames", type=int, default=120)
    ap.add_argument("--look", default="fast")
    a = ap.parse_args()

    import physreel.cli  # noqa: F401  (what `physreel render` imports before anything else)
    from physreel.assembly import build  # noqa: F401
    from physreel.outputs.writer import write_render  # noqa: F401
    from physreel.rendering.gl import platform

    platform()
    import pybullet  # noqa: F401
    import pyrender  # noqa: F401
    import trimesh  # noqa: F401
    t_imports = time.process_time() - T0

    from bench_speed import scene_yaml

    import physreel.assembly.core as assembly_core
    import physreel.outputs.camera_writer as camera_writer
    import physreel.outputs.writer as writer
    import physreel.physics.simulate as simulate_mod
    import physreel.rendering.antialias as antialias
    import physreel.rendering.flow as flow
    import physreel.rendering.gl as glmod
    import physreel.rendering.renderer as renderer
    from physreel.outputs import video
    from physreel.passes import storage
    from physreel.scene.loader import load_scene

    charge("scene: load + validate", sys.modules["physreel.scene.loader"], "load_scene")
    charge("build (assembly)", assembly_core, "build")
    charge("simulate", simulate_mod, "simulate")
    charge("GL context (first use)", glmod.GLContext, "__init__")
    charge("renderer set-up (upload)", renderer.SceneRenderer, "__init__")
    charge("frame: shadow maps", renderer.SceneRenderer, "_shadow_maps")
    charge("frame: geometry pass", renderer.SceneRenderer, "_geometry_pass")
    charge("frame: background pass", renderer.SceneRenderer, "_background")
    charge("frame: anti-aliasing + read-back", antialias.PostAA, "run")
    charge("frame: renderer (rest: read-backs, Python)", renderer.SceneRenderer, "render")
    charge("frame: occlusion (numpy)", flow, "occlusion_from_motion")
    charge("write: H.264 pipe", video.Mp4Writer, "write")
    charge("write: npy frames", storage._NpySink, "write")
    charge("write: png16 frames", storage._PerFrameSink, "write")
    charge("finish: previews, controls, manifest", camera_writer.CameraWriter, "finish")
    charge("write_render (rest: metadata, files)", writer, "write_render")

    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "bench.yaml"
        path.write_text(scene_yaml(a.frames, a.size))
        kids0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.process_time()
        sc = load_scene(path)
        r = sc.render.model_dump(mode="json")
        r.update(passes=a.passes.split(","), look=a.look)
        from physreel.api import with_overrides, write

        write(with_overrides(sc, render=r), Path(d) / "out")
        total = time.process_time() - t
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        encoders = kids.ru_utime + kids.ru_stime - kids0.ru_utime - kids0.ru_stime
    n = a.frames
    print(f"physreel render, {a.size}x{a.size}, {n} frames, passes {a.passes}, look {a.look}: CPU ms")
    print(f"  {'imports (cli, numpy, pydantic, trimesh+scipy, pybullet, pyrender, OpenGL)':52s} {1000 * t_imports:8.0f}")
    for label in sorted(ACC, key=lambda k: (not k.startswith("frame"), -ACC[k])):
        per = f"  ({1000 * ACC[label] / n:5.1f} per frame)" if label.startswith(("frame", "write:")) else ""
        print(f"  {label:52s} {1000 * ACC[label]:8.0f}{per}")
    print(f"  {'total in process (after imports)':52s} {1000 * total:8.0f}")
    print(f"  {'video encoders (ffmpeg child processes)':52s} {1000 * encoders:8.0f}")


if __name__ == "__main__":
    main()
