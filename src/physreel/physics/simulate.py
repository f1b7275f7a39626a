"""simulate(): a Scene becomes a Trajectory, before any rendering happens."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..assembly import Assembly
from ..errors import SimulationError
from .controllers import controllers_for
from .trajectory import Trajectory
from .world import World


def simulate(
    assembly: Assembly,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> Trajectory:
    """Simulate a built scene for its whole duration.

    Frame ``i`` is recorded at ``t = i / fps``; between frames the world advances
    ``rate / fps`` fixed steps of ``1 / rate`` s, ``rate`` being ``physics.rate`` times the
    sub-steps (:mod:`physreel.physics.stepping`), stepped one by one so that contacts of every
    step are seen by the event recorder.

    Parameters
    ----------
    assembly : Assembly (from :func:`physreel.assembly.build`)
    progress : called as ``progress(frame, num_frames)`` after each frame

    Returns
    -------
    Trajectory
    """
    scene = assembly.scene
    n_frames = scene.num_frames
    rec = _Recorder(n_frames)
    with World(assembly) as world:
        world.controllers = controllers_for(scene)
        for ctl in world.controllers:
            ctl.setup(world)
        for f in range(n_frames):
            if f > 0:
                for _ in range(world.steps_per_frame):
                    world.step()
            state = world.state()
            _check_finite(state, f, scene.fps)
            rec.record(f, state)
            for ctl in world.controllers:
                ctl.after_frame(world, f)
            if progress is not None:
                progress(f + 1, n_frames)
        for ctl in world.controllers:
            ctl.finish(world)
        skeletons = {}
        for ctl in world.controllers:
            if hasattr(ctl, "skeletons"):
                skeletons.update(ctl.skeletons())
        bodies = list(world.bodies)
        events = sorted(world.events, key=lambda e: (e["time"], e["type"]))
        stepping = world.stepping_record()
    names = [b.name for b in bodies]
    specs = set(assembly.objects)
    return Trajectory(
        fps=float(scene.fps),
        names=names,
        **rec.arrays(names),
        events=events,
        masses={b.name: b.mass for b in bodies},
        parents={b.name: b.parent for b in bodies if b.parent is not None},
        extra_geometry={b.name: b.geom for b in bodies
                        if b.name not in specs or b.geom is not assembly[b.name].geometry},
        parts={b.name: b.part_of for b in bodies if b.part_of is not None},
        skeletons=skeletons,
        physics=stepping,
    )


class _Recorder:
    """Per-frame state written straight into (T, N) arrays (a column per body, added when a
    body first appears): memory is a few numbers per body per frame, nothing more."""

    def __init__(self, n_frames: int):
        self.T = n_frames
        self.cols: dict[str, int] = {}
        self.pos = np.zeros((n_frames, 0, 3))
        self.quat = np.zeros((n_frames, 0, 4))
        self.vel = np.zeros((n_frames, 0, 3))
        self.ang = np.zeros((n_frames, 0, 3))
        self.present = np.zeros((n_frames, 0), dtype=bool)

    def _grow(self, k: int) -> None:
        T = self.T
        ident = np.zeros((T, k, 4))
        ident[..., 3] = 1.0
        self.pos = np.concatenate([self.pos, np.zeros((T, k, 3))], axis=1)
        self.quat = np.concatenate([self.quat, ident], axis=1)
        self.vel = np.concatenate([self.vel, np.zeros((T, k, 3))], axis=1)
        self.ang = np.concatenate([self.ang, np.zeros((T, k, 3))], axis=1)
        self.present = np.concatenate([self.present, np.zeros((T, k), dtype=bool)], axis=1)

    def record(self, f: int, state: dict) -> None:
        new = [name for name in state if name not in self.cols]
        if new:
            base = len(self.cols)
            for j, name in enumerate(new):
                self.cols[name] = base + j
            self._grow(len(new))
        for name, (p, q, v, w) in state.items():
            i = self.cols[name]
            self.pos[f, i], self.quat[f, i], self.vel[f, i], self.ang[f, i] = p, q, v, w
            self.present[f, i] = True

    def arrays(self, names: list[str]) -> dict[str, np.ndarray]:
        """Arrays with columns in ``names`` order (bodies never recorded stay absent)."""
        missing = [n for n in names if n not in self.cols]
        if missing:
            base = len(self.cols)
            for j, n in enumerate(missing):
                self.cols[n] = base + j
            self._grow(len(missing))
        order = [self.cols[n] for n in names]
        return {"position": self.pos[:, order], "quaternion": self.quat[:, order], "velocity": self.vel[:, order],
                "angular_velocity": self.ang[:, order], "present": self.present[:, order]}


def _check_finite(state: dict, frame: int, fps: int) -> None:
    bad = [name for name, (p, q, v, w) in state.items()
           if not (np.isfinite(p).all() and np.isfinite(v).all() and np.isfinite(q).all())]
    if bad:
        raise SimulationError(f"the simulation blew up at frame {frame} (t = {frame / fps:.3f} s): "
                              f"non-finite state of {', '.join(bad)}; try a higher physics rate or smaller speeds")
