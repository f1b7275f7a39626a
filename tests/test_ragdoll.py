"""The rig as one articulated pybullet body: state round trips, limits, falling."""

import numpy as np
import pybullet as p
import pytest

from physreel.assets.mannequin import mannequin
from physreel.assets.mocap import load_clip
from physreel.assets.motion import MotionPlan, Segment
from physreel.physics.ragdoll import Ragdoll, urdf_text
from physreel.quaternions import angular_velocity, qangle, qconj, qmul, qrot

RIG = mannequin(1.7, 65.0)
DT = 1 / 240


@pytest.fixture
def client():
    c = p.connect(p.DIRECT)
    p.setTimeStep(DT, physicsClientId=c)
    p.setPhysicsEngineParameter(fixedTimeStep=DT, numSubSteps=0, numSolverIterations=50,
                                contactERP=0.02, physicsClientId=c)
    yield c
    p.disconnect(c)


def _walk_state(t0):
    plan = MotionPlan(RIG, [Segment(load_clip("walk"))], np.zeros(3), 0.0)
    bp, bq = RIG.forward(*plan.sample(np.array([t0, t0 + DT])))
    return bp, bq, (bp[1] - bp[0]) / DT, angular_velocity(bq[0], bq[1], DT)


def test_urdf_keeps_the_bone_order_and_gives_every_link_mass(client):
    text = urdf_text(RIG)
    assert text.count("<link ") == RIG.num_bones and 'mass value="0"' not in text
    bp, bq = RIG.rest_pose()
    rd = Ragdoll(p, client, RIG, bp, bq)
    names = [p.getJointInfo(rd.body, i, physicsClientId=client)[12].decode() for i in range(RIG.num_bones - 1)]
    assert names == RIG.names[1:]
    total = sum(p.getDynamicsInfo(rd.body, i, physicsClientId=client)[0] for i in range(-1, RIG.num_bones - 1))
    assert np.isclose(total, 65.0, rtol=1e-6)


def test_state_round_trip_and_one_step_follows_the_motion(client):
    p.setGravity(0, 0, 0, physicsClientId=client)
    bp, bq, v, w = _walk_state(0.5)
    rd = Ragdoll(p, client, RIG, bp[0], bq[0], v, w)
    pos, quat, _, ang = rd.state()
    assert np.abs(pos - bp[0]).max() < 1e-6
    assert qangle(qmul(quat, qconj(bq[0]))).max() < 1e-5
    assert np.abs(ang - w).max() < 0.02
    # Without friction or gravity one step moves every link to the motion's next pose.
    for b in range(1, RIG.num_bones):
        j = RIG.joints[b]
        if j.kind == "spherical":
            p.setJointMotorControlMultiDof(rd.body, b - 1, p.POSITION_CONTROL, targetPosition=[0, 0, 0, 1],
                                           targetVelocity=[0, 0, 0], positionGain=0, velocityGain=0,
                                           force=[0, 0, 0], physicsClientId=client)
        elif j.kind == "revolute":
            p.setJointMotorControl2(rd.body, b - 1, p.VELOCITY_CONTROL, force=0, physicsClientId=client)
    p.stepSimulation(physicsClientId=client)
    pos, quat, _, _ = rd.state()
    assert np.abs(pos - bp[1]).max() < 2e-4


def test_neck_cannot_turn_round(client):
    """A hard spin of the head stops at the neck's twist range (1 rad), no 360 degree turns."""
    p.setGravity(0, 0, 0, physicsClientId=client)
    bp, bq = RIG.rest_pose()
    head = RIG.index("neck")
    w = np.zeros((RIG.num_bones, 3))
    w[head] = [0, 0, 25.0]  # rad/s about the vertical: a full turn in 0.25 s if nothing stops it
    rd = Ragdoll(p, client, RIG, bp, bq, None, w)
    worst = 0.0
    for _ in range(240):
        p.stepSimulation(physicsClientId=client)
        _, quat, _, _ = rd.state()
        local = qmul(qconj(quat[RIG.index("chest")]), quat[head])
        twist = abs(2 * np.arctan2(local[2], local[3]))
        worst = max(worst, twist)
    assert worst < 1.0 + 0.3


def test_dropped_limp_body_falls_and_lies_still(client):
    p.setGravity(0, 0, -9.81, physicsClientId=client)
    floor = p.createMultiBody(0, p.createCollisionShape(p.GEOM_PLANE, physicsClientId=client), physicsClientId=client)
    p.changeDynamics(floor, -1, lateralFriction=0.9, physicsClientId=client)
    bp, bq, v, w = _walk_state(0.3)
    rd = Ragdoll(p, client, RIG, bp[0], bq[0], v, w)
    for link in range(-1, RIG.num_bones - 1):
        p.changeDynamics(rd.body, link, lateralFriction=0.8, physicsClientId=client)
    for _ in range(3 * 240):
        p.stepSimulation(physicsClientId=client)
    pos, quat, vel, _ = rd.state()
    assert pos[RIG.index("neck"), 2] < 0.5
    assert np.linalg.norm(vel, axis=1).max() < 0.05
    assert np.isfinite(pos).all()
    # it lies on the floor, not in it
    assert RIG.z_range(pos, quat)[0] > -0.01


def test_spherical_limits_hold_in_a_fall(client):
    """Joint ranges are respected while the body crumples (no knee bending forwards)."""
    p.setGravity(0, 0, -9.81, physicsClientId=client)
    p.createMultiBody(0, p.createCollisionShape(p.GEOM_PLANE, physicsClientId=client), physicsClientId=client)
    bp, bq = RIG.rest_pose()
    rd = Ragdoll(p, client, RIG, bp + [0, 0, 0.02], bq)
    knee = RIG.index("right_knee")
    for _ in range(2 * 240):
        p.stepSimulation(physicsClientId=client)
        angle = p.getJointState(rd.body, knee - 1, physicsClientId=client)[0]
        assert RIG.joints[knee].lower - 0.1 < angle < RIG.joints[knee].upper + 0.1
    _, quat, _, _ = rd.state()
    shin = qrot(quat[knee], np.array([0, 0, -1.0]))
    assert np.isfinite(shin).all()
