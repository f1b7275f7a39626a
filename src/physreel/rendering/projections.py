"""The projections of one frame: the GL clip transform of the camera that draws it, and the
pixel projections of the cameras of the neighbouring frames (for motion).

The clip transform is a reversed, infinite perspective (depth = near / z: 1 at the near plane,
0 at infinity, kept in a float depth buffer) with y negated, so that image row 0 is drawn into
the first row of memory: ``gl_FragCoord`` is then the OpenCV pixel centre ``(u + 0.5, v + 0.5)``.
"""

from __future__ import annotations

import numpy as np

from .camera import GL_TO_CV, CameraFrame

#: Near plane of every camera, metres.
NEAR = 0.01


class FrameProjections:
    """The projections of one frame: GL clip of this camera, pixel projections of others."""

    def __init__(self, cam: CameraFrame, prev: CameraFrame | None, next_: CameraFrame | None):
        self.cam, self.prev, self.next_ = cam, prev, next_
        fx, fy = cam.K[0, 0], cam.K[1, 1]
        proj = np.zeros((4, 4))
        # Reversed infinite perspective (depth = near / z: 1 at the near plane, 0 at infinity),
        # with y negated so that image row 0 is rendered first.
        proj[0, 0] = 2.0 * fx / cam.width
        proj[1, 1] = -2.0 * fy / cam.height
        proj[0, 2] = 1.0 - 2.0 * cam.K[0, 2] / cam.width
        proj[1, 2] = 1.0 - 2.0 * cam.K[1, 2] / cam.height
        proj[2, 3] = NEAR
        proj[3, 2] = -1.0
        self.view_proj = proj @ GL_TO_CV @ cam.world_to_camera

    @staticmethod
    def pixel_projection(other: CameraFrame) -> np.ndarray:
        """(4, 4): world -> (u, v, 1) * z in camera ``other`` (rows K [R | t]; last row unused)."""
        m = np.eye(4)
        m[:3] = other.K @ other.world_to_camera[:3]
        return m

    def homography(self, other: CameraFrame) -> np.ndarray:
        """(3, 3) pixel homography of points at infinity from this camera to ``other``."""
        r = other.world_to_camera[:3, :3] @ self.cam.world_to_camera[:3, :3].T
        return other.K @ r @ np.linalg.inv(self.cam.K)
