"""Batched quaternion arithmetic for skeletons (many joints, many frames at once).

Quaternions are ``[x, y, z, w]`` (pybullet's and scipy's order) in the last axis of an array;
every function broadcasts over the leading axes.  Rotations act on column vectors:
``qrot(q, v)`` is ``R(q) @ v`` and ``qmul(a, b)`` is the rotation ``R(a) @ R(b)`` (``b`` first).
"""

from __future__ import annotations

import numpy as np

IDENTITY = np.array([0.0, 0.0, 0.0, 1.0])


def qnormalize(q: np.ndarray) -> np.ndarray:
    """Unit quaternions (..., 4)."""
    q = np.asarray(q, dtype=np.float64)
    return q / np.linalg.norm(q, axis=-1, keepdims=True)


def qconj(q: np.ndarray) -> np.ndarray:
    """Conjugate (the inverse of a unit quaternion), (..., 4)."""
    q = np.asarray(q, dtype=np.float64)
    return np.concatenate([-q[..., :3], q[..., 3:]], axis=-1)


def qmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Hamilton product ``a * b`` (..., 4): rotate by ``b`` first, then by ``a``."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    ax, ay, az, aw = a[..., 0], a[..., 1], a[..., 2], a[..., 3]
    bx, by, bz, bw = b[..., 0], b[..., 1], b[..., 2], b[..., 3]
    return np.stack(
        [
            aw * bx + ax * bw + ay * bz - az * by,
            aw * by - ax * bz + ay * bw + az * bx,
            aw * bz + ax * by - ay * bx + az * bw,
            aw * bw - ax * bx - ay * by - az * bz,
        ],
        axis=-1,
    )


def qrot(q: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Rotate vectors ``v`` (..., 3) by unit quaternions ``q`` (..., 4)."""
    q = np.asarray(q, dtype=np.float64)
    v = np.asarray(v, dtype=np.float64)
    u = q[..., :3]
    w = q[..., 3:]
    t = 2.0 * np.cross(u, v)
    return v + w * t + np.cross(u, t)


def qpositive(q: np.ndarray) -> np.ndarray:
    """The same rotations with ``w >= 0`` (a canonical sign)."""
    q = np.asarray(q, dtype=np.float64)
    return np.where(q[..., 3:] < 0, -q, q)


def qslerp(a: np.ndarray, b: np.ndarray, t: np.ndarray | float) -> np.ndarray:
    """Spherical linear interpolation from ``a`` (t = 0) to ``b`` (t = 1) along the shorter arc.

    ``t`` broadcasts against the leading axes of ``a`` and ``b`` (shape (...) or scalar).
    """
    a = qnormalize(a)
    b = qnormalize(b)
    t = np.asarray(t, dtype=np.float64)[..., None]
    dot = np.sum(a * b, axis=-1, keepdims=True)
    b = np.where(dot < 0, -b, b)
    dot = np.abs(dot)
    theta = np.arccos(np.clip(dot, -1.0, 1.0))
    s = np.sin(theta)
    near = s < 1e-6
    safe = np.where(near, 1.0, s)
    wa = np.where(near, 1.0 - t, np.sin((1.0 - t) * theta) / safe)
    wb = np.where(near, t, np.sin(t * theta) / safe)
    return qnormalize(wa * a + wb * b)


def qfrom_axis_angle(axis: np.ndarray, angle: np.ndarray | float) -> np.ndarray:
    """Rotation by ``angle`` radians (...) about unit ``axis`` (..., 3)."""
    axis = np.asarray(axis, dtype=np.float64)
    half = 0.5 * np.asarray(angle, dtype=np.float64)[..., None]
    return np.concatenate([axis * np.sin(half), np.cos(half) * np.ones_like(axis[..., :1])], axis=-1)


def qfrom_rotvec(r: np.ndarray) -> np.ndarray:
    """Quaternion of a rotation vector (axis x angle, radians), (..., 3) -> (..., 4)."""
    r = np.asarray(r, dtype=np.float64)
    angle = np.linalg.norm(r, axis=-1, keepdims=True)
    half = 0.5 * angle
    # sin(half)/angle, with its limit 1/2 at angle -> 0
    k = np.where(angle > 1e-9, np.sin(half) / np.where(angle > 1e-9, angle, 1.0), 0.5)
    return np.concatenate([r * k, np.cos(half)], axis=-1)


def qto_rotvec(q: np.ndarray) -> np.ndarray:
    """Rotation vector (axis x angle, angle in [0, pi]) of unit quaternions, (..., 4) -> (..., 3)."""
    q = qpositive(qnormalize(q))
    s = np.linalg.norm(q[..., :3], axis=-1, keepdims=True)
    angle = 2.0 * np.arctan2(s, q[..., 3:])
    k = np.where(s > 1e-12, angle / np.where(s > 1e-12, s, 1.0), 2.0)
    return q[..., :3] * k


def qangle(q: np.ndarray) -> np.ndarray:
    """Rotation angle in [0, pi] of unit quaternions, radians, (..., 4) -> (...)."""
    return np.linalg.norm(qto_rotvec(q), axis=-1)


def qbetween(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """The smallest rotation taking direction ``u`` onto direction ``v`` (both (..., 3))."""
    u = np.asarray(u, dtype=np.float64)
    v = np.asarray(v, dtype=np.float64)
    u = u / np.linalg.norm(u, axis=-1, keepdims=True)
    v = v / np.linalg.norm(v, axis=-1, keepdims=True)
    c = np.cross(u, v)
    d = np.sum(u * v, axis=-1, keepdims=True)
    q = np.concatenate([c, 1.0 + d], axis=-1)
    # Opposite directions: any axis perpendicular to u, half a turn.
    opposite = (1.0 + d[..., 0]) < 1e-9
    if np.any(opposite):
        perp = np.cross(u, [1.0, 0.0, 0.0])
        small = np.linalg.norm(perp, axis=-1) < 1e-6
        perp = np.where(small[..., None], np.cross(u, [0.0, 1.0, 0.0]), perp)
        perp = perp / np.linalg.norm(perp, axis=-1, keepdims=True)
        q = np.where(opposite[..., None], np.concatenate([perp, np.zeros_like(d)], axis=-1), q)
    return qnormalize(q)


def qto_matrix(q: np.ndarray) -> np.ndarray:
    """(..., 3, 3) rotation matrices of unit quaternions (..., 4)."""
    q = qnormalize(q)
    x, y, z, w = q[..., 0], q[..., 1], q[..., 2], q[..., 3]
    m = np.empty(q.shape[:-1] + (3, 3))
    m[..., 0, 0] = 1 - 2 * (y * y + z * z)
    m[..., 0, 1] = 2 * (x * y - z * w)
    m[..., 0, 2] = 2 * (x * z + y * w)
    m[..., 1, 0] = 2 * (x * y + z * w)
    m[..., 1, 1] = 1 - 2 * (x * x + z * z)
    m[..., 1, 2] = 2 * (y * z - x * w)
    m[..., 2, 0] = 2 * (x * z - y * w)
    m[..., 2, 1] = 2 * (y * z + x * w)
    m[..., 2, 2] = 1 - 2 * (x * x + y * y)
    return m


def qfrom_matrix(m: np.ndarray) -> np.ndarray:
    """Unit quaternions (..., 4), ``w >= 0``, of rotation matrices (..., 3, 3)."""
    m = np.asarray(m, dtype=np.float64)
    # Shepperd's method, vectorised: pick the largest of the four squared components.
    t = np.stack(
        [
            1 + m[..., 0, 0] - m[..., 1, 1] - m[..., 2, 2],
            1 - m[..., 0, 0] + m[..., 1, 1] - m[..., 2, 2],
            1 - m[..., 0, 0] - m[..., 1, 1] + m[..., 2, 2],
            1 + m[..., 0, 0] + m[..., 1, 1] + m[..., 2, 2],
        ],
        axis=-1,
    )
    k = np.argmax(t, axis=-1)
    s = 0.5 / np.sqrt(np.maximum(np.take_along_axis(t, k[..., None], -1)[..., 0], 1e-30))
    q = np.empty(m.shape[:-2] + (4,))
    r21, r12 = m[..., 2, 1], m[..., 1, 2]
    r02, r20 = m[..., 0, 2], m[..., 2, 0]
    r10, r01 = m[..., 1, 0], m[..., 0, 1]
    big = 0.25 / s
    cand = [
        np.stack([big, (r01 + r10) * s, (r02 + r20) * s, (r21 - r12) * s], -1),
        np.stack([(r01 + r10) * s, big, (r12 + r21) * s, (r02 - r20) * s], -1),
        np.stack([(r02 + r20) * s, (r12 + r21) * s, big, (r10 - r01) * s], -1),
        np.stack([(r21 - r12) * s, (r02 - r20) * s, (r10 - r01) * s, big], -1),
    ]
    for i in range(4):
        q = np.where((k == i)[..., None], cand[i], q)
    return qpositive(qnormalize(q))


def yaw_of(q: np.ndarray) -> np.ndarray:
    """Heading (radians about world Z) of the rotated X axis, (..., 4) -> (...)."""
    fwd = qrot(q, np.array([1.0, 0.0, 0.0]))
    return np.arctan2(fwd[..., 1], fwd[..., 0])


def qyaw(yaw: np.ndarray | float) -> np.ndarray:
    """Rotation by ``yaw`` radians about world Z, (...) -> (..., 4)."""
    yaw = np.asarray(yaw, dtype=np.float64)
    return np.stack([np.zeros_like(yaw), np.zeros_like(yaw), np.sin(yaw / 2), np.cos(yaw / 2)], -1)


def angular_velocity(q0: np.ndarray, q1: np.ndarray, dt: float) -> np.ndarray:
    """World-frame angular velocity (rad/s, (..., 3)) that turns ``q0`` into ``q1`` in ``dt``."""
    return qto_rotvec(qmul(q1, qconj(q0))) / dt
