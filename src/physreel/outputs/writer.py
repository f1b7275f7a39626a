"""write_render(): simulate a scene and write its whole output folder, atomically."""

from __future__ import annotations

import os
import shutil
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import PhysreelError, RenderError
from ..physics.simulate import build_geometries, simulate
from ..render.stream import camera_views, open_renderer, render_camera
from ..scene.models import Scene
from ..scene.yamlio import dump
from .metadata import build_metadata, write_json
from .video import Mp4Writer

Progress = Callable[[str, int, int], None]


@dataclass
class RenderResult:
    """What one render produced.

    Attributes
    ----------
    out : Path
        The output folder.
    num_frames : int
        Frames per camera.
    seconds : float
        Wall time of the whole render (simulation, rendering, encoding).
    fps : float
        Rendered frames per second over all cameras (frames x cameras / seconds).
    videos : list of Path
        The RGB videos, one per camera.
    """

    out: Path
    num_frames: int
    seconds: float
    fps: float
    videos: list[Path] = field(default_factory=list)


def write_render(
    scene: Scene,
    out: str | os.PathLike,
    *,
    passes: Sequence[str] | None = None,
    frames_png: bool = False,
    progress: Progress | None = None,
) -> RenderResult:
    """Simulate ``scene`` once and render every camera into folder ``out``.

    The folder appears complete or not at all: everything is written to a temporary sibling
    which is renamed when done (an existing ``out`` is replaced only then).

    Parameters
    ----------
    scene : Scene
    out : output folder
    passes : pass names to render (default: the scene's ``render.passes``)
    frames_png : also write every RGB frame as ``<camera>/rgb/NNNNN.png``
    progress : called as ``progress(stage, done, total)``
    """
    t0 = time.perf_counter()
    out = Path(out)
    passes = list(passes) if passes is not None else list(scene.render.passes)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.tmp-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        result = _write(scene, tmp, passes, frames_png, progress)
        _replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    seconds = time.perf_counter() - t0
    n_cams = len(scene.cameras)
    return RenderResult(out, result["num_frames"], seconds, result["num_frames"] * n_cams / max(seconds, 1e-9),
                        [out / c.name / "rgb.mp4" for c in scene.cameras if "rgb" in passes])


def _write(scene: Scene, tmp: Path, passes: list[str], frames_png: bool, progress: Progress | None) -> dict:
    geometries = build_geometries(scene)
    n = scene.num_frames
    traj = simulate(scene, geometries=geometries,
                    progress=(lambda d, t: progress("simulate", d, t)) if progress else None)
    w, h = scene.resolution
    views_by_cam = {}
    files: dict[str, list[str]] = {}
    total = n * len(scene.cameras)
    done = 0
    with open_renderer(scene, traj, geometries, w, h) as renderer:
        for cam in scene.cameras:
            views = camera_views(scene, cam, traj, w, h)
            views_by_cam[cam.name] = views
            cdir = tmp / cam.name
            cdir.mkdir()
            files[cam.name] = []
            video = Mp4Writer(cdir / "rgb.mp4", scene.fps, crf=scene.render.quality) if "rgb" in passes else None
            if video is not None:
                files[cam.name].append("rgb.mp4")
            if frames_png:
                (cdir / "rgb").mkdir()
                files[cam.name].append("rgb/{frame:05d}.png")
            try:
                for bundle in render_camera(renderer, traj, views, cam.name, passes):
                    if video is not None:
                        video.write(bundle["rgb"])
                    if frames_png:
                        _write_png(cdir / "rgb" / f"{bundle.frame:05d}.png", bundle["rgb"])
                    done += 1
                    if progress:
                        progress("render", done, total)
            except PhysreelError:
                raise
            except Exception as e:  # noqa: BLE001
                raise RenderError(f"rendering camera '{cam.name}' failed: {type(e).__name__}: {e}") from e
            finally:
                if video is not None:
                    video.close()
    meta = build_metadata(scene, traj, views_by_cam, getattr(traj, "masses", {}), files)
    write_json(tmp / "metadata.json", meta)
    (tmp / "scene.yaml").write_text(dump(scene.model_dump(mode="json")), encoding="utf-8")
    return {"num_frames": n}


def _write_png(path: Path, img) -> None:
    import imageio.v3 as iio

    iio.imwrite(path, img)


def _replace(tmp: Path, out: Path) -> None:
    """Move ``tmp`` to ``out``; an old ``out`` is moved aside first and deleted after."""
    old = None
    if out.exists() or out.is_symlink():
        if not out.is_dir():
            raise RenderError(f"output path {out} exists and is not a folder; choose another -o")
        old = out.parent / f".{out.name}.old-{uuid.uuid4().hex[:8]}"
        os.rename(out, old)
    os.rename(tmp, out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
