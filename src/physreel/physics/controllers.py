"""The controllers a scene needs, in the order they run around each physics step.

0. people (mocap playback, ragdoll, attachments: poses and velocities before the step),
1. actions and kinematic objects (set poses, velocities, forces before the step),
2. joints (motor, limit and spring forces before the step), ropes (tether forces),
3. the impact/rest recorder (snapshots the pre-step state last, reads contacts after),
4. breaking (reads the recorder's impulses after the step).
"""

from __future__ import annotations

from ..scene.models import Scene
from .actions import ActionController
from .breaking import BreakController
from .events import ImpactRecorder
from .joints import JointController
from .ropes import RopeController
from .world import Controller


def controllers_for(scene: Scene) -> list[Controller]:
    """Controllers for ``scene``: always the event recorder; the others when the scene uses
    actions, kinematic objects, joints or breakable objects."""
    out: list[Controller] = []
    held = {a.object for a in scene.actions if a.type == "release"}
    kinematic = {o.name for o in scene.objects if o.kinematic is not None}
    people = [o.name for o in scene.objects if o.shape.type == "humanoid"]
    recorder = ImpactRecorder(skip_rest=held | kinematic | set(people))
    if people:
        from .humanoid import HumanoidController

        out.append(HumanoidController(recorder))
    if scene.actions or kinematic:
        out.append(ActionController(recorder))
    if scene.joints:
        out.append(JointController())
    if any(o.shape.type == "rope" for o in scene.objects):
        out.append(RopeController())
    out.append(recorder)
    if any(o.breakable is not None for o in scene.objects):
        out.append(BreakController(recorder))
    return out
