"""A rig as one articulated pybullet body: the limp person (ragdoll).

pybullet offers limits on spherical joints only through URDF (``<limit lower=swing_x
upper=swing_y twist=... effort=...>`` on a ``spherical`` joint becomes a
``btMultiBodySphericalJointLimit``; ``createMultiBody`` has no joint limits at all), so the
rig is written as a URDF file (cached by content hash) and loaded with
``URDF_MAINTAIN_LINK_ORDER`` (without it pybullet reorders the links) and self-collision between
non-adjacent parts.  Every link has mass (massless links make Featherstone produce NaN).

Link frames are bone frames.  A spherical joint's URDF origin carries the middle of its range
(``JointRange.center``), so its joint coordinate is ``center^-1 * local rotation``.  pybullet
puts a velocity motor on every joint that locks it; here each motor is kept with target
velocity 0 and a maximum force equal to the joint's friction torque: that *is* dry joint
friction (the joint turns freely once the torque on it exceeds the friction).
"""

from __future__ import annotations

import hashlib
import itertools
import math
import os
from pathlib import Path

import numpy as np

from ..assets.rig import Rig, Shape
from ..quaternions import qconj, qfrom_matrix, qmul, qrot, qto_matrix, qto_rotvec

LIMIT_EFFORT = 1e4
"""N m; the most torque a spherical joint limit applies."""


def _fmt(v) -> str:
    return " ".join(f"{float(x):.9g}" for x in np.atleast_1d(v))


def _rpy(q: np.ndarray) -> np.ndarray:
    """URDF roll-pitch-yaw (fixed axes X, Y, Z) of a quaternion."""
    m = qto_matrix(q)
    pitch = math.asin(max(-1.0, min(1.0, -m[2, 0])))
    if abs(m[2, 0]) < 1 - 1e-9:
        roll = math.atan2(m[2, 1], m[2, 2])
        yaw = math.atan2(m[1, 0], m[0, 0])
    else:  # gimbal lock: put everything in yaw
        roll = 0.0
        yaw = math.atan2(-m[0, 1], m[1, 1])
    return np.array([roll, pitch, yaw])


def _geometry(s: Shape) -> str:
    if s.kind == "capsule":
        return f'<capsule radius="{s.size[0]:.9g}" length="{s.size[1]:.9g}"/>'
    if s.kind == "sphere":
        return f'<sphere radius="{s.size[0]:.9g}"/>'
    return f'<box size="{_fmt(np.asarray(s.size) * 2)}"/>'


def aligned_principal_axes(inertia: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Principal moments (3,) and axes (quaternion) of an inertia tensor, with the axes ordered
    and signed to lie as close as possible to the bone frame's own axes.

    pybullet expresses a joint's coordinates and limits in the child's inertial frame; sorted
    by size (as usual), the principal axes of a limb along z would put its twist axis across
    the limb.
    """
    moments, vecs = np.linalg.eigh(np.asarray(inertia, dtype=np.float64))
    best, best_score = None, -np.inf
    for perm in itertools.permutations(range(3)):
        m = vecs[:, perm]
        score = float(np.abs(np.diag(m)).sum())
        if score > best_score:
            best, best_score = perm, score
    m = vecs[:, best] * np.sign(np.where(np.diag(vecs[:, best]) == 0, 1.0, np.diag(vecs[:, best])))
    if np.linalg.det(m) < 0:
        m[:, 2] *= -1.0
    return moments[list(best)], qfrom_matrix(m)


def urdf_text(rig: Rig) -> str:
    """The URDF of ``rig`` (bone frames as link frames, metres, kilograms)."""
    lines = ['<?xml version="1.0"?>', '<robot name="physreel_rig">']
    for b, name in enumerate(rig.names):
        moments, axes = aligned_principal_axes(rig.inertias[b])
        moments = np.maximum(moments, 1e-9)
        lines.append(f'<link name="{name}">')
        lines.append(
            f'<inertial><origin xyz="{_fmt(rig.coms[b])}" rpy="{_fmt(_rpy(axes))}"/>'
            f'<mass value="{max(rig.masses[b], 1e-4):.9g}"/>'
            f'<inertia ixx="{moments[0]:.9g}" ixy="0" ixz="0" iyy="{moments[1]:.9g}" iyz="0" '
            f'izz="{moments[2]:.9g}"/></inertial>'
        )
        for s in rig.shapes[b]:
            lines.append(
                f'<collision><origin xyz="{_fmt(s.position)}" rpy="{_fmt(_rpy(s.quaternion))}"/>'
                f"<geometry>{_geometry(s)}</geometry></collision>"
            )
        lines.append("</link>")
    for b in range(1, rig.num_bones):
        j = rig.joints[b]
        parent = rig.names[rig.parents[b]]
        origin_q = rig.rest[b] if j.kind != "spherical" else qmul(rig.rest[b], j.center)
        head = (
            f'<joint name="{rig.names[b]}" type="{j.kind}"><parent link="{parent}"/>'
            f'<child link="{rig.names[b]}"/>'
            f'<origin xyz="{_fmt(rig.offsets[b])}" rpy="{_fmt(_rpy(origin_q))}"/>'
        )
        if j.kind == "spherical":
            body = (
                f'<axis xyz="0 0 1"/><limit lower="{j.swing[0]:.9g}" upper="{j.swing[1]:.9g}" twist="{j.twist:.9g}" '
                f'effort="{LIMIT_EFFORT:.9g}" velocity="100"/>'
            )
        elif j.kind == "revolute":
            body = (
                f'<axis xyz="{_fmt(j.axis)}"/><limit lower="{j.lower:.9g}" upper="{j.upper:.9g}" '
                f'effort="{LIMIT_EFFORT:.9g}" velocity="100"/>'
            )
        else:
            body = ""
        lines.append(head + body + "</joint>")
    lines.append("</robot>")
    return "\n".join(lines) + "\n"


def urdf_file(rig: Rig) -> Path:
    """The rig's URDF written once into the cache, named by its content hash."""
    from ..assets.collision import default_cache_dir

    text = urdf_text(rig)
    key = hashlib.sha256(text.encode()).hexdigest()[:24]
    folder = default_cache_dir() / "rigs"
    path = folder / f"{key}.urdf"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        tmp.write_text(text)
        os.replace(tmp, path)
    return path


class Ragdoll:
    """A rig loaded as one pybullet multibody (link ``b - 1`` is bone ``b``; the base is the root).

    Parameters
    ----------
    p, client : the pybullet module and client id
    rig : Rig
    positions, quaternions : (B, 3), (B, 4) world poses of the bone frames to start from
    velocities, angular_velocities : (B, 3) world velocity of each bone frame's origin and
        angular velocity, or None for rest
    """

    def __init__(self, p, client: int, rig: Rig, positions: np.ndarray, quaternions: np.ndarray,
                 velocities: np.ndarray | None = None, angular_velocities: np.ndarray | None = None):
        self.p, self.client, self.rig = p, client, rig
        flags = p.URDF_MAINTAIN_LINK_ORDER | p.URDF_USE_SELF_COLLISION | p.URDF_USE_SELF_COLLISION_EXCLUDE_PARENT
        flags |= p.URDF_USE_INERTIA_FROM_FILE
        self.body = p.loadURDF(str(urdf_file(rig)), flags=flags, physicsClientId=client)
        self._base_com = self._inertial(-1)
        frames = [self._base_com] + [self._inertial(b - 1) for b in range(1, rig.num_bones)]
        self._inertial_pos = [f[0] for f in frames]
        self._inertial_q = [f[1] for f in frames]
        self.set_state(positions, quaternions, velocities, angular_velocities)
        for b in range(1, rig.num_bones):
            j = rig.joints[b]
            if j.kind == "spherical":
                f = j.friction
                p.setJointMotorControlMultiDof(
                    self.body, b - 1, p.POSITION_CONTROL, targetPosition=[0, 0, 0, 1], targetVelocity=[0, 0, 0],
                    positionGain=0, velocityGain=1, force=[f, f, f], physicsClientId=client,
                )
            elif j.kind == "revolute":
                p.setJointMotorControl2(self.body, b - 1, p.VELOCITY_CONTROL, targetVelocity=0, force=j.friction,
                                        physicsClientId=client)
        for link in range(-1, rig.num_bones - 1):
            p.changeDynamics(self.body, link, linearDamping=0, angularDamping=0, jointDamping=0,
                             physicsClientId=client)

    def _inertial(self, link: int) -> tuple[np.ndarray, np.ndarray]:
        """A link's inertial frame in its bone frame (position, quaternion)."""
        info = self.p.getDynamicsInfo(self.body, link, physicsClientId=self.client)
        return np.asarray(info[3], dtype=np.float64), np.asarray(info[4], dtype=np.float64)

    def inertial_frame(self, bone: int) -> tuple[np.ndarray, np.ndarray]:
        """The centre-of-mass frame of bone ``bone``'s link in the bone frame (position,
        quaternion): pybullet reports and constrains links in these frames."""
        return self._base_com if bone == 0 else (self._inertial_pos[bone], self._inertial_q[bone])

    def local_rotations(self, quaternions: np.ndarray) -> np.ndarray:
        """(B, 4) local rotations of world bone orientations (B, 4)."""
        par = self.rig.parents.copy()
        par[0] = 0
        return qmul(qconj(quaternions[par]), quaternions)

    def set_state(self, positions: np.ndarray, quaternions: np.ndarray,
                  velocities: np.ndarray | None = None, angular_velocities: np.ndarray | None = None) -> None:
        """Put every link at the given world bone poses, moving at the given velocities."""
        p, c, rig = self.p, self.client, self.rig
        B = rig.num_bones
        v = np.zeros((B, 3)) if velocities is None else np.asarray(velocities, dtype=np.float64)
        w = np.zeros((B, 3)) if angular_velocities is None else np.asarray(angular_velocities, dtype=np.float64)
        ci, cq = self._base_com
        com = positions[0] + qrot(quaternions[0], ci)
        p.resetBasePositionAndOrientation(self.body, com.tolist(), qmul(quaternions[0], cq).tolist(),
                                          physicsClientId=c)
        p.resetBaseVelocity(self.body, (v[0] + np.cross(w[0], com - positions[0])).tolist(), w[0].tolist(),
                            physicsClientId=c)
        local = self.local_rotations(quaternions)
        for b in range(1, B):
            j = rig.joints[b]
            par = rig.parents[b]
            rel_w = w[b] - w[par]  # angular velocity relative to the parent, world axes
            if j.kind == "spherical":
                # pybullet's spherical joint coordinates live in the child's inertial frame:
                # position = the rotation from the range's middle, velocity = the relative
                # angular velocity, both in that frame.
                ri = self._inertial_q[b]
                q = qmul(qmul(qconj(ri), qmul(qconj(qmul(rig.rest[b], j.center)), local[b])), ri)
                dq = qrot(qconj(qmul(quaternions[b], ri)), rel_w)
                p.resetJointStateMultiDof(self.body, b - 1, q.tolist(), dq.tolist(), physicsClientId=c)
            elif j.kind == "revolute":
                rel = qmul(qconj(rig.rest[b]), local[b])
                axis = j.axis / np.linalg.norm(j.axis)
                angle = float(np.dot(qto_rotvec(rel), axis))
                rate = float(np.dot(qrot(quaternions[par], axis), rel_w))
                p.resetJointState(self.body, b - 1, angle, rate, physicsClientId=c)

    def state(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """World poses of the bone frames and their motion.

        Returns
        -------
        positions (B, 3), quaternions (B, 4), velocities (B, 3) of each part's centre of mass,
        angular velocities (B, 3).
        """
        p, c, rig = self.p, self.client, self.rig
        B = rig.num_bones
        pos = np.empty((B, 3))
        quat = np.empty((B, 4))
        vel = np.empty((B, 3))
        ang = np.empty((B, 3))
        com, orn = p.getBasePositionAndOrientation(self.body, physicsClientId=c)
        ci, cq = self._base_com
        quat[0] = qmul(np.asarray(orn), qconj(cq))
        pos[0] = np.asarray(com) - qrot(quat[0], ci)
        v, w = p.getBaseVelocity(self.body, physicsClientId=c)
        vel[0], ang[0] = v, w
        states = p.getLinkStates(self.body, list(range(B - 1)), computeLinkVelocity=1,
                                 computeForwardKinematics=1, physicsClientId=c)
        for b, s in enumerate(states, start=1):
            pos[b], quat[b], vel[b], ang[b] = s[4], s[5], s[6], s[7]
        return pos, quat, vel, ang

    def remove(self) -> None:
        self.p.removeBody(self.body, physicsClientId=self.client)
