"""The passes of one camera as a stream of frame bundles (the loop over the pass registry).

For every frame the renderer makes the outputs the requested passes need (the colour image
and/or the exact float32 ground-truth render), then each pass of
:data:`physreel.passes.PASSES` computes its value (:class:`~physreel.passes.Frame`).  When a
pass needs a neighbouring frame (flow), the stream renders one frame ahead and keeps one
behind: at most three frames are held in memory.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from ..passes import PASSES, RENDER_OUTPUTS, Clip, Frame, closure, resolve_passes
from ..physics.trajectory import Trajectory
from .dof import Lens
from .motion_blur import Shutter
from .stream import FrameBundle


def check_passes(passes: Sequence[str] | str) -> list[str]:
    """Canonical pass names (aliases and ``all`` accepted), de-duplicated, in canonical order;
    unknown names raise :class:`~physreel.errors.ArgumentError` with "did you mean"."""
    return resolve_passes(passes)


def object_poses(trajectory: Trajectory, frame: int) -> np.ndarray:
    """(N, 4, 4) object-to-world poses at ``frame`` (NaN-free: absent objects keep a pose)."""
    n = len(trajectory.names)
    out = np.empty((n, 4, 4))
    for i in range(n):
        out[i] = trajectory.pose_matrix(frame, i)
    return out


class PassStream:
    """Iterate to get one :class:`FrameBundle` per frame with every requested pass; after the
    last frame, :attr:`results` holds each pass's clip-level value (``Pass.finish``: the
    TAP-Vid arrays of ``tracks``).

    Parameters
    ----------
    renderer : an open SceneRenderer (bodies in ``clip.trajectory.names`` order)
    clip : the camera's clip (trajectory, per-frame views, geometries ...)
    passes : pass names (aliases and ``all`` accepted)
    """

    def __init__(self, renderer, clip: Clip, passes: Sequence[str] | str):
        self.renderer, self.clip = renderer, clip
        self.passes = resolve_passes(passes)
        computed = closure(PASSES, self.passes)
        self.specs = {n: PASSES[n] for n in computed}
        self.render_outputs = [r for r in RENDER_OUTPUTS if any(r in s.needs.render for s in self.specs.values())]
        self.neighbours = {n for s in self.specs.values() for n in s.needs.neighbours}
        self.results: dict[str, Any] = {}
        render = clip.scene.render
        # the colour image exposed over the shutter (ground truth stays at its centre)
        self.shutter = Shutter(render.shutter, clip.trajectory, list(clip.views)) \
            if render.motion_blur and "rgb" in self.render_outputs else None
        cam = next((c for c in clip.scene.cameras if c.name == clip.camera), None)
        self.lens = Lens.of(cam) if cam is not None and "rgb" in self.render_outputs else None

    def __iter__(self) -> Iterator[FrameBundle]:
        clip, traj = self.clip, self.clip.trajectory
        states = {n: s.setup(clip) for n, s in self.specs.items() if s.setup is not None}
        ahead = "next" in self.neighbours
        keep_prev = "prev" in self.neighbours
        prev: Frame | None = None
        cur = self._render(0, states)
        for f in range(traj.num_frames):
            nxt = self._render(f + 1, states) if ahead and f + 1 < traj.num_frames else None
            cur.prev, cur.next = prev if keep_prev else None, nxt
            bundle = FrameBundle(frame=f, time=f / traj.fps, camera=clip.camera, view=cur.view)
            for name in self.passes:
                bundle.passes[name] = cur[name]
            bundle.sharp_rgb = cur.render.get("rgb_sharp")
            cur.prev = cur.next = None  # a frame holds its neighbours only while it is computed
            yield bundle
            if f + 1 < traj.num_frames:
                prev = cur if keep_prev else None
                cur = nxt if ahead else self._render(f + 1, states)
        self.results = {n: self.specs[n].finish(states.get(n)) for n in self.specs
                        if self.specs[n].finish is not None}

    def _poses(self, f: int) -> np.ndarray:
        """(N, 4, 4) body poses at frame ``f`` (the last few are kept: motion reads neighbours)."""
        cache = self.__dict__.setdefault("_pose_cache", {})
        if f not in cache:
            traj = self.clip.trajectory
            cache[f] = object_poses(traj, f) if traj.names else np.zeros((0, 4, 4))
            cache.pop(f - 3, None)
        return cache[f]

    def _render(self, f: int, states: dict) -> Frame:
        # One renderer call, one geometry pass: colour, ground truth and the exact motion of
        # every pixel to the neighbouring frames (from their poses and cameras).
        traj, views = self.clip.trajectory, self.clip.views
        obj = self._poses(f)
        want = set(self.render_outputs)
        nxt = (views[f + 1], self._poses(f + 1)) if "motion_next" in want and f + 1 < traj.num_frames else None
        prv = (views[f - 1], self._poses(f - 1)) if "motion_prev" in want and f > 0 else None
        want -= {m for m, other in (("motion_next", nxt), ("motion_prev", prv)) if other is None}
        res = self.renderer.render(views[f], obj, traj.present[f], want, prev=prv, next_=nxt, frame=f,
                                   shutter=self.shutter, lens=self.lens)
        outputs = {k: res[k] for k in ("rgb", "rgb_sharp", "motion_next", "motion_prev") if k in res}
        if "gt" in want:
            outputs["gt"] = {k: res[k] for k in ("depth", "segmentation", "normals")}
        poses = np.concatenate([np.eye(4)[None], obj], axis=0)
        present = np.concatenate([[True], traj.present[f]])
        return Frame(f, views[f], poses, present, outputs, self.clip, self.specs, states)


def render_passes(renderer, clip: Clip, passes: Sequence[str] | str) -> PassStream:
    """The frames of one camera with every pass in ``passes`` (see :class:`PassStream`)."""
    return PassStream(renderer, clip, passes)
