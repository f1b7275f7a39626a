"""physreel: physically simulated video with exact ground truth.

Lifecycle: ``load_scene`` -> ``build`` (every object resolved once) -> ``simulate`` ->
``render`` (a stream of frames) or ``write`` (an output folder) -> ``load`` (read it back).

The heavy parts (pybullet, trimesh, pyrender) are imported on first use, so ``import
physreel`` and the command line start fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from .errors import (
    ArgumentError,
    AssetError,
    GLError,
    InputError,
    PhysreelError,
    RenderError,
    SceneError,
    SimulationError,
)

__version__ = "0.1.0"

_LAZY = {
    "build": "physreel.api",
    "Assembly": "physreel.assembly",
    "render": "physreel.api",
    "simulate": "physreel.api",
    "write": "physreel.api",
    "with_overrides": "physreel.api",
    "load": "physreel.outputs.reader",
    "load_scene": "physreel.scene.loader",
    "load_scene_data": "physreel.scene.loader",
    "Scene": "physreel.scene.models",
    "Trajectory": "physreel.physics.trajectory",
    "stylize": "physreel.stylization",
    "flow_between": "physreel.stylization",
}

__all__ = [
    "ArgumentError", "Assembly", "AssetError", "GLError", "InputError", "PhysreelError", "RenderError", "Scene",
    "SceneError", "SimulationError", "Trajectory", "build", "flow_between", "load", "load_scene", "load_scene_data", "render",
    "simulate", "stylize", "with_overrides", "write",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'physreel' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


if TYPE_CHECKING:  # pragma: no cover
    from .api import build, render, simulate, with_overrides, write
    from .assembly import Assembly
    from .outputs.reader import load
    from .physics.trajectory import Trajectory
    from .scene.loader import load_scene, load_scene_data
    from .scene.models import Scene
    from .stylization import flow_between, stylize
