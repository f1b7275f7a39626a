"""simulate(): a Scene becomes a Trajectory, before any rendering happens."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..assets.geometry import build_geometry
from ..assets.primitives import Geometry
from ..errors import SimulationError
from ..scene.models import Scene
from .trajectory import Trajectory
from .world import World


def build_geometries(scene: Scene, *, cache_dir: Path | None = None) -> dict[str, Geometry]:
    """Geometry of every object of the scene, by name."""
    return {o.name: build_geometry(o.shape, cache_dir=cache_dir) for o in scene.objects}


def build_controllers(scene: Scene) -> list:
    """The controllers a scene needs (events, breaking, joints, actions...)."""
    try:
        from .controllers import controllers_for
    except ImportError:  # interactions not available
        return []
    return controllers_for(scene)


def simulate(
    scene: Scene,
    *,
    geometries: dict[str, Geometry] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Trajectory:
    """Simulate ``scene`` for its whole duration.

    Frame ``i`` is recorded at ``t = i / fps``; between frames the world advances
    ``rate / fps`` fixed steps of ``1 / rate`` s (stepped one by one, so that contacts of
    every step are seen by the event recorder).

    Parameters
    ----------
    scene : Scene
    geometries : per-object geometry (built when not given)
    progress : called as ``progress(frame, num_frames)`` after each frame

    Returns
    -------
    Trajectory
    """
    if geometries is None:
        geometries = build_geometries(scene)
    n_frames = scene.num_frames
    records: list[dict[str, tuple]] = []
    with World(scene, geometries) as world:
        world.controllers = build_controllers(scene)
        for ctl in world.controllers:
            ctl.setup(world)
        for f in range(n_frames):
            if f > 0:
                for _ in range(world.steps_per_frame):
                    world.step()
            state = world.state()
            _check_finite(state, f, scene.fps)
            records.append(state)
            for ctl in world.controllers:
                ctl.after_frame(world, f)
            if progress is not None:
                progress(f + 1, n_frames)
        for ctl in world.controllers:
            ctl.finish(world)
        bodies = list(world.bodies)
        events = sorted(world.events, key=lambda e: (e["time"], e["type"]))
    names = [b.name for b in bodies]
    n = len(names)
    pos = np.zeros((n_frames, n, 3))
    quat = np.tile(np.array([0.0, 0.0, 0.0, 1.0]), (n_frames, n, 1))
    vel = np.zeros((n_frames, n, 3))
    ang = np.zeros((n_frames, n, 3))
    present = np.zeros((n_frames, n), dtype=bool)
    for f, rec in enumerate(records):
        for i, name in enumerate(names):
            st = rec.get(name)
            if st is not None:
                pos[f, i], quat[f, i], vel[f, i], ang[f, i] = st
                present[f, i] = True
    specs = {o.name for o in scene.objects}
    return Trajectory(
        fps=float(scene.fps),
        names=names,
        position=pos,
        quaternion=quat,
        velocity=vel,
        angular_velocity=ang,
        present=present,
        events=events,
        masses={b.name: b.mass for b in bodies},
        parents={b.name: b.parent for b in bodies if b.parent is not None},
        extra_geometry={b.name: b.geom for b in bodies if b.name not in specs},
    )


def _check_finite(state: dict, frame: int, fps: int) -> None:
    bad = [name for name, (p, q, v, w) in state.items()
           if not (np.isfinite(p).all() and np.isfinite(v).all() and np.isfinite(q).all())]
    if bad:
        raise SimulationError(f"the simulation blew up at frame {frame} (t = {frame / fps:.3f} s): "
                              f"non-finite state of {', '.join(bad)}; try a higher physics rate or smaller speeds")
