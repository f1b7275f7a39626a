"""Rigid transforms. Quaternions are ``[x, y, z, w]`` everywhere."""

from __future__ import annotations

import numpy as np


def quat_to_matrix(q: np.ndarray) -> np.ndarray:
    """(3, 3) rotation matrix of a unit quaternion ``[x, y, z, w]``."""
    x, y, z, w = np.asarray(q, dtype=np.float64) / np.linalg.norm(q)
    return np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
            [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
            [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
        ]
    )


def matrix_to_quat(m: np.ndarray) -> np.ndarray:
    """Unit quaternion ``[x, y, z, w]`` (w >= 0) of a (3, 3) rotation matrix."""
    m = np.asarray(m, dtype=np.float64)
    tr = m[0, 0] + m[1, 1] + m[2, 2]
    if tr > 0:
        s = np.sqrt(tr + 1.0) * 2
        q = [(m[2, 1] - m[1, 2]) / s, (m[0, 2] - m[2, 0]) / s, (m[1, 0] - m[0, 1]) / s, 0.25 * s]
    elif m[0, 0] > m[1, 1] and m[0, 0] > m[2, 2]:
        s = np.sqrt(1.0 + m[0, 0] - m[1, 1] - m[2, 2]) * 2
        q = [0.25 * s, (m[0, 1] + m[1, 0]) / s, (m[0, 2] + m[2, 0]) / s, (m[2, 1] - m[1, 2]) / s]
    elif m[1, 1] > m[2, 2]:
        s = np.sqrt(1.0 + m[1, 1] - m[0, 0] - m[2, 2]) * 2
        q = [(m[0, 1] + m[1, 0]) / s, 0.25 * s, (m[1, 2] + m[2, 1]) / s, (m[0, 2] - m[2, 0]) / s]
    else:
        s = np.sqrt(1.0 + m[2, 2] - m[0, 0] - m[1, 1]) * 2
        q = [(m[0, 2] + m[2, 0]) / s, (m[1, 2] + m[2, 1]) / s, 0.25 * s, (m[1, 0] - m[0, 1]) / s]
    q = np.array(q)
    q /= np.linalg.norm(q)
    return q if q[3] >= 0 else -q


def pose_to_matrix(position: np.ndarray, quaternion: np.ndarray) -> np.ndarray:
    """(4, 4) float64 transform from a position (3,) and a quaternion ``[x, y, z, w]``."""
    t = np.eye(4)
    t[:3, :3] = quat_to_matrix(quaternion)
    t[:3, 3] = position
    return t


def principal_inertia(inertia: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Principal moments and axes of an inertia tensor (what pybullet's inertial frame wants).

    Parameters
    ----------
    inertia : (3, 3) float64
        Symmetric inertia tensor about the centre of mass.

    Returns
    -------
    moments : (3,) float64
        Principal moments, ascending (``localInertiaDiagonal``).
    quaternion : (4,) float64
        ``[x, y, z, w]`` rotation from the principal frame to the object frame
        (``baseInertialFrameOrientation``): ``inertia = R diag(moments) R^T``.
    """
    moments, axes = np.linalg.eigh(np.asarray(inertia, dtype=np.float64))
    if np.linalg.det(axes) < 0:
        axes[:, 2] *= -1.0  # a rotation, not a reflection
    return moments, matrix_to_quat(axes)


def euler_xyz_to_quat(degrees) -> np.ndarray:
    """Quaternions ``[x, y, z, w]`` (..., 4), w >= 0, of scene-file Euler angles (..., 3):
    degrees about the world X, then Y, then Z axes (extrinsic XYZ, ``R = Rz @ Ry @ Rx``).

    The one home of this convention; equal to pybullet's ``getQuaternionFromEuler`` of the
    angles in radians and to scipy's ``Rotation.from_euler("xyz", angles, degrees=True)``.
    """
    half = 0.5 * np.radians(np.asarray(degrees, dtype=np.float64))
    c, s = np.cos(half), np.sin(half)
    cx, cy, cz, sx, sy, sz = c[..., 0], c[..., 1], c[..., 2], s[..., 0], s[..., 1], s[..., 2]
    q = np.stack(
        [
            sx * cy * cz - cx * sy * sz,
            cx * sy * cz + sx * cy * sz,
            cx * cy * sz - sx * sy * cz,
            cx * cy * cz + sx * sy * sz,
        ],
        axis=-1,
    )
    return np.where(q[..., 3:] < 0, -q, q)


def euler_xyz_to_matrix(degrees) -> np.ndarray:
    """(3, 3) rotation of scene-file Euler angles (see :func:`euler_xyz_to_quat`)."""
    return quat_to_matrix(euler_xyz_to_quat(degrees))


def orientation(rotation=None, quaternion=None) -> np.ndarray:
    """The orientation ``[x, y, z, w]`` a scene gives with ``rotation`` (degrees, extrinsic XYZ)
    or ``quaternion`` (normalised here); identity when neither is given."""
    if quaternion is not None:
        q = np.asarray(quaternion, dtype=np.float64)
        return q / np.linalg.norm(q)
    if rotation is None:
        return np.array([0.0, 0.0, 0.0, 1.0])
    return euler_xyz_to_quat(rotation)
