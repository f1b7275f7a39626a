"""Ropes, strings and chains in the simulation.

A rope is a chain of capsule links (:func:`add_rope`) joined by point-to-point constraints at
their ends, tied at its ends to objects or to fixed points of the world (:class:`RopeController`).
Neighbouring links, and the end links and what they are tied to, do not collide.

A chain of light links carrying a heavy load is what Bullet's iterative solver handles worst:
a 0.5 kg bob on a 0.5 m string of twelve 1.7 g links stretched the string by metres at 240 Hz
and still by 18 mm at 4 x 240 Hz (measured).  So a rope tied at both ends also acts as a
*tether*: before every step, when its ends are as far apart as the rope is long and moving
apart, a force along the line between them stops that (a velocity-level stop like the joint
limits of :mod:`physreel.physics.joints`, with the step's gravity predicted); the links then only
hang along.  The rope may go slack; it never stretches.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..assembly import BuiltObject
from ..assets.rope import link_pose, rope_path
from ..transforms import pose_to_matrix, quat_to_matrix
from .joints import MAX_CONSTRAINT_FORCE, com_pose, local_point, world_point
from .world import Body, Controller, World

TETHER_CORRECTION = 0.2
"""Fraction of a tether's overshoot (m) corrected per step."""


def add_rope(world: World, obj: BuiltObject) -> list[Body]:
    """Create the links of rope ``obj`` along its initial path (first link: ``obj.name``)."""
    shape = obj.spec.shape
    n, length = obj.extra["links"], obj.extra["length"]
    frame = pose_to_matrix(obj.position, obj.quaternion)
    ends = [frame[:3, :3] @ np.asarray(p, dtype=np.float64) + frame[:3, 3] for p in (shape.start, shape.end)]
    path = rope_path(ends[0], ends[1], length, n)
    bodies = []
    width = max(2, len(str(n - 1)))
    for k in range(n):
        centre, quat = link_pose(path[k], path[k + 1])
        name = obj.name if k == 0 else f"{obj.name}.link_{k:0{width}d}"
        bodies.append(world.add_body(name, obj.geometry, obj.material, mass=obj.mass / n, static=obj.static,
                                     position=centre, quaternion=quat, parent=None if k == 0 else obj.name))
    return bodies


@dataclass
class _Tether:
    a: Body | None  # None: a fixed point of the world
    b: Body | None
    local_a: np.ndarray  # the tie point in a's centre-of-mass frame (world point if a is None)
    local_b: np.ndarray
    length: float


class RopeController(Controller):
    """Ties the scene's ropes at setup; holds taut ropes as tethers before every step."""

    def __init__(self) -> None:
        self.tethers: list[_Tether] = []

    def setup(self, world: World) -> None:
        for built in world.assembly:
            if built.kind == "rope":
                self._tie(world, built)

    def _tie(self, world: World, obj: BuiltObject) -> None:
        p, c = world.p, world.client
        shape = obj.spec.shape
        n = obj.extra["links"]
        links = [world.by_name[obj.name]] + [b for b in world.bodies if b.parent == obj.name][: n - 1]
        half = obj.extra["length"] / n / 2
        top, bottom = np.array([0.0, 0.0, half]), np.array([0.0, 0.0, -half])  # a link's ends
        for k in range(n - 1):  # link k's top end is link k + 1's bottom end
            _point(world, links[k], links[k + 1], _incom_pose(links[k], top), _incom_pose(links[k + 1], bottom))
            p.setCollisionFilterPair(links[k].body_id, links[k + 1].body_id, -1, -1, 0, physicsClientId=c)
        ties = []
        for end, link, local, name in ((0, links[0], bottom, shape.start_object),
                                       (1, links[-1], top, shape.end_object)):
            if end == 1 and shape.end_free:
                ties.append(None)
                continue
            other = world.by_name[name] if name is not None else None
            point = world_point(world, link, _incom_pose(link, local))
            _point(world, link, other, _incom_pose(link, local), local_point(world, other, point))
            if other is not None:
                p.setCollisionFilterPair(link.body_id, other.body_id, -1, -1, 0, physicsClientId=c)
            ties.append((other, point))
        if ties[0] is not None and ties[1] is not None:
            (a, pa), (b, pb) = ties
            self.tethers.append(_Tether(a, b, local_point(world, a, pa), local_point(world, b, pb), obj.extra["length"]))

    def before_step(self, world: World) -> None:
        for t in self.tethers:
            if (t.a is None or t.a.alive) and (t.b is None or t.b.alive):
                self._hold(world, t)

    def _hold(self, world: World, t: _Tether) -> None:
        pa, pb = world_point(world, t.a, t.local_a), world_point(world, t.b, t.local_b)
        d = pb - pa
        dist = float(np.linalg.norm(d))
        if dist < t.length * 0.999 or dist < 1e-9:
            return  # slack
        u = d / dist
        g = np.asarray(world.scene.gravity, dtype=np.float64)
        ka, va, ga = _point_terms(world, t.a, pa, u)
        kb, vb, gb = _point_terms(world, t.b, pb, u)
        if ka + kb <= 0:
            return
        rate = float((vb - va) @ u) + float(g @ u) * (gb - ga) * world.dt  # after this step's gravity
        target = -TETHER_CORRECTION * (dist - t.length) / world.dt
        if rate <= target:
            return
        force = (target - rate) / (ka + kb) / world.dt * u  # on b; the opposite on a
        p, c = world.p, world.client
        if gb:
            p.applyExternalForce(t.b.body_id, -1, force.tolist(), pb.tolist(), p.WORLD_FRAME, physicsClientId=c)
        if ga:
            p.applyExternalForce(t.a.body_id, -1, (-force).tolist(), pa.tolist(), p.WORLD_FRAME, physicsClientId=c)


def _incom_pose(body: Body, point: np.ndarray) -> np.ndarray:
    """A point of the body's object frame in its centre-of-mass (principal axes) frame."""
    return (body.object_in_com @ np.append(point, 1.0))[:3]


def _point(world: World, a: Body, b: Body | None, local_a, local_b) -> int:
    """A point-to-point constraint (local points in the centre-of-mass frames)."""
    p, c = world.p, world.client
    cid = p.createConstraint(a.body_id, -1, b.body_id if b is not None else -1, -1, p.JOINT_POINT2POINT,
                             [0, 0, 0], list(local_a), list(local_b), physicsClientId=c)
    p.changeConstraint(cid, maxForce=MAX_CONSTRAINT_FORCE, physicsClientId=c)
    return cid


def _point_terms(world: World, body: Body | None, point: np.ndarray, u: np.ndarray) -> tuple[float, np.ndarray, int]:
    """Inverse effective mass along ``u`` at ``point`` (1/kg), the point's velocity (m/s) and
    whether gravity moves it (1) or not (0: the world, static, kinematic or held bodies)."""
    if body is None:
        return 0.0, np.zeros(3), 0
    p, c = world.p, world.client
    info = p.getDynamicsInfo(body.body_id, -1, physicsClientId=c)
    mass, diag = info[0], np.asarray(info[2], dtype=np.float64)
    com, orn = com_pose(world, body)
    v, w = p.getBaseVelocity(body.body_id, physicsClientId=c)
    r = point - com
    velocity = np.asarray(v) + np.cross(np.asarray(w), r)
    if mass <= 0:  # static, kinematic or held: it moves (or not) whatever pulls on it
        return 0.0, velocity, 0
    rxu = quat_to_matrix(orn).T @ np.cross(r, u)
    k = 1.0 / mass + float(rxu @ (rxu / np.maximum(diag, 1e-12)))
    return k, velocity, 1
