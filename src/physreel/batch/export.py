"""Export a batch folder to the layouts video-model trainers read.

``webdataset``
    ``DEST/shard-000000.tar``, ... each with up to ``shard_size`` samples; sample ``k`` is the
    members ``{k:06d}.mp4`` (first camera's RGB video), ``{k:06d}.txt`` (caption) and
    ``{k:06d}.json`` (the sample's metadata.json).  Members are stored in key order with
    fixed owner and mtime, so the same batch gives the same bytes.
``hf``
    A Hugging Face video folder: ``DEST/videos/{k:06d}.mp4`` and ``DEST/metadata.jsonl`` with one
    ``{"file_name": "videos/000000.mp4", "text": ...}`` line per sample (load with
    ``datasets.load_dataset("videofolder", data_dir=DEST)``).
``cogvideox``
    CogVideoX fine-tuning lists: ``DEST/prompt.txt`` and ``DEST/videos.txt`` (line ``i`` of one
    belongs to line ``i`` of the other; video paths relative to DEST) and ``DEST/videos/``.

Videos are hard-linked when DEST is on the same filesystem, else copied.  The export is
written to a temporary sibling of DEST and renamed when complete (with an ``export.json``
that says what it is); an existing DEST is replaced only when it is an earlier export, or with
``overwrite=True``: physreel never deletes what it did not write.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import tarfile
from pathlib import Path

from physreel.batch.index import index_rows
from physreel.errors import ArgumentError, InputError

__all__ = ["FORMATS", "export", "is_export_folder"]

FORMATS = ("webdataset", "hf", "cogvideox")


def is_export_folder(folder: Path) -> bool:
    """Whether ``folder`` is an export physreel wrote (it has ``export.json``).  A folder
    that merely looks like one (a ``videos/`` folder and a ``metadata.jsonl``) may be a
    user's own: replacing it needs ``overwrite``."""
    return (Path(folder) / "export.json").is_file()


def _link_or_copy(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    if dst.exists():
        dst.unlink()
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = 0
    info.mode = 0o644
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    tar.addfile(info, io.BytesIO(data))


def export(
    out_dir: str | Path,
    fmt: str,
    dest: str | Path | None = None,
    *,
    shard_size: int = 1000,
    overwrite: bool = False,
) -> Path:
    """Export the complete samples of a batch folder.

    Parameters
    ----------
    out_dir : path
        A batch folder written by :func:`physreel.batch.runner.run_batch`.
    fmt : {"webdataset", "hf", "cogvideox"}
    dest : path, optional
        Output folder (default ``out_dir/export/<fmt>``).
    shard_size : int
        Samples per WebDataset shard.
    overwrite : bool
        Replace ``dest`` even when it is not an earlier export.

    Returns
    -------
    Path
        The export folder.

    Raises
    ------
    ArgumentError
        Unknown format, bad shard size, or ``dest`` is a folder physreel did not write.
    InputError
        ``out_dir`` is not a batch folder or has no complete sample.
    """
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
    dest = Path(dest) if dest is not None else out_dir / "export" / fmt
    from physreel.outputs.writer import atomic_folder, check_output_folder

    check_output_folder(dest, overwrite=overwrite, what="physreel export", is_ours=is_export_folder)
    with atomic_folder(dest) as tmp:
        _write_export(out_dir, rows, tmp, fmt, shard_size)
        (tmp / "export.json").write_text(json.dumps({"format": fmt, "samples": len(rows)}, indent=1) + "\n",
                                         encoding="utf-8")
    return dest


def _write_export(out_dir: Path, rows: list[dict], dest: Path, fmt: str, shard_size: int) -> None:
    if fmt == "webdataset":
        _webdataset(out_dir, rows, dest, shard_size)
    else:
        lines_meta, prompts, videos = [], [], []
        for r in rows:
            key = f"{r['sample']:06d}"
            rel = f"videos/{key}.mp4"
            _link_or_copy(out_dir / r["path"], dest / rel)
            lines_meta.append(json.dumps({"file_name": rel, "text": r["text"]}))
            prompts.append(r["text"])
            videos.append(rel)
        if fmt == "hf":
            (dest / "metadata.jsonl").write_text("\n".join(lines_meta) + "\n", encoding="utf-8")
        else:
            (dest / "prompt.txt").write_text("\n".join(prompts) + "\n", encoding="utf-8")
            (dest / "videos.txt").write_text("\n".join(videos) + "\n", encoding="utf-8")


def _webdataset(out_dir: Path, rows: list[dict], dest: Path, shard_size: int) -> None:
    for s in range(0, len(rows), shard_size):
        path = dest / f"shard-{s // shard_size:06d}.tar"
        tmp = path.with_name(path.name + ".part")
        with tarfile.open(tmp, "w", format=tarfile.PAX_FORMAT) as tar:
            for r in rows[s : s + shard_size]:
                key = f"{r['sample']:06d}"
                video = out_dir / r["path"]
                sample = video.parent.parent
                _add(tar, f"{key}.mp4", video.read_bytes())
                _add(tar, f"{key}.txt", (r["text"] + "\n").encode("utf-8"))
                _add(tar, f"{key}.json", (sample / "metadata.json").read_bytes())
        tmp.replace(path)
