"""Rendering as a stream: one frame bundle at a time, never a list of frames."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..assets.primitives import Geometry
from ..physics.trajectory import Trajectory
from ..scene.models import Camera, Scene
from ..scene.resolve import object_material
from .camera import CameraFrame, intrinsics, look_at
from .renderer import SceneRenderer

RASTER_PASSES = ("rgb",)


@dataclass
class FrameBundle(Mapping):
    """Everything rendered for one frame of one camera; passes by name (``bundle["rgb"]``).

    Attributes
    ----------
    frame : int
        Frame index; the frame shows the world at ``time = frame / fps``.
    time : float, seconds
    camera : str
        Camera name.
    view : CameraFrame
        Intrinsics and extrinsics of this camera at this frame.
    passes : dict
        ``rgb`` (H, W, 3) uint8, ... (see the manifest for every pass).
    """

    frame: int
    time: float
    camera: str
    view: CameraFrame
    passes: dict[str, np.ndarray] = field(default_factory=dict)

    def __getitem__(self, key: str) -> np.ndarray:
        return self.passes[key]

    def __iter__(self):
        return iter(self.passes)

    def __len__(self) -> int:
        return len(self.passes)


def camera_views(
    scene: Scene, cam: Camera, trajectory: Trajectory, width: int, height: int
) -> list[CameraFrame]:
    """Per-frame CameraFrame of camera ``cam`` (static cameras give T equal frames)."""
    yfov = float(np.radians(cam.fov))
    view = CameraFrame(
        width,
        height,
        intrinsics(width, height, yfov),
        look_at(cam.position, cam.look_at, cam.up),
        yfov,
    )
    return [view] * trajectory.num_frames


def focus_region(trajectory: Trajectory) -> tuple[np.ndarray, float]:
    """Centre and radius (m) of the region the objects move through (for shadow maps)."""
    pos = trajectory.position.reshape(-1, 3)
    if pos.size == 0:
        return np.zeros(3), 2.0
    lo, hi = pos.min(axis=0), pos.max(axis=0)
    centre = (lo + hi) / 2.0
    return centre, float(np.linalg.norm(hi - lo) / 2.0 + 1.0)


def open_renderer(
    scene: Scene, trajectory: Trajectory, geometries: dict[str, Geometry], width: int, height: int
) -> SceneRenderer:
    """A SceneRenderer for the objects of ``trajectory`` (caller closes it)."""
    specs = {o.name: o for o in scene.objects}
    materials = {name: object_material(scene, specs[name]) for name in trajectory.names}
    return SceneRenderer(
        scene,
        geometries,
        materials,
        trajectory.names,
        width,
        height,
        focus=focus_region(trajectory),
    )


def render_camera(
    renderer: SceneRenderer,
    trajectory: Trajectory,
    views: Sequence[CameraFrame],
    camera: str,
    passes: Sequence[str] = ("rgb",),
) -> Iterator[FrameBundle]:
    """Yield one :class:`FrameBundle` per frame for one camera."""
    n = trajectory.num_frames
    for f in range(n):
        poses = (
            np.stack([trajectory.pose_matrix(f, i) for i in range(len(trajectory.names))])
            if trajectory.names
            else np.zeros((0, 4, 4))
        )
        renderer.set_poses(poses, trajectory.present[f])
        bundle = FrameBundle(frame=f, time=f / trajectory.fps, camera=camera, view=views[f])
        if "rgb" in passes:
            color, _depth = renderer.render_rgb(views[f])
            bundle.passes["rgb"] = color
        yield bundle
