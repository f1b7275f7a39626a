"""Reading a render folder back: ``physreel.load(OUT)``.

    out = physreel.load("renders/glass_drop")
    out.metadata["objects"]["glass"]["position"]        # per-frame positions
    depth = out.cameras["main"].read("depth")           # (T, H, W) float32 metres, memory-mapped
    tracks = out.cameras["main"].read("tracks")         # dict of TAP-Vid arrays
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ArgumentError, InputError

_NPY = {"depth", "segmentation", "normals", "flow_forward", "flow_backward", "occlusion_forward", "occlusion_backward"}


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

    def read(self, name: str) -> Any:
        """All frames of pass ``name``.

        Returns
        -------
        depth : (T, H, W) float32 metres (memory-mapped)
        segmentation : (T, H, W) uint16 (memory-mapped)
        normals : (T, H, W, 3) float32 (memory-mapped)
        flow_forward, flow_backward : (T, H, W, 2) float32 pixels (memory-mapped)
        occlusion_forward, occlusion_backward : (T, H, W) bool (memory-mapped)
        rgb : (T, H, W, 3) uint8 (from the lossless PNG frames when written, else decoded MP4)
        tracks : dict of TAP-Vid arrays (tracks_2d, occluded, query_points, tracks_3d, point_object)
        boxes : list over frames of lists over objects
        """
        if name not in self.passes:
            raise ArgumentError(f"camera '{self.name}' has no pass {name!r}; it has {', '.join(self.passes) or 'none'} "
                                f"(render with --passes {name})")
        if name in _NPY:
            return np.load(self.folder / f"{name}.npy", mmap_mode="r")
        if name == "rgb":
            import imageio.v3 as iio

            pngs = sorted((self.folder / "rgb").glob("*.png")) if (self.folder / "rgb").is_dir() else []
            if pngs:
                return np.stack([iio.imread(p) for p in pngs])
            return iio.imread(self.folder / "rgb.mp4")
        if name == "tracks":
            with np.load(self.folder / "tracks.npz") as z:
                return {k: z[k] for k in z.files}
        if name == "boxes":
            return json.loads((self.folder / "boxes.json").read_text())
        raise ArgumentError(f"unknown pass {name!r}")


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
