"""Reading a render folder back: ``physreel.load(OUT)``.

    out = physreel.load("renders/glass_drop")
    out.metadata["objects"]["glass"]["position"]        # per-frame positions
    depth = out.cameras["main"].read("depth")           # (T, H, W) float32 metres
    for d in out.cameras["main"].frames("depth"): ...   # one frame at a time (bounded memory)
    tracks = out.cameras["main"].read("tracks")         # dict of TAP-Vid arrays
    cond = out.cameras["main"].read_control("depth")    # (T, H, W, 3) uint8, near = white

Every pass is read from the files its registry entry declares (:mod:`physreel.passes`), decoded
with the parameters its manifest entry gives (the compact storage's 16-bit PNGs come back as the
same float32 arrays as ``--storage npy`` writes, within the entry's ``max_error``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ArgumentError, InputError
from ..passes import CONTROLS, PASSES
from ..passes.files import FrameSequence, manifest_encodings, pass_frames, pass_sequence, read_pass


@dataclass
class CameraOutput:
    """The files of one camera folder.

    Attributes
    ----------
    name : str
    folder : Path
    manifest : dict (see manifest.json: dtype, units, range, polarity of every pass)
    """

    name: str
    folder: Path
    manifest: dict = field(default_factory=dict)

    @property
    def passes(self) -> list[str]:
        """Names of the passes written for this camera."""
        return list(self.manifest.get("passes", {}))

    @property
    def controls(self) -> list[str]:
        """Names of the conditioning controls written for this camera."""
        return list(self.manifest.get("control", {}))

    def read(self, name: str) -> Any:
        """All frames of pass ``name`` (an alias such as ``seg`` or ``normal`` is accepted).

        The same arrays whatever the storage: decoded from the compact storage's PNGs (within the
        manifest entry's ``max_error``: 0.5 mm for depth, half a quantisation step for normals
        and flow, exact for segmentation and occlusion), memory-mapped from ``--storage npy``.

        Returns
        -------
        depth : (T, H, W) float32 metres
        segmentation : (T, H, W) uint16
        normals : (T, H, W, 3) float32
        flow_forward, flow_backward : (T, H, W, 2) float32 pixels
        occlusion_forward, occlusion_backward : (T, H, W) bool
        rgb : (T, H, W, 3) uint8 (from the lossless PNG frames when written, else decoded MP4)
        tracks : dict of TAP-Vid arrays (tracks_2d, occluded, query_points, tracks_3d, point_object)
        boxes : list over frames of lists over objects
        (other registered passes: as their first written storage reads back)

        Raises
        ------
        ArgumentError
            Unknown pass name ("did you mean"), or a pass this camera was not rendered with.
        """
        canonical = self._check(name)
        return read_pass(PASSES[canonical], self.folder, self._encodings(canonical))

    def frames(self, name: str) -> Iterator[np.ndarray]:
        """The frames of an array pass (``depth``, ``flow_forward`` ...) one at a time, decoded as
        :meth:`read` does; memory does not grow with the clip."""
        canonical = self._check(name)
        return pass_frames(PASSES[canonical], self.folder, self._encodings(canonical))

    def sequence(self, name: str) -> FrameSequence:
        """An array pass with random access to its frames, each decoded when asked for
        (``seq[t]``, ``seq[a:b]``, ``len(seq)``): for readers that jump between frames without
        holding the clip in memory."""
        canonical = self._check(name)
        return pass_sequence(PASSES[canonical], self.folder, self._encodings(canonical))

    def _check(self, name: str) -> str:
        canonical = PASSES.canonical(name)
        if canonical not in self.passes:
            raise ArgumentError(f"camera '{self.name}' has no pass {name!r}; it has {', '.join(self.passes) or 'none'} "
                                f"(render with --passes {canonical})")
        return canonical

    def _encodings(self, name: str) -> dict:
        return manifest_encodings(self.manifest.get("passes", {}).get(name, {}))

    def read_control(self, kind: str) -> np.ndarray:
        """All frames of conditioning control ``kind`` as written (lossless PNG frames).

        Returns
        -------
        (T, H, W, 3) uint8 for colour controls (``depth``, ``normal``, ``seg``, ``tracks``);
        (T, H, W) uint8 for line art (``edges``, ``canny``: 255 on edges, 0 elsewhere).

        Raises
        ------
        ArgumentError
            Unknown control ("did you mean"), or a control this camera was not rendered with.
        """
        canonical = CONTROLS.canonical(kind)
        if canonical not in self.controls:
            raise ArgumentError(f"camera '{self.name}' has no control {kind!r}; it has "
                                f"{', '.join(self.controls) or 'none'} (render with --control {canonical})")
        frames = CONTROLS[canonical].storage[0]
        if not frames.exists(self.folder):
            raise InputError(f"{self.folder}: control {canonical!r} is listed but {frames.pattern} is missing; "
                             "the folder is incomplete, render it again")
        return frames.read(self.folder)


@dataclass
class RenderOutput:
    """A render folder: ``metadata`` (dict) and ``cameras`` (name -> :class:`CameraOutput`)."""

    folder: Path
    metadata: dict
    cameras: dict[str, CameraOutput]

    @property
    def events(self) -> list[dict]:
        return self.metadata.get("events", [])


def load(folder: str | os.PathLike) -> RenderOutput:
    """Open a folder written by ``physreel render`` / :func:`physreel.write`."""
    folder = Path(folder)
    meta_path = folder / "metadata.json"
    if not meta_path.is_file():
        raise InputError(f"{folder} is not a physreel render: {meta_path.name} is missing")
    meta = json.loads(meta_path.read_text())
    cams = {}
    for name in meta.get("cameras", {}):
        mpath = folder / name / "manifest.json"
        manifest = json.loads(mpath.read_text()) if mpath.is_file() else {}
        cams[name] = CameraOutput(name, folder / name, manifest)
    return RenderOutput(folder, meta, cams)
