"""The 1000-sample MOVi-like dataset plan, measured on a smaller batch and extrapolated.

Renders COUNT samples of scenes/templates/movi_library.yaml (24 frames of 256x256 at 12 fps;
rgb, depth, segmentation, forward flow, normals, as MOVi) with the compact storage and 2
workers, two of them again with ``--storage npy`` (the old float arrays, for the size ratio),
exports the batch (WebDataset with every pass, HF VideoFolder with the depth control), and
prints sizes per sample and per file kind, the time per sample, and the extrapolation to 1000
samples.

    python benchmarks/bench_dataset.py [COUNT] [OUT]
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "scenes" / "templates" / "movi_library.yaml"
PASSES = ("rgb", "depth", "segmentation", "normals", "flow_forward")


def size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.is_dir() else path.stat().st_size


def kinds(sample: Path) -> Counter:
    """Bytes of a sample by kind of file: the pass a file belongs to, previews, the rest."""
    out: Counter = Counter()
    for p in sample.rglob("*"):
        if not p.is_file():
            continue
        rel = p.relative_to(sample).parts
        if len(rel) > 2:
            key = f"{rel[1]}/ (frames)" if rel[1] != "control" else "control/"
        elif p.suffix == ".mp4" and p.name != "rgb.mp4":
            key = "previews (*.mp4)"
        else:
            key = p.name
        out[key] += p.stat().st_size
    return out


def batch(out: Path, count: int, workers: int, **kw) -> tuple[float, object]:
    from physreel.batch.runner import run_batch

    t = time.perf_counter()
    r = run_batch(TEMPLATE, out, count, workers=workers, seed=0, passes=PASSES, **kw)
    return time.perf_counter() - t, r


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 12
    keep = Path(sys.argv[2]) if len(sys.argv) > 2 else None
    with tempfile.TemporaryDirectory() as d:
        root = keep or Path(d)
        shutil.rmtree(root / "compact", ignore_errors=True)
        shutil.rmtree(root / "npy", ignore_errors=True)
        dt, r = batch(root / "compact", count, 2, controls=("depth",))
        samples = sorted((root / "compact" / "samples").iterdir())
        sizes = [size(s) for s in samples]
        per = dt / max(r.rendered, 1)
        print(f"compact: {r.rendered} samples in {dt:.1f} s with 2 workers = {per:.2f} s/sample "
              f"({60 / per:.1f} samples/min); rejected and resampled: {dict(r.rejections)}")
        print(f"  size per sample: mean {sum(sizes) / len(sizes) / 1e6:.2f} MB, max {max(sizes) / 1e6:.2f} MB "
              f"(five passes, previews, the depth control, metadata)")
        total: Counter = Counter()
        for s in samples:
            total.update(kinds(s))
        for k, v in total.most_common():
            print(f"    {v / len(samples) / 1e6:7.3f} MB  {k}")
        t = time.perf_counter()
        dt_n, _ = batch(root / "npy", 2, 2, controls=("depth",), overrides={"storage": "npy"})
        npy = [size(s) for s in sorted((root / "npy" / "samples").iterdir())]
        print(f"npy storage (the old default): {sum(npy) / len(npy) / 1e6:.1f} MB per sample, "
              f"{sum(npy) / sum(sizes[:2]):.0f}x the compact storage of the same samples")
        from physreel.batch.export import export

        for fmt, include in (("webdataset", "all"), ("hf", "depth,control/depth")):
            t = time.perf_counter()
            dest = export(root / "compact", fmt, root / f"export_{fmt}", include=include, overwrite=True)
            print(f"export {fmt} --include {include}: {size(dest) / len(samples) / 1e6:.2f} MB per sample, "
                  f"{(time.perf_counter() - t) / len(samples):.2f} s per sample")
        mb = sum(sizes) / len(sizes) / 1e6
        print(f"1000 samples: ~{mb * 1000 / 1e3:.1f} GB (+ a WebDataset export of ~the same size), "
              f"~{per * 1000 / 3600:.1f} h with 2 workers on this machine; the render scales with cores "
              f"(samples are independent): ~{per * 1000 * 2 / 16 / 3600:.2f} h on 16 cores")


if __name__ == "__main__":
    main()
