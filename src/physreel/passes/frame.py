"""What a pass reads: the clip of one camera (:class:`Clip`) and one frame of it (:class:`Frame`).

A pass's ``compute(frame, state)`` reads the frame's renderer outputs (``frame.render["gt"]``),
other passes of the same frame (``frame["depth"]``, computed on first use and kept for the
frame), its neighbours (``frame.next["depth"]``) and the clip (``frame.clip.trajectory``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from ..assembly import Assembly
    from ..physics.trajectory import Trajectory
    from ..rendering.camera import CameraFrame
    from ..scene.models import Scene
    from .registry import Pass


#: Renderer outputs a pass may need (``Needs.render``); one call of
#: :meth:`~physreel.rendering.renderer.SceneRenderer.render` makes all of a frame's outputs in
#: one geometry pass.
RENDER_OUTPUTS: dict[str, str] = {
    "rgb": "(H, W, 3) uint8, anti-aliased, shaded",
    "gt": "dict of exact float32 depth, uint16 segmentation, float32 normals (no anti-aliasing)",
    "motion_next": "Motion to the next frame: exact flow from its poses and camera, and depth there "
                   "(absent at the last frame)",
    "motion_prev": "Motion to the previous frame (absent at the first frame)",
}


@dataclass(frozen=True)
class Clip:
    """One camera's clip: everything a pass may read besides the frame itself.

    Attributes
    ----------
    assembly : Assembly
        The built scene (``assembly.scene``; ``assembly.rng(key)`` for random streams).
    trajectory : Trajectory
        The simulation (poses of every body, ``names`` order).
    camera : str
        Camera name.
    views : sequence of CameraFrame
        The camera at every frame (intrinsics ``K``, ``world_to_camera``).
    geometries : mapping name -> Geometry
        Every body of the trajectory (pieces included), object frame, metres.
    class_labels : sequence of str
        Semantic class of every segmentation id (index = id: background, floor, bodies).
    """

    assembly: Assembly
    trajectory: Trajectory
    camera: str
    views: Sequence[CameraFrame]
    geometries: Mapping[str, Any] = field(default_factory=dict)
    class_labels: Sequence[str] = ()

    @property
    def scene(self) -> Scene:
        return self.assembly.scene

    @property
    def num_frames(self) -> int:
        return self.trajectory.num_frames

    @property
    def fps(self) -> int:
        """Frames per second (the scene's)."""
        return self.scene.fps

    @property
    def width(self) -> int:
        return int(self.views[0].width)

    @property
    def height(self) -> int:
        return int(self.views[0].height)

    def mesh(self, name: str):
        """One trimesh of body ``name``'s render meshes (object frame, metres)."""
        import trimesh

        visual = self.geometries[name].visual
        return visual[0] if len(visual) == 1 else trimesh.util.concatenate(visual)


class Frame:
    """One frame of one camera while its passes are computed.

    Attributes
    ----------
    index : int
        Frame number; the frame shows the world at ``index / fps`` seconds.
    view : CameraFrame
    poses : (1 + N, 4, 4) float64
        Body-to-world poses: the ground (identity), then the bodies in ``trajectory.names``
        order (segmentation id = position + 1).
    present : (1 + N,) bool
        Whether each body exists at this frame (pieces appear when something breaks).
    render : dict
        Renderer outputs by name (see :data:`RENDER_OUTPUTS`).
    clip : Clip
    prev, next : Frame or None
        Neighbouring frames, set while this frame's passes are computed when a pass needs them.
    cache : dict
        Scratch space for passes computed together (flow and occlusion share one computation).
    """

    def __init__(self, index: int, view, poses: np.ndarray, present: np.ndarray, render: dict,
                 clip: Clip, passes: Mapping[str, Pass], states: Mapping[str, Any]):
        self.index, self.view, self.poses, self.present = index, view, poses, present
        self.render, self.clip = render, clip
        self.prev: Frame | None = None
        self.next: Frame | None = None
        self.cache: dict = {}
        self._passes, self._states = passes, states
        self._values: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        """Pass ``name`` at this frame (computed once, on first use)."""
        if name not in self._values:
            if name not in self._passes:
                raise KeyError(f"pass {name!r} is not computed in this stream: the pass that reads it must "
                               f"list it in Needs(passes=...)")
            self._values[name] = self._passes[name].compute(self, self._states.get(name))
        return self._values[name]
