"""Impact and rest events, recorded from pybullet's contact forces step by step.

Impacts
-------
After every physics step the recorder reads all contact points and groups them by body pair.
A pair's *step impulse* is the sum of its contacts' normal forces times the step (N·s); it is
independent of the step size, unlike the peak force.  A step is *impulsive* for a pair when its
step impulse exceeds :data:`MIN_IMPULSE` and the pair was approaching at one of its contact
points, before the step, faster than :data:`MIN_APPROACH_SPEED`.  An impact opens at an
impulsive step and sums the step impulses of its impulsive steps; it closes when
:data:`MERGE_WINDOW` seconds pass without another impulsive step.  Steps of steady (resting or
pushing) contact add nothing, so an object resting on the floor gives no events, and a landing
that first touches at a rim and splits into several impulses a few steps apart (e.g. 1.01 +
0.59 + 0.52 + 0.14 N·s) is one impact.

Each impact gives one event::

    {type: impact, time, frame, objects: [a, b], impulse, relative_speed, point}

``time`` is the end of the first impulsive step (s), ``frame`` the first frame that shows the
world at or after it; ``objects`` the two names (the floor is ``"ground"``, always second);
``impulse`` the summed normal impulse (N·s); ``relative_speed`` the normal approach speed at
first contact (m/s); ``point`` the force-weighted contact point of the first step (world, m).
Friction impulses are not included.

Rest
----
A dynamic object is at rest when its speed stays below :data:`REST_SPEED` and its angular
speed below :data:`REST_ANGULAR_SPEED` for :data:`REST_TIME`.  One ``rest`` event per rest
period: ``{type: rest, time, frame, object, position}`` with the time it stopped moving; it
must move again (:data:`REST_LEAVE_FACTOR` times those speeds) before it can come to rest again.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .world import Controller, World, link_key

MIN_IMPULSE = 1e-5
"""N·s; smaller step impulses are ignored."""

MIN_APPROACH_SPEED = 0.1
"""m/s; contacts that approach more slowly are resting or pushing, not impacts."""

MERGE_WINDOW = 0.03
"""s; impulsive steps of one pair closer than this belong to one impact."""

REST_SPEED = 0.01
"""m/s."""

REST_ANGULAR_SPEED = 0.1
"""rad/s."""

REST_TIME = 0.25
"""s."""

REST_LEAVE_FACTOR = 5.0
"""A resting object starts moving again when its speed exceeds this many times the rest
thresholds (settling on the floor in the first steps is not motion)."""


@dataclass
class OpenImpact:
    """An impact still collecting impulse.

    Attributes
    ----------
    ids : (int, int) pybullet body ids (the pair key, smaller first)
    time : float, s (end of the first impulsive step)
    impulse : float, N·s (summed so far)
    relative_speed : float, m/s
    point : (3,) float64, world
    last_step : int, step index of the last impulsive step
    """

    ids: tuple[int, int]
    time: float
    impulse: float
    relative_speed: float
    point: np.ndarray
    last_step: int
    names: tuple[str, str] = ("", "")


@dataclass
class _RestState:
    since: float | None = None
    resting: bool = False


@dataclass
class ImpactRecorder(Controller):
    """Records ``impact`` and ``rest`` events (see the module notes).

    Other controllers read :attr:`open` (pair -> :class:`OpenImpact`) after each step, e.g. to
    break an object when an impact's impulse exceeds its threshold, and call
    :meth:`close_body` before removing a body.
    """

    skip_rest: set[str] = field(default_factory=set)
    open: dict[tuple[int, int], OpenImpact] = field(default_factory=dict)
    _rows: dict[int, int] = field(default_factory=dict)
    _com: np.ndarray = field(default_factory=lambda: np.zeros((1, 3)))
    _orn: np.ndarray = field(default_factory=lambda: np.zeros((1, 4)))
    _v: np.ndarray = field(default_factory=lambda: np.zeros((1, 3)))
    _w: np.ndarray = field(default_factory=lambda: np.zeros((1, 3)))
    _rest: dict[str, _RestState] = field(default_factory=dict)

    # ------------------------------------------------------------------ hooks
    def setup(self, world: World) -> None:
        """Objects that start still count as resting: no ``rest`` event until they moved."""
        p, c = world.p, world.client
        for b in world.bodies:
            v, w = p.getBaseVelocity(b.body_id, physicsClientId=c)
            if np.linalg.norm(v) < REST_SPEED and np.linalg.norm(w) < REST_ANGULAR_SPEED:
                self._rest[b.name] = _RestState(since=0.0, resting=True)

    def before_step(self, world: World) -> None:
        """Snapshot velocities and centres of mass: approach speeds need the pre-step state."""
        p, c = world.p, world.client
        alive = [b for b in world.bodies if b.alive]
        n = len(alive)
        # One extra row of zeros for bodies without a snapshot (the floor).
        com, orn, v, w = (
            np.zeros((n + 1, 3)),
            np.zeros((n + 1, 4)),
            np.zeros((n + 1, 3)),
            np.zeros((n + 1, 3)),
        )
        self._rows = {}
        for i, b in enumerate(alive):
            if b.link >= 0:  # a link of an articulated body (a limp person's part)
                ls = p.getLinkState(b.body_id, b.link, computeLinkVelocity=1, physicsClientId=c)
                com[i], orn[i], v[i], w[i] = ls[0], ls[1], ls[6], ls[7]
            else:
                com[i], orn[i] = p.getBasePositionAndOrientation(b.body_id, physicsClientId=c)
                v[i], w[i] = p.getBaseVelocity(b.body_id, physicsClientId=c)
            self._rows[link_key(b.body_id, b.link)] = i
        self._com, self._orn, self._v, self._w = com, orn, v, w
        self._update_rest(world, alive)

    def after_step(self, world: World) -> None:
        p, c, dt = world.p, world.client, world.dt
        step = world.step_index
        cps = p.getContactPoints(physicsClientId=c)
        if cps:
            self._process(world, cps, step, dt)
        for imp in list(self.open.values()):
            if (step - imp.last_step) * dt > MERGE_WINDOW + 1e-9:
                self._emit(world, imp)

    def _process(self, world: World, cps, step: int, dt: float) -> None:
        ids = np.array([(link_key(cp[1], cp[3]), link_key(cp[2], cp[4])) for cp in cps], dtype=np.int64)
        pos_a = np.array([cp[5] for cp in cps], dtype=np.float64)
        pos_b = np.array([cp[6] for cp in cps], dtype=np.float64)
        normal = np.array([cp[7] for cp in cps], dtype=np.float64)  # on B, towards A
        force = np.array([cp[9] for cp in cps], dtype=np.float64)
        speed = -np.einsum(
            "ij,ij->i",
            self._velocity_at(ids[:, 0], pos_a) - self._velocity_at(ids[:, 1], pos_b),
            normal,
        )
        lo, hi = np.minimum(ids[:, 0], ids[:, 1]), np.maximum(ids[:, 0], ids[:, 1])
        codes, inverse = np.unique(lo * (1 << 32) + hi, return_inverse=True)
        uniq = np.column_stack([codes >> 32, codes & ((1 << 32) - 1)])
        inverse = inverse.ravel()
        impulses = np.bincount(inverse, weights=force, minlength=len(uniq)) * dt
        speeds = np.full(len(uniq), -np.inf)
        np.maximum.at(speeds, inverse, speed)
        for k in np.flatnonzero((impulses > MIN_IMPULSE) & (speeds > MIN_APPROACH_SPEED)):
            key = (int(uniq[k, 0]), int(uniq[k, 1]))
            imp = self.open.get(key)
            if imp is not None and (step - imp.last_step) * dt > MERGE_WINDOW + 1e-9:
                self._emit(world, imp)
                imp = None
            if imp is None:
                sel = inverse == k
                f = np.maximum(force[sel], 0.0)
                wts = f / f.sum() if f.sum() > 0 else np.full(sel.sum(), 1.0 / sel.sum())
                self.open[key] = OpenImpact(
                    key,
                    world.time,
                    float(impulses[k]),
                    float(speeds[k]),
                    wts @ pos_b[sel],
                    step,
                    self._names(world, key),
                )
            else:
                imp.impulse += float(impulses[k])
                imp.last_step = step

    def finish(self, world: World) -> None:
        for imp in list(self.open.values()):
            self._emit(world, imp)

    # ------------------------------------------------------------------ API for other controllers
    def impulse_on(self, body_id: int) -> float:
        """Largest summed impulse (N·s) of the open impacts that involve ``body_id``."""
        return max((imp.impulse for key, imp in self.open.items() if body_id in key), default=0.0)

    def pre_step_state(
        self, body_id: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
        """State of a body before the last step: centre of mass (3,), inertial-frame quaternion
        (4,), velocity (3,) and angular velocity (3,), world frame; None if unknown."""
        i = self._rows.get(body_id)
        if i is None:
            return None
        return self._com[i].copy(), self._orn[i].copy(), self._v[i].copy(), self._w[i].copy()

    def release(self, name: str) -> None:
        """A held object was let go: report its rest events from now on."""
        self.skip_rest.discard(name)
        self._rest.pop(name, None)

    def close_body(self, world: World, body_id: int) -> None:
        """Emit the open impacts of a body that is about to be removed."""
        for key, imp in list(self.open.items()):
            if body_id in key:
                self._emit(world, imp)

    # ------------------------------------------------------------------ internals
    def _velocity_at(self, body_ids: np.ndarray, points: np.ndarray) -> np.ndarray:
        """(M, 3) pre-step velocities of points (M, 3) of bodies (M,) (zero for the floor)."""
        rows = np.array([self._rows.get(int(i), -1) for i in body_ids])
        return self._v[rows] + _cross(self._w[rows], points - self._com[rows])

    @staticmethod
    def _names(world: World, key: tuple[int, int]) -> tuple[str, str]:
        def name(i: int) -> str:
            if i == world.ground_id:
                return "ground"
            b = world.by_id.get(i)
            return b.name if b is not None else f"body_{i}"

        a, b = key
        # The floor and static objects go second.
        if a == world.ground_id or (
            a in world.by_id
            and world.by_id[a].static
            and not (b in world.by_id and world.by_id[b].static)
        ):
            a, b = b, a
        return name(a), name(b)

    def _emit(self, world: World, imp: OpenImpact) -> None:
        self.open.pop(imp.ids, None)
        world.add_event(
            "impact",
            time=imp.time,
            objects=list(imp.names),
            impulse=round(float(imp.impulse), 6),
            relative_speed=round(float(imp.relative_speed), 6),
            point=[round(float(x), 6) for x in imp.point],
        )

    def _update_rest(self, world: World, alive: list) -> None:
        t = world.time
        speed = np.linalg.norm(self._v, axis=1)
        ang = np.linalg.norm(self._w, axis=1)
        for i, b in enumerate(alive):
            if b.static or b.name in self.skip_rest:
                continue
            rs = self._rest.setdefault(b.name, _RestState())
            k = REST_LEAVE_FACTOR if rs.resting else 1.0  # leave rest only on clear motion
            if speed[i] < k * REST_SPEED and ang[i] < k * REST_ANGULAR_SPEED:
                if rs.since is None:
                    rs.since = t
                if not rs.resting and t - rs.since >= REST_TIME - 1e-9:
                    rs.resting = True
                    pos, _ = world.object_pose(b)
                    world.add_event(
                        "rest",
                        time=rs.since,
                        object=b.name,
                        position=[round(float(x), 6) for x in pos],
                    )
            else:
                rs.since = None
                rs.resting = False


def _cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise cross product of (M, 3) arrays (np.cross is slow on small arrays)."""
    return np.stack(
        [
            a[:, 1] * b[:, 2] - a[:, 2] * b[:, 1],
            a[:, 2] * b[:, 0] - a[:, 0] * b[:, 2],
            a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0],
        ],
        axis=1,
    )
