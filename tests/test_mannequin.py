"""The mannequin rig: size, mass, proportions, named points."""

import numpy as np
import pytest

from physreel.assets.mannequin import default_mass, mannequin, reference
from physreel.quaternions import IDENTITY


@pytest.mark.parametrize("height", [1.2, 1.7, 1.95])
def test_height_and_mass(height):
    rig = mannequin(height, 80.0)
    pos, quat = rig.rest_pose()
    lo, hi = rig.z_range(pos, quat)
    assert abs(lo) < 1e-9 and abs(hi - height) < 1e-9  # soles on the floor, crown at the height
    assert np.isclose(rig.mass, 80.0) and (rig.masses > 0).all()
    assert np.isclose(rig.clip_scale, height / reference().height)
    # Dempster/Winter segment fractions: a thigh is 10 %, the trunk (chest + pelvis) ~ 50 %
    assert np.isclose(rig.masses[rig.index("right_thigh")], 8.0)
    trunk = rig.masses[rig.index("chest")] + rig.masses[rig.index("pelvis")]
    assert np.isclose(trunk / 80.0, 0.497)


def test_default_mass_is_a_plain_body_mass_index():
    assert np.isclose(mannequin(1.72).mass, default_mass(1.72))
    assert 60 < default_mass(1.72) < 70


def test_left_and_right_mirror():
    rig = mannequin(1.75)
    pos, _ = rig.rest_pose()
    for side in ("hip", "knee", "ankle", "shoulder", "elbow", "wrist"):
        r, lft = pos[rig.index("right_" + side)], pos[rig.index("left_" + side)]
        assert r[1] < 0 < lft[1]
        assert np.allclose(r * [1, -1, 1], lft)
    assert np.allclose(rig.inertias[rig.index("right_shin")], rig.inertias[rig.index("left_shin")])


def test_points_lie_inside_the_body():
    """Keypoints sit inside a body part, so they project inside the person's silhouette."""
    rig = mannequin(1.75)
    pos, quat = rig.rest_pose()
    for name, (bone, local) in rig.points.items():
        inside = False
        for s in rig.shapes[bone]:
            d = local - s.position
            if s.kind == "capsule":
                r, a = s.size
                from physreel.quaternions import qconj, qrot

                d = qrot(qconj(s.quaternion), d)
                d[2] = max(abs(d[2]) - a / 2, 0.0)
                inside |= np.linalg.norm(d) < r
            elif s.kind == "sphere":
                inside |= np.linalg.norm(d) < s.size[0]
            else:
                inside |= bool((np.abs(d) < np.asarray(s.size)).all())
        # joint centres of limbs sit at the end of their part: inside the parent's or own shape
        if not inside and rig.parents[bone] >= 0:
            parent = rig.parents[bone]
            world = pos[bone] + local
            for s in rig.shapes[parent]:
                from physreel.quaternions import qconj, qrot

                d = qrot(qconj(s.quaternion), world - pos[parent] - s.position)
                if s.kind == "capsule":
                    r, a = s.size
                    d[2] = max(abs(d[2]) - a / 2, 0.0)
                    inside |= np.linalg.norm(d) < r
        assert inside, name


def test_forward_kinematics_chains_offsets():
    rig = mannequin(1.75)
    local = np.tile(IDENTITY, (rig.num_bones, 1))
    pos, quat = rig.forward(np.array([1.0, 2.0, 0.9]), IDENTITY, local)
    wrist = rig.index("right_wrist")
    chain = [wrist]
    while rig.parents[chain[-1]] >= 0:
        chain.append(rig.parents[chain[-1]])
    assert np.allclose(pos[wrist], [1.0, 2.0, 0.9] + rig.offsets[chain].sum(0))
    # bending the right elbow by 90 degrees puts the forearm forward (+x)
    from physreel.quaternions import qfrom_axis_angle

    local[rig.index("right_elbow")] = qfrom_axis_angle(np.array([0.0, -1.0, 0.0]), np.pi / 2)
    pos2, _ = rig.forward(np.zeros(3), IDENTITY, local)
    fore = pos2[wrist] - pos2[rig.index("right_elbow")]
    assert fore[0] > 0.2 and abs(fore[2]) < 1e-9
