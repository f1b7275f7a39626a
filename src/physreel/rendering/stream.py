"""Rendering as a stream: one frame bundle at a time, never a list of frames."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from .. import rng as _rng
from ..assembly import Assembly
from ..physics.trajectory import Trajectory
from ..scene.models import Camera, Scene
from .camera import CameraFrame
from .camera_path import camera_frames
from .renderer import SceneRenderer


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
    sharp_rgb : (H, W, 3) uint8 or None
        The colour image before motion blur and depth of field, when either changed it: the
        controls made from the colour image (canny) use it, so they stay sharp.
    """

    frame: int
    time: float
    camera: str
    view: CameraFrame
    passes: dict[str, np.ndarray] = field(default_factory=dict)
    sharp_rgb: np.ndarray | None = None

    def __getitem__(self, key: str) -> np.ndarray:
        if key not in self.passes:  # an alias (``seg``) or a pass that was not asked for
            from ..passes import PASSES

            name = PASSES.canonical(key)
            if name not in self.passes:
                raise KeyError(f"pass {name!r} was not rendered; this bundle has {', '.join(self.passes) or 'none'}")
            return self.passes[name]
        return self.passes[key]

    def __iter__(self):
        return iter(self.passes)

    def __len__(self) -> int:
        return len(self.passes)


def camera_views(
    scene: Scene, cam: Camera, trajectory: Trajectory, width: int, height: int
) -> list[CameraFrame]:
    """Per-frame CameraFrame of camera ``cam``, its motion evaluated at every frame time.

    Shake noise draws from the stream ``("camera", name, "shake")`` of the scene seed, so every
    camera shakes differently and the same scene renders the same way every time.
    """
    rng = _rng.stream(scene.seed, "camera", cam.name, "shake")

    def object_position(name: str, frame: int) -> np.ndarray:
        return trajectory.position[frame, trajectory.index(name)]

    return camera_frames(
        cam, width, height, trajectory.num_frames, trajectory.fps,
        object_position=object_position, rng=rng,
    )


def focus_region(trajectory: Trajectory) -> tuple[np.ndarray, float]:
    """Centre and radius (m) of the region the objects move through (for shadow maps)."""
    pos = trajectory.position.reshape(-1, 3)
    if pos.size == 0:
        return np.zeros(3), 2.0
    lo, hi = pos.min(axis=0), pos.max(axis=0)
    centre = (lo + hi) / 2.0
    return centre, float(np.linalg.norm(hi - lo) / 2.0 + 1.0)


def open_renderer(assembly: Assembly, trajectory: Trajectory, width: int, height: int) -> SceneRenderer:
    """A SceneRenderer for the bodies of ``trajectory`` (caller closes it).  Pieces created
    during the simulation render with the look of the object they broke off."""
    return SceneRenderer(assembly, trajectory, width, height, focus=focus_region(trajectory))
