"""Evaluate a camera and its motion list into per-frame :class:`CameraFrame` s.

The camera's base state (position, look-at point, up vector, vertical fov) is passed through
each motion of ``camera.motion`` in order, at every frame time ``t = i / fps``; the result is
turned into OpenCV extrinsics with :func:`physreel.rendering.camera.look_at` and intrinsics with
:func:`physreel.rendering.camera.intrinsics`.  See :mod:`physreel.scene.camera_motion` for what
each motion does and its sign conventions.

Only numpy: no GL, no pybullet.  Object positions (for ``follow``) come from a callable, so the
caller can read them from a :class:`~physreel.physics.trajectory.Trajectory`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

import numpy as np

from physreel.errors import InputError
from physreel.rendering.camera import CameraFrame, intrinsics, look_at
from physreel.scene.camera_motion import (
    DollyMotion,
    FollowMotion,
    MoveMotion,
    OrbitMotion,
    PanMotion,
    PathMotion,
    ShakeMotion,
    TiltMotion,
    TruckMotion,
    ZoomMotion,
)
from physreel.scene.keyframes import ease, interpolate_vectors

ObjectPosition = Callable[[str, int], np.ndarray]
"""``object_position(name, frame) -> (3,) float`` world position of an object, metres."""

_AXES = {"x": (1.0, 0.0, 0.0), "y": (0.0, 1.0, 0.0), "z": (0.0, 0.0, 1.0)}
_SHAKE_COMPONENTS = 4  # sinusoids per noise channel
_SHAKE_CHANNELS = 6  # 3 rotation (camera x, y, z) + 3 translation (camera x, y, z)


class CameraLike(Protocol):
    """What :func:`camera_frames` reads from a camera spec (e.g. ``scene.models.Camera``)."""

    position: Sequence[float]
    look_at: Sequence[float]
    fov: float  # vertical, degrees
    up: Sequence[float]
    motion: Sequence[Any]


@dataclass(frozen=True)
class CameraState:
    """A camera between motions.

    Attributes
    ----------
    position, target, up : (3,) float64
        Camera centre and look-at point (metres, world) and the world direction shown upwards.
    fov : float
        Vertical field of view, degrees.
    jitter : (3, 3) float64
        Extra rotation in the OpenCV camera frame applied after ``look_at`` (hand-held shake).
    """

    position: np.ndarray
    target: np.ndarray
    up: np.ndarray
    fov: float
    jitter: np.ndarray


@dataclass(frozen=True)
class _Clip:
    name: str
    fps: float
    num_frames: int

    @property
    def duration(self) -> float:
        """Time of the last frame, seconds: the default end of a motion."""
        return (self.num_frames - 1) / self.fps


# ------------------------------------------------------------------------------- geometry
def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


def rotation_about(axis: Sequence[float] | np.ndarray, angle: float) -> np.ndarray:
    """(3, 3) rotation by ``angle`` radians about ``axis`` (right-hand rule, Rodrigues)."""
    k = _unit(np.asarray(axis, dtype=np.float64))
    kx = np.array([[0.0, -k[2], k[1]], [k[2], 0.0, -k[0]], [-k[1], k[0], 0.0]])
    return np.eye(3) + np.sin(angle) * kx + (1.0 - np.cos(angle)) * (kx @ kx)


def _right(state: CameraState) -> np.ndarray:
    """Camera right axis in world coordinates (as :func:`look_at` computes it)."""
    fwd = _unit(state.target - state.position)
    right = np.cross(fwd, state.up)
    if np.linalg.norm(right) < 1e-9:
        right = np.cross(fwd, np.array([0.0, 1.0, 0.0]))
    return _unit(right)


def _focal(fov_deg: float) -> float:
    return 1.0 / np.tan(0.5 * np.radians(fov_deg))


def _fov_from_focal(f: float) -> float:
    return float(np.degrees(2.0 * np.arctan(1.0 / f)))


def _progress(m: Any, t: float, clip: _Clip) -> float:
    start = m.start if m.start is not None else 0.0
    end = m.end if m.end is not None else clip.duration
    if end <= start:  # a window of zero length (e.g. a one-frame clip): a step after start
        return 1.0 if t > start else 0.0
    return float(ease(m.easing, (t - start) / (end - start)))


# -------------------------------------------------------------------------------- motions
def _orbit(m: OrbitMotion, s: CameraState, t: float, clip: _Clip) -> CameraState:
    angle = np.radians(m.degrees) * _progress(m, t, clip)
    axis = _AXES[m.axis] if isinstance(m.axis, str) else m.axis
    r = rotation_about(axis, angle)
    c = s.target if m.center is None else np.asarray(m.center, dtype=np.float64)
    return replace(s, position=c + r @ (s.position - c), target=c + r @ (s.target - c), up=r @ s.up)


def _dolly(m: DollyMotion, s: CameraState, t: float, clip: _Clip) -> CameraState:
    d = m.distance * _progress(m, t, clip)
    to_target = s.target - s.position
    dist = float(np.linalg.norm(to_target))
    if d >= dist - 1e-6:
        raise InputError(
            f"camera {clip.name!r}: a dolly of {m.distance} m would reach or pass its look_at "
            f"point, which is {dist:.3f} m away at t = {t:.3f} s; use a distance below "
            f"{dist:.3f} m or move the look_at point further away"
        )
    return replace(s, position=s.position + to_target / dist * d)


def _truck(m: TruckMotion, s: CameraState, t: float, clip: _Clip) -> CameraState:
    p = _progress(m, t, clip)
    off = _right(s) * (m.distance * p) + _unit(s.up) * (m.pedestal * p)
    return replace(s, position=s.position + off, target=s.target + off)


def _move(m: MoveMotion, s: CameraState, t: float, clip: _Clip) -> CameraState:
    off = np.asarray(m.offset, dtype=np.float64) * _progress(m, t, clip)
    target = s.target if m.keep_look_at else s.target + off
    if np.linalg.norm(target - (s.position + off)) < 1e-9:
        raise InputError(
            f"camera {clip.name!r}: the move puts the camera on its look_at point at "
            f"t = {t:.3f} s; change 'offset' or set keep_look_at: false"
        )
    return replace(s, position=s.position + off, target=target)


def _turn(s: CameraState, axis: np.ndarray, angle: float) -> CameraState:
    r = rotation_about(axis, angle)
    return replace(s, target=s.position + r @ (s.target - s.position))


def _pan(m: PanMotion, s: CameraState, t: float, clip: _Clip) -> CameraState:
    # Right-hand rotation about +up turns left, so a pan to the right is a negative angle.
    return _turn(s, s.up, -np.radians(m.degrees) * _progress(m, t, clip))


def _tilt(m: TiltMotion, s: CameraState, t: float, clip: _Clip) -> CameraState:
    # Right-hand rotation about the right axis (right = forward x up) lifts the view.
    return _turn(s, _right(s), np.radians(m.degrees) * _progress(m, t, clip))


def _zoom(m: ZoomMotion, s: CameraState, t: float, clip: _Clip) -> CameraState:
    if m.fov is not None:
        f0, f1 = _focal(m.fov[0]), _focal(m.fov[1])
    elif m.to_fov is not None:
        f0, f1 = _focal(s.fov), _focal(m.to_fov)
    else:
        f0 = _focal(s.fov)
        f1 = f0 * m.factor
    f = f0 + (f1 - f0) * _progress(m, t, clip)
    return replace(s, fov=_fov_from_focal(f))


def _follow_track(
    m: FollowMotion, clip: _Clip, object_position: ObjectPosition | None
) -> np.ndarray:
    """(T, 3) float64 object positions per frame, exponentially smoothed from ``start`` on."""
    if object_position is None:
        raise InputError(
            f"camera {clip.name!r} follows object {m.object!r} but no object positions were "
            "given to camera_frames (pass object_position)"
        )
    raw = np.array(
        [np.asarray(object_position(m.object, i), dtype=np.float64) for i in range(clip.num_frames)]
    ).reshape(clip.num_frames, 3)
    if m.smoothing <= 0:
        return raw
    alpha = 1.0 - np.exp(-1.0 / (clip.fps * m.smoothing))
    i0 = min(int(np.ceil((m.start or 0.0) * clip.fps - 1e-9)), clip.num_frames - 1)
    out = raw.copy()
    for i in range(i0 + 1, clip.num_frames):
        out[i] = out[i - 1] + alpha * (raw[i] - out[i - 1])
    return out


def _follow(
    m: FollowMotion, s: CameraState, t: float, i: int, track: np.ndarray, clip: _Clip
) -> CameraState:
    if m.start is not None and t < m.start - 1e-9:
        return s
    if m.end is not None and t > m.end + 1e-9:
        i = min(int(np.floor(m.end * clip.fps + 1e-9)), clip.num_frames - 1)
    obj = track[i]
    position = s.position if m.offset is None else obj + np.asarray(m.offset)
    target = obj + np.asarray(m.look_offset, dtype=np.float64)
    if np.linalg.norm(target - position) < 1e-9:
        raise InputError(
            f"camera {clip.name!r}: following {m.object!r} puts the camera on its look_at "
            f"point at t = {t:.3f} s; give 'offset' and 'look_offset' that differ"
        )
    return replace(s, position=position, target=target)


def _path(m: PathMotion, s: CameraState, t: float, clip: _Clip) -> CameraState:
    def channel(attr: str) -> tuple[list[float], list[Any], list[str]] | None:
        keys = [k for k in m.keys if getattr(k, attr) is not None]
        if not keys:
            return None
        return [k.time for k in keys], [getattr(k, attr) for k in keys], [k.easing for k in keys]

    out = s
    if (c := channel("position")) is not None:
        out = replace(out, position=interpolate_vectors(c[0], c[1], t, c[2]))
    if (c := channel("look_at")) is not None:
        out = replace(out, target=interpolate_vectors(c[0], c[1], t, c[2]))
    if (c := channel("fov")) is not None:
        f = interpolate_vectors(c[0], [_focal(v) for v in c[1]], t, c[2])
        out = replace(out, fov=_fov_from_focal(float(f)))
    if np.linalg.norm(out.target - out.position) < 1e-9:
        raise InputError(
            f"camera {clip.name!r}: the path puts the camera on its look_at point at "
            f"t = {t:.3f} s; change the keys' position or look_at"
        )
    return out


@dataclass(frozen=True)
class _ShakeNoise:
    freq: np.ndarray  # (6, n) Hz
    phase: np.ndarray  # (6, n) radians
    weight: np.ndarray  # (6, n), each row sums to 1

    @staticmethod
    def draw(m: ShakeMotion, rng: np.random.Generator) -> _ShakeNoise:
        shape = (_SHAKE_CHANNELS, _SHAKE_COMPONENTS)
        freq = m.frequency * np.exp(rng.uniform(np.log(0.5), np.log(2.0), size=shape))
        phase = rng.uniform(0.0, 2.0 * np.pi, size=shape)
        weight = 1.0 / freq  # lower frequencies move more, as a hand does
        return _ShakeNoise(freq, phase, weight / weight.sum(axis=1, keepdims=True))

    def __call__(self, t: float) -> np.ndarray:
        """(6,) noise values in [-1, 1] at time ``t``."""
        return np.sum(self.weight * np.sin(2.0 * np.pi * self.freq * t + self.phase), axis=1)


def _shake_envelope(m: ShakeMotion, t: float, clip: _Clip) -> float:
    start = m.start if m.start is not None else 0.0
    end = m.end if m.end is not None else np.inf
    if t < start or t > end:
        return 0.0
    fade = 1.0 / m.frequency
    if m.end is not None:
        fade = min(fade, 0.5 * (end - start))
    env = 1.0
    if m.start is not None:
        env *= float(ease("smooth", (t - start) / fade))
    if m.end is not None:
        env *= float(ease("smooth", (end - t) / fade))
    return env


def _shake(
    m: ShakeMotion, s: CameraState, t: float, noise: _ShakeNoise, clip: _Clip
) -> CameraState:
    env = _shake_envelope(m, t, clip)
    if env == 0.0:
        return s
    n = noise(t) * env
    rotvec = np.radians(m.amplitude) * np.array([n[0], n[1], 0.5 * n[2]])
    angle = float(np.linalg.norm(rotvec))
    d = rotation_about(rotvec, angle) if angle > 0 else np.eye(3)
    cam_rows = look_at(s.position, s.target, s.up)[:3, :3]  # camera axes in world coordinates
    off = cam_rows.T @ (m.position_amplitude * n[3:])
    return replace(s, position=s.position + off, target=s.target + off, jitter=d @ s.jitter)


_SIMPLE = {
    "orbit": _orbit,
    "dolly": _dolly,
    "truck": _truck,
    "move": _move,
    "pan": _pan,
    "tilt": _tilt,
    "zoom": _zoom,
    "path": _path,
}


# ------------------------------------------------------------------------------ public API
def base_state(camera: CameraLike) -> CameraState:
    """The camera's state before any motion."""
    return CameraState(
        position=np.asarray(camera.position, dtype=np.float64),
        target=np.asarray(camera.look_at, dtype=np.float64),
        up=np.asarray(camera.up, dtype=np.float64),
        fov=float(camera.fov),
        jitter=np.eye(3),
    )


def camera_frames(
    camera: CameraLike,
    width: int,
    height: int,
    num_frames: int,
    fps: float,
    object_position: ObjectPosition | None = None,
    rng: np.random.Generator | None = None,
) -> list[CameraFrame]:
    """The camera at every frame, motions applied.

    Parameters
    ----------
    camera : Camera-like
        ``position``, ``look_at``, ``up`` (metres, world), ``fov`` (vertical, degrees),
        ``motion`` (list of :data:`~physreel.scene.camera_motion.CameraMotion`), optional
        ``name`` (used in error messages).
    width, height : int
        Image size, pixels.
    num_frames : int
        T >= 1; frame ``i`` is at ``t = i / fps``.  Motions without ``end`` finish at the last
        frame, ``(T - 1) / fps``.
    fps : float
        Frames per second.
    object_position : callable ``(name, frame) -> (3,)``, optional
        World position of an object at a frame, metres; needed by ``follow``.
    rng : numpy.random.Generator, optional
        Source of the noise of ``shake`` motions without their own ``seed`` (derive it from the
        scene seed and the camera).  Drawn from once per such motion, in list order.

    Returns
    -------
    list of CameraFrame
        T frames (``K``, ``world_to_camera`` in the OpenCV convention, ``yfov`` in radians).

    Raises
    ------
    InputError
        A follow without ``object_position``, a shake without a seed or ``rng``, or a motion
        that puts the camera on its look-at point (e.g. a dolly through it).
    """
    if num_frames < 1 or not fps > 0:
        raise ValueError(f"need num_frames >= 1 and fps > 0, got {num_frames} and {fps}")
    clip = _Clip(str(getattr(camera, "name", "camera")), float(fps), int(num_frames))
    motions = list(camera.motion)

    prepared: list[Any] = []
    for m in motions:
        if m.type == "follow":
            prepared.append(_follow_track(m, clip, object_position))
        elif m.type == "shake":
            if m.seed is not None:
                gen = np.random.default_rng(m.seed)
            elif rng is not None:
                gen = rng
            else:
                raise InputError(
                    f"camera {clip.name!r} has a shake without 'seed' and no random generator "
                    "was given (pass rng derived from the scene seed)"
                )
            prepared.append(_ShakeNoise.draw(m, gen))
        else:
            prepared.append(None)

    base = base_state(camera)
    frames = []
    for i in range(num_frames):
        t = i / clip.fps
        s = base
        for m, prep in zip(motions, prepared, strict=True):
            if m.type == "follow":
                s = _follow(m, s, t, i, prep, clip)
            elif m.type == "shake":
                s = _shake(m, s, t, prep, clip)
            else:
                s = _SIMPLE[m.type](m, s, t, clip)
        frames.append(_frame(s, width, height, t, clip))
    return frames


def _frame(s: CameraState, width: int, height: int, t: float, clip: _Clip) -> CameraFrame:
    try:
        w2c = look_at(s.position, s.target, s.up)
    except ValueError:
        raise InputError(
            f"camera {clip.name!r} sits on its look_at point at t = {t:.3f} s; "
            "move the camera or the look_at point apart"
        ) from None
    w2c[:3, :3] = s.jitter @ w2c[:3, :3]
    w2c[:3, 3] = s.jitter @ w2c[:3, 3]
    yfov = float(np.radians(s.fov))
    return CameraFrame(
        width=int(width),
        height=int(height),
        K=intrinsics(width, height, yfov),
        world_to_camera=w2c,
        yfov=yfov,
    )
