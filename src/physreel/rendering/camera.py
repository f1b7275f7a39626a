"""Camera geometry: intrinsics and extrinsics in the OpenCV convention.

Conventions (also written in every output's metadata):

- ``world_to_camera`` is a (4, 4) float64 matrix mapping homogeneous world points (Z up) to the
  OpenCV camera frame: x right, y down, z forward (along the viewing direction).
- ``K`` is (3, 3) float64 in pixels, square pixels, principal point at the image centre.
  Pixel ``(u, v)`` (column, row) covers ``[u, u+1) x [v, v+1)``; its centre is at
  ``(u + 0.5, v + 0.5)``.  So ``cx = W / 2`` and ``cy = H / 2`` and a point projects to
  ``u = fx * x / z + cx`` in continuous pixel coordinates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# OpenGL camera (x right, y up, looking down -z) <-> OpenCV camera (x right, y down, z forward).
GL_TO_CV = np.diag([1.0, -1.0, -1.0, 1.0])


@dataclass(frozen=True)
class CameraFrame:
    """One camera at one frame.

    Attributes
    ----------
    width, height : int
        Image size in pixels.
    K : (3, 3) float64
        Intrinsics in pixels (see module docstring for the pixel-centre convention).
    world_to_camera : (4, 4) float64
        World -> OpenCV camera transform.
    yfov : float
        Vertical field of view, radians.
    """

    width: int
    height: int
    K: np.ndarray
    world_to_camera: np.ndarray
    yfov: float

    @property
    def camera_to_world_gl(self) -> np.ndarray:
        """(4, 4) pose of the OpenGL camera (pyrender's convention) in the world."""
        return np.linalg.inv(self.world_to_camera) @ GL_TO_CV

    @property
    def position(self) -> np.ndarray:
        """(3,) camera centre in world coordinates, metres."""
        return np.linalg.inv(self.world_to_camera)[:3, 3]

    def project(self, points_world: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Project world points.

        Parameters
        ----------
        points_world : (..., 3) float
            Points in world coordinates, metres.

        Returns
        -------
        uv : (..., 2) float64
            Continuous pixel coordinates ``[x, y]`` (x right, y down; pixel centres at +0.5).
        z : (...,) float64
            Depth along the camera axis, metres (<= 0 means behind the camera).
        """
        p = np.asarray(points_world, dtype=np.float64)
        pc = p @ self.world_to_camera[:3, :3].T + self.world_to_camera[:3, 3]
        z = pc[..., 2]
        with np.errstate(divide="ignore", invalid="ignore"):
            u = self.K[0, 0] * pc[..., 0] / z + self.K[0, 2]
            v = self.K[1, 1] * pc[..., 1] / z + self.K[1, 2]
        return np.stack([u, v], axis=-1), z


def intrinsics(width: int, height: int, yfov: float) -> np.ndarray:
    """(3, 3) K for a vertical field of view ``yfov`` (radians) and square pixels."""
    fy = 0.5 * height / np.tan(0.5 * yfov)
    return np.array([[fy, 0.0, width / 2.0], [0.0, fy, height / 2.0], [0.0, 0.0, 1.0]])


def look_at(position, target, up=(0.0, 0.0, 1.0)) -> np.ndarray:
    """(4, 4) world -> OpenCV camera transform for a camera at ``position`` looking at ``target``.

    ``up`` is the world direction that should appear upwards in the image (Z by default).  When
    the view direction is parallel to ``up`` (looking straight down), world +Y is used as up.
    """
    eye = np.asarray(position, dtype=np.float64)
    fwd = np.asarray(target, dtype=np.float64) - eye
    n = np.linalg.norm(fwd)
    if n < 1e-12:
        raise ValueError("camera position and look_at are the same point")
    fwd /= n
    up = np.asarray(up, dtype=np.float64)
    right = np.cross(fwd, up)
    if np.linalg.norm(right) < 1e-9:
        right = np.cross(fwd, np.array([0.0, 1.0, 0.0]))
    right /= np.linalg.norm(right)
    down = np.cross(fwd, right)
    r = np.stack([right, down, fwd])  # rows: camera axes in world coordinates
    m = np.eye(4)
    m[:3, :3] = r
    m[:3, 3] = -r @ eye
    return m
