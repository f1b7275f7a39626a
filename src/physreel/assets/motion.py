"""Mocap playback: a person's clips, back to back and cross-faded, as poses of their rig.

A :class:`MotionPlan` turns a list of :class:`Segment` (clip, start time, ``until``, ``blend``,
``speed``) into the pose of a :class:`~physreel.assets.rig.Rig` at any time: root position and
orientation plus the local rotation of every bone.  Each clip is placed on the ground so that it
starts where the person is at that moment (position on the floor and heading); clips are scaled
to the rig (``rig.clip_scale``: stride and root height grow with the legs), played ``speed``
times as fast, and cross-faded over ``blend`` seconds (a smoothstep from the previous motion,
which keeps playing during the fade, to the new one).  Without segments the person stands at
rest.  Everything is vectorised over time: physics asks for a block of steps at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..quaternions import qfrom_axis_angle, qmul, qslerp, qyaw, yaw_of
from .mocap import JOINTS, Clip
from .rig import Rig


@dataclass(frozen=True)
class Segment:
    """One clip of a person's ``motion`` list.

    ``start``: scene time (s) the clip begins; ``until``: scene time it ends (None: until the
    next clip starts, or forever); ``blend``: seconds of cross-fade from what played before;
    ``speed``: playback rate (2 = twice as fast).
    """

    clip: Clip
    start: float = 0.0
    until: float | None = None
    blend: float = 0.0
    speed: float = 1.0


Pose = tuple[np.ndarray, np.ndarray, np.ndarray]
"""(root position (..., 3), root quaternion (..., 4), local bone rotations (..., B, 4))."""

ClipMapper = Callable[[np.ndarray, np.ndarray, np.ndarray], Pose]
"""Turns a clip pose (root position, root quaternion, rotations of :data:`JOINTS`), already
placed in the world, into a pose of a rig."""


def direct_mapper(rig: Rig) -> ClipMapper:
    """The mapping for rigs built on the clips' own skeleton (the mannequin): joints by name,
    other bones at rest."""
    idx = np.array([rig.index(j) for j in JOINTS])

    def mapped(pos: np.ndarray, quat: np.ndarray, rots: np.ndarray) -> Pose:
        local = np.broadcast_to(rig.rest, rots.shape[:-2] + rig.rest.shape).copy()
        local[..., idx, :] = rots
        return pos, quat, local

    return mapped


@dataclass(frozen=True)
class _Placed:
    seg: Segment
    hold: float  # scene time after which the clip's pose freezes (inf: never)
    turn: float  # yaw added to the clip (rad)
    shift: complex  # horizontal translation after scaling and turning
    origin: complex  # the clip's root at t = 0, scaled


class MotionPlan:
    """The pose of one person over time.

    Parameters
    ----------
    rig : Rig
    segments : list of Segment, in any order (sorted by ``start``)
    position : (3,) float64: where the person stands at t = 0 (floor point under the pelvis)
    yaw : float, rad: the heading at t = 0 (0 faces +x)
    mapper : ClipMapper, default :func:`direct_mapper`
    """

    def __init__(self, rig: Rig, segments: list[Segment], position: np.ndarray, yaw: float,
                 mapper: ClipMapper | None = None, look: list[tuple[float, float, float]] = ()):
        self.rig = rig
        self.look = sorted(look)  # (time s, yaw rad, pitch rad) of the head, on top of the clips
        self._neck = rig.points["neck"][0] if "neck" in rig.points else None
        self.position = np.asarray(position, dtype=np.float64)
        self.yaw = float(yaw)
        self.mapper = mapper or direct_mapper(rig)
        self.segments = sorted(segments, key=lambda s: s.start)
        self._placed: list[_Placed] = []
        for i, seg in enumerate(self.segments):
            nxt = self.segments[i + 1] if i + 1 < len(self.segments) else None
            gap = seg.until is not None and (nxt is None or nxt.start > seg.until + 1e-9)
            hold = seg.until if gap else np.inf
            if i == 0:
                target, heading = complex(*self.position[:2]), self.yaw
            else:
                pos, quat, _ = self._clip_pose(np.array([seg.start]))
                target, heading = complex(*pos[0, :2]), float(yaw_of(quat[0]))
            p0, q0, _ = seg.clip.sample(0.0)
            turn = heading - float(yaw_of(q0))
            origin = complex(*p0[:2]) * rig.clip_scale
            self._placed.append(_Placed(seg, hold, turn, target, origin))

    @property
    def end(self) -> float:
        """Scene time after which nothing moves any more (inf for looping clips that never end)."""
        if not self.segments:
            return 0.0
        last = self._placed[-1]
        if np.isfinite(last.hold):
            return last.hold
        if last.seg.clip.loop:
            return np.inf
        return last.seg.start + last.seg.clip.duration / last.seg.speed

    def sample(self, t: np.ndarray | float) -> Pose:
        """The rig's pose at scene times ``t`` (any shape): root position (..., 3), root
        quaternion (..., 4), local rotations (..., B, 4)."""
        t = np.asarray(t, dtype=np.float64)
        if not self.segments:
            rig = self.rig
            pos = np.broadcast_to(self.position + [0.0, 0.0, rig.rest_root_height], t.shape + (3,)).copy()
            quat = np.broadcast_to(qyaw(self.yaw), t.shape + (4,)).copy()
            pose = pos, quat, np.broadcast_to(rig.rest, t.shape + rig.rest.shape).copy()
        else:
            pose = self._blend(t, len(self._placed), mapped=True)
        if self.look and self._neck is not None:
            yaw, pitch = self._head(t)
            turn = qmul(qfrom_axis_angle(np.array([0.0, 0.0, 1.0]), yaw),
                        qfrom_axis_angle(np.array([0.0, 1.0, 0.0]), -pitch))
            pose[2][..., self._neck, :] = qmul(pose[2][..., self._neck, :], turn)
        return pose

    def _head(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Head yaw and pitch (rad) at times ``t``: smoothstep between the look keys."""
        keys = np.array(self.look, dtype=np.float64)
        if len(keys) == 1:
            return np.full(t.shape, keys[0, 1]), np.full(t.shape, keys[0, 2])
        k = np.clip(np.searchsorted(keys[:, 0], t, side="right") - 1, 0, len(keys) - 2)
        span = np.maximum(keys[k + 1, 0] - keys[k, 0], 1e-9)
        x = np.clip((t - keys[k, 0]) / span, 0.0, 1.0)
        w = x * x * (3.0 - 2.0 * x)
        return keys[k, 1] + w * (keys[k + 1, 1] - keys[k, 1]), keys[k, 2] + w * (keys[k + 1, 2] - keys[k, 2])

    # ------------------------------------------------------------------ internals
    def _clip_pose(self, t: np.ndarray) -> Pose:
        """Blend of the segments placed so far, in clip joints (used to place the next one)."""
        return self._blend(t, len(self._placed), mapped=False)

    def _blend(self, t: np.ndarray, upto: int, mapped: bool) -> Pose:
        out = None
        for pl in self._placed[:upto]:
            pose = self._segment_pose(pl, t)
            if mapped:
                pose = self.mapper(*pose)
            if out is None:
                out = pose
                continue
            w = _fade(t, pl.seg.start, pl.seg.blend)
            out = (
                out[0] + w[..., None] * (pose[0] - out[0]),
                qslerp(out[1], pose[1], w),
                qslerp(out[2], pose[2], w[..., None]),
            )
        return out

    def _segment_pose(self, pl: _Placed, t: np.ndarray) -> Pose:
        seg, s = pl.seg, self.rig.clip_scale
        tau = (np.minimum(t, pl.hold) - seg.start) * seg.speed
        pos, quat, rots = seg.clip.sample(tau)
        xy = (pos[..., 0] + 1j * pos[..., 1]) * s
        xy = (xy - pl.origin) * np.exp(1j * pl.turn) + pl.shift
        z = pos[..., 2] * s + self.position[2]
        placed = np.stack([xy.real, xy.imag, z], axis=-1)
        return placed, qmul(qyaw(pl.turn), quat), rots


def _fade(t: np.ndarray, start: float, blend: float) -> np.ndarray:
    """Weight of a clip that starts at ``start`` and fades in over ``blend`` s (smoothstep)."""
    if blend <= 0:
        return (t >= start).astype(np.float64)
    x = np.clip((t - start) / blend, 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)
