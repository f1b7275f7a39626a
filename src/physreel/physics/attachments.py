"""Things people wear: an object held on a body part by a fixed joint that breaks.

An attached object (``attach: {to, bone, offset, rotation, break_force}``) is placed on the
part at t = 0 and held there by a pybullet fixed constraint, so it follows the part within
millimetres while the person plays clips, turns their head or goes limp.  While worn it does not
collide with its wearer (it sits in the head it covers; clips know nothing of it, and an arm
raised through a helmet would tear it off).  When the constraint's force exceeds
``break_force`` (N) the constraint is removed (event ``detach``) and the object falls as a free
body; it collides with its wearer again once it is clear of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..quaternions import qfrom_matrix, qrot, qto_matrix
from ..transforms import orientation
from .world import Body, World

ATTACH_MAX_FORCE = 1e6
"""N; the force a constraint may apply (its break force is checked separately)."""


@dataclass
class AttachSetup:
    """An object held on a body part: ``point`` is a named point of the rig (``head``) or a
    part name; ``offset`` (m) is added in the part's frame; ``rotation`` (4,) is the object's
    orientation relative to that frame."""

    object: str
    person: str
    point: str
    offset: np.ndarray
    rotation: np.ndarray
    break_force: float | None = None

    @classmethod
    def of(cls, built) -> AttachSetup:
        a = built.spec.attach
        rot = orientation(a.rotation, None)
        return cls(built.name, a.to, a.bone, np.asarray(a.offset, dtype=np.float64), rot, a.break_force)


@dataclass
class _Attached:
    setup: AttachSetup
    body: Body
    bone: int
    local: np.ndarray  # (4, 4) object frame in the bone frame
    constraint: int | None = None
    ignored: list = field(default_factory=list)  # (body id, link) of the wearer not collided with


def pose_matrix(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """(4, 4) transform of a position (3,) and quaternion (4,)."""
    m = np.eye(4)
    m[:3, :3] = qto_matrix(q)
    m[:3, 3] = p
    return m


class Attachments:
    """The attached objects of a scene, driven by the people controller ``people``
    (:class:`~physreel.physics.humanoid.HumanoidController`)."""

    def __init__(self, people):
        self.people = people
        self.items: list[_Attached] = []

    def worn_by(self, person: str) -> set[int]:
        """pybullet ids of the objects attached to ``person``."""
        return {a.body.body_id for a in self.items if a.setup.person == person}

    def add(self, world: World, a: AttachSetup) -> None:
        """Put ``a.object`` on its part, at rest relative to it, and hold it there."""
        ctl = self.people
        person = ctl.people[a.person]
        rig = person.setup.rig
        if a.point in rig.points:
            bone, point = rig.points[a.point]
        else:
            bone = rig.index(a.point)
            point = rig.coms[bone]
        # Attach to the nearest bone that has a part (points may hang on shapeless bones).
        while person.kinematic[bone] < 0 and rig.parents[bone] >= 0:
            point = rig.offsets[bone] + qrot(rig.rest[bone], point)
            bone = rig.parents[bone]
        local = pose_matrix(point + a.offset, a.rotation)
        body = world.by_name[a.object]
        att = _Attached(a, body, bone, local)
        pos, quat, vel, ang = ctl._motion(world, person, world.step_index)
        com = pose_matrix(pos[bone], quat[bone]) @ local @ body.com_in_object
        p, c = world.p, world.client
        p.resetBasePositionAndOrientation(body.body_id, com[:3, 3].tolist(), qfrom_matrix(com[:3, :3]).tolist(),
                                          physicsClientId=c)
        v = vel[bone] + np.cross(ang[bone], com[:3, 3] - pos[bone])
        p.resetBaseVelocity(body.body_id, v.tolist(), ang[bone].tolist(), physicsClientId=c)
        for bid in person.kinematic:
            if bid >= 0:
                self._ignore(world, att, bid, -1)
        self.items.append(att)
        self._constrain(world, att)

    def release(self, world: World, person: str) -> list[_Attached]:
        """Remove the joints of what ``person`` wears (before their parts are replaced)."""
        held = [a for a in self.items if a.setup.person == person and a.constraint is not None]
        for a in held:
            world.p.removeConstraint(a.constraint, physicsClientId=world.client)
            a.constraint = None
        return held

    def rehang(self, world: World, person: str, removed: set[int], held: list[_Attached]) -> None:
        """After ``person`` went limp: forget the removed kinematic parts, keep worn things
        out of the limp body's collisions, and hold ``held`` again on its links."""
        ragdoll = self.people.people[person].ragdoll
        for a in self.items:
            if a.setup.person != person:
                continue
            a.ignored = [(b, ln) for b, ln in a.ignored if b not in removed]
            if a in held:
                for link in range(-1, ragdoll.rig.num_bones - 1):
                    self._ignore(world, a, ragdoll.body, link)
        for a in held:
            self._constrain(world, a)

    def check(self, world: World) -> None:
        """After a step: break joints loaded beyond their break force (event ``detach``), and
        let fallen-off things collide with their wearer again once clear of them."""
        p, c = world.p, world.client
        for a in self.items:
            if a.constraint is None and a.ignored:
                still = []
                for body, link in a.ignored:
                    if p.getClosestPoints(body, a.body.body_id, 0.0, link, -1, physicsClientId=c):
                        still.append((body, link))
                    else:
                        p.setCollisionFilterPair(body, a.body.body_id, link, -1, 1, physicsClientId=c)
                a.ignored = still
            if a.constraint is None or a.setup.break_force is None:
                continue
            force = float(np.linalg.norm(p.getConstraintState(a.constraint, physicsClientId=c)[:3]))
            if force > a.setup.break_force:
                p.removeConstraint(a.constraint, physicsClientId=c)
                a.constraint = None
                person = self.people.people[a.setup.person]
                world.add_event("detach", object=a.setup.object, **{"from": a.setup.person},
                                part=person.setup.part_name(a.bone), force=round(force, 3))

    # ------------------------------------------------------------------ internals
    def _part_frame(self, person, bone: int) -> tuple[int, int, np.ndarray]:
        """pybullet body, link and the bone frame in that link's centre-of-mass frame (4, 4)."""
        if person.ragdoll is None:
            return person.kinematic[bone], -1, np.eye(4)
        ci, cq = person.ragdoll.inertial_frame(bone)
        return person.ragdoll.body, bone - 1, np.linalg.inv(pose_matrix(ci, cq))

    def _constrain(self, world: World, a: _Attached) -> None:
        p, c = world.p, world.client
        parent, link, bone_in_com = self._part_frame(self.people.people[a.setup.person], a.bone)
        frame = bone_in_com @ a.local  # the object frame in the parent's centre-of-mass frame
        child = a.body.object_in_com  # the object frame in the object's centre-of-mass frame
        a.constraint = p.createConstraint(
            parent, link, a.body.body_id, -1, p.JOINT_FIXED, [0, 0, 0],
            frame[:3, 3].tolist(), child[:3, 3].tolist(),
            qfrom_matrix(frame[:3, :3]).tolist(), qfrom_matrix(child[:3, :3]).tolist(),
            physicsClientId=c,
        )
        p.changeConstraint(a.constraint, maxForce=ATTACH_MAX_FORCE, physicsClientId=c)

    def _ignore(self, world: World, a: _Attached, body: int, link: int) -> None:
        world.p.setCollisionFilterPair(body, a.body.body_id, link, -1, 0, physicsClientId=world.client)
        a.ignored.append((body, link))
