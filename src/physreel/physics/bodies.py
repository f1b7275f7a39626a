"""Physics of the rigid kind: one pybullet body per object."""

from __future__ import annotations

from ..assembly import BuiltObject
from .world import Body, World


def add_rigid(world: World, obj: BuiltObject) -> list[Body]:
    """Create the rigid body of ``obj`` at its initial pose and velocity (of its origin)."""
    return [world.add_body(
        obj.name, obj.geometry, obj.material, mass=obj.mass, static=obj.static, position=obj.position,
        quaternion=obj.quaternion, velocity=obj.velocity, angular_velocity=obj.angular_velocity,
        origin_velocity=True,
    )]
