"""Point tracks on object surfaces in the TAP-Vid layout, accumulated one frame at a time.

Points are sampled once on each object's surface (in the object's local frame) and carried
with the object's pose through the clip.  Each frame costs O(N) work and the accumulator holds
only the (N, T) result arrays, so tracks stream alongside the renderer.

Conventions (TAP-Vid): ``tracks_2d`` are continuous pixel coordinates ``[x, y]`` (pixel
centres at ``+0.5``, x right, y down); ``occluded`` True means hidden; ``query_points`` are
``[t, y, x]`` (frame index, row, column in the same continuous pixel coordinates).
Occlusion uses the rule of :func:`physreel.rendering.flow.visible_in_depth` (2x2 depth
neighbourhood, 1 % + 5 mm tolerance).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from physreel.errors import InputError
from physreel.rendering.camera import CameraFrame
from physreel.rendering.flow import visible_in_depth

_MIN_Z = 1e-6


def sample_surface_points(
    meshes: Sequence, counts: int | Sequence[int], rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Sample points uniformly (area-weighted) on each object's surface.

    Parameters
    ----------
    meshes : list of trimesh.Trimesh
        One mesh per object, in the object's local frame (the frame of its pose), metres.
    counts : int or list of int
        Points per object (one number for all, or one per mesh).
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    points_local : (N, 3) float64, metres
        Points in their object's local frame.
    point_object : (N,) int64
        Object index of each point (position of its mesh in ``meshes``).
    """
    if np.ndim(counts) == 0:
        counts = [int(counts)] * len(meshes)
    counts = [int(c) for c in counts]
    if len(counts) != len(meshes):
        raise InputError(
            f"sample_surface_points: {len(counts)} counts for {len(meshes)} meshes; give one "
            "count per mesh or a single number"
        )
    pts, objs = [], []
    for i, (mesh, n) in enumerate(zip(meshes, counts, strict=True)):
        if n <= 0:
            continue
        tri = np.asarray(mesh.triangles, dtype=np.float64)  # (F, 3, 3)
        area = 0.5 * np.linalg.norm(np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0]), axis=1)
        total = area.sum()
        if not np.isfinite(total) or total <= 0:
            raise InputError(
                f"sample_surface_points: mesh {i} has no surface area ({len(tri)} faces); "
                "give a mesh with non-degenerate triangles"
            )
        face = rng.choice(len(tri), size=n, p=area / total)
        r1 = np.sqrt(rng.random(n))
        r2 = rng.random(n)
        t = tri[face]
        p = (1 - r1)[:, None] * t[:, 0] + (r1 * (1 - r2))[:, None] * t[:, 1]
        p += (r1 * r2)[:, None] * t[:, 2]
        pts.append(p)
        objs.append(np.full(n, i, dtype=np.int64))
    if not pts:
        return np.zeros((0, 3)), np.zeros(0, dtype=np.int64)
    return np.concatenate(pts), np.concatenate(objs)


class TrackAccumulator:
    """Accumulate TAP-Vid tracks of surface points frame by frame.

    Parameters
    ----------
    points_local : (N, 3) float, metres
        Surface points in their object's local frame (:func:`sample_surface_points`).
    point_object : (N,) int
        Object index of each point (column of the Trajectory / first axis of ``poses``).
    num_frames : int
        Number of frames T of the clip.
    width, height : int
        Image size in pixels.

    Notes
    -----
    Frames never passed to :meth:`update` are reported occluded with NaN coordinates.
    """

    def __init__(
        self,
        points_local: np.ndarray,
        point_object: np.ndarray,
        num_frames: int,
        width: int,
        height: int,
    ) -> None:
        self.points_local = np.asarray(points_local, dtype=np.float64).reshape(-1, 3)
        self.point_object = np.asarray(point_object, dtype=np.int64).reshape(-1)
        if len(self.point_object) != len(self.points_local):
            raise InputError(
                f"TrackAccumulator: {len(self.points_local)} points but "
                f"{len(self.point_object)} object indices; give one index per point"
            )
        self.num_frames = int(num_frames)
        self.width = int(width)
        self.height = int(height)
        n, t = len(self.points_local), self.num_frames
        self._xy = np.full((n, t, 2), np.nan, dtype=np.float32)
        self._xyz = np.full((n, t, 3), np.nan, dtype=np.float32)
        self._occluded = np.ones((n, t), dtype=bool)
        self._homog = np.concatenate([self.points_local, np.ones((n, 1))], axis=1)

    def move_points(self, rows: np.ndarray, points_local: np.ndarray) -> None:
        """Give points ``rows`` new local coordinates (their object's surface deforms: a skinned
        person); call before :meth:`update` of the frame they belong to."""
        self.points_local[rows] = points_local
        self._homog[rows, :3] = points_local

    def update(
        self,
        frame_index: int,
        cam: CameraFrame,
        poses: np.ndarray,
        depth: np.ndarray,
        present: np.ndarray | None = None,
    ) -> None:
        """Record frame ``frame_index``.

        Parameters
        ----------
        frame_index : int
            0-based frame number, ``0 <= frame_index < num_frames``.
        cam : CameraFrame
            The camera at this frame.
        poses : (num_objects, 4, 4) float
            Object-to-world poses at this frame.
        depth : (H, W) float, metres
            Z-depth of this frame (0 = background), used for the occlusion test.
        present : (num_objects,) bool, optional
            Whether each object exists at this frame (absent -> occluded).  Default: all.
        """
        if not 0 <= frame_index < self.num_frames:
            raise InputError(
                f"TrackAccumulator.update: frame_index {frame_index} outside [0, {self.num_frames})"
            )
        depth = np.asarray(depth)
        if depth.shape != (self.height, self.width):
            raise InputError(
                f"TrackAccumulator.update: depth is {depth.shape}, expected "
                f"({self.height}, {self.width})"
            )
        poses = np.asarray(poses, dtype=np.float64).reshape(-1, 4, 4)
        if len(self.point_object) and int(self.point_object.max()) >= len(poses):
            raise InputError(
                f"TrackAccumulator.update: points lie on object {int(self.point_object.max())} "
                f"but only {len(poses)} poses were given"
            )
        # object -> camera per object, then per point
        obj_to_cam = cam.world_to_camera @ poses  # (O, 4, 4)
        m = obj_to_cam[self.point_object, :3, :]  # (N, 3, 4)
        pc = np.einsum("nij,nj->ni", m, self._homog)
        z = pc[:, 2]
        front = z > _MIN_Z
        safe = np.where(front, z, 1.0)
        x = cam.K[0, 0] * pc[:, 0] / safe + cam.K[0, 1] * pc[:, 1] / safe + cam.K[0, 2]
        y = cam.K[1, 1] * pc[:, 1] / safe + cam.K[1, 2]
        x = np.where(front, x, np.nan)
        y = np.where(front, y, np.nan)
        with np.errstate(invalid="ignore"):
            on = front & (x >= 0) & (x < self.width) & (y >= 0) & (y < self.height)
        if present is not None:
            on &= np.asarray(present, dtype=bool).reshape(-1)[self.point_object]
        vis = np.zeros(len(z), dtype=bool)
        vis[on] = visible_in_depth(x[on], y[on], z[on], depth)
        self._xy[:, frame_index, 0] = x
        self._xy[:, frame_index, 1] = y
        self._xyz[:, frame_index] = pc
        self._occluded[:, frame_index] = ~vis

    def result(self) -> dict[str, np.ndarray]:
        """The tracks of every point that is visible in at least one frame.

        Returns
        -------
        dict
            ``tracks_2d`` (N, T, 2) float32 pixels ``[x, y]`` (NaN behind the camera);
            ``occluded`` (N, T) bool, True = hidden; ``query_points`` (N, 3) float32
            ``[t, y, x]`` at each point's first visible frame; ``tracks_3d`` (N, T, 3) float32,
            metres, OpenCV camera coordinates of that frame; ``point_object`` (N,) int64;
            ``point_index`` (N,) int64, the row of each kept point in ``points_local``.
        """
        seen = ~self._occluded.all(axis=1)
        idx = np.flatnonzero(seen)
        occ = self._occluded[idx]
        first = np.argmax(~occ, axis=1)
        xy = self._xy[idx]
        q = np.stack(
            [
                first.astype(np.float32),
                xy[np.arange(len(idx)), first, 1],
                xy[np.arange(len(idx)), first, 0],
            ],
            axis=1,
        ).astype(np.float32)
        return {
            "tracks_2d": xy,
            "occluded": occ,
            "query_points": q,
            "tracks_3d": self._xyz[idx],
            "point_object": self.point_object[idx],
            "point_index": idx.astype(np.int64),
        }
