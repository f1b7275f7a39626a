"""``physreel.stylize(render_dir, stylizer)``: stylise a render folder into
``<camera>/stylized/<name>.mp4`` (+ PNG frames on request) and a manifest entry.

Files appear complete or not at all (written under a temporary name, renamed when done), and
a file physreel did not write is never replaced: an existing ``<name>.mp4`` is overwritten only
when the camera's ``manifest.json`` records it with the same SHA-256.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ArgumentError, InputError, PhysreelError, RenderError
from ..outputs.reader import load
from .registry import resolve, stylizer_name, stylizer_needs
from .source import RenderFrames
from .stabilize import keyframe_frames, raw_frames, stabilized_frames

Progress = Callable[[str, int, int], None]


@dataclass
class StylizeResult:
    """What :func:`stylize` wrote.

    Attributes
    ----------
    name : str
        The stylizer's name (the file name).
    videos : dict camera -> Path of ``<camera>/stylized/<name>.mp4``
    num_frames : int
        Frames per camera.
    seconds : float
        Wall time (reading, stylising, stabilising, encoding).
    mode : str
        ``"none"``, ``"recurrent"`` or ``"keyframes"``.
    """

    name: str
    videos: dict[str, Path] = field(default_factory=dict)
    num_frames: int = 0
    seconds: float = 0.0
    mode: str = "none"

    @property
    def ms_per_frame(self) -> float:
        n = self.num_frames * max(len(self.videos), 1)
        return 1000.0 * self.seconds / max(n, 1)


def stylize(render_dir: str | os.PathLike, stylizer: str | Callable, stabilize: bool = True, *,
            keyframes: int | None = None, alpha: float = 0.8, camera: str | None = None,
            out: str | os.PathLike | None = None, frames_png: bool = False,
            options: dict[str, Any] | None = None, progress: Progress | None = None) -> StylizeResult:
    """Stylise every frame of a render folder and write ``<camera>/stylized/<name>.mp4``.

    Parameters
    ----------
    render_dir : a folder written by ``physreel render`` / :func:`physreel.write`
    stylizer : a registered name (``"toon"``, ``"lineart"``...), ``"module:callable"`` or a
        callable ``(bundle) -> (H, W, 3) uint8`` (see :mod:`physreel.stylization.registry`)
    stabilize : blend with the previous output warped by the exact flow (needs the ``depth``
        and ``segmentation`` passes)
    keyframes : stylise only every k-th frame and propagate between keys by flow (replaces the
        recurrent blend)
    alpha : weight of the warped previous output, 0..1 (recurrent mode)
    camera : one camera (default: every camera of the render)
    out : write into this folder (``OUT/<camera>/stylized/...``) instead of the render folder
    frames_png : also write ``<camera>/stylized/<name>/NNNNN.png``
    options : keyword options for a registered stylizer (e.g. ``{"bands": 4}``)
    progress : called as ``progress(camera, done, total)``

    Returns
    -------
    StylizeResult
    """
    t0 = time.perf_counter()
    render = load(render_dir)
    styl = resolve(stylizer, **(options or {}))
    name = stylizer_name(styl)
    stylizer_needs(styl)
    cams = [camera] if camera is not None else list(render.metadata.get("cameras", {}))
    root = Path(out) if out is not None else render.folder
    mode = "keyframes" if keyframes else ("recurrent" if stabilize else "none")
    result = StylizeResult(name=name, mode=mode)
    for cam in cams:
        frames = RenderFrames(render, cam)
        dest = root / cam / "stylized"
        manifest_path = root / cam / "manifest.json"
        manifest = _manifest_for_update(manifest_path, render.folder, root)
        _check_ours(dest, name, manifest, frames_png)
        try:
            if hasattr(styl, "prepare"):
                styl.prepare(frames)
            if keyframes:
                gen = keyframe_frames(frames, styl, keyframes)
            elif stabilize:
                gen = stabilized_frames(frames, styl, alpha)
            else:
                gen = raw_frames(frames, styl)
            entry = _write(gen, frames, dest, name, frames_png, progress)
        finally:
            frames.close()
        old = manifest.get("stylized", {}).get(name) or {}
        if not frames_png and old.get("frames_png") and (dest / name).is_dir():
            shutil.rmtree(dest / name)  # our own PNGs of an earlier run: stale next to the new video
        entry.update({"stylizer": name, "needs": list(stylizer_needs(styl)),
                      "stabilize": {"none": None, "recurrent": {"mode": "recurrent", "alpha": alpha},
                                    "keyframes": {"mode": "keyframes", "every": keyframes}}[mode]})
        manifest.setdefault("stylized", {})[name] = entry
        if root != render.folder:
            manifest.setdefault("source", str(render.folder))
        _write_json_atomic(manifest_path, manifest)
        result.videos[cam] = dest / f"{name}.mp4"
        result.num_frames = frames.num_frames
    result.seconds = time.perf_counter() - t0
    return result


def _manifest_for_update(path: Path, render_folder: Path, root: Path) -> dict:
    """The camera manifest to add an entry to; refuses a manifest.json physreel did not write."""
    if not path.exists():
        if root == render_folder:
            raise InputError(f"{path} is missing: {render_folder} is not a complete physreel render")
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise InputError(f"{path} is not a physreel manifest ({e}); choose another -o folder") from None
    if not isinstance(data, dict) or not ({"passes", "stylized"} & set(data)):
        raise InputError(f"{path} was not written by physreel; it is left alone: choose another -o folder")
    return data


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _check_ours(dest: Path, name: str, manifest: dict, frames_png: bool) -> None:
    """Refuse to replace files that physreel did not write (or that changed since)."""
    entry = manifest.get("stylized", {}).get(name)
    video = dest / f"{name}.mp4"
    if video.exists() or video.is_symlink():
        if entry is None or not video.is_file() or _sha256(video) != entry.get("sha256"):
            raise InputError(f"{video} exists and was not written by physreel (or was changed since); "
                             "it is left alone: move it away, or write elsewhere with -o OUT")
    pngs = dest / name
    if pngs.exists() or pngs.is_symlink():
        if entry is None or not entry.get("frames_png") or not pngs.is_dir() or pngs.is_symlink():
            raise InputError(f"{pngs} exists and was not written by physreel; it is left alone: move it "
                             "away, or write elsewhere with -o OUT")
        if not frames_png:
            return
        listed = set(entry.get("png_files", []))
        extra = [p.name for p in pngs.iterdir() if p.name not in listed]
        if extra:
            raise InputError(f"{pngs} holds files physreel did not write ({', '.join(sorted(extra)[:3])}); "
                             "it is left alone: move them away, or write elsewhere with -o OUT")


def _write(gen, frames: RenderFrames, dest: Path, name: str, frames_png: bool,
           progress: Progress | None) -> dict:
    """Encode the frames of ``gen`` under temporary names, then rename them into place."""
    import imageio.v3 as iio

    from ..outputs.video import Mp4Writer

    dest.mkdir(parents=True, exist_ok=True)
    tag = uuid.uuid4().hex[:8]
    tmp_mp4 = dest / f".{name}.tmp-{tag}.mp4"
    tmp_png = dest / f".{name}.tmp-{tag}"
    crf = int(frames.render.metadata.get("scene", {}).get("render", {}).get("quality", 18))
    n = 0
    try:
        if frames_png:
            tmp_png.mkdir()
        with Mp4Writer(tmp_mp4, frames.fps, crf=crf) as w:
            for t, img in gen:
                w.write(img)
                if frames_png:
                    iio.imwrite(tmp_png / f"{t:05d}.png", img)
                n += 1
                if progress:
                    progress(frames.camera, n, frames.num_frames)
        sha = _sha256(tmp_mp4)
        os.replace(tmp_mp4, dest / f"{name}.mp4")
        if frames_png:
            _replace_dir(tmp_png, dest / name)
    except PhysreelError:
        _discard(tmp_mp4, tmp_png)
        raise
    except BaseException as e:
        _discard(tmp_mp4, tmp_png)
        if isinstance(e, Exception):
            raise RenderError(f"stylizing camera '{frames.camera}' with {name!r} failed: "
                              f"{type(e).__name__}: {e}") from e
        raise
    return {"file": f"stylized/{name}.mp4", "sha256": sha,
            "frames_png": f"stylized/{name}/{{frame:05d}}.png" if frames_png else None,
            "png_files": [f"{t:05d}.png" for t in range(n)] if frames_png else [],
            "dtype": "uint8", "shape": [n, frames.height, frames.width, 3], "units": "sRGB",
            "codec": "H.264 yuv420p (lossy); PNG frames are lossless"}


def _discard(*paths: Path) -> None:
    for p in paths:
        if p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
        elif p.exists():
            p.unlink()


def _replace_dir(tmp: Path, target: Path) -> None:
    old = None
    if target.exists():
        old = target.parent / f".{target.name}.old-{uuid.uuid4().hex[:8]}"
        os.rename(target, old)
    os.rename(tmp, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _write_json_atomic(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.tmp-{uuid.uuid4().hex[:8]}"
    try:
        tmp.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
        os.replace(tmp, path)
    except BaseException:
        _discard(tmp)
        raise


def parse_options(pairs: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """``["bands=4", "outline_color=[0,0,0]"]`` -> ``{"bands": 4, "outline_color": [0, 0, 0]}``
    (values are JSON when they parse as JSON, else strings)."""
    out: dict[str, Any] = {}
    for p in pairs:
        key, sep, value = p.partition("=")
        if not sep or not key.strip():
            raise ArgumentError(f"--option expects KEY=VALUE, got {p!r}")
        try:
            out[key.strip()] = json.loads(value)
        except ValueError:
            out[key.strip()] = value
    return out
