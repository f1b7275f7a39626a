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


def simulate(
    scene: Scene,
    *,
    geometries: dict[str, Geometry] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Trajectory:
    """Simulate ``scene`` for its whole duration.

    Frame ``i`` is recorded at ``t = i / fps``; between frames the world advances
    ``rate / fps`` fixed steps of ``1 / rate`` s.

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
    n = len(scene.objects)
    pos = np.zeros((n_frames, n, 3))
    quat = np.zeros((n_frames, n, 4))
    vel = np.zeros((n_frames, n, 3))
    ang = np.zeros((n_frames, n, 3))
    with World(scene, geometries) as world:
        for f in range(n_frames):
            if f > 0:
                for _ in range(world.steps_per_frame):
                    world.step()
            pos[f], quat[f], vel[f], ang[f] = world.state()
            if not (np.isfinite(pos[f]).all() and np.isfinite(vel[f]).all()):
                bad = [world.bodies[i].name for i in np.where(~np.isfinite(pos[f]).all(1) | ~np.isfinite(vel[f]).all(1))[0]]
                raise SimulationError(f"the simulation blew up at frame {f} (t = {f / scene.fps:.3f} s): non-finite state of {', '.join(bad)}")
            if progress is not None:
                progress(f + 1, n_frames)
        masses = {b.name: b.mass for b in world.bodies}
    traj = Trajectory(
        fps=float(scene.fps),
        names=[o.name for o in scene.objects],
        position=pos,
        quaternion=quat,
        velocity=vel,
        angular_velocity=ang,
        present=np.ones((n_frames, n), dtype=bool),
        events=[],
    )
    traj.masses = masses  # type: ignore[attr-defined]
    return traj
