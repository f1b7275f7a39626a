"""The Trajectory: everything the renderer needs from physics, as plain numpy data.

Conventions: metres, seconds, world frame Z up; quaternions ``[x, y, z, w]``.
Frame ``i`` is the world at ``t = i / fps``; frame 0 is the initial state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..transforms import matrix_to_quat, pose_to_matrix, quat_to_matrix

__all__ = ["Trajectory", "matrix_to_quat", "pose_to_matrix", "quat_to_matrix"]


@dataclass
class Trajectory:
    """Per-frame state of every object of a simulation.

    Attributes
    ----------
    fps : float
        Frames per second.
    names : list of str
        Object names, in the order of the second axis of every array (N objects).  Objects
        created during the simulation (e.g. fracture pieces) are included.
    position : (T, N, 3) float64, metres
        World position of each object's frame origin.
    quaternion : (T, N, 4) float64
        World orientation of each object's frame, ``[x, y, z, w]``.
    velocity : (T, N, 3) float64, m/s
        Linear velocity of the object's centre of mass, world frame.
    angular_velocity : (T, N, 3) float64, rad/s
        Angular velocity, world frame.
    present : (T, N) bool
        Whether the object exists at that frame (False before a piece is created or after
        its parent broke).
    events : list of dict
        Timeline of what happened (impacts, breaks, ...), each with ``type``, ``time`` (s) and
        ``frame``.
    masses : dict name -> kg (0 for static bodies)
    parents : dict piece name -> the body it broke off
    extra_geometry : dict name -> Geometry of bodies whose geometry is not their scene object's
        (pieces created during the simulation, a person's body parts)
    parts : dict body name -> the object it is a part of (a person's arm -> the person); parts
        share their object's segmentation id
    skeletons : dict person name -> (positions (T, B, 3), quaternions (T, B, 4)): world poses of
        every bone of the person's rig at every frame (``assembly[name].extra["rig"]``)
    physics : dict
        The stepping actually used (:meth:`physreel.physics.world.World.stepping_record`):
        ``rate`` (steps/s), ``substeps``, ``steps_per_frame``, ``solver_iterations`` (the most
        used), ``reasons``, ``warnings``.
    """

    fps: float
    names: list[str]
    position: np.ndarray
    quaternion: np.ndarray
    velocity: np.ndarray
    angular_velocity: np.ndarray
    present: np.ndarray
    events: list[dict[str, Any]] = field(default_factory=list)
    masses: dict[str, float] = field(default_factory=dict)
    parents: dict[str, str] = field(default_factory=dict)
    extra_geometry: dict[str, Any] = field(default_factory=dict)
    parts: dict[str, str] = field(default_factory=dict)
    skeletons: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    physics: dict[str, Any] = field(default_factory=dict)

    def root_of(self, name: str) -> str:
        """The scene object a body comes from (itself, or the object a piece broke off)."""
        while name in self.parents:
            name = self.parents[name]
        return name

    @property
    def segmentation_ids(self) -> np.ndarray:
        """(N,) int64: the segmentation id of each body (column ``i`` -> ``i + 2``, except body
        parts, which take their object's id; see
        :data:`physreel.assembly.materials.FIRST_OBJECT_ID`)."""
        from ..assembly.materials import FIRST_OBJECT_ID

        ids = FIRST_OBJECT_ID + np.arange(len(self.names), dtype=np.int64)
        for name, whole in self.parts.items():  # a person's parts show as the person
            ids[self.names.index(name)] = ids[self.names.index(whole)]
        return ids

    @property
    def num_frames(self) -> int:
        return int(self.position.shape[0])

    @property
    def times(self) -> np.ndarray:
        """(T,) float64, seconds: the time of each frame."""
        return np.arange(self.num_frames, dtype=np.float64) / self.fps

    def index(self, name: str) -> int:
        """Column of object ``name`` in the arrays."""
        return self.names.index(name)

    def pose_matrix(self, frame: int, obj: int) -> np.ndarray:
        """(4, 4) float64 object-to-world transform of object ``obj`` at ``frame``."""
        return pose_to_matrix(self.position[frame, obj], self.quaternion[frame, obj])
