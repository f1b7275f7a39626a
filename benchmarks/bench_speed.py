"""physreel against the renderer a pybullet user already has -- whole processes, in one run.

    python benchmarks/bench_speed.py [--repeats 3] [--frames 120] [--clips 8] [--quick]

Every figure is a whole process timed from start to exit, as a user waits for it: imports,
scene building, simulation, rendering and encoding.  The peer is
``benchmarks/peer_tinyrenderer.py``: the same 10 x 10 m ground, 5 boxes and 5 spheres (pybullet
primitives), simulated at 240 Hz, each frame rendered by ``getCameraImage`` with TinyRenderer
(RGB + depth + segmentation) and the RGB streamed to H.264 with the same encoder settings.  The
runs are interleaved (peer, physreel, physreel, peer, ...) so the machine's other load falls on
both; each ratio is peer time / physreel time of the medians (> 1: physreel is faster).

Goals (issue 14):

1. ``physreel render``, default look, RGB: >= 2x the peer (wall time).
2. ``physreel render`` with rgb, depth, segmentation, normals, flow_forward: >= 1.5x the peer.
3. MOVi-like batch clips (``falling_objects``, 1 s = 24 frames, 256 x 256, those 5 passes),
   ``physreel batch`` with 1 worker: <= 1.2 CPU-seconds per clip over >= 8 clips (Kubric: ~24).
4. Peak memory of a 60 s render within 20 % of a 2 s render.

CPU seconds (user + system, the encoder processes included) are printed too: on a shared
machine they vary less than wall time.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PHYSREEL = [sys.executable, "-m", "physreel.cli"]
FIVE = "rgb,depth,segmentation,normals,flow_forward"
KUBRIC_CPU_PER_CLIP = 24.0  # Kubric MOVi, as measured in issue 14


def scene_yaml(frames: int, size: int) -> str:
    """The peer's scene as a physreel scene file (same bodies, positions, rotations, camera)."""
    mats = ["wood", "rubber", "plastic", "steel", "ceramic"]
    lines = [f"name: bench\nduration: {frames / 24:.6f}\nfps: 24\nresolution: [{size}, {size}]\nseed: 1",
             "ground: {size: 10}", "objects:"]
    for i in range(10):
        pos = [(i % 5 - 2) * 0.45, (i // 5) * 0.5 - 0.25, 0.4 + 0.25 * i]
        shape = "{type: box, size: [0.25, 0.25, 0.25]}" if i % 2 == 0 else "{type: sphere, radius: 0.13}"
        rot = f", rotation: [{10 * i}, {5 * i}, 0]" if i % 2 == 0 else ""
        lines.append(f"  - {{name: o{i}, shape: {shape}, material: {mats[i % 5]}, position: {pos}{rot}}}")
    lines.append("cameras:\n  - {position: [0, -3.2, 1.6], look_at: [0, 0, 0.3], fov: 45}")
    return "\n".join(lines) + "\n"


def timed(cmd: list[str]) -> tuple[float, float, int]:
    """Run a process; (wall seconds, CPU seconds of it and its children, peak RSS in KB)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, after.ru_maxrss


def peak_rss(cmd: list[str]) -> float:
    """Peak resident memory (MB) of one process (measured by a fresh wrapper process)."""
    probe = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, capture_output=True); "
             "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", probe, *cmd], capture_output=True, text=True, check=True, cwd=ROOT)
    return int(out.stdout.split()[-1]) / 1024


def render_goals(tmp: Path, frames: int, size: int, repeats: int) -> None:
    scene = tmp / "bench.yaml"
    scene.write_text(scene_yaml(frames, size))
    runs = {
        "peer (TinyRenderer rgb+depth+seg)": [sys.executable, str(HERE / "peer_tinyrenderer.py"), str(tmp / "peer.mp4"),
                                              "--size", str(size), "--frames", str(frames)],
        "physreel rgb (default look)": [*PHYSREEL, "render", str(scene), "-o", str(tmp / "rgb")],
        f"physreel {FIVE}": [*PHYSREEL, "render", str(scene), "-o", str(tmp / "five"), "--passes", FIVE],
    }
    times: dict[str, list[tuple[float, float]]] = {k: [] for k in runs}
    for r in range(repeats):
        order = list(runs) if r % 2 == 0 else list(runs)[::-1]
        for name in order:
            wall, cpu, _ = timed(runs[name])
            times[name].append((wall, cpu))
    med = {k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v)) for k, v in times.items()}
    peer_wall, peer_cpu = med[next(iter(runs))]
    print(f"whole process, {size}x{size}, {frames} frames to H.264, median of {repeats} interleaved runs:")
    for name, (wall, cpu) in med.items():
        print(f"  {name:52s} {wall:6.2f} s ({frames / wall:5.1f} frames/s)  {cpu:6.2f} CPU-s"
              f"  ratio {peer_wall / wall:4.2f}x wall, {peer_cpu / cpu:4.2f}x CPU")
    goal1, goal2 = peer_wall / med["physreel rgb (default look)"][0], peer_wall / med[f"physreel {FIVE}"][0]
    print(f"  goal 1, rgb >= 2x the peer:        {goal1:4.2f}x  {'reached' if goal1 >= 2 else 'NOT reached'}")
    print(f"  goal 2, 5 passes >= 1.5x the peer: {goal2:4.2f}x  {'reached' if goal2 >= 1.5 else 'NOT reached'}")


def batch_goal(tmp: Path, clips: int) -> None:
    """CPU seconds per clip of ``physreel batch -j 1`` over ``clips`` and ``2 * clips`` clips:
    the difference is the cost of a clip beyond the batch's start-up (two Python processes'
    imports, the template's validation, shader compilation)."""
    template = (ROOT / "scenes" / "templates" / "falling_objects.yaml").read_text()
    template = template.replace("duration: 2.0", "duration: 1.0")
    template = template.replace("../../assets/", f"{ROOT / 'assets'}/")  # the copy lives elsewhere
    path = tmp / "falling_1s.yaml"
    path.write_text(template)
    cpu = {}
    for n in (clips, 2 * clips):
        out = tmp / f"batch{n}"
        wall, cpu[n], _ = timed([*PHYSREEL, "batch", str(path), "-n", str(n), "-o", str(out), "-j", "1",
                                 "--passes", FIVE])
        summary = json.loads((out / "summary.json").read_text())
        if summary["rendered"] != n:
            raise SystemExit(f"batch: only {summary['rendered']} of {n} clips rendered: {summary['failed']}")
        print(f"batch: {n} MOVi-like clips (24 frames 256x256, {FIVE}), 1 worker: {wall:.1f} s, "
              f"{cpu[n] / n:.2f} CPU-s per clip ({KUBRIC_CPU_PER_CLIP / (cpu[n] / n):.0f}x Kubric's "
              f"~{KUBRIC_CPU_PER_CLIP:.0f})")
    marginal = (cpu[2 * clips] - cpu[clips]) / clips
    print(f"  each clip beyond the start-up: {marginal:.2f} CPU-s; start-up {cpu[clips] - clips * marginal:.1f} CPU-s")
    for n in (clips, 2 * clips):
        per = cpu[n] / n
        print(f"  goal 3, <= 1.2 CPU-s per clip over {n} clips: {per:.2f}  {'reached' if per <= 1.2 else 'NOT reached'}")


def memory_goal(tmp: Path) -> None:
    scene = tmp / "mem.yaml"
    scene.write_text(scene_yaml(48, 256))
    mb = {d: peak_rss([*PHYSREEL, "render", str(scene), "-o", str(tmp / f"mem{d}"), "--duration", str(d)])
          for d in (2, 60)}
    ratio = mb[60] / mb[2]
    print(f"peak memory, 256x256 rgb: 2 s clip {mb[2]:.0f} MB, 60 s clip {mb[60]:.0f} MB (ratio {ratio:.2f})")
    print(f"  goal 4, within 20 %: {'reached' if ratio <= 1.2 else 'NOT reached'}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--frames", type=int, default=120)
    ap.add_argument("--size", type=int, default=512)
    ap.add_argument("--clips", type=int, default=8)
    ap.add_argument("--skip", default="", help="comma-separated: render,batch,memory")
    a = ap.parse_args()
    skip = set(filter(None, a.skip.split(",")))
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        if "render" not in skip:
            render_goals(tmp, a.frames, a.size, a.repeats)
        if "batch" not in skip:
            batch_goal(tmp, a.clips)
        if "memory" not in skip:
            memory_goal(tmp)


if __name__ == "__main__":
    main()
