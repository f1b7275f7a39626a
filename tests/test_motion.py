"""Mocap playback on a rig: placement, cross-fades, speed, holding."""

import numpy as np

from physreel.assets.mannequin import mannequin
from physreel.assets.mocap import load_clip
from physreel.assets.motion import MotionPlan, Segment
from physreel.quaternions import qangle, qconj, qmul, yaw_of

RIG = mannequin(1.8, 75.0)
DT = 1 / 240


def test_starts_where_and_facing_how_the_scene_says():
    plan = MotionPlan(RIG, [Segment(load_clip("walk"))], np.array([2.0, -1.0, 0.0]), np.radians(90))
    pos, quat, _ = plan.sample(np.array([0.0, 2.0]))
    assert np.allclose(pos[0, :2], [2.0, -1.0], atol=1e-9)
    assert np.isclose(yaw_of(quat[0]), np.radians(90), atol=1e-9)
    # facing +y, the walk goes +y; clip strides scale with the rig (1.8 m is taller than 1.63 m)
    assert pos[1, 1] - pos[0, 1] > 2.0 * 0.98 * RIG.clip_scale * 0.9
    assert abs(pos[1, 0] - 2.0) < 0.1


def test_standing_still_without_motion():
    plan = MotionPlan(RIG, [], np.array([0.5, 0.5, 0.0]), 0.0)
    pos, quat, local = plan.sample(np.array([0.0, 1.0]))
    bp, bq = RIG.forward(pos[1], quat[1], local[1])
    assert abs(RIG.z_range(bp, bq)[0]) < 1e-9
    assert np.allclose(pos[0], pos[1])


def _bones(plan, t):
    return RIG.forward(*plan.sample(t))


def test_cross_fade_is_continuous_and_reaches_the_new_clip():
    walk, kick = load_clip("walk"), load_clip("kick")
    plan = MotionPlan(RIG, [Segment(walk, 0.0, 1.0), Segment(kick, 1.0, blend=0.25)], np.zeros(3), 0.0)
    t = np.arange(0.5, 1.6, DT)
    bp, _ = _bones(plan, t)
    jump = np.linalg.norm(np.diff(bp, axis=0), axis=-1).max()
    assert jump < 0.06  # m per 1/240 s step: no teleporting limbs (12 m/s at most)
    # after the fade the pose is the kick's, placed where the walk was at 1.0 s
    alone = MotionPlan(RIG, [Segment(kick)], np.zeros(3), 0.0)
    _, _, local = plan.sample(np.array([1.4]))
    _, _, local_k = alone.sample(np.array([0.4]))
    assert qangle(qmul(local[0], qconj(local_k[0]))).max() < 1e-9
    pos_walk, _, _ = MotionPlan(RIG, [Segment(walk)], np.zeros(3), 0.0).sample(np.array([1.0]))
    pos_plan, _, _ = plan.sample(np.array([1.0]))
    assert np.allclose(pos_walk[0, :2], pos_plan[0, :2], atol=1e-9)


def test_speed_scales_time():
    walk = load_clip("walk")
    slow = MotionPlan(RIG, [Segment(walk)], np.zeros(3), 0.0)
    fast = MotionPlan(RIG, [Segment(walk, speed=2.0)], np.zeros(3), 0.0)
    p_fast, _, l_fast = fast.sample(np.array([0.7]))
    p_slow, _, l_slow = slow.sample(np.array([1.4]))
    assert np.allclose(p_fast, p_slow) and np.allclose(l_fast, l_slow)


def test_until_freezes_the_last_clip():
    plan = MotionPlan(RIG, [Segment(load_clip("walk"), 0.0, until=0.8)], np.zeros(3), 0.0)
    a = plan.sample(np.array([0.8]))
    b = plan.sample(np.array([3.0]))
    assert all(np.allclose(x, y) for x, y in zip(a, b, strict=True))
    assert plan.end == 0.8
