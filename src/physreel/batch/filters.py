"""Quality filters of a batch: decide from the simulation, before anything is rendered.

A clip is rejected (and its sample resampled with the next attempt) when it blew up, when an
object fell through the floor, when nothing moved, or when its objects of interest never came
into any camera's view.  The filters read the simulation record (per-frame object state and
per-frame cameras, the shape of ``metadata.json``), so a rejected attempt costs its simulation
only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from physreel.batch.templates import matches_interest
from physreel.errors import ArgumentError

__all__ = ["REJECTION_REASONS", "FilterConfig", "check_quality"]

REJECTION_REASONS = ("placement", "blowup", "through_floor", "static", "out_of_view")


@dataclass(frozen=True)
class FilterConfig:
    """Quality filters; a rejected clip is resampled with the next attempt index.

    Attributes
    ----------
    enabled : bool
        False accepts every clip that renders (and disables resampling).
    max_speed : float, m/s
        A clip whose objects move faster than this (or have non-finite state) "blew up".
    floor_tolerance : float, m
        A dynamic object (present from the first frame) whose origin goes further than this
        below the ground plane z = 0 fell through the floor.
    min_motion : float, m
        A clip in which no dynamic object's origin moves this far from its start is "static".
    visibility : {"all", "any", "off"}
        "all": every object of interest must project inside some camera's image (centre point,
        in front of the camera) in at least one frame; "any": at least one of them must.
    max_attempts : int
        Attempts per sample (resolutions of the template) before it is recorded as failed.
    """

    enabled: bool = True
    max_speed: float = 100.0
    floor_tolerance: float = 0.05
    min_motion: float = 0.01
    visibility: str = "all"
    max_attempts: int = 10

    def __post_init__(self) -> None:
        if self.visibility not in ("all", "any", "off"):
            raise ArgumentError(
                f"visibility must be 'all', 'any' or 'off', got {self.visibility!r}"
            )
        if self.max_attempts < 1:
            raise ArgumentError(f"max_attempts must be >= 1, got {self.max_attempts}")



def _array(x: Any, width: int) -> np.ndarray | None:
    if x is None:
        return None
    try:
        a = np.array(x, dtype=float)
    except (TypeError, ValueError):
        return None
    return a if a.ndim == 2 and a.shape[1] == width else None


def _present(rec: Mapping[str, Any], pos: np.ndarray) -> np.ndarray:
    if rec.get("present") is not None:
        p = np.asarray(rec["present"], dtype=bool)
        if p.shape == (len(pos),):
            return p
    # frames written as null (absent objects, e.g. pieces before a break) are not present
    return ~np.all(np.isnan(pos), axis=1)


def _camera_views(metadata: Mapping[str, Any]) -> list[tuple[np.ndarray, np.ndarray, int, int]]:
    """(K (T,3,3), world_to_camera (T,4,4), width, height) of every camera in the metadata."""
    cams = metadata.get("cameras") or {}
    items = cams.values() if isinstance(cams, Mapping) else cams
    res = metadata.get("resolution") or [0, 0]
    views = []
    for cam in items:
        if not isinstance(cam, Mapping) or cam.get("K") is None:
            continue
        try:
            K = np.asarray(cam["K"], dtype=float)
            w2c = np.asarray(cam["world_to_camera"], dtype=float)
        except (KeyError, TypeError, ValueError):
            continue
        K = K[None] if K.ndim == 2 else K
        w2c = w2c[None] if w2c.ndim == 2 else w2c
        w = int(cam.get("width", res[0]))
        h = int(cam.get("height", res[1]))
        views.append((K, w2c, w, h))
    return views


def _visible(pos: np.ndarray, views: list) -> bool:
    """Whether positions (T, 3) project inside some camera's image in some frame."""
    for K, w2c, w, h in views:
        n = min(len(pos), max(len(K), len(w2c))) if len(K) > 1 or len(w2c) > 1 else len(pos)
        Ks = np.broadcast_to(K, (n, 3, 3)) if len(K) == 1 else K[:n]
        Ms = np.broadcast_to(w2c, (n, 4, 4)) if len(w2c) == 1 else w2c[:n]
        p = pos[:n]
        pc = np.einsum("tij,tj->ti", Ms[:, :3, :3], p) + Ms[:, :3, 3]
        z = pc[:, 2]
        with np.errstate(divide="ignore", invalid="ignore"):
            u = Ks[:, 0, 0] * pc[:, 0] / z + Ks[:, 0, 2]
            v = Ks[:, 1, 1] * pc[:, 1] / z + Ks[:, 1, 2]
        inside = (z > 1e-6) & (u >= 0) & (u < w) & (v >= 0) & (v < h)
        if np.any(inside):
            return True
    return False


def check_quality(
    metadata: Mapping[str, Any],
    filters: FilterConfig,
    interest: Sequence[str] = (),
) -> str | None:
    """Why a simulated clip should be rejected, or None to keep it.

    Parameters
    ----------
    metadata : dict
        The simulation record (:class:`physreel.outputs.writer.SimulationRecord` ``.metadata``,
        the content of ``metadata.json``): ``objects`` with per-frame ``position`` (T, 3) m,
        ``velocity`` (T, 3) m/s, ``angular_velocity`` (T, 3) rad/s, ``static``; optional
        ``present`` (T,) bool (else frames with null positions are absent); ``cameras`` with
        ``K`` ((T,) 3, 3) and ``world_to_camera`` ((T,) 4, 4) in the OpenCV convention.
    filters : FilterConfig
    interest : list of str
        fnmatch patterns of the objects the visibility filter checks; empty means every
        dynamic object present in the first frame.

    Returns
    -------
    str or None
        "blowup" (non-finite state or speed above ``max_speed``), "through_floor", "static",
        "out_of_view", or None.
    """
    if not filters.enabled:
        return None
    objects = metadata.get("objects") or {}
    scene = metadata.get("scene") or {}
    ground = scene.get("ground", {}) if isinstance(scene, Mapping) else {}
    ground_on = not (isinstance(ground, Mapping) and ground.get("enabled") is False)
    max_motion = 0.0
    tracks: dict[str, np.ndarray] = {}
    for name, rec in objects.items():
        if not isinstance(rec, Mapping) or rec.get("static"):
            continue
        pos = _array(rec.get("position"), 3)
        if pos is None or len(pos) == 0:
            continue
        here = _present(rec, pos)
        state = [pos]
        for key in ("velocity", "angular_velocity"):
            a = _array(rec.get(key), 3)
            if a is not None and len(a) == len(pos):
                state.append(a)
        if any(not np.all(np.isfinite(a[here])) for a in state):
            return "blowup"
        if len(state) > 1 and np.any(np.linalg.norm(state[1][here], axis=1) > filters.max_speed):
            return "blowup"
        p = pos[here]
        if len(p) == 0:
            continue
        # a fracture piece's frame origin is its parent's, which may lie below the floor; a
        # person's body parts dip into it where the mocap's feet do (their pelvis is checked)
        if ground_on and here[0] and not rec.get("part_of") and np.any(p[:, 2] < -filters.floor_tolerance):
            return "through_floor"
        max_motion = max(max_motion, float(np.max(np.linalg.norm(p - p[0], axis=1))))
        if here[0] and matches_interest(str(name), interest):
            tracks[str(name)] = np.where(here[:, None], pos, np.nan)
    if objects and max_motion < filters.min_motion:
        return "static"
    views = _camera_views(metadata)
    if filters.visibility != "off" and views and tracks:
        seen = [_visible(p, views) for p in tracks.values()]
        if (filters.visibility == "all" and not all(seen)) or not any(seen):
            return "out_of_view"
    return None
