"""How a pass is stored: declarations of files, dtypes and encodings.

A pass lists its storages (``Pass.storage``); the camera writer opens a sink for each enabled
one, feeds it every frame's value and closes it with the pass's clip-level value and clip-wide
scale; the reader reads the pass back from the first of them that was written.

================  ==========================================  ================================
storage           files                                       read back as
================  ==========================================  ================================
``Npy``           ``<file>`` (T, H, W, *channels), streamed   memory-mapped array
``Png16``         ``<folder>/NNNNN.png``, 16-bit grey         (T, H, W) uint16
``Png16Scaled``   same, encoded with the clip-wide scale      (T, H, W) uint16
``Video``         ``<file>``, H.264 yuv420p (lossy)           (T, H, W, 3) uint8
``PngFrames``     ``<folder>/NNNNN.png``, 8-bit               (T, H, W[, 3]) uint8
``FirstFrame``    one PNG of frame 0                          (not a clip)
``Flo``           ``<folder>/NNNNN.flo`` (Middlebury)         (T, H, W, 2) float32
``Npz``           ``<file>`` of the clip-level value          dict of arrays
``Json``          ``<file>``: list over frames of the values  list
================  ==========================================  ================================

``option`` names a writer option that switches a storage on (``frames_png``, ``flo``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

FRAME = "{frame:05d}"


@dataclass(frozen=True)
class Target:
    """The camera folder and the clip a sink writes.

    Attributes
    ----------
    folder : Path
    frames, height, width : int
    fps : int
    crf : int
        x264 quality of videos.
    options : mapping
        Writer options (``frames_png``, ``flo`` ...).
    """

    folder: Path
    frames: int
    height: int
    width: int
    fps: int
    crf: int = 18
    options: Mapping[str, Any] = field(default_factory=dict)


class Sink:
    """An open storage: ``write(index, value)`` for every frame, then ``close(value, scale)``
    with the pass's clip-level value and clip-wide scale; ``abort()`` after a failure."""

    def write(self, index: int, value: Any) -> None:
        pass

    def close(self, value: Any = None, scale: Any = None) -> None:
        pass

    def abort(self) -> None:
        pass


class Storage:
    """Base of the storage declarations.

    Attributes
    ----------
    pattern : str
        File, or per-frame file pattern with ``{frame:05d}``, relative to the camera folder.
    option : str or None
        Writer option that enables it; None = always written.
    clip : bool
        Whether it holds the whole clip (so the pass can be read back from it).
    """

    clip = True

    def __init__(self, pattern: str, option: str | None = None):
        self.pattern, self.option = pattern, option

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.pattern!r})"

    def enabled(self, options: Mapping[str, Any]) -> bool:
        return self.option is None or bool(options.get(self.option))

    def open(self, target: Target) -> Sink:
        raise NotImplementedError

    def exists(self, folder: Path) -> bool:
        return (Path(folder) / self.pattern).exists()

    def read(self, folder: Path) -> Any:
        raise NotImplementedError


class _PerFrame(Storage):
    """One file per frame: ``<folder>/NNNNN.<ext>``."""

    ext = ""

    def __init__(self, folder: str, option: str | None = None):
        super().__init__(f"{folder}/{FRAME}.{self.ext}", option)
        self.folder = folder

    def exists(self, folder: Path) -> bool:
        return any((Path(folder) / self.folder).glob(f"*.{self.ext}"))

    def open(self, target: Target) -> Sink:
        d = target.folder / self.folder
        d.mkdir(parents=True, exist_ok=True)
        return _PerFrameSink(self, d)

    def write_one(self, path: Path, value: Any) -> None:
        raise NotImplementedError

    def read_one(self, path: Path) -> np.ndarray:
        raise NotImplementedError

    def read(self, folder: Path) -> np.ndarray:
        files = sorted((Path(folder) / self.folder).glob(f"*.{self.ext}"))
        return np.stack([self.read_one(p) for p in files])


class _PerFrameSink(Sink):
    def __init__(self, storage: _PerFrame, folder: Path):
        self.storage, self.folder = storage, folder

    def write(self, index: int, value: Any) -> None:
        self.storage.write_one(self.folder / f"{index:05d}.{self.storage.ext}", value)


def write_png(path: Path, img: np.ndarray) -> None:
    """An 8-bit PNG of (H, W) grey or (H, W, 3) RGB uint8."""
    import imageio.v3 as iio

    iio.imwrite(path, img)


def as_rgb(img: np.ndarray) -> np.ndarray:
    """(H, W, 3) uint8 from (H, W, 3) or grey (H, W) uint8."""
    return img if img.ndim == 3 else np.repeat(img[..., None], 3, axis=2)


# ------------------------------------------------------------------------------------ arrays
class Npy(Storage):
    """A ``.npy`` array (T, H, W, *channels) written frame by frame (memory does not grow with
    the clip), read back memory-mapped.

    Parameters
    ----------
    file : str, e.g. ``"depth.npy"``
    dtype : numpy dtype of the stored values
    channels : frame dimensions after (H, W), e.g. ``(3,)`` for normals
    """

    def __init__(self, file: str, dtype, channels: tuple[int, ...] = (), option: str | None = None):
        super().__init__(file, option)
        self.dtype, self.channels = np.dtype(dtype), tuple(channels)

    def open(self, target: Target) -> Sink:
        from ..outputs.npystream import NpyStreamWriter

        return _NpySink(NpyStreamWriter(target.folder / self.pattern, target.frames,
                                        (target.height, target.width, *self.channels), self.dtype))

    def read(self, folder: Path) -> np.ndarray:
        return np.load(Path(folder) / self.pattern, mmap_mode="r")


class _NpySink(Sink):
    def __init__(self, writer):
        self.w = writer

    def write(self, index: int, value: Any) -> None:
        self.w.write(value)

    def close(self, value: Any = None, scale: Any = None) -> None:
        self.w.close()

    def abort(self) -> None:
        try:
            self.w.close()
        except ValueError:  # fewer frames than the header says: the folder is discarded
            pass


class Png16(_PerFrame):
    """16-bit greyscale PNG per frame (lossless): ``encode(frame) -> (H, W) uint16`` (default:
    the values as they are, e.g. segmentation ids)."""

    ext = "png"

    def __init__(self, folder: str, encode: Callable[[np.ndarray], np.ndarray] | None = None,
                 option: str | None = None):
        super().__init__(folder, option)
        self.encode = encode

    def write_one(self, path: Path, value: Any) -> None:
        from ..outputs.formats import write_png16

        write_png16(path, self.encode(value) if self.encode is not None else value)

    def read_one(self, path: Path) -> np.ndarray:
        from ..outputs.formats import read_png16

        return read_png16(path)


class Png16Scaled(Png16):
    """16-bit PNG per frame encoded with the pass's clip-wide scale (``Pass.scale``):
    ``encode(frame, scale) -> (H, W) uint16``.

    The scale is known only after the last frame, so frames wait in a temporary ``.npy``
    beside the PNGs (memory does not grow with the clip) and are encoded when the sink closes.
    """

    def __init__(self, folder: str, encode: Callable[[np.ndarray, Any], np.ndarray],
                 option: str | None = None):
        super().__init__(folder, encode, option)

    def open(self, target: Target) -> Sink:
        d = target.folder / self.folder
        d.mkdir(parents=True, exist_ok=True)
        return _ScaledSink(self, d, target.frames)


class _ScaledSink(Sink):
    def __init__(self, storage: Png16Scaled, folder: Path, frames: int):
        self.storage, self.folder, self.frames = storage, folder, frames
        self.tmp = folder / ".unscaled.npy"
        self.w = None

    def write(self, index: int, value: Any) -> None:
        from ..outputs.npystream import NpyStreamWriter

        a = np.asarray(value)
        if self.w is None:
            self.w = NpyStreamWriter(self.tmp, self.frames, a.shape, a.dtype)
        self.w.write(a)

    def close(self, value: Any = None, scale: Any = None) -> None:
        from ..outputs.formats import write_png16

        if self.w is None:
            return
        self.w.close()
        self.w = None
        frames = np.load(self.tmp, mmap_mode="r")
        for i in range(frames.shape[0]):
            write_png16(self.folder / f"{i:05d}.png", self.storage.encode(np.asarray(frames[i]), scale))
        del frames
        self.tmp.unlink()

    def abort(self) -> None:
        if self.w is not None:
            _NpySink(self.w).abort()
            self.w = None


class Flo(_PerFrame):
    """Middlebury ``.flo`` per frame: (H, W, 2) float32 flow."""

    ext = "flo"

    def write_one(self, path: Path, value: Any) -> None:
        from ..outputs.formats import write_flo

        write_flo(path, value)

    def read_one(self, path: Path) -> np.ndarray:
        from ..outputs.formats import read_flo

        return read_flo(path)


# ------------------------------------------------------------------------------------ images
class Video(Storage):
    """An H.264 yuv420p MP4 (lossy; plays in browsers) of (H, W, 3) uint8 frames; grey (H, W)
    frames are repeated into three channels."""

    def open(self, target: Target) -> Sink:
        from ..outputs.video import Mp4Writer

        path = target.folder / self.pattern
        path.parent.mkdir(parents=True, exist_ok=True)
        return _VideoSink(Mp4Writer(path, target.fps, crf=target.crf))

    def read(self, folder: Path) -> np.ndarray:
        import imageio.v3 as iio

        return iio.imread(Path(folder) / self.pattern)


class _VideoSink(Sink):
    def __init__(self, writer):
        self.w = writer

    def write(self, index: int, value: Any) -> None:
        self.w.write(as_rgb(value))

    def close(self, value: Any = None, scale: Any = None) -> None:
        self.w.close()

    def abort(self) -> None:
        try:
            self.w.close()
        except Exception:  # noqa: BLE001 - already failing; the folder is discarded
            pass


class PngFrames(_PerFrame):
    """8-bit PNG per frame (lossless): (H, W, 3) RGB or (H, W) grey uint8."""

    ext = "png"

    def write_one(self, path: Path, value: Any) -> None:
        write_png(path, value)

    def read_one(self, path: Path) -> np.ndarray:
        import imageio.v3 as iio

        return iio.imread(path)


class FirstFrame(Storage):
    """One PNG of frame 0 (the image for image-to-video models)."""

    clip = False

    def open(self, target: Target) -> Sink:
        return _FirstFrameSink(target.folder / self.pattern)

    def read(self, folder: Path) -> np.ndarray:
        import imageio.v3 as iio

        return iio.imread(Path(folder) / self.pattern)


class _FirstFrameSink(Sink):
    def __init__(self, path: Path):
        self.path = path

    def write(self, index: int, value: Any) -> None:
        if index == 0:
            write_png(self.path, value)


# ------------------------------------------------------------------------------ clip values
class Npz(Storage):
    """A compressed ``.npz`` of the pass's clip-level value (a dict of arrays, ``Pass.finish``)."""

    def open(self, target: Target) -> Sink:
        return _NpzSink(target.folder / self.pattern)

    def read(self, folder: Path) -> dict[str, np.ndarray]:
        with np.load(Path(folder) / self.pattern) as z:
            return {k: z[k] for k in z.files}


class _NpzSink(Sink):
    def __init__(self, path: Path):
        self.path = path

    def close(self, value: Any = None, scale: Any = None) -> None:
        if value is not None:
            np.savez_compressed(self.path, **value)


class Json(Storage):
    """Compact JSON: a list over frames of the per-frame values (small, JSON-able values)."""

    def open(self, target: Target) -> Sink:
        return _JsonSink(target.folder / self.pattern)

    def read(self, folder: Path) -> Any:
        return json.loads((Path(folder) / self.pattern).read_text())


class _JsonSink(Sink):
    def __init__(self, path: Path):
        self.path, self.values = path, []

    def write(self, index: int, value: Any) -> None:
        self.values.append(value)

    def close(self, value: Any = None, scale: Any = None) -> None:
        self.path.write_text(json.dumps(self.values, separators=(",", ":")) + "\n")
