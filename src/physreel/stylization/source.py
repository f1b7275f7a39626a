"""One camera of a render folder, read frame by frame for stylizers.

``stylize`` reads a render folder (or a frame stream), never the simulation: the per-frame
camera (``K``, ``world_to_camera``) and object poses come from ``metadata.json``, the pixels
from the camera folder (array passes decoded a frame at a time; RGB from the lossless PNG frames when
they were written, else decoded from ``rgb.mp4`` one frame at a time).  Memory does not grow
with the clip length.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

from ..errors import ArgumentError, InputError
from ..outputs.reader import RenderOutput, load
from ..rendering.camera import CameraFrame
from ..transforms import pose_to_matrix

#: Passes stored as per-frame arrays in a camera folder (16-bit PNGs or ``.npy``).
ARRAY_PASSES = ("depth", "segmentation", "normals", "flow_forward", "flow_backward",
                "occlusion_forward", "occlusion_backward")


class RgbFrames:
    """Sequential-friendly random access to a camera's RGB frames.

    Reads ``rgb/NNNNN.png`` when present (lossless), else decodes ``rgb.mp4`` with one open
    decoder; asking for an earlier frame than the last one restarts the decoder, so reading in
    order costs one decode per frame and holds one frame in memory.
    """

    def __init__(self, folder: Path, num_frames: int):
        self.folder = Path(folder)
        self.num_frames = num_frames
        self._pngs = self.folder / "rgb"
        self._use_png = (self._pngs / "00000.png").is_file()
        self._it: Iterator | None = None
        self._next = 0

    def __getitem__(self, t: int) -> np.ndarray:
        import imageio.v3 as iio

        if self._use_png:
            return iio.imread(self._pngs / f"{t:05d}.png")[..., :3]
        if self._it is None or t < self._next:
            self.close()
            self._it = iter(iio.imiter(self.folder / "rgb.mp4"))
            self._next = 0
        frame = None
        while self._next <= t:
            try:
                frame = next(self._it)
            except StopIteration:
                raise InputError(f"{self.folder / 'rgb.mp4'} has only {self._next} frames; the metadata "
                                 f"says {self.num_frames} (the file is damaged: render again)") from None
            self._next += 1
        return np.ascontiguousarray(frame[..., :3])

    def close(self) -> None:
        if self._it is not None and hasattr(self._it, "close"):
            self._it.close()
        self._it = None


class RenderFrames:
    """One camera of a render folder: per-frame cameras, object poses and passes.

    Parameters
    ----------
    render : path of a render folder or a :class:`~physreel.outputs.reader.RenderOutput`
    camera : camera name (default: the first camera of the render)

    Attributes
    ----------
    render : RenderOutput
    camera : str
    num_frames, width, height : int
    fps : float
    """

    def __init__(self, render: str | os.PathLike | RenderOutput, camera: str | None = None):
        self.render = render if isinstance(render, RenderOutput) else load(render)
        meta = self.render.metadata
        cams = meta.get("cameras", {})
        if not cams:
            raise InputError(f"{self.render.folder}: metadata.json lists no cameras")
        if camera is None:
            camera = next(iter(cams))
        if camera not in cams:
            raise ArgumentError(f"no camera named {camera!r} in {self.render.folder}; it has "
                                f"{', '.join(cams)} (use --camera NAME)")
        self.camera = camera
        self.output = self.render.cameras[camera]
        cm = cams[camera]
        self.width, self.height = int(cm["width"]), int(cm["height"])
        self.num_frames = int(meta["num_frames"])
        self.fps = float(meta["fps"])
        self._K = np.asarray(cm["K"], dtype=np.float64).reshape(-1, 3, 3)
        self._w2c = np.asarray(cm["world_to_camera"], dtype=np.float64).reshape(-1, 4, 4)
        self._yfov = np.asarray(cm.get("yfov", [0.0] * self.num_frames), dtype=np.float64).reshape(-1)
        objs = sorted(meta.get("objects", {}).items(), key=lambda kv: kv[1].get("index", 0))
        self.object_names = [name for name, _ in objs]
        t = self.num_frames
        self._pos = np.asarray([o["position"] for _, o in objs], dtype=np.float64).reshape(len(objs), t, 3)
        self._quat = np.asarray([o["quaternion"] for _, o in objs], dtype=np.float64).reshape(len(objs), t, 4)
        self._present = np.asarray([o["present"] for _, o in objs], dtype=bool).reshape(len(objs), t)
        self._arrays: dict[str, np.ndarray] = {}
        self._rgb: RgbFrames | None = None

    # ------------------------------------------------------------------ geometry
    def view(self, t: int) -> CameraFrame:
        """The camera at frame ``t`` (OpenCV convention, see :mod:`physreel.rendering.camera`)."""
        return CameraFrame(self.width, self.height, self._K[t], self._w2c[t], float(self._yfov[t]))

    def poses(self, t: int) -> np.ndarray:
        """(1 + N, 4, 4) float64 object-to-world poses at frame ``t``: row 0 is the ground
        (identity), row ``k`` object ``k - 1``, so segmentation id ``s >= 1`` is row ``s - 1``
        (the layout :func:`physreel.rendering.flow.compute_flow` expects)."""
        out = np.empty((1 + len(self.object_names), 4, 4))
        out[0] = np.eye(4)
        for i in range(len(self.object_names)):
            out[i + 1] = pose_to_matrix(self._pos[i, t], self._quat[i, t])
        return out

    def present(self, t: int) -> np.ndarray:
        """(1 + N,) bool: whether the ground and each object exist at frame ``t``."""
        return np.concatenate([[True], self._present[:, t]])

    # ------------------------------------------------------------------ pixels
    @property
    def passes(self) -> list[str]:
        """Passes written for this camera."""
        return self.output.passes

    def has(self, name: str) -> bool:
        return name in self.passes

    def require(self, names: Iterable[str], why: str) -> None:
        """Raise a clear error when passes ``names`` were not rendered."""
        missing = [n for n in names if not self.has(n)]
        if missing:
            need = sorted(set(self.passes) | set(missing))
            raise InputError(
                f"{self.render.folder}/{self.camera}: {why} needs the pass"
                f"{'es' if len(missing) > 1 else ''} {', '.join(missing)}, which "
                f"{'were' if len(missing) > 1 else 'was'} not rendered; render again with "
                f"--passes {','.join(need)}")

    def array(self, name: str) -> np.ndarray:
        """All frames of an array pass, decoded one frame at a time when indexed (``[t]``,
        ``[a:b]``), e.g. ``depth`` (T, H, W) float32 m."""
        if name not in self._arrays:
            if name not in ARRAY_PASSES:
                raise ArgumentError(f"{name!r} is not an array pass; array passes are {', '.join(ARRAY_PASSES)}")
            self.require([name], f"reading {name}")
            self._arrays[name] = self.output.sequence(name)
        return self._arrays[name]

    def rgb(self, t: int) -> np.ndarray:
        """(H, W, 3) uint8 sRGB frame ``t``."""
        self.require(["rgb"], "reading rgb")
        if self._rgb is None:
            self._rgb = RgbFrames(self.output.folder, self.num_frames)
        return self._rgb[t]

    def bundle(self, t: int, passes: Iterable[str]):
        """A :class:`~physreel.rendering.stream.FrameBundle` of frame ``t`` with ``passes``."""
        from ..rendering.stream import FrameBundle

        b = FrameBundle(frame=t, time=t / self.fps, camera=self.camera, view=self.view(t))
        for p in passes:
            b.passes[p] = self.rgb(t) if p == "rgb" else np.asarray(self.array(p)[t])
        return b

    def close(self) -> None:
        if self._rgb is not None:
            self._rgb.close()
        self._arrays.clear()

    def __enter__(self) -> RenderFrames:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def frames_of(render, camera: str | None = None) -> RenderFrames:
    """``render`` as a :class:`RenderFrames` (a path, a RenderOutput or a RenderFrames)."""
    if isinstance(render, RenderFrames):
        if camera is not None and camera != render.camera:
            return RenderFrames(render.render, camera)
        return render
    return RenderFrames(render, camera)
