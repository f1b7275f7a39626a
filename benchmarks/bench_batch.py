"""Batch throughput: samples per minute of scenes/templates/falling_objects.yaml at 256x256 x
48 frames with 1 and 2 workers (the scaling ratio), for rgb only and for all passes.

    python benchmarks/bench_batch.py [COUNT]
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ALL = ["rgb", "depth", "segmentation", "normals", "flow_forward", "flow_backward",
       "occlusion_forward", "occlusion_backward", "tracks", "boxes"]


def run(count: int, workers: int, passes: list[str], tmp: Path) -> float:
    from physreel.batch.runner import run_batch

    out = tmp / f"out_{workers}_{len(passes)}"
    shutil.rmtree(out, ignore_errors=True)
    t = time.perf_counter()
    r = run_batch(ROOT / "scenes" / "templates" / "falling_objects.yaml", out, count, workers=workers, seed=0, passes=passes)
    dt = time.perf_counter() - t
    rate = 60 * r.rendered / dt
    print(f"  workers={workers} passes={'all' if len(passes) > 1 else 'rgb'}: {r.rendered} samples in {dt:.1f} s "
          f"-> {rate:.1f} samples/min (rejected and resampled: {r.rejections})", flush=True)
    return rate


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 6
    with tempfile.TemporaryDirectory() as d:
        for passes in (["rgb"], ALL):
            r1 = run(count, 1, passes, Path(d))
            r2 = run(count, 2, passes, Path(d))
            print(f"  scaling 2 workers / 1 worker: {r2 / r1:.2f}")


if __name__ == "__main__":
    main()
