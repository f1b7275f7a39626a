"""Lossless-within-a-stated-bound 16-bit encodings of float passes (the compact storage).

Two rules, each a pure function pair ``encode`` / ``decode`` with its parameters written in the
manifest, so that anyone can decode the PNGs without physreel:

*units* (depth)
    ``value = round(x / unit)`` as uint16, 0 = background (``x == 0``); a foreground value
    that would round to 0 becomes 1.  ``unit`` is 1 mm, or the smallest whole number of
    millimetres for which the clip's largest value fits in 65535 units (a camera that sees the
    floor 120 m away gets 2 mm).  Decode: ``x = value * unit``; error <= ``unit / 2``.
*range* (flow, normals)
    One ``[lo, hi]`` per channel for the whole clip (the clip's own minimum and maximum);
    ``value = 1 + round((x - lo) / step)`` with ``step = (hi - lo) / 65534``, and the value 0
    reserved for an exact 0.0 (background normals, the zero flow of the last frame and of
    everything that does not move).  Decode: ``x = 0`` where ``value == 0``, else
    ``lo + (value - 1) * step``; error <= ``step / 2`` (plus float32 rounding).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

MAX_CODE = 65535
RANGE_CODES = MAX_CODE - 1  # codes 1..65535 carry values, 0 is an exact zero


def units_for(max_value: float, base_unit: float) -> float:
    """The unit of a clip: ``base_unit`` times the smallest whole number that makes
    ``max_value`` fit in 65535 units."""
    if not math.isfinite(max_value) or max_value <= 0:
        return base_unit
    k = max(1, math.ceil(max_value / (base_unit * MAX_CODE) - 1e-12))
    return base_unit * k


def encode_units(x: np.ndarray, unit: float) -> np.ndarray:
    """(H, W) float -> (H, W) uint16 ``round(x / unit)``, 0 kept for ``x == 0``, foreground
    values under half a unit stored as 1, values beyond 65535 units clipped."""
    d = np.asarray(x, dtype=np.float64)
    v = np.clip(np.rint(np.nan_to_num(d, nan=0.0, posinf=MAX_CODE * unit) / unit), 0, MAX_CODE)
    v = np.where((d > 0) & (v == 0), 1, v)
    return v.astype(np.uint16)


def decode_units(v: np.ndarray, unit: float) -> np.ndarray:
    """uint16 -> float32 ``v * unit``."""
    return (np.asarray(v, dtype=np.float64) * unit).astype(np.float32)


def clip_range(lo: np.ndarray, hi: np.ndarray) -> dict:
    """The manifest entry of a range encoding: per channel ``lo``, ``hi``, ``step`` and the
    largest decoding error ``max_error`` (half a step plus float32 rounding of the result)."""
    lo = np.asarray(lo, dtype=np.float64)
    hi = np.asarray(hi, dtype=np.float64)
    step = (hi - lo) / RANGE_CODES
    err = step / 2 + np.maximum(np.abs(lo), np.abs(hi)) * 2.0**-23
    return {"lo": lo.tolist(), "hi": hi.tolist(), "step": step.tolist(), "max_error": err.tolist()}


def encode_range(x: np.ndarray, lo: Sequence[float], hi: Sequence[float]) -> np.ndarray:
    """(H, W, C) (or (H, W) with one channel) float -> (C * H, W) uint16, channel planes stacked
    vertically (plane c is rows ``c * H .. (c + 1) * H``)."""
    a = np.asarray(x)
    planes = np.moveaxis(a, -1, 0) if a.ndim == 3 else a[None]  # (C, H, W)
    lo_ = np.asarray(lo, dtype=np.float64)[:, None, None]
    span = np.asarray(hi, dtype=np.float64)[:, None, None] - lo_
    scale = np.divide(RANGE_CODES, span, out=np.zeros_like(span), where=span > 0)
    zero = planes == 0
    n = planes.size - int(np.count_nonzero(zero))
    if n * 2 < planes.size:
        # mostly exact zeros (the flow of a still camera's floor and sky): encode only the
        # others, with the same float64 operations -- the same codes
        out = np.zeros(planes.shape, dtype=np.uint16)
        for c in range(planes.shape[0]):
            keep = ~zero[c]
            v = np.rint((planes[c][keep].astype(np.float64) - lo_[c, 0, 0]) * scale[c, 0, 0])
            np.clip(v, 0, RANGE_CODES, out=v)
            v += 1
            out[c][keep] = v.astype(np.uint16)
        return out.reshape(-1, planes.shape[2])
    v = np.rint((planes - lo_) * scale)
    np.clip(v, 0, RANGE_CODES, out=v)
    v += 1
    v[zero] = 0
    return v.astype(np.uint16).reshape(-1, planes.shape[2])


def decode_range(v: np.ndarray, lo: Sequence[float], hi: Sequence[float], squeeze: bool = False) -> np.ndarray:
    """(C * H, W) uint16 -> (H, W, C) float32 (``squeeze``: (H, W) for one channel)."""
    lo_ = np.asarray(lo, dtype=np.float64)
    c = lo_.size
    planes = np.asarray(v).reshape(c, -1, np.asarray(v).shape[1])
    step = (np.asarray(hi, dtype=np.float64) - lo_) / RANGE_CODES
    x = lo_[:, None, None] + (planes.astype(np.float64) - 1) * step[:, None, None]
    x = np.where(planes == 0, 0.0, x)
    out = np.moveaxis(x, 0, -1).astype(np.float32)
    return out[..., 0] if squeeze and c == 1 else out


class RangeAccumulator:
    """Per-channel minimum and maximum of the non-zero finite values of a clip, fed one frame at
    a time (zeros have their own code, so they do not widen the range)."""

    def __init__(self) -> None:
        self.lo: np.ndarray | None = None
        self.hi: np.ndarray | None = None

    def update(self, frame: np.ndarray) -> None:
        a = np.asarray(frame)
        # channel planes, each contiguous: reducing along a short last axis is ~20x slower
        planes = np.ascontiguousarray(np.moveaxis(a, -1, 0) if a.ndim == 3 else a[None]).reshape(
            a.shape[-1] if a.ndim == 3 else 1, -1)
        lo, hi = planes.min(axis=1).astype(np.float64), planes.max(axis=1).astype(np.float64)
        # a zero at an end of the range, or a NaN/inf, needs the masked (slower) pass
        redo = (lo == 0) | (hi == 0) | ~np.isfinite(lo) | ~np.isfinite(hi)
        for c in np.flatnonzero(redo):
            valid = np.isfinite(planes[c]) & (planes[c] != 0)
            lo[c] = planes[c].min(where=valid, initial=np.inf)
            hi[c] = planes[c].max(where=valid, initial=-np.inf)
        self.lo = lo if self.lo is None else np.minimum(self.lo, lo)
        self.hi = hi if self.hi is None else np.maximum(self.hi, hi)

    def result(self, channels: int) -> tuple[np.ndarray, np.ndarray]:
        """``(lo, hi)`` per channel; a channel that was always zero gets ``[0, 0]``."""
        if self.lo is None:
            return np.zeros(channels), np.zeros(channels)
        empty = ~np.isfinite(self.lo)
        return np.where(empty, 0.0, self.lo), np.where(empty, 0.0, self.hi)
