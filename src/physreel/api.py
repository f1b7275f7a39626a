"""The public API: one pipeline, build -> simulate -> render (stream) / write -> load.

    import physreel
    scene = physreel.load_scene("scenes/glass_drop.yaml")
    assembly = physreel.build(scene)                        # every object resolved once
    traj = physreel.simulate(assembly)                      # plain numpy, no rendering
    for bundle in physreel.render(assembly, ["rgb"], trajectory=traj):   # one frame at a time
        frame = bundle["rgb"]                               # (H, W, 3) uint8
    physreel.write(assembly, "renders/glass_drop", trajectory=traj)      # the whole output folder

Every function takes a scene path, a dict, a Scene or an Assembly; the CLI and the batch
workers call these same functions.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from .assembly import Assembly
from .errors import ArgumentError
from .physics.trajectory import Trajectory
from .rendering.stream import FrameBundle
from .scene.loader import load_scene
from .scene.models import Scene

SceneLike = Scene | Assembly | str | os.PathLike | dict


def with_overrides(scene: Scene, **overrides: Any) -> Scene:
    """A copy of ``scene`` with top-level values replaced (None values are ignored) and
    re-validated, e.g. ``with_overrides(scene, resolution=(320, 240), fps=12)``."""
    upd = {k: v for k, v in overrides.items() if v is not None}
    if not upd:
        return scene
    # only what the scene sets: a value it leaves to a default (physics.rate follows fps) is
    # derived again from the new values
    data = scene.model_dump(mode="json", exclude_unset=True)
    data.update(upd)
    from .scene.loader import load_scene_data

    return load_scene_data(data, source=scene.source or "<scene>", positions=scene._positions)


def build(scene: SceneLike) -> Assembly:
    """Load (if needed) and build a scene: every object resolved once (see
    :mod:`physreel.build`)."""
    if isinstance(scene, Assembly):
        return scene
    from .assembly import build as _build

    return _build(load_scene(scene))


def simulate(scene: SceneLike, *, progress: Callable[[int, int], None] | None = None) -> Trajectory:
    """Simulate a scene (path, dict, Scene or Assembly) and return its :class:`Trajectory`."""
    from .physics.simulate import simulate as _simulate

    return _simulate(build(scene), progress=progress)


def render(
    scene: SceneLike,
    passes: Sequence[str] = ("rgb",),
    *,
    camera: str | None = None,
    trajectory: Trajectory | None = None,
) -> Iterator[FrameBundle]:
    """Stream the frames of one camera, one :class:`FrameBundle` at a time.

    The arguments are checked at once (an unknown pass or camera raises
    :class:`~physreel.errors.ArgumentError` before anything is simulated); the scene is
    simulated when the first frame is asked for (unless ``trajectory`` is given), then each
    frame is rendered when the consumer asks for it: memory does not grow with the clip length.

    Parameters
    ----------
    scene : path, dict, Scene or Assembly
    passes : pass names (:data:`physreel.passes.PASSES`: ``rgb``, ``depth``, ``segmentation``,
        ``normals``, ``flow_forward``, ``flow_backward``, ``occlusion_*``, ``tracks``, ``boxes``;
        aliases such as ``seg`` and ``all`` are accepted)
    camera : camera name (default: the scene's first camera)
    trajectory : a Trajectory from :func:`simulate` of this scene, to reuse
    """
    from .rendering.passes import check_passes

    passes = check_passes(passes)
    assembly = build(scene)
    sc = assembly.scene
    cams = {c.name: c for c in sc.cameras}
    if camera is not None and camera not in cams:
        raise ArgumentError(f"no camera named {camera!r}; the scene has {', '.join(cams)}")
    cam = cams[camera] if camera is not None else sc.cameras[0]
    if trajectory is not None:
        check_trajectory(assembly, trajectory)
    return _stream(assembly, cam, passes, trajectory)


def _stream(assembly: Assembly, cam, passes: list[str], trajectory: Trajectory | None) -> Iterator[FrameBundle]:
    from .outputs.writer import body_geometries, class_labels
    from .passes import Clip
    from .physics.simulate import simulate as _simulate
    from .rendering.passes import render_passes
    from .rendering.stream import camera_views, open_renderer

    traj = trajectory if trajectory is not None else _simulate(assembly)
    assembly = framed(assembly, traj)
    sc = assembly.scene
    cam = next(c for c in sc.cameras if c.name == cam.name)
    w, h = sc.resolution
    with open_renderer(assembly, traj, w, h) as renderer:
        views = camera_views(sc, cam, traj, w, h)
        clip = Clip(assembly, traj, cam.name, views, body_geometries(assembly, traj), class_labels(assembly, traj))
        yield from render_passes(renderer, clip, passes)


def write(
    scene: SceneLike,
    out: str | os.PathLike,
    *,
    trajectory: Trajectory | None = None,
    passes: Sequence[str] | None = None,
    controls: Sequence[str] | None = None,
    frames_png: bool = False,
    flo: bool | None = None,
    overwrite: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
    record=None,
    storage: str | None = None,
):
    """Build, simulate (unless ``trajectory`` is given) and render a scene into folder ``out``.

    The folder appears complete or not at all (written to a temporary sibling, then renamed).
    An existing ``out`` is replaced only when it holds a physreel render or is empty, unless
    ``overwrite=True``; this is checked before anything is simulated.

    Parameters
    ----------
    scene : path, dict, Scene or Assembly
    out : output folder
    trajectory : a Trajectory from :func:`simulate` of this scene (not simulated again)
    passes : pass names (default: the scene's ``render.passes``)
    controls : conditioning exports (default: the scene's ``render.control``); they add the
        passes they are made from
    frames_png : also write every RGB frame as ``<camera>/rgb/NNNNN.png``
    flo : also write flow as Middlebury ``.flo`` files (default: the scene's ``render.flo``)
    overwrite : replace ``out`` whatever it holds
    progress : called as ``progress(stage, done, total)`` with stage ``simulate`` or ``render``
    record : the :class:`~physreel.outputs.writer.SimulationRecord` of ``trajectory``, when the
        caller made it already (e.g. to show its warnings before rendering)
    storage : ``"compact"`` (16-bit PNGs that :func:`load` decodes within the bound the manifest
        states) or ``"npy"`` (exact float arrays) (default: the scene's ``render.storage``)

    Returns
    -------
    RenderResult
    """
    from .checks import checked
    from .outputs.writer import check_output_folder, write_render
    from .physics.simulate import simulate as _simulate

    assembly = build(scene)
    sc = assembly.scene
    passes, controls = resolve_outputs(sc, passes, controls)
    if storage is not None and storage not in ("compact", "npy"):
        raise ArgumentError(f"storage must be 'compact' or 'npy', got {storage!r}")
    check_output_folder(Path(out), overwrite=overwrite)
    assembly = checked(assembly)
    if trajectory is None:
        trajectory = _simulate(assembly, progress=(lambda d, t: progress("simulate", d, t)) if progress else None)
    else:
        check_trajectory(assembly, trajectory)
    assembly = framed(assembly, trajectory)
    return write_render(assembly, trajectory, out, passes=passes, controls=controls, frames_png=frames_png,
                        flo=sc.render.flo if flo is None else flo, overwrite=overwrite, progress=progress,
                        record=record, storage=storage)


def framed(assembly: Assembly, trajectory: Trajectory) -> Assembly:
    """``assembly`` with its ``look_at: auto`` cameras aimed (:mod:`physreel.framing`) and any
    camera that still sees nothing moving at t = 0 in its warnings."""
    from .checks import view_problems, with_warnings
    from .framing import frame_cameras

    auto = [c.name for c in assembly.scene.cameras if isinstance(c.look_at, str)]
    if not auto:
        return assembly
    out = frame_cameras(assembly, trajectory)
    return with_warnings(out, view_problems(out, trajectory, cameras=auto))


def resolve_outputs(scene: Scene, passes: Sequence[str] | None, controls: Sequence[str] | None
                    ) -> tuple[list[str], list[str]]:
    """Checked pass and control names (defaults from the scene; aliases and ``all`` accepted),
    passes including those the controls need (see :func:`physreel.passes.resolve_outputs`)."""
    from .passes import resolve_outputs as _resolve

    return _resolve(passes if passes is not None else scene.render.passes,
                    controls if controls is not None else scene.render.control)


def check_trajectory(assembly: Assembly, trajectory: Trajectory) -> None:
    """Raise :class:`ArgumentError` unless ``trajectory`` is a simulation of this scene."""
    sc = assembly.scene
    missing = [n for n in assembly.objects if n not in trajectory.names]
    if missing or trajectory.num_frames != sc.num_frames or abs(trajectory.fps - sc.fps) > 1e-9:
        raise ArgumentError(
            f"the trajectory does not belong to this scene: it has {trajectory.num_frames} frames at "
            f"{trajectory.fps:g} fps and bodies {', '.join(trajectory.names) or 'none'}; the scene has "
            f"{sc.num_frames} frames at {sc.fps} fps and objects {', '.join(assembly.objects) or 'none'}"
            + (f" (missing: {', '.join(missing)})" if missing else "")
            + "; simulate this scene with physreel.simulate(scene)"
        )
