"""The pybullet world: bodies built from a Scene, stepped at a fixed rate.

One pybullet client per :class:`World` (``p.DIRECT``); every call passes ``physicsClientId``.
pybullet's hidden damping (0.04) is switched off on every body.  Contacts use a low contact
ERP (0.02 by default) and a contact processing threshold of 0 for spheres (5 mm for other
bodies, see :data:`physreel.physics.contact.FLAT_CONTACT_THRESHOLD`): with pybullet's defaults a ball of restitution
0.8 dropped from 0.5-1.1 m rose to 0.67-1.16 x e^2 of its height depending on the height;
with these settings 1.02-1.06 x e^2 (measured, 240 Hz).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..assembly import Assembly, BuiltObject
from ..assets.primitives import Geometry
from ..errors import SimulationError
from ..scene.materials import MaterialProps
from ..transforms import matrix_to_quat, pose_to_matrix, principal_inertia, quat_to_matrix
from .compound import compound_shape, hulls_shape
from .contact import FLAT_CONTACT_THRESHOLD as FLAT_CONTACT_THRESHOLD  # (humanoids use it)
from .contact import collision_radius, dynamics_settings
from .stepping import SolverTuner, StepPlan, plan_steps


@dataclass
class Body:
    """A built body.

    ``com_in_object`` is the (4, 4) transform of the inertial (centre-of-mass, principal axes)
    frame in the object frame: pybullet reports and resets the inertial frame's pose, the
    Trajectory stores the object frame's.  ``link`` >= 0 names a link of an articulated
    pybullet body (a limp person's body part); -1 is a body's base.  ``part_of`` names the
    object a body is a part of (a person's arm): it shares that object's segmentation id.
    """

    name: str
    body_id: int
    mass: float
    static: bool
    material: MaterialProps
    com_in_object: np.ndarray
    object_in_com: np.ndarray
    geom: Geometry | None = None
    parent: str | None = None
    alive: bool = True
    link: int = -1
    part_of: str | None = None


def link_key(body_id: int, link: int) -> int:
    """The key of a pybullet body's link in :attr:`World.by_id` and in contact bookkeeping:
    the body id for its base (link -1), a distinct integer for each of its links."""
    return body_id if link < 0 else body_id + ((link + 1) << 20)


class Controller:
    """Something that acts during the simulation (events, breaking, joints, actions...).

    Every hook is optional.  ``setup`` runs once after the scene's bodies exist;
    ``before_step``/``after_step`` around every physics step; ``after_frame`` after the state
    of frame ``frame`` was recorded; ``finish`` at the end (e.g. to close open events).
    Controllers append events (dicts with at least ``type``, ``time``, ``frame``) to
    ``world.events``.
    """

    def setup(self, world: World) -> None:  # noqa: D102
        pass

    def before_step(self, world: World) -> None:  # noqa: D102
        pass

    def after_step(self, world: World) -> None:  # noqa: D102
        pass

    def after_frame(self, world: World, frame: int) -> None:  # noqa: D102
        pass

    def finish(self, world: World) -> None:  # noqa: D102
        pass



class World:
    """A pybullet simulation of an :class:`~physreel.build.Assembly`.  Use as a context manager.

    Each object's bodies are created by the physics function of its kind
    (:mod:`physreel.assembly.kinds`).

    Parameters
    ----------
    assembly : Assembly
    """

    def __init__(self, assembly: Assembly):
        from .._pybullet import pybullet

        p = pybullet()

        self.p = p
        self.assembly = assembly
        self.scene = scene = assembly.scene
        self.dt = 1.0 / scene.physics.rate
        self.steps_per_frame = scene.physics.rate // scene.fps
        self.client = p.connect(p.DIRECT)
        self.bodies: list[Body] = []
        self.by_name: dict[str, Body] = {}
        self.by_id: dict[int, Body] = {}
        self.ground_id: int | None = None
        self.step_index = 0
        self.events: list[dict] = []
        self.controllers: list = []
        self.plan = StepPlan(1, scene.physics.rate)
        self.solver = SolverTuner(scene.physics.solver_iterations) if scene.physics.adaptive_solver else None
        try:
            self._configure()
            if assembly.ground is not None:
                self._add_ground()
            for obj in assembly:
                self.add_object(obj)
            self._plan_steps()
        except Exception:
            self.close()
            raise

    # ------------------------------------------------------------------ lifecycle
    def __enter__(self) -> World:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self.client is not None and self.client >= 0:
            try:
                self.p.disconnect(physicsClientId=self.client)
            except Exception:  # noqa: BLE001 - already gone
                pass
        self.client = None

    # ------------------------------------------------------------------ building
    def _configure(self) -> None:
        p, c, ph = self.p, self.client, self.scene.physics
        p.setGravity(*self.scene.gravity, physicsClientId=c)
        p.setTimeStep(self.dt, physicsClientId=c)
        p.setPhysicsEngineParameter(
            fixedTimeStep=self.dt,
            numSubSteps=0,
            numSolverIterations=ph.solver_iterations,
            contactERP=ph.contact_erp,
            enableConeFriction=1,
            deterministicOverlappingPairs=1,
            physicsClientId=c,
        )

    def _plan_steps(self) -> None:
        """Choose sub-steps from the scene's sizes and speeds (:mod:`.stepping`) and step at
        that rate ourselves, so that every controller sees every step."""
        self.plan = plan_steps(self)
        self.dt = 1.0 / self.plan.rate
        self.steps_per_frame = self.plan.rate // self.scene.fps
        self.p.setTimeStep(self.dt, physicsClientId=self.client)
        self.p.setPhysicsEngineParameter(fixedTimeStep=self.dt, physicsClientId=self.client)

    def stepping_record(self) -> dict:
        """The stepping used, for the Trajectory and the metadata: ``rate`` (steps/s),
        ``substeps`` (per ``physics.rate`` step), ``steps_per_frame``, ``solver_iterations``
        (the most used), ``reasons`` and ``warnings`` of the automatic choices."""
        peak = self.solver.peak if self.solver is not None else 0
        return {
            "rate": self.plan.rate,
            "substeps": self.plan.substeps,
            "steps_per_frame": self.steps_per_frame,
            "solver_iterations": max(peak, self.scene.physics.solver_iterations),
            "reasons": list(self.plan.reasons),
            "warnings": list(self.plan.warnings),
        }

    def _add_ground(self) -> None:
        p, c = self.p, self.client
        mat = self.assembly.ground.material
        shape = p.createCollisionShape(p.GEOM_PLANE, physicsClientId=c)
        self.ground_id = p.createMultiBody(0, shape, physicsClientId=c)
        self._set_dynamics(self.ground_id, mat, None)

    def _collision_shape(self, geom: Geometry, static: bool) -> int:
        p, c = self.p, self.client
        if geom.kind == "compound":
            return compound_shape(self, geom)
        if geom.kind == "box":
            return p.createCollisionShape(p.GEOM_BOX, halfExtents=geom.params["half_extents"], physicsClientId=c)
        if geom.kind == "sphere":
            return p.createCollisionShape(p.GEOM_SPHERE, radius=collision_radius(geom.params["radius"]), physicsClientId=c)
        if geom.kind == "cylinder":
            return p.createCollisionShape(p.GEOM_CYLINDER, radius=geom.params["radius"], height=geom.params["height"], physicsClientId=c)
        if geom.kind == "capsule":
            r = geom.params["radius"]
            return p.createCollisionShape(p.GEOM_CAPSULE, radius=r, height=geom.params["height"] - 2 * r, physicsClientId=c)
        parts = geom.collision_parts
        if geom.static_only_mesh:
            if not static:
                raise SimulationError("collision: mesh (exact triangles) works only for static objects; use hull or decompose")
            m = parts[0]
            return p.createCollisionShape(p.GEOM_MESH, vertices=m.vertices.tolist(), indices=m.faces.reshape(-1).tolist(),
                                          flags=p.GEOM_FORCE_CONCAVE_TRIMESH, physicsClientId=c)
        if len(parts) == 1:
            return p.createCollisionShape(p.GEOM_MESH, vertices=parts[0].vertices.tolist(), physicsClientId=c)
        # Several convex parts (a decomposition): one compound of hulls (see .compound; a shape
        # array would keep only 16 of them).
        return hulls_shape(self, parts)

    def add_object(self, obj: BuiltObject) -> list[Body]:
        """Create the bodies of a built object at its initial state (its kind's physics)."""
        from ..assembly import get_kind

        return get_kind(obj.kind).physics_function()(self, obj)

    def add_body(
        self,
        name: str,
        geom: Geometry,
        material: MaterialProps,
        *,
        mass: float,
        static: bool = False,
        position: np.ndarray,
        quaternion: np.ndarray,
        velocity: np.ndarray | None = None,
        angular_velocity: np.ndarray | None = None,
        origin_velocity: bool = False,
        parent: str | None = None,
    ) -> Body:
        """Add a rigid body (a scene object, or a piece created during the simulation).

        ``position``/``quaternion`` give the object frame's pose.  ``velocity`` is the
        velocity of the object frame's origin when ``origin_velocity`` is True (scene files),
        else of the centre of mass.  Bodies added during the simulation appear in the
        Trajectory from the frame after they are created (``present``).
        """
        p, c = self.p, self.client
        if name in self.by_name:
            raise SimulationError(f"two bodies named {name!r}")
        # Inertial frame: centre of mass, principal axes of the inertia tensor.
        evals, axes_quat = principal_inertia(geom.inertia_unit)
        com_in_object = pose_to_matrix(geom.center_of_mass, axes_quat)
        shape_id = self._collision_shape(geom, static)
        body = p.createMultiBody(
            baseMass=0.0 if static else mass,
            baseCollisionShapeIndex=shape_id,
            basePosition=list(position),
            baseOrientation=list(quaternion),
            baseInertialFramePosition=list(geom.center_of_mass),
            baseInertialFrameOrientation=list(axes_quat),
            physicsClientId=c,
        )
        inertia = None if static else np.maximum(evals, 1e-12) * mass
        # Convex hulls get a 1 mm collision margin by default: they would rest 1 mm above the
        # floor (measured). Native primitives keep theirs inside the shape.
        self._set_dynamics(body, material, inertia, geom=geom, zero_margin=geom.kind in ("cone", "mesh", "piece", "compound"))
        if not static:
            w = np.zeros(3) if angular_velocity is None else np.asarray(angular_velocity, dtype=np.float64)
            v = np.zeros(3) if velocity is None else np.asarray(velocity, dtype=np.float64)
            if origin_velocity:
                v = v + np.cross(w, quat_to_matrix(quaternion) @ geom.center_of_mass)
            p.resetBaseVelocity(body, list(v), list(w), physicsClientId=c)
        b = Body(name, body, 0.0 if static else mass, static, material, com_in_object, np.linalg.inv(com_in_object),
                 geom=geom, parent=parent)
        self.bodies.append(b)
        self.by_name[name] = b
        self.by_id[body] = b
        return b

    def remove_body(self, name: str) -> None:
        """Remove a body from the simulation (e.g. a breakable object replaced by its pieces).
        It stays in the Trajectory, marked not present from then on."""
        b = self.by_name[name]
        if b.alive:
            self.p.removeBody(b.body_id, physicsClientId=self.client)
            b.alive = False

    def _set_dynamics(self, body: int, mat: MaterialProps, inertia: np.ndarray | None, *,
                      geom: Geometry | None = None, zero_margin: bool = False) -> None:
        """Material, contact settings (:func:`physreel.physics.contact.dynamics_settings`: rolling
        resistance only for round bodies), damping and inertia of a body; ``geom`` None: the floor."""
        kw = dict(
            dynamics_settings(geom, mat),
            linearDamping=self.scene.physics.linear_damping,
            angularDamping=self.scene.physics.angular_damping,
            physicsClientId=self.client,
        )
        if inertia is not None:
            kw["localInertiaDiagonal"] = list(inertia)
        if zero_margin:
            kw["collisionMargin"] = 0.0
        if self.scene.physics.sleeping:
            kw["activationState"] = self.p.ACTIVATION_STATE_ENABLE_SLEEPING
        self.p.changeDynamics(body, -1, **kw)

    # ------------------------------------------------------------------ stepping and state
    @property
    def time(self) -> float:
        """Simulated time, seconds."""
        return self.step_index * self.dt

    def frame_of(self, time: float) -> int:
        """The first frame that shows the world at or after ``time``."""
        return int(np.ceil(time * self.scene.fps - 1e-9))

    def add_event(self, type: str, time: float | None = None, **fields) -> dict:
        """Record an event at ``time`` (default: now); returns the event dict."""
        t = self.time if time is None else time
        ev = {"type": type, "time": round(float(t), 6), "frame": self.frame_of(t), **fields}
        self.events.append(ev)
        return ev

    def step(self) -> None:
        """Advance one physics step (``dt`` s), running the controllers around it.  At every
        frame boundary the solver iterations follow the mass ratios in contact
        (:class:`.stepping.SolverTuner`)."""
        if self.solver is not None and self.step_index % self.steps_per_frame == 0:
            self.solver.update(self)
        for ctl in self.controllers:
            ctl.before_step(self)
        self.p.stepSimulation(physicsClientId=self.client)
        self.step_index += 1
        for ctl in self.controllers:
            ctl.after_step(self)

    def object_pose(self, body: Body) -> tuple[np.ndarray, np.ndarray]:
        """World position (3,) and quaternion (4,) of the body's *object* frame."""
        if body.link >= 0:
            pos, orn = self.p.getLinkState(body.body_id, body.link, computeForwardKinematics=1,
                                           physicsClientId=self.client)[:2]
        else:
            pos, orn = self.p.getBasePositionAndOrientation(body.body_id, physicsClientId=self.client)
        t = pose_to_matrix(pos, orn) @ body.object_in_com
        return t[:3, 3].copy(), matrix_to_quat(t[:3, :3])

    def state(self) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
        """Per living body: position (3,), quaternion (4,), COM velocity (3,), angular velocity (3,)."""
        out = {}
        for b in self.bodies:
            if not b.alive:
                continue
            pos, quat = self.object_pose(b)
            if b.link >= 0:
                v, w = self.p.getLinkState(b.body_id, b.link, computeLinkVelocity=1,
                                           physicsClientId=self.client)[6:8]
            else:
                v, w = self.p.getBaseVelocity(b.body_id, physicsClientId=self.client)
            out[b.name] = (pos, quat, np.asarray(v), np.asarray(w))
        return out

