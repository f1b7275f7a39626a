"""Scripted actions (the scene's ``actions`` timeline) and kinematic (keyed) objects.

Timing: physics step ``k`` advances the world from ``k dt`` to ``(k + 1) dt``.  An action at
time ``t`` acts in the first step that starts at or after ``t`` (``k = ceil(t / dt)``).

- ``impulse``: a force ``vector / dt`` during that one step, so the momentum changes by
  exactly ``vector`` (N·s) plus what gravity and contacts do in that step; at ``point`` it
  also adds the angular impulse ``(point - com) x vector``.
- ``force`` / ``torque``: applied during ``round(duration / dt)`` steps (at least one).
- ``set_velocity``: the centre of mass velocity (m/s) and/or angular velocity (rad/s, as
  in the scene's objects) are set
  before the step.
- ``release``: a dynamic object is held (mass 0 for pybullet: gravity and contacts do not move
  it) from t = 0 until the action; then it gets its mass back and the scene's ``velocity`` /
  ``angular_velocity`` (zero unless given).  A kinematic object gets its mass back and keeps
  the velocity of its scripted motion (a hand letting go); its kinematic children go with it.
- ``freeze``: the object stops and stays where it is (mass 0) from then on.

Kinematic objects follow their scripted motion exactly (keys, spin, parent:
:class:`physreel.scene.rig.KinematicRig`): they are mass-0 bodies whose pose is set to the
scripted pose after every step and whose velocity is set to the velocity that carries them to
their next pose, so the contact solver sees their true motion: they push dynamic objects out of
the way (rather than teleporting into them) and carry what rests on them by friction.  Their
recorded poses equal the scripted poses at the frame times.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..scene.rig import KinematicRig
from .trajectory import matrix_to_quat, pose_to_matrix, quat_to_matrix
from .world import Body, Controller, World


@dataclass
class _Scheduled:
    action: object
    first_step: int
    steps: int
    local_point: np.ndarray | None = None  # point in the COM frame (force at a point)




@dataclass
class ActionController(Controller):
    """Runs the scene's actions and moves its kinematic objects.

    ``recorder`` (optional) is told when a held object is released, so that it may report the
    object's rest events from then on.
    """

    recorder: object | None = None
    _actions: list[_Scheduled] = field(default_factory=list)
    _driven: list[Body] = field(default_factory=list)  # kinematic bodies not yet released
    _rig: KinematicRig | None = None
    _held: dict[str, tuple[float, list[float]]] = field(default_factory=dict)

    # ------------------------------------------------------------------ hooks
    def setup(self, world: World) -> None:
        dt = world.dt
        self._rig = KinematicRig(world.scene)
        for built in world.assembly:
            if built.spec.kinematic is None:
                continue
            body = world.by_name[built.name]
            self._hold(world, body)  # mass 0: gravity and contacts do not move it
            self._driven.append(body)
            self._place(world, body, 0.0)
        for act in world.scene.actions:
            first = max(0, math.ceil(act.time / dt - 1e-9))
            steps = max(1, round(act.duration / dt)) if hasattr(act, "duration") else 1
            self._actions.append(_Scheduled(act, first, steps))
            if act.type == "release" and act.object not in self._held:  # (kinematic: held already)
                self._hold(world, world.by_name[act.object])
        self._actions.sort(key=lambda s: s.first_step)

    def before_step(self, world: World) -> None:
        k = world.step_index
        for s in self._actions:
            if s.first_step > k:
                break
            if k < s.first_step + s.steps:
                self._apply(world, s, k)

    def after_step(self, world: World) -> None:
        for body in self._driven:
            if body.alive:
                self._place(world, body, world.time)

    # ------------------------------------------------------------------ kinematic
    def _place(self, world: World, body: Body, t: float) -> None:
        """Put a kinematic body at its scripted pose at ``t`` with the velocity that carries it
        to its pose at ``t + dt`` (:class:`physreel.scene.rig.KinematicRig`)."""
        p, c = world.p, world.client
        pos, quat = self._rig.pose(body.name, t)
        v, w = self._rig.velocity(body.name, t, world.dt)
        base = pose_to_matrix(pos, quat) @ body.com_in_object
        r = base[:3, 3] - pos
        p.resetBasePositionAndOrientation(
            body.body_id,
            base[:3, 3].tolist(),
            matrix_to_quat(base[:3, :3]).tolist(),
            physicsClientId=c,
        )
        p.resetBaseVelocity(body.body_id, (v + np.cross(w, r)).tolist(), w.tolist(), physicsClientId=c)

    # ------------------------------------------------------------------ actions
    def _hold(self, world: World, body: Body) -> None:
        p, c = world.p, world.client
        info = p.getDynamicsInfo(body.body_id, -1, physicsClientId=c)
        self._held[body.name] = (body.mass, list(info[2]))
        p.changeDynamics(body.body_id, -1, mass=0.0, physicsClientId=c)
        p.resetBaseVelocity(body.body_id, [0, 0, 0], [0, 0, 0], physicsClientId=c)

    def _apply(self, world: World, s: _Scheduled, k: int) -> None:
        p, c, dt = world.p, world.client, world.dt
        act = s.action
        body = world.by_name[act.object]
        if not body.alive:  # broken into pieces: the action has nothing left to act on
            return
        bid = body.body_id
        com, orn = p.getBasePositionAndOrientation(bid, physicsClientId=c)
        com = np.asarray(com)
        if act.type in ("impulse", "force"):
            force = np.asarray(act.vector, dtype=np.float64)
            if act.type == "impulse":
                force = force / dt
            if act.point is None:
                point = com
            else:
                if s.local_point is None:  # the point moves with the object
                    s.local_point = quat_to_matrix(orn).T @ (np.asarray(act.point) - com)
                point = com + quat_to_matrix(orn) @ s.local_point
            p.applyExternalForce(
                bid, -1, force.tolist(), point.tolist(), p.WORLD_FRAME, physicsClientId=c
            )
        elif act.type == "torque":
            p.applyExternalTorque(bid, -1, list(act.vector), p.WORLD_FRAME, physicsClientId=c)
        elif act.type == "set_velocity":
            v, w = p.getBaseVelocity(bid, physicsClientId=c)
            v = v if act.velocity is None else act.velocity
            w = w if act.angular_velocity is None else act.angular_velocity
            p.resetBaseVelocity(bid, list(v), list(w), physicsClientId=c)
        elif act.type == "release":
            self._release(world, body)
        elif act.type == "freeze":
            p.changeDynamics(bid, -1, mass=0.0, physicsClientId=c)
            p.resetBaseVelocity(bid, [0, 0, 0], [0, 0, 0], physicsClientId=c)

    def _release(self, world: World, body: Body) -> None:
        p, c = world.p, world.client
        held = self._held.pop(body.name, None)
        if held is None or not body.alive:
            return
        mass, inertia = held
        p.changeDynamics(
            body.body_id, -1, mass=mass, localInertiaDiagonal=inertia, physicsClientId=c
        )
        if body in self._driven:  # let go: it keeps the velocity it was moving with
            self._driven.remove(body)
            for child in [b for b in self._driven if self._parent(world, b) == body.name]:
                self._release(world, child)
        else:  # held still until now: it starts with its scene velocity
            built = world.assembly[body.name]
            w = built.angular_velocity
            _, orn = world.object_pose(body)
            v = built.velocity + np.cross(w, quat_to_matrix(orn) @ body.geom.center_of_mass)
            p.resetBaseVelocity(body.body_id, v.tolist(), w.tolist(), physicsClientId=c)
        if self.recorder is not None:
            self.recorder.release(body.name)

    @staticmethod
    def _parent(world: World, body: Body) -> str | None:
        kin = world.assembly[body.name].spec.kinematic
        return kin.parent if kin is not None else None
