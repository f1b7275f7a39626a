"""The pybullet world: bodies built from a Scene, stepped at a fixed rate.

One pybullet client per :class:`World` (``p.DIRECT``); every call passes ``physicsClientId``.
pybullet's hidden damping (0.04) is switched off on every body.  Contacts use a low contact
ERP (0.02 by default) and ``contactProcessingThreshold = 0``: with pybullet's defaults a ball of
restitution 0.8 dropped from 0.5-1.1 m rose to 0.67-1.16 x e^2 of its height depending on the
height; with these settings 1.02-1.06 x e^2 (measured, 240 Hz).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..assets.primitives import Geometry
from ..errors import SimulationError
from ..scene.materials import MaterialProps
from ..scene.models import ObjectSpec, Scene
from ..scene.resolve import initial_quaternion, object_material, resolve_material
from .trajectory import matrix_to_quat, pose_to_matrix, quat_to_matrix


@dataclass
class Body:
    """A built body.

    ``com_in_object`` is the (4, 4) transform of the inertial (centre-of-mass, principal axes)
    frame in the object frame: pybullet reports and resets the inertial frame's pose, the
    Trajectory stores the object frame's.
    """

    name: str
    body_id: int
    mass: float
    static: bool
    material: MaterialProps
    com_in_object: np.ndarray
    object_in_com: np.ndarray


StepObserver = Callable[["World", int], None]


class World:
    """A pybullet simulation of a :class:`Scene`.  Use as a context manager.

    Parameters
    ----------
    scene : Scene
    geometries : dict name -> Geometry, one per object of the scene
    """

    def __init__(self, scene: Scene, geometries: dict[str, Geometry]):
        import pybullet as p

        self.p = p
        self.scene = scene
        self.dt = 1.0 / scene.physics.rate
        self.steps_per_frame = scene.physics.rate // scene.fps
        self.client = p.connect(p.DIRECT)
        self.bodies: list[Body] = []
        self.ground_id: int | None = None
        self.step_index = 0
        self.observers: list[StepObserver] = []
        try:
            self._configure()
            if scene.ground.enabled:
                self._add_ground()
            for obj in scene.objects:
                self.add_object(obj, geometries[obj.name])
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

    def _add_ground(self) -> None:
        p, c, g = self.p, self.client, self.scene.ground
        mat = resolve_material(self.scene, g.material).with_overrides(
            friction=g.friction, restitution=g.restitution,
            rolling_friction=g.rolling_friction, spinning_friction=g.spinning_friction,
        )
        shape = p.createCollisionShape(p.GEOM_PLANE, physicsClientId=c)
        self.ground_id = p.createMultiBody(0, shape, physicsClientId=c)
        self._set_dynamics(self.ground_id, mat, None)
        self.ground_material = mat

    def _collision_shape(self, geom: Geometry, static: bool) -> int:
        p, c = self.p, self.client
        if geom.kind == "box":
            return p.createCollisionShape(p.GEOM_BOX, halfExtents=geom.params["half_extents"], physicsClientId=c)
        if geom.kind == "sphere":
            return p.createCollisionShape(p.GEOM_SPHERE, radius=geom.params["radius"], physicsClientId=c)
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
        n = len(parts)
        return p.createCollisionShapeArray(
            [p.GEOM_MESH] * n, vertices=[m.vertices.tolist() for m in parts],
            collisionFramePositions=[[0, 0, 0]] * n, collisionFrameOrientations=[[0, 0, 0, 1]] * n,
            physicsClientId=c,
        )

    def add_object(self, obj: ObjectSpec, geom: Geometry) -> Body:
        """Create the pybullet body of ``obj`` at its initial pose and velocity."""
        p, c = self.p, self.client
        mat = object_material(self.scene, obj)
        static = obj.static
        mass = 0.0 if static else (obj.mass if obj.mass is not None else mat.density * geom.volume)
        # Inertial frame: centre of mass, principal axes of the inertia tensor.
        evals, evecs = np.linalg.eigh(geom.inertia_unit)
        if np.linalg.det(evecs) < 0:
            evecs[:, 0] = -evecs[:, 0]
        com_in_object = np.eye(4)
        com_in_object[:3, :3] = evecs
        com_in_object[:3, 3] = geom.center_of_mass
        shape_id = self._collision_shape(geom, static)
        q0 = initial_quaternion(obj)
        body = p.createMultiBody(
            baseMass=mass,
            baseCollisionShapeIndex=shape_id,
            basePosition=list(obj.position),
            baseOrientation=list(q0),
            baseInertialFramePosition=list(geom.center_of_mass),
            baseInertialFrameOrientation=list(matrix_to_quat(evecs)),
            physicsClientId=c,
        )
        inertia = None if static else np.maximum(evals, 1e-12) * mass
        # Convex hulls get a 1 mm collision margin by default: they would rest 1 mm above the
        # floor (measured). Native primitives keep theirs inside the shape.
        self._set_dynamics(body, mat, inertia, zero_margin=geom.kind in ("cone", "mesh"))
        if not static:
            # Velocity of the centre of mass of a body whose origin moves at `velocity`.
            r = quat_to_matrix(q0) @ geom.center_of_mass
            w = np.asarray(obj.angular_velocity, dtype=np.float64)
            v = np.asarray(obj.velocity, dtype=np.float64) + np.cross(w, r)
            p.resetBaseVelocity(body, list(v), list(w), physicsClientId=c)
        b = Body(obj.name, body, mass, static, mat, com_in_object, np.linalg.inv(com_in_object))
        self.bodies.append(b)
        return b

    def _set_dynamics(self, body: int, mat: MaterialProps, inertia: np.ndarray | None, zero_margin: bool = False) -> None:
        kw = dict(
            lateralFriction=mat.friction,
            rollingFriction=mat.rolling_friction,
            spinningFriction=mat.spinning_friction,
            restitution=mat.restitution,
            linearDamping=self.scene.physics.linear_damping,
            angularDamping=self.scene.physics.angular_damping,
            contactProcessingThreshold=0.0,
            physicsClientId=self.client,
        )
        if inertia is not None:
            kw["localInertiaDiagonal"] = list(inertia)
        if zero_margin:
            kw["collisionMargin"] = 0.0
        self.p.changeDynamics(body, -1, **kw)

    # ------------------------------------------------------------------ stepping and state
    def step(self) -> None:
        """Advance one physics step (``1 / rate`` s) and notify observers."""
        self.p.stepSimulation(physicsClientId=self.client)
        self.step_index += 1
        for obs in self.observers:
            obs(self, self.step_index)

    def object_pose(self, body: Body) -> tuple[np.ndarray, np.ndarray]:
        """World position (3,) and quaternion (4,) of the body's *object* frame."""
        pos, orn = self.p.getBasePositionAndOrientation(body.body_id, physicsClientId=self.client)
        t = pose_to_matrix(pos, orn) @ body.object_in_com
        return t[:3, 3].copy(), matrix_to_quat(t[:3, :3])

    def state(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Position (N,3), quaternion (N,4), COM velocity (N,3), angular velocity (N,3)."""
        n = len(self.bodies)
        pos, quat = np.zeros((n, 3)), np.zeros((n, 4))
        vel, ang = np.zeros((n, 3)), np.zeros((n, 3))
        for i, b in enumerate(self.bodies):
            pos[i], quat[i] = self.object_pose(b)
            v, w = self.p.getBaseVelocity(b.body_id, physicsClientId=self.client)
            vel[i], ang[i] = v, w
        return pos, quat, vel, ang
