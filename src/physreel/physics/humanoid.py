"""People in the simulation: mocap playback, going limp (ragdoll), and things attached to them.

**Playback.**  While a person plays their clips, every body part is a kinematic body (mass 0
for pybullet) placed at the clip's pose after every physics step and given the velocity that
carries it to the next step's pose, so the contact solver sees the true motion: a foot
pushes what it touches (a ball leaves at ``(1 + e)`` times the foot's speed along the contact
normal).  A kinematic person is infinitely strong: nothing they touch slows them down.  Poses
are computed for a block of steps at once (vectorised), so playback costs a few pybullet calls
per part per step.

**Ragdoll.**  On the ``ragdoll`` action, or when a hit would deliver more than
``on_impact_above`` N·s to the person (predicted before the step from the approach speed and
the other body's mass, floor and attached objects excluded; checked again after the step from
the contact forces), the person becomes one articulated pybullet body
(:class:`~physreel.physics.ragdoll.Ragdoll`) with the parts' masses, joint ranges and joint
friction, starting from the current pose and velocities: they fall, settle and stay down.
Switching before the blow lands means the blow itself is resolved against the limp body, so
momentum is conserved.

**Blows between people** are finite: a limb of another person delivers ``(1 + e)`` times the
reduced mass of half the limb and the struck body times the approach speed, then passes
through the struck body for :data:`STRIKE_APART` (a kinematic limb left in contact would carry
them off at its own speed).

**Attachments** (worn things) are :mod:`physreel.physics.attachments`.

Events: ``ragdoll`` (``object``, ``cause``: ``action`` or ``impact``, and for impacts ``by``,
``part``, ``impulse``), ``detach`` (``object``, ``from``, ``part``, ``force``).  Impacts of
the parts are recorded by the world's impact recorder under the parts' names
(``alice.right_foot``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..assets.motion import MotionPlan
from ..assets.primitives import Geometry
from ..assets.rig import Rig
from ..quaternions import angular_velocity, yaw_of
from ..scene.materials import MaterialProps
from .attachments import Attachments, AttachSetup, pose_matrix
from .ragdoll import Ragdoll
from .world import FLAT_CONTACT_THRESHOLD, Body, Controller, World, link_key

BLOCK_STEPS = 240
"""Physics steps whose poses are computed together."""

IMPACT_WINDOW = 0.03
"""s; contact impulses on a person within this window are summed (one blow)."""

STRIKE_APART = 0.25
"""s; after a blow from another person's limb, striker and struck pass through each other this
long (and until they are apart)."""


@dataclass
class PersonSetup:
    """What the simulation needs to know about one person.

    ``ragdoll_above``: N·s (None: never from impacts); ``ragdoll_at``: times (s) of
    ``ragdoll`` actions.
    """

    name: str
    rig: Rig
    plan: MotionPlan
    material: MaterialProps
    ragdoll_above: float | None = None
    ragdoll_at: list[float] = field(default_factory=list)
    drawn: bool = True

    def part_name(self, bone: int) -> str:
        """The body name of bone ``bone``'s part: the person's own name for the root (the
        pelvis: the person's position), ``<person>.<part>`` for the others."""
        return self.name if bone == 0 else f"{self.name}.{self.rig.part_names[bone]}"

    @classmethod
    def of(cls, built, actions=()) -> PersonSetup:
        """The setup of a built humanoid object (``kind == "humanoid"``)."""
        spec = built.spec
        rig = built.extra["rig"]
        yaw = float(yaw_of(built.quaternion))
        look = [(k.time, np.radians(k.yaw), np.radians(k.pitch)) for k in spec.look]
        plan = MotionPlan(rig, list(built.extra["segments"]), built.position, yaw, built.extra.get("mapper"), look)
        above = spec.ragdoll.on_impact_above if spec.ragdoll is not None else None
        at = [a.time for a in actions if a.type == "ragdoll" and a.object == spec.name]
        return cls(spec.name, rig, plan, built.material, above, at, drawn=built.extra.get("skin") is None)


def part_geometry(rig: Rig, bone: int, drawn: bool = True) -> Geometry:
    """Render geometry of one body part (bone frame) with its mass properties; nothing to draw
    when ``drawn`` is False (a skinned person is drawn as their skin)."""
    mesh = rig.part_mesh(bone) if drawn else None
    visual = [mesh] if mesh is not None else []
    volume = float(sum(sh.volume for sh in rig.shapes[bone])) or 1e-6
    m = max(float(rig.masses[bone]), 1e-9)
    return Geometry("part", {"bone": rig.names[bone]}, visual, [], volume, rig.coms[bone].copy(),
                    rig.inertias[bone] / m)


def add_humanoid(world: World, built) -> list[Body]:
    """The physics of a humanoid object: its root part (the pelvis), a kinematic body at the
    clip's first pose; :class:`HumanoidController` adds the other parts (after every scene
    object, so scene objects keep their segmentation ids) and drives them."""
    ps = PersonSetup.of(built, world.scene.actions)
    rp, rq, local = ps.plan.sample(np.zeros(1))
    pos, quat = ps.rig.forward(rp, rq, local)
    return [_kinematic_part(world, ps, 0, pos[0, 0], quat[0, 0])]


def _kinematic_part(world: World, ps: PersonSetup, bone: int, pos: np.ndarray, quat: np.ndarray) -> Body:
    """A mass-0 body of one part's shapes, its frame the bone frame, registered in the world."""
    p, c = world.p, world.client
    kw = dict(shapeTypes=[], radii=[], halfExtents=[], lengths=[], collisionFramePositions=[],
              collisionFrameOrientations=[])
    for s in ps.rig.shapes[bone]:
        kw["shapeTypes"].append({"capsule": p.GEOM_CAPSULE, "sphere": p.GEOM_SPHERE, "box": p.GEOM_BOX}[s.kind])
        kw["radii"].append(s.size[0] if s.kind != "box" else 0.0)
        kw["halfExtents"].append(list(s.size) if s.kind == "box" else [0.0, 0.0, 0.0])
        kw["lengths"].append(s.size[1] if s.kind == "capsule" else 0.0)
        kw["collisionFramePositions"].append(s.position.tolist())
        kw["collisionFrameOrientations"].append(s.quaternion.tolist())
    shape = p.createCollisionShapeArray(**kw, physicsClientId=c)
    bid = p.createMultiBody(0.0, shape, basePosition=pos.tolist(), baseOrientation=quat.tolist(), physicsClientId=c)
    _set_material(world, bid, -1, ps.material, _rolling_radius(ps.rig, bone))
    body = Body(ps.part_name(bone), bid, float(ps.rig.masses[bone]), False, ps.material, np.eye(4), np.eye(4),
                geom=part_geometry(ps.rig, bone, ps.drawn), parent=None if bone == 0 else ps.name,
                part_of=None if bone == 0 else ps.name)
    world.bodies.append(body)
    world.by_name[body.name] = body
    world.by_id[bid] = body
    return body


def _rolling_radius(rig: Rig, bone: int) -> float:
    """The radius a body part rolls on (m): its largest capsule or sphere, 0 for a box (the
    rule of :func:`physreel.physics.contact.rolling_radius`)."""
    return max((float(s.size[0]) for s in rig.shapes[bone] if s.kind in ("capsule", "sphere")), default=0.0)


def _set_material(world: World, body: int, link: int, mat: MaterialProps, radius: float) -> None:
    """Contact settings of one part; ``rolling_friction`` is the dimensionless coefficient of
    every material, turned into Bullet's lever by the part's rolling radius."""
    world.p.changeDynamics(
        body, link, lateralFriction=mat.friction, rollingFriction=mat.rolling_friction * radius,
        spinningFriction=mat.spinning_friction * radius, restitution=mat.restitution, linearDamping=0.0,
        angularDamping=0.0, contactProcessingThreshold=FLAT_CONTACT_THRESHOLD,
        physicsClientId=world.client,
    )


@dataclass
class _Person:
    setup: PersonSetup
    bodies: list[Body | None]  # per bone; None for shapeless bones
    kinematic: list[int]  # pybullet ids of the kinematic parts (-1: none)
    ragdoll: Ragdoll | None = None
    block_start: int = -(10**9)
    block_pos: np.ndarray | None = None
    block_quat: np.ndarray | None = None
    block_vel: np.ndarray | None = None
    block_ang: np.ndarray | None = None
    block_lists: tuple | None = None
    hits: list = field(default_factory=list)  # (step, impulse, other) within the window

    @property
    def name(self) -> str:
        return self.setup.name


class HumanoidController(Controller):
    """Plays, ragdolls and holds attachments for the people of a scene (see the module notes).

    Run it before the impact recorder (it moves bodies before each step, like the actions
    controller) and give it the recorder, so parts never produce ``rest`` events.
    """

    def __init__(self, recorder=None):
        self.recorder = recorder
        self.people: dict[str, _Person] = {}
        self.attachments = Attachments(self)
        self._ragdoll_steps: list[tuple[int, str]] = []
        self._tracks: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._owner: dict[int, tuple[str, int]] = {}  # kinematic part body -> (person, bone)
        self._apart: list = []  # (until step, limp body, [(striker part, link)]) not colliding

    # ------------------------------------------------------------------ hooks
    def setup(self, world: World) -> None:
        objs = list(world.assembly)
        for built in objs:
            if built.kind != "humanoid":
                continue
            ps = PersonSetup.of(built, world.scene.actions)
            self.people[ps.name] = self._create(world, ps)
            for t in ps.ragdoll_at:
                self._ragdoll_steps.append((max(0, math.ceil(t / world.dt - 1e-9)), ps.name))
        self._ragdoll_steps.sort()
        for built in objs:
            if built.spec.attach is not None:
                self.attachments.add(world, AttachSetup.of(built))
        n = world.scene.num_frames
        for name, person in self.people.items():
            B = person.setup.rig.num_bones
            self._tracks[name] = (np.zeros((n, B, 3)), np.tile(np.array([0.0, 0, 0, 1]), (n, B, 1)))

    def after_frame(self, world: World, frame: int) -> None:
        for name in self.people:
            pos, quat = self.bone_poses(world, name)
            self._tracks[name][0][frame] = pos
            self._tracks[name][1][frame] = quat

    def skeletons(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Per person: world bone positions (T, B, 3) and orientations (T, B, 4) at every frame."""
        return dict(self._tracks)

    def before_step(self, world: World) -> None:
        k = world.step_index
        while self._ragdoll_steps and self._ragdoll_steps[0][0] <= k:
            _, name = self._ragdoll_steps.pop(0)
            person = self.people[name]
            if person.ragdoll is None:
                self._go_limp(world, person, {"cause": "action"})
        for person in self.people.values():
            if person.ragdoll is None and person.setup.ragdoll_above is not None:
                blow = self._predicted_blow(world, person)
                if blow is not None and blow["impulse"] > person.setup.ragdoll_above:
                    self._go_limp(world, person, {"cause": "impact", **blow})

    def after_step(self, world: World) -> None:
        k = world.step_index
        for person in self.people.values():
            if person.ragdoll is not None:
                continue
            if person.setup.ragdoll_above is not None:
                blow = self._felt_blow(world, person)
                if blow is not None and blow["impulse"] > person.setup.ragdoll_above:
                    self._go_limp(world, person, {"cause": "impact", **blow})
                    continue
            self._place(world, person, k)
        self.attachments.check(world)
        if self._apart:
            self._rejoin(world)

    # ------------------------------------------------------------------ building
    def _create(self, world: World, ps: PersonSetup) -> _Person:
        rig = ps.rig
        person = _Person(ps, [None] * rig.num_bones, [-1] * rig.num_bones)
        pos, quat = self._pose(world, person, 0)
        for b in range(rig.num_bones):
            if b == 0:
                body = world.by_name[ps.name]
            elif rig.shapes[b]:
                body = _kinematic_part(world, ps, b, pos[b], quat[b])
            else:
                continue
            person.bodies[b] = body
            person.kinematic[b] = body.body_id
            self._owner[body.body_id] = (ps.name, b)
            if self.recorder is not None:
                self.recorder.skip_rest.add(body.name)
        self._place(world, person, 0)
        return person

    # ------------------------------------------------------------------ playback
    def _pose(self, world: World, person: _Person, step: int) -> tuple[np.ndarray, np.ndarray]:
        """World bone poses at physics step ``step`` (from the block cache)."""
        i = self._block(world, person, step)
        return person.block_pos[i], person.block_quat[i]

    def _block(self, world: World, person: _Person, step: int) -> int:
        """Index of ``step`` in the person's block of precomputed steps (computed on demand:
        poses of :data:`BLOCK_STEPS` + 1 steps at once, the velocities between them, and the
        per-part lists pybullet is given)."""
        i = step - person.block_start
        if person.block_pos is None or not 0 <= i < BLOCK_STEPS:
            person.block_start = step
            t = (step + np.arange(BLOCK_STEPS + 1)) * world.dt
            rp, rq, local = person.setup.plan.sample(t)
            pos, quat = person.setup.rig.forward(rp, rq, local)
            person.block_pos, person.block_quat = pos, quat
            person.block_vel = np.diff(pos, axis=0) / world.dt
            person.block_ang = angular_velocity(quat[:-1], quat[1:], world.dt)
            person.block_lists = (pos[:-1].tolist(), quat[:-1].tolist(), person.block_vel.tolist(),
                                  person.block_ang.tolist())
            i = 0
        return i

    def _motion(self, world: World, person: _Person, step: int) -> tuple[np.ndarray, ...]:
        """Bone poses at ``step`` and the velocities that reach the poses of ``step + 1``."""
        i = self._block(world, person, step)
        return person.block_pos[i], person.block_quat[i], person.block_vel[i], person.block_ang[i]

    def _place(self, world: World, person: _Person, step: int) -> None:
        p, c = world.p, world.client
        i = self._block(world, person, step)
        pos, quat, vel, ang = (lst[i] for lst in person.block_lists)
        for b, bid in enumerate(person.kinematic):
            if bid >= 0:
                p.resetBasePositionAndOrientation(bid, pos[b], quat[b], physicsClientId=c)
                p.resetBaseVelocity(bid, vel[b], ang[b], physicsClientId=c)

    # ------------------------------------------------------------------ blows
    def _mine(self, person: _Person) -> set[int]:
        return {b for b in person.kinematic if b >= 0} | self.attachments.worn_by(person.name)

    def _predicted_blow(self, world: World, person: _Person) -> dict | None:
        """The largest impulse a body about to touch the person this step would deliver
        (``(1 + e) m v`` against a body that does not give way), or None."""
        p, c, dt = world.p, world.client, world.dt
        pos, quat, vel, ang = self._motion(world, person, world.step_index)
        reach = person.setup.rig.height * 0.6
        lo = pos.min(axis=0) - reach * 0.5
        hi = pos.max(axis=0) + reach * 0.5
        found = p.getOverlappingObjects(lo.tolist(), hi.tolist(), physicsClientId=c) or []
        mine = self._mine(person)
        others = {oid for oid, _ in found if oid not in mine and oid != world.ground_id}
        best = None
        for oid in others:
            other = world.by_id.get(oid)
            if other is None or other.static or not other.alive:
                continue
            m_other = other.mass
            if m_other <= 0:
                continue
            v_o, w_o = _body_velocity(world, other)
            com_o = np.asarray(p.getBasePositionAndOrientation(oid, physicsClientId=c)[0])
            speed_o = float(np.linalg.norm(v_o)) + float(np.linalg.norm(w_o)) * reach
            for b, bid in enumerate(person.kinematic):
                if bid < 0:
                    continue
                v_max = speed_o + float(np.linalg.norm(vel[b])) + float(np.linalg.norm(ang[b])) * reach
                cps = p.getClosestPoints(bid, oid, distance=v_max * dt + 0.002, physicsClientId=c)
                for cp in cps or []:
                    on_part, on_other = np.asarray(cp[5]), np.asarray(cp[6])
                    n = np.asarray(cp[7])  # on the other body, pointing towards the part
                    v_part = vel[b] + np.cross(ang[b], on_part - pos[b])
                    v_oth = v_o + np.cross(w_o, on_other - com_o)
                    approach = float(np.dot(v_oth - v_part, n))
                    if approach <= 0 or cp[8] > approach * dt + 0.002:
                        continue
                    e = person.setup.material.restitution * _restitution(world, other)
                    striker = self._owner.get(oid)
                    if striker is not None:  # a limb of another person: finite, see _strike
                        m_limb = self._limb_mass(*striker)
                        mass = person.setup.rig.mass
                        impulse = (1.0 + e) * m_limb * mass / (m_limb + mass) * approach
                    else:
                        impulse = (1.0 + e) * m_other * approach
                    if best is None or impulse > best["impulse"]:
                        best = {"by": other.name, "part": person.setup.part_name(b),
                                "impulse": round(impulse, 6), "relative_speed": round(approach, 6)}
                        if striker is not None:
                            best["_strike"] = (striker[0], b, on_part, n, impulse)
        return best

    def _limb_mass(self, name: str, bone: int) -> float:
        """Effective mass of a striking limb: half the mass of the part and its parents up to the
        trunk (a kicking leg of a 65 kg person: ~5 kg), the figure sports biomechanics uses."""
        rig = self.people[name].setup.rig
        trunk = {rig.index(n) for n in ("pelvis", "chest") if n in rig.names or n in rig.part_names}
        m, b = 0.0, bone
        while b >= 0 and b not in trunk and b != 0:
            m += float(rig.masses[b])
            b = int(rig.parents[b])
        return 0.5 * max(m, float(rig.masses[bone]))

    def _felt_blow(self, world: World, person: _Person) -> dict | None:
        """Contact impulse on the person summed over the last :data:`IMPACT_WINDOW` (floor and
        own attachments excluded) — the check for blows the prediction missed."""
        p, c, dt, k = world.p, world.client, world.dt, world.step_index
        mine = self._mine(person)
        total, by, part = 0.0, None, None
        for b, bid in enumerate(person.kinematic):
            if bid < 0:
                continue
            for cp in p.getContactPoints(bodyA=bid, physicsClientId=c) or []:
                if cp[2] in mine or cp[2] == world.ground_id:
                    continue
                j = cp[9] * dt
                if j > 0:
                    total += j
                    other = world.by_id.get(cp[2])
                    by, part = (other.name if other else f"body_{cp[2]}"), person.setup.part_name(b)
        if total > 0:
            person.hits.append((k, total, by, part))
        person.hits = [h for h in person.hits if (k - h[0]) * dt <= IMPACT_WINDOW + 1e-9]
        if not person.hits:
            return None
        impulse = sum(h[1] for h in person.hits)
        last = person.hits[-1]
        return {"by": last[2], "part": last[3], "impulse": round(impulse, 6)}

    # ------------------------------------------------------------------ ragdoll
    def _go_limp(self, world: World, person: _Person, why: dict) -> None:
        p, c = world.p, world.client
        ps = person.setup
        pos, quat, vel, ang = self._motion(world, person, world.step_index)
        rd = Ragdoll(p, c, ps.rig, pos, quat, vel, ang)
        for link in range(-1, ps.rig.num_bones - 1):
            _set_material(world, rd.body, link, ps.material, _rolling_radius(ps.rig, link + 1))
        # A limp body lying still costs nothing once Bullet lets it sleep (1.5 ms a step awake).
        p.changeDynamics(rd.body, -1, activationState=p.ACTIVATION_STATE_ENABLE_SLEEPING, physicsClientId=c)
        held = self.attachments.release(world, person.name)  # before the parts they hang on go
        # The kinematic parts go; each part's Body now names a link of the ragdoll.
        removed = {bid for bid in person.kinematic if bid >= 0}
        for b, bid in enumerate(person.kinematic):
            if bid >= 0:
                world.by_id.pop(bid, None)
                self._owner.pop(bid, None)
                p.removeBody(bid, physicsClientId=c)
            body = person.bodies[b]
            if body is not None:
                ci, cq = rd.inertial_frame(b)
                body.body_id = rd.body
                body.link = b - 1
                body.com_in_object = pose_matrix(ci, cq)
                body.object_in_com = np.linalg.inv(body.com_in_object)
                world.by_id[link_key(rd.body, body.link)] = body
        person.kinematic = [-1] * ps.rig.num_bones
        person.ragdoll = rd
        self.attachments.rehang(world, person.name, removed, held)
        strike = why.pop("_strike", None)
        if strike is not None:
            self._strike(world, person, strike)
        world.add_event("ragdoll", object=ps.name, **why)
        if self.recorder is not None:  # a limp body comes to rest like any object (one event)
            self.recorder.release(ps.name)

    def _strike(self, world: World, victim: _Person, strike: tuple) -> None:
        """A blow from another person's limb: its impulse (``(1 + e)`` times the reduced mass of
        limb and body times the approach speed) is given to the limp body at the contact point,
        and the striker then passes through it for a moment.  A kinematic limb is infinitely
        strong: left in contact it would carry the body off at its own speed (a kicked person
        flying away); a real kick's leg gives way."""
        p, c = world.p, world.client
        striker, bone, point, normal, impulse = strike
        force = np.asarray(normal) * (impulse / world.dt)
        p.applyExternalForce(victim.ragdoll.body, bone - 1, force.tolist(), np.asarray(point).tolist(),
                             p.WORLD_FRAME, physicsClientId=c)
        pairs = []
        for bid in self.people[striker].kinematic:
            if bid < 0:
                continue
            for link in range(-1, victim.setup.rig.num_bones - 1):
                p.setCollisionFilterPair(bid, victim.ragdoll.body, -1, link, 0, physicsClientId=c)
                pairs.append((bid, link))
        self._apart.append((world.step_index + round(STRIKE_APART / world.dt), victim.ragdoll.body, pairs))

    def _rejoin(self, world: World) -> None:
        """Striker and struck collide again once the moment has passed and they are apart."""
        p, c = world.p, world.client
        keep = []
        for until, body, pairs in self._apart:
            if world.step_index < until:
                keep.append((until, body, pairs))
                continue
            still = []
            for bid, link in pairs:
                if p.getClosestPoints(bid, body, 0.0, -1, link, physicsClientId=c):
                    still.append((bid, link))
                else:
                    p.setCollisionFilterPair(bid, body, -1, link, 1, physicsClientId=c)
            if still:
                keep.append((until, body, still))
        self._apart = keep

    # ------------------------------------------------------------------ queries
    def bone_poses(self, world: World, name: str) -> tuple[np.ndarray, np.ndarray]:
        """World bone poses (B, 3), (B, 4) of a person now."""
        person = self.people[name]
        if person.ragdoll is not None:
            pos, quat, _, _ = person.ragdoll.state()
            return pos, quat
        return self._pose(world, person, world.step_index)


def _register(world: World, body: Body) -> None:
    world.bodies.append(body)
    world.by_name[body.name] = body
    world.by_id[body.body_id] = body


def _body_velocity(world: World, body: Body) -> tuple[np.ndarray, np.ndarray]:
    v, w = world.p.getBaseVelocity(body.body_id, physicsClientId=world.client)
    return np.asarray(v, dtype=np.float64), np.asarray(w, dtype=np.float64)


def _restitution(world: World, body: Body) -> float:
    return float(body.material.restitution) if body.material is not None else 0.5

