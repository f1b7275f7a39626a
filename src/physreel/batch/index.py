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
passes        string    comma-separated render passes
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


def _complete_samples(out_dir: Path) -> list[Path]:
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
    for sample in _complete_samples(out_dir):
        meta = json.loads((sample / "metadata.json").read_text(encoding="utf-8"))
        text = (sample / "caption.txt").read_text(encoding="utf-8").strip()
        video = sample_video(sample, meta)
        w, h = (int(v) for v in meta.get("resolution", [0, 0]))
        events = meta.get("events") or []
        marker = json.loads((sample / "DONE").read_text(encoding="utf-8"))
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
                "passes": ",".join(batch.get("passes", ["rgb"])),
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


_FILE_DOCS = {
    "metadata.json": (
        "JSON",
        "ground truth: format_version, the resolved scene, seed, fps, num_frames, duration "
        "(s), resolution [W, H] (px); objects{name: id, mass (kg), material, shape, static, "
        "color, per-frame position [T][3] (m), quaternion [T][4] ([x, y, z, w]), velocity "
        "[T][3] (m/s), angular_velocity [T][3] (rad/s)}; events[] {type: impact | break | "
        "rest | enter | exit, time (s), frame; impacts: objects [a, b], impulse (N*s), "
        "relative_speed (m/s); breaks: object, pieces}; cameras{name: per-frame K (3x3, px, "
        "pixel centres at +0.5) and world_to_camera (4x4, OpenCV: x right, y down, z "
        "forward)}. World frame Z up, metres, kilograms, seconds.",
    ),
    "scene.yaml": ("YAML", "the resolved scene (no distributions); renders again as is"),
    "caption.txt": ("UTF-8 text", "one-line natural-language caption of what happens"),
    "events.txt": (
        "UTF-8 text",
        "the event timeline, one event per line: t=<s>s frame=<i> <type> <objects> "
        "speed=<m/s> impulse=<N*s>",
    ),
    "DONE": (
        "JSON",
        "completion marker, written last: sample, root_seed, seed, attempt, rejections by "
        "filter, sha256 of the other files, completed_at (UTC)",
    ),
    "rgb.mp4": ("H.264 MP4, yuv420p, 8-bit sRGB", "the rendered colour video"),
    "depth": ("see metadata.json", "z-depth along the camera axis (metres); 0 = background"),
    "segmentation": ("see metadata.json", "per-pixel object id (0 = background)"),
    "normals": ("see metadata.json", "per-pixel surface normals"),
    "flow": ("see metadata.json", "per-pixel optical flow (pixels)"),
}


def _describe(rel: str, sample: Path, metadata: Mapping[str, Any]) -> tuple[str, str]:
    """(format / dtype, meaning) of one file of a sample, from the camera's manifest.json when
    it documents the file, else from the table above."""
    name = rel.rsplit("/", 1)[-1]
    if "/" in rel:
        manifest = sample / rel.split("/", 1)[0] / "manifest.json"
        try:
            passes = json.loads(manifest.read_text(encoding="utf-8")).get("passes", {})
        except (OSError, ValueError, AttributeError):
            passes = {}
        for pass_name, d in passes.items() if isinstance(passes, Mapping) else ():
            if not isinstance(d, Mapping):
                continue
            if name == d.get("file"):
                shape = d.get("shape")
                shape_text = f" {list(shape)} (frames, H, W, ...)" if shape else ""
                what = f"pass '{pass_name}'" + (f", units: {d['units']}" if d.get("units") else "")
                fmt = ", ".join(str(d[k]) for k in ("codec", "dtype") if d.get(k))
                return fmt + shape_text, what
            if name == d.get("first_frame"):
                return "PNG", f"first frame of pass '{pass_name}' (a quick preview)"
    if name == "manifest.json":
        return (
            "JSON",
            "per camera: frames, width, height, fps, and every pass's file, dtype, shape, units, codec",
        )
    if name in _FILE_DOCS:
        return _FILE_DOCS[name]
    stem = name.split(".")[0]
    if stem in _FILE_DOCS:
        return _FILE_DOCS[stem]
    return ("", "see metadata.json and <camera>/manifest.json")


def write_dataset_card(out_dir: str | Path) -> Path:
    """Write ``README.md`` (the dataset card) in a batch folder and return its path.

    It records the template, the root seed, the passes, the sample and rejection counts from
    ``summary.json``, the index columns, and the meaning, dtype and units of every file of a
    sample.
    """
    out_dir = Path(out_dir)
    batch = {}
    if (out_dir / "batch.json").is_file():
        batch = json.loads((out_dir / "batch.json").read_text(encoding="utf-8"))
    summary = {}
    if (out_dir / "summary.json").is_file():
        summary = json.loads((out_dir / "summary.json").read_text(encoding="utf-8"))
    template_text = ""
    if (out_dir / "template.yaml").is_file():
        template_text = (out_dir / "template.yaml").read_text(encoding="utf-8")
    description = ""
    try:
        from ruamel.yaml import YAML

        t = YAML(typ="safe", pure=True).load(template_text) if template_text else None
        if isinstance(t, Mapping) and isinstance(t.get("template"), Mapping):
            description = str(t["template"].get("description", ""))
    except Exception:  # noqa: BLE001 - the card is still useful without the description
        description = ""
    samples = _complete_samples(out_dir)
    file_rows = []
    if samples:
        first = samples[0]
        meta = json.loads((first / "metadata.json").read_text(encoding="utf-8"))
        for p in sorted(x for x in first.rglob("*") if x.is_file()):
            rel = p.relative_to(first).as_posix()
            dtype, meaning = _describe(rel, first, meta)
            shown = rel if "/" not in rel else "<camera>/" + rel.split("/", 1)[1]
            if shown not in [r[0] for r in file_rows]:
                file_rows.append((shown, dtype, meaning))
    rej = summary.get("rejections", {})
    lines = [
        f"# physreel dataset: {Path(batch.get('template', 'batch')).stem}",
        "",
        description or "Synthetic physics videos rendered by physreel from a randomized template.",
        "",
        "## Contents",
        "",
        f"- complete samples: {len(samples)} of {summary.get('total', len(samples))} requested",
        f"- failed samples: {len(summary.get('failed', []))} (see failures.jsonl)",
        f"- root seed: {batch.get('seed')}; sample k is resolved with "
        "SeedSequence([seed, k]) (attempt a > 0: SeedSequence([seed, k, a]))",
        f"- passes: {', '.join(batch.get('passes', []))}",
        "- clips rejected by the quality filters and resampled: "
        + ", ".join(f"{k} {v}" for k, v in rej.items()),
        "",
        "Conventions: metres, kilograms, seconds; world Z up; quaternions [x, y, z, w]; frame "
        "i shows time i / fps; cameras in the OpenCV convention (x right, y down, z forward).",
        "",
        "## Files of one sample (`samples/<k:06d>/`)",
        "",
        "| file | format / dtype | meaning, units |",
        "|---|---|---|",
        *[f"| `{f}` | {d} | {m} |" for f, d, m in file_rows],
        "",
        "## Index (`index.parquet`, or `index.csv` without pyarrow)",
        "",
        "| column | dtype |",
        "|---|---|",
        *[f"| `{c}` | {t} |" for c, t in COLUMNS.items()],
        "",
        "## Batch files",
        "",
        "- `batch.json`: root seed, passes, template hash (a resumed run must match them)",
        "- `template.yaml`: the template, below",
        "- `summary.json`: counts and timing of the last run",
        "- `failures.jsonl`: one JSON object per failed sample: k, root_seed, seed, attempt, "
        "rejections, error",
        "",
        "## Template",
        "",
        "```yaml",
        template_text.rstrip(),
        "```",
        "",
    ]
    path = out_dir / "README.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
