"""Motion-capture clips in the DeepMimic format, converted to physreel's Z-up frame.

The built-in clips are the ones inside the pybullet wheel
(``pybullet_data/data/motions/humanoid3d_<name>.txt``).  A clip file is JSON with ``Loop``
(``"wrap"`` or ``"none"``) and ``Frames``: one row of 44 numbers per key frame:

====== =========================================================================
index  meaning (DeepMimic's frame: x forward, y up, z to the character's right)
====== =========================================================================
0      duration of this key frame (s, time to the next one)
1-3    root (pelvis) position, metres
4-7    root orientation, quaternion ``w, x, y, z``
8-11   chest, 12-15 neck, 16-19 right hip (local rotations, ``w, x, y, z``)
20     right knee angle (rad, about z; negative bends)
21-24  right ankle, 25-28 right shoulder
29     right elbow angle (rad, about z; positive bends)
30-33  left hip, 34 left knee, 35-38 left ankle, 39-42 left shoulder, 43 left elbow
====== =========================================================================

Local rotations are relative to the parent bone, whose rest frame is aligned with the world
axes (arms hanging, legs straight).  physreel's frame is x forward, y left, z up, so a vector
``(x, y, z)`` becomes ``(x, -z, y)`` and a rotation's axis turns the same way.  A looping clip's
last key frame repeats its first pose one cycle on: playing past the end continues from the
start with the root carried along by the cycle's displacement and turn (a walk walks on).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..errors import AssetError
from ..quaternions import IDENTITY, qconj, qmul, qnormalize, qrot, qslerp, yaw_of

BUILTIN_CLIPS = (
    "walk", "run", "jump", "kick", "punch", "spinkick", "backflip", "cartwheel", "roll",
    "crawl", "dance_a", "dance_b", "getup_faceup", "getup_facedown", "spin",
)
"""Names of the clips that ship inside pybullet (``clip: walk``)."""

JOINTS = (
    "chest", "neck", "right_hip", "right_knee", "right_ankle", "right_shoulder", "right_elbow",
    "left_hip", "left_knee", "left_ankle", "left_shoulder", "left_elbow",
)
"""The joints a clip animates, in the order of :attr:`Clip.rotations`."""

_HINGES = {"right_knee", "right_elbow", "left_knee", "left_elbow"}
_HINGE_AXIS = np.array([0.0, -1.0, 0.0])  # DeepMimic's +z (right) in physreel's frame
_ROW = 44


@dataclass(frozen=True)
class Clip:
    """A motion clip on the reference skeleton (the DeepMimic humanoid, about 1.61 m tall).

    Attributes
    ----------
    name : str
    times : (K,) float64, seconds
        Time of each key frame; ``times[0] == 0``.
    root_position : (K, 3) float64, metres, Z up
        Pelvis position.
    root_quaternion : (K, 4) float64, ``[x, y, z, w]``
        Pelvis orientation (identity: upright, facing +x).
    rotations : (K, J, 4) float64
        Local rotation of each joint of :data:`JOINTS`.
    loop : bool
        True when the clip cycles (``Loop: wrap``); else it holds its last pose.
    source : str
        The file it was read from.
    """

    name: str
    times: np.ndarray
    root_position: np.ndarray
    root_quaternion: np.ndarray
    rotations: np.ndarray
    loop: bool
    source: str = ""

    @property
    def duration(self) -> float:
        """Length of one pass through the clip, seconds."""
        return float(self.times[-1])

    @property
    def cycle(self) -> tuple[float, complex]:
        """The net turn of the root over one pass (rad about Z, wrapped to [-pi, pi]) and the
        horizontal displacement of the root per pass (``x + iy``, metres)."""
        yaw0, yaw1 = yaw_of(self.root_quaternion[[0, -1]])
        turn = float(np.angle(np.exp(1j * (yaw1 - yaw0))))
        p0 = complex(*self.root_position[0, :2])
        p1 = complex(*self.root_position[-1, :2])
        return turn, p1 - p0

    def sample(self, t: np.ndarray | float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The pose at clip time ``t`` (seconds; any shape).

        Returns
        -------
        root_position : (..., 3) float64
        root_quaternion : (..., 4) float64
        rotations : (..., J, 4) float64
            Key frames are interpolated linearly (positions) and by slerp (rotations).  Before
            0 the first pose holds; past the end a clip that does not loop holds its last pose.
            A looping clip goes on cycle after cycle, each starting where the last one ended
            (the root moved on by the cycle's horizontal displacement).  Mocap loops do not
            close exactly: the walk's last key frame is 28 degrees off its first at the right
            shoulder and 7 degrees off in heading (repeated as is, it would jerk once a cycle
            and walk in a circle).  The mismatch of every joint, of the root's orientation and
            of its height is therefore spread over the cycle (a fraction ``phase`` of the
            rotation from the last key frame to the first is applied), so cycles join smoothly
            and every cycle starts facing the same way.
        """
        t = np.asarray(t, dtype=np.float64)
        dur = self.duration
        n = np.maximum(np.floor(t / dur), 0.0) if self.loop else np.zeros_like(t)
        tau = np.clip(t - n * dur, 0.0, dur)
        k = np.clip(np.searchsorted(self.times, tau, side="right") - 1, 0, len(self.times) - 2)
        span = self.times[k + 1] - self.times[k]
        f = np.clip((tau - self.times[k]) / np.where(span > 0, span, 1.0), 0.0, 1.0)
        pos = self.root_position[k] + f[..., None] * (self.root_position[k + 1] - self.root_position[k])
        quat = qslerp(self.root_quaternion[k], self.root_quaternion[k + 1], f)
        rots = qslerp(self.rotations[k], self.rotations[k + 1], f[..., None])
        if self.loop:
            phase = tau / dur
            step = self.root_position[-1] - self.root_position[0]
            pos = pos + n[..., None] * np.array([step[0], step[1], 0.0])
            pos[..., 2] -= phase * step[2]
            close_root = qmul(self.root_quaternion[0], qconj(self.root_quaternion[-1]))
            quat = qmul(qslerp(IDENTITY, close_root, phase), quat)
            close = qmul(self.rotations[0], qconj(self.rotations[-1]))
            rots = qmul(qslerp(IDENTITY, close, phase[..., None]), rots)
        return pos, quat, rots


def clip_path(name: str) -> Path:
    """The file of built-in clip ``name`` inside the installed pybullet."""
    import pybullet_data

    return Path(pybullet_data.getDataPath()) / "data" / "motions" / f"humanoid3d_{name}.txt"


def load_clip(name_or_path: str | Path) -> Clip:
    """A built-in clip by name (see :data:`BUILTIN_CLIPS`) or a DeepMimic-format file.

    Raises
    ------
    AssetError
        The name is not a built-in clip and no such file exists, or the file is not a clip.
    """
    s = str(name_or_path)
    if s in BUILTIN_CLIPS:
        return _load(str(clip_path(s)), s)
    path = Path(s)
    if not path.is_file():
        raise AssetError(
            f"clip {s!r}: not a built-in clip ({', '.join(BUILTIN_CLIPS)}) and no such file; "
            "give a built-in name or the path of a DeepMimic motion file (JSON with Frames)"
        )
    return _load(str(path.resolve()), path.stem)


@lru_cache(maxsize=64)
def _load(path: str, name: str) -> Clip:
    try:
        doc = json.loads(Path(path).read_text())
        frames = np.asarray(doc["Frames"], dtype=np.float64)
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise AssetError(
            f"clip file {path}: not a DeepMimic motion file ({type(e).__name__}: {e}); "
            "expected JSON with 'Frames': a list of rows of 44 numbers"
        ) from None
    if frames.ndim != 2 or frames.shape[1] != _ROW or len(frames) < 2:
        raise AssetError(
            f"clip file {path}: expected at least 2 frames of {_ROW} numbers, got shape "
            f"{list(frames.shape)}"
        )
    if not np.isfinite(frames).all() or (frames[:-1, 0] <= 0).any():
        raise AssetError(f"clip file {path}: frame durations must be positive and values finite")
    loop = str(doc.get("Loop", "none")).lower() == "wrap"
    return _convert(frames, name, loop, path)


def _zup(v: np.ndarray) -> np.ndarray:
    """DeepMimic (x forward, y up, z right) -> physreel (x forward, y left, z up)."""
    return np.stack([v[..., 0], -v[..., 2], v[..., 1]], axis=-1)


def _quat(wxyz: np.ndarray) -> np.ndarray:
    """A DeepMimic ``w, x, y, z`` rotation as a physreel ``[x, y, z, w]`` rotation."""
    return qnormalize(np.concatenate([_zup(wxyz[..., 1:4]), wxyz[..., :1]], axis=-1))


def _convert(frames: np.ndarray, name: str, loop: bool, source: str) -> Clip:
    times = np.concatenate([[0.0], np.cumsum(frames[:-1, 0])])
    pos = _zup(frames[:, 1:4])
    root = _quat(frames[:, 4:8])
    rots = []
    col = 8
    for joint in JOINTS:
        if joint in _HINGES:
            angle = frames[:, col]
            half = 0.5 * angle[:, None]
            rots.append(np.concatenate([_HINGE_AXIS * np.sin(half), np.cos(half)], axis=-1))
            col += 1
        else:
            rots.append(_quat(frames[:, col : col + 4]))
            col += 4
    rotations = np.stack(rots, axis=1)
    return Clip(name, times, pos, root, rotations, loop, source)


def heading_frame(position: np.ndarray, quaternion: np.ndarray) -> tuple[complex, float]:
    """The ground-plane frame of a root pose: horizontal position (``x + iy``) and heading
    (rad about Z)."""
    return complex(position[0], position[1]), float(yaw_of(quaternion))


def forward_of(quaternion: np.ndarray) -> np.ndarray:
    """(3,) the direction a root orientation faces (its rotated +x)."""
    return qrot(quaternion, np.array([1.0, 0.0, 0.0]))
