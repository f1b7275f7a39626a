"""People: the cost of mocap playback per physics step per person, against pybullet's own
DeepMimic humanoid playing the same clip kinematically (side by side, same machine); the cost
of a limp body (ragdoll) per step; linear blend skinning per frame.

    python benchmarks/bench_people.py [PEOPLE] [SECONDS]

physreel: ``simulate`` of a scene with PEOPLE walking mannequins, minus the same scene
without them (the floor alone), divided by steps and people.  Peer: pybullet_envs'
``HumanoidStablePD`` kinematic model (``setSimTime``, ``computePose``, ``initializePose`` every
step, then ``stepSimulation``), one per person.  physreel's people collide and push what they
touch (the peer's kinematic model has collisions switched off).
"""

from __future__ import annotations

import sys
import time

import numpy as np


def physreel_ms(people: int, seconds: float) -> float:
    from physreel import build, simulate

    def scene(n):
        objs = [{"name": f"p{i}", "shape": {"type": "humanoid", "height": 1.75}, "position": [0, 1.2 * i, 0],
                 "motion": [{"clip": "walk"}]} for i in range(n)]
        return {"duration": seconds, "fps": 24, "objects": objs or [{"name": "b", "shape": {"type": "box", "size": [1, 1, 1]},
                                                                         "static": True, "position": [0, -5, 0.5]}]}

    times = []
    for n in (0, people):
        a = build(scene(n))
        t = time.perf_counter()
        simulate(a)
        times.append(time.perf_counter() - t)
    steps = seconds * 240
    return 1000 * (times[1] - times[0]) / steps / people


def peer_ms(people: int, seconds: float) -> float:
    import contextlib
    import importlib.util
    import io
    import types

    import pybullet as p
    import pybullet_data

    if "pybullet_envs" not in sys.modules:  # its __init__ needs gym, which this code does not use
        pkg = types.ModuleType("pybullet_envs")
        pkg.__path__ = list(importlib.util.find_spec("pybullet_envs").submodule_search_locations)
        sys.modules["pybullet_envs"] = pkg
    from pybullet_envs.deep_mimic.env.humanoid_stable_pd import HumanoidStablePD
    from pybullet_envs.deep_mimic.env.motion_capture_data import MotionCaptureData
    from pybullet_utils import bullet_client

    client = bullet_client.BulletClient(connection_mode=p.DIRECT)
    client.setAdditionalSearchPath(pybullet_data.getDataPath())
    client.setTimeStep(1 / 240)
    mocap = MotionCaptureData()
    mocap.Load(pybullet_data.getDataPath() + "/data/motions/humanoid3d_walk.txt")
    with contextlib.redirect_stdout(io.StringIO()):  # it prints while loading
        models = [HumanoidStablePD(client, mocap, 1 / 240, False) for _ in range(people)]
    steps = int(seconds * 240)
    base = time.perf_counter()
    for _ in range(steps):
        client.stepSimulation()
    empty = time.perf_counter() - base
    t = time.perf_counter()
    for k in range(steps):
        for h in models:
            h.setSimTime(k / 240)
            h.computePose(h._frameFraction)
            h.initializePose(h._poseInterpolator, h._kin_model, initBase=True)
        client.stepSimulation()
    dt = time.perf_counter() - t - empty
    client.disconnect()
    return 1000 * dt / steps / people


def ragdoll_ms(seconds: float = 2.0) -> float:
    from physreel import build, simulate

    def scene(limp):
        return {"duration": seconds, "objects": [{"name": "p", "shape": {"type": "humanoid"}}],
                "actions": [{"time": 0.0, "type": "ragdoll", "object": "p"}] if limp else []}

    times = []
    for limp in (False, True):
        a = build(scene(limp))
        t = time.perf_counter()
        simulate(a)
        times.append(time.perf_counter() - t)
    return 1000 * (times[1] - times[0]) / (seconds * 240)


def skinning_ms() -> tuple[float, int]:
    from pathlib import Path

    from physreel.assets.skinned import skinned_person

    person = skinned_person(Path(__file__).resolve().parents[1] / "assets" / "CesiumMan.glb", 1.75, 70)
    pos, quat = person.rig.forward(person.skin.rest_positions[0], np.array([0, 0, 0, 1.0]), person.rig.rest)
    n = 200
    t = time.perf_counter()
    for _ in range(n):
        person.skin.deform(pos, quat)
    return 1000 * (time.perf_counter() - t) / n, len(person.skin.vertices)


def main() -> None:
    people = int(sys.argv[1]) if len(sys.argv) > 1 else 4
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 5.0
    ours = physreel_ms(people, seconds)
    peer = peer_ms(people, seconds)
    print(f"mocap playback, {people} people walking for {seconds:g} s at 240 Hz:")
    print(f"  physreel (colliding parts that push): {ours:.3f} ms per step per person")
    print(f"  pybullet DeepMimic kinematic model:   {peer:.3f} ms per step per person")
    print(f"  ratio peer / physreel: {peer / ours:.2f}")
    print(f"limp body (ragdoll), awake: {ragdoll_ms():.3f} ms per step")
    ms, v = skinning_ms()
    print(f"linear blend skinning: {ms:.2f} ms per frame ({v} vertices)")


if __name__ == "__main__":
    main()
