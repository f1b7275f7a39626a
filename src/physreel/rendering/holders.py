"""What holds things: the strings, rods and springs of joints, drawn (``joints[].visible``).

A ball or hinge joint whose anchor lies outside an object it joins (a Newton's cradle ball 30
cm below its bar, a pendulum bob on a pivot) is drawn as a string from the anchor -- fixed in
the world, or moving with the other object -- to the centre of that object (the part inside
it is hidden by it); a spring as a line between its two points.  A fixed or slider joint, or
an anchor inside the object (a bar hinged at its end), draws nothing.  Ropes and chains are
objects of their own (``shape: rope``) and draw themselves.

Each holder is a cylinder of unit radius and length, posed every frame by a matrix that
stretches it between its two points, so it moves exactly with the objects: its motion
(flow) is exact too.  It belongs to the object it holds: its segmentation id is that object's
(a string is labelled as what hangs on it), and it disappears when the joint breaks or either
object is gone.  Thickness: 4 % of the held object's bounding radius, between 0.8 mm and 1 cm.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..colors import srgb_to_linear
from .surfaces import Surface

#: Look of a holder (sRGB colour, roughness, metallic): a dark thread or rod.
COLOR = (0.22, 0.21, 0.2)
ROUGHNESS, METALLIC = 0.55, 0.3
#: Cylinder segments around.
SEGMENTS = 10


@dataclass(frozen=True)
class Holder:
    """One drawn holder.

    Attributes
    ----------
    joint : int, index in ``scene.joints``
    body : int, index (in the trajectory's bodies) of the object whose centre one end follows
    body_point : (3,) float64, that end in the object's frame
    anchor_body : int or None, the body the other end moves with (None: fixed in the world)
    anchor_point : (3,) float64, that end in its body's frame (world when fixed)
    radius : float, metres
    seg_id : int, segmentation id (the held object's)
    broken_frame : int or None, first frame without it (the joint broke)
    """

    joint: int
    body: int
    body_point: np.ndarray
    anchor_body: int | None
    anchor_point: np.ndarray
    radius: float
    seg_id: int
    broken_frame: int | None


def _inside_box(geom, p_local: np.ndarray, margin: float) -> bool:
    pts = np.concatenate([np.asarray(m.vertices) for m in geom.visual]) if geom.visual else np.zeros((1, 3))
    lo, hi = pts.min(axis=0) - margin, pts.max(axis=0) + margin
    return bool(np.all(p_local >= lo) and np.all(p_local <= hi))


def _centre_radius(geom) -> tuple[np.ndarray, float]:
    pts = np.concatenate([np.asarray(m.vertices) for m in geom.visual]) if geom.visual else np.zeros((1, 3))
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    c = (lo + hi) / 2.0
    return c, float(np.linalg.norm(pts - c, axis=1).max())


def find_holders(assembly, trajectory) -> list[Holder]:
    """The holders of the scene's visible joints (see the module docstring)."""
    from ..transforms import pose_to_matrix

    scene = assembly.scene
    names = list(trajectory.names)
    out: list[Holder] = []
    breaks = {ev.get("joint"): ev["frame"] for ev in trajectory.events if ev.get("type") == "joint_break"}

    def frame0(i: int) -> np.ndarray:
        return pose_to_matrix(trajectory.position[0, i], trajectory.quaternion[0, i])

    for j, spec in enumerate(scene.joints):
        if not spec.visible or spec.type in ("fixed", "slider") or spec.a not in names:
            continue
        ia = names.index(spec.a)
        ib = names.index(spec.b) if spec.b is not None and spec.b in names else None
        if spec.b is not None and ib is None:
            continue
        ends = []  # (body, point in its frame, other body or None, other point)
        if spec.type == "spring":
            pa = np.asarray(spec.anchor if spec.anchor is not None else trajectory.position[0, ia], dtype=np.float64)
            pb = np.asarray(spec.anchor_b if spec.anchor_b is not None else trajectory.position[0, ib], dtype=np.float64)
            local_b = pb if ib is None else (np.linalg.inv(frame0(ib)) @ np.append(pb, 1.0))[:3]
            ends.append((ia, (np.linalg.inv(frame0(ia)) @ np.append(pa, 1.0))[:3], ib, local_b))
        else:
            anchor = np.asarray(spec.anchor, dtype=np.float64)
            for body, other in ((ia, ib), (ib, ia)):
                if body is None:
                    continue
                geom = assembly[names[body]].geometry if names[body] in assembly.objects else None
                if geom is None:
                    continue
                local = (np.linalg.inv(frame0(body)) @ np.append(anchor, 1.0))[:3]
                centre, radius = _centre_radius(geom)
                if _inside_box(geom, local, max(0.002, 0.05 * radius)):
                    continue  # the anchor is in the object: nothing shows
                other_local = anchor if other is None else (np.linalg.inv(frame0(other)) @ np.append(anchor, 1.0))[:3]
                ends.append((body, centre, other, other_local))
        for body, point, other, other_point in ends:
            geom = assembly[names[body]].geometry
            _, bound = _centre_radius(geom)
            out.append(Holder(j, body, np.asarray(point, dtype=np.float64), other,
                              np.asarray(other_point, dtype=np.float64),
                              float(np.clip(0.04 * bound, 0.0008, 0.01)), body + 2, breaks.get(j)))
    return out


def holder_poses(holders: list[Holder], poses: np.ndarray) -> np.ndarray:
    """(H, 4, 4) matrices taking the unit cylinder (radius 1, z from 0 to 1) onto each holder,
    given the bodies' poses (N, 4, 4) object -> world."""
    out = np.tile(np.eye(4), (len(holders), 1, 1))
    for k, h in enumerate(holders):
        p1 = poses[h.body, :3, :3] @ h.body_point + poses[h.body, :3, 3]
        p0 = h.anchor_point if h.anchor_body is None else \
            poses[h.anchor_body, :3, :3] @ h.anchor_point + poses[h.anchor_body, :3, 3]
        d = p1 - p0
        length = float(np.linalg.norm(d))
        z = d / length if length > 1e-9 else np.array([0.0, 0.0, 1.0])
        x = np.cross(z, [0.0, 0.0, 1.0] if abs(z[2]) < 0.9 else [1.0, 0.0, 0.0])
        x /= np.linalg.norm(x)
        y = np.cross(z, x)
        out[k, :3, 0], out[k, :3, 1], out[k, :3, 2] = x * h.radius, y * h.radius, d
        out[k, :3, 3] = p0
    return out


def holder_present(holders: list[Holder], present: np.ndarray, frame: int | None) -> np.ndarray:
    """(H,) bool: both ends exist and the joint has not broken by ``frame``."""
    out = np.ones(len(holders), dtype=bool)
    for k, h in enumerate(holders):
        out[k] = bool(present[h.body]) and (h.anchor_body is None or bool(present[h.anchor_body]))
        if h.broken_frame is not None and frame is not None and frame >= h.broken_frame:
            out[k] = False
    return out


def holder_surface(slot: int, seg_id: int) -> Surface:
    """The unit cylinder (radius 1, z from 0 to 1, open ends) of one holder."""
    a = np.linspace(0.0, 2.0 * np.pi, SEGMENTS, endpoint=False)
    ring = np.stack([np.cos(a), np.sin(a)], axis=1)
    pos = np.concatenate([np.column_stack([ring, np.zeros(SEGMENTS)]), np.column_stack([ring, np.ones(SEGMENTS)])])
    nrm = np.concatenate([np.column_stack([ring, np.zeros(SEGMENTS)])] * 2)
    i = np.arange(SEGMENTS)
    j = (i + 1) % SEGMENTS
    idx = np.concatenate([np.stack([i, j, j + SEGMENTS], 1), np.stack([i, j + SEGMENTS, i + SEGMENTS], 1)])
    base = np.array([*srgb_to_linear(COLOR), 1.0], dtype=np.float32)
    return Surface(pos.astype(np.float32), nrm.astype(np.float32), None, None, idx.astype(np.uint32), base,
                   ROUGHNESS, METALLIC, slot=slot, seg_id=seg_id)
