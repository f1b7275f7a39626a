"""Joints between objects, or between an object and the world.

pybullet's ``createConstraint`` between two multibody bases offers fixed, point-to-point,
prismatic and gear constraints, but no revolute one.  So:

- ``fixed``: ``JOINT_FIXED`` keeping the relative pose of t = 0;
- ``ball``: ``JOINT_POINT2POINT`` at the anchor;
- ``hinge``: two ``JOINT_POINT2POINT`` constraints at ``anchor ± HINGE_ARM * axis`` (the line
  through them is the hinge axis); limits, motor and damping are torques about the axis,
  computed before every step;
- ``slider``: ``JOINT_PRISMATIC`` along the axis; limits, motor and damping are forces along it;
- ``spring``: no constraint; Hooke and damping forces between the two attachment points,
  applied before every step.

Constraint frames are given to pybullet in the bodies' centre-of-mass frames (pybullet's
convention), computed from the poses at t = 0.  Every constraint gets ``maxForce =``
:data:`MAX_CONSTRAINT_FORCE` (pybullet's default of 500 N would let heavy mechanisms sag).

Limits are velocity-level stops: when the joint is beyond a limit and moving further out, a
torque (force) that cancels that motion within one step is applied, plus a correction of
:data:`LIMIT_CORRECTION` of the overshoot per step.  The motor applies at most ``max_force`` to
reach its target speed within one step.

Accuracy (measured, tests/test_joints.py): a bar pendulum on a hinge or ball joint keeps the
physical-pendulum period within 0.01 % at 240 Hz.  A joint far from the centre of mass of a body
with little rotational inertia (a small ball hanging 0.3-1 m below its pivot) is solved poorly by
pybullet's iterative solver at 240 Hz: the period runs 1.7-8 % long and the swing decays.  Such
scenes need a higher physics rate (960 Hz: 0.1 %; see scenes/newtons_cradle.yaml).  Chains of
joints between bodies of very different masses (a heavy ball fixed to a light rod on a hinge)
are soft for the same reason.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from ..scene.keyframes import quat_conjugate, quat_multiply
from .trajectory import quat_to_matrix
from .world import Body, Controller, World

HINGE_ARM = 0.1
"""m; half the distance between a hinge's two point-to-point constraints."""

MAX_CONSTRAINT_FORCE = 1e7
"""N; the most force a constraint may apply."""

LIMIT_CORRECTION = 0.2
"""Fraction of a limit overshoot corrected per step."""

BREAK_WINDOW = 0.01
"""s; a joint breaks when its load averaged over this window exceeds its threshold (a single
step's peak force depends on the step size; its average over 10 ms much less)."""


def com_pose(world: World, body: Body | None) -> tuple[np.ndarray, np.ndarray]:
    """Centre of mass (3,) and inertial-frame quaternion (4,) of a body (world: identity)."""
    if body is None:
        return np.zeros(3), np.array([0.0, 0.0, 0.0, 1.0])
    pos, orn = world.p.getBasePositionAndOrientation(body.body_id, physicsClientId=world.client)
    return np.asarray(pos, dtype=np.float64), np.asarray(orn, dtype=np.float64)


def _velocity(world: World, body: Body | None) -> tuple[np.ndarray, np.ndarray]:
    if body is None:
        return np.zeros(3), np.zeros(3)
    v, w = world.p.getBaseVelocity(body.body_id, physicsClientId=world.client)
    return np.asarray(v, dtype=np.float64), np.asarray(w, dtype=np.float64)


def local_point(world: World, body: Body | None, point: np.ndarray) -> np.ndarray:
    """A world point in a body's centre-of-mass frame (world coordinates for the world)."""
    com, orn = com_pose(world, body)
    return quat_to_matrix(orn).T @ (np.asarray(point, dtype=np.float64) - com)


def world_point(world: World, body: Body | None, local: np.ndarray) -> np.ndarray:
    com, orn = com_pose(world, body)
    return com + quat_to_matrix(orn) @ local


def _dynamic(world: World, body: Body | None) -> bool:
    if body is None or body.static or not body.alive:
        return False
    return world.p.getDynamicsInfo(body.body_id, -1, physicsClientId=world.client)[0] > 0


def _inertia_about(world: World, body: Body, axis: np.ndarray, pivot: np.ndarray) -> float:
    """Moment of inertia (kg m^2) of a body about the line through ``pivot`` along ``axis``."""
    p, c = world.p, world.client
    info = p.getDynamicsInfo(body.body_id, -1, physicsClientId=c)
    mass, diag = info[0], np.asarray(info[2], dtype=np.float64)
    com, orn = com_pose(world, body)
    local_axis = quat_to_matrix(orn).T @ axis
    r = com - pivot
    r_perp = r - (r @ axis) * axis
    return float(local_axis @ (diag * local_axis) + mass * (r_perp @ r_perp))


def _series(x: float, y: float | None) -> float:
    """Effective inertia (mass) of two bodies driven against each other."""
    return x if y is None else x * y / (x + y)


@dataclass
class _Hinge:
    spec: object
    a: Body
    b: Body | None
    axis_b: np.ndarray  # hinge axis in b's COM frame (world axis when b is the world)
    anchor_a: np.ndarray  # anchor in a's COM frame
    rel0: np.ndarray  # relative orientation conj(q_b) q_a at t = 0
    angle: float = 0.0  # unwrapped, radians
    load: _Load | None = None


@dataclass
class _Slider:
    spec: object
    a: Body
    b: Body | None
    axis_b: np.ndarray
    offset0: np.ndarray  # a's COM in b's COM frame at t = 0
    load: _Load | None = None


@dataclass
class _Spring:
    spec: object
    a: Body
    b: Body | None
    local_a: np.ndarray
    local_b: np.ndarray
    rest_length: float
    load: _Load | None = None


@dataclass
class _Load:
    """What one scene joint transmits, for breaking: its constraints and recent loads."""

    index: int
    spec: object
    a: Body
    b: Body | None
    cids: list[int] = field(default_factory=list)
    forces: deque = field(default_factory=deque)  # N, one per step over BREAK_WINDOW
    torques: deque = field(default_factory=deque)  # N m
    axis_load: float = 0.0  # limit torque (hinge) or force (slider) applied this step
    broken: bool = False


@dataclass
class JointController(Controller):
    """Creates the scene's joints at setup, applies their forces before every step and breaks
    those loaded beyond ``break_force`` / ``break_torque`` after it."""

    constraints: list[int] = field(default_factory=list)
    _hinges: list[_Hinge] = field(default_factory=list)
    _sliders: list[_Slider] = field(default_factory=list)
    _springs: list[_Spring] = field(default_factory=list)
    _loads: list[_Load] = field(default_factory=list)

    def setup(self, world: World) -> None:
        for i, spec in enumerate(world.scene.joints):
            a = world.by_name[spec.a]
            b = world.by_name[spec.b] if spec.b is not None else None
            self._loads.append(_Load(i, spec, a, b))
            getattr(self, f"_setup_{spec.type}")(world, spec, a, b)

    # ------------------------------------------------------------------ constraints
    def _constraint(
        self,
        world: World,
        a: Body,
        b: Body | None,
        kind: int,
        *,
        axis=(0.0, 0.0, 0.0),
        local_a,
        local_b,
        orn_a=(0.0, 0.0, 0.0, 1.0),
        orn_b=(0.0, 0.0, 0.0, 1.0),
    ) -> int:
        p, c = world.p, world.client
        cid = p.createConstraint(
            a.body_id,
            -1,
            b.body_id if b is not None else -1,
            -1,
            kind,
            list(axis),
            list(local_a),
            list(local_b),
            list(orn_a),
            list(orn_b),
            physicsClientId=c,
        )
        p.changeConstraint(cid, maxForce=MAX_CONSTRAINT_FORCE, physicsClientId=c)
        if b is not None:  # joined bodies do not collide with each other
            p.setCollisionFilterPair(a.body_id, b.body_id, -1, -1, 0, physicsClientId=c)
        self.constraints.append(cid)
        self._loads[-1].cids.append(cid)
        return cid

    def _setup_fixed(self, world: World, spec, a: Body, b: Body | None) -> None:
        anchor = np.asarray(spec.anchor if spec.anchor is not None else com_pose(world, a)[0])
        qa, qb = com_pose(world, a)[1], com_pose(world, b)[1]
        # Joint frame = world axes at t = 0, expressed in each body's frame.
        self._constraint(
            world,
            a,
            b,
            world.p.JOINT_FIXED,
            local_a=local_point(world, a, anchor),
            local_b=local_point(world, b, anchor),
            orn_a=quat_conjugate(qa),
            orn_b=quat_conjugate(qb),
        )

    def _setup_ball(self, world: World, spec, a: Body, b: Body | None) -> None:
        anchor = np.asarray(spec.anchor)
        self._constraint(
            world,
            a,
            b,
            world.p.JOINT_POINT2POINT,
            local_a=local_point(world, a, anchor),
            local_b=local_point(world, b, anchor),
        )

    def _setup_hinge(self, world: World, spec, a: Body, b: Body | None) -> None:
        anchor = np.asarray(spec.anchor, dtype=np.float64)
        axis = np.asarray(spec.axis, dtype=np.float64)
        axis = axis / np.linalg.norm(axis)
        for sign in (-1.0, 1.0):
            pt = anchor + sign * HINGE_ARM * axis
            self._constraint(
                world,
                a,
                b,
                world.p.JOINT_POINT2POINT,
                local_a=local_point(world, a, pt),
                local_b=local_point(world, b, pt),
            )
        qa, qb = com_pose(world, a)[1], com_pose(world, b)[1]
        self._hinges.append(
            _Hinge(
                spec,
                a,
                b,
                quat_to_matrix(qb).T @ axis,
                local_point(world, a, anchor),
                quat_multiply(quat_conjugate(qb), qa),
                load=self._loads[-1],
            )
        )

    def _setup_slider(self, world: World, spec, a: Body, b: Body | None) -> None:
        axis = np.asarray(spec.axis, dtype=np.float64)
        axis = axis / np.linalg.norm(axis)
        ca, qa = com_pose(world, a)
        qb = com_pose(world, b)[1]
        self._constraint(
            world,
            a,
            b,
            world.p.JOINT_PRISMATIC,
            axis=quat_to_matrix(qa).T @ axis,
            local_a=np.zeros(3),
            local_b=local_point(world, b, ca),
            orn_a=quat_conjugate(qa),
            orn_b=quat_conjugate(qb),
        )
        self._sliders.append(_Slider(spec, a, b, quat_to_matrix(qb).T @ axis, local_point(world, b, ca),
                                     load=self._loads[-1]))

    def _setup_spring(self, world: World, spec, a: Body, b: Body | None) -> None:
        pa = np.asarray(
            spec.anchor if spec.anchor is not None else world.object_pose(a)[0], dtype=np.float64
        )
        pb = np.asarray(
            spec.anchor_b if spec.anchor_b is not None else world.object_pose(b)[0],
            dtype=np.float64,
        )
        rest = spec.rest_length if spec.rest_length is not None else float(np.linalg.norm(pb - pa))
        self._springs.append(_Spring(spec, a, b, local_point(world, a, pa), local_point(world, b, pb), rest,
                                     load=self._loads[-1]))

    # ------------------------------------------------------------------ forces
    def before_step(self, world: World) -> None:
        # A joint whose object broke (was removed) acts no more; pybullet dropped its constraints.
        for h in self._hinges:
            if _alive(h.a, h.b) and not h.load.broken:
                self._drive_hinge(world, h)
        for s in self._sliders:
            if _alive(s.a, s.b) and not s.load.broken:
                self._drive_slider(world, s)
        for s in self._springs:
            if _alive(s.a, s.b) and not s.load.broken:
                self._pull_spring(world, s)

    # ------------------------------------------------------------------ breaking
    def after_step(self, world: World) -> None:
        for load in self._loads:
            spec = load.spec
            if load.broken or (spec.break_force is None and spec.break_torque is None) or not _alive(load.a, load.b):
                continue
            force, torque = self._transmitted(world, load)
            n = max(1, round(BREAK_WINDOW / world.dt))
            for history, value in ((load.forces, force), (load.torques, torque)):
                history.append(value)
                while len(history) > n:
                    history.popleft()
            mean_f, mean_t = float(np.mean(load.forces)), float(np.mean(load.torques))
            if (spec.break_force is not None and mean_f > spec.break_force) or (
                spec.break_torque is not None and mean_t > spec.break_torque
            ):
                self._break(world, load, mean_f, mean_t)

    @staticmethod
    def _transmitted(world: World, load: _Load) -> tuple[float, float]:
        """Force (N) and torque (N m) the joint transmits in the step just taken."""
        p, c, kind = world.p, world.client, load.spec.type
        states = [np.asarray(p.getConstraintState(cid, physicsClientId=c), dtype=np.float64) for cid in load.cids]
        if kind == "fixed":
            return float(np.linalg.norm(states[0][:3])), float(np.linalg.norm(states[0][3:6]))
        if kind == "ball":
            return float(np.linalg.norm(states[0][:3])), 0.0
        if kind == "hinge":  # two point constraints HINGE_ARM either side of the anchor
            f1, f2 = states[0][:3], states[1][:3]
            bend = float(np.linalg.norm(f1 - f2)) * HINGE_ARM
            return float(np.linalg.norm(f1 + f2)), math.hypot(bend, load.axis_load)
        if kind == "slider":  # prismatic: two forces across the axis, three torques
            return math.hypot(float(np.linalg.norm(states[0][:2])), load.axis_load), float(np.linalg.norm(states[0][2:5]))
        return load.axis_load, 0.0  # spring: its tension

    def _break(self, world: World, load: _Load, force: float, torque: float) -> None:
        p, c = world.p, world.client
        for cid in load.cids:
            p.removeConstraint(cid, physicsClientId=c)
        if load.b is not None:  # the parts may collide again
            p.setCollisionFilterPair(load.a.body_id, load.b.body_id, -1, -1, 1, physicsClientId=c)
        load.broken = True
        world.add_event(
            "joint_break",
            joint=load.index,
            objects=[load.a.name, load.b.name if load.b is not None else "world"],
            force=round(force, 6),
            torque=round(torque, 6),
        )

    def _hinge_state(self, world: World, h: _Hinge) -> tuple[float, float, np.ndarray]:
        """Unwrapped angle (rad), relative angular speed (rad/s), world axis (3,)."""
        qa, qb = com_pose(world, h.a)[1], com_pose(world, h.b)[1]
        rel = quat_multiply(quat_conjugate(qb), qa)
        dq = quat_multiply(rel, quat_conjugate(h.rel0))
        wrapped = 2.0 * math.atan2(float(dq[:3] @ h.axis_b), float(dq[3]))
        h.angle += (wrapped - h.angle + math.pi) % (2 * math.pi) - math.pi
        axis = quat_to_matrix(qb) @ h.axis_b
        rate = float((_velocity(world, h.a)[1] - _velocity(world, h.b)[1]) @ axis)
        return h.angle, rate, axis

    def hinge_angle(self, world: World, index: int) -> float:
        """Current angle (rad, from the pose at t = 0) of the scene's ``index``-th hinge."""
        return self._hinge_state(world, self._hinges[index])[0]

    def _drive_hinge(self, world: World, h: _Hinge) -> None:
        if not _dynamic(world, h.a) and not _dynamic(world, h.b):
            return
        angle, rate, axis = self._hinge_state(world, h)
        spec, dt = h.spec, world.dt
        pivot = world_point(world, h.a, h.anchor_a)
        ia = _inertia_about(world, h.a, axis, pivot) if _dynamic(world, h.a) else None
        ib = _inertia_about(world, h.b, axis, pivot) if _dynamic(world, h.b) else None
        inertia = _series(ia, ib) if ia is not None else ib
        torque = -spec.damping * rate
        if spec.motor is not None:
            target = math.radians(spec.motor.velocity)
            torque += float(
                np.clip(inertia * (target - rate) / dt, -spec.motor.max_force, spec.motor.max_force)
            )
        if spec.limits is not None:
            drive = torque
            torque = _limit(
                torque,
                angle,
                rate,
                math.radians(spec.limits[0]),
                math.radians(spec.limits[1]),
                inertia,
                dt,
            )
            h.load.axis_load = abs(torque - drive)  # what the stop holds
        if torque != 0.0:
            self._torque(world, h.a, h.b, torque * axis)

    def _drive_slider(self, world: World, s: _Slider) -> None:
        if not _dynamic(world, s.a) and not _dynamic(world, s.b):
            return
        cb, qb = com_pose(world, s.b)
        rb = quat_to_matrix(qb)
        axis = rb @ s.axis_b
        pos = float((rb.T @ (com_pose(world, s.a)[0] - cb) - s.offset0) @ s.axis_b)
        rate = float((_velocity(world, s.a)[0] - _velocity(world, s.b)[0]) @ axis)
        ma = (
            world.p.getDynamicsInfo(s.a.body_id, -1, physicsClientId=world.client)[0]
            if _dynamic(world, s.a)
            else None
        )
        mb = (
            world.p.getDynamicsInfo(s.b.body_id, -1, physicsClientId=world.client)[0]
            if _dynamic(world, s.b)
            else None
        )
        mass = _series(ma, mb) if ma is not None else mb
        spec, dt = s.spec, world.dt
        force = -spec.damping * rate
        if spec.motor is not None:
            force += float(
                np.clip(
                    mass * (spec.motor.velocity - rate) / dt,
                    -spec.motor.max_force,
                    spec.motor.max_force,
                )
            )
        if spec.limits is not None:
            drive = force
            force = _limit(force, pos, rate, spec.limits[0], spec.limits[1], mass, dt)
            s.load.axis_load = abs(force - drive)
        if force != 0.0:
            self._force(world, s.a, s.b, force * axis)

    def _pull_spring(self, world: World, s: _Spring) -> None:
        pa, pb = world_point(world, s.a, s.local_a), world_point(world, s.b, s.local_b)
        d = pb - pa
        length = float(np.linalg.norm(d))
        if length < 1e-12:
            return
        u = d / length
        va = _point_velocity(world, s.a, pa)
        vb = _point_velocity(world, s.b, pb)
        tension = s.spec.stiffness * (length - s.rest_length) + s.spec.damping * float(
            (vb - va) @ u
        )
        s.load.axis_load = abs(tension)
        p, c = world.p, world.client
        if _dynamic(world, s.a):
            p.applyExternalForce(
                s.a.body_id,
                -1,
                (tension * u).tolist(),
                pa.tolist(),
                p.WORLD_FRAME,
                physicsClientId=c,
            )
        if _dynamic(world, s.b):
            p.applyExternalForce(
                s.b.body_id,
                -1,
                (-tension * u).tolist(),
                pb.tolist(),
                p.WORLD_FRAME,
                physicsClientId=c,
            )

    @staticmethod
    def _torque(world: World, a: Body, b: Body | None, torque: np.ndarray) -> None:
        p, c = world.p, world.client
        if _dynamic(world, a):
            p.applyExternalTorque(a.body_id, -1, torque.tolist(), p.WORLD_FRAME, physicsClientId=c)
        if _dynamic(world, b):
            p.applyExternalTorque(
                b.body_id, -1, (-torque).tolist(), p.WORLD_FRAME, physicsClientId=c
            )

    @staticmethod
    def _force(world: World, a: Body, b: Body | None, force: np.ndarray) -> None:
        p, c = world.p, world.client
        if _dynamic(world, a):
            ca = com_pose(world, a)[0]
            p.applyExternalForce(
                a.body_id, -1, force.tolist(), ca.tolist(), p.WORLD_FRAME, physicsClientId=c
            )
        if _dynamic(world, b):
            cb = com_pose(world, b)[0]
            p.applyExternalForce(
                b.body_id, -1, (-force).tolist(), cb.tolist(), p.WORLD_FRAME, physicsClientId=c
            )


def _alive(a: Body, b: Body | None) -> bool:
    return a.alive and (b is None or b.alive)


def _point_velocity(world: World, body: Body | None, point: np.ndarray) -> np.ndarray:
    if body is None:
        return np.zeros(3)
    com = com_pose(world, body)[0]
    v, w = _velocity(world, body)
    return v + np.cross(w, point - com)


def _limit(
    drive: float, x: float, rate: float, lo: float, hi: float, inertia: float, dt: float
) -> float:
    """Drive torque (force) with velocity-level stops at ``lo`` and ``hi`` applied."""
    if x <= lo:
        floor = LIMIT_CORRECTION * (lo - x) / dt
        if rate + drive * dt / inertia < floor:
            return inertia * (floor - rate) / dt
    elif x >= hi:
        ceil = -LIMIT_CORRECTION * (x - hi) / dt
        if rate + drive * dt / inertia > ceil:
            return inertia * (ceil - rate) / dt
    return drive
