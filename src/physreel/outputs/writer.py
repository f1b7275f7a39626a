"""write_render(): simulate a scene and write its whole output folder, atomically."""

from __future__ import annotations

import os
import shutil
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ArgumentError, PhysreelError, RenderError
from ..physics.simulate import build_geometries, simulate
from ..rendering.stream import camera_views, open_renderer
from ..scene.models import Scene
from ..scene.yamlio import dump
from .camera_writer import CONTROL_KINDS, passes_for_controls
from .metadata import build_metadata, write_json

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
    warnings : list of str
        Things the user should know that did not stop the render (e.g. a missing texture),
        each once; also in metadata.json.
    """

    out: Path
    num_frames: int
    seconds: float
    fps: float
    videos: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def write_render(
    scene: Scene,
    out: str | os.PathLike,
    *,
    passes: Sequence[str] | None = None,
    controls: Sequence[str] | None = None,
    frames_png: bool = False,
    flo: bool | None = None,
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
    controls : conditioning exports (default: the scene's ``render.control``); they add the
        passes they are made from
    frames_png : also write every RGB frame as ``<camera>/rgb/NNNNN.png``
    flo : also write flow as Middlebury ``.flo`` files (default: the scene's ``render.flo``)
    progress : called as ``progress(stage, done, total)``
    """
    from ..rendering.passes import check_passes

    t0 = time.perf_counter()
    out = Path(out)
    controls = list(controls) if controls is not None else list(scene.render.control)
    bad = [c for c in controls if c not in CONTROL_KINDS]
    if bad:
        raise ArgumentError(f"unknown control {', '.join(map(repr, bad))}; choose from {', '.join(CONTROL_KINDS)}")
    passes = check_passes(passes_for_controls(list(passes) if passes is not None else list(scene.render.passes), controls))
    flo = scene.render.flo if flo is None else flo
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.tmp-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        n, warnings = _write(scene, tmp, passes, controls, frames_png, flo, progress)
        _replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    seconds = time.perf_counter() - t0
    n_cams = len(scene.cameras)
    return RenderResult(out, n, seconds, n * n_cams / max(seconds, 1e-9),
                        [out / c.name / "rgb.mp4" for c in scene.cameras if "rgb" in passes], warnings)


def _write(scene: Scene, tmp: Path, passes: list[str], controls: list[str], frames_png: bool, flo: bool,
           progress: Progress | None) -> tuple[int, list[str]]:
    from ..rendering.passes import boxes_geometry, render_passes, track_accumulator
    from .camera_writer import CameraWriter

    geometries = build_geometries(scene)
    n = scene.num_frames
    traj = simulate(scene, geometries=geometries,
                    progress=(lambda d, t: progress("simulate", d, t)) if progress else None)
    w, h = scene.resolution
    views_by_cam = {}
    manifests: dict[str, dict] = {}
    total = n * len(scene.cameras)
    done = 0
    all_geoms = {**geometries, **traj.extra_geometry}
    labels = class_labels(scene, traj)
    with open_renderer(scene, traj, geometries, w, h) as renderer:
        for cam in scene.cameras:
            views = camera_views(scene, cam, traj, w, h)
            views_by_cam[cam.name] = views
            writer = CameraWriter(tmp / cam.name, num_frames=n, width=w, height=h, fps=scene.fps, passes=passes,
                                  controls=controls, frames_png=frames_png, flo=flo, crf=scene.render.quality,
                                  class_labels=labels)
            tracks = track_accumulator(scene, traj, all_geoms, w, h) if "tracks" in passes else None
            try:
                for bundle in render_passes(renderer, traj, views, cam.name, passes, tracks=tracks,
                                            boxes_geometry=boxes_geometry(traj, all_geoms) if "boxes" in passes else None):
                    writer.write(bundle)
                    done += 1
                    if progress:
                        progress("render", done, total)
                manifests[cam.name] = writer.finish(tracks.result() if tracks is not None else None)
            except PhysreelError:
                writer.abort()
                raise
            except Exception as e:  # noqa: BLE001
                writer.abort()
                raise RenderError(f"rendering camera '{cam.name}' failed: {type(e).__name__}: {e}") from e
    files = {name: sorted(p.relative_to(tmp / name).as_posix() for p in (tmp / name).iterdir()) for name in manifests}
    from ..rendering.visibility import bounding_spheres, view_events

    spheres = bounding_spheres(traj, all_geoms)
    in_view_at_start = {}
    for cam_name, views in views_by_cam.items():
        evs, start = view_events(traj, views, cam_name, spheres)
        traj.events.extend(evs)
        in_view_at_start[cam_name] = start
    traj.events.sort(key=lambda e: (e["time"], e["type"], str(e.get("object", e.get("objects", "")))))
    meta = build_metadata(scene, traj, views_by_cam, traj.masses, files)
    for cam_name, start in in_view_at_start.items():
        meta["cameras"][cam_name]["in_view_at_start"] = start
    warnings = list(dict.fromkeys(w for g in geometries.values() for w in g.warnings))
    meta["warnings"] = warnings
    write_json(tmp / "metadata.json", meta)
    (tmp / "scene.yaml").write_text(dump(scene.model_dump(mode="json")), encoding="utf-8")
    return n, warnings


def class_labels(scene: Scene, traj) -> list[str]:
    """Semantic class of every segmentation id (index = id): background, floor, objects."""
    from ..scene.resolve import object_material

    specs = {o.name: o for o in scene.objects}
    out = ["background", "floor"]
    nouns = {"sphere": "ball", "box": "box"}
    for name in traj.names:
        spec = specs[traj.root_of(name)]
        out.append(spec.class_name or nouns.get(spec.shape.type) or object_material(scene, spec).class_name)
    return out


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
