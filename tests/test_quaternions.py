"""Batched quaternion arithmetic against rotation matrices."""

import numpy as np

from physreel.quaternions import (
    angular_velocity,
    qangle,
    qbetween,
    qconj,
    qfrom_axis_angle,
    qfrom_matrix,
    qfrom_rotvec,
    qmul,
    qnormalize,
    qrot,
    qslerp,
    qto_matrix,
    qto_rotvec,
    qyaw,
    yaw_of,
)


def _random(n, seed=0):
    return qnormalize(np.random.default_rng(seed).normal(size=(n, 4)))


def test_product_is_matrix_product_and_rotation_matches():
    a, b = _random(50, 1), _random(50, 2)
    v = np.random.default_rng(3).normal(size=(50, 3))
    assert np.allclose(qto_matrix(qmul(a, b)), qto_matrix(a) @ qto_matrix(b), atol=1e-12)
    assert np.allclose(qrot(a, v), np.einsum("nij,nj->ni", qto_matrix(a), v), atol=1e-12)
    assert np.allclose(qrot(qmul(a, qconj(a)), v), v, atol=1e-12)


def test_matrix_and_rotvec_round_trips():
    q = _random(200, 4)
    back = qfrom_matrix(qto_matrix(q))
    assert np.allclose(np.abs(np.sum(back * q, axis=-1)), 1.0, atol=1e-10)
    r = np.random.default_rng(5).normal(size=(100, 3))
    r *= (np.pi * 0.99 / np.maximum(np.linalg.norm(r, axis=-1), np.pi))[:, None]  # |r| < pi
    assert np.allclose(qto_rotvec(qfrom_rotvec(r)), r, atol=1e-10)
    q = qfrom_axis_angle(np.array([0.0, 0.0, 1.0]), 0.3)
    assert np.isclose(qangle(q), 0.3)


def test_slerp_endpoints_and_constant_speed():
    a = qfrom_axis_angle(np.array([1.0, 0, 0]), 0.2)
    b = qfrom_axis_angle(np.array([1.0, 0, 0]), 1.4)
    ts = np.linspace(0, 1, 7)
    qs = qslerp(a, b, ts)
    angles = qto_rotvec(qs)[:, 0]
    assert np.allclose(angles, 0.2 + 1.2 * ts, atol=1e-12)
    # the short way round, whatever the sign of b
    assert np.allclose(qangle(qmul(qslerp(a, -b, 0.5), qconj(qslerp(a, b, 0.5)))), 0, atol=1e-9)


def test_between_yaw_and_angular_velocity():
    u = np.random.default_rng(6).normal(size=(20, 3))
    v = np.random.default_rng(7).normal(size=(20, 3))
    q = qbetween(u, v)
    got = qrot(q, u)
    assert np.allclose(got / np.linalg.norm(got, axis=-1, keepdims=True),
                       v / np.linalg.norm(v, axis=-1, keepdims=True), atol=1e-10)
    assert np.allclose(qrot(qbetween([1.0, 0, 0], [-1.0, 0, 0]), [1.0, 0, 0]), [-1, 0, 0], atol=1e-12)
    assert np.isclose(yaw_of(qyaw(2.0)), 2.0)
    w = np.array([0.3, -1.2, 2.0])
    q0 = _random(1, 8)[0]
    q1 = qmul(qfrom_rotvec(w * 0.01), q0)
    assert np.allclose(angular_velocity(q0, q1, 0.01), w, atol=1e-10)
