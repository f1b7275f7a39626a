"""The public API: load_scene -> simulate -> render (stream) / write -> load.

    import physreel
    scene = physreel.load_scene("scenes/glass_drop.yaml")
    traj = physreel.simulate(scene)                         # plain numpy, no rendering
    for bundle in physreel.render(scene, passes=["rgb"]):   # one frame at a time
        frame = bundle["rgb"]                               # (H, W, 3) uint8
    physreel.write(scene, "renders/glass_drop")             # the whole output folder
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from typing import Any

from .physics.simulate import build_geometries
from .physics.simulate import simulate as _simulate
from .physics.trajectory import Trajectory
from .rendering.passes import boxes_geometry, render_passes, track_accumulator
from .rendering.stream import FrameBundle, camera_views, open_renderer
from .scene.loader import load_scene
from .scene.models import Scene

SceneLike = Scene | str | os.PathLike | dict


def with_overrides(scene: Scene, **overrides: Any) -> Scene:
    """A copy of ``scene`` with top-level values replaced (None values are ignored) and
    re-validated, e.g. ``with_overrides(scene, resolution=(320, 240), fps=12)``."""
    upd = {k: v for k, v in overrides.items() if v is not None}
    if not upd:
        return scene
    data = scene.model_dump(mode="json")
    data.update(upd)
    from .scene.loader import load_scene_data

    return load_scene_data(data, source=scene.source or "<scene>")


def simulate(scene: SceneLike) -> Trajectory:
    """Simulate a scene (path, dict or Scene) and return its :class:`Trajectory`."""
    return _simulate(load_scene(scene))


def render(
    scene: SceneLike,
    passes: Sequence[str] = ("rgb",),
    *,
    camera: str | None = None,
    trajectory: Trajectory | None = None,
) -> Iterator[FrameBundle]:
    """Stream the frames of one camera, one :class:`FrameBundle` at a time.

    The scene is simulated first (unless ``trajectory`` is given), then each frame is rendered
    when the consumer asks for it: memory does not grow with the clip length.

    Parameters
    ----------
    scene : path, dict or Scene
    passes : pass names: ``rgb``, ``depth``, ``segmentation``, ``normals``, ``flow_forward``,
        ``flow_backward``, ``occlusion_forward``, ``occlusion_backward``, ``tracks``, ``boxes``
    camera : camera name (default: the scene's first camera)
    trajectory : a Trajectory from :func:`simulate` to reuse
    """
    from .rendering.passes import check_passes

    passes = check_passes(passes)
    sc = load_scene(scene)
    cams = {c.name: c for c in sc.cameras}
    cam = cams[camera] if camera is not None else sc.cameras[0]
    if camera is not None and camera not in cams:
        from .errors import ArgumentError

        raise ArgumentError(f"no camera named {camera!r}; the scene has {', '.join(cams)}")
    geometries = build_geometries(sc)
    traj = trajectory if trajectory is not None else _simulate(sc, geometries=geometries)
    w, h = sc.resolution
    all_geoms = {**geometries, **traj.extra_geometry}
    tracks = track_accumulator(sc, traj, all_geoms, w, h) if "tracks" in passes else None
    boxes = boxes_geometry(traj, all_geoms) if "boxes" in passes else None
    with open_renderer(sc, traj, geometries, w, h) as renderer:
        views = camera_views(sc, cam, traj, w, h)
        yield from render_passes(renderer, traj, views, cam.name, passes, tracks=tracks, boxes_geometry=boxes)


def write(scene: SceneLike, out: str | os.PathLike, **kwargs: Any):
    """Simulate and render a scene into folder ``out`` (see :func:`write_render`)."""
    from .outputs.writer import write_render

    return write_render(load_scene(scene), out, **kwargs)
