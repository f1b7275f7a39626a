"""Resolving scene specs into values: materials with overrides, initial orientations."""

from __future__ import annotations

import math

import numpy as np

from ..transforms import matrix_to_quat
from .materials import PRESETS, MaterialProps
from .models import MaterialSpec, ObjectSpec, Scene


def resolve_material(scene: Scene, name: str) -> MaterialProps:
    """The preset or scene-defined material ``name`` (scene definitions win over presets)."""
    spec: MaterialSpec | None = scene.materials.get(name)
    if spec is None:
        return PRESETS[name]
    base = PRESETS[spec.base]
    return base.with_overrides(**spec.model_dump(exclude={"base"}))


def object_material(scene: Scene, obj: ObjectSpec) -> MaterialProps:
    """An object's material with the object's own overrides applied."""
    mat = resolve_material(scene, obj.material)
    return mat.with_overrides(
        density=obj.density, friction=obj.friction, rolling_friction=obj.rolling_friction,
        spinning_friction=obj.spinning_friction, restitution=obj.restitution, color=obj.color,
        roughness=obj.roughness, metallic=obj.metallic, opacity=obj.opacity, class_name=obj.class_name,
    )


def initial_quaternion(obj: ObjectSpec) -> np.ndarray:
    """Orientation ``[x, y, z, w]`` of an object spec: ``rotation`` is degrees about the world
    X, then Y, then Z axes (extrinsic XYZ, i.e. R = Rz @ Ry @ Rx)."""
    if obj.quaternion is not None:
        q = np.asarray(obj.quaternion, dtype=np.float64)
        return q / np.linalg.norm(q)
    if obj.rotation is None:
        return np.array([0.0, 0.0, 0.0, 1.0])
    rx, ry, rz = np.radians(obj.rotation)
    cx, sx, cy, sy, cz, sz = math.cos(rx), math.sin(rx), math.cos(ry), math.sin(ry), math.cos(rz), math.sin(rz)
    r_x = np.array([[1, 0, 0], [0, cx, -sx], [0, sx, cx]])
    r_y = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    r_z = np.array([[cz, -sz, 0], [sz, cz, 0], [0, 0, 1]])
    return matrix_to_quat(r_z @ r_y @ r_x)
