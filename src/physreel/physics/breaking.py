"""Breakable objects: pre-fractured at setup, swapped for their pieces at a hard impact.

A breakable object simulates as one body.  After each step, when one of its open impacts (see
:mod:`physreel.physics.events`) has summed a normal impulse above the object's threshold, the
body is removed and its pieces are added *at that step*:

- the object breaks at the start of that step: every piece starts at the parent's pose and
  velocity *before* the step (pieces are meshes in the parent's object frame), so the pieces
  that touch take the impact themselves and the others fly on, instead of all of them
  rebounding together with the whole object's rebound velocity;
- masses split the parent's mass by volume (they sum to the parent's mass);
- velocities are those of the rigid parent before the step, ``v + w x r`` with ``r`` from the pieces' combined
  centre of mass, so the total linear momentum equals the parent's exactly; every piece keeps
  the parent's angular velocity;
- a piece that would start below the floor (z < 0) is lifted until it does not;
- sibling pieces do not collide with each other: a non-convex object's convex pieces overlap
  slightly (see :mod:`physreel.assets.fracture`) and would push each other apart.

Threshold
---------
``breakable.threshold`` (N·s) when given; otherwise ``speed x mass`` with ``speed`` from
``breakable.speed`` or the material's ``break_speed`` (m/s; :data:`DEFAULT_BREAK_SPEED` when the
material has none).  Impulse per unit mass is the velocity change of the impact, ``(1 + e) v``
for a flat landing: it depends on how fast the object hit, not on how heavy it is, which is how
brittle things break (a 250 g tumbler and a 1.4 kg glass block break at the same speed).

Crushing: with ``breakable.crush_force`` the object also breaks under a sustained load: when
the force squeezing it (half the total normal force of its contacts: a cup pressed between the
floor and a weight of M kg feels about M g) averaged over :data:`CRUSH_WINDOW` exceeds it.

Events: ``{type: break, time, frame, object, impulse, pieces: [names], cause: impact | crush}``
(``force``, N, for a crush); the impact that broke the object is also recorded (closed at the
break).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np
import trimesh

from ..assets.collision import default_cache_dir
from ..assets.compound import part_solid
from ..assets.fracture import Piece, fracture, piece_velocities
from ..assets.primitives import Geometry
from .events import ImpactRecorder
from .trajectory import matrix_to_quat, pose_to_matrix
from .world import Body, Controller, World

DEFAULT_BREAK_SPEED = 3.0
"""m/s; impulse-per-unit-mass threshold of breakable objects whose material has no
``break_speed``."""

CRUSH_WINDOW = 0.1
"""s; a crushable object breaks when the force squeezing it (half its contacts' total normal
force), averaged over this window, exceeds its ``crush_force``: a sustained load, not the spike
of an impact."""

FLOOR_CLEARANCE = 1e-5
"""m; pieces that would start below the floor are lifted to this height above it."""


@dataclass
class _Breakable:
    name: str
    threshold: float  # N·s
    pieces: list[Piece]
    geoms: list[Geometry]
    crush_force: float | None = None  # N
    loads: deque = field(default_factory=deque)  # total normal force per step, N


def fracture_mesh(geom: Geometry) -> trimesh.Trimesh:
    """A watertight mesh of a geometry, in its object frame, to cut into pieces (a compound
    breaks as a whole: the union of its parts; see
    :func:`physreel.assets.compound.part_solid`)."""
    return part_solid(geom)


def piece_geometry(piece: Piece, parent: str) -> Geometry:
    """The :class:`Geometry` of one piece (kind ``"piece"``; mesh in the parent's frame)."""
    mesh = piece.mesh
    inertia_unit = np.asarray(mesh.moment_inertia, dtype=np.float64) / float(mesh.mass)
    return Geometry(
        kind="piece",
        params={"of": parent},
        visual=[mesh],
        collision_parts=[mesh],
        volume=float(piece.volume),
        center_of_mass=np.asarray(piece.center_of_mass, dtype=np.float64),
        inertia_unit=inertia_unit,
        mass_properties_from="mesh",
    )


def break_threshold(spec_breakable, material, mass: float) -> float:
    """Impulse threshold (N·s) of a breakable object of ``mass`` kg (see the module notes)."""
    if spec_breakable.threshold is not None:
        return float(spec_breakable.threshold)
    speed = spec_breakable.speed
    if speed is None:
        speed = material.break_speed if material.break_speed > 0 else DEFAULT_BREAK_SPEED
    return float(speed) * mass


@dataclass
class BreakController(Controller):
    """Breaks breakable objects; reads impulses from ``recorder`` (which must run first)."""

    recorder: ImpactRecorder
    cache: bool = True
    _items: dict[str, _Breakable] = field(default_factory=dict)

    def setup(self, world: World) -> None:
        cache_dir = default_cache_dir() / "fracture" if self.cache else None
        for built in world.assembly:
            obj = built.spec
            if obj.breakable is None or obj.static:
                continue
            body = world.by_name[obj.name]
            pieces = fracture(
                fracture_mesh(body.geom), obj.breakable.pieces, built.rng("fracture"), cache_dir=cache_dir
            )
            self._items[obj.name] = _Breakable(
                obj.name,
                break_threshold(obj.breakable, body.material, body.mass),
                pieces,
                [piece_geometry(pc, obj.name) for pc in pieces],
                obj.breakable.crush_force,
            )

    def after_step(self, world: World) -> None:
        for item in list(self._items.values()):
            body = world.by_name[item.name]
            if not body.alive:
                continue
            impulse = self.recorder.impulse_on(body.body_id)
            if impulse > item.threshold:
                self.shatter(world, body, item, impulse)
                del self._items[item.name]
            elif item.crush_force is not None:
                load = self._sustained_load(world, body, item)
                if load > item.crush_force:
                    self.shatter(world, body, item, impulse, cause="crush", force=load)
                    del self._items[item.name]

    @staticmethod
    def _sustained_load(world: World, body: Body, item: _Breakable) -> float:
        """The force squeezing ``body`` (N): half the total normal force of its contacts (a body
        pressed between two surfaces by F feels F from each), averaged over :data:`CRUSH_WINDOW`."""
        cps = world.p.getContactPoints(bodyA=body.body_id, physicsClientId=world.client)
        item.loads.append(0.5 * float(sum(cp[9] for cp in cps)))
        while len(item.loads) > max(1, round(CRUSH_WINDOW / world.dt)):
            item.loads.popleft()
        if len(item.loads) * world.dt < CRUSH_WINDOW - 1e-9:
            return 0.0  # not loaded for a whole window yet
        return float(np.mean(item.loads))

    def shatter(self, world: World, body: Body, item: _Breakable, impulse: float, *, cause: str = "impact",
                force: float | None = None) -> list[Body]:
        """Replace ``body`` by its pieces now; returns the pieces' bodies.  ``cause``:
        ``impact`` or ``crush`` (then ``force`` is the sustained load, N)."""
        p, c = world.p, world.client
        state = self.recorder.pre_step_state(body.body_id)
        if state is None:  # not stepped yet: the current state
            com, orn = p.getBasePositionAndOrientation(body.body_id, physicsClientId=c)
            v, w = p.getBaseVelocity(body.body_id, physicsClientId=c)
        else:
            com, orn, v, w = state
        v, w = np.asarray(v, dtype=np.float64), np.asarray(w, dtype=np.float64)
        obj = pose_to_matrix(com, orn) @ body.object_in_com
        pos, rot = obj[:3, 3].copy(), obj[:3, :3]
        quat = matrix_to_quat(rot)
        volumes = np.array([g.volume for g in item.geoms])
        masses = body.mass * volumes / volumes.sum()
        coms = np.array([rot @ g.center_of_mass + pos for g in item.geoms])
        velocities = piece_velocities(v, w, masses @ coms / masses.sum(), coms)
        self.recorder.close_body(world, body.body_id)
        world.remove_body(body.name)
        width = max(2, len(str(len(item.geoms) - 1)))
        floor = world.scene.ground.enabled
        out = []
        for k, (geom, m, vel) in enumerate(zip(item.geoms, masses, velocities, strict=True)):
            position = pos.copy()
            if floor:
                low = float(np.min((geom.visual[0].vertices @ rot.T)[:, 2]) + pos[2])
                if low < FLOOR_CLEARANCE:
                    position[2] += FLOOR_CLEARANCE - low
            out.append(
                world.add_body(
                    f"{body.name}.piece_{k:0{width}d}",
                    geom,
                    body.material,
                    mass=float(m),
                    position=position,
                    quaternion=quat,
                    velocity=vel,
                    angular_velocity=w,
                    parent=body.name,
                )
            )
        for i, a in enumerate(out):
            for b in out[i + 1 :]:
                p.setCollisionFilterPair(a.body_id, b.body_id, -1, -1, 0, physicsClientId=c)
        extra = {} if force is None else {"force": round(float(force), 6)}
        world.add_event(
            "break",
            object=body.name,
            impulse=round(float(impulse), 6),
            pieces=[b.name for b in out],
            cause=cause,
            **extra,
        )
        return out
