"""Storages whose encoding depends on the whole clip (a unit or a range chosen from its values)
and the 1-bit PNG of boolean passes; re-exported by :mod:`physreel.passes.storage`.

The encodings themselves are :mod:`physreel.passes.quantize`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from .storage import Png16, Sink, Target, _NpySink, _PerFrame


class _Buffered(Png16):
    """A 16-bit PNG storage whose encoding depends on the whole clip: frames wait in a
    temporary ``.npy`` beside the PNGs (memory does not grow with the clip) and are encoded
    when the sink closes, with what :meth:`plan` makes of the clip; the exact frames stay
    (``Sink.exact``) for the previews and controls until the sink is released."""

    def __init__(self, folder: str, option: str | None = None, mode: str | None = None):
        super().__init__(folder, None, option, mode)

    def open(self, target: Target) -> Sink:
        d = target.folder / self.folder
        d.mkdir(parents=True, exist_ok=True)
        return _BufferedSink(self, d, target.frames)

    def accumulator(self) -> Any:
        """An object with ``update(frame)`` fed every frame while writing (or None)."""
        return None

    def plan(self, acc: Any, scale: Any) -> dict | None:
        """The clip's encoding from the accumulator and the pass's scale (goes to the manifest)."""
        raise NotImplementedError

    def encode_frame(self, frame: np.ndarray, plan: dict | None, scale: Any) -> np.ndarray:
        raise NotImplementedError


class _BufferedSink(Sink):
    def __init__(self, storage: _Buffered, folder: Path, frames: int):
        self.storage, self.folder, self.frames = storage, folder, frames
        self.tmp = folder / ".unencoded.npy"
        self.acc = storage.accumulator()
        self.w = None

    def write(self, index: int, value: Any) -> None:
        from ..outputs.npystream import NpyStreamWriter

        a = np.asarray(value)
        if self.w is None:
            self.w = NpyStreamWriter(self.tmp, self.frames, a.shape, a.dtype)
        self.w.write(a)
        if self.acc is not None:
            self.acc.update(a)

    def close(self, value: Any = None, scale: Any = None) -> dict | None:
        from ..outputs.formats import write_png16

        if self.w is None:
            return None
        self.w.close()
        self.w = None
        plan = self.storage.plan(self.acc, scale)
        frames = np.load(self.tmp, mmap_mode="r")
        for i in range(frames.shape[0]):
            write_png16(self.folder / f"{i:05d}.png", self.storage.encode_frame(np.asarray(frames[i]), plan, scale))
        del frames
        self.exact = self.tmp  # previews and controls read the exact values until release()
        return plan

    def release(self) -> None:
        self.exact = None
        self.tmp.unlink(missing_ok=True)

    def abort(self) -> None:
        if self.w is not None:
            _NpySink(self.w).abort()
            self.w = None
        self.release()


class Png16Scaled(_Buffered):
    """16-bit PNG per frame encoded with the pass's clip-wide scale (``Pass.scale``):
    ``encode(frame, scale) -> (H, W) uint16``, read back as the stored uint16 (the pass's
    manifest says how to decode them)."""

    def __init__(self, folder: str, encode: Callable[[np.ndarray, Any], np.ndarray],
                 option: str | None = None, mode: str | None = None):
        super().__init__(folder, option, mode)
        self.encode_scaled = encode

    def plan(self, acc: Any, scale: Any) -> None:
        return None

    def encode_frame(self, frame: np.ndarray, plan: dict | None, scale: Any) -> np.ndarray:
        return self.encode_scaled(frame, scale)


class Png16Units(_Buffered):
    """A non-negative float pass (depth) as 16-bit PNGs of whole units: ``value = round(x /
    unit)``, 0 = background (:func:`physreel.passes.quantize.encode_units`).  ``unit`` is
    ``base_unit`` unless the clip's largest value needs a multiple of it to fit in 65535.
    Read back as float32 ``value * unit``."""

    def __init__(self, folder: str, base_unit: float, units: str, option: str | None = None,
                 mode: str | None = None):
        super().__init__(folder, option, mode)
        self.base_unit, self.units = float(base_unit), units

    def accumulator(self):
        return _Max()

    def plan(self, acc: _Max, scale: Any) -> dict:
        from .quantize import units_for

        unit = units_for(acc.value, self.base_unit)
        # half a unit, plus the float32 rounding of the decoded value
        return {"unit": unit, "max_error": unit / 2 + acc.value * 2.0**-23}

    def encode_frame(self, frame: np.ndarray, plan: dict | None, scale: Any) -> np.ndarray:
        from .quantize import encode_units

        return encode_units(frame, plan["unit"])

    def read_one(self, path: Path, encoding: Mapping[str, Any] | None = None) -> np.ndarray:
        from .quantize import decode_units

        return decode_units(super().read_one(path), _param(encoding, "unit", self.pattern))

    def describe(self) -> dict:
        return {**super().describe(), "decode": f"{self.units} = value * unit; 0 = background",
                "units": self.units}


class Png16Range(_Buffered):
    """A float pass as 16-bit PNGs with one ``[lo, hi]`` per channel for the clip
    (:func:`physreel.passes.quantize.encode_range`): the C channel planes of a frame are
    stacked vertically into one (C * H, W) grey image; 0 is an exact 0.0.  Read back as
    float32 (T, H, W, C) (or (T, H, W) when ``channels`` is ``()``)."""

    def __init__(self, folder: str, channels: tuple[int, ...] = (), option: str | None = None,
                 mode: str | None = None):
        super().__init__(folder, option, mode)
        self.channels = tuple(channels)

    def accumulator(self):
        from .quantize import RangeAccumulator

        return RangeAccumulator()

    def plan(self, acc, scale: Any) -> dict:
        from .quantize import clip_range

        return clip_range(*acc.result(self.channels[0] if self.channels else 1))

    def encode_frame(self, frame: np.ndarray, plan: dict | None, scale: Any) -> np.ndarray:
        from .quantize import encode_range

        return encode_range(frame, plan["lo"], plan["hi"])

    def read_one(self, path: Path, encoding: Mapping[str, Any] | None = None) -> np.ndarray:
        from .quantize import decode_range

        return decode_range(super().read_one(path), _param(encoding, "lo", self.pattern),
                            _param(encoding, "hi", self.pattern), squeeze=not self.channels)

    def describe(self) -> dict:
        c = self.channels[0] if self.channels else 1
        return {**super().describe(),
                "layout": f"the {c} channel planes of a frame stacked vertically: a ({c} * H, W) image"
                if c > 1 else "(H, W)",
                "decode": "per channel c: x = 0 where value == 0, else lo[c] + (value - 1) * step[c]; "
                          "step = (hi - lo) / 65534"}


class _Max:
    def __init__(self) -> None:
        self.value = 0.0

    def update(self, frame: np.ndarray) -> None:
        a = np.asarray(frame)
        mx = float(a.max()) if a.size else 0.0
        if not np.isfinite(mx):  # inf or NaN somewhere: the largest finite value
            mx = float(a.max(where=np.isfinite(a), initial=0.0))
        self.value = max(self.value, mx)


def _param(encoding: Mapping[str, Any] | None, key: str, pattern: str) -> Any:
    """A parameter of a clip's encoding (from the manifest's ``files`` entry)."""
    if not encoding or key not in encoding:
        from ..errors import InputError

        raise InputError(f"{pattern}: the manifest does not give '{key}' of this encoding, so the "
                         "16-bit values cannot be decoded; the folder is incomplete, render it again")
    return encoding[key]


class Png1(_PerFrame):
    """1-bit PNG per frame of a boolean pass (lossless; Pillow mode ``"1"``)."""

    ext = "png"
    format = "png1"

    def write_one(self, path: Path, value: Any) -> None:
        from PIL import Image

        Image.fromarray(np.asarray(value, dtype=bool)).save(path, format="PNG")

    def read_one(self, path: Path, encoding: Mapping[str, Any] | None = None) -> np.ndarray:
        from PIL import Image

        with Image.open(path) as img:
            return np.array(img.convert("1"), dtype=bool)

    def describe(self) -> dict:
        return {**super().describe(), "dtype": "bool", "decode": "True where the pixel is 1 (white)",
                "max_error": 0}
