"""How finely to step: sub-steps from sizes and speeds, solver iterations from mass ratios.

physreel steps pybullet itself, one fixed step at a time (never ``numSubSteps``), so that the
event recorder and every controller see every step.  ``physics.rate`` is the base rate; with
``physics.substeps: auto`` (the default) the world steps ``k`` times faster, ``k`` chosen once
before the simulation from the scene (:func:`plan_steps`), for two reasons:

Tunnelling
    Bullet finds a contact only when two shapes overlap at the start of a step (its contact
    breaking distance is ~2 % of a shape's size, and neither pybullet's
    ``ccdSweptSphereRadius`` nor a larger contact processing threshold changed anything in
    our tests, for multibodies or maximal-coordinate bodies).  A body of smallest half-size
    ``h`` moving at ``v`` against a part of half-thickness ``t`` (a static triangle mesh has
    ``t = 0``) passes through it when the centre travels past the part's mid-plane in one step:
    measured for spheres, flat and corner-first boxes and 4 mm plates, tunnelling starts exactly
    at ``v dt = h + t`` (16 drops per speed).  The plan keeps ``v dt <=``
    :data:`TUNNEL_FRACTION` ``(h + t)``.  A thicker collision margin on thin static parts stops
    tunnelling only by making things rest visibly above them (a 10 mm margin stopped a 16 mm
    ball at 4.4 m/s, and the ball then rested 9.5 mm above the plate), so it is not used.
Tipping of narrow standing bodies
    A body standing on a narrow base of width ``d`` (a domino) tips under a sudden sideways
    push below the rigid-body threshold when the step is coarse: the solver lets its base sink
    by about ``g dt^2`` per step.  Measured for boxes 4-20 mm thick, pushed with a constant
    force from rest: with ``g dt^2 / d`` = 0.024 a 7 mm domino tipped at 0.9 of the closed-form
    force, at 0.006 between 0.95 and 0.97, at 0.0015 between 0.97 and 1.03.  The plan keeps
    ``g dt^2 / d <=`` :data:`TIP_SINK_RATIO`.

Speeds are upper bounds from the scene at t = 0: the initial speed of a body's fastest point,
the speed it gains falling to whatever is below it (a ray cast), what its actions can give it
(impulse / m, force x duration / m, set velocities), the keyed speed of kinematic objects,
and what one elastic hit from another body can pass on (``(1 + e) m_j / (m_i + m_j) v_j``).

Heavy on light
    Bullet's iterative solver converges slowly when a heavy body rests on a light one: a
    13.6 kg kettlebell on a 300 g mug on a table sank 10 mm and toppled within 2 s at 240 Hz
    with 50 iterations.  The needed iterations grow with the mass ratio (measured: ratio 45 ->
    200-300, 100 -> 600, 200 -> 1000 for < 1 mm sink and < 1 deg tilt in 5 s), and iterations
    are far cheaper than steps.  :class:`SolverTuner` looks at the contacts once per frame and
    sets ``max(solver_iterations, ITERATIONS_PER_MASS_RATIO x ratio)`` (at most
    :data:`MAX_ITERATIONS`), ``ratio`` being the largest mass ratio of two dynamic bodies in
    contact.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..assets.compound import entry_mesh
from ..assets.primitives import Geometry
from ..scene.rig import KinematicRig
from ..transforms import quat_to_matrix

TUNNEL_FRACTION = 0.8
"""A body may move at most this fraction of ``h + t`` per step (tunnelling starts at 1)."""

TIP_SINK_RATIO = 0.01
"""Largest ``g dt^2 / d`` for a body standing on a base of width ``d`` narrower than it is tall."""

MAX_SUBSTEPS = 16
"""Automatic sub-steps never exceed this (a warning says when more were wanted)."""

ITERATIONS_PER_MASS_RATIO = 6
"""Solver iterations per unit of the largest mass ratio of two dynamic bodies in contact."""

MAX_ITERATIONS = 1500
"""Automatic solver iterations never exceed this."""

MAX_RAY_HITS = 8
"""Hits collected per downward ray when measuring how far a body can fall."""


@dataclass(frozen=True)
class StepPlan:
    """The stepping chosen for a simulation.

    Attributes
    ----------
    substeps : int
        Physics steps per base step (``physics.rate``).
    rate : int
        Steps per second actually simulated, ``physics.rate * substeps``.
    reasons : tuple of str
        Why (empty when ``substeps`` is 1 or was given by the scene).
    warnings : tuple of str
    """

    substeps: int
    rate: int
    reasons: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


# ----------------------------------------------------------------------------------- sizes
def half_size(geom: Geometry) -> float:
    """Smallest half-size (m) of a body's collision shape: how far its centre is from its
    surface at the thinnest.  A shape of several convex parts: its thinnest part.  Exact
    triangles (static meshes) have no thickness: 0."""
    p = geom.params
    if geom.kind == "sphere" or geom.kind == "capsule":
        return float(p["radius"])
    if geom.kind == "box":
        return float(min(p["half_extents"]))
    if geom.kind == "cylinder":
        return float(min(p["radius"], p["height"] / 2))
    if geom.static_only_mesh:
        return 0.0
    if geom.kind == "compound":
        return float(min(_entry_half_size(e) for e in geom.params["collision"]))
    parts = geom.collision_parts or geom.visual
    return float(min(0.5 * np.min(m.extents) for m in parts))


def _entry_half_size(e: dict) -> float:
    t = e["type"]
    if t == "box":
        return float(min(e["half_extents"]))
    if t in ("sphere", "capsule"):
        return float(e["radius"])
    if t == "cylinder":
        return float(min(e["radius"], e["height"] / 2))
    return float(0.5 * np.min(e["mesh"].extents))


def bounding_radius(geom: Geometry) -> float:
    """Distance (m) from the centre of mass to the farthest point of the body."""
    lo, hi = geom.bounds
    corners = np.array([[x, y, z] for x in (lo[0], hi[0]) for y in (lo[1], hi[1]) for z in (lo[2], hi[2])])
    return float(np.max(np.linalg.norm(corners - geom.center_of_mass, axis=1)))


# ---------------------------------------------------------------------------------- speeds
@dataclass
class _Info:
    name: str
    body_id: int
    mass: float  # inf for static and kinematic bodies
    moving: bool
    h: float
    radius: float
    restitution: float
    speed: float = 0.0  # own upper bound, m/s
    extent: np.ndarray = field(default_factory=lambda: np.zeros(3))  # world AABB size


def _action_speeds(scene, infos: dict[str, _Info]) -> dict[str, float]:
    """Speed (m/s) each object's actions can give it, summed."""
    out: dict[str, float] = {}
    for act in scene.actions:
        info = infos.get(act.object)
        if info is None or not info.moving:
            continue
        m = info.mass
        if act.type == "impulse":
            dv = np.linalg.norm(act.vector) / m
        elif act.type == "force":
            dv = np.linalg.norm(act.vector) * act.duration / m
        elif act.type == "torque":  # a solid of radius R has I >= m R^2 / 10 about any axis
            dv = np.linalg.norm(act.vector) * act.duration / (0.1 * m * info.radius)
        elif act.type == "set_velocity":
            dv = np.linalg.norm(act.velocity or (0, 0, 0)) + np.linalg.norm(act.angular_velocity or (0, 0, 0)) * info.radius
        else:
            dv = 0.0
        out[act.object] = out.get(act.object, 0.0) + float(dv)
    return out


def _fall_heights(world, infos: list[_Info]) -> np.ndarray:
    """How far (m) each body's centre can fall: straight down from its centre of mass to the
    highest thing under it but itself; the floor (z = 0) when there is one; inf when nothing
    is below.

    Rays find ordinary shapes (a ray that starts inside a shape does not hit it, so every hit is
    collected, not only the first).  pybullet's rays miss compound shapes, so for those each
    convex part whose box, at the body's pose, lies under the point counts with its top."""
    p, c = world.p, world.client
    if not infos:
        return np.zeros(0)
    starts = np.array([p.getBasePositionAndOrientation(i.body_id, physicsClientId=c)[0] for i in infos])
    ends = starts - [0.0, 0.0, 1e4]
    top = np.full(len(infos), -np.inf)
    for k in range(MAX_RAY_HITS):
        hits = p.rayTestBatch(starts.tolist(), ends.tolist(), reportHitNumber=k, physicsClientId=c)
        if all(h[0] < 0 for h in hits):
            break
        for i, h in enumerate(hits):
            if h[0] >= 0 and h[0] != infos[i].body_id:
                top[i] = max(top[i], h[3][2])
    for b in world.bodies:
        if not b.alive or b.geom is None or b.geom.kind != "compound":
            continue
        pos, quat = world.object_pose(b)
        r = quat_to_matrix(quat)
        for e in b.geom.params["collision"]:
            corners = entry_mesh(e).bounds  # object frame; its 8 corners in the world:
            pts = np.array([[x, y, z] for x in corners[:, 0] for y in corners[:, 1] for z in corners[:, 2]]) @ r.T + pos
            lo, hi = pts.min(axis=0), pts.max(axis=0)
            under = np.all((starts[:, :2] >= lo[:2]) & (starts[:, :2] <= hi[:2]), axis=1) & (hi[2] <= starts[:, 2])
            for i in np.flatnonzero(under):
                if infos[i].body_id != b.body_id:
                    top[i] = max(top[i], hi[2])
    out = starts[:, 2] - top
    if world.ground_id is not None:
        out = np.minimum(out, np.maximum(starts[:, 2], 0.0))
    return out


def _joint_groups(scene) -> dict[str, int]:
    """Object name -> id of its group of objects linked by joints (ropes, chains)."""
    group: dict[str, int] = {}
    for j in scene.joints:
        names = [j.a] + ([j.b] if j.b is not None else [])
        ids = {group[n] for n in names if n in group}
        new = min(ids) if ids else len(group) + len(scene.joints)
        for n, gid in list(group.items()):
            if gid in ids:
                group[n] = new
        for n in names:
            group[n] = new
    return group


def _tethered_falls(world, infos: list[_Info]) -> np.ndarray:
    """How far each body can fall while hanging from a fixed point by rigid joints (ball, hinge,
    fixed; not springs): no lower than the point minus the bodies' diameters along the way."""
    scene = world.scene
    by_name = {b.name: b for b in world.bodies}
    reach = {i.name: 2 * i.radius for i in infos}
    lowest: dict[str, float] = {}
    rigid = [j for j in scene.joints if j.type in ("ball", "hinge", "fixed")]
    for j in rigid:  # fixed points: joints to the world or to static objects
        other = by_name.get(j.b) if j.b is not None else None
        if other is None or other.static:
            point = getattr(j, "anchor", None)
            z = point[2] if point is not None else world.object_pose(by_name[j.a])[0][2]
            lowest[j.a] = min(lowest.get(j.a, math.inf), z - reach.get(j.a, 0.0))
    for built in world.assembly:  # a rope tied to a fixed point holds what hangs on its other end
        shape = built.spec.shape
        if built.kind != "rope" or shape.end_free:
            continue
        for fixed, point, held in ((shape.start_object, shape.start, shape.end_object),
                                   (shape.end_object, shape.end, shape.start_object)):
            if fixed is None and held in reach:
                z = (quat_to_matrix(built.quaternion) @ np.asarray(point))[2] + built.position[2]
                lowest[held] = min(lowest.get(held, math.inf), z - built.extra["length"] - reach[held])
    for _ in range(len(rigid)):  # relax along the chains
        changed = False
        for j in rigid:
            if j.b is None:
                continue
            for u, v in ((j.a, j.b), (j.b, j.a)):
                if u in lowest and v in reach and lowest[u] - reach[v] < lowest.get(v, math.inf):
                    lowest[v] = lowest[u] - reach[v]
                    changed = True
        if not changed:
            break
    out = np.full(len(infos), np.inf)
    for k, info in enumerate(infos):
        if info.name in lowest:
            com = world.p.getBasePositionAndOrientation(info.body_id, physicsClientId=world.client)[0]
            out[k] = max(com[2] - lowest[info.name], 0.0)
    return out


def _speeds(world, infos: list[_Info]) -> None:
    """Fill ``info.speed``: an upper bound of each body's speed over the simulation.

    A body can also be hit by another: one elastic-ish hit passes on ``(1 + e_i e_j) m_j /
    (m_i + m_j)`` of the hitter's speed (all of it from a static or keyed body).  Only bodies
    within the hitter's horizontal reach count (its size plus its horizontal speed, from its
    initial velocity, spin and actions, times the clip's duration; a keyed body's path): a
    ball dropped straight into a crate cannot hit a marble in a bowl beside it."""
    p, c, scene = world.p, world.client, world.scene
    g = float(np.linalg.norm(scene.gravity))
    specs = {o.name: o for o in scene.objects}
    moving = [i for i in infos if i.moving]
    falls = np.minimum(_fall_heights(world, moving), _tethered_falls(world, moving))
    groups = _joint_groups(scene)
    actions = _action_speeds(scene, {i.name: i for i in infos})
    xy = {i.name: np.asarray(p.getBasePositionAndOrientation(i.body_id, physicsClientId=c)[0][:2]) for i in infos}
    reach = {i.name: i.radius for i in infos}
    for info, fall in zip(moving, falls, strict=True):
        v, w = p.getBaseVelocity(info.body_id, physicsClientId=c)
        spin = float(np.linalg.norm(w)) * info.radius
        v0 = float(np.linalg.norm(v)) + actions.get(info.name, 0.0)
        free = v0 + g * scene.duration  # nothing below: falls for the whole clip at most
        fallen = math.sqrt(v0 * v0 + 2 * g * fall) if g > 0 and math.isfinite(fall) else free
        info.speed = min(fallen, free) + spin
        across = float(np.linalg.norm(v[:2])) + actions.get(info.name, 0.0) + spin
        reach[info.name] += across * scene.duration
    base_dt = 1.0 / scene.physics.rate
    rig = KinematicRig(scene)
    for info in infos:
        spec = specs.get(info.name)
        if spec is not None and spec.kinematic is not None:
            info.speed, path = rig.max_speed(info.name, info.radius, scene.duration, base_dt)
            reach[info.name] = info.radius + path
    own = {i.name: i.speed for i in infos}
    for info in infos:
        if not info.moving or math.isinf(info.mass):
            continue
        for other in infos:
            if other is info or own[other.name] == 0.0:
                continue
            if groups.get(info.name) is not None and groups.get(info.name) == groups.get(other.name):
                continue  # jointed together (a rope's links, a cradle): they do not hit each other
            if np.linalg.norm(xy[info.name] - xy[other.name]) > reach[other.name] + info.radius:
                continue
            share = 1.0 if math.isinf(other.mass) else other.mass / (info.mass + other.mass)
            info.speed = max(info.speed, (1.0 + info.restitution * other.restitution) * share * own[other.name])


# ------------------------------------------------------------------------------------ plan
def plan_steps(world) -> StepPlan:
    """Choose the sub-steps of ``world`` (bodies created, nothing stepped yet).

    Parameters
    ----------
    world : physreel.physics.world.World

    Returns
    -------
    StepPlan
    """
    scene = world.scene
    base = scene.physics.rate
    requested = scene.physics.substeps
    if requested != "auto":
        return StepPlan(int(requested), base * int(requested))
    p, c = world.p, world.client
    kinematic = {o.name for o in scene.objects if o.kinematic is not None}
    ropes = {o.name for o in world.assembly if o.kind == "rope"}
    infos = []
    for b in world.bodies:
        if not b.alive or b.geom is None or b.name in ropes or b.parent in ropes:
            continue  # rope links: the tether holds the load, and a rope may pass a thin edge
        if not (b.geom.visual or b.geom.collision_parts):
            continue  # no meshes to measure (a skinned person's parts are drawn as one skin)
        moving = not b.static
        lo, hi = p.getAABB(b.body_id, physicsClientId=c)
        infos.append(_Info(
            b.name, b.body_id, math.inf if (b.static or b.name in kinematic) else b.mass, moving,
            half_size(b.geom), bounding_radius(b.geom), b.material.restitution,
            extent=np.asarray(hi) - np.asarray(lo),
        ))
    _speeds(world, infos)
    g = float(np.linalg.norm(scene.gravity))
    needs: list[tuple[float, str]] = []
    for info in infos:
        if not info.moving or info.speed <= 0:
            continue
        others = [o.h for o in infos if o is not info]
        if not others:
            continue
        t = min(others)
        window = info.h + t
        k = info.speed / (base * TUNNEL_FRACTION * max(window, 1e-6))
        needs.append((k, f"{info.name}: up to {info.speed:.2f} m/s, {2 * info.h * 1000:.1f} mm thin, "
                         f"against parts {2 * t * 1000:.1f} mm thin"))
    jointed = {j.a for j in scene.joints} | {j.b for j in scene.joints}
    for info in infos:
        if not info.moving or math.isinf(info.mass) or info.name in jointed:
            continue  # (a jointed part does not stand on its own base)
        d = float(min(info.extent[0], info.extent[1]))
        if d < info.extent[2] and world.by_name[info.name].geom.kind != "sphere":
            k = math.sqrt(g / (TIP_SINK_RATIO * d)) / base
            needs.append((k, f"{info.name}: stands on a base {d * 1000:.1f} mm wide"))
    k, why = max(needs, default=(1.0, ""))
    substeps = max(1, math.ceil(k - 1e-9))
    warnings: tuple[str, ...] = ()
    if substeps > MAX_SUBSTEPS:
        warnings = (f"physics: {why} would need {substeps} sub-steps; using {MAX_SUBSTEPS} "
                    f"({base * MAX_SUBSTEPS} Hz). Fast thin objects may pass through each other; "
                    "set physics.substeps to force more",)
        substeps = MAX_SUBSTEPS
    return StepPlan(substeps, base * substeps, (why,) if substeps > 1 else (), warnings)


# ------------------------------------------------------------------------------ iterations
@dataclass
class SolverTuner:
    """Raises the solver iterations while a heavy body rests on a much lighter one.

    Called once per frame; reads the contact list and sets
    ``clip(ITERATIONS_PER_MASS_RATIO * ratio, base, MAX_ITERATIONS)`` iterations, ``ratio``
    being the largest mass ratio of two dynamic bodies in contact.
    """

    base: int
    current: int = 0
    peak: int = 0

    def update(self, world) -> int:
        p, c = world.p, world.client
        ratio = 1.0
        floor = self.base / ITERATIONS_PER_MASS_RATIO  # ratios below this change nothing
        masses = [b.mass for b in world.bodies if b.alive and not b.static and b.mass > 0]
        if not masses or max(masses) <= floor * min(masses):
            return self.current or self.base  # no two bodies differ enough (dominoes, a stack)
        if world.step_index == 0:  # no contacts are known before the first collision detection
            p.performCollisionDetection(physicsClientId=c)
        cps = p.getContactPoints(physicsClientId=c)
        if cps:
            masses = {b.body_id: b.mass for b in world.bodies if b.alive and not b.static}
            for a, b in {(cp[1], cp[2]) for cp in cps}:
                ma, mb = masses.get(a, 0.0), masses.get(b, 0.0)
                if ma <= 0 or mb <= 0:
                    continue
                r = max(ma / mb, mb / ma)
                if r > max(ratio, floor) and _dynamic(p, c, a) and _dynamic(p, c, b):
                    ratio = r
        n = int(min(max(self.base, math.ceil(ITERATIONS_PER_MASS_RATIO * ratio)), MAX_ITERATIONS))
        n = max(n, self.base)
        if n != self.current:
            p.setPhysicsEngineParameter(numSolverIterations=n, physicsClientId=c)
            self.current = n
            self.peak = max(self.peak, n)
        return n


def _dynamic(p, c, body_id: int) -> bool:
    """Whether pybullet moves the body (held, frozen and kinematic bodies have mass 0)."""
    return p.getDynamicsInfo(body_id, -1, physicsClientId=c)[0] > 0
