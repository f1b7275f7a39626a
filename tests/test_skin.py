"""The glTF skin reader, linear blend skinning and skinned people (against geometry)."""

from pathlib import Path

import numpy as np
import pytest
import trimesh

from physreel.assets.gltf_skin import read_skin
from physreel.assets.mocap import load_clip
from physreel.assets.motion import MotionPlan, Segment
from physreel.assets.skinned import skinned_person
from physreel.errors import AssetError
from physreel.quaternions import qfrom_axis_angle, qto_matrix

ASSETS = Path(__file__).resolve().parents[1] / "assets"
MAN = ASSETS / "CesiumMan.glb"
SIMPLE = ASSETS / "RiggedSimple.glb"


def test_reader_gets_skin_joints_weights_and_bind_matrices():
    s = read_skin(MAN)
    assert s.positions.shape == (3273, 3) and s.joints.shape == (3273, 4)
    assert len(s.joint_names) == 19 and s.inverse_bind.shape == (19, 4, 4)
    assert np.allclose(s.weights.sum(axis=1), 1.0)
    assert (s.joint_parents[1:] >= 0).all() and s.joint_parents[0] == -1
    assert s.texture[:4] == b"\x89PNG"
    # Skinned with the joints' default pose, the mesh is where trimesh puts the bind pose.
    rest = s.skin(s.rest_globals)
    ref = trimesh.load(MAN, force="mesh")
    assert np.allclose(np.sort(rest, axis=0), np.sort(np.asarray(ref.vertices), axis=0), atol=1e-5)
    # G * IBM is the same matrix (the bind) for every joint of this file
    bind = s.rest_globals @ s.inverse_bind
    assert np.allclose(bind, bind[0], atol=1e-5)


def test_skinning_a_bent_chain_moves_vertices_by_their_weights():
    """RiggedSimple: a 10 m cylinder on 4 joints; bending joint 2 by 90 degrees moves the
    vertices bound only to joints 2-3 rigidly, and leaves those bound to joints 0-1 alone."""
    s = read_skin(SIMPLE)
    assert len(s.joint_names) == 4
    g = s.rest_globals.copy()
    rot = np.eye(4)
    rot[:3, :3] = qto_matrix(qfrom_axis_angle(np.array([0.0, 0, 1]), np.pi / 2))
    pivot = g[2, :3, 3].copy()
    move = np.eye(4)
    move[:3, 3] = pivot
    bend = move @ rot @ np.linalg.inv(move)
    g[2] = bend @ g[2]
    g[3] = bend @ g[3]
    v0 = s.skin(s.rest_globals)
    v1 = s.skin(g)
    w_moved = s.weights * np.isin(s.joints, [2, 3])
    only_upper = w_moved.sum(axis=1) > 1 - 1e-6
    only_lower = w_moved.sum(axis=1) < 1e-6
    assert only_upper.any() and only_lower.any()
    expect = (bend[:3, :3] @ v0[only_upper].T).T + bend[:3, 3]
    assert np.allclose(v1[only_upper], expect, atol=1e-6)
    assert np.allclose(v1[only_lower], v0[only_lower], atol=1e-9)


def test_reader_errors(tmp_path):
    with pytest.raises(AssetError, match="no skinned mesh"):
        read_skin(ASSETS / "Duck.glb")
    bad = tmp_path / "x.glb"
    bad.write_bytes(b"not a gltf at all")
    with pytest.raises(AssetError):
        read_skin(bad)


def test_skinned_person_size_roles_and_body():
    p = skinned_person(MAN, 1.8, 75.0)
    rig, skin = p.rig, p.skin
    assert np.isclose(skin.vertices[:, 2].min(), 0.0) and np.isclose(skin.vertices[:, 2].max(), 1.8)
    assert np.isclose(rig.mass, 75.0) and (rig.masses > 0).all()
    pos, _ = rig.rest_pose()
    r = p.roles
    # facing +x: the toes are in front of the ankles; left is +y
    assert pos[r["left_toe"], 0] > pos[r["left_ankle"], 0] + 0.02
    assert pos[r["left_hip"], 1] > 0 > pos[r["right_hip"], 1]
    assert pos[r["left_shoulder"], 1] > 0 > pos[r["right_shoulder"], 1]
    # what collides is what is drawn: the capsules cover the mesh's extent within a few cm
    bp, bq = rig.forward(skin.rest_positions[0], np.array([0.0, 0, 0, 1]), rig.rest)
    lo, hi = rig.z_range(bp, bq)
    assert abs(lo) < 0.03 and abs(hi - 1.8) < 0.12
    # segment masses follow the body's proportions (a thigh ~10 %)
    assert 0.07 < rig.masses[r["left_hip"]] / 75.0 < 0.13


def test_skinning_at_rest_is_the_mesh_and_feet_stay_near_the_floor_walking():
    p = skinned_person(MAN, 1.75, 70.0)
    rig, skin = p.rig, p.skin
    pos = skin.rest_positions
    quat = np.tile([0.0, 0, 0, 1], (rig.num_bones, 1))
    assert np.allclose(skin.deform(pos, quat), skin.vertices, atol=1e-12)
    plan = MotionPlan(rig, [Segment(load_clip("walk"))], np.zeros(3), 0.0, p.mapper)
    t = np.arange(0.0, 2.6, 1 / 24)
    bp, bq = rig.forward(*plan.sample(t))
    low = np.array([skin.deform(bp[i], bq[i])[:, 2].min() for i in range(len(t))])
    assert np.abs(np.median(low)) < 0.03 and low.min() > -0.06
    # the character walks forward like the clip (about 1 m/s, scaled by leg length)
    assert 1.6 < bp[-1, 0, 0] - bp[0, 0, 0] < 3.0
