"""Export a batch folder to the layouts video-model trainers read, with the conditioning and
ground truth they need (``include``).

What a sample exports: always the first camera's RGB video, the caption and ``metadata.json``;
then each ``include`` item:

=====================  ========================================================================
item                   what
=====================  ========================================================================
``<pass>``             the pass's stored data as written (compact 16-bit/1-bit PNG frames,
                       ``.npy``, ``tracks.npz``, ``boxes.json``), with the camera's
                       ``manifest.json`` (decode rules, per-clip ranges); aliases accepted
``control/<name>``     the conditioning video ``control/<name>.mp4`` (``depth``, ``normal``,
                       ``edges``, ``canny``, ``seg``, ``tracks``)
``preview/<pass>``     the pass's viewable video ``<pass>.mp4`` (colour-mapped depth, flow ...)
``all``                every pass and control the batch rendered
=====================  ========================================================================

Layouts (:data:`FORMATS`):

``webdataset``
    ``DEST/shard-NNNNNN.tar`` of up to ``shard_size`` samples; sample ``k`` (key ``{k:06d}``)
    is the members ``KEY.mp4`` (RGB), ``KEY.txt`` (caption), ``KEY.json`` (metadata.json),
    ``KEY.manifest.json`` (when a pass is included), ``KEY.control_<name>.mp4``,
    ``KEY.preview_<pass>.mp4`` and, per pass, one member in the pass's stored format:
    ``KEY.<pass>.png16.tar`` / ``.png1.tar`` / ``.png.tar`` (a tar of the frames
    ``NNNNN.png``), ``KEY.<pass>.npy``, ``KEY.tracks.npz``, ``KEY.boxes.json``.  Members are
    written in key order with fixed owner and mtime: the same batch gives the same bytes.
``hf``
    A Hugging Face VideoFolder: ``DEST/videos/KEY.mp4``, ``DEST/control_<name>/KEY.mp4``,
    ``DEST/preview_<pass>/KEY.mp4``, ``DEST/<pass>/KEY/NNNNN.png`` (or ``DEST/<pass>/KEY.npy``
    ...), ``DEST/manifests/KEY.json``, ``DEST/metadata/KEY.json`` (the sample's metadata.json)
    and ``DEST/metadata.jsonl`` with one row per sample: ``file_name`` (the RGB video),
    ``text``, a ``<item>_file_name`` column per included video (``datasets`` loads each as a
    Video column named ``<item>``), a ``<pass>`` column with the path of the pass's frames,
    ``manifest``, ``metadata``, and the index columns; plus ``README.md``, the
    dataset card with YAML front matter (license, task categories, configs).  Load with
    ``datasets.load_dataset("videofolder", data_dir=DEST)``.
``cogvideox``, ``wan``
    Fine-tuning lists: ``DEST/prompt.txt``, ``DEST/videos.txt`` (line ``i`` of one belongs to
    line ``i`` of the other; paths relative to DEST), ``DEST/videos/`` and, per included video,
    ``DEST/<item>.txt`` + ``DEST/<item>/``.  Every clip is conformed to the model's frame rule,
    size and fps (:mod:`physreel.batch.conform`) or the export is refused with the reason.

Unchanged files are hard-linked when DEST is on the same filesystem, else copied.  The export is
written to a temporary sibling of DEST and renamed when complete, with an ``export.json`` that
says what it holds; an existing DEST is replaced only when it is an earlier export (or with
``overwrite=True``).
"""

from __future__ import annotations

import io
import json
import os
import shutil
import tarfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from physreel.batch.index import index_rows
from physreel.errors import ArgumentError, InputError

__all__ = ["FORMATS", "Item", "export", "is_export_folder", "resolve_include"]

FORMATS = ("webdataset", "hf", "cogvideox", "wan")
#: webdataset member suffix of each stored format of a pass
_PACKED = {"png16": "png16.tar", "png1": "png1.tar", "png": "png.tar", "flo": "flo.tar"}


@dataclass(frozen=True)
class Item:
    """One include item: ``kind`` is ``"pass"``, ``"control"`` or ``"preview"``."""

    kind: str
    name: str

    @property
    def label(self) -> str:
        """Its name in member names and columns: ``depth``, ``control_depth``, ``preview_depth``."""
        return self.name if self.kind == "pass" else f"{self.kind}_{self.name}"

    @property
    def is_video(self) -> bool:
        return self.kind in ("control", "preview")

    def video(self, camera: Path) -> Path:
        return camera / (f"control/{self.name}.mp4" if self.kind == "control" else f"{self.name}.mp4")

    def __str__(self) -> str:
        return self.name if self.kind == "pass" else f"{self.kind}/{self.name}"


def is_export_folder(folder: Path) -> bool:
    """Whether ``folder`` is an export physreel wrote (it has ``export.json``)."""
    return (Path(folder) / "export.json").is_file()


def resolve_include(include: Iterable[str] | str, manifest: dict) -> list[Item]:
    """The include items of ``include`` (comma-separated string or names) for a batch whose
    first camera has ``manifest``.

    Raises
    ------
    ArgumentError
        An unknown name ("did you mean") or one the batch did not render (and how to render it).
    """
    from physreel.passes import CONTROLS, PASSES

    if isinstance(include, str):
        include = [s.strip() for s in include.split(",") if s.strip()]
    have_passes = list(manifest.get("passes", {}))
    have_controls = list(manifest.get("control", {}))
    items: list[Item] = []
    for raw in include:
        if raw == "all":
            items += [Item("pass", p) for p in have_passes if p != "rgb"]
            items += [Item("control", c) for c in have_controls]
            continue
        kind, _, name = raw.partition("/") if "/" in raw else ("pass", "", raw)
        if kind not in ("pass", "control", "preview"):
            raise ArgumentError(f"--include {raw}: expected a pass name, control/<name> or preview/<pass>")
        try:
            canonical = (CONTROLS if kind == "control" else PASSES).canonical(name)
        except ArgumentError as e:
            raise ArgumentError(f"--include {raw}: {e}") from None
        have = have_controls if kind == "control" else have_passes
        if canonical not in have:
            flag = "--control" if kind == "control" else "--passes"
            raise ArgumentError(f"--include {raw}: the batch has no {'control' if kind == 'control' else 'pass'} "
                                f"{canonical!r} (it has {', '.join(have) or 'none'}); render the batch with "
                                f"{flag} {canonical}")
        if canonical == "rgb" and kind == "pass":
            continue  # the RGB video is always exported
        items.append(Item(kind, canonical))
    return list(dict.fromkeys(items))


def export(
    out_dir: str | Path,
    fmt: str,
    dest: str | Path | None = None,
    *,
    shard_size: int = 1000,
    include: Iterable[str] | str = (),
    overwrite: bool = False,
    license: str = "other",  # noqa: A002 - the dataset card's field name
) -> Path:
    """Export the complete samples of a batch folder.

    Parameters
    ----------
    out_dir : path
        A batch folder written by :func:`physreel.batch.runner.run_batch`.
    fmt : one of :data:`FORMATS`
    dest : path, optional
        Output folder (default ``out_dir/export/<fmt>``).
    shard_size : int
        Samples per WebDataset shard.
    include : names
        Passes, ``control/<name>``, ``preview/<pass>`` or ``all`` (see the module docs).
    overwrite : bool
        Replace ``dest`` even when it is not an earlier export.
    license : str
        The ``license`` of the HF dataset card (a Hub licence id, e.g. ``cc-by-4.0``).

    Returns
    -------
    Path
        The export folder.

    Raises
    ------
    ArgumentError
        Unknown format or include item, bad shard size, an include item the format cannot hold,
        a clip that cannot be conformed (cogvideox, wan), or ``dest`` is not ours.
    InputError
        ``out_dir`` is not a batch folder or has no complete sample.
    """
    from physreel.outputs.writer import atomic_folder, check_output_folder

    out_dir = Path(out_dir)
    if fmt not in FORMATS:
        raise ArgumentError(f"export format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    if shard_size < 1:
        raise ArgumentError(f"shard size must be >= 1, got {shard_size}")
    if not (out_dir / "samples").is_dir():
        raise InputError(f"{out_dir} is not a batch folder (no samples/); run `physreel batch`")
    rows = [r for r in index_rows(out_dir) if r["path"]]
    if not rows:
        raise InputError(f"{out_dir} has no complete sample with a video to export")
    items = resolve_include(include, _manifest(out_dir / rows[0]["path"]))
    if fmt in ("cogvideox", "wan"):
        data = [str(i) for i in items if not i.is_video]
        if data:
            raise ArgumentError(f"--include {','.join(data)}: the {fmt} layout holds videos only; include "
                                f"control/<name> or preview/<pass> videos, or export the data with --format "
                                "webdataset or hf")
        from physreel.batch.conform import layouts

        conformed = _plan_conform(out_dir, rows, items, layouts()[fmt])
    dest = Path(dest) if dest is not None else out_dir / "export" / fmt
    check_output_folder(dest, overwrite=overwrite, what="physreel export", is_ours=is_export_folder)
    with atomic_folder(dest) as tmp:
        info = {"format": fmt, "samples": len(rows), "include": [str(i) for i in items]}
        if fmt == "webdataset":
            _webdataset(out_dir, rows, items, tmp, shard_size)
        elif fmt == "hf":
            _hf(out_dir, rows, items, tmp, license)
        else:
            info["conformed"] = _lists(out_dir, rows, items, tmp, *conformed)
        (tmp / "export.json").write_text(json.dumps(info, indent=1) + "\n", encoding="utf-8")
    return dest


# ------------------------------------------------------------------------------ per sample


def _manifest(video: Path) -> dict:
    path = video.parent / "manifest.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def _pass_files(camera: Path, manifest: dict, name: str) -> tuple[str, list[Path]]:
    """(format, files) of the storage pass ``name`` is read back from: the frames of a
    per-frame storage in order, or one file."""
    entry = manifest.get("passes", {}).get(name, {})
    files = entry.get("files") or [{"pattern": entry.get("file", ""), "format": Path(entry.get("file", "")).suffix[1:]}]
    first = next((f for f in files if f["pattern"] == entry.get("file")), files[0])
    pattern, fmt = first["pattern"], first.get("format", "")
    if "{frame" in pattern:
        folder = camera / pattern.split("/")[0]
        ext = Path(pattern).suffix
        found = sorted(p for p in folder.glob(f"*{ext}") if p.name[0].isdigit())
    else:
        found = [camera / pattern] if (camera / pattern).is_file() else []
    if not found:
        raise InputError(f"{camera}: the files of pass {name!r} ({pattern}) are missing; the sample is incomplete")
    return fmt, found


def _sample_members(out_dir: Path, row: dict, items: Sequence[Item]) -> list[tuple[str, Path | bytes | list[Path]]]:
    """(suffix, source) of every member of one sample: a file, bytes, or the frames of a pass."""
    video = out_dir / row["path"]
    camera, sample = video.parent, video.parent.parent
    members: list[tuple[str, Path | bytes | list[Path]]] = [
        ("mp4", video), ("txt", (row["text"] + "\n").encode("utf-8")), ("json", sample / "metadata.json")]
    manifest = _manifest(video)
    if any(i.kind == "pass" for i in items):
        members.append(("manifest.json", camera / "manifest.json"))
    for item in items:
        if item.is_video:
            path = item.video(camera)
            if not path.is_file():
                raise InputError(f"{sample}: {path.relative_to(sample)} is missing ({item} was asked for); "
                                 "the sample is incomplete or was rendered without it")
            members.append((f"{item.label}.mp4", path))
        else:
            fmt, files = _pass_files(camera, manifest, item.name)
            if fmt in _PACKED or len(files) > 1:
                members.append((f"{item.name}.{_PACKED.get(fmt, fmt + '.tar')}", files))
            else:
                members.append((f"{item.name}{''.join(files[0].suffixes)}", files[0]))
    return members


# ------------------------------------------------------------------------------ webdataset


def _tar_bytes(files: list[Path]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for p in files:
            _add(tar, p.name, p.read_bytes())
    return buf.getvalue()


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = 0
    info.mode = 0o644
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    tar.addfile(info, io.BytesIO(data))


def _webdataset(out_dir: Path, rows: list[dict], items: Sequence[Item], dest: Path, shard_size: int) -> None:
    for s in range(0, len(rows), shard_size):
        path = dest / f"shard-{s // shard_size:06d}.tar"
        with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tar:
            for r in rows[s : s + shard_size]:
                key = f"{r['sample']:06d}"
                for suffix, src in _sample_members(out_dir, r, items):
                    data = src if isinstance(src, bytes) else _tar_bytes(src) if isinstance(src, list) \
                        else src.read_bytes()
                    _add(tar, f"{key}.{suffix}", data)


# ------------------------------------------------------------------------------ hugging face


def _hf(out_dir: Path, rows: list[dict], items: Sequence[Item], dest: Path, license: str) -> None:  # noqa: A002
    from physreel.batch.card import write_hf_card

    lines = []
    for r in rows:
        key = f"{r['sample']:06d}"
        row = {"file_name": f"videos/{key}.mp4", "text": r["text"]}
        for suffix, src in _sample_members(out_dir, r, items):
            if suffix == "mp4":
                _link_or_copy(src, dest / row["file_name"])
            elif suffix == "manifest.json":
                row["manifest"] = f"manifests/{key}.json"
                _link_or_copy(src, dest / row["manifest"])
            elif suffix.endswith(".mp4"):
                label = suffix[: -len(".mp4")]
                row[f"{label}_file_name"] = f"{label}/{key}.mp4"
                _link_or_copy(src, dest / row[f"{label}_file_name"])
            elif isinstance(src, list):
                label = suffix.split(".")[0]
                row[label] = f"{label}/{key}"
                for p in src:
                    _link_or_copy(p, dest / label / key / p.name)
            elif suffix == "json":
                row["metadata"] = f"metadata/{key}.json"
                _link_or_copy(src, dest / row["metadata"])
            elif isinstance(src, Path):
                label = suffix.split(".")[0]
                row[label] = f"{label}/{key}{''.join(src.suffixes)}"
                _link_or_copy(src, dest / row[label])
        row.update({k: v for k, v in r.items() if k not in ("path", "text")})
        lines.append(json.dumps(row))
    (dest / "metadata.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    write_hf_card(out_dir, dest, items, license=license)


# ------------------------------------------------------------------------------ cogvideox, wan


def _plan_conform(out_dir: Path, rows: list[dict], items: Sequence[Item], layout):
    """Every sample's conform plan, checked before anything is written (all refusals at once)."""
    from physreel.batch.conform import plan_clip

    plans, problems = [], []
    for r in rows:
        try:
            plans.append(plan_clip(layout, r["num_frames"], r["fps"], r["width"], r["height"],
                                   f"sample {r['sample']:06d}"))
        except ArgumentError as e:
            problems.append(str(e))
    if problems:
        more = f"\n(and {len(problems) - 5} more samples)" if len(problems) > 5 else ""
        raise ArgumentError(f"cannot export to the {layout.name} layout:\n" + "\n".join(problems[:5]) + more)
    return layout, plans


def _lists(out_dir: Path, rows: list[dict], items: Sequence[Item], dest: Path, layout, plans) -> dict:
    from physreel.batch.conform import write_conformed

    lists: dict[str, list[str]] = {"prompt": [], "videos": [], **{i.label: [] for i in items}}
    reencoded = 0
    for r, plan in zip(rows, plans, strict=True):
        key = f"{r['sample']:06d}"
        camera = (out_dir / r["path"]).parent
        sources = [("videos", out_dir / r["path"], False)] + \
                  [(i.label, i.video(camera), i.name == "seg") for i in items]
        for label, src, nearest in sources:
            rel = f"{label}/{key}.mp4"
            if not src.is_file():
                raise InputError(f"{camera.parent}: {src.relative_to(camera.parent)} is missing; the sample is "
                                 "incomplete or was rendered without it")
            if plan.identical:
                _link_or_copy(src, dest / rel)
            else:
                write_conformed(src, dest / rel, plan, layout, nearest)
                reencoded += 1
            lists[label].append(rel)
        lists["prompt"].append(r["text"])
    for label, lines in lists.items():
        (dest / f"{label}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return {"model": layout.model, "frames": layout.frames, "frame_rule": layout.rule,
            "size": [layout.width, layout.height], "fps": layout.fps, "reencoded_videos": reencoded}


# ------------------------------------------------------------------------------ files


def _link_or_copy(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    if dst.exists():
        dst.unlink()
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)
