"""The DeepMimic clip reader: layout, Z-up conversion, interpolation, loops."""

import json

import numpy as np
import pytest

from physreel.assets.mannequin import reference
from physreel.assets.mocap import BUILTIN_CLIPS, JOINTS, clip_path, load_clip
from physreel.errors import AssetError
from physreel.quaternions import qangle, qconj, qmul, qrot


def _raw(name):
    return np.asarray(json.loads(clip_path(name).read_text())["Frames"], dtype=np.float64)


@pytest.mark.parametrize("name", BUILTIN_CLIPS)
def test_every_builtin_clip_loads(name):
    c = load_clip(name)
    raw = _raw(name)
    assert c.rotations.shape == (len(raw), len(JOINTS), 4)
    assert np.isclose(c.duration, raw[:-1, 0].sum())
    assert np.allclose(np.linalg.norm(c.rotations, axis=-1), 1.0)


def test_conversion_to_z_up():
    c = load_clip("walk")
    raw = _raw("walk")
    # root position (x, y, z) -> (x, -z, y); root orientation w,x,y,z -> [x, -z, y, w]
    assert np.allclose(c.root_position[3], [raw[3, 1], -raw[3, 3], raw[3, 2]])
    w, x, y, z = raw[3, 4:8]
    q = np.array([x, -z, y, w]) / np.linalg.norm(raw[3, 4:8])
    assert np.allclose(c.root_quaternion[3], q)
    # a knee angle is a rotation about -y (DeepMimic's +z, the character's right)
    k = JOINTS.index("right_knee")
    half = raw[3, 20] / 2
    assert np.allclose(c.rotations[3, k], [0, -np.sin(half), 0, np.cos(half)])


def test_walk_goes_forward_upright_on_the_floor():
    c = load_clip("walk")
    t = np.linspace(0, c.duration, 200)
    pos, quat, rots = c.sample(t)
    speed = (pos[-1, 0] - pos[0, 0]) / c.duration
    assert 0.8 < speed < 1.2  # m/s, a walk
    assert np.abs(pos[:, 1]).max() < 0.05
    up = qrot(quat, np.array([0.0, 0.0, 1.0]))
    assert up[:, 2].min() > 0.95
    # on the clips' own skeleton the right leg is on the -y side and the soles touch z = 0
    rig = reference()
    idx = [rig.index(j) for j in JOINTS]
    local = np.tile(rig.rest, (len(t), 1, 1))
    local[:, idx] = rots
    bp, bq = rig.forward(pos, quat, local)
    assert (bp[:, rig.index("right_hip"), 1] < bp[:, rig.index("left_hip"), 1]).all()
    soles = np.array([rig.z_range(bp[i], bq[i])[0] for i in range(len(t))])
    assert abs(soles.min()) < 0.015 and abs(np.median(soles)) < 0.015


def test_key_frames_are_hit_and_interpolated():
    c = load_clip("punch")
    pos, quat, rots = c.sample(c.times[5])
    assert np.allclose(pos, c.root_position[5]) and np.allclose(rots, c.rotations[5])
    mid = (c.times[5] + c.times[6]) / 2
    pos, _, rots = c.sample(mid)
    assert np.allclose(pos, (c.root_position[5] + c.root_position[6]) / 2)
    # slerp half way: equal angles to both neighbours
    a = qangle(qmul(rots, qconj(c.rotations[5])))
    b = qangle(qmul(c.rotations[6], qconj(rots)))
    assert np.allclose(a, b, atol=1e-9)


def test_clip_that_does_not_loop_holds_its_last_pose():
    c = load_clip("kick")
    assert not c.loop
    p1, q1, r1 = c.sample(c.duration)
    p2, q2, r2 = c.sample(c.duration + 3.0)
    assert np.allclose(p1, p2) and np.allclose(r1, r2)


def test_loop_advances_the_root_and_joins_smoothly():
    c = load_clip("walk")
    assert c.loop
    step = c.root_position[-1, :2] - c.root_position[0, :2]
    for n in (1, 3):
        p0, _, _ = c.sample(0.1)
        pn, _, _ = c.sample(0.1 + n * c.duration)
        assert np.allclose(pn[:2] - p0[:2], n * step, atol=1e-9)
    # across the cycle boundary no joint jumps (the raw loop is 28 degrees off at a shoulder)
    dt = 1 / 240
    t = np.arange(c.duration - 0.05, c.duration + 0.05, dt)
    _, quat, rots = c.sample(t)
    per_step = qangle(qmul(rots[1:], qconj(rots[:-1])))
    assert per_step.max() < np.radians(4)
    assert qangle(qmul(quat[1:], qconj(quat[:-1]))).max() < np.radians(2)
    # every cycle starts facing the same way: walking on, the person walks straight
    far, _, _ = c.sample(10 * c.duration)
    assert abs(far[1] - c.root_position[0, 1]) < 1e-6


def test_clip_file_by_path_and_errors(tmp_path):
    src = clip_path("walk")
    mine = tmp_path / "my_walk.txt"
    mine.write_text(src.read_text())
    c = load_clip(str(mine))
    assert c.name == "my_walk" and np.allclose(c.rotations, load_clip("walk").rotations)
    with pytest.raises(AssetError, match="not a built-in clip"):
        load_clip("moonwalk")
    bad = tmp_path / "bad.txt"
    bad.write_text(json.dumps({"Loop": "wrap", "Frames": [[0.1, 1, 2], [0.1, 1, 2]]}))
    with pytest.raises(AssetError, match="44 numbers"):
        load_clip(str(bad))
    bad.write_text("not json")
    with pytest.raises(AssetError, match="not a DeepMimic motion file"):
        load_clip(str(bad))
