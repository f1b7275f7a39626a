"""How a pass is stored: declarations of files, dtypes and encodings.

A pass lists its storages (``Pass.storage``); the camera writer opens a sink for each enabled
one, feeds it every frame's value and closes it with the pass's clip-level value and clip-wide
scale; the reader reads the pass back from the first of them that was written.

================  ==========================================  ================================
storage           files                                       read back as
================  ==========================================  ================================
``Npy``           ``<file>`` (T, H, W, *channels), streamed   memory-mapped array
``Png16``         ``<folder>/NNNNN.png``, 16-bit grey         (T, H, W) uint16 (exact)
``Png16Units``    same, ``value * unit`` (depth in mm)        (T, H, W) float32 (<= unit / 2)
``Png16Range``    same, channel planes stacked vertically,    (T, H, W[, C]) float32
                  one [lo, hi] per channel for the clip       (<= step / 2)
``Png16Scaled``   same, encoded with the pass's clip scale    (T, H, W) uint16
``Png1``          ``<folder>/NNNNN.png``, 1-bit               (T, H, W) bool (exact)
``Video``         ``<file>``, H.264 yuv420p (lossy)           (T, H, W, 3) uint8
``PngFrames``     ``<folder>/NNNNN.png``, 8-bit               (T, H, W[, 3]) uint8
``FirstFrame``    one PNG of frame 0                          (not a clip)
``Flo``           ``<folder>/NNNNN.flo`` (Middlebury)         (T, H, W, 2) float32
``Npz``           ``<file>`` of the clip-level value          dict of arrays
``Json``          ``<file>``: list over frames of the values  list
================  ==========================================  ================================

``option`` names a writer option that switches a storage on (``frames_png``, ``flo``);
``mode`` ties it to one value of the writer option ``storage``: :data:`COMPACT` (the default:
16-bit and 1-bit PNGs, decoded by the reader within the bound the manifest states) or
:data:`NPY` (float ``.npy`` arrays, exact).  A storage without a mode is written in both.

A sink's ``close`` may return the parameters of its encoding (a clip's unit or ranges); the
camera writer puts them, with :meth:`Storage.describe`, in the pass's ``files`` entry of the
manifest, and ``read`` / ``frames`` take them back as ``encoding``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

FRAME = "{frame:05d}"
#: The writer's ``storage`` option: 16-bit PNGs decoded within a stated bound (default) ...
COMPACT = "compact"
#: ... or exact float ``.npy`` arrays.
NPY = "npy"
STORAGE_MODES = (COMPACT, NPY)


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
    with the pass's clip-level value and clip-wide scale (it returns the parameters of the
    encoding, or None), then ``release()`` once previews and controls are made; ``abort()``
    after a failure.

    A sink that kept the exact frames (a buffered encoding) offers them as ``exact``, the path
    of a ``.npy`` (T, H, W, ...) that previews and clip-wide controls read until ``release``."""

    exact: Path | None = None

    def write(self, index: int, value: Any) -> None:
        pass

    def close(self, value: Any = None, scale: Any = None) -> dict | None:
        return None

    def release(self) -> None:
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
    mode : str or None
        :data:`COMPACT` or :data:`NPY`: written only with that ``storage`` option; None = both.
    clip : bool
        Whether it holds the whole clip (so the pass can be read back from it).
    """

    clip = True
    #: file format in the manifest
    format = ""

    def __init__(self, pattern: str, option: str | None = None, mode: str | None = None):
        if mode is not None and mode not in STORAGE_MODES:
            raise ValueError(f"storage mode must be one of {STORAGE_MODES} or None, got {mode!r}")
        self.pattern, self.option, self.mode = pattern, option, mode

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.pattern!r})"

    def enabled(self, options: Mapping[str, Any]) -> bool:
        if self.mode is not None and options.get("storage", COMPACT) != self.mode:
            return False
        return self.option is None or bool(options.get(self.option))

    def open(self, target: Target) -> Sink:
        raise NotImplementedError

    def exists(self, folder: Path) -> bool:
        return (Path(folder) / self.pattern).exists()

    def read(self, folder: Path, encoding: Mapping[str, Any] | None = None) -> Any:
        raise NotImplementedError

    def frames(self, folder: Path, encoding: Mapping[str, Any] | None = None) -> Iterator[np.ndarray]:
        """The frames one at a time (bounded memory for the per-frame and memory-mapped
        storages)."""
        arr = self.read(folder, encoding)
        for i in range(len(arr)):
            yield np.asarray(arr[i])

    def describe(self) -> dict:
        """Its entry in the manifest's ``files`` list: pattern, format and, where it needs one,
        the decode rule (the parameters of a clip's encoding are added by the writer)."""
        return {"pattern": self.pattern, "format": self.format}


class _PerFrame(Storage):
    """One file per frame: ``<folder>/NNNNN.<ext>``."""

    ext = ""

    def __init__(self, folder: str, option: str | None = None, mode: str | None = None):
        super().__init__(f"{folder}/{FRAME}.{self.ext}", option, mode)
        self.folder = folder

    def exists(self, folder: Path) -> bool:
        return any((Path(folder) / self.folder).glob(f"*.{self.ext}"))

    def open(self, target: Target) -> Sink:
        d = target.folder / self.folder
        d.mkdir(parents=True, exist_ok=True)
        return _PerFrameSink(self, d)

    def write_one(self, path: Path, value: Any) -> None:
        raise NotImplementedError

    def read_one(self, path: Path, encoding: Mapping[str, Any] | None = None) -> np.ndarray:
        raise NotImplementedError

    def files(self, folder: Path) -> list[Path]:
        return sorted((Path(folder) / self.folder).glob(f"[0-9]*.{self.ext}"))

    def read(self, folder: Path, encoding: Mapping[str, Any] | None = None) -> np.ndarray:
        return np.stack([self.read_one(p, encoding) for p in self.files(folder)])

    def frames(self, folder: Path, encoding: Mapping[str, Any] | None = None) -> Iterator[np.ndarray]:
        for p in self.files(folder):
            yield self.read_one(p, encoding)


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

    format = "npy"

    def __init__(self, file: str, dtype, channels: tuple[int, ...] = (), option: str | None = None,
                 mode: str | None = None):
        super().__init__(file, option, mode)
        self.dtype, self.channels = np.dtype(dtype), tuple(channels)

    def open(self, target: Target) -> Sink:
        from ..outputs.npystream import NpyStreamWriter

        return _NpySink(NpyStreamWriter(target.folder / self.pattern, target.frames,
                                        (target.height, target.width, *self.channels), self.dtype))

    def read(self, folder: Path, encoding: Mapping[str, Any] | None = None) -> np.ndarray:
        return np.load(Path(folder) / self.pattern, mmap_mode="r")

    def describe(self) -> dict:
        return {**super().describe(), "dtype": str(self.dtype), "max_error": 0}


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
    format = "png16"

    def __init__(self, folder: str, encode: Callable[[np.ndarray], np.ndarray] | None = None,
                 option: str | None = None, mode: str | None = None):
        super().__init__(folder, option, mode)
        self.encode = encode

    def write_one(self, path: Path, value: Any) -> None:
        from ..outputs.formats import write_png16

        write_png16(path, self.encode(value) if self.encode is not None else value)

    def read_one(self, path: Path, encoding: Mapping[str, Any] | None = None) -> np.ndarray:
        from ..outputs.formats import read_png16

        return read_png16(path)

    def describe(self) -> dict:
        out = {**super().describe(), "dtype": "uint16"}
        if self.encode is None:
            out.update(decode="the values as they are", max_error=0)
        return out


class Flo(_PerFrame):
    """Middlebury ``.flo`` per frame: (H, W, 2) float32 flow."""

    ext = "flo"
    format = "flo"

    def write_one(self, path: Path, value: Any) -> None:
        from ..outputs.formats import write_flo

        write_flo(path, value)

    def read_one(self, path: Path, encoding: Mapping[str, Any] | None = None) -> np.ndarray:
        from ..outputs.formats import read_flo

        return read_flo(path)

    def describe(self) -> dict:
        return {**super().describe(), "dtype": "float32", "max_error": 0}


# ------------------------------------------------------------------------------------ images
class Video(Storage):
    """An H.264 yuv420p MP4 (lossy; plays in browsers) of (H, W, 3) uint8 frames; grey (H, W)
    frames are repeated into three channels."""

    format = "mp4"

    def open(self, target: Target) -> Sink:
        from ..outputs.video import Mp4Writer

        path = target.folder / self.pattern
        path.parent.mkdir(parents=True, exist_ok=True)
        return _VideoSink(Mp4Writer(path, target.fps, crf=target.crf))

    def read(self, folder: Path, encoding: Mapping[str, Any] | None = None) -> np.ndarray:
        import imageio.v3 as iio

        return iio.imread(Path(folder) / self.pattern)

    def frames(self, folder: Path, encoding: Mapping[str, Any] | None = None) -> Iterator[np.ndarray]:
        import imageio.v3 as iio

        yield from iio.imiter(Path(folder) / self.pattern)

    def describe(self) -> dict:
        return {**super().describe(), "codec": "H.264 yuv420p (lossy)", "dtype": "uint8"}


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
    format = "png"

    def write_one(self, path: Path, value: Any) -> None:
        write_png(path, value)

    def read_one(self, path: Path, encoding: Mapping[str, Any] | None = None) -> np.ndarray:
        import imageio.v3 as iio

        return iio.imread(path)

    def describe(self) -> dict:
        return {**super().describe(), "dtype": "uint8", "max_error": 0}


class FirstFrame(Storage):
    """One PNG of frame 0 (the image for image-to-video models)."""

    clip = False
    format = "png"

    def open(self, target: Target) -> Sink:
        return _FirstFrameSink(target.folder / self.pattern)

    def read(self, folder: Path, encoding: Mapping[str, Any] | None = None) -> np.ndarray:
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

    format = "npz"

    def open(self, target: Target) -> Sink:
        return _NpzSink(target.folder / self.pattern)

    def read(self, folder: Path, encoding: Mapping[str, Any] | None = None) -> dict[str, np.ndarray]:
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

    format = "json"

    def open(self, target: Target) -> Sink:
        return _JsonSink(target.folder / self.pattern)

    def read(self, folder: Path, encoding: Mapping[str, Any] | None = None) -> Any:
        return json.loads((Path(folder) / self.pattern).read_text())


class _JsonSink(Sink):
    def __init__(self, path: Path):
        self.path, self.values = path, []

    def write(self, index: int, value: Any) -> None:
        self.values.append(value)

    def close(self, value: Any = None, scale: Any = None) -> None:
        self.path.write_text(json.dumps(self.values, separators=(",", ":")) + "\n")


# The storages whose encoding depends on the whole clip live in their own module.
from .encoded import Png1, Png16Range, Png16Scaled, Png16Units  # noqa: E402

__all__ = [
    "COMPACT", "NPY", "STORAGE_MODES", "FirstFrame", "Flo", "Json", "Npy", "Npz", "Png1", "Png16", "Png16Range",
    "Png16Scaled", "Png16Units", "PngFrames", "Sink", "Storage", "Target", "Video", "as_rgb", "write_png",
]
