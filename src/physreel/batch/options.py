"""What a batch changes in every resolved sample: the ``render`` command's ``--resolution``,
``--fps``, ``--duration``, ``--preset`` and ``--storage``, as one JSON-able dict of overrides.

The dict is recorded in ``batch.json`` (a resumed batch must use the same), travels with each
job to the workers, and is applied to a sample's resolved scene after the template is drawn
(:func:`apply_overrides`), in the order ``render`` applies them: the preset first, then the
explicit values; a preset without ``--duration`` keeps its frame count at the final fps.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any

from physreel.errors import ArgumentError

KEYS = ("preset", "resolution", "fps", "duration", "storage")


def make_overrides(*, resolution: tuple[int, int] | list[int] | None = None, fps: int | None = None,
                   duration: float | None = None, preset: str | None = None,
                   storage: str | None = None) -> dict[str, Any]:
    """The overrides dict of the given values (None = keep the template's), checked.

    Raises
    ------
    ArgumentError
        An unknown preset or storage, or a value the scene format rejects, naming the flag.
    """
    from physreel.scene.presets import PRESETS

    out: dict[str, Any] = {}
    if preset is not None:
        if preset not in PRESETS:
            raise ArgumentError(f"--preset: unknown preset {preset!r}; presets are: {', '.join(PRESETS)}")
        out["preset"] = preset
    if resolution is not None:
        out["resolution"] = [int(resolution[0]), int(resolution[1])]
    if fps is not None:
        out["fps"] = int(fps)
    if duration is not None:
        out["duration"] = float(duration)
    if storage is not None:
        if storage not in ("compact", "npy"):
            raise ArgumentError(f"--storage: must be 'compact' or 'npy', got {storage!r}")
        out["storage"] = storage
    _check(out)
    return out


def apply_overrides(scene: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of the resolved scene dict with the overrides applied."""
    out = copy.deepcopy(dict(scene))
    if not overrides:
        return out
    preset = overrides.get("preset")
    if preset is not None:
        from physreel.scene.presets import preset_overrides

        out.update(preset_overrides(preset, int(out.get("fps", 24))))
    for key in ("resolution", "fps", "duration"):
        if key in overrides:
            out[key] = copy.deepcopy(overrides[key])
    if preset is not None and "duration" not in overrides:
        from physreel.scene.presets import PRESETS

        out["duration"] = PRESETS[preset].frames / out["fps"]
    if "storage" in overrides:
        out["render"] = {**dict(out.get("render") or {}), "storage": overrides["storage"]}
    return out


def describe(overrides: Mapping[str, Any]) -> str:
    """The overrides as the command-line flags that make them (for messages and the card)."""
    parts = []
    for key in KEYS:
        if key in overrides:
            v = overrides[key]
            v = f"{v[0]}x{v[1]}" if key == "resolution" else v
            parts.append(f"--{key} {v}")
    return " ".join(parts)


def _check(overrides: Mapping[str, Any]) -> None:
    """Apply the overrides to the default scene and validate it: a bad value is the flag's
    error, not every sample's."""
    from physreel.errors import SceneError
    from physreel.scene.loader import load_scene_data

    try:
        load_scene_data(apply_overrides({}, overrides), source="<batch options>")
    except SceneError as e:
        msgs = []
        for line in str(e).splitlines():
            m = re.search(r"<batch options>\S*:\s*([A-Za-z_]+)([^\s:]*):\s*(.*)", line)
            if m:
                flag = {"render": "storage"}.get(m.group(1), m.group(1))
                index = m.group(2) if m.group(2).startswith("[") else ""
                msgs.append(f"--{flag}{' ' + index if index else ''}: {m.group(3)}")
        raise ArgumentError("\n".join(msgs) or f"batch options: {e}") from None
