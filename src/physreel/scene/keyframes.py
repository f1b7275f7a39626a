"""Keyframes: easing curves, vector and rotation interpolation, keyed poses.

Pure numpy and pydantic; used by camera paths and by kinematic objects that follow keyed poses.

Conventions
-----------
- Times in seconds, positions in metres, quaternions ``[x, y, z, w]``.
- ``rotation`` in a key is in **degrees**, extrinsic XYZ (rotate about world X, then world Y,
  then world Z: ``R = Rz @ Ry @ Rx``) — the convention of pybullet's
  ``getQuaternionFromEuler`` and of scipy's ``Rotation.from_euler("xyz", ...)``.
- The easing named on key ``i`` shapes the segment from key ``i`` to key ``i + 1`` (as in
  Blender and CSS); the last key's easing is unused.
- Before the first key the first value is held, after the last key the last value is held.
- Rotations keyed as Euler angles (``rotation``) are interpolated angle by angle, so keys at
  0° and 720° about Z make two full turns.  Rotations keyed as quaternions (or a mix of both)
  are interpolated by slerp along the shortest arc.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import pairwise
from typing import Annotated, Any, Literal, NamedTuple

import numpy as np
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from ..quaternions import qconj, qmul, qslerp, qto_rotvec
from ..transforms import euler_xyz_to_quat

Finite = Annotated[float, Field(allow_inf_nan=False)]
Vec3 = tuple[Finite, Finite, Finite]
Vec4 = tuple[Finite, Finite, Finite, Finite]

Easing = Literal["linear", "smooth", "ease_in", "ease_out", "ease_in_out"]


# ------------------------------------------------------------------------------------ easing
def linear(u: np.ndarray | float) -> np.ndarray:
    """Identity easing: ``u`` clipped to [0, 1]."""
    return np.clip(np.asarray(u, dtype=np.float64), 0.0, 1.0)


def smooth(u: np.ndarray | float) -> np.ndarray:
    """Smoothstep ``3u² - 2u³``: zero slope at both ends."""
    u = linear(u)
    return u * u * (3.0 - 2.0 * u)


def ease_in(u: np.ndarray | float) -> np.ndarray:
    """Cubic ease-in ``u³``: starts at rest, arrives at speed."""
    u = linear(u)
    return u * u * u


def ease_out(u: np.ndarray | float) -> np.ndarray:
    """Cubic ease-out ``1 - (1 - u)³``: starts at speed, arrives at rest."""
    u = linear(u)
    return 1.0 - (1.0 - u) ** 3


def ease_in_out(u: np.ndarray | float) -> np.ndarray:
    """Cubic ease-in-out: ``4u³`` for u < 1/2, ``1 - (2 - 2u)³ / 2`` after."""
    u = linear(u)
    return np.where(u < 0.5, 4.0 * u**3, 1.0 - 0.5 * (2.0 - 2.0 * u) ** 3)


EASINGS: dict[str, Callable[[np.ndarray | float], np.ndarray]] = {
    "linear": linear,
    "smooth": smooth,
    "ease_in": ease_in,
    "ease_out": ease_out,
    "ease_in_out": ease_in_out,
}


def ease(name: str, u: np.ndarray | float) -> np.ndarray:
    """Apply the easing called ``name`` to progress ``u`` (clipped to [0, 1]).

    Every easing maps 0 to 0 and 1 to 1 and is non-decreasing.
    """
    try:
        fn = EASINGS[name]
    except KeyError:
        raise ValueError(f"unknown easing {name!r}; expected one of {', '.join(EASINGS)}") from None
    return fn(u)


# -------------------------------------------------------------------------------- quaternions
#: Quaternion helpers under their keyframe names (one home: :mod:`physreel.quaternions`):
#: the Hamilton product ``a ⊗ b`` (rotation b then a) and the conjugate, ``[x, y, z, w]``.
quat_multiply = qmul
quat_conjugate = qconj


def quat_from_euler_degrees(angles: np.ndarray | Sequence[float]) -> np.ndarray:
    """Quaternion ``[x, y, z, w]`` (..., 4) of extrinsic XYZ Euler angles in degrees (..., 3)
    (the scene-file convention; see :func:`physreel.transforms.euler_xyz_to_quat`)."""
    return euler_xyz_to_quat(angles)


#: Rotation vector (axis × angle, angle in [0, π]) of quaternions (..., 4) -> (..., 3).
quat_to_rotvec = qto_rotvec


#: Spherical linear interpolation along the shortest arc (one home: :mod:`physreel.quaternions`).
slerp = qslerp


# ----------------------------------------------------------------------------- interpolation
def _segments(
    times: np.ndarray, t: np.ndarray, easings: str | Sequence[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Segment index (M,) and eased progress (M,) of query times ``t`` (M,) among ``times`` (K,).

    K >= 2.  Times outside the keys give progress 0 (before) or 1 (after, in the last segment).
    """
    k = times.shape[0]
    if np.any(np.diff(times) <= 0):
        raise ValueError(f"key times must be strictly increasing, got {times.tolist()}")
    if isinstance(easings, str):
        names = [easings] * (k - 1)
    else:
        names = list(easings)
        if len(names) not in (k - 1, k):
            raise ValueError(
                f"expected {k} (one per key) or {k - 1} (one per segment) easings, got {len(names)}"
            )
        names = names[: k - 1]
    i = np.clip(np.searchsorted(times, t, side="right") - 1, 0, k - 2)
    u = (t - times[i]) / (times[i + 1] - times[i])
    eased = np.empty_like(u)
    seg_names = np.asarray(names, dtype=object)[i]
    for name in set(names):
        sel = seg_names == name
        eased[sel] = ease(name, u[sel])
    return i, eased


def interpolate_vectors(
    times: Sequence[float] | np.ndarray,
    values: Sequence[Any] | np.ndarray,
    t: float | np.ndarray,
    easings: str | Sequence[str] = "linear",
) -> np.ndarray:
    """Interpolate keyed values with per-segment easing.

    Parameters
    ----------
    times : (K,) float, seconds
        Strictly increasing key times.
    values : (K, D) or (K,) float
        Value at each key.
    t : float or (M,) float, seconds
        Query time(s).
    easings : str or sequence of str
        One easing name for every segment, or one per key (key ``i`` shapes the segment
        ``i -> i+1``; the last one is ignored), or one per segment (K - 1).

    Returns
    -------
    (D,) / () for a scalar ``t``, (M, D) / (M,) for an array; float64.  The first value is
    held before the first key and the last after the last key.
    """
    times = np.asarray(times, dtype=np.float64)
    values = np.asarray(values, dtype=np.float64)
    if times.ndim != 1 or times.shape[0] == 0 or values.shape[0] != times.shape[0]:
        raise ValueError(
            f"expected K >= 1 key times and K values, got times {times.shape}, "
            f"values {values.shape}"
        )
    scalar = np.ndim(t) == 0
    tq = np.atleast_1d(np.asarray(t, dtype=np.float64))
    if times.shape[0] == 1:
        out = np.broadcast_to(values[0], (tq.shape[0], *values.shape[1:])).copy()
    else:
        i, u = _segments(times, tq, easings)
        u = u.reshape(u.shape + (1,) * (values.ndim - 1))
        out = values[i] + (values[i + 1] - values[i]) * u
    return out[0] if scalar else out


def interpolate_rotations(
    times: Sequence[float] | np.ndarray,
    quats: Sequence[Any] | np.ndarray,
    t: float | np.ndarray,
    easings: str | Sequence[str] = "linear",
) -> np.ndarray:
    """Slerp keyed orientations with per-segment easing.

    Parameters
    ----------
    times : (K,) float, seconds
        Strictly increasing key times.
    quats : (K, 4) float
        Orientation at each key, ``[x, y, z, w]`` (normalised here).
    t : float or (M,) float, seconds
        Query time(s).
    easings : str or sequence of str
        As in :func:`interpolate_vectors`.

    Returns
    -------
    (4,) for a scalar ``t`` or (M, 4) float64 unit quaternions; the first key is held before
    the first time and the last after the last.  Each segment takes the shortest arc.
    """
    times = np.asarray(times, dtype=np.float64)
    quats = np.asarray(quats, dtype=np.float64)
    if times.ndim != 1 or times.shape[0] == 0 or quats.shape != (times.shape[0], 4):
        raise ValueError(
            f"expected K >= 1 key times and (K, 4) quaternions, got times {times.shape}, "
            f"quats {quats.shape}"
        )
    quats = quats / np.linalg.norm(quats, axis=-1, keepdims=True)
    scalar = np.ndim(t) == 0
    tq = np.atleast_1d(np.asarray(t, dtype=np.float64))
    if times.shape[0] == 1:
        out = np.broadcast_to(quats[0], (tq.shape[0], 4)).copy()
    else:
        i, u = _segments(times, tq, easings)
        out = slerp(quats[i], quats[i + 1], u)
    return out[0] if scalar else out


# ------------------------------------------------------------------------------------ models
class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Keyframe(_Model):
    """One key of an object's keyed pose.

    ``time`` in seconds; ``position`` in metres; orientation as ``rotation`` (degrees,
    extrinsic XYZ) or ``quaternion`` (``[x, y, z, w]``), not both.  A key may leave a channel
    out: each channel is interpolated among the keys that give it.  ``easing`` shapes the
    segment from this key to the next; unset, the keys' default applies (``kinematic.easing``,
    ``linear`` for kinematic objects: constant speed between keys).
    """

    time: Annotated[float, Field(ge=0, allow_inf_nan=False)]
    position: Vec3 | None = None
    rotation: Vec3 | None = None
    quaternion: Vec4 | None = None
    easing: Easing | None = None

    @model_validator(mode="after")
    def _check(self) -> Keyframe:
        if self.rotation is not None and self.quaternion is not None:
            raise ValueError(
                "give either 'rotation' (degrees, XYZ) or 'quaternion' ([x, y, z, w]), not both"
            )
        if self.quaternion is not None and sum(c * c for c in self.quaternion) < 1e-12:
            raise ValueError("quaternion must not be all zeros; identity is [0, 0, 0, 1]")
        if self.position is None and self.rotation is None and self.quaternion is None:
            raise ValueError("a key needs at least one of 'position', 'rotation' or 'quaternion'")
        return self


def check_key_times(keys: list[Any]) -> list[Any]:
    """Validator: ``keys`` is non-empty and its ``time`` values strictly increase."""
    if not keys:
        raise ValueError("expected at least one key, got an empty list")
    times = [k.time for k in keys]
    for a, b in pairwise(times):
        if b <= a:
            raise ValueError(
                f"key times must strictly increase, got {times}; sort the keys by time "
                "and remove duplicates"
            )
    return keys


Keyframes = Annotated[list[Keyframe], AfterValidator(check_key_times)]
"""A validated list of :class:`Keyframe` (non-empty, strictly increasing times)."""


# ----------------------------------------------------------------------------- keyed poses
class Pose(NamedTuple):
    """A keyed pose at one time (or several times, with a leading (M,) axis)."""

    position: np.ndarray  # (3,) or (M, 3) float64, metres
    quaternion: np.ndarray  # (4,) or (M, 4) float64, [x, y, z, w]


class Velocity(NamedTuple):
    """Linear (m/s) and angular (rad/s) velocity, world frame, (3,) each."""

    linear: np.ndarray
    angular: np.ndarray


def _channel(keys: Sequence[Any], attr: str, easing: str) -> tuple[list[float], list[Any], list[str]]:
    sel = [k for k in keys if getattr(k, attr, None) is not None]
    return [k.time for k in sel], [getattr(k, attr) for k in sel], [k.easing or easing for k in sel]


def sample_keyed_pose(
    keys: Sequence[Keyframe],
    t: float | np.ndarray,
    default_position: Sequence[float] | np.ndarray = (0.0, 0.0, 0.0),
    default_quaternion: Sequence[float] | np.ndarray = (0.0, 0.0, 0.0, 1.0),
    easing: str = "smooth",
) -> Pose:
    """Pose of a keyed object at time(s) ``t``.

    Parameters
    ----------
    keys : sequence of Keyframe (or objects with ``time``, ``position``, ``rotation``,
        ``quaternion``, ``easing``), sorted by strictly increasing time.
    t : float or (M,) float, seconds
    default_position : (3,) float, metres
        Used when no key gives a position (e.g. the object's initial position).
    default_quaternion : (4,) float, ``[x, y, z, w]``
        Used when no key gives an orientation.
    easing : str
        The easing of keys that name none.

    Returns
    -------
    Pose
        ``position`` (3,) / (M, 3) float64 and ``quaternion`` (4,) / (M, 4) float64 (unit).
        Values are held before the first and after the last key of each channel.
    """
    scalar = np.ndim(t) == 0
    tq = np.atleast_1d(np.asarray(t, dtype=np.float64))
    m = tq.shape[0]

    times, values, easings = _channel(keys, "position", easing)
    if times:
        position = interpolate_vectors(times, values, tq, easings)
    else:
        position = np.tile(np.asarray(default_position, dtype=np.float64), (m, 1))

    rot_keys = [
        k
        for k in keys
        if getattr(k, "rotation", None) is not None or getattr(k, "quaternion", None) is not None
    ]
    if not rot_keys:
        q = np.asarray(default_quaternion, dtype=np.float64)
        quaternion = np.tile(q / np.linalg.norm(q), (m, 1))
    elif all(getattr(k, "rotation", None) is not None for k in rot_keys):
        times, values, easings = _channel(rot_keys, "rotation", easing)
        angles = interpolate_vectors(times, values, tq, easings)
        quaternion = quat_from_euler_degrees(angles)
    else:
        quats = [
            k.quaternion
            if getattr(k, "quaternion", None) is not None
            else quat_from_euler_degrees(k.rotation)
            for k in rot_keys
        ]
        quaternion = interpolate_rotations(
            [k.time for k in rot_keys], np.asarray(quats), tq, [k.easing or easing for k in rot_keys]
        )
    if scalar:
        return Pose(position[0], quaternion[0])
    return Pose(position, quaternion)


def keyed_velocity(
    keys: Sequence[Keyframe],
    t: float | np.ndarray,
    dt: float,
    default_position: Sequence[float] | np.ndarray = (0.0, 0.0, 0.0),
    default_quaternion: Sequence[float] | np.ndarray = (0.0, 0.0, 0.0, 1.0),
    easing: str = "smooth",
) -> Velocity:
    """Velocity that carries a keyed object from its pose at ``t`` to its pose at ``t + dt``.

    Forward finite difference over one step: moving with ``linear`` for ``dt`` from the pose at
    ``t`` reaches the keyed position at ``t + dt`` exactly, and rotating with constant
    ``angular`` (world frame) for ``dt`` reaches the keyed orientation exactly (for a rotation
    of less than 180° per step).  Set these on a kinematic body each physics step so contacts
    see the true motion.

    Parameters
    ----------
    keys : sequence of Keyframe, sorted by time
    t : float or (M,) float, seconds
        One time, or every step time at once (much faster than one call per step).
    dt : float, seconds, > 0 (the physics step)
    default_position, default_quaternion, easing
        As in :func:`sample_keyed_pose`.

    Returns
    -------
    Velocity
        ``linear`` m/s and ``angular`` rad/s, float64, world frame; (3,) each for a scalar
        ``t``, (M, 3) for an array.
    """
    if not dt > 0:
        raise ValueError(f"dt must be > 0 seconds, got {dt}")
    scalar = np.ndim(t) == 0
    t0 = np.atleast_1d(np.asarray(t, dtype=np.float64))
    m = t0.shape[0]
    poses = sample_keyed_pose(
        keys, np.concatenate([t0, t0 + dt]), default_position, default_quaternion, easing
    )
    linear_v = (poses.position[m:] - poses.position[:m]) / dt
    dq = quat_multiply(poses.quaternion[m:], quat_conjugate(poses.quaternion[:m]))
    angular_v = quat_to_rotvec(dq) / dt
    if scalar:
        return Velocity(linear_v[0], angular_v[0])
    return Velocity(linear_v, angular_v)
