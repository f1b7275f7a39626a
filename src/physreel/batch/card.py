"""The dataset card (``README.md``) of a batch folder and of its Hugging Face export.

The card opens with Hugging Face YAML front matter (licence, task categories, tags, size
category, and in an export the ``configs`` that load it) and documents:

- what was made: counts, seeds, passes, controls, the batch options, clip sizes, disk use;
- each file pattern of a sample once, with its format, dtype, units, range and decode rule
  (from the camera manifests: per-clip ranges are summarised over the whole dataset);
- the randomisation: every distribution of the template, by field path, and what came out
  (objects per clip, their classes and materials, impacts and breaks);
- the quality filters: rejected attempts by filter, as counts and rates;
- the caption vocabulary: distinct captions, lengths, the most frequent words;
- example frames: ``contact_sheet.jpg`` (first, middle and last RGB frame of a few samples,
  and the middle frame of each preview video).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from physreel.batch.index import COLUMNS, complete_samples, index_rows

CONTACT_SHEET = "contact_sheet.jpg"

_SAMPLE_FILES = [
    ("metadata.json", "JSON", "", "ground truth: format_version, the resolved scene, seed, fps, num_frames, duration "
     "(s), resolution [W, H] (px); objects{name: id, class, mass (kg), material, shape, per-frame position [T][3] "
     "(m), quaternion [T][4] ([x, y, z, w]), velocity [T][3] (m/s), angular_velocity [T][3] (rad/s)}; events[] "
     "{type: impact | break | rest | enter | exit, time (s), frame; impacts: objects, impulse (N s), "
     "relative_speed (m/s)}; cameras{name: per-frame K (3x3 px, pixel centres at +0.5) and world_to_camera "
     "(4x4, OpenCV: x right, y down, z forward)}; segmentation_ids"),
    ("scene.yaml", "YAML", "", "the resolved scene (no distributions); renders again as is"),
    ("caption.txt", "UTF-8 text", "", "one-line caption of what happens, made from the simulation"),
    ("events.txt", "UTF-8 text", "s, m/s, N s", "the event timeline, one event per line"),
    ("DONE", "JSON", "", "completion marker, written last: sample, seeds, attempt, rejections by filter, sha256 "
     "of the other files"),
    ("preview.html", "HTML", "", "the sample's videos side by side in a browser (opens the files next to it)"),
    ("<camera>/manifest.json", "JSON", "", "every pass of the camera: dtype, shape, units, range, and each "
     "written file's format, decode rule and per-clip encoding (unit, lo, hi, step, max_error)"),
]


# --------------------------------------------------------------------------------- gathering


def _read_json(path: Path) -> dict:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _first_camera(sample: Path, meta: Mapping[str, Any]) -> str | None:
    names = list(meta.get("cameras") or {}) or sorted(p.parent.name for p in sample.glob("*/manifest.json"))
    return names[0] if names else None


def _manifests(samples: Sequence[Path]) -> list[dict]:
    out = []
    for s in samples:
        cam = _first_camera(s, _read_json(s / "metadata.json"))
        if cam is not None:
            m = _read_json(s / cam / "manifest.json")
            if m:
                out.append(m)
    return out


def pass_rows(manifests: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    """One row per file pattern of the passes, previews and controls of the first manifest:
    ``pattern``, ``format``, ``units``, ``range`` and ``decode``; per-clip encodings (depth's
    unit, the flow and normals ranges) are summarised over every manifest."""
    if not manifests:
        return []
    first, rows, seen = manifests[0], [], set()
    for name, entry in first.get("passes", {}).items():
        files = entry.get("files") or [{"pattern": entry.get("file", ""), "format": ""}]
        seen.update(f["pattern"] for f in files)
        for i, f in enumerate(files):
            per_clip = [_file_entry(m, name, i) for m in manifests]
            rows.append({
                "pattern": f["pattern"], "pass": name,
                "format": ", ".join(x for x in (f.get("format"), f.get("codec"), f"read as {entry.get('dtype')}"
                                                if entry.get("dtype") else "") if x),
                "units": str(entry.get("units", "")),
                "range": _range_text(name, entry, f, per_clip),
                "decode": _decode_text(entry, f),
            })
        if entry.get("preview"):
            rows.append({"pattern": f"{name}.mp4", "pass": name, "format": "mp4, H.264 (lossy)", "units": "",
                         "range": "", "decode": f"preview for people: {entry['preview']}"})
        if entry.get("first_frame") and entry["first_frame"] not in seen:
            rows.append({"pattern": entry["first_frame"], "pass": name, "format": "png", "units": "sRGB",
                         "range": "", "decode": "frame 0 (for image-to-video models)"})
    for name, c in first.get("control", {}).items():
        rows.append({"pattern": c.get("video", f"control/{name}.mp4"), "pass": f"control {name}",
                     "format": "mp4, H.264 (lossy)", "units": "", "range": "", "decode": c.get("meaning", "")})
        rows.append({"pattern": c.get("frames", f"control/{name}/{{frame:05d}}.png"), "pass": f"control {name}",
                     "format": "png (lossless)", "units": "", "range": "0..255", "decode": "the same frames, lossless"})
    return rows


def _file_entry(manifest: Mapping, name: str, i: int) -> dict:
    files = manifest.get("passes", {}).get(name, {}).get("files") or []
    return files[i] if i < len(files) else {}


def _range_text(name: str, entry: Mapping, f: Mapping, per_clip: Sequence[Mapping]) -> str:
    if "unit" in f:
        units = Counter(round(float(p["unit"]) * 1000, 6) for p in per_clip if "unit" in p)
        text = ", ".join(f"{u:g} mm in {n} clip{'s' if n > 1 else ''}" for u, n in sorted(units.items()))
        return f"unit per clip (`unit`): {text}; error <= unit / 2"
    if "lo" in f:
        lo = np.array([p["lo"] for p in per_clip if "lo" in p], dtype=float)
        hi = np.array([p["hi"] for p in per_clip if "hi" in p], dtype=float)
        err = np.array([p["max_error"] for p in per_clip if "max_error" in p], dtype=float)
        return (f"[lo, hi] per clip and channel (`lo`, `hi`); over the dataset {_vec(lo.min(0))} .. "
                f"{_vec(hi.max(0))}; error <= step / 2, at most {_vec(err.max(0))}")
    if entry.get("range") is not None and not isinstance(entry.get("range"), str):
        return f"clip range in `range` (e.g. {entry['range']})"
    if entry.get("values"):
        return str(entry["values"])
    if entry.get("polarity"):
        return str(entry["polarity"])
    return ""


def _vec(a: np.ndarray) -> str:
    return "[" + ", ".join(f"{x:.4g}" for x in np.atleast_1d(a)) + "]"


def _decode_text(entry: Mapping, f: Mapping) -> str:
    parts = [str(f["decode"])] if f.get("decode") else []
    if f.get("layout") and f["layout"] != "(H, W)":
        parts.append(str(f["layout"]))
    if not parts and entry.get("meaning"):
        parts.append(str(entry["meaning"]))
    if f.get("format") == "npy":
        parts.append("numpy.load (exact)")
    return "; ".join(parts)


def template_distributions(data: Any, path: str = "") -> list[tuple[str, str]]:
    """``(field path, distribution)`` of every random value of a template, in document order
    (repeat blocks, their counts and pools included)."""
    from physreel.batch.template_syntax import dist_kind, is_block

    out: list[tuple[str, str]] = []
    if isinstance(data, Mapping):
        k = dist_kind(data)
        if k is not None:
            extra = ", ".join(f"{m}: {_short(v)}" for m, v in data.items() if m != k)
            out.append((path or "(root)", f"{k} {_short(data[k])}" + (f" ({extra})" if extra else "")))
            return out
        if is_block(data):
            pool = data["pool"] if isinstance(data["pool"], list) else []
            weights = [e.get("weight", 1) if isinstance(e, Mapping) and "object" in e else 1 for e in pool]
            out.append((path, f"repeat block: count {_short(data.get('count', 1))}, a pool of {len(pool)} "
                              f"(weights {', '.join(str(w) for w in weights)})"))
            for i, e in enumerate(pool):
                inner = e["object"] if isinstance(e, Mapping) and "object" in e else e
                out += template_distributions(inner, f"{path}.pool[{i}]")
            return out
        for k, v in data.items():
            if k == "template":
                continue
            out += template_distributions(v, f"{path}.{k}" if path else str(k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out += template_distributions(v, f"{path}[{i}]")
    return out


def _short(v: Any) -> str:
    text = json.dumps(v, separators=(", ", ": "))
    return text if len(text) <= 90 else text[:87] + "..."


def caption_vocabulary(captions: Sequence[str], top: int = 40) -> dict[str, Any]:
    """Distinct captions, words per caption and the most frequent words (lower case)."""
    words = [re.findall(r"[a-z]+(?:'[a-z]+)?", c.lower()) for c in captions]
    counts = Counter(w for ws in words for w in ws)
    lengths = [len(ws) for ws in words] or [0]
    return {"captions": len(captions), "distinct": len(set(captions)), "vocabulary": len(counts),
            "words_min": min(lengths), "words_mean": float(np.mean(lengths)), "words_max": max(lengths),
            "top": counts.most_common(top)}


def _outcomes(samples: Sequence[Path]) -> dict[str, Counter]:
    classes, materials, per_clip, meshes = Counter(), Counter(), Counter(), Counter()
    for s in samples:
        meta = _read_json(s / "metadata.json")
        objs = [o for o in (meta.get("objects") or {}).values() if isinstance(o, Mapping) and o.get("parent") is None]
        per_clip[len(objs)] += 1
        for o in objs:
            classes[str(o.get("class", "?"))] += 1
            materials[str(o.get("material_preset", o.get("material", "?")))] += 1
            shape = o.get("shape") if isinstance(o.get("shape"), Mapping) else {}
            if shape.get("file"):
                meshes[str(shape["file"])] += 1
    return {"classes": classes, "materials": materials, "objects_per_clip": per_clip, "meshes": meshes}


def _asset_lines(meshes: Counter) -> list[str]:
    """The mesh files the dataset shows and their licences (library objects by name; other
    files are the template author's to state)."""
    from physreel.assets.library import library_entry_of

    if not meshes:
        return ["Only primitives physreel makes itself: no third-party assets.", ""]
    lib: dict[tuple[str, str], int] = Counter()
    own: Counter = Counter()
    for file, n in meshes.items():
        entry = library_entry_of(file)
        if entry is not None:
            group = entry.name if not entry.name.startswith("shape_") else "shape_000 ... shape_999"
            lib[(group, entry.licence)] += n
        else:
            own[Path(file).name] += n
    lines = ["| asset | objects in the dataset | licence |", "|---|---|---|"]
    lines += [f"| `{g}` (physreel library, pybullet_data) | {n} | {lic} |" for (g, lic), n in sorted(lib.items())]
    lines += [f"| `{f}` (the template's own file) | {n} | not known to physreel: state it |"
              for f, n in sorted(own.items())]
    return [*lines, ""]


# ------------------------------------------------------------------------------ contact sheet


def contact_sheet(samples: Sequence[Path], path: Path, rows: int = 6, tile: int = 160) -> Path | None:
    """A JPEG grid: one row per sample (up to ``rows``): first, middle and last RGB frame, then
    the middle frame of each preview video (depth, segmentation, normals, flow ...)."""
    import imageio.v3 as iio
    from PIL import Image

    grid = []
    for s in samples[:rows]:
        meta = _read_json(s / "metadata.json")
        cam = _first_camera(s, meta)
        if cam is None or not (s / cam / "rgb.mp4").is_file():
            continue
        n = int(meta.get("num_frames", 1))
        try:
            frames = _frames_at(s / cam / "rgb.mp4", [0, n // 2, n - 1])
            manifest = _read_json(s / cam / "manifest.json")
            for name in manifest.get("passes", {}):
                video = s / cam / f"{name}.mp4"
                if name != "rgb" and video.is_file():
                    frames += _frames_at(video, [n // 2])
        except Exception:  # noqa: BLE001 - a video that does not decode is left out of the sheet
            continue
        if not frames:
            continue
        grid.append([np.asarray(Image.fromarray(f[..., :3]).resize(_fit(f.shape, tile))) for f in frames])
    if not grid:
        return None
    h = max(t.shape[0] for r in grid for t in r)
    w = max(t.shape[1] for r in grid for t in r)
    cols = max(len(r) for r in grid)
    sheet = np.full((len(grid) * (h + 4) + 4, cols * (w + 4) + 4, 3), 255, np.uint8)
    for i, r in enumerate(grid):
        for j, t in enumerate(r):
            y, x = 4 + i * (h + 4), 4 + j * (w + 4)
            sheet[y:y + t.shape[0], x:x + t.shape[1]] = t
    iio.imwrite(path, sheet, extension=".jpg", quality=88)
    return path


def _fit(shape: tuple[int, ...], tile: int) -> tuple[int, int]:
    h, w = shape[:2]
    s = min(1.0, tile / max(h, w))
    return max(1, round(w * s)), max(1, round(h * s))


def _frames_at(video: Path, indices: Sequence[int]) -> list[np.ndarray]:
    import imageio.v3 as iio

    want, out = set(indices), {}
    for i, fr in enumerate(iio.imiter(video)):
        if i in want:
            out[i] = fr
        if i >= max(want):
            break
    return [out[i] for i in indices if i in out]


# ------------------------------------------------------------------------------ the cards


def front_matter(*, license: str, pretty_name: str, count: int, task_categories: Sequence[str],  # noqa: A002
                 configs: Sequence[Mapping] | None = None) -> str:
    """Hugging Face dataset card metadata (YAML between ``---`` lines)."""
    size = ("n<1K" if count < 1000 else "1K<n<10K" if count < 10_000 else "10K<n<100K" if count < 100_000
            else "100K<n<1M")
    lines = ["---", f"license: {license}", f"pretty_name: {json.dumps(pretty_name)}", "task_categories:",
             *[f"- {t}" for t in task_categories], "tags:", "- synthetic", "- physics", "- physreel", "- video",
             "size_categories:", f"- {size}"]
    if configs:
        lines.append("configs:")
        for c in configs:
            lines.append(f"- config_name: {c['config_name']}")
            lines.append("  data_files:")
            for df in c["data_files"]:
                lines.append(f"  - split: {df['split']}")
                lines.append("    path:")
                lines += [f"    - {json.dumps(p)}" for p in df["path"]]
    lines.append("---")
    return "\n".join(lines)


def _task_categories(passes: Sequence[str]) -> list[str]:
    cats = ["text-to-video"]
    if "depth" in passes:
        cats.append("depth-estimation")
    if "segmentation" in passes:
        cats.append("image-segmentation")
    return cats


def _body(out_dir: Path, samples: list[Path], rows: list[dict], file_table: list[str], sheet: str | None) -> list[str]:
    """The sections both cards share, after the file table."""
    batch = _read_json(out_dir / "batch.json")
    summary = _read_json(out_dir / "summary.json")
    template_text = (out_dir / "template.yaml").read_text(encoding="utf-8") if (out_dir / "template.yaml").is_file() \
        else ""
    template = _yaml(template_text)
    description = str((template.get("template") or {}).get("description", "")) if isinstance(template, Mapping) else ""
    rej = {k: int(v) for k, v in (summary.get("rejections") or {}).items()}
    failed = len(summary.get("failed") or [])
    attempts = len(samples) + failed + sum(rej.values())
    sizes = [sum(p.stat().st_size for p in s.rglob("*") if p.is_file()) for s in samples]
    res = Counter(f"{r['width']}x{r['height']}, {r['num_frames']} frames at {r['fps']:g} fps" for r in rows)
    voc = caption_vocabulary([r["text"] for r in rows])
    outcomes = _outcomes(samples)
    from physreel.batch.options import describe

    lines = [
        description or "Synthetic physics videos rendered by physreel from a randomized template.",
        "",
        "## Contents",
        "",
        f"- complete samples: {len(samples)} of {summary.get('total', len(samples))} requested; failed: {failed} "
        "(see failures.jsonl)",
        f"- root seed: {batch.get('seed')}; sample k is drawn with SeedSequence([seed, k]) (attempt a > 0: "
        "SeedSequence([seed, k, a])): the dataset depends on the seed only",
        f"- passes: {', '.join(batch.get('passes', []))}; controls: {', '.join(batch.get('controls', [])) or 'none'}",
        f"- batch options: {describe(batch.get('overrides') or {}) or 'none (the template as written)'}",
        "- clips: " + "; ".join(f"{k} ({n})" for k, n in res.most_common()),
        f"- disk: {sum(sizes) / 1e6:.1f} MB, {np.mean(sizes) / 1e6 if sizes else 0:.2f} MB per sample "
        f"(storage: {_storage(samples)})",
        "",
        "Conventions: metres, kilograms, seconds; world Z up; quaternions [x, y, z, w]; frame i shows time "
        "i / fps; cameras in the OpenCV convention (x right, y down, z forward).",
        "",
        *(["## Example frames", "", f"![first, middle and last frame of a few samples, then the previews]({sheet})",
           "", "Each row is a sample: its first, middle and last RGB frame, then the middle frame of each "
           "preview video.", ""] if sheet else []),
        *file_table,
        "## Randomisation",
        "",
        "Every value drawn per sample (the template's distributions, by field path):",
        "",
        "| field | distribution |",
        "|---|---|",
        *[f"| `{p}` | {d} |" for p, d in template_distributions(template)],
        "",
        "What came out:",
        "",
        "- objects per clip: " + ", ".join(f"{k}: {n}" for k, n in sorted(outcomes["objects_per_clip"].items())),
        "- object classes: " + ", ".join(f"{k} {n}" for k, n in outcomes["classes"].most_common()),
        "- materials: " + ", ".join(f"{k} {n}" for k, n in outcomes["materials"].most_common()),
        f"- impacts per clip: mean {np.mean([r['num_impacts'] for r in rows] or [0]):.1f}; clips with a break: "
        f"{sum(1 for r in rows if r['num_breaks'])}",
        "",
        "## Assets",
        "",
        *_asset_lines(outcomes["meshes"]),
        "## Quality filters",
        "",
        f"Clips are simulated, checked, and only then rendered; a rejected attempt is drawn again. {attempts} "
        "attempts were made for the complete and failed samples:",
        "",
        "| filter | rejected attempts | rate |",
        "|---|---|---|",
        *[f"| {k} | {v} | {100 * v / attempts if attempts else 0:.1f} % |" for k, v in rej.items()],
        "",
        "## Captions",
        "",
        f"{voc['captions']} captions, {voc['distinct']} distinct; {voc['words_min']} to {voc['words_max']} words "
        f"(mean {voc['words_mean']:.1f}); vocabulary of {voc['vocabulary']} words. Most frequent:",
        "",
        ", ".join(f"{w} ({n})" for w, n in voc["top"]),
        "",
    ]
    if template_text:
        lines += ["## Template", "", "```yaml", template_text.rstrip(), "```", ""]
    return lines


def _storage(samples: Sequence[Path]) -> str:
    ms = _manifests(samples[:1])
    return ms[0].get("storage", "npy (written before the compact storage)") if ms else "?"


def _yaml(text: str) -> Any:
    if not text:
        return {}
    try:
        from ruamel.yaml import YAML

        return YAML(typ="safe", pure=True).load(text) or {}
    except Exception:  # noqa: BLE001 - the card is still useful without the template's structure
        return {}


def _file_table(rows: Sequence[Mapping[str, str]], prefix: str) -> list[str]:
    return ["| file | format | units | range | decode |", "|---|---|---|---|---|",
            *[f"| `{prefix}{r['pattern']}` | {r['format']} | {r['units']} | {r['range']} | {r['decode']} |"
              for r in rows]]


def write_dataset_card(out_dir: str | Path, *, license: str = "other") -> Path:  # noqa: A002
    """Write ``README.md`` (and ``contact_sheet.jpg``) in a batch folder; return the card's path."""
    out_dir = Path(out_dir)
    samples = complete_samples(out_dir)
    rows = index_rows(out_dir)
    batch = _read_json(out_dir / "batch.json")
    sheet = contact_sheet(samples, out_dir / CONTACT_SHEET) if samples else None
    name = Path(batch.get("template", "batch")).stem
    table = [
        "## Files of one sample (`samples/<k:06d>/`)",
        "",
        "`{frame:05d}` is the frame number; `<camera>` is a camera name (`main` unless the template names "
        "cameras). The arrays a pass's files hold are what `physreel.load(sample).cameras[camera].read(pass)` "
        "returns, within `max_error` of the rendered values (0 = exact).",
        "",
        *_file_table([{"pattern": f, "format": fmt, "units": u, "range": "", "decode": d}
                      for f, fmt, u, d in _SAMPLE_FILES], ""),
        *_file_table(pass_rows(_manifests(samples)), "<camera>/")[2:],
        "",
        "`preview.html` in the batch folder shows every sample's videos in a browser.",
        "",
        "## Index (`index.parquet`, or `index.csv` without pyarrow)",
        "",
        "| column | dtype |",
        "|---|---|",
        *[f"| `{c}` | {t} |" for c, t in COLUMNS.items()],
        "",
        "## Batch files",
        "",
        "- `batch.json`: root seed, passes, controls, batch options, template hash (a resumed run must match them)",
        "- `template.yaml`: the template (below); `summary.json`: counts and timing of the last run",
        "- `failures.jsonl`: one JSON object per failed sample (k, seeds, attempt, rejections, error)",
        f"- `{CONTACT_SHEET}`, `preview.html`, `index.parquet` / `index.csv`, this `README.md`",
        "",
    ]
    lines = [front_matter(license=license, pretty_name=f"physreel {name}", count=len(samples),
                          task_categories=_task_categories(batch.get("passes", []))),
             "", f"# physreel dataset: {name}", "",
             *_body(out_dir, samples, rows, table, CONTACT_SHEET if sheet else None)]
    path = out_dir / "README.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def write_hf_card(out_dir: Path, dest: Path, items: Sequence, *, license: str = "other") -> Path:  # noqa: A002
    """The card of a Hugging Face VideoFolder export in ``dest`` (``README.md`` with ``configs``
    and ``contact_sheet.jpg``)."""
    import shutil

    samples = complete_samples(out_dir)
    rows = index_rows(out_dir)
    batch = _read_json(out_dir / "batch.json")
    name = Path(batch.get("template", "batch")).stem
    sheet = None
    if (out_dir / CONTACT_SHEET).is_file():
        shutil.copyfile(out_dir / CONTACT_SHEET, dest / CONTACT_SHEET)
        sheet = CONTACT_SHEET
    videos = ["videos/*.mp4", *[f"{i.label}/*.mp4" for i in items if i.is_video]]
    by_pass = {r["pass"]: r for r in pass_rows(_manifests(samples)) if "{frame" in r["pattern"] or
               r["pattern"].endswith((".npy", ".npz", ".json"))}
    columns = [("file_name", "videos/KEY.mp4", "the RGB video (H.264), loaded as the `video` column"),
               ("text", "", "the caption")]
    for i in items:
        if i.is_video:
            columns.append((f"{i.label}_file_name", f"{i.label}/KEY.mp4",
                            f"{'conditioning' if i.kind == 'control' else 'preview'} video, loaded as the "
                            f"`{i.label}` column"))
        else:
            r = by_pass.get(i.name, {})
            where = f"{i.name}/KEY/" + r.get("pattern", "").split("/")[-1] if "{frame" in r.get("pattern", "") \
                else f"{i.name}/KEY{Path(r.get('pattern', '')).suffix}"
            columns.append((i.name, where, f"{r.get('format', '')}; {r.get('decode', '')}; range: {r.get('range', '')}"))
    if any(not i.is_video for i in items):
        columns.append(("manifest", "manifests/KEY.json", "the camera's manifest: the decode parameters of each clip"))
    columns.append(("metadata", "metadata/KEY.json", "the sample's metadata.json: per-frame object poses and "
                    "velocities, events, cameras (K, world_to_camera), segmentation ids"))
    columns += [(c, "", f"index column ({t})") for c, t in COLUMNS.items() if c not in ("path", "text")]
    table = ["## Columns of `metadata.jsonl`", "",
             "`KEY` is the sample number (`000042`). Load with "
             "`datasets.load_dataset(\"videofolder\", data_dir=...)` or from the Hub with the config below.", "",
             "| column | files | meaning, decode |", "|---|---|---|",
             *[f"| `{c}` | {f'`{w}`' if w else ''} | {m} |" for c, w, m in columns], ""]
    lines = [front_matter(license=license, pretty_name=f"physreel {name}", count=len(samples),
                          task_categories=_task_categories(batch.get("passes", [])),
                          configs=[{"config_name": "default",
                                    "data_files": [{"split": "train", "path": ["metadata.jsonl", *videos]}]}]),
             "", f"# physreel dataset: {name}", "", *_body(out_dir, samples, rows, table, sheet)]
    path = dest / "README.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
