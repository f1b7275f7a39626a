"""Skeletons with bodies: bones, the convex shapes that collide, masses, joint ranges.

A :class:`Rig` is a tree of bones.  Each bone has a frame; its rest placement is a translation
(``offsets``) and rotation (``rest``) relative to its parent's frame.  A pose gives the root's
world pose and every bone's local rotation; :meth:`Rig.forward` turns it into world poses of all
bones.  Each bone carries one body part (its ``shapes``, ``mass``, centre of mass and inertia in
the bone frame), a :class:`JointRange` for the ragdoll, and named ``points`` (keypoints and
attachment points) hang on bones.  Units: metres, kilograms; quaternions ``[x, y, z, w]``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import trimesh

from ..quaternions import IDENTITY, qmul, qrot, qto_matrix


@dataclass(frozen=True)
class Shape:
    """One convex piece of a body part, placed in its bone's frame.

    ``kind`` is "capsule" (``size = (radius, length)``, length between the centres of its end
    spheres, along the local z axis), "sphere" (``(radius,)``) or "box" (half extents).
    """

    kind: str
    size: tuple[float, ...]
    position: np.ndarray
    quaternion: np.ndarray = field(default_factory=lambda: IDENTITY.copy())

    @property
    def volume(self) -> float:
        """m^3."""
        if self.kind == "capsule":
            r, a = self.size
            return math.pi * r * r * a + 4.0 / 3.0 * math.pi * r**3
        if self.kind == "sphere":
            return 4.0 / 3.0 * math.pi * self.size[0] ** 3
        hx, hy, hz = self.size
        return 8.0 * hx * hy * hz

    def inertia(self) -> np.ndarray:
        """(3, 3) inertia about the shape's centre at unit density (kg m^2 per kg/m^3), bone axes."""
        if self.kind == "capsule":
            r, a = self.size
            mc = math.pi * r * r * a
            ms = 4.0 / 3.0 * math.pi * r**3
            izz = mc * r * r / 2 + ms * 0.4 * r * r
            ixx = mc * (a * a / 12 + r * r / 4) + ms * (0.4 * r * r + a * a / 4 + 3 * a * r / 8)
            local = np.diag([ixx, ixx, izz])
        elif self.kind == "sphere":
            local = np.eye(3) * 0.4 * self.volume * self.size[0] ** 2
        else:
            x, y, z = (2 * s for s in self.size)
            local = np.diag([y * y + z * z, x * x + z * z, x * x + y * y]) * self.volume / 12.0
        rot = qto_matrix(self.quaternion)
        return rot @ local @ rot.T

    def scaled(self, s: float) -> Shape:
        """The shape with every length multiplied by ``s``."""
        return Shape(self.kind, tuple(v * s for v in self.size), self.position * s, self.quaternion)

    def mesh(self) -> trimesh.Trimesh:
        """A render mesh of the shape in the bone frame."""
        if self.kind == "capsule":
            r, a = self.size
            m = trimesh.creation.capsule(height=a, radius=r, count=[24, 24])
        elif self.kind == "sphere":
            m = trimesh.creation.icosphere(subdivisions=3, radius=self.size[0])
        else:
            m = trimesh.creation.box(extents=[2 * s for s in self.size])
            m = m.smooth_shaded if hasattr(m, "smooth_shaded") else m
        t = np.eye(4)
        t[:3, :3] = qto_matrix(self.quaternion)
        t[:3, 3] = self.position
        m.apply_transform(t)
        return m


@dataclass(frozen=True)
class JointRange:
    """How a bone may turn relative to its parent when the body is limp.

    ``kind`` "spherical": the rotation stays within ``swing`` (about the joint's x and y axes,
    rad) and ``twist`` (about its z axis, rad) of ``center`` (a local rotation, the middle of the
    range); "revolute": one angle about ``axis`` (parent frame) in ``[lower, upper]`` rad;
    "fixed": no motion.  ``friction`` is the joint's dry friction torque, N m.
    """

    kind: str
    center: np.ndarray = field(default_factory=lambda: IDENTITY.copy())
    swing: tuple[float, float] = (0.5, 0.5)
    twist: float = 0.5
    axis: np.ndarray = field(default_factory=lambda: np.array([0.0, 1.0, 0.0]))
    lower: float = 0.0
    upper: float = 0.0
    friction: float = 0.0


@dataclass(frozen=True)
class Rig:
    """A skeleton with a body part per bone.

    Attributes
    ----------
    names : list of str, B bones, parents before children (bone 0 is the root)
    parents : (B,) int, -1 for the root
    offsets : (B, 3) float64, metres: bone origin in the parent's frame at rest
    rest : (B, 4) float64: local rest rotations
    part_names : list of str: the body part carried by each bone ("right_foot")
    shapes : list of list of Shape: collision (and, for the mannequin, visual) shapes per bone
    masses : (B,) float64, kg (every part has mass: pybullet turns massless links into NaN)
    coms : (B, 3) float64: centre of mass of each part in its bone frame
    inertias : (B, 3, 3) float64, kg m^2: about the centre of mass, bone axes
    joints : list of JointRange (entry 0, the root, is unused)
    points : dict name -> (bone index, (3,) position in the bone frame)
    height : float, metres (sole to crown, standing)
    clip_scale : float: how much longer this rig's legs are than the reference skeleton's;
        clip root translations are multiplied by it
    """

    names: list[str]
    parents: np.ndarray
    offsets: np.ndarray
    rest: np.ndarray
    part_names: list[str]
    shapes: list[list[Shape]]
    masses: np.ndarray
    coms: np.ndarray
    inertias: np.ndarray
    joints: list[JointRange]
    points: dict[str, tuple[int, np.ndarray]]
    height: float
    clip_scale: float = 1.0

    @property
    def num_bones(self) -> int:
        return len(self.names)

    @property
    def mass(self) -> float:
        """Total mass, kg."""
        return float(self.masses.sum())

    def index(self, name: str) -> int:
        """Bone index by bone name or part name."""
        if name in self.names:
            return self.names.index(name)
        return self.part_names.index(name)

    def forward(
        self, root_position: np.ndarray, root_quaternion: np.ndarray, local: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """World poses of every bone.

        Parameters
        ----------
        root_position : (..., 3) float64: world position of the root bone's origin
        root_quaternion : (..., 4) float64: world orientation of the root bone
        local : (..., B, 4) float64: local rotation of each bone (entry 0 ignored)

        Returns
        -------
        positions : (..., B, 3) float64, metres
        quaternions : (..., B, 4) float64
        """
        local = np.asarray(local, dtype=np.float64)
        lead = local.shape[:-2]
        B = self.num_bones
        pos = np.empty(lead + (B, 3))
        quat = np.empty(lead + (B, 4))
        pos[..., 0, :] = root_position
        quat[..., 0, :] = root_quaternion
        for b in range(1, B):
            p = self.parents[b]
            quat[..., b, :] = qmul(quat[..., p, :], local[..., b, :])
            pos[..., b, :] = pos[..., p, :] + qrot(quat[..., p, :], self.offsets[b])
        return pos, quat

    def rest_pose(self) -> tuple[np.ndarray, np.ndarray]:
        """World bone poses standing at rest on the ground at the origin, facing +x."""
        return self.forward(np.array([0.0, 0.0, self.rest_root_height]), IDENTITY, self.rest)

    @property
    def rest_root_height(self) -> float:
        """Height of the root bone above the soles when standing at rest, metres."""
        pos, quat = self.forward(np.zeros(3), IDENTITY, self.rest)
        return -self.z_range(pos, quat)[0]

    def z_range(self, pos: np.ndarray, quat: np.ndarray) -> tuple[float, float]:
        """Lowest and highest world z of the body's shapes, given bone poses (B, 3), (B, 4)."""
        lo, hi = np.inf, -np.inf
        for b, shapes in enumerate(self.shapes):
            for s in shapes:
                if s.kind == "box":
                    corners = np.array([[x, y, z] for x in (-1, 1) for y in (-1, 1) for z in (-1, 1)]) * s.size
                    pts, pad = s.position + qrot(s.quaternion, corners), 0.0
                elif s.kind == "capsule":
                    r, a = s.size
                    pts = s.position + qrot(s.quaternion, np.array([[0, 0, -a / 2], [0, 0, a / 2]]))
                    pad = r
                else:
                    pts, pad = s.position[None], s.size[0]
                z = (pos[b] + qrot(quat[b], pts))[:, 2]
                lo, hi = min(lo, float(z.min()) - pad), max(hi, float(z.max()) + pad)
        return lo, hi

    def point_positions(self, names: list[str], pos: np.ndarray, quat: np.ndarray) -> np.ndarray:
        """World positions (..., len(names), 3) of named points, given bone poses from
        :meth:`forward`."""
        idx = np.array([self.points[n][0] for n in names])
        local = np.stack([self.points[n][1] for n in names])
        return pos[..., idx, :] + qrot(quat[..., idx, :], local)

    def part_mesh(self, bone: int) -> trimesh.Trimesh | None:
        """The render mesh of one bone's part (its shapes joined, bone frame); None if it has none."""
        shapes = self.shapes[bone]
        if not shapes:
            return None
        meshes = [s.mesh() for s in shapes]
        return meshes[0] if len(meshes) == 1 else trimesh.util.concatenate(meshes)

    def part_meshes(self) -> list[trimesh.Trimesh | None]:
        """One render mesh per bone (see :meth:`part_mesh`)."""
        return [self.part_mesh(b) for b in range(self.num_bones)]


def mass_properties(shapes: list[Shape], mass: float) -> tuple[np.ndarray, np.ndarray]:
    """Centre of mass (3,) and inertia about it (3, 3) of ``shapes`` of uniform density
    weighing ``mass`` kg together (overlaps counted twice: a fair price for simplicity)."""
    if not shapes:
        return np.zeros(3), np.eye(3) * mass * 1e-4
    vols = np.array([s.volume for s in shapes])
    centres = np.stack([s.position for s in shapes])
    com = (vols[:, None] * centres).sum(0) / vols.sum()
    inertia = np.zeros((3, 3))
    for s, v, c in zip(shapes, vols, centres, strict=True):
        d = c - com
        inertia += s.inertia() + v * (np.dot(d, d) * np.eye(3) - np.outer(d, d))
    return com, inertia * (mass / vols.sum())


def capsule_between(a: np.ndarray, b: np.ndarray, radius: float) -> Shape:
    """A capsule whose end spheres are centred on points ``a`` and ``b`` (bone frame)."""
    from ..quaternions import qbetween

    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    d = b - a
    length = float(np.linalg.norm(d))
    q = qbetween(np.array([0.0, 0.0, 1.0]), d) if length > 1e-9 else IDENTITY.copy()
    return Shape("capsule", (float(radius), length), (a + b) / 2, q)
