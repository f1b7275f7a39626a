"""Dataset index and dataset card of a batch folder.

``index.parquet`` (``index.csv`` when pyarrow is not installed) has one row per complete sample:

============  ========  ===================================================================
column        dtype     meaning
============  ========  ===================================================================
path          string    video of the first camera, relative to the batch folder
text          string    caption (caption.txt, one line)
num_frames    int64     frames in the clip
height        int64     pixels
width         int64     pixels
aspect_ratio  float64   width / height
resolution    string    "WxH"
fps           float64   frames per second
sample        int64     sample index k
seed          int64     the resolved scene's seed
objects       int64     objects in the scene at frame 0 (static ones included)
num_impacts   int64     impact events
num_breaks    int64     break events
passes        string    comma-separated render passes of the first camera
controls      string    comma-separated conditioning controls of the first camera
duration      float64   seconds
============  ========  ===================================================================

The first eight columns are the ones video-model trainers read (e.g. Open-Sora style
``path, text, num_frames, height, width, aspect_ratio, resolution, fps``).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = [
    "COLUMNS",
    "build_index",
    "complete_samples",
    "index_rows",
    "read_index",
    "sample_video",
    "write_dataset_card",
]

COLUMNS: dict[str, str] = {
    "path": "string",
    "text": "string",
    "num_frames": "int64",
    "height": "int64",
    "width": "int64",
    "aspect_ratio": "float64",
    "resolution": "string",
    "fps": "float64",
    "sample": "int64",
    "seed": "int64",
    "objects": "int64",
    "num_impacts": "int64",
    "num_breaks": "int64",
    "passes": "string",
    "controls": "string",
    "duration": "float64",
}


def sample_video(sample_dir: Path, metadata: Mapping[str, Any] | None = None) -> Path | None:
    """The RGB video of a sample's first camera (cameras in metadata order, else by name)."""
    sample_dir = Path(sample_dir)
    cams = (metadata or {}).get("cameras")
    names = list(cams) if isinstance(cams, Mapping) else []
    if isinstance(cams, list):
        names = [c.get("name") for c in cams if isinstance(c, Mapping) and c.get("name")]
    for name in names:
        p = sample_dir / str(name) / "rgb.mp4"
        if p.is_file():
            return p
    found = sorted(sample_dir.glob("*/rgb.mp4"))
    return found[0] if found else None


def complete_samples(out_dir: Path) -> list[Path]:
    """The folders of the complete samples of a batch (with their ``DONE`` marker), in order."""
    samples = Path(out_dir) / "samples"
    if not samples.is_dir():
        return []
    return sorted(
        p
        for p in samples.iterdir()
        if p.is_dir() and ".tmp-" not in p.name and (p / "DONE").is_file()
    )


def index_rows(out_dir: str | Path) -> list[dict[str, Any]]:
    """One dict per complete sample, with the columns of :data:`COLUMNS`."""
    out_dir = Path(out_dir)
    batch = {}
    if (out_dir / "batch.json").is_file():
        batch = json.loads((out_dir / "batch.json").read_text(encoding="utf-8"))
    rows = []
    for sample in complete_samples(out_dir):
        meta = json.loads((sample / "metadata.json").read_text(encoding="utf-8"))
        text = (sample / "caption.txt").read_text(encoding="utf-8").strip()
        video = sample_video(sample, meta)
        w, h = (int(v) for v in meta.get("resolution", [0, 0]))
        events = meta.get("events") or []
        marker = json.loads((sample / "DONE").read_text(encoding="utf-8"))
        manifest = {}
        if video is not None and (video.parent / "manifest.json").is_file():
            manifest = json.loads((video.parent / "manifest.json").read_text(encoding="utf-8"))
        objects = meta.get("objects") or {}
        n_obj = sum(
            1
            for rec in objects.values()
            if not isinstance(rec, Mapping)
            or rec.get("present") is None
            or (len(rec["present"]) > 0 and bool(rec["present"][0]))
        )
        rows.append(
            {
                "path": video.relative_to(out_dir).as_posix() if video else "",
                "text": " ".join(text.split()),
                "num_frames": int(meta.get("num_frames", 0)),
                "height": h,
                "width": w,
                "aspect_ratio": w / h if h else 0.0,
                "resolution": f"{w}x{h}",
                "fps": float(meta.get("fps", 0.0)),
                "sample": int(marker.get("sample", int(sample.name))),
                "seed": int(meta.get("seed", marker.get("seed", 0)) or 0),
                "objects": n_obj,
                "num_impacts": sum(1 for e in events if e.get("type") == "impact"),
                "num_breaks": sum(1 for e in events if e.get("type") == "break"),
                "passes": ",".join(manifest.get("passes") or batch.get("passes", ["rgb"])),
                "controls": ",".join(manifest.get("control") or batch.get("controls", [])),
                "duration": float(meta.get("duration", 0.0)),
            }
        )
    return rows


def build_index(out_dir: str | Path) -> Path:
    """Write ``index.parquet`` (pyarrow) or ``index.csv`` (without pyarrow); return its path.

    A stale index of the other format is removed so that one index describes the folder.
    """
    out_dir = Path(out_dir)
    rows = index_rows(out_dir)
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        path = out_dir / "index.csv"
        tmp = path.with_name(path.name + ".part")
        with tmp.open("w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=list(COLUMNS))
            writer.writeheader()
            writer.writerows(rows)
        tmp.replace(path)
        (out_dir / "index.parquet").unlink(missing_ok=True)
        return path
    types = {"string": pa.string(), "int64": pa.int64(), "float64": pa.float64()}
    schema = pa.schema([(name, types[t]) for name, t in COLUMNS.items()])
    table = pa.Table.from_pylist(rows, schema=schema)
    path = out_dir / "index.parquet"
    tmp = path.with_name(path.name + ".part")
    pq.write_table(table, tmp)
    tmp.replace(path)
    (out_dir / "index.csv").unlink(missing_ok=True)
    return path


def read_index(out_dir: str | Path) -> list[dict[str, Any]]:
    """Rows of the batch's index (parquet or csv) as dicts (csv values converted by dtype)."""
    out_dir = Path(out_dir)
    if (out_dir / "index.parquet").is_file():
        import pyarrow.parquet as pq

        return pq.read_table(out_dir / "index.parquet").to_pylist()
    conv = {"string": str, "int64": int, "float64": float}
    with (out_dir / "index.csv").open(newline="", encoding="utf-8") as f:
        return [{k: conv[COLUMNS[k]](v) for k, v in row.items()} for row in csv.DictReader(f)]


def write_dataset_card(out_dir: str | Path, **kw: Any) -> Path:
    """Write the batch folder's dataset card (see :func:`physreel.batch.card.write_dataset_card`)."""
    from physreel.batch.card import write_dataset_card as _write

    return _write(out_dir, **kw)
