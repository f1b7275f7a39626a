"""enter / exit events: when an object comes into or leaves a camera's view.

An object is "in view" at a frame when its bounding sphere, projected with that frame's
camera, overlaps the image and lies in front of the camera.  (Occlusion does not count: an
object hidden behind another is still in view; the ``boxes`` pass gives visible pixels.)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..physics.trajectory import Trajectory
from .camera import CameraFrame


def in_view(trajectory: Trajectory, views: Sequence[CameraFrame], spheres: dict[str, tuple[np.ndarray, float]]) -> np.ndarray:
    """(T, N) bool: object i's bounding sphere overlaps camera frame t's image.

    ``spheres[name] = (centre in the object frame (3,), radius m)``.
    """
    T, N = trajectory.num_frames, len(trajectory.names)
    out = np.zeros((T, N), dtype=bool)
    for t in range(T):
        v = views[t]
        for i, name in enumerate(trajectory.names):
            if not trajectory.present[t, i]:
                continue
            c_local, r = spheres[name]
            c = trajectory.pose_matrix(t, i) @ np.append(c_local, 1.0)
            pc = v.world_to_camera[:3, :3] @ c[:3] + v.world_to_camera[:3, 3]
            if pc[2] <= -r:
                continue
            z = max(pc[2], 1e-6)
            u = v.K[0, 0] * pc[0] / z + v.K[0, 2]
            w = v.K[1, 1] * pc[1] / z + v.K[1, 2]
            rad = v.K[0, 0] * r / z if pc[2] > r else np.inf
            out[t, i] = (-rad < u < v.width + rad) and (-rad < w < v.height + rad)
    return out


def view_events(trajectory: Trajectory, views: Sequence[CameraFrame], camera: str,
                spheres: dict[str, tuple[np.ndarray, float]]) -> tuple[list[dict], list[str]]:
    """``enter``/``exit`` events of one camera, and the objects in view at frame 0."""
    vis = in_view(trajectory, views, spheres)
    events = []
    for i, name in enumerate(trajectory.names):
        for t in range(1, trajectory.num_frames):
            if vis[t, i] != vis[t - 1, i]:
                events.append({"type": "enter" if vis[t, i] else "exit", "time": round(t / trajectory.fps, 6),
                               "frame": t, "object": name, "camera": camera})
    start = [n for i, n in enumerate(trajectory.names) if vis[0, i]]
    return events, start


def bounding_spheres(trajectory: Trajectory, geometries: dict) -> dict[str, tuple[np.ndarray, float]]:
    """Bounding sphere (centre in the object frame, radius) of every body's render mesh."""
    out = {}
    for name in trajectory.names:
        lo, hi = geometries[name].bounds
        out[name] = ((lo + hi) / 2.0, float(np.linalg.norm(hi - lo) / 2.0))
    return out
