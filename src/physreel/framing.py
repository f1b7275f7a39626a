"""``look_at: auto``: frame everything that moves, like "frame selected" in a 3D editor.

A camera whose ``look_at`` is ``auto`` is aimed, once the scene is simulated, at the centre of
the region its moving objects pass through during the clip (each object's bounding sphere at
every frame it exists; pieces of broken objects are not counted, the object they broke off
is), and moved along the line from that centre through its ``position`` to the distance at
which the whole region fits the narrower of its two fields of view (with 5 % to spare).  The
direction of view therefore comes from ``position``; only the distance changes.  The resolved
numbers replace ``auto`` in the scene the render writes (``scene.yaml`` renders the same shot).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from .assembly import Assembly
from .physics.trajectory import Trajectory

SPARE = 1.05
"""How much larger than the moving region the framed view is (5 % to spare)."""

DEFAULT_DIRECTION = np.array([0.0, -1.0, 0.4]) / np.linalg.norm([0.0, -1.0, 0.4])
"""From the target towards the camera when ``position`` gives no direction (it is the target)."""


def moving_region(assembly: Assembly, trajectory: Trajectory) -> tuple[np.ndarray, float]:
    """Centre (3,) and radius (m) of the sphere around every moving object's bounding sphere at
    every frame it exists.  With nothing moving, every object counts."""
    from scipy.spatial.transform import Rotation

    names = [o.name for o in assembly if not o.static and o.name in trajectory.names]
    if not names:
        names = [o.name for o in assembly if o.name in trajectory.names]
    if not names:
        return np.array([0.0, 0.0, 0.5]), 0.5
    centres, radii = [], []
    for name in names:
        i = trajectory.index(name)
        alive = trajectory.present[:, i]
        lo, hi = assembly[name].geometry.bounds  # the render meshes' box, object frame
        c_local, r = (lo + hi) / 2.0, float(np.linalg.norm(hi - lo) / 2.0)
        rot = Rotation.from_quat(trajectory.quaternion[alive, i])
        centres.append(trajectory.position[alive, i] + rot.apply(c_local))
        radii.append(np.full(int(alive.sum()), r))
    c = np.concatenate(centres)
    r = np.concatenate(radii)
    lo, hi = (c - r[:, None]).min(axis=0), (c + r[:, None]).max(axis=0)
    centre = (lo + hi) / 2.0
    radius = float(np.max(np.linalg.norm(c - centre, axis=1) + r))
    return centre, max(radius, 1e-3)


def frame_cameras(assembly: Assembly, trajectory: Trajectory) -> Assembly:
    """``assembly`` with every ``look_at: auto`` camera resolved from ``trajectory`` (unchanged
    when there is none)."""
    scene = assembly.scene
    if not any(isinstance(c.look_at, str) for c in scene.cameras):
        return assembly
    centre, radius = moving_region(assembly, trajectory)
    w, h = scene.resolution
    cams = []
    for cam in scene.cameras:
        if not isinstance(cam.look_at, str):
            cams.append(cam)
            continue
        half_v = math.radians(cam.fov) / 2.0
        half_h = math.atan(math.tan(half_v) * w / h)
        distance = SPARE * radius / math.sin(min(half_v, half_h))
        away = np.asarray(cam.position, dtype=np.float64) - centre
        norm = float(np.linalg.norm(away))
        direction = away / norm if norm > 1e-9 else DEFAULT_DIRECTION
        position = centre + direction * distance
        cams.append(cam.model_copy(update={"look_at": _rounded(centre), "position": _rounded(position)}))
    new_scene = scene.model_copy(update={"cameras": cams})
    return dataclasses.replace(assembly, scene=new_scene)


def _rounded(v: np.ndarray) -> tuple[float, float, float]:
    """Millimetres are plenty for a camera, and keep scene.yaml readable."""
    return tuple(round(float(x), 4) + 0.0 for x in v)

