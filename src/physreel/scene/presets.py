"""Presets for video models: frame count, size and fps, chosen by render times (the physics
is unchanged: the simulation still runs at its own rate; only which instants are filmed and
at what size changes)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Preset:
    frames: int
    width: int
    height: int
    fps: int | None  # None: keep the scene's fps


PRESETS = {
    "animatediff": Preset(16, 512, 512, None),
    "svd": Preset(25, 1024, 576, None),
    "cogvideox": Preset(49, 720, 480, 8),
    "wan": Preset(81, 832, 480, 16),
}


def preset_overrides(name: str, scene_fps: int) -> dict:
    """Top-level scene overrides (fps, duration, resolution) for preset ``name``."""
    p = PRESETS[name]
    fps = p.fps or scene_fps
    return {"fps": fps, "duration": p.frames / fps, "resolution": [p.width, p.height]}
