"""Scripted motion of kinematic objects: keys, constant spin and parents, as poses over time.

Pure numpy.  The pose of a kinematic object at time ``t`` is, in order:

1. its keyed pose (:func:`physreel.scene.keyframes.sample_keyed_pose`, keys with no easing of
   their own use ``kinematic.easing``), or its initial pose when it has no keys;
2. turned by its ``spin``: ``speed * t`` degrees about ``axis`` through ``center`` (default:
   the keyed position, so it spins about its own origin);
3. carried by its parent: with a ``parent``, steps 1-2 happen in the parent's frame (the
   initial pose relative to the parent is the default), and the result is placed by the
   parent's pose at ``t``.

Positions are of the object frame's origin (metres); quaternions ``[x, y, z, w]``.
"""

from __future__ import annotations

import numpy as np

from ..transforms import orientation
from .keyframes import quat_conjugate, quat_multiply, quat_to_rotvec, sample_keyed_pose
from .models import ObjectSpec, Scene


def rotate(q: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Rotate vectors ``v`` (..., 3) by unit quaternions ``q`` (..., 4)."""
    u, w = q[..., :3], q[..., 3:4]
    t = 2.0 * np.cross(u, v)
    return v + w * t + np.cross(u, t)


def axis_angle(axis, degrees: np.ndarray) -> np.ndarray:
    """Quaternions (M, 4) of rotations by ``degrees`` (M,) about ``axis`` (3,)."""
    a = np.asarray(axis, dtype=np.float64)
    a = a / np.linalg.norm(a)
    half = np.radians(np.asarray(degrees, dtype=np.float64)) / 2
    return np.concatenate([np.sin(half)[:, None] * a, np.cos(half)[:, None]], axis=1)


class KinematicRig:
    """Poses and velocities of a scene's kinematic objects (see the module notes).

    Parameters
    ----------
    scene : Scene
    """

    def __init__(self, scene: Scene):
        self.specs: dict[str, ObjectSpec] = {o.name: o for o in scene.objects}

    def initial(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """Initial world position (3,) and quaternion (4,) of an object."""
        o = self.specs[name]
        return np.asarray(o.position, dtype=np.float64), orientation(o.rotation, o.quaternion)

    def pose(self, name: str, t: float | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """World position and quaternion of object ``name`` at time(s) ``t``.

        Returns
        -------
        position : (3,) or (M, 3) float64, m
        quaternion : (4,) or (M, 4) float64
        """
        scalar = np.ndim(t) == 0
        tq = np.atleast_1d(np.asarray(t, dtype=np.float64))
        pos, quat = self._pose(name, tq)
        return (pos[0], quat[0]) if scalar else (pos, quat)

    def _pose(self, name: str, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        m = t.shape[0]
        p0, q0 = self.initial(name)
        kin = self.specs[name].kinematic
        if kin is None:  # a static parent
            return np.tile(p0, (m, 1)), np.tile(q0, (m, 1))
        if kin.parent is not None:  # defaults: the initial pose relative to the parent
            pp0, pq0 = self.initial(kin.parent)
            inv = quat_conjugate(pq0)
            p0, q0 = rotate(inv, p0 - pp0), quat_multiply(inv, q0)
        if kin.keys:
            pose = sample_keyed_pose(kin.keys, t, p0, q0, kin.easing)
            pos, quat = pose.position, pose.quaternion
        else:
            pos, quat = np.tile(p0, (m, 1)), np.tile(q0, (m, 1))
        if kin.spin is not None:
            turn = axis_angle(kin.spin.axis, kin.spin.speed * t)
            center = pos if kin.spin.center is None else np.asarray(kin.spin.center, dtype=np.float64)
            pos = center + rotate(turn, pos - center)
            quat = quat_multiply(turn, quat)
        if kin.parent is not None:
            pp, pq = self._pose(kin.parent, t)
            pos, quat = pp + rotate(pq, pos), quat_multiply(pq, quat)
        return pos, quat / np.linalg.norm(quat, axis=1, keepdims=True)

    def velocity(self, name: str, t: float | np.ndarray, dt: float) -> tuple[np.ndarray, np.ndarray]:
        """Velocity of the object frame's origin (m/s) and angular velocity (rad/s, world) that
        carry object ``name`` from its pose at ``t`` to its pose at ``t + dt`` exactly (for a
        rotation under 180 degrees per step)."""
        scalar = np.ndim(t) == 0
        t0 = np.atleast_1d(np.asarray(t, dtype=np.float64))
        m = t0.shape[0]
        pos, quat = self._pose(name, np.concatenate([t0, t0 + dt]))
        v = (pos[m:] - pos[:m]) / dt
        w = quat_to_rotvec(quat_multiply(quat[m:], quat_conjugate(quat[:m]))) / dt
        return (v[0], w[0]) if scalar else (v, w)

    def max_speed(self, name: str, radius: float, duration: float, dt: float) -> tuple[float, float]:
        """Largest speed of any point within ``radius`` of the origin (m/s) and the farthest
        horizontal distance from the start (m) over ``[0, duration]``."""
        t = np.arange(0.0, duration + dt, dt)
        v, w = self.velocity(name, t, dt)
        pos, _ = self._pose(name, t)
        speed = float(np.max(np.linalg.norm(v, axis=1) + np.linalg.norm(w, axis=1) * radius))
        return speed, float(np.max(np.linalg.norm(pos[:, :2] - pos[0, :2], axis=1)))

