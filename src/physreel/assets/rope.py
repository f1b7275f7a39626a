"""Geometry of ropes: the path of their links at t = 0 and the capsule of one link.

A rope of length ``L`` from ``start`` to ``end`` (distance ``d``) is ``n`` capsule links of
length ``L / n`` whose hemispherical ends meet at the joints.  When ``L > d`` it starts
sagging: the joints lie on a parabola below the straight line (in the vertical plane through
it; sideways for a vertical rope) whose arc length is ``L``.
"""

from __future__ import annotations

import math

import numpy as np

from ..scene.models import Capsule
from .primitives import Geometry, primitive_geometry

LINK_LENGTH = 0.04
"""m; default length of one link (at most 40 links)."""


def link_count(length: float, segments: int | None) -> int:
    """Number of links of a rope of ``length`` m."""
    return segments if segments is not None else int(min(40, max(2, math.ceil(length / LINK_LENGTH))))


def rope_path(start, end, length: float, n: int) -> np.ndarray:
    """Joint points (n + 1, 3) of a rope of ``length`` m with ``n`` equal links, in metres."""
    a, b = np.asarray(start, dtype=np.float64), np.asarray(end, dtype=np.float64)
    chord = b - a
    d = float(np.linalg.norm(chord))
    u = np.linspace(0.0, 1.0, 401)
    down = np.array([0.0, 0.0, -1.0])
    if d > 1e-9:
        side = down - (down @ chord) / (d * d) * chord
        side = side / np.linalg.norm(side) if np.linalg.norm(side) > 1e-9 else np.array([1.0, 0.0, 0.0])
    else:
        side = np.array([1.0, 0.0, 0.0])

    def curve(sag: float) -> np.ndarray:
        return a + np.outer(u, chord) + np.outer(4 * sag * u * (1 - u), side)

    def arc(points: np.ndarray) -> np.ndarray:
        return np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(points, axis=0), axis=1))])

    def joints(sag: float) -> np.ndarray:  # n + 1 points at equal arc length along the curve
        points = curve(sag)
        s = arc(points)
        targets = np.linspace(0.0, s[-1], n + 1)
        return np.stack([np.interp(targets, s, points[:, k]) for k in range(3)], axis=1)

    lo, hi = 0.0, max(length, 1e-6)
    for _ in range(60):  # the sag that makes the links' total length the rope's length
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if arc(joints(mid))[-1] < length else (lo, mid)
    return joints(0.5 * (lo + hi))


def link_geometry(link_length: float, radius: float) -> Geometry:
    """A capsule along Z, ``link_length`` between its hemisphere centres (the joints)."""
    return primitive_geometry(Capsule(radius=radius, height=link_length + 2 * radius))


def link_pose(p0: np.ndarray, p1: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Centre (3,) and quaternion (4,) of a link from joint ``p0`` to joint ``p1`` (its Z axis
    along ``p1 - p0``)."""
    z = np.array([0.0, 0.0, 1.0])
    d = (p1 - p0) / max(np.linalg.norm(p1 - p0), 1e-12)
    axis = np.cross(z, d)
    s, c = float(np.linalg.norm(axis)), float(z @ d)
    if s < 1e-9:
        q = np.array([0.0, 0.0, 0.0, 1.0]) if c > 0 else np.array([1.0, 0.0, 0.0, 0.0])
    else:
        half = math.atan2(s, c) / 2
        q = np.concatenate([axis / s * math.sin(half), [math.cos(half)]])
    return 0.5 * (p0 + p1), q
