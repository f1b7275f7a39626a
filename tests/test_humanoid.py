"""People in the simulation: strikes, going limp, attachments (physics against expectations)."""

import numpy as np
import pytest

from physreel.assembly import build
from physreel.assets.mannequin import mannequin
from physreel.assets.mocap import load_clip
from physreel.assets.motion import MotionPlan, Segment
from physreel.physics.controllers import controllers_for
from physreel.physics.humanoid import HumanoidController
from physreel.physics.world import World
from physreel.quaternions import qangle, qconj, qmul, qrot
from physreel.scene.loader import load_scene_data

RIG = mannequin(1.75, 70.0)


class Harness:
    """A World of a scene (people included), stepped by hand."""

    def __init__(self, objects, actions=(), gravity=(0, 0, -9.81)):
        self.scene = load_scene_data({"duration": 5, "gravity": list(gravity), "objects": list(objects),
                                      "actions": list(actions)})
        self.world = World(build(self.scene))
        self.world.controllers = controllers_for(self.scene)
        for c in self.world.controllers:
            c.setup(self.world)
        self.people = next(c for c in self.world.controllers if isinstance(c, HumanoidController))

    def run(self, seconds, each=None):
        for _ in range(int(round(seconds / self.world.dt))):
            if each is not None:
                each(self)
            self.world.step()

    def events(self, kind):
        return [e for e in self.world.events if e["type"] == kind]

    def close(self):
        for c in self.world.controllers:
            c.finish(self.world)
        self.world.close()


def _person(name, clips=(), position=(0, 0, 0), yaw=0.0, ragdoll_above=None):
    o = {"name": name, "shape": {"type": "humanoid", "height": 1.75}, "mass": 70.0,
         "position": list(position), "rotation": [0, 0, yaw],
         "motion": [{"clip": c, "start": s} for c, s in clips]}
    if ragdoll_above is not None:
        o["ragdoll"] = {"on_impact_above": ragdoll_above}
    return o


def _ball(name, radius, mass, position, velocity=(0, 0, 0), **kw):
    return {"name": name, "shape": {"type": "sphere", "radius": radius}, "mass": mass, "material": "rubber",
            "position": list(position), "velocity": list(velocity), **kw}


def _helmet(break_force=300.0):
    return {"name": "helmet", "shape": {"type": "sphere", "radius": 0.13}, "mass": 0.5,
            "attach": {"to": "bob", "bone": "head", "offset": [0, 0, 0.05], "break_force": break_force}}


def _peak(clip, point):
    """Time, position and velocity of a point at its fastest in a clip."""
    plan = MotionPlan(RIG, [Segment(load_clip(clip))], np.zeros(3), 0.0)
    t = np.arange(0, load_clip(clip).duration, 1 / 240)
    bp, bq = RIG.forward(*plan.sample(t))
    x = RIG.point_positions([point], bp, bq)[:, 0]
    v = np.diff(x, axis=0) * 240
    i = int(np.argmax(np.linalg.norm(v, axis=1)))
    return t[i], x[i], v[i]


@pytest.mark.parametrize("clip,point,part", [("punch", "right_hand", "right_hand"),
                                             ("kick", "right_foot", "right_foot")])
def test_strike_sends_a_light_ball_off_faster_than_the_limb(clip, point, part):
    """Sports biomechanics: a football leaves a kick (or punch) at 1.1-1.6 x the limb's speed."""
    _, x, v = _peak(clip, point)
    ball_at = x + v / np.linalg.norm(v) * 0.14  # in the limb's path, just ahead of its fastest point
    h = Harness([_person("alice", [(clip, 0.0)]), _ball("ball", 0.11, 0.43, ball_at)], gravity=(0, 0, 0))
    w = h.world
    limb = w.by_name[f"alice.{part}"]
    ball_id = w.by_name["ball"].body_id
    seen = {}

    def watch(h):
        if "speed" in seen:
            return
        cps = w.p.getClosestPoints(limb.body_id, ball_id, distance=0.05, physicsClientId=w.client)
        if cps:
            lin, ang = w.p.getBaseVelocity(limb.body_id, physicsClientId=w.client)
            origin = np.asarray(w.p.getBasePositionAndOrientation(limb.body_id, physicsClientId=w.client)[0])
            point_v = np.asarray(lin) + np.cross(ang, np.asarray(cps[0][5]) - origin)
            seen["speed"] = float(np.linalg.norm(point_v))

    h.run(1.5, watch)
    ball_speed = float(np.linalg.norm(w.p.getBaseVelocity(ball_id, physicsClientId=w.client)[0]))
    hits = [e for e in h.events("impact") if "ball" in e["objects"]]
    h.close()
    ratio = ball_speed / seen["speed"]
    assert 1.1 <= ratio <= 1.6, (ball_speed, seen["speed"])
    assert any(f"alice.{part}" in e["objects"] for e in hits)  # impacts name the body part


def test_a_hard_blow_knocks_a_person_down_and_a_bystander_stays_up():
    rock = _ball("rock", 0.12, 5.0, (1.5, 0, 1.4), (-7.0, 0, 1.0))
    h = Harness([_person("alice", ragdoll_above=15.0), _person("bob", position=(0, 3, 0), ragdoll_above=15.0),
                 rock])
    h.run(4.0)
    head = RIG.index("neck")
    alice, _ = h.people.bone_poses(h.world, "alice")
    bob, _ = h.people.bone_poses(h.world, "bob")
    state = h.world.state()
    ev = h.events("ragdoll")
    h.close()
    assert len(ev) == 1 and ev[0]["object"] == "alice" and ev[0]["cause"] == "impact"
    assert ev[0]["by"] == "rock" and ev[0]["impulse"] > 15.0
    assert ev[0]["part"] in ("alice.chest", "alice.head", "alice")
    assert ev[0]["time"] < 0.3
    assert alice[head, 2] < 0.5  # the fallen person's head is near the floor...
    speeds = [np.linalg.norm(v) for n, (_, _, v, _) in state.items() if n.split(".")[0] == "alice"]
    assert max(speeds) < 0.05  # ...and at rest
    assert bob[head, 2] > 1.4  # the person nobody hit stays up


def test_light_touch_does_not_knock_down():
    pebble = _ball("pebble", 0.03, 0.05, (1.0, 0, 1.3), (-4.0, 0, 1.0))
    h = Harness([_person("alice", ragdoll_above=15.0), pebble])
    h.run(1.0)
    assert not h.events("ragdoll")
    h.close()


def test_ragdoll_action_on_cue():
    h = Harness([_person("alice", [("walk", 0.0)])], [{"time": 0.5, "type": "ragdoll", "object": "alice"}])
    h.run(3.5)
    ev = h.events("ragdoll")
    pos, _ = h.people.bone_poses(h.world, "alice")
    h.close()
    assert len(ev) == 1 and ev[0]["cause"] == "action" and abs(ev[0]["time"] - 0.5) < 1e-9
    assert pos[RIG.index("neck"), 2] < 0.5


def test_attached_helmet_follows_the_head_within_a_centimetre():
    offset = np.array([0.0, 0.0, 0.05])
    h = Harness([_person("bob", [("dance_a", 0.0)]), _helmet()])
    head_bone, head_point = RIG.points["head"]
    worst, turns = 0.0, []
    for _ in range(2 * 24):
        h.run(1 / 24)
        pos, quat = h.people.bone_poses(h.world, "bob")
        want = pos[head_bone] + qrot(quat[head_bone], head_point + offset)
        got = h.world.state()["helmet"][0]
        worst = max(worst, float(np.linalg.norm(got - want)))
        turns.append(qmul(qconj(quat[RIG.index("chest")]), quat[head_bone]))
    h.close()
    assert worst < 0.01
    turns = np.array(turns)
    assert qangle(qmul(turns[:, None], qconj(turns[None]))).max() > np.radians(10)  # the head moved


def test_helmet_knocked_off_above_its_break_force():
    z = RIG.rest_root_height + 0.46 * RIG.clip_scale + 0.22
    h = Harness([_person("bob"), _helmet(), _ball("ball", 0.11, 0.43, (1.2, 0, z), (-12.0, 0, 1.0))])
    h.run(2.5)
    ev = h.events("detach")
    helmet_z = h.world.state()["helmet"][0][2]
    head_z = h.people.bone_poses(h.world, "bob")[0][RIG.index("neck"), 2]
    h.close()
    assert len(ev) == 1 and ev[0]["object"] == "helmet" and ev[0]["from"] == "bob"
    assert ev[0]["force"] > 300.0
    assert helmet_z < 0.2  # it fell to the floor
    assert head_z > 1.4  # the wearer is still standing
